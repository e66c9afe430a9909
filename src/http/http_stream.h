/* http_stream.h - a long-lived streamed reply (text/event-stream) fed from other threads: the
 * legacy MCP SSE sessions and the streamed replies of POST /mcp with progress.
 *
 * The handler starts the reply with http_reply_stream(); the server sends whatever the producer
 * writes with http_stream_write() as it comes (the connection is suspended while the buffer is
 * empty and resumed by a write, so no thread and no busy loop is spent on an idle stream). The
 * buffer is bounded: a write that would take it over its cap fails and the stream is closed
 * (a stalled reader is dropped, never fed forever). The stream is reference-counted: the
 * server holds one reference until the connection ends, the producer one until it calls
 * http_stream_release(); http_stream_is_closed() tells the producer the client went away (its
 * on_close callback runs once, on the event thread, when that happens). Thread-safe. */
#ifndef NH_HTTP_STREAM_H
#define NH_HTTP_STREAM_H

#include <stdbool.h>
#include <stddef.h>

struct http_response;

typedef struct http_stream http_stream;

typedef struct http_stream_settings {
    const char *content_type;        /* "text/event-stream" */
    size_t max_buffered_bytes;       /* cap of bytes written but not yet sent */
    void (*on_close)(void *context); /* optional: the client went away or the stream closed */
    void *context;
    /* A session stream (the legacy SSE transport) carries no request in progress: it is ended
     * (as by http_stream_finish) when the server stops accepting connections, so its client
     * reconnects to another instance. Without it (a reply still being computed, such as the
     * progress of a tool call) the stream runs to its end while the server drains. */
    bool ends_on_quiesce;
} http_stream_settings;

/* Answer the request with status and a streamed body. Returns the producer's reference (the
 * caller releases it), or NULL when out of memory (a 500 was answered instead; on_close will
 * not run). Extra headers go through http_response_header() before or after this call. The
 * bytes start to flow once the handler has returned; what is written before is queued (within
 * the cap). on_close runs exactly once for a stream that was returned: when the connection
 * ends, or when the reply is discarded before it was sent (its context must live until then).
 *
 * A producer that runs after the handler returned, on the handler's thread, is started with
 * http_response_after_reply() (response.h): the streamed reply of a request still being
 * computed. */
http_stream *http_reply_stream(struct http_response *response, int status,
                               const http_stream_settings *settings);

/* Queue bytes to send. 0, or -1 when the stream is closed or the write would exceed the cap
 * (the stream is then closed). */
int http_stream_write(http_stream *stream, const char *bytes, size_t length);
/* One server-sent event in one write (never interleaved with another writer's): "event: <name>"
 * when event is not NULL, the data as "data: " lines (a line break in it starts a new line),
 * and the blank line that ends the event. Same result as http_stream_write. */
int http_stream_write_event(http_stream *stream, const char *event, const char *data,
                            size_t length);
/* End the stream after what is queued has been sent. */
void http_stream_finish(http_stream *stream);
bool http_stream_is_closed(const http_stream *stream);
void http_stream_release(http_stream *stream);

#endif
