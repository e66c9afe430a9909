/* job_backoff.c - exponential back-off with full jitter (see job_backoff.h). */
#include "jobs/job_backoff.h"

int64_t job_backoff_ceiling_ms(const job_backoff_policy *policy, int attempt)
{
    int64_t base_ms = (int64_t)(policy->base_s < 1 ? 1 : policy->base_s) * 1000;
    int64_t max_ms = (int64_t)(policy->max_s < 1 ? 1 : policy->max_s) * 1000;
    if (attempt < 1)
        attempt = 1;
    int64_t ceiling = base_ms;
    /* doubling stops as soon as the cap is reached, so nothing overflows */
    for (int i = 1; i < attempt && ceiling < max_ms; i++)
        ceiling *= 2;
    return ceiling < max_ms ? ceiling : max_ms;
}

int64_t job_backoff_delay_ms(const job_backoff_policy *policy, int attempt, int retry_after_s,
                             double unit_random)
{
    if (!(unit_random >= 0.0 && unit_random < 1.0)) /* also NaN */
        unit_random = 0.0;
    int64_t delay = (int64_t)(unit_random * (double)job_backoff_ceiling_ms(policy, attempt));
    if (retry_after_s > JOB_BACKOFF_RETRY_AFTER_MAX_S)
        retry_after_s = JOB_BACKOFF_RETRY_AFTER_MAX_S;
    int64_t floor_ms = retry_after_s > 0 ? (int64_t)retry_after_s * 1000 : 0;
    return delay > floor_ms ? delay : floor_ms;
}
