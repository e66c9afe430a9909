/* request.c - request accessors and query-string parsing. */
#include "http/request.h"

#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/text.h"

const char *http_request_header(const http_request *request, const char *name)
{
    if (!request->connection)
        return NULL;
    return MHD_lookup_connection_value(request->connection, MHD_HEADER_KIND, name);
}

const char *http_request_query(const http_request *request, const char *name)
{
    for (size_t i = 0; i < request->query_count; i++)
        if (!strcasecmp(request->query[i].name, name))
            return request->query[i].value;
    return NULL;
}

const char *http_request_param(const http_request *request, const char *name)
{
    return router_param(&request->match, name);
}

void http_query_free(http_query_pair *pairs, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        free(pairs[i].name);
        free(pairs[i].value);
    }
    free(pairs);
}

int http_query_add(http_query_pair **pairs, size_t *count, const char *raw_name,
                   const char *raw_value)
{
    char *name = router_percent_decode(raw_name, strlen(raw_name), false);
    char *value =
        raw_value ? router_percent_decode(raw_value, strlen(raw_value), false) : strdup("");
    if (!name || !value || !text_is_utf8(name) || !text_is_utf8(value)) {
        free(name);
        free(value);
        return -1;
    }
    http_query_pair *grown = realloc(*pairs, (*count + 1) * sizeof **pairs);
    if (!grown) {
        free(name);
        free(value);
        return -1;
    }
    *pairs = grown;
    grown[*count].name = name;
    grown[*count].value = value;
    (*count)++;
    return 0;
}
