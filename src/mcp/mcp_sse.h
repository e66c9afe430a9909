/* mcp_sse.h - the legacy HTTP+SSE transport of MCP (protocol 2024-11-05 style, for older
 * clients; docs/mcp.md "Transports"): GET /mcp/sse opens a session and answers with an event
 * stream whose first event ("endpoint") names the URL to POST messages to,
 * POST /mcp/message?sessionId=<id> submits one JSON-RPC message whose reply goes out on that
 * stream as an "event: message" frame.
 *
 * Corrections of issue 13 over the original: a session is bound to the API key that opened it
 * (another key's POST finds nothing: 404), sessions are capped per key and in all (429
 * mcp_session_limit with Retry-After), a session that receives no message for
 * Mcp__SseIdleSeconds ends, a ": ping" comment goes out every Mcp__SseHeartbeatSeconds, each
 * stream buffers at most Mcp__SseBufferBytes (a reader that falls further behind is dropped),
 * the endpoint URL is built from the request's public scheme and authority (trusted proxies'
 * X-Forwarded-Proto/Host honoured, http/public_origin.h), and a message the pipeline refuses
 * (4xx: origin, protocol version header, parse, envelope) is answered with that status and its
 * JSON-RPC error on the POST itself; an accepted one answers 202, its reply (if any) and the
 * progress notifications of a tools/call that asked for them on the stream.
 *
 * Both routes: ROUTE_AUTH_API_KEY_ONLY; request->context is the mcp_sse. A housekeeping thread
 * (once a second) expires idle sessions and sends the heartbeats. Thread-safe. */
#ifndef NH_MCP_SSE_H
#define NH_MCP_SSE_H

#include "core/config.h"
#include "core/error.h"
#include "http/request.h"
#include "http/response.h"
#include "mcp/mcp.h"

typedef struct mcp_sse mcp_sse;

/* Borrows cfg and server (they outlive it). Starts the housekeeping thread. NULL with err. */
mcp_sse *mcp_sse_create(const config *cfg, mcp_server *server, nh_error *err);
/* Stops the thread and ends every session. Call after the HTTP server stopped. NULL is fine. */
void mcp_sse_destroy(mcp_sse *sse);

/* GET /mcp/sse */
void mcp_sse_http_open(http_request *request, http_response *response);
/* POST /mcp/message?sessionId=<id> */
void mcp_sse_http_message(http_request *request, http_response *response);

#endif
