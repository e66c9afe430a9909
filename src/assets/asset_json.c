/* asset_json.c - rendering assets as the API's JSON (see asset_json.h). */
#include "assets/asset_json.h"

#include <stdio.h>
#include <string.h>

#include "core/clock.h"

/* A string or null (json_string refuses invalid UTF-8: that would be a bug upstream). */
static json_t *text_or_null(const char *text)
{
    return text ? json_string(text) : json_null();
}

static json_t *time_json(int64_t unix_ms)
{
    char text[CLOCK_ISO_SIZE];
    clock_format_iso(unix_ms, text);
    return json_string(text);
}

static json_t *int_or_null(bool present, int64_t value)
{
    return present ? json_integer((json_int_t)value) : json_null();
}

/* Where the derivative's bytes are served for management clients (any visibility). */
static json_t *content_url_json(const char *asset_id, const char *kind)
{
    if (!asset_id || !kind)
        return json_null();
    char url[256];
    int written =
        snprintf(url, sizeof url, "/api/v1/assets/%s/derivatives/%s/content", asset_id, kind);
    if (written < 0 || written >= (int)sizeof url)
        return json_null(); /* kinds are short names chosen by the server */
    return json_string(url);
}

static json_t *derivative_json(const db_result *rows, size_t row, bool hide_url,
                               const char *asset_id)
{
    asset_derivative d;
    asset_derivative_from_row(rows, row, &d);
    json_t *item = json_object();
    json_object_set_new(item, "kind", text_or_null(d.kind));
    json_object_set_new(item, "contentType", text_or_null(d.content_type));
    json_object_set_new(item, "extension", text_or_null(d.extension));
    json_object_set_new(item, "size", json_integer((json_int_t)d.size));
    json_object_set_new(item, "width", int_or_null(d.has_width, d.width));
    json_object_set_new(item, "height", int_or_null(d.has_height, d.height));
    json_object_set_new(item, "publicUrl", hide_url ? json_null() : text_or_null(d.public_url));
    json_object_set_new(item, "contentUrl", content_url_json(asset_id, d.kind));
    json_object_set_new(item, "createdAtUtc", time_json(d.created_at));
    return item;
}

/* The derivatives of asset_id among rows; with a page's rows (of_page) only those whose
 * ASSET_DERIVATIVE_COLUMN_ASSET_ID names the asset. */
static json_t *derivatives_json(const db_result *rows, bool hide_urls, const char *asset_id,
                                bool of_page)
{
    json_t *array = json_array();
    for (size_t row = 0; array && row < db_result_rows(rows); row++) {
        const char *owner = db_result_text(rows, row, ASSET_DERIVATIVE_COLUMN_ASSET_ID);
        if (of_page && (!owner || !asset_id || strcmp(owner, asset_id) != 0))
            continue;
        json_array_append_new(array, derivative_json(rows, row, hide_urls, asset_id));
    }
    return array;
}

static json_t *structured_results_json(const db_result *rows)
{
    json_t *array = json_array();
    for (size_t row = 0; array && row < db_result_rows(rows); row++) {
        json_t *item = json_object();
        json_object_set_new(item, "kind", text_or_null(db_result_text(rows, row, 0)));
        json_object_set_new(item, "payloadJson", text_or_null(db_result_text(rows, row, 1)));
        json_object_set_new(item, "createdAtUtc", time_json(db_result_int64(rows, row, 2)));
        json_array_append_new(array, item);
    }
    return array;
}

/* A step's status: the stored status, except that a step whose old flag says it failed is
 * "failed" whatever the column says (rows written before migration 7 default to
 * 'succeeded'). */
static const char *step_status_of(const db_result *rows, size_t row, size_t first)
{
    const char *status = db_result_text(rows, row, first + 5);
    if (db_result_int64(rows, row, first + 1) == 0)
        return "failed";
    if (status && !strcmp(status, "skipped"))
        return "skipped";
    return "succeeded";
}

json_t *asset_json_step(const db_result *rows, size_t row, size_t first)
{
    const char *status = step_status_of(rows, row, first);
    bool failed = !strcmp(status, "failed");
    json_t *step = json_object();
    if (!step)
        return NULL;
    json_object_set_new(step, "stepName", text_or_null(db_result_text(rows, row, first)));
    json_object_set_new(step, "status", json_string(status));
    json_object_set_new(step, "succeeded", json_boolean(!failed));
    json_object_set_new(step, "errorMessage",
                        failed ? text_or_null(db_result_text(rows, row, first + 2)) : json_null());
    json_object_set_new(step, "message",
                        failed ? json_null() : text_or_null(db_result_text(rows, row, first + 6)));
    json_object_set_new(step, "startedAtUtc", time_json(db_result_int64(rows, row, first + 3)));
    json_object_set_new(step, "completedAtUtc", time_json(db_result_int64(rows, row, first + 4)));
    return step;
}

static json_t *execution_json(const db_result *execution, const db_result *steps)
{
    if (db_result_rows(execution) == 0)
        return json_null();
    json_t *summary = json_object();
    json_object_set_new(summary, "executionId", text_or_null(db_result_text(execution, 0, 0)));
    json_object_set_new(summary, "skillName", text_or_null(db_result_text(execution, 0, 1)));
    json_object_set_new(summary, "triggerSource", text_or_null(db_result_text(execution, 0, 2)));
    json_object_set_new(summary, "startedAtUtc", time_json(db_result_int64(execution, 0, 3)));
    json_object_set_new(summary, "completedAtUtc", time_json(db_result_int64(execution, 0, 4)));
    json_object_set_new(summary, "succeeded", json_boolean(db_result_int64(execution, 0, 5) != 0));
    json_t *step_array = json_array();
    for (size_t row = 0; step_array && row < db_result_rows(steps); row++)
        json_array_append_new(step_array, asset_json_step(steps, row, 0));
    json_object_set_new(summary, "steps", step_array);
    return summary;
}

json_t *asset_json_processing(const char *state, int64_t pending_jobs, const char *last_error)
{
    return json_pack("{s:s, s:I, s:s?}", "state", state ? state : "idle", "pendingJobs",
                     (json_int_t)pending_jobs, "lastError",
                     last_error && last_error[0] ? last_error : NULL);
}

/* The stored tags (a JSON array text) as an array; [] when none or unreadable. */
static json_t *tags_json(const char *text)
{
    json_t *tags = text ? json_loads(text, 0, NULL) : NULL;
    if (json_is_array(tags))
        return tags;
    json_decref(tags);
    return json_array();
}

/* publicUrl is shown only while the asset is public. */
static json_t *visible_url(const asset_record *asset)
{
    return asset->is_public ? text_or_null(asset->public_url) : json_null();
}

json_t *asset_json_detail(const asset_detail *detail)
{
    const asset_record *a = &detail->record;
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "id", text_or_null(a->id));
    json_object_set_new(o, "type", text_or_null(a->type));
    json_object_set_new(o, "status", text_or_null(a->status));
    json_object_set_new(o, "originalFileName", text_or_null(a->original_file_name));
    json_object_set_new(o, "storedFileName", text_or_null(a->stored_file_name));
    json_object_set_new(o, "contentType", text_or_null(a->content_type));
    json_object_set_new(o, "extension", text_or_null(a->extension));
    json_object_set_new(o, "size", json_integer((json_int_t)a->size));
    json_object_set_new(o, "width", int_or_null(a->has_width, a->width));
    json_object_set_new(o, "height", int_or_null(a->has_height, a->height));
    json_object_set_new(o, "checksumSha256", text_or_null(a->checksum_sha256));
    json_object_set_new(o, "duplicateOfAssetId",
                        detail->has_duplicate ? json_string(detail->duplicate_of) : json_null());
    json_object_set_new(o, "storageProvider", text_or_null(a->storage_provider));
    json_object_set_new(o, "storageProviderProfileId",
                        text_or_null(a->storage_provider_profile_id));
    json_object_set_new(o, "storageKey", text_or_null(a->storage_key));
    json_object_set_new(o, "publicUrl", visible_url(a));
    json_object_set_new(o, "isPublic", json_boolean(a->is_public));
    json_object_set_new(o, "description", text_or_null(a->description));
    json_object_set_new(o, "altText", text_or_null(a->alt_text));
    json_object_set_new(o, "tags", tags_json(a->tags));
    json_object_set_new(o, "createdByUserId", text_or_null(a->created_by_user_id));
    json_object_set_new(o, "createdByUsername", text_or_null(a->created_by_username));
    json_object_set_new(o, "createdAtUtc", time_json(a->created_at));
    json_object_set_new(o, "updatedAtUtc", time_json(a->updated_at));
    json_object_set_new(o, "derivatives",
                        derivatives_json(detail->derivatives, !a->is_public, a->id, false));
    json_object_set_new(o, "structuredResults",
                        structured_results_json(detail->structured_results));
    json_object_set_new(o, "latestExecutionSummary",
                        execution_json(detail->execution, detail->steps));
    json_object_set_new(o, "processing",
                        asset_json_processing(detail->processing.state, detail->processing.pending,
                                              detail->processing.last_error));
    return o;
}

static json_t *public_item(const asset_record *a)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "id", text_or_null(a->id));
    json_object_set_new(o, "type", text_or_null(a->type));
    json_object_set_new(o, "originalFileName", text_or_null(a->original_file_name));
    json_object_set_new(o, "contentType", text_or_null(a->content_type));
    json_object_set_new(o, "size", json_integer((json_int_t)a->size));
    json_object_set_new(o, "width", int_or_null(a->has_width, a->width));
    json_object_set_new(o, "height", int_or_null(a->has_height, a->height));
    json_object_set_new(o, "publicUrl", text_or_null(a->public_url));
    json_object_set_new(o, "description", text_or_null(a->description));
    json_object_set_new(o, "altText", text_or_null(a->alt_text));
    json_object_set_new(o, "tags", tags_json(a->tags));
    json_object_set_new(o, "createdAtUtc", time_json(a->created_at));
    json_object_set_new(o, "updatedAtUtc", time_json(a->updated_at));
    return o;
}

json_t *asset_json_public_detail(const asset_detail *detail)
{
    json_t *o = public_item(&detail->record);
    if (!o)
        return NULL;
    json_object_set_new(o, "extension", text_or_null(detail->record.extension));
    json_object_set_new(o, "derivatives",
                        derivatives_json(detail->derivatives, false, detail->record.id, false));
    return o;
}

static json_t *list_item(const asset_record *a)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "id", text_or_null(a->id));
    json_object_set_new(o, "type", text_or_null(a->type));
    json_object_set_new(o, "status", text_or_null(a->status));
    json_object_set_new(o, "originalFileName", text_or_null(a->original_file_name));
    json_object_set_new(o, "contentType", text_or_null(a->content_type));
    json_object_set_new(o, "size", json_integer((json_int_t)a->size));
    json_object_set_new(o, "width", int_or_null(a->has_width, a->width));
    json_object_set_new(o, "height", int_or_null(a->has_height, a->height));
    json_object_set_new(o, "storageProvider", text_or_null(a->storage_provider));
    json_object_set_new(o, "storageProviderProfileId",
                        text_or_null(a->storage_provider_profile_id));
    json_object_set_new(o, "publicUrl", visible_url(a));
    json_object_set_new(o, "isPublic", json_boolean(a->is_public));
    json_object_set_new(o, "tags", tags_json(a->tags));
    json_object_set_new(o, "createdByUserId", text_or_null(a->created_by_user_id));
    json_object_set_new(o, "createdByUsername", text_or_null(a->created_by_username));
    json_object_set_new(o, "createdAtUtc", time_json(a->created_at));
    json_object_set_new(o, "updatedAtUtc", time_json(a->updated_at));
    return o;
}

json_t *asset_json_page(const asset_page *page, bool public_shape)
{
    json_t *items = json_array();
    for (size_t row = 0; items && row < db_result_rows(page->rows); row++) {
        asset_record record;
        asset_record_from_row(page->rows, row, &record);
        json_t *item = public_shape ? public_item(&record) : list_item(&record);
        if (!item) {
            json_decref(items);
            return NULL;
        }
        json_object_set_new(item, "derivatives",
                            derivatives_json(page->derivatives, !public_shape && !record.is_public,
                                             record.id, true));
        if (!public_shape && page->processing)
            json_object_set_new(item, "processing",
                                asset_json_processing(page->processing[row].state,
                                                      page->processing[row].pending,
                                                      page->processing[row].last_error));
        json_array_append_new(items, item);
    }
    return json_pack("{s:o*, s:i, s:i, s:I}", "items", items, "page", page->page, "pageSize",
                     page->page_size, "total", (json_int_t)page->total);
}

json_t *asset_json_usage(const asset_usage *usage)
{
    json_t *breakdown = json_array();
    for (size_t row = 0; breakdown && row < db_result_rows(usage->by_type); row++)
        json_array_append_new(
            breakdown,
            json_pack("{s:s?, s:I, s:I}", "contentType", db_result_text(usage->by_type, row, 0),
                      "count", (json_int_t)db_result_int64(usage->by_type, row, 1), "totalBytes",
                      (json_int_t)db_result_int64(usage->by_type, row, 2)));
    json_t *skill = json_null();
    if (db_result_rows(usage->most_active) == 1)
        skill = json_pack("{s:s?, s:I}", "skillName", db_result_text(usage->most_active, 0, 0),
                          "runCount", (json_int_t)db_result_int64(usage->most_active, 0, 1));
    return json_pack("{s:I, s:I, s:I, s:o*, s:o*}", "totalAssets", (json_int_t)usage->totals.assets,
                     "totalBytes", (json_int_t)usage->totals.bytes, "totalDerivatives",
                     (json_int_t)usage->totals.derivatives, "contentTypeBreakdown", breakdown,
                     "mostActiveSkill", skill);
}

json_t *asset_json_deleted(const char *id, int64_t deleted_at)
{
    return json_pack("{s:s, s:s, s:o*}", "id", id, "status", "deleted", "deletedAtUtc",
                     time_json(deleted_at));
}
