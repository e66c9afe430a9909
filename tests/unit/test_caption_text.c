/* test_caption_text.c - captions cut to size: short text trimmed and kept; long text cut at
 * its last white space within the limit; a long word cut at the limit; characters (not bytes)
 * counted; malformed bytes replaced. */
#include "cmocka_prelude.h"

#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "processing/caption_text.h"

static void check(const char *text, size_t max_chars, const char *expected)
{
    char *cut = caption_text_cut(text, max_chars);
    assert_non_null(cut);
    assert_string_equal(cut, expected);
    free(cut);
}

static void short_text_is_trimmed_only(void **state)
{
    (void)state;
    check("  A cat on a mat.\n", 100, "A cat on a mat.");
    check("exact", 5, "exact");
    check("   ", 10, "");
}

static void long_text_is_cut_at_a_word(void **state)
{
    (void)state;
    check("A cat sits on a mat", 12, "A cat sits");
    check("A cat sits on a mat", 11, "A cat sits");
    check("A cat sits on a mat", 10, "A cat sits"); /* the limit falls on a boundary */
    check("A cat sits on a mat", 9, "A cat");
    check("Supercalifragilistic word", 5, "Super");
}

static void characters_are_counted_not_bytes(void **state)
{
    (void)state;
    check("猫がいる 猫がいる", 6, "猫がいる");
    char *cut = caption_text_cut("ééééééééé", 4);
    assert_non_null(cut);
    assert_int_equal(text_utf8_length(cut), 4);
    assert_int_equal(strlen(cut), 8);
    free(cut);
}

static void long_caption_fits_the_column(void **state)
{
    (void)state;
    size_t words = 400;
    char *text = malloc(words * 5 + 1);
    assert_non_null(text);
    for (size_t i = 0; i < words; i++)
        memcpy(text + i * 5, "word ", 5);
    text[words * 5] = '\0';
    char *cut = caption_text_cut(text, 1000);
    assert_non_null(cut);
    assert_true(text_utf8_length(cut) <= 1000);
    assert_int_equal(strlen(cut), 999); /* 200 words and 199 spaces: cut at a word boundary */
    assert_int_equal(cut[strlen(cut) - 1], 'd');
    free(cut);
    free(text);
}

static void malformed_bytes_become_question_marks(void **state)
{
    (void)state;
    check("bad \xff byte", 100, "bad ? byte");
}

/* The tags of a raw model answer, as compact JSON text. */
static void check_tags(const char *raw_json, const char *expected_json)
{
    json_t *raw = raw_json ? json_loads(raw_json, 0, NULL) : NULL;
    json_t *tags = caption_text_tags(raw);
    assert_non_null(tags);
    char *text = json_dumps(tags, JSON_COMPACT);
    assert_string_equal(text, expected_json);
    free(text);
    json_decref(tags);
    json_decref(raw);
}

static void tags_are_trimmed_collapsed_and_deduplicated(void **state)
{
    (void)state;
    check_tags("[\"  orange   cat \", \"Cat\", \"cat\", \"\", \"  \", 7, null, \"CAT\"]",
               "[\"orange cat\",\"Cat\"]");
}

static void tags_of_a_non_array_are_empty(void **state)
{
    (void)state;
    check_tags(NULL, "[]");
    check_tags("\"cat, dog\"", "[]");
    check_tags("{\"a\":1}", "[]");
}

static void tags_are_bounded_in_number_and_length(void **state)
{
    (void)state;
    json_t *raw = json_array();
    char tag[16];
    for (int i = 0; i < 30; i++) {
        snprintf(tag, sizeof tag, "tag%d", i);
        json_array_append_new(raw, json_string(tag));
    }
    json_array_append_new(raw, json_string("this is a very long tag that goes on and on past the limit"));
    json_t *tags = caption_text_tags(raw);
    assert_int_equal(json_array_size(tags), CAPTION_TEXT_TAGS_MAX);
    assert_string_equal(json_string_value(json_array_get(tags, 19)), "tag19");
    json_decref(tags);
    json_decref(raw);
    raw = json_array();
    json_array_append_new(raw, json_string("this is a very long tag that goes on and on past the limit"));
    tags = caption_text_tags(raw);
    const char *only = json_string_value(json_array_get(tags, 0));
    assert_true(text_utf8_length(only) <= CAPTION_TEXT_TAG_MAX_CHARS);
    assert_string_equal(only, "this is a very long tag that goes on and on past");
    json_decref(tags);
    json_decref(raw);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(short_text_is_trimmed_only),
        cmocka_unit_test(long_text_is_cut_at_a_word),
        cmocka_unit_test(characters_are_counted_not_bytes),
        cmocka_unit_test(long_caption_fits_the_column),
        cmocka_unit_test(malformed_bytes_become_question_marks),
        cmocka_unit_test(tags_are_trimmed_collapsed_and_deduplicated),
        cmocka_unit_test(tags_of_a_non_array_are_empty),
        cmocka_unit_test(tags_are_bounded_in_number_and_length),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
