/* app.c - starting and stopping the services every feature needs, in order, around the HTTP
 * server. Each feature adds its start/stop here. */
#include "app.h"

#include "assets/assets.h"
#include "auth/auth_context.h"
#include "auth/authenticate.h"
#include "auth/housekeeping.h"
#include "core/log.h"
#include "users/users.h"

int app_services_start(app *application, nh_error *err)
{
    if (auth_context_create(application->cfg, &application->auth, err) != 0)
        return -1;
    application->authenticate = auth_authenticate;
    if (users_bootstrap(application, err) != 0)
        return -1;
    application->housekeeping = housekeeping_start(application, 600);
    if (!application->housekeeping)
        return error_set(err, 500, "start_failed", "the housekeeping thread could not start");
    /* accounts: start */
    if (assets_start(application, err) != 0)
        return -1;
    /* assets: start */
    return 0;
}

void app_services_stop(app *application)
{
    /* assets: stop */
    assets_stop(application);
    /* accounts: stop */
    housekeeping_stop(application->housekeeping);
    application->housekeeping = NULL;
    auth_context_free(application->auth);
    application->auth = NULL;
}
