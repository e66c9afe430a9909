/* content_cache.h - a small, short-lived memory of which storage keys are public content, so
 * that GET /content/{key} does not ask the database on every request.
 *
 * Only positive answers are kept (a key that names a public, not deleted asset or a
 * derivative of one), for at most `ttl_ms`; misses always go to the database, so a new upload
 * is served at once and unknown keys cannot fill the cache. Any change to an asset in this
 * process clears the cache (content_cache_clear), and an answer read from the database while
 * a clear happened is not stored (the generation check), so in one process a visibility change
 * takes effect on the next request. Another process sharing the database sees the change
 * within ttl_ms. The cache has a fixed number of slots (direct-mapped by a hash of the key;
 * a newer entry replaces an older one); keys longer than CONTENT_CACHE_KEY_MAX are not cached.
 * Thread-safe: one mutex, held only to compare one slot's key and copy its entry (a few hundred
 * bytes; the hash is computed before taking it), so the lookup is short enough for an event
 * thread (the /content fast path, route_inline_handler). A clear holds it for a pass over the
 * slots (1024 stores), only after a change to an asset. */
#ifndef NH_ASSETS_CONTENT_CACHE_H
#define NH_ASSETS_CONTENT_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/uuid.h"

#define CONTENT_CACHE_KEY_MAX 160

/* Where a public key's bytes are and how to describe them. */
typedef struct content_target {
    char content_type[128];
    char checksum[65];               /* "" when unknown */
    char provider[65];               /* storage provider name */
    char profile_id[UUID_TEXT_SIZE]; /* "" when config-driven */
    int64_t size;                    /* bytes, as the row records them */
    int64_t created_ms;              /* when the bytes were written (the row's created_at) */
} content_target;

typedef struct content_cache content_cache;

/* NULL when out of memory. slots > 0. */
content_cache *content_cache_create(size_t slots, int64_t ttl_ms);
void content_cache_destroy(content_cache *cache);

/* The current generation: read it before asking the database, hand it to put. */
uint64_t content_cache_generation(content_cache *cache);
/* True and *out filled when key is cached and fresh at now_ms (monotonic milliseconds). */
bool content_cache_get(content_cache *cache, const char *key, int64_t now_ms, content_target *out);
/* Remember key (ignored when a clear happened since `generation`, or the key is too long). */
void content_cache_put(content_cache *cache, const char *key, uint64_t generation, int64_t now_ms,
                       const content_target *target);
/* Forget everything (after any change to an asset). */
void content_cache_clear(content_cache *cache);

#endif
