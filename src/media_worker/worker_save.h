/* worker_save.h - encoding an image into the output descriptor the server handed over (a vips
 * target on the descriptor, streamed), with control over the metadata written.
 *
 * libvips writes metadata from the image's fields, and its JPEG and PNG savers make up a
 * fresh EXIF block (resolution, orientation 1) when the image has none, while its WebP saver
 * ignores `strip` and makes one up too. So: `strip` removes every metadata field before saving
 * (EXIF, XMP, IPTC, ICC); `drop_exif` removes the EXIF fields and afterwards cuts the EXIF
 * segment (JPEG APP1 "Exif") or chunk (PNG eXIf, WebP EXIF: the RIFF size and the VP8X flag
 * follow) out of the written file, in place (pread/pwrite/ftruncate on the descriptor: no
 * second file). XMP, IPTC and ICC stay unless `strip`.
 *
 * A JPEG cannot hold transparency: an image with alpha is flattened onto white first.
 * Single-threaded use. */
#ifndef NH_WORKER_SAVE_H
#define NH_WORKER_SAVE_H

#include <stdbool.h>
#include <vips/vips.h>

#include "media/media_protocol.h"

typedef struct worker_save_options {
    int quality;    /* 1..100; 0 = the encoder's default */
    bool strip;     /* no metadata at all */
    bool drop_exif; /* no EXIF (XMP, IPTC, ICC kept) */
} worker_save_options;

/* Encode image as format into descriptor (borrowed, empty, at offset 0). 0, or -1 with reply
 * set. */
int worker_save(VipsImage *image, media_format format, const worker_save_options *options,
                int descriptor, media_reply *reply);

/* The encoding alone (fields removed as the options say, no block cut afterwards), into any
 * target: -1 with the libvips error kept. */
int worker_save_to_target(VipsImage *image, media_format format, const worker_save_options *options,
                          VipsTarget *target);

/* Remove the EXIF blocks of the JPEG, PNG or WebP file behind descriptor (GIF: nothing to do),
 * shifting the rest of the file down and truncating it. 0, or -1 on an I/O failure. */
int worker_save_drop_exif_blocks(int descriptor, media_format format);

#endif
