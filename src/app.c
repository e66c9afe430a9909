/* app.c - starting and stopping the services every feature needs, in order, around the HTTP
 * server. Each feature adds its start/stop here. */
#include "app.h"

#include "core/log.h"

int app_services_start(app *application, nh_error *err)
{
    (void)application;
    (void)err;
    /* accounts: start */
    /* assets: start */
    return 0;
}

void app_services_stop(app *application)
{
    (void)application;
    /* assets: stop */
    /* accounts: stop */
}
