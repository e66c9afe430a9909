/* response.h - building a response: the JSON envelopes, empty replies, file replies.
 *
 * Success: {"data": <payload>}. Error: {"error": {"code", "message", "traceId", "status"}}
 * where traceId equals the X-Request-Id of the response. The response owns its body, headers
 * and file descriptor; the server sends and releases them.
 *
 * Errors: when memory runs out while a reply is built (a header, the content type or the body
 * could not be stored), the response is marked `broken` and the server sends a 500 envelope
 * instead, so a reply never goes out half-built (without its type, a header such as Set-Cookie,
 * or its body). Callers may still check http_response_header's result to stop early. */
#ifndef NH_HTTP_RESPONSE_H
#define NH_HTTP_RESPONSE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/error.h"

#define HTTP_MAX_HEADERS 24

struct http_stream;

typedef struct http_header {
    char *name;
    char *value;
} http_header;

typedef struct http_response {
    int status; /* 0 until a reply was chosen */
    const char *request_id;
    buf body;
    char *content_type; /* owned */
    http_header headers[HTTP_MAX_HEADERS];
    size_t header_count;
    int file_descriptor; /* >= 0: send file bytes [file_offset, file_offset + file_length) */
    uint64_t file_offset;
    uint64_t file_length;
    bool broken; /* something could not be stored: the server answers 500 instead */
    /* a streamed reply (http_stream.h): the server's reference, given up with the body */
    struct http_stream *stream;
    /* http_response_after_reply(): run once on the handler's thread after the reply started */
    void (*after_reply)(void *context);
    void *after_reply_context;
} http_response;

void http_response_init(http_response *response, const char *request_id);
void http_response_release(http_response *response);

/* Add a header (copied). Returns -1 when full or out of memory (the response is then broken). */
int http_response_header(http_response *response, const char *name, const char *value);

/* {"data": payload} with status; takes ownership of payload (NULL renders "data": null). */
void http_reply_data(http_response *response, int status, json_t *payload);
/* The same for a payload just built: NULL means building it ran out of memory, answered as a
 * 500 internal_server_error. */
void http_reply_built(http_response *response, int status, json_t *payload);
/* 201 {"data": payload} (taken) with Location: <collection>/<payload's "id">; a Location that
 * cannot be added is logged only (the resource exists and its id is in the body). */
void http_reply_created(http_response *response, json_t *payload, const char *collection);
/* The error envelope for err. */
void http_reply_error(http_response *response, const nh_error *err);
void http_reply_error_code(http_response *response, int status, const char *code,
                           const char *format, ...) __attribute__((format(printf, 4, 5)));
/* No body (e.g. 204, 304). */
void http_reply_empty(http_response *response, int status);
/* Raw bytes with a content type (copied). */
void http_reply_bytes(http_response *response, int status, const char *content_type,
                      const void *data, size_t length);
/* Send part of an open file (the response takes the descriptor and closes it). */
void http_reply_file(http_response *response, int status, const char *content_type,
                     int file_descriptor, uint64_t offset, uint64_t length);

/* A streamed body (used by http_reply_stream in http_stream.c): the response takes the
 * server's reference of stream, ended with the body (http_stream_server_end) when the reply is
 * replaced or released. */
void http_reply_streamed(http_response *response, int status, const char *content_type,
                         struct http_stream *stream);

/* Work for after the handler: once the handler has returned and the server has handed the
 * reply to its connection (a streamed reply starts flowing), run(context) runs on the same
 * handler-pool thread, exactly once, whatever became of the reply (a reply that could not be
 * built is answered 500 and run still runs: it owns context). For the producer of a streamed
 * reply computed while it is sent (http_stream.h). Only handlers that run on the pool (not
 * never_blocks or inline ones) may use it. */
void http_response_after_reply(http_response *response, void (*run)(void *context), void *context);

/* The value of a header added with http_response_header (case-insensitive name), or NULL. */
const char *http_response_header_value(const http_response *response, const char *name);

/* Render the envelopes (exposed for unit tests). Caller frees the string. */
char *http_render_data(json_t *payload);
char *http_render_error(const nh_error *err, const char *trace_id);

#endif
