/* jobs_http.c - the jobs API handlers (see jobs_http.h); request->context is the job queue. */
#include "system/jobs_http.h"

#include <stdlib.h>
#include <string.h>

#include "audit/audit_http.h"
#include "core/json_input.h"
#include "core/log.h"
#include "http/paging.h"
#include "jobs/job_json.h"
#include "jobs/job_store.h"
#include "jobs/job_test_kind.h"
#include "system/job_admin.h"

static const char *nonblank_query(const http_request *request, const char *name)
{
    const char *text = http_request_query(request, name);
    return text && *text ? text : NULL;
}

static int parse_filter(const http_request *request, job_list_filter *filter,
                        char asset_id[UUID_TEXT_SIZE], nh_error *err)
{
    memset(filter, 0, sizeof *filter);
    const char *state = nonblank_query(request, "state");
    if (state) {
        if (job_state_parse(state, &filter->state) != 0)
            return error_set(err, 400, "job_state_invalid",
                             "The state must be queued, running, succeeded, failed or "
                             "cancelled.");
        filter->has_state = true;
    }
    const char *asset = nonblank_query(request, "assetId");
    if (asset) {
        if (!uuid_parse(asset, asset_id))
            return error_set(err, 400, "request_invalid", "The assetId parameter must be a GUID.");
        filter->asset_id = asset_id;
    }
    return 0;
}

static json_t *counts_json(const job_counts *counts)
{
    json_t *object = json_object();
    for (int state = JOB_STATE_QUEUED; object && state <= JOB_STATE_CANCELLED; state++)
        json_object_set_new(object, job_state_name((job_state)state),
                            json_integer(counts->by_state[state]));
    return object;
}

void jobs_http_list(http_request *request, http_response *response)
{
    job_queue *queue = request->context;
    job_list_filter filter;
    char asset_id[UUID_TEXT_SIZE];
    paging page;
    nh_error err;
    json_t *items = NULL;
    int64_t total = 0;
    job_counts counts;
    if (parse_filter(request, &filter, asset_id, &err) != 0 ||
        paging_parse(request, 50, 200, &page, &err) != 0 ||
        job_store_list(job_queue_database(queue), &filter, page.size, page.offset, &items, &total,
                       &counts, &err) != 0) {
        http_reply_error(response, &err);
        return;
    }
    http_reply_data(response, 200,
                    json_pack("{s:o, s:i, s:i, s:I, s:o}", "items", items, "page", page.number,
                              "pageSize", page.size, "total", (json_int_t)total, "counts",
                              counts_json(&counts)));
}

static int read_job(db *database, const char *id, job_info *out, nh_error *err)
{
    db_conn *conn = db_acquire(database, err);
    if (!conn) {
        memset(out, 0, sizeof *out);
        return -1;
    }
    int rc = job_store_get(conn, id, out, err);
    db_release(database, conn);
    return rc;
}

static void reply_job(http_response *response, const job_info *info)
{
    json_t *item = job_json(info);
    if (!item) {
        nh_error err;
        error_internal(&err);
        http_reply_error(response, &err);
        return;
    }
    http_reply_data(response, 200, item);
}

void jobs_http_get(http_request *request, http_response *response)
{
    job_queue *queue = request->context;
    job_info info;
    nh_error err;
    if (read_job(job_queue_database(queue), http_request_param(request, "id"), &info, &err) != 0) {
        http_reply_error(response, &err);
        return;
    }
    reply_job(response, &info);
    job_info_clear(&info);
}

/* ---- retry and cancel: the change and its audit entry in one transaction (job_admin.h) ---- */

typedef int (*job_admin_fn)(job_queue *queue, const char *id, const audit_actor *actor,
                            job_info *after, nh_error *err);

static void change_job(http_request *request, http_response *response, job_admin_fn change)
{
    job_queue *queue = request->context;
    audit_actor actor = audit_actor_of(request);
    job_info after;
    nh_error err;
    if (change(queue, http_request_param(request, "id"), &actor, &after, &err) != 0) {
        http_reply_error(response, &err);
        return;
    }
    reply_job(response, &after);
    job_info_clear(&after);
}

void jobs_http_retry(http_request *request, http_response *response)
{
    change_job(request, response, job_admin_retry);
}

void jobs_http_cancel(http_request *request, http_response *response)
{
    change_job(request, response, job_admin_cancel);
}

/* ---- test builds: enqueue test.sleep jobs --------------------------------------------------- */

#ifdef NEKOHUB_TEST_BUILD

typedef struct test_enqueue {
    const char *asset_id;
    char *payload;
    int max_attempts;
    int count;
    json_t *ids;
} test_enqueue;

static int test_enqueue_step(db_conn *conn, void *context, nh_error *err)
{
    test_enqueue *batch = context;
    for (int i = 0; i < batch->count; i++) {
        job_new new_job = {.kind = JOB_KIND_TEST_SLEEP,
                           .asset_id = batch->asset_id,
                           .payload_json = batch->payload,
                           .trigger_source = "manual",
                           .max_attempts = batch->max_attempts};
        char id[UUID_TEXT_SIZE];
        if (job_store_enqueue(conn, &new_job, id, err) != 0)
            return -1;
        json_array_append_new(batch->ids, json_string(id));
    }
    return 0;
}

static int parse_test_enqueue(const json_t *body, char asset_id[UUID_TEXT_SIZE],
                              test_enqueue *batch, nh_error *err)
{
    const json_t *payload = json_input_get(body, "payload");
    const json_t *asset = json_input_get(body, "assetId");
    const json_t *attempts = json_input_get(body, "maxAttempts");
    const json_t *count = json_input_get(body, "count");
    batch->max_attempts = attempts ? (int)json_integer_value(attempts) : 5;
    batch->count = count ? (int)json_integer_value(count) : 1;
    if (asset && !json_is_null(asset)) {
        if (!uuid_parse(json_string_value(asset), asset_id))
            return error_set(err, 400, "request_invalid", "assetId must be a GUID.");
        batch->asset_id = asset_id;
    }
    if (batch->max_attempts < 1 || batch->count < 1 || batch->count > 500)
        return error_set(err, 400, "request_invalid", "maxAttempts or count is out of range.");
    batch->payload = json_is_object(payload) ? json_dumps(payload, JSON_COMPACT) : strdup("{}");
    batch->ids = json_array();
    if (!batch->payload || !batch->ids)
        return error_internal(err);
    return 0;
}

void jobs_http_test_enqueue(http_request *request, http_response *response)
{
    job_queue *queue = request->context;
    nh_error err;
    if (!job_test_kind_enabled()) {
        error_set(&err, 404, "not_found", "Test jobs are not enabled.");
        http_reply_error(response, &err);
        return;
    }
    char asset_id[UUID_TEXT_SIZE];
    test_enqueue batch = {0};
    int rc = parse_test_enqueue(request->json, asset_id, &batch, &err);
    if (rc == 0)
        rc = db_transaction(job_queue_database(queue), test_enqueue_step, &batch, &err);
    free(batch.payload);
    if (rc != 0) {
        json_decref(batch.ids);
        http_reply_error(response, &err);
        return;
    }
    job_queue_notify(queue);
    http_reply_data(response, 201, json_pack("{s:o}", "ids", batch.ids));
}

#endif
