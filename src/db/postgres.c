/* postgres.c - the PostgreSQL driver (libpq, synchronous): one PGconn per pooled connection.
 *
 * Statements go through PQexecParams with every parameter sent as text (int64 formatted here,
 * types left for the server to infer) and results come back as text. SQLSTATE class 23
 * (integrity constraint violation) becomes DB_CONSTRAINT; booleans are returned as "1"/"0"
 * like SQLite's. Each connection sets
 * client_min_messages=warning and client_encoding=UTF8, and sends its notices to our log.
 * The connection string is converted by pg_conninfo.c; it is never logged. */
#include <errno.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "db/driver.h"
#include "db/pg_conninfo.h"

#define PG_MAX_PARAMS 65535
#define PG_LOGGED_SQL_CHARS 300
#define PG_MESSAGE_SIZE 512
#define PG_INT64_TEXT_SIZE 24

static int startup_attempts = 10;
static int startup_delay_ms = 2000;

void pg_set_startup_retry(int attempts, int delay_ms)
{
    startup_attempts = attempts > 0 ? attempts : 1;
    startup_delay_ms = delay_ms >= 0 ? delay_ms : 0;
}

/* ---- messages ---- */

/* Copy a libpq message on one line: libpq ends messages with "\n" and indents continuation
 * lines with "\n\t"; runs of such whitespace become one space. */
static void tidy_message(const char *message, char out[PG_MESSAGE_SIZE])
{
    size_t used = 0;
    const char *p = message ? message : "";
    for (; *p && used + 1 < PG_MESSAGE_SIZE; p++) {
        bool layout = *p == '\n' || *p == '\t' || *p == '\r';
        if (!layout)
            out[used++] = *p;
        else if (used > 0 && out[used - 1] != ' ')
            out[used++] = ' ';
    }
    if (*p) { /* cut short: do not end inside a UTF-8 sequence (the log needs valid UTF-8) */
        while (used > 0 && ((unsigned char)out[used - 1] & 0xC0) == 0x80)
            used--;
        if (used > 0 && ((unsigned char)out[used - 1] & 0xC0) == 0xC0)
            used--;
    }
    while (used > 0 && out[used - 1] == ' ')
        used--;
    out[used] = '\0';
}

static void log_notice(void *context, const char *message)
{
    (void)context;
    char tidy[PG_MESSAGE_SIZE];
    tidy_message(message, tidy);
    log_message(LOG_WARN, "db_notice", "postgres: %s", tidy);
}

/* Log a failed result (primary message only: DETAIL lines can quote row values) and map it. */
static int report_result(PGconn *conn, const PGresult *res, const char *sql, nh_error *err)
{
    error_internal(err);
    const char *statement = sql ? sql : "";
    char message[PG_MESSAGE_SIZE];
    if (!res) {
        tidy_message(PQerrorMessage(conn), message);
        log_message(LOG_ERROR, "db_error", "postgres: %s (sql: %.*s)", message, PG_LOGGED_SQL_CHARS,
                    statement);
        return DB_ERROR;
    }
    const char *sqlstate = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    tidy_message(primary ? primary : PQresultErrorMessage(res), message);
    if (!sqlstate)
        sqlstate = "";
    if (!strcmp(sqlstate, "53100") || !strcmp(sqlstate, "53000")) /* disk_full, insufficient_... */
        return db_report_disk_full("postgres", message, err);
    if (strncmp(sqlstate, "23", 2) == 0) {
        log_message(LOG_DEBUG, "db_constraint", "postgres: %s (sqlstate %s; sql: %.*s)", message,
                    sqlstate, PG_LOGGED_SQL_CHARS, statement);
        return DB_CONSTRAINT;
    }
    log_message(LOG_ERROR, "db_error", "postgres: %s (sqlstate %s; sql: %.*s)", message, sqlstate,
                PG_LOGGED_SQL_CHARS, statement);
    return DB_ERROR;
}

static int refuse(const char *what, const char *sql, nh_error *err)
{
    log_message(LOG_ERROR, "db_error", "postgres: %s (sql: %.*s)", what, PG_LOGGED_SQL_CHARS, sql);
    return error_internal(err);
}

static bool result_ok(const PGresult *res)
{
    if (!res)
        return false;
    ExecStatusType status = PQresultStatus(res);
    return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

/* Run a statement without parameters or rows; 0, DB_ERROR or DB_CONSTRAINT. */
static int run_simple(PGconn *conn, const char *sql, nh_error *err)
{
    PGresult *res = PQexec(conn, sql);
    int rc = result_ok(res) ? 0 : report_result(conn, res, sql, err);
    PQclear(res);
    return rc;
}

/* ---- target and connections ---- */

static char *pg_resolve_target(const config *cfg, nh_error *err)
{
    char problem[PG_CONNINFO_PROBLEM_SIZE];
    char *conninfo = NULL;
    if (pg_conninfo_from_setting(cfg->database_connection, &conninfo, problem) != 0) {
        log_message(LOG_ERROR, "db_config", "Persistence__Database__ConnectionString: %s", problem);
        error_internal(err);
        return NULL;
    }
    char *parse_error = NULL;
    PQconninfoOption *options = PQconninfoParse(conninfo, &parse_error);
    if (!options) {
        /* libpq's message may quote part of the string, password included: not logged. */
        log_message(LOG_ERROR, "db_config",
                    "Persistence__Database__ConnectionString: libpq cannot parse the converted "
                    "connection string (check quoting and key names)");
        PQfreemem(parse_error);
        free(conninfo);
        error_internal(err);
        return NULL;
    }
    PQconninfoFree(options);
    return conninfo;
}

/* Failures that waiting will not cure (libpq and server messages, in English by default). */
static bool is_permanent_failure(const char *message)
{
    static const char *const permanent[] = {
        "authentication failed", "pg_hba.conf", "does not exist", "no password supplied", "invalid",
    };
    for (size_t i = 0; i < sizeof permanent / sizeof permanent[0]; i++)
        if (strstr(message, permanent[i]))
            return true;
    return false;
}

static int prepare_session(PGconn *conn, nh_error *err)
{
    PQsetNoticeProcessor(conn, log_notice, NULL);
    return run_simple(conn, "SET client_min_messages = warning", err);
}

static PGconn *connect_once(const char *target)
{
    /* dbname is expanded as a full conninfo: it overrides the defaults before it (Npgsql's
     * 15 s connect timeout, our application name) and is overridden by what follows. */
    const char *const keywords[] = {"connect_timeout", "fallback_application_name", "dbname",
                                    "client_encoding", NULL};
    const char *const values[] = {"15", "nekohub", target, "UTF8", NULL};
    return PQconnectdbParams(keywords, values, 1);
}

static void sleep_ms(int ms)
{
    struct timespec pause = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&pause, &pause) != 0) {
        if (errno != EINTR)
            return;
    }
}

static int pg_connect(const char *target, bool at_startup, void **native, nh_error *err)
{
    *native = NULL;
    int attempts = at_startup ? startup_attempts : 1;
    for (int attempt = 1;; attempt++) {
        PGconn *conn = connect_once(target);
        if (!conn)
            return refuse("out of memory opening a connection", "", err);
        if (PQstatus(conn) == CONNECTION_OK) {
            if (prepare_session(conn, err) != 0) {
                PQfinish(conn);
                return DB_ERROR;
            }
            *native = conn;
            return 0;
        }
        char message[PG_MESSAGE_SIZE];
        tidy_message(PQerrorMessage(conn), message);
        PQfinish(conn);
        if (attempt >= attempts || is_permanent_failure(message)) {
            log_message(LOG_ERROR, "db_connect", "cannot connect to PostgreSQL: %s", message);
            return error_internal(err);
        }
        log_message(LOG_WARN, "db_connect_retry",
                    "PostgreSQL is not reachable (attempt %d of %d): %s; retrying in %d ms",
                    attempt, attempts, message, startup_delay_ms);
        sleep_ms(startup_delay_ms);
    }
}

static void pg_disconnect(void *native)
{
    PQfinish(native);
}

/* An idle connection has nothing to read unless the server spoke or hung up (a restart, an
 * idle timeout, pg_terminate_backend): read without blocking until the socket is quiet, so a
 * closed connection shows up as CONNECTION_BAD before it is lent out. */
static void read_pending_input(PGconn *conn)
{
    for (int round = 0; round < 8 && PQstatus(conn) == CONNECTION_OK; round++) {
        struct pollfd socket = {.fd = PQsocket(conn), .events = POLLIN};
        if (socket.fd < 0 || poll(&socket, 1, 0) <= 0)
            return;
        if (!PQconsumeInput(conn))
            return;
        (void)PQisBusy(conn); /* parses what came: a FATAL message goes to the notice log */
    }
}

static int pg_check(void *native, nh_error *err)
{
    PGconn *conn = native;
    read_pending_input(conn);
    if (PQstatus(conn) == CONNECTION_OK)
        return 0;
    log_message(LOG_WARN, "db_reconnect", "a PostgreSQL connection was lost; reconnecting");
    PQreset(conn);
    if (PQstatus(conn) != CONNECTION_OK) {
        char message[PG_MESSAGE_SIZE];
        tidy_message(PQerrorMessage(conn), message);
        log_message(LOG_ERROR, "db_connect", "cannot reconnect to PostgreSQL: %s", message);
        return error_internal(err);
    }
    return prepare_session(conn, err);
}

/* ---- statements ---- */

#define PG_BOOL_OID 16

/* Copy the rows as text. Booleans become "1"/"0" as on SQLite (libpq would say "t"/"f"). */
static db_result *copy_result(const PGresult *res)
{
    int columns = PQnfields(res);
    int rows = PQntuples(res);
    db_result *result = db_result_new(columns > 0 ? (size_t)columns : 0);
    if (!result)
        return NULL;
    for (int row = 0; row < rows; row++) {
        if (db_result_add_row(result) != 0)
            goto fail;
        for (int column = 0; column < columns; column++) {
            if (PQgetisnull(res, row, column))
                continue;
            const char *value = PQgetvalue(res, row, column);
            int length = PQgetlength(res, row, column);
            if (PQftype(res, column) == PG_BOOL_OID) {
                value = value[0] == 't' ? "1" : "0";
                length = 1;
            }
            if (length < 0 || db_result_put(result, (size_t)column, value, (size_t)length) != 0)
                goto fail;
        }
    }
    return result;
fail:
    db_result_free(result);
    return NULL;
}

static int64_t affected_rows(PGresult *res)
{
    const char *count = PQcmdTuples(res);
    if (!count || !*count)
        return 0;
    return strtoll(count, NULL, 10);
}

/* Parameter values as text: int64 values are formatted into numbers[i]. */
static void params_as_text(const db_param *params, size_t param_count, const char **values,
                           char (*numbers)[PG_INT64_TEXT_SIZE])
{
    for (size_t i = 0; i < param_count; i++) {
        values[i] = NULL;
        if (params[i].type == DB_PARAM_INT64) {
            snprintf(numbers[i], PG_INT64_TEXT_SIZE, "%" PRId64, params[i].int64);
            values[i] = numbers[i];
        } else if (params[i].type == DB_PARAM_TEXT) {
            values[i] = params[i].text;
        }
    }
}

static int pg_query(void *native, const char *sql, const db_param *params, size_t param_count,
                    db_result **out, int64_t *affected, nh_error *err)
{
    PGconn *conn = native;
    if (param_count > PG_MAX_PARAMS)
        return refuse("too many parameters", sql, err);
    const char **values = NULL;
    char(*numbers)[PG_INT64_TEXT_SIZE] = NULL;
    if (param_count > 0) {
        values = calloc(param_count, sizeof *values);
        numbers = calloc(param_count, sizeof *numbers);
        if (!values || !numbers) {
            free(values);
            free(numbers);
            return refuse("out of memory for parameters", sql, err);
        }
        params_as_text(params, param_count, values, numbers);
    }
    PGresult *res = PQexecParams(conn, sql, (int)param_count, NULL, values, NULL, NULL, 0);
    free(values);
    free(numbers);
    if (!result_ok(res)) {
        int rc = report_result(conn, res, sql, err);
        PQclear(res);
        return rc;
    }
    if (affected)
        *affected = affected_rows(res);
    int rc = 0;
    if (out) {
        *out = copy_result(res);
        if (!*out)
            rc = refuse("out of memory copying rows", sql, err);
    }
    PQclear(res);
    return rc;
}

static int pg_exec_script(void *native, const char *sql, nh_error *err)
{
    return run_simple(native, sql, err);
}

static int pg_begin(void *native, nh_error *err)
{
    return run_simple(native, "BEGIN", err);
}

static int pg_commit(void *native, nh_error *err)
{
    PGconn *conn = native;
    PGresult *res = PQexec(conn, "COMMIT");
    if (!result_ok(res)) {
        int rc = report_result(conn, res, "COMMIT", err);
        PQclear(res);
        return rc;
    }
    /* COMMIT of a transaction that already failed "succeeds" with the tag ROLLBACK. */
    bool rolled_back = strcmp(PQcmdStatus(res), "ROLLBACK") == 0;
    PQclear(res);
    if (rolled_back)
        return refuse("COMMIT rolled back a transaction that had failed", "COMMIT", err);
    return 0;
}

static int pg_rollback(void *native, nh_error *err)
{
    if (PQtransactionStatus(native) == PQTRANS_IDLE)
        return 0;
    return run_simple(native, "ROLLBACK", err);
}

static bool pg_in_transaction(void *native)
{
    PGTransactionStatusType status = PQtransactionStatus(native);
    return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE;
}

const db_driver db_postgres_driver = {
    .name = "postgresql",
    .resolve_target = pg_resolve_target,
    .connect = pg_connect,
    .disconnect = pg_disconnect,
    .check = pg_check,
    .query = pg_query,
    .exec_script = pg_exec_script,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .in_transaction = pg_in_transaction,
};
