/* session_store.c - SQL for sessions, refresh_tokens and login_failures. */
#include "auth/session_store.h"

#include <stdio.h>

/* ---- sign-in failures ------------------------------------------------------------------ */

int session_store_failures(db_conn *conn, session_store_failure_key kind, const char *key,
                           int64_t since, int limit, int *count, int64_t *nth_newest, nh_error *err)
{
    static const char *const sql[] = {
        [SESSION_STORE_BY_USERNAME] = "SELECT occurred_at FROM login_failures WHERE username_key "
                                      "= $1 AND occurred_at > $2 ORDER BY occurred_at DESC "
                                      "LIMIT $3",
        [SESSION_STORE_BY_CLIENT] = "SELECT occurred_at FROM login_failures WHERE client_address "
                                    "= $1 AND occurred_at > $2 ORDER BY occurred_at DESC LIMIT $3",
    };
    db_param params[] = {db_text(key), db_int(since), db_int(limit)};
    db_result *result = NULL;
    int rc = db_query(conn, sql[kind], params, 3, &result, err);
    if (rc != 0)
        return rc;
    *count = (int)db_result_rows(result);
    *nth_newest = limit > 0 && *count >= limit ? db_result_int64(result, (size_t)limit - 1, 0) : 0;
    db_result_free(result);
    return 0;
}

int session_store_record_failure(db_conn *conn, const char *username_key, const char *client,
                                 int64_t now, nh_error *err)
{
    char id[UUID_TEXT_SIZE];
    uuid_v7(id);
    db_param params[] = {db_text(id), db_text(username_key), db_text(client), db_int(now)};
    return db_exec(conn,
                   "INSERT INTO login_failures (id, username_key, client_address, occurred_at) "
                   "VALUES ($1, $2, $3, $4)",
                   params, 4, NULL, err);
}

int session_store_clear_failures(db_conn *conn, const char *username_key, nh_error *err)
{
    db_param params[] = {db_text(username_key)};
    return db_exec(conn, "DELETE FROM login_failures WHERE username_key = $1", params, 1, NULL,
                   err);
}

/* ---- sessions and refresh tokens ------------------------------------------------------- */

int session_store_insert_session(db_conn *conn, const char *id, const char *user_id, int64_t now,
                                 int64_t expires_at, nh_error *err)
{
    db_param params[] = {db_text(id), db_text(user_id), db_int(now), db_int(expires_at)};
    return db_exec(conn,
                   "INSERT INTO sessions (id, user_id, created_at, expires_at) "
                   "VALUES ($1, $2, $3, $4)",
                   params, 4, NULL, err);
}

int session_store_insert_token(db_conn *conn, const char *id, const char *session_id,
                               const char *user_id, const char *token_hash, const char *jwt_id,
                               int64_t now, int64_t expires_at, nh_error *err)
{
    db_param params[] = {db_text(id),         db_text(session_id), db_text(user_id),
                         db_text(token_hash), db_text(jwt_id),     db_int(now),
                         db_int(expires_at)};
    return db_exec(conn,
                   "INSERT INTO refresh_tokens (id, session_id, user_id, token_hash, jwt_id, "
                   "created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                   params, 7, NULL, err);
}

int session_store_find_token(db_conn *conn, const char *token_hash, session_store_token *out,
                             bool *found, nh_error *err)
{
    db_param params[] = {db_text(token_hash)};
    db_result *result = NULL;
    int rc = db_query(conn,
                      "SELECT t.id, t.session_id, t.user_id, t.expires_at, t.revoked_at, "
                      "t.replaced_by_token_id, s.expires_at, s.revoked_at FROM refresh_tokens t "
                      "JOIN sessions s ON s.id = t.session_id WHERE t.token_hash = $1",
                      params, 1, &result, err);
    if (rc != 0)
        return rc;
    *found = db_result_rows(result) > 0;
    if (*found) {
        snprintf(out->id, sizeof out->id, "%s", db_result_text(result, 0, 0));
        snprintf(out->session_id, sizeof out->session_id, "%s", db_result_text(result, 0, 1));
        snprintf(out->user_id, sizeof out->user_id, "%s", db_result_text(result, 0, 2));
        out->expires_at = db_result_int64(result, 0, 3);
        out->revoked_at = db_result_int64(result, 0, 4);
        out->replaced = !db_result_is_null(result, 0, 5);
        out->session_expires_at = db_result_int64(result, 0, 6);
        out->session_revoked_at = db_result_int64(result, 0, 7);
    }
    db_result_free(result);
    return 0;
}

int session_store_rotate_token(db_conn *conn, const char *token_id, const char *new_id, int64_t now,
                               bool *rotated, nh_error *err)
{
    db_param params[] = {db_text(token_id), db_int(now), db_text(new_id)};
    int64_t changed = 0;
    int rc = db_exec(conn,
                     "UPDATE refresh_tokens SET revoked_at = $2, replaced_by_token_id = $3 "
                     "WHERE id = $1 AND revoked_at IS NULL",
                     params, 3, &changed, err);
    *rotated = rc == 0 && changed == 1;
    return rc;
}

int session_store_revoke_token(db_conn *conn, const char *token_id, int64_t now, nh_error *err)
{
    db_param params[] = {db_text(token_id), db_int(now)};
    return db_exec(conn,
                   "UPDATE refresh_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
                   params, 2, NULL, err);
}

/* The two statements of a revocation: live sessions matched by $1, then their live tokens. */
typedef struct revocation_sql {
    const char *sessions;
    const char *tokens;
} revocation_sql;

/* Revoke with $1 = id, $2 = now, $3 = reason; *count (may be NULL) gets how many sessions. */
static int revoke(db_conn *conn, const revocation_sql *sql, const char *id, const char *reason,
                  int64_t now, int64_t *count, nh_error *err)
{
    db_param params[] = {db_text(id), db_int(now), db_text(reason)};
    int rc = db_exec(conn, sql->sessions, params, 3, count, err);
    if (rc != 0)
        return rc;
    return db_exec(conn, sql->tokens, params, 2, NULL, err);
}

int session_store_revoke_session(db_conn *conn, const char *session_id, const char *reason,
                                 int64_t now, nh_error *err)
{
    static const revocation_sql sql = {
        .sessions = "UPDATE sessions SET revoked_at = $2, revoked_reason = $3 "
                    "WHERE id = $1 AND revoked_at IS NULL",
        .tokens = "UPDATE refresh_tokens SET revoked_at = $2 "
                  "WHERE session_id = $1 AND revoked_at IS NULL",
    };
    return revoke(conn, &sql, session_id, reason, now, NULL, err);
}

int session_store_revoke_user(db_conn *conn, const char *user_id, const char *reason, int64_t now,
                              int64_t *count, nh_error *err)
{
    static const revocation_sql sql = {
        .sessions = "UPDATE sessions SET revoked_at = $2, revoked_reason = $3 "
                    "WHERE user_id = $1 AND revoked_at IS NULL",
        .tokens = "UPDATE refresh_tokens SET revoked_at = $2 "
                  "WHERE user_id = $1 AND revoked_at IS NULL",
    };
    return revoke(conn, &sql, user_id, reason, now, count, err);
}

int session_store_is_live(db_conn *conn, const char *session_id, const char *user_id, int64_t now,
                          bool *live, nh_error *err)
{
    db_param params[] = {db_text(session_id), db_text(user_id), db_int(now)};
    db_result *result = NULL;
    int rc = db_query(conn,
                      "SELECT 1 FROM sessions WHERE id = $1 AND user_id = $2 "
                      "AND revoked_at IS NULL AND expires_at > $3",
                      params, 3, &result, err);
    if (rc != 0)
        return rc;
    *live = db_result_rows(result) > 0;
    db_result_free(result);
    return 0;
}

int session_store_purge(db_conn *conn, int64_t ended_before, int64_t failed_before, int64_t *purged,
                        nh_error *err)
{
    db_param sessions[] = {db_int(ended_before)};
    db_param failures[] = {db_int(failed_before)};
    int rc = db_exec(conn, "DELETE FROM sessions WHERE expires_at < $1 OR revoked_at < $1",
                     sessions, 1, purged, err);
    if (rc != 0)
        return rc;
    return db_exec(conn, "DELETE FROM login_failures WHERE occurred_at < $1", failures, 1, NULL,
                   err);
}
