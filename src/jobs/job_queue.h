/* job_queue.h - the durable job queue: jobs are rows of the `jobs` table (both dialects), never
 * memory, so they survive restarts and crashes, and several processes (`nekohub serve`, any
 * number of `nekohub worker`) on one PostgreSQL share them.
 *
 * Life of a job: enqueued 'queued' (in the caller's transaction: an upload commits its asset row
 * and its job together, or neither) -> claimed by a worker ('running', attempts + 1, a lease
 * locked_by/locked_until that a renewal thread extends every lease/3 while the handler works)
 * -> 'succeeded', or 'queued' again with run_after = now + back-off (transient failure, attempts
 * left), or 'failed' with last_error kept (permanent failure or attempts exhausted), or
 * 'cancelled'. A running job whose lease expired (its worker was killed) is claimable again.
 *
 * Claiming: the oldest runnable job (run_after <= now) whose asset has no other job running
 * under a live lease: jobs that touch the same asset never run at the same time, also across
 * processes. PostgreSQL: SELECT ... FOR UPDATE SKIP LOCKED inside the claim transaction (plus
 * whatever lock makes the per-asset rule hold between two claimers); SQLite: one conditional
 * UPDATE ... RETURNING (SQLite has one writer).
 *
 * Back-off: min(retry_max_s, retry_base_s * 2^(attempt-1)) with full jitter, and never less
 * than a Retry-After the handler reports.
 *
 * Shutdown (job_queue_stop): no new claims; running handlers get shutdown_grace_s to finish;
 * the jobs still running after that are handed back (status 'queued', lease cleared, the
 * attempt not counted) so another worker takes them at once; their handlers see
 * job_lease_lost() and must write nothing more.
 *
 * Thread-safe throughout. Every function returns 0, or -1 (DB_ERROR/DB_CONSTRAINT for the store
 * functions) with err filled. */
#ifndef NH_JOBS_QUEUE_H
#define NH_JOBS_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/uuid.h"
#include "db/db.h"

#define JOB_KIND_ASSET_PROCESS "asset.process" /* processing/: run skills on one asset */
#define JOB_ERROR_MAX 2048                     /* last_error is cut (UTF-8 safe) to this */

typedef enum {
    JOB_STATE_QUEUED = 0,
    JOB_STATE_RUNNING,
    JOB_STATE_SUCCEEDED,
    JOB_STATE_FAILED,
    JOB_STATE_CANCELLED,
} job_state;

/* "queued", "running", "succeeded", "failed", "cancelled"; job_state_parse: -1 if unknown. */
const char *job_state_name(job_state state);
int job_state_parse(const char *text, job_state *out);

/* ---- enqueueing (inside the caller's transaction) ------------------------------------------ */

typedef struct job_new {
    const char *kind;           /* JOB_KIND_* */
    const char *asset_id;       /* the asset it touches (per-asset exclusion), or NULL */
    const char *payload_json;   /* the handler's input: a compact JSON object */
    const char *trigger_source; /* "upload" | "manual" */
    const char *skill_name;     /* a manual run of one skill: its canonical name; else NULL */
    const char *execution_id;   /* pre-assigned execution record id (manual skill run), or NULL */
    int max_attempts;           /* >= 1 (Processing__MaxAttempts) */
    int64_t run_after;          /* epoch ms; 0 = now */
} job_new;

/* Insert a 'queued' job on conn (the caller's transaction). Writes its id. */
int job_store_enqueue(db_conn *conn, const job_new *new_job, char id_out[UUID_TEXT_SIZE],
                      nh_error *err);

/* ---- reading (the jobs API, the asset detail) ---------------------------------------------- */

/* One job row as the API shows it. Strings are owned by the struct (job_info_clear). */
typedef struct job_info {
    char id[UUID_TEXT_SIZE];
    char *kind;
    char *asset_id; /* NULL when none */
    job_state state;
    char *trigger_source; /* may be NULL */
    char *skill_name;     /* may be NULL */
    char *execution_id;   /* may be NULL */
    int attempts;
    int max_attempts;
    bool cancel_requested;
    char *locked_by;      /* the worker holding the lease, or NULL */
    int64_t locked_until; /* 0 when none */
    int64_t run_after;
    char *last_error;  /* may be NULL */
    char *result_json; /* may be NULL */
    int64_t created_at;
    int64_t updated_at;
    int64_t started_at;  /* 0 = never claimed */
    int64_t finished_at; /* 0 = not finished */
} job_info;

void job_info_clear(job_info *info);

/* 0 and out filled; 404 job_not_found. */
int job_store_get(db_conn *conn, const char *id, job_info *out, nh_error *err);

/* How an asset's processing stands (the asset detail's `processing` member):
 *   running  - a job of the asset is running;
 *   queued   - none running, one or more queued;
 *   failed   - none pending, and the asset's most recently finished job failed;
 *   idle     - otherwise.
 * pending = queued + running jobs; last_error = that failed job's last_error (else ""). */
typedef struct job_asset_processing {
    const char *state; /* static text */
    int64_t pending;
    char last_error[JOB_ERROR_MAX + 1];
} job_asset_processing;

int job_store_asset_processing(db_conn *conn, const char *asset_id, job_asset_processing *out,
                               nh_error *err);
/* The same for several assets at once (a list page): out[i] for asset_ids[i], in two queries
 * however many there are. */
int job_store_assets_processing(db_conn *conn, const char *const *asset_ids, size_t count,
                                job_asset_processing *out, nh_error *err);

/* ---- the queue service (workers) ------------------------------------------------------------ */

typedef struct job_queue job_queue;
typedef struct job_lease job_lease;

/* A claimed job as its handler sees it (owned by the runner for the duration of the call). */
typedef struct job {
    char id[UUID_TEXT_SIZE];
    const char *kind;
    const char *asset_id;       /* "" when none */
    const char *payload_json;   /* the enqueued payload */
    const char *trigger_source; /* "" when none */
    const char *skill_name;     /* "" when none */
    const char *execution_id;   /* "" when none */
    int attempt;                /* 1 on the first claim */
    int max_attempts;
} job;

typedef enum {
    JOB_OUTCOME_DONE = 0,  /* -> succeeded; result_json kept */
    JOB_OUTCOME_RETRY,     /* transient: queued again after back-off, or failed when no
                              attempts are left */
    JOB_OUTCOME_FAILED,    /* permanent: failed now */
    JOB_OUTCOME_CANCELLED, /* the handler saw job_cancel_requested() and stopped */
    JOB_OUTCOME_DEFER,     /* the job could not start its work for want of a shared resource
                              (every model slot busy) and changed nothing: queued again after
                              retry_after_s (at least JOB_DEFER_MIN_MS), the attempt NOT
                              counted; a cancel asked meanwhile cancels it instead */
} job_outcome_kind;

#define JOB_DEFER_MIN_MS 500

typedef struct job_outcome {
    job_outcome_kind kind;         /* the runner starts with JOB_OUTCOME_DONE */
    char error[JOB_ERROR_MAX + 1]; /* RETRY/FAILED: why (kept as last_error; no secrets) */
    int retry_after_s;             /* RETRY, DEFER: wait at least this long, else 0 */
    char *result_json;             /* DONE: malloc'ed compact JSON kept as result_json, or NULL;
                                      the runner frees it */
} job_outcome;

/* The handler of one job kind. Runs on a worker thread with no database connection held; it
 * may acquire one. It must be idempotent: an attempt may be interrupted anywhere (kill -9)
 * and run again. */
typedef void (*job_handler)(void *context, const job *claimed, job_lease *lease,
                            job_outcome *outcome);

/* True once the lease was lost (expired, taken over, or handed back at shutdown): the handler
 * stops at its next safe point and writes nothing more; its outcome is ignored. */
bool job_lease_lost(const job_lease *lease);
/* True once someone asked to cancel this running job (POST /api/v1/system/jobs/{id}/cancel):
 * stop at the next safe point and report JOB_OUTCOME_CANCELLED. */
bool job_cancel_requested(const job_lease *lease);

typedef struct job_queue_settings {
    int workers;             /* worker threads in this process; 0 = enqueue and read only */
    int lease_s;             /* Processing__LeaseSeconds */
    int retry_base_s;        /* Processing__RetryBaseSeconds */
    int retry_max_s;         /* Processing__RetryMaxSeconds */
    int poll_interval_ms;    /* idle workers look for work this often (and on job_queue_notify) */
    int shutdown_grace_s;    /* Processing__ShutdownGraceSeconds */
    const char *worker_name; /* locked_by prefix, e.g. "<hostname>:<pid>"; NULL = derived */
} job_queue_settings;

/* Build the queue (nothing runs yet). Borrows database. */
job_queue *job_queue_create(db *database, const job_queue_settings *settings, nh_error *err);
/* The pool the queue was built on (borrowed). */
db *job_queue_database(const job_queue *queue);
/* Register the handler of a kind (before job_queue_start). A claimed job of an unregistered
 * kind fails with last_error "no handler for job kind <kind>". */
int job_queue_register(job_queue *queue, const char *kind, job_handler handler, void *context);
/* Start the worker threads and the lease renewal. */
int job_queue_start(job_queue *queue, nh_error *err);
/* Wake idle workers of this process (a job was just committed). Cheap; never blocks. */
void job_queue_notify(job_queue *queue);
/* Stop claiming, give running handlers the grace period, hand back the rest, join threads. */
void job_queue_stop(job_queue *queue);
/* Stop (if started) and free. NULL is fine. */
void job_queue_destroy(job_queue *queue);

/* Wait until the job has finished (succeeded, failed, cancelled) or timeout_ms passed: 0 with
 * out filled either way (out->state tells which); 404 job_not_found. Woken at once by this
 * process's workers; jobs finished by another process are seen by polling. */
int job_queue_wait(job_queue *queue, const char *job_id, int timeout_ms, job_info *out,
                   nh_error *err);

/* ---- metrics ----------------------------------------------------------------------------------
 */

/* Record how long one step of a handler took (processing calls it per step). */
void job_metrics_observe_step(const char *step_name, double seconds);
/* Append, in the Prometheus text format:
 *   nekohub_jobs{state}                          gauge (a COUNT per state from the table)
 *   nekohub_jobs_finished_total{outcome}         counter, this process: succeeded, retried,
 *                                                failed, cancelled, handed_back
 *   nekohub_job_duration_seconds                 histogram, this process's handler calls
 *   nekohub_job_step_duration_seconds{step}      histogram
 * database may be NULL (then no gauge). -1 on failure. */
int job_metrics_render(db *database, buf *out);

#endif
