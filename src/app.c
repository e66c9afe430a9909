/* app.c - starting and stopping the services every feature needs, in order, around the HTTP
 * server. Each feature adds its start/stop here. */
#include "app.h"

#include "assets/assets.h"
#include "auth/auth_context.h"
#include "auth/authenticate.h"
#include "auth/sessions.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/periodic.h"
#include "users/users.h"

/* Every feature's periodic cleanup: ended sessions and stale sign-in failures, storage objects
 * whose removal failed or whose upload never committed. */
static void app_housekeeping(void *context)
{
    app *application = context;
    nh_error err;
    if (sessions_purge(application->database, application->cfg, clock_now_ms(), &err) != 0)
        log_message(LOG_WARN, "housekeeping", "session purge failed: %s", err.message);
    if (application->assets && asset_service_sweep(application->assets, &err) != 0)
        log_message(LOG_WARN, "housekeeping", "the asset sweep left work for later: %s",
                    err.message);
}

int app_services_start(app *application, nh_error *err)
{
    if (auth_context_create(application->cfg, &application->auth, err) != 0)
        return -1;
    application->authenticate = auth_authenticate;
    if (users_bootstrap(application, err) != 0)
        return -1;
    /* accounts: start */
    application->assets =
        assets_start(application->cfg, application->database, &application->public_base_url, err);
    if (!application->assets)
        return -1;
    /* assets: start */
    application->housekeeping =
        periodic_start(application->cfg->housekeeping_interval_s, app_housekeeping, application);
    if (!application->housekeeping)
        return error_set(err, 500, "start_failed", "the housekeeping thread could not start");
    return 0;
}

void app_services_stop(app *application)
{
    periodic_stop(application->housekeeping);
    application->housekeeping = NULL;
    /* assets: stop */
    assets_stop(application->assets);
    application->assets = NULL;
    /* accounts: stop */
    auth_context_free(application->auth);
    application->auth = NULL;
}
