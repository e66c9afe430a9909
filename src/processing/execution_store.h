/* execution_store.h - the SQL of execution records (spec processing.md §6): one row per skill
 * run in asset_skill_executions with its step rows in asset_skill_execution_steps, tagged with
 * the job and attempt that ran it; and the reads of the executions API.
 *
 * Every function runs on a borrowed connection (the caller owns transactions; insert wants
 * one so the execution and its steps commit together) and returns 0, DB_ERROR or DB_CONSTRAINT
 * with err filled (db.h). Results are owned by the caller (db_result_free). */
#ifndef NH_PROCESSING_EXECUTION_STORE_H
#define NH_PROCESSING_EXECUTION_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"
#include "core/uuid.h"
#include "db/db.h"
#include "processing/processing_step.h"

typedef struct execution_step_row {
    const char *step_name;
    step_status status;
    const char *error_message; /* FAILED: the sanitized message; else NULL */
    const char *detail;        /* SKIPPED: the reason; else NULL */
    int64_t started_at;
    int64_t completed_at;
} execution_step_row;

typedef struct execution_record {
    const char *id;
    const char *asset_id;
    const char *skill_name;      /* canonical */
    const char *trigger_source;  /* "upload" | "manual" */
    const char *parameters_json; /* compact JSON, or NULL when none were given */
    bool succeeded;
    int64_t started_at;
    int64_t completed_at;
    const char *job_id; /* NULL outside the queue */
    int attempt;        /* 0 outside the queue */
    size_t step_count;
    const execution_step_row *steps;
} execution_record;

/* The execution row and its step rows (step ids made here). DB_CONSTRAINT when the id exists
 * already or the asset is gone. */
int execution_store_insert(db_conn *conn, const execution_record *record, nh_error *err);

/* Columns of an execution row as the reads below return them. */
enum {
    EXECUTION_COLUMN_ID = 0,
    EXECUTION_COLUMN_SKILL_NAME,
    EXECUTION_COLUMN_TRIGGER_SOURCE,
    EXECUTION_COLUMN_PARAMETERS_JSON,
    EXECUTION_COLUMN_SUCCEEDED,
    EXECUTION_COLUMN_STARTED_AT,
    EXECUTION_COLUMN_COMPLETED_AT,
    EXECUTION_COLUMN_JOB_ID,
    EXECUTION_COLUMN_ATTEMPT,
};

/* One page of the asset's executions, newest first (started_at, then id), and their count. */
int execution_store_page(db_conn *conn, const char *asset_id, int64_t limit, int64_t offset,
                         db_result **rows, int64_t *total, nh_error *err);
/* The execution of the asset with this id (0 or 1 row). */
int execution_store_get(db_conn *conn, const char *asset_id, const char *execution_id,
                        db_result **row, nh_error *err);
/* The steps of every execution in `executions` (rows of the reads above): rows of
 * execution_id followed by the step columns asset_json_step() reads (from column 1), in
 * execution order, then started_at, step_name. Empty when executions has no row. */
int execution_store_steps(db_conn *conn, const db_result *executions, db_result **steps,
                          nh_error *err);

/* The job that was given this execution id for the asset (a manual run): its id and payload
 * (malloc'ed); *found false when there is none. */
int execution_store_job_of(db_conn *conn, const char *asset_id, const char *execution_id,
                           char job_id[UUID_TEXT_SIZE], char **payload, bool *found, nh_error *err);

#endif
