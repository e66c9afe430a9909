/* acceptor.c - accepting connections on a thread of our own (see acceptor.h). */
#include "http/acceptor.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"

/* After a failed accept that will fail again at once (out of descriptors or memory), wait this
 * long before trying again, so the thread does not spin; the connection waits in the backlog. */
#define ACCEPT_PAUSE_MS 20

struct acceptor {
    int listen_fd;
    int wake_pipe[2]; /* written once by acceptor_stop */
    acceptor_consumer_fn consumer;
    void *context;
    pthread_t thread;
};

/* Accept until the backlog is empty. Returns the poll timeout to use next (-1: none). */
static int accept_ready(acceptor *accepting)
{
    for (;;) {
        struct sockaddr_storage address;
        socklen_t length = sizeof address;
        int fd = accept4(accepting->listen_fd, (struct sockaddr *)&address, &length,
                         SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            accepting->consumer(accepting->context, fd, (struct sockaddr *)&address, length);
            continue;
        }
        switch (errno) {
        case EAGAIN:
#if EWOULDBLOCK != EAGAIN
        case EWOULDBLOCK:
#endif
            return -1;
        case EINTR:
        case ECONNABORTED:
        case EPROTO:
        case EPERM:
            continue; /* that connection is gone; the next one may be fine */
        case EMFILE:
        case ENFILE:
        case ENOBUFS:
        case ENOMEM:
            return ACCEPT_PAUSE_MS;
        default:
            log_message(LOG_ERROR, "http_accept", "accept failed: %s", strerror(errno));
            return ACCEPT_PAUSE_MS;
        }
    }
}

static void *accept_loop(void *argument)
{
    acceptor *accepting = argument;
    int timeout_ms = -1;
    for (;;) {
        struct pollfd watched[2] = {{.fd = accepting->listen_fd, .events = POLLIN},
                                    {.fd = accepting->wake_pipe[0], .events = POLLIN}};
        int ready = poll(watched, 2, timeout_ms);
        if (ready < 0 && errno != EINTR) {
            log_message(LOG_ERROR, "http_accept", "poll failed: %s", strerror(errno));
            timeout_ms = ACCEPT_PAUSE_MS;
            continue;
        }
        if (watched[1].revents)
            return NULL;
        timeout_ms = accept_ready(accepting);
    }
}

acceptor *acceptor_start(int listen_fd, acceptor_consumer_fn consumer, void *context, nh_error *err)
{
    acceptor *accepting = calloc(1, sizeof *accepting);
    if (!accepting) {
        close(listen_fd);
        error_internal(err);
        return NULL;
    }
    accepting->listen_fd = listen_fd;
    accepting->consumer = consumer;
    accepting->context = context;
    if (pipe2(accepting->wake_pipe, O_CLOEXEC) != 0) {
        close(listen_fd);
        free(accepting);
        error_set(err, 500, "listen_failed", "could not create the accept thread's pipe");
        return NULL;
    }
    if (pthread_create(&accepting->thread, NULL, accept_loop, accepting) != 0) {
        close(accepting->wake_pipe[0]);
        close(accepting->wake_pipe[1]);
        close(listen_fd);
        free(accepting);
        error_set(err, 500, "listen_failed", "could not start the accept thread");
        return NULL;
    }
    return accepting;
}

void acceptor_stop(acceptor *accepting)
{
    if (!accepting)
        return;
    char stop = 's';
    while (write(accepting->wake_pipe[1], &stop, 1) < 0 && errno == EINTR)
        ;
    pthread_join(accepting->thread, NULL);
    close(accepting->listen_fd);
    close(accepting->wake_pipe[0]);
    close(accepting->wake_pipe[1]);
    free(accepting);
}
