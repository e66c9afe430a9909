/* jobs_http.h - the jobs API (beyond the original; for holders of settings.read / settings.update):
 *
 *   GET  /api/v1/system/jobs?state&assetId&page&pageSize   settings.read
 *        200 {"data":{"items":[job],"page","pageSize","total","counts":{"queued","running",
 *        "succeeded","failed","cancelled"}}} newest first; counts cover every state of the
 *        assetId filter (all jobs without one), whatever the state filter; pageSize 50 by
 *        default, at most 200. 400 job_state_invalid (state not one of the five), 400
 *        request_invalid (assetId not a GUID, page/pageSize not integers).
 *   GET  /api/v1/system/jobs/{id}                          settings.read; 404 job_not_found
 *   POST /api/v1/system/jobs/{id}/retry                    settings.update; failed|cancelled ->
 *        queued with attempts 0; 200 {"data": job}; 409 job_not_retryable; 404 job_not_found
 *   POST /api/v1/system/jobs/{id}/cancel                   settings.update; queued ->
 *        cancelled, running -> cancelRequested true (its worker stops at a safe point);
 *        200 {"data": job}; 409 job_not_cancellable; 404 job_not_found
 * The job object is jobs/job_json.h's. Retry and cancel are audited (job.retry, job.cancel,
 * target type "job", changes of state and cancelRequested) in the transaction of the change.
 *
 * These handlers live in system/ (layer 5) rather than jobs/ (layer 3) because they record to
 * the audit log, and audit/ is on the jobs layer: a folder may not include another on its own
 * layer. The route context (request->context) is the job queue (jobs/job_queue.h). */
#ifndef NH_SYSTEM_JOBS_HTTP_H
#define NH_SYSTEM_JOBS_HTTP_H

#include "http/request.h"
#include "http/response.h"

void jobs_http_list(http_request *request, http_response *response);
void jobs_http_get(http_request *request, http_response *response);
void jobs_http_retry(http_request *request, http_response *response);
void jobs_http_cancel(http_request *request, http_response *response);

#ifdef NEKOHUB_TEST_BUILD
/* Test builds only, and only with NEKOHUB_TEST_JOBS=1 (else 404 not_found):
 *   POST /api/v1/system/jobs/test  settings.update
 *        body {"payload": {...test.sleep payload...}, "assetId"?: guid, "maxAttempts"?: n,
 *        "count"?: n (1..500)} -> 201 {"data":{"ids":[...]}} (jobs/job_test_kind.h). */
void jobs_http_test_enqueue(http_request *request, http_response *response);
#endif

#endif
