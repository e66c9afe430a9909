/* mcp_tools.c - the tool table (spec §9 with issue 13's corrections), tools/list and
 * tools/call: the permission of the tool's REST twin, the arguments against the input schema,
 * the call, and the result projected onto the tool's view (structuredContent, and the same
 * JSON as text content). */
#include "mcp/mcp_tools.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/uuid.h"
#include "mcp/mcp_schema.h"
#include "mcp/mcp_views.h"

typedef struct tool_definition {
    const char *name;
    const char *title;
    const char *description;
    bool read_only;
    bool destructive;
    bool idempotent;
    permission required;
    const char *input_schema; /* JSON text (mcp_schema.h subset) */
    const mcp_view *output;
    mcp_tool_fn run;
} tool_definition;

#define UUID_ARG(what) "{\"type\":\"string\",\"format\":\"uuid\",\"description\":\"" what "\"}"
#define TEXT_OR_NULL(what) "{\"type\":[\"string\",\"null\"],\"description\":\"" what "\"}"
#define NO_ARGUMENTS "{\"type\":\"object\",\"properties\":{},\"additionalProperties\":false}"

/* Sorted by name (tools/list order). */
static const tool_definition tools[] =
    {
        {"batch_delete_assets", "Batch Delete Assets",
         "Permanently deletes several assets with their derivatives and stored files. Ids that do "
         "not exist are listed in notFoundIds; other failures in failures.",
         false, true, false, PERMISSION_ASSETS_DELETE,
         "{\"type\":\"object\",\"properties\":{\"ids\":{\"type\":\"array\",\"items\":{\"type\":"
         "\"string\",\"format\":\"uuid\"},\"description\":\"The asset "
         "ids.\"}},\"required\":[\"ids\"],"
         "\"additionalProperties\":false}",
         &MCP_VIEW_BATCH_DELETED, mcp_tool_batch_delete_assets},
        {"create_storage_profile", "Create Storage Profile",
         "Creates a storage provider profile (local, s3-compatible, github-repo, github-releases). "
         "Secrets go in secretConfiguration and are never returned.",
         false, false, false, PERMISSION_PROVIDERS_CREATE,
         "{\"type\":\"object\",\"properties\":{"
         "\"name\":{\"type\":\"string\",\"minLength\":1,\"description\":\"Unique name.\"},"
         "\"displayName\":" TEXT_OR_NULL(
             "Name shown to people.") ","
                                      "\"providerType\":{\"type\":\"string\",\"minLength\":1,"
                                      "\"description\":\"local, "
                                      "s3-compatible, github-repo or github-releases.\"},"
                                      "\"isEnabled\":{\"type\":\"boolean\",\"default\":true},"
                                      "\"isDefault\":{\"type\":\"boolean\",\"default\":false},"
                                      "\"configuration\":{\"type\":\"object\","
                                      "\"additionalProperties\":true,\"description\":"
                                      "\"The provider's non-secret settings.\"},"
                                      "\"secretConfiguration\":{\"type\":[\"object\",\"null\"],"
                                      "\"additionalProperties\":true,"
                                      "\"description\":\"The provider's secrets (access keys, "
                                      "tokens).\"}},"
                                      "\"required\":[\"name\",\"providerType\",\"configuration\"],"
                                      "\"additionalProperties\":false}",
         &MCP_VIEW_PROFILE, mcp_tool_create_storage_profile},
        {"delete_asset", "Delete Asset",
         "Permanently deletes one asset with its derivatives and stored files.", false, true, false,
         PERMISSION_ASSETS_DELETE,
         "{\"type\":\"object\",\"properties\":{\"id\":" UUID_ARG(
             "The asset id.") ","
                              "\"commitMessage\":" TEXT_OR_NULL(
                                  "Commit message for Git-backed storage.") "},"
                                                                            "\"required\":[\"id\"],"
                                                                            "\"additionalProperties"
                                                                            "\":false}",
         &MCP_VIEW_ASSET_DELETED, mcp_tool_delete_asset},
        {"delete_storage_profile", "Delete Storage Profile",
         "Deletes a storage provider profile; one that assets still use is only disabled.", false,
         true, false, PERMISSION_PROVIDERS_DELETE,
         "{\"type\":\"object\",\"properties\":{\"id\":" UUID_ARG(
             "The profile id.") "},"
                                "\"required\":[\"id\"],\"additionalProperties\":false}",
         &MCP_VIEW_PROFILE_DELETED, mcp_tool_delete_storage_profile},
        {"get_asset", "Get Asset",
         "Reads one asset: metadata, derivatives, structured results, the latest skill execution "
         "and how its processing stands.",
         true, false, true, PERMISSION_ASSETS_READ,
         "{\"type\":\"object\",\"properties\":{\"id\":" UUID_ARG(
             "The asset id.") "},"
                              "\"required\":[\"id\"],\"additionalProperties\":false}",
         &MCP_VIEW_ASSET, mcp_tool_get_asset},
        {"get_asset_content_url", "Get Asset Content URL",
         "Returns the public URL of a public asset's content (private assets have none).", true,
         false, true, PERMISSION_ASSETS_READ,
         "{\"type\":\"object\",\"properties\":{\"id\":" UUID_ARG(
             "The asset id.") "},"
                              "\"required\":[\"id\"],\"additionalProperties\":false}",
         &MCP_VIEW_CONTENT_URL, mcp_tool_get_asset_content_url},
        {"get_asset_usage_stats", "Get Asset Usage Stats",
         "Counts assets, bytes and derivatives, by content type, and the most active skill.", true,
         false, true, PERMISSION_ASSETS_READ, NO_ARGUMENTS, &MCP_VIEW_USAGE,
         mcp_tool_get_asset_usage_stats},
        {"list_assets", "List Assets",
         "Lists assets page by page, newest first unless ordered otherwise, with optional "
         "filters.",
         true, false, true, PERMISSION_ASSETS_READ,
         "{\"type\":\"object\",\"properties\":{"
         "\"page\":{\"type\":\"integer\",\"minimum\":1,\"default\":1},"
         "\"pageSize\":{\"type\":\"integer\",\"minimum\":1,\"description\":\"Default 20, at most "
         "100 (the server's Api__Assets__MaxPageSize).\"},"
         "\"query\":" TEXT_OR_NULL(
             "Matches file name, description and alt text.") ","
                                                             "\"contentType\":" TEXT_OR_NULL(
                                                                 "Exact content type, e.g. "
                                                                 "image/png.") ","
                                                                               "\"status\""
                                                                               ":" TEXT_OR_NULL(
                                                                                   "pending, "
                                                                                   "ready, deleted "
                                                                                   "or failed.") ","
                                                                                                 "\"orderBy\":" TEXT_OR_NULL(
                                                                                                     "createdAt (default) or size.") ","
                                                                                                                                     "\"orderDirection\":" TEXT_OR_NULL(
                                                                                                                                         "desc (default) or asc.") "},"
                                                                                                                                                                   "\"additionalProperties\":false}",
         &MCP_VIEW_ASSET_PAGE, mcp_tool_list_assets},
        {"list_skills", "List Skills",
         "Lists every skill that run_asset_skill can run, with its steps and parameters.", true,
         false, true, PERMISSION_ASSETS_READ, NO_ARGUMENTS, &MCP_VIEW_SKILLS, mcp_tool_list_skills},
        {"list_storage_profiles", "List Storage Profiles",
         "Lists the storage provider profiles (never their secrets).", true, false, true,
         PERMISSION_PROVIDERS_READ, NO_ARGUMENTS, &MCP_VIEW_PROFILES,
         mcp_tool_list_storage_profiles},
        {"patch_asset", "Patch Asset",
         "Changes an asset's description, alt text, file name or visibility. An absent argument "
         "is kept, null clears a text.",
         false, false, false, PERMISSION_ASSETS_UPDATE,
         "{\"type\":\"object\",\"properties\":{\"id\":" UUID_ARG(
             "The asset id.") ","
                              "\"description\":" TEXT_OR_NULL(
                                  "At most 1000 characters.") ","
                                                              "\"altText\":" TEXT_OR_NULL(
                                                                  "At most 1000 characters.") ","
                                                                                              "\"or"
                                                                                              "igin"
                                                                                              "alFi"
                                                                                              "leNa"
                                                                                              "me\""
                                                                                              ":" TEXT_OR_NULL(
                                                                                                  "The file name shown for the asset.") ","
                                                                                                                                        "\"isPublic\":{\"type\":\"boolean\"}},"
                                                                                                                                        "\"required\":[\"id\"],\"additionalProperties\":false}",
         &MCP_VIEW_ASSET, mcp_tool_patch_asset},
        {"run_asset_skill", "Run Asset Skill",
         "Runs a skill on an asset through the job queue and waits for it (progress notifications "
         "when a progressToken is given). When it takes longer, state is queued or running and "
         "succeeded null: read asset://{id} later.",
         false, false, false, PERMISSION_ASSETS_UPDATE,
         "{\"type\":\"object\",\"properties\":{\"assetId\":" UUID_ARG(
             "The asset id.") ","
                              "\"skillName\":{\"type\":\"string\",\"description\":\"A skill of "
                              "list_skills.\"},"
                              "\"parameters\":{\"type\":\"object\",\"additionalProperties\":true,"
                              "\"description\":"
                              "\"The skill's parameters (list_skills).\"}},"
                              "\"required\":[\"assetId\",\"skillName\"],\"additionalProperties\":"
                              "false}",
         &MCP_VIEW_RUN, mcp_tool_run_asset_skill},
        {"update_storage_profile", "Update Storage Profile",
         "Changes a storage provider profile; absent arguments are kept. setAsDefault makes it the "
         "default profile (needs settings.update too).",
         false, false, false, PERMISSION_PROVIDERS_UPDATE,
         "{\"type\":\"object\",\"properties\":{\"id\":" UUID_ARG(
             "The profile id.") ","
                                "\"name\":{\"type\":\"string\",\"minLength\":1},"
                                "\"displayName\":" TEXT_OR_NULL(
                                    "Name shown to people.") ","
                                                             "\"isEnabled\":{\"type\":\"boolean\"},"
                                                             "\"configuration\":{\"type\":"
                                                             "\"object\",\"additionalProperties\":"
                                                             "true},"
                                                             "\"secretConfiguration\":{\"type\":["
                                                             "\"object\",\"null\"],"
                                                             "\"additionalProperties\":true,"
                                                             "\"description\":\"Replaces the "
                                                             "secrets whole; null clears them.\"},"
                                                             "\"setAsDefault\":{\"type\":"
                                                             "\"boolean\"}},"
                                                             "\"required\":[\"id\"],"
                                                             "\"additionalProperties\":false}",
         &MCP_VIEW_PROFILE, mcp_tool_update_storage_profile},
        {"upload_asset", "Upload Asset",
         "Uploads an image (JPEG, PNG, GIF or WebP) given as base64. Enrichment (thumbnails, "
         "caption) is queued unless runEnrichment is false.",
         false, false, false, PERMISSION_ASSETS_CREATE,
         "{\"type\":\"object\",\"properties\":{"
         "\"fileName\":{\"type\":\"string\",\"minLength\":1},"
         "\"contentType\":{\"type\":\"string\",\"minLength\":1,\"description\":\"e.g. image/png\"},"
         "\"contentBase64\":{\"type\":\"string\",\"minLength\":1,\"contentEncoding\":\"base64\"},"
         "\"description\":" TEXT_OR_NULL(
             "At most 1000 characters.") ","
                                         "\"altText\":" TEXT_OR_NULL(
                                             "At most 1000 characters.") ","
                                                                         "\"commitMessage\""
                                                                         ":" TEXT_OR_NULL("Commit "
                                                                                          "message "
                                                                                          "for "
                                                                                          "Git-"
                                                                                          "backed "
                                                                                          "storage"
                                                                                          ".") ","
                                                                                               "\"i"
                                                                                               "sPu"
                                                                                               "bli"
                                                                                               "c\""
                                                                                               ":{"
                                                                                               "\"t"
                                                                                               "ype"
                                                                                               "\":"
                                                                                               "\"b"
                                                                                               "ool"
                                                                                               "ean"
                                                                                               "\","
                                                                                               "\"d"
                                                                                               "efa"
                                                                                               "ult"
                                                                                               "\":"
                                                                                               "tru"
                                                                                               "e},"
                                                                                               "\"s"
                                                                                               "tor"
                                                                                               "age"
                                                                                               "Pro"
                                                                                               "vid"
                                                                                               "erP"
                                                                                               "rof"
                                                                                               "ile"
                                                                                               "Id"
                                                                                               "\":"
                                                                                               "{\""
                                                                                               "typ"
                                                                                               "e\""
                                                                                               ":["
                                                                                               "\"s"
                                                                                               "tri"
                                                                                               "ng"
                                                                                               "\","
                                                                                               "\"n"
                                                                                               "ull"
                                                                                               "\"]"
                                                                                               ",\""
                                                                                               "for"
                                                                                               "mat"
                                                                                               "\":"
                                                                                               "\"u"
                                                                                               "uid"
                                                                                               "\"}"
                                                                                               ","
                                                                                               "\"r"
                                                                                               "unE"
                                                                                               "nri"
                                                                                               "chm"
                                                                                               "ent"
                                                                                               "\":"
                                                                                               "{\""
                                                                                               "typ"
                                                                                               "e\""
                                                                                               ":\""
                                                                                               "boo"
                                                                                               "lea"
                                                                                               "n\""
                                                                                               ",\""
                                                                                               "def"
                                                                                               "aul"
                                                                                               "t\""
                                                                                               ":tr"
                                                                                               "ue}"
                                                                                               "},"
                                                                                               "\"r"
                                                                                               "equ"
                                                                                               "ire"
                                                                                               "d\""
                                                                                               ":["
                                                                                               "\"f"
                                                                                               "ile"
                                                                                               "Nam"
                                                                                               "e\""
                                                                                               ",\""
                                                                                               "con"
                                                                                               "ten"
                                                                                               "tTy"
                                                                                               "pe"
                                                                                               "\","
                                                                                               "\"c"
                                                                                               "ont"
                                                                                               "ent"
                                                                                               "Bas"
                                                                                               "e64"
                                                                                               "\"]"
                                                                                               ","
                                                                                               "\"a"
                                                                                               "ddi"
                                                                                               "tio"
                                                                                               "nal"
                                                                                               "Pro"
                                                                                               "per"
                                                                                               "tie"
                                                                                               "s\""
                                                                                               ":fa"
                                                                                               "lse"
                                                                                               "}",
         &MCP_VIEW_ASSET, mcp_tool_upload_asset},
};

#define TOOL_COUNT (sizeof tools / sizeof tools[0])

/* ---- descriptors -------------------------------------------------------------------------- */

static json_t *descriptor(const tool_definition *tool, char *problem, size_t size)
{
    json_error_t parse_error;
    json_t *input = json_loads(tool->input_schema, 0, &parse_error);
    char unsupported[MCP_SCHEMA_PROBLEM_SIZE];
    if (!input || !mcp_schema_supported(input, unsupported)) {
        snprintf(problem, size, "the input schema of %s: %s", tool->name,
                 input ? unsupported : parse_error.text);
        json_decref(input);
        return NULL;
    }
    json_t *output = mcp_view_schema(tool->output);
    if (!output) {
        snprintf(problem, size, "the output schema of %s", tool->name);
        json_decref(input);
        return NULL;
    }
    return json_pack("{s:s, s:s, s:s, s:o, s:o, s:{s:s, s:b, s:b, s:b, s:b}}", "name", tool->name,
                     "title", tool->title, "description", tool->description, "inputSchema", input,
                     "outputSchema", output, "annotations", "title", tool->title, "readOnlyHint",
                     tool->read_only, "destructiveHint", tool->destructive, "idempotentHint",
                     tool->idempotent, "openWorldHint", 0);
}

json_t *mcp_tools_build(char *problem, size_t size)
{
    json_t *list = json_array();
    for (size_t i = 0; list && i < TOOL_COUNT; i++) {
        if (i > 0 && strcmp(tools[i - 1].name, tools[i].name) >= 0) {
            snprintf(problem, size, "the tool table is not sorted at %s", tools[i].name);
            json_decref(list);
            return NULL;
        }
        json_t *item = descriptor(&tools[i], problem, size);
        if (!item || json_array_append_new(list, item) != 0) {
            json_decref(list);
            return NULL;
        }
    }
    if (!list)
        snprintf(problem, size, "out of memory");
    return list;
}

json_t *mcp_tools_list(mcp_call *call, const json_t *params, mcp_rpc_error *error)
{
    return mcp_list_page(call->server, "tools", "tools", call->server->tools, params, error);
}

/* ---- results ------------------------------------------------------------------------------ */

static json_t *text_content(const json_t *value)
{
    char *text = json_dumps(value, JSON_COMPACT);
    json_t *content = text ? json_pack("[{s:s, s:s}]", "type", "text", "text", text) : NULL;
    free(text);
    return content;
}

/* {"content":[text], "structuredContent": structured}; takes structured. */
static json_t *success_result(json_t *structured)
{
    json_t *content = structured ? text_content(structured) : NULL;
    if (!content) {
        json_decref(structured);
        return NULL;
    }
    return json_pack("{s:o, s:o}", "content", content, "structuredContent", structured);
}

/* A tool error: {"content":[{"type":"text","text":"{\"error\":{code,message}}"}],
 * "isError":true}. No structuredContent: clients validate it against the output schema, which
 * describes the success shape. */
static json_t *error_result(const char *code, const char *message)
{
    json_t *payload = json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", message);
    json_t *content = payload ? text_content(payload) : NULL;
    json_decref(payload);
    return content ? json_pack("{s:o, s:b}", "content", content, "isError", 1) : NULL;
}

static json_t *internal_failure(mcp_rpc_error *error, const tool_definition *tool)
{
    mcp_rpc_fail(error, MCP_INTERNAL_ERROR, NULL, "The tool %s failed unexpectedly.", tool->name);
    return NULL;
}

/* ---- tools/call --------------------------------------------------------------------------- */

static const tool_definition *find_tool(const char *name)
{
    for (size_t i = 0; i < TOOL_COUNT; i++)
        if (!strcmp(tools[i].name, name))
            return &tools[i];
    return NULL;
}

static json_t *run_tool(mcp_call *call, const tool_definition *tool, const json_t *arguments,
                        mcp_rpc_error *error)
{
    nh_error err;
    error_clear(&err);
    json_t *source = tool->run(call, arguments, &err);
    if (call->cancelled) {
        json_decref(source);
        return NULL;
    }
    if (!source) {
        if (err.status >= 500 && !strcmp(err.code, "internal_server_error")) {
            log_message(LOG_WARN, "mcp_tool_failed", "%s: %s", tool->name, err.message);
            return internal_failure(error, tool);
        }
        json_t *result = error_result(err.code, err.message);
        return result ? result : internal_failure(error, tool);
    }
    json_t *structured = mcp_view_project(tool->output, source);
    json_decref(source);
    json_t *result = success_result(structured);
    return result ? result : internal_failure(error, tool);
}

json_t *mcp_tools_call(mcp_call *call, const json_t *params, mcp_rpc_error *error)
{
    const char *name = json_string_value(json_object_get(params, "name"));
    if (!json_is_object(params) || !name || !name[0]) {
        mcp_rpc_fail(error, MCP_INVALID_PARAMS, NULL, "tools/call needs params.name.");
        return NULL;
    }
    const tool_definition *tool = find_tool(name);
    if (!tool) {
        mcp_rpc_fail(error, MCP_METHOD_NOT_FOUND, NULL, "Unknown tool: %.128s", name);
        return NULL;
    }
    if (!mcp_call_has(call, tool->required)) {
        char message[256];
        snprintf(message, sizeof message, "The tool %s requires the permission %s.", tool->name,
                 permission_name(tool->required));
        json_t *result = error_result("auth_forbidden", message);
        return result ? result : internal_failure(error, tool);
    }
    const json_t *arguments = json_object_get(params, "arguments");
    const json_t *schema = NULL;
    size_t index;
    const json_t *descriptor_item;
    json_array_foreach(call->server->tools, index, descriptor_item)
    {
        if (!strcmp(json_string_value(json_object_get(descriptor_item, "name")), tool->name))
            schema = json_object_get(descriptor_item, "inputSchema");
    }
    mcp_schema_error invalid;
    if (mcp_schema_check(schema, arguments, &invalid) != 0) {
        json_t *result = error_result(invalid.code, invalid.message);
        return result ? result : internal_failure(error, tool);
    }
    return run_tool(call, tool, json_is_object(arguments) ? arguments : NULL, error);
}

/* ---- argument helpers --------------------------------------------------------------------- */

const char *mcp_argument_text(const json_t *arguments, const char *name)
{
    return json_string_value(json_object_get(arguments, name));
}

int mcp_argument_guid(const json_t *arguments, const char *name, char out[37], nh_error *err)
{
    const char *text = mcp_argument_text(arguments, name);
    if (!text || !uuid_parse(text, out))
        return error_set(err, 400, "tool_argument_invalid",
                         "The argument '%s' is not a valid GUID.", name);
    return 0;
}
