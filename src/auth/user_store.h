/* user_store.h - the SQL of users and their permission grants (no rules: see users.h).
 *
 * Every function runs on a borrowed connection (so callers can group writes in a
 * transaction) and returns 0, DB_ERROR or DB_CONSTRAINT like db.h; "not found" is 0 with
 * *found = false. A user_record owns its password_hash (user_store_record_clear frees it). */
#ifndef NH_AUTH_USER_STORE_H
#define NH_AUTH_USER_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/uuid.h"
#include "auth/permissions.h"
#include "auth/username.h"
#include "core/error.h"
#include "db/db.h"

typedef struct user_record {
    char id[UUID_TEXT_SIZE];
    char username[USERNAME_MAX_BYTES + 1];
    user_role role;
    bool is_active;
    int64_t created_at;
    int64_t updated_at;
    int64_t last_login_at; /* 0 = never */
    char *password_hash;   /* owned; NULL unless asked for */
    uint32_t permissions;  /* effective: all for SuperAdmin, else the stored grants */
} user_record;

void user_store_record_clear(user_record *user);

int user_store_find_by_id(db_conn *conn, const char *id, bool with_password, user_record *out,
                          bool *found, nh_error *err);
/* The user whose normalized_username is key or legacy_key (see auth/username.h); a row with
 * the legacy key wins when both exist (rows written before today's rule keep their key).
 * Either may be NULL or "" (not looked for). */
int user_store_find_by_keys(db_conn *conn, const char *key, const char *legacy_key,
                            bool with_password, user_record *out, bool *found, nh_error *err);
/* All users, newest first then by username; *out is a malloc'ed array (free with
 * user_store_free_list). */
int user_store_list(db_conn *conn, user_record **out, size_t *count, nh_error *err);
void user_store_free_list(user_record *users, size_t count);
int user_store_count(db_conn *conn, int64_t *count, nh_error *err);

/* Insert a user (id, times set by caller) unique by key, and its grants. DB_CONSTRAINT when the
 * key (or a second SuperAdmin) is taken. */
int user_store_insert(db_conn *conn, const user_record *user, const char *key,
                      const char *password_hash, nh_error *err);
/* Write username, role, is_active, updated_at of an existing user, and its key unless key is
 * NULL (a row keeps the key it was stored with until it is renamed). */
int user_store_update(db_conn *conn, const user_record *user, const char *key, nh_error *err);
int user_store_set_password(db_conn *conn, const char *user_id, const char *password_hash,
                            int64_t now, nh_error *err);
int user_store_set_last_login(db_conn *conn, const char *user_id, int64_t now, nh_error *err);
/* Replace all grants of the user with `permissions`. */
int user_store_replace_permissions(db_conn *conn, const char *user_id, uint32_t permissions,
                                   int64_t now, nh_error *err);

#endif
