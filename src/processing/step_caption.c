/* step_caption.c - generate_basic_caption (spec processing.md §7.2, with issue 11's
 * corrections): the structured result basic_caption {"caption","generator"} through the
 * service's caption hook (the AI feature, issue 12), and the back-fill of a blank description
 * and alt text.
 *
 *   - a result already there: no hook call, only the back-fill from it;
 *   - no hook, or the hook reports no active AI provider: SKIPPED with CAPTION_SKIP_MESSAGE;
 *   - the hook sees a bounded derivative (preview_1024, else thumbnail_256, refreshed first
 *     when missing or stale), never the original;
 *   - the caption is trimmed and kept to CAPTION_TEXT_RESULT_MAX characters in the result (cut at a
 * word boundary); the back-fill writes at most ASSET_TEXT_MAX_CHARS (the column limit), cut the
 *     same way, so it can never fail on length after the result was saved;
 *   - a result inserted meanwhile by another run (unique per asset and kind) wins: the
 *     back-fill uses it.
 * Test builds only: with NEKOHUB_TEST_CAPTION set and no hook plugged in, a stand-in hook
 * answers (test_caption below), so the suites can check results and back-fills. */
#include "processing/processing_steps.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* ---- the back-fill -------------------------------------------------------------------------- */

typedef struct backfill {
    const char *asset_id;
    const char *text; /* already within ASSET_TEXT_MAX_CHARS */
    bool lock;        /* step_row_locks */
} backfill;

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
    }
    update.description = fill->text;
    update.alt_text = fill->text;
    int rc = update.set_description || update.set_alt_text
                 ? asset_store_update(conn, fill->asset_id, &update, err)
                 : 0;
    db_result_free(rows);
    return rc;
}

/* Fill a blank description and alt text of the asset with the caption (never overwrites). */
static int backfill_from(processing_service *service, const char *asset_id, const char *caption,
                         nh_error *err)
{
    char *text = caption_text_cut(caption, ASSET_TEXT_MAX_CHARS);
    if (!text)
        return error_internal(err);
    backfill fill = {asset_id, text, step_row_locks(service)};
    int rc = text_is_blank(text)
                 ? 0
                 : db_transaction(service->database, backfill_in_transaction, &fill, err);
    free(text);
    return rc == 0 ? 0 : -1;
}

/* The caption of the stored payload; NULL when absent or not readable (then nothing to fill). */
static char *payload_caption(const char *payload)
{
    json_t *parsed = payload ? json_loads(payload, 0, NULL) : NULL;
    const char *caption = json_string_value(json_object_get(parsed, "caption"));
    char *copy = caption ? strdup(caption) : NULL;
    json_decref(parsed);
    return copy;
}

/* The stored result's caption: 0 with *caption (NULL when there is no result), or -1. */
static int stored_caption(processing_service *service, const char *asset_id, bool *exists,
                          char **caption, nh_error *err)
{
    *caption = NULL;
    db_conn *conn = db_acquire(service->database, err);
    if (!conn)
        return -1;
    db_result *rows = NULL;
    int rc = step_store_structured_result(conn, asset_id, CAPTION_KIND, &rows, err);
    db_release(service->database, conn);
    *exists = rc == 0 && db_result_rows(rows) > 0;
    if (*exists)
        *caption = payload_caption(db_result_text(rows, 0, 0));
    db_result_free(rows);
    return rc == 0 ? 0 : -1;
}

/* ---- the result ----------------------------------------------------------------------------- */

/* {"caption","generator"} compact, within CAPTION_PAYLOAD_MAX characters (the caption is
 * shortened further if escaping made it longer). NULL when out of memory. */
static char *make_payload(const char *caption, const char *generator)
{
    size_t limit = CAPTION_TEXT_RESULT_MAX;
    for (;;) {
        char *cut = caption_text_cut(caption, limit);
        json_t *payload =
            cut ? json_pack("{s:s, s:s}", "caption", cut, "generator", generator) : NULL;
        char *text = payload ? json_dumps(payload, JSON_COMPACT) : NULL;
        json_decref(payload);
        free(cut);
        if (!text || text_utf8_length(text) <= CAPTION_PAYLOAD_MAX || limit < 16)
            return text;
        free(text);
        limit /= 2;
    }
}

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
static int save_caption(processing_service *service, const char *asset_id, const char *caption,
                        const char *generator, nh_error *err)
{
    char *payload = make_payload(caption, generator && generator[0] ? generator : "unknown");
    if (!payload)
        return error_internal(err);
    caption_insert insert = {asset_id, payload};
    int rc = db_transaction(service->database, insert_in_transaction, &insert, err);
    free(payload);
    if (rc == DB_CONSTRAINT) {
        bool exists = false;
        char *stored = NULL;
        rc = stored_caption(service, asset_id, &exists, &stored, err);
        if (rc == 0 && stored)
            rc = backfill_from(service, asset_id, stored, err);
        free(stored);
        return rc;
    }
    return rc == 0 ? backfill_from(service, asset_id, caption, err) : -1;
}

/* ---- the image the hook sees ---------------------------------------------------------------- */

/* The preview (else the thumbnail) of the asset's current original in a temp file, made first
 * when missing or stale. */
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
    if (rc == 1)
        rc = derivatives_fetch(service, asset, DERIVATIVE_THUMBNAIL, temp, content_type, err);
    if (rc == 1)
        return error_set(err, 500, "asset_derivative_not_found",
                         "Asset '%s' has no derivative to caption.", asset->id);
    return rc;
}

#ifdef NEKOHUB_TEST_BUILD
#include <sys/stat.h>

/* Test builds only: NEKOHUB_TEST_CAPTION="<text>" captions every image with that text, the
 * generator naming what the hook was given ("test-caption <content type> <bytes> bytes");
 * "@skip" answers "no active provider", "@fail" a 503. */
static int test_caption(void *context, const char *image_path, const char *content_type,
                        char **caption, char **generator, nh_error *err)
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
    *caption = strdup(text);
    *generator = strdup(name);
    return *caption && *generator ? 0 : error_internal(err);
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
    char *caption = NULL, *generator = NULL;
    int rc = caption_hook(service)(service->caption_context, temp.path, content_type, &caption,
                                   &generator, &err);
    step_temp_close(service, &temp);
    if (rc == 1) {
        skip(result);
    } else if (rc != 0) {
        step_fail(result, &err);
    } else if (!caption || text_is_blank(caption)) {
        error_set(&err, 502, "caption_empty", "The AI provider returned an empty caption.");
        step_fail(result, &err);
    } else if (save_caption(service, asset->id, caption, generator, &err) != 0) {
        step_fail(result, &err);
    }
    free(caption);
    free(generator);
}

void step_generate_basic_caption(const step_context *context, step_result *result)
{
    step_succeed(result);
    processing_service *service = context->service;
    step_asset asset;
    bool found = false, exists = false;
    char *stored = NULL;
    nh_error err;
    if (step_asset_load(service, context->asset_id, &asset, &found, &err) != 0 ||
        (found && step_asset_is_image(&asset) &&
         stored_caption(service, asset.record.id, &exists, &stored, &err) != 0)) {
        step_fail(result, &err);
    } else if (found && step_asset_is_image(&asset)) {
        if (exists && stored && backfill_from(service, asset.record.id, stored, &err) != 0)
            step_fail(result, &err);
        else if (!exists && !caption_hook(service))
            skip(result);
        else if (!exists)
            caption_asset(service, &asset.record, result);
    }
    free(stored);
    step_asset_free(&asset);
}
