/* processing_steps.h - the five built-in step executors (processing_step.h states what every
 * executor guarantees; spec processing.md §7 and issue 11 say what each does):
 *
 *   generate_thumbnail      derivatives thumbnail_256 (PNG, fit 256x256) and preview_1024
 *                           (WebP, fit 1024x1024), made when missing or stale
 *   generate_basic_caption  structured result basic_caption through the service's caption
 *                           hook; SKIPPED with the reason when there is none or no active AI
 *                           provider
 *   strip_exif_metadata     orientation applied, EXIF removed; the original rewritten
 *   convert_image_format    re-encoded as TargetFormat; the old object kept when KeepOriginal
 *   draw_watermark          text drawn onto the original
 *
 * After a step that rewrote the original, the runner regenerates the derivatives by running
 * generate_thumbnail (they are stale). */
#ifndef NH_PROCESSING_STEPS_H
#define NH_PROCESSING_STEPS_H

#include "processing/processing_step.h"

void step_generate_thumbnail(const step_context *context, step_result *result);
void step_generate_basic_caption(const step_context *context, step_result *result);
void step_strip_exif_metadata(const step_context *context, step_result *result);
void step_convert_image_format(const step_context *context, step_result *result);
void step_draw_watermark(const step_context *context, step_result *result);

#endif
