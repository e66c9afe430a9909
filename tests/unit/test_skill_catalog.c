/* test_skill_catalog.c - the skill catalog and resolver (spec processing.md §5): the listed
 * catalog in order, canonical names and aliases (trimmed, any case), the image-only rule of the
 * five image skills, basic_image_enrich for any content type, unknown names. */
#include "cmocka_prelude.h"

#include <string.h>

#include "processing/skill_catalog.h"

static void listed_catalog_is_in_order(void **state)
{
    (void)state;
    size_t count = 0;
    const skill_definition *const *skills = skill_catalog_listed(&count);
    assert_int_equal(count, 4);
    const char *names[] = {"basic_image_enrich", "exif-strip", "format-convert", "watermark"};
    const int orders[] = {100, 300, 400, 500};
    for (size_t i = 0; i < count; i++) {
        assert_string_equal(skills[i]->name, names[i]);
        assert_int_equal(skills[i]->order, orders[i]);
        assert_true(skills[i]->listed);
        assert_non_null(skills[i]->description);
    }
    assert_int_equal(skills[0]->step_count, 2);
    assert_string_equal(skills[0]->steps[0], STEP_GENERATE_THUMBNAIL);
    assert_string_equal(skills[0]->steps[1], STEP_GENERATE_BASIC_CAPTION);
    assert_string_equal(skills[1]->steps[0], STEP_STRIP_EXIF_METADATA);
    assert_string_equal(skills[2]->steps[0], STEP_CONVERT_IMAGE_FORMAT);
    assert_string_equal(skills[3]->steps[0], STEP_DRAW_WATERMARK);
}

static void all_definitions_include_the_unlisted(void **state)
{
    (void)state;
    size_t count = 0;
    const skill_definition *const *skills = skill_catalog_all(&count);
    assert_int_equal(count, 6);
    const char *names[] = {"basic_image_enrich", "thumbnail",      "ai-caption",
                           "exif-strip",         "format-convert", "watermark"};
    for (size_t i = 0; i < count; i++) {
        assert_string_equal(skills[i]->name, names[i]);
        if (i > 0)
            assert_true(skills[i - 1]->order < skills[i]->order ||
                        (skills[i - 1]->order == skills[i]->order &&
                         strcmp(skills[i - 1]->name, skills[i]->name) < 0));
    }
    assert_false(skills[1]->listed);
    assert_false(skills[2]->listed);
    assert_true(skills[3]->rewrites_original && skills[4]->rewrites_original &&
                skills[5]->rewrites_original);
    assert_false(skills[0]->rewrites_original || skills[1]->rewrites_original);
    assert_true(skills[4]->takes_parameters && skills[5]->takes_parameters);
}

typedef struct alias_case {
    const char *id;
    const char *canonical;
} alias_case;

static void aliases_resolve_to_canonical_names(void **state)
{
    (void)state;
    const alias_case cases[] = {
        {"thumbnail", "thumbnail"},
        {"generate_thumbnail", "thumbnail"},
        {"ai-caption", "ai-caption"},
        {"ai_caption", "ai-caption"},
        {"basic_caption", "ai-caption"},
        {"generate_basic_caption", "ai-caption"},
        {"exif-strip", "exif-strip"},
        {"strip_exif_metadata", "exif-strip"},
        {"strip-exif-metadata", "exif-strip"},
        {"exif_strip", "exif-strip"},
        {"format-convert", "format-convert"},
        {"convert_image_format", "format-convert"},
        {"convert-image-format", "format-convert"},
        {"format_convert", "format-convert"},
        {"watermark", "watermark"},
        {"draw_watermark", "watermark"},
        {"draw-watermark", "watermark"},
        {"basic_image_enrich", "basic_image_enrich"},
        {"  Format_Convert \t", "format-convert"},
        {"GENERATE_THUMBNAIL", "thumbnail"},
        {"Basic_Image_Enrich", "basic_image_enrich"},
        {"\u3000watermark\u00a0", "watermark"}, /* Unicode white space is trimmed too */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const skill_definition *skill = skill_catalog_resolve(cases[i].id, "image/png");
        assert_non_null(skill);
        assert_string_equal(skill->name, cases[i].canonical);
        skill = skill_catalog_find(cases[i].id);
        assert_non_null(skill);
        assert_string_equal(skill->name, cases[i].canonical);
    }
}

static void image_skills_need_an_image(void **state)
{
    (void)state;
    const char *image_only[] = {"thumbnail", "ai_caption", "exif-strip", "format-convert",
                                "draw-watermark"};
    for (size_t i = 0; i < sizeof image_only / sizeof image_only[0]; i++) {
        assert_null(skill_catalog_resolve(image_only[i], "application/pdf"));
        assert_null(skill_catalog_resolve(image_only[i], NULL));
        assert_null(skill_catalog_resolve(image_only[i], "imagex/png"));
        assert_non_null(skill_catalog_resolve(image_only[i], "IMAGE/JPEG"));
        assert_non_null(skill_catalog_find(image_only[i]));
    }
    /* basic_image_enrich is matched against the catalog with no content type check */
    assert_non_null(skill_catalog_resolve("basic_image_enrich", "application/pdf"));
    assert_non_null(skill_catalog_resolve("basic_image_enrich", NULL));
}

static void unknown_names_do_not_resolve(void **state)
{
    (void)state;
    const char *unknown[] = {"",
                             "   ",
                             "caption",
                             "enrich",
                             "thumb",
                             "format convert",
                             "watermark2",
                             "basic-image-enrich",
                             NULL,
                             "a-very-long-name-that-names-no-skill-at-all-and-goes-on-"
                             "and-on-beyond-sixty-four-bytes"};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        assert_null(skill_catalog_resolve(unknown[i], "image/png"));
        assert_null(skill_catalog_find(unknown[i]));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(listed_catalog_is_in_order),
        cmocka_unit_test(all_definitions_include_the_unlisted),
        cmocka_unit_test(aliases_resolve_to_canonical_names),
        cmocka_unit_test(image_skills_need_an_image),
        cmocka_unit_test(unknown_names_do_not_resolve),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
