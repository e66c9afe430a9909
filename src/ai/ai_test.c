/* ai_test.c - POST /api/v1/system/ai/providers/test (see ai.h; spec processing.md §10.4 with
 * issue 12's corrections): the settings of the body, a saved profile's filling the blanks, and
 * one caption call on a built-in 8x8 PNG through the same client, slots and deadline as the
 * caption step. Nothing is stored. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ai/ai_fields.h"
#include "ai/ai_internal.h"
#include "core/clock.h"
#include "core/json_input.h"
#include "core/text.h"
#include "core/uuid.h"

/* An 8x8 RGB gradient PNG (165 bytes). */
static const char SAMPLE_IMAGE_URL[] =
    "data:image/png;base64,"
    "iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAbElEQVR42hXNQRUAUQhCUaMYhShGeVGIQhSizB+XX"
    "A7ODDtouIHBQ4YOM8suWm5h8ZKl+0CskDiBsIioHhx76LiDw0eO3oN/4FVf+J8h0PduzBqZ8x/bxNQPwgaFy192SG"
    "gelC0q13/CJaXlA8Z7WAFXOTbyAAAAAElFTkSuQmCC";

typedef struct test_body {
    const char *profile_id;
    const char *base_url;
    const char *key;
    const char *model;
    const char *prompt;
    bool prompt_given; /* present and not null */
} test_body;

static int parse_test_body(const json_t *body, test_body *out, nh_error *err)
{
    memset(out, 0, sizeof *out);
    if (!json_is_object(body))
        return error_set(err, 400, "request_invalid", "A JSON object body is required.");
    const char *members[] = {"profileId", "apiBaseUrl", "apiKey", "modelName",
                             "defaultSystemPrompt"};
    const char **slots[] = {&out->profile_id, &out->base_url, &out->key, &out->model, &out->prompt};
    for (size_t i = 0; i < sizeof members / sizeof members[0]; i++) {
        const json_t *value = json_input_get(body, members[i]);
        if (value && !json_is_null(value) && !json_is_string(value))
            return error_set(err, 400, "request_invalid", "'%s' must be a string.", members[i]);
        *slots[i] = json_string_value(value);
    }
    out->prompt_given = out->prompt != NULL;
    return 0;
}

/* A blank body value takes the saved one (saved may be NULL: then the value is required). */
static int take(const char *given, const char *saved,
                int (*check)(const char *, char **, nh_error *), char **out, nh_error *err)
{
    if (text_is_blank(given) && saved) {
        *out = strdup(saved);
        return *out ? 0 : error_internal(err);
    }
    return check(given, out, err);
}

/* The settings of a saved profile (404 when unknown) under the body's non-blank values. The
 * saved key is opened only when the body has none: an unopenable one is *key_failure (the
 * test then reports it), not an error of the call. */
static int target_of_profile(ai_service *service, const test_body *b, ai_target *target,
                             nh_error *key_failure, nh_error *err)
{
    char id[UUID_TEXT_SIZE];
    if (!uuid_parse(b->profile_id, id))
        return error_set(err, 404, "ai_provider_profile_not_found",
                         "AI provider profile '%s' was not found.", b->profile_id);
    db_conn *conn = db_acquire(service->database, err);
    if (!conn)
        return -1;
    db_result *rows = NULL;
    int rc = ai_profile_store_find(conn, id, &rows, err);
    db_release(service->database, conn);
    if (rc == 0 && db_result_rows(rows) == 0)
        rc = error_set(err, 404, "ai_provider_profile_not_found",
                       "AI provider profile '%s' was not found.", id);
    ai_profile_record saved;
    if (rc == 0)
        ai_profile_record_from_row(rows, 0, &saved);
    if (rc == 0)
        rc = take(b->base_url, saved.api_base_url, ai_field_base_url, &target->base_url, err);
    if (rc == 0)
        rc = take(b->model, saved.model_name, ai_field_model, &target->model, err);
    if (rc == 0 && b->prompt_given)
        rc = ai_field_prompt(b->prompt, &target->prompt, err);
    else if (rc == 0 && saved.default_system_prompt &&
             !(target->prompt = strdup(saved.default_system_prompt)))
        rc = error_internal(err);
    if (rc == 0 && !text_is_blank(b->key)) {
        rc = ai_field_api_key(b->key, &target->key, err);
    } else if (rc == 0) {
        ai_target opened;
        if (ai_target_from_record(service, &saved, &opened, key_failure) == 0) {
            target->key = opened.key;
            opened.key = NULL;
            ai_target_clear(&opened);
        } else if (strcmp(key_failure->code, "ai_provider_key_unreadable") != 0) {
            *err = *key_failure;
            rc = -1;
        }
    }
    db_result_free(rows);
    return rc;
}

/* The settings of the body alone: apiBaseUrl, apiKey and modelName required. */
static int target_of_body(const test_body *b, ai_target *target, nh_error *err)
{
    if (ai_field_base_url(b->base_url, &target->base_url, err) != 0 ||
        ai_field_api_key(b->key, &target->key, err) != 0 ||
        ai_field_model(b->model, &target->model, err) != 0)
        return -1;
    return ai_field_prompt(b->prompt, &target->prompt, err);
}

static json_t *result_json(const ai_target *target, const vision_caption *caption,
                           const nh_error *failure, int64_t started_ns)
{
    json_int_t duration_ms = (json_int_t)((clock_monotonic_ns() - started_ns) / 1000000);
    const char *model = caption->model && caption->model[0] ? caption->model : target->model;
    json_t *tags =
        caption->tags ? json_incref(caption->tags) : (failure ? json_null() : json_array());
    return json_pack("{s:b, s:s?, s:s?, s:o, s:s, s:s, s:s?, s:s?, s:I}", "succeeded", !failure,
                     "caption", caption->caption, "altText", caption->alt_text, "tags", tags,
                     "resolvedModelName", model, "resolvedApiBaseUrl", target->base_url,
                     "errorMessage", failure ? failure->message : NULL, "errorCode",
                     failure ? failure->code : NULL, "durationMs", duration_ms);
}

/* A failure the test reports in its answer (the provider's, the key's, the deadline's). */
static bool is_provider_failure(const nh_error *failure)
{
    return !strncmp(failure->code, "ai_provider_", strlen("ai_provider_"));
}

int ai_profiles_test(ai_service *service, const json_t *body, json_t **out, nh_error *err)
{
    *out = NULL;
    int64_t started_ns = clock_monotonic_ns();
    test_body b;
    if (parse_test_body(body, &b, err) != 0)
        return -1;
    ai_target target;
    memset(&target, 0, sizeof target);
    nh_error failure;
    error_clear(&failure);
    int rc = !text_is_blank(b.profile_id) ? target_of_profile(service, &b, &target, &failure, err)
                                          : target_of_body(&b, &target, err);
    vision_caption caption;
    memset(&caption, 0, sizeof caption);
    if (rc == 0 && target.key &&
        ai_call_model(service, &target, SAMPLE_IMAGE_URL, started_ns, -1, &caption, &failure) != 0 &&
        !is_provider_failure(&failure)) {
        *err = failure;
        rc = -1;
    }
    if (rc == 0) {
        bool failed = failure.code[0] != '\0';
        if (failed)
            vision_sanitize(failure.message, sizeof failure.message, target.key);
        *out = result_json(&target, &caption, failed ? &failure : NULL, started_ns);
        rc = *out ? 0 : error_internal(err);
    }
    vision_caption_clear(&caption);
    ai_target_clear(&target);
    return rc;
}
