/* media_ops.h - the processing operations of the sandboxed media worker, as typed calls over
 * media_pool_run(): thumbnail, EXIF strip, format conversion, watermark.
 *
 * Each call hands the worker two descriptors the caller owns: the input image (readable,
 * e.g. what storage_open gave) and an output file the caller created (empty and writable:
 * typically an upload temp file); the worker writes the result there (RLIMIT_FSIZE bounds it)
 * and reports its format and dimensions. The caller then hashes, stores and removes the output
 * file. Inputs are decoded only by the worker: a loader outside the allow-list (JPEG, PNG,
 * GIF, WebP) is refused, and the header is read first and checked against the limits before
 * any pixel is decoded.
 *
 * What each operation does to pixels and metadata: src/media_worker/worker_ops.h and
 * docs/processing.md.
 *
 * Errors (-1 with err): 422 media_image_invalid (the bytes do not decode as an allowed image),
 * 422 media_image_too_large (over the limits), 500 media_operation_failed (libvips refused:
 * the message says why), 500 watermark_font_unavailable, the pool's 502 media_worker_failed /
 * 503 media_worker_timeout / media_worker_busy / media_worker_unavailable. Test builds only:
 * 422 media_test_result (see media_ops_watermark). Thread-safe. */
#ifndef NH_MEDIA_OPS_H
#define NH_MEDIA_OPS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"
#include "media/media.h"
#include "media/media_pool.h"

typedef enum {
    MEDIA_POSITION_BOTTOM_RIGHT = 0,
    MEDIA_POSITION_BOTTOM_LEFT,
    MEDIA_POSITION_CENTER,
    MEDIA_POSITION_TOP_RIGHT,
    MEDIA_POSITION_TOP_LEFT,
} media_position;

/* The pixel limits of the input (Api__Assets__MaxImagePixels, MaxAnimationPixels: the same as
 * an upload's); 0 = none. */
typedef struct media_limits {
    int64_t max_frame_pixels;
    int64_t max_animation_pixels;
} media_limits;

/* What an operation wrote: its format and dimensions; unchanged = nothing to do (EXIF strip of
 * an image without EXIF: the output file is left empty). */
typedef struct media_result {
    media_info info;
    bool unchanged;
} media_result;

/* Fit inside max_width x max_height (never upscaled), orientation applied, first frame only,
 * metadata removed; format MEDIA_FORMAT_PNG or MEDIA_FORMAT_WEBP (quality 1..100, 0 = the
 * encoder's default). */
int media_ops_thumbnail(media_pool *pool, int input_fd, int output_fd, const media_limits *limits,
                        int max_width, int max_height, media_format format, int quality,
                        media_result *out, nh_error *err);

/* Orientation applied to the pixels, then EXIF removed (XMP, IPTC and ICC kept), same format.
 * out->unchanged when the image had no EXIF. */
int media_ops_exif_strip(media_pool *pool, int input_fd, int output_fd, const media_limits *limits,
                         media_result *out, nh_error *err);

/* Re-encode in format (JPEG, PNG, GIF, WebP), orientation applied; an animation keeps its
 * frames when format can animate (GIF, WebP), else its first frame. */
int media_ops_convert(media_pool *pool, int input_fd, int output_fd, const media_limits *limits,
                      media_format format, media_result *out, nh_error *err);

typedef struct media_watermark {
    const char *text; /* UTF-8, non-blank, at most 200 bytes */
    double opacity;   /* 0..1 */
    int font_size;    /* 1..1000 pixels */
    media_position position;
} media_watermark;

/* Draw the text in white at opacity (DejaVu Sans Bold, installed by the project's scripts),
 * padding max(12, font_size/2), same format, every frame. Deterministic: the same input and
 * parameters give the same bytes.
 * Test builds only, with NEKOHUB_TEST_MEDIA_OPERATIONS=1 in the environment: a text starting
 * with "nekohub-test-op-crash" or "nekohub-test-op-hang" runs that test operation of the
 * worker instead (media_pool.h), so that a step can meet a crashing or hanging worker. */
int media_ops_watermark(media_pool *pool, int input_fd, int output_fd, const media_limits *limits,
                        const media_watermark *watermark, media_result *out, nh_error *err);

#endif
