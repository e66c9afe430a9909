/* mcp_sse_sessions.c - the SSE transport's session table: a list under one lock (a few
 * thousand sessions at most), each session reference-counted (the table, its stream's on_close
 * and each message being handled hold one). */
#include "mcp/mcp_sse_sessions.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/text.h"
#include "http/http_stream.h"
#include "http/response.h"

/* A heartbeat is due a little early rather than a whole housekeeping period late. */
#define HEARTBEAT_SLACK_NS 500000000LL
static const char HEARTBEAT[] = ": ping\n\n";

struct mcp_sse_session {
    mcp_sse_sessions *owner;
    char id[MCP_SSE_ID_SIZE];
    char credential[MCP_SSE_CREDENTIAL_SIZE];
    http_stream *stream; /* the producer's reference; set (under the lock) before it is found */
    /* under the owner's lock */
    int64_t last_message_ns;
    int64_t last_frame_ns;
    bool linked;           /* in the table: open */
    unsigned int messages; /* being handled now: the session is not idle */
    unsigned int references;
    mcp_sse_session *next;
};

struct mcp_sse_sessions {
    pthread_mutex_t lock;
    mcp_sse_limits limits;
    mcp_sse_session *head; /* linked sessions */
    size_t count;
    unsigned int references; /* the owner's and one per session not yet freed */
    bool destroyed;
};

void mcp_sse_credential(const auth_principal *principal, char out[MCP_SSE_CREDENTIAL_SIZE])
{
    switch (principal->kind) {
    case PRINCIPAL_PERSONAL_KEY:
        snprintf(out, MCP_SSE_CREDENTIAL_SIZE, "personal:%s", principal->key_id);
        return;
    case PRINCIPAL_MACHINE_KEY:
        snprintf(out, MCP_SSE_CREDENTIAL_SIZE, "machine:%s", principal->user_id);
        return;
    case PRINCIPAL_USER:
    case PRINCIPAL_ANONYMOUS:
        break;
    }
    snprintf(out, MCP_SSE_CREDENTIAL_SIZE, "user:%s", principal->user_id);
}

/* ---- life of the table and its sessions -------------------------------------------------- */

mcp_sse_sessions *mcp_sse_sessions_create(const mcp_sse_limits *limits)
{
    mcp_sse_sessions *sessions = calloc(1, sizeof *sessions);
    if (!sessions)
        return NULL;
    if (pthread_mutex_init(&sessions->lock, NULL) != 0) {
        free(sessions);
        return NULL;
    }
    sessions->limits = *limits;
    sessions->references = 1;
    return sessions;
}

/* Free sessions whose last reference went (collected under the lock, freed after it). */
static void free_sessions(mcp_sse_sessions *sessions, mcp_sse_session *freed)
{
    unsigned int count = 0;
    while (freed) {
        mcp_sse_session *next = freed->next;
        http_stream_release(freed->stream);
        free(freed);
        freed = next;
        count++;
    }
    if (count == 0)
        return;
    pthread_mutex_lock(&sessions->lock);
    sessions->references -= count;
    bool last = sessions->references == 0;
    pthread_mutex_unlock(&sessions->lock);
    if (last) {
        pthread_mutex_destroy(&sessions->lock);
        free(sessions);
    }
}

/* Under the lock: drop one reference; a session with none left goes to *freed. */
static void release_locked(mcp_sse_session *session, mcp_sse_session **freed)
{
    if (--session->references > 0)
        return;
    session->next = *freed;
    *freed = session;
}

/* Under the lock: take the session out of the table (the table's reference goes). */
static void unlink_locked(mcp_sse_session *session, mcp_sse_session **freed)
{
    if (!session->linked)
        return;
    mcp_sse_sessions *sessions = session->owner;
    for (mcp_sse_session **slot = &sessions->head; *slot; slot = &(*slot)->next) {
        if (*slot == session) {
            *slot = session->next;
            break;
        }
    }
    session->next = NULL;
    session->linked = false;
    sessions->count--;
    release_locked(session, freed);
}

void mcp_sse_sessions_destroy(mcp_sse_sessions *sessions)
{
    if (!sessions)
        return;
    mcp_sse_session *freed = NULL;
    pthread_mutex_lock(&sessions->lock);
    sessions->destroyed = true;
    while (sessions->head) {
        mcp_sse_session *session = sessions->head;
        if (session->stream)
            http_stream_finish(session->stream);
        unlink_locked(session, &freed);
    }
    bool last = --sessions->references == 0 && !freed;
    pthread_mutex_unlock(&sessions->lock);
    if (last) {
        pthread_mutex_destroy(&sessions->lock);
        free(sessions);
        return;
    }
    free_sessions(sessions, freed);
}

/* The stream's on_close: the client went away or the stream ended. */
static void session_closed(void *context)
{
    mcp_sse_session *session = context;
    mcp_sse_sessions *sessions = session->owner;
    mcp_sse_session *freed = NULL;
    pthread_mutex_lock(&sessions->lock);
    unlink_locked(session, &freed);
    release_locked(session, &freed); /* on_close's own reference */
    pthread_mutex_unlock(&sessions->lock);
    free_sessions(sessions, freed);
}

void mcp_sse_session_release(mcp_sse_session *session, int64_t now_ns)
{
    if (!session)
        return;
    mcp_sse_sessions *sessions = session->owner;
    mcp_sse_session *freed = NULL;
    pthread_mutex_lock(&sessions->lock);
    session->messages--;
    session->last_message_ns = now_ns;
    release_locked(session, &freed);
    pthread_mutex_unlock(&sessions->lock);
    free_sessions(sessions, freed);
}

size_t mcp_sse_sessions_count(mcp_sse_sessions *sessions)
{
    pthread_mutex_lock(&sessions->lock);
    size_t count = sessions->count;
    pthread_mutex_unlock(&sessions->lock);
    return count;
}

/* ---- opening ---------------------------------------------------------------------------- */

static size_t sessions_of(const mcp_sse_sessions *sessions, const char *credential)
{
    size_t count = 0;
    for (const mcp_sse_session *session = sessions->head; session; session = session->next)
        if (!strcmp(session->credential, credential))
            count++;
    return count;
}

/* Under the lock: a new session in the table (no stream yet, so it is not found), holding the
 * table's reference, the one its stream's on_close will give back and the opener's. NULL with
 * err. */
static mcp_sse_session *reserve_locked(mcp_sse_sessions *sessions, const char *credential,
                                       int64_t now_ns, nh_error *err)
{
    const mcp_sse_limits *limits = &sessions->limits;
    if (sessions->destroyed) {
        error_set_retry(err, 503, "server_busy", 1, "The server is shutting down.");
        return NULL;
    }
    if (sessions->count >= limits->max_sessions) {
        error_set_retry(err, 429, "mcp_session_limit", (int)limits->retry_after_s,
                        "The server holds its limit of %u SSE sessions; try again later.",
                        limits->max_sessions);
        return NULL;
    }
    if (sessions_of(sessions, credential) >= limits->max_per_credential) {
        error_set_retry(err, 429, "mcp_session_limit", (int)limits->retry_after_s,
                        "This API key holds its limit of %u SSE sessions; close one first.",
                        limits->max_per_credential);
        return NULL;
    }
    mcp_sse_session *session = calloc(1, sizeof *session);
    if (!session) {
        error_internal(err);
        return NULL;
    }
    unsigned char random[16];
    randombytes_buf(random, sizeof random);
    sodium_bin2hex(session->id, sizeof session->id, random, sizeof random);
    snprintf(session->credential, sizeof session->credential, "%s", credential);
    session->owner = sessions;
    session->last_message_ns = now_ns;
    session->last_frame_ns = now_ns;
    session->references = 3;
    session->linked = true;
    session->next = sessions->head;
    sessions->head = session;
    sessions->count++;
    sessions->references++;
    return session;
}

static int add_stream_headers(struct http_response *response)
{
    if (http_response_header(response, "Cache-Control", "no-cache, no-store") != 0 ||
        http_response_header(response, "Pragma", "no-cache") != 0 ||
        http_response_header(response, "X-Accel-Buffering", "no") != 0)
        return -1;
    return 0;
}

/* Start the session's stream with its endpoint event. NULL when out of memory: response then
 * holds a 500, and *started tells whether a stream was started (its on_close, run when the 500
 * replaced it, ended the session). */
static http_stream *start_stream(mcp_sse_session *session, struct http_response *response,
                                 const char *endpoint_prefix, bool *started)
{
    *started = false;
    if (add_stream_headers(response) != 0)
        return NULL;
    http_stream_settings settings = {.content_type = "text/event-stream",
                                     .max_buffered_bytes = session->owner->limits.buffer_bytes,
                                     .on_close = session_closed,
                                     .context = session,
                                     .ends_on_quiesce = true};
    http_stream *stream = http_reply_stream(response, 200, &settings);
    if (!stream)
        return NULL;
    *started = true;
    char *endpoint = NULL;
    if (asprintf(&endpoint, "%s%s", endpoint_prefix, session->id) < 0)
        endpoint = NULL;
    if (!endpoint || http_stream_write_event(stream, "endpoint", endpoint, strlen(endpoint)) != 0) {
        free(endpoint);
        http_stream_release(stream);
        http_reply_error_code(response, 500, "internal_server_error",
                              "An unexpected error occurred."); /* on_close ends the session */
        return NULL;
    }
    free(endpoint);
    return stream;
}

int mcp_sse_sessions_open(mcp_sse_sessions *sessions, const char *credential,
                          struct http_response *response, const char *endpoint_prefix,
                          int64_t now_ns, char id_out[MCP_SSE_ID_SIZE], nh_error *err)
{
    pthread_mutex_lock(&sessions->lock);
    mcp_sse_session *session = reserve_locked(sessions, credential, now_ns, err);
    pthread_mutex_unlock(&sessions->lock);
    if (!session)
        return -1;
    bool started;
    http_stream *stream = start_stream(session, response, endpoint_prefix, &started);
    mcp_sse_session *freed = NULL;
    pthread_mutex_lock(&sessions->lock);
    if (stream) {
        session->stream = stream;
        session->last_frame_ns = now_ns;
        if (id_out)
            memcpy(id_out, session->id, MCP_SSE_ID_SIZE);
    } else if (!started) {
        /* no stream, so no on_close: the table's reference and on_close's go here */
        unlink_locked(session, &freed);
        release_locked(session, &freed);
    }
    release_locked(session, &freed); /* the opener's */
    pthread_mutex_unlock(&sessions->lock);
    free_sessions(sessions, freed);
    return stream ? 0 : error_internal(err);
}

/* ---- messages --------------------------------------------------------------------------- */

mcp_sse_session *mcp_sse_sessions_find(mcp_sse_sessions *sessions, const char *id,
                                       const char *credential, int64_t now_ns)
{
    size_t start;
    size_t end;
    text_trim_bounds(id, strlen(id), &start, &end);
    if (end - start != MCP_SSE_ID_SIZE - 1)
        return NULL;
    mcp_sse_session *found = NULL;
    pthread_mutex_lock(&sessions->lock);
    for (mcp_sse_session *session = sessions->head; session; session = session->next) {
        if (!session->stream || memcmp(session->id, id + start, MCP_SSE_ID_SIZE - 1) != 0)
            continue;
        if (!strcmp(session->credential, credential)) {
            found = session;
            found->references++;
            found->messages++;
            found->last_message_ns = now_ns;
        }
        break;
    }
    pthread_mutex_unlock(&sessions->lock);
    return found;
}

int mcp_sse_session_send(mcp_sse_session *session, const char *json, size_t length, int64_t now_ns)
{
    mcp_sse_sessions *sessions = session->owner;
    int result = http_stream_write_event(session->stream, "message", json, length);
    mcp_sse_session *freed = NULL;
    pthread_mutex_lock(&sessions->lock);
    if (result == 0)
        session->last_frame_ns = now_ns;
    else
        unlink_locked(session, &freed); /* its stream is closed: the session ended */
    pthread_mutex_unlock(&sessions->lock);
    free_sessions(sessions, freed);
    return result;
}

/* ---- housekeeping ----------------------------------------------------------------------- */

void mcp_sse_sessions_tick(mcp_sse_sessions *sessions, int64_t now_ns)
{
    const mcp_sse_limits *limits = &sessions->limits;
    mcp_sse_session *freed = NULL;
    size_t expired = 0;
    size_t dropped = 0;
    pthread_mutex_lock(&sessions->lock);
    for (mcp_sse_session *session = sessions->head, *next; session; session = next) {
        next = session->next;
        if (!session->stream)
            continue; /* still opening */
        if (session->messages == 0 && now_ns - session->last_message_ns > limits->idle_ns) {
            http_stream_finish(session->stream);
            unlink_locked(session, &freed);
            expired++;
            continue;
        }
        if (now_ns - session->last_frame_ns + HEARTBEAT_SLACK_NS < limits->heartbeat_ns)
            continue;
        if (http_stream_write(session->stream, HEARTBEAT, sizeof HEARTBEAT - 1) != 0) {
            unlink_locked(session, &freed);
            dropped++;
            continue;
        }
        session->last_frame_ns = now_ns;
    }
    pthread_mutex_unlock(&sessions->lock);
    free_sessions(sessions, freed);
    if (expired > 0 || dropped > 0)
        log_fields(
            LOG_INFO, "mcp_sse_sessions_ended",
            json_pack("{s:I, s:I}", "idle", (json_int_t)expired, "closed", (json_int_t)dropped));
}
