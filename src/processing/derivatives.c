/* derivatives.c - making missing or stale derivatives of an asset (see derivatives.h). */
#include "processing/derivatives.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "core/uuid.h"
#include "media/media_ops.h"
#include "processing/step_store.h"

typedef struct derivative_spec {
    const char *kind;
    int box;
    media_format format;
    int quality; /* 0 = the encoder's default */
} derivative_spec;

static const derivative_spec specs[] = {
    {DERIVATIVE_THUMBNAIL, 256, MEDIA_FORMAT_PNG, 0},
    {DERIVATIVE_PREVIEW, 1024, MEDIA_FORMAT_WEBP, 80},
};

#define SPEC_COUNT (sizeof specs / sizeof specs[0])

static bool same_text(const char *a, const char *b)
{
    return !strcmp(a ? a : "", b ? b : "");
}

/* A row made from another original than checksum (or from an unknown one) is stale. */
static bool is_current(const db_result *rows, size_t row, const char *checksum)
{
    const char *source = db_result_text(rows, row, STEP_DERIVATIVE_SOURCE_CHECKSUM);
    return source && same_text(source, checksum);
}

/* Which kinds are missing or stale: needed[i] for specs[i]; *any when one is. */
static int find_needed(processing_service *service, const asset_record *asset,
                       bool needed[SPEC_COUNT], bool *any, nh_error *err)
{
    db_conn *conn = db_acquire(service->database, err);
    if (!conn)
        return -1;
    db_result *rows = NULL;
    int rc = step_store_derivatives(conn, asset->id, NULL, &rows, err);
    db_release(service->database, conn);
    if (rc != 0)
        return -1;
    *any = false;
    for (size_t i = 0; i < SPEC_COUNT; i++) {
        needed[i] = true;
        for (size_t row = 0; row < db_result_rows(rows); row++)
            if (same_text(db_result_text(rows, row, STEP_DERIVATIVE_KIND), specs[i].kind) &&
                is_current(rows, row, asset->checksum_sha256))
                needed[i] = false;
        *any = *any || needed[i];
    }
    db_result_free(rows);
    return 0;
}

/* ---- the commit ----------------------------------------------------------------------------- */

typedef struct derivative_commit {
    const asset_record *asset;
    const derivative_spec *spec;
    const media_result *made;
    const storage_target *target;
    const step_object *object;
    bool lock;   /* step_row_locks */
    bool wanted; /* the row now points at the new object */
    bool replaced;
    char pending_id[UUID_TEXT_SIZE];
    char old_provider[STORAGE_PROVIDER_NAME_SIZE];
    char old_key[STORAGE_KEY_SIZE];
} derivative_commit;

static void fill_row(const derivative_commit *c, const char *id, step_derivative *row)
{
    *row = (step_derivative){
        .id = id,
        .asset_id = c->asset->id,
        .kind = c->spec->kind,
        .content_type = media_format_content_type(c->spec->format),
        .extension = media_format_extension(c->spec->format),
        .size = c->object->size,
        .width = c->made->info.width,
        .height = c->made->info.height,
        .checksum_sha256 = c->object->sha256,
        .storage_provider = c->target->backend->provider_name,
        .storage_key = c->object->key,
        .public_url = c->object->public_url,
        .source_checksum_sha256 = c->asset->checksum_sha256,
        .created_at = c->object->created_at,
    };
}

/* The existing row of the kind gets the new object; its old one is recorded for removal. */
static int replace_row(db_conn *conn, derivative_commit *c, const db_result *rows, nh_error *err)
{
    step_derivative row;
    fill_row(c, NULL, &row);
    const char *old_key = db_result_text(rows, 0, STEP_DERIVATIVE_STORAGE_KEY);
    const char *old_provider = db_result_text(rows, 0, STEP_DERIVATIVE_STORAGE_PROVIDER);
    snprintf(c->old_key, sizeof c->old_key, "%s", old_key ? old_key : "");
    snprintf(c->old_provider, sizeof c->old_provider, "%s", old_provider ? old_provider : "");
    uuid_v7(c->pending_id);
    if (step_store_replace_derivative(conn, db_result_text(rows, 0, STEP_DERIVATIVE_ID), &row,
                                      err) != 0 ||
        asset_store_add_pending_deletion(conn, c->pending_id, c->old_provider,
                                         c->asset->storage_provider_profile_id, c->old_key,
                                         err) != 0)
        return -1;
    c->replaced = true;
    return 0;
}

static int commit_in_transaction(db_conn *conn, void *context, nh_error *err)
{
    derivative_commit *c = context;
    db_result *asset_rows = NULL, *rows = NULL;
    int rc = asset_store_find(conn, c->asset->id, c->lock, &asset_rows, err);
    bool same_original = false;
    if (rc == 0 && db_result_rows(asset_rows) == 1) {
        asset_record now;
        asset_record_from_row(asset_rows, 0, &now);
        same_original = same_text(now.checksum_sha256, c->asset->checksum_sha256);
    }
    db_result_free(asset_rows);
    if (rc != 0 || !same_original) /* gone or rewritten meanwhile: this one is stale already */
        return rc;
    if (step_store_derivatives(conn, c->asset->id, c->spec->kind, &rows, err) != 0)
        return -1;
    if (db_result_rows(rows) > 0 && is_current(rows, 0, c->asset->checksum_sha256)) {
        db_result_free(rows); /* made meanwhile by another run: keep that one */
        return 0;
    }
    if (db_result_rows(rows) > 0) {
        rc = replace_row(conn, c, rows, err);
    } else {
        char id[UUID_TEXT_SIZE];
        uuid_v7(id);
        step_derivative row;
        fill_row(c, id, &row);
        rc = step_store_insert_derivative(conn, &row, err);
    }
    db_result_free(rows);
    if (rc == 0)
        rc = asset_store_remove_pending_deletion(conn, c->object->intent_id, err);
    c->wanted = rc == 0;
    return rc;
}

/* ---- making one ----------------------------------------------------------------------------- */

static int make_one(processing_service *service, const asset_record *asset, storage_target *target,
                    int original_fd, const derivative_spec *spec, nh_error *err)
{
    step_temp temp;
    if (step_temp_open(service, &temp, err) != 0)
        return -1;
    media_limits limits = step_media_limits(service);
    media_result made;
    step_object object;
    int rc = media_ops_thumbnail(service->media, original_fd, temp.fd, &limits, spec->box,
                                 spec->box, spec->format, spec->quality, &made, err);
    if (rc == 0)
        rc = step_object_put(service, target, &temp, media_format_extension(spec->format),
                             media_format_content_type(spec->format), &object, err);
    step_temp_close(service, &temp);
    if (rc != 0)
        return -1;
    derivative_commit commit = {
        .asset = asset,
        .spec = spec,
        .made = &made,
        .target = target,
        .object = &object,
        .lock = step_row_locks(service),
    };
    rc = db_transaction(service->database, commit_in_transaction, &commit, err);
    if (rc != 0 || !commit.wanted) {
        /* not needed any more, or not committed (discard keeps it if a row points at it) */
        step_object_discard(service, target, &object);
        /* DB_CONSTRAINT: a row of the kind appeared between the read and the insert */
        return rc == 0 || rc == DB_CONSTRAINT ? 0 : -1;
    }
    step_object_clear(&object);
    if (commit.replaced)
        step_remove_pending(service, commit.pending_id, commit.old_provider,
                            asset->storage_provider_profile_id, commit.old_key);
    return 0;
}

int derivatives_refresh(processing_service *service, const asset_record *asset, nh_error *err)
{
    bool needed[SPEC_COUNT], any = false;
    if (find_needed(service, asset, needed, &any, err) != 0)
        return -1;
    if (!any)
        return 0;
    storage_target writer, reader;
    if (step_write_target(service, asset, &writer, err) != 0)
        return -1;
    if (step_read_target(service, asset, &reader, err) != 0) {
        storage_target_release(&writer);
        return -1;
    }
    storage_object original;
    int rc = step_open_object(&reader, asset->storage_key, &original, err);
    for (size_t i = 0; rc == 0 && i < SPEC_COUNT; i++)
        if (needed[i])
            rc = make_one(service, asset, &writer, original.fd, &specs[i], err);
    if (original.fd >= 0)
        close(original.fd);
    storage_target_release(&reader);
    storage_target_release(&writer);
    return rc == STORAGE_NOT_FOUND ? 1 : rc;
}

/* ---- reading one ---------------------------------------------------------------------------- */

/* Copy the object into the temp file. */
static int copy_into(int from, step_temp *temp, nh_error *err)
{
    char chunk[65536];
    off_t offset = 0;
    for (;;) {
        ssize_t got = pread(from, chunk, sizeof chunk, offset);
        if (got < 0 && errno == EINTR)
            continue;
        if (got == 0)
            return 0;
        if (got < 0 || write(temp->fd, chunk, (size_t)got) != got) {
            log_message(LOG_ERROR, "processing", "a derivative could not be copied: %s",
                        strerror(errno));
            return error_internal(err);
        }
        offset += got;
    }
}

/* The storage key of the current derivative of kind, into key; 1 when none. */
static int current_key(processing_service *service, const asset_record *asset, const char *kind,
                       char key[STORAGE_KEY_SIZE], nh_error *err)
{
    db_conn *conn = db_acquire(service->database, err);
    if (!conn)
        return -1;
    db_result *rows = NULL;
    int rc = step_store_derivatives(conn, asset->id, kind, &rows, err);
    db_release(service->database, conn);
    if (rc != 0)
        return -1;
    const char *stored = db_result_text(rows, 0, STEP_DERIVATIVE_STORAGE_KEY);
    rc = stored && is_current(rows, 0, asset->checksum_sha256) ? 0 : 1;
    if (rc == 0)
        snprintf(key, STORAGE_KEY_SIZE, "%s", stored);
    db_result_free(rows);
    return rc;
}

int derivatives_fetch(processing_service *service, const asset_record *asset, const char *kind,
                      step_temp *temp, const char **content_type, nh_error *err)
{
    temp->fd = -1;
    const derivative_spec *spec = NULL;
    for (size_t i = 0; i < SPEC_COUNT; i++)
        if (!strcmp(specs[i].kind, kind))
            spec = &specs[i];
    char key[STORAGE_KEY_SIZE];
    int rc = spec ? current_key(service, asset, kind, key, err) : 1;
    if (rc != 0)
        return rc;
    storage_target reader;
    if (step_read_target(service, asset, &reader, err) != 0)
        return -1;
    storage_object object;
    rc = step_open_object(&reader, key, &object, err);
    if (rc == 0 && step_temp_open(service, temp, err) != 0)
        rc = -1;
    if (rc == 0 && copy_into(object.fd, temp, err) != 0) {
        step_temp_close(service, temp);
        rc = -1;
    }
    if (object.fd >= 0)
        close(object.fd);
    storage_target_release(&reader);
    if (rc == 0)
        *content_type = media_format_content_type(spec->format);
    return rc == STORAGE_NOT_FOUND ? 1 : rc;
}
