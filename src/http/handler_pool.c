/* handler_pool.c - the bounded pool of handler threads (a FIFO of intrusive jobs). */
#include "http/handler_pool.h"

#include <pthread.h>
#include <stdlib.h>

#include "core/log.h"

struct handler_pool {
    pthread_mutex_t lock;
    pthread_cond_t work;
    pthread_cond_t idle; /* signalled when a job ends (for handler_pool_close) */
    handler_job *head;
    handler_job *tail;
    unsigned int queued;
    unsigned int busy;
    unsigned int queue_length;
    uint64_t refused;
    bool stopping;
    bool closed;
    unsigned int thread_count;
    pthread_t *threads;
};

static void *handler_pool_thread(void *argument)
{
    handler_pool *pool = argument;
    pthread_mutex_lock(&pool->lock);
    for (;;) {
        while (!pool->head && !pool->stopping)
            pthread_cond_wait(&pool->work, &pool->lock);
        handler_job *job = pool->head;
        if (!job)
            break; /* stopping and nothing left */
        pool->head = job->next;
        if (!pool->head)
            pool->tail = NULL;
        pool->queued--;
        pool->busy++;
        pthread_mutex_unlock(&pool->lock);
        job->next = NULL;
        job->run(job); /* may free or resume the owner of job: do not touch it afterwards */
        pthread_mutex_lock(&pool->lock);
        pool->busy--;
        pthread_cond_broadcast(&pool->idle);
    }
    pthread_mutex_unlock(&pool->lock);
    return NULL;
}

static void handler_pool_free(handler_pool *pool)
{
    pthread_cond_destroy(&pool->idle);
    pthread_cond_destroy(&pool->work);
    pthread_mutex_destroy(&pool->lock);
    free(pool->threads);
    free(pool);
}

static void handler_pool_join(handler_pool *pool, unsigned int started)
{
    pthread_mutex_lock(&pool->lock);
    pool->stopping = true;
    pthread_cond_broadcast(&pool->work);
    pthread_mutex_unlock(&pool->lock);
    for (unsigned int i = 0; i < started; i++)
        pthread_join(pool->threads[i], NULL);
}

/* The lock and the two condition variables; -1 (none left initialised) when one fails. */
static int handler_pool_init_sync(handler_pool *pool)
{
    if (pthread_mutex_init(&pool->lock, NULL) != 0)
        return -1;
    if (pthread_cond_init(&pool->work, NULL) != 0) {
        pthread_mutex_destroy(&pool->lock);
        return -1;
    }
    if (pthread_cond_init(&pool->idle, NULL) != 0) {
        pthread_cond_destroy(&pool->work);
        pthread_mutex_destroy(&pool->lock);
        return -1;
    }
    return 0;
}

handler_pool *handler_pool_create(unsigned int threads, unsigned int queue_length, nh_error *err)
{
    handler_pool *pool = calloc(1, sizeof *pool);
    if (!pool) {
        error_internal(err);
        return NULL;
    }
    pool->thread_count = threads ? threads : 1;
    pool->queue_length = queue_length;
    pool->threads = calloc(pool->thread_count, sizeof *pool->threads);
    if (!pool->threads || handler_pool_init_sync(pool) != 0) {
        free(pool->threads);
        free(pool);
        error_internal(err);
        return NULL;
    }
    for (unsigned int i = 0; i < pool->thread_count; i++) {
        if (pthread_create(&pool->threads[i], NULL, handler_pool_thread, pool) != 0) {
            handler_pool_join(pool, i);
            handler_pool_free(pool);
            error_set(err, 500, "start_failed", "could not start %u handler threads", threads);
            return NULL;
        }
    }
    return pool;
}

static void handler_pool_append(handler_pool *pool, handler_job *job)
{
    job->next = NULL;
    if (pool->tail)
        pool->tail->next = job;
    else
        pool->head = job;
    pool->tail = job;
    pool->queued++;
    pthread_cond_signal(&pool->work);
}

/* Would one more job have to wait (under the lock)? A job that an idle thread is about to pick
 * up waits for nothing, so it does not use the queue's room. */
static bool handler_pool_queue_full(const handler_pool *pool)
{
    unsigned int idle = pool->thread_count - pool->busy;
    unsigned int waiting = pool->queued >= idle ? pool->queued - idle + 1 : 0;
    return waiting > pool->queue_length;
}

handler_pool_outcome handler_pool_submit(handler_pool *pool, handler_job *job,
                                         bool first_of_request, void (*before_queue)(void *),
                                         void *argument)
{
    pthread_mutex_lock(&pool->lock);
    handler_pool_outcome outcome = HANDLER_POOL_QUEUED;
    if (pool->closed)
        outcome = HANDLER_POOL_CLOSED;
    else if (first_of_request && handler_pool_queue_full(pool))
        outcome = HANDLER_POOL_FULL;
    if (outcome == HANDLER_POOL_QUEUED) {
        if (before_queue)
            before_queue(argument);
        handler_pool_append(pool, job);
    } else {
        pool->refused++;
    }
    pthread_mutex_unlock(&pool->lock);
    return outcome;
}

void handler_pool_close(handler_pool *pool)
{
    pthread_mutex_lock(&pool->lock);
    pool->closed = true;
    while (pool->queued > 0 || pool->busy > 0)
        pthread_cond_wait(&pool->idle, &pool->lock);
    pthread_mutex_unlock(&pool->lock);
}

void handler_pool_stats_get(handler_pool *pool, handler_pool_stats *out)
{
    pthread_mutex_lock(&pool->lock);
    out->threads = pool->thread_count;
    out->busy = pool->busy;
    out->queued = pool->queued;
    out->refused = pool->refused;
    pthread_mutex_unlock(&pool->lock);
}

void handler_pool_stop(handler_pool *pool)
{
    if (!pool)
        return;
    handler_pool_close(pool);
    handler_pool_join(pool, pool->thread_count);
    if (pool->head)
        log_message(LOG_ERROR, "handler_pool", "jobs left after the threads stopped");
    handler_pool_free(pool);
}
