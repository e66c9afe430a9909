/* mcp_sse_sessions.h - the sessions of the legacy HTTP+SSE transport (mcp_sse.h): their ids,
 * the credential that opened each, the caps, idle expiry and heartbeats. Bookkeeping over
 * streamed replies (http/http_stream.h) with no request handling of its own, so it is
 * unit-tested; time comes in as an argument (monotonic nanoseconds).
 *
 * A session is open from mcp_sse_sessions_open() until its client goes away (its stream's
 * on_close), it sat idle (no message in progress or received) for longer than the idle limit, its
 * stream was closed (a reader that fell more than the buffer behind is dropped), or the registry is
 * destroyed. An ended session is never found again. Ids are 32 lowercase hex digits (128
 * random bits). Sessions are bound to a credential string (mcp_sse_credential): only the same
 * credential finds one.
 *
 * Thread-safe. Lock order: the registry's lock, then a stream's. Memory: the registry lives
 * until it was destroyed and its last session's stream ended (sessions hold a reference). */
#ifndef NH_MCP_SSE_SESSIONS_H
#define NH_MCP_SSE_SESSIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/principal.h"

struct http_response;

#define MCP_SSE_ID_SIZE 33         /* 32 hex digits + NUL */
#define MCP_SSE_CREDENTIAL_SIZE 64 /* "personal:" / "machine:" + 36 */

typedef struct mcp_sse_limits {
    unsigned int max_sessions;       /* open at once, every credential together */
    unsigned int max_per_credential; /* open at once per credential */
    int64_t idle_ns;                 /* a session no message found for this long ends */
    int64_t heartbeat_ns;            /* a ": ping" comment after this long without a frame */
    size_t buffer_bytes;             /* cap of a session stream's unsent bytes */
    unsigned int retry_after_s;      /* Retry-After of the 429 when a cap is reached */
} mcp_sse_limits;

typedef struct mcp_sse_sessions mcp_sse_sessions;
typedef struct mcp_sse_session mcp_sse_session;

/* The credential a principal's sessions are bound to: the personal key's id, the machine key's
 * id, else the user. */
void mcp_sse_credential(const auth_principal *principal, char out[MCP_SSE_CREDENTIAL_SIZE]);

/* NULL when out of memory. */
mcp_sse_sessions *mcp_sse_sessions_create(const mcp_sse_limits *limits);
/* End every session (each stream is finished) and give up the owner's reference. */
void mcp_sse_sessions_destroy(mcp_sse_sessions *sessions);

/* Open a session for credential and answer response with its stream (200 text/event-stream
 * and the transport's headers), whose first event is "endpoint" with endpoint_prefix followed
 * by the new id. 0, or -1 with err: 429 mcp_session_limit (with Retry-After) when a cap is
 * reached, 500 when out of memory. The id is written to id_out when given. */
int mcp_sse_sessions_open(mcp_sse_sessions *sessions, const char *credential,
                          struct http_response *response, const char *endpoint_prefix,
                          int64_t now_ns, char id_out[MCP_SSE_ID_SIZE], nh_error *err);

/* The open session id (trimmed of spaces) of credential, for one message: the caller gives it
 * back with mcp_sse_session_release() when the message is done (the session is not idle in
 * between). NULL when it is unknown, ended, or another credential's. */
mcp_sse_session *mcp_sse_sessions_find(mcp_sse_sessions *sessions, const char *id,
                                       const char *credential, int64_t now_ns);

/* Queue one "event: message" frame. 0, or -1 when the session's stream is closed or the frame
 * would exceed the buffer: the session has then ended. */
int mcp_sse_session_send(mcp_sse_session *session, const char *json, size_t length, int64_t now_ns);
/* The message is done: the session's idle clock restarts at now_ns. NULL is fine. */
void mcp_sse_session_release(mcp_sse_session *session, int64_t now_ns);

/* Housekeeping at now_ns: end the sessions idle for longer than the limit (their streams are
 * finished) and send a heartbeat on those with no frame for a heartbeat period (a session whose
 * heartbeat cannot be queued ends). */
void mcp_sse_sessions_tick(mcp_sse_sessions *sessions, int64_t now_ns);

/* Sessions open now. */
size_t mcp_sse_sessions_count(mcp_sse_sessions *sessions);

#endif
