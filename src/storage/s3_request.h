/* s3_request.h - the pure parts of the S3 backend: endpoint parsing, object URLs (path-style
 * and virtual-hosted style) with SigV4's percent-encoding, query values, the few XML values
 * S3 answers with, the CompleteMultipartUpload document, Content-Range and HTTP dates.
 *
 * No I/O, no globals; every malloc'ed result is owned by the caller. Thread-safe. */
#ifndef NH_STORAGE_S3_REQUEST_H
#define NH_STORAGE_S3_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

#define S3_AUTHORITY_SIZE 256
#define S3_BASE_PATH_SIZE 256

/* An endpoint "http[s]://host[:port][/base/path]". */
typedef struct s3_endpoint {
    bool https;
    char authority[S3_AUTHORITY_SIZE]; /* host[:port] as written (IPv6 in brackets) */
    char base_path[S3_BASE_PATH_SIZE]; /* "" or "/base/path" without a trailing '/' */
} s3_endpoint;

/* 0 and out filled, or -1 when text is not an absolute http/https URL with a host (no query,
 * fragment or user info). */
int s3_endpoint_parse(const char *text, s3_endpoint *out);

/* True when bucket is a name we can put in a URL and a host name as it is: 3..63 of
 * [a-z0-9.-] (plus upper case and '_' of legacy buckets for path-style only). */
bool s3_bucket_is_valid(const char *bucket, bool path_style);

/* True for a region curl can put into "aws:amz:<region>:s3" and the signed Authorization
 * header: not empty, no ':', '/', space or control character. */
bool s3_region_is_valid(const char *region);

/* True for an access key curl can carry in "<access>:<secret>" and the Authorization header:
 * not empty, no ':' and no control character. */
bool s3_access_key_is_valid(const char *access_key);

/* The URL of key in bucket (key NULL or "" = the bucket itself), each key segment
 * percent-encoded as SigV4 expects (unreserved characters and '/' kept), then "?" and query
 * when query is not NULL (already encoded, see s3_query_append). Path-style:
 * <scheme>://<authority><base>/<bucket>/<key>; virtual-hosted: <scheme>://<bucket>.<authority>
 * <base>/<key>. Malloc'ed; NULL when out of memory. */
char *s3_object_url(const s3_endpoint *endpoint, const char *bucket, bool path_style,
                    const char *key, const char *query);

/* Append "name=value" (with '&' before it when out is not empty), value percent-encoded with
 * every byte but the unreserved ones escaped (so '/' becomes %2F, as SigV4 wants). */
int s3_query_append(buf *out, const char *name, const char *value);

/* The text of the first <tag>...</tag> in xml, with the five XML entities decoded, into out
 * (NUL-terminated). False when absent or longer than out can hold (never truncated). */
bool s3_xml_value(const char *xml, const char *tag, char *out, size_t size);

/* The CompleteMultipartUpload body for parts 1..count with their ETags (XML-escaped).
 * Malloc'ed; NULL when out of memory. */
char *s3_complete_xml(char *const *etags, size_t count);

/* "bytes first-last/total" (total may not be "*" here). False when it is not one. */
bool s3_parse_content_range(const char *value, uint64_t *first, uint64_t *last, uint64_t *total);

/* An IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") as epoch milliseconds; false otherwise. */
bool s3_parse_http_date(const char *value, int64_t *unix_ms);

/* Lowercase hex of a SHA-256 digest (32 bytes) into out (65 bytes). */
void s3_hex(const unsigned char digest[32], char out[65]);

#endif
