/* housekeeping.h - a background thread that purges ended sessions and old sign-in failures
 * every few minutes (and once at start), so those tables do not grow without bound. */
#ifndef NH_AUTH_HOUSEKEEPING_H
#define NH_AUTH_HOUSEKEEPING_H

#include "app.h"

typedef struct housekeeping housekeeping;

housekeeping *housekeeping_start(app *application, unsigned int interval_seconds);
/* Wake the thread, wait for it to finish and free it. NULL is fine. */
void housekeeping_stop(housekeeping *keeper);

#endif
