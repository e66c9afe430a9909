/* test_providers_config.c - the pure rules of storage provider profiles (storage/profile_config.h):
 * every validation code of each type in the spec's order, normalized output, the allowed local
 * roots (symbolic links and '..' resolved), configurationSummary, the capability catalog and
 * the canonical provider type. */
#include "cmocka_prelude.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage/profile_config.h"

static char data_dir[PATH_MAX];

static int make_data_dir(void **state)
{
    (void)state;
    snprintf(data_dir, sizeof data_dir, "/tmp/nh-profile-config-XXXXXX");
    if (!mkdtemp(data_dir))
        return -1;
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/inside", data_dir);
    mkdir(path, 0700);
    snprintf(path, sizeof path, "%s/escape", data_dir);
    return symlink("/etc", path);
}

static int remove_data_dir(void **state)
{
    (void)state;
    char command[PATH_MAX + 16];
    snprintf(command, sizeof command, "rm -rf '%s'", data_dir);
    return system(command) == 0 ? 0 : -1;
}

/* Validate JSON texts; returns the error code ("" on success) and frees the outputs. */
static const char *code_of(const char *type, const char *configuration, const char *secret)
{
    static nh_error err;
    json_error_t parse_error;
    json_t *c = json_loads(configuration, JSON_DECODE_ANY, &parse_error);
    json_t *s = secret ? json_loads(secret, JSON_DECODE_ANY, &parse_error) : NULL;
    profile_rules rules = {.allowed_roots = NULL, .data_dir = data_dir};
    json_t *c_out = NULL;
    json_t *s_out = NULL;
    int rc = profile_config_normalize(type, c, s, &rules, &c_out, &s_out, &err);
    json_decref(c);
    json_decref(s);
    json_decref(c_out);
    json_decref(s_out);
    if (rc == 0)
        return "";
    assert_int_equal(err.status, 400);
    return err.code;
}

#define P "storage_provider_profile_"

typedef struct code_case {
    const char *type;
    const char *configuration;
    const char *secret;
    const char *code; /* without the prefix; "" = valid */
} code_case;

static void every_code(void **state)
{
    (void)state;
    char inside[PATH_MAX + 64], escape[PATH_MAX + 64], dotdot[PATH_MAX + 64];
    snprintf(inside, sizeof inside, "{\"rootPath\": \"%s/inside/new\"}", data_dir);
    snprintf(escape, sizeof escape, "{\"rootPath\": \"%s/escape/x\"}", data_dir);
    snprintf(dotdot, sizeof dotdot, "{\"rootPath\": \"%s/inside/../../elsewhere\"}", data_dir);
    const char *s3 = "{\"endpoint\": \"http://h:9000\", \"bucket\": \"b\", \"region\": \"r\"}";
    const char *s3_secret = "{\"accessKey\": \"a\", \"secretKey\": \"b\"}";
    const code_case cases[] = {
        {"local", inside, NULL, ""},
        {"local", inside, "{}", ""},
        {"local", inside, "null", ""},
        {"local", "{}", "{\"x\": 1}", "secret_not_supported"},
        {"local", "{}", NULL, "root_path_required"},
        {"local", "{\"RootPath\": \"/x\"}", NULL, "root_path_required"},
        {"local", "{\"rootPath\": true}", NULL, "configuration_invalid"},
        {"local", "{\"rootPath\": \"/etc\"}", NULL, "root_path_not_allowed"},
        {"local", escape, NULL, "root_path_not_allowed"},
        {"local", dotdot, NULL, "root_path_not_allowed"},
        {"local", "[]", NULL, "configuration_required"},
        {"s3-compatible", s3, s3_secret, ""},
        {"s3-compatible", "{\"bucket\": \"b\", \"region\": \"r\"}", s3_secret, "endpoint_invalid"},
        {"s3-compatible", "{\"endpoint\": \"file:///x\", \"bucket\": \"b\", \"region\": \"r\"}",
         s3_secret, "endpoint_invalid"},
        {"s3-compatible", "{\"endpoint\": \"http://h\", \"region\": \"r\"}", s3_secret,
         "bucket_required"},
        {"s3-compatible", "{\"endpoint\": \"http://h\", \"bucket\": \"b\"}", s3_secret,
         "region_required"},
        {"s3-compatible",
         "{\"endpoint\": \"http://h\", \"bucket\": \"b\", \"region\": \"r\", \"forcePathStyle\": "
         "1}",
         s3_secret, "configuration_invalid"},
        {"s3-compatible",
         "{\"endpoint\": \"http://h\", \"bucket\": \"b\", \"region\": \"r\", \"publicBaseUrl\": "
         "\"x\"}",
         s3_secret, "public_base_url_invalid"},
        {"s3-compatible", s3, NULL, "access_key_required"},
        {"s3-compatible", s3, "{\"accessKey\": \" \", \"secretKey\": \"b\"}",
         "access_key_required"},
        {"s3-compatible", s3, "{\"accessKey\": \"a\"}", "secret_key_required"},
        {"s3-compatible", s3, "{\"accessKey\": [], \"secretKey\": \"b\"}",
         "secret_configuration_invalid"},
        {"github-repo", "{\"owner\": \"o\", \"repo\": \"r\", \"ref\": \"a/b\"}", NULL, ""},
        {"github-repo", "{\"repo\": \"r\", \"ref\": \"m\"}", NULL, "github_owner_required"},
        {"github-repo", "{\"owner\": \"o!\", \"repo\": \"r\", \"ref\": \"m\"}", NULL,
         "github_owner_invalid"},
        {"github-repo", "{\"owner\": \"o\", \"ref\": \"m\"}", NULL, "github_repo_required"},
        {"github-repo", "{\"owner\": \"o\", \"repo\": \"r r\", \"ref\": \"m\"}", NULL,
         "github_repo_invalid"},
        {"github-repo", "{\"owner\": \"o\", \"repo\": \"r\"}", NULL, "github_repo_ref_required"},
        {"github-repo", "{\"owner\": \"o\", \"repo\": \"r\", \"ref\": \"a\\\\b\"}", NULL,
         "github_repo_ref_invalid"},
        {"github-repo",
         "{\"owner\": \"o\", \"repo\": \"r\", \"ref\": \"m\", \"basePath\": \"a//b\"}", NULL,
         "github_path_prefix_invalid"},
        {"github-repo",
         "{\"owner\": \"o\", \"repo\": \"r\", \"ref\": \"m\", \"basePath\": \"./a\"}", NULL,
         "github_path_prefix_invalid"},
        {"github-repo",
         "{\"owner\": \"o\", \"repo\": \"r\", \"ref\": \"m\", \"visibilityPolicy\": \"x\"}", NULL,
         "github_visibility_policy_invalid"},
        {"github-repo",
         "{\"owner\": \"o\", \"repo\": \"r\", \"ref\": \"m\", \"apiBaseUrl\": \"x\"}", NULL,
         "github_repo_api_base_url_invalid"},
        {"github-repo",
         "{\"owner\": \"o\", \"repo\": \"r\", \"ref\": \"m\", \"rawBaseUrl\": \"x\"}", NULL,
         "github_repo_raw_base_url_invalid"},
        {"github-repo", "{\"owner\": \"o\", \"repo\": \"r\", \"ref\": \"m\"}",
         "{\"token\": \"1234567\"}", "github_token_invalid"},
        {"github-repo", "{\"owner\": \"o\", \"repo\": \"r\", \"ref\": \"m\"}", "\"token\"",
         "secret_configuration_invalid"},
        {"github-repo",
         "{\"owner\": \"o\", \"repo\": \"r\", \"ref\": \"m\", \"visibilityPolicy\": "
         "\"private-token\"}",
         NULL, "github_repo_token_required_for_private"},
        {"github-repo",
         "{\"owner\": \"o\", \"repo\": \"r\", \"ref\": \"m\", \"visibilityPolicy\": "
         "\"private-token\"}",
         "{\"token\": \"12345678\"}", ""},
        {"github-releases", "{\"owner\": \"o\", \"repo\": \"r\"}", NULL, ""},
        {"github-releases", "{\"owner\": \"o\", \"repo\": \"r\", \"releaseTagMode\": \"x\"}", NULL,
         "github_releases_release_tag_mode_invalid"},
        {"github-releases", "{\"owner\": \"o\", \"repo\": \"r\", \"releaseTagMode\": \"FIXED\"}",
         NULL, "github_releases_fixed_tag_required"},
        {"github-releases", "{\"owner\": \"o\", \"repo\": \"r\", \"allowDelete\": true}", NULL,
         "github_releases_delete_not_supported"},
        {"github-releases", "{\"owner\": \"o\", \"repo\": \"r\", \"assetPathPrefix\": \"../x\"}",
         NULL, "github_path_prefix_invalid"},
        {"azure", "{}", NULL, "provider_type_unsupported"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char expected[128] = "";
        if (cases[i].code[0])
            snprintf(expected, sizeof expected, P "%s", cases[i].code);
        const char *got = code_of(cases[i].type, cases[i].configuration, cases[i].secret);
        if (strcmp(got, expected) != 0)
            fail_msg("case %zu (%s %s): expected '%s', got '%s'", i, cases[i].type,
                     cases[i].configuration, expected, got);
    }
}

static void normalized_forms(void **state)
{
    (void)state;
    json_error_t parse_error;
    json_t *c = json_loads("{\"owner\": \" o \", \"repo\": \"r\", \"ref\": \"m\", \"basePath\": "
                           "\"\\\\a\\\\b/\", \"visibilityPolicy\": \"PUBLIC-ONLY\", \"x\": 1}",
                           0, &parse_error);
    json_t *s = json_loads("{\"token\": \"  \"}", 0, &parse_error);
    json_t *c_out = NULL;
    json_t *s_out = NULL;
    nh_error err;
    profile_rules rules = {NULL, data_dir};
    assert_int_equal(profile_config_normalize("github-repo", c, s, &rules, &c_out, &s_out, &err),
                     0);
    char *text = json_dumps(c_out, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(text, "{\"allowDelete\":false,\"apiBaseUrl\":\"https://api.github.com\","
                              "\"basePath\":\"a/b\",\"owner\":\"o\",\"rawBaseUrl\":"
                              "\"https://raw.githubusercontent.com\",\"ref\":\"m\","
                              "\"repo\":\"r\",\"visibilityPolicy\":\"public-only\"}");
    assert_null(s_out); /* a blank token is no token */
    free(text);
    json_decref(c);
    json_decref(s);
    json_decref(c_out);
    json_t *secret = json_pack("{s:s, s:s}", "secretKey", "b", "accessKey", "a");
    json_t *fields = profile_secret_fields("s3-compatible", secret);
    json_decref(secret);
    text = json_dumps(fields, JSON_COMPACT);
    assert_string_equal(text, "[\"accessKey\",\"secretKey\"]");
    free(text);
    json_decref(fields);
}

static void summaries(void **state)
{
    (void)state;
    json_error_t parse_error;
    json_t *c = json_loads("{\"Endpoint\": \"https://S3.example.com:443/x\", \"container\": \"c\", "
                           "\"BUCKET\": \"b\", \"forcePathStyle\": \" TRUE \", \"region\": 42, "
                           "\"ref\": true, \"branch\": \"ignored\"}",
                           0, &parse_error);
    json_t *summary = profile_config_summary(c);
    assert_string_equal(json_string_value(json_object_get(summary, "endpointHost")),
                        "s3.example.com");
    assert_string_equal(json_string_value(json_object_get(summary, "bucketOrContainer")), "c");
    assert_true(json_is_true(json_object_get(summary, "forcePathStyle")));
    assert_string_equal(json_string_value(json_object_get(summary, "region")), "42");
    assert_string_equal(json_string_value(json_object_get(summary, "reference")), "true");
    assert_true(json_is_null(json_object_get(summary, "owner")));
    assert_int_equal(json_object_size(summary), 18);
    json_decref(summary);
    json_decref(c);
    c = json_loads("{\"endpoint\": \"http://minio:9000\"}", 0, &parse_error);
    summary = profile_config_summary(c);
    assert_string_equal(json_string_value(json_object_get(summary, "endpointHost")), "minio:9000");
    json_decref(summary);
    json_decref(c);
    c = json_loads("{\"endpoint\": \"not a uri\"}", 0, &parse_error);
    summary = profile_config_summary(c);
    assert_true(json_is_null(json_object_get(summary, "endpointHost")));
    json_decref(summary);
    json_decref(c);
    summary = profile_config_summary(NULL);
    assert_int_equal(json_object_size(summary), 18);
    assert_true(json_is_null(json_object_get(summary, "rootPath")));
    json_decref(summary);
}

static void catalog_and_types(void **state)
{
    (void)state;
    profile_capabilities caps;
    assert_true(profile_capabilities_of("github-repo", &caps));
    assert_false(caps.flags[PROFILE_CAP_VISIBILITY_TOGGLE]);
    assert_true(caps.flags[PROFILE_CAP_TOKEN_FOR_PRIVATE_READ]);
    assert_true(profile_capabilities_of("local", &caps));
    assert_true(caps.flags[PROFILE_CAP_REQUIRES_ACCESS_PROXY]);
    assert_false(caps.flags[PROFILE_CAP_DIRECT_PUBLIC_URL]);
    assert_true(profile_capabilities_of("github-releases", &caps));
    assert_false(caps.flags[PROFILE_CAP_DELETE]);
    assert_false(caps.flags[PROFILE_CAP_PRIVATE_READ]);
    assert_false(profile_capabilities_of("LOCAL", &caps));
    assert_string_equal(profile_capability_name(PROFILE_CAP_RECOMMENDED_PRIMARY),
                        "recommendedForPrimaryStorage");
    char type[16];
    assert_true(profile_type_canonical("  S3-Compatible ", type, sizeof type));
    assert_string_equal(type, "s3-compatible");
    assert_false(profile_type_canonical("a-very-long-type-name", type, sizeof type));
    assert_true(profile_url_is_http("HTTPS://h/x"));
    assert_false(profile_url_is_http("http:///x"));
    assert_false(profile_url_is_http("http://h x"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_code),
        cmocka_unit_test(normalized_forms),
        cmocka_unit_test(summaries),
        cmocka_unit_test(catalog_and_types),
    };
    return cmocka_run_group_tests(tests, make_data_dir, remove_data_dir);
}
