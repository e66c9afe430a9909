/* mcp_prompts.c - the three prompts (spec §11): prompts/list and prompts/get. Each prompt is
 * one user message in Chinese (the spec's language; NekoHub's own wording), naming the tools
 * and resources to use with the asset id in lowercase hyphenated form. The asset's existence
 * is not checked. Prompts need no permission (they only produce text). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/text.h"
#include "core/uuid.h"
#include "mcp/mcp_internal.h"

#define DEFAULT_SKILL "basic_image_enrich"
#define SKILL_NAME_MAX 128

typedef enum { PROMPT_ENRICH, PROMPT_INSPECT, PROMPT_REVIEW } prompt_kind;

typedef struct prompt_definition {
    const char *name;
    const char *title;
    const char *description;
    prompt_kind kind;
} prompt_definition;

/* Sorted by name. */
static const prompt_definition prompts[] = {
    {"enrich_asset", "Enrich Asset",
     "Run a skill on an asset (default basic_image_enrich) and check what it produced.",
     PROMPT_ENRICH},
    {"inspect_asset", "Inspect Asset",
     "Summarise an asset: its metadata, derivatives and structured results, and whether a skill "
     "run is advisable.",
     PROMPT_INSPECT},
    {"review_asset_outputs", "Review Asset Outputs",
     "Review an asset's derivatives and structured results and propose the next action.",
     PROMPT_REVIEW},
};

#define PROMPT_COUNT (sizeof prompts / sizeof prompts[0])

static json_t *argument(const char *name, const char *description, bool required)
{
    return json_pack("{s:s, s:s, s:b}", "name", name, "description", description, "required",
                     required);
}

static json_t *arguments_of(prompt_kind kind)
{
    json_t *asset_id = argument("assetId", "The asset id (a GUID).", true);
    if (kind != PROMPT_ENRICH)
        return json_pack("[o]", asset_id);
    return json_pack(
        "[o, o]", asset_id,
        argument("skillName", "The skill to run (default basic_image_enrich).", false));
}

json_t *mcp_prompts_list(mcp_call *call, const json_t *params, mcp_rpc_error *error)
{
    json_t *list = json_array();
    for (size_t i = 0; list && i < PROMPT_COUNT; i++) {
        json_t *entry = json_pack("{s:s, s:s, s:s, s:o}", "name", prompts[i].name, "title",
                                  prompts[i].title, "description", prompts[i].description,
                                  "arguments", arguments_of(prompts[i].kind));
        if (!entry || json_array_append_new(list, entry) != 0) {
            json_decref(list);
            list = NULL;
        }
    }
    if (!list) {
        mcp_rpc_fail(error, MCP_INTERNAL_ERROR, NULL, "The prompts could not be listed.");
        return NULL;
    }
    json_t *page = mcp_list_page(call->server, "prompts", "prompts", list, params, error);
    json_decref(list);
    return page;
}

/* ---- the texts ---------------------------------------------------------------------------- */

static void inspect_text(buf *text, const char *id)
{
    buf_printf(
        text,
        "你是一名资产分析助手。请检查资产 %s：\n"
        "1. 调用工具 get_asset，参数为 {\"id\": \"%s\"}；\n"
        "2. 读取资源 asset://%s；如有需要，再读取 asset://%s/derivatives 和 "
        "asset://%s/structured-results；\n"
        "3. 汇总 contentType、extension、size、checksumSha256、width、height，以及衍生文件"
        "（derivatives）和结构化结果（structuredResults）。\n"
        "请按以下结构回答：资产概览；当前已有的产出；是否建议调用 run_asset_skill，并说明理由。",
        id, id, id, id, id);
}

static void enrich_text(buf *text, const char *id, const char *skill_json, const char *skill)
{
    buf_printf(text,
               "你是一名资产增强助手。请对资产 %s 运行技能 %s：\n"
               "1. 先调用 list_skills，确认技能 %s 存在，并了解它的参数；\n"
               "2. 调用 run_asset_skill，参数为 {\"assetId\": \"%s\", \"skillName\": %s}；"
               "如果结果的 state 是 queued 或 running，请稍后读取 asset://%s 查看进度；\n"
               "3. 读取 asset://%s、asset://%s/derivatives 和 asset://%s/structured-results，"
               "确认衍生文件和结构化结果是否发生了变化。\n"
               "请按以下结构回答：是否执行成功以及每个步骤的结果；关键衍生文件摘要；"
               "如果失败，给出最小的修复建议。",
               id, skill, skill, id, skill_json, id, id, id, id);
}

static void review_text(buf *text, const char *id)
{
    buf_printf(text,
               "你是一名产出审核员。请审核资产 %s 的处理产出：\n"
               "1. 读取 asset://%s；\n"
               "2. 读取 asset://%s/derivatives（缩略图等衍生文件）；\n"
               "3. 读取 asset://%s/structured-results（说明文字等结构化结果）。\n"
               "如果产出缺失或异常，请建议调用 run_asset_skill（通常使用 basic_image_enrich）。\n"
               "请按以下结构回答：审核结论（通过 / 有风险）；影响；下一步行动。",
               id, id, id, id);
}

/* ---- prompts/get -------------------------------------------------------------------------- */

static const prompt_definition *find_prompt(const char *name)
{
    for (size_t i = 0; i < PROMPT_COUNT; i++)
        if (!strcmp(prompts[i].name, name))
            return &prompts[i];
    return NULL;
}

static json_t *prompt_failure(mcp_rpc_error *error, const char *code, const char *message)
{
    mcp_rpc_fail(error, MCP_INVALID_PARAMS, code, "%s", message);
    return NULL;
}

/* The skill to name: trimmed, default when absent or blank. *out is malloc'ed. */
static int skill_of(const json_t *arguments, char **out)
{
    const json_t *value = json_object_get(arguments, "skillName");
    *out = NULL;
    if (value && !json_is_string(value) && !json_is_null(value))
        return -1;
    const char *text = json_string_value(value);
    *out = text && !text_is_blank(text) ? text_trimmed_copy(text) : strdup(DEFAULT_SKILL);
    if (*out && text_utf8_length(*out) > SKILL_NAME_MAX) {
        free(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

static json_t *prompt_message(const prompt_definition *prompt, const char *id,
                              const json_t *arguments, mcp_rpc_error *error)
{
    char *skill = NULL;
    if (prompt->kind == PROMPT_ENRICH && skill_of(arguments, &skill) != 0)
        return prompt_failure(
            error, "prompt_argument_invalid",
            "skillName must be a skill name (a string of at most 128 characters).");
    buf text;
    buf_init(&text, 0);
    if (prompt->kind == PROMPT_INSPECT)
        inspect_text(&text, id);
    else if (prompt->kind == PROMPT_REVIEW)
        review_text(&text, id);
    else if (skill) {
        json_t *skill_string = json_string(skill);
        char *skill_json = skill_string ? json_dumps(skill_string, JSON_ENCODE_ANY) : NULL;
        json_decref(skill_string);
        if (skill_json)
            enrich_text(&text, id, skill_json, skill);
        else
            buf_fail(&text);
        free(skill_json);
    } else {
        buf_fail(&text);
    }
    free(skill);
    char *message = buf_detach(&text);
    json_t *result = message
                         ? json_pack("{s:s, s:s, s:[{s:s, s:{s:s, s:s}}]}", "name", prompt->name,
                                     "description", prompt->description, "messages", "role", "user",
                                     "content", "type", "text", "text", message)
                         : NULL;
    free(message);
    if (!result)
        mcp_rpc_fail(error, MCP_INTERNAL_ERROR, NULL, "The prompt could not be built.");
    return result;
}

json_t *mcp_prompts_get(mcp_call *call, const json_t *params, mcp_rpc_error *error)
{
    (void)call;
    const char *name = json_string_value(json_object_get(params, "name"));
    if (!json_is_object(params) || !name) {
        mcp_rpc_fail(error, MCP_INVALID_PARAMS, NULL, "prompts/get needs params.name.");
        return NULL;
    }
    const prompt_definition *prompt = find_prompt(name);
    if (!prompt) {
        mcp_rpc_fail(error, MCP_METHOD_NOT_FOUND, "prompt_not_found", "Unknown prompt: %.128s",
                     name);
        return NULL;
    }
    const json_t *arguments = json_object_get(params, "arguments");
    if (!json_is_object(arguments))
        return prompt_failure(error, "prompt_arguments_invalid",
                              "The prompt needs arguments (an object with assetId).");
    const char *asset = json_string_value(json_object_get(arguments, "assetId"));
    char id[UUID_TEXT_SIZE];
    if (!asset || !uuid_parse(asset, id))
        return prompt_failure(error, "prompt_argument_invalid", "assetId must be a GUID.");
    return prompt_message(prompt, id, arguments, error);
}
