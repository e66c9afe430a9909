/* mcp_tools_assets.c - the asset tools (spec §9 with issue 13's corrections) over the asset
 * service, exactly as the REST handlers use it (asset_http.c): same checks, same audit
 * entries (asset.visibility_change, asset.delete, asset.batch_delete) with the key as actor. */
#include <limits.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "assets/asset_json.h"
#include "assets/asset_service.h"
#include "assets/asset_text.h"
#include "assets/upload_form.h"
#include "core/text.h"
#include "core/uuid.h"
#include "mcp/mcp_tools.h"

/* A page number past this cannot address anything and would overflow the offset. */
#define PAGE_MAX 100000000

static asset_service *assets_of(const mcp_call *call)
{
    return call->server->deps.assets;
}

static json_t *detail_json(mcp_call *call, const char *id, nh_error *err)
{
    asset_detail detail;
    if (asset_service_detail(assets_of(call), id, false, &detail, err) != 0)
        return NULL;
    json_t *result = asset_json_detail(&detail);
    asset_detail_free(&detail);
    if (!result)
        error_internal(err);
    return result;
}

/* ---- list_assets ---------------------------------------------------------------------------- */

/* An integer argument (the schema checked it is one), or fallback when absent. */
static long long integer_argument(const json_t *arguments, const char *name, long long fallback)
{
    const json_t *value = json_object_get(arguments, name);
    if (json_is_integer(value))
        return (long long)json_integer_value(value);
    if (json_is_real(value))
        return (long long)json_real_value(value);
    return fallback;
}

static int read_paging(const config *cfg, const json_t *arguments, int *page, int *page_size,
                       nh_error *err)
{
    long long number = integer_argument(arguments, "page", 1);
    long long size = integer_argument(arguments, "pageSize", cfg->default_page_size);
    if (number < 1 || number > PAGE_MAX)
        return error_set(err, 400, "page_out_of_range", "page must be between 1 and %d.", PAGE_MAX);
    if (size < 1)
        return error_set(err, 400, "page_size_out_of_range", "pageSize must be at least 1.");
    if (size > cfg->max_page_size)
        return error_set(err, 400, "page_size_too_large", "pageSize must be at most %d.",
                         cfg->max_page_size);
    *page = (int)number;
    *page_size = (int)size;
    return 0;
}

json_t *mcp_tool_list_assets(mcp_call *call, const json_t *arguments, nh_error *err)
{
    asset_list_request request = {.public_only = false};
    if (read_paging(assets_of(call)->cfg, arguments, &request.page, &request.page_size, err) != 0)
        return NULL;
    request.query = mcp_argument_text(arguments, "query");
    request.content_type = mcp_argument_text(arguments, "contentType");
    request.status = mcp_argument_text(arguments, "status");
    request.order_by = mcp_argument_text(arguments, "orderBy");
    request.order_direction = mcp_argument_text(arguments, "orderDirection");
    asset_page page;
    if (asset_service_list(assets_of(call), &request, &page, err) != 0)
        return NULL;
    json_t *result = asset_json_page(&page, false);
    asset_page_free(&page);
    if (!result)
        error_internal(err);
    return result;
}

/* ---- reading one asset ------------------------------------------------------------------- */

json_t *mcp_tool_get_asset(mcp_call *call, const json_t *arguments, nh_error *err)
{
    char id[UUID_TEXT_SIZE];
    if (mcp_argument_guid(arguments, "id", id, err) != 0)
        return NULL;
    return detail_json(call, id, err);
}

static int asset_not_found(nh_error *err, const char *id)
{
    return error_set(err, 404, "asset_not_found", "Asset '%s' was not found.", id);
}

/* The public URL of a public asset, after checking its object exists (as REST
 * GET /assets/{id}/content does before redirecting); private assets have none. */
json_t *mcp_tool_get_asset_content_url(mcp_call *call, const json_t *arguments, nh_error *err)
{
    char id[UUID_TEXT_SIZE];
    if (mcp_argument_guid(arguments, "id", id, err) != 0)
        return NULL;
    asset_content content;
    char *url = NULL;
    asset_service *service = assets_of(call);
    if (asset_service_open_protected(service, id, service->public_base_url, &content, &url, err) !=
        0) {
        if (err->status == 404)
            asset_not_found(err, id);
        return NULL;
    }
    if (!url) { /* private: the object was opened, and there is no URL to give */
        asset_content_close(&content);
        asset_not_found(err, id);
        return NULL;
    }
    json_t *result = json_pack("{s:s, s:s, s:b}", "id", id, "contentUrl", url, "preserveMethod", 1);
    free(url);
    if (!result)
        error_internal(err);
    return result;
}

json_t *mcp_tool_get_asset_usage_stats(mcp_call *call, const json_t *arguments, nh_error *err)
{
    (void)arguments;
    asset_usage usage;
    if (asset_service_usage(assets_of(call), &usage, err) != 0)
        return NULL;
    json_t *result = asset_json_usage(&usage);
    asset_usage_free(&usage);
    if (!result)
        error_internal(err);
    return result;
}

/* ---- upload_asset --------------------------------------------------------------------------- */

static bool allowed_type(const config *cfg, const char *content_type)
{
    char *trimmed = text_trimmed_copy(content_type);
    bool allowed = false;
    for (size_t i = 0; trimmed && i < cfg->allowed_content_types.count; i++)
        allowed = allowed || !strcasecmp(cfg->allowed_content_types.items[i], trimmed);
    free(trimmed);
    return allowed;
}

/* The checks of spec §9 upload_asset that come before decoding, in its order. */
static int check_upload_fields(const config *cfg, const json_t *arguments, nh_error *err)
{
    if (text_is_blank(mcp_argument_text(arguments, "fileName")))
        return error_set(err, 400, "asset_filename_invalid", "The file name is empty.");
    const char *content_type = mcp_argument_text(arguments, "contentType");
    if (text_is_blank(content_type))
        return error_set(err, 400, "asset_content_type_missing", "The content type is empty.");
    if (text_is_blank(mcp_argument_text(arguments, "contentBase64")))
        return error_set(err, 400, "asset_file_required", "A file is required.");
    if (asset_text_check_length(mcp_argument_text(arguments, "description"),
                                "asset_description_too_long", "Description", err) != 0 ||
        asset_text_check_length(mcp_argument_text(arguments, "altText"), "asset_alt_text_too_long",
                                "Alt text", err) != 0)
        return -1;
    if (!allowed_type(cfg, content_type))
        return error_set(err, 400, "asset_content_type_not_allowed",
                         "The content type '%.100s' is not allowed.", content_type);
    return 0;
}

/* Decode standard base64 (padding optional, white space ignored) into a new buffer. */
static int decode_base64(const char *text, unsigned char **bytes, size_t *size, nh_error *err)
{
    size_t length = strlen(text);
    size_t capacity = length / 4 * 3 + 3;
    *bytes = malloc(capacity);
    if (!*bytes)
        return error_internal(err);
    static const int variants[] = {sodium_base64_VARIANT_ORIGINAL,
                                   sodium_base64_VARIANT_ORIGINAL_NO_PADDING};
    for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++) {
        const char *end = NULL;
        if (sodium_base642bin(*bytes, capacity, text, length, " \t\r\n", size, &end, variants[i]) ==
                0 &&
            end && *end == '\0')
            return 0;
    }
    free(*bytes);
    *bytes = NULL;
    return error_set(err, 400, "asset_base64_invalid", "contentBase64 is not valid base64.");
}

/* Who uploads: a personal key acts as its owner; a machine key by its name alone. */
static asset_creator creator_of(const auth_principal *principal)
{
    bool is_user = principal->kind == PRINCIPAL_PERSONAL_KEY || principal->kind == PRINCIPAL_USER;
    asset_creator creator = {
        .user_id = is_user && principal->user_id[0] ? principal->user_id : NULL,
        .username = principal->username[0] ? principal->username : NULL,
    };
    return creator;
}

static int set_fields(upload_form *form, const json_t *arguments, nh_error *err)
{
    const json_t *is_public = json_object_get(arguments, "isPublic");
    const json_t *enrich = json_object_get(arguments, "runEnrichment");
    if (upload_form_set_field(form, UPLOAD_FIELD_DESCRIPTION,
                              mcp_argument_text(arguments, "description"), err) != 0 ||
        upload_form_set_field(form, UPLOAD_FIELD_ALT_TEXT, mcp_argument_text(arguments, "altText"),
                              err) != 0 ||
        upload_form_set_field(form, UPLOAD_FIELD_COMMIT_MESSAGE,
                              mcp_argument_text(arguments, "commitMessage"), err) != 0 ||
        upload_form_set_field(form, UPLOAD_FIELD_PROFILE_ID,
                              mcp_argument_text(arguments, "storageProviderProfileId"), err) != 0)
        return -1;
    if (is_public && upload_form_set_field(form, UPLOAD_FIELD_IS_PUBLIC,
                                           json_is_true(is_public) ? "true" : "false", err) != 0)
        return -1;
    if (enrich && upload_form_set_field(form, UPLOAD_FIELD_RUN_ENRICHMENT,
                                        json_is_true(enrich) ? "true" : "false", err) != 0)
        return -1;
    return 0;
}

static json_t *store_upload(mcp_call *call, const json_t *arguments, const unsigned char *bytes,
                            size_t size, nh_error *err)
{
    asset_service *service = assets_of(call);
    upload_form *form =
        upload_form_from_bytes(service->uploads, service->cfg->max_upload_size_bytes,
                               mcp_argument_text(arguments, "fileName"),
                               mcp_argument_text(arguments, "contentType"), bytes, size, err);
    if (!form || set_fields(form, arguments, err) != 0) {
        upload_form_free(form);
        return NULL;
    }
    char id[ASSET_ID_SIZE];
    asset_detail detail;
    asset_creator creator = creator_of(call->message->principal);
    int rc =
        asset_service_upload(service, form, &creator, service->public_base_url, id, &detail, err);
    upload_form_free(form);
    if (rc != 0)
        return NULL;
    json_t *result = asset_json_detail(&detail);
    asset_detail_free(&detail);
    if (!result)
        error_internal(err);
    return result;
}

json_t *mcp_tool_upload_asset(mcp_call *call, const json_t *arguments, nh_error *err)
{
    const config *cfg = assets_of(call)->cfg;
    if (check_upload_fields(cfg, arguments, err) != 0)
        return NULL;
    unsigned char *bytes = NULL;
    size_t size = 0;
    if (decode_base64(mcp_argument_text(arguments, "contentBase64"), &bytes, &size, err) != 0)
        return NULL;
    json_t *result = NULL;
    if (size == 0)
        error_set(err, 400, "asset_file_empty", "The file is empty.");
    else if ((int64_t)size > cfg->max_upload_size_bytes)
        error_set(err, 400, "asset_file_too_large",
                  "The file is larger than the limit of %lld bytes.",
                  (long long)cfg->max_upload_size_bytes);
    else
        result = store_upload(call, arguments, bytes, size, err);
    free(bytes);
    return result;
}

/* ---- patch_asset ---------------------------------------------------------------------------- */

/* A tri-state text argument: absent -> keep; null -> clear; a string -> set. */
static void read_tri_state(const json_t *arguments, const char *name, bool *present,
                           const char **value)
{
    const json_t *member = json_object_get(arguments, name);
    *present = member != NULL;
    *value = json_string_value(member);
}

json_t *mcp_tool_patch_asset(mcp_call *call, const json_t *arguments, nh_error *err)
{
    char id[UUID_TEXT_SIZE];
    if (mcp_argument_guid(arguments, "id", id, err) != 0)
        return NULL;
    asset_patch patch;
    memset(&patch, 0, sizeof patch);
    read_tri_state(arguments, "description", &patch.has_description, &patch.description);
    read_tri_state(arguments, "altText", &patch.has_alt_text, &patch.alt_text);
    read_tri_state(arguments, "originalFileName", &patch.has_original_file_name,
                   &patch.original_file_name);
    const json_t *is_public = json_object_get(arguments, "isPublic");
    patch.has_is_public = is_public != NULL;
    patch.is_public = json_is_true(is_public);
    if (asset_service_patch(assets_of(call), id, &patch, &call->actor, err) != 0)
        return NULL;
    return detail_json(call, id, err);
}

/* ---- deletes -------------------------------------------------------------------------------- */

json_t *mcp_tool_delete_asset(mcp_call *call, const json_t *arguments, nh_error *err)
{
    char id[UUID_TEXT_SIZE];
    if (mcp_argument_guid(arguments, "id", id, err) != 0)
        return NULL;
    int64_t deleted_at = 0;
    if (asset_service_delete(assets_of(call), id, mcp_argument_text(arguments, "commitMessage"),
                             &call->actor, "asset.delete", &deleted_at, err) != 0)
        return NULL;
    json_t *result = asset_json_deleted(id, deleted_at);
    if (!result)
        error_internal(err);
    return result;
}

static json_t *failure_json(const char *id, const nh_error *failure)
{
    nh_error shown = *failure;
    if (shown.status >= 500 && !strcmp(shown.code, "internal_server_error"))
        error_internal(&shown); /* never leak internal detail */
    return json_pack("{s:s, s:s, s:s, s:i}", "id", id, "code", shown.code, "message", shown.message,
                     "status", shown.status);
}

/* Every id was checked to be a GUID by the schema (nothing is deleted otherwise); each is
 * deleted on its own, as REST batch-delete does: not-found ids and other failures are
 * collected, the rest goes on. */
json_t *mcp_tool_batch_delete_assets(mcp_call *call, const json_t *arguments, nh_error *err)
{
    const json_t *ids = json_object_get(arguments, "ids");
    json_t *not_found = json_array();
    json_t *failures = json_array();
    json_int_t deleted = 0;
    size_t index;
    const json_t *item;
    json_array_foreach(ids, index, item)
    {
        char id[UUID_TEXT_SIZE];
        nh_error failure;
        int64_t deleted_at = 0;
        if (!uuid_parse(json_string_value(item), id))
            continue; /* the schema refused these already */
        if (asset_service_delete(assets_of(call), id, NULL, &call->actor, "asset.batch_delete",
                                 &deleted_at, &failure) == 0)
            deleted++;
        else if (failure.status == 404 && !strcmp(failure.code, "asset_not_found"))
            json_array_append_new(not_found, json_string(id));
        else
            json_array_append_new(failures, failure_json(id, &failure));
    }
    json_t *result =
        json_pack("{s:I, s:I, s:o*, s:o*}", "requestedCount", (json_int_t)json_array_size(ids),
                  "deletedCount", deleted, "notFoundIds", not_found, "failures", failures);
    if (!result)
        error_internal(err);
    return result;
}
