/* skill_runner.h - running one skill on one asset (spec processing.md §6): its steps in
 * definition order, each timed (job_metrics_observe_step) and recorded with its outcome; a
 * failed step does not stop the later ones. After a step of a skill that rewrites the original
 * succeeded, generate_thumbnail runs as an extra step of the same execution (recorded as such:
 * the derivatives were made from the old bytes and must follow the new ones), so a failed
 * refresh shows in the record and, when transient, retries the job.
 *
 * Between steps the lease is checked: a lost lease or a cancel request stops the run where it
 * is (nothing is recorded for it). The runner writes nothing itself; the caller saves the
 * record (execution_store.h). Thread-safe: every run is independent. */
#ifndef NH_PROCESSING_SKILL_RUNNER_H
#define NH_PROCESSING_SKILL_RUNNER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jobs/job_queue.h"
#include "processing/processing_step.h"
#include "processing/skill_catalog.h"

struct processing_service;

/* Every step of a definition plus a refresh after each. */
#define SKILL_RUN_MAX_STEPS (2 * SKILL_MAX_STEPS)

typedef struct skill_step_run {
    const char *step_name; /* static */
    step_result result;
    int64_t started_at;   /* epoch ms */
    int64_t completed_at; /* epoch ms */
} skill_step_run;

typedef enum {
    SKILL_RUN_FINISHED = 0, /* every step ran: the run is to be recorded */
    SKILL_RUN_LEASE_LOST,   /* the job is no longer ours: write nothing */
    SKILL_RUN_CANCELLED,    /* someone asked to cancel the job */
    SKILL_RUN_DEFERRED,     /* a step was deferred (step_result.deferred): write nothing, run the
                               job again later (retry_after_s) */
} skill_run_end;

typedef struct skill_run {
    const skill_definition *skill;
    int64_t started_at;
    int64_t completed_at;
    size_t step_count;
    skill_step_run steps[SKILL_RUN_MAX_STEPS];
    bool succeeded;    /* no step failed (skipped steps do not count) */
    bool transient;    /* a step failed transiently (processing_step.h): worth a retry */
    int retry_after_s; /* the largest Retry-After a transient failure asked for */
    skill_run_end end;
} skill_run;

typedef struct skill_run_request {
    const char *asset_id;
    const char *job_id; /* "" outside the queue */
    size_t skill_index; /* its place in the job (step keys "<index>:<step>") */
    const skill_definition *skill;
    const json_t *parameters; /* borrowed, or NULL */
    job_lease *lease;         /* NULL outside the queue */
} skill_run_request;

/* Run the skill; out is filled whatever happens (out->end says how it ended). */
void skill_runner_run(struct processing_service *service, const skill_run_request *request,
                      skill_run *out);

#endif
