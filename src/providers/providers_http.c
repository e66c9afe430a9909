/* providers_http.c - /api/v1/system/storage/providers handlers; request->context is the
 * providers service. */
#include "providers/providers_http.h"

#include "audit/audit_http.h"
#include "providers/providers.h"

static void reply(http_response *response, int rc, const nh_error *err, int status, json_t *payload)
{
    if (rc != 0) {
        http_reply_error(response, err);
        return;
    }
    http_reply_data(response, status, payload);
}

void providers_http_overview(http_request *request, http_response *response)
{
    nh_error err;
    json_t *overview = NULL;
    int rc = providers_overview(request->context, &overview, &err);
    reply(response, rc, &err, 200, overview);
}

void providers_http_create(http_request *request, http_response *response)
{
    audit_actor actor = audit_actor_of(request);
    nh_error err;
    json_t *profile = NULL;
    if (providers_create(request->context, &actor, request->json, &profile, &err) != 0)
        http_reply_error(response, &err);
    else
        http_reply_created(response, profile, "/api/v1/system/storage/providers");
}

void providers_http_update(http_request *request, http_response *response)
{
    audit_actor actor = audit_actor_of(request);
    nh_error err;
    json_t *profile = NULL;
    int rc = providers_update(request->context, &actor, http_request_param(request, "id"),
                              request->json, &profile, &err);
    reply(response, rc, &err, 200, profile);
}

void providers_http_delete(http_request *request, http_response *response)
{
    audit_actor actor = audit_actor_of(request);
    nh_error err;
    json_t *result = NULL;
    int rc = providers_delete(request->context, &actor, http_request_param(request, "id"), &result,
                              &err);
    reply(response, rc, &err, 200, result);
}

void providers_http_set_default(http_request *request, http_response *response)
{
    audit_actor actor = audit_actor_of(request);
    nh_error err;
    json_t *profile = NULL;
    int rc = providers_set_default(request->context, &actor, http_request_param(request, "id"),
                                   &profile, &err);
    reply(response, rc, &err, 200, profile);
}

void providers_http_test(http_request *request, http_response *response)
{
    audit_actor actor = audit_actor_of(request);
    nh_error err;
    json_t *result = NULL;
    int rc =
        providers_test(request->context, &actor, http_request_param(request, "id"), &result, &err);
    reply(response, rc, &err, 200, result);
}

void providers_http_github_browse(http_request *request, http_response *response)
{
    providers_browse_request query = {
        .path = http_request_query(request, "path"),
        .recursive = http_request_query(request, "recursive"),
        .max_depth = http_request_query(request, "maxDepth"),
        .type = http_request_query(request, "type"),
        .keyword = http_request_query(request, "keyword"),
        .page = http_request_query(request, "page"),
        .page_size = http_request_query(request, "pageSize"),
    };
    nh_error err;
    json_t *result = NULL;
    int rc = providers_github_browse(request->context, http_request_param(request, "id"), &query,
                                     &result, &err);
    reply(response, rc, &err, 200, result);
}

void providers_http_github_upsert(http_request *request, http_response *response)
{
    audit_actor actor = audit_actor_of(request);
    nh_error err;
    json_t *result = NULL;
    int rc = providers_github_upsert(request->context, &actor, http_request_param(request, "id"),
                                     request->json, &result, &err);
    reply(response, rc, &err, 200, result);
}
