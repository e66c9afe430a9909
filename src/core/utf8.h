/* utf8.h - the one UTF-8 decoder and the one definition of whitespace.
 *
 * Decoding is strict: no overlong forms, no surrogates, nothing above U+10FFFF, no truncated
 * sequences (what PostgreSQL and jansson accept). Whitespace is Unicode White_Space, the set
 * .NET's char.IsWhiteSpace and string.Trim use, so "blank" means the same in every module
 * (text_is_blank and text_trimmed_copy in core/text.h are built on it). Pure; no state. */
#ifndef NH_CORE_UTF8_H
#define NH_CORE_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decode the character at text[*pos] (text holds `length` bytes). On success writes the code
 * point, advances *pos past it and returns 0; on a malformed or truncated sequence returns -1
 * and leaves *pos unchanged. */
int utf8_next(const char *text, size_t length, size_t *pos, uint32_t *code_point);

/* Byte length (1 to 4) of the well-formed sequence at text[0..available), or 0 when there is
 * none there. */
size_t utf8_sequence_length(const char *text, size_t available);

/* True when the code point is Unicode White_Space. */
bool utf8_is_white_space(uint32_t code_point);

#endif
