/* job_test_kind.c - the test-only job kind "test.sleep" (see job_test_kind.h). */
#include "jobs/job_test_kind.h"

#ifdef NEKOHUB_TEST_BUILD

#include <fcntl.h>
#include <stdarg.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SLICE_MS 20

bool job_test_kind_enabled(void)
{
    const char *flag = getenv("NEKOHUB_TEST_JOBS");
    return flag && !strcmp(flag, "1");
}

static void log_line(const char *format, ...) __attribute__((format(printf, 1, 2)));

static void log_line(const char *format, ...)
{
    const char *path = getenv("NEKOHUB_TEST_JOBS_LOG");
    if (!path || !*path)
        return;
    char line[512];
    va_list arguments;
    va_start(arguments, format);
    int length = vsnprintf(line, sizeof line, format, arguments);
    va_end(arguments);
    if (length <= 0 || (size_t)length >= sizeof line)
        return;
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    ssize_t written = write(fd, line, (size_t)length);
    (void)written; /* a test that misses a line fails on its own */
    close(fd);
}

static void sleep_slice(void)
{
    struct timespec pause = {0, SLICE_MS * 1000000L};
    nanosleep(&pause, NULL);
}

/* Sleep up to ms; returns "lost", "cancelled" or NULL when the time ran out. */
static const char *sleep_watching(json_int_t ms, job_lease *lease)
{
    for (json_int_t slept = 0; slept < ms; slept += SLICE_MS) {
        if (job_lease_lost(lease))
            return "lost";
        if (job_cancel_requested(lease))
            return "cancelled";
        sleep_slice();
    }
    return job_lease_lost(lease) ? "lost" : NULL;
}

static const char *decide(const json_t *payload, const job *claimed, job_outcome *outcome)
{
    json_int_t fail_times = json_integer_value(json_object_get(payload, "failTimes"));
    if (claimed->attempt <= fail_times) {
        outcome->kind = JOB_OUTCOME_RETRY;
        outcome->retry_after_s =
            (int)json_integer_value(json_object_get(payload, "retryAfterSeconds"));
        snprintf(outcome->error, sizeof outcome->error, "transient test failure (attempt %d)",
                 claimed->attempt);
        return "retry";
    }
    if (json_is_true(json_object_get(payload, "failPermanently"))) {
        outcome->kind = JOB_OUTCOME_FAILED;
        snprintf(outcome->error, sizeof outcome->error, "permanent test failure");
        return "failed";
    }
    char result[64];
    snprintf(result, sizeof result, "{\"attempt\":%d}", claimed->attempt);
    outcome->result_json = strdup(result);
    return "succeeded";
}

static void test_sleep(void *context, const job *claimed, job_lease *lease, job_outcome *outcome)
{
    (void)context;
    const char *asset = *claimed->asset_id ? claimed->asset_id : "-";
    long pid = (long)getpid();
    log_line("start %s %s %d %ld\n", claimed->id, asset, claimed->attempt, pid);
    json_t *payload = json_loads(claimed->payload_json, 0, NULL);
    const char *ended =
        sleep_watching(json_integer_value(json_object_get(payload, "sleepMs")), lease);
    if (ended && !strcmp(ended, "cancelled"))
        outcome->kind = JOB_OUTCOME_CANCELLED;
    else if (!ended)
        ended = decide(payload, claimed, outcome);
    json_decref(payload);
    log_line("end %s %s %d %ld %s\n", claimed->id, asset, claimed->attempt, pid, ended);
}

int job_test_kind_register(job_queue *queue)
{
    if (!job_test_kind_enabled())
        return 0;
    return job_queue_register(queue, JOB_KIND_TEST_SLEEP, test_sleep, NULL);
}

#else

bool job_test_kind_enabled(void)
{
    return false;
}

int job_test_kind_register(job_queue *queue)
{
    (void)queue;
    return 0;
}

#endif
