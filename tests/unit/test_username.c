/* test_username.c - the username rule: a table of names accepted (with the stored form and the
 * key they are unique by) and of names refused (with the code and why). */
#include "cmocka_prelude.h"

#include <stdio.h>
#include <string.h>

#include "auth/username.h"

typedef struct accepted_case {
    const char *input;
    username_case mode;
    const char *name; /* stored form */
    const char *key;  /* NULL: not asserted */
} accepted_case;

static const accepted_case accepted[] = {
    {"alice", USERNAME_LOWER_CASE, "alice", "ALICE"},
    {"  MiXed.Case  ", USERNAME_LOWER_CASE, "mixed.case", "MIXED.CASE"},
    {"user_1-2.x@example", USERNAME_LOWER_CASE, "user_1-2.x@example", "USER_1-2.X@EXAMPLE"},
    {"Root", USERNAME_KEEP_CASE, "Root", "ROOT"},
    /* Fullwidth letters are the plain letters (NFKC), then lower-cased. */
    {"\xef\xbc\xa1\xef\xbc\xa4\xef\xbc\xad\xef\xbc\xa9\xef\xbc\xae", USERNAME_LOWER_CASE, "admin",
     "ADMIN"},
    /* Full case folding: Straße and STRASSE are one name (same key); ß is kept for display. */
    {"Stra\xc3\x9f"
     "e",
     USERNAME_LOWER_CASE,
     "stra\xc3\x9f"
     "e",
     "STRASSE"},
    {"STRASSE", USERNAME_LOWER_CASE, "strasse", "STRASSE"},
    /* A decomposed é is stored composed. */
    {"jose\xcc\x81", USERNAME_LOWER_CASE, "jos\xc3\xa9", "JOS\xc3\x89"},
    {"JOS\xc3\x89", USERNAME_LOWER_CASE, "jos\xc3\xa9", "JOS\xc3\x89"},
    /* The titlecase digraph ǅ is a compatibility character: NFKC spells it d + ž. */
    {"\xc7\x85", USERNAME_LOWER_CASE, "d\xc5\xbe", "D\xc5\xbd"},
    /* One script alone is fine, whichever it is. */
    {"\xe5\xb1\xb1\xe7\x94\xb0\xe5\xa4\xaa\xe9\x83\x8e", USERNAME_LOWER_CASE,
     "\xe5\xb1\xb1\xe7\x94\xb0\xe5\xa4\xaa\xe9\x83\x8e",
     "\xe5\xb1\xb1\xe7\x94\xb0\xe5\xa4\xaa"
     "\xe9\x83\x8e"}, /* 山田太郎 */
    {"\xe3\x81\x9f\xe3\x81\xaa\xe3\x81\x8b", USERNAME_LOWER_CASE,
     "\xe3\x81\x9f\xe3\x81\xaa\xe3\x81\x8b", NULL}, /* たなか */
    {"\xea\xb9\x80\xeb\xaf\xbc\xec\x88\x98", USERNAME_LOWER_CASE,
     "\xea\xb9\x80\xeb\xaf\xbc\xec\x88\x98", NULL}, /* 김민수 */
    {"\xd0\x98\xd0\xb2\xd0\xb0\xd0\xbd", USERNAME_LOWER_CASE, "\xd0\xb8\xd0\xb2\xd0\xb0\xd0\xbd",
     "\xd0\x98\xd0\x92\xd0\x90\xd0\x9d"}, /* Иван */
    {"\xce\x95\xce\xbb\xce\xad\xce\xbd\xce\xb7", USERNAME_LOWER_CASE,
     "\xce\xb5\xce\xbb\xce\xad\xce\xbd\xce\xb7", NULL}, /* Ελένη */
    /* Latin with Han (or Kana) is not a confusable mix. */
    {"tanaka\xe5\xb1\xb1\xe7\x94\xb0", USERNAME_LOWER_CASE, "tanaka\xe5\xb1\xb1\xe7\x94\xb0", NULL},
    /* Halfwidth katakana become the usual ones. */
    {"\xef\xbd\xb6\xef\xbe\x80", USERNAME_LOWER_CASE, "\xe3\x82\xab\xe3\x82\xbf", NULL}, /* ｶﾀ */
};

typedef struct refused_case {
    const char *input;
    const char *code;
    const char *mention; /* part of the message */
} refused_case;

static const refused_case refused[] = {
    {NULL, "user_username_required", "required"},
    {"", "user_username_required", "required"},
    {" \t\xe3\x80\x80 ", "user_username_required", "required"},
    {"ad\tmin", "user_username_invalid", "control characters (U+0009"},
    {"ad\x7fmin", "user_username_invalid", "control characters (U+007F"},
    {"abc\xe2\x80\xae"
     "def",
     "user_username_invalid", "formatting characters"}, /* U+202E */
    {"\xe2\x80\xad"
     "admin",
     "user_username_invalid", "U+202D"},                          /* LRO */
    {"zero\xe2\x80\x8bwidth", "user_username_invalid", "U+200B"}, /* ZWSP */
    {"a\xe2\x80\x8d"
     "b",
     "user_username_invalid", "U+200D"}, /* ZWJ */
    {"a\xc2\xad"
     "b",
     "user_username_invalid", "U+00AD"}, /* soft hyphen */
    {"two words", "user_username_invalid", "spaces (U+0020"},
    {"two\xc2\xa0words", "user_username_invalid", "spaces (U+00A0"},
    {"wide\xe3\x80\x80space", "user_username_invalid", "spaces (U+3000"},
    {"line\xe2\x80\xa8sep", "user_username_invalid", "U+2028"},
    {"\xe3\x85\xa4", "user_username_invalid", "invisible characters (U+3164"}, /* filler */
    {"a\xef\xb8\x8f", "user_username_invalid", "U+FE0F"},                      /* VS16 */
    {"priv\xee\x80\x80", "user_username_invalid", "private-use"},              /* U+E000 */
    {"x\xef\xb7\x90", "user_username_invalid", "U+FDD0"},                      /* nonchar */
    {"x\xf0\xaf\xbf\xbf", "user_username_invalid", "U+2FFFF"},                 /* unassigned */
    {"\xff"
     "abc",
     "user_username_invalid", "UTF-8"},
    /* admіn with a Cyrillic і (U+0456). */
    {"adm\xd1\x96n", "user_username_invalid", "Latin, Cyrillic"},
    {"\xd0\xb0"
     "dmin",
     "user_username_invalid", "Cyrillic, Latin"},              /* Cyrillic а first */
    {"\xce\xb1lpha", "user_username_invalid", "Greek, Latin"}, /* Greek α */
    {"\xce\xb1\xd0\xb1", "user_username_invalid", "Greek, Cyrillic"},
    /* Fullwidth Latin with Cyrillic is still Latin with Cyrillic after NFKC. */
    {"\xef\xbd\x81\xd0\xb1", "user_username_invalid", "Latin, Cyrillic"},
    {"1\xd9\xa2", "user_username_invalid", "number systems"}, /* 1 and ARABIC-INDIC TWO */
    /* A dot above on a dotted letter does not show: "admi\u0307n" looks like "admin", and
     * lower-casing turns the capital I with a dot (U+0130) into just that. */
    {"adm\xc4\xb0n", "user_username_invalid", "U+0307"},
    {"admi\xcc\x87n", "user_username_invalid", "U+0307"},
    {"j\xcc\x87"
     "ane",
     "user_username_invalid", "U+0307"},
    /* The mark's own script (Script_Extensions) is named: U+0345 is Greek. */
    {"admin\xcd\x85", "user_username_invalid", "Latin, Greek"},
    /* NFKC turns U+FDFA into words with spaces: refused after normalising. */
    {"\xef\xb7\xba", "user_username_invalid", "spaces"},
};

static void test_accepted(void **state)
{
    for (size_t i = 0; i < sizeof accepted / sizeof accepted[0]; i++) {
        const accepted_case *item = &accepted[i];
        username_form form;
        nh_error err = {0};
        int rc = username_prepare(item->input, item->mode, &form, &err);
        if (rc != 0)
            fail_msg("accepted[%zu] \"%s\" refused: %s %s", i, item->input, err.code, err.message);
        assert_string_equal(form.name, item->name);
        if (item->key)
            assert_string_equal(form.key, item->key);
    }
}

static void test_refused(void **state)
{
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        const refused_case *item = &refused[i];
        username_form form;
        nh_error err = {0};
        if (username_prepare(item->input, USERNAME_LOWER_CASE, &form, &err) == 0)
            fail_msg("refused[%zu] was accepted as \"%s\"", i, form.name);
        assert_int_equal(err.status, 400);
        if (strcmp(err.code, item->code) != 0 || !strstr(err.message, item->mention))
            fail_msg("refused[%zu]: %s \"%s\" should be %s mentioning \"%s\"", i, err.code,
                     err.message, item->code, item->mention);
        assert_string_equal(form.name, "");
    }
}

static void test_same_key(void **state)
{
    const char *pairs[][2] = {
        {"Stra\xc3\x9f"
         "e",
         "strasse"},
        {"ALICE", "alice"},
        {"\xef\xbc\xa1lice", "alice"}, /* fullwidth A */
        {"\xce\xa3\xce\xbf\xcf\x86\xce\xaf\xce\xb1", "\xcf\x83\xce\xbf\xcf\x86\xce\xaf\xce\xb1"},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        username_form a, b;
        nh_error err;
        assert_int_equal(username_prepare(pairs[i][0], USERNAME_LOWER_CASE, &a, &err), 0);
        assert_int_equal(username_prepare(pairs[i][1], USERNAME_KEEP_CASE, &b, &err), 0);
        assert_string_equal(a.key, b.key);
    }
}

static void test_length(void **state)
{
    char name[4 * 130 + 1] = "";
    for (int i = 0; i < 128; i++)
        strcat(name, "\xc3\xa9"); /* é */
    username_form form;
    nh_error err;
    assert_int_equal(username_prepare(name, USERNAME_LOWER_CASE, &form, &err), 0);
    strcat(name, "e");
    assert_int_equal(username_prepare(name, USERNAME_LOWER_CASE, &form, &err), -1);
    assert_string_equal(err.code, "user_username_too_long");
    /* 128 decomposed é (256 code points) are 128 characters once composed. */
    name[0] = '\0';
    for (int i = 0; i < 128; i++)
        strcat(name, "e\xcc\x81");
    assert_int_equal(username_prepare(name, USERNAME_LOWER_CASE, &form, &err), 0);
    char huge[USERNAME_MAX_BYTES * 5];
    memset(huge, 'a', sizeof huge - 1);
    huge[sizeof huge - 1] = '\0';
    assert_int_equal(username_prepare(huge, USERNAME_LOWER_CASE, &form, &err), -1);
    assert_string_equal(err.code, "user_username_too_long");
}

static void test_legacy_key(void **state)
{
    char key[16];
    assert_int_equal(username_legacy_key("  Root ", key, sizeof key), 0);
    assert_string_equal(key, "ROOT");
    /* Only ASCII letters were folded by the earlier rule. */
    assert_int_equal(username_legacy_key("jos\xc3\xa9", key, sizeof key), 0);
    assert_string_equal(key, "JOS\xc3\xa9");
    assert_int_equal(username_legacy_key("adm\xd1\x96n\t", key, sizeof key), 0);
    assert_string_equal(key, "ADM\xd1\x96N");
    assert_int_equal(username_legacy_key("0123456789abcdef", key, sizeof key), -1);
    assert_string_equal(key, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepted),   cmocka_unit_test(test_refused),
        cmocka_unit_test(test_same_key),   cmocka_unit_test(test_length),
        cmocka_unit_test(test_legacy_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
