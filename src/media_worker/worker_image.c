/* worker_image.c - the allow-list, header read, pixel limits and decode of the media worker
 * (see worker_image.h). */
#include "media_worker/worker_image.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The allow-list: a file is an image we take only when one of these loaders claims it. */
static const worker_format format_table[] = {
    {MEDIA_FORMAT_JPEG, "jpegload_source", vips_jpegload_source, vips_jpegsave_buffer, false},
    {MEDIA_FORMAT_PNG, "pngload_source", vips_pngload_source, vips_pngsave_buffer, false},
    {MEDIA_FORMAT_GIF, "gifload_source", vips_gifload_source, vips_gifsave_buffer, true},
    {MEDIA_FORMAT_WEBP, "webpload_source", vips_webpload_source, vips_webpsave_buffer, true},
};

#define FORMAT_COUNT (sizeof format_table / sizeof format_table[0])

const worker_format *worker_formats(size_t *count)
{
    *count = FORMAT_COUNT;
    return format_table;
}

const worker_format *worker_format_of(media_format format)
{
    for (size_t i = 0; i < FORMAT_COUNT; i++)
        if (format_table[i].format == format)
            return &format_table[i];
    return NULL;
}

static const worker_format *format_of_loader(const char *nickname)
{
    for (size_t i = 0; nickname && i < FORMAT_COUNT; i++)
        if (!strcmp(format_table[i].loader_nickname, nickname))
            return &format_table[i];
    return NULL;
}

const worker_format *worker_format_detect(VipsSource *source)
{
    const char *type_name = vips_foreign_find_load_source(source);
    const char *nickname = type_name ? vips_nickname_find(g_type_from_name(type_name)) : NULL;
    return format_of_loader(nickname);
}

double worker_image_white(const VipsImage *image)
{
    switch (image->BandFmt) {
    case VIPS_FORMAT_USHORT:
        return 65535;
    case VIPS_FORMAT_FLOAT:
    case VIPS_FORMAT_DOUBLE:
        return 1.0;
    default:
        return 255;
    }
}

void worker_take_vips_error(media_reply *reply)
{
    char *text = vips_error_buffer_copy();
    snprintf(reply->message, sizeof reply->message, "%s", text ? text : "");
    g_free(text);
}

void worker_fail(media_reply *reply, const char *what)
{
    char *text = vips_error_buffer_copy();
    media_reply_set(reply, MEDIA_STATUS_FAILED, "media_operation_failed", "%s: %s", what,
                    text && text[0] ? text : "libvips gave no reason");
    g_free(text);
}

#define GIF_SCREEN_END 10 /* "GIF89a", then the screen width and height, 16-bit little-endian */

/* The logical screen of the GIF behind descriptor (pixels); 0 when it cannot be read. */
static int64_t gif_screen_pixels(int descriptor)
{
    unsigned char header[GIF_SCREEN_END];
    ssize_t got = pread(descriptor, header, sizeof header, 0);
    if (got != (ssize_t)sizeof header || memcmp(header, "GIF8", 4) != 0)
        return 0;
    int64_t width = header[6] | header[7] << 8;
    int64_t height = header[8] | header[9] << 8;
    return width * height;
}

void worker_measure_frames(int descriptor, const worker_format *entry, VipsImage *image,
                           media_info *info)
{
    int64_t width = vips_image_get_width(image);
    int64_t page_height = vips_image_get_page_height(image);
    int64_t height = vips_image_get_height(image);
    int64_t pixels = width * (page_height > height ? page_height : height);
    if (entry->format == MEDIA_FORMAT_GIF && descriptor >= 0) {
        int64_t screen = gif_screen_pixels(descriptor);
        if (screen > pixels)
            pixels = screen;
    }
    int frames = vips_image_get_n_pages(image);
    info->frames = frames > 0 ? frames : 1;
    info->frame_pixels = pixels;
}

/* The same rule as the upload's (assets: Api__Assets__MaxImagePixels, MaxAnimationPixels). */
static int check_limits(const media_info *info, const worker_limits *limits, media_reply *reply)
{
    if (info->width <= 0 || info->height <= 0 ||
        (limits->max_frame_pixels > 0 && info->frame_pixels > limits->max_frame_pixels)) {
        media_reply_set(reply, MEDIA_STATUS_FAILED, "media_image_too_large",
                        "the image needs %lld pixels per frame; the limit is %lld",
                        (long long)info->frame_pixels, (long long)limits->max_frame_pixels);
        return -1;
    }
    if (info->frames > 1 && limits->max_animation_pixels > 0 &&
        info->frame_pixels > limits->max_animation_pixels / info->frames) {
        media_reply_set(reply, MEDIA_STATUS_FAILED, "media_image_too_large",
                        "the animation has %d frames of %lld pixels; the limit is %lld in all",
                        info->frames, (long long)info->frame_pixels,
                        (long long)limits->max_animation_pixels);
        return -1;
    }
    return 0;
}

/* What the header says beyond the size: orientation, EXIF, ICC. */
static void read_metadata(VipsImage *header, worker_image *image)
{
    image->orientation = vips_image_get_orientation(header);
    if (image->orientation < 1 || image->orientation > 8)
        image->orientation = 1;
    image->has_exif = vips_image_get_typeof(header, VIPS_META_EXIF_NAME) != 0;
    image->has_icc = vips_image_get_typeof(header, VIPS_META_ICC_NAME) != 0;
}

int worker_image_open(int descriptor, const worker_limits *limits, worker_image *image,
                      media_reply *reply)
{
    memset(image, 0, sizeof *image);
    image->descriptor = descriptor;
    image->source = vips_source_new_from_descriptor(descriptor);
    if (!image->source) {
        media_reply_set(reply, MEDIA_STATUS_FAILED, "media_io_failed", "unreadable input");
        worker_take_vips_error(reply);
        return -1;
    }
    image->format = worker_format_detect(image->source);
    VipsImage *header = NULL;
    /* Header only: libvips loaders are lazy, pixels are decoded on first access. */
    if (!image->format ||
        image->format->load(image->source, &header, "access", VIPS_ACCESS_SEQUENTIAL, NULL) != 0) {
        media_reply_set(reply, MEDIA_STATUS_NOT_IMAGE, "media_not_image",
                        image->format ? "unreadable header" : "no allowed loader");
        worker_take_vips_error(reply);
        worker_image_close(image);
        return -1;
    }
    image->info.format = image->format->format;
    image->info.width = vips_image_get_width(header);
    image->info.height = vips_image_get_height(header);
    worker_measure_frames(descriptor, image->format, header, &image->info);
    read_metadata(header, image);
    g_object_unref(header);
    if (check_limits(&image->info, limits, reply) != 0) {
        worker_image_close(image);
        return -1;
    }
    return 0;
}

void worker_image_close(worker_image *image)
{
    if (image->source)
        g_object_unref(image->source);
    image->source = NULL;
}

int worker_image_load(worker_image *image, bool all_frames, bool random, VipsImage **out,
                      media_reply *reply)
{
    *out = NULL;
    VipsAccess access = random ? VIPS_ACCESS_RANDOM : VIPS_ACCESS_SEQUENTIAL;
    int rc =
        image->format->has_pages
            ? image->format->load(image->source, out, "access", access, "memory", random, "n",
                                  all_frames ? -1 : 1, NULL)
            : image->format->load(image->source, out, "access", access, "memory", random, NULL);
    if (rc != 0) {
        media_reply_set(reply, MEDIA_STATUS_NOT_IMAGE, "media_not_image", "undecodable image");
        worker_take_vips_error(reply);
        return -1;
    }
    return 0;
}

int worker_image_load_upright(worker_image *image, bool all_frames, VipsImage **out,
                              media_reply *reply)
{
    bool animated = all_frames && image->info.frames > 1;
    bool rotate = !animated && image->orientation != 1;
    VipsImage *loaded = NULL;
    if (worker_image_load(image, animated, rotate, &loaded, reply) != 0)
        return -1;
    if (!rotate) {
        *out = loaded;
        return 0;
    }
    /* vips_autorot turns the pixels upright and sets the orientation tag to 1 */
    int rc = vips_autorot(loaded, out, NULL);
    g_object_unref(loaded);
    if (rc != 0) {
        worker_fail(reply, "the orientation could not be applied");
        return -1;
    }
    return 0;
}
