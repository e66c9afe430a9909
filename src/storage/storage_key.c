/* storage_key.c - making, normalising and checking storage keys. */
#include "storage/storage_key.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static bool is_forbidden_byte(unsigned char byte)
{
    return byte < 0x20 || byte == 0x7f || byte == '\\';
}

static bool is_dot_segment(const char *segment, size_t length)
{
    return (length == 1 && segment[0] == '.') ||
           (length == 2 && segment[0] == '.' && segment[1] == '.');
}

bool storage_key_is_valid(const char *key)
{
    if (!key)
        return false;
    size_t length = strlen(key);
    if (length == 0 || length > STORAGE_KEY_MAX)
        return false;
    const char *segment = key;
    for (size_t i = 0; i <= length; i++) {
        unsigned char byte = (unsigned char)key[i];
        if (byte != '\0' && byte != '/') {
            if (is_forbidden_byte(byte))
                return false;
            continue;
        }
        size_t segment_length = (size_t)(key + i - segment);
        if (segment_length == 0 || is_dot_segment(segment, segment_length))
            return false;
        segment = key + i + 1;
    }
    return true;
}

int storage_key_normalize(const char *raw, char *out, size_t out_size)
{
    if (out_size == 0)
        return -1;
    out[0] = '\0';
    if (!raw)
        return -1;
    const char *start = raw;
    const char *end = raw + strlen(raw);
    while (start < end && isspace((unsigned char)*start))
        start++;
    while (end > start && isspace((unsigned char)end[-1]))
        end--;
    while (start < end && (*start == '/' || *start == '\\'))
        start++;
    size_t length = (size_t)(end - start);
    if (length == 0 || length > STORAGE_KEY_MAX || length >= out_size)
        return -1;
    for (size_t i = 0; i < length; i++)
        out[i] = start[i] == '\\' ? '/' : start[i];
    out[length] = '\0';
    if (!storage_key_is_valid(out)) {
        out[0] = '\0';
        return -1;
    }
    return 0;
}

static bool is_valid_extension(const char *extension)
{
    size_t length = strlen(extension);
    if (length == 0)
        return true;
    if (extension[0] != '.' || length < 2 || length > STORAGE_KEY_EXTENSION_MAX)
        return false;
    for (size_t i = 1; i < length; i++) {
        unsigned char byte = (unsigned char)extension[i];
        if (!islower(byte) && !isdigit(byte))
            return false;
    }
    return true;
}

/* The 32 hex digits of a canonical UUID, or false when it is not one. */
static bool uuid_hex(const char *uuid, char hex[33])
{
    size_t written = 0;
    for (size_t i = 0; uuid[i]; i++) {
        unsigned char byte = (unsigned char)uuid[i];
        bool dash_position = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash_position) {
            if (byte != '-')
                return false;
            continue;
        }
        if (!isxdigit(byte) || written == 32)
            return false;
        hex[written++] = (char)tolower(byte);
    }
    hex[written] = '\0';
    return written == 32 && strlen(uuid) == 36;
}

int storage_key_generate(int64_t unix_ms, const char *uuid, const char *extension, char *out,
                         size_t out_size)
{
    if (out_size > 0)
        out[0] = '\0';
    char hex[33];
    if (!uuid || !extension || !uuid_hex(uuid, hex) || !is_valid_extension(extension) ||
        unix_ms < 0)
        return -1;
    time_t seconds = (time_t)(unix_ms / 1000);
    struct tm date;
    if (!gmtime_r(&seconds, &date))
        return -1;
    int written = snprintf(out, out_size, "%04d/%02d/%02d/%s%s", date.tm_year + 1900,
                           date.tm_mon + 1, date.tm_mday, hex, extension);
    if (written < 0 || (size_t)written >= out_size) {
        if (out_size > 0)
            out[0] = '\0';
        return -1;
    }
    return 0;
}

const char *storage_key_file_name(const char *key)
{
    const char *slash = strrchr(key, '/');
    return slash ? slash + 1 : key;
}
