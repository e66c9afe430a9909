/* audit.h - the audit log: who did what to whom, when, from where (beyond NekoHub).
 *
 * Every administrative change, sign-in (success and failure), logout, session revocation and
 * API-key change is recorded with audit_record(), inside the same transaction as the change
 * when there is one (pass that connection). Entries never hold a password, token or secret:
 * `changes` carries only the before/after of plain fields.
 *
 * audit_list() reads them back for GET /api/v1/audit-log (the HTTP side is audit_http.h).
 * No HTTP types here: every service may record without depending on the HTTP layer. */
#ifndef NH_AUDIT_H
#define NH_AUDIT_H

#include <jansson.h>

#include "core/principal.h"
#include "core/error.h"
#include "db/db.h"

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

/* Insert one entry on conn. Returns 0 or -1 (err filled). */
int audit_record(db_conn *conn, const audit_actor *actor, const audit_entry *entry, nh_error *err);

/* audit_record() of an entry made of its parts, taking (and freeing) changes: NULL changes
 * (building them ran out of memory) is a 500 with nothing recorded. */
int audit_record_changes(db_conn *conn, const audit_actor *actor, const char *action,
                         const char *target_type, const char *target_id, const char *target_name,
                         json_t *changes, nh_error *err);

/* Helper for `changes`: add {"before": before, "after": after} under field (steals both). */
void audit_change(json_t *changes, const char *field, json_t *before, json_t *after);

/* What a listing keeps: actor (id or name), action (exact, or a prefix ending in '.', e.g.
 * "user."), target (id or name), each NULL for any; occurred_at within [from_ms, to_ms] where
 * has_from / has_to. */
typedef struct audit_filter {
    const char *actor;
    const char *action;
    const char *target;
    int64_t from_ms;
    int64_t to_ms;
    bool has_from;
    bool has_to;
} audit_filter;

/* The entries matching filter, newest first, `limit` of them from `offset`, as JSON objects in
 * *items (caller owns), and how many match in all in *total. 0 or -1 (err filled). */
int audit_list(db *database, const audit_filter *filter, int64_t limit, int64_t offset,
               json_t **items, int64_t *total, nh_error *err);

#endif
