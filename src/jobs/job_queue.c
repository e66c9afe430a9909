/* job_queue.c - PLACEHOLDER (the jobs helper replaces it with the durable queue of
 * job_queue.h): enqueueing and reading fail with 501, the queue runs nothing. */
#include "jobs/job_queue.h"

#include <stdlib.h>
#include <string.h>

static int not_yet(nh_error *err)
{
    return error_set(err, 501, "jobs_not_implemented", "The job queue is not implemented yet.");
}

const char *job_state_name(job_state state)
{
    static const char *const names[] = {"queued", "running", "succeeded", "failed", "cancelled"};
    return (unsigned)state < 5 ? names[state] : "queued";
}

int job_state_parse(const char *text, job_state *out)
{
    for (int i = 0; i < 5; i++)
        if (text && !strcmp(text, job_state_name((job_state)i))) {
            *out = (job_state)i;
            return 0;
        }
    return -1;
}

int job_store_enqueue(db_conn *conn, const job_new *new_job, char id_out[UUID_TEXT_SIZE],
                      nh_error *err)
{
    (void)conn, (void)new_job;
    id_out[0] = '\0';
    return not_yet(err);
}

void job_info_clear(job_info *info)
{
    (void)info;
}

int job_store_get(db_conn *conn, const char *id, job_info *out, nh_error *err)
{
    (void)conn, (void)id;
    memset(out, 0, sizeof *out);
    return not_yet(err);
}

int job_store_asset_processing(db_conn *conn, const char *asset_id, job_asset_processing *out,
                               nh_error *err)
{
    (void)conn, (void)asset_id, (void)err;
    out->state = "idle";
    out->pending = 0;
    out->last_error[0] = '\0';
    return 0;
}

bool job_lease_lost(const job_lease *lease)
{
    (void)lease;
    return false;
}

bool job_cancel_requested(const job_lease *lease)
{
    (void)lease;
    return false;
}

struct job_queue {
    int unused;
};

job_queue *job_queue_create(db *database, const job_queue_settings *settings, nh_error *err)
{
    (void)database, (void)settings, (void)err;
    return calloc(1, sizeof(job_queue));
}

int job_queue_register(job_queue *queue, const char *kind, job_handler handler, void *context)
{
    (void)queue, (void)kind, (void)handler, (void)context;
    return 0;
}

int job_queue_start(job_queue *queue, nh_error *err)
{
    (void)queue, (void)err;
    return 0;
}

void job_queue_notify(job_queue *queue)
{
    (void)queue;
}

void job_queue_stop(job_queue *queue)
{
    (void)queue;
}

void job_queue_destroy(job_queue *queue)
{
    free(queue);
}

int job_queue_wait(job_queue *queue, const char *job_id, int timeout_ms, job_info *out,
                   nh_error *err)
{
    (void)queue, (void)job_id, (void)timeout_ms;
    memset(out, 0, sizeof *out);
    return not_yet(err);
}

void job_metrics_observe_step(const char *step_name, double seconds)
{
    (void)step_name, (void)seconds;
}

int job_metrics_render(db *database, buf *out)
{
    (void)database, (void)out;
    return 0;
}
