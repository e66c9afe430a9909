/* auth_http.h - HTTP handlers of /api/v1/auth/...: login, refresh, logout, me, change-password
 * and the caller's personal API keys. Their route context (request->context) is the
 * auth_context (auth/auth_context.h).
 *
 * Console session mode (beyond NekoHub): a request with header `X-NekoHub-Session: cookie`
 * gets the refresh token in an HttpOnly, SameSite=Strict cookie scoped to /api/v1/auth, and
 * `refreshToken` is null in the JSON, so script in the page never sees it; refresh and
 * logout then read the cookie when the body has no refreshToken. */
#ifndef NH_AUTH_AUTH_HTTP_H
#define NH_AUTH_AUTH_HTTP_H

#include "http/request.h"
#include "http/response.h"

void auth_http_login(http_request *request, http_response *response);
void auth_http_refresh(http_request *request, http_response *response);
void auth_http_logout(http_request *request, http_response *response);
void auth_http_me(http_request *request, http_response *response);
void auth_http_change_password(http_request *request, http_response *response);
void auth_http_create_key(http_request *request, http_response *response);
void auth_http_list_keys(http_request *request, http_response *response);
void auth_http_revoke_key(http_request *request, http_response *response);

#endif
