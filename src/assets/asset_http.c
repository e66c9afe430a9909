/* asset_http.c - HTTP handlers of the assets feature (see asset_http.h). */
#include "assets/asset_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assets/asset_delivery.h"
#include "assets/asset_json.h"
#include "assets/asset_service.h"
#include "assets/upload_form.h"
#include "audit/audit_http.h"
#include "core/clock.h"
#include "core/json_input.h"
#include "core/text.h"
#include "core/uuid.h"
#include "http/paging.h"

#define PUBLIC_CACHE_CONTROL "public, max-age=86400"
#define PRIVATE_CACHE_CONTROL "private, no-store"

/* The route context of every assets route: the asset service (assets.h). */
static asset_service *service_of(const http_request *request)
{
    return request->context;
}

static void reply_detail(http_request *request, http_response *response, const char *id, int status)
{
    asset_detail detail;
    nh_error err;
    if (asset_service_detail(service_of(request), id, false, &detail, &err) != 0) {
        http_reply_error(response, &err);
        return;
    }
    http_reply_built(response, status, asset_json_detail(&detail));
    asset_detail_free(&detail);
}

/* ---- upload ----------------------------------------------------------------------------- */

static void free_form(void *state)
{
    upload_form_free(state);
}

/* The request's form, created on first use (415 / 400 when the body is not a usable form). */
static upload_form *form_of(http_request *request, nh_error *err)
{
    if (request->handler_state)
        return request->handler_state;
    const asset_service *service = service_of(request);
    upload_form *form = upload_form_new(http_request_header(request, "Content-Type"),
                                        service->uploads, service->cfg->max_upload_size_bytes, err);
    if (!form)
        return NULL;
    request->handler_state = form;
    request->handler_state_free = free_form;
    return form;
}

/* Who uploads: a person (signed in, or through a personal key: its owner) by id and name; a
 * machine key by its name alone. */
static asset_creator creator_of(const auth_principal *principal)
{
    bool is_user = principal->kind == PRINCIPAL_USER || principal->kind == PRINCIPAL_PERSONAL_KEY;
    asset_creator creator = {
        .user_id = is_user && principal->user_id[0] ? principal->user_id : NULL,
        .username = principal->username[0] ? principal->username : NULL,
    };
    return creator;
}

int asset_http_upload_chunk(http_request *request, http_response *response, const char *data,
                            size_t size)
{
    nh_error err;
    upload_form *form = form_of(request, &err);
    if (!form || upload_form_feed(form, data, size, &err) != 0) {
        /* the rest of the body is discarded: drop the temporary file before answering */
        upload_form_free(form);
        request->handler_state = NULL;
        http_reply_error(response, &err);
        return -1;
    }
    return 0;
}

void asset_http_upload(http_request *request, http_response *response)
{
    nh_error err;
    upload_form *form = form_of(request, &err);
    char id[ASSET_ID_SIZE];
    asset_detail detail;
    memset(&detail, 0, sizeof detail);
    int rc = form ? upload_form_finish(form, &err) : -1;
    asset_creator creator = creator_of(&request->principal);
    if (rc == 0)
        rc = asset_service_upload(service_of(request), form, &creator,
                                  service_of(request)->public_base_url, id, &detail, &err);
    /* the temporary file goes now, not when the connection closes */
    upload_form_free(form);
    request->handler_state = NULL;
    if (rc != 0) {
        http_reply_error(response, &err);
        return;
    }
    /* the detail as the upload's transaction saw it: processing "queued" when it has a job */
    http_reply_built(response, 202, asset_json_detail(&detail));
    asset_detail_free(&detail);
    if (response->status == 202) {
        char location[64];
        snprintf(location, sizeof location, "/api/v1/assets/%s", id);
        http_response_header(response, "Location", location);
    }
}

/* ---- lists ------------------------------------------------------------------------------ */

/* The first of two alias parameters that is given and not blank. */
static const char *query_alias(const http_request *request, const char *name, const char *alias)
{
    const char *value = http_request_query(request, name);
    if (value && !text_is_blank(value))
        return value;
    return alias ? http_request_query(request, alias) : value;
}

static void reply_list(http_request *request, http_response *response, bool public_only)
{
    const config *cfg = service_of(request)->cfg;
    paging page;
    nh_error err;
    if (paging_parse(request, cfg->default_page_size, cfg->max_page_size, &page, &err) != 0) {
        http_reply_error(response, &err);
        return;
    }
    asset_list_request list = {
        .public_only = public_only,
        .page = page.number,
        .page_size = page.size,
        .query = query_alias(request, "query", public_only ? NULL : "keyword"),
        .content_type = http_request_query(request, "contentType"),
        .status = http_request_query(request, "status"),
        .is_public = http_request_query(request, "isPublic"),
        .created_by_user_id = http_request_query(request, "createdByUserId"),
        .order_by = query_alias(request, "orderBy", "sortBy"),
        .order_direction = query_alias(request, "orderDirection", "sortDirection"),
    };
    asset_page result;
    if (asset_service_list(service_of(request), &list, &result, &err) != 0) {
        http_reply_error(response, &err);
        return;
    }
    http_reply_built(response, 200, asset_json_page(&result, public_only));
    asset_page_free(&result);
}

void asset_http_list(http_request *request, http_response *response)
{
    reply_list(request, response, false);
}

void asset_http_public_list(http_request *request, http_response *response)
{
    reply_list(request, response, true);
}

void asset_http_usage(http_request *request, http_response *response)
{
    asset_usage usage;
    nh_error err;
    if (asset_service_usage(service_of(request), &usage, &err) != 0) {
        http_reply_error(response, &err);
        return;
    }
    http_reply_built(response, 200, asset_json_usage(&usage));
    asset_usage_free(&usage);
}

/* ---- one asset -------------------------------------------------------------------------- */

void asset_http_detail(http_request *request, http_response *response)
{
    reply_detail(request, response, http_request_param(request, "id"), 200);
}

void asset_http_public_detail(http_request *request, http_response *response)
{
    asset_detail detail;
    nh_error err;
    const char *id = http_request_param(request, "id");
    if (asset_service_detail(service_of(request), id, true, &detail, &err) != 0) {
        http_reply_error(response, &err);
        return;
    }
    http_reply_built(response, 200, asset_json_public_detail(&detail));
    asset_detail_free(&detail);
}

static int invalid_body(nh_error *err, const char *message)
{
    return error_set(err, 400, "request_invalid", "%s", message);
}

/* A nullable string member: absent -> *present false; null -> NULL; a string without NUL
 * bytes -> its text; anything else -> 400 request_invalid. */
static int read_nullable_string(const json_t *body, const char *name, bool *present,
                                const char **out, nh_error *err)
{
    const json_t *value = json_input_get(body, name);
    *present = value != NULL;
    *out = NULL;
    if (!value || json_is_null(value))
        return 0;
    if (!json_is_string(value) || strlen(json_string_value(value)) != json_string_length(value))
        return error_set(err, 400, "request_invalid",
                         "The JSON value of '%s' must be a string or null.", name);
    *out = json_string_value(value);
    return 0;
}

static int read_patch(const json_t *body, asset_patch *patch, nh_error *err)
{
    memset(patch, 0, sizeof *patch);
    if (!body)
        return invalid_body(err, "A non-empty request body is required.");
    if (!json_is_object(body))
        return invalid_body(err, "The request body must be a JSON object.");
    if (read_nullable_string(body, "description", &patch->has_description, &patch->description,
                             err) != 0 ||
        read_nullable_string(body, "altText", &patch->has_alt_text, &patch->alt_text, err) != 0 ||
        read_nullable_string(body, "originalFileName", &patch->has_original_file_name,
                             &patch->original_file_name, err) != 0)
        return -1;
    const json_t *is_public = json_input_get(body, "isPublic");
    if (is_public && !json_is_boolean(is_public))
        return invalid_body(err, "The JSON value of 'isPublic' must be true or false.");
    patch->has_is_public = is_public != NULL;
    patch->is_public = json_is_true(is_public);
    const json_t *tags = json_input_get(body, "tags");
    patch->has_tags = tags != NULL;
    patch->tags = json_is_null(tags) ? NULL : tags;
    return 0;
}

void asset_http_patch(http_request *request, http_response *response)
{
    asset_patch patch;
    nh_error err;
    const char *id = http_request_param(request, "id");
    audit_actor actor = audit_actor_of(request);
    if (read_patch(request->json, &patch, &err) != 0 ||
        asset_service_patch(service_of(request), id, &patch, &actor, &err) != 0) {
        http_reply_error(response, &err);
        return;
    }
    reply_detail(request, response, id, 200);
}

void asset_http_delete(http_request *request, http_response *response)
{
    nh_error err;
    const char *id = http_request_param(request, "id");
    const char *commit_message = NULL;
    bool present = false;
    if (request->json && !json_is_object(request->json)) {
        http_reply_error_code(response, 400, "request_invalid",
                              "The request body must be a JSON object.");
        return;
    }
    if (request->json && read_nullable_string(request->json, "commitMessage", &present,
                                              &commit_message, &err) != 0) {
        http_reply_error(response, &err);
        return;
    }
    audit_actor actor = audit_actor_of(request);
    int64_t deleted_at = 0;
    if (asset_service_delete(service_of(request), id, commit_message, &actor, "asset.delete",
                             &deleted_at, &err) != 0) {
        http_reply_error(response, &err);
        return;
    }
    http_reply_built(response, 200, asset_json_deleted(id, deleted_at));
}

/* ---- batch delete ----------------------------------------------------------------------- */

/* The ids of the body (a bare JSON array of GUID strings; no body = none), canonical. */
static int read_batch_ids(const json_t *body, char (**ids)[ASSET_ID_SIZE], size_t *count,
                          nh_error *err)
{
    *ids = NULL;
    *count = 0;
    if (!body)
        return 0;
    if (!json_is_array(body))
        return invalid_body(err, "The request body must be a JSON array of asset ids.");
    size_t total = json_array_size(body);
    if (total == 0)
        return 0;
    *ids = calloc(total, sizeof **ids);
    if (!*ids)
        return error_internal(err);
    for (size_t i = 0; i < total; i++) {
        const json_t *item = json_array_get(body, i);
        if (!json_is_string(item) || !uuid_parse(json_string_value(item), (*ids)[i])) {
            free(*ids);
            *ids = NULL;
            return error_set(err, 400, "request_invalid",
                             "Item %zu of the request body is not a valid asset id.", i);
        }
    }
    *count = total;
    return 0;
}

static json_t *failure_json(const char *id, const nh_error *failure)
{
    nh_error shown = *failure;
    if (shown.status >= 500)
        error_internal(&shown); /* never leak internal detail */
    return json_pack("{s:s, s:s, s:s, s:i}", "id", id, "code", shown.code, "message", shown.message,
                     "status", shown.status);
}

void asset_http_batch_delete(http_request *request, http_response *response)
{
    nh_error err;
    char(*ids)[ASSET_ID_SIZE] = NULL;
    size_t count = 0;
    if (read_batch_ids(request->json, &ids, &count, &err) != 0) {
        http_reply_error(response, &err);
        return;
    }
    audit_actor actor = audit_actor_of(request);
    json_t *not_found = json_array();
    json_t *failures = json_array();
    json_int_t deleted = 0;
    for (size_t i = 0; i < count; i++) {
        int64_t deleted_at;
        nh_error failure;
        if (asset_service_delete(service_of(request), ids[i], NULL, &actor, "asset.batch_delete",
                                 &deleted_at, &failure) == 0)
            deleted++;
        else if (failure.status == 404 && !strcmp(failure.code, "asset_not_found"))
            json_array_append_new(not_found, json_string(ids[i]));
        else
            json_array_append_new(failures, failure_json(ids[i], &failure));
    }
    free(ids);
    http_reply_built(response, 200,
                     json_pack("{s:I, s:I, s:o*, s:o*}", "requestedCount", (json_int_t)count,
                               "deletedCount", deleted, "notFoundIds", not_found, "failures",
                               failures));
}

/* ---- content ---------------------------------------------------------------------------- */

static void add_content_headers(http_response *response, const asset_content *content,
                                const char *cache_control)
{
    char last_modified[DELIVERY_HTTP_DATE_SIZE];
    asset_delivery_http_date(content->object.modified_ms, last_modified);
    http_response_header(response, "ETag", content->etag);
    http_response_header(response, "Last-Modified", last_modified);
    http_response_header(response, "Cache-Control", cache_control);
}

/* Fetch what the plan sends of a remote (deferred) object: only the range of a 206, the whole
 * object of a 200, nothing for 304, 412 and 416 (answered from the row's validators) nor for
 * HEAD (headers only). */
static int fetch_planned(const http_request *request, asset_content *content,
                         const delivery_plan *plan, nh_error *err)
{
    bool sends = plan->outcome == DELIVERY_PARTIAL || plan->outcome == DELIVERY_FULL;
    if (sends && !strcmp(request->method, "HEAD"))
        return asset_content_fetch_nothing(content, err);
    if (plan->outcome == DELIVERY_PARTIAL)
        return asset_content_fetch(content, plan->offset, plan->length, err);
    if (plan->outcome == DELIVERY_FULL)
        return asset_content_fetch(content, 0, 0, err);
    return 0;
}

/* Send an opened object honouring conditional and range headers; takes its descriptor. */
static void send_content(http_request *request, http_response *response, asset_content *content,
                         const char *cache_control)
{
    delivery_request conditions = {
        .if_none_match = http_request_header(request, "If-None-Match"),
        .if_modified_since = http_request_header(request, "If-Modified-Since"),
        .range = http_request_header(request, "Range"),
        .if_range = http_request_header(request, "If-Range"),
        .if_match = http_request_header(request, "If-Match"),
        .if_unmodified_since = http_request_header(request, "If-Unmodified-Since"),
    };
    delivery_object object = {content->etag, content->object.modified_ms, content->object.size};
    delivery_plan plan = asset_delivery_plan(&conditions, &object);
    nh_error err;
    if (fetch_planned(request, content, &plan, &err) != 0) {
        http_reply_error(response, &err);
        asset_content_close(content);
        return;
    }
    char content_range[96];
    switch (plan.outcome) {
    case DELIVERY_NOT_MODIFIED:
        http_reply_empty(response, 304);
        break;
    case DELIVERY_PRECONDITION_FAILED:
        http_reply_error_code(response, 412, "precondition_failed",
                              "The object does not match the request's preconditions.");
        break;
    case DELIVERY_UNSATISFIABLE:
        http_reply_error_code(response, 416, "range_not_satisfiable",
                              "The requested range is outside the %llu bytes of the object.",
                              (unsigned long long)content->object.size);
        snprintf(content_range, sizeof content_range, "bytes */%llu",
                 (unsigned long long)content->object.size);
        http_response_header(response, "Content-Range", content_range);
        break;
    case DELIVERY_PARTIAL:
        /* a remote range was fetched alone: its bytes start at offset 0 of the file */
        http_reply_file(response, 206, content->content_type, content->object.fd,
                        content->deferred ? 0 : plan.offset, plan.length);
        content->object.fd = -1;
        snprintf(content_range, sizeof content_range, "bytes %llu-%llu/%llu",
                 (unsigned long long)plan.offset,
                 (unsigned long long)(plan.offset + plan.length - 1),
                 (unsigned long long)content->object.size);
        http_response_header(response, "Content-Range", content_range);
        break;
    case DELIVERY_FULL:
        http_reply_file(response, 200, content->content_type, content->object.fd, 0,
                        content->object.size);
        content->object.fd = -1;
        break;
    }
    add_content_headers(response, content, cache_control);
    http_response_header(response, "Accept-Ranges", "bytes");
    asset_content_close(content);
}

/* X-Accel-Redirect mode: an empty 200 naming the file for the proxy in front, which sends it
 * and answers conditional and range requests itself (so no Accept-Ranges here: nginx adds its
 * own). Closes the content. */
static void send_accel(http_response *response, asset_content *content, const char *prefix,
                       const char *cache_control)
{
    asset_content_close(content);
    char *location = asset_delivery_accel_location(prefix, content->storage_key);
    http_reply_bytes(response, 200, content->content_type, "", 0);
    if (!location || http_response_header(response, "X-Accel-Redirect", location) != 0) {
        free(location);
        nh_error err;
        error_internal(&err);
        http_reply_error(response, &err);
        return;
    }
    free(location);
    add_content_headers(response, content, cache_control);
}

/* Send an opened object: by the proxy in front when Server__AccelRedirect__Prefix is set and
 * the object is a file under the local storage root, by NekoHub otherwise. */
static void deliver(http_request *request, http_response *response, asset_content *content,
                    const char *cache_control)
{
    const char *prefix = service_of(request)->cfg->accel_redirect_prefix;
    if (prefix && content->in_local_root)
        send_accel(response, content, prefix, cache_control);
    else
        send_content(request, response, content, cache_control);
}

void asset_http_content(http_request *request, http_response *response)
{
    asset_content content;
    char *redirect_url = NULL;
    nh_error err;
    if (asset_service_open_protected(service_of(request), http_request_param(request, "id"),
                                     service_of(request)->public_base_url, &content, &redirect_url,
                                     &err) != 0) {
        http_reply_error(response, &err);
        return;
    }
    if (redirect_url) {
        http_reply_empty(response, 307);
        http_response_header(response, "Location", redirect_url);
        free(redirect_url);
        return;
    }
    deliver(request, response, &content, PRIVATE_CACHE_CONTROL);
}

void asset_http_derivative_content(http_request *request, http_response *response)
{
    asset_content content;
    nh_error err;
    if (asset_service_open_derivative(service_of(request), http_request_param(request, "id"),
                                      http_request_param(request, "kind"), &content, &err) != 0) {
        http_reply_error(response, &err);
        return;
    }
    deliver(request, response, &content, PRIVATE_CACHE_CONTROL);
}

/* The reply of GET /content/{key} once the object is opened (rc 0) or refused (rc -1), shared
 * by the pooled handler and its fast path so both answer alike. */
static void reply_public_content(http_request *request, http_response *response, int rc,
                                 asset_content *content, const nh_error *err)
{
    if (rc != 0) {
        http_reply_error(response, err);
        return;
    }
    deliver(request, response, content, PUBLIC_CACHE_CONTROL);
}

void asset_http_public_content(http_request *request, http_response *response)
{
    asset_content content;
    nh_error err;
    int rc = asset_service_open_public(service_of(request),
                                       http_request_param(request, "storageKey"), &content, &err);
    reply_public_content(request, response, rc, &content, &err);
}

route_inline_result asset_http_public_content_inline(http_request *request, http_response *response)
{
    asset_content content;
    nh_error err;
    int rc = asset_service_open_public_inline(
        service_of(request), http_request_param(request, "storageKey"), &content, &err);
    if (rc == ASSET_OPEN_DEFERRED)
        return ROUTE_INLINE_DEFERRED;
    reply_public_content(request, response, rc, &content, &err);
    return ROUTE_INLINE_HANDLED;
}
