/* workflow_store.h - the SQL of workflow profiles (table workflow_profiles, migration 8: at
 * most one row with is_auto_run = 1, enforced by a partial unique index; normalized_name
 * unique).
 *
 * Every function runs on a connection the caller holds (inside its transaction when there is
 * one) and returns 0, DB_CONSTRAINT (a unique index refused the write: the name or the one
 * auto-run profile) or DB_ERROR with err filled. Results are owned by the caller
 * (db_result_free); a workflow_record read from a row borrows the row's text and lives as long
 * as the result. */
#ifndef NH_WORKFLOWS_WORKFLOW_STORE_H
#define NH_WORKFLOWS_WORKFLOW_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"
#include "db/db.h"

typedef struct workflow_record {
    const char *id;
    const char *name;            /* trimmed */
    const char *normalized_name; /* storage/profile_store.h profile_name_key */
    const char *description;     /* trimmed, NULL when blank */
    bool is_auto_run;
    const char *graph_json; /* the saved text, trimmed, verbatim */
    int64_t created_at;
    int64_t updated_at;
} workflow_record;

/* The row'th profile of a result from the functions below. */
void workflow_record_from_row(const db_result *result, size_t row, workflow_record *out);

/* Serialize the writers of profiles for the rest of the transaction (an upsert of the row
 * 'workflows.profiles_lock' of instance_meta): the auto-run switch and the name check then never
 * race another writer on either database. */
int workflow_store_lock(db_conn *conn, nh_error *err);

/* All profiles: the auto-run one first, then by name. */
int workflow_store_list(db_conn *conn, db_result **out, nh_error *err);
/* 0 or 1 row. */
int workflow_store_find(db_conn *conn, const char *id, db_result **out, nh_error *err);
/* The auto-run profile: 0 or 1 row. */
int workflow_store_find_auto_run(db_conn *conn, db_result **out, nh_error *err);
/* Is the normalized name used by a profile other than except_id (may be NULL)? */
int workflow_store_name_taken(db_conn *conn, const char *name_key, const char *except_id,
                              bool *taken, nh_error *err);
int workflow_store_insert(db_conn *conn, const workflow_record *workflow, nh_error *err);
/* Every column but id and created_at. */
int workflow_store_update(db_conn *conn, const workflow_record *workflow, nh_error *err);
/* *deleted: whether a row went. */
int workflow_store_delete(db_conn *conn, const char *id, bool *deleted, nh_error *err);
/* is_auto_run = 0 and updated_at = now on the auto-run profile unless it is except_id (may be
 * NULL). */
int workflow_store_clear_auto_run(db_conn *conn, const char *except_id, int64_t now, nh_error *err);

#endif
