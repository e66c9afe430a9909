/* test_storage_keys.c - storage keys (generation, normalisation, validation), public URLs and
 * the local backend (put with create-new semantics, open, remove, exists, keys that try to
 * leave the root). */
#include "cmocka_prelude.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage/local.h"
#include "storage/storage.h"
#include "storage/storage_key.h"

static void generated_keys_follow_the_layout(void **state)
{
    (void)state;
    char key[STORAGE_KEY_SIZE];
    /* 2026-03-10T23:59:59.999Z */
    assert_int_equal(storage_key_generate(1773187199999LL, "0195F3C2-A1B0-7C3D-9E8F-0A1B2C3D4E5F",
                                          ".png", key, sizeof key),
                     0);
    assert_string_equal(key, "2026/03/10/0195f3c2a1b07c3d9e8f0a1b2c3d4e5f.png");
    assert_true(storage_key_is_valid(key));
    assert_string_equal(storage_key_file_name(key), "0195f3c2a1b07c3d9e8f0a1b2c3d4e5f.png");
    assert_int_equal(
        storage_key_generate(0, "0195f3c2-a1b0-7c3d-9e8f-0a1b2c3d4e5f", "", key, sizeof key), 0);
    assert_string_equal(key, "1970/01/01/0195f3c2a1b07c3d9e8f0a1b2c3d4e5f");
}

static void generation_refuses_bad_arguments(void **state)
{
    (void)state;
    char key[STORAGE_KEY_SIZE];
    const char *uuid = "0195f3c2-a1b0-7c3d-9e8f-0a1b2c3d4e5f";
    const char *bad_extensions[] = {"png",  ".",  ".PNG", "./x",
                                    ".p/g", "..", ".a b", ".0123456789012345678901234567890123"};
    for (size_t i = 0; i < sizeof bad_extensions / sizeof bad_extensions[0]; i++) {
        assert_int_equal(storage_key_generate(0, uuid, bad_extensions[i], key, sizeof key), -1);
        assert_string_equal(key, "");
    }
    assert_int_equal(storage_key_generate(0, "not-a-uuid", ".png", key, sizeof key), -1);
    assert_int_equal(
        storage_key_generate(0, "0195f3c2a1b07c3d9e8f0a1b2c3d4e5f", ".png", key, sizeof key), -1);
    assert_int_equal(storage_key_generate(-1, uuid, ".png", key, sizeof key), -1);
    char small[20];
    assert_int_equal(storage_key_generate(0, uuid, ".png", small, sizeof small), -1);
    assert_string_equal(small, "");
}

static void validation_refuses_escapes(void **state)
{
    (void)state;
    const char *valid[] = {"a",       "2026/03/10/x.png", "a/b/c",   "...",
                           "a/..b/c", "a b/c d",          "%2e%2e/x"};
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++)
        assert_true(storage_key_is_valid(valid[i]));
    const char *invalid[] = {"",
                             "/abs",
                             "a//b",
                             "a/",
                             "..",
                             "../x",
                             "a/../b",
                             "a/./b",
                             ".",
                             "a/..",
                             "a\\b",
                             "..\\x",
                             "a\nb",
                             "a\x7f"
                             "b",
                             "a\tb",
                             NULL};
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++)
        assert_false(storage_key_is_valid(invalid[i]));
    char long_key[STORAGE_KEY_MAX + 2];
    memset(long_key, 'a', sizeof long_key - 1);
    long_key[sizeof long_key - 1] = '\0';
    assert_false(storage_key_is_valid(long_key));
    long_key[STORAGE_KEY_MAX] = '\0';
    assert_true(storage_key_is_valid(long_key));
}

static void normalisation_cleans_client_keys(void **state)
{
    (void)state;
    char key[STORAGE_KEY_SIZE];
    assert_int_equal(storage_key_normalize("  //2026\\03\\10\\x.png  ", key, sizeof key), 0);
    assert_string_equal(key, "2026/03/10/x.png");
    assert_int_equal(storage_key_normalize("\\\\a/b", key, sizeof key), 0);
    assert_string_equal(key, "a/b");
    const char *refused[] = {"",   "   ", "///", "a/../../etc/passwd", "..\\..\\x", "a//b",
                             "a/", "a/.", NULL};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        assert_int_equal(storage_key_normalize(refused[i], key, sizeof key), -1);
        assert_string_equal(key, "");
    }
}

static void public_urls_encode_each_segment(void **state)
{
    (void)state;
    char *url = storage_url_join("http://h:1/content/", "2026/03/a b+%é.png");
    assert_string_equal(url, "http://h:1/content/2026/03/a%20b%2B%25%C3%A9.png");
    free(url);
    url = storage_url_join("http://h/content", "x.png");
    assert_string_equal(url, "http://h/content/x.png");
    free(url);
    assert_null(storage_url_join(NULL, "x"));
    assert_null(storage_url_join("  ", "x"));
}

/* ---- the local backend ------------------------------------------------------------------ */

typedef struct local_fixture {
    char dir[64];
    char root[128];
    char source[160];
    storage *backend;
} local_fixture;

static int local_setup(void **state)
{
    local_fixture *fixture = calloc(1, sizeof *fixture);
    snprintf(fixture->dir, sizeof fixture->dir, "/tmp/nekohub-storage-XXXXXX");
    if (!mkdtemp(fixture->dir))
        return -1;
    snprintf(fixture->root, sizeof fixture->root, "%s/deep/root", fixture->dir);
    nh_error err;
    fixture->backend = storage_local_create("local", fixture->root, "http://cdn/x", &err);
    if (!fixture->backend)
        return -1;
    snprintf(fixture->source, sizeof fixture->source, "%s/source.bin", fixture->dir);
    *state = fixture;
    return 0;
}

static int local_teardown(void **state)
{
    local_fixture *fixture = *state;
    storage_destroy(fixture->backend);
    char command[256];
    snprintf(command, sizeof command, "rm -rf '%s'", fixture->dir);
    int rc = system(command);
    free(fixture);
    return rc == 0 ? 0 : -1;
}

static int write_source(const local_fixture *fixture, const char *text)
{
    int descriptor = open(fixture->source, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    assert_true(descriptor >= 0);
    assert_int_equal(write(descriptor, text, strlen(text)), (ssize_t)strlen(text));
    return descriptor;
}

static void local_root_is_created_private(void **state)
{
    local_fixture *fixture = *state;
    struct stat info;
    assert_int_equal(stat(fixture->root, &info), 0);
    assert_true(S_ISDIR(info.st_mode));
    assert_int_equal(info.st_mode & 0777, 0700);
    assert_string_equal(storage_local_root(fixture->backend) +
                            strlen(storage_local_root(fixture->backend)) - strlen("/deep/root"),
                        "/deep/root");
}

static void local_put_open_remove(void **state)
{
    local_fixture *fixture = *state;
    int descriptor = write_source(fixture, "hello bytes");
    storage_put_request request = {.key = "2026/03/10/abc.png",
                                   .source_path = fixture->source,
                                   .source_fd = descriptor,
                                   .size = 11,
                                   .content_type = "image/png"};
    char key[STORAGE_KEY_SIZE];
    nh_error err;
    assert_int_equal(storage_put(fixture->backend, &request, key, &err), 0);
    assert_string_equal(key, "2026/03/10/abc.png");
    /* create-new: the same key again is refused, the first object is untouched */
    assert_int_equal(storage_put(fixture->backend, &request, key, &err), -1);
    close(descriptor);
    unlink(fixture->source); /* the caller removes its temp file; the object stays */

    bool exists = false;
    assert_int_equal(storage_exists(fixture->backend, "2026/03/10/abc.png", &exists, &err), 0);
    assert_true(exists);
    storage_object object;
    assert_int_equal(storage_open(fixture->backend, "2026/03/10/abc.png", &object, &err), 0);
    assert_int_equal(object.size, 11);
    assert_true(object.modified_ms > 0);
    char bytes[32] = {0};
    assert_int_equal(read(object.fd, bytes, sizeof bytes), 11);
    assert_string_equal(bytes, "hello bytes");
    close(object.fd);

    char *url = storage_public_url(fixture->backend, NULL, "2026/03/10/abc.png");
    assert_string_equal(url, "http://cdn/x/2026/03/10/abc.png");
    free(url);
    /* the backend's own base wins over the global one (issue 10) */
    url = storage_public_url(fixture->backend, "http://global/content", "2026/03/10/abc.png");
    assert_string_equal(url, "http://cdn/x/2026/03/10/abc.png");
    free(url);

    assert_int_equal(storage_remove(fixture->backend, "2026/03/10/abc.png", NULL, &err), 0);
    assert_int_equal(storage_remove(fixture->backend, "2026/03/10/abc.png", NULL, &err), 0);
    assert_int_equal(storage_open(fixture->backend, "2026/03/10/abc.png", &object, &err),
                     STORAGE_NOT_FOUND);
    assert_int_equal(object.fd, -1);
    assert_int_equal(storage_exists(fixture->backend, "2026/03/10/abc.png", &exists, &err), 0);
    assert_false(exists);
}

static void local_refuses_keys_outside_the_root(void **state)
{
    local_fixture *fixture = *state;
    /* a file beside the root that a traversal would reach */
    char outside[256];
    snprintf(outside, sizeof outside, "%s/deep/secret.txt", fixture->dir);
    FILE *file = fopen(outside, "w");
    fputs("secret", file);
    fclose(file);
    storage_object object;
    nh_error err;
    const char *escapes[] = {"../secret.txt", "/etc/passwd", "a/../../secret.txt", "..\\secret.txt",
                             ""};
    for (size_t i = 0; i < sizeof escapes / sizeof escapes[0]; i++)
        assert_int_equal(storage_open(fixture->backend, escapes[i], &object, &err),
                         STORAGE_NOT_FOUND);
    int descriptor = write_source(fixture, "x");
    storage_put_request request = {.key = "../escaped.png",
                                   .source_path = fixture->source,
                                   .source_fd = descriptor,
                                   .size = 1};
    char key[STORAGE_KEY_SIZE];
    assert_int_equal(storage_put(fixture->backend, &request, key, &err), -1);
    assert_int_equal(err.status, 500);
    close(descriptor);
    assert_int_equal(storage_remove(fixture->backend, "../secret.txt", NULL, &err), -1);
    assert_int_equal(access(outside, F_OK), 0);
}

static void local_open_refuses_symlinks_and_directories(void **state)
{
    local_fixture *fixture = *state;
    char link_path[256];
    snprintf(link_path, sizeof link_path, "%s/link.png", fixture->root);
    assert_int_equal(symlink("/etc/passwd", link_path), 0);
    storage_object object;
    nh_error err;
    assert_int_equal(storage_open(fixture->backend, "link.png", &object, &err), STORAGE_NOT_FOUND);
    char dir_path[256];
    snprintf(dir_path, sizeof dir_path, "%s/adir", fixture->root);
    assert_int_equal(mkdir(dir_path, 0700), 0);
    assert_int_equal(storage_open(fixture->backend, "adir", &object, &err), STORAGE_NOT_FOUND);
}

int main(void)
{
    const struct CMUnitTest key_tests[] = {
        cmocka_unit_test(generated_keys_follow_the_layout),
        cmocka_unit_test(generation_refuses_bad_arguments),
        cmocka_unit_test(validation_refuses_escapes),
        cmocka_unit_test(normalisation_cleans_client_keys),
        cmocka_unit_test(public_urls_encode_each_segment),
    };
    const struct CMUnitTest local_tests[] = {
        cmocka_unit_test_setup_teardown(local_root_is_created_private, local_setup, local_teardown),
        cmocka_unit_test_setup_teardown(local_put_open_remove, local_setup, local_teardown),
        cmocka_unit_test_setup_teardown(local_refuses_keys_outside_the_root, local_setup,
                                        local_teardown),
        cmocka_unit_test_setup_teardown(local_open_refuses_symlinks_and_directories, local_setup,
                                        local_teardown),
    };
    int failed = cmocka_run_group_tests_name("storage keys", key_tests, NULL, NULL);
    failed += cmocka_run_group_tests_name("local storage", local_tests, NULL, NULL);
    return failed;
}
