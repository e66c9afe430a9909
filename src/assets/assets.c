/* assets.c - start-up and shutdown of the assets feature (see assets.h). */
#include "assets/assets.h"

#include "core/log.h"
#include "media/media.h"

asset_service *assets_start(const config *cfg, db *database, storage_service *storage_svc,
                            const char *public_base_url, nh_error *err)
{
    if (media_start("nekohub", err) != 0)
        return NULL;
    asset_service *service = asset_service_create(cfg, database, storage_svc, public_base_url, err);
    if (!service) {
        media_stop();
        return NULL;
    }
    /* before serving; then every housekeeping period. A failure is logged (each object with
     * its key and reason) and retried by the next sweep: it does not stop start-up. */
    nh_error sweep_error;
    if (asset_service_sweep(service, &sweep_error) != 0)
        log_message(LOG_WARN, "assets", "the start-up sweep left work for later: %s",
                    sweep_error.message);
    return service;
}

void assets_stop(asset_service *service)
{
    if (!service)
        return;
    asset_service_destroy(service);
    media_stop();
}
