/* users_http.c - /api/v1/users handlers; request->context is the users service. */
#include "users/users_http.h"

#include "audit/audit_http.h"
#include "auth/api_keys.h"
#include "users/users.h"

static void reply(http_response *response, int rc, const nh_error *err, int status, json_t *payload)
{
    if (rc != 0) {
        http_reply_error(response, err);
        return;
    }
    http_reply_data(response, status, payload);
}

void users_http_list(http_request *request, http_response *response)
{
    const users_service *users = request->context;
    audit_actor actor = audit_actor_of(request);
    nh_error err;
    json_t *list = NULL;
    int rc = users_list(users, &actor, &list, &err);
    reply(response, rc, &err, 200, list);
}

void users_http_get(http_request *request, http_response *response)
{
    const users_service *users = request->context;
    audit_actor actor = audit_actor_of(request);
    nh_error err;
    json_t *user = NULL;
    int rc = users_get(users, &actor, http_request_param(request, "id"), &user, &err);
    reply(response, rc, &err, 200, user);
}

void users_http_create(http_request *request, http_response *response)
{
    const users_service *users = request->context;
    audit_actor actor = audit_actor_of(request);
    nh_error err;
    json_t *user = NULL;
    if (users_create(users, &actor, request->json, &user, &err) != 0)
        http_reply_error(response, &err);
    else
        http_reply_created(response, user, "/api/v1/users");
}

void users_http_update(http_request *request, http_response *response)
{
    const users_service *users = request->context;
    audit_actor actor = audit_actor_of(request);
    nh_error err;
    json_t *user = NULL;
    int rc =
        users_update(users, &actor, http_request_param(request, "id"), request->json, &user, &err);
    reply(response, rc, &err, 200, user);
}

void users_http_status(http_request *request, http_response *response)
{
    const users_service *users = request->context;
    audit_actor actor = audit_actor_of(request);
    nh_error err;
    json_t *user = NULL;
    int rc = users_set_status(users, &actor, http_request_param(request, "id"), request->json,
                              &user, &err);
    reply(response, rc, &err, 200, user);
}

void users_http_reset_password(http_request *request, http_response *response)
{
    const users_service *users = request->context;
    audit_actor actor = audit_actor_of(request);
    nh_error err;
    if (users_reset_password(users, &actor, http_request_param(request, "id"), request->json,
                             &err) != 0) {
        http_reply_error(response, &err);
        return;
    }
    http_reply_empty(response, 204);
}

void users_http_permissions(http_request *request, http_response *response)
{
    const users_service *users = request->context;
    audit_actor actor = audit_actor_of(request);
    nh_error err;
    json_t *user = NULL;
    int rc = users_set_permissions(users, &actor, http_request_param(request, "id"), request->json,
                                   &user, &err);
    reply(response, rc, &err, 200, user);
}

void users_http_list_keys(http_request *request, http_response *response)
{
    const users_service *users = request->context;
    nh_error err;
    user_record owner;
    json_t *keys = NULL;
    int rc = users_load_managed(users, &request->principal, http_request_param(request, "id"),
                                &owner, &err);
    if (rc == 0)
        rc = api_keys_list(users->auth, owner.id, &keys, &err);
    user_store_record_clear(&owner);
    reply(response, rc, &err, 200, keys);
}

void users_http_revoke_key(http_request *request, http_response *response)
{
    const users_service *users = request->context;
    audit_actor actor = audit_actor_of(request);
    nh_error err;
    user_record owner;
    int rc = users_load_managed(users, &request->principal, http_request_param(request, "id"),
                                &owner, &err);
    if (rc == 0)
        rc = api_keys_revoke(users->auth, &actor, owner.id, http_request_param(request, "keyId"),
                             &err);
    user_store_record_clear(&owner);
    if (rc != 0) {
        http_reply_error(response, &err);
        return;
    }
    http_reply_empty(response, 204);
}
