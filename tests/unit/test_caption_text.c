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
    check("A cat sits on a mat", 10, "A cat");
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(short_text_is_trimmed_only),
        cmocka_unit_test(long_text_is_cut_at_a_word),
        cmocka_unit_test(characters_are_counted_not_bytes),
        cmocka_unit_test(long_caption_fits_the_column),
        cmocka_unit_test(malformed_bytes_become_question_marks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
