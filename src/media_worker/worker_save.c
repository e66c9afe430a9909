/* worker_save.c - encoding into the output descriptor with controlled metadata (see
 * worker_save.h). */
#include "media_worker/worker_save.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "media_worker/worker_image.h"

#define MAX_DROPS 8
#define COPY_CHUNK 65536

/* ---- metadata fields ------------------------------------------------------------------------ */

static bool is_exif_field(const char *name)
{
    return g_str_has_prefix(name, "exif-") || !strcmp(name, VIPS_META_ORIENTATION);
}

static bool is_metadata_field(const char *name)
{
    return is_exif_field(name) || !strcmp(name, VIPS_META_XMP_NAME) ||
           !strcmp(name, VIPS_META_IPTC_NAME) || !strcmp(name, VIPS_META_ICC_NAME) ||
           !strcmp(name, VIPS_META_PHOTOSHOP_NAME);
}

/* Remove the fields the options exclude (image must be a private copy). */
static void remove_fields(VipsImage *image, const worker_save_options *options)
{
    gchar **fields = vips_image_get_fields(image);
    for (int i = 0; fields && fields[i]; i++)
        if (options->strip ? is_metadata_field(fields[i])
                           : options->drop_exif && is_exif_field(fields[i]))
            vips_image_remove(image, fields[i]);
    g_strfreev(fields);
}

/* ---- cutting EXIF blocks out of a written file ---------------------------------------------- */

typedef struct byte_range {
    off_t start;
    off_t end;
} byte_range;

static int read_at(int descriptor, void *buffer, size_t length, off_t offset)
{
    size_t done = 0;
    while (done < length) {
        ssize_t got = pread(descriptor, (char *)buffer + done, length - done, offset + (off_t)done);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return -1;
        done += (size_t)got;
    }
    return 0;
}

static int write_at(int descriptor, const void *buffer, size_t length, off_t offset)
{
    size_t done = 0;
    while (done < length) {
        ssize_t put =
            pwrite(descriptor, (const char *)buffer + done, length - done, offset + (off_t)done);
        if (put < 0 && errno == EINTR)
            continue;
        if (put <= 0)
            return -1;
        done += (size_t)put;
    }
    return 0;
}

/* JPEG: the marker segments between SOI and SOS; APP1 segments starting "Exif\0\0". */
static int jpeg_exif_ranges(int descriptor, off_t size, byte_range *drops, int *count)
{
    uint8_t head[4];
    if (size < 4 || read_at(descriptor, head, 2, 0) != 0 || head[0] != 0xFF || head[1] != 0xD8)
        return 0;
    off_t at = 2;
    while (at + 4 <= size && *count < MAX_DROPS) {
        if (read_at(descriptor, head, 4, at) != 0)
            return -1;
        if (head[0] != 0xFF || head[1] == 0xDA || head[1] == 0xD9)
            break; /* not a marker, start of scan, end of image: metadata is over */
        off_t segment = 2 + (head[2] << 8 | head[3]);
        if (segment < 4 || at + segment > size)
            break;
        uint8_t tag[6];
        if (head[1] == 0xE1 && segment >= 10) {
            if (read_at(descriptor, tag, sizeof tag, at + 4) != 0)
                return -1;
            if (!memcmp(tag, "Exif\0\0", sizeof tag))
                drops[(*count)++] = (byte_range){at, at + segment};
        }
        at += segment;
    }
    return 0;
}

/* PNG: the chunks before the image data; eXIf chunks. */
static int png_exif_ranges(int descriptor, off_t size, byte_range *drops, int *count)
{
    static const uint8_t signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    uint8_t head[8];
    if (size < 8 || read_at(descriptor, head, 8, 0) != 0 || memcmp(head, signature, 8) != 0)
        return 0;
    off_t at = 8;
    while (at + 12 <= size && *count < MAX_DROPS) {
        if (read_at(descriptor, head, 8, at) != 0)
            return -1;
        off_t length = (off_t)((uint32_t)head[0] << 24 | head[1] << 16 | head[2] << 8 | head[3]);
        off_t chunk = 12 + length;
        if (!memcmp(head + 4, "IDAT", 4) || !memcmp(head + 4, "IEND", 4) || at + chunk > size)
            break;
        if (!memcmp(head + 4, "eXIf", 4))
            drops[(*count)++] = (byte_range){at, at + chunk};
        at += chunk;
    }
    return 0;
}

#define WEBP_VP8X_EXIF_FLAG 0x08

static uint32_t get_le32(const uint8_t *at)
{
    return (uint32_t)at[0] | (uint32_t)at[1] << 8 | (uint32_t)at[2] << 16 | (uint32_t)at[3] << 24;
}

/* WebP: the RIFF chunks after "WEBP" (each padded to an even size); EXIF chunks. */
static int webp_exif_ranges(int descriptor, off_t size, byte_range *drops, int *count)
{
    uint8_t head[12];
    if (size < 20 || read_at(descriptor, head, 12, 0) != 0 || memcmp(head, "RIFF", 4) != 0 ||
        memcmp(head + 8, "WEBP", 4) != 0)
        return 0;
    off_t at = 12;
    while (at + 8 <= size && *count < MAX_DROPS) {
        if (read_at(descriptor, head, 8, at) != 0)
            return -1;
        off_t length = (off_t)get_le32(head + 4);
        off_t chunk = 8 + length + (length & 1);
        if (at + chunk > size)
            break;
        if (!memcmp(head, "EXIF", 4))
            drops[(*count)++] = (byte_range){at, at + chunk};
        at += chunk;
    }
    return 0;
}

/* After EXIF chunks went: the RIFF size is the file's size - 8, and the extended header
 * (VP8X, when first) no longer announces EXIF. */
static int webp_fix_header(int descriptor)
{
    struct stat status;
    uint8_t head[21];
    if (fstat(descriptor, &status) != 0 || read_at(descriptor, head, sizeof head, 0) != 0)
        return -1;
    uint32_t riff = (uint32_t)(status.st_size - 8);
    uint8_t size[4] = {(uint8_t)riff, (uint8_t)(riff >> 8), (uint8_t)(riff >> 16),
                       (uint8_t)(riff >> 24)};
    if (write_at(descriptor, size, 4, 4) != 0)
        return -1;
    if (memcmp(head + 12, "VP8X", 4) != 0)
        return 0;
    uint8_t flags = head[20] & (uint8_t)~WEBP_VP8X_EXIF_FLAG;
    return write_at(descriptor, &flags, 1, 20);
}

/* Move everything between the dropped ranges down over them; truncate. */
static int compact(int descriptor, off_t size, const byte_range *drops, int count)
{
    static uint8_t buffer[COPY_CHUNK];
    off_t out = drops[0].start;
    for (int i = 0; i < count; i++) {
        off_t in = drops[i].end;
        off_t until = i + 1 < count ? drops[i + 1].start : size;
        while (in < until) {
            size_t length = until - in > COPY_CHUNK ? COPY_CHUNK : (size_t)(until - in);
            if (read_at(descriptor, buffer, length, in) != 0 ||
                write_at(descriptor, buffer, length, out) != 0)
                return -1;
            in += (off_t)length;
            out += (off_t)length;
        }
    }
    return ftruncate(descriptor, out);
}

int worker_save_drop_exif_blocks(int descriptor, media_format format)
{
    struct stat status;
    if (fstat(descriptor, &status) != 0)
        return -1;
    byte_range drops[MAX_DROPS];
    int count = 0;
    int rc = 0;
    if (format == MEDIA_FORMAT_JPEG)
        rc = jpeg_exif_ranges(descriptor, status.st_size, drops, &count);
    else if (format == MEDIA_FORMAT_PNG)
        rc = png_exif_ranges(descriptor, status.st_size, drops, &count);
    else if (format == MEDIA_FORMAT_WEBP)
        rc = webp_exif_ranges(descriptor, status.st_size, drops, &count);
    if (rc != 0 || count == 0)
        return rc;
    if (compact(descriptor, status.st_size, drops, count) != 0)
        return -1;
    return format == MEDIA_FORMAT_WEBP ? webp_fix_header(descriptor) : 0;
}

/* ---- encoding ------------------------------------------------------------------------------- */

/* A JPEG has no alpha: flatten onto white (libvips would flatten onto black). */
static int flatten_for_jpeg(VipsImage *image, VipsImage **out)
{
    if (!vips_image_hasalpha(image)) {
        *out = image;
        g_object_ref(image);
        return 0;
    }
    double white = worker_image_white(image);
    double background[3] = {white, white, white};
    VipsArrayDouble *colour = vips_array_double_new(background, image->Bands > 2 ? 3 : 1);
    int rc = vips_flatten(image, out, "background", colour, NULL);
    vips_area_unref(VIPS_AREA(colour));
    return rc;
}

static int encode(VipsImage *image, media_format format, const worker_save_options *options,
                  VipsTarget *target)
{
    int quality = options->quality;
    gboolean strip = options->strip;
    switch (format) {
    case MEDIA_FORMAT_JPEG: {
        VipsImage *flat = NULL;
        if (flatten_for_jpeg(image, &flat) != 0)
            return -1;
        int rc = quality > 0
                     ? vips_jpegsave_target(flat, target, "Q", quality, "strip", strip, NULL)
                     : vips_jpegsave_target(flat, target, "strip", strip, NULL);
        g_object_unref(flat);
        return rc;
    }
    case MEDIA_FORMAT_PNG:
        return vips_pngsave_target(image, target, "strip", strip, NULL);
    case MEDIA_FORMAT_GIF:
        return vips_gifsave_target(image, target, "strip", strip, NULL);
    case MEDIA_FORMAT_WEBP:
        return quality > 0 ? vips_webpsave_target(image, target, "Q", quality, "strip", strip, NULL)
                           : vips_webpsave_target(image, target, "strip", strip, NULL);
    default:
        vips_error("nekohub-media", "no encoder for format %d", (int)format);
        return -1;
    }
}

int worker_save_to_target(VipsImage *image, media_format format, const worker_save_options *options,
                          VipsTarget *target)
{
    VipsImage *copy = NULL;
    if (vips_copy(image, &copy, NULL) != 0) /* a private header: fields removed only here */
        return -1;
    remove_fields(copy, options);
    int rc = encode(copy, format, options, target);
    g_object_unref(copy);
    return rc;
}

int worker_save(VipsImage *image, media_format format, const worker_save_options *options,
                int descriptor, media_reply *reply)
{
    VipsTarget *target = vips_target_new_to_descriptor(descriptor);
    int rc = target ? worker_save_to_target(image, format, options, target) : -1;
    if (target)
        g_object_unref(target);
    if (rc != 0) {
        worker_fail(reply, "the image could not be encoded");
        return -1;
    }
    if ((options->strip || options->drop_exif) &&
        worker_save_drop_exif_blocks(descriptor, format) != 0) {
        media_reply_set(reply, MEDIA_STATUS_FAILED, "media_io_failed",
                        "the EXIF block could not be removed from the output: %s", strerror(errno));
        return -1;
    }
    return 0;
}
