/* audit_http.c - the request's actor and the audit-log listing handler. */
#include "audit/audit_http.h"

#include "core/clock.h"
#include "http/paging.h"

audit_actor audit_actor_of(const http_request *request)
{
    audit_actor actor = {.principal = &request->principal,
                         .actor_name_override = NULL,
                         .client_address = request->client_address,
                         .user_agent = http_request_header(request, "User-Agent")};
    return actor;
}

static int parse_time_filter(const http_request *request, const char *name, int64_t *out,
                             bool *present, nh_error *err)
{
    const char *text = http_request_query(request, name);
    *present = false;
    if (!text || !*text)
        return 0;
    if (!clock_parse_iso(text, out))
        return error_set(err, 400, "request_invalid",
                         "The %s parameter must be an ISO-8601 date-time with an offset.", name);
    *present = true;
    return 0;
}

static const char *nonblank_query(const http_request *request, const char *name)
{
    const char *text = http_request_query(request, name);
    return text && *text ? text : NULL;
}

void audit_http_list(http_request *request, http_response *response)
{
    db *database = request->context;
    paging page;
    nh_error err;
    audit_filter filter = {.actor = nonblank_query(request, "actor"),
                           .action = nonblank_query(request, "action"),
                           .target = nonblank_query(request, "target")};
    json_t *items = NULL;
    int64_t total = 0;
    if (paging_parse(request, 50, 200, &page, &err) != 0 ||
        parse_time_filter(request, "fromUtc", &filter.from_ms, &filter.has_from, &err) != 0 ||
        parse_time_filter(request, "toUtc", &filter.to_ms, &filter.has_to, &err) != 0 ||
        audit_list(database, &filter, page.size, page.offset, &items, &total, &err) != 0) {
        http_reply_error(response, &err);
        return;
    }
    http_reply_data(response, 200,
                    json_pack("{s:o, s:i, s:i, s:I}", "items", items, "page", page.number,
                              "pageSize", page.size, "total", (json_int_t)total));
}
