/* main.c - the nekohub command line: serve (default), worker, migrate, version, help; start-up
 * and graceful shutdown of the server and of a worker. */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ai/ai_profile_store.h"
#include "app.h"
#include "auth/auth_context.h"
#include "auth/permissions.h"
#include "core/clock.h"
#include "core/data_dir.h"
#include "core/log.h"
#include "core/secret_box.h"
#include "core/secret_file.h"
#include "http/server.h"
#include "routes.h"
#include "storage/profile_store.h"
#include "storage/remote_http.h"
#include "users/user_cli.h"

#ifndef NEKOHUB_VERSION
#define NEKOHUB_VERSION "dev"
#endif

extern char **environ;

static const char usage_text[] =
    "Usage: nekohub [COMMAND] [OPTIONS]\n"
    "\n"
    "Commands:\n"
    "  serve      run the server (default)\n"
    "  worker     run job workers only, no HTTP (Processing__Workers of them, at least 1);\n"
    "             several machines may share one PostgreSQL database and storage\n"
    "  migrate    apply database migrations and exit\n"
    "  version    print the version and exit\n"
    "  user create --username U --role admin|user\n"
    "             create an account (password read from standard input)\n"
    "  user reset-password --username U\n"
    "             set a new password (read from standard input); signs the user out\n"
    "  user list  list the accounts\n"
    "  secrets reseal\n"
    "             re-encrypt every stored secret under Security__SecretKey (after a key\n"
    "             rotation; the old key must be in Security__PreviousSecretKeys__0)\n"
    "  help       print this help\n"
    "\n"
    "Options:\n"
    "  --port N         port to listen on (default 5121, env NEKOHUB_PORT; 0 = any free port)\n"
    "  --listen ADDR    address to listen on (default 0.0.0.0, env NEKOHUB_LISTEN)\n"
    "  --data-dir DIR   data directory (default ./data, env NEKOHUB_DATA_DIR)\n"
    "  -h, --help       print this help\n"
    "\n"
    "Configuration comes from the environment with NekoHub's names, e.g. Auth__Jwt__Secret,\n"
    "Persistence__Database__Provider, Persistence__Database__ConnectionString.\n"
    "See docs/configuration.md.\n";

typedef struct command_line {
    const char *command;
    const char *subcommand; /* for "user" and "secrets" */
    const char *username;
    const char *role;
    config_overrides overrides;
} command_line;

/* Parse argv. Returns 0, or 2 after printing one line naming the bad flag. */
static int parse_command_line(int argc, char **argv, command_line *line)
{
    static const struct option options[] = {{"port", required_argument, NULL, 'p'},
                                            {"listen", required_argument, NULL, 'l'},
                                            {"data-dir", required_argument, NULL, 'd'},
                                            {"help", no_argument, NULL, 'h'},
                                            {"username", required_argument, NULL, 'u'},
                                            {"role", required_argument, NULL, 'r'},
                                            {NULL, 0, NULL, 0}};
    line->command = "serve";
    line->subcommand = NULL;
    line->username = NULL;
    line->role = NULL;
    line->overrides.port = -1;
    line->overrides.listen_address = NULL;
    line->overrides.data_dir = NULL;
    if (argc > 1 && argv[1][0] != '-') {
        line->command = argv[1];
        argv++;
        argc--;
        bool has_subcommands = !strcmp(line->command, "user") || !strcmp(line->command, "secrets");
        if (has_subcommands && argc > 1 && argv[1][0] != '-') {
            line->subcommand = argv[1];
            argv++;
            argc--;
        }
    }
    opterr = 0;
    int option;
    while ((option = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
        switch (option) {
        case 'p': {
            char *end;
            long port = strtol(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || port < 0 || port > 65535) {
                fprintf(stderr,
                        "nekohub: --port: must be a port number from 0 to 65535 "
                        "(got \"%s\")\n",
                        optarg);
                return 2;
            }
            line->overrides.port = (int)port;
            break;
        }
        case 'l':
            line->overrides.listen_address = optarg;
            break;
        case 'd':
            line->overrides.data_dir = optarg;
            break;
        case 'h':
            line->command = "help";
            break;
        case 'u':
            line->username = optarg;
            break;
        case 'r':
            line->role = optarg;
            break;
        case ':':
            fprintf(stderr, "nekohub: %s: needs a value\n", argv[optind - 1]);
            return 2;
        default:
            fprintf(stderr, "nekohub: %s: unknown option (see nekohub --help)\n", argv[optind - 1]);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "nekohub: %s: unexpected argument (see nekohub --help)\n", argv[optind]);
        return 2;
    }
    return 0;
}

static int load_configuration(const command_line *line, config *cfg)
{
    char problem[CONFIG_PROBLEM_SIZE];
    if (config_load(cfg, environ, &line->overrides, problem) != 0) {
        fprintf(stderr, "nekohub: %s\n", problem);
        config_free(cfg);
        return 2;
    }
    log_set_level((log_level)cfg->log_level);
    return 0;
}

/* DATA_DIR/name in path; false (after saying so) when it does not fit. */
static bool data_file_path(const config *cfg, const char *name, char *path, size_t size)
{
    int written = snprintf(path, size, "%s/%s", cfg->data_dir, name);
    if (written < 0 || (size_t)written >= size) {
        fprintf(stderr, "nekohub: NEKOHUB_DATA_DIR: the path is too long (%zu bytes at most)\n",
                size - strlen(name) - 2);
        return false;
    }
    return true;
}

/* Data directory, generated secrets (JWT secret when not configured). */
static int prepare_data_dir(config *cfg)
{
    nh_error err;
    if (data_dir_prepare(cfg->data_dir, &err) != 0) { /* umask 077 first: files are 0600 */
        fprintf(stderr, "nekohub: NEKOHUB_DATA_DIR: %s\n", err.message);
        return 2;
    }
    char path[4096];
    if (!data_file_path(cfg, "jwt-secret", path, sizeof path))
        return 2;
    if (!cfg->jwt_secret && secret_file_load_or_create(path, 64, &cfg->jwt_secret, &err) != 0) {
        fprintf(stderr, "nekohub: Auth__Jwt__Secret: %s\n", err.message);
        return 2;
    }
    if (!data_file_path(cfg, "secret-key", path, sizeof path))
        return 2;
    if (!cfg->secret_key && secret_file_load_or_create(path, 32, &cfg->secret_key, &err) != 0) {
        fprintf(stderr, "nekohub: Security__SecretKey: %s\n", err.message);
        return 2;
    }
    return 0;
}

static int open_database(const config *cfg, db **database)
{
    nh_error err;
    if (db_open(cfg, database, &err) != 0) {
        fprintf(stderr, "nekohub: Persistence__Database__ConnectionString: %s\n", err.message);
        return 1;
    }
    int applied = 0;
    if (db_migrate(*database, &applied, &err) != 0) {
        fprintf(stderr, "nekohub: migrate: %s\n", err.message);
        db_close(*database);
        *database = NULL;
        return 1;
    }
    log_fields(
        LOG_INFO, "migrations",
        json_pack("{s:i, s:i}", "applied", applied, "schemaVersion", db_schema_version_known()));
    return 0;
}

static char *derive_public_base_url(const config *cfg, int port)
{
    if (cfg->public_base_url)
        return strdup(cfg->public_base_url);
    const char *host = cfg->listen_address;
    if (!strcmp(host, "0.0.0.0") || !strcmp(host, "::") || !strcmp(host, "[::]"))
        host = "localhost";
    bool ipv6 = strchr(host, ':') != NULL;
    size_t length = strlen(host) + 64; /* scheme, brackets, port and "/content" fit in 64 */
    char *url = malloc(length);
    if (url)
        snprintf(url, length, ipv6 ? "http://[%s]:%d/content" : "http://%s:%d/content", host, port);
    return url;
}

static void shutdown_signals(sigset_t *signals)
{
    sigemptyset(signals);
    sigaddset(signals, SIGINT);
    sigaddset(signals, SIGTERM);
}

/* Block SIGINT/SIGTERM before any thread starts (threads inherit the mask), so only the main
 * thread's sigwait() receives them. */
static void block_shutdown_signals(void)
{
    sigset_t signals;
    shutdown_signals(&signals);
    pthread_sigmask(SIG_BLOCK, &signals, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* Serve until SIGINT/SIGTERM, then finish requests in flight and stop. */
static int run_server(app *application, int listen_socket, int64_t started_ns)
{
    sigset_t signals;
    shutdown_signals(&signals);
    nh_error err;
    http_server_settings settings;
    app_server_settings(application, listen_socket, &settings);
    http_server *server = http_server_start(&settings, &err);
    if (!server) {
        fprintf(stderr, "nekohub: %s\n", err.message);
        return 1;
    }
    log_fields(LOG_INFO, "listening",
               json_pack("{s:s, s:i, s:s, s:f}", "address", application->cfg->listen_address,
                         "port", application->bound_port, "version", application->version,
                         "startupMs", (double)(clock_monotonic_ns() - started_ns) / 1e6));
    int received = 0;
    sigwait(&signals, &received);
    log_message(LOG_INFO, "shutdown", "signal %d: finishing requests in flight", received);
    http_server_quiesce(server);
    unsigned int timeout_ms = application->cfg->shutdown_timeout_s * 1000;
    if (!http_server_wait_idle(server, timeout_ms))
        log_message(LOG_WARN, "shutdown", "requests still running after %u s; closing them",
                    application->cfg->shutdown_timeout_s);
    http_server_stop(server);
    return 0;
}

/* What every database command needs: configuration, the data directory and a migrated
 * database. On failure everything is released and the exit status returned. */
static int open_for_command(const command_line *line, config *cfg, db **database)
{
    *database = NULL;
    int status = load_configuration(line, cfg);
    if (status != 0)
        return status;
    status = prepare_data_dir(cfg);
    if (status == 0)
        status = open_database(cfg, database);
    if (status != 0)
        config_free(cfg);
    return status;
}

static int command_migrate(const command_line *line)
{
    config cfg;
    db *database;
    int status = open_for_command(line, &cfg, &database);
    if (status != 0)
        return status;
    db_close(database);
    config_free(&cfg);
    return 0;
}

static int command_user(const command_line *line)
{
    config cfg;
    db *database;
    int status = open_for_command(line, &cfg, &database);
    if (status != 0)
        return status;
    app application = {.cfg = &cfg, .database = database, .version = NEKOHUB_VERSION};
    nh_error err;
    if (auth_context_create(&cfg, database, &application.auth, &err) != 0) {
        fprintf(stderr, "nekohub: %s\n", err.message);
        status = 1;
    } else {
        status = user_cli_run(application.auth, line->subcommand, line->username, line->role);
    }
    auth_context_free(application.auth);
    db_close(database);
    config_free(&cfg);
    return status;
}

/* nekohub secrets reseal: every sealed secret rewritten under the current key. */
static int command_secrets(const command_line *line)
{
    if (!line->subcommand || strcmp(line->subcommand, "reseal") != 0) {
        fprintf(stderr, "nekohub: secrets: unknown subcommand (use: nekohub secrets reseal)\n");
        return 2;
    }
    config cfg;
    db *database;
    int status = open_for_command(line, &cfg, &database);
    if (status != 0)
        return status;
    nh_error err;
    int resealed = 0;
    int ai_keys = 0;
    secret_box *box = secret_box_create(cfg.secret_key, &cfg.previous_secret_keys, &err);
    if (!box || profile_store_reseal_all(database, box, &resealed, &err) != 0 ||
        ai_profile_store_reseal_all(database, box, &ai_keys, &err) != 0) {
        fprintf(stderr, "nekohub: secrets reseal: %s\n", err.message);
        status = 1;
    } else {
        resealed += ai_keys;
        printf("resealed %d secret%s under the current key\n", resealed, resealed == 1 ? "" : "s");
    }
    secret_box_destroy(box);
    db_close(database);
    config_free(&cfg);
    return status;
}

/* The route table must be sound before anything serves it. */
static int check_routes(void)
{
    char problem[ROUTER_PROBLEM_SIZE];
    if (router_validate(ROUTES, ROUTE_COUNT, PERMISSION_COUNT, ROUTE_CONTEXT_COUNT, problem) != 0) {
        fprintf(stderr, "nekohub: route table: %s\n", problem);
        return 1;
    }
    return 0;
}

/* Bind the port first: the bound port and the public URL derived from it are known before any
 * thread that reads them starts, and a port in use stops start-up here. */
static int open_listener(app *application, int *listen_socket)
{
    const config *cfg = application->cfg;
    nh_error err;
    int port = 0;
    *listen_socket = http_listen(cfg->listen_address, cfg->port, cfg->reuse_port, &port, &err);
    if (*listen_socket < 0) {
        fprintf(stderr, "nekohub: %s\n", err.message);
        return 1;
    }
    application->bound_port = port;
    application->public_base_url = derive_public_base_url(cfg, port);
    if (!application->public_base_url) {
        fprintf(stderr, "nekohub: out of memory\n");
        close(*listen_socket);
        return 1;
    }
    return 0;
}

static int serve(app *application, int64_t started_ns)
{
    int listen_socket = -1;
    if (open_listener(application, &listen_socket) != 0)
        return 1;
    nh_error err;
    int status = 0;
    if (app_services_start(application, &err) != 0) {
        fprintf(stderr, "nekohub: %s\n", err.message);
        close(listen_socket);
        status = 1;
    } else {
        status = run_server(application, listen_socket, started_ns);
    }
    app_services_stop(application);
    free(application->public_base_url);
    application->public_base_url = NULL;
    return status;
}

static int command_serve(const command_line *line)
{
    int64_t started_ns = clock_monotonic_ns();
    block_shutdown_signals();
    if (check_routes() != 0)
        return 1;
    config cfg;
    db *database;
    int status = open_for_command(line, &cfg, &database);
    if (status != 0)
        return status;
    cfg.max_connections = http_fit_connection_limit(cfg.max_connections);
    http_metrics *metrics = metrics_create(NEKOHUB_VERSION, ROUTES, ROUTE_COUNT);
    if (!metrics)
        status = 1;
    if (status == 0) {
        app application = {.cfg = &cfg,
                           .database = database,
                           .metrics = metrics,
                           .routes = ROUTES,
                           .route_count = ROUTE_COUNT,
                           .version = NEKOHUB_VERSION};
        status = serve(&application, started_ns);
    }
    metrics_destroy(metrics);
    db_close(database);
    if (status == 0)
        log_message(LOG_INFO, "stopped", "bye");
    config_free(&cfg); /* wipes the secrets */
    return status;
}

/* nekohub worker: migrations as serve does, then job workers until SIGINT/SIGTERM. Public URLs
 * of what processing writes are built like the server's: Storage__PublicBaseUrl, else derived
 * from the configured listen address and port. */
static int command_worker(const command_line *line)
{
    block_shutdown_signals();
    config cfg;
    db *database;
    int status = open_for_command(line, &cfg, &database);
    if (status != 0)
        return status;
    app application = {.cfg = &cfg, .database = database, .version = NEKOHUB_VERSION};
    application.public_base_url = derive_public_base_url(&cfg, cfg.port);
    nh_error err;
    if (!application.public_base_url) {
        fprintf(stderr, "nekohub: out of memory\n");
        status = 1;
    } else if (app_worker_start(&application, &err) != 0) {
        fprintf(stderr, "nekohub: %s\n", err.message);
        status = 1;
    } else {
        sigset_t signals;
        shutdown_signals(&signals);
        log_fields(LOG_INFO, "worker_started",
                   json_pack("{s:i, s:s}", "workers", cfg.job_workers > 0 ? cfg.job_workers : 1,
                             "version", NEKOHUB_VERSION));
        int received = 0;
        sigwait(&signals, &received);
        log_message(LOG_INFO, "shutdown", "signal %d: stopping the job workers", received);
    }
    app_services_stop(&application);
    free(application.public_base_url);
    db_close(database);
    if (status == 0)
        log_message(LOG_INFO, "stopped", "bye");
    config_free(&cfg);
    return status;
}

int main(int argc, char **argv)
{
    if (sodium_init() < 0) {
        fprintf(stderr, "nekohub: libsodium could not be initialised\n");
        return 1;
    }
    if (remote_http_global_init() != 0) {
        fprintf(stderr, "nekohub: libcurl could not be initialised\n");
        return 1;
    }
    atexit(remote_http_global_cleanup); /* before exit, so leak checks see only real leaks */
    command_line line;
    int status = parse_command_line(argc, argv, &line);
    if (status != 0)
        return status;
    if (!strcmp(line.command, "help")) {
        fputs(usage_text, stdout);
        return 0;
    }
    if (!strcmp(line.command, "version")) {
        printf("nekohub %s\n", NEKOHUB_VERSION);
        return 0;
    }
    if (!strcmp(line.command, "serve"))
        return command_serve(&line);
    if (!strcmp(line.command, "worker"))
        return command_worker(&line);
    if (!strcmp(line.command, "migrate"))
        return command_migrate(&line);
    if (!strcmp(line.command, "user"))
        return command_user(&line);
    if (!strcmp(line.command, "secrets"))
        return command_secrets(&line);
    fprintf(stderr, "nekohub: %s: unknown command (see nekohub --help)\n", line.command);
    return 2;
}
