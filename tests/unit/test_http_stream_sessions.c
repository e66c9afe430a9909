/* test_http_stream_sessions.c - the legacy MCP SSE transport's session table over streamed
 * replies (mcp/mcp_sse_sessions.h): the endpoint event, credential binding, the caps, idle
 * expiry, heartbeats, a stalled reader dropped, the client going away, and the end of the
 * table with streams still open. Streams run against recording hooks, as in
 * test_http_stream.c; time is passed in. */
#include "cmocka_prelude.h"

#include <stdio.h>
#include <string.h>

#include "http/http_stream_server.h"
#include "http/response.h"
#include "mcp/mcp_sse_sessions.h"

#define SECOND 1000000000LL
#define PREFIX "https://hub.example/mcp/message?sessionId="

typedef struct fake_connection {
    int suspends;
    int resumes;
    int drops;
} fake_connection;

static void fake_suspend(void *handle)
{
    ((fake_connection *)handle)->suspends++;
}

static void fake_resume(void *handle)
{
    ((fake_connection *)handle)->resumes++;
}

static void fake_drop(void *handle)
{
    ((fake_connection *)handle)->drops++;
}

static const http_stream_connection fake_hooks = {fake_suspend, fake_resume, fake_drop};

/* One GET /mcp/sse as the server would run it: the response, its attached stream. */
typedef struct client {
    http_response response;
    fake_connection connection;
    char id[MCP_SSE_ID_SIZE];
} client;

static const mcp_sse_limits limits = {.max_sessions = 3,
                                      .max_per_credential = 2,
                                      .idle_ns = 10 * SECOND,
                                      .heartbeat_ns = 2 * SECOND,
                                      .buffer_bytes = 4096,
                                      .retry_after_s = 7};

static int open_client(mcp_sse_sessions *sessions, client *c, const char *credential, int64_t now,
                       nh_error *err)
{
    memset(c, 0, sizeof *c);
    http_response_init(&c->response, "req");
    int rc = mcp_sse_sessions_open(sessions, credential, &c->response, PREFIX, now, c->id, err);
    if (rc == 0)
        http_stream_attach(c->response.stream, NULL, &fake_hooks, &c->connection);
    return rc;
}

/* Everything sent so far on the client's stream. */
static void read_all(client *c, char *out, size_t size)
{
    size_t used = 0;
    for (;;) {
        size_t count = 0;
        http_stream_read_result result =
            http_stream_read(c->response.stream, out + used, size - 1 - used, &count);
        used += count;
        if (result != HTTP_STREAM_DATA || used == size - 1)
            break;
    }
    out[used] = '\0';
}

static http_stream_read_result last_read(client *c)
{
    char out[64];
    size_t count = 0;
    return http_stream_read(c->response.stream, out, sizeof out, &count);
}

/* The client goes away: the server ends its request. */
static void close_client(client *c)
{
    http_response_release(&c->response);
}

static void test_credentials_of_each_kind_of_key(void **state)
{
    (void)state;
    auth_principal personal = {.kind = PRINCIPAL_PERSONAL_KEY};
    snprintf(personal.key_id, sizeof personal.key_id, "0195a1b2-0000-7000-8000-000000000001");
    snprintf(personal.user_id, sizeof personal.user_id, "0195a1b2-0000-7000-8000-00000000000a");
    auth_principal machine = {.kind = PRINCIPAL_MACHINE_KEY};
    snprintf(machine.user_id, sizeof machine.user_id, "3f2a9c");
    char credential[MCP_SSE_CREDENTIAL_SIZE];
    mcp_sse_credential(&personal, credential);
    assert_string_equal(credential, "personal:0195a1b2-0000-7000-8000-000000000001");
    mcp_sse_credential(&machine, credential);
    assert_string_equal(credential, "machine:3f2a9c");
}

static void test_open_answers_an_event_stream_whose_first_event_is_the_endpoint(void **state)
{
    (void)state;
    mcp_sse_sessions *sessions = mcp_sse_sessions_create(&limits);
    client a;
    nh_error err;
    assert_int_equal(open_client(sessions, &a, "machine:a", 0, &err), 0);
    assert_int_equal(a.response.status, 200);
    assert_string_equal(a.response.content_type, "text/event-stream");
    assert_string_equal(http_response_header_value(&a.response, "Cache-Control"),
                        "no-cache, no-store");
    assert_string_equal(http_response_header_value(&a.response, "X-Accel-Buffering"), "no");
    assert_int_equal(strlen(a.id), 32);
    for (const char *c = a.id; *c; c++)
        assert_non_null(strchr("0123456789abcdef", *c));
    char text[512];
    read_all(&a, text, sizeof text);
    char expected[256];
    snprintf(expected, sizeof expected, "event: endpoint\ndata: %s%s\n\n", PREFIX, a.id);
    assert_string_equal(text, expected);
    assert_int_equal(mcp_sse_sessions_count(sessions), 1);
    close_client(&a);
    assert_int_equal(mcp_sse_sessions_count(sessions), 0);
    mcp_sse_sessions_destroy(sessions);
}

static void test_a_session_is_found_only_by_the_credential_that_opened_it(void **state)
{
    (void)state;
    mcp_sse_sessions *sessions = mcp_sse_sessions_create(&limits);
    client a;
    nh_error err;
    assert_int_equal(open_client(sessions, &a, "personal:k1", 0, &err), 0);
    assert_null(mcp_sse_sessions_find(sessions, a.id, "personal:k2", 0));
    assert_null(
        mcp_sse_sessions_find(sessions, "0123456789abcdef0123456789abcdef", "personal:k1", 0));
    assert_null(mcp_sse_sessions_find(sessions, "short", "personal:k1", 0));
    char padded[64];
    snprintf(padded, sizeof padded, "  %s ", a.id); /* the lookup trims */
    mcp_sse_session *session = mcp_sse_sessions_find(sessions, padded, "personal:k1", 0);
    assert_non_null(session);
    const char reply[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}";
    char text[512];
    read_all(&a, text, sizeof text); /* the endpoint event */
    assert_int_equal(mcp_sse_session_send(session, reply, strlen(reply), 0), 0);
    read_all(&a, text, sizeof text);
    assert_string_equal(text,
                        "event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n\n");
    mcp_sse_session_release(session, 0);
    close_client(&a);
    assert_null(mcp_sse_sessions_find(sessions, a.id, "personal:k1", 0)); /* ended */
    mcp_sse_sessions_destroy(sessions);
}

static void test_caps_per_credential_and_in_all(void **state)
{
    (void)state;
    mcp_sse_sessions *sessions = mcp_sse_sessions_create(&limits);
    client c[4];
    nh_error err;
    assert_int_equal(open_client(sessions, &c[0], "machine:a", 0, &err), 0);
    assert_int_equal(open_client(sessions, &c[1], "machine:a", 0, &err), 0);
    client refused;
    assert_int_equal(open_client(sessions, &refused, "machine:a", 0, &err), -1);
    assert_int_equal(err.status, 429);
    assert_string_equal(err.code, "mcp_session_limit");
    assert_int_equal(err.retry_after_seconds, 7);
    assert_null(refused.response.stream);
    assert_int_equal(open_client(sessions, &c[2], "machine:b", 0, &err), 0);
    assert_int_equal(open_client(sessions, &refused, "machine:c", 0, &err), -1); /* 3 in all */
    assert_int_equal(err.status, 429);
    assert_int_equal(mcp_sse_sessions_count(sessions), 3);
    close_client(&c[0]); /* a slot frees when a client goes away */
    assert_int_equal(open_client(sessions, &c[3], "machine:a", 0, &err), 0);
    for (int i = 1; i < 4; i++)
        close_client(&c[i]);
    http_response_release(&refused.response);
    assert_int_equal(mcp_sse_sessions_count(sessions), 0);
    mcp_sse_sessions_destroy(sessions);
}

static void test_heartbeats_and_idle_expiry(void **state)
{
    (void)state;
    mcp_sse_sessions *sessions = mcp_sse_sessions_create(&limits);
    client a;
    nh_error err;
    char text[512];
    assert_int_equal(open_client(sessions, &a, "machine:a", 0, &err), 0);
    read_all(&a, text, sizeof text);
    mcp_sse_sessions_tick(sessions, 1 * SECOND);
    read_all(&a, text, sizeof text);
    assert_string_equal(text, ""); /* not due yet */
    mcp_sse_sessions_tick(sessions, 2 * SECOND);
    read_all(&a, text, sizeof text);
    assert_string_equal(text, ": ping\n\n");
    mcp_sse_sessions_tick(sessions, 3 * SECOND);
    read_all(&a, text, sizeof text);
    assert_string_equal(text, "");
    /* a message restarts the idle clock (heartbeats do not); one in progress is never idle */
    mcp_sse_session *session = mcp_sse_sessions_find(sessions, a.id, "machine:a", 8 * SECOND);
    assert_non_null(session);
    mcp_sse_sessions_tick(sessions, 19 * SECOND);
    assert_int_equal(mcp_sse_sessions_count(sessions), 1);
    mcp_sse_session_release(session, 19 * SECOND);
    mcp_sse_sessions_tick(sessions, 29 * SECOND); /* exactly the idle limit: still open */
    assert_int_equal(mcp_sse_sessions_count(sessions), 1);
    read_all(&a, text, sizeof text);
    assert_string_equal(text, ": ping\n\n: ping\n\n"); /* at 19 s and 29 s */
    mcp_sse_sessions_tick(sessions, 29 * SECOND + 1);
    assert_int_equal(mcp_sse_sessions_count(sessions), 0);
    assert_int_equal(last_read(&a), HTTP_STREAM_END); /* the stream ends cleanly */
    assert_null(mcp_sse_sessions_find(sessions, a.id, "machine:a", 30 * SECOND));
    close_client(&a);
    mcp_sse_sessions_destroy(sessions);
}

static void test_a_reader_that_falls_behind_the_buffer_is_dropped(void **state)
{
    (void)state;
    mcp_sse_sessions *sessions = mcp_sse_sessions_create(&limits);
    client a;
    nh_error err;
    assert_int_equal(open_client(sessions, &a, "machine:a", 0, &err), 0);
    mcp_sse_session *session = mcp_sse_sessions_find(sessions, a.id, "machine:a", 0);
    char reply[1000];
    memset(reply, 'x', sizeof reply);
    int sent = 0;
    while (mcp_sse_session_send(session, reply, sizeof reply, 0) == 0)
        sent++;
    assert_int_equal(sent, 3); /* 4096 bytes hold the endpoint event and three frames */
    assert_int_equal(a.connection.drops, 1);
    assert_int_equal(mcp_sse_sessions_count(sessions), 0);
    assert_null(mcp_sse_sessions_find(sessions, a.id, "machine:a", 0));
    assert_int_equal(last_read(&a), HTTP_STREAM_FAILED);
    mcp_sse_session_release(session, 0);
    close_client(&a);
    mcp_sse_sessions_destroy(sessions);
}

static void test_destroy_with_sessions_open_finishes_their_streams(void **state)
{
    (void)state;
    mcp_sse_sessions *sessions = mcp_sse_sessions_create(&limits);
    client a;
    client b;
    nh_error err;
    char text[512];
    assert_int_equal(open_client(sessions, &a, "machine:a", 0, &err), 0);
    assert_int_equal(open_client(sessions, &b, "machine:b", 0, &err), 0);
    read_all(&a, text, sizeof text);
    mcp_sse_sessions_destroy(sessions); /* the table lives on until the streams ended */
    assert_int_equal(last_read(&a), HTTP_STREAM_END);
    close_client(&a);
    close_client(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_credentials_of_each_kind_of_key),
        cmocka_unit_test(test_open_answers_an_event_stream_whose_first_event_is_the_endpoint),
        cmocka_unit_test(test_a_session_is_found_only_by_the_credential_that_opened_it),
        cmocka_unit_test(test_caps_per_credential_and_in_all),
        cmocka_unit_test(test_heartbeats_and_idle_expiry),
        cmocka_unit_test(test_a_reader_that_falls_behind_the_buffer_is_dropped),
        cmocka_unit_test(test_destroy_with_sessions_open_finishes_their_streams),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
