/* assets.h - starting and stopping the assets feature: the media worker pool, the asset service
 * (storage, upload directory) and a first sweep of what a previous run left. Called from
 * app.c in the main thread before the server starts and after it stopped. The service is the
 * context of the assets routes (request->context in asset_http.c). */
#ifndef NH_ASSETS_H
#define NH_ASSETS_H

#include "assets/asset_service.h"
#include "core/config.h"
#include "core/error.h"
#include "db/db.h"

/* Start the feature from its dependencies (see asset_service_create for public_base_url).
 * NULL with err filled when it cannot start. */
asset_service *assets_start(const config *cfg, db *database, storage_service *storage,
                            const char *public_base_url, nh_error *err);
/* Stop it; NULL (a failed or partial start) is fine. */
void assets_stop(asset_service *service);

#endif
