/* asset_json.h - the JSON shapes of the asset API (field names and order as the contract
 * says; null members are emitted). Each function returns a new reference the caller owns, or
 * NULL when out of memory. */
#ifndef NH_ASSETS_JSON_H
#define NH_ASSETS_JSON_H

#include <jansson.h>

#include "assets/asset_service.h"

/* GET /api/v1/assets/{id}, the upload response and the PATCH response. */
json_t *asset_json_detail(const asset_detail *detail);
/* GET /api/v1/public/assets/{id}. */
json_t *asset_json_public_detail(const asset_detail *detail);
/* {items, page, pageSize, total} of the admin list or the public list. */
json_t *asset_json_page(const asset_page *page, bool public_shape);
/* GET /api/v1/assets/usage-stats. */
json_t *asset_json_usage(const asset_usage *usage);
/* One step row as every step JSON shows it: {"stepName","status","succeeded","errorMessage",
 * "message","startedAtUtc","completedAtUtc"} (succeeded = status is not failed; errorMessage
 * only when failed; message = a skip's reason or null). rows holds ASSET_STEP_COLUMNS from
 * column `first` on (asset_store.h). */
json_t *asset_json_step(const db_result *rows, size_t row, size_t first);
/* The asset's `processing` member: {"state","pendingJobs","lastError"} (lastError null when
 * blank). */
json_t *asset_json_processing(const char *state, int64_t pending_jobs, const char *last_error);
/* The delete result {id, status: "deleted", deletedAtUtc}. */
json_t *asset_json_deleted(const char *id, int64_t deleted_at);

#endif
