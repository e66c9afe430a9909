/* job_json.c - the jobs API's job object (see job_json.h). */
#include "jobs/job_json.h"

#include "core/clock.h"
#include "jobs/job_store.h"

static json_t *time_or_null(int64_t unix_ms)
{
    if (unix_ms <= 0)
        return json_null();
    char text[CLOCK_ISO_SIZE];
    clock_format_iso(unix_ms, text);
    return json_string(text);
}

json_t *job_json(const job_info *info)
{
    return json_pack("{s:s, s:s, s:s?, s:s, s:s?, s:s?, s:s?, s:i, s:i, s:b, s:s?, s:o, s:o, "
                     "s:s?, s:o, s:o, s:o, s:o}",
                     "id", info->id, "kind", info->kind, "assetId", info->asset_id, "state",
                     job_state_name(info->state), "triggerSource", info->trigger_source,
                     "skillName", info->skill_name, "executionId", info->execution_id, "attempts",
                     info->attempts, "maxAttempts", info->max_attempts, "cancelRequested",
                     info->cancel_requested, "lockedBy", info->locked_by, "lockedUntilUtc",
                     time_or_null(info->locked_until), "runAfterUtc", time_or_null(info->run_after),
                     "lastError", info->last_error, "createdAtUtc", time_or_null(info->created_at),
                     "updatedAtUtc", time_or_null(info->updated_at), "startedAtUtc",
                     time_or_null(info->started_at), "finishedAtUtc",
                     time_or_null(info->finished_at));
}

int job_json_rows(const db_result *result, json_t **items, nh_error *err)
{
    *items = NULL;
    json_t *array = json_array();
    if (!array)
        return error_internal(err);
    for (size_t row = 0; row < db_result_rows(result); row++) {
        job_info info;
        if (job_info_from_row(result, row, &info, err) != 0) {
            json_decref(array);
            return -1;
        }
        json_t *item = job_json(&info);
        job_info_clear(&info);
        if (!item || json_array_append_new(array, item) != 0) {
            json_decref(array);
            return error_internal(err);
        }
    }
    *items = array;
    return 0;
}
