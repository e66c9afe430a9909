/* ai_profiles.c - AI provider profiles: list, active, create, tri-state update, delete, and their
 * JSON and audit entries (see ai.h; spec processing.md §10.1-§10.3). */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ai/ai_fields.h"
#include "ai/ai_internal.h"
#include "core/clock.h"
#include "core/json_input.h"
#include "core/uuid.h"
#include "storage/profile_store.h"

#define AI_WRITE_ATTEMPTS 5

/* ---- JSON ----------------------------------------------------------------------------------- */

static json_t *text_or_null(const char *text)
{
    return text ? json_string(text) : json_null();
}

json_t *ai_profile_json(const ai_profile_record *p)
{
    char created[CLOCK_ISO_SIZE], updated[CLOCK_ISO_SIZE];
    clock_format_iso(p->created_at, created);
    clock_format_iso(p->updated_at, updated);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s?, s:b, s:s, s:s}", "id", p->id, "name", p->name,
                     "apiBaseUrl", p->api_base_url, "apiKey", p->api_key_mask, "modelName",
                     p->model_name, "defaultSystemPrompt", p->default_system_prompt, "isActive",
                     p->is_active, "createdAtUtc", created, "updatedAtUtc", updated);
}

/* ---- errors and transactions ---------------------------------------------------------------- */

static int not_found(const char *id, nh_error *err)
{
    return error_set(err, 404, "ai_provider_profile_not_found",
                     "AI provider profile '%s' was not found.", id ? id : "");
}

static int request_invalid(const char *member, const char *kind, nh_error *err)
{
    return error_set(err, 400, "request_invalid", "'%s' must be %s.", member, kind);
}

/* A write that lost a race on a unique index runs again (the lock row makes that rare). */
static int write_transaction(ai_service *service, db_transaction_step step, void *context,
                             nh_error *err)
{
    int rc = DB_CONSTRAINT;
    for (int attempt = 0; attempt < AI_WRITE_ATTEMPTS && rc == DB_CONSTRAINT; attempt++)
        rc = db_transaction(service->database, step, context, err);
    if (rc == DB_CONSTRAINT)
        return error_set(err, 409, "ai_provider_profile_conflict",
                         "The AI provider profiles changed meanwhile; try again.");
    return rc == 0 ? 0 : -1;
}

/* Inside a write's transaction: the lock row, then the profile (404 when unknown). *rows owns
 * what *out points into. */
static int find_for_write(db_conn *conn, const char *id, db_result **rows, ai_profile_record *out,
                          nh_error *err)
{
    *rows = NULL;
    if (ai_profile_store_lock(conn, err) != 0 || ai_profile_store_find(conn, id, rows, err) != 0)
        return -1;
    if (db_result_rows(*rows) > 0) {
        ai_profile_record_from_row(*rows, 0, out);
        return 0;
    }
    db_result_free(*rows);
    *rows = NULL;
    return not_found(id, err);
}

/* ---- the body ------------------------------------------------------------------------------- */

typedef struct body_text {
    bool present;
    const char *value; /* NULL for JSON null or absent */
} body_text;

typedef struct profile_body {
    body_text name, base_url, key, model, prompt;
    bool active_present;
    bool active; /* when present */
} profile_body;

static int body_text_of(const json_t *body, const char *member, body_text *out, nh_error *err)
{
    const json_t *value = json_input_get(body, member);
    out->present = value != NULL;
    out->value = json_string_value(value);
    if (value && !json_is_null(value) && !json_is_string(value))
        return request_invalid(member, "a string", err);
    return 0;
}

/* The members' kinds (request_invalid naming the member); isActive null is refused only when
 * patching (create reads it as absent). */
static int parse_body(const json_t *body, bool patching, profile_body *out, nh_error *err)
{
    memset(out, 0, sizeof *out);
    if (!json_is_object(body))
        return error_set(err, 400, "request_invalid", "A JSON object body is required.");
    if (body_text_of(body, "name", &out->name, err) != 0 ||
        body_text_of(body, "apiBaseUrl", &out->base_url, err) != 0 ||
        body_text_of(body, "apiKey", &out->key, err) != 0 ||
        body_text_of(body, "modelName", &out->model, err) != 0 ||
        body_text_of(body, "defaultSystemPrompt", &out->prompt, err) != 0)
        return -1;
    const json_t *active = json_input_get(body, "isActive");
    if (active && !json_is_boolean(active) && (patching || !json_is_null(active)))
        return request_invalid("isActive", "true or false", err);
    out->active_present = json_is_boolean(active);
    out->active = json_is_true(active);
    return 0;
}

/* ---- a profile being written ---------------------------------------------------------------- */

typedef struct profile_draft {
    char id[UUID_TEXT_SIZE];
    char *name;
    char *name_key;
    char *base_url;
    char *sealed;
    char *mask;
    char *model;
    char *prompt; /* NULL: the standard prompt */
    bool is_active;
    int64_t created_at;
    int64_t updated_at;
} profile_draft;

static void draft_free(profile_draft *d)
{
    free(d->name);
    free(d->name_key);
    free(d->base_url);
    free(d->sealed);
    free(d->mask);
    free(d->model);
    free(d->prompt);
    memset(d, 0, sizeof *d);
}

static void draft_record(const profile_draft *d, ai_profile_record *out)
{
    *out = (ai_profile_record){.id = d->id,
                               .name = d->name,
                               .normalized_name = d->name_key,
                               .api_base_url = d->base_url,
                               .api_key_sealed = d->sealed,
                               .api_key_mask = d->mask,
                               .model_name = d->model,
                               .default_system_prompt = d->prompt,
                               .is_active = d->is_active,
                               .created_at = d->created_at,
                               .updated_at = d->updated_at};
}

static char *copy_or_null(const char *text, bool *failed)
{
    char *copy = text ? strdup(text) : NULL;
    if (text && !copy)
        *failed = true;
    return copy;
}

static int draft_from_record(const ai_profile_record *p, profile_draft *d, nh_error *err)
{
    bool failed = false;
    snprintf(d->id, sizeof d->id, "%s", p->id);
    d->name = copy_or_null(p->name, &failed);
    d->name_key = copy_or_null(p->normalized_name, &failed);
    d->base_url = copy_or_null(p->api_base_url, &failed);
    d->sealed = copy_or_null(p->api_key_sealed, &failed);
    d->mask = copy_or_null(p->api_key_mask, &failed);
    d->model = copy_or_null(p->model_name, &failed);
    d->prompt = copy_or_null(p->default_system_prompt, &failed);
    d->is_active = p->is_active;
    d->created_at = p->created_at;
    d->updated_at = p->updated_at;
    return failed ? error_internal(err) : 0;
}

/* Replace *slot with value (owned). */
static void replace(char **slot, char *value)
{
    free(*slot);
    *slot = value;
}

/* The key: trimmed and checked, its mask, and sealed with the draft's id as associated data. */
static int draft_key(const ai_service *service, profile_draft *d, const char *raw, nh_error *err)
{
    char *key = NULL;
    if (ai_field_api_key(raw, &key, err) != 0)
        return -1;
    char *sealed = NULL;
    int rc = service->box ? secret_box_seal(service->box, (const unsigned char *)key, strlen(key),
                                            d->id, &sealed, err)
                          : error_internal(err);
    char *mask = rc == 0 ? ai_key_mask(key) : NULL;
    sodium_memzero(key, strlen(key));
    free(key);
    if (rc == 0 && !mask)
        rc = error_internal(err);
    if (rc != 0) {
        free(sealed);
        return -1;
    }
    replace(&d->sealed, sealed);
    replace(&d->mask, mask);
    return 0;
}

/* The body's fields onto the draft in §10.2's order: every one when creating (absent =
 * missing), only those present when patching. */
static int draft_apply(const ai_service *service, const profile_body *b, bool creating,
                       profile_draft *d, nh_error *err)
{
    char *value = NULL;
    if (creating || b->name.present) {
        if (ai_field_name(b->name.value, &value, err) != 0)
            return -1;
        replace(&d->name, value);
        replace(&d->name_key, profile_name_key(d->name));
        if (!d->name_key)
            return error_internal(err);
    }
    if (creating || b->base_url.present) {
        if (ai_field_base_url(b->base_url.value, &value, err) != 0)
            return -1;
        replace(&d->base_url, value);
    }
    if ((creating || b->key.present) && draft_key(service, d, b->key.value, err) != 0)
        return -1;
    if (creating || b->model.present) {
        if (ai_field_model(b->model.value, &value, err) != 0)
            return -1;
        replace(&d->model, value);
    }
    if (creating || b->prompt.present) {
        if (ai_field_prompt(b->prompt.value, &value, err) != 0)
            return -1;
        replace(&d->prompt, value);
    }
    return 0;
}

static int check_name_free(db_conn *conn, const profile_draft *d, nh_error *err)
{
    bool taken = false;
    if (ai_profile_store_name_taken(conn, d->name_key, d->id, &taken, err) != 0)
        return -1;
    if (taken)
        return error_set(err, 400, "ai_provider_profile_name_conflict",
                         "An AI provider profile named '%s' already exists.", d->name);
    return 0;
}

/* ---- audit ---------------------------------------------------------------------------------- */

static bool texts_differ(const char *a, const char *b)
{
    return (a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0);
}

/* The plain fields that differ between before and after (either may be NULL); the key only as
 * its mask, and only when it changed. */
static json_t *profile_changes(const ai_profile_record *before, const ai_profile_record *after)
{
    static const ai_profile_record none;
    const ai_profile_record *a = before ? before : &none;
    const ai_profile_record *b = after ? after : &none;
    json_t *changes = json_object();
    const struct {
        const char *field;
        const char *before;
        const char *after;
    } texts[] = {
        {"name", a->name, b->name},
        {"apiBaseUrl", a->api_base_url, b->api_base_url},
        {"modelName", a->model_name, b->model_name},
        {"defaultSystemPrompt", a->default_system_prompt, b->default_system_prompt},
    };
    for (size_t i = 0; changes && i < sizeof texts / sizeof texts[0]; i++)
        if (texts_differ(texts[i].before, texts[i].after))
            audit_change(changes, texts[i].field, text_or_null(texts[i].before),
                         text_or_null(texts[i].after));
    if (changes && texts_differ(a->api_key_sealed, b->api_key_sealed))
        audit_change(changes, "apiKey", text_or_null(a->api_key_mask),
                     text_or_null(b->api_key_mask));
    if (changes && (!before || !after || a->is_active != b->is_active))
        audit_change(changes, "isActive", json_boolean(a->is_active), json_boolean(b->is_active));
    return changes;
}

/* One entry about subject, taking changes. */
static int audit_entry_with(db_conn *conn, const audit_actor *actor, const char *action,
                            const ai_profile_record *subject, json_t *changes, nh_error *err)
{
    return audit_record_changes(conn, actor, action, "ai_provider", subject->id, subject->name,
                                changes, err);
}

static int audit_profile(db_conn *conn, const audit_actor *actor, const char *action,
                         const ai_profile_record *before, const ai_profile_record *after,
                         nh_error *err)
{
    const ai_profile_record *subject = after ? after : before;
    if (!subject)
        return error_internal(err);
    return audit_entry_with(conn, actor, action, subject, profile_changes(before, after), err);
}

/* ---- activation ----------------------------------------------------------------------------- */

/* Make d the active profile: the others are deactivated first (the lock row is held). The
 * previously active profile's id goes to previous ("" when none). */
static int activate(db_conn *conn, profile_draft *d, int64_t now, char previous[UUID_TEXT_SIZE],
                    nh_error *err)
{
    previous[0] = '\0';
    db_result *rows = NULL;
    int rc = ai_profile_store_find_active(conn, &rows, err);
    if (rc == 0 && db_result_rows(rows) > 0)
        snprintf(previous, UUID_TEXT_SIZE, "%s", db_result_text(rows, 0, 0));
    db_result_free(rows);
    if (rc == 0)
        rc = ai_profile_store_deactivate_others(conn, d->id, now, err);
    d->is_active = true;
    return rc;
}

static int audit_activation(db_conn *conn, const audit_actor *actor,
                            const ai_profile_record *profile, const char *previous, nh_error *err)
{
    json_t *changes = json_object();
    if (changes)
        audit_change(changes, "activeProfileId", text_or_null(previous[0] ? previous : NULL),
                     json_string(profile->id));
    return audit_entry_with(conn, actor, "ai_provider.activated", profile, changes, err);
}

/* ---- create --------------------------------------------------------------------------------- */

typedef struct write_context {
    ai_service *service;
    const audit_actor *actor;
    const char *id; /* update, delete */
    profile_body body;
    profile_draft draft;
    bool was_active; /* delete */
    json_t *out;
} write_context;

static int create_step(db_conn *conn, void *context, nh_error *err)
{
    write_context *c = context;
    profile_draft *d = &c->draft;
    if (ai_profile_store_lock(conn, err) != 0 || check_name_free(conn, d, err) != 0)
        return -1;
    d->created_at = d->updated_at = clock_now_ms();
    char previous[UUID_TEXT_SIZE] = "";
    bool activating = c->body.active_present && c->body.active;
    int rc = 0;
    if (!c->body.active_present) { /* omitted: active when no profile is */
        db_result *rows = NULL;
        rc = ai_profile_store_find_active(conn, &rows, err);
        activating = rc == 0 && db_result_rows(rows) == 0;
        db_result_free(rows);
    }
    if (rc == 0 && activating)
        rc = activate(conn, d, d->updated_at, previous, err);
    ai_profile_record record;
    draft_record(d, &record);
    if (rc == 0)
        rc = ai_profile_store_insert(conn, &record, err);
    if (rc != 0)
        return rc; /* DB_CONSTRAINT: retried */
    if (audit_profile(conn, c->actor, "ai_provider.created", NULL, &record, err) != 0 ||
        (activating && audit_activation(conn, c->actor, &record, previous, err) != 0))
        return -1;
    json_decref(c->out);
    c->out = ai_profile_json(&record);
    return c->out ? 0 : error_internal(err);
}

static void write_context_clear(write_context *c)
{
    draft_free(&c->draft);
    json_decref(c->out);
    c->out = NULL;
}

/* Run step; on success hand over c->out. */
static int finish_write(ai_service *service, db_transaction_step step, write_context *c,
                        json_t **out, nh_error *err)
{
    int rc = write_transaction(service, step, c, err);
    if (rc == 0) {
        *out = c->out;
        c->out = NULL;
    }
    write_context_clear(c);
    return rc;
}

int ai_profiles_create(ai_service *service, const audit_actor *actor, const json_t *body,
                       json_t **out, nh_error *err)
{
    *out = NULL;
    write_context c = {.service = service, .actor = actor};
    uuid_v7(c.draft.id);
    if (parse_body(body, false, &c.body, err) != 0 ||
        draft_apply(service, &c.body, true, &c.draft, err) != 0) {
        write_context_clear(&c);
        return -1;
    }
    return finish_write(service, create_step, &c, out, err);
}

/* ---- update --------------------------------------------------------------------------------- */

static int update_step(db_conn *conn, void *context, nh_error *err)
{
    write_context *c = context;
    db_result *rows = NULL;
    ai_profile_record before;
    if (find_for_write(conn, c->id, &rows, &before, err) != 0)
        return -1;
    profile_draft *d = &c->draft;
    draft_free(d);
    int rc = draft_from_record(&before, d, err);
    if (rc == 0)
        rc = draft_apply(c->service, &c->body, false, d, err);
    if (rc == 0)
        rc = check_name_free(conn, d, err);
    int64_t now = clock_now_ms();
    d->updated_at = now > before.updated_at ? now : before.updated_at + 1;
    bool activating = c->body.active_present && c->body.active && !before.is_active;
    char previous[UUID_TEXT_SIZE] = "";
    if (rc == 0 && activating)
        rc = activate(conn, d, d->updated_at, previous, err);
    else if (c->body.active_present)
        d->is_active = c->body.active;
    ai_profile_record after;
    draft_record(d, &after);
    if (rc == 0)
        rc = ai_profile_store_update(conn, &after, err);
    if (rc == 0)
        rc = audit_profile(conn, c->actor, "ai_provider.updated", &before, &after, err);
    if (rc == 0 && activating)
        rc = audit_activation(conn, c->actor, &after, previous, err);
    db_result_free(rows);
    if (rc != 0)
        return rc;
    json_decref(c->out);
    c->out = ai_profile_json(&after);
    return c->out ? 0 : error_internal(err);
}

int ai_profiles_update(ai_service *service, const audit_actor *actor, const char *id,
                       const json_t *body, json_t **out, nh_error *err)
{
    *out = NULL;
    char canonical[UUID_TEXT_SIZE];
    write_context c = {.service = service, .actor = actor, .id = canonical};
    if (parse_body(body, true, &c.body, err) != 0)
        return -1;
    if (!uuid_parse(id, canonical))
        return not_found(id, err);
    return finish_write(service, update_step, &c, out, err);
}

/* ---- delete --------------------------------------------------------------------------------- */

static int delete_step(db_conn *conn, void *context, nh_error *err)
{
    write_context *c = context;
    db_result *rows = NULL;
    ai_profile_record before;
    if (find_for_write(conn, c->id, &rows, &before, err) != 0)
        return -1;
    c->was_active = before.is_active;
    int rc = ai_profile_store_delete(conn, c->id, err);
    if (rc == 0)
        rc = audit_profile(conn, c->actor, "ai_provider.deleted", &before, NULL, err);
    db_result_free(rows);
    return rc;
}

int ai_profiles_delete(ai_service *service, const audit_actor *actor, const char *id, json_t **out,
                       nh_error *err)
{
    *out = NULL;
    char canonical[UUID_TEXT_SIZE];
    write_context c = {.service = service, .actor = actor, .id = canonical};
    if (!uuid_parse(id, canonical))
        return not_found(id, err);
    if (write_transaction(service, delete_step, &c, err) != 0)
        return -1;
    char now[CLOCK_ISO_SIZE];
    clock_format_iso(clock_now_ms(), now);
    *out = json_pack("{s:s, s:b, s:s, s:s}", "id", canonical, "wasActive", c.was_active, "status",
                     "deleted", "deletedAtUtc", now);
    return *out ? 0 : error_internal(err);
}

/* ---- reads ---------------------------------------------------------------------------------- */

/* The rows of query as profile JSON: an array, or the first row (JSON null when none). */
static int read_profiles(ai_service *service, int (*query)(db_conn *, db_result **, nh_error *),
                         bool as_list, json_t **out, nh_error *err)
{
    *out = NULL;
    db_conn *conn = db_acquire(service->database, err);
    if (!conn)
        return -1;
    db_result *rows = NULL;
    int rc = query(conn, &rows, err);
    db_release(service->database, conn);
    if (rc != 0)
        return -1;
    json_t *list = json_array();
    for (size_t row = 0; list && row < db_result_rows(rows); row++) {
        ai_profile_record profile;
        ai_profile_record_from_row(rows, row, &profile);
        if (json_array_append_new(list, ai_profile_json(&profile)) != 0) {
            json_decref(list);
            list = NULL;
        }
    }
    db_result_free(rows);
    if (!list)
        return error_internal(err);
    if (as_list) {
        *out = list;
        return 0;
    }
    json_t *first = json_array_get(list, 0);
    *out = first ? json_incref(first) : json_null();
    json_decref(list);
    return 0;
}

int ai_profiles_list(ai_service *service, json_t **out, nh_error *err)
{
    return read_profiles(service, ai_profile_store_list, true, out, err);
}

int ai_profiles_active(ai_service *service, json_t **out, nh_error *err)
{
    return read_profiles(service, ai_profile_store_find_active, false, out, err);
}
