/* worker_ops.h - the processing operations of the media worker (media_protocol.h, operations
 * 2..99): thumbnail, EXIF strip, format conversion, watermark.
 *
 * Each reads the image behind `input` (borrowed) through worker_image.h (allow-list, header
 * first, pixel limits from the parameters), writes the result into `output` (borrowed, empty)
 * and fills the reply: MEDIA_STATUS_OK with the output's format, width, height (of one frame)
 * and frame count; MEDIA_REPLY_UNCHANGED (nothing written) for an EXIF strip of an image
 * without EXIF; MEDIA_STATUS_NOT_IMAGE; MEDIA_STATUS_FAILED with a code (media_image_too_large,
 * media_operation_failed, media_io_failed, watermark_font_unavailable); MEDIA_STATUS_UNSUPPORTED
 * for malformed parameters.
 *
 * What they do to the pixels and metadata:
 *   - orientation: the EXIF orientation of a still image is applied to the pixels first and
 *     the tag removed, so nothing comes out sideways (thumbnail: libvips' thumbnail does it);
 *   - thumbnail: fit inside maxWidth x maxHeight, never upscaled, first frame only, converted to
 *     sRGB when it carries an ICC profile, no metadata at all;
 *   - EXIF strip: EXIF removed; XMP, IPTC and ICC kept; same format; every frame kept;
 *   - convert: every frame kept when the target can animate (GIF, WebP), else the first frame;
 *     metadata kept, EXIF only when the input had some;
 *   - watermark: the text in DejaVu Sans Bold at fontSize pixels, white at opacity, at
 *     the position with padding max(12, fontSize/2), on every frame; same format;
 *     deterministic (the same input and parameters give the same bytes).
 * Animations are not rotated (only stills carry a meaningful EXIF orientation).
 * Single-threaded use. */
#ifndef NH_WORKER_OPS_H
#define NH_WORKER_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "media/media_protocol.h"

/* True for the operations this file serves. */
bool worker_ops_handles(uint16_t operation);

void worker_ops_run(uint16_t operation, const uint8_t *params, size_t params_length, int input,
                    int output, media_reply *reply);

/* Run every operation once on tiny images in memory (text rendering with the watermark font
 * included), so whatever libvips, GLib, Pango, fontconfig and jansson load lazily is in memory
 * before the seccomp filter goes on. 0, or -1 after printing why to stderr. A font that cannot
 * be rendered is not fatal: watermarks then fail with watermark_font_unavailable. */
int worker_ops_warm_up(void);

#endif
