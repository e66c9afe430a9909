/* assets.h - starting and stopping the assets feature: libvips (media), the storage service,
 * the upload directory, and a sweep of storage objects still pending removal. Called from
 * app.c in the main thread before the server starts and after it stopped. */
#ifndef NH_ASSETS_H
#define NH_ASSETS_H

#include "app.h"
#include "core/error.h"

/* Sets application->assets. -1 with err filled when the feature cannot start. */
int assets_start(app *application, nh_error *err);
/* Safe after a failed or partial start. */
void assets_stop(app *application);

#endif
