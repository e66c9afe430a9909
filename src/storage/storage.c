/* storage.c - the storage wrappers, public URLs and the storage service (backend selection). */
#include "storage/storage.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <pthread.h>
#include <stdatomic.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/secret_box.h"
#include "db/db.h"
#include "core/text.h"
#include "core/log.h"
#include "storage/github.h"
#include "storage/local.h"
#include "storage/profile_store.h"
#include "storage/s3.h"
#include "storage/storage_metrics.h"

/* ---- wrappers (each one timed and counted: storage_metrics.h) --------------------------- */

static int refuse_key(nh_error *err)
{
    return error_set(err, 500, "internal_server_error", "invalid storage key");
}

static int counted(const storage *backend, storage_metrics_op op, int rc, int64_t started_ns)
{
    storage_metrics_record(backend->ops->type, op, rc, clock_monotonic_ns() - started_ns);
    return rc;
}

int storage_put(storage *backend, const storage_put_request *request,
                char key_out[STORAGE_KEY_SIZE], nh_error *err)
{
    if (!storage_key_is_valid(request->key))
        return refuse_key(err);
    int64_t started = clock_monotonic_ns();
    return counted(backend, STORAGE_OP_PUT, backend->ops->put(backend, request, key_out, err),
                   started);
}

int storage_open(storage *backend, const char *key, storage_object *out, nh_error *err)
{
    out->fd = -1;
    if (!storage_key_is_valid(key))
        return STORAGE_NOT_FOUND; /* an invalid key names nothing */
    int64_t started = clock_monotonic_ns();
    return counted(backend, STORAGE_OP_OPEN, backend->ops->open(backend, key, out, err), started);
}

int storage_open_range(storage *backend, const char *key, uint64_t offset, uint64_t length,
                       storage_object *out, nh_error *err)
{
    out->fd = -1;
    if (!storage_key_is_valid(key))
        return STORAGE_NOT_FOUND;
    if (!backend->ops->open_range || length == 0)
        return error_internal(err);
    int64_t started = clock_monotonic_ns();
    return counted(backend, STORAGE_OP_OPEN_RANGE,
                   backend->ops->open_range(backend, key, offset, length, out, err), started);
}

int storage_remove(storage *backend, const char *key, const char *commit_message, nh_error *err)
{
    if (!storage_key_is_valid(key))
        return refuse_key(err);
    int64_t started = clock_monotonic_ns();
    return counted(backend, STORAGE_OP_REMOVE,
                   backend->ops->remove(backend, key, commit_message, err), started);
}

int storage_remove_unreferenced(storage *backend, const char *key, const char *commit_message,
                                nh_error *err)
{
    if (!storage_key_is_valid(key))
        return refuse_key(err);
    if (backend->ops->remove_unreferenced)
        return backend->ops->remove_unreferenced(backend, key, commit_message, err);
    return backend->ops->remove(backend, key, commit_message, err);
}

int storage_check_remove(const storage *backend, nh_error *err)
{
    return backend->ops->check_remove ? backend->ops->check_remove(backend, err) : 0;
}

int storage_exists(storage *backend, const char *key, bool *exists, nh_error *err)
{
    *exists = false;
    if (!storage_key_is_valid(key))
        return 0;
    int64_t started = clock_monotonic_ns();
    return counted(backend, STORAGE_OP_EXISTS, backend->ops->exists(backend, key, exists, err),
                   started);
}

char *storage_public_url(const storage *backend, const char *global_base_url, const char *key)
{
    if (!storage_key_is_valid(key))
        return NULL;
    return backend->ops->public_url(backend, global_base_url, key);
}

void storage_destroy(storage *backend)
{
    if (backend)
        backend->ops->destroy(backend);
}

int storage_write_error(int error_number, nh_error *err)
{
    if (error_number == ENOSPC || error_number == EDQUOT)
        return error_set(err, 507, "storage_insufficient_space",
                         "There is not enough storage space for this upload.");
    return error_internal(err);
}

/* ---- URLs ------------------------------------------------------------------------------- */

static bool is_unreserved(unsigned char byte)
{
    return isalnum(byte) || byte == '-' || byte == '.' || byte == '_' || byte == '~';
}

int storage_url_encode_append(buf *out, const char *text, bool keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
        if (is_unreserved(*c) || (keep_slash && *c == '/')) {
            buf_append(out, c, 1);
        } else {
            char escaped[3] = {'%', hex[*c >> 4], hex[*c & 15]};
            buf_append(out, escaped, 3);
        }
    }
    return buf_failed(out) ? -1 : 0;
}

char *storage_url_join(const char *base, const char *key)
{
    if (!base || text_is_blank(base) || !key)
        return NULL;
    size_t base_length = strlen(base);
    while (base_length > 0 && base[base_length - 1] == '/')
        base_length--;
    buf url;
    buf_init(&url, 0);
    buf_append(&url, base, base_length);
    buf_append_str(&url, "/");
    if (storage_url_encode_append(&url, key, true) != 0) {
        buf_free(&url);
        return NULL;
    }
    return buf_detach(&url);
}

/* ---- the service ------------------------------------------------------------------------ */

/* A backend built from a profile, shared by the cache and the targets handed out. */
typedef struct storage_handle {
    storage *backend;
    atomic_int references;
} storage_handle;

/* One cached profile backend: valid while the profile's updated_at is the same. */
typedef struct cache_entry {
    char profile_id[UUID_TEXT_SIZE];
    int64_t updated_at;
    storage_handle *handle;
    bool builtin_root; /* local with the built-in root */
    struct cache_entry *next;
} cache_entry;

/* Config-driven storages (spec §9.3): the local one always, the S3 and GitHub ones when their
 * settings are present; database profiles on top, through the cache. */
struct storage_service {
    const config *cfg;
    db *database;          /* NULL: no profiles */
    const secret_box *box; /* opens sealed secrets; may be NULL */
    storage_remote_settings remote;
    char *spool_dir;        /* DATA_DIR/tmp: remote reads spool here */
    storage *default_local; /* provider name "local" */
    storage *config_s3;     /* Storage__S3__*, or NULL when not configured */
    storage *config_github; /* Storage__GitHubRepo__*, or NULL when not configured */
    pthread_mutex_t cache_lock;
    cache_entry *cache;
};

static void remote_settings_from(const config *cfg, storage_remote_settings *out)
{
    out->connect_timeout_ms = cfg->remote_connect_timeout_ms;
    out->stall_timeout_ms = cfg->remote_stall_timeout_ms;
    out->max_attempts = cfg->remote_max_attempts;
    out->retry_base_delay_ms = cfg->remote_retry_base_delay_ms;
    out->multipart_threshold = (uint64_t)cfg->s3_multipart_threshold;
    out->multipart_part_size = (uint64_t)cfg->s3_multipart_part_size;
}

/* The normalized §7.2 configuration and secret of the config-driven S3 storage. */
static int s3_settings_json(const config *cfg, json_t **configuration, json_t **secret)
{
    *configuration = json_pack("{s:s, s:s?, s:s?, s:s?, s:b, s:s?}", "providerName",
                               cfg->s3_provider_name, "endpoint", cfg->s3_endpoint, "bucket",
                               cfg->s3_bucket, "region", cfg->s3_region, "forcePathStyle",
                               cfg->s3_force_path_style, "publicBaseUrl", cfg->s3_public_base_url);
    *secret =
        json_pack("{s:s?, s:s?}", "accessKey", cfg->s3_access_key, "secretKey", cfg->s3_secret_key);
    return *configuration && *secret ? 0 : -1;
}

/* The normalized §7.3 configuration and secret of the config-driven GitHub storage. */
static int github_settings_json(const config *cfg, json_t **configuration, json_t **secret)
{
    *configuration = json_pack(
        "{s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:b, s:s?}", "owner", cfg->github_owner, "repo",
        cfg->github_repo, "ref", cfg->github_ref, "basePath", cfg->github_base_path,
        "visibilityPolicy", cfg->github_visibility_policy, "apiBaseUrl", cfg->github_api_base_url,
        "rawBaseUrl", cfg->github_raw_base_url, "allowDelete", cfg->github_allow_delete,
        "commitMessageTemplate", cfg->github_commit_message_template);
    *secret = json_pack("{s:s?}", "token", cfg->github_token);
    return *configuration && *secret ? 0 : -1;
}

/* Build the config-driven remote storage of one kind; NULL out (and 0) when not configured. */
static int create_config_remote(storage_service *service, bool is_s3, storage **out, nh_error *err)
{
    const config *cfg = service->cfg;
    *out = NULL;
    if (is_s3 ? !cfg->s3_endpoint : !cfg->github_owner)
        return 0;
    json_t *configuration = NULL;
    json_t *secret = NULL;
    int rc = is_s3 ? s3_settings_json(cfg, &configuration, &secret)
                   : github_settings_json(cfg, &configuration, &secret);
    if (rc == 0)
        *out = is_s3 ? storage_s3_create("configuration", configuration, secret, &service->remote,
                                         service->spool_dir, err)
                     : storage_github_create("configuration", configuration, secret,
                                             &service->remote, service->spool_dir, err);
    else
        error_internal(err);
    json_decref(configuration);
    json_decref(secret);
    if (!*out)
        return -1;
    if (!is_s3)
        snprintf((*out)->provider_name, sizeof(*out)->provider_name, "%s",
                 cfg->github_provider_name);
    return 0;
}

/* The config-driven storage named provider_name (case-insensitive), or NULL. */
static storage *config_storage_named(const storage_service *service, const char *provider_name)
{
    storage *candidates[] = {service->default_local, service->config_s3, service->config_github};
    for (size_t i = 0; provider_name && i < sizeof candidates / sizeof candidates[0]; i++)
        if (candidates[i] && strcasecmp(candidates[i]->provider_name, provider_name) == 0)
            return candidates[i];
    return NULL;
}

/* The configured Storage__Provider must name a storage that exists. */
static int check_active_provider(const storage_service *service, nh_error *err)
{
    if (config_storage_named(service, service->cfg->storage_provider))
        return 0;
    log_message(LOG_ERROR, "storage",
                "Storage__Provider is '%s' but no storage of that name is configured (local, "
                "Storage__S3__Endpoint, Storage__GitHubRepo__Owner)",
                service->cfg->storage_provider);
    return error_set(err, 500, "storage_provider_not_configured",
                     "Storage__Provider names a storage that is not configured");
}

storage_service *storage_service_create(const config *cfg, db *database, const secret_box *box,
                                        nh_error *err)
{
    storage_service *service = calloc(1, sizeof *service);
    size_t spool_size = strlen(cfg->data_dir) + sizeof "/tmp";
    char *spool_dir = malloc(spool_size);
    if (!service || !spool_dir || pthread_mutex_init(&service->cache_lock, NULL) != 0) {
        free(service);
        free(spool_dir);
        error_internal(err);
        return NULL;
    }
    snprintf(spool_dir, spool_size, "%s/tmp", cfg->data_dir);
    service->cfg = cfg;
    service->database = database;
    service->box = box;
    service->spool_dir = spool_dir;
    remote_settings_from(cfg, &service->remote);
    service->default_local = storage_local_create("local", cfg->local_root_path, NULL, err);
    if (!service->default_local || create_config_remote(service, true, &service->config_s3, err) ||
        create_config_remote(service, false, &service->config_github, err) ||
        check_active_provider(service, err)) {
        storage_service_destroy(service);
        return NULL;
    }
    return service;
}

static void handle_release(storage_handle *handle)
{
    if (handle && atomic_fetch_sub(&handle->references, 1) == 1) {
        storage_destroy(handle->backend);
        free(handle);
    }
}

void storage_service_destroy(storage_service *service)
{
    if (!service)
        return;
    for (cache_entry *entry = service->cache, *next; entry; entry = next) {
        next = entry->next;
        handle_release(entry->handle);
        free(entry);
    }
    pthread_mutex_destroy(&service->cache_lock);
    storage_destroy(service->default_local);
    storage_destroy(service->config_s3);
    storage_destroy(service->config_github);
    free(service->spool_dir);
    free(service);
}

static void borrow(storage_target *out, storage *backend)
{
    out->backend = backend;
    out->profile_id[0] = '\0';
    out->handle = NULL;
    out->in_builtin_local_root = false;
}

void storage_target_release(storage_target *target)
{
    handle_release(target->handle);
    target->handle = NULL;
    target->backend = NULL;
}

/* ---- the cache of profile backends ---- */

static void take_entry(const cache_entry *entry, storage_target *out)
{
    atomic_fetch_add(&entry->handle->references, 1);
    borrow(out, entry->handle->backend);
    out->handle = entry->handle;
    out->in_builtin_local_root = entry->builtin_root;
    snprintf(out->profile_id, sizeof out->profile_id, "%s", entry->profile_id);
}

/* Under the lock: the entry of profile_id (and its predecessor link). */
static cache_entry **find_entry(storage_service *service, const char *profile_id)
{
    cache_entry **link = &service->cache;
    while (*link && strcmp((*link)->profile_id, profile_id) != 0)
        link = &(*link)->next;
    return link;
}

/* A cached backend of this profile version: true with out filled. */
static bool cache_get(storage_service *service, const char *profile_id, int64_t updated_at,
                      storage_target *out)
{
    pthread_mutex_lock(&service->cache_lock);
    cache_entry *entry = *find_entry(service, profile_id);
    bool hit = entry && entry->updated_at == updated_at;
    if (hit)
        take_entry(entry, out);
    pthread_mutex_unlock(&service->cache_lock);
    return hit;
}

void storage_service_forget_profile(storage_service *service, const char *profile_id)
{
    pthread_mutex_lock(&service->cache_lock);
    cache_entry **link = find_entry(service, profile_id);
    cache_entry *entry = *link;
    if (entry)
        *link = entry->next;
    pthread_mutex_unlock(&service->cache_lock);
    if (entry) {
        handle_release(entry->handle);
        free(entry);
    }
}

/* Put a freshly built backend in the cache (replacing an older version) and hand it out. When
 * another thread cached the same version meanwhile, that one is used and ours destroyed. */
static int cache_put(storage_service *service, const char *profile_id, int64_t updated_at,
                     storage *backend, storage_target *out, nh_error *err)
{
    cache_entry *fresh = calloc(1, sizeof *fresh);
    storage_handle *handle = calloc(1, sizeof *handle);
    if (!fresh || !handle) {
        free(fresh);
        free(handle);
        storage_destroy(backend);
        return error_internal(err);
    }
    handle->backend = backend;
    atomic_init(&handle->references, 1);
    snprintf(fresh->profile_id, sizeof fresh->profile_id, "%s", profile_id);
    fresh->updated_at = updated_at;
    fresh->handle = handle;
    fresh->builtin_root =
        strcmp(backend->ops->type, "local") == 0 &&
        strcmp(storage_local_root(backend), storage_local_root(service->default_local)) == 0;
    storage_handle *replaced = NULL;
    pthread_mutex_lock(&service->cache_lock);
    cache_entry **link = find_entry(service, profile_id);
    cache_entry *entry = *link;
    if (entry && entry->updated_at == updated_at) {
        take_entry(entry, out);
        replaced = handle;
        free(fresh);
    } else {
        if (entry) {
            *link = entry->next;
            replaced = entry->handle;
            free(entry);
        }
        fresh->next = service->cache;
        service->cache = fresh;
        take_entry(fresh, out);
    }
    pthread_mutex_unlock(&service->cache_lock);
    handle_release(replaced);
    return 0;
}

/* ---- building a profile's backend (the one factory) ---- */

static int build_failure(const profile_record *profile, bool for_write, const nh_error *cause,
                         nh_error *err)
{
    log_message(LOG_WARN, "storage", "the storage of profile '%s' (%s, %s) cannot be built: %s",
                profile->name, profile->id, profile->provider_type, cause ? cause->message : "");
    if (for_write)
        return error_set(err, 400, "storage_provider_profile_write_not_supported",
                         "Storage provider profile '%s' (%s) cannot be written to.", profile->name,
                         profile->provider_type);
    return error_set(err, 400, "asset_storage_provider_profile_unavailable",
                     "The storage provider profile '%s' (%s) of this asset is not available.",
                     profile->name, profile->provider_type);
}

static storage *build_local(const json_t *configuration, nh_error *err)
{
    const char *root = json_string_value(json_object_get(configuration, "rootPath"));
    const char *base = json_string_value(json_object_get(configuration, "publicBaseUrl"));
    return storage_local_create("local", root, base, err);
}

static storage *build_backend(storage_service *service, const profile_record *profile,
                              const json_t *configuration, const json_t *secret, nh_error *err)
{
    const char *type = profile->provider_type;
    storage *backend = NULL;
    if (strcmp(type, PROFILE_TYPE_LOCAL) == 0)
        backend = build_local(configuration, err);
    else if (strcmp(type, PROFILE_TYPE_S3) == 0)
        backend = storage_s3_create(profile->name, configuration, secret, &service->remote,
                                    service->spool_dir, err);
    else if (strcmp(type, PROFILE_TYPE_GITHUB_REPO) == 0)
        backend = storage_github_create(profile->name, configuration, secret, &service->remote,
                                        service->spool_dir, err);
    else
        error_set(err, 400, "storage_provider_profile_write_not_supported",
                  "provider type %s has no runtime storage", type);
    if (!backend)
        return NULL;
    const char *name = strcmp(type, PROFILE_TYPE_S3) == 0
                           ? json_string_value(json_object_get(configuration, "providerName"))
                           : type;
    snprintf(backend->provider_name, sizeof backend->provider_name, "%s", name ? name : "s3");
    if (!backend->label)
        backend->label = strdup(profile->name);
    return backend;
}

int storage_service_open_profile(storage_service *service, const profile_record *profile,
                                 bool for_write, storage_target *out, nh_error *err)
{
    borrow(out, NULL);
    if (cache_get(service, profile->id, profile->updated_at, out))
        return 0;
    json_error_t parse_error;
    json_t *configuration =
        json_loads(profile->configuration_json ? profile->configuration_json : "", 0, &parse_error);
    json_t *secret = NULL;
    if (!json_is_object(configuration)) {
        json_decref(configuration);
        return build_failure(profile, for_write, NULL, err);
    }
    if (profile_open_secret(service->box, profile, &secret, err) != 0) {
        json_decref(configuration);
        return -1; /* names the profile and the keys; never hidden behind another code */
    }
    nh_error cause;
    storage *backend = build_backend(service, profile, configuration, secret, &cause);
    json_decref(configuration);
    json_decref(secret);
    if (!backend)
        return build_failure(profile, for_write, &cause, err);
    return cache_put(service, profile->id, profile->updated_at, backend, out, err);
}

/* ---- resolution ---- */

static int write_with_profile(storage_service *service, const profile_record *profile,
                              bool is_default, storage_target *out, nh_error *err)
{
    if (!profile->is_enabled && is_default)
        return error_set(err, 400, "storage_provider_default_write_profile_disabled",
                         "The default storage provider profile '%s' is disabled; uploads without "
                         "an explicit profile are rejected.",
                         profile->name);
    if (!profile->is_enabled)
        return error_set(err, 400, "storage_provider_profile_disabled",
                         "Storage provider profile '%s' is disabled.", profile->name);
    return storage_service_open_profile(service, profile, true, out, err);
}

/* The explicit profile, or the default one; *found false when neither exists. */
static int resolve_profile_write(storage_service *service, db_conn *conn, const char *profile_id,
                                 bool *found, storage_target *out, nh_error *err)
{
    db_result *rows = NULL;
    int rc = profile_id ? profile_store_find(conn, profile_id, &rows, err)
                        : profile_store_find_default(conn, &rows, err);
    *found = rc == 0 && db_result_rows(rows) > 0;
    if (rc == 0 && *found) {
        profile_record profile;
        profile_record_from_row(rows, 0, &profile);
        rc = write_with_profile(service, &profile, profile_id == NULL, out, err);
    } else if (rc == 0 && profile_id) {
        rc = error_set(err, 404, "storage_provider_profile_not_found",
                       "Storage provider profile '%s' was not found.", profile_id);
    }
    db_result_free(rows);
    return rc == 0 ? 0 : -1;
}

int storage_service_resolve_write(storage_service *service, const char *profile_id,
                                  storage_target *out, nh_error *err)
{
    borrow(out, NULL);
    if (profile_id && !profile_id[0])
        profile_id = NULL;
    if (service->database) {
        db_conn *conn = db_acquire(service->database, err);
        if (!conn)
            return -1;
        bool found = false;
        int rc = resolve_profile_write(service, conn, profile_id, &found, out, err);
        db_release(service->database, conn);
        if (rc != 0 || found)
            return rc;
    } else if (profile_id) {
        return error_set(err, 404, "storage_provider_profile_not_found",
                         "Storage provider profile '%s' was not found.", profile_id);
    }
    storage *backend = config_storage_named(service, service->cfg->storage_provider);
    if (!backend)
        return error_set(err, 400, "storage_provider_runtime_default_write_not_supported",
                         "The configured storage provider cannot be written to.");
    borrow(out, backend);
    out->in_builtin_local_root = backend == service->default_local;
    return 0;
}

static int profile_not_found_for_asset(const char *profile_id, nh_error *err)
{
    return error_set(err, 400, "asset_storage_provider_profile_not_found",
                     "The storage provider profile '%s' of this asset was not found.", profile_id);
}

int storage_service_resolve_read_on(storage_service *service, db_conn *conn,
                                    const char *provider_name, const char *profile_id,
                                    storage_target *out, nh_error *err)
{
    borrow(out, NULL);
    if (profile_id && profile_id[0]) {
        if (!service->database || !conn)
            return profile_not_found_for_asset(profile_id, err);
        db_result *rows = NULL;
        int rc = profile_store_find(conn, profile_id, &rows, err);
        if (rc == 0 && db_result_rows(rows) == 0)
            rc = profile_not_found_for_asset(profile_id, err);
        if (rc == 0) {
            profile_record profile;
            profile_record_from_row(rows, 0, &profile);
            rc = storage_service_open_profile(service, &profile, false, out, err);
        }
        db_result_free(rows);
        return rc == 0 ? 0 : -1;
    }
    storage *backend = config_storage_named(service, provider_name);
    if (!backend)
        return error_set(err, 400, "asset_storage_provider_legacy_unavailable",
                         "The storage provider '%.64s' of this asset is not available.",
                         provider_name ? provider_name : "");
    borrow(out, backend);
    out->in_builtin_local_root = backend == service->default_local;
    return 0;
}

int storage_service_resolve_read(storage_service *service, const char *provider_name,
                                 const char *profile_id, storage_target *out, nh_error *err)
{
    if (!profile_id || !profile_id[0] || !service->database)
        return storage_service_resolve_read_on(service, NULL, provider_name, profile_id, out, err);
    db_conn *conn = db_acquire(service->database, err);
    if (!conn) {
        borrow(out, NULL);
        return -1;
    }
    int rc = storage_service_resolve_read_on(service, conn, provider_name, profile_id, out, err);
    db_release(service->database, conn);
    return rc;
}

bool storage_service_resolve_local(storage_service *service, const char *provider_name,
                                   const char *profile_id, storage_target *out)
{
    borrow(out, NULL);
    if (profile_id && profile_id[0]) {
        pthread_mutex_lock(&service->cache_lock);
        cache_entry *entry = *find_entry(service, profile_id);
        bool usable = entry && strcmp(entry->handle->backend->ops->type, "local") == 0;
        if (usable)
            take_entry(entry, out);
        pthread_mutex_unlock(&service->cache_lock);
        return usable;
    }
    if (!provider_name || strcasecmp(provider_name, service->default_local->provider_name) != 0)
        return false;
    borrow(out, service->default_local);
    out->in_builtin_local_root = true;
    return true;
}

bool storage_service_config_default(const storage_service *service, const char **provider_type,
                                    const char **provider_name)
{
    const storage *backend = config_storage_named(service, service->cfg->storage_provider);
    *provider_type = backend ? backend->ops->type : NULL;
    *provider_name = backend ? backend->provider_name : NULL;
    return backend != NULL;
}
