/* app.h - the server context: everything the features need, built once at start-up by main.c
 * and read-only afterwards (each member is itself thread-safe where it changes). This is the
 * only place besides the config that holds process-wide state, and the top of the layer order:
 * only app.c, routes.c and main.c include it once every handler reads request->context. */
#ifndef NH_APP_H
#define NH_APP_H

#include <stdbool.h>
#include <stddef.h>

#include "core/config.h"
#include "core/error.h"
#include "db/db.h"
#include "http/metrics.h"
#include "http/router.h"
#include "http/server.h"
#include "routes.h"
#include "system/system.h"

struct auth_context;

/* A multipart upload may exceed Api__Assets__MaxUploadSizeBytes by its envelope (boundaries,
 * part headers, form fields) up to this much before the server answers 413 early. */
#define APP_UPLOAD_ENVELOPE_ALLOWANCE (1024 * 1024)

typedef struct app {
    const config *cfg;
    db *database;
    http_metrics *metrics;
    const route *routes;
    size_t route_count;
    struct auth_context *auth;
    /* Storage__PublicBaseUrl or derived from the bound address; set before any thread starts */
    char *public_base_url;
    const char *version;
    int bound_port;                /* set before any thread starts */
    struct periodic *housekeeping; /* app_housekeeping every Server__HousekeepingIntervalSeconds */
    struct users_service *users;   /* the users feature (users/users.h) */
    struct asset_service *assets;  /* the assets feature (assets/assets.h) */
    struct secret_box *secrets;    /* seals stored secrets (core/secret_box.h) */
    /* where asset bytes live (storage/storage.h): shared by assets and providers */
    struct storage_service *storage;
    struct providers_service *providers; /* storage provider profiles (providers/providers.h) */
    /* the durable job queue (jobs/job_queue.h): created before the features that register job
     * handlers, started after them, stopped first */
    struct job_queue *jobs;
    /* skills on assets (processing/processing.h): registers its job handler on jobs */
    struct processing_service *processing;
    /* AI provider profiles and the caption call (ai/ai.h): processing's caption hook */
    struct ai_service *ai;
    /* the MCP server (mcp/mcp.h): over assets, processing and providers; created after
     * processing, destroyed before it */
    struct mcp_server *mcp;
    /* the MCP legacy HTTP+SSE transport (mcp/mcp_sse.h): sessions over mcp; created after it,
     * destroyed before it (after the HTTP server stopped) */
    struct mcp_sse *mcp_sse;
    /* workflow profiles (workflows/workflows.h): its auto-run hook is plugged into processing
     * before the job queue starts */
    struct workflows_service *workflows;
    system_context system; /* the system endpoints' context */
    /* request->context of each route, by enum route_context (filled by app_services_start) */
    void *contexts[ROUTE_CONTEXT_COUNT];
} app;

/* Start every feature's services (after migrations, before listening). -1 with err filled
 * when start-up must stop. */
int app_services_start(app *application, nh_error *err);
/* Stop them in reverse order (after the HTTP server stopped). */
void app_services_stop(app *application);

/* `nekohub worker`: what processing needs and the job queue with max(1, Processing__Workers)
 * workers, no HTTP, no accounts, no housekeeping (the servers do that). -1 with err filled when
 * start-up must stop; app_services_stop() stops it either way. */
int app_worker_start(app *application, nh_error *err);

/* The HTTP server's settings for this application (listen_socket from http_listen). */
void app_server_settings(app *application, int listen_socket, http_server_settings *out);

#endif
