/* config.c - reading and validating configuration from the environment and flags. */
#include "core/config.h"

#include <ctype.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/log.h"
#include "core/text.h"

/* Free a string that may hold a secret, overwriting it first (the allocator would otherwise
 * hand the bytes to the next caller, or keep them in a core dump). */
static void wipe_free(char *text)
{
    if (!text)
        return;
    sodium_memzero(text, strlen(text));
    free(text);
}

const char *config_env_get(char *const *environment, const char *name)
{
    if (!environment)
        return NULL;
    size_t name_length = strlen(name);
    for (char *const *entry = environment; *entry; entry++) {
        if (strncasecmp(*entry, name, name_length) == 0 && (*entry)[name_length] == '=')
            return *entry + name_length + 1;
    }
    return NULL;
}

typedef struct loader {
    char *const *environment;
    char *problem;
    int failed;
} loader;

static void fail(loader *l, const char *key, const char *what, const char *value)
{
    if (l->failed)
        return;
    l->failed = 1;
    if (value)
        snprintf(l->problem, CONFIG_PROBLEM_SIZE, "configuration %s: %s (got \"%.64s\")", key, what,
                 value);
    else
        snprintf(l->problem, CONFIG_PROBLEM_SIZE, "configuration %s: %s", key, what);
}

/* Replace *target with a copy of the (trimmed, when asked) value of key, if set. */
static void read_string(loader *l, const char *key, char **target, bool trim, bool blank_is_unset)
{
    const char *value = config_env_get(l->environment, key);
    if (!value || (blank_is_unset && text_is_blank(value)))
        return;
    char *copy = trim ? text_trimmed_copy(value) : strdup(value);
    if (!copy) {
        fail(l, key, "out of memory", NULL);
        return;
    }
    wipe_free(*target);
    *target = copy;
}

static bool parse_int64(const char *text, long long minimum, long long maximum, long long *out)
{
    while (isspace((unsigned char)*text))
        text++;
    if (*text == '\0')
        return false;
    errno = 0;
    char *end;
    long long value = strtoll(text, &end, 10);
    while (isspace((unsigned char)*end))
        end++;
    if (errno != 0 || *end != '\0' || value < minimum || value > maximum)
        return false;
    *out = value;
    return true;
}

static void read_int(loader *l, const char *key, int *target, int minimum, int maximum)
{
    const char *value = config_env_get(l->environment, key);
    if (!value)
        return;
    long long parsed;
    if (!parse_int64(value, minimum, maximum, &parsed)) {
        char what[96];
        snprintf(what, sizeof what, "must be a whole number from %d to %d", minimum, maximum);
        fail(l, key, what, value);
        return;
    }
    *target = (int)parsed;
}

static void read_int64(loader *l, const char *key, int64_t *target, long long minimum)
{
    const char *value = config_env_get(l->environment, key);
    if (!value)
        return;
    long long parsed;
    if (!parse_int64(value, minimum, INT64_MAX, &parsed)) {
        char what[96];
        snprintf(what, sizeof what, "must be a whole number of at least %lld", minimum);
        fail(l, key, what, value);
        return;
    }
    *target = parsed;
}

static void read_bool(loader *l, const char *key, bool *target)
{
    const char *value = config_env_get(l->environment, key);
    if (!value)
        return;
    char *copy = text_trimmed_copy(value);
    if (!copy) {
        fail(l, key, "out of memory", NULL);
        return;
    }
    if (!strcasecmp(copy, "true") || !strcmp(copy, "1"))
        *target = true;
    else if (!strcasecmp(copy, "false") || !strcmp(copy, "0"))
        *target = false;
    else
        fail(l, key, "must be true or false", value);
    free(copy);
}

/* Lists are wiped too: Auth__ApiKey__Keys holds machine keys. */
static void list_clear(string_list *list)
{
    for (size_t i = 0; i < list->count; i++)
        wipe_free(list->items[i]);
    list->count = 0;
}

static bool list_contains(const string_list *list, const char *text)
{
    for (size_t i = 0; i < list->count; i++)
        if (!strcmp(list->items[i], text))
            return true;
    return false;
}

static int list_add(string_list *list, const char *text)
{
    if (list->count >= CONFIG_MAX_LIST)
        return -1;
    char *copy = strdup(text);
    if (!copy)
        return -1;
    list->items[list->count++] = copy;
    return 0;
}

/* Read PREFIX__0, PREFIX__1, ... (index merge over defaults as .NET does: index N replaces
 * default N). Entries are trimmed, optionally lower-cased, blanks dropped, duplicates dropped. */
static void read_list(loader *l, const char *prefix, string_list *list, bool lower)
{
    char *values[CONFIG_MAX_LIST] = {0};
    bool any = false;
    for (size_t i = 0; i < CONFIG_MAX_LIST; i++) {
        char key[160];
        snprintf(key, sizeof key, "%s__%zu", prefix, i);
        const char *value = config_env_get(l->environment, key);
        if (value) {
            values[i] = (char *)value;
            any = true;
        }
    }
    if (!any)
        return;
    string_list merged = {.count = 0};
    for (size_t i = 0; i < CONFIG_MAX_LIST; i++) {
        const char *source = values[i] ? values[i] : (i < list->count ? list->items[i] : NULL);
        if (!source || text_is_blank(source))
            continue;
        char *item = text_trimmed_copy(source);
        if (!item) {
            fail(l, prefix, "out of memory", NULL);
            break;
        }
        if (lower)
            for (char *c = item; *c; c++)
                *c = (char)tolower((unsigned char)*c);
        if (!list_contains(&merged, item) && list_add(&merged, item) != 0)
            fail(l, prefix, "too many entries", NULL);
        wipe_free(item);
    }
    list_clear(list);
    *list = merged;
}

/* Argon2 hashes at once: one core fewer than the machine has (so sign-in storms always leave a
 * core for other requests), at least 1 and at most 4 (64 MiB each). */
static int default_hash_concurrency(void)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    if (cores <= 2)
        return 1;
    return cores - 1 > 4 ? 4 : (int)(cores - 1);
}

static void read_unsigned(loader *l, const char *key, unsigned int *target, int minimum,
                          int maximum)
{
    int value = (int)*target;
    read_int(l, key, &value, minimum, maximum);
    *target = (unsigned int)value;
}

/* KEY="a, b, c" adds each trimmed, non-blank entry to list. */
static void read_comma_list(loader *l, const char *key, string_list *list)
{
    const char *value = config_env_get(l->environment, key);
    for (const char *start = value; start && *start;) {
        size_t length = strcspn(start, ",");
        char item[128];
        if (length >= sizeof item) {
            fail(l, key, "an entry is too long", value);
            return;
        }
        memcpy(item, start, length);
        item[length] = '\0';
        char *trimmed = text_trimmed_copy(item);
        if (!trimmed) {
            fail(l, key, "out of memory", NULL);
            return;
        }
        if (!text_is_blank(trimmed) && !list_contains(list, trimmed) &&
            list_add(list, trimmed) != 0)
            fail(l, key, "too many entries", value);
        free(trimmed);
        start += length + (start[length] == ',');
    }
}

/* http: the event core, its handler pool, connection deadlines and proxies. */
static void read_http_settings(loader *l, config *cfg)
{
    read_unsigned(l, "Server__HeaderTimeoutSeconds", &cfg->header_timeout_s, 1, 3600);
    read_unsigned(l, "Server__ConnectionMemoryBytes", &cfg->connection_memory_bytes, 4096, 1048576);
    read_unsigned(l, "Server__BodyStallSeconds", &cfg->body_stall_s, 1, 3600);
    read_unsigned(l, "Server__IoThreads", &cfg->io_threads, 1, 64);
    read_unsigned(l, "Server__HandlerThreads", &cfg->handler_threads, 1, 1024);
    read_unsigned(l, "Server__HandlerQueueLength", &cfg->handler_queue_length, 0, 1000000);
    read_list(l, "Server__TrustedProxies", &cfg->trusted_proxies, false);
    read_comma_list(l, "Server__TrustedProxies", &cfg->trusted_proxies);
    read_bool(l, "Server__ReusePort", &cfg->reuse_port);
}

static int add_default_content_types(string_list *list)
{
    int rc = list_add(list, "image/jpeg");
    if (rc == 0)
        rc = list_add(list, "image/png");
    if (rc == 0)
        rc = list_add(list, "image/webp");
    if (rc == 0)
        rc = list_add(list, "image/gif");
    return rc;
}

/* mcp: the legacy SSE transport's sessions (Mcp__ListPageSize is read with processing). */
static void read_mcp_settings(loader *l, config *cfg)
{
    read_unsigned(l, "Mcp__SseHeartbeatSeconds", &cfg->mcp_sse_heartbeat_s, 1, 3600);
    read_unsigned(l, "Mcp__SseMaxSessionsPerCredential", &cfg->mcp_sse_max_sessions_per_credential,
                  1, 1000000);
    read_unsigned(l, "Mcp__SseMaxSessions", &cfg->mcp_sse_max_sessions, 1, 1000000);
    read_unsigned(l, "Mcp__SseIdleSeconds", &cfg->mcp_sse_idle_s, 1, 86400);
    read_unsigned(l, "Mcp__SseBufferBytes", &cfg->mcp_sse_buffer_bytes, 4096, 1073741824);
}

/* Returns 0, or -1 when a default could not be allocated (config_load reports it). */
static int set_defaults(config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->listen_address = strdup("0.0.0.0");
    cfg->port = 5121;
    cfg->data_dir = strdup("./data");
    cfg->max_connections = 10000;
    cfg->max_connections_per_client = 64;
    cfg->header_timeout_s = 15;
    cfg->connection_memory_bytes = 16384;
    cfg->body_stall_s = 30;
    cfg->io_threads = 2;
    cfg->handler_threads = 16;
    cfg->handler_queue_length = 256;
    cfg->shutdown_timeout_s = 10;
    cfg->idle_timeout_s = 60;
    cfg->max_json_body_bytes = 1024 * 1024;
    int rc = list_add(&cfg->cors_origins, "*");
    cfg->log_level = LOG_INFO;
    cfg->database_provider = DB_PROVIDER_SQLITE;
    cfg->database_pool_size = 8;
    cfg->database_acquire_timeout_ms = 5000;
    cfg->jwt_issuer = strdup("NekoHub");
    cfg->jwt_audience = strdup("NekoHub.Admin");
    cfg->access_token_minutes = 15;
    cfg->refresh_token_days = 30;
    cfg->password_min_length = 8;
    cfg->login_max_failures_per_user = 5;
    cfg->login_max_failures_per_client = 20;
    cfg->login_window_minutes = 15;
    cfg->password_hash_concurrency = default_hash_concurrency();
    cfg->max_upload_size_bytes = 10485760;
    if (rc == 0)
        rc = add_default_content_types(&cfg->allowed_content_types);
    cfg->default_page_size = 20;
    cfg->max_page_size = 100;
    cfg->max_image_pixels = 100000000;
    /* assets area */
    cfg->max_animation_pixels = 400000000;
    cfg->media_workers = 2;
    cfg->media_timeout_s = 30;
    cfg->media_memory_limit_mb = 1024;
    cfg->job_workers = 2;
    cfg->job_lease_s = 60;
    cfg->job_max_attempts = 5;
    cfg->job_retry_base_s = 2;
    cfg->job_retry_max_s = 300;
    cfg->job_poll_interval_ms = 500;
    cfg->job_shutdown_grace_s = 10;
    cfg->manual_run_wait_s = 30;
    cfg->mcp_list_page_size = 10;
    cfg->ai_max_concurrency = 4;
    cfg->ai_request_timeout_s = 60;
    cfg->housekeeping_interval_s = 600;
    /* storage providers */
    cfg->storage_provider = strdup("local");
    cfg->s3_provider_name = strdup("s3");
    cfg->s3_region = strdup("us-east-1");
    cfg->s3_force_path_style = true;
    cfg->s3_multipart_threshold = 16 * 1024 * 1024;
    cfg->s3_multipart_part_size = 8 * 1024 * 1024;
    cfg->github_provider_name = strdup("github-repo");
    cfg->github_ref = strdup("main");
    cfg->github_visibility_policy = strdup("public-only");
    cfg->github_api_base_url = strdup("https://api.github.com");
    cfg->github_raw_base_url = strdup("https://raw.githubusercontent.com");
    cfg->remote_connect_timeout_ms = 5000;
    cfg->remote_stall_timeout_ms = 30000;
    cfg->remote_max_attempts = 4;
    cfg->remote_retry_base_delay_ms = 200;
    /* mcp */
    cfg->mcp_sse_heartbeat_s = 15;
    cfg->mcp_sse_max_sessions_per_credential = 8;
    cfg->mcp_sse_max_sessions = 1000;
    cfg->mcp_sse_idle_s = 300;
    cfg->mcp_sse_buffer_bytes = 1024 * 1024;
    if (rc == 0 &&
        (!cfg->storage_provider || !cfg->s3_provider_name || !cfg->s3_region ||
         !cfg->github_provider_name || !cfg->github_ref || !cfg->github_visibility_policy ||
         !cfg->github_api_base_url || !cfg->github_raw_base_url))
        rc = -1;
    return rc;
}

static bool is_hex_of_length(const char *text, size_t length);

/* storage providers: config-driven storages, remote backends, allowed local roots, and the
 * previous secret keys (checked in validate). */
static void read_storage_settings(loader *l, config *cfg)
{
    read_string(l, "Storage__Provider", &cfg->storage_provider, true, true);
    read_list(l, "Storage__Local__AllowedRoots", &cfg->local_allowed_roots, false);
    read_string(l, "Storage__S3__ProviderName", &cfg->s3_provider_name, true, true);
    read_string(l, "Storage__S3__Endpoint", &cfg->s3_endpoint, true, true);
    read_string(l, "Storage__S3__Bucket", &cfg->s3_bucket, true, true);
    read_string(l, "Storage__S3__Region", &cfg->s3_region, true, true);
    read_string(l, "Storage__S3__AccessKey", &cfg->s3_access_key, true, true);
    read_string(l, "Storage__S3__SecretKey", &cfg->s3_secret_key, true, true);
    read_bool(l, "Storage__S3__ForcePathStyle", &cfg->s3_force_path_style);
    read_string(l, "Storage__S3__PublicBaseUrl", &cfg->s3_public_base_url, true, true);
    read_int64(l, "Storage__S3__MultipartThresholdBytes", &cfg->s3_multipart_threshold,
               5 * 1024 * 1024);
    read_int64(l, "Storage__S3__MultipartPartSizeBytes", &cfg->s3_multipart_part_size,
               5 * 1024 * 1024);
    read_string(l, "Storage__GitHubRepo__ProviderName", &cfg->github_provider_name, true, true);
    read_string(l, "Storage__GitHubRepo__Owner", &cfg->github_owner, true, true);
    read_string(l, "Storage__GitHubRepo__Repo", &cfg->github_repo, true, true);
    read_string(l, "Storage__GitHubRepo__Ref", &cfg->github_ref, true, true);
    read_string(l, "Storage__GitHubRepo__BasePath", &cfg->github_base_path, true, true);
    read_string(l, "Storage__GitHubRepo__VisibilityPolicy", &cfg->github_visibility_policy, true,
                true);
    read_string(l, "Storage__GitHubRepo__ApiBaseUrl", &cfg->github_api_base_url, true, true);
    read_string(l, "Storage__GitHubRepo__RawBaseUrl", &cfg->github_raw_base_url, true, true);
    read_string(l, "Storage__GitHubRepo__Token", &cfg->github_token, true, true);
    read_bool(l, "Storage__GitHubRepo__AllowDelete", &cfg->github_allow_delete);
    read_string(l, "Storage__GitHubRepo__CommitMessageTemplate",
                &cfg->github_commit_message_template, true, true);
    read_unsigned(l, "Storage__Remote__ConnectTimeoutMs", &cfg->remote_connect_timeout_ms, 1,
                  600000);
    read_unsigned(l, "Storage__Remote__StallTimeoutMs", &cfg->remote_stall_timeout_ms, 1, 3600000);
    read_unsigned(l, "Storage__Remote__MaxAttempts", &cfg->remote_max_attempts, 1, 20);
    read_unsigned(l, "Storage__Remote__RetryBaseDelayMs", &cfg->remote_retry_base_delay_ms, 1,
                  60000);
    read_list(l, "Security__PreviousSecretKeys", &cfg->previous_secret_keys, false);
    for (size_t i = 0; i < cfg->previous_secret_keys.count; i++)
        if (!is_hex_of_length(cfg->previous_secret_keys.items[i], 64))
            fail(l, "Security__PreviousSecretKeys", "each must be 64 hexadecimal digits (32 bytes)",
                 NULL);
}

static void read_provider(loader *l, config *cfg)
{
    const char *key = "Persistence__Database__Provider";
    const char *value = config_env_get(l->environment, key);
    if (!value)
        return;
    char *name = text_trimmed_copy(value);
    if (!name) {
        fail(l, key, "out of memory", NULL);
        return;
    }
    if (!strcasecmp(name, "sqlite") || !strcasecmp(name, "sqlite3"))
        cfg->database_provider = DB_PROVIDER_SQLITE;
    else if (!strcasecmp(name, "postgresql") || !strcasecmp(name, "postgres") ||
             !strcasecmp(name, "npgsql"))
        cfg->database_provider = DB_PROVIDER_POSTGRES;
    else
        fail(l, key, "must be sqlite or postgresql", value);
    free(name);
}

static void apply_overrides(loader *l, config *cfg, const config_overrides *overrides)
{
    if (!overrides)
        return;
    if (overrides->listen_address) {
        free(cfg->listen_address);
        cfg->listen_address = strdup(overrides->listen_address);
    }
    if (overrides->port >= 0) {
        if (overrides->port > 65535)
            fail(l, "--port", "must be a port number from 0 to 65535", NULL);
        cfg->port = overrides->port;
    }
    if (overrides->data_dir) {
        free(cfg->data_dir);
        cfg->data_dir = strdup(overrides->data_dir);
    }
}

static bool is_hex_of_length(const char *text, size_t length)
{
    if (strlen(text) != length)
        return false;
    for (; *text; text++)
        if (!isxdigit((unsigned char)*text))
            return false;
    return true;
}

static void validate(loader *l, config *cfg)
{
    if (cfg->secret_key && !is_hex_of_length(cfg->secret_key, 64))
        fail(l, "Security__SecretKey", "must be 64 hexadecimal digits (32 bytes)", NULL);
    if (cfg->jwt_secret && strlen(cfg->jwt_secret) < 32)
        fail(l, "Auth__Jwt__Secret", "must be at least 32 bytes long", NULL);
    for (size_t i = 0; i < cfg->api_keys.count; i++)
        if (!strncmp(cfg->api_keys.items[i], "nhk_", 4))
            fail(l, "Auth__ApiKey__Keys",
                 "a machine key must not start with nhk_ (reserved for personal API keys)", NULL);
    if (cfg->api_key_enabled && cfg->api_keys.count == 0)
        fail(l, "Auth__ApiKey__Keys__0",
             "at least one non-blank key is required when Auth__ApiKey__Enabled is true", NULL);
    if (cfg->default_page_size > cfg->max_page_size)
        fail(l, "Api__Assets__DefaultPageSize", "must not exceed Api__Assets__MaxPageSize", NULL);
    if (text_is_blank(cfg->data_dir))
        fail(l, "NEKOHUB_DATA_DIR", "must not be blank", NULL);
    if (cfg->database_provider == DB_PROVIDER_POSTGRES && text_is_blank(cfg->database_connection))
        fail(l, "Persistence__Database__ConnectionString",
             "is required when the provider is postgresql", NULL);
    if (cfg->public_base_url && strncmp(cfg->public_base_url, "http://", 7) != 0 &&
        strncmp(cfg->public_base_url, "https://", 8) != 0)
        fail(l, "Storage__PublicBaseUrl", "must be an absolute http(s) URL", cfg->public_base_url);
    if (cfg->allowed_content_types.count == 0 &&
        add_default_content_types(&cfg->allowed_content_types) != 0)
        fail(l, "Api__Assets__AllowedContentTypes", "out of memory", NULL);
}

/* ops: true when a segment after a '/' of path is "." or "..". */
static bool has_dot_segment(const char *path)
{
    for (const char *c = strchr(path, '/'); c; c = strchr(c + 1, '/')) {
        size_t dots = strspn(c + 1, ".");
        if ((dots == 1 || dots == 2) && (c[1 + dots] == '/' || c[1 + dots] == '\0'))
            return true;
    }
    return false;
}

/* ops: Server__AccelRedirect__Prefix, an absolute path of URI-safe characters without "." or
 * ".." segments. */
static void read_accel_redirect(loader *l, config *cfg)
{
    read_string(l, "Server__AccelRedirect__Prefix", &cfg->accel_redirect_prefix, true, true);
    const char *prefix = cfg->accel_redirect_prefix;
    if (!prefix)
        return;
    bool safe = prefix[0] == '/' && strlen(prefix) <= 256 && !has_dot_segment(prefix);
    for (const char *c = prefix; safe && *c; c++)
        safe = isalnum((unsigned char)*c) || strchr("/-._~", *c);
    if (!safe)
        fail(l, "Server__AccelRedirect__Prefix",
             "must be a path starting with '/' of at most 256 letters, digits and / - . _ ~, "
             "without . or .. segments",
             prefix);
}

static void read_port(loader *l, config *cfg)
{
    const char *value = config_env_get(l->environment, "NEKOHUB_PORT");
    if (!value)
        return;
    long long parsed;
    if (!parse_int64(value, 0, 65535, &parsed)) {
        fail(l, "NEKOHUB_PORT", "must be a port number from 0 to 65535", value);
        return;
    }
    cfg->port = (int)parsed;
}

int config_load(config *cfg, char *const *environment, const config_overrides *overrides,
                char problem[CONFIG_PROBLEM_SIZE])
{
    loader l = {.environment = environment, .problem = problem, .failed = 0};
    problem[0] = '\0';
    if (set_defaults(cfg) != 0)
        fail(&l, "configuration", "out of memory", NULL);

    read_string(&l, "NEKOHUB_LISTEN", &cfg->listen_address, true, true);
    read_port(&l, cfg);
    read_string(&l, "NEKOHUB_DATA_DIR", &cfg->data_dir, true, true);
    read_string(&l, "NEKOHUB_WEB_DIR", &cfg->web_dir, true, true);
    int max_connections = (int)cfg->max_connections;
    read_int(&l, "Server__MaxConnections", &max_connections, 1, 1000000);
    cfg->max_connections = (unsigned int)max_connections;
    int shutdown_timeout = (int)cfg->shutdown_timeout_s;
    read_int(&l, "Server__ShutdownTimeoutSeconds", &shutdown_timeout, 0, 3600);
    cfg->shutdown_timeout_s = (unsigned int)shutdown_timeout;
    int idle_timeout = (int)cfg->idle_timeout_s;
    read_int(&l, "Server__IdleTimeoutSeconds", &idle_timeout, 1, 3600);
    cfg->idle_timeout_s = (unsigned int)idle_timeout;
    int per_client = (int)cfg->max_connections_per_client;
    read_int(&l, "Server__MaxConnectionsPerClient", &per_client, 0, 65536);
    cfg->max_connections_per_client = (unsigned int)per_client;
    int64_t max_json = (int64_t)cfg->max_json_body_bytes;
    read_int64(&l, "Api__MaxJsonBodyBytes", &max_json, 1024);
    cfg->max_json_body_bytes = (size_t)max_json;
    read_list(&l, "Cors__AllowedOrigins", &cfg->cors_origins, false);
    read_http_settings(&l, cfg);
    const char *level = config_env_get(environment, "Logging__LogLevel__Default");
    if (level) {
        int parsed = log_level_parse(level);
        if (parsed < 0)
            fail(&l, "Logging__LogLevel__Default", "must be debug, information, warning or error",
                 level);
        else
            cfg->log_level = parsed;
    }

    read_provider(&l, cfg);
    read_string(&l, "Persistence__Database__ConnectionString", &cfg->database_connection, true,
                true);
    int pool_size = (int)cfg->database_pool_size;
    read_int(&l, "Persistence__Database__PoolSize", &pool_size, 1, 256);
    cfg->database_pool_size = (unsigned int)pool_size;
    int acquire_timeout = (int)cfg->database_acquire_timeout_ms;
    read_int(&l, "Persistence__Database__AcquireTimeoutMs", &acquire_timeout, 1, 600000);
    cfg->database_acquire_timeout_ms = (unsigned int)acquire_timeout;

    read_string(&l, "Auth__Jwt__Secret", &cfg->jwt_secret, false, true);
    read_string(&l, "Security__SecretKey", &cfg->secret_key, true, true);
    read_string(&l, "Auth__Jwt__Issuer", &cfg->jwt_issuer, true, true);
    read_string(&l, "Auth__Jwt__Audience", &cfg->jwt_audience, true, true);
    read_int(&l, "Auth__Jwt__AccessTokenMinutes", &cfg->access_token_minutes, 1, 1440);
    read_int(&l, "Auth__Jwt__RefreshTokenDays", &cfg->refresh_token_days, 1, 3650);
    read_string(&l, "Auth__BootstrapSuperAdmin__Username", &cfg->bootstrap_username, true, true);
    read_string(&l, "Auth__BootstrapSuperAdmin__Password", &cfg->bootstrap_password, false, true);
    read_bool(&l, "Auth__ApiKey__Enabled", &cfg->api_key_enabled);
    read_list(&l, "Auth__ApiKey__Keys", &cfg->api_keys, false);
    read_int(&l, "Auth__Password__MinLength", &cfg->password_min_length, 1, 1024);
    read_int(&l, "Auth__Password__HashConcurrency", &cfg->password_hash_concurrency, 1, 64);
    read_int(&l, "Auth__Login__MaxFailuresPerUser", &cfg->login_max_failures_per_user, 1, 1000000);
    read_int(&l, "Auth__Login__MaxFailuresPerClient", &cfg->login_max_failures_per_client, 1,
             1000000);
    read_int(&l, "Auth__Login__WindowMinutes", &cfg->login_window_minutes, 1, 1440);

    read_int64(&l, "Api__Assets__MaxUploadSizeBytes", &cfg->max_upload_size_bytes, 1);
    read_list(&l, "Api__Assets__AllowedContentTypes", &cfg->allowed_content_types, true);
    read_int(&l, "Api__Assets__DefaultPageSize", &cfg->default_page_size, 1, 100000);
    read_int(&l, "Api__Assets__MaxPageSize", &cfg->max_page_size, 1, 100000);
    read_int64(&l, "Api__Assets__MaxImagePixels", &cfg->max_image_pixels, 1);

    read_string(&l, "Storage__PublicBaseUrl", &cfg->public_base_url, true, true);
    read_string(&l, "Storage__Local__RootPath", &cfg->local_root_path, true, true);
    read_accel_redirect(&l, cfg);
    read_storage_settings(&l, cfg);

    /* assets area */
    read_int64(&l, "Api__Assets__MaxAnimationPixels", &cfg->max_animation_pixels, 1);
    read_int(&l, "Processing__MediaWorkers", &cfg->media_workers, 1, 32);
    read_int(&l, "Processing__MediaTimeoutSeconds", &cfg->media_timeout_s, 1, 3600);
    read_int(&l, "Processing__MediaMemoryLimitMB", &cfg->media_memory_limit_mb, 64, 65536);
    read_string(&l, "Processing__MediaWorkerPath", &cfg->media_worker_path, true, true);
    read_int(&l, "Processing__Workers", &cfg->job_workers, 0, 64);
    read_int(&l, "Processing__LeaseSeconds", &cfg->job_lease_s, 5, 3600);
    read_int(&l, "Processing__MaxAttempts", &cfg->job_max_attempts, 1, 100);
    read_int(&l, "Processing__RetryBaseSeconds", &cfg->job_retry_base_s, 1, 3600);
    read_int(&l, "Processing__RetryMaxSeconds", &cfg->job_retry_max_s, 1, 86400);
    read_int(&l, "Processing__PollIntervalMilliseconds", &cfg->job_poll_interval_ms, 10, 60000);
    read_int(&l, "Processing__ShutdownGraceSeconds", &cfg->job_shutdown_grace_s, 0, 600);
    read_int(&l, "Processing__ManualRunWaitSeconds", &cfg->manual_run_wait_s, 0, 600);
    read_int(&l, "Mcp__ListPageSize", &cfg->mcp_list_page_size, 1, 1000);
    read_int(&l, "Ai__MaxConcurrency", &cfg->ai_max_concurrency, 1, 64);
    read_int(&l, "Ai__RequestTimeoutSeconds", &cfg->ai_request_timeout_s, 5, 600);
    int housekeeping = (int)cfg->housekeeping_interval_s;
    read_int(&l, "Server__HousekeepingIntervalSeconds", &housekeeping, 1, 86400);
    cfg->housekeeping_interval_s = (unsigned int)housekeeping;

    read_mcp_settings(&l, cfg);

    apply_overrides(&l, cfg, overrides);
    validate(&l, cfg);
    if (!l.failed && !cfg->local_root_path) {
        size_t length = strlen(cfg->data_dir) + sizeof "/assets";
        cfg->local_root_path = malloc(length);
        if (cfg->local_root_path)
            snprintf(cfg->local_root_path, length, "%s/assets", cfg->data_dir);
    }
    if (!l.failed && (!cfg->listen_address || !cfg->data_dir || !cfg->jwt_issuer ||
                      !cfg->jwt_audience || !cfg->local_root_path))
        fail(&l, "configuration", "out of memory", NULL);
    return l.failed ? -1 : 0;
}

void config_free(config *cfg)
{
    free(cfg->listen_address);
    free(cfg->data_dir);
    free(cfg->web_dir);
    list_clear(&cfg->cors_origins);
    list_clear(&cfg->trusted_proxies);
    wipe_free(cfg->database_connection); /* may carry a password */
    wipe_free(cfg->jwt_secret);
    wipe_free(cfg->secret_key);
    free(cfg->jwt_issuer);
    free(cfg->jwt_audience);
    free(cfg->bootstrap_username);
    wipe_free(cfg->bootstrap_password);
    list_clear(&cfg->api_keys);
    list_clear(&cfg->allowed_content_types);
    free(cfg->public_base_url);
    free(cfg->local_root_path);
    free(cfg->media_worker_path);
    free(cfg->accel_redirect_prefix);
    free(cfg->storage_provider);
    list_clear(&cfg->local_allowed_roots);
    free(cfg->s3_provider_name);
    free(cfg->s3_endpoint);
    free(cfg->s3_bucket);
    free(cfg->s3_region);
    wipe_free(cfg->s3_access_key);
    wipe_free(cfg->s3_secret_key);
    free(cfg->s3_public_base_url);
    free(cfg->github_provider_name);
    free(cfg->github_owner);
    free(cfg->github_repo);
    free(cfg->github_ref);
    free(cfg->github_base_path);
    free(cfg->github_visibility_policy);
    free(cfg->github_api_base_url);
    free(cfg->github_raw_base_url);
    wipe_free(cfg->github_token);
    free(cfg->github_commit_message_template);
    list_clear(&cfg->previous_secret_keys);
    memset(cfg, 0, sizeof *cfg);
}
