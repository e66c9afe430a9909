/* sqlite.c - the SQLite driver (the embedded default): one sqlite3 handle per pooled
 * connection, opened without SQLite's own mutex because the pool lends a connection to one
 * thread at a time.
 *
 * Each connection runs in WAL mode with synchronous=NORMAL, foreign keys on, a 5 s busy
 * timeout and a case-sensitive LIKE (as PostgreSQL's). SQL is written with PostgreSQL's $N
 * parameters and rewritten here to ?N (SQLite reads $1 as a *name*, numbered by first appearance,
 * which would misbind "$2 ... $1"). */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/log.h"
#include "db/driver.h"

#define DB_SQLITE_DEFAULT_FILE "nekohub.db"
#define DB_SQLITE_BUSY_TIMEOUT_MS 5000
#define DB_SQLITE_BEGIN_ATTEMPTS 3
#define DB_SQLITE_LOGGED_SQL_CHARS 300

/* ---- parameter rewriting ---- */

static bool is_identifier_byte(char c)
{
    unsigned char byte = (unsigned char)c;
    return isalnum(byte) || byte == '_' || byte == '$' || byte >= 0x80;
}

/* Copy a quoted run starting at sql[start] (the opening quote) up to and including its closing
 * quote; a doubled closing quote is an escaped one. Returns the index after the run. */
static size_t copy_quoted(const char *sql, size_t start, char closing, char *out, size_t *used)
{
    size_t i = start;
    out[(*used)++] = sql[i++];
    while (sql[i]) {
        char c = sql[i];
        out[(*used)++] = c;
        i++;
        if (c != closing)
            continue;
        if (sql[i] == closing && closing != ']') {
            out[(*used)++] = sql[i++];
            continue;
        }
        break;
    }
    return i;
}

/* Copy a comment starting at sql[start] up to and including its terminator. */
static size_t copy_comment(const char *sql, size_t start, char *out, size_t *used)
{
    size_t i = start;
    bool line_comment = sql[i] == '-';
    out[(*used)++] = sql[i++];
    out[(*used)++] = sql[i++];
    while (sql[i]) {
        char c = sql[i];
        out[(*used)++] = c;
        i++;
        if (line_comment && c == '\n')
            break;
        if (!line_comment && c == '*' && sql[i] == '/') {
            out[(*used)++] = sql[i++];
            break;
        }
    }
    return i;
}

char *sqlite_rewrite_params(const char *sql)
{
    size_t length = strlen(sql);
    char *out = malloc(length + 1);
    if (!out)
        return NULL;
    size_t used = 0;
    size_t i = 0;
    while (sql[i]) {
        char c = sql[i];
        char next = sql[i + 1];
        if (c == '\'' || c == '"' || c == '`') {
            i = copy_quoted(sql, i, c, out, &used);
        } else if (c == '[') {
            i = copy_quoted(sql, i, ']', out, &used);
        } else if ((c == '-' && next == '-') || (c == '/' && next == '*')) {
            i = copy_comment(sql, i, out, &used);
        } else if (c == '$' && isdigit((unsigned char)next) &&
                   (i == 0 || !is_identifier_byte(sql[i - 1]))) {
            out[used++] = '?';
            i++;
        } else {
            out[used++] = c;
            i++;
        }
    }
    out[used] = '\0';
    return out;
}

/* ---- errors ---- */

/* SQLITE_FULL, or an I/O error whose system errno says the disk is full. */
static bool is_disk_full(sqlite3 *handle, int rc)
{
    int primary = rc & 0xff;
    if (primary == SQLITE_FULL)
        return true;
    return primary == SQLITE_IOERR && handle && sqlite3_system_errno(handle) == ENOSPC;
}

/* Log SQLite's message (with the statement, never the parameter values) and map the code. */
static int report(sqlite3 *handle, int rc, const char *sql, nh_error *err)
{
    const char *message = handle ? sqlite3_errmsg(handle) : sqlite3_errstr(rc);
    const char *statement = sql ? sql : "";
    if (is_disk_full(handle, rc))
        return db_report_disk_full("sqlite", message, err);
    error_internal(err);
    if ((rc & 0xff) == SQLITE_CONSTRAINT) {
        log_message(LOG_DEBUG, "db_constraint", "sqlite: %s (sql: %.*s)", message,
                    DB_SQLITE_LOGGED_SQL_CHARS, statement);
        return DB_CONSTRAINT;
    }
    log_message(LOG_ERROR, "db_error", "sqlite: %s (code %d; sql: %.*s)", message, rc,
                DB_SQLITE_LOGGED_SQL_CHARS, statement);
    return DB_ERROR;
}

static int refuse(const char *what, const char *sql, nh_error *err)
{
    log_message(LOG_ERROR, "db_error", "sqlite: %s (sql: %.*s)", what, DB_SQLITE_LOGGED_SQL_CHARS,
                sql);
    return error_internal(err);
}

/* ---- where the database file lives ---- */

static bool is_blank(const char *text)
{
    if (!text)
        return true;
    while (*text && isspace((unsigned char)*text))
        text++;
    return *text == '\0';
}

static char *trimmed_copy(const char *start, size_t length)
{
    while (length > 0 && isspace((unsigned char)*start)) {
        start++;
        length--;
    }
    while (length > 0 && isspace((unsigned char)start[length - 1]))
        length--;
    if (length >= 2 && (start[0] == '"' || start[0] == '\'') && start[length - 1] == start[0]) {
        start++;
        length -= 2;
    }
    return strndup(start, length);
}

/* "Data Source=path;Cache=Shared" (Microsoft.Data.Sqlite's form): the Data Source / Filename
 * value, or NULL with *looks_like_pairs false when the setting is a plain path. */
static char *data_source_from_pairs(const char *setting, bool *looks_like_pairs)
{
    *looks_like_pairs = false;
    const char *equals = strchr(setting, '=');
    if (!equals)
        return NULL;
    for (const char *p = setting; p < equals; p++)
        if (!isalpha((unsigned char)*p) && *p != ' ' && *p != '_')
            return NULL;
    *looks_like_pairs = true;
    const char *segment = setting;
    while (*segment) {
        size_t length = strcspn(segment, ";");
        const char *eq = memchr(segment, '=', length);
        if (eq) {
            char key[32];
            size_t key_length = 0;
            for (const char *p = segment; p < eq && key_length + 1 < sizeof key; p++)
                if (*p != ' ')
                    key[key_length++] = (char)tolower((unsigned char)*p);
            key[key_length] = '\0';
            if (!strcmp(key, "datasource") || !strcmp(key, "filename"))
                return trimmed_copy(eq + 1, length - (size_t)(eq + 1 - segment));
        }
        segment += length;
        if (*segment == ';')
            segment++;
    }
    return NULL;
}

/* Create dir and its missing parents with mode 0700. */
static int make_directories(const char *dir)
{
    char *path = strdup(dir);
    if (!path)
        return -1;
    int rc = 0;
    for (char *p = path + 1; rc == 0; p++) {
        bool end = *p == '\0';
        if (*p != '/' && !end)
            continue;
        *p = '\0';
        struct stat info;
        if (mkdir(path, 0700) != 0 &&
            (errno != EEXIST || stat(path, &info) != 0 || !S_ISDIR(info.st_mode)))
            rc = -1;
        if (end)
            break;
        *p = '/';
    }
    free(path);
    return rc;
}

static char *absolute_path(const char *path)
{
    if (path[0] == '/')
        return strdup(path);
    char *cwd = getcwd(NULL, 0);
    if (!cwd)
        return NULL;
    buf joined;
    buf_init(&joined, 0);
    const char *relative = strncmp(path, "./", 2) == 0 ? path + 2 : path;
    buf_printf(&joined, "%s/%s", cwd, relative);
    free(cwd);
    return buf_detach(&joined); /* NULL when the append failed (sticky) */
}

static int create_parent_directory(const char *file_path)
{
    const char *slash = strrchr(file_path, '/');
    if (!slash || slash == file_path)
        return 0;
    char *dir = strndup(file_path, (size_t)(slash - file_path));
    if (!dir)
        return -1;
    int rc = make_directories(dir);
    free(dir);
    return rc;
}

static char *chosen_path(const config *cfg, nh_error *err)
{
    const char *setting = cfg->database_connection;
    if (is_blank(setting)) {
        buf path;
        buf_init(&path, 0);
        buf_printf(&path, "%s/%s", cfg->data_dir, DB_SQLITE_DEFAULT_FILE);
        char *joined = buf_detach(&path);
        if (!joined)
            error_internal(err);
        return joined;
    }
    bool looks_like_pairs = false;
    char *path = data_source_from_pairs(setting, &looks_like_pairs);
    if (!looks_like_pairs)
        return trimmed_copy(setting, strlen(setting));
    if (!path || is_blank(path)) {
        free(path);
        log_message(LOG_ERROR, "db_config",
                    "Persistence__Database__ConnectionString has no Data Source for SQLite "
                    "(is it a PostgreSQL connection string? then set "
                    "Persistence__Database__Provider=postgresql)");
        error_internal(err);
        return NULL;
    }
    return path;
}

static char *sqlite_resolve_target(const config *cfg, nh_error *err)
{
    char *path = chosen_path(cfg, err);
    if (!path)
        return NULL;
    if (strncmp(path, "file:", 5) == 0 || strcmp(path, ":memory:") == 0)
        return path; /* a SQLite URI or memory database: used as given */
    char *absolute = absolute_path(path);
    free(path);
    if (!absolute) {
        error_internal(err);
        return NULL;
    }
    if (create_parent_directory(absolute) != 0) {
        log_message(LOG_ERROR, "db_config", "cannot create the directory for %s: %s", absolute,
                    strerror(errno));
        free(absolute);
        error_internal(err);
        return NULL;
    }
    return absolute;
}

/* ---- connections ---- */

static int remember_journal_mode(void *context, int columns, char **values, char **names)
{
    (void)names;
    char *mode = context;
    if (columns > 0 && values[0])
        snprintf(mode, 16, "%s", values[0]);
    return 0;
}

static int configure(sqlite3 *handle, nh_error *err)
{
    sqlite3_extended_result_codes(handle, 1);
    int rc = sqlite3_busy_timeout(handle, DB_SQLITE_BUSY_TIMEOUT_MS);
    if (rc != SQLITE_OK)
        return report(handle, rc, "busy_timeout", err);
    char mode[16] = "";
    const char *wal = "PRAGMA journal_mode=WAL";
    rc = sqlite3_exec(handle, wal, remember_journal_mode, mode, NULL);
    if (rc != SQLITE_OK)
        return report(handle, rc, wal, err);
    if (strcasecmp(mode, "wal") != 0)
        log_message(LOG_WARN, "db_open", "sqlite: journal mode is %s, not wal", mode);
    /* case_sensitive_like: LIKE compares case as on PostgreSQL (the API relies on it). */
    const char *pragmas = "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
                          "PRAGMA case_sensitive_like=ON;";
    rc = sqlite3_exec(handle, pragmas, NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return report(handle, rc, pragmas, err);
    return 0;
}

/* ---- connections and their statement cache ---------------------------------------------- */

/* Preparing a statement costs more than running most of ours, so each connection keeps the
 * last STATEMENT_CACHE_SIZE statements it prepared, keyed by their SQL text (a copy: SQL built
 * at run time may reuse freed memory). A statement is taken out while it runs and put back
 * reset; a connection is only ever used by one thread at a time. */
#define STATEMENT_CACHE_SIZE 64

typedef struct cached_statement {
    char *sql;
    uint64_t hash;
    sqlite3_stmt *stmt;
    uint64_t last_used;
} cached_statement;

typedef struct sqlite_connection {
    sqlite3 *handle;
    cached_statement cache[STATEMENT_CACHE_SIZE];
    uint64_t clock;
} sqlite_connection;

static uint64_t sql_hash(const char *sql)
{
    uint64_t hash = 1469598103934665603ULL; /* FNV-1a */
    for (const unsigned char *c = (const unsigned char *)sql; *c; c++)
        hash = (hash ^ *c) * 1099511628211ULL;
    return hash;
}

/* Take a cached statement for sql (removing it from the cache), or NULL. */
static sqlite3_stmt *cache_take(sqlite_connection *connection, const char *sql, uint64_t hash)
{
    for (size_t i = 0; i < STATEMENT_CACHE_SIZE; i++) {
        cached_statement *entry = &connection->cache[i];
        if (entry->stmt && entry->hash == hash && !strcmp(entry->sql, sql)) {
            sqlite3_stmt *stmt = entry->stmt;
            entry->stmt = NULL;
            free(entry->sql);
            entry->sql = NULL;
            return stmt;
        }
    }
    return NULL;
}

/* Keep a finished statement for reuse, evicting the least recently used; finalises it when
 * its SQL cannot be copied. */
static void cache_put(sqlite_connection *connection, const char *sql, uint64_t hash,
                      sqlite3_stmt *stmt)
{
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    cached_statement *slot = &connection->cache[0];
    for (size_t i = 0; i < STATEMENT_CACHE_SIZE; i++) {
        cached_statement *entry = &connection->cache[i];
        if (!entry->stmt) {
            slot = entry;
            break;
        }
        if (entry->last_used < slot->last_used)
            slot = entry;
    }
    char *copy = strdup(sql);
    if (!copy) {
        sqlite3_finalize(stmt);
        return;
    }
    if (slot->stmt)
        sqlite3_finalize(slot->stmt);
    free(slot->sql);
    slot->sql = copy;
    slot->hash = hash;
    slot->stmt = stmt;
    slot->last_used = ++connection->clock;
}

static void cache_clear(sqlite_connection *connection)
{
    for (size_t i = 0; i < STATEMENT_CACHE_SIZE; i++) {
        cached_statement *entry = &connection->cache[i];
        if (entry->stmt)
            sqlite3_finalize(entry->stmt);
        free(entry->sql);
        entry->stmt = NULL;
        entry->sql = NULL;
    }
}

static pthread_once_t sqlite_configured = PTHREAD_ONCE_INIT;

/* Process-wide settings, before SQLite initialises: no memory statistics (they take a global
 * lock on every allocation). */
static void configure_library(void)
{
    int rc = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    if (rc != SQLITE_OK) /* harmless (slower allocations), but say so */
        log_message(LOG_WARN, "db_open", "sqlite: cannot turn memory statistics off: %s",
                    sqlite3_errstr(rc));
}

/* An older NekoHub created the database 0644 (and SQLite gives -wal and -shm the database's
 * mode): make an existing file private, as new ones are (data_dir.h), saying so once. */
static void make_private(const char *path)
{
    struct stat info;
    if (stat(path, &info) != 0 || !S_ISREG(info.st_mode) || (info.st_mode & 077) == 0)
        return;
    if (chmod(path, info.st_mode & 0700) != 0) {
        log_message(LOG_WARN, "db_open", "sqlite: %s has mode %03o and cannot be made private: %s",
                    path, (unsigned int)(info.st_mode & 0777), strerror(errno));
        return;
    }
    log_message(LOG_INFO, "db_open", "sqlite: %s had mode %03o; now %03o", path,
                (unsigned int)(info.st_mode & 0777), (unsigned int)(info.st_mode & 0700));
}

static void make_files_private(const char *target)
{
    if (strncmp(target, "file:", 5) == 0 || strcmp(target, ":memory:") == 0)
        return;
    static const char *const suffixes[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        buf path;
        buf_init(&path, 0);
        buf_printf(&path, "%s%s", target, suffixes[i]);
        if (buf_failed(&path)) {
            log_message(LOG_WARN, "db_open", "sqlite: out of memory checking file modes");
            return;
        }
        make_private(path.data);
        buf_free(&path);
    }
}

static int sqlite_connect(const char *target, bool at_startup, void **native, nh_error *err)
{
    *native = NULL;
    if (at_startup)
        make_files_private(target);
    int once = pthread_once(&sqlite_configured, configure_library);
    if (once != 0)
        log_message(LOG_WARN, "db_open", "sqlite: library settings not applied: %s",
                    strerror(once));
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (strncmp(target, "file:", 5) == 0)
        flags |= SQLITE_OPEN_URI;
    sqlite3 *handle = NULL;
    int rc = sqlite3_open_v2(target, &handle, flags, NULL);
    if (rc != SQLITE_OK) {
        log_message(LOG_ERROR, "db_error", "sqlite: cannot open %s: %s", target,
                    handle ? sqlite3_errmsg(handle) : sqlite3_errstr(rc));
        sqlite3_close(handle);
        return error_internal(err);
    }
    if (configure(handle, err) != 0) {
        sqlite3_close(handle);
        return DB_ERROR;
    }
    sqlite_connection *connection = calloc(1, sizeof *connection);
    if (!connection) {
        sqlite3_close(handle);
        return error_internal(err);
    }
    connection->handle = handle;
    *native = connection;
    return 0;
}

static void sqlite_disconnect(void *native)
{
    sqlite_connection *connection = native;
    cache_clear(connection);
    sqlite3 *handle = connection->handle;
    free(connection);
    int rc = sqlite3_close(handle);
    if (rc != SQLITE_OK)
        log_message(LOG_ERROR, "db_error", "sqlite: close failed: %s", sqlite3_errstr(rc));
}

static int sqlite_check(void *native, nh_error *err)
{
    (void)native;
    (void)err;
    return 0;
}

/* ---- statements ---- */

static bool only_separators(const char *tail)
{
    for (; *tail; tail++)
        if (!isspace((unsigned char)*tail) && *tail != ';')
            return false;
    return true;
}

static int bind_params(sqlite3_stmt *stmt, const db_param *params, size_t param_count)
{
    for (size_t i = 0; i < param_count; i++) {
        int index = (int)i + 1;
        int rc;
        const db_param *param = &params[i];
        if (param->type == DB_PARAM_INT64)
            rc = sqlite3_bind_int64(stmt, index, param->int64);
        else if (param->type == DB_PARAM_TEXT && param->text)
            rc = sqlite3_bind_text64(stmt, index, param->text, strlen(param->text), SQLITE_STATIC,
                                     SQLITE_UTF8);
        else
            rc = sqlite3_bind_null(stmt, index);
        if (rc != SQLITE_OK)
            return rc;
    }
    return SQLITE_OK;
}

/* Copy the current row of stmt into result. */
static int copy_row(sqlite3_stmt *stmt, db_result *result)
{
    if (db_result_add_row(result) != 0)
        return -1;
    int columns = sqlite3_column_count(stmt);
    for (int column = 0; column < columns; column++) {
        if (sqlite3_column_type(stmt, column) == SQLITE_NULL)
            continue;
        const unsigned char *text = sqlite3_column_text(stmt, column);
        int length = sqlite3_column_bytes(stmt, column);
        if (!text || length < 0)
            return -1; /* out of memory inside SQLite */
        if (db_result_put(result, (size_t)column, (const char *)text, (size_t)length) != 0)
            return -1;
    }
    return 0;
}

static int prepare(sqlite3 *handle, const char *sql, size_t param_count, sqlite3_stmt **stmt,
                   nh_error *err)
{
    *stmt = NULL;
    char *rewritten = sqlite_rewrite_params(sql);
    if (!rewritten)
        return error_internal(err);
    const char *tail = NULL;
    int rc = sqlite3_prepare_v2(handle, rewritten, -1, stmt, &tail);
    bool single = rc != SQLITE_OK || only_separators(tail);
    free(rewritten);
    if (rc != SQLITE_OK)
        return report(handle, rc, sql, err);
    if (!*stmt)
        return refuse("no statement to run", sql, err);
    if (!single) {
        sqlite3_finalize(*stmt);
        *stmt = NULL;
        return refuse("more than one statement given to db_query/db_exec", sql, err);
    }
    if ((size_t)sqlite3_bind_parameter_count(*stmt) != param_count) {
        sqlite3_finalize(*stmt);
        *stmt = NULL;
        return refuse("the parameter count does not match the SQL's $N parameters", sql, err);
    }
    return 0;
}

static int sqlite_query(void *native, const char *sql, const db_param *params, size_t param_count,
                        db_result **out, int64_t *affected, nh_error *err)
{
    sqlite_connection *connection = native;
    sqlite3 *handle = connection->handle;
    if (param_count > INT_MAX)
        return refuse("too many parameters", sql, err);
    uint64_t hash = sql_hash(sql);
    sqlite3_stmt *stmt = cache_take(connection, sql, hash);
    if (!stmt) {
        int prepared = prepare(handle, sql, param_count, &stmt, err);
        if (prepared != 0)
            return prepared;
    }
    int rc = bind_params(stmt, params, param_count);
    if (rc != SQLITE_OK) {
        int result_rc = report(handle, rc, sql, err);
        sqlite3_finalize(stmt);
        return result_rc;
    }
    db_result *result = NULL;
    if (out) {
        result = db_result_new((size_t)sqlite3_column_count(stmt));
        if (!result) {
            sqlite3_finalize(stmt);
            return error_internal(err);
        }
    }
    sqlite3_int64 changes_before = sqlite3_total_changes64(handle);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (result && copy_row(stmt, result) != 0) {
            db_result_free(result);
            sqlite3_finalize(stmt);
            return refuse("out of memory reading rows", sql, err);
        }
    }
    if (rc != SQLITE_DONE) {
        int result_rc = report(handle, rc, sql, err);
        db_result_free(result);
        sqlite3_finalize(stmt);
        return result_rc;
    }
    if (affected)
        *affected =
            sqlite3_total_changes64(handle) == changes_before ? 0 : sqlite3_changes64(handle);
    cache_put(connection, sql, hash, stmt);
    if (out)
        *out = result;
    return 0;
}

static int run_script(sqlite3 *handle, const char *sql, nh_error *err)
{
    int rc = sqlite3_exec(handle, sql, NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return report(handle, rc, sql, err);
    return 0;
}

static int sqlite_exec_script(void *native, const char *sql, nh_error *err)
{
    sqlite_connection *connection = native;
    cache_clear(connection); /* a script may change the schema under cached statements */
    return run_script(connection->handle, sql, err);
}

static int sqlite_begin(void *native, nh_error *err)
{
    sqlite3 *handle = ((sqlite_connection *)native)->handle;
    int rc = SQLITE_OK;
    for (int attempt = 0; attempt < DB_SQLITE_BEGIN_ATTEMPTS; attempt++) {
        rc = sqlite3_exec(handle, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        if ((rc & 0xff) != SQLITE_BUSY)
            break;
        log_message(LOG_WARN, "db_busy",
                    "sqlite: the database stayed locked for %d ms; "
                    "trying BEGIN IMMEDIATE again",
                    DB_SQLITE_BUSY_TIMEOUT_MS);
    }
    if (rc != SQLITE_OK)
        return report(handle, rc, "BEGIN IMMEDIATE", err);
    return 0;
}

static int sqlite_commit(void *native, nh_error *err)
{
    return run_script(((sqlite_connection *)native)->handle, "COMMIT", err);
}

static int sqlite_rollback(void *native, nh_error *err)
{
    sqlite3 *handle = ((sqlite_connection *)native)->handle;
    if (sqlite3_get_autocommit(handle))
        return 0; /* nothing open (SQLite may already have rolled back after an error) */
    return run_script(handle, "ROLLBACK", err);
}

static bool sqlite_in_transaction(void *native)
{
    return !sqlite3_get_autocommit(((sqlite_connection *)native)->handle);
}

const db_driver db_sqlite_driver = {
    .name = "sqlite",
    .resolve_target = sqlite_resolve_target,
    .connect = sqlite_connect,
    .disconnect = sqlite_disconnect,
    .check = sqlite_check,
    .query = sqlite_query,
    .exec_script = sqlite_exec_script,
    .begin = sqlite_begin,
    .commit = sqlite_commit,
    .rollback = sqlite_rollback,
    .in_transaction = sqlite_in_transaction,
};
