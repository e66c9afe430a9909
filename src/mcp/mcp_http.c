/* mcp_http.c - POST /mcp (plain JSON replies) and the 405 of GET/DELETE /mcp (see
 * mcp_http.h). */
#include "mcp/mcp_http.h"

#include <string.h>
#include <strings.h>

#include "mcp/mcp.h"

static bool is_json_content_type(const char *content_type)
{
    if (!content_type)
        return false;
    while (*content_type == ' ' || *content_type == '\t')
        content_type++;
    size_t length = strlen("application/json");
    if (strncasecmp(content_type, "application/json", length) != 0)
        return false;
    char next = content_type[length];
    return next == '\0' || next == ';' || next == ' ' || next == '\t';
}

/* The request's own scheme and authority, which Origin must match. NekoHub serves plain HTTP
 * itself; the authority is the Host header. */
static void public_origin(const http_request *request, const char **scheme, const char **authority)
{
    *scheme = "http";
    *authority = http_request_header(request, "Host");
}

static void send_reply(http_response *response, const mcp_reply *reply)
{
    if (reply->status == 202 || !reply->body) {
        http_reply_empty(response, reply->status ? reply->status : 500);
    } else {
        http_reply_bytes(response, reply->status, "application/json", reply->body,
                         strlen(reply->body));
    }
    http_response_header(response, "Cache-Control", "no-store");
    if (reply->protocol_version[0])
        http_response_header(response, "MCP-Protocol-Version", reply->protocol_version);
}

void mcp_http_post(http_request *request, http_response *response)
{
    if (!is_json_content_type(http_request_header(request, "Content-Type"))) {
        http_reply_error_code(response, 415, "request_unsupported_media_type",
                              "The request body must be JSON (Content-Type: application/json).");
        return;
    }
    mcp_message message = {
        .principal = &request->principal,
        .body = request->body.data,
        .length = request->body.length,
        .origin = http_request_header(request, "Origin"),
        .protocol_version_header = http_request_header(request, "MCP-Protocol-Version"),
        .client_address = request->client_address,
        .user_agent = http_request_header(request, "User-Agent"),
    };
    public_origin(request, &message.scheme, &message.authority);
    mcp_reply reply;
    mcp_handle(request->context, &message, &reply);
    send_reply(response, &reply);
    mcp_reply_clear(&reply);
}

void mcp_http_not_allowed(http_request *request, http_response *response)
{
    http_reply_error_code(response, 405, "method_not_allowed",
                          "The method %s is not allowed here. Allowed: POST (this server offers "
                          "no standalone event stream).",
                          request->method);
    http_response_header(response, "Allow", "POST");
}
