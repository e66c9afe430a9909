/* uuid.h - UUID version 7 identifiers (time-ordered) and parsing of any GUID text form.
 *
 * Ids are rendered lowercase, hyphenated, 36 characters plus NUL. Ids made by one process are
 * strictly increasing, also within one millisecond (the 12-bit rand_a field is a counter). */
#ifndef NH_CORE_UUID_H
#define NH_CORE_UUID_H

#include <stdbool.h>
#include <stdint.h>

#define UUID_TEXT_SIZE 37

/* Make a new UUID v7 for the given Unix time in milliseconds. Thread-safe. */
void uuid_v7_at(int64_t unix_ms, char out[UUID_TEXT_SIZE]);
/* Make a new UUID v7 for now. */
void uuid_v7(char out[UUID_TEXT_SIZE]);

/* Accept "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", 32 hex digits, or either form in braces,
 * any case; write the canonical lowercase hyphenated form. Returns false for anything else. */
bool uuid_parse(const char *text, char out[UUID_TEXT_SIZE]);

#endif
