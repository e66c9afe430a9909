/* media.h - the image formats NekoHub accepts and what a header probe reports about a file.
 *
 * No libvips here: the serving process never maps it. The probe itself (libvips) runs in the
 * sandboxed media worker (src/media_worker/, reached through media_pool.h), which reports a
 * media_info: the format (one of the allow-listed JPEG, PNG, GIF, WebP), the dimensions, the
 * frame count and the pixels one frame costs to decode. Pure functions, thread-safe. */
#ifndef NH_MEDIA_H
#define NH_MEDIA_H

#include <stdint.h>

#include "core/error.h"

typedef enum {
    MEDIA_FORMAT_NONE = 0,
    MEDIA_FORMAT_JPEG,
    MEDIA_FORMAT_PNG,
    MEDIA_FORMAT_GIF,
    MEDIA_FORMAT_WEBP,
} media_format;

typedef struct media_info {
    media_format format;
    int width;  /* pixels */
    int height; /* pixels (first frame for animations) */
    int frames; /* 1 for a still image; the frame count of an animation */
    /* What decoding one frame costs: the largest of the frame (page) size and, for GIF, the
     * logical screen the header declares (decoders allocate the screen: a 1x1 frame on a
     * 65535x65535 screen is 4.3 G pixels). */
    int64_t frame_pixels;
} media_info;

/* The canonical content type ("image/png") and extension (".png") of a format; NULL for
 * MEDIA_FORMAT_NONE. */
const char *media_format_content_type(media_format format);
const char *media_format_extension(media_format format);
/* The format a content type names (case-insensitive; "image/jpg" and "image/pjpeg" are JPEG),
 * or MEDIA_FORMAT_NONE. */
media_format media_format_of_content_type(const char *content_type);

#endif
