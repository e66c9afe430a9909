/* test_password.c - Argon2id hashing, Identity v3 verification, the dummy verify, the
 * concurrency gate and the password policy. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/password.h"

#define MIN_LENGTH 8

/* Identity v3 vectors made with Python's hashlib.pbkdf2_hmac (not with this code):
 *   base64(b'\x01' + struct.pack('>III', prf, iterations, len(salt)) + salt
 *          + hashlib.pbkdf2_hmac(alg, password.encode(), salt, iterations, key_length)) */
/* .NET 7+ default: HMAC-SHA512, 100 000 iterations, salt 00..0f, 32-byte key. */
static const char identity_sha512_hash[] =
    "AQAAAAIAAYagAAAAEAABAgMEBQYHCAkKCwwNDg+HNphercic/uMU10oVOJcFooxzoeSLoVHx/CnyVEI1LA==";
static const char identity_sha512_password[] = "correct horse battery staple";
/* Older default: HMAC-SHA256, 10 000 iterations, salt a0..af, UTF-8 password. */
static const char identity_sha256_hash[] =
    "AQAAAAEAACcQAAAAEKChoqOkpaanqKmqq6ytrq9l1Eigw/4DXCIxvTC5rI4TtT4zYMhI0zPGdFHy7vwj9w==";
static const char identity_sha256_password[] = "P\xc3\xa4ssw\xc3\xb6rd-\xc3\xbcnicode";
/* Two output blocks: SHA256 with a 48-byte key and 24-byte salt; SHA512 with an 80-byte key. */
static const char identity_sha256_two_blocks[] =
    "AQAAAAEAAAPoAAAAGAABAgMEBQYHCAkKCwwNDg8QERITFBUWF/h7/h25T3WT5HNANa4PL8AHYh8J1vH9g8FZH+cs29ug"
    "487vChUSfQRLx2a75FXQQw==";
static const char identity_sha512_two_blocks[] =
    "AQAAAAIAAAPoAAAAEAABAgMEBQYHCAkKCwwNDg+N99Ec4TeUfC1PgpaTxFtUg6VrSSCJKnpCOKGB+69xsCLamw7jlMOn"
    "kIPEEL3Jv3WgVVIs7z6IIeSIXF+xyUwblcgHlYgdkFNQgfvz4HzGyQ==";
/* Made by ASP.NET Core Identity itself (a public seed file, password in its comment). */
static const char identity_real_hash[] =
    "AQAAAAIAAYagAAAAENoVftXbReMcFkOwzlfLFgFkx1tZ2PVoFwKaz/7UP6r5rlrymlHMFjMgowJCZl+6YA==";

static int setup(void **state)
{
    (void)state;
    if (sodium_init() < 0)
        return -1;
    return password_init(2);
}

static int teardown(void **state)
{
    (void)state;
    password_shutdown();
    return 0;
}

static double seconds_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

static void test_hash_and_verify(void **state)
{
    (void)state;
    char hash[crypto_pwhash_STRBYTES];
    assert_int_equal(password_hash("s3cret password", hash), 0);
    assert_memory_equal(hash, "$argon2id$", 10);
    assert_non_null(strstr(hash, "m=65536,t=2,p=1"));
    assert_true(password_verify(hash, "s3cret password"));
    assert_false(password_verify(hash, "s3cret passwore"));
    assert_false(password_verify(hash, "s3cret password "));
    assert_false(password_verify(hash, ""));
    assert_false(password_needs_rehash(hash));

    /* Salted: the same password hashes differently. */
    char again[crypto_pwhash_STRBYTES];
    assert_int_equal(password_hash("s3cret password", again), 0);
    assert_string_not_equal(hash, again);
}

static void test_passwords_are_verbatim(void **state)
{
    (void)state;
    char hash[crypto_pwhash_STRBYTES];
    assert_int_equal(password_hash("  spaced  ", hash), 0);
    assert_true(password_verify(hash, "  spaced  "));
    assert_false(password_verify(hash, "spaced"));
    assert_int_equal(password_hash("", hash), 0); /* policy is the caller's; hashing works */
    assert_true(password_verify(hash, ""));
}

static void test_identity_v3_vectors(void **state)
{
    (void)state;
    assert_true(password_verify(identity_sha512_hash, identity_sha512_password));
    assert_false(password_verify(identity_sha512_hash, "correct horse battery stapler"));
    assert_true(password_verify(identity_sha256_hash, identity_sha256_password));
    assert_false(password_verify(identity_sha256_hash, "Password-unicode"));
    assert_true(password_verify(identity_sha256_two_blocks, "multi block"));
    assert_false(password_verify(identity_sha256_two_blocks, "multi blocK"));
    assert_true(password_verify(identity_sha512_two_blocks, "multi block 512"));
    assert_true(password_verify(identity_real_hash, "Test123$"));
    assert_false(password_verify(identity_real_hash, "test123$"));
    assert_true(password_needs_rehash(identity_sha512_hash));
}

/* Change one byte of a decoded Identity hash (set it to value, or XOR it with value when
 * flip is true) and re-encode it into out. */
static void identity_edit(const char *hash, size_t offset, unsigned char value, bool flip,
                          char *out, size_t out_size)
{
    unsigned char bytes[256];
    size_t length = 0;
    assert_int_equal(sodium_base642bin(bytes, sizeof bytes, hash, strlen(hash), NULL, &length, NULL,
                                       sodium_base64_VARIANT_ORIGINAL),
                     0);
    assert_true(offset < length);
    bytes[offset] = flip ? (unsigned char)(bytes[offset] ^ value) : value;
    sodium_bin2base64(out, out_size, bytes, length, sodium_base64_VARIANT_ORIGINAL);
}

static void identity_variant(const char *hash, size_t offset, unsigned char value, char *out,
                             size_t out_size)
{
    identity_edit(hash, offset, value, false, out, out_size);
}

static void test_identity_v3_malformed_never_match(void **state)
{
    (void)state;
    char variant[512];
    /* Marker 0x00 (Identity v2, SHA-1) is not supported. */
    identity_variant(identity_sha512_hash, 0, 0x00, variant, sizeof variant);
    assert_false(password_verify(variant, identity_sha512_password));
    /* prf 0 (SHA-1) and 3 (unknown). */
    identity_variant(identity_sha512_hash, 4, 0x00, variant, sizeof variant);
    assert_false(password_verify(variant, identity_sha512_password));
    identity_variant(identity_sha512_hash, 4, 0x03, variant, sizeof variant);
    assert_false(password_verify(variant, identity_sha512_password));
    /* Salt length larger than the data, and shorter than 16. */
    identity_variant(identity_sha512_hash, 12, 0xF0, variant, sizeof variant);
    assert_false(password_verify(variant, identity_sha512_password));
    identity_variant(identity_sha512_hash, 12, 0x08, variant, sizeof variant);
    assert_false(password_verify(variant, identity_sha512_password));
    /* Iterations 0, and absurdly many (refused before any work). */
    identity_variant(identity_sha512_hash, 6, 0x00, variant, sizeof variant);
    identity_variant(variant, 7, 0x00, variant, sizeof variant);
    identity_variant(variant, 8, 0x00, variant, sizeof variant);
    assert_false(password_verify(variant, identity_sha512_password));
    identity_variant(identity_sha512_hash, 5, 0x7F, variant, sizeof variant);
    assert_false(password_verify(variant, identity_sha512_password));
    /* A changed subkey byte. */
    identity_edit(identity_sha512_hash, 40, 0x01, true, variant, sizeof variant);
    assert_false(password_verify(variant, identity_sha512_password));
    identity_edit(identity_sha512_hash, 60, 0x80, true, variant, sizeof variant); /* last byte */
    assert_false(password_verify(variant, identity_sha512_password));

    /* Not Base64, trailing junk, truncated, empty, too long. */
    assert_false(password_verify("not base64 at all!", "x"));
    char junk[256];
    strcpy(junk, identity_sha512_hash);
    strcat(junk, "AAAA!");
    assert_false(password_verify(junk, identity_sha512_password));
    strcpy(junk, identity_sha512_hash);
    junk[40] = '\0';
    assert_false(password_verify(junk, identity_sha512_password));
    assert_false(password_verify("", ""));
    assert_false(password_verify("AQ==", ""));
    char *huge = malloc(PASSWORD_STORED_HASH_MAX_LENGTH + 8);
    assert_non_null(huge);
    memset(huge, 'A', PASSWORD_STORED_HASH_MAX_LENGTH + 4);
    huge[PASSWORD_STORED_HASH_MAX_LENGTH + 4] = '\0';
    assert_false(password_verify(huge, "x"));
    free(huge);
    assert_false(password_verify(NULL, "x"));
    assert_false(password_verify(identity_sha512_hash, NULL));
    /* A broken Argon2 string. */
    assert_false(password_verify("$argon2id$v=19$m=65536,t=2,p=1$broken", "x"));
}

static void test_dummy_verify_costs_like_a_real_one(void **state)
{
    (void)state;
    char hash[crypto_pwhash_STRBYTES];
    assert_int_equal(password_hash("the real one", hash), 0);

    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (int i = 0; i < 3; i++)
        assert_true(password_verify(hash, "the real one"));
    double real = seconds_since(&start);

    clock_gettime(CLOCK_MONOTONIC, &start);
    for (int i = 0; i < 3; i++)
        assert_false(password_dummy_verify("the real one"));
    double dummy = seconds_since(&start);

    /* Same algorithm and parameters: generous bounds, the machine may be busy. */
    assert_true(dummy > real / 3.0);
    assert_true(dummy < real * 3.0);
    assert_false(password_dummy_verify(""));
    assert_false(password_dummy_verify(NULL));
}

/* ---- the concurrency gate ---- */

typedef struct {
    const char *hash;
    bool matched;
} verify_job;

static void *run_verify(void *arg)
{
    verify_job *job = arg;
    job->matched = password_verify(job->hash, "parallel");
    return NULL;
}

/* With one slot and four callers, the gate's own counters never show more than one running,
 * and the others are seen waiting; every verification still succeeds. */
static void test_gate_limits_concurrency(void **state)
{
    (void)state;
    char hash[crypto_pwhash_STRBYTES];
    assert_int_equal(password_hash("parallel", hash), 0);
    password_shutdown();
    assert_int_equal(password_init(1), 0);

    enum { CALLERS = 4 };
    pthread_t threads[CALLERS];
    verify_job jobs[CALLERS];
    for (int i = 0; i < CALLERS; i++) {
        jobs[i] = (verify_job){hash, false};
        assert_int_equal(pthread_create(&threads[i], NULL, run_verify, &jobs[i]), 0);
    }
    int most_running = 0, most_waiting = 0;
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    while (seconds_since(&start) < 30.0) {
        int running, waiting;
        password_stats(&running, &waiting);
        most_running = running > most_running ? running : most_running;
        most_waiting = waiting > most_waiting ? waiting : most_waiting;
        if (running == 0 && waiting == 0 && most_running > 0)
            break;
        const struct timespec pause = {0, 1000000};
        nanosleep(&pause, NULL);
    }
    for (int i = 0; i < CALLERS; i++) {
        assert_int_equal(pthread_join(threads[i], NULL), 0);
        assert_true(jobs[i].matched);
    }
    assert_int_equal(most_running, 1);
    assert_true(most_waiting >= 1);

    password_shutdown();
    assert_int_equal(password_init(2), 0);
}

static void test_not_initialised_fails_closed(void **state)
{
    (void)state;
    char hash[crypto_pwhash_STRBYTES];
    assert_int_equal(password_hash("abc", hash), 0);
    password_shutdown();
    char other[crypto_pwhash_STRBYTES] = "junk";
    assert_int_equal(password_hash("abc", other), -1);
    assert_string_equal(other, "");
    assert_false(password_verify(hash, "abc"));
    assert_false(password_dummy_verify("abc"));
    password_shutdown(); /* twice is fine */

    assert_int_equal(password_init(0), -1);
    assert_int_equal(password_init(2), 0);
    assert_int_equal(password_init(2), -1); /* already initialised */
    assert_true(password_verify(hash, "abc"));
}

/* ---- policy ---- */

static void assert_policy(const char *password, const char *code)
{
    nh_error err;
    error_clear(&err);
    int rc = password_check_policy(password, MIN_LENGTH, &err);
    if (!code) {
        assert_int_equal(rc, 0);
        return;
    }
    assert_int_equal(rc, -1);
    assert_int_equal(err.status, 400);
    assert_string_equal(err.code, code);
}

static void test_policy_required(void **state)
{
    (void)state;
    assert_policy(NULL, "user_password_required");
    assert_policy("", "user_password_required");
    assert_policy("        ", "user_password_required");
    assert_policy(" \t\r\n\v\f ", "user_password_required");
    /* NBSP, em space, ideographic space: whitespace too (as .NET IsNullOrWhiteSpace). */
    assert_policy("\xc2\xa0\xe2\x80\x83\xe3\x80\x80\xc2\xa0\xc2\xa0\xc2\xa0\xc2\xa0\xc2\xa0",
                  "user_password_required");
}

static void test_policy_too_weak_counts_code_points(void **state)
{
    (void)state;
    assert_policy("1234567", "user_password_too_weak");
    assert_policy("12345678", NULL);
    /* 7 characters, 14 bytes: too weak. 8 characters of 2, 3 and 4 bytes: fine. */
    assert_policy("\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4",
                  "user_password_too_weak");
    assert_policy("\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4", NULL);
    assert_policy("\xe7\x8c\xab\xe7\x8c\xab\xe7\x8c\xab\xe7\x8c\xab\xe7\x8c\xab\xe7\x8c\xab"
                  "\xe7\x8c\xab",
                  "user_password_too_weak");
    assert_policy("\xf0\x9f\x90\xb1\xf0\x9f\x90\xb1\xf0\x9f\x90\xb1\xf0\x9f\x90\xb1"
                  "\xf0\x9f\x90\xb1\xf0\x9f\x90\xb1\xf0\x9f\x90\xb1\xf0\x9f\x90\xb1",
                  NULL);
    /* Surrounding spaces count: passwords are verbatim. */
    assert_policy("  abcd  ", NULL);

    nh_error err;
    assert_int_equal(password_check_policy("short", 12, &err), -1);
    assert_string_equal(err.code, "user_password_too_weak");
    assert_non_null(strstr(err.message, "12"));
    assert_int_equal(password_check_policy("x", 0, &err), 0);
}

static void test_policy_too_long_at_1024_bytes(void **state)
{
    (void)state;
    char *text = malloc(PASSWORD_MAX_BYTES + 2);
    assert_non_null(text);
    memset(text, 'a', PASSWORD_MAX_BYTES);
    text[PASSWORD_MAX_BYTES] = '\0';
    assert_policy(text, NULL);
    text[PASSWORD_MAX_BYTES] = 'a';
    text[PASSWORD_MAX_BYTES + 1] = '\0';
    assert_policy(text, "user_password_too_long");

    /* Bytes, not characters: 342 three-byte characters are 1026 bytes. */
    char *wide = malloc(342 * 3 + 1);
    assert_non_null(wide);
    for (int i = 0; i < 342; i++)
        memcpy(wide + i * 3, "\xe7\x8c\xab", 3);
    wide[342 * 3] = '\0';
    assert_policy(wide, "user_password_too_long");
    wide[341 * 3] = '\0'; /* 1023 bytes */
    assert_policy(wide, NULL);
    free(wide);
    free(text);
}

static void test_policy_invalid_utf8(void **state)
{
    (void)state;
    assert_policy("abcdefgh\xff", "request_invalid");
    assert_policy("abcdefgh\xc3", "request_invalid");             /* truncated */
    assert_policy("abcdefgh\xc0\xaf", "request_invalid");         /* overlong, 2 bytes */
    assert_policy("abcdefgh\xe0\x80\xaf", "request_invalid");     /* overlong, 3 bytes */
    assert_policy("abcdefgh\xf0\x80\x80\xaf", "request_invalid"); /* overlong, 4 bytes */
    assert_policy("abcdefgh\xf4\x90\x80\x80", "request_invalid"); /* above U+10FFFF */
    assert_policy("abcdefgh\xe2\x82", "request_invalid");         /* cut mid-character */
    assert_policy("abcdefgh\xed\xa0\x80", "request_invalid");     /* surrogate */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_and_verify),
        cmocka_unit_test(test_passwords_are_verbatim),
        cmocka_unit_test(test_identity_v3_vectors),
        cmocka_unit_test(test_identity_v3_malformed_never_match),
        cmocka_unit_test(test_dummy_verify_costs_like_a_real_one),
        cmocka_unit_test(test_gate_limits_concurrency),
        cmocka_unit_test(test_not_initialised_fails_closed),
        cmocka_unit_test(test_policy_required),
        cmocka_unit_test(test_policy_too_weak_counts_code_points),
        cmocka_unit_test(test_policy_too_long_at_1024_bytes),
        cmocka_unit_test(test_policy_invalid_utf8),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
