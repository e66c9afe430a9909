/* error.c - filling nh_error values. */
#include "core/error.h"

#include <stdio.h>
#include <string.h>

#include "core/text.h"

static void cut_at_utf8_boundary(char *text, size_t capacity)
{
    size_t length = strlen(text);
    if (length + 1 < capacity)
        return;
    /* vsnprintf may have cut a multi-byte sequence: drop continuation bytes at the end. */
    while (length > 0 && ((unsigned char)text[length - 1] & 0xC0) == 0x80)
        length--;
    if (length > 0 && ((unsigned char)text[length - 1] & 0xC0) == 0xC0)
        length--;
    text[length] = '\0';
}

static void fill(nh_error *err, int status, const char *code, const char *format, va_list args)
{
    err->status = status;
    err->retry_after_seconds = 0;
    snprintf(err->code, sizeof err->code, "%s", code);
    vsnprintf(err->message, sizeof err->message, format, args);
    cut_at_utf8_boundary(err->message, sizeof err->message);
    text_utf8_scrub(err->message); /* it may quote client text; JSON needs UTF-8 */
}

int error_set(nh_error *err, int status, const char *code, const char *format, ...)
{
    if (!err)
        return -1;
    va_list args;
    va_start(args, format);
    fill(err, status, code, format, args);
    va_end(args);
    return -1;
}

int error_set_retry(nh_error *err, int status, const char *code, int retry_after_seconds,
                    const char *format, ...)
{
    if (!err)
        return -1;
    va_list args;
    va_start(args, format);
    fill(err, status, code, format, args);
    va_end(args);
    err->retry_after_seconds = retry_after_seconds > 0 ? retry_after_seconds : 0;
    return -1;
}

int error_internal(nh_error *err)
{
    return error_set(err, 500, "internal_server_error", "An unexpected error occurred.");
}

void error_clear(nh_error *err)
{
    if (!err)
        return;
    err->status = 0;
    err->retry_after_seconds = 0;
    err->code[0] = '\0';
    err->message[0] = '\0';
}
