/* asset_text.c - text rules for assets (see asset_text.h). */
#include "assets/asset_text.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/text.h"
#include "core/utf8.h"

bool asset_text_is_utf8(const char *text, size_t length)
{
    for (size_t i = 0; i < length;) {
        size_t step = utf8_sequence_length(text + i, length - i);
        if (step == 0 || text[i] == '\0')
            return false;
        i += step;
    }
    return true;
}

int asset_text_check_length(const char *text, const char *code, const char *what, nh_error *err)
{
    if (text && text_utf8_length(text) > ASSET_TEXT_MAX_CHARS)
        return error_set(err, 400, code, "%s must be at most %d characters long.", what,
                         ASSET_TEXT_MAX_CHARS);
    return 0;
}

char *asset_text_trimmed_or_null(const char *text)
{
    if (!text || text_is_blank(text))
        return NULL;
    return text_trimmed_copy(text);
}

int asset_text_file_name(const char *raw, char **out, nh_error *err)
{
    *out = NULL;
    char *trimmed = asset_text_trimmed_or_null(raw);
    const char *last = trimmed;
    for (const char *c = trimmed; c && *c; c++)
        if (*c == '/' || *c == '\\')
            last = c + 1;
    char *name = last ? asset_text_trimmed_or_null(last) : NULL;
    free(trimmed);
    if (!name || !asset_text_is_utf8(name, strlen(name)) ||
        text_utf8_length(name) > ASSET_FILE_NAME_MAX_CHARS) {
        free(name);
        return error_set(err, 400, "asset_filename_invalid",
                         "The file name must be a non-empty UTF-8 name of at most %d characters "
                         "(directory parts are removed).",
                         ASSET_FILE_NAME_MAX_CHARS);
    }
    *out = name;
    return 0;
}

void asset_text_excerpt(const char *text, char *out, size_t out_size)
{
    size_t used = 0;
    const unsigned char *bytes = (const unsigned char *)(text ? text : "");
    size_t length = strlen((const char *)bytes);
    for (size_t i = 0; i < length && out_size > 0;) {
        size_t step = utf8_sequence_length((const char *)bytes + i, length - i);
        if (step == 1 && bytes[i] == 0)
            step = 0;
        bool printable = step > 1 || (step == 1 && bytes[i] >= 0x20 && bytes[i] != 0x7f);
        size_t needed = printable ? step : 1;
        if (used + needed >= out_size)
            break;
        if (printable)
            memcpy(out + used, bytes + i, step);
        else
            out[used] = '?';
        used += needed;
        i += step ? step : 1;
    }
    if (out_size > 0)
        out[used] = '\0';
}

char *asset_text_tag_normalized(const char *raw)
{
    char *copy = text_trimmed_copy(raw);
    if (!copy)
        return NULL;
    size_t length = 0;
    bool in_space = false;
    for (const char *p = copy; *p; p++) {
        bool space =
            *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' || *p == '\v';
        if (space && in_space)
            continue;
        copy[length++] = space ? ' ' : *p;
        in_space = space;
    }
    copy[length] = '\0';
    return copy;
}

int asset_text_tags_add(json_t *tags, const char *tag)
{
    size_t index;
    const json_t *item;
    json_array_foreach(tags, index, item)
    {
        if (!strcasecmp(json_string_value(item), tag))
            return 0;
    }
    return json_array_append_new(tags, json_string(tag)) == 0 ? 0 : -1;
}

static int tags_invalid(json_t *tags, nh_error *err, const char *message)
{
    json_decref(tags);
    return error_set(err, 400, "asset_tags_invalid", "%s", message);
}

int asset_text_tags_check(const json_t *raw, json_t **out, nh_error *err)
{
    *out = NULL;
    if (!json_is_array(raw))
        return error_set(err, 400, "asset_tags_invalid", "'tags' must be an array of strings.");
    if (json_array_size(raw) > ASSET_TAGS_MAX)
        return error_set(err, 400, "asset_tags_invalid", "An asset has at most %d tags.",
                         ASSET_TAGS_MAX);
    json_t *tags = json_array();
    if (!tags)
        return error_internal(err);
    size_t index;
    const json_t *item;
    json_array_foreach(raw, index, item)
    {
        const char *text = json_string_value(item);
        if (!text || strlen(text) != json_string_length(item))
            return tags_invalid(tags, err, "'tags' must be an array of strings.");
        char *tag = asset_text_tag_normalized(text);
        if (!tag) {
            json_decref(tags);
            return error_internal(err);
        }
        const char *problem = !tag[0] ? "A tag must not be blank."
                              : text_utf8_length(tag) > ASSET_TAG_MAX_CHARS
                                  ? "A tag must be at most 48 characters long."
                                  : NULL;
        int rc = problem ? 0 : asset_text_tags_add(tags, tag);
        free(tag);
        if (problem)
            return tags_invalid(tags, err, problem);
        if (rc != 0) {
            json_decref(tags);
            return error_internal(err);
        }
    }
    *out = tags;
    return 0;
}
