/* http_stream.c - streamed replies: a bounded buffer between a producer (any thread) and the
 * connection's content callback (its event thread), the suspend/resume hand-off between them,
 * reference counting, and the registry the server uses to end every stream when it stops.
 *
 * One lock per stream guards its buffer and state; the hooks (suspend, resume, drop) run under
 * it, so a resume can never overtake its suspend and no hook runs once the server is done with
 * the stream. Lock order: registry, then stream, then libmicrohttpd's own (inside the hooks). */
#include "http/http_stream_server.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/log.h"
#include "http/response.h"
#include "http/stream_buffer.h"

struct http_stream {
    pthread_mutex_t lock;
    atomic_uint references;
    char *content_type; /* owned; immutable */
    void (*on_close)(void *context);
    void *context;
    bool ends_on_quiesce;
    /* under lock */
    stream_buffer buffer;
    bool finishing;   /* the producer is done: end once the buffer is sent */
    bool closed;      /* no more bytes are taken (failed, or the server is done) */
    bool failed;      /* closed before finishing: the connection is dropped */
    bool suspended;   /* a read suspended the connection; the next wake-up resumes it */
    bool server_done; /* http_stream_server_end ran */
    uint64_t sent;
    const http_stream_connection *hooks; /* NULL until attached and after the server is done */
    void *handle;
    /* under the registry's lock */
    http_stream_registry *registry;
    http_stream *previous;
    http_stream *next;
};

struct http_stream_registry {
    pthread_mutex_t lock;
    http_stream *head;
    size_t count;
    bool quiescing; /* ends_on_quiesce streams are finished as they attach */
    bool closing;   /* streams are failed as they attach */
};

/* ---- the producer's side ------------------------------------------------------------------ */

http_stream *http_reply_stream(http_response *response, int status,
                               const http_stream_settings *settings)
{
    http_stream *stream = calloc(1, sizeof *stream);
    char *content_type = settings->content_type ? strdup(settings->content_type) : NULL;
    if (!stream || (settings->content_type && !content_type) ||
        pthread_mutex_init(&stream->lock, NULL) != 0) {
        free(stream);
        free(content_type);
        nh_error err;
        error_internal(&err);
        http_reply_error(response, &err);
        return NULL;
    }
    atomic_init(&stream->references, 2); /* the producer's and the server's */
    stream->content_type = content_type;
    stream->on_close = settings->on_close;
    stream->context = settings->context;
    stream->ends_on_quiesce = settings->ends_on_quiesce;
    stream_buffer_init(&stream->buffer, settings->max_buffered_bytes);
    http_reply_streamed(response, status, content_type, stream);
    return stream;
}

/* Under lock: let the connection see what changed (a resume when a read suspended it). */
static void wake(http_stream *stream)
{
    if (!stream->suspended)
        return;
    stream->suspended = false;
    if (stream->hooks)
        stream->hooks->resume(stream->handle);
}

/* Under lock: close the stream before it finished. The connection is resumed when suspended
 * (its next read fails) or dropped when it is busy sending (a reader that does not read). */
static void fail(http_stream *stream)
{
    if (stream->closed)
        return;
    stream->closed = true;
    stream->failed = true;
    stream_buffer_free(&stream->buffer);
    if (stream->suspended)
        wake(stream);
    else if (stream->hooks && stream->hooks->drop)
        stream->hooks->drop(stream->handle);
}

int http_stream_write(http_stream *stream, const char *bytes, size_t length)
{
    pthread_mutex_lock(&stream->lock);
    if (stream->closed || stream->finishing) {
        pthread_mutex_unlock(&stream->lock);
        return -1;
    }
    stream_buffer_result result = stream_buffer_push(&stream->buffer, bytes, length);
    if (result != STREAM_BUFFER_OK) {
        if (result == STREAM_BUFFER_OUT_OF_MEMORY)
            log_message(LOG_ERROR, "http_stream", "out of memory queueing %zu bytes", length);
        fail(stream);
        pthread_mutex_unlock(&stream->lock);
        return -1;
    }
    wake(stream);
    pthread_mutex_unlock(&stream->lock);
    return 0;
}

/* data as "data: " lines: CR, LF and CRLF each end a line (SSE's own line breaks). */
static void append_data_lines(buf *frame, const char *data, size_t length)
{
    size_t start = 0;
    for (size_t i = 0; i <= length; i++) {
        if (i < length && data[i] != '\n' && data[i] != '\r')
            continue;
        buf_append_str(frame, "data: ");
        buf_append(frame, data + start, i - start);
        buf_append_str(frame, "\n");
        if (i < length && data[i] == '\r' && i + 1 < length && data[i + 1] == '\n')
            i++;
        start = i + 1;
    }
}

int http_stream_write_event(http_stream *stream, const char *event, const char *data, size_t length)
{
    buf frame;
    buf_init(&frame, 0);
    if (event)
        buf_printf(&frame, "event: %s\n", event);
    append_data_lines(&frame, data, length);
    buf_append_str(&frame, "\n");
    if (buf_failed(&frame)) {
        log_message(LOG_ERROR, "http_stream", "out of memory framing an event of %zu bytes",
                    length);
        pthread_mutex_lock(&stream->lock); /* a lost event: the client must not wait for it */
        fail(stream);
        pthread_mutex_unlock(&stream->lock);
        return -1;
    }
    int result = http_stream_write(stream, frame.data, frame.length);
    buf_free(&frame);
    return result;
}

void http_stream_finish(http_stream *stream)
{
    pthread_mutex_lock(&stream->lock);
    if (!stream->closed && !stream->finishing) {
        stream->finishing = true;
        wake(stream);
    }
    pthread_mutex_unlock(&stream->lock);
}

bool http_stream_is_closed(const http_stream *stream)
{
    http_stream *mutable = (http_stream *)stream; /* the lock is not part of the value */
    pthread_mutex_lock(&mutable->lock);
    bool closed = mutable->closed;
    pthread_mutex_unlock(&mutable->lock);
    return closed;
}

void http_stream_retain(http_stream *stream)
{
    atomic_fetch_add(&stream->references, 1);
}

void http_stream_release(http_stream *stream)
{
    if (!stream || atomic_fetch_sub(&stream->references, 1) != 1)
        return;
    stream_buffer_free(&stream->buffer);
    pthread_mutex_destroy(&stream->lock);
    free(stream->content_type);
    free(stream);
}

/* ---- the server's side ------------------------------------------------------------------- */

const char *http_stream_content_type(const http_stream *stream)
{
    return stream->content_type;
}

void http_stream_attach(http_stream *stream, http_stream_registry *registry,
                        const http_stream_connection *hooks, void *handle)
{
    bool finish = false;
    bool close = false;
    if (registry) {
        pthread_mutex_lock(&registry->lock);
        stream->registry = registry;
        stream->next = registry->head;
        if (registry->head)
            registry->head->previous = stream;
        registry->head = stream;
        registry->count++;
        close = registry->closing;
        finish = registry->quiescing && stream->ends_on_quiesce;
    }
    pthread_mutex_lock(&stream->lock);
    if (!stream->server_done) {
        stream->hooks = hooks;
        stream->handle = handle;
    }
    if (close)
        fail(stream);
    else if (finish && !stream->closed)
        stream->finishing = true;
    pthread_mutex_unlock(&stream->lock);
    if (registry)
        pthread_mutex_unlock(&registry->lock);
}

http_stream_read_result http_stream_read(http_stream *stream, char *out, size_t max, size_t *count)
{
    *count = 0;
    pthread_mutex_lock(&stream->lock);
    http_stream_read_result result;
    if (stream->failed) {
        result = HTTP_STREAM_FAILED;
    } else if ((*count = stream_buffer_take(&stream->buffer, out, max)) > 0) {
        stream->sent += *count;
        result = HTTP_STREAM_DATA;
    } else if (stream->finishing || stream->closed) {
        result = HTTP_STREAM_END;
    } else {
        if (!stream->suspended && stream->hooks) {
            stream->hooks->suspend(stream->handle);
            stream->suspended = true;
        }
        result = HTTP_STREAM_WAIT;
    }
    pthread_mutex_unlock(&stream->lock);
    return result;
}

static void unlink_from_registry(http_stream *stream)
{
    /* The registry pointer only changes under the registry's lock, which destroy also takes;
     * a stream outliving its registry had it cleared there. */
    http_stream_registry *registry = stream->registry;
    if (!registry)
        return;
    pthread_mutex_lock(&registry->lock);
    if (stream->registry == registry) {
        if (stream->previous)
            stream->previous->next = stream->next;
        else
            registry->head = stream->next;
        if (stream->next)
            stream->next->previous = stream->previous;
        registry->count--;
        stream->registry = NULL;
        stream->previous = NULL;
        stream->next = NULL;
    }
    pthread_mutex_unlock(&registry->lock);
}

void http_stream_server_end(http_stream *stream)
{
    unlink_from_registry(stream);
    pthread_mutex_lock(&stream->lock);
    bool first = !stream->server_done;
    stream->server_done = true;
    stream->closed = true;
    stream->suspended = false; /* a connection that ended is not suspended */
    stream->hooks = NULL;
    stream->handle = NULL;
    stream_buffer_free(&stream->buffer);
    pthread_mutex_unlock(&stream->lock);
    if (!first)
        return;
    if (stream->on_close)
        stream->on_close(stream->context);
    http_stream_release(stream);
}

uint64_t http_stream_sent_bytes(http_stream *stream)
{
    pthread_mutex_lock(&stream->lock);
    uint64_t sent = stream->sent;
    pthread_mutex_unlock(&stream->lock);
    return sent;
}

/* ---- the registry ------------------------------------------------------------------------ */

http_stream_registry *http_stream_registry_create(void)
{
    http_stream_registry *registry = calloc(1, sizeof *registry);
    if (!registry)
        return NULL;
    if (pthread_mutex_init(&registry->lock, NULL) != 0) {
        free(registry);
        return NULL;
    }
    return registry;
}

void http_stream_registry_destroy(http_stream_registry *registry)
{
    if (!registry)
        return;
    pthread_mutex_lock(&registry->lock);
    for (http_stream *stream = registry->head; stream;) {
        http_stream *next = stream->next;
        stream->registry = NULL;
        stream->previous = NULL;
        stream->next = NULL;
        stream = next;
    }
    pthread_mutex_unlock(&registry->lock);
    pthread_mutex_destroy(&registry->lock);
    free(registry);
}

void http_stream_registry_quiesce(http_stream_registry *registry)
{
    pthread_mutex_lock(&registry->lock);
    registry->quiescing = true;
    for (http_stream *stream = registry->head; stream; stream = stream->next) {
        if (stream->ends_on_quiesce)
            http_stream_finish(stream);
    }
    pthread_mutex_unlock(&registry->lock);
}

void http_stream_registry_close_all(http_stream_registry *registry)
{
    pthread_mutex_lock(&registry->lock);
    registry->closing = true;
    for (http_stream *stream = registry->head; stream; stream = stream->next) {
        pthread_mutex_lock(&stream->lock);
        fail(stream);
        pthread_mutex_unlock(&stream->lock);
    }
    pthread_mutex_unlock(&registry->lock);
}

size_t http_stream_registry_count(http_stream_registry *registry)
{
    pthread_mutex_lock(&registry->lock);
    size_t count = registry->count;
    pthread_mutex_unlock(&registry->lock);
    return count;
}
