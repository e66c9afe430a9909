/* metrics.c - Prometheus counters and histograms for HTTP requests, lock-free per slot. */
#include "http/metrics.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* (method, status) cells per slot; a request whose cell cannot be claimed counts as dropped. */
#define METRICS_CELLS_PER_SLOT 32

static const double latency_buckets[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                         0.25,  0.5,    1,     2.5,  5,     10};
#define BUCKET_COUNT (sizeof latency_buckets / sizeof latency_buckets[0])

static const char *const known_methods[] = {"GET",   "HEAD",   "POST",    "PUT",
                                            "PATCH", "DELETE", "OPTIONS", "OTHER"};
#define METHOD_COUNT (sizeof known_methods / sizeof known_methods[0])

static const char *const pseudo_labels[METRICS_LABEL_COUNT] = {
    "(unmatched)", "(method_not_allowed)", "(preflight)", "(console)"};

typedef struct status_cell {
    _Atomic uint32_t key; /* 0: free; else method index << 16 | status */
    _Atomic uint64_t count;
} status_cell;

typedef struct metrics_slot {
    const char *label;
    status_cell cells[METRICS_CELLS_PER_SLOT];
    _Atomic uint64_t buckets[BUCKET_COUNT];
    _Atomic uint64_t count;
    _Atomic uint64_t sum_ns;
} metrics_slot;

struct http_metrics {
    _Atomic long in_flight;
    _Atomic uint64_t dropped;
    _Atomic uint64_t bytes_sent;
    char *version;
    metrics_gauge_source gauge_source;
    void *gauge_context;
    size_t route_count;
    size_t slot_count;
    metrics_slot *slots;
};

http_metrics *metrics_create(const char *version, const route *routes, size_t route_count)
{
    http_metrics *metrics = calloc(1, sizeof *metrics);
    if (!metrics)
        return NULL;
    metrics->version = strdup(version);
    metrics->slot_count = route_count + METRICS_LABEL_COUNT;
    metrics->slots = calloc(metrics->slot_count, sizeof *metrics->slots);
    if (!metrics->version || !metrics->slots) {
        free(metrics->version);
        free(metrics->slots);
        free(metrics);
        return NULL;
    }
    metrics->route_count = route_count;
    for (size_t i = 0; i < route_count; i++)
        metrics->slots[i].label = routes[i].pattern;
    for (size_t i = 0; i < METRICS_LABEL_COUNT; i++)
        metrics->slots[route_count + i].label = pseudo_labels[i];
    return metrics;
}

void metrics_destroy(http_metrics *metrics)
{
    if (!metrics)
        return;
    free(metrics->slots);
    free(metrics->version);
    free(metrics);
}

size_t metrics_pseudo_slot(const http_metrics *metrics, int pseudo_label)
{
    return metrics->route_count + (size_t)pseudo_label;
}

const char *metrics_slot_label(const http_metrics *metrics, size_t slot)
{
    return slot < metrics->slot_count ? metrics->slots[slot].label : pseudo_labels[0];
}

void metrics_request_started(http_metrics *metrics)
{
    atomic_fetch_add(&metrics->in_flight, 1);
}

int64_t metrics_in_flight(http_metrics *metrics)
{
    return atomic_load(&metrics->in_flight);
}

static uint32_t method_index(const char *method)
{
    for (uint32_t i = 0; i < METHOD_COUNT - 1; i++)
        if (!strcmp(method, known_methods[i]))
            return i;
    return METHOD_COUNT - 1;
}

/* Find or claim the cell of key (lock-free: a free cell is claimed by compare-and-swap). */
static status_cell *cell_of(metrics_slot *slot, uint32_t key)
{
    for (size_t i = 0; i < METRICS_CELLS_PER_SLOT; i++) {
        status_cell *cell = &slot->cells[i];
        uint32_t current = atomic_load(&cell->key);
        if (current == 0) {
            uint32_t expected = 0;
            if (atomic_compare_exchange_strong(&cell->key, &expected, key))
                return cell;
            current = expected;
        }
        if (current == key)
            return cell;
    }
    return NULL;
}

void metrics_request_finished(http_metrics *metrics, size_t slot_index, const char *method,
                              int status, int64_t duration_ns, uint64_t bytes)
{
    atomic_fetch_sub(&metrics->in_flight, 1);
    atomic_fetch_add(&metrics->bytes_sent, bytes);
    if (slot_index >= metrics->slot_count || status < 100 || status > 999) {
        atomic_fetch_add(&metrics->dropped, 1);
        return;
    }
    metrics_slot *slot = &metrics->slots[slot_index];
    status_cell *cell = cell_of(slot, method_index(method) << 16 | (uint32_t)status);
    if (cell)
        atomic_fetch_add(&cell->count, 1);
    else
        atomic_fetch_add(&metrics->dropped, 1);
    double seconds = (double)duration_ns / 1e9;
    /* The count first, then the buckets from the widest down: a scrape that reads the buckets
     * upwards and the count last never sees a bucket above a wider one or above the count. */
    atomic_fetch_add(&slot->count, 1);
    for (size_t i = BUCKET_COUNT; i-- > 0;)
        if (seconds <= latency_buckets[i])
            atomic_fetch_add(&slot->buckets[i], 1);
    atomic_fetch_add(&slot->sum_ns, duration_ns > 0 ? (uint64_t)duration_ns : 0);
}

/* Route templates contain only path characters, but escape label values anyway. */
static int append_label(buf *out, const char *value)
{
    for (const char *c = value; *c; c++) {
        if (*c == '"' || *c == '\\') {
            if (buf_append(out, "\\", 1) != 0)
                return -1;
        }
        if (*c == '\n') {
            if (buf_append_str(out, "\\n") != 0)
                return -1;
            continue;
        }
        if (buf_append(out, c, 1) != 0)
            return -1;
    }
    return 0;
}

static int render_requests(http_metrics *metrics, buf *out)
{
    int failed = buf_append_str(out, "# HELP nekohub_http_requests_total HTTP requests by route "
                                     "template, method and status.\n"
                                     "# TYPE nekohub_http_requests_total counter\n");
    for (size_t s = 0; s < metrics->slot_count && !failed; s++) {
        metrics_slot *slot = &metrics->slots[s];
        for (size_t i = 0; i < METRICS_CELLS_PER_SLOT && !failed; i++) {
            uint32_t key = atomic_load(&slot->cells[i].key);
            if (key == 0)
                break;
            failed |= buf_append_str(out, "nekohub_http_requests_total{route=\"");
            failed |= append_label(out, slot->label);
            failed |= buf_printf(out, "\",method=\"%s\",status=\"%u\"} %llu\n",
                                 known_methods[(key >> 16) % METHOD_COUNT], key & 0xffffu,
                                 (unsigned long long)atomic_load(&slot->cells[i].count));
        }
    }
    return failed ? -1 : 0;
}

static int render_latency_slot(metrics_slot *slot, buf *out)
{
    uint64_t buckets[BUCKET_COUNT]; /* read upwards, the count after them (see
                                       metrics_request_finished) */
    for (size_t b = 0; b < BUCKET_COUNT; b++)
        buckets[b] = atomic_load(&slot->buckets[b]);
    uint64_t count = atomic_load(&slot->count);
    int failed = 0;
    for (size_t b = 0; b < BUCKET_COUNT; b++) {
        failed |= buf_append_str(out, "nekohub_http_request_duration_seconds_bucket{route=\"");
        failed |= append_label(out, slot->label);
        failed |= buf_printf(out, "\",le=\"%g\"} %llu\n", latency_buckets[b],
                             (unsigned long long)buckets[b]);
    }
    failed |= buf_append_str(out, "nekohub_http_request_duration_seconds_bucket{route=\"");
    failed |= append_label(out, slot->label);
    failed |= buf_printf(out, "\",le=\"+Inf\"} %llu\n", (unsigned long long)count);
    failed |= buf_append_str(out, "nekohub_http_request_duration_seconds_sum{route=\"");
    failed |= append_label(out, slot->label);
    failed |= buf_printf(out, "\"} %.6f\n", (double)atomic_load(&slot->sum_ns) / 1e9);
    failed |= buf_append_str(out, "nekohub_http_request_duration_seconds_count{route=\"");
    failed |= append_label(out, slot->label);
    failed |= buf_printf(out, "\"} %llu\n", (unsigned long long)count);
    return failed;
}

static int render_latency(http_metrics *metrics, buf *out)
{
    int failed = buf_append_str(out, "# HELP nekohub_http_request_duration_seconds Time to "
                                     "answer a request, by route template.\n"
                                     "# TYPE nekohub_http_request_duration_seconds histogram\n");
    for (size_t s = 0; s < metrics->slot_count && !failed; s++) {
        if (atomic_load(&metrics->slots[s].count) > 0)
            failed |= render_latency_slot(&metrics->slots[s], out);
    }
    return failed ? -1 : 0;
}

void metrics_set_gauge_source(http_metrics *metrics, metrics_gauge_source source, void *context)
{
    metrics->gauge_source = source;
    metrics->gauge_context = context;
}

int metrics_render(http_metrics *metrics, buf *out)
{
    if (render_requests(metrics, out) != 0 || render_latency(metrics, out) != 0)
        return -1;
    if (metrics->gauge_source && metrics->gauge_source(metrics->gauge_context, out) != 0)
        return -1;
    int failed = buf_printf(out,
                            "# HELP nekohub_http_requests_in_flight Requests being answered now.\n"
                            "# TYPE nekohub_http_requests_in_flight gauge\n"
                            "nekohub_http_requests_in_flight %ld\n"
                            "# HELP nekohub_http_response_bytes_total Bytes of response bodies.\n"
                            "# TYPE nekohub_http_response_bytes_total counter\n"
                            "nekohub_http_response_bytes_total %llu\n"
                            "# HELP nekohub_http_series_dropped_total Requests not counted because "
                            "their series had no room.\n"
                            "# TYPE nekohub_http_series_dropped_total counter\n"
                            "nekohub_http_series_dropped_total %llu\n"
                            "# HELP nekohub_build_info Build information.\n"
                            "# TYPE nekohub_build_info gauge\n"
                            "nekohub_build_info{version=\"",
                            (long)atomic_load(&metrics->in_flight),
                            (unsigned long long)atomic_load(&metrics->bytes_sent),
                            (unsigned long long)atomic_load(&metrics->dropped));
    failed |= append_label(out, metrics->version);
    failed |= buf_append_str(out, "\"} 1\n");
    return failed ? -1 : 0;
}
