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
/* The delete result {id, status: "deleted", deletedAtUtc}. */
json_t *asset_json_deleted(const char *id, int64_t deleted_at);

#endif
