/* storage_metrics.c - counters and latency histograms of storage operations (see
 * storage_metrics.h). */
#include "storage/storage_metrics.h"

#include <stdatomic.h>
#include <string.h>

#include "storage/storage.h"

static const char *const backend_names[] = {"local", "s3-compatible", "github-repo", "other"};
#define BACKEND_COUNT (sizeof backend_names / sizeof backend_names[0])

static const char *const operation_names[STORAGE_OP_COUNT] = {"put", "open", "open_range", "remove",
                                                              "exists"};

enum { OUTCOME_OK = 0, OUTCOME_NOT_FOUND, OUTCOME_ERROR, OUTCOME_COUNT };
static const char *const outcome_names[OUTCOME_COUNT] = {"ok", "not_found", "error"};

/* Remote calls take milliseconds to seconds; local ones microseconds. */
static const double latency_buckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                         0.25,   0.5,   1,      2.5,   5,    10,    30};
#define BUCKET_COUNT (sizeof latency_buckets / sizeof latency_buckets[0])

typedef struct operation_series {
    _Atomic uint64_t outcomes[OUTCOME_COUNT];
    _Atomic uint64_t buckets[BUCKET_COUNT];
    _Atomic uint64_t count;
    _Atomic uint64_t sum_ns;
} operation_series;

static operation_series series[BACKEND_COUNT][STORAGE_OP_COUNT];

static size_t backend_index(const char *type)
{
    for (size_t i = 0; type && i < BACKEND_COUNT - 1; i++)
        if (!strcmp(type, backend_names[i]))
            return i;
    return BACKEND_COUNT - 1;
}

void storage_metrics_record(const char *backend_type, storage_metrics_op op, int rc,
                            int64_t duration_ns)
{
    if ((unsigned)op >= STORAGE_OP_COUNT)
        return;
    operation_series *slot = &series[backend_index(backend_type)][op];
    int outcome = rc == 0                   ? OUTCOME_OK
                  : rc == STORAGE_NOT_FOUND ? OUTCOME_NOT_FOUND
                                            : OUTCOME_ERROR;
    atomic_fetch_add(&slot->outcomes[outcome], 1);
    double seconds = (double)duration_ns / 1e9;
    /* The count first, then the buckets from the widest down: a scrape that reads the buckets
     * upwards and the count last never sees a bucket above a wider one or above the count. */
    atomic_fetch_add(&slot->count, 1);
    for (size_t i = BUCKET_COUNT; i-- > 0;)
        if (seconds <= latency_buckets[i])
            atomic_fetch_add(&slot->buckets[i], 1);
    atomic_fetch_add(&slot->sum_ns, duration_ns > 0 ? (uint64_t)duration_ns : 0);
}

static int render_counts(buf *out)
{
    buf_append_str(out, "# HELP nekohub_storage_operations_total Storage operations by backend "
                        "type, operation and outcome.\n"
                        "# TYPE nekohub_storage_operations_total counter\n");
    for (size_t b = 0; b < BACKEND_COUNT; b++)
        for (size_t o = 0; o < STORAGE_OP_COUNT; o++)
            for (size_t k = 0; atomic_load(&series[b][o].count) > 0 && k < OUTCOME_COUNT; k++)
                buf_printf(out,
                           "nekohub_storage_operations_total{backend=\"%s\",operation=\"%s\","
                           "outcome=\"%s\"} %llu\n",
                           backend_names[b], operation_names[o], outcome_names[k],
                           (unsigned long long)atomic_load(&series[b][o].outcomes[k]));
    return buf_failed(out) ? -1 : 0;
}

#define SERIES_LABELS "backend=\"%s\",operation=\"%s\""

static void render_histogram(buf *out, size_t b, size_t o)
{
    const operation_series *slot = &series[b][o];
    uint64_t
        buckets[BUCKET_COUNT]; /* read upwards, the count after them (see storage_metrics_record) */
    for (size_t i = 0; i < BUCKET_COUNT; i++)
        buckets[i] = atomic_load(&slot->buckets[i]);
    uint64_t count = atomic_load(&slot->count);
    for (size_t i = 0; i < BUCKET_COUNT; i++) {
        buf_append_str(out, "nekohub_storage_operation_duration_seconds_bucket{");
        buf_printf(out, SERIES_LABELS, backend_names[b], operation_names[o]);
        buf_printf(out, ",le=\"%g\"} %llu\n", latency_buckets[i], (unsigned long long)buckets[i]);
    }
    buf_append_str(out, "nekohub_storage_operation_duration_seconds_bucket{");
    buf_printf(out, SERIES_LABELS, backend_names[b], operation_names[o]);
    buf_printf(out, ",le=\"+Inf\"} %llu\n", (unsigned long long)count);
    buf_append_str(out, "nekohub_storage_operation_duration_seconds_sum{");
    buf_printf(out, SERIES_LABELS, backend_names[b], operation_names[o]);
    buf_printf(out, "} %.6f\n", (double)atomic_load(&slot->sum_ns) / 1e9);
    buf_append_str(out, "nekohub_storage_operation_duration_seconds_count{");
    buf_printf(out, SERIES_LABELS, backend_names[b], operation_names[o]);
    buf_printf(out, "} %llu\n", (unsigned long long)count);
}

int storage_metrics_render(buf *out)
{
    if (render_counts(out) != 0)
        return -1;
    buf_append_str(out, "# HELP nekohub_storage_operation_duration_seconds Time a storage "
                        "operation took, by backend type and operation.\n"
                        "# TYPE nekohub_storage_operation_duration_seconds histogram\n");
    for (size_t b = 0; b < BACKEND_COUNT; b++)
        for (size_t o = 0; o < STORAGE_OP_COUNT; o++) {
            if (atomic_load(&series[b][o].count) > 0)
                render_histogram(out, b, o);
        }
    return buf_failed(out) ? -1 : 0;
}
