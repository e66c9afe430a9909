/* mcp.h - the Model Context Protocol server (spec mcp.md with the corrections of issue 13):
 * one JSON-RPC message in, at most one JSON-RPC reply out, over the same services as REST.
 *
 * This module knows nothing about HTTP transports: mcp_http.c (POST /mcp, GET /mcp) and
 * mcp_sse.c (the legacy GET /mcp/sse + POST /mcp/message) translate requests into an
 * mcp_message and the mcp_reply back. It runs the pipeline of spec §3 (origin, protocol version
 * header, parse, batch, envelope, jsonrpc, classification), dispatches requests (§5, §6):
 * initialize, ping, tools/list, tools/call, resources/list, resources/templates/list,
 * resources/read, prompts/list, prompts/get; and notifications (notifications/cancelled cancels
 * the caller's in-flight run_asset_skill of that request id).
 *
 * Permissions: every tool checks the permission of its REST twin against the principal
 * (machine keys pass everything; personal keys carry key ∩ owner): a missing one is a tool
 * error {"code":"auth_forbidden"} naming the permission, not a protocol failure. Tool calls
 * that change something are audited with the principal (audit/audit.h). Arguments are checked
 * against each tool's input schema (unknown argument, wrong type, missing required -> tool error
 * tool_arguments_invalid naming the argument).
 *
 * Progress: a tools/call whose params._meta.progressToken is set and whose transport can push
 * (message->notify != NULL) gets notifications/progress through notify while run_asset_skill
 * waits for its job. Thread-safe; every call is independent (stateless). */
#ifndef NH_MCP_H
#define NH_MCP_H

#include <stdbool.h>
#include <stddef.h>

#include "core/config.h"
#include "core/error.h"
#include "core/principal.h"

struct asset_service;
struct processing_service;
struct providers_service;
struct db;

#define MCP_PROTOCOL_LATEST "2025-11-25"

typedef struct mcp_server mcp_server;

typedef struct mcp_dependencies {
    const config *cfg;
    struct db *database;
    struct asset_service *assets;
    struct processing_service *processing;
    struct providers_service *providers;
    const char *public_base_url; /* borrowed, may be NULL */
    const char *version;         /* serverInfo.version */
} mcp_dependencies;

/* Borrows everything in deps (they outlive the server). NULL with err on failure. */
mcp_server *mcp_server_create(const mcp_dependencies *deps, nh_error *err);
void mcp_server_destroy(mcp_server *server);

/* A server-to-client message pushed while a request runs (notifications/progress): compact
 * JSON-RPC text. Returns 0, or -1 when the client is gone (the call then stops waiting and
 * cancels its job). Called on the thread of mcp_handle. */
typedef int (*mcp_notify_fn)(void *context, const char *json, size_t length);

/* One inbound HTTP message, as the transport saw it. Strings are borrowed; NULL = absent. */
typedef struct mcp_message {
    const auth_principal *principal;
    const char *body;
    size_t length;
    const char *origin;                  /* Origin header */
    const char *protocol_version_header; /* MCP-Protocol-Version header */
    /* the request's own scheme and authority after Server__TrustedProxies / X-Forwarded-*
     * handling (the transport resolves them): what Origin must match */
    const char *scheme;
    const char *authority;
    const char *client_address; /* for the audit log */
    const char *user_agent;
    mcp_notify_fn notify; /* NULL: this transport cannot push (plain JSON reply) */
    void *notify_context;
} mcp_message;

typedef struct mcp_reply {
    int status;     /* HTTP status: 200, 202 (no body), 400, 403 */
    char *body;     /* malloc'ed compact JSON-RPC reply, or NULL (202) */
    char protocol_version[16]; /* MCP-Protocol-Version to send, or "" to omit */
} mcp_reply;

/* Run one message through the pipeline. Always fills reply (a failure to allocate becomes a
 * 500 with a JSON-RPC -32603 body, or NULL body when even that fails). */
void mcp_handle(mcp_server *server, const mcp_message *message, mcp_reply *reply);
void mcp_reply_clear(mcp_reply *reply);

/* Does this body ask for progress (a tools/call with params._meta.progressToken)? Lets a
 * transport choose a streamed (text/event-stream) reply before running it. Never fails: false
 * for anything unparsable. */
bool mcp_wants_progress(const char *body, size_t length);

#endif
