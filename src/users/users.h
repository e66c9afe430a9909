/* users.h - user administration by admins: the rules of spec/auth-and-users.md §8-§10 as
 * amended by our accounts issue (unknown permissions are a 400, PATCH isActive needs
 * users.disable and obeys the SuperAdmin/self guards, an Admin cannot promote to admin, a
 * non-SuperAdmin actor can grant only permissions it holds, role is required on create,
 * usernames are at most 128 characters, and disabling, password resets and role changes
 * revoke the user's sessions). Also the first-run SuperAdmin bootstrap.
 *
 * Every function takes the request body as parsed JSON (may be NULL when absent), returns 0
 * or -1 with err filled, and on success gives the response payload in *out (caller owns). */
#ifndef NH_USERS_USERS_H
#define NH_USERS_USERS_H

#include <jansson.h>

#include "app.h"
#include "audit/audit.h"
#include "core/error.h"
#include "users/user_store.h"

/* The public user object: id, username, role, isActive, createdAtUtc, updatedAtUtc,
 * lastLoginAtUtc, permissions (catalogue order for the SuperAdmin, else byte order). */
json_t *users_to_json(const user_record *user);

int users_list(app *application, const audit_actor *actor, json_t **out, nh_error *err);
int users_get(app *application, const audit_actor *actor, const char *id, json_t **out,
              nh_error *err);
int users_create(app *application, const audit_actor *actor, const json_t *body, json_t **out,
                 nh_error *err);
int users_update(app *application, const audit_actor *actor, const char *id, const json_t *body,
                 json_t **out, nh_error *err);
int users_set_status(app *application, const audit_actor *actor, const char *id, const json_t *body,
                     json_t **out, nh_error *err);
int users_reset_password(app *application, const audit_actor *actor, const char *id,
                         const json_t *body, nh_error *err);
int users_set_permissions(app *application, const audit_actor *actor, const char *id,
                          const json_t *body, json_t **out, nh_error *err);
/* A signed-in user changes their own password: {currentPassword, newPassword}; revokes all of
 * their sessions. 400 auth_current_password_invalid when the current one is wrong. */
int users_change_own_password(app *application, const audit_actor *actor, const json_t *body,
                              nh_error *err);

/* Load the target and apply the manage check (404 user_not_found, 403 user_manage_forbidden);
 * used by the admin API-key routes. Clear *target after use. */
int users_load_managed(app *application, const auth_principal *actor, const char *id,
                       user_record *target, nh_error *err);

/* When no user exists: create the SuperAdmin named Auth__BootstrapSuperAdmin__Username (default
 * `admin`) with Auth__BootstrapSuperAdmin__Password, or a random password (at least the policy's
 * minimum length) printed once to the log. -1 (start-up must stop) when the configured password
 * breaks the policy. */
int users_bootstrap(app *application, nh_error *err);

/* Create a user outside HTTP (CLI break-glass); role "admin" or "user". */
int users_create_local(app *application, const char *username, const char *password,
                       const char *role, nh_error *err);
int users_reset_password_local(app *application, const char *username, const char *password,
                               nh_error *err);

#endif
