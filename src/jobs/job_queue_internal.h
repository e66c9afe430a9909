/* job_queue_internal.h - the queue service's state, shared by its three modules and nothing
 * else: job_queue.c (life cycle, notify, wait), job_worker.c (the worker threads: claim, run,
 * record the outcome) and job_lease.c (leases and their renewal thread).
 *
 * Locking: one mutex per queue guards every field marked (m); the lease flags a handler reads
 * (lost, cancel_requested) are atomics so job_lease_lost() never blocks. A worker never holds
 * the mutex while it talks to the database or runs a handler. */
#ifndef NH_JOBS_QUEUE_INTERNAL_H
#define NH_JOBS_QUEUE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "jobs/job_queue.h"
#include "jobs/job_store.h"

#define JOB_QUEUE_MAX_HANDLERS 16
#define JOB_QUEUE_MAX_WORKERS 64 /* Processing__Workers allows 0..64 */
#define JOB_LOCKED_BY_SIZE 160
#define JOB_WORKER_NAME_MAX 120

struct job_lease {
    job_queue *queue;
    char job_id[UUID_TEXT_SIZE];        /* (m) while active */
    char locked_by[JOB_LOCKED_BY_SIZE]; /* this worker's name: fixed once started */
    int attempt;                        /* (m) */
    bool active;                        /* (m) a claimed job is being run under it */
    int64_t expires_ns;                 /* (m) monotonic instant the lease runs out */
    atomic_bool lost;
    atomic_bool cancel_requested;
};

typedef struct job_handler_entry {
    char *kind;
    job_handler handler;
    void *context;
} job_handler_entry;

typedef struct job_worker {
    job_queue *queue;
    int index;
    pthread_t thread;
    bool thread_started;
    job_lease lease;
} job_worker;

struct job_queue {
    db *database;
    int workers_wanted;
    int64_t lease_ms;
    int retry_base_s;
    int retry_max_s;
    int poll_interval_ms;
    int shutdown_grace_s;
    char worker_name[JOB_WORKER_NAME_MAX + 1];

    job_handler_entry handlers[JOB_QUEUE_MAX_HANDLERS];
    size_t handler_count; /* fixed once started */

    pthread_mutex_t mutex;
    pthread_cond_t work;     /* idle workers: a job was committed, or stop */
    pthread_cond_t finished; /* a job of this process ended (waiters, stop) */
    pthread_cond_t renew;    /* the renewal thread: stop */
    uint64_t wakes;          /* (m) job_queue_notify calls */
    uint64_t finished_count; /* (m) jobs this process ended */
    int running;             /* (m) handlers running now */
    bool started;            /* (m) */
    bool stopping;           /* (m) no new claims */
    bool renewal_stopping;   /* (m) */

    job_worker *workers; /* workers_wanted of them, once started */
    pthread_t renewal;
    bool renewal_started;
};

/* job_worker.c: the thread body of one worker. */
void *job_worker_main(void *argument);

/* job_lease.c: make lease the live lease of a claim (m held); end it (m held). */
void job_lease_begin(job_lease *lease, const job_claim *claim, int64_t lease_ms);
void job_lease_end(job_lease *lease);
/* The renewal thread body: renew every active lease every lease/3 until renewal_stopping. */
void *job_lease_renewal_main(void *argument);

#endif
