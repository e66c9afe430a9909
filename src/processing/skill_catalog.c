/* skill_catalog.c - the skill definitions, their aliases and the resolver (see skill_catalog.h;
 * spec processing.md §5.1, §5.2). */
#include "processing/skill_catalog.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "core/text.h"

/* A requested id longer than this cannot name anything (the longest alias has 22 bytes). */
#define SKILL_ID_MAX 64

static const skill_definition basic_image_enrich = {
    .name = "basic_image_enrich",
    .order = 100,
    .description = "Generates the thumbnail derivatives and a basic caption for an image.",
    .listed = true,
    .step_count = 2,
    .steps = {STEP_GENERATE_THUMBNAIL, STEP_GENERATE_BASIC_CAPTION},
};

static const skill_definition thumbnail = {
    .name = "thumbnail",
    .order = 100,
    .description = "Generates the thumbnail derivatives of an image.",
    .images_only = true,
    .step_count = 1,
    .steps = {STEP_GENERATE_THUMBNAIL},
};

static const skill_definition ai_caption = {
    .name = "ai-caption",
    .order = 200,
    .description = "Generates a caption for an image with the active AI provider.",
    .images_only = true,
    .step_count = 1,
    .steps = {STEP_GENERATE_BASIC_CAPTION},
};

static const skill_definition exif_strip = {
    .name = "exif-strip",
    .order = 300,
    .description = "Applies the EXIF orientation and removes the EXIF metadata from the original.",
    .listed = true,
    .images_only = true,
    .rewrites_original = true,
    .step_count = 1,
    .steps = {STEP_STRIP_EXIF_METADATA},
};

static const skill_definition format_convert = {
    .name = "format-convert",
    .order = 400,
    .description = "Converts the original to another image format.",
    .listed = true,
    .images_only = true,
    .rewrites_original = true,
    .takes_parameters = true,
    .step_count = 1,
    .steps = {STEP_CONVERT_IMAGE_FORMAT},
};

static const skill_definition watermark = {
    .name = "watermark",
    .order = 500,
    .description = "Draws a text watermark onto the original.",
    .listed = true,
    .images_only = true,
    .rewrites_original = true,
    .takes_parameters = true,
    .step_count = 1,
    .steps = {STEP_DRAW_WATERMARK},
};

/* Sorted by order, then name (ordinal). */
static const skill_definition *const listed[] = {&basic_image_enrich, &exif_strip, &format_convert,
                                                 &watermark};
static const skill_definition *const all[] = {&basic_image_enrich, &thumbnail,      &ai_caption,
                                              &exif_strip,         &format_convert, &watermark};

/* The accepted names of the five image skills (spec §5.2), canonical names included. */
typedef struct skill_alias {
    const char *name;
    const skill_definition *skill;
} skill_alias;

static const skill_alias aliases[] = {
    {"thumbnail", &thumbnail},
    {"generate_thumbnail", &thumbnail},
    {"ai-caption", &ai_caption},
    {"ai_caption", &ai_caption},
    {"basic_caption", &ai_caption},
    {"generate_basic_caption", &ai_caption},
    {"exif-strip", &exif_strip},
    {"strip_exif_metadata", &exif_strip},
    {"strip-exif-metadata", &exif_strip},
    {"exif_strip", &exif_strip},
    {"format-convert", &format_convert},
    {"convert_image_format", &format_convert},
    {"convert-image-format", &format_convert},
    {"format_convert", &format_convert},
    {"watermark", &watermark},
    {"draw_watermark", &watermark},
    {"draw-watermark", &watermark},
};

const skill_definition *const *skill_catalog_listed(size_t *count)
{
    *count = sizeof listed / sizeof listed[0];
    return listed;
}

const skill_definition *const *skill_catalog_all(size_t *count)
{
    *count = sizeof all / sizeof all[0];
    return all;
}

/* The id trimmed and lower-cased into out; false when it is blank or too long to name a
 * skill. */
static bool normalize(const char *id, char out[SKILL_ID_MAX + 1])
{
    if (!id)
        return false;
    size_t start = 0, end = 0;
    text_trim_bounds(id, strlen(id), &start, &end);
    if (end <= start || end - start > SKILL_ID_MAX)
        return false;
    for (size_t i = start; i < end; i++)
        out[i - start] = (char)tolower((unsigned char)id[i]);
    out[end - start] = '\0';
    return true;
}

static bool is_image(const char *content_type)
{
    return content_type && !strncasecmp(content_type, "image/", 6);
}

/* checked: apply the image-only rule with content_type. */
static const skill_definition *resolve(const char *id, bool checked, const char *content_type)
{
    char name[SKILL_ID_MAX + 1];
    if (!normalize(id, name))
        return NULL;
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (!strcmp(aliases[i].name, name))
            return !checked || is_image(content_type) ? aliases[i].skill : NULL;
    for (size_t i = 0; i < sizeof listed / sizeof listed[0]; i++)
        if (!strcmp(listed[i]->name, name))
            return listed[i];
    return NULL;
}

const skill_definition *skill_catalog_resolve(const char *id, const char *content_type)
{
    return resolve(id, true, content_type);
}

const skill_definition *skill_catalog_find(const char *id)
{
    return resolve(id, false, NULL);
}
