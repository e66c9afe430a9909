/* profile_store.c - SQL of storage provider profiles (see profile_store.h). */
#include "storage/profile_store.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/text.h"

#define PROFILE_COLUMNS                                                                            \
    "id, name, normalized_name, display_name, provider_type, is_enabled, is_default, "             \
    "configuration_json, secret_sealed, secret_fields, supports_public_read, "                     \
    "supports_private_read, "                                                                      \
    "supports_visibility_toggle, supports_delete, supports_direct_public_url, "                    \
    "requires_access_proxy, recommended_for_primary_storage, is_platform_backed, "                 \
    "is_experimental, requires_token_for_private_read, created_at, updated_at"

enum {
    COL_ID = 0,
    COL_NAME,
    COL_NORMALIZED_NAME,
    COL_DISPLAY_NAME,
    COL_TYPE,
    COL_ENABLED,
    COL_DEFAULT,
    COL_CONFIGURATION,
    COL_SECRET,
    COL_SECRET_FIELDS,
    COL_FIRST_CAPABILITY,
    COL_CREATED_AT = COL_FIRST_CAPABILITY + PROFILE_CAP_COUNT,
    COL_UPDATED_AT,
};

void profile_record_from_row(const db_result *result, size_t row, profile_record *out)
{
    memset(out, 0, sizeof *out);
    out->id = db_result_text(result, row, COL_ID);
    out->name = db_result_text(result, row, COL_NAME);
    out->normalized_name = db_result_text(result, row, COL_NORMALIZED_NAME);
    out->display_name = db_result_text(result, row, COL_DISPLAY_NAME);
    out->provider_type = db_result_text(result, row, COL_TYPE);
    out->is_enabled = db_result_int64(result, row, COL_ENABLED) != 0;
    out->is_default = db_result_int64(result, row, COL_DEFAULT) != 0;
    out->configuration_json = db_result_text(result, row, COL_CONFIGURATION);
    out->secret_sealed = db_result_text(result, row, COL_SECRET);
    out->secret_fields_json = db_result_text(result, row, COL_SECRET_FIELDS);
    for (int i = 0; i < PROFILE_CAP_COUNT; i++)
        out->capabilities.flags[i] =
            db_result_int64(result, row, (size_t)(COL_FIRST_CAPABILITY + i)) != 0;
    out->created_at = db_result_int64(result, row, COL_CREATED_AT);
    out->updated_at = db_result_int64(result, row, COL_UPDATED_AT);
}

char *profile_name_key(const char *name)
{
    char *key = text_trimmed_copy(name ? name : "");
    for (char *c = key; c && *c; c++)
        *c = (char)tolower((unsigned char)*c);
    return key;
}

int profile_store_lock(db_conn *conn, nh_error *err)
{
    return db_lock_named(conn, "storage.profiles_lock", err);
}

int profile_store_list(db_conn *conn, db_result **out, nh_error *err)
{
    return db_query(conn,
                    "SELECT " PROFILE_COLUMNS " FROM storage_provider_profiles"
                    " ORDER BY is_default DESC, is_enabled DESC, name, id",
                    NULL, 0, out, err);
}

int profile_store_find(db_conn *conn, const char *id, db_result **out, nh_error *err)
{
    db_param params[] = {db_text(id)};
    return db_query(conn, "SELECT " PROFILE_COLUMNS " FROM storage_provider_profiles WHERE id = $1",
                    params, 1, out, err);
}

int profile_store_find_default(db_conn *conn, db_result **out, nh_error *err)
{
    return db_query(conn,
                    "SELECT " PROFILE_COLUMNS " FROM storage_provider_profiles"
                    " WHERE is_default = 1 ORDER BY updated_at DESC, name LIMIT 1",
                    NULL, 0, out, err);
}

int profile_store_name_taken(db_conn *conn, const char *name_key, const char *except_id,
                             bool *taken, nh_error *err)
{
    db_param params[] = {db_text(name_key), db_text(except_id ? except_id : "")};
    db_result *result = NULL;
    int rc = db_query(conn,
                      "SELECT 1 FROM storage_provider_profiles"
                      " WHERE normalized_name = $1 AND id <> $2",
                      params, 2, &result, err);
    *taken = rc == 0 && db_result_rows(result) > 0;
    db_result_free(result);
    return rc;
}

/* The parameters of every column in PROFILE_COLUMNS order. */
static void profile_params(const profile_record *p, db_param params[COL_UPDATED_AT + 1])
{
    params[COL_ID] = db_text(p->id);
    params[COL_NAME] = db_text(p->name);
    params[COL_NORMALIZED_NAME] = db_text(p->normalized_name);
    params[COL_DISPLAY_NAME] = db_text(p->display_name);
    params[COL_TYPE] = db_text(p->provider_type);
    params[COL_ENABLED] = db_bool(p->is_enabled);
    params[COL_DEFAULT] = db_bool(p->is_default);
    params[COL_CONFIGURATION] = db_text(p->configuration_json);
    params[COL_SECRET] = db_text(p->secret_sealed);
    params[COL_SECRET_FIELDS] = db_text(p->secret_fields_json ? p->secret_fields_json : "[]");
    for (int i = 0; i < PROFILE_CAP_COUNT; i++)
        params[COL_FIRST_CAPABILITY + i] = db_bool(p->capabilities.flags[i]);
    params[COL_CREATED_AT] = db_int(p->created_at);
    params[COL_UPDATED_AT] = db_int(p->updated_at);
}

int profile_store_insert(db_conn *conn, const profile_record *profile, nh_error *err)
{
    db_param params[COL_UPDATED_AT + 1];
    profile_params(profile, params);
    return db_exec(conn,
                   "INSERT INTO storage_provider_profiles (" PROFILE_COLUMNS ") VALUES ($1, $2, $3,"
                   " $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,"
                   " $21, $22)",
                   params, COL_UPDATED_AT + 1, NULL, err);
}

int profile_store_update(db_conn *conn, const profile_record *profile, nh_error *err)
{
    db_param params[COL_UPDATED_AT + 1];
    profile_params(profile, params);
    return db_exec(conn,
                   "UPDATE storage_provider_profiles SET name = $2, normalized_name = $3,"
                   " display_name = $4, provider_type = $5, is_enabled = $6, is_default = $7,"
                   " configuration_json = $8, secret_sealed = $9, secret_fields = $10,"
                   " supports_public_read = $11, supports_private_read = $12,"
                   " supports_visibility_toggle = $13, supports_delete = $14,"
                   " supports_direct_public_url = $15, requires_access_proxy = $16,"
                   " recommended_for_primary_storage = $17, is_platform_backed = $18,"
                   " is_experimental = $19, requires_token_for_private_read = $20,"
                   " updated_at = $22 WHERE id = $1 AND created_at = $21",
                   params, COL_UPDATED_AT + 1, NULL, err);
}

int profile_store_clear_defaults(db_conn *conn, const char *except_id, int64_t now, nh_error *err)
{
    db_param params[] = {db_text(except_id ? except_id : ""), db_int(now)};
    return db_exec(conn,
                   "UPDATE storage_provider_profiles SET is_default = 0, updated_at = $2"
                   " WHERE is_default = 1 AND id <> $1",
                   params, 2, NULL, err);
}

int profile_store_set_default(db_conn *conn, const char *id, int64_t now, nh_error *err)
{
    db_param params[] = {db_text(id), db_int(now)};
    return db_exec(conn,
                   "UPDATE storage_provider_profiles SET is_default = 1, updated_at = $2"
                   " WHERE id = $1",
                   params, 2, NULL, err);
}

int profile_store_delete(db_conn *conn, const char *id, nh_error *err)
{
    db_param params[] = {db_text(id)};
    return db_exec(conn, "DELETE FROM storage_provider_profiles WHERE id = $1", params, 1, NULL,
                   err);
}

int profile_store_disable(db_conn *conn, const char *id, int64_t now, nh_error *err)
{
    db_param params[] = {db_text(id), db_int(now)};
    return db_exec(conn,
                   "UPDATE storage_provider_profiles SET is_enabled = 0, is_default = 0,"
                   " updated_at = $2 WHERE id = $1",
                   params, 2, NULL, err);
}

int profile_store_in_use(db_conn *conn, const char *id, bool *in_use, nh_error *err)
{
    db_param params[] = {db_text(id)};
    db_result *result = NULL;
    int rc = db_query(conn,
                      "SELECT 1 WHERE EXISTS (SELECT 1 FROM assets"
                      " WHERE storage_provider_profile_id = $1)"
                      " OR EXISTS (SELECT 1 FROM storage_pending_deletions"
                      " WHERE storage_provider_profile_id = $1)",
                      params, 1, &result, err);
    *in_use = rc == 0 && db_result_rows(result) > 0;
    db_result_free(result);
    return rc;
}

int profile_store_set_sealed(db_conn *conn, const char *id, const char *sealed, nh_error *err)
{
    db_param params[] = {db_text(id), db_text(sealed)};
    return db_exec(conn, "UPDATE storage_provider_profiles SET secret_sealed = $2 WHERE id = $1",
                   params, 2, NULL, err);
}

int profile_store_seeded(db_conn *conn, bool *seeded, nh_error *err)
{
    db_param params[] = {db_text(PROFILE_SEEDED_META_KEY)};
    db_result *result = NULL;
    int rc =
        db_query(conn, "SELECT value FROM instance_meta WHERE key = $1", params, 1, &result, err);
    *seeded = rc == 0 && db_result_rows(result) > 0;
    db_result_free(result);
    return rc;
}

int profile_store_mark_seeded(db_conn *conn, nh_error *err)
{
    bool seeded = false;
    if (profile_store_seeded(conn, &seeded, err) != 0)
        return DB_ERROR;
    if (seeded)
        return 0;
    db_param params[] = {db_text(PROFILE_SEEDED_META_KEY), db_text("1")};
    return db_exec(conn, "INSERT INTO instance_meta (key, value) VALUES ($1, $2)", params, 2, NULL,
                   err);
}

typedef struct reseal_step {
    const secret_box *box;
    int resealed;
} reseal_step;

static int reseal_one(db_conn *conn, const secret_box *box, const profile_record *profile,
                      nh_error *err)
{
    char *sealed = NULL;
    int rc = secret_box_reseal(box, profile->secret_sealed, profile->id, &sealed, err);
    if (rc == SECRET_BOX_UNOPENABLE)
        return error_set(err, 500, "secret_unreadable",
                         "The secret of storage provider profile '%s' (%s) cannot be opened with "
                         "Security__SecretKey or any Security__PreviousSecretKeys__N.",
                         profile->name, profile->id);
    if (rc == 0)
        rc = profile_store_set_sealed(conn, profile->id, sealed, err);
    free(sealed);
    return rc;
}

static int reseal_in_transaction(db_conn *conn, void *context, nh_error *err)
{
    reseal_step *step = context;
    db_result *rows = NULL;
    if (profile_store_lock(conn, err) != 0 || profile_store_list(conn, &rows, err) != 0)
        return -1;
    int rc = 0;
    for (size_t row = 0; rc == 0 && row < db_result_rows(rows); row++) {
        profile_record profile;
        profile_record_from_row(rows, row, &profile);
        if (!profile.secret_sealed)
            continue;
        rc = reseal_one(conn, step->box, &profile, err);
        if (rc == 0)
            step->resealed++;
    }
    db_result_free(rows);
    return rc;
}

int profile_store_reseal_all(db *pool, const secret_box *box, int *resealed, nh_error *err)
{
    reseal_step step = {box, 0};
    *resealed = 0;
    int rc = db_transaction(pool, reseal_in_transaction, &step, err);
    if (rc == 0)
        *resealed = step.resealed;
    return rc == 0 ? 0 : -1;
}

int profile_open_secret(const secret_box *box, const profile_record *profile, json_t **secret,
                        nh_error *err)
{
    *secret = NULL;
    if (!profile->secret_sealed || !profile->secret_sealed[0])
        return 0;
    if (!box)
        return error_set(err, 503, "storage_provider_profile_secret_unreadable",
                         "The secret of storage provider profile '%s' cannot be opened here.",
                         profile->name);
    unsigned char *plain = NULL;
    size_t length = 0;
    int rc = secret_box_open(box, profile->secret_sealed, profile->id, &plain, &length, NULL, err);
    if (rc == SECRET_BOX_UNOPENABLE) {
        log_message(LOG_ERROR, "storage_profiles",
                    "the secret of profile '%s' (%s) opens with no configured key", profile->name,
                    profile->id);
        return error_set(err, 503, "storage_provider_profile_secret_unreadable",
                         "The secret of storage provider profile '%s' (%s) cannot be opened: no "
                         "configured key (Security__SecretKey, Security__PreviousSecretKeys__N) "
                         "opens it.",
                         profile->name, profile->id);
    }
    if (rc != 0)
        return -1;
    json_error_t parse_error;
    *secret = json_loadb((const char *)plain, length, 0, &parse_error);
    secret_box_free_plain(plain, length);
    if (!*secret || !json_is_object(*secret)) {
        json_decref(*secret);
        *secret = NULL;
        return error_set(err, 503, "storage_provider_profile_secret_unreadable",
                         "The secret of storage provider profile '%s' (%s) is damaged.",
                         profile->name, profile->id);
    }
    return 0;
}
