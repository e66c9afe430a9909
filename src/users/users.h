/* users.h - user administration by admins: the rules of spec/auth-and-users.md §8-§10 as
 * amended by our accounts issue (unknown permissions are a 400, PATCH isActive needs
 * users.disable and obeys the SuperAdmin/self guards, an Admin cannot promote to admin, a
 * non-SuperAdmin actor can grant only permissions it holds, role is required on create,
 * usernames are at most 128 characters, and disabling, password resets and role changes
 * revoke the user's sessions). Also the first-run SuperAdmin bootstrap.
 *
 * Every function takes the users service (its explicit dependencies), the request body as
 * parsed JSON (may be NULL when absent), returns 0 or -1 with err filled, and on success gives
 * the response payload in *out (caller owns). */
#ifndef NH_USERS_USERS_H
#define NH_USERS_USERS_H

#include <jansson.h>

#include "audit/audit.h"
#include "auth/auth_context.h"
#include "auth/user_store.h"
#include "core/config.h"
#include "core/error.h"
#include "db/db.h"

/* The users feature's service object and the context (request->context) of the /api/v1/users
 * routes. Borrows everything; built once at start-up (app.c) or on the stack (CLI). */
typedef struct users_service {
    const config *cfg;
    db *database;
    const auth_context *auth; /* for the personal-key routes of /users/{id}/api-keys */
} users_service;

/* A users service on the heap (app.c); users_service_free() releases it (NULL is fine). */
int users_service_create(const config *cfg, db *database, const auth_context *auth,
                         users_service **out, nh_error *err);
void users_service_free(users_service *users);

int users_list(const users_service *users, const audit_actor *actor, json_t **out, nh_error *err);
int users_get(const users_service *users, const audit_actor *actor, const char *id, json_t **out,
              nh_error *err);
int users_create(const users_service *users, const audit_actor *actor, const json_t *body,
                 json_t **out, nh_error *err);
int users_update(const users_service *users, const audit_actor *actor, const char *id,
                 const json_t *body, json_t **out, nh_error *err);
int users_set_status(const users_service *users, const audit_actor *actor, const char *id,
                     const json_t *body, json_t **out, nh_error *err);
int users_reset_password(const users_service *users, const audit_actor *actor, const char *id,
                         const json_t *body, nh_error *err);
int users_set_permissions(const users_service *users, const audit_actor *actor, const char *id,
                          const json_t *body, json_t **out, nh_error *err);
/* Load the target and apply the manage check (404 user_not_found, 403 user_manage_forbidden);
 * used by the admin API-key routes. Clear *target after use. */
int users_load_managed(const users_service *users, const auth_principal *actor, const char *id,
                       user_record *target, nh_error *err);

/* When no user exists: create the SuperAdmin named Auth__BootstrapSuperAdmin__Username (default
 * `admin`) with Auth__BootstrapSuperAdmin__Password, or a random password (at least the policy's
 * minimum length) printed once to the log. -1 (start-up must stop) when the configured password
 * breaks the policy. */
int users_bootstrap(const users_service *users, nh_error *err);

/* Create a user outside HTTP (CLI break-glass); role "admin" or "user". */
int users_create_local(const users_service *users, const char *username, const char *password,
                       const char *role, nh_error *err);
int users_reset_password_local(const users_service *users, const char *username,
                               const char *password, nh_error *err);

#endif
