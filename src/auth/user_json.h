/* user_json.h - the public user object of the API, shared by /auth (sign-in, refresh, me) and
 * /users: {id, username, role, isActive, createdAtUtc, updatedAtUtc, lastLoginAtUtc,
 * permissions}; permissions in catalogue order for the SuperAdmin, else in byte order. */
#ifndef NH_AUTH_USER_JSON_H
#define NH_AUTH_USER_JSON_H

#include <jansson.h>

#include "auth/user_store.h"

/* A new JSON object (caller owns), or NULL when out of memory. */
json_t *user_json_of(const user_record *user);

#endif
