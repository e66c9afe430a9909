/* skill_catalog.h - which skills exist, what they are called and which steps they run (spec
 * processing.md §5): the listed catalog (basic_image_enrich, exif-strip, format-convert,
 * watermark), the runnable canonical skills (also thumbnail and ai-caption), their aliases,
 * and the resolver. Pure, static data; thread-safe. */
#ifndef NH_PROCESSING_SKILL_CATALOG_H
#define NH_PROCESSING_SKILL_CATALOG_H

#include <stdbool.h>
#include <stddef.h>

#define SKILL_MAX_STEPS 4

/* Step names (spec §5.3). */
#define STEP_GENERATE_THUMBNAIL "generate_thumbnail"
#define STEP_GENERATE_BASIC_CAPTION "generate_basic_caption"
#define STEP_STRIP_EXIF_METADATA "strip_exif_metadata"
#define STEP_CONVERT_IMAGE_FORMAT "convert_image_format"
#define STEP_DRAW_WATERMARK "draw_watermark"

typedef struct skill_definition {
    const char *name;        /* canonical: "basic_image_enrich", "thumbnail", "ai-caption", ... */
    int order;               /* 100, 200, ... (listing order, then name) */
    const char *description; /* English, one sentence */
    bool listed;             /* in GET /assets/skills (thumbnail and ai-caption are not) */
    bool images_only;        /* resolves only for image/ content types */
    bool rewrites_original;  /* exif-strip, format-convert, watermark */
    bool takes_parameters;   /* format-convert, watermark */
    size_t step_count;
    const char *steps[SKILL_MAX_STEPS];
} skill_definition;

/* The listed catalog in listing order; *count gets its length. */
const skill_definition *const *skill_catalog_listed(size_t *count);
/* Every runnable definition (listed or not) in order; *count gets its length. */
const skill_definition *const *skill_catalog_all(size_t *count);

/* Resolve a requested id for an asset of content_type (spec §5.2): trimmed, lower-cased,
 * aliases mapped; the five image skills resolve only for image/ content types (any case).
 * NULL when it does not resolve. */
const skill_definition *skill_catalog_resolve(const char *id, const char *content_type);
/* The same without a content type check (is this a known name or alias at all?). */
const skill_definition *skill_catalog_find(const char *id);

#endif
