/* db.c - the connection pool, dispatch to the SQLite or PostgreSQL driver, and the
 * materialised result type. See db.h for the contract and driver.h for the driver interface.
 *
 * The pool is a mutex, a condition variable (on the monotonic clock) and a stack of idle
 * connections. Connections are opened lazily (outside the lock) up to the configured size; a
 * borrower waits while all are in use, but no longer than its deadline (then 503 db_busy). The
 * first connection is opened by db_open() so that a wrong setting fails at start-up.
 *
 * Test builds (NEKOHUB_TEST_BUILD) count the connections each thread holds and abort when a
 * thread asks for a second one: holding one while waiting for another is how a pool
 * deadlocks under load (every thread holds one and waits for a second). */
#include "db/db.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "db/driver.h"

#define DB_DEFAULT_ACQUIRE_TIMEOUT_MS 5000
#define DB_BUSY_RETRY_AFTER_SECONDS 1
#define DB_BUSY_LOG_INTERVAL_MS 60000
#define DB_DISK_FULL_RETRY_AFTER_SECONDS 30
#define DB_DISK_FULL_LOG_INTERVAL_MS 60000

struct db_conn {
    const db_driver *driver;
    void *native;
    db_conn *next_idle;
};

struct db {
    const db_driver *driver;
    db_provider provider;
    char *target; /* what the driver connects to: a file path or a libpq conninfo */
    pthread_mutex_t lock;
    pthread_cond_t available;
    db_conn *idle;           /* stack of connections ready to lend */
    unsigned int open_count; /* connections that exist or are being opened */
    unsigned int max_count;
    unsigned int acquire_timeout_ms; /* db_acquire()'s deadline */
};

/* ---- results ---- */

#define RESULT_NULL_VALUE SIZE_MAX

struct db_result {
    size_t columns;
    size_t rows;
    size_t row_capacity;
    size_t *offsets; /* rows * columns offsets into text; RESULT_NULL_VALUE for SQL NULL */
    char *text;      /* every value, NUL-terminated, one after the other */
    size_t text_length;
    size_t text_capacity;
};

db_result *db_result_new(size_t columns)
{
    db_result *result = calloc(1, sizeof *result);
    if (!result)
        return NULL;
    result->columns = columns;
    return result;
}

static int grow_rows(db_result *result)
{
    size_t capacity = result->row_capacity ? result->row_capacity * 2 : 16;
    size_t columns = result->columns ? result->columns : 1;
    if (capacity > SIZE_MAX / sizeof(size_t) / columns)
        return -1;
    size_t *offsets = realloc(result->offsets, capacity * columns * sizeof(size_t));
    if (!offsets)
        return -1;
    result->offsets = offsets;
    result->row_capacity = capacity;
    return 0;
}

int db_result_add_row(db_result *result)
{
    if (result->rows == result->row_capacity && grow_rows(result) != 0)
        return -1;
    size_t first = result->rows * result->columns;
    for (size_t column = 0; column < result->columns; column++)
        result->offsets[first + column] = RESULT_NULL_VALUE;
    result->rows++;
    return 0;
}

static int reserve_text(db_result *result, size_t needed)
{
    if (needed > SIZE_MAX - result->text_length)
        return -1;
    size_t wanted = result->text_length + needed;
    if (wanted <= result->text_capacity)
        return 0;
    size_t capacity = result->text_capacity ? result->text_capacity : 256;
    while (capacity < wanted) {
        if (capacity > SIZE_MAX / 2)
            return -1;
        capacity *= 2;
    }
    char *text = realloc(result->text, capacity);
    if (!text)
        return -1;
    result->text = text;
    result->text_capacity = capacity;
    return 0;
}

int db_result_put(db_result *result, size_t column, const char *text, size_t length)
{
    if (result->rows == 0 || column >= result->columns)
        return -1;
    if (!text)
        return 0;
    if (length == SIZE_MAX || reserve_text(result, length + 1) != 0)
        return -1;
    size_t offset = result->text_length;
    memcpy(result->text + offset, text, length);
    result->text[offset + length] = '\0';
    result->text_length += length + 1;
    result->offsets[(result->rows - 1) * result->columns + column] = offset;
    return 0;
}

size_t db_result_rows(const db_result *result)
{
    return result ? result->rows : 0;
}

size_t db_result_columns(const db_result *result)
{
    return result ? result->columns : 0;
}

const char *db_result_text(const db_result *result, size_t row, size_t column)
{
    if (!result || row >= result->rows || column >= result->columns)
        return NULL;
    size_t offset = result->offsets[row * result->columns + column];
    if (offset == RESULT_NULL_VALUE)
        return NULL;
    return result->text + offset;
}

bool db_result_is_null(const db_result *result, size_t row, size_t column)
{
    return db_result_text(result, row, column) == NULL;
}

int64_t db_result_int64(const db_result *result, size_t row, size_t column)
{
    const char *text = db_result_text(result, row, column);
    if (!text || !*text)
        return 0;
    char *end = NULL;
    errno = 0;
    long long value = strtoll(text, &end, 10);
    if (errno != 0 || *end != '\0')
        return 0;
    return (int64_t)value;
}

void db_result_free(db_result *result)
{
    if (!result)
        return;
    free(result->offsets);
    free(result->text);
    free(result);
}

/* ---- a full disk ---- */

int db_report_disk_full(const char *driver, const char *message, nh_error *err)
{
    static log_throttle throttle = LOG_THROTTLE_INIT;
    uint64_t suppressed = 0;
    if (log_throttle_allow(&throttle, DB_DISK_FULL_LOG_INTERVAL_MS, &suppressed))
        log_message(LOG_ERROR, "db_disk_full",
                    "%s: the database cannot write, its disk is full: %s (answering 503 until "
                    "space returns; %llu more such failures since the last line)",
                    driver, message, (unsigned long long)suppressed);
    error_set_retry(err, 503, "service_unavailable_disk_full", DB_DISK_FULL_RETRY_AFTER_SECONDS,
                    "The server's storage is full; try again later.");
    return DB_ERROR;
}

/* ---- one connection per thread (test builds) ---- */

#ifdef NEKOHUB_TEST_BUILD
static _Thread_local int held_connections;

static void check_holds_none(void)
{
    if (held_connections == 0)
        return;
    fprintf(stderr, "nekohub: db_acquire: this thread already holds a database connection and "
                    "asks for another (a pool deadlocks that way under load); pass the connection "
                    "down instead\n");
    abort();
}

static void count_held(int delta)
{
    held_connections += delta;
}
#else
static void check_holds_none(void) {}

static void count_held(int delta)
{
    (void)delta;
}
#endif

/* ---- the pool ---- */

static db_conn *open_connection(db *pool, bool at_startup, nh_error *err)
{
    db_conn *conn = calloc(1, sizeof *conn);
    if (!conn) {
        error_internal(err);
        return NULL;
    }
    conn->driver = pool->driver;
    if (pool->driver->connect(pool->target, at_startup, &conn->native, err) != 0) {
        free(conn);
        return NULL;
    }
    return conn;
}

static void close_connection(db_conn *conn)
{
    conn->driver->disconnect(conn->native);
    free(conn);
}

/* Give a slot back (a connection closed, or one that could not be opened). */
static void free_slot(db *pool)
{
    pthread_mutex_lock(&pool->lock);
    pool->open_count--;
    pthread_cond_signal(&pool->available);
    pthread_mutex_unlock(&pool->lock);
}

/* Close a connection that is not in the idle stack and give its slot back. */
static void discard_connection(db *pool, db_conn *conn)
{
    close_connection(conn);
    free_slot(pool);
}

static const db_driver *driver_for(db_provider provider)
{
    return provider == DB_PROVIDER_POSTGRES ? &db_postgres_driver : &db_sqlite_driver;
}

/* The target holds the PostgreSQL password: wiped before it is freed. */
static void free_target(char *target)
{
    if (!target)
        return;
    sodium_memzero(target, strlen(target));
    free(target);
}

static int init_locks(db *pool, nh_error *err)
{
    int rc = pthread_mutex_init(&pool->lock, NULL);
    if (rc != 0) {
        log_message(LOG_ERROR, "db_open", "cannot create the pool's mutex: %s", strerror(rc));
        return error_internal(err);
    }
    rc = clock_cond_init_monotonic(&pool->available);
    if (rc != 0) {
        log_message(LOG_ERROR, "db_open", "cannot create the pool's condition variable: %s",
                    strerror(rc));
        pthread_mutex_destroy(&pool->lock);
        return error_internal(err);
    }
    return 0;
}

int db_open(const config *cfg, db **out, nh_error *err)
{
    *out = NULL;
    db *pool = calloc(1, sizeof *pool);
    if (!pool)
        return error_internal(err);
    pool->provider = cfg->database_provider;
    pool->driver = driver_for(cfg->database_provider);
    pool->max_count = cfg->database_pool_size > 0 ? cfg->database_pool_size : 1;
    pool->acquire_timeout_ms = cfg->database_acquire_timeout_ms > 0
                                   ? cfg->database_acquire_timeout_ms
                                   : DB_DEFAULT_ACQUIRE_TIMEOUT_MS;
    pool->target = pool->driver->resolve_target(cfg, err);
    if (!pool->target) {
        free(pool);
        return DB_ERROR;
    }
    if (init_locks(pool, err) != 0) {
        free_target(pool->target);
        free(pool);
        return DB_ERROR;
    }
    db_conn *first = open_connection(pool, true, err);
    if (!first) {
        db_close(pool);
        return DB_ERROR;
    }
    pool->idle = first;
    pool->open_count = 1;
    log_message(LOG_INFO, "db_open", "%s database ready (pool of up to %u connections)",
                pool->driver->name, pool->max_count);
    *out = pool;
    return 0;
}

void db_close(db *pool)
{
    if (!pool)
        return;
    pthread_mutex_lock(&pool->lock);
    while (pool->idle) {
        db_conn *conn = pool->idle;
        pool->idle = conn->next_idle;
        close_connection(conn);
        pool->open_count--;
    }
    unsigned int still_borrowed = pool->open_count;
    pthread_mutex_unlock(&pool->lock);
    if (still_borrowed > 0)
        log_message(LOG_WARN, "db_close", "%u database connections were never released",
                    still_borrowed);
    pthread_cond_destroy(&pool->available);
    pthread_mutex_destroy(&pool->lock);
    free_target(pool->target);
    free(pool);
}

db_provider db_dialect(const db *pool)
{
    return pool->provider;
}

static int busy(nh_error *err, unsigned int timeout_ms, unsigned int max_count)
{
    static log_throttle throttle = LOG_THROTTLE_INIT;
    uint64_t suppressed = 0;
    if (log_throttle_allow(&throttle, DB_BUSY_LOG_INTERVAL_MS, &suppressed))
        log_message(LOG_WARN, "db_busy",
                    "all %u database connections stayed in use for %u ms; answering 503 "
                    "(%llu more such requests since the last line)",
                    max_count, timeout_ms, (unsigned long long)suppressed);
    return error_set_retry(err, 503, "db_busy", DB_BUSY_RETRY_AFTER_SECONDS,
                           "The database is busy; try again shortly.");
}

/* Wait (lock held) until a connection is idle or a slot is free, at most timeout_ms. Returns 0,
 * or ETIMEDOUT. */
static int wait_for_slot(db *pool, unsigned int timeout_ms)
{
    struct timespec deadline;
    clock_monotonic_deadline(timeout_ms, &deadline);
    while (!pool->idle && pool->open_count >= pool->max_count) {
        int rc = pthread_cond_timedwait(&pool->available, &pool->lock, &deadline);
        if (rc == ETIMEDOUT && !pool->idle && pool->open_count >= pool->max_count)
            return ETIMEDOUT;
        if (rc != 0 && rc != ETIMEDOUT) {
            log_message(LOG_ERROR, "db_acquire", "waiting for a connection failed: %s",
                        strerror(rc));
            return rc;
        }
    }
    return 0;
}

db_conn *db_acquire_within(db *pool, unsigned int timeout_ms, nh_error *err)
{
    check_holds_none();
    db_conn *conn = NULL;
    pthread_mutex_lock(&pool->lock);
    int waited = wait_for_slot(pool, timeout_ms);
    if (waited == 0 && pool->idle) {
        conn = pool->idle;
        pool->idle = conn->next_idle;
        conn->next_idle = NULL;
    } else if (waited == 0) {
        pool->open_count++; /* reserve the slot; connect outside the lock */
    }
    pthread_mutex_unlock(&pool->lock);
    if (waited == ETIMEDOUT) {
        busy(err, timeout_ms, pool->max_count);
        return NULL;
    }
    if (waited != 0) {
        error_internal(err);
        return NULL;
    }
    if (conn) {
        if (conn->driver->check(conn->native, err) != 0) {
            discard_connection(pool, conn);
            return NULL;
        }
        count_held(1);
        return conn;
    }
    conn = open_connection(pool, false, err);
    if (!conn) {
        free_slot(pool);
        return NULL;
    }
    count_held(1);
    return conn;
}

db_conn *db_acquire(db *pool, nh_error *err)
{
    return db_acquire_within(pool, pool->acquire_timeout_ms, err);
}

void db_release(db *pool, db_conn *conn)
{
    if (!conn)
        return;
    count_held(-1);
    if (conn->driver->in_transaction(conn->native)) {
        log_message(LOG_DEBUG, "db_release", "rolling back a transaction left open on release");
        if (db_rollback(conn) != 0) {
            log_message(LOG_ERROR, "db_release",
                        "a transaction left open could not be rolled back; closing the "
                        "connection");
            discard_connection(pool, conn);
            return;
        }
    }
    pthread_mutex_lock(&pool->lock);
    conn->next_idle = pool->idle;
    pool->idle = conn;
    pthread_cond_signal(&pool->available);
    pthread_mutex_unlock(&pool->lock);
}

/* ---- statements ---- */

static bool valid_call(const db_conn *conn, const char *sql, const db_param *params,
                       size_t param_count)
{
    if (!conn || !sql)
        return false;
    return params != NULL || param_count == 0;
}

int db_query(db_conn *conn, const char *sql, const db_param *params, size_t param_count,
             db_result **out, nh_error *err)
{
    if (out)
        *out = NULL;
    if (!valid_call(conn, sql, params, param_count)) {
        log_message(LOG_ERROR, "db_error", "db_query called without a connection or SQL");
        return error_internal(err);
    }
    return conn->driver->query(conn->native, sql, params, param_count, out, NULL, err);
}

int db_exec(db_conn *conn, const char *sql, const db_param *params, size_t param_count,
            int64_t *affected, nh_error *err)
{
    if (affected)
        *affected = 0;
    if (!valid_call(conn, sql, params, param_count)) {
        log_message(LOG_ERROR, "db_error", "db_exec called without a connection or SQL");
        return error_internal(err);
    }
    return conn->driver->query(conn->native, sql, params, param_count, NULL, affected, err);
}

int db_exec_script(db_conn *conn, const char *sql, nh_error *err)
{
    if (!valid_call(conn, sql, NULL, 0)) {
        log_message(LOG_ERROR, "db_error", "db_exec_script called without a connection or SQL");
        return error_internal(err);
    }
    return conn->driver->exec_script(conn->native, sql, err);
}

int db_begin(db_conn *conn, nh_error *err)
{
    if (!conn)
        return error_internal(err);
    return conn->driver->begin(conn->native, err);
}

int db_commit(db_conn *conn, nh_error *err)
{
    if (!conn)
        return error_internal(err);
    return conn->driver->commit(conn->native, err);
}

int db_rollback(db_conn *conn)
{
    if (!conn)
        return DB_ERROR;
    nh_error logged; /* the driver has logged the failure; the caller sees DB_ERROR */
    return conn->driver->rollback(conn->native, &logged);
}

/* ---- transactions around one step ---- */

/* Roll back after a failure. A failed ROLLBACK was logged by the driver, and db_release() sees
 * the transaction still open, tries again and closes the connection if that fails too. */
static void roll_back_after_failure(db_conn *conn)
{
    if (db_rollback(conn) != 0)
        log_message(LOG_WARN, "db_rollback",
                    "ROLLBACK failed; the connection is checked again on release");
}

static int run_transaction(db *pool, db_transaction_step step, void *context,
                           bool commit_on_failure, nh_error *err)
{
    db_conn *conn = db_acquire(pool, err);
    if (!conn)
        return DB_ERROR;
    if (db_begin(conn, err) != 0) {
        db_release(pool, conn);
        return DB_ERROR;
    }
    int status = step(conn, context, err);
    if (status != 0 && !commit_on_failure) {
        roll_back_after_failure(conn);
        db_release(pool, conn);
        return status;
    }
    nh_error commit_error;
    if (db_commit(conn, &commit_error) != 0) {
        roll_back_after_failure(conn);
        db_release(pool, conn);
        if (status != 0) {
            log_message(LOG_ERROR, "db_commit", "a write that had to stick was lost: %s",
                        commit_error.message);
            return status;
        }
        if (err)
            *err = commit_error;
        return DB_ERROR;
    }
    db_release(pool, conn);
    return status;
}

int db_lock_named(db_conn *conn, const char *name, nh_error *err)
{
    /* an upsert that changes nothing but locks the row until the transaction ends */
    db_param params[] = {db_text(name)};
    return db_exec(conn,
                   "INSERT INTO instance_meta (key, value) VALUES ($1, '0')"
                   " ON CONFLICT (key) DO UPDATE SET value = instance_meta.value",
                   params, 1, NULL, err);
}

int db_transaction(db *pool, db_transaction_step step, void *context, nh_error *err)
{
    return run_transaction(pool, step, context, false, err);
}

int db_transaction_commit_always(db *pool, db_transaction_step step, void *context, nh_error *err)
{
    return run_transaction(pool, step, context, true, err);
}

int db_ping(db *pool, nh_error *err)
{
    return db_ping_within(pool, pool->acquire_timeout_ms, err);
}

int db_ping_within(db *pool, unsigned int timeout_ms, nh_error *err)
{
    db_conn *conn = db_acquire_within(pool, timeout_ms, err);
    if (!conn)
        return DB_ERROR;
    db_result *result = NULL;
    int rc = db_query(conn, "SELECT 1", NULL, 0, &result, err);
    if (rc == 0 && db_result_int64(result, 0, 0) != 1) {
        log_message(LOG_ERROR, "db_error", "SELECT 1 did not answer 1");
        rc = error_internal(err);
    }
    db_result_free(result);
    db_release(pool, conn);
    return rc;
}
