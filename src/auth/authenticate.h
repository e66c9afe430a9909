/* authenticate.h - request authentication and the route permission check (the server calls
 * auth_authenticate through its authenticate callback before a non-anonymous handler runs).
 *
 * Scheme selection follows spec/api-conventions.md §11, plus personal keys: a Bearer
 * credential starting with "nhk_" is always a personal API key (on management and API-key
 * routes, never on JWT-only routes). JWTs are verified (HS256 pinned, iss/aud/exp/nbf), then
 * the user is reloaded (must exist and be active) and the token's session must be live; role
 * and permissions come from the database on every request. Machine keys are compared in
 * constant time. A missing permission is 403 auth_forbidden naming it. */
#ifndef NH_AUTH_AUTHENTICATE_H
#define NH_AUTH_AUTHENTICATE_H

#include "http/request.h"
#include "http/response.h"

/* The server's authenticate callback (http/server.h http_authenticate_fn): context is unused
 * while this module still reads request->app; permission is a `permission` value or
 * ROUTE_NO_PERMISSION. */
int auth_authenticate(void *context, http_request *request, int permission,
                      http_response *response);

/* Does the principal hold the permission (machine keys hold all)? */
bool auth_principal_has(const auth_principal *principal, const char *permission_name);

#endif
