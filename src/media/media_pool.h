/* media_pool.h - the server's pool of warm, sandboxed media worker processes.
 *
 * Every libvips operation on uploaded bytes runs in a `nekohub-media` process (a separate
 * binary: the serving process never maps libvips). The pool keeps `workers` of them started
 * (posix_spawn over a SOCK_SEQPACKET socketpair) and hands each request to a free one: the
 * image travels as a file descriptor (SCM_RIGHTS) with a small message (media_protocol.h).
 *
 * Containment: a worker that dies (signal, exit) while working fails only that request with
 * 502 media_worker_failed (a 500 would be shown as internal_server_error); one that has not
 * answered within `timeout_s` is killed (SIGKILL) and the request fails with 503
 * media_worker_timeout. Either way the worker is reaped and a new one started. At most
 * MEDIA_POOL_MAX_WAITING_PER_WORKER x workers requests wait for a free worker; one more gets 503
 * media_worker_busy at once, a waiter that saw no worker free within timeout_s gets 503
 * media_worker_busy too. 503 media_worker_unavailable when the helper binary cannot be started
 * (at start-up: the server does not start) or a new worker does not announce the end of its
 * warm-up within 60 s (or timeout_s when longer). A new worker gets no request before that
 * announcement, so its start-up never counts against a request's deadline.
 *
 * Thread-safe: any thread may call media_pool_probe and media_pool_run at once. The pool owns
 * its worker processes and sockets; media_pool_destroy kills and reaps them. */
#ifndef NH_MEDIA_POOL_H
#define NH_MEDIA_POOL_H

#include <sys/types.h>

#include "core/buf.h"
#include "core/error.h"
#include "media/media.h"
#include "media/media_protocol.h"

#define MEDIA_POOL_MAX_WAITING_PER_WORKER 8
#define MEDIA_WORKER_BINARY "nekohub-media"

typedef struct media_pool_settings {
    const char *worker_path; /* the helper binary; NULL = nekohub-media beside /proc/self/exe */
    int workers;             /* warm processes, >= 1 */
    int timeout_s;           /* wall-clock deadline of one operation */
    int memory_limit_mb;     /* the worker's RLIMIT_AS (not applied under sanitizers) */
    int test_operations;     /* test builds only: honour media_pool_test_operation names */
} media_pool_settings;

typedef struct media_pool media_pool;

/* Start the workers. NULL with err filled (503 media_worker_unavailable) when the helper
 * cannot be found or started. */
media_pool *media_pool_create(const media_pool_settings *settings, nh_error *err);
void media_pool_destroy(media_pool *pool);

/* Run one request on a worker: input_fd / output_fd (or -1) are passed along and stay the
 * caller's. 0 with reply filled (whatever its status); -1 with err filled when no worker
 * answered (media_worker_failed, media_worker_timeout, media_worker_busy,
 * media_worker_unavailable). */
int media_pool_run(media_pool *pool, const media_request *request, int input_fd, int output_fd,
                   media_reply *reply, nh_error *err);

/* Probe the image file at path (opened read-only here, the descriptor goes to the worker).
 * 0 with info filled; 1 when the bytes are not an allowed image; -1 with err filled.
 * file_name: the uploaded file's name; in a test build whose pool has test_operations set,
 * a name starting with "nekohub-test-op-crash", "-hang", "-socket" or "-create" runs that test
 * operation instead (its outcome comes back as an error: 422 media_test_result with the
 * worker's report in the message). In release builds that code does not exist. */
int media_pool_probe(media_pool *pool, const char *path, const char *file_name, media_info *info,
                     nh_error *err);

/* Append the pool's counters in the Prometheus text format (process-wide, every pool):
 *   nekohub_media_workers_started_total              counter
 *   nekohub_media_worker_failures_total{reason}      counter; reason "failed" (the worker died or
 *                                                    answered nonsense) or "timeout" (killed at
 *                                                    the deadline)
 * -1 on allocation failure. */
int media_pool_metrics_render(buf *out);

#endif
