/* router.c - route table matching with typed placeholders and percent-decoding. */
#include "http/router.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "core/uuid.h"

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

char *router_percent_decode(const char *text, size_t length, bool plus_is_space)
{
    char *out = malloc(length + 1);
    if (!out)
        return NULL;
    size_t written = 0;
    for (size_t i = 0; i < length; i++) {
        char c = text[i];
        if (c == '%') {
            if (i + 2 >= length) {
                free(out);
                return NULL;
            }
            int high = hex_digit(text[i + 1]);
            int low = hex_digit(text[i + 2]);
            if (high < 0 || low < 0 || (high == 0 && low == 0)) {
                free(out);
                return NULL;
            }
            out[written++] = (char)(high << 4 | low);
            i += 2;
        } else if (c == '+' && plus_is_space) {
            out[written++] = ' ';
        } else {
            out[written++] = c;
        }
    }
    out[written] = '\0';
    return out;
}

/* A cursor over '/'-separated segments of a path. */
typedef struct segment_cursor {
    const char *next;
} segment_cursor;

static bool next_segment(segment_cursor *cursor, const char **start, size_t *length)
{
    if (!cursor->next)
        return false;
    const char *slash = strchr(cursor->next, '/');
    *start = cursor->next;
    if (slash) {
        *length = (size_t)(slash - cursor->next);
        cursor->next = slash + 1;
    } else {
        *length = strlen(cursor->next);
        cursor->next = NULL;
    }
    return true;
}

typedef enum { SEGMENT_LITERAL, SEGMENT_ANY, SEGMENT_GUID, SEGMENT_REST } segment_kind;

static segment_kind classify(const char *segment, size_t length, const char **name,
                             size_t *name_length)
{
    if (length < 3 || segment[0] != '{' || segment[length - 1] != '}')
        return SEGMENT_LITERAL;
    *name = segment + 1;
    *name_length = length - 2;
    if (segment[1] == '*') {
        (*name)++;
        (*name_length)--;
        return SEGMENT_REST;
    }
    const char *colon = memchr(segment, ':', length);
    if (colon) {
        *name_length = (size_t)(colon - *name);
        return SEGMENT_GUID; /* the only constraint we use */
    }
    return SEGMENT_ANY;
}

static void free_params(route_match *match)
{
    for (size_t i = 0; i < match->param_count; i++)
        free(match->params[i].value);
    match->param_count = 0;
}

static bool add_param(route_match *match, const char *name, size_t name_length, char *value)
{
    if (match->param_count >= ROUTER_MAX_PARAMS) {
        free(value);
        return false;
    }
    route_param *param = &match->params[match->param_count++];
    param->name = name;
    param->name_length = name_length;
    param->value = value;
    return true;
}

/* Match the rest of the path as one catch-all value. */
static char *decode_rest(segment_cursor *path, const char *first, size_t first_length)
{
    size_t total = strlen(first) + 1;
    char *joined = malloc(total);
    if (!joined)
        return NULL;
    size_t used = 0;
    const char *start = first;
    size_t length = first_length;
    do {
        if (length == 0) { /* empty segment: "a//b" */
            free(joined);
            return NULL;
        }
        char *decoded = router_percent_decode(start, length, false);
        if (!decoded || strchr(decoded, '/') || !text_is_utf8(decoded)) {
            free(decoded);
            free(joined);
            return NULL;
        }
        size_t decoded_length = strlen(decoded);
        if (used)
            joined[used++] = '/';
        memcpy(joined + used, decoded, decoded_length); /* decoded never longer than raw */
        used += decoded_length;
        free(decoded);
    } while (next_segment(path, &start, &length));
    joined[used] = '\0';
    return joined;
}

static bool match_segment(route_match *match, segment_kind kind, const char *pattern_segment,
                          size_t pattern_length, const char *name, size_t name_length,
                          const char *segment, size_t segment_length)
{
    char *decoded = router_percent_decode(segment, segment_length, false);
    if (!decoded)
        return false;
    if (kind == SEGMENT_LITERAL) {
        bool equal = strlen(decoded) == pattern_length &&
                     memcmp(decoded, pattern_segment, pattern_length) == 0;
        free(decoded);
        return equal;
    }
    if (decoded[0] == '\0' || strchr(decoded, '/') || !text_is_utf8(decoded)) {
        free(decoded);
        return false;
    }
    if (kind == SEGMENT_GUID) {
        char canonical[UUID_TEXT_SIZE];
        bool valid = uuid_parse(decoded, canonical);
        free(decoded);
        if (!valid)
            return false;
        decoded = strdup(canonical);
        if (!decoded)
            return false;
    }
    return add_param(match, name, name_length, decoded);
}

/* Does the path (trailing slash removed) match this pattern? Fills params on success. */
static bool match_pattern(const char *pattern, const char *path, route_match *match)
{
    /* "/" has no segments; otherwise every segment counts, empty ones too ("a//b"). */
    segment_cursor pattern_cursor = {pattern[1] ? pattern + 1 : NULL};
    segment_cursor path_cursor = {path[1] ? path + 1 : NULL};
    const char *pattern_segment = NULL, *segment = NULL;
    size_t pattern_length = 0, segment_length = 0;
    for (;;) {
        bool more_pattern = next_segment(&pattern_cursor, &pattern_segment, &pattern_length);
        bool more_path = next_segment(&path_cursor, &segment, &segment_length);
        if (!more_pattern || !more_path) {
            if (more_pattern == more_path)
                return true;
            free_params(match);
            return false;
        }
        const char *name = NULL;
        size_t name_length = 0;
        segment_kind kind = classify(pattern_segment, pattern_length, &name, &name_length);
        if (kind == SEGMENT_REST) {
            char *rest = decode_rest(&path_cursor, segment, segment_length);
            if (!rest || !add_param(match, name, name_length, rest)) {
                free_params(match);
                return false;
            }
            return true;
        }
        if (!match_segment(match, kind, pattern_segment, pattern_length, name, name_length, segment,
                           segment_length)) {
            free_params(match);
            return false;
        }
    }
}

static bool method_matches(const char *route_method, const char *method)
{
    if (!strcmp(route_method, method))
        return true;
    return !strcmp(method, "HEAD") && !strcmp(route_method, "GET");
}

static void append_allow(route_match *match, const char *method)
{
    if (strstr(match->allow, method))
        return;
    size_t used = strlen(match->allow);
    size_t needed = strlen(method) + (used ? 2 : 0);
    if (used + needed + 1 > sizeof match->allow)
        return;
    if (used)
        strcat(match->allow, ", ");
    strcat(match->allow, method);
}

router_outcome router_match(const route *routes, size_t count, const char *method,
                            const char *raw_path, route_match *match)
{
    memset(match, 0, sizeof *match);
    size_t path_length = raw_path ? strlen(raw_path) : 0;
    if (path_length == 0 || raw_path[0] != '/' || path_length >= ROUTER_MAX_PATH)
        return ROUTER_NOT_FOUND;
    char path[ROUTER_MAX_PATH];
    memcpy(path, raw_path, path_length + 1);
    if (path_length > 1 && path[path_length - 1] == '/')
        path[path_length - 1] = '\0';

    bool path_known = false;
    for (size_t i = 0; i < count; i++) {
        if (!match_pattern(routes[i].pattern, path, match))
            continue;
        if (method_matches(routes[i].method, method)) {
            match->route = &routes[i];
            match->allow[0] = '\0';
            return ROUTER_MATCHED;
        }
        free_params(match);
        path_known = true;
        append_allow(match, routes[i].method);
        if (!strcmp(routes[i].method, "GET"))
            append_allow(match, "HEAD");
    }
    return path_known ? ROUTER_METHOD_NOT_ALLOWED : ROUTER_NOT_FOUND;
}

void router_match_free(route_match *match)
{
    free_params(match);
    match->route = NULL;
}

const char *router_param(const route_match *match, const char *name)
{
    size_t length = strlen(name);
    for (size_t i = 0; i < match->param_count; i++) {
        const route_param *param = &match->params[i];
        if (param->name_length == length && !memcmp(param->name, name, length))
            return param->value;
    }
    return NULL;
}

/* ---- validating a route table ----------------------------------------------------------- */

typedef struct pattern_segment {
    segment_kind kind;
    const char *text; /* literal text or placeholder name */
    size_t length;
} pattern_segment;

#define ROUTER_MAX_SEGMENTS 32

static bool valid_name(const char *name, size_t length)
{
    if (length == 0 || !(name[0] == '_' || (name[0] >= 'A' && name[0] <= 'Z') ||
                         (name[0] >= 'a' && name[0] <= 'z')))
        return false;
    for (size_t i = 1; i < length; i++) {
        char c = name[i];
        if (!(c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c >= '0' && c <= '9')))
            return false;
    }
    return true;
}

static bool valid_literal(const char *text, size_t length)
{
    for (size_t i = 0; i < length; i++)
        if ((unsigned char)text[i] <= ' ' || strchr("{}%?#\\", text[i]))
            return false;
    return true;
}

/* Split and check one pattern. Returns the segment count, or -1 with problem filled. */
static int parse_pattern(const char *pattern, pattern_segment *segments, char *problem)
{
    if (!pattern || pattern[0] != '/') {
        snprintf(problem, ROUTER_PROBLEM_SIZE, "pattern must start with '/'");
        return -1;
    }
    if (!strcmp(pattern, "/"))
        return 0;
    segment_cursor cursor = {pattern + 1};
    const char *text;
    size_t length;
    int count = 0, params = 0;
    while (next_segment(&cursor, &text, &length)) {
        if (count == ROUTER_MAX_SEGMENTS || length == 0) {
            snprintf(problem, ROUTER_PROBLEM_SIZE, "empty segment or too many segments");
            return -1;
        }
        pattern_segment *segment = &segments[count++];
        const char *name = text;
        size_t name_length = length;
        segment->kind = classify(text, length, &name, &name_length);
        segment->text = segment->kind == SEGMENT_LITERAL ? text : name;
        segment->length = segment->kind == SEGMENT_LITERAL ? length : name_length;
        if (segment->kind == SEGMENT_LITERAL && !valid_literal(text, length)) {
            snprintf(problem, ROUTER_PROBLEM_SIZE, "malformed segment '%.*s'", (int)length, text);
            return -1;
        }
        if (segment->kind == SEGMENT_LITERAL)
            continue;
        const char *colon = memchr(text, ':', length);
        bool bad_constraint =
            segment->kind == SEGMENT_GUID &&
            ((size_t)(text + length - 1 - colon) != 5 || memcmp(colon + 1, "guid", 4) != 0);
        if (!valid_name(name, name_length) || bad_constraint ||
            (segment->kind == SEGMENT_REST && cursor.next)) {
            snprintf(problem, ROUTER_PROBLEM_SIZE, "malformed placeholder '%.*s'", (int)length,
                     text);
            return -1;
        }
        for (int i = 0; i < count - 1; i++)
            if (segments[i].kind != SEGMENT_LITERAL && segments[i].length == name_length &&
                !memcmp(segments[i].text, name, name_length)) {
                snprintf(problem, ROUTER_PROBLEM_SIZE, "parameter '%.*s' twice", (int)name_length,
                         name);
                return -1;
            }
        if (++params > ROUTER_MAX_PARAMS) {
            snprintf(problem, ROUTER_PROBLEM_SIZE, "more than %d parameters", ROUTER_MAX_PARAMS);
            return -1;
        }
    }
    return count;
}

static bool literal_is_guid(const pattern_segment *segment)
{
    char text[64], canonical[UUID_TEXT_SIZE];
    if (segment->length >= sizeof text)
        return false;
    memcpy(text, segment->text, segment->length);
    text[segment->length] = '\0';
    return uuid_parse(text, canonical);
}

/* Does every path the later pattern matches also match the earlier one? */
static bool pattern_covers(const pattern_segment *earlier, int earlier_count,
                           const pattern_segment *later, int later_count)
{
    for (int i = 0;; i++) {
        if (i == earlier_count || i == later_count)
            return earlier_count == later_count;
        const pattern_segment *a = &earlier[i], *b = &later[i];
        if (a->kind == SEGMENT_REST)
            return true;
        if (b->kind == SEGMENT_REST)
            return false;
        bool covered = false;
        if (a->kind == SEGMENT_ANY)
            covered = true;
        else if (a->kind == SEGMENT_GUID)
            covered = b->kind == SEGMENT_GUID || (b->kind == SEGMENT_LITERAL && literal_is_guid(b));
        else
            covered = b->kind == SEGMENT_LITERAL && a->length == b->length &&
                      !memcmp(a->text, b->text, a->length);
        if (!covered)
            return false;
    }
}

static bool same_shape(const pattern_segment *a, int a_count, const pattern_segment *b, int b_count)
{
    if (a_count != b_count)
        return false;
    for (int i = 0; i < a_count; i++) {
        if (a[i].kind != b[i].kind)
            return false;
        if (a[i].kind == SEGMENT_LITERAL &&
            (a[i].length != b[i].length || memcmp(a[i].text, b[i].text, a[i].length) != 0))
            return false;
    }
    return true;
}

static bool known_route_method(const char *method)
{
    static const char *const methods[] = {"GET", "POST", "PUT", "PATCH", "DELETE"};
    for (size_t i = 0; method && i < sizeof methods / sizeof methods[0]; i++)
        if (!strcmp(method, methods[i]))
            return true;
    return false;
}

static int check_route_fields(const route *r, int permission_count, int context_count,
                              char *problem)
{
    if (!known_route_method(r->method))
        return snprintf(problem, ROUTER_PROBLEM_SIZE, "unknown method"), -1;
    if (!r->handler)
        return snprintf(problem, ROUTER_PROBLEM_SIZE, "no handler"), -1;
    if (r->body == ROUTE_BODY_STREAM && !r->body_chunk)
        return snprintf(problem, ROUTER_PROBLEM_SIZE, "streaming route without body_chunk"), -1;
    if (r->auth == ROUTE_AUTH_MANAGEMENT &&
        (r->permission < 0 || r->permission >= permission_count))
        return snprintf(problem, ROUTER_PROBLEM_SIZE, "management route without a permission"), -1;
    if (r->auth != ROUTE_AUTH_MANAGEMENT && r->permission != ROUTE_NO_PERMISSION)
        return snprintf(problem, ROUTER_PROBLEM_SIZE, "permission on a non-management route"), -1;
    if (r->context < 0 || r->context >= context_count)
        return snprintf(problem, ROUTER_PROBLEM_SIZE, "context out of range"), -1;
    if (r->inline_handler &&
        (r->auth != ROUTE_AUTH_ANONYMOUS || r->body != ROUTE_BODY_NONE || r->never_blocks))
        return snprintf(problem, ROUTER_PROBLEM_SIZE,
                        "inline handler on a route that authenticates, reads a body or never "
                        "blocks"),
               -1;
    return 0;
}

int router_validate(const route *routes, size_t count, int permission_count, int context_count,
                    char problem[ROUTER_PROBLEM_SIZE])
{
    pattern_segment parsed[2][ROUTER_MAX_SEGMENTS];
    char detail[ROUTER_PROBLEM_SIZE];
    for (size_t i = 0; i < count; i++) {
        const route *later = &routes[i];
        int later_count = parse_pattern(later->pattern, parsed[1], detail);
        if (later_count >= 0 &&
            check_route_fields(later, permission_count, context_count, detail) != 0)
            later_count = -1;
        for (size_t j = 0; later_count >= 0 && j < i; j++) {
            const route *earlier = &routes[j];
            if (strcmp(earlier->method, later->method) != 0)
                continue;
            int earlier_count = parse_pattern(earlier->pattern, parsed[0], detail);
            if (same_shape(parsed[0], earlier_count, parsed[1], later_count)) {
                snprintf(detail, sizeof detail, "duplicate of %.96s", earlier->pattern);
                later_count = -1;
            } else if (pattern_covers(parsed[0], earlier_count, parsed[1], later_count)) {
                snprintf(detail, sizeof detail, "shadowed by the earlier %.96s", earlier->pattern);
                later_count = -1;
            }
        }
        if (later_count < 0) {
            snprintf(problem, ROUTER_PROBLEM_SIZE, "route %zu (%.8s %.80s): %.100s", i,
                     later->method ? later->method : "?", later->pattern ? later->pattern : "?",
                     detail);
            return -1;
        }
    }
    return 0;
}
