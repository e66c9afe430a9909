/* test_job_backoff.c - the job queue's back-off: exponential ceiling, full jitter, the cap, the
 * handler's Retry-After floor and clamping of odd inputs (jobs/job_backoff.h). */
#include "cmocka_prelude.h"

#include <math.h>

#include "jobs/job_backoff.h"

static const job_backoff_policy policy = {.base_s = 2, .max_s = 300};

static void test_ceiling_doubles_per_attempt_up_to_the_cap(void **state)
{
    (void)state;
    assert_int_equal(job_backoff_ceiling_ms(&policy, 1), 2000);
    assert_int_equal(job_backoff_ceiling_ms(&policy, 2), 4000);
    assert_int_equal(job_backoff_ceiling_ms(&policy, 3), 8000);
    assert_int_equal(job_backoff_ceiling_ms(&policy, 7), 128000);
    assert_int_equal(job_backoff_ceiling_ms(&policy, 8), 256000);
    assert_int_equal(job_backoff_ceiling_ms(&policy, 9), 300000);
    assert_int_equal(job_backoff_ceiling_ms(&policy, 100), 300000);
    assert_int_equal(job_backoff_ceiling_ms(&policy, 2147483647), 300000); /* no overflow */
}

static void test_ceiling_clamps_odd_settings(void **state)
{
    (void)state;
    assert_int_equal(job_backoff_ceiling_ms(&policy, 0), 2000); /* attempt < 1 counts as 1 */
    assert_int_equal(job_backoff_ceiling_ms(&policy, -5), 2000);
    job_backoff_policy zero = {.base_s = 0, .max_s = 0};
    assert_int_equal(job_backoff_ceiling_ms(&zero, 3), 1000); /* base and max at least 1 s */
    job_backoff_policy inverted = {.base_s = 10, .max_s = 3};
    assert_int_equal(job_backoff_ceiling_ms(&inverted, 1), 3000); /* the cap wins */
}

static void test_full_jitter_spans_zero_to_the_ceiling(void **state)
{
    (void)state;
    assert_int_equal(job_backoff_delay_ms(&policy, 3, 0, 0.0), 0);
    assert_int_equal(job_backoff_delay_ms(&policy, 3, 0, 0.5), 4000);
    assert_int_equal(job_backoff_delay_ms(&policy, 3, 0, 0.25), 2000);
    int64_t near_top = job_backoff_delay_ms(&policy, 3, 0, 0.999999);
    assert_true(near_top < 8000 && near_top >= 7999);
    for (int attempt = 1; attempt < 20; attempt++)
        for (double unit = 0.0; unit < 1.0; unit += 0.0625) {
            int64_t delay = job_backoff_delay_ms(&policy, attempt, 0, unit);
            assert_true(delay >= 0);
            assert_true(delay < job_backoff_ceiling_ms(&policy, attempt));
        }
}

static void test_retry_after_is_a_floor(void **state)
{
    (void)state;
    assert_int_equal(job_backoff_delay_ms(&policy, 1, 30, 0.5), 30000);  /* above the ceiling */
    assert_int_equal(job_backoff_delay_ms(&policy, 9, 30, 0.5), 150000); /* jitter above it */
    assert_int_equal(job_backoff_delay_ms(&policy, 1, 0, 0.5), 1000);
    assert_int_equal(job_backoff_delay_ms(&policy, 1, -4, 0.5), 1000); /* negative: none */
    /* a Retry-After beyond a day counts as a day */
    assert_int_equal(job_backoff_delay_ms(&policy, 1, 10000000, 0.5),
                     (int64_t)JOB_BACKOFF_RETRY_AFTER_MAX_S * 1000);
}

static void test_random_outside_the_unit_interval_counts_as_zero(void **state)
{
    (void)state;
    assert_int_equal(job_backoff_delay_ms(&policy, 2, 0, 1.0), 0);
    assert_int_equal(job_backoff_delay_ms(&policy, 2, 0, -0.1), 0);
    assert_int_equal(job_backoff_delay_ms(&policy, 2, 0, NAN), 0);
    assert_int_equal(job_backoff_delay_ms(&policy, 2, 3, INFINITY), 3000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ceiling_doubles_per_attempt_up_to_the_cap),
        cmocka_unit_test(test_ceiling_clamps_odd_settings),
        cmocka_unit_test(test_full_jitter_spans_zero_to_the_ceiling),
        cmocka_unit_test(test_retry_after_is_a_floor),
        cmocka_unit_test(test_random_outside_the_unit_interval_counts_as_zero),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
