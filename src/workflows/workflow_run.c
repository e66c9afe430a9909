/* workflow_run.c - running workflows: the manual run of a profile on an asset (§9.3) and the
 * auto-run hook asked at the dispatch of upload jobs (§4, §12.3 with issue 12's fallback); see
 * workflows.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "workflows/workflow_graph.h"
#include "workflows/workflow_store.h"
#include "workflows/workflows.h"

#define SHOWN_MAX 64

/* A stored profile as read: its row (0 or 1) and the record that borrows from it. */
typedef struct loaded_workflow {
    db_result *rows; /* 0 or 1 row */
    workflow_record record;
    bool found;
} loaded_workflow;

static void loaded_clear(loaded_workflow *loaded)
{
    db_result_free(loaded->rows);
    memset(loaded, 0, sizeof *loaded);
}

/* The profile id, or with id NULL the auto-run profile. Holds no connection on return. */
static int load_workflow(workflows_service *service, const char *id, loaded_workflow *out,
                         nh_error *err)
{
    memset(out, 0, sizeof *out);
    db_conn *conn = db_acquire(service->database, err);
    if (!conn)
        return -1;
    int rc = id ? workflow_store_find(conn, id, &out->rows, err)
                : workflow_store_find_auto_run(conn, &out->rows, err);
    db_release(service->database, conn);
    if (rc != 0)
        return -1;
    out->found = db_result_rows(out->rows) == 1;
    if (out->found)
        workflow_record_from_row(out->rows, 0, &out->record);
    return 0;
}

/* ---- the manual run ----------------------------------------------------------------------- */

/* The graph's checks for an asset of content_type, in §9.3's order. */
static int check_for_asset(const char *graph_json, const char *content_type, workflow_graph *graph,
                           nh_error *err)
{
    if (workflow_graph_parse(graph_json, graph, err) != 0)
        return -1;
    if (workflow_graph_skill_count(graph) == 0)
        return error_set(err, 400, "workflow_profile_has_no_skills",
                         "The workflow has no skill node to run.");
    if (workflow_graph_check_supported(graph, content_type, err) != 0)
        return -1;
    return workflow_graph_check_parameters(graph, err);
}

static int queue_run(workflows_service *service, const char *asset_id, const char *workflow_id,
                     const workflow_graph *graph, json_t **out, nh_error *err)
{
    char job_id[UUID_TEXT_SIZE];
    if (processing_enqueue_skills(service->processing, asset_id, graph->skills, job_id, err) != 0)
        return -1;
    json_t *ids = workflow_graph_skill_ids(graph);
    *out = ids ? json_pack("{s:s, s:s, s:o, s:s}", "assetId", asset_id, "workflowId", workflow_id,
                           "skillIds", ids, "jobId", job_id)
               : NULL;
    return *out ? 0 : error_internal(err);
}

int workflows_run(workflows_service *service, const char *asset_id, const char *workflow_id,
                  json_t **out, nh_error *err)
{
    *out = NULL;
    processing_asset_facts facts;
    if (processing_asset_facts_load(service->processing, asset_id, &facts, err) != 0)
        return -1;
    loaded_workflow loaded;
    if (load_workflow(service, workflow_id, &loaded, err) != 0)
        return -1;
    int rc = 0;
    workflow_graph graph = {0};
    if (!loaded.found)
        rc = error_set(err, 404, "workflow_profile_not_found",
                       "Workflow profile '%s' was not found.", workflow_id);
    else if (check_for_asset(loaded.record.graph_json, facts.content_type, &graph, err) != 0)
        rc = -1;
    else
        rc = queue_run(service, asset_id, workflow_id, &graph, out, err);
    workflow_graph_clear(&graph);
    loaded_clear(&loaded);
    return rc;
}

/* ---- the auto-run hook -------------------------------------------------------------------- */

/* The reason recorded for an unusable auto-run profile (malloc'ed into *reason). */
static int format_reason(const workflow_record *workflow, const char *why, const char *content_type,
                         char **reason, nh_error *err)
{
    char name[SHOWN_MAX + 4], type[SHOWN_MAX + 4];
    text_excerpt_utf8(name, SHOWN_MAX, workflow->name);
    text_excerpt_utf8(type, SHOWN_MAX, content_type);
    if (asprintf(reason,
                 "The auto-run workflow '%s' (%s) was not used: %s ('%s'); the default "
                 "enrichment ran instead.",
                 name, workflow->id, why, type) < 0) {
        *reason = NULL;
        return error_internal(err);
    }
    return 0;
}

/* Can the auto-run profile serve an asset of content_type? 0 with *skills (it can) or *reason
 * (it cannot), -1 with err when out of memory. */
static int judge(const workflow_record *workflow, const char *content_type, json_t **skills,
                 char **reason, nh_error *err)
{
    workflow_graph graph;
    nh_error parse_error;
    const char *why = NULL;
    if (workflow_graph_parse(workflow->graph_json, &graph, &parse_error) != 0) {
        if (parse_error.status != 400) {
            *err = parse_error;
            return -1;
        }
        why = "its graphJson is not a valid JSON object";
    } else if (workflow_graph_skill_count(&graph) == 0) {
        why = "its graph has no skill node";
    } else if (workflow_graph_resolvable(&graph, content_type) == 0) {
        why = "none of its skills runs on this asset's content type";
    }
    if (!why)
        *skills = json_incref(graph.skills);
    workflow_graph_clear(&graph);
    return why ? format_reason(workflow, why, content_type, reason, err) : 0;
}

int workflows_auto_run(void *context, const char *asset_id, const char *content_type,
                       json_t **skills, char **reason, nh_error *err)
{
    (void)asset_id;
    *skills = NULL;
    *reason = NULL;
    loaded_workflow loaded;
    if (load_workflow(context, NULL, &loaded, err) != 0)
        return -1;
    int rc = loaded.found
                 ? judge(&loaded.record, content_type ? content_type : "", skills, reason, err)
                 : 1;
    loaded_clear(&loaded);
    if (rc != 0)
        return rc;
    return *reason ? 2 : 0;
}
