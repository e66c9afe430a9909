/* execution_store.c - SQL of execution records (see execution_store.h). Written once for SQLite
 * and PostgreSQL: $N parameters, BIGINT epoch milliseconds, INTEGER 0/1 booleans. */
#include "processing/execution_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assets/asset_store.h"
#include "core/buf.h"

#define EXECUTION_SELECT                                                                           \
    "SELECT id, skill_name, trigger_source, parameters_json, succeeded, started_at, "              \
    "completed_at, job_id, attempt FROM asset_skill_executions "

static const char *status_text(step_status status)
{
    switch (status) {
    case STEP_STATUS_FAILED:
        return "failed";
    case STEP_STATUS_SKIPPED:
        return "skipped";
    case STEP_STATUS_SUCCEEDED:
        break;
    }
    return "succeeded";
}

static int insert_step(db_conn *conn, const char *execution_id, const execution_step_row *step,
                       nh_error *err)
{
    char id[UUID_TEXT_SIZE];
    uuid_v7(id);
    db_param params[] = {
        db_text(id),
        db_text(execution_id),
        db_text(step->step_name),
        db_bool(step->status != STEP_STATUS_FAILED),
        db_text(step->status == STEP_STATUS_FAILED ? step->error_message : NULL),
        db_int(step->started_at),
        db_int(step->completed_at),
        db_text(status_text(step->status)),
        db_text(step->status == STEP_STATUS_SKIPPED ? step->detail : NULL),
    };
    return db_exec(conn,
                   "INSERT INTO asset_skill_execution_steps (id, execution_id, step_name, "
                   "succeeded, error_message, started_at, completed_at, status, detail) "
                   "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                   params, sizeof params / sizeof params[0], NULL, err);
}

int execution_store_insert(db_conn *conn, const execution_record *record, nh_error *err)
{
    db_param params[] = {
        db_text(record->id),
        db_text(record->asset_id),
        db_text(record->skill_name),
        db_text(record->trigger_source),
        db_text(record->parameters_json),
        db_bool(record->succeeded),
        db_int(record->started_at),
        db_int(record->completed_at),
        db_text(record->job_id),
        record->attempt > 0 ? db_int(record->attempt) : db_null(),
    };
    int rc = db_exec(conn,
                     "INSERT INTO asset_skill_executions (id, source_asset_id, skill_name, "
                     "trigger_source, parameters_json, succeeded, started_at, completed_at, "
                     "job_id, attempt) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                     params, sizeof params / sizeof params[0], NULL, err);
    for (size_t i = 0; rc == 0 && i < record->step_count; i++)
        rc = insert_step(conn, record->id, &record->steps[i], err);
    return rc;
}

int execution_store_page(db_conn *conn, const char *asset_id, int64_t limit, int64_t offset,
                         db_result **rows, int64_t *total, nh_error *err)
{
    *rows = NULL;
    *total = 0;
    db_param count_params[] = {db_text(asset_id)};
    db_result *count = NULL;
    int rc =
        db_query(conn, "SELECT COUNT(*) FROM asset_skill_executions WHERE source_asset_id = $1",
                 count_params, 1, &count, err);
    if (rc != 0)
        return rc;
    *total = db_result_int64(count, 0, 0);
    db_result_free(count);
    db_param params[] = {db_text(asset_id), db_int(limit), db_int(offset)};
    return db_query(conn,
                    EXECUTION_SELECT "WHERE source_asset_id = $1 "
                                     "ORDER BY started_at DESC, id DESC LIMIT $2 OFFSET $3",
                    params, 3, rows, err);
}

int execution_store_get(db_conn *conn, const char *asset_id, const char *execution_id,
                        db_result **row, nh_error *err)
{
    db_param params[] = {db_text(execution_id), db_text(asset_id)};
    return db_query(conn, EXECUTION_SELECT "WHERE id = $1 AND source_asset_id = $2", params, 2, row,
                    err);
}

int execution_store_steps(db_conn *conn, const db_result *executions, db_result **steps,
                          nh_error *err)
{
    *steps = NULL;
    size_t count = db_result_rows(executions);
    db_param *params = calloc(count ? count : 1, sizeof *params);
    if (!params)
        return error_internal(err);
    buf sql;
    buf_init(&sql, 0);
    buf_append_str(&sql, "SELECT execution_id, " ASSET_STEP_COLUMNS
                         " FROM asset_skill_execution_steps WHERE execution_id IN (");
    for (size_t i = 0; i < count; i++) {
        params[i] = db_text(db_result_text(executions, i, EXECUTION_COLUMN_ID));
        buf_printf(&sql, "%s$%zu", i ? ", " : "", i + 1);
    }
    if (count == 0)
        buf_append_str(&sql, "NULL");
    buf_append_str(&sql, ") ORDER BY execution_id, started_at, step_name");
    int rc = buf_failed(&sql) ? error_internal(err)
                              : db_query(conn, sql.data, params, count, steps, err);
    buf_free(&sql);
    free(params);
    return rc;
}

int execution_store_job_of(db_conn *conn, const char *asset_id, const char *execution_id,
                           char job_id[UUID_TEXT_SIZE], char **payload, bool *found, nh_error *err)
{
    *found = false;
    *payload = NULL;
    job_id[0] = '\0';
    db_param params[] = {db_text(execution_id), db_text(asset_id)};
    db_result *rows = NULL;
    int rc =
        db_query(conn, "SELECT id, payload FROM jobs WHERE execution_id = $1 AND asset_id = $2",
                 params, 2, &rows, err);
    if (rc == 0 && db_result_rows(rows) == 1) {
        const char *text = db_result_text(rows, 0, 1);
        *payload = text ? strdup(text) : NULL;
        if (text && !*payload) {
            rc = error_internal(err);
        } else {
            snprintf(job_id, UUID_TEXT_SIZE, "%s", db_result_text(rows, 0, 0));
            *found = true;
        }
    }
    db_result_free(rows);
    return rc;
}
