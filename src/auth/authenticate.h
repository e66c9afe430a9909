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

#include "auth/auth_context.h"
#include "http/request.h"
#include "http/response.h"

/* The server's authenticate callback (http/server.h http_authenticate_fn): context is the
 * auth_context. Fills request->principal for the matched route and checks the permission (a
 * `permission` value or ROUTE_NO_PERMISSION): 0 = go on; -1 = the response is filled (401, 403,
 * or 503 when the database cannot answer). */
int auth_authenticate(void *context, http_request *request, int permission,
                      http_response *response);

/* Does the principal hold the permission (machine keys hold all)? */
bool auth_principal_has(const auth_principal *principal, const char *permission_name);

#endif
