/* asset_store.h - the SQL of assets: the assets table and the tables that hang off it
 * (derivatives, structured results, skill executions), and the queue of storage objects
 * waiting to be removed.
 *
 * Every function runs on a borrowed connection (the caller owns transactions) and returns 0,
 * DB_ERROR or DB_CONSTRAINT with err filled (db.h). Results are owned by the caller
 * (db_result_free); an asset_record read from a row borrows the row's text and lives as long
 * as the result. Nothing here knows about HTTP. */
#ifndef NH_ASSETS_STORE_H
#define NH_ASSETS_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"
#include "core/uuid.h"
#include "db/db.h"

#define ASSET_ID_SIZE UUID_TEXT_SIZE

typedef struct asset_record {
    const char *id;
    const char *type;               /* "image" */
    const char *status;             /* "pending" | "ready" | "deleted" | "failed" */
    const char *original_file_name; /* may be NULL */
    const char *stored_file_name;   /* may be NULL */
    const char *content_type;
    const char *extension;
    int64_t size;
    bool has_width;
    int64_t width;
    bool has_height;
    int64_t height;
    const char *checksum_sha256;             /* may be NULL */
    const char *storage_provider;            /* provider name, e.g. "local" */
    const char *storage_provider_profile_id; /* may be NULL */
    const char *storage_key;
    const char *public_url; /* as stored at write time; may be NULL */
    bool is_public;
    const char *description; /* may be NULL */
    const char *alt_text;    /* may be NULL */
    int64_t created_at;
    int64_t updated_at;
    const char *created_by_user_id;  /* the uploading user; NULL for machine keys, older rows */
    const char *created_by_username; /* their name, "api-key:<id>" for a machine key; or NULL */
    const char *tags; /* a JSON array of strings as text (the caption step's); NULL: none */
} asset_record;

/* Columns of a derivative row as read by asset_store_derivatives(). */
typedef struct asset_derivative {
    const char *kind;
    const char *content_type;
    const char *extension;
    int64_t size;
    bool has_width;
    int64_t width;
    bool has_height;
    int64_t height;
    const char *public_url;
    int64_t created_at;
} asset_derivative;

/* ---- assets ---- */

int asset_store_insert(db_conn *conn, const asset_record *asset, nh_error *err);
/* The asset with this id: *out has 0 or 1 row (read it with asset_record_from_row). With
 * for_update (PostgreSQL only, inside a transaction) the row is locked. */
int asset_store_find(db_conn *conn, const char *id, bool for_update, db_result **out,
                     nh_error *err);
/* The asset stored under this exact key (0 or 1 row). */
int asset_store_find_by_key(db_conn *conn, const char *storage_key, db_result **out, nh_error *err);
void asset_record_from_row(const db_result *result, size_t row, asset_record *out);

/* The oldest other asset with the same checksum that is older than this one (by creation
 * time, then id); *found false when there is none. */
int asset_store_duplicate_of(db_conn *conn, const asset_record *asset, char out[ASSET_ID_SIZE],
                             bool *found, nh_error *err);

/* The filter and order of a list. NULL strings mean "no filter". */
typedef enum { ASSET_ORDER_CREATED = 0, ASSET_ORDER_SIZE } asset_order;

/* The admin list's isPublic filter (beyond the original, which has none). */
typedef enum {
    ASSET_VISIBILITY_ANY = 0,
    ASSET_VISIBILITY_PUBLIC,
    ASSET_VISIBILITY_PRIVATE
} asset_visibility;

typedef struct asset_list_filter {
    bool public_only;         /* public, ready and not deleted; order fixed to created desc */
    const char *keyword;      /* substring of originalFileName/description/altText, any case */
    const char *content_type; /* exact (any case); "image/" followed by '*' is a prefix */
    const char *status;       /* exact stored status text */
    asset_visibility visibility;
    const char *created_by_user_id; /* exact */
    asset_order order;
    bool ascending;
    int64_t limit;
    int64_t offset;
} asset_list_filter;

/* One page of rows (asset records) and the total count of the filtered set. */
int asset_store_list(db_conn *conn, const asset_list_filter *filter, db_result **rows,
                     int64_t *total, nh_error *err);

/* A metadata change. Each `set_` flag says whether the field changes; a NULL value clears. */
typedef struct asset_update {
    bool set_description;
    const char *description;
    bool set_alt_text;
    const char *alt_text;
    bool set_tags;
    const char *tags; /* JSON array text, or NULL */
    bool set_original_file_name;
    const char *original_file_name;
    bool set_is_public;
    bool is_public;
    int64_t updated_at;
} asset_update;

int asset_store_update(db_conn *conn, const char *id, const asset_update *update, nh_error *err);
/* Remove the row (derivatives, structured results and executions go by cascade). */
int asset_store_delete(db_conn *conn, const char *id, int64_t *affected, nh_error *err);

/* ---- what hangs off an asset ---- */

/* Rows: kind, content_type, extension, size, width, height, public_url, created_at (read
 * them with asset_derivative_from_row), oldest first. */
int asset_store_derivatives(db_conn *conn, const char *asset_id, db_result **out, nh_error *err);
void asset_derivative_from_row(const db_result *result, size_t row, asset_derivative *out);
/* The derivatives of every asset of a list page (the rows of asset_store_list) in one query:
 * rows of the columns above followed by source_asset_id (column 8), by asset, oldest first. */
#define ASSET_DERIVATIVE_COLUMN_ASSET_ID 8
int asset_store_derivatives_of_page(db_conn *conn, const db_result *assets, db_result **out,
                                    nh_error *err);
/* One derivative of the asset by kind, for its content route: rows of content_type,
 * storage_key, size, checksum_sha256, storage_provider, created_at (0 or 1 row). */
int asset_store_find_derivative(db_conn *conn, const char *asset_id, const char *kind,
                                db_result **out, nh_error *err);
/* Rows: storage_key, storage_provider of every derivative of the asset. */
int asset_store_derivative_keys(db_conn *conn, const char *asset_id, db_result **out,
                                nh_error *err);
/* The derivative stored under this key with its parent: rows of content_type, storage_key,
 * size, checksum_sha256, parent is_public, parent status, parent storage_provider, parent
 * storage_provider_profile_id, derivative storage_provider (0 or 1 row). */
int asset_store_find_derivative_by_key(db_conn *conn, const char *storage_key, db_result **out,
                                       nh_error *err);
/* Rows: kind, payload_json, created_at; oldest first. */
int asset_store_structured_results(db_conn *conn, const char *asset_id, db_result **out,
                                   nh_error *err);
/* The columns of a step row, in this order, wherever steps are read (asset_json_step reads
 * them): succeeded is the old flag; status ('succeeded' | 'failed' | 'skipped') and detail (a
 * skip's reason) came with migration 7. */
#define ASSET_STEP_COLUMNS                                                                         \
    "step_name, succeeded, error_message, started_at, completed_at, status, detail"
/* The latest execution (rows: id, skill_name, trigger_source, started_at, completed_at,
 * succeeded; 0 or 1 row) and its steps (rows: ASSET_STEP_COLUMNS). *steps is NULL when there
 * is no execution. */
int asset_store_latest_execution(db_conn *conn, const char *asset_id, db_result **execution,
                                 db_result **steps, nh_error *err);

/* ---- usage ---- */

typedef struct asset_usage_totals {
    int64_t assets;
    int64_t bytes;
    int64_t derivatives;
} asset_usage_totals;

int asset_store_usage_totals(db_conn *conn, asset_usage_totals *out, nh_error *err);
/* Rows: content_type, count, total bytes; count desc then content type asc. */
int asset_store_usage_by_type(db_conn *conn, db_result **out, nh_error *err);
/* Rows: skill_name, run count (0 or 1 row). */
int asset_store_most_active_skill(db_conn *conn, db_result **out, nh_error *err);

/* ---- storage objects waiting to be removed ---- */

/* Record (under a new id chosen by the caller) that the object must go: in the transaction
 * that drops its last reference, or, for an upload, before the object is written (an intent
 * that the transaction inserting the asset row removes again), so that a crash in between
 * leaves a record to clean up rather than an unknown file. */
int asset_store_add_pending_deletion(db_conn *conn, const char *id, const char *storage_provider,
                                     const char *profile_id, const char *storage_key,
                                     nh_error *err);
/* The same for an upload about to write its object (reason 'upload'). */
int asset_store_add_upload_intent(db_conn *conn, const char *id, const char *storage_provider,
                                  const char *profile_id, const char *storage_key, nh_error *err);
/* Rows: id, storage_provider, storage_provider_profile_id, storage_key; every removal record
 * and the upload intents recorded before `intents_before` (ms); oldest first, at most
 * `limit`. */
int asset_store_pending_deletions(db_conn *conn, int64_t intents_before, int64_t limit,
                                  db_result **out, nh_error *err);
/* Does an asset or a derivative still point at this key? */
int asset_store_key_in_use(db_conn *conn, const char *storage_key, bool *in_use, nh_error *err);
int asset_store_remove_pending_deletion(db_conn *conn, const char *id, nh_error *err);
int asset_store_note_pending_failure(db_conn *conn, const char *id, const char *reason,
                                     nh_error *err);

#endif
