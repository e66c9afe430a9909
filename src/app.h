/* app.h - the server context: everything a request handler may reach, built once at start-up
 * by main.c and read-only afterwards (each member is itself thread-safe where it changes).
 * This is the only place besides the config that holds process-wide state. */
#ifndef NH_APP_H
#define NH_APP_H

#include <stddef.h>

#include "core/config.h"
#include "core/error.h"
#include "db/db.h"
#include "http/metrics.h"
#include "http/router.h"

struct http_request;
struct http_response;
struct auth_context;

typedef struct app {
    const config *cfg;
    db *database;
    http_metrics *metrics;
    const route *routes;
    size_t route_count;
    /* Authenticate the request for its route (fills request->principal) and check the route's
     * permission. 0 = go on; -1 = response already filled (401/403). NULL = refuse every
     * non-anonymous route with 401. */
    int (*authenticate)(struct http_request *request, struct http_response *response);
    struct auth_context *auth;
    char *public_base_url; /* Storage__PublicBaseUrl or derived from the bound address */
    const char *version;
    int bound_port;
    struct periodic *housekeeping; /* app_housekeeping every 10 minutes (and at start) */
    /* accounts: members */
    struct users_service *users; /* the users feature (users/users.h) */
    struct asset_service *assets; /* the assets feature (assets/assets.h) */
    /* assets: members */
} app;

/* Start every feature's services (after migrations, before listening). -1 with err filled
 * when start-up must stop. */
int app_services_start(app *application, nh_error *err);
/* Stop them in reverse order (after the HTTP server stopped). */
void app_services_stop(app *application);

#endif
