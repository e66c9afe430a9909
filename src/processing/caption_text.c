/* caption_text.c - cutting captions to size at a word boundary (see caption_text.h). */
#include "processing/caption_text.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "core/utf8.h"

/* The byte where text[start, end) must be cut to hold at most max_chars characters. */
static size_t cut_point(const char *text, size_t start, size_t end, size_t max_chars)
{
    size_t pos = start, chars = 0, last_space = 0;
    bool has_space = false;
    while (pos < end && chars < max_chars) {
        size_t at = pos;
        uint32_t code_point = '?';
        if (utf8_next(text, end, &pos, &code_point) != 0)
            pos = at + 1; /* a malformed byte counts as one character */
        if (utf8_is_white_space(code_point)) {
            last_space = at;
            has_space = true;
        }
        chars++;
    }
    return pos < end && has_space ? last_space : pos;
}

char *caption_text_cut(const char *text, size_t max_chars)
{
    size_t start = 0, end = 0;
    text_trim_bounds(text, strlen(text), &start, &end);
    size_t cut = cut_point(text, start, end, max_chars);
    char *copy = malloc(cut - start + 1);
    if (!copy)
        return NULL;
    memcpy(copy, text + start, cut - start);
    copy[cut - start] = '\0';
    text_utf8_scrub(copy);
    text_trim_bounds(copy, strlen(copy), &start, &end);
    memmove(copy, copy + start, end - start);
    copy[end - start] = '\0';
    return copy;
}
