/* assets.c - start-up and shutdown of the assets feature (see assets.h). */
#include "assets/assets.h"

#include <stdlib.h>

#include "core/log.h"
#include "media/media_pool.h"

static media_pool *start_media(const config *cfg, nh_error *err)
{
    media_pool_settings settings = {
        .worker_path = cfg->media_worker_path,
        .workers = cfg->media_workers,
        .timeout_s = cfg->media_timeout_s,
        .memory_limit_mb = cfg->media_memory_limit_mb,
    };
#ifdef NEKOHUB_TEST_BUILD
    /* test builds only: file names may ask for the worker's test operations (media_pool.h) */
    const char *test_operations = getenv("NEKOHUB_TEST_MEDIA_OPERATIONS");
    settings.test_operations = test_operations && test_operations[0] == '1';
#endif
    return media_pool_create(&settings, err);
}

asset_service *assets_start(const config *cfg, db *database, storage_service *storage_svc,
                            const char *public_base_url, nh_error *err)
{
    media_pool *media = start_media(cfg, err);
    if (!media)
        return NULL;
    asset_service *service = asset_service_create(cfg, database, storage_svc, public_base_url, err);
    if (!service) {
        media_pool_destroy(media);
        return NULL;
    }
    service->media = media;
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
    media_pool *media = service->media;
    asset_service_destroy(service);
    media_pool_destroy(media);
}
