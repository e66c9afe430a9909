/* permissions.h - the permission catalogue, permission sets, role templates and user roles.
 *
 * A permission set is a uint32_t bitmask: bit i is catalogue entry i (enum permission). Only the
 * low PERMISSION_COUNT bits are meaningful; functions that read a set ignore any other bit.
 *
 * Roles travel in three spellings: the wire (JSON) names superAdmin/admin/user, read
 * case-insensitively; the stored names SuperAdmin/Admin/User, used in the database and in the
 * JWT role claim, read exactly.
 *
 * Everything here is pure and thread-safe: no allocation except the JSON array built by
 * permissions_to_json(), no global state. */
#ifndef NH_AUTH_PERMISSIONS_H
#define NH_AUTH_PERMISSIONS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"

/* Catalogue order (the order SuperAdmin permissions are listed in). Never reorder: the bit
 * positions are only used in memory, but the order is part of the API output. */
typedef enum permission {
    PERMISSION_ASSETS_READ,
    PERMISSION_ASSETS_CREATE,
    PERMISSION_ASSETS_UPDATE,
    PERMISSION_ASSETS_DELETE,
    PERMISSION_PROVIDERS_READ,
    PERMISSION_PROVIDERS_CREATE,
    PERMISSION_PROVIDERS_UPDATE,
    PERMISSION_PROVIDERS_DELETE,
    PERMISSION_AI_PROVIDERS_READ,
    PERMISSION_AI_PROVIDERS_CREATE,
    PERMISSION_AI_PROVIDERS_UPDATE,
    PERMISSION_AI_PROVIDERS_DELETE,
    PERMISSION_SETTINGS_READ,
    PERMISSION_SETTINGS_UPDATE,
    PERMISSION_USERS_READ,
    PERMISSION_USERS_CREATE,
    PERMISSION_USERS_UPDATE,
    PERMISSION_USERS_DISABLE,
    PERMISSION_USERS_MANAGE_PERMISSIONS,
    PERMISSION_AUDIT_READ,
    PERMISSION_COUNT
} permission;

/* Every catalogue permission. */
#define PERMISSIONS_ALL ((uint32_t)((1u << PERMISSION_COUNT) - 1u))

typedef enum user_role { ROLE_SUPER_ADMIN, ROLE_ADMIN, ROLE_USER } user_role;

/* The single bit of a permission; 0 for a value outside the catalogue. */
uint32_t permission_bit(permission p);

/* True when set holds p. */
bool permissions_has(uint32_t set, permission p);

/* Exact, case-sensitive lookup of a catalogue key ("assets.read"). Returns 0 and writes *out,
 * or -1 (out untouched) when name is NULL or not a catalogue key. */
int permission_from_name(const char *name, permission *out);

/* The catalogue key of p (a static string), or NULL when p is outside the catalogue. */
const char *permission_name(permission p);

/* The default grants of a role: superAdmin and admin get everything, user gets assets.read.
 * An out-of-range role gets the empty set. */
uint32_t permissions_template(user_role role);

/* Normalise a client-supplied JSON array of permission names into a set:
 *   1. null entries and strings that are empty or whitespace-only (Unicode White_Space, as
 *      .NET's string.IsNullOrWhiteSpace) are dropped;
 *   2. the rest are trimmed of the same whitespace;
 *   3. a name that is not an exact catalogue key, or an entry that is not a string, fails with
 *      400 user_permission_unknown and a message naming the first offender (we do not
 *      silently drop it as the original did);
 *   4. duplicates collapse (it is a set).
 * array must be a JSON array (anything else, including NULL, is 400 request_invalid).
 * Returns 0 and writes *out, or -1 with err filled and *out untouched. */
int permissions_normalize(const json_t *array, uint32_t *out, nh_error *err);

/* A new JSON array of the names in set (new reference, caller json_decref()s it; NULL when
 * memory runs out). catalogue_order true lists them in catalogue order (used for SuperAdmin,
 * whose effective set is always PERMISSIONS_ALL); false in ordinal byte order of the names
 * (strcmp), as the original reports stored grants. */
json_t *permissions_to_json(uint32_t set, bool catalogue_order);

/* Wire (JSON) names: "superAdmin", "admin", "user". NULL for an out-of-range role. */
const char *role_to_wire(user_role role);
/* Stored / JWT-claim names: "SuperAdmin", "Admin", "User". NULL for an out-of-range role. */
const char *role_to_stored(user_role role);

/* Parse a wire name, ASCII case-insensitively ("admin", "Admin", "ADMIN"); no trimming, no
 * numbers. Returns 0 and writes *out, or -1 (out untouched). */
int role_from_wire(const char *text, user_role *out);
/* Parse a stored name, exactly ("SuperAdmin", "Admin", "User"). Returns 0 or -1. */
int role_from_stored(const char *text, user_role *out);

/* Parse a role from a request body member. value must be a JSON string holding a wire name;
 * NULL (absent), JSON null, a number or an unknown name fail with 400 request_invalid.
 * Accepting superAdmin here is deliberate: whether that role may be granted is a service rule
 * with its own 403 code. Returns 0 and writes *out, or -1 with err filled. */
int role_from_json(const json_t *value, user_role *out, nh_error *err);

#endif
