/* metrics.h - request counters, a latency histogram and gauges, rendered in the Prometheus
 * text exposition format for GET /metrics.
 *
 * Route labels are route templates (e.g. "/api/v1/users/{id:guid}"), never raw paths, so the
 * number of series stays bounded. Strings passed in must live as long as the process (route
 * table patterns and literals). Thread-safe. */
#ifndef NH_HTTP_METRICS_H
#define NH_HTTP_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

typedef struct http_metrics http_metrics;

http_metrics *metrics_create(const char *version);
void metrics_destroy(http_metrics *metrics);

void metrics_request_started(http_metrics *metrics);
void metrics_request_finished(http_metrics *metrics, const char *route_template, const char *method,
                              int status, int64_t duration_ns, uint64_t bytes);
int64_t metrics_in_flight(http_metrics *metrics);

/* Append the exposition text to out. Returns -1 on allocation failure. */
int metrics_render(http_metrics *metrics, buf *out);

#endif
