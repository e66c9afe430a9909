/* job_lease.c - leases of running jobs: what a handler reads (lost, cancel requested) and the
 * renewal thread that extends every live lease of this process every lease/3.
 *
 * A renewal that changes no row means the lease is no longer ours (it expired and another
 * worker took the job, or it was handed back): the lease is marked lost and the handler stops.
 * A renewal that fails (database unreachable) keeps the lease until its own deadline passes on
 * the monotonic clock, then marks it lost too: by then another worker may have taken the job.
 * The row's cancel_requested comes back with every renewal, so a cancel asked for through the
 * API (or another process) reaches the handler within lease/3. */
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "jobs/job_queue_internal.h"

bool job_lease_lost(const job_lease *lease)
{
    return lease && atomic_load(&lease->lost);
}

bool job_cancel_requested(const job_lease *lease)
{
    return lease && atomic_load(&lease->cancel_requested);
}

void job_lease_begin(job_lease *lease, const job_claim *claim, int64_t lease_ms)
{
    memcpy(lease->job_id, claim->id, UUID_TEXT_SIZE);
    lease->attempt = claim->attempt;
    lease->active = true;
    lease->expires_ns = clock_monotonic_ns() + lease_ms * 1000000;
    atomic_store(&lease->lost, false);
    atomic_store(&lease->cancel_requested, claim->cancel_requested);
}

void job_lease_end(job_lease *lease)
{
    lease->active = false;
}

/* What one renewal round works on, copied under the mutex. */
typedef struct renewal_item {
    job_lease *lease;
    char job_id[UUID_TEXT_SIZE];
    int attempt;
} renewal_item;

/* The lease still belongs to the same claim (the worker may have moved on meanwhile). */
static bool same_claim(const job_lease *lease, const renewal_item *item)
{
    return lease->active && lease->attempt == item->attempt && !strcmp(lease->job_id, item->job_id);
}

static void apply_renewal(job_queue *queue, const renewal_item *item, int rc, bool held,
                          bool cancel_requested, const nh_error *err)
{
    job_lease *lease = item->lease;
    pthread_mutex_lock(&queue->mutex);
    if (same_claim(lease, item) && !atomic_load(&lease->lost)) {
        if (rc == 0 && held) {
            lease->expires_ns = clock_monotonic_ns() + queue->lease_ms * 1000000;
            if (cancel_requested)
                atomic_store(&lease->cancel_requested, true);
        } else if (rc == 0) {
            atomic_store(&lease->lost, true);
            log_message(LOG_WARN, "job_lease_lost",
                        "job %s (attempt %d): the lease is no longer this worker's", item->job_id,
                        item->attempt);
        } else if (clock_monotonic_ns() >= lease->expires_ns) {
            atomic_store(&lease->lost, true);
            log_message(LOG_WARN, "job_lease_lost",
                        "job %s (attempt %d): the lease ran out while it could not be renewed "
                        "(%s)",
                        item->job_id, item->attempt, err->message);
        }
    }
    pthread_mutex_unlock(&queue->mutex);
}

static void renew_all(job_queue *queue, const renewal_item *items, size_t count)
{
    nh_error err;
    db_conn *conn = db_acquire(queue->database, &err);
    for (size_t i = 0; i < count; i++) {
        bool held = false;
        bool cancel_requested = false;
        int rc = DB_ERROR;
        if (conn) {
            int64_t now = clock_now_ms();
            rc = job_store_renew(conn, items[i].job_id, items[i].lease->locked_by, items[i].attempt,
                                 now, now + queue->lease_ms, &held, &cancel_requested, &err);
        }
        apply_renewal(queue, &items[i], rc, held, cancel_requested, &err);
    }
    if (conn)
        db_release(queue->database, conn);
}

/* Copy the active, not lost leases (m held). */
static size_t collect(job_queue *queue, renewal_item *items)
{
    size_t count = 0;
    for (int i = 0; i < queue->workers_wanted; i++) {
        job_lease *lease = &queue->workers[i].lease;
        if (!lease->active || atomic_load(&lease->lost))
            continue;
        items[count].lease = lease;
        memcpy(items[count].job_id, lease->job_id, UUID_TEXT_SIZE);
        items[count].attempt = lease->attempt;
        count++;
    }
    return count;
}

void *job_lease_renewal_main(void *argument)
{
    job_queue *queue = argument;
    int64_t interval_ms = queue->lease_ms / 3 > 100 ? queue->lease_ms / 3 : 100;
    renewal_item items[JOB_QUEUE_MAX_WORKERS];
    pthread_mutex_lock(&queue->mutex);
    while (!queue->renewal_stopping) {
        struct timespec deadline;
        clock_monotonic_deadline(interval_ms, &deadline);
        while (!queue->renewal_stopping &&
               pthread_cond_timedwait(&queue->renew, &queue->mutex, &deadline) == 0) {
        }
        if (queue->renewal_stopping)
            break;
        size_t count = collect(queue, items);
        pthread_mutex_unlock(&queue->mutex);
        if (count > 0)
            renew_all(queue, items, count);
        pthread_mutex_lock(&queue->mutex);
    }
    pthread_mutex_unlock(&queue->mutex);
    return NULL;
}
