/* step_store.c - SQL of the step executors (see step_store.h). */
#include "processing/step_store.h"

#include <stddef.h>

#define COUNT(array) (sizeof(array) / sizeof((array)[0]))

int step_store_derivatives(db_conn *conn, const char *asset_id, const char *kind, db_result **out,
                           nh_error *err)
{
    db_param params[] = {db_text(asset_id), db_text(kind)};
    return db_query(conn,
                    "SELECT id, kind, storage_provider, storage_key, source_checksum_sha256 "
                    "FROM asset_derivatives WHERE source_asset_id = $1 "
                    "AND (CAST($2 AS TEXT) IS NULL OR kind = $2) ORDER BY created_at, id",
                    params, COUNT(params), out, err);
}

int step_store_insert_derivative(db_conn *conn, const step_derivative *d, nh_error *err)
{
    db_param params[] = {
        db_text(d->id),
        db_text(d->asset_id),
        db_text(d->kind),
        db_text(d->content_type),
        db_text(d->extension),
        db_int(d->size),
        db_int(d->width),
        db_int(d->height),
        db_text(d->checksum_sha256),
        db_text(d->storage_provider),
        db_text(d->storage_key),
        db_text(d->public_url),
        db_int(d->created_at),
        db_text(d->source_checksum_sha256),
    };
    return db_exec(conn,
                   "INSERT INTO asset_derivatives (id, source_asset_id, kind, content_type, "
                   "extension, size, width, height, checksum_sha256, storage_provider, "
                   "storage_key, public_url, created_at, source_checksum_sha256) VALUES ($1, $2, "
                   "$3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
                   params, COUNT(params), NULL, err);
}

int step_store_replace_derivative(db_conn *conn, const char *row_id, const step_derivative *d,
                                  nh_error *err)
{
    db_param params[] = {
        db_text(row_id),
        db_text(d->content_type),
        db_text(d->extension),
        db_int(d->size),
        db_int(d->width),
        db_int(d->height),
        db_text(d->checksum_sha256),
        db_text(d->storage_provider),
        db_text(d->storage_key),
        db_text(d->public_url),
        db_int(d->created_at),
        db_text(d->source_checksum_sha256),
    };
    return db_exec(conn,
                   "UPDATE asset_derivatives SET content_type = $2, extension = $3, size = $4, "
                   "width = $5, height = $6, checksum_sha256 = $7, storage_provider = $8, "
                   "storage_key = $9, public_url = $10, created_at = $11, "
                   "source_checksum_sha256 = $12 WHERE id = $1",
                   params, COUNT(params), NULL, err);
}

int step_store_swap_asset(db_conn *conn, const char *asset_id, const char *old_key,
                          const step_asset_swap *s, int64_t *affected, nh_error *err)
{
    db_param params[] = {
        db_text(asset_id),        db_text(old_key),
        db_text(s->content_type), db_text(s->extension),
        db_int(s->size),          db_int(s->width),
        db_int(s->height),        db_text(s->checksum_sha256),
        db_text(s->storage_key),  db_text(s->stored_file_name),
        db_text(s->public_url),   db_int(s->updated_at),
    };
    return db_exec(conn,
                   "UPDATE assets SET content_type = $3, extension = $4, size = $5, width = $6, "
                   "height = $7, checksum_sha256 = $8, storage_key = $9, stored_file_name = $10, "
                   "public_url = $11, updated_at = $12 WHERE id = $1 AND storage_key = $2",
                   params, COUNT(params), affected, err);
}

int step_store_mark_exists(db_conn *conn, const char *job_id, const char *step_key, bool *exists,
                           nh_error *err)
{
    db_param params[] = {db_text(job_id), db_text(step_key)};
    db_result *rows = NULL;
    int rc = db_query(conn, "SELECT 1 FROM job_step_marks WHERE job_id = $1 AND step_key = $2",
                      params, COUNT(params), &rows, err);
    *exists = rc == 0 && db_result_rows(rows) > 0;
    db_result_free(rows);
    return rc;
}

int step_store_add_mark(db_conn *conn, const char *job_id, const char *step_key, int64_t now,
                        nh_error *err)
{
    db_param params[] = {db_text(job_id), db_text(step_key), db_int(now)};
    return db_exec(conn,
                   "INSERT INTO job_step_marks (job_id, step_key, created_at) VALUES ($1, $2, $3)",
                   params, COUNT(params), NULL, err);
}

int step_store_structured_result(db_conn *conn, const char *asset_id, const char *kind,
                                 db_result **out, nh_error *err)
{
    db_param params[] = {db_text(asset_id), db_text(kind)};
    return db_query(conn,
                    "SELECT payload_json FROM asset_structured_results "
                    "WHERE source_asset_id = $1 AND kind = $2",
                    params, COUNT(params), out, err);
}

int step_store_insert_structured_result(db_conn *conn, const char *id, const char *asset_id,
                                        const char *kind, const char *payload_json, int64_t now,
                                        nh_error *err)
{
    db_param params[] = {db_text(id), db_text(asset_id), db_text(kind), db_text(payload_json),
                         db_int(now)};
    return db_exec(conn,
                   "INSERT INTO asset_structured_results (id, source_asset_id, kind, payload_json, "
                   "created_at) VALUES ($1, $2, $3, $4, $5)",
                   params, COUNT(params), NULL, err);
}
