/* asset_text.c - text rules for assets (see asset_text.h). */
#include "assets/asset_text.h"

#include <stdlib.h>
#include <string.h>

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
