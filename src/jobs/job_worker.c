/* job_worker.c - one worker thread of the queue: claim a job, run its handler under a lease,
 * record how it ended; sleep until notified or the poll interval passed when there is nothing
 * to do. One log line per job outcome (event "job_finished").
 *
 * Before the handler runs: a job whose attempts are used up (its last worker died holding it)
 * fails, a job whose cancel was requested is cancelled, and a kind with no handler fails. After
 * it: the outcome is written only while the lease is still ours (the write is guarded by the
 * claim, job_store.h); a lost lease drops it, whoever holds the job now decides. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/text.h"
#include "jobs/job_backoff.h"
#include "jobs/job_metrics.h"
#include "jobs/job_queue_internal.h"

static log_throttle claim_failure_throttle = LOG_THROTTLE_INIT;

static const job_handler_entry *handler_of(const job_queue *queue, const char *kind)
{
    for (size_t i = 0; i < queue->handler_count; i++)
        if (!strcmp(queue->handlers[i].kind, kind))
            return &queue->handlers[i];
    return NULL;
}

/* Sleep until job_queue_notify, stop, or the poll interval. */
static void idle_wait(job_queue *queue, uint64_t seen_wakes)
{
    pthread_mutex_lock(&queue->mutex);
    if (!queue->stopping && queue->wakes == seen_wakes) {
        struct timespec deadline;
        clock_monotonic_deadline(queue->poll_interval_ms, &deadline);
        pthread_cond_timedwait(&queue->work, &queue->mutex, &deadline);
    }
    pthread_mutex_unlock(&queue->mutex);
}

/* Hand the claimed job back, runnable from run_after on, the attempt not counted. */
static void give_back(job_queue *queue, const job_claim *claim, const char *locked_by,
                      int64_t run_after)
{
    nh_error err;
    bool changed = false;
    db_conn *conn = db_acquire(queue->database, &err);
    int rc = conn ? job_store_hand_back(conn, claim->id, locked_by, claim->attempt, clock_now_ms(),
                                        run_after, &changed, &err)
                  : DB_ERROR;
    if (conn)
        db_release(queue->database, conn);
    if (rc != 0)
        log_message(LOG_WARN, "job_hand_back_failed",
                    "job %s stays claimed until its lease runs out: %s", claim->id, err.message);
    else
        job_metrics_count(JOB_METRIC_HANDED_BACK);
}

/* Make the claim this worker's running job; false when the queue is stopping (the job is
 * handed back at once). */
static bool activate(job_worker *worker, const job_claim *claim)
{
    job_queue *queue = worker->queue;
    pthread_mutex_lock(&queue->mutex);
    bool stopping = queue->stopping;
    if (!stopping) {
        job_lease_begin(&worker->lease, claim, queue->lease_ms);
        queue->running++;
    }
    pthread_mutex_unlock(&queue->mutex);
    if (stopping)
        give_back(queue, claim, worker->lease.locked_by, clock_now_ms());
    return !stopping;
}

static void deactivate(job_worker *worker)
{
    job_queue *queue = worker->queue;
    pthread_mutex_lock(&queue->mutex);
    job_lease_end(&worker->lease);
    queue->running--;
    queue->finished_count++;
    pthread_cond_broadcast(&queue->finished);
    pthread_cond_broadcast(&queue->work); /* a job of the same asset may be claimable now */
    pthread_mutex_unlock(&queue->mutex);
}

/* The outcome before (or instead of) the handler: attempts used up, cancelled, no handler.
 * False when the handler should run. */
static bool decided_before(const job_queue *queue, const job_claim *claim,
                           const job_handler_entry **entry, job_outcome *outcome)
{
    *entry = NULL;
    if (claim->attempt > claim->max_attempts) {
        outcome->kind = JOB_OUTCOME_FAILED;
        snprintf(outcome->error, sizeof outcome->error, "%s",
                 *claim->last_error ? claim->last_error : "no attempts left");
        return true;
    }
    if (claim->cancel_requested) {
        outcome->kind = JOB_OUTCOME_CANCELLED;
        return true;
    }
    *entry = handler_of(queue, claim->kind);
    if (!*entry) {
        outcome->kind = JOB_OUTCOME_FAILED;
        snprintf(outcome->error, sizeof outcome->error, "no handler for job kind %s", claim->kind);
        return true;
    }
    return false;
}

static void call_handler(job_worker *worker, const job_handler_entry *entry, const job_claim *claim,
                         job_outcome *outcome)
{
    job view = {.kind = claim->kind,
                .asset_id = claim->asset_id,
                .payload_json = claim->payload,
                .trigger_source = claim->trigger_source,
                .skill_name = claim->skill_name,
                .execution_id = claim->execution_id,
                .attempt = claim->attempt,
                .max_attempts = claim->max_attempts};
    memcpy(view.id, claim->id, UUID_TEXT_SIZE);
    entry->handler(entry->context, &view, &worker->lease, outcome);
}

/* What an outcome means for the row. error points into outcome (cleaned in place). */
typedef struct job_settlement {
    job_finish finish;
    job_metric_outcome metric;
    const char *label; /* the log's outcome */
} job_settlement;

static const char *error_text(job_outcome *outcome, const char *fallback)
{
    outcome->error[JOB_ERROR_MAX] = '\0';
    text_utf8_scrub(outcome->error);
    return outcome->error[0] ? outcome->error : fallback;
}

static void settle_retry(const job_queue *queue, const job_claim *claim, const job_lease *lease,
                         job_outcome *outcome, job_settlement *out)
{
    const char *error = error_text(outcome, "the job failed and may succeed later");
    if (job_cancel_requested(lease)) {
        *out = (job_settlement){
            {JOB_STATE_CANCELLED, error, NULL, 0}, JOB_METRIC_CANCELLED, "cancelled"};
        return;
    }
    if (claim->attempt >= claim->max_attempts) {
        *out = (job_settlement){{JOB_STATE_FAILED, error, NULL, 0}, JOB_METRIC_FAILED, "failed"};
        return;
    }
    job_backoff_policy policy = {queue->retry_base_s, queue->retry_max_s};
    double unit = (double)randombytes_uniform(1000000) / 1e6;
    int64_t delay = job_backoff_delay_ms(&policy, claim->attempt, outcome->retry_after_s, unit);
    *out = (job_settlement){
        {JOB_STATE_QUEUED, error, NULL, clock_now_ms() + delay}, JOB_METRIC_RETRIED, "retry"};
}

static void settle(const job_queue *queue, const job_claim *claim, const job_lease *lease,
                   job_outcome *outcome, job_settlement *out)
{
    memset(out, 0, sizeof *out);
    switch (outcome->kind) {
    case JOB_OUTCOME_DONE:
        *out = (job_settlement){{JOB_STATE_SUCCEEDED, NULL, outcome->result_json, 0},
                                JOB_METRIC_SUCCEEDED,
                                "succeeded"};
        return;
    case JOB_OUTCOME_CANCELLED:
        *out = (job_settlement){
            {JOB_STATE_CANCELLED, NULL, NULL, 0}, JOB_METRIC_CANCELLED, "cancelled"};
        if (outcome->error[0])
            out->finish.last_error = error_text(outcome, NULL);
        return;
    case JOB_OUTCOME_RETRY:
        settle_retry(queue, claim, lease, outcome, out);
        return;
    case JOB_OUTCOME_DEFER: /* here only when a cancel was asked meanwhile */
        *out = (job_settlement){
            {JOB_STATE_CANCELLED, NULL, NULL, 0}, JOB_METRIC_CANCELLED, "cancelled"};
        return;
    case JOB_OUTCOME_FAILED:
    default:
        *out = (job_settlement){{JOB_STATE_FAILED, error_text(outcome, "the job failed"), NULL, 0},
                                JOB_METRIC_FAILED,
                                "failed"};
        return;
    }
}

static void log_outcome(const job_claim *claim, const char *label, const job_settlement *s,
                        double seconds)
{
    json_t *fields = json_pack("{s:s, s:s, s:s?, s:i, s:i, s:s, s:f}", "jobId", claim->id, "kind",
                               claim->kind, "assetId", *claim->asset_id ? claim->asset_id : NULL,
                               "attempt", claim->attempt, "maxAttempts", claim->max_attempts,
                               "outcome", label, "durationMs", seconds * 1000.0);
    if (fields && claim->lease_expired) /* taken over from a worker whose lease ran out */
        json_object_set_new(fields, "takenOver", json_true());
    if (fields && s && s->finish.last_error)
        json_object_set_new(fields, "error", json_string(s->finish.last_error));
    if (fields && s && s->finish.state == JOB_STATE_QUEUED) {
        char when[CLOCK_ISO_SIZE];
        clock_format_iso(s->finish.run_after, when);
        json_object_set_new(fields, "nextAttemptAtUtc", json_string(when));
    }
    bool bad = s && s->finish.state == JOB_STATE_FAILED;
    log_fields(bad ? LOG_WARN : LOG_INFO, "job_finished", fields);
}

static void record(job_queue *queue, const job_claim *claim, const job_lease *lease,
                   const job_settlement *s, double seconds)
{
    nh_error err;
    bool changed = false;
    db_conn *conn = db_acquire(queue->database, &err);
    int rc = conn ? job_store_finish(conn, claim->id, lease->locked_by, claim->attempt, &s->finish,
                                     clock_now_ms(), &changed, &err)
                  : DB_ERROR;
    if (conn)
        db_release(queue->database, conn);
    if (rc != 0) {
        log_message(LOG_ERROR, "job_outcome_lost",
                    "job %s (attempt %d) ended %s but that could not be recorded (%s); it runs "
                    "again once its lease runs out",
                    claim->id, claim->attempt, s->label, err.message);
        return;
    }
    if (!changed) {
        log_outcome(claim, "lease_lost", NULL, seconds);
        return;
    }
    job_metrics_count(s->metric);
    log_outcome(claim, s->label, s, seconds);
}

static void run_claimed(job_worker *worker, const job_claim *claim)
{
    job_queue *queue = worker->queue;
    job_outcome outcome;
    memset(&outcome, 0, sizeof outcome);
    outcome.kind = JOB_OUTCOME_DONE;
    const job_handler_entry *entry = NULL;
    int64_t started_ns = clock_monotonic_ns();
    if (!decided_before(queue, claim, &entry, &outcome)) {
        call_handler(worker, entry, claim, &outcome);
        job_metrics_observe_job((double)(clock_monotonic_ns() - started_ns) / 1e9);
    }
    double seconds = (double)(clock_monotonic_ns() - started_ns) / 1e9;
    if (job_lease_lost(&worker->lease)) {
        log_outcome(claim, "lease_lost", NULL, seconds);
    } else if (outcome.kind == JOB_OUTCOME_DEFER && !job_cancel_requested(&worker->lease)) {
        int64_t delay = (int64_t)outcome.retry_after_s * 1000;
        give_back(queue, claim, worker->lease.locked_by,
                  clock_now_ms() + (delay > JOB_DEFER_MIN_MS ? delay : JOB_DEFER_MIN_MS));
        log_outcome(claim, "deferred", NULL, seconds);
    } else {
        job_settlement settlement;
        settle(queue, claim, &worker->lease, &outcome, &settlement);
        record(queue, claim, &worker->lease, &settlement, seconds);
    }
    free(outcome.result_json);
}

void *job_worker_main(void *argument)
{
    job_worker *worker = argument;
    job_queue *queue = worker->queue;
    for (;;) {
        pthread_mutex_lock(&queue->mutex);
        bool stopping = queue->stopping;
        uint64_t seen_wakes = queue->wakes;
        pthread_mutex_unlock(&queue->mutex);
        if (stopping)
            break;
        job_claim claim;
        bool claimed = false;
        nh_error err;
        if (job_store_claim(queue->database, worker->lease.locked_by, clock_now_ms(),
                            queue->lease_ms, &claim, &claimed, &err) != 0) {
            uint64_t suppressed = 0;
            if (log_throttle_allow(&claim_failure_throttle, 60000, &suppressed))
                log_message(LOG_WARN, "job_claim_failed", "%s (%llu more not logged)", err.message,
                            (unsigned long long)suppressed);
        }
        if (!claimed) {
            idle_wait(queue, seen_wakes);
            continue;
        }
        if (activate(worker, &claim)) {
            run_claimed(worker, &claim);
            deactivate(worker);
        }
        job_claim_clear(&claim);
    }
    return NULL;
}
