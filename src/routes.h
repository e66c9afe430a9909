/* routes.h - the route table of the whole server (the composition root for HTTP): every
 * feature's routes with their authentication mode, permission and feature context, in matching
 * order; checked as a whole at start-up (router_validate). */
#ifndef NH_ROUTES_H
#define NH_ROUTES_H

#include <stddef.h>

#include "http/router.h"

/* Which feature's service object a route's handler finds in request->context (app.c fills
 * the array the server indexes with these). Each feature documents what its context is. */
typedef enum route_context {
    ROUTE_CONTEXT_SYSTEM = 0, /* system/system.h: system_context */
    ROUTE_CONTEXT_AUTH,
    ROUTE_CONTEXT_USERS,
    ROUTE_CONTEXT_AUDIT,
    ROUTE_CONTEXT_ASSETS,
    ROUTE_CONTEXT_PROVIDERS,  /* providers/providers.h: providers_service */
    ROUTE_CONTEXT_JOBS,       /* jobs/job_queue.h: job_queue (system/jobs_http.h) */
    ROUTE_CONTEXT_PROCESSING, /* processing/processing.h: processing_service */
    ROUTE_CONTEXT_MCP,        /* mcp/mcp.h: mcp_server (mcp/mcp_http.h) */
    ROUTE_CONTEXT_MCP_SSE,    /* mcp/mcp_sse.h: mcp_sse (the legacy SSE transport) */
    ROUTE_CONTEXT_WORKFLOWS,  /* workflows/workflows.h: workflows_service */
    ROUTE_CONTEXT_AI,         /* ai/ai.h: ai_service (ai/ai_http.h) */
    ROUTE_CONTEXT_COUNT
} route_context;

extern const route ROUTES[];
extern const size_t ROUTE_COUNT;

#endif
