/* mcp_tools_storage.c - the storage profile tools over the providers service, as the REST
 * handlers call it (providers_http.c): the arguments are the REST bodies, the service audits
 * every change (storage_provider.*) with the key as actor. */
#include <string.h>

#include "core/uuid.h"
#include "mcp/mcp_tools.h"
#include "providers/providers.h"

static providers_service *providers_of(const mcp_call *call)
{
    return call->server->deps.providers;
}

json_t *mcp_tool_list_storage_profiles(mcp_call *call, const json_t *arguments, nh_error *err)
{
    (void)arguments;
    json_t *overview = NULL;
    if (providers_overview(providers_of(call), &overview, err) != 0)
        return NULL;
    json_t *result = json_pack("{s:O}", "profiles", json_object_get(overview, "profiles"));
    json_decref(overview);
    if (!result)
        error_internal(err);
    return result;
}

json_t *mcp_tool_create_storage_profile(mcp_call *call, const json_t *arguments, nh_error *err)
{
    json_t *profile = NULL;
    if (providers_create(providers_of(call), &call->actor, arguments, &profile, err) != 0)
        return NULL;
    return profile;
}

/* The PATCH body: the arguments without id and setAsDefault. */
static json_t *update_body(const json_t *arguments)
{
    json_t *body = json_deep_copy(arguments);
    if (!body)
        return NULL;
    json_object_del(body, "id");
    json_object_del(body, "setAsDefault");
    return body;
}

/* The tri-state update, then (setAsDefault: true) the promotion, a second change of its own as
 * in REST (PATCH, then POST …/set-default, which needs settings.update: checked before
 * anything changes). */
json_t *mcp_tool_update_storage_profile(mcp_call *call, const json_t *arguments, nh_error *err)
{
    char id[UUID_TEXT_SIZE];
    if (mcp_argument_guid(arguments, "id", id, err) != 0)
        return NULL;
    bool set_default = json_is_true(json_object_get(arguments, "setAsDefault"));
    if (set_default && !mcp_call_has(call, PERMISSION_SETTINGS_UPDATE)) {
        error_set(err, 403, "auth_forbidden",
                  "setAsDefault requires the permission settings.update.");
        return NULL;
    }
    json_t *body = update_body(arguments);
    if (!body) {
        error_internal(err);
        return NULL;
    }
    json_t *profile = NULL;
    int rc = providers_update(providers_of(call), &call->actor, id, body, &profile, err);
    json_decref(body);
    if (rc != 0 || !set_default)
        return rc == 0 ? profile : NULL;
    json_decref(profile);
    profile = NULL;
    if (providers_set_default(providers_of(call), &call->actor, id, &profile, err) != 0)
        return NULL;
    return profile;
}

json_t *mcp_tool_delete_storage_profile(mcp_call *call, const json_t *arguments, nh_error *err)
{
    char id[UUID_TEXT_SIZE];
    if (mcp_argument_guid(arguments, "id", id, err) != 0)
        return NULL;
    json_t *result = NULL;
    if (providers_delete(providers_of(call), &call->actor, id, &result, err) != 0)
        return NULL;
    return result;
}
