/* workflow_store.c - SQL of workflow profiles (see workflow_store.h). */
#include "workflows/workflow_store.h"

#include <string.h>

#define WORKFLOW_COLUMNS                                                                           \
    "id, name, normalized_name, description, is_auto_run, graph_json, created_at, updated_at"

enum {
    COL_ID = 0,
    COL_NAME,
    COL_NORMALIZED_NAME,
    COL_DESCRIPTION,
    COL_AUTO_RUN,
    COL_GRAPH_JSON,
    COL_CREATED_AT,
    COL_UPDATED_AT,
    COL_COUNT,
};

void workflow_record_from_row(const db_result *result, size_t row, workflow_record *out)
{
    memset(out, 0, sizeof *out);
    out->id = db_result_text(result, row, COL_ID);
    out->name = db_result_text(result, row, COL_NAME);
    out->normalized_name = db_result_text(result, row, COL_NORMALIZED_NAME);
    out->description = db_result_text(result, row, COL_DESCRIPTION);
    out->is_auto_run = db_result_int64(result, row, COL_AUTO_RUN) != 0;
    out->graph_json = db_result_text(result, row, COL_GRAPH_JSON);
    out->created_at = db_result_int64(result, row, COL_CREATED_AT);
    out->updated_at = db_result_int64(result, row, COL_UPDATED_AT);
}

int workflow_store_lock(db_conn *conn, nh_error *err)
{
    return db_lock_named(conn, "workflows.profiles_lock", err);
}

int workflow_store_list(db_conn *conn, db_result **out, nh_error *err)
{
    return db_query(conn,
                    "SELECT " WORKFLOW_COLUMNS " FROM workflow_profiles"
                    " ORDER BY is_auto_run DESC, name, id",
                    NULL, 0, out, err);
}

int workflow_store_find(db_conn *conn, const char *id, db_result **out, nh_error *err)
{
    db_param params[] = {db_text(id)};
    return db_query(conn, "SELECT " WORKFLOW_COLUMNS " FROM workflow_profiles WHERE id = $1",
                    params, 1, out, err);
}

int workflow_store_find_auto_run(db_conn *conn, db_result **out, nh_error *err)
{
    return db_query(conn,
                    "SELECT " WORKFLOW_COLUMNS " FROM workflow_profiles WHERE is_auto_run = 1"
                    " ORDER BY updated_at DESC, id LIMIT 1",
                    NULL, 0, out, err);
}

int workflow_store_name_taken(db_conn *conn, const char *name_key, const char *except_id,
                              bool *taken, nh_error *err)
{
    db_param params[] = {db_text(name_key), db_text(except_id ? except_id : "")};
    db_result *result = NULL;
    int rc =
        db_query(conn, "SELECT 1 FROM workflow_profiles WHERE normalized_name = $1 AND id <> $2",
                 params, 2, &result, err);
    *taken = rc == 0 && db_result_rows(result) > 0;
    db_result_free(result);
    return rc;
}

/* The parameters of every column in WORKFLOW_COLUMNS order. */
static void workflow_params(const workflow_record *w, db_param params[COL_COUNT])
{
    params[COL_ID] = db_text(w->id);
    params[COL_NAME] = db_text(w->name);
    params[COL_NORMALIZED_NAME] = db_text(w->normalized_name);
    params[COL_DESCRIPTION] = db_text(w->description);
    params[COL_AUTO_RUN] = db_bool(w->is_auto_run);
    params[COL_GRAPH_JSON] = db_text(w->graph_json);
    params[COL_CREATED_AT] = db_int(w->created_at);
    params[COL_UPDATED_AT] = db_int(w->updated_at);
}

int workflow_store_insert(db_conn *conn, const workflow_record *workflow, nh_error *err)
{
    db_param params[COL_COUNT];
    workflow_params(workflow, params);
    return db_exec(conn,
                   "INSERT INTO workflow_profiles (" WORKFLOW_COLUMNS ")"
                   " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                   params, COL_COUNT, NULL, err);
}

int workflow_store_update(db_conn *conn, const workflow_record *workflow, nh_error *err)
{
    db_param params[COL_COUNT];
    workflow_params(workflow, params);
    /* $7 (created_at) is not written: the same parameter list serves insert and update */
    return db_exec(conn,
                   "UPDATE workflow_profiles SET name = $2, normalized_name = $3, description = $4,"
                   " is_auto_run = $5, graph_json = $6, updated_at = $8"
                   " WHERE id = $1 AND created_at = $7",
                   params, COL_COUNT, NULL, err);
}

int workflow_store_delete(db_conn *conn, const char *id, bool *deleted, nh_error *err)
{
    db_param params[] = {db_text(id)};
    int64_t affected = 0;
    int rc =
        db_exec(conn, "DELETE FROM workflow_profiles WHERE id = $1", params, 1, &affected, err);
    *deleted = rc == 0 && affected > 0;
    return rc;
}

int workflow_store_clear_auto_run(db_conn *conn, const char *except_id, int64_t now, nh_error *err)
{
    db_param params[] = {db_text(except_id ? except_id : ""), db_int(now)};
    return db_exec(conn,
                   "UPDATE workflow_profiles SET is_auto_run = 0, updated_at = $2"
                   " WHERE is_auto_run = 1 AND id <> $1",
                   params, 2, NULL, err);
}
