/* session_store.h - the SQL of sessions, their refresh tokens and sign-in failures (no rules:
 * see sessions.h). A session is one sign-in; its refresh tokens form one family; a
 * login_failures row is one failed sign-in, kept for throttling.
 *
 * Every function runs on a borrowed connection (callers group writes in a transaction) and
 * returns 0, DB_ERROR or DB_CONSTRAINT like db.h, with err filled on failure. Token hashes are
 * secret_token_sha256_hex() digests; the secrets never reach this module. */
#ifndef NH_AUTH_SESSION_STORE_H
#define NH_AUTH_SESSION_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"
#include "core/uuid.h"
#include "db/db.h"

/* ---- sign-in failures ------------------------------------------------------------------ */

typedef enum { SESSION_STORE_BY_USERNAME, SESSION_STORE_BY_CLIENT } session_store_failure_key;

/* How many failures (at most limit) were recorded for key after `since`, in *count, and when
 * count reached limit the time of the limit-th newest in *nth_newest (else 0). */
int session_store_failures(db_conn *conn, session_store_failure_key kind, const char *key,
                           int64_t since, int limit, int *count, int64_t *nth_newest,
                           nh_error *err);
int session_store_record_failure(db_conn *conn, const char *username_key, const char *client,
                                 int64_t now, nh_error *err);
int session_store_clear_failures(db_conn *conn, const char *username_key, nh_error *err);

/* ---- sessions and refresh tokens ------------------------------------------------------- */

typedef struct session_store_token {
    char id[UUID_TEXT_SIZE];
    char session_id[UUID_TEXT_SIZE];
    char user_id[UUID_TEXT_SIZE];
    int64_t expires_at;
    int64_t revoked_at; /* 0 = live */
    bool replaced;      /* rotated: replaced_by_token_id is set */
    int64_t session_expires_at;
    int64_t session_revoked_at; /* 0 = live */
} session_store_token;

int session_store_insert_session(db_conn *conn, const char *id, const char *user_id, int64_t now,
                                 int64_t expires_at, nh_error *err);
int session_store_insert_token(db_conn *conn, const char *id, const char *session_id,
                               const char *user_id, const char *token_hash, const char *jwt_id,
                               int64_t now, int64_t expires_at, nh_error *err);
/* The token with that hash and its session; *found false when there is none. */
int session_store_find_token(db_conn *conn, const char *token_hash, session_store_token *out,
                             bool *found, nh_error *err);
/* Revoke the token in favour of new_id unless it is revoked already: *rotated says whether
 * this call did it (a concurrent refresh may have won). */
int session_store_rotate_token(db_conn *conn, const char *token_id, const char *new_id, int64_t now,
                               bool *rotated, nh_error *err);
/* Mark one token revoked (if it is not). */
int session_store_revoke_token(db_conn *conn, const char *token_id, int64_t now, nh_error *err);
/* Revoke a session and its tokens, recording why (e.g. "logout", "refresh_token_reuse"). */
int session_store_revoke_session(db_conn *conn, const char *session_id, const char *reason,
                                 int64_t now, nh_error *err);
/* Revoke every live session of a user and their tokens; *count (may be NULL) gets how many
 * sessions. */
int session_store_revoke_user(db_conn *conn, const char *user_id, const char *reason, int64_t now,
                              int64_t *count, nh_error *err);
/* Is the session live (exists, belongs to user_id, not revoked, not expired at now)? */
int session_store_is_live(db_conn *conn, const char *session_id, const char *user_id, int64_t now,
                          bool *live, nh_error *err);

/* Delete sessions expired or revoked before ended_before (their tokens go with them) and
 * failures recorded before failed_before; *purged (may be NULL) gets how many sessions. */
int session_store_purge(db_conn *conn, int64_t ended_before, int64_t failed_before, int64_t *purged,
                        nh_error *err);

#endif
