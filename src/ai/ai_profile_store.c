/* ai_profile_store.c - SQL of AI provider profiles (see ai_profile_store.h). */
#include "ai/ai_profile_store.h"

#include <stdlib.h>
#include <string.h>

#define AI_PROFILE_COLUMNS                                                                         \
    "id, name, normalized_name, api_base_url, api_key_sealed, api_key_mask, model_name, "          \
    "default_system_prompt, is_active, created_at, updated_at"

enum {
    COL_ID = 0,
    COL_NAME,
    COL_NORMALIZED_NAME,
    COL_API_BASE_URL,
    COL_API_KEY_SEALED,
    COL_API_KEY_MASK,
    COL_MODEL_NAME,
    COL_SYSTEM_PROMPT,
    COL_ACTIVE,
    COL_CREATED_AT,
    COL_UPDATED_AT,
    COL_COUNT
};

void ai_profile_record_from_row(const db_result *result, size_t row, ai_profile_record *out)
{
    memset(out, 0, sizeof *out);
    out->id = db_result_text(result, row, COL_ID);
    out->name = db_result_text(result, row, COL_NAME);
    out->normalized_name = db_result_text(result, row, COL_NORMALIZED_NAME);
    out->api_base_url = db_result_text(result, row, COL_API_BASE_URL);
    out->api_key_sealed = db_result_text(result, row, COL_API_KEY_SEALED);
    out->api_key_mask = db_result_text(result, row, COL_API_KEY_MASK);
    out->model_name = db_result_text(result, row, COL_MODEL_NAME);
    out->default_system_prompt = db_result_text(result, row, COL_SYSTEM_PROMPT);
    out->is_active = db_result_int64(result, row, COL_ACTIVE) != 0;
    out->created_at = db_result_int64(result, row, COL_CREATED_AT);
    out->updated_at = db_result_int64(result, row, COL_UPDATED_AT);
}

int ai_profile_store_lock(db_conn *conn, nh_error *err)
{
    return db_lock_named(conn, "ai.profiles_lock", err);
}

int ai_profile_store_list(db_conn *conn, db_result **out, nh_error *err)
{
    return db_query(conn,
                    "SELECT " AI_PROFILE_COLUMNS " FROM ai_provider_profiles"
                    " ORDER BY is_active DESC, name, id",
                    NULL, 0, out, err);
}

int ai_profile_store_find(db_conn *conn, const char *id, db_result **out, nh_error *err)
{
    db_param params[] = {db_text(id)};
    return db_query(conn, "SELECT " AI_PROFILE_COLUMNS " FROM ai_provider_profiles WHERE id = $1",
                    params, 1, out, err);
}

int ai_profile_store_find_active(db_conn *conn, db_result **out, nh_error *err)
{
    return db_query(conn,
                    "SELECT " AI_PROFILE_COLUMNS " FROM ai_provider_profiles"
                    " WHERE is_active = 1 ORDER BY updated_at DESC, name LIMIT 1",
                    NULL, 0, out, err);
}

int ai_profile_store_name_taken(db_conn *conn, const char *name_key, const char *except_id,
                                bool *taken, nh_error *err)
{
    db_param params[] = {db_text(name_key), db_text(except_id ? except_id : "")};
    db_result *result = NULL;
    int rc =
        db_query(conn, "SELECT 1 FROM ai_provider_profiles WHERE normalized_name = $1 AND id <> $2",
                 params, 2, &result, err);
    *taken = rc == 0 && db_result_rows(result) > 0;
    db_result_free(result);
    return rc;
}

/* The parameters of every column in AI_PROFILE_COLUMNS order. */
static void record_params(const ai_profile_record *p, db_param params[COL_COUNT])
{
    params[COL_ID] = db_text(p->id);
    params[COL_NAME] = db_text(p->name);
    params[COL_NORMALIZED_NAME] = db_text(p->normalized_name);
    params[COL_API_BASE_URL] = db_text(p->api_base_url);
    params[COL_API_KEY_SEALED] = db_text(p->api_key_sealed);
    params[COL_API_KEY_MASK] = db_text(p->api_key_mask);
    params[COL_MODEL_NAME] = db_text(p->model_name);
    params[COL_SYSTEM_PROMPT] = db_text(p->default_system_prompt);
    params[COL_ACTIVE] = db_bool(p->is_active);
    params[COL_CREATED_AT] = db_int(p->created_at);
    params[COL_UPDATED_AT] = db_int(p->updated_at);
}

int ai_profile_store_insert(db_conn *conn, const ai_profile_record *profile, nh_error *err)
{
    db_param params[COL_COUNT];
    record_params(profile, params);
    return db_exec(conn,
                   "INSERT INTO ai_provider_profiles (" AI_PROFILE_COLUMNS ")"
                   " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                   params, COL_COUNT, NULL, err);
}

int ai_profile_store_update(db_conn *conn, const ai_profile_record *profile, nh_error *err)
{
    db_param params[COL_COUNT];
    record_params(profile, params);
    return db_exec(conn,
                   "UPDATE ai_provider_profiles SET name = $2, normalized_name = $3,"
                   " api_base_url = $4, api_key_sealed = $5, api_key_mask = $6, model_name = $7,"
                   " default_system_prompt = $8, is_active = $9, updated_at = $11"
                   " WHERE id = $1 AND created_at = $10",
                   params, COL_COUNT, NULL, err);
}

int ai_profile_store_deactivate_others(db_conn *conn, const char *except_id, int64_t now,
                                       nh_error *err)
{
    db_param params[] = {db_text(except_id ? except_id : ""), db_int(now)};
    return db_exec(conn,
                   "UPDATE ai_provider_profiles SET is_active = 0, updated_at = $2"
                   " WHERE is_active = 1 AND id <> $1",
                   params, 2, NULL, err);
}

int ai_profile_store_delete(db_conn *conn, const char *id, nh_error *err)
{
    db_param params[] = {db_text(id)};
    return db_exec(conn, "DELETE FROM ai_provider_profiles WHERE id = $1", params, 1, NULL, err);
}

/* ---- reseal ------------------------------------------------------------------------------- */

typedef struct reseal_run {
    const secret_box *box;
    int resealed;
} reseal_run;

static int reseal_one(db_conn *conn, const secret_box *box, const ai_profile_record *profile,
                      nh_error *err)
{
    char *sealed = NULL;
    int rc = secret_box_reseal(box, profile->api_key_sealed, profile->id, &sealed, err);
    if (rc == SECRET_BOX_UNOPENABLE)
        return error_set(err, 500, "secret_unreadable",
                         "The API key of AI provider profile '%s' (%s) cannot be opened with "
                         "Security__SecretKey or any Security__PreviousSecretKeys__N.",
                         profile->name, profile->id);
    db_param params[] = {db_text(profile->id), db_text(sealed)};
    if (rc == 0)
        rc = db_exec(conn, "UPDATE ai_provider_profiles SET api_key_sealed = $2 WHERE id = $1",
                     params, 2, NULL, err);
    free(sealed);
    return rc;
}

static int reseal_step(db_conn *conn, void *context, nh_error *err)
{
    reseal_run *run = context;
    db_result *rows = NULL;
    if (ai_profile_store_lock(conn, err) != 0 || ai_profile_store_list(conn, &rows, err) != 0)
        return -1;
    int rc = 0;
    for (size_t row = 0; rc == 0 && row < db_result_rows(rows); row++) {
        ai_profile_record profile;
        ai_profile_record_from_row(rows, row, &profile);
        rc = reseal_one(conn, run->box, &profile, err);
        if (rc == 0)
            run->resealed++;
    }
    db_result_free(rows);
    return rc;
}

int ai_profile_store_reseal_all(db *pool, const secret_box *box, int *resealed, nh_error *err)
{
    reseal_run run = {box, 0};
    *resealed = 0;
    int rc = db_transaction(pool, reseal_step, &run, err);
    if (rc == 0)
        *resealed = run.resealed;
    return rc == 0 ? 0 : -1;
}
