/* audit.h - the audit log: who did what to whom, when, from where (beyond NekoHub).
 *
 * Every administrative change, sign-in (success and failure), logout, session revocation and
 * API-key change is recorded with audit_record(), inside the same transaction as the change
 * when there is one (pass that connection). Entries never hold a password, token or secret:
 * `changes` carries only the before/after of plain fields.
 *
 * GET /api/v1/audit-log (permission audit.read) lists entries newest first with paging and
 * filters: actor (id or name), action (exact, or a prefix ending in '.', e.g. "user."),
 * target (id or name), fromUtc / toUtc (ISO-8601). */
#ifndef NH_AUDIT_H
#define NH_AUDIT_H

#include <jansson.h>

#include "core/principal.h"
#include "core/error.h"
#include "db/db.h"
#include "http/request.h"
#include "http/response.h"

typedef struct audit_entry {
    const char *action;      /* e.g. "user.create", "auth.login_failed", "asset.delete" */
    const char *target_type; /* e.g. "user", "asset", "api_key"; may be NULL */
    const char *target_id;   /* may be NULL */
    const char *target_name; /* may be NULL */
    json_t *changes;         /* {"field": {"before": x, "after": y}} or NULL; borrowed */
} audit_entry;

/* Who and from where: taken from the request's principal, client address and User-Agent.
 * For anonymous requests (sign-in) actor_name_override names the claimed username. */
typedef struct audit_actor {
    const auth_principal *principal;
    const char *actor_name_override;
    const char *client_address;
    const char *user_agent;
} audit_actor;

/* The actor of an HTTP request. */
audit_actor audit_actor_of(const http_request *request);

/* Insert one entry on conn. Returns 0 or -1 (err filled). */
int audit_record(db_conn *conn, const audit_actor *actor, const audit_entry *entry,
                 nh_error *err);

/* Helper for `changes`: add {"before": before, "after": after} under field (steals both). */
void audit_change(json_t *changes, const char *field, json_t *before, json_t *after);

/* GET /api/v1/audit-log */
void audit_http_list(http_request *request, http_response *response);

#endif
