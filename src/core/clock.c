/* clock.c - time sources and ISO-8601 rendering/parsing. */
#include "core/clock.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int64_t clock_now_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

int64_t clock_monotonic_ns(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

int clock_cond_init_monotonic(pthread_cond_t *cond)
{
    pthread_condattr_t attributes;
    int rc = pthread_condattr_init(&attributes);
    if (rc != 0)
        return rc;
    rc = pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC);
    if (rc == 0)
        rc = pthread_cond_init(cond, &attributes);
    pthread_condattr_destroy(&attributes);
    return rc;
}

void clock_monotonic_deadline(int64_t ms, struct timespec *deadline)
{
    clock_gettime(CLOCK_MONOTONIC, deadline);
    if (ms < 0)
        ms = 0;
    deadline->tv_sec += (time_t)(ms / 1000);
    deadline->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (deadline->tv_nsec >= 1000000000L) {
        deadline->tv_sec++;
        deadline->tv_nsec -= 1000000000L;
    }
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

void clock_format_iso(int64_t unix_ms, char out[CLOCK_ISO_SIZE])
{
    int64_t seconds = floor_div(unix_ms, 1000);
    int millis = (int)(unix_ms - seconds * 1000);
    time_t as_time = (time_t)seconds;
    struct tm parts;
    gmtime_r(&as_time, &parts);
    char fraction[8] = "";
    if (millis != 0) {
        snprintf(fraction, sizeof fraction, ".%03d", millis);
        size_t length = strlen(fraction);
        while (fraction[length - 1] == '0')
            fraction[--length] = '\0';
    }
    char text[128];
    snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d%s+00:00", parts.tm_year + 1900,
             parts.tm_mon + 1, parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec, fraction);
    size_t length = strnlen(text, CLOCK_ISO_SIZE - 1);
    memcpy(out, text, length);
    out[length] = '\0';
}

static bool read_digits(const char **cursor, int count, int *value)
{
    int result = 0;
    for (int i = 0; i < count; i++) {
        if (!isdigit((unsigned char)(*cursor)[i]))
            return false;
        result = result * 10 + ((*cursor)[i] - '0');
    }
    *cursor += count;
    *value = result;
    return true;
}

static bool expect_char(const char **cursor, char expected)
{
    if (**cursor != expected)
        return false;
    (*cursor)++;
    return true;
}

static bool is_leap(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int days_in_month(int year, int month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && is_leap(year) ? 29 : days[month - 1];
}

/* Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t year, int month, int day)
{
    year -= month <= 2;
    int64_t era = floor_div(year, 400);
    int64_t year_of_era = year - era * 400;
    int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + day_of_era - 719468;
}

bool clock_parse_iso(const char *text, int64_t *unix_ms)
{
    if (!text)
        return false;
    const char *cursor = text;
    int year, month, day, hour, minute, second = 0;
    if (!read_digits(&cursor, 4, &year) || !expect_char(&cursor, '-') ||
        !read_digits(&cursor, 2, &month) || !expect_char(&cursor, '-') ||
        !read_digits(&cursor, 2, &day))
        return false;
    if (*cursor != 'T' && *cursor != 't' && *cursor != ' ')
        return false;
    cursor++;
    if (!read_digits(&cursor, 2, &hour) || !expect_char(&cursor, ':') ||
        !read_digits(&cursor, 2, &minute))
        return false;
    if (*cursor == ':' && (cursor++, !read_digits(&cursor, 2, &second)))
        return false;
    int millis = 0;
    if (*cursor == '.') {
        cursor++;
        int digits = 0;
        while (isdigit((unsigned char)*cursor)) {
            if (digits < 3)
                millis = millis * 10 + (*cursor - '0');
            digits++;
            cursor++;
        }
        if (digits == 0)
            return false;
        for (int i = digits; i < 3; i++)
            millis *= 10;
    }
    int offset_minutes = 0;
    if (*cursor == 'Z' || *cursor == 'z') {
        cursor++;
    } else if (*cursor == '+' || *cursor == '-') {
        int sign = *cursor == '-' ? -1 : 1;
        cursor++;
        int offset_hours, offset_mins;
        if (!read_digits(&cursor, 2, &offset_hours) || !expect_char(&cursor, ':') ||
            !read_digits(&cursor, 2, &offset_mins) || offset_hours > 23 || offset_mins > 59)
            return false;
        offset_minutes = sign * (offset_hours * 60 + offset_mins);
    } else {
        return false;
    }
    if (*cursor != '\0')
        return false;
    if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) || hour > 23 ||
        minute > 59 || second > 59)
        return false;
    int64_t days = days_from_civil(year, month, day);
    int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
    *unix_ms = seconds * 1000 + millis;
    return true;
}
