/* remote_http.c - the remote storage backends' HTTP client on libcurl (see remote_http.h). */
#include "storage/remote_http.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"

#define REMOTE_HTTP_POOL_SIZE 16 /* idle handles kept per client */
#define REMOTE_HTTP_MAX_HEADERS 100

struct remote_http {
    char *label;
    storage_remote_settings settings;
    pthread_mutex_t lock;
    CURL *idle[REMOTE_HTTP_POOL_SIZE];
    size_t idle_count;
};

int remote_http_global_init(void)
{
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

void remote_http_global_cleanup(void)
{
    curl_global_cleanup();
}

remote_http *remote_http_create(const char *label, const storage_remote_settings *settings,
                                nh_error *err)
{
    remote_http *client = calloc(1, sizeof *client);
    if (!client) {
        error_internal(err);
        return NULL;
    }
    client->label = strdup(label ? label : "storage");
    if (!client->label || pthread_mutex_init(&client->lock, NULL) != 0) {
        free(client->label);
        free(client);
        error_internal(err);
        return NULL;
    }
    client->settings = *settings;
    if (client->settings.max_attempts == 0)
        client->settings.max_attempts = 1;
    return client;
}

void remote_http_destroy(remote_http *client)
{
    if (!client)
        return;
    for (size_t i = 0; i < client->idle_count; i++)
        curl_easy_cleanup(client->idle[i]);
    pthread_mutex_destroy(&client->lock);
    free(client->label);
    free(client);
}

int remote_http_spool_open(const char *spool_dir)
{
    if (mkdir(spool_dir, 0700) != 0 && errno != EEXIST)
        return -1;
    int descriptor = open(spool_dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (descriptor >= 0)
        return descriptor;
    char path[PATH_MAX];
    int written = snprintf(path, sizeof path, "%s/spool-XXXXXX", spool_dir);
    if (written <= 0 || written >= (int)sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    descriptor = mkostemp(path, O_CLOEXEC);
    if (descriptor >= 0)
        unlink(path);
    return descriptor;
}

int remote_http_spool_keep_range(int fd, uint64_t offset, uint64_t length)
{
    char chunk[16384];
    for (uint64_t done = 0; done < length;) {
        size_t wanted = length - done < sizeof chunk ? (size_t)(length - done) : sizeof chunk;
        ssize_t got = pread(fd, chunk, wanted, (off_t)(offset + done));
        if (got < 0 && errno == EINTR)
            continue;
        if (got == 0)
            errno = EIO;
        if (got <= 0 || pwrite(fd, chunk, (size_t)got, (off_t)done) != got)
            return -1;
        done += (uint64_t)got;
    }
    return ftruncate(fd, (off_t)length);
}

const char *remote_http_label(const remote_http *client)
{
    return client->label;
}

/* ---- the pool ----------------------------------------------------------------------------- */

static CURL *handle_take(remote_http *client)
{
    CURL *handle = NULL;
    pthread_mutex_lock(&client->lock);
    if (client->idle_count > 0)
        handle = client->idle[--client->idle_count];
    pthread_mutex_unlock(&client->lock);
    return handle ? handle : curl_easy_init();
}

/* Back to the pool (its live connection stays open for the next request), or cleaned up when
 * the pool is full. */
static void handle_give_back(remote_http *client, CURL *handle)
{
    if (!handle)
        return;
    curl_easy_reset(handle); /* keeps live connections and the DNS cache */
    pthread_mutex_lock(&client->lock);
    if (client->idle_count < REMOTE_HTTP_POOL_SIZE) {
        client->idle[client->idle_count++] = handle;
        handle = NULL;
    }
    pthread_mutex_unlock(&client->lock);
    if (handle)
        curl_easy_cleanup(handle);
}

/* ---- one attempt ------------------------------------------------------------------------- */

typedef struct attempt_state {
    const remote_http_request *request;
    remote_http_response *response;
    uint64_t body_position; /* bytes of the request body sent */
    int read_errno;         /* reading the request body failed */
    int write_errno;        /* writing the response file failed */
    bool too_large;         /* a 2xx body beyond the memory limit */
    bool complete;          /* request->body_complete ended the transfer */
    bool header_overflow;
    bool stalled;             /* no byte moved for stall_timeout_ms */
    int64_t stall_limit_ns;   /* settings->stall_timeout_ms */
    int64_t last_progress_ns; /* monotonic instant a byte last moved */
    curl_off_t last_moved;    /* bytes moved (both directions) at that instant */
} attempt_state;

static uint64_t body_total(const remote_http_request *request)
{
    return request->body_fd >= 0 ? request->body_length : request->body_size;
}

static size_t read_body(char *buffer, size_t size, size_t count, void *context)
{
    attempt_state *state = context;
    const remote_http_request *request = state->request;
    uint64_t remaining = body_total(request) - state->body_position;
    size_t wanted = size * count;
    if (wanted > remaining)
        wanted = (size_t)remaining;
    if (wanted == 0)
        return 0;
    if (request->body_fd < 0) {
        memcpy(buffer, (const char *)request->body + state->body_position, wanted);
        state->body_position += wanted;
        return wanted;
    }
    ssize_t got;
    do
        got = pread(request->body_fd, buffer, wanted,
                    (off_t)(request->body_offset + state->body_position));
    while (got < 0 && errno == EINTR);
    if (got <= 0) { /* an error, or the file is shorter than it was said to be */
        state->read_errno = got < 0 ? errno : EIO;
        return CURL_READFUNC_ABORT;
    }
    state->body_position += (uint64_t)got;
    return (size_t)got;
}

static int seek_body(void *context, curl_off_t offset, int origin)
{
    attempt_state *state = context;
    if (origin != SEEK_SET || offset < 0 || (uint64_t)offset > body_total(state->request))
        return CURL_SEEKFUNC_FAIL;
    state->body_position = (uint64_t)offset;
    return CURL_SEEKFUNC_OK;
}

/* The stall timeout: curl's LOW_SPEED check averages over seconds (a stall after a burst is
 * noticed late), so watch the byte counts ourselves and abort when none moved for too long. */
static int on_progress(void *context, curl_off_t download_total, curl_off_t downloaded,
                       curl_off_t upload_total, curl_off_t uploaded)
{
    (void)download_total, (void)upload_total;
    attempt_state *state = context;
    int64_t now = clock_monotonic_ns();
    curl_off_t moved = downloaded + uploaded;
    if (moved != state->last_moved || state->last_progress_ns == 0) {
        state->last_moved = moved;
        state->last_progress_ns = now;
        return 0;
    }
    if (now - state->last_progress_ns < state->stall_limit_ns)
        return 0;
    state->stalled = true;
    return 1; /* abort: CURLE_ABORTED_BY_CALLBACK */
}

static void free_header_lines(remote_http_response *response)
{
    for (char **line = response->header_lines; line && *line; line++)
        free(*line);
    free(response->header_lines);
    response->header_lines = NULL;
}

static size_t header_count(const remote_http_response *response)
{
    size_t count = 0;
    while (response->header_lines && response->header_lines[count])
        count++;
    return count;
}

/* A header line: a status line starts a new response (after 100 Continue), any other is kept. */
static size_t on_header(char *data, size_t size, size_t count, void *context)
{
    attempt_state *state = context;
    remote_http_response *response = state->response;
    size_t length = size * count;
    while (length > 0 && (data[length - 1] == '\r' || data[length - 1] == '\n'))
        length--;
    if (length >= 5 && !strncmp(data, "HTTP/", 5)) {
        free_header_lines(response);
        const char *space = memchr(data, ' ', length);
        response->status = space ? strtol(space + 1, NULL, 10) : 0;
        return size * count;
    }
    if (length == 0 || !memchr(data, ':', length))
        return size * count;
    size_t used = header_count(response);
    if (used >= REMOTE_HTTP_MAX_HEADERS) {
        state->header_overflow = true;
        return size * count;
    }
    char **lines = realloc(response->header_lines, (used + 2) * sizeof *lines);
    if (!lines)
        return 0;
    response->header_lines = lines;
    lines[used] = strndup(data, length);
    lines[used + 1] = NULL;
    return lines[used] ? size * count : 0;
}

static bool is_success(long status)
{
    return status >= 200 && status < 300;
}

static int write_all_at(int fd, const char *data, size_t length, uint64_t offset)
{
    while (length > 0) {
        ssize_t written = pwrite(fd, data, length, (off_t)offset);
        if (written < 0 && errno == EINTR)
            continue;
        if (written <= 0)
            return -1;
        data += written;
        length -= (size_t)written;
        offset += (uint64_t)written;
    }
    return 0;
}

static size_t on_body(char *data, size_t size, size_t count, void *context)
{
    attempt_state *state = context;
    const remote_http_request *request = state->request;
    remote_http_response *response = state->response;
    size_t length = size * count;
    if (is_success(response->status) && request->response_fd >= 0) {
        if (write_all_at(request->response_fd, data, length, response->body_written) != 0) {
            state->write_errno = errno ? errno : EIO;
            return 0;
        }
        response->body_written += length;
        return length;
    }
    if (!is_success(response->status)) { /* an error body: keep its start, drop the rest */
        size_t room = REMOTE_HTTP_ERROR_BODY_LIMIT > response->body.length
                          ? REMOTE_HTTP_ERROR_BODY_LIMIT - response->body.length
                          : 0;
        if (room > 0 && buf_append(&response->body, data, length < room ? length : room) != 0)
            return 0;
        return length;
    }
    size_t limit = request->response_limit ? request->response_limit : REMOTE_HTTP_DEFAULT_LIMIT;
    if (response->body.length + length > limit) {
        state->too_large = true;
        return 0;
    }
    if (buf_append(&response->body, data, length) != 0)
        return 0;
    if (request->body_complete &&
        request->body_complete(request->body_complete_context, response)) {
        state->complete = true;
        return 0; /* ends the transfer: CURLE_WRITE_ERROR, answered as a response */
    }
    return length;
}

/* Forget what an earlier attempt received. */
static int reset_response(const remote_http_request *request, remote_http_response *response)
{
    response->status = 0;
    buf_free(&response->body);
    free_header_lines(response);
    response->body_written = 0;
    if (request->response_fd >= 0 && ftruncate(request->response_fd, 0) != 0)
        return -1;
    return 0;
}

static unsigned long seconds_rounded_up(unsigned int milliseconds)
{
    return milliseconds == 0 ? 1 : (milliseconds + 999) / 1000;
}

static bool has_body(const remote_http_request *request)
{
    return request->body_fd >= 0 || request->body != NULL;
}

static bool sends_body(const char *method)
{
    return !strcmp(method, "PUT") || !strcmp(method, "POST");
}

static CURLcode set_method(CURL *handle, const remote_http_request *request, attempt_state *state)
{
    const char *method = request->method;
    CURLcode rc = CURLE_OK;
    if (!strcmp(method, "HEAD"))
        return curl_easy_setopt(handle, CURLOPT_NOBODY, 1L);
    if (!strcmp(method, "GET") && !has_body(request))
        return curl_easy_setopt(handle, CURLOPT_HTTPGET, 1L);
    if (sends_body(method) || has_body(request)) {
        rc = curl_easy_setopt(handle, CURLOPT_UPLOAD, 1L);
        if (rc == CURLE_OK)
            rc =
                curl_easy_setopt(handle, CURLOPT_INFILESIZE_LARGE, (curl_off_t)body_total(request));
        if (rc == CURLE_OK)
            rc = curl_easy_setopt(handle, CURLOPT_READFUNCTION, read_body);
        if (rc == CURLE_OK)
            rc = curl_easy_setopt(handle, CURLOPT_READDATA, state);
        if (rc == CURLE_OK)
            rc = curl_easy_setopt(handle, CURLOPT_SEEKFUNCTION, seek_body);
        if (rc == CURLE_OK)
            rc = curl_easy_setopt(handle, CURLOPT_SEEKDATA, state);
    }
    if (rc == CURLE_OK && strcmp(method, "PUT") != 0)
        rc = curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, method);
    return rc;
}

/* The headers of the request as a curl list (NULL when there are none or out of memory: *failed
 * tells). curl's own "Expect: 100-continue" stays: removing it with "Expect:" breaks curl
 * 7.88's SigV4 signature. */
static struct curl_slist *build_headers(const remote_http_request *request, bool *failed)
{
    struct curl_slist *list = NULL;
    *failed = false;
    for (const char *const *line = request->headers; line && *line; line++) {
        struct curl_slist *grown = curl_slist_append(list, *line);
        if (!grown) {
            curl_slist_free_all(list);
            *failed = true;
            return NULL;
        }
        list = grown;
    }
    return list;
}

static CURLcode set_options(remote_http *client, CURL *handle, const remote_http_request *request,
                            struct curl_slist *headers, attempt_state *state, char *error_text)
{
    const storage_remote_settings *settings = &client->settings;
    CURLcode rc = curl_easy_setopt(handle, CURLOPT_URL, request->url);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error_text);
    long connect_ms = settings->connect_timeout_ms ? (long)settings->connect_timeout_ms : 5000;
    if (request->timeout_ms && connect_ms > (long)request->timeout_ms)
        connect_ms = (long)request->timeout_ms;
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
    if (rc == CURLE_OK && request->timeout_ms)
        rc = curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, (long)request->timeout_ms);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(handle, CURLOPT_LOW_SPEED_LIMIT, 1L);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(handle, CURLOPT_LOW_SPEED_TIME,
                              (long)seconds_rounded_up(settings->stall_timeout_ms));
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, on_progress);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(handle, CURLOPT_XFERINFODATA, state);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(handle, CURLOPT_NOPROGRESS, 0L);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(handle, CURLOPT_TCP_KEEPALIVE, 1L);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, on_header);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(handle, CURLOPT_HEADERDATA, state);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, on_body);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(handle, CURLOPT_WRITEDATA, state);
    if (rc == CURLE_OK && request->aws_sigv4)
        rc = curl_easy_setopt(handle, CURLOPT_AWS_SIGV4, request->aws_sigv4);
    if (rc == CURLE_OK && request->user_password)
        rc = curl_easy_setopt(handle, CURLOPT_USERPWD, request->user_password);
    if (rc == CURLE_OK)
        rc = set_method(handle, request, state);
    return rc;
}

/* ---- outcomes ---------------------------------------------------------------------------- */

typedef enum {
    OUTCOME_DONE = 0,     /* a response to hand back */
    OUTCOME_TRANSIENT,    /* retry when allowed; else 503 */
    OUTCOME_RATE_LIMITED, /* retry when allowed and the wait is short; else 429 */
    OUTCOME_DENIED,       /* 502 access_denied */
    OUTCOME_FAILED,       /* err already filled */
} attempt_outcome;

static bool is_transient_curl_error(CURLcode code)
{
    switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return true;
    default:
        return false;
    }
}

/* Seconds the service asked us to wait (Retry-After as seconds or a date, X-RateLimit-Reset
 * as epoch seconds); -1 when it did not say. */
long remote_http_retry_after_seconds(const char *value, time_t now)
{
    if (!value)
        return -1;
    while (*value == ' ' || *value == '\t')
        value++;
    if (isdigit((unsigned char)value[0])) {
        errno = 0;
        char *end = NULL;
        long seconds = strtol(value, &end, 10);
        while (end && (*end == ' ' || *end == '\t'))
            end++;
        if (errno == ERANGE || !end || *end != '\0')
            return errno == ERANGE ? LONG_MAX : -1;
        return seconds;
    }
    struct tm date;
    memset(&date, 0, sizeof date);
    const char *end = strptime(value, "%a, %d %b %Y %H:%M:%S GMT", &date);
    if (!end)
        return -1;
    time_t at = timegm(&date);
    return at > now ? (long)(at - now) : 0;
}

static long asked_wait_seconds(const remote_http_response *response)
{
    time_t now = time(NULL);
    long asked =
        remote_http_retry_after_seconds(remote_http_response_header(response, "Retry-After"), now);
    if (asked >= 0)
        return asked;
    const char *value = remote_http_response_header(response, "X-RateLimit-Reset");
    if (value && isdigit((unsigned char)value[0])) {
        long long at = strtoll(value, NULL, 10);
        return at > (long long)now ? (long)(at - (long long)now) : 0;
    }
    return -1;
}

bool remote_http_is_rate_limited(const remote_http_response *response)
{
    if (response->status == 429)
        return true;
    if (response->status != 403)
        return false;
    const char *remaining = remote_http_response_header(response, "X-RateLimit-Remaining");
    return remote_http_response_header(response, "Retry-After") ||
           (remaining && strtol(remaining, NULL, 10) == 0 && isdigit((unsigned char)remaining[0]));
}

static attempt_outcome classify_status(const remote_http_request *request,
                                       const remote_http_response *response)
{
    if (response->status >= 500 && response->status != 501) /* 501: a feature is missing */
        return OUTCOME_TRANSIENT;
    if (remote_http_is_rate_limited(response))
        return OUTCOME_RATE_LIMITED;
    if ((response->status == 401 || response->status == 403) && !request->pass_auth_failures)
        return OUTCOME_DENIED;
    return OUTCOME_DONE;
}

/* What one performed attempt means; err filled for OUTCOME_FAILED. */
/* Why an attempt brought no usable response (remote_http_failure). */
static remote_http_failure failure_of(const attempt_state *state, CURLcode code)
{
    if (state->too_large)
        return REMOTE_HTTP_FAILURE_TOO_LARGE;
    if (state->stalled || code == CURLE_OPERATION_TIMEDOUT)
        return REMOTE_HTTP_FAILURE_TIMEOUT;
    if (code == CURLE_COULDNT_CONNECT || code == CURLE_COULDNT_RESOLVE_HOST ||
        code == CURLE_COULDNT_RESOLVE_PROXY)
        return REMOTE_HTTP_FAILURE_CONNECT;
    return code == CURLE_OK ? REMOTE_HTTP_FAILURE_NONE : REMOTE_HTTP_FAILURE_TRANSFER;
}

static attempt_outcome classify(remote_http *client, const attempt_state *state, CURLcode code,
                                const char *error_text, nh_error *err)
{
    state->response->failure = REMOTE_HTTP_FAILURE_NONE;
    if (state->complete)
        return OUTCOME_DONE;
    if (code != CURLE_OK || state->too_large || state->stalled)
        state->response->failure = failure_of(state, code);
    if (state->write_errno) {
        log_message(LOG_ERROR, "storage_remote", "storage '%s': writing a response file: %s",
                    client->label, strerror(state->write_errno));
        storage_write_error(state->write_errno, err);
        return OUTCOME_FAILED;
    }
    if (state->read_errno) {
        log_message(LOG_ERROR, "storage_remote", "storage '%s': reading the request body: %s",
                    client->label, strerror(state->read_errno));
        error_internal(err);
        return OUTCOME_FAILED;
    }
    if (state->too_large) {
        error_set(err, 502, "storage_provider_request_failed",
                  "Storage '%s' sent a response larger than expected.", client->label);
        return OUTCOME_FAILED;
    }
    if (state->stalled)
        return OUTCOME_TRANSIENT; /* reported as a timeout */
    if (code == CURLE_OK)
        return classify_status(state->request, state->response);
    if (is_transient_curl_error(code))
        return OUTCOME_TRANSIENT;
    if (code == CURLE_OUT_OF_MEMORY || code == CURLE_WRITE_ERROR || code == CURLE_READ_ERROR ||
        code == CURLE_ABORTED_BY_CALLBACK) {
        error_internal(err);
        return OUTCOME_FAILED;
    }
    error_set(err, 502, "storage_provider_request_failed", "Storage '%s' request failed: %s",
              client->label, error_text[0] ? error_text : curl_easy_strerror(code));
    return OUTCOME_FAILED;
}

/* The Retry-After we hand on: the service's wait clamped to 1..3600 s (a huge or garbled value
 * must not wrap around in an int), or fallback when it gave none. */
static int retry_after_for_caller(long wait, int fallback)
{
    if (wait <= 0)
        return fallback;
    return wait > 3600 ? 3600 : (int)wait;
}

/* Fill err for a final transient, rate-limit or denial outcome. */
static void final_error(const remote_http *client, attempt_outcome outcome,
                        const remote_http_response *response, CURLcode code, const char *error_text,
                        nh_error *err)
{
    long wait = asked_wait_seconds(response);
    if (outcome == OUTCOME_DENIED) {
        error_set(err, 502, "storage_provider_access_denied",
                  "Storage '%s' refused the credentials (HTTP %ld).", client->label,
                  response->status);
    } else if (outcome == OUTCOME_RATE_LIMITED) {
        error_set_retry(err, 429, "storage_provider_rate_limited", retry_after_for_caller(wait, 1),
                        "Storage '%s' asked to slow down (HTTP %ld).", client->label,
                        response->status);
    } else if (code != CURLE_OK) {
        error_set_retry(err, 503, "storage_provider_unavailable",
                        REMOTE_HTTP_UNAVAILABLE_RETRY_AFTER, "Storage '%s' is unavailable: %s",
                        client->label, error_text[0] ? error_text : curl_easy_strerror(code));
    } else {
        error_set_retry(err, 503, "storage_provider_unavailable",
                        retry_after_for_caller(wait, REMOTE_HTTP_UNAVAILABLE_RETRY_AFTER),
                        "Storage '%s' is unavailable (HTTP %ld).", client->label, response->status);
    }
}

/* The back-off before attempt `next` (2, 3, ...): full jitter over base * 2^(next-2), or the
 * service's own wait. -1 when the service asks for longer than we are willing to sleep. */
static long backoff_ms(const remote_http *client, unsigned int next,
                       const remote_http_response *response)
{
    long asked = response->status ? asked_wait_seconds(response) : -1;
    if (asked > REMOTE_HTTP_MAX_DELAY_MS / 1000)
        return -1;
    uint64_t ceiling =
        client->settings.retry_base_delay_ms ? client->settings.retry_base_delay_ms : 200;
    for (unsigned int i = 2; i < next && ceiling < REMOTE_HTTP_MAX_DELAY_MS; i++)
        ceiling *= 2;
    if (ceiling > REMOTE_HTTP_MAX_DELAY_MS)
        ceiling = REMOTE_HTTP_MAX_DELAY_MS;
    long delay = (long)randombytes_uniform((uint32_t)ceiling + 1);
    if (asked >= 0 && asked * 1000 > delay)
        delay = asked * 1000;
    return delay;
}

static void sleep_ms(long milliseconds)
{
    struct timespec wait = {milliseconds / 1000, (milliseconds % 1000) * 1000000L};
    while (nanosleep(&wait, &wait) != 0 && errno == EINTR)
        ;
}

static attempt_outcome run_attempt(remote_http *client, CURL *handle,
                                   const remote_http_request *request,
                                   remote_http_response *response, struct curl_slist *headers,
                                   CURLcode *code, char *error_text, nh_error *err)
{
    attempt_state state = {.request = request,
                           .response = response,
                           .stall_limit_ns = (int64_t)(client->settings.stall_timeout_ms
                                                           ? client->settings.stall_timeout_ms
                                                           : 30000) *
                                             1000000};
    error_text[0] = '\0';
    curl_easy_reset(handle);
    if (reset_response(request, response) != 0) {
        log_message(LOG_ERROR, "storage_remote", "storage '%s': truncating a response file: %s",
                    client->label, strerror(errno));
        error_internal(err);
        return OUTCOME_FAILED;
    }
    *code = set_options(client, handle, request, headers, &state, error_text);
    if (*code != CURLE_OK) {
        error_set(err, 502, "storage_provider_request_failed",
                  "Storage '%s' request could not be prepared: %s", client->label,
                  curl_easy_strerror(*code));
        return OUTCOME_FAILED;
    }
    *code = curl_easy_perform(handle);
    response->attempts++;
    if (state.stalled) {
        *code = CURLE_OPERATION_TIMEDOUT;
        snprintf(error_text, CURL_ERROR_SIZE, "no data moved for %u ms (stall timeout)",
                 client->settings.stall_timeout_ms);
    }
    return classify(client, &state, *code, error_text, err);
}

int remote_http_perform(remote_http *client, const remote_http_request *request,
                        remote_http_response *response, nh_error *err)
{
    memset(response, 0, sizeof *response);
    buf_init(&response->body, 0);
    bool failed = false;
    struct curl_slist *headers = build_headers(request, &failed);
    CURL *handle = failed ? NULL : handle_take(client);
    if (!handle) {
        curl_slist_free_all(headers);
        return error_internal(err);
    }
    char error_text[CURL_ERROR_SIZE];
    unsigned int attempts = request->idempotent ? client->settings.max_attempts : 1;
    attempt_outcome outcome = OUTCOME_FAILED;
    CURLcode code = CURLE_OK;
    for (unsigned int attempt = 1; attempt <= attempts; attempt++) {
        outcome = run_attempt(client, handle, request, response, headers, &code, error_text, err);
        if (outcome != OUTCOME_TRANSIENT && outcome != OUTCOME_RATE_LIMITED)
            break;
        long delay = attempt < attempts ? backoff_ms(client, attempt + 1, response) : -1;
        if (delay < 0)
            break;
        log_message(LOG_WARN, "storage_remote",
                    "storage '%s': %s %s attempt %u failed (%s); retrying in %ld ms", client->label,
                    request->method, code != CURLE_OK ? "transfer" : "request", attempt,
                    code != CURLE_OK ? curl_easy_strerror(code) : "transient status", delay);
        sleep_ms(delay);
    }
    handle_give_back(client, handle);
    curl_slist_free_all(headers);
    if (outcome == OUTCOME_DONE)
        return 0;
    if (outcome != OUTCOME_FAILED)
        final_error(client, outcome, response, code, error_text, err);
    return -1;
}

const char *remote_http_response_header(const remote_http_response *response, const char *name)
{
    size_t name_length = strlen(name);
    for (char **line = response->header_lines; line && *line; line++) {
        if (strncasecmp(*line, name, name_length) != 0 || (*line)[name_length] != ':')
            continue;
        const char *value = *line + name_length + 1;
        while (*value == ' ' || *value == '\t')
            value++;
        return value;
    }
    return NULL;
}

int remote_http_status_error(const remote_http *client, const remote_http_response *response,
                             const char *code, const char *what, nh_error *err)
{
    return error_set(err, 502, code ? code : "storage_provider_request_failed",
                     "Storage '%s': %s failed (HTTP %ld).", client->label, what, response->status);
}

void remote_http_response_free(remote_http_response *response)
{
    buf_free(&response->body);
    free_header_lines(response);
    response->status = 0;
}
