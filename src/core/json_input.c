/* json_input.c - lenient, case-insensitive access to request JSON. */
#include "core/json_input.h"

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
