/* step_caption.c - generate_basic_caption (spec processing.md §7.2, with the corrections of
 * issues 11 and 12): the structured result basic_caption {"caption","altText","tags",
 * "generator"} through the service's caption hook (the AI feature), and the back-fill of a
 * blank description (the caption), alt text (the alt text, else the caption) and tags.
 *
 *   - a result already there: no hook call, only the back-fill from it;
 *   - no hook, or the hook reports no active AI provider: SKIPPED with CAPTION_SKIP_MESSAGE;
 *   - the hook sees a bounded derivative (preview_1024, else thumbnail_256, refreshed first
 *     when missing or stale), never the original;
 *   - the caption and alt text are trimmed and kept to CAPTION_TEXT_RESULT_MAX characters in
 *     the result (cut at a word boundary), the tags normalized (caption_text_tags); the
 *     back-fill writes at most ASSET_TEXT_MAX_CHARS (the column limit), cut the same way, so
 *     it can never fail on length after the result was saved;
 *   - a result inserted meanwhile by another run (unique per asset and kind) wins: the
 *     back-fill uses it.
 * Test builds only: with NEKOHUB_TEST_CAPTION set and no hook plugged in, a stand-in hook
 * answers (test_caption below), so the suites can check results and back-fills. */
#include "processing/processing_steps.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "assets/asset_text.h"
#include "core/clock.h"
#include "core/text.h"
#include "core/uuid.h"
#include "processing/caption_text.h"
#include "processing/derivatives.h"
#include "processing/step_store.h"
#include "processing/step_support.h"

#define CAPTION_KIND "basic_caption"
#define CAPTION_SKIP_MESSAGE "No active AI provider profile; the caption was not generated."
#define CAPTION_PAYLOAD_MAX 16384
#define CAPTION_IMAGE_MAX_BYTES (1024 * 1024) /* the most the model is sent */

/* ---- what the step writes ------------------------------------------------------------------ */

/* The texts of a caption, fit for the result (caption_values_from_hook) or read back from a
 * stored result (caption_values_from_payload). All malloc'ed or NULL. */
typedef struct caption_values {
    char *caption;   /* within CAPTION_TEXT_RESULT_MAX characters; non-blank */
    char *alt_text;  /* within CAPTION_TEXT_RESULT_MAX characters, or NULL */
    json_t *tags;    /* normalized array (maybe empty) */
    char *generator; /* "unknown" when the hook named none */
} caption_values;

static void caption_values_clear(caption_values *values)
{
    free(values->caption);
    free(values->alt_text);
    json_decref(values->tags);
    free(values->generator);
    memset(values, 0, sizeof *values);
}

/* NULL for NULL or blank text, else the cut copy; *failed when out of memory. */
static char *cut_or_null(const char *text, size_t max_chars, bool *failed)
{
    if (!text || text_is_blank(text))
        return NULL;
    char *cut = caption_text_cut(text, max_chars);
    if (!cut)
        *failed = true;
    return cut;
}

static int caption_values_from_hook(const processing_caption *hook, caption_values *out,
                                    nh_error *err)
{
    bool failed = false;
    memset(out, 0, sizeof *out);
    out->caption = cut_or_null(hook->caption, CAPTION_TEXT_RESULT_MAX, &failed);
    out->alt_text = cut_or_null(hook->alt_text, CAPTION_TEXT_RESULT_MAX, &failed);
    out->tags = caption_text_tags(hook->tags);
    out->generator =
        strdup(hook->generator && !text_is_blank(hook->generator) ? hook->generator : "unknown");
    if (failed || !out->tags || !out->generator) {
        caption_values_clear(out);
        return error_internal(err);
    }
    return 0;
}

/* A stored payload's values; 1 when it holds no caption (nothing to fill). */
static int caption_values_from_payload(const char *payload, caption_values *out, nh_error *err)
{
    memset(out, 0, sizeof *out);
    json_t *parsed = payload ? json_loads(payload, 0, NULL) : NULL;
    processing_caption stored = {
        .caption = (char *)json_string_value(json_object_get(parsed, "caption")),
        .alt_text = (char *)json_string_value(json_object_get(parsed, "altText")),
        .tags = json_object_get(parsed, "tags"),
        .generator = (char *)json_string_value(json_object_get(parsed, "generator")),
    };
    int rc = stored.caption && !text_is_blank(stored.caption)
                 ? caption_values_from_hook(&stored, out, err)
                 : 1;
    json_decref(parsed);
    return rc;
}

/* {"caption","altText","tags","generator"} compact, within CAPTION_PAYLOAD_MAX characters (the
 * texts are shortened further if escaping made them longer). NULL when out of memory. */
static char *make_payload(const caption_values *values)
{
    size_t limit = CAPTION_TEXT_RESULT_MAX;
    for (;;) {
        bool failed = false;
        char *caption = cut_or_null(values->caption, limit, &failed);
        char *alt_text = cut_or_null(values->alt_text, limit, &failed);
        json_t *payload = failed ? NULL
                                 : json_pack("{s:s?, s:s?, s:O, s:s}", "caption", caption,
                                             "altText", alt_text, "tags", values->tags,
                                             "generator", values->generator);
        char *text = payload ? json_dumps(payload, JSON_COMPACT) : NULL;
        json_decref(payload);
        free(caption);
        free(alt_text);
        if (!text || text_utf8_length(text) <= CAPTION_PAYLOAD_MAX || limit < 16)
            return text;
        free(text);
        limit /= 2;
    }
}

/* ---- the back-fill -------------------------------------------------------------------------- */

typedef struct backfill {
    const char *asset_id;
    const char *description; /* already within ASSET_TEXT_MAX_CHARS */
    const char *alt_text;    /* the same */
    const char *tags;        /* JSON array text, or NULL when there are none */
    bool lock;               /* step_row_locks */
} backfill;

/* Are the stored tags (JSON text or NULL) empty? */
static bool tags_are_blank(const char *tags)
{
    json_t *parsed = tags ? json_loads(tags, 0, NULL) : NULL;
    bool blank = json_array_size(parsed) == 0;
    json_decref(parsed);
    return blank;
}

static int backfill_in_transaction(db_conn *conn, void *context, nh_error *err)
{
    const backfill *fill = context;
    db_result *rows = NULL;
    if (asset_store_find(conn, fill->asset_id, fill->lock, &rows, err) != 0)
        return -1;
    asset_update update = {.updated_at = clock_now_ms()};
    if (db_result_rows(rows) == 1) {
        asset_record asset;
        asset_record_from_row(rows, 0, &asset);
        update.set_description = text_is_blank(asset.description);
        update.set_alt_text = text_is_blank(asset.alt_text);
        update.set_tags = fill->tags && tags_are_blank(asset.tags);
    }
    update.description = fill->description;
    update.alt_text = fill->alt_text;
    update.tags = fill->tags;
    int rc = update.set_description || update.set_alt_text || update.set_tags
                 ? asset_store_update(conn, fill->asset_id, &update, err)
                 : 0;
    db_result_free(rows);
    return rc;
}

/* Fill a blank description, alt text and tags of the asset (never overwrites). */
static int backfill_from(processing_service *service, const char *asset_id,
                         const caption_values *values, nh_error *err)
{
    char *description = caption_text_cut(values->caption, ASSET_TEXT_MAX_CHARS);
    char *alt_text = caption_text_cut(values->alt_text ? values->alt_text : values->caption,
                                      ASSET_TEXT_MAX_CHARS);
    char *tags = json_array_size(values->tags) > 0 ? json_dumps(values->tags, JSON_COMPACT) : NULL;
    int rc = -1;
    if (!description || !alt_text || (json_array_size(values->tags) > 0 && !tags)) {
        error_internal(err);
    } else {
        backfill fill = {asset_id, text_is_blank(description) ? NULL : description,
                         text_is_blank(alt_text) ? NULL : alt_text, tags,
                         step_row_locks(service)};
        rc = db_transaction(service->database, backfill_in_transaction, &fill, err) == 0 ? 0 : -1;
    }
    free(description);
    free(alt_text);
    free(tags);
    return rc;
}

/* The stored result: 0 with *exists and, when it holds a caption, *values (else zeroed). */
static int stored_caption(processing_service *service, const char *asset_id, bool *exists,
                          caption_values *values, nh_error *err)
{
    memset(values, 0, sizeof *values);
    db_conn *conn = db_acquire(service->database, err);
    if (!conn)
        return -1;
    db_result *rows = NULL;
    int rc = step_store_structured_result(conn, asset_id, CAPTION_KIND, &rows, err);
    db_release(service->database, conn);
    *exists = rc == 0 && db_result_rows(rows) > 0;
    if (*exists && caption_values_from_payload(db_result_text(rows, 0, 0), values, err) < 0)
        rc = -1;
    db_result_free(rows);
    return rc == 0 ? 0 : -1;
}

/* ---- the result ----------------------------------------------------------------------------- */

typedef struct caption_insert {
    const char *asset_id;
    const char *payload;
} caption_insert;

static int insert_in_transaction(db_conn *conn, void *context, nh_error *err)
{
    const caption_insert *insert = context;
    char id[UUID_TEXT_SIZE];
    uuid_v7(id);
    return step_store_insert_structured_result(conn, id, insert->asset_id, CAPTION_KIND,
                                               insert->payload, clock_now_ms(), err);
}

/* Save the result and back-fill from it; a result that appeared meanwhile wins. */
static int save_caption(processing_service *service, const char *asset_id,
                        const caption_values *values, nh_error *err)
{
    char *payload = make_payload(values);
    if (!payload)
        return error_internal(err);
    caption_insert insert = {asset_id, payload};
    int rc = db_transaction(service->database, insert_in_transaction, &insert, err);
    free(payload);
    if (rc == DB_CONSTRAINT) {
        bool exists = false;
        caption_values stored;
        rc = stored_caption(service, asset_id, &exists, &stored, err);
        if (rc == 0 && stored.caption)
            rc = backfill_from(service, asset_id, &stored, err);
        caption_values_clear(&stored);
        return rc;
    }
    return rc == 0 ? backfill_from(service, asset_id, values, err) : -1;
}

/* ---- the image the hook sees ---------------------------------------------------------------- */

/* The preview (else, when it is missing or over CAPTION_IMAGE_MAX_BYTES, the thumbnail) of the
 * asset's current original in a temp file, made first when missing or stale. */
static int derivative_for_caption(processing_service *service, const asset_record *asset,
                                  step_temp *temp, const char **content_type, nh_error *err)
{
    int rc = derivatives_refresh(service, asset, err);
    if (rc == 1)
        return error_set(err, 404, "asset_content_not_found",
                         "The stored object of asset '%s' is missing.", asset->id);
    if (rc != 0)
        return -1;
    rc = derivatives_fetch(service, asset, DERIVATIVE_PREVIEW, temp, content_type, err);
    struct stat status;
    if (rc == 0 && (fstat(temp->fd, &status) != 0 || status.st_size > CAPTION_IMAGE_MAX_BYTES)) {
        step_temp_close(service, temp); /* too large to send: the thumbnail then */
        rc = 1;
    }
    if (rc == 1)
        rc = derivatives_fetch(service, asset, DERIVATIVE_THUMBNAIL, temp, content_type, err);
    if (rc == 1)
        return error_set(err, 500, "asset_derivative_not_found",
                         "Asset '%s' has no derivative to caption.", asset->id);
    return rc;
}

#ifdef NEKOHUB_TEST_BUILD

/* Test builds only: NEKOHUB_TEST_CAPTION="<text>" captions every image with that text, the
 * generator naming what the hook was given ("test-caption <content type> <bytes> bytes"); a
 * text that is a JSON object gives {"caption","altText","tags"} as they are; "@skip" answers
 * "no active provider", "@fail" a 503. */
static int test_caption(void *context, const char *image_path, const char *content_type,
                        processing_caption *out, nh_error *err)
{
    (void)context;
    const char *text = getenv("NEKOHUB_TEST_CAPTION");
    struct stat status;
    if (!text || stat(image_path, &status) != 0)
        return error_internal(err);
    if (!strcmp(text, "@skip"))
        return 1;
    if (!strcmp(text, "@fail"))
        return error_set_retry(err, 503, "ai_provider_unavailable", 1, "The test provider failed.");
    char name[160];
    snprintf(name, sizeof name, "test-caption %s %lld bytes", content_type,
             (long long)status.st_size);
    json_t *object = text[0] == '{' ? json_loads(text, 0, NULL) : NULL;
    const char *caption = object ? json_string_value(json_object_get(object, "caption")) : text;
    const char *alt_text = json_string_value(json_object_get(object, "altText"));
    out->caption = strdup(caption ? caption : "");
    out->alt_text = alt_text ? strdup(alt_text) : NULL;
    out->tags = json_incref(json_object_get(object, "tags"));
    out->generator = strdup(name);
    json_decref(object);
    return out->caption && out->generator ? 0 : error_internal(err);
}
#endif

/* The caption hook: the AI feature's, or (test builds) the stand-in; NULL when none. */
static processing_caption_fn caption_hook(const processing_service *service)
{
#ifdef NEKOHUB_TEST_BUILD
    if (!service->caption && getenv("NEKOHUB_TEST_CAPTION"))
        return test_caption;
#endif
    return service->caption;
}

static void skip(step_result *result)
{
    memset(result, 0, sizeof *result);
    result->status = STEP_STATUS_SKIPPED;
    snprintf(result->message, sizeof result->message, "%s", CAPTION_SKIP_MESSAGE);
}

/* Ask the hook and save what it says. */
static void caption_asset(processing_service *service, const asset_record *asset,
                          step_result *result)
{
    nh_error err;
    step_temp temp = {.fd = -1};
    const char *content_type = NULL;
    if (derivative_for_caption(service, asset, &temp, &content_type, &err) != 0) {
        step_fail(result, &err);
        return;
    }
    processing_caption answer = {0};
    int rc = caption_hook(service)(service->caption_context, temp.path, content_type, &answer,
                                   &err);
    step_temp_close(service, &temp);
    caption_values values = {0};
    if (rc == 1) {
        skip(result);
    } else if (rc == PROCESSING_CAPTION_BUSY) {
        result->deferred = true; /* nothing written: the job comes back for it */
        result->retry_after_s = err.retry_after_seconds;
    } else if (rc != 0) {
        step_fail(result, &err);
    } else if (!answer.caption || text_is_blank(answer.caption)) {
        error_set(&err, 502, "caption_empty", "The AI provider returned an empty caption.");
        step_fail(result, &err);
    } else if (caption_values_from_hook(&answer, &values, &err) != 0 ||
               save_caption(service, asset->id, &values, &err) != 0) {
        step_fail(result, &err);
    }
    caption_values_clear(&values);
    processing_caption_clear(&answer);
}

void step_generate_basic_caption(const step_context *context, step_result *result)
{
    step_succeed(result);
    processing_service *service = context->service;
    step_asset asset;
    bool found = false, exists = false;
    caption_values stored = {0};
    nh_error err;
    if (step_asset_load(service, context->asset_id, &asset, &found, &err) != 0 ||
        (found && step_asset_is_image(&asset) &&
         stored_caption(service, asset.record.id, &exists, &stored, &err) != 0)) {
        step_fail(result, &err);
    } else if (found && step_asset_is_image(&asset)) {
        if (exists && stored.caption && backfill_from(service, asset.record.id, &stored, &err) != 0)
            step_fail(result, &err);
        else if (!exists && !caption_hook(service))
            skip(result);
        else if (!exists)
            caption_asset(service, &asset.record, result);
    }
    caption_values_clear(&stored);
    step_asset_free(&asset);
}

void processing_caption_clear(processing_caption *caption)
{
    if (!caption)
        return;
    free(caption->caption);
    free(caption->alt_text);
    json_decref(caption->tags);
    free(caption->generator);
    memset(caption, 0, sizeof *caption);
}
