/* user_store.c - SQL for users and user_permissions. */
#include "auth/user_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define USER_COLUMNS                                                                               \
    "id, username, role, is_active, created_at, updated_at, last_login_at, password_hash"

void user_store_record_clear(user_record *user)
{
    free(user->password_hash);
    memset(user, 0, sizeof *user);
}

/* Read one row of USER_COLUMNS. */
static int read_user_row(const db_result *result, size_t row, bool with_password, user_record *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->id, sizeof out->id, "%s", db_result_text(result, row, 0));
    snprintf(out->username, sizeof out->username, "%s", db_result_text(result, row, 1));
    if (role_from_stored(db_result_text(result, row, 2), &out->role) != 0)
        out->role = ROLE_USER;
    out->is_active = db_result_int64(result, row, 3) != 0;
    out->created_at = db_result_int64(result, row, 4);
    out->updated_at = db_result_int64(result, row, 5);
    out->last_login_at = db_result_int64(result, row, 6); /* 0 for NULL */
    if (with_password) {
        out->password_hash = strdup(db_result_text(result, row, 7));
        if (!out->password_hash)
            return -1;
    }
    return 0;
}

static int load_permissions(db_conn *conn, user_record *user, nh_error *err)
{
    if (user->role == ROLE_SUPER_ADMIN) {
        user->permissions = PERMISSIONS_ALL;
        return 0;
    }
    db_param params[] = {db_text(user->id)};
    db_result *result = NULL;
    int rc = db_query(conn, "SELECT permission FROM user_permissions WHERE user_id = $1", params, 1,
                      &result, err);
    if (rc != 0)
        return rc;
    user->permissions = 0;
    for (size_t row = 0; row < db_result_rows(result); row++) {
        permission p;
        if (permission_from_name(db_result_text(result, row, 0), &p) == 0)
            user->permissions |= permission_bit(p);
    }
    db_result_free(result);
    return 0;
}

static int find_one(db_conn *conn, const char *sql, const db_param *params, size_t count,
                    bool with_password, user_record *out, bool *found, nh_error *err)
{
    *found = false;
    memset(out, 0, sizeof *out);
    db_result *result = NULL;
    int rc = db_query(conn, sql, params, count, &result, err);
    if (rc != 0)
        return rc;
    if (db_result_rows(result) == 0) {
        db_result_free(result);
        return 0;
    }
    rc = read_user_row(result, 0, with_password, out);
    db_result_free(result);
    if (rc != 0)
        return error_internal(err);
    rc = load_permissions(conn, out, err);
    if (rc != 0) {
        user_store_record_clear(out);
        return rc;
    }
    *found = true;
    return 0;
}

int user_store_find_by_id(db_conn *conn, const char *id, bool with_password, user_record *out,
                          bool *found, nh_error *err)
{
    db_param params[] = {db_text(id)};
    return find_one(conn, "SELECT " USER_COLUMNS " FROM users WHERE id = $1", params, 1,
                    with_password, out, found, err);
}

static const char *key_or_null(const char *key)
{
    return key && key[0] ? key : NULL;
}

int user_store_find_by_keys(db_conn *conn, const char *key, const char *legacy_key,
                            bool with_password, user_record *out, bool *found, nh_error *err)
{
    db_param params[] = {db_text(key_or_null(key)), db_text(key_or_null(legacy_key))};
    return find_one(conn,
                    "SELECT " USER_COLUMNS " FROM users WHERE normalized_username IN ($1, $2) "
                    "ORDER BY CASE WHEN normalized_username = $2 THEN 0 ELSE 1 END LIMIT 1",
                    params, 2, with_password, out, found, err);
}

void user_store_free_list(user_record *users, size_t count)
{
    for (size_t i = 0; i < count; i++)
        user_store_record_clear(&users[i]);
    free(users);
}

/* Fill every user's permissions with one query over all grants. */
static int load_all_permissions(db_conn *conn, user_record *users, size_t count, nh_error *err)
{
    db_result *result = NULL;
    int rc =
        db_query(conn, "SELECT user_id, permission FROM user_permissions", NULL, 0, &result, err);
    if (rc != 0)
        return rc;
    for (size_t i = 0; i < count; i++)
        users[i].permissions = users[i].role == ROLE_SUPER_ADMIN ? PERMISSIONS_ALL : 0;
    for (size_t row = 0; row < db_result_rows(result); row++) {
        const char *user_id = db_result_text(result, row, 0);
        permission p;
        if (permission_from_name(db_result_text(result, row, 1), &p) != 0)
            continue;
        for (size_t i = 0; i < count; i++)
            if (users[i].role != ROLE_SUPER_ADMIN && !strcmp(users[i].id, user_id))
                users[i].permissions |= permission_bit(p);
    }
    db_result_free(result);
    return 0;
}

/* Newest first, then username in byte order: sorted here, not in SQL, because PostgreSQL
 * would order names by the database's collation. */
static int compare_for_list(const void *left, const void *right)
{
    const user_record *a = left, *b = right;
    if (a->created_at != b->created_at)
        return a->created_at > b->created_at ? -1 : 1;
    return strcmp(a->username, b->username);
}

int user_store_list(db_conn *conn, user_record **out, size_t *count, nh_error *err)
{
    *out = NULL;
    *count = 0;
    db_result *result = NULL;
    int rc = db_query(conn, "SELECT " USER_COLUMNS " FROM users", NULL, 0, &result, err);
    if (rc != 0)
        return rc;
    size_t rows = db_result_rows(result);
    user_record *users = calloc(rows ? rows : 1, sizeof *users);
    if (!users) {
        db_result_free(result);
        return error_internal(err);
    }
    for (size_t row = 0; row < rows; row++)
        read_user_row(result, row, false, &users[row]);
    db_result_free(result);
    rc = load_all_permissions(conn, users, rows, err);
    if (rc != 0) {
        user_store_free_list(users, rows);
        return rc;
    }
    qsort(users, rows, sizeof *users, compare_for_list);
    *out = users;
    *count = rows;
    return 0;
}

int user_store_count(db_conn *conn, int64_t *count, nh_error *err)
{
    db_result *result = NULL;
    int rc = db_query(conn, "SELECT COUNT(*) FROM users", NULL, 0, &result, err);
    if (rc != 0)
        return rc;
    *count = db_result_int64(result, 0, 0);
    db_result_free(result);
    return 0;
}

int user_store_insert(db_conn *conn, const user_record *user, const char *key,
                      const char *password_hash, nh_error *err)
{
    db_param params[] = {db_text(user->id),
                         db_text(user->username),
                         db_text(key),
                         db_text(password_hash),
                         db_text(role_to_stored(user->role)),
                         db_bool(user->is_active),
                         db_int(user->created_at),
                         db_int(user->updated_at)};
    int rc = db_exec(conn,
                     "INSERT INTO users (id, username, normalized_username, password_hash, role, "
                     "is_active, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                     params, 8, NULL, err);
    if (rc != 0)
        return rc;
    if (user->role == ROLE_SUPER_ADMIN)
        return user_store_replace_permissions(conn, user->id, PERMISSIONS_ALL, user->created_at,
                                              err);
    return user_store_replace_permissions(conn, user->id, user->permissions, user->created_at, err);
}

int user_store_update(db_conn *conn, const user_record *user, const char *key, nh_error *err)
{
    db_param params[] = {db_text(user->id),
                         db_text(user->username),
                         db_text(key),
                         db_text(role_to_stored(user->role)),
                         db_bool(user->is_active),
                         db_int(user->updated_at)};
    return db_exec(conn,
                   "UPDATE users SET username = $2, "
                   "normalized_username = COALESCE(CAST($3 AS TEXT), normalized_username), "
                   "role = $4, is_active = $5, updated_at = $6 WHERE id = $1",
                   params, 6, NULL, err);
}

int user_store_set_password(db_conn *conn, const char *user_id, const char *password_hash,
                            int64_t now, nh_error *err)
{
    db_param params[] = {db_text(user_id), db_text(password_hash), db_int(now)};
    return db_exec(conn, "UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1",
                   params, 3, NULL, err);
}

int user_store_set_last_login(db_conn *conn, const char *user_id, int64_t now, nh_error *err)
{
    db_param params[] = {db_text(user_id), db_int(now)};
    return db_exec(conn, "UPDATE users SET last_login_at = $2, updated_at = $2 WHERE id = $1",
                   params, 2, NULL, err);
}

int user_store_replace_permissions(db_conn *conn, const char *user_id, uint32_t permissions,
                                   int64_t now, nh_error *err)
{
    db_param owner[] = {db_text(user_id)};
    int rc = db_exec(conn, "DELETE FROM user_permissions WHERE user_id = $1", owner, 1, NULL, err);
    for (int p = 0; rc == 0 && p < PERMISSION_COUNT; p++) {
        if (!permissions_has(permissions, (permission)p))
            continue;
        db_param params[] = {db_text(user_id), db_text(permission_name((permission)p)),
                             db_int(now)};
        rc = db_exec(conn,
                     "INSERT INTO user_permissions (user_id, permission, created_at) "
                     "VALUES ($1, $2, $3)",
                     params, 3, NULL, err);
    }
    return rc;
}
