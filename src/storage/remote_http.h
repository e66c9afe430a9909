/* remote_http.h - the HTTP client of the remote storage backends (S3, GitHub) on libcurl.
 *
 * CONTRACT SKETCH written by the lead before the S3 and GitHub work started; the S3 helper
 * implements remote_http.c and may refine this header (keep the GitHub helper's calls working).
 *
 * One remote_http per backend object: it keeps a small pool of curl easy handles (connection
 * reuse; no client is built per call) and is safe to share between threads. A request is
 * retried, with exponential back-off and full jitter, when it is idempotent and failed on
 * connect, timeout, reset, 5xx or 429, up to settings->max_attempts. Transport failures and
 * the final status map to the nh_error codes listed in storage.h; a 4xx that is not an
 * authentication failure is returned to the caller as a response (status filled), so the
 * backend decides what it means (404 = not found, 409 = conflict, ...). */
#ifndef NH_STORAGE_REMOTE_HTTP_H
#define NH_STORAGE_REMOTE_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/error.h"
#include "storage/storage.h"

typedef struct remote_http remote_http;

/* label names the storage in errors and logs (copied). NULL with err on failure. */
remote_http *remote_http_create(const char *label, const storage_remote_settings *settings,
                                nh_error *err);
void remote_http_destroy(remote_http *client);

typedef struct remote_http_request {
    const char *method;         /* "GET", "HEAD", "PUT", "POST", "DELETE" */
    const char *url;            /* complete and already percent-encoded */
    const char *const *headers; /* NULL-terminated "Name: value" lines, or NULL */
    const char *aws_sigv4;      /* CURLOPT_AWS_SIGV4 value ("aws:amz:<region>:s3"), or NULL */
    const char *user_password;  /* "<access key>:<secret key>" with aws_sigv4, or NULL */
    /* request body: memory (body, body_size), or body_length bytes of body_fd from
     * body_offset (body_fd >= 0; read with pread, never into memory whole), or none */
    const void *body;
    size_t body_size;
    int body_fd; /* -1 = none */
    uint64_t body_offset;
    uint64_t body_length;
    bool idempotent; /* may be retried on transient failures */
    /* response body of a 2xx: written to response_fd when >= 0 (truncated again before a
     * retry), else kept in memory up to response_limit bytes (more = 502 error) */
    int response_fd;
    size_t response_limit;
} remote_http_request;

typedef struct remote_http_response {
    long status;           /* the final HTTP status */
    buf body;              /* the body when not written to response_fd (also for errors,
                              capped), always NUL-terminated */
    uint64_t body_written; /* bytes written to response_fd */
    char **header_lines;   /* "Name: value" lines of the final response, NULL-terminated */
} remote_http_response;

/* Perform the request. 0 when an HTTP response arrived whose status is not a transient failure
 * left after the retries (the caller reads response->status); -1 with err filled otherwise.
 * The response must be released with remote_http_response_free in both cases. */
int remote_http_perform(remote_http *client, const remote_http_request *request,
                        remote_http_response *response, nh_error *err);

/* The value of a response header (case-insensitive name), or NULL. Points into response. */
const char *remote_http_response_header(const remote_http_response *response, const char *name);

void remote_http_response_free(remote_http_response *response);

#endif
