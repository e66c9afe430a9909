/* test_mcp_schema.c - MCP tool arguments against their input schemas (mcp_schema.h): unknown,
 * missing and mistyped arguments, exact names, integers and numbers, null only where typed,
 * minLength in characters, GUID formats (also in arrays), the order of the checks, and the
 * supported schema subset. */
#include "cmocka_prelude.h"

#include <stdlib.h>
#include <string.h>

#include "mcp/mcp_schema.h"

/* A tool schema of the kind mcp_tools.c declares. */
static const char *const SCHEMA =
    "{\"type\":\"object\",\"properties\":{"
    "\"id\":{\"type\":\"string\",\"format\":\"uuid\"},"
    "\"page\":{\"type\":\"integer\",\"minimum\":1},"
    "\"opacity\":{\"type\":\"number\"},"
    "\"name\":{\"type\":\"string\",\"minLength\":2},"
    "\"note\":{\"type\":[\"string\",\"null\"]},"
    "\"isPublic\":{\"type\":\"boolean\"},"
    "\"configuration\":{\"type\":\"object\",\"additionalProperties\":true},"
    "\"ids\":{\"type\":\"array\",\"items\":{\"type\":\"string\",\"format\":\"uuid\"}},"
    "\"profileId\":{\"type\":[\"string\",\"null\"],\"format\":\"uuid\"}},"
    "\"required\":[\"id\"],\"additionalProperties\":false}";

#define GUID "0190a2b3-4c5d-7e6f-8a9b-0c1d2e3f4a5b"

static json_t *parse(const char *text)
{
    json_error_t error;
    json_t *value = json_loads(text, JSON_DECODE_ANY, &error);
    assert_non_null(value);
    return value;
}

/* Check arguments_text (NULL = none) against SCHEMA: the rc, and the error when it failed. */
static int check(const char *arguments_text, mcp_schema_error *error)
{
    json_t *schema = parse(SCHEMA);
    json_t *arguments = arguments_text ? parse(arguments_text) : NULL;
    memset(error, 0, sizeof *error);
    int rc = mcp_schema_check(schema, arguments, error);
    json_decref(arguments);
    json_decref(schema);
    return rc;
}

static void expect_ok(const char *arguments_text)
{
    mcp_schema_error error;
    int rc = check(arguments_text, &error);
    if (rc != 0)
        fail_msg("%s refused: %s", arguments_text, error.message);
}

/* Refused with code, the message containing mention. */
static void expect_refused(const char *arguments_text, const char *code, const char *mention)
{
    mcp_schema_error error;
    assert_int_equal(check(arguments_text, &error), -1);
    assert_string_equal(error.code, code);
    if (!strstr(error.message, mention))
        fail_msg("'%s' does not mention '%s'", error.message, mention);
}

static void test_valid_arguments_pass(void **state)
{
    (void)state;
    expect_ok("{\"id\":\"" GUID "\"}");
    expect_ok("{\"id\":\"" GUID "\",\"page\":3,\"opacity\":0.5,\"name\":\"ab\",\"note\":null,"
              "\"isPublic\":false,\"configuration\":{\"anything\":[1,2]},\"ids\":[\"" GUID "\"],"
              "\"profileId\":null}");
    /* any GUID text form uuid_parse accepts */
    expect_ok("{\"id\":\"{0190A2B3-4C5D-7E6F-8A9B-0C1D2E3F4A5B}\"}");
    expect_ok("{\"id\":\"0190a2b34c5d7e6f8a9b0c1d2e3f4a5b\"}");
}

static void test_arguments_must_be_an_object(void **state)
{
    (void)state;
    expect_refused("[1]", MCP_SCHEMA_ARGUMENTS_INVALID, "object");
    expect_refused("\"id\"", MCP_SCHEMA_ARGUMENTS_INVALID, "object");
    expect_refused("3", MCP_SCHEMA_ARGUMENTS_INVALID, "object");
}

static void test_missing_arguments_and_null_count_as_none(void **state)
{
    (void)state;
    expect_refused(NULL, MCP_SCHEMA_ARGUMENTS_INVALID, "'id' is required");
    expect_refused("null", MCP_SCHEMA_ARGUMENTS_INVALID, "'id' is required");
    expect_refused("{}", MCP_SCHEMA_ARGUMENTS_INVALID, "'id' is required");

    json_t *no_arguments = parse("{\"type\":\"object\",\"properties\":{},"
                                 "\"additionalProperties\":false}");
    mcp_schema_error error;
    assert_int_equal(mcp_schema_check(no_arguments, NULL, &error), 0);
    json_t *empty = parse("{}");
    assert_int_equal(mcp_schema_check(no_arguments, empty, &error), 0);
    json_t *extra = parse("{\"x\":1}");
    assert_int_equal(mcp_schema_check(no_arguments, extra, &error), -1);
    assert_string_equal(error.code, MCP_SCHEMA_ARGUMENTS_INVALID);
    json_decref(extra);
    json_decref(empty);
    json_decref(no_arguments);
}

static void test_unknown_arguments_are_refused_by_name(void **state)
{
    (void)state;
    expect_refused("{\"id\":\"" GUID "\",\"color\":\"red\"}", MCP_SCHEMA_ARGUMENTS_INVALID,
                   "Unknown argument 'color'");
}

static void test_names_match_exactly(void **state)
{
    (void)state;
    /* the schema spells it page: Page is another (unknown) argument */
    expect_refused("{\"id\":\"" GUID "\",\"Page\":1}", MCP_SCHEMA_ARGUMENTS_INVALID,
                   "Unknown argument 'Page'");
    expect_refused("{\"ID\":\"" GUID "\"}", MCP_SCHEMA_ARGUMENTS_INVALID, "'ID'");
}

static void test_types_are_checked(void **state)
{
    (void)state;
    expect_refused("{\"id\":7}", MCP_SCHEMA_ARGUMENTS_INVALID, "'id' must be a string");
    expect_refused("{\"id\":\"" GUID "\",\"isPublic\":\"true\"}", MCP_SCHEMA_ARGUMENTS_INVALID,
                   "'isPublic' must be a boolean");
    expect_refused("{\"id\":\"" GUID "\",\"configuration\":[]}", MCP_SCHEMA_ARGUMENTS_INVALID,
                   "'configuration' must be an object");
    expect_refused("{\"id\":\"" GUID "\",\"ids\":\"" GUID "\"}", MCP_SCHEMA_ARGUMENTS_INVALID,
                   "'ids' must be an array");
}

static void test_numbers_are_json_numbers(void **state)
{
    (void)state;
    /* no numeric strings */
    expect_refused("{\"id\":\"" GUID "\",\"page\":\"2\"}", MCP_SCHEMA_ARGUMENTS_INVALID,
                   "'page' must be an integer");
    expect_refused("{\"id\":\"" GUID "\",\"opacity\":\"0.5\"}", MCP_SCHEMA_ARGUMENTS_INVALID,
                   "'opacity' must be a number");
    /* an integer has no fraction; 2.0 is the integer 2 (JSON Schema) */
    expect_refused("{\"id\":\"" GUID "\",\"page\":2.5}", MCP_SCHEMA_ARGUMENTS_INVALID,
                   "'page' must be an integer");
    expect_ok("{\"id\":\"" GUID "\",\"page\":2.0}");
    expect_ok("{\"id\":\"" GUID "\",\"opacity\":1}");
    /* ranges are the tool's own checks (page_out_of_range ...), not the schema's */
    expect_ok("{\"id\":\"" GUID "\",\"page\":0}");
}

static void test_null_only_where_typed(void **state)
{
    (void)state;
    expect_refused("{\"id\":null}", MCP_SCHEMA_ARGUMENTS_INVALID, "'id' must be a string");
    expect_refused("{\"id\":\"" GUID "\",\"isPublic\":null}", MCP_SCHEMA_ARGUMENTS_INVALID,
                   "'isPublic' must be a boolean");
    expect_ok("{\"id\":\"" GUID "\",\"note\":null}");
    /* the message names every accepted type */
    expect_refused("{\"id\":\"" GUID "\",\"note\":5}", MCP_SCHEMA_ARGUMENTS_INVALID,
                   "a string or null");
}

static void test_min_length_counts_characters(void **state)
{
    (void)state;
    expect_refused("{\"id\":\"" GUID "\",\"name\":\"a\"}", MCP_SCHEMA_ARGUMENTS_INVALID,
                   "at least 2 character");
    expect_refused("{\"id\":\"" GUID "\",\"name\":\"\"}", MCP_SCHEMA_ARGUMENTS_INVALID, "'name'");
    /* two characters, four bytes */
    expect_ok("{\"id\":\"" GUID "\",\"name\":\"\\u00e9\\u00e9\"}");
    /* one character, three bytes */
    expect_refused("{\"id\":\"" GUID "\",\"name\":\"\\u732b\"}", MCP_SCHEMA_ARGUMENTS_INVALID,
                   "'name'");
}

static void test_guid_format_is_its_own_code(void **state)
{
    (void)state;
    expect_refused("{\"id\":\"not-a-guid\"}", MCP_SCHEMA_ARGUMENT_INVALID,
                   "'id' is not a valid GUID");
    expect_refused("{\"id\":\"\"}", MCP_SCHEMA_ARGUMENT_INVALID, "'id'");
    expect_refused("{\"id\":\"" GUID "\",\"profileId\":\"zzz\"}", MCP_SCHEMA_ARGUMENT_INVALID,
                   "'profileId'");
    /* array items: the item is named */
    expect_refused("{\"id\":\"" GUID "\",\"ids\":[\"" GUID "\",\"nope\"]}",
                   MCP_SCHEMA_ARGUMENT_INVALID, "'ids' (item 1)");
    expect_refused("{\"id\":\"" GUID "\",\"ids\":[\"" GUID "\",3]}", MCP_SCHEMA_ARGUMENTS_INVALID,
                   "'ids' (item 1) must be a string");
}

static void test_unknown_comes_before_missing_and_types(void **state)
{
    (void)state;
    expect_refused("{\"page\":\"x\",\"extra\":1}", MCP_SCHEMA_ARGUMENTS_INVALID,
                   "Unknown argument 'extra'");
    expect_refused("{\"page\":\"x\"}", MCP_SCHEMA_ARGUMENTS_INVALID, "'id' is required");
    /* properties are checked in the order of the schema: id before page */
    expect_refused("{\"id\":\"nope\",\"page\":\"x\"}", MCP_SCHEMA_ARGUMENT_INVALID, "'id'");
}

static void test_long_names_are_cut_in_messages(void **state)
{
    (void)state;
    char arguments[600];
    char name[300];
    memset(name, 'x', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    snprintf(arguments, sizeof arguments, "{\"id\":\"" GUID "\",\"%s\":1}", name);
    mcp_schema_error error;
    assert_int_equal(check(arguments, &error), -1);
    assert_true(strlen(error.message) < 120);
}

static void expect_supported(const char *schema_text, bool expected)
{
    json_t *schema = parse(schema_text);
    char problem[MCP_SCHEMA_PROBLEM_SIZE];
    bool supported = mcp_schema_supported(schema, problem);
    json_decref(schema);
    if (supported != expected)
        fail_msg("%s: expected %s (%s)", schema_text, expected ? "supported" : "refused", problem);
}

static void test_supported_subset(void **state)
{
    (void)state;
    expect_supported(SCHEMA, true);
    expect_supported("{\"type\":\"object\",\"properties\":{},\"additionalProperties\":false}",
                     true);
    /* additionalProperties must be false: unknown arguments are refused */
    expect_supported("{\"type\":\"object\",\"properties\":{}}", false);
    expect_supported("{\"type\":\"object\",\"properties\":{},\"additionalProperties\":true}",
                     false);
    /* keywords this checker would ignore are refused, so none is silently advisory */
    expect_supported("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\","
                     "\"pattern\":\"^x\"}},\"additionalProperties\":false}",
                     false);
    expect_supported("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\","
                     "\"format\":\"email\"}},\"additionalProperties\":false}",
                     false);
    expect_supported("{\"type\":\"object\",\"properties\":{\"a\":{\"enum\":[1]}},"
                     "\"additionalProperties\":false}",
                     false);
    expect_supported("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"date\"}},"
                     "\"additionalProperties\":false}",
                     false);
    expect_supported("{\"type\":\"object\",\"properties\":{},\"required\":[\"a\"],"
                     "\"additionalProperties\":false}",
                     false);
    expect_supported("{\"type\":\"array\",\"additionalProperties\":false}", false);
    expect_supported("{\"type\":\"object\",\"properties\":{},\"additionalProperties\":false,"
                     "\"oneOf\":[]}",
                     false);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_arguments_pass),
        cmocka_unit_test(test_arguments_must_be_an_object),
        cmocka_unit_test(test_missing_arguments_and_null_count_as_none),
        cmocka_unit_test(test_unknown_arguments_are_refused_by_name),
        cmocka_unit_test(test_names_match_exactly),
        cmocka_unit_test(test_types_are_checked),
        cmocka_unit_test(test_numbers_are_json_numbers),
        cmocka_unit_test(test_null_only_where_typed),
        cmocka_unit_test(test_min_length_counts_characters),
        cmocka_unit_test(test_guid_format_is_its_own_code),
        cmocka_unit_test(test_unknown_comes_before_missing_and_types),
        cmocka_unit_test(test_long_names_are_cut_in_messages),
        cmocka_unit_test(test_supported_subset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
