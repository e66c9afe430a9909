/* mcp_tools.h - the 14 tools' implementations (internal to the MCP server). Each is called
 * after its permission and its arguments were checked (mcp_tools.c): arguments is an object
 * conforming to the tool's input schema, or NULL when none were given. Each returns the
 * result in the shape of the tool's REST twin (new reference; mcp_tools.c projects it onto
 * the tool's view), or NULL with err filled: a domain error (status < 500, or a temporary
 * condition such as db_busy) becomes a tool error result, internal_server_error a -32603.
 * run_asset_skill may instead set call->cancelled and return NULL: the request then gets no
 * reply at all (the client cancelled it). */
#ifndef NH_MCP_TOOLS_H
#define NH_MCP_TOOLS_H

#include <jansson.h>

#include "core/error.h"
#include "mcp/mcp_internal.h"

typedef json_t *(*mcp_tool_fn)(mcp_call *call, const json_t *arguments, nh_error *err);

/* mcp_tools_assets.c */
json_t *mcp_tool_list_assets(mcp_call *call, const json_t *arguments, nh_error *err);
json_t *mcp_tool_get_asset(mcp_call *call, const json_t *arguments, nh_error *err);
json_t *mcp_tool_get_asset_content_url(mcp_call *call, const json_t *arguments, nh_error *err);
json_t *mcp_tool_get_asset_usage_stats(mcp_call *call, const json_t *arguments, nh_error *err);
json_t *mcp_tool_upload_asset(mcp_call *call, const json_t *arguments, nh_error *err);
json_t *mcp_tool_patch_asset(mcp_call *call, const json_t *arguments, nh_error *err);
json_t *mcp_tool_delete_asset(mcp_call *call, const json_t *arguments, nh_error *err);
json_t *mcp_tool_batch_delete_assets(mcp_call *call, const json_t *arguments, nh_error *err);

/* mcp_tools_skills.c */
json_t *mcp_tool_list_skills(mcp_call *call, const json_t *arguments, nh_error *err);
json_t *mcp_tool_run_asset_skill(mcp_call *call, const json_t *arguments, nh_error *err);

/* mcp_tools_storage.c */
json_t *mcp_tool_list_storage_profiles(mcp_call *call, const json_t *arguments, nh_error *err);
json_t *mcp_tool_create_storage_profile(mcp_call *call, const json_t *arguments, nh_error *err);
json_t *mcp_tool_update_storage_profile(mcp_call *call, const json_t *arguments, nh_error *err);
json_t *mcp_tool_delete_storage_profile(mcp_call *call, const json_t *arguments, nh_error *err);

/* Shared by the tool modules: the string argument `name`, or NULL (absent or null). */
const char *mcp_argument_text(const json_t *arguments, const char *name);
/* The GUID argument `name` in canonical form (the schema checked it parses). 0, or -1 with
 * err tool_argument_invalid. */
int mcp_argument_guid(const json_t *arguments, const char *name, char out[37], nh_error *err);

#endif
