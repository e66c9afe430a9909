/* provider_ops.c - what the providers feature does with a profile's storage (see providers.h):
 * test connection, and the GitHub repository browse and upsert behind the §12 profile gate. */
#include <errno.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/json_input.h"
#include "core/log.h"
#include "core/text.h"
#include "core/uuid.h"
#include "providers/providers.h"
#include "storage/github.h"
#include "storage/github_paths.h"
#include "storage/profile_store.h"

#define PROBE_PREFIX "NekoHub storage connection test "

/* The profile row id (0 or 404) on its own connection; *rows owned by the caller. */
static int load_profile(providers_service *service, const char *id, db_result **rows,
                        profile_record *out, nh_error *err)
{
    *rows = NULL;
    db_conn *conn = db_acquire(service->database, err);
    if (!conn)
        return -1;
    int rc = profile_store_find(conn, id, rows, err);
    db_release(service->database, conn);
    if (rc != 0)
        return -1;
    if (db_result_rows(*rows) == 0)
        return error_set(err, 404, "storage_provider_profile_not_found",
                         "Storage provider profile '%s' was not found.", id);
    profile_record_from_row(*rows, 0, out);
    return 0;
}

/* ---- redaction --------------------------------------------------------------------------- */

/* A backend's error message without any secret value of the profile. */
static void redact(char *message, const json_t *secret)
{
    const char *key;
    const json_t *value;
    json_object_foreach((json_t *)secret, key, value)
    {
        if (json_is_string(value))
            text_redact(message, json_string_value(value));
    }
}

/* ---- test connection --------------------------------------------------------------------- */

typedef struct probe_run {
    json_t *steps;
    const json_t *secret; /* for redaction; may be NULL */
    bool all_passed;
} probe_run;

static int64_t monotonic_ms(int64_t started_ns)
{
    return (clock_monotonic_ns() - started_ns) / 1000000;
}

static void record_step(probe_run *run, const char *name, int rc, int64_t started_ns,
                        const nh_error *failure, const char *detail)
{
    json_t *step = json_pack("{s:s, s:b, s:I}", "name", name, "succeeded", rc == 0, "latencyMs",
                             (json_int_t)monotonic_ms(started_ns));
    if (!step)
        return;
    if (rc != 0) {
        char message[sizeof failure->message];
        snprintf(message, sizeof message, "%s", detail ? detail : failure->message);
        redact(message, run->secret);
        json_object_set_new(step, "errorCode",
                            json_string(detail ? "probe_mismatch" : failure->code));
        json_object_set_new(step, "errorMessage", json_string(message));
        json_object_set_new(step, "status", json_integer(detail ? 0 : failure->status));
        run->all_passed = false;
    }
    json_array_append_new(run->steps, step);
}

/* A small probe file in DATA_DIR/tmp (probe-XXXXXX; the upload sweep leaves it alone). */
static int write_probe_file(const char *data_dir, const char *text, char path[PATH_MAX])
{
    if (snprintf(path, PATH_MAX, "%s/tmp/probe-XXXXXX", data_dir) >= PATH_MAX)
        return -1;
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    size_t length = strlen(text);
    if (write(fd, text, length) != (ssize_t)length || lseek(fd, 0, SEEK_SET) != 0) {
        close(fd);
        unlink(path);
        return -1;
    }
    return fd;
}

static void sha256_hex(const char *text, char out[65])
{
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, (const unsigned char *)text, strlen(text));
    sodium_bin2hex(out, 65, digest, sizeof digest);
}

static int probe_write(providers_service *service, storage *backend, const char *text,
                       char key[STORAGE_KEY_SIZE], nh_error *err)
{
    char path[PATH_MAX];
    int fd = write_probe_file(service->cfg->data_dir, text, path);
    if (fd < 0)
        return error_set(err, 500, "internal_server_error", "the probe file cannot be written");
    char id[UUID_TEXT_SIZE];
    int64_t now = clock_now_ms();
    uuid_v7_at(now, id);
    char proposed[STORAGE_KEY_SIZE];
    char hex[65];
    sha256_hex(text, hex);
    int rc = storage_key_generate(now, id, ".txt", proposed, sizeof proposed);
    storage_put_request request = {.key = proposed,
                                   .source_path = path,
                                   .source_fd = fd,
                                   .size = strlen(text),
                                   .content_type = "text/plain",
                                   .commit_message = "chore(nekohub): connection test",
                                   .sha256_hex = hex};
    rc = rc == 0 ? storage_put(backend, &request, key, err) : error_internal(err);
    close(fd);
    unlink(path);
    return rc;
}

/* Read the probe back: 0 when the bytes are the same; *mismatch set when they differ. */
static int probe_read(storage *backend, const char *key, const char *text, bool *mismatch,
                      nh_error *err)
{
    *mismatch = false;
    storage_object object;
    int rc = storage_open(backend, key, &object, err);
    if (rc == STORAGE_NOT_FOUND)
        return error_set(err, 502, "storage_provider_read_failed",
                         "The probe object was not found after writing it.");
    if (rc != 0)
        return -1;
    size_t length = strlen(text);
    char *bytes = malloc(length + 1);
    ssize_t got = bytes && object.size == length ? pread(object.fd, bytes, length, 0) : -1;
    *mismatch = got != (ssize_t)length || memcmp(bytes, text, length) != 0;
    free(bytes);
    close(object.fd);
    return *mismatch ? -1 : 0;
}

static void run_probe(providers_service *service, storage *backend, probe_run *run)
{
    char text[128];
    char id[UUID_TEXT_SIZE];
    uuid_v7(id);
    snprintf(text, sizeof text, PROBE_PREFIX "%s\n", id);
    char key[STORAGE_KEY_SIZE] = "";
    nh_error failure;
    int64_t started = clock_monotonic_ns();
    int rc = probe_write(service, backend, text, key, &failure);
    record_step(run, "write", rc, started, &failure, NULL);
    if (rc != 0)
        return;
    started = clock_monotonic_ns();
    bool mismatch = false;
    rc = probe_read(backend, key, text, &mismatch, &failure);
    record_step(run, "read", rc, started, &failure,
                mismatch ? "The probe object read back differs from what was written." : NULL);
    started = clock_monotonic_ns();
    /* the probe is our own object: it goes even where deletes are refused (GitHub allowDelete) */
    rc = storage_remove_unreferenced(backend, key, "chore(nekohub): connection test", &failure);
    record_step(run, "delete", rc, started, &failure, NULL);
}

int providers_test(providers_service *service, const audit_actor *actor, const char *id,
                   json_t **out, nh_error *err)
{
    (void)actor;
    *out = NULL;
    db_result *rows = NULL;
    profile_record profile;
    if (load_profile(service, id, &rows, &profile, err) != 0) {
        db_result_free(rows);
        return -1;
    }
    probe_run run = {json_array(), NULL, true};
    json_t *secret = NULL;
    nh_error failure;
    int64_t started = clock_monotonic_ns();
    storage_target target;
    memset(&target, 0, sizeof target);
    int rc = profile_open_secret(service->box, &profile, &secret, &failure);
    run.secret = secret;
    if (rc == 0)
        rc = storage_service_open_profile(service->storage, &profile, true, &target, &failure);
    record_step(&run, "open", rc, started, &failure, NULL);
    if (rc == 0)
        run_probe(service, target.backend, &run);
    storage_target_release(&target);
    *out = json_pack("{s:s, s:s, s:s, s:b, s:o}", "profileId", profile.id, "name", profile.name,
                     "providerType", profile.provider_type, "succeeded", run.all_passed, "steps",
                     run.steps);
    json_decref(secret);
    db_result_free(rows);
    return *out ? 0 : error_internal(err);
}

/* ---- the §12 profile gate ---------------------------------------------------------------- */

/* §12's gate: an enabled github-repo profile whose stored configuration still validates. On
 * success *rows holds the profile row (profile borrows it; caller frees) and *secret_out its
 * opened secret (for redaction). */
static int github_gate(providers_service *service, const char *id, db_result **rows,
                       profile_record *out, json_t **secret_out, nh_error *err)
{
    *secret_out = NULL;
    profile_record profile;
    int rc = load_profile(service, id, rows, &profile, err);
    if (rc == 0 && !profile.is_enabled)
        rc = error_set(err, 400, "storage_provider_profile_disabled",
                       "Storage provider profile '%s' is disabled.", profile.name);
    if (rc == 0 && strcmp(profile.provider_type, PROFILE_TYPE_GITHUB_REPO) != 0)
        rc = error_set(err, 400, "storage_provider_profile_provider_type_mismatch",
                       "Storage provider profile '%s' is not a github-repo profile.", profile.name);
    json_t *configuration = NULL;
    json_t *normalized = NULL;
    json_t *normalized_secret = NULL;
    if (rc == 0)
        rc = profile_open_secret(service->box, &profile, secret_out, err);
    if (rc == 0) {
        json_error_t parse_error;
        configuration = json_loads(profile.configuration_json, 0, &parse_error);
        rc = profile_config_normalize(profile.provider_type, configuration, *secret_out,
                                      &service->rules, &normalized, &normalized_secret, err);
    }
    json_decref(configuration);
    json_decref(normalized);
    json_decref(normalized_secret);
    *out = profile;
    return rc == 0 ? 0 : -1;
}

/* The response of the backend with profileId first. */
static json_t *with_profile_id(const char *id, json_t *result)
{
    json_t *out = json_pack("{s:s}", "profileId", id);
    if (out && json_object_update(out, result) != 0) {
        json_decref(out);
        out = NULL;
    }
    json_decref(result);
    return out;
}

/* ---- browse ------------------------------------------------------------------------------ */

/* A caller's relative path: trimmed, '\' → '/', outer slashes stripped; no empty, '.' or '..'
 * segments. out gets "" for the root. */
static int relative_path(const char *raw, char *out, size_t size, bool required, nh_error *err)
{
    if (github_path_normalize(raw ? raw : "", !required, out, size) == 0)
        return 0;
    return error_set(err, 400, "storage_provider_relative_path_invalid",
                     "The path must be relative, without empty, '.' or '..' segments.");
}

/* An integer query parameter: fallback when absent; *valid false when not an integer. */
static bool parse_int(const char *text, int fallback, int *out)
{
    *out = fallback;
    if (!text || text_is_blank(text))
        return true;
    char *end = NULL;
    errno = 0;
    long value = strtol(text, &end, 10);
    while (end && (*end == ' ' || *end == '\t'))
        end++;
    if (errno != 0 || end == text || *end != '\0' || value < INT_MIN || value > INT_MAX)
        return false;
    *out = (int)value;
    return true;
}

typedef struct browse_query {
    char path[STORAGE_KEY_SIZE];
    char type[8];
    char *keyword;
    storage_github_browse_query query;
} browse_query;

static int parse_browse(const providers_browse_request *r, browse_query *b, nh_error *err)
{
    memset(b, 0, sizeof *b);
    if (relative_path(r->path, b->path, sizeof b->path, false, err) != 0)
        return -1;
    bool recursive = false;
    if (r->recursive && !text_is_blank(r->recursive)) {
        if (strcasecmp(r->recursive, "true") == 0)
            recursive = true;
        else if (strcasecmp(r->recursive, "false") != 0)
            return error_set(err, 400, "request_invalid", "recursive must be true or false.");
    }
    int depth = 2, page = 1, page_size = 50;
    if (!parse_int(r->max_depth, 2, &depth) || depth < 1 || depth > PROVIDERS_BROWSE_MAX_DEPTH)
        return error_set(err, 400, "storage_provider_directory_depth_invalid",
                         "maxDepth must be from 1 to %d.", PROVIDERS_BROWSE_MAX_DEPTH);
    const char *type = r->type && !text_is_blank(r->type) ? r->type : "all";
    if (strcasecmp(type, "all") != 0 && strcasecmp(type, "file") != 0 &&
        strcasecmp(type, "dir") != 0)
        return error_set(err, 400, "storage_provider_directory_type_invalid",
                         "type must be all, file or dir.");
    for (size_t i = 0; i < sizeof b->type - 1 && type[i]; i++)
        b->type[i] = (char)(type[i] | 0x20);
    if (!parse_int(r->page, 1, &page) || page < 1)
        return error_set(err, 400, "storage_provider_directory_page_invalid",
                         "page must be 1 or more.");
    if (!parse_int(r->page_size, 50, &page_size) || page_size < 1 || page_size > 200)
        return error_set(err, 400, "storage_provider_directory_page_size_invalid",
                         "pageSize must be from 1 to 200.");
    if (r->keyword && !text_is_blank(r->keyword)) {
        b->keyword = text_trimmed_copy(r->keyword);
        if (!b->keyword)
            return error_internal(err);
    }
    b->query = (storage_github_browse_query){.path = b->path,
                                             .recursive = recursive,
                                             .max_depth = depth,
                                             .type = b->type,
                                             .keyword = b->keyword,
                                             .page = page,
                                             .page_size = page_size};
    return 0;
}

int providers_github_browse(providers_service *service, const char *id,
                            const providers_browse_request *request, json_t **out, nh_error *err)
{
    *out = NULL;
    storage_target target;
    memset(&target, 0, sizeof target);
    json_t *secret = NULL;
    db_result *rows = NULL;
    profile_record profile;
    browse_query b;
    memset(&b, 0, sizeof b);
    int rc = github_gate(service, id, &rows, &profile, &secret, err);
    if (rc == 0)
        rc = parse_browse(request, &b, err);
    if (rc == 0)
        rc = storage_service_open_profile(service->storage, &profile, true, &target, err);
    json_t *result = NULL;
    if (rc == 0)
        rc = storage_github_browse(target.backend, &b.query, &result, err);
    db_result_free(rows);
    if (rc != 0)
        redact(err->message, secret);
    storage_target_release(&target);
    json_decref(secret);
    free(b.keyword);
    if (rc != 0) {
        json_decref(result);
        return -1;
    }
    *out = with_profile_id(id, result);
    return *out ? 0 : error_internal(err);
}

/* ---- upsert ------------------------------------------------------------------------------ */

typedef struct upsert_body {
    char path[STORAGE_KEY_SIZE];
    unsigned char *bytes;
    size_t size;
    const char *commit_message;
    const char *expected_sha;
} upsert_body;

static const char *string_member(const json_t *body, const char *name, bool *wrong_type)
{
    const json_t *value = json_input_get(body, name);
    if (value && !json_is_null(value) && !json_is_string(value))
        *wrong_type = true;
    return json_string_value(value);
}

static int decode_content(const char *base64, upsert_body *b, nh_error *err)
{
    size_t length = strlen(base64);
    b->bytes = malloc(length / 4 * 3 + 3);
    if (!b->bytes)
        return error_internal(err);
    const char *end = NULL;
    if (sodium_base642bin(b->bytes, length / 4 * 3 + 3, base64, length, " \r\n\t", &b->size, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        (end && *end != '\0'))
        return error_set(err, 400, "storage_provider_upsert_content_base64_invalid",
                         "contentBase64 is not valid base64.");
    if (b->size == 0)
        return error_set(err, 400, "storage_provider_upsert_content_empty",
                         "contentBase64 decodes to no bytes.");
    return 0;
}

static int parse_upsert(const json_t *body, upsert_body *b, nh_error *err)
{
    memset(b, 0, sizeof *b);
    if (!json_is_object(body))
        return error_set(err, 400, "request_invalid", "A JSON object body is required.");
    bool wrong_type = false;
    const char *path = string_member(body, "path", &wrong_type);
    const char *content = string_member(body, "contentBase64", &wrong_type);
    b->commit_message = string_member(body, "commitMessage", &wrong_type);
    b->expected_sha = string_member(body, "expectedSha", &wrong_type);
    if (wrong_type)
        return error_set(err, 400, "request_invalid",
                         "path, contentBase64, commitMessage and expectedSha must be strings.");
    if (text_is_blank(path))
        return error_set(err, 400, "storage_provider_upsert_path_required", "path is required.");
    if (relative_path(path, b->path, sizeof b->path, true, err) != 0)
        return -1;
    if (text_is_blank(content))
        return error_set(err, 400, "storage_provider_upsert_content_required",
                         "contentBase64 is required.");
    if (text_is_blank(b->commit_message))
        b->commit_message = NULL;
    if (text_is_blank(b->expected_sha))
        b->expected_sha = NULL;
    return decode_content(content, b, err);
}

static int audit_upsert(providers_service *service, const audit_actor *actor, const char *id,
                        const json_t *result, nh_error *err)
{
    db_conn *conn = db_acquire(service->database, err);
    if (!conn)
        return -1;
    json_t *changes = json_object();
    audit_change(changes, "path", json_null(), json_incref(json_object_get(result, "path")));
    audit_change(changes, "sha", json_null(), json_incref(json_object_get(result, "sha")));
    audit_entry entry = {.action = "storage_provider.github_upsert",
                         .target_type = "storage_provider",
                         .target_id = id,
                         .target_name = json_string_value(json_object_get(result, "path")),
                         .changes = changes};
    int rc = changes ? audit_record(conn, actor, &entry, err) : error_internal(err);
    json_decref(changes);
    db_release(service->database, conn);
    return rc;
}

int providers_github_upsert(providers_service *service, const audit_actor *actor, const char *id,
                            const json_t *body, json_t **out, nh_error *err)
{
    *out = NULL;
    storage_target target;
    memset(&target, 0, sizeof target);
    json_t *secret = NULL;
    db_result *rows = NULL;
    profile_record profile;
    upsert_body b;
    memset(&b, 0, sizeof b);
    int rc = github_gate(service, id, &rows, &profile, &secret, err);
    if (rc == 0)
        rc = parse_upsert(body, &b, err);
    if (rc == 0)
        rc = storage_service_open_profile(service->storage, &profile, true, &target, err);
    db_result_free(rows);
    json_t *result = NULL;
    if (rc == 0)
        rc = storage_github_upsert(target.backend, b.path, b.bytes, b.size, b.commit_message,
                                   b.expected_sha, &result, err);
    if (rc != 0)
        redact(err->message, secret);
    storage_target_release(&target);
    json_decref(secret);
    free(b.bytes);
    if (rc == 0)
        rc = audit_upsert(service, actor, id, result, err);
    if (rc != 0) {
        json_decref(result);
        return -1;
    }
    *out = with_profile_id(id, result);
    return *out ? 0 : error_internal(err);
}
