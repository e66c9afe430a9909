/* test_vision.c - the pure parts of the vision client (ai/vision.h; spec processing.md §11 with
 * issue 12's corrections): the URL rule, the request body, content extraction from choices,
 * server-sent events split anywhere (whitespace-only fragments kept, [DONE], invalid
 * payloads), code fences, the caption JSON, the API's error text, message sanitizing, and the
 * Retry-After parser of storage/remote_http.h. */
#include "cmocka_prelude.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ai/vision.h"
#include "storage/remote_http.h"

static void check_url(const char *base, const char *expected)
{
    char *url = vision_endpoint_url(base);
    assert_non_null(url);
    assert_string_equal(url, expected);
    free(url);
}

static void the_url_rule(void **state)
{
    (void)state;
    check_url("https://api.example.com/v1", "https://api.example.com/v1/chat/completions");
    check_url("https://api.example.com/V1", "https://api.example.com/V1/chat/completions");
    check_url("https://gw.example/openai", "https://gw.example/openai/v1/chat/completions");
    check_url("https://gw.example", "https://gw.example/v1/chat/completions");
    check_url("http://127.0.0.1:11434/", "http://127.0.0.1:11434/v1/chat/completions");
    check_url("https://gw.example/xv1", "https://gw.example/xv1/v1/chat/completions");
    check_url("https://gw.example/api/v1?key=a",
              "https://gw.example/api/v1/chat/completions?key=a");
    check_url("https://gw.example/v1/", "https://gw.example/v1/chat/completions");
}

static json_t *parsed_body(bool stream)
{
    char *text = vision_request_body(" gpt-4o ", " system text ", "  user text ",
                                     "data:image/png;base64,AAAA", stream);
    assert_non_null(text);
    json_t *body = json_loads(text, 0, NULL);
    free(text);
    assert_non_null(body);
    return body;
}

static void the_request_body(void **state)
{
    (void)state;
    json_t *body = parsed_body(false);
    json_t *expected = json_loads(
        "{\"model\":\"gpt-4o\",\"response_format\":{\"type\":\"json_object\"},\"messages\":["
        "{\"role\":\"system\",\"content\":\"system text\"},{\"role\":\"user\",\"content\":["
        "{\"type\":\"text\",\"text\":\"user text\"},{\"type\":\"image_url\",\"image_url\":"
        "{\"url\":\"data:image/png;base64,AAAA\"}}]}]}",
        0, NULL);
    assert_true(json_equal(body, expected));
    json_decref(body);
    body = parsed_body(true);
    assert_true(json_is_true(json_object_get(body, "stream")));
    json_object_del(body, "stream");
    assert_true(json_equal(body, expected));
    json_decref(body);
    json_decref(expected);
}

static void check_content(const char *completion, const char *expected)
{
    json_t *parsed = json_loads(completion, 0, NULL);
    assert_non_null(parsed);
    bool failed = true;
    char *content = vision_completion_content(parsed, &failed);
    assert_false(failed);
    if (!expected) {
        assert_null(content);
    } else {
        assert_non_null(content);
        assert_string_equal(content, expected);
    }
    free(content);
    json_decref(parsed);
}

static void content_from_choices(void **state)
{
    (void)state;
    check_content("{\"choices\":[{\"message\":{\"content\":\"  {\\\"caption\\\":1}  \"}}]}",
                  "{\"caption\":1}");
    check_content("{\"choices\":[{\"message\":{\"content\":\"  \"}},"
                  "{\"message\":{\"content\":\"second\"}}]}",
                  "second");
    check_content(
        "{\"choices\":[{\"message\":{\"content\":[\"a\",{\"type\":\"text\",\"text\":\" b\"},"
        "7,{\"text\":{\"value\":\" c\"}},{\"content\":[\" d\"]}]}}]}",
        "a b c d");
    check_content("{\"choices\":[{\"message\":{\"content\":{\"text\":\"object\"}}}]}", "object");
    check_content("{\"choices\":[{\"message\":{\"content\":\"\"}}]}", NULL);
    check_content("{\"choices\":[]}", NULL);
    check_content("{\"choices\":[{\"message\":{\"content\":null}}]}", NULL);
    check_content("{}", NULL);
}

/* Feed text to a parser in pieces of `step` bytes, as a stream arrives. */
static void feed_in_pieces(vision_sse *sse, const char *text, size_t step)
{
    size_t length = strlen(text);
    for (size_t end = step; end < length + step; end += step) {
        size_t upto = end < length ? end : length;
        if (vision_sse_feed(sse, text, upto))
            break;
    }
    vision_sse_finish(sse, text, length);
}

static const char STREAM[] =
    ": comment\r\n"
    "event: message\n"
    "data: {\"model\":\"m-1\",\"choices\":[{\"delta\":{\"role\":\"assistant\"}}]}\n\n"
    "data: {\"choices\":[{\"delta\":{\"content\":\"{\\\"caption\\\": \\\"Two\"}}]}\r\n\r\n"
    "DATA:{\"choices\":[{\"delta\":{\"content\":\" \",\"reasoning_content\":\"x\"}}]}\n\n"
    "data: {\"model\":\"m-2\",\"choices\":[{\"delta\":{\"content\":[\"words\\\"}\"]}}]}\n\n"
    "data: [DONE]\n\n"
    "data: {\"choices\":[{\"delta\":{\"content\":\"after done\"}}]}\n";

static void events_are_aggregated_whitespace_kept(void **state)
{
    (void)state;
    for (size_t step = 1; step <= sizeof STREAM; step += 7) {
        vision_sse sse;
        vision_sse_init(&sse);
        feed_in_pieces(&sse, STREAM, step);
        assert_true(sse.done);
        assert_true(sse.saw_data);
        assert_false(sse.invalid);
        assert_string_equal(sse.content.data, "{\"caption\": \"Two words\"}");
        assert_string_equal(sse.model, "m-2");
        vision_sse_free(&sse);
    }
}

static void events_without_end_or_data(void **state)
{
    (void)state;
    vision_sse sse;
    vision_sse_init(&sse);
    const char *last_line = "data: {\"choices\":[{\"delta\":{\"content\":\"tail\"}}]}";
    feed_in_pieces(&sse, last_line, 5);
    assert_false(sse.done);
    assert_string_equal(sse.content.data, "tail");
    vision_sse_free(&sse);

    vision_sse_init(&sse);
    feed_in_pieces(&sse, "{\"not\":\"sse\"}\n", 3);
    assert_false(sse.saw_data);
    assert_null(sse.content.data);
    vision_sse_free(&sse);

    vision_sse_init(&sse);
    feed_in_pieces(&sse, "data: not json\ndata: [DONE]\n", 4);
    assert_true(sse.invalid);
    assert_false(sse.done);
    vision_sse_free(&sse);
}

static void check_fence(const char *content, const char *expected)
{
    char *inner = vision_strip_code_fence(content);
    assert_non_null(inner);
    assert_string_equal(inner, expected);
    free(inner);
}

static void code_fences(void **state)
{
    (void)state;
    check_fence("```json\n{\"caption\":\"a\"}\n```", "{\"caption\":\"a\"}");
    check_fence("  ```\n{\"caption\":\"a\"}\n```  ", "{\"caption\":\"a\"}");
    check_fence("```JSON {\"caption\":\"a\"}```", "{\"caption\":\"a\"}");
    check_fence("```json\n{\"caption\":\"a\"}", "{\"caption\":\"a\"}");
    check_fence(" {\"caption\":\"a\"} ", "{\"caption\":\"a\"}");
    check_fence("``not a fence``", "``not a fence``");
}

static void the_caption_json(void **state)
{
    (void)state;
    vision_caption caption;
    nh_error err;
    assert_int_equal(
        vision_caption_parse("```json\n{\"CAPTION\":\"  A cat. \",\"altText\":\" Cat \","
                             "\"tags\":[\"a\",\"b\"]}\n```",
                             "m", &caption, &err),
        0);
    assert_string_equal(caption.caption, "A cat.");
    assert_string_equal(caption.alt_text, "Cat");
    assert_int_equal(json_array_size(caption.tags), 2);
    assert_string_equal(caption.model, "m");
    vision_caption_clear(&caption);

    assert_int_equal(
        vision_caption_parse("{\"caption\":\"x\",\"tags\":\"one, two\"}", "m", &caption, &err), 0);
    assert_int_equal(json_array_size(caption.tags), 2);
    assert_null(caption.alt_text);
    vision_caption_clear(&caption);

    const char *not_json[] = {"A cat.", "[\"caption\"]", "", "{\"caption\":\"x\""};
    for (size_t i = 0; i < sizeof not_json / sizeof not_json[0]; i++) {
        assert_int_equal(vision_caption_parse(not_json[i], "m", &caption, &err), -1);
        assert_int_equal(err.status, 502);
        assert_string_equal(err.code, "ai_provider_response_invalid");
        assert_string_equal(err.message, "OpenAI vision response content was not valid JSON.");
    }
    const char *no_caption[] = {"{}", "{\"caption\":\"  \"}", "{\"caption\":7}"};
    for (size_t i = 0; i < sizeof no_caption / sizeof no_caption[0]; i++) {
        assert_int_equal(vision_caption_parse(no_caption[i], "m", &caption, &err), -1);
        assert_string_equal(err.code, "ai_provider_response_invalid");
        assert_non_null(strstr(err.message, "did not contain a caption field"));
    }
}

static void api_error_text(void **state)
{
    (void)state;
    const char *bodies[][2] = {
        {"{\"error\":{\"message\":\"Bad key\",\"type\":\"x\"}}", "Bad key"},
        {"{\"error\":\"Plain error\"}", "Plain error"},
        {"{\"message\":\"Top message\"}", "Top message"},
        {"{\"error\":{\"message\":\"  \"}}", NULL},
        {"[]", NULL},
    };
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        json_t *body = json_loads(bodies[i][0], 0, NULL);
        const char *text = vision_api_error_text(body);
        if (bodies[i][1])
            assert_string_equal(text, bodies[i][1]);
        else
            assert_null(text);
        json_decref(body);
    }
}

static void sanitized_messages(void **state)
{
    (void)state;
    char message[512];
    strcpy(message, "Key plainkey123 refused (Authorization: Bearer plainkey123)\n\n twice");
    vision_sanitize(message, sizeof message, " plainkey123 ");
    /* §6: a Bearer token runs to the next space, so the ")" goes with it */
    assert_string_equal(message, "Key *** refused (Authorization: Bearer *** twice");
    strcpy(message, "Incorrect API key provided: sk-proj-AbC_123. Bearer eyJhbGciOi.x.y here");
    vision_sanitize(message, sizeof message, NULL);
    assert_string_equal(message, "Incorrect API key provided: sk-***. Bearer *** here");
    char small[8];
    strcpy(small, "abcdefg");
    vision_sanitize(small, sizeof small, NULL);
    assert_string_equal(small, "abcdefg");
}

static void retry_after_values(void **state)
{
    (void)state;
    time_t now = 1700000000; /* Tue, 14 Nov 2023 22:13:20 GMT */
    assert_int_equal(remote_http_retry_after_seconds("7", now), 7);
    assert_int_equal(remote_http_retry_after_seconds(" 120 ", now), 120);
    assert_int_equal(remote_http_retry_after_seconds("0", now), 0);
    assert_int_equal(remote_http_retry_after_seconds("Tue, 14 Nov 2023 22:14:20 GMT", now), 60);
    assert_int_equal(remote_http_retry_after_seconds("Tue, 14 Nov 2023 22:00:00 GMT", now), 0);
    assert_int_equal(remote_http_retry_after_seconds(NULL, now), -1);
    assert_int_equal(remote_http_retry_after_seconds("soon", now), -1);
    assert_int_equal(remote_http_retry_after_seconds("12abc", now), -1);
    assert_true(remote_http_retry_after_seconds("99999999999999999999999", now) > 86400);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_url_rule),
        cmocka_unit_test(the_request_body),
        cmocka_unit_test(content_from_choices),
        cmocka_unit_test(events_are_aggregated_whitespace_kept),
        cmocka_unit_test(events_without_end_or_data),
        cmocka_unit_test(code_fences),
        cmocka_unit_test(the_caption_json),
        cmocka_unit_test(api_error_text),
        cmocka_unit_test(sanitized_messages),
        cmocka_unit_test(retry_after_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
