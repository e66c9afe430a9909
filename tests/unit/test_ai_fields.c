/* test_ai_fields.c - the fields of an AI provider profile (ai/ai_fields.h): trimming, the
 * required and length codes, the base URL rules (http/https with a host, no user information,
 * no fragment, trailing slashes removed before the length check), the key's limits, the prompt
 * reset, and the mask. */
#include "cmocka_prelude.h"

#include <stdlib.h>
#include <string.h>

#include "ai/ai.h"
#include "ai/ai_fields.h"

static void expect_field_code(int (*field)(const char *, char **, nh_error *), const char *raw,
                              const char *code)
{
    char *out = (char *)"untouched";
    nh_error err;
    assert_int_equal(field(raw, &out, &err), -1);
    assert_null(out);
    assert_int_equal(err.status, 400);
    assert_string_equal(err.code, code);
}

static void expect_field(int (*field)(const char *, char **, nh_error *), const char *raw,
                         const char *expected)
{
    char *out = NULL;
    nh_error err;
    assert_int_equal(field(raw, &out, &err), 0);
    if (!expected) {
        assert_null(out);
        return;
    }
    assert_non_null(out);
    assert_string_equal(out, expected);
    free(out);
}

static void names_and_models(void **state)
{
    (void)state;
    expect_field(ai_field_name, "  Main  ", "Main");
    expect_field_code(ai_field_name, NULL, "ai_provider_profile_name_required");
    expect_field_code(ai_field_name, " \t", "ai_provider_profile_name_required");
    char long_name[AI_NAME_MAX_CHARS + 2];
    memset(long_name, 'n', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    expect_field_code(ai_field_name, long_name, "ai_provider_profile_name_too_long");
    long_name[AI_NAME_MAX_CHARS] = '\0';
    expect_field(ai_field_name, long_name, long_name);
    expect_field(ai_field_name, "猫猫", "猫猫");
    expect_field(ai_field_model, " gpt-4o ", "gpt-4o");
    expect_field_code(ai_field_model, "", "ai_provider_profile_model_name_required");
}

static void base_urls(void **state)
{
    (void)state;
    expect_field(ai_field_base_url, " https://api.example.com/v1/ ", "https://api.example.com/v1");
    expect_field(ai_field_base_url, "HTTP://127.0.0.1:11434//", "HTTP://127.0.0.1:11434");
    expect_field(ai_field_base_url, "https://gw.example/openai?api-version=1",
                 "https://gw.example/openai?api-version=1");
    expect_field_code(ai_field_base_url, NULL, "ai_provider_profile_api_base_url_required");
    const char *invalid[] = {"ftp://example.com",
                             "example.com/v1",
                             "/v1",
                             "https://",
                             "https:///v1",
                             "https://u:p@example.com",
                             "https://u@example.com",
                             "https://example.com/#x",
                             "https://exa mple.com",
                             "https://example.com/\nv1",
                             "file:///etc/passwd",
                             "mailto:a@b.c"};
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++)
        expect_field_code(ai_field_base_url, invalid[i],
                          "ai_provider_profile_api_base_url_invalid");
    char url[600];
    strcpy(url, "https://example.com/");
    memset(url + 20, 'a', 492);
    strcpy(url + 512, "///");
    char expected[600];
    memcpy(expected, url, 512);
    expected[512] = '\0';
    expect_field(ai_field_base_url, url, expected); /* the slashes go before the length check */
    strcpy(url + 512, "b");
    expect_field_code(ai_field_base_url, url, "ai_provider_profile_api_base_url_too_long");
}

static void keys_and_prompts(void **state)
{
    (void)state;
    expect_field(ai_field_api_key, "  sk-abc  ", "sk-abc");
    expect_field_code(ai_field_api_key, "   ", "ai_provider_profile_api_key_required");
    expect_field_code(ai_field_api_key, "sk-a\r\nX-Injected: 1",
                      "ai_provider_profile_api_key_invalid");
    char *key = malloc(AI_KEY_MAX_BYTES + 2);
    memset(key, 'k', AI_KEY_MAX_BYTES + 1);
    key[AI_KEY_MAX_BYTES + 1] = '\0';
    expect_field_code(ai_field_api_key, key, "ai_provider_profile_api_key_too_long");
    key[AI_KEY_MAX_BYTES] = '\0';
    expect_field(ai_field_api_key, key, key);
    free(key);
    expect_field(ai_field_prompt, NULL, NULL);
    expect_field(ai_field_prompt, "  ", NULL);
    expect_field(ai_field_prompt, " Be brief. ", "Be brief.");
}

static void check_mask(const char *key, const char *expected)
{
    char *mask = ai_key_mask(key);
    assert_non_null(mask);
    assert_string_equal(mask, expected);
    free(mask);
}

static void masks(void **state)
{
    (void)state;
    check_mask("sk-proj-abcdefghijklmnop", "sk-***");
    check_mask("SK-short", "sk-***");
    check_mask("key-provider-b", "key-***");
    check_mask("猫猫猫猫猫猫猫猫猫猫", "猫猫猫猫***");
    check_mask("12345678", "***");
    check_mask("k", "***");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(names_and_models),
        cmocka_unit_test(base_urls),
        cmocka_unit_test(keys_and_prompts),
        cmocka_unit_test(masks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
