/* test_router.c - route matching: literals, placeholders, GUIDs, catch-all, trailing slash,
 * percent-decoding, method mismatch and the Allow list. */
#include "cmocka_prelude.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/request.h"
#include "http/response.h"
#include "http/router.h"

static void handler(struct http_request *request, struct http_response *response)
{
    (void)request;
    (void)response;
}

static const route routes[] = {
    {"GET", "/api/v1/users", handler, ROUTE_AUTH_MANAGEMENT, 0, ROUTE_BODY_NONE, NULL, 0, false,
     NULL},
    {"POST", "/api/v1/users", handler, ROUTE_AUTH_MANAGEMENT, 0, ROUTE_BODY_JSON, NULL, 0, false,
     NULL},
    {"GET", "/api/v1/assets/usage-stats", handler, ROUTE_AUTH_MANAGEMENT, 0, ROUTE_BODY_NONE, NULL,
     0, false, NULL},
    {"GET", "/api/v1/users/{id:guid}", handler, ROUTE_AUTH_MANAGEMENT, 0, ROUTE_BODY_NONE, NULL, 0,
     false, NULL},
    {"PATCH", "/api/v1/users/{id:guid}", handler, ROUTE_AUTH_MANAGEMENT, 0, ROUTE_BODY_JSON, NULL,
     0, false, NULL},
    {"POST", "/api/v1/assets/{id:guid}/skills/{skillName}/run", handler, ROUTE_AUTH_MANAGEMENT, 0,
     ROUTE_BODY_JSON, NULL, 0, false, NULL},
    {"GET", "/content/{*storageKey}", handler, ROUTE_AUTH_ANONYMOUS, ROUTE_NO_PERMISSION,
     ROUTE_BODY_NONE, NULL, 0, false, NULL},
};
#define ROUTE_TOTAL (sizeof routes / sizeof routes[0])

static void literal_route_matches(void **state)
{
    (void)state;
    route_match match;
    assert_int_equal(router_match(routes, ROUTE_TOTAL, "GET", "/api/v1/users", &match),
                     ROUTER_MATCHED);
    assert_ptr_equal(match.route, &routes[0]);
    router_match_free(&match);
    assert_int_equal(router_match(routes, ROUTE_TOTAL, "POST", "/api/v1/users", &match),
                     ROUTER_MATCHED);
    assert_ptr_equal(match.route, &routes[1]);
    router_match_free(&match);
}

static void trailing_slash_is_ignored_once(void **state)
{
    (void)state;
    route_match match;
    assert_int_equal(router_match(routes, ROUTE_TOTAL, "GET", "/api/v1/users/", &match),
                     ROUTER_MATCHED);
    router_match_free(&match);
    assert_int_equal(router_match(routes, ROUTE_TOTAL, "GET", "/api/v1/users//", &match),
                     ROUTER_NOT_FOUND);
}

static void guid_forms_are_canonicalised(void **state)
{
    (void)state;
    const char *forms[] = {"0192F0A1-2B3C-7D4E-8F90-A1B2C3D4E5F6",
                           "0192f0a12b3c7d4e8f90a1b2c3d4e5f6",
                           "%7B0192f0a1-2b3c-7d4e-8f90-a1b2c3d4e5f6%7D"};
    for (size_t i = 0; i < 3; i++) {
        char path[128];
        snprintf(path, sizeof path, "/api/v1/users/%s", forms[i]);
        route_match match;
        assert_int_equal(router_match(routes, ROUTE_TOTAL, "GET", path, &match), ROUTER_MATCHED);
        assert_string_equal(router_param(&match, "id"), "0192f0a1-2b3c-7d4e-8f90-a1b2c3d4e5f6");
        router_match_free(&match);
    }
}

static void non_guid_id_is_not_found(void **state)
{
    (void)state;
    route_match match;
    assert_int_equal(router_match(routes, ROUTE_TOTAL, "GET", "/api/v1/users/not-a-guid", &match),
                     ROUTER_NOT_FOUND);
    assert_int_equal(router_match(routes, ROUTE_TOTAL, "GET", "/api/v1/users/12345", &match),
                     ROUTER_NOT_FOUND);
}

static void literal_beats_placeholder_by_order(void **state)
{
    (void)state;
    route_match match;
    assert_int_equal(router_match(routes, ROUTE_TOTAL, "GET", "/api/v1/assets/usage-stats", &match),
                     ROUTER_MATCHED);
    assert_ptr_equal(match.route, &routes[2]);
    router_match_free(&match);
}

static void several_params_are_decoded(void **state)
{
    (void)state;
    route_match match;
    assert_int_equal(router_match(routes, ROUTE_TOTAL, "POST",
                                  "/api/v1/assets/0192f0a1-2b3c-7d4e-8f90-a1b2c3d4e5f6/skills/"
                                  "make%20thumb/run",
                                  &match),
                     ROUTER_MATCHED);
    assert_string_equal(router_param(&match, "skillName"), "make thumb");
    assert_string_equal(router_param(&match, "id"), "0192f0a1-2b3c-7d4e-8f90-a1b2c3d4e5f6");
    assert_null(router_param(&match, "other"));
    router_match_free(&match);
}

static void percent_decoded_literals_match(void **state)
{
    (void)state;
    route_match match;
    assert_int_equal(router_match(routes, ROUTE_TOTAL, "GET", "/api/v1/%75sers", &match),
                     ROUTER_MATCHED);
    router_match_free(&match);
    assert_int_equal(router_match(routes, ROUTE_TOTAL, "GET", "/api/v1/users%2", &match),
                     ROUTER_NOT_FOUND);
}

static void catch_all_keeps_segments(void **state)
{
    (void)state;
    route_match match;
    assert_int_equal(router_match(routes, ROUTE_TOTAL, "GET", "/content/2026/11/a%20b.png", &match),
                     ROUTER_MATCHED);
    assert_string_equal(router_param(&match, "storageKey"), "2026/11/a b.png");
    router_match_free(&match);
}

static void encoded_slash_and_nul_do_not_match(void **state)
{
    (void)state;
    route_match match;
    assert_int_equal(router_match(routes, ROUTE_TOTAL, "GET", "/content/a%2F..%2Fsecret", &match),
                     ROUTER_NOT_FOUND);
    assert_int_equal(router_match(routes, ROUTE_TOTAL, "GET", "/content/a%00b", &match),
                     ROUTER_NOT_FOUND);
    assert_int_equal(router_match(routes, ROUTE_TOTAL, "GET", "/content//etc/passwd", &match),
                     ROUTER_NOT_FOUND);
}

static void method_mismatch_lists_allowed(void **state)
{
    (void)state;
    route_match match;
    assert_int_equal(router_match(routes, ROUTE_TOTAL, "DELETE", "/api/v1/users", &match),
                     ROUTER_METHOD_NOT_ALLOWED);
    assert_string_equal(match.allow, "GET, HEAD, POST");
    assert_int_equal(router_match(routes, ROUTE_TOTAL, "PUT",
                                  "/api/v1/users/0192f0a1-2b3c-7d4e-8f90-a1b2c3d4e5f6", &match),
                     ROUTER_METHOD_NOT_ALLOWED);
    assert_string_equal(match.allow, "GET, HEAD, PATCH");
}

static void head_matches_get(void **state)
{
    (void)state;
    route_match match;
    assert_int_equal(router_match(routes, ROUTE_TOTAL, "HEAD", "/content/x.png", &match),
                     ROUTER_MATCHED);
    router_match_free(&match);
}

static void unknown_and_malformed_paths(void **state)
{
    (void)state;
    route_match match;
    assert_int_equal(router_match(routes, ROUTE_TOTAL, "GET", "/api/v2/users", &match),
                     ROUTER_NOT_FOUND);
    assert_int_equal(router_match(routes, ROUTE_TOTAL, "GET", "", &match), ROUTER_NOT_FOUND);
    assert_int_equal(router_match(routes, ROUTE_TOTAL, "GET", "api/v1/users", &match),
                     ROUTER_NOT_FOUND);
    assert_int_equal(router_match(routes, ROUTE_TOTAL, "GET", "/api/v1/users/a/b", &match),
                     ROUTER_NOT_FOUND);
}

static void percent_decode_rules(void **state)
{
    (void)state;
    char *decoded = router_percent_decode("a+b%41%7e", 9, true);
    assert_string_equal(decoded, "a bA~");
    free(decoded);
    decoded = router_percent_decode("a+b", 3, false);
    assert_string_equal(decoded, "a+b");
    free(decoded);
    assert_null(router_percent_decode("%G1", 3, false));
    assert_null(router_percent_decode("%4", 2, false));
    assert_null(router_percent_decode("%00", 3, false));
}

/* Values handed to handlers are UTF-8 text: PostgreSQL refuses anything else (a 500), and error
 * messages quoting them could not be rendered. A path value that is not UTF-8 matches no route;
 * a query value that is not UTF-8 is refused like a malformed escape. */
static void values_that_are_not_utf8_are_refused(void **state)
{
    (void)state;
    route_match match;
    assert_int_equal(router_match(routes, ROUTE_TOTAL, "GET", "/content/a/%FF.png", &match),
                     ROUTER_NOT_FOUND);
    assert_int_equal(
        router_match(routes, ROUTE_TOTAL, "POST",
                     "/api/v1/assets/0190a0b1-2c3d-7e4f-8a9b-0c1d2e3f4a5b/skills/%C0%AF/run",
                     &match),
        ROUTER_NOT_FOUND);
    assert_int_equal(router_match(routes, ROUTE_TOTAL, "GET", "/content/caf%C3%A9.png", &match),
                     ROUTER_MATCHED);
    assert_string_equal(router_param(&match, "storageKey"), "caf\xc3\xa9.png");
    router_match_free(&match);

    http_query_pair *pairs = NULL;
    size_t count = 0;
    assert_int_equal(http_query_add(&pairs, &count, "page", "%FF"), -1);
    assert_int_equal(http_query_add(&pairs, &count, "%E9", "1"), -1);
    assert_int_equal(count, 0);
    assert_int_equal(http_query_add(&pairs, &count, "actor", "caf%C3%A9"), 0);
    assert_int_equal(count, 1);
    assert_string_equal(pairs[0].value, "caf\xc3\xa9");
    http_query_free(pairs, count);
}

/* ---- router_validate ----------------------------------------------------------------- */

static int body_chunk(http_request *request, http_response *response, const char *data, size_t size)
{
    (void)request;
    (void)response;
    (void)data;
    (void)size;
    return 0;
}

#define ANON(method, pattern)                                                                      \
    {                                                                                              \
        method, pattern, handler, ROUTE_AUTH_ANONYMOUS, ROUTE_NO_PERMISSION, ROUTE_BODY_NONE,      \
            NULL, 0, false, NULL                                                                   \
    }

/* Validate a table; returns the problem text ("" when valid). */
static const char *problem_of(const route *table, size_t count)
{
    static char problem[ROUTER_PROBLEM_SIZE];
    problem[0] = '\0';
    if (router_validate(table, count, 20, 5, problem) == 0)
        assert_string_equal(problem, "");
    else
        assert_true(problem[0] != '\0');
    return problem;
}

static void the_sample_table_is_valid(void **state)
{
    (void)state;
    assert_string_equal(problem_of(routes, ROUTE_TOTAL), "");
}

static void malformed_patterns_are_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "api/v1/users",   "/api//users",   "/api/users/",    "/api/{id",
        "/api/{}",        "/api/{id:int}", "/api/{*rest}/x", "/api/{1id}",
        "/api/{id}/{id}", "/api/a b",      "/api/50%",       "/a/{p}/{q}/{r}/{s}/{t}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        route table[] = {ANON("GET", bad[i])};
        assert_true(strstr(problem_of(table, 1), "route 0") != NULL);
    }
    route good[] = {ANON("GET", "/"), ANON("GET", "/a/{id:guid}/{name}/{*rest}")};
    assert_string_equal(problem_of(good, 2), "");
}

static void duplicates_are_refused(void **state)
{
    (void)state;
    route same[] = {ANON("GET", "/api/users/{id}"), ANON("GET", "/api/users/{userId}")};
    assert_non_null(strstr(problem_of(same, 2), "duplicate"));
    route other_method[] = {ANON("GET", "/api/users/{id}"), ANON("DELETE", "/api/users/{id}")};
    assert_string_equal(problem_of(other_method, 2), "");
}

static void shadowed_literal_routes_are_refused(void **state)
{
    (void)state;
    route shadowed[] = {ANON("GET", "/api/assets/{id}"), ANON("GET", "/api/assets/usage-stats")};
    assert_non_null(strstr(problem_of(shadowed, 2), "shadowed"));
    route by_rest[] = {ANON("GET", "/content/{*key}"), ANON("GET", "/content/a/b")};
    assert_non_null(strstr(problem_of(by_rest, 2), "shadowed"));
    route literal_first[] = {ANON("GET", "/api/assets/usage-stats"),
                             ANON("GET", "/api/assets/{id}")};
    assert_string_equal(problem_of(literal_first, 2), "");
    /* A GUID placeholder does not shadow a literal that is not a GUID. */
    route guid[] = {ANON("GET", "/api/assets/{id:guid}"), ANON("GET", "/api/assets/usage-stats")};
    assert_string_equal(problem_of(guid, 2), "");
}

static void fields_are_checked(void **state)
{
    (void)state;
    route no_permission[] = {{"GET", "/a", handler, ROUTE_AUTH_MANAGEMENT, ROUTE_NO_PERMISSION,
                              ROUTE_BODY_NONE, NULL, 0, false, NULL}};
    assert_non_null(strstr(problem_of(no_permission, 1), "permission"));
    route out_of_range[] = {
        {"GET", "/a", handler, ROUTE_AUTH_MANAGEMENT, 20, ROUTE_BODY_NONE, NULL, 0, false, NULL}};
    assert_non_null(strstr(problem_of(out_of_range, 1), "permission"));
    route stray_permission[] = {
        {"GET", "/a", handler, ROUTE_AUTH_JWT_ONLY, 3, ROUTE_BODY_NONE, NULL, 0, false, NULL}};
    assert_non_null(strstr(problem_of(stray_permission, 1), "permission"));
    route no_chunk[] = {{"POST", "/a", handler, ROUTE_AUTH_ANONYMOUS, ROUTE_NO_PERMISSION,
                         ROUTE_BODY_STREAM, NULL, 0, false, NULL}};
    assert_non_null(strstr(problem_of(no_chunk, 1), "body_chunk"));
    route streaming[] = {{"POST", "/a", handler, ROUTE_AUTH_ANONYMOUS, ROUTE_NO_PERMISSION,
                          ROUTE_BODY_STREAM, body_chunk, 0, false, NULL}};
    assert_string_equal(problem_of(streaming, 1), "");
    route bad_context[] = {{"GET", "/a", handler, ROUTE_AUTH_ANONYMOUS, ROUTE_NO_PERMISSION,
                            ROUTE_BODY_NONE, NULL, 5, false, NULL}};
    assert_non_null(strstr(problem_of(bad_context, 1), "context"));
    route bad_method[] = {ANON("FETCH", "/a")};
    assert_non_null(strstr(problem_of(bad_method, 1), "method"));
}

static route_inline_result inline_handler(http_request *request, http_response *response)
{
    (void)request;
    (void)response;
    return ROUTE_INLINE_DEFERRED;
}

/* A fast path runs on the event thread: never where authentication (the database) or a body
 * has to come first, and pointless on a route whose handler never blocks anyway. */
static void inline_handlers_are_checked(void **state)
{
    (void)state;
    route anonymous[] = {{"GET", "/a", handler, ROUTE_AUTH_ANONYMOUS, ROUTE_NO_PERMISSION,
                          ROUTE_BODY_NONE, NULL, 0, false, inline_handler}};
    assert_string_equal(problem_of(anonymous, 1), "");
    route authenticated[] = {{"GET", "/a", handler, ROUTE_AUTH_MANAGEMENT, 3, ROUTE_BODY_NONE, NULL,
                              0, false, inline_handler}};
    assert_non_null(strstr(problem_of(authenticated, 1), "inline"));
    route with_body[] = {{"POST", "/a", handler, ROUTE_AUTH_ANONYMOUS, ROUTE_NO_PERMISSION,
                          ROUTE_BODY_JSON, NULL, 0, false, inline_handler}};
    assert_non_null(strstr(problem_of(with_body, 1), "inline"));
    route never_blocks[] = {{"GET", "/a", handler, ROUTE_AUTH_ANONYMOUS, ROUTE_NO_PERMISSION,
                             ROUTE_BODY_NONE, NULL, 0, true, inline_handler}};
    assert_non_null(strstr(problem_of(never_blocks, 1), "inline"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(literal_route_matches),
        cmocka_unit_test(trailing_slash_is_ignored_once),
        cmocka_unit_test(guid_forms_are_canonicalised),
        cmocka_unit_test(non_guid_id_is_not_found),
        cmocka_unit_test(literal_beats_placeholder_by_order),
        cmocka_unit_test(several_params_are_decoded),
        cmocka_unit_test(percent_decoded_literals_match),
        cmocka_unit_test(catch_all_keeps_segments),
        cmocka_unit_test(encoded_slash_and_nul_do_not_match),
        cmocka_unit_test(method_mismatch_lists_allowed),
        cmocka_unit_test(head_matches_get),
        cmocka_unit_test(unknown_and_malformed_paths),
        cmocka_unit_test(percent_decode_rules),
        cmocka_unit_test(values_that_are_not_utf8_are_refused),
        cmocka_unit_test(the_sample_table_is_valid),
        cmocka_unit_test(inline_handlers_are_checked),
        cmocka_unit_test(malformed_patterns_are_refused),
        cmocka_unit_test(duplicates_are_refused),
        cmocka_unit_test(shadowed_literal_routes_are_refused),
        cmocka_unit_test(fields_are_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
