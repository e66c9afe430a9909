/* paging.h - the page/pageSize query parameters shared by every paged list.
 *
 * `page` absent or < 1 -> 1; `pageSize` absent or < 1 -> the default, above the maximum ->
 * clamped (no error); text that is not an integer -> 400 request_invalid naming the
 * parameter. The response echoes the effective values. */
#ifndef NH_HTTP_PAGING_H
#define NH_HTTP_PAGING_H

#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"
#include "http/request.h"

typedef struct paging {
    int number; /* 1-based */
    int size;
    int64_t offset; /* (number - 1) * size */
} paging;

int paging_parse(const http_request *request, int default_size, int max_size, paging *out,
                 nh_error *err);

/* Parse an optional integer query parameter strictly ("12", "-3"; not "1.5", "", "12abc").
 * Returns 0 with *present false when absent; -1 with err (400 request_invalid) when bad. */
int paging_query_int(const http_request *request, const char *name, int64_t *value, bool *present,
                     nh_error *err);

#endif
