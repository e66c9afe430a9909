/* connection_guard.h - deadlines that libmicrohttpd does not enforce: a request's line and
 * headers must be complete within a fixed time of the connection's start (or, on a kept-alive
 * connection, of the previous reply) however bytes trickle in; a request body must keep
 * moving; see docs/architecture.md.
 *
 * libmicrohttpd's own timeout is an idle timeout (every byte resets it). The guard tracks every
 * open connection (from MHD_OPTION_NOTIFY_CONNECTION), each with one absolute deadline that the
 * connection's event thread moves as the request advances, and a sweep thread that every
 * second shuts down (shutdown(2), never close(2)) the socket of a connection past its deadline;
 * libmicrohttpd then sees the end of the stream and closes the connection itself. The socket is
 * shut down under the guard's lock and a connection leaves the guard (on close) under the same
 * lock before libmicrohttpd closes its descriptor, so a descriptor number reused by a later
 * connection is never touched.
 *
 * The guard also counts open connections per client address for Server__MaxConnectionsPerClient
 * (peers that are trusted proxies are not limited: their clients are counted by the proxy).
 * libmicrohttpd asks connection_guard_may_accept() before it accepts; the count changes when
 * connections open and close, so concurrent accepts on several event threads may overshoot the
 * limit by at most the number of event threads.
 *
 * Threading: guard_entry_* calls come from the event thread that owns the connection (except
 * guard_entry_drop); the sweep reads deadlines atomically; the rest takes the guard's lock. */
#ifndef NH_HTTP_CONNECTION_GUARD_H
#define NH_HTTP_CONNECTION_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/socket.h>

#include "core/error.h"
#include "http/client_address.h"

typedef struct connection_guard connection_guard;
typedef struct guard_entry guard_entry;

typedef struct connection_guard_limits {
    unsigned int header_timeout_s;  /* request line + headers, from accept */
    unsigned int body_stall_s;      /* a body must deliver GUARD_BODY_PROGRESS_BYTES in this time */
    unsigned int idle_timeout_s;    /* a kept-alive connection's wait for its next request */
    unsigned int per_client;        /* open connections per client address; 0: no limit */
    const trusted_proxies *proxies; /* not limited per client; may be NULL */
} connection_guard_limits;

/* A body must deliver at least this many bytes (or end) within each body-stall period. */
#define GUARD_BODY_PROGRESS_BYTES (16 * 1024)

typedef struct connection_guard_stats {
    uint64_t open;               /* connections open now */
    uint64_t header_timeouts;    /* closed for a late request header */
    uint64_t body_stalls;        /* closed for a stalled body */
    uint64_t refused_per_client; /* refused by the per-client limit */
    uint64_t dropped;            /* shut down by guard_entry_drop (a stalled streamed reply) */
} connection_guard_stats;

/* Start the sweep thread. NULL with err filled on failure. */
connection_guard *connection_guard_start(const connection_guard_limits *limits, nh_error *err);
/* Stop the sweep thread and free the guard (every entry must be closed already). */
void connection_guard_stop(connection_guard *guard);

/* May a connection from this peer be accepted (per-client limit)? */
bool connection_guard_may_accept(connection_guard *guard, const struct sockaddr *peer);
/* A connection was accepted (its socket and peer). NULL when memory ran out (it is then not
 * guarded). */
guard_entry *connection_guard_opened(connection_guard *guard, int socket_fd,
                                     const struct sockaddr *peer);
/* The connection is closing; entry is freed. NULL is fine. */
void connection_guard_closed(connection_guard *guard, guard_entry *entry);

/* The request's headers are complete; a body follows or not. */
void guard_entry_headers_done(guard_entry *entry, bool body_expected);
/* size body bytes arrived. */
void guard_entry_body_progress(guard_entry *entry, size_t size);
/* The request waits for the server (a handler runs): no deadline until resumed. */
void guard_entry_pause(guard_entry *entry);
/* The server is done with its part; the body clock resumes where it stopped. */
void guard_entry_resume(guard_entry *entry);
/* The body is complete and the reply is being made or sent: no deadline. */
void guard_entry_body_done(guard_entry *entry);
/* The reply went out; the connection may carry another request. */
void guard_entry_request_done(guard_entry *entry);
/* Give up on the connection now (a streamed reply whose reader fell too far behind): its socket
 * is shut down at once and libmicrohttpd closes it. Any thread, while the caller knows the
 * connection is open (a stream attached to it). */
void guard_entry_drop(guard_entry *entry);

void connection_guard_stats_get(connection_guard *guard, connection_guard_stats *out);

#endif
