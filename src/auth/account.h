/* account.h - a signed-in person's own account: their user object (GET /api/v1/auth/me) and
 * changing their own password (POST /api/v1/auth/change-password); plus the password-change
 * step that the admin reset and the break-glass CLI share.
 *
 * Functions return 0 or -1 with err filled. */
#ifndef NH_AUTH_ACCOUNT_H
#define NH_AUTH_ACCOUNT_H

#include <jansson.h>

#include "audit/audit.h"
#include "auth/auth_context.h"
#include "auth/user_store.h"
#include "core/error.h"

/* The user object of user_id in *out (caller owns); 401 auth_user_not_found when it is gone. */
int account_me(const auth_context *auth, const char *user_id, json_t **out, nh_error *err);

/* {currentPassword, newPassword} (both required non-blank, else 400 request_invalid): 400
 * auth_current_password_invalid when the current one is wrong, the password policy's 400s,
 * then the change, which signs the user out everywhere. */
int account_change_password(const auth_context *auth, const audit_actor *actor, const json_t *body,
                            nh_error *err);

/* On conn (in the caller's transaction): store hash as user's password, revoke all of the
 * user's sessions and record `action` in the audit log with how many were revoked. */
int account_set_password(db_conn *conn, const audit_actor *actor, const char *action,
                         const user_record *user, const char *hash, nh_error *err);

#endif
