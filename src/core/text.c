/* text.c - blankness, trimming, UTF-8 length and validation, on core/utf8. */
#include "core/text.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/utf8.h"

/* Decode leniently for blankness and trimming: a malformed byte counts as one character that
 * is not whitespace. */
static size_t next_character(const char *text, size_t length, size_t pos, uint32_t *code_point)
{
    size_t next = pos;
    if (utf8_next(text, length, &next, code_point) != 0) {
        *code_point = 0xFFFD;
        return pos + 1;
    }
    return next;
}

bool text_is_blank(const char *text)
{
    if (!text)
        return true;
    size_t length = strlen(text);
    size_t pos = 0;
    while (pos < length) {
        uint32_t code_point;
        pos = next_character(text, length, pos, &code_point);
        if (!utf8_is_white_space(code_point))
            return false;
    }
    return true;
}

void text_trim_bounds(const char *text, size_t length, size_t *start, size_t *end)
{
    size_t first = length;
    size_t last_end = 0;
    size_t pos = 0;
    while (pos < length) {
        uint32_t code_point;
        size_t next = next_character(text, length, pos, &code_point);
        if (!utf8_is_white_space(code_point)) {
            if (first == length)
                first = pos;
            last_end = next;
        }
        pos = next;
    }
    *start = first == length ? 0 : first;
    *end = first == length ? 0 : last_end;
}

char *text_trimmed_copy(const char *text)
{
    size_t start, end;
    text_trim_bounds(text, strlen(text), &start, &end);
    size_t length = end - start;
    char *copy = malloc(length + 1);
    if (!copy)
        return NULL;
    memcpy(copy, text + start, length);
    copy[length] = '\0';
    return copy;
}

size_t text_utf8_length(const char *text)
{
    size_t count = 0;
    for (; *text; text++)
        if (((unsigned char)*text & 0xC0) != 0x80)
            count++;
    return count;
}

bool text_is_utf8(const char *text)
{
    size_t length = strlen(text);
    size_t pos = 0;
    while (pos < length) {
        uint32_t code_point;
        if (utf8_next(text, length, &pos, &code_point) != 0)
            return false;
    }
    return true;
}

void text_utf8_scrub(char *text)
{
    size_t length = strlen(text);
    size_t pos = 0;
    while (pos < length) {
        uint32_t code_point;
        if (utf8_next(text, length, &pos, &code_point) != 0)
            text[pos++] = '?';
    }
}

bool text_copy_utf8(char *out, size_t out_size, const char *text)
{
    if (!text)
        text = "";
    size_t length = strlen(text), used = 0;
    while (used < length) {
        size_t step = utf8_sequence_length(text + used, length - used);
        if (step == 0 || used + step >= out_size)
            break;
        used += step;
    }
    memcpy(out, text, used);
    out[used] = '\0';
    return used < length;
}

void text_excerpt_utf8(char *out, size_t max_bytes, const char *text)
{
    if (text_copy_utf8(out, max_bytes + 1, text))
        strcat(out, "...");
}

bool text_has_control(const char *text)
{
    for (const unsigned char *c = (const unsigned char *)text; c && *c; c++)
        if (*c < 0x20 || *c == 0x7f)
            return true;
    return false;
}

void text_redact(char *text, const char *secret)
{
    if (!text || !secret || strlen(secret) < 4)
        return;
    size_t secret_length = strlen(secret);
    char *found;
    char *from = text;
    while ((found = strstr(from, secret)) != NULL) {
        memcpy(found, "***", 3);
        memmove(found + 3, found + secret_length, strlen(found + secret_length) + 1);
        from = found + 3;
    }
}

/* ---- sanitizing (spec processing.md §6) ------------------------------------------------------ */

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

/* Replace the credentials of text (already collapsed) with "***", keeping their prefix as the
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

char *text_sanitized(const char *text)
{
    buf collapsed, redacted;
    buf_init(&collapsed, 0);
    buf_init(&redacted, 0);
    int rc = collapse_white_space(text ? text : "", &collapsed);
    if (rc == 0)
        rc = buf_append(&redacted, "", 0);
    if (rc == 0)
        rc = redact(collapsed.data, &redacted);
    buf_free(&collapsed);
    if (rc != 0) {
        buf_free(&redacted);
        return NULL;
    }
    return buf_detach(&redacted);
}
