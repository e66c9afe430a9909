/* worker_test_ops.c - test-build-only sandbox probes (see worker_test_ops.h). */
#include "media_worker/worker_test_ops.h"

#ifdef NEKOHUB_TEST_BUILD

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void report(media_reply *reply, const char *what, int result, int error)
{
    if (result >= 0)
        media_reply_set(reply, MEDIA_STATUS_FAILED, "media_test_result", "%s: allowed", what);
    else
        media_reply_set(reply, MEDIA_STATUS_FAILED, "media_test_result", "%s: refused (%s)", what,
                        error == EPERM ? "EPERM" : strerror(error));
}

static void try_socket(media_reply *reply)
{
    int descriptor = socket(AF_INET, SOCK_STREAM, 0);
    int error = errno;
    report(reply, "socket", descriptor, error);
    if (descriptor >= 0)
        close(descriptor);
}

static void try_create(media_reply *reply)
{
    const char *dir = getenv("TMPDIR");
    char path[512];
    snprintf(path, sizeof path, "%s/nekohub-media-test-%d", dir && dir[0] ? dir : "/tmp",
             (int)getpid());
    int descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    int error = errno;
    char what[600];
    snprintf(what, sizeof what, "create %s", path);
    report(reply, what, descriptor, error);
    if (descriptor >= 0)
        close(descriptor);
}

int worker_test_op_run(uint16_t operation, media_reply *reply)
{
    switch (operation) {
    case MEDIA_OP_TEST_CRASH:
        abort();
    case MEDIA_OP_TEST_HANG:
        for (;;)
            pause();
    case MEDIA_OP_TEST_SOCKET:
        try_socket(reply);
        return 0;
    case MEDIA_OP_TEST_CREATE:
        try_create(reply);
        return 0;
    default:
        return 1;
    }
}

#endif
