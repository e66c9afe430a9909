/* content_cache.c - the short-lived memory of public content keys (see content_cache.h). */
#include "assets/content_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct cache_slot {
    char key[CONTENT_CACHE_KEY_MAX + 1]; /* "" = empty */
    int64_t expires_ms;
    content_target target;
} cache_slot;

struct content_cache {
    pthread_mutex_t lock;
    cache_slot *slots;
    size_t slot_count;
    int64_t ttl_ms;
    uint64_t generation;
};

/* FNV-1a */
static size_t slot_of(const content_cache *cache, const char *key)
{
    uint64_t hash = 14695981039346656037ULL;
    for (const unsigned char *c = (const unsigned char *)key; *c; c++) {
        hash ^= *c;
        hash *= 1099511628211ULL;
    }
    return (size_t)(hash % cache->slot_count);
}

content_cache *content_cache_create(size_t slots, int64_t ttl_ms)
{
    content_cache *cache = calloc(1, sizeof *cache);
    if (!cache)
        return NULL;
    cache->slots = calloc(slots, sizeof *cache->slots);
    if (!cache->slots || pthread_mutex_init(&cache->lock, NULL) != 0) {
        free(cache->slots);
        free(cache);
        return NULL;
    }
    cache->slot_count = slots;
    cache->ttl_ms = ttl_ms;
    return cache;
}

void content_cache_destroy(content_cache *cache)
{
    if (!cache)
        return;
    pthread_mutex_destroy(&cache->lock);
    free(cache->slots);
    free(cache);
}

uint64_t content_cache_generation(content_cache *cache)
{
    pthread_mutex_lock(&cache->lock);
    uint64_t generation = cache->generation;
    pthread_mutex_unlock(&cache->lock);
    return generation;
}

bool content_cache_get(content_cache *cache, const char *key, int64_t now_ms, content_target *out)
{
    if (strlen(key) > CONTENT_CACHE_KEY_MAX)
        return false;
    bool found = false;
    size_t index = slot_of(cache, key); /* outside the lock: slot_count never changes */
    pthread_mutex_lock(&cache->lock);
    const cache_slot *slot = &cache->slots[index];
    if (slot->key[0] && slot->expires_ms > now_ms && !strcmp(slot->key, key)) {
        *out = slot->target;
        found = true;
    }
    pthread_mutex_unlock(&cache->lock);
    return found;
}

void content_cache_put(content_cache *cache, const char *key, uint64_t generation, int64_t now_ms,
                       const content_target *target)
{
    size_t length = strlen(key);
    if (length == 0 || length > CONTENT_CACHE_KEY_MAX)
        return;
    size_t index = slot_of(cache, key);
    pthread_mutex_lock(&cache->lock);
    if (generation == cache->generation) {
        cache_slot *slot = &cache->slots[index];
        memcpy(slot->key, key, length + 1);
        slot->expires_ms = now_ms + cache->ttl_ms;
        slot->target = *target;
    }
    pthread_mutex_unlock(&cache->lock);
}

void content_cache_clear(content_cache *cache)
{
    pthread_mutex_lock(&cache->lock);
    cache->generation++;
    for (size_t i = 0; i < cache->slot_count; i++)
        cache->slots[i].key[0] = '\0';
    pthread_mutex_unlock(&cache->lock);
}
