/* handler_pool.h - a fixed set of threads that run request work which may block (database,
 * Argon2, storage), so the event threads that own the connections never wait.
 *
 * Jobs are intrusive: the caller embeds a handler_job in its own per-request state and keeps
 * it alive until the job's `run` returned; the pool never allocates per job.
 *
 * The first job of a request is refused when `queue_length` jobs already wait with no idle
 * thread to take them (a job that finds an idle thread does not wait), so a saturated pool
 * answers 503 at once instead of piling up work. Later jobs of a request already
 * admitted (its body chunks, its handler after authentication) are always queued: each request
 * has at most one job queued or running (its connection is suspended meanwhile), so the queue
 * stays bounded by the number of connections.
 *
 * Shutting down: handler_pool_close() refuses every job from then on and waits until the
 * queue is empty and no job runs; after it returns no job will ever run again, so the caller
 * can stop what the jobs would have touched (libmicrohttpd, whose suspended connections must
 * all be resumed before it stops). Then handler_pool_stop() frees the pool.
 * Thread-safe. */
#ifndef NH_HTTP_HANDLER_POOL_H
#define NH_HTTP_HANDLER_POOL_H

#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"

typedef struct handler_job {
    void (*run)(struct handler_job *job); /* called on a pool thread */
    struct handler_job *next;             /* the pool's */
} handler_job;

typedef struct handler_pool handler_pool;

typedef struct handler_pool_stats {
    unsigned int threads;
    unsigned int busy;   /* threads running a job now */
    unsigned int queued; /* jobs waiting */
    uint64_t refused;    /* requests refused because the queue was full */
} handler_pool_stats;

/* Start `threads` threads (>= 1). NULL with err filled when they cannot start. */
handler_pool *handler_pool_create(unsigned int threads, unsigned int queue_length, nh_error *err);
typedef enum {
    HANDLER_POOL_QUEUED = 0,
    HANDLER_POOL_FULL,   /* a first job and the queue is full */
    HANDLER_POOL_CLOSED, /* shutting down */
} handler_pool_outcome;

/* Queue job (first_of_request: subject to the queue length). When it is accepted, before_queue
 * (if not NULL) runs with argument under the pool's lock just before the job becomes visible
 * to the threads (the server suspends the connection there, so the job can never resume it
 * first). Nothing happens when it is refused. */
handler_pool_outcome handler_pool_submit(handler_pool *pool, handler_job *job,
                                         bool first_of_request, void (*before_queue)(void *),
                                         void *argument);
void handler_pool_stats_get(handler_pool *pool, handler_pool_stats *out);
/* Refuse new jobs and wait until every queued or running job ended. */
void handler_pool_close(handler_pool *pool);
/* Stop the threads and free the pool (closing it first if needed). NULL is fine. */
void handler_pool_stop(handler_pool *pool);

#endif
