/* sessions.h - sign-in, refresh-token rotation, logout and session revocation.
 *
 * A session is born at sign-in and lives at most Auth__Jwt__RefreshTokenDays (rotation does
 * not extend it). Its refresh tokens form one family: each refresh revokes the presented token
 * and issues the next; presenting a revoked token again (reuse) revokes the whole session.
 * A reuse revocation (or expiry marking) that cannot be committed is a 503, not a 401 claiming
 * it happened. Two refreshes racing with one token: exactly one wins (a conditional UPDATE); the
 * loser is answered 401 auth_refresh_token_invalid without revoking the session (the winner's new
 * token stays good), as long as the rotation happened less than SESSIONS_RACE_GRACE_MS ago.
 * Access tokens carry the session id (`sid`), so revoking a session stops them at once.
 *
 * Sign-in throttling: after Auth__Login__MaxFailuresPerUser failures for one username, or
 * MaxFailuresPerClient from one client address, within WindowMinutes -> 429
 * auth_too_many_attempts with retry_after_seconds, the same whether or not the user exists.
 * A success clears the username's failures. Unknown usernames cost one dummy verification.
 * A failure that cannot be recorded is a 503 (the database's own 503, e.g. disk full or busy
 * with Retry-After, else service_unavailable), never a 401: the throttle must not fail open.
 * Usernames are compared as auth/username.h says; the throttle counts per compared name.
 * Attempts in flight count too (per process): a parallel burst waits rather than getting more
 * guesses than the limit.
 *
 * Every function takes the auth context (auth_context.h: cfg, database, JWT key) and returns 0
 * or -1 with err filled. The SQL is in session_store.h. Ownership: session_tokens owns its
 * strings and user; sessions_tokens_clear() frees them. */
#ifndef NH_AUTH_SESSIONS_H
#define NH_AUTH_SESSIONS_H

#include <stdint.h>

#include "audit/audit.h"
#include "auth/auth_context.h"
#include "auth/user_store.h"
#include "core/error.h"

#define SESSIONS_RACE_GRACE_MS 10000

typedef struct session_tokens {
    char *access_token;
    int64_t access_expires_at;
    char *refresh_token;
    int64_t refresh_expires_at;
    user_record user;
} session_tokens;

void sessions_tokens_clear(session_tokens *tokens);

/* On 429 err->retry_after_seconds is set (>= 1). */
int sessions_login(const auth_context *auth, const audit_actor *actor, const char *username,
                   const char *password, session_tokens *out, nh_error *err);
int sessions_refresh(const auth_context *auth, const audit_actor *actor, const char *refresh_token,
                     session_tokens *out, nh_error *err);
/* Revoke the session of refresh_token (when it belongs to the caller; may be NULL) and the
 * caller's own session. */
int sessions_logout(const auth_context *auth, const audit_actor *actor, const char *refresh_token,
                    nh_error *err);

/* Delete sessions expired or revoked more than a day ago (their tokens go with them) and
 * sign-in failures older than the throttling window. */
int sessions_purge(const auth_context *auth, int64_t now, nh_error *err);

#endif
