/* mcp_views.c - the MCP views as member tables, their projection and their schemas (see
 * mcp_views.h). The member types follow what the services emit (asset_json.c,
 * processing_json.c, provider_json.c) and the NOT NULL columns behind them. */
#include "mcp/mcp_views.h"

#include <stdbool.h>
#include <string.h>

#define S_STRING "{\"type\":\"string\"}"
#define S_STRING_NULL "{\"type\":[\"string\",\"null\"]}"
#define S_UUID "{\"type\":\"string\",\"format\":\"uuid\"}"
#define S_TIME "{\"type\":\"string\",\"format\":\"date-time\"}"
#define S_INT "{\"type\":\"integer\"}"
#define S_INT_NULL "{\"type\":[\"integer\",\"null\"]}"
#define S_NUMBER_NULL "{\"type\":[\"number\",\"null\"]}"
#define S_BOOL "{\"type\":\"boolean\"}"
#define S_BOOL_NULL "{\"type\":[\"boolean\",\"null\"]}"
#define S_STRINGS "{\"type\":\"array\",\"items\":{\"type\":\"string\"}}"
#define S_STRINGS_NULL "{\"type\":[\"array\",\"null\"],\"items\":{\"type\":\"string\"}}"
#define S_UUIDS "{\"type\":\"array\",\"items\":{\"type\":\"string\",\"format\":\"uuid\"}}"
#define S_SCALAR_NULL "{\"type\":[\"string\",\"number\",\"boolean\",\"null\"]}"
#define S_OBJECT_NULL "{\"type\":[\"object\",\"null\"]}"

#define VALUE(name, schema)                                                                        \
    {                                                                                              \
        name, MCP_MEMBER_VALUE, schema, NULL                                                       \
    }
#define OBJECT(name, view)                                                                         \
    {                                                                                              \
        name, MCP_MEMBER_OBJECT, NULL, &view                                                       \
    }
#define NULLABLE(name, view)                                                                       \
    {                                                                                              \
        name, MCP_MEMBER_NULLABLE_OBJECT, NULL, &view                                              \
    }
#define ARRAY(name, view)                                                                          \
    {                                                                                              \
        name, MCP_MEMBER_ARRAY, NULL, &view                                                        \
    }
#define VIEW(members)                                                                              \
    {                                                                                              \
        members, sizeof members / sizeof members[0]                                                \
    }

/* ---- assets ------------------------------------------------------------------------------- */

static const mcp_member derivative_members[] = {
    VALUE("kind", S_STRING),           VALUE("contentType", S_STRING),
    VALUE("extension", S_STRING),      VALUE("size", S_INT),
    VALUE("width", S_INT_NULL),        VALUE("height", S_INT_NULL),
    VALUE("publicUrl", S_STRING_NULL), VALUE("createdAtUtc", S_TIME),
};
static const mcp_view derivative_view = VIEW(derivative_members);

static const mcp_member structured_members[] = {
    VALUE("kind", S_STRING),
    VALUE("payloadJson", S_STRING_NULL),
    VALUE("createdAtUtc", S_TIME),
};
static const mcp_view structured_view = VIEW(structured_members);

static const mcp_member step_members[] = {
    VALUE("stepName", S_STRING_NULL), VALUE("status", S_STRING),
    VALUE("succeeded", S_BOOL),       VALUE("errorMessage", S_STRING_NULL),
    VALUE("message", S_STRING_NULL),  VALUE("startedAtUtc", S_TIME),
    VALUE("completedAtUtc", S_TIME),
};
static const mcp_view step_view = VIEW(step_members);

static const mcp_member execution_members[] = {
    VALUE("executionId", S_UUID),
    VALUE("skillName", S_STRING_NULL),
    VALUE("triggerSource", S_STRING_NULL),
    VALUE("startedAtUtc", S_TIME),
    VALUE("completedAtUtc", S_TIME),
    VALUE("succeeded", S_BOOL),
    ARRAY("steps", step_view),
};
static const mcp_view execution_view = VIEW(execution_members);

static const mcp_member processing_members[] = {
    VALUE("state", S_STRING),
    VALUE("pendingJobs", S_INT),
    VALUE("lastError", S_STRING_NULL),
};
static const mcp_view processing_view = VIEW(processing_members);

static const mcp_member asset_members[] = {
    VALUE("id", S_UUID),
    VALUE("type", S_STRING),
    VALUE("status", S_STRING),
    VALUE("originalFileName", S_STRING_NULL),
    VALUE("contentType", S_STRING),
    VALUE("extension", S_STRING),
    VALUE("size", S_INT),
    VALUE("width", S_INT_NULL),
    VALUE("height", S_INT_NULL),
    VALUE("checksumSha256", S_STRING_NULL),
    VALUE("publicUrl", S_STRING_NULL),
    VALUE("isPublic", S_BOOL),
    VALUE("description", S_STRING_NULL),
    VALUE("altText", S_STRING_NULL),
    VALUE("createdAtUtc", S_TIME),
    VALUE("updatedAtUtc", S_TIME),
    ARRAY("derivatives", derivative_view),
    ARRAY("structuredResults", structured_view),
    NULLABLE("latestExecutionSummary", execution_view),
    OBJECT("processing", processing_view),
};
const mcp_view MCP_VIEW_ASSET = VIEW(asset_members);

static const mcp_member item_members[] = {
    VALUE("id", S_UUID),
    VALUE("type", S_STRING),
    VALUE("status", S_STRING),
    VALUE("originalFileName", S_STRING_NULL),
    VALUE("contentType", S_STRING),
    VALUE("size", S_INT),
    VALUE("width", S_INT_NULL),
    VALUE("height", S_INT_NULL),
    VALUE("publicUrl", S_STRING_NULL),
    VALUE("isPublic", S_BOOL),
    VALUE("createdAtUtc", S_TIME),
    VALUE("updatedAtUtc", S_TIME),
};
static const mcp_view item_view = VIEW(item_members);

static const mcp_member page_members[] = {
    ARRAY("items", item_view),
    VALUE("page", S_INT),
    VALUE("pageSize", S_INT),
    VALUE("total", S_INT),
};
const mcp_view MCP_VIEW_ASSET_PAGE = VIEW(page_members);

static const mcp_member derivatives_members[] = {
    VALUE("assetId", S_UUID),
    ARRAY("derivatives", derivative_view),
};
const mcp_view MCP_VIEW_DERIVATIVES = VIEW(derivatives_members);

static const mcp_member structured_results_members[] = {
    VALUE("assetId", S_UUID),
    ARRAY("structuredResults", structured_view),
};
const mcp_view MCP_VIEW_STRUCTURED = VIEW(structured_results_members);

static const mcp_member content_url_members[] = {
    VALUE("id", S_UUID),
    VALUE("contentUrl", S_STRING),
    VALUE("preserveMethod", S_BOOL),
};
const mcp_view MCP_VIEW_CONTENT_URL = VIEW(content_url_members);

static const mcp_member breakdown_members[] = {
    VALUE("contentType", S_STRING_NULL),
    VALUE("count", S_INT),
    VALUE("totalBytes", S_INT),
};
static const mcp_view breakdown_view = VIEW(breakdown_members);

static const mcp_member active_skill_members[] = {
    VALUE("skillName", S_STRING_NULL),
    VALUE("runCount", S_INT),
};
static const mcp_view active_skill_view = VIEW(active_skill_members);

static const mcp_member usage_members[] = {
    VALUE("totalAssets", S_INT),
    VALUE("totalBytes", S_INT),
    VALUE("totalDerivatives", S_INT),
    ARRAY("contentTypeBreakdown", breakdown_view),
    NULLABLE("mostActiveSkill", active_skill_view),
};
const mcp_view MCP_VIEW_USAGE = VIEW(usage_members);

static const mcp_member asset_deleted_members[] = {
    VALUE("id", S_UUID),
    VALUE("status", S_STRING),
    VALUE("deletedAtUtc", S_TIME),
};
const mcp_view MCP_VIEW_ASSET_DELETED = VIEW(asset_deleted_members);

static const mcp_member failure_members[] = {
    VALUE("id", S_UUID),
    VALUE("code", S_STRING),
    VALUE("message", S_STRING),
    VALUE("status", S_INT),
};
static const mcp_view failure_view = VIEW(failure_members);

static const mcp_member batch_members[] = {
    VALUE("requestedCount", S_INT),
    VALUE("deletedCount", S_INT),
    VALUE("notFoundIds", S_UUIDS),
    ARRAY("failures", failure_view),
};
const mcp_view MCP_VIEW_BATCH_DELETED = VIEW(batch_members);

/* ---- skills ------------------------------------------------------------------------------- */

static const mcp_member parameter_members[] = {
    VALUE("name", S_STRING),         VALUE("type", S_STRING),
    VALUE("required", S_BOOL),       VALUE("default", S_SCALAR_NULL),
    VALUE("values", S_STRINGS_NULL), VALUE("minimum", S_NUMBER_NULL),
    VALUE("maximum", S_NUMBER_NULL),
};
static const mcp_view parameter_view = VIEW(parameter_members);

static const mcp_member skill_members[] = {
    VALUE("skillName", S_STRING),
    VALUE("description", S_STRING),
    VALUE("steps", S_STRINGS),
    ARRAY("parameters", parameter_view),
};
const mcp_view MCP_VIEW_SKILL = VIEW(skill_members);

static const mcp_member skills_members[] = {
    ARRAY("skills", MCP_VIEW_SKILL),
};
const mcp_view MCP_VIEW_SKILLS = VIEW(skills_members);

static const mcp_member run_step_members[] = {
    VALUE("name", S_STRING_NULL),         VALUE("succeeded", S_BOOL),
    VALUE("errorMessage", S_STRING_NULL), VALUE("status", S_STRING),
    VALUE("message", S_STRING_NULL),
};
static const mcp_view run_step_view = VIEW(run_step_members);

static const mcp_member run_members[] = {
    VALUE("state", S_STRING),      VALUE("succeeded", S_BOOL_NULL), VALUE("skillName", S_STRING),
    ARRAY("steps", run_step_view), OBJECT("asset", MCP_VIEW_ASSET), VALUE("executionId", S_UUID),
    VALUE("jobId", S_UUID),
};
const mcp_view MCP_VIEW_RUN = VIEW(run_members);

/* ---- storage profiles --------------------------------------------------------------------- */

static const mcp_member capability_members[] = {
    VALUE("supportsPublicRead", S_BOOL),
    VALUE("supportsPrivateRead", S_BOOL),
    VALUE("supportsVisibilityToggle", S_BOOL),
    VALUE("supportsDelete", S_BOOL),
    VALUE("supportsDirectPublicUrl", S_BOOL),
    VALUE("requiresAccessProxy", S_BOOL),
    VALUE("recommendedForPrimaryStorage", S_BOOL),
    VALUE("isPlatformBacked", S_BOOL),
    VALUE("isExperimental", S_BOOL),
    VALUE("requiresTokenForPrivateRead", S_BOOL),
};
static const mcp_view capability_view = VIEW(capability_members);

static const mcp_member summary_members[] = {
    VALUE("providerName", S_STRING_NULL),   VALUE("rootPath", S_STRING_NULL),
    VALUE("endpointHost", S_STRING_NULL),   VALUE("bucketOrContainer", S_STRING_NULL),
    VALUE("region", S_STRING_NULL),         VALUE("publicBaseUrl", S_STRING_NULL),
    VALUE("forcePathStyle", S_BOOL_NULL),   VALUE("owner", S_STRING_NULL),
    VALUE("repository", S_STRING_NULL),     VALUE("reference", S_STRING_NULL),
    VALUE("releaseTagMode", S_STRING_NULL), VALUE("fixedTag", S_STRING_NULL),
    VALUE("pathPrefix", S_STRING_NULL),     VALUE("visibilityPolicy", S_STRING_NULL),
    VALUE("basePath", S_STRING_NULL),       VALUE("assetPathPrefix", S_STRING_NULL),
    VALUE("apiBaseUrl", S_STRING_NULL),     VALUE("rawBaseUrl", S_STRING_NULL),
};
static const mcp_view summary_view = VIEW(summary_members);

static const mcp_member profile_members[] = {
    VALUE("id", S_UUID),
    VALUE("name", S_STRING),
    VALUE("displayName", S_STRING_NULL),
    VALUE("providerType", S_STRING),
    VALUE("isEnabled", S_BOOL),
    VALUE("isDefault", S_BOOL),
    OBJECT("capabilities", capability_view),
    OBJECT("configurationSummary", summary_view),
    VALUE("configuration", S_OBJECT_NULL),
    VALUE("secretFieldsSet", S_STRINGS),
    VALUE("createdAtUtc", S_TIME),
    VALUE("updatedAtUtc", S_TIME),
};
const mcp_view MCP_VIEW_PROFILE = VIEW(profile_members);

static const mcp_member profiles_members[] = {
    ARRAY("profiles", MCP_VIEW_PROFILE),
};
const mcp_view MCP_VIEW_PROFILES = VIEW(profiles_members);

static const mcp_member profile_deleted_members[] = {
    VALUE("id", S_UUID),
    VALUE("wasDefault", S_BOOL),
    VALUE("status", S_STRING),
    VALUE("deletedAtUtc", S_TIME),
};
const mcp_view MCP_VIEW_PROFILE_DELETED = VIEW(profile_deleted_members);

/* ---- projection ------------------------------------------------------------------------- */

static json_t *project_member(const mcp_member *member, const json_t *value)
{
    switch (member->kind) {
    case MCP_MEMBER_VALUE:
        return value ? json_incref((json_t *)value) : json_null();
    case MCP_MEMBER_OBJECT:
        return mcp_view_project(member->view, value);
    case MCP_MEMBER_NULLABLE_OBJECT:
        return json_is_object(value) ? mcp_view_project(member->view, value) : json_null();
    case MCP_MEMBER_ARRAY: {
        json_t *array = json_array();
        size_t index;
        const json_t *item;
        json_array_foreach(value, index, item)
        {
            if (!array || json_array_append_new(array, mcp_view_project(member->view, item)) != 0) {
                json_decref(array);
                return NULL;
            }
        }
        return array;
    }
    }
    return NULL;
}

json_t *mcp_view_project(const mcp_view *view, const json_t *source)
{
    json_t *out = json_object();
    for (size_t i = 0; out && i < view->count; i++) {
        const mcp_member *member = &view->members[i];
        json_t *value = project_member(member, json_object_get(source, member->name));
        if (!value || json_object_set_new(out, member->name, value) != 0) {
            json_decref(out);
            return NULL;
        }
    }
    return out;
}

/* ---- schemas ---------------------------------------------------------------------------- */

static json_t *object_schema(const mcp_view *view, bool nullable);

static json_t *member_schema(const mcp_member *member)
{
    switch (member->kind) {
    case MCP_MEMBER_VALUE:
        return json_loads(member->schema, 0, NULL);
    case MCP_MEMBER_OBJECT:
        return object_schema(member->view, false);
    case MCP_MEMBER_NULLABLE_OBJECT:
        return object_schema(member->view, true);
    case MCP_MEMBER_ARRAY: {
        json_t *items = object_schema(member->view, false);
        return items ? json_pack("{s:s, s:o}", "type", "array", "items", items) : NULL;
    }
    }
    return NULL;
}

static json_t *object_schema(const mcp_view *view, bool nullable)
{
    json_t *properties = json_object();
    json_t *required = json_array();
    bool failed = !properties || !required;
    for (size_t i = 0; !failed && i < view->count; i++) {
        const mcp_member *member = &view->members[i];
        json_t *schema = member_schema(member);
        failed = !schema || json_object_set_new(properties, member->name, schema) != 0 ||
                 json_array_append_new(required, json_string(member->name)) != 0;
    }
    if (failed) {
        json_decref(properties);
        json_decref(required);
        return NULL;
    }
    json_t *type = nullable ? json_pack("[s, s]", "object", "null") : json_string("object");
    return json_pack("{s:o, s:o, s:o, s:b}", "type", type, "properties", properties, "required",
                     required, "additionalProperties", 0);
}

json_t *mcp_view_schema(const mcp_view *view)
{
    return object_schema(view, false);
}
