/* user_json.c - the public user object. */
#include "auth/user_json.h"

#include "core/clock.h"

static json_t *time_json(int64_t ms)
{
    if (ms == 0)
        return json_null();
    char text[CLOCK_ISO_SIZE];
    clock_format_iso(ms, text);
    return json_string(text);
}

json_t *user_json_of(const user_record *user)
{
    char created[CLOCK_ISO_SIZE], updated[CLOCK_ISO_SIZE];
    clock_format_iso(user->created_at, created);
    clock_format_iso(user->updated_at, updated);
    bool super_admin = user->role == ROLE_SUPER_ADMIN;
    return json_pack(
        "{s:s, s:s, s:s, s:b, s:s, s:s, s:o, s:o}", "id", user->id, "username", user->username,
        "role", role_to_wire(user->role), "isActive", user->is_active, "createdAtUtc", created,
        "updatedAtUtc", updated, "lastLoginAtUtc", time_json(user->last_login_at), "permissions",
        permissions_to_json(super_admin ? PERMISSIONS_ALL : user->permissions, super_admin));
}
