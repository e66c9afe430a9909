/* skill_params.h - checking the parameters of the skills that take any (format-convert,
 * watermark; spec processing.md §7.4, §7.5), before anything is queued, so a bad parameter is a
 * 400 with its code (the original hid the codes in a 200 with a failed step). Names are
 * matched case-insensitively ("targetFormat" and "TargetFormat" are the same); unknown names
 * are ignored as in the original. Pure functions; thread-safe.
 *
 * Codes (all 400): format_convert_target_format_required, format_convert_target_format_invalid
 * (also for bmp, tga and tiff: this server stores only formats its own pipeline can decode
 * again, see docs/processing.md), format_convert_keep_original_invalid,
 * watermark_opacity_invalid, watermark_opacity_out_of_range, watermark_font_size_invalid,
 * watermark_font_size_out_of_range (< 1 or > 1000), watermark_position_invalid,
 * watermark_text_too_long (> 200 bytes). */
#ifndef NH_PROCESSING_SKILL_PARAMS_H
#define NH_PROCESSING_SKILL_PARAMS_H

#include <jansson.h>
#include <stdbool.h>

#include "core/error.h"
#include "media/media.h"
#include "media/media_ops.h"

#define WATERMARK_TEXT_MAX 200

typedef struct format_convert_params {
    media_format target;
    bool keep_original;
} format_convert_params;

/* parameters: the object given (NULL = none). 0 with out filled, or -1 with err (400). */
int skill_params_format_convert(const json_t *parameters, format_convert_params *out,
                                nh_error *err);

/* out->text is malloc'ed (free it with skill_params_watermark_clear); defaults: "NekoHub", 0.5,
 * 36, bottom-right. */
int skill_params_watermark(const json_t *parameters, media_watermark *out, nh_error *err);
void skill_params_watermark_clear(media_watermark *params);

/* Check the parameters of the skill named (canonical name); skills without parameters accept
 * anything. 0 or -1 with err (400). */
int skill_params_check(const char *skill_name, const json_t *parameters, nh_error *err);

/* The parameters of the skill named (canonical name) for forms, as the skills list shows them:
 * a new JSON array of {"name","type":"string"|"number"|"integer"|"boolean","required",
 * "default","values":[...]|null,"minimum","maximum"} (empty for skills without parameters),
 * or NULL when out of memory. Names are camelCase ("targetFormat"); any case is accepted. */
json_t *skill_params_describe(const char *skill_name);

#endif
