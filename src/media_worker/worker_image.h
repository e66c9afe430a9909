/* worker_image.h - reading an image inside the media worker: the loader allow-list, the
 * header read that comes before any decode, the pixel limits, and the decode itself.
 *
 * worker_image_open() reads only the header of the image behind a descriptor (borrowed: never
 * closed here) and refuses, before a single pixel is decoded, a file no allowed loader claims
 * (JPEG, PNG, GIF, WebP: MEDIA_STATUS_NOT_IMAGE) and an image over the limits (one frame over
 * max_frame_pixels, or all frames over max_animation_pixels: MEDIA_STATUS_FAILED with code
 * media_image_too_large). worker_image_load() then decodes: the first frame or every frame,
 * streamed (sequential) or whole in memory (random access: what a rotation needs; never a
 * temporary file on disc, which the sandbox forbids). worker_image_upright() applies the EXIF
 * orientation to the pixels of a still image and removes the tag. Failures fill the reply (code
 * and libvips' message). Single-threaded use (the worker serves one request at a time). */
#ifndef NH_WORKER_IMAGE_H
#define NH_WORKER_IMAGE_H

#include <stdbool.h>
#include <stdint.h>
#include <vips/vips.h>

#include "media/media_protocol.h"

typedef int (*worker_loader)(VipsSource *source, VipsImage **out, ...);
typedef int (*worker_buffer_saver)(VipsImage *in, void **buf, size_t *len, ...);

/* One allowed format: the libvips source loader we accept for it and its buffer saver. */
typedef struct worker_format {
    media_format format;
    const char *loader_nickname;
    worker_loader load;
    worker_buffer_saver save;
    bool has_pages; /* the loader takes "n" (GIF, WebP animations) */
} worker_format;

/* The allow-list, and the entry of a format (NULL for MEDIA_FORMAT_NONE). */
const worker_format *worker_formats(size_t *count);
const worker_format *worker_format_of(media_format format);

/* The allowed loader that claims what source holds, or NULL. */
const worker_format *worker_format_detect(VipsSource *source);

/* Frames and the pixels of the largest frame-sized area of image (page, image, and for a GIF
 * the logical screen read from descriptor, when descriptor >= 0). */
void worker_measure_frames(int descriptor, const worker_format *entry, VipsImage *image,
                           media_info *info);

typedef struct worker_limits {
    int64_t max_frame_pixels;     /* 0 = no limit */
    int64_t max_animation_pixels; /* 0 = no limit */
} worker_limits;

typedef struct worker_image {
    VipsSource *source; /* owned */
    int descriptor;     /* borrowed */
    const worker_format *format;
    media_info info; /* from the header: width, page height, frames, frame pixels */
    int orientation; /* EXIF orientation 1..8 (1 when absent) */
    bool has_exif;   /* an EXIF block is present */
    bool has_icc;    /* an ICC profile is embedded */
} worker_image;

/* Header read and checks. 0 with image filled (worker_image_close it), or -1 with reply set. */
int worker_image_open(int descriptor, const worker_limits *limits, worker_image *image,
                      media_reply *reply);
void worker_image_close(worker_image *image);

/* Decode: every frame (animations, as one tall image of page-height pages) or the first only;
 * random = the whole image in memory (for rotations). 0 with *out (unref it), or -1 with reply
 * set. */
int worker_image_load(worker_image *image, bool all_frames, bool random, VipsImage **out,
                      media_reply *reply);

/* Load for an operation that keeps the pixels (convert, watermark, EXIF strip): orientation
 * applied to a still image (its tag removed), every frame of an animation when all_frames. */
int worker_image_load_upright(worker_image *image, bool all_frames, VipsImage **out,
                              media_reply *reply);

/* The value of full white / opaque for image's pixels: 65535 for 16-bit images, 1 for float
 * ones, else 255. */
double worker_image_white(const VipsImage *image);

/* The libvips error text, cleared, copied into the reply's message. */
void worker_take_vips_error(media_reply *reply);

/* reply = MEDIA_STATUS_FAILED "media_operation_failed" with what failed and libvips' text. */
void worker_fail(media_reply *reply, const char *what);

#endif
