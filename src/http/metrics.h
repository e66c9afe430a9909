/* metrics.h - request counters, a latency histogram and gauges, rendered in the Prometheus
 * text exposition format for GET /metrics.
 *
 * Series are fixed at start-up: one slot per route of the table plus one per pseudo label
 * (unmatched, method not allowed, preflight, console), each with its own atomic counters, so
 * recording a request takes no lock and no search by name. Route labels are route templates
 * (e.g. "/api/v1/users/{id:guid}"), never raw paths, so the number of series stays bounded.
 * The route table must outlive the metrics. Thread-safe. */
#ifndef NH_HTTP_METRICS_H
#define NH_HTTP_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "http/router.h"

typedef struct http_metrics http_metrics;

/* Labels beyond the routes: slot route_count + METRICS_LABEL_*. */
enum {
    METRICS_LABEL_UNMATCHED = 0,
    METRICS_LABEL_METHOD_NOT_ALLOWED,
    METRICS_LABEL_PREFLIGHT,
    METRICS_LABEL_CONSOLE,
    METRICS_LABEL_COUNT
};

http_metrics *metrics_create(const char *version, const route *routes, size_t route_count);
void metrics_destroy(http_metrics *metrics);

/* The slot of a pseudo label (METRICS_LABEL_*). */
size_t metrics_pseudo_slot(const http_metrics *metrics, int pseudo_label);
/* The label text of a slot (for logs). */
const char *metrics_slot_label(const http_metrics *metrics, size_t slot);

void metrics_request_started(http_metrics *metrics);
void metrics_request_finished(http_metrics *metrics, size_t slot, const char *method, int status,
                              int64_t duration_ns, uint64_t bytes);
int64_t metrics_in_flight(http_metrics *metrics);

/* A source of more gauges rendered after the request series (the server's connections and
 * handler pool). Set it before requests are served and clear it (NULL) after they stopped. */
typedef int (*metrics_gauge_source)(void *context, buf *out);
void metrics_set_gauge_source(http_metrics *metrics, metrics_gauge_source source, void *context);

/* Append the exposition text to out. Returns -1 on allocation failure. */
int metrics_render(http_metrics *metrics, buf *out);

#endif
