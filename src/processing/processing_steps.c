/* processing_steps.c - PLACEHOLDER (the steps helper replaces it with step_*.c files): every
 * executor fails with "not implemented yet", so the rest of the feature builds and runs. */
#include "processing/processing_steps.h"

#include <stdio.h>

static void not_yet(step_result *result, const char *name)
{
    result->status = STEP_STATUS_FAILED;
    snprintf(result->code, sizeof result->code, "%s", "step_not_implemented");
    snprintf(result->message, sizeof result->message, "Step '%s' is not implemented yet.", name);
    result->transient = false;
    result->retry_after_s = 0;
}

void step_generate_thumbnail(const step_context *context, step_result *result)
{
    (void)context;
    not_yet(result, "generate_thumbnail");
}

void step_generate_basic_caption(const step_context *context, step_result *result)
{
    (void)context;
    not_yet(result, "generate_basic_caption");
}

void step_strip_exif_metadata(const step_context *context, step_result *result)
{
    (void)context;
    not_yet(result, "strip_exif_metadata");
}

void step_convert_image_format(const step_context *context, step_result *result)
{
    (void)context;
    not_yet(result, "convert_image_format");
}

void step_draw_watermark(const step_context *context, step_result *result)
{
    (void)context;
    not_yet(result, "draw_watermark");
}
