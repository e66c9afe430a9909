/* acceptor.h - the thread that accepts connections on the listen socket and hands each one to
 * its consumer (libmicrohttpd's MHD_add_connection). The server accepts for itself instead of
 * letting libmicrohttpd do it because stopping libmicrohttpd's own accepting
 * (MHD_quiesce_daemon) races its event threads in a thread pool with epoll (0.9.75: "Failed to
 * remove listen FD from epoll set", an abort). Stopping this thread and closing the socket has
 * no such race: from acceptor_stop on, new connections are refused by the kernel.
 *
 * The acceptor owns the listen socket from acceptor_start on (closed by acceptor_stop, or on a
 * failed start). Accepted sockets are non-blocking and close-on-exec; the consumer owns each
 * one it is handed (it closes it, also when it refuses it). */
#ifndef NH_HTTP_ACCEPTOR_H
#define NH_HTTP_ACCEPTOR_H

#include <sys/socket.h>

#include "core/error.h"

typedef struct acceptor acceptor;

/* Called on the accepting thread for each new connection. */
typedef void (*acceptor_consumer_fn)(void *context, int socket_fd, const struct sockaddr *address,
                                     socklen_t address_length);

/* Start accepting on listen_fd (non-blocking, listening). NULL with err (the socket closed). */
acceptor *acceptor_start(int listen_fd, acceptor_consumer_fn consumer, void *context,
                         nh_error *err);

/* Stop accepting: the thread ends (a consumer call under way finishes first) and the listen
 * socket is closed. NULL is fine. Not safe to call twice on one acceptor. */
void acceptor_stop(acceptor *accepting);

#endif
