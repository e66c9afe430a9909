/* api_key_store.c - SQL for api_keys. */
#include "auth/api_key_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/permissions.h"
#include "core/clock.h"

int api_key_store_insert(db_conn *conn, const api_key_store_new *key, nh_error *err)
{
    db_param params[] = {
        db_text(key->id),        db_text(key->user_id),
        db_text(key->name),      db_text(key->prefix),
        db_text(key->key_hash),  db_int(key->permissions),
        db_int(key->created_at), key->expires_at ? db_int(key->expires_at) : db_null()};
    return db_exec(conn,
                   "INSERT INTO api_keys (id, user_id, name, prefix, key_hash, permissions, "
                   "created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                   params, 8, NULL, err);
}

int api_key_store_find_by_hash(db_conn *conn, const char *key_hash, api_key_store_row *out,
                               bool *found, nh_error *err)
{
    memset(out, 0, sizeof *out);
    db_param params[] = {db_text(key_hash)};
    db_result *result = NULL;
    int rc = db_query(conn,
                      "SELECT id, user_id, permissions, expires_at, revoked_at, last_used_at "
                      "FROM api_keys WHERE key_hash = $1",
                      params, 1, &result, err);
    if (rc != 0)
        return rc;
    *found = db_result_rows(result) > 0;
    if (*found) {
        snprintf(out->id, sizeof out->id, "%s", db_result_text(result, 0, 0));
        snprintf(out->user_id, sizeof out->user_id, "%s", db_result_text(result, 0, 1));
        out->permissions = (uint32_t)db_result_int64(result, 0, 2);
        out->expires_at = db_result_int64(result, 0, 3);
        out->revoked_at = db_result_int64(result, 0, 4);
        out->last_used_at = db_result_int64(result, 0, 5);
    }
    db_result_free(result);
    return 0;
}

int api_key_store_touch(db_conn *conn, const char *id, int64_t now, nh_error *err)
{
    db_param params[] = {db_text(id), db_int(now)};
    return db_exec(conn, "UPDATE api_keys SET last_used_at = $2 WHERE id = $1", params, 2, NULL,
                   err);
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

int api_key_store_list(db_conn *conn, const char *user_id, json_t **out, nh_error *err)
{
    db_param params[] = {db_text(user_id)};
    db_result *result = NULL;
    int rc = db_query(conn,
                      "SELECT id, name, prefix, permissions, created_at, last_used_at, expires_at "
                      "FROM api_keys WHERE user_id = $1 AND revoked_at IS NULL "
                      "ORDER BY created_at DESC, id DESC",
                      params, 1, &result, err);
    if (rc != 0)
        return rc;
    json_t *keys = json_array();
    for (size_t row = 0; keys && row < db_result_rows(result); row++)
        if (json_array_append_new(keys, key_json(result, row)) != 0) {
            json_decref(keys);
            keys = NULL;
        }
    db_result_free(result);
    if (!keys)
        return error_internal(err);
    *out = keys;
    return 0;
}

int api_key_store_find_name(db_conn *conn, const char *id, const char *user_id, char **name,
                            bool *found, nh_error *err)
{
    *name = NULL;
    db_param params[] = {db_text(id), db_text(user_id)};
    db_result *result = NULL;
    int rc = db_query(conn,
                      "SELECT name FROM api_keys WHERE id = $1 AND user_id = $2 "
                      "AND revoked_at IS NULL",
                      params, 2, &result, err);
    if (rc != 0)
        return rc;
    *found = db_result_rows(result) > 0;
    if (*found)
        *name = strdup(db_result_text(result, 0, 0));
    db_result_free(result);
    if (*found && !*name)
        return error_internal(err);
    return 0;
}

int api_key_store_revoke(db_conn *conn, const char *id, int64_t now, nh_error *err)
{
    db_param params[] = {db_text(id), db_int(now)};
    return db_exec(conn, "UPDATE api_keys SET revoked_at = $2 WHERE id = $1", params, 2, NULL, err);
}
