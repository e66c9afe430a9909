/* processing.h - the processing feature: what happens to an asset after it is stored (spec
 * processing.md §1-§9 with the corrections of issue 11). Skills (skill_catalog.h) made of steps
 * (processing_step.h) run through the durable job queue (jobs/job_queue.h): the service
 * registers the handler of JOB_KIND_ASSET_PROCESS, whose payload says what to run:
 *
 *   upload job  {"runEnrichment":true}        dispatch (§4): the auto-run workflow through
 *                                             the workflow hook below, else basic_image_enrich
 *                                             for image/ content types
 *   skill run   {"skills":[{"skillId":"format-convert","parameters":{...}}]}
 *                                             manual run of one skill (REST, MCP) or of a
 *                                             workflow's nodes, in order
 *
 * Every skill run that finishes (all its steps ran) writes one execution record with its step
 * rows (status succeeded | failed | skipped, message) in one transaction, tagged with the job
 * and attempt; a manual skill run's final record takes the job's pre-assigned execution_id.
 * A job whose steps failed only transiently (processing_step.h) is retried through the queue's
 * back-off; a job with a step that failed for good ends failed with that step's message as
 * its last error (the asset's processing state shows it; the Jobs API can retry it); otherwise
 * it ends succeeded.
 *
 * The service is the context of the processing routes (processing_http.h). Thread-safe. */
#ifndef NH_PROCESSING_H
#define NH_PROCESSING_H

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "assets/asset_service.h"
#include "core/config.h"
#include "core/error.h"
#include "db/db.h"
#include "jobs/job_queue.h"
#include "media/media_pool.h"
#include "storage/storage.h"

/* ---- hooks the AI feature (issue 12) plugs in ------------------------------------------------ */

#define PROCESSING_CAPTION_BUSY 2

/* What the caption hook hands back (issue 12: one model call asks for all three). */
typedef struct processing_caption {
    char *caption;   /* malloc'ed; non-blank on success */
    char *alt_text;  /* malloc'ed, or NULL (the caption then serves as alt text) */
    json_t *tags;    /* a JSON array of strings as the model gave them (the step normalizes
                        them: caption_text_tags), or NULL; owned (one reference) */
    char *generator; /* malloc'ed model name: the one the provider reported, else requested */
} processing_caption;

/* Free what a processing_caption holds and zero it (a zeroed one is fine). */
void processing_caption_clear(processing_caption *caption);

/* The caption step's provider. Returns 0 with *out filled; 1 when there is no active AI
 * provider (the step is SKIPPED with reason); PROCESSING_CAPTION_BUSY when no model slot is
 * free now (err->retry_after_seconds may hint when to try again): the step is deferred and its
 * job runs again later without counting an attempt, so a job worker never waits for a slot
 * while thumbnails of other uploads queue behind it; -1 with err (the step FAILED; transient for
 * 429/503, see processing_step.h). image_path is a bounded derivative (the WebP preview, or
 * the PNG thumbnail when the preview is over 1 MiB), never the full original. May block for the AI call (bounded by Ai__RequestTimeoutSeconds)
 * and a short wait for one of Ai__MaxConcurrency slots. */
typedef int (*processing_caption_fn)(void *context, const char *image_path,
                                     const char *image_content_type, processing_caption *out,
                                     nh_error *err);

/* The auto-run workflow of an upload job, asked at dispatch time. Returns 0 with *skills set to
 * a JSON array of {"skillId","parameters"?} (new reference) to run instead of the default;
 * 1 when there is no auto-run workflow (run the default); 2 when the workflow exists but is
 * unusable (its graph does not parse or has no runnable node): the default runs and
 * *reason (malloc'ed) is recorded in the asset's execution history. -1 with err. */
typedef int (*processing_workflow_fn)(void *context, const char *asset_id, const char *content_type,
                                      json_t **skills, char **reason, nh_error *err);

typedef struct processing_service {
    const config *cfg;
    db *database;
    storage_service *storage;      /* borrowed */
    media_pool *media;             /* borrowed (the assets feature owns the pool) */
    asset_service *assets;         /* borrowed: asset detail for responses, upload temps */
    job_queue *jobs;               /* borrowed: app.c owns the queue */
    const char *public_base_url;   /* borrowed, or NULL */
    processing_caption_fn caption; /* NULL until the AI feature plugs in: captions SKIPPED */
    void *caption_context;
    processing_workflow_fn workflow; /* NULL until workflows exist: the default always runs */
    void *workflow_context;
    int max_waiting;    /* manual runs that may wait at once: half the handler threads */
    atomic_int waiting; /* manual runs waiting now */
} processing_service;

/* Build the service and register its job handler on jobs (before job_queue_start). */
processing_service *processing_service_create(const config *cfg, db *database,
                                              storage_service *storage_svc, media_pool *media,
                                              asset_service *assets, job_queue *jobs,
                                              const char *public_base_url, nh_error *err);
void processing_service_destroy(processing_service *service);

/* ---- manual runs (REST §9.2, MCP run_asset_skill) -------------------------------------------- */

typedef struct processing_run {
    char job_id[UUID_TEXT_SIZE];
    char execution_id[UUID_TEXT_SIZE];
    const char *skill_name; /* canonical (static) */
    bool finished;          /* the job ended within the wait */
    job_info job;           /* the job as last seen (job_info_clear via processing_run_clear) */
} processing_run;

/* Validate (400 skill_name_required; 404 asset_not_found; 404 skill_not_found; the parameter
 * codes of skill_params.h; 400 storage_provider_profile_disabled for a rewriting skill whose
 * asset lives on a disabled profile), enqueue a manual job of one skill, and wait up to
 * wait_s for it (job_queue_wait). 0 with out filled (finished or not). */
int processing_run_skill(processing_service *service, const char *asset_id, const char *skill_id,
                         const json_t *parameters, int wait_s, processing_run *out, nh_error *err);
void processing_run_clear(processing_run *run);

/* The body of a manual run once it finished (run->finished):
 * {"succeeded","skillName","steps":[{"name","succeeded","errorMessage","status","message"}],
 * "asset":<detail>,"executionId","jobId"}; a job that ended without its execution record
 * (cancelled, or failed before a step ran) shows succeeded false and no steps. 404
 * asset_not_found when the asset went meanwhile. *out is a new reference. */
int processing_run_result_json(processing_service *service, const char *asset_id,
                               const processing_run *run, json_t **out, nh_error *err);

/* The wait slots of manual runs (max_waiting; REST takes one inside processing_run_skill):
 * a caller that waits for a run's job by itself (MCP run_asset_skill, in slices with progress)
 * takes one first and does not wait when none is free. */
bool processing_wait_slot_take(processing_service *service);
void processing_wait_slot_release(processing_service *service);

/* ---- reads (REST, MCP) ----------------------------------------------------------------------- */

/* The listed catalog (§5.1) with each skill's parameter descriptors (skill_params_describe):
 * [{"skillName","description","steps":[...],"parameters":[...]}]. NULL when out of memory. */
json_t *processing_skills_json(void);
/* The same for every runnable skill (also thumbnail and ai-caption, which the REST list does
 * not show): MCP list_skills and skill:// (issue 13). */
json_t *processing_runnable_skills_json(void);

/* {items, page, pageSize, total}: the asset's execution records newest first, each with its
 * steps (processing_get_execution's shape). 404 asset_not_found. */
int processing_list_executions(processing_service *service, const char *asset_id, int page,
                               int page_size, json_t **out, nh_error *err);

/* One execution: its record, or, while the manual run that was given this id has none (queued,
 * running, or ended without it), the pending shape built from its job (state queued | running
 * | failed | cancelled, succeeded null, no steps). 404 asset_not_found; 404
 * skill_execution_not_found. Execution JSON: {"executionId","skillName","triggerSource",
 * "state","succeeded","startedAtUtc","completedAtUtc","parametersJson","jobId","attempt",
 * "lastError","steps":[step]}; a record's lastError is its first failed step's message, a
 * pending one's the job's last_error. */
int processing_get_execution(processing_service *service, const char *asset_id,
                             const char *execution_id, json_t **out, nh_error *err);

/* ---- workflow runs (issue 12: the workflows feature checks the graph, then queues it) ------ */

/* What the checks of a run need of an asset. */
typedef struct processing_asset_facts {
    char content_type[256];
    char profile_id[UUID_TEXT_SIZE]; /* "" for config-driven storage */
} processing_asset_facts;

/* 404 asset_not_found when the asset is missing or deleted. Holds no connection on return. */
int processing_asset_facts_load(processing_service *service, const char *asset_id,
                                processing_asset_facts *out, nh_error *err);

/* Enqueue the nodes of a workflow (already parsed: a JSON array of {"skillId","parameters"?})
 * as one manual job (§9.3). Writes the job id. 404 asset_not_found; 400
 * storage_provider_profile_disabled when one of the skills rewrites the original and the
 * asset's storage profile is disabled (as processing_run_skill). */
int processing_enqueue_skills(processing_service *service, const char *asset_id,
                              const json_t *skills, char job_id[UUID_TEXT_SIZE], nh_error *err);

#endif
