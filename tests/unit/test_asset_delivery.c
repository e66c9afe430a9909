/* test_asset_delivery.c - conditional requests, byte ranges and HTTP dates for content
 * delivery, and the text rules of assets (lengths, file names, UTF-8). */
#include "cmocka_prelude.h"

#include <stdlib.h>
#include <string.h>

#include "assets/asset_delivery.h"
#include "assets/asset_text.h"

static const delivery_object object = {"\"abc\"", 1700000000123LL, 1000};

static delivery_plan plan_for(const char *if_none_match, const char *if_modified_since,
                              const char *range, const char *if_range)
{
    delivery_request request = {.if_none_match = if_none_match,
                                .if_modified_since = if_modified_since,
                                .range = range,
                                .if_range = if_range};
    return asset_delivery_plan(&request, &object);
}

static delivery_outcome precondition_outcome(const char *if_match, const char *if_unmodified_since,
                                             const char *if_none_match)
{
    delivery_request request = {.if_match = if_match,
                                .if_unmodified_since = if_unmodified_since,
                                .if_none_match = if_none_match,
                                .range = "bytes=0-9"};
    return asset_delivery_plan(&request, &object).outcome;
}

/* If-Match (strong) and If-Unmodified-Since: 412 before anything else is looked at. */
static void preconditions_fail_with_412(void **state)
{
    (void)state;
    const char *matching[] = {"\"abc\"", "*", "\"x\", \"abc\"", " \"x\",\"abc\" "};
    for (size_t i = 0; i < sizeof matching / sizeof matching[0]; i++)
        assert_int_equal(precondition_outcome(matching[i], NULL, NULL), DELIVERY_PARTIAL);
    const char *failing[] = {"\"ab\"", "W/\"abc\"", "\"x\"", "", "abc"};
    for (size_t i = 0; i < sizeof failing / sizeof failing[0]; i++)
        assert_int_equal(precondition_outcome(failing[i], NULL, NULL),
                         DELIVERY_PRECONDITION_FAILED);
    /* the object was modified at 2023-11-14T22:13:20.123Z */
    assert_int_equal(precondition_outcome(NULL, "Tue, 14 Nov 2023 22:13:19 GMT", NULL),
                     DELIVERY_PRECONDITION_FAILED);
    assert_int_equal(precondition_outcome(NULL, "Tue, 14 Nov 2023 22:13:20 GMT", NULL),
                     DELIVERY_PARTIAL);
    assert_int_equal(precondition_outcome(NULL, "not a date", NULL), DELIVERY_PARTIAL);
    /* If-Match present: If-Unmodified-Since is not looked at; 412 wins over 304 */
    assert_int_equal(precondition_outcome("\"abc\"", "Mon, 01 Jan 2001 00:00:00 GMT", NULL),
                     DELIVERY_PARTIAL);
    assert_int_equal(precondition_outcome("\"x\"", NULL, "\"abc\""), DELIVERY_PRECONDITION_FAILED);
}

static void plain_request_gets_everything(void **state)
{
    (void)state;
    delivery_plan plan = plan_for(NULL, NULL, NULL, NULL);
    assert_int_equal(plan.outcome, DELIVERY_FULL);
    assert_int_equal(plan.offset, 0);
    assert_int_equal(plan.length, 1000);
}

static void if_none_match_forms(void **state)
{
    (void)state;
    const char *hits[] = {"\"abc\"", "W/\"abc\"", "\"x\", \"abc\"", "*", " \"x\",W/\"abc\" "};
    for (size_t i = 0; i < sizeof hits / sizeof hits[0]; i++)
        assert_int_equal(plan_for(hits[i], NULL, NULL, NULL).outcome, DELIVERY_NOT_MODIFIED);
    const char *misses[] = {"\"ab\"", "\"abcd\"", "abc", "", "\"\"", "W/\"x\""};
    for (size_t i = 0; i < sizeof misses / sizeof misses[0]; i++)
        assert_int_equal(plan_for(misses[i], NULL, NULL, NULL).outcome, DELIVERY_FULL);
    /* If-None-Match present: If-Modified-Since is not looked at */
    assert_int_equal(plan_for("\"x\"", "Fri, 01 Jan 2100 00:00:00 GMT", NULL, NULL).outcome,
                     DELIVERY_FULL);
}

static void if_modified_since(void **state)
{
    (void)state;
    char date[DELIVERY_HTTP_DATE_SIZE];
    asset_delivery_http_date(object.modified_ms, date);
    assert_string_equal(date, "Tue, 14 Nov 2023 22:13:20 GMT");
    assert_int_equal(plan_for(NULL, date, NULL, NULL).outcome, DELIVERY_NOT_MODIFIED);
    assert_int_equal(plan_for(NULL, "Tue, 14 Nov 2023 22:13:19 GMT", NULL, NULL).outcome,
                     DELIVERY_FULL);
    assert_int_equal(plan_for(NULL, "Wed, 15 Nov 2023 00:00:00 GMT", NULL, NULL).outcome,
                     DELIVERY_NOT_MODIFIED);
    assert_int_equal(plan_for(NULL, "yesterday", NULL, NULL).outcome, DELIVERY_FULL);
    assert_int_equal(plan_for(NULL, "Tuesday, 14-Nov-23 22:13:20 GMT", NULL, NULL).outcome,
                     DELIVERY_FULL);
}

static void ranges(void **state)
{
    (void)state;
    struct {
        const char *range;
        delivery_outcome outcome;
        uint64_t offset, length;
    } cases[] = {
        {"bytes=0-0", DELIVERY_PARTIAL, 0, 1},
        {"bytes=0-499", DELIVERY_PARTIAL, 0, 500},
        {"bytes=500-", DELIVERY_PARTIAL, 500, 500},
        {"bytes=-1", DELIVERY_PARTIAL, 999, 1},
        {"bytes=-5000", DELIVERY_PARTIAL, 0, 1000},
        {"bytes=990-5000", DELIVERY_PARTIAL, 990, 10},
        {"BYTES= 1-2", DELIVERY_PARTIAL, 1, 2},
        {"bytes=999-999", DELIVERY_PARTIAL, 999, 1},
        {"bytes=1000-", DELIVERY_UNSATISFIABLE, 0, 0},
        {"bytes=1000-2000", DELIVERY_UNSATISFIABLE, 0, 0},
        {"bytes=-0", DELIVERY_UNSATISFIABLE, 0, 0},
        {"bytes=5-1", DELIVERY_FULL, 0, 1000},
        {"bytes=0-1,5-6", DELIVERY_FULL, 0, 1000},
        {"bytes=-", DELIVERY_FULL, 0, 1000},
        {"bytes=a-b", DELIVERY_FULL, 0, 1000},
        {"bytes=1-2x", DELIVERY_FULL, 0, 1000},
        {"pages=1-2", DELIVERY_FULL, 0, 1000},
        /* positions too large for 64 bits are still positions past the end (RFC 9110) */
        {"bytes=99999999999999999999999-", DELIVERY_UNSATISFIABLE, 0, 0},
        {"bytes=18446744073709551616-", DELIVERY_UNSATISFIABLE, 0, 0},
        {"bytes=0-99999999999999999999999", DELIVERY_PARTIAL, 0, 1000},
        {"bytes=10-18446744073709551616", DELIVERY_PARTIAL, 10, 990},
        {"bytes=-99999999999999999999999", DELIVERY_PARTIAL, 0, 1000},
        {"bytes=99999999999999999999999-5", DELIVERY_FULL, 0, 1000},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        delivery_plan plan = plan_for(NULL, NULL, cases[i].range, NULL);
        if (plan.outcome != cases[i].outcome || plan.offset != cases[i].offset ||
            plan.length != cases[i].length)
            fail_msg("%s: outcome %d offset %llu length %llu", cases[i].range, plan.outcome,
                     (unsigned long long)plan.offset, (unsigned long long)plan.length);
    }
}

static void if_range(void **state)
{
    (void)state;
    assert_int_equal(plan_for(NULL, NULL, "bytes=0-1", "\"abc\"").outcome, DELIVERY_PARTIAL);
    assert_int_equal(plan_for(NULL, NULL, "bytes=0-1", "\"old\"").outcome, DELIVERY_FULL);
    assert_int_equal(plan_for(NULL, NULL, "bytes=0-1", "W/\"abc\"").outcome, DELIVERY_FULL);
    assert_int_equal(plan_for(NULL, NULL, "bytes=0-1", "Tue, 14 Nov 2023 22:13:20 GMT").outcome,
                     DELIVERY_PARTIAL);
    assert_int_equal(plan_for(NULL, NULL, "bytes=0-1", "Tue, 14 Nov 2023 22:13:21 GMT").outcome,
                     DELIVERY_FULL);
    /* a matching If-None-Match wins over the range */
    assert_int_equal(plan_for("\"abc\"", NULL, "bytes=0-1", NULL).outcome, DELIVERY_NOT_MODIFIED);
}

static void http_dates_round_trip(void **state)
{
    (void)state;
    int64_t seconds = 0;
    assert_true(asset_delivery_parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT", &seconds));
    assert_int_equal(seconds, 784111777);
    char date[DELIVERY_HTTP_DATE_SIZE];
    asset_delivery_http_date(seconds * 1000 + 999, date);
    assert_string_equal(date, "Sun, 06 Nov 1994 08:49:37 GMT");
    assert_false(asset_delivery_parse_http_date("Sun, 06 Nov 1994 08:49:37 UTC", &seconds));
    assert_false(asset_delivery_parse_http_date("Sun, 06 Foo 1994 08:49:37 GMT", &seconds));
    assert_false(asset_delivery_parse_http_date("Sun, 06 Nov 1994 25:49:37 GMT", &seconds));
    assert_false(asset_delivery_parse_http_date(NULL, &seconds));
}

static void expect_accel(const char *prefix, const char *key, const char *expected)
{
    char *location = asset_delivery_accel_location(prefix, key);
    if (!expected) {
        assert_null(location);
        return;
    }
    assert_non_null(location);
    assert_string_equal(location, expected);
    free(location);
}

static void accel_locations(void **state)
{
    (void)state;
    const char *key = "2026/03/10/0195f3c2a1b07c3d9e8f0a1b2c3d4e5f.png";
    expect_accel("/_protected/", key,
                 "/_protected/2026/03/10/0195f3c2a1b07c3d9e8f0a1b2c3d4e5f.png");
    expect_accel("/_protected", key, "/_protected/2026/03/10/0195f3c2a1b07c3d9e8f0a1b2c3d4e5f.png");
    expect_accel("/", "a/b.jpg", "/a/b.jpg");
    expect_accel("/x//", "a-b_c.d~e", "/x/a-b_c.d~e");
    /* every byte outside the unreserved set is escaped, segment by segment */
    expect_accel("/p/", "legacy/a b%20?#;.jpg", "/p/legacy/a%20b%2520%3F%23%3B.jpg");
    expect_accel("/p/", "caf\xc3\xa9/\xe7\x8c\xab.png", "/p/caf%C3%A9/%E7%8C%AB.png");
    expect_accel("/p/", "", NULL);
    expect_accel("/p/", NULL, NULL);
    expect_accel(NULL, "a.jpg", NULL);
    expect_accel("  ", "a.jpg", NULL);
}

static void text_rules(void **state)
{
    (void)state;
    nh_error err;
    char *name = NULL;
    assert_int_equal(asset_text_file_name("  C:\\dir\\sub/ photo.PNG  ", &name, &err), 0);
    assert_string_equal(name, "photo.PNG");
    free(name);
    const char *invalid[] = {"", "   ", "dir/", "a\\", NULL, "\xff.png"};
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        assert_int_equal(asset_text_file_name(invalid[i], &name, &err), -1);
        assert_string_equal(err.code, "asset_filename_invalid");
        assert_null(name);
    }
    char long_name[600];
    memset(long_name, 'n', 512);
    long_name[512] = '\0';
    assert_int_equal(asset_text_file_name(long_name, &name, &err), 0);
    free(name);
    long_name[512] = 'n';
    long_name[513] = '\0';
    assert_int_equal(asset_text_file_name(long_name, &name, &err), -1);

    char text[2100] = {0};
    for (int i = 0; i < 1000; i++)
        memcpy(text + i * 2, "\xc3\xa9", 2); /* 1000 characters, 2000 bytes */
    assert_int_equal(asset_text_check_length(text, "code", "What", &err), 0);
    memcpy(text + 2000, "x", 1);
    assert_int_equal(asset_text_check_length(text, "code_x", "What", &err), -1);
    assert_string_equal(err.code, "code_x");
    assert_int_equal(asset_text_check_length(NULL, "code", "What", &err), 0);

    assert_true(asset_text_is_utf8("h\xc3\xa9llo \xf0\x9f\x90\xb1", 11));
    assert_false(asset_text_is_utf8("a\0b", 3));
    assert_false(asset_text_is_utf8("\xc0\xaf", 2));         /* overlong '/' */
    assert_false(asset_text_is_utf8("\xed\xa0\x80", 3));     /* surrogate */
    assert_false(asset_text_is_utf8("\xf4\x90\x80\x80", 4)); /* above U+10FFFF */
    assert_false(asset_text_is_utf8("\xe2\x82", 2));         /* cut short */
    char shown[8];
    asset_text_excerpt("ab\xc3\xa9\xff\ncd", shown, sizeof shown);
    assert_string_equal(shown, "ab\xc3\xa9??c");
    asset_text_excerpt("abcdef\xc3\xa9", shown, sizeof shown); /* no room for all of the é */
    assert_string_equal(shown, "abcdef");
    asset_text_excerpt(NULL, shown, sizeof shown);
    assert_string_equal(shown, "");
    assert_null(asset_text_trimmed_or_null("  \t "));
    char *trimmed = asset_text_trimmed_or_null("  a b ");
    assert_string_equal(trimmed, "a b");
    free(trimmed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plain_request_gets_everything),
        cmocka_unit_test(if_none_match_forms),
        cmocka_unit_test(if_modified_since),
        cmocka_unit_test(ranges),
        cmocka_unit_test(if_range),
        cmocka_unit_test(preconditions_fail_with_412),
        cmocka_unit_test(http_dates_round_trip),
        cmocka_unit_test(accel_locations),
        cmocka_unit_test(text_rules),
    };
    return cmocka_run_group_tests_name("asset delivery and text", tests, NULL, NULL);
}
