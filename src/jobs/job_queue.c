/* job_queue.c - the queue service's life cycle (create, register, start, stop, destroy), the
 * wake-up of idle workers (job_queue_notify) and waiting for a job to finish
 * (job_queue_wait). The worker threads are job_worker.c; leases and their renewal job_lease.c;
 * the SQL job_store.c and job_claim.c.
 *
 * Stop: no new claims; the running handlers get shutdown_grace_s (their leases are still
 * renewed); then each job still running is handed back (job_store_hand_back) and its lease
 * marked lost, the worker threads are joined (a handler that ignores job_lease_lost() holds the
 * stop up until it returns), and last the renewal thread. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "jobs/job_metrics.h"
#include "jobs/job_queue_internal.h"

static void default_worker_name(char *out, size_t size)
{
    char host[JOB_WORKER_NAME_MAX / 2];
    if (gethostname(host, sizeof host) != 0)
        snprintf(host, sizeof host, "host");
    host[sizeof host - 1] = '\0';
    snprintf(out, size, "%s:%ld", host, (long)getpid());
}

static int init_sync(job_queue *queue)
{
    if (pthread_mutex_init(&queue->mutex, NULL) != 0)
        return -1;
    if (clock_cond_init_monotonic(&queue->work) != 0)
        goto no_work;
    if (clock_cond_init_monotonic(&queue->finished) != 0)
        goto no_finished;
    if (clock_cond_init_monotonic(&queue->renew) != 0)
        goto no_renew;
    return 0;
no_renew:
    pthread_cond_destroy(&queue->finished);
no_finished:
    pthread_cond_destroy(&queue->work);
no_work:
    pthread_mutex_destroy(&queue->mutex);
    return -1;
}

job_queue *job_queue_create(db *database, const job_queue_settings *settings, nh_error *err)
{
    if (settings->workers < 0 || settings->workers > JOB_QUEUE_MAX_WORKERS ||
        settings->lease_s < 1 || settings->poll_interval_ms < 1) {
        error_set(err, 500, "start_failed", "the job queue settings are out of range");
        return NULL;
    }
    job_queue *queue = calloc(1, sizeof *queue);
    if (!queue || init_sync(queue) != 0) {
        free(queue);
        error_set(err, 500, "start_failed", "the job queue could not be created");
        return NULL;
    }
    queue->database = database;
    queue->workers_wanted = settings->workers;
    queue->lease_ms = (int64_t)settings->lease_s * 1000;
    queue->retry_base_s = settings->retry_base_s;
    queue->retry_max_s = settings->retry_max_s;
    queue->poll_interval_ms = settings->poll_interval_ms;
    queue->shutdown_grace_s = settings->shutdown_grace_s > 0 ? settings->shutdown_grace_s : 0;
    if (settings->worker_name && *settings->worker_name)
        snprintf(queue->worker_name, sizeof queue->worker_name, "%s", settings->worker_name);
    else
        default_worker_name(queue->worker_name, sizeof queue->worker_name);
    return queue;
}

db *job_queue_database(const job_queue *queue)
{
    return queue->database;
}

int job_queue_register(job_queue *queue, const char *kind, job_handler handler, void *context)
{
    pthread_mutex_lock(&queue->mutex);
    bool refused =
        queue->started || queue->handler_count >= JOB_QUEUE_MAX_HANDLERS || !kind || !handler;
    char *copy = refused ? NULL : strdup(kind);
    if (copy) {
        for (size_t i = 0; i < queue->handler_count; i++)
            refused = refused || !strcmp(queue->handlers[i].kind, kind);
    }
    if (copy && !refused)
        queue->handlers[queue->handler_count++] = (job_handler_entry){copy, handler, context};
    pthread_mutex_unlock(&queue->mutex);
    if (!copy || refused) {
        free(copy);
        log_message(LOG_ERROR, "job_queue", "the handler of job kind %s could not be registered",
                    kind ? kind : "(none)");
        return -1;
    }
    return 0;
}

static int start_workers(job_queue *queue, nh_error *err)
{
    for (int i = 0; i < queue->workers_wanted; i++) {
        job_worker *worker = &queue->workers[i];
        worker->queue = queue;
        worker->index = i + 1;
        worker->lease.queue = queue;
        snprintf(worker->lease.locked_by, sizeof worker->lease.locked_by, "%s#%d",
                 queue->worker_name, worker->index);
        if (pthread_create(&worker->thread, NULL, job_worker_main, worker) != 0)
            return error_set(err, 500, "start_failed", "a job worker thread could not start");
        worker->thread_started = true;
    }
    if (pthread_create(&queue->renewal, NULL, job_lease_renewal_main, queue) != 0)
        return error_set(err, 500, "start_failed", "the lease renewal thread could not start");
    queue->renewal_started = true;
    return 0;
}

int job_queue_start(job_queue *queue, nh_error *err)
{
    pthread_mutex_lock(&queue->mutex);
    bool already = queue->started;
    queue->started = true;
    pthread_mutex_unlock(&queue->mutex);
    if (already || queue->workers_wanted == 0)
        return 0;
    queue->workers = calloc((size_t)queue->workers_wanted, sizeof *queue->workers);
    if (!queue->workers)
        return error_set(err, 500, "start_failed", "the job workers could not be allocated");
    if (start_workers(queue, err) != 0) {
        job_queue_stop(queue);
        return -1;
    }
    log_fields(LOG_INFO, "job_workers_started",
               json_pack("{s:i, s:s, s:i}", "workers", queue->workers_wanted, "workerName",
                         queue->worker_name, "leaseSeconds", (int)(queue->lease_ms / 1000)));
    return 0;
}

void job_queue_notify(job_queue *queue)
{
    if (!queue)
        return;
    pthread_mutex_lock(&queue->mutex);
    queue->wakes++;
    pthread_cond_broadcast(&queue->work);
    pthread_mutex_unlock(&queue->mutex);
}

/* One lease still running after the grace period, to hand back. */
typedef struct hand_back_item {
    char job_id[UUID_TEXT_SIZE];
    const char *locked_by;
    int attempt;
} hand_back_item;

/* Wait out the grace period, then mark every lease still active lost and list it (m held). */
static size_t grace_then_collect(job_queue *queue, hand_back_item *items)
{
    struct timespec deadline;
    clock_monotonic_deadline((int64_t)queue->shutdown_grace_s * 1000, &deadline);
    while (queue->running > 0 &&
           pthread_cond_timedwait(&queue->finished, &queue->mutex, &deadline) != ETIMEDOUT) {
    }
    size_t count = 0;
    for (int i = 0; queue->workers && i < queue->workers_wanted; i++) {
        job_lease *lease = &queue->workers[i].lease;
        if (!lease->active || atomic_load(&lease->lost))
            continue;
        atomic_store(&lease->lost, true);
        memcpy(items[count].job_id, lease->job_id, UUID_TEXT_SIZE);
        items[count].locked_by = lease->locked_by;
        items[count].attempt = lease->attempt;
        count++;
    }
    return count;
}

static void hand_back_all(job_queue *queue, const hand_back_item *items, size_t count)
{
    nh_error err;
    db_conn *conn = count > 0 ? db_acquire(queue->database, &err) : NULL;
    for (size_t i = 0; i < count; i++) {
        bool changed = false;
        int64_t now = clock_now_ms();
        int rc = conn ? job_store_hand_back(conn, items[i].job_id, items[i].locked_by,
                                            items[i].attempt, now, now, &changed, &err)
                      : DB_ERROR;
        if (rc != 0) {
            log_message(LOG_WARN, "job_hand_back_failed",
                        "job %s stays claimed until its lease runs out: %s", items[i].job_id,
                        err.message);
            continue;
        }
        if (changed)
            job_metrics_count(JOB_METRIC_HANDED_BACK);
        log_message(LOG_INFO, "job_handed_back", "job %s (attempt %d) %s", items[i].job_id,
                    items[i].attempt,
                    changed ? "is queued again for another worker" : "had already ended");
    }
    if (conn)
        db_release(queue->database, conn);
}

static void join_threads(job_queue *queue)
{
    for (int i = 0; queue->workers && i < queue->workers_wanted; i++)
        if (queue->workers[i].thread_started) {
            pthread_join(queue->workers[i].thread, NULL);
            queue->workers[i].thread_started = false;
        }
    pthread_mutex_lock(&queue->mutex);
    queue->renewal_stopping = true;
    pthread_cond_broadcast(&queue->renew);
    pthread_mutex_unlock(&queue->mutex);
    if (queue->renewal_started) {
        pthread_join(queue->renewal, NULL);
        queue->renewal_started = false;
    }
}

void job_queue_stop(job_queue *queue)
{
    if (!queue)
        return;
    hand_back_item items[JOB_QUEUE_MAX_WORKERS];
    pthread_mutex_lock(&queue->mutex);
    if (!queue->started || queue->stopping) {
        pthread_mutex_unlock(&queue->mutex);
        return;
    }
    queue->stopping = true;
    pthread_cond_broadcast(&queue->work);
    size_t count = grace_then_collect(queue, items);
    pthread_mutex_unlock(&queue->mutex);
    hand_back_all(queue, items, count);
    join_threads(queue);
}

void job_queue_destroy(job_queue *queue)
{
    if (!queue)
        return;
    job_queue_stop(queue);
    for (size_t i = 0; i < queue->handler_count; i++)
        free(queue->handlers[i].kind);
    free(queue->workers);
    pthread_cond_destroy(&queue->renew);
    pthread_cond_destroy(&queue->finished);
    pthread_cond_destroy(&queue->work);
    pthread_mutex_destroy(&queue->mutex);
    free(queue);
}

/* ---- waiting for a job ------------------------------------------------------------------- */

static bool has_ended(job_state state)
{
    return state == JOB_STATE_SUCCEEDED || state == JOB_STATE_FAILED ||
           state == JOB_STATE_CANCELLED;
}

static int read_job(job_queue *queue, const char *job_id, job_info *out, nh_error *err)
{
    db_conn *conn = db_acquire(queue->database, err);
    if (!conn) {
        memset(out, 0, sizeof *out);
        return DB_ERROR;
    }
    int rc = job_store_get(conn, job_id, out, err);
    db_release(queue->database, conn);
    return rc;
}

int job_queue_wait(job_queue *queue, const char *job_id, int timeout_ms, job_info *out,
                   nh_error *err)
{
    int64_t deadline_ns =
        clock_monotonic_ns() + (int64_t)(timeout_ms > 0 ? timeout_ms : 0) * 1000000;
    for (;;) {
        pthread_mutex_lock(&queue->mutex);
        uint64_t seen = queue->finished_count;
        pthread_mutex_unlock(&queue->mutex);
        if (read_job(queue, job_id, out, err) != 0)
            return -1;
        int64_t left_ms = (deadline_ns - clock_monotonic_ns()) / 1000000;
        if (has_ended(out->state) || left_ms <= 0)
            return 0;
        job_info_clear(out);
        struct timespec deadline;
        clock_monotonic_deadline(
            left_ms < queue->poll_interval_ms ? left_ms : queue->poll_interval_ms, &deadline);
        pthread_mutex_lock(&queue->mutex);
        while (queue->finished_count == seen &&
               pthread_cond_timedwait(&queue->finished, &queue->mutex, &deadline) != ETIMEDOUT) {
        }
        pthread_mutex_unlock(&queue->mutex);
    }
}
