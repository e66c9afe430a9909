/* processing_http.c - HTTP handlers of the processing feature (see processing_http.h). */
#include "processing/processing_http.h"

#include <stdio.h>

#include "core/json_input.h"
#include "http/paging.h"
#include "processing/processing.h"

#define EXECUTIONS_PAGE_SIZE 20
#define EXECUTIONS_PAGE_MAX 100

/* The route context of every processing route: the processing service (processing.h). */
static processing_service *service_of(const http_request *request)
{
    return request->context;
}

void processing_http_skills(http_request *request, http_response *response)
{
    (void)request;
    http_reply_built(response, 200, processing_skills_json());
}

/* The body's parameters: none without a body or when `parameters` is not an object; a body
 * that is not a JSON object is 400 request_invalid. */
static int read_parameters(const json_t *body, const json_t **parameters, nh_error *err)
{
    *parameters = NULL;
    if (!body)
        return 0;
    if (!json_is_object(body))
        return error_set(err, 400, "request_invalid", "The request body must be a JSON object.");
    const json_t *value = json_input_get(body, "parameters");
    *parameters = json_is_object(value) ? value : NULL;
    return 0;
}

static void reply_pending(http_request *request, http_response *response, const char *asset_id,
                          const processing_run *run)
{
    json_t *execution = NULL;
    nh_error err;
    if (processing_get_execution(service_of(request), asset_id, run->execution_id, &execution,
                                 &err) != 0) {
        http_reply_error(response, &err);
        return;
    }
    char location[128];
    snprintf(location, sizeof location, "/api/v1/assets/%s/executions/%s", asset_id,
             run->execution_id);
    http_reply_data(response, 202, execution);
    http_response_header(response, "Location", location);
}

void processing_http_run(http_request *request, http_response *response)
{
    processing_service *service = service_of(request);
    const char *asset_id = http_request_param(request, "id");
    const json_t *parameters = NULL;
    processing_run run = {0};
    nh_error err;
    if (read_parameters(request->json, &parameters, &err) != 0 ||
        processing_run_skill(service, asset_id, http_request_param(request, "skillName"),
                             parameters, service->cfg->manual_run_wait_s, &run, &err) != 0) {
        processing_run_clear(&run);
        http_reply_error(response, &err);
        return;
    }
    if (!run.finished) {
        reply_pending(request, response, asset_id, &run);
    } else {
        json_t *result = NULL;
        if (processing_run_result_json(service, asset_id, &run, &result, &err) != 0)
            http_reply_error(response, &err);
        else
            http_reply_data(response, 200, result);
    }
    processing_run_clear(&run);
}

void processing_http_executions(http_request *request, http_response *response)
{
    paging page;
    json_t *result = NULL;
    nh_error err;
    if (paging_parse(request, EXECUTIONS_PAGE_SIZE, EXECUTIONS_PAGE_MAX, &page, &err) != 0 ||
        processing_list_executions(service_of(request), http_request_param(request, "id"),
                                   page.number, page.size, &result, &err) != 0) {
        http_reply_error(response, &err);
        return;
    }
    http_reply_data(response, 200, result);
}

void processing_http_execution(http_request *request, http_response *response)
{
    json_t *result = NULL;
    nh_error err;
    if (processing_get_execution(service_of(request), http_request_param(request, "id"),
                                 http_request_param(request, "executionId"), &result, &err) != 0) {
        http_reply_error(response, &err);
        return;
    }
    http_reply_data(response, 200, result);
}
