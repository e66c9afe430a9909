/* mcp_tools_skills.c - list_skills (every runnable skill) and run_asset_skill: the manual run
 * of REST (processing_run_skill: same validation, same job, trigger manual) waited for here in
 * slices of at most a second up to Processing__ManualRunWaitSeconds, so that the call can send
 * notifications/progress on each change of the job's state and notice a
 * notifications/cancelled (mcp_inflight.h) or a client that went away; both cancel the job as
 * POST /api/v1/system/jobs/{id}/cancel does (job_admin.h) and the call answers nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assets/asset_json.h"
#include "core/clock.h"
#include "core/log.h"
#include "mcp/mcp_inflight.h"
#include "mcp/mcp_tools.h"
#include "processing/processing.h"
#include "system/job_admin.h"

#define SLICE_MS 1000
#define PROGRESS_TOTAL 3

json_t *mcp_tool_list_skills(mcp_call *call, const json_t *arguments, nh_error *err)
{
    (void)call;
    (void)arguments;
    json_t *skills = processing_runnable_skills_json();
    json_t *result = skills ? json_pack("{s:o}", "skills", skills) : NULL;
    if (!result)
        error_internal(err);
    return result;
}

/* ---- progress ----------------------------------------------------------------------------- */

typedef struct run_wait {
    mcp_call *call;
    processing_service *processing;
    const char *asset_id;
    processing_run run;
    mcp_inflight_entry *entry;
    int last_progress; /* the last progress value sent (0 = none yet) */
    bool client_gone;
} run_wait;

static bool is_finished(job_state state)
{
    return state == JOB_STATE_SUCCEEDED || state == JOB_STATE_FAILED ||
           state == JOB_STATE_CANCELLED;
}

/* 1 queued, 2 running, 3 finished. */
static int progress_of(job_state state)
{
    if (is_finished(state))
        return 3;
    return state == JOB_STATE_RUNNING ? 2 : 1;
}

/* notifications/progress for the job's state when it moved on and the client asked. */
static void send_progress(run_wait *wait)
{
    const mcp_message *message = wait->call->message;
    int progress = progress_of(wait->run.job.state);
    if (!wait->call->progress_token || !message->notify || progress <= wait->last_progress ||
        wait->client_gone)
        return;
    wait->last_progress = progress;
    char text[160];
    snprintf(text, sizeof text, "%s: job %s %s", wait->run.skill_name, wait->run.job_id,
             job_state_name(wait->run.job.state));
    json_t *note = json_pack("{s:s, s:s, s:{s:O, s:i, s:i, s:s}}", "jsonrpc", "2.0", "method",
                             "notifications/progress", "params", "progressToken",
                             (json_t *)wait->call->progress_token, "progress", progress, "total",
                             PROGRESS_TOTAL, "message", text);
    char *json = note ? json_dumps(note, JSON_COMPACT) : NULL;
    json_decref(note);
    if (json && message->notify(message->notify_context, json, strlen(json)) != 0)
        wait->client_gone = true;
    free(json);
}

/* ---- waiting ------------------------------------------------------------------------------ */

static bool should_stop(run_wait *wait)
{
    return wait->client_gone || mcp_inflight_cancelled(wait->call->server->inflight, wait->entry);
}

/* Wait in slices until the job finished, the wait is over, or the call must stop. */
static int wait_slices(run_wait *wait, nh_error *err)
{
    processing_service *processing = wait->processing;
    int64_t deadline = clock_now_ms() + (int64_t)processing->cfg->manual_run_wait_s * 1000;
    if (!processing->jobs || !processing_wait_slot_take(processing))
        return 0; /* as REST: no free slot, answer at once with the pending state */
    int rc = 0;
    while (rc == 0 && !is_finished(wait->run.job.state) && !should_stop(wait)) {
        int64_t left = deadline - clock_now_ms();
        if (left <= 0)
            break;
        job_info info;
        rc = job_queue_wait(processing->jobs, wait->run.job_id,
                            (int)(left < SLICE_MS ? left : SLICE_MS), &info, err);
        if (rc == 0) {
            job_info_clear(&wait->run.job);
            wait->run.job = info;
            send_progress(wait);
        }
    }
    processing_wait_slot_release(processing);
    wait->run.finished = is_finished(wait->run.job.state);
    return rc;
}

/* The client went away (its stream broke): cancel the job for it. */
static void cancel_for_gone_client(run_wait *wait)
{
    job_info after;
    nh_error err;
    if (job_admin_cancel(wait->processing->jobs, wait->run.job_id, &wait->call->actor, &after,
                         &err) == 0)
        job_info_clear(&after);
    else if (err.status != 409)
        log_message(LOG_WARN, "mcp_cancel_failed", "job %s: %s", wait->run.job_id, err.message);
}

/* ---- the result ----------------------------------------------------------------------------- */

static json_t *pending_result(run_wait *wait, nh_error *err)
{
    asset_detail detail;
    if (asset_service_detail(wait->processing->assets, wait->asset_id, false, &detail, err) != 0)
        return NULL;
    json_t *asset = asset_json_detail(&detail);
    asset_detail_free(&detail);
    json_t *result = asset
                         ? json_pack("{s:s, s:n, s:s, s:[], s:o, s:s, s:s}", "state",
                                     job_state_name(wait->run.job.state), "succeeded", "skillName",
                                     wait->run.skill_name, "steps", "asset", asset, "executionId",
                                     wait->run.execution_id, "jobId", wait->run.job_id)
                         : NULL;
    if (!result)
        error_internal(err);
    return result;
}

/* REST's finished shape plus state: succeeded / failed from the execution record, or the
 * job's own state (failed, cancelled) when it ended without one. */
static json_t *finished_result(run_wait *wait, nh_error *err)
{
    json_t *result = NULL;
    if (processing_run_result_json(wait->processing, wait->asset_id, &wait->run, &result, err) != 0)
        return NULL;
    bool succeeded = json_is_true(json_object_get(result, "succeeded"));
    job_state state = wait->run.job.state;
    const char *shown = succeeded                      ? "succeeded"
                        : state == JOB_STATE_SUCCEEDED ? "failed"
                                                       : job_state_name(state);
    if (json_object_set_new(result, "state", json_string(shown)) != 0) {
        json_decref(result);
        error_internal(err);
        return NULL;
    }
    return result;
}

json_t *mcp_tool_run_asset_skill(mcp_call *call, const json_t *arguments, nh_error *err)
{
    run_wait wait = {.call = call, .processing = call->server->deps.processing};
    char asset_id[UUID_TEXT_SIZE];
    if (mcp_argument_guid(arguments, "assetId", asset_id, err) != 0)
        return NULL;
    wait.asset_id = asset_id;
    if (processing_run_skill(wait.processing, asset_id, mcp_argument_text(arguments, "skillName"),
                             json_object_get(arguments, "parameters"), 0, &wait.run, err) != 0) {
        processing_run_clear(&wait.run);
        return NULL;
    }
    char credential[MCP_CREDENTIAL_SIZE];
    mcp_inflight_credential(call->message->principal, credential);
    wait.entry = mcp_inflight_add(call->server->inflight, credential, call->id, wait.run.job_id);
    send_progress(&wait);
    int rc = wait_slices(&wait, err);
    bool cancelled = mcp_inflight_cancelled(call->server->inflight, wait.entry);
    mcp_inflight_remove(call->server->inflight, wait.entry);
    json_t *result = NULL;
    if (wait.client_gone && !cancelled)
        cancel_for_gone_client(&wait);
    if (wait.client_gone || cancelled)
        call->cancelled = true;
    else if (rc == 0)
        result = wait.run.finished ? finished_result(&wait, err) : pending_result(&wait, err);
    processing_run_clear(&wait.run);
    return result;
}
