/* providers.c - storage provider profiles: life cycle of the service, overview, create, update,
 * delete, set-default and the first-start seeding (see providers.h). Test connection, browse
 * and upsert are in provider_ops.c. */
#include "providers/providers.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/clock.h"
#include "core/json_input.h"
#include "core/log.h"
#include "core/text.h"
#include "core/uuid.h"
#include "providers/provider_json.h"
#include "storage/profile_store.h"

#define CONSTRAINT_RETRIES 5

int providers_service_create(const config *cfg, db *database, storage_service *storage_svc,
                             const secret_box *box, providers_service **out, nh_error *err)
{
    *out = calloc(1, sizeof **out);
    if (!*out)
        return error_internal(err);
    (*out)->cfg = cfg;
    (*out)->database = database;
    (*out)->storage = storage_svc;
    (*out)->box = box;
    (*out)->rules.allowed_roots = &cfg->local_allowed_roots;
    (*out)->rules.data_dir = cfg->data_dir;
    return 0;
}

void providers_service_free(providers_service *service)
{
    free(service);
}

/* ---- errors ------------------------------------------------------------------------------ */

static int not_found(const char *id, nh_error *err)
{
    return error_set(err, 404, "storage_provider_profile_not_found",
                     "Storage provider profile '%s' was not found.", id ? id : "");
}

/* Inside a profile write's transaction: take the writers' lock row, then read the profile.
 * *rows owns what *out points into (the caller frees it); 404 when the id is unknown. */
static int find_for_write(db_conn *conn, const char *id, db_result **rows, profile_record *out,
                          nh_error *err)
{
    *rows = NULL;
    if (profile_store_lock(conn, err) != 0 || profile_store_find(conn, id, rows, err) != 0)
        return -1;
    if (db_result_rows(*rows) == 0) {
        db_result_free(*rows);
        *rows = NULL;
        return not_found(id, err);
    }
    profile_record_from_row(*rows, 0, out);
    return 0;
}

static int request_invalid(const char *message, nh_error *err)
{
    return error_set(err, 400, "request_invalid", "%s", message);
}

/* A transaction step that lost a race on a unique index (the name or the one default) runs
 * again: its own checks then see the winner's row. */
static int transaction_with_retries(db *database, db_transaction_step step, void *context,
                                    nh_error *err)
{
    int rc = DB_CONSTRAINT;
    for (int attempt = 0; attempt < CONSTRAINT_RETRIES && rc == DB_CONSTRAINT; attempt++)
        rc = db_transaction(database, step, context, err);
    if (rc == DB_CONSTRAINT)
        return error_set(err, 409, "storage_provider_profile_conflict",
                         "The storage provider profiles changed meanwhile; try again.");
    return rc == 0 ? 0 : -1;
}

/* ---- a profile being written ------------------------------------------------------------- */

typedef struct profile_draft {
    char id[UUID_TEXT_SIZE];
    char *name;         /* trimmed */
    char *name_key;     /* profile_name_key */
    char *display_name; /* trimmed, NULL when blank */
    char type[PROFILE_TYPE_MAX_CHARS * 4 + 1];
    bool is_enabled;
    bool is_default;
    json_t *configuration; /* normalized */
    json_t *secret;        /* normalized, NULL = none */
    char *configuration_text;
    char *secret_sealed;
    char *secret_fields;
    int64_t created_at;
    int64_t updated_at;
} profile_draft;

static void draft_clear_written(profile_draft *d)
{
    free(d->configuration_text);
    free(d->secret_sealed);
    free(d->secret_fields);
    d->configuration_text = d->secret_sealed = d->secret_fields = NULL;
}

static void draft_free(profile_draft *d)
{
    free(d->name);
    free(d->name_key);
    free(d->display_name);
    json_decref(d->configuration);
    json_decref(d->secret);
    draft_clear_written(d);
    memset(d, 0, sizeof *d);
}

/* The texts the row stores: configuration JSON, the sealed secret (AD = the id) and the names
 * of its set fields. */
static int draft_seal(const providers_service *service, profile_draft *d, nh_error *err)
{
    draft_clear_written(d);
    d->configuration_text = json_dumps(d->configuration, JSON_COMPACT);
    json_t *fields = profile_secret_fields(d->type, d->secret);
    d->secret_fields = fields ? json_dumps(fields, JSON_COMPACT) : NULL;
    json_decref(fields);
    if (!d->configuration_text || !d->secret_fields)
        return error_internal(err);
    if (!d->secret)
        return 0;
    if (!service->box)
        return error_internal(err);
    char *plain = json_dumps(d->secret, JSON_COMPACT);
    if (!plain)
        return error_internal(err);
    int rc = secret_box_seal(service->box, (const unsigned char *)plain, strlen(plain), d->id,
                             &d->secret_sealed, err);
    sodium_memzero(plain, strlen(plain));
    free(plain);
    return rc;
}

static void draft_record(const profile_draft *d, profile_record *out)
{
    memset(out, 0, sizeof *out);
    out->id = d->id;
    out->name = d->name;
    out->normalized_name = d->name_key;
    out->display_name = d->display_name;
    out->provider_type = d->type;
    out->is_enabled = d->is_enabled;
    out->is_default = d->is_default;
    out->configuration_json = d->configuration_text;
    out->secret_sealed = d->secret_sealed;
    out->secret_fields_json = d->secret_fields;
    profile_capabilities_of(d->type, &out->capabilities);
    out->created_at = d->created_at;
    out->updated_at = d->updated_at;
}

/* ---- body fields ------------------------------------------------------------------------- */

/* A string member: *present, *out (NULL for JSON null); another kind is request_invalid. */
static int body_string(const json_t *body, const char *name, bool *present, const char **out,
                       nh_error *err)
{
    const json_t *value = json_input_get(body, name);
    *present = value != NULL;
    *out = NULL;
    if (!value || json_is_null(value))
        return 0;
    if (!json_is_string(value)) {
        char message[128];
        snprintf(message, sizeof message, "'%s' must be a string.", name);
        return request_invalid(message, err);
    }
    *out = json_string_value(value);
    return 0;
}

/* A boolean member: fallback when absent; null refused unless allow_null (then fallback). */
static int body_bool(const json_t *body, const char *name, bool fallback, bool allow_null,
                     bool *present, bool *out, nh_error *err)
{
    const json_t *value = json_input_get(body, name);
    *out = fallback;
    if (present)
        *present = value != NULL;
    if (!value || (json_is_null(value) && allow_null))
        return 0;
    if (!json_is_boolean(value)) {
        char message[128];
        snprintf(message, sizeof message, "'%s' must be true or false.", name);
        return request_invalid(message, err);
    }
    *out = json_is_true(value);
    return 0;
}

static int too_long(const char *code, const char *field, int limit, nh_error *err)
{
    return error_set(err, 400, code, "%s must be at most %d characters long.", field, limit);
}

/* The name (required, trimmed, ≤128) into the draft. */
static int draft_name(profile_draft *d, const char *name, nh_error *err)
{
    if (text_is_blank(name))
        return error_set(err, 400, "storage_provider_profile_name_required", "name is required.");
    free(d->name);
    free(d->name_key);
    d->name = text_trimmed_copy(name);
    d->name_key = profile_name_key(name);
    if (!d->name || !d->name_key)
        return error_internal(err);
    if (text_utf8_length(d->name) > PROFILE_NAME_MAX_CHARS)
        return too_long("storage_provider_profile_name_too_long", "name", PROFILE_NAME_MAX_CHARS,
                        err);
    return 0;
}

/* displayName: blank or null → NULL; trimmed; ≤256. */
static int draft_display_name(profile_draft *d, const char *display_name, nh_error *err)
{
    free(d->display_name);
    d->display_name = NULL;
    if (text_is_blank(display_name))
        return 0;
    d->display_name = text_trimmed_copy(display_name);
    if (!d->display_name)
        return error_internal(err);
    if (text_utf8_length(d->display_name) > PROFILE_DISPLAY_NAME_MAX_CHARS)
        return too_long("storage_provider_profile_display_name_too_long", "displayName",
                        PROFILE_DISPLAY_NAME_MAX_CHARS, err);
    return 0;
}

static int check_name_free(db_conn *conn, const profile_draft *d, const char *except_id,
                           nh_error *err)
{
    bool taken = false;
    if (profile_store_name_taken(conn, d->name_key, except_id, &taken, err) != 0)
        return -1;
    if (taken)
        return error_set(err, 400, "storage_provider_profile_name_conflict",
                         "A storage provider profile named '%s' already exists.", d->name);
    return 0;
}

/* configuration (object) and secretConfiguration (absent, null or object) through the type's
 * validator into the draft. stored_secret is used when keep_secret. */
static int draft_configuration(const providers_service *service, profile_draft *d,
                               const json_t *configuration, const json_t *secret, nh_error *err)
{
    if (!json_is_object(configuration))
        return error_set(err, 400, "storage_provider_profile_configuration_required",
                         "configuration must be an object.");
    if (secret && !json_is_null(secret) && !json_is_object(secret))
        return error_set(err, 400, "storage_provider_profile_secret_configuration_invalid",
                         "secretConfiguration must be an object or null.");
    json_t *normalized_configuration = NULL;
    json_t *normalized_secret = NULL;
    if (profile_config_normalize(d->type, configuration, secret, &service->rules,
                                 &normalized_configuration, &normalized_secret, err) != 0)
        return -1;
    json_decref(d->configuration);
    json_decref(d->secret);
    d->configuration = normalized_configuration;
    d->secret = normalized_secret;
    return 0;
}

/* ---- audit ------------------------------------------------------------------------------ */

static json_t *secret_fields_of(const char *json_text)
{
    json_error_t parse_error;
    json_t *names = json_text ? json_loads(json_text, 0, &parse_error) : NULL;
    return names ? names : json_array();
}

static json_t *config_of(const char *json_text)
{
    json_error_t parse_error;
    json_t *value = json_text ? json_loads(json_text, 0, &parse_error) : NULL;
    return value ? value : json_null();
}

static json_t *text_json(const char *text)
{
    return text ? json_string(text) : json_null();
}

/* The plain fields that differ between before (may be NULL) and after (may be NULL); never
 * a secret value: only which secret fields are set. */
static json_t *profile_changes(const profile_record *before, const profile_record *after)
{
    json_t *changes = json_object();
    if (!changes)
        return NULL;
    const char *texts[][3] = {
        {"name", before ? before->name : NULL, after ? after->name : NULL},
        {"displayName", before ? before->display_name : NULL, after ? after->display_name : NULL},
        {"providerType", before ? before->provider_type : NULL,
         after ? after->provider_type : NULL},
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        const char *a = texts[i][1];
        const char *b = texts[i][2];
        if ((a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0))
            audit_change(changes, texts[i][0], text_json(a), text_json(b));
    }
    bool enabled[2] = {before && before->is_enabled, after && after->is_enabled};
    bool is_default[2] = {before && before->is_default, after && after->is_default};
    if (!before || !after || enabled[0] != enabled[1])
        audit_change(changes, "isEnabled", json_boolean(enabled[0]), json_boolean(enabled[1]));
    if (!before || !after || is_default[0] != is_default[1])
        audit_change(changes, "isDefault", json_boolean(is_default[0]),
                     json_boolean(is_default[1]));
    const char *config_before = before ? before->configuration_json : NULL;
    const char *config_after = after ? after->configuration_json : NULL;
    if ((config_before == NULL) != (config_after == NULL) ||
        (config_before && strcmp(config_before, config_after) != 0))
        audit_change(changes, "configuration", config_of(config_before), config_of(config_after));
    const char *sealed_before = before ? before->secret_sealed : NULL;
    const char *sealed_after = after ? after->secret_sealed : NULL;
    if ((sealed_before == NULL) != (sealed_after == NULL) ||
        (sealed_before && strcmp(sealed_before, sealed_after) != 0))
        audit_change(changes, "secretFieldsSet",
                     before ? secret_fields_of(before->secret_fields_json) : json_null(),
                     after ? secret_fields_of(after->secret_fields_json) : json_null());
    return changes;
}

static int audit_profile(db_conn *conn, const audit_actor *actor, const char *action,
                         const profile_record *before, const profile_record *after, nh_error *err)
{
    const profile_record *subject = after ? after : before;
    if (!subject)
        return error_internal(err);
    return audit_record_changes(conn, actor, action, "storage_provider", subject->id, subject->name,
                                profile_changes(before, after), err);
}

/* The profile row id rendered into *out (on conn). */
static int render_profile(db_conn *conn, const char *id, json_t **out, nh_error *err)
{
    db_result *rows = NULL;
    if (profile_store_find(conn, id, &rows, err) != 0)
        return -1;
    int rc = 0;
    if (db_result_rows(rows) == 0) {
        rc = not_found(id, err);
    } else {
        profile_record profile;
        profile_record_from_row(rows, 0, &profile);
        json_decref(*out);
        *out = provider_json_profile(&profile);
        rc = *out ? 0 : error_internal(err);
    }
    db_result_free(rows);
    return rc;
}

/* ---- create ------------------------------------------------------------------------------ */

typedef struct create_context {
    const providers_service *service;
    const audit_actor *actor; /* NULL for the seeding */
    const json_t *body;
    profile_draft draft;
    json_t *out;
} create_context;

/* §4 steps 1-2 and the length limits (no database). */
static int parse_create_head(const json_t *body, profile_draft *d, nh_error *err)
{
    if (!json_is_object(body))
        return request_invalid("A JSON object body is required.", err);
    bool present = false;
    const char *type = NULL;
    const char *name = NULL;
    const char *display_name = NULL;
    if (body_string(body, "providerType", &present, &type, err) != 0 ||
        body_string(body, "name", &present, &name, err) != 0 ||
        body_string(body, "displayName", &present, &display_name, err) != 0 ||
        body_bool(body, "isEnabled", true, true, NULL, &d->is_enabled, err) != 0 ||
        body_bool(body, "isDefault", false, true, NULL, &d->is_default, err) != 0)
        return -1;
    if (text_is_blank(type))
        return error_set(err, 400, "storage_provider_profile_provider_type_required",
                         "providerType is required.");
    char *trimmed_type = text_trimmed_copy(type);
    if (!trimmed_type)
        return error_internal(err);
    size_t type_chars = text_utf8_length(trimmed_type);
    free(trimmed_type);
    if (draft_name(d, name, err) != 0)
        return -1;
    if (type_chars > PROFILE_TYPE_MAX_CHARS)
        return too_long("storage_provider_profile_provider_type_too_long", "providerType",
                        PROFILE_TYPE_MAX_CHARS, err);
    if (!profile_type_canonical(type, d->type, sizeof d->type))
        return error_internal(err);
    return draft_display_name(d, display_name, err);
}

/* §4 steps 4-8 (no database). */
static int parse_create_tail(const providers_service *service, const json_t *body, profile_draft *d,
                             nh_error *err)
{
    if (!profile_type_is_known(d->type))
        return error_set(err, 400, "storage_provider_profile_provider_type_unsupported",
                         "providerType '%s' is not supported.", d->type);
    if (draft_configuration(service, d, json_input_get(body, "configuration"),
                            json_input_get(body, "secretConfiguration"), err) != 0)
        return -1;
    if (d->is_default && !d->is_enabled)
        return error_set(err, 400, "storage_provider_profile_default_requires_enabled",
                         "A default profile must be enabled.");
    return 0;
}

static int create_step(db_conn *conn, void *context, nh_error *err)
{
    create_context *c = context;
    profile_draft *d = &c->draft;
    if (profile_store_lock(conn, err) != 0 || check_name_free(conn, d, NULL, err) != 0)
        return -1;
    nh_error tail_error;
    if (parse_create_tail(c->service, c->body, d, &tail_error) != 0) {
        *err = tail_error;
        return -1;
    }
    d->created_at = d->updated_at = clock_now_ms();
    if (draft_seal(c->service, d, err) != 0)
        return -1;
    profile_record record;
    draft_record(d, &record);
    if (d->is_default && profile_store_clear_defaults(conn, d->id, d->updated_at, err) != 0)
        return -1;
    int rc = profile_store_insert(conn, &record, err);
    if (rc != 0)
        return rc; /* DB_CONSTRAINT: retried */
    if (c->actor && audit_profile(conn, c->actor, "storage_provider.create", NULL, &record, err))
        return -1;
    return render_profile(conn, d->id, &c->out, err);
}

/* Create from a body (the API and the seeding). */
static int create_profile(providers_service *service, const audit_actor *actor, const json_t *body,
                          json_t **out, nh_error *err)
{
    create_context c;
    memset(&c, 0, sizeof c);
    c.service = service;
    c.actor = actor;
    c.body = body;
    *out = NULL;
    uuid_v7(c.draft.id);
    int rc = parse_create_head(body, &c.draft, err);
    if (rc == 0)
        rc = transaction_with_retries(service->database, create_step, &c, err);
    draft_free(&c.draft);
    if (rc != 0) {
        json_decref(c.out);
        return -1;
    }
    *out = c.out;
    return 0;
}

int providers_create(providers_service *service, const audit_actor *actor, const json_t *body,
                     json_t **out, nh_error *err)
{
    return create_profile(service, actor, body, out, err);
}

/* ---- update ------------------------------------------------------------------------------ */

typedef struct update_context {
    const providers_service *service;
    const audit_actor *actor;
    const char *id;
    const json_t *body;
    profile_draft draft;
    json_t *out;
} update_context;

/* The draft of the stored profile; its secret opened when open_secret (a PATCH that replaces
 * or clears the secret does not need the old one, so a lost key can be repaired that way). */
static int draft_from_record(const providers_service *service, const profile_record *p,
                             bool open_secret, profile_draft *d, nh_error *err)
{
    snprintf(d->id, sizeof d->id, "%s", p->id);
    snprintf(d->type, sizeof d->type, "%s", p->provider_type);
    d->name = strdup(p->name);
    d->name_key = strdup(p->normalized_name);
    d->display_name = p->display_name ? strdup(p->display_name) : NULL;
    d->is_enabled = p->is_enabled;
    d->is_default = p->is_default;
    d->created_at = p->created_at;
    json_error_t parse_error;
    d->configuration = json_loads(p->configuration_json, 0, &parse_error);
    if (!d->name || !d->name_key || (p->display_name && !d->display_name) || !d->configuration)
        return error_internal(err);
    return open_secret ? profile_open_secret(service->box, p, &d->secret, err) : 0;
}

/* §5 steps 2-8 onto the draft (step 5, the name's uniqueness, on conn). */
static int apply_update(db_conn *conn, update_context *c, nh_error *err)
{
    profile_draft *d = &c->draft;
    const json_t *body = c->body;
    bool present = false;
    const char *text = NULL;
    if (body_string(body, "name", &present, &text, err) != 0 ||
        (present && draft_name(d, text, err) != 0))
        return -1;
    if (body_string(body, "displayName", &present, &text, err) != 0 ||
        (present && draft_display_name(d, text, err) != 0))
        return -1;
    bool enabled_given = false;
    if (body_bool(body, "isEnabled", d->is_enabled, false, &enabled_given, &d->is_enabled, err))
        return -1;
    if (check_name_free(conn, d, d->id, err) != 0)
        return -1;
    if (d->is_default && !d->is_enabled)
        return error_set(err, 400, "storage_provider_profile_default_requires_enabled",
                         "The default profile cannot be disabled; make another profile the "
                         "default first.");
    const json_t *configuration = json_input_get(body, "configuration");
    const json_t *secret = json_input_get(body, "secretConfiguration");
    if (configuration && !json_is_object(configuration))
        return error_set(err, 400, "storage_provider_profile_configuration_required",
                         "configuration must be an object.");
    json_t *effective_configuration =
        json_incref(configuration ? (json_t *)configuration : d->configuration);
    json_t *effective_secret = secret ? json_incref((json_t *)secret) : json_incref(d->secret);
    int rc = draft_configuration(c->service, d, effective_configuration, effective_secret, err);
    json_decref(effective_configuration);
    json_decref(effective_secret);
    return rc;
}

static int update_step(db_conn *conn, void *context, nh_error *err)
{
    update_context *c = context;
    db_result *rows = NULL;
    profile_record before;
    if (find_for_write(conn, c->id, &rows, &before, err) != 0)
        return -1;
    draft_free(&c->draft);
    bool keeps_secret = json_input_get(c->body, "secretConfiguration") == NULL;
    int rc = draft_from_record(c->service, &before, keeps_secret, &c->draft, err);
    if (rc == 0)
        rc = apply_update(conn, c, err);
    c->draft.updated_at = clock_now_ms();
    if (c->draft.updated_at <= before.updated_at)
        c->draft.updated_at = before.updated_at + 1; /* the cache key must change */
    if (rc == 0)
        rc = draft_seal(c->service, &c->draft, err);
    profile_record after;
    draft_record(&c->draft, &after);
    if (rc == 0)
        rc = profile_store_update(conn, &after, err);
    if (rc == 0)
        rc = audit_profile(conn, c->actor, "storage_provider.update", &before, &after, err);
    if (rc == 0)
        rc = render_profile(conn, c->id, &c->out, err);
    db_result_free(rows);
    return rc;
}

int providers_update(providers_service *service, const audit_actor *actor, const char *id,
                     const json_t *body, json_t **out, nh_error *err)
{
    *out = NULL;
    if (!json_is_object(body))
        return request_invalid("A JSON object body is required.", err);
    update_context c;
    memset(&c, 0, sizeof c);
    c.service = service;
    c.actor = actor;
    c.id = id;
    c.body = body;
    int rc = transaction_with_retries(service->database, update_step, &c, err);
    draft_free(&c.draft);
    storage_service_forget_profile(service->storage, id);
    if (rc != 0) {
        json_decref(c.out);
        return -1;
    }
    *out = c.out;
    return 0;
}

/* ---- delete ------------------------------------------------------------------------------ */

typedef struct delete_context {
    const audit_actor *actor;
    const char *id;
    bool was_default;
    bool disabled;
} delete_context;

static int delete_step(db_conn *conn, void *context, nh_error *err)
{
    delete_context *c = context;
    db_result *rows = NULL;
    profile_record before;
    if (find_for_write(conn, c->id, &rows, &before, err) != 0)
        return -1;
    c->was_default = before.is_default;
    bool in_use = false;
    int rc = profile_store_in_use(conn, c->id, &in_use, err);
    c->disabled = in_use;
    profile_record after = before;
    after.is_enabled = false;
    after.is_default = false;
    if (rc == 0)
        rc = in_use ? profile_store_disable(conn, c->id, clock_now_ms(), err)
                    : profile_store_delete(conn, c->id, err);
    if (rc == 0)
        rc = audit_profile(conn, c->actor,
                           in_use ? "storage_provider.disable" : "storage_provider.delete", &before,
                           in_use ? &after : NULL, err);
    db_result_free(rows);
    return rc;
}

int providers_delete(providers_service *service, const audit_actor *actor, const char *id,
                     json_t **out, nh_error *err)
{
    *out = NULL;
    delete_context c = {actor, id, false, false};
    int rc = transaction_with_retries(service->database, delete_step, &c, err);
    storage_service_forget_profile(service->storage, id);
    if (rc != 0)
        return -1;
    char now[CLOCK_ISO_SIZE];
    clock_format_iso(clock_now_ms(), now);
    *out = json_pack("{s:s, s:b, s:s, s:s}", "id", id, "wasDefault", c.was_default, "status",
                     c.disabled ? "disabled" : "deleted", "deletedAtUtc", now);
    return *out ? 0 : error_internal(err);
}

/* ---- set default ------------------------------------------------------------------------- */

typedef struct default_context {
    const audit_actor *actor;
    const char *id;
    json_t *out;
} default_context;

static int default_step(db_conn *conn, void *context, nh_error *err)
{
    default_context *c = context;
    db_result *rows = NULL;
    profile_record before;
    if (find_for_write(conn, c->id, &rows, &before, err) != 0)
        return -1;
    int rc = 0;
    if (!before.is_enabled)
        rc = error_set(err, 400, "storage_provider_profile_default_requires_enabled",
                       "A disabled profile cannot be the default.");
    int64_t now = clock_now_ms();
    if (rc == 0 && !before.is_default) {
        rc = profile_store_clear_defaults(conn, c->id, now, err);
        if (rc == 0)
            rc = profile_store_set_default(conn, c->id, now, err);
        profile_record after = before;
        after.is_default = true;
        if (rc == 0)
            rc =
                audit_profile(conn, c->actor, "storage_provider.set_default", &before, &after, err);
    }
    if (rc == 0)
        rc = render_profile(conn, c->id, &c->out, err);
    db_result_free(rows);
    return rc;
}

int providers_set_default(providers_service *service, const audit_actor *actor, const char *id,
                          json_t **out, nh_error *err)
{
    *out = NULL;
    default_context c = {actor, id, NULL};
    int rc = transaction_with_retries(service->database, default_step, &c, err);
    if (rc != 0) {
        json_decref(c.out);
        return -1;
    }
    *out = c.out;
    return 0;
}

/* ---- overview ---------------------------------------------------------------------------- */

static json_t *runtime_json(const providers_service *service,
                            const profile_record *fallback_default, nh_error *err)
{
    if (fallback_default) {
        json_error_t parse_error;
        json_t *configuration = json_loads(fallback_default->configuration_json, 0, &parse_error);
        json_t *runtime =
            json_pack("{s:s, s:s, s:o, s:b, s:b}", "providerType", fallback_default->provider_type,
                      "providerName", provider_json_provider_name(fallback_default, configuration),
                      "capabilities", profile_capabilities_json(&fallback_default->capabilities),
                      "isConfigurationDriven", false, "matchesDefaultProfileType", true);
        json_decref(configuration);
        if (!runtime)
            error_internal(err);
        return runtime;
    }
    const char *type = NULL;
    const char *name = NULL;
    if (!storage_service_config_default(service->storage, &type, &name)) {
        error_set(err, 500, "storage_provider_not_configured",
                  "Storage__Provider names a storage that is not configured.");
        return NULL;
    }
    profile_capabilities capabilities;
    profile_capabilities_of(type, &capabilities);
    json_t *runtime = json_pack("{s:s, s:s, s:o, s:b, s:n}", "providerType", type, "providerName",
                                name, "capabilities", profile_capabilities_json(&capabilities),
                                "isConfigurationDriven", true, "matchesDefaultProfileType");
    if (!runtime)
        error_internal(err);
    return runtime;
}

static json_t *alignment_json(const profile_record *default_profile)
{
    if (!default_profile)
        return json_pack("{s:s, s:b, s:n, s:n, s:s, s:s}", "runtimeSelectionSource",
                         "configuration", "hasDefaultProfile", false, "isDefaultProfileEnabled",
                         "providerTypeMatchesDefaultProfile", "code", "db_default_profile_missing",
                         "message",
                         "No database default write profile exists. Runtime provider is selected "
                         "from configuration (Storage__Provider).");
    if (!default_profile->is_enabled)
        return json_pack("{s:s, s:b, s:b, s:b, s:s, s:s}", "runtimeSelectionSource",
                         "database-default-profile", "hasDefaultProfile", true,
                         "isDefaultProfileEnabled", false, "providerTypeMatchesDefaultProfile",
                         true, "code", "db_default_profile_disabled", "message",
                         "The database default write profile is disabled; uploads without an "
                         "explicit profile are rejected.");
    return json_pack("{s:s, s:b, s:b, s:b, s:s, s:s}", "runtimeSelectionSource",
                     "database-default-profile", "hasDefaultProfile", true,
                     "isDefaultProfileEnabled", true, "providerTypeMatchesDefaultProfile", true,
                     "code", "runtime_matches_db_default_provider_type", "message",
                     "Uploads without an explicit profile go to the database default write "
                     "profile.");
}

static int build_overview(const providers_service *service, db_conn *conn, json_t **out,
                          nh_error *err)
{
    db_result *rows = NULL;
    db_result *found_default = NULL;
    if (profile_store_list(conn, &rows, err) != 0 ||
        profile_store_find_default(conn, &found_default, err) != 0) {
        db_result_free(rows);
        return -1;
    }
    json_t *profiles = json_array();
    for (size_t row = 0; profiles && row < db_result_rows(rows); row++) {
        profile_record profile;
        profile_record_from_row(rows, row, &profile);
        json_array_append_new(profiles, provider_json_profile(&profile));
    }
    profile_record default_profile;
    bool has_default = db_result_rows(found_default) > 0;
    if (has_default)
        profile_record_from_row(found_default, 0, &default_profile);
    const profile_record *selected = has_default ? &default_profile : NULL;
    json_t *runtime = runtime_json(service, selected, err);
    json_t *default_json = selected ? provider_json_profile(selected) : json_null();
    *out = runtime ? json_pack("{s:o, s:O, s:o, s:o, s:o}", "profiles", profiles, "defaultProfile",
                               default_json, "defaultWriteProfile", default_json, "runtime",
                               runtime, "alignment", alignment_json(selected))
                   : NULL;
    if (!runtime) {
        json_decref(profiles);
        json_decref(default_json);
    }
    db_result_free(rows);
    db_result_free(found_default);
    if (!*out)
        return runtime ? error_internal(err) : -1;
    return 0;
}

int providers_overview(providers_service *service, json_t **out, nh_error *err)
{
    *out = NULL;
    db_conn *conn = db_acquire(service->database, err);
    if (!conn)
        return -1;
    int rc = build_overview(service, conn, out, err);
    db_release(service->database, conn);
    return rc;
}

/* ---- seeding ----------------------------------------------------------------------------- */

typedef struct seed_state {
    bool seeded;
    bool has_default;
} seed_state;

static int read_seed_state(db_conn *conn, void *context, nh_error *err)
{
    seed_state *state = context;
    db_result *found = NULL;
    if (profile_store_seeded(conn, &state->seeded, err) != 0 ||
        profile_store_find_default(conn, &found, err) != 0)
        return -1;
    state->has_default = db_result_rows(found) > 0;
    db_result_free(found);
    return 0;
}

static int mark_seeded_step(db_conn *conn, void *context, nh_error *err)
{
    (void)context;
    return profile_store_mark_seeded(conn, err);
}

/* The create body of the seeded profile; NULL (nothing to seed) for other providers. */
static json_t *seed_body(const config *cfg)
{
    const char *provider = cfg->storage_provider ? cfg->storage_provider : "local";
    if (strcasecmp(provider, "local") == 0)
        return json_pack("{s:s, s:s, s:s, s:b, s:b, s:{s:s, s:b, s:s?}}", "name", "local-default",
                         "displayName", "Local Default Write Profile", "providerType", "local",
                         "isEnabled", true, "isDefault", true, "configuration", "rootPath",
                         cfg->local_root_path, "createDirectoryIfMissing", true, "publicBaseUrl",
                         cfg->public_base_url);
    if (strcasecmp(provider, "s3") == 0 || strcasecmp(provider, "s3-compatible") == 0)
        return json_pack(
            "{s:s, s:s, s:s, s:b, s:b, s:{s:s?, s:s?, s:s?, s:s?, s:b, s:s?}, s:{s:s?, s:s?}}",
            "name", "s3-default", "displayName", "S3 Default Write Profile", "providerType",
            "s3-compatible", "isEnabled", true, "isDefault", true, "configuration", "providerName",
            cfg->s3_provider_name, "endpoint", cfg->s3_endpoint, "bucket", cfg->s3_bucket, "region",
            cfg->s3_region, "forcePathStyle", cfg->s3_force_path_style, "publicBaseUrl",
            cfg->public_base_url ? cfg->public_base_url : cfg->s3_public_base_url,
            "secretConfiguration", "accessKey", cfg->s3_access_key, "secretKey",
            cfg->s3_secret_key);
    return NULL;
}

/* Create the seeded profile under the first free name (name, name-2 ... name-999). The
 * configured local root is allowed for it even outside Storage__Local__AllowedRoots. */
static int seed_create(providers_service *service, json_t *body, nh_error *err)
{
    char base[64];
    snprintf(base, sizeof base, "%s", json_string_value(json_object_get(body, "name")));
    profile_rules saved = service->rules;
    string_list allowed = {.count = 1};
    allowed.items[0] = service->cfg->local_root_path;
    service->rules.allowed_roots = &allowed;
    int rc = -1;
    for (int suffix = 1; suffix <= 999; suffix++) {
        char name[80];
        if (suffix == 1)
            snprintf(name, sizeof name, "%s", base);
        else
            snprintf(name, sizeof name, "%s-%d", base, suffix);
        json_object_set_new(body, "name", json_string(name));
        json_t *created = NULL;
        rc = create_profile(service, NULL, body, &created, err);
        json_decref(created);
        if (rc == 0 || strcmp(err->code, "storage_provider_profile_name_conflict") != 0)
            break;
    }
    service->rules = saved;
    return rc;
}

int providers_seed_default(providers_service *service, nh_error *err)
{
    seed_state state = {false, false};
    if (db_transaction(service->database, read_seed_state, &state, err) != 0)
        return -1;
    if (state.seeded)
        return 0;
    if (!state.has_default) {
        json_t *body = seed_body(service->cfg);
        int rc = body ? seed_create(service, body, err) : 0;
        json_decref(body);
        if (rc != 0) {
            log_message(LOG_WARN, "storage_profiles", "the default profile was not seeded: %s (%s)",
                        err->message, err->code);
            return -1;
        }
        if (body)
            log_message(LOG_INFO, "storage_profiles",
                        "seeded the default storage provider profile (first start)");
    }
    int rc = db_transaction(service->database, mark_seeded_step, NULL, err);
    return rc == DB_CONSTRAINT ? 0 : rc; /* another instance marked it meanwhile */
}
