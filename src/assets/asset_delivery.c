/* asset_delivery.c - conditional requests, byte ranges and X-Accel-Redirect locations (see
 * asset_delivery.h). */
#include "assets/asset_delivery.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "storage/storage.h"

static const char *const weekdays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

void asset_delivery_http_date(int64_t unix_ms, char out[DELIVERY_HTTP_DATE_SIZE])
{
    time_t seconds = (time_t)(unix_ms / 1000);
    struct tm date;
    if (!gmtime_r(&seconds, &date)) {
        snprintf(out, DELIVERY_HTTP_DATE_SIZE, "Thu, 01 Jan 1970 00:00:00 GMT");
        return;
    }
    snprintf(out, DELIVERY_HTTP_DATE_SIZE, "%s, %02d %s %04d %02d:%02d:%02d GMT",
             weekdays[date.tm_wday], date.tm_mday, months[date.tm_mon], date.tm_year + 1900,
             date.tm_hour, date.tm_min, date.tm_sec);
}

static int month_of(const char *name)
{
    for (int i = 0; i < 12; i++)
        if (!strncmp(name, months[i], 3))
            return i;
    return -1;
}

bool asset_delivery_parse_http_date(const char *text, int64_t *unix_seconds)
{
    char weekday[4], month[4];
    int day, year, hour, minute, second, consumed = 0;
    if (!text || strlen(text) != 29)
        return false;
    if (sscanf(text, "%3s, %2d %3s %4d %2d:%2d:%2d GMT%n", weekday, &day, month, &year, &hour,
               &minute, &second, &consumed) != 7 ||
        consumed != 29)
        return false;
    int month_index = month_of(month);
    if (month_index < 0 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60 ||
        year < 1970)
        return false;
    struct tm date = {.tm_year = year - 1900,
                      .tm_mon = month_index,
                      .tm_mday = day,
                      .tm_hour = hour,
                      .tm_min = minute,
                      .tm_sec = second};
    time_t seconds = timegm(&date);
    if (seconds == (time_t)-1)
        return false;
    *unix_seconds = (int64_t)seconds;
    return true;
}

/* ---- entity tags ------------------------------------------------------------------------ */

/* The opaque part of an entity tag (without W/ and quotes) at *cursor; advances past it. */
static bool next_tag(const char **cursor, const char **tag, size_t *length)
{
    const char *c = *cursor;
    while (*c == ' ' || *c == '\t' || *c == ',')
        c++;
    if (*c == '\0')
        return false;
    if (c[0] == 'W' && c[1] == '/')
        c += 2;
    if (*c != '"') { /* not a tag: skip to the next comma */
        *tag = c;
        while (*c && *c != ',')
            c++;
        *length = 0;
        *cursor = c;
        return true;
    }
    const char *start = ++c;
    while (*c && *c != '"')
        c++;
    *tag = start;
    *length = (size_t)(c - start);
    if (*c == '"')
        c++;
    *cursor = c;
    return true;
}

/* The opaque part of our own (strong, quoted) tag. */
static void own_tag(const char *etag, const char **tag, size_t *length)
{
    *tag = etag;
    *length = strlen(etag);
    if (*length >= 2 && etag[0] == '"') {
        (*tag)++;
        *length -= 2;
    }
}

/* Whether header ("*" or a list of entity tags) names our tag. If-None-Match compares weakly
 * (W/"x" matches "x": weak_matches true); If-Match strongly (a weak tag never matches). */
static bool tag_list_hits(const char *header, const char *etag, bool weak_matches)
{
    const char *mine;
    size_t mine_length;
    own_tag(etag, &mine, &mine_length);
    const char *cursor = header;
    while (*cursor == ' ' || *cursor == '\t')
        cursor++;
    if (cursor[0] == '*')
        return true;
    for (;;) {
        while (*cursor == ' ' || *cursor == '\t' || *cursor == ',')
            cursor++;
        bool weak = cursor[0] == 'W' && cursor[1] == '/';
        const char *tag;
        size_t length;
        if (!next_tag(&cursor, &tag, &length))
            return false;
        if ((weak_matches || !weak) && length > 0 && length == mine_length &&
            !memcmp(tag, mine, length))
            return true;
    }
}

static bool none_match_hits(const char *header, const char *etag)
{
    return tag_list_hits(header, etag, true);
}

static bool match_hits(const char *header, const char *etag)
{
    return tag_list_hits(header, etag, false);
}

/* 412 conditions: If-Match, else If-Unmodified-Since (an unparsable date is ignored). */
static bool precondition_fails(const delivery_request *request, const delivery_object *object)
{
    if (request->if_match)
        return !match_hits(request->if_match, object->etag);
    int64_t since;
    return request->if_unmodified_since &&
           asset_delivery_parse_http_date(request->if_unmodified_since, &since) &&
           object->modified_ms / 1000 > since;
}

/* If-Range: does the condition still hold (strong comparison for tags)? */
static bool if_range_holds(const char *header, const delivery_object *object)
{
    while (*header == ' ')
        header++;
    if (header[0] == '"') {
        return strcmp(header, object->etag) == 0;
    }
    if (header[0] == 'W' && header[1] == '/')
        return false; /* weak tags never match If-Range */
    int64_t seconds;
    return asset_delivery_parse_http_date(header, &seconds) &&
           seconds == object->modified_ms / 1000;
}

/* ---- ranges ----------------------------------------------------------------------------- */

/* A run of digits. A value beyond 64 bits saturates to UINT64_MAX: it is still a valid
 * position (RFC 9110 allows any number of digits), just one past the end of any object. */
static bool parse_number(const char **cursor, uint64_t *value)
{
    const char *c = *cursor;
    if (!isdigit((unsigned char)*c))
        return false;
    errno = 0;
    char *end;
    unsigned long long parsed = strtoull(c, &end, 10);
    *value = errno == ERANGE ? UINT64_MAX : (uint64_t)parsed;
    *cursor = end;
    return true;
}

/* Returns the plan for a Range header; DELIVERY_FULL when it is to be ignored. */
static delivery_plan plan_range(const char *header, uint64_t size)
{
    delivery_plan full = {DELIVERY_FULL, 0, size};
    delivery_plan unsatisfiable = {DELIVERY_UNSATISFIABLE, 0, 0};
    const char *c = header;
    while (*c == ' ')
        c++;
    if (strncasecmp(c, "bytes=", 6) != 0)
        return full;
    c += 6;
    while (*c == ' ')
        c++;
    if (strchr(c, ','))
        return full; /* several ranges: we send the whole object */
    uint64_t first = 0, last = 0;
    bool has_first = parse_number(&c, &first);
    if (*c++ != '-')
        return full;
    bool has_last = parse_number(&c, &last);
    while (*c == ' ')
        c++;
    if (*c != '\0' || (!has_first && !has_last))
        return full;
    if (!has_first) { /* suffix: the last `last` bytes */
        if (last == 0 || size == 0)
            return unsatisfiable;
        uint64_t length = last < size ? last : size;
        delivery_plan plan = {DELIVERY_PARTIAL, size - length, length};
        return plan;
    }
    if (has_last && last < first)
        return full;
    if (first >= size)
        return unsatisfiable;
    if (!has_last || last >= size)
        last = size - 1;
    delivery_plan plan = {DELIVERY_PARTIAL, first, last - first + 1};
    return plan;
}

delivery_plan asset_delivery_plan(const delivery_request *request, const delivery_object *object)
{
    delivery_plan full = {DELIVERY_FULL, 0, object->size};
    delivery_plan not_modified = {DELIVERY_NOT_MODIFIED, 0, 0};
    delivery_plan failed = {DELIVERY_PRECONDITION_FAILED, 0, 0};
    if (precondition_fails(request, object))
        return failed;
    if (request->if_none_match) {
        if (none_match_hits(request->if_none_match, object->etag))
            return not_modified;
    } else if (request->if_modified_since) {
        int64_t since;
        if (asset_delivery_parse_http_date(request->if_modified_since, &since) &&
            object->modified_ms / 1000 <= since)
            return not_modified;
    }
    if (!request->range)
        return full;
    if (request->if_range && !if_range_holds(request->if_range, object))
        return full;
    return plan_range(request->range, object->size);
}

/* ---- X-Accel-Redirect ------------------------------------------------------------------- */

char *asset_delivery_accel_location(const char *prefix, const char *key)
{
    if (!key || !key[0])
        return NULL;
    return storage_url_join(prefix, key); /* the same per-segment encoding as public URLs */
}
