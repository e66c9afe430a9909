/* server.h - the HTTP server: libmicrohttpd glue, request life cycle, envelopes for routing
 * failures, CORS, body limits, access log and metrics.
 *
 * Threading (docs/architecture.md, "Threading"): libmicrohttpd runs in epoll thread-pool mode;
 * a few event threads own every connection and never block. Authentication, body chunks of
 * streaming routes and handlers run on a bounded handler pool (http/handler_pool.h) while the
 * connection is suspended, and the reply is queued when libmicrohttpd resumes it. A request
 * refused by a full pool gets 503 server_busy with Retry-After. Handlers are plain blocking
 * code and know nothing of this. Connection deadlines that libmicrohttpd lacks (complete
 * headers within a fixed time, a body that keeps moving) live in http/connection_guard.h.
 *
 * Request life cycle: match the route (404/405 envelopes) -> CORS preflight -> check declared
 * body size and content type -> authenticate and authorise (settings.authenticate, on the
 * pool) -> read the body (JSON buffered up to the limit, or streamed to the route's body_chunk
 * on the pool) -> handler (on the pool, unless the route never blocks) -> send.
 *
 * The server reaches nothing beyond its settings: no application type, no auth types. */
#ifndef NH_HTTP_SERVER_H
#define NH_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/error.h"
#include "http/metrics.h"
#include "http/request.h"
#include "http/response.h"
#include "http/router.h"

typedef struct http_server http_server;

/* Authenticate the request for its route (fills request->principal) and check that it holds
 * `permission` (ROUTE_NO_PERMISSION: none needed). 0 = go on; -1 = response already filled
 * (401/403/503). Runs on a handler thread. */
typedef int (*http_authenticate_fn)(void *context, http_request *request, int permission,
                                    http_response *response);

typedef struct http_server_settings {
    int listen_socket; /* from http_listen(); the server owns it from http_server_start() on */
    const route *routes;
    size_t route_count;
    void *const *contexts; /* request->context = contexts[route.context] */
    size_t context_count;
    http_authenticate_fn authenticate; /* NULL: every non-anonymous route answers 401 */
    void *authenticate_context;
    http_metrics *metrics;
    const string_list *cors_origins;
    const string_list *trusted_proxies; /* addresses / CIDR blocks */
    const char *web_dir;                /* NULL: NEKOHUB_WEB_DIR default search */
    size_t max_json_body_bytes;
    int64_t max_upload_body_bytes; /* streaming routes, envelope included */
    int64_t max_raw_body_bytes;    /* ROUTE_BODY_RAW routes; 0 = max_json_body_bytes */
    unsigned int max_connections;
    unsigned int max_connections_per_client; /* 0: no limit */
    unsigned int idle_timeout_s;
    /* libmicrohttpd's memory per connection (request line, headers, read and write buffers):
     * held by every open connection, idle ones included, and the largest header it admits */
    size_t connection_memory_bytes;
    unsigned int header_timeout_s;
    unsigned int body_stall_s;
    unsigned int io_threads;
    unsigned int handler_threads;
    unsigned int handler_queue_length;
} http_server_settings;

/* Bind and listen on address:port (port 0: any free port) before anything else starts, so the
 * bound port is known early and a port in use fails start-up with a clear message. SO_REUSEPORT
 * only when reuse_port is set. Returns the socket (>= 0) and the bound port, or -1 with err. */
int http_listen(const char *address, int port, bool reuse_port, int *bound_port, nh_error *err);

/* Raise RLIMIT_NOFILE as far as allowed and return how many connections fit in it (at most
 * wanted); logs what was obtained. */
unsigned int http_fit_connection_limit(unsigned int wanted);

/* Start serving on settings->listen_socket (closed on failure too). The settings and what
 * they point to must outlive the server. */
http_server *http_server_start(const http_server_settings *settings, nh_error *err);
/* Stop accepting new connections (the listen socket is closed: the kernel refuses them);
 * requests in flight go on. */
void http_server_quiesce(http_server *server);
/* Wait until no request is in flight, at most timeout_ms. True when idle. */
bool http_server_wait_idle(http_server *server, unsigned int timeout_ms);
/* Finish the pool's work, close every connection and free the server. */
void http_server_stop(http_server *server);

#endif
