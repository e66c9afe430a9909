/* job_metrics.h - what the queue's workers count for /metrics (the rendering and the step
 * histogram are declared in job_queue.h: job_metrics_render, job_metrics_observe_step).
 * Process-wide counters: a few atomic adds, no lock on the hot path. Thread-safe. */
#ifndef NH_JOBS_METRICS_H
#define NH_JOBS_METRICS_H

typedef enum {
    JOB_METRIC_SUCCEEDED = 0,
    JOB_METRIC_RETRIED,
    JOB_METRIC_FAILED,
    JOB_METRIC_CANCELLED,
    JOB_METRIC_HANDED_BACK,
    JOB_METRIC_OUTCOME_COUNT
} job_metric_outcome;

/* One job attempt of this process ended so (nekohub_jobs_finished_total{outcome}). */
void job_metrics_count(job_metric_outcome outcome);
/* One handler call took seconds (nekohub_job_duration_seconds). */
void job_metrics_observe_job(double seconds);

#endif
