/* public_origin.h - the scheme and authority a client used to reach this server: what an
 * Origin header must match (DNS-rebinding protection) and what absolute URLs handed back to the
 * client start with (the MCP transports).
 *
 * Behind a trusted reverse proxy (the peer is in Server__TrustedProxies, see client_address.h)
 * the first value of X-Forwarded-Proto and of X-Forwarded-Host say it; from any other peer
 * those headers are ignored and the connection's own scheme ("http": the server speaks no TLS
 * itself) and its Host header count. A forwarded value that is not a usable scheme (http or
 * https) or authority (host[:port], no path, user information or spaces) is ignored in favour
 * of the connection's own. */
#ifndef NH_HTTP_PUBLIC_ORIGIN_H
#define NH_HTTP_PUBLIC_ORIGIN_H

#include <stdbool.h>

#include "http/request.h"

#define PUBLIC_ORIGIN_SCHEME_SIZE 8
#define PUBLIC_ORIGIN_AUTHORITY_SIZE 256

typedef struct public_origin {
    char scheme[PUBLIC_ORIGIN_SCHEME_SIZE];       /* "http" or "https" */
    char authority[PUBLIC_ORIGIN_AUTHORITY_SIZE]; /* host[:port] as sent; "" when unknown */
} public_origin;

/* Pure: from the peer's trust and the header values (NULL = absent). */
void public_origin_resolve(bool trusted_peer, const char *forwarded_proto,
                           const char *forwarded_host, const char *host, public_origin *out);

/* The request's public origin. */
void http_request_public_origin(const http_request *request, public_origin *out);

#endif
