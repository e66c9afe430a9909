/* stream_buffer.h - the bounded byte queue behind a streamed reply (http_stream.h): bytes a
 * producer wrote and the connection has not sent yet.
 *
 * Bytes come out in the order they went in. The queue never holds more than its limit: a push
 * that would take it over fails whole and leaves the queue as it was (the stream is then
 * closed: a reader that does not keep up is dropped, not fed forever). Memory grows with what
 * is queued and is given back when the queue drains, so an idle stream holds almost nothing.
 *
 * Not thread-safe (the stream guards it with its lock); pure: no I/O. */
#ifndef NH_HTTP_STREAM_BUFFER_H
#define NH_HTTP_STREAM_BUFFER_H

#include <stddef.h>

typedef struct stream_buffer {
    char *data;      /* owned; NULL while nothing was ever queued or after draining */
    size_t start;    /* offset of the first queued byte in data */
    size_t length;   /* bytes queued */
    size_t capacity; /* bytes allocated */
    size_t limit;    /* the most bytes ever queued at once */
} stream_buffer;

typedef enum {
    STREAM_BUFFER_OK = 0,
    STREAM_BUFFER_FULL = -1,          /* the push would exceed the limit: nothing queued */
    STREAM_BUFFER_OUT_OF_MEMORY = -2, /* nothing queued */
} stream_buffer_result;

void stream_buffer_init(stream_buffer *buffer, size_t limit);
void stream_buffer_free(stream_buffer *buffer);

/* Queue length bytes (all or none). */
stream_buffer_result stream_buffer_push(stream_buffer *buffer, const char *bytes, size_t length);
/* Move up to max queued bytes into out; returns how many (0 when empty). */
size_t stream_buffer_take(stream_buffer *buffer, char *out, size_t max);
size_t stream_buffer_length(const stream_buffer *buffer);

#endif
