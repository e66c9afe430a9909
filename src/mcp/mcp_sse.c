/* mcp_sse.c - the legacy SSE transport's HTTP handlers and housekeeping thread, over the
 * session table (mcp_sse_sessions.h) and the transport-free server (mcp.h). */
#include "mcp/mcp_sse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/periodic.h"
#include "core/text.h"
#include "http/public_origin.h"
#include "mcp/mcp_http.h"
#include "mcp/mcp_sse_sessions.h"

#define NS_PER_SECOND 1000000000LL
#define HOUSEKEEPING_INTERVAL_SECONDS 1
#define MESSAGE_PATH "/mcp/message?sessionId="

struct mcp_sse {
    mcp_server *server;
    mcp_sse_sessions *sessions;
    periodic *housekeeping;
};

static void housekeeping(void *context)
{
    mcp_sse *sse = context;
    mcp_sse_sessions_tick(sse->sessions, clock_monotonic_ns());
}

mcp_sse *mcp_sse_create(const config *cfg, mcp_server *server, nh_error *err)
{
    mcp_sse *sse = calloc(1, sizeof *sse);
    if (!sse) {
        error_internal(err);
        return NULL;
    }
    mcp_sse_limits limits = {
        .max_sessions = cfg->mcp_sse_max_sessions,
        .max_per_credential = cfg->mcp_sse_max_sessions_per_credential,
        .idle_ns = (int64_t)cfg->mcp_sse_idle_s * NS_PER_SECOND,
        .heartbeat_ns = (int64_t)cfg->mcp_sse_heartbeat_s * NS_PER_SECOND,
        .buffer_bytes = cfg->mcp_sse_buffer_bytes,
        .retry_after_s = cfg->mcp_sse_heartbeat_s, /* a vanished client is noticed by then */
    };
    sse->server = server;
    sse->sessions = mcp_sse_sessions_create(&limits);
    if (sse->sessions)
        sse->housekeeping = periodic_start(HOUSEKEEPING_INTERVAL_SECONDS, housekeeping, sse);
    if (!sse->sessions || !sse->housekeeping) {
        mcp_sse_sessions_destroy(sse->sessions);
        free(sse);
        error_set(err, 500, "start_failed", "the MCP SSE transport could not start");
        return NULL;
    }
    return sse;
}

void mcp_sse_destroy(mcp_sse *sse)
{
    if (!sse)
        return;
    periodic_stop(sse->housekeeping);
    mcp_sse_sessions_destroy(sse->sessions);
    free(sse);
}

/* ---- GET /mcp/sse ------------------------------------------------------------------------ */

/* An Origin header, when present and not blank, must name the request's public origin (the
 * same DNS-rebinding protection as the POST pipeline, spec mcp.md §3). */
static bool origin_allowed(const char *origin, const public_origin *own)
{
    if (!origin || text_is_blank(origin))
        return true;
    size_t start;
    size_t end;
    text_trim_bounds(origin, strlen(origin), &start, &end);
    char expected[PUBLIC_ORIGIN_SCHEME_SIZE + PUBLIC_ORIGIN_AUTHORITY_SIZE + 4];
    int length = snprintf(expected, sizeof expected, "%s://%s", own->scheme, own->authority);
    if (own->authority[0] == '\0' || length < 0 || (size_t)length != end - start)
        return false;
    return strncasecmp(origin + start, expected, (size_t)length) == 0;
}

void mcp_sse_http_open(http_request *request, http_response *response)
{
    mcp_sse *sse = request->context;
    public_origin own;
    http_request_public_origin(request, &own);
    if (!origin_allowed(http_request_header(request, "Origin"), &own)) {
        http_reply_error_code(response, 403, "mcp_origin_not_allowed",
                              "The Origin header does not match this server.");
        return;
    }
    char prefix[PUBLIC_ORIGIN_SCHEME_SIZE + PUBLIC_ORIGIN_AUTHORITY_SIZE + sizeof MESSAGE_PATH + 4];
    if (own.authority[0]) /* absolute, as the spec asks; else relative to the stream's URL */
        snprintf(prefix, sizeof prefix, "%s://%s" MESSAGE_PATH, own.scheme, own.authority);
    else
        snprintf(prefix, sizeof prefix, MESSAGE_PATH);
    char credential[MCP_SSE_CREDENTIAL_SIZE];
    mcp_sse_credential(&request->principal, credential);
    char id[MCP_SSE_ID_SIZE];
    nh_error err;
    if (mcp_sse_sessions_open(sse->sessions, credential, response, prefix, clock_monotonic_ns(), id,
                              &err) != 0) {
        http_reply_error(response, &err);
        return;
    }
    log_fields(LOG_INFO, "mcp_sse_session_opened",
               json_pack("{s:s, s:s, s:s}", "sessionId", id, "requestId", request->request_id,
                         "user", request->principal.username));
}

/* ---- POST /mcp/message ------------------------------------------------------------------- */

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

/* The notify sink of a message: progress notifications go out on the session's stream. */
static int notify_session(void *context, const char *json, size_t length)
{
    return mcp_sse_session_send(context, json, length, clock_monotonic_ns());
}

static void reply_session_not_found(http_response *response)
{
    http_reply_error_code(response, 404, "mcp_session_not_found",
                          "No open SSE session of this API key has this sessionId (it is unknown, "
                          "ended or another key's); open a new one with GET /mcp/sse.");
}

/* A message the pipeline refused (or that failed): its status and JSON-RPC body on the POST. */
static void reply_refused(http_response *response, const mcp_reply *reply)
{
    if (!reply->body) {
        nh_error err;
        error_internal(&err);
        http_reply_error(response, &err);
        return;
    }
    http_reply_bytes(response, reply->status, "application/json", reply->body, strlen(reply->body));
    if (reply->protocol_version[0])
        http_response_header(response, "MCP-Protocol-Version", reply->protocol_version);
}

static void run_message(mcp_sse *sse, mcp_sse_session *session, http_request *request,
                        http_response *response)
{
    public_origin own;
    mcp_message message;
    mcp_http_message(request, &own, &message);
    message.notify = notify_session;
    message.notify_context = session;
    mcp_reply reply;
    mcp_handle(sse->server, &message, &reply);
    if (reply.status >= 400)
        reply_refused(response, &reply);
    else if (reply.body && mcp_sse_session_send(session, reply.body, strlen(reply.body),
                                                clock_monotonic_ns()) != 0)
        reply_session_not_found(response); /* its stream closed: the session ended */
    else
        http_reply_empty(response, 202);
    mcp_reply_clear(&reply);
}

void mcp_sse_http_message(http_request *request, http_response *response)
{
    mcp_sse *sse = request->context;
    if (!is_json_content_type(http_request_header(request, "Content-Type"))) {
        http_reply_error_code(response, 415, "request_unsupported_media_type",
                              "The request body must be JSON (Content-Type: application/json).");
        return;
    }
    const char *id = http_request_query(request, "sessionId");
    if (!id || text_is_blank(id)) {
        http_reply_error_code(response, 400, "mcp_session_id_required",
                              "The sessionId query parameter is required (the endpoint event of "
                              "GET /mcp/sse names the URL to post to).");
        return;
    }
    char credential[MCP_SSE_CREDENTIAL_SIZE];
    mcp_sse_credential(&request->principal, credential);
    mcp_sse_session *session =
        mcp_sse_sessions_find(sse->sessions, id, credential, clock_monotonic_ns());
    if (!session) {
        reply_session_not_found(response);
        return;
    }
    run_message(sse, session, request, response);
    mcp_sse_session_release(session, clock_monotonic_ns());
}
