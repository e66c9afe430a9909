/* text.h - small text helpers shared by configuration and request parsing: blankness,
 * trimming and UTF-8 character counts. Pure; no state. */
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

#endif
