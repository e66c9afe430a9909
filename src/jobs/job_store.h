/* job_store.h - the SQL of the `jobs` table on both dialects, below the queue service
 * (job_queue.c) and the jobs API. The public part (enqueue, get, an asset's processing state)
 * is declared in job_queue.h; this header adds what the queue's workers and the jobs API do.
 *
 * Every write that a worker makes for a claimed job is guarded by the claim: the row must still
 * be 'running' under the same locked_by and attempts, so a worker whose lease was lost (expired
 * and taken over, or handed back) changes nothing: those functions report through *changed
 * whether the row was theirs.
 *
 * Times are epoch milliseconds from the caller (clock_now_ms); several machines sharing one
 * PostgreSQL must keep their clocks in step (NTP) for leases to mean the same everywhere.
 *
 * Every function returns 0, or DB_ERROR/DB_CONSTRAINT (or -1 for the 404/409 named) with err
 * filled. Owned results are released with the matching _clear function. Thread-safe as the
 * connection or pool it is given is. */
#ifndef NH_JOBS_STORE_H
#define NH_JOBS_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "jobs/job_queue.h"

/* Read one row selected with JOB_STORE_COLUMNS (below) into out (job_info_clear). */
#define JOB_STORE_COLUMNS                                                                          \
    "id, kind, asset_id, status, trigger_source, skill_name, execution_id, attempts, "             \
    "max_attempts, cancel_requested, locked_by, locked_until, run_after, last_error, "             \
    "result_json, created_at, updated_at, started_at, finished_at"
int job_info_from_row(const db_result *result, size_t row, job_info *out, nh_error *err);

/* A job a worker just claimed (all strings owned; job_claim_clear). */
typedef struct job_claim {
    char id[UUID_TEXT_SIZE];
    char *kind;
    char *asset_id; /* "" when none */
    char *payload;
    char *trigger_source; /* "" when none */
    char *skill_name;     /* "" when none */
    char *execution_id;   /* "" when none */
    char *last_error;     /* of an earlier attempt, "" when none */
    int attempt;          /* attempts after this claim */
    int max_attempts;
    bool cancel_requested;
    bool lease_expired; /* taken over from a worker whose lease ran out */
} job_claim;

void job_claim_clear(job_claim *claim);

/* Claim the oldest runnable job (queued with run_after <= now, or running with an expired
 * lease) whose asset has no other job running under a live lease: status 'running', attempts
 * + 1, locked_by, locked_until = now + lease_ms, started_at = now. *claimed is false when there
 * was none. Acquires and releases its own connection. */
int job_store_claim(db *database, const char *locked_by, int64_t now, int64_t lease_ms,
                    job_claim *out, bool *claimed, nh_error *err);

/* Extend a lease to until if it is still this claim's and has not expired at now. *held is false
 * when it was not (lost); *cancel_requested tells whether a cancel was asked for. */
int job_store_renew(db_conn *conn, const char *id, const char *locked_by, int attempt, int64_t now,
                    int64_t until, bool *held, bool *cancel_requested, nh_error *err);

/* How a claimed job ends (job_store_finish). */
typedef struct job_finish {
    job_state state;         /* SUCCEEDED, FAILED, CANCELLED, or QUEUED (retry later) */
    const char *last_error;  /* kept (NULL clears it) */
    const char *result_json; /* SUCCEEDED: kept, or NULL */
    int64_t run_after;       /* QUEUED: when the next attempt may start */
} job_finish;

int job_store_finish(db_conn *conn, const char *id, const char *locked_by, int attempt,
                     const job_finish *finish, int64_t now, bool *changed, nh_error *err);

/* Give a running job back (shutdown, or a deferred job): 'queued', lease cleared, runnable
 * from run_after on, the attempt not counted. */
int job_store_hand_back(db_conn *conn, const char *id, const char *locked_by, int attempt,
                        int64_t now, int64_t run_after, bool *changed, nh_error *err);

/* ---- the jobs API ----------------------------------------------------------------------- */

typedef struct job_list_filter {
    bool has_state;
    job_state state;
    const char *asset_id; /* NULL for any */
} job_list_filter;

typedef struct job_counts {
    int64_t by_state[JOB_STATE_CANCELLED + 1];
} job_counts;

/* Jobs matching filter, newest first (created_at, id), `limit` from `offset`: *items a JSON
 * array of job objects (job_json.h; caller owns), *total how many match, counts how many jobs
 * of the filter's asset (all assets when none) are in each state, whatever the state filter. */
int job_store_list(db *database, const job_list_filter *filter, int64_t limit, int64_t offset,
                   json_t **items, int64_t *total, job_counts *counts, nh_error *err);

/* Jobs in each state (the whole table, for the metrics gauge). */
int job_store_count(db *database, job_counts *counts, nh_error *err);

/* failed | cancelled -> queued, runnable now, attempts 0, cancel request and lease cleared
 * (last_error kept until the next outcome). 404 job_not_found; 409 job_not_retryable. */
int job_store_retry(db_conn *conn, const char *id, int64_t now, nh_error *err);

/* queued -> cancelled; running -> cancel_requested (its worker stops at a safe point).
 * 404 job_not_found; 409 job_not_cancellable when it has finished. */
int job_store_cancel(db_conn *conn, const char *id, int64_t now, nh_error *err);

#endif
