/* routes.c - the route table. Literal routes come before placeholder routes that could also
 * match them (e.g. /assets/usage-stats before /assets/{id:guid}). */
#include "routes.h"

#include "system/system.h"
/* includes: features */

const route ROUTES[] = {
    {"GET", "/api/v1/system/ping", system_ping, ROUTE_AUTH_ANONYMOUS, NULL, ROUTE_BODY_NONE,
     NULL},
    {"GET", "/api/v1/system/bootstrap", system_bootstrap, ROUTE_AUTH_ANONYMOUS, NULL,
     ROUTE_BODY_NONE, NULL},
    {"GET", "/healthz", system_healthz, ROUTE_AUTH_ANONYMOUS, NULL, ROUTE_BODY_NONE, NULL},
    {"GET", "/readyz", system_readyz, ROUTE_AUTH_ANONYMOUS, NULL, ROUTE_BODY_NONE, NULL},
    {"GET", "/metrics", system_metrics, ROUTE_AUTH_ANONYMOUS, NULL, ROUTE_BODY_NONE, NULL},
    /* accounts: routes */
    /* assets: routes */
};

const size_t ROUTE_COUNT = sizeof ROUTES / sizeof ROUTES[0];
