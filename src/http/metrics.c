/* metrics.c - Prometheus counters and histograms for HTTP requests. */
#include "http/metrics.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define METRICS_MAX_SERIES 1024
#define METRICS_MAX_ROUTES 256

static const double latency_buckets[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                         0.25,  0.5,    1,     2.5,  5,     10};
#define BUCKET_COUNT (sizeof latency_buckets / sizeof latency_buckets[0])

typedef struct request_series {
    const char *route;
    const char *method;
    int status;
    uint64_t count;
} request_series;

typedef struct latency_series {
    const char *route;
    uint64_t buckets[BUCKET_COUNT];
    uint64_t count;
    double sum_seconds;
} latency_series;

struct http_metrics {
    pthread_mutex_t lock;
    atomic_long in_flight;
    char *version;
    request_series requests[METRICS_MAX_SERIES];
    size_t request_count;
    uint64_t dropped;
    latency_series latency[METRICS_MAX_ROUTES];
    size_t latency_count;
    uint64_t bytes_sent;
};

http_metrics *metrics_create(const char *version)
{
    http_metrics *metrics = calloc(1, sizeof *metrics);
    if (!metrics)
        return NULL;
    metrics->version = strdup(version);
    if (!metrics->version) {
        free(metrics);
        return NULL;
    }
    pthread_mutex_init(&metrics->lock, NULL);
    atomic_init(&metrics->in_flight, 0);
    return metrics;
}

void metrics_destroy(http_metrics *metrics)
{
    if (!metrics)
        return;
    pthread_mutex_destroy(&metrics->lock);
    free(metrics->version);
    free(metrics);
}

void metrics_request_started(http_metrics *metrics)
{
    atomic_fetch_add(&metrics->in_flight, 1);
}

int64_t metrics_in_flight(http_metrics *metrics)
{
    return atomic_load(&metrics->in_flight);
}

static request_series *find_request_series(http_metrics *metrics, const char *route,
                                           const char *method, int status)
{
    for (size_t i = 0; i < metrics->request_count; i++) {
        request_series *series = &metrics->requests[i];
        if (series->status == status && !strcmp(series->route, route) &&
            !strcmp(series->method, method))
            return series;
    }
    if (metrics->request_count >= METRICS_MAX_SERIES)
        return NULL;
    request_series *series = &metrics->requests[metrics->request_count++];
    series->route = route;
    series->method = method;
    series->status = status;
    series->count = 0;
    return series;
}

static latency_series *find_latency_series(http_metrics *metrics, const char *route)
{
    for (size_t i = 0; i < metrics->latency_count; i++)
        if (!strcmp(metrics->latency[i].route, route))
            return &metrics->latency[i];
    if (metrics->latency_count >= METRICS_MAX_ROUTES)
        return NULL;
    latency_series *series = &metrics->latency[metrics->latency_count++];
    memset(series, 0, sizeof *series);
    series->route = route;
    return series;
}

static const char *known_method(const char *method)
{
    static const char *methods[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (!strcmp(method, methods[i]))
            return methods[i];
    return "OTHER";
}

void metrics_request_finished(http_metrics *metrics, const char *route_template, const char *method,
                              int status, int64_t duration_ns, uint64_t bytes)
{
    atomic_fetch_sub(&metrics->in_flight, 1);
    double seconds = (double)duration_ns / 1e9;
    const char *static_method = known_method(method);
    pthread_mutex_lock(&metrics->lock);
    request_series *requests = find_request_series(metrics, route_template, static_method, status);
    if (requests)
        requests->count++;
    else
        metrics->dropped++;
    latency_series *latency = find_latency_series(metrics, route_template);
    if (latency) {
        for (size_t i = 0; i < BUCKET_COUNT; i++)
            if (seconds <= latency_buckets[i])
                latency->buckets[i]++;
        latency->count++;
        latency->sum_seconds += seconds;
    }
    metrics->bytes_sent += bytes;
    pthread_mutex_unlock(&metrics->lock);
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
    for (size_t i = 0; i < metrics->request_count && !failed; i++) {
        const request_series *series = &metrics->requests[i];
        failed |= buf_append_str(out, "nekohub_http_requests_total{route=\"");
        failed |= append_label(out, series->route);
        failed |= buf_printf(out, "\",method=\"%s\",status=\"%d\"} %llu\n", series->method,
                             series->status, (unsigned long long)series->count);
    }
    return failed ? -1 : 0;
}

static int render_latency(http_metrics *metrics, buf *out)
{
    int failed = buf_append_str(out, "# HELP nekohub_http_request_duration_seconds Time to "
                                     "answer a request, by route template.\n"
                                     "# TYPE nekohub_http_request_duration_seconds histogram\n");
    for (size_t i = 0; i < metrics->latency_count && !failed; i++) {
        const latency_series *series = &metrics->latency[i];
        for (size_t b = 0; b < BUCKET_COUNT; b++) {
            failed |= buf_append_str(out, "nekohub_http_request_duration_seconds_bucket{route=\"");
            failed |= append_label(out, series->route);
            failed |= buf_printf(out, "\",le=\"%g\"} %llu\n", latency_buckets[b],
                                 (unsigned long long)series->buckets[b]);
        }
        failed |= buf_append_str(out, "nekohub_http_request_duration_seconds_bucket{route=\"");
        failed |= append_label(out, series->route);
        failed |= buf_printf(out, "\",le=\"+Inf\"} %llu\n", (unsigned long long)series->count);
        failed |= buf_append_str(out, "nekohub_http_request_duration_seconds_sum{route=\"");
        failed |= append_label(out, series->route);
        failed |= buf_printf(out, "\"} %.6f\n", series->sum_seconds);
        failed |= buf_append_str(out, "nekohub_http_request_duration_seconds_count{route=\"");
        failed |= append_label(out, series->route);
        failed |= buf_printf(out, "\"} %llu\n", (unsigned long long)series->count);
    }
    return failed ? -1 : 0;
}

int metrics_render(http_metrics *metrics, buf *out)
{
    pthread_mutex_lock(&metrics->lock);
    int failed = render_requests(metrics, out);
    if (!failed)
        failed = render_latency(metrics, out);
    uint64_t bytes = metrics->bytes_sent;
    uint64_t dropped = metrics->dropped;
    pthread_mutex_unlock(&metrics->lock);
    if (failed)
        return -1;
    failed |= buf_printf(out,
                         "# HELP nekohub_http_requests_in_flight Requests being answered now.\n"
                         "# TYPE nekohub_http_requests_in_flight gauge\n"
                         "nekohub_http_requests_in_flight %ld\n"
                         "# HELP nekohub_http_response_bytes_total Bytes of response bodies.\n"
                         "# TYPE nekohub_http_response_bytes_total counter\n"
                         "nekohub_http_response_bytes_total %llu\n"
                         "# HELP nekohub_http_series_dropped_total Requests not counted because "
                         "the series table was full.\n"
                         "# TYPE nekohub_http_series_dropped_total counter\n"
                         "nekohub_http_series_dropped_total %llu\n"
                         "# HELP nekohub_build_info Build information.\n"
                         "# TYPE nekohub_build_info gauge\n"
                         "nekohub_build_info{version=\"",
                         (long)atomic_load(&metrics->in_flight), (unsigned long long)bytes,
                         (unsigned long long)dropped);
    failed |= append_label(out, metrics->version);
    failed |= buf_append_str(out, "\"} 1\n");
    return failed ? -1 : 0;
}
