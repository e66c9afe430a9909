/* text.c - blankness, trimming, UTF-8 length. */
#include "core/text.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

bool text_is_blank(const char *text)
{
    if (!text)
        return true;
    for (; *text; text++)
        if (!isspace((unsigned char)*text))
            return false;
    return true;
}

char *text_trimmed_copy(const char *text)
{
    while (isspace((unsigned char)*text))
        text++;
    size_t length = strlen(text);
    while (length > 0 && isspace((unsigned char)text[length - 1]))
        length--;
    char *copy = malloc(length + 1);
    if (!copy)
        return NULL;
    memcpy(copy, text, length);
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

/* Length of the well-formed UTF-8 sequence at text (1 to 4), or 0 when it is not one. */
static size_t utf8_sequence_length(const unsigned char *text)
{
    unsigned char lead = text[0];
    if (lead < 0x80)
        return 1;
    size_t length;
    unsigned char low = 0x80, high = 0xBF; /* allowed range of the second byte */
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        if (lead == 0xE0)
            low = 0xA0; /* overlong */
        else if (lead == 0xED)
            high = 0x9F; /* surrogates */
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        if (lead == 0xF0)
            low = 0x90; /* overlong */
        else if (lead == 0xF4)
            high = 0x8F; /* above U+10FFFF */
    } else {
        return 0;
    }
    if (text[1] < low || text[1] > high)
        return 0;
    for (size_t i = 2; i < length; i++)
        if ((text[i] & 0xC0) != 0x80)
            return 0;
    return length;
}

bool text_is_utf8(const char *text)
{
    const unsigned char *cursor = (const unsigned char *)text;
    while (*cursor) {
        size_t length = utf8_sequence_length(cursor);
        if (length == 0)
            return false;
        cursor += length;
    }
    return true;
}

void text_utf8_scrub(char *text)
{
    unsigned char *cursor = (unsigned char *)text;
    while (*cursor) {
        size_t length = utf8_sequence_length(cursor);
        if (length == 0) {
            *cursor++ = '?';
            continue;
        }
        cursor += length;
    }
}
