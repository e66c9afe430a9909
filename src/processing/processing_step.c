/* processing_step.c - the registry of step executors, failing a step from an error, and the
 * sanitizing of step messages (see processing_step.h; spec processing.md §5.3, §6). */
#include "processing/processing_step.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "processing/processing_steps.h"
#include "processing/skill_catalog.h"

typedef struct step_entry {
    const char *name;
    step_executor executor;
} step_entry;

static const step_entry registry[] = {
    {STEP_GENERATE_THUMBNAIL, step_generate_thumbnail},
    {STEP_GENERATE_BASIC_CAPTION, step_generate_basic_caption},
    {STEP_STRIP_EXIF_METADATA, step_strip_exif_metadata},
    {STEP_CONVERT_IMAGE_FORMAT, step_convert_image_format},
    {STEP_DRAW_WATERMARK, step_draw_watermark},
};

step_executor processing_step_find(const char *step_name)
{
    for (size_t i = 0; step_name && i < sizeof registry / sizeof registry[0]; i++)
        if (!strcmp(registry[i].name, step_name))
            return registry[i].executor;
    return NULL;
}

/* ---- failing ------------------------------------------------------------------------------ */

/* The rule of issue 11: a remote storage answering 502 for a request that may succeed later,
 * anything 429 or 503 (busy storage, busy or missing media workers, db_busy, disk full); never
 * a worker that crashed or timed out on these bytes (the same bytes meet the same fate). */
static bool is_transient(const nh_error *err)
{
    static const char *const never[] = {"media_worker_failed", "media_worker_timeout"};
    static const char *const remote[] = {"storage_provider_unavailable",
                                         "storage_provider_rate_limited",
                                         "storage_provider_request_failed"};
    for (size_t i = 0; i < sizeof never / sizeof never[0]; i++)
        if (!strcmp(err->code, never[i]))
            return false;
    if (err->status == 429 || err->status == 503)
        return true;
    for (size_t i = 0; err->status == 502 && i < sizeof remote / sizeof remote[0]; i++)
        if (!strcmp(err->code, remote[i]))
            return true;
    return false;
}

void processing_step_fail(step_result *result, const nh_error *err)
{
    result->status = STEP_STATUS_FAILED;
    snprintf(result->code, sizeof result->code, "%.63s", err->code[0] ? err->code : "step_failed");
    processing_sanitize_message(err->message, NULL, result->message);
    result->transient = is_transient(err);
    result->retry_after_s = result->transient ? err->retry_after_seconds : 0;
}

/* ---- sanitizing --------------------------------------------------------------------------- */

static void fallback_message(const char *step_name, char out[STEP_MESSAGE_MAX + 1])
{
    if (step_name && step_name[0])
        snprintf(out, STEP_MESSAGE_MAX + 1, "Step '%.128s' failed.", step_name);
    else
        snprintf(out, STEP_MESSAGE_MAX + 1, "The step failed.");
}

void processing_sanitize_message(const char *message, const char *step_name,
                                 char out[STEP_MESSAGE_MAX + 1])
{
    char *sanitized = message ? text_sanitized(message) : NULL;
    if (sanitized && !text_is_blank(sanitized))
        text_copy_utf8(out, STEP_MESSAGE_MAX + 1, sanitized);
    else
        fallback_message(step_name, out);
    free(sanitized);
}
