/* mcp_internal.h - what the modules of the MCP server share (not for other features): the
 * server object, the context of one dispatched request, JSON-RPC error codes, and the entry
 * points of each method family.
 *
 *   mcp.c            pipeline (spec §3), classification, dispatch, initialize, ping
 *   mcp_tools.c      the tool table, tools/list, tools/call (permission, arguments, results)
 *   mcp_tools_*.c    the tools themselves, over the features' services
 *   mcp_views.c      the shapes tools and resources answer with, and their output schemas
 *   mcp_resources.c  resources/list, resources/templates/list, resources/read
 *   mcp_prompts.c    prompts/list, prompts/get
 *   mcp_inflight.c   run_asset_skill calls in flight, for notifications/cancelled
 *   mcp_schema.c     input schema checking; mcp_cursor.c list cursors
 *
 * A method handler returns a result (new reference) or fills an mcp_rpc_error; the pipeline
 * turns either into the reply. */
#ifndef NH_MCP_INTERNAL_H
#define NH_MCP_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>

#include "audit/audit.h"
#include "auth/permissions.h"
#include "mcp/mcp.h"

/* JSON-RPC 2.0 codes (spec §7). */
#define MCP_PARSE_ERROR (-32700)
#define MCP_INVALID_REQUEST (-32600)
#define MCP_METHOD_NOT_FOUND (-32601)
#define MCP_INVALID_PARAMS (-32602)
#define MCP_INTERNAL_ERROR (-32603)

#define MCP_DEFAULT_PAGE_SIZE 10

struct mcp_inflight;

struct mcp_server {
    mcp_dependencies deps;
    int list_page_size;            /* Mcp__ListPageSize */
    json_t *tools;                 /* the tool descriptors, sorted by name (built once) */
    struct mcp_inflight *inflight; /* run_asset_skill calls waiting for their job */
};

/* A JSON-RPC error to answer with: code, message, and optional data.code. */
typedef struct mcp_rpc_error {
    int code;
    char message[512];
    char data_code[96]; /* "" = no data member */
} mcp_rpc_error;

int mcp_rpc_fail(mcp_rpc_error *error, int code, const char *data_code, const char *format, ...)
    __attribute__((format(printf, 4, 5)));

/* One request being answered. */
typedef struct mcp_call {
    mcp_server *server;
    const mcp_message *message;
    const json_t *id;             /* the request's id (borrowed; may be JSON null) */
    const json_t *progress_token; /* params._meta.progressToken, or NULL */
    audit_actor actor;            /* the key, its client address and User-Agent */
    bool cancelled;               /* set when the call must answer nothing (notifications/
                                     cancelled arrived, or the client went away) */
} mcp_call;

/* Does the caller hold p? Machine keys hold everything. */
bool mcp_call_has(const mcp_call *call, permission p);

/* The method families: each returns the result (new reference), or NULL with error filled. */
json_t *mcp_tools_list(mcp_call *call, const json_t *params, mcp_rpc_error *error);
json_t *mcp_tools_call(mcp_call *call, const json_t *params, mcp_rpc_error *error);
json_t *mcp_resources_list(mcp_call *call, const json_t *params, mcp_rpc_error *error);
json_t *mcp_resources_templates(mcp_call *call, const json_t *params, mcp_rpc_error *error);
json_t *mcp_resources_read(mcp_call *call, const json_t *params, mcp_rpc_error *error);
json_t *mcp_prompts_list(mcp_call *call, const json_t *params, mcp_rpc_error *error);
json_t *mcp_prompts_get(mcp_call *call, const json_t *params, mcp_rpc_error *error);

/* A page of a static list: {"<member>": [entries offset..], "nextCursor"?}. The cursor of
 * params (absent = first page) must be one of list `kind` (else -32602). */
json_t *mcp_list_page(const mcp_server *server, const char *kind, const char *member,
                      const json_t *entries, const json_t *params, mcp_rpc_error *error);

/* Build the tool descriptors (mcp_tools.c). NULL when a schema is broken (a bug: start-up
 * fails with problem). */
json_t *mcp_tools_build(char *problem, size_t size);

#endif
