/* mcp_resources.c - resources (spec §10 with issue 13's corrections): resources/list lists
 * the skill:// resource of every runnable skill (paginated), resources/templates/list the
 * asset://{id} templates and skill://{name}, resources/read answers asset://<guid>,
 * asset://<guid>/derivatives, asset://<guid>/structured-results and skill://<name>. Reading
 * needs assets.read (else -32602 with data.code auth_forbidden). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "assets/asset_json.h"
#include "assets/asset_service.h"
#include "core/buf.h"
#include "core/uuid.h"
#include "mcp/mcp_internal.h"
#include "mcp/mcp_views.h"
#include "processing/processing.h"
#include "processing/skill_catalog.h"

#define MIME_JSON "application/json"
#define URI_MAX 2048

/* ---- lists -------------------------------------------------------------------------------- */

static json_t *skill_resources(void)
{
    json_t *skills = processing_runnable_skills_json();
    json_t *list = skills ? json_array() : NULL;
    size_t index;
    const json_t *skill;
    json_array_foreach(skills, index, skill)
    {
        const char *name = json_string_value(json_object_get(skill, "skillName"));
        char uri[128];
        snprintf(uri, sizeof uri, "skill://%s", name ? name : "");
        json_t *entry = json_pack("{s:s, s:s, s:s?, s:O?, s:s}", "uri", uri, "name", "skill_detail",
                                  "title", name, "description",
                                  json_object_get(skill, "description"), "mimeType", MIME_JSON);
        if (!entry || json_array_append_new(list, entry) != 0) {
            json_decref(list);
            list = NULL;
            break;
        }
    }
    json_decref(skills);
    return list;
}

static int compare_uri(const void *a, const void *b)
{
    const json_t *left = *(json_t *const *)a;
    const json_t *right = *(json_t *const *)b;
    return strcmp(json_string_value(json_object_get(left, "uri")),
                  json_string_value(json_object_get(right, "uri")));
}

/* Sorted by URI (ordinal). */
static json_t *sorted_by_uri(json_t *list)
{
    size_t count = json_array_size(list);
    json_t **items = calloc(count ? count : 1, sizeof *items);
    json_t *sorted = items ? json_array() : NULL;
    for (size_t i = 0; items && i < count; i++)
        items[i] = json_array_get(list, i);
    if (items)
        qsort(items, count, sizeof *items, compare_uri);
    for (size_t i = 0; sorted && i < count; i++)
        if (json_array_append(sorted, items[i]) != 0) {
            json_decref(sorted);
            sorted = NULL;
        }
    free(items);
    json_decref(list);
    return sorted;
}

json_t *mcp_resources_list(mcp_call *call, const json_t *params, mcp_rpc_error *error)
{
    json_t *list = skill_resources();
    list = list ? sorted_by_uri(list) : NULL;
    if (!list) {
        mcp_rpc_fail(error, MCP_INTERNAL_ERROR, NULL, "The resources could not be listed.");
        return NULL;
    }
    json_t *page = mcp_list_page(call->server, "resources", "resources", list, params, error);
    json_decref(list);
    return page;
}

static json_t *template_entry(const char *uri, const char *name, const char *title,
                              const char *description)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s}", "uriTemplate", uri, "name", name, "title", title,
                     "description", description, "mimeType", MIME_JSON);
}

json_t *mcp_resources_templates(mcp_call *call, const json_t *params, mcp_rpc_error *error)
{
    json_t *list = json_pack(
        "[o, o, o, o]",
        template_entry("asset://{id}", "asset_detail", "Asset Detail",
                       "One asset: metadata, derivatives, structured results, the latest "
                       "execution and its processing state."),
        template_entry("asset://{id}/derivatives", "asset_derivatives", "Asset Derivatives",
                       "The derivatives (thumbnails, previews) of one asset."),
        template_entry("asset://{id}/structured-results", "asset_structured_results",
                       "Asset Structured Results",
                       "The structured results (captions, analyses) of one asset."),
        template_entry("skill://{name}", "skill_detail", "Skill Detail",
                       "One skill: its steps and parameters."));
    if (!list) {
        mcp_rpc_fail(error, MCP_INTERNAL_ERROR, NULL, "The templates could not be listed.");
        return NULL;
    }
    json_t *page =
        mcp_list_page(call->server, "templates", "resourceTemplates", list, params, error);
    json_decref(list);
    return page;
}

/* ---- reading ------------------------------------------------------------------------------ */

/* An absolute URI taken apart: scheme and host lower-cased, the path as given. */
typedef struct parsed_uri {
    char scheme[16];
    char host[256];
    char path[URI_MAX];
} parsed_uri;

static void lower(char *text)
{
    for (; *text; text++)
        *text = (char)tolower((unsigned char)*text);
}

/* scheme "://" authority [path]; false when it is not absolute (or too long to be ours). */
static bool parse_uri(const char *uri, parsed_uri *out)
{
    const char *separator = strstr(uri, "://");
    if (!separator || separator == uri || strlen(uri) >= URI_MAX)
        return false;
    size_t scheme_length = (size_t)(separator - uri);
    if (scheme_length >= sizeof out->scheme || !isalpha((unsigned char)uri[0]))
        return false;
    for (size_t i = 0; i < scheme_length; i++)
        if (!isalnum((unsigned char)uri[i]) && !strchr("+-.", uri[i]))
            return false;
    memcpy(out->scheme, uri, scheme_length);
    out->scheme[scheme_length] = '\0';
    const char *authority = separator + 3;
    size_t host_length = strcspn(authority, "/?#");
    if (host_length >= sizeof out->host)
        return false;
    memcpy(out->host, authority, host_length);
    out->host[host_length] = '\0';
    snprintf(out->path, sizeof out->path, "%s", authority + host_length);
    lower(out->scheme);
    lower(out->host);
    return true;
}

static json_t *read_result(const char *uri, const json_t *value)
{
    char *text = value ? json_dumps(value, JSON_COMPACT) : NULL;
    json_t *result = text ? json_pack("{s:[{s:s, s:s, s:s}]}", "contents", "uri", uri, "mimeType",
                                      MIME_JSON, "text", text)
                          : NULL;
    free(text);
    return result;
}

/* A service error as a resource error: -32602 with data.code (-32603 for server failures). */
static json_t *resource_failure(mcp_rpc_error *error, const nh_error *err)
{
    bool internal = err->status >= 500;
    mcp_rpc_fail(error, internal ? MCP_INTERNAL_ERROR : MCP_INVALID_PARAMS,
                 strcmp(err->code, "internal_server_error") ? err->code : NULL, "%s",
                 internal && !strcmp(err->code, "internal_server_error")
                     ? "The resource could not be read."
                     : err->message);
    return NULL;
}

static json_t *domain_failure(mcp_rpc_error *error, const char *code, const char *message)
{
    mcp_rpc_fail(error, MCP_INVALID_PARAMS, code, "%s", message);
    return NULL;
}

typedef enum { ASSET_PART_DETAIL, ASSET_PART_DERIVATIVES, ASSET_PART_STRUCTURED } asset_part;

static json_t *asset_value(const json_t *detail, const char *id, asset_part part)
{
    if (part == ASSET_PART_DETAIL)
        return mcp_view_project(&MCP_VIEW_ASSET, detail);
    const char *member = part == ASSET_PART_DERIVATIVES ? "derivatives" : "structuredResults";
    json_t *source =
        json_pack("{s:s, s:O?}", "assetId", id, member, json_object_get(detail, member));
    const mcp_view *view =
        part == ASSET_PART_DERIVATIVES ? &MCP_VIEW_DERIVATIVES : &MCP_VIEW_STRUCTURED;
    json_t *value = source ? mcp_view_project(view, source) : NULL;
    json_decref(source);
    return value;
}

static json_t *read_asset(mcp_call *call, const parsed_uri *uri, mcp_rpc_error *error)
{
    char id[UUID_TEXT_SIZE];
    if (!uuid_parse(uri->host, id))
        return domain_failure(error, "resource_uri_invalid", "The asset id is not a GUID.");
    asset_part part;
    if (!uri->path[0] || !strcmp(uri->path, "/"))
        part = ASSET_PART_DETAIL;
    else if (!strcmp(uri->path, "/derivatives"))
        part = ASSET_PART_DERIVATIVES;
    else if (!strcmp(uri->path, "/structured-results"))
        part = ASSET_PART_STRUCTURED;
    else
        return domain_failure(error, "resource_not_found", "There is no such asset resource.");
    asset_detail detail;
    nh_error err;
    if (asset_service_detail(call->server->deps.assets, id, false, &detail, &err) != 0)
        return resource_failure(error, &err);
    json_t *source = asset_json_detail(&detail);
    asset_detail_free(&detail);
    json_t *value = source ? asset_value(source, id, part) : NULL;
    json_decref(source);
    char shown[sizeof uri->host + sizeof uri->path + 16];
    snprintf(shown, sizeof shown, "asset://%s%s", uri->host, uri->path);
    json_t *result = value ? read_result(shown, value) : NULL;
    json_decref(value);
    if (!result)
        mcp_rpc_fail(error, MCP_INTERNAL_ERROR, NULL, "The resource could not be read.");
    return result;
}

/* The runnable skill a name or alias resolves to (processing_runnable_skills_json entry). */
static json_t *find_skill(const char *name)
{
    const skill_definition *skill = skill_catalog_find(name);
    json_t *skills = skill ? processing_runnable_skills_json() : NULL;
    json_t *found = NULL;
    size_t index;
    json_t *entry;
    json_array_foreach(skills, index, entry)
    {
        if (!strcmp(json_string_value(json_object_get(entry, "skillName")), skill->name))
            found = json_incref(entry);
    }
    json_decref(skills);
    return found;
}

static json_t *read_skill(const parsed_uri *uri, mcp_rpc_error *error)
{
    if (!uri->host[0])
        return domain_failure(error, "resource_uri_invalid", "The skill name is empty.");
    if (uri->path[0] && strcmp(uri->path, "/") != 0)
        return domain_failure(error, "resource_not_found", "There is no such skill resource.");
    json_t *skill = find_skill(uri->host);
    if (!skill)
        return domain_failure(error, "skill_not_found", "The skill was not found.");
    json_t *value = mcp_view_project(&MCP_VIEW_SKILL, skill);
    json_decref(skill);
    char shown[sizeof uri->host + 16];
    snprintf(shown, sizeof shown, "skill://%s", uri->host);
    json_t *result = value ? read_result(shown, value) : NULL;
    json_decref(value);
    if (!result)
        mcp_rpc_fail(error, MCP_INTERNAL_ERROR, NULL, "The resource could not be read.");
    return result;
}

json_t *mcp_resources_read(mcp_call *call, const json_t *params, mcp_rpc_error *error)
{
    const char *text = json_string_value(json_object_get(params, "uri"));
    parsed_uri uri;
    if (!json_is_object(params) || !text) {
        mcp_rpc_fail(error, MCP_INVALID_PARAMS, NULL, "resources/read needs params.uri.");
        return NULL;
    }
    if (!parse_uri(text, &uri)) {
        mcp_rpc_fail(error, MCP_INVALID_PARAMS, NULL, "The uri is not an absolute URI.");
        return NULL;
    }
    bool asset = !strcmp(uri.scheme, "asset");
    if (!asset && strcmp(uri.scheme, "skill") != 0) {
        mcp_rpc_fail(error, MCP_INVALID_PARAMS, NULL, "No resource handler for the scheme %s.",
                     uri.scheme);
        return NULL;
    }
    if (!mcp_call_has(call, PERMISSION_ASSETS_READ))
        return domain_failure(error, "auth_forbidden",
                              "Reading resources requires the permission assets.read.");
    return asset ? read_asset(call, &uri, error) : read_skill(&uri, error);
}
