/* multipart.h - a streaming multipart/form-data parser (RFC 7578 / RFC 2046), pure: no I/O.
 *
 * Feed the body chunk by chunk as it arrives, in pieces of any size (a boundary may be split
 * across chunks); the parser calls back at the start of each part (with its name, filename
 * and Content-Type), for each run of the part's bytes, and at its end. It keeps only a small
 * carry-over between chunks (the longest partial boundary, or one part's header block), so
 * memory does not grow with the size of a part.
 *
 * Accepted: a preamble before the first boundary and an epilogue after the last (both
 * ignored), CRLF or bare LF line ends (before boundaries and in part headers), transport
 * padding (spaces, tabs) after a boundary, token and quoted parameter values (inside quotes
 * only a backslash before '"' or another backslash escapes it; other backslashes are kept, as
 * browsers send Windows paths), filename* (RFC 5987, UTF-8) which wins over filename. Text
 * that merely resembles a boundary ("--boundaryX") is data.
 * Refused (feed/finish return -1, multipart_parser_error() says why): a header block over
 * MULTIPART_HEADER_MAX bytes, more than MULTIPART_MAX_PARTS parts, a malformed boundary line,
 * a body that ends before the closing boundary ("--boundary--").
 *
 * The parser owns its memory; the strings in a multipart_part are valid only during the
 * on_part_begin call. Not thread-safe (one parser per request). */
#ifndef NH_ASSETS_MULTIPART_H
#define NH_ASSETS_MULTIPART_H

#include <stdbool.h>
#include <stddef.h>

#define MULTIPART_BOUNDARY_MAX 70
#define MULTIPART_HEADER_MAX (16 * 1024)
#define MULTIPART_MAX_PARTS 64

typedef struct multipart_part {
    const char *name;         /* the form field name; "" when the part has none */
    const char *file_name;    /* filename parameter (as sent), or NULL when absent */
    const char *content_type; /* the part's Content-Type value, trimmed; NULL when absent */
} multipart_part;

/* Callbacks return 0 to go on, anything else to stop parsing (feed then returns -1 and
 * multipart_parser_stopped() is true: the callback's owner knows why). */
typedef struct multipart_callbacks {
    int (*on_part_begin)(void *context, const multipart_part *part);
    int (*on_part_data)(void *context, const char *data, size_t size);
    int (*on_part_end)(void *context);
} multipart_callbacks;

typedef struct multipart_parser multipart_parser;

/* The boundary parameter of a Content-Type header value into out (at least
 * MULTIPART_BOUNDARY_MAX + 1 bytes). Returns 0; -1 when the media type is not
 * multipart/form-data; -2 when the boundary parameter is missing, empty, too long or not
 * valid. */
int multipart_boundary_of(const char *content_type, char *out, size_t out_size);

/* A parser for a body with this boundary; NULL when out of memory or the boundary is empty or
 * longer than MULTIPART_BOUNDARY_MAX. callbacks is copied; context is passed back. */
multipart_parser *multipart_parser_new(const char *boundary, const multipart_callbacks *callbacks,
                                       void *context);
/* Parse the next bytes. 0, or -1 on a syntax error or a stopping callback; once it failed,
 * every later call fails too. */
int multipart_parser_feed(multipart_parser *parser, const char *data, size_t size);
/* The body has ended: 0 when the closing boundary was seen, -1 otherwise. */
int multipart_parser_finish(multipart_parser *parser);
/* Why the parser failed (a static English sentence), or NULL. */
const char *multipart_parser_error(const multipart_parser *parser);
/* True when the failure came from a callback. */
bool multipart_parser_stopped(const multipart_parser *parser);
void multipart_parser_free(multipart_parser *parser);

#endif
