/* processing_jobs.c - the handler of asset processing jobs: what to run, running it, recording
 * it, and the job's outcome (see processing_jobs.h). */
#include "processing/processing_jobs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "assets/asset_store.h"
#include "core/clock.h"
#include "core/json_input.h"
#include "core/log.h"
#include "core/text.h"
#include "core/uuid.h"
#include "processing/execution_store.h"
#include "processing/processing.h"
#include "processing/processing_json.h"
#include "processing/skill_runner.h"

#define WORKFLOW_RECORD_SKILL "auto-run-workflow"
#define WORKFLOW_RECORD_STEP "load_auto_run_workflow"

/* Where a dispatch stands: how it is going, and what it reports at the end. */
typedef enum {
    DISPATCH_GO_ON = 0,
    DISPATCH_LEASE_LOST, /* stop, write nothing, report nothing */
    DISPATCH_CANCELLED,  /* stop, report CANCELLED */
    DISPATCH_RETRY,      /* stop, report RETRY (outcome filled) */
    DISPATCH_DEFER,      /* stop, report DEFER (outcome filled): a step could not start yet */
} dispatch_state;

typedef struct dispatch {
    processing_service *service;
    const job *claimed;
    job_lease *lease;
    const char *trigger_source;
    char content_type[256];
    bool asset_missing;
    json_t *executions; /* result: [{"executionId","skillName","succeeded"}] */
    json_t *skipped;    /* result: the ids that did not resolve */
    bool transient;     /* a step failed transiently: the job is retried */
    int retry_after_s;
    char error[JOB_ERROR_MAX + 1]; /* the first transient failure */
    bool failed; /* a step failed for good: the job ends failed (its records say the rest) */
    char failure[JOB_ERROR_MAX + 1]; /* the first such failure */
} dispatch;

static void set_outcome(job_outcome *outcome, job_outcome_kind kind, int retry_after_s,
                        const char *error)
{
    outcome->kind = kind;
    outcome->retry_after_s = retry_after_s;
    text_copy_utf8(outcome->error, sizeof outcome->error, error ? error : "");
}

/* A database failure while dispatching: busy or not, the job is worth another attempt (the
 * queue bounds the attempts). */
static dispatch_state retry_for(dispatch *d, job_outcome *outcome, const char *what,
                                const nh_error *err)
{
    char text[JOB_ERROR_MAX + 1];
    snprintf(text, sizeof text, "%s: %s (%s)", what, err->message, err->code);
    log_message(LOG_WARN, "processing", "job %s: %s", d->claimed->id, text);
    set_outcome(outcome, JOB_OUTCOME_RETRY, err->retry_after_seconds, text);
    return DISPATCH_RETRY;
}

/* ---- the asset --------------------------------------------------------------------------- */

/* The asset's current content type; asset_missing when it is gone (or deleted). */
static int load_asset(dispatch *d, nh_error *err)
{
    db_conn *conn = db_acquire(d->service->database, err);
    if (!conn)
        return -1;
    db_result *rows = NULL;
    int rc = asset_store_find(conn, d->claimed->asset_id, false, &rows, err);
    db_release(d->service->database, conn);
    if (rc != 0)
        return -1;
    d->asset_missing = db_result_rows(rows) == 0;
    if (!d->asset_missing) {
        asset_record asset;
        asset_record_from_row(rows, 0, &asset);
        d->asset_missing = !asset.status || !strcmp(asset.status, "deleted");
        snprintf(d->content_type, sizeof d->content_type, "%s",
                 asset.content_type ? asset.content_type : "");
    }
    db_result_free(rows);
    return 0;
}

/* ---- execution records ------------------------------------------------------------------- */

typedef struct save_step {
    const execution_record *record;
} save_step;

static int save_in_transaction(db_conn *conn, void *context, nh_error *err)
{
    const save_step *step = context;
    return execution_store_insert(conn, step->record, err);
}

static void fill_step_rows(const skill_run *run, execution_step_row *rows)
{
    for (size_t i = 0; i < run->step_count; i++) {
        const skill_step_run *step = &run->steps[i];
        rows[i] = (execution_step_row){
            .step_name = step->step_name,
            .status = step->result.status,
            .error_message = step->result.message,
            .detail = step->result.message,
            .started_at = step->started_at,
            .completed_at = step->completed_at,
        };
    }
}

/* Save the record of a finished run under id; DB_CONSTRAINT when the id is taken or the asset
 * went meanwhile. */
static int save_record(dispatch *d, const skill_run *run, const char *id,
                       const char *parameters_json, nh_error *err)
{
    execution_step_row rows[SKILL_RUN_MAX_STEPS];
    fill_step_rows(run, rows);
    execution_record record = {
        .id = id,
        .asset_id = d->claimed->asset_id,
        .skill_name = run->skill->name,
        .trigger_source = d->trigger_source,
        .parameters_json = parameters_json,
        .succeeded = run->succeeded,
        .started_at = run->started_at,
        .completed_at = run->completed_at,
        .job_id = d->claimed->id,
        .attempt = d->claimed->attempt,
        .step_count = run->step_count,
        .steps = rows,
    };
    save_step step = {&record};
    return db_transaction(d->service->database, save_in_transaction, &step, err);
}

/* Save under preferred (or a new id); a taken id (an earlier attempt saved it and then lost
 * its job) falls back to a new id, a vanished asset to nothing saved. saved_id gets the id
 * used ("" when nothing was saved). */
static int save_run(dispatch *d, const skill_run *run, const char *preferred,
                    const json_t *parameters, char saved_id[UUID_TEXT_SIZE], nh_error *err)
{
    saved_id[0] = '\0';
    bool failed = false;
    char *parameters_json = processing_json_parameters(parameters, &failed);
    if (failed)
        return error_internal(err);
    char id[UUID_TEXT_SIZE];
    if (preferred && preferred[0])
        snprintf(id, sizeof id, "%s", preferred);
    else
        uuid_v7(id);
    int rc = save_record(d, run, id, parameters_json, err);
    if (rc == DB_CONSTRAINT) {
        rc = load_asset(d, err);
        if (rc == 0 && !d->asset_missing) {
            uuid_v7(id);
            rc = save_record(d, run, id, parameters_json, err);
        }
    }
    free(parameters_json);
    if (rc == 0 && !d->asset_missing)
        snprintf(saved_id, UUID_TEXT_SIZE, "%s", id);
    return rc == 0 ? 0 : -1;
}

/* ---- running the skills ------------------------------------------------------------------ */

static dispatch_state lease_state(const dispatch *d)
{
    if (job_lease_lost(d->lease))
        return DISPATCH_LEASE_LOST;
    if (job_cancel_requested(d->lease))
        return DISPATCH_CANCELLED;
    return DISPATCH_GO_ON;
}

static void note_transient(dispatch *d, const skill_run *run)
{
    if (!run->transient)
        return;
    if (run->retry_after_s > d->retry_after_s)
        d->retry_after_s = run->retry_after_s;
    if (d->transient)
        return;
    d->transient = true;
    for (size_t i = 0; i < run->step_count; i++) {
        const step_result *result = &run->steps[i].result;
        if (result->status != STEP_STATUS_FAILED || !result->transient)
            continue;
        char text[JOB_ERROR_MAX + 256];
        snprintf(text, sizeof text, "%s/%s: %s (%s)", run->skill->name, run->steps[i].step_name,
                 result->message, result->code);
        text_copy_utf8(d->error, sizeof d->error, text);
        return;
    }
}

/* Remember the first step that failed for good: the job then ends 'failed' with it as its
 * last error, so the asset's processing state, the Jobs page and a retry all see it. */
static void note_failure(dispatch *d, const skill_run *run)
{
    if (d->failed)
        return;
    for (size_t i = 0; i < run->step_count; i++) {
        const step_result *result = &run->steps[i].result;
        if (result->status != STEP_STATUS_FAILED || result->transient)
            continue;
        char text[JOB_ERROR_MAX + 256];
        snprintf(text, sizeof text, "%s/%s: %s", run->skill->name, run->steps[i].step_name,
                 result->message);
        text_copy_utf8(d->failure, sizeof d->failure, text);
        d->failed = true;
        return;
    }
}

/* The id the record of this run takes: the job's execution id when this is the final attempt
 * of a manual run of one skill (it succeeded or failed for good, or no attempt is left), else
 * a new one (an attempt that will be retried is history of its own). */
static const char *record_id_for(const dispatch *d, const skill_run *run, size_t skill_count)
{
    const job *claimed = d->claimed;
    if (!claimed->execution_id || !claimed->execution_id[0] || skill_count != 1)
        return NULL;
    bool final = !run->transient || claimed->attempt >= claimed->max_attempts;
    return final ? claimed->execution_id : NULL;
}

static void add_result(dispatch *d, const char *execution_id, const skill_run *run)
{
    json_array_append_new(d->executions,
                          json_pack("{s:s, s:s, s:b}", "executionId", execution_id, "skillName",
                                    run->skill->name, "succeeded", run->succeeded));
}

static dispatch_state run_one(dispatch *d, size_t index, size_t count, const json_t *item,
                              job_outcome *outcome)
{
    const json_t *id = json_input_get(item, "skillId");
    const char *id_text = json_is_string(id) ? json_string_value(id) : "";
    const skill_definition *skill = skill_catalog_resolve(id_text, d->content_type);
    if (!skill) {
        log_message(LOG_WARN, "processing",
                    "job %s: skill '%.64s' does not resolve for asset %s "
                    "(%s); skipped",
                    d->claimed->id, id_text, d->claimed->asset_id, d->content_type);
        json_array_append_new(d->skipped, json_string(id_text));
        return DISPATCH_GO_ON;
    }
    const json_t *parameters = json_input_get(item, "parameters");
    if (!json_is_object(parameters))
        parameters = NULL;
    skill_run *run = calloc(1, sizeof *run);
    if (!run) {
        nh_error err;
        error_internal(&err);
        return retry_for(d, outcome, "out of memory", &err);
    }
    skill_run_request request = {d->claimed->asset_id, d->claimed->id, index, skill,
                                 parameters,           d->lease};
    skill_runner_run(d->service, &request, run);
    if (run->end == SKILL_RUN_DEFERRED) {
        set_outcome(outcome, JOB_OUTCOME_DEFER, run->retry_after_s,
                    "waiting for a free AI model slot");
        free(run);
        return DISPATCH_DEFER;
    }
    dispatch_state state = run->end == SKILL_RUN_LEASE_LOST  ? DISPATCH_LEASE_LOST
                           : run->end == SKILL_RUN_CANCELLED ? DISPATCH_CANCELLED
                                                             : lease_state(d);
    if (state == DISPATCH_GO_ON || state == DISPATCH_CANCELLED) {
        /* a run that finished is recorded even when a cancel arrived during its last step */
        char saved[UUID_TEXT_SIZE];
        nh_error err;
        if (run->end != SKILL_RUN_FINISHED) {
            state = DISPATCH_CANCELLED;
        } else if (save_run(d, run, record_id_for(d, run, count), parameters, saved, &err) != 0) {
            state = retry_for(d, outcome, "the execution record could not be saved", &err);
        } else {
            if (saved[0])
                add_result(d, saved, run);
            note_transient(d, run);
            note_failure(d, run);
        }
    }
    free(run);
    return state;
}

/* ---- what to run ------------------------------------------------------------------------- */

static json_t *default_skills(const dispatch *d)
{
    if (strncasecmp(d->content_type, "image/", 6) != 0)
        return json_array();
    return json_pack("[{s:s}]", "skillId", "basic_image_enrich");
}

/* The workflow was unusable: its reason goes into the asset's history as a failed record. */
static void record_workflow_failure(dispatch *d, const char *reason)
{
    skill_run *run = calloc(1, sizeof *run);
    static const skill_definition workflow_record = {
        .name = WORKFLOW_RECORD_SKILL, .step_count = 1, .steps = {WORKFLOW_RECORD_STEP}};
    if (!run)
        return;
    run->skill = &workflow_record;
    run->started_at = run->completed_at = clock_now_ms();
    run->step_count = 1;
    run->steps[0].step_name = WORKFLOW_RECORD_STEP;
    run->steps[0].result.status = STEP_STATUS_FAILED;
    processing_sanitize_message(reason, WORKFLOW_RECORD_STEP, run->steps[0].result.message);
    run->steps[0].started_at = run->steps[0].completed_at = run->started_at;
    char saved[UUID_TEXT_SIZE];
    nh_error err;
    if (save_run(d, run, NULL, NULL, saved, &err) != 0)
        log_message(LOG_WARN, "processing",
                    "job %s: the workflow failure could not be recorded: %s", d->claimed->id,
                    err.message);
    free(run);
}

/* An upload job's skills (§4): the auto-run workflow's, or the default. NULL with the outcome
 * filled when the job must be retried. */
static json_t *upload_skills(dispatch *d, job_outcome *outcome)
{
    processing_service *service = d->service;
    if (!service->workflow)
        return default_skills(d);
    json_t *skills = NULL;
    char *reason = NULL;
    nh_error err;
    error_clear(&err);
    int rc = service->workflow(service->workflow_context, d->claimed->asset_id, d->content_type,
                               &skills, &reason, &err);
    if (rc == 0 && json_is_array(skills))
        return skills;
    json_decref(skills);
    if (rc == 2)
        record_workflow_failure(d, reason ? reason : "The auto-run workflow is unusable.");
    free(reason);
    if (rc < 0 && (err.status == 429 || err.status == 503)) {
        retry_for(d, outcome, "the auto-run workflow could not be read", &err);
        return NULL;
    }
    if (rc < 0)
        log_message(LOG_WARN, "processing",
                    "job %s: the auto-run workflow failed (%s); the "
                    "default skills run",
                    d->claimed->id, err.message);
    return default_skills(d);
}

/* ---- the handler ------------------------------------------------------------------------- */

static void finish(dispatch *d, job_outcome *outcome)
{
    if (d->transient) {
        set_outcome(outcome, JOB_OUTCOME_RETRY, d->retry_after_s, d->error);
        return;
    }
    if (d->failed) {
        set_outcome(outcome, JOB_OUTCOME_FAILED, 0, d->failure);
        return;
    }
    outcome->kind = JOB_OUTCOME_DONE;
    json_t *result = json_pack("{s:O, s:O, s:b}", "executions", d->executions, "skippedSkills",
                               d->skipped, "assetMissing", d->asset_missing);
    outcome->result_json = result ? json_dumps(result, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(result);
}

static void run_all(dispatch *d, const json_t *skills, job_outcome *outcome)
{
    size_t count = json_array_size(skills);
    for (size_t i = 0; i < count; i++) {
        dispatch_state state = lease_state(d);
        if (state == DISPATCH_GO_ON)
            state = run_one(d, i, count, json_array_get(skills, i), outcome);
        if (state == DISPATCH_LEASE_LOST || state == DISPATCH_RETRY || state == DISPATCH_DEFER)
            return;
        if (state == DISPATCH_CANCELLED) {
            set_outcome(outcome, JOB_OUTCOME_CANCELLED, 0, "Cancelled on request.");
            return;
        }
        if (d->asset_missing)
            break; /* the asset went while its skills ran */
    }
    finish(d, outcome);
}

void processing_jobs_handle(void *context, const job *claimed, job_lease *lease,
                            job_outcome *outcome)
{
    dispatch d = {.service = context, .claimed = claimed, .lease = lease};
    d.trigger_source =
        claimed->trigger_source && claimed->trigger_source[0] ? claimed->trigger_source : "manual";
    json_t *payload = json_loads(claimed->payload_json ? claimed->payload_json : "", 0, NULL);
    d.executions = json_array();
    d.skipped = json_array();
    nh_error err;
    if (!json_is_object(payload)) {
        set_outcome(outcome, JOB_OUTCOME_FAILED, 0, "The job's payload is not a JSON object.");
    } else if (!d.executions || !d.skipped) {
        set_outcome(outcome, JOB_OUTCOME_RETRY, 0, "Out of memory.");
    } else if (load_asset(&d, &err) != 0) {
        retry_for(&d, outcome, "the asset could not be read", &err);
    } else if (d.asset_missing) {
        log_message(LOG_INFO, "processing", "job %s: asset %s is gone; nothing to do", claimed->id,
                    claimed->asset_id);
        finish(&d, outcome);
    } else {
        const json_t *listed = json_input_get(payload, "skills");
        json_t *skills = json_is_array(listed) && json_array_size(listed) > 0
                             ? json_incref((json_t *)listed)
                             : upload_skills(&d, outcome);
        if (skills)
            run_all(&d, skills, outcome);
        json_decref(skills);
    }
    json_decref(payload);
    json_decref(d.executions);
    json_decref(d.skipped);
}
