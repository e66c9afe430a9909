/* local.c - the local filesystem storage backend (see local.h). */
#include "storage/local.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"

#define LOCAL_DIR_MODE 0700
#define LOCAL_COPY_CHUNK (256 * 1024)

typedef struct local_state {
    char root[PATH_MAX];
} local_state;

static const local_state *state_of(const storage *backend)
{
    return backend->state;
}

/* Log the system error of a failed step and fill err: 507 storage_insufficient_space when
 * the volume is full, else 500 (storage_write_error). */
static int io_failure(const char *what, const char *key, nh_error *err)
{
    int saved = errno;
    log_message(LOG_ERROR, "storage_local", "%s failed for key %s: %s", what, key, strerror(saved));
    return storage_write_error(saved, err);
}

/* <root>/<key> into out; -1 when it does not fit. */
static int path_of(const storage *backend, const char *key, char out[PATH_MAX])
{
    int written = snprintf(out, PATH_MAX, "%s/%s", state_of(backend)->root, key);
    return written > 0 && written < PATH_MAX ? 0 : -1;
}

static int fsync_directory(const char *path)
{
    int descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (descriptor < 0)
        return -1;
    int rc = fsync(descriptor);
    close(descriptor);
    return rc;
}

/* fsync the directory that contains path (path must contain a '/'). */
static int fsync_parent(const char *path)
{
    char parent[PATH_MAX];
    snprintf(parent, sizeof parent, "%s", path);
    char *slash = strrchr(parent, '/');
    if (!slash)
        return -1;
    if (slash == parent)
        slash[1] = '\0';
    else
        *slash = '\0';
    return fsync_directory(parent);
}

/* mkdir -p of every directory of path below `skip` leading bytes (the root, which exists);
 * each new directory is made durable by fsync'ing its parent. */
static int make_parents(char *path, size_t skip)
{
    for (char *slash = strchr(path + skip + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        int rc = mkdir(path, LOCAL_DIR_MODE);
        int saved = errno;
        if (rc == 0)
            rc = fsync_parent(path);
        else if (saved == EEXIST)
            rc = 0;
        *slash = '/';
        if (rc != 0) {
            errno = saved;
            return -1;
        }
    }
    return 0;
}

static int make_root(const char *root_path)
{
    char path[PATH_MAX];
    int written = snprintf(path, sizeof path, "%s", root_path);
    if (written <= 0 || written >= (int)sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *slash = strchr(path + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        if (mkdir(path, LOCAL_DIR_MODE) != 0 && errno != EEXIST)
            return -1;
        *slash = '/';
    }
    if (mkdir(path, LOCAL_DIR_MODE) != 0 && errno != EEXIST)
        return -1;
    struct stat info;
    if (stat(path, &info) != 0)
        return -1;
    if (!S_ISDIR(info.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

static int copy_all(int from, int to)
{
    char *chunk = malloc(LOCAL_COPY_CHUNK);
    if (!chunk)
        return -1;
    off_t offset = 0;
    int rc = 0;
    for (;;) {
        ssize_t got = pread(from, chunk, LOCAL_COPY_CHUNK, offset);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            rc = got < 0 ? -1 : 0;
            break;
        }
        offset += got;
        for (ssize_t done = 0; done < got;) {
            ssize_t put = write(to, chunk + done, (size_t)(got - done));
            if (put < 0 && errno == EINTR)
                continue;
            if (put <= 0) {
                rc = -1;
                break;
            }
            done += put;
        }
        if (rc != 0)
            break;
    }
    free(chunk);
    return rc;
}

/* The source is on another filesystem (or cannot be linked): copy it into a temporary file
 * beside the target, make it durable, then link it into place. */
static int copy_into_place(const storage_put_request *request, const char *target)
{
    char temporary[PATH_MAX];
    int written = snprintf(temporary, sizeof temporary, "%s.XXXXXX.tmp", target);
    if (written <= 0 || written >= (int)sizeof temporary) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int descriptor = mkostemps(temporary, 4, O_CLOEXEC);
    if (descriptor < 0)
        return -1;
    int rc = copy_all(request->source_fd, descriptor);
    if (rc == 0)
        rc = fsync(descriptor);
    int saved = errno;
    close(descriptor);
    if (rc == 0)
        rc = link(temporary, target);
    saved = rc == 0 ? saved : errno;
    unlink(temporary);
    errno = saved;
    return rc;
}

static int local_put(storage *backend, const storage_put_request *request,
                     char key_out[STORAGE_KEY_SIZE], nh_error *err)
{
    char target[PATH_MAX];
    if (path_of(backend, request->key, target) != 0) {
        errno = ENAMETOOLONG;
        return io_failure("path", request->key, err);
    }
    if (make_parents(target, strlen(state_of(backend)->root)) != 0)
        return io_failure("mkdir", request->key, err);
    if (fsync(request->source_fd) != 0)
        return io_failure("fsync", request->key, err);
    int rc = link(request->source_path, target);
    if (rc != 0 && errno != EEXIST)
        rc = copy_into_place(request, target);
    if (rc != 0)
        return io_failure("store", request->key, err);
    if (fsync_parent(target) != 0) {
        int saved = errno;
        unlink(target);
        errno = saved;
        return io_failure("fsync directory", request->key, err);
    }
    snprintf(key_out, STORAGE_KEY_SIZE, "%s", request->key);
    return 0;
}

static bool is_missing(int error_number)
{
    return error_number == ENOENT || error_number == ENOTDIR || error_number == ELOOP;
}

static int local_open(storage *backend, const char *key, storage_object *out, nh_error *err)
{
    char path[PATH_MAX];
    if (path_of(backend, key, path) != 0)
        return STORAGE_NOT_FOUND;
    int descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (descriptor < 0) {
        if (is_missing(errno) || errno == ENAMETOOLONG)
            return STORAGE_NOT_FOUND;
        return io_failure("open", key, err);
    }
    struct stat info;
    if (fstat(descriptor, &info) != 0) {
        int saved = errno;
        close(descriptor);
        errno = saved;
        return io_failure("fstat", key, err);
    }
    if (!S_ISREG(info.st_mode)) {
        close(descriptor);
        return STORAGE_NOT_FOUND;
    }
    out->fd = descriptor;
    out->size = (uint64_t)info.st_size;
    out->modified_ms = (int64_t)info.st_mtim.tv_sec * 1000 + info.st_mtim.tv_nsec / 1000000;
    return 0;
}

static int local_remove(storage *backend, const char *key, const char *commit_message,
                        nh_error *err)
{
    (void)commit_message;
    char path[PATH_MAX];
    if (path_of(backend, key, path) != 0)
        return 0; /* cannot exist */
    if (unlink(path) != 0 && !is_missing(errno))
        return io_failure("unlink", key, err);
    return 0;
}

static int local_exists(storage *backend, const char *key, bool *exists, nh_error *err)
{
    char path[PATH_MAX];
    *exists = false;
    if (path_of(backend, key, path) != 0)
        return 0;
    struct stat info;
    if (lstat(path, &info) != 0) {
        if (is_missing(errno))
            return 0;
        return io_failure("stat", key, err);
    }
    *exists = S_ISREG(info.st_mode);
    return 0;
}

static char *local_public_url(const storage *backend, const char *global_base_url, const char *key)
{
    /* a profile's own base wins over the global Storage__PublicBaseUrl (issue 10) */
    bool has_own = backend->public_base_url && backend->public_base_url[0];
    return storage_url_join(has_own ? backend->public_base_url : global_base_url, key);
}

static void local_destroy(storage *backend)
{
    free(backend->state);
    free(backend->public_base_url);
    free(backend->label);
    free(backend);
}

static const storage_ops local_ops = {
    .type = "local",
    .put = local_put,
    .open = local_open,
    .remove = local_remove,
    .exists = local_exists,
    .public_url = local_public_url,
    .destroy = local_destroy,
};

storage *storage_local_create(const char *provider_name, const char *root_path,
                              const char *public_base_url, nh_error *err)
{
    if (!root_path || !root_path[0] || make_root(root_path) != 0) {
        log_message(LOG_ERROR, "storage_local", "cannot create the storage root %s: %s",
                    root_path ? root_path : "(none)", strerror(errno));
        error_set(err, 500, "storage_root_unavailable",
                  "Storage__Local__RootPath: the directory cannot be created or is not a "
                  "directory");
        return NULL;
    }
    storage *backend = calloc(1, sizeof *backend);
    local_state *state = calloc(1, sizeof *state);
    char *base = public_base_url ? strdup(public_base_url) : NULL;
    if (!backend || !state || (public_base_url && !base) || !realpath(root_path, state->root)) {
        free(backend);
        free(state);
        free(base);
        error_internal(err);
        return NULL;
    }
    backend->ops = &local_ops;
    snprintf(backend->provider_name, sizeof backend->provider_name, "%s", provider_name);
    backend->public_base_url = base;
    backend->state = state;
    return backend;
}

const char *storage_local_root(const storage *backend)
{
    return state_of(backend)->root;
}
