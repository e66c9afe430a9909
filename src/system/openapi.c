/* openapi.c - the OpenAPI document built from the route table. */
#include "system/openapi.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/permissions.h"
#include "core/buf.h"
#include "system/system.h"

/* "/api/v1/users/{id:guid}" -> "/api/v1/users/{id}", "{*storageKey}" -> "{storageKey}". */
static void openapi_path(const char *pattern, buf *out)
{
    for (const char *c = pattern; *c; c++) {
        if (*c == '{' && c[1] == '*') {
            buf_append(out, "{", 1);
            c++;
            continue;
        }
        if (*c == ':') { /* skip the constraint up to the closing brace */
            while (c[1] && c[1] != '}')
                c++;
            continue;
        }
        buf_append(out, c, 1);
    }
}

static json_t *path_parameters(const char *pattern)
{
    json_t *parameters = json_array();
    for (const char *open = strchr(pattern, '{'); open; open = strchr(open + 1, '{')) {
        const char *close = strchr(open, '}');
        if (!close)
            break;
        const char *name = open + 1 + (open[1] == '*');
        const char *colon = memchr(name, ':', (size_t)(close - name));
        const char *end = colon ? colon : close;
        json_t *schema = colon ? json_pack("{s:s, s:s}", "type", "string", "format", "uuid")
                               : json_pack("{s:s}", "type", "string");
        json_array_append_new(parameters,
                              json_pack("{s:s%, s:s, s:b, s:o}", "name", name, (size_t)(end - name),
                                        "in", "path", "required", 1, "schema", schema));
    }
    return parameters;
}

static json_t *security_of(const route *entry)
{
    switch (entry->auth) {
    case ROUTE_AUTH_JWT_ONLY:
        return json_pack("[{s:[]}]", "bearerJwt");
    case ROUTE_AUTH_MANAGEMENT:
        return json_pack("[{s:[]}, {s:[]}, {s:[]}]", "bearerJwt", "machineApiKey",
                         "personalApiKey");
    case ROUTE_AUTH_API_KEY_ONLY:
        return json_pack("[{s:[]}, {s:[]}]", "machineApiKey", "personalApiKey");
    case ROUTE_AUTH_ANONYMOUS:
    default:
        return json_array();
    }
}

static json_t *operation_of(const route *entry)
{
    char summary[160];
    const char *permission_text = entry->permission == ROUTE_NO_PERMISSION
                                      ? NULL
                                      : permission_name((permission)entry->permission);
    if (permission_text)
        snprintf(summary, sizeof summary, "Requires the permission %s.", permission_text);
    else
        snprintf(summary, sizeof summary, "%s",
                 entry->auth == ROUTE_AUTH_ANONYMOUS ? "Anonymous." : "Authenticated.");
    json_t *operation = json_pack(
        "{s:s, s:o, s:o, s:{s:{s:s}, s:{s:s}}}", "description", summary, "parameters",
        path_parameters(entry->pattern), "security", security_of(entry), "responses", "default",
        "description", "The data envelope on success, the error envelope otherwise.", "4XX",
        "description", "The error envelope {error: {code, message, traceId, status}}.");
    if (permission_text)
        json_object_set_new(operation, "x-permission", json_string(permission_text));
    if (entry->body == ROUTE_BODY_JSON)
        json_object_set_new(operation, "requestBody",
                            json_pack("{s:{s:{s:{s:s}}}}", "content", "application/json", "schema",
                                      "type", "object"));
    else if (entry->body == ROUTE_BODY_STREAM)
        json_object_set_new(operation, "requestBody",
                            json_pack("{s:{s:{s:{s:s}}}}", "content", "multipart/form-data",
                                      "schema", "type", "object"));
    return operation;
}

static void lower_copy(const char *text, char *out, size_t size)
{
    size_t i = 0;
    for (; text[i] && i + 1 < size; i++)
        out[i] = (char)tolower((unsigned char)text[i]);
    out[i] = '\0';
}

/* The MCP routes (/mcp, /mcp/...) speak JSON-RPC, not this document's envelopes: they are
 * described in docs/mcp.md instead. */
static bool is_hidden(const route *entry)
{
    return !strcmp(entry->pattern, "/mcp") || !strncmp(entry->pattern, "/mcp/", 5);
}

json_t *openapi_document(const route *routes, size_t count, const char *version)
{
    json_t *paths = json_object();
    for (size_t i = 0; i < count; i++) {
        if (is_hidden(&routes[i]))
            continue;
        buf path;
        buf_init(&path, 0);
        openapi_path(routes[i].pattern, &path);
        if (!path.data)
            continue;
        json_t *item = json_object_get(paths, path.data);
        if (!item) {
            item = json_object();
            json_object_set_new(paths, path.data, item);
        }
        char method[16];
        lower_copy(routes[i].method, method, sizeof method);
        json_object_set_new(item, method, operation_of(&routes[i]));
        buf_free(&path);
    }
    return json_pack(
        "{s:s, s:{s:s, s:s, s:s}, s:o, s:{s:{s:{s:s, s:s, s:s}, s:{s:s, s:s}, s:{s:s, s:s}}}}",
        "openapi", "3.1.0", "info", "title", "NekoHub", "version", version, "description",
        "Self-hosted image asset hub. Success: {\"data\": ...}; errors: {\"error\": {code, "
        "message, traceId, status}}.",
        "paths", paths, "components", "securitySchemes", "bearerJwt", "type", "http", "scheme",
        "bearer", "bearerFormat", "JWT", "machineApiKey", "type", "http", "scheme", "bearer",
        "personalApiKey", "type", "http", "scheme", "bearer");
}

void system_openapi(http_request *request, http_response *response)
{
    const system_context *system = request->context;
    json_t *document = openapi_document(system->routes, system->route_count, system->version);
    char *text = document ? json_dumps(document, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(document);
    if (!text) {
        nh_error err;
        error_internal(&err);
        http_reply_error(response, &err);
        return;
    }
    http_reply_bytes(response, 200, "application/json; charset=utf-8", text, strlen(text));
    free(text);
}
