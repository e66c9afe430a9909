/* test_remote_http.c - the remote storage HTTP client against a scripted loopback server:
 * retries of idempotent requests (500 then 200; persistent 500 = 503 storage_provider_
 * unavailable), none for others, a closed port, 403 = access denied, 429 with Retry-After,
 * bodies streamed from a file range and responses written to a file (truncated on retry),
 * the memory cap, header capture, and connection reuse. */
#include "cmocka_prelude.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "storage/remote_http.h"

#define SCRIPT_MAX 8

/* A server answering each request with the next scripted reply; counts requests and
 * connections, and keeps the last request body. */
typedef struct script_server {
    int listener;
    int port;
    const char *replies[SCRIPT_MAX];
    size_t reply_count;
    size_t requests;
    size_t connections;
    char last_body[4096];
    size_t last_body_length;
    pthread_t thread;
} script_server;

static size_t content_length_of(const char *head)
{
    const char *found = strcasestr(head, "\r\nContent-Length:");
    return found ? (size_t)strtoul(found + 17, NULL, 10) : 0;
}

/* Read one request (head and Content-Length body); false at end of connection. */
static bool read_request(int connection, script_server *server)
{
    char data[65536];
    size_t used = 0;
    char *end = NULL;
    while (!end) {
        ssize_t got = recv(connection, data + used, sizeof data - 1 - used, 0);
        if (got <= 0)
            return false;
        used += (size_t)got;
        data[used] = '\0';
        end = strstr(data, "\r\n\r\n");
    }
    size_t head = (size_t)(end + 4 - data);
    size_t want = content_length_of(data);
    while (used - head < want) {
        ssize_t got = recv(connection, data + used, sizeof data - 1 - used, 0);
        if (got <= 0)
            return false;
        used += (size_t)got;
    }
    server->last_body_length = want < sizeof server->last_body ? want : 0;
    memcpy(server->last_body, data + head, server->last_body_length);
    return true;
}

static void *serve(void *context)
{
    script_server *server = context;
    while (server->requests < server->reply_count) {
        int connection = accept(server->listener, NULL, NULL);
        if (connection < 0)
            break;
        server->connections++;
        while (server->requests < server->reply_count && read_request(connection, server)) {
            const char *reply = server->replies[server->requests++];
            if (send(connection, reply, strlen(reply), MSG_NOSIGNAL) < 0)
                break;
            if (strstr(reply, "Connection: close"))
                break;
        }
        close(connection);
    }
    return NULL;
}

static void server_start(script_server *server)
{
    server->listener = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(server->listener >= 0);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = 0};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(server->listener, (struct sockaddr *)&address, sizeof address), 0);
    assert_int_equal(listen(server->listener, 8), 0);
    socklen_t length = sizeof address;
    assert_int_equal(getsockname(server->listener, (struct sockaddr *)&address, &length), 0);
    server->port = ntohs(address.sin_port);
    assert_int_equal(pthread_create(&server->thread, NULL, serve, server), 0);
}

static void server_stop(script_server *server)
{
    pthread_join(server->thread, NULL);
    close(server->listener);
}

static storage_remote_settings fast_settings(void)
{
    storage_remote_settings settings = {.connect_timeout_ms = 2000,
                                        .stall_timeout_ms = 5000,
                                        .max_attempts = 3,
                                        .retry_base_delay_ms = 1,
                                        .multipart_threshold = 16u << 20,
                                        .multipart_part_size = 8u << 20};
    return settings;
}

static const char ok_reply[] =
    "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Thing:  kept \r\n\r\nhello";
static const char error_reply[] =
    "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n\r\noops";

static void url_of(const script_server *server, char url[128])
{
    snprintf(url, 128, "http://127.0.0.1:%d/bucket/key", server->port);
}

static void retries_an_idempotent_request_after_a_500(void **state)
{
    (void)state;
    script_server server = {.replies = {error_reply, ok_reply}, .reply_count = 2};
    server_start(&server);
    storage_remote_settings settings = fast_settings();
    nh_error err;
    remote_http *client = remote_http_create("test-profile", &settings, &err);
    assert_non_null(client);
    char url[128];
    url_of(&server, url);
    remote_http_request request = {
        .method = "GET", .url = url, .body_fd = -1, .response_fd = -1, .idempotent = true};
    remote_http_response response;
    assert_int_equal(remote_http_perform(client, &request, &response, &err), 0);
    assert_int_equal(response.status, 200);
    assert_int_equal(response.attempts, 2);
    assert_string_equal(response.body.data, "hello");
    assert_string_equal(remote_http_response_header(&response, "x-thing"), "kept ");
    remote_http_response_free(&response);
    remote_http_destroy(client);
    server_stop(&server);
    assert_int_equal(server.requests, 2);
    assert_int_equal(server.connections, 1); /* the connection was reused */
}

static void gives_up_with_503_after_max_attempts(void **state)
{
    (void)state;
    script_server server = {.replies = {error_reply, error_reply, error_reply}, .reply_count = 3};
    server_start(&server);
    storage_remote_settings settings = fast_settings();
    nh_error err;
    remote_http *client = remote_http_create("test-profile", &settings, &err);
    char url[128];
    url_of(&server, url);
    remote_http_request request = {
        .method = "DELETE", .url = url, .body_fd = -1, .response_fd = -1, .idempotent = true};
    remote_http_response response;
    assert_int_equal(remote_http_perform(client, &request, &response, &err), -1);
    assert_int_equal(err.status, 503);
    assert_string_equal(err.code, "storage_provider_unavailable");
    assert_true(err.retry_after_seconds > 0);
    assert_non_null(strstr(err.message, "test-profile"));
    assert_int_equal(response.attempts, 3);
    remote_http_response_free(&response);
    remote_http_destroy(client);
    server_stop(&server);
    assert_int_equal(server.requests, 3);
}

static void does_not_retry_a_non_idempotent_request(void **state)
{
    (void)state;
    script_server server = {.replies = {error_reply}, .reply_count = 1};
    server_start(&server);
    storage_remote_settings settings = fast_settings();
    nh_error err;
    remote_http *client = remote_http_create("p", &settings, &err);
    char url[128];
    url_of(&server, url);
    remote_http_request request = {.method = "POST",
                                   .url = url,
                                   .body = "x",
                                   .body_size = 1,
                                   .body_fd = -1,
                                   .response_fd = -1};
    remote_http_response response;
    assert_int_equal(remote_http_perform(client, &request, &response, &err), -1);
    assert_int_equal(err.status, 503);
    assert_int_equal(response.attempts, 1);
    remote_http_response_free(&response);
    remote_http_destroy(client);
    server_stop(&server);
    assert_int_equal(server.requests, 1);
}

static void closed_port_is_unavailable(void **state)
{
    (void)state;
    int probe = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = 0};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(probe, (struct sockaddr *)&address, sizeof address), 0);
    socklen_t length = sizeof address;
    getsockname(probe, (struct sockaddr *)&address, &length);
    close(probe); /* nobody listens there now */
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/x", ntohs(address.sin_port));
    storage_remote_settings settings = fast_settings();
    nh_error err;
    remote_http *client = remote_http_create("down", &settings, &err);
    remote_http_request request = {
        .method = "HEAD", .url = url, .body_fd = -1, .response_fd = -1, .idempotent = true};
    remote_http_response response;
    assert_int_equal(remote_http_perform(client, &request, &response, &err), -1);
    assert_int_equal(err.status, 503);
    assert_string_equal(err.code, "storage_provider_unavailable");
    assert_int_equal(err.retry_after_seconds, REMOTE_HTTP_UNAVAILABLE_RETRY_AFTER);
    assert_int_equal(response.attempts, 3);
    remote_http_response_free(&response);
    remote_http_destroy(client);
}

static void forbidden_is_access_denied_and_429_is_rate_limited(void **state)
{
    (void)state;
    script_server server = {
        .replies = {"HTTP/1.1 403 Forbidden\r\nContent-Length: 6\r\n\r\ndenied",
                    "HTTP/1.1 429 Too Many\r\nRetry-After: 60\r\nContent-Length: 0\r\n\r\n"},
        .reply_count = 2};
    server_start(&server);
    storage_remote_settings settings = fast_settings();
    nh_error err;
    remote_http *client = remote_http_create("p", &settings, &err);
    char url[128];
    url_of(&server, url);
    remote_http_request request = {
        .method = "GET", .url = url, .body_fd = -1, .response_fd = -1, .idempotent = true};
    remote_http_response response;
    assert_int_equal(remote_http_perform(client, &request, &response, &err), -1);
    assert_int_equal(err.status, 502);
    assert_string_equal(err.code, "storage_provider_access_denied");
    assert_string_equal(response.body.data, "denied");
    remote_http_response_free(&response);
    /* a wait longer than we sleep ends the retries at once */
    assert_int_equal(remote_http_perform(client, &request, &response, &err), -1);
    assert_int_equal(err.status, 429);
    assert_string_equal(err.code, "storage_provider_rate_limited");
    assert_int_equal(err.retry_after_seconds, 60);
    assert_int_equal(response.attempts, 1);
    remote_http_response_free(&response);
    remote_http_destroy(client);
    server_stop(&server);
}

static void streams_a_file_range_and_writes_the_response_to_a_file(void **state)
{
    (void)state;
    script_server server = {.replies = {error_reply, ok_reply}, .reply_count = 2};
    server_start(&server);
    char source_path[] = "/tmp/nh-remote-http-source-XXXXXX";
    int source = mkstemp(source_path);
    assert_true(source >= 0);
    unlink(source_path);
    assert_int_equal(write(source, "0123456789", 10), 10);
    char target_path[] = "/tmp/nh-remote-http-target-XXXXXX";
    int target = mkstemp(target_path);
    assert_true(target >= 0);
    unlink(target_path);
    storage_remote_settings settings = fast_settings();
    nh_error err;
    remote_http *client = remote_http_create("p", &settings, &err);
    char url[128];
    url_of(&server, url);
    const char *headers[] = {"Content-Type: image/png", NULL};
    remote_http_request request = {.method = "PUT",
                                   .url = url,
                                   .headers = headers,
                                   .body_fd = source,
                                   .body_offset = 3,
                                   .body_length = 4,
                                   .response_fd = target,
                                   .idempotent = true};
    remote_http_response response;
    assert_int_equal(remote_http_perform(client, &request, &response, &err), 0);
    assert_int_equal(response.attempts, 2);
    assert_int_equal(response.body_written, 5);
    assert_int_equal(server.last_body_length, 4);
    assert_memory_equal(server.last_body, "3456", 4);
    char stored[16] = {0};
    assert_int_equal(pread(target, stored, sizeof stored, 0), 5);
    assert_string_equal(stored, "hello");
    remote_http_response_free(&response);
    remote_http_destroy(client);
    server_stop(&server);
    close(source);
    close(target);
}

static void a_body_over_the_memory_limit_is_refused(void **state)
{
    (void)state;
    script_server server = {.replies = {ok_reply}, .reply_count = 1};
    server_start(&server);
    storage_remote_settings settings = fast_settings();
    nh_error err;
    remote_http *client = remote_http_create("p", &settings, &err);
    char url[128];
    url_of(&server, url);
    remote_http_request request = {.method = "GET",
                                   .url = url,
                                   .body_fd = -1,
                                   .response_fd = -1,
                                   .response_limit = 3,
                                   .idempotent = true};
    remote_http_response response;
    assert_int_equal(remote_http_perform(client, &request, &response, &err), -1);
    assert_int_equal(err.status, 502);
    assert_string_equal(err.code, "storage_provider_request_failed");
    remote_http_response_free(&response);
    remote_http_destroy(client);
    server_stop(&server);
}

int main(void)
{
    remote_http_global_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(retries_an_idempotent_request_after_a_500),
        cmocka_unit_test(gives_up_with_503_after_max_attempts),
        cmocka_unit_test(does_not_retry_a_non_idempotent_request),
        cmocka_unit_test(closed_port_is_unavailable),
        cmocka_unit_test(forbidden_is_access_denied_and_429_is_rate_limited),
        cmocka_unit_test(streams_a_file_range_and_writes_the_response_to_a_file),
        cmocka_unit_test(a_body_over_the_memory_limit_is_refused),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    remote_http_global_cleanup();
    return failed;
}
