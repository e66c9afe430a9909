/* test_skill_params.c - the parameter checks of format-convert and watermark (spec
 * processing.md §7.4, §7.5 with issue 11's codes): defaults, any-case names, string forms,
 * each error code, the refused targets, skills without parameters, and the descriptors. */
#include "cmocka_prelude.h"

#include <jansson.h>
#include <string.h>

#include "processing/skill_params.h"

static json_t *parse(const char *text)
{
    json_error_t error;
    json_t *value = json_loads(text, JSON_DECODE_ANY, &error);
    assert_non_null(value);
    return value;
}

/* The code skill_params_check reports for the skill and parameters (JSON text or NULL), or ""
 * when they pass. */
static const char *check(const char *skill, const char *parameters, char code[96])
{
    json_t *value = parameters ? parse(parameters) : NULL;
    nh_error err;
    memset(&err, 0, sizeof err);
    int rc = skill_params_check(skill, value, &err);
    json_decref(value);
    if (rc == 0) {
        code[0] = '\0';
    } else {
        assert_int_equal(err.status, 400);
        assert_true(strlen(err.message) > 0);
        strcpy(code, err.code);
    }
    return code;
}

static void format_convert_targets(void **state)
{
    (void)state;
    const char *texts[] = {"webp", "WebP", " jpg ", "JPEG", "png", "gif"};
    const media_format formats[] = {MEDIA_FORMAT_WEBP, MEDIA_FORMAT_WEBP, MEDIA_FORMAT_JPEG,
                                    MEDIA_FORMAT_JPEG, MEDIA_FORMAT_PNG,  MEDIA_FORMAT_GIF};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        json_t *parameters = json_pack("{s:s}", "TargetFormat", texts[i]);
        format_convert_params out;
        nh_error err;
        assert_int_equal(skill_params_format_convert(parameters, &out, &err), 0);
        assert_int_equal(out.target, formats[i]);
        assert_false(out.keep_original);
        json_decref(parameters);
    }
}

static void format_convert_codes(void **state)
{
    (void)state;
    char code[96];
    const char *skill = "format-convert";
    assert_string_equal(check(skill, NULL, code), "format_convert_target_format_required");
    assert_string_equal(check(skill, "{}", code), "format_convert_target_format_required");
    assert_string_equal(check(skill, "{\"targetFormat\":\"  \"}", code),
                        "format_convert_target_format_required");
    assert_string_equal(check(skill, "{\"targetFormat\":5}", code),
                        "format_convert_target_format_required");
    assert_string_equal(check(skill, "{\"targetFormat\":null}", code),
                        "format_convert_target_format_required");
    const char *refused[] = {"bmp", "tga", "tif", "TIFF", "avif", "heic", "png2"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        char json[64];
        snprintf(json, sizeof json, "{\"targetformat\":\"%s\"}", refused[i]);
        assert_string_equal(check(skill, json, code), "format_convert_target_format_invalid");
    }
    assert_string_equal(check(skill, "{\"TARGETFORMAT\":\"png\"}", code), "");
    assert_string_equal(check(skill, "{\"targetFormat\":\"png\",\"keepOriginal\":\"yes\"}", code),
                        "format_convert_keep_original_invalid");
    assert_string_equal(check(skill, "{\"targetFormat\":\"png\",\"keepOriginal\":1}", code),
                        "format_convert_keep_original_invalid");
    /* the target is checked first */
    assert_string_equal(check(skill, "{\"keepOriginal\":\"yes\"}", code),
                        "format_convert_target_format_required");
    assert_string_equal(check(skill, "{\"targetFormat\":\"png\",\"unknown\":[1]}", code), "");
}

static void format_convert_keep_original(void **state)
{
    (void)state;
    const char *forms[] = {"true", "\"TRUE\"", "\" true \"", "false", "\"False\"", "null"};
    const bool values[] = {true, true, true, false, false, false};
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        char json[96];
        snprintf(json, sizeof json, "{\"targetFormat\":\"gif\",\"KeepOriginal\":%s}", forms[i]);
        json_t *parameters = parse(json);
        format_convert_params out;
        nh_error err;
        assert_int_equal(skill_params_format_convert(parameters, &out, &err), 0);
        assert_int_equal(out.keep_original, values[i]);
        json_decref(parameters);
    }
}

static void watermark_defaults_and_forms(void **state)
{
    (void)state;
    media_watermark mark;
    nh_error err;
    assert_int_equal(skill_params_watermark(NULL, &mark, &err), 0);
    assert_string_equal(mark.text, "NekoHub");
    assert_true(mark.opacity == 0.5);
    assert_int_equal(mark.font_size, 36);
    assert_int_equal(mark.position, MEDIA_POSITION_BOTTOM_RIGHT);
    skill_params_watermark_clear(&mark);
    assert_null(mark.text);

    json_t *parameters = parse("{\"TEXT\":\"Hello\",\"opacity\":\" 0.25 \",\"fontsize\":\"48\","
                               "\"Position\":\"topleft\"}");
    assert_int_equal(skill_params_watermark(parameters, &mark, &err), 0);
    assert_string_equal(mark.text, "Hello");
    assert_true(mark.opacity == 0.25);
    assert_int_equal(mark.font_size, 48);
    assert_int_equal(mark.position, MEDIA_POSITION_TOP_LEFT);
    skill_params_watermark_clear(&mark);
    json_decref(parameters);

    /* blank or non-string text and a non-string position fall back to the defaults */
    parameters = parse("{\"text\":\"  \",\"opacity\":1,\"fontSize\":1000,\"position\":7}");
    assert_int_equal(skill_params_watermark(parameters, &mark, &err), 0);
    assert_string_equal(mark.text, "NekoHub");
    assert_true(mark.opacity == 1.0);
    assert_int_equal(mark.font_size, 1000);
    assert_int_equal(mark.position, MEDIA_POSITION_BOTTOM_RIGHT);
    skill_params_watermark_clear(&mark);
    json_decref(parameters);

    const char *positions[] = {"BottomRight", "BottomLeft", "Center", "TopRight", "TopLeft"};
    for (size_t i = 0; i < 5; i++) {
        json_t *p = json_pack("{s:s}", "position", positions[i]);
        assert_int_equal(skill_params_watermark(p, &mark, &err), 0);
        assert_int_equal(mark.position, (media_position)i);
        skill_params_watermark_clear(&mark);
        json_decref(p);
    }
}

static void watermark_codes(void **state)
{
    (void)state;
    char code[96];
    const char *skill = "watermark";
    assert_string_equal(check(skill, NULL, code), "");
    assert_string_equal(check(skill, "{\"opacity\":\"half\"}", code), "watermark_opacity_invalid");
    assert_string_equal(check(skill, "{\"opacity\":true}", code), "watermark_opacity_invalid");
    assert_string_equal(check(skill, "{\"opacity\":\"0.5x\"}", code), "watermark_opacity_invalid");
    assert_string_equal(check(skill, "{\"opacity\":\"nan\"}", code), "watermark_opacity_invalid");
    assert_string_equal(check(skill, "{\"opacity\":1.5}", code), "watermark_opacity_out_of_range");
    assert_string_equal(check(skill, "{\"opacity\":\"-0.1\"}", code),
                        "watermark_opacity_out_of_range");
    assert_string_equal(check(skill, "{\"fontSize\":\"big\"}", code),
                        "watermark_font_size_invalid");
    assert_string_equal(check(skill, "{\"fontSize\":12.5}", code), "watermark_font_size_invalid");
    assert_string_equal(check(skill, "{\"fontSize\":\"12.5\"}", code),
                        "watermark_font_size_invalid");
    assert_string_equal(check(skill, "{\"fontSize\":0}", code), "watermark_font_size_out_of_range");
    assert_string_equal(check(skill, "{\"fontSize\":\"1001\"}", code),
                        "watermark_font_size_out_of_range");
    assert_string_equal(check(skill, "{\"fontSize\":99999999999999}", code),
                        "watermark_font_size_out_of_range");
    assert_string_equal(check(skill, "{\"position\":\"Middle\"}", code),
                        "watermark_position_invalid");
    assert_string_equal(check(skill, "{\"position\":\"\"}", code), "watermark_position_invalid");
    char long_text[300];
    memset(long_text, 'x', 201);
    long_text[201] = '\0';
    json_t *parameters = json_pack("{s:s}", "text", long_text);
    nh_error err;
    assert_int_equal(skill_params_check(skill, parameters, &err), -1);
    assert_string_equal(err.code, "watermark_text_too_long");
    json_decref(parameters);
    long_text[200] = '\0';
    parameters = json_pack("{s:s}", "text", long_text);
    assert_int_equal(skill_params_check(skill, parameters, &err), 0);
    json_decref(parameters);
    /* order: text, opacity, font size, position */
    assert_string_equal(check(skill, "{\"position\":\"x\",\"fontSize\":0,\"opacity\":2}", code),
                        "watermark_opacity_out_of_range");
    assert_string_equal(check(skill, "{\"position\":\"x\",\"fontSize\":0}", code),
                        "watermark_font_size_out_of_range");
}

static void skills_without_parameters_accept_anything(void **state)
{
    (void)state;
    char code[96];
    const char *skills[] = {"basic_image_enrich", "thumbnail", "ai-caption", "exif-strip"};
    for (size_t i = 0; i < 4; i++) {
        assert_string_equal(check(skills[i], "{\"targetFormat\":7,\"opacity\":\"x\"}", code), "");
        assert_string_equal(check(skills[i], NULL, code), "");
    }
}

static const json_t *descriptor(const json_t *array, const char *name)
{
    size_t i;
    json_t *item;
    json_array_foreach(array, i, item)
    {
        if (!strcmp(json_string_value(json_object_get(item, "name")), name))
            return item;
    }
    fail_msg("no descriptor %s", name);
    return NULL;
}

static void descriptors_describe_forms(void **state)
{
    (void)state;
    json_t *convert = skill_params_describe("format-convert");
    assert_int_equal(json_array_size(convert), 2);
    const json_t *target = descriptor(convert, "targetFormat");
    assert_string_equal(json_string_value(json_object_get(target, "type")), "string");
    assert_true(json_is_true(json_object_get(target, "required")));
    assert_true(json_is_null(json_object_get(target, "default")));
    assert_int_equal(json_array_size(json_object_get(target, "values")), 5);
    assert_true(json_is_null(json_object_get(target, "minimum")));
    const json_t *keep = descriptor(convert, "keepOriginal");
    assert_string_equal(json_string_value(json_object_get(keep, "type")), "boolean");
    assert_true(json_is_false(json_object_get(keep, "default")));
    assert_true(json_is_null(json_object_get(keep, "values")));
    json_decref(convert);

    json_t *mark = skill_params_describe("watermark");
    assert_int_equal(json_array_size(mark), 4);
    const json_t *opacity = descriptor(mark, "opacity");
    assert_string_equal(json_string_value(json_object_get(opacity, "type")), "number");
    assert_true(json_number_value(json_object_get(opacity, "default")) == 0.5);
    assert_int_equal(json_integer_value(json_object_get(opacity, "maximum")), 1);
    const json_t *size = descriptor(mark, "fontSize");
    assert_string_equal(json_string_value(json_object_get(size, "type")), "integer");
    assert_int_equal(json_integer_value(json_object_get(size, "minimum")), 1);
    assert_int_equal(json_integer_value(json_object_get(size, "maximum")), 1000);
    const json_t *position = descriptor(mark, "position");
    assert_int_equal(json_array_size(json_object_get(position, "values")), 5);
    assert_string_equal(json_string_value(json_object_get(position, "default")), "BottomRight");
    assert_string_equal(json_string_value(json_object_get(descriptor(mark, "text"), "default")),
                        "NekoHub");
    json_decref(mark);

    json_t *none = skill_params_describe("basic_image_enrich");
    assert_int_equal(json_array_size(none), 0);
    json_decref(none);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(format_convert_targets),
        cmocka_unit_test(format_convert_codes),
        cmocka_unit_test(format_convert_keep_original),
        cmocka_unit_test(watermark_defaults_and_forms),
        cmocka_unit_test(watermark_codes),
        cmocka_unit_test(skills_without_parameters_accept_anything),
        cmocka_unit_test(descriptors_describe_forms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
