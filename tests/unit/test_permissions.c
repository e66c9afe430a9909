/* test_permissions.c - the permission catalogue, normalisation, JSON output, templates, roles. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "auth/permissions.h"

/* Parse a JSON literal; the test fails if it does not parse. */
static json_t *parse(const char *text)
{
    json_error_t error;
    json_t *value = json_loads(text, JSON_DECODE_ANY, &error);
    assert_non_null(value);
    return value;
}

/* Compact JSON text of value (caller frees). */
static char *dump(const json_t *value)
{
    char *text = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
    assert_non_null(text);
    return text;
}

static void assert_json_text(const json_t *value, const char *expected)
{
    char *text = dump(value);
    assert_string_equal(text, expected);
    free(text);
}

/* Normalise a JSON literal; returns the rc and fills *set and err. */
static int normalize_text(const char *array_text, uint32_t *set, nh_error *err)
{
    json_t *array = parse(array_text);
    int rc = permissions_normalize(array, set, err);
    json_decref(array);
    return rc;
}

static void test_catalogue_has_twenty_keys_in_order(void **state)
{
    (void)state;
    const char *expected[] = {
        "assets.read",
        "assets.create",
        "assets.update",
        "assets.delete",
        "providers.read",
        "providers.create",
        "providers.update",
        "providers.delete",
        "aiProviders.read",
        "aiProviders.create",
        "aiProviders.update",
        "aiProviders.delete",
        "settings.read",
        "settings.update",
        "users.read",
        "users.create",
        "users.update",
        "users.disable",
        "users.managePermissions",
        "audit.read",
    };
    assert_int_equal(PERMISSION_COUNT, 20);
    for (int i = 0; i < PERMISSION_COUNT; i++) {
        assert_string_equal(permission_name((permission)i), expected[i]);
        permission p;
        assert_int_equal(permission_from_name(expected[i], &p), 0);
        assert_int_equal(p, i);
    }
    assert_int_equal(PERMISSIONS_ALL, 0xFFFFFu);
    assert_null(permission_name(PERMISSION_COUNT));
    assert_null(permission_name((permission)-1));
    assert_int_equal(permission_bit(PERMISSION_COUNT), 0);
}

static void test_from_name_is_exact(void **state)
{
    (void)state;
    permission p = PERMISSION_AUDIT_READ;
    assert_int_equal(permission_from_name("Assets.Read", &p), -1);
    assert_int_equal(permission_from_name(" assets.read", &p), -1);
    assert_int_equal(permission_from_name("assets.read ", &p), -1);
    assert_int_equal(permission_from_name("assets", &p), -1);
    assert_int_equal(permission_from_name("", &p), -1);
    assert_int_equal(permission_from_name(NULL, &p), -1);
    assert_int_equal(p, PERMISSION_AUDIT_READ); /* untouched on failure */
    assert_int_equal(permission_from_name("users.managePermissions", &p), 0);
    assert_int_equal(p, PERMISSION_USERS_MANAGE_PERMISSIONS);
}

static void test_normalize_trims_dedups_and_sorts(void **state)
{
    (void)state;
    uint32_t set = 0;
    nh_error err;
    error_clear(&err);
    assert_int_equal(
        normalize_text("[\" users.read \", \"assets.read\", \"users.read\"]", &set, &err), 0);
    assert_int_equal(set, permission_bit(PERMISSION_USERS_READ) |
                              permission_bit(PERMISSION_ASSETS_READ));
    json_t *out = permissions_to_json(set, false);
    assert_json_text(out, "[\"assets.read\",\"users.read\"]");
    json_decref(out);
}

static void test_normalize_drops_null_empty_and_blank(void **state)
{
    (void)state;
    uint32_t set = 0;
    nh_error err;
    /* Tab, newline, NBSP (U+00A0) and ideographic space (U+3000) count as whitespace. */
    assert_int_equal(normalize_text("[null, \"\", \"   \", \"\\t\\n\", \"\\u00a0\\u3000\", "
                                    "\"\\u3000audit.read\\u00a0\"]",
                                    &set, &err),
                     0);
    assert_int_equal(set, permission_bit(PERMISSION_AUDIT_READ));

    assert_int_equal(normalize_text("[]", &set, &err), 0);
    assert_int_equal(set, 0);
    assert_int_equal(normalize_text("[null, \" \"]", &set, &err), 0);
    assert_int_equal(set, 0);
}

static void test_normalize_unknown_name_is_400_naming_it(void **state)
{
    (void)state;
    uint32_t set = 0xABCDu;
    nh_error err;
    error_clear(&err);
    assert_int_equal(normalize_text("[\"assets.read\", \"  unknown.permission \"]", &set, &err),
                     -1);
    assert_int_equal(err.status, 400);
    assert_string_equal(err.code, "user_permission_unknown");
    assert_non_null(strstr(err.message, "'unknown.permission'"));
    assert_int_equal(set, 0xABCDu); /* untouched on failure */

    /* Case matters. */
    assert_int_equal(normalize_text("[\"Assets.Read\"]", &set, &err), -1);
    assert_string_equal(err.code, "user_permission_unknown");
    assert_non_null(strstr(err.message, "'Assets.Read'"));
}

static void test_normalize_long_unknown_name_is_cut_visibly(void **state)
{
    (void)state;
    /* 300 x "é" (2 bytes each): the echo stops on a character boundary and says so. */
    char text[1024] = "[\"";
    for (int i = 0; i < 300; i++)
        strcat(text, "\xc3\xa9");
    strcat(text, "\"]");
    uint32_t set = 0;
    nh_error err;
    assert_int_equal(normalize_text(text, &set, &err), -1);
    assert_string_equal(err.code, "user_permission_unknown");
    assert_non_null(strstr(err.message, "\xc3\xa9…'."));
    assert_true(strlen(err.message) < 150);
}

static void test_normalize_embedded_nul_is_unknown(void **state)
{
    (void)state;
    json_t *array = json_array();
    json_array_append_new(array, json_stringn("assets.read\0x", 13));
    uint32_t set = 0;
    nh_error err;
    assert_int_equal(permissions_normalize(array, &set, &err), -1);
    assert_string_equal(err.code, "user_permission_unknown");
    json_decref(array);
}

static void test_normalize_non_string_entry_is_400(void **state)
{
    (void)state;
    const char *cases[] = {"[\"assets.read\", 42]", "[true]", "[{\"a\":1}]", "[[\"assets.read\"]]",
                           "[1.5]"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint32_t set = 0;
        nh_error err;
        error_clear(&err);
        assert_int_equal(normalize_text(cases[i], &set, &err), -1);
        assert_int_equal(err.status, 400);
        assert_string_equal(err.code, "user_permission_unknown");
        assert_non_null(strstr(err.message, "must be strings"));
    }
    uint32_t set = 0;
    nh_error err;
    assert_int_equal(normalize_text("[\"assets.read\", 42]", &set, &err), -1);
    assert_non_null(strstr(err.message, "index 1 is a number"));
}

static void test_normalize_requires_an_array(void **state)
{
    (void)state;
    uint32_t set = 0;
    nh_error err;
    assert_int_equal(normalize_text("\"assets.read\"", &set, &err), -1);
    assert_int_equal(err.status, 400);
    assert_string_equal(err.code, "request_invalid");
    assert_int_equal(normalize_text("null", &set, &err), -1);
    assert_string_equal(err.code, "request_invalid");
    assert_int_equal(permissions_normalize(NULL, &set, &err), -1);
    assert_string_equal(err.code, "request_invalid");
}

static void test_to_json_catalogue_order(void **state)
{
    (void)state;
    json_t *out = permissions_to_json(PERMISSIONS_ALL, true);
    assert_json_text(
        out, "[\"assets.read\",\"assets.create\",\"assets.update\",\"assets.delete\","
             "\"providers.read\",\"providers.create\",\"providers.update\",\"providers.delete\","
             "\"aiProviders.read\",\"aiProviders.create\",\"aiProviders.update\","
             "\"aiProviders.delete\",\"settings.read\",\"settings.update\",\"users.read\","
             "\"users.create\",\"users.update\",\"users.disable\",\"users.managePermissions\","
             "\"audit.read\"]");
    json_decref(out);
}

static void test_to_json_ordinal_order(void **state)
{
    (void)state;
    json_t *out = permissions_to_json(PERMISSIONS_ALL, false);
    assert_json_text(
        out, "[\"aiProviders.create\",\"aiProviders.delete\",\"aiProviders.read\","
             "\"aiProviders.update\",\"assets.create\",\"assets.delete\",\"assets.read\","
             "\"assets.update\",\"audit.read\",\"providers.create\",\"providers.delete\","
             "\"providers.read\",\"providers.update\",\"settings.read\",\"settings.update\","
             "\"users.create\",\"users.disable\",\"users.managePermissions\",\"users.read\","
             "\"users.update\"]");
    json_decref(out);

    out = permissions_to_json(0, false);
    assert_json_text(out, "[]");
    json_decref(out);

    /* Bits outside the catalogue are ignored. */
    out = permissions_to_json(0xFFF00000u | permission_bit(PERMISSION_SETTINGS_READ), false);
    assert_json_text(out, "[\"settings.read\"]");
    json_decref(out);
}

static void test_templates(void **state)
{
    (void)state;
    assert_int_equal(permissions_template(ROLE_SUPER_ADMIN), PERMISSIONS_ALL);
    assert_int_equal(permissions_template(ROLE_ADMIN), PERMISSIONS_ALL);
    assert_int_equal(permissions_template(ROLE_USER), permission_bit(PERMISSION_ASSETS_READ));
    assert_int_equal(permissions_template((user_role)7), 0);
    assert_true(permissions_has(PERMISSIONS_ALL, PERMISSION_AUDIT_READ));
    assert_false(permissions_has(permissions_template(ROLE_USER), PERMISSION_ASSETS_CREATE));
}

static void test_role_names(void **state)
{
    (void)state;
    assert_string_equal(role_to_wire(ROLE_SUPER_ADMIN), "superAdmin");
    assert_string_equal(role_to_wire(ROLE_ADMIN), "admin");
    assert_string_equal(role_to_wire(ROLE_USER), "user");
    assert_string_equal(role_to_stored(ROLE_SUPER_ADMIN), "SuperAdmin");
    assert_string_equal(role_to_stored(ROLE_ADMIN), "Admin");
    assert_string_equal(role_to_stored(ROLE_USER), "User");
    assert_null(role_to_wire((user_role)3));
    assert_null(role_to_stored((user_role)-1));
}

static void test_role_from_wire_is_case_insensitive(void **state)
{
    (void)state;
    user_role role = ROLE_USER;
    assert_int_equal(role_from_wire("admin", &role), 0);
    assert_int_equal(role, ROLE_ADMIN);
    assert_int_equal(role_from_wire("ADMIN", &role), 0);
    assert_int_equal(role, ROLE_ADMIN);
    assert_int_equal(role_from_wire("SuperAdmin", &role), 0);
    assert_int_equal(role, ROLE_SUPER_ADMIN);
    assert_int_equal(role_from_wire("uSeR", &role), 0);
    assert_int_equal(role, ROLE_USER);

    role = ROLE_ADMIN;
    assert_int_equal(role_from_wire(" admin", &role), -1);
    assert_int_equal(role_from_wire("super_admin", &role), -1);
    assert_int_equal(role_from_wire("1", &role), -1);
    assert_int_equal(role_from_wire("", &role), -1);
    assert_int_equal(role_from_wire(NULL, &role), -1);
    assert_int_equal(role, ROLE_ADMIN);
}

static void test_role_from_stored_is_exact(void **state)
{
    (void)state;
    user_role role = ROLE_USER;
    assert_int_equal(role_from_stored("SuperAdmin", &role), 0);
    assert_int_equal(role, ROLE_SUPER_ADMIN);
    assert_int_equal(role_from_stored("Admin", &role), 0);
    assert_int_equal(role, ROLE_ADMIN);
    assert_int_equal(role_from_stored("User", &role), 0);
    assert_int_equal(role, ROLE_USER);
    assert_int_equal(role_from_stored("admin", &role), -1);
    assert_int_equal(role_from_stored("superAdmin", &role), -1);
    assert_int_equal(role_from_stored(NULL, &role), -1);
}

static void test_role_from_json(void **state)
{
    (void)state;
    const char *good[] = {"\"admin\"", "\"Admin\"", "\"ADMIN\""};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        json_t *value = parse(good[i]);
        user_role role = ROLE_USER;
        nh_error err;
        assert_int_equal(role_from_json(value, &role, &err), 0);
        assert_int_equal(role, ROLE_ADMIN);
        json_decref(value);
    }
    json_t *super = parse("\"superAdmin\"");
    user_role role = ROLE_USER;
    nh_error err;
    assert_int_equal(role_from_json(super, &role, &err), 0);
    assert_int_equal(role, ROLE_SUPER_ADMIN);
    json_decref(super);

    const char *bad[] = {"1",     "0",           "null",
                         "true",  "\"owner\"",   "\"\"",
                         "\"1\"", "[\"admin\"]", "{\"role\":\"admin\"}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *value = parse(bad[i]);
        role = ROLE_USER;
        error_clear(&err);
        assert_int_equal(role_from_json(value, &role, &err), -1);
        assert_int_equal(err.status, 400);
        assert_string_equal(err.code, "request_invalid");
        assert_int_equal(role, ROLE_USER);
        json_decref(value);
    }
    error_clear(&err);
    assert_int_equal(role_from_json(NULL, &role, &err), -1);
    assert_string_equal(err.code, "request_invalid");

    json_t *with_nul = json_stringn("admin\0x", 7);
    assert_int_equal(role_from_json(with_nul, &role, &err), -1);
    json_decref(with_nul);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_catalogue_has_twenty_keys_in_order),
        cmocka_unit_test(test_from_name_is_exact),
        cmocka_unit_test(test_normalize_trims_dedups_and_sorts),
        cmocka_unit_test(test_normalize_drops_null_empty_and_blank),
        cmocka_unit_test(test_normalize_unknown_name_is_400_naming_it),
        cmocka_unit_test(test_normalize_long_unknown_name_is_cut_visibly),
        cmocka_unit_test(test_normalize_embedded_nul_is_unknown),
        cmocka_unit_test(test_normalize_non_string_entry_is_400),
        cmocka_unit_test(test_normalize_requires_an_array),
        cmocka_unit_test(test_to_json_catalogue_order),
        cmocka_unit_test(test_to_json_ordinal_order),
        cmocka_unit_test(test_templates),
        cmocka_unit_test(test_role_names),
        cmocka_unit_test(test_role_from_wire_is_case_insensitive),
        cmocka_unit_test(test_role_from_stored_is_exact),
        cmocka_unit_test(test_role_from_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
