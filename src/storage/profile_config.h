/* profile_config.h - the per-type rules of storage provider profiles (spec storage-providers.md
 * §3, §7, §8 with the corrections): provider types and their canonical (lower-case)
 * form, validation and normalization of the configuration and secret JSON, the configuration
 * summary shown in responses, and the capability catalog. Pure (no database, no network; the
 * local root check reads the filesystem to resolve symbolic links). Nothing here owns state.
 *
 * Errors are 400s with the spec's codes (storage_provider_profile_*) and err filled; -1. */
#ifndef NH_STORAGE_PROFILE_CONFIG_H
#define NH_STORAGE_PROFILE_CONFIG_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/config.h"
#include "core/error.h"

#define PROFILE_TYPE_LOCAL "local"
#define PROFILE_TYPE_S3 "s3-compatible"
#define PROFILE_TYPE_GITHUB_REPO "github-repo"
#define PROFILE_TYPE_GITHUB_RELEASES "github-releases"

#define PROFILE_NAME_MAX_CHARS 128
#define PROFILE_DISPLAY_NAME_MAX_CHARS 256
#define PROFILE_TYPE_MAX_CHARS 64

/* The ten capability flags (§8), in the order of the JSON object and the table's columns. */
typedef enum profile_capability {
    PROFILE_CAP_PUBLIC_READ = 0,
    PROFILE_CAP_PRIVATE_READ,
    PROFILE_CAP_VISIBILITY_TOGGLE,
    PROFILE_CAP_DELETE,
    PROFILE_CAP_DIRECT_PUBLIC_URL,
    PROFILE_CAP_REQUIRES_ACCESS_PROXY,
    PROFILE_CAP_RECOMMENDED_PRIMARY,
    PROFILE_CAP_PLATFORM_BACKED,
    PROFILE_CAP_EXPERIMENTAL,
    PROFILE_CAP_TOKEN_FOR_PRIVATE_READ,
    PROFILE_CAP_COUNT
} profile_capability;

typedef struct profile_capabilities {
    bool flags[PROFILE_CAP_COUNT];
} profile_capabilities;

/* The JSON name of a flag ("supportsPublicRead", ...). */
const char *profile_capability_name(profile_capability flag);
/* The catalog's flags of a canonical provider type; false for an unknown type. */
bool profile_capabilities_of(const char *type, profile_capabilities *out);
/* {"supportsPublicRead": true, ...} (new reference; NULL on no memory). */
json_t *profile_capabilities_json(const profile_capabilities *capabilities);

/* The canonical form of a caller's providerType: trimmed and ASCII lower-cased into out
 * (size bytes). Returns false when it does not fit. */
bool profile_type_canonical(const char *type, char *out, size_t size);
/* True for the four declared types (canonical form). */
bool profile_type_is_known(const char *type);

/* Where local profiles may point: the resolved directories of Storage__Local__AllowedRoots__N
 * (default: the data directory). */
typedef struct profile_rules {
    const string_list *allowed_roots; /* may be NULL or empty: then data_dir */
    const char *data_dir;
} profile_rules;

/* Validate configuration (an object) and secret (NULL, JSON null or an object) of a canonical
 * type with the §7 rules, in the spec's order, and produce their normalized forms:
 * *configuration_out always (all declared keys, nulls included), *secret_out an object with the
 * declared secret keys that are set, or NULL when there is no secret. Both new references. */
int profile_config_normalize(const char *type, const json_t *configuration, const json_t *secret,
                             const profile_rules *rules, json_t **configuration_out,
                             json_t **secret_out, nh_error *err);

/* The configurationSummary of §3 from a stored configuration (NULL or not an object: every
 * field null). New reference, NULL on no memory. */
json_t *profile_config_summary(const json_t *configuration);

/* The names of the secret keys set in a normalized secret object (e.g. ["accessKey",
 * "secretKey"]), in the type's declared order; an empty array for NULL. New reference. */
json_t *profile_secret_fields(const char *type, const json_t *secret);

/* Is text an absolute http or https URL with a host and without user:password@? */
bool profile_url_is_http(const char *text);

/* The resolved absolute form of path (symbolic links and '..' resolved for the part that
 * exists, the rest appended lexically) into out (PATH_MAX bytes); -1 when it cannot be
 * resolved. Relative paths resolve against the working directory. */
int profile_resolve_path(const char *path, char *out);

#endif
