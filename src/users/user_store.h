/* user_store.h - the SQL of users and their permission grants (no rules: see users.h).
 *
 * Every function runs on a borrowed connection (so callers can group writes in a
 * transaction) and returns 0, DB_ERROR or DB_CONSTRAINT like db.h; "not found" is 0 with
 * *found = false. A user_record owns its password_hash (user_record_clear frees it). */
#ifndef NH_USERS_USER_STORE_H
#define NH_USERS_USER_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "auth/permissions.h"
#include "core/error.h"
#include "db/db.h"

#define USERNAME_MAX_CHARACTERS 128
#define USERNAME_MAX_BYTES (USERNAME_MAX_CHARACTERS * 4)

typedef struct user_record {
    char id[37];
    char username[USERNAME_MAX_BYTES + 1];
    user_role role;
    bool is_active;
    int64_t created_at;
    int64_t updated_at;
    int64_t last_login_at; /* 0 = never */
    char *password_hash;   /* owned; NULL unless asked for */
    uint32_t permissions;  /* effective: all for SuperAdmin, else the stored grants */
} user_record;

void user_record_clear(user_record *user);

/* The upper-case form usernames are unique by (ASCII letters folded). */
void user_store_normalize(const char *username, char *out, size_t size);

int user_store_find_by_id(db_conn *conn, const char *id, bool with_password, user_record *out,
                          bool *found, nh_error *err);
int user_store_find_by_username(db_conn *conn, const char *username, bool with_password,
                                user_record *out, bool *found, nh_error *err);
/* All users, newest first then by username; *out is a malloc'ed array (free with
 * user_store_free_list). */
int user_store_list(db_conn *conn, user_record **out, size_t *count, nh_error *err);
void user_store_free_list(user_record *users, size_t count);
int user_store_count(db_conn *conn, int64_t *count, nh_error *err);

/* Insert a user (id, times set by caller) and its grants. DB_CONSTRAINT when the username (or
 * a second SuperAdmin) is taken. */
int user_store_insert(db_conn *conn, const user_record *user, const char *password_hash,
                      nh_error *err);
/* Write username, role, is_active, updated_at of an existing user. */
int user_store_update(db_conn *conn, const user_record *user, nh_error *err);
int user_store_set_password(db_conn *conn, const char *user_id, const char *password_hash,
                            int64_t now, nh_error *err);
int user_store_set_last_login(db_conn *conn, const char *user_id, int64_t now, nh_error *err);
/* Replace all grants of the user with `permissions`. */
int user_store_replace_permissions(db_conn *conn, const char *user_id, uint32_t permissions,
                                   int64_t now, nh_error *err);

#endif
