/* worker_probe.c - libvips start-up, warm-up and header-only probing (see worker_probe.h). */
#include "media_worker/worker_probe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <vips/vips.h>

typedef int (*worker_loader)(VipsSource *source, VipsImage **out, ...);
typedef int (*worker_saver)(VipsImage *in, void **buf, size_t *len, ...);

typedef struct worker_format {
    media_format format;
    const char *loader_nickname; /* the libvips source loader we accept for it */
    worker_loader load;
    worker_saver save; /* for the warm-up */
} worker_format;

/* The allow-list: a file is an image we take only when one of these loaders claims it. */
static const worker_format format_table[] = {
    {MEDIA_FORMAT_JPEG, "jpegload_source", vips_jpegload_source, vips_jpegsave_buffer},
    {MEDIA_FORMAT_PNG, "pngload_source", vips_pngload_source, vips_pngsave_buffer},
    {MEDIA_FORMAT_GIF, "gifload_source", vips_gifload_source, vips_gifsave_buffer},
    {MEDIA_FORMAT_WEBP, "webpload_source", vips_webpload_source, vips_webpsave_buffer},
};

#define FORMAT_COUNT (sizeof format_table / sizeof format_table[0])

static const worker_format *format_of_loader(const char *nickname)
{
    for (size_t i = 0; nickname && i < FORMAT_COUNT; i++)
        if (!strcmp(format_table[i].loader_nickname, nickname))
            return &format_table[i];
    return NULL;
}

/* The shared libvips error text, cleared, copied into the reply's message. */
static void take_vips_error(media_reply *reply)
{
    char *text = vips_error_buffer_copy();
    snprintf(reply->message, sizeof reply->message, "%s", text ? text : "");
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

/* Frames and the pixels of the largest frame-sized area (page, image, GIF screen). */
static void measure_frames(int descriptor, const worker_format *entry, VipsImage *image,
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

/* Probe what source holds (descriptor: for the GIF screen, or -1). */
static void probe_source(VipsSource *source, int descriptor, media_reply *reply)
{
    const char *type_name = vips_foreign_find_load_source(source);
    const char *nickname = type_name ? vips_nickname_find(g_type_from_name(type_name)) : NULL;
    const worker_format *entry = format_of_loader(nickname);
    if (!entry) {
        media_reply_set(reply, MEDIA_STATUS_NOT_IMAGE, "media_not_image", "no allowed loader");
        take_vips_error(reply);
        return;
    }
    VipsImage *image = NULL;
    /* Header only: libvips loaders are lazy, pixels are decoded on first access. */
    if (entry->load(source, &image, "access", VIPS_ACCESS_SEQUENTIAL, NULL) != 0) {
        media_reply_set(reply, MEDIA_STATUS_NOT_IMAGE, "media_not_image", "unreadable header");
        take_vips_error(reply);
        return;
    }
    reply->status = MEDIA_STATUS_OK;
    reply->info.format = entry->format;
    reply->info.width = vips_image_get_width(image);
    reply->info.height = vips_image_get_height(image);
    measure_frames(descriptor, entry, image, &reply->info);
    g_object_unref(image);
}

void worker_probe_fd(int descriptor, media_reply *reply)
{
    VipsSource *source = vips_source_new_from_descriptor(descriptor);
    if (!source) {
        media_reply_set(reply, MEDIA_STATUS_FAILED, "media_io_failed", "unreadable input");
        take_vips_error(reply);
        return;
    }
    probe_source(source, descriptor, reply);
    g_object_unref(source);
}

/* Encode a tiny image in one format and probe it back (and decode it: loaders set up their
 * decoders lazily). 0 when it came back as that format. */
static int warm_up_format(const worker_format *entry)
{
    VipsImage *black = NULL;
    void *bytes = NULL;
    size_t length = 0;
    int rc = -1;
    if (vips_black(&black, 8, 8, "bands", 3, NULL) == 0 &&
        entry->save(black, &bytes, &length, NULL) == 0) {
        VipsSource *source = vips_source_new_from_memory(bytes, length);
        media_reply reply;
        memset(&reply, 0, sizeof reply);
        if (source) {
            probe_source(source, -1, &reply);
            g_object_unref(source);
        }
        VipsImage *decoded = vips_image_new_from_buffer(bytes, length, "", NULL);
        double mean = 0;
        if (decoded && vips_avg(decoded, &mean, NULL) == 0 && reply.status == MEDIA_STATUS_OK &&
            reply.info.format == entry->format)
            rc = 0;
        if (decoded)
            g_object_unref(decoded);
    }
    if (black)
        g_object_unref(black);
    g_free(bytes);
    return rc;
}

int worker_probe_start(const char *program_name)
{
    /* libvips loads its optional modules (ImageMagick, PDF, HEIF, JPEG XL, OpenSlide loaders)
     * from VIPSHOME/lib. NekoHub accepts none of those formats, so point VIPSHOME where there
     * are no modules: less attack surface and less memory. An operator's VIPSHOME is left. */
    setenv("VIPSHOME", "/nonexistent/nekohub-no-vips-modules", 0);
    if (VIPS_INIT(program_name) != 0) {
        char *text = vips_error_buffer_copy();
        fprintf(stderr, "nekohub-media: libvips could not be initialised: %s\n", text);
        g_free(text);
        return -1;
    }
    vips_cache_set_max(0);
    vips_concurrency_set(1);
    for (size_t i = 0; i < FORMAT_COUNT; i++)
        if (warm_up_format(&format_table[i]) != 0) {
            char *text = vips_error_buffer_copy();
            fprintf(stderr, "nekohub-media: the warm-up of %s failed: %s\n",
                    format_table[i].loader_nickname, text);
            g_free(text);
            return -1;
        }
    return 0;
}
