/* skill_params.c - checking the parameters of format-convert and watermark, and describing them
 * for forms (see skill_params.h; spec processing.md §7.4, §7.5). */
#include "processing/skill_params.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/json_input.h"
#include "core/text.h"

#define SHOWN_MAX 40
#define WATERMARK_FONT_SIZE_MAX 1000
#define WATERMARK_DEFAULT_TEXT "NekoHub"
#define WATERMARK_DEFAULT_OPACITY 0.5
#define WATERMARK_DEFAULT_FONT_SIZE 36

/* ---- small readers ------------------------------------------------------------------------ */

/* A parameter by name (any case); JSON null counts as absent. */
static const json_t *parameter(const json_t *parameters, const char *name)
{
    const json_t *value = json_input_get(parameters, name);
    return value && !json_is_null(value) ? value : NULL;
}

/* The trimmed text of a string value into out; false when it does not fit. */
static bool trimmed_into(const char *text, char *out, size_t size)
{
    size_t start = 0, end = 0;
    text_trim_bounds(text, strlen(text), &start, &end);
    if (end - start >= size)
        return false;
    memcpy(out, text + start, end - start);
    out[end - start] = '\0';
    return true;
}

/* A strict decimal number ("0.25", "1", "-3e-1"): no blanks inside, nothing after it, finite. */
static bool parse_number(const char *text, double *out)
{
    char trimmed[64];
    if (!trimmed_into(text, trimmed, sizeof trimmed) || !trimmed[0])
        return false;
    if (!isdigit((unsigned char)trimmed[0]) && trimmed[0] != '-' && trimmed[0] != '+' &&
        trimmed[0] != '.')
        return false;
    errno = 0;
    char *end;
    double value = strtod(trimmed, &end);
    if (*end != '\0' || errno == ERANGE || !isfinite(value))
        return false;
    *out = value;
    return true;
}

/* A strict integer ("36", "-2"); values beyond 64 bits are refused. */
static bool parse_integer(const char *text, long long *out)
{
    char trimmed[64];
    if (!trimmed_into(text, trimmed, sizeof trimmed) || !trimmed[0])
        return false;
    const char *digits = trimmed[0] == '-' || trimmed[0] == '+' ? trimmed + 1 : trimmed;
    if (!isdigit((unsigned char)digits[0]))
        return false;
    errno = 0;
    char *end;
    long long value = strtoll(trimmed, &end, 10);
    if (*end != '\0' || errno == ERANGE)
        return false;
    *out = value;
    return true;
}

/* ---- format-convert ----------------------------------------------------------------------- */

typedef struct target_name {
    const char *name;
    media_format format;
} target_name;

static const target_name targets[] = {
    {"webp", MEDIA_FORMAT_WEBP}, {"jpg", MEDIA_FORMAT_JPEG}, {"jpeg", MEDIA_FORMAT_JPEG},
    {"png", MEDIA_FORMAT_PNG},   {"gif", MEDIA_FORMAT_GIF},
};

/* The original's targets this server refuses: it stores only what its pipeline decodes. */
static const char *const refused_targets[] = {"bmp", "tga", "tif", "tiff"};

static int read_target(const json_t *parameters, media_format *out, nh_error *err)
{
    const json_t *value = parameter(parameters, "targetFormat");
    if (!json_is_string(value) || text_is_blank(json_string_value(value)))
        return error_set(err, 400, "format_convert_target_format_required",
                         "The parameter targetFormat is required (webp, jpg, jpeg, png or gif).");
    char name[16];
    if (trimmed_into(json_string_value(value), name, sizeof name)) {
        for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++)
            if (!strcasecmp(targets[i].name, name)) {
                *out = targets[i].format;
                return 0;
            }
        for (size_t i = 0; i < sizeof refused_targets / sizeof refused_targets[0]; i++)
            if (!strcasecmp(refused_targets[i], name))
                return error_set(err, 400, "format_convert_target_format_invalid",
                                 "The target format '%s' is not supported by this server; use "
                                 "webp, jpg, jpeg, png or gif.",
                                 name);
    }
    char shown[SHOWN_MAX + 4];
    text_excerpt_utf8(shown, SHOWN_MAX, json_string_value(value));
    return error_set(err, 400, "format_convert_target_format_invalid",
                     "The target format '%s' is not supported; use webp, jpg, jpeg, png or gif.",
                     shown);
}

/* A boolean, or "true"/"false" in any case. */
static int read_bool(const json_t *value, bool fallback, bool *out)
{
    *out = fallback;
    if (!value)
        return 0;
    if (json_is_boolean(value)) {
        *out = json_is_true(value);
        return 0;
    }
    char text[8];
    if (!json_is_string(value) || !trimmed_into(json_string_value(value), text, sizeof text))
        return -1;
    if (!strcasecmp(text, "true"))
        *out = true;
    else if (!strcasecmp(text, "false"))
        *out = false;
    else
        return -1;
    return 0;
}

int skill_params_format_convert(const json_t *parameters, format_convert_params *out, nh_error *err)
{
    memset(out, 0, sizeof *out);
    if (read_target(parameters, &out->target, err) != 0)
        return -1;
    if (read_bool(parameter(parameters, "keepOriginal"), false, &out->keep_original) != 0)
        return error_set(err, 400, "format_convert_keep_original_invalid",
                         "The parameter keepOriginal must be true or false.");
    return 0;
}

/* ---- watermark ---------------------------------------------------------------------------- */

static int read_text(const json_t *parameters, media_watermark *out, nh_error *err)
{
    const json_t *value = parameter(parameters, "text");
    const char *text = json_is_string(value) ? json_string_value(value) : NULL;
    if (!text || text_is_blank(text))
        text = WATERMARK_DEFAULT_TEXT;
    if (strlen(text) > WATERMARK_TEXT_MAX)
        return error_set(err, 400, "watermark_text_too_long",
                         "The watermark text must be at most %d bytes long.", WATERMARK_TEXT_MAX);
    out->text = strdup(text);
    return out->text ? 0 : error_internal(err);
}

static int read_opacity(const json_t *parameters, media_watermark *out, nh_error *err)
{
    const json_t *value = parameter(parameters, "opacity");
    out->opacity = WATERMARK_DEFAULT_OPACITY;
    if (!value)
        return 0;
    double opacity = 0;
    bool parsed = json_is_number(value)   ? (opacity = json_number_value(value), true)
                  : json_is_string(value) ? parse_number(json_string_value(value), &opacity)
                                          : false;
    if (!parsed || !isfinite(opacity))
        return error_set(err, 400, "watermark_opacity_invalid",
                         "The parameter opacity must be a number between 0 and 1.");
    if (opacity < 0 || opacity > 1)
        return error_set(err, 400, "watermark_opacity_out_of_range",
                         "The parameter opacity must be between 0 and 1.");
    out->opacity = opacity;
    return 0;
}

static int read_font_size(const json_t *parameters, media_watermark *out, nh_error *err)
{
    const json_t *value = parameter(parameters, "fontSize");
    out->font_size = WATERMARK_DEFAULT_FONT_SIZE;
    if (!value)
        return 0;
    long long size = 0;
    bool parsed = json_is_integer(value)  ? (size = json_integer_value(value), true)
                  : json_is_string(value) ? parse_integer(json_string_value(value), &size)
                                          : false;
    if (!parsed)
        return error_set(err, 400, "watermark_font_size_invalid",
                         "The parameter fontSize must be a whole number.");
    if (size < 1 || size > WATERMARK_FONT_SIZE_MAX)
        return error_set(err, 400, "watermark_font_size_out_of_range",
                         "The parameter fontSize must be between 1 and %d.",
                         WATERMARK_FONT_SIZE_MAX);
    out->font_size = (int)size;
    return 0;
}

static const char *const position_names[] = {
    [MEDIA_POSITION_BOTTOM_RIGHT] = "BottomRight",
    [MEDIA_POSITION_BOTTOM_LEFT] = "BottomLeft",
    [MEDIA_POSITION_CENTER] = "Center",
    [MEDIA_POSITION_TOP_RIGHT] = "TopRight",
    [MEDIA_POSITION_TOP_LEFT] = "TopLeft",
};

#define POSITION_COUNT (sizeof position_names / sizeof position_names[0])

static int read_position(const json_t *parameters, media_watermark *out, nh_error *err)
{
    const json_t *value = parameter(parameters, "position");
    out->position = MEDIA_POSITION_BOTTOM_RIGHT;
    if (!json_is_string(value))
        return 0;
    char name[16];
    if (trimmed_into(json_string_value(value), name, sizeof name))
        for (size_t i = 0; i < POSITION_COUNT; i++)
            if (!strcasecmp(position_names[i], name)) {
                out->position = (media_position)i;
                return 0;
            }
    char shown[SHOWN_MAX + 4];
    text_excerpt_utf8(shown, SHOWN_MAX, json_string_value(value));
    return error_set(err, 400, "watermark_position_invalid",
                     "The position '%s' is not one of BottomRight, BottomLeft, Center, TopRight, "
                     "TopLeft.",
                     shown);
}

int skill_params_watermark(const json_t *parameters, media_watermark *out, nh_error *err)
{
    memset(out, 0, sizeof *out);
    if (read_text(parameters, out, err) != 0 || read_opacity(parameters, out, err) != 0 ||
        read_font_size(parameters, out, err) != 0 || read_position(parameters, out, err) != 0) {
        skill_params_watermark_clear(out);
        return -1;
    }
    return 0;
}

void skill_params_watermark_clear(media_watermark *params)
{
    free((char *)params->text);
    params->text = NULL;
}

int skill_params_check(const char *skill_name, const json_t *parameters, nh_error *err)
{
    if (!skill_name)
        return 0;
    if (!strcmp(skill_name, "format-convert")) {
        format_convert_params convert;
        return skill_params_format_convert(parameters, &convert, err);
    }
    if (!strcmp(skill_name, "watermark")) {
        media_watermark mark;
        if (skill_params_watermark(parameters, &mark, err) != 0)
            return -1;
        skill_params_watermark_clear(&mark);
    }
    return 0;
}

/* ---- descriptors -------------------------------------------------------------------------- */

static json_t *string_values(const char *const *names, size_t count)
{
    json_t *values = json_array();
    for (size_t i = 0; values && i < count; i++)
        if (json_array_append_new(values, json_string(names[i])) != 0) {
            json_decref(values);
            return NULL;
        }
    return values;
}

/* One descriptor; takes the references given (default_value, values, minimum, maximum). */
static int add_descriptor(json_t *array, const char *name, const char *type, bool required,
                          json_t *default_value, json_t *values, json_t *minimum, json_t *maximum)
{
    json_t *item = json_pack("{s:s, s:s, s:b, s:o?, s:o?, s:o?, s:o?}", "name", name, "type", type,
                             "required", required, "default", default_value, "values", values,
                             "minimum", minimum, "maximum", maximum);
    if (!item)
        return -1;
    return json_array_append_new(array, item);
}

static int describe_format_convert(json_t *array)
{
    static const char *const names[] = {"webp", "jpg", "jpeg", "png", "gif"};
    if (add_descriptor(array, "targetFormat", "string", true, NULL,
                       string_values(names, sizeof names / sizeof names[0]), NULL, NULL) != 0)
        return -1;
    return add_descriptor(array, "keepOriginal", "boolean", false, json_false(), NULL, NULL, NULL);
}

static int describe_watermark(json_t *array)
{
    if (add_descriptor(array, "text", "string", false, json_string(WATERMARK_DEFAULT_TEXT), NULL,
                       NULL, NULL) != 0 ||
        add_descriptor(array, "opacity", "number", false, json_real(WATERMARK_DEFAULT_OPACITY),
                       NULL, json_integer(0), json_integer(1)) != 0 ||
        add_descriptor(array, "fontSize", "integer", false,
                       json_integer(WATERMARK_DEFAULT_FONT_SIZE), NULL, json_integer(1),
                       json_integer(WATERMARK_FONT_SIZE_MAX)) != 0)
        return -1;
    return add_descriptor(array, "position", "string", false,
                          json_string(position_names[MEDIA_POSITION_BOTTOM_RIGHT]),
                          string_values(position_names, POSITION_COUNT), NULL, NULL);
}

json_t *skill_params_describe(const char *skill_name)
{
    json_t *array = json_array();
    if (!array || !skill_name)
        return array;
    int rc = 0;
    if (!strcmp(skill_name, "format-convert"))
        rc = describe_format_convert(array);
    else if (!strcmp(skill_name, "watermark"))
        rc = describe_watermark(array);
    if (rc != 0) {
        json_decref(array);
        return NULL;
    }
    return array;
}
