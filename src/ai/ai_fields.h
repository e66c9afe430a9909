/* ai_fields.h - the fields of an AI provider profile as a client writes them (spec
 * processing.md §10.1 with issue 12's corrections): each is trimmed and checked, in the order
 * the create call checks them, and the key's mask. Pure; results are malloc'ed and owned by
 * the caller. Errors (400): ai_provider_profile_<field>_required, _too_long, and
 * ai_provider_profile_api_base_url_invalid / ai_provider_profile_api_key_invalid; 500 when out
 * of memory. */
#ifndef NH_AI_FIELDS_H
#define NH_AI_FIELDS_H

#include "core/error.h"

/* Required, trimmed, at most AI_NAME_MAX_CHARS characters. */
int ai_field_name(const char *raw, char **out, nh_error *err);
/* Required, trimmed, every trailing '/' removed, at most AI_BASE_URL_MAX_CHARS characters, an
 * absolute http or https URL with a host, no user information, no fragment, no white space. */
int ai_field_base_url(const char *raw, char **out, nh_error *err);
/* Required, trimmed, at most AI_KEY_MAX_BYTES bytes, no control characters (it goes into a
 * header). */
int ai_field_api_key(const char *raw, char **out, nh_error *err);
/* Required, trimmed, at most AI_MODEL_MAX_CHARS characters. */
int ai_field_model(const char *raw, char **out, nh_error *err);
/* Optional: NULL or blank gives *out NULL (the standard prompt); else trimmed, at most
 * AI_PROMPT_MAX_CHARS characters. */
int ai_field_prompt(const char *raw, char **out, nh_error *err);

/* The mask shown instead of a (trimmed) key: "sk-***" for a key starting with sk- (any case),
 * else its first 4 characters and "***"; a key of 8 characters or fewer shows none of them
 * ("***"). NULL when out of memory. */
char *ai_key_mask(const char *key);

#endif
