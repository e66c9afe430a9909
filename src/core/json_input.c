/* json_input.c - lenient, case-insensitive access to request JSON. */
#include "core/json_input.h"

#include <string.h>
#include <strings.h>

#include "core/text.h"

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
    return text_is_blank(text);
}

char *json_input_trimmed(const char *text)
{
    return text_trimmed_copy(text);
}

size_t json_input_utf8_length(const char *text)
{
    return text_utf8_length(text);
}
