/* error.h - the one error type that travels from a service to the HTTP envelope.
 *
 * A service that fails fills an nh_error (status, stable snake_case code, English message)
 * and returns -1. The handler renders it with http_reply_error(). Nothing here allocates. */
#ifndef NH_CORE_ERROR_H
#define NH_CORE_ERROR_H

#include <stdarg.h>

typedef struct nh_error {
    int status;        /* HTTP status, e.g. 400 */
    char code[96];     /* stable machine code, e.g. "request_invalid" (the longest is 65) */
    char message[512]; /* English text for people; longer text is cut at a UTF-8 boundary */
    /* > 0: the client may retry after this many seconds (sent as Retry-After with 429/503/
     * 507 replies); 0: no hint. error_set() resets it; set it after error_set(). */
    int retry_after_seconds;
} nh_error;

/* Fill err (if not NULL) and return -1 so callers can write `return error_set(...)`. */
int error_set(nh_error *err, int status, const char *code, const char *format, ...)
    __attribute__((format(printf, 4, 5)));

/* The generic 500 with no internal detail. Returns -1. */
int error_internal(nh_error *err);

/* error_set() for a temporary condition: also sets retry_after_seconds. Returns -1. */
int error_set_retry(nh_error *err, int status, const char *code, int retry_after_seconds,
                    const char *format, ...) __attribute__((format(printf, 5, 6)));

/* Clear to "no error". */
void error_clear(nh_error *err);

#endif
