/* asset_upload.c - checking and storing an upload (asset_service_upload): binding the form
 * fields, the validation order of the contract, sniffing the bytes, writing the object and
 * then the row. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "assets/asset_service.h"
#include "assets/asset_text.h"
#include "core/clock.h"
#include "core/text.h"
#include "core/log.h"
#include "core/uuid.h"
#include "media/media.h"
#include "media/media_pool.h"

/* The form fields after binding: NULL strings are absent or empty values. */
typedef struct upload_input {
    const char *description;
    bool description_too_long;
    const char *alt_text;
    bool alt_text_too_long;
    bool is_public;
    bool has_profile_id;
    char profile_id[UUID_TEXT_SIZE];
    bool run_enrichment;
    const char *commit_message;
} upload_input;

static const char *const field_labels[UPLOAD_FIELD_COUNT] = {
    [UPLOAD_FIELD_DESCRIPTION] = "description",
    [UPLOAD_FIELD_ALT_TEXT] = "altText",
    [UPLOAD_FIELD_IS_PUBLIC] = "isPublic",
    [UPLOAD_FIELD_PROFILE_ID] = "storageProviderProfileId",
    [UPLOAD_FIELD_RUN_ENRICHMENT] = "runEnrichment",
    [UPLOAD_FIELD_COMMIT_MESSAGE] = "commitMessage",
};

/* ---- binding ---------------------------------------------------------------------------- */

static int invalid_value(const char *value, const char *field, nh_error *err)
{
    char shown[65];
    asset_text_excerpt(value, shown, sizeof shown);
    return error_set(err, 400, "request_invalid", "The value '%s' is not valid for %s.", shown,
                     field);
}

/* The text of a field: NULL when absent or empty (empty form values bind as null). */
static int bind_text(const upload_form *form, upload_field_id id, const char **out, nh_error *err)
{
    const upload_field *field = upload_form_field(form, id);
    *out = NULL;
    if (!field->present || field->too_long || field->length == 0)
        return 0;
    if (!asset_text_is_utf8(field->value, field->length))
        return error_set(err, 400, "request_invalid",
                         "The form field '%s' is not valid UTF-8 text.", field_labels[id]);
    *out = field->value;
    return 0;
}

static int bind_bool(const upload_form *form, upload_field_id id, bool fallback, bool *out,
                     nh_error *err)
{
    const char *text = NULL;
    *out = fallback;
    if (bind_text(form, id, &text, err) != 0)
        return -1;
    if (!text || text_is_blank(text))
        return 0;
    char *trimmed = text_trimmed_copy(text);
    if (!trimmed)
        return error_internal(err);
    int rc = 0;
    if (!strcasecmp(trimmed, "true"))
        *out = true;
    else if (!strcasecmp(trimmed, "false"))
        *out = false;
    else
        rc = invalid_value(trimmed, field_labels[id], err);
    free(trimmed);
    return rc;
}

static int bind_input(const upload_form *form, upload_input *input, nh_error *err)
{
    memset(input, 0, sizeof *input);
    input->description_too_long = upload_form_field(form, UPLOAD_FIELD_DESCRIPTION)->too_long;
    input->alt_text_too_long = upload_form_field(form, UPLOAD_FIELD_ALT_TEXT)->too_long;
    const char *profile = NULL;
    if (bind_text(form, UPLOAD_FIELD_DESCRIPTION, &input->description, err) != 0 ||
        bind_text(form, UPLOAD_FIELD_ALT_TEXT, &input->alt_text, err) != 0 ||
        bind_text(form, UPLOAD_FIELD_COMMIT_MESSAGE, &input->commit_message, err) != 0 ||
        bind_text(form, UPLOAD_FIELD_PROFILE_ID, &profile, err) != 0 ||
        bind_bool(form, UPLOAD_FIELD_IS_PUBLIC, true, &input->is_public, err) != 0 ||
        bind_bool(form, UPLOAD_FIELD_RUN_ENRICHMENT, true, &input->run_enrichment, err) != 0)
        return -1;
    if (profile && !text_is_blank(profile)) {
        char *trimmed = text_trimmed_copy(profile);
        bool valid = trimmed && uuid_parse(trimmed, input->profile_id);
        free(trimmed);
        if (!valid)
            return invalid_value(profile, field_labels[UPLOAD_FIELD_PROFILE_ID], err);
        input->has_profile_id = true;
    }
    return 0;
}

/* ---- validation (the contract's order: the first failure wins) --------------------------- */

static bool is_allowed_type(const config *cfg, const char *content_type)
{
    for (size_t i = 0; i < cfg->allowed_content_types.count; i++)
        if (!strcasecmp(cfg->allowed_content_types.items[i], content_type))
            return true;
    return false;
}

static int validate_fields(const asset_service *service, const upload_file *file,
                           const upload_input *input, nh_error *err)
{
    if (!file || !file->complete)
        return error_set(err, 400, "asset_file_required", "A file is required.");
    if (input->description_too_long ||
        asset_text_check_length(input->description, "asset_description_too_long", "Description",
                                err) != 0)
        return error_set(err, 400, "asset_description_too_long",
                         "Description must be at most %d characters long.", ASSET_TEXT_MAX_CHARS);
    if (input->alt_text_too_long ||
        asset_text_check_length(input->alt_text, "asset_alt_text_too_long", "Alt text", err) != 0)
        return error_set(err, 400, "asset_alt_text_too_long",
                         "Alt text must be at most %d characters long.", ASSET_TEXT_MAX_CHARS);
    if (file->size == 0)
        return error_set(err, 400, "asset_file_empty", "The file is empty.");
    if (file->size > service->cfg->max_upload_size_bytes)
        return error_set(err, 400, "asset_file_too_large",
                         "The file is larger than the limit of %lld bytes.",
                         (long long)service->cfg->max_upload_size_bytes);
    if (!file->content_type || text_is_blank(file->content_type))
        return error_set(err, 400, "asset_content_type_missing",
                         "The file part has no Content-Type.");
    char shown[101];
    asset_text_excerpt(file->content_type, shown, sizeof shown);
    if (!is_allowed_type(service->cfg, file->content_type))
        return error_set(err, 400, "asset_content_type_not_allowed",
                         "The content type '%s' is not allowed.", shown);
    return 0;
}

/* Before any decode: one frame (the largest of screen, frame and page) within
 * Api__Assets__MaxImagePixels, all frames within Api__Assets__MaxAnimationPixels. */
static int check_pixels(const config *cfg, const media_info *info, nh_error *err)
{
    if (info->width <= 0 || info->height <= 0 || info->frame_pixels > cfg->max_image_pixels)
        return error_set(err, 400, "asset_image_too_large",
                         "The image needs %lld pixels per frame (%dx%d shown); the limit is "
                         "%lld pixels.",
                         (long long)info->frame_pixels, info->width, info->height,
                         (long long)cfg->max_image_pixels);
    if (info->frames > 1 && info->frame_pixels > cfg->max_animation_pixels / info->frames)
        return error_set(err, 400, "asset_image_too_large",
                         "The animation has %d frames of %lld pixels; the limit is %lld pixels "
                         "in all.",
                         info->frames, (long long)info->frame_pixels,
                         (long long)cfg->max_animation_pixels);
    return 0;
}

/* The bytes decide: an allowed image (whatever allowed type was declared: browsers declare
 * the type from the file name) within the pixel limit. What was declared goes to the log. */
static int check_bytes(const asset_service *service, const upload_file *file, media_info *info,
                       nh_error *err)
{
    char shown[101];
    asset_text_excerpt(file->content_type, shown, sizeof shown);
    int probed = media_pool_probe(service->media, file->path, file->file_name, info, err);
    if (probed < 0)
        return -1;
    if (probed != 0)
        return error_set(err, 400, "asset_content_mismatch",
                         "The file's bytes are not an image of an allowed type (declared '%s').",
                         shown);
    if (info->format != media_format_of_content_type(file->content_type))
        log_message(LOG_INFO, "upload_type_corrected",
                    "declared '%s' but the bytes are %s; stored as %s", shown,
                    media_format_content_type(info->format), media_format_extension(info->format));
    return check_pixels(service->cfg, info, err);
}

/* ---- storing ---------------------------------------------------------------------------- */

typedef struct stored_upload {
    char id[UUID_TEXT_SIZE];
    char intent_id[UUID_TEXT_SIZE]; /* the pending-removal record covering the object */
    int64_t now;
    char key[STORAGE_KEY_SIZE];
    char *public_url;
} stored_upload;

/* Before the object is written, record that it must go unless its row commits: a crash in
 * between then leaves a record the sweep cleans up, never an unknown file. */
static int record_intent(asset_service *service, const storage_target *target, const char *key,
                         stored_upload *out, nh_error *err)
{
    uuid_v7(out->intent_id);
    db_conn *conn = db_acquire(service->database, err);
    if (!conn)
        return -1;
    int rc =
        asset_store_add_upload_intent(conn, out->intent_id, target->backend->provider_name,
                                      target->profile_id[0] ? target->profile_id : NULL, key, err);
    db_release(service->database, conn);
    return rc == 0 ? 0 : -1;
}

/* The object was not written: end its intent. A failure is logged with the key and returned
 * (the intent stays, and the sweep ends it once it is old enough). */
static int forget_intent(asset_service *service, const stored_upload *stored, const char *key,
                         nh_error *err)
{
    db_conn *conn = db_acquire(service->database, err);
    int rc = conn ? asset_store_remove_pending_deletion(conn, stored->intent_id, err) : -1;
    if (conn)
        db_release(service->database, conn);
    if (rc != 0)
        log_message(LOG_WARN, "assets",
                    "could not end the upload intent of %s: %s (%s); the sweep will", key,
                    err->code, err->message);
    return rc == 0 ? 0 : -1;
}

static int store_object(asset_service *service, storage_target *target, const upload_file *file,
                        media_format format, const upload_input *input, const char *public_base_url,
                        stored_upload *out, nh_error *err)
{
    out->now = clock_now_ms();
    uuid_v7_at(out->now, out->id);
    char proposed[STORAGE_KEY_SIZE];
    if (storage_key_generate(out->now, out->id, media_format_extension(format), proposed,
                             sizeof proposed) != 0)
        return error_internal(err);
    if (record_intent(service, target, proposed, out, err) != 0)
        return -1;
    char *message = asset_text_trimmed_or_null(input->commit_message);
    storage_put_request request = {
        .key = proposed,
        .source_path = file->path,
        .source_fd = file->fd,
        .size = (uint64_t)file->size,
        .content_type = media_format_content_type(format),
        .commit_message = message ? message : "Automated commit by NekoHub",
        .sha256_hex = file->sha256_hex,
    };
    int rc = storage_put(target->backend, &request, out->key, err);
    free(message);
    if (rc != 0) {
        nh_error forget_error; /* the upload's own error is the one to answer with */
        forget_intent(service, out, proposed, &forget_error);
        return -1;
    }
    out->public_url = storage_public_url(target->backend, public_base_url, out->key);
    return 0;
}

typedef struct insert_step {
    const asset_record *asset;
    const char *intent_id;
    bool run_enrichment;
    int max_attempts;
    asset_detail *detail; /* read before the commit, or NULL */
} insert_step;

/* The upload's processing job (spec processing.md §2, issue 11: in the row's transaction). */
static int enqueue_processing(db_conn *conn, const insert_step *step, nh_error *err)
{
    job_new new_job = {
        .kind = JOB_KIND_ASSET_PROCESS,
        .asset_id = step->asset->id,
        .payload_json = "{\"runEnrichment\":true}",
        .trigger_source = "upload",
        .max_attempts = step->max_attempts,
    };
    char job_id[UUID_TEXT_SIZE];
    return job_store_enqueue(conn, &new_job, job_id, err);
}

static int insert_in_transaction(db_conn *conn, void *context, nh_error *err)
{
    const insert_step *step = context;
    if (asset_store_insert(conn, step->asset, err) != 0)
        return -1;
    if (step->run_enrichment && enqueue_processing(conn, step, err) != 0)
        return -1;
    if (asset_store_remove_pending_deletion(conn, step->intent_id, err) != 0)
        return -1;
    return step->detail ? asset_detail_load(conn, step->asset->id, false, step->detail, err) : 0;
}

/* The row, its processing job and the end of the intent commit together; then the queue is
 * woken. */
static int insert_row(asset_service *service, const asset_record *asset, const char *intent_id,
                      bool run_enrichment, asset_detail *detail, nh_error *err)
{
    insert_step step = {asset, intent_id, run_enrichment, service->cfg->job_max_attempts, detail};
    if (db_transaction(service->database, insert_in_transaction, &step, err) != 0) {
        if (detail)
            asset_detail_free(detail);
        return -1;
    }
    if (run_enrichment && service->jobs)
        job_queue_notify(service->jobs);
    return 0;
}

/* The row did not commit: remove the object now, unless the commit did happen after all (an
 * answer lost on the way back) or the database cannot tell; the intent stays for the sweep
 * whenever the object could not be removed here. A failure is logged with the key and
 * returned. The object is this upload's own, so it goes even from a storage that refuses
 * deletes (storage_remove_unreferenced: GitHub with allowDelete false). */
static int undo_object(asset_service *service, const storage_target *target,
                       const stored_upload *stored, nh_error *err)
{
    db_conn *conn = db_acquire(service->database, err);
    if (!conn) {
        log_message(LOG_WARN, "assets", "the object %s of a failed upload is left to the sweep: %s",
                    stored->key, err->message);
        return -1;
    }
    bool in_use = true;
    int rc = asset_store_key_in_use(conn, stored->key, &in_use, err);
    if (rc == 0 && !in_use)
        rc = storage_remove_unreferenced(target->backend, stored->key, NULL, err);
    if (rc == 0 && !in_use)
        rc = asset_store_remove_pending_deletion(conn, stored->intent_id, err);
    db_release(service->database, conn);
    if (rc != 0)
        log_message(LOG_WARN, "assets",
                    "the object %s of a failed upload is left to the sweep: %s (%s)", stored->key,
                    err->code, err->message);
    return rc == 0 ? 0 : -1;
}

int asset_service_upload(asset_service *service, const upload_form *form,
                         const asset_creator *creator, const char *public_base_url,
                         char id_out[ASSET_ID_SIZE], asset_detail *detail, nh_error *err)
{
    id_out[0] = '\0';
    if (detail)
        memset(detail, 0, sizeof *detail);
    const upload_file *file = upload_form_file(form);
    upload_input input;
    media_info info;
    char *file_name = NULL;
    if (bind_input(form, &input, err) != 0 || validate_fields(service, file, &input, err) != 0 ||
        asset_text_file_name(file->file_name, &file_name, err) != 0)
        return -1;
    storage_target target;
    if (check_bytes(service, file, &info, err) != 0 ||
        storage_service_resolve_write(
            service->storage, input.has_profile_id ? input.profile_id : NULL, &target, err) != 0) {
        free(file_name);
        return -1;
    }
    stored_upload stored;
    memset(&stored, 0, sizeof stored);
    int rc =
        store_object(service, &target, file, info.format, &input, public_base_url, &stored, err);
    if (rc == 0) {
        asset_record asset = {
            .id = stored.id,
            .type = "image",
            .status = "ready",
            .original_file_name = file_name,
            .stored_file_name = storage_key_file_name(stored.key),
            .content_type = media_format_content_type(info.format),
            .extension = media_format_extension(info.format),
            .size = file->size,
            .has_width = true,
            .width = info.width,
            .has_height = true,
            .height = info.height,
            .checksum_sha256 = file->sha256_hex,
            .storage_provider = target.backend->provider_name,
            .storage_provider_profile_id = target.profile_id[0] ? target.profile_id : NULL,
            .storage_key = stored.key,
            .public_url = stored.public_url,
            .is_public = input.is_public,
            .description = input.description,
            .alt_text = input.alt_text,
            .created_at = stored.now,
            .updated_at = stored.now,
            .created_by_user_id = creator->user_id,
            .created_by_username = creator->username,
        };
        rc = insert_row(service, &asset, stored.intent_id, input.run_enrichment, detail, err);
        nh_error undo_error; /* logged by undo_object; the insert's error is the answer */
        if (rc != 0)
            undo_object(service, &target, &stored, &undo_error);
    }
    if (rc == 0)
        snprintf(id_out, ASSET_ID_SIZE, "%s", stored.id);
    storage_target_release(&target);
    free(stored.public_url);
    free(file_name);
    return rc;
}
