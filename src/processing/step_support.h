/* step_support.h - what the step executors share: the asset as a step sees it, where its bytes
 * are read and written, temporary files, new immutable objects guarded by an upload intent,
 * and the removal of an object whose row moved on.
 *
 * Storage rules (processing_step.h): reading uses the asset's bound storage even when its
 * profile is disabled (storage_service_resolve_read); writing through a disabled profile is
 * refused with 400 storage_provider_profile_disabled. A new object gets a new key
 * (storage_key_generate) and is written only after an upload intent recorded it
 * (asset_store_add_upload_intent): the transaction that makes a row point at it ends the
 * intent; if that never happens the object is removed here or by the assets sweep. An old
 * object is recorded for removal in the transaction that drops its last reference and removed
 * after the commit (step_remove_pending); a failure leaves the record to the sweep.
 *
 * Temporary files are upload temps (assets/upload_temps.h), so the assets sweep removes them
 * after a crash. Every function returns 0, or -1 with err filled, unless it says otherwise.
 * Thread-safe (no shared state); a function that needs a database connection takes its own
 * and never holds it while another is wanted. */
#ifndef NH_PROCESSING_STEP_SUPPORT_H
#define NH_PROCESSING_STEP_SUPPORT_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "assets/asset_store.h"
#include "core/error.h"
#include "media/media_ops.h"
#include "processing/processing.h"
#include "processing/processing_step.h"
#include "storage/storage.h"

#define STEP_COMMIT_MESSAGE "Processed by NekoHub"

/* ---- the asset ------------------------------------------------------------------------------ */

typedef struct step_asset {
    db_result *row;      /* owned */
    asset_record record; /* borrows row */
} step_asset;

/* Read the asset. 0 with *found false when it does not exist (or is marked deleted). */
int step_asset_load(processing_service *service, const char *asset_id, step_asset *out, bool *found,
                    nh_error *err);
void step_asset_free(step_asset *asset);
/* The content type starts with "image/" (any case). */
bool step_asset_is_image(const step_asset *asset);

/* Whether rows can be locked with SELECT ... FOR UPDATE (PostgreSQL; SQLite's BEGIN IMMEDIATE
 * already holds the one write lock). */
bool step_row_locks(const processing_service *service);

/* The pixel limits of the settings (Api__Assets__MaxImagePixels, MaxAnimationPixels). */
media_limits step_media_limits(const processing_service *service);

/* ---- storage -------------------------------------------------------------------------------- */

/* The storage holding the asset's objects, for reading (disabled profiles too). */
int step_read_target(processing_service *service, const asset_record *asset, storage_target *out,
                     nh_error *err);
/* The same storage for writing: a profile must be enabled (400
 * storage_provider_profile_disabled); a config-driven one is used as it is. */
int step_write_target(processing_service *service, const asset_record *asset, storage_target *out,
                      nh_error *err);
/* Open an object of the asset's storage: 0 with object (close object->fd), STORAGE_NOT_FOUND,
 * or -1. */
int step_open_object(storage_target *target, const char *key, storage_object *object,
                     nh_error *err);

/* ---- temporary files ------------------------------------------------------------------------ */

typedef struct step_temp {
    char path[PATH_MAX];
    int fd; /* read/write; -1 when not open */
} step_temp;

int step_temp_open(processing_service *service, step_temp *temp, nh_error *err);
/* Remove and close (nothing when not open). */
void step_temp_close(processing_service *service, step_temp *temp);

/* ---- new objects ---------------------------------------------------------------------------- */

typedef struct step_object {
    char intent_id[UUID_TEXT_SIZE]; /* the upload intent covering key until a row points at it */
    char key[STORAGE_KEY_SIZE];
    char sha256[65];
    int64_t size;
    char *public_url; /* malloc'ed, or NULL */
    int64_t created_at;
} step_object;

/* Hash the temp file, record the intent, write it under a new key with extension. */
int step_object_put(processing_service *service, storage_target *target, const step_temp *temp,
                    const char *extension, const char *content_type, step_object *out,
                    nh_error *err);
/* The object will never be referenced (the commit failed or was not wanted): remove it and end
 * its intent; a failure is logged and left to the sweep. Frees public_url. */
void step_object_discard(processing_service *service, storage_target *target, step_object *object);
/* The commit referenced it: only free public_url. */
void step_object_clear(step_object *object);

/* ---- old objects ---------------------------------------------------------------------------- */

/* An object recorded for removal (asset_store_add_pending_deletion) in a committed transaction:
 * remove it now unless a row points at it again, then end the record. A failure is logged and
 * noted on the record; the assets sweep retries. */
void step_remove_pending(processing_service *service, const char *pending_id, const char *provider,
                         const char *profile_id, const char *key);

/* ---- outcomes ------------------------------------------------------------------------------- */

void step_succeed(step_result *result);
/* FAILED from err (processing_step_fail). */
void step_fail(step_result *result, const nh_error *err);

#endif
