/* vision_client.h - the OpenAI-compatible vision client on libcurl (spec processing.md §11 with
 * issue 12's corrections), through storage/remote_http.h (a pool of curl handles: connections
 * are reused between calls).
 *
 * One call asks the model for {"caption","altText","tags"}: POST <endpoint> (vision.h's URL
 * rule) with Authorization: Bearer <key>, Accept: application/json and the §11.3 body; when the
 * completion holds no assistant content, a second request with "stream": true (Accept:
 * application/json, text/event-stream) whose JSON or server-sent events are read instead
 * (whitespace-only fragments kept; [DONE] ends the stream even when the connection stays
 * open). Both requests together, from connecting to the end of the body or stream, finish by
 * the caller's deadline. Response bodies are read up to VISION_RESPONSE_MAX bytes.
 *
 * Errors (err->message sanitized: no Bearer token, no sk- key, nowhere the key's value):
 *   429 ai_provider_rate_limited   the provider's 429 (retry_after_seconds from Retry-After,
 *                                  seconds or HTTP date; 0 when it gave none)
 *   503 ai_provider_unavailable    a 5xx (Retry-After honoured), a broken connection
 *   503 ai_provider_timeout        the deadline passed
 *   503 ai_provider_unreachable    DNS or connect failure
 *   502 ai_provider_request_failed another non-2xx status (the API's error.message quoted)
 *   502 ai_provider_response_invalid  a body that is not JSON or too large, no content, content
 *                                  that is not a JSON object, no caption
 *   500 internal_server_error      our side (out of memory)
 * 429 and 503 are transient (the caption step's job is retried with back-off). Thread-safe. */
#ifndef NH_AI_VISION_CLIENT_H
#define NH_AI_VISION_CLIENT_H

#include <stdint.h>

#include "ai/vision.h"
#include "core/error.h"

typedef struct vision_client vision_client;

/* What one call sends. Every text is non-blank. */
typedef struct vision_request {
    const char *api_base_url;   /* normalized (trailing '/' removed) */
    const char *api_key;        /* trimmed */
    const char *model;          /* trimmed */
    const char *system_prompt;  /* the profile's, or the standard one */
    const char *user_prompt;    /* asks for the JSON object */
    const char *image_data_url; /* data:<type>;base64,... */
} vision_request;

/* stall_timeout_ms: no byte moving for this long ends a request (the deadline usually comes
 * first). NULL with err when out of memory. */
vision_client *vision_client_create(unsigned int stall_timeout_ms, nh_error *err);
void vision_client_destroy(vision_client *client);

/* One caption call that must end by deadline_ns (clock_monotonic_ns). 0 with *out filled, or
 * -1 with err (see above). */
int vision_client_caption(vision_client *client, const vision_request *request, int64_t deadline_ns,
                          vision_caption *out, nh_error *err);

#endif
