/* caption_text.h - fitting a generated caption into the places it goes: the structured
 * result (CAPTION_TEXT_RESULT_MAX characters) and an asset's description and alt text
 * (ASSET_TEXT_MAX_CHARS, the column limit). Lengths are counted in characters (UTF-8 code
 * points) as everywhere in the API. Pure functions; thread-safe. */
#ifndef NH_PROCESSING_CAPTION_TEXT_H
#define NH_PROCESSING_CAPTION_TEXT_H

#include <jansson.h>
#include <stddef.h>

#define CAPTION_TEXT_RESULT_MAX 4000
#include "assets/asset_text.h"

#define CAPTION_TEXT_TAGS_MAX ASSET_TAGS_MAX           /* tags kept of a model's answer */
#define CAPTION_TEXT_TAG_MAX_CHARS ASSET_TAG_MAX_CHARS /* characters of one tag */

/* A malloc'ed copy of text without surrounding white space, of at most max_chars characters:
 * a longer text is cut at its last white space within the limit (or, when the first max_chars
 * characters hold none, at the limit) and trimmed again. Malformed UTF-8 bytes become '?'.
 * NULL when out of memory. */
char *caption_text_cut(const char *text, size_t max_chars);

/* The tags a model gave, fit to keep: a new JSON array of at most CAPTION_TEXT_TAGS_MAX
 * strings, each normalized (asset_text_tag_normalized), cut to
 * CAPTION_TEXT_TAG_MAX_CHARS characters (at a word boundary), in the model's order; non-string
 * items, blank ones and repeats (ignoring ASCII case) left out. raw may be anything (NULL or a
 * non-array gives []). NULL when out of memory. */
json_t *caption_text_tags(const json_t *raw);

#endif
