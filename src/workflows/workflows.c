/* workflows.c - workflow profiles: the service's life cycle, reads, create, replace, delete and
 * the auto-run switch (see workflows.h). Runs and the auto-run hook are in workflow_run.c. */
#include "workflows/workflows.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/json_input.h"
#include "core/text.h"
#include "core/uuid.h"
#include "storage/profile_store.h"
#include "workflows/workflow_graph.h"
#include "workflows/workflow_store.h"

int workflows_service_create(db *database, processing_service *processing, workflows_service **out,
                             nh_error *err)
{
    *out = calloc(1, sizeof **out);
    if (!*out)
        return error_internal(err);
    (*out)->database = database;
    (*out)->processing = processing;
    return 0;
}

void workflows_service_free(workflows_service *service)
{
    free(service);
}

static int not_found(const char *id, nh_error *err)
{
    return error_set(err, 404, "workflow_profile_not_found", "Workflow profile '%s' was not found.",
                     id ? id : "");
}

/* ---- the profile as JSON ----------------------------------------------------------------- */

static json_t *time_json(int64_t unix_ms)
{
    char text[CLOCK_ISO_SIZE];
    clock_format_iso(unix_ms, text);
    return json_string(text);
}

static json_t *profile_json(const workflow_record *w)
{
    return json_pack("{s:s, s:s, s:o, s:b, s:s, s:o, s:o}", "id", w->id, "name", w->name,
                     "description", w->description ? json_string(w->description) : json_null(),
                     "isAutoRun", w->is_auto_run, "graphJson", w->graph_json, "createdAtUtc",
                     time_json(w->created_at), "updatedAtUtc", time_json(w->updated_at));
}

/* The profile row of id rendered into *out; 404 when it is not there. */
static int find_profile(db_conn *conn, const char *id, json_t **out, nh_error *err)
{
    db_result *rows = NULL;
    if (workflow_store_find(conn, id, &rows, err) != 0)
        return -1;
    int rc = 0;
    if (db_result_rows(rows) == 0) {
        rc = not_found(id, err);
    } else {
        workflow_record workflow;
        workflow_record_from_row(rows, 0, &workflow);
        *out = profile_json(&workflow);
        rc = *out ? 0 : error_internal(err);
    }
    db_result_free(rows);
    return rc;
}

/* ---- reads -------------------------------------------------------------------------------- */

static int list_on(db_conn *conn, json_t **out, nh_error *err)
{
    db_result *rows = NULL;
    if (workflow_store_list(conn, &rows, err) != 0)
        return -1;
    *out = json_array();
    for (size_t row = 0; *out && row < db_result_rows(rows); row++) {
        workflow_record workflow;
        workflow_record_from_row(rows, row, &workflow);
        if (json_array_append_new(*out, profile_json(&workflow)) != 0) {
            json_decref(*out);
            *out = NULL;
        }
    }
    db_result_free(rows);
    return *out ? 0 : error_internal(err);
}

int workflows_list(workflows_service *service, json_t **out, nh_error *err)
{
    *out = NULL;
    db_conn *conn = db_acquire(service->database, err);
    if (!conn)
        return -1;
    int rc = list_on(conn, out, err);
    db_release(service->database, conn);
    return rc;
}

int workflows_get(workflows_service *service, const char *id, json_t **out, nh_error *err)
{
    *out = NULL;
    db_conn *conn = db_acquire(service->database, err);
    if (!conn)
        return -1;
    int rc = find_profile(conn, id, out, err);
    db_release(service->database, conn);
    return rc;
}

/* ---- the body ----------------------------------------------------------------------------- */

typedef struct workflow_input {
    const char *name; /* NULL when absent or null */
    const char *description;
    const char *graph_json;
    bool is_auto_run;
} workflow_input;

/* A member that must be a string, or null or absent (*out NULL). */
static int member_text(const json_t *body, const char *name, const char **out, nh_error *err)
{
    const json_t *value = json_input_get(body, name);
    *out = json_string_value(value);
    if (!value || json_is_null(value) || json_is_string(value))
        return 0;
    return error_set(err, 400, "request_invalid", "The member '%s' must be a string or null.",
                     name);
}

/* Model binding: an object whose members have the right types. */
static int read_input(const json_t *body, workflow_input *in, nh_error *err)
{
    memset(in, 0, sizeof *in);
    if (!json_is_object(body))
        return error_set(err, 400, "request_invalid", "The request body must be a JSON object.");
    if (member_text(body, "name", &in->name, err) != 0 ||
        member_text(body, "description", &in->description, err) != 0 ||
        member_text(body, "graphJson", &in->graph_json, err) != 0)
        return -1;
    const json_t *auto_run = json_input_get(body, "isAutoRun");
    if (auto_run && !json_is_null(auto_run) && !json_is_boolean(auto_run))
        return error_set(err, 400, "request_invalid",
                         "The member 'isAutoRun' must be true, false or null.");
    in->is_auto_run = json_is_true(auto_run);
    return 0;
}

/* ---- a profile being written -------------------------------------------------------------- */

typedef struct workflow_draft {
    char id[UUID_TEXT_SIZE];
    char *name;        /* trimmed */
    char *name_key;    /* profile_name_key */
    char *description; /* trimmed, NULL when blank */
    char *graph_json;  /* trimmed */
    bool is_auto_run;
    int64_t created_at;
    int64_t updated_at;
} workflow_draft;

static void draft_clear(workflow_draft *d)
{
    free(d->name);
    free(d->name_key);
    free(d->description);
    free(d->graph_json);
    d->name = d->name_key = d->description = d->graph_json = NULL;
}

static int too_long(const char *code, const char *field, int limit, nh_error *err)
{
    return error_set(err, 400, code, "%s must be at most %d characters long.", field, limit);
}

/* §12.2's checks of name, description and graphJson in order, onto the draft (no database). */
static int draft_fill(const workflow_input *in, workflow_draft *d, nh_error *err)
{
    draft_clear(d);
    if (text_is_blank(in->name))
        return error_set(err, 400, "workflow_profile_name_required", "name is required.");
    d->name = text_trimmed_copy(in->name);
    d->name_key = profile_name_key(in->name);
    if (!d->name || !d->name_key)
        return error_internal(err);
    if (text_utf8_length(d->name) > WORKFLOW_NAME_MAX_CHARS)
        return too_long("workflow_profile_name_too_long", "name", WORKFLOW_NAME_MAX_CHARS, err);
    if (!text_is_blank(in->description)) {
        d->description = text_trimmed_copy(in->description);
        if (!d->description)
            return error_internal(err);
        if (text_utf8_length(d->description) > WORKFLOW_DESCRIPTION_MAX_CHARS)
            return too_long("workflow_profile_description_too_long", "description",
                            WORKFLOW_DESCRIPTION_MAX_CHARS, err);
    }
    if (text_is_blank(in->graph_json))
        return error_set(err, 400, "workflow_profile_graph_json_required",
                         "graphJson is required.");
    d->graph_json = text_trimmed_copy(in->graph_json);
    if (!d->graph_json)
        return error_internal(err);
    d->is_auto_run = in->is_auto_run;
    return workflow_graph_check(d->graph_json, err);
}

static void draft_record(const workflow_draft *d, workflow_record *out)
{
    *out = (workflow_record){.id = d->id,
                             .name = d->name,
                             .normalized_name = d->name_key,
                             .description = d->description,
                             .is_auto_run = d->is_auto_run,
                             .graph_json = d->graph_json,
                             .created_at = d->created_at,
                             .updated_at = d->updated_at};
}

static int check_name_free(db_conn *conn, const workflow_draft *d, nh_error *err)
{
    bool taken = false;
    if (workflow_store_name_taken(conn, d->name_key, d->id, &taken, err) != 0)
        return -1;
    if (taken)
        return error_set(err, 400, "workflow_profile_name_conflict",
                         "A workflow profile named '%s' already exists.", d->name);
    return 0;
}

/* ---- audit -------------------------------------------------------------------------------- */

static json_t *text_json(const char *text)
{
    return text ? json_string(text) : json_null();
}

/* The skill ids of a graph as written (null when it does not parse): what the audit shows of
 * a graph instead of its whole text. */
static json_t *skill_ids_json(const char *graph_json)
{
    workflow_graph graph;
    nh_error ignored;
    if (!graph_json || workflow_graph_parse(graph_json, &graph, &ignored) != 0)
        return json_null();
    json_t *ids = workflow_graph_skill_ids(&graph);
    workflow_graph_clear(&graph);
    return ids ? ids : json_null();
}

static bool same_text(const char *a, const char *b)
{
    return (a == NULL) == (b == NULL) && (!a || !strcmp(a, b));
}

/* What differs between before (NULL for a new profile) and after (NULL when deleted) into
 * changes. */
static void add_changes(json_t *changes, const workflow_record *before,
                        const workflow_record *after)
{
    const char *names[] = {"name", "description"};
    const char *old_texts[] = {before ? before->name : NULL, before ? before->description : NULL};
    const char *new_texts[] = {after ? after->name : NULL, after ? after->description : NULL};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!same_text(old_texts[i], new_texts[i]))
            audit_change(changes, names[i], text_json(old_texts[i]), text_json(new_texts[i]));
    bool auto_run[2] = {before && before->is_auto_run, after && after->is_auto_run};
    if (auto_run[0] != auto_run[1])
        audit_change(changes, "isAutoRun", json_boolean(auto_run[0]), json_boolean(auto_run[1]));
    const char *graphs[2] = {before ? before->graph_json : NULL, after ? after->graph_json : NULL};
    if (!same_text(graphs[0], graphs[1]))
        audit_change(changes, "skillIds", skill_ids_json(graphs[0]), skill_ids_json(graphs[1]));
}

/* One entry; changes (may be NULL: made here) is borrowed. */
static int audit_workflow(db_conn *conn, const audit_actor *actor, const char *action,
                          const workflow_record *before, const workflow_record *after,
                          json_t *changes, nh_error *err)
{
    const workflow_record *subject = after ? after : before;
    add_changes(changes, before, after);
    audit_entry entry = {.action = action,
                         .target_type = "workflow",
                         .target_id = subject->id,
                         .target_name = subject->name,
                         .changes = changes};
    return audit_record(conn, actor, &entry, err);
}

/* ---- writing ------------------------------------------------------------------------------ */

/* Every write of profiles: one transaction behind the lock row. A unique index that still
 * refused a write (a row written around the service) is a 409 to try again. What the step
 * rendered into *rendered (may be NULL) is handed to *out on success, dropped otherwise. */
static int write_transaction(workflows_service *service, db_transaction_step step, void *context,
                             json_t **rendered, json_t **out, nh_error *err)
{
    int rc = db_transaction(service->database, step, context, err);
    if (rc == DB_CONSTRAINT)
        error_set(err, 409, "workflow_profile_conflict",
                  "The workflow profiles changed meanwhile; try again.");
    if (rendered && rc == 0)
        *out = *rendered;
    else if (rendered)
        json_decref(*rendered);
    return rc == 0 ? 0 : -1;
}

/* Make id the one auto-run profile's place free: clear the flag on another profile, noting
 * which one it was in changes. */
static int take_auto_run(db_conn *conn, const char *id, int64_t now, json_t *changes, nh_error *err)
{
    db_result *rows = NULL;
    if (workflow_store_find_auto_run(conn, &rows, err) != 0)
        return -1;
    const char *previous = db_result_rows(rows) ? db_result_text(rows, 0, 0) : NULL;
    int rc = 0;
    if (previous && strcmp(previous, id) != 0) {
        audit_change(changes, "previousAutoRunWorkflowId", json_string(previous), json_null());
        rc = workflow_store_clear_auto_run(conn, id, now, err);
    }
    db_result_free(rows);
    return rc;
}

typedef struct write_context {
    const audit_actor *actor;
    const workflow_input *input;
    const char *id; /* NULL: create */
    workflow_draft draft;
    json_t *out;
} write_context;

/* The stored profile of a replacement (404 when it is not there) into *rows / *before. */
static int find_for_write(db_conn *conn, const char *id, db_result **rows, workflow_record *before,
                          nh_error *err)
{
    if (workflow_store_find(conn, id, rows, err) != 0)
        return -1;
    if (db_result_rows(*rows) == 0)
        return not_found(id, err);
    workflow_record_from_row(*rows, 0, before);
    return 0;
}

/* Write the validated draft (insert or update) with its audit entry, and render it. */
static int write_draft(db_conn *conn, write_context *c, const workflow_record *before,
                       nh_error *err)
{
    workflow_draft *d = &c->draft;
    d->updated_at = clock_now_ms();
    d->created_at = before ? before->created_at : d->updated_at;
    json_t *changes = json_object();
    if (!changes)
        return error_internal(err);
    int rc = d->is_auto_run ? take_auto_run(conn, d->id, d->updated_at, changes, err) : 0;
    workflow_record after;
    draft_record(d, &after);
    if (rc == 0)
        rc = before ? workflow_store_update(conn, &after, err)
                    : workflow_store_insert(conn, &after, err);
    if (rc == 0)
        rc = audit_workflow(conn, c->actor, before ? "workflow.updated" : "workflow.created",
                            before, &after, changes, err);
    json_decref(changes);
    if (rc == 0 && !(c->out = profile_json(&after)))
        rc = error_internal(err);
    return rc;
}

static int write_step(db_conn *conn, void *context, nh_error *err)
{
    write_context *c = context;
    if (workflow_store_lock(conn, err) != 0)
        return -1;
    db_result *rows = NULL;
    workflow_record before;
    int rc = c->id ? find_for_write(conn, c->id, &rows, &before, err) : 0;
    if (rc == 0)
        rc = draft_fill(c->input, &c->draft, err);
    if (rc == 0)
        rc = check_name_free(conn, &c->draft, err);
    if (rc == 0)
        rc = write_draft(conn, c, c->id ? &before : NULL, err);
    db_result_free(rows);
    return rc;
}

static int write_profile(workflows_service *service, const audit_actor *actor, const char *id,
                         const json_t *body, json_t **out, nh_error *err)
{
    *out = NULL;
    workflow_input input;
    if (read_input(body, &input, err) != 0)
        return -1;
    write_context c = {.actor = actor, .input = &input, .id = id};
    if (id)
        snprintf(c.draft.id, sizeof c.draft.id, "%s", id);
    else
        uuid_v7(c.draft.id);
    int rc = write_transaction(service, write_step, &c, &c.out, out, err);
    draft_clear(&c.draft);
    return rc;
}

int workflows_create(workflows_service *service, const audit_actor *actor, const json_t *body,
                     json_t **out, nh_error *err)
{
    return write_profile(service, actor, NULL, body, out, err);
}

int workflows_replace(workflows_service *service, const audit_actor *actor, const char *id,
                      const json_t *body, json_t **out, nh_error *err)
{
    return write_profile(service, actor, id, body, out, err);
}

/* ---- delete ------------------------------------------------------------------------------- */

typedef struct delete_context {
    const audit_actor *actor;
    const char *id;
} delete_context;

static int delete_step(db_conn *conn, void *context, nh_error *err)
{
    delete_context *c = context;
    if (workflow_store_lock(conn, err) != 0)
        return -1;
    db_result *rows = NULL;
    workflow_record before;
    bool deleted = false;
    int rc = find_for_write(conn, c->id, &rows, &before, err);
    if (rc == 0)
        rc = workflow_store_delete(conn, c->id, &deleted, err);
    json_t *changes = rc == 0 ? json_object() : NULL;
    if (rc == 0)
        rc = changes
                 ? audit_workflow(conn, c->actor, "workflow.deleted", &before, NULL, changes, err)
                 : error_internal(err);
    json_decref(changes);
    db_result_free(rows);
    return rc;
}

int workflows_delete(workflows_service *service, const audit_actor *actor, const char *id,
                     nh_error *err)
{
    delete_context c = {actor, id};
    return write_transaction(service, delete_step, &c, NULL, NULL, err);
}

/* ---- the auto-run switch ------------------------------------------------------------------ */

typedef struct auto_run_context {
    const audit_actor *actor;
    const char *id;
    json_t *out;
} auto_run_context;

/* Set the flag on the stored profile before (already locked and found) and audit it. */
static int switch_to(db_conn *conn, const audit_actor *actor, const workflow_record *before,
                     json_t **out, nh_error *err)
{
    json_t *changes = json_object();
    if (!changes)
        return error_internal(err);
    workflow_record after = *before;
    after.is_auto_run = true;
    after.updated_at = clock_now_ms();
    int rc = take_auto_run(conn, before->id, after.updated_at, changes, err);
    if (rc == 0)
        rc = workflow_store_update(conn, &after, err);
    if (rc == 0)
        rc = audit_workflow(conn, actor, "workflow.autorun", before, &after, changes, err);
    json_decref(changes);
    if (rc == 0 && !(*out = profile_json(&after)))
        rc = error_internal(err);
    return rc;
}

static int auto_run_step(db_conn *conn, void *context, nh_error *err)
{
    auto_run_context *c = context;
    if (workflow_store_lock(conn, err) != 0)
        return -1;
    db_result *rows = NULL;
    workflow_record before;
    int rc = find_for_write(conn, c->id, &rows, &before, err);
    if (rc == 0 && before.is_auto_run)
        rc = (c->out = profile_json(&before)) ? 0 : error_internal(err); /* nothing to change */
    else if (rc == 0)
        rc = switch_to(conn, c->actor, &before, &c->out, err);
    db_result_free(rows);
    return rc;
}

int workflows_set_auto_run(workflows_service *service, const audit_actor *actor, const char *id,
                           json_t **out, nh_error *err)
{
    *out = NULL;
    auto_run_context c = {actor, id, NULL};
    return write_transaction(service, auto_run_step, &c, &c.out, out, err);
}
