/* account.c - the signed-in person's own account. */
#include "auth/account.h"

#include <sodium.h>

#include "auth/password.h"
#include "auth/session_store.h"
#include "auth/user_json.h"
#include "core/clock.h"
#include "core/json_input.h"
#include "core/text.h"

int account_me(const auth_context *auth, const char *user_id, json_t **out, nh_error *err)
{
    db_conn *conn = db_acquire(auth->database, err);
    if (!conn)
        return -1;
    user_record user;
    bool found = false;
    int rc = user_store_find_by_id(conn, user_id, false, &user, &found, err);
    db_release(auth->database, conn);
    if (rc != 0)
        return -1;
    if (!found)
        return error_set(err, 401, "auth_user_not_found", "The user no longer exists.");
    *out = user_json_of(&user);
    user_store_record_clear(&user);
    return *out ? 0 : error_internal(err);
}

int account_set_password(db_conn *conn, const audit_actor *actor, const char *action,
                         const user_record *user, const char *hash, nh_error *err)
{
    int64_t now = clock_now_ms();
    int64_t revoked = 0;
    int rc = user_store_set_password(conn, user->id, hash, now, err);
    if (rc == 0)
        rc = session_store_revoke_user(conn, user->id, "password_changed", now, &revoked, err);
    if (rc != 0)
        return rc;
    json_t *changes = json_pack("{s:I}", "sessionsRevoked", (json_int_t)revoked);
    if (!changes)
        return error_internal(err);
    audit_entry entry = {.action = action,
                         .target_type = "user",
                         .target_id = user->id,
                         .target_name = user->username,
                         .changes = changes};
    rc = audit_record(conn, actor, &entry, err);
    json_decref(changes);
    return rc;
}

/* A required non-blank string member of the body; 400 request_invalid otherwise. */
static int required_field(const json_t *body, const char *name, const char **out, nh_error *err)
{
    if (!json_is_object(body))
        return error_set(err, 400, "request_invalid",
                         body ? "The request body must be a JSON object."
                              : "A non-empty request body is required.");
    const json_t *value = json_input_get(body, name);
    if (value && !json_is_null(value) && !json_is_string(value))
        return error_set(err, 400, "request_invalid", "The %s field must be a string.", name);
    *out = json_string_value(value);
    if (text_is_blank(*out))
        return error_set(err, 400, "request_invalid", "The %s field is required.", name);
    return 0;
}

typedef struct password_change {
    const audit_actor *actor;
    const user_record *user;
    const char *hash;
} password_change;

static int change_step(db_conn *conn, void *context, nh_error *err)
{
    const password_change *change = context;
    return account_set_password(conn, change->actor, "user.change_password", change->user,
                                change->hash, err);
}

int account_change_password(const auth_context *auth, const audit_actor *actor, const json_t *body,
                            nh_error *err)
{
    const char *current = NULL, *fresh = NULL;
    if (required_field(body, "currentPassword", &current, err) != 0 ||
        required_field(body, "newPassword", &fresh, err) != 0)
        return -1;
    db_conn *conn = db_acquire(auth->database, err);
    if (!conn)
        return -1;
    user_record user;
    bool found = false;
    int rc = user_store_find_by_id(conn, actor->principal->user_id, true, &user, &found, err);
    db_release(auth->database, conn);
    if (rc == 0 && !found)
        rc = error_set(err, 401, "auth_unauthorized", "Authentication is required.");
    if (rc == 0 && !password_verify(user.password_hash, current))
        rc = error_set(err, 400, "auth_current_password_invalid",
                       "The current password is not correct.");
    if (rc == 0)
        rc = password_check_policy(fresh, auth->cfg->password_min_length, err);
    char hash[crypto_pwhash_STRBYTES];
    if (rc == 0 && password_hash(fresh, hash) != 0)
        rc = error_internal(err);
    password_change change = {.actor = actor, .user = &user, .hash = hash};
    if (rc == 0)
        rc = db_transaction(auth->database, change_step, &change, err);
    user_store_record_clear(&user);
    return rc == 0 ? 0 : -1;
}
