/* test_http_stream.c - streamed replies without a network: the bounded byte queue
 * (http/stream_buffer.h), the stream's suspend/resume hand-off, cap, finish, close and
 * reference counting against recording hooks (http/http_stream_server.h), the registry that
 * ends streams at shutdown, a producer thread racing the reader, and the public scheme and
 * authority of a request (http/public_origin.h). */
#include "cmocka_prelude.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_stream_server.h"
#include "http/public_origin.h"
#include "http/response.h"
#include "http/stream_buffer.h"

/* ---- stream_buffer ----------------------------------------------------------------------- */

static void test_buffer_keeps_order_across_partial_takes(void **state)
{
    (void)state;
    stream_buffer buffer;
    stream_buffer_init(&buffer, 64);
    assert_int_equal(stream_buffer_push(&buffer, "hello ", 6), STREAM_BUFFER_OK);
    assert_int_equal(stream_buffer_push(&buffer, "world", 5), STREAM_BUFFER_OK);
    char out[16] = {0};
    assert_int_equal(stream_buffer_take(&buffer, out, 4), 4);
    assert_memory_equal(out, "hell", 4);
    assert_int_equal(stream_buffer_length(&buffer), 7);
    assert_int_equal(stream_buffer_push(&buffer, "!", 1), STREAM_BUFFER_OK);
    memset(out, 0, sizeof out);
    assert_int_equal(stream_buffer_take(&buffer, out, sizeof out), 8);
    assert_string_equal(out, "o world!");
    assert_int_equal(stream_buffer_take(&buffer, out, sizeof out), 0);
    stream_buffer_free(&buffer);
}

static void test_buffer_limit_is_exact_and_a_refused_push_changes_nothing(void **state)
{
    (void)state;
    stream_buffer buffer;
    stream_buffer_init(&buffer, 10);
    assert_int_equal(stream_buffer_push(&buffer, "0123456", 7), STREAM_BUFFER_OK);
    assert_int_equal(stream_buffer_push(&buffer, "7890", 4), STREAM_BUFFER_FULL);
    assert_int_equal(stream_buffer_length(&buffer), 7);
    assert_int_equal(stream_buffer_push(&buffer, "789", 3), STREAM_BUFFER_OK); /* exactly full */
    assert_int_equal(stream_buffer_push(&buffer, "x", 1), STREAM_BUFFER_FULL);
    char out[16] = {0};
    assert_int_equal(stream_buffer_take(&buffer, out, sizeof out), 10);
    assert_string_equal(out, "0123456789");
    /* a single push larger than the limit, and lengths that would overflow, are refused */
    assert_int_equal(stream_buffer_push(&buffer, "0123456789A", 11), STREAM_BUFFER_FULL);
    assert_int_equal(stream_buffer_push(&buffer, "x", 1), STREAM_BUFFER_OK);
    assert_int_equal(stream_buffer_push(&buffer, "x", SIZE_MAX), STREAM_BUFFER_FULL);
    assert_int_equal(stream_buffer_length(&buffer), 1);
    stream_buffer_free(&buffer);
}

static void test_buffer_reuses_consumed_room_and_frees_when_drained(void **state)
{
    (void)state;
    stream_buffer buffer;
    stream_buffer_init(&buffer, 4096);
    char block[1000];
    char out[4096];
    memset(block, 'a', sizeof block);
    for (int round = 0; round < 50; round++) {
        block[0] = (char)('A' + round % 26);
        assert_int_equal(stream_buffer_push(&buffer, block, sizeof block), STREAM_BUFFER_OK);
        assert_int_equal(stream_buffer_push(&buffer, block, sizeof block), STREAM_BUFFER_OK);
        assert_int_equal(stream_buffer_take(&buffer, out, 1500), 1500);
        assert_int_equal(out[0], 'A' + round % 26);
        assert_int_equal(out[1000], 'A' + round % 26);
        assert_true(buffer.capacity <= buffer.limit);
        assert_int_equal(stream_buffer_take(&buffer, out, sizeof out), 500);
        assert_null(buffer.data); /* an idle stream keeps no memory */
        assert_int_equal(buffer.capacity, 0);
    }
    stream_buffer_free(&buffer);
}

static void test_buffer_grows_up_to_its_limit_only(void **state)
{
    (void)state;
    stream_buffer buffer;
    stream_buffer_init(&buffer, 3000);
    char block[700];
    memset(block, 'b', sizeof block);
    for (int i = 0; i < 4; i++)
        assert_int_equal(stream_buffer_push(&buffer, block, sizeof block), STREAM_BUFFER_OK);
    assert_int_equal(stream_buffer_push(&buffer, block, sizeof block), STREAM_BUFFER_FULL);
    assert_int_equal(stream_buffer_push(&buffer, block, 200), STREAM_BUFFER_OK);
    assert_int_equal(stream_buffer_length(&buffer), 3000);
    assert_int_equal(buffer.capacity, 3000);
    assert_int_equal(stream_buffer_push(&buffer, "", 0), STREAM_BUFFER_OK); /* nothing: fine */
    stream_buffer_free(&buffer);
}

/* ---- the stream against recording hooks ------------------------------------------------- */

typedef struct fake_connection {
    int suspends;
    int resumes;
    int drops;
    bool suspended;
} fake_connection;

static void fake_suspend(void *handle)
{
    fake_connection *connection = handle;
    assert_false(connection->suspended);
    connection->suspended = true;
    connection->suspends++;
}

static void fake_resume(void *handle)
{
    fake_connection *connection = handle;
    assert_true(connection->suspended); /* a resume always follows its suspend */
    connection->suspended = false;
    connection->resumes++;
}

static void fake_drop(void *handle)
{
    fake_connection *connection = handle;
    connection->drops++;
}

static const http_stream_connection fake_hooks = {fake_suspend, fake_resume, fake_drop};

static void count_close(void *context)
{
    (*(int *)context)++;
}

typedef struct stream_fixture {
    http_response response;
    http_stream *stream; /* the producer's reference */
    fake_connection connection;
    int closes;
} stream_fixture;

static void open_stream(stream_fixture *fixture, size_t cap, http_stream_registry *registry,
                        bool ends_on_quiesce)
{
    memset(fixture, 0, sizeof *fixture);
    http_response_init(&fixture->response, "req-1");
    http_stream_settings settings = {.content_type = "text/event-stream",
                                     .max_buffered_bytes = cap,
                                     .on_close = count_close,
                                     .context = &fixture->closes,
                                     .ends_on_quiesce = ends_on_quiesce};
    fixture->stream = http_reply_stream(&fixture->response, 200, &settings);
    assert_non_null(fixture->stream);
    assert_int_equal(fixture->response.status, 200);
    assert_ptr_equal(fixture->response.stream, fixture->stream);
    assert_string_equal(fixture->response.content_type, "text/event-stream");
    assert_string_equal(http_stream_content_type(fixture->stream), "text/event-stream");
    http_stream_attach(fixture->stream, registry, &fake_hooks, &fixture->connection);
}

/* The connection ends: the server gives up its reference with the response. */
static void end_connection(stream_fixture *fixture)
{
    http_response_release(&fixture->response);
}

static http_stream_read_result read_text(http_stream *stream, char *out, size_t size)
{
    size_t count = 0;
    http_stream_read_result result = http_stream_read(stream, out, size - 1, &count);
    out[count] = '\0';
    return result;
}

static void test_empty_stream_suspends_and_a_write_resumes(void **state)
{
    (void)state;
    stream_fixture fixture;
    open_stream(&fixture, 1024, NULL, false);
    char out[64];
    assert_int_equal(read_text(fixture.stream, out, sizeof out), HTTP_STREAM_WAIT);
    assert_int_equal(fixture.connection.suspends, 1);
    assert_true(fixture.connection.suspended);
    assert_int_equal(http_stream_write(fixture.stream, "event: a\n\n", 10), 0);
    assert_int_equal(fixture.connection.resumes, 1);
    assert_int_equal(http_stream_write(fixture.stream, "event: b\n\n", 10), 0);
    assert_int_equal(fixture.connection.resumes, 1); /* not suspended: nothing to resume */
    assert_int_equal(read_text(fixture.stream, out, sizeof out), HTTP_STREAM_DATA);
    assert_string_equal(out, "event: a\n\nevent: b\n\n");
    assert_int_equal(read_text(fixture.stream, out, sizeof out), HTTP_STREAM_WAIT);
    assert_int_equal(fixture.connection.suspends, 2);
    assert_int_equal(http_stream_sent_bytes(fixture.stream), 20);
    assert_false(http_stream_is_closed(fixture.stream));
    end_connection(&fixture);
    assert_int_equal(fixture.closes, 1);
    assert_true(http_stream_is_closed(fixture.stream));
    assert_int_equal(http_stream_write(fixture.stream, "x", 1), -1);
    http_stream_release(fixture.stream);
}

static void test_events_are_framed_one_data_line_per_line(void **state)
{
    (void)state;
    stream_fixture fixture;
    open_stream(&fixture, 1024, NULL, false);
    char out[128];
    assert_int_equal(http_stream_write_event(fixture.stream, "message", "{\"a\":1}", 7), 0);
    assert_int_equal(read_text(fixture.stream, out, sizeof out), HTTP_STREAM_DATA);
    assert_string_equal(out, "event: message\ndata: {\"a\":1}\n\n");
    const char text[] = "one\ntwo\r\nthree\rfour";
    assert_int_equal(http_stream_write_event(fixture.stream, NULL, text, sizeof text - 1), 0);
    assert_int_equal(read_text(fixture.stream, out, sizeof out), HTTP_STREAM_DATA);
    assert_string_equal(out, "data: one\ndata: two\ndata: three\ndata: four\n\n");
    assert_int_equal(http_stream_write_event(fixture.stream, "endpoint", "", 0), 0);
    assert_int_equal(read_text(fixture.stream, out, sizeof out), HTTP_STREAM_DATA);
    assert_string_equal(out, "event: endpoint\ndata: \n\n");
    end_connection(&fixture);
    http_stream_release(fixture.stream);
}

static void test_finish_sends_what_is_queued_then_ends(void **state)
{
    (void)state;
    stream_fixture fixture;
    open_stream(&fixture, 1024, NULL, false);
    char out[64];
    assert_int_equal(http_stream_write(fixture.stream, "data: 1\n\n", 9), 0);
    http_stream_finish(fixture.stream);
    assert_int_equal(http_stream_write(fixture.stream, "late", 4), -1);
    assert_int_equal(read_text(fixture.stream, out, 5), HTTP_STREAM_DATA);
    assert_string_equal(out, "data");
    assert_int_equal(read_text(fixture.stream, out, sizeof out), HTTP_STREAM_DATA);
    assert_string_equal(out, ": 1\n\n");
    assert_int_equal(read_text(fixture.stream, out, sizeof out), HTTP_STREAM_END);
    assert_int_equal(fixture.connection.suspends, 0);
    http_stream_release(fixture.stream); /* the producer leaves first */
    assert_int_equal(fixture.closes, 0);
    end_connection(&fixture);
    assert_int_equal(fixture.closes, 1);
}

static void test_finish_resumes_a_suspended_connection(void **state)
{
    (void)state;
    stream_fixture fixture;
    open_stream(&fixture, 1024, NULL, false);
    char out[8];
    assert_int_equal(read_text(fixture.stream, out, sizeof out), HTTP_STREAM_WAIT);
    http_stream_finish(fixture.stream);
    assert_int_equal(fixture.connection.resumes, 1);
    assert_int_equal(read_text(fixture.stream, out, sizeof out), HTTP_STREAM_END);
    end_connection(&fixture);
    http_stream_release(fixture.stream);
    assert_int_equal(fixture.closes, 1);
}

static void test_a_write_over_the_cap_closes_the_stream(void **state)
{
    (void)state;
    stream_fixture fixture;
    open_stream(&fixture, 16, NULL, false);
    char out[32];
    assert_int_equal(http_stream_write(fixture.stream, "0123456789", 10), 0);
    assert_int_equal(http_stream_write(fixture.stream, "0123456789", 10), -1);
    /* the connection was busy sending (not suspended): it is dropped */
    assert_int_equal(fixture.connection.drops, 1);
    assert_true(http_stream_is_closed(fixture.stream));
    assert_int_equal(http_stream_write(fixture.stream, "x", 1), -1);
    assert_int_equal(read_text(fixture.stream, out, sizeof out), HTTP_STREAM_FAILED);
    assert_int_equal(fixture.closes, 0); /* on_close waits for the connection to end */
    end_connection(&fixture);
    assert_int_equal(fixture.closes, 1);
    http_stream_release(fixture.stream);
}

static void test_overflow_while_suspended_resumes_into_a_failed_read(void **state)
{
    (void)state;
    stream_fixture fixture;
    open_stream(&fixture, 8, NULL, false);
    char out[32];
    assert_int_equal(read_text(fixture.stream, out, sizeof out), HTTP_STREAM_WAIT);
    assert_int_equal(http_stream_write(fixture.stream, "123456789", 9), -1);
    assert_int_equal(fixture.connection.resumes, 1);
    assert_int_equal(fixture.connection.drops, 0);
    assert_int_equal(read_text(fixture.stream, out, sizeof out), HTTP_STREAM_FAILED);
    end_connection(&fixture);
    http_stream_release(fixture.stream);
    assert_int_equal(fixture.closes, 1);
}

static void test_client_gone_closes_for_the_producer_and_runs_on_close_once(void **state)
{
    (void)state;
    stream_fixture fixture;
    open_stream(&fixture, 64, NULL, false);
    char out[8];
    assert_int_equal(read_text(fixture.stream, out, sizeof out), HTTP_STREAM_WAIT);
    end_connection(&fixture); /* MHD resumes and closes it itself when it stops */
    assert_int_equal(fixture.closes, 1);
    assert_true(http_stream_is_closed(fixture.stream));
    assert_int_equal(http_stream_write(fixture.stream, "x", 1), -1);
    http_stream_finish(fixture.stream);
    assert_int_equal(fixture.connection.resumes, 0); /* no hook after the connection ended */
    http_response_release(&fixture.response);        /* twice: nothing more */
    assert_int_equal(fixture.closes, 1);
    http_stream_release(fixture.stream);
}

static void test_a_replaced_reply_ends_the_stream(void **state)
{
    (void)state;
    stream_fixture fixture;
    open_stream(&fixture, 64, NULL, false);
    http_reply_error_code(&fixture.response, 409, "replaced", "The reply was replaced.");
    assert_null(fixture.response.stream);
    assert_int_equal(fixture.closes, 1);
    assert_true(http_stream_is_closed(fixture.stream));
    http_stream_release(fixture.stream);
    http_response_release(&fixture.response);
}

static void test_registry_quiesce_finishes_session_streams_only(void **state)
{
    (void)state;
    http_stream_registry *registry = http_stream_registry_create();
    assert_non_null(registry);
    stream_fixture session;
    stream_fixture reply;
    open_stream(&session, 64, registry, true);
    open_stream(&reply, 64, registry, false);
    assert_int_equal(http_stream_registry_count(registry), 2);
    char out[8];
    assert_int_equal(read_text(session.stream, out, sizeof out), HTTP_STREAM_WAIT);
    assert_int_equal(read_text(reply.stream, out, sizeof out), HTTP_STREAM_WAIT);
    http_stream_registry_quiesce(registry);
    assert_int_equal(session.connection.resumes, 1);
    assert_int_equal(reply.connection.resumes, 0);
    assert_int_equal(read_text(session.stream, out, sizeof out), HTTP_STREAM_END);
    assert_int_equal(http_stream_write(reply.stream, "ok", 2), 0); /* still running */
    /* a session stream attached after the quiesce ends at once */
    stream_fixture late;
    open_stream(&late, 64, registry, true);
    assert_int_equal(read_text(late.stream, out, sizeof out), HTTP_STREAM_END);
    end_connection(&session);
    end_connection(&late);
    assert_int_equal(http_stream_registry_count(registry), 1);
    end_connection(&reply);
    assert_int_equal(http_stream_registry_count(registry), 0);
    http_stream_release(session.stream);
    http_stream_release(reply.stream);
    http_stream_release(late.stream);
    http_stream_registry_destroy(registry);
}

static void test_registry_close_all_resumes_every_suspended_connection(void **state)
{
    (void)state;
    http_stream_registry *registry = http_stream_registry_create();
    stream_fixture waiting;
    stream_fixture busy;
    open_stream(&waiting, 64, registry, true);
    open_stream(&busy, 64, registry, false);
    char out[8];
    assert_int_equal(read_text(waiting.stream, out, sizeof out), HTTP_STREAM_WAIT);
    assert_int_equal(http_stream_write(busy.stream, "abc", 3), 0);
    http_stream_registry_close_all(registry);
    assert_false(waiting.connection.suspended);
    assert_int_equal(busy.connection.drops, 1);
    assert_int_equal(read_text(waiting.stream, out, sizeof out), HTTP_STREAM_FAILED);
    assert_int_equal(read_text(busy.stream, out, sizeof out), HTTP_STREAM_FAILED);
    assert_int_equal(http_stream_write(waiting.stream, "x", 1), -1);
    /* attached after: failed at once, never suspended */
    stream_fixture late;
    open_stream(&late, 64, registry, false);
    assert_int_equal(read_text(late.stream, out, sizeof out), HTTP_STREAM_FAILED);
    assert_int_equal(late.connection.suspends, 0);
    end_connection(&waiting);
    end_connection(&busy);
    end_connection(&late);
    assert_int_equal(waiting.closes + busy.closes + late.closes, 3);
    http_stream_release(waiting.stream);
    http_stream_release(busy.stream);
    http_stream_release(late.stream);
    http_stream_registry_destroy(registry);
}

/* A producer thread writes numbered lines while the reader takes them: every byte arrives in
 * order, each resume follows a suspend (fake_resume asserts it), and the stream ends. */
typedef struct race {
    http_stream *stream;
    int lines;
    int failed_writes; /* checked on the main thread (cmocka asserts only there) */
} race;

static void *produce_lines(void *argument)
{
    race *run = argument;
    char line[32];
    for (int i = 0; i < run->lines; i++) {
        int length = snprintf(line, sizeof line, "%d\n", i);
        if (http_stream_write(run->stream, line, (size_t)length) != 0)
            run->failed_writes++;
    }
    http_stream_finish(run->stream);
    return NULL;
}

/* Hooks for the race: a suspended connection is waited on with a condition variable. */
typedef struct race_connection {
    pthread_mutex_t lock;
    pthread_cond_t resumed;
    bool suspended;
    int stray_resumes; /* a resume without a suspend before it */
} race_connection;

static void race_suspend(void *handle)
{
    race_connection *connection = handle;
    pthread_mutex_lock(&connection->lock);
    connection->suspended = true;
    pthread_mutex_unlock(&connection->lock);
}

static void race_resume(void *handle)
{
    race_connection *connection = handle;
    pthread_mutex_lock(&connection->lock);
    if (!connection->suspended)
        connection->stray_resumes++;
    connection->suspended = false;
    pthread_cond_signal(&connection->resumed);
    pthread_mutex_unlock(&connection->lock);
}

static const http_stream_connection race_hooks = {race_suspend, race_resume, NULL};

static void test_producer_thread_and_reader_never_lose_a_byte(void **state)
{
    (void)state;
    http_response response;
    http_response_init(&response, "req-race");
    http_stream_settings settings = {.content_type = "text/plain", .max_buffered_bytes = 1 << 20};
    http_stream *stream = http_reply_stream(&response, 200, &settings);
    assert_non_null(stream);
    race_connection connection = {.suspended = false};
    pthread_mutex_init(&connection.lock, NULL);
    pthread_cond_init(&connection.resumed, NULL);
    http_stream_attach(stream, NULL, &race_hooks, &connection);
    race run = {stream, 20000, 0};
    pthread_t producer;
    assert_int_equal(pthread_create(&producer, NULL, produce_lines, &run), 0);
    int expected = 0;
    char pending[64];
    size_t pending_length = 0;
    for (;;) {
        char chunk[16];
        size_t count = 0;
        http_stream_read_result result = http_stream_read(stream, chunk, sizeof chunk, &count);
        if (result == HTTP_STREAM_END)
            break;
        assert_int_not_equal(result, HTTP_STREAM_FAILED);
        if (result == HTTP_STREAM_WAIT) {
            pthread_mutex_lock(&connection.lock);
            while (connection.suspended)
                pthread_cond_wait(&connection.resumed, &connection.lock);
            pthread_mutex_unlock(&connection.lock);
            continue;
        }
        for (size_t i = 0; i < count; i++) {
            if (chunk[i] != '\n') {
                assert_true(pending_length < sizeof pending - 1);
                pending[pending_length++] = chunk[i];
                continue;
            }
            pending[pending_length] = '\0';
            assert_int_equal(atoi(pending), expected);
            expected++;
            pending_length = 0;
        }
    }
    pthread_join(producer, NULL);
    assert_int_equal(expected, run.lines);
    assert_int_equal(run.failed_writes, 0);
    assert_int_equal(connection.stray_resumes, 0);
    http_response_release(&response);
    http_stream_release(stream);
    pthread_cond_destroy(&connection.resumed);
    pthread_mutex_destroy(&connection.lock);
}

/* ---- public origin ----------------------------------------------------------------------- */

static void test_public_origin_from_the_connection(void **state)
{
    (void)state;
    public_origin origin;
    public_origin_resolve(false, "https", "evil.example", "hub.local:5121", &origin);
    assert_string_equal(origin.scheme, "http"); /* an untrusted peer's forwarded word is ignored */
    assert_string_equal(origin.authority, "hub.local:5121");
    public_origin_resolve(false, NULL, NULL, "[::1]:8080", &origin);
    assert_string_equal(origin.authority, "[::1]:8080");
    public_origin_resolve(false, NULL, NULL, NULL, &origin);
    assert_string_equal(origin.scheme, "http");
    assert_string_equal(origin.authority, "");
    public_origin_resolve(false, NULL, NULL, "evil.example/path", &origin);
    assert_string_equal(origin.authority, "");
}

static void test_public_origin_behind_a_trusted_proxy(void **state)
{
    (void)state;
    public_origin origin;
    public_origin_resolve(true, "HTTPS, http", " hub.example.com , other", "127.0.0.1:5121",
                          &origin);
    assert_string_equal(origin.scheme, "https");
    assert_string_equal(origin.authority, "hub.example.com");
    /* absent or unusable forwarded values fall back to the connection's own */
    public_origin_resolve(true, NULL, NULL, "127.0.0.1:5121", &origin);
    assert_string_equal(origin.scheme, "http");
    assert_string_equal(origin.authority, "127.0.0.1:5121");
    public_origin_resolve(true, "ftp", "user@evil.example", "127.0.0.1:5121", &origin);
    assert_string_equal(origin.scheme, "http");
    assert_string_equal(origin.authority, "127.0.0.1:5121");
    public_origin_resolve(true, "", ",hub.example", "127.0.0.1", &origin);
    assert_string_equal(origin.scheme, "http");
    assert_string_equal(origin.authority, "127.0.0.1");
    char long_host[400];
    memset(long_host, 'a', sizeof long_host - 1);
    long_host[sizeof long_host - 1] = '\0';
    public_origin_resolve(true, "https", long_host, "h", &origin);
    assert_string_equal(origin.authority, "h");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buffer_keeps_order_across_partial_takes),
        cmocka_unit_test(test_buffer_limit_is_exact_and_a_refused_push_changes_nothing),
        cmocka_unit_test(test_buffer_reuses_consumed_room_and_frees_when_drained),
        cmocka_unit_test(test_buffer_grows_up_to_its_limit_only),
        cmocka_unit_test(test_empty_stream_suspends_and_a_write_resumes),
        cmocka_unit_test(test_events_are_framed_one_data_line_per_line),
        cmocka_unit_test(test_finish_sends_what_is_queued_then_ends),
        cmocka_unit_test(test_finish_resumes_a_suspended_connection),
        cmocka_unit_test(test_a_write_over_the_cap_closes_the_stream),
        cmocka_unit_test(test_overflow_while_suspended_resumes_into_a_failed_read),
        cmocka_unit_test(test_client_gone_closes_for_the_producer_and_runs_on_close_once),
        cmocka_unit_test(test_a_replaced_reply_ends_the_stream),
        cmocka_unit_test(test_registry_quiesce_finishes_session_streams_only),
        cmocka_unit_test(test_registry_close_all_resumes_every_suspended_connection),
        cmocka_unit_test(test_producer_thread_and_reader_never_lose_a_byte),
        cmocka_unit_test(test_public_origin_from_the_connection),
        cmocka_unit_test(test_public_origin_behind_a_trusted_proxy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
