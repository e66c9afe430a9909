/* worker_params.c - reading the JSON parameters of a processing operation (see
 * worker_params.h). */
#include "media_worker/worker_params.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static int invalid(media_reply *reply, const char *what)
{
    media_reply_set(reply, MEDIA_STATUS_UNSUPPORTED, "media_request_invalid",
                    "parameter %s is missing or invalid", what);
    return -1;
}

media_format worker_params_format(const char *name)
{
    static const struct {
        const char *name;
        media_format format;
    } names[] = {{"jpeg", MEDIA_FORMAT_JPEG},
                 {"png", MEDIA_FORMAT_PNG},
                 {"gif", MEDIA_FORMAT_GIF},
                 {"webp", MEDIA_FORMAT_WEBP}};
    for (size_t i = 0; name && i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(names[i].name, name))
            return names[i].format;
    return MEDIA_FORMAT_NONE;
}

/* An integer member in [minimum, maximum]; absent = fallback when optional. */
static int read_integer(const json_t *object, const char *name, json_int_t minimum,
                        json_int_t maximum, bool required, json_int_t fallback, json_int_t *out,
                        media_reply *reply)
{
    const json_t *value = json_object_get(object, name);
    if (!value && !required) {
        *out = fallback;
        return 0;
    }
    if (!json_is_integer(value) || json_integer_value(value) < minimum ||
        json_integer_value(value) > maximum)
        return invalid(reply, name);
    *out = json_integer_value(value);
    return 0;
}

static int read_limits(const json_t *object, worker_limits *limits, media_reply *reply)
{
    json_int_t frame = 0, animation = 0;
    if (read_integer(object, "maxFramePixels", 0, INT64_MAX, false, 0, &frame, reply) != 0 ||
        read_integer(object, "maxAnimationPixels", 0, INT64_MAX, false, 0, &animation, reply) != 0)
        return -1;
    limits->max_frame_pixels = frame;
    limits->max_animation_pixels = animation;
    return 0;
}

static int read_format(const json_t *object, worker_params *out, media_reply *reply)
{
    out->format = worker_params_format(json_string_value(json_object_get(object, "format")));
    return out->format == MEDIA_FORMAT_NONE ? invalid(reply, "format") : 0;
}

static int read_thumbnail(const json_t *object, worker_params *out, media_reply *reply)
{
    json_int_t width, height, quality;
    if (read_integer(object, "maxWidth", 1, WORKER_BOX_MAX, true, 0, &width, reply) != 0 ||
        read_integer(object, "maxHeight", 1, WORKER_BOX_MAX, true, 0, &height, reply) != 0 ||
        read_integer(object, "quality", 0, 100, false, 0, &quality, reply) != 0 ||
        read_format(object, out, reply) != 0)
        return -1;
    if (out->format != MEDIA_FORMAT_PNG && out->format != MEDIA_FORMAT_WEBP)
        return invalid(reply, "format");
    out->max_width = (int)width;
    out->max_height = (int)height;
    out->quality = (int)quality;
    return 0;
}

static int read_position(const json_t *object, worker_params *out, media_reply *reply)
{
    static const char *const names[] = {
        [WORKER_POSITION_BOTTOM_RIGHT] = "bottom-right",
        [WORKER_POSITION_BOTTOM_LEFT] = "bottom-left",
        [WORKER_POSITION_CENTER] = "center",
        [WORKER_POSITION_TOP_RIGHT] = "top-right",
        [WORKER_POSITION_TOP_LEFT] = "top-left",
    };
    const char *name = json_string_value(json_object_get(object, "position"));
    for (size_t i = 0; name && i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(names[i], name)) {
            out->position = (worker_position)i;
            return 0;
        }
    return invalid(reply, "position");
}

static int read_watermark(const json_t *object, worker_params *out, media_reply *reply)
{
    const json_t *text = json_object_get(object, "text");
    const json_t *opacity = json_object_get(object, "opacity");
    json_int_t size;
    if (!json_is_string(text) || json_string_length(text) == 0 ||
        json_string_length(text) > WORKER_TEXT_MAX ||
        strlen(json_string_value(text)) != json_string_length(text)) /* no NUL inside */
        return invalid(reply, "text");
    if (!json_is_number(opacity) || !isfinite(json_number_value(opacity)) ||
        json_number_value(opacity) < 0 || json_number_value(opacity) > 1)
        return invalid(reply, "opacity");
    if (read_integer(object, "fontSize", 1, WORKER_FONT_SIZE_MAX, true, 0, &size, reply) != 0 ||
        read_position(object, out, reply) != 0)
        return -1;
    snprintf(out->text, sizeof out->text, "%s", json_string_value(text));
    out->opacity = json_number_value(opacity);
    out->font_size = (int)size;
    return 0;
}

static int read_operation(uint16_t operation, const json_t *object, worker_params *out,
                          media_reply *reply)
{
    if (read_limits(object, &out->limits, reply) != 0)
        return -1;
    switch (operation) {
    case MEDIA_OP_THUMBNAIL:
        return read_thumbnail(object, out, reply);
    case MEDIA_OP_CONVERT:
        return read_format(object, out, reply);
    case MEDIA_OP_WATERMARK:
        return read_watermark(object, out, reply);
    default:
        return 0;
    }
}

int worker_params_parse(uint16_t operation, const uint8_t *bytes, size_t length, worker_params *out,
                        media_reply *reply)
{
    memset(out, 0, sizeof *out);
    json_error_t error;
    json_t *object = length > 0
                         ? json_loadb((const char *)bytes, length, JSON_REJECT_DUPLICATES, &error)
                         : json_object();
    if (!json_is_object(object)) {
        json_decref(object);
        media_reply_set(reply, MEDIA_STATUS_UNSUPPORTED, "media_request_invalid",
                        "the parameters are not a JSON object");
        return -1;
    }
    int rc = read_operation(operation, object, out, reply);
    json_decref(object);
    return rc;
}
