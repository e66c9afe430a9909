/* response.c - response building and the JSON envelopes. */
#include "http/response.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/log.h"
#include "core/text.h"
#include "http/http_stream_server.h"

void http_response_init(http_response *response, const char *request_id)
{
    memset(response, 0, sizeof *response);
    response->request_id = request_id;
    response->file_descriptor = -1;
    buf_init(&response->body, 0);
}

static void reset_body(http_response *response)
{
    buf_free(&response->body);
    free(response->content_type);
    response->content_type = NULL;
    if (response->file_descriptor >= 0)
        close(response->file_descriptor);
    response->file_descriptor = -1;
    if (response->stream)
        http_stream_server_end(response->stream);
    response->stream = NULL;
}

void http_response_release(http_response *response)
{
    reset_body(response);
    for (size_t i = 0; i < response->header_count; i++) {
        free(response->headers[i].name);
        free(response->headers[i].value);
    }
    response->header_count = 0;
}

int http_response_header(http_response *response, const char *name, const char *value)
{
    if (response->header_count >= HTTP_MAX_HEADERS) {
        log_message(LOG_ERROR, "response_header", "no room for header %s", name);
        response->broken = true;
        return -1;
    }
    char *name_copy = strdup(name);
    char *value_copy = strdup(value);
    if (!name_copy || !value_copy) {
        free(name_copy);
        free(value_copy);
        response->broken = true;
        return -1;
    }
    response->headers[response->header_count].name = name_copy;
    response->headers[response->header_count].value = value_copy;
    response->header_count++;
    return 0;
}

const char *http_response_header_value(const http_response *response, const char *name)
{
    for (size_t i = 0; i < response->header_count; i++)
        if (!strcasecmp(response->headers[i].name, name))
            return response->headers[i].value;
    return NULL;
}

static void set_content_type(http_response *response, const char *content_type)
{
    response->content_type = strdup(content_type);
    if (!response->content_type)
        response->broken = true;
}

/* text NULL: rendering failed (out of memory); the server then sends its 500 envelope. */
static void set_body_text(http_response *response, int status, const char *content_type, char *text)
{
    reset_body(response);
    response->status = status;
    if (!text) {
        response->broken = true;
        return;
    }
    set_content_type(response, content_type);
    if (buf_append_str(&response->body, text) != 0)
        response->broken = true;
    free(text);
}

char *http_render_data(json_t *payload)
{
    json_t *envelope = json_object();
    if (!envelope) {
        json_decref(payload);
        return NULL;
    }
    json_object_set_new(envelope, "data", payload ? payload : json_null());
    char *text = json_dumps(envelope, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
    json_decref(envelope);
    return text;
}

char *http_render_error(const nh_error *err, const char *trace_id)
{
    json_t *envelope =
        json_pack("{s:{s:s, s:s, s:s, s:i}}", "error", "code", err->code, "message", err->message,
                  "traceId", trace_id ? trace_id : "", "status", err->status);
    if (!envelope)
        return NULL;
    char *text = json_dumps(envelope, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(envelope);
    return text;
}

void http_reply_data(http_response *response, int status, json_t *payload)
{
    set_body_text(response, status, "application/json; charset=utf-8", http_render_data(payload));
}

void http_reply_built(http_response *response, int status, json_t *payload)
{
    if (payload) {
        http_reply_data(response, status, payload);
        return;
    }
    nh_error err;
    error_internal(&err);
    http_reply_error(response, &err);
}

void http_reply_created(http_response *response, json_t *payload, const char *collection)
{
    char location[256];
    snprintf(location, sizeof location, "%s/%s", collection,
             json_string_value(json_object_get(payload, "id")));
    http_reply_data(response, 201, payload);
    if (http_response_header(response, "Location", location) != 0)
        log_message(LOG_WARN, "response_header", "Location %s could not be added", location);
}

void http_reply_error(http_response *response, const nh_error *err)
{
    nh_error safe = *err;
    text_utf8_scrub(safe.code);
    text_utf8_scrub(safe.message); /* json_pack refuses text that is not UTF-8 */
    if (safe.status < 400 || safe.status > 599 || safe.code[0] == '\0')
        error_internal(&safe);
    if (safe.status >= 500)
        log_message(LOG_ERROR, "request_failed", "%s: %s (request %s)", err->code, err->message,
                    response->request_id ? response->request_id : "");
    if (safe.status == 500) /* never leak internal detail */
        error_internal(&safe);
    set_body_text(response, safe.status, "application/json; charset=utf-8",
                  http_render_error(&safe, response->request_id));
    if (safe.retry_after_seconds > 0) {
        char seconds[16];
        snprintf(seconds, sizeof seconds, "%d", safe.retry_after_seconds);
        http_response_header(response, "Retry-After", seconds); /* failure: broken, 500 */
    }
}

void http_reply_error_code(http_response *response, int status, const char *code,
                           const char *format, ...)
{
    nh_error err;
    err.status = status;
    err.retry_after_seconds = 0;
    snprintf(err.code, sizeof err.code, "%s", code);
    va_list args;
    va_start(args, format);
    vsnprintf(err.message, sizeof err.message, format, args);
    va_end(args);
    http_reply_error(response, &err);
}

void http_reply_empty(http_response *response, int status)
{
    reset_body(response);
    response->status = status;
}

void http_reply_bytes(http_response *response, int status, const char *content_type,
                      const void *data, size_t length)
{
    reset_body(response);
    response->status = status;
    set_content_type(response, content_type);
    if (buf_append(&response->body, data, length) != 0)
        response->broken = true;
}

void http_reply_file(http_response *response, int status, const char *content_type,
                     int file_descriptor, uint64_t offset, uint64_t length)
{
    reset_body(response);
    response->status = status;
    set_content_type(response, content_type);
    response->file_descriptor = file_descriptor;
    response->file_offset = offset;
    response->file_length = length;
}

void http_reply_streamed(http_response *response, int status, const char *content_type,
                         struct http_stream *stream)
{
    reset_body(response);
    response->status = status;
    if (content_type)
        set_content_type(response, content_type);
    response->stream = stream;
}

void http_response_after_reply(http_response *response, void (*run)(void *context), void *context)
{
    response->after_reply = run;
    response->after_reply_context = context;
}
