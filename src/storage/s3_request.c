/* s3_request.c - URLs, query encoding and the small XML of the S3 backend (see s3_request.h). */
#include "storage/s3_request.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/text.h"
#include "storage/storage.h"

int s3_endpoint_parse(const char *text, s3_endpoint *out)
{
    memset(out, 0, sizeof *out);
    if (!text)
        return -1;
    const char *rest;
    if (!strncasecmp(text, "https://", 8)) {
        out->https = true;
        rest = text + 8;
    } else if (!strncasecmp(text, "http://", 7)) {
        rest = text + 7;
    } else {
        return -1;
    }
    size_t authority_length = strcspn(rest, "/?#");
    if (authority_length == 0 || authority_length >= sizeof out->authority ||
        memchr(rest, '@', authority_length) || strpbrk(rest, "?#") || strpbrk(rest, " \t\r\n"))
        return -1;
    memcpy(out->authority, rest, authority_length);
    const char *path = rest + authority_length;
    size_t path_length = strlen(path);
    while (path_length > 0 && path[path_length - 1] == '/')
        path_length--;
    if (path_length >= sizeof out->base_path)
        return -1;
    memcpy(out->base_path, path, path_length);
    return 0;
}

bool s3_bucket_is_valid(const char *bucket, bool path_style)
{
    size_t length = bucket ? strlen(bucket) : 0;
    if (length < 3 || length > 63)
        return false;
    for (const char *c = bucket; *c; c++) {
        bool dns =
            islower((unsigned char)*c) || isdigit((unsigned char)*c) || *c == '.' || *c == '-';
        bool legacy = isupper((unsigned char)*c) || *c == '_';
        if (!dns && !(path_style && legacy))
            return false;
    }
    return true;
}

bool s3_region_is_valid(const char *region)
{
    return region && region[0] && !strpbrk(region, ": /") && !text_has_control(region);
}

bool s3_access_key_is_valid(const char *access_key)
{
    return access_key && access_key[0] && !strchr(access_key, ':') && !text_has_control(access_key);
}

char *s3_object_url(const s3_endpoint *endpoint, const char *bucket, bool path_style,
                    const char *key, const char *query)
{
    buf base;
    buf_init(&base, 0);
    buf_printf(&base, "%s://", endpoint->https ? "https" : "http");
    if (!path_style)
        buf_printf(&base, "%s.", bucket);
    buf_printf(&base, "%s%s", endpoint->authority, endpoint->base_path);
    if (path_style)
        buf_printf(&base, "/%s", bucket);
    if (buf_failed(&base))
        return NULL;
    char *url = key && key[0] ? storage_url_join(base.data, key) : buf_detach(&base);
    buf_free(&base);
    if (!url || !query)
        return url;
    buf full;
    buf_init(&full, 0);
    buf_printf(&full, "%s?%s", url, query);
    free(url);
    return buf_detach(&full);
}

int s3_query_append(buf *out, const char *name, const char *value)
{
    if (out->length > 0)
        buf_append_str(out, "&");
    buf_append_str(out, name);
    buf_append_str(out, "=");
    return storage_url_encode_append(out, value, false);
}

/* Decode the XML entities of [text, text + length) into out; false when it does not fit. */
static bool xml_unescape(const char *text, size_t length, char *out, size_t size)
{
    static const struct {
        const char *entity;
        char value;
    } entities[] = {
        {"&quot;", '"'}, {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&apos;", '\''}};
    size_t used = 0;
    for (size_t i = 0; i < length; i++) {
        char value = text[i];
        for (size_t e = 0; value == '&' && e < sizeof entities / sizeof entities[0]; e++) {
            size_t entity_length = strlen(entities[e].entity);
            if (i + entity_length <= length &&
                !memcmp(text + i, entities[e].entity, entity_length)) {
                value = entities[e].value;
                i += entity_length - 1;
                break;
            }
        }
        if (used + 1 >= size)
            return false;
        out[used++] = value;
    }
    out[used] = '\0';
    return true;
}

bool s3_xml_value(const char *xml, const char *tag, char *out, size_t size)
{
    if (!xml || size == 0)
        return false;
    char open[80], close[80];
    snprintf(open, sizeof open, "<%s>", tag);
    snprintf(close, sizeof close, "</%s>", tag);
    const char *start = strstr(xml, open);
    if (!start)
        return false;
    start += strlen(open);
    const char *end = strstr(start, close);
    return end && xml_unescape(start, (size_t)(end - start), out, size);
}

static void xml_escape_into(buf *out, const char *text)
{
    for (const char *c = text; *c; c++) {
        switch (*c) {
        case '&':
            buf_append_str(out, "&amp;");
            break;
        case '<':
            buf_append_str(out, "&lt;");
            break;
        case '>':
            buf_append_str(out, "&gt;");
            break;
        case '"':
            buf_append_str(out, "&quot;");
            break;
        default:
            buf_append(out, c, 1);
        }
    }
}

char *s3_complete_xml(char *const *etags, size_t count)
{
    buf xml;
    buf_init(&xml, 0);
    buf_append_str(&xml, "<CompleteMultipartUpload "
                         "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">");
    for (size_t i = 0; i < count; i++) {
        buf_printf(&xml, "<Part><PartNumber>%zu</PartNumber><ETag>", i + 1);
        xml_escape_into(&xml, etags[i]);
        buf_append_str(&xml, "</ETag></Part>");
    }
    buf_append_str(&xml, "</CompleteMultipartUpload>");
    return buf_detach(&xml);
}

static bool parse_u64(const char **cursor, uint64_t *value)
{
    if (!isdigit((unsigned char)**cursor))
        return false;
    errno = 0;
    char *end;
    unsigned long long parsed = strtoull(*cursor, &end, 10);
    if (errno == ERANGE)
        return false;
    *value = (uint64_t)parsed;
    *cursor = end;
    return true;
}

bool s3_parse_content_range(const char *value, uint64_t *first, uint64_t *last, uint64_t *total)
{
    if (!value || strncasecmp(value, "bytes ", 6) != 0)
        return false;
    const char *c = value + 6;
    if (!parse_u64(&c, first) || *c++ != '-' || !parse_u64(&c, last) || *c++ != '/' ||
        !parse_u64(&c, total))
        return false;
    while (*c == ' ')
        c++;
    return *c == '\0' && *first <= *last && *last < *total;
}

bool s3_parse_http_date(const char *value, int64_t *unix_ms)
{
    if (!value)
        return false;
    struct tm date;
    memset(&date, 0, sizeof date);
    const char *end = strptime(value, "%a, %d %b %Y %H:%M:%S GMT", &date);
    if (!end || *end != '\0')
        return false;
    time_t seconds = timegm(&date);
    if (seconds == (time_t)-1)
        return false;
    *unix_ms = (int64_t)seconds * 1000;
    return true;
}

void s3_hex(const unsigned char digest[32], char out[65])
{
    static const char lower[] = "0123456789abcdef";
    for (size_t i = 0; i < 32; i++) {
        out[2 * i] = lower[digest[i] >> 4];
        out[2 * i + 1] = lower[digest[i] & 15];
    }
    out[64] = '\0';
}
