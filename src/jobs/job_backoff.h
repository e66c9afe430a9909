/* job_backoff.h - how long a job that failed transiently waits before its next attempt:
 * exponential back-off with full jitter, never less than what the failing call asked for.
 *
 *   ceiling = min(max_s, base_s * 2^(attempt - 1))        (attempt: the one that just failed)
 *   delay   = unit_random * ceiling                       (full jitter: anywhere in [0, ceiling))
 *   delay   = max(delay, retry_after_s)                   (a Retry-After the handler reported,
 *                                                          itself capped at
 * JOB_BACKOFF_RETRY_AFTER_MAX_S)
 *
 * Pure (the random draw is the caller's), so it can be unit-tested; no errors: out-of-range
 * inputs are clamped (attempt < 1 counts as 1, base/max < 1 as 1, unit_random outside [0, 1)
 * as 0). Thread-safe. */
#ifndef NH_JOBS_BACKOFF_H
#define NH_JOBS_BACKOFF_H

#include <stdint.h>

/* A Retry-After longer than a day is taken as a day (a remote cannot park a job for ever). */
#define JOB_BACKOFF_RETRY_AFTER_MAX_S 86400

typedef struct job_backoff_policy {
    int base_s; /* Processing__RetryBaseSeconds */
    int max_s;  /* Processing__RetryMaxSeconds */
} job_backoff_policy;

/* The upper bound of the jittered delay after `attempt` failed, in milliseconds. */
int64_t job_backoff_ceiling_ms(const job_backoff_policy *policy, int attempt);

/* The delay in milliseconds before the next attempt (see above). */
int64_t job_backoff_delay_ms(const job_backoff_policy *policy, int attempt, int retry_after_s,
                             double unit_random);

#endif
