/* api_keys.c - personal API keys: creation, listing, revocation, authentication. */
#include "auth/api_keys.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/api_key_store.h"
#include "auth/permissions.h"
#include "auth/secret_token.h"
#include "core/clock.h"
#include "core/json_input.h"
#include "core/text.h"
#include "core/log.h"
#include "core/uuid.h"

#define LAST_USED_RESOLUTION_MS 60000

static int key_invalid(nh_error *err)
{
    return error_set(err, 401, "api_key_invalid", "API key is invalid.");
}

/* Record when the key was last used, at most once a minute. A failure costs only that record:
 * it is logged, and the request goes on. */
static void touch_key(db_conn *conn, const api_key_store_row *key, int64_t now)
{
    if (now - key->last_used_at < LAST_USED_RESOLUTION_MS)
        return;
    nh_error err;
    if (api_key_store_touch(conn, key->id, now, &err) != 0)
        log_message(LOG_WARN, "api_key_touch_failed", "last use of key %s not recorded: %s",
                    key->id, err.message);
}

static int authenticate_on(db_conn *conn, const char *key, int64_t now, api_key_owner *out,
                           nh_error *err)
{
    char hash[SECRET_TOKEN_HEX_SIZE];
    secret_token_sha256_hex(key, hash);
    api_key_store_row row;
    bool found = false;
    int rc = api_key_store_find_by_hash(conn, hash, &row, &found, err);
    if (rc != 0)
        return rc;
    if (!found || row.revoked_at || (row.expires_at && row.expires_at <= now))
        return key_invalid(err);
    snprintf(out->key_id, sizeof out->key_id, "%s", row.id);
    rc = user_store_find_by_id(conn, row.user_id, false, &out->user, &found, err);
    if (rc != 0)
        return rc;
    if (!found || !out->user.is_active) {
        user_store_record_clear(&out->user);
        return key_invalid(err);
    }
    out->effective_permissions = row.permissions & out->user.permissions;
    touch_key(conn, &row, now);
    return 0;
}

int api_keys_authenticate(const auth_context *auth, const char *key, int64_t now,
                          api_key_owner *out, nh_error *err)
{
    memset(out, 0, sizeof *out);
    db_conn *conn = db_acquire(auth->database, err);
    if (!conn)
        return -1;
    int rc = authenticate_on(conn, key, now, out, err);
    db_release(auth->database, conn);
    return rc == 0 ? 0 : -1;
}

typedef struct key_request {
    char *name;
    uint32_t permissions;
    int64_t expires_at; /* 0 = never */
} key_request;

static int parse_key_request(const json_t *body, const user_record *owner, int64_t now,
                             key_request *out, nh_error *err)
{
    memset(out, 0, sizeof *out);
    if (!json_is_object(body))
        return error_set(err, 400, "request_invalid", "A non-empty request body is required.");
    const json_t *name = json_input_get(body, "name");
    if (name && !json_is_string(name) && !json_is_null(name))
        return error_set(err, 400, "request_invalid", "The name field must be a string.");
    if (!name || !json_is_string(name) || text_is_blank(json_string_value(name)))
        return error_set(err, 400, "api_key_name_required", "A key name is required.");
    out->name = text_trimmed_copy(json_string_value(name));
    if (!out->name)
        return error_internal(err);
    if (text_utf8_length(out->name) > API_KEY_NAME_MAX_CHARACTERS)
        return error_set(err, 400, "api_key_name_too_long",
                         "The key name must be at most %d characters.",
                         API_KEY_NAME_MAX_CHARACTERS);
    const json_t *permissions = json_input_get(body, "permissions");
    if (!json_is_array(permissions) || json_array_size(permissions) == 0)
        return error_set(err, 400, "api_key_permissions_required",
                         "A key needs a non-empty list of permissions.");
    if (permissions_normalize(permissions, &out->permissions, err) != 0)
        return -1;
    uint32_t missing = out->permissions & ~owner->permissions;
    if (missing) {
        for (int p = 0; p < PERMISSION_COUNT; p++)
            if (permissions_has(missing, (permission)p))
                return error_set(err, 403, "api_key_permission_grant_forbidden",
                                 "You cannot give a key the permission '%s': you do not hold it.",
                                 permission_name((permission)p));
    }
    const json_t *expires = json_input_get(body, "expiresAtUtc");
    if (expires && !json_is_null(expires)) {
        if (!json_is_string(expires) ||
            !clock_parse_iso(json_string_value(expires), &out->expires_at))
            return error_set(err, 400, "api_key_expiry_invalid",
                             "expiresAtUtc must be an ISO-8601 date-time with an offset.");
        if (out->expires_at <= now)
            return error_set(err, 400, "api_key_expiry_invalid",
                             "expiresAtUtc must be in the future.");
    }
    return 0;
}

static int audit_key(db_conn *conn, const audit_actor *actor, const char *action,
                     const char *key_id, const char *key_name, const user_record *owner,
                     nh_error *err)
{
    json_t *changes = json_pack("{s:s, s:s}", "ownerId", owner->id, "ownerName", owner->username);
    audit_entry entry = {.action = action,
                         .target_type = "api_key",
                         .target_id = key_id,
                         .target_name = key_name,
                         .changes = changes};
    int rc = audit_record(conn, actor, &entry, err);
    json_decref(changes);
    return rc;
}

static json_t *created_key_json(const char *id, const key_request *request, const char *prefix,
                                const char *secret, int64_t now)
{
    char created[CLOCK_ISO_SIZE], expires[CLOCK_ISO_SIZE];
    clock_format_iso(now, created);
    clock_format_iso(request->expires_at, expires);
    return json_pack("{s:s, s:s, s:s, s:o, s:s, s:n, s:o, s:s}", "id", id, "name", request->name,
                     "prefix", prefix, "permissions",
                     permissions_to_json(request->permissions, false), "createdAtUtc", created,
                     "lastUsedAtUtc", "expiresAtUtc",
                     request->expires_at ? json_string(expires) : json_null(), "key", secret);
}

/* One key action (create or revoke) on the keys of the user owner_id, who is loaded in the
 * same transaction. */
typedef struct key_action {
    const audit_actor *actor;
    const char *owner_id;
    user_record owner;
    /* create */
    const json_t *body;
    json_t *created;
    /* revoke */
    const char *key_id;
} key_action;

static int create_step(db_conn *conn, void *context, nh_error *err)
{
    key_action *action = context;
    bool found = false;
    int rc = user_store_find_by_id(conn, action->owner_id, false, &action->owner, &found, err);
    if (rc != 0)
        return rc;
    if (!found)
        return error_set(err, 401, "auth_unauthorized", "Authentication is required.");
    int64_t now = clock_now_ms();
    key_request request;
    rc = parse_key_request(action->body, &action->owner, now, &request, err);
    char id[UUID_TEXT_SIZE], prefix[16], hash[SECRET_TOKEN_HEX_SIZE];
    char *secret = NULL;
    uuid_v7(id);
    if (rc == 0 && secret_token_api_key(&secret, prefix) != 0)
        rc = error_internal(err);
    if (rc == 0) {
        secret_token_sha256_hex(secret, hash);
        api_key_store_new key = {.id = id,
                                 .user_id = action->owner.id,
                                 .name = request.name,
                                 .prefix = prefix,
                                 .key_hash = hash,
                                 .permissions = request.permissions,
                                 .created_at = now,
                                 .expires_at = request.expires_at};
        rc = api_key_store_insert(conn, &key, err);
    }
    if (rc == 0)
        rc =
            audit_key(conn, action->actor, "api_key.create", id, request.name, &action->owner, err);
    if (rc == 0) {
        action->created = created_key_json(id, &request, prefix, secret, now);
        if (!action->created)
            rc = error_internal(err);
    }
    if (secret) {
        sodium_memzero(secret, strlen(secret));
        free(secret);
    }
    free(request.name);
    return rc;
}

int api_keys_create(const auth_context *auth, const audit_actor *actor, const char *owner_id,
                    const json_t *body, json_t **out, nh_error *err)
{
    key_action action = {.actor = actor, .owner_id = owner_id, .body = body};
    int rc = db_transaction(auth->database, create_step, &action, err);
    user_store_record_clear(&action.owner);
    if (rc != 0) {
        json_decref(action.created);
        return -1;
    }
    *out = action.created;
    return 0;
}

int api_keys_list(const auth_context *auth, const char *owner_id, json_t **out, nh_error *err)
{
    db_conn *conn = db_acquire(auth->database, err);
    if (!conn)
        return -1;
    int rc = api_key_store_list(conn, owner_id, out, err);
    db_release(auth->database, conn);
    return rc == 0 ? 0 : -1;
}

static int revoke_step(db_conn *conn, void *context, nh_error *err)
{
    key_action *action = context;
    bool found = false;
    char *name = NULL;
    int rc = user_store_find_by_id(conn, action->owner_id, false, &action->owner, &found, err);
    if (rc == 0 && found)
        rc = api_key_store_find_name(conn, action->key_id, action->owner_id, &name, &found, err);
    if (rc == 0 && !found)
        rc =
            error_set(err, 404, "api_key_not_found", "API key '%s' was not found.", action->key_id);
    if (rc == 0)
        rc = api_key_store_revoke(conn, action->key_id, clock_now_ms(), err);
    if (rc == 0)
        rc = audit_key(conn, action->actor, "api_key.revoke", action->key_id, name, &action->owner,
                       err);
    free(name);
    return rc;
}

int api_keys_revoke(const auth_context *auth, const audit_actor *actor, const char *owner_id,
                    const char *key_id, nh_error *err)
{
    key_action action = {.actor = actor, .owner_id = owner_id, .key_id = key_id};
    int rc = db_transaction(auth->database, revoke_step, &action, err);
    user_store_record_clear(&action.owner);
    return rc == 0 ? 0 : -1;
}
