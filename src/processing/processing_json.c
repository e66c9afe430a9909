/* processing_json.c - rendering skills, executions and run results (see processing_json.h). */
#include "processing/processing_json.h"

#include <stdlib.h>
#include <string.h>

#include "assets/asset_json.h"
#include "core/clock.h"
#include "core/json_input.h"
#include "processing/execution_store.h"
#include "processing/skill_catalog.h"
#include "processing/skill_params.h"

/* Step rows of an execution read with execution_store_steps: column 0 is the execution id,
 * the step columns (ASSET_STEP_COLUMNS) start at 1. */
#define STEP_FIRST 1
#define STEP_SUCCEEDED (STEP_FIRST + 1)
#define STEP_ERROR (STEP_FIRST + 2)

static json_t *text_or_null(const char *text)
{
    return text ? json_string(text) : json_null();
}

static json_t *time_or_null(int64_t unix_ms, bool present)
{
    if (!present)
        return json_null();
    char text[CLOCK_ISO_SIZE];
    clock_format_iso(unix_ms, text);
    return json_string(text);
}

json_t *processing_json_skills(bool all_runnable)
{
    size_t count = 0;
    const skill_definition *const *skills =
        all_runnable ? skill_catalog_all(&count) : skill_catalog_listed(&count);
    json_t *array = json_array();
    for (size_t i = 0; array && i < count; i++) {
        json_t *steps = json_array();
        for (size_t s = 0; steps && s < skills[i]->step_count; s++)
            json_array_append_new(steps, json_string(skills[i]->steps[s]));
        json_t *item = json_pack("{s:s, s:s, s:o?, s:o?}", "skillName", skills[i]->name,
                                 "description", skills[i]->description, "steps", steps,
                                 "parameters", skill_params_describe(skills[i]->name));
        if (!item || json_array_append_new(array, item) != 0) {
            json_decref(array);
            return NULL;
        }
    }
    return array;
}

static bool is_step_of(const db_result *steps, size_t row, const char *execution_id)
{
    const char *owner = db_result_text(steps, row, 0);
    return owner && execution_id && !strcmp(owner, execution_id);
}

json_t *processing_json_execution(const db_result *executions, size_t row, const db_result *steps)
{
    const char *id = db_result_text(executions, row, EXECUTION_COLUMN_ID);
    bool succeeded = db_result_int64(executions, row, EXECUTION_COLUMN_SUCCEEDED) != 0;
    json_t *step_array = json_array();
    const char *last_error = NULL;
    for (size_t s = 0; step_array && s < db_result_rows(steps); s++) {
        if (!is_step_of(steps, s, id))
            continue;
        json_array_append_new(step_array, asset_json_step(steps, s, STEP_FIRST));
        if (!last_error && db_result_int64(steps, s, STEP_SUCCEEDED) == 0)
            last_error = db_result_text(steps, s, STEP_ERROR);
    }
    json_t *o = json_object();
    if (!o || !step_array) {
        json_decref(o);
        json_decref(step_array);
        return NULL;
    }
    bool has_attempt = !db_result_is_null(executions, row, EXECUTION_COLUMN_ATTEMPT);
    json_object_set_new(o, "executionId", text_or_null(id));
    json_object_set_new(o, "skillName",
                        text_or_null(db_result_text(executions, row, EXECUTION_COLUMN_SKILL_NAME)));
    json_object_set_new(
        o, "triggerSource",
        text_or_null(db_result_text(executions, row, EXECUTION_COLUMN_TRIGGER_SOURCE)));
    json_object_set_new(o, "state", json_string(succeeded ? "succeeded" : "failed"));
    json_object_set_new(o, "succeeded", json_boolean(succeeded));
    json_object_set_new(
        o, "startedAtUtc",
        time_or_null(db_result_int64(executions, row, EXECUTION_COLUMN_STARTED_AT), true));
    json_object_set_new(
        o, "completedAtUtc",
        time_or_null(db_result_int64(executions, row, EXECUTION_COLUMN_COMPLETED_AT), true));
    json_object_set_new(
        o, "parametersJson",
        text_or_null(db_result_text(executions, row, EXECUTION_COLUMN_PARAMETERS_JSON)));
    json_object_set_new(o, "jobId",
                        text_or_null(db_result_text(executions, row, EXECUTION_COLUMN_JOB_ID)));
    json_object_set_new(o, "attempt",
                        has_attempt ? json_integer((json_int_t)db_result_int64(
                                          executions, row, EXECUTION_COLUMN_ATTEMPT))
                                    : json_null());
    json_object_set_new(o, "lastError", text_or_null(succeeded ? NULL : last_error));
    json_object_set_new(o, "steps", step_array);
    return o;
}

json_t *processing_json_pending(const char *execution_id, const job_info *info, const char *payload)
{
    char *parameters = processing_json_payload_parameters(payload);
    json_t *o = json_object();
    if (!o) {
        free(parameters);
        return NULL;
    }
    json_object_set_new(o, "executionId", json_string(execution_id));
    json_object_set_new(o, "skillName", text_or_null(info->skill_name));
    json_object_set_new(o, "triggerSource", text_or_null(info->trigger_source));
    json_object_set_new(o, "state", json_string(job_state_name(info->state)));
    json_object_set_new(o, "succeeded", json_null());
    json_object_set_new(o, "startedAtUtc", time_or_null(info->started_at, info->started_at > 0));
    json_object_set_new(o, "completedAtUtc",
                        time_or_null(info->finished_at, info->finished_at > 0));
    json_object_set_new(o, "parametersJson", text_or_null(parameters));
    json_object_set_new(o, "jobId", json_string(info->id));
    json_object_set_new(o, "attempt",
                        info->attempts > 0 ? json_integer(info->attempts) : json_null());
    json_object_set_new(o, "lastError",
                        info->last_error && info->last_error[0] ? json_string(info->last_error)
                                                                : json_null());
    json_object_set_new(o, "steps", json_array());
    free(parameters);
    return o;
}

json_t *processing_json_run_steps(const db_result *steps)
{
    json_t *array = json_array();
    for (size_t s = 0; array && s < db_result_rows(steps); s++) {
        json_t *step = asset_json_step(steps, s, STEP_FIRST);
        json_t *item = step ? json_pack("{s:O?, s:O?, s:O?, s:O?, s:O?}", "name",
                                        json_object_get(step, "stepName"), "succeeded",
                                        json_object_get(step, "succeeded"), "errorMessage",
                                        json_object_get(step, "errorMessage"), "status",
                                        json_object_get(step, "status"), "message",
                                        json_object_get(step, "message"))
                            : NULL;
        json_decref(step);
        if (!item || json_array_append_new(array, item) != 0) {
            json_decref(array);
            return NULL;
        }
    }
    return array;
}

char *processing_json_parameters(const json_t *parameters, bool *failed)
{
    *failed = false;
    if (!json_is_object(parameters))
        return NULL;
    /* 15 significant digits: 0.8 stays 0.8 (17 would show 0.80000000000000004) */
    char *text =
        json_dumps(parameters, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
    *failed = text == NULL;
    return text;
}

char *processing_json_payload_parameters(const char *payload)
{
    if (!payload)
        return NULL;
    json_t *root = json_loads(payload, 0, NULL);
    const json_t *skills = json_object_get(root, "skills");
    const json_t *first = json_is_array(skills) ? json_array_get(skills, 0) : NULL;
    bool failed = false;
    char *text = processing_json_parameters(json_input_get(first, "parameters"), &failed);
    json_decref(root);
    return text;
}
