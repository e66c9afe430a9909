/* step_thumbnail.c - generate_thumbnail (spec processing.md §7.1, with issue 11's corrections):
 * the derivatives thumbnail_256 and preview_1024, made when missing or stale (derivatives.h).
 * A non-image asset, an asset that no longer exists, or one whose stored object is missing
 * (logged) succeeds with no effect. */
#include "processing/processing_steps.h"

#include "core/log.h"
#include "processing/derivatives.h"
#include "processing/step_support.h"

void step_generate_thumbnail(const step_context *context, step_result *result)
{
    step_succeed(result);
    processing_service *service = context->service;
    step_asset asset;
    bool found = false;
    nh_error err;
    if (step_asset_load(service, context->asset_id, &asset, &found, &err) != 0) {
        step_fail(result, &err);
        return;
    }
    if (found && step_asset_is_image(&asset)) {
        int rc = derivatives_refresh(service, &asset.record, &err);
        if (rc < 0)
            step_fail(result, &err);
        else if (rc == 1)
            log_message(LOG_WARN, "processing",
                        "asset %s: the stored object %s is missing; no derivatives made",
                        asset.record.id, asset.record.storage_key);
    }
    step_asset_free(&asset);
}
