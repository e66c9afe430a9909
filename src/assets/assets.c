/* assets.c - start-up and shutdown of the assets feature (see assets.h). */
#include "assets/assets.h"

#include "assets/asset_service.h"
#include "core/log.h"
#include "media/media.h"

int assets_start(app *application, nh_error *err)
{
    if (media_start("nekohub", err) != 0)
        return -1;
    asset_service *service = asset_service_create(application->cfg, application->database, err);
    if (!service) {
        media_stop();
        return -1;
    }
    /* before serving; then every housekeeping period. A failure is logged (each object with
     * its key and reason) and retried by the next sweep: it does not stop start-up. */
    nh_error sweep_error;
    if (asset_service_sweep(service, &sweep_error) != 0)
        log_message(LOG_WARN, "assets", "the start-up sweep left work for later: %s",
                    sweep_error.message);
    application->assets = service;
    return 0;
}

void assets_stop(app *application)
{
    if (!application->assets)
        return;
    asset_service_destroy(application->assets);
    application->assets = NULL;
    media_stop();
}
