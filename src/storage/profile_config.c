/* profile_config.c - per-type validation, normalization, summary and capabilities of storage
 * provider profiles (see profile_config.h). */
#include "storage/profile_config.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/text.h"
#include "storage/github_paths.h"
#include "storage/s3_request.h"

#define CODE_PREFIX "storage_provider_profile_"

/* ---- capabilities ----------------------------------------------------------------------- */

static const char *const capability_names[PROFILE_CAP_COUNT] = {
    "supportsPublicRead",
    "supportsPrivateRead",
    "supportsVisibilityToggle",
    "supportsDelete",
    "supportsDirectPublicUrl",
    "requiresAccessProxy",
    "recommendedForPrimaryStorage",
    "isPlatformBacked",
    "isExperimental",
    "requiresTokenForPrivateRead",
};

typedef struct catalog_row {
    const char *type;
    bool flags[PROFILE_CAP_COUNT];
} catalog_row;

static const catalog_row catalog[] = {
    {PROFILE_TYPE_LOCAL, {true, true, true, true, false, true, true, false, false, false}},
    {PROFILE_TYPE_S3, {true, true, true, true, true, false, true, false, false, false}},
    {PROFILE_TYPE_GITHUB_REPO, {true, true, false, true, true, true, false, true, true, true}},
    {PROFILE_TYPE_GITHUB_RELEASES,
     {true, false, false, false, true, false, false, true, true, false}},
};

const char *profile_capability_name(profile_capability flag)
{
    return flag < PROFILE_CAP_COUNT ? capability_names[flag] : "";
}

bool profile_capabilities_of(const char *type, profile_capabilities *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; type && i < sizeof catalog / sizeof catalog[0]; i++) {
        if (strcmp(catalog[i].type, type) == 0) {
            memcpy(out->flags, catalog[i].flags, sizeof out->flags);
            return true;
        }
    }
    return false;
}

json_t *profile_capabilities_json(const profile_capabilities *capabilities)
{
    json_t *object = json_object();
    for (int i = 0; object && i < PROFILE_CAP_COUNT; i++)
        json_object_set_new(object, capability_names[i], json_boolean(capabilities->flags[i]));
    return object;
}

bool profile_type_canonical(const char *type, char *out, size_t size)
{
    size_t start = 0;
    size_t end = 0;
    out[0] = '\0';
    if (!type)
        return true;
    text_trim_bounds(type, strlen(type), &start, &end);
    if (end - start >= size)
        return false;
    for (size_t i = start; i < end; i++)
        out[i - start] = (char)tolower((unsigned char)type[i]);
    out[end - start] = '\0';
    return true;
}

bool profile_type_is_known(const char *type)
{
    profile_capabilities ignored;
    return profile_capabilities_of(type, &ignored);
}

/* ---- small checks ----------------------------------------------------------------------- */

static int fail(nh_error *err, const char *code_suffix, const char *message)
{
    char code[96];
    snprintf(code, sizeof code, CODE_PREFIX "%s", code_suffix);
    return error_set(err, 400, code, "%s", message);
}

bool profile_url_is_http(const char *text)
{
    if (!text)
        return false;
    size_t scheme = 0;
    if (strncasecmp(text, "http://", 7) == 0)
        scheme = 7;
    else if (strncasecmp(text, "https://", 8) == 0)
        scheme = 8;
    else
        return false;
    const char *host = text + scheme;
    size_t host_length = strcspn(host, "/?#");
    /* no user:password@ (it would sit in the configuration, which every answer shows) */
    if (host_length == 0 || host[0] == ':' || memchr(host, '@', host_length))
        return false;
    for (size_t i = 0; text[i]; i++)
        if (isspace((unsigned char)text[i]) || (unsigned char)text[i] < 0x20)
            return false;
    return true;
}

/* The string value of key (case-sensitive): 0 with *out = NULL when absent or null, or a
 * trimmed malloc'ed copy; -1 (wrong type) with code_on_type. Blank strings give "". */
static int get_string(const json_t *object, const char *key, char **out, const char *type_code,
                      nh_error *err)
{
    *out = NULL;
    const json_t *value = object ? json_object_get(object, key) : NULL;
    if (!value || json_is_null(value))
        return 0;
    if (!json_is_string(value)) {
        char message[160];
        snprintf(message, sizeof message, "'%s' must be a string.", key);
        return fail(err, type_code, message);
    }
    *out = text_trimmed_copy(json_string_value(value));
    return *out ? 0 : error_internal(err);
}

/* A boolean key: fallback when absent or null; wrong type → configuration_invalid. */
static int get_bool(const json_t *object, const char *key, bool fallback, bool *out, nh_error *err)
{
    *out = fallback;
    const json_t *value = json_object_get(object, key);
    if (!value || json_is_null(value))
        return 0;
    if (!json_is_boolean(value)) {
        char message[160];
        snprintf(message, sizeof message, "'%s' must be true or false.", key);
        return fail(err, "configuration_invalid", message);
    }
    *out = json_is_true(value);
    return 0;
}

/* Turns "" into NULL (freeing it). */
static char *null_if_blank(char *text)
{
    if (text && text[0] == '\0') {
        free(text);
        return NULL;
    }
    return text;
}

/* basePath / assetPathPrefix: '\' → '/', outer slashes stripped; "//", ".", ".." segments are
 * refused; empty → NULL. Modifies and may free *path. */
static int normalize_prefix(char **path, nh_error *err)
{
    char normalized[GITHUB_PATH_SIZE];
    if (!*path)
        return 0;
    if (github_path_normalize(*path, true, normalized, sizeof normalized) != 0)
        return fail(err, "github_path_prefix_invalid",
                    "The path prefix must not contain empty, '.' or '..' segments or control "
                    "characters, and must fit 1024 bytes.");
    free(*path);
    *path = normalized[0] ? strdup(normalized) : NULL;
    return !normalized[0] || *path ? 0 : error_internal(err);
}

static void strip_trailing_slashes(char *url)
{
    size_t length = strlen(url);
    while (length > 0 && url[length - 1] == '/')
        url[--length] = '\0';
}

static void lower_ascii(char *text)
{
    for (char *c = text; c && *c; c++)
        *c = (char)tolower((unsigned char)*c);
}

/* ---- local roots ------------------------------------------------------------------------ */

int profile_resolve_path(const char *path, char *out)
{
    char absolute[PATH_MAX];
    if (path[0] == '/') {
        if (snprintf(absolute, sizeof absolute, "%s", path) >= (int)sizeof absolute)
            return -1;
    } else {
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof cwd) ||
            snprintf(absolute, sizeof absolute, "%s/%s", cwd, path) >= (int)sizeof absolute)
            return -1;
    }
    /* lexical clean-up first: "." and ".." segments and repeated slashes */
    char clean[PATH_MAX] = "";
    size_t length = 0;
    char *save = NULL;
    for (char *segment = strtok_r(absolute, "/", &save); segment;
         segment = strtok_r(NULL, "/", &save)) {
        if (strcmp(segment, ".") == 0)
            continue;
        if (strcmp(segment, "..") == 0) {
            char *slash = strrchr(clean, '/');
            length = slash ? (size_t)(slash - clean) : 0;
            clean[length] = '\0';
            continue;
        }
        int written = snprintf(clean + length, sizeof clean - length, "/%s", segment);
        if (written < 0 || (size_t)written >= sizeof clean - length)
            return -1;
        length += (size_t)written;
    }
    if (length == 0)
        snprintf(clean, sizeof clean, "/");
    /* then the longest existing prefix through realpath(), the rest appended */
    char prefix[PATH_MAX];
    snprintf(prefix, sizeof prefix, "%s", clean);
    size_t cut = strlen(prefix);
    for (;;) {
        char resolved[PATH_MAX];
        if (realpath(prefix, resolved)) {
            const char *rest = clean + cut;
            bool root = strcmp(resolved, "/") == 0;
            int written = snprintf(out, PATH_MAX, "%s%s", root && rest[0] ? "" : resolved, rest);
            return written > 0 && written < PATH_MAX ? 0 : -1;
        }
        char *slash = strrchr(prefix, '/');
        if (!slash || slash == prefix) {
            snprintf(out, PATH_MAX, "%s", clean);
            return 0;
        }
        *slash = '\0';
        cut = (size_t)(slash - prefix);
    }
}

static bool is_under(const char *path, const char *root)
{
    size_t length = strlen(root);
    while (length > 1 && root[length - 1] == '/')
        length--;
    if (strncmp(path, root, length) != 0)
        return false;
    return path[length] == '\0' || path[length] == '/' || (length == 1 && root[0] == '/');
}

static bool root_allowed(const char *root_path, const profile_rules *rules)
{
    char resolved[PATH_MAX];
    if (profile_resolve_path(root_path, resolved) != 0)
        return false;
    bool has_list = rules && rules->allowed_roots && rules->allowed_roots->count > 0;
    size_t count = has_list ? rules->allowed_roots->count : 1;
    for (size_t i = 0; i < count; i++) {
        const char *allowed = has_list ? rules->allowed_roots->items[i]
                                       : (rules && rules->data_dir ? rules->data_dir : ".");
        char allowed_resolved[PATH_MAX];
        if (profile_resolve_path(allowed, allowed_resolved) == 0 &&
            is_under(resolved, allowed_resolved))
            return true;
    }
    return false;
}

/* ---- per type --------------------------------------------------------------------------- */

/* What one validator produces. */
typedef struct normalized {
    json_t *configuration;
    json_t *secret; /* NULL = none */
} normalized;

static bool secret_is_empty(const json_t *secret)
{
    return !secret || json_is_null(secret) ||
           (json_is_object(secret) && json_object_size(secret) == 0);
}

static int optional_public_base_url(const json_t *configuration, char **out, nh_error *err)
{
    if (get_string(configuration, "publicBaseUrl", out, "configuration_invalid", err) != 0)
        return -1;
    *out = null_if_blank(*out);
    if (*out && !profile_url_is_http(*out))
        return fail(err, "public_base_url_invalid",
                    "publicBaseUrl must be an absolute http or https URL.");
    if (*out)
        strip_trailing_slashes(*out);
    return 0;
}

static int validate_local(const json_t *configuration, const json_t *secret,
                          const profile_rules *rules, normalized *out, nh_error *err)
{
    if (!secret_is_empty(secret))
        return fail(err, "secret_not_supported", "Local profiles take no secret configuration.");
    char *root = NULL;
    char *base = NULL;
    bool create = true;
    int rc = get_string(configuration, "rootPath", &root, "configuration_invalid", err);
    if (rc == 0 && text_is_blank(root))
        rc = fail(err, "root_path_required", "rootPath is required.");
    if (rc == 0 && !root_allowed(root, rules))
        rc = fail(err, "root_path_not_allowed",
                  "rootPath must lie under one of Storage__Local__AllowedRoots (default: the data "
                  "directory).");
    if (rc == 0)
        rc = get_bool(configuration, "createDirectoryIfMissing", true, &create, err);
    if (rc == 0)
        rc = optional_public_base_url(configuration, &base, err);
    if (rc == 0) {
        out->configuration = json_pack("{s:s, s:b, s:s?}", "rootPath", root,
                                       "createDirectoryIfMissing", create, "publicBaseUrl", base);
        if (!out->configuration)
            rc = error_internal(err);
    }
    free(root);
    free(base);
    return rc;
}

/* A required secret text (trimmed); NULL when missing or blank. */
static int secret_text(const json_t *secret, const char *key, char **out, nh_error *err)
{
    const json_t *object = json_is_object(secret) ? secret : NULL;
    if (get_string(object, key, out, "secret_configuration_invalid", err) != 0)
        return -1;
    *out = null_if_blank(*out);
    if (text_has_control(*out)) { /* it goes into an HTTP header: CR/LF would inject one */
        char message[160];
        snprintf(message, sizeof message, "'%s' must not contain control characters.", key);
        return fail(err, "secret_configuration_invalid", message);
    }
    return 0;
}

typedef struct s3_fields {
    char *provider_name, *endpoint, *bucket, *region, *public_base_url;
    bool force_path_style;
    char *access_key, *secret_key;
} s3_fields;

static void s3_fields_free(s3_fields *f)
{
    free(f->provider_name);
    free(f->endpoint);
    free(f->bucket);
    free(f->region);
    free(f->public_base_url);
    free(f->access_key);
    free(f->secret_key);
}

static int s3_config(const json_t *configuration, s3_fields *f, nh_error *err)
{
    if (get_string(configuration, "providerName", &f->provider_name, "configuration_invalid",
                   err) != 0 ||
        get_string(configuration, "endpoint", &f->endpoint, "configuration_invalid", err) != 0 ||
        get_string(configuration, "bucket", &f->bucket, "configuration_invalid", err) != 0 ||
        get_string(configuration, "region", &f->region, "configuration_invalid", err) != 0 ||
        get_bool(configuration, "forcePathStyle", true, &f->force_path_style, err) != 0)
        return -1;
    if (text_is_blank(f->provider_name)) {
        free(f->provider_name);
        f->provider_name = strdup("s3");
        if (!f->provider_name)
            return error_internal(err);
    }
    if (!profile_url_is_http(f->endpoint))
        return fail(err, "endpoint_invalid", "endpoint must be an absolute http or https URL.");
    if (text_is_blank(f->bucket))
        return fail(err, "bucket_required", "bucket is required.");
    if (text_is_blank(f->region))
        return fail(err, "region_required", "region is required.");
    if (!s3_region_is_valid(f->region))
        return fail(err, "region_invalid",
                    "region must not contain ':', '/', spaces or control characters.");
    return optional_public_base_url(configuration, &f->public_base_url, err);
}

static int validate_s3(const json_t *configuration, const json_t *secret, normalized *out,
                       nh_error *err)
{
    s3_fields f;
    memset(&f, 0, sizeof f);
    int rc = s3_config(configuration, &f, err);
    if (rc == 0)
        rc = secret_text(secret, "accessKey", &f.access_key, err);
    if (rc == 0 && !f.access_key)
        rc = fail(err, "access_key_required", "accessKey is required.");
    if (rc == 0 && !s3_access_key_is_valid(f.access_key))
        rc = fail(err, "secret_configuration_invalid", "accessKey must not contain ':'.");
    if (rc == 0)
        rc = secret_text(secret, "secretKey", &f.secret_key, err);
    if (rc == 0 && !f.secret_key)
        rc = fail(err, "secret_key_required", "secretKey is required.");
    if (rc == 0) {
        out->configuration =
            json_pack("{s:s, s:s, s:s, s:s, s:b, s:s?}", "providerName", f.provider_name,
                      "endpoint", f.endpoint, "bucket", f.bucket, "region", f.region,
                      "forcePathStyle", f.force_path_style, "publicBaseUrl", f.public_base_url);
        out->secret = json_pack("{s:s, s:s}", "accessKey", f.access_key, "secretKey", f.secret_key);
        if (!out->configuration || !out->secret)
            rc = error_internal(err);
    }
    s3_fields_free(&f);
    return rc;
}

/* owner / repo: required, ^[A-Za-z0-9._-]+$ */
static int github_name(const json_t *configuration, const char *key, const char *what, char **out,
                       nh_error *err)
{
    if (get_string(configuration, key, out, "configuration_invalid", err) != 0)
        return -1;
    char suffix[64];
    char message[128];
    if (text_is_blank(*out)) {
        snprintf(suffix, sizeof suffix, "github_%s_required", what);
        snprintf(message, sizeof message, "%s is required.", key);
        return fail(err, suffix, message);
    }
    if (!github_name_is_valid(*out)) {
        snprintf(suffix, sizeof suffix, "github_%s_invalid", what);
        snprintf(message, sizeof message,
                 "%s may contain only letters, digits, '.', '_' and '-' (and is not '.' or '..').",
                 key);
        return fail(err, suffix, message);
    }
    return 0;
}

/* The optional token (blank = none; otherwise at least 8 characters). */
static int github_token(const json_t *secret, char **out, nh_error *err)
{
    if (secret && !json_is_null(secret) && !json_is_object(secret))
        return fail(err, "secret_configuration_invalid", "secretConfiguration must be an object.");
    if (secret_text(secret, "token", out, err) != 0)
        return -1;
    if (*out && text_utf8_length(*out) < 8)
        return fail(err, "github_token_invalid", "token must be at least 8 characters long.");
    return 0;
}

/* An optional base URL with a default; trailing '/' trimmed. */
static int github_url(const json_t *configuration, const char *key, const char *fallback,
                      const char *code, char **out, nh_error *err)
{
    if (get_string(configuration, key, out, "configuration_invalid", err) != 0)
        return -1;
    if (text_is_blank(*out)) {
        free(*out);
        *out = strdup(fallback);
        if (!*out)
            return error_internal(err);
    }
    if (!profile_url_is_http(*out)) {
        char message[128];
        snprintf(message, sizeof message, "%s must be an absolute http or https URL.", key);
        return fail(err, code, message);
    }
    strip_trailing_slashes(*out);
    return 0;
}

/* visibilityPolicy: default first, lower-cased, one of two. */
static int visibility(const json_t *configuration, const char *first, const char *second,
                      char **out, nh_error *err)
{
    if (get_string(configuration, "visibilityPolicy", out, "configuration_invalid", err) != 0)
        return -1;
    if (text_is_blank(*out)) {
        free(*out);
        *out = strdup(first);
        return *out ? 0 : error_internal(err);
    }
    lower_ascii(*out);
    if (strcmp(*out, first) != 0 && strcmp(*out, second) != 0) {
        char message[160];
        snprintf(message, sizeof message, "visibilityPolicy must be '%s' or '%s'.", first, second);
        return fail(err, "github_visibility_policy_invalid", message);
    }
    return 0;
}

typedef struct github_fields {
    char *owner, *repo, *ref, *base_path, *policy, *api, *raw, *token;
    char *tag_mode, *fixed_tag;
    bool allow_delete;
} github_fields;

static void github_fields_free(github_fields *f)
{
    char *all[] = {f->owner, f->repo, f->ref,   f->base_path, f->policy,
                   f->api,   f->raw,  f->token, f->tag_mode,  f->fixed_tag};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        free(all[i]);
}

static int github_repo_config(const json_t *configuration, github_fields *f, nh_error *err)
{
    if (github_name(configuration, "owner", "owner", &f->owner, err) != 0 ||
        github_name(configuration, "repo", "repo", &f->repo, err) != 0 ||
        get_string(configuration, "ref", &f->ref, "configuration_invalid", err) != 0)
        return -1;
    if (text_is_blank(f->ref))
        return fail(err, "github_repo_ref_required", "ref is required.");
    if (!github_ref_is_valid(f->ref))
        return fail(err, "github_repo_ref_invalid",
                    "ref must not contain spaces, backslashes, control characters, '..' or "
                    "segments that are empty or start with '.'.");
    if (get_string(configuration, "basePath", &f->base_path, "configuration_invalid", err) != 0 ||
        normalize_prefix(&f->base_path, err) != 0 ||
        visibility(configuration, "public-only", "private-token", &f->policy, err) != 0 ||
        github_url(configuration, "apiBaseUrl", "https://api.github.com",
                   "github_repo_api_base_url_invalid", &f->api, err) != 0 ||
        github_url(configuration, "rawBaseUrl", "https://raw.githubusercontent.com",
                   "github_repo_raw_base_url_invalid", &f->raw, err) != 0)
        return -1;
    return get_bool(configuration, "allowDelete", false, &f->allow_delete, err);
}

static json_t *token_secret(const char *token)
{
    return token ? json_pack("{s:s}", "token", token) : NULL;
}

static int validate_github_repo(const json_t *configuration, const json_t *secret, normalized *out,
                                nh_error *err)
{
    github_fields f;
    memset(&f, 0, sizeof f);
    int rc = github_repo_config(configuration, &f, err);
    if (rc == 0)
        rc = github_token(secret, &f.token, err);
    if (rc == 0 && strcmp(f.policy, "private-token") == 0 && !f.token)
        rc = fail(err, "github_repo_token_required_for_private",
                  "visibilityPolicy 'private-token' needs a token.");
    if (rc == 0) {
        out->configuration =
            json_pack("{s:s, s:s, s:s, s:s?, s:s, s:s, s:s, s:b}", "owner", f.owner, "repo", f.repo,
                      "ref", f.ref, "basePath", f.base_path, "visibilityPolicy", f.policy,
                      "apiBaseUrl", f.api, "rawBaseUrl", f.raw, "allowDelete", f.allow_delete);
        out->secret = token_secret(f.token);
        if (!out->configuration || (f.token && !out->secret))
            rc = error_internal(err);
    }
    github_fields_free(&f);
    return rc;
}

static int releases_tag(const json_t *configuration, github_fields *f, nh_error *err)
{
    if (get_string(configuration, "releaseTagMode", &f->tag_mode, "configuration_invalid", err) !=
        0)
        return -1;
    if (text_is_blank(f->tag_mode)) {
        free(f->tag_mode);
        f->tag_mode = strdup("latest");
        if (!f->tag_mode)
            return error_internal(err);
    }
    lower_ascii(f->tag_mode);
    if (strcmp(f->tag_mode, "latest") != 0 && strcmp(f->tag_mode, "fixed") != 0)
        return fail(err, "github_releases_release_tag_mode_invalid",
                    "releaseTagMode must be 'latest' or 'fixed'.");
    if (get_string(configuration, "fixedTag", &f->fixed_tag, "configuration_invalid", err) != 0)
        return -1;
    f->fixed_tag = null_if_blank(f->fixed_tag);
    if (strcmp(f->tag_mode, "fixed") == 0 && !f->fixed_tag)
        return fail(err, "github_releases_fixed_tag_required",
                    "fixedTag is required when releaseTagMode is 'fixed'.");
    if (strcmp(f->tag_mode, "latest") == 0) {
        free(f->fixed_tag);
        f->fixed_tag = NULL;
    }
    return 0;
}

static int validate_github_releases(const json_t *configuration, const json_t *secret,
                                    normalized *out, nh_error *err)
{
    github_fields f;
    memset(&f, 0, sizeof f);
    int rc = github_name(configuration, "owner", "owner", &f.owner, err);
    if (rc == 0)
        rc = github_name(configuration, "repo", "repo", &f.repo, err);
    if (rc == 0)
        rc = releases_tag(configuration, &f, err);
    if (rc == 0)
        rc = get_string(configuration, "assetPathPrefix", &f.base_path, "configuration_invalid",
                        err);
    if (rc == 0)
        rc = normalize_prefix(&f.base_path, err);
    if (rc == 0)
        rc = visibility(configuration, "public-only", "public-first", &f.policy, err);
    if (rc == 0)
        rc = get_bool(configuration, "allowDelete", false, &f.allow_delete, err);
    if (rc == 0 && f.allow_delete)
        rc = fail(err, "github_releases_delete_not_supported",
                  "GitHub releases profiles cannot delete (allowDelete must be false).");
    if (rc == 0)
        rc = github_token(secret, &f.token, err);
    if (rc == 0) {
        out->configuration =
            json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:s, s:b}", "owner", f.owner, "repo", f.repo,
                      "releaseTagMode", f.tag_mode, "fixedTag", f.fixed_tag, "assetPathPrefix",
                      f.base_path, "visibilityPolicy", f.policy, "allowDelete", false);
        out->secret = token_secret(f.token);
        if (!out->configuration || (f.token && !out->secret))
            rc = error_internal(err);
    }
    github_fields_free(&f);
    return rc;
}

int profile_config_normalize(const char *type, const json_t *configuration, const json_t *secret,
                             const profile_rules *rules, json_t **configuration_out,
                             json_t **secret_out, nh_error *err)
{
    *configuration_out = NULL;
    *secret_out = NULL;
    if (!json_is_object(configuration))
        return fail(err, "configuration_required", "configuration must be an object.");
    normalized out = {NULL, NULL};
    int rc;
    if (strcmp(type, PROFILE_TYPE_LOCAL) == 0)
        rc = validate_local(configuration, secret, rules, &out, err);
    else if (strcmp(type, PROFILE_TYPE_S3) == 0)
        rc = validate_s3(configuration, secret, &out, err);
    else if (strcmp(type, PROFILE_TYPE_GITHUB_REPO) == 0)
        rc = validate_github_repo(configuration, secret, &out, err);
    else if (strcmp(type, PROFILE_TYPE_GITHUB_RELEASES) == 0)
        rc = validate_github_releases(configuration, secret, &out, err);
    else
        rc = fail(err, "provider_type_unsupported", "This provider type is not supported.");
    if (rc != 0) {
        json_decref(out.configuration);
        json_decref(out.secret);
        return -1;
    }
    *configuration_out = out.configuration;
    *secret_out = out.secret;
    return 0;
}

/* ---- secret fields ---------------------------------------------------------------------- */

json_t *profile_secret_fields(const char *type, const json_t *secret)
{
    static const char *const s3_keys[] = {"accessKey", "secretKey", NULL};
    static const char *const github_keys[] = {"token", NULL};
    json_t *names = json_array();
    if (!names || !json_is_object(secret))
        return names;
    const char *const *keys = type && strcmp(type, PROFILE_TYPE_S3) == 0 ? s3_keys : github_keys;
    for (size_t i = 0; keys[i]; i++) {
        const json_t *value = json_object_get(secret, keys[i]);
        if (json_is_string(value) && json_string_length(value) > 0)
            json_array_append_new(names, json_string(keys[i]));
    }
    return names;
}

/* ---- summary ---------------------------------------------------------------------------- */

/* The first property, in document order, whose name matches one of names (case-insensitive),
 * as summary text: strings as they are, numbers as their raw text, booleans "true"/"false".
 * NULL when none (or of another kind). */
static json_t *summary_text(const json_t *configuration, const char *const *names)
{
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)configuration, key, value)
    {
        bool match = false;
        for (size_t i = 0; names[i] && !match; i++)
            match = strcasecmp(key, names[i]) == 0;
        if (!match)
            continue;
        if (json_is_string(value))
            return json_string(json_string_value(value));
        if (json_is_boolean(value))
            return json_string(json_is_true(value) ? "true" : "false");
        if (json_is_integer(value)) {
            char text[32];
            snprintf(text, sizeof text, "%lld", (long long)json_integer_value(value));
            return json_string(text);
        }
        if (json_is_real(value)) {
            char text[64];
            snprintf(text, sizeof text, "%.17g", json_real_value(value));
            return json_string(text);
        }
        return json_null();
    }
    return json_null();
}

/* host[:port] of an absolute URI (port only when not the scheme's default), else null. */
static json_t *endpoint_host(const json_t *text)
{
    const char *url = json_string_value(text);
    if (!url)
        return json_null();
    const char *separator = strstr(url, "://");
    if (!separator || separator == url)
        return json_null();
    size_t scheme_length = (size_t)(separator - url);
    const char *authority = separator + 3;
    size_t authority_length = strcspn(authority, "/?#");
    const char *at = memchr(authority, '@', authority_length);
    if (at) {
        authority_length -= (size_t)(at + 1 - authority);
        authority = at + 1;
    }
    if (authority_length == 0)
        return json_null();
    char host[512];
    if (authority_length >= sizeof host)
        return json_null();
    memcpy(host, authority, authority_length);
    host[authority_length] = '\0';
    char *colon = strrchr(host, ':');
    if (colon && strchr(colon, ']') == NULL) {
        const char *port = colon + 1;
        bool is_default =
            (scheme_length == 4 && strncasecmp(url, "http", 4) == 0 && strcmp(port, "80") == 0) ||
            (scheme_length == 5 && strncasecmp(url, "https", 5) == 0 && strcmp(port, "443") == 0) ||
            port[0] == '\0';
        if (is_default)
            *colon = '\0';
    }
    lower_ascii(host);
    return json_string(host);
}

static json_t *summary_bool(const json_t *configuration)
{
    static const char *const names[] = {"forcePathStyle", NULL};
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)configuration, key, value)
    {
        if (strcasecmp(key, names[0]) != 0)
            continue;
        if (json_is_boolean(value))
            return json_boolean(json_is_true(value));
        if (json_is_string(value)) {
            char *trimmed = text_trimmed_copy(json_string_value(value));
            json_t *result = json_null();
            if (trimmed && strcasecmp(trimmed, "true") == 0)
                result = json_true();
            else if (trimmed && strcasecmp(trimmed, "false") == 0)
                result = json_false();
            free(trimmed);
            return result;
        }
        return json_null();
    }
    return json_null();
}

typedef struct summary_field {
    const char *field;
    const char *names[3];
} summary_field;

static const summary_field summary_fields[] = {
    {"providerName", {"providerName", NULL, NULL}},
    {"rootPath", {"rootPath", NULL, NULL}},
    {"endpointHost", {"endpoint", NULL, NULL}},
    {"bucketOrContainer", {"bucket", "container", NULL}},
    {"region", {"region", NULL, NULL}},
    {"publicBaseUrl", {"publicBaseUrl", NULL, NULL}},
    {"forcePathStyle", {"forcePathStyle", NULL, NULL}},
    {"owner", {"owner", NULL, NULL}},
    {"repository", {"repo", "repository", NULL}},
    {"reference", {"ref", "branch", NULL}},
    {"releaseTagMode", {"releaseTagMode", NULL, NULL}},
    {"fixedTag", {"fixedTag", NULL, NULL}},
    {"pathPrefix", {"assetPathPrefix", "basePath", NULL}},
    {"visibilityPolicy", {"visibilityPolicy", NULL, NULL}},
    {"basePath", {"basePath", NULL, NULL}},
    {"assetPathPrefix", {"assetPathPrefix", NULL, NULL}},
    {"apiBaseUrl", {"apiBaseUrl", NULL, NULL}},
    {"rawBaseUrl", {"rawBaseUrl", NULL, NULL}},
};

json_t *profile_config_summary(const json_t *configuration)
{
    json_t *summary = json_object();
    if (!summary)
        return NULL;
    bool usable = json_is_object(configuration);
    for (size_t i = 0; i < sizeof summary_fields / sizeof summary_fields[0]; i++) {
        const summary_field *f = &summary_fields[i];
        json_t *value;
        if (!usable)
            value = json_null();
        else if (strcmp(f->field, "forcePathStyle") == 0)
            value = summary_bool(configuration);
        else if (strcmp(f->field, "endpointHost") == 0) {
            json_t *endpoint = summary_text(configuration, f->names);
            value = endpoint_host(endpoint);
            json_decref(endpoint);
        } else
            value = summary_text(configuration, f->names);
        json_object_set_new(summary, f->field, value ? value : json_null());
    }
    return summary;
}
