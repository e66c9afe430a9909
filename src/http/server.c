/* server.c - libmicrohttpd glue and the per-request pipeline. */
#include "http/server.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/uuid.h"
#include "http/request.h"
#include "http/response.h"
#include "http/static_files.h"

#define UPLOAD_ENVELOPE_ALLOWANCE (1024 * 1024)
/* After an error mid-body we keep reading (and discarding) at most this much, then close. */
#define DISCARD_LIMIT (64LL * 1024 * 1024)

struct http_server {
    struct MHD_Daemon *daemon;
    app *application;
    int port;
};

typedef enum { STAGE_READING = 0, STAGE_REPLIED_EARLY, STAGE_DISCARDING } request_stage;

typedef struct request_context {
    http_request request;
    http_response response;
    request_stage stage;
    router_outcome outcome;
    int64_t body_received;
    const char *route_label; /* template for logs and metrics */
    int final_status;
    uint64_t final_bytes;
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

static void fill_client_address(request_context *context, struct MHD_Connection *connection)
{
    snprintf(context->request.client_address, sizeof context->request.client_address, "unknown");
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!info || !info->client_addr)
        return;
    const struct sockaddr *address = info->client_addr;
    if (address->sa_family == AF_INET) {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)(const void *)address;
        inet_ntop(AF_INET, &v4->sin_addr, context->request.client_address,
                  sizeof context->request.client_address);
    } else if (address->sa_family == AF_INET6) {
        const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)(const void *)address;
        inet_ntop(AF_INET6, &v6->sin6_addr, context->request.client_address,
                  sizeof context->request.client_address);
    }
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
    const config *cfg = context->request.app->cfg;
    const route *matched = context->request.match.route;
    if (matched && matched->body == ROUTE_BODY_STREAM)
        return cfg->max_upload_size_bytes + UPLOAD_ENVELOPE_ALLOWANCE;
    return (int64_t)cfg->max_json_body_bytes;
}

static void reply_too_large(request_context *context)
{
    http_reply_error_code(&context->response, 413, "request_body_too_large",
                          "The request body is larger than the limit of %lld bytes.",
                          (long long)body_limit(context));
}

/* ---- CORS -------------------------------------------------------------------------------- */

static const char *cors_origin(const app *application, struct MHD_Connection *connection)
{
    const string_list *origins = &application->cfg->cors_origins;
    const char *origin = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, "Origin");
    for (size_t i = 0; i < origins->count; i++) {
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
    return MHD_create_response_from_buffer(length, data, MHD_RESPMEM_MUST_FREE);
}

static enum MHD_Result send_response(request_context *context, struct MHD_Connection *connection)
{
    http_response *response = &context->response;
    app *application = context->request.app;
    if (response->status == 0) {
        nh_error err;
        error_internal(&err);
        http_reply_error(response, &err);
    }
    uint64_t bytes = response->file_descriptor >= 0 ? response->file_length : response->body.length;
    struct MHD_Response *reply = make_mhd_response(response);
    if (!reply)
        return MHD_NO;
    if (response->content_type)
        MHD_add_response_header(reply, MHD_HTTP_HEADER_CONTENT_TYPE, response->content_type);
    MHD_add_response_header(reply, "X-Request-Id", context->request.request_id);
    MHD_add_response_header(reply, "X-Content-Type-Options", "nosniff");
    const char *origin = cors_origin(application, connection);
    if (origin) {
        MHD_add_response_header(reply, "Access-Control-Allow-Origin", origin);
        if (strcmp(origin, "*") != 0)
            MHD_add_response_header(reply, "Vary", "Origin");
    }
    for (size_t i = 0; i < response->header_count; i++)
        MHD_add_response_header(reply, response->headers[i].name, response->headers[i].value);
    context->final_status = response->status;
    context->final_bytes = bytes;
    enum MHD_Result queued = MHD_queue_response(connection, (unsigned int)response->status, reply);
    MHD_destroy_response(reply);
    return queued;
}

/* ---- the pipeline ----------------------------------------------------------------------- */

static const char *label_for(router_outcome outcome, const route_match *match)
{
    if (outcome == ROUTER_MATCHED)
        return match->route->pattern;
    return outcome == ROUTER_METHOD_NOT_ALLOWED ? "(method_not_allowed)" : "(unmatched)";
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

/* First call: everything that can be decided from the request line and headers. Returns true
 * when the reply is already chosen (no body will be used). */
static bool begin_request(request_context *context, struct MHD_Connection *connection,
                          const char *method)
{
    http_request *request = &context->request;
    http_response *response = &context->response;
    context->outcome = router_match(request->app->routes, request->app->route_count, method,
                                    request->path, &request->match);
    context->route_label = label_for(context->outcome, &request->match);

    if (is_preflight(method, connection)) {
        context->route_label = "(preflight)";
        reply_preflight(context, connection);
        return true;
    }
    if (context->outcome != ROUTER_MATCHED) {
        bool readable = !strcmp(method, "GET") || !strcmp(method, "HEAD");
        if (context->outcome == ROUTER_NOT_FOUND && readable && is_console_path(request->path) &&
            static_files_serve(request->app, request, response)) {
            context->route_label = "(console)";
            return true;
        }
        if (context->outcome == ROUTER_METHOD_NOT_ALLOWED) {
            http_reply_error_code(response, 405, "method_not_allowed",
                                  "The method %s is not allowed here. Allowed: %s.", method,
                                  request->match.allow);
            http_response_header(response, "Allow", request->match.allow);
        } else {
            http_reply_error_code(response, 404, "not_found", "No resource at this path.");
        }
        return true;
    }

    query_collector collector = {request, 0};
    MHD_get_connection_values(connection, MHD_GET_ARGUMENT_KIND, collect_query, &collector);
    if (collector.failed) {
        http_reply_error_code(response, 400, "request_invalid",
                              "The query string is not valid percent-encoded UTF-8 text.");
        return true;
    }
    const route *matched = request->match.route;
    request->context = request->app->assets; /* transitional (assets branch): per-route context */
    int64_t length = declared_length(connection);
    if (length > body_limit(context)) {
        reply_too_large(context);
        return true;
    }
    if (matched->body == ROUTE_BODY_JSON && has_body(connection) &&
        !is_json_content_type(http_request_header(request, MHD_HTTP_HEADER_CONTENT_TYPE))) {
        http_reply_error_code(response, 400, "request_unsupported_media_type",
                              "The request body must be JSON (Content-Type: application/json).");
        return true;
    }
    if (matched->auth != ROUTE_AUTH_ANONYMOUS) {
        if (!request->app->authenticate) {
            http_reply_error_code(response, 401, "auth_unauthorized",
                                  "Authentication is required.");
            return true;
        }
        if (request->app->authenticate(request, response) != 0)
            return true;
    }
    return false;
}

static void take_body_chunk(request_context *context, const char *data, size_t size)
{
    context->body_received += (int64_t)size;
    if (context->stage != STAGE_READING)
        return;
    http_request *request = &context->request;
    const route *matched = request->match.route;
    if (context->body_received > body_limit(context)) {
        reply_too_large(context);
        context->stage = STAGE_DISCARDING;
        return;
    }
    if (matched->body == ROUTE_BODY_STREAM && matched->body_chunk) {
        if (matched->body_chunk(request, &context->response, data, size) != 0)
            context->stage = STAGE_DISCARDING;
        return;
    }
    if (matched->body == ROUTE_BODY_JSON && buf_append(&request->body, data, size) != 0) {
        reply_too_large(context);
        context->stage = STAGE_DISCARDING;
    }
}

static void finish_request(request_context *context)
{
    http_request *request = &context->request;
    http_response *response = &context->response;
    if (context->stage == STAGE_DISCARDING)
        return; /* the error reply is already in place */
    const route *matched = request->match.route;
    if (matched->body == ROUTE_BODY_JSON && request->body.length > 0) {
        /* No JSON_ALLOW_NUL: every string goes on as a C string, and one holding \u0000 would
         * be cut short silently (a password or username other than the one sent). */
        json_error_t parse_error;
        request->json =
            json_loadb(request->body.data, request->body.length, JSON_DECODE_ANY, &parse_error);
        if (!request->json && json_error_code(&parse_error) == json_error_null_character) {
            http_reply_error_code(response, 400, "request_invalid",
                                  "The request body holds a string with a NUL character "
                                  "(\\u0000), which is not accepted.");
            return;
        }
        if (!request->json) {
            http_reply_error_code(response, 400, "request_invalid",
                                  "The request body is not valid JSON: %s (line %d, column %d).",
                                  parse_error.text, parse_error.line, parse_error.column);
            return;
        }
    }
    matched->handler(request, response);
}

static enum MHD_Result on_request(void *closure, struct MHD_Connection *connection, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **connection_state)
{
    (void)version;
    http_server *server = closure;
    request_context *context = *connection_state;
    if (!context) {
        context = calloc(1, sizeof *context);
        if (!context)
            return MHD_NO;
        *connection_state = context;
        context->request.started_ns = clock_monotonic_ns();
        metrics_request_started(server->application->metrics);
        context->request.app = server->application;
        context->request.connection = connection;
        context->request.method = method;
        context->request.path = url;
        buf_init(&context->request.body, 0);
        fill_request_id(context, connection);
        fill_client_address(context, connection);
        http_response_init(&context->response, context->request.request_id);
        context->route_label = "(unmatched)";
        if (begin_request(context, connection, method)) {
            context->stage = STAGE_REPLIED_EARLY;
            return send_response(context, connection);
        }
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        take_body_chunk(context, upload_data, *upload_data_size);
        *upload_data_size = 0;
        if (context->stage == STAGE_DISCARDING && context->body_received > DISCARD_LIMIT)
            return MHD_NO; /* stop reading an oversized body: close the connection */
        return MHD_YES;
    }
    if (context->stage == STAGE_REPLIED_EARLY)
        return MHD_YES;
    finish_request(context);
    return send_response(context, connection);
}

static void write_access_log(const request_context *context, int64_t duration_ns, bool completed)
{
    const http_request *request = &context->request;
    log_access_line line = {.request_id = request->request_id,
                            .method = request->method,
                            .route = context->route_label,
                            .path = request->path,
                            .status = context->final_status,
                            .bytes = (unsigned long long)context->final_bytes,
                            .duration_ms = (double)duration_ns / 1e6,
                            .client = request->client_address,
                            .user_id = request->principal.kind != PRINCIPAL_ANONYMOUS
                                           ? request->principal.user_id
                                           : NULL,
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
    write_access_log(context, duration, reason == MHD_REQUEST_TERMINATED_COMPLETED_OK);
    metrics_request_finished(server->application->metrics, context->route_label,
                             context->request.method, context->final_status, duration,
                             context->final_bytes);
    http_request *request = &context->request;
    if (request->handler_state && request->handler_state_free)
        request->handler_state_free(request->handler_state);
    router_match_free(&request->match);
    http_query_free(request->query, request->query_count);
    buf_free(&request->body);
    json_decref(request->json);
    http_response_release(&context->response);
    free(context);
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

http_server *http_server_start(app *application, nh_error *err)
{
    const config *cfg = application->cfg;
    struct sockaddr_storage address;
    socklen_t address_length;
    int family = resolve_listen_address(cfg->listen_address, cfg->port, &address, &address_length);
    if (family < 0) {
        error_set(err, 500, "config_invalid",
                  "NEKOHUB_LISTEN must be an IPv4 or IPv6 address (got \"%.64s\")",
                  cfg->listen_address);
        return NULL;
    }
    http_server *server = calloc(1, sizeof *server);
    if (!server) {
        error_internal(err);
        return NULL;
    }
    server->application = application;
    unsigned int flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                         MHD_USE_POLL | MHD_USE_ITC | MHD_USE_ERROR_LOG | MHD_USE_TURBO;
    if (family == AF_INET6)
        flags |= MHD_USE_IPv6;
    server->daemon = MHD_start_daemon(
        flags, (uint16_t)cfg->port, NULL, NULL, on_request, server, MHD_OPTION_EXTERNAL_LOGGER,
        on_mhd_log, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&address,
        MHD_OPTION_CONNECTION_LIMIT, cfg->max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        cfg->max_connections_per_client, MHD_OPTION_CONNECTION_TIMEOUT, cfg->idle_timeout_s,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(16 * 1024), MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, server, MHD_OPTION_UNESCAPE_CALLBACK, keep_escaped, NULL,
        MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned int)1, MHD_OPTION_END);
    if (!server->daemon) {
        error_set(err, 500, "listen_failed", "could not listen on %s port %d", cfg->listen_address,
                  cfg->port);
        free(server);
        return NULL;
    }
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(server->daemon, MHD_DAEMON_INFO_BIND_PORT);
    server->port = info ? info->port : cfg->port;
    return server;
}

int http_server_port(const http_server *server)
{
    return server->port;
}

void http_server_quiesce(http_server *server)
{
    MHD_socket listener = MHD_quiesce_daemon(server->daemon);
    if (listener != MHD_INVALID_SOCKET)
        close(listener);
}

bool http_server_wait_idle(http_server *server, unsigned int timeout_ms)
{
    int64_t deadline = clock_monotonic_ns() + (int64_t)timeout_ms * 1000000;
    while (metrics_in_flight(server->application->metrics) > 0) {
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
    MHD_stop_daemon(server->daemon);
    free(server);
}
