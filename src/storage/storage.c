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
#include "storage/local.h"

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

struct storage_service {
    storage *default_local; /* the built-in default local profile */
};

storage_service *storage_service_create(const config *cfg, nh_error *err)
{
    storage_service *service = calloc(1, sizeof *service);
    if (!service) {
        error_internal(err);
        return NULL;
    }
    service->default_local = storage_local_create("local", cfg->local_root_path, NULL, err);
    if (!service->default_local) {
        free(service);
        return NULL;
    }
    return service;
}

void storage_service_destroy(storage_service *service)
{
    if (!service)
        return;
    storage_destroy(service->default_local);
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
    borrow(out, service->default_local);
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
    if (!provider_name || strcasecmp(provider_name, service->default_local->provider_name) != 0)
        return error_set(err, 400, "asset_storage_provider_legacy_unavailable",
                         "The storage provider '%.64s' of this asset is not available.",
                         provider_name ? provider_name : "");
    borrow(out, service->default_local);
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
