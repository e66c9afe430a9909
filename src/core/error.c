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

int error_set(nh_error *err, int status, const char *code, const char *format, ...)
{
    if (!err)
        return -1;
    err->status = status;
    snprintf(err->code, sizeof err->code, "%s", code);
    va_list args;
    va_start(args, format);
    vsnprintf(err->message, sizeof err->message, format, args);
    va_end(args);
    cut_at_utf8_boundary(err->message, sizeof err->message);
    text_utf8_scrub(err->message); /* it may quote client text; JSON needs UTF-8 */
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
    err->code[0] = '\0';
    err->message[0] = '\0';
}
