/* test_github_paths.c - the pure parts of the GitHub backend: path normalisation, key <-> path
 * under basePath, contents and raw URLs (refs with '/'), commit-message templates, the
 * rate-limit wait, token redaction and chunked base64 decoding. */
#include "cmocka_prelude.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "storage/github_paths.h"

static void paths_are_normalized(void **state)
{
    (void)state;
    char out[GITHUB_PATH_SIZE];
    assert_int_equal(github_path_normalize("  /assets\\img/ ", false, out, sizeof out), 0);
    assert_string_equal(out, "assets/img");
    assert_int_equal(github_path_normalize("a/b c/d.png", false, out, sizeof out), 0);
    assert_string_equal(out, "a/b c/d.png");
    assert_int_equal(github_path_normalize("///", true, out, sizeof out), 0);
    assert_string_equal(out, "");
    assert_int_equal(github_path_normalize("", true, out, sizeof out), 0);
    const char *bad[] = {"",   "  ", "/",     "a//b",   "a/./b",   "a/../b",
                         "..", ".",  "a/ /b", "a\\\\b", "a/\x01/b"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(github_path_normalize(bad[i], false, out, sizeof out), -1);
        assert_string_equal(out, "");
    }
    assert_int_equal(github_path_normalize("a/../b", true, out, sizeof out), -1);
    char small[4];
    assert_int_equal(github_path_normalize("abcd", false, small, sizeof small), -1);
    assert_int_equal(github_path_normalize("abc", false, small, sizeof small), 0);
}

static void keys_map_to_paths_under_the_base(void **state)
{
    (void)state;
    assert_string_equal(github_path_relative("assets/img", "assets/img/2026/a.png"), "2026/a.png");
    assert_string_equal(github_path_relative("assets/img", "ASSETS/Img/2026/a.png"), "2026/a.png");
    assert_string_equal(github_path_relative("assets/img", "assets/imgx/a.png"),
                        "assets/imgx/a.png");
    assert_string_equal(github_path_relative("assets/img", "2026/a.png"), "2026/a.png");
    assert_string_equal(github_path_relative("assets/img", "assets/img"), "");
    assert_string_equal(github_path_relative(NULL, "x/y"), "x/y");
    char out[GITHUB_PATH_SIZE];
    assert_int_equal(github_path_join("assets", "2026/a.png", out, sizeof out), 0);
    assert_string_equal(out, "assets/2026/a.png");
    assert_int_equal(github_path_join(NULL, "2026/a.png", out, sizeof out), 0);
    assert_string_equal(out, "2026/a.png");
    assert_int_equal(github_path_join("assets", "", out, sizeof out), 0);
    assert_string_equal(out, "assets");
    char small[8];
    assert_int_equal(github_path_join("assets", "2026", small, sizeof small), -1);
    assert_string_equal(small, "");
}

static void contents_urls_encode_each_component(void **state)
{
    (void)state;
    char *url = github_contents_url("https://api.github.com/", "neko", "images", "assets/a b/ü.png",
                                    "release/v2");
    assert_string_equal(url, "https://api.github.com/repos/neko/images/contents/assets/a%20b/"
                             "%C3%BC.png?ref=release%2Fv2");
    free(url);
    url = github_contents_url("http://127.0.0.1:9", "o", "r", "", "main");
    assert_string_equal(url, "http://127.0.0.1:9/repos/o/r/contents?ref=main");
    free(url);
    url = github_contents_url("http://h", "o", "r", "x?#&.png", "a&b=c");
    assert_string_equal(url, "http://h/repos/o/r/contents/x%3F%23%26.png?ref=a%26b%3Dc");
    free(url);
    assert_null(github_contents_url("http://h", "o", "r", "x", NULL));
}

static void raw_urls_keep_ref_segments(void **state)
{
    (void)state;
    char *url = github_raw_url("https://raw.githubusercontent.com//", "neko", "images",
                               "release/v2", "assets/a b.png");
    assert_string_equal(
        url, "https://raw.githubusercontent.com/neko/images/release/v2/assets/a%20b.png");
    free(url);
    url = github_raw_url("http://raw", "o", "r", "feature/x y", "k");
    assert_string_equal(url, "http://raw/o/r/feature/x%20y/k");
    free(url);
    char *encoded = github_percent_encode("a/b c~");
    assert_string_equal(encoded, "a%2Fb%20c~");
    free(encoded);
}

static void commit_messages_follow_the_template(void **state)
{
    (void)state;
    char *message = github_commit_message("  add a cat \n", "ignored", "upload", "x");
    assert_string_equal(message, "add a cat");
    free(message);
    message = github_commit_message(NULL, NULL, "create", "a/b/c.png");
    assert_string_equal(message, "chore(nekohub): create a/b/c.png");
    free(message);
    message = github_commit_message("   ", "  ", "delete", "c.png");
    assert_string_equal(message, "chore(nekohub): delete c.png");
    free(message);
    message = github_commit_message(NULL, "{OPERATION} {FileName} in {path} {other} {", "update",
                                    "dir/sub/f.webp");
    assert_string_equal(message, "update f.webp in dir/sub/f.webp {other} {");
    free(message);
}

static void rate_limit_waits_come_from_the_headers(void **state)
{
    (void)state;
    assert_int_equal(github_retry_after_seconds("90", "2000", 1000), 90);
    assert_int_equal(github_retry_after_seconds(NULL, "1300", 1000), 300);
    assert_int_equal(github_retry_after_seconds("soon", "1300", 1000), 300);
    assert_int_equal(github_retry_after_seconds(NULL, "900", 1000), 1);
    assert_int_equal(github_retry_after_seconds("0", NULL, 1000), 1);
    assert_int_equal(github_retry_after_seconds(NULL, NULL, 1000), 60);
    assert_int_equal(github_retry_after_seconds("999999", NULL, 1000), 3600);
    assert_int_equal(github_retry_after_seconds(" 5 ", NULL, 1000), 5);
    assert_int_equal(github_retry_after_seconds("-5", NULL, 1000), 60);
}

static void tokens_are_redacted(void **state)
{
    (void)state;
    char text[] = "bad token ghp_secret1234 in ghp_secret1234!";
    text_redact(text, "ghp_secret1234");
    assert_string_equal(text, "bad token *** in ***!");
    char untouched[] = "abc";
    text_redact(untouched, "ab"); /* too short to be a token: left alone */
    assert_string_equal(untouched, "abc");
    text_redact(untouched, NULL);
    assert_string_equal(untouched, "abc");
}

typedef struct collected {
    unsigned char bytes[20000];
    size_t length;
    size_t calls;
    size_t largest;
} collected;

static int collect(void *context, const unsigned char *bytes, size_t length)
{
    collected *sink = context;
    if (sink->length + length > sizeof sink->bytes)
        return -1;
    memcpy(sink->bytes + sink->length, bytes, length);
    sink->length += length;
    sink->calls++;
    if (length > sink->largest)
        sink->largest = length;
    return 0;
}

/* base64 with a newline every 60 characters, as the contents API sends it. */
static char *github_style_base64(const unsigned char *bytes, size_t length)
{
    size_t encoded_size = sodium_base64_ENCODED_LEN(length, sodium_base64_VARIANT_ORIGINAL);
    char *plain = malloc(encoded_size);
    sodium_bin2base64(plain, encoded_size, bytes, length, sodium_base64_VARIANT_ORIGINAL);
    size_t plain_length = strlen(plain);
    char *wrapped = malloc(plain_length + plain_length / 60 + 2);
    size_t out = 0;
    for (size_t i = 0; i < plain_length; i++) {
        wrapped[out++] = plain[i];
        if (i % 60 == 59)
            wrapped[out++] = '\n';
    }
    wrapped[out++] = '\n';
    wrapped[out] = '\0';
    free(plain);
    return wrapped;
}

static void base64_is_decoded_in_chunks(void **state)
{
    (void)state;
    size_t lengths[] = {0, 1, 2, 3, 3071, 3072, 3073, 10000};
    for (size_t n = 0; n < sizeof lengths / sizeof lengths[0]; n++) {
        unsigned char *bytes = malloc(lengths[n] + 1);
        for (size_t i = 0; i < lengths[n]; i++)
            bytes[i] = (unsigned char)(i * 7 + n);
        char *text = github_style_base64(bytes, lengths[n]);
        collected *sink = calloc(1, sizeof *sink);
        uint64_t decoded = 99;
        assert_int_equal(github_base64_decode_chunked(text, strlen(text), collect, sink, &decoded),
                         0);
        assert_int_equal(decoded, lengths[n]);
        assert_int_equal(sink->length, lengths[n]);
        assert_memory_equal(sink->bytes, bytes, lengths[n]);
        assert_true(sink->largest <= 3072); /* never more than one chunk at a time */
        if (lengths[n] == 10000)
            assert_true(sink->calls >= 4);
        free(sink);
        free(text);
        free(bytes);
    }
}

static void invalid_base64_is_refused(void **state)
{
    (void)state;
    const char *bad[] = {"QQ", "QQ=", "Q$==", "QQ==QQ==", "QUJD\nQQ==\nQUJD", "QUJD!"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        collected *sink = calloc(1, sizeof *sink);
        uint64_t decoded = 0;
        assert_int_equal(
            github_base64_decode_chunked(bad[i], strlen(bad[i]), collect, sink, &decoded), -1);
        free(sink);
    }
    /* padding at the end of a 4096-character chunk followed by more text */
    size_t length = 4096 + 4;
    char *text = malloc(length + 1);
    memset(text, 'A', length);
    text[4094] = '=';
    text[4095] = '=';
    text[length] = '\0';
    collected *sink = calloc(1, sizeof *sink);
    uint64_t decoded = 0;
    assert_int_equal(github_base64_decode_chunked(text, length, collect, sink, &decoded), -1);
    free(sink);
    free(text);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(paths_are_normalized),
        cmocka_unit_test(keys_map_to_paths_under_the_base),
        cmocka_unit_test(contents_urls_encode_each_component),
        cmocka_unit_test(raw_urls_keep_ref_segments),
        cmocka_unit_test(commit_messages_follow_the_template),
        cmocka_unit_test(rate_limit_waits_come_from_the_headers),
        cmocka_unit_test(tokens_are_redacted),
        cmocka_unit_test(base64_is_decoded_in_chunks),
        cmocka_unit_test(invalid_base64_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
