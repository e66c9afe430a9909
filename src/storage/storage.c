/* storage.c - the storage wrappers, public URLs and the storage service (backend selection). */
#include "storage/storage.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/text.h"
#include "core/log.h"
#include "storage/github.h"
#include "storage/local.h"
#include "storage/s3.h"

/* ---- wrappers --------------------------------------------------------------------------- */

static int refuse_key(const char *key, nh_error *err)
{
    (void)key;
    return error_set(err, 500, "internal_server_error", "invalid storage key");
}

int storage_put(storage *backend, const storage_put_request *request,
                char key_out[STORAGE_KEY_SIZE], nh_error *err)
{
    if (!storage_key_is_valid(request->key))
        return refuse_key(request->key, err);
    return backend->ops->put(backend, request, key_out, err);
}

int storage_open(storage *backend, const char *key, storage_object *out, nh_error *err)
{
    out->fd = -1;
    if (!storage_key_is_valid(key))
        return STORAGE_NOT_FOUND; /* an invalid key names nothing */
    return backend->ops->open(backend, key, out, err);
}

int storage_remove(storage *backend, const char *key, const char *commit_message, nh_error *err)
{
    if (!storage_key_is_valid(key))
        return refuse_key(key, err);
    return backend->ops->remove(backend, key, commit_message, err);
}

int storage_remove_unreferenced(storage *backend, const char *key, const char *commit_message,
                                nh_error *err)
{
    if (!storage_key_is_valid(key))
        return refuse_key(key, err);
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
    return backend->ops->exists(backend, key, exists, err);
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

char *storage_url_join(const char *base, const char *key)
{
    if (!base || text_is_blank(base) || !key)
        return NULL;
    size_t base_length = strlen(base);
    while (base_length > 0 && base[base_length - 1] == '/')
        base_length--;
    buf url;
    buf_init(&url, 0);
    int rc = buf_append(&url, base, base_length);
    if (rc == 0)
        rc = buf_append_str(&url, "/");
    static const char hex[] = "0123456789ABCDEF";
    for (const char *c = key; rc == 0 && *c; c++) {
        unsigned char byte = (unsigned char)*c;
        if (byte == '/' || is_unreserved(byte)) {
            rc = buf_append(&url, c, 1);
        } else {
            char escaped[3] = {'%', hex[byte >> 4], hex[byte & 15]};
            rc = buf_append(&url, escaped, 3);
        }
    }
    if (rc != 0) {
        buf_free(&url);
        return NULL;
    }
    return buf_detach(&url);
}

/* ---- the service ------------------------------------------------------------------------ */

/* Config-driven storages (spec §9.3): the local one always, the S3 and GitHub ones when their
 * settings are present. Database profiles come on top of these (storage provider profiles). */
struct storage_service {
    const config *cfg;
    storage_remote_settings remote;
    char *spool_dir;        /* DATA_DIR/tmp: remote reads spool here */
    storage *default_local; /* provider name "local" */
    storage *config_s3;     /* Storage__S3__*, or NULL when not configured */
    storage *config_github; /* Storage__GitHubRepo__*, or NULL when not configured */
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

storage_service *storage_service_create(const config *cfg, nh_error *err)
{
    storage_service *service = calloc(1, sizeof *service);
    size_t spool_size = strlen(cfg->data_dir) + sizeof "/tmp";
    char *spool_dir = malloc(spool_size);
    if (!service || !spool_dir) {
        free(service);
        free(spool_dir);
        error_internal(err);
        return NULL;
    }
    snprintf(spool_dir, spool_size, "%s/tmp", cfg->data_dir);
    service->cfg = cfg;
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

void storage_service_destroy(storage_service *service)
{
    if (!service)
        return;
    storage_destroy(service->default_local);
    storage_destroy(service->config_s3);
    storage_destroy(service->config_github);
    free(service->spool_dir);
    free(service);
}

static void borrow(storage_target *out, storage *backend)
{
    out->backend = backend;
    out->owned = false;
    out->profile_id[0] = '\0';
}

int storage_service_resolve_write(storage_service *service, const char *profile_id,
                                  storage_target *out, nh_error *err)
{
    borrow(out, NULL);
    if (profile_id && profile_id[0]) /* no profiles exist until the storage profiles land */
        return error_set(err, 404, "storage_provider_profile_not_found",
                         "Storage provider profile '%s' was not found.", profile_id);
    storage *backend = config_storage_named(service, service->cfg->storage_provider);
    if (!backend)
        return error_set(err, 400, "storage_provider_runtime_default_write_not_supported",
                         "The configured storage provider cannot be written to.");
    borrow(out, backend);
    return 0;
}

int storage_service_resolve_read(storage_service *service, const char *provider_name,
                                 const char *profile_id, storage_target *out, nh_error *err)
{
    borrow(out, NULL);
    if (profile_id && profile_id[0])
        return error_set(err, 400, "asset_storage_provider_profile_not_found",
                         "The storage provider profile '%s' of this asset was not found.",
                         profile_id);
    storage *backend = config_storage_named(service, provider_name);
    if (!backend)
        return error_set(err, 400, "asset_storage_provider_legacy_unavailable",
                         "The storage provider '%.64s' of this asset is not available.",
                         provider_name ? provider_name : "");
    borrow(out, backend);
    return 0;
}

bool storage_service_resolve_local(storage_service *service, const char *provider_name,
                                   const char *profile_id, storage_target *out)
{
    borrow(out, NULL);
    if ((profile_id && profile_id[0]) || !provider_name ||
        strcasecmp(provider_name, service->default_local->provider_name) != 0)
        return false;
    borrow(out, service->default_local);
    return true;
}

void storage_target_release(storage_target *target)
{
    if (target->owned)
        storage_destroy(target->backend);
    target->backend = NULL;
    target->owned = false;
}
