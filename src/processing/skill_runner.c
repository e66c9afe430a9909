/* skill_runner.c - running one skill's steps (see skill_runner.h). */
#include "processing/skill_runner.h"

#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/text.h"

/* Whether the run may go on: the lease is still ours and nobody asked to cancel. */
static bool may_continue(const skill_run_request *request, skill_run *out)
{
    if (!request->lease)
        return true;
    if (job_lease_lost(request->lease)) {
        out->end = SKILL_RUN_LEASE_LOST;
        return false;
    }
    if (job_cancel_requested(request->lease)) {
        out->end = SKILL_RUN_CANCELLED;
        return false;
    }
    return true;
}

/* Make the result consistent whatever the executor left: a FAILED result has a code and a
 * sanitized, non-blank message; a SKIPPED one a reason; a SUCCEEDED one neither. */
static void normalize_result(const char *step_name, step_result *result)
{
    char sanitized[STEP_MESSAGE_MAX + 1];
    switch (result->status) {
    case STEP_STATUS_FAILED:
        if (!result->code[0])
            snprintf(result->code, sizeof result->code, "%s", "step_failed");
        processing_sanitize_message(result->message, step_name, sanitized);
        memcpy(result->message, sanitized, sizeof sanitized);
        break;
    case STEP_STATUS_SKIPPED:
        if (text_is_blank(result->message))
            snprintf(result->message, sizeof result->message, "Step '%s' was skipped.", step_name);
        result->transient = false;
        break;
    case STEP_STATUS_SUCCEEDED:
    default:
        result->status = STEP_STATUS_SUCCEEDED;
        result->code[0] = '\0';
        result->message[0] = '\0';
        result->transient = false;
        break;
    }
}

/* The start of a step: now, but after the previous step's start, so that the spec's order of
 * steps (started_at, then step_name) is the order they ran in even within one millisecond. */
static int64_t step_start(const skill_run *run)
{
    int64_t now = clock_now_ms();
    if (run->step_count < 2)
        return now;
    int64_t previous = run->steps[run->step_count - 2].started_at;
    return now > previous ? now : previous + 1;
}

static void run_step(struct processing_service *service, const skill_run_request *request,
                     const char *step_name, int64_t started_at, skill_step_run *out)
{
    char key[160];
    snprintf(key, sizeof key, "%zu:%s", request->skill_index, step_name);
    step_context context = {
        .service = service,
        .asset_id = request->asset_id,
        .job_id = request->job_id ? request->job_id : "",
        .step_key = key,
        .parameters = request->parameters,
        .lease = request->lease,
    };
    memset(out, 0, sizeof *out);
    out->step_name = step_name;
    out->started_at = started_at;
    int64_t started_ns = clock_monotonic_ns();
    step_executor executor = processing_step_find(step_name);
    if (executor) {
        executor(&context, &out->result);
    } else {
        out->result.status = STEP_STATUS_FAILED;
        snprintf(out->result.code, sizeof out->result.code, "%s", "step_not_registered");
        snprintf(out->result.message, sizeof out->result.message, "%s",
                 "Step executor is not registered.");
    }
    normalize_result(step_name, &out->result);
    job_metrics_observe_step(step_name, (double)(clock_monotonic_ns() - started_ns) / 1e9);
    out->completed_at = clock_now_ms();
    if (out->completed_at < out->started_at)
        out->completed_at = out->started_at;
    if (out->result.status == STEP_STATUS_FAILED)
        log_message(LOG_WARN, "processing", "asset %s: step %s failed%s: %s (%s)",
                    request->asset_id, step_name, out->result.transient ? " (transient)" : "",
                    out->result.message, out->result.code);
}

static void account(skill_run *out, const skill_step_run *step)
{
    if (step->result.status != STEP_STATUS_FAILED)
        return;
    out->succeeded = false;
    if (!step->result.transient)
        return;
    out->transient = true;
    if (step->result.retry_after_s > out->retry_after_s)
        out->retry_after_s = step->result.retry_after_s;
}

void skill_runner_run(struct processing_service *service, const skill_run_request *request,
                      skill_run *out)
{
    memset(out, 0, sizeof *out);
    const skill_definition *skill = request->skill;
    out->skill = skill;
    out->succeeded = true;
    out->started_at = clock_now_ms();
    for (size_t i = 0; i < skill->step_count; i++) {
        if (!may_continue(request, out))
            return;
        skill_step_run *step = &out->steps[out->step_count++];
        run_step(service, request, skill->steps[i], step_start(out), step);
        if (step->result.deferred) {
            out->retry_after_s = step->result.retry_after_s;
            out->end = SKILL_RUN_DEFERRED;
            return;
        }
        account(out, step);
        bool refresh = skill->rewrites_original && step->result.status == STEP_STATUS_SUCCEEDED;
        if (!refresh)
            continue;
        if (!may_continue(request, out))
            return;
        skill_step_run *thumbnails = &out->steps[out->step_count++];
        run_step(service, request, STEP_GENERATE_THUMBNAIL, step_start(out), thumbnails);
        account(out, thumbnails);
    }
    out->completed_at = clock_now_ms();
    if (out->step_count > 0 && out->completed_at < out->steps[out->step_count - 1].completed_at)
        out->completed_at = out->steps[out->step_count - 1].completed_at;
    out->end = SKILL_RUN_FINISHED;
}
