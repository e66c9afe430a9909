/* api_keys.c - personal API keys: creation, listing, revocation, authentication. */
#include "auth/api_keys.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/permissions.h"
#include "auth/secret_token.h"
#include "core/clock.h"
#include "core/json_input.h"
#include "core/uuid.h"

#define LAST_USED_RESOLUTION_MS 60000

int api_keys_authenticate(db_conn *conn, const char *key, int64_t now, api_key_owner *out,
                          nh_error *err)
{
    memset(out, 0, sizeof *out);
    char hash[SECRET_TOKEN_HEX_SIZE];
    secret_token_sha256_hex(key, hash);
    db_param params[] = {db_text(hash)};
    db_result *result = NULL;
    int rc = db_query(conn,
                      "SELECT id, user_id, permissions, expires_at, revoked_at, last_used_at "
                      "FROM api_keys WHERE key_hash = $1",
                      params, 1, &result, err);
    if (rc != 0)
        return rc;
    if (db_result_rows(result) == 0 || !db_result_is_null(result, 0, 4) ||
        (!db_result_is_null(result, 0, 3) && db_result_int64(result, 0, 3) <= now)) {
        db_result_free(result);
        return error_set(err, 401, "api_key_invalid", "API key is invalid.");
    }
    snprintf(out->key_id, sizeof out->key_id, "%s", db_result_text(result, 0, 0));
    char owner_id[UUID_TEXT_SIZE];
    snprintf(owner_id, sizeof owner_id, "%s", db_result_text(result, 0, 1));
    uint32_t key_permissions = (uint32_t)db_result_int64(result, 0, 2);
    int64_t last_used = db_result_is_null(result, 0, 5) ? 0 : db_result_int64(result, 0, 5);
    db_result_free(result);

    bool found = false;
    rc = user_store_find_by_id(conn, owner_id, false, &out->user, &found, err);
    if (rc != 0)
        return rc;
    if (!found || !out->user.is_active) {
        user_record_clear(&out->user);
        return error_set(err, 401, "api_key_invalid", "API key is invalid.");
    }
    out->effective_permissions = key_permissions & out->user.permissions;
    if (now - last_used >= LAST_USED_RESOLUTION_MS) {
        db_param touch[] = {db_text(out->key_id), db_int(now)};
        nh_error ignored;
        db_exec(conn, "UPDATE api_keys SET last_used_at = $2 WHERE id = $1", touch, 2, NULL,
                &ignored);
    }
    return 0;
}

static json_t *time_or_null(const db_result *result, size_t row, size_t column)
{
    if (db_result_is_null(result, row, column))
        return json_null();
    char text[CLOCK_ISO_SIZE];
    clock_format_iso(db_result_int64(result, row, column), text);
    return json_string(text);
}

/* Columns: id, name, prefix, permissions, created_at, last_used_at, expires_at */
static json_t *key_json(const db_result *result, size_t row)
{
    return json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o}", "id", db_result_text(result, row, 0),
                     "name", db_result_text(result, row, 1), "prefix",
                     db_result_text(result, row, 2), "permissions",
                     permissions_to_json((uint32_t)db_result_int64(result, row, 3), false),
                     "createdAtUtc", time_or_null(result, row, 4), "lastUsedAtUtc",
                     time_or_null(result, row, 5), "expiresAtUtc", time_or_null(result, row, 6));
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
    if (!name || !json_is_string(name) || json_input_is_blank(json_string_value(name)))
        return error_set(err, 400, "api_key_name_required", "A key name is required.");
    out->name = json_input_trimmed(json_string_value(name));
    if (!out->name)
        return error_internal(err);
    if (json_input_utf8_length(out->name) > API_KEY_NAME_MAX_CHARACTERS)
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

static int insert_key(db_conn *conn, const char *id, const user_record *owner,
                      const key_request *request, const char *prefix, const char *hash,
                      int64_t now, nh_error *err)
{
    db_param params[] = {db_text(id),
                         db_text(owner->id),
                         db_text(request->name),
                         db_text(prefix),
                         db_text(hash),
                         db_int(request->permissions),
                         db_int(now),
                         request->expires_at ? db_int(request->expires_at) : db_null()};
    return db_exec(conn,
                   "INSERT INTO api_keys (id, user_id, name, prefix, key_hash, permissions, "
                   "created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                   params, 8, NULL, err);
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

int api_keys_create(app *application, const audit_actor *actor, const user_record *owner,
                    const json_t *body, json_t **out, nh_error *err)
{
    int64_t now = clock_now_ms();
    key_request request;
    if (parse_key_request(body, owner, now, &request, err) != 0) {
        free(request.name);
        return -1;
    }
    char id[UUID_TEXT_SIZE], prefix[16], hash[SECRET_TOKEN_HEX_SIZE];
    char *secret = NULL;
    uuid_v7(id);
    if (secret_token_api_key(&secret, prefix) != 0) {
        free(request.name);
        return error_internal(err);
    }
    secret_token_sha256_hex(secret, hash);
    db_conn *conn = db_acquire(application->database, err);
    int rc = conn ? db_begin(conn, err) : -1;
    if (rc == 0)
        rc = insert_key(conn, id, owner, &request, prefix, hash, now, err);
    if (rc == 0)
        rc = audit_key(conn, actor, "api_key.create", id, request.name, owner, err);
    if (conn) {
        if (rc == 0)
            rc = db_commit(conn, err);
        else
            db_rollback(conn);
        db_release(application->database, conn);
    }
    if (rc == 0)
        *out = created_key_json(id, &request, prefix, secret, now);
    sodium_memzero(secret, strlen(secret));
    free(secret);
    free(request.name);
    return rc == 0 ? 0 : -1;
}

int api_keys_list(app *application, const char *owner_id, json_t **out, nh_error *err)
{
    db_conn *conn = db_acquire(application->database, err);
    if (!conn)
        return -1;
    db_param params[] = {db_text(owner_id)};
    db_result *result = NULL;
    int rc = db_query(conn,
                      "SELECT id, name, prefix, permissions, created_at, last_used_at, expires_at "
                      "FROM api_keys WHERE user_id = $1 AND revoked_at IS NULL "
                      "ORDER BY created_at DESC, id DESC",
                      params, 1, &result, err);
    db_release(application->database, conn);
    if (rc != 0)
        return rc;
    *out = json_array();
    for (size_t row = 0; row < db_result_rows(result); row++)
        json_array_append_new(*out, key_json(result, row));
    db_result_free(result);
    return 0;
}

int api_keys_revoke(app *application, const audit_actor *actor, const user_record *owner,
                    const char *key_id, nh_error *err)
{
    db_conn *conn = db_acquire(application->database, err);
    if (!conn)
        return -1;
    int rc = db_begin(conn, err);
    db_result *result = NULL;
    db_param find[] = {db_text(key_id), db_text(owner->id)};
    if (rc == 0)
        rc = db_query(conn,
                      "SELECT name FROM api_keys WHERE id = $1 AND user_id = $2 "
                      "AND revoked_at IS NULL",
                      find, 2, &result, err);
    if (rc == 0 && db_result_rows(result) == 0)
        rc = error_set(err, 404, "api_key_not_found", "API key '%s' was not found.", key_id);
    if (rc == 0) {
        db_param revoke[] = {db_text(key_id), db_int(clock_now_ms())};
        rc = db_exec(conn, "UPDATE api_keys SET revoked_at = $2 WHERE id = $1", revoke, 2, NULL,
                     err);
    }
    if (rc == 0)
        rc = audit_key(conn, actor, "api_key.revoke", key_id, db_result_text(result, 0, 0), owner,
                       err);
    db_result_free(result);
    if (rc == 0)
        rc = db_commit(conn, err);
    else
        db_rollback(conn);
    db_release(application->database, conn);
    return rc == 0 ? 0 : -1;
}
