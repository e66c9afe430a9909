/* ai_profile_store.h - the SQL of AI provider profiles (table ai_provider_profiles, migration
 * 8: at most one row with is_active = 1, enforced by a partial unique index).
 *
 * Every function runs on a connection the caller holds (inside its transaction when there is
 * one) and returns 0, DB_CONSTRAINT (a unique index refused the write: the name or the one
 * active profile) or DB_ERROR with err filled. Results are owned by the caller
 * (db_result_free); an ai_profile_record read from a row borrows the row's text and lives as
 * long as the result. */
#ifndef NH_AI_PROFILE_STORE_H
#define NH_AI_PROFILE_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"
#include "core/secret_box.h"
#include "db/db.h"

typedef struct ai_profile_record {
    const char *id;
    const char *name;
    const char *normalized_name;
    const char *api_base_url;
    const char *api_key_sealed; /* secret_box text, associated data = id */
    const char *api_key_mask;
    const char *model_name;
    const char *default_system_prompt; /* NULL: the standard prompt */
    bool is_active;
    int64_t created_at;
    int64_t updated_at;
} ai_profile_record;

/* The row'th profile of a result from the functions below. */
void ai_profile_record_from_row(const db_result *result, size_t row, ai_profile_record *out);

/* Take the AI profiles' writers' lock (the row 'ai.profiles_lock' of instance_meta, upserted)
 * for the rest of the transaction: every transaction that writes profiles takes it first, so
 * activations are serialized on both databases. */
int ai_profile_store_lock(db_conn *conn, nh_error *err);

/* All profiles: the active one first, then by name. */
int ai_profile_store_list(db_conn *conn, db_result **out, nh_error *err);
/* 0 or 1 row. */
int ai_profile_store_find(db_conn *conn, const char *id, db_result **out, nh_error *err);
/* The active profile (the latest updated, then by name): 0 or 1 row. */
int ai_profile_store_find_active(db_conn *conn, db_result **out, nh_error *err);
/* Is the normalized name used by a profile other than except_id (may be NULL)? */
int ai_profile_store_name_taken(db_conn *conn, const char *name_key, const char *except_id,
                                bool *taken, nh_error *err);
int ai_profile_store_insert(db_conn *conn, const ai_profile_record *profile, nh_error *err);
/* Every column but id and created_at. */
int ai_profile_store_update(db_conn *conn, const ai_profile_record *profile, nh_error *err);
/* is_active = 0 and updated_at = now on every active profile but except_id (may be NULL). */
int ai_profile_store_deactivate_others(db_conn *conn, const char *except_id, int64_t now,
                                       nh_error *err);
int ai_profile_store_delete(db_conn *conn, const char *id, nh_error *err);

/* Reseal every API key under the current key of box, in one transaction: *resealed gets how
 * many rows were rewritten. A key no secret key opens stops the run (nothing written) with 500
 * secret_unreadable naming the profile. */
int ai_profile_store_reseal_all(db *pool, const secret_box *box, int *resealed, nh_error *err);

#endif
