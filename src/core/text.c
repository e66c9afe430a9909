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
