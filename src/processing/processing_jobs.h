/* processing_jobs.h - the handler of JOB_KIND_ASSET_PROCESS jobs (the dispatcher of spec
 * processing.md §4, on the durable queue). What the payload asks for:
 *
 *   {"runEnrichment":true}   an upload: the auto-run workflow's skills when the workflow hook
 *                            gives some, else basic_image_enrich for an image/ content type
 *                            (any case), else nothing
 *   {"skills":[{"skillId","parameters"?}, ...]}
 *                            these, in order
 *
 * Each requested id is resolved (skill_catalog_resolve) against the asset's content type at
 * dispatch time; one that does not resolve is skipped with a warning. Each resolved skill runs
 * (skill_runner.h) and writes its execution record (the record of a manual run's final attempt
 * takes the job's execution_id; earlier attempts get ids of their own). A missing asset (deleted
 * after the job was queued) ends the job succeeded with nothing done: a delete never has to
 * find and cancel its jobs.
 *
 * Outcome: RETRY when a step failed transiently (processing_step.h) or the record could not be
 * saved; CANCELLED when a cancel was asked for between steps; nothing (the outcome is ignored)
 * when the lease was lost; DONE otherwise, with result_json {"executions":[{"executionId",
 * "skillName","succeeded"}],"skippedSkills":[...],"assetMissing":bool}. */
#ifndef NH_PROCESSING_JOBS_H
#define NH_PROCESSING_JOBS_H

#include "jobs/job_queue.h"

/* The job_handler of JOB_KIND_ASSET_PROCESS; context is the processing_service. */
void processing_jobs_handle(void *context, const job *claimed, job_lease *lease,
                            job_outcome *outcome);

#endif
