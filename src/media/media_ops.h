/* media_ops.h - the processing operations of the sandboxed media worker, as typed calls over
 * media_pool_run(): thumbnail, EXIF strip, format conversion, watermark.
 *
 * Each call hands the worker the input file (opened read-only here) and an output file the
 * caller created (an empty, writable file: typically in the upload temp directory); the worker
 * writes the result there (RLIMIT_FSIZE bounds it) and reports its format and dimensions. The
 * caller then hashes, stores and removes the output file. Inputs are decoded only by the worker:
 * a loader outside the allow-list (JPEG, PNG, GIF, WebP) is refused, the pixel limits apply.
 *
 * Errors (-1 with err): 422 media_image_invalid (the bytes do not decode as an allowed image),
 * 500 media_operation_failed (libvips refused: message says why), the pool's 502
 * media_worker_failed / 503 media_worker_timeout / media_worker_busy /
 * media_worker_unavailable. Thread-safe. */
#ifndef NH_MEDIA_OPS_H
#define NH_MEDIA_OPS_H

#include <stdbool.h>

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

/* What an operation wrote: its format and dimensions; unchanged = nothing to do (EXIF strip of
 * an image without EXIF: the output file is left empty). */
typedef struct media_result {
    media_info info;
    bool unchanged;
} media_result;

/* Fit inside max_width x max_height (never upscaled), orientation applied, first frame only,
 * metadata removed; format MEDIA_FORMAT_PNG or MEDIA_FORMAT_WEBP (quality 1..100, 0 = the
 * encoder's default). */
int media_ops_thumbnail(media_pool *pool, const char *input_path, const char *output_path,
                        int max_width, int max_height, media_format format, int quality,
                        media_result *out, nh_error *err);

/* Orientation applied to the pixels, then EXIF removed (XMP, IPTC and ICC kept), same format.
 * out->unchanged when the image had no EXIF. */
int media_ops_exif_strip(media_pool *pool, const char *input_path, const char *output_path,
                         media_result *out, nh_error *err);

/* Re-encode in format (JPEG, PNG, GIF, WebP), orientation applied. */
int media_ops_convert(media_pool *pool, const char *input_path, const char *output_path,
                      media_format format, media_result *out, nh_error *err);

typedef struct media_watermark {
    const char *text;   /* UTF-8, non-blank, at most 200 bytes */
    double opacity;     /* 0..1 */
    int font_size;      /* 1..1000 pixels */
    media_position position;
} media_watermark;

/* Draw the text in white at opacity (DejaVu Sans Bold, installed by the project's scripts),
 * padding max(12, font_size/2), same format. Deterministic: the same input and parameters give
 * the same bytes. */
int media_ops_watermark(media_pool *pool, const char *input_path, const char *output_path,
                        const media_watermark *watermark, media_result *out, nh_error *err);

#endif
