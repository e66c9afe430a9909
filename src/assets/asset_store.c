/* asset_store.c - SQL for assets (see asset_store.h). Written once for SQLite and
 * PostgreSQL: $N parameters, BIGINT epoch milliseconds, INTEGER 0/1 booleans. */
#include "assets/asset_store.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/clock.h"

#define ASSET_COLUMNS                                                                              \
    "id, type, status, original_file_name, stored_file_name, content_type, extension, size, "      \
    "width, height, checksum_sha256, storage_provider, storage_provider_profile_id, "              \
    "storage_key, public_url, is_public, description, alt_text, created_at, updated_at, "          \
    "created_by_user_id, created_by_username, tags"

/* The position of each column of ASSET_COLUMNS. */
enum {
    COLUMN_ID = 0,
    COLUMN_TYPE,
    COLUMN_STATUS,
    COLUMN_ORIGINAL_FILE_NAME,
    COLUMN_STORED_FILE_NAME,
    COLUMN_CONTENT_TYPE,
    COLUMN_EXTENSION,
    COLUMN_SIZE,
    COLUMN_WIDTH,
    COLUMN_HEIGHT,
    COLUMN_CHECKSUM,
    COLUMN_STORAGE_PROVIDER,
    COLUMN_PROFILE_ID,
    COLUMN_STORAGE_KEY,
    COLUMN_PUBLIC_URL,
    COLUMN_IS_PUBLIC,
    COLUMN_DESCRIPTION,
    COLUMN_ALT_TEXT,
    COLUMN_CREATED_AT,
    COLUMN_UPDATED_AT,
    COLUMN_CREATED_BY_USER_ID,
    COLUMN_CREATED_BY_USERNAME,
    COLUMN_TAGS,
};

/* ---- assets ----------------------------------------------------------------------------- */

int asset_store_insert(db_conn *conn, const asset_record *asset, nh_error *err)
{
    db_param params[] = {
        db_text(asset->id),
        db_text(asset->type),
        db_text(asset->status),
        db_text(asset->original_file_name),
        db_text(asset->stored_file_name),
        db_text(asset->content_type),
        db_text(asset->extension),
        db_int(asset->size),
        asset->has_width ? db_int(asset->width) : db_null(),
        asset->has_height ? db_int(asset->height) : db_null(),
        db_text(asset->checksum_sha256),
        db_text(asset->storage_provider),
        db_text(asset->storage_provider_profile_id),
        db_text(asset->storage_key),
        db_text(asset->public_url),
        db_bool(asset->is_public),
        db_text(asset->description),
        db_text(asset->alt_text),
        db_int(asset->created_at),
        db_int(asset->updated_at),
        db_text(asset->created_by_user_id),
        db_text(asset->created_by_username),
        db_text(asset->tags),
    };
    return db_exec(conn,
                   "INSERT INTO assets (" ASSET_COLUMNS ") VALUES ($1, $2, $3, $4, $5, $6, $7, "
                   "$8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)",
                   params, sizeof params / sizeof params[0], NULL, err);
}

int asset_store_find(db_conn *conn, const char *id, bool for_update, db_result **out, nh_error *err)
{
    db_param params[] = {db_text(id)};
    const char *sql = for_update ? "SELECT " ASSET_COLUMNS " FROM assets WHERE id = $1 FOR UPDATE"
                                 : "SELECT " ASSET_COLUMNS " FROM assets WHERE id = $1";
    return db_query(conn, sql, params, 1, out, err);
}

int asset_store_find_by_key(db_conn *conn, const char *storage_key, db_result **out, nh_error *err)
{
    db_param params[] = {db_text(storage_key)};
    return db_query(conn, "SELECT " ASSET_COLUMNS " FROM assets WHERE storage_key = $1", params, 1,
                    out, err);
}

void asset_record_from_row(const db_result *result, size_t row, asset_record *out)
{
    memset(out, 0, sizeof *out);
    out->id = db_result_text(result, row, COLUMN_ID);
    out->type = db_result_text(result, row, COLUMN_TYPE);
    out->status = db_result_text(result, row, COLUMN_STATUS);
    out->original_file_name = db_result_text(result, row, COLUMN_ORIGINAL_FILE_NAME);
    out->stored_file_name = db_result_text(result, row, COLUMN_STORED_FILE_NAME);
    out->content_type = db_result_text(result, row, COLUMN_CONTENT_TYPE);
    out->extension = db_result_text(result, row, COLUMN_EXTENSION);
    out->size = db_result_int64(result, row, COLUMN_SIZE);
    out->has_width = !db_result_is_null(result, row, COLUMN_WIDTH);
    out->width = db_result_int64(result, row, COLUMN_WIDTH);
    out->has_height = !db_result_is_null(result, row, COLUMN_HEIGHT);
    out->height = db_result_int64(result, row, COLUMN_HEIGHT);
    out->checksum_sha256 = db_result_text(result, row, COLUMN_CHECKSUM);
    out->storage_provider = db_result_text(result, row, COLUMN_STORAGE_PROVIDER);
    out->storage_provider_profile_id = db_result_text(result, row, COLUMN_PROFILE_ID);
    out->storage_key = db_result_text(result, row, COLUMN_STORAGE_KEY);
    out->public_url = db_result_text(result, row, COLUMN_PUBLIC_URL);
    out->is_public = db_result_int64(result, row, COLUMN_IS_PUBLIC) != 0;
    out->description = db_result_text(result, row, COLUMN_DESCRIPTION);
    out->alt_text = db_result_text(result, row, COLUMN_ALT_TEXT);
    out->created_at = db_result_int64(result, row, COLUMN_CREATED_AT);
    out->updated_at = db_result_int64(result, row, COLUMN_UPDATED_AT);
    out->created_by_user_id = db_result_text(result, row, COLUMN_CREATED_BY_USER_ID);
    out->created_by_username = db_result_text(result, row, COLUMN_CREATED_BY_USERNAME);
    out->tags = db_result_text(result, row, COLUMN_TAGS);
}

int asset_store_duplicate_of(db_conn *conn, const asset_record *asset, char out[ASSET_ID_SIZE],
                             bool *found, nh_error *err)
{
    *found = false;
    out[0] = '\0';
    if (!asset->checksum_sha256)
        return 0;
    db_param params[] = {db_text(asset->checksum_sha256), db_int(asset->created_at),
                         db_text(asset->id)};
    db_result *result = NULL;
    int rc = db_query(conn,
                      "SELECT id FROM assets WHERE checksum_sha256 = $1 AND "
                      "(created_at < $2 OR (created_at = $2 AND id < $3)) "
                      "ORDER BY created_at, id LIMIT 1",
                      params, 3, &result, err);
    if (rc == 0 && db_result_rows(result) == 1) {
        snprintf(out, ASSET_ID_SIZE, "%s", db_result_text(result, 0, 0));
        *found = true;
    }
    db_result_free(result);
    return rc;
}

/* ---- lists ------------------------------------------------------------------------------ */

/* A LIKE pattern that matches `text` literally ('\' escapes '%', '_' and itself), with
 * `suffix` ("%") appended and `prefix` prepended. Malloc'ed; NULL when out of memory. */
static char *like_pattern(const char *prefix, const char *text, const char *suffix)
{
    buf pattern;
    buf_init(&pattern, 0);
    int rc = buf_append_str(&pattern, prefix);
    for (const char *c = text; rc == 0 && *c; c++) {
        if (*c == '%' || *c == '_' || *c == '\\')
            rc = buf_append(&pattern, "\\", 1);
        if (rc == 0)
            rc = buf_append(&pattern, c, 1);
    }
    if (rc == 0)
        rc = buf_append_str(&pattern, suffix);
    if (rc != 0) {
        buf_free(&pattern);
        return NULL;
    }
    return buf_detach(&pattern);
}

static bool ends_with_wildcard_subtype(const char *content_type)
{
    size_t length = strlen(content_type);
    return length >= 2 && content_type[length - 2] == '/' && content_type[length - 1] == '*';
}

/* The WHERE clause of a list and its parameters. Patterns are owned by the query. */
typedef struct list_query {
    buf where;
    db_param params[6];
    size_t param_count;
    char *keyword_pattern;
    char *type_pattern;
} list_query;

static int add_param(list_query *query, db_param param)
{
    query->params[query->param_count++] = param;
    return (int)query->param_count;
}

static int build_where(list_query *query, const asset_list_filter *filter)
{
    buf_init(&query->where, 0);
    int rc = buf_append_str(&query->where, " WHERE 1 = 1");
    if (rc == 0 && filter->public_only)
        rc = buf_append_str(&query->where,
                            " AND is_public = 1 AND status = 'ready' AND deleted_at IS NULL");
    if (rc == 0 && filter->keyword) {
        query->keyword_pattern = like_pattern("%", filter->keyword, "%");
        if (!query->keyword_pattern)
            return -1;
        int n = add_param(query, db_text(query->keyword_pattern));
        rc = buf_printf(&query->where,
                        " AND (LOWER(original_file_name) LIKE LOWER(CAST($%d AS TEXT)) ESCAPE '\\'"
                        " OR LOWER(description) LIKE LOWER(CAST($%d AS TEXT)) ESCAPE '\\'"
                        " OR LOWER(alt_text) LIKE LOWER(CAST($%d AS TEXT)) ESCAPE '\\'"
                        " OR LOWER(tags) LIKE LOWER(CAST($%d AS TEXT)) ESCAPE '\\')",
                        n, n, n, n);
    }
    if (rc == 0 && filter->content_type) {
        bool prefix = ends_with_wildcard_subtype(filter->content_type);
        if (prefix) {
            size_t length = strlen(filter->content_type) - 1; /* keep the '/' */
            char *head = strndup(filter->content_type, length);
            query->type_pattern = head ? like_pattern("", head, "%") : NULL;
            free(head);
        } else {
            query->type_pattern = strdup(filter->content_type);
        }
        if (!query->type_pattern)
            return -1;
        int n = add_param(query, db_text(query->type_pattern));
        rc = prefix ? buf_printf(&query->where,
                                 " AND LOWER(content_type) LIKE LOWER(CAST($%d AS TEXT))"
                                 " ESCAPE '\\'",
                                 n)
                    : buf_printf(&query->where,
                                 " AND LOWER(content_type) = LOWER(CAST($%d AS TEXT))", n);
    }
    if (rc == 0 && filter->status) {
        int n = add_param(query, db_text(filter->status));
        rc = buf_printf(&query->where, " AND status = $%d", n);
    }
    if (rc == 0 && filter->created_by_user_id) {
        int n = add_param(query, db_text(filter->created_by_user_id));
        rc = buf_printf(&query->where, " AND created_by_user_id = $%d", n);
    }
    if (rc == 0 && filter->visibility != ASSET_VISIBILITY_ANY)
        rc = buf_append_str(&query->where, filter->visibility == ASSET_VISIBILITY_PUBLIC
                                               ? " AND is_public = 1"
                                               : " AND is_public = 0");
    return rc;
}

static void free_list_query(list_query *query)
{
    buf_free(&query->where);
    free(query->keyword_pattern);
    free(query->type_pattern);
}

static const char *order_clause(const asset_list_filter *filter)
{
    if (filter->public_only)
        return " ORDER BY created_at DESC, id DESC";
    if (filter->order == ASSET_ORDER_SIZE)
        return filter->ascending ? " ORDER BY size ASC, created_at DESC, id ASC"
                                 : " ORDER BY size DESC, created_at DESC, id DESC";
    return filter->ascending ? " ORDER BY created_at ASC, id ASC"
                             : " ORDER BY created_at DESC, id DESC";
}

int asset_store_list(db_conn *conn, const asset_list_filter *filter, db_result **rows,
                     int64_t *total, nh_error *err)
{
    *rows = NULL;
    *total = 0;
    list_query query;
    memset(&query, 0, sizeof query);
    buf sql;
    buf_init(&sql, 0);
    int rc = build_where(&query, filter);
    if (rc == 0)
        rc = buf_printf(&sql, "SELECT COUNT(*) FROM assets%s", query.where.data);
    if (rc != 0) {
        free_list_query(&query);
        buf_free(&sql);
        return error_internal(err);
    }
    db_result *count = NULL;
    rc = db_query(conn, sql.data, query.params, query.param_count, &count, err);
    if (rc == 0)
        *total = db_result_int64(count, 0, 0);
    db_result_free(count);
    if (rc == 0) {
        buf_free(&sql);
        buf_init(&sql, 0);
        int limit = add_param(&query, db_int(filter->limit));
        int offset = add_param(&query, db_int(filter->offset));
        if (buf_printf(&sql, "SELECT " ASSET_COLUMNS " FROM assets%s%s LIMIT $%d OFFSET $%d",
                       query.where.data, order_clause(filter), limit, offset) != 0)
            rc = error_internal(err);
    }
    if (rc == 0)
        rc = db_query(conn, sql.data, query.params, query.param_count, rows, err);
    free_list_query(&query);
    buf_free(&sql);
    return rc;
}

/* ---- changes ---------------------------------------------------------------------------- */

int asset_store_update(db_conn *conn, const char *id, const asset_update *update, nh_error *err)
{
    db_param params[7];
    size_t count = 0;
    buf sql;
    buf_init(&sql, 0);
    params[count++] = db_int(update->updated_at);
    int rc = buf_append_str(&sql, "UPDATE assets SET updated_at = $1");
    if (rc == 0 && update->set_description) {
        params[count++] = db_text(update->description);
        rc = buf_printf(&sql, ", description = $%zu", count);
    }
    if (rc == 0 && update->set_alt_text) {
        params[count++] = db_text(update->alt_text);
        rc = buf_printf(&sql, ", alt_text = $%zu", count);
    }
    if (rc == 0 && update->set_tags) {
        params[count++] = db_text(update->tags);
        rc = buf_printf(&sql, ", tags = $%zu", count);
    }
    if (rc == 0 && update->set_original_file_name) {
        params[count++] = db_text(update->original_file_name);
        rc = buf_printf(&sql, ", original_file_name = $%zu", count);
    }
    if (rc == 0 && update->set_is_public) {
        params[count++] = db_bool(update->is_public);
        rc = buf_printf(&sql, ", is_public = $%zu", count);
    }
    params[count++] = db_text(id);
    if (rc == 0)
        rc = buf_printf(&sql, " WHERE id = $%zu", count);
    if (rc != 0) {
        buf_free(&sql);
        return error_internal(err);
    }
    rc = db_exec(conn, sql.data, params, count, NULL, err);
    buf_free(&sql);
    return rc;
}

int asset_store_delete(db_conn *conn, const char *id, int64_t *affected, nh_error *err)
{
    db_param params[] = {db_text(id)};
    return db_exec(conn, "DELETE FROM assets WHERE id = $1", params, 1, affected, err);
}

/* ---- what hangs off an asset ------------------------------------------------------------ */

int asset_store_derivatives(db_conn *conn, const char *asset_id, db_result **out, nh_error *err)
{
    db_param params[] = {db_text(asset_id)};
    return db_query(conn,
                    "SELECT kind, content_type, extension, size, width, height, public_url, "
                    "created_at FROM asset_derivatives WHERE source_asset_id = $1 "
                    "ORDER BY created_at, id",
                    params, 1, out, err);
}

void asset_derivative_from_row(const db_result *result, size_t row, asset_derivative *out)
{
    out->kind = db_result_text(result, row, 0);
    out->content_type = db_result_text(result, row, 1);
    out->extension = db_result_text(result, row, 2);
    out->size = db_result_int64(result, row, 3);
    out->has_width = !db_result_is_null(result, row, 4);
    out->width = db_result_int64(result, row, 4);
    out->has_height = !db_result_is_null(result, row, 5);
    out->height = db_result_int64(result, row, 5);
    out->public_url = db_result_text(result, row, 6);
    out->created_at = db_result_int64(result, row, 7);
}

/* "<head>$1, $2, ... $n<tail>" with the ids of the page's rows as parameters (column 0 of
 * asset rows); "IN (NULL)" for an empty page. *params is malloc'ed (free it). */
static int page_query(const db_result *assets, const char *head, const char *tail, buf *sql,
                      db_param **params, size_t *count)
{
    *count = db_result_rows(assets);
    *params = calloc(*count ? *count : 1, sizeof **params);
    if (!*params)
        return -1;
    buf_init(sql, 0);
    buf_append_str(sql, head);
    for (size_t i = 0; i < *count; i++) {
        (*params)[i] = db_text(db_result_text(assets, i, COLUMN_ID));
        buf_printf(sql, "%s$%zu", i ? ", " : "", i + 1);
    }
    if (*count == 0)
        buf_append_str(sql, "NULL");
    buf_append_str(sql, tail);
    return buf_failed(sql) ? -1 : 0;
}

static int query_page(db_conn *conn, const db_result *assets, const char *head, const char *tail,
                      db_result **out, nh_error *err)
{
    *out = NULL;
    buf sql;
    db_param *params = NULL;
    size_t count = 0;
    int rc = page_query(assets, head, tail, &sql, &params, &count) != 0
                 ? error_internal(err)
                 : db_query(conn, sql.data, params, count, out, err);
    buf_free(&sql);
    free(params);
    return rc;
}

int asset_store_derivatives_of_page(db_conn *conn, const db_result *assets, db_result **out,
                                    nh_error *err)
{
    return query_page(conn, assets,
                      "SELECT kind, content_type, extension, size, width, height, public_url, "
                      "created_at, source_asset_id FROM asset_derivatives "
                      "WHERE source_asset_id IN (",
                      ") ORDER BY source_asset_id, created_at, id", out, err);
}

int asset_store_find_derivative(db_conn *conn, const char *asset_id, const char *kind,
                                db_result **out, nh_error *err)
{
    db_param params[] = {db_text(asset_id), db_text(kind)};
    return db_query(conn,
                    "SELECT content_type, storage_key, size, checksum_sha256, storage_provider, "
                    "created_at FROM asset_derivatives WHERE source_asset_id = $1 AND kind = $2",
                    params, 2, out, err);
}

int asset_store_derivative_keys(db_conn *conn, const char *asset_id, db_result **out, nh_error *err)
{
    db_param params[] = {db_text(asset_id)};
    return db_query(conn,
                    "SELECT storage_key, storage_provider FROM asset_derivatives "
                    "WHERE source_asset_id = $1 ORDER BY created_at, id",
                    params, 1, out, err);
}

int asset_store_find_derivative_by_key(db_conn *conn, const char *storage_key, db_result **out,
                                       nh_error *err)
{
    db_param params[] = {db_text(storage_key)};
    return db_query(conn,
                    "SELECT d.content_type, d.storage_key, d.size, d.checksum_sha256, "
                    "a.is_public, a.status, a.storage_provider, a.storage_provider_profile_id, "
                    "d.storage_provider, d.created_at FROM asset_derivatives d "
                    "JOIN assets a ON a.id = d.source_asset_id WHERE d.storage_key = $1",
                    params, 1, out, err);
}

int asset_store_structured_results(db_conn *conn, const char *asset_id, db_result **out,
                                   nh_error *err)
{
    db_param params[] = {db_text(asset_id)};
    return db_query(conn,
                    "SELECT kind, payload_json, created_at FROM asset_structured_results "
                    "WHERE source_asset_id = $1 ORDER BY created_at, id",
                    params, 1, out, err);
}

int asset_store_latest_execution(db_conn *conn, const char *asset_id, db_result **execution,
                                 db_result **steps, nh_error *err)
{
    *steps = NULL;
    db_param params[] = {db_text(asset_id)};
    int rc = db_query(conn,
                      "SELECT id, skill_name, trigger_source, started_at, completed_at, "
                      "succeeded FROM asset_skill_executions WHERE source_asset_id = $1 "
                      "ORDER BY started_at DESC, id DESC LIMIT 1",
                      params, 1, execution, err);
    if (rc != 0 || db_result_rows(*execution) == 0)
        return rc;
    db_param step_params[] = {db_text(db_result_text(*execution, 0, 0))};
    return db_query(conn,
                    "SELECT " ASSET_STEP_COLUMNS " FROM asset_skill_execution_steps "
                    "WHERE execution_id = $1 "
                    "ORDER BY started_at, step_name",
                    step_params, 1, steps, err);
}

/* ---- usage ------------------------------------------------------------------------------ */

#define ACTIVE_ASSET "deleted_at IS NULL AND status <> 'deleted'"

int asset_store_usage_totals(db_conn *conn, asset_usage_totals *out, nh_error *err)
{
    memset(out, 0, sizeof *out);
    db_result *result = NULL;
    int rc = db_query(conn,
                      "SELECT COUNT(*), COALESCE(SUM(size), 0), "
                      "(SELECT COUNT(*) FROM asset_derivatives d JOIN assets p "
                      "ON p.id = d.source_asset_id WHERE p.deleted_at IS NULL "
                      "AND p.status <> 'deleted') "
                      "FROM assets WHERE " ACTIVE_ASSET,
                      NULL, 0, &result, err);
    if (rc == 0) {
        out->assets = db_result_int64(result, 0, 0);
        out->bytes = db_result_int64(result, 0, 1);
        out->derivatives = db_result_int64(result, 0, 2);
    }
    db_result_free(result);
    return rc;
}

int asset_store_usage_by_type(db_conn *conn, db_result **out, nh_error *err)
{
    return db_query(conn,
                    "SELECT content_type, COUNT(*), COALESCE(SUM(size), 0) FROM assets "
                    "WHERE " ACTIVE_ASSET " GROUP BY content_type "
                    "ORDER BY COUNT(*) DESC, content_type ASC",
                    NULL, 0, out, err);
}

int asset_store_most_active_skill(db_conn *conn, db_result **out, nh_error *err)
{
    return db_query(conn,
                    "SELECT e.skill_name, COUNT(*) FROM asset_skill_executions e "
                    "JOIN assets a ON a.id = e.source_asset_id "
                    "WHERE a.deleted_at IS NULL AND a.status <> 'deleted' "
                    "GROUP BY e.skill_name ORDER BY COUNT(*) DESC, e.skill_name ASC LIMIT 1",
                    NULL, 0, out, err);
}

/* ---- storage objects waiting to be removed ---------------------------------------------- */

static int add_pending(db_conn *conn, const char *id, const char *storage_provider,
                       const char *profile_id, const char *storage_key, const char *reason,
                       nh_error *err)
{
    int64_t now = clock_now_ms();
    db_param params[] = {db_text(id),         db_text(storage_provider),
                         db_text(profile_id), db_text(storage_key),
                         db_int(now),         db_int(now),
                         db_text(reason)};
    return db_exec(conn,
                   "INSERT INTO storage_pending_deletions (id, storage_provider, "
                   "storage_provider_profile_id, storage_key, attempts, created_at, updated_at, "
                   "reason) VALUES ($1, $2, $3, $4, 0, $5, $6, $7)",
                   params, 7, NULL, err);
}

int asset_store_add_pending_deletion(db_conn *conn, const char *id, const char *storage_provider,
                                     const char *profile_id, const char *storage_key, nh_error *err)
{
    return add_pending(conn, id, storage_provider, profile_id, storage_key, "removal", err);
}

int asset_store_add_upload_intent(db_conn *conn, const char *id, const char *storage_provider,
                                  const char *profile_id, const char *storage_key, nh_error *err)
{
    return add_pending(conn, id, storage_provider, profile_id, storage_key, "upload", err);
}

int asset_store_pending_deletions(db_conn *conn, int64_t intents_before, int64_t limit,
                                  db_result **out, nh_error *err)
{
    db_param params[] = {db_int(intents_before), db_int(limit)};
    return db_query(conn,
                    "SELECT id, storage_provider, storage_provider_profile_id, storage_key "
                    "FROM storage_pending_deletions WHERE reason = 'removal' OR created_at < $1 "
                    "ORDER BY created_at, id LIMIT $2",
                    params, 2, out, err);
}

int asset_store_key_in_use(db_conn *conn, const char *storage_key, bool *in_use, nh_error *err)
{
    db_param params[] = {db_text(storage_key)};
    db_result *result = NULL;
    int rc = db_query(conn,
                      "SELECT 1 FROM assets WHERE storage_key = $1 "
                      "UNION ALL SELECT 1 FROM asset_derivatives WHERE storage_key = $1",
                      params, 1, &result, err);
    if (rc != 0)
        return rc;
    *in_use = db_result_rows(result) > 0;
    db_result_free(result);
    return 0;
}

int asset_store_remove_pending_deletion(db_conn *conn, const char *id, nh_error *err)
{
    db_param params[] = {db_text(id)};
    return db_exec(conn, "DELETE FROM storage_pending_deletions WHERE id = $1", params, 1, NULL,
                   err);
}

int asset_store_note_pending_failure(db_conn *conn, const char *id, const char *reason,
                                     nh_error *err)
{
    db_param params[] = {db_text(reason), db_int(clock_now_ms()), db_text(id)};
    return db_exec(conn,
                   "UPDATE storage_pending_deletions SET attempts = attempts + 1, "
                   "last_error = $1, updated_at = $2 WHERE id = $3",
                   params, 3, NULL, err);
}
