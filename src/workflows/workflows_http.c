/* workflows_http.c - the workflow routes' handlers; request->context is the workflows service
 * (see workflows_http.h). */
#include "workflows/workflows_http.h"

#include <stdio.h>

#include "audit/audit_http.h"
#include "core/log.h"
#include "workflows/workflows.h"

/* A service call's outcome: its payload with status, or (payload NULL) its error. */
static void respond(http_response *response, int status, json_t *payload, const nh_error *err)
{
    if (payload)
        http_reply_data(response, status, payload);
    else
        http_reply_error(response, err);
}

/* A data reply with a Location header; the resource exists and its id is in the body, so a
 * Location that could not be added is logged only. */
static void reply_located(http_response *response, int status, json_t *payload,
                          const char *location)
{
    http_reply_data(response, status, payload);
    if (http_response_header(response, "Location", location) != 0)
        log_message(LOG_WARN, "response_header", "Location %s could not be added", location);
}

void workflows_http_list(http_request *request, http_response *response)
{
    nh_error err;
    json_t *list = NULL;
    int rc = workflows_list(request->context, &list, &err);
    respond(response, 200, rc == 0 ? list : NULL, &err);
}

void workflows_http_get(http_request *request, http_response *response)
{
    nh_error err;
    json_t *profile = NULL;
    int rc = workflows_get(request->context, http_request_param(request, "id"), &profile, &err);
    respond(response, 200, rc == 0 ? profile : NULL, &err);
}

void workflows_http_create(http_request *request, http_response *response)
{
    audit_actor actor = audit_actor_of(request);
    nh_error err;
    json_t *profile = NULL;
    if (workflows_create(request->context, &actor, request->json, &profile, &err) != 0) {
        http_reply_error(response, &err);
        return;
    }
    char location[128];
    snprintf(location, sizeof location, "/api/v1/system/workflows/%s",
             json_string_value(json_object_get(profile, "id")));
    reply_located(response, 201, profile, location);
}

void workflows_http_replace(http_request *request, http_response *response)
{
    audit_actor actor = audit_actor_of(request);
    nh_error err;
    json_t *profile = NULL;
    int rc = workflows_replace(request->context, &actor, http_request_param(request, "id"),
                               request->json, &profile, &err);
    respond(response, 200, rc == 0 ? profile : NULL, &err);
}

void workflows_http_delete(http_request *request, http_response *response)
{
    audit_actor actor = audit_actor_of(request);
    nh_error err;
    if (workflows_delete(request->context, &actor, http_request_param(request, "id"), &err) != 0) {
        http_reply_error(response, &err);
        return;
    }
    http_reply_empty(response, 204);
}

void workflows_http_auto_run(http_request *request, http_response *response)
{
    audit_actor actor = audit_actor_of(request);
    nh_error err;
    json_t *profile = NULL;
    int rc = workflows_set_auto_run(request->context, &actor, http_request_param(request, "id"),
                                    &profile, &err);
    respond(response, 200, rc == 0 ? profile : NULL, &err);
}

void workflows_http_run(http_request *request, http_response *response)
{
    const char *asset_id = http_request_param(request, "id");
    nh_error err;
    json_t *run = NULL;
    if (workflows_run(request->context, asset_id, http_request_param(request, "workflowId"), &run,
                      &err) != 0) {
        http_reply_error(response, &err);
        return;
    }
    char location[128];
    snprintf(location, sizeof location, "/api/v1/assets/%s", asset_id);
    reply_located(response, 202, run, location);
}
