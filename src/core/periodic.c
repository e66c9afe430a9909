/* periodic.c - run a task now and then every interval, on its own thread. */
#include "core/periodic.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

struct periodic {
    unsigned int interval_seconds;
    void (*task)(void *context);
    void *context;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stopping;
};

static void *run(void *argument)
{
    periodic *worker = argument;
    worker->task(worker->context);
    pthread_mutex_lock(&worker->lock);
    while (!worker->stopping) {
        struct timespec deadline;
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_sec += worker->interval_seconds;
        int rc = 0;
        while (!worker->stopping && rc != ETIMEDOUT)
            rc = pthread_cond_timedwait(&worker->wake, &worker->lock, &deadline);
        if (worker->stopping)
            break;
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
    pthread_mutex_init(&worker->lock, NULL);
    pthread_cond_init(&worker->wake, NULL);
    if (pthread_create(&worker->thread, NULL, run, worker) != 0) {
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
    pthread_join(worker->thread, NULL);
    pthread_mutex_destroy(&worker->lock);
    pthread_cond_destroy(&worker->wake);
    free(worker);
}
