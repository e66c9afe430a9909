/* mcp_http.h - the Streamable HTTP transport of the MCP server (stateless, plain JSON):
 *
 *   POST   /mcp   ROUTE_AUTH_API_KEY_ONLY, ROUTE_BODY_RAW; one JSON-RPC message in
 *                 (Content-Type application/json, else 415 request_unsupported_media_type),
 *                 the pipeline of mcp.h, its reply out: 200/400/403 application/json, or 202
 *                 with no body (notifications, client responses, a cancelled call); headers
 *                 Cache-Control: no-store and MCP-Protocol-Version when the reply has one.
 *   GET    /mcp   405 method_not_allowed with Allow: POST (no standalone server stream: the
 *   DELETE /mcp   transport is stateless, there is no session to push to or to end)
 *
 * The route context (request->context) is the mcp_server (ROUTE_CONTEXT_MCP). */
#ifndef NH_MCP_HTTP_H
#define NH_MCP_HTTP_H

#include "http/public_origin.h"
#include "http/request.h"
#include "http/response.h"
#include "mcp/mcp.h"

void mcp_http_post(http_request *request, http_response *response);

/* The mcp_message of an HTTP request carrying one (POST /mcp, POST /mcp/message): principal,
 * body, Origin, MCP-Protocol-Version, the public scheme and authority (*own, filled here and
 * borrowed by *out), client address, User-Agent; no notify callback. Everything is borrowed
 * from request and own. */
void mcp_http_message(http_request *request, public_origin *own, mcp_message *out);
void mcp_http_not_allowed(http_request *request, http_response *response);

#endif
