/* stream_buffer.c - a bounded FIFO of bytes: one contiguous allocation, consumed from the
 * front, compacted or grown (doubling, never past the limit) when a push does not fit at the
 * back, and freed when it drains. */
#include "http/stream_buffer.h"

#include <stdlib.h>
#include <string.h>

/* The first allocation: room for a few small frames (an SSE heartbeat, an endpoint event). */
#define STREAM_BUFFER_MIN_CAPACITY 512

void stream_buffer_init(stream_buffer *buffer, size_t limit)
{
    memset(buffer, 0, sizeof *buffer);
    buffer->limit = limit;
}

void stream_buffer_free(stream_buffer *buffer)
{
    free(buffer->data);
    buffer->data = NULL;
    buffer->start = 0;
    buffer->length = 0;
    buffer->capacity = 0;
}

size_t stream_buffer_length(const stream_buffer *buffer)
{
    return buffer->length;
}

/* The capacity for `needed` bytes (at most the limit, as push checked): doubling from the
 * current one, capped at the limit. */
static size_t grown_capacity(const stream_buffer *buffer, size_t needed)
{
    size_t capacity = buffer->capacity > STREAM_BUFFER_MIN_CAPACITY ? buffer->capacity
                                                                    : STREAM_BUFFER_MIN_CAPACITY;
    if (capacity > buffer->limit)
        capacity = buffer->limit;
    while (capacity < needed)
        capacity = capacity > buffer->limit / 2 ? buffer->limit : capacity * 2;
    return capacity;
}

/* Make room for `length` more bytes after the queued ones. 0, or -1 when out of memory. */
static int make_room(stream_buffer *buffer, size_t length)
{
    size_t needed = buffer->length + length;
    if (buffer->start + needed <= buffer->capacity)
        return 0;
    if (needed <= buffer->capacity) { /* enough room once the consumed front is reclaimed */
        memmove(buffer->data, buffer->data + buffer->start, buffer->length);
        buffer->start = 0;
        return 0;
    }
    size_t capacity = grown_capacity(buffer, needed);
    char *grown = malloc(capacity);
    if (!grown)
        return -1;
    if (buffer->length > 0)
        memcpy(grown, buffer->data + buffer->start, buffer->length);
    free(buffer->data);
    buffer->data = grown;
    buffer->start = 0;
    buffer->capacity = capacity;
    return 0;
}

stream_buffer_result stream_buffer_push(stream_buffer *buffer, const char *bytes, size_t length)
{
    if (length == 0)
        return STREAM_BUFFER_OK;
    if (length > buffer->limit || buffer->length > buffer->limit - length)
        return STREAM_BUFFER_FULL;
    if (make_room(buffer, length) != 0)
        return STREAM_BUFFER_OUT_OF_MEMORY;
    memcpy(buffer->data + buffer->start + buffer->length, bytes, length);
    buffer->length += length;
    return STREAM_BUFFER_OK;
}

size_t stream_buffer_take(stream_buffer *buffer, char *out, size_t max)
{
    size_t count = buffer->length < max ? buffer->length : max;
    if (count == 0)
        return 0;
    memcpy(out, buffer->data + buffer->start, count);
    buffer->start += count;
    buffer->length -= count;
    if (buffer->length == 0)
        stream_buffer_free(buffer); /* an idle stream keeps no memory */
    return count;
}
