/* media.h - what an image file is, decided from its bytes (libvips).
 *
 * media_start() initialises libvips once, in the main thread before any other thread uses it
 * (cache off, one worker thread per operation); media_stop() shuts it down. media_probe_file()
 * reads only the header of a file: it finds the loader that recognises the bytes, accepts it
 * only when it is one of the allow-listed formats (JPEG, PNG, GIF, WebP), and reports the
 * format, the dimensions, the frame count and the pixels one frame costs to decode (for GIF
 * the logical screen is read from the file's first bytes, which libvips does not expose).
 * Nothing is decoded, so a decompression bomb costs nothing here.
 * Thread-safe after media_start(). */
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

/* Environment libvips must see before it starts: call first thing in main(), before any
 * thread exists (setenv is not thread-safe). */
void media_prepare_environment(void);

/* -1 with err filled when libvips cannot start. */
int media_start(const char *program_name, nh_error *err);
void media_stop(void);

/* Probe the file at path. Returns 0 with info filled; 1 when the bytes are not an image in an
 * allowed format (info->format = MEDIA_FORMAT_NONE); -1 with err filled on an I/O failure. */
int media_probe_file(const char *path, media_info *info, nh_error *err);

/* The canonical content type ("image/png") and extension (".png") of a format; NULL for
 * MEDIA_FORMAT_NONE. */
const char *media_format_content_type(media_format format);
const char *media_format_extension(media_format format);
/* The format a content type names (case-insensitive; "image/jpg" and "image/pjpeg" are JPEG),
 * or MEDIA_FORMAT_NONE. */
media_format media_format_of_content_type(const char *content_type);

#endif
