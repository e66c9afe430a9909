/* json_input.h - reading request bodies the way NekoHub clients send them: property names
 * match case-insensitively ("Username" == "username"), strings are checked for blankness and
 * trimmed, lengths are counted in characters (UTF-8 code points). Pure helpers; no ownership
 * beyond what each function states. */
#ifndef NH_CORE_JSON_INPUT_H
#define NH_CORE_JSON_INPUT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* The member of object whose name equals name ignoring ASCII case (an exact match wins), or
 * NULL. Borrowed reference. */
const json_t *json_input_get(const json_t *object, const char *name);

/* True for NULL, "" and whitespace-only text. */
bool json_input_is_blank(const char *text);

/* A malloc'ed copy without leading/trailing whitespace (NULL on allocation failure). */
char *json_input_trimmed(const char *text);

/* Number of UTF-8 code points (continuation bytes are not counted). */
size_t json_input_utf8_length(const char *text);

#endif
