/* job_json.h - a job as the jobs API shows it:
 *   {"id","kind","assetId","state","triggerSource","skillName","executionId","attempts",
 *    "maxAttempts","cancelRequested","lockedBy","lockedUntilUtc","runAfterUtc","lastError",
 *    "createdAtUtc","updatedAtUtc","startedAtUtc","finishedAtUtc"}
 * (times ISO-8601 UTC or null; every member present). Returns new references, NULL (or -1 with
 * err) when memory ran out. */
#ifndef NH_JOBS_JSON_H
#define NH_JOBS_JSON_H

#include <jansson.h>

#include "core/error.h"
#include "db/db.h"
#include "jobs/job_queue.h"

json_t *job_json(const job_info *info);

/* Every row of a result selected with JOB_STORE_COLUMNS (job_store.h) as an array in *items. */
int job_json_rows(const db_result *result, json_t **items, nh_error *err);

#endif
