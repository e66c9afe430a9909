/* test_db.c - the database layer: $N rewriting, the SQLite driver, the pool, migrations, and the
 * conversion of connection strings for libpq.
 *
 * The same behaviour tests run against SQLite (a fresh temp directory per test) and, when
 * NEKOHUB_TEST_PG_CONNINFO names a throwaway PostgreSQL database (its public schema is dropped
 * and re-created before every test!), against PostgreSQL too; otherwise that group is skipped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <ftw.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "db/db.h"
#include "db/driver.h"
#include "db/pg_conninfo.h"

/* ---- fixtures ---- */

typedef struct fixture {
    char dir[64];
    char data_dir[128];
    config cfg;
    db *pool;
} fixture;

static int remove_entry(const char *path, const struct stat *info, int type, struct FTW *walk)
{
    (void)info;
    (void)type;
    (void)walk;
    return remove(path);
}

static void remove_tree(const char *path)
{
    nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static fixture *new_fixture(db_provider provider, const char *connection, unsigned int pool_size)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/nekohub-test-db-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->data_dir, sizeof f->data_dir, "%s/data/nested", f->dir);
    f->cfg.database_provider = provider;
    f->cfg.database_connection = (char *)connection;
    f->cfg.database_pool_size = pool_size;
    f->cfg.data_dir = f->data_dir;
    return f;
}

static int open_sqlite(void **state)
{
    fixture *f = new_fixture(DB_PROVIDER_SQLITE, NULL, 4);
    nh_error err;
    assert_int_equal(db_open(&f->cfg, &f->pool, &err), 0);
    *state = f;
    return 0;
}

static int open_postgres(void **state)
{
    const char *conninfo = getenv("NEKOHUB_TEST_PG_CONNINFO");
    fixture *f = new_fixture(DB_PROVIDER_POSTGRES, conninfo, 4);
    nh_error err;
    assert_int_equal(db_open(&f->cfg, &f->pool, &err), 0);
    db_conn *conn = db_acquire(f->pool, &err);
    assert_non_null(conn);
    assert_int_equal(db_exec_script(conn,
                                    "DROP SCHEMA IF EXISTS public CASCADE; "
                                    "CREATE SCHEMA public;",
                                    &err),
                     0);
    db_release(f->pool, conn);
    *state = f;
    return 0;
}

static int close_fixture(void **state)
{
    fixture *f = *state;
    db_close(f->pool);
    remove_tree(f->dir);
    free(f);
    return 0;
}

/* ---- helpers ---- */

static void exec_ok(db_conn *conn, const char *sql)
{
    nh_error err;
    assert_int_equal(db_exec_script(conn, sql, &err), 0);
}

static int64_t count_rows(db_conn *conn, const char *table)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s", table);
    db_result *result = NULL;
    nh_error err;
    assert_int_equal(db_query(conn, sql, NULL, 0, &result, &err), 0);
    int64_t count = db_result_int64(result, 0, 0);
    db_result_free(result);
    return count;
}

static void create_items_table(db_conn *conn)
{
    exec_ok(conn, "CREATE TABLE owners (id TEXT PRIMARY KEY);"
                  "CREATE TABLE items (id TEXT PRIMARY KEY, size BIGINT, note TEXT, "
                  "owner_id TEXT REFERENCES owners (id), label TEXT NOT NULL DEFAULT '');");
}

/* ---- $N rewriting (pure) ---- */

static void assert_rewrite(const char *sql, const char *expected)
{
    char *rewritten = sqlite_rewrite_params(sql);
    assert_non_null(rewritten);
    assert_string_equal(rewritten, expected);
    free(rewritten);
}

static void rewrite_params_outside_literals(void **state)
{
    (void)state;
    assert_rewrite("SELECT $1, $2 FROM t WHERE a = $10", "SELECT ?1, ?2 FROM t WHERE a = ?10");
    assert_rewrite("SELECT '$1', $1", "SELECT '$1', ?1");
    assert_rewrite("SELECT 'it''s $1', $2", "SELECT 'it''s $1', ?2");
    assert_rewrite("SELECT \"$1\" FROM \"a\"\"$2\"", "SELECT \"$1\" FROM \"a\"\"$2\"");
    assert_rewrite("SELECT $1 -- don't $2\n, $3", "SELECT ?1 -- don't $2\n, ?3");
    assert_rewrite("SELECT /* it's $1 */ $1", "SELECT /* it's $1 */ ?1");
    assert_rewrite("SELECT a$1, $x, $", "SELECT a$1, $x, $");
    assert_rewrite("SELECT 'unterminated $1", "SELECT 'unterminated $1");
    assert_rewrite("", "");
}

/* ---- behaviour, for every driver ---- */

static void migrate_twice_applies_once(void **state)
{
    fixture *f = *state;
    nh_error err;
    int applied = -1;
    assert_int_equal(db_migrate(f->pool, &applied, &err), 0);
    assert_true(applied >= 1);
    assert_int_equal(db_schema_version_known() >= 1, 1);
    assert_int_equal(db_migrate(f->pool, &applied, &err), 0);
    assert_int_equal(applied, 0);

    db_conn *conn = db_acquire(f->pool, &err);
    assert_non_null(conn);
    assert_int_equal(count_rows(conn, "instance_meta"), 0);
    db_result *result = NULL;
    assert_int_equal(db_query(conn, "SELECT MAX(version), COUNT(*) FROM schema_migrations", NULL, 0,
                              &result, &err),
                     0);
    assert_int_equal(db_result_int64(result, 0, 0), db_schema_version_known());
    db_result_free(result);
    db_release(f->pool, conn);
}

static void refuses_newer_schema(void **state)
{
    fixture *f = *state;
    nh_error err;
    assert_int_equal(db_migrate(f->pool, NULL, &err), 0);
    db_conn *conn = db_acquire(f->pool, &err);
    assert_non_null(conn);
    exec_ok(conn, "INSERT INTO schema_migrations (version, name, applied_at) "
                  "VALUES (999, 'from the future', 0)");
    db_release(f->pool, conn);

    int applied = -1;
    assert_int_equal(db_migrate(f->pool, &applied, &err), DB_ERROR);
    assert_int_equal(applied, 0);
    char expected[128];
    snprintf(expected, sizeof expected,
             "database schema version 999 is newer than this binary (%d)",
             db_schema_version_known());
    assert_string_equal(err.message, expected);
}

static void params_bind_text_int64_null(void **state)
{
    fixture *f = *state;
    nh_error err;
    db_conn *conn = db_acquire(f->pool, &err);
    assert_non_null(conn);
    create_items_table(conn);
    db_param insert[] = {db_text("a"), db_int(INT64_MAX), db_null()};
    int64_t affected = -1;
    assert_int_equal(db_exec(conn, "INSERT INTO items (id, size, note) VALUES ($1, $2, $3)", insert,
                             3, &affected, &err),
                     0);
    assert_int_equal(affected, 1);
    db_param second[] = {db_text("b"), db_int(-42), db_text("caf\xc3\xa9 'quoted'")};
    assert_int_equal(db_exec(conn, "INSERT INTO items (id, size, note) VALUES ($1, $2, $3)", second,
                             3, NULL, &err),
                     0);

    /* $2 before $1 in the text: numbers, not order of appearance, decide. */
    db_result *result = NULL;
    db_param query[] = {db_int(-42), db_text("a")};
    assert_int_equal(db_query(conn,
                              "SELECT id, size, note FROM items WHERE id = $2 OR size = $1 "
                              "ORDER BY id",
                              query, 2, &result, &err),
                     0);
    assert_int_equal(db_result_rows(result), 2);
    assert_int_equal(db_result_columns(result), 3);
    assert_string_equal(db_result_text(result, 0, 0), "a");
    assert_true(db_result_int64(result, 0, 1) == INT64_MAX);
    assert_true(db_result_is_null(result, 0, 2));
    assert_string_equal(db_result_text(result, 1, 0), "b");
    assert_int_equal(db_result_int64(result, 1, 1), -42);
    assert_string_equal(db_result_text(result, 1, 2), "caf\xc3\xa9 'quoted'");
    db_result_free(result);

    /* A NULL text parameter is SQL NULL; CAST lets PostgreSQL type "$1 IS NULL". */
    db_param maybe[] = {db_text(NULL)};
    assert_int_equal(db_query(conn,
                              "SELECT COUNT(*) FROM items WHERE CAST($1 AS TEXT) IS NULL "
                              "OR id = $1",
                              maybe, 1, &result, &err),
                     0);
    assert_int_equal(db_result_int64(result, 0, 0), 2);
    db_result_free(result);
    db_release(f->pool, conn);
}

static void dollar_inside_literal_is_left_alone(void **state)
{
    fixture *f = *state;
    nh_error err;
    db_conn *conn = db_acquire(f->pool, &err);
    assert_non_null(conn);
    db_result *result = NULL;
    db_param params[] = {db_text("real")};
    assert_int_equal(
        db_query(conn, "SELECT '$1', CAST($1 AS TEXT), 'it''s $2'", params, 1, &result, &err), 0);
    assert_string_equal(db_result_text(result, 0, 0), "$1");
    assert_string_equal(db_result_text(result, 0, 1), "real");
    assert_string_equal(db_result_text(result, 0, 2), "it's $2");
    db_result_free(result);
    db_release(f->pool, conn);
}

static void constraint_violations_are_reported(void **state)
{
    fixture *f = *state;
    nh_error err;
    db_conn *conn = db_acquire(f->pool, &err);
    assert_non_null(conn);
    create_items_table(conn);
    db_param item[] = {db_text("dup")};
    const char *insert = "INSERT INTO items (id) VALUES ($1)";
    assert_int_equal(db_exec(conn, insert, item, 1, NULL, &err), 0);
    error_clear(&err);
    assert_int_equal(db_exec(conn, insert, item, 1, NULL, &err), DB_CONSTRAINT);
    assert_int_equal(err.status, 500);
    assert_string_equal(err.code, "internal_server_error");

    db_param orphan[] = {db_text("orphan"), db_text("nobody")};
    assert_int_equal(
        db_exec(conn, "INSERT INTO items (id, owner_id) VALUES ($1, $2)", orphan, 2, NULL, &err),
        DB_CONSTRAINT);
    db_param no_label[] = {db_text("x")};
    assert_int_equal(
        db_exec(conn, "INSERT INTO items (id, label) VALUES ($1, NULL)", no_label, 1, NULL, &err),
        DB_CONSTRAINT);

    /* Plain errors are not constraints. */
    assert_int_equal(
        db_exec(conn, "INSERT INTO missing_table (id) VALUES ($1)", item, 1, NULL, &err), DB_ERROR);
    assert_int_equal(db_query(conn, "SELEC 1", NULL, 0, NULL, &err), DB_ERROR);
    /* The parameter count must match the SQL. */
    db_param two[] = {db_text("a"), db_text("b")};
    assert_int_equal(db_query(conn, "SELECT CAST($1 AS TEXT)", two, 2, NULL, &err), DB_ERROR);
    db_release(f->pool, conn);
}

static void rollback_leaves_nothing(void **state)
{
    fixture *f = *state;
    nh_error err;
    db_conn *conn = db_acquire(f->pool, &err);
    assert_non_null(conn);
    create_items_table(conn);

    assert_int_equal(db_begin(conn, &err), 0);
    db_param a[] = {db_text("a")};
    assert_int_equal(db_exec(conn, "INSERT INTO items (id) VALUES ($1)", a, 1, NULL, &err), 0);
    assert_int_equal(count_rows(conn, "items"), 1);
    assert_int_equal(db_rollback(conn), 0);
    assert_int_equal(count_rows(conn, "items"), 0);
    assert_int_equal(db_rollback(conn), 0); /* nothing open: harmless */

    assert_int_equal(db_begin(conn, &err), 0);
    assert_int_equal(db_exec(conn, "INSERT INTO items (id) VALUES ($1)", a, 1, NULL, &err), 0);
    assert_int_equal(db_commit(conn, &err), 0);
    assert_int_equal(count_rows(conn, "items"), 1);

    /* A connection released inside a transaction comes back rolled back. */
    assert_int_equal(db_begin(conn, &err), 0);
    db_param b[] = {db_text("b")};
    assert_int_equal(db_exec(conn, "INSERT INTO items (id) VALUES ($1)", b, 1, NULL, &err), 0);
    db_release(f->pool, conn);
    conn = db_acquire(f->pool, &err);
    assert_non_null(conn);
    assert_int_equal(count_rows(conn, "items"), 1);
    db_release(f->pool, conn);
}

static void failed_statement_then_rollback(void **state)
{
    fixture *f = *state;
    nh_error err;
    db_conn *conn = db_acquire(f->pool, &err);
    assert_non_null(conn);
    create_items_table(conn);
    db_param a[] = {db_text("a")};
    assert_int_equal(db_begin(conn, &err), 0);
    assert_int_equal(db_exec(conn, "INSERT INTO items (id) VALUES ($1)", a, 1, NULL, &err), 0);
    assert_int_equal(db_exec(conn, "INSERT INTO items (id) VALUES ($1)", a, 1, NULL, &err),
                     DB_CONSTRAINT);
    assert_int_equal(db_rollback(conn), 0);
    assert_int_equal(count_rows(conn, "items"), 0);
    db_release(f->pool, conn);
}

static void result_accessors(void **state)
{
    fixture *f = *state;
    nh_error err;
    db_conn *conn = db_acquire(f->pool, &err);
    assert_non_null(conn);
    db_result *result = NULL;
    assert_int_equal(db_query(conn,
                              "SELECT NULL, '', 'abc', 12345678901234, '12x', -7, "
                              "'9223372036854775808'",
                              NULL, 0, &result, &err),
                     0);
    assert_int_equal(db_result_rows(result), 1);
    assert_int_equal(db_result_columns(result), 7);
    assert_true(db_result_is_null(result, 0, 0));
    assert_null(db_result_text(result, 0, 0));
    assert_false(db_result_is_null(result, 0, 1));
    assert_string_equal(db_result_text(result, 0, 1), "");
    assert_int_equal(db_result_int64(result, 0, 0), 0);
    assert_int_equal(db_result_int64(result, 0, 1), 0);
    assert_int_equal(db_result_int64(result, 0, 2), 0);
    assert_true(db_result_int64(result, 0, 3) == INT64_C(12345678901234));
    assert_int_equal(db_result_int64(result, 0, 4), 0);
    assert_int_equal(db_result_int64(result, 0, 5), -7);
    assert_int_equal(db_result_int64(result, 0, 6), 0); /* out of range */
    assert_null(db_result_text(result, 1, 0));
    assert_null(db_result_text(result, 0, 7));
    assert_true(db_result_is_null(result, 5, 5));
    db_result_free(result);

    /* No rows: an empty result that still knows its columns. */
    assert_int_equal(db_query(conn, "SELECT 1, 2 WHERE 1 = 0", NULL, 0, &result, &err), 0);
    assert_int_equal(db_result_rows(result), 0);
    assert_int_equal(db_result_columns(result), 2);
    db_result_free(result);
    assert_int_equal(db_result_rows(NULL), 0);
    assert_null(db_result_text(NULL, 0, 0));
    db_result_free(NULL);

    /* Many rows: the result grows. */
    exec_ok(conn, "CREATE TABLE numbers (n BIGINT NOT NULL)");
    assert_int_equal(db_begin(conn, &err), 0);
    for (int i = 0; i < 1000; i++) {
        db_param n[] = {db_int(i)};
        assert_int_equal(db_exec(conn, "INSERT INTO numbers (n) VALUES ($1)", n, 1, NULL, &err), 0);
    }
    assert_int_equal(db_commit(conn, &err), 0);
    assert_int_equal(db_query(conn, "SELECT n, 'row ' || CAST(n AS TEXT) FROM numbers ORDER BY n",
                              NULL, 0, &result, &err),
                     0);
    assert_int_equal(db_result_rows(result), 1000);
    assert_int_equal(db_result_int64(result, 999, 0), 999);
    assert_string_equal(db_result_text(result, 500, 1), "row 500");
    db_result_free(result);

    int64_t affected = -1;
    db_param below[] = {db_int(10)};
    assert_int_equal(
        db_exec(conn, "UPDATE numbers SET n = n + 1000 WHERE n < $1", below, 1, &affected, &err),
        0);
    assert_int_equal(affected, 10);
    assert_int_equal(db_exec(conn, "DELETE FROM numbers WHERE n < 0", NULL, 0, &affected, &err), 0);
    assert_int_equal(affected, 0);
    db_release(f->pool, conn);
}

static void dialects_agree_on_like_and_booleans(void **state)
{
    fixture *f = *state;
    nh_error err;
    db_conn *conn = db_acquire(f->pool, &err);
    assert_non_null(conn);
    db_result *result = NULL;
    db_param pattern[] = {db_text("a%")};
    assert_int_equal(db_query(conn,
                              "SELECT 'Abc' LIKE $1, 'abc' LIKE $1, EXISTS (SELECT 1), "
                              "1 = 0, CAST(NULL AS INTEGER) = 1",
                              pattern, 1, &result, &err),
                     0);
    assert_string_equal(db_result_text(result, 0, 0), "0");
    assert_string_equal(db_result_text(result, 0, 1), "1");
    assert_string_equal(db_result_text(result, 0, 2), "1");
    assert_string_equal(db_result_text(result, 0, 3), "0");
    assert_true(db_result_is_null(result, 0, 4));
    db_result_free(result);
    db_release(f->pool, conn);
}

static void ping_answers(void **state)
{
    fixture *f = *state;
    nh_error err;
    assert_int_equal(db_ping(f->pool, &err), 0);
}

/* ---- the pool under concurrency ---- */

#define POOL_THREADS 4
#define POOL_ROUNDS 40

typedef struct pool_worker {
    fixture *f;
    int index;
    int failures;
} pool_worker;

static atomic_int borrowed_now;
static atomic_int borrowed_most;

static void note_borrowed(int delta)
{
    int now = atomic_fetch_add(&borrowed_now, delta) + delta;
    int most = atomic_load(&borrowed_most);
    while (now > most && !atomic_compare_exchange_weak(&borrowed_most, &most, now))
        continue;
}

static void *pool_worker_run(void *argument)
{
    pool_worker *worker = argument;
    for (int round = 0; round < POOL_ROUNDS; round++) {
        nh_error err;
        db_conn *conn = db_acquire(worker->f->pool, &err);
        if (!conn) {
            worker->failures++;
            continue;
        }
        note_borrowed(1);
        char id[32];
        snprintf(id, sizeof id, "w%d-%d", worker->index, round);
        db_param params[] = {db_text(id), db_int(round)};
        if (db_begin(conn, &err) != 0 ||
            db_exec(conn, "INSERT INTO items (id, size) VALUES ($1, $2)", params, 2, NULL, &err) !=
                0 ||
            db_commit(conn, &err) != 0)
            worker->failures++;
        note_borrowed(-1);
        db_release(worker->f->pool, conn);
    }
    return NULL;
}

/* Reopen the fixture's pool with another size. */
static void resize_pool(fixture *f, unsigned int size)
{
    db_close(f->pool);
    f->pool = NULL;
    f->cfg.database_pool_size = size;
    nh_error err;
    assert_int_equal(db_open(&f->cfg, &f->pool, &err), 0);
}

static void pool_serves_concurrent_threads(void **state)
{
    fixture *f = *state;
    resize_pool(f, 2); /* fewer connections than threads: borrowers wait their turn */
    nh_error err;
    db_conn *conn = db_acquire(f->pool, &err);
    assert_non_null(conn);
    create_items_table(conn);
    db_release(f->pool, conn);

    atomic_store(&borrowed_now, 0);
    atomic_store(&borrowed_most, 0);
    pthread_t threads[POOL_THREADS];
    pool_worker workers[POOL_THREADS];
    for (int i = 0; i < POOL_THREADS; i++) {
        workers[i] = (pool_worker){f, i, 0};
        assert_int_equal(pthread_create(&threads[i], NULL, pool_worker_run, &workers[i]), 0);
    }
    for (int i = 0; i < POOL_THREADS; i++) {
        assert_int_equal(pthread_join(threads[i], NULL), 0);
        assert_int_equal(workers[i].failures, 0);
    }
    assert_true(atomic_load(&borrowed_most) <= (int)f->cfg.database_pool_size);

    conn = db_acquire(f->pool, &err);
    assert_non_null(conn);
    assert_int_equal(count_rows(conn, "items"), POOL_THREADS * POOL_ROUNDS);
    db_release(f->pool, conn);
}

static void pool_of_one_waits_for_release(void **state)
{
    fixture *f = *state;
    resize_pool(f, 1);
    nh_error err;
    db_conn *first = db_acquire(f->pool, &err);
    assert_non_null(first);
    create_items_table(first);
    pthread_t thread;
    pool_worker worker = {f, 9, 0};
    assert_int_equal(pthread_create(&thread, NULL, pool_worker_run, &worker), 0);
    struct timespec pause = {0, 50 * 1000000L};
    nanosleep(&pause, NULL);
    assert_int_equal(count_rows(first, "items"), 0); /* the worker is still waiting */
    db_release(f->pool, first);
    assert_int_equal(pthread_join(thread, NULL), 0);
    assert_int_equal(worker.failures, 0);
    db_conn *conn = db_acquire(f->pool, &err);
    assert_non_null(conn);
    assert_int_equal(count_rows(conn, "items"), POOL_ROUNDS);
    db_release(f->pool, conn);
}

/* ---- the deadline ---- */

typedef struct acquire_attempt {
    db *pool;
    unsigned int timeout_ms; /* 0: db_acquire() with the pool's own deadline */
    bool ping;
    bool got;
    int rc;
    nh_error err;
} acquire_attempt;

static void *attempt_run(void *argument)
{
    acquire_attempt *attempt = argument;
    if (attempt->ping) {
        attempt->rc = db_ping_within(attempt->pool, attempt->timeout_ms, &attempt->err);
        return NULL;
    }
    db_conn *conn = attempt->timeout_ms
                        ? db_acquire_within(attempt->pool, attempt->timeout_ms, &attempt->err)
                        : db_acquire(attempt->pool, &attempt->err);
    attempt->got = conn != NULL;
    db_release(attempt->pool, conn);
    return NULL;
}

static void run_attempt(acquire_attempt *attempt)
{
    pthread_t thread;
    assert_int_equal(pthread_create(&thread, NULL, attempt_run, attempt), 0);
    assert_int_equal(pthread_join(thread, NULL), 0);
}

/* A pool of 1 whose connection is held: another thread's acquire gives up at its deadline with
 * 503 db_busy and a Retry-After hint instead of waiting forever (issue 14, defect 2). */
static void acquire_times_out_with_db_busy(void **state)
{
    fixture *f = *state;
    f->cfg.database_acquire_timeout_ms = 50;
    resize_pool(f, 1);
    nh_error err;
    db_conn *held = db_acquire(f->pool, &err);
    assert_non_null(held);

    acquire_attempt waits = {.pool = f->pool};
    run_attempt(&waits);
    assert_false(waits.got);
    assert_int_equal(waits.err.status, 503);
    assert_string_equal(waits.err.code, "db_busy");
    assert_true(waits.err.retry_after_seconds > 0);

    acquire_attempt probe = {.pool = f->pool, .timeout_ms = 20, .ping = true};
    run_attempt(&probe);
    assert_int_equal(probe.rc, DB_ERROR);
    assert_string_equal(probe.err.code, "db_busy");

    db_release(f->pool, held);
    acquire_attempt after = {.pool = f->pool};
    run_attempt(&after);
    assert_true(after.got);
    acquire_attempt ping = {.pool = f->pool, .timeout_ms = 1000, .ping = true};
    run_attempt(&ping);
    assert_int_equal(ping.rc, 0);
}

/* Test builds abort when one thread asks for a second connection (the way a pool deadlocks). */
static void second_connection_on_one_thread_aborts(void **state)
{
    fixture *f = *state;
    fflush(NULL);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0)
            dup2(devnull, STDERR_FILENO);
        nh_error err;
        db_conn *first = db_acquire(f->pool, &err);
        db_conn *second = first ? db_acquire(f->pool, &err) : NULL;
        (void)second;
        _exit(first ? 0 : 3);
    }
    int status = 0;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGABRT);
}

/* ---- SQLite only ---- */

static void sqlite_creates_private_data_dir_in_wal_mode(void **state)
{
    fixture *f = *state;
    struct stat info;
    assert_int_equal(stat(f->data_dir, &info), 0);
    assert_true(S_ISDIR(info.st_mode));
    assert_int_equal(info.st_mode & 0777, 0700);
    char path[256];
    snprintf(path, sizeof path, "%s/nekohub.db", f->data_dir);
    assert_int_equal(stat(path, &info), 0);

    nh_error err;
    db_conn *conn = db_acquire(f->pool, &err);
    assert_non_null(conn);
    db_result *result = NULL;
    assert_int_equal(db_query(conn, "PRAGMA journal_mode", NULL, 0, &result, &err), 0);
    assert_string_equal(db_result_text(result, 0, 0), "wal");
    db_result_free(result);
    assert_int_equal(db_query(conn, "PRAGMA foreign_keys", NULL, 0, &result, &err), 0);
    assert_int_equal(db_result_int64(result, 0, 0), 1);
    db_result_free(result);
    assert_int_equal(db_query(conn, "PRAGMA busy_timeout", NULL, 0, &result, &err), 0);
    assert_int_equal(db_result_int64(result, 0, 0), 5000);
    db_result_free(result);
    assert_int_equal(db_dialect(f->pool), DB_PROVIDER_SQLITE);
    /* Two statements in one db_query are refused (PostgreSQL refuses them too). */
    assert_int_equal(db_query(conn, "SELECT 1; SELECT 2", NULL, 0, NULL, &err), DB_ERROR);
    assert_int_equal(db_query(conn, "SELECT 1;  ", NULL, 0, NULL, &err), 0);
    db_release(f->pool, conn);
}

static void sqlite_accepts_path_and_data_source(void **state)
{
    (void)state;
    char dir[] = "/tmp/nekohub-test-db-XXXXXX";
    assert_non_null(mkdtemp(dir));
    /* prefix, sub-directory, suffix */
    const char *forms[][3] = {{"", "plain", ""},
                              {"Data Source=", "dotnet", ";Cache=Shared"},
                              {" data source = '", "quoted", "' "}};
    for (size_t i = 0; i < 3; i++) {
        char setting[256];
        snprintf(setting, sizeof setting, "%s%s/%s/file.db%s", forms[i][0], dir, forms[i][1],
                 forms[i][2]);
        config cfg = {0};
        cfg.database_provider = DB_PROVIDER_SQLITE;
        cfg.database_connection = setting;
        cfg.database_pool_size = 1;
        cfg.data_dir = dir;
        db *pool = NULL;
        nh_error err;
        assert_int_equal(db_open(&cfg, &pool, &err), 0);
        db_close(pool);
        char path[256];
        snprintf(path, sizeof path, "%s/%s/file.db", dir, forms[i][1]);
        struct stat info;
        assert_int_equal(stat(path, &info), 0);
    }
    config cfg = {0};
    cfg.database_provider = DB_PROVIDER_SQLITE;
    cfg.database_connection = "Host=localhost;Database=nekohub";
    cfg.database_pool_size = 1;
    cfg.data_dir = dir;
    db *pool = NULL;
    nh_error err;
    assert_int_equal(db_open(&cfg, &pool, &err), DB_ERROR);
    assert_null(pool);
    remove_tree(dir);
}

/* A database that cannot grow (max_page_count: SQLite's own SQLITE_FULL, as a full disk gives)
 * answers 503 service_unavailable_disk_full with a Retry-After hint, and writes again once it
 * has room (issue 9, item 3). */
static void sqlite_full_database_is_503_and_recovers(void **state)
{
    fixture *f = *state;
    nh_error err;
    db_conn *conn = db_acquire(f->pool, &err);
    assert_non_null(conn);
    create_items_table(conn);
    db_result *pages = NULL;
    assert_int_equal(db_query(conn, "PRAGMA page_count", NULL, 0, &pages, &err), 0);
    char limit[64];
    snprintf(limit, sizeof limit, "PRAGMA max_page_count = %lld",
             (long long)db_result_int64(pages, 0, 0));
    db_result_free(pages);
    assert_int_equal(db_exec_script(conn, limit, &err), 0);

    static char big[64 * 1024];
    memset(big, 'x', sizeof big - 1);
    db_param params[] = {db_text("big"), db_text(big)};
    const char *insert = "INSERT INTO items (id, note) VALUES ($1, $2)";
    error_clear(&err);
    assert_int_equal(db_exec(conn, insert, params, 2, NULL, &err), DB_ERROR);
    assert_int_equal(err.status, 503);
    assert_string_equal(err.code, "service_unavailable_disk_full");
    assert_true(err.retry_after_seconds > 0);

    assert_int_equal(db_exec_script(conn, "PRAGMA max_page_count = 1073741823", &err), 0);
    assert_int_equal(db_exec(conn, insert, params, 2, NULL, &err), 0);
    assert_int_equal(count_rows(conn, "items"), 1);
    db_release(f->pool, conn);
}

/* ---- PostgreSQL only ---- */

static void postgres_disk_full_is_503(void **state)
{
    fixture *f = *state;
    static const char *const scripts[] = {
        "DO $$ BEGIN RAISE EXCEPTION 'no space' USING ERRCODE = 'disk_full'; END $$",
        "DO $$ BEGIN RAISE EXCEPTION 'no room' USING ERRCODE = 'insufficient_resources'; END $$",
    };
    nh_error err;
    db_conn *conn = db_acquire(f->pool, &err);
    assert_non_null(conn);
    for (size_t i = 0; i < 2; i++) {
        error_clear(&err);
        assert_int_equal(db_exec_script(conn, scripts[i], &err), DB_ERROR);
        assert_int_equal(err.status, 503);
        assert_string_equal(err.code, "service_unavailable_disk_full");
        assert_true(err.retry_after_seconds > 0);
    }
    assert_int_equal(db_query(conn, "SELECT 1", NULL, 0, NULL, &err), 0);
    db_release(f->pool, conn);
}

static void postgres_commit_of_failed_transaction_fails(void **state)
{
    fixture *f = *state;
    nh_error err;
    db_conn *conn = db_acquire(f->pool, &err);
    assert_non_null(conn);
    create_items_table(conn);
    db_param a[] = {db_text("a")};
    assert_int_equal(db_begin(conn, &err), 0);
    assert_int_equal(db_exec(conn, "INSERT INTO items (id) VALUES ($1)", a, 1, NULL, &err), 0);
    assert_int_equal(db_exec(conn, "INSERT INTO items (id) VALUES ($1)", a, 1, NULL, &err),
                     DB_CONSTRAINT);
    assert_int_equal(db_commit(conn, &err), DB_ERROR);
    assert_int_equal(count_rows(conn, "items"), 0);
    db_release(f->pool, conn);
}

/* What a second thread does while the main thread holds a connection (one per thread). */
typedef struct side_job {
    db *pool;
    int64_t victim_pid; /* 0: just run SELECT 1 */
    int rc;
} side_job;

static void *side_job_run(void *argument)
{
    side_job *job = argument;
    nh_error err;
    db_conn *conn = db_acquire(job->pool, &err);
    if (!conn) {
        job->rc = -1;
        return NULL;
    }
    db_param pid[] = {db_int(job->victim_pid)};
    job->rc = job->victim_pid
                  ? db_query(conn, "SELECT pg_terminate_backend(CAST($1 AS INTEGER), 5000)", pid, 1,
                             NULL, &err)
                  : db_query(conn, "SELECT 1", NULL, 0, NULL, &err);
    db_release(job->pool, conn);
    return NULL;
}

static void run_side_job(side_job *job)
{
    pthread_t thread;
    assert_int_equal(pthread_create(&thread, NULL, side_job_run, job), 0);
    assert_int_equal(pthread_join(thread, NULL), 0);
    assert_int_equal(job->rc, 0);
}

static void postgres_reconnects_a_killed_connection(void **state)
{
    fixture *f = *state;
    nh_error err;
    db_conn *victim = db_acquire(f->pool, &err);
    assert_non_null(victim);
    db_result *result = NULL;
    assert_int_equal(db_query(victim, "SELECT pg_backend_pid()", NULL, 0, &result, &err), 0);
    side_job killer = {.pool = f->pool, .victim_pid = db_result_int64(result, 0, 0)};
    db_result_free(result);
    run_side_job(&killer); /* on a second pooled connection */
    db_release(f->pool, victim);
    /* Both come back usable: the killed one is noticed and reset on acquire. */
    db_conn *one = db_acquire(f->pool, &err);
    assert_non_null(one);
    assert_int_equal(db_query(one, "SELECT 1", NULL, 0, NULL, &err), 0);
    side_job two = {.pool = f->pool};
    run_side_job(&two);
    db_release(f->pool, one);
    assert_int_equal(db_dialect(f->pool), DB_PROVIDER_POSTGRES);
}

/* ---- connection strings (pure) ---- */

static char *convert_ok(const char *setting)
{
    char *out = NULL;
    char problem[PG_CONNINFO_PROBLEM_SIZE];
    assert_int_equal(pg_conninfo_from_setting(setting, &out, problem), 0);
    assert_non_null(out);
    return out;
}

static void assert_converts(const char *setting, const char *expected)
{
    char *out = convert_ok(setting);
    assert_string_equal(out, expected);
    free(out);
}

/* libpq itself reads keyword back as expected. */
static void assert_libpq_reads(const char *conninfo, const char *keyword, const char *expected)
{
    char *error = NULL;
    PQconninfoOption *options = PQconninfoParse(conninfo, &error);
    assert_non_null(options);
    const char *found = NULL;
    for (PQconninfoOption *option = options; option->keyword; option++)
        if (!strcmp(option->keyword, keyword))
            found = option->val;
    if (expected) {
        assert_non_null(found);
        assert_string_equal(found, expected);
    } else {
        assert_null(found);
    }
    PQconninfoFree(options);
}

static void conninfo_from_nekohub_form(void **state)
{
    (void)state;
    assert_converts("Host=localhost;Port=5432;Database=nekohub;Username=nekohub;"
                    "Password=nekohub-dev;Pooling=true",
                    "host='localhost' port='5432' dbname='nekohub' user='nekohub' "
                    "password='nekohub-dev'");
    assert_converts(" HOST = db.internal ; port=5433;DataBase=Neko Hub;User Id=neko;"
                    "SSL Mode=VerifyFull;Timeout=5;Include Error Detail=true;"
                    "Maximum Pool Size=50;;",
                    "host='db.internal' port='5433' dbname='Neko Hub' user='neko' "
                    "sslmode='verify-full' connect_timeout='5'");
    assert_converts("host=localhost;database=x", "host='localhost' dbname='x'");
    assert_converts("Server=a:5433,b;Port=6000;User=u;sslmode=disable",
                    "host='a,b' port='5433,6000' user='u' sslmode='disable'");
    assert_converts("Host=/var/run/postgresql;Database=x;Search Path=app, public",
                    "host='/var/run/postgresql' dbname='x' "
                    "options='-c search_path=app,\\\\ public'");
    assert_converts("Pooling=false", "");
    char *out = convert_ok("Host=h;Search Path=app, public");
    assert_libpq_reads(out, "options", "-c search_path=app,\\ public");
    free(out);
}

static void conninfo_quotes_awkward_passwords(void **state)
{
    (void)state;
    char *out = convert_ok("Host=h;Username=u;Password=\"my pa'ss \"\"word\\\";Database=d");
    assert_string_equal(out, "host='h' dbname='d' user='u' password='my pa\\'ss \"word\\\\'");
    assert_libpq_reads(out, "password", "my pa'ss \"word\\");
    free(out);

    out = convert_ok("Password= two words'n quote ;Host=h");
    assert_libpq_reads(out, "password", "two words'n quote");
    free(out);

    out = convert_ok("Password='semi;colon = sign';Host=h");
    assert_libpq_reads(out, "password", "semi;colon = sign");
    assert_libpq_reads(out, "host", "h");
    free(out);

    out = convert_ok("Password=;Host=h");
    assert_libpq_reads(out, "password", "");
    free(out);
}

static void conninfo_passes_libpq_forms_unchanged(void **state)
{
    (void)state;
    const char *unchanged[] = {
        "postgresql://neko:se%20cret@db:5432/nekohub?sslmode=require",
        "postgres://localhost/nekohub",
        "host=/tmp port=54329 dbname=postgres user=postgres",
        "host = localhost dbname=nekohub password='it\\'s;here'",
    };
    for (size_t i = 0; i < sizeof unchanged / sizeof unchanged[0]; i++)
        assert_converts(unchanged[i], unchanged[i]);
}

static void conninfo_refuses_bad_settings(void **state)
{
    (void)state;
    const char *bad[] = {
        "",
        "   ",
        "Host=h;Colour=blue",
        "Host=h;Password=\"unterminated",
        "Host=h;Password=\"x\"y;",
        "Host=h;justtext",
        "Host=h;=value",
        "Host=h;SSL Mode=Sometimes",
        "Host=h;Timeout=soon",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *out = (char *)"untouched";
        char problem[PG_CONNINFO_PROBLEM_SIZE];
        assert_int_equal(pg_conninfo_from_setting(bad[i], &out, problem), -1);
        assert_null(out);
        assert_true(problem[0] != '\0');
    }
    char *out = NULL;
    char problem[PG_CONNINFO_PROBLEM_SIZE];
    assert_int_equal(pg_conninfo_from_setting("Host=h;Colour=blue;Password=hunter2", &out, problem),
                     -1);
    assert_non_null(strstr(problem, "colour"));
    assert_null(strstr(problem, "hunter2"));
    /* A password cut by an unquoted ';' is not echoed as a key name. */
    assert_int_equal(pg_conninfo_from_setting("Host=h;Password=se;cr3t=x", &out, problem), -1);
    assert_null(strstr(problem, "cr3t"));
    assert_int_equal(pg_conninfo_from_setting(NULL, &out, NULL), -1);
}

#define BEHAVIOUR_TESTS(setup)                                                                     \
    cmocka_unit_test_setup_teardown(migrate_twice_applies_once, setup, close_fixture),             \
        cmocka_unit_test_setup_teardown(refuses_newer_schema, setup, close_fixture),               \
        cmocka_unit_test_setup_teardown(params_bind_text_int64_null, setup, close_fixture),        \
        cmocka_unit_test_setup_teardown(dollar_inside_literal_is_left_alone, setup,                \
                                        close_fixture),                                            \
        cmocka_unit_test_setup_teardown(constraint_violations_are_reported, setup, close_fixture), \
        cmocka_unit_test_setup_teardown(rollback_leaves_nothing, setup, close_fixture),            \
        cmocka_unit_test_setup_teardown(failed_statement_then_rollback, setup, close_fixture),     \
        cmocka_unit_test_setup_teardown(result_accessors, setup, close_fixture),                   \
        cmocka_unit_test_setup_teardown(dialects_agree_on_like_and_booleans, setup,                \
                                        close_fixture),                                            \
        cmocka_unit_test_setup_teardown(ping_answers, setup, close_fixture),                       \
        cmocka_unit_test_setup_teardown(pool_serves_concurrent_threads, setup, close_fixture),     \
        cmocka_unit_test_setup_teardown(pool_of_one_waits_for_release, setup, close_fixture),      \
        cmocka_unit_test_setup_teardown(acquire_times_out_with_db_busy, setup, close_fixture),     \
        cmocka_unit_test_setup_teardown(second_connection_on_one_thread_aborts, setup,             \
                                        close_fixture)

int main(void)
{
    log_set_level(LOG_ERROR);
    const struct CMUnitTest pure_tests[] = {
        cmocka_unit_test(rewrite_params_outside_literals),
        cmocka_unit_test(conninfo_from_nekohub_form),
        cmocka_unit_test(conninfo_quotes_awkward_passwords),
        cmocka_unit_test(conninfo_passes_libpq_forms_unchanged),
        cmocka_unit_test(conninfo_refuses_bad_settings),
    };
    const struct CMUnitTest sqlite_tests[] = {
        BEHAVIOUR_TESTS(open_sqlite),
        cmocka_unit_test_setup_teardown(sqlite_creates_private_data_dir_in_wal_mode, open_sqlite,
                                        close_fixture),
        cmocka_unit_test(sqlite_accepts_path_and_data_source),
        cmocka_unit_test_setup_teardown(sqlite_full_database_is_503_and_recovers, open_sqlite,
                                        close_fixture),
    };
    const struct CMUnitTest postgres_tests[] = {
        BEHAVIOUR_TESTS(open_postgres),
        cmocka_unit_test_setup_teardown(postgres_commit_of_failed_transaction_fails, open_postgres,
                                        close_fixture),
        cmocka_unit_test_setup_teardown(postgres_reconnects_a_killed_connection, open_postgres,
                                        close_fixture),
        cmocka_unit_test_setup_teardown(postgres_disk_full_is_503, open_postgres, close_fixture),
    };
    int failed = cmocka_run_group_tests_name("db_pure", pure_tests, NULL, NULL);
    failed += cmocka_run_group_tests_name("db_sqlite", sqlite_tests, NULL, NULL);
    if (getenv("NEKOHUB_TEST_PG_CONNINFO")) {
        pg_set_startup_retry(1, 0);
        failed += cmocka_run_group_tests_name("db_postgres", postgres_tests, NULL, NULL);
    } else {
        fprintf(stderr, "[  SKIPPED ] db_postgres: set NEKOHUB_TEST_PG_CONNINFO to run it\n");
    }
    return failed == 0 ? 0 : 1;
}
