/* provider_json.h - the JSON of storage provider profiles (spec §3 plus secretFieldsSet and the
 * normalized non-secret configuration). Pure; results are new references (NULL on no
 * memory). Never reads or shows a secret value. */
#ifndef NH_PROVIDERS_PROVIDER_JSON_H
#define NH_PROVIDERS_PROVIDER_JSON_H

#include <jansson.h>

#include "storage/profile_store.h"

/* {id, name, displayName, providerType, isEnabled, isDefault, capabilities{10},
 * configurationSummary{...}, configuration, secretFieldsSet[], createdAtUtc, updatedAtUtc} */
json_t *provider_json_profile(const profile_record *profile);

/* The provider name a profile writes on assets (§10 runtime.providerName). */
const char *provider_json_provider_name(const profile_record *profile, const json_t *configuration);

#endif
