/* users_http.h - HTTP handlers of /api/v1/users: parse, call the users service, render. Their
 * route context (request->context) is the users_service (users/users.h). Also the admin
 * routes for another user's personal keys (/users/{id}/api-keys): the manage check of the
 * users rules, then the API-key service. */
#ifndef NH_USERS_USERS_HTTP_H
#define NH_USERS_USERS_HTTP_H

#include "http/request.h"
#include "http/response.h"

void users_http_list(http_request *request, http_response *response);
void users_http_get(http_request *request, http_response *response);
void users_http_create(http_request *request, http_response *response);
void users_http_update(http_request *request, http_response *response);
void users_http_status(http_request *request, http_response *response);
void users_http_reset_password(http_request *request, http_response *response);
void users_http_permissions(http_request *request, http_response *response);
void users_http_list_keys(http_request *request, http_response *response);
void users_http_revoke_key(http_request *request, http_response *response);

#endif
