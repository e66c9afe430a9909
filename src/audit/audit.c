/* audit.c - recording and listing audit-log entries. */
#include "audit/audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/text.h"
#include "core/uuid.h"

void audit_change(json_t *changes, const char *field, json_t *before, json_t *after)
{
    json_object_set_new(changes, field,
                        json_pack("{s:o, s:o}", "before", before ? before : json_null(), "after",
                                  after ? after : json_null()));
}

static const char *actor_type_of(const auth_principal *principal)
{
    switch (principal ? principal->kind : PRINCIPAL_ANONYMOUS) {
    case PRINCIPAL_USER:
        return "user";
    case PRINCIPAL_MACHINE_KEY:
        return "apiKey";
    case PRINCIPAL_PERSONAL_KEY:
        return "personalApiKey";
    case PRINCIPAL_ANONYMOUS:
    default:
        return "anonymous";
    }
}

/* Keep stored client-supplied text bounded (User-Agent can be long) and UTF-8: header bytes
 * are whatever the client sent, and PostgreSQL refuses text that is not UTF-8 (failing the whole
 * audited action) while the listing could not render it. */
static void bounded_copy(char *out, size_t size, const char *text)
{
    if (!text) {
        out[0] = '\0';
        return;
    }
    size_t length = strnlen(text, size - 1);
    while (length > 0 && ((unsigned char)text[length] & 0xC0) == 0x80)
        length--; /* do not cut a UTF-8 sequence */
    memcpy(out, text, length);
    out[length] = '\0';
    text_utf8_scrub(out);
}

int audit_record(db_conn *conn, const audit_actor *actor, const audit_entry *entry, nh_error *err)
{
    char id[UUID_TEXT_SIZE];
    uuid_v7(id);
    const auth_principal *principal = actor->principal;
    bool system_actor = principal == NULL && actor->actor_name_override == NULL;
    const char *actor_type = system_actor ? "system" : actor_type_of(principal);
    const char *actor_id = NULL;
    const char *actor_name = actor->actor_name_override;
    if (principal && principal->kind != PRINCIPAL_ANONYMOUS) {
        actor_id =
            principal->kind == PRINCIPAL_PERSONAL_KEY ? principal->key_id : principal->user_id;
        if (!actor_name)
            actor_name = principal->username;
    }
    char user_agent[256];
    bounded_copy(user_agent, sizeof user_agent, actor->user_agent);
    char *changes =
        entry->changes ? json_dumps(entry->changes, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    if (entry->changes && !changes) /* never a row that silently lacks what changed */
        return error_internal(err);
    db_param params[] = {db_text(id),
                         db_int(clock_now_ms()),
                         db_text(actor_type),
                         db_text(actor_id),
                         db_text(actor_name),
                         db_text(entry->action),
                         db_text(entry->target_type),
                         db_text(entry->target_id),
                         db_text(entry->target_name),
                         db_text(actor->client_address),
                         db_text(actor->user_agent ? user_agent : NULL),
                         db_text(changes)};
    int rc = db_exec(conn,
                     "INSERT INTO audit_log (id, occurred_at, actor_type, actor_id, actor_name, "
                     "action, target_type, target_id, target_name, client_address, user_agent, "
                     "changes) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                     params, 12, NULL, err);
    free(changes);
    return rc;
}

int audit_record_changes(db_conn *conn, const audit_actor *actor, const char *action,
                         const char *target_type, const char *target_id, const char *target_name,
                         json_t *changes, nh_error *err)
{
    if (!changes)
        return error_internal(err);
    audit_entry entry = {.action = action,
                         .target_type = target_type,
                         .target_id = target_id,
                         .target_name = target_name,
                         .changes = changes};
    int rc = audit_record(conn, actor, &entry, err);
    json_decref(changes);
    return rc;
}

/* ---- listing --------------------------------------------------------------------------- */

/* Build "WHERE ..." with $N parameters; params/values must have room for 8 entries. */
static void build_where(const audit_filter *filter, buf *sql, db_param *params, size_t *count)
{
    buf_append_str(sql, " WHERE 1 = 1");
    if (filter->actor) {
        params[*count] = db_text(filter->actor);
        (*count)++;
        buf_printf(sql, " AND (actor_id = $%zu OR actor_name = $%zu)", *count, *count);
    }
    if (filter->action) {
        size_t length = strlen(filter->action);
        if (length > 0 && filter->action[length - 1] == '.') {
            /* A prefix: compared exactly (LIKE would treat '_' and '%' as wildcards, and SQLite's
             * LIKE ignores case). Actions are ASCII, so bytes are characters. */
            params[*count] = db_text(filter->action);
            (*count)++;
            buf_printf(sql, " AND substr(action, 1, %zu) = $%zu", length, *count);
        } else {
            params[*count] = db_text(filter->action);
            (*count)++;
            buf_printf(sql, " AND action = $%zu", *count);
        }
    }
    if (filter->target) {
        params[*count] = db_text(filter->target);
        (*count)++;
        buf_printf(sql, " AND (target_id = $%zu OR target_name = $%zu)", *count, *count);
    }
    if (filter->has_from) {
        params[*count] = db_int(filter->from_ms);
        (*count)++;
        buf_printf(sql, " AND occurred_at >= $%zu", *count);
    }
    if (filter->has_to) {
        params[*count] = db_int(filter->to_ms);
        (*count)++;
        buf_printf(sql, " AND occurred_at <= $%zu", *count);
    }
}

static json_t *text_or_null(const db_result *result, size_t row, size_t column)
{
    const char *text = db_result_text(result, row, column);
    return text ? json_string(text) : json_null();
}

static json_t *entry_json(const db_result *result, size_t row)
{
    char occurred[CLOCK_ISO_SIZE];
    clock_format_iso(db_result_int64(result, row, 1), occurred);
    json_t *changes = json_null();
    const char *changes_text = db_result_text(result, row, 11);
    if (changes_text) {
        json_t *parsed = json_loads(changes_text, 0, NULL);
        if (parsed) {
            json_decref(changes);
            changes = parsed;
        }
    }
    return json_pack("{s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "id",
                     text_or_null(result, row, 0), "occurredAtUtc", occurred, "actorType",
                     text_or_null(result, row, 2), "actorId", text_or_null(result, row, 3),
                     "actorName", text_or_null(result, row, 4), "action",
                     text_or_null(result, row, 5), "targetType", text_or_null(result, row, 6),
                     "targetId", text_or_null(result, row, 7), "targetName",
                     text_or_null(result, row, 8), "clientAddress", text_or_null(result, row, 9),
                     "userAgent", text_or_null(result, row, 10), "changes", changes);
}

/* Run one statement built from the filter's WHERE clause; a failed allocation while building
 * it is an internal error, never a NULL statement. */
static int query_with_where(db_conn *conn, buf *sql, const db_param *params, size_t count,
                            db_result **out, nh_error *err)
{
    if (!sql->data)
        return error_internal(err);
    return db_query(conn, sql->data, params, count, out, err);
}

static int query_page(db_conn *conn, const audit_filter *filter, int64_t limit, int64_t offset,
                      json_t **items, int64_t *total, nh_error *err)
{
    db_param params[8];
    size_t count = 0;
    buf where;
    buf_init(&where, 0);
    build_where(filter, &where, params, &count);
    buf count_sql, page_sql;
    buf_init(&count_sql, 0);
    buf_init(&page_sql, 0);
    int rc = where.data ? 0 : error_internal(err);
    if (rc == 0 && buf_printf(&count_sql, "SELECT COUNT(*) FROM audit_log%s", where.data) != 0)
        buf_free(&count_sql);
    params[count] = db_int(limit);
    params[count + 1] = db_int(offset);
    if (rc == 0 &&
        buf_printf(&page_sql,
                   "SELECT id, occurred_at, actor_type, actor_id, actor_name, action, "
                   "target_type, target_id, target_name, client_address, user_agent, changes "
                   "FROM audit_log%s ORDER BY occurred_at DESC, id DESC LIMIT $%zu OFFSET $%zu",
                   where.data, count + 1, count + 2) != 0)
        buf_free(&page_sql);
    db_result *result = NULL;
    if (rc == 0)
        rc = query_with_where(conn, &count_sql, params, count, &result, err);
    if (rc == 0) {
        *total = db_result_int64(result, 0, 0);
        db_result_free(result);
        result = NULL;
        rc = query_with_where(conn, &page_sql, params, count + 2, &result, err);
    }
    buf_free(&count_sql);
    buf_free(&page_sql);
    buf_free(&where);
    if (rc != 0)
        return rc;
    *items = json_array();
    for (size_t row = 0; *items && row < db_result_rows(result); row++) {
        json_t *entry = entry_json(result, row);
        if (!entry || json_array_append_new(*items, entry) != 0) {
            json_decref(*items);
            *items = NULL;
        }
    }
    db_result_free(result);
    return *items ? 0 : error_internal(err);
}

int audit_list(db *database, const audit_filter *filter, int64_t limit, int64_t offset,
               json_t **items, int64_t *total, nh_error *err)
{
    db_conn *conn = db_acquire(database, err);
    if (!conn)
        return -1;
    int rc = query_page(conn, filter, limit, offset, items, total, err);
    db_release(database, conn);
    return rc == 0 ? 0 : -1;
}
