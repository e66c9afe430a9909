/* http_stream_server.h - the server's side of a streamed reply (http_stream.h): server.c
 * attaches a stream to its connection, its content callback reads from it, the end of the
 * connection detaches it, and a registry of attached streams lets the server end them all when
 * it quiesces and stops. Only server.c and response.c (and the unit tests) use this.
 *
 * Suspend/resume: a read that finds the buffer empty suspends the connection (through the
 * hooks, on the event thread, inside libmicrohttpd's content callback) and remembers it; the
 * next write, finish or close resumes it. Hooks run with the stream's lock held, so a resume
 * only ever follows its suspend, and once http_stream_registry_close_all() returned no hook of
 * any stream runs again: libmicrohttpd can then stop with no connection left suspended.
 *
 * References: the response holds the server's reference (http_stream_server_end gives it up,
 * closing the stream and running on_close), the libmicrohttpd response one more while it
 * exists (http_stream_retain / http_stream_release). */
#ifndef NH_HTTP_STREAM_SERVER_H
#define NH_HTTP_STREAM_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/http_stream.h"

/* How a stream reaches its connection. Each hook is called with the stream's lock held and
 * must not block: suspend from http_stream_read (the connection's event thread); resume from
 * any thread, only after suspend; drop from any thread when the stream failed while the
 * connection was busy sending (the connection should be closed soon). */
typedef struct http_stream_connection {
    void (*suspend)(void *handle);
    void (*resume)(void *handle);
    void (*drop)(void *handle);
} http_stream_connection;

typedef struct http_stream_registry http_stream_registry;

/* NULL when out of memory. */
http_stream_registry *http_stream_registry_create(void);
/* Frees the registry; streams still attached are forgotten (they no longer reference it). */
void http_stream_registry_destroy(http_stream_registry *registry);
/* Finish every attached stream created with ends_on_quiesce, and those attached later. */
void http_stream_registry_quiesce(http_stream_registry *registry);
/* Close every attached stream (its connection resumed when suspended, its reads failing) and
 * fail those attached later at once: after this no connection will be suspended by a stream. */
void http_stream_registry_close_all(http_stream_registry *registry);
/* Streams attached now. */
size_t http_stream_registry_count(http_stream_registry *registry);

/* The reply's content type (copied from the settings; NULL when none was given). */
const char *http_stream_content_type(const http_stream *stream);
void http_stream_retain(http_stream *stream);

/* The reply is queued on a connection: from now on reads may suspend it. handle is passed to
 * the hooks until http_stream_server_end(). registry may be NULL. */
void http_stream_attach(http_stream *stream, http_stream_registry *registry,
                        const http_stream_connection *hooks, void *handle);

typedef enum {
    HTTP_STREAM_DATA = 0, /* *count bytes were copied */
    HTTP_STREAM_WAIT,     /* nothing to send now: the connection was suspended */
    HTTP_STREAM_END,      /* finished and everything was sent */
    HTTP_STREAM_FAILED,   /* closed before finishing: drop the connection */
} http_stream_read_result;

/* The content callback's read: up to max bytes into out. */
http_stream_read_result http_stream_read(http_stream *stream, char *out, size_t max, size_t *count);

/* The server is done with the stream (its connection ended, or the reply was discarded):
 * close it, detach it, run on_close once and give up the server's reference. */
void http_stream_server_end(http_stream *stream);

/* Bytes handed to the connection so far (the access log). */
uint64_t http_stream_sent_bytes(http_stream *stream);

#endif
