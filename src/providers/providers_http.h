/* providers_http.h - HTTP handlers of /api/v1/system/storage/providers: parse, call the
 * providers service (providers/providers.h, the routes' context), render. */
#ifndef NH_PROVIDERS_PROVIDERS_HTTP_H
#define NH_PROVIDERS_PROVIDERS_HTTP_H

#include "http/request.h"
#include "http/response.h"

void providers_http_overview(http_request *request, http_response *response);
void providers_http_create(http_request *request, http_response *response);
void providers_http_update(http_request *request, http_response *response);
void providers_http_delete(http_request *request, http_response *response);
void providers_http_set_default(http_request *request, http_response *response);
void providers_http_test(http_request *request, http_response *response);
void providers_http_github_browse(http_request *request, http_response *response);
void providers_http_github_upsert(http_request *request, http_response *response);

#endif
