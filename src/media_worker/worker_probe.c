/* worker_probe.c - libvips start-up, warm-up and header-only probing (see worker_probe.h). */
#include "media_worker/worker_probe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <vips/vips.h>

#include "media_worker/worker_image.h"
#include "media_worker/worker_ops.h"

/* Probe what source holds (descriptor: for the GIF screen, or -1). */
static void probe_source(VipsSource *source, int descriptor, media_reply *reply)
{
    const worker_format *entry = worker_format_detect(source);
    if (!entry) {
        media_reply_set(reply, MEDIA_STATUS_NOT_IMAGE, "media_not_image", "no allowed loader");
        worker_take_vips_error(reply);
        return;
    }
    VipsImage *image = NULL;
    /* Header only: libvips loaders are lazy, pixels are decoded on first access. */
    if (entry->load(source, &image, "access", VIPS_ACCESS_SEQUENTIAL, NULL) != 0) {
        media_reply_set(reply, MEDIA_STATUS_NOT_IMAGE, "media_not_image", "unreadable header");
        worker_take_vips_error(reply);
        return;
    }
    reply->status = MEDIA_STATUS_OK;
    reply->info.format = entry->format;
    reply->info.width = vips_image_get_width(image);
    reply->info.height = vips_image_get_height(image);
    worker_measure_frames(descriptor, entry, image, &reply->info);
    g_object_unref(image);
}

void worker_probe_fd(int descriptor, media_reply *reply)
{
    VipsSource *source = vips_source_new_from_descriptor(descriptor);
    if (!source) {
        media_reply_set(reply, MEDIA_STATUS_FAILED, "media_io_failed", "unreadable input");
        worker_take_vips_error(reply);
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
    size_t count = 0;
    const worker_format *formats = worker_formats(&count);
    for (size_t i = 0; i < count; i++)
        if (warm_up_format(&formats[i]) != 0) {
            char *text = vips_error_buffer_copy();
            fprintf(stderr, "nekohub-media: the warm-up of %s failed: %s\n",
                    formats[i].loader_nickname, text);
            g_free(text);
            return -1;
        }
    return worker_ops_warm_up();
}
