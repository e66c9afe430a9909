/* server.c - libmicrohttpd glue and the per-request pipeline: event threads decide what they
 * can from the headers and hand everything that may block to the handler pool. */
#include "http/server.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "http/acceptor.h"
#include "http/client_address.h"
#include "http/connection_guard.h"
#include "http/handler_pool.h"
#include "http/http_stream_server.h"
#include "http/static_files.h"

/* After an error mid-body we keep reading (and discarding) at most this much, then close. */
#define DISCARD_LIMIT (64LL * 1024 * 1024)
/* File descriptors kept for everything that is not a connection (database, files, pipes). */
#define RESERVED_DESCRIPTORS 256
#define BUSY_RETRY_AFTER_SECONDS 1
/* libmicrohttpd's preferred block for a streamed reply's content callback (advisory). */
#define STREAM_BLOCK_BYTES (16 * 1024)

_Static_assert(sizeof(((http_request *)0)->client_address) == CLIENT_ADDRESS_TEXT_SIZE,
               "client_address_resolve writes CLIENT_ADDRESS_TEXT_SIZE bytes");

struct http_server {
    http_server_settings settings;
    trusted_proxies proxies;
    struct MHD_Daemon *daemon;
    acceptor *accepting; /* owns the listen socket; NULL once quiesced */
    handler_pool *pool;
    connection_guard *guard;
    http_stream_registry *streams; /* streamed replies on their connections (http_stream.h) */
    atomic_ullong inline_replies;  /* requests answered by a route's inline handler */
};

/* READING: the body (if any) is read and used. REPLY_READY: the reply was chosen early; it is
 * queued at the final call (queueing it in the first call makes libmicrohttpd close the
 * connection, which is right only when a body would otherwise have to be read). REPLIED: the
 * reply is queued. DISCARDING: an error reply is chosen and the rest of the body is dropped. */
typedef enum {
    STAGE_READING = 0,
    STAGE_REPLY_READY,
    STAGE_REPLIED,
    STAGE_DISCARDING
} request_stage;

/* What a pool job does for its request. */
typedef enum {
    JOB_AUTHENTICATE,            /* then the body is read (on the event thread) */
    JOB_AUTHENTICATE_AND_HANDLE, /* a request without a body: both in one trip */
    JOB_BODY_CHUNK,              /* one chunk to the streaming route */
    JOB_HANDLE,                  /* parse the JSON body, run the handler */
} job_kind;

typedef struct request_context {
    http_server *server;
    http_request request;
    http_response response;
    request_stage stage;
    router_outcome outcome;
    int64_t body_received;
    size_t metrics_slot; /* route index or pseudo label */
    int final_status;
    uint64_t final_bytes;
    guard_entry *guard;
    bool body_expected;
    bool admitted;      /* a pool job of this request was admitted (later ones always queue) */
    bool authenticated; /* the route's authentication passed */
    /* pool job: written by the handler thread before MHD_resume_connection, read by the event
     * thread after libmicrohttpd resumed the connection (its mutex orders the two) */
    handler_job job;
    job_kind kind;
    bool job_finished;
    int job_result;
    char *chunk; /* JOB_BODY_CHUNK: a copy of the chunk (the event thread's buffer moves on) */
    size_t chunk_size;
    size_t chunk_capacity;
} request_context;

/* ---- small helpers ---------------------------------------------------------------------- */

static bool valid_request_id(const char *text)
{
    size_t length = strlen(text);
    if (length == 0 || length >= HTTP_REQUEST_ID_SIZE)
        return false;
    for (const char *c = text; *c; c++)
        if (!isalnum((unsigned char)*c) && !strchr("-_.:", *c))
            return false;
    return true;
}

/* Request ids: a random 64-bit prefix chosen at start (unique across instances) and a counter
 * (no random bytes or lock per request). */
static char request_id_prefix[17];
static atomic_ullong request_counter;
static pthread_once_t request_id_once = PTHREAD_ONCE_INIT;

static void choose_request_id_prefix(void)
{
    unsigned char random[8];
    randombytes_buf(random, sizeof random);
    sodium_bin2hex(request_id_prefix, sizeof request_id_prefix, random, sizeof random);
}

static void next_request_id(char out[HTTP_REQUEST_ID_SIZE])
{
    pthread_once(&request_id_once, choose_request_id_prefix);
    unsigned long long number = atomic_fetch_add(&request_counter, 1) + 1;
    snprintf(out, HTTP_REQUEST_ID_SIZE, "%s-%08llx", request_id_prefix, number);
}

static void fill_request_id(request_context *context, struct MHD_Connection *connection)
{
    const char *given = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, "X-Request-Id");
    if (given && valid_request_id(given)) {
        snprintf(context->request.request_id, HTTP_REQUEST_ID_SIZE, "%s", given);
        return;
    }
    next_request_id(context->request.request_id);
}

typedef struct header_joiner {
    const char *name;
    buf *out;
} header_joiner;

static enum MHD_Result join_header(void *closure, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    (void)kind;
    header_joiner *joiner = closure;
    if (strcasecmp(key, joiner->name) != 0 || !value)
        return MHD_YES;
    if (joiner->out->length > 0)
        buf_append_str(joiner->out, ",");
    buf_append_str(joiner->out, value);
    return MHD_YES;
}

/* Every line of a header as the one comma-separated list they form (RFC 9110 5.3): a proxy may
 * add its own line after the client's, so the first line alone is the client's word. NULL when
 * there is none, or when it could not be joined (then no forwarded address is believed). */
static char *joined_header(void *closure, const char *name)
{
    struct MHD_Connection *connection = closure;
    buf joined;
    buf_init(&joined, 0);
    header_joiner joiner = {name, &joined};
    MHD_get_connection_values(connection, MHD_HEADER_KIND, join_header, &joiner);
    if (buf_failed(&joined)) {
        log_message(LOG_WARN, "client_address", "out of memory joining the %s header", name);
        buf_free(&joined);
        return NULL;
    }
    return buf_detach(&joined);
}

static void fill_client_address(request_context *context, struct MHD_Connection *connection)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    client_address_resolve(&context->server->proxies, info ? info->client_addr : NULL,
                           joined_header, connection, context->request.client_address);
    context->request.via_trusted_proxy =
        client_address_peer_trusted(&context->server->proxies, info ? info->client_addr : NULL);
}

typedef struct query_collector {
    http_request *request;
    int failed;
} query_collector;

static enum MHD_Result collect_query(void *closure, enum MHD_ValueKind kind, const char *key,
                                     const char *value)
{
    (void)kind;
    query_collector *collector = closure;
    if (http_query_add(&collector->request->query, &collector->request->query_count, key, value) !=
        0) {
        collector->failed = 1;
        return MHD_NO;
    }
    return MHD_YES;
}

static bool is_json_content_type(const char *content_type)
{
    if (!content_type)
        return false;
    while (*content_type == ' ')
        content_type++;
    size_t length = strlen("application/json");
    if (strncasecmp(content_type, "application/json", length) != 0)
        return false;
    char next = content_type[length];
    return next == '\0' || next == ';' || next == ' ';
}

static int64_t declared_length(struct MHD_Connection *connection)
{
    const char *text =
        MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (!text)
        return -1;
    char *end;
    long long value = strtoll(text, &end, 10);
    if (*end != '\0' || value < 0)
        return -1;
    return value;
}

static bool has_body(struct MHD_Connection *connection)
{
    int64_t length = declared_length(connection);
    if (length > 0)
        return true;
    const char *encoding =
        MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
    return encoding && strcasestr(encoding, "chunked");
}

static int64_t body_limit(const request_context *context)
{
    const http_server_settings *settings = &context->server->settings;
    const route *matched = context->request.match.route;
    if (matched && matched->body == ROUTE_BODY_STREAM)
        return settings->max_upload_body_bytes;
    if (matched && matched->body == ROUTE_BODY_RAW && settings->max_raw_body_bytes > 0)
        return settings->max_raw_body_bytes;
    return (int64_t)settings->max_json_body_bytes;
}

static void reply_too_large(request_context *context)
{
    http_reply_error_code(&context->response, 413, "request_body_too_large",
                          "The request body is larger than the limit of %lld bytes.",
                          (long long)body_limit(context));
}

static void reply_busy(request_context *context)
{
    nh_error err;
    error_set_retry(&err, 503, "server_busy", BUSY_RETRY_AFTER_SECONDS,
                    "The server is busy; try again shortly.");
    http_reply_error(&context->response, &err);
}

/* ---- CORS -------------------------------------------------------------------------------- */

static const char *cors_origin(const http_server *server, struct MHD_Connection *connection)
{
    const string_list *origins = server->settings.cors_origins;
    const char *origin = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, "Origin");
    for (size_t i = 0; origins && i < origins->count; i++) {
        if (!strcmp(origins->items[i], "*"))
            return "*";
        if (origin && !strcasecmp(origins->items[i], origin))
            return origin;
    }
    return NULL;
}

static bool is_preflight(const char *method, struct MHD_Connection *connection)
{
    return !strcmp(method, "OPTIONS") &&
           MHD_lookup_connection_value(connection, MHD_HEADER_KIND,
                                       "Access-Control-Request-Method") != NULL;
}

static void reply_preflight(request_context *context, struct MHD_Connection *connection)
{
    http_response *response = &context->response;
    http_reply_empty(response, 204);
    http_response_header(response, "Access-Control-Allow-Methods",
                         "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
    const char *asked =
        MHD_lookup_connection_value(connection, MHD_HEADER_KIND, "Access-Control-Request-Headers");
    if (asked && strlen(asked) < 1024)
        http_response_header(response, "Access-Control-Allow-Headers", asked);
    http_response_header(response, "Access-Control-Max-Age", "600");
}

/* ---- sending ---------------------------------------------------------------------------- */

static struct MHD_Response *make_mhd_response(http_response *response)
{
    if (response->file_descriptor >= 0) {
        struct MHD_Response *file_response = MHD_create_response_from_fd_at_offset64(
            response->file_length, response->file_descriptor, response->file_offset);
        if (file_response)
            response->file_descriptor = -1; /* MHD closes it now */
        return file_response;
    }
    size_t length = response->body.length;
    char *data = buf_detach(&response->body);
    if (!data)
        return NULL;
    struct MHD_Response *reply =
        MHD_create_response_from_buffer(length, data, MHD_RESPMEM_MUST_FREE);
    if (!reply)
        free(data);
    return reply;
}

/* The 500 envelope for a reply that could not be built, from fixed storage (no allocation). */
static struct MHD_Response *make_fallback_response(const request_context *context)
{
    char text[256];
    int length = snprintf(text, sizeof text,
                          "{\"error\":{\"code\":\"internal_server_error\",\"message\":\"An "
                          "unexpected error occurred.\",\"traceId\":\"%s\",\"status\":500}}",
                          context->request.request_id);
    if (length < 0 || (size_t)length >= sizeof text)
        return NULL;
    struct MHD_Response *reply =
        MHD_create_response_from_buffer((size_t)length, text, MHD_RESPMEM_MUST_COPY);
    if (reply && MHD_add_response_header(reply, MHD_HTTP_HEADER_CONTENT_TYPE,
                                         "application/json; charset=utf-8") != MHD_YES) {
        MHD_destroy_response(reply);
        return NULL;
    }
    return reply;
}

static bool carries_credentials(struct MHD_Connection *connection)
{
    if (MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION))
        return true;
    const char *cookie = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, "Cookie");
    return cookie && strstr(cookie, "nekohub_refresh=");
}

/* The headers the server adds to every reply. -1 when one could not be added. */
static int add_server_headers(request_context *context, struct MHD_Connection *connection,
                              struct MHD_Response *reply)
{
    const http_response *response = &context->response;
    int failed = 0;
    failed |=
        MHD_add_response_header(reply, "X-Request-Id", context->request.request_id) != MHD_YES;
    failed |= MHD_add_response_header(reply, "X-Content-Type-Options", "nosniff") != MHD_YES;
    char vary[64] = "";
    const char *origin = cors_origin(context->server, connection);
    if (origin) {
        failed |= MHD_add_response_header(reply, "Access-Control-Allow-Origin", origin) != MHD_YES;
        if (strcmp(origin, "*") != 0)
            snprintf(vary, sizeof vary, "Origin");
    }
    const route *matched = context->request.match.route;
    bool per_caller = matched && matched->auth != ROUTE_AUTH_ANONYMOUS;
    if (per_caller && !http_response_header_value(response, "Vary"))
        snprintf(vary + strlen(vary), sizeof vary - strlen(vary), "%sAuthorization",
                 vary[0] ? ", " : "");
    if (vary[0])
        failed |= MHD_add_response_header(reply, "Vary", vary) != MHD_YES;
    if ((per_caller || carries_credentials(connection)) &&
        !http_response_header_value(response, "Cache-Control"))
        failed |= MHD_add_response_header(reply, "Cache-Control", "no-store") != MHD_YES;
    return failed ? -1 : 0;
}

/* ---- streamed replies (http_stream.h) ----------------------------------------------------- */

/* The stream's hooks; handle is the request's context, alive while the stream is attached. */
static void stream_suspend(void *handle)
{
    request_context *context = handle;
    MHD_suspend_connection(context->request.connection);
}

static void stream_resume(void *handle)
{
    request_context *context = handle;
    MHD_resume_connection(context->request.connection);
}

static void stream_drop(void *handle)
{
    request_context *context = handle;
    guard_entry_drop(context->guard);
}

static const http_stream_connection stream_hooks = {stream_suspend, stream_resume, stream_drop};

static ssize_t stream_content(void *closure, uint64_t position, char *out, size_t max)
{
    (void)position;
    size_t count;
    switch (http_stream_read(closure, out, max, &count)) {
    case HTTP_STREAM_DATA:
        return (ssize_t)count;
    case HTTP_STREAM_WAIT:
        return 0; /* suspended: a write resumes the connection */
    case HTTP_STREAM_END:
        return MHD_CONTENT_READER_END_OF_STREAM;
    case HTTP_STREAM_FAILED:
        break;
    }
    return MHD_CONTENT_READER_END_WITH_ERROR;
}

static void stream_response_freed(void *closure)
{
    http_stream_release(closure);
}

static struct MHD_Response *make_stream_response(http_stream *stream)
{
    http_stream_retain(stream); /* the libmicrohttpd response's, released when it is freed */
    struct MHD_Response *reply = MHD_create_response_from_callback(
        MHD_SIZE_UNKNOWN, STREAM_BLOCK_BYTES, stream_content, stream, stream_response_freed);
    if (!reply)
        http_stream_release(stream);
    return reply;
}

static struct MHD_Response *build_reply(request_context *context, struct MHD_Connection *connection)
{
    http_response *response = &context->response;
    if (response->status == 0 && !response->broken) {
        nh_error err;
        error_internal(&err);
        http_reply_error(response, &err);
    }
    if (response->broken)
        return NULL;
    uint64_t bytes = response->file_descriptor >= 0 ? response->file_length : response->body.length;
    struct MHD_Response *reply =
        response->stream ? make_stream_response(response->stream) : make_mhd_response(response);
    if (!reply)
        return NULL;
    int failed = 0;
    if (response->content_type)
        failed |= MHD_add_response_header(reply, MHD_HTTP_HEADER_CONTENT_TYPE,
                                          response->content_type) != MHD_YES;
    failed |= add_server_headers(context, connection, reply);
    for (size_t i = 0; i < response->header_count; i++)
        failed |= MHD_add_response_header(reply, response->headers[i].name,
                                          response->headers[i].value) != MHD_YES;
    if (failed) {
        MHD_destroy_response(reply);
        return NULL;
    }
    context->final_status = response->status;
    context->final_bytes = bytes;
    if (response->stream)
        http_stream_attach(response->stream, context->server->streams, &stream_hooks, context);
    return reply;
}

static enum MHD_Result send_response(request_context *context, struct MHD_Connection *connection)
{
    guard_entry_body_done(context->guard);
    unsigned int status = (unsigned int)context->response.status;
    struct MHD_Response *reply = build_reply(context, connection);
    if (!reply) {
        log_message(LOG_ERROR, "response_failed", "a reply could not be built (request %s)",
                    context->request.request_id);
        reply = make_fallback_response(context);
        if (!reply)
            return MHD_NO;
        status = 500;
        context->final_status = 500;
        context->final_bytes = 0;
    }
    enum MHD_Result queued = MHD_queue_response(connection, status, reply);
    MHD_destroy_response(reply);
    return queued;
}

/* ---- the pipeline: parsing and running (the parts that may run on a handler thread) ------- */

static int compare_folded(const void *a, const void *b)
{
    return strcasecmp(*(const char *const *)a, *(const char *const *)b);
}

/* The first key of an object (searched recursively) that equals another key of the same
 * object but for case, or NULL. */
static const char *case_duplicate_key(json_t *value)
{
    if (json_is_array(value)) {
        size_t index;
        json_t *item;
        json_array_foreach(value, index, item)
        {
            const char *found = case_duplicate_key(item);
            if (found)
                return found;
        }
        return NULL;
    }
    if (!json_is_object(value) || json_object_size(value) == 0)
        return NULL;
    size_t count = json_object_size(value);
    const char **keys = malloc(count * sizeof *keys);
    if (!keys)
        return NULL;
    size_t used = 0;
    const char *key;
    json_t *member;
    const char *found = NULL;
    json_object_foreach(value, key, member)
    {
        keys[used++] = key;
        if (!found)
            found = case_duplicate_key(member);
    }
    qsort(keys, used, sizeof *keys, compare_folded);
    for (size_t i = 1; i < used && !found; i++)
        if (!strcasecmp(keys[i - 1], keys[i]))
            found = keys[i];
    free(keys);
    return found;
}

/* Parse a JSON body strictly. 0, or -1 with the 400 reply filled. */
static int parse_json_body(http_request *request, http_response *response)
{
    /* No JSON_ALLOW_NUL: every string goes on as a C string, and one holding \u0000 would be
     * cut short silently (a password or username other than the one sent). */
    json_error_t parse_error;
    request->json = json_loadb(request->body.data, request->body.length,
                               JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &parse_error);
    if (!request->json) {
        enum json_error_code code = json_error_code(&parse_error);
        if (code == json_error_null_character)
            http_reply_error_code(response, 400, "request_invalid",
                                  "The request body holds a string with a NUL character "
                                  "(\\u0000), which is not accepted.");
        else if (code == json_error_duplicate_key)
            http_reply_error_code(response, 400, "request_invalid",
                                  "The request body has the same key twice in one object: %s.",
                                  parse_error.text);
        else
            http_reply_error_code(response, 400, "request_invalid",
                                  "The request body is not valid JSON: %s (line %d, column %d).",
                                  parse_error.text, parse_error.line, parse_error.column);
        return -1;
    }
    const char *twin = case_duplicate_key(request->json);
    if (twin) {
        http_reply_error_code(response, 400, "request_invalid",
                              "The request body has keys that differ only in case: '%.128s'.",
                              twin);
        return -1;
    }
    return 0;
}

static void finish_request(request_context *context)
{
    http_request *request = &context->request;
    http_response *response = &context->response;
    if (context->stage == STAGE_DISCARDING)
        return; /* the error reply is already in place */
    const route *matched = request->match.route;
    if (matched->body == ROUTE_BODY_JSON && request->body.length > 0 &&
        parse_json_body(request, response) != 0)
        return;
    matched->handler(request, response);
}

static int authenticate(request_context *context)
{
    const http_server_settings *settings = &context->server->settings;
    if (!settings->authenticate) {
        http_reply_error_code(&context->response, 401, "auth_unauthorized",
                              "Authentication is required.");
        return -1;
    }
    return settings->authenticate(settings->authenticate_context, &context->request,
                                  context->request.match.route->permission, &context->response);
}

/* On a handler thread. The last thing it does is resume the connection: from then on the
 * event thread owns the context again (and may free it). */
static void run_job(handler_job *job)
{
    request_context *context =
        (request_context *)(void *)((char *)job - offsetof(request_context, job));
    http_request *request = &context->request;
    int result = 0;
    switch (context->kind) {
    case JOB_AUTHENTICATE:
        result = authenticate(context);
        break;
    case JOB_AUTHENTICATE_AND_HANDLE:
        result = authenticate(context);
        if (result == 0)
            finish_request(context);
        break;
    case JOB_BODY_CHUNK:
        result = request->match.route->body_chunk(request, &context->response, context->chunk,
                                                  context->chunk_size);
        break;
    case JOB_HANDLE:
        finish_request(context);
        break;
    }
    /* Taken before the resume: from then on the context belongs to the event thread. */
    void (*after_reply)(void *) = context->response.after_reply;
    void *after_reply_context = context->response.after_reply_context;
    context->response.after_reply = NULL;
    context->job_result = result;
    context->job_finished = true;
    MHD_resume_connection(request->connection);
    if (after_reply)
        after_reply(after_reply_context);
}

/* Under the pool's lock, just before the job is queued: the handler thread may resume the
 * connection as soon as it sees the job, so it must be suspended first. */
static void suspend_for_job(void *argument)
{
    request_context *context = argument;
    guard_entry_pause(context->guard);
    MHD_suspend_connection(context->request.connection);
}

/* Hand the request to the pool and suspend its connection. False (nothing queued, not
 * suspended) when the pool refuses: the caller answers 503. */
static bool offload(request_context *context, job_kind kind)
{
    context->kind = kind;
    context->job_finished = false;
    context->job.run = run_job;
    handler_pool_outcome outcome = handler_pool_submit(
        context->server->pool, &context->job, !context->admitted, suspend_for_job, context);
    if (outcome != HANDLER_POOL_QUEUED)
        return false;
    context->admitted = true;
    return true;
}

/* ---- the pipeline: the event thread's part ---------------------------------------------- */

static size_t slot_for(const request_context *context)
{
    const http_server *server = context->server;
    if (context->outcome == ROUTER_MATCHED)
        return (size_t)(context->request.match.route - server->settings.routes);
    return metrics_pseudo_slot(server->settings.metrics,
                               context->outcome == ROUTER_METHOD_NOT_ALLOWED
                                   ? METRICS_LABEL_METHOD_NOT_ALLOWED
                                   : METRICS_LABEL_UNMATCHED);
}

static bool is_console_path(const char *path)
{
    static const char *reserved[] = {"/api", "/content", "/mcp"};
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++) {
        size_t length = strlen(reserved[i]);
        if (!strncmp(path, reserved[i], length) && (path[length] == '\0' || path[length] == '/'))
            return false;
    }
    return true;
}

/* Replies for requests that match no route. */
static void reply_unrouted(request_context *context, const char *method)
{
    http_request *request = &context->request;
    http_response *response = &context->response;
    bool readable = !strcmp(method, "GET") || !strcmp(method, "HEAD");
    if (context->outcome == ROUTER_NOT_FOUND && readable && is_console_path(request->path) &&
        static_files_serve(context->server->settings.web_dir, request, response)) {
        context->metrics_slot =
            metrics_pseudo_slot(context->server->settings.metrics, METRICS_LABEL_CONSOLE);
        return;
    }
    if (context->outcome == ROUTER_METHOD_NOT_ALLOWED) {
        http_reply_error_code(response, 405, "method_not_allowed",
                              "The method %s is not allowed here. Allowed: %s.", method,
                              request->match.allow);
        http_response_header(response, "Allow", request->match.allow);
    } else {
        http_reply_error_code(response, 404, "not_found", "No resource at this path.");
    }
}

/* Everything that can be decided from the request line and headers without blocking. Returns
 * true when the reply is already chosen (no body will be used). */
static bool check_request(request_context *context, struct MHD_Connection *connection,
                          const char *method)
{
    http_server *server = context->server;
    http_request *request = &context->request;
    http_response *response = &context->response;
    context->outcome = router_match(server->settings.routes, server->settings.route_count, method,
                                    request->path, &request->match);
    context->metrics_slot = slot_for(context);
    if (is_preflight(method, connection)) {
        context->metrics_slot =
            metrics_pseudo_slot(server->settings.metrics, METRICS_LABEL_PREFLIGHT);
        reply_preflight(context, connection);
        return true;
    }
    if (context->outcome != ROUTER_MATCHED) {
        reply_unrouted(context, method);
        return true;
    }
    const route *matched = request->match.route;
    if (matched->context >= 0 && (size_t)matched->context < server->settings.context_count)
        request->context = server->settings.contexts[matched->context];
    query_collector collector = {request, 0};
    MHD_get_connection_values(connection, MHD_GET_ARGUMENT_KIND, collect_query, &collector);
    if (collector.failed) {
        http_reply_error_code(response, 400, "request_invalid",
                              "The query string is not valid percent-encoded UTF-8 text.");
        return true;
    }
    if (declared_length(connection) > body_limit(context)) {
        reply_too_large(context);
        return true;
    }
    if (matched->body == ROUTE_BODY_JSON && context->body_expected &&
        !is_json_content_type(http_request_header(request, MHD_HTTP_HEADER_CONTENT_TYPE))) {
        http_reply_error_code(response, 400, "request_unsupported_media_type",
                              "The request body must be JSON (Content-Type: application/json).");
        return true;
    }
    return false;
}

static request_context *create_context(http_server *server, struct MHD_Connection *connection,
                                       const char *url, const char *method)
{
    request_context *context = calloc(1, sizeof *context);
    if (!context)
        return NULL;
    context->server = server;
    context->request.started_ns = clock_monotonic_ns();
    metrics_request_started(server->settings.metrics);
    context->request.connection = connection;
    context->request.method = method;
    context->request.path = url;
    buf_init(&context->request.body, 0);
    fill_request_id(context, connection);
    fill_client_address(context, connection);
    http_response_init(&context->response, context->request.request_id);
    context->metrics_slot = metrics_pseudo_slot(server->settings.metrics, METRICS_LABEL_UNMATCHED);
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    context->guard = info ? info->socket_context : NULL;
    context->body_expected = has_body(connection);
    guard_entry_headers_done(context->guard, context->body_expected);
    return context;
}

static enum MHD_Result reply_now(request_context *context, struct MHD_Connection *connection)
{
    context->stage = STAGE_REPLIED;
    return send_response(context, connection);
}

/* A handler that ran on the event thread asked for work after its reply (only pooled handlers
 * should): run it here rather than lose it, and say so. */
static enum MHD_Result reply_now_then_after_reply(request_context *context,
                                                  struct MHD_Connection *connection)
{
    void (*after_reply)(void *) = context->response.after_reply;
    void *after_reply_context = context->response.after_reply_context;
    context->response.after_reply = NULL;
    enum MHD_Result queued = reply_now(context, connection);
    if (after_reply) {
        log_message(LOG_WARN, "http_server",
                    "route %s asked for work after its reply on an event thread",
                    context->request.match.route->pattern);
        after_reply(after_reply_context);
    }
    return queued;
}

/* A reply chosen from the headers: sent at once when a body would follow (libmicrohttpd then
 * drops the body and closes the connection), else at the final call (the connection stays
 * open for the next request). */
static enum MHD_Result reply_early(request_context *context, struct MHD_Connection *connection)
{
    if (context->body_expected)
        return reply_now(context, connection);
    context->stage = STAGE_REPLY_READY;
    return MHD_YES;
}

/* The first call: headers are complete. */
static enum MHD_Result on_headers(http_server *server, struct MHD_Connection *connection,
                                  const char *url, const char *method, void **connection_state)
{
    request_context *context = create_context(server, connection, url, method);
    if (!context)
        return MHD_NO;
    *connection_state = context;
    if (check_request(context, connection, method))
        return reply_early(context, connection);
    const route *matched = context->request.match.route;
    /* Authenticate before reading a body; without a body everything happens at the final
     * call, in one trip to the pool. */
    if (!context->body_expected || matched->auth == ROUTE_AUTH_ANONYMOUS)
        return MHD_YES;
    if (offload(context, JOB_AUTHENTICATE))
        return MHD_YES;
    reply_busy(context);
    return reply_now(context, connection);
}

/* A pool job ended and libmicrohttpd resumed the connection. MHD_YES/MHD_NO when this call is
 * answered; -1 to go on with the call's data. */
static int on_job_finished(request_context *context, struct MHD_Connection *connection)
{
    context->job_finished = false;
    guard_entry_resume(context->guard);
    switch (context->kind) {
    case JOB_AUTHENTICATE:
        if (context->job_result != 0)
            return reply_now(context, connection); /* the body is dropped */
        context->authenticated = true;
        return MHD_YES; /* the repeated first call: the body comes next */
    case JOB_BODY_CHUNK:
        if (context->job_result != 0)
            context->stage = STAGE_DISCARDING;
        return -1;
    case JOB_AUTHENTICATE_AND_HANDLE:
    case JOB_HANDLE:
        break;
    }
    return reply_now(context, connection);
}

static void stream_chunk(request_context *context, const char *data, size_t size)
{
    if (context->chunk_capacity < size) {
        char *grown = realloc(context->chunk, size);
        if (!grown) {
            nh_error err;
            error_internal(&err);
            http_reply_error(&context->response, &err);
            context->stage = STAGE_DISCARDING;
            return;
        }
        context->chunk = grown;
        context->chunk_capacity = size;
    }
    memcpy(context->chunk, data, size);
    context->chunk_size = size;
    if (!offload(context, JOB_BODY_CHUNK)) { /* shutting down (or a first job refused) */
        reply_busy(context);
        context->stage = STAGE_DISCARDING;
    }
}

static void take_body_chunk(request_context *context, const char *data, size_t size)
{
    context->body_received += (int64_t)size;
    guard_entry_body_progress(context->guard, size);
    if (context->stage != STAGE_READING)
        return;
    http_request *request = &context->request;
    const route *matched = request->match.route;
    if (context->body_received > body_limit(context)) {
        reply_too_large(context);
        context->stage = STAGE_DISCARDING;
        return;
    }
    if (matched->body == ROUTE_BODY_STREAM) {
        stream_chunk(context, data, size);
        return;
    }
    if ((matched->body == ROUTE_BODY_JSON || matched->body == ROUTE_BODY_RAW) &&
        buf_append(&request->body, data, size) != 0) {
        reply_too_large(context);
        context->stage = STAGE_DISCARDING;
    }
}

/* The route's fast path (route_inline_handler), on the event thread. True when it answered;
 * false when there is none or it deferred: the response is then as new, for the pool. */
static bool try_inline(request_context *context)
{
    const route *matched = context->request.match.route;
    if (!matched->inline_handler)
        return false;
    if (matched->inline_handler(&context->request, &context->response) == ROUTE_INLINE_HANDLED) {
        atomic_fetch_add_explicit(&context->server->inline_replies, 1, memory_order_relaxed);
        return true;
    }
    http_response_release(&context->response);
    http_response_init(&context->response, context->request.request_id);
    return false;
}

/* The final call: the whole body (maybe none) is in. */
static enum MHD_Result on_body_complete(request_context *context, struct MHD_Connection *connection)
{
    guard_entry_body_done(context->guard);
    if (context->stage != STAGE_READING)
        return reply_now(context, connection);
    const route *matched = context->request.match.route;
    bool needs_authentication = matched->auth != ROUTE_AUTH_ANONYMOUS && !context->authenticated;
    if (!needs_authentication && matched->never_blocks) {
        finish_request(context);
        return reply_now_then_after_reply(context, connection);
    }
    if (!needs_authentication && try_inline(context))
        return reply_now(context, connection);
    if (offload(context, needs_authentication ? JOB_AUTHENTICATE_AND_HANDLE : JOB_HANDLE))
        return MHD_YES;
    reply_busy(context);
    return reply_now(context, connection);
}

static bool is_suspended(struct MHD_Connection *connection)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_SUSPENDED);
    return info && info->suspended == MHD_YES;
}

static enum MHD_Result on_request(void *closure, struct MHD_Connection *connection, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **connection_state)
{
    (void)version;
    request_context *context = *connection_state;
    if (!context)
        return on_headers(closure, connection, url, method, connection_state);
    /* Called again in the same pass right after we suspended (the next chunk of a chunked
     * body): leave the data where it is until the job is done. */
    if (is_suspended(connection))
        return MHD_YES;
    if (context->job_finished) {
        int answered = on_job_finished(context, connection);
        if (answered >= 0)
            return (enum MHD_Result)answered;
    }
    if (context->stage == STAGE_REPLIED)
        return MHD_YES;
    if (*upload_data_size > 0) {
        size_t size = *upload_data_size;
        *upload_data_size = 0;
        take_body_chunk(context, upload_data, size);
        if (context->stage == STAGE_DISCARDING && context->body_received > DISCARD_LIMIT)
            return MHD_NO; /* stop reading an oversized body: close the connection */
        return MHD_YES;
    }
    return on_body_complete(context, connection);
}

static void write_access_log(const request_context *context, int64_t duration_ns, bool completed)
{
    const http_request *request = &context->request;
    log_access_line line = {
        .request_id = request->request_id,
        .method = request->method,
        .route = metrics_slot_label(context->server->settings.metrics, context->metrics_slot),
        .path = request->path,
        .status = context->final_status,
        .bytes = (unsigned long long)context->final_bytes,
        .duration_ms = (double)duration_ns / 1e6,
        .client = request->client_address,
        .user_id =
            request->principal.kind != PRINCIPAL_ANONYMOUS ? request->principal.user_id : NULL,
        .aborted = !completed};
    log_access(&line);
}

static void on_completed(void *closure, struct MHD_Connection *connection, void **connection_state,
                         enum MHD_RequestTerminationCode reason)
{
    (void)connection;
    http_server *server = closure;
    request_context *context = *connection_state;
    if (!context)
        return;
    *connection_state = NULL;
    int64_t duration = clock_monotonic_ns() - context->request.started_ns;
    if (context->final_status == 0)
        context->final_status = 499; /* the client went away before a reply */
    if (context->response.stream)
        context->final_bytes = http_stream_sent_bytes(context->response.stream);
    write_access_log(context, duration, reason == MHD_REQUEST_TERMINATED_COMPLETED_OK);
    metrics_request_finished(server->settings.metrics, context->metrics_slot,
                             context->request.method, context->final_status, duration,
                             context->final_bytes);
    guard_entry_request_done(context->guard);
    http_request *request = &context->request;
    if (request->handler_state && request->handler_state_free)
        request->handler_state_free(request->handler_state);
    router_match_free(&request->match);
    http_query_free(request->query, request->query_count);
    buf_free(&request->body);
    json_decref(request->json);
    http_response_release(&context->response);
    free(context->chunk);
    free(context);
}

static void on_connection(void *closure, struct MHD_Connection *connection, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    http_server *server = closure;
    if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        connection_guard_closed(server->guard, *socket_context);
        *socket_context = NULL;
        return;
    }
    const union MHD_ConnectionInfo *socket =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
    const union MHD_ConnectionInfo *peer =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    *socket_context = socket ? connection_guard_opened(server->guard, socket->connect_fd,
                                                       peer ? peer->client_addr : NULL)
                             : NULL;
}

/* libmicrohttpd's accept policy: the per-client connection limit. */
static enum MHD_Result may_accept(void *closure, const struct sockaddr *address, socklen_t length)
{
    (void)length;
    http_server *server = closure;
    return connection_guard_may_accept(server->guard, address) ? MHD_YES : MHD_NO;
}

/* Leave the path and query percent-encoded: the router decodes per segment so an encoded '/'
 * can never pass for a separator. */
static size_t keep_escaped(void *closure, struct MHD_Connection *connection, char *text)
{
    (void)closure;
    (void)connection;
    return strlen(text);
}

static void on_mhd_log(void *closure, const char *format, va_list args)
{
    (void)closure;
    char message[512];
    vsnprintf(message, sizeof message, format, args);
    size_t length = strlen(message);
    while (length > 0 && message[length - 1] == '\n')
        message[--length] = '\0';
    log_message(LOG_WARN, "http_server", "%s", message);
}

/* ---- listening -------------------------------------------------------------------------- */

static int resolve_listen_address(const char *text, int port, struct sockaddr_storage *address,
                                  socklen_t *length)
{
    memset(address, 0, sizeof *address);
    if (!strcmp(text, "localhost"))
        text = "127.0.0.1";
    struct sockaddr_in *v4 = (struct sockaddr_in *)address;
    if (inet_pton(AF_INET, text, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        *length = sizeof *v4;
        return AF_INET;
    }
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)address;
    if (inet_pton(AF_INET6, text, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        *length = sizeof *v6;
        return AF_INET6;
    }
    return -1;
}

static int bound_port_of(int socket_fd)
{
    struct sockaddr_storage address;
    socklen_t length = sizeof address;
    if (getsockname(socket_fd, (struct sockaddr *)&address, &length) != 0)
        return -1;
    if (address.ss_family == AF_INET)
        return ntohs(((struct sockaddr_in *)&address)->sin_port);
    return ntohs(((struct sockaddr_in6 *)&address)->sin6_port);
}

static int set_socket_options(int socket_fd, int family, bool reuse_port)
{
    int on = 1;
    if (setsockopt(socket_fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0)
        return -1;
    if (reuse_port && setsockopt(socket_fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) != 0)
        return -1;
    if (family == AF_INET6 && setsockopt(socket_fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on) != 0)
        return -1;
    return 0;
}

int http_listen(const char *address_text, int port, bool reuse_port, int *bound_port, nh_error *err)
{
    struct sockaddr_storage address;
    socklen_t address_length;
    int family = resolve_listen_address(address_text, port, &address, &address_length);
    if (family < 0)
        return error_set(err, 500, "config_invalid",
                         "NEKOHUB_LISTEN must be an IPv4 or IPv6 address (got \"%.64s\")",
                         address_text);
    int socket_fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (socket_fd < 0)
        return error_set(err, 500, "listen_failed", "could not create a socket: %s",
                         strerror(errno));
    if (set_socket_options(socket_fd, family, reuse_port) != 0 ||
        bind(socket_fd, (struct sockaddr *)&address, address_length) != 0 ||
        listen(socket_fd, SOMAXCONN) != 0) {
        int problem = errno;
        close(socket_fd);
        if (problem == EADDRINUSE)
            return error_set(err, 500, "listen_failed",
                             "port %d on %s is already in use (is another nekohub running? "
                             "Server__ReusePort=true shares it on purpose)",
                             port, address_text);
        return error_set(err, 500, "listen_failed", "could not listen on %s port %d: %s",
                         address_text, port, strerror(problem));
    }
    *bound_port = bound_port_of(socket_fd);
    if (*bound_port < 0) {
        close(socket_fd);
        return error_set(err, 500, "listen_failed", "could not read the bound port: %s",
                         strerror(errno));
    }
    return socket_fd;
}

unsigned int http_fit_connection_limit(unsigned int wanted)
{
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
        log_message(LOG_WARN, "file_limit", "getrlimit failed: %s", strerror(errno));
        return wanted;
    }
    /* Each connection holds its socket; those sending content or receiving an upload hold an
     * open file besides. Room is kept for a quarter of them doing so at once, on top of what
     * the process keeps for itself (database, logs, pipes). */
    rlim_t needed = (rlim_t)wanted + wanted / 4 + RESERVED_DESCRIPTORS;
    if (limit.rlim_cur < needed) {
        struct rlimit raised = limit;
        raised.rlim_cur =
            limit.rlim_max == RLIM_INFINITY || limit.rlim_max > needed ? needed : limit.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
            limit = raised;
    }
    unsigned int fit = wanted;
    if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < needed) {
        rlim_t spare = limit.rlim_cur > RESERVED_DESCRIPTORS * 2
                           ? limit.rlim_cur - RESERVED_DESCRIPTORS
                           : limit.rlim_cur / 2;
        fit = spare * 4 / 5 > 0 ? (unsigned int)(spare * 4 / 5) : 1;
    }
    log_fields(fit < wanted ? LOG_WARN : LOG_INFO, "file_limit",
               json_pack("{s:I, s:I, s:i, s:i}", "openFiles", (json_int_t)limit.rlim_cur,
                         "openFilesMax", (json_int_t)limit.rlim_max, "maxConnections", (int)fit,
                         "maxConnectionsWanted", (int)wanted));
    return fit;
}

/* ---- life cycle ------------------------------------------------------------------------- */

static int render_server_gauges(void *closure, buf *out)
{
    http_server *server = closure;
    handler_pool_stats pool;
    connection_guard_stats connections;
    handler_pool_stats_get(server->pool, &pool);
    connection_guard_stats_get(server->guard, &connections);
    return buf_printf(
        out,
        "# HELP nekohub_http_connections_open Client connections open now.\n"
        "# TYPE nekohub_http_connections_open gauge\n"
        "nekohub_http_connections_open %llu\n"
        "# HELP nekohub_http_connections_closed_total Connections closed by a deadline or a "
        "dropped stream.\n"
        "# TYPE nekohub_http_connections_closed_total counter\n"
        "nekohub_http_connections_closed_total{reason=\"header_timeout\"} %llu\n"
        "nekohub_http_connections_closed_total{reason=\"body_stall\"} %llu\n"
        "nekohub_http_connections_closed_total{reason=\"stream_dropped\"} %llu\n"
        "# HELP nekohub_http_streams_open Streamed replies (event streams) being sent now.\n"
        "# TYPE nekohub_http_streams_open gauge\n"
        "nekohub_http_streams_open %llu\n"
        "# HELP nekohub_http_connections_refused_total Connections refused by the per-client "
        "limit.\n"
        "# TYPE nekohub_http_connections_refused_total counter\n"
        "nekohub_http_connections_refused_total %llu\n"
        "# HELP nekohub_handler_threads Threads of the handler pool.\n"
        "# TYPE nekohub_handler_threads gauge\n"
        "nekohub_handler_threads %u\n"
        "# HELP nekohub_handler_busy Handler threads running a job now.\n"
        "# TYPE nekohub_handler_busy gauge\n"
        "nekohub_handler_busy %u\n"
        "# HELP nekohub_handler_queued Jobs waiting for a handler thread.\n"
        "# TYPE nekohub_handler_queued gauge\n"
        "nekohub_handler_queued %u\n"
        "# HELP nekohub_handler_refused_total Requests answered 503 server_busy.\n"
        "# TYPE nekohub_handler_refused_total counter\n"
        "nekohub_handler_refused_total %llu\n"
        "# HELP nekohub_http_inline_replies_total Requests answered on an event thread by a "
        "route's fast path (the rest of the route's requests went to the handler pool).\n"
        "# TYPE nekohub_http_inline_replies_total counter\n"
        "nekohub_http_inline_replies_total %llu\n",
        (unsigned long long)connections.open, (unsigned long long)connections.header_timeouts,
        (unsigned long long)connections.body_stalls, (unsigned long long)connections.dropped,
        (unsigned long long)http_stream_registry_count(server->streams),
        (unsigned long long)connections.refused_per_client, pool.threads, pool.busy, pool.queued,
        (unsigned long long)pool.refused,
        (unsigned long long)atomic_load_explicit(&server->inline_replies, memory_order_relaxed));
}

static void server_free(http_server *server)
{
    handler_pool_stop(server->pool);
    connection_guard_stop(server->guard);
    http_stream_registry_destroy(server->streams);
    free(server);
}

static int start_helpers(http_server *server, nh_error *err)
{
    const http_server_settings *settings = &server->settings;
    char problem[128];
    const string_list *proxies = settings->trusted_proxies;
    if (proxies && trusted_proxies_parse((const char *const *)proxies->items, proxies->count,
                                         &server->proxies, problem, sizeof problem) != 0)
        return error_set(err, 500, "config_invalid", "Server__TrustedProxies: %s", problem);
    connection_guard_limits limits = {.header_timeout_s = settings->header_timeout_s,
                                      .body_stall_s = settings->body_stall_s,
                                      .idle_timeout_s = settings->idle_timeout_s,
                                      .per_client = settings->max_connections_per_client,
                                      .proxies = &server->proxies};
    server->guard = connection_guard_start(&limits, err);
    if (!server->guard)
        return -1;
    server->streams = http_stream_registry_create();
    if (!server->streams)
        return error_internal(err);
    server->pool =
        handler_pool_create(settings->handler_threads, settings->handler_queue_length, err);
    return server->pool ? 0 : -1;
}

/* The acceptor's consumer: libmicrohttpd takes the connection (the accept policy and the
 * connection limit apply there; a refused socket is closed by it). */
static void hand_connection(void *context, int socket_fd, const struct sockaddr *address,
                            socklen_t address_length)
{
    http_server *server = context;
    (void)MHD_add_connection(server->daemon, socket_fd, address, address_length);
}

http_server *http_server_start(const http_server_settings *settings, nh_error *err)
{
    http_server *server = calloc(1, sizeof *server);
    if (!server) {
        close(settings->listen_socket);
        error_internal(err);
        return NULL;
    }
    server->settings = *settings;
    if (start_helpers(server, err) != 0) {
        close(settings->listen_socket);
        server_free(server);
        return NULL;
    }
    unsigned int io_threads = settings->io_threads ? settings->io_threads : 1;
    /* No listen socket of libmicrohttpd's: the acceptor hands it each connection (acceptor.h
     * says why); MHD_ALLOW_SUSPEND_RESUME brings the inter-thread channel that wakes an event
     * thread for a connection added from outside. */
    unsigned int flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME |
                         MHD_USE_ERROR_LOG | MHD_USE_TURBO | MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ITC;
    metrics_set_gauge_source(settings->metrics, render_server_gauges, server);
    server->daemon = MHD_start_daemon(
        flags, 0, may_accept, server, on_request, server, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log,
        NULL, MHD_OPTION_THREAD_POOL_SIZE, io_threads, MHD_OPTION_CONNECTION_LIMIT,
        settings->max_connections, MHD_OPTION_CONNECTION_TIMEOUT, settings->idle_timeout_s,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, settings->connection_memory_bytes,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, server, MHD_OPTION_NOTIFY_CONNECTION,
        on_connection, server, MHD_OPTION_UNESCAPE_CALLBACK, keep_escaped, NULL, MHD_OPTION_END);
    if (!server->daemon) {
        metrics_set_gauge_source(settings->metrics, NULL, NULL);
        close(settings->listen_socket);
        server_free(server);
        error_set(err, 500, "listen_failed", "the HTTP server could not start");
        return NULL;
    }
    server->accepting = acceptor_start(settings->listen_socket, hand_connection, server, err);
    if (!server->accepting) {
        MHD_stop_daemon(server->daemon);
        metrics_set_gauge_source(settings->metrics, NULL, NULL);
        server_free(server);
        return NULL;
    }
    return server;
}

void http_server_quiesce(http_server *server)
{
    acceptor_stop(server->accepting); /* from now on the kernel refuses new connections */
    server->accepting = NULL;
    http_stream_registry_quiesce(server->streams); /* session streams end: clients reconnect */
}

bool http_server_wait_idle(http_server *server, unsigned int timeout_ms)
{
    int64_t deadline = clock_monotonic_ns() + (int64_t)timeout_ms * 1000000;
    while (metrics_in_flight(server->settings.metrics) > 0) {
        if (clock_monotonic_ns() >= deadline)
            return false;
        usleep(10000);
    }
    return true;
}

void http_server_stop(http_server *server)
{
    if (!server)
        return;
    /* Every job runs to its end and resumes its connection, and no connection is suspended
     * again: libmicrohttpd must not be stopped with a connection still suspended. Streamed
     * replies are closed after the jobs (their producers) ended: each suspended one is resumed
     * and none suspends again. */
    acceptor_stop(server->accepting); /* when not quiesced before */
    server->accepting = NULL;
    handler_pool_close(server->pool);
    http_stream_registry_close_all(server->streams);
    MHD_stop_daemon(server->daemon);
    metrics_set_gauge_source(server->settings.metrics, NULL, NULL);
    server_free(server);
}
