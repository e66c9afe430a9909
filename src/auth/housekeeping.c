/* housekeeping.c - periodic purge of ended sessions and stale sign-in failures. */
#include "auth/housekeeping.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "auth/sessions.h"
#include "core/clock.h"
#include "core/log.h"

struct housekeeping {
    app *application;
    unsigned int interval_seconds;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stopping;
};

static void purge_once(housekeeping *keeper)
{
    nh_error err;
    if (sessions_purge(keeper->application->database, keeper->application->cfg, clock_now_ms(),
                       &err) != 0)
        log_message(LOG_WARN, "housekeeping", "purge failed: %s", err.message);
}

static void *run(void *argument)
{
    housekeeping *keeper = argument;
    purge_once(keeper);
    pthread_mutex_lock(&keeper->lock);
    while (!keeper->stopping) {
        struct timespec deadline;
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_sec += keeper->interval_seconds;
        int rc = 0;
        while (!keeper->stopping && rc != ETIMEDOUT)
            rc = pthread_cond_timedwait(&keeper->wake, &keeper->lock, &deadline);
        if (keeper->stopping)
            break;
        pthread_mutex_unlock(&keeper->lock);
        purge_once(keeper);
        pthread_mutex_lock(&keeper->lock);
    }
    pthread_mutex_unlock(&keeper->lock);
    return NULL;
}

housekeeping *housekeeping_start(app *application, unsigned int interval_seconds)
{
    housekeeping *keeper = calloc(1, sizeof *keeper);
    if (!keeper)
        return NULL;
    keeper->application = application;
    keeper->interval_seconds = interval_seconds;
    pthread_mutex_init(&keeper->lock, NULL);
    pthread_cond_init(&keeper->wake, NULL);
    if (pthread_create(&keeper->thread, NULL, run, keeper) != 0) {
        pthread_mutex_destroy(&keeper->lock);
        pthread_cond_destroy(&keeper->wake);
        free(keeper);
        return NULL;
    }
    return keeper;
}

void housekeeping_stop(housekeeping *keeper)
{
    if (!keeper)
        return;
    pthread_mutex_lock(&keeper->lock);
    keeper->stopping = true;
    pthread_cond_signal(&keeper->wake);
    pthread_mutex_unlock(&keeper->lock);
    pthread_join(keeper->thread, NULL);
    pthread_mutex_destroy(&keeper->lock);
    pthread_cond_destroy(&keeper->wake);
    free(keeper);
}
