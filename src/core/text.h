/* text.h - small text helpers shared by configuration and request parsing: blankness,
 * trimming, UTF-8 character counts and validation. Pure; no state. */
#ifndef NH_CORE_TEXT_H
#define NH_CORE_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* True for NULL, "" and text of ASCII whitespace only. */
bool text_is_blank(const char *text);

/* A malloc'ed copy without leading/trailing ASCII whitespace (NULL on allocation failure). */
char *text_trimmed_copy(const char *text);

/* Number of UTF-8 code points (continuation bytes are not counted). */
size_t text_utf8_length(const char *text);

/* True when text is well-formed UTF-8 (no overlong forms, surrogates or code points above
 * U+10FFFF): what PostgreSQL and jansson accept. */
bool text_is_utf8(const char *text);

/* Replace, in place, every byte that is not part of a well-formed UTF-8 sequence with '?', so
 * that client-supplied text can be quoted in JSON, logs and the database. */
void text_utf8_scrub(char *text);

#endif
