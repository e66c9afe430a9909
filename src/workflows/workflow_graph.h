/* workflow_graph.h - the graph of a workflow profile (spec processing.md §12.4 with issue 12's
 * corrections): reading the saved graphJson text into the skills it runs, and the save-time
 * check that catches a broken workflow when it is written instead of when it runs.
 *
 * The format is the original console's: {"nodes":[{"id","type":"skill","position",
 * "data":{"skillId","parameters"}}],"edges":[...],"viewport":{...}}. Nodes run in array order
 * (edges and viewport are ignored). A node's skill id is data.skillId when it is a non-blank
 * string (trimmed), else `type` when it is a non-blank string (as written), else the node does
 * not run; its parameters are data.parameters when that is an object, else a copy of data
 * without skillId (none when that is empty). Member names are matched exactly.
 *
 * Nodes are named in messages by their index in the nodes array: "nodes[2]".
 *
 * Errors (nh_error, all 400): workflow_profile_graph_json_invalid (not strict JSON or the root
 * is not an object; message exactly "GraphJson must be a valid JSON object."),
 * workflow_profile_graph_json_too_long (over WORKFLOW_GRAPH_MAX_BYTES),
 * workflow_profile_too_many_nodes (over WORKFLOW_GRAPH_MAX_NODES elements in nodes),
 * workflow_profile_has_no_skills (no node with a skill id),
 * workflow_profile_contains_unsupported_skills (the distinct ids that do not resolve, each with
 * its nodes), and the parameter codes of processing/skill_params.h with the node named.
 *
 * Pure functions; thread-safe. */
#ifndef NH_WORKFLOWS_WORKFLOW_GRAPH_H
#define NH_WORKFLOWS_WORKFLOW_GRAPH_H

#include <jansson.h>
#include <stddef.h>

#include "core/error.h"

#define WORKFLOW_GRAPH_MAX_BYTES (256 * 1024)
#define WORKFLOW_GRAPH_MAX_NODES 50
#define WORKFLOW_GRAPH_INVALID_MESSAGE "GraphJson must be a valid JSON object."

typedef struct workflow_graph {
    json_t *skills;    /* [{"skillId","parameters"?}] in node order (owned) */
    size_t *nodes;     /* nodes[i]: the index in the nodes array of skills[i] (owned) */
    size_t node_count; /* elements of the nodes array (0 when it is not an array) */
} workflow_graph;

/* Read graph JSON text. 0 with *out filled (possibly without skills; clear it with
 * workflow_graph_clear), or -1 with workflow_profile_graph_json_invalid (or a 500 when out of
 * memory) and *out empty. */
int workflow_graph_parse(const char *text, workflow_graph *out, nh_error *err);
void workflow_graph_clear(workflow_graph *graph);

size_t workflow_graph_skill_count(const workflow_graph *graph);

/* The skill ids as parsed (not canonical), in node order: a new JSON array (NULL when out of
 * memory). */
json_t *workflow_graph_skill_ids(const workflow_graph *graph);

/* 0 when every skill resolves for content_type (skill_catalog_resolve), or with content_type
 * NULL is a known skill at all (skill_catalog_find); else -1 with
 * workflow_profile_contains_unsupported_skills listing the distinct offending ids and their
 * nodes. */
int workflow_graph_check_supported(const workflow_graph *graph, const char *content_type,
                                   nh_error *err);

/* How many skills resolve for content_type. */
size_t workflow_graph_resolvable(const workflow_graph *graph, const char *content_type);

/* Check each skill's parameters (skill_params_check) in node order: 0, or -1 with the first
 * failure's code and its message prefixed by the node ("nodes[2] (format-convert): ..."). The
 * skills must be known (workflow_graph_check_supported first). */
int workflow_graph_check_parameters(const workflow_graph *graph, nh_error *err);

/* The save-time check of graph text (already trimmed, non-blank), in this order: size, JSON,
 * node count, runnable nodes, known skill ids, parameters. 0 or -1 with err. */
int workflow_graph_check(const char *text, nh_error *err);

#endif
