/* periodic.h - a background thread that runs one task every interval until stopped (purging
 * ended sessions, sweeping storage objects left behind, closing late connections, ...).
 *
 * The task runs on the periodic thread and must be thread-safe with respect to requests. */
#ifndef NH_CORE_PERIODIC_H
#define NH_CORE_PERIODIC_H

typedef struct periodic periodic;

/* Start the thread; the first run happens one interval from now (work due at start is the
 * caller's to do before). NULL when no thread could start. */
periodic *periodic_start(unsigned int interval_seconds, void (*task)(void *context), void *context);
/* Wake the thread, wait for a running task to finish, and free it. NULL is fine. */
void periodic_stop(periodic *worker);

#endif
