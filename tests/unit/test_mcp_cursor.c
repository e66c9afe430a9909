/* test_mcp_cursor.c - the opaque list cursors of MCP (mcp_cursor.h): round trips, pages, and
 * cursors that must be refused (another list's, out of range, not base64url, tampered). */
#include "cmocka_prelude.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "mcp/mcp_cursor.h"

static void test_round_trip(void **state)
{
    (void)state;
    char cursor[MCP_CURSOR_SIZE];
    size_t offset = 99;
    assert_int_equal(mcp_cursor_encode("tools", 10, cursor), 0);
    assert_int_equal(mcp_cursor_decode("tools", cursor, 14, &offset), 0);
    assert_int_equal(offset, 10);
    /* opaque to clients: base64url, no padding */
    assert_null(strchr(cursor, '='));
    assert_null(strchr(cursor, '+'));
    assert_null(strchr(cursor, '/'));
}

static void test_cursor_of_another_list_is_refused(void **state)
{
    (void)state;
    char cursor[MCP_CURSOR_SIZE];
    size_t offset = 0;
    assert_int_equal(mcp_cursor_encode("tools", 4, cursor), 0);
    assert_int_equal(mcp_cursor_decode("resources", cursor, 20, &offset), -1);
    assert_int_equal(mcp_cursor_decode("tool", cursor, 20, &offset), -1);
}

static void test_offset_must_be_inside_the_list(void **state)
{
    (void)state;
    char cursor[MCP_CURSOR_SIZE];
    size_t offset = 0;
    assert_int_equal(mcp_cursor_encode("tools", 14, cursor), 0);
    assert_int_equal(mcp_cursor_decode("tools", cursor, 14, &offset), -1);
    assert_int_equal(mcp_cursor_decode("tools", cursor, 15, &offset), 0);
    assert_int_equal(offset, 14);
}

/* base64url of arbitrary text, as a forger would make it. */
static void forge(const char *plain, char out[MCP_CURSOR_SIZE])
{
    sodium_bin2base64(out, MCP_CURSOR_SIZE, (const unsigned char *)plain, strlen(plain),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static void test_garbage_is_refused(void **state)
{
    (void)state;
    size_t offset = 0;
    char cursor[MCP_CURSOR_SIZE];
    assert_int_equal(mcp_cursor_decode("tools", "", 14, &offset), -1);
    assert_int_equal(mcp_cursor_decode("tools", "!!!", 14, &offset), -1);
    assert_int_equal(mcp_cursor_decode("tools", "10", 14, &offset), -1);
    assert_int_equal(mcp_cursor_decode("tools", NULL, 14, &offset), -1);
    const char *forged[] = {"nh1:tools:-1",
                            "nh1:tools:+1",
                            "nh1:tools:01",
                            "nh1:tools:1x",
                            "nh1:tools:",
                            "nh2:tools:1",
                            "nh1:tools:99999999999999999999"};
    for (size_t i = 0; i < sizeof forged / sizeof forged[0]; i++) {
        forge(forged[i], cursor);
        if (mcp_cursor_decode("tools", cursor, 1000, &offset) != -1)
            fail_msg("accepted %s", forged[i]);
    }
    forge("nh1:tools:3", cursor);
    assert_int_equal(mcp_cursor_decode("tools", cursor, 1000, &offset), 0);
    assert_int_equal(offset, 3);
    char long_text[200];
    memset(long_text, 'A', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = '\0';
    assert_int_equal(mcp_cursor_decode("tools", long_text, 14, &offset), -1);
}

static void test_pages(void **state)
{
    (void)state;
    size_t end = 0;
    bool next = false;
    mcp_cursor_page(14, 10, 0, &end, &next);
    assert_int_equal(end, 10);
    assert_true(next);
    mcp_cursor_page(14, 10, 10, &end, &next);
    assert_int_equal(end, 14);
    assert_false(next);
    mcp_cursor_page(10, 10, 0, &end, &next);
    assert_int_equal(end, 10);
    assert_false(next);
    mcp_cursor_page(0, 10, 0, &end, &next);
    assert_int_equal(end, 0);
    assert_false(next);
}

static void test_long_kind_is_refused(void **state)
{
    (void)state;
    char cursor[MCP_CURSOR_SIZE];
    assert_int_equal(mcp_cursor_encode("a-kind-much-too-long-for-a-cursor", 1, cursor), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_cursor_of_another_list_is_refused),
        cmocka_unit_test(test_offset_must_be_inside_the_list),
        cmocka_unit_test(test_garbage_is_refused),
        cmocka_unit_test(test_pages),
        cmocka_unit_test(test_long_kind_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
