/* audit_http.h - the HTTP side of the audit log: who the actor of a request is, and
 * GET /api/v1/audit-log (permission audit.read), which lists entries newest first with paging
 * (page, pageSize: 50 by default, at most 200) and the filters of audit_filter as query
 * parameters actor, action, target, fromUtc and toUtc (ISO-8601 with an offset; anything else
 * is 400 request_invalid). The route's context (request->context) is the database pool. */
#ifndef NH_AUDIT_AUDIT_HTTP_H
#define NH_AUDIT_AUDIT_HTTP_H

#include "audit/audit.h"
#include "http/request.h"
#include "http/response.h"

/* The actor of an HTTP request: its principal, client address and User-Agent (all borrowed from
 * the request, valid while it is). */
audit_actor audit_actor_of(const http_request *request);

void audit_http_list(http_request *request, http_response *response);

#endif
