/* processing_http.h - the HTTP handlers of the processing feature (spec processing.md §9 with
 * the corrections of issue 11): they read the request, call the processing service
 * (processing.h, the route context) and render its answer. The MCP server calls the same
 * service functions. */
#ifndef NH_PROCESSING_HTTP_H
#define NH_PROCESSING_HTTP_H

#include "http/request.h"
#include "http/response.h"

/* GET /api/v1/assets/skills (assets.read) */
void processing_http_skills(http_request *request, http_response *response);
/* POST /api/v1/assets/{id}/skills/{skillName}/run (assets.update): 200 when the run finished
 * within Processing__ManualRunWaitSeconds, else 202 with Location of its execution */
void processing_http_run(http_request *request, http_response *response);
/* GET /api/v1/assets/{id}/executions?page&pageSize (assets.read) */
void processing_http_executions(http_request *request, http_response *response);
/* GET /api/v1/assets/{id}/executions/{executionId} (assets.read) */
void processing_http_execution(http_request *request, http_response *response);

#endif
