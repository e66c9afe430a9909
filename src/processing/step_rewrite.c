/* step_rewrite.c - the steps that rewrite the original (spec processing.md §7.3-§7.5, with
 * issue 11's corrections): strip_exif_metadata, convert_image_format, draw_watermark. They
 * share one transactional swap:
 *
 *   1. a mark (job, step key) already present: this job committed the step before (a retried
 *      attempt) -> nothing to do;
 *   2. the asset missing or not an image -> nothing to do; its storage must be writable (400
 *      storage_provider_profile_disabled); then the parameters (400 with their codes);
 *   3. the sandboxed worker writes the new bytes into a temp file (orientation applied);
 *      an EXIF strip of an image without EXIF has nothing to do;
 *   4. the new bytes go to a NEW key, after an upload intent recorded it;
 *   5. one transaction: the asset row swapped to the new object (only if it still points at
 *      the old key), the old key recorded for removal (not with KeepOriginal), the intent
 *      ended, the mark inserted;
 *   6. after the commit the old object is removed; when the commit did not happen the new
 *      object is removed instead (the sweep finishes either if this fails).
 * The public URL therefore changes with every rewrite. The runner regenerates the derivatives
 * afterwards (skill_runner.h). */
#include "processing/processing_steps.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "assets/content_cache.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/uuid.h"
#include "processing/skill_params.h"
#include "processing/step_store.h"
#include "processing/step_support.h"

typedef enum { REWRITE_EXIF_STRIP, REWRITE_CONVERT, REWRITE_WATERMARK } rewrite_kind;

typedef struct rewrite_request {
    rewrite_kind kind;
    media_format target;              /* convert */
    bool keep_original;               /* convert: the old object stays (not recorded) */
    const media_watermark *watermark; /* watermark */
} rewrite_request;

/* What a rewrite works on once it may go ahead. */
typedef struct rewrite_session {
    const step_context *context;
    processing_service *service;
    step_asset asset;
    storage_target writer;
    bool has_writer;
} rewrite_session;

/* ---- beginning ------------------------------------------------------------------------------ */

static bool job_has_mark(const step_context *context, nh_error *err, int *rc)
{
    *rc = 0;
    if (!context->job_id || !context->job_id[0])
        return false;
    db_conn *conn = db_acquire(context->service->database, err);
    if (!conn) {
        *rc = -1;
        return false;
    }
    bool exists = false;
    *rc = step_store_mark_exists(conn, context->job_id, context->step_key, &exists, err);
    db_release(context->service->database, conn);
    return *rc == 0 && exists;
}

/* 0: go ahead; 1: nothing to do (result SUCCEEDED); -1: failed (result set). */
static int rewrite_begin(const step_context *context, rewrite_session *session, step_result *result)
{
    memset(session, 0, sizeof *session);
    session->context = context;
    session->service = context->service;
    step_succeed(result);
    nh_error err;
    int rc = 0;
    if (job_has_mark(context, &err, &rc))
        return 1;
    bool found = false;
    if (rc != 0 ||
        step_asset_load(session->service, context->asset_id, &session->asset, &found, &err) != 0) {
        step_fail(result, &err);
        return -1;
    }
    if (!found || !step_asset_is_image(&session->asset))
        return 1;
    if (step_write_target(session->service, &session->asset.record, &session->writer, &err) != 0) {
        step_fail(result, &err);
        return -1;
    }
    session->has_writer = true;
    return 0;
}

static void rewrite_end(rewrite_session *session)
{
    if (session->has_writer)
        storage_target_release(&session->writer);
    step_asset_free(&session->asset);
}

/* ---- the bytes ------------------------------------------------------------------------------ */

static int run_operation(processing_service *service, const rewrite_request *request, int input,
                         int output, media_result *made, nh_error *err)
{
    media_limits limits = step_media_limits(service);
    switch (request->kind) {
    case REWRITE_EXIF_STRIP:
        return media_ops_exif_strip(service->media, input, output, &limits, made, err);
    case REWRITE_CONVERT:
        return media_ops_convert(service->media, input, output, &limits, request->target, made,
                                 err);
    default:
        return media_ops_watermark(service->media, input, output, &limits, request->watermark, made,
                                   err);
    }
}

/* The original through the worker into temp. */
static int make_bytes(rewrite_session *session, const rewrite_request *request, step_temp *temp,
                      media_result *made, nh_error *err)
{
    const asset_record *asset = &session->asset.record;
    storage_target reader;
    if (step_read_target(session->service, asset, &reader, err) != 0)
        return -1;
    storage_object original;
    int rc = step_open_object(&reader, asset->storage_key, &original, err);
    if (rc == STORAGE_NOT_FOUND)
        rc = error_set(err, 404, "asset_content_not_found",
                       "The stored object of asset '%s' is missing.", asset->id);
    if (rc == 0)
        rc = step_temp_open(session->service, temp, err);
    if (rc == 0)
        rc = run_operation(session->service, request, original.fd, temp->fd, made, err);
    if (original.fd >= 0)
        close(original.fd);
    storage_target_release(&reader);
    return rc;
}

/* ---- the swap ------------------------------------------------------------------------------- */

typedef struct rewrite_commit {
    const rewrite_session *session;
    const rewrite_request *request;
    const media_result *made;
    const step_object *object;
    char pending_id[UUID_TEXT_SIZE];
    bool committed; /* the row now points at the new object */
    bool already;   /* the mark was there: an earlier attempt committed this step */
} rewrite_commit;

static int commit_in_transaction(db_conn *conn, void *context, nh_error *err)
{
    rewrite_commit *c = context;
    const step_context *step = c->session->context;
    const asset_record *asset = &c->session->asset.record;
    bool marked = step->job_id && step->job_id[0];
    if (marked && step_store_mark_exists(conn, step->job_id, step->step_key, &c->already, err) != 0)
        return -1;
    if (c->already)
        return 0;
    step_asset_swap swap = {
        .content_type = media_format_content_type(c->made->info.format),
        .extension = media_format_extension(c->made->info.format),
        .size = c->object->size,
        .width = c->made->info.width,
        .height = c->made->info.height,
        .checksum_sha256 = c->object->sha256,
        .storage_key = c->object->key,
        .stored_file_name = storage_key_file_name(c->object->key),
        .public_url = c->object->public_url,
        .updated_at = clock_now_ms(),
    };
    int64_t affected = 0;
    if (step_store_swap_asset(conn, asset->id, asset->storage_key, &swap, &affected, err) != 0)
        return -1;
    if (affected != 1)
        return 0; /* gone or changed meanwhile: nothing was written */
    if (!c->request->keep_original &&
        asset_store_add_pending_deletion(conn, c->pending_id, asset->storage_provider,
                                         asset->storage_provider_profile_id, asset->storage_key,
                                         err) != 0)
        return -1;
    if (asset_store_remove_pending_deletion(conn, c->object->intent_id, err) != 0 ||
        (marked &&
         step_store_add_mark(conn, step->job_id, step->step_key, clock_now_ms(), err) != 0))
        return -1;
    c->committed = true;
    return 0;
}

/* Swap the row to object; afterwards remove the old object (or the new one when the swap did
 * not happen). */
static void swap_and_clean(rewrite_session *session, const rewrite_request *request,
                           const media_result *made, step_object *object, step_result *result)
{
    const step_context *context = session->context;
    processing_service *service = session->service;
    const asset_record *asset = &session->asset.record;
    nh_error err;
    if (context->lease && job_lease_lost(context->lease)) {
        step_object_discard(service, &session->writer, object);
        error_set(&err, 409, "job_lease_lost", "The job was taken over; nothing was changed.");
        step_fail(result, &err);
        return;
    }
    rewrite_commit commit = {
        .session = session, .request = request, .made = made, .object = object};
    uuid_v7(commit.pending_id);
    int rc = db_transaction(service->database, commit_in_transaction, &commit, &err);
    if (rc != 0 || !commit.committed) {
        step_object_discard(service, &session->writer, object);
        if (rc != 0) {
            step_fail(result, &err);
        } else if (!commit.already) {
            error_set(&err, 409, "asset_changed",
                      "Asset '%s' changed while the step ran; it was not rewritten.", asset->id);
            step_fail(result, &err);
            result->transient = true; /* a retry works on the asset as it is now */
        }
        return;
    }
    step_object_clear(object);
    if (service->assets && service->assets->public_keys)
        content_cache_clear(service->assets->public_keys);
    if (!request->keep_original)
        step_remove_pending(service, commit.pending_id, asset->storage_provider,
                            asset->storage_provider_profile_id, asset->storage_key);
}

static void rewrite_apply(rewrite_session *session, const rewrite_request *request,
                          step_result *result)
{
    nh_error err;
    step_temp temp = {.fd = -1};
    media_result made;
    memset(&made, 0, sizeof made);
    int rc = make_bytes(session, request, &temp, &made, &err);
    if (rc == 0 && made.unchanged) {
        step_temp_close(session->service, &temp);
        return; /* nothing to do (an EXIF strip of an image without EXIF) */
    }
    step_object object;
    if (rc == 0)
        rc = step_object_put(session->service, &session->writer, &temp,
                             media_format_extension(made.info.format),
                             media_format_content_type(made.info.format), &object, &err);
    step_temp_close(session->service, &temp);
    if (rc != 0) {
        step_fail(result, &err);
        return;
    }
    swap_and_clean(session, request, &made, &object, result);
}

/* ---- the executors -------------------------------------------------------------------------- */

void step_strip_exif_metadata(const step_context *context, step_result *result)
{
    rewrite_session session;
    if (rewrite_begin(context, &session, result) == 0) {
        rewrite_request request = {.kind = REWRITE_EXIF_STRIP};
        rewrite_apply(&session, &request, result);
    }
    rewrite_end(&session);
}

void step_convert_image_format(const step_context *context, step_result *result)
{
    rewrite_session session;
    if (rewrite_begin(context, &session, result) == 0) {
        format_convert_params params;
        nh_error err;
        if (skill_params_format_convert(context->parameters, &params, &err) != 0) {
            step_fail(result, &err);
        } else {
            rewrite_request request = {.kind = REWRITE_CONVERT,
                                       .target = params.target,
                                       .keep_original = params.keep_original};
            rewrite_apply(&session, &request, result);
        }
    }
    rewrite_end(&session);
}

void step_draw_watermark(const step_context *context, step_result *result)
{
    rewrite_session session;
    if (rewrite_begin(context, &session, result) == 0) {
        media_watermark watermark;
        nh_error err;
        if (skill_params_watermark(context->parameters, &watermark, &err) != 0) {
            step_fail(result, &err);
        } else {
            rewrite_request request = {.kind = REWRITE_WATERMARK, .watermark = &watermark};
            rewrite_apply(&session, &request, result);
            skill_params_watermark_clear(&watermark);
        }
    }
    rewrite_end(&session);
}
