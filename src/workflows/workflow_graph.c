/* workflow_graph.c - reading and checking workflow graphs (see workflow_graph.h). */
#include "workflows/workflow_graph.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/text.h"
#include "processing/skill_catalog.h"
#include "processing/skill_params.h"

/* How much of the unsupported ids a message shows (it must fit nh_error.message whole). */
#define SHOWN_ID_BYTES 32
#define SHOWN_IDS 4
#define SHOWN_NODES_PER_ID 4

/* ---- parsing ---------------------------------------------------------------------------- */

static int invalid(nh_error *err)
{
    return error_set(err, 400, "workflow_profile_graph_json_invalid", "%s",
                     WORKFLOW_GRAPH_INVALID_MESSAGE);
}

/* A non-blank string member's text, or NULL. */
static const char *non_blank(const json_t *object, const char *name)
{
    const char *text = json_string_value(json_object_get(object, name));
    return text && !text_is_blank(text) ? text : NULL;
}

/* The node's skill id (malloc'ed into *out), or *out NULL when the node does not run. */
static int node_skill_id(const json_t *node, char **out)
{
    *out = NULL;
    const char *id = non_blank(json_object_get(node, "data"), "skillId");
    if (id) {
        *out = text_trimmed_copy(id);
        return *out ? 0 : -1;
    }
    id = non_blank(node, "type");
    if (!id)
        return 0;
    *out = strdup(id);
    return *out ? 0 : -1;
}

/* The node's parameters (a new reference), or NULL for none; *failed when out of memory. */
static json_t *node_parameters(const json_t *node, bool *failed)
{
    const json_t *data = json_object_get(node, "data");
    if (!json_is_object(data))
        return NULL;
    const json_t *parameters = json_object_get(data, "parameters");
    json_t *copy = json_deep_copy(json_is_object(parameters) ? parameters : data);
    if (!copy) {
        *failed = true;
        return NULL;
    }
    if (!json_is_object(parameters))
        json_object_del(copy, "skillId");
    if (json_object_size(copy) == 0) {
        json_decref(copy);
        return NULL;
    }
    return copy;
}

/* Append {"skillId": id, "parameters"?} for node number index. */
static int add_skill(workflow_graph *graph, const json_t *node, size_t index)
{
    char *id = NULL;
    if (node_skill_id(node, &id) != 0)
        return -1;
    if (!id)
        return 0;
    bool failed = false;
    json_t *parameters = node_parameters(node, &failed);
    json_t *item =
        failed ? NULL : json_pack("{s:s, s:o*}", "skillId", id, "parameters", parameters);
    free(id);
    if (!item)
        return -1;
    graph->nodes[json_array_size(graph->skills)] = index;
    return json_array_append_new(graph->skills, item);
}

static int read_nodes(workflow_graph *graph, const json_t *nodes)
{
    graph->node_count = json_array_size(nodes);
    graph->skills = json_array();
    graph->nodes = calloc(graph->node_count ? graph->node_count : 1, sizeof *graph->nodes);
    if (!graph->skills || !graph->nodes)
        return -1;
    for (size_t i = 0; i < graph->node_count; i++) {
        const json_t *node = json_array_get(nodes, i);
        if (json_is_object(node) && add_skill(graph, node, i) != 0)
            return -1;
    }
    return 0;
}

int workflow_graph_parse(const char *text, workflow_graph *out, nh_error *err)
{
    memset(out, 0, sizeof *out);
    json_error_t parse_error;
    json_t *root = text ? json_loads(text, 0, &parse_error) : NULL;
    if (!json_is_object(root)) {
        json_decref(root);
        return invalid(err);
    }
    int rc = read_nodes(out, json_object_get(root, "nodes"));
    json_decref(root);
    if (rc != 0) {
        workflow_graph_clear(out);
        return error_internal(err);
    }
    return 0;
}

void workflow_graph_clear(workflow_graph *graph)
{
    json_decref(graph->skills);
    free(graph->nodes);
    memset(graph, 0, sizeof *graph);
}

size_t workflow_graph_skill_count(const workflow_graph *graph)
{
    return json_array_size(graph->skills);
}

static const char *skill_id_at(const workflow_graph *graph, size_t i)
{
    return json_string_value(json_object_get(json_array_get(graph->skills, i), "skillId"));
}

json_t *workflow_graph_skill_ids(const workflow_graph *graph)
{
    json_t *ids = json_array();
    for (size_t i = 0; ids && i < workflow_graph_skill_count(graph); i++)
        if (json_array_append_new(ids, json_string(skill_id_at(graph, i))) != 0) {
            json_decref(ids);
            return NULL;
        }
    return ids;
}

/* ---- resolution ------------------------------------------------------------------------- */

static const skill_definition *resolve(const char *id, const char *content_type)
{
    return content_type ? skill_catalog_resolve(id, content_type) : skill_catalog_find(id);
}

size_t workflow_graph_resolvable(const workflow_graph *graph, const char *content_type)
{
    size_t count = 0;
    for (size_t i = 0; i < workflow_graph_skill_count(graph); i++)
        if (resolve(skill_id_at(graph, i), content_type))
            count++;
    return count;
}

/* Was the id at skill i already listed by an earlier unresolved skill? */
static bool listed_before(const workflow_graph *graph, size_t i)
{
    const char *id = skill_id_at(graph, i);
    for (size_t j = 0; j < i; j++)
        if (!strcmp(skill_id_at(graph, j), id))
            return true;
    return false;
}

/* "'id' (nodes[1], nodes[4])" for the id of skill first (and every later skill with it). */
static void describe_id(buf *message, const workflow_graph *graph, size_t first)
{
    const char *id = skill_id_at(graph, first);
    char shown[SHOWN_ID_BYTES + 4];
    text_excerpt_utf8(shown, SHOWN_ID_BYTES, id);
    buf_printf(message, "'%s' (", shown);
    size_t nodes = 0;
    for (size_t i = first; i < workflow_graph_skill_count(graph); i++) {
        if (strcmp(skill_id_at(graph, i), id) != 0)
            continue;
        if (nodes < SHOWN_NODES_PER_ID)
            buf_printf(message, "%snodes[%zu]", nodes ? ", " : "", graph->nodes[i]);
        nodes++;
    }
    if (nodes > SHOWN_NODES_PER_ID)
        buf_printf(message, " and %zu more", nodes - SHOWN_NODES_PER_ID);
    buf_append_str(message, ")");
}

static int unsupported(const workflow_graph *graph, const char *content_type, nh_error *err)
{
    buf message;
    buf_init(&message, 0);
    if (content_type) {
        char shown[SHOWN_ID_BYTES + 4];
        text_excerpt_utf8(shown, SHOWN_ID_BYTES, content_type);
        buf_printf(&message, "The workflow has skills that do not run on '%s' assets: ", shown);
    } else {
        buf_append_str(&message, "The workflow has unsupported skills: ");
    }
    size_t listed = 0;
    for (size_t i = 0; i < workflow_graph_skill_count(graph); i++) {
        if (resolve(skill_id_at(graph, i), content_type) || listed_before(graph, i))
            continue;
        if (listed < SHOWN_IDS) {
            buf_append_str(&message, listed ? ", " : "");
            describe_id(&message, graph, i);
        }
        listed++;
    }
    if (listed > SHOWN_IDS)
        buf_printf(&message, " and %zu more", listed - SHOWN_IDS);
    buf_append_str(&message, ".");
    int rc = buf_failed(&message)
                 ? error_internal(err)
                 : error_set(err, 400, "workflow_profile_contains_unsupported_skills", "%s",
                             message.data);
    buf_free(&message);
    return rc;
}

int workflow_graph_check_supported(const workflow_graph *graph, const char *content_type,
                                   nh_error *err)
{
    if (workflow_graph_resolvable(graph, content_type) == workflow_graph_skill_count(graph))
        return 0;
    return unsupported(graph, content_type, err);
}

/* ---- save-time check -------------------------------------------------------------------- */

int workflow_graph_check_parameters(const workflow_graph *graph, nh_error *err)
{
    for (size_t i = 0; i < workflow_graph_skill_count(graph); i++) {
        const json_t *item = json_array_get(graph->skills, i);
        const skill_definition *skill = skill_catalog_find(skill_id_at(graph, i));
        nh_error parameter_error;
        if (!skill || skill_params_check(skill->name, json_object_get(item, "parameters"),
                                         &parameter_error) == 0)
            continue;
        return error_set(err, parameter_error.status, parameter_error.code, "nodes[%zu] (%s): %s",
                         graph->nodes[i], skill->name, parameter_error.message);
    }
    return 0;
}

int workflow_graph_check(const char *text, nh_error *err)
{
    if (strlen(text) > WORKFLOW_GRAPH_MAX_BYTES)
        return error_set(err, 400, "workflow_profile_graph_json_too_long",
                         "graphJson must be at most %d bytes long.", WORKFLOW_GRAPH_MAX_BYTES);
    workflow_graph graph;
    if (workflow_graph_parse(text, &graph, err) != 0)
        return -1;
    int rc = 0;
    if (graph.node_count > WORKFLOW_GRAPH_MAX_NODES)
        rc = error_set(err, 400, "workflow_profile_too_many_nodes",
                       "A workflow may have at most %d nodes; this one has %zu.",
                       WORKFLOW_GRAPH_MAX_NODES, graph.node_count);
    else if (workflow_graph_skill_count(&graph) == 0)
        rc = error_set(err, 400, "workflow_profile_has_no_skills",
                       "The workflow has no skill node to run.");
    else if (workflow_graph_check_supported(&graph, NULL, err) != 0 ||
             workflow_graph_check_parameters(&graph, err) != 0)
        rc = -1;
    workflow_graph_clear(&graph);
    return rc;
}
