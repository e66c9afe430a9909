/* buf.h - a growable byte buffer that always keeps a terminating NUL.
 *
 * The buffer owns its memory; buf_free() releases it. Appends fail (return -1) instead of
 * growing past max_size when max_size is not 0, so untrusted input can never grow it without
 * bound. On failure the buffer keeps its previous contents. */
#ifndef NH_CORE_BUF_H
#define NH_CORE_BUF_H

#include <stddef.h>

typedef struct buf {
    char *data;      /* NUL-terminated, NULL until the first append */
    size_t length;   /* bytes used, without the NUL */
    size_t capacity; /* bytes allocated */
    size_t max_size; /* 0 = unlimited */
} buf;

void buf_init(buf *b, size_t max_size);
int buf_append(buf *b, const void *data, size_t length);
/* Make room for at least `extra` more bytes now (saves regrowing in a loop of appends). */
int buf_reserve_room(buf *b, size_t extra);
int buf_append_str(buf *b, const char *text);
int buf_printf(buf *b, const char *format, ...) __attribute__((format(printf, 2, 3)));
/* Give the memory to the caller (who frees it with free()); the buffer is left empty.
 * Returns an empty allocated string when nothing was appended, NULL on allocation failure. */
char *buf_detach(buf *b);
void buf_free(buf *b);

#endif
