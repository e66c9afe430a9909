/* test_workflow_graph.c - workflow graphs (spec processing.md §12.4 with issue 12's save-time
 * checks): which nodes run with which skill id and parameters, the node indexes kept, and every
 * code of the save-time check in its order with the node named. */
#include "cmocka_prelude.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workflows/workflow_graph.h"

/* Parse text that must parse. */
static void parse_ok(const char *text, workflow_graph *graph)
{
    nh_error err;
    memset(&err, 0, sizeof err);
    assert_int_equal(workflow_graph_parse(text, graph, &err), 0);
    assert_non_null(graph->skills);
}

/* The skills of a parsed graph as compact JSON text (caller frees). */
static char *skills_text(const workflow_graph *graph)
{
    char *text = json_dumps(graph->skills, JSON_COMPACT | JSON_SORT_KEYS);
    assert_non_null(text);
    return text;
}

static void assert_skills(const char *graph_text, const char *expected)
{
    workflow_graph graph;
    parse_ok(graph_text, &graph);
    char *text = skills_text(&graph);
    assert_string_equal(text, expected);
    free(text);
    workflow_graph_clear(&graph);
}

/* The code of the save-time check of text ("" when it passes); the message into message. */
static const char *check(const char *text, char code[96], char message[512])
{
    nh_error err;
    memset(&err, 0, sizeof err);
    if (workflow_graph_check(text, &err) == 0) {
        code[0] = message[0] = '\0';
        return code;
    }
    assert_int_equal(err.status, 400);
    strcpy(code, err.code);
    strcpy(message, err.message);
    return code;
}

static void invalid_roots(void **state)
{
    (void)state;
    const char *texts[] = {"[]",
                           "\"x\"",
                           "1",
                           "null",
                           "{",
                           "{\"a\":1,}",
                           "{} {}",
                           "// c\n{}",
                           "",
                           "{'a':1}",
                           "{\"a\":\"\\u0000\"}"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        workflow_graph graph;
        nh_error err;
        assert_int_equal(workflow_graph_parse(texts[i], &graph, &err), -1);
        assert_int_equal(err.status, 400);
        assert_string_equal(err.code, "workflow_profile_graph_json_invalid");
        assert_string_equal(err.message, "GraphJson must be a valid JSON object.");
        assert_null(graph.skills);
    }
}

static void nodes_in_order(void **state)
{
    (void)state;
    /* the original editor's shape: type "skill", data.skillId, data.parameters */
    const char *text =
        "{\"nodes\":[{\"id\":\"b\",\"type\":\"skill\",\"position\":{\"x\":1,\"y\":0},"
        "\"data\":{\"skillId\":\" thumbnail \"}},"
        "{\"id\":\"a\",\"type\":\"skill\",\"data\":{\"skillId\":\"format-convert\","
        "\"parameters\":{\"targetFormat\":\"webp\"}}}],\"edges\":[{\"source\":\"b\","
        "\"target\":\"a\"}],\"viewport\":{\"x\":0,\"y\":0,\"zoom\":1}}";
    workflow_graph graph;
    parse_ok(text, &graph);
    char *skills = skills_text(&graph);
    assert_string_equal(skills, "[{\"skillId\":\"thumbnail\"},{\"parameters\":{\"targetFormat\":"
                                "\"webp\"},\"skillId\":\"format-convert\"}]");
    free(skills);
    assert_int_equal(graph.node_count, 2);
    assert_int_equal(graph.nodes[0], 0);
    assert_int_equal(graph.nodes[1], 1);
    json_t *ids = workflow_graph_skill_ids(&graph);
    char *ids_text = json_dumps(ids, JSON_COMPACT);
    assert_string_equal(ids_text, "[\"thumbnail\",\"format-convert\"]");
    free(ids_text);
    json_decref(ids);
    workflow_graph_clear(&graph);
}

static void skill_id_rules(void **state)
{
    (void)state;
    /* type when data.skillId is blank or not a string; type is kept as written */
    assert_skills("{\"nodes\":[{\"type\":\" watermark \",\"data\":{\"skillId\":\"  \"}},"
                  "{\"type\":\"exif-strip\",\"data\":{\"skillId\":7}}]}",
                  "[{\"skillId\":\" watermark \"},{\"skillId\":\"exif-strip\"}]");
    /* no id at all, blank type, non-object nodes: skipped, indexes kept for the rest */
    workflow_graph graph;
    parse_ok("{\"nodes\":[1,\"thumbnail\",null,{\"type\":\"\"},{\"data\":{}},"
             "{\"type\":\"thumbnail\"},[]]}",
             &graph);
    assert_int_equal(workflow_graph_skill_count(&graph), 1);
    assert_int_equal(graph.nodes[0], 5);
    assert_int_equal(graph.node_count, 7);
    workflow_graph_clear(&graph);
    /* member names are exact */
    assert_skills("{\"Nodes\":[{\"type\":\"thumbnail\"}]}", "[]");
    assert_skills("{\"nodes\":[{\"Type\":\"thumbnail\",\"Data\":{\"SkillId\":\"x\"}}]}", "[]");
    /* nodes not an array: none */
    assert_skills("{\"nodes\":{\"type\":\"thumbnail\"}}", "[]");
    assert_skills("{}", "[]");
}

static void parameter_rules(void **state)
{
    (void)state;
    /* data.parameters when it is an object (deep copy, other data members ignored) */
    assert_skills("{\"nodes\":[{\"data\":{\"skillId\":\"watermark\",\"label\":\"L\","
                  "\"parameters\":{\"text\":\"hi\",\"deep\":{\"a\":[1]}}}}]}",
                  "[{\"parameters\":{\"deep\":{\"a\":[1]},\"text\":\"hi\"},\"skillId\":"
                  "\"watermark\"}]");
    /* else data without skillId */
    assert_skills("{\"nodes\":[{\"data\":{\"skillId\":\"watermark\",\"text\":\"hi\","
                  "\"parameters\":null}}]}",
                  "[{\"parameters\":{\"parameters\":null,\"text\":\"hi\"},\"skillId\":"
                  "\"watermark\"}]");
    /* none when that is empty, or without data */
    assert_skills("{\"nodes\":[{\"data\":{\"skillId\":\"thumbnail\"}},{\"type\":\"thumbnail\","
                  "\"data\":\"x\"},{\"type\":\"thumbnail\"}]}",
                  "[{\"skillId\":\"thumbnail\"},{\"skillId\":\"thumbnail\"},{\"skillId\":"
                  "\"thumbnail\"}]");
    /* an empty parameters object counts as none */
    assert_skills("{\"nodes\":[{\"data\":{\"skillId\":\"thumbnail\",\"parameters\":{}}}]}",
                  "[{\"skillId\":\"thumbnail\"}]");
}

static void resolution(void **state)
{
    (void)state;
    workflow_graph graph;
    parse_ok("{\"nodes\":[{\"type\":\"thumbnail\"},{\"type\":\"basic_image_enrich\"},"
             "{\"type\":\"nope\"},{\"type\":\"GENERATE_THUMBNAIL\"}]}",
             &graph);
    assert_int_equal(workflow_graph_resolvable(&graph, "image/png"), 3);
    assert_int_equal(workflow_graph_resolvable(&graph, "text/plain"), 1);
    assert_int_equal(workflow_graph_resolvable(&graph, NULL), 3);
    nh_error err;
    assert_int_equal(workflow_graph_check_supported(&graph, "application/pdf", &err), -1);
    assert_string_equal(err.code, "workflow_profile_contains_unsupported_skills");
    assert_string_equal(err.message, "The workflow has skills that do not run on "
                                     "'application/pdf' assets: 'thumbnail' (nodes[0]), 'nope' "
                                     "(nodes[2]), 'GENERATE_THUMBNAIL' (nodes[3]).");
    workflow_graph_clear(&graph);
}

/* {"a":"xxx...x"} of exactly size bytes (caller frees). */
static char *padded_object(size_t size)
{
    char *text = malloc(size + 1);
    assert_non_null(text);
    memset(text, 'x', size);
    memcpy(text, "{\"a\":\"", 6);
    text[size - 2] = '"';
    text[size - 1] = '}';
    text[size] = '\0';
    return text;
}

static void check_order(void **state)
{
    (void)state;
    char code[96], message[512];
    /* size first: a valid object of one byte too many, then one that just fits */
    char *big = padded_object(WORKFLOW_GRAPH_MAX_BYTES + 1);
    assert_string_equal(check(big, code, message), "workflow_profile_graph_json_too_long");
    assert_non_null(strstr(message, "262144"));
    free(big);
    big = padded_object(WORKFLOW_GRAPH_MAX_BYTES);
    assert_string_equal(check(big, code, message), "workflow_profile_has_no_skills");
    free(big);
    assert_string_equal(check("[1]", code, message), "workflow_profile_graph_json_invalid");
    assert_string_equal(message, "GraphJson must be a valid JSON object.");
    assert_string_equal(check("{}", code, message), "workflow_profile_has_no_skills");
    assert_string_equal(check("{\"nodes\":[{\"type\":\" \"},2]}", code, message),
                        "workflow_profile_has_no_skills");
    assert_string_equal(
        check("{\"nodes\":[{\"type\":\"bogus\"},{\"type\":\"format-convert\"}]}", code, message),
        "workflow_profile_contains_unsupported_skills");
    assert_string_equal(check("{\"nodes\":[{\"type\":\"thumbnail\"},{\"data\":{\"skillId\":"
                              "\"format-convert\",\"parameters\":{\"targetFormat\":\"bmp\"}}}]}",
                              code, message),
                        "format_convert_target_format_invalid");
    assert_non_null(strstr(message, "nodes[1] (format-convert): "));
    assert_non_null(strstr(message, "bmp"));
    assert_string_equal(check("{\"nodes\":[{\"data\":{\"skillId\":\"watermark\",\"opacity\":2}},"
                              "{\"type\":\"format-convert\"}]}",
                              code, message),
                        "watermark_opacity_out_of_range");
    assert_true(strncmp(message, "nodes[0] (watermark): ", 22) == 0);
    assert_string_equal(
        check("{\"nodes\":[{\"type\":\"thumbnail\"},{\"type\":\"format-convert\"}]}", code,
              message),
        "format_convert_target_format_required");
    assert_true(strncmp(message, "nodes[1] (format-convert): ", 27) == 0);
    /* a valid graph: aliases and any case, parameters in any case */
    assert_string_equal(
        check("{\"nodes\":[{\"type\":\"Generate_Thumbnail\"},{\"data\":{\"skillId\":"
              "\"format_convert\",\"parameters\":{\"TargetFormat\":\"WEBP\"}}},"
              "{\"type\":\"ai-caption\"},{\"type\":\"basic_image_enrich\"}]}",
              code, message),
        "");
}

/* A graph of count nodes of type id (caller frees). */
static char *graph_of(size_t count, const char *id)
{
    size_t size = 32 + count * (strlen(id) + 16);
    char *text = malloc(size);
    assert_non_null(text);
    size_t used = (size_t)snprintf(text, size, "{\"nodes\":[");
    for (size_t i = 0; i < count; i++)
        used += (size_t)snprintf(text + used, size - used, "%s{\"type\":\"%s\"}", i ? "," : "", id);
    snprintf(text + used, size - used, "]}");
    return text;
}

static void node_limit(void **state)
{
    (void)state;
    char code[96], message[512];
    char *text = graph_of(WORKFLOW_GRAPH_MAX_NODES, "thumbnail");
    assert_string_equal(check(text, code, message), "");
    free(text);
    text = graph_of(WORKFLOW_GRAPH_MAX_NODES + 1, "thumbnail");
    assert_string_equal(check(text, code, message), "workflow_profile_too_many_nodes");
    assert_non_null(strstr(message, "51"));
    free(text);
}

static void unsupported_message(void **state)
{
    (void)state;
    char code[96], message[512];
    /* distinct ids, each with its nodes, in first-seen order */
    assert_string_equal(
        check("{\"nodes\":[{\"type\":\"a\"},{\"type\":\"thumbnail\"},{\"type\":\"b\"},"
              "{\"type\":\"a\"}]}",
              code, message),
        "workflow_profile_contains_unsupported_skills");
    assert_string_equal(message, "The workflow has unsupported skills: 'a' (nodes[0], nodes[3]), "
                                 "'b' (nodes[2]).");
    /* many ids and nodes: a bounded message that says how many more */
    char *text = graph_of(WORKFLOW_GRAPH_MAX_NODES, "x-very-long-skill-name-that-is-not-known");
    assert_string_equal(check(text, code, message), "workflow_profile_contains_unsupported_skills");
    assert_non_null(strstr(message, "nodes[3] and 46 more)."));
    free(text);
    const char *many = "{\"nodes\":[{\"type\":\"s1\"},{\"type\":\"s2\"},{\"type\":\"s3\"},"
                       "{\"type\":\"s4\"},{\"type\":\"s5\"},{\"type\":\"s6\"}]}";
    assert_string_equal(check(many, code, message), "workflow_profile_contains_unsupported_skills");
    assert_non_null(strstr(message, "'s4' (nodes[3]) and 2 more."));
    assert_null(strstr(message, "s5"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(invalid_roots),  cmocka_unit_test(nodes_in_order),
        cmocka_unit_test(skill_id_rules), cmocka_unit_test(parameter_rules),
        cmocka_unit_test(resolution),     cmocka_unit_test(check_order),
        cmocka_unit_test(node_limit),     cmocka_unit_test(unsupported_message),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
