/* asset_text.c - text rules for assets (see asset_text.h). */
#include "assets/asset_text.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/json_input.h"

/* The length of the UTF-8 sequence starting at text (0 when invalid). */
static size_t utf8_sequence(const unsigned char *text, size_t available)
{
    unsigned char lead = text[0];
    size_t length;
    uint32_t minimum;
    uint32_t code;
    if (lead < 0x80)
        return lead == 0 ? 0 : 1;
    if ((lead & 0xE0) == 0xC0) {
        length = 2, minimum = 0x80, code = lead & 0x1F;
    } else if ((lead & 0xF0) == 0xE0) {
        length = 3, minimum = 0x800, code = lead & 0x0F;
    } else if ((lead & 0xF8) == 0xF0) {
        length = 4, minimum = 0x10000, code = lead & 0x07;
    } else {
        return 0;
    }
    if (length > available)
        return 0;
    for (size_t i = 1; i < length; i++) {
        if ((text[i] & 0xC0) != 0x80)
            return 0;
        code = code << 6 | (text[i] & 0x3F);
    }
    if (code < minimum || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF))
        return 0;
    return length;
}

bool asset_text_is_utf8(const char *text, size_t length)
{
    const unsigned char *bytes = (const unsigned char *)text;
    for (size_t i = 0; i < length;) {
        size_t step = utf8_sequence(bytes + i, length - i);
        if (step == 0)
            return false;
        i += step;
    }
    return true;
}

int asset_text_check_length(const char *text, const char *code, const char *what, nh_error *err)
{
    if (text && json_input_utf8_length(text) > ASSET_TEXT_MAX_CHARS)
        return error_set(err, 400, code, "%s must be at most %d characters long.", what,
                         ASSET_TEXT_MAX_CHARS);
    return 0;
}

char *asset_text_trimmed_or_null(const char *text)
{
    if (!text || json_input_is_blank(text))
        return NULL;
    return json_input_trimmed(text);
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
        json_input_utf8_length(name) > ASSET_FILE_NAME_MAX_CHARS) {
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
        size_t step = utf8_sequence(bytes + i, length - i);
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
