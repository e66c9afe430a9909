/* test_providers_cache.c - the storage service's cache of profile backends: one backend per
 * profile version (id + updatedAt), a new version replaces it, a replaced backend stays usable
 * until its last target is released (reference count), forgetting a profile, the build
 * failures' codes, and the built-in local root flag. No database: profile rows are made here. */
#include "cmocka_prelude.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "storage/local.h"
#include "storage/profile_store.h"
#include "storage/storage.h"

static char data_dir[PATH_MAX];
static char root[PATH_MAX + 16];
static char other_root[PATH_MAX + 16];
static config cfg;

static int setup(void **state)
{
    (void)state;
    snprintf(data_dir, sizeof data_dir, "/tmp/nh-profile-cache-XXXXXX");
    if (!mkdtemp(data_dir))
        return -1;
    snprintf(root, sizeof root, "%s/assets", data_dir);
    snprintf(other_root, sizeof other_root, "%s/other", data_dir);
    memset(&cfg, 0, sizeof cfg);
    cfg.data_dir = data_dir;
    cfg.local_root_path = root;
    cfg.storage_provider = "local";
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char command[PATH_MAX + 16];
    snprintf(command, sizeof command, "rm -rf '%s'", data_dir);
    return system(command) == 0 ? 0 : -1;
}

static profile_record local_profile(const char *configuration, int64_t updated_at)
{
    profile_record p;
    memset(&p, 0, sizeof p);
    p.id = "0195f3c2-a1b0-7c3d-9e8f-0a1b2c3d4e5f";
    p.name = "cached";
    p.provider_type = "local";
    p.is_enabled = true;
    p.configuration_json = configuration;
    p.updated_at = updated_at;
    profile_capabilities_of("local", &p.capabilities);
    return p;
}

static void one_backend_per_version(void **state)
{
    (void)state;
    nh_error err;
    storage_service *service = storage_service_create(&cfg, NULL, NULL, &err);
    assert_non_null(service);
    char configuration[PATH_MAX + 64];
    snprintf(configuration, sizeof configuration, "{\"rootPath\": \"%s\"}", other_root);
    profile_record v1 = local_profile(configuration, 100);
    storage_target a, b, c;
    assert_int_equal(storage_service_open_profile(service, &v1, true, &a, &err), 0);
    assert_int_equal(storage_service_open_profile(service, &v1, true, &b, &err), 0);
    assert_ptr_equal(a.backend, b.backend); /* reused, not rebuilt */
    assert_string_equal(a.profile_id, v1.id);
    assert_false(a.in_builtin_local_root);
    assert_string_equal(a.backend->label, "cached");
    /* a new version replaces the cached backend; the old one stays usable until released */
    profile_record v2 = local_profile(configuration, 101);
    assert_int_equal(storage_service_open_profile(service, &v2, true, &c, &err), 0);
    assert_ptr_not_equal(c.backend, a.backend);
    assert_string_equal(storage_local_root(a.backend), storage_local_root(c.backend));
    storage_target_release(&a);
    assert_non_null(storage_local_root(b.backend)); /* still alive: b holds it (ASan checks) */
    storage_target_release(&b);
    /* the event-thread path finds the cached local backend without the database */
    storage_target inline_target;
    assert_true(storage_service_resolve_local(service, "local", v2.id, &inline_target));
    assert_ptr_equal(inline_target.backend, c.backend);
    storage_target_release(&inline_target);
    /* forgetting drops the cache's reference; c keeps its own */
    storage_service_forget_profile(service, v2.id);
    assert_false(storage_service_resolve_local(service, "local", v2.id, &inline_target));
    assert_non_null(storage_local_root(c.backend));
    storage_target_release(&c);
    storage_service_destroy(service);
}

static void builtin_root_and_failures(void **state)
{
    (void)state;
    nh_error err;
    storage_service *service = storage_service_create(&cfg, NULL, NULL, &err);
    assert_non_null(service);
    char configuration[PATH_MAX + 64];
    snprintf(configuration, sizeof configuration, "{\"rootPath\": \"%s\"}", root);
    profile_record same_root = local_profile(configuration, 5);
    storage_target target;
    assert_int_equal(storage_service_open_profile(service, &same_root, true, &target, &err), 0);
    assert_true(target.in_builtin_local_root);
    storage_target_release(&target);

    profile_record releases = local_profile("{\"owner\": \"o\", \"repo\": \"r\"}", 1);
    releases.id = "0195f3c2-a1b0-7c3d-9e8f-0a1b2c3d4e60";
    releases.provider_type = "github-releases";
    assert_int_equal(storage_service_open_profile(service, &releases, true, &target, &err), -1);
    assert_string_equal(err.code, "storage_provider_profile_write_not_supported");
    assert_int_equal(storage_service_open_profile(service, &releases, false, &target, &err), -1);
    assert_string_equal(err.code, "asset_storage_provider_profile_unavailable");
    assert_null(target.backend);

    profile_record broken = local_profile("not json", 1);
    broken.id = "0195f3c2-a1b0-7c3d-9e8f-0a1b2c3d4e61";
    assert_int_equal(storage_service_open_profile(service, &broken, true, &target, &err), -1);
    assert_string_equal(err.code, "storage_provider_profile_write_not_supported");

    /* a sealed secret and no key: the error names the profile */
    profile_record sealed = local_profile(configuration, 1);
    sealed.id = "0195f3c2-a1b0-7c3d-9e8f-0a1b2c3d4e62";
    sealed.secret_sealed = "nhsb1:AAAA";
    assert_int_equal(storage_service_open_profile(service, &sealed, true, &target, &err), -1);
    assert_string_equal(err.code, "storage_provider_profile_secret_unreadable");
    assert_non_null(strstr(err.message, "cached"));

    /* without a database an explicit profile is unknown, the default is config-driven */
    assert_int_equal(storage_service_resolve_write(service, sealed.id, &target, &err), -1);
    assert_int_equal(err.status, 404);
    assert_int_equal(storage_service_resolve_write(service, NULL, &target, &err), 0);
    assert_true(target.in_builtin_local_root);
    assert_string_equal(target.profile_id, "");
    storage_target_release(&target);
    storage_service_destroy(service);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_backend_per_version),
        cmocka_unit_test(builtin_root_and_failures),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
