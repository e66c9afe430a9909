/* media_pool.c - warm sandboxed media workers: spawn, hand out, deadline, replace (see
 * media_pool.h). */
#include "media/media_pool.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"

extern char **environ;

#define WORKER_SOCKET_FD 3        /* where the worker finds its end of the socketpair */
#define WORKER_START_TIMEOUT_S 60 /* a new worker's warm-up: at most this long (or timeout_s) */

typedef struct media_worker {
    pid_t pid; /* 0: not running */
    int socket;
    bool busy;
    bool ready; /* its start-up message arrived (warm-up and sandbox done) */
} media_worker;

struct media_pool {
    char *worker_path;
    char **environment; /* what a worker inherits: the allow-listed variables only */
    int timeout_s;
    int memory_limit_mb;
    int test_operations;
    int count;
    media_worker *workers;
    pthread_mutex_t lock;
    pthread_cond_t freed;
    int waiting;
    uint32_t next_id;
};

/* Process-wide counters for /metrics (media_pool_metrics_render). */
static _Atomic uint64_t workers_started;
static _Atomic uint64_t worker_failures;
static _Atomic uint64_t worker_timeouts;

static char *default_worker_path(void)
{
    char self[PATH_MAX];
    ssize_t length = readlink("/proc/self/exe", self, sizeof self - 1);
    if (length <= 0 || length >= (ssize_t)sizeof self - 1) /* failed, or possibly cut */
        return NULL;
    self[length] = '\0';
    char *slash = strrchr(self, '/');
    if (!slash)
        return NULL;
    slash[1] = '\0';
    buf path;
    buf_init(&path, 0);
    buf_printf(&path, "%s%s", self, MEDIA_WORKER_BINARY);
    return buf_detach(&path);
}

/* The variables a worker may inherit (prefixes of "NAME="). Everything else stays out: the
 * server's environment carries Security__SecretKey, Storage__S3__SecretKey,
 * Storage__GitHubRepo__Token and database passwords, and the worker is the process that parses
 * untrusted images. */
static const char *const inherited_prefixes[] = {
    "PATH=", "TMPDIR=", "LANG=", "LC_",    "TZ=",   "LD_LIBRARY_PATH=",
    "VIPS_", "G_",      "ASAN_", "UBSAN_", "LSAN_", "TSAN_",
};

static bool is_inherited(const char *variable)
{
    for (size_t i = 0; i < sizeof inherited_prefixes / sizeof inherited_prefixes[0]; i++)
        if (!strncmp(variable, inherited_prefixes[i], strlen(inherited_prefixes[i])))
            return true;
    return false;
}

static void environment_free(char **environment)
{
    for (char **variable = environment; variable && *variable; variable++)
        free(*variable);
    free(environment);
}

/* A copy of the allow-listed part of the server's environment (NULL-terminated), or NULL. */
static char **environment_for_workers(void)
{
    size_t count = 0;
    for (char **variable = environ; variable && *variable; variable++)
        count += is_inherited(*variable);
    char **environment = calloc(count + 1, sizeof *environment);
    size_t used = 0;
    for (char **variable = environ; environment && variable && *variable; variable++) {
        if (!is_inherited(*variable))
            continue;
        if (!(environment[used++] = strdup(*variable))) {
            environment_free(environment);
            return NULL;
        }
    }
    return environment;
}

/* Kill (when still running) and reap a worker; close its socket. */
static void worker_stop(media_worker *worker, const char *why)
{
    if (worker->pid > 0) {
        kill(worker->pid, SIGKILL);
        int status = 0;
        while (waitpid(worker->pid, &status, 0) < 0 && errno == EINTR)
            ;
        if (why && WIFSIGNALED(status) && WTERMSIG(status) != SIGKILL)
            log_message(LOG_WARN, "media_worker_failed", "worker %d died of signal %d (%s)",
                        (int)worker->pid, WTERMSIG(status), why);
        else if (why && WIFEXITED(status))
            log_message(LOG_WARN, "media_worker_failed", "worker %d exited with status %d (%s)",
                        (int)worker->pid, WEXITSTATUS(status), why);
    }
    if (worker->socket >= 0)
        close(worker->socket);
    worker->pid = 0;
    worker->socket = -1;
}

static int spawn_actions(posix_spawn_file_actions_t *actions, int child_socket)
{
    if (posix_spawn_file_actions_init(actions) != 0)
        return -1;
    if (posix_spawn_file_actions_addopen(actions, 0, "/dev/null", O_RDONLY, 0) != 0 ||
        posix_spawn_file_actions_adddup2(actions, 2, 1) != 0 ||
        posix_spawn_file_actions_adddup2(actions, child_socket, WORKER_SOCKET_FD) != 0) {
        posix_spawn_file_actions_destroy(actions);
        return -1;
    }
    return 0;
}

/* The server blocks SIGINT/SIGTERM and ignores SIGPIPE: the worker starts with neither. */
static int spawn_attributes(posix_spawnattr_t *attributes)
{
    sigset_t none, defaults;
    sigemptyset(&none);
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    if (posix_spawnattr_init(attributes) != 0)
        return -1;
    if (posix_spawnattr_setsigmask(attributes, &none) != 0 ||
        posix_spawnattr_setsigdefault(attributes, &defaults) != 0 ||
        posix_spawnattr_setflags(attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF) != 0) {
        posix_spawnattr_destroy(attributes);
        return -1;
    }
    return 0;
}

static int worker_start(media_pool *pool, media_worker *worker, nh_error *err)
{
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0)
        return error_set(err, 503, "media_worker_unavailable",
                         "The media worker's socket could not be made: %s", strerror(errno));
    /* keep the child's end off descriptor 3, so dup2 onto 3 always clears close-on-exec */
    if (pair[1] == WORKER_SOCKET_FD) {
        int moved = fcntl(pair[1], F_DUPFD_CLOEXEC, WORKER_SOCKET_FD + 1);
        close(pair[1]);
        pair[1] = moved;
    }
    char timeout[16], memory[16], fd_text[16];
    snprintf(timeout, sizeof timeout, "%d", pool->timeout_s);
    snprintf(memory, sizeof memory, "%d", pool->memory_limit_mb);
    snprintf(fd_text, sizeof fd_text, "%d", WORKER_SOCKET_FD);
    char *argv[] = {pool->worker_path, "--socket-fd", fd_text, "--timeout",
                    timeout,           "--memory-mb", memory,  NULL};
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    pid_t pid = 0;
    int rc = pair[1] < 0 ? EBADF : spawn_actions(&actions, pair[1]) != 0 ? ENOMEM : 0;
    if (rc == 0 && spawn_attributes(&attributes) != 0) {
        posix_spawn_file_actions_destroy(&actions);
        rc = ENOMEM;
    }
    if (rc == 0) {
        rc = posix_spawn(&pid, pool->worker_path, &actions, &attributes, argv, pool->environment);
        posix_spawn_file_actions_destroy(&actions);
        posix_spawnattr_destroy(&attributes);
    }
    if (pair[1] >= 0)
        close(pair[1]);
    if (rc != 0) {
        close(pair[0]);
        return error_set(err, 503, "media_worker_unavailable",
                         "The media worker %s could not be started: %s", pool->worker_path,
                         strerror(rc));
    }
    worker->pid = pid;
    worker->socket = pair[0];
    worker->ready = false;
    atomic_fetch_add(&workers_started, 1);
    return 0;
}

media_pool *media_pool_create(const media_pool_settings *settings, nh_error *err)
{
    media_pool *pool = calloc(1, sizeof *pool);
    if (!pool) {
        error_internal(err);
        return NULL;
    }
    pool->worker_path =
        settings->worker_path ? strdup(settings->worker_path) : default_worker_path();
    pool->environment = environment_for_workers();
    pool->count = settings->workers > 0 ? settings->workers : 1;
    pool->workers = calloc((size_t)pool->count, sizeof *pool->workers);
    pool->timeout_s = settings->timeout_s > 0 ? settings->timeout_s : 30;
    pool->memory_limit_mb = settings->memory_limit_mb;
    pool->test_operations = settings->test_operations;
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->freed, NULL);
    for (int i = 0; pool->workers && i < pool->count; i++)
        pool->workers[i].socket = -1;
    if (!pool->worker_path || !pool->workers || !pool->environment) {
        error_internal(err);
        media_pool_destroy(pool);
        return NULL;
    }
    if (access(pool->worker_path, X_OK) != 0) {
        error_set(err, 503, "media_worker_unavailable",
                  "The media worker %s is missing or not executable (install it beside "
                  "nekohub, or set Processing__MediaWorkerPath).",
                  pool->worker_path);
        media_pool_destroy(pool);
        return NULL;
    }
    for (int i = 0; i < pool->count; i++)
        if (worker_start(pool, &pool->workers[i], err) != 0) {
            media_pool_destroy(pool);
            return NULL;
        }
    return pool;
}

void media_pool_destroy(media_pool *pool)
{
    if (!pool)
        return;
    for (int i = 0; pool->workers && i < pool->count; i++)
        worker_stop(&pool->workers[i], NULL);
    pthread_cond_destroy(&pool->freed);
    pthread_mutex_destroy(&pool->lock);
    free(pool->workers);
    free(pool->worker_path);
    environment_free(pool->environment);
    free(pool);
}

static void deadline_after(struct timespec *deadline, int seconds)
{
    clock_gettime(CLOCK_MONOTONIC, deadline);
    deadline->tv_sec += seconds;
}

static int milliseconds_until(const struct timespec *deadline)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long long left = (long long)(deadline->tv_sec - now.tv_sec) * 1000 +
                     (deadline->tv_nsec - now.tv_nsec) / 1000000;
    return left < 0 ? 0 : left > INT_MAX ? INT_MAX : (int)left;
}

/* A free worker's index, marked busy; -1 with err filled when too many wait or none freed in
 * time. */
static int acquire(media_pool *pool, nh_error *err)
{
    struct timespec deadline;
    deadline_after(&deadline, pool->timeout_s);
    pthread_mutex_lock(&pool->lock);
    int found = -1;
    for (;;) {
        for (int i = 0; found < 0 && i < pool->count; i++)
            if (!pool->workers[i].busy)
                found = i;
        if (found >= 0)
            break;
        if (pool->waiting >= MEDIA_POOL_MAX_WAITING_PER_WORKER * pool->count ||
            milliseconds_until(&deadline) == 0)
            break;
        pool->waiting++;
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += milliseconds_until(&deadline) / 1000 + 1;
        pthread_cond_timedwait(&pool->freed, &pool->lock, &until);
        pool->waiting--;
    }
    if (found >= 0)
        pool->workers[found].busy = true;
    pthread_mutex_unlock(&pool->lock);
    if (found < 0)
        error_set_retry(err, 503, "media_worker_busy", 1,
                        "Every media worker is busy; try again shortly.");
    return found;
}

static void release(media_pool *pool, int index)
{
    pthread_mutex_lock(&pool->lock);
    pool->workers[index].busy = false;
    pthread_cond_signal(&pool->freed);
    pthread_mutex_unlock(&pool->lock);
}

/* Start the worker again when it is not running (never started, or it exited while idle). */
static int ensure_running(media_pool *pool, media_worker *worker, nh_error *err)
{
    if (worker->pid > 0 && waitpid(worker->pid, NULL, WNOHANG) == worker->pid) {
        worker->pid = 0; /* reaped */
        worker_stop(worker, NULL);
    }
    return worker->pid > 0 ? 0 : worker_start(pool, worker, err);
}

static int send_request(media_worker *worker, const uint8_t *message, size_t length, int input_fd,
                        int output_fd)
{
    int fds[2];
    int count = 0;
    if (input_fd >= 0)
        fds[count++] = input_fd;
    if (output_fd >= 0)
        fds[count++] = output_fd;
    union {
        char buffer[CMSG_SPACE(sizeof fds)];
        struct cmsghdr align;
    } control;
    memset(&control, 0, sizeof control);
    struct iovec part = {.iov_base = (void *)message, .iov_len = length};
    struct msghdr header = {.msg_iov = &part, .msg_iovlen = 1};
    if (count > 0) {
        header.msg_control = control.buffer;
        header.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)count);
        struct cmsghdr *entry = CMSG_FIRSTHDR(&header);
        entry->cmsg_level = SOL_SOCKET;
        entry->cmsg_type = SCM_RIGHTS;
        entry->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)count);
        memcpy(CMSG_DATA(entry), fds, sizeof(int) * (size_t)count);
    }
    ssize_t sent;
    do
        sent = sendmsg(worker->socket, &header, MSG_NOSIGNAL);
    while (sent < 0 && errno == EINTR);
    return sent == (ssize_t)length ? 0 : -1;
}

/* 1: readable; 0: the deadline passed; -1: poll failed. */
static int wait_readable(int socket, const struct timespec *deadline)
{
    for (;;) {
        struct pollfd entry = {.fd = socket, .events = POLLIN};
        int ready = poll(&entry, 1, milliseconds_until(deadline));
        if (ready > 0)
            return 1;
        if (ready == 0)
            return milliseconds_until(deadline) == 0 ? 0 : -1;
        if (errno != EINTR)
            return -1;
    }
}

/* A new worker announces the end of its warm-up with a reply of id 0 (nekohub-media's
 * announce_ready). Wait for it with a start-up deadline of its own (a loaded machine or a
 * sanitizer build can make the warm-up slow), so a request's deadline covers only its own work.
 * 0 when ready; -1 with err (the worker is stopped) when it died or never got ready. */
static int await_ready(media_pool *pool, media_worker *worker, nh_error *err)
{
    if (worker->ready)
        return 0;
    struct timespec deadline;
    deadline_after(&deadline, pool->timeout_s > WORKER_START_TIMEOUT_S ? pool->timeout_s
                                                                       : WORKER_START_TIMEOUT_S);
    int readable = wait_readable(worker->socket, &deadline);
    uint8_t answer[MEDIA_REPLY_SIZE + 1];
    media_reply reply;
    ssize_t got = readable > 0 ? recv(worker->socket, answer, sizeof answer, 0) : -1;
    if (got <= 0 || media_reply_decode(answer, (size_t)got, &reply) != 0 || reply.id != 0 ||
        reply.status != MEDIA_STATUS_OK) {
        worker_stop(worker, readable == 0 ? "it did not start in time" : "it did not start");
        return error_set(err, 503, "media_worker_unavailable",
                         "The media worker could not be started.");
    }
    worker->ready = true;
    return 0;
}

/* The exchange on a running worker: 0 with reply; -1 with err (the worker is replaced). */
static int exchange(media_pool *pool, media_worker *worker, const uint8_t *message, size_t length,
                    uint32_t id, int input_fd, int output_fd, media_reply *reply, nh_error *err)
{
    if (await_ready(pool, worker, err) != 0)
        return -1;
    struct timespec deadline;
    deadline_after(&deadline, pool->timeout_s);
    if (send_request(worker, message, length, input_fd, output_fd) != 0) {
        worker_stop(worker, "the request could not be sent");
        atomic_fetch_add(&worker_failures, 1);
        return error_set(err, 502, "media_worker_failed", "The media worker failed.");
    }
    int ready = wait_readable(worker->socket, &deadline);
    if (ready == 0) {
        log_message(LOG_WARN, "media_worker_timeout",
                    "worker %d did not answer within %d s: killed", (int)worker->pid,
                    pool->timeout_s);
        worker_stop(worker, NULL);
        atomic_fetch_add(&worker_timeouts, 1);
        return error_set(err, 503, "media_worker_timeout",
                         "The image took longer than %d s to process.", pool->timeout_s);
    }
    uint8_t answer[MEDIA_REPLY_SIZE + 1];
    ssize_t got = ready > 0 ? recv(worker->socket, answer, sizeof answer, 0) : -1;
    if (got <= 0 || media_reply_decode(answer, (size_t)got, reply) != 0 || reply->id != id) {
        worker_stop(worker, got <= 0 ? "no answer" : "a malformed answer");
        atomic_fetch_add(&worker_failures, 1);
        return error_set(err, 502, "media_worker_failed", "The media worker failed.");
    }
    if (reply->flags & MEDIA_REPLY_RETIRING)
        worker_stop(worker, NULL);
    return 0;
}

int media_pool_run(media_pool *pool, const media_request *request, int input_fd, int output_fd,
                   media_reply *reply, nh_error *err)
{
    uint8_t message[MEDIA_REQUEST_MAX];
    media_request sent = *request;
    sent.flags = (uint16_t)((input_fd >= 0 ? MEDIA_REQUEST_HAS_INPUT : 0) |
                            (output_fd >= 0 ? MEDIA_REQUEST_HAS_OUTPUT : 0));
    pthread_mutex_lock(&pool->lock);
    sent.id = ++pool->next_id;
    pthread_mutex_unlock(&pool->lock);
    size_t length = media_request_encode(&sent, message, sizeof message);
    if (length == 0)
        return error_set(err, 500, "media_request_invalid", "The media request is too large.");
    int index = acquire(pool, err);
    if (index < 0)
        return -1;
    media_worker *worker = &pool->workers[index];
    int rc = ensure_running(pool, worker, err);
    if (rc != 0) { /* a start just failed: the next request tries again */
        release(pool, index);
        return -1;
    }
    rc = exchange(pool, worker, message, length, sent.id, input_fd, output_fd, reply, err);
    if (worker->pid == 0) { /* replaced now, so the next request finds a warm worker */
        nh_error ignored;
        if (worker_start(pool, worker, &ignored) != 0)
            log_message(LOG_ERROR, "media_worker_unavailable", "%s", ignored.message);
    }
    release(pool, index);
    return rc;
}

#ifdef NEKOHUB_TEST_BUILD
/* Test builds only: the test operation a file name asks for (media_pool.h), or 0. */
static uint16_t test_operation_of(const char *file_name)
{
    static const struct {
        const char *prefix;
        media_operation operation;
    } names[] = {
        {"nekohub-test-op-crash", MEDIA_OP_TEST_CRASH},
        {"nekohub-test-op-hang", MEDIA_OP_TEST_HANG},
        {"nekohub-test-op-socket", MEDIA_OP_TEST_SOCKET},
        {"nekohub-test-op-create", MEDIA_OP_TEST_CREATE},
    };
    for (size_t i = 0; file_name && i < sizeof names / sizeof names[0]; i++)
        if (!strncmp(file_name, names[i].prefix, strlen(names[i].prefix)))
            return (uint16_t)names[i].operation;
    return 0;
}
#endif

static uint16_t probe_operation(const media_pool *pool, const char *file_name)
{
#ifdef NEKOHUB_TEST_BUILD
    uint16_t test = pool->test_operations ? test_operation_of(file_name) : 0;
    if (test)
        return test;
#endif
    return MEDIA_OP_PROBE;
}

int media_pool_probe(media_pool *pool, const char *path, const char *file_name, media_info *info,
                     nh_error *err)
{
    memset(info, 0, sizeof *info);
    int input = open(path, O_RDONLY | O_CLOEXEC);
    if (input < 0) {
        log_message(LOG_ERROR, "media", "the upload %s could not be opened: %s", path,
                    strerror(errno));
        return error_internal(err);
    }
    media_request request = {.operation = probe_operation(pool, file_name)};
    media_reply reply;
    memset(&reply, 0, sizeof reply);
    int rc = media_pool_run(pool, &request, input, -1, &reply, err);
    close(input);
    if (rc != 0)
        return -1;
    if (reply.status == MEDIA_STATUS_OK) {
        *info = reply.info;
        return 0;
    }
    if (reply.status == MEDIA_STATUS_NOT_IMAGE)
        return 1;
    if (!strcmp(reply.code, "media_test_result"))
        return error_set(err, 422, "media_test_result", "%s", reply.message);
    log_message(LOG_WARN, "media_worker_failed", "the probe failed: %s (%s)", reply.code,
                reply.message);
    return error_set(err, 502, "media_worker_failed", "The image could not be examined.");
}

int media_pool_metrics_render(buf *out)
{
    buf_printf(out,
               "# HELP nekohub_media_workers_started_total Media worker processes started.\n"
               "# TYPE nekohub_media_workers_started_total counter\n"
               "nekohub_media_workers_started_total %llu\n"
               "# HELP nekohub_media_worker_failures_total Media operations lost with their "
               "worker, by reason.\n"
               "# TYPE nekohub_media_worker_failures_total counter\n"
               "nekohub_media_worker_failures_total{reason=\"failed\"} %llu\n"
               "nekohub_media_worker_failures_total{reason=\"timeout\"} %llu\n",
               (unsigned long long)atomic_load(&workers_started),
               (unsigned long long)atomic_load(&worker_failures),
               (unsigned long long)atomic_load(&worker_timeouts));
    return buf_failed(out) ? -1 : 0;
}
