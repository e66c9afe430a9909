/* router.h - the route table and path matching (pure: no I/O, no libmicrohttpd).
 *
 * A route pattern is a path of literal segments and placeholders:
 *   {name}       one segment, percent-decoded, any UTF-8 text except an empty one
 *   {name:guid}  one segment that is a GUID in any accepted text form; the captured value is
 *                the canonical lowercase hyphenated form; anything else does not match (404)
 *   {*name}      the rest of the path (one or more segments, each percent-decoded, joined
 *                with '/'); a segment that decodes to text containing '/' or NUL, or to
 *                text that is not UTF-8, makes the path not match
 * Matching ignores one trailing slash ("/a/b/" matches "/a/b"), and literal segments compare
 * after percent-decoding. Routes are tried in table order; the first full match wins. */
#ifndef NH_HTTP_ROUTER_H
#define NH_HTTP_ROUTER_H

#include <stdbool.h>
#include <stddef.h>

#define ROUTER_MAX_PARAMS 4
#define ROUTER_MAX_PATH 4096

struct http_request;
struct http_response;

typedef enum {
    ROUTE_AUTH_ANONYMOUS = 0, /* no authentication; an Authorization header is ignored */
    ROUTE_AUTH_MANAGEMENT,    /* JWT, machine API key or personal API key; then permission */
    ROUTE_AUTH_JWT_ONLY,      /* a signed-in person only (no API key of any kind) */
    ROUTE_AUTH_API_KEY_ONLY,  /* machine or personal API key only (MCP) */
} route_auth;

typedef enum {
    ROUTE_BODY_NONE = 0, /* a body is read but ignored */
    ROUTE_BODY_JSON,     /* buffered up to Api__MaxJsonBodyBytes, must be application/json */
    ROUTE_BODY_STREAM,   /* handed chunk by chunk to route.body_chunk as it arrives */
    ROUTE_BODY_RAW,      /* buffered up to max_raw_body_bytes into request->body, whatever
                            its type, never parsed: the handler checks and reads it (MCP's
                            JSON-RPC, whose parse errors are protocol replies) */
} route_body;

typedef void (*route_handler)(struct http_request *request, struct http_response *response);
/* For ROUTE_BODY_STREAM: called for each chunk after authentication succeeded. Return 0 to go
 * on; -1 after filling response with an error to stop reading (the handler is not called). */
typedef int (*route_body_chunk)(struct http_request *request, struct http_response *response,
                                const char *data, size_t size);

/* What an inline handler did: answered (the reply is set), or left the request for the pool. */
typedef enum {
    ROUTE_INLINE_HANDLED = 0,
    ROUTE_INLINE_DEFERRED,
} route_inline_result;

/* A route's fast path, tried on the event thread before the request goes to the handler pool.
 * It must never block: no database, no network, no lock held for more than a copy, no disk
 * access beyond opening and stat-ing a local file. It answers what it can (from a memory the
 * feature keeps) and returns ROUTE_INLINE_DEFERRED for everything else; the server then throws
 * away whatever it put in the response and runs the route's handler on the pool exactly as if
 * there were no inline handler. It must give the same answer the handler would: share the code
 * that builds the reply. Only on anonymous routes without a body (authentication blocks). */
typedef route_inline_result (*route_inline_handler)(struct http_request *request,
                                                    struct http_response *response);

/* No permission required (anonymous, JWT-only and API-key-only routes). */
#define ROUTE_NO_PERMISSION (-1)

typedef struct route {
    const char *method;  /* "GET", "POST", ... ; GET routes also answer HEAD */
    const char *pattern; /* e.g. "/api/v1/users/{id:guid}" */
    route_handler handler;
    route_auth auth;
    /* Required permission for MANAGEMENT routes (a `permission` value of auth/permissions.h,
     * kept as an int so this layer needs no auth header), else ROUTE_NO_PERMISSION. */
    int permission;
    route_body body;
    route_body_chunk body_chunk;
    /* Index into the server's context array (enum route_context in routes.h): the server sets
     * request->context to contexts[context] before authentication and the handler. */
    int context;
    /* The handler never blocks (no database, no disk beyond a stat, no lock held long): it runs
     * on the event thread instead of the handler pool. Only for trivial handlers. */
    bool never_blocks;
    /* Optional fast path of a pooled route (see route_inline_handler), or NULL. */
    route_inline_handler inline_handler;
} route;

typedef struct route_param {
    const char *name; /* points into the pattern's text (not NUL-terminated at the '}') */
    size_t name_length;
    char *value; /* decoded; owned by the match */
} route_param;

typedef enum { ROUTER_MATCHED = 0, ROUTER_NOT_FOUND, ROUTER_METHOD_NOT_ALLOWED } router_outcome;

typedef struct route_match {
    const route *route;
    route_param params[ROUTER_MAX_PARAMS];
    size_t param_count;
    char allow[128]; /* for ROUTER_METHOD_NOT_ALLOWED: "GET, HEAD, POST" */
} route_match;

/* Match method and raw (still percent-encoded, query removed) path against the table of
 * `count` routes. The match owns decoded values; release with router_match_free(). */
router_outcome router_match(const route *routes, size_t count, const char *method,
                            const char *raw_path, route_match *match);
void router_match_free(route_match *match);

/* Check a whole route table before the server starts: every method known; every pattern a
 * valid path of literals and well-formed placeholders ({name}, {name:guid}, {*name} last),
 * parameter names unique and at most ROUTER_MAX_PARAMS; no two routes with the same method and
 * the same pattern shape; no route placed after an earlier one of the same method that matches
 * every path it matches (a literal route after a placeholder route shadowing it); a handler on
 * every route and a body_chunk on streaming ones; a permission in [0, permission_count) on every
 * MANAGEMENT route and ROUTE_NO_PERMISSION elsewhere; a context in [0, context_count); an
 * inline handler only on an anonymous route without a body that is not never_blocks.
 * Returns 0, or -1 with one line naming the first offending route in problem. */
#define ROUTER_PROBLEM_SIZE 256
int router_validate(const route *routes, size_t count, int permission_count, int context_count,
                    char problem[ROUTER_PROBLEM_SIZE]);

/* The decoded value of a named parameter, or NULL. */
const char *router_param(const route_match *match, const char *name);

/* Percent-decode `length` bytes of text into a new NUL-terminated string (caller frees).
 * `plus_is_space` decodes '+' as ' ' (query strings). Returns NULL on a malformed escape
 * ("%G1", "%4"), an encoded NUL, or allocation failure. */
char *router_percent_decode(const char *text, size_t length, bool plus_is_space);

#endif
