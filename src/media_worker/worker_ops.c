/* worker_ops.c - thumbnail, EXIF strip, convert and watermark inside the media worker (see
 * worker_ops.h). */
#include "media_worker/worker_ops.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "media_worker/worker_image.h"
#include "media_worker/worker_params.h"
#include "media_worker/worker_save.h"
#include "media_worker/worker_watermark.h"

bool worker_ops_handles(uint16_t operation)
{
    return operation == MEDIA_OP_THUMBNAIL || operation == MEDIA_OP_EXIF_STRIP ||
           operation == MEDIA_OP_CONVERT || operation == MEDIA_OP_WATERMARK;
}

/* The reply of a written output: its format, frame size and frame count. */
static void succeed(media_reply *reply, media_format format, VipsImage *written, int frames)
{
    reply->status = MEDIA_STATUS_OK;
    reply->info.format = format;
    reply->info.width = vips_image_get_width(written);
    int height = frames > 1 ? vips_image_get_page_height(written) : vips_image_get_height(written);
    reply->info.height = height;
    reply->info.frames = frames > 1 ? frames : 1;
    reply->info.frame_pixels = (int64_t)reply->info.width * height;
}

/* ---- thumbnail ------------------------------------------------------------------------------ */

static void thumbnail(worker_image *image, const worker_params *params, int output,
                      media_reply *reply)
{
    VipsImage *small = NULL;
    /* libvips' thumbnail: shrink-on-load, the first frame, orientation applied; an image with
     * an ICC profile is turned into sRGB, so that dropping the profile keeps its colours */
    int rc = image->has_icc
                 ? vips_thumbnail_source(image->source, &small, params->max_width, "height",
                                         params->max_height, "size", VIPS_SIZE_DOWN,
                                         "export_profile", "srgb", NULL)
                 : vips_thumbnail_source(image->source, &small, params->max_width, "height",
                                         params->max_height, "size", VIPS_SIZE_DOWN, NULL);
    if (rc != 0) {
        worker_fail(reply, "the thumbnail could not be made");
        return;
    }
    worker_save_options options = {.quality = params->quality, .strip = true, .drop_exif = true};
    if (worker_save(small, params->format, &options, output, reply) == 0)
        succeed(reply, params->format, small, 1);
    g_object_unref(small);
}

/* ---- operations that keep the pixels -------------------------------------------------------- */

/* How many frames a loaded image holds (pages of page-height). */
static int frames_of(VipsImage *image)
{
    int page = vips_image_get_page_height(image);
    int height = vips_image_get_height(image);
    return page > 0 && page < height && height % page == 0 ? height / page : 1;
}

static void exif_strip(worker_image *image, int output, media_reply *reply)
{
    if (!image->has_exif) {
        reply->status = MEDIA_STATUS_OK;
        reply->flags |= MEDIA_REPLY_UNCHANGED;
        reply->info = image->info;
        return;
    }
    VipsImage *upright = NULL;
    if (worker_image_load_upright(image, true, &upright, reply) != 0)
        return;
    worker_save_options options = {.drop_exif = true};
    int frames = frames_of(upright);
    if (worker_save(upright, image->info.format, &options, output, reply) == 0)
        succeed(reply, image->info.format, upright, frames);
    g_object_unref(upright);
}

static bool can_animate(media_format format)
{
    return format == MEDIA_FORMAT_GIF || format == MEDIA_FORMAT_WEBP;
}

static void convert(worker_image *image, const worker_params *params, int output,
                    media_reply *reply)
{
    VipsImage *upright = NULL;
    if (worker_image_load_upright(image, can_animate(params->format), &upright, reply) != 0)
        return;
    worker_save_options options = {.drop_exif = !image->has_exif};
    int frames = frames_of(upright);
    if (worker_save(upright, params->format, &options, output, reply) == 0)
        succeed(reply, params->format, upright, frames);
    g_object_unref(upright);
}

static void watermark(worker_image *image, const worker_params *params, int output,
                      media_reply *reply)
{
    VipsImage *upright = NULL, *marked = NULL;
    if (worker_image_load_upright(image, true, &upright, reply) != 0)
        return;
    if (upright->Type == VIPS_INTERPRETATION_CMYK) { /* white is no ink there: draw in sRGB */
        VipsImage *rgb = NULL;
        int rc = vips_colourspace(upright, &rgb, VIPS_INTERPRETATION_sRGB, NULL);
        g_object_unref(upright);
        if (rc != 0) {
            worker_fail(reply, "the CMYK image could not be turned into sRGB");
            return;
        }
        upright = rgb;
    }
    int frames = frames_of(upright);
    int page_height = frames > 1 ? vips_image_get_page_height(upright) : upright->Ysize;
    if (worker_watermark_draw(upright, page_height, frames, params, &marked, reply) == 0) {
        worker_save_options options = {.drop_exif = !image->has_exif};
        if (worker_save(marked, image->info.format, &options, output, reply) == 0)
            succeed(reply, image->info.format, marked, frames);
        g_object_unref(marked);
    }
    g_object_unref(upright);
}

void worker_ops_run(uint16_t operation, const uint8_t *params_bytes, size_t params_length,
                    int input, int output, media_reply *reply)
{
    worker_params params;
    if (worker_params_parse(operation, params_bytes, params_length, &params, reply) != 0)
        return;
    worker_image image;
    if (worker_image_open(input, &params.limits, &image, reply) != 0)
        return;
    switch (operation) {
    case MEDIA_OP_THUMBNAIL:
        thumbnail(&image, &params, output, reply);
        break;
    case MEDIA_OP_EXIF_STRIP:
        exif_strip(&image, output, reply);
        break;
    case MEDIA_OP_CONVERT:
        convert(&image, &params, output, reply);
        break;
    default:
        watermark(&image, &params, output, reply);
        break;
    }
    worker_image_close(&image);
}

/* ---- warm-up -------------------------------------------------------------------------------- */

/* A small test picture: a gradient carrying an sRGB ICC profile and EXIF orientation 6 (the
 * paths of colour management and rotation), encoded as format into memory (g_free it). */
static int sample(media_format format, void **bytes, size_t *length)
{
    VipsImage *gradient = NULL, *two = NULL, *rgb = NULL, *profiled = NULL;
    int rc = vips_xyz(&gradient, 16, 8, NULL);
    if (rc == 0)
        rc = vips_cast_uchar(gradient, &two, NULL);
    if (rc == 0)
        rc = vips_bandjoin_const1(two, &rgb, 0, NULL);
    if (rc == 0) {
        rgb->Type = VIPS_INTERPRETATION_sRGB;
        rc = vips_icc_transform(rgb, &profiled, "srgb", "input_profile", "srgb", NULL);
    }
    if (rc == 0) {
        vips_image_set_int(profiled, VIPS_META_ORIENTATION, 6);
        rc = worker_format_of(format)->save(profiled, bytes, length, NULL);
    }
    VipsImage *made[] = {gradient, two, rgb, profiled};
    for (size_t i = 0; i < sizeof made / sizeof made[0]; i++)
        if (made[i])
            g_object_unref(made[i]);
    return rc;
}

/* Encode image in every format into memory with the savers' own code paths. */
static int warm_up_savers(VipsImage *image)
{
    size_t count = 0;
    const worker_format *formats = worker_formats(&count);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < count; i++) {
        VipsTarget *target = vips_target_new_to_memory();
        worker_save_options options = {.quality = 80, .strip = i % 2 == 0, .drop_exif = true};
        rc = target ? worker_save_to_target(image, formats[i].format, &options, target) : -1;
        if (target)
            g_object_unref(target);
    }
    return rc;
}

/* Thumbnail, upright load, watermark and every saver once, on a sample of format held in
 * memory (the operations read descriptors; a memory source goes through the same loaders). */
static int warm_up_operations(media_format format)
{
    void *bytes = NULL;
    size_t length = 0;
    if (sample(format, &bytes, &length) != 0)
        return -1;
    VipsSource *source = vips_source_new_from_memory(bytes, length);
    worker_image image = {.source = source, .descriptor = -1, .format = worker_format_of(format)};
    image.info.frames = 1;
    image.orientation = 6;
    worker_params params = {.opacity = 0.5, .font_size = 12, .position = WORKER_POSITION_CENTER};
    snprintf(params.text, sizeof params.text, "NekoHub");
    media_reply reply;
    memset(&reply, 0, sizeof reply);
    VipsImage *thumb = NULL, *small = NULL, *upright = NULL, *marked = NULL;
    /* a thumbnail streams from its source: saved several times, it must be in memory first */
    int rc = source &&
                     vips_thumbnail_source(source, &thumb, 8, "height", 8, "size", VIPS_SIZE_DOWN,
                                           "export_profile", "srgb", NULL) == 0 &&
                     (small = vips_image_copy_memory(thumb)) != NULL
                 ? warm_up_savers(small)
                 : -1;
    if (rc == 0)
        rc = worker_image_load_upright(&image, true, &upright, &reply);
    /* a missing font is reported by worker_watermark_warm_up; here only the other paths */
    if (rc == 0 && worker_watermark_draw(upright, upright->Ysize, 1, &params, &marked, &reply) == 0)
        rc = warm_up_savers(marked);
    VipsImage *made[] = {thumb, small, upright, marked};
    for (size_t i = 0; i < sizeof made / sizeof made[0]; i++)
        if (made[i])
            g_object_unref(made[i]);
    if (source)
        g_object_unref(source);
    g_free(bytes);
    return rc;
}

int worker_ops_warm_up(void)
{
    json_t *parsed = json_loads("{\"warm\":[1,2.5,\"up\"]}", 0, NULL); /* seeds jansson */
    json_decref(parsed);
    worker_watermark_warm_up(); /* not fatal: watermarks then answer font_unavailable */
    size_t count = 0;
    const worker_format *formats = worker_formats(&count);
    for (size_t i = 0; i < count; i++)
        if (warm_up_operations(formats[i].format) != 0) {
            char *text = vips_error_buffer_copy();
            fprintf(stderr, "nekohub-media: the warm-up of the operations on %s failed: %s\n",
                    formats[i].loader_nickname, text);
            g_free(text);
            return -1;
        }
    return 0;
}
