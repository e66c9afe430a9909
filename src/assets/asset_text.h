/* asset_text.h - the rules for the text an asset carries: description and alt text lengths,
 * original file names, UTF-8. Pure functions, thread-safe.
 *
 * Lengths are counted in characters (UTF-8 code points), like the rest of the API. */
#ifndef NH_ASSETS_TEXT_H
#define NH_ASSETS_TEXT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

#define ASSET_TEXT_MAX_CHARS 1000     /* description, altText */
#define ASSET_FILE_NAME_MAX_CHARS 512 /* originalFileName */
#define ASSET_TAGS_MAX 20             /* tags of one asset */
#define ASSET_TAG_MAX_CHARS 48        /* characters of one tag */

/* True when text[0..length) is valid UTF-8 without NUL bytes. */
bool asset_text_is_utf8(const char *text, size_t length);

/* NULL when text is NULL or over ASSET_TEXT_MAX_CHARS characters -> 400 `code` naming `what`
 * ("Description"). Returns 0 or -1. */
int asset_text_check_length(const char *text, const char *code, const char *what, nh_error *err);

/* A malloc'ed copy of text without surrounding whitespace, or NULL when text is NULL or blank
 * (or out of memory). */
char *asset_text_trimmed_or_null(const char *text);

/* The original file name kept for an asset: trimmed, reduced to its last path component ('/'
 * and '\' both separate), trimmed again. 400 asset_filename_invalid when that is empty, longer
 * than ASSET_FILE_NAME_MAX_CHARS characters or not UTF-8. *out is malloc'ed. */
int asset_text_file_name(const char *raw, char **out, nh_error *err);

/* A short, safe copy of client text for an error message: at most out_size - 1 bytes, never
 * cutting a UTF-8 sequence, with control characters and invalid bytes shown as '?'. */
void asset_text_excerpt(const char *text, char *out, size_t out_size);

/* A tag as kept: trimmed, each run of white space (space, tab, line breaks) one space. A
 * malloc'ed copy, or NULL when out of memory. */
char *asset_text_tag_normalized(const char *raw);

/* Append tag (normalized, non-blank) to the JSON array tags unless an equal one ignoring ASCII
 * case is there. 0, or -1 when out of memory. */
int asset_text_tags_add(json_t *tags, const char *tag);

/* The tags a person gives (PATCH): a JSON array of strings, each normalized, repeats ignoring
 * ASCII case dropped, order kept. 400 asset_tags_invalid when it is not an array of strings,
 * has a blank tag, a tag over ASSET_TAG_MAX_CHARS characters or not UTF-8, or more than
 * ASSET_TAGS_MAX tags. *out is a new array. */
int asset_text_tags_check(const json_t *raw, json_t **out, nh_error *err);

#endif
