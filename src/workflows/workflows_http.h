/* workflows_http.h - HTTP handlers of /api/v1/system/workflows and of
 * POST /api/v1/assets/{id}/workflows/{workflowId}/run: parse, call the workflows service
 * (workflows/workflows.h, the routes' context), render. */
#ifndef NH_WORKFLOWS_WORKFLOWS_HTTP_H
#define NH_WORKFLOWS_WORKFLOWS_HTTP_H

#include "http/request.h"
#include "http/response.h"

void workflows_http_list(http_request *request, http_response *response);
void workflows_http_get(http_request *request, http_response *response);
void workflows_http_create(http_request *request, http_response *response);
void workflows_http_replace(http_request *request, http_response *response);
void workflows_http_delete(http_request *request, http_response *response);
void workflows_http_auto_run(http_request *request, http_response *response);
void workflows_http_run(http_request *request, http_response *response);

#endif
