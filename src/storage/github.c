/* github.c - the GitHub repository storage backend on the contents API (see github.h; spec
 * storage-providers.md §11.3 and §12 with the corrections of issue 10).
 *
 * Requests go through remote_http (connection reuse, retries of idempotent requests, timeouts).
 * Every request carries Accept, User-Agent and X-GitHub-Api-Version; the token goes only to the
 * API base URL's origin (never to raw URLs; to a download_url only when it is on that origin).
 * Writes stream: the PUT body (JSON with the base64 content) is built chunk by chunk in an
 * unlinked temporary file in the spool directory and sent from there. Reads stream into an
 * unlinked temporary file too: raw and download_url bodies go straight to it, and the inline
 * base64 content of the contents API (GitHub inlines files up to 1 MB; the answer is capped at
 * GITHUB_CONTENTS_LIMIT) is decoded to it in 3 KiB chunks. */
#include "storage/github.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/text.h"
#include "storage/github_paths.h"
#include "storage/remote_http.h"

/* Largest contents-API answer kept in memory: a file's metadata with up to 1 MB inline base64,
 * or a directory listing (GitHub lists at most 1000 entries). */
#define GITHUB_CONTENTS_LIMIT (8u * 1024 * 1024)
/* Largest answer to a PUT or DELETE (the commit and the file's metadata). */
#define GITHUB_RESULT_LIMIT (256u * 1024)
/* Entries a browse may collect before it gives up (400 storage_provider_directory_too_large). */
#define GITHUB_BROWSE_ENTRY_CAP 5000
/* Bytes of the source encoded per step when the PUT body is built (a multiple of 3). */
#define GITHUB_ENCODE_CHUNK (3u * 16384)
/* GitHub's own error text kept in our messages. */
#define GITHUB_DETAIL_MAX 200

typedef struct github_state {
    char *owner;
    char *repo;
    char *ref;
    char *base_path; /* normalized, or NULL */
    char *api_base;  /* without trailing '/' */
    char *raw_base;
    char *api_origin; /* scheme://host[:port] of api_base */
    char *token;      /* NULL when none */
    char *auth_header;
    char *commit_template; /* NULL = built-in */
    bool private_token;    /* visibilityPolicy == private-token */
    bool allow_delete;
    char *spool_dir;
    remote_http *http;
} github_state;

static const storage_ops github_ops;

static github_state *state_of(const storage *backend)
{
    return backend->state;
}

static const char *label_of(const storage *backend)
{
    return backend->label ? backend->label : "storage";
}

/* ---- configuration ---------------------------------------------------------------------- */

static const char *json_text(const json_t *object, const char *key)
{
    const json_t *value = object ? json_object_get(object, key) : NULL;
    return json_is_string(value) ? json_string_value(value) : NULL;
}

static int config_refuse(const char *label, const char *what, nh_error *err)
{
    log_message(LOG_ERROR, "storage_github", "GitHub storage '%s': %s", label, what);
    return error_set(err, 500, "storage_provider_configuration_invalid", "GitHub storage '%s': %s",
                     label, what);
}

static bool is_name(const char *text)
{
    if (!text || !text[0])
        return false;
    for (const char *c = text; *c; c++)
        if (!(((*c | 0x20) >= 'a' && (*c | 0x20) <= 'z') || (*c >= '0' && *c <= '9') || *c == '.' ||
              *c == '_' || *c == '-'))
            return false;
    return true;
}

/* An absolute http(s) URL without trailing '/' (malloc'ed), or NULL. */
static char *base_url(const char *text, const char *fallback)
{
    const char *url = text && !text_is_blank(text) ? text : fallback;
    if (strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0)
        return NULL;
    const char *host = strstr(url, "://") + 3;
    if (!*host || *host == '/')
        return NULL;
    char *copy = text_trimmed_copy(url);
    if (!copy)
        return NULL;
    size_t length = strlen(copy);
    while (length > 0 && copy[length - 1] == '/')
        copy[--length] = '\0';
    return copy;
}

/* "scheme://host[:port]" of an absolute URL (malloc'ed). */
static char *origin_of(const char *url)
{
    const char *host = strstr(url, "://");
    if (!host)
        return NULL;
    host += 3;
    size_t length = (size_t)(host - url) + strcspn(host, "/?#");
    return strndup(url, length);
}

static bool same_origin(const char *url, const char *origin)
{
    size_t length = strlen(origin);
    return strncasecmp(url, origin, length) == 0 &&
           (url[length] == '\0' || url[length] == '/' || url[length] == '?');
}

static void state_free(github_state *state)
{
    if (!state)
        return;
    free(state->owner);
    free(state->repo);
    free(state->ref);
    free(state->base_path);
    free(state->api_base);
    free(state->raw_base);
    free(state->api_origin);
    if (state->token)
        sodium_memzero(state->token, strlen(state->token));
    free(state->token);
    if (state->auth_header)
        sodium_memzero(state->auth_header, strlen(state->auth_header));
    free(state->auth_header);
    free(state->commit_template);
    free(state->spool_dir);
    remote_http_destroy(state->http);
    free(state);
}

static int read_names(github_state *state, const json_t *configuration, const char *label,
                      nh_error *err)
{
    const char *owner = json_text(configuration, "owner");
    const char *repo = json_text(configuration, "repo");
    const char *ref = json_text(configuration, "ref");
    if (!is_name(owner))
        return config_refuse(label, "owner is missing or not a GitHub name", err);
    if (!is_name(repo))
        return config_refuse(label, "repo is missing or not a GitHub name", err);
    state->ref = ref ? text_trimmed_copy(ref) : NULL;
    if (!state->ref || !state->ref[0] || strpbrk(state->ref, " \t\\"))
        return config_refuse(label, "ref is missing or contains spaces or backslashes", err);
    state->owner = strdup(owner);
    state->repo = strdup(repo);
    return state->owner && state->repo ? 0 : error_internal(err);
}

static int read_paths(github_state *state, const json_t *configuration, const char *label,
                      nh_error *err)
{
    const char *base_path = json_text(configuration, "basePath");
    char normalized[GITHUB_PATH_SIZE];
    if (base_path && github_path_normalize(base_path, true, normalized, sizeof normalized) != 0)
        return config_refuse(label, "basePath has an empty, '.' or '..' segment", err);
    if (base_path && normalized[0] && !(state->base_path = strdup(normalized)))
        return error_internal(err);
    state->api_base = base_url(json_text(configuration, "apiBaseUrl"), "https://api.github.com");
    state->raw_base =
        base_url(json_text(configuration, "rawBaseUrl"), "https://raw.githubusercontent.com");
    if (!state->api_base || !state->raw_base)
        return config_refuse(label, "apiBaseUrl and rawBaseUrl must be absolute http(s) URLs", err);
    state->api_origin = origin_of(state->api_base);
    return state->api_origin ? 0 : error_internal(err);
}

static int read_policy(github_state *state, const json_t *configuration, const json_t *secret,
                       const char *label, nh_error *err)
{
    const char *policy = json_text(configuration, "visibilityPolicy");
    if (policy && !text_is_blank(policy)) {
        char *trimmed = text_trimmed_copy(policy);
        bool public_only = trimmed && !strcasecmp(trimmed, "public-only");
        state->private_token = trimmed && !strcasecmp(trimmed, "private-token");
        free(trimmed);
        if (!public_only && !state->private_token)
            return config_refuse(label, "visibilityPolicy must be public-only or private-token",
                                 err);
    }
    state->allow_delete = json_is_true(json_object_get(configuration, "allowDelete"));
    const char *template_text = json_text(configuration, "commitMessageTemplate");
    if (template_text && !text_is_blank(template_text) &&
        !(state->commit_template = strdup(template_text)))
        return error_internal(err);
    const char *token = json_text(secret, "token");
    if (token && !text_is_blank(token)) {
        if (!(state->token = text_trimmed_copy(token)))
            return error_internal(err);
        if (strlen(state->token) < 8)
            return config_refuse(label, "token is shorter than 8 characters", err);
        size_t size = strlen(state->token) + sizeof "Authorization: Bearer ";
        if (!(state->auth_header = malloc(size)))
            return error_internal(err);
        snprintf(state->auth_header, size, "Authorization: Bearer %s", state->token);
    }
    if (state->private_token && !state->token)
        return config_refuse(label, "visibilityPolicy private-token needs a token", err);
    return 0;
}

storage *storage_github_create(const char *label, const json_t *configuration, const json_t *secret,
                               const storage_remote_settings *settings, const char *spool_dir,
                               nh_error *err)
{
    const char *name = label ? label : "storage";
    github_state *state = calloc(1, sizeof *state);
    storage *backend = calloc(1, sizeof *backend);
    if (!state || !backend) {
        free(state);
        free(backend);
        error_internal(err);
        return NULL;
    }
    int rc = read_names(state, configuration, name, err);
    if (rc == 0)
        rc = read_paths(state, configuration, name, err);
    if (rc == 0)
        rc = read_policy(state, configuration, secret, name, err);
    if (rc == 0 && (!(state->spool_dir = strdup(spool_dir)) || !(backend->label = strdup(name))))
        rc = error_internal(err);
    if (rc == 0 && !(state->http = remote_http_create(name, settings, err)))
        rc = -1;
    if (rc != 0) {
        state_free(state);
        free(backend->label);
        free(backend);
        return NULL;
    }
    backend->ops = &github_ops;
    snprintf(backend->provider_name, sizeof backend->provider_name, "github-repo");
    backend->state = state;
    return backend;
}

bool storage_github_is(const storage *backend)
{
    return backend && backend->ops == &github_ops;
}

/* ---- requests --------------------------------------------------------------------------- */

typedef struct github_call {
    const char *method;
    const char *url;
    bool with_token; /* the API (or a download_url on its origin) */
    bool idempotent;
    const char *body; /* a body in memory (body_size bytes), or NULL */
    size_t body_size;
    int body_fd; /* a body in a file (body_length bytes), or -1 */
    uint64_t body_length;
    int response_fd; /* -1 = keep the answer in memory */
    size_t response_limit;
} github_call;

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
static void github_detail(const github_state *state, const remote_http_response *response,
                          char *out, size_t out_size)
{
    out[0] = '\0';
    const char *body = response->body.data;
    if (!body || !body[0])
        return;
    json_t *parsed = json_loads(body, JSON_DISABLE_EOF_CHECK, NULL);
    const char *message = json_text(parsed, "message");
    snprintf(out, out_size, "%.*s", GITHUB_DETAIL_MAX, message ? message : body);
    json_decref(parsed);
    text_utf8_scrub(out);
    for (char *c = out; *c; c++)
        if (*c == '\n' || *c == '\r' || *c == '\t')
            *c = ' ';
    github_redact(out, state->token);
}

static bool is_rate_limited(const remote_http_response *response)
{
    if (response->status == 429)
        return true;
    if (response->status != 403)
        return false;
    const char *remaining = remote_http_response_header(response, "X-RateLimit-Remaining");
    const char *body = response->body.data;
    return (remaining && strtol(remaining, NULL, 10) == 0 && remaining[0] == '0') ||
           remote_http_response_header(response, "Retry-After") ||
           (body && strcasestr(body, "rate limit"));
}

/* The error of an answer that is not what the operation expected: rate limits -> 429
 * storage_provider_rate_limited with Retry-After; 401/403 -> 502 storage_provider_access_denied;
 * anything else -> 502 with the operation's code. GitHub's message is appended. Returns -1. */
static int github_refusal(const storage *backend, const remote_http_response *response,
                          const char *code, const char *what, nh_error *err)
{
    const github_state *state = state_of(backend);
    char detail[GITHUB_DETAIL_MAX + 8];
    github_detail(state, response, detail, sizeof detail);
    if (is_rate_limited(response)) {
        int seconds = github_retry_after_seconds(
            remote_http_response_header(response, "Retry-After"),
            remote_http_response_header(response, "X-RateLimit-Reset"), (int64_t)time(NULL));
        return error_set_retry(err, 429, "storage_provider_rate_limited", seconds,
                               "GitHub storage '%s' is rate limited while %s; retry in %d s: %s",
                               label_of(backend), what, seconds, detail);
    }
    if (response->status == 401 || response->status == 403)
        return error_set(err, 502, "storage_provider_access_denied",
                         "GitHub storage '%s' refused the credentials while %s (HTTP %ld): %s",
                         label_of(backend), what, response->status, detail);
    return error_set(err, 502, code, "GitHub storage '%s' failed while %s (HTTP %ld): %s",
                     label_of(backend), what, response->status, detail);
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
    github_redact(err->message, state_of(backend)->token);
    log_message(LOG_WARN, "storage_github", "GitHub storage '%s' while %s: %s (%s)",
                label_of(backend), what, err->code, err->message);
    return -1;
}

/* Perform a call whose answer the caller interprets: 0 with response (any status), or -1
 * with err (mapped as above). */
static int github_call_api(const storage *backend, const github_call *call, const char *code,
                           const char *what, remote_http_response *response, nh_error *err)
{
    if (github_perform(state_of(backend), call, response, err) == 0)
        return 0;
    return github_failure(backend, response, code, what, err);
}

/* GET the contents API answer for path (in memory, parsed): 0 with *parsed (NULL on 404),
 * or -1 with err. */
static int get_contents(const storage *backend, const char *path, const char *code,
                        const char *what, json_t **parsed, nh_error *err)
{
    const github_state *state = state_of(backend);
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
                           label_of(backend), what);
    } else if (rc == 0 && response.status != 404) {
        rc = github_refusal(backend, &response, code, what, err);
    }
    remote_http_response_free(&response);
    return rc;
}

/* ---- spool files ------------------------------------------------------------------------ */

/* An unlinked temporary file in the spool directory (created 0700 when missing), or -1. */
static int spool_open(const char *spool_dir)
{
    if (mkdir(spool_dir, 0700) != 0 && errno != EEXIST)
        return -1;
    int descriptor = open(spool_dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (descriptor >= 0)
        return descriptor;
    char path[PATH_MAX];
    int written = snprintf(path, sizeof path, "%s/github-XXXXXX", spool_dir);
    if (written <= 0 || written >= (int)sizeof path)
        return -1;
    descriptor = mkostemp(path, O_CLOEXEC);
    if (descriptor >= 0)
        unlink(path);
    return descriptor;
}

static int spool_failure(const storage *backend, const char *what, nh_error *err)
{
    log_message(LOG_ERROR, "storage_github", "GitHub storage '%s': spool file for %s: %s",
                label_of(backend), what, strerror(errno));
    return storage_write_error(errno, err);
}

static int rewind_file(int descriptor)
{
    return ftruncate(descriptor, 0) == 0 && lseek(descriptor, 0, SEEK_SET) == 0 ? 0 : -1;
}

static int write_all(int descriptor, const void *data, size_t length)
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

/* Where the bytes of a write come from: a file (pread) or memory. */
typedef struct github_source {
    int fd;
    const unsigned char *bytes;
    uint64_t size;
} github_source;

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
    if (write_all(descriptor, "\"", 1) || write_all(descriptor, name, strlen(name)) ||
        write_all(descriptor, "\":", 2) || write_all(descriptor, encoded, strlen(encoded)) ||
        write_all(descriptor, ",", 1))
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
        rc = write_all(descriptor, encoded, strlen(encoded));
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
    if (write_all(descriptor, "{", 1) || write_json_member(descriptor, "message", message) ||
        write_json_member(descriptor, "branch", state->ref) ||
        (sha && write_json_member(descriptor, "sha", sha)) ||
        write_all(descriptor, content_open, sizeof content_open - 1) ||
        write_base64(descriptor, source) || write_all(descriptor, "\"}", 2))
        return -1;
    off_t end = lseek(descriptor, 0, SEEK_CUR);
    if (end < 0)
        return -1;
    *length = (uint64_t)end;
    return 0;
}

/* The answer of a PUT or DELETE that succeeded, parsed; NULL when it is not JSON. */
static json_t *parse_result(const remote_http_response *response)
{
    if (!response->body.data)
        return NULL;
    return json_loadb(response->body.data, response->body.length, 0, NULL);
}

typedef struct github_write {
    const char *path;    /* the repository path */
    const char *message; /* the commit message */
    const char *sha;     /* the file's current sha, or NULL to create */
    github_source source;
} github_write;

/* PUT the file: 0 with *response filled (the caller reads the status), or -1 with err. */
static int put_contents(const storage *backend, const github_write *write_request, const char *what,
                        remote_http_response *response, nh_error *err)
{
    const github_state *state = state_of(backend);
    memset(response, 0, sizeof *response);
    int descriptor = spool_open(state->spool_dir);
    if (descriptor < 0)
        return spool_failure(backend, what, err);
    uint64_t length = 0;
    if (write_put_body(descriptor, state, write_request->message, write_request->sha,
                       &write_request->source, &length) != 0) {
        int rc = spool_failure(backend, what, err);
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

/* ---- storage ops ------------------------------------------------------------------------ */

/* The repository path of a storage key: basePath + the key's path relative to basePath. */
static int path_of_key(const github_state *state, const char *key, char out[GITHUB_PATH_SIZE])
{
    return github_path_join(state->base_path, github_path_relative(state->base_path, key), out,
                            GITHUB_PATH_SIZE);
}

static int github_put(storage *backend, const storage_put_request *request,
                      char key_out[STORAGE_KEY_SIZE], nh_error *err)
{
    const github_state *state = state_of(backend);
    char path[GITHUB_PATH_SIZE];
    if (github_path_join(state->base_path, request->key, path, sizeof path) != 0)
        return error_set(err, 400, "storage_provider_storage_key_invalid",
                         "The storage key is too long for GitHub storage '%s'.", label_of(backend));
    char *message = github_commit_message(request->commit_message, state->commit_template, "upload",
                                          request->key);
    if (!message)
        return error_internal(err);
    char what[GITHUB_PATH_SIZE + 16];
    snprintf(what, sizeof what, "storing %s", path);
    github_write write_request = {path, message, NULL, {request->source_fd, NULL, request->size}};
    remote_http_response response;
    int rc = put_contents(backend, &write_request, what, &response, err);
    free(message);
    if (rc == 0 && response.status != 201 && response.status != 200)
        rc = github_refusal(backend, &response, "storage_provider_upsert_failed", what, err);
    if (rc == 0) {
        json_t *result = parse_result(&response);
        const char *stored = json_text(json_object_get(result, "content"), "path");
        snprintf(key_out, STORAGE_KEY_SIZE, "%s",
                 stored && storage_key_is_valid(stored) ? stored : path);
        json_decref(result);
    }
    remote_http_response_free(&response);
    return rc;
}

/* GET url into descriptor: 0 (stored), STORAGE_NOT_FOUND (404), or -1. */
static int fetch_to_file(const storage *backend, const char *url, bool with_token, int descriptor,
                         const char *what, int64_t *modified_ms, nh_error *err)
{
    if (rewind_file(descriptor) != 0)
        return spool_failure(backend, what, err);
    github_call call = {.method = "GET",
                        .url = url,
                        .with_token = with_token,
                        .idempotent = true,
                        .body_fd = -1,
                        .response_fd = descriptor};
    remote_http_response response;
    int rc = github_call_api(backend, &call, "storage_provider_read_failed", what, &response, err);
    if (rc == 0 && response.status == 404)
        rc = STORAGE_NOT_FOUND;
    else if (rc == 0 && response.status != 200)
        rc = github_refusal(backend, &response, "storage_provider_read_failed", what, err);
    if (rc == 0) {
        const char *last_modified = remote_http_response_header(&response, "Last-Modified");
        time_t parsed = last_modified ? curl_getdate(last_modified, NULL) : -1;
        *modified_ms = parsed > 0 ? (int64_t)parsed * 1000 : 0;
    }
    remote_http_response_free(&response);
    return rc;
}

static int write_decoded(void *context, const unsigned char *bytes, size_t length)
{
    return write_all(*(int *)context, bytes, length);
}

/* The file described by a contents answer, into descriptor: inline base64 decoded chunk by
 * chunk, else its download_url fetched. 0, STORAGE_NOT_FOUND, or -1. */
static int contents_to_file(const storage *backend, const json_t *contents, int descriptor,
                            const char *what, int64_t *modified_ms, nh_error *err)
{
    const github_state *state = state_of(backend);
    if (!json_is_object(contents) ||
        strcmp(json_text(contents, "type") ? json_text(contents, "type") : "", "file") != 0)
        return STORAGE_NOT_FOUND; /* a directory, a symlink or a submodule is no stored object */
    const char *encoding = json_text(contents, "encoding");
    const char *content = json_text(contents, "content");
    json_int_t size = json_integer_value(json_object_get(contents, "size"));
    if (encoding && !strcmp(encoding, "base64") && content && (content[0] || size == 0)) {
        if (rewind_file(descriptor) != 0)
            return spool_failure(backend, what, err);
        uint64_t decoded = 0;
        if (github_base64_decode_chunked(content, strlen(content), write_decoded, &descriptor,
                                         &decoded) != 0 ||
            decoded != (uint64_t)size)
            return error_set(err, 502, "storage_provider_read_failed",
                             "GitHub storage '%s' sent unreadable content while %s",
                             label_of(backend), what);
        *modified_ms = 0;
        return 0;
    }
    const char *download_url = json_text(contents, "download_url");
    if (!download_url || strncasecmp(download_url, "http", 4) != 0)
        return error_set(err, 502, "storage_provider_read_failed",
                         "GitHub storage '%s' sent neither content nor a download_url while %s",
                         label_of(backend), what);
    bool with_token = same_origin(download_url, state->api_origin);
    return fetch_to_file(backend, download_url, with_token, descriptor, what, modified_ms, err);
}

/* Read the object into descriptor: the raw URL first for public repositories read without a
 * token, then the contents API. 0, STORAGE_NOT_FOUND or -1. */
static int read_object(const storage *backend, const char *path, int descriptor, const char *what,
                       int64_t *modified_ms, nh_error *err)
{
    const github_state *state = state_of(backend);
    if (!state->private_token && !state->token) {
        char *raw = github_raw_url(state->raw_base, state->owner, state->repo, state->ref, path);
        if (!raw)
            return error_internal(err);
        int rc = fetch_to_file(backend, raw, false, descriptor, what, modified_ms, err);
        free(raw);
        if (rc != STORAGE_NOT_FOUND)
            return rc;
    }
    json_t *contents = NULL;
    if (get_contents(backend, path, "storage_provider_read_failed", what, &contents, err) != 0)
        return -1;
    int rc = contents ? contents_to_file(backend, contents, descriptor, what, modified_ms, err)
                      : STORAGE_NOT_FOUND;
    json_decref(contents);
    return rc;
}

static int github_open(storage *backend, const char *key, storage_object *out, nh_error *err)
{
    const github_state *state = state_of(backend);
    char path[GITHUB_PATH_SIZE];
    if (path_of_key(state, key, path) != 0)
        return STORAGE_NOT_FOUND;
    char what[GITHUB_PATH_SIZE + 16];
    snprintf(what, sizeof what, "reading %s", path);
    int descriptor = spool_open(state->spool_dir);
    if (descriptor < 0)
        return spool_failure(backend, what, err);
    int64_t modified_ms = 0;
    int rc = read_object(backend, path, descriptor, what, &modified_ms, err);
    struct stat info;
    if (rc == 0 && (fstat(descriptor, &info) != 0 || lseek(descriptor, 0, SEEK_SET) != 0))
        rc = spool_failure(backend, what, err);
    if (rc != 0) {
        close(descriptor);
        return rc;
    }
    out->fd = descriptor;
    out->size = (uint64_t)info.st_size;
    out->modified_ms = modified_ms;
    return 0;
}

/* Copy length bytes from offset of `from` into a new spool file (from its offset 0). */
static int copy_range(const github_state *state, int from, uint64_t offset, uint64_t length,
                      int *out)
{
    *out = spool_open(state->spool_dir);
    if (*out < 0)
        return -1;
    unsigned char *chunk = malloc(GITHUB_ENCODE_CHUNK);
    int rc = chunk ? 0 : -1;
    for (uint64_t done = 0; rc == 0 && done < length;) {
        size_t wanted =
            length - done < GITHUB_ENCODE_CHUNK ? (size_t)(length - done) : GITHUB_ENCODE_CHUNK;
        ssize_t got = pread(from, chunk, wanted, (off_t)(offset + done));
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0 || write_all(*out, chunk, (size_t)got) != 0)
            rc = -1;
        else
            done += (uint64_t)got;
    }
    free(chunk);
    if (rc == 0 && lseek(*out, 0, SEEK_SET) != 0)
        rc = -1;
    if (rc != 0) {
        close(*out);
        *out = -1;
    }
    return rc;
}

/* The contents API has no ranges: the whole object is spooled, then the range copied out.
 * Offering open_range lets the delivery answer 304/416 from the asset row without asking
 * GitHub at all (and spend no rate limit on revalidations). */
static int github_open_range(storage *backend, const char *key, uint64_t offset, uint64_t length,
                             storage_object *out, nh_error *err)
{
    storage_object whole = {.fd = -1};
    int rc = github_open(backend, key, &whole, err);
    if (rc != 0)
        return rc;
    if (offset >= whole.size || length > whole.size - offset) {
        close(whole.fd);
        return error_set(err, 502, "storage_provider_read_failed",
                         "GitHub storage '%s' holds a shorter file than recorded for %s.",
                         label_of(backend), key);
    }
    int ranged = -1;
    if (offset == 0 && length == whole.size) {
        ranged = whole.fd;
        whole.fd = -1;
    } else if (copy_range(state_of(backend), whole.fd, offset, length, &ranged) != 0) {
        rc = spool_failure(backend, "a range", err);
    }
    if (whole.fd >= 0)
        close(whole.fd);
    if (rc != 0)
        return rc;
    out->fd = ranged;
    out->size = whole.size;
    out->modified_ms = whole.modified_ms;
    return 0;
}

static int github_check_remove(const storage *backend, nh_error *err)
{
    if (state_of(backend)->allow_delete)
        return 0;
    return error_set(err, 403, "storage_provider_delete_not_allowed",
                     "GitHub storage '%s' does not allow deletes (allowDelete is false); the "
                     "file stays in the repository.",
                     label_of(backend));
}

/* The JSON body of a DELETE (malloc'ed), or NULL when out of memory. */
static char *delete_body(const github_state *state, const char *commit_message, const char *path,
                         const char *sha)
{
    char *message = github_commit_message(commit_message, state->commit_template, "delete",
                                          github_path_relative(state->base_path, path));
    json_t *body =
        message ? json_pack("{s:s, s:s, s:s}", "message", message, "sha", sha, "branch", state->ref)
                : NULL;
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    free(message);
    return text;
}

/* DELETE the file with its sha; 404 (gone meanwhile) is success. */
static int delete_contents(const storage *backend, const char *path, const char *body,
                           const char *what, nh_error *err)
{
    const github_state *state = state_of(backend);
    char *url = github_contents_url(state->api_base, state->owner, state->repo, path, state->ref);
    if (!url)
        return error_internal(err);
    /* idempotent: a retry of a DELETE that did happen meets 404, which is success */
    github_call call = {.method = "DELETE",
                        .url = url,
                        .with_token = true,
                        .idempotent = true,
                        .body = body,
                        .body_size = strlen(body),
                        .body_fd = -1,
                        .response_fd = -1,
                        .response_limit = GITHUB_RESULT_LIMIT};
    remote_http_response response;
    int rc =
        github_call_api(backend, &call, "storage_provider_delete_failed", what, &response, err);
    if (rc == 0 && response.status != 200 && response.status != 204 && response.status != 404)
        rc = github_refusal(backend, &response, "storage_provider_delete_failed", what, err);
    remote_http_response_free(&response);
    free(url);
    return rc;
}

/* GET the file's sha, then DELETE it with that sha. A missing file is success. */
static int github_remove_unreferenced(storage *backend, const char *key, const char *commit_message,
                                      nh_error *err)
{
    const github_state *state = state_of(backend);
    char path[GITHUB_PATH_SIZE];
    if (path_of_key(state, key, path) != 0)
        return 0; /* cannot exist */
    char what[GITHUB_PATH_SIZE + 16];
    snprintf(what, sizeof what, "deleting %s", path);
    json_t *contents = NULL;
    if (get_contents(backend, path, "storage_provider_delete_failed", what, &contents, err) != 0)
        return -1;
    if (!contents)
        return 0;
    const char *sha = json_is_object(contents) ? json_text(contents, "sha") : NULL;
    char *body = sha ? delete_body(state, commit_message, path, sha) : NULL;
    int rc;
    if (!sha)
        rc = error_set(err, 502, "storage_provider_delete_result_invalid",
                       "GitHub storage '%s' gave no file sha while %s", label_of(backend), what);
    else
        rc = body ? delete_contents(backend, path, body, what, err) : error_internal(err);
    free(body);
    json_decref(contents);
    return rc;
}

static int github_remove(storage *backend, const char *key, const char *commit_message,
                         nh_error *err)
{
    if (github_check_remove(backend, err) != 0)
        return -1;
    return github_remove_unreferenced(backend, key, commit_message, err);
}

/* HEAD the raw URL (public repositories read without a token: the raw host has no API rate
 * limit): 0 with *exists, or 1 when the raw host cannot tell (404: a file may reach the raw
 * host late) and the contents API must answer. */
static int exists_on_raw(const storage *backend, const char *path, const char *what, bool *exists,
                         nh_error *err)
{
    const github_state *state = state_of(backend);
    char *raw = github_raw_url(state->raw_base, state->owner, state->repo, state->ref, path);
    if (!raw)
        return error_internal(err);
    github_call call = {.method = "HEAD",
                        .url = raw,
                        .with_token = false,
                        .idempotent = true,
                        .body_fd = -1,
                        .response_fd = -1};
    remote_http_response response;
    int rc = github_call_api(backend, &call, "storage_provider_read_failed", what, &response, err);
    free(raw);
    if (rc == 0 && response.status == 200)
        *exists = true;
    else if (rc == 0 && response.status == 404)
        rc = 1;
    else if (rc == 0)
        rc = github_refusal(backend, &response, "storage_provider_read_failed", what, err);
    remote_http_response_free(&response);
    return rc;
}

static int github_exists(storage *backend, const char *key, bool *exists, nh_error *err)
{
    const github_state *state = state_of(backend);
    *exists = false;
    char path[GITHUB_PATH_SIZE];
    if (path_of_key(state, key, path) != 0)
        return 0;
    char what[GITHUB_PATH_SIZE + 16];
    snprintf(what, sizeof what, "checking %s", path);
    if (!state->private_token && !state->token) {
        int rc = exists_on_raw(backend, path, what, exists, err);
        if (rc != 1)
            return rc;
    }
    json_t *contents = NULL;
    if (get_contents(backend, path, "storage_provider_read_failed", what, &contents, err) != 0)
        return -1;
    const char *type = json_is_object(contents) ? json_text(contents, "type") : NULL;
    *exists = type && !strcmp(type, "file");
    json_decref(contents);
    return 0;
}

/* The raw URL of a repository path, or NULL under the private-token policy. */
static char *public_url_of_path(const github_state *state, const char *path)
{
    if (state->private_token)
        return NULL;
    return github_raw_url(state->raw_base, state->owner, state->repo, state->ref, path);
}

static char *github_public_url(const storage *backend, const char *global_base_url, const char *key)
{
    (void)global_base_url; /* never used for GitHub (§11.3) */
    const github_state *state = state_of(backend);
    char path[GITHUB_PATH_SIZE];
    if (path_of_key(state, key, path) != 0)
        return NULL;
    return public_url_of_path(state, path);
}

static void github_destroy(storage *backend)
{
    state_free(backend->state);
    free(backend->public_base_url);
    free(backend->label);
    free(backend);
}

static const storage_ops github_ops = {
    .type = "github-repo",
    .put = github_put,
    .open = github_open,
    .open_range = github_open_range,
    .remove = github_remove,
    .remove_unreferenced = github_remove_unreferenced,
    .check_remove = github_check_remove,
    .exists = github_exists,
    .public_url = github_public_url,
    .destroy = github_destroy,
};

/* ---- browse (§12.1) --------------------------------------------------------------------- */

typedef struct browse_walk {
    storage *backend;
    const storage_github_browse_query *query;
    json_t *items; /* every entry found */
} browse_walk;

static json_t *browse_item(const github_state *state, const json_t *entry)
{
    const char *name = json_text(entry, "name");
    const char *path = json_text(entry, "path");
    const char *type = json_text(entry, "type");
    if (!name || !path || !type)
        return NULL;
    bool is_dir = !strcmp(type, "dir");
    const json_t *size = json_object_get(entry, "size");
    const char *sha = json_text(entry, "sha");
    char *url = is_dir ? NULL : public_url_of_path(state, path);
    json_t *item = json_pack("{s:s, s:s, s:s, s:b, s:b, s:O?, s:s?, s:s?}", "name", name, "path",
                             github_path_relative(state->base_path, path), "type",
                             is_dir ? "dir" : "file", "isDirectory", is_dir, "isFile", !is_dir,
                             "size", is_dir ? NULL : size, "sha", sha, "publicUrl", url);
    free(url);
    return item;
}

/* List one directory (depth 1 = the requested one) and, when recursive, its subdirectories
 * while depth < max_depth: one API call per directory. */
static int browse_directory(browse_walk *walk, const char *path, int depth, nh_error *err)
{
    const github_state *state = state_of(walk->backend);
    char what[GITHUB_PATH_SIZE + 16];
    snprintf(what, sizeof what, "listing %s", path[0] ? path : "/");
    json_t *listing = NULL;
    if (get_contents(walk->backend, path, "storage_provider_directory_list_failed", what, &listing,
                     err) != 0)
        return -1;
    if (!listing)
        return error_set(err, 404, "storage_provider_directory_not_found",
                         "The directory '%s' was not found in GitHub storage '%s'.",
                         github_path_relative(state->base_path, path), label_of(walk->backend));
    if (!json_is_array(listing)) {
        json_decref(listing);
        return error_set(err, 400, "storage_provider_directory_expected",
                         "'%s' is a file, not a directory.",
                         github_path_relative(state->base_path, path));
    }
    int rc = 0;
    size_t index;
    json_t *entry;
    json_array_foreach(listing, index, entry)
    {
        if (json_array_size(walk->items) >= GITHUB_BROWSE_ENTRY_CAP) {
            rc = error_set(err, 400, "storage_provider_directory_too_large",
                           "The listing has more than %d entries; browse a subdirectory or a "
                           "smaller depth.",
                           GITHUB_BROWSE_ENTRY_CAP);
            break;
        }
        json_t *item = browse_item(state, entry);
        if (!item)
            continue;
        json_array_append_new(walk->items, item);
        const char *entry_path = json_text(entry, "path");
        if (walk->query->recursive && depth < walk->query->max_depth &&
            json_is_true(json_object_get(item, "isDirectory")) &&
            browse_directory(walk, entry_path, depth + 1, err) != 0) {
            rc = -1;
            break;
        }
    }
    json_decref(listing);
    return rc;
}

static int compare_items(const void *left, const void *right)
{
    const json_t *a = *(json_t *const *)left;
    const json_t *b = *(json_t *const *)right;
    bool a_dir = json_is_true(json_object_get(a, "isDirectory"));
    bool b_dir = json_is_true(json_object_get(b, "isDirectory"));
    if (a_dir != b_dir)
        return a_dir ? -1 : 1;
    int by_name = strcasecmp(json_text(a, "name"), json_text(b, "name"));
    if (by_name)
        return by_name;
    return strcasecmp(json_text(a, "path"), json_text(b, "path"));
}

static bool item_matches(const json_t *item, const storage_github_browse_query *query)
{
    bool is_dir = json_is_true(json_object_get(item, "isDirectory"));
    if (query->type && !strcmp(query->type, "file") && is_dir)
        return false;
    if (query->type && !strcmp(query->type, "dir") && !is_dir)
        return false;
    if (!query->keyword || !query->keyword[0])
        return true;
    return strcasestr(json_text(item, "name"), query->keyword) ||
           strcasestr(json_text(item, "path"), query->keyword);
}

/* Sort, filter and page the items into the response. */
static json_t *browse_result(const github_state *state, const storage_github_browse_query *query,
                             const char *requested, json_t *items)
{
    size_t count = json_array_size(items);
    json_t **sorted = malloc((count ? count : 1) * sizeof *sorted);
    if (!sorted)
        return NULL;
    for (size_t i = 0; i < count; i++)
        sorted[i] = json_array_get(items, i);
    qsort(sorted, count, sizeof *sorted, compare_items);
    json_t *page = json_array();
    size_t total = 0;
    size_t first = (size_t)(query->page - 1) * (size_t)query->page_size;
    for (size_t i = 0; page && i < count; i++) {
        if (!item_matches(sorted[i], query))
            continue;
        if (total >= first && total < first + (size_t)query->page_size)
            json_array_append(page, sorted[i]);
        total++;
    }
    free(sorted);
    const char *type = query->type ? query->type : "all";
    return page ? json_pack("{s:s, s:b, s:i, s:s, s:s?, s:I, s:i, s:i, s:b, s:s, s:b, s:o}",
                            "requestedPath", requested, "recursive", query->recursive, "maxDepth",
                            query->max_depth, "type", type, "keyword",
                            query->keyword && query->keyword[0] ? query->keyword : NULL, "total",
                            (json_int_t)total, "page", query->page, "pageSize", query->page_size,
                            "hasMore", first + (size_t)query->page_size < total, "visibilityPolicy",
                            state->private_token ? "private-token" : "public-only",
                            "usesControlledRead", state->private_token, "items", page)
                : NULL;
}

int storage_github_browse(storage *backend, const storage_github_browse_query *query,
                          json_t **result, nh_error *err)
{
    *result = NULL;
    if (!storage_github_is(backend))
        return error_internal(err);
    const github_state *state = state_of(backend);
    char relative[GITHUB_PATH_SIZE];
    char path[GITHUB_PATH_SIZE];
    if (github_path_normalize(query->path ? query->path : "", true, relative, sizeof relative) !=
            0 ||
        github_path_join(state->base_path, relative, path, sizeof path) != 0)
        return error_set(err, 400, "storage_provider_relative_path_invalid",
                         "The path is not a valid repository path.");
    char *requested = text_trimmed_copy(query->path ? query->path : "");
    browse_walk walk = {backend, query, json_array()};
    int rc = requested && walk.items ? browse_directory(&walk, path, 1, err) : error_internal(err);
    if (rc == 0 && !(*result = browse_result(state, query, requested, walk.items)))
        rc = error_internal(err);
    json_decref(walk.items);
    free(requested);
    return rc;
}

/* ---- upsert (§12.2) --------------------------------------------------------------------- */

/* The current sha of path (NULL when the file does not exist; malloc'ed). */
static int current_sha(const storage *backend, const char *path, const char *what, char **sha,
                       nh_error *err)
{
    *sha = NULL;
    json_t *contents = NULL;
    if (get_contents(backend, path, "storage_provider_upsert_failed", what, &contents, err) != 0)
        return -1;
    if (!contents)
        return 0;
    const char *type = json_is_object(contents) ? json_text(contents, "type") : NULL;
    const char *found = json_text(contents, "sha");
    int rc = 0;
    if (!type || strcmp(type, "file") != 0 || !found)
        rc = error_set(err, 400, "storage_provider_file_expected",
                       "'%s' is not a file in the repository.",
                       github_path_relative(state_of(backend)->base_path, path));
    else if (!(*sha = strdup(found)))
        rc = error_internal(err);
    json_decref(contents);
    return rc;
}

static int check_expected_sha(const char *expected, const char *sha, const char *relative,
                              nh_error *err)
{
    if (!expected || !expected[0])
        return 0;
    if (!sha)
        return error_set(err, 409, "storage_provider_upsert_expected_sha_target_missing",
                         "'%s' does not exist, but an expected sha was given.", relative);
    if (strcasecmp(expected, sha) != 0)
        return error_set(err, 409, "storage_provider_upsert_expected_sha_conflict",
                         "'%s' has changed: its sha is %s, not the expected %s.", relative, sha,
                         expected);
    return 0;
}

/* The PUT answer of an upsert: 0 with *new_sha (malloc'ed), or -1. A 409 (the sha we sent is
 * no longer the file's) or a 422 after sending no sha (the file appeared meanwhile) is the race
 * between our read and our write: 409 storage_provider_upsert_conflict. */
static int upsert_answer(const storage *backend, const remote_http_response *response,
                         bool sent_sha, const char *relative, const char *what, char **new_sha,
                         nh_error *err)
{
    *new_sha = NULL;
    if (response->status == 409 || (response->status == 422 && !sent_sha)) {
        char detail[GITHUB_DETAIL_MAX + 8];
        github_detail(state_of(backend), response, detail, sizeof detail);
        return error_set(err, 409, "storage_provider_upsert_conflict",
                         "'%s' was changed by someone else while it was written; read it again "
                         "and retry (GitHub: %s).",
                         relative, detail);
    }
    if (response->status != 200 && response->status != 201)
        return github_refusal(backend, response, "storage_provider_upsert_failed", what, err);
    json_t *result = parse_result(response);
    const char *sha = json_text(json_object_get(result, "content"), "sha");
    int rc = 0;
    if (!sha)
        rc = error_set(err, 502, "storage_provider_upsert_result_invalid",
                       "GitHub storage '%s' gave no sha for the written file '%s'.",
                       label_of(backend), relative);
    else if (!(*new_sha = strdup(sha)))
        rc = error_internal(err);
    json_decref(result);
    return rc;
}

/* The §12.2 response object without profileId. */
static json_t *upsert_result(const github_state *state, const char *relative, const char *full,
                             bool updated, size_t size, const char *new_sha)
{
    char *url = public_url_of_path(state, full);
    json_t *result =
        json_pack("{s:s, s:s, s:I, s:s, s:s, s:b, s:s?}", "path", relative, "operation",
                  updated ? "updated" : "created", "size", (json_int_t)size, "sha", new_sha,
                  "visibilityPolicy", state->private_token ? "private-token" : "public-only",
                  "usesControlledRead", state->private_token, "publicUrl", url);
    free(url);
    return result;
}

/* PUT the bytes over the file whose sha we read (NULL: create); *new_sha (malloc'ed). */
static int upsert_write(const storage *backend, const char *full, const char *relative,
                        const char *sha, const char *commit_message, const unsigned char *bytes,
                        size_t size, char **new_sha, nh_error *err)
{
    *new_sha = NULL;
    char what[GITHUB_PATH_SIZE + 16];
    snprintf(what, sizeof what, "writing %s", full);
    char *message =
        github_commit_message(commit_message, NULL, sha ? "update" : "create", relative);
    if (!message)
        return error_internal(err);
    github_write write_request = {full, message, sha, {-1, bytes, size}};
    remote_http_response response;
    int rc = put_contents(backend, &write_request, what, &response, err);
    if (rc == 0)
        rc = upsert_answer(backend, &response, sha != NULL, relative, what, new_sha, err);
    remote_http_response_free(&response);
    free(message);
    return rc;
}

int storage_github_upsert(storage *backend, const char *path, const unsigned char *bytes,
                          size_t size, const char *commit_message, const char *expected_sha,
                          json_t **result, nh_error *err)
{
    *result = NULL;
    if (!storage_github_is(backend))
        return error_internal(err);
    const github_state *state = state_of(backend);
    char relative[GITHUB_PATH_SIZE];
    char full[GITHUB_PATH_SIZE];
    if (!path || github_path_normalize(path, false, relative, sizeof relative) != 0 ||
        github_path_join(state->base_path, relative, full, sizeof full) != 0)
        return error_set(err, 400, "storage_provider_relative_path_invalid",
                         "The path is not a valid repository path.");
    char what[GITHUB_PATH_SIZE + 16];
    snprintf(what, sizeof what, "reading %s", full);
    char *sha = NULL;
    if (current_sha(backend, full, what, &sha, err) != 0)
        return -1;
    char *new_sha = NULL;
    int rc = check_expected_sha(expected_sha, sha, relative, err);
    if (rc == 0)
        rc = upsert_write(backend, full, relative, sha, commit_message, bytes, size, &new_sha, err);
    if (rc == 0 && !(*result = upsert_result(state, relative, full, sha != NULL, size, new_sha)))
        rc = error_internal(err);
    free(new_sha);
    free(sha);
    return rc;
}
