/* profile_store.h - the SQL of storage provider profiles (table storage_provider_profiles,
 * migration 6) and of the seeding flag in instance_meta.
 *
 * Every function runs on a connection the caller holds (inside its transaction when there is
 * one) and returns 0, DB_CONSTRAINT (a unique index refused the write: the name or the one
 * default) or DB_ERROR with err filled. Results are owned by the caller (db_result_free); a
 * profile_record read from a row borrows the row's text and lives as long as the result. */
#ifndef NH_STORAGE_PROFILE_STORE_H
#define NH_STORAGE_PROFILE_STORE_H

#include <stdbool.h>
#include <jansson.h>
#include <stdint.h>

#include "core/error.h"
#include "core/secret_box.h"
#include "db/db.h"
#include "storage/profile_config.h"

#define PROFILE_SEEDED_META_KEY "storage.default_profile_seeded"

typedef struct profile_record {
    const char *id;
    const char *name;
    const char *normalized_name;
    const char *display_name; /* may be NULL */
    const char *provider_type;
    bool is_enabled;
    bool is_default;
    const char *configuration_json;
    const char *secret_sealed;      /* may be NULL */
    const char *secret_fields_json; /* JSON array of the set secret keys' names; NULL = [] */
    profile_capabilities capabilities;
    int64_t created_at;
    int64_t updated_at;
} profile_record;

/* The row'th profile of a result from the functions below. */
void profile_record_from_row(const db_result *result, size_t row, profile_record *out);

/* The normalized (unique) form of a name: trimmed, ASCII lower-cased (malloc'ed; NULL on no
 * memory). */
char *profile_name_key(const char *name);

/* Take the profiles lock (a row of instance_meta updated in place) for the rest of the
 * transaction: every transaction that writes profiles takes it first, so moves of the default
 * are serialized on both databases (PostgreSQL would otherwise deadlock or collide on the
 * one-default index under concurrent set-default calls). */
int profile_store_lock(db_conn *conn, nh_error *err);

/* All profiles: default first, then enabled, then by name. */
int profile_store_list(db_conn *conn, db_result **out, nh_error *err);
/* 0 or 1 row. */
int profile_store_find(db_conn *conn, const char *id, db_result **out, nh_error *err);
/* The default profile (the latest updated, then by name, should several ever exist): 0/1 row. */
int profile_store_find_default(db_conn *conn, db_result **out, nh_error *err);
/* Is the normalized name used by a profile other than except_id (may be NULL)? */
int profile_store_name_taken(db_conn *conn, const char *name_key, const char *except_id,
                             bool *taken, nh_error *err);
int profile_store_insert(db_conn *conn, const profile_record *profile, nh_error *err);
/* Every column but id and created_at. */
int profile_store_update(db_conn *conn, const profile_record *profile, nh_error *err);
/* is_default = 0 on every profile but except_id (may be NULL), updated_at = now. */
int profile_store_clear_defaults(db_conn *conn, const char *except_id, int64_t now, nh_error *err);
int profile_store_set_default(db_conn *conn, const char *id, int64_t now, nh_error *err);
int profile_store_delete(db_conn *conn, const char *id, nh_error *err);
/* is_enabled = 0, is_default = 0. */
int profile_store_disable(db_conn *conn, const char *id, int64_t now, nh_error *err);
/* Does any asset row, derivative or pending removal / upload intent name this profile? */
int profile_store_in_use(db_conn *conn, const char *id, bool *in_use, nh_error *err);
/* Replace the sealed secret of one profile (reseal). */
int profile_store_set_sealed(db_conn *conn, const char *id, const char *sealed, nh_error *err);

/* The seeding flag (instance_meta). */
int profile_store_seeded(db_conn *conn, bool *seeded, nh_error *err);
int profile_store_mark_seeded(db_conn *conn, nh_error *err);

/* Reseal every sealed secret under the current key of box, in one transaction: *resealed gets
 * how many rows were rewritten. A secret no key opens stops the run (nothing written) with
 * 500 secret_unreadable naming the profile. */
int profile_store_reseal_all(db *pool, const secret_box *box, int *resealed, nh_error *err);

/* The secret of a profile as JSON (*secret NULL when it has none). A value no configured key
 * opens is 503 storage_provider_profile_secret_unreadable naming the profile (a server-side
 * condition: the key changed; 500s hide their message, this one must not). */
int profile_open_secret(const secret_box *box, const profile_record *profile, json_t **secret,
                        nh_error *err);

#endif
