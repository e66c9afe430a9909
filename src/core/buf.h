/* buf.h - a growable byte buffer that always keeps a terminating NUL, with sticky errors.
 *
 * Ownership: the buffer owns its memory; buf_free() releases it, buf_detach() hands it over.
 *
 * Errors are sticky, as in SQLite's sqlite3_str: the first append that fails (out of memory,
 * or growing past max_size when max_size is not 0, so untrusted input can never grow it without
 * bound) releases the contents and sets `failed`; from then on every append is a no-op that
 * returns -1, buf_failed() is true and buf_detach() returns NULL. A caller can therefore build a
 * string with many appends and check once at the end: it gets the whole string or nothing, never
 * a half-built one (a WHERE clause with a filter missing). While failed, `data` is NULL and
 * `length` 0. buf_init(), buf_free() and buf_detach() return the buffer to its empty, healthy
 * state (max_size kept by the latter two). Not thread-safe. */
#ifndef NH_CORE_BUF_H
#define NH_CORE_BUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct buf {
    char *data;      /* NUL-terminated, NULL until the first append and after a failure */
    size_t length;   /* bytes used, without the NUL */
    size_t capacity; /* bytes allocated */
    size_t max_size; /* 0 = unlimited */
    bool failed;     /* sticky: an append failed; read it with buf_failed() */
} buf;

void buf_init(buf *b, size_t max_size);
/* Each append returns 0, or -1 when it failed now or an earlier one had (nothing appended). */
int buf_append(buf *b, const void *data, size_t length);
/* Make room for at least `extra` more bytes now (saves regrowing in a loop of appends). A
 * failure is sticky like a failed append. */
int buf_reserve_room(buf *b, size_t extra);
int buf_append_str(buf *b, const char *text);
int buf_printf(buf *b, const char *format, ...) __attribute__((format(printf, 2, 3)));
/* Mark the buffer failed, as a failed append would: for a builder step that failed outside the
 * buffer (a helper's allocation), so the one check at the end still sees it. */
void buf_fail(buf *b);
/* True once any append or reservation has failed (until buf_init/buf_free/buf_detach). */
bool buf_failed(const buf *b);
/* Give the memory to the caller (who frees it with free()); the buffer is left empty and
 * healthy. Returns an empty allocated string when nothing was appended, and NULL when an append
 * failed or the empty string cannot be allocated. */
char *buf_detach(buf *b);
void buf_free(buf *b);

#endif
