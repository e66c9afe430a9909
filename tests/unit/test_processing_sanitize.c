/* test_processing_sanitize.c - step messages (spec processing.md §6): white space collapsed,
 * bearer tokens and sk- keys redacted, the 2048-byte cut on a UTF-8 boundary, the blank
 * fallback; and processing_step_fail's transient rule (issue 11) and registry. */
#include "cmocka_prelude.h"

#include <string.h>

#include "processing/processing_step.h"

static const char *sanitize(const char *message, const char *step, char out[STEP_MESSAGE_MAX + 1])
{
    processing_sanitize_message(message, step, out);
    return out;
}

static void white_space_collapses(void **state)
{
    (void)state;
    char out[STEP_MESSAGE_MAX + 1];
    assert_string_equal(sanitize("  a \t\n b\r\n\nc  ", "s", out), "a b c");
    assert_string_equal(sanitize("x\u00a0\u3000y", "s", out), "x y");
    assert_string_equal(sanitize("caf\xc3\xa9 ok", "s", out), "caf\xc3\xa9 ok");
    assert_string_equal(sanitize("bad \xff byte", "s", out), "bad ? byte");
}

static void secrets_are_redacted(void **state)
{
    (void)state;
    char out[STEP_MESSAGE_MAX + 1];
    assert_string_equal(sanitize("Authorization: Bearer abc.def-ghi failed", "s", out),
                        "Authorization: Bearer *** failed");
    assert_string_equal(sanitize("bearer\t\tXYZ", "s", out), "Bearer ***");
    assert_string_equal(sanitize("key sk-proj_AbC-123 rejected", "s", out), "key sk-*** rejected");
    assert_string_equal(sanitize("SK-abcdef", "s", out), "sk-***");
    assert_string_equal(sanitize("(sk-abc)", "s", out), "(sk-***)");
    /* "sk-" inside a word is no key */
    assert_string_equal(sanitize("the task-runner and disk-full", "s", out),
                        "the task-runner and disk-full");
    assert_string_equal(sanitize("Bearer", "s", out), "Bearer");
    assert_string_equal(sanitize("sk-", "s", out), "sk-");
}

static void long_messages_are_cut_on_a_boundary(void **state)
{
    (void)state;
    static char message[5000];
    char out[STEP_MESSAGE_MAX + 1];
    memset(message, 'a', 2047);
    strcpy(message + 2047, "\xc3\xa9tail");
    sanitize(message, "s", out);
    assert_int_equal(strlen(out), 2047);
    memset(message, 'b', 4000);
    message[4000] = '\0';
    sanitize(message, "s", out);
    assert_int_equal(strlen(out), STEP_MESSAGE_MAX);
}

static void blank_messages_fall_back(void **state)
{
    (void)state;
    char out[STEP_MESSAGE_MAX + 1];
    assert_string_equal(sanitize("", "generate_thumbnail", out),
                        "Step 'generate_thumbnail' failed.");
    assert_string_equal(sanitize(" \n\t", "draw_watermark", out), "Step 'draw_watermark' failed.");
    assert_string_equal(sanitize(NULL, "x", out), "Step 'x' failed.");
}

static void fail_marks_transient_errors(void **state)
{
    (void)state;
    struct {
        int status;
        const char *code;
        bool transient;
    } cases[] = {
        {503, "storage_provider_unavailable", true},
        {429, "storage_provider_rate_limited", true},
        {502, "storage_provider_request_failed", true},
        {503, "media_worker_busy", true},
        {503, "media_worker_unavailable", true},
        {503, "db_busy", true},
        {502, "media_worker_failed", false},
        {503, "media_worker_timeout", false},
        {502, "storage_provider_access_denied", false},
        {400, "storage_provider_profile_disabled", false},
        {422, "media_image_invalid", false},
        {500, "internal_server_error", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        nh_error err;
        error_set_retry(&err, cases[i].status, cases[i].code, 7, "went wrong: Bearer secret");
        step_result result;
        memset(&result, 0, sizeof result);
        processing_step_fail(&result, &err);
        assert_int_equal(result.status, STEP_STATUS_FAILED);
        assert_string_equal(result.code, cases[i].code);
        assert_string_equal(result.message, "went wrong: Bearer ***");
        assert_int_equal(result.transient, cases[i].transient);
        assert_int_equal(result.retry_after_s, cases[i].transient ? 7 : 0);
    }
}

static void registry_knows_the_five_steps(void **state)
{
    (void)state;
    const char *names[] = {"generate_thumbnail", "generate_basic_caption", "strip_exif_metadata",
                           "convert_image_format", "draw_watermark"};
    for (size_t i = 0; i < 5; i++)
        assert_non_null(processing_step_find(names[i]));
    assert_null(processing_step_find("generate_caption"));
    assert_null(processing_step_find(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(white_space_collapses),
        cmocka_unit_test(secrets_are_redacted),
        cmocka_unit_test(long_messages_are_cut_on_a_boundary),
        cmocka_unit_test(blank_messages_fall_back),
        cmocka_unit_test(fail_marks_transient_errors),
        cmocka_unit_test(registry_knows_the_five_steps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
