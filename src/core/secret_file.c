/* secret_file.c - load-or-create of generated secrets. */
#include "core/secret_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <libgen.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"

int secret_file_make_dirs(const char *path, unsigned int mode, nh_error *err)
{
    char partial[PATH_MAX];
    size_t length = strlen(path);
    if (length == 0 || length >= sizeof partial)
        return error_set(err, 500, "data_dir_invalid", "directory path is empty or too long");
    memcpy(partial, path, length + 1);
    for (size_t i = 1; i <= length; i++) {
        if (partial[i] != '/' && partial[i] != '\0')
            continue;
        char saved = partial[i];
        partial[i] = '\0';
        if (mkdir(partial, (mode_t)mode) != 0 && errno != EEXIST)
            return error_set(err, 500, "data_dir_invalid", "cannot create directory %s: %s",
                             partial, strerror(errno));
        partial[i] = saved;
    }
    struct stat info;
    if (stat(path, &info) != 0 || !S_ISDIR(info.st_mode))
        return error_set(err, 500, "data_dir_invalid", "%s is not a directory", path);
    return 0;
}

static int read_secret(const char *path, char **out_hex, nh_error *err)
{
    int descriptor = open(path, O_RDONLY | O_CLOEXEC);
    if (descriptor < 0)
        return error_set(err, 500, "secret_unreadable", "cannot open %s: %s", path,
                         strerror(errno));
    struct stat info;
    if (fstat(descriptor, &info) != 0 || !S_ISREG(info.st_mode) || info.st_size <= 0 ||
        info.st_size > 4096) {
        close(descriptor);
        return error_set(err, 500, "secret_unreadable", "%s is not a secret file", path);
    }
    if ((info.st_mode & 077) != 0) {
        close(descriptor);
        return error_set(err, 500, "secret_unsafe",
                         "%s is readable by others (mode %o): chmod 600 it", path,
                         (unsigned int)(info.st_mode & 0777));
    }
    char *text = calloc(1, (size_t)info.st_size + 1);
    ssize_t got = text ? read(descriptor, text, (size_t)info.st_size) : -1;
    close(descriptor);
    if (got != info.st_size) {
        if (text)
            sodium_memzero(text, (size_t)info.st_size);
        free(text);
        return error_set(err, 500, "secret_unreadable", "cannot read %s", path);
    }
    size_t length = (size_t)got;
    while (length > 0 && (text[length - 1] == '\n' || text[length - 1] == '\r'))
        text[--length] = '\0';
    if (length < 64) {
        sodium_memzero(text, (size_t)got);
        free(text);
        return error_set(err, 500, "secret_unreadable", "%s holds too short a secret", path);
    }
    *out_hex = text;
    return 0;
}

/* Make the new directory entry durable. The secret is already written and linked, so a failure
 * here is logged, not fatal: only a power cut in the next moments could lose the entry. */
static void sync_parent_directory(const char *path)
{
    char copy[PATH_MAX];
    if (snprintf(copy, sizeof copy, "%s", path) >= (int)sizeof copy) {
        log_message(LOG_WARN, "secret_file", "path too long to sync its directory: %s", path);
        return;
    }
    int descriptor = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (descriptor < 0 || fsync(descriptor) != 0)
        log_message(LOG_WARN, "secret_file", "cannot sync the directory of %s: %s", path,
                    strerror(errno));
    if (descriptor >= 0)
        close(descriptor);
}

static int write_secret(const char *path, size_t bytes, char **out_hex, nh_error *err)
{
    unsigned char *raw = malloc(bytes);
    char *hex = malloc(bytes * 2 + 2);
    if (!raw || !hex) {
        free(raw);
        free(hex);
        return error_internal(err);
    }
    randombytes_buf(raw, bytes);
    sodium_bin2hex(hex, bytes * 2 + 1, raw, bytes);
    sodium_memzero(raw, bytes);
    free(raw);

    char temp_path[PATH_MAX];
    if (snprintf(temp_path, sizeof temp_path, "%s.tmp.%ld", path, (long)getpid()) >=
        (int)sizeof temp_path) {
        sodium_memzero(hex, bytes * 2 + 1);
        free(hex);
        return error_set(err, 500, "secret_unwritable", "the path %s is too long", path);
    }
    int descriptor = open(temp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (descriptor < 0) {
        sodium_memzero(hex, bytes * 2 + 1);
        free(hex);
        return error_set(err, 500, "secret_unwritable", "cannot create %s: %s", temp_path,
                         strerror(errno));
    }
    size_t length = strlen(hex);
    hex[length] = '\n';
    bool written =
        write(descriptor, hex, length + 1) == (ssize_t)(length + 1) && fsync(descriptor) == 0;
    hex[length] = '\0';
    if (close(descriptor) != 0)
        written = false;
    /* link() refuses to replace an existing file: if another instance won the race, use its. */
    if (!written || link(temp_path, path) != 0) {
        int saved_errno = errno;
        if (unlink(temp_path) != 0 && errno != ENOENT)
            log_message(LOG_WARN, "secret_file", "cannot remove %s: %s", temp_path,
                        strerror(errno));
        sodium_memzero(hex, length);
        free(hex);
        if (written && saved_errno == EEXIST)
            return read_secret(path, out_hex, err);
        return error_set(err, 500, "secret_unwritable", "cannot write %s: %s", path,
                         strerror(saved_errno));
    }
    if (unlink(temp_path) != 0) /* a second name of the secret, mode 0600: say so */
        log_message(LOG_WARN, "secret_file", "cannot remove %s: %s", temp_path, strerror(errno));
    sync_parent_directory(path);
    *out_hex = hex;
    return 0;
}

int secret_file_load_or_create(const char *path, size_t bytes, char **out_hex, nh_error *err)
{
    if (access(path, F_OK) == 0)
        return read_secret(path, out_hex, err);
    return write_secret(path, bytes, out_hex, err);
}
