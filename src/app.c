/* app.c - starting and stopping the services every feature needs, in order, around the HTTP
 * server; each feature's context for its routes; the server's settings. */
#include "app.h"

#include <stdlib.h>
#include <string.h>

#include "ai/ai.h"
#include "assets/asset_service.h"
#include "assets/assets.h"
#include "auth/auth_context.h"
#include "auth/authenticate.h"
#include "auth/sessions.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/periodic.h"
#include "core/secret_box.h"
#include "jobs/job_queue.h"
#include "jobs/job_test_kind.h"
#include "mcp/mcp.h"
#include "mcp/mcp_sse.h"
#include "processing/processing.h"
#include "providers/providers.h"
#include "storage/storage.h"
#include "users/users.h"
#include "workflows/workflows.h"

static void purge_sessions(app *application)
{
    nh_error err;
    if (sessions_purge(application->auth, clock_now_ms(), &err) != 0)
        log_message(LOG_WARN, "housekeeping", "session purge failed: %s", err.message);
}

/* Every feature's periodic cleanup: ended sessions and stale sign-in failures, storage objects
 * whose removal failed or whose upload never committed. At start both ran already, before the
 * server listened (app_services_start, assets_start). */
static void app_housekeeping(void *context)
{
    app *application = context;
    purge_sessions(application);
    nh_error err;
    if (application->assets && asset_service_sweep(application->assets, &err) != 0)
        log_message(LOG_WARN, "housekeeping", "the asset sweep left work for later: %s",
                    err.message);
}

/* What each route's handler finds in request->context: its feature's service object. */
static void app_fill_contexts(app *application)
{
    application->system = (system_context){.cfg = application->cfg,
                                           .database = application->database,
                                           .metrics = application->metrics,
                                           .routes = application->routes,
                                           .route_count = application->route_count,
                                           .version = application->version};
    application->contexts[ROUTE_CONTEXT_SYSTEM] = &application->system;
    application->contexts[ROUTE_CONTEXT_AUTH] = application->auth;
    application->contexts[ROUTE_CONTEXT_USERS] = application->users;
    application->contexts[ROUTE_CONTEXT_AUDIT] = application->database;
    application->contexts[ROUTE_CONTEXT_ASSETS] = application->assets;
    application->contexts[ROUTE_CONTEXT_PROVIDERS] = application->providers;
    application->contexts[ROUTE_CONTEXT_JOBS] = application->jobs;
    application->contexts[ROUTE_CONTEXT_PROCESSING] = application->processing;
    application->contexts[ROUTE_CONTEXT_MCP] = application->mcp;
    application->contexts[ROUTE_CONTEXT_MCP_SSE] = application->mcp_sse;
    application->contexts[ROUTE_CONTEXT_WORKFLOWS] = application->workflows;
    application->contexts[ROUTE_CONTEXT_AI] = application->ai;
}

/* The job queue with `workers` worker threads (0: enqueue and read only), not started yet; the
 * assets feature gets it to wake workers after an upload commits its job. Test builds run with
 * NEKOHUB_TEST_JOBS=1 also get the test kind (jobs/job_test_kind.h). */
static int app_jobs_create(app *application, int workers, nh_error *err)
{
    const config *cfg = application->cfg;
    job_queue_settings settings = {
        .workers = workers,
        .lease_s = cfg->job_lease_s,
        .retry_base_s = cfg->job_retry_base_s,
        .retry_max_s = cfg->job_retry_max_s,
        .poll_interval_ms = cfg->job_poll_interval_ms,
        .shutdown_grace_s = cfg->job_shutdown_grace_s,
        .worker_name = NULL,
    };
    application->jobs = job_queue_create(application->database, &settings, err);
    if (!application->jobs)
        return -1;
    if (application->assets)
        application->assets->jobs = application->jobs;
    if (job_test_kind_register(application->jobs) != 0)
        return error_set(err, 500, "start_failed", "the test job kind could not be registered");
    return 0;
}

/* The processing feature on the assets' media pool and the queue: it registers the handler of
 * JOB_KIND_ASSET_PROCESS (between app_jobs_create and app_jobs_start). */
static int app_processing_start(app *application, nh_error *err)
{
    asset_service *assets = application->assets;
    application->processing = processing_service_create(
        application->cfg, application->database, application->storage, assets->media, assets,
        application->jobs, application->public_base_url, err);
    return application->processing ? 0 : -1;
}

/* The workflows feature over processing, and its auto-run hook plugged into processing (after
 * app_processing_start, before app_jobs_start: no upload job is dispatched without it). */
static int app_workflows_start(app *application, nh_error *err)
{
    if (workflows_service_create(application->database, application->processing,
                                 &application->workflows, err) != 0)
        return -1;
    application->processing->workflow = workflows_auto_run;
    application->processing->workflow_context = application->workflows;
    return 0;
}

/* processing_caption_fn on the AI feature's caption call (context: the ai_service). */
static int app_caption(void *context, const char *image_path, const char *image_content_type,
                       processing_caption *out, nh_error *err)
{
    vision_caption caption;
    int rc = ai_caption_image(context, image_path, image_content_type, &caption, err);
    _Static_assert(AI_CAPTION_BUSY == PROCESSING_CAPTION_BUSY, "the busy answers must agree");
    if (rc != 0)
        return rc; /* 1: no active profile; AI_CAPTION_BUSY; -1 */
    *out = (processing_caption){.caption = caption.caption,
                                .alt_text = caption.alt_text,
                                .tags = caption.tags,
                                .generator = caption.model};
    return 0; /* what caption held is out's now */
}

/* The AI feature (after the sealed secrets) and its caption hook on processing (before the job
 * queue starts). Test builds with NEKOHUB_TEST_CAPTION keep step_caption.c's stand-in. */
static int app_ai_start(app *application, nh_error *err)
{
    application->ai =
        ai_service_create(application->cfg, application->database, application->secrets, err);
    if (!application->ai)
        return -1;
#ifdef NEKOHUB_TEST_BUILD
    if (getenv("NEKOHUB_TEST_CAPTION"))
        return 0;
#endif
    application->processing->caption = app_caption;
    application->processing->caption_context = application->ai;
    return 0;
}

/* The MCP server over the features' services (after processing: run_asset_skill uses it). */
static int app_mcp_start(app *application, nh_error *err)
{
    mcp_dependencies deps = {
        .cfg = application->cfg,
        .database = application->database,
        .assets = application->assets,
        .processing = application->processing,
        .providers = application->providers,
        .public_base_url = application->public_base_url,
        .version = application->version,
    };
    application->mcp = mcp_server_create(&deps, err);
    if (!application->mcp)
        return -1;
    application->mcp_sse = mcp_sse_create(application->cfg, application->mcp, err);
    return application->mcp_sse ? 0 : -1;
}

/* The features that register job handlers come here, between app_jobs_create and
 * app_jobs_start (the processing service registers JOB_KIND_ASSET_PROCESS). */
static int app_jobs_start(app *application, nh_error *err)
{
    return job_queue_start(application->jobs, err);
}

/* Sealed secrets, the storage service (config-driven storages and profile backends) and the
 * providers feature; the default profile is seeded on the very first start. A failed seeding
 * is logged and does not stop start-up (uploads then use the config-driven storage). */
static int app_storage_start(app *application, nh_error *err)
{
    const config *cfg = application->cfg;
    application->secrets = secret_box_create(cfg->secret_key, &cfg->previous_secret_keys, err);
    if (!application->secrets)
        return -1;
    application->storage =
        storage_service_create(cfg, application->database, application->secrets, err);
    if (!application->storage ||
        providers_service_create(cfg, application->database, application->storage,
                                 application->secrets, &application->providers, err) != 0)
        return -1;
    nh_error seed_error;
    if (providers_seed_default(application->providers, &seed_error) != 0)
        log_message(LOG_WARN, "storage_profiles", "start-up seeding failed: %s",
                    seed_error.message);
    return 0;
}

/* What serve and worker share: storage, assets (and the media pool), the job queue with
 * `workers` threads, the features that register job handlers, then the queue started. */
static int app_assets_and_jobs_start(app *application, int workers, nh_error *err)
{
    if (app_storage_start(application, err) != 0)
        return -1;
    application->assets = assets_start(application->cfg, application->database,
                                       application->storage, application->public_base_url, err);
    if (!application->assets)
        return -1;
    if (app_jobs_create(application, workers, err) != 0)
        return -1;
    /* features that register job handlers: here */
    if (app_processing_start(application, err) != 0 || app_ai_start(application, err) != 0)
        return -1;
    if (app_workflows_start(application, err) != 0)
        return -1;
    return app_jobs_start(application, err);
}

int app_services_start(app *application, nh_error *err)
{
    if (auth_context_create(application->cfg, application->database, &application->auth, err) != 0)
        return -1;
    if (users_service_create(application->cfg, application->database, application->auth,
                             &application->users, err) != 0 ||
        users_bootstrap(application->users, err) != 0)
        return -1;
    if (app_assets_and_jobs_start(application, application->cfg->job_workers, err) != 0 ||
        app_mcp_start(application, err) != 0)
        return -1;
    app_fill_contexts(application);
    purge_sessions(application);
    application->housekeeping =
        periodic_start(application->cfg->housekeeping_interval_s, app_housekeeping, application);
    if (!application->housekeeping)
        return error_set(err, 500, "start_failed", "the housekeeping thread could not start");
    return 0;
}

int app_worker_start(app *application, nh_error *err)
{
    int workers = application->cfg->job_workers > 0 ? application->cfg->job_workers : 1;
    return app_assets_and_jobs_start(application, workers, err);
}

void app_services_stop(app *application)
{
    job_queue_stop(application->jobs);     /* first: running jobs finish or are handed back */
    mcp_sse_destroy(application->mcp_sse); /* its sessions message mcp */
    application->mcp_sse = NULL;
    mcp_server_destroy(application->mcp); /* before the services it calls */
    application->mcp = NULL;
    workflows_service_free(application->workflows); /* processing's hook: no job runs any more */
    application->workflows = NULL;
    processing_service_destroy(application->processing); /* no handler runs any more */
    application->processing = NULL;
    ai_service_destroy(application->ai); /* after processing: its caption hook */
    application->ai = NULL;
    periodic_stop(application->housekeeping);
    application->housekeeping = NULL;
    assets_stop(application->assets);
    application->assets = NULL;
    providers_service_free(application->providers);
    application->providers = NULL;
    storage_service_destroy(application->storage);
    application->storage = NULL;
    secret_box_destroy(application->secrets);
    application->secrets = NULL;
    users_service_free(application->users);
    application->users = NULL;
    auth_context_free(application->auth);
    application->auth = NULL;
    job_queue_destroy(application->jobs);
    application->jobs = NULL;
}

void app_server_settings(app *application, int listen_socket, http_server_settings *out)
{
    const config *cfg = application->cfg;
    *out = (http_server_settings){
        .listen_socket = listen_socket,
        .routes = application->routes,
        .route_count = application->route_count,
        .contexts = application->contexts,
        .context_count = ROUTE_CONTEXT_COUNT,
        .authenticate = auth_authenticate,
        .authenticate_context = application->auth,
        .metrics = application->metrics,
        .cors_origins = &cfg->cors_origins,
        .trusted_proxies = &cfg->trusted_proxies,
        .web_dir = cfg->web_dir,
        .max_json_body_bytes = cfg->max_json_body_bytes,
        .max_upload_body_bytes = cfg->max_upload_size_bytes + APP_UPLOAD_ENVELOPE_ALLOWANCE,
        /* POST /mcp: an upload_asset call carries the file as base64 (4/3 of its size) */
        .max_raw_body_bytes =
            (cfg->max_upload_size_bytes + 2) / 3 * 4 + APP_UPLOAD_ENVELOPE_ALLOWANCE,
        .max_connections = cfg->max_connections,
        .max_connections_per_client = cfg->max_connections_per_client,
        .idle_timeout_s = cfg->idle_timeout_s,
        .connection_memory_bytes = cfg->connection_memory_bytes,
        .header_timeout_s = cfg->header_timeout_s,
        .body_stall_s = cfg->body_stall_s,
        .io_threads = cfg->io_threads,
        .handler_threads = cfg->handler_threads,
        .handler_queue_length = cfg->handler_queue_length,
    };
}
