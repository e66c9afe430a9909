/* step_support.c - assets, storage, temporary files and objects for the step executors (see
 * step_support.h). */
#include "processing/step_support.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "assets/upload_temps.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/uuid.h"

/* ---- the asset ------------------------------------------------------------------------------ */

int step_asset_load(processing_service *service, const char *asset_id, step_asset *out, bool *found,
                    nh_error *err)
{
    memset(out, 0, sizeof *out);
    *found = false;
    db_conn *conn = db_acquire(service->database, err);
    if (!conn)
        return -1;
    int rc = asset_store_find(conn, asset_id, false, &out->row, err);
    db_release(service->database, conn);
    if (rc != 0)
        return -1;
    if (db_result_rows(out->row) == 1) {
        asset_record_from_row(out->row, 0, &out->record);
        *found = out->record.status && strcmp(out->record.status, "deleted") != 0;
    }
    return 0;
}

void step_asset_free(step_asset *asset)
{
    db_result_free(asset->row);
    memset(asset, 0, sizeof *asset);
}

bool step_asset_is_image(const step_asset *asset)
{
    const char *type = asset->record.content_type;
    return type && strncasecmp(type, "image/", 6) == 0;
}

bool step_row_locks(const processing_service *service)
{
    return db_dialect(service->database) == DB_PROVIDER_POSTGRES;
}

media_limits step_media_limits(const processing_service *service)
{
    media_limits limits = {service->cfg->max_image_pixels, service->cfg->max_animation_pixels};
    return limits;
}

/* ---- storage -------------------------------------------------------------------------------- */

int step_read_target(processing_service *service, const asset_record *asset, storage_target *out,
                     nh_error *err)
{
    return storage_service_resolve_read(service->storage, asset->storage_provider,
                                        asset->storage_provider_profile_id, out, err);
}

int step_write_target(processing_service *service, const asset_record *asset, storage_target *out,
                      nh_error *err)
{
    const char *profile = asset->storage_provider_profile_id;
    if (profile && profile[0]) /* refuses a disabled profile */
        return storage_service_resolve_write(service->storage, profile, out, err);
    return storage_service_resolve_read(service->storage, asset->storage_provider, NULL, out, err);
}

int step_open_object(storage_target *target, const char *key, storage_object *object, nh_error *err)
{
    object->fd = -1;
    return storage_open(target->backend, key, object, err);
}

/* ---- temporary files ------------------------------------------------------------------------ */

int step_temp_open(processing_service *service, step_temp *temp, nh_error *err)
{
    temp->path[0] = '\0';
    temp->fd = upload_temps_open(service->assets->uploads, temp->path, err);
    return temp->fd >= 0 ? 0 : -1;
}

void step_temp_close(processing_service *service, step_temp *temp)
{
    if (temp->fd < 0)
        return;
    upload_temps_close(service->assets->uploads, temp->path); /* a failure is logged there */
    close(temp->fd);
    temp->fd = -1;
}

/* ---- new objects ---------------------------------------------------------------------------- */

/* SHA-256 (lowercase hex) and size of the whole file behind fd. */
static int hash_file(int fd, char hex[65], int64_t *size, nh_error *err)
{
    crypto_hash_sha256_state state;
    crypto_hash_sha256_init(&state);
    unsigned char chunk[65536];
    off_t offset = 0;
    for (;;) {
        ssize_t got = pread(fd, chunk, sizeof chunk, offset);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            log_message(LOG_ERROR, "processing", "a processed file could not be read: %s",
                        strerror(errno));
            return error_internal(err);
        }
        if (got == 0)
            break;
        crypto_hash_sha256_update(&state, chunk, (unsigned long long)got);
        offset += got;
    }
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&state, digest);
    sodium_bin2hex(hex, 65, digest, sizeof digest);
    *size = (int64_t)offset;
    return 0;
}

static const char *profile_or_null(const storage_target *target)
{
    return target->profile_id[0] ? target->profile_id : NULL;
}

static int record_intent(processing_service *service, const storage_target *target, const char *key,
                         const char *intent_id, nh_error *err)
{
    db_conn *conn = db_acquire(service->database, err);
    if (!conn)
        return -1;
    int rc = asset_store_add_upload_intent(conn, intent_id, target->backend->provider_name,
                                           profile_or_null(target), key, err);
    db_release(service->database, conn);
    return rc == 0 ? 0 : -1;
}

static void end_intent(processing_service *service, const step_object *object)
{
    nh_error err;
    db_conn *conn = db_acquire(service->database, &err);
    int rc = conn ? asset_store_remove_pending_deletion(conn, object->intent_id, &err) : -1;
    if (conn)
        db_release(service->database, conn);
    if (rc != 0)
        log_message(LOG_WARN, "processing", "the intent of %s stays for the sweep: %s", object->key,
                    err.message);
}

int step_object_put(processing_service *service, storage_target *target, const step_temp *temp,
                    const char *extension, const char *content_type, step_object *out,
                    nh_error *err)
{
    memset(out, 0, sizeof *out);
    if (hash_file(temp->fd, out->sha256, &out->size, err) != 0)
        return -1;
    out->created_at = clock_now_ms();
    char id[UUID_TEXT_SIZE], proposed[STORAGE_KEY_SIZE];
    uuid_v7_at(out->created_at, id);
    uuid_v7(out->intent_id);
    if (storage_key_generate(out->created_at, id, extension, proposed, sizeof proposed) != 0)
        return error_internal(err);
    if (record_intent(service, target, proposed, out->intent_id, err) != 0)
        return -1;
    storage_put_request request = {
        .key = proposed,
        .source_path = temp->path,
        .source_fd = temp->fd,
        .size = (uint64_t)out->size,
        .content_type = content_type,
        .commit_message = STEP_COMMIT_MESSAGE,
        .sha256_hex = out->sha256,
    };
    if (storage_put(target->backend, &request, out->key, err) != 0) {
        snprintf(out->key, sizeof out->key, "%s", proposed);
        end_intent(service, out);
        out->key[0] = '\0';
        return -1;
    }
    out->public_url = storage_public_url(target->backend, service->public_base_url, out->key);
    return 0;
}

void step_object_clear(step_object *object)
{
    free(object->public_url);
    object->public_url = NULL;
}

void step_object_discard(processing_service *service, storage_target *target, step_object *object)
{
    nh_error err;
    db_conn *conn = db_acquire(service->database, &err);
    bool in_use = true;
    int rc = conn ? asset_store_key_in_use(conn, object->key, &in_use, &err) : -1;
    if (rc == 0 && !in_use)
        rc = storage_remove_unreferenced(target->backend, object->key, STEP_COMMIT_MESSAGE, &err);
    if (rc == 0)
        rc = asset_store_remove_pending_deletion(conn, object->intent_id, &err);
    if (conn)
        db_release(service->database, conn);
    if (rc != 0)
        log_message(LOG_WARN, "processing", "the unused object %s is left to the sweep: %s (%s)",
                    object->key, err.code, err.message);
    step_object_clear(object);
}

/* ---- old objects ---------------------------------------------------------------------------- */

static int remove_unreferenced(processing_service *service, db_conn *conn, const char *provider,
                               const char *profile_id, const char *key, nh_error *err)
{
    bool in_use = true;
    if (asset_store_key_in_use(conn, key, &in_use, err) != 0)
        return -1;
    if (in_use)
        return 0;
    storage_target target;
    if (storage_service_resolve_read_on(service->storage, conn, provider, profile_id, &target,
                                        err) != 0)
        return -1;
    int rc = storage_remove_unreferenced(target.backend, key, STEP_COMMIT_MESSAGE, err);
    storage_target_release(&target);
    return rc;
}

void step_remove_pending(processing_service *service, const char *pending_id, const char *provider,
                         const char *profile_id, const char *key)
{
    nh_error err;
    db_conn *conn = db_acquire(service->database, &err);
    if (!conn) {
        log_message(LOG_WARN, "processing", "the old object %s is left to the sweep: %s", key,
                    err.message);
        return;
    }
    int rc = remove_unreferenced(service, conn, provider, profile_id, key, &err);
    if (rc == 0)
        rc = asset_store_remove_pending_deletion(conn, pending_id, &err);
    if (rc != 0) {
        log_message(LOG_WARN, "processing", "the old object %s is left to the sweep: %s (%s)", key,
                    err.code, err.message);
        nh_error note_error;
        if (asset_store_note_pending_failure(conn, pending_id, err.code, &note_error) != 0)
            log_message(LOG_WARN, "processing", "the failure could not be noted for %s: %s", key,
                        note_error.message);
    }
    db_release(service->database, conn);
}

/* ---- outcomes ------------------------------------------------------------------------------- */

void step_succeed(step_result *result)
{
    memset(result, 0, sizeof *result);
    result->status = STEP_STATUS_SUCCEEDED;
}

void step_fail(step_result *result, const nh_error *err)
{
    processing_step_fail(result, err);
}
