/* text.h - small text helpers shared by configuration and request parsing: blankness,
 * trimming, UTF-8 character counts and validation, all on core/utf8.h. Pure; no state. */
#ifndef NH_CORE_TEXT_H
#define NH_CORE_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* True for NULL, "" and text of whitespace only (Unicode White_Space, core/utf8.h). */
bool text_is_blank(const char *text);

/* A malloc'ed copy without leading/trailing whitespace (NULL on allocation failure). */
char *text_trimmed_copy(const char *text);

/* The part of text[0..length) without leading and trailing whitespace: [*start, *end). Both
 * are 0 when the text is blank. A malformed byte counts as a character that is not blank. */
void text_trim_bounds(const char *text, size_t length, size_t *start, size_t *end);

/* Number of UTF-8 code points (continuation bytes are not counted). */
size_t text_utf8_length(const char *text);

/* True when text is well-formed UTF-8 (no overlong forms, surrogates or code points above
 * U+10FFFF): what PostgreSQL and jansson accept. */
bool text_is_utf8(const char *text);

/* Replace, in place, every byte that is not part of a well-formed UTF-8 sequence with '?', so
 * that client-supplied text can be quoted in JSON, logs and the database. */
void text_utf8_scrub(char *text);

/* Copy text (NULL = "") into out (out_size >= 1 bytes), cut on a UTF-8 sequence boundary so
 * that it fits: never half a character. A malformed byte ends the copy. Returns true when
 * something was left out. */
bool text_copy_utf8(char *out, size_t out_size, const char *text);

/* The start of a client's text for a message: at most max_bytes of it (text_copy_utf8), then
 * "..." when something was left out. out must hold max_bytes + 4 bytes. */
void text_excerpt_utf8(char *out, size_t max_bytes, const char *text);

/* True when text contains an ASCII control character (0x00-0x1F or 0x7F), which must never
 * reach an HTTP header or URL (CR/LF would start a header of its own). False for NULL. */
bool text_has_control(const char *text);

/* Replace, in place, every occurrence of secret in text with "***" (a secret shorter than 4
 * bytes, or NULL, is left alone: it would match ordinary text). For error texts quoting what
 * a remote service answered. */
void text_redact(char *text, const char *secret);

/* An error text fit to show (spec processing.md §6): every run of white space (Unicode
 * White_Space) one space, the ends trimmed, malformed bytes '?', and credentials redacted:
 * "Bearer <token>" -> "Bearer ***", "sk-<[A-Za-z0-9_-]+>" (any case, at a word start) ->
 * "sk-***". Malloc'ed (NULL text gives ""); NULL when out of memory. */
char *text_sanitized(const char *text);

#endif
