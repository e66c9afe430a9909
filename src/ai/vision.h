/* vision.h - the pure parts of the OpenAI-compatible vision client (spec processing.md §11 with
 * issue 12's corrections): the endpoint URL rule, the request body, the assistant content of a
 * completion, the server-sent events of the streaming fallback, the caption JSON inside that
 * content (a Markdown code fence accepted), the API's error text, and message sanitizing.
 *
 * No I/O and no state beyond what the caller passes: every function is thread-safe. Texts and
 * JSON values handed out are owned by the caller (free / json_decref); NULL means out of memory
 * unless a comment says otherwise. The HTTP side is vision_client.h. */
#ifndef NH_AI_VISION_H
#define NH_AI_VISION_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/error.h"

#define VISION_RESPONSE_MAX (4 * 1024 * 1024) /* bytes of a response body read */

/* What the model answered (all malloc'ed; alt_text and tags may be NULL). */
typedef struct vision_caption {
    char *caption;  /* trimmed, non-blank */
    char *alt_text; /* trimmed, or NULL when the model gave none */
    json_t *tags;   /* a JSON array as the model gave it (strings), or NULL */
    char *model;    /* the model the provider reported, else the one requested */
} vision_caption;

void vision_caption_clear(vision_caption *caption);

/* §11.1: base is the normalized apiBaseUrl (trailing '/' removed). When its path ends with /v1
 * (any case) → base + "/chat/completions", else base + "/v1/chat/completions"; a query part of
 * base stays after the path. */
char *vision_endpoint_url(const char *base);

/* §11.3: {"model","response_format":{"type":"json_object"},"messages":[system, user: [text,
 * image_url]]} with "stream":true only when stream. Every input is trimmed; the compact JSON
 * text. */
char *vision_request_body(const char *model, const char *system_prompt, const char *user_prompt,
                          const char *image_data_url, bool stream);

/* §11.4 step 3: the first non-blank choices[i].message.content (trimmed) of a completion;
 * NULL when none has any (*failed tells out of memory apart). */
char *vision_completion_content(const json_t *completion, bool *failed);

/* The text of one content value (string; array of strings and objects, concatenated; object:
 * its "text" string, else "text.value", else its "content"), appended to out as it is (white
 * space kept). -1 when out of memory. */
int vision_content_append(const json_t *content, buf *out);

/* The top-level "model" string of a completion or event when non-blank, else NULL (borrowed). */
const char *vision_reported_model(const json_t *payload);

/* ---- the streaming fallback (§11.5) ---------------------------------------------------------- */

typedef struct vision_sse {
    size_t consumed; /* bytes of the body already split into lines */
    bool done;       /* "data: [DONE]" seen */
    bool saw_data;   /* any "data:" line seen */
    bool invalid;    /* a data payload that is not JSON (reading stopped there) */
    bool failed;     /* out of memory */
    buf content;     /* the delta fragments, concatenated as they came (white space kept) */
    char *model;     /* the last model an event named, or NULL */
} vision_sse;

void vision_sse_init(vision_sse *sse);
void vision_sse_free(vision_sse *sse);
/* Read the complete lines of body[0..length) past sse->consumed (body is the whole stream so
 * far). True once reading is over: [DONE], an invalid payload, or out of memory. */
bool vision_sse_feed(vision_sse *sse, const char *body, size_t length);
/* The end of the stream: the last line even without its newline. */
void vision_sse_finish(vision_sse *sse, const char *body, size_t length);

/* ---- the caption ------------------------------------------------------------------------------
 */

/* The JSON inside a Markdown code fence ("```json\n…\n```" or "```\n…```"), trimmed; text
 * without a fence comes back trimmed. Malloc'ed. */
char *vision_strip_code_fence(const char *content);

/* §11.4 step 4 with the fence accepted: content must be a JSON object with a non-blank
 * "caption" string (name matched ignoring case); "altText" and "tags" (an array, or a string of
 * comma-separated tags) are taken when present. model names the generator. Errors: 502
 * ai_provider_response_invalid ("OpenAI vision response content was not valid JSON.", "... did
 * not contain a caption field."), 500 when out of memory. */
int vision_caption_parse(const char *content, const char *model, vision_caption *out,
                         nh_error *err);

/* The API's own words in an error body: error.message, else a string "error", else "message";
 * NULL when none (borrowed from body). */
const char *vision_api_error_text(const json_t *body);

/* An error text fit to show: the key's value redacted wherever it appears (key may be NULL),
 * then text_sanitized (Bearer tokens, sk- keys, white space), cut to size bytes on a UTF-8
 * boundary. In place. */
void vision_sanitize(char *message, size_t size, const char *api_key);

#endif
