/* routes.h - the route table of the whole server (the composition root for HTTP): every
 * feature's routes with their authentication mode and permission, in matching order. */
#ifndef NH_ROUTES_H
#define NH_ROUTES_H

#include <stddef.h>

#include "http/router.h"

extern const route ROUTES[];
extern const size_t ROUTE_COUNT;

#endif
