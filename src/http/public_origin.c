/* public_origin.c - the request's public scheme and authority (forwarded by a trusted proxy,
 * or the connection's own). */
#include "http/public_origin.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

/* The first comma-separated value of a header, trimmed, into out. False when it is empty or
 * does not fit. */
static bool first_value(const char *header, char *out, size_t size)
{
    while (*header == ' ' || *header == '\t')
        header++;
    size_t length = strcspn(header, ",");
    while (length > 0 && (header[length - 1] == ' ' || header[length - 1] == '\t'))
        length--;
    if (length == 0 || length >= size)
        return false;
    memcpy(out, header, length);
    out[length] = '\0';
    return true;
}

/* host[:port] with a registered name, an IPv4 address or a bracketed IPv6 literal: nothing that
 * could change the meaning of a URL built from it (no '/', '?', '#', '@', spaces or controls). */
static bool is_authority(const char *text)
{
    if (text[0] == '\0' || text[0] == ':')
        return false;
    for (const char *c = text; *c; c++) {
        unsigned char ch = (unsigned char)*c;
        if (!isalnum(ch) && !strchr("-._~:[]", ch))
            return false;
    }
    return true;
}

static bool copy_authority(const char *header, char out[PUBLIC_ORIGIN_AUTHORITY_SIZE])
{
    char value[PUBLIC_ORIGIN_AUTHORITY_SIZE];
    if (!header || !first_value(header, value, sizeof value) || !is_authority(value))
        return false;
    memcpy(out, value, strlen(value) + 1);
    return true;
}

static bool copy_scheme(const char *header, char out[PUBLIC_ORIGIN_SCHEME_SIZE])
{
    char value[PUBLIC_ORIGIN_SCHEME_SIZE];
    if (!header || !first_value(header, value, sizeof value))
        return false;
    if (strcasecmp(value, "https") != 0 && strcasecmp(value, "http") != 0)
        return false;
    for (char *c = value; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    memcpy(out, value, strlen(value) + 1);
    return true;
}

void public_origin_resolve(bool trusted_peer, const char *forwarded_proto,
                           const char *forwarded_host, const char *host, public_origin *out)
{
    memset(out, 0, sizeof *out);
    if (!trusted_peer || !copy_scheme(forwarded_proto, out->scheme))
        memcpy(out->scheme, "http", sizeof "http");
    if (trusted_peer && copy_authority(forwarded_host, out->authority))
        return;
    if (!copy_authority(host, out->authority))
        out->authority[0] = '\0';
}

void http_request_public_origin(const http_request *request, public_origin *out)
{
    bool trusted = request->via_trusted_proxy;
    public_origin_resolve(trusted,
                          trusted ? http_request_header(request, "X-Forwarded-Proto") : NULL,
                          trusted ? http_request_header(request, "X-Forwarded-Host") : NULL,
                          http_request_header(request, "Host"), out);
}
