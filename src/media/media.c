/* media.c - the allow-listed image formats: content types and extensions (no libvips). */
#include "media/media.h"

#include <stddef.h>
#include <strings.h>

typedef struct media_format_entry {
    media_format format;
    const char *content_type;
    const char *extension;
} media_format_entry;

static const media_format_entry format_table[] = {
    {MEDIA_FORMAT_JPEG, "image/jpeg", ".jpg"},
    {MEDIA_FORMAT_PNG, "image/png", ".png"},
    {MEDIA_FORMAT_GIF, "image/gif", ".gif"},
    {MEDIA_FORMAT_WEBP, "image/webp", ".webp"},
};

#define FORMAT_COUNT (sizeof format_table / sizeof format_table[0])

static const media_format_entry *entry_of(media_format format)
{
    for (size_t i = 0; i < FORMAT_COUNT; i++)
        if (format_table[i].format == format)
            return &format_table[i];
    return NULL;
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
