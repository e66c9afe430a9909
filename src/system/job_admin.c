/* job_admin.c - a job change and its audit entry in one transaction (see job_admin.h). */
#include "system/job_admin.h"

#include <string.h>

#include "core/clock.h"
#include "jobs/job_store.h"

typedef int (*job_change_fn)(db_conn *conn, const char *id, int64_t now, nh_error *err);

typedef struct job_change {
    const char *id;
    const char *action; /* "job.retry" | "job.cancel" */
    job_change_fn apply;
    const audit_actor *actor;
    job_info after;
} job_change;

static json_t *changes_of(const job_info *before, const job_info *after)
{
    json_t *changes = json_object();
    if (!changes)
        return NULL;
    audit_change(changes, "state", json_string(job_state_name(before->state)),
                 json_string(job_state_name(after->state)));
    if (before->cancel_requested != after->cancel_requested)
        audit_change(changes, "cancelRequested", json_boolean(before->cancel_requested),
                     json_boolean(after->cancel_requested));
    if (before->attempts != after->attempts)
        audit_change(changes, "attempts", json_integer(before->attempts),
                     json_integer(after->attempts));
    return changes;
}

static int change_step(db_conn *conn, void *context, nh_error *err)
{
    job_change *change = context;
    job_info before;
    if (job_store_get(conn, change->id, &before, err) != 0)
        return -1;
    int rc = change->apply(conn, change->id, clock_now_ms(), err);
    if (rc == 0)
        rc = job_store_get(conn, change->id, &change->after, err);
    json_t *changes = rc == 0 ? changes_of(&before, &change->after) : NULL;
    if (rc == 0 && !changes)
        rc = error_internal(err);
    if (rc == 0) {
        audit_entry entry = {.action = change->action,
                             .target_type = "job",
                             .target_id = change->id,
                             .target_name = change->after.kind,
                             .changes = changes};
        rc = audit_record(conn, change->actor, &entry, err);
    }
    json_decref(changes);
    job_info_clear(&before);
    return rc;
}

static int change_job(job_queue *queue, const char *id, const char *action, job_change_fn apply,
                      const audit_actor *actor, job_info *after, nh_error *err)
{
    job_change change = {.id = id, .action = action, .apply = apply, .actor = actor};
    memset(&change.after, 0, sizeof change.after);
    if (db_transaction(job_queue_database(queue), change_step, &change, err) != 0) {
        job_info_clear(&change.after);
        memset(after, 0, sizeof *after);
        return -1;
    }
    job_queue_notify(queue); /* a retried job is runnable now */
    *after = change.after;
    return 0;
}

int job_admin_cancel(job_queue *queue, const char *id, const audit_actor *actor, job_info *after,
                     nh_error *err)
{
    return change_job(queue, id, "job.cancel", job_store_cancel, actor, after, err);
}

int job_admin_retry(job_queue *queue, const char *id, const audit_actor *actor, job_info *after,
                    nh_error *err)
{
    return change_job(queue, id, "job.retry", job_store_retry, actor, after, err);
}
