/* server.h - the HTTP server: libmicrohttpd glue, request life cycle, envelopes for routing
 * failures, CORS, body limits, access log and metrics.
 *
 * Threading: one thread per connection (MHD_USE_THREAD_PER_CONNECTION). A handler that is slow
 * (Argon2 hashing, a remote call) only holds its own connection's thread, so it never stalls
 * other connections; the connection limit bounds the threads. See docs/architecture.md.
 *
 * Request life cycle: match the route (404/405 envelopes) -> CORS preflight -> check declared
 * body size and content type -> authenticate and authorise (app->authenticate) -> read the
 * body (JSON buffered up to the limit, or streamed to the route) -> handler -> send. */
#ifndef NH_HTTP_SERVER_H
#define NH_HTTP_SERVER_H

#include <stdbool.h>

#include "app.h"
#include "core/error.h"

typedef struct http_server http_server;

/* Start listening on cfg->listen_address:cfg->port with the app's routes. */
http_server *http_server_start(app *application, nh_error *err);
/* The port actually bound (useful with port 0). */
int http_server_port(const http_server *server);
/* Stop accepting new connections; requests in flight go on. */
void http_server_quiesce(http_server *server);
/* Wait until no request is in flight, at most timeout_ms. True when idle. */
bool http_server_wait_idle(http_server *server, unsigned int timeout_ms);
/* Close every connection and free the server. */
void http_server_stop(http_server *server);

#endif
