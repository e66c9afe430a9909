/* test_media_protocol.c - the media worker protocol: requests and replies survive a round
 * trip field by field; the layout is the documented little-endian one; every malformed input
 * (short, long, wrong magic or version, unknown flags, lying lengths, unterminated texts, an
 * unknown status or format) is refused; parameters over the limit are not encoded; long
 * diagnostics are cut and stay terminated. */
#include "cmocka_prelude.h"

#include <string.h>

#include "media/media_protocol.h"

static void request_round_trip(void **state)
{
    (void)state;
    const uint8_t params[] = "{\"width\":256}";
    media_request request = {.operation = MEDIA_OP_PROBE,
                             .flags = MEDIA_REQUEST_HAS_INPUT | MEDIA_REQUEST_HAS_OUTPUT,
                             .id = 0x01020304u,
                             .params_length = sizeof params - 1,
                             .params = params};
    uint8_t buffer[MEDIA_REQUEST_MAX];
    size_t length = media_request_encode(&request, buffer, sizeof buffer);
    assert_int_equal(length, MEDIA_REQUEST_HEADER_SIZE + sizeof params - 1);
    assert_memory_equal(buffer, "NKMQ", 4);          /* magic */
    assert_int_equal(buffer[4], 1);                  /* version, little-endian */
    assert_int_equal(buffer[6], MEDIA_OP_PROBE);     /* operation */
    assert_int_equal(buffer[12], 0x04);              /* id, lowest byte first */
    assert_int_equal(buffer[16], sizeof params - 1); /* parameters length */
    media_request decoded;
    assert_int_equal(media_request_decode(buffer, length, &decoded), 0);
    assert_int_equal(decoded.operation, MEDIA_OP_PROBE);
    assert_int_equal(decoded.flags, MEDIA_REQUEST_HAS_INPUT | MEDIA_REQUEST_HAS_OUTPUT);
    assert_int_equal(decoded.id, 0x01020304u);
    assert_int_equal(decoded.params_length, sizeof params - 1);
    assert_memory_equal(decoded.params, params, sizeof params - 1);
}

static void request_without_params(void **state)
{
    (void)state;
    media_request request = {.operation = MEDIA_OP_TEST_HANG, .id = 7};
    uint8_t buffer[MEDIA_REQUEST_HEADER_SIZE];
    assert_int_equal(media_request_encode(&request, buffer, sizeof buffer),
                     MEDIA_REQUEST_HEADER_SIZE);
    media_request decoded;
    assert_int_equal(media_request_decode(buffer, sizeof buffer, &decoded), 0);
    assert_int_equal(decoded.operation, MEDIA_OP_TEST_HANG);
    assert_null(decoded.params);
    assert_int_equal(decoded.params_length, 0);
}

static void request_limits(void **state)
{
    (void)state;
    static uint8_t params[MEDIA_PARAMS_MAX + 1];
    static uint8_t buffer[MEDIA_REQUEST_MAX + 8];
    media_request request = {.operation = MEDIA_OP_PROBE, .params = params};
    request.params_length = MEDIA_PARAMS_MAX + 1;
    assert_int_equal(media_request_encode(&request, buffer, sizeof buffer), 0);
    request.params_length = MEDIA_PARAMS_MAX;
    assert_int_equal(media_request_encode(&request, buffer, sizeof buffer), MEDIA_REQUEST_MAX);
    assert_int_equal(media_request_encode(&request, buffer, MEDIA_REQUEST_MAX - 1), 0);
    request.params = NULL; /* a length without bytes */
    assert_int_equal(media_request_encode(&request, buffer, sizeof buffer), 0);
}

static void malformed_requests(void **state)
{
    (void)state;
    const uint8_t params[] = "abc";
    media_request request = {
        .operation = MEDIA_OP_PROBE, .id = 1, .params_length = 3, .params = params};
    uint8_t good[64];
    size_t length = media_request_encode(&request, good, sizeof good);
    uint8_t bad[64];
    media_request out;
    assert_int_equal(media_request_decode(good, length - 1, &out), -1); /* short */
    assert_int_equal(media_request_decode(good, MEDIA_REQUEST_HEADER_SIZE - 1, &out), -1);
    memcpy(bad, good, length);
    bad[length] = 'x';
    assert_int_equal(media_request_decode(bad, length + 1, &out), -1); /* trailing byte */
    const size_t offsets[] = {0, 4, 8, 10, 16}; /* magic, version, flags, reserved, length */
    for (size_t i = 0; i < sizeof offsets / sizeof offsets[0]; i++) {
        memcpy(bad, good, length);
        bad[offsets[i]] ^= 0x80;
        assert_int_equal(media_request_decode(bad, length, &out), -1);
    }
    memcpy(bad, good, length);
    bad[19] = 0xff; /* a length of 4 G */
    assert_int_equal(media_request_decode(bad, length, &out), -1);
}

static void reply_round_trip(void **state)
{
    (void)state;
    media_reply reply;
    memset(&reply, 0, sizeof reply);
    reply.status = MEDIA_STATUS_OK;
    reply.id = 42;
    reply.flags = MEDIA_REPLY_RETIRING;
    reply.info = (media_info){.format = MEDIA_FORMAT_GIF,
                              .width = 65535,
                              .height = 3,
                              .frames = 12,
                              .frame_pixels = 65535LL * 65535LL};
    media_reply_set(&reply, MEDIA_STATUS_OK, "ok", "%d frames", 12);
    uint8_t buffer[MEDIA_REPLY_SIZE];
    assert_int_equal(media_reply_encode(&reply, buffer, sizeof buffer), MEDIA_REPLY_SIZE);
    assert_int_equal(media_reply_encode(&reply, buffer, MEDIA_REPLY_SIZE - 1), 0);
    assert_memory_equal(buffer, "NKMR", 4);
    media_reply decoded;
    assert_int_equal(media_reply_decode(buffer, sizeof buffer, &decoded), 0);
    assert_int_equal(decoded.status, MEDIA_STATUS_OK);
    assert_int_equal(decoded.id, 42);
    assert_int_equal(decoded.flags, MEDIA_REPLY_RETIRING);
    assert_int_equal(decoded.info.format, MEDIA_FORMAT_GIF);
    assert_int_equal(decoded.info.width, 65535);
    assert_int_equal(decoded.info.height, 3);
    assert_int_equal(decoded.info.frames, 12);
    assert_int_equal(decoded.info.frame_pixels, 65535LL * 65535LL);
    assert_string_equal(decoded.code, "ok");
    assert_string_equal(decoded.message, "12 frames");
}

static void long_texts_are_cut_and_terminated(void **state)
{
    (void)state;
    media_reply reply;
    memset(&reply, 0, sizeof reply);
    char longer[MEDIA_MESSAGE_SIZE * 2];
    memset(longer, 'm', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    media_reply_set(&reply, MEDIA_STATUS_FAILED, longer, "%s", longer);
    uint8_t buffer[MEDIA_REPLY_SIZE];
    assert_int_equal(media_reply_encode(&reply, buffer, sizeof buffer), MEDIA_REPLY_SIZE);
    media_reply decoded;
    assert_int_equal(media_reply_decode(buffer, sizeof buffer, &decoded), 0);
    assert_int_equal(strlen(decoded.code), MEDIA_CODE_SIZE - 1);
    assert_int_equal(strlen(decoded.message), MEDIA_MESSAGE_SIZE - 1);
}

static void malformed_replies(void **state)
{
    (void)state;
    media_reply reply;
    memset(&reply, 0, sizeof reply);
    media_reply_set(&reply, MEDIA_STATUS_NOT_IMAGE, "media_not_image", "no loader");
    uint8_t good[MEDIA_REPLY_SIZE], bad[MEDIA_REPLY_SIZE + 1];
    media_reply_encode(&reply, good, sizeof good);
    media_reply out;
    assert_int_equal(media_reply_decode(good, sizeof good - 1, &out), -1);
    memcpy(bad, good, sizeof good);
    assert_int_equal(media_reply_decode(bad, sizeof good + 1, &out), -1);
    const size_t offsets[] = {0, 4, 6, 16}; /* magic, version, status 0x80.., format */
    for (size_t i = 0; i < sizeof offsets / sizeof offsets[0]; i++) {
        memcpy(bad, good, sizeof good);
        bad[offsets[i]] ^= 0x80;
        assert_int_equal(media_reply_decode(bad, sizeof good, &out), -1);
    }
    memcpy(bad, good, sizeof good); /* the code's field without its NUL */
    memset(bad + 40, 'c', MEDIA_CODE_SIZE);
    assert_int_equal(media_reply_decode(bad, sizeof good, &out), -1);
    memcpy(bad, good, sizeof good); /* the message's field without its NUL */
    memset(bad + 40 + MEDIA_CODE_SIZE, 'm', MEDIA_MESSAGE_SIZE);
    assert_int_equal(media_reply_decode(bad, sizeof good, &out), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(request_round_trip), cmocka_unit_test(request_without_params),
        cmocka_unit_test(request_limits),     cmocka_unit_test(malformed_requests),
        cmocka_unit_test(reply_round_trip),   cmocka_unit_test(long_texts_are_cut_and_terminated),
        cmocka_unit_test(malformed_replies),
    };
    return cmocka_run_group_tests_name("media protocol", tests, NULL, NULL);
}
