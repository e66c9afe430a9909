/* db.h - the one small database interface every feature uses, with a SQLite driver (the
 * embedded default) and a PostgreSQL driver (libpq) behind it.
 *
 * SQL text is written once, in PostgreSQL's style with $1, $2 ... parameters; the SQLite
 * driver rewrites them to ?1, ?2. Write portable SQL: BIGINT epoch milliseconds for times,
 * INTEGER 0/1 for booleans, TEXT for ids; where PostgreSQL cannot infer a parameter's type
 * (e.g. `$1 IS NULL`), write CAST($1 AS TEXT) / CAST($1 AS BIGINT). The drivers even out two
 * differences: boolean results read "1"/"0" on both, and LIKE is case-sensitive on both.
 *
 * Ownership: db_open() gives a pool the caller closes with db_close(). A connection is
 * borrowed with db_acquire() and given back with db_release() by the same thread; an open
 * transaction is rolled back on release. A thread holds at most ONE connection at a time (pass
 * it down rather than acquiring a second: threads that each hold one and wait for another
 * deadlock the pool); test builds (NEKOHUB_TEST_BUILD) abort with a message when a thread asks
 * for a second. Every result is materialised (all values as text) and owned by the caller until
 * db_result_free().
 *
 * Deadline: db_acquire() waits at most Persistence__Database__AcquireTimeoutMs (default
 * 5000 ms) for a free connection; then it fails with 503 `db_busy` and retry_after_seconds set
 * (the reply carries Retry-After), logged at most once a minute. The deadline bounds the wait for
 * a pooled connection, not a statement.
 *
 * Errors: functions return 0 on success, DB_ERROR (-1) on failure, DB_CONSTRAINT (-2) when a
 * UNIQUE / PRIMARY KEY / FOREIGN KEY / CHECK constraint refused a write. On failure `err` is
 * filled with a 500 internal_server_error (the driver's text goes to the log, never to the
 * client), except two 503s with retry_after_seconds: `db_busy` (above), and
 * `service_unavailable_disk_full` when the database cannot write because its disk is full
 * (SQLite SQLITE_FULL or ENOSPC; PostgreSQL SQLSTATE 53100/53000; Retry-After 30 s, logged at
 * most once a minute, nothing remembered: the next write that finds space succeeds). Hand `err`
 * on unchanged so the client sees the 503 and its Retry-After. Thread-safe: the pool; not
 * thread-safe: one connection. */
#ifndef NH_DB_H
#define NH_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/error.h"

#define DB_ERROR (-1)
#define DB_CONSTRAINT (-2)

typedef struct db db;
typedef struct db_conn db_conn;
typedef struct db_result db_result;

typedef enum { DB_PARAM_NULL = 0, DB_PARAM_TEXT, DB_PARAM_INT64 } db_param_type;

typedef struct db_param {
    db_param_type type;
    const char *text; /* borrowed; must outlive the call */
    int64_t int64;
} db_param;

static inline db_param db_text(const char *text)
{
    db_param p = {text ? DB_PARAM_TEXT : DB_PARAM_NULL, text, 0};
    return p;
}
static inline db_param db_int(int64_t value)
{
    db_param p = {DB_PARAM_INT64, NULL, value};
    return p;
}
static inline db_param db_null(void)
{
    db_param p = {DB_PARAM_NULL, NULL, 0};
    return p;
}
static inline db_param db_bool(bool value)
{
    return db_int(value ? 1 : 0);
}

/* Open the pool described by cfg (provider, connection string, pool size, data dir). For SQLite
 * the connection string is a file path (default DATA_DIR/nekohub.db; "Data Source=path" and
 * "file:" URIs are accepted too; missing directories are created with mode 0700), opened in WAL
 * mode with a busy timeout and foreign keys on. For PostgreSQL it accepts NekoHub's
 * "Host=..;Port=..;Database=..;Username=..;Password=.." form, libpq URIs and keyword strings;
 * transient connection failures are retried 10 times, 2 s apart. */
int db_open(const config *cfg, db **out, nh_error *err);
void db_close(db *pool);
db_provider db_dialect(const db *pool);

/* Borrow a connection, waiting while all are in use up to the pool's deadline
 * (Persistence__Database__AcquireTimeoutMs). NULL and err filled on failure: 503 db_busy
 * (with retry_after_seconds) when the deadline passed, otherwise 500. */
db_conn *db_acquire(db *pool, nh_error *err);
/* The same with its own deadline in milliseconds (a probe that must answer quickly). */
db_conn *db_acquire_within(db *pool, unsigned int timeout_ms, nh_error *err);
void db_release(db *pool, db_conn *conn);

/* Run one statement. `out` may be NULL when no rows are wanted. */
int db_query(db_conn *conn, const char *sql, const db_param *params, size_t param_count,
             db_result **out, nh_error *err);
/* Run one statement and report how many rows it changed (affected may be NULL). */
int db_exec(db_conn *conn, const char *sql, const db_param *params, size_t param_count,
            int64_t *affected, nh_error *err);
/* Run a script of several statements without parameters (migrations). */
int db_exec_script(db_conn *conn, const char *sql, nh_error *err);

/* Transactions. SQLite takes the write lock at begin (BEGIN IMMEDIATE). */
int db_begin(db_conn *conn, nh_error *err);
int db_commit(db_conn *conn, nh_error *err);
int db_rollback(db_conn *conn);

/* One unit of work inside a transaction: return 0 to commit, non-zero (with err filled) to
 * roll back. The value is handed back by db_transaction(). */
typedef int (*db_transaction_step)(db_conn *conn, void *context, nh_error *err);

/* Acquire a connection, BEGIN, run step, COMMIT when it returned 0 or ROLLBACK otherwise, and
 * release the connection. Returns step's result (err as step filled it), or DB_ERROR with err
 * filled when acquiring, BEGIN or COMMIT failed (a failed COMMIT leaves nothing written). */
int db_transaction(db *pool, db_transaction_step step, void *context, nh_error *err);
/* Inside a transaction: take the named lock (a row of instance_meta, created the first time)
 * until the transaction ends, so writers of one kind of record (e.g. "ai.profiles_lock") run
 * one after another on both databases. 0 or DB_ERROR. */
int db_lock_named(db_conn *conn, const char *name, nh_error *err);

/* Like db_transaction(), but what step wrote is committed even when step returns non-zero:
 * for writes that must stick although the caller's request fails (revoking a session family
 * on refresh-token reuse). Returns step's result; when step failed and the commit failed too,
 * the commit failure is logged and step's error is kept. */
int db_transaction_commit_always(db *pool, db_transaction_step step, void *context, nh_error *err);

size_t db_result_rows(const db_result *result);
size_t db_result_columns(const db_result *result);
/* NULL for SQL NULL or out-of-range row/column. */
const char *db_result_text(const db_result *result, size_t row, size_t column);
bool db_result_is_null(const db_result *result, size_t row, size_t column);
/* 0 for NULL or non-numeric text. */
int64_t db_result_int64(const db_result *result, size_t row, size_t column);
void db_result_free(db_result *result);

/* Quick round trip (SELECT 1) on a pooled connection: 0 when the database answers. db_ping()
 * waits for a connection as db_acquire() does; db_ping_within() at most timeout_ms (readiness
 * probes: a busy pool answers 503 db_busy quickly instead of hanging the probe). */
int db_ping(db *pool, nh_error *err);
int db_ping_within(db *pool, unsigned int timeout_ms, nh_error *err);

/* Apply pending migrations (see migrations.c) inside a lock so several instances can start at
 * once. Idempotent. Refuses (-1, err filled, message names both versions) when the database
 * has a schema version newer than this binary knows. `applied` (may be NULL) gets how many
 * migrations ran. */
int db_migrate(db *pool, int *applied, nh_error *err);
/* Highest schema version this binary knows. */
int db_schema_version_known(void);

#endif
