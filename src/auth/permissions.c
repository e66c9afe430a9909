/* permissions.c - the permission catalogue, permission-set normalisation and role names. */
#include "auth/permissions.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/text.h"

/* How many bytes of an offending name a message echoes before cutting it with "…". */
#define ECHOED_NAME_MAX_BYTES 100

static const char *const permission_names[PERMISSION_COUNT] = {
    "assets.read",
    "assets.create",
    "assets.update",
    "assets.delete",
    "providers.read",
    "providers.create",
    "providers.update",
    "providers.delete",
    "aiProviders.read",
    "aiProviders.create",
    "aiProviders.update",
    "aiProviders.delete",
    "settings.read",
    "settings.update",
    "users.read",
    "users.create",
    "users.update",
    "users.disable",
    "users.managePermissions",
    "audit.read",
};

static const char *const role_wire_names[] = {"superAdmin", "admin", "user"};
static const char *const role_stored_names[] = {"SuperAdmin", "Admin", "User"};
#define ROLE_COUNT 3

static bool permission_is_valid(permission p)
{
    return (int)p >= 0 && p < PERMISSION_COUNT;
}

static bool role_is_valid(user_role role)
{
    return (int)role >= 0 && (int)role < ROLE_COUNT;
}

uint32_t permission_bit(permission p)
{
    if (!permission_is_valid(p))
        return 0;
    return (uint32_t)1u << p;
}

bool permissions_has(uint32_t set, permission p)
{
    uint32_t bit = permission_bit(p);
    return bit != 0 && (set & bit) != 0;
}

/* Look up a name given by pointer and length (it may contain NUL bytes, which never match). */
static int permission_from_bytes(const char *name, size_t length, permission *out)
{
    for (int i = 0; i < PERMISSION_COUNT; i++) {
        if (strlen(permission_names[i]) == length &&
            memcmp(permission_names[i], name, length) == 0) {
            *out = (permission)i;
            return 0;
        }
    }
    return -1;
}

int permission_from_name(const char *name, permission *out)
{
    if (!name || !out)
        return -1;
    return permission_from_bytes(name, strlen(name), out);
}

const char *permission_name(permission p)
{
    if (!permission_is_valid(p))
        return NULL;
    return permission_names[p];
}

uint32_t permissions_template(user_role role)
{
    switch (role) {
    case ROLE_SUPER_ADMIN:
    case ROLE_ADMIN:
        return PERMISSIONS_ALL;
    case ROLE_USER:
        return permission_bit(PERMISSION_ASSETS_READ);
    }
    return 0;
}

/* How many bytes of text to echo in a message: all of it up to the limit, otherwise a prefix
 * that ends on a character boundary. */
static size_t echoed_length(const char *text, size_t length)
{
    if (length <= ECHOED_NAME_MAX_BYTES)
        return length;
    size_t cut = ECHOED_NAME_MAX_BYTES;
    while (cut > 0 && ((unsigned char)text[cut] & 0xC0) == 0x80)
        cut--;
    return cut;
}

static int unknown_permission(const char *name, size_t length, nh_error *err)
{
    size_t shown = echoed_length(name, length);
    return error_set(err, 400, "user_permission_unknown", "Unknown permission '%.*s%s'.",
                     (int)shown, name, shown < length ? "…" : "");
}

static const char *json_type_name(const json_t *value)
{
    switch (json_typeof(value)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_INTEGER:
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    default:
        return "not a string";
    }
}

/* Add one array entry to *set; dropped entries (null, blank) leave it unchanged. */
static int normalize_entry(const json_t *entry, size_t index, uint32_t *set, nh_error *err)
{
    if (json_is_null(entry))
        return 0;
    if (!json_is_string(entry))
        return error_set(err, 400, "user_permission_unknown",
                         "The permission at index %zu is %s; permissions must be strings.", index,
                         json_type_name(entry));
    const char *text = json_string_value(entry);
    size_t start, end;
    text_trim_bounds(text, json_string_length(entry), &start, &end);
    if (start == end)
        return 0;
    permission p;
    if (permission_from_bytes(text + start, end - start, &p) != 0)
        return unknown_permission(text + start, end - start, err);
    *set |= permission_bit(p);
    return 0;
}

int permissions_normalize(const json_t *array, uint32_t *out, nh_error *err)
{
    if (!out)
        return error_internal(err);
    if (!json_is_array(array))
        return error_set(err, 400, "request_invalid",
                         "The permissions field must be an array of strings.");
    uint32_t set = 0;
    size_t count = json_array_size(array);
    for (size_t i = 0; i < count; i++) {
        if (normalize_entry(json_array_get(array, i), i, &set, err) != 0)
            return -1;
    }
    *out = set;
    return 0;
}

static int compare_permission_names(const void *a, const void *b)
{
    return strcmp(permission_names[*(const permission *)a],
                  permission_names[*(const permission *)b]);
}

json_t *permissions_to_json(uint32_t set, bool catalogue_order)
{
    permission order[PERMISSION_COUNT];
    size_t count = 0;
    for (int i = 0; i < PERMISSION_COUNT; i++) {
        if (permissions_has(set, (permission)i))
            order[count++] = (permission)i;
    }
    if (!catalogue_order)
        qsort(order, count, sizeof order[0], compare_permission_names);

    json_t *array = json_array();
    if (!array)
        return NULL;
    for (size_t i = 0; i < count; i++) {
        if (json_array_append_new(array, json_string(permission_names[order[i]])) != 0) {
            json_decref(array);
            return NULL;
        }
    }
    return array;
}

const char *role_to_wire(user_role role)
{
    if (!role_is_valid(role))
        return NULL;
    return role_wire_names[role];
}

const char *role_to_stored(user_role role)
{
    if (!role_is_valid(role))
        return NULL;
    return role_stored_names[role];
}

int role_from_wire(const char *text, user_role *out)
{
    if (!text || !out)
        return -1;
    for (int i = 0; i < ROLE_COUNT; i++) {
        if (strcasecmp(text, role_wire_names[i]) == 0) {
            *out = (user_role)i;
            return 0;
        }
    }
    return -1;
}

int role_from_stored(const char *text, user_role *out)
{
    if (!text || !out)
        return -1;
    for (int i = 0; i < ROLE_COUNT; i++) {
        if (strcmp(text, role_stored_names[i]) == 0) {
            *out = (user_role)i;
            return 0;
        }
    }
    return -1;
}

int role_from_json(const json_t *value, user_role *out, nh_error *err)
{
    if (!out)
        return error_internal(err);
    if (!value || json_is_null(value))
        return error_set(err, 400, "request_invalid", "The Role field is required.");
    if (!json_is_string(value))
        return error_set(err, 400, "request_invalid",
                         "The role must be one of superAdmin, admin, user (as a string).");
    /* A NUL inside the string would make strcasecmp see a shorter name. */
    if (strlen(json_string_value(value)) != json_string_length(value) ||
        role_from_wire(json_string_value(value), out) != 0)
        return error_set(err, 400, "request_invalid",
                         "The role must be one of superAdmin, admin, user.");
    return 0;
}
