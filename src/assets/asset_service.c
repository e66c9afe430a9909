/* asset_service.c - asset reads, lists, changes, deletes, usage and content (see
 * asset_service.h); uploads are in asset_upload.c. */
#include "assets/asset_service.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "assets/asset_text.h"
#include "assets/content_cache.h"
#include "core/clock.h"
#include "core/json_input.h"
#include "core/log.h"
#include "core/text.h"
#include "core/uuid.h"
#include "storage/profile_store.h"

#define SWEEP_BATCH 500
#define SWEEP_MIN_AGE_MS (10 * 60 * 1000)
#define DEFAULT_COMMIT_MESSAGE "Automated commit by NekoHub"
#define PUBLIC_KEY_SLOTS 1024
#define PUBLIC_KEY_TTL_MS 1000

/* ---- life cycle ------------------------------------------------------------------------- */

static int create_upload_temps(asset_service *service, nh_error *err)
{
    char dir[PATH_MAX];
    int written = snprintf(dir, sizeof dir, "%s/tmp", service->cfg->data_dir);
    if (written <= 0 || written >= (int)sizeof dir)
        return error_set(err, 500, "config_invalid", "NEKOHUB_DATA_DIR is too long");
    service->uploads = upload_temps_create(dir, err);
    return service->uploads ? 0 : -1;
}

asset_service *asset_service_create(const config *cfg, db *database, storage_service *storage_svc,
                                    const char *public_base_url, nh_error *err)
{
    asset_service *service = calloc(1, sizeof *service);
    if (!service) {
        error_internal(err);
        return NULL;
    }
    service->cfg = cfg;
    service->database = database;
    service->public_base_url = public_base_url;
    service->public_keys = content_cache_create(PUBLIC_KEY_SLOTS, PUBLIC_KEY_TTL_MS);
    if (!service->public_keys) {
        error_internal(err);
        asset_service_destroy(service);
        return NULL;
    }
    service->storage = storage_svc;
    if (create_upload_temps(service, err) != 0) {
        asset_service_destroy(service);
        return NULL;
    }
    return service;
}

void asset_service_destroy(asset_service *service)
{
    if (!service)
        return;
    content_cache_destroy(service->public_keys);
    upload_temps_destroy(service->uploads);
    free(service);
}

/* ---- removing storage objects ----------------------------------------------------------- */

typedef struct pending_object {
    char id[ASSET_ID_SIZE];
    const char *provider;   /* borrowed from a result that outlives the removal */
    const char *profile_id; /* may be NULL */
    const char *key;
} pending_object;

/* Log why a pending object could not be handled (err says why), note the failure on its
 * record for the next sweep, and return -1. */
static int pending_failure(db_conn *conn, const pending_object *object, const char *what,
                           nh_error *err)
{
    log_message(LOG_WARN, "assets", "could not %s the object %s: %s (%s); it will be retried", what,
                object->key, err->code, err->message);
    nh_error note_error;
    if (asset_store_note_pending_failure(conn, object->id, err->code, &note_error) != 0)
        log_message(LOG_WARN, "assets", "could not note the failure on the record of %s: %s",
                    object->key, note_error.message);
    return -1;
}

/* Remove one object recorded as pending and then its record; an object a row points at again
 * (an upload whose commit did happen) stays and only the record goes. On failure the record
 * stays for the next sweep; the failure is logged with the key and returned. The removal was
 * decided when the record was written (an upload's intent, or a delete that passed
 * storage_check_remove), so the storage's delete policy is not applied again. commit_message
 * NULL = DEFAULT_COMMIT_MESSAGE. */
static int remove_pending_object(asset_service *service, db_conn *conn,
                                 const pending_object *object, const char *commit_message,
                                 nh_error *err)
{
    bool in_use = true;
    if (asset_store_key_in_use(conn, object->key, &in_use, err) != 0)
        return pending_failure(conn, object, "check the rows of", err);
    if (!in_use) {
        storage_target target;
        int rc = storage_service_resolve_read_on(service->storage, conn, object->provider,
                                                 object->profile_id, &target, err);
        if (rc == 0) {
            rc = storage_remove_unreferenced(
                target.backend, object->key,
                commit_message ? commit_message : DEFAULT_COMMIT_MESSAGE, err);
            storage_target_release(&target);
        }
        if (rc != 0)
            return pending_failure(conn, object, "remove", err);
    }
    if (asset_store_remove_pending_deletion(conn, object->id, err) != 0)
        return pending_failure(conn, object, "end the pending record of", err);
    return 0;
}

/* One batch of recorded removals; -1 with err set to the first failure. */
static int sweep_objects(asset_service *service, db_conn *conn, nh_error *err)
{
    db_result *rows = NULL;
    /* Upload intents younger than SWEEP_MIN_AGE_MS may belong to an upload still under way
     * (here or in another instance): leave them to a later sweep. */
    int64_t intents_before = clock_now_ms() - SWEEP_MIN_AGE_MS;
    if (asset_store_pending_deletions(conn, intents_before, SWEEP_BATCH, &rows, err) != 0) {
        log_message(LOG_WARN, "assets", "the sweep cannot read the pending removals: %s",
                    err->message);
        return -1;
    }
    int rc = 0;
    size_t done = 0;
    for (size_t row = 0; row < db_result_rows(rows); row++) {
        pending_object object;
        snprintf(object.id, sizeof object.id, "%s", db_result_text(rows, row, 0));
        object.provider = db_result_text(rows, row, 1);
        object.profile_id = db_result_text(rows, row, 2);
        object.key = db_result_text(rows, row, 3);
        nh_error failure;
        if (remove_pending_object(service, conn, &object, NULL, &failure) == 0) {
            done++;
        } else if (rc == 0) {
            *err = failure;
            rc = -1;
        }
    }
    if (db_result_rows(rows) > 0)
        log_message(LOG_INFO, "assets", "the sweep handled %zu of %zu pending object removals",
                    done, db_result_rows(rows));
    db_result_free(rows);
    return rc;
}

int asset_service_sweep(asset_service *service, nh_error *err)
{
    bool failed = false;
    int removed = upload_temps_sweep(service->uploads);
    log_message(LOG_DEBUG, "assets_sweep", "leftover upload files removed: %d", removed);
    if (removed < 0) { /* each file's failure is logged */
        error_set(err, 500, "internal_server_error",
                  "Some leftover upload files could not be removed.");
        failed = true;
    }
    nh_error failure;
    db_conn *conn = db_acquire(service->database, &failure);
    int rc = conn ? sweep_objects(service, conn, &failure) : -1;
    if (conn)
        db_release(service->database, conn);
    else
        log_message(LOG_WARN, "assets", "the sweep cannot reach the database: %s", failure.message);
    if (rc != 0 && !failed) {
        *err = failure;
        failed = true;
    }
    return failed ? -1 : 0;
}

/* ---- reading ---------------------------------------------------------------------------- */

static int asset_not_found(nh_error *err, const char *id)
{
    return error_set(err, 404, "asset_not_found", "Asset '%s' was not found.", id);
}

void asset_detail_free(asset_detail *detail)
{
    db_result_free(detail->asset);
    db_result_free(detail->derivatives);
    db_result_free(detail->structured_results);
    db_result_free(detail->execution);
    db_result_free(detail->steps);
    memset(detail, 0, sizeof *detail);
}

int asset_detail_load(db_conn *conn, const char *id, bool public_only, asset_detail *out,
                      nh_error *err)
{
    /* The jobs first: a job writes the asset before it ends, so a detail that shows its jobs
     * ended also shows what they wrote (read the other way round, the row could predate it). */
    if (!public_only && job_store_asset_processing(conn, id, &out->processing, err) != 0)
        return -1;
    if (asset_store_find(conn, id, false, &out->asset, err) != 0)
        return -1;
    if (db_result_rows(out->asset) == 0)
        return asset_not_found(err, id);
    asset_record_from_row(out->asset, 0, &out->record);
    bool visible = out->record.is_public && !strcmp(out->record.status, "ready");
    if (public_only && !visible)
        return asset_not_found(err, id);
    if (asset_store_derivatives(conn, id, &out->derivatives, err) != 0)
        return -1;
    if (public_only)
        return 0;
    if (asset_store_duplicate_of(conn, &out->record, out->duplicate_of, &out->has_duplicate, err) !=
            0 ||
        asset_store_structured_results(conn, id, &out->structured_results, err) != 0 ||
        asset_store_latest_execution(conn, id, &out->execution, &out->steps, err) != 0)
        return -1;
    return 0;
}

int asset_service_detail(asset_service *service, const char *id, bool public_only,
                         asset_detail *out, nh_error *err)
{
    memset(out, 0, sizeof *out);
    db_conn *conn = db_acquire(service->database, err);
    if (!conn)
        return -1;
    int rc = asset_detail_load(conn, id, public_only, out, err);
    db_release(service->database, conn);
    if (rc != 0)
        asset_detail_free(out);
    return rc;
}

/* The stored status named by a status filter: an enum name (any case) or its number; NULL
 * when it does not parse (the filter is then ignored). */
static const char *status_filter(const char *text, char number_text[24])
{
    static const char *const names[] = {"pending", "ready", "deleted", "failed"};
    if (!text)
        return NULL;
    for (size_t i = 0; i < 4; i++)
        if (!strcasecmp(text, names[i]))
            return names[i];
    char *end;
    long long number = strtoll(text, &end, 10);
    if (*text == '\0' || *end != '\0')
        return NULL;
    if (number >= 1 && number <= 4)
        return names[number - 1];
    snprintf(number_text, 24, "%lld", number); /* a number no asset has: matches nothing */
    return number_text;
}

/* How the processing of each asset of the page stands (two queries for the whole page). */
static int read_processing(db_conn *conn, asset_page *page, nh_error *err)
{
    size_t count = db_result_rows(page->rows);
    page->processing = calloc(count ? count : 1, sizeof *page->processing);
    const char **ids = calloc(count ? count : 1, sizeof *ids);
    int rc = page->processing && ids ? 0 : error_internal(err);
    for (size_t row = 0; rc == 0 && row < count; row++)
        ids[row] = db_result_text(page->rows, row, 0);
    if (rc == 0 && count > 0)
        rc = job_store_assets_processing(conn, ids, count, page->processing, err);
    free(ids);
    return rc;
}

int asset_service_list(asset_service *service, const asset_list_request *request, asset_page *out,
                       nh_error *err)
{
    memset(out, 0, sizeof *out);
    asset_visibility visibility = ASSET_VISIBILITY_ANY;
    if (!request->public_only && request->is_public && request->is_public[0]) {
        if (!strcasecmp(request->is_public, "true"))
            visibility = ASSET_VISIBILITY_PUBLIC;
        else if (!strcasecmp(request->is_public, "false"))
            visibility = ASSET_VISIBILITY_PRIVATE;
        else
            return error_set(err, 400, "request_invalid",
                             "The value '%.32s' is not valid for isPublic.", request->is_public);
    }
    char created_by[UUID_TEXT_SIZE];
    bool has_created_by = !request->public_only && request->created_by_user_id &&
                          !text_is_blank(request->created_by_user_id);
    if (has_created_by && !uuid_parse(request->created_by_user_id, created_by))
        return error_set(err, 400, "request_invalid",
                         "The value '%.40s' is not valid for createdByUserId.",
                         request->created_by_user_id);
    char *keyword = asset_text_trimmed_or_null(request->query);
    char *content_type = asset_text_trimmed_or_null(request->content_type);
    char *status = request->public_only ? NULL : asset_text_trimmed_or_null(request->status);
    char *order_by = asset_text_trimmed_or_null(request->order_by);
    char *direction = asset_text_trimmed_or_null(request->order_direction);
    char status_number[24];
    asset_list_filter filter = {
        .public_only = request->public_only,
        .keyword = keyword,
        .content_type = content_type,
        .status = status_filter(status, status_number),
        .visibility = visibility,
        .created_by_user_id = has_created_by ? created_by : NULL,
        .order = order_by && !strcasecmp(order_by, "size") ? ASSET_ORDER_SIZE : ASSET_ORDER_CREATED,
        .ascending = direction && !strcasecmp(direction, "asc"),
        .limit = request->page_size,
        .offset = (int64_t)(request->page - 1) * request->page_size,
    };
    int rc = -1;
    db_conn *conn = db_acquire(service->database, err);
    if (conn) {
        rc = asset_store_list(conn, &filter, &out->rows, &out->total, err);
        if (rc == 0)
            rc = asset_store_derivatives_of_page(conn, out->rows, &out->derivatives, err);
        if (rc == 0 && !request->public_only)
            rc = read_processing(conn, out, err);
        db_release(service->database, conn);
    }
    free(keyword);
    free(content_type);
    free(status);
    free(order_by);
    free(direction);
    out->page = request->page;
    out->page_size = request->page_size;
    if (rc != 0)
        asset_page_free(out);
    return rc;
}

void asset_page_free(asset_page *page)
{
    db_result_free(page->rows);
    db_result_free(page->derivatives);
    free(page->processing);
    page->rows = NULL;
    page->derivatives = NULL;
    page->processing = NULL;
}

int asset_service_usage(asset_service *service, asset_usage *out, nh_error *err)
{
    memset(out, 0, sizeof *out);
    db_conn *conn = db_acquire(service->database, err);
    if (!conn)
        return -1;
    int rc = asset_store_usage_totals(conn, &out->totals, err);
    if (rc == 0)
        rc = asset_store_usage_by_type(conn, &out->by_type, err);
    if (rc == 0)
        rc = asset_store_most_active_skill(conn, &out->most_active, err);
    db_release(service->database, conn);
    if (rc != 0)
        asset_usage_free(out);
    return rc;
}

void asset_usage_free(asset_usage *usage)
{
    db_result_free(usage->by_type);
    db_result_free(usage->most_active);
    usage->by_type = NULL;
    usage->most_active = NULL;
}

/* ---- changes ---------------------------------------------------------------------------- */

static bool locks_rows(const asset_service *service)
{
    return db_dialect(service->database) == DB_PROVIDER_POSTGRES;
}

static int record_visibility_change(db_conn *conn, const audit_actor *actor,
                                    const asset_record *asset, bool after, nh_error *err)
{
    json_t *changes = json_object();
    if (!changes)
        return error_internal(err);
    audit_change(changes, "isPublic", json_boolean(asset->is_public), json_boolean(after));
    audit_entry entry = {.action = "asset.visibility_change",
                         .target_type = "asset",
                         .target_id = asset->id,
                         .target_name = asset->original_file_name,
                         .changes = changes};
    int rc = audit_record(conn, actor, &entry, err);
    json_decref(changes);
    return rc;
}

/* The capability catalog is enforced (issue 10): a visibility change on storage without
 * supportsVisibilityToggle (github-repo, github-releases) is refused. The profile's stored
 * flags decide for profile-bound assets, the backend type's catalog flags otherwise. */
static int check_visibility_toggle(asset_service *service, db_conn *conn, const asset_record *asset,
                                   nh_error *err)
{
    profile_capabilities capabilities;
    const char *profile_id = asset->storage_provider_profile_id;
    if (profile_id && profile_id[0]) {
        db_result *rows = NULL;
        if (profile_store_find(conn, profile_id, &rows, err) != 0)
            return -1;
        profile_record profile;
        bool found = db_result_rows(rows) == 1;
        if (found)
            profile_record_from_row(rows, 0, &profile);
        bool allowed = !found || profile.capabilities.flags[PROFILE_CAP_VISIBILITY_TOGGLE];
        db_result_free(rows);
        if (allowed)
            return 0;
    } else {
        storage_target target;
        if (storage_service_resolve_read_on(service->storage, conn, asset->storage_provider, NULL,
                                            &target, err) != 0)
            return 0; /* an unknown storage is reported where its bytes are needed */
        bool known = profile_capabilities_of(target.backend->ops->type, &capabilities);
        storage_target_release(&target);
        if (!known || capabilities.flags[PROFILE_CAP_VISIBILITY_TOGGLE])
            return 0;
    }
    return error_set(err, 400, "asset_storage_visibility_toggle_not_supported",
                     "The storage of this asset does not support changing its visibility.");
}

/* Inside the transaction: look up, check the file name, save, audit. */
static int apply_patch(asset_service *service, db_conn *conn, const char *id,
                       const asset_patch *patch, const char *tags, const audit_actor *actor,
                       nh_error *err)
{
    db_result *found = NULL;
    if (asset_store_find(conn, id, locks_rows(service), &found, err) != 0)
        return -1;
    if (db_result_rows(found) == 0) {
        db_result_free(found);
        return asset_not_found(err, id);
    }
    asset_record asset;
    asset_record_from_row(found, 0, &asset);
    char *file_name = NULL;
    int rc = 0;
    if (patch->has_original_file_name && patch->original_file_name)
        rc = asset_text_file_name(patch->original_file_name, &file_name, err);
    asset_update update = {
        .set_description = patch->has_description,
        .description = patch->description,
        .set_alt_text = patch->has_alt_text,
        .alt_text = patch->alt_text,
        .set_original_file_name = patch->has_original_file_name,
        .original_file_name = file_name,
        .set_is_public = patch->has_is_public,
        .is_public = patch->is_public,
        .set_tags = patch->has_tags,
        .tags = tags,
        .updated_at = clock_now_ms(),
    };
    if (rc == 0 && patch->has_is_public && patch->is_public != asset.is_public)
        rc = check_visibility_toggle(service, conn, &asset, err);
    if (rc == 0)
        rc = asset_store_update(conn, id, &update, err);
    if (rc == 0 && patch->has_is_public && patch->is_public != asset.is_public)
        rc = record_visibility_change(conn, actor, &asset, patch->is_public, err);
    free(file_name);
    db_result_free(found);
    return rc;
}

typedef struct patch_step {
    asset_service *service;
    const char *id;
    const asset_patch *patch;
    const char *tags; /* the checked tags as JSON text, or NULL (none / clear) */
    const audit_actor *actor;
} patch_step;

static int patch_in_transaction(db_conn *conn, void *context, nh_error *err)
{
    const patch_step *step = context;
    return apply_patch(step->service, conn, step->id, step->patch, step->tags, step->actor, err);
}

/* The patch's tags checked and as the stored JSON text (NULL when they clear). */
static int patch_tags_text(const asset_patch *patch, char **out, nh_error *err)
{
    *out = NULL;
    if (!patch->has_tags || !patch->tags)
        return 0;
    json_t *tags = NULL;
    if (asset_text_tags_check(patch->tags, &tags, err) != 0)
        return -1;
    if (json_array_size(tags) > 0)
        *out = json_dumps(tags, JSON_COMPACT);
    bool failed = json_array_size(tags) > 0 && !*out;
    json_decref(tags);
    return failed ? error_internal(err) : 0;
}

int asset_service_patch(asset_service *service, const char *id, const asset_patch *patch,
                        const audit_actor *actor, nh_error *err)
{
    if (patch->has_description &&
        asset_text_check_length(patch->description, "asset_description_too_long", "Description",
                                err) != 0)
        return -1;
    if (patch->has_alt_text &&
        asset_text_check_length(patch->alt_text, "asset_alt_text_too_long", "Alt text", err) != 0)
        return -1;
    char *tags = NULL;
    if (patch_tags_text(patch, &tags, err) != 0)
        return -1;
    patch_step step = {service, id, patch, tags, actor};
    int rc = db_transaction(service->database, patch_in_transaction, &step, err);
    free(tags);
    if (rc != 0)
        return -1;
    content_cache_clear(service->public_keys);
    return 0;
}

/* ---- deleting --------------------------------------------------------------------------- */

/* What one delete must remove from storage, kept until the objects are gone. */
typedef struct delete_plan {
    db_result *asset;
    db_result *derivative_keys;
    pending_object *objects;
    size_t object_count;
    const char *commit_message; /* the client's (trimmed), or NULL */
} delete_plan;

static void delete_plan_free(delete_plan *plan)
{
    db_result_free(plan->asset);
    db_result_free(plan->derivative_keys);
    free(plan->objects);
}

static void plan_object(delete_plan *plan, const char *provider, const char *profile_id,
                        const char *key)
{
    pending_object *object = &plan->objects[plan->object_count++];
    uuid_v7(object->id);
    object->provider = provider;
    object->profile_id = profile_id;
    object->key = key;
}

static int record_delete(db_conn *conn, const audit_actor *actor, const char *action,
                         const asset_record *asset, nh_error *err)
{
    audit_entry entry = {.action = action,
                         .target_type = "asset",
                         .target_id = asset->id,
                         .target_name = asset->original_file_name,
                         .changes = NULL};
    return audit_record(conn, actor, &entry, err);
}

/* Inside the transaction: rows out, objects recorded as pending removal, audit entry in. */
static int delete_rows(asset_service *service, db_conn *conn, const char *id,
                       const audit_actor *actor, const char *action, delete_plan *plan,
                       nh_error *err)
{
    if (asset_store_find(conn, id, locks_rows(service), &plan->asset, err) != 0)
        return -1;
    if (db_result_rows(plan->asset) == 0)
        return asset_not_found(err, id);
    asset_record asset;
    asset_record_from_row(plan->asset, 0, &asset);
    storage_target target;
    if (storage_service_resolve_read_on(service->storage, conn, asset.storage_provider,
                                        asset.storage_provider_profile_id, &target, err) != 0)
        return -1;
    /* a storage that refuses deletes (GitHub allowDelete false) refuses before any row goes */
    int allowed = storage_check_remove(target.backend, err);
    storage_target_release(&target);
    if (allowed != 0)
        return -1;
    if (asset_store_derivative_keys(conn, id, &plan->derivative_keys, err) != 0)
        return -1;
    size_t derivative_count = db_result_rows(plan->derivative_keys);
    plan->objects = calloc(derivative_count + 1, sizeof *plan->objects);
    if (!plan->objects)
        return error_internal(err);
    plan_object(plan, asset.storage_provider, asset.storage_provider_profile_id, asset.storage_key);
    for (size_t row = 0; row < derivative_count; row++)
        plan_object(plan, db_result_text(plan->derivative_keys, row, 1),
                    asset.storage_provider_profile_id,
                    db_result_text(plan->derivative_keys, row, 0));
    for (size_t i = 0; i < plan->object_count; i++) {
        const pending_object *object = &plan->objects[i];
        if (asset_store_add_pending_deletion(conn, object->id, object->provider, object->profile_id,
                                             object->key, err) != 0)
            return -1;
    }
    int64_t affected = 0;
    if (asset_store_delete(conn, id, &affected, err) != 0)
        return -1;
    if (affected != 1)
        return asset_not_found(err, id);
    return record_delete(conn, actor, action, &asset, err);
}

typedef struct delete_step {
    asset_service *service;
    const char *id;
    const audit_actor *actor;
    const char *action;
    delete_plan *plan;
} delete_step;

static int delete_in_transaction(db_conn *conn, void *context, nh_error *err)
{
    const delete_step *step = context;
    return delete_rows(step->service, conn, step->id, step->actor, step->action, step->plan, err);
}

/* The rows are gone: remove the objects now. One that cannot go stays recorded for the sweep
 * (remove_pending_object logs each failure), which does not make the delete fail. */
static void remove_planned_objects(asset_service *service, const delete_plan *plan)
{
    nh_error failure;
    db_conn *conn = db_acquire(service->database, &failure);
    if (!conn) {
        log_message(LOG_WARN, "assets", "%zu objects of a delete are left to the sweep: %s",
                    plan->object_count, failure.message);
        return;
    }
    for (size_t i = 0; i < plan->object_count; i++)
        remove_pending_object(service, conn, &plan->objects[i], plan->commit_message, &failure);
    db_release(service->database, conn);
}

int asset_service_delete(asset_service *service, const char *id, const char *commit_message,
                         const audit_actor *actor, const char *audit_action, int64_t *deleted_at,
                         nh_error *err)
{
    delete_plan plan;
    memset(&plan, 0, sizeof plan);
    char *message = asset_text_trimmed_or_null(commit_message);
    plan.commit_message = message;
    delete_step step = {service, id, actor, audit_action, &plan};
    int rc = db_transaction(service->database, delete_in_transaction, &step, err);
    if (rc == 0) {
        content_cache_clear(service->public_keys);
        *deleted_at = clock_now_ms();
        remove_planned_objects(service, &plan);
    }
    delete_plan_free(&plan);
    free(message);
    return rc == 0 ? 0 : -1;
}

/* ---- content ---------------------------------------------------------------------------- */

void asset_content_close(asset_content *content)
{
    if (content->object.fd >= 0)
        close(content->object.fd);
    content->object.fd = -1;
    if (content->deferred)
        storage_target_release(&content->source);
    content->deferred = false;
}

static int content_not_found(nh_error *err)
{
    /* the same body as an unmatched path, so nothing tells these cases apart */
    return error_set(err, 404, "not_found", "No resource at this path.");
}

static void fill_content(asset_content *out, const char *content_type, const char *checksum)
{
    snprintf(out->content_type, sizeof out->content_type, "%s",
             content_type ? content_type : "application/octet-stream");
    if (checksum && checksum[0])
        snprintf(out->etag, sizeof out->etag, "\"%.64s\"", checksum);
    else
        snprintf(out->etag, sizeof out->etag, "\"%llx-%llx\"", (unsigned long long)out->object.size,
                 (unsigned long long)out->object.modified_ms);
}

/* The storage the row names. May block (a future profile's backend is built from the
 * database); with `inline_only` only the built-in local storage is taken (never blocks) and
 * anything else is ASSET_OPEN_DEFERRED. */
static int resolve_storage(asset_service *service, db_conn *conn, const char *provider,
                           const char *profile_id, bool inline_only, storage_target *target,
                           nh_error *err)
{
    if (!inline_only && conn)
        return storage_service_resolve_read_on(service->storage, conn, provider, profile_id, target,
                                               err);
    if (!inline_only)
        return storage_service_resolve_read(service->storage, provider, profile_id, target, err);
    return storage_service_resolve_local(service->storage, provider, profile_id, target)
               ? 0
               : ASSET_OPEN_DEFERRED;
}

static int derivative_not_found(nh_error *err, const char *id, const char *kind)
{
    return error_set(err, 404, "asset_derivative_not_found",
                     "Asset '%s' has no derivative of kind '%.64s'.", id, kind);
}

/* The 404 of a missing object: the protected routes name their asset (or derivative),
 * /content does not. */
static int object_not_found(const asset_content *content, nh_error *err)
{
    if (content->derivative)
        return error_set(err, 404, "asset_derivative_not_found",
                         "The derivative's stored object of asset '%s' is missing.",
                         content->asset_id);
    return content->asset_id[0] ? asset_not_found(err, content->asset_id) : content_not_found(err);
}

/* Open key through the storage the row names; 404 when the object is missing. A remote
 * object is not fetched here (deferred, see asset_content_fetch): its validators come from
 * the row (size, created_ms). */
static int open_object(asset_service *service, db_conn *conn, const char *provider,
                       const char *profile_id, const char *key, bool inline_only, int64_t size,
                       int64_t created_ms, asset_content *out, nh_error *err)
{
    storage_target target;
    int resolved = resolve_storage(service, conn, provider, profile_id, inline_only, &target, err);
    if (resolved != 0)
        return resolved;
    snprintf(out->storage_key, sizeof out->storage_key, "%s", key);
    out->in_local_root = target.in_builtin_local_root;
    if (target.backend->ops->open_range && storage_key_is_valid(key) && size >= 0) {
        out->deferred = true;
        out->source = target; /* released by asset_content_close */
        out->object.size = (uint64_t)size;
        out->object.modified_ms = created_ms;
        return 0;
    }
    int rc = storage_open(target.backend, key, &out->object, err);
    storage_target_release(&target);
    if (rc == STORAGE_NOT_FOUND)
        return object_not_found(out, err);
    return rc == 0 ? 0 : -1;
}

int asset_content_fetch(asset_content *content, uint64_t offset, uint64_t length, nh_error *err)
{
    if (!content->deferred || content->object.fd >= 0)
        return 0;
    storage *backend = content->source.backend;
    storage_object fetched = {.fd = -1};
    int rc = length > 0
                 ? storage_open_range(backend, content->storage_key, offset, length, &fetched, err)
                 : storage_open(backend, content->storage_key, &fetched, err);
    if (rc == STORAGE_NOT_FOUND)
        return object_not_found(content, err);
    if (rc != 0)
        return -1;
    content->object.fd = fetched.fd;
    if (length == 0)
        content->object.size = fetched.size;
    return 0;
}

int asset_content_fetch_nothing(asset_content *content, nh_error *err)
{
    if (!content->deferred || content->object.fd >= 0)
        return 0;
    content->object.fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (content->object.fd < 0) {
        log_message(LOG_ERROR, "assets", "opening /dev/null: %s", strerror(errno));
        return error_internal(err);
    }
    return 0;
}

static bool is_visible_status(const char *status)
{
    return status && strcmp(status, "deleted") != 0;
}

static void set_target(content_target *out, const char *content_type, const char *checksum,
                       const char *provider, const char *profile_id, int64_t size,
                       int64_t created_ms)
{
    out->size = size;
    out->created_ms = created_ms;
    snprintf(out->content_type, sizeof out->content_type, "%s",
             content_type ? content_type : "application/octet-stream");
    snprintf(out->checksum, sizeof out->checksum, "%s", checksum ? checksum : "");
    snprintf(out->provider, sizeof out->provider, "%s", provider ? provider : "");
    snprintf(out->profile_id, sizeof out->profile_id, "%s", profile_id ? profile_id : "");
}

/* A derivative's key: public while its asset is. */
static int find_public_derivative(db_conn *conn, const char *key, content_target *out,
                                  nh_error *err)
{
    db_result *found = NULL;
    if (asset_store_find_derivative_by_key(conn, key, &found, err) != 0)
        return -1;
    bool visible = db_result_rows(found) == 1 && db_result_int64(found, 0, 4) != 0 &&
                   is_visible_status(db_result_text(found, 0, 5));
    if (visible)
        set_target(out, db_result_text(found, 0, 0), db_result_text(found, 0, 3),
                   db_result_text(found, 0, 8), db_result_text(found, 0, 7),
                   db_result_int64(found, 0, 2), db_result_int64(found, 0, 9));
    db_result_free(found);
    return visible ? 0 : content_not_found(err);
}

/* What the database says about a public key: 0 with out filled, or 404 not_found. */
static int find_public_target(db_conn *conn, const char *key, content_target *out, nh_error *err)
{
    db_result *found = NULL;
    if (asset_store_find_by_key(conn, key, &found, err) != 0)
        return -1;
    if (db_result_rows(found) == 0) {
        db_result_free(found);
        return find_public_derivative(conn, key, out, err);
    }
    asset_record asset;
    asset_record_from_row(found, 0, &asset);
    bool visible = asset.is_public && is_visible_status(asset.status);
    if (visible)
        set_target(out, asset.content_type, asset.checksum_sha256, asset.storage_provider,
                   asset.storage_provider_profile_id, asset.size, asset.created_at);
    db_result_free(found);
    return visible ? 0 : content_not_found(err);
}

static int64_t monotonic_ms(void)
{
    return clock_monotonic_ns() / 1000000;
}

/* The target of a public key: from the cache, or from the database (then cached). */
static int public_target(asset_service *service, const char *key, content_target *out,
                         nh_error *err)
{
    if (content_cache_get(service->public_keys, key, monotonic_ms(), out))
        return 0;
    uint64_t generation = content_cache_generation(service->public_keys);
    db_conn *conn = db_acquire(service->database, err);
    if (!conn)
        return -1;
    int rc = find_public_target(conn, key, out, err);
    db_release(service->database, conn);
    if (rc == 0)
        content_cache_put(service->public_keys, key, generation, monotonic_ms(), out);
    return rc;
}

static void content_init(asset_content *out)
{
    memset(out, 0, sizeof *out);
    out->object.fd = -1;
}

/* Both halves of the public content route: with `inline_only` nothing blocks (the memory of
 * public keys, the built-in local storage) and what needs more is ASSET_OPEN_DEFERRED. */
static int open_public(asset_service *service, const char *raw_key, bool inline_only,
                       asset_content *out, nh_error *err)
{
    content_init(out);
    out->is_public = true;
    char key[STORAGE_KEY_SIZE];
    if (storage_key_normalize(raw_key, key, sizeof key) != 0)
        return inline_only ? ASSET_OPEN_DEFERRED : content_not_found(err);
    content_target target;
    if (inline_only && !content_cache_get(service->public_keys, key, monotonic_ms(), &target))
        return ASSET_OPEN_DEFERRED;
    if (!inline_only && public_target(service, key, &target, err) != 0)
        return -1;
    const char *profile_id = target.profile_id[0] ? target.profile_id : NULL;
    int rc = open_object(service, NULL, target.provider, profile_id, key, inline_only, target.size,
                         target.created_ms, out, err);
    if (rc != 0)
        return rc;
    fill_content(out, target.content_type, target.checksum);
    return 0;
}

int asset_service_open_public(asset_service *service, const char *raw_key, asset_content *out,
                              nh_error *err)
{
    return open_public(service, raw_key, false, out, err);
}

int asset_service_open_public_inline(asset_service *service, const char *raw_key,
                                     asset_content *out, nh_error *err)
{
    return open_public(service, raw_key, true, out, err);
}

/* A public asset: where its bytes are publicly served, after checking they exist. */
static int public_location(asset_service *service, db_conn *conn, const asset_record *asset,
                           const char *public_base_url, char **redirect_url, nh_error *err)
{
    storage_target target;
    if (storage_service_resolve_read_on(service->storage, conn, asset->storage_provider,
                                        asset->storage_provider_profile_id, &target, err) != 0)
        return -1;
    char *url = asset->public_url && asset->public_url[0]
                    ? strdup(asset->public_url)
                    : storage_public_url(target.backend, public_base_url, asset->storage_key);
    bool exists = false;
    int rc = url ? storage_exists(target.backend, asset->storage_key, &exists, err) : 0;
    storage_target_release(&target);
    if (rc != 0 || !url || !exists) {
        free(url);
        return rc != 0 ? -1 : asset_not_found(err, asset->id);
    }
    *redirect_url = url;
    return 0;
}

/* The asset with this id when its status is visible: 0 with asset read from *found, or -1 with
 * err (the lookup failed, or 404 asset_not_found). Free *found either way (NULL is fine). */
static int find_visible(db_conn *conn, const char *id, db_result **found, asset_record *asset,
                        nh_error *err)
{
    memset(asset, 0, sizeof *asset);
    *found = NULL;
    if (asset_store_find(conn, id, false, found, err) != 0)
        return -1;
    if (db_result_rows(*found) == 0)
        return asset_not_found(err, id);
    asset_record_from_row(*found, 0, asset);
    return is_visible_status(asset->status) ? 0 : asset_not_found(err, id);
}

static int open_protected(asset_service *service, db_conn *conn, const char *id,
                          const char *public_base_url, asset_content *out, char **redirect_url,
                          nh_error *err)
{
    db_result *found = NULL;
    asset_record asset;
    int rc = find_visible(conn, id, &found, &asset, err);
    if (rc == 0 && asset.is_public) {
        rc = public_location(service, conn, &asset, public_base_url, redirect_url, err);
    } else if (rc == 0) {
        snprintf(out->asset_id, sizeof out->asset_id, "%s", id);
        rc = open_object(service, conn, asset.storage_provider, asset.storage_provider_profile_id,
                         asset.storage_key, false, asset.size, asset.created_at, out, err);
        if (rc == 0)
            fill_content(out, asset.content_type, asset.checksum_sha256);
    }
    db_result_free(found);
    return rc;
}

int asset_service_open_protected(asset_service *service, const char *id,
                                 const char *public_base_url, asset_content *out,
                                 char **redirect_url, nh_error *err)
{
    content_init(out);
    *redirect_url = NULL;
    db_conn *conn = db_acquire(service->database, err);
    if (!conn)
        return -1;
    int rc = open_protected(service, conn, id, public_base_url, out, redirect_url, err);
    db_release(service->database, conn);
    if (rc != 0)
        asset_content_close(out);
    return rc;
}

/* The derivative of kind of a visible asset, opened. */
static int open_derivative(asset_service *service, db_conn *conn, const char *id, const char *kind,
                           asset_content *out, nh_error *err)
{
    db_result *found = NULL;
    asset_record asset;
    int rc = find_visible(conn, id, &found, &asset, err);
    db_result *derivative = NULL;
    if (rc == 0)
        rc = asset_store_find_derivative(conn, id, kind, &derivative, err);
    if (rc == 0 && db_result_rows(derivative) == 0)
        rc = derivative_not_found(err, id, kind);
    if (rc == 0) {
        snprintf(out->asset_id, sizeof out->asset_id, "%s", id);
        out->derivative = true;
        rc = open_object(service, conn, db_result_text(derivative, 0, 4),
                         asset.storage_provider_profile_id, db_result_text(derivative, 0, 1), false,
                         db_result_int64(derivative, 0, 2), db_result_int64(derivative, 0, 5), out,
                         err);
        if (rc == 0)
            fill_content(out, db_result_text(derivative, 0, 0), db_result_text(derivative, 0, 3));
    }
    db_result_free(derivative);
    db_result_free(found);
    return rc;
}

int asset_service_open_derivative(asset_service *service, const char *id, const char *kind,
                                  asset_content *out, nh_error *err)
{
    content_init(out);
    db_conn *conn = db_acquire(service->database, err);
    if (!conn)
        return -1;
    int rc = open_derivative(service, conn, id, kind, out, err);
    db_release(service->database, conn);
    if (rc != 0)
        asset_content_close(out);
    return rc;
}
