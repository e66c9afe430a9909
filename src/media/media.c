/* media.c - libvips start-up and header-only probing of uploaded images. */
#include "media/media.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <vips/vips.h>

#include "core/log.h"

typedef int (*media_loader)(VipsSource *source, VipsImage **out, ...);

typedef struct media_format_entry {
    media_format format;
    const char *loader_nickname; /* the libvips source loader we accept for it */
    media_loader load;
    const char *content_type;
    const char *extension;
} media_format_entry;

/* The allow-list: a file is an image we take only when one of these loaders claims it. */
static const media_format_entry format_table[] = {
    {MEDIA_FORMAT_JPEG, "jpegload_source", vips_jpegload_source, "image/jpeg", ".jpg"},
    {MEDIA_FORMAT_PNG, "pngload_source", vips_pngload_source, "image/png", ".png"},
    {MEDIA_FORMAT_GIF, "gifload_source", vips_gifload_source, "image/gif", ".gif"},
    {MEDIA_FORMAT_WEBP, "webpload_source", vips_webpload_source, "image/webp", ".webp"},
};

#define FORMAT_COUNT (sizeof format_table / sizeof format_table[0])

static const media_format_entry *entry_of(media_format format)
{
    for (size_t i = 0; i < FORMAT_COUNT; i++)
        if (format_table[i].format == format)
            return &format_table[i];
    return NULL;
}

static const media_format_entry *entry_of_loader(const char *nickname)
{
    for (size_t i = 0; nickname && i < FORMAT_COUNT; i++)
        if (!strcmp(format_table[i].loader_nickname, nickname))
            return &format_table[i];
    return NULL;
}

/* Take (and clear) this thread's view of the shared libvips error text, for the log. */
static void log_vips_error(const char *what)
{
    char *text = vips_error_buffer_copy();
    if (text && text[0])
        log_message(LOG_DEBUG, "media", "%s: %s", what, text);
    g_free(text);
}

void media_prepare_environment(void)
{
    /* libvips loads its optional modules (ImageMagick, PDF, HEIF, JPEG XL, OpenSlide loaders)
     * from VIPSHOME/lib. NekoHub accepts none of those formats, so point VIPSHOME where there
     * are no modules: less attack surface and ~6 MB less resident memory. An operator's own
     * VIPSHOME is left alone. */
    setenv("VIPSHOME", "/nonexistent/nekohub-no-vips-modules", 0);
}

int media_start(const char *program_name, nh_error *err)
{
    if (VIPS_INIT(program_name) != 0) {
        log_vips_error("vips_init");
        return error_set(err, 500, "media_unavailable", "libvips could not be initialised");
    }
    vips_cache_set_max(0);
    vips_concurrency_set(1);
    return 0;
}

void media_stop(void)
{
    vips_shutdown();
}

#define GIF_SCREEN_END 10 /* "GIF89a", then the screen width and height, 16-bit little-endian */

/* The logical screen of the GIF at path (pixels); 0 when the header cannot be read. */
static int64_t gif_screen_pixels(const char *path)
{
    unsigned char header[GIF_SCREEN_END];
    int descriptor = open(path, O_RDONLY | O_CLOEXEC);
    if (descriptor < 0)
        return 0;
    ssize_t got = pread(descriptor, header, sizeof header, 0);
    close(descriptor);
    if (got != (ssize_t)sizeof header || memcmp(header, "GIF8", 4) != 0)
        return 0;
    int64_t width = header[6] | header[7] << 8;
    int64_t height = header[8] | header[9] << 8;
    return width * height;
}

/* Frames and the pixels of the largest frame-sized area (page, image, GIF screen). */
static void measure_frames(const char *path, const media_format_entry *entry, VipsImage *image,
                           media_info *info)
{
    int64_t width = vips_image_get_width(image);
    int64_t page_height = vips_image_get_page_height(image);
    int64_t height = vips_image_get_height(image);
    int64_t pixels = width * (page_height > height ? page_height : height);
    if (entry->format == MEDIA_FORMAT_GIF) {
        int64_t screen = gif_screen_pixels(path);
        if (screen > pixels)
            pixels = screen;
    }
    int frames = vips_image_get_n_pages(image);
    info->frames = frames > 0 ? frames : 1;
    info->frame_pixels = pixels;
}

int media_probe_file(const char *path, media_info *info, nh_error *err)
{
    info->format = MEDIA_FORMAT_NONE;
    info->width = 0;
    info->height = 0;
    info->frames = 0;
    info->frame_pixels = 0;
    VipsSource *source = vips_source_new_from_file(path);
    if (!source) {
        log_vips_error("open");
        return error_internal(err);
    }
    const char *type_name = vips_foreign_find_load_source(source);
    const char *nickname = type_name ? vips_nickname_find(g_type_from_name(type_name)) : NULL;
    const media_format_entry *entry = entry_of_loader(nickname);
    if (!entry) {
        log_vips_error("find loader");
        g_object_unref(source);
        return 1;
    }
    VipsImage *image = NULL;
    /* Header only: libvips loaders are lazy, pixels are decoded on first access. */
    if (entry->load(source, &image, "access", VIPS_ACCESS_SEQUENTIAL, NULL) != 0) {
        log_vips_error("read header");
        g_object_unref(source);
        return 1;
    }
    info->format = entry->format;
    info->width = vips_image_get_width(image);
    info->height = vips_image_get_height(image);
    measure_frames(path, entry, image, info);
    g_object_unref(image);
    g_object_unref(source);
    return 0;
}

const char *media_format_content_type(media_format format)
{
    const media_format_entry *entry = entry_of(format);
    return entry ? entry->content_type : NULL;
}

const char *media_format_extension(media_format format)
{
    const media_format_entry *entry = entry_of(format);
    return entry ? entry->extension : NULL;
}

media_format media_format_of_content_type(const char *content_type)
{
    if (!content_type)
        return MEDIA_FORMAT_NONE;
    if (!strcasecmp(content_type, "image/jpg") || !strcasecmp(content_type, "image/pjpeg"))
        return MEDIA_FORMAT_JPEG;
    for (size_t i = 0; i < FORMAT_COUNT; i++)
        if (!strcasecmp(format_table[i].content_type, content_type))
            return format_table[i].format;
    return MEDIA_FORMAT_NONE;
}
