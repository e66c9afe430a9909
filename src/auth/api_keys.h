/* api_keys.h - personal API keys (beyond NekoHub): created by a signed-in user, shown once
 * ("nhk_" + 32 random bytes), stored only as a SHA-256 digest, scoped to a subset of the
 * owner's permissions, optionally expiring, revocable by the owner or by an admin who may
 * manage the owner. A key acts as its owner limited to (key permissions ∩ owner's current
 * permissions) and stops working when the owner is disabled, or the key expires or is revoked.
 *
 * Errors: 400 api_key_name_required / api_key_name_too_long / api_key_permissions_required /
 * user_permission_unknown / api_key_expiry_invalid, 403 api_key_permission_grant_forbidden
 * (asking for a permission the owner lacks), 404 api_key_not_found. The services take the auth
 * context (auth_context.h); the SQL is in api_key_store.h. */
#ifndef NH_AUTH_API_KEYS_H
#define NH_AUTH_API_KEYS_H

#include <jansson.h>
#include <stdint.h>

#include "core/uuid.h"
#include "audit/audit.h"
#include "auth/auth_context.h"
#include "auth/user_store.h"
#include "core/error.h"
#include "db/db.h"

#define API_KEY_NAME_MAX_CHARACTERS 128

typedef struct api_key_owner {
    char key_id[UUID_TEXT_SIZE];
    user_record user;
    uint32_t effective_permissions;
} api_key_owner;

/* Look the key up; 0 when it is live and its owner active (out filled; clear out->user with
 * user_store_record_clear), else 401 api_key_invalid or a database error. */
int api_keys_authenticate(const auth_context *auth, const char *key, int64_t now,
                          api_key_owner *out, nh_error *err);

/* Create a key for the user owner_id from a request body {name, permissions[], expiresAtUtc?}.
 * *out is the key object including "key" (the secret, shown once). 401 auth_unauthorized when
 * the owner no longer exists. */
int api_keys_create(const auth_context *auth, const audit_actor *actor, const char *owner_id,
                    const json_t *body, json_t **out, nh_error *err);
/* The owner's keys that are not revoked, newest first, without secrets. */
int api_keys_list(const auth_context *auth, const char *owner_id, json_t **out, nh_error *err);
/* Revoke the owner's live key key_id (404 api_key_not_found otherwise). */
int api_keys_revoke(const auth_context *auth, const audit_actor *actor, const char *owner_id,
                    const char *key_id, nh_error *err);

#endif
