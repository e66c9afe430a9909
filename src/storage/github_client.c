/* github_client.c - the GitHub backend's requests, answers, contents reads, streamed PUT
 * bodies and spool files (see github_client.h). */
#include "storage/github_client.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/text.h"
#include "storage/github_paths.h"

/* ---- state ------------------------------------------------------------------------------ */

github_state *github_state_of(const storage *backend)
{
    return backend->state;
}

const char *github_label(const storage *backend)
{
    return backend->label ? backend->label : "storage";
}

const char *github_json_text(const json_t *object, const char *key)
{
    const json_t *value = object ? json_object_get(object, key) : NULL;
    return json_is_string(value) ? json_string_value(value) : NULL;
}

/* The raw URL of a repository path, or NULL under the private-token policy. */
char *github_public_url_of_path(const github_state *state, const char *path)
{
    if (state->private_token)
        return NULL;
    return github_raw_url(state->raw_base, state->owner, state->repo, state->ref, path);
}

/* ---- requests --------------------------------------------------------------------------- */

static int github_perform(const github_state *state, const github_call *call,
                          remote_http_response *response, nh_error *err)
{
    const char *headers[6];
    size_t count = 0;
    headers[count++] = "Accept: application/vnd.github+json";
    headers[count++] = "User-Agent: NekoHub/1.0";
    headers[count++] = "X-GitHub-Api-Version: 2022-11-28";
    if (call->body || call->body_fd >= 0)
        headers[count++] = "Content-Type: application/json";
    if (call->with_token && state->auth_header)
        headers[count++] = state->auth_header;
    headers[count] = NULL;
    remote_http_request request = {
        .method = call->method,
        .url = call->url,
        .headers = headers,
        .body = call->body,
        .body_size = call->body ? call->body_size : 0,
        .body_fd = call->body_fd,
        .body_offset = 0,
        .body_length = call->body_fd >= 0 ? call->body_length : 0,
        .idempotent = call->idempotent,
        .response_fd = call->response_fd,
        .response_limit = call->response_limit,
    };
    memset(response, 0, sizeof *response);
    return remote_http_perform(state->http, &request, response, err);
}

/* GitHub's own words about a failed answer: its JSON "message", or the start of the body;
 * UTF-8 scrubbed and the token redacted. */
void github_detail(const github_state *state, const remote_http_response *response, char *out,
                   size_t out_size)
{
    out[0] = '\0';
    const char *body = response->body.data;
    if (!body || !body[0])
        return;
    json_t *parsed = json_loads(body, JSON_DISABLE_EOF_CHECK, NULL);
    const char *message = github_json_text(parsed, "message");
    snprintf(out, out_size, "%.*s", GITHUB_DETAIL_MAX, message ? message : body);
    json_decref(parsed);
    text_utf8_scrub(out);
    for (char *c = out; *c; c++)
        if (*c == '\n' || *c == '\r' || *c == '\t')
            *c = ' ';
    text_redact(out, state->token);
}

/* remote_http's rate-limit answers, and GitHub's secondary limits, which are a 403 that may
 * only say so in its message. */
static bool is_rate_limited(const remote_http_response *response)
{
    const char *body = response->body.data;
    return remote_http_is_rate_limited(response) ||
           (response->status == 403 && body && strcasestr(body, "rate limit"));
}

/* The error of an answer that is not what the operation expected: rate limits -> 429
 * storage_provider_rate_limited with Retry-After; 401/403 -> 502 storage_provider_access_denied;
 * anything else -> 502 with the operation's code. GitHub's message is appended. Returns -1. */
int github_refusal(const storage *backend, const remote_http_response *response, const char *code,
                   const char *what, nh_error *err)
{
    const github_state *state = github_state_of(backend);
    char detail[GITHUB_DETAIL_MAX + 8];
    github_detail(state, response, detail, sizeof detail);
    if (is_rate_limited(response)) {
        int seconds = github_retry_after_seconds(
            remote_http_response_header(response, "Retry-After"),
            remote_http_response_header(response, "X-RateLimit-Reset"), (int64_t)time(NULL));
        return error_set_retry(err, 429, "storage_provider_rate_limited", seconds,
                               "GitHub storage '%s' is rate limited while %s; retry in %d s: %s",
                               github_label(backend), what, seconds, detail);
    }
    if (response->status == 401 || response->status == 403)
        return error_set(err, 502, "storage_provider_access_denied",
                         "GitHub storage '%s' refused the credentials while %s (HTTP %ld): %s",
                         github_label(backend), what, response->status, detail);
    return error_set(err, 502, code, "GitHub storage '%s' failed while %s (HTTP %ld): %s",
                     github_label(backend), what, response->status, detail);
}

/* remote_http failed: an answer it treats as an error (401/403/429 after retries) is mapped
 * as GitHub means it; a transport failure keeps remote_http's error (503 with Retry-After),
 * with the operation's code instead of the generic request_failed. Returns -1. */
static int github_failure(const storage *backend, const remote_http_response *response,
                          const char *code, const char *what, nh_error *err)
{
    long status = response->status;
    if (status == 401 || status == 403 || status == 429)
        return github_refusal(backend, response, code, what, err);
    if (!strcmp(err->code, "storage_provider_request_failed"))
        snprintf(err->code, sizeof err->code, "%s", code);
    text_redact(err->message, github_state_of(backend)->token);
    log_message(LOG_WARN, "storage_github", "GitHub storage '%s' while %s: %s (%s)",
                github_label(backend), what, err->code, err->message);
    return -1;
}

/* Perform a call whose answer the caller interprets: 0 with response (any status), or -1
 * with err (mapped as above). */
int github_call_api(const storage *backend, const github_call *call, const char *code,
                    const char *what, remote_http_response *response, nh_error *err)
{
    if (github_perform(github_state_of(backend), call, response, err) == 0)
        return 0;
    return github_failure(backend, response, code, what, err);
}

/* GET the contents API answer for path (in memory, parsed): 0 with *parsed (NULL on 404),
 * or -1 with err. */
int github_get_contents(const storage *backend, const char *path, const char *code,
                        const char *what, json_t **parsed, nh_error *err)
{
    const github_state *state = github_state_of(backend);
    *parsed = NULL;
    char *url = github_contents_url(state->api_base, state->owner, state->repo, path, state->ref);
    if (!url)
        return error_internal(err);
    github_call call = {.method = "GET",
                        .url = url,
                        .with_token = true,
                        .idempotent = true,
                        .body_fd = -1,
                        .response_fd = -1,
                        .response_limit = GITHUB_CONTENTS_LIMIT};
    remote_http_response response;
    int rc = github_call_api(backend, &call, code, what, &response, err);
    free(url);
    if (rc == 0 && response.status == 200) {
        *parsed =
            json_loadb(response.body.data ? response.body.data : "", response.body.length, 0, NULL);
        if (!*parsed)
            rc = error_set(err, 502, code, "GitHub storage '%s' sent an unreadable answer while %s",
                           github_label(backend), what);
    } else if (rc == 0 && response.status != 404) {
        rc = github_refusal(backend, &response, code, what, err);
    }
    remote_http_response_free(&response);
    return rc;
}

/* ---- spool files ------------------------------------------------------------------------ */

int github_spool_failure(const storage *backend, const char *what, nh_error *err)
{
    log_message(LOG_ERROR, "storage_github", "GitHub storage '%s': spool file for %s: %s",
                github_label(backend), what, strerror(errno));
    return storage_write_error(errno, err);
}

int github_rewind_file(int descriptor)
{
    return ftruncate(descriptor, 0) == 0 && lseek(descriptor, 0, SEEK_SET) == 0 ? 0 : -1;
}

int github_write_all(int descriptor, const void *data, size_t length)
{
    const char *bytes = data;
    while (length > 0) {
        ssize_t written = write(descriptor, bytes, length);
        if (written < 0 && errno == EINTR)
            continue;
        if (written <= 0)
            return -1;
        bytes += written;
        length -= (size_t)written;
    }
    return 0;
}

/* ---- PUT bodies ------------------------------------------------------------------------- */

/* Append `"name":<JSON string of value>,` to the body file. */
static int write_json_member(int descriptor, const char *name, const char *value)
{
    char *scrubbed = strdup(value);
    if (!scrubbed)
        return -1;
    text_utf8_scrub(scrubbed);
    json_t *string = json_string(scrubbed);
    free(scrubbed);
    char *encoded = string ? json_dumps(string, JSON_ENCODE_ANY) : NULL;
    json_decref(string);
    if (!encoded)
        return -1;
    int rc = 0;
    if (github_write_all(descriptor, "\"", 1) || github_write_all(descriptor, name, strlen(name)) ||
        github_write_all(descriptor, "\":", 2) ||
        github_write_all(descriptor, encoded, strlen(encoded)) ||
        github_write_all(descriptor, ",", 1))
        rc = -1;
    free(encoded);
    return rc;
}

static int read_source(const github_source *source, uint64_t offset, unsigned char *out,
                       size_t wanted, size_t *got)
{
    if (!source->bytes) {
        ssize_t read_now;
        do
            read_now = pread(source->fd, out, wanted, (off_t)offset);
        while (read_now < 0 && errno == EINTR);
        if (read_now <= 0)
            return -1; /* an error, or a file shorter than announced */
        *got = (size_t)read_now;
        return 0;
    }
    memcpy(out, source->bytes + offset, wanted);
    *got = wanted;
    return 0;
}

/* The base64 of the whole source, chunk by chunk (a read may return fewer bytes than asked:
 * those are carried over so every encoded chunk but the last is a multiple of 3 bytes). */
static int write_base64(int descriptor, const github_source *source)
{
    unsigned char *chunk = malloc(GITHUB_ENCODE_CHUNK);
    size_t encoded_size =
        sodium_base64_ENCODED_LEN(GITHUB_ENCODE_CHUNK, sodium_base64_VARIANT_ORIGINAL);
    char *encoded = malloc(encoded_size);
    int rc = chunk && encoded ? 0 : -1;
    size_t held = 0;
    for (uint64_t offset = 0; rc == 0 && (offset < source->size || held > 0);) {
        uint64_t left = source->size - offset;
        size_t wanted = GITHUB_ENCODE_CHUNK - held;
        if (wanted > left)
            wanted = (size_t)left;
        size_t got = 0;
        if (wanted > 0 && read_source(source, offset, chunk + held, wanted, &got) != 0) {
            rc = -1;
            break;
        }
        offset += got;
        held += got;
        bool last = offset == source->size;
        size_t take = last ? held : held - held % 3;
        if (take == 0)
            continue;
        sodium_bin2base64(encoded, encoded_size, chunk, take, sodium_base64_VARIANT_ORIGINAL);
        rc = github_write_all(descriptor, encoded, strlen(encoded));
        memmove(chunk, chunk + take, held - take);
        held -= take;
    }
    free(chunk);
    free(encoded);
    return rc;
}

/* Build {"message":…,"branch":…,["sha":…,]"content":"<base64>"} in descriptor; *length = its
 * size. */
static int write_put_body(int descriptor, const github_state *state, const char *message,
                          const char *sha, const github_source *source, uint64_t *length)
{
    static const char content_open[] = "\"content\":\"";
    if (github_write_all(descriptor, "{", 1) || write_json_member(descriptor, "message", message) ||
        write_json_member(descriptor, "branch", state->ref) ||
        (sha && write_json_member(descriptor, "sha", sha)) ||
        github_write_all(descriptor, content_open, sizeof content_open - 1) ||
        write_base64(descriptor, source) || github_write_all(descriptor, "\"}", 2))
        return -1;
    off_t end = lseek(descriptor, 0, SEEK_CUR);
    if (end < 0)
        return -1;
    *length = (uint64_t)end;
    return 0;
}

/* The answer of a PUT or DELETE that succeeded, parsed; NULL when it is not JSON. */
json_t *github_parse_result(const remote_http_response *response)
{
    if (!response->body.data)
        return NULL;
    return json_loadb(response->body.data, response->body.length, 0, NULL);
}

/* PUT the file: 0 with *response filled (the caller reads the status), or -1 with err. */
int github_put_contents(const storage *backend, const github_write *write_request, const char *what,
                        remote_http_response *response, nh_error *err)
{
    const github_state *state = github_state_of(backend);
    memset(response, 0, sizeof *response);
    int descriptor = remote_http_spool_open(state->spool_dir);
    if (descriptor < 0)
        return github_spool_failure(backend, what, err);
    uint64_t length = 0;
    if (write_put_body(descriptor, state, write_request->message, write_request->sha,
                       &write_request->source, &length) != 0) {
        int rc = github_spool_failure(backend, what, err);
        close(descriptor);
        return rc;
    }
    char *url = github_contents_url(state->api_base, state->owner, state->repo, write_request->path,
                                    state->ref);
    int rc = url ? 0 : error_internal(err);
    if (rc == 0) {
        /* not idempotent: a retried create would meet its own file */
        github_call call = {.method = "PUT",
                            .url = url,
                            .with_token = true,
                            .idempotent = false,
                            .body_fd = descriptor,
                            .body_length = length,
                            .response_fd = -1,
                            .response_limit = GITHUB_RESULT_LIMIT};
        rc = github_call_api(backend, &call, "storage_provider_upsert_failed", what, response, err);
    }
    free(url);
    close(descriptor);
    return rc;
}
