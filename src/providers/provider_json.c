/* provider_json.c - profile JSON (see provider_json.h). */
#include "providers/provider_json.h"

#include <string.h>

#include "core/clock.h"

static json_t *time_json(int64_t unix_ms)
{
    char text[CLOCK_ISO_SIZE];
    clock_format_iso(unix_ms, text);
    return json_string(text);
}

static json_t *text_or_null(const char *text)
{
    return text ? json_string(text) : json_null();
}

/* The stored array of secret field names (never the values). */
static json_t *secret_fields(const profile_record *profile)
{
    json_error_t parse_error;
    json_t *names = profile->secret_fields_json
                        ? json_loads(profile->secret_fields_json, 0, &parse_error)
                        : NULL;
    if (json_is_array(names))
        return names;
    json_decref(names);
    return json_array();
}

const char *provider_json_provider_name(const profile_record *profile, const json_t *configuration)
{
    if (strcmp(profile->provider_type, PROFILE_TYPE_S3) == 0) {
        const char *name = json_string_value(json_object_get(configuration, "providerName"));
        return name && name[0] ? name : "s3";
    }
    return profile->provider_type; /* "local", "github-repo", or the type itself */
}

json_t *provider_json_profile(const profile_record *profile)
{
    json_error_t parse_error;
    json_t *configuration = profile->configuration_json
                                ? json_loads(profile->configuration_json, 0, &parse_error)
                                : NULL;
    json_t *o = json_object();
    if (!o) {
        json_decref(configuration);
        return NULL;
    }
    json_object_set_new(o, "id", json_string(profile->id));
    json_object_set_new(o, "name", json_string(profile->name));
    json_object_set_new(o, "displayName", text_or_null(profile->display_name));
    json_object_set_new(o, "providerType", json_string(profile->provider_type));
    json_object_set_new(o, "isEnabled", json_boolean(profile->is_enabled));
    json_object_set_new(o, "isDefault", json_boolean(profile->is_default));
    json_object_set_new(o, "capabilities", profile_capabilities_json(&profile->capabilities));
    json_object_set_new(o, "configurationSummary", profile_config_summary(configuration));
    json_object_set_new(o, "configuration",
                        json_is_object(configuration) ? json_incref(configuration) : json_null());
    json_object_set_new(o, "secretFieldsSet", secret_fields(profile));
    json_object_set_new(o, "createdAtUtc", time_json(profile->created_at));
    json_object_set_new(o, "updatedAtUtc", time_json(profile->updated_at));
    json_decref(configuration);
    return o;
}
