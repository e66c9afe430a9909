/* step_store.h - the SQL the step executors need beyond assets/asset_store.h: derivative rows
 * by kind (with the checksum of the original they were made from), the swap of an asset row
 * to a rewritten object, the job step marks that make a rewrite happen once per job, and
 * structured results.
 *
 * Every function runs on a borrowed connection (the caller owns the transaction) and returns
 * 0, DB_ERROR or DB_CONSTRAINT with err filled (db/db.h). Results are owned by the caller
 * (db_result_free). Written once for SQLite and PostgreSQL. */
#ifndef NH_PROCESSING_STEP_STORE_H
#define NH_PROCESSING_STEP_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"
#include "db/db.h"

/* ---- derivatives ---------------------------------------------------------------------------- */

/* Columns of step_store_derivatives() rows. */
enum {
    STEP_DERIVATIVE_ID = 0,
    STEP_DERIVATIVE_KIND,
    STEP_DERIVATIVE_STORAGE_PROVIDER,
    STEP_DERIVATIVE_STORAGE_KEY,
    STEP_DERIVATIVE_SOURCE_CHECKSUM, /* NULL for rows made before migration 7 */
};

/* Every derivative of the asset (rows: id, kind, storage_provider, storage_key,
 * source_checksum_sha256). With kind set, only that kind (0 or 1 row). */
int step_store_derivatives(db_conn *conn, const char *asset_id, const char *kind, db_result **out,
                           nh_error *err);

/* A derivative row as written. */
typedef struct step_derivative {
    const char *id;
    const char *asset_id;
    const char *kind;
    const char *content_type;
    const char *extension;
    int64_t size;
    int width;
    int height;
    const char *checksum_sha256;
    const char *storage_provider;
    const char *storage_key;
    const char *public_url; /* may be NULL */
    const char *source_checksum_sha256;
    int64_t created_at;
} step_derivative;

/* Insert (DB_CONSTRAINT when the asset already has one of that kind). */
int step_store_insert_derivative(db_conn *conn, const step_derivative *derivative, nh_error *err);
/* Point the row with this id at the new object (every column but id, asset and kind). */
int step_store_replace_derivative(db_conn *conn, const char *row_id,
                                  const step_derivative *derivative, nh_error *err);

/* ---- rewritten originals -------------------------------------------------------------------- */

/* What a rewrite changes on the asset row. */
typedef struct step_asset_swap {
    const char *content_type;
    const char *extension;
    int64_t size;
    int width;
    int height;
    const char *checksum_sha256;
    const char *storage_key;
    const char *stored_file_name;
    const char *public_url; /* may be NULL */
    int64_t updated_at;
} step_asset_swap;

/* Swap the row of asset_id from old_key to the new object; *affected is 0 when the row no
 * longer has old_key (gone or changed meanwhile). */
int step_store_swap_asset(db_conn *conn, const char *asset_id, const char *old_key,
                          const step_asset_swap *swap, int64_t *affected, nh_error *err);

/* Job step marks (job_step_marks): has this job already committed this step? */
int step_store_mark_exists(db_conn *conn, const char *job_id, const char *step_key, bool *exists,
                           nh_error *err);
int step_store_add_mark(db_conn *conn, const char *job_id, const char *step_key, int64_t now,
                        nh_error *err);

/* ---- structured results --------------------------------------------------------------------- */

/* The payload_json of the asset's result of kind (0 or 1 row). */
int step_store_structured_result(db_conn *conn, const char *asset_id, const char *kind,
                                 db_result **out, nh_error *err);
/* Insert (DB_CONSTRAINT when the asset already has one of that kind). */
int step_store_insert_structured_result(db_conn *conn, const char *id, const char *asset_id,
                                        const char *kind, const char *payload_json, int64_t now,
                                        nh_error *err);

#endif
