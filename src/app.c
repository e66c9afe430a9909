/* app.c - starting and stopping the services every feature needs, in order, around the HTTP
 * server. Each feature adds its start/stop here. */
#include "app.h"

#include "assets/assets.h"
#include "auth/auth_context.h"
#include "auth/authenticate.h"
#include "assets/asset_service.h"
#include "auth/sessions.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/periodic.h"
#include "users/users.h"

#define HOUSEKEEPING_INTERVAL_SECONDS 600

/* Every feature's periodic cleanup: ended sessions and stale sign-in failures, storage objects
 * whose removal failed or whose upload never committed. */
static void app_housekeeping(void *context)
{
    app *application = context;
    nh_error err;
    if (sessions_purge(application->auth, clock_now_ms(), &err) != 0)
        log_message(LOG_WARN, "housekeeping", "session purge failed: %s", err.message);
    if (application->assets)
        asset_service_sweep(application->assets);
}

/* The server's authentication hook: the auth context comes from the app. */
static int app_authenticate(struct http_request *request, struct http_response *response)
{
    return auth_authenticate(request->app->auth, request, response);
}

int app_services_start(app *application, nh_error *err)
{
    if (auth_context_create(application->cfg, application->database, &application->auth, err) !=
        0)
        return -1;
    application->authenticate = app_authenticate;
    if (users_service_create(application->cfg, application->database, application->auth,
                             &application->users, err) != 0 ||
        users_bootstrap(application->users, err) != 0)
        return -1;
    /* accounts: start */
    if (assets_start(application, err) != 0)
        return -1;
    /* assets: start */
    application->housekeeping =
        periodic_start(HOUSEKEEPING_INTERVAL_SECONDS, app_housekeeping, application);
    if (!application->housekeeping)
        return error_set(err, 500, "start_failed", "the housekeeping thread could not start");
    return 0;
}

void app_services_stop(app *application)
{
    periodic_stop(application->housekeeping);
    application->housekeeping = NULL;
    /* assets: stop */
    assets_stop(application);
    /* accounts: stop */
    users_service_free(application->users);
    application->users = NULL;
    auth_context_free(application->auth);
    application->auth = NULL;
}
