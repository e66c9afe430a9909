/* authenticate.h - request authentication and the route permission check (the server calls
 * auth_authenticate, through app.c, before a non-anonymous handler runs).
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

/* Fill request->principal for the matched route and check its permission: 0 = go on; -1 = the
 * response is filled (401, 403, or 503 when the database cannot answer). */
int auth_authenticate(const auth_context *auth, http_request *request, http_response *response);

/* Does the principal hold the permission (machine keys hold all)? */
bool auth_principal_has(const auth_principal *principal, const char *permission_name);

#endif
