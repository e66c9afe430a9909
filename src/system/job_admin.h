/* job_admin.h - retrying and cancelling a job with its audit entry in one transaction: the
 * logic of POST /api/v1/system/jobs/{id}/retry and …/cancel (jobs_http.c), shared with MCP
 * (notifications/cancelled cancels the caller's run_asset_skill job with these semantics).
 *
 *   cancel: queued -> cancelled; running -> cancel_requested (its worker stops at a safe
 *           point); 409 job_not_cancellable once it has ended; 404 job_not_found
 *   retry:  failed | cancelled -> queued, attempts 0; 409 job_not_retryable; 404
 * Audited as job.cancel / job.retry (target type "job", changes of state, cancelRequested,
 * attempts) with the given actor. Writes the job as it stands after the change (caller clears
 * it with job_info_clear); the queue is woken (a retried job is runnable at once). Returns 0,
 * or -1 with err filled. Thread-safe. */
#ifndef NH_SYSTEM_JOB_ADMIN_H
#define NH_SYSTEM_JOB_ADMIN_H

#include "audit/audit.h"
#include "core/error.h"
#include "jobs/job_queue.h"

int job_admin_cancel(job_queue *queue, const char *id, const audit_actor *actor, job_info *after,
                     nh_error *err);
int job_admin_retry(job_queue *queue, const char *id, const audit_actor *actor, job_info *after,
                    nh_error *err);

#endif
