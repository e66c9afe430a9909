/* test_secret_box.c - sealed secrets: a round trip, the associated data binding a value to its
 * row, a wrong key, a previous key opening (and reporting it), damaged text, malformed keys. */
#include "cmocka_prelude.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "core/secret_box.h"

static const char KEY_A[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
static const char KEY_B[] = "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff000102030405060708090a0b0c0d0e0f";
static const char PLAIN[] = "{\"accessKey\":\"AKIA\",\"secretKey\":\"s3cr3t\"}";
static const char ROW[] = "0195f3c2-a1b0-7c3d-9e8f-0a1b2c3d4e5f";

static char *seal_with(const char *key, const char *ad)
{
    nh_error err;
    secret_box *box = secret_box_create(key, NULL, &err);
    assert_non_null(box);
    char *sealed = NULL;
    assert_int_equal(
        secret_box_seal(box, (const unsigned char *)PLAIN, strlen(PLAIN), ad, &sealed, &err), 0);
    secret_box_destroy(box);
    return sealed;
}

static void round_trip(void **state)
{
    (void)state;
    char *sealed = seal_with(KEY_A, ROW);
    assert_non_null(strstr(sealed, "nhsb1:"));
    assert_null(strstr(sealed, "s3cr3t"));
    char *again = seal_with(KEY_A, ROW);
    assert_string_not_equal(sealed, again); /* a fresh nonce every time */
    nh_error err;
    secret_box *box = secret_box_create(KEY_A, NULL, &err);
    unsigned char *plain = NULL;
    size_t length = 0;
    bool previous = true;
    assert_int_equal(secret_box_open(box, sealed, ROW, &plain, &length, &previous, &err), 0);
    assert_int_equal(length, strlen(PLAIN));
    assert_string_equal((const char *)plain, PLAIN);
    assert_false(previous);
    secret_box_free_plain(plain, length);
    secret_box_destroy(box);
    free(sealed);
    free(again);
}

static void other_row_does_not_open(void **state)
{
    (void)state;
    char *sealed = seal_with(KEY_A, ROW);
    nh_error err;
    secret_box *box = secret_box_create(KEY_A, NULL, &err);
    unsigned char *plain = NULL;
    size_t length = 0;
    assert_int_equal(secret_box_open(box, sealed, "0195f3c2-a1b0-7c3d-9e8f-0a1b2c3d4e60", &plain,
                                     &length, NULL, &err),
                     SECRET_BOX_UNOPENABLE);
    assert_null(plain);
    assert_string_equal(err.code, "secret_unreadable");
    secret_box_destroy(box);
    free(sealed);
}

static void wrong_key_does_not_open(void **state)
{
    (void)state;
    char *sealed = seal_with(KEY_A, ROW);
    nh_error err;
    secret_box *box = secret_box_create(KEY_B, NULL, &err);
    unsigned char *plain = NULL;
    size_t length = 0;
    assert_int_equal(secret_box_open(box, sealed, ROW, &plain, &length, NULL, &err),
                     SECRET_BOX_UNOPENABLE);
    assert_null(plain);
    secret_box_destroy(box);
    free(sealed);
}

static void previous_key_opens(void **state)
{
    (void)state;
    char *sealed = seal_with(KEY_A, ROW);
    string_list previous = {.count = 1};
    previous.items[0] = (char *)KEY_A;
    nh_error err;
    secret_box *box = secret_box_create(KEY_B, &previous, &err);
    assert_non_null(box);
    unsigned char *plain = NULL;
    size_t length = 0;
    bool with_previous = false;
    assert_int_equal(secret_box_open(box, sealed, ROW, &plain, &length, &with_previous, &err), 0);
    assert_true(with_previous);
    assert_string_equal((const char *)plain, PLAIN);
    secret_box_free_plain(plain, length);
    /* sealing uses the current key: the previous one alone no longer opens the new value */
    char *resealed = NULL;
    assert_int_equal(
        secret_box_seal(box, (const unsigned char *)PLAIN, strlen(PLAIN), ROW, &resealed, &err), 0);
    secret_box *old_only = secret_box_create(KEY_A, NULL, &err);
    assert_int_equal(secret_box_open(old_only, resealed, ROW, &plain, &length, NULL, &err),
                     SECRET_BOX_UNOPENABLE);
    secret_box_destroy(old_only);
    secret_box_destroy(box);
    free(sealed);
    free(resealed);
}

static void damaged_text_is_refused(void **state)
{
    (void)state;
    char *sealed = seal_with(KEY_A, ROW);
    nh_error err;
    secret_box *box = secret_box_create(KEY_A, NULL, &err);
    unsigned char *plain = NULL;
    size_t length = 0;
    size_t last = strlen(sealed) - 1;
    sealed[last] = sealed[last] == 'A' ? 'B' : 'A';
    assert_int_equal(secret_box_open(box, sealed, ROW, &plain, &length, NULL, &err),
                     SECRET_BOX_UNOPENABLE);
    const char *const malformed[] = {"", "plain text", "nhsb1:", "nhsb1:!!!!", "nhsb1:AAAA"};
    for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++)
        assert_int_equal(secret_box_open(box, malformed[i], ROW, &plain, &length, NULL, &err),
                         SECRET_BOX_UNOPENABLE);
    assert_null(plain);
    secret_box_destroy(box);
    free(sealed);
}

static void malformed_keys_are_refused(void **state)
{
    (void)state;
    nh_error err;
    assert_null(secret_box_create("abc", NULL, &err));
    assert_null(secret_box_create(NULL, NULL, &err));
    string_list previous = {.count = 1};
    previous.items[0] = "zz";
    assert_null(secret_box_create(KEY_A, &previous, &err));
    assert_non_null(strstr(err.message, "Security__PreviousSecretKeys__0"));
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip),
        cmocka_unit_test(other_row_does_not_open),
        cmocka_unit_test(wrong_key_does_not_open),
        cmocka_unit_test(previous_key_opens),
        cmocka_unit_test(damaged_text_is_refused),
        cmocka_unit_test(malformed_keys_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
