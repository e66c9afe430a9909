/* router.c - route table matching with typed placeholders and percent-decoding. */
#include "http/router.h"

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
