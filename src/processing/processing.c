/* processing.c - the processing service: its life cycle, manual runs (validate, enqueue,
 * wait), workflow enqueueing and the reads of the executions API (see processing.h). */
#include "processing/processing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assets/asset_json.h"
#include "assets/asset_store.h"
#include "core/log.h"
#include "core/text.h"
#include "processing/execution_store.h"
#include "processing/processing_jobs.h"
#include "processing/processing_json.h"
#include "processing/skill_catalog.h"
#include "processing/skill_params.h"

#define SHOWN_MAX 64

/* ---- life cycle ------------------------------------------------------------------------- */

processing_service *processing_service_create(const config *cfg, db *database,
                                              storage_service *storage_svc, media_pool *media,
                                              asset_service *assets, job_queue *jobs,
                                              const char *public_base_url, nh_error *err)
{
    processing_service *service = calloc(1, sizeof *service);
    if (!service) {
        error_internal(err);
        return NULL;
    }
    service->cfg = cfg;
    service->database = database;
    service->storage = storage_svc;
    service->media = media;
    service->assets = assets;
    service->jobs = jobs;
    service->public_base_url = public_base_url;
    service->max_waiting = (int)(cfg->handler_threads / 2);
    atomic_init(&service->waiting, 0);
    if (jobs &&
        job_queue_register(jobs, JOB_KIND_ASSET_PROCESS, processing_jobs_handle, service) != 0) {
        error_set(err, 500, "start_failed", "the processing job handler could not be registered");
        free(service);
        return NULL;
    }
    return service;
}

void processing_service_destroy(processing_service *service)
{
    free(service);
}

/* ---- manual runs ------------------------------------------------------------------------ */

static int asset_not_found(nh_error *err, const char *id)
{
    return error_set(err, 404, "asset_not_found", "Asset '%s' was not found.", id);
}

int processing_asset_facts_load(processing_service *service, const char *asset_id,
                                processing_asset_facts *out, nh_error *err)
{
    memset(out, 0, sizeof *out);
    db_conn *conn = db_acquire(service->database, err);
    if (!conn)
        return -1;
    db_result *rows = NULL;
    int rc = asset_store_find(conn, asset_id, false, &rows, err);
    db_release(service->database, conn);
    if (rc != 0)
        return -1;
    asset_record asset;
    memset(&asset, 0, sizeof asset);
    if (db_result_rows(rows) == 1)
        asset_record_from_row(rows, 0, &asset);
    bool found = db_result_rows(rows) == 1 && asset.status && strcmp(asset.status, "deleted");
    if (found) {
        snprintf(out->content_type, sizeof out->content_type, "%s",
                 asset.content_type ? asset.content_type : "");
        snprintf(out->profile_id, sizeof out->profile_id, "%s",
                 asset.storage_provider_profile_id ? asset.storage_provider_profile_id : "");
    }
    db_result_free(rows);
    return found ? 0 : asset_not_found(err, asset_id);
}

/* A rewriting skill writes through the asset's profile: refuse a disabled one before anything
 * is queued (other resolution problems are the step's to report). Holds no connection. */
static int check_writable(processing_service *service, const processing_asset_facts *facts,
                          nh_error *err)
{
    if (!facts->profile_id[0])
        return 0;
    storage_target target;
    nh_error resolve_error;
    if (storage_service_resolve_write(service->storage, facts->profile_id, &target,
                                      &resolve_error) == 0) {
        storage_target_release(&target);
        return 0;
    }
    if (!strcmp(resolve_error.code, "storage_provider_profile_disabled")) {
        *err = resolve_error;
        return -1;
    }
    return 0;
}

static int validate(processing_service *service, const char *asset_id, const char *skill_id,
                    const json_t *parameters, const skill_definition **skill, nh_error *err)
{
    if (!skill_id || text_is_blank(skill_id))
        return error_set(err, 400, "skill_name_required", "A skill name is required.");
    processing_asset_facts facts;
    if (processing_asset_facts_load(service, asset_id, &facts, err) != 0)
        return -1;
    *skill = skill_catalog_resolve(skill_id, facts.content_type);
    if (!*skill) {
        char shown[SHOWN_MAX + 4];
        text_excerpt_utf8(shown, SHOWN_MAX, skill_id);
        return error_set(err, 404, "skill_not_found", "Skill '%s' was not found.", shown);
    }
    if (skill_params_check((*skill)->name, parameters, err) != 0)
        return -1;
    return (*skill)->rewrites_original ? check_writable(service, &facts, err) : 0;
}

typedef struct enqueue_step {
    const job_new *job;
    char *id_out;
} enqueue_step;

static int enqueue_in_transaction(db_conn *conn, void *context, nh_error *err)
{
    const enqueue_step *step = context;
    return job_store_enqueue(conn, step->job, step->id_out, err);
}

/* Enqueue one manual job with payload {"skills": skills} and wake the queue. */
static int enqueue_manual(processing_service *service, const char *asset_id, json_t *skills,
                          const char *skill_name, const char *execution_id,
                          char job_id[UUID_TEXT_SIZE], nh_error *err)
{
    json_t *payload = json_pack("{s:O}", "skills", skills);
    char *text = payload ? json_dumps(payload, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(payload);
    if (!text)
        return error_internal(err);
    job_new new_job = {
        .kind = JOB_KIND_ASSET_PROCESS,
        .asset_id = asset_id,
        .payload_json = text,
        .trigger_source = "manual",
        .skill_name = skill_name,
        .execution_id = execution_id,
        .max_attempts = service->cfg->job_max_attempts,
    };
    enqueue_step step = {&new_job, job_id};
    int rc = db_transaction(service->database, enqueue_in_transaction, &step, err);
    free(text);
    if (rc != 0)
        return -1;
    if (service->jobs)
        job_queue_notify(service->jobs);
    return 0;
}

/* At most max_waiting runs wait at once (each holds a handler thread). */
static bool take_wait_slot(processing_service *service)
{
    int now = atomic_fetch_add(&service->waiting, 1);
    if (now < service->max_waiting)
        return true;
    atomic_fetch_sub(&service->waiting, 1);
    return false;
}

bool processing_wait_slot_take(processing_service *service)
{
    return take_wait_slot(service);
}

void processing_wait_slot_release(processing_service *service)
{
    atomic_fetch_sub(&service->waiting, 1);
}

static bool is_finished(job_state state)
{
    return state == JOB_STATE_SUCCEEDED || state == JOB_STATE_FAILED ||
           state == JOB_STATE_CANCELLED;
}

static int read_job(processing_service *service, const char *job_id, job_info *out, nh_error *err)
{
    db_conn *conn = db_acquire(service->database, err);
    if (!conn)
        return -1;
    int rc = job_store_get(conn, job_id, out, err);
    db_release(service->database, conn);
    return rc == 0 ? 0 : -1;
}

static int wait_for(processing_service *service, processing_run *out, int wait_s, nh_error *err)
{
    if (wait_s > 0 && service->jobs && take_wait_slot(service)) {
        int rc = job_queue_wait(service->jobs, out->job_id, wait_s * 1000, &out->job, err);
        atomic_fetch_sub(&service->waiting, 1);
        if (rc != 0)
            return -1;
    } else if (read_job(service, out->job_id, &out->job, err) != 0) {
        return -1;
    }
    out->finished = is_finished(out->job.state);
    return 0;
}

int processing_run_skill(processing_service *service, const char *asset_id, const char *skill_id,
                         const json_t *parameters, int wait_s, processing_run *out, nh_error *err)
{
    memset(out, 0, sizeof *out);
    if (!json_is_object(parameters))
        parameters = NULL;
    const skill_definition *skill = NULL;
    if (validate(service, asset_id, skill_id, parameters, &skill, err) != 0)
        return -1;
    json_t *skills = parameters ? json_pack("[{s:s, s:O}]", "skillId", skill->name, "parameters",
                                            (json_t *)parameters)
                                : json_pack("[{s:s}]", "skillId", skill->name);
    if (!skills)
        return error_internal(err);
    uuid_v7(out->execution_id);
    out->skill_name = skill->name;
    int rc =
        enqueue_manual(service, asset_id, skills, skill->name, out->execution_id, out->job_id, err);
    json_decref(skills);
    if (rc != 0)
        return -1;
    return wait_for(service, out, wait_s, err);
}

void processing_run_clear(processing_run *run)
{
    job_info_clear(&run->job);
}

/* Does one of the skills (resolved for content_type) rewrite the original? */
static bool rewrites_any(const json_t *skills, const char *content_type)
{
    for (size_t i = 0; i < json_array_size(skills); i++) {
        const json_t *id = json_object_get(json_array_get(skills, i), "skillId");
        const skill_definition *skill = skill_catalog_resolve(json_string_value(id), content_type);
        if (skill && skill->rewrites_original)
            return true;
    }
    return false;
}

int processing_enqueue_skills(processing_service *service, const char *asset_id,
                              const json_t *skills, char job_id[UUID_TEXT_SIZE], nh_error *err)
{
    job_id[0] = '\0';
    if (!json_is_array(skills) || json_array_size(skills) == 0)
        return error_set(err, 400, "request_invalid", "There are no skills to run.");
    processing_asset_facts facts;
    if (processing_asset_facts_load(service, asset_id, &facts, err) != 0)
        return -1;
    if (rewrites_any(skills, facts.content_type) && check_writable(service, &facts, err) != 0)
        return -1;
    return enqueue_manual(service, asset_id, (json_t *)skills, NULL, NULL, job_id, err);
}

/* ---- reads ------------------------------------------------------------------------------ */

json_t *processing_skills_json(void)
{
    return processing_json_skills(false);
}

json_t *processing_runnable_skills_json(void)
{
    return processing_json_skills(true);
}

static int check_asset(db_conn *conn, const char *asset_id, nh_error *err)
{
    db_result *rows = NULL;
    if (asset_store_find(conn, asset_id, false, &rows, err) != 0)
        return -1;
    asset_record asset;
    memset(&asset, 0, sizeof asset);
    if (db_result_rows(rows) == 1)
        asset_record_from_row(rows, 0, &asset);
    bool found = db_result_rows(rows) == 1 && asset.status && strcmp(asset.status, "deleted");
    db_result_free(rows);
    return found ? 0 : asset_not_found(err, asset_id);
}

static json_t *executions_json(const db_result *rows, const db_result *steps)
{
    json_t *items = json_array();
    for (size_t row = 0; items && row < db_result_rows(rows); row++) {
        json_t *item = processing_json_execution(rows, row, steps);
        if (!item || json_array_append_new(items, item) != 0) {
            json_decref(items);
            return NULL;
        }
    }
    return items;
}

static int list_on(db_conn *conn, const char *asset_id, int page, int page_size, json_t **out,
                   nh_error *err)
{
    if (check_asset(conn, asset_id, err) != 0)
        return -1;
    db_result *rows = NULL, *steps = NULL;
    int64_t total = 0;
    int rc = execution_store_page(conn, asset_id, page_size, (int64_t)(page - 1) * page_size, &rows,
                                  &total, err);
    if (rc == 0)
        rc = execution_store_steps(conn, rows, &steps, err);
    json_t *items = rc == 0 ? executions_json(rows, steps) : NULL;
    if (rc == 0)
        *out = json_pack("{s:o?, s:i, s:i, s:I}", "items", items, "page", page, "pageSize",
                         page_size, "total", (json_int_t)total);
    if (rc == 0 && (!items || !*out))
        rc = error_internal(err);
    db_result_free(rows);
    db_result_free(steps);
    return rc == 0 ? 0 : -1;
}

int processing_list_executions(processing_service *service, const char *asset_id, int page,
                               int page_size, json_t **out, nh_error *err)
{
    *out = NULL;
    db_conn *conn = db_acquire(service->database, err);
    if (!conn)
        return -1;
    int rc = list_on(conn, asset_id, page < 1 ? 1 : page, page_size, out, err);
    db_release(service->database, conn);
    if (rc != 0) {
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}

static int execution_not_found(nh_error *err, const char *execution_id)
{
    return error_set(err, 404, "skill_execution_not_found", "Execution '%s' was not found.",
                     execution_id);
}

/* The pending shape from the job that was given the id. */
static int pending_on(db_conn *conn, const char *asset_id, const char *execution_id, json_t **out,
                      nh_error *err)
{
    char job_id[UUID_TEXT_SIZE];
    char *payload = NULL;
    bool found = false;
    if (execution_store_job_of(conn, asset_id, execution_id, job_id, &payload, &found, err) != 0)
        return -1;
    job_info info;
    memset(&info, 0, sizeof info);
    int rc =
        found ? job_store_get(conn, job_id, &info, err) : execution_not_found(err, execution_id);
    if (rc == 0) {
        *out = processing_json_pending(execution_id, &info, payload);
        if (!*out)
            rc = error_internal(err);
    }
    if (found)
        job_info_clear(&info);
    free(payload);
    return rc == 0 ? 0 : -1;
}

static int get_on(db_conn *conn, const char *asset_id, const char *execution_id, json_t **out,
                  nh_error *err)
{
    if (check_asset(conn, asset_id, err) != 0)
        return -1;
    db_result *row = NULL, *steps = NULL;
    int rc = execution_store_get(conn, asset_id, execution_id, &row, err);
    if (rc == 0 && db_result_rows(row) == 0) {
        db_result_free(row);
        return pending_on(conn, asset_id, execution_id, out, err);
    }
    if (rc == 0)
        rc = execution_store_steps(conn, row, &steps, err);
    if (rc == 0) {
        *out = processing_json_execution(row, 0, steps);
        if (!*out)
            rc = error_internal(err);
    }
    db_result_free(row);
    db_result_free(steps);
    return rc == 0 ? 0 : -1;
}

int processing_get_execution(processing_service *service, const char *asset_id,
                             const char *execution_id, json_t **out, nh_error *err)
{
    *out = NULL;
    db_conn *conn = db_acquire(service->database, err);
    if (!conn)
        return -1;
    int rc = get_on(conn, asset_id, execution_id, out, err);
    db_release(service->database, conn);
    return rc;
}

/* ---- the result of a finished run ------------------------------------------------------- */

/* The record's succeeded flag and steps; *found false when the job ended without it. */
static int load_record(processing_service *service, const char *asset_id, const char *execution_id,
                       bool *found, bool *succeeded, json_t **steps, nh_error *err)
{
    *found = false;
    *succeeded = false;
    *steps = NULL;
    db_conn *conn = db_acquire(service->database, err);
    if (!conn)
        return -1;
    db_result *row = NULL, *step_rows = NULL;
    int rc = execution_store_get(conn, asset_id, execution_id, &row, err);
    if (rc == 0 && db_result_rows(row) == 1) {
        *found = true;
        *succeeded = db_result_int64(row, 0, EXECUTION_COLUMN_SUCCEEDED) != 0;
        rc = execution_store_steps(conn, row, &step_rows, err);
    }
    db_release(service->database, conn);
    if (rc == 0) {
        *steps = *found ? processing_json_run_steps(step_rows) : json_array();
        if (!*steps)
            rc = error_internal(err);
    }
    db_result_free(row);
    db_result_free(step_rows);
    return rc == 0 ? 0 : -1;
}

int processing_run_result_json(processing_service *service, const char *asset_id,
                               const processing_run *run, json_t **out, nh_error *err)
{
    *out = NULL;
    bool found = false, succeeded = false;
    json_t *steps = NULL;
    if (load_record(service, asset_id, run->execution_id, &found, &succeeded, &steps, err) != 0)
        return -1;
    asset_detail detail;
    if (asset_service_detail(service->assets, asset_id, false, &detail, err) != 0) {
        json_decref(steps);
        return -1;
    }
    json_t *asset = asset_json_detail(&detail);
    asset_detail_free(&detail);
    if (!asset) {
        json_decref(steps);
        return error_internal(err);
    }
    *out = json_pack("{s:b, s:s, s:o, s:o, s:s, s:s}", "succeeded", found && succeeded, "skillName",
                     run->skill_name, "steps", steps, "asset", asset, "executionId",
                     run->execution_id, "jobId", run->job_id);
    return *out ? 0 : error_internal(err);
}
