/* test_asset_cache.c - the short-lived memory of public content keys: hits, expiry, clearing,
 * the generation check against stale answers, replacement and keys too long to keep. */
#include "cmocka_prelude.h"

#include <string.h>

#include "assets/content_cache.h"

static content_target target_named(const char *type)
{
    content_target target;
    memset(&target, 0, sizeof target);
    strcpy(target.content_type, type);
    strcpy(target.provider, "local");
    return target;
}

static void hit_until_expiry(void **state)
{
    (void)state;
    content_cache *cache = content_cache_create(8, 1000);
    content_target out;
    assert_false(content_cache_get(cache, "a/b.png", 0, &out));
    content_target png = target_named("image/png");
    content_cache_put(cache, "a/b.png", content_cache_generation(cache), 100, &png);
    assert_true(content_cache_get(cache, "a/b.png", 1099, &out));
    assert_string_equal(out.content_type, "image/png");
    assert_string_equal(out.provider, "local");
    assert_false(content_cache_get(cache, "a/b.png", 1100, &out));
    assert_false(content_cache_get(cache, "a/c.png", 500, &out));
    content_cache_destroy(cache);
}

static void clear_forgets_and_blocks_stale_answers(void **state)
{
    (void)state;
    content_cache *cache = content_cache_create(8, 1000);
    content_target out;
    content_target png = target_named("image/png");
    content_cache_put(cache, "k", content_cache_generation(cache), 0, &png);
    uint64_t before_change = content_cache_generation(cache);
    content_cache_clear(cache); /* e.g. the asset was made private meanwhile */
    assert_false(content_cache_get(cache, "k", 1, &out));
    content_cache_put(cache, "k", before_change, 1, &png); /* read before the clear: dropped */
    assert_false(content_cache_get(cache, "k", 2, &out));
    content_cache_put(cache, "k", content_cache_generation(cache), 2, &png);
    assert_true(content_cache_get(cache, "k", 3, &out));
    content_cache_destroy(cache);
}

static void one_slot_keeps_the_newest_and_long_keys_are_skipped(void **state)
{
    (void)state;
    content_cache *cache = content_cache_create(1, 1000);
    content_target out;
    content_target png = target_named("image/png");
    content_target gif = target_named("image/gif");
    content_cache_put(cache, "first", 0, 0, &png);
    content_cache_put(cache, "second", 0, 0, &gif);
    assert_false(content_cache_get(cache, "first", 1, &out));
    assert_true(content_cache_get(cache, "second", 1, &out));
    assert_string_equal(out.content_type, "image/gif");
    char long_key[CONTENT_CACHE_KEY_MAX + 2];
    memset(long_key, 'k', sizeof long_key - 1);
    long_key[sizeof long_key - 1] = '\0';
    content_cache_put(cache, long_key, 0, 0, &png);
    assert_false(content_cache_get(cache, long_key, 1, &out));
    assert_true(content_cache_get(cache, "second", 1, &out));
    content_cache_put(cache, "", 0, 0, &png);
    assert_false(content_cache_get(cache, "", 1, &out));
    content_cache_destroy(cache);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hit_until_expiry),
        cmocka_unit_test(clear_forgets_and_blocks_stale_answers),
        cmocka_unit_test(one_slot_keeps_the_newest_and_long_keys_are_skipped),
    };
    return cmocka_run_group_tests_name("content cache", tests, NULL, NULL);
}
