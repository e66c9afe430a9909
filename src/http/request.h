/* request.h - what a handler sees of an HTTP request.
 *
 * The server owns the request and everything it points to for the duration of the request;
 * handlers only read it (except `handler_state`, which a streaming route may use for its own
 * per-request data and must release in its handler or cleanup). */
#ifndef NH_HTTP_REQUEST_H
#define NH_HTTP_REQUEST_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/principal.h"
#include "core/buf.h"
#include "http/router.h"

struct MHD_Connection;

#define HTTP_REQUEST_ID_SIZE 65

typedef struct http_query_pair {
    char *name;  /* decoded */
    char *value; /* decoded; "" when given without '=' */
} http_query_pair;

typedef struct http_request {
    /* The matched route's feature context (its service object, see enum route_context in
     * routes.h); NULL before routing and for unmatched requests. */
    void *context;
    struct MHD_Connection *connection;
    const char *method;
    const char *path; /* raw path without the query */
    route_match match;
    http_query_pair *query;
    size_t query_count;
    buf body;     /* ROUTE_BODY_JSON, ROUTE_BODY_RAW: the raw bytes */
    json_t *json; /* ROUTE_BODY_JSON: parsed body, or NULL when the body was empty */
    char request_id[HTTP_REQUEST_ID_SIZE];
    char client_address[64]; /* the peer, or the forwarded client behind a trusted proxy */
    auth_principal principal;
    void *handler_state;                     /* for streaming routes */
    void (*handler_state_free)(void *state); /* called when the request ends, if set */
    int64_t started_ns;
} http_request;

/* A request header (case-insensitive name), or NULL. */
const char *http_request_header(const http_request *request, const char *name);
/* A decoded query parameter (first occurrence, case-insensitive name), or NULL. */
const char *http_request_query(const http_request *request, const char *name);
/* A route parameter, e.g. "id" for "{id:guid}". */
const char *http_request_param(const http_request *request, const char *name);

/* Append one query pair given still percent-encoded ('+' already turned into ' ').
 * Returns -1 on a malformed escape, a name or value that is not UTF-8, or allocation failure
 * (pairs unchanged). */
int http_query_add(http_query_pair **pairs, size_t *count, const char *raw_name,
                   const char *raw_value);
void http_query_free(http_query_pair *pairs, size_t count);

#endif
