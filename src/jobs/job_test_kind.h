/* job_test_kind.h - a job kind for the queue's own black-box tests, compiled into test builds
 * only (NEKOHUB_TEST_BUILD) and registered only when NEKOHUB_TEST_JOBS=1.
 *
 * Kind "test.sleep", payload {"sleepMs": n, "failTimes": k, "retryAfterSeconds": s,
 * "failPermanently": bool}: sleeps n ms in small slices (stopping early when the lease is lost
 * or a cancel is asked for), then reports RETRY ("transient test failure") while the attempt is
 * <= k, FAILED when failPermanently, else DONE with {"attempt": a}. When
 * NEKOHUB_TEST_JOBS_LOG names a file, each run appends lines the tests read:
 *   start <jobId> <assetId|-> <attempt> <pid>
 *   end <jobId> <assetId|-> <attempt> <pid> <succeeded|retry|failed|cancelled|lost>
 * (one write() per line with O_APPEND, so lines of several processes never interleave). */
#ifndef NH_JOBS_TEST_KIND_H
#define NH_JOBS_TEST_KIND_H

#include <stdbool.h>

#include "jobs/job_queue.h"

#define JOB_KIND_TEST_SLEEP "test.sleep"

/* True in a test build run with NEKOHUB_TEST_JOBS=1. */
bool job_test_kind_enabled(void);
/* Register test.sleep on queue when enabled; 0 otherwise too. -1 when registering failed. */
int job_test_kind_register(job_queue *queue);

#endif
