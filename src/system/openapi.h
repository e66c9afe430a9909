/* openapi.h - an OpenAPI 3.1 description of the REST API, generated from the route table so it
 * can never disagree with what the server routes: every path and method, its path parameters,
 * how it is authenticated and which permission it needs. Served anonymously at
 * GET /openapi/v1.json (the original's address) and GET /api/v1/openapi.json. */
#ifndef NH_SYSTEM_OPENAPI_H
#define NH_SYSTEM_OPENAPI_H

#include <jansson.h>

#include "http/request.h"
#include "http/response.h"
#include "http/router.h"

/* Build the document for a route table (caller owns the result). */
json_t *openapi_document(const route *routes, size_t count, const char *version);

void system_openapi(http_request *request, http_response *response);

#endif
