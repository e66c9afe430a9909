/* test_secret_token.c - refresh tokens, API keys and their SHA-256 digests. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "auth/secret_token.h"

static int setup(void **state)
{
    (void)state;
    return sodium_init() < 0 ? -1 : 0;
}

static bool is_in(char c, const char *alphabet)
{
    return c != '\0' && strchr(alphabet, c) != NULL;
}

static const char standard_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void test_refresh_token_is_88_char_padded_base64_of_64_bytes(void **state)
{
    (void)state;
    char *token = NULL;
    assert_int_equal(secret_token_refresh(&token), 0);
    assert_non_null(token);
    assert_int_equal(strlen(token), SECRET_TOKEN_REFRESH_LENGTH);
    for (size_t i = 0; i < 86; i++)
        assert_true(is_in(token[i], standard_alphabet));
    assert_int_equal(token[86], '=');
    assert_int_equal(token[87], '=');

    unsigned char bytes[80];
    size_t length = 0;
    assert_int_equal(sodium_base642bin(bytes, sizeof bytes, token, strlen(token), NULL, &length,
                                       NULL, sodium_base64_VARIANT_ORIGINAL),
                     0);
    assert_int_equal(length, 64);
    free(token);
}

static void test_refresh_tokens_differ(void **state)
{
    (void)state;
    char *a = NULL, *b = NULL;
    assert_int_equal(secret_token_refresh(&a), 0);
    assert_int_equal(secret_token_refresh(&b), 0);
    assert_string_not_equal(a, b);
    free(a);
    free(b);
}

static void test_api_key_shape_and_prefix(void **state)
{
    (void)state;
    char *key = NULL;
    char prefix[16];
    memset(prefix, 'x', sizeof prefix);
    assert_int_equal(secret_token_api_key(&key, prefix), 0);
    assert_non_null(key);
    assert_int_equal(strlen(key), SECRET_TOKEN_API_KEY_LENGTH);
    assert_memory_equal(key, "nhk_", 4);
    for (size_t i = 4; i < strlen(key); i++)
        assert_true(is_in(key[i], url_alphabet));
    assert_int_equal(strlen(prefix), 12);
    assert_memory_equal(prefix, key, 12);

    unsigned char bytes[40];
    size_t length = 0;
    assert_int_equal(sodium_base642bin(bytes, sizeof bytes, key + 4, strlen(key) - 4, NULL, &length,
                                       NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                     0);
    assert_int_equal(length, 32);

    char *other = NULL;
    char other_prefix[16];
    assert_int_equal(secret_token_api_key(&other, other_prefix), 0);
    assert_string_not_equal(key, other);
    free(key);
    free(other);
}

static void test_sha256_hex_known_values(void **state)
{
    (void)state;
    char hex[SECRET_TOKEN_HEX_SIZE];
    /* FIPS 180-2 test vectors. */
    assert_int_equal(secret_token_sha256_hex("abc", hex), 0);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_int_equal(secret_token_sha256_hex("", hex), 0);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_sha256_hex_trims_ascii_whitespace(void **state)
{
    (void)state;
    char plain[SECRET_TOKEN_HEX_SIZE], padded[SECRET_TOKEN_HEX_SIZE];
    assert_int_equal(secret_token_sha256_hex("abc", plain), 0);
    assert_int_equal(secret_token_sha256_hex(" \t\r\n abc \n\v\f", padded), 0);
    assert_string_equal(plain, padded);
    /* Inner whitespace is kept. */
    assert_int_equal(secret_token_sha256_hex("a bc", padded), 0);
    assert_string_not_equal(plain, padded);
    /* Only whitespace hashes like the empty string. */
    assert_int_equal(secret_token_sha256_hex("   ", padded), 0);
    assert_string_equal(padded, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_sha256_hex_of_a_token_round_trips(void **state)
{
    (void)state;
    char *token = NULL;
    assert_int_equal(secret_token_refresh(&token), 0);
    char stored[SECRET_TOKEN_HEX_SIZE], presented[SECRET_TOKEN_HEX_SIZE];
    assert_int_equal(secret_token_sha256_hex(token, stored), 0);
    size_t length = strlen(token);
    char *with_space = malloc(length + 3);
    assert_non_null(with_space);
    with_space[0] = ' ';
    memcpy(with_space + 1, token, length);
    with_space[length + 1] = '\n';
    with_space[length + 2] = '\0';
    assert_int_equal(secret_token_sha256_hex(with_space, presented), 0);
    assert_string_equal(stored, presented);
    assert_int_equal(strlen(stored), 64);
    for (size_t i = 0; i < 64; i++)
        assert_true(is_in(stored[i], "0123456789abcdef"));
    free(with_space);
    free(token);
}

static void test_sha256_hex_null(void **state)
{
    (void)state;
    char hex[SECRET_TOKEN_HEX_SIZE] = "junk";
    assert_int_equal(secret_token_sha256_hex(NULL, hex), -1);
    assert_string_equal(hex, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refresh_token_is_88_char_padded_base64_of_64_bytes),
        cmocka_unit_test(test_refresh_tokens_differ),
        cmocka_unit_test(test_api_key_shape_and_prefix),
        cmocka_unit_test(test_sha256_hex_known_values),
        cmocka_unit_test(test_sha256_hex_trims_ascii_whitespace),
        cmocka_unit_test(test_sha256_hex_of_a_token_round_trips),
        cmocka_unit_test(test_sha256_hex_null),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
