/* storage_metrics.h - how often each storage operation ran, how it ended and how long it took,
 * by backend type, rendered in the Prometheus text format for GET /metrics:
 *   nekohub_storage_operations_total{backend, operation, outcome}   counter
 *       outcome: "ok", "not_found" (open of a missing object), "error"
 *   nekohub_storage_operation_duration_seconds{backend, operation}  histogram
 * Backends: local, s3-compatible, github-repo (anything else counts as "other"). Fed by the
 * wrappers of storage.h (storage.c); the series are fixed, so recording is a few atomic adds,
 * no lock and no allocation. Process-wide counters (like the password counters). Thread-safe. */
#ifndef NH_STORAGE_METRICS_H
#define NH_STORAGE_METRICS_H

#include <stdint.h>

#include "core/buf.h"

typedef enum {
    STORAGE_OP_PUT = 0,
    STORAGE_OP_OPEN,
    STORAGE_OP_OPEN_RANGE,
    STORAGE_OP_REMOVE,
    STORAGE_OP_EXISTS,
    STORAGE_OP_COUNT
} storage_metrics_op;

/* Count one operation of a backend of type backend_type (storage_ops.type) that returned rc
 * (0, STORAGE_NOT_FOUND, or -1) after duration_ns. */
void storage_metrics_record(const char *backend_type, storage_metrics_op op, int rc,
                            int64_t duration_ns);

/* Append the exposition text (only series that were used). -1 on allocation failure. */
int storage_metrics_render(buf *out);

#endif
