/* caption_text.c - cutting captions to size at a word boundary (see caption_text.h). */
#include "processing/caption_text.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "assets/asset_text.h"
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
    if (pos >= end)
        return pos;
    size_t next = pos;
    uint32_t following = 0;
    if (utf8_next(text, end, &next, &following) == 0 && utf8_is_white_space(following))
        return pos; /* the limit falls on a word boundary */
    return has_space ? last_space : pos;
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

json_t *caption_text_tags(const json_t *raw)
{
    json_t *tags = json_array();
    size_t index;
    const json_t *item;
    if (!tags || !json_is_array(raw))
        return tags;
    json_array_foreach(raw, index, item)
    {
        if (json_array_size(tags) >= CAPTION_TEXT_TAGS_MAX)
            break;
        if (!json_is_string(item))
            continue;
        char *normalized = asset_text_tag_normalized(json_string_value(item));
        char *tag = normalized ? caption_text_cut(normalized, CAPTION_TEXT_TAG_MAX_CHARS) : NULL;
        free(normalized);
        int rc = !tag ? -1 : tag[0] ? asset_text_tags_add(tags, tag) : 0;
        free(tag);
        if (rc != 0) {
            json_decref(tags);
            return NULL;
        }
    }
    return tags;
}
