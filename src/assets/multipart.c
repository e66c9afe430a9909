/* multipart.c - the streaming multipart/form-data parser (see multipart.h).
 *
 * The body is scanned for the delimiter "\n--<boundary>" (an optional '\r' before the '\n'
 * belongs to the delimiter too). A "\r\n" is put in front of the body so that a first boundary
 * at the very start is found the same way. Bytes that cannot be the start of a delimiter are
 * handed on at once; at most the length of the delimiter is carried over to the next chunk. */
#include "assets/multipart.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"

typedef enum {
    STATE_PREAMBLE = 0,  /* before the first boundary */
    STATE_BOUNDARY_LINE, /* after a boundary: padding, then the end of the line */
    STATE_HEADERS,       /* a part's header lines */
    STATE_BODY,          /* a part's bytes */
    STATE_DONE,          /* after the closing boundary: the epilogue is ignored */
    STATE_FAILED,
} parser_state;

typedef enum { SCAN_NONE, SCAN_PARTIAL, SCAN_DELIMITER, SCAN_CLOSE } scan_result;

struct multipart_parser {
    multipart_callbacks callbacks;
    void *context;
    char needle[MULTIPART_BOUNDARY_MAX + 4]; /* "\n--" + boundary */
    size_t needle_length;
    parser_state state;
    buf pending; /* bytes received and not yet consumed */
    size_t part_count;
    size_t header_bytes; /* of the current part */
    /* the current part's headers */
    buf name;
    buf file_name;
    buf file_name_star; /* decoded filename* */
    buf content_type;
    bool has_file_name;
    bool has_file_name_star;
    bool has_content_type;
    const char *error;
    bool stopped;
};

/* ---- the Content-Type of the body -------------------------------------------------------- */

static const char *skip_spaces(const char *text)
{
    while (*text == ' ' || *text == '\t')
        text++;
    return text;
}

/* RFC 2046 bchars, without the space (a trailing space is not allowed either). */
static bool is_boundary_char(unsigned char c)
{
    return isalnum(c) || strchr("'()+_,-./:=? ", c) != NULL;
}

/* Read a parameter value (token or quoted string) starting at *cursor into out; advances
 * *cursor past it. Returns -1 on an unterminated quote or when out overflows. */
static int read_value(const char **cursor, char *out, size_t out_size)
{
    const char *c = *cursor;
    size_t used = 0;
    if (*c == '"') {
        c++;
        while (*c && *c != '"') {
            /* only \" and \\ are escapes: browsers send other backslashes (Windows paths) as
             * they are */
            if (*c == '\\' && (c[1] == '"' || c[1] == '\\'))
                c++;
            if (used + 1 >= out_size)
                return -1;
            out[used++] = *c++;
        }
        if (*c != '"')
            return -1;
        c++;
    } else {
        while (*c && *c != ';') {
            if (used + 1 >= out_size)
                return -1;
            out[used++] = *c++;
        }
        while (used > 0 && (out[used - 1] == ' ' || out[used - 1] == '\t'))
            used--;
    }
    out[used] = '\0';
    *cursor = c;
    return 0;
}

int multipart_boundary_of(const char *content_type, char *out, size_t out_size)
{
    if (out_size > 0)
        out[0] = '\0';
    if (!content_type)
        return -1;
    const char *c = skip_spaces(content_type);
    size_t type_length = strlen("multipart/form-data");
    if (strncasecmp(c, "multipart/form-data", type_length) != 0)
        return -1;
    c = skip_spaces(c + type_length);
    if (*c != '\0' && *c != ';')
        return -1;
    char value[MULTIPART_HEADER_MAX];
    bool found = false;
    while (*c == ';') {
        c = skip_spaces(c + 1);
        const char *name = c;
        while (*c && *c != '=' && *c != ';')
            c++;
        size_t name_length = (size_t)(c - name);
        while (name_length > 0 && (name[name_length - 1] == ' ' || name[name_length - 1] == '\t'))
            name_length--;
        if (*c != '=')
            continue;
        c = skip_spaces(c + 1);
        if (read_value(&c, value, sizeof value) != 0)
            return -2;
        c = skip_spaces(c);
        if (name_length == 8 && !strncasecmp(name, "boundary", 8)) {
            size_t length = strlen(value);
            if (length == 0 || length > MULTIPART_BOUNDARY_MAX || length >= out_size ||
                value[length - 1] == ' ')
                return -2;
            for (size_t i = 0; i < length; i++)
                if (!is_boundary_char((unsigned char)value[i]))
                    return -2;
            memcpy(out, value, length + 1);
            found = true;
        }
        if (*c != ';' && *c != '\0')
            return -2;
    }
    return found ? 0 : -2;
}

/* ---- life cycle ------------------------------------------------------------------------- */

multipart_parser *multipart_parser_new(const char *boundary, const multipart_callbacks *callbacks,
                                       void *context)
{
    size_t length = boundary ? strlen(boundary) : 0;
    if (length == 0 || length > MULTIPART_BOUNDARY_MAX)
        return NULL;
    multipart_parser *parser = calloc(1, sizeof *parser);
    if (!parser)
        return NULL;
    parser->callbacks = *callbacks;
    parser->context = context;
    memcpy(parser->needle, "\n--", 3);
    memcpy(parser->needle + 3, boundary, length);
    parser->needle_length = length + 3;
    buf_init(&parser->pending, 0);
    buf_init(&parser->name, MULTIPART_HEADER_MAX);
    buf_init(&parser->file_name, MULTIPART_HEADER_MAX);
    buf_init(&parser->file_name_star, MULTIPART_HEADER_MAX);
    buf_init(&parser->content_type, MULTIPART_HEADER_MAX);
    if (buf_append(&parser->pending, "\r\n", 2) != 0) {
        multipart_parser_free(parser);
        return NULL;
    }
    return parser;
}

void multipart_parser_free(multipart_parser *parser)
{
    if (!parser)
        return;
    buf_free(&parser->pending);
    buf_free(&parser->name);
    buf_free(&parser->file_name);
    buf_free(&parser->file_name_star);
    buf_free(&parser->content_type);
    free(parser);
}

const char *multipart_parser_error(const multipart_parser *parser)
{
    return parser->error;
}

bool multipart_parser_stopped(const multipart_parser *parser)
{
    return parser->stopped;
}

static int fail(multipart_parser *parser, const char *reason)
{
    parser->state = STATE_FAILED;
    if (!parser->error)
        parser->error = reason;
    return -1;
}

static int stop(multipart_parser *parser)
{
    parser->stopped = true;
    return fail(parser, "The upload was refused while it was being read.");
}

/* Drop the first `count` pending bytes. */
static void consume(multipart_parser *parser, size_t count)
{
    buf *pending = &parser->pending;
    memmove(pending->data, pending->data + count, pending->length - count);
    pending->length -= count;
    pending->data[pending->length] = '\0';
}

/* ---- finding delimiters ----------------------------------------------------------------- */

/* Look for the next delimiter in the pending bytes.
 *   SCAN_NONE: none; bytes [0, *safe) cannot belong to one.
 *   SCAN_PARTIAL: one may start at *at ('\n'); more bytes are needed to tell.
 *   SCAN_DELIMITER / SCAN_CLOSE: one starts at *at; *after is the index after "--boundary"
 *   (after "--boundary--" for the closing one). */
static scan_result scan(const multipart_parser *parser, size_t *at, size_t *after, size_t *safe)
{
    const char *data = parser->pending.data;
    size_t length = parser->pending.length;
    size_t from = 0;
    while (from < length) {
        const char *hit = memmem(data + from, length - from, parser->needle, parser->needle_length);
        if (!hit)
            break;
        size_t position = (size_t)(hit - data);
        size_t end = position + parser->needle_length;
        *at = position;
        if (end >= length)
            return SCAN_PARTIAL;
        char next = data[end];
        if (next == '-') {
            if (end + 1 >= length)
                return SCAN_PARTIAL;
            if (data[end + 1] == '-') {
                *after = end + 2;
                return SCAN_CLOSE;
            }
        } else if (next == '\r' || next == '\n' || next == ' ' || next == '\t') {
            *after = end;
            return SCAN_DELIMITER;
        }
        from = position + 1; /* only looked like a boundary: it is data */
    }
    *safe = length > parser->needle_length ? length - parser->needle_length : 0;
    return SCAN_NONE;
}

/* Where the data before a delimiter at `at` ends (the '\r' of "\r\n" is not data). */
static size_t data_end(const multipart_parser *parser, size_t at)
{
    return at > 0 && parser->pending.data[at - 1] == '\r' ? at - 1 : at;
}

static int emit_data(multipart_parser *parser, size_t length)
{
    if (length == 0)
        return 0;
    if (parser->callbacks.on_part_data &&
        parser->callbacks.on_part_data(parser->context, parser->pending.data, length) != 0)
        return stop(parser);
    consume(parser, length);
    return 0;
}

static int end_part(multipart_parser *parser)
{
    if (parser->callbacks.on_part_end && parser->callbacks.on_part_end(parser->context) != 0)
        return stop(parser);
    return 0;
}

/* ---- part headers ----------------------------------------------------------------------- */

static void reset_part_headers(multipart_parser *parser)
{
    buf_free(&parser->name);
    buf_free(&parser->file_name);
    buf_free(&parser->file_name_star);
    buf_free(&parser->content_type);
    buf_init(&parser->name, MULTIPART_HEADER_MAX);
    buf_init(&parser->file_name, MULTIPART_HEADER_MAX);
    buf_init(&parser->file_name_star, MULTIPART_HEADER_MAX);
    buf_init(&parser->content_type, MULTIPART_HEADER_MAX);
    parser->has_file_name = false;
    parser->has_file_name_star = false;
    parser->has_content_type = false;
    parser->header_bytes = 0;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* filename*=UTF-8''%E2%82%AC.png: decode into parser->file_name_star; ignored when malformed
 * or in another charset. */
static void take_file_name_star(multipart_parser *parser, const char *value)
{
    const char *first = strchr(value, '\'');
    const char *second = first ? strchr(first + 1, '\'') : NULL;
    if (!second)
        return;
    size_t charset_length = (size_t)(first - value);
    bool utf8 = charset_length == 5 && !strncasecmp(value, "utf-8", 5);
    bool ascii = charset_length == 8 && !strncasecmp(value, "us-ascii", 8);
    if (!utf8 && !ascii)
        return;
    buf decoded;
    buf_init(&decoded, MULTIPART_HEADER_MAX);
    for (const char *c = second + 1; *c; c++) {
        char byte = *c;
        if (byte == '%') {
            int high = hex_value(c[1]);
            int low = high >= 0 ? hex_value(c[2]) : -1;
            if (low < 0 || (high == 0 && low == 0)) {
                buf_free(&decoded);
                return;
            }
            byte = (char)(high << 4 | low);
            c += 2;
        }
        if (buf_append(&decoded, &byte, 1) != 0) {
            buf_free(&decoded);
            return;
        }
    }
    buf_free(&parser->file_name_star);
    parser->file_name_star = decoded;
    parser->has_file_name_star = true;
}

static int set_text(buf *target, const char *value)
{
    buf_free(target);
    buf_init(target, MULTIPART_HEADER_MAX);
    return buf_append_str(target, value);
}

static int parse_disposition(multipart_parser *parser, const char *value)
{
    const char *c = value;
    while (*c && *c != ';')
        c++; /* the disposition type ("form-data") */
    char parameter[MULTIPART_HEADER_MAX];
    while (*c == ';') {
        c = skip_spaces(c + 1);
        const char *name = c;
        while (*c && *c != '=' && *c != ';')
            c++;
        size_t name_length = (size_t)(c - name);
        while (name_length > 0 && (name[name_length - 1] == ' ' || name[name_length - 1] == '\t'))
            name_length--;
        if (*c != '=')
            continue;
        c = skip_spaces(c + 1);
        if (read_value(&c, parameter, sizeof parameter) != 0)
            return fail(parser, "A part has a malformed Content-Disposition header.");
        c = skip_spaces(c);
        int rc = 0;
        if (name_length == 4 && !strncasecmp(name, "name", 4)) {
            rc = set_text(&parser->name, parameter);
        } else if (name_length == 8 && !strncasecmp(name, "filename", 8)) {
            rc = set_text(&parser->file_name, parameter);
            parser->has_file_name = true;
        } else if (name_length == 9 && !strncasecmp(name, "filename*", 9)) {
            take_file_name_star(parser, parameter);
        }
        if (rc != 0)
            return fail(parser, "A part header is too large.");
        if (*c != ';' && *c != '\0')
            return fail(parser, "A part has a malformed Content-Disposition header.");
    }
    return 0;
}

/* One header line (without its line end). */
static int parse_header_line(multipart_parser *parser, char *line)
{
    if (line[0] == ' ' || line[0] == '\t')
        return fail(parser, "A part header is folded over several lines.");
    char *colon = strchr(line, ':');
    if (!colon || colon == line)
        return fail(parser, "A part header line is malformed.");
    *colon = '\0';
    char *value = (char *)skip_spaces(colon + 1);
    size_t value_length = strlen(value);
    while (value_length > 0 && isspace((unsigned char)value[value_length - 1]))
        value[--value_length] = '\0';
    if (!strcasecmp(line, "Content-Disposition"))
        return parse_disposition(parser, value);
    if (!strcasecmp(line, "Content-Type")) {
        parser->has_content_type = true;
        if (set_text(&parser->content_type, value) != 0)
            return fail(parser, "A part header is too large.");
    }
    return 0;
}

static int begin_part(multipart_parser *parser)
{
    multipart_part part = {
        .name = parser->name.data ? parser->name.data : "",
        .file_name = NULL,
        .content_type = NULL,
    };
    if (parser->has_file_name_star)
        part.file_name = parser->file_name_star.data ? parser->file_name_star.data : "";
    else if (parser->has_file_name)
        part.file_name = parser->file_name.data ? parser->file_name.data : "";
    if (parser->has_content_type)
        part.content_type = parser->content_type.data ? parser->content_type.data : "";
    if (parser->callbacks.on_part_begin &&
        parser->callbacks.on_part_begin(parser->context, &part) != 0)
        return stop(parser);
    parser->state = STATE_BODY;
    return 0;
}

/* ---- the states ------------------------------------------------------------------------- */

/* Each step returns 1 when it made progress, 0 when it needs more bytes, -1 on failure. */

static int step_preamble(multipart_parser *parser)
{
    size_t at = 0, after = 0, safe = 0;
    switch (scan(parser, &at, &after, &safe)) {
    case SCAN_NONE:
        consume(parser, safe);
        return 0;
    case SCAN_PARTIAL:
        consume(parser, at);
        return 0;
    case SCAN_DELIMITER:
        consume(parser, after);
        parser->state = STATE_BOUNDARY_LINE;
        return 1;
    case SCAN_CLOSE:
        consume(parser, after);
        parser->state = STATE_DONE; /* a form without parts */
        return 1;
    }
    return -1;
}

static int step_boundary_line(multipart_parser *parser)
{
    buf *pending = &parser->pending;
    size_t skipped = 0;
    while (skipped < pending->length &&
           (pending->data[skipped] == ' ' || pending->data[skipped] == '\t'))
        skipped++;
    consume(parser, skipped);
    if (pending->length == 0)
        return 0;
    size_t line_end = 0;
    if (pending->data[0] == '\n') {
        line_end = 1;
    } else if (pending->data[0] == '\r') {
        if (pending->length < 2)
            return 0;
        if (pending->data[1] != '\n')
            return fail(parser, "A boundary line is malformed.");
        line_end = 2;
    } else {
        return fail(parser, "A boundary line is malformed.");
    }
    consume(parser, line_end);
    if (parser->part_count == MULTIPART_MAX_PARTS)
        return fail(parser, "The form has too many parts.");
    parser->part_count++;
    reset_part_headers(parser);
    parser->state = STATE_HEADERS;
    return 1;
}

static int step_headers(multipart_parser *parser)
{
    buf *pending = &parser->pending;
    char *newline = memchr(pending->data, '\n', pending->length);
    if (!newline) {
        if (parser->header_bytes + pending->length > MULTIPART_HEADER_MAX)
            return fail(parser, "A part's headers are too large.");
        return 0;
    }
    size_t line_length = (size_t)(newline - pending->data);
    parser->header_bytes += line_length + 1;
    if (parser->header_bytes > MULTIPART_HEADER_MAX)
        return fail(parser, "A part's headers are too large.");
    size_t text_length = line_length;
    if (text_length > 0 && pending->data[text_length - 1] == '\r')
        text_length--;
    if (memchr(pending->data, '\0', text_length))
        return fail(parser, "A part header line is malformed.");
    int rc;
    if (text_length == 0) {
        consume(parser, line_length + 1);
        rc = begin_part(parser);
    } else {
        char line[MULTIPART_HEADER_MAX + 1];
        memcpy(line, pending->data, text_length);
        line[text_length] = '\0';
        consume(parser, line_length + 1);
        rc = parse_header_line(parser, line);
    }
    return rc == 0 ? 1 : -1;
}

static int step_body(multipart_parser *parser)
{
    size_t at = 0, after = 0, safe = 0;
    scan_result found = scan(parser, &at, &after, &safe);
    if (found == SCAN_NONE)
        return emit_data(parser, safe) == 0 ? 0 : -1;
    size_t end = data_end(parser, at);
    if (emit_data(parser, end) != 0)
        return -1;
    if (found == SCAN_PARTIAL)
        return 0;
    consume(parser, after - end); /* the delimiter, now at the front */
    if (end_part(parser) != 0)
        return -1;
    parser->state = found == SCAN_CLOSE ? STATE_DONE : STATE_BOUNDARY_LINE;
    return 1;
}

static int step(multipart_parser *parser)
{
    switch (parser->state) {
    case STATE_PREAMBLE:
        return step_preamble(parser);
    case STATE_BOUNDARY_LINE:
        return step_boundary_line(parser);
    case STATE_HEADERS:
        return step_headers(parser);
    case STATE_BODY:
        return step_body(parser);
    case STATE_DONE:
        consume(parser, parser->pending.length);
        return 0;
    case STATE_FAILED:
        return -1;
    }
    return -1;
}

int multipart_parser_feed(multipart_parser *parser, const char *data, size_t size)
{
    if (parser->state == STATE_FAILED)
        return -1;
    if (parser->state == STATE_DONE)
        return 0;
    if (size > 0 && buf_append(&parser->pending, data, size) != 0)
        return fail(parser, "Out of memory while reading the form.");
    int rc;
    while ((rc = step(parser)) > 0)
        ;
    return rc < 0 ? -1 : 0;
}

int multipart_parser_finish(multipart_parser *parser)
{
    if (parser->state == STATE_FAILED)
        return -1;
    if (parser->state != STATE_DONE)
        return fail(parser, "The form ended before its closing boundary.");
    return 0;
}
