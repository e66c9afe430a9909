/* github.c - the GitHub repository storage backend on the contents API (see github.h; spec
 * storage-providers.md §11.3 and §12 with the corrections of issue 10).
 *
 * This file: the configuration and the storage ops. Requests, answers and spool files are in
 * github_client.c; browse and upsert in github_repo.c. Every request carries Accept,
 * User-Agent and X-GitHub-Api-Version; the token goes only to the API base URL's origin (never
 * to raw URLs; to a download_url only when it is on that origin). Writes stream: the PUT body
 * (JSON with the base64 content) is built chunk by chunk in an unlinked temporary file in the
 * spool directory and sent from there. Reads stream into an unlinked temporary file too: raw
 * and download_url bodies go straight to it, and the inline base64 content of the contents API
 * (GitHub inlines files up to 1 MB; the answer is capped at GITHUB_CONTENTS_LIMIT) is decoded
 * to it in 3 KiB chunks. */
#include "storage/github.h"

#include <curl/curl.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "core/text.h"
#include "storage/github_client.h"
#include "storage/github_paths.h"
#include "storage/remote_http.h"

static const storage_ops github_ops;

/* ---- configuration ---------------------------------------------------------------------- */

static int config_refuse(const char *label, const char *what, nh_error *err)
{
    log_message(LOG_ERROR, "storage_github", "GitHub storage '%s': %s", label, what);
    return error_set(err, 500, "storage_provider_configuration_invalid", "GitHub storage '%s': %s",
                     label, what);
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
    const char *owner = github_json_text(configuration, "owner");
    const char *repo = github_json_text(configuration, "repo");
    const char *ref = github_json_text(configuration, "ref");
    if (!github_name_is_valid(owner))
        return config_refuse(label, "owner is missing or not a GitHub name", err);
    if (!github_name_is_valid(repo))
        return config_refuse(label, "repo is missing or not a GitHub name", err);
    state->ref = ref ? text_trimmed_copy(ref) : NULL;
    if (!github_ref_is_valid(state->ref))
        return config_refuse(
            label,
            "ref is missing or contains spaces, backslashes, control characters, '..' or "
            "segments that are empty or start with '.'",
            err);
    state->owner = strdup(owner);
    state->repo = strdup(repo);
    return state->owner && state->repo ? 0 : error_internal(err);
}

static int read_paths(github_state *state, const json_t *configuration, const char *label,
                      nh_error *err)
{
    const char *base_path = github_json_text(configuration, "basePath");
    char normalized[GITHUB_PATH_SIZE];
    if (base_path && github_path_normalize(base_path, true, normalized, sizeof normalized) != 0)
        return config_refuse(label, "basePath has an empty, '.' or '..' segment", err);
    if (base_path && normalized[0] && !(state->base_path = strdup(normalized)))
        return error_internal(err);
    state->api_base =
        base_url(github_json_text(configuration, "apiBaseUrl"), "https://api.github.com");
    state->raw_base = base_url(github_json_text(configuration, "rawBaseUrl"),
                               "https://raw.githubusercontent.com");
    if (!state->api_base || !state->raw_base)
        return config_refuse(label, "apiBaseUrl and rawBaseUrl must be absolute http(s) URLs", err);
    state->api_origin = origin_of(state->api_base);
    return state->api_origin ? 0 : error_internal(err);
}

static int read_policy(github_state *state, const json_t *configuration, const json_t *secret,
                       const char *label, nh_error *err)
{
    const char *policy = github_json_text(configuration, "visibilityPolicy");
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
    const char *template_text = github_json_text(configuration, "commitMessageTemplate");
    if (template_text && !text_is_blank(template_text) &&
        !(state->commit_template = strdup(template_text)))
        return error_internal(err);
    const char *token = github_json_text(secret, "token");
    if (token && !text_is_blank(token)) {
        if (!(state->token = text_trimmed_copy(token)))
            return error_internal(err);
        if (strlen(state->token) < 8 || text_has_control(state->token))
            return config_refuse(label,
                                 "token is shorter than 8 characters or has control "
                                 "characters",
                                 err);
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
    const github_state *state = github_state_of(backend);
    char path[GITHUB_PATH_SIZE];
    if (github_path_join(state->base_path, request->key, path, sizeof path) != 0)
        return error_set(err, 400, "storage_provider_storage_key_invalid",
                         "The storage key is too long for GitHub storage '%s'.",
                         github_label(backend));
    char *message = github_commit_message(request->commit_message, state->commit_template, "upload",
                                          request->key);
    if (!message)
        return error_internal(err);
    char what[GITHUB_PATH_SIZE + 16];
    snprintf(what, sizeof what, "storing %s", path);
    github_write write_request = {path, message, NULL, {request->source_fd, NULL, request->size}};
    remote_http_response response;
    int rc = github_put_contents(backend, &write_request, what, &response, err);
    free(message);
    if (rc == 0 && response.status != 201 && response.status != 200)
        rc = github_refusal(backend, &response, "storage_provider_upsert_failed", what, err);
    if (rc == 0) {
        json_t *result = github_parse_result(&response);
        const char *stored = github_json_text(json_object_get(result, "content"), "path");
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
    if (github_rewind_file(descriptor) != 0)
        return github_spool_failure(backend, what, err);
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
    return github_write_all(*(int *)context, bytes, length);
}

/* The file described by a contents answer, into descriptor: inline base64 decoded chunk by
 * chunk, else its download_url fetched. 0, STORAGE_NOT_FOUND, or -1. */
static int contents_to_file(const storage *backend, const json_t *contents, int descriptor,
                            const char *what, int64_t *modified_ms, nh_error *err)
{
    const github_state *state = github_state_of(backend);
    if (!json_is_object(contents) ||
        strcmp(github_json_text(contents, "type") ? github_json_text(contents, "type") : "",
               "file") != 0)
        return STORAGE_NOT_FOUND; /* a directory, a symlink or a submodule is no stored object */
    const char *encoding = github_json_text(contents, "encoding");
    const char *content = github_json_text(contents, "content");
    json_int_t size = json_integer_value(json_object_get(contents, "size"));
    if (encoding && !strcmp(encoding, "base64") && content && (content[0] || size == 0)) {
        if (github_rewind_file(descriptor) != 0)
            return github_spool_failure(backend, what, err);
        uint64_t decoded = 0;
        if (github_base64_decode_chunked(content, strlen(content), write_decoded, &descriptor,
                                         &decoded) != 0 ||
            decoded != (uint64_t)size)
            return error_set(err, 502, "storage_provider_read_failed",
                             "GitHub storage '%s' sent unreadable content while %s",
                             github_label(backend), what);
        *modified_ms = 0;
        return 0;
    }
    const char *download_url = github_json_text(contents, "download_url");
    if (!download_url || strncasecmp(download_url, "http", 4) != 0)
        return error_set(err, 502, "storage_provider_read_failed",
                         "GitHub storage '%s' sent neither content nor a download_url while %s",
                         github_label(backend), what);
    bool with_token = same_origin(download_url, state->api_origin);
    return fetch_to_file(backend, download_url, with_token, descriptor, what, modified_ms, err);
}

/* Read the object into descriptor: the raw URL first for public repositories read without a
 * token, then the contents API. 0, STORAGE_NOT_FOUND or -1. */
static int read_object(const storage *backend, const char *path, int descriptor, const char *what,
                       int64_t *modified_ms, nh_error *err)
{
    const github_state *state = github_state_of(backend);
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
    if (github_get_contents(backend, path, "storage_provider_read_failed", what, &contents, err) !=
        0)
        return -1;
    int rc = contents ? contents_to_file(backend, contents, descriptor, what, modified_ms, err)
                      : STORAGE_NOT_FOUND;
    json_decref(contents);
    return rc;
}

static int github_open(storage *backend, const char *key, storage_object *out, nh_error *err)
{
    const github_state *state = github_state_of(backend);
    char path[GITHUB_PATH_SIZE];
    if (path_of_key(state, key, path) != 0)
        return STORAGE_NOT_FOUND;
    char what[GITHUB_PATH_SIZE + 16];
    snprintf(what, sizeof what, "reading %s", path);
    int descriptor = remote_http_spool_open(state->spool_dir);
    if (descriptor < 0)
        return github_spool_failure(backend, what, err);
    int64_t modified_ms = 0;
    int rc = read_object(backend, path, descriptor, what, &modified_ms, err);
    struct stat info;
    if (rc == 0 && (fstat(descriptor, &info) != 0 || lseek(descriptor, 0, SEEK_SET) != 0))
        rc = github_spool_failure(backend, what, err);
    if (rc != 0) {
        close(descriptor);
        return rc;
    }
    out->fd = descriptor;
    out->size = (uint64_t)info.st_size;
    out->modified_ms = modified_ms;
    return 0;
}

/* The contents API has no ranges: the whole object is spooled, then the range moved to the
 * file's start in place (remote_http_spool_keep_range). Offering open_range lets the delivery
 * answer 304/416 from the asset row without asking GitHub at all (and spend no rate limit on
 * revalidations). */
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
                         github_label(backend), key);
    }
    if ((offset != 0 || length != whole.size) &&
        (remote_http_spool_keep_range(whole.fd, offset, length) != 0 ||
         lseek(whole.fd, 0, SEEK_SET) != 0)) {
        close(whole.fd);
        return github_spool_failure(backend, "a range", err);
    }
    *out = whole;
    return 0;
}

static int github_check_remove(const storage *backend, nh_error *err)
{
    if (github_state_of(backend)->allow_delete)
        return 0;
    return error_set(err, 403, "storage_provider_delete_not_allowed",
                     "GitHub storage '%s' does not allow deletes (allowDelete is false); the "
                     "file stays in the repository.",
                     github_label(backend));
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
    const github_state *state = github_state_of(backend);
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
    const github_state *state = github_state_of(backend);
    char path[GITHUB_PATH_SIZE];
    if (path_of_key(state, key, path) != 0)
        return 0; /* cannot exist */
    char what[GITHUB_PATH_SIZE + 16];
    snprintf(what, sizeof what, "deleting %s", path);
    json_t *contents = NULL;
    if (github_get_contents(backend, path, "storage_provider_delete_failed", what, &contents,
                            err) != 0)
        return -1;
    if (!contents)
        return 0;
    const char *sha = json_is_object(contents) ? github_json_text(contents, "sha") : NULL;
    char *body = sha ? delete_body(state, commit_message, path, sha) : NULL;
    int rc;
    if (!sha)
        rc =
            error_set(err, 502, "storage_provider_delete_result_invalid",
                      "GitHub storage '%s' gave no file sha while %s", github_label(backend), what);
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
    const github_state *state = github_state_of(backend);
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
    const github_state *state = github_state_of(backend);
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
    if (github_get_contents(backend, path, "storage_provider_read_failed", what, &contents, err) !=
        0)
        return -1;
    const char *type = json_is_object(contents) ? github_json_text(contents, "type") : NULL;
    *exists = type && !strcmp(type, "file");
    json_decref(contents);
    return 0;
}

static char *github_public_url(const storage *backend, const char *global_base_url, const char *key)
{
    (void)global_base_url; /* never used for GitHub (§11.3) */
    const github_state *state = github_state_of(backend);
    char path[GITHUB_PATH_SIZE];
    if (path_of_key(state, key, path) != 0)
        return NULL;
    return github_public_url_of_path(state, path);
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
