/* asset_delivery.h - HTTP caching and range rules for serving stored bytes (pure: no I/O).
 *
 * Given the validators of an object (strong ETag, modification time, size) and the request's
 * conditional and range headers, decide what to send (RFC 9110 §13.2.2 order):
 *   - If-Match ("*" or a list, strong comparison) that matches nothing -> 412; without it,
 *     If-Unmodified-Since older than Last-Modified -> 412;
 *   - If-None-Match (weak comparison, "*" or a list) that matches -> 304; when present it
 *     wins over If-Modified-Since;
 *   - otherwise If-Modified-Since (IMF-fixdate) not older than Last-Modified -> 304;
 *   - Range "bytes=first-last", "bytes=first-" or "bytes=-suffix" (one range) -> 206 with the
 *     clamped range, or 416 when it starts beyond the end (or asks for an empty suffix);
 *     several ranges, other units and malformed values are ignored (whole object, 200);
 *     positions too large for 64 bits count as past the end (clamped, or 416 as a start);
 *     If-Range (an ETag compared strongly, or a date compared exactly) that does not match
 *     -> the whole object.
 * And, for a reverse proxy that sends the bytes itself (nginx X-Accel-Redirect), the internal
 * URI naming an object.
 * Thread-safe. */
#ifndef NH_ASSETS_DELIVERY_H
#define NH_ASSETS_DELIVERY_H

#include <stdbool.h>
#include <stdint.h>

#define DELIVERY_HTTP_DATE_SIZE 32

typedef struct delivery_request {
    const char *if_none_match; /* header values, NULL when absent */
    const char *if_modified_since;
    const char *range;
    const char *if_range;
    const char *if_match;
    const char *if_unmodified_since;
} delivery_request;

typedef struct delivery_object {
    const char *etag; /* quoted, e.g. "\"abc\"" */
    int64_t modified_ms;
    uint64_t size;
} delivery_object;

typedef enum {
    DELIVERY_FULL = 0,            /* 200, the whole object */
    DELIVERY_NOT_MODIFIED,        /* 304 */
    DELIVERY_PARTIAL,             /* 206, [offset, offset + length) */
    DELIVERY_UNSATISFIABLE,       /* 416 */
    DELIVERY_PRECONDITION_FAILED, /* 412 */
} delivery_outcome;

typedef struct delivery_plan {
    delivery_outcome outcome;
    uint64_t offset;
    uint64_t length;
} delivery_plan;

delivery_plan asset_delivery_plan(const delivery_request *request, const delivery_object *object);

/* IMF-fixdate of unix_ms (seconds precision): "Sun, 06 Nov 1994 08:49:37 GMT". */
void asset_delivery_http_date(int64_t unix_ms, char out[DELIVERY_HTTP_DATE_SIZE]);
/* Parse an IMF-fixdate into Unix seconds; false when it is not one. */
bool asset_delivery_parse_http_date(const char *text, int64_t *unix_seconds);

/* The X-Accel-Redirect value naming the object at storage key `key` below the proxy's
 * internal location `prefix` (e.g. "/_protected/"): "<prefix without trailing '/'>/<key with
 * each segment percent-encoded>" (unreserved characters and the '/' separators stay; nginx
 * expects an escaped URI there and decodes it before mapping it to a file). Malloc'ed; NULL
 * when prefix or key is NULL, prefix is blank, or out of memory. */
char *asset_delivery_accel_location(const char *prefix, const char *key);

#endif
