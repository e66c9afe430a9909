/* test_multipart.c - the streaming multipart parser and the upload form: boundaries split
 * across chunks, boundary-like data, CRLF and LF line ends, preamble and epilogue, quoted
 * boundary parameters, missing filename, duplicated fields, the file size limit, and bodies
 * that end too early. */
#include "cmocka_prelude.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "assets/multipart.h"
#include "assets/upload_form.h"
#include "core/buf.h"

/* ---- a recorder of parser events: "<name|filename|type>bytes</>" per part ---------------- */

typedef struct recorder {
    buf events;
    int stop_at_part; /* 0 = never stop */
    int parts;
} recorder;

static int record_begin(void *context, const multipart_part *part)
{
    recorder *r = context;
    r->parts++;
    if (r->stop_at_part && r->parts == r->stop_at_part)
        return -1;
    buf_printf(&r->events, "<%s|%s|%s>", part->name, part->file_name ? part->file_name : "(none)",
               part->content_type ? part->content_type : "(none)");
    return 0;
}

static int record_data(void *context, const char *data, size_t size)
{
    recorder *r = context;
    assert_true(size > 0);
    buf_append(&r->events, data, size);
    return 0;
}

static int record_end(void *context)
{
    recorder *r = context;
    buf_append_str(&r->events, "</>");
    return 0;
}

static const multipart_callbacks record_callbacks = {record_begin, record_data, record_end};

/* Parse body fed in chunks of `chunk` bytes; returns 0/-1 of feed+finish and the events. */
static int parse_in_chunks(const char *boundary, const char *body, size_t length, size_t chunk,
                           char **events)
{
    recorder r;
    memset(&r, 0, sizeof r);
    buf_init(&r.events, 0);
    buf_append_str(&r.events, "");
    multipart_parser *parser = multipart_parser_new(boundary, &record_callbacks, &r);
    assert_non_null(parser);
    int rc = 0;
    for (size_t offset = 0; rc == 0 && offset < length; offset += chunk) {
        size_t size = length - offset < chunk ? length - offset : chunk;
        rc = multipart_parser_feed(parser, body + offset, size);
    }
    if (rc == 0)
        rc = multipart_parser_finish(parser);
    multipart_parser_free(parser);
    *events = buf_detach(&r.events);
    return rc;
}

/* Every chunk size from 1 to the whole body gives the same events. */
static void expect_events(const char *boundary, const char *body, const char *expected)
{
    size_t length = strlen(body);
    for (size_t chunk = 1; chunk <= length; chunk++) {
        char *events = NULL;
        int rc = parse_in_chunks(boundary, body, length, chunk, &events);
        if (rc != 0 || strcmp(events, expected) != 0)
            fail_msg("chunk size %zu: rc %d, events \"%s\", expected \"%s\"", chunk, rc, events,
                     expected);
        free(events);
    }
}

static void expect_failure(const char *boundary, const char *body)
{
    size_t length = strlen(body);
    for (size_t chunk = 1; chunk <= length; chunk++) {
        char *events = NULL;
        int rc = parse_in_chunks(boundary, body, length, chunk, &events);
        free(events);
        if (rc == 0)
            fail_msg("chunk size %zu: the body was accepted", chunk);
    }
}

static void simple_form_with_file_and_field(void **state)
{
    (void)state;
    const char *body = "--XyZ\r\n"
                       "Content-Disposition: form-data; name=\"description\"\r\n"
                       "\r\n"
                       "a cat\r\n"
                       "--XyZ\r\n"
                       "Content-Disposition: form-data; name=\"file\"; filename=\"cat.png\"\r\n"
                       "Content-Type: image/png\r\n"
                       "\r\n"
                       "\x89PNG\r\n\x1a\n"
                       "\r\n"
                       "--XyZ--\r\n";
    expect_events("XyZ", body,
                  "<description|(none)|(none)>a cat</>"
                  "<file|cat.png|image/png>\x89PNG\r\n\x1a\n</>");
}

static void boundary_like_text_is_data(void **state)
{
    (void)state;
    const char *body = "--b0\r\n"
                       "Content-Disposition: form-data; name=\"f\"; filename=\"x\"\r\n"
                       "\r\n"
                       "line\r\n--b0X not a boundary\r\n--b\r\n-- b0\n--b0-x\r\n--b00\r\n"
                       "--b0--";
    expect_events("b0", body,
                  "<f|x|(none)>line\r\n--b0X not a boundary\r\n--b\r\n-- b0\n--b0-x\r\n--b00</>");
}

static void lf_line_ends_are_accepted(void **state)
{
    (void)state;
    const char *body = "--b\n"
                       "Content-Disposition: form-data; name=\"a\"\n"
                       "\n"
                       "one\n"
                       "--b\n"
                       "content-disposition: form-data; name=\"b\"\r\n"
                       "\r\n"
                       "two\r\n"
                       "--b--\n";
    expect_events("b", body, "<a|(none)|(none)>one</><b|(none)|(none)>two</>");
}

static void preamble_epilogue_and_padding_are_ignored(void **state)
{
    (void)state;
    const char *body = "This is a preamble.\r\n--bb\r\n-- b\r\n"
                       "--b  \t\r\n"
                       "Content-Disposition: form-data; name=\"a\"\r\n"
                       "X-Other: ignored\r\n"
                       "\r\n"
                       "value\r\n"
                       "--b--   trailing epilogue\r\n--b\r\nmore";
    expect_events("b", body, "<a|(none)|(none)>value</>");
}

static void empty_part_and_empty_form(void **state)
{
    (void)state;
    expect_events("b", "--b\r\nContent-Disposition: form-data; name=\"e\"\r\n\r\n\r\n--b--",
                  "<e|(none)|(none)></>");
    expect_events("b", "--b--\r\n", "");
}

static void missing_filename_and_filename_star(void **state)
{
    (void)state;
    const char *body = "--b\r\n"
                       "Content-Disposition: form-data; name=file\r\n"
                       "Content-Type: image/png\r\n"
                       "\r\n"
                       "bytes\r\n"
                       "--b\r\n"
                       "Content-Disposition: form-data; name=\"file\"; filename=\"a\\\"b.png\"; "
                       "filename*=UTF-8''%E2%82%AC%20rates.png\r\n"
                       "\r\n"
                       "x\r\n"
                       "--b\r\n"
                       "Content-Disposition: form-data; name=\"g\"; filename=\"\"\r\n"
                       "\r\n"
                       "y\r\n"
                       "--b--";
    expect_events("b", body,
                  "<file|(none)|image/png>bytes</>"
                  "<file|\xE2\x82\xAC rates.png|(none)>x</>"
                  "<g||(none)>y</>");
}

static void missing_final_boundary_is_an_error(void **state)
{
    (void)state;
    expect_failure("b", "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue");
    expect_failure("b", "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue\r\n--b");
    expect_failure("b", "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n");
    expect_failure("b", "no boundary at all");
    expect_failure("b", "");
}

static void malformed_bodies_are_errors(void **state)
{
    (void)state;
    expect_failure("b", "--b junk\r\n\r\n--b--");
    expect_failure("b", "--b\r\nno colon here\r\n\r\nx\r\n--b--");
    expect_failure("b", "--b\r\n folded: header\r\n\r\nx\r\n--b--");
    expect_failure("b", "--b\r\nContent-Disposition: form-data; name=\"unterminated\r\n\r\n"
                        "x\r\n--b--");
    expect_failure("b", "--b\rx");
}

static void header_and_part_limits(void **state)
{
    (void)state;
    buf body;
    buf_init(&body, 0);
    buf_append_str(&body, "--b\r\nX-Long: ");
    for (int i = 0; i < MULTIPART_HEADER_MAX; i++)
        buf_append_str(&body, "a");
    buf_append_str(&body, "\r\n\r\nx\r\n--b--");
    char *events = NULL;
    assert_int_equal(parse_in_chunks("b", body.data, body.length, 4096, &events), -1);
    free(events);
    buf_free(&body);

    buf_init(&body, 0);
    for (int i = 0; i <= MULTIPART_MAX_PARTS; i++)
        buf_append_str(&body, "--b\r\nContent-Disposition: form-data; name=\"n\"\r\n\r\nv\r\n");
    buf_append_str(&body, "--b--");
    assert_int_equal(parse_in_chunks("b", body.data, body.length, 1000, &events), -1);
    free(events);
    buf_free(&body);
}

static void callback_can_stop_the_parser(void **state)
{
    (void)state;
    recorder r;
    memset(&r, 0, sizeof r);
    buf_init(&r.events, 0);
    r.stop_at_part = 1;
    multipart_parser *parser = multipart_parser_new("b", &record_callbacks, &r);
    const char *body = "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv\r\n--b--";
    assert_int_equal(multipart_parser_feed(parser, body, strlen(body)), -1);
    assert_true(multipart_parser_stopped(parser));
    assert_int_equal(multipart_parser_feed(parser, "more", 4), -1);
    multipart_parser_free(parser);
    buf_free(&r.events);
}

static void large_binary_part_streams(void **state)
{
    (void)state;
    /* 1 MiB of bytes full of CR, LF and '-' fed in odd chunks comes out unchanged. */
    size_t size = 1024 * 1024;
    buf body;
    buf_init(&body, 0);
    buf_append_str(&body, "--0123456789abcdef\r\nContent-Disposition: form-data; name=\"file\"; "
                          "filename=\"big.bin\"\r\n\r\n");
    size_t data_start = body.length;
    unsigned int seed = 7;
    for (size_t i = 0; i < size; i++) {
        seed = seed * 1103515245u + 12345u;
        static const char alphabet[] = "\r\n-0123456789abcdef";
        char byte = alphabet[(seed >> 16) % (sizeof alphabet - 1)];
        buf_append(&body, &byte, 1);
    }
    buf_append_str(&body, "\r\n--0123456789abcdef--\r\n");
    char *events = NULL;
    assert_int_equal(parse_in_chunks("0123456789abcdef", body.data, body.length, 65521, &events),
                     0);
    const char *prefix = "<file|big.bin|(none)>";
    assert_memory_equal(events, prefix, strlen(prefix));
    assert_memory_equal(events + strlen(prefix), body.data + data_start, size);
    assert_string_equal(events + strlen(prefix) + size, "</>");
    free(events);
    buf_free(&body);
}

static void boundary_parameter_forms(void **state)
{
    (void)state;
    char boundary[MULTIPART_BOUNDARY_MAX + 1];
    assert_int_equal(
        multipart_boundary_of("multipart/form-data; boundary=abc", boundary, sizeof boundary), 0);
    assert_string_equal(boundary, "abc");
    assert_int_equal(multipart_boundary_of("Multipart/Form-Data ; charset=utf-8; "
                                           "BOUNDARY=\"a b:c\"",
                                           boundary, sizeof boundary),
                     0);
    assert_string_equal(boundary, "a b:c");
    assert_int_equal(
        multipart_boundary_of("multipart/form-data;boundary=\"q\\\"x\"", boundary, sizeof boundary),
        -2); /* '"' is not a boundary character */
    assert_int_equal(multipart_boundary_of("multipart/form-data", boundary, sizeof boundary), -2);
    assert_int_equal(
        multipart_boundary_of("multipart/form-data; boundary=", boundary, sizeof boundary), -2);
    assert_int_equal(multipart_boundary_of("multipart/form-data; boundary=\"unterminated", boundary,
                                           sizeof boundary),
                     -2);
    char long_type[200];
    snprintf(long_type, sizeof long_type, "multipart/form-data; boundary=%071d", 0);
    assert_int_equal(multipart_boundary_of(long_type, boundary, sizeof boundary), -2);
    assert_int_equal(multipart_boundary_of("application/json", boundary, sizeof boundary), -1);
    assert_int_equal(
        multipart_boundary_of("multipart/form-dataX; boundary=a", boundary, sizeof boundary), -1);
    assert_int_equal(multipart_boundary_of(NULL, boundary, sizeof boundary), -1);
    assert_null(multipart_parser_new("", &record_callbacks, NULL));
}

/* ---- the upload form -------------------------------------------------------------------- */

static char temp_dir[] = "/tmp/nekohub-multipart-XXXXXX";
static upload_temps *temps;

static int make_temp_dir(void **state)
{
    (void)state;
    if (!mkdtemp(temp_dir))
        return -1;
    nh_error err;
    temps = upload_temps_create(temp_dir, &err);
    return temps ? 0 : -1;
}

static int remove_temp_dir(void **state)
{
    (void)state;
    upload_temps_destroy(temps);
    return rmdir(temp_dir);
}

static upload_form *feed_form(const char *body, int64_t limit, size_t chunk, nh_error *err, int *rc)
{
    upload_form *form = upload_form_new("multipart/form-data; boundary=B", temps, limit, err);
    assert_non_null(form);
    size_t length = strlen(body);
    *rc = 0;
    for (size_t offset = 0; *rc == 0 && offset < length; offset += chunk) {
        size_t size = length - offset < chunk ? length - offset : chunk;
        *rc = upload_form_feed(form, body + offset, size, err);
    }
    if (*rc == 0)
        *rc = upload_form_finish(form, err);
    return form;
}

static void form_collects_file_and_fields(void **state)
{
    (void)state;
    const char *body =
        "--B\r\n"
        "Content-Disposition: form-data; name=\"DESCRIPTION\"\r\n\r\n"
        "hello\r\n"
        "--B\r\n"
        "Content-Disposition: form-data; name=\"isPublic\"\r\n\r\n"
        "false\r\n"
        "--B\r\n"
        "Content-Disposition: form-data; name=\"other\"\r\n\r\n"
        "ignored\r\n"
        "--B\r\n"
        "Content-Disposition: form-data; name=\"image\"; filename=\"n.png\"\r\n\r\n"
        "not the file\r\n"
        "--B\r\n"
        "Content-Disposition: form-data; name=\"file\"; filename=\"c:\\\\x\\\\a.png\"\r\n"
        "Content-Type: image/png\r\n\r\n"
        "abc\r\n"
        "--B--\r\n";
    nh_error err;
    int rc;
    upload_form *form = feed_form(body, 100, 7, &err, &rc);
    assert_int_equal(rc, 0);
    const upload_field *description = upload_form_field(form, UPLOAD_FIELD_DESCRIPTION);
    assert_true(description->present);
    assert_string_equal(description->value, "hello");
    assert_string_equal(upload_form_field(form, UPLOAD_FIELD_IS_PUBLIC)->value, "false");
    assert_false(upload_form_field(form, UPLOAD_FIELD_ALT_TEXT)->present);
    const upload_file *file = upload_form_file(form);
    assert_non_null(file);
    assert_string_equal(file->file_name, "c:\\x\\a.png");
    assert_string_equal(file->content_type, "image/png");
    assert_int_equal(file->size, 3);
    assert_true(file->complete);
    /* sha256("abc") */
    assert_string_equal(file->sha256_hex,
                        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s", file->path);
    struct stat info;
    assert_int_equal(stat(path, &info), 0);
    assert_int_equal(info.st_size, 3);
    upload_form_free(form);
    assert_int_equal(stat(path, &info), -1); /* the form removed its temporary file */
}

static void form_refuses_duplicated_fields(void **state)
{
    (void)state;
    const char *twice = "--B\r\n"
                        "Content-Disposition: form-data; name=\"altText\"\r\n\r\none\r\n"
                        "--B\r\n"
                        "Content-Disposition: form-data; name=\"alttext\"\r\n\r\ntwo\r\n"
                        "--B--";
    nh_error err;
    int rc;
    upload_form *form = feed_form(twice, 100, 1000, &err, &rc);
    assert_int_equal(rc, -1);
    assert_int_equal(err.status, 400);
    assert_string_equal(err.code, "request_invalid");
    upload_form_free(form);

    const char *two_files = "--B\r\n"
                            "Content-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\n"
                            "1\r\n"
                            "--B\r\n"
                            "Content-Disposition: form-data; name=\"File\"; filename=\"b\"\r\n\r\n"
                            "2\r\n"
                            "--B--";
    form = feed_form(two_files, 100, 1000, &err, &rc);
    assert_int_equal(rc, -1);
    assert_string_equal(err.code, "request_invalid");
    upload_form_free(form);
}

static void form_without_file_name_has_no_file(void **state)
{
    (void)state;
    const char *body = "--B\r\n"
                       "Content-Disposition: form-data; name=\"file\"\r\n"
                       "Content-Type: image/png\r\n\r\n"
                       "abc\r\n"
                       "--B--";
    nh_error err;
    int rc;
    upload_form *form = feed_form(body, 100, 1000, &err, &rc);
    assert_int_equal(rc, 0);
    assert_null(upload_form_file(form));
    upload_form_free(form);
}

static void form_enforces_the_file_limit_as_bytes_arrive(void **state)
{
    (void)state;
    char body[512];
    snprintf(body, sizeof body,
             "--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\n"
             "%s\r\n--B--",
             "0123456789");
    nh_error err;
    int rc;
    upload_form *form = feed_form(body, 10, 3, &err, &rc);
    assert_int_equal(rc, 0); /* exactly at the limit */
    assert_int_equal(upload_form_file(form)->size, 10);
    upload_form_free(form);

    form = feed_form(body, 9, 3, &err, &rc);
    assert_int_equal(rc, -1);
    assert_string_equal(err.code, "asset_file_too_large");
    assert_true(upload_form_file(form)->size <= 9);
    upload_form_free(form);
}

static void form_flags_long_description_and_refuses_other_long_fields(void **state)
{
    (void)state;
    buf body;
    buf_init(&body, 0);
    buf_append_str(&body, "--B\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\n");
    for (int i = 0; i <= UPLOAD_FIELD_MAX; i++)
        buf_append_str(&body, "d");
    buf_append_str(&body, "\r\n--B--");
    nh_error err;
    int rc;
    upload_form *form = feed_form(body.data, 10, 4096, &err, &rc);
    assert_int_equal(rc, 0);
    assert_true(upload_form_field(form, UPLOAD_FIELD_DESCRIPTION)->too_long);
    upload_form_free(form);
    buf_free(&body);

    buf_init(&body, 0);
    buf_append_str(&body, "--B\r\nContent-Disposition: form-data; name=\"commitMessage\"\r\n\r\n");
    for (int i = 0; i <= UPLOAD_FIELD_MAX; i++)
        buf_append_str(&body, "m");
    buf_append_str(&body, "\r\n--B--");
    form = feed_form(body.data, 10, 4096, &err, &rc);
    assert_int_equal(rc, -1);
    assert_string_equal(err.code, "request_invalid");
    upload_form_free(form);
    buf_free(&body);
}

static void form_reports_truncated_bodies_and_wrong_types(void **state)
{
    (void)state;
    nh_error err;
    int rc;
    upload_form *form =
        feed_form("--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\nabc",
                  100, 5, &err, &rc);
    assert_int_equal(rc, -1);
    assert_int_equal(err.status, 400);
    assert_string_equal(err.code, "request_invalid");
    upload_form_free(form);

    assert_null(upload_form_new("application/json", temps, 10, &err));
    assert_int_equal(err.status, 415);
    assert_null(upload_form_new(NULL, temps, 10, &err));
    assert_int_equal(err.status, 415);
    assert_null(upload_form_new("multipart/form-data", temps, 10, &err));
    assert_int_equal(err.status, 400);
}

/* A temp directory so long that "<dir>/upload-XXXXXX" does not fit in PATH_MAX: the form
 * must fail without ever touching the truncated name ("<dir>/upl" here, an unrelated file). */
static void form_with_an_overlong_temp_path_removes_nothing(void **state)
{
    (void)state;
    char dir[PATH_MAX];
    size_t length = (size_t)snprintf(dir, sizeof dir, "%s", temp_dir);
    size_t depth = 0;
    while (length < PATH_MAX - 5) {
        size_t segment = PATH_MAX - 5 - length - 1;
        segment = segment > 200 ? 200 : segment;
        dir[length++] = '/';
        memset(dir + length, 'd', segment);
        length += segment;
        dir[length] = '\0';
        assert_int_equal(mkdir(dir, 0700), 0);
        depth++;
    }
    char victim[PATH_MAX];
    assert_true(snprintf(victim, sizeof victim, "%s/upl", dir) < (int)sizeof victim);
    FILE *file = fopen(victim, "w");
    assert_non_null(file);
    fclose(file);

    nh_error err;
    upload_temps *long_temps = upload_temps_create(dir, &err);
    assert_non_null(long_temps);
    upload_form *form = upload_form_new("multipart/form-data; boundary=B", long_temps, 100, &err);
    assert_non_null(form);
    const char *body =
        "--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\n";
    assert_int_equal(upload_form_feed(form, body, strlen(body), &err), -1);
    assert_int_equal(err.status, 500);
    upload_form_free(form);
    assert_int_equal(upload_temps_sweep(long_temps), 0);
    upload_temps_destroy(long_temps);
    struct stat info;
    bool kept = stat(victim, &info) == 0;

    unlink(victim);
    for (; depth > 0; depth--) {
        rmdir(dir);
        *strrchr(dir, '/') = '\0';
    }
    assert_true(kept);
}

int main(void)
{
    const struct CMUnitTest parser_tests[] = {
        cmocka_unit_test(simple_form_with_file_and_field),
        cmocka_unit_test(boundary_like_text_is_data),
        cmocka_unit_test(lf_line_ends_are_accepted),
        cmocka_unit_test(preamble_epilogue_and_padding_are_ignored),
        cmocka_unit_test(empty_part_and_empty_form),
        cmocka_unit_test(missing_filename_and_filename_star),
        cmocka_unit_test(missing_final_boundary_is_an_error),
        cmocka_unit_test(malformed_bodies_are_errors),
        cmocka_unit_test(header_and_part_limits),
        cmocka_unit_test(callback_can_stop_the_parser),
        cmocka_unit_test(large_binary_part_streams),
        cmocka_unit_test(boundary_parameter_forms),
    };
    const struct CMUnitTest form_tests[] = {
        cmocka_unit_test(form_collects_file_and_fields),
        cmocka_unit_test(form_refuses_duplicated_fields),
        cmocka_unit_test(form_without_file_name_has_no_file),
        cmocka_unit_test(form_enforces_the_file_limit_as_bytes_arrive),
        cmocka_unit_test(form_flags_long_description_and_refuses_other_long_fields),
        cmocka_unit_test(form_reports_truncated_bodies_and_wrong_types),
        cmocka_unit_test(form_with_an_overlong_temp_path_removes_nothing),
    };
    int failed = cmocka_run_group_tests_name("multipart parser", parser_tests, NULL, NULL);
    failed +=
        cmocka_run_group_tests_name("upload form", form_tests, make_temp_dir, remove_temp_dir);
    return failed;
}
