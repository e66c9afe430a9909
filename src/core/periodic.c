/* periodic.c - run a task every interval, on its own thread.
 *
 * The wait between runs is a timed wait on a condition variable whose clock is CLOCK_MONOTONIC:
 * a wall clock stepped back would otherwise stall the purge and the sweep for as long as it
 * was stepped. */
#include "core/periodic.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/log.h"

struct periodic {
    unsigned int interval_seconds;
    void (*task)(void *context);
    void *context;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stopping;
};

/* Wait (lock held) until the interval has passed or stop was asked; true when stopping. */
static bool wait_interval(periodic *worker)
{
    struct timespec deadline;
    clock_monotonic_deadline((int64_t)worker->interval_seconds * 1000, &deadline);
    int rc = 0;
    while (!worker->stopping && rc != ETIMEDOUT) {
        rc = pthread_cond_timedwait(&worker->wake, &worker->lock, &deadline);
        if (rc != 0 && rc != ETIMEDOUT) {
            log_message(LOG_ERROR, "periodic", "waiting between runs failed: %s", strerror(rc));
            break; /* run the task rather than spin */
        }
    }
    return worker->stopping;
}

static void *run(void *argument)
{
    periodic *worker = argument;
    pthread_mutex_lock(&worker->lock);
    while (!wait_interval(worker)) {
        pthread_mutex_unlock(&worker->lock);
        worker->task(worker->context);
        pthread_mutex_lock(&worker->lock);
    }
    pthread_mutex_unlock(&worker->lock);
    return NULL;
}

periodic *periodic_start(unsigned int interval_seconds, void (*task)(void *context), void *context)
{
    periodic *worker = calloc(1, sizeof *worker);
    if (!worker)
        return NULL;
    worker->interval_seconds = interval_seconds;
    worker->task = task;
    worker->context = context;
    int rc = pthread_mutex_init(&worker->lock, NULL);
    if (rc != 0) {
        log_message(LOG_ERROR, "periodic", "cannot create a mutex: %s", strerror(rc));
        free(worker);
        return NULL;
    }
    rc = clock_cond_init_monotonic(&worker->wake);
    if (rc != 0) {
        log_message(LOG_ERROR, "periodic", "cannot create a condition variable: %s", strerror(rc));
        pthread_mutex_destroy(&worker->lock);
        free(worker);
        return NULL;
    }
    rc = pthread_create(&worker->thread, NULL, run, worker);
    if (rc != 0) {
        log_message(LOG_ERROR, "periodic", "cannot start a thread: %s", strerror(rc));
        pthread_mutex_destroy(&worker->lock);
        pthread_cond_destroy(&worker->wake);
        free(worker);
        return NULL;
    }
    return worker;
}

void periodic_stop(periodic *worker)
{
    if (!worker)
        return;
    pthread_mutex_lock(&worker->lock);
    worker->stopping = true;
    pthread_cond_signal(&worker->wake);
    pthread_mutex_unlock(&worker->lock);
    int rc = pthread_join(worker->thread, NULL);
    if (rc != 0)
        log_message(LOG_ERROR, "periodic", "cannot join the thread: %s", strerror(rc));
    pthread_mutex_destroy(&worker->lock);
    pthread_cond_destroy(&worker->wake);
    free(worker);
}
