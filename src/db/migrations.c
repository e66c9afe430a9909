/* migrations.c - the versioned database schema, applied at start-up by db_migrate().
 *
 * Every change to the schema is one entry in `migrations` below, applied once, in order, each in
 * its own transaction together with its row in schema_migrations (version, name, applied_at).
 * Several instances may start at once: on PostgreSQL the whole run holds an advisory lock; on
 * SQLite each migration runs under BEGIN IMMEDIATE and checks again that nobody applied it
 * meanwhile. A database that has a version this binary does not know is refused.
 *
 * HOW TO ADD A MIGRATION
 *   Append an entry at the end of `migrations` with the next version number (never edit or
 *   reorder an entry that has shipped; fix mistakes with a new migration):
 *
 *     {2, "users",
 *      "CREATE TABLE users (id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE, "
 *      "created_at BIGINT NOT NULL);"
 *      "CREATE INDEX users_created_at ON users (created_at);",
 *      NULL, NULL},
 *
 *   - `sql` runs on both databases: several statements separated by ';' are fine; no BEGIN,
 *     COMMIT or PRAGMA (the runner owns the transaction), no $N parameters.
 *   - Portable types: TEXT, BIGINT (epoch ms), INTEGER (0/1 booleans, counters); avoid SERIAL,
 *     BOOLEAN, TIMESTAMP, JSONB and SQLite-only STRICT/WITHOUT ROWID in the common SQL.
 *   - When the dialects must differ, set sql_sqlite and/or sql_postgres: a non-NULL override
 *     replaces `sql` for that database (write the whole migration in it).
 *   - SQLite's ALTER TABLE is limited (ADD COLUMN, RENAME; no ALTER COLUMN / ADD CONSTRAINT):
 *     rebuild the table in sql_sqlite when you need more. */
#include "db/db.h"

#include <stdio.h>

#include "core/clock.h"
#include "core/log.h"

typedef struct db_migration {
    int version;              /* 1, 2, 3 ... strictly increasing */
    const char *name;         /* short snake_case description */
    const char *sql;          /* for both databases */
    const char *sql_sqlite;   /* NULL = use sql */
    const char *sql_postgres; /* NULL = use sql */
} db_migration;

static const db_migration migrations[] = {
    {1, "foundation", "CREATE TABLE instance_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);",
     NULL, NULL},
    {2, "accounts",
     /* People, their permission grants, sign-in sessions (a refresh-token family with an
      * absolute lifetime), refresh tokens (only hashes), personal API keys (only hashes),
      * failed sign-in attempts for throttling, and the audit log. */
     "CREATE TABLE users ("
     " id TEXT PRIMARY KEY,"
     " username TEXT NOT NULL,"
     " normalized_username TEXT NOT NULL UNIQUE,"
     " password_hash TEXT NOT NULL,"
     " role TEXT NOT NULL CHECK (role IN ('SuperAdmin', 'Admin', 'User')),"
     " is_active INTEGER NOT NULL,"
     " created_at BIGINT NOT NULL,"
     " updated_at BIGINT NOT NULL,"
     " last_login_at BIGINT);"
     "CREATE UNIQUE INDEX users_one_super_admin ON users (role) WHERE role = 'SuperAdmin';"
     "CREATE INDEX users_created_at ON users (created_at);"
     "CREATE TABLE user_permissions ("
     " user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
     " permission TEXT NOT NULL,"
     " created_at BIGINT NOT NULL,"
     " PRIMARY KEY (user_id, permission));"
     "CREATE TABLE sessions ("
     " id TEXT PRIMARY KEY,"
     " user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
     " created_at BIGINT NOT NULL,"
     " expires_at BIGINT NOT NULL,"
     " revoked_at BIGINT,"
     " revoked_reason TEXT);"
     "CREATE INDEX sessions_user ON sessions (user_id);"
     "CREATE TABLE refresh_tokens ("
     " id TEXT PRIMARY KEY,"
     " session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,"
     " user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
     " token_hash TEXT NOT NULL UNIQUE,"
     " jwt_id TEXT NOT NULL,"
     " created_at BIGINT NOT NULL,"
     " expires_at BIGINT NOT NULL,"
     " revoked_at BIGINT,"
     " replaced_by_token_id TEXT);"
     "CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);"
     "CREATE TABLE api_keys ("
     " id TEXT PRIMARY KEY,"
     " user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
     " name TEXT NOT NULL,"
     " prefix TEXT NOT NULL,"
     " key_hash TEXT NOT NULL UNIQUE,"
     " permissions BIGINT NOT NULL,"
     " created_at BIGINT NOT NULL,"
     " last_used_at BIGINT,"
     " expires_at BIGINT,"
     " revoked_at BIGINT);"
     "CREATE INDEX api_keys_user ON api_keys (user_id);"
     "CREATE TABLE login_failures ("
     " id TEXT PRIMARY KEY,"
     " username_key TEXT NOT NULL,"
     " client_address TEXT NOT NULL,"
     " occurred_at BIGINT NOT NULL);"
     "CREATE INDEX login_failures_username ON login_failures (username_key, occurred_at);"
     "CREATE INDEX login_failures_client ON login_failures (client_address, occurred_at);"
     "CREATE TABLE audit_log ("
     " id TEXT PRIMARY KEY,"
     " occurred_at BIGINT NOT NULL,"
     " actor_type TEXT NOT NULL,"
     " actor_id TEXT,"
     " actor_name TEXT,"
     " action TEXT NOT NULL,"
     " target_type TEXT,"
     " target_id TEXT,"
     " target_name TEXT,"
     " client_address TEXT,"
     " user_agent TEXT,"
     " changes TEXT);"
     "CREATE INDEX audit_log_occurred ON audit_log (occurred_at);",
     NULL, NULL},
    {3, "assets",
     "CREATE TABLE assets ("
     " id TEXT PRIMARY KEY,"
     " type TEXT NOT NULL,"
     " status TEXT NOT NULL,"
     " original_file_name TEXT,"
     " stored_file_name TEXT,"
     " content_type TEXT NOT NULL,"
     " extension TEXT NOT NULL,"
     " size BIGINT NOT NULL,"
     " width INTEGER,"
     " height INTEGER,"
     " checksum_sha256 TEXT,"
     " storage_provider TEXT NOT NULL,"
     " storage_provider_profile_id TEXT,"
     " storage_key TEXT NOT NULL,"
     " public_url TEXT,"
     " is_public INTEGER NOT NULL,"
     " description TEXT,"
     " alt_text TEXT,"
     " created_at BIGINT NOT NULL,"
     " updated_at BIGINT NOT NULL,"
     " deleted_at BIGINT);"
     "CREATE UNIQUE INDEX assets_storage_key ON assets (storage_key);"
     "CREATE INDEX assets_created ON assets (created_at, id);"
     "CREATE INDEX assets_public ON assets (is_public, status, deleted_at, created_at, id);"
     "CREATE INDEX assets_size ON assets (size, created_at, id);"
     "CREATE INDEX assets_checksum ON assets (checksum_sha256, created_at, id);"
     "CREATE INDEX assets_profile ON assets (storage_provider_profile_id);"
     "CREATE TABLE asset_derivatives ("
     " id TEXT PRIMARY KEY,"
     " source_asset_id TEXT NOT NULL REFERENCES assets (id) ON DELETE CASCADE,"
     " kind TEXT NOT NULL,"
     " content_type TEXT NOT NULL,"
     " extension TEXT NOT NULL,"
     " size BIGINT NOT NULL,"
     " width INTEGER,"
     " height INTEGER,"
     " checksum_sha256 TEXT,"
     " storage_provider TEXT NOT NULL,"
     " storage_key TEXT NOT NULL,"
     " public_url TEXT,"
     " created_at BIGINT NOT NULL,"
     " UNIQUE (source_asset_id, kind));"
     "CREATE UNIQUE INDEX asset_derivatives_storage_key ON asset_derivatives (storage_key);"
     "CREATE TABLE asset_structured_results ("
     " id TEXT PRIMARY KEY,"
     " source_asset_id TEXT NOT NULL REFERENCES assets (id) ON DELETE CASCADE,"
     " kind TEXT NOT NULL,"
     " payload_json TEXT NOT NULL,"
     " created_at BIGINT NOT NULL,"
     " UNIQUE (source_asset_id, kind));"
     "CREATE TABLE asset_skill_executions ("
     " id TEXT PRIMARY KEY,"
     " source_asset_id TEXT NOT NULL REFERENCES assets (id) ON DELETE CASCADE,"
     " skill_name TEXT NOT NULL,"
     " trigger_source TEXT NOT NULL,"
     " parameters_json TEXT,"
     " succeeded INTEGER NOT NULL,"
     " started_at BIGINT NOT NULL,"
     " completed_at BIGINT NOT NULL);"
     "CREATE INDEX asset_skill_executions_asset"
     " ON asset_skill_executions (source_asset_id, started_at, id);"
     "CREATE TABLE asset_skill_execution_steps ("
     " id TEXT PRIMARY KEY,"
     " execution_id TEXT NOT NULL REFERENCES asset_skill_executions (id) ON DELETE CASCADE,"
     " step_name TEXT NOT NULL,"
     " succeeded INTEGER NOT NULL,"
     " error_message TEXT,"
     " started_at BIGINT NOT NULL,"
     " completed_at BIGINT NOT NULL);"
     "CREATE INDEX asset_skill_execution_steps_execution"
     " ON asset_skill_execution_steps (execution_id, started_at);"
     "CREATE TABLE jobs ("
     " id TEXT PRIMARY KEY,"
     " kind TEXT NOT NULL,"
     " asset_id TEXT,"
     " payload TEXT NOT NULL,"
     " status TEXT NOT NULL,"
     " attempts INTEGER NOT NULL DEFAULT 0,"
     " run_after BIGINT NOT NULL,"
     " locked_by TEXT,"
     " locked_until BIGINT,"
     " last_error TEXT,"
     " created_at BIGINT NOT NULL,"
     " updated_at BIGINT NOT NULL);"
     "CREATE INDEX jobs_runnable ON jobs (status, run_after);"
     "CREATE INDEX jobs_asset ON jobs (asset_id);"
     "CREATE TABLE storage_pending_deletions ("
     " id TEXT PRIMARY KEY,"
     " storage_provider TEXT NOT NULL,"
     " storage_provider_profile_id TEXT,"
     " storage_key TEXT NOT NULL,"
     " attempts INTEGER NOT NULL DEFAULT 0,"
     " last_error TEXT,"
     " created_at BIGINT NOT NULL,"
     " updated_at BIGINT NOT NULL);",
     NULL, NULL},
    {4, "upload_intents",
     /* Why an object waits for removal: 'removal' (its row is gone) or 'upload' (an upload
      * recorded it before writing; its commit ends the record). Young 'upload' records belong
      * to uploads still under way and are left alone by the sweep. */
     "ALTER TABLE storage_pending_deletions ADD COLUMN reason TEXT NOT NULL DEFAULT 'removal';",
     NULL, NULL},
    {5, "asset_created_by",
     /* Who uploaded an asset: the user (NULL for machine keys and for rows older than this
      * migration) and the name shown ("api-key:<id>" for a machine key). */
     "ALTER TABLE assets ADD COLUMN created_by_user_id TEXT;"
     "ALTER TABLE assets ADD COLUMN created_by_username TEXT;"
     "CREATE INDEX assets_created_by ON assets (created_by_user_id, created_at, id);",
     NULL, NULL},
    {6, "storage_provider_profiles",
     /* Storage provider profiles (spec storage-providers.md): the non-secret configuration as
      * normalized JSON, the secret sealed (core/secret_box.h; never plain) with the names of its
      * set fields, the capability snapshot, and at most one default enforced by a partial unique
      * index. normalized_name is the trimmed, case-folded name (unique). Whether the default
      * profile was seeded on the first start is remembered in instance_meta
      * ('storage.default_profile_seeded'). */
     "CREATE TABLE storage_provider_profiles ("
     " id TEXT PRIMARY KEY,"
     " name TEXT NOT NULL CHECK (length(name) <= 128),"
     " normalized_name TEXT NOT NULL UNIQUE,"
     " display_name TEXT CHECK (display_name IS NULL OR length(display_name) <= 256),"
     " provider_type TEXT NOT NULL CHECK (length(provider_type) <= 64),"
     " is_enabled INTEGER NOT NULL,"
     " is_default INTEGER NOT NULL,"
     " configuration_json TEXT NOT NULL,"
     " secret_sealed TEXT,"
     " secret_fields TEXT NOT NULL DEFAULT '[]',"
     " supports_public_read INTEGER NOT NULL,"
     " supports_private_read INTEGER NOT NULL,"
     " supports_visibility_toggle INTEGER NOT NULL,"
     " supports_delete INTEGER NOT NULL,"
     " supports_direct_public_url INTEGER NOT NULL,"
     " requires_access_proxy INTEGER NOT NULL,"
     " recommended_for_primary_storage INTEGER NOT NULL,"
     " is_platform_backed INTEGER NOT NULL,"
     " is_experimental INTEGER NOT NULL,"
     " requires_token_for_private_read INTEGER NOT NULL,"
     " created_at BIGINT NOT NULL,"
     " updated_at BIGINT NOT NULL);"
     "CREATE UNIQUE INDEX storage_provider_profiles_one_default"
     " ON storage_provider_profiles (is_default) WHERE is_default = 1;",
     NULL, NULL},
    {7, "processing",
     /* The durable job queue (jobs/job_queue.h) and what processing records (spec
      * processing.md). jobs.status: 'queued' | 'running' | 'succeeded' | 'failed' |
      * 'cancelled'; a running job holds a lease (locked_by, locked_until) that its worker
      * renews; an expired lease makes it claimable again. attempts counts claims; max_attempts
      * is copied from the settings at enqueue time. trigger_source 'upload' | 'manual';
      * skill_name is set for a manual run of one skill; execution_id is the id the execution
      * record of the attempt that completes a manual skill run gets (known before it runs,
      * so a 202 can point at it); result_json is what the handler reported at the end.
      * Executions know their job and attempt; a step has a status ('succeeded' | 'failed' |
      * 'skipped') and, for a skip, the reason in detail. A derivative remembers the checksum
      * of the original it was made from: a rewritten original makes it stale. A step that
      * rewrites the original marks (job, step key) in the transaction that swaps the asset row,
      * so a retried attempt never applies it twice (processing/processing_step.h). */
     "ALTER TABLE jobs ADD COLUMN max_attempts INTEGER NOT NULL DEFAULT 5;"
     "ALTER TABLE jobs ADD COLUMN trigger_source TEXT;"
     "ALTER TABLE jobs ADD COLUMN skill_name TEXT;"
     "ALTER TABLE jobs ADD COLUMN execution_id TEXT;"
     "ALTER TABLE jobs ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0;"
     "ALTER TABLE jobs ADD COLUMN started_at BIGINT;"
     "ALTER TABLE jobs ADD COLUMN finished_at BIGINT;"
     "ALTER TABLE jobs ADD COLUMN result_json TEXT;"
     "CREATE INDEX jobs_asset_status ON jobs (asset_id, status, updated_at);"
     "CREATE INDEX jobs_status_created ON jobs (status, created_at, id);"
     "CREATE UNIQUE INDEX jobs_execution ON jobs (execution_id) WHERE execution_id IS NOT NULL;"
     "ALTER TABLE asset_skill_executions ADD COLUMN job_id TEXT;"
     "ALTER TABLE asset_skill_executions ADD COLUMN attempt INTEGER;"
     "CREATE INDEX asset_skill_executions_job ON asset_skill_executions (job_id);"
     "ALTER TABLE asset_skill_execution_steps ADD COLUMN status TEXT NOT NULL DEFAULT 'succeeded';"
     "ALTER TABLE asset_skill_execution_steps ADD COLUMN detail TEXT;"
     "ALTER TABLE asset_derivatives ADD COLUMN source_checksum_sha256 TEXT;"
     "CREATE TABLE job_step_marks ("
     " job_id TEXT NOT NULL,"
     " step_key TEXT NOT NULL,"
     " created_at BIGINT NOT NULL,"
     " PRIMARY KEY (job_id, step_key));",
     NULL, NULL},
    {8, "ai_and_workflows",
     /* AI provider profiles (spec processing.md §10 with issue 12's corrections): the API key
      * sealed (core/secret_box.h, the profile id as associated data; never plain) with its mask
      * kept beside it, at most one active profile enforced by a partial unique index.
      * Workflow profiles (§12): graph_json is the saved text verbatim, at most one auto-run
      * profile (partial unique index). normalized_name is the trimmed, case-folded name.
      * assets.tags: the tags the caption step got from the model, a JSON array of strings
      * (NULL: none), searched by the asset list's query. */
     "CREATE TABLE ai_provider_profiles ("
     " id TEXT PRIMARY KEY,"
     " name TEXT NOT NULL CHECK (length(name) <= 128),"
     " normalized_name TEXT NOT NULL UNIQUE,"
     " api_base_url TEXT NOT NULL CHECK (length(api_base_url) <= 512),"
     " api_key_sealed TEXT NOT NULL,"
     " api_key_mask TEXT NOT NULL,"
     " model_name TEXT NOT NULL CHECK (length(model_name) <= 256),"
     " default_system_prompt TEXT,"
     " is_active INTEGER NOT NULL,"
     " created_at BIGINT NOT NULL,"
     " updated_at BIGINT NOT NULL);"
     "CREATE UNIQUE INDEX ai_provider_profiles_one_active"
     " ON ai_provider_profiles (is_active) WHERE is_active = 1;"
     "CREATE TABLE workflow_profiles ("
     " id TEXT PRIMARY KEY,"
     " name TEXT NOT NULL,"
     " normalized_name TEXT NOT NULL UNIQUE,"
     " description TEXT,"
     " is_auto_run INTEGER NOT NULL,"
     " graph_json TEXT NOT NULL,"
     " created_at BIGINT NOT NULL,"
     " updated_at BIGINT NOT NULL);"
     "CREATE UNIQUE INDEX workflow_profiles_one_auto_run"
     " ON workflow_profiles (is_auto_run) WHERE is_auto_run = 1;"
     "ALTER TABLE assets ADD COLUMN tags TEXT;",
     NULL, NULL},
    /* Append new migrations here (see HOW TO ADD A MIGRATION above). */
};

#define MIGRATION_COUNT (sizeof migrations / sizeof migrations[0])

/* 'NekoHub!' as a 64-bit number: the PostgreSQL advisory lock held while migrating. */
#define MIGRATION_LOCK_KEY INT64_C(0x4E656B6F48756221)

int db_schema_version_known(void)
{
    return migrations[MIGRATION_COUNT - 1].version;
}

/* Guard against a badly appended entry before touching the database. */
static int check_migration_list(nh_error *err)
{
    int previous = 0;
    for (size_t i = 0; i < MIGRATION_COUNT; i++) {
        const db_migration *m = &migrations[i];
        bool has_sql = m->sql || (m->sql_sqlite && m->sql_postgres);
        if (m->version <= previous || !m->name || !m->name[0] || !has_sql) {
            log_message(LOG_ERROR, "db_migrate",
                        "migration entry %zu (version %d) is out of order, unnamed or has no SQL",
                        i, m->version);
            return error_internal(err);
        }
        previous = m->version;
    }
    return 0;
}

static const char *migration_sql(const db_migration *m, db_provider provider)
{
    if (provider == DB_PROVIDER_POSTGRES && m->sql_postgres)
        return m->sql_postgres;
    if (provider == DB_PROVIDER_SQLITE && m->sql_sqlite)
        return m->sql_sqlite;
    return m->sql;
}

/* Roll back after a failure or a skipped migration. A failed ROLLBACK was logged by the driver;
 * db_release() at the end of db_migrate() tries again and closes the connection if need be. */
static void roll_back(db_conn *conn)
{
    if (db_rollback(conn) != 0)
        log_message(LOG_WARN, "db_migrate",
                    "ROLLBACK failed; the connection is checked again on release");
}

static int ensure_migrations_table(db_conn *conn, nh_error *err)
{
    int rc = db_begin(conn, err);
    if (rc != 0)
        return rc;
    rc = db_exec_script(conn,
                        "CREATE TABLE IF NOT EXISTS schema_migrations ("
                        "version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                        "applied_at BIGINT NOT NULL)",
                        err);
    if (rc == 0)
        rc = db_commit(conn, err);
    if (rc != 0)
        roll_back(conn);
    return rc;
}

static int current_version(db_conn *conn, int *version, nh_error *err)
{
    db_result *result = NULL;
    int rc = db_query(conn, "SELECT MAX(version) FROM schema_migrations", NULL, 0, &result, err);
    if (rc == 0)
        *version = (int)db_result_int64(result, 0, 0);
    db_result_free(result);
    return rc;
}

static int is_applied(db_conn *conn, int version, bool *applied, nh_error *err)
{
    db_param params[] = {db_int(version)};
    db_result *result = NULL;
    int rc = db_query(conn, "SELECT 1 FROM schema_migrations WHERE version = $1", params, 1,
                      &result, err);
    if (rc == 0)
        *applied = db_result_rows(result) > 0;
    db_result_free(result);
    return rc;
}

static int record_migration(db_conn *conn, const db_migration *m, nh_error *err)
{
    db_param params[] = {db_int(m->version), db_text(m->name), db_int(clock_now_ms())};
    return db_exec(conn,
                   "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                   params, 3, NULL, err);
}

/* Apply one migration in its own transaction; *ran tells whether it was still pending. */
static int apply_migration(db_conn *conn, db_provider provider, const db_migration *m, bool *ran,
                           nh_error *err)
{
    *ran = false;
    int rc = db_begin(conn, err);
    if (rc != 0)
        return rc;
    bool already = false;
    rc = is_applied(conn, m->version, &already, err);
    if (rc == 0 && already) {
        roll_back(conn);
        return 0;
    }
    if (rc == 0)
        rc = db_exec_script(conn, migration_sql(m, provider), err);
    if (rc == 0)
        rc = record_migration(conn, m, err);
    if (rc == 0)
        rc = db_commit(conn, err);
    if (rc != 0) {
        roll_back(conn);
        log_message(LOG_ERROR, "db_migrate", "migration %d (%s) failed; nothing of it was kept",
                    m->version, m->name);
        return DB_ERROR;
    }
    *ran = true;
    log_message(LOG_INFO, "db_migrate", "applied migration %d (%s)", m->version, m->name);
    return 0;
}

static int migrate_locked(db_conn *conn, db_provider provider, int *applied, nh_error *err)
{
    if (ensure_migrations_table(conn, err) != 0)
        return DB_ERROR;
    int version = 0;
    if (current_version(conn, &version, err) != 0)
        return DB_ERROR;
    int known = db_schema_version_known();
    if (version > known) {
        log_message(LOG_ERROR, "db_migrate",
                    "database schema version %d is newer than this binary (%d)", version, known);
        return error_set(err, 500, "internal_server_error",
                         "database schema version %d is newer than this binary (%d)", version,
                         known);
    }
    for (size_t i = 0; i < MIGRATION_COUNT; i++) {
        if (migrations[i].version <= version)
            continue;
        bool ran = false;
        if (apply_migration(conn, provider, &migrations[i], &ran, err) != 0)
            return DB_ERROR;
        if (ran && applied)
            (*applied)++;
    }
    return 0;
}

static int advisory_lock(db_conn *conn, const char *function, nh_error *err)
{
    char sql[64];
    snprintf(sql, sizeof sql, "SELECT %s($1)", function);
    db_param params[] = {db_int(MIGRATION_LOCK_KEY)};
    return db_query(conn, sql, params, 1, NULL, err);
}

int db_migrate(db *pool, int *applied, nh_error *err)
{
    if (applied)
        *applied = 0;
    if (check_migration_list(err) != 0)
        return DB_ERROR;
    db_conn *conn = db_acquire(pool, err);
    if (!conn)
        return DB_ERROR;
    db_provider provider = db_dialect(pool);
    bool postgres = provider == DB_PROVIDER_POSTGRES;
    if (postgres && advisory_lock(conn, "pg_advisory_lock", err) != 0) {
        db_release(pool, conn);
        return DB_ERROR;
    }
    int rc = migrate_locked(conn, provider, applied, err);
    if (postgres) {
        nh_error unlock_error; /* logged by the driver, and here */
        if (advisory_lock(conn, "pg_advisory_unlock", &unlock_error) != 0)
            log_message(LOG_WARN, "db_migrate",
                        "could not release the migration lock; it goes with the session");
    }
    db_release(pool, conn);
    return rc == 0 ? 0 : DB_ERROR;
}
