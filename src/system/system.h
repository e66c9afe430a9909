/* system.h - anonymous system endpoints: ping, bootstrap facts, liveness, readiness, metrics.
 *
 *   GET /api/v1/system/ping       {"data": {"status": "ok", "timestampUtc": ...}}
 *   GET /api/v1/system/bootstrap  {"data": {"apiKeyRequired", "maxUploadSizeBytes",
 *                                           "allowedContentTypes"}}
 *   GET /healthz                  200 {"data": {"status": "ok"}} while the process runs
 *   GET /readyz                   200 when the database answers, else 503 not_ready
 *   GET /metrics                  Prometheus text format (requests, event core, password work,
 *                                 nekohub_data_dir_free_bytes)
 *
 * The handlers' context (request->context) is a system_context, filled by app.c. */
#ifndef NH_SYSTEM_H
#define NH_SYSTEM_H

#include <stddef.h>

#include "core/config.h"
#include "db/db.h"
#include "http/metrics.h"
#include "http/request.h"
#include "http/response.h"
#include "http/router.h"

typedef struct system_context {
    const config *cfg;
    db *database;
    http_metrics *metrics;
    const route *routes; /* for the OpenAPI document */
    size_t route_count;
    const char *version;
} system_context;

void system_ping(http_request *request, http_response *response);
void system_bootstrap(http_request *request, http_response *response);
void system_healthz(http_request *request, http_response *response);
void system_readyz(http_request *request, http_response *response);
void system_metrics(http_request *request, http_response *response);

#endif
