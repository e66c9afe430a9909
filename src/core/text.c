/* text.c - blankness, trimming, UTF-8 length and validation, on core/utf8. */
#include "core/text.h"

#include <stdlib.h>
#include <string.h>

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
