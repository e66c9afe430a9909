/* worker_main.c - nekohub-media: the sandboxed media worker the server's pool starts.
 *
 * Usage (by media_pool.c only): nekohub-media --socket-fd N --timeout S --memory-mb M.
 * Order: close inherited descriptors, die with the parent, resource limits, libvips and its
 * warm-up (every operation once, worker_probe.h), the seccomp filter, then one request at a time
 * from the socket (media_protocol.h) until it closes. It leaves with _exit: at-exit work
 * (LeakSanitizer's check, which needs ptrace and a forked process) cannot run under the filter, and
 * nothing needs flushing. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "media/media_protocol.h"
#include "media_worker/worker_ops.h"
#include "media_worker/worker_probe.h"
#include "media_worker/worker_sandbox.h"
#include "media_worker/worker_test_ops.h"

#define MAX_FDS 2

#if defined(__SANITIZE_THREAD__)
/* ThreadSanitizer build: the worker's own code is single-threaded; its only threads are
 * libvips' pool, whose GLib, libvips and codec libraries are not instrumented and synchronise
 * through futexes ThreadSanitizer cannot see, so every report here would be a false one about
 * third-party code. Reports are off in the worker only (TSAN_OPTIONS still applies otherwise);
 * the server, where our threads are, keeps them. */
const char *__tsan_default_options(void);
const char *__tsan_default_options(void)
{
    return "report_bugs=0";
}
#endif

typedef struct worker_options {
    int socket;
    int timeout_s;
    int memory_mb;
} worker_options;

static int parse_number(const char *text, int minimum, int maximum, int *out)
{
    char *end = NULL;
    errno = 0;
    long value = text ? strtol(text, &end, 10) : 0;
    if (!text || errno || *end || value < minimum || value > maximum)
        return -1;
    *out = (int)value;
    return 0;
}

static int parse_options(int argc, char **argv, worker_options *options)
{
    options->socket = -1;
    options->timeout_s = 30;
    options->memory_mb = 1024;
    for (int i = 1; i + 1 < argc; i += 2) {
        int *target = !strcmp(argv[i], "--socket-fd")   ? &options->socket
                      : !strcmp(argv[i], "--timeout")   ? &options->timeout_s
                      : !strcmp(argv[i], "--memory-mb") ? &options->memory_mb
                                                        : NULL;
        if (!target || parse_number(argv[i + 1], 0, 1 << 20, target) != 0)
            return -1;
    }
    return options->socket >= 0 ? 0 : -1;
}

/* One message and its descriptors (at most MAX_FDS; the rest closed). Length, 0 at the end of
 * the stream, -1 on failure. */
static ssize_t receive(int socket, uint8_t *buffer, size_t capacity, int fds[MAX_FDS],
                       int *fd_count)
{
    union {
        char buffer[CMSG_SPACE(sizeof(int) * MAX_FDS)];
        struct cmsghdr align;
    } control;
    struct iovec part = {.iov_base = buffer, .iov_len = capacity};
    struct msghdr header = {.msg_iov = &part,
                            .msg_iovlen = 1,
                            .msg_control = control.buffer,
                            .msg_controllen = sizeof control.buffer};
    *fd_count = 0;
    ssize_t got;
    do
        got = recvmsg(socket, &header, MSG_CMSG_CLOEXEC);
    while (got < 0 && errno == EINTR);
    for (struct cmsghdr *entry = got >= 0 ? CMSG_FIRSTHDR(&header) : NULL; entry;
         entry = CMSG_NXTHDR(&header, entry)) {
        if (entry->cmsg_level != SOL_SOCKET || entry->cmsg_type != SCM_RIGHTS)
            continue;
        size_t count = (entry->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < count; i++) {
            int fd;
            memcpy(&fd, CMSG_DATA(entry) + i * sizeof(int), sizeof fd);
            if (*fd_count < MAX_FDS)
                fds[(*fd_count)++] = fd;
            else
                close(fd);
        }
    }
    if (got > 0 && (header.msg_flags & (MSG_TRUNC | MSG_CTRUNC)))
        return -1;
    return got;
}

static void dispatch(const media_request *request, const int fds[MAX_FDS], int fd_count,
                     media_reply *reply)
{
    int expected = ((request->flags & MEDIA_REQUEST_HAS_INPUT) ? 1 : 0) +
                   ((request->flags & MEDIA_REQUEST_HAS_OUTPUT) ? 1 : 0);
    if (expected != fd_count) {
        media_reply_set(reply, MEDIA_STATUS_UNSUPPORTED, "media_request_invalid",
                        "%d descriptors for %d announced", fd_count, expected);
        return;
    }
#ifdef NEKOHUB_TEST_BUILD
    if (worker_test_op_run(request->operation, reply) == 0)
        return;
#endif
    if (request->operation == MEDIA_OP_PROBE && (request->flags & MEDIA_REQUEST_HAS_INPUT)) {
        worker_probe_fd(fds[0], reply);
        return;
    }
    if (worker_ops_handles(request->operation) && fd_count == 2) {
        worker_ops_run(request->operation, request->params, request->params_length, fds[0], fds[1],
                       reply);
        return;
    }
    media_reply_set(reply, MEDIA_STATUS_UNSUPPORTED, "media_operation_unknown",
                    "operation %u is not known", (unsigned int)request->operation);
}

/* Serve requests until the server closes the socket. */
static void serve(const worker_options *options)
{
    uint8_t buffer[MEDIA_REQUEST_MAX + 1];
    for (;;) {
        int fds[MAX_FDS];
        int fd_count = 0;
        ssize_t got = receive(options->socket, buffer, sizeof buffer, fds, &fd_count);
        if (got == 0)
            return;
        media_request request;
        media_reply reply;
        memset(&reply, 0, sizeof reply);
        if (got < 0 || media_request_decode(buffer, (size_t)got, &request) != 0) {
            media_reply_set(&reply, MEDIA_STATUS_UNSUPPORTED, "media_request_invalid",
                            "malformed request");
        } else {
            reply.id = request.id;
            dispatch(&request, fds, fd_count, &reply);
        }
        for (int i = 0; i < fd_count; i++)
            close(fds[i]);
        int retiring = worker_sandbox_cpu_budget(options->timeout_s + 1);
        if (retiring)
            reply.flags |= MEDIA_REPLY_RETIRING;
        uint8_t answer[MEDIA_REPLY_SIZE];
        size_t length = media_reply_encode(&reply, answer, sizeof answer);
        if (send(options->socket, answer, length, MSG_NOSIGNAL) != (ssize_t)length || retiring)
            return;
    }
}

/* Tell the pool the warm-up is over (a reply with id 0, status OK): until then it sends no
 * request, so a slow start never eats into a request's deadline. */
static int announce_ready(int socket)
{
    media_reply ready;
    memset(&ready, 0, sizeof ready);
    uint8_t message[MEDIA_REPLY_SIZE];
    size_t length = media_reply_encode(&ready, message, sizeof message);
    return send(socket, message, length, MSG_NOSIGNAL) == (ssize_t)length ? 0 : -1;
}

/* Descriptors the server left open without close-on-exec (libraries' pipes): the worker keeps
 * only standard input, output, error and its socket. */
static void close_inherited(int socket)
{
    if (socket > 3)
        close_range(3, (unsigned int)socket - 1, 0);
    close_range((unsigned int)socket + 1, ~0u, 0);
}

int main(int argc, char **argv)
{
    worker_options options;
    if (parse_options(argc, argv, &options) != 0) {
        fprintf(stderr, "nekohub-media: started by nekohub only (--socket-fd N --timeout S "
                        "--memory-mb M)\n");
        return 2;
    }
    close_inherited(options.socket);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    /* an output over RLIMIT_FSIZE fails its write with EFBIG (a clear error), not the worker */
    signal(SIGXFSZ, SIG_IGN);
    if (getppid() == 1)
        _exit(0); /* the server is already gone */
    if (worker_sandbox_limit(options.memory_mb, options.timeout_s + 1) != 0 ||
        worker_probe_start(argv[0]) != 0 || worker_sandbox_filter() != 0)
        _exit(1);
    if (announce_ready(options.socket) != 0)
        _exit(1);
    serve(&options);
    _exit(0);
}
