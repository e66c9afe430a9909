/* media_ops.c - the typed processing operations of the media worker: JSON parameters, one
 * media_pool_run() with the input and output descriptors, the reply mapped to errors (see
 * media_ops.h). */
#include "media/media_ops.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"

static const char *format_name(media_format format)
{
    switch (format) {
    case MEDIA_FORMAT_JPEG:
        return "jpeg";
    case MEDIA_FORMAT_PNG:
        return "png";
    case MEDIA_FORMAT_GIF:
        return "gif";
    case MEDIA_FORMAT_WEBP:
        return "webp";
    default:
        return NULL;
    }
}

static const char *position_name(media_position position)
{
    static const char *const names[] = {
        [MEDIA_POSITION_BOTTOM_RIGHT] = "bottom-right",
        [MEDIA_POSITION_BOTTOM_LEFT] = "bottom-left",
        [MEDIA_POSITION_CENTER] = "center",
        [MEDIA_POSITION_TOP_RIGHT] = "top-right",
        [MEDIA_POSITION_TOP_LEFT] = "top-left",
    };
    return (unsigned int)position < sizeof names / sizeof names[0] ? names[position] : NULL;
}

/* A failed reply as an error. */
static int reply_error(const media_reply *reply, nh_error *err)
{
    if (reply->status == MEDIA_STATUS_NOT_IMAGE)
        return error_set(err, 422, "media_image_invalid",
                         "The stored bytes do not decode as an image of an allowed type (%s).",
                         reply->message);
    if (!strcmp(reply->code, "media_image_too_large"))
        return error_set(err, 422, "media_image_too_large", "The image is too large: %s.",
                         reply->message);
    if (!strcmp(reply->code, "watermark_font_unavailable"))
        return error_set(err, 500, "watermark_font_unavailable",
                         "No font is available for the watermark (%s); install fonts-dejavu-core.",
                         reply->message);
    if (!strcmp(reply->code, "media_test_result"))
        return error_set(err, 422, "media_test_result", "%s", reply->message);
    log_message(LOG_WARN, "media_operation_failed", "the media worker refused: %s (%s)",
                reply->code, reply->message);
    return error_set(err, 500, "media_operation_failed", "The image operation failed: %s (%s).",
                     reply->message, reply->code);
}

/* A successful reply: what was written (expected: the format asked for, or NONE = the
 * input's). */
static int reply_result(const media_reply *reply, int output_fd, media_format expected,
                        media_result *out, nh_error *err)
{
    out->info = reply->info;
    out->unchanged = (reply->flags & MEDIA_REPLY_UNCHANGED) != 0;
    if (out->unchanged)
        return 0;
    struct stat status;
    bool sane = reply->info.width > 0 && reply->info.height > 0 && reply->info.frames > 0 &&
                reply->info.format != MEDIA_FORMAT_NONE &&
                (expected == MEDIA_FORMAT_NONE || reply->info.format == expected);
    if (!sane || fstat(output_fd, &status) != 0 || status.st_size <= 0) {
        log_message(LOG_WARN, "media_worker_failed",
                    "the media worker reported an implausible result (format %d, %dx%d)",
                    (int)reply->info.format, reply->info.width, reply->info.height);
        return error_set(err, 502, "media_worker_failed",
                         "The media worker reported an implausible result.");
    }
    return 0;
}

static int add_limits(json_t *params, const media_limits *limits)
{
    if (!limits)
        return 0;
    return json_object_set_new(params, "maxFramePixels", json_integer(limits->max_frame_pixels)) ||
                   json_object_set_new(params, "maxAnimationPixels",
                                       json_integer(limits->max_animation_pixels))
               ? -1
               : 0;
}

/* Run operation with params (stolen) on the descriptors. */
static int run(media_pool *pool, media_operation operation, json_t *params,
               const media_limits *limits, int input_fd, int output_fd, media_format expected,
               media_result *out, nh_error *err)
{
    memset(out, 0, sizeof *out);
    char *text =
        params && add_limits(params, limits) == 0 ? json_dumps(params, JSON_COMPACT) : NULL;
    json_decref(params);
    if (!text)
        return error_internal(err);
    media_request request = {.operation = (uint16_t)operation,
                             .params_length = (uint32_t)strlen(text),
                             .params = (const uint8_t *)text};
    media_reply reply;
    memset(&reply, 0, sizeof reply);
    /* the worker reads from the descriptor's offset, which it shares with this process: an
     * input read before (a second derivative of one original) starts again at 0 */
    if (lseek(input_fd, 0, SEEK_SET) < 0 && errno != ESPIPE)
        log_message(LOG_WARN, "media", "the input could not be rewound: %s", strerror(errno));
    int rc = media_pool_run(pool, &request, input_fd, output_fd, &reply, err);
    free(text);
    if (rc != 0)
        return -1;
    if (reply.status != MEDIA_STATUS_OK)
        return reply_error(&reply, err);
    return reply_result(&reply, output_fd, expected, out, err);
}

int media_ops_thumbnail(media_pool *pool, int input_fd, int output_fd, const media_limits *limits,
                        int max_width, int max_height, media_format format, int quality,
                        media_result *out, nh_error *err)
{
    if (format != MEDIA_FORMAT_PNG && format != MEDIA_FORMAT_WEBP)
        return error_set(err, 500, "media_operation_failed",
                         "A thumbnail is made as PNG or WebP only.");
    json_t *params = json_pack("{s:i, s:i, s:s, s:i}", "maxWidth", max_width, "maxHeight",
                               max_height, "format", format_name(format), "quality", quality);
    return run(pool, MEDIA_OP_THUMBNAIL, params, limits, input_fd, output_fd, format, out, err);
}

int media_ops_exif_strip(media_pool *pool, int input_fd, int output_fd, const media_limits *limits,
                         media_result *out, nh_error *err)
{
    return run(pool, MEDIA_OP_EXIF_STRIP, json_object(), limits, input_fd, output_fd,
               MEDIA_FORMAT_NONE, out, err);
}

int media_ops_convert(media_pool *pool, int input_fd, int output_fd, const media_limits *limits,
                      media_format format, media_result *out, nh_error *err)
{
    if (!format_name(format))
        return error_set(err, 500, "media_operation_failed", "No such target format.");
    json_t *params = json_pack("{s:s}", "format", format_name(format));
    return run(pool, MEDIA_OP_CONVERT, params, limits, input_fd, output_fd, format, out, err);
}

#ifdef NEKOHUB_TEST_BUILD
/* Test builds only (media_ops.h): the test operation a watermark text asks for, or 0. */
static media_operation test_operation_of(const char *text)
{
    const char *enabled = getenv("NEKOHUB_TEST_MEDIA_OPERATIONS");
    if (!enabled || enabled[0] != '1' || !text)
        return 0;
    if (!strncmp(text, "nekohub-test-op-crash", strlen("nekohub-test-op-crash")))
        return MEDIA_OP_TEST_CRASH;
    if (!strncmp(text, "nekohub-test-op-hang", strlen("nekohub-test-op-hang")))
        return MEDIA_OP_TEST_HANG;
    return 0;
}
#endif

int media_ops_watermark(media_pool *pool, int input_fd, int output_fd, const media_limits *limits,
                        const media_watermark *watermark, media_result *out, nh_error *err)
{
    media_operation operation = MEDIA_OP_WATERMARK;
#ifdef NEKOHUB_TEST_BUILD
    media_operation test = test_operation_of(watermark->text);
    if (test)
        operation = test;
#endif
    if (!watermark->text || !position_name(watermark->position))
        return error_set(err, 500, "media_operation_failed", "Invalid watermark parameters.");
    json_t *params =
        json_pack("{s:s, s:f, s:i, s:s}", "text", watermark->text, "opacity", watermark->opacity,
                  "fontSize", watermark->font_size, "position", position_name(watermark->position));
    return run(pool, operation, params, limits, input_fd, output_fd, MEDIA_FORMAT_NONE, out, err);
}
