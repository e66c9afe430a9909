/* workflows.h - workflow profiles (spec processing.md §9.3, §12 with issue 12's corrections):
 * CRUD of the profiles, the one auto-run profile switched atomically, the manual run of a
 * workflow on an asset, and the auto-run hook the processing feature asks at the dispatch of
 * every upload job.
 *
 * A profile: {id, name, description|null, isAutoRun, graphJson, createdAtUtc, updatedAtUtc}.
 * graphJson is stored as the trimmed input text verbatim (workflow_graph.h reads it) and is
 * checked when it is saved. Every change is audited (workflow.created | updated | deleted |
 * autorun) in the same transaction; writes of profiles are serialized by a lock row, so the
 * auto-run switch (clear the others, set this one) is one transaction that never collides.
 *
 * Every function returns 0, or -1 with err filled (the contract's status and code), and on
 * success the response payload in *out (caller owns). Thread-safe. */
#ifndef NH_WORKFLOWS_WORKFLOWS_H
#define NH_WORKFLOWS_WORKFLOWS_H

#include <jansson.h>

#include "audit/audit.h"
#include "core/error.h"
#include "db/db.h"
#include "processing/processing.h"

#define WORKFLOW_NAME_MAX_CHARS 100
#define WORKFLOW_DESCRIPTION_MAX_CHARS 1000

/* The feature's service object and the context of its routes. Borrows everything. */
typedef struct workflows_service {
    db *database;
    processing_service *processing; /* manual runs are queued through it */
} workflows_service;

int workflows_service_create(db *database, processing_service *processing, workflows_service **out,
                             nh_error *err);
void workflows_service_free(workflows_service *service);

/* GET /system/workflows: [profile], the auto-run one first, then by name. */
int workflows_list(workflows_service *service, json_t **out, nh_error *err);
/* GET /system/workflows/{id}: 404 workflow_profile_not_found. */
int workflows_get(workflows_service *service, const char *id, json_t **out, nh_error *err);

/* POST and PUT /system/workflows[/{id}] with body {name, description?, isAutoRun?, graphJson}.
 * Checks in order: the body (400 request_invalid: not an object, a member of the wrong type),
 * [PUT: 404 workflow_profile_not_found], name (workflow_profile_name_required, _too_long: over
 * 100 characters trimmed), description (workflow_profile_description_too_long: over 1000;
 * blank is stored as null), graphJson (workflow_profile_graph_json_required, then
 * workflow_graph_check's codes), the name's uniqueness ignoring case
 * (workflow_profile_name_conflict). A failed check writes nothing. isAutoRun true makes this
 * the one auto-run profile; false or absent clears it on this profile (PUT is a full
 * replacement). */
int workflows_create(workflows_service *service, const audit_actor *actor, const json_t *body,
                     json_t **out, nh_error *err);
int workflows_replace(workflows_service *service, const audit_actor *actor, const char *id,
                      const json_t *body, json_t **out, nh_error *err);
/* DELETE /system/workflows/{id}: 404 workflow_profile_not_found. Deleting the auto-run
 * profile brings back the default enrichment. */
int workflows_delete(workflows_service *service, const audit_actor *actor, const char *id,
                     nh_error *err);
/* PATCH /system/workflows/{id}/autorun: this one becomes the auto-run profile. */
int workflows_set_auto_run(workflows_service *service, const audit_actor *actor, const char *id,
                           json_t **out, nh_error *err);

/* POST /assets/{assetId}/workflows/{workflowId}/run (§9.3): checks in order 404
 * asset_not_found, 404 workflow_profile_not_found, 400 workflow_profile_graph_json_invalid,
 * 400 workflow_profile_has_no_skills, 400 workflow_profile_contains_unsupported_skills (ids
 * that do not resolve for this asset's content type), the parameter codes with the node named,
 * 400 storage_provider_profile_disabled (a rewriting skill on a disabled profile); then queues
 * one manual job of the nodes in order. *out: {assetId, workflowId, skillIds (as written, in
 * node order), jobId}. */
int workflows_run(workflows_service *service, const char *asset_id, const char *workflow_id,
                  json_t **out, nh_error *err);

/* The auto-run hook (processing.h processing_workflow_fn; context: the workflows_service):
 * 1 when there is no auto-run profile; 0 with *skills (its nodes' skills in order) when at least
 * one node resolves for content_type (the others are skipped at dispatch); 2 with *reason
 * (malloc'ed) when the profile is unusable: its graph does not parse, has no skill node, or no
 * node resolves for content_type; -1 with err (a database failure). */
int workflows_auto_run(void *context, const char *asset_id, const char *content_type,
                       json_t **skills, char **reason, nh_error *err);

#endif
