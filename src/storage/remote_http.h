/* remote_http.h - the HTTP client of the remote storage backends (S3, GitHub) on libcurl.
 *
 * One remote_http per backend object: it keeps a small pool of curl easy handles, so
 * connections are reused between requests (no client is built per call), and is safe to share
 * between threads (a request borrows a handle from the pool for its duration).
 *
 * Every request has a connect timeout (settings->connect_timeout_ms) and a stall timeout (no
 * byte moved in either direction for settings->stall_timeout_ms, watched by curl's progress
 * callback, which runs about once a second while idle; curl's LOW_SPEED limit, in whole
 * seconds, backs it up). A request marked idempotent is retried, up to settings->max_attempts
 * attempts in all, with exponential back-off and full jitter (a random delay in [0, base *
 * 2^(attempt-1)], capped at REMOTE_HTTP_MAX_DELAY_MS), when it failed on connect, timeout, reset,
 * an empty reply, a 5xx status (but 501 Not Implemented) or a 429 (Retry-After is honoured when it
 * asks for no more than REMOTE_HTTP_MAX_DELAY_MS; a longer wait ends the retries and is handed to
 * our caller). Before a retry the request body is read again from its start (pread at fixed
 * offsets, or curl's seek callback) and a response file is truncated.
 *
 * Errors (err->message names the storage's label, never a secret; curl's error text is kept):
 *   503 storage_provider_unavailable   connect failure, timeout, reset, 5xx left after the
 *                                      retries (Retry-After: the service's, else 5 s)
 *   429 storage_provider_rate_limited  429, or 403 with Retry-After or X-RateLimit-Remaining: 0
 *                                      (GitHub), left after the retries (Retry-After from the
 *                                      service's Retry-After or X-RateLimit-Reset)
 *   502 storage_provider_access_denied 401 or 403 (the service refused our credentials)
 *   502 storage_provider_request_failed a 2xx body larger than response_limit; a URL curl
 *                                      cannot use
 *   500 internal_server_error / 507    our side failed (out of memory, writing the response
 *                                      file: 507 storage_insufficient_space when the disk is
 *                                      full)
 * Every other status (2xx, 3xx, 404, 409, 412, ...) is returned as a response (0): the backend
 * decides what it means. With `pass_auth_failures` 401/403 are returned as responses too (the
 * backend wants to look at them; rate limits are still mapped). */
#ifndef NH_STORAGE_REMOTE_HTTP_H
#define NH_STORAGE_REMOTE_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/buf.h"
#include "core/error.h"
#include "storage/storage.h"

#define REMOTE_HTTP_MAX_DELAY_MS 10000          /* longest single back-off sleep */
#define REMOTE_HTTP_DEFAULT_LIMIT (1024 * 1024) /* response_limit 0 means this */
#define REMOTE_HTTP_ERROR_BODY_LIMIT 16384      /* non-2xx bodies kept (more is dropped) */
#define REMOTE_HTTP_UNAVAILABLE_RETRY_AFTER 5   /* seconds, when the service gave none */

typedef struct remote_http remote_http;
typedef struct remote_http_response remote_http_response;

/* Once per process, before any thread uses a client (curl_global_init), and at exit. */
int remote_http_global_init(void);
void remote_http_global_cleanup(void);

/* label names the storage in errors and logs (copied). NULL with err on failure. */
remote_http *remote_http_create(const char *label, const storage_remote_settings *settings,
                                nh_error *err);
void remote_http_destroy(remote_http *client);
/* The label given at creation. */
const char *remote_http_label(const remote_http *client);

typedef struct remote_http_request {
    const char *method;         /* "GET", "HEAD", "PUT", "POST", "DELETE" */
    const char *url;            /* complete and already percent-encoded */
    const char *const *headers; /* NULL-terminated "Name: value" lines, or NULL */
    const char *aws_sigv4;      /* CURLOPT_AWS_SIGV4 value ("aws:amz:<region>:s3"), or NULL */
    const char *user_password;  /* "<access key>:<secret key>" with aws_sigv4, or NULL */
    /* request body: memory (body, body_size), or body_length bytes of body_fd from
     * body_offset (body_fd >= 0; read with pread, never into memory whole), or none (PUT and
     * POST then send Content-Length: 0) */
    const void *body;
    size_t body_size;
    int body_fd; /* -1 = none */
    uint64_t body_offset;
    uint64_t body_length;
    bool idempotent;         /* may be retried on transient failures */
    bool pass_auth_failures; /* return 401/403 as responses instead of access_denied */
    /* response body of a 2xx: written to response_fd from offset 0 when >= 0 (the file is
     * truncated before each attempt), else kept in memory up to response_limit bytes (0 = the
     * default; more = 502 error). Bodies of other statuses always go to memory (capped). */
    int response_fd;
    size_t response_limit;
    /* the whole request (connect, sending, headers and body) at most this long; 0 = bounded
     * only by the connect and stall timeouts. Timing out is REMOTE_HTTP_FAILURE_TIMEOUT. */
    unsigned int timeout_ms;
    /* For a 2xx body kept in memory that may be complete before the connection ends (an event
     * stream's end marker): asked after each piece arrives; true ends the transfer there and
     * the response is handed back as received so far. NULL: read to the end. */
    bool (*body_complete)(void *context, const remote_http_response *response);
    void *body_complete_context;
} remote_http_request;

/* Why no usable response arrived (set when remote_http_perform fails; NONE otherwise). */
typedef enum {
    REMOTE_HTTP_FAILURE_NONE = 0,
    REMOTE_HTTP_FAILURE_CONNECT,   /* the host could not be resolved or connected to */
    REMOTE_HTTP_FAILURE_TIMEOUT,   /* timeout_ms, the connect timeout or the stall timeout */
    REMOTE_HTTP_FAILURE_TRANSFER,  /* reset, empty reply, another broken transfer */
    REMOTE_HTTP_FAILURE_TOO_LARGE, /* a 2xx body beyond response_limit */
} remote_http_failure;

struct remote_http_response {
    long status;           /* the final HTTP status; 0 when none arrived */
    buf body;              /* the body when not written to response_fd (also for errors,
                              capped), always NUL-terminated once anything was kept */
    uint64_t body_written; /* bytes written to response_fd */
    char **header_lines;   /* "Name: value" lines of the final response, NULL-terminated (or
                              NULL when none) */
    unsigned int attempts; /* how many attempts were made */
    remote_http_failure failure;
};

/* Perform the request. 0 when an HTTP response arrived whose status is not a failure mapped
 * above (the caller reads response->status); -1 with err filled otherwise. The response must
 * be released with remote_http_response_free in both cases (after a failure it holds what
 * the last attempt received, e.g. the body of a 403). */
int remote_http_perform(remote_http *client, const remote_http_request *request,
                        remote_http_response *response, nh_error *err);

/* An unlinked temporary file in spool_dir (created 0700 when missing) for a remote answer or
 * request body: O_TMPFILE, else mkostemp + unlink. The descriptor (O_CLOEXEC), or -1 with
 * errno set. Nothing is left on disk once it is closed. */
int remote_http_spool_open(const char *spool_dir);

/* Keep only [offset, offset + length) of the spool file fd: the bytes moved to its start, the
 * file truncated to length. 0, or -1 (errno set; EIO when the file is shorter than that). */
int remote_http_spool_keep_range(int fd, uint64_t offset, uint64_t length);

/* True for a rate-limit answer: 429, or 403 with Retry-After or X-RateLimit-Remaining: 0. */
bool remote_http_is_rate_limited(const remote_http_response *response);

/* A Retry-After value (delay seconds, or an HTTP date counted from now) in seconds; 0 for a
 * date already past, -1 when value is NULL or neither form. Pure. */
long remote_http_retry_after_seconds(const char *value, time_t now);

/* The value of a response header (case-insensitive name, surrounding blanks trimmed), or
 * NULL. Points into response. */
const char *remote_http_response_header(const remote_http_response *response, const char *name);

/* 502 `code` (storage_provider_request_failed when NULL) for a response the backend does not
 * accept: "Storage '<label>': <what> failed (HTTP <status>)". Returns -1. */
int remote_http_status_error(const remote_http *client, const remote_http_response *response,
                             const char *code, const char *what, nh_error *err);

void remote_http_response_free(remote_http_response *response);

#endif
