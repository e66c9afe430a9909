/* users.c - user administration rules, bootstrap and break-glass helpers. */
#include "users/users.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/account.h"
#include "auth/authenticate.h"
#include "auth/password.h"
#include "auth/permissions.h"
#include "auth/session_store.h"
#include "auth/user_json.h"
#include "core/clock.h"
#include "core/json_input.h"
#include "core/log.h"
#include "core/text.h"
#include "core/uuid.h"

/* ---- the service ---------------------------------------------------------------------- */

int users_service_create(const config *cfg, db *database, const auth_context *auth,
                         users_service **out, nh_error *err)
{
    users_service *users = calloc(1, sizeof *users);
    if (!users)
        return error_internal(err);
    users->cfg = cfg;
    users->database = database;
    users->auth = auth;
    *out = users;
    return 0;
}

void users_service_free(users_service *users)
{
    free(users);
}

/* ---- actors ---------------------------------------------------------------------------- */

static bool is_machine(const auth_principal *actor)
{
    return actor->kind == PRINCIPAL_MACHINE_KEY;
}

/* A person acting (signed in, or through their personal key). */
static bool is_person(const auth_principal *actor)
{
    return actor->kind == PRINCIPAL_USER || actor->kind == PRINCIPAL_PERSONAL_KEY;
}

static bool is_self(const auth_principal *actor, const user_record *target)
{
    return is_person(actor) && !strcmp(actor->user_id, target->id);
}

static int manage_check(const auth_principal *actor, const user_record *target, nh_error *err)
{
    if (is_machine(actor))
        return 0;
    if (is_person(actor) && actor->role == ROLE_SUPER_ADMIN) {
        if (target->role == ROLE_SUPER_ADMIN && !is_self(actor, target))
            return error_set(err, 403, "user_manage_super_admin_forbidden",
                             "Another SuperAdmin cannot be managed.");
        return 0;
    }
    if (is_person(actor) && actor->role == ROLE_ADMIN && target->role == ROLE_USER)
        return 0;
    return error_set(err, 403, "user_manage_forbidden", "You are not allowed to manage this user.");
}

static bool sees(const auth_principal *actor, const user_record *user)
{
    if (is_machine(actor) || actor->role == ROLE_SUPER_ADMIN)
        return true;
    return actor->role == ROLE_ADMIN && user->role == ROLE_USER;
}

/* Permissions newly granted (not in `before`) that a non-SuperAdmin person does not hold. */
static int grant_check(const auth_principal *actor, uint32_t before, uint32_t after, nh_error *err)
{
    if (is_machine(actor) || actor->role == ROLE_SUPER_ADMIN)
        return 0;
    uint32_t beyond = after & ~before & ~actor->permissions;
    for (int p = 0; p < PERMISSION_COUNT; p++)
        if (permissions_has(beyond, (permission)p))
            return error_set(err, 403, "user_permission_grant_forbidden",
                             "You cannot grant the permission '%s': you do not hold it.",
                             permission_name((permission)p));
    return 0;
}

/* ---- body parsing ---------------------------------------------------------------------- */

static int require_object(const json_t *body, nh_error *err)
{
    if (!json_is_object(body))
        return error_set(err, 400, "request_invalid",
                         body ? "The request body must be a JSON object."
                              : "A non-empty request body is required.");
    return 0;
}

/* A string member: absent (NULL), JSON null (null_out true) or a string; else 400. */
static int optional_string(const json_t *body, const char *name, const char **out, bool *is_null,
                           nh_error *err)
{
    const json_t *value = json_input_get(body, name);
    *out = NULL;
    if (is_null)
        *is_null = value && json_is_null(value);
    if (!value || json_is_null(value))
        return 0;
    if (!json_is_string(value))
        return error_set(err, 400, "request_invalid", "The %s field must be a string.", name);
    *out = json_string_value(value);
    return 0;
}

static int optional_bool(const json_t *body, const char *name, bool allow_null, bool *present,
                         bool *out, nh_error *err)
{
    const json_t *value = json_input_get(body, name);
    *present = false;
    if (!value || (allow_null && json_is_null(value)))
        return 0;
    if (!json_is_boolean(value))
        return error_set(err, 400, "request_invalid", "The %s field must be true or false.", name);
    *present = true;
    *out = json_is_true(value);
    return 0;
}

/* ---- shared steps ---------------------------------------------------------------------- */

/* The target of a managing action: 404 user_not_found, then the manage check (403). */
static int load_managed(db_conn *conn, const auth_principal *actor, const char *id,
                        user_record *target, nh_error *err)
{
    bool found = false;
    int rc = user_store_find_by_id(conn, id, false, target, &found, err);
    if (rc != 0)
        return rc;
    if (!found)
        return error_set(err, 404, "user_not_found", "User '%s' was not found.", id);
    return manage_check(actor, target, err);
}

/* Is the key taken by a user other than except_id (may be NULL)? */
static int key_taken(db_conn *conn, const char *key, const char *legacy_key, const char *except_id,
                     bool *taken, nh_error *err)
{
    user_record other;
    bool found = false;
    int rc = user_store_find_by_keys(conn, key, legacy_key, false, &other, &found, err);
    if (rc != 0)
        return rc;
    *taken = found && (!except_id || strcmp(other.id, except_id) != 0);
    user_store_record_clear(&other);
    return 0;
}

/* 409 when another user has the name: under today's key, or a row stored by the earlier rule
 * under the key that rule gives the name (that row's sign-in would find it). */
static int username_taken(db_conn *conn, const username_form *username, const char *except_id,
                          nh_error *err)
{
    char legacy[USERNAME_MAX_BYTES + 1];
    if (username_legacy_key(username->name, legacy, sizeof legacy) != 0)
        return error_internal(err);
    bool taken = false;
    int rc = key_taken(conn, username->key, NULL, except_id, &taken, err);
    if (rc == 0 && !taken)
        rc = key_taken(conn, NULL, legacy, except_id, &taken, err);
    if (rc != 0)
        return rc;
    if (taken)
        return error_set(err, 409, "user_username_conflict", "Username '%s' already exists.",
                         username->name);
    return 0;
}

static int audit_user(db_conn *conn, const audit_actor *actor, const char *action,
                      const user_record *target, json_t *changes, nh_error *err)
{
    audit_entry entry = {.action = action,
                         .target_type = "user",
                         .target_id = target->id,
                         .target_name = target->username,
                         .changes = changes};
    return audit_record(conn, actor, &entry, err);
}

/* ---- list and get ---------------------------------------------------------------------- */

int users_list(const users_service *users, const audit_actor *actor, json_t **out, nh_error *err)
{
    db_conn *conn = db_acquire(users->database, err);
    if (!conn)
        return -1;
    user_record *all = NULL;
    size_t count = 0;
    int rc = user_store_list(conn, &all, &count, err);
    db_release(users->database, conn);
    if (rc != 0)
        return -1;
    json_t *list = json_array();
    for (size_t i = 0; list && i < count; i++)
        if (sees(actor->principal, &all[i]) &&
            json_array_append_new(list, user_json_of(&all[i])) != 0) {
            json_decref(list);
            list = NULL;
        }
    user_store_free_list(all, count);
    if (!list)
        return error_internal(err);
    *out = list;
    return 0;
}

int users_load_managed(const users_service *users, const auth_principal *actor, const char *id,
                       user_record *target, nh_error *err)
{
    memset(target, 0, sizeof *target);
    db_conn *conn = db_acquire(users->database, err);
    if (!conn)
        return -1;
    int rc = load_managed(conn, actor, id, target, err);
    db_release(users->database, conn);
    if (rc != 0)
        user_store_record_clear(target);
    return rc == 0 ? 0 : -1;
}

int users_get(const users_service *users, const audit_actor *actor, const char *id, json_t **out,
              nh_error *err)
{
    user_record target;
    if (users_load_managed(users, actor->principal, id, &target, err) != 0)
        return -1;
    *out = user_json_of(&target);
    user_store_record_clear(&target);
    return 0;
}

/* ---- create ---------------------------------------------------------------------------- */

typedef struct create_request {
    const audit_actor *actor;
    const char *password;
    username_form username;
    user_record user;
    char *password_hash;
    bool explicit_permissions;
} create_request;

static int parse_create(const json_t *body, create_request *request, nh_error *err)
{
    if (require_object(body, err) != 0)
        return -1;
    const char *username = NULL, *password = NULL;
    bool has_active = false, active = true;
    const json_t *role = json_input_get(body, "role");
    if (optional_string(body, "username", &username, NULL, err) != 0 ||
        optional_string(body, "password", &password, NULL, err) != 0 ||
        optional_bool(body, "isActive", true, &has_active, &active, err) != 0)
        return -1;
    if (!role || json_is_null(role))
        return error_set(err, 400, "user_role_required", "A role (admin or user) is required.");
    if (role_from_json(role, &request->user.role, err) != 0)
        return -1;
    const json_t *permissions = json_input_get(body, "permissions");
    if (permissions && !json_is_null(permissions) && !json_is_array(permissions))
        return error_set(err, 400, "request_invalid", "The permissions field must be an array.");
    request->user.is_active = has_active ? active : true;
    request->password = password;
    /* Domain rules in the contract's order. */
    if (request->user.role == ROLE_SUPER_ADMIN)
        return error_set(err, 403, "user_super_admin_create_forbidden",
                         "A SuperAdmin cannot be created.");
    const auth_principal *actor = request->actor->principal;
    bool may_create = is_machine(actor) || actor->role == ROLE_SUPER_ADMIN ||
                      (actor->role == ROLE_ADMIN && request->user.role == ROLE_USER);
    if (!may_create)
        return error_set(err, 403, "user_create_forbidden",
                         "You are not allowed to create a user with this role.");
    if (username_prepare(username, USERNAME_LOWER_CASE, &request->username, err) != 0)
        return -1;
    snprintf(request->user.username, sizeof request->user.username, "%s", request->username.name);
    /* A blank password (400 user_password_required) is reported by the policy check, after
     * the username conflict, as the contract orders it. */
    request->explicit_permissions = json_is_array(permissions) && json_array_size(permissions) > 0;
    if (request->explicit_permissions) {
        if (permissions_normalize(permissions, &request->user.permissions, err) != 0)
            return -1;
        return grant_check(actor, 0, request->user.permissions, err);
    }
    /* The template is a default, not a request: trim it to what the actor may grant. */
    request->user.permissions = permissions_template(request->user.role);
    if (is_person(actor) && actor->role != ROLE_SUPER_ADMIN)
        request->user.permissions &= actor->permissions;
    return 0;
}

static int create_step(db_conn *conn, void *context, nh_error *err)
{
    create_request *request = context;
    int rc = username_taken(conn, &request->username, NULL, err);
    if (rc != 0)
        return rc;
    rc =
        user_store_insert(conn, &request->user, request->username.key, request->password_hash, err);
    if (rc == DB_CONSTRAINT)
        return error_set(err, 409, "user_username_conflict", "Username '%s' already exists.",
                         request->user.username);
    if (rc != 0)
        return rc;
    json_t *changes = json_object();
    audit_change(changes, "username", json_null(), json_string(request->user.username));
    audit_change(changes, "role", json_null(), json_string(role_to_wire(request->user.role)));
    audit_change(changes, "isActive", json_null(), json_boolean(request->user.is_active));
    audit_change(changes, "permissions", json_null(),
                 permissions_to_json(request->user.permissions, false));
    rc = audit_user(conn, request->actor, "user.create", &request->user, changes, err);
    json_decref(changes);
    return rc;
}

int users_create(const users_service *users, const audit_actor *actor, const json_t *body,
                 json_t **out, nh_error *err)
{
    create_request request = {.actor = actor};
    if (parse_create(body, &request, err) != 0)
        return -1;
    /* Conflict before the (slow) hash, as the contract orders it. */
    db_conn *conn = db_acquire(users->database, err);
    if (!conn)
        return -1;
    int rc = username_taken(conn, &request.username, NULL, err);
    db_release(users->database, conn);
    if (rc != 0)
        return -1;
    if (password_check_policy(request.password, users->cfg->password_min_length, err) != 0)
        return -1;
    char hash[crypto_pwhash_STRBYTES];
    if (password_hash(request.password, hash) != 0)
        return error_internal(err);
    request.password_hash = hash;
    int64_t now = clock_now_ms();
    uuid_v7(request.user.id);
    request.user.created_at = now;
    request.user.updated_at = now;
    if (db_transaction(users->database, create_step, &request, err) != 0)
        return -1;
    *out = user_json_of(&request.user);
    return 0;
}

/* ---- update ---------------------------------------------------------------------------- */

typedef struct update_request {
    const audit_actor *actor;
    const char *id;
    const char *username; /* NULL = keep */
    bool has_role;
    user_role role;
    bool has_active;
    bool active;
    user_record target;
} update_request;

static int parse_update(const json_t *body, update_request *request, nh_error *err)
{
    if (require_object(body, err) != 0)
        return -1;
    if (optional_string(body, "username", &request->username, NULL, err) != 0)
        return -1;
    const json_t *role = json_input_get(body, "role");
    if (role) {
        if (json_is_null(role))
            return error_set(err, 400, "request_invalid", "The role field cannot be null.");
        if (role_from_json(role, &request->role, err) != 0)
            return -1;
        request->has_role = true;
    }
    const json_t *active = json_input_get(body, "isActive");
    if (active && json_is_null(active))
        return error_set(err, 400, "request_invalid", "The isActive field cannot be null.");
    return optional_bool(body, "isActive", false, &request->has_active, &request->active, err);
}

static int role_rules(const auth_principal *actor, const user_record *target, bool has_role,
                      user_role role, nh_error *err)
{
    if (!has_role || role == target->role)
        return 0;
    if (role == ROLE_SUPER_ADMIN)
        return error_set(err, 403, "user_super_admin_promote_forbidden",
                         "Nobody can be promoted to SuperAdmin.");
    if (target->role == ROLE_SUPER_ADMIN)
        return error_set(err, 403, "user_super_admin_role_change_forbidden",
                         "The SuperAdmin's role cannot be changed.");
    if (is_self(actor, target))
        return error_set(err, 403, "user_self_role_change_forbidden",
                         "You cannot change your own role.");
    if (is_person(actor) && actor->role != ROLE_SUPER_ADMIN && role == ROLE_ADMIN)
        return error_set(err, 403, "user_role_change_forbidden",
                         "Only the SuperAdmin can make someone an admin.");
    return 0;
}

static int disable_rules(const auth_principal *actor, const user_record *target, bool active,
                         nh_error *err)
{
    if (active)
        return 0;
    if (target->role == ROLE_SUPER_ADMIN)
        return error_set(err, 403, "user_super_admin_disable_forbidden",
                         "The SuperAdmin cannot be disabled.");
    if (is_self(actor, target))
        return error_set(err, 403, "user_self_disable_forbidden", "You cannot disable yourself.");
    return 0;
}

static int apply_update(db_conn *conn, update_request *request, const username_form *new_username,
                        nh_error *err)
{
    user_record *target = &request->target;
    user_record before = *target;
    before.password_hash = NULL;
    int64_t now = clock_now_ms();
    bool role_changed = request->has_role && request->role != target->role;
    bool deactivated = request->has_active && !request->active && target->is_active;
    if (new_username)
        snprintf(target->username, sizeof target->username, "%s", new_username->name);
    if (role_changed) {
        target->role = request->role;
        target->permissions = permissions_template(request->role);
    }
    if (request->has_active)
        target->is_active = request->active;
    target->updated_at = now;
    int rc = user_store_update(conn, target, new_username ? new_username->key : NULL, err);
    if (rc == DB_CONSTRAINT)
        return error_set(err, 409, "user_username_conflict", "Username '%s' already exists.",
                         target->username);
    if (rc == 0 && role_changed)
        rc = user_store_replace_permissions(conn, target->id, target->permissions, now, err);
    if (rc == 0 && (role_changed || deactivated))
        rc = session_store_revoke_user(conn, target->id, role_changed ? "role_changed" : "disabled",
                                       now, NULL, err);
    if (rc != 0)
        return rc;
    json_t *changes = json_object();
    if (strcmp(before.username, target->username) != 0)
        audit_change(changes, "username", json_string(before.username),
                     json_string(target->username));
    if (role_changed) {
        audit_change(changes, "role", json_string(role_to_wire(before.role)),
                     json_string(role_to_wire(target->role)));
        audit_change(changes, "permissions", permissions_to_json(before.permissions, false),
                     permissions_to_json(target->permissions, false));
    }
    if (before.is_active != target->is_active)
        audit_change(changes, "isActive", json_boolean(before.is_active),
                     json_boolean(target->is_active));
    rc = audit_user(conn, request->actor, "user.update", target, changes, err);
    json_decref(changes);
    return rc;
}

/* A name stored before today's rule, which the rule refuses, sent back unchanged (a console
 * saving the whole form): the user keeps it and its key, so such accounts stay editable. */
static bool keeps_legacy_name(const char *sent, const user_record *target, const nh_error *refusal)
{
    if (strcmp(refusal->code, "user_username_invalid") != 0)
        return false;
    size_t start = 0, end = 0;
    text_trim_bounds(sent, strlen(sent), &start, &end);
    return end - start == strlen(target->username) &&
           !memcmp(sent + start, target->username, end - start);
}

static int update_step(db_conn *conn, void *context, nh_error *err)
{
    update_request *request = context;
    const auth_principal *actor = request->actor->principal;
    int rc = load_managed(conn, actor, request->id, &request->target, err);
    if (rc == 0)
        rc = role_rules(actor, &request->target, request->has_role, request->role, err);
    if (rc == 0 && request->has_active)
        rc = disable_rules(actor, &request->target, request->active, err);
    if (rc != 0)
        return rc;
    username_form username;
    bool rename = request->username != NULL;
    if (rename) {
        rc = username_prepare(request->username, USERNAME_LOWER_CASE, &username, err);
        if (rc != 0 && keeps_legacy_name(request->username, &request->target, err)) {
            rc = 0;
            rename = false;
        }
        if (rc == 0 && rename)
            rc = username_taken(conn, &username, request->target.id, err);
        if (rc != 0)
            return rc;
    }
    return apply_update(conn, request, rename ? &username : NULL, err);
}

int users_update(const users_service *users, const audit_actor *actor, const char *id,
                 const json_t *body, json_t **out, nh_error *err)
{
    update_request request = {.actor = actor, .id = id};
    if (parse_update(body, &request, err) != 0)
        return -1;
    /* A permission check, so before the target lookup like the route's own. */
    if (request.has_active && !auth_principal_has(actor->principal, "users.disable"))
        return error_set(err, 403, "auth_forbidden",
                         "The permission 'users.disable' is required for this action.");
    int rc = db_transaction(users->database, update_step, &request, err);
    if (rc == 0)
        *out = user_json_of(&request.target);
    user_store_record_clear(&request.target);
    return rc;
}

/* ---- status ---------------------------------------------------------------------------- */

static int status_step(db_conn *conn, void *context, nh_error *err)
{
    update_request *request = context;
    const auth_principal *actor = request->actor->principal;
    int rc = load_managed(conn, actor, request->id, &request->target, err);
    if (rc == 0)
        rc = disable_rules(actor, &request->target, request->active, err);
    if (rc != 0)
        return rc;
    user_record *target = &request->target;
    bool was_active = target->is_active;
    int64_t now = clock_now_ms();
    if (was_active != request->active) {
        target->is_active = request->active;
        target->updated_at = now;
        rc = user_store_update(conn, target, NULL, err);
        if (rc == 0 && !request->active)
            rc = session_store_revoke_user(conn, target->id, "disabled", now, NULL, err);
    }
    if (rc != 0)
        return rc;
    json_t *changes = json_object();
    audit_change(changes, "isActive", json_boolean(was_active), json_boolean(target->is_active));
    rc = audit_user(conn, request->actor, "user.status", target, changes, err);
    json_decref(changes);
    return rc;
}

int users_set_status(const users_service *users, const audit_actor *actor, const char *id,
                     const json_t *body, json_t **out, nh_error *err)
{
    update_request request = {.actor = actor, .id = id};
    if (require_object(body, err) != 0 ||
        optional_bool(body, "isActive", false, &request.has_active, &request.active, err) != 0)
        return -1;
    if (!request.has_active)
        return error_set(err, 400, "request_invalid", "The isActive field is required.");
    int rc = db_transaction(users->database, status_step, &request, err);
    if (rc == 0)
        *out = user_json_of(&request.target);
    user_store_record_clear(&request.target);
    return rc;
}

/* ---- passwords ------------------------------------------------------------------------- */

typedef struct password_request {
    const audit_actor *actor;
    const char *hash;
    const char *action;
    user_record target;
} password_request;

static int password_step(db_conn *conn, void *context, nh_error *err)
{
    const password_request *request = context;
    return account_set_password(conn, request->actor, request->action, &request->target,
                                request->hash, err);
}

int users_reset_password(const users_service *users, const audit_actor *actor, const char *id,
                         const json_t *body, nh_error *err)
{
    const char *password = NULL;
    if (require_object(body, err) != 0 ||
        optional_string(body, "newPassword", &password, NULL, err) != 0)
        return -1;
    if (text_is_blank(password))
        return error_set(err, 400, "request_invalid", "The newPassword field is required.");
    password_request request = {.actor = actor, .action = "user.reset_password"};
    if (users_load_managed(users, actor->principal, id, &request.target, err) != 0)
        return -1;
    char hash[crypto_pwhash_STRBYTES];
    int rc = password_check_policy(password, users->cfg->password_min_length, err);
    if (rc == 0 && password_hash(password, hash) != 0)
        rc = error_internal(err);
    request.hash = hash;
    if (rc == 0)
        rc = db_transaction(users->database, password_step, &request, err);
    user_store_record_clear(&request.target);
    return rc == 0 ? 0 : -1;
}

/* ---- permissions ----------------------------------------------------------------------- */

typedef struct permissions_request {
    const audit_actor *actor;
    const char *id;
    uint32_t permissions;
    user_record target;
} permissions_request;

static int permissions_step(db_conn *conn, void *context, nh_error *err)
{
    permissions_request *request = context;
    const auth_principal *actor = request->actor->principal;
    user_record *target = &request->target;
    int rc = load_managed(conn, actor, request->id, target, err);
    if (rc == 0 && target->role == ROLE_SUPER_ADMIN)
        rc = error_set(err, 403, "user_super_admin_permissions_forbidden",
                       "The SuperAdmin's permissions cannot be changed.");
    if (rc == 0 && is_self(actor, target))
        rc = error_set(err, 403, "user_self_permissions_forbidden",
                       "You cannot change your own permissions.");
    if (rc == 0)
        rc = grant_check(actor, target->permissions, request->permissions, err);
    int64_t now = clock_now_ms();
    if (rc == 0)
        rc = user_store_replace_permissions(conn, target->id, request->permissions, now, err);
    if (rc != 0)
        return rc;
    json_t *changes = json_object();
    audit_change(changes, "permissions", permissions_to_json(target->permissions, false),
                 permissions_to_json(request->permissions, false));
    target->permissions = request->permissions;
    rc = audit_user(conn, request->actor, "user.permissions", target, changes, err);
    json_decref(changes);
    return rc;
}

int users_set_permissions(const users_service *users, const audit_actor *actor, const char *id,
                          const json_t *body, json_t **out, nh_error *err)
{
    permissions_request request = {.actor = actor, .id = id};
    if (require_object(body, err) != 0)
        return -1;
    const json_t *list = json_input_get(body, "permissions");
    if (!json_is_array(list))
        return error_set(err, 400, "request_invalid", "The permissions field must be an array.");
    if (permissions_normalize(list, &request.permissions, err) != 0)
        return -1;
    int rc = db_transaction(users->database, permissions_step, &request, err);
    if (rc == 0)
        *out = user_json_of(&request.target);
    user_store_record_clear(&request.target);
    return rc;
}

/* ---- bootstrap and break-glass --------------------------------------------------------- */

typedef struct local_insert {
    user_record *user;
    const char *key;
    const char *hash;
    const char *action;
} local_insert;

static int local_insert_step(db_conn *conn, void *context, nh_error *err)
{
    const local_insert *insert = context;
    int rc = user_store_insert(conn, insert->user, insert->key, insert->hash, err);
    if (rc != 0)
        return rc;
    audit_actor system = {0};
    json_t *changes = json_object();
    audit_change(changes, "role", json_null(), json_string(role_to_wire(insert->user->role)));
    rc = audit_user(conn, &system, insert->action, insert->user, changes, err);
    json_decref(changes);
    return rc;
}

/* Insert a user made outside the API (bootstrap, CLI), audited with the "system" actor. Returns
 * 0, DB_CONSTRAINT when the name is taken meanwhile, or -1. */
static int insert_local_user(const users_service *users, user_record *user, const char *key,
                             const char *password, const char *action, nh_error *err)
{
    char hash[crypto_pwhash_STRBYTES];
    if (password_hash(password, hash) != 0)
        return error_internal(err);
    int64_t now = clock_now_ms();
    uuid_v7(user->id);
    user->created_at = now;
    user->updated_at = now;
    user->is_active = true;
    local_insert insert = {.user = user, .key = key, .hash = hash, .action = action};
    return db_transaction(users->database, local_insert_step, &insert, err);
}

/* At least 20 characters, and at least min_length so that it obeys the policy too. */
static char *random_password(int min_length)
{
    unsigned char raw[PASSWORD_MAX_BYTES / 4 * 3];
    size_t bytes = 15; /* 20 characters of Base64 */
    if (min_length > 20)
        bytes = ((size_t)min_length * 3 + 3) / 4;
    if (bytes > sizeof raw)
        bytes = sizeof raw;
    randombytes_buf(raw, bytes);
    size_t size = sodium_base64_ENCODED_LEN(bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *text = malloc(size);
    if (text)
        sodium_bin2base64(text, size, raw, bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, bytes);
    return text;
}

int users_bootstrap(const users_service *users, nh_error *err)
{
    const config *cfg = users->cfg;
    db_conn *conn = db_acquire(users->database, err);
    if (!conn)
        return -1;
    int64_t count = 0;
    int rc = user_store_count(conn, &count, err);
    db_release(users->database, conn);
    if (rc != 0)
        return -1;
    if (count > 0)
        return 0;
    username_form name;
    if (username_prepare(cfg->bootstrap_username ? cfg->bootstrap_username : "admin",
                         USERNAME_KEEP_CASE, &name, err) != 0) {
        char reason[sizeof err->message];
        snprintf(reason, sizeof reason, "%s", err->message);
        return error_set(err, 500, "bootstrap_username_invalid",
                         "Auth__BootstrapSuperAdmin__Username: %s", reason);
    }
    /* Each setting has its default: the name `admin`, a generated password (logged once). */
    bool configured = cfg->bootstrap_password != NULL;
    char *generated = configured ? NULL : random_password(cfg->password_min_length);
    const char *password = configured ? cfg->bootstrap_password : generated;
    if (!password)
        return error_internal(err);
    if (configured && password_check_policy(password, cfg->password_min_length, err) != 0) {
        char reason[sizeof err->message];
        snprintf(reason, sizeof reason, "%s", err->message);
        return error_set(err, 500, "bootstrap_password_invalid",
                         "Auth__BootstrapSuperAdmin__Password: %s", reason);
    }
    user_record admin = {.role = ROLE_SUPER_ADMIN, .permissions = PERMISSIONS_ALL};
    snprintf(admin.username, sizeof admin.username, "%s", name.name);
    rc = insert_local_user(users, &admin, name.key, password, "user.bootstrap", err);
    if (rc == DB_CONSTRAINT) { /* another instance bootstrapped at the same moment */
        if (generated) {
            sodium_memzero(generated, strlen(generated));
            free(generated);
        }
        return 0;
    }
    if (rc == 0 && generated)
        log_fields(LOG_WARN, "bootstrap_super_admin",
                   json_pack("{s:s, s:s, s:s}", "message",
                             "Created the SuperAdmin account. Sign in and change this password; "
                             "it is shown only once.",
                             "username", admin.username, "password", generated));
    else if (rc == 0)
        log_message(LOG_WARN, "bootstrap_super_admin", "Created the SuperAdmin account '%s'.",
                    admin.username);
    if (generated) {
        sodium_memzero(generated, strlen(generated));
        free(generated);
    }
    return rc == 0 ? 0 : -1;
}

int users_create_local(const users_service *users, const char *username, const char *password,
                       const char *role, nh_error *err)
{
    user_record user = {0};
    if (role_from_wire(role, &user.role) != 0 || user.role == ROLE_SUPER_ADMIN)
        return error_set(err, 400, "request_invalid", "--role must be admin or user.");
    username_form name;
    if (username_prepare(username, USERNAME_LOWER_CASE, &name, err) != 0)
        return -1;
    snprintf(user.username, sizeof user.username, "%s", name.name);
    if (password_check_policy(password, users->cfg->password_min_length, err) != 0)
        return -1;
    user.permissions = permissions_template(user.role);
    db_conn *conn = db_acquire(users->database, err);
    if (!conn)
        return -1;
    int rc = username_taken(conn, &name, NULL, err);
    db_release(users->database, conn);
    if (rc != 0)
        return -1;
    return insert_local_user(users, &user, name.key, password, "user.create", err) == 0 ? 0 : -1;
}

int users_reset_password_local(const users_service *users, const char *username,
                               const char *password, nh_error *err)
{
    audit_actor system = {0};
    password_request request = {.actor = &system, .action = "user.reset_password"};
    username_keys keys;
    if (username_lookup_keys(username, &keys, err) != 0)
        return -1;
    db_conn *conn = db_acquire(users->database, err);
    if (!conn)
        return -1;
    bool found = false;
    int rc =
        user_store_find_by_keys(conn, keys.key, keys.legacy, false, &request.target, &found, err);
    db_release(users->database, conn);
    if (rc == 0 && !found)
        rc = error_set(err, 404, "user_not_found", "User '%s' was not found.", username);
    if (rc == 0)
        rc = password_check_policy(password, users->cfg->password_min_length, err);
    char hash[crypto_pwhash_STRBYTES];
    if (rc == 0 && password_hash(password, hash) != 0)
        rc = error_internal(err);
    request.hash = hash;
    if (rc == 0)
        rc = db_transaction(users->database, password_step, &request, err);
    user_store_record_clear(&request.target);
    return rc == 0 ? 0 : -1;
}
