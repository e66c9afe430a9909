/* ai_http.c - /api/v1/system/ai/providers handlers; request->context is the AI service. */
#include "ai/ai_http.h"

#include "ai/ai.h"
#include "audit/audit_http.h"

static void reply(http_response *response, int rc, const nh_error *err, int status, json_t *payload)
{
    if (rc != 0)
        http_reply_error(response, err);
    else
        http_reply_built(response, status, payload);
}

void ai_http_list(http_request *request, http_response *response)
{
    nh_error err;
    json_t *profiles = NULL;
    int rc = ai_profiles_list(request->context, &profiles, &err);
    reply(response, rc, &err, 200, profiles);
}

void ai_http_active(http_request *request, http_response *response)
{
    nh_error err;
    json_t *profile = NULL;
    int rc = ai_profiles_active(request->context, &profile, &err);
    reply(response, rc, &err, 200, profile);
}

void ai_http_create(http_request *request, http_response *response)
{
    audit_actor actor = audit_actor_of(request);
    nh_error err;
    json_t *profile = NULL;
    if (ai_profiles_create(request->context, &actor, request->json, &profile, &err) != 0)
        http_reply_error(response, &err);
    else
        http_reply_created(response, profile, "/api/v1/system/ai/providers");
}

void ai_http_update(http_request *request, http_response *response)
{
    audit_actor actor = audit_actor_of(request);
    nh_error err;
    json_t *profile = NULL;
    int rc = ai_profiles_update(request->context, &actor, http_request_param(request, "id"),
                                request->json, &profile, &err);
    reply(response, rc, &err, 200, profile);
}

void ai_http_delete(http_request *request, http_response *response)
{
    audit_actor actor = audit_actor_of(request);
    nh_error err;
    json_t *result = NULL;
    int rc = ai_profiles_delete(request->context, &actor, http_request_param(request, "id"),
                                &result, &err);
    reply(response, rc, &err, 200, result);
}

void ai_http_test(http_request *request, http_response *response)
{
    nh_error err;
    json_t *result = NULL;
    int rc = ai_profiles_test(request->context, request->json, &result, &err);
    reply(response, rc, &err, 200, result);
}
