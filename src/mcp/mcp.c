/* mcp.c - the MCP server's pipeline (spec §3, corrected by issue 13) and dispatch (§5, §6):
 * origin, protocol version header, parse, batch, envelope, jsonrpc, classification; then
 * initialize, ping, the tool, resource and prompt methods, and notifications (only
 * notifications/cancelled does anything). Stateless: nothing is remembered between messages
 * except the run_asset_skill calls in flight (mcp_inflight.h). */
#include "mcp/mcp.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "core/text.h"
#include "mcp/mcp_cursor.h"
#include "mcp/mcp_inflight.h"
#include "mcp/mcp_internal.h"
#include "processing/processing.h"
#include "system/job_admin.h"

static const char *const supported_versions[] = {MCP_PROTOCOL_LATEST, "2025-06-18", "2025-03-26"};

#define SERVER_NAME "NekoHub MCP"
#define SERVER_TITLE "NekoHub Asset, Skill, Resource, and Prompt Surface"
#define SERVER_INSTRUCTIONS                                                                        \
    "Use the tools, resources and prompts to inspect and manage image assets, run skill "          \
    "pipelines on them and manage storage profiles; responses never include storage internals "    \
    "or secrets."

/* ---- server ------------------------------------------------------------------------------- */

mcp_server *mcp_server_create(const mcp_dependencies *deps, nh_error *err)
{
    mcp_server *server = calloc(1, sizeof *server);
    if (!server) {
        error_internal(err);
        return NULL;
    }
    server->deps = *deps;
    server->list_page_size = deps->cfg && deps->cfg->mcp_list_page_size > 0
                                 ? deps->cfg->mcp_list_page_size
                                 : MCP_DEFAULT_PAGE_SIZE;
    char problem[256] = "";
    server->tools = mcp_tools_build(problem, sizeof problem);
    server->inflight = mcp_inflight_create();
    if (!server->tools || !server->inflight) {
        error_set(err, 500, "start_failed", "The MCP server could not start: %s",
                  problem[0] ? problem : "out of memory");
        mcp_server_destroy(server);
        return NULL;
    }
    return server;
}

void mcp_server_destroy(mcp_server *server)
{
    if (!server)
        return;
    json_decref(server->tools);
    mcp_inflight_destroy(server->inflight);
    free(server);
}

int mcp_rpc_fail(mcp_rpc_error *error, int code, const char *data_code, const char *format, ...)
{
    error->code = code;
    va_list args;
    va_start(args, format);
    vsnprintf(error->message, sizeof error->message, format, args);
    va_end(args);
    text_utf8_scrub(error->message);
    snprintf(error->data_code, sizeof error->data_code, "%s", data_code ? data_code : "");
    return -1;
}

bool mcp_call_has(const mcp_call *call, permission p)
{
    const auth_principal *principal = call->message->principal;
    if (!principal)
        return false;
    if (principal->kind == PRINCIPAL_MACHINE_KEY)
        return true;
    return permissions_has(principal->permissions, p);
}

/* ---- replies ------------------------------------------------------------------------------ */

static void set_version(mcp_reply *reply, const char *version)
{
    snprintf(reply->protocol_version, sizeof reply->protocol_version, "%s", version ? version : "");
}

/* A last resort when the reply itself cannot be built. */
static void reply_internal(mcp_reply *reply)
{
    static const char text[] =
        "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32603,\"message\":"
        "\"Internal error.\"}}";
    free(reply->body);
    reply->status = 500;
    reply->body = strdup(text);
    set_version(reply, NULL);
}

/* Render and take the reply object (jsonrpc first, then id, then result or error). */
static void reply_with(mcp_reply *reply, int status, json_t *object)
{
    char *text = object ? json_dumps(object, JSON_COMPACT) : NULL;
    json_decref(object);
    if (!text) {
        reply_internal(reply);
        return;
    }
    reply->status = status;
    reply->body = text;
}

static json_t *id_or_null(const json_t *id)
{
    return id ? json_incref((json_t *)id) : json_null();
}

static void reply_error(mcp_reply *reply, int status, const json_t *id, const mcp_rpc_error *error)
{
    json_t *body = json_pack("{s:s, s:o, s:{s:i, s:s}}", "jsonrpc", "2.0", "id", id_or_null(id),
                             "error", "code", error->code, "message", error->message);
    if (body && error->data_code[0])
        json_object_set_new(json_object_get(body, "error"), "data",
                            json_pack("{s:s}", "code", error->data_code));
    reply_with(reply, status, body);
}

static void reply_failure(mcp_reply *reply, int status, const json_t *id, int code,
                          const char *format, ...) __attribute__((format(printf, 5, 6)));

static void reply_failure(mcp_reply *reply, int status, const json_t *id, int code,
                          const char *format, ...)
{
    mcp_rpc_error error = {.code = code};
    va_list args;
    va_start(args, format);
    vsnprintf(error.message, sizeof error.message, format, args);
    va_end(args);
    text_utf8_scrub(error.message);
    reply_error(reply, status, id, &error);
}

static void reply_result(mcp_reply *reply, const json_t *id, json_t *result)
{
    reply_with(
        reply, 200,
        json_pack("{s:s, s:o, s:o}", "jsonrpc", "2.0", "id", id_or_null(id), "result", result));
}

void mcp_reply_clear(mcp_reply *reply)
{
    if (!reply)
        return;
    free(reply->body);
    reply->body = NULL;
}

/* ---- §3.1 origin -------------------------------------------------------------------------- */

/* host[:port] with the scheme's default port removed, lower-cased, into out. */
static void normalized_authority(const char *scheme, const char *authority, size_t length,
                                 char *out, size_t size)
{
    size_t used = length < size - 1 ? length : size - 1;
    for (size_t i = 0; i < used; i++)
        out[i] = (char)tolower((unsigned char)authority[i]);
    out[used] = '\0';
    const char *default_port = !strcasecmp(scheme, "http")    ? ":80"
                               : !strcasecmp(scheme, "https") ? ":443"
                                                              : NULL;
    size_t port_length = default_port ? strlen(default_port) : 0;
    if (default_port && used > port_length && !strcmp(out + used - port_length, default_port) &&
        !strchr(out + used - port_length + 1, ']'))
        out[used - port_length] = '\0';
}

/* An Origin that is present and not blank must be scheme://authority of this request. */
static bool origin_allowed(const mcp_message *message)
{
    const char *origin = message->origin;
    if (!origin || text_is_blank(origin))
        return true;
    if (!message->scheme || !message->authority)
        return false;
    const char *separator = strstr(origin, "://");
    if (!separator || separator == origin)
        return false;
    size_t scheme_length = (size_t)(separator - origin);
    if (strlen(message->scheme) != scheme_length ||
        strncasecmp(origin, message->scheme, scheme_length) != 0)
        return false;
    const char *authority = separator + 3;
    size_t authority_length = strcspn(authority, "/?#");
    if (authority_length == 0 || authority_length > 300)
        return false;
    char theirs[304], ours[304];
    normalized_authority(message->scheme, authority, authority_length, theirs, sizeof theirs);
    normalized_authority(message->scheme, message->authority, strlen(message->authority), ours,
                         sizeof ours);
    return strcmp(theirs, ours) == 0;
}

/* ---- §3.2 protocol version header --------------------------------------------------------- */

static const char *supported_version(const char *text, size_t length)
{
    for (size_t i = 0; i < sizeof supported_versions / sizeof supported_versions[0]; i++)
        if (strlen(supported_versions[i]) == length &&
            !strncmp(text, supported_versions[i], length))
            return supported_versions[i];
    return NULL;
}

/* 0 with *version the supported version the header names (NULL when absent or blank); -1
 * when it names another (shown holds it). */
static int header_version(const char *header, const char **version, char shown[48])
{
    *version = NULL;
    shown[0] = '\0';
    if (!header || text_is_blank(header))
        return 0;
    size_t length = strcspn(header, ",");
    size_t start = 0, end = 0;
    text_trim_bounds(header, length, &start, &end);
    *version = supported_version(header + start, end - start);
    if (*version)
        return 0;
    snprintf(shown, 48, "%.*s", (int)(end - start < 40 ? end - start : 40), header + start);
    text_utf8_scrub(shown);
    return -1;
}

/* ---- §5 initialize and ping --------------------------------------------------------------- */

static json_t *initialize_result(const mcp_server *server, const char *version)
{
    const char *server_version = server->deps.version ? server->deps.version : "dev";
    return json_pack("{s:s, s:{s:{s:b}, s:{s:b, s:b}, s:{s:b}}, s:{s:s, s:s, s:s}, s:s}",
                     "protocolVersion", version, "capabilities", "tools", "listChanged", 0,
                     "resources", "subscribe", 0, "listChanged", 0, "prompts", "listChanged", 0,
                     "serverInfo", "name", SERVER_NAME, "version", server_version, "title",
                     SERVER_TITLE, "instructions", SERVER_INSTRUCTIONS);
}

/* params.protocolVersion is required (else -32602 without a version header); a supported one
 * is echoed, anything else answered with the latest. */
static void handle_initialize(mcp_server *server, const json_t *id, const json_t *params,
                              mcp_reply *reply)
{
    const char *requested = json_string_value(json_object_get(params, "protocolVersion"));
    if (!requested) {
        reply_failure(reply, 200, id, MCP_INVALID_PARAMS,
                      "initialize needs params.protocolVersion (a string).");
        set_version(reply, NULL);
        return;
    }
    const char *version = supported_version(requested, strlen(requested));
    if (!version)
        version = MCP_PROTOCOL_LATEST;
    json_t *result = initialize_result(server, version);
    if (!result) {
        reply_internal(reply);
        return;
    }
    reply_result(reply, id, result);
    set_version(reply, version);
}

/* ---- lists -------------------------------------------------------------------------------- */

json_t *mcp_list_page(const mcp_server *server, const char *kind, const char *member,
                      const json_t *entries, const json_t *params, mcp_rpc_error *error)
{
    const json_t *cursor = json_object_get(params, "cursor");
    size_t total = json_array_size(entries);
    size_t offset = 0;
    if (cursor && !json_is_null(cursor) &&
        (!json_is_string(cursor) ||
         mcp_cursor_decode(kind, json_string_value(cursor), total, &offset) != 0)) {
        mcp_rpc_fail(error, MCP_INVALID_PARAMS, NULL, "The cursor is not valid for %s/list.", kind);
        return NULL;
    }
    size_t end = 0;
    bool has_next = false;
    mcp_cursor_page(total, (size_t)server->list_page_size, offset, &end, &has_next);
    json_t *page = json_array();
    for (size_t i = offset; page && i < end; i++)
        if (json_array_append(page, json_array_get(entries, i)) != 0) {
            json_decref(page);
            page = NULL;
        }
    json_t *result = page ? json_pack("{s:o}", member, page) : NULL;
    char next[MCP_CURSOR_SIZE];
    if (result && has_next &&
        (mcp_cursor_encode(kind, end, next) != 0 ||
         json_object_set_new(result, "nextCursor", json_string(next)) != 0)) {
        json_decref(result);
        result = NULL;
    }
    if (!result)
        mcp_rpc_fail(error, MCP_INTERNAL_ERROR, NULL, "The list could not be built.");
    return result;
}

/* ---- §6 dispatch -------------------------------------------------------------------------- */

typedef json_t *(*method_fn)(mcp_call *call, const json_t *params, mcp_rpc_error *error);

typedef struct method_entry {
    const char *name;
    method_fn run;
} method_entry;

static json_t *handle_ping(mcp_call *call, const json_t *params, mcp_rpc_error *error)
{
    (void)call;
    (void)params;
    json_t *result = json_object();
    if (!result)
        mcp_rpc_fail(error, MCP_INTERNAL_ERROR, NULL, "Out of memory.");
    return result;
}

static const method_entry methods[] = {
    {"ping", handle_ping},
    {"tools/list", mcp_tools_list},
    {"tools/call", mcp_tools_call},
    {"resources/list", mcp_resources_list},
    {"resources/templates/list", mcp_resources_templates},
    {"resources/read", mcp_resources_read},
    {"prompts/list", mcp_prompts_list},
    {"prompts/get", mcp_prompts_get},
};

static const json_t *progress_token_of(const json_t *params)
{
    const json_t *token = json_object_get(json_object_get(params, "_meta"), "progressToken");
    return json_is_string(token) || json_is_integer(token) ? token : NULL;
}

static void dispatch(mcp_server *server, const mcp_message *message, const char *method,
                     const json_t *id, const json_t *params, const char *version, mcp_reply *reply)
{
    if (params && !json_is_object(params)) {
        reply_failure(reply, 200, id, MCP_INVALID_PARAMS, "params must be an object.");
        set_version(reply, version);
        return;
    }
    if (!strcmp(method, "initialize")) {
        handle_initialize(server, id, params, reply);
        return;
    }
    const method_entry *entry = NULL;
    for (size_t i = 0; !entry && i < sizeof methods / sizeof methods[0]; i++)
        if (!strcmp(methods[i].name, method))
            entry = &methods[i];
    set_version(reply, version);
    if (!entry) {
        reply_failure(reply, 200, id, MCP_METHOD_NOT_FOUND, "Method not found: %.128s", method);
        return;
    }
    mcp_call call = {.server = server,
                     .message = message,
                     .id = id,
                     .progress_token = progress_token_of(params),
                     .actor = {.principal = message->principal,
                               .client_address = message->client_address,
                               .user_agent = message->user_agent}};
    mcp_rpc_error error = {0};
    json_t *result = entry->run(&call, params, &error);
    if (call.cancelled) { /* no reply to a cancelled request */
        json_decref(result);
        reply->status = 202;
        set_version(reply, NULL);
        return;
    }
    if (!result) {
        reply_error(reply, 200, id, &error);
        return;
    }
    reply_result(reply, id, result);
}

/* notifications/cancelled {requestId}: stop the caller's own call of that id (same
 * credential), cancelling its job as POST /api/v1/system/jobs/{id}/cancel does. */
static void handle_cancelled(mcp_server *server, const mcp_message *message, const json_t *params)
{
    const json_t *request_id = json_object_get(params, "requestId");
    char credential[MCP_CREDENTIAL_SIZE];
    char job_id[UUID_TEXT_SIZE];
    mcp_inflight_credential(message->principal, credential);
    if (!request_id || !mcp_inflight_cancel(server->inflight, credential, request_id, job_id))
        return;
    audit_actor actor = {.principal = message->principal,
                         .client_address = message->client_address,
                         .user_agent = message->user_agent};
    job_info after;
    nh_error err;
    if (job_admin_cancel(server->deps.processing->jobs, job_id, &actor, &after, &err) == 0)
        job_info_clear(&after);
    else if (err.status != 409) /* 409: it had finished meanwhile */
        log_message(LOG_WARN, "mcp_cancel_failed", "job %s: %s", job_id, err.message);
}

/* ---- §3.3-§3.7 ---------------------------------------------------------------------------- */

/* Envelope shape (§3.5). NULL when fine, else the message. */
static const char *envelope_problem(const json_t *root)
{
    if (!json_is_object(root))
        return "The message must be a JSON object.";
    const json_t *jsonrpc = json_object_get(root, "jsonrpc");
    const json_t *method = json_object_get(root, "method");
    const json_t *id = json_object_get(root, "id");
    if (jsonrpc && !json_is_string(jsonrpc))
        return "The member jsonrpc must be a string.";
    if (method && !json_is_string(method))
        return "The member method must be a string.";
    if (id && !json_is_string(id) && !json_is_number(id) && !json_is_null(id))
        return "The member id must be a string, a number or null.";
    return NULL;
}

static void handle_message(mcp_server *server, const mcp_message *message, const json_t *root,
                           const char *header, mcp_reply *reply)
{
    const json_t *id = json_object_get(root, "id");
    const char *jsonrpc = json_string_value(json_object_get(root, "jsonrpc"));
    if (!jsonrpc || strcmp(jsonrpc, "2.0") != 0) {
        reply_failure(reply, 400, id, MCP_INVALID_REQUEST, "jsonrpc must be \"2.0\".");
        set_version(reply, header);
        return;
    }
    const char *method = json_string_value(json_object_get(root, "method"));
    bool answer = json_object_get(root, "result") || json_object_get(root, "error");
    if (!method && id && answer) { /* a client's reply to us: nothing to do */
        reply->status = 202;
        return;
    }
    if (method && !id) {
        if (!strcmp(method, "notifications/cancelled"))
            handle_cancelled(server, message, json_object_get(root, "params"));
        reply->status = 202;
        return;
    }
    if (method) {
        dispatch(server, message, method, id, json_object_get(root, "params"),
                 header ? header : MCP_PROTOCOL_LATEST, reply);
        return;
    }
    reply_failure(reply, 400, id, MCP_INVALID_REQUEST,
                  "The message is not a valid JSON-RPC "
                  "request, notification or response.");
    set_version(reply, header);
}

void mcp_handle(mcp_server *server, const mcp_message *message, mcp_reply *reply)
{
    memset(reply, 0, sizeof *reply);
    if (!origin_allowed(message)) {
        reply_failure(reply, 403, NULL, MCP_INVALID_REQUEST, "Origin not allowed.");
        return;
    }
    const char *header = NULL;
    char shown[48];
    if (header_version(message->protocol_version_header, &header, shown) != 0) {
        reply_failure(reply, 400, NULL, MCP_INVALID_REQUEST, "Unsupported protocol version: %s",
                      shown);
        return;
    }
    json_error_t parse_error;
    json_t *root = json_loadb(message->body ? message->body : "", message->length,
                              JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &parse_error);
    const char *problem = root ? envelope_problem(root) : NULL;
    if (!root)
        reply_failure(reply, 400, NULL, MCP_PARSE_ERROR, "Parse error: %s", parse_error.text);
    else if (json_is_array(root))
        reply_failure(reply, 400, NULL, MCP_INVALID_REQUEST, "Batches are not supported.");
    else if (problem)
        reply_failure(reply, 400, NULL, MCP_INVALID_REQUEST, "%s", problem);
    else
        handle_message(server, message, root, header, reply);
    if (!root || json_is_array(root) || problem)
        set_version(reply, header);
    json_decref(root);
}

bool mcp_wants_progress(const char *body, size_t length)
{
    if (!body)
        return false;
    json_t *root = json_loadb(body, length, JSON_DECODE_ANY, NULL);
    const char *method = json_string_value(json_object_get(root, "method"));
    bool wants = method && !strcmp(method, "tools/call") && json_object_get(root, "id") &&
                 progress_token_of(json_object_get(root, "params")) != NULL;
    json_decref(root);
    return wants;
}
