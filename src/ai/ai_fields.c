/* ai_fields.c - profile fields (see ai_fields.h). */
#include "ai/ai_fields.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ai/ai.h"
#include "core/text.h"
#include "core/utf8.h"

#define AI_MASK_MIN_CHARS 9 /* shorter keys show no character of theirs */

/* 400 ai_provider_profile_<code_field>_<problem>. */
static int field_error(nh_error *err, const char *code_field, const char *problem,
                       const char *message)
{
    char code[sizeof err->code];
    snprintf(code, sizeof code, "ai_provider_profile_%s_%s", code_field, problem);
    return error_set(err, 400, code, "%s", message);
}

/* The trimmed text into *out; _required when blank, _too_long beyond limit characters. */
static int required_text(const char *raw, const char *field, const char *code_field, size_t limit,
                         char **out, nh_error *err)
{
    char message[128];
    *out = NULL;
    if (text_is_blank(raw)) {
        snprintf(message, sizeof message, "%s is required.", field);
        return field_error(err, code_field, "required", message);
    }
    *out = text_trimmed_copy(raw);
    if (!*out)
        return error_internal(err);
    if (text_utf8_length(*out) <= limit)
        return 0;
    free(*out);
    *out = NULL;
    snprintf(message, sizeof message, "%s must be at most %zu characters long.", field, limit);
    return field_error(err, code_field, "too_long", message);
}

int ai_field_name(const char *raw, char **out, nh_error *err)
{
    return required_text(raw, "name", "name", AI_NAME_MAX_CHARS, out, err);
}

int ai_field_model(const char *raw, char **out, nh_error *err)
{
    return required_text(raw, "modelName", "model_name", AI_MODEL_MAX_CHARS, out, err);
}

/* An absolute http(s) URL with a host, no user information, no fragment (curl's parser). */
static bool url_is_acceptable(const char *url)
{
    const char *authority = strstr(url, "://");
    if (text_has_control(url) || strpbrk(url, " \t") != NULL || !authority ||
        strchr("/?#", authority[3]) != NULL) /* "https:///v1": curl would take v1 as the host */
        return false;
    CURLU *parsed = curl_url();
    if (!parsed)
        return false;
    char *scheme = NULL, *host = NULL, *user = NULL, *password = NULL, *fragment = NULL;
    bool ok = curl_url_set(parsed, CURLUPART_URL, url, 0) == CURLUE_OK &&
              curl_url_get(parsed, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
              curl_url_get(parsed, CURLUPART_HOST, &host, 0) == CURLUE_OK && host[0] != '\0' &&
              (!strcasecmp(scheme, "http") || !strcasecmp(scheme, "https")) &&
              curl_url_get(parsed, CURLUPART_USER, &user, 0) == CURLUE_NO_USER &&
              curl_url_get(parsed, CURLUPART_PASSWORD, &password, 0) == CURLUE_NO_PASSWORD &&
              curl_url_get(parsed, CURLUPART_FRAGMENT, &fragment, 0) == CURLUE_NO_FRAGMENT &&
              strchr(url, '#') == NULL;
    curl_free(scheme);
    curl_free(host);
    curl_free(user);
    curl_free(password);
    curl_free(fragment);
    curl_url_cleanup(parsed);
    return ok;
}

int ai_field_base_url(const char *raw, char **out, nh_error *err)
{
    if (required_text(raw, "apiBaseUrl", "api_base_url", SIZE_MAX, out, err) != 0)
        return -1;
    size_t length = strlen(*out);
    while (length > 0 && (*out)[length - 1] == '/')
        (*out)[--length] = '\0';
    int rc = 0;
    if (text_utf8_length(*out) > AI_BASE_URL_MAX_CHARS)
        rc = field_error(err, "api_base_url", "too_long",
                         "apiBaseUrl must be at most 512 characters long.");
    else if (!url_is_acceptable(*out))
        rc = field_error(err, "api_base_url", "invalid",
                         "apiBaseUrl must be an absolute http or https URL with a host, without "
                         "user information or a fragment.");
    if (rc == 0)
        return 0;
    free(*out);
    *out = NULL;
    return rc;
}

int ai_field_api_key(const char *raw, char **out, nh_error *err)
{
    *out = NULL;
    if (text_is_blank(raw))
        return field_error(err, "api_key", "required", "apiKey is required.");
    char *key = text_trimmed_copy(raw);
    if (!key)
        return error_internal(err);
    int rc = 0;
    if (strlen(key) > AI_KEY_MAX_BYTES)
        rc = error_set(err, 400, "ai_provider_profile_api_key_too_long",
                       "apiKey must be at most %d bytes long.", AI_KEY_MAX_BYTES);
    else if (text_has_control(key))
        rc = error_set(err, 400, "ai_provider_profile_api_key_invalid",
                       "apiKey must not contain control characters.");
    if (rc == 0) {
        *out = key;
        return 0;
    }
    free(key);
    return rc;
}

int ai_field_prompt(const char *raw, char **out, nh_error *err)
{
    *out = NULL;
    if (text_is_blank(raw))
        return 0;
    return required_text(raw, "defaultSystemPrompt", "default_system_prompt", AI_PROMPT_MAX_CHARS,
                         out, err);
}

char *ai_key_mask(const char *key)
{
    if (!strncasecmp(key, "sk-", 3))
        return strdup("sk-***");
    if (text_utf8_length(key) < AI_MASK_MIN_CHARS)
        return strdup("***");
    size_t length = strlen(key), pos = 0;
    for (int chars = 0; chars < 4 && pos < length; chars++) {
        uint32_t code_point;
        if (utf8_next(key, length, &pos, &code_point) != 0)
            pos++;
    }
    char *mask = malloc(pos + 4);
    if (mask)
        snprintf(mask, pos + 4, "%.*s***", (int)pos, key);
    return mask;
}
