/* job_metrics.c - the queue's Prometheus series (see job_queue.h and job_metrics.h): a gauge of
 * jobs by state read from the table, counters of finished attempts by outcome, and histograms of
 * handler and step durations. Step names are few and fixed (the step executors); each gets a
 * slot on first use, and names beyond JOB_METRICS_STEP_SLOTS share the slot "other". */
#include "jobs/job_metrics.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "jobs/job_store.h"

#define JOB_METRICS_STEP_SLOTS 16
#define STEP_NAME_SIZE 64

static const char *const outcome_names[JOB_METRIC_OUTCOME_COUNT] = {
    "succeeded", "retried", "failed", "cancelled", "handed_back"};

/* Steps and whole jobs take from milliseconds (a thumbnail) to minutes (a slow remote). */
static const double duration_buckets[] = {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,  2.5,
                                          5,    10,    30,   60,  120,  300, 600};
#define BUCKET_COUNT (sizeof duration_buckets / sizeof duration_buckets[0])

typedef struct histogram {
    _Atomic uint64_t buckets[BUCKET_COUNT];
    _Atomic uint64_t count;
    _Atomic uint64_t sum_us;
} histogram;

typedef struct step_slot {
    char name[STEP_NAME_SIZE]; /* written once under slot_lock, before `used` is set */
    _Atomic bool used;
    histogram timing;
} step_slot;

static _Atomic uint64_t outcomes[JOB_METRIC_OUTCOME_COUNT];
static histogram job_timing;
static step_slot steps[JOB_METRICS_STEP_SLOTS + 1]; /* the last one is "other" */
static pthread_mutex_t slot_lock = PTHREAD_MUTEX_INITIALIZER;

/* The count first, then the buckets from the widest down (a scrape reading the buckets upwards
 * and the count last never sees a bucket above a wider one, as in storage_metrics.c). */
static void histogram_observe(histogram *h, double seconds)
{
    atomic_fetch_add(&h->count, 1);
    for (size_t i = BUCKET_COUNT; i-- > 0;)
        if (seconds <= duration_buckets[i])
            atomic_fetch_add(&h->buckets[i], 1);
    atomic_fetch_add(&h->sum_us, seconds > 0 ? (uint64_t)(seconds * 1e6) : 0);
}

void job_metrics_count(job_metric_outcome outcome)
{
    if ((unsigned)outcome < JOB_METRIC_OUTCOME_COUNT)
        atomic_fetch_add(&outcomes[outcome], 1);
}

void job_metrics_observe_job(double seconds)
{
    histogram_observe(&job_timing, seconds);
}

/* Step names are identifiers; anything else is not used as a label value. */
static bool plain_name(const char *name)
{
    size_t length = strlen(name);
    if (length == 0 || length >= STEP_NAME_SIZE)
        return false;
    for (size_t i = 0; i < length; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.'))
            return false;
    }
    return true;
}

static step_slot *slot_of(const char *name)
{
    step_slot *other = &steps[JOB_METRICS_STEP_SLOTS];
    if (!name || !plain_name(name))
        return other;
    for (size_t i = 0; i < JOB_METRICS_STEP_SLOTS; i++)
        if (atomic_load(&steps[i].used) && !strcmp(steps[i].name, name))
            return &steps[i];
    pthread_mutex_lock(&slot_lock);
    step_slot *found = other;
    for (size_t i = 0; i < JOB_METRICS_STEP_SLOTS; i++) {
        if (!atomic_load(&steps[i].used)) {
            memcpy(steps[i].name, name, strlen(name) + 1);
            atomic_store(&steps[i].used, true);
            found = &steps[i];
            break;
        }
        if (!strcmp(steps[i].name, name)) {
            found = &steps[i];
            break;
        }
    }
    pthread_mutex_unlock(&slot_lock);
    return found;
}

void job_metrics_observe_step(const char *step_name, double seconds)
{
    histogram_observe(&slot_of(step_name)->timing, seconds);
}

static void render_histogram(buf *out, const char *metric, const char *labels, histogram *h)
{
    uint64_t buckets[BUCKET_COUNT];
    for (size_t i = 0; i < BUCKET_COUNT; i++)
        buckets[i] = atomic_load(&h->buckets[i]);
    uint64_t count = atomic_load(&h->count);
    const char *comma = *labels ? "," : "";
    for (size_t i = 0; i < BUCKET_COUNT; i++)
        buf_printf(out, "%s_bucket{%s%sle=\"%g\"} %llu\n", metric, labels, comma,
                   duration_buckets[i], (unsigned long long)buckets[i]);
    buf_printf(out, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", metric, labels, comma,
               (unsigned long long)count);
    buf_printf(out, "%s_sum%s%s%s %.6f\n", metric, *labels ? "{" : "", labels, *labels ? "}" : "",
               (double)atomic_load(&h->sum_us) / 1e6);
    buf_printf(out, "%s_count%s%s%s %llu\n", metric, *labels ? "{" : "", labels, *labels ? "}" : "",
               (unsigned long long)count);
}

static void render_gauge(db *database, buf *out)
{
    job_counts counts;
    nh_error err;
    if (job_store_count(database, &counts, &err) != 0) {
        log_message(LOG_WARN, "metrics", "jobs by state could not be read: %s", err.message);
        return; /* the rest of /metrics still answers */
    }
    buf_append_str(out, "# HELP nekohub_jobs Jobs in the queue's table by state.\n"
                        "# TYPE nekohub_jobs gauge\n");
    for (int state = JOB_STATE_QUEUED; state <= JOB_STATE_CANCELLED; state++)
        buf_printf(out, "nekohub_jobs{state=\"%s\"} %lld\n", job_state_name((job_state)state),
                   (long long)counts.by_state[state]);
}

static void render_steps(buf *out)
{
    buf_append_str(out, "# HELP nekohub_job_step_duration_seconds Time one processing step "
                        "took, by step.\n"
                        "# TYPE nekohub_job_step_duration_seconds histogram\n");
    for (size_t i = 0; i <= JOB_METRICS_STEP_SLOTS; i++) {
        step_slot *slot = &steps[i];
        bool other = i == JOB_METRICS_STEP_SLOTS;
        if ((!other && !atomic_load(&slot->used)) || atomic_load(&slot->timing.count) == 0)
            continue;
        char labels[STEP_NAME_SIZE + 16];
        snprintf(labels, sizeof labels, "step=\"%s\"", other ? "other" : slot->name);
        render_histogram(out, "nekohub_job_step_duration_seconds", labels, &slot->timing);
    }
}

int job_metrics_render(db *database, buf *out)
{
    if (database)
        render_gauge(database, out);
    buf_append_str(out, "# HELP nekohub_jobs_finished_total Job attempts this process ended, "
                        "by outcome.\n"
                        "# TYPE nekohub_jobs_finished_total counter\n");
    for (size_t i = 0; i < JOB_METRIC_OUTCOME_COUNT; i++)
        buf_printf(out, "nekohub_jobs_finished_total{outcome=\"%s\"} %llu\n", outcome_names[i],
                   (unsigned long long)atomic_load(&outcomes[i]));
    buf_append_str(out, "# HELP nekohub_job_duration_seconds Time this process's job handlers "
                        "took per attempt.\n"
                        "# TYPE nekohub_job_duration_seconds histogram\n");
    render_histogram(out, "nekohub_job_duration_seconds", "", &job_timing);
    render_steps(out);
    return buf_failed(out) ? -1 : 0;
}
