/* ai_http.h - HTTP handlers of /api/v1/system/ai/providers: parse, call the AI service
 * (ai/ai.h, the routes' context), render. */
#ifndef NH_AI_HTTP_H
#define NH_AI_HTTP_H

#include "http/request.h"
#include "http/response.h"

void ai_http_list(http_request *request, http_response *response);
void ai_http_active(http_request *request, http_response *response);
void ai_http_create(http_request *request, http_response *response);
void ai_http_update(http_request *request, http_response *response);
void ai_http_delete(http_request *request, http_response *response);
void ai_http_test(http_request *request, http_response *response);

#endif
