/* test_core.c - sticky buffers, envelopes, UUID v7, ISO-8601 time, configuration parsing and its
 * errors. */
#include "cmocka_prelude.h"

#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "core/text.h"
#include "core/uuid.h"
#include "http/response.h"

/* ---- buffers: sticky errors ---- */

/* A WHERE clause built in three steps whose middle step fails must come out as nothing, not
 * as the first and last steps without the filter (issue 14, defect 4). */
static void buffer_errors_are_sticky(void **state)
{
    (void)state;
    buf sql;
    buf_init(&sql, 24);
    assert_int_equal(buf_append_str(&sql, " WHERE 1 = 1"), 0);
    assert_false(buf_failed(&sql));
    assert_int_equal(buf_printf(&sql, " AND actor_id = $%d OR actor_name = $%d", 1, 1), -1);
    assert_true(buf_failed(&sql));
    assert_null(sql.data); /* what was built is gone: no half-built string to use */
    assert_int_equal(sql.length, 0);
    /* Later appends that would fit are no-ops and report the failure too. */
    assert_int_equal(buf_append_str(&sql, " AND x"), -1);
    assert_int_equal(buf_append(&sql, "y", 1), -1);
    assert_int_equal(buf_printf(&sql, "%d", 7), -1);
    assert_int_equal(buf_reserve_room(&sql, 1), -1);
    assert_true(buf_failed(&sql));
    assert_null(sql.data);
    assert_null(buf_detach(&sql));
    /* Detaching returned the buffer to a healthy, empty state. */
    assert_false(buf_failed(&sql));
    assert_int_equal(buf_append_str(&sql, "ok"), 0);
    char *text = buf_detach(&sql);
    assert_string_equal(text, "ok");
    free(text);
}

static void buffer_failure_cleared_by_free(void **state)
{
    (void)state;
    buf b;
    buf_init(&b, 4);
    assert_int_equal(buf_append(&b, "12345", 5), -1);
    assert_true(buf_failed(&b));
    buf_free(&b);
    assert_false(buf_failed(&b));
    assert_int_equal(buf_append(&b, "1234", 4), 0);
    assert_string_equal(b.data, "1234");
    assert_int_equal(buf_append(&b, "5", 1), -1); /* max_size kept */
    buf_free(&b);
}

static void buffer_fail_marks_a_step_that_failed_elsewhere(void **state)
{
    (void)state;
    buf b;
    buf_init(&b, 0);
    assert_int_equal(buf_append_str(&b, "head"), 0);
    buf_fail(&b);
    assert_true(buf_failed(&b));
    assert_int_equal(buf_append_str(&b, "tail"), -1);
    assert_null(buf_detach(&b));
    /* An empty, healthy buffer detaches as an allocated empty string. */
    char *empty = buf_detach(&b);
    assert_non_null(empty);
    assert_string_equal(empty, "");
    free(empty);
}

static void buffer_printf_fills_existing_room_and_grows(void **state)
{
    (void)state;
    buf b;
    buf_init(&b, 0);
    assert_int_equal(buf_reserve_room(&b, 100), 0);
    assert_int_equal(buf_printf(&b, "%s-%d", "a", 1), 0);
    for (int i = 0; i < 100; i++)
        assert_int_equal(buf_printf(&b, "%03d", i), 0);
    assert_int_equal(b.length, 3 + 300);
    assert_memory_equal(b.data, "a-1000001", 9);
    assert_int_equal(b.data[b.length], '\0');
    buf_free(&b);
}

/* ---- envelopes ---- */

static void data_envelope_wraps_payload(void **state)
{
    (void)state;
    char *text = http_render_data(json_pack("{s:s, s:n}", "status", "ok", "empty"));
    assert_string_equal(text, "{\"data\":{\"status\":\"ok\",\"empty\":null}}");
    free(text);
    text = http_render_data(NULL);
    assert_string_equal(text, "{\"data\":null}");
    free(text);
    text = http_render_data(json_array());
    assert_string_equal(text, "{\"data\":[]}");
    free(text);
}

static void error_envelope_has_all_fields(void **state)
{
    (void)state;
    nh_error err;
    error_set(&err, 404, "user_not_found", "User '%s' was not found.", "x\"y");
    char *text = http_render_error(&err, "req-1");
    assert_string_equal(text, "{\"error\":{\"code\":\"user_not_found\",\"message\":\"User "
                              "'x\\\"y' was not found.\",\"traceId\":\"req-1\",\"status\":404}}");
    free(text);
}

static void long_error_message_is_cut_on_utf8_boundary(void **state)
{
    (void)state;
    char long_text[1200];
    size_t used = 0;
    while (used + 3 < sizeof long_text - 1) {
        memcpy(long_text + used, "\xe7\x8c\xab", 3); /* 猫 */
        used += 3;
    }
    long_text[used] = '\0';
    nh_error err;
    error_set(&err, 400, "x", "a%s", long_text);
    size_t length = strlen(err.message);
    assert_true(length < sizeof err.message);
    assert_int_equal((length - 1) % 3, 0); /* "a" + whole characters only */
}

/* Text quoted from a request (a query value, a header) need not be UTF-8; the envelope must
 * still render (json_pack refuses invalid UTF-8, which used to turn a 400 into a 500). */
static void error_envelope_survives_invalid_utf8(void **state)
{
    (void)state;
    nh_error err;
    error_set(&err, 400, "request_invalid", "The value '%s' is not valid for page.", "1\xff\xc3");
    char *text = http_render_error(&err, "req-2");
    assert_non_null(text);
    free(text);
    http_response response;
    http_response_init(&response, "req-3");
    http_reply_error_code(&response, 400, "request_invalid", "bad '%s'", "\xc0\xaf\xed\xa0\x80");
    assert_int_equal(response.status, 400);
    assert_non_null(strstr(response.body.data, "\"traceId\":\"req-3\""));
    http_response_release(&response);
}

static void utf8_validation_is_strict(void **state)
{
    (void)state;
    assert_true(text_is_utf8(""));
    assert_true(text_is_utf8("plain ascii"));
    assert_true(text_is_utf8("\xe7\x8c\xab \xf0\x9f\x90\x88 caf\xc3\xa9"));
    assert_false(text_is_utf8("\xff"));
    assert_false(text_is_utf8("caf\xe9"));          /* Latin-1 */
    assert_false(text_is_utf8("\xc0\xaf"));         /* overlong '/' */
    assert_false(text_is_utf8("\xe0\x80\xaf"));     /* overlong */
    assert_false(text_is_utf8("\xed\xa0\x80"));     /* surrogate */
    assert_false(text_is_utf8("\xf4\x90\x80\x80")); /* above U+10FFFF */
    assert_false(text_is_utf8("\xe7\x8c"));         /* cut short */
    assert_false(text_is_utf8("\x80"));             /* lone continuation */
}

static void utf8_scrub_replaces_only_invalid_bytes(void **state)
{
    (void)state;
    char text[] = "caf\xe9 \xe7\x8c\xab \xc0\xaf end\xe7\x8c";
    text_utf8_scrub(text);
    assert_string_equal(text, "caf? \xe7\x8c\xab ?? end??");
    assert_true(text_is_utf8(text));
}

static void utf8_copy_cuts_between_characters(void **state)
{
    (void)state;
    char out[6];
    /* "ab" + U+732B (3 bytes) + "c": with room for 5 bytes the "c" is left out */
    assert_true(text_copy_utf8(out, 6,
                               "ab\xe7\x8c\xab"
                               "c"));
    assert_string_equal(out, "ab\xe7\x8c\xab");
    /* with room for 4 bytes the cat is not halved: it is left out whole */
    assert_true(text_copy_utf8(out, 5, "ab\xe7\x8c\xab"));
    assert_string_equal(out, "ab");
    assert_false(text_copy_utf8(out, sizeof out, "abc"));
    assert_string_equal(out, "abc");
    assert_false(text_copy_utf8(out, sizeof out, NULL));
    assert_string_equal(out, "");
    char shown[4 + 4];
    text_excerpt_utf8(shown, 4, "abcdef");
    assert_string_equal(shown, "abcd...");
    text_excerpt_utf8(shown, 4, "abc");
    assert_string_equal(shown, "abc");
}

/* Run write_lines with stderr sent to a temporary file; returns what was written (caller frees). */
static char *capture_stderr(void (*write_lines)(void))
{
    FILE *file = tmpfile();
    assert_non_null(file);
    int saved = dup(STDERR_FILENO);
    dup2(fileno(file), STDERR_FILENO);
    write_lines();
    dup2(saved, STDERR_FILENO);
    close(saved);
    off_t size = lseek(fileno(file), 0, SEEK_END);
    char *text = calloc(1, (size_t)size + 1);
    assert_non_null(text);
    assert_int_equal(pread(fileno(file), text, (size_t)size, 0), size);
    fclose(file);
    return text;
}

static void log_lines_with_client_bytes(void)
{
    log_access_line line = {.request_id = "r1",
                            .method = "GET",
                            .route = "(console)",
                            .path = "/x\xff\xc0",
                            .status = 200,
                            .client = "127.0.0.1"};
    log_access(&line);
    log_message(LOG_WARN, "probe", "quoted '%s'", "caf\xe9");
}

/* A raw request path or a quoted header may hold any bytes: log lines stay valid UTF-8 JSON
 * (an access line used to carry the raw bytes; a message line was dropped entirely). */
static void log_lines_stay_utf8_json(void **state)
{
    (void)state;
    char *text = capture_stderr(log_lines_with_client_bytes);
    assert_true(text_is_utf8(text));
    char *second = strchr(text, '\n');
    assert_non_null(second);
    *second++ = '\0';
    json_t *access = json_loads(text, 0, NULL);
    json_t *message = json_loads(second, JSON_DISABLE_EOF_CHECK, NULL);
    assert_non_null(access);
    assert_non_null(message);
    assert_string_equal(json_string_value(json_object_get(access, "path")), "/x??");
    assert_string_equal(json_string_value(json_object_get(message, "message")), "quoted 'caf?'");
    json_decref(access);
    json_decref(message);
    free(text);
}

static void log_long_message(void)
{
    char long_text[3000];
    memset(long_text, 'a', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = '\0';
    log_message(LOG_WARN, "probe", "%s", long_text);
}

/* A message longer than a log line holds says it was cut rather than ending silently. */
static void log_messages_cut_say_so(void **state)
{
    (void)state;
    char *text = capture_stderr(log_long_message);
    json_t *line = json_loads(text, JSON_DISABLE_EOF_CHECK, NULL);
    assert_non_null(line);
    const char *message = json_string_value(json_object_get(line, "message"));
    assert_non_null(message);
    size_t length = strlen(message);
    assert_true(length > 1000 && length < 3000);
    assert_string_equal(message + length - strlen("... (cut)"), "... (cut)");
    json_decref(line);
    free(text);
}

/* One line per interval; the refused calls are counted for the next line. */
static void log_throttle_counts_what_it_holds_back(void **state)
{
    (void)state;
    log_throttle throttle = LOG_THROTTLE_INIT;
    uint64_t suppressed = 99;
    assert_true(log_throttle_allow(&throttle, 3600 * 1000, &suppressed));
    assert_int_equal(suppressed, 0);
    for (int i = 0; i < 3; i++)
        assert_false(log_throttle_allow(&throttle, 3600 * 1000, &suppressed));
    assert_int_equal(atomic_load(&throttle.suppressed), 3); /* told with the next line */
    log_throttle short_one = LOG_THROTTLE_INIT;
    assert_true(log_throttle_allow(&short_one, 1, NULL));
    struct timespec pause = {0, 5 * 1000000L}; /* past the interval */
    nanosleep(&pause, NULL);
    assert_true(log_throttle_allow(&short_one, 1, &suppressed));
    assert_int_equal(suppressed, 0);
}

/* Deadlines for monotonic condition variables lie ahead on CLOCK_MONOTONIC. */
static void monotonic_deadline_lies_ahead(void **state)
{
    (void)state;
    struct timespec before, deadline;
    clock_gettime(CLOCK_MONOTONIC, &before);
    clock_monotonic_deadline(1500, &deadline);
    int64_t ahead_ms = (int64_t)(deadline.tv_sec - before.tv_sec) * 1000 +
                       (deadline.tv_nsec - before.tv_nsec) / 1000000;
    assert_true(ahead_ms >= 1500);
    assert_true(deadline.tv_nsec >= 0 && deadline.tv_nsec < 1000000000L);
    pthread_cond_t cond;
    assert_int_equal(clock_cond_init_monotonic(&cond), 0);
    pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&lock);
    clock_monotonic_deadline(1, &deadline);
    assert_int_equal(pthread_cond_timedwait(&cond, &lock, &deadline), ETIMEDOUT);
    pthread_mutex_unlock(&lock);
    pthread_cond_destroy(&cond);
}

/* ---- UUID v7 ---- */

static void uuid_v7_format_and_order(void **state)
{
    (void)state;
    char previous[UUID_TEXT_SIZE] = "";
    for (int i = 0; i < 5000; i++) {
        char id[UUID_TEXT_SIZE];
        uuid_v7(id);
        assert_int_equal(strlen(id), 36);
        assert_int_equal(id[14], '7');
        assert_true(strchr("89ab", id[19]) != NULL);
        assert_int_equal(id[8], '-');
        assert_int_equal(id[23], '-');
        for (int c = 0; c < 36; c++)
            assert_true(id[c] == '-' || strchr("0123456789abcdef", id[c]));
        assert_true(strcmp(previous, id) < 0);
        strcpy(previous, id);
    }
}

static void uuid_v7_carries_the_time(void **state)
{
    (void)state;
    char id[UUID_TEXT_SIZE];
    uuid_v7_at(4102444800000LL, id); /* 2100-01-01, later than any id made before */
    assert_memory_equal(id, "03bb2cc3-d800-7", 15);
}

static void uuid_parse_accepts_guid_forms_only(void **state)
{
    (void)state;
    char out[UUID_TEXT_SIZE];
    assert_true(uuid_parse("{0192F0A1-2B3C-7D4E-8F90-A1B2C3D4E5F6}", out));
    assert_string_equal(out, "0192f0a1-2b3c-7d4e-8f90-a1b2c3d4e5f6");
    assert_true(uuid_parse("0192f0a12b3c7d4e8f90a1b2c3d4e5f6", out));
    assert_false(uuid_parse("0192f0a1-2b3c-7d4e-8f90-a1b2c3d4e5f", out));
    assert_false(uuid_parse("0192f0a1+2b3c-7d4e-8f90-a1b2c3d4e5f6", out));
    assert_false(uuid_parse("0192f0a1-2b3c-7d4e-8f90-a1b2c3d4e5fg", out));
    assert_false(uuid_parse("", out));
    assert_false(uuid_parse("{0192f0a12b3c7d4e8f90a1b2c3d4e5f6", out));
}

/* ---- ISO-8601 ---- */

static void iso_rendering_trims_fraction(void **state)
{
    (void)state;
    char text[CLOCK_ISO_SIZE];
    clock_format_iso(0, text);
    assert_string_equal(text, "1970-01-01T00:00:00+00:00");
    clock_format_iso(1795718329123LL, text);
    assert_string_equal(text, "2026-11-26T18:38:49.123+00:00");
    clock_format_iso(1795718329120LL, text);
    assert_string_equal(text, "2026-11-26T18:38:49.12+00:00");
    clock_format_iso(1795718329100LL, text);
    assert_string_equal(text, "2026-11-26T18:38:49.1+00:00");
    clock_format_iso(951782400000LL, text); /* leap day 2000 */
    assert_string_equal(text, "2000-02-29T00:00:00+00:00");
}

static void iso_parsing_round_trips_and_refuses(void **state)
{
    (void)state;
    int64_t ms;
    assert_true(clock_parse_iso("2026-11-26T18:38:49.123+00:00", &ms));
    assert_int_equal(ms, 1795718329123LL);
    assert_true(clock_parse_iso("2026-11-26T18:38:49.1234567Z", &ms));
    assert_int_equal(ms, 1795718329123LL);
    assert_true(clock_parse_iso("2026-11-26T20:38:49+02:00", &ms));
    assert_int_equal(ms, 1795718329000LL);
    assert_false(clock_parse_iso("2026-11-26", &ms));
    assert_false(clock_parse_iso("2026-02-30T00:00:00Z", &ms));
    assert_false(clock_parse_iso("2026-11-26T24:00:00Z", &ms));
    assert_false(clock_parse_iso("2026-11-26T18:38:49", &ms));
    assert_false(clock_parse_iso("2026-11-26T18:38:49Zjunk", &ms));
    assert_false(clock_parse_iso("2026-11-26T18:38:49.Z", &ms));
}

/* ---- configuration ---- */

static int load(char **environment, config *cfg, char *problem)
{
    config_overrides overrides = {NULL, -1, NULL};
    return config_load(cfg, environment, &overrides, problem);
}

static void config_defaults(void **state)
{
    (void)state;
    char *environment[] = {NULL};
    config cfg;
    char problem[CONFIG_PROBLEM_SIZE];
    assert_int_equal(load(environment, &cfg, problem), 0);
    assert_int_equal(cfg.port, 5121);
    assert_string_equal(cfg.data_dir, "./data");
    assert_int_equal(cfg.database_provider, DB_PROVIDER_SQLITE);
    assert_int_equal(cfg.access_token_minutes, 15);
    assert_int_equal(cfg.refresh_token_days, 30);
    assert_string_equal(cfg.jwt_issuer, "NekoHub");
    assert_string_equal(cfg.jwt_audience, "NekoHub.Admin");
    assert_int_equal(cfg.max_upload_size_bytes, 10485760);
    assert_int_equal(cfg.allowed_content_types.count, 4);
    assert_string_equal(cfg.allowed_content_types.items[0], "image/jpeg");
    assert_string_equal(cfg.local_root_path, "./data/assets");
    assert_null(cfg.jwt_secret);
    config_free(&cfg);
}

static void config_reads_nekohub_names_case_insensitively(void **state)
{
    (void)state;
    char *environment[] = {"persistence__database__provider=Npgsql",
                           "Persistence__Database__ConnectionString=Host=db;Database=x",
                           "AUTH__JWT__SECRET=0123456789abcdef0123456789abcdef",
                           "Auth__ApiKey__Enabled=TRUE",
                           "Auth__ApiKey__Keys__0=  key-one  ",
                           "Auth__ApiKey__Keys__1=   ",
                           "Auth__ApiKey__Keys__2=key-two",
                           "Api__Assets__AllowedContentTypes__1= IMAGE/PNG ",
                           "Api__Assets__AllowedContentTypes__2=image/jpeg",
                           "NEKOHUB_PORT=0",
                           NULL};
    config cfg;
    char problem[CONFIG_PROBLEM_SIZE];
    assert_int_equal(load(environment, &cfg, problem), 0);
    assert_int_equal(cfg.database_provider, DB_PROVIDER_POSTGRES);
    assert_string_equal(cfg.database_connection, "Host=db;Database=x");
    assert_true(cfg.api_key_enabled);
    assert_int_equal(cfg.api_keys.count, 2);
    assert_string_equal(cfg.api_keys.items[0], "key-one");
    assert_string_equal(cfg.api_keys.items[1], "key-two");
    /* index 1 replaced by "image/png"; index 2 "image/jpeg" duplicates index 0 and is dropped */
    assert_int_equal(cfg.allowed_content_types.count, 3);
    assert_string_equal(cfg.allowed_content_types.items[1], "image/png");
    assert_string_equal(cfg.allowed_content_types.items[2], "image/gif");
    assert_int_equal(cfg.port, 0);
    config_free(&cfg);
}

static void expect_problem(char **environment, const char *key_in_message)
{
    config cfg;
    char problem[CONFIG_PROBLEM_SIZE];
    assert_int_equal(load(environment, &cfg, problem), -1);
    assert_non_null(strstr(problem, key_in_message));
    assert_null(strchr(problem, '\n'));
    config_free(&cfg);
}

static void config_errors_name_the_key(void **state)
{
    (void)state;
    char *short_secret[] = {"Auth__Jwt__Secret=too-short", NULL};
    expect_problem(short_secret, "Auth__Jwt__Secret");
    char *bad_provider[] = {"Persistence__Database__Provider=mysql", NULL};
    expect_problem(bad_provider, "Persistence__Database__Provider");
    char *bad_minutes[] = {"Auth__Jwt__AccessTokenMinutes=0", NULL};
    expect_problem(bad_minutes, "Auth__Jwt__AccessTokenMinutes");
    char *not_number[] = {"Api__Assets__MaxUploadSizeBytes=10MB", NULL};
    expect_problem(not_number, "Api__Assets__MaxUploadSizeBytes");
    char *keys_missing[] = {"Auth__ApiKey__Enabled=true", NULL};
    expect_problem(keys_missing, "Auth__ApiKey__Keys");
    char *bad_bool[] = {"Auth__ApiKey__Enabled=yes please", NULL};
    expect_problem(bad_bool, "Auth__ApiKey__Enabled");
    char *pg_without_connection[] = {"Persistence__Database__Provider=postgresql", NULL};
    expect_problem(pg_without_connection, "Persistence__Database__ConnectionString");
    char *bad_port[] = {"NEKOHUB_PORT=70000", NULL};
    expect_problem(bad_port, "NEKOHUB_PORT");
    char *page_sizes[] = {"Api__Assets__DefaultPageSize=500", NULL};
    expect_problem(page_sizes, "Api__Assets__DefaultPageSize");
    char *relative_url[] = {"Storage__PublicBaseUrl=/content", NULL};
    expect_problem(relative_url, "Storage__PublicBaseUrl");
    char *reserved_prefix[] = {"Auth__ApiKey__Enabled=true", "Auth__ApiKey__Keys__0=nhk_abc", NULL};
    expect_problem(reserved_prefix, "Auth__ApiKey__Keys");
    char *short_key[] = {"Security__SecretKey=abcd", NULL};
    expect_problem(short_key, "Security__SecretKey");
}

static void config_overrides_win(void **state)
{
    (void)state;
    char *environment[] = {"NEKOHUB_PORT=9000", "NEKOHUB_DATA_DIR=/tmp/a", NULL};
    config_overrides overrides = {"127.0.0.1", 7000, "/tmp/b"};
    config cfg;
    char problem[CONFIG_PROBLEM_SIZE];
    assert_int_equal(config_load(&cfg, environment, &overrides, problem), 0);
    assert_int_equal(cfg.port, 7000);
    assert_string_equal(cfg.data_dir, "/tmp/b");
    assert_string_equal(cfg.listen_address, "127.0.0.1");
    assert_string_equal(cfg.local_root_path, "/tmp/b/assets");
    config_free(&cfg);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(buffer_errors_are_sticky),
        cmocka_unit_test(buffer_failure_cleared_by_free),
        cmocka_unit_test(buffer_fail_marks_a_step_that_failed_elsewhere),
        cmocka_unit_test(buffer_printf_fills_existing_room_and_grows),
        cmocka_unit_test(data_envelope_wraps_payload),
        cmocka_unit_test(error_envelope_has_all_fields),
        cmocka_unit_test(long_error_message_is_cut_on_utf8_boundary),
        cmocka_unit_test(error_envelope_survives_invalid_utf8),
        cmocka_unit_test(utf8_validation_is_strict),
        cmocka_unit_test(utf8_scrub_replaces_only_invalid_bytes),
        cmocka_unit_test(utf8_copy_cuts_between_characters),
        cmocka_unit_test(log_lines_stay_utf8_json),
        cmocka_unit_test(log_messages_cut_say_so),
        cmocka_unit_test(log_throttle_counts_what_it_holds_back),
        cmocka_unit_test(monotonic_deadline_lies_ahead),
        cmocka_unit_test(uuid_v7_format_and_order),
        cmocka_unit_test(uuid_v7_carries_the_time),
        cmocka_unit_test(uuid_parse_accepts_guid_forms_only),
        cmocka_unit_test(iso_rendering_trims_fraction),
        cmocka_unit_test(iso_parsing_round_trips_and_refuses),
        cmocka_unit_test(config_defaults),
        cmocka_unit_test(config_reads_nekohub_names_case_insensitively),
        cmocka_unit_test(config_errors_name_the_key),
        cmocka_unit_test(config_overrides_win),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
