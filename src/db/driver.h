/* driver.h - what db.c needs from a database driver (sqlite.c, postgres.c), and the result
 * builder both drivers fill. Internal to src/db/: features include db.h only.
 *
 * A driver works on one native connection (sqlite3 * or PGconn *) used by one thread at a time;
 * db.c owns the pool, the locking and the bookkeeping around it. Every operation returns 0,
 * DB_ERROR or DB_CONSTRAINT and fills err (a 500) on failure, logging the driver's own text. */
#ifndef NH_DB_DRIVER_H
#define NH_DB_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/error.h"
#include "db/db.h"

typedef struct db_driver {
    const char *name;
    /* Work out what to connect to from cfg (SQLite: an absolute file path, creating its
     * directory; PostgreSQL: a libpq conninfo string). Malloc'ed; NULL and err on failure. */
    char *(*resolve_target)(const config *cfg, nh_error *err);
    /* Open one connection to target. at_startup: the first connection of db_open(), which
     * may wait for a database that is still starting. */
    int (*connect)(const char *target, bool at_startup, void **native, nh_error *err);
    void (*disconnect)(void *native);
    /* Called before a pooled connection is lent out: repair it if it broke (PostgreSQL
     * reconnects). On failure the pool discards the connection. */
    int (*check)(void *native, nh_error *err);
    /* One statement with $N parameters. out and affected may each be NULL. */
    int (*query)(void *native, const char *sql, const db_param *params, size_t param_count,
                 db_result **out, int64_t *affected, nh_error *err);
    /* Several statements, no parameters, no rows wanted. */
    int (*exec_script)(void *native, const char *sql, nh_error *err);
    int (*begin)(void *native, nh_error *err);
    int (*commit)(void *native, nh_error *err);
    int (*rollback)(void *native, nh_error *err);
    /* True while a transaction is open (or failed and not yet rolled back). */
    bool (*in_transaction)(void *native);
} db_driver;

extern const db_driver db_sqlite_driver;
extern const db_driver db_postgres_driver;

/* The database could not write because its disk is full (SQLite: SQLITE_FULL, or an I/O error
 * with errno ENOSPC; PostgreSQL: SQLSTATE 53100 disk_full or 53000 insufficient_resources).
 * Fills err with 503 service_unavailable_disk_full and a Retry-After hint, logs it (driver name
 * and the driver's message) at most once a minute however many requests hit it, and returns
 * DB_ERROR. Nothing is remembered: the next write that finds space succeeds. */
int db_report_disk_full(const char *driver, const char *message, nh_error *err);

/* Result builder. A result holds `columns` text values per row; a value is NULL (SQL NULL) or
 * a NUL-terminated copy of the driver's bytes. All functions return 0, or -1 when memory or a
 * size limit ran out (the result stays valid and must still be freed). */
db_result *db_result_new(size_t columns);
/* Append a row whose values are all NULL; db_result_put() fills the last row. */
int db_result_add_row(db_result *result);
/* Set column `column` of the last row to a copy of text[0..length). */
int db_result_put(db_result *result, size_t column, const char *text, size_t length);

/* SQLite: rewrite PostgreSQL-style $N parameters to ?N, leaving string literals, quoted
 * identifiers and comments alone. Malloc'ed; NULL when out of memory. Exposed for tests. */
char *sqlite_rewrite_params(const char *sql);

/* PostgreSQL: how many times, and how far apart, the first connection is tried. Defaults 10
 * and 2000 ms; tests may shorten them. Not thread-safe: call before db_open(). */
void pg_set_startup_retry(int attempts, int delay_ms);

#endif
