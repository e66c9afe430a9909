/* json_input.c - lenient, case-insensitive access to request JSON. */
#include "core/json_input.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const json_t *json_input_get(const json_t *object, const char *name)
{
    if (!json_is_object(object))
        return NULL;
    const json_t *exact = json_object_get(object, name);
    if (exact)
        return exact;
    const char *key;
    const json_t *value;
    json_object_foreach((json_t *)object, key, value)
    {
        if (!strcasecmp(key, name))
            return value;
    }
    return NULL;
}

bool json_input_is_blank(const char *text)
{
    if (!text)
        return true;
    for (; *text; text++)
        if (!isspace((unsigned char)*text))
            return false;
    return true;
}

char *json_input_trimmed(const char *text)
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

size_t json_input_utf8_length(const char *text)
{
    size_t count = 0;
    for (; *text; text++)
        if (((unsigned char)*text & 0xC0) != 0x80)
            count++;
    return count;
}
