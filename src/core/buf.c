/* buf.c - growable byte buffer with sticky errors (see buf.h). */
#include "core/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(buf *b, size_t max_size)
{
    b->data = NULL;
    b->length = 0;
    b->capacity = 0;
    b->max_size = max_size;
    b->failed = false;
}

static void release(buf *b)
{
    free(b->data);
    b->data = NULL;
    b->length = 0;
    b->capacity = 0;
}

/* The first failure: drop what was built so nobody can use half of it. Returns -1. */
static int fail(buf *b)
{
    release(b);
    b->failed = true;
    return -1;
}

static int buf_reserve(buf *b, size_t extra)
{
    if (b->failed)
        return -1;
    if (extra > ((size_t)-1) / 2 - b->length)
        return fail(b);
    size_t needed = b->length + extra + 1;
    if (b->max_size && b->length + extra > b->max_size)
        return fail(b);
    if (needed <= b->capacity)
        return 0;
    size_t capacity = b->capacity ? b->capacity : 64;
    while (capacity < needed)
        capacity *= 2;
    char *grown = realloc(b->data, capacity);
    if (!grown)
        return fail(b);
    b->data = grown;
    b->capacity = capacity;
    return 0;
}

int buf_reserve_room(buf *b, size_t extra)
{
    return buf_reserve(b, extra);
}

int buf_append(buf *b, const void *data, size_t length)
{
    if (buf_reserve(b, length) != 0)
        return -1;
    if (length)
        memcpy(b->data + b->length, data, length);
    b->length += length;
    b->data[b->length] = '\0';
    return 0;
}

int buf_append_str(buf *b, const char *text)
{
    if (!text)
        return b->failed ? -1 : fail(b);
    return buf_append(b, text, strlen(text));
}

int buf_printf(buf *b, const char *format, ...)
{
    if (b->failed)
        return -1;
    /* First try to format into the space already there; measure and grow only if needed. */
    size_t room = b->capacity > b->length ? b->capacity - b->length : 0;
    va_list args;
    va_start(args, format);
    int needed = vsnprintf(room ? b->data + b->length : NULL, room, format, args);
    va_end(args);
    if (needed < 0)
        return fail(b);
    if ((size_t)needed < room) {
        if (b->max_size && b->length + (size_t)needed > b->max_size)
            return fail(b);
        b->length += (size_t)needed;
        return 0;
    }
    if (room)
        b->data[b->length] = '\0'; /* undo the partial write */
    if (buf_reserve(b, (size_t)needed) != 0)
        return -1;
    va_start(args, format);
    vsnprintf(b->data + b->length, (size_t)needed + 1, format, args);
    va_end(args);
    b->length += (size_t)needed;
    return 0;
}

void buf_fail(buf *b)
{
    fail(b);
}

bool buf_failed(const buf *b)
{
    return b->failed;
}

char *buf_detach(buf *b)
{
    bool failed = b->failed;
    char *data = b->data;
    b->data = NULL;
    b->length = 0;
    b->capacity = 0;
    b->failed = false;
    if (failed)
        return NULL; /* release() already freed the contents */
    return data ? data : calloc(1, 1);
}

void buf_free(buf *b)
{
    release(b);
    b->failed = false;
}
