/* sessions.c - sign-in, refresh rotation, logout, revocation, purge, throttling. */
#include "auth/sessions.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth_context.h"
#include "auth/password.h"
#include "auth/secret_token.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/uuid.h"

void sessions_tokens_clear(session_tokens *tokens)
{
    free(tokens->access_token);
    if (tokens->refresh_token) {
        sodium_memzero(tokens->refresh_token, strlen(tokens->refresh_token));
        free(tokens->refresh_token);
    }
    user_record_clear(&tokens->user);
    memset(tokens, 0, sizeof *tokens);
}

static int64_t days_ms(int days)
{
    return (int64_t)days * 24 * 3600 * 1000;
}

/* ---- throttling ------------------------------------------------------------------------ */

/* When at least `limit` failures match since window_start, the time (ms) until the oldest of
 * the newest `limit` leaves the window; else 0. *failures gets how many match (up to limit). */
static int throttle_wait(db_conn *conn, const char *column, const char *key, int limit,
                         int64_t window_start, int64_t window_ms, int64_t now, int64_t *wait_ms,
                         int *failures, nh_error *err)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT occurred_at FROM login_failures WHERE %s = $1 AND occurred_at > $2 "
             "ORDER BY occurred_at DESC LIMIT $3",
             column);
    db_param params[] = {db_text(key), db_int(window_start), db_int(limit)};
    db_result *result = NULL;
    int rc = db_query(conn, sql, params, 3, &result, err);
    if (rc != 0)
        return rc;
    *failures = (int)db_result_rows(result);
    *wait_ms = 0;
    if (*failures >= limit)
        *wait_ms = db_result_int64(result, (size_t)limit - 1, 0) + window_ms - now;
    if (*wait_ms > window_ms) /* recorded by a parallel attempt after `now` was taken */
        *wait_ms = window_ms;
    db_result_free(result);
    return 0;
}

/* 429 when the failures reach a limit; otherwise the counts, for admission. */
static int throttle_check(db_conn *conn, const config *cfg, const char *username_key,
                          const char *client, int64_t now, int *user_failures, int *client_failures,
                          int64_t *retry_after_seconds, nh_error *err)
{
    int64_t window_ms = (int64_t)cfg->login_window_minutes * 60000;
    int64_t window_start = now - window_ms;
    int64_t user_wait = 0, client_wait = 0;
    int rc = throttle_wait(conn, "username_key", username_key, cfg->login_max_failures_per_user,
                           window_start, window_ms, now, &user_wait, user_failures, err);
    if (rc == 0)
        rc = throttle_wait(conn, "client_address", client, cfg->login_max_failures_per_client,
                           window_start, window_ms, now, &client_wait, client_failures, err);
    if (rc != 0)
        return rc;
    int64_t wait_ms = user_wait > client_wait ? user_wait : client_wait;
    if (wait_ms <= 0)
        return 0;
    *retry_after_seconds = (wait_ms + 999) / 1000;
    return error_set(err, 429, "auth_too_many_attempts",
                     "Too many failed sign-in attempts. Try again in %lld seconds.",
                     (long long)*retry_after_seconds);
}

/* Sign-in attempts being judged right now (in this process), per username key and per client
 * address. An attempt is admitted only while failures + attempts in flight stay under both
 * limits, otherwise it waits for those in flight to finish and looks again: parallel attempts
 * cannot get more guesses than the limit, and nobody is refused for attempts that may still
 * succeed. `generation` counts finished attempts, so an admission never rests on failure counts
 * read before one of them was recorded. */
#define ATTEMPT_KEY_SIZE (USERNAME_KEY_MAX_BYTES + 3)

typedef struct attempt_count {
    char key[ATTEMPT_KEY_SIZE];
    int count;
    struct attempt_count *next;
} attempt_count;

static struct {
    pthread_mutex_t lock;
    pthread_cond_t finished;
    uint64_t generation;
    attempt_count *counts;
} attempts = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, NULL};

/* The count of key (lock held); created at 0 when create, else NULL when absent. */
static attempt_count *attempt_slot(const char *key, bool create)
{
    for (attempt_count *slot = attempts.counts; slot; slot = slot->next)
        if (!strcmp(slot->key, key))
            return slot;
    if (!create)
        return NULL;
    attempt_count *slot = calloc(1, sizeof *slot);
    if (!slot)
        return NULL;
    snprintf(slot->key, sizeof slot->key, "%s", key);
    slot->next = attempts.counts;
    attempts.counts = slot;
    return slot;
}

static int in_flight(const char *key)
{
    attempt_count *slot = attempt_slot(key, false);
    return slot ? slot->count : 0;
}

/* Add delta to key's count (lock held); a count back at 0 is removed. -1 when out of memory. */
static int count_attempt(const char *key, int delta)
{
    attempt_count *slot = attempt_slot(key, true);
    if (!slot)
        return -1;
    slot->count += delta;
    if (slot->count > 0)
        return 0;
    for (attempt_count **link = &attempts.counts; *link; link = &(*link)->next) {
        if (*link == slot) {
            *link = slot->next;
            free(slot);
            break;
        }
    }
    return 0;
}

static void attempt_keys(const char *username_key, const char *client, char *user_key,
                         char *client_key, size_t size)
{
    snprintf(user_key, size, "u:%s", username_key);
    snprintf(client_key, size, "c:%s", client);
}

/* Wait for admission (0) or refuse: 429 when the failures reach a limit, or a database error. */
static int admit_attempt(db *database, const config *cfg, const char *username_key,
                         const char *client, int64_t *retry_after_seconds, nh_error *err)
{
    char user_key[ATTEMPT_KEY_SIZE], client_key[ATTEMPT_KEY_SIZE];
    attempt_keys(username_key, client, user_key, client_key, sizeof user_key);
    for (;;) {
        pthread_mutex_lock(&attempts.lock);
        uint64_t seen = attempts.generation;
        pthread_mutex_unlock(&attempts.lock);
        db_conn *conn = db_acquire(database, err);
        if (!conn)
            return -1;
        int user_failures = 0, client_failures = 0;
        int rc = throttle_check(conn, cfg, username_key, client, clock_now_ms(), &user_failures,
                                &client_failures, retry_after_seconds, err);
        db_release(database, conn);
        if (rc != 0)
            return rc;
        pthread_mutex_lock(&attempts.lock);
        if (attempts.generation == seen) {
            if (user_failures + in_flight(user_key) < cfg->login_max_failures_per_user &&
                client_failures + in_flight(client_key) < cfg->login_max_failures_per_client) {
                rc = count_attempt(user_key, 1);
                if (rc == 0 && count_attempt(client_key, 1) != 0) {
                    count_attempt(user_key, -1);
                    rc = -1;
                }
                pthread_mutex_unlock(&attempts.lock);
                return rc == 0 ? 0 : error_internal(err);
            }
            while (attempts.generation == seen)
                pthread_cond_wait(&attempts.finished, &attempts.lock);
        }
        pthread_mutex_unlock(&attempts.lock);
    }
}

/* An admitted attempt is over (its failure, if any, is recorded). */
static void finish_attempt(const char *username_key, const char *client)
{
    char user_key[ATTEMPT_KEY_SIZE], client_key[ATTEMPT_KEY_SIZE];
    attempt_keys(username_key, client, user_key, client_key, sizeof user_key);
    pthread_mutex_lock(&attempts.lock);
    count_attempt(user_key, -1);
    count_attempt(client_key, -1);
    attempts.generation++;
    pthread_cond_broadcast(&attempts.finished);
    pthread_mutex_unlock(&attempts.lock);
}

static int record_failure(db_conn *conn, const char *username_key, const char *client, int64_t now,
                          nh_error *err)
{
    char id[UUID_TEXT_SIZE];
    uuid_v7(id);
    db_param params[] = {db_text(id), db_text(username_key), db_text(client), db_int(now)};
    return db_exec(conn,
                   "INSERT INTO login_failures (id, username_key, client_address, occurred_at) "
                   "VALUES ($1, $2, $3, $4)",
                   params, 4, NULL, err);
}

static int clear_failures(db_conn *conn, const char *username_key, nh_error *err)
{
    db_param params[] = {db_text(username_key)};
    return db_exec(conn, "DELETE FROM login_failures WHERE username_key = $1", params, 1, NULL,
                   err);
}

/* ---- issuing --------------------------------------------------------------------------- */

static int sign_access_token(app *application, const user_record *user, const char *session_id,
                             const char *jti, int64_t now, session_tokens *out, nh_error *err)
{
    const config *cfg = application->cfg;
    int64_t now_seconds = now / 1000;
    jwt_claims claims = {.iss = cfg->jwt_issuer,
                         .aud = cfg->jwt_audience,
                         .sub = (char *)user->id,
                         .name = (char *)user->username,
                         .role = user->role,
                         .jti = (char *)jti,
                         .sid = (char *)session_id,
                         .iat = now_seconds,
                         .nbf = now_seconds,
                         .exp = now_seconds + (int64_t)cfg->access_token_minutes * 60};
    if (jwt_sign(application->auth->jwt, &claims, &out->access_token) != JWT_OK)
        return error_internal(err);
    out->access_expires_at = now + (int64_t)cfg->access_token_minutes * 60000;
    return 0;
}

/* Insert a new refresh token for the session, sign an access token; fills out (not user). */
static int issue_tokens(app *application, db_conn *conn, const user_record *user,
                        const char *session_id, int64_t session_expires_at, int64_t now,
                        char new_token_id[UUID_TEXT_SIZE], session_tokens *out, nh_error *err)
{
    char jti[UUID_TEXT_SIZE], hash[SECRET_TOKEN_HEX_SIZE];
    uuid_v7(new_token_id);
    uuid_v7(jti);
    if (secret_token_refresh(&out->refresh_token) != 0)
        return error_internal(err);
    secret_token_sha256_hex(out->refresh_token, hash);
    out->refresh_expires_at = session_expires_at;
    db_param params[] = {
        db_text(new_token_id), db_text(session_id), db_text(user->id),         db_text(hash),
        db_text(jti),          db_int(now),         db_int(session_expires_at)};
    int rc = db_exec(conn,
                     "INSERT INTO refresh_tokens (id, session_id, user_id, token_hash, jwt_id, "
                     "created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                     params, 7, NULL, err);
    if (rc != 0)
        return rc;
    return sign_access_token(application, user, session_id, jti, now, out, err);
}

/* ---- sign-in --------------------------------------------------------------------------- */

static int audit_simple(db_conn *conn, const audit_actor *actor, const char *action,
                        const char *target_id, const char *target_name, json_t *changes,
                        nh_error *err)
{
    audit_entry entry = {.action = action,
                         .target_type = "user",
                         .target_id = target_id,
                         .target_name = target_name,
                         .changes = changes};
    return audit_record(conn, actor, &entry, err);
}

static int finish_transaction(db_conn *conn, int rc, nh_error *err)
{
    if (rc != 0) {
        db_rollback(conn);
        return rc;
    }
    return db_commit(conn, err);
}

/* Record a failed sign-in (counted for throttling) and answer 401. */
static int refuse_login(db *database, const audit_actor *actor, const char *username_key,
                        const char *claimed, const user_record *user, bool found,
                        const char *reason, bool count_failure, nh_error *err)
{
    nh_error write_error;
    db_conn *conn = db_acquire(database, &write_error);
    if (conn) {
        int64_t now = clock_now_ms();
        int rc = db_begin(conn, &write_error);
        if (rc == 0 && count_failure)
            rc = record_failure(conn, username_key, actor->client_address, now, &write_error);
        audit_actor named = *actor;
        named.actor_name_override = claimed;
        json_t *changes = json_pack("{s:s}", "reason", reason);
        if (rc == 0)
            rc = audit_simple(conn, &named, "auth.login_failed", found ? user->id : NULL, claimed,
                              changes, &write_error);
        json_decref(changes);
        finish_transaction(conn, rc, &write_error);
        db_release(database, conn);
    }
    if (!strcmp(reason, "inactive"))
        return error_set(err, 401, "auth_user_inactive", "The user account is disabled.");
    return error_set(err, 401, "auth_invalid_credentials", "Invalid username or password.");
}

/* upgraded_hash: a new Argon2id hash to store in place of a legacy one, or NULL. */
static int start_session(app *application, db_conn *conn, const audit_actor *actor,
                         const char *username_key, const char *upgraded_hash, session_tokens *out,
                         nh_error *err)
{
    const config *cfg = application->cfg;
    int64_t now = clock_now_ms();
    user_record *user = &out->user;
    char session_id[UUID_TEXT_SIZE], token_id[UUID_TEXT_SIZE];
    uuid_v7(session_id);
    int64_t session_expires_at = now + days_ms(cfg->refresh_token_days);
    db_param session[] = {db_text(session_id), db_text(user->id), db_int(now),
                          db_int(session_expires_at)};
    int rc = clear_failures(conn, username_key, err);
    if (rc == 0)
        rc = db_exec(conn,
                     "INSERT INTO sessions (id, user_id, created_at, expires_at) "
                     "VALUES ($1, $2, $3, $4)",
                     session, 4, NULL, err);
    if (rc == 0)
        rc = issue_tokens(application, conn, user, session_id, session_expires_at, now, token_id,
                          out, err);
    if (rc == 0)
        rc = user_store_set_last_login(conn, user->id, now, err);
    if (rc == 0 && upgraded_hash)
        rc = user_store_set_password(conn, user->id, upgraded_hash, now, err);
    if (rc == 0) {
        audit_actor self = *actor;
        auth_principal principal = {.kind = PRINCIPAL_USER, .role = (int)user->role};
        snprintf(principal.user_id, sizeof principal.user_id, "%s", user->id);
        snprintf(principal.username, sizeof principal.username, "%s", user->username);
        self.principal = &principal;
        rc = audit_simple(conn, &self, "auth.login", user->id, user->username, NULL, err);
    }
    user->last_login_at = now;
    user->updated_at = now;
    return rc;
}

/* Judge an admitted attempt: look the user up, verify, and start a session or refuse. */
static int judge_attempt(app *application, const audit_actor *actor, const char *username,
                         const username_keys *keys, const char *username_key, const char *password,
                         session_tokens *out, nh_error *err)
{
    db *database = application->database;
    db_conn *conn = db_acquire(database, err);
    if (!conn)
        return -1;
    bool found = false;
    int rc = user_store_find_by_keys(conn, keys->key, keys->legacy, true, &out->user, &found, err);
    db_release(database, conn);
    if (rc != 0)
        return rc;

    /* The slow part runs without a connection or a transaction held. */
    bool verified = found ? password_verify(out->user.password_hash, password)
                          : password_dummy_verify(password);
    if (!verified) {
        rc = refuse_login(database, actor, username_key, username, &out->user, found,
                          found ? "wrong_password" : "unknown_user", true, err);
        sessions_tokens_clear(out);
        return rc;
    }
    if (!out->user.is_active) {
        rc = refuse_login(database, actor, username_key, username, &out->user, true, "inactive",
                          false, err);
        sessions_tokens_clear(out);
        return rc;
    }
    /* A legacy (PBKDF2) hash is replaced by Argon2id; hashed here, before the write lock. */
    char upgraded[crypto_pwhash_STRBYTES];
    bool upgrade =
        password_needs_rehash(out->user.password_hash) && password_hash(password, upgraded) == 0;
    conn = db_acquire(database, err);
    if (!conn) {
        sessions_tokens_clear(out);
        return -1;
    }
    rc = db_begin(conn, err);
    if (rc == 0)
        rc = start_session(application, conn, actor, username_key, upgrade ? upgraded : NULL, out,
                           err);
    rc = finish_transaction(conn, rc, err);
    db_release(database, conn);
    if (rc != 0)
        sessions_tokens_clear(out);
    return rc;
}

int sessions_login(app *application, const audit_actor *actor, const char *username,
                   const char *password, session_tokens *out, int64_t *retry_after_seconds,
                   nh_error *err)
{
    memset(out, 0, sizeof *out);
    username_keys keys;
    if (username_lookup_keys(username, &keys, err) != 0)
        return -1;
    /* Throttled per name as the rule compares names; a name too long for any row shares "". */
    const char *username_key = keys.key[0] ? keys.key : keys.legacy;
    if (admit_attempt(application->database, application->cfg, username_key, actor->client_address,
                      retry_after_seconds, err) != 0)
        return -1;
    int rc = judge_attempt(application, actor, username, &keys, username_key, password, out, err);
    finish_attempt(username_key, actor->client_address);
    return rc;
}

/* ---- refresh --------------------------------------------------------------------------- */

typedef struct stored_token {
    char id[UUID_TEXT_SIZE];
    char session_id[UUID_TEXT_SIZE];
    char user_id[UUID_TEXT_SIZE];
    int64_t expires_at;
    int64_t revoked_at; /* 0 = live */
    bool replaced;
    int64_t session_expires_at;
    int64_t session_revoked_at; /* 0 = live */
} stored_token;

static int find_token(db_conn *conn, const char *token, stored_token *out, bool *found,
                      nh_error *err)
{
    char hash[SECRET_TOKEN_HEX_SIZE];
    secret_token_sha256_hex(token, hash);
    db_param params[] = {db_text(hash)};
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
        out->revoked_at = db_result_is_null(result, 0, 4) ? 0 : db_result_int64(result, 0, 4);
        out->replaced = !db_result_is_null(result, 0, 5);
        out->session_expires_at = db_result_int64(result, 0, 6);
        out->session_revoked_at =
            db_result_is_null(result, 0, 7) ? 0 : db_result_int64(result, 0, 7);
    }
    db_result_free(result);
    return 0;
}

static int revoke_session(db_conn *conn, const char *session_id, const char *reason, int64_t now,
                          nh_error *err)
{
    db_param params[] = {db_text(session_id), db_int(now), db_text(reason)};
    int rc = db_exec(conn,
                     "UPDATE sessions SET revoked_at = $2, revoked_reason = $3 "
                     "WHERE id = $1 AND revoked_at IS NULL",
                     params, 3, NULL, err);
    if (rc != 0)
        return rc;
    return db_exec(conn,
                   "UPDATE refresh_tokens SET revoked_at = $2 "
                   "WHERE session_id = $1 AND revoked_at IS NULL",
                   params, 2, NULL, err);
}

/* A presented token that is already revoked: a lost race (rotated moments ago) or reuse. */
static int handle_revoked_token(db_conn *conn, const audit_actor *actor, const stored_token *token,
                                const user_record *user, int64_t now, bool *commit, nh_error *err)
{
    if (token->replaced && now - token->revoked_at < SESSIONS_RACE_GRACE_MS) {
        *commit = false;
        return error_set(err, 401, "auth_refresh_token_invalid",
                         "This refresh token was just rotated by another request.");
    }
    int rc = revoke_session(conn, token->session_id, "refresh_token_reuse", now, err);
    json_t *changes = json_pack("{s:s}", "sessionId", token->session_id);
    if (rc == 0)
        rc = audit_simple(conn, actor, "auth.refresh_reuse_detected", user->id, user->username,
                          changes, err);
    json_decref(changes);
    if (rc != 0)
        return rc;
    *commit = true;
    return error_set(err, 401, "auth_refresh_token_reused",
                     "This refresh token was already used; the session has been revoked.");
}

static int mark_token_revoked(db_conn *conn, const char *token_id, int64_t now, nh_error *err)
{
    db_param params[] = {db_text(token_id), db_int(now)};
    return db_exec(conn,
                   "UPDATE refresh_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
                   params, 2, NULL, err);
}

/* The checks of a refresh, in the contract's order. On an error, *commit says whether the
 * writes made so far must persist (reuse revocation, expiry marking). */
static int rotate(app *application, db_conn *conn, const audit_actor *actor, const char *token,
                  session_tokens *out, bool *commit, nh_error *err)
{
    int64_t now = clock_now_ms();
    stored_token stored;
    bool found = false;
    *commit = false;
    int rc = find_token(conn, token, &stored, &found, err);
    if (rc != 0)
        return rc;
    if (!found)
        return error_set(err, 401, "auth_refresh_token_invalid", "The refresh token is invalid.");
    bool user_found = false;
    rc = user_store_find_by_id(conn, stored.user_id, false, &out->user, &user_found, err);
    if (rc != 0)
        return rc;
    if (!user_found)
        return error_set(err, 401, "auth_refresh_token_invalid", "The refresh token is invalid.");
    if (!out->user.is_active)
        return error_set(err, 401, "auth_user_inactive", "The user account is disabled.");
    /* Revoking a session (logout, disable, password or role change) also marks its tokens
     * revoked; only a token that was rotated away is evidence of reuse. */
    if (stored.session_revoked_at && !stored.replaced)
        return error_set(err, 401, "auth_refresh_token_invalid", "This session has ended.");
    if (stored.revoked_at)
        return handle_revoked_token(conn, actor, &stored, &out->user, now, commit, err);
    if (stored.expires_at <= now || stored.session_expires_at <= now) {
        rc = mark_token_revoked(conn, stored.id, now, err);
        if (rc != 0)
            return rc;
        *commit = true;
        return error_set(err, 401, "auth_refresh_token_expired", "The refresh token has expired.");
    }
    char new_id[UUID_TEXT_SIZE];
    rc = issue_tokens(application, conn, &out->user, stored.session_id, stored.session_expires_at,
                      now, new_id, out, err);
    if (rc != 0)
        return rc;
    db_param params[] = {db_text(stored.id), db_int(now), db_text(new_id)};
    int64_t changed = 0;
    rc = db_exec(conn,
                 "UPDATE refresh_tokens SET revoked_at = $2, replaced_by_token_id = $3 "
                 "WHERE id = $1 AND revoked_at IS NULL",
                 params, 3, &changed, err);
    if (rc != 0)
        return rc;
    if (changed != 1) /* a concurrent refresh won the race */
        return error_set(err, 401, "auth_refresh_token_invalid",
                         "This refresh token was just rotated by another request.");
    *commit = true;
    return 0;
}

int sessions_refresh(app *application, const audit_actor *actor, const char *refresh_token,
                     session_tokens *out, nh_error *err)
{
    memset(out, 0, sizeof *out);
    db_conn *conn = db_acquire(application->database, err);
    if (!conn)
        return -1;
    bool commit = false;
    int rc = db_begin(conn, err);
    if (rc == 0) {
        rc = rotate(application, conn, actor, refresh_token, out, &commit, err);
        if (commit) {
            nh_error commit_error;
            if (db_commit(conn, rc == 0 ? err : &commit_error) != 0 && rc == 0)
                rc = -1;
        } else {
            db_rollback(conn);
        }
    }
    db_release(application->database, conn);
    if (rc != 0)
        sessions_tokens_clear(out);
    return rc;
}

/* ---- logout and revocation ------------------------------------------------------------- */

int sessions_logout(app *application, const audit_actor *actor, const char *refresh_token,
                    nh_error *err)
{
    const auth_principal *caller = actor->principal;
    int64_t now = clock_now_ms();
    db_conn *conn = db_acquire(application->database, err);
    if (!conn)
        return -1;
    int rc = db_begin(conn, err);
    if (rc == 0 && refresh_token) {
        stored_token stored;
        bool found = false;
        rc = find_token(conn, refresh_token, &stored, &found, err);
        if (rc == 0 && found && !strcmp(stored.user_id, caller->user_id))
            rc = revoke_session(conn, stored.session_id, "logout", now, err);
    }
    if (rc == 0 && caller->session_id[0])
        rc = revoke_session(conn, caller->session_id, "logout", now, err);
    if (rc == 0)
        rc = audit_simple(conn, actor, "auth.logout", caller->user_id, caller->username, NULL, err);
    rc = finish_transaction(conn, rc, err);
    db_release(application->database, conn);
    return rc;
}

int sessions_revoke_user(db_conn *conn, const char *user_id, const char *reason, int64_t now,
                         int64_t *count, nh_error *err)
{
    db_param params[] = {db_text(user_id), db_int(now), db_text(reason)};
    int rc = db_exec(conn,
                     "UPDATE sessions SET revoked_at = $2, revoked_reason = $3 "
                     "WHERE user_id = $1 AND revoked_at IS NULL",
                     params, 3, count, err);
    if (rc != 0)
        return rc;
    return db_exec(conn,
                   "UPDATE refresh_tokens SET revoked_at = $2 "
                   "WHERE user_id = $1 AND revoked_at IS NULL",
                   params, 2, NULL, err);
}

int sessions_check(db_conn *conn, const char *session_id, const char *user_id, int64_t now,
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

int sessions_purge(db *database, const config *cfg, int64_t now, nh_error *err)
{
    db_conn *conn = db_acquire(database, err);
    if (!conn)
        return -1;
    int64_t cutoff = now - days_ms(1);
    int64_t window_start = now - (int64_t)cfg->login_window_minutes * 60000;
    db_param sessions_params[] = {db_int(cutoff)};
    db_param failure_params[] = {db_int(window_start)};
    int64_t purged = 0;
    int rc = db_exec(conn, "DELETE FROM sessions WHERE expires_at < $1 OR revoked_at < $1",
                     sessions_params, 1, &purged, err);
    if (rc == 0)
        rc = db_exec(conn, "DELETE FROM login_failures WHERE occurred_at < $1", failure_params, 1,
                     NULL, err);
    db_release(database, conn);
    if (rc == 0 && purged > 0)
        log_message(LOG_INFO, "sessions_purged", "%lld ended sessions removed", (long long)purged);
    return rc;
}
