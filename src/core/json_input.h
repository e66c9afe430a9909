/* json_input.h - reading request bodies the way NekoHub clients send them: property names
 * match case-insensitively ("Username" == "username"; the server refuses bodies where two keys
 * differ only in case, so the match is never ambiguous). Blankness, trimming and character
 * counts are core/text.h's. Pure; no ownership. */
#ifndef NH_CORE_JSON_INPUT_H
#define NH_CORE_JSON_INPUT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* The member of object whose name equals name ignoring ASCII case (an exact match wins), or
 * NULL. Borrowed reference. */
const json_t *json_input_get(const json_t *object, const char *name);

#endif
