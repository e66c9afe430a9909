/* users_http.c - /api/v1/users handlers. */
#include "users/users_http.h"

#include <stdio.h>

#include "users/users.h"

static void reply(http_response *response, int rc, const nh_error *err, int status,
                  json_t *payload)
{
    if (rc != 0) {
        http_reply_error(response, err);
        return;
    }
    http_reply_data(response, status, payload);
}

void users_http_list(http_request *request, http_response *response)
{
    audit_actor actor = audit_actor_of(request);
    nh_error err;
    json_t *users = NULL;
    int rc = users_list(request->app, &actor, &users, &err);
    reply(response, rc, &err, 200, users);
}

void users_http_get(http_request *request, http_response *response)
{
    audit_actor actor = audit_actor_of(request);
    nh_error err;
    json_t *user = NULL;
    int rc = users_get(request->app, &actor, http_request_param(request, "id"), &user, &err);
    reply(response, rc, &err, 200, user);
}

void users_http_create(http_request *request, http_response *response)
{
    audit_actor actor = audit_actor_of(request);
    nh_error err;
    json_t *user = NULL;
    int rc = users_create(request->app, &actor, request->json, &user, &err);
    if (rc != 0) {
        http_reply_error(response, &err);
        return;
    }
    char location[96];
    snprintf(location, sizeof location, "/api/v1/users/%s",
             json_string_value(json_object_get(user, "id")));
    http_reply_data(response, 201, user);
    http_response_header(response, "Location", location);
}

void users_http_update(http_request *request, http_response *response)
{
    audit_actor actor = audit_actor_of(request);
    nh_error err;
    json_t *user = NULL;
    int rc = users_update(request->app, &actor, http_request_param(request, "id"), request->json,
                          &user, &err);
    reply(response, rc, &err, 200, user);
}

void users_http_status(http_request *request, http_response *response)
{
    audit_actor actor = audit_actor_of(request);
    nh_error err;
    json_t *user = NULL;
    int rc = users_set_status(request->app, &actor, http_request_param(request, "id"),
                              request->json, &user, &err);
    reply(response, rc, &err, 200, user);
}

void users_http_reset_password(http_request *request, http_response *response)
{
    audit_actor actor = audit_actor_of(request);
    nh_error err;
    if (users_reset_password(request->app, &actor, http_request_param(request, "id"),
                             request->json, &err) != 0) {
        http_reply_error(response, &err);
        return;
    }
    http_reply_empty(response, 204);
}

void users_http_permissions(http_request *request, http_response *response)
{
    audit_actor actor = audit_actor_of(request);
    nh_error err;
    json_t *user = NULL;
    int rc = users_set_permissions(request->app, &actor, http_request_param(request, "id"),
                                   request->json, &user, &err);
    reply(response, rc, &err, 200, user);
}
