/* mcp_http.c - POST /mcp (plain JSON replies, or an event stream for a tools/call that asked
 * for progress) and the 405 of GET/DELETE /mcp (see mcp_http.h). */
#include "mcp/mcp_http.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/http_stream.h"
#include "http/public_origin.h"
#include "mcp/mcp.h"
#include "mcp/mcp_internal.h"

/* A streamed reply's buffer when the server has no configuration (unit tests). */
#define DEFAULT_STREAM_BUFFER_BYTES (1024 * 1024)

static bool is_json_content_type(const char *content_type)
{
    if (!content_type)
        return false;
    while (*content_type == ' ' || *content_type == '\t')
        content_type++;
    size_t length = strlen("application/json");
    if (strncasecmp(content_type, "application/json", length) != 0)
        return false;
    char next = content_type[length];
    return next == '\0' || next == ';' || next == ' ' || next == '\t';
}

/* Does the Accept header name text/event-stream (parameters and case aside)? */
static bool accepts_event_stream(const char *accept)
{
    static const char wanted[] = "text/event-stream";
    for (const char *range = accept; range && *range;) {
        while (*range == ' ' || *range == '\t' || *range == ',')
            range++;
        size_t length = strcspn(range, ",;");
        size_t trimmed = length;
        while (trimmed > 0 && (range[trimmed - 1] == ' ' || range[trimmed - 1] == '\t'))
            trimmed--;
        if (trimmed == sizeof wanted - 1 && !strncasecmp(range, wanted, trimmed))
            return true;
        range += strcspn(range, ",");
    }
    return false;
}

static void send_reply(http_response *response, const mcp_reply *reply)
{
    if (reply->status == 202 || !reply->body) {
        http_reply_empty(response, reply->status ? reply->status : 500);
    } else {
        http_reply_bytes(response, reply->status, "application/json", reply->body,
                         strlen(reply->body));
    }
    http_response_header(response, "Cache-Control", "no-store");
    if (reply->protocol_version[0])
        http_response_header(response, "MCP-Protocol-Version", reply->protocol_version);
}

/* ---- the streamed reply of a tools/call with progress ------------------------------------ */

/* A call answered as an event stream: everything it needs copied out of the request, which
 * ends before the call does (the call runs after the handler returned). */
typedef struct streamed_call {
    mcp_server *server;
    http_stream *stream; /* the producer's reference */
    auth_principal principal;
    public_origin own;
    char *body;
    size_t length;
    char *origin;
    char *protocol_version;
    char *client_address;
    char *user_agent;
} streamed_call;

static void streamed_call_free(streamed_call *call)
{
    if (!call)
        return;
    http_stream_release(call->stream);
    free(call->body);
    free(call->origin);
    free(call->protocol_version);
    free(call->client_address);
    free(call->user_agent);
    free(call);
}

/* A copy of text (NULL stays NULL); false when out of memory. */
static bool copy_text(const char *text, char **out)
{
    *out = text ? strdup(text) : NULL;
    return !text || *out;
}

static streamed_call *streamed_call_create(mcp_server *server, const http_request *request,
                                           const public_origin *own)
{
    streamed_call *call = calloc(1, sizeof *call);
    if (!call)
        return NULL;
    call->server = server;
    call->principal = request->principal;
    call->own = *own;
    call->length = request->body.length;
    call->body = malloc(call->length + 1);
    if (call->body) {
        if (call->length > 0)
            memcpy(call->body, request->body.data, call->length);
        call->body[call->length] = '\0';
    }
    if (!call->body || !copy_text(http_request_header(request, "Origin"), &call->origin) ||
        !copy_text(http_request_header(request, "MCP-Protocol-Version"), &call->protocol_version) ||
        !copy_text(request->client_address, &call->client_address) ||
        !copy_text(http_request_header(request, "User-Agent"), &call->user_agent)) {
        streamed_call_free(call);
        return NULL;
    }
    return call;
}

/* The notify sink: notifications/progress as "event: message" frames. -1 once the client is
 * gone (the call then stops waiting and cancels its job). */
static int notify_stream(void *context, const char *json, size_t length)
{
    streamed_call *call = context;
    return http_stream_write_event(call->stream, "message", json, length);
}

/* After the handler returned (http_response_after_reply), on its pool thread: run the call,
 * its progress and then its reply going out as frames, and end the stream. */
static void run_streamed_call(void *context)
{
    streamed_call *call = context;
    if (!http_stream_is_closed(call->stream)) { /* a reply that never started runs nothing */
        mcp_message message = {
            .principal = &call->principal,
            .body = call->body,
            .length = call->length,
            .origin = call->origin,
            .protocol_version_header = call->protocol_version,
            .scheme = call->own.scheme,
            .authority = call->own.authority[0] ? call->own.authority : NULL,
            .client_address = call->client_address,
            .user_agent = call->user_agent,
            .notify = notify_stream,
            .notify_context = call,
        };
        mcp_reply reply;
        mcp_handle(call->server, &message, &reply);
        if (reply.body) /* none for a cancelled call */
            http_stream_write_event(call->stream, "message", reply.body, strlen(reply.body));
        mcp_reply_clear(&reply);
    }
    http_stream_finish(call->stream);
    streamed_call_free(call);
}

/* Would the pipeline take this tools/call up to its dispatch? A ping carrying the call's own
 * "jsonrpc" and "id" goes through mcp_handle with the same headers: origin, protocol version
 * header and envelope are checked exactly as for the call, with no side effect. A refusal is
 * left to the plain JSON path, which answers it with its own status. On acceptance the ping's
 * MCP-Protocol-Version is copied to version. */
static bool pipeline_accepts(mcp_server *server, const mcp_message *message,
                             char version[sizeof((mcp_reply *)0)->protocol_version])
{
    json_t *root =
        json_loadb(message->body, message->length, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, NULL);
    json_t *probe = json_is_object(root) ? json_object() : NULL;
    bool built = probe && json_object_set_new(probe, "method", json_string("ping")) == 0;
    const char *members[] = {"jsonrpc", "id"};
    for (size_t i = 0; built && i < 2; i++) {
        json_t *value = json_object_get(root, members[i]);
        built = !value || json_object_set(probe, members[i], value) == 0;
    }
    char *text = built ? json_dumps(probe, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    json_decref(probe);
    json_decref(root);
    if (!text)
        return false;
    mcp_message ping = *message;
    ping.body = text;
    ping.length = strlen(text);
    ping.notify = NULL;
    mcp_reply reply;
    mcp_handle(server, &ping, &reply);
    bool accepted = reply.status == 200;
    memcpy(version, reply.protocol_version, sizeof reply.protocol_version);
    mcp_reply_clear(&reply);
    free(text);
    return accepted;
}

static size_t stream_buffer_bytes(const mcp_server *server)
{
    const config *cfg = server->deps.cfg;
    return cfg ? cfg->mcp_sse_buffer_bytes : DEFAULT_STREAM_BUFFER_BYTES;
}

/* Answer with an event stream and run the call after the handler. False when the reply
 * stays plain JSON (nothing was answered yet). */
static bool reply_streamed(http_request *request, http_response *response,
                           const mcp_message *message, const public_origin *own)
{
    mcp_server *server = request->context;
    char version[sizeof((mcp_reply *)0)->protocol_version];
    if (!pipeline_accepts(server, message, version))
        return false;
    streamed_call *call = streamed_call_create(server, request, own);
    if (!call) {
        nh_error err;
        error_internal(&err);
        http_reply_error(response, &err);
        return true;
    }
    http_response_header(response, "Cache-Control", "no-cache, no-store");
    http_response_header(response, "X-Accel-Buffering", "no");
    if (version[0])
        http_response_header(response, "MCP-Protocol-Version", version);
    http_stream_settings settings = {.content_type = "text/event-stream",
                                     .max_buffered_bytes = stream_buffer_bytes(server)};
    call->stream = http_reply_stream(response, 200, &settings);
    if (!call->stream) { /* a 500 was answered */
        streamed_call_free(call);
        return true;
    }
    http_response_after_reply(response, run_streamed_call, call);
    return true;
}

void mcp_http_message(http_request *request, public_origin *own, mcp_message *out)
{
    http_request_public_origin(request, own);
    *out = (mcp_message){
        .principal = &request->principal,
        .body = request->body.data ? request->body.data : "",
        .length = request->body.length,
        .origin = http_request_header(request, "Origin"),
        .protocol_version_header = http_request_header(request, "MCP-Protocol-Version"),
        .scheme = own->scheme,
        .authority = own->authority[0] ? own->authority : NULL,
        .client_address = request->client_address,
        .user_agent = http_request_header(request, "User-Agent"),
    };
}

void mcp_http_post(http_request *request, http_response *response)
{
    if (!is_json_content_type(http_request_header(request, "Content-Type"))) {
        http_reply_error_code(response, 415, "request_unsupported_media_type",
                              "The request body must be JSON (Content-Type: application/json).");
        return;
    }
    public_origin own;
    mcp_message message;
    mcp_http_message(request, &own, &message);
    if (accepts_event_stream(http_request_header(request, "Accept")) &&
        mcp_wants_progress(message.body, message.length) &&
        reply_streamed(request, response, &message, &own))
        return;
    mcp_reply reply;
    mcp_handle(request->context, &message, &reply);
    send_reply(response, &reply);
    mcp_reply_clear(&reply);
}

void mcp_http_not_allowed(http_request *request, http_response *response)
{
    http_reply_error_code(response, 405, "method_not_allowed",
                          "The method %s is not allowed here. Allowed: POST (this server offers "
                          "no standalone event stream).",
                          request->method);
    http_response_header(response, "Allow", "POST");
}
