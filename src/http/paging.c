/* paging.c - page and pageSize parsing. */
#include "http/paging.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

int paging_query_int(const http_request *request, const char *name, int64_t *value, bool *present,
                     nh_error *err)
{
    *present = false;
    const char *text = http_request_query(request, name);
    if (!text)
        return 0;
    const char *start = text;
    while (isspace((unsigned char)*start))
        start++;
    errno = 0;
    char *end;
    long long parsed = strtoll(start, &end, 10);
    while (isspace((unsigned char)*end))
        end++;
    if (*start == '\0' || *end != '\0' || errno != 0 || parsed < INT32_MIN || parsed > INT32_MAX)
        return error_set(err, 400, "request_invalid", "The value '%.64s' is not valid for %s.",
                         text, name);
    *value = parsed;
    *present = true;
    return 0;
}

int paging_parse(const http_request *request, int default_size, int max_size, paging *out,
                 nh_error *err)
{
    int64_t page = 1, size = default_size;
    bool has_page, has_size;
    if (paging_query_int(request, "page", &page, &has_page, err) != 0 ||
        paging_query_int(request, "pageSize", &size, &has_size, err) != 0)
        return -1;
    if (!has_page || page < 1)
        page = 1;
    if (!has_size || size < 1)
        size = default_size;
    if (size > max_size)
        size = max_size;
    out->number = (int)page;
    out->size = (int)size;
    out->offset = (int64_t)(page - 1) * size;
    return 0;
}
