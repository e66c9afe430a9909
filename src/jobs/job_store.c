/* job_store.c - the SQL of the jobs table (see job_store.h and job_queue.h): enqueueing,
 * reading, the per-asset processing state, the guarded writes of a claimed job, and the jobs
 * API's list, retry and cancel. The claim itself, which differs by dialect, is in
 * job_claim.c. */
#include "jobs/job_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/text.h"
#include "jobs/job_json.h"

#define JOB_COLUMNS JOB_STORE_COLUMNS

static const char *const state_names[] = {"queued", "running", "succeeded", "failed", "cancelled"};
#define STATE_COUNT (sizeof state_names / sizeof state_names[0])

const char *job_state_name(job_state state)
{
    return (unsigned)state < STATE_COUNT ? state_names[state] : "queued";
}

int job_state_parse(const char *text, job_state *out)
{
    for (size_t i = 0; text && i < STATE_COUNT; i++)
        if (!strcmp(text, state_names[i])) {
            *out = (job_state)i;
            return 0;
        }
    return -1;
}

void job_info_clear(job_info *info)
{
    if (!info)
        return;
    free(info->kind);
    free(info->asset_id);
    free(info->trigger_source);
    free(info->skill_name);
    free(info->execution_id);
    free(info->locked_by);
    free(info->last_error);
    free(info->result_json);
    memset(info, 0, sizeof *info);
}

void job_claim_clear(job_claim *claim)
{
    if (!claim)
        return;
    free(claim->kind);
    free(claim->asset_id);
    free(claim->payload);
    free(claim->trigger_source);
    free(claim->skill_name);
    free(claim->execution_id);
    free(claim->last_error);
    memset(claim, 0, sizeof *claim);
}

/* A copy of a nullable column (NULL stays NULL); *failed set when a copy could not be made. */
static char *column_copy(const db_result *result, size_t row, size_t column, bool *failed)
{
    const char *text = db_result_text(result, row, column);
    if (!text)
        return NULL;
    char *copy = strdup(text);
    if (!copy)
        *failed = true;
    return copy;
}

int job_info_from_row(const db_result *result, size_t row, job_info *out, nh_error *err)
{
    memset(out, 0, sizeof *out);
    const char *id = db_result_text(result, row, 0);
    snprintf(out->id, sizeof out->id, "%s", id ? id : "");
    bool failed = false;
    out->kind = column_copy(result, row, 1, &failed);
    out->asset_id = column_copy(result, row, 2, &failed);
    if (job_state_parse(db_result_text(result, row, 3), &out->state) != 0)
        out->state = JOB_STATE_QUEUED; /* unknown text: never written by this code */
    out->trigger_source = column_copy(result, row, 4, &failed);
    out->skill_name = column_copy(result, row, 5, &failed);
    out->execution_id = column_copy(result, row, 6, &failed);
    out->attempts = (int)db_result_int64(result, row, 7);
    out->max_attempts = (int)db_result_int64(result, row, 8);
    out->cancel_requested = db_result_int64(result, row, 9) != 0;
    out->locked_by = column_copy(result, row, 10, &failed);
    out->locked_until = db_result_int64(result, row, 11);
    out->run_after = db_result_int64(result, row, 12);
    out->last_error = column_copy(result, row, 13, &failed);
    out->result_json = column_copy(result, row, 14, &failed);
    out->created_at = db_result_int64(result, row, 15);
    out->updated_at = db_result_int64(result, row, 16);
    out->started_at = db_result_int64(result, row, 17);
    out->finished_at = db_result_int64(result, row, 18);
    if (failed || !out->kind) {
        job_info_clear(out);
        return error_internal(err);
    }
    return 0;
}

/* ---- enqueue and read --------------------------------------------------------------------- */

int job_store_enqueue(db_conn *conn, const job_new *new_job, char id_out[UUID_TEXT_SIZE],
                      nh_error *err)
{
    id_out[0] = '\0';
    if (!new_job->kind || !*new_job->kind || new_job->max_attempts < 1) {
        log_message(LOG_ERROR, "jobs", "enqueue refused: a job needs a kind and max_attempts >= 1");
        return error_internal(err);
    }
    char id[UUID_TEXT_SIZE];
    uuid_v7(id);
    int64_t now = clock_now_ms();
    db_param params[] = {db_text(id),
                         db_text(new_job->kind),
                         db_text(new_job->asset_id),
                         db_text(new_job->payload_json ? new_job->payload_json : "{}"),
                         db_int(new_job->run_after > 0 ? new_job->run_after : now),
                         db_int(now),
                         db_int(new_job->max_attempts),
                         db_text(new_job->trigger_source),
                         db_text(new_job->skill_name),
                         db_text(new_job->execution_id)};
    int rc = db_exec(conn,
                     "INSERT INTO jobs (id, kind, asset_id, payload, status, attempts, run_after, "
                     "created_at, updated_at, max_attempts, trigger_source, skill_name, "
                     "execution_id, cancel_requested) "
                     "VALUES ($1, $2, $3, $4, 'queued', 0, $5, $6, $6, $7, $8, $9, $10, 0)",
                     params, 10, NULL, err);
    if (rc == 0)
        memcpy(id_out, id, UUID_TEXT_SIZE);
    return rc;
}

int job_store_get(db_conn *conn, const char *id, job_info *out, nh_error *err)
{
    memset(out, 0, sizeof *out);
    db_param params[] = {db_text(id)};
    db_result *result = NULL;
    if (db_query(conn, "SELECT " JOB_COLUMNS " FROM jobs WHERE id = $1", params, 1, &result, err) !=
        0)
        return DB_ERROR;
    int rc = 0;
    if (db_result_rows(result) == 0)
        rc = error_set(err, 404, "job_not_found", "The job was not found.");
    else
        rc = job_info_from_row(result, 0, out, err);
    db_result_free(result);
    return rc;
}

/* ---- processing state of assets ------------------------------------------------------------ */

static void processing_init(job_asset_processing *out)
{
    out->state = "idle";
    out->pending = 0;
    out->last_error[0] = '\0';
}

/* " IN ($first, ..., $first+count-1)" */
static void append_in_list(buf *sql, size_t first, size_t count)
{
    buf_append_str(sql, " IN (");
    for (size_t i = 0; i < count; i++)
        buf_printf(sql, i ? ", $%zu" : "$%zu", first + i);
    buf_append_str(sql, ")");
}

static ssize_t index_of(const char *const *ids, size_t count, const char *id)
{
    for (size_t i = 0; id && i < count; i++)
        if (!strcmp(ids[i], id))
            return (ssize_t)i;
    return -1;
}

/* Pending (queued, running) jobs of each asset. */
static int read_pending(db_conn *conn, const char *const *asset_ids, size_t count,
                        const db_param *params, job_asset_processing *out, nh_error *err)
{
    buf sql;
    buf_init(&sql, 0);
    buf_append_str(&sql, "SELECT asset_id, status, COUNT(*) FROM jobs WHERE asset_id");
    append_in_list(&sql, 1, count);
    buf_append_str(&sql, " AND status IN ('queued', 'running') GROUP BY asset_id, status");
    if (buf_failed(&sql))
        return error_internal(err);
    db_result *result = NULL;
    int rc = db_query(conn, sql.data, params, count, &result, err);
    buf_free(&sql);
    if (rc != 0)
        return rc;
    for (size_t row = 0; row < db_result_rows(result); row++) {
        ssize_t at = index_of(asset_ids, count, db_result_text(result, row, 0));
        if (at < 0)
            continue;
        bool running = !strcmp(db_result_text(result, row, 1), "running");
        out[at].pending += db_result_int64(result, row, 2);
        if (running)
            out[at].state = "running";
        else if (strcmp(out[at].state, "running") != 0)
            out[at].state = "queued";
    }
    db_result_free(result);
    return 0;
}

/* The most recently finished job of each asset with nothing pending: failed -> "failed". */
static int read_last_finished(db_conn *conn, const char *const *asset_ids, size_t count,
                              const db_param *params, job_asset_processing *out, nh_error *err)
{
    buf sql;
    buf_init(&sql, 0);
    buf_append_str(&sql, "SELECT asset_id, status, last_error FROM (SELECT asset_id, status, "
                         "last_error, ROW_NUMBER() OVER (PARTITION BY asset_id ORDER BY "
                         "finished_at DESC, id DESC) AS position FROM jobs WHERE asset_id");
    append_in_list(&sql, 1, count);
    buf_append_str(&sql, " AND finished_at IS NOT NULL AND status IN ('succeeded', 'failed', "
                         "'cancelled')) AS latest WHERE position = 1");
    if (buf_failed(&sql))
        return error_internal(err);
    db_result *result = NULL;
    int rc = db_query(conn, sql.data, params, count, &result, err);
    buf_free(&sql);
    if (rc != 0)
        return rc;
    for (size_t row = 0; row < db_result_rows(result); row++) {
        ssize_t at = index_of(asset_ids, count, db_result_text(result, row, 0));
        if (at < 0 || out[at].pending > 0 || strcmp(db_result_text(result, row, 1), "failed"))
            continue;
        out[at].state = "failed";
        text_copy_utf8(out[at].last_error, JOB_ERROR_MAX + 1, db_result_text(result, row, 2));
    }
    db_result_free(result);
    return 0;
}

int job_store_assets_processing(db_conn *conn, const char *const *asset_ids, size_t count,
                                job_asset_processing *out, nh_error *err)
{
    for (size_t i = 0; i < count; i++)
        processing_init(&out[i]);
    if (count == 0)
        return 0;
    db_param *params = calloc(count, sizeof *params);
    if (!params)
        return error_internal(err);
    for (size_t i = 0; i < count; i++)
        params[i] = db_text(asset_ids[i]);
    int rc = read_pending(conn, asset_ids, count, params, out, err);
    if (rc == 0)
        rc = read_last_finished(conn, asset_ids, count, params, out, err);
    free(params);
    return rc;
}

int job_store_asset_processing(db_conn *conn, const char *asset_id, job_asset_processing *out,
                               nh_error *err)
{
    const char *ids[] = {asset_id};
    return job_store_assets_processing(conn, ids, 1, out, err);
}

/* ---- the guarded writes of a claimed job ------------------------------------------------- */

int job_store_renew(db_conn *conn, const char *id, const char *locked_by, int attempt, int64_t now,
                    int64_t until, bool *held, bool *cancel_requested, nh_error *err)
{
    *held = false;
    db_param params[] = {db_text(id), db_text(locked_by), db_int(attempt), db_int(now),
                         db_int(until)};
    db_result *result = NULL;
    if (db_query(conn,
                 "UPDATE jobs SET locked_until = $5 WHERE id = $1 AND status = 'running' AND "
                 "locked_by = $2 AND attempts = $3 AND locked_until >= $4 "
                 "RETURNING cancel_requested",
                 params, 5, &result, err) != 0)
        return DB_ERROR;
    if (db_result_rows(result) > 0) {
        *held = true;
        *cancel_requested = db_result_int64(result, 0, 0) != 0;
    }
    db_result_free(result);
    return 0;
}

int job_store_finish(db_conn *conn, const char *id, const char *locked_by, int attempt,
                     const job_finish *finish, int64_t now, bool *changed, nh_error *err)
{
    bool again = finish->state == JOB_STATE_QUEUED;
    db_param params[] = {db_text(id),
                         db_text(locked_by),
                         db_int(attempt),
                         db_text(job_state_name(finish->state)),
                         db_text(finish->last_error),
                         db_text(finish->result_json),
                         db_int(again ? finish->run_after : now),
                         again ? db_null() : db_int(now),
                         db_int(now)};
    int64_t affected = 0;
    int rc = db_exec(conn,
                     "UPDATE jobs SET status = $4, last_error = $5, result_json = $6, "
                     "run_after = $7, finished_at = $8, updated_at = $9, locked_by = NULL, "
                     "locked_until = NULL WHERE id = $1 AND status = 'running' AND "
                     "locked_by = $2 AND attempts = $3",
                     params, 9, &affected, err);
    *changed = rc == 0 && affected > 0;
    return rc;
}

int job_store_hand_back(db_conn *conn, const char *id, const char *locked_by, int attempt,
                        int64_t now, int64_t run_after, bool *changed, nh_error *err)
{
    db_param params[] = {db_text(id), db_text(locked_by), db_int(attempt), db_int(now),
                         db_int(run_after)};
    int64_t affected = 0;
    int rc = db_exec(conn,
                     "UPDATE jobs SET status = 'queued', locked_by = NULL, locked_until = NULL, "
                     "attempts = attempts - 1, run_after = $5, updated_at = $4 "
                     "WHERE id = $1 AND status = 'running' AND locked_by = $2 AND attempts = $3",
                     params, 5, &affected, err);
    *changed = rc == 0 && affected > 0;
    return rc;
}

/* ---- the jobs API ------------------------------------------------------------------------ */

static int read_counts(db_conn *conn, const char *asset_id, job_counts *counts, nh_error *err)
{
    memset(counts, 0, sizeof *counts);
    db_param params[] = {db_text(asset_id)};
    db_result *result = NULL;
    int rc = asset_id ? db_query(conn,
                                 "SELECT status, COUNT(*) FROM jobs WHERE asset_id = $1 "
                                 "GROUP BY status",
                                 params, 1, &result, err)
                      : db_query(conn, "SELECT status, COUNT(*) FROM jobs GROUP BY status", NULL, 0,
                                 &result, err);
    if (rc != 0)
        return rc;
    for (size_t row = 0; row < db_result_rows(result); row++) {
        job_state state;
        if (job_state_parse(db_result_text(result, row, 0), &state) == 0)
            counts->by_state[state] = db_result_int64(result, row, 1);
    }
    db_result_free(result);
    return 0;
}

/* " WHERE ..." of a listing into sql, its parameters into params (room for 2). */
static size_t list_where(const job_list_filter *filter, buf *sql, db_param *params)
{
    size_t count = 0;
    buf_append_str(sql, " WHERE 1 = 1");
    if (filter->has_state) {
        params[count++] = db_text(job_state_name(filter->state));
        buf_printf(sql, " AND status = $%zu", count);
    }
    if (filter->asset_id) {
        params[count++] = db_text(filter->asset_id);
        buf_printf(sql, " AND asset_id = $%zu", count);
    }
    return count;
}

static int read_page(db_conn *conn, const job_list_filter *filter, int64_t limit, int64_t offset,
                     json_t **items, int64_t *total, nh_error *err)
{
    buf where;
    buf_init(&where, 0);
    db_param params[4];
    size_t count = list_where(filter, &where, params);
    buf sql;
    buf_init(&sql, 0);
    buf_printf(&sql, "SELECT COUNT(*) FROM jobs%s", where.data ? where.data : "");
    db_result *result = NULL;
    int rc = buf_failed(&where) || buf_failed(&sql)
                 ? error_internal(err)
                 : db_query(conn, sql.data, params, count, &result, err);
    if (rc == 0) {
        *total = db_result_int64(result, 0, 0);
        db_result_free(result);
        result = NULL;
        buf_free(&sql);
        params[count] = db_int(limit);
        params[count + 1] = db_int(offset);
        buf_printf(&sql,
                   "SELECT " JOB_COLUMNS " FROM jobs%s ORDER BY created_at DESC, id DESC "
                   "LIMIT $%zu OFFSET $%zu",
                   where.data, count + 1, count + 2);
        rc = buf_failed(&sql) ? error_internal(err)
                              : db_query(conn, sql.data, params, count + 2, &result, err);
    }
    buf_free(&where);
    buf_free(&sql);
    if (rc != 0)
        return rc;
    rc = job_json_rows(result, items, err);
    db_result_free(result);
    return rc;
}

int job_store_list(db *database, const job_list_filter *filter, int64_t limit, int64_t offset,
                   json_t **items, int64_t *total, job_counts *counts, nh_error *err)
{
    *items = NULL;
    *total = 0;
    db_conn *conn = db_acquire(database, err);
    if (!conn)
        return DB_ERROR;
    int rc = read_page(conn, filter, limit, offset, items, total, err);
    if (rc == 0)
        rc = read_counts(conn, filter->asset_id, counts, err);
    db_release(database, conn);
    if (rc != 0) {
        json_decref(*items);
        *items = NULL;
    }
    return rc;
}

int job_store_count(db *database, job_counts *counts, nh_error *err)
{
    db_conn *conn = db_acquire(database, err);
    if (!conn)
        return DB_ERROR;
    int rc = read_counts(conn, NULL, counts, err);
    db_release(database, conn);
    return rc;
}

/* 404 when the job does not exist, else the conflict given. */
static int refuse(db_conn *conn, const char *id, const char *code, const char *message,
                  nh_error *err)
{
    job_info info;
    if (job_store_get(conn, id, &info, err) != 0)
        return -1;
    job_info_clear(&info);
    return error_set(err, 409, code, "%s", message);
}

int job_store_retry(db_conn *conn, const char *id, int64_t now, nh_error *err)
{
    db_param params[] = {db_text(id), db_int(now)};
    int64_t affected = 0;
    if (db_exec(conn,
                "UPDATE jobs SET status = 'queued', attempts = 0, cancel_requested = 0, "
                "run_after = $2, updated_at = $2, finished_at = NULL, result_json = NULL, "
                "locked_by = NULL, locked_until = NULL "
                "WHERE id = $1 AND status IN ('failed', 'cancelled')",
                params, 2, &affected, err) != 0)
        return DB_ERROR;
    if (affected > 0)
        return 0;
    return refuse(conn, id, "job_not_retryable", "Only a failed or cancelled job can be retried.",
                  err);
}

int job_store_cancel(db_conn *conn, const char *id, int64_t now, nh_error *err)
{
    db_param params[] = {db_text(id), db_int(now)};
    int64_t affected = 0;
    if (db_exec(conn,
                "UPDATE jobs SET status = 'cancelled', finished_at = $2, updated_at = $2 "
                "WHERE id = $1 AND status = 'queued'",
                params, 2, &affected, err) != 0)
        return DB_ERROR;
    if (affected > 0)
        return 0;
    if (db_exec(conn,
                "UPDATE jobs SET cancel_requested = 1, updated_at = $2 "
                "WHERE id = $1 AND status = 'running'",
                params, 2, &affected, err) != 0)
        return DB_ERROR;
    if (affected > 0)
        return 0;
    return refuse(conn, id, "job_not_cancellable", "The job has already finished.", err);
}
