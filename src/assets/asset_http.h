/* asset_http.h - the HTTP handlers of the assets feature: they read the request, call the
 * asset service and render its answer (spec/assets.md §3-§12). */
#ifndef NH_ASSETS_HTTP_H
#define NH_ASSETS_HTTP_H

#include <stddef.h>

#include "http/request.h"
#include "http/response.h"

/* POST /api/v1/assets (ROUTE_BODY_STREAM: the chunk callback streams the form to disk) */
int asset_http_upload_chunk(http_request *request, http_response *response, const char *data,
                            size_t size);
void asset_http_upload(http_request *request, http_response *response);
/* GET /api/v1/assets */
void asset_http_list(http_request *request, http_response *response);
/* GET /api/v1/assets/usage-stats */
void asset_http_usage(http_request *request, http_response *response);
/* POST /api/v1/assets/batch-delete */
void asset_http_batch_delete(http_request *request, http_response *response);
/* GET /api/v1/assets/{id} */
void asset_http_detail(http_request *request, http_response *response);
/* PATCH /api/v1/assets/{id} */
void asset_http_patch(http_request *request, http_response *response);
/* DELETE /api/v1/assets/{id} */
void asset_http_delete(http_request *request, http_response *response);
/* GET /api/v1/assets/{id}/content */
void asset_http_content(http_request *request, http_response *response);
/* GET /api/v1/assets/{id}/derivatives/{kind}/content (any visibility; ETag, conditional GET,
 * Range like the content route) */
void asset_http_derivative_content(http_request *request, http_response *response);
/* GET /api/v1/public/assets */
void asset_http_public_list(http_request *request, http_response *response);
/* GET /api/v1/public/assets/{id} */
void asset_http_public_detail(http_request *request, http_response *response);
/* GET, HEAD /content/{storageKey...} */
void asset_http_public_content(http_request *request, http_response *response);
/* Its fast path on the event thread (route_inline_handler): a key remembered as public whose
 * object is on the built-in local storage; anything else is deferred to the handler above. */
route_inline_result asset_http_public_content_inline(http_request *request,
                                                     http_response *response);

#endif
