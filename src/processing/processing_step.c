/* processing_step.c - the registry of step executors, failing a step from an error, and the
 * sanitizing of step messages (see processing_step.h; spec processing.md §5.3, §6). */
#include "processing/processing_step.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/text.h"
#include "core/utf8.h"
#include "processing/processing_steps.h"
#include "processing/skill_catalog.h"

typedef struct step_entry {
    const char *name;
    step_executor executor;
} step_entry;

static const step_entry registry[] = {
    {STEP_GENERATE_THUMBNAIL, step_generate_thumbnail},
    {STEP_GENERATE_BASIC_CAPTION, step_generate_basic_caption},
    {STEP_STRIP_EXIF_METADATA, step_strip_exif_metadata},
    {STEP_CONVERT_IMAGE_FORMAT, step_convert_image_format},
    {STEP_DRAW_WATERMARK, step_draw_watermark},
};

step_executor processing_step_find(const char *step_name)
{
    for (size_t i = 0; step_name && i < sizeof registry / sizeof registry[0]; i++)
        if (!strcmp(registry[i].name, step_name))
            return registry[i].executor;
    return NULL;
}

/* ---- failing ------------------------------------------------------------------------------ */

/* The rule of issue 11: a remote storage answering 502 for a request that may succeed later,
 * anything 429 or 503 (busy storage, busy or missing media workers, db_busy, disk full); never
 * a worker that crashed or timed out on these bytes (the same bytes meet the same fate). */
static bool is_transient(const nh_error *err)
{
    static const char *const never[] = {"media_worker_failed", "media_worker_timeout"};
    static const char *const remote[] = {"storage_provider_unavailable",
                                         "storage_provider_rate_limited",
                                         "storage_provider_request_failed"};
    for (size_t i = 0; i < sizeof never / sizeof never[0]; i++)
        if (!strcmp(err->code, never[i]))
            return false;
    if (err->status == 429 || err->status == 503)
        return true;
    for (size_t i = 0; err->status == 502 && i < sizeof remote / sizeof remote[0]; i++)
        if (!strcmp(err->code, remote[i]))
            return true;
    return false;
}

void processing_step_fail(step_result *result, const nh_error *err)
{
    result->status = STEP_STATUS_FAILED;
    snprintf(result->code, sizeof result->code, "%.63s", err->code[0] ? err->code : "step_failed");
    processing_sanitize_message(err->message, NULL, result->message);
    result->transient = is_transient(err);
    result->retry_after_s = result->transient ? err->retry_after_seconds : 0;
}

/* ---- sanitizing --------------------------------------------------------------------------- */

/* text with every run of white space (Unicode White_Space) turned into one space, the ends
 * trimmed, and every malformed byte replaced with '?'. */
static int collapse_white_space(const char *text, buf *out)
{
    size_t length = strlen(text), pos = 0;
    bool pending_space = false;
    int rc = buf_append(out, "", 0); /* an empty message still yields "" */
    while (rc == 0 && pos < length) {
        size_t start = pos;
        uint32_t code_point;
        bool malformed = utf8_next(text, length, &pos, &code_point) != 0;
        if (malformed)
            pos = start + 1;
        if (!malformed && utf8_is_white_space(code_point)) {
            pending_space = out->length > 0;
            continue;
        }
        if (pending_space)
            rc = buf_append(out, " ", 1);
        pending_space = false;
        if (rc == 0)
            rc = malformed ? buf_append(out, "?", 1) : buf_append(out, text + start, pos - start);
    }
    return rc;
}

static bool is_word_byte(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

static bool is_sk_key_byte(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '-';
}

/* How many bytes of a secret follow at text: "Bearer <token>" (the token: everything up to
 * the next space) or "sk-<[A-Za-z0-9_-]+>" (any case). *keep gets the bytes of the prefix that
 * stay; 0 when nothing matches here. An "sk-" inside a word ("task-", "disk-") is no key. */
static size_t secret_at(const char *text, size_t pos, size_t *keep)
{
    const char *at = text + pos;
    bool word_start = pos == 0 || !is_word_byte(text[pos - 1]);
    if (word_start && !strncasecmp(at, "bearer ", 7) && at[7] && at[7] != ' ') {
        size_t end = 7;
        while (at[end] && at[end] != ' ')
            end++;
        *keep = 7;
        return end;
    }
    if (word_start && !strncasecmp(at, "sk-", 3) && is_sk_key_byte(at[3])) {
        size_t end = 3;
        while (is_sk_key_byte(at[end]))
            end++;
        *keep = 3;
        return end;
    }
    return 0;
}

/* Replace the secrets of text (already collapsed) with "***", keeping their prefix as the
 * spec writes it ("Bearer ***", "sk-***"). */
static int redact(const char *text, buf *out)
{
    int rc = 0;
    for (size_t pos = 0; rc == 0 && text[pos];) {
        size_t keep = 0;
        size_t length = secret_at(text, pos, &keep);
        if (length == 0) {
            rc = buf_append(out, text + pos, 1);
            pos++;
            continue;
        }
        rc = buf_append_str(out, keep == 7 ? "Bearer ***" : "sk-***");
        pos += length;
    }
    return rc;
}

static void fallback_message(const char *step_name, char out[STEP_MESSAGE_MAX + 1])
{
    if (step_name && step_name[0])
        snprintf(out, STEP_MESSAGE_MAX + 1, "Step '%.128s' failed.", step_name);
    else
        snprintf(out, STEP_MESSAGE_MAX + 1, "The step failed.");
}

void processing_sanitize_message(const char *message, const char *step_name,
                                 char out[STEP_MESSAGE_MAX + 1])
{
    buf collapsed, redacted;
    buf_init(&collapsed, 0);
    buf_init(&redacted, 0);
    int rc = message ? collapse_white_space(message, &collapsed) : -1;
    if (rc == 0)
        rc = buf_append(&redacted, "", 0);
    if (rc == 0)
        rc = redact(collapsed.data, &redacted);
    if (rc == 0 && !text_is_blank(redacted.data))
        text_copy_utf8(out, STEP_MESSAGE_MAX + 1, redacted.data);
    else
        fallback_message(step_name, out);
    buf_free(&collapsed);
    buf_free(&redacted);
}
