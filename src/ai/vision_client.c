/* vision_client.c - the vision client's HTTP side on storage/remote_http (see vision_client.h). */
#include "ai/vision_client.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/clock.h"
#include "core/text.h"
#include "storage/remote_http.h"

#define VISION_CONNECT_TIMEOUT_MS 10000
#define VISION_RETRY_AFTER_MAX 3600
#define VISION_NO_CONTENT "Provider returned 200 OK but no assistant content"

struct vision_client {
    remote_http *http;
};

vision_client *vision_client_create(unsigned int stall_timeout_ms, nh_error *err)
{
    vision_client *client = calloc(1, sizeof *client);
    if (!client) {
        error_internal(err);
        return NULL;
    }
    storage_remote_settings settings = {.connect_timeout_ms = VISION_CONNECT_TIMEOUT_MS,
                                        .stall_timeout_ms = stall_timeout_ms,
                                        .max_attempts = 1};
    client->http = remote_http_create("ai", &settings, err);
    if (!client->http) {
        free(client);
        return NULL;
    }
    return client;
}

void vision_client_destroy(vision_client *client)
{
    if (!client)
        return;
    remote_http_destroy(client->http);
    free(client);
}

/* ---- one request ------------------------------------------------------------------------------
 */

typedef struct vision_call {
    vision_client *client;
    const vision_request *request;
    int64_t deadline_ns;
    char *url;
    char *authorization; /* "Authorization: Bearer <key>": wiped before it is freed */
} vision_call;

/* The stream of the fallback, read while it arrives (remote_http's body_complete). */
typedef struct stream_reader {
    bool checked; /* the media type was looked at */
    bool is_json; /* a JSON completion instead of events */
    vision_sse sse;
} stream_reader;

static bool media_type_is_json(const remote_http_response *response)
{
    const char *type = remote_http_response_header(response, "Content-Type");
    return type && strcasestr(type, "json") != NULL;
}

static bool stream_complete(void *context, const remote_http_response *response)
{
    stream_reader *reader = context;
    if (!reader->checked) {
        reader->checked = true;
        reader->is_json = media_type_is_json(response);
    }
    return !reader->is_json &&
           vision_sse_feed(&reader->sse, response->body.data, response->body.length);
}

static int timed_out(nh_error *err)
{
    return error_set(err, 503, "ai_provider_timeout",
                     "OpenAI vision request timed out (Ai__RequestTimeoutSeconds).");
}

/* The Retry-After the provider asked for, within 1..VISION_RETRY_AFTER_MAX; 0 when none. */
static int retry_after_of(const remote_http_response *response)
{
    long seconds = remote_http_retry_after_seconds(
        remote_http_response_header(response, "Retry-After"), time(NULL));
    if (seconds <= 0)
        return seconds == 0 ? 1 : 0;
    return seconds > VISION_RETRY_AFTER_MAX ? VISION_RETRY_AFTER_MAX : (int)seconds;
}

/* A status that is not 2xx: §11.6's message with the API's own text. */
static int status_error(const remote_http_response *response, nh_error *err)
{
    json_t *body = response->body.data
                       ? json_loadb(response->body.data, response->body.length, 0, NULL)
                       : NULL;
    const char *text = vision_api_error_text(body);
    char message[sizeof err->message];
    snprintf(message, sizeof message, "OpenAI vision request failed with status %ld%s%s",
             response->status, text ? ": " : "", text ? text : "");
    json_decref(body);
    int retry = retry_after_of(response);
    if (response->status == 429)
        return error_set_retry(err, 429, "ai_provider_rate_limited", retry, "%s", message);
    if (response->status >= 500)
        return error_set_retry(err, 503, "ai_provider_unavailable", retry, "%s", message);
    return error_set(err, 502, "ai_provider_request_failed", "%s", message);
}

/* remote_http_perform failed: what the provider (or the network) did, in our codes. */
static int transport_error(const remote_http_response *response, const nh_error *cause,
                           nh_error *err)
{
    switch (response->failure) {
    case REMOTE_HTTP_FAILURE_TIMEOUT:
        return timed_out(err);
    case REMOTE_HTTP_FAILURE_CONNECT:
        return error_set(err, 503, "ai_provider_unreachable",
                         "OpenAI vision request failed to reach the remote endpoint.");
    case REMOTE_HTTP_FAILURE_TRANSFER:
        return error_set(err, 503, "ai_provider_unavailable",
                         "OpenAI vision request failed: the connection broke off.");
    case REMOTE_HTTP_FAILURE_TOO_LARGE:
        return error_set(err, 502, "ai_provider_response_invalid",
                         "OpenAI vision response was larger than %d bytes.", VISION_RESPONSE_MAX);
    case REMOTE_HTTP_FAILURE_NONE:
        break;
    }
    if (response->status)
        return status_error(response, err);
    if (cause->status == 502)
        return error_set(err, 502, "ai_provider_request_failed",
                         "OpenAI vision request could not be sent to that URL.");
    *err = *cause;
    return -1;
}

/* POST the body (stream or not) and read the answer: 0 with a 2xx response, else -1. */
static int post(vision_call *call, bool stream, stream_reader *reader,
                remote_http_response *response, nh_error *err)
{
    int64_t left_ms = (call->deadline_ns - clock_monotonic_ns()) / 1000000;
    memset(response, 0, sizeof *response);
    if (left_ms <= 0)
        return timed_out(err);
    const vision_request *r = call->request;
    char *body =
        vision_request_body(r->model, r->system_prompt, r->user_prompt, r->image_data_url, stream);
    if (!body)
        return error_internal(err);
    const char *headers[] = {call->authorization,
                             stream ? "Accept: application/json, text/event-stream"
                                    : "Accept: application/json",
                             "Content-Type: application/json; charset=utf-8", NULL};
    remote_http_request http = {
        .method = "POST",
        .url = call->url,
        .headers = headers,
        .body = body,
        .body_size = strlen(body),
        .body_fd = -1,
        .pass_auth_failures = true,
        .response_fd = -1,
        .response_limit = VISION_RESPONSE_MAX,
        .timeout_ms = (unsigned int)(left_ms > 3600000 ? 3600000 : left_ms),
        .body_complete = stream ? stream_complete : NULL,
        .body_complete_context = reader,
    };
    nh_error cause;
    int rc = remote_http_perform(call->client->http, &http, response, &cause);
    free(body);
    if (rc != 0)
        return transport_error(response, &cause, err);
    if (response->status < 200 || response->status > 299)
        return status_error(response, err);
    return 0;
}

/* ---- the answers --------------------------------------------------------------------------------
 */

/* A standard completion: *content (NULL when it has none) and *model (reported or NULL). */
static int read_completion(const remote_http_response *response, char **content, char **model,
                           nh_error *err)
{
    *content = *model = NULL;
    json_t *completion = response->body.data
                             ? json_loadb(response->body.data, response->body.length, 0, NULL)
                             : NULL;
    if (!json_is_object(completion)) {
        json_decref(completion);
        return error_set(err, 502, "ai_provider_response_invalid",
                         "OpenAI vision response payload was not valid JSON.");
    }
    bool failed = false;
    *content = vision_completion_content(completion, &failed);
    const char *reported = vision_reported_model(completion);
    *model = reported ? strdup(reported) : NULL;
    json_decref(completion);
    if (failed || (reported && !*model)) {
        free(*content);
        free(*model);
        *content = *model = NULL;
        return error_internal(err);
    }
    return 0;
}

/* Prefix err's message with what led to the fallback. */
static void fallback_failed(nh_error *err)
{
    char message[sizeof err->message + 128];
    snprintf(message, sizeof message, VISION_NO_CONTENT ". Streaming fallback failed. %s",
             err->message);
    text_copy_utf8(err->message, sizeof err->message, message);
}

/* The content of the event stream (or of a JSON completion the fallback got instead). */
static int read_stream(stream_reader *reader, const remote_http_response *response, char **content,
                       char **model, nh_error *err)
{
    if (reader->is_json || media_type_is_json(response)) {
        if (read_completion(response, content, model, err) != 0)
            return -1;
        if (*content)
            return 0;
        return error_set(err, 502, "ai_provider_response_invalid",
                         VISION_NO_CONTENT "; the streaming fallback also returned none.");
    }
    vision_sse *sse = &reader->sse;
    vision_sse_finish(sse, response->body.data, response->body.length);
    if (sse->failed)
        return error_internal(err);
    if (sse->invalid)
        return error_set(err, 502, "ai_provider_response_invalid",
                         "OpenAI vision streaming response payload was not valid JSON.");
    if (text_is_blank(sse->content.data))
        return error_set(err, 502, "ai_provider_response_invalid", "%s",
                         sse->saw_data ? VISION_NO_CONTENT
                             "; the streaming fallback also did not yield caption content."
                                       : VISION_NO_CONTENT
                             "; the streaming fallback did not return server-sent events.");
    *content = strdup(sse->content.data);
    *model = sse->model ? strdup(sse->model) : NULL;
    if (!*content || (sse->model && !*model)) {
        free(*content);
        free(*model);
        *content = *model = NULL;
        return error_internal(err);
    }
    return 0;
}

/* The second request (§11.5). */
static int run_fallback(vision_call *call, char **content, char **model, nh_error *err)
{
    stream_reader reader = {0};
    vision_sse_init(&reader.sse);
    remote_http_response response;
    int rc = post(call, true, &reader, &response, err);
    if (rc != 0)
        fallback_failed(err);
    else
        rc = read_stream(&reader, &response, content, model, err);
    remote_http_response_free(&response);
    vision_sse_free(&reader.sse);
    return rc;
}

/* Both requests as needed: the content and the reported model. */
static int run_call(vision_call *call, char **content, char **model, nh_error *err)
{
    remote_http_response response;
    int rc = post(call, false, NULL, &response, err);
    if (rc == 0)
        rc = read_completion(&response, content, model, err);
    remote_http_response_free(&response);
    if (rc != 0 || *content)
        return rc;
    free(*model);
    *model = NULL;
    return run_fallback(call, content, model, err);
}

static char *authorization_header(const char *key)
{
    size_t size = strlen("Authorization: Bearer ") + strlen(key) + 1;
    char *line = malloc(size);
    if (line)
        snprintf(line, size, "Authorization: Bearer %s", key);
    return line;
}

int vision_client_caption(vision_client *client, const vision_request *request, int64_t deadline_ns,
                          vision_caption *out, nh_error *err)
{
    memset(out, 0, sizeof *out);
    vision_call call = {client, request, deadline_ns, vision_endpoint_url(request->api_base_url),
                        authorization_header(request->api_key)};
    char *content = NULL;
    char *model = NULL;
    int rc = call.url && call.authorization ? run_call(&call, &content, &model, err)
                                            : error_internal(err);
    if (rc == 0)
        rc = vision_caption_parse(content, model ? model : request->model, out, err);
    if (rc != 0)
        vision_sanitize(err->message, sizeof err->message, request->api_key);
    if (call.authorization) {
        sodium_memzero(call.authorization, strlen(call.authorization));
        free(call.authorization);
    }
    free(call.url);
    free(content);
    free(model);
    return rc;
}
