/* sessions.c - sign-in, refresh rotation, logout, revocation, purge, throttling. */
#include "auth/sessions.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/password.h"
#include "auth/secret_token.h"
#include "auth/session_store.h"
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
    user_store_record_clear(&tokens->user);
    memset(tokens, 0, sizeof *tokens);
}

static int64_t days_ms(int days)
{
    return (int64_t)days * 24 * 3600 * 1000;
}

/* ---- throttling ------------------------------------------------------------------------ */

/* When at least `limit` failures match since window_start, the time (ms) until the oldest of
 * the newest `limit` leaves the window; else 0. *failures gets how many match (up to limit). */
static int throttle_wait(db_conn *conn, session_store_failure_key kind, const char *key, int limit,
                         int64_t window_start, int64_t window_ms, int64_t now, int64_t *wait_ms,
                         int *failures, nh_error *err)
{
    int64_t nth_newest = 0;
    int rc =
        session_store_failures(conn, kind, key, window_start, limit, failures, &nth_newest, err);
    if (rc != 0)
        return rc;
    *wait_ms = 0;
    if (*failures >= limit)
        *wait_ms = nth_newest + window_ms - now;
    if (*wait_ms > window_ms) /* recorded by a parallel attempt after `now` was taken */
        *wait_ms = window_ms;
    return 0;
}

/* 429 when the failures reach a limit; otherwise the counts, for admission. */
static int throttle_check(db_conn *conn, const config *cfg, const char *username_key,
                          const char *client, int64_t now, int *user_failures, int *client_failures,
                          nh_error *err)
{
    int64_t window_ms = (int64_t)cfg->login_window_minutes * 60000;
    int64_t window_start = now - window_ms;
    int64_t user_wait = 0, client_wait = 0;
    int rc = throttle_wait(conn, SESSION_STORE_BY_USERNAME, username_key,
                           cfg->login_max_failures_per_user, window_start, window_ms, now,
                           &user_wait, user_failures, err);
    if (rc == 0)
        rc =
            throttle_wait(conn, SESSION_STORE_BY_CLIENT, client, cfg->login_max_failures_per_client,
                          window_start, window_ms, now, &client_wait, client_failures, err);
    if (rc != 0)
        return rc;
    int64_t wait_ms = user_wait > client_wait ? user_wait : client_wait;
    if (wait_ms <= 0)
        return 0;
    int seconds = (int)((wait_ms + 999) / 1000); /* at most the window: minutes */
    return error_set_retry(err, 429, "auth_too_many_attempts", seconds,
                           "Too many failed sign-in attempts. Try again in %d seconds.", seconds);
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
                         const char *client, nh_error *err)
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
                                &client_failures, err);
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

/* ---- issuing --------------------------------------------------------------------------- */

static int sign_access_token(const auth_context *auth, const user_record *user,
                             const char *session_id, const char *jti, int64_t now,
                             session_tokens *out, nh_error *err)
{
    const config *cfg = auth->cfg;
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
    if (jwt_sign(auth->jwt, &claims, &out->access_token) != JWT_OK)
        return error_internal(err);
    out->access_expires_at = now + (int64_t)cfg->access_token_minutes * 60000;
    return 0;
}

/* Insert a new refresh token for the session, sign an access token; fills out (not user). */
static int issue_tokens(const auth_context *auth, db_conn *conn, const user_record *user,
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
    int rc = session_store_insert_token(conn, new_token_id, session_id, user->id, hash, jti, now,
                                        session_expires_at, err);
    if (rc != 0)
        return rc;
    return sign_access_token(auth, user, session_id, jti, now, out, err);
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

/* A refused sign-in: what is recorded (a failure counted for throttling, and an audit entry). */
typedef struct login_refusal {
    const audit_actor *actor;
    const char *username_key;
    const char *claimed; /* the username as typed */
    const user_record *user;
    bool found;
    const char *reason; /* "wrong_password", "unknown_user", "inactive" */
    bool count_failure;
} login_refusal;

static int record_refusal(db_conn *conn, void *context, nh_error *err)
{
    const login_refusal *refusal = context;
    int rc = 0;
    if (refusal->count_failure)
        rc = session_store_record_failure(conn, refusal->username_key,
                                          refusal->actor->client_address, clock_now_ms(), err);
    if (rc != 0)
        return rc;
    audit_actor named = *refusal->actor;
    named.actor_name_override = refusal->claimed;
    json_t *changes = json_pack("{s:s}", "reason", refusal->reason);
    rc = audit_simple(conn, &named, "auth.login_failed", refusal->found ? refusal->user->id : NULL,
                      refusal->claimed, changes, err);
    json_decref(changes);
    return rc;
}

/* A write that had to happen did not (`what` names it): logged, and a 503 - the database's own
 * when it gave one (disk full, busy: with Retry-After), else service_unavailable. */
static int write_lost(const char *what, const nh_error *cause, nh_error *err)
{
    nh_error why = *cause; /* cause may be err itself */
    log_message(LOG_ERROR, "sessions_write_failed", "%s could not be recorded: %s: %s", what,
                why.code, why.message);
    if (why.status == 503) {
        *err = why;
        return -1;
    }
    return error_set_retry(err, 503, "service_unavailable", 1,
                           "The server cannot record this right now; try again shortly.");
}

/* Record a failed sign-in and answer 401; 503 when it cannot be recorded, because an unrecorded
 * failure is a guess the throttle never counts. */
static int refuse_login(const auth_context *auth, const login_refusal *refusal, nh_error *err)
{
    nh_error write_error;
    if (db_transaction(auth->database, record_refusal, (void *)refusal, &write_error) != 0)
        return write_lost("a refused sign-in", &write_error, err);
    if (!strcmp(refusal->reason, "inactive"))
        return error_set(err, 401, "auth_user_inactive", "The user account is disabled.");
    return error_set(err, 401, "auth_invalid_credentials", "Invalid username or password.");
}

/* A sign-in that passed: the session to start. */
typedef struct login_start {
    const auth_context *auth;
    const audit_actor *actor;
    const char *username_key;
    const char *upgraded_hash; /* a new Argon2id hash to store in place of a legacy one, or NULL */
    session_tokens *out;
} login_start;

static int start_session(db_conn *conn, void *context, nh_error *err)
{
    const login_start *start = context;
    const audit_actor *actor = start->actor;
    const char *upgraded_hash = start->upgraded_hash;
    session_tokens *out = start->out;
    int64_t now = clock_now_ms();
    user_record *user = &out->user;
    char session_id[UUID_TEXT_SIZE], token_id[UUID_TEXT_SIZE];
    uuid_v7(session_id);
    int64_t session_expires_at = now + days_ms(start->auth->cfg->refresh_token_days);
    int rc = session_store_clear_failures(conn, start->username_key, err);
    if (rc == 0)
        rc = session_store_insert_session(conn, session_id, user->id, now, session_expires_at, err);
    if (rc == 0)
        rc = issue_tokens(start->auth, conn, user, session_id, session_expires_at, now, token_id,
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
static int judge_attempt(const auth_context *auth, const audit_actor *actor, const char *username,
                         const username_keys *keys, const char *username_key, const char *password,
                         session_tokens *out, nh_error *err)
{
    db *database = auth->database;
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
    if (!verified || !out->user.is_active) {
        login_refusal refusal = {.actor = actor,
                                 .username_key = username_key,
                                 .claimed = username,
                                 .user = &out->user,
                                 .found = found,
                                 .reason = !verified ? (found ? "wrong_password" : "unknown_user")
                                                     : "inactive",
                                 .count_failure = !verified};
        rc = refuse_login(auth, &refusal, err);
        sessions_tokens_clear(out);
        return rc;
    }
    /* A legacy (PBKDF2) hash is replaced by Argon2id; hashed here, before the write lock. */
    char upgraded[crypto_pwhash_STRBYTES];
    bool upgrade =
        password_needs_rehash(out->user.password_hash) && password_hash(password, upgraded) == 0;
    login_start start = {.auth = auth,
                         .actor = actor,
                         .username_key = username_key,
                         .upgraded_hash = upgrade ? upgraded : NULL,
                         .out = out};
    rc = db_transaction(database, start_session, &start, err);
    if (rc != 0)
        sessions_tokens_clear(out);
    return rc;
}

int sessions_login(const auth_context *auth, const audit_actor *actor, const char *username,
                   const char *password, session_tokens *out, nh_error *err)
{
    memset(out, 0, sizeof *out);
    username_keys keys;
    if (username_lookup_keys(username, &keys, err) != 0)
        return -1;
    /* Throttled per name as the rule compares names; a name too long for any row shares "". */
    const char *username_key = keys.key[0] ? keys.key : keys.legacy;
    if (admit_attempt(auth->database, auth->cfg, username_key, actor->client_address, err) != 0)
        return -1;
    int rc = judge_attempt(auth, actor, username, &keys, username_key, password, out, err);
    finish_attempt(username_key, actor->client_address);
    return rc;
}

/* ---- refresh --------------------------------------------------------------------------- */

/* One refresh. Some refusals write what must persist although the request fails (revoking a
 * session on reuse, marking an expired token): the step then succeeds, so the transaction
 * commits and a failed commit is reported rather than lost, and the refusal waits in
 * `refusal` until after the commit. */
typedef struct refresh_request {
    const auth_context *auth;
    const audit_actor *actor;
    const char *token;
    session_tokens *out;
    bool refused;
    nh_error refusal;
} refresh_request;

static int refuse_after_commit(refresh_request *request, const char *code, const char *message)
{
    request->refused = true;
    error_set(&request->refusal, 401, code, "%s", message);
    return 0;
}

/* A presented token that is already revoked: a lost race (rotated moments ago) or reuse. */
static int handle_revoked_token(db_conn *conn, refresh_request *request,
                                const session_store_token *token, int64_t now, nh_error *err)
{
    if (token->replaced && now - token->revoked_at < SESSIONS_RACE_GRACE_MS)
        return error_set(err, 401, "auth_refresh_token_invalid",
                         "This refresh token was just rotated by another request.");
    const user_record *user = &request->out->user;
    int rc = session_store_revoke_session(conn, token->session_id, "refresh_token_reuse", now, err);
    json_t *changes = json_pack("{s:s}", "sessionId", token->session_id);
    if (rc == 0)
        rc = audit_simple(conn, request->actor, "auth.refresh_reuse_detected", user->id,
                          user->username, changes, err);
    json_decref(changes);
    if (rc != 0)
        return rc;
    return refuse_after_commit(
        request, "auth_refresh_token_reused",
        "This refresh token was already used; the session has been revoked.");
}

/* The checks of a refresh, in the contract's order, and the rotation. */
static int rotate(db_conn *conn, void *context, nh_error *err)
{
    refresh_request *request = context;
    session_tokens *out = request->out;
    int64_t now = clock_now_ms();
    char hash[SECRET_TOKEN_HEX_SIZE];
    secret_token_sha256_hex(request->token, hash);
    session_store_token stored;
    bool found = false;
    int rc = session_store_find_token(conn, hash, &stored, &found, err);
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
        return handle_revoked_token(conn, request, &stored, now, err);
    if (stored.expires_at <= now || stored.session_expires_at <= now) {
        rc = session_store_revoke_token(conn, stored.id, now, err);
        if (rc != 0)
            return rc;
        return refuse_after_commit(request, "auth_refresh_token_expired",
                                   "The refresh token has expired.");
    }
    char new_id[UUID_TEXT_SIZE];
    rc = issue_tokens(request->auth, conn, &out->user, stored.session_id, stored.session_expires_at,
                      now, new_id, out, err);
    bool rotated = false;
    if (rc == 0)
        rc = session_store_rotate_token(conn, stored.id, new_id, now, &rotated, err);
    if (rc != 0)
        return rc;
    if (!rotated) /* a concurrent refresh won the race */
        return error_set(err, 401, "auth_refresh_token_invalid",
                         "This refresh token was just rotated by another request.");
    return 0;
}

int sessions_refresh(const auth_context *auth, const audit_actor *actor, const char *refresh_token,
                     session_tokens *out, nh_error *err)
{
    memset(out, 0, sizeof *out);
    refresh_request request = {.auth = auth, .actor = actor, .token = refresh_token, .out = out};
    int rc = db_transaction(auth->database, rotate, &request, err);
    if (rc != 0 && request.refused) /* the step succeeded, so its commit failed */
        rc = write_lost(strcmp(request.refusal.code, "auth_refresh_token_reused")
                            ? "an expired refresh token"
                            : "a refresh-token reuse (session revocation)",
                        err, err);
    if (rc == 0 && request.refused) {
        *err = request.refusal;
        rc = -1;
    }
    if (rc != 0)
        sessions_tokens_clear(out);
    return rc == 0 ? 0 : -1;
}

/* ---- logout and purge ------------------------------------------------------------------ */

typedef struct logout_request {
    const audit_actor *actor;
    const char *token; /* may be NULL */
} logout_request;

static int end_sessions(db_conn *conn, void *context, nh_error *err)
{
    const logout_request *request = context;
    const auth_principal *caller = request->actor->principal;
    int64_t now = clock_now_ms();
    int rc = 0;
    if (request->token) {
        char hash[SECRET_TOKEN_HEX_SIZE];
        secret_token_sha256_hex(request->token, hash);
        session_store_token stored;
        bool found = false;
        rc = session_store_find_token(conn, hash, &stored, &found, err);
        if (rc == 0 && found && !strcmp(stored.user_id, caller->user_id))
            rc = session_store_revoke_session(conn, stored.session_id, "logout", now, err);
    }
    if (rc == 0 && caller->session_id[0])
        rc = session_store_revoke_session(conn, caller->session_id, "logout", now, err);
    if (rc == 0)
        rc = audit_simple(conn, request->actor, "auth.logout", caller->user_id, caller->username,
                          NULL, err);
    return rc;
}

int sessions_logout(const auth_context *auth, const audit_actor *actor, const char *refresh_token,
                    nh_error *err)
{
    logout_request request = {.actor = actor, .token = refresh_token};
    return db_transaction(auth->database, end_sessions, &request, err) == 0 ? 0 : -1;
}

int sessions_purge(const auth_context *auth, int64_t now, nh_error *err)
{
    db_conn *conn = db_acquire(auth->database, err);
    if (!conn)
        return -1;
    int64_t window_start = now - (int64_t)auth->cfg->login_window_minutes * 60000;
    int64_t purged = 0;
    int rc = session_store_purge(conn, now - days_ms(1), window_start, &purged, err);
    db_release(auth->database, conn);
    if (rc == 0 && purged > 0)
        log_message(LOG_INFO, "sessions_purged", "%lld ended sessions removed", (long long)purged);
    return rc == 0 ? 0 : -1;
}
