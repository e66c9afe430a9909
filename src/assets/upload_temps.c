/* upload_temps.c - temporary files of uploads in flight and the sweep of leftovers (see
 * upload_temps.h). */
#include "assets/upload_temps.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "storage/storage.h"

#define UPLOAD_TEMPS_PREFIX "upload-"

struct upload_temps {
    pthread_mutex_t lock; /* held while a file is created and locked, and by the sweep */
    char dir[PATH_MAX];
};

upload_temps *upload_temps_create(const char *dir, nh_error *err)
{
    upload_temps *temps = calloc(1, sizeof *temps);
    if (!temps) {
        error_internal(err);
        return NULL;
    }
    int written = snprintf(temps->dir, sizeof temps->dir, "%s", dir);
    if (written <= 0 || written >= (int)sizeof temps->dir) {
        free(temps);
        error_set(err, 500, "config_invalid", "NEKOHUB_DATA_DIR is too long");
        return NULL;
    }
    if (mkdir(temps->dir, 0700) != 0 && errno != EEXIST) {
        error_set(err, 500, "config_invalid",
                  "NEKOHUB_DATA_DIR: cannot create the upload directory tmp/ (%s)",
                  strerror(errno));
        free(temps);
        return NULL;
    }
    if (pthread_mutex_init(&temps->lock, NULL) != 0) {
        free(temps);
        error_internal(err);
        return NULL;
    }
    return temps;
}

void upload_temps_destroy(upload_temps *temps)
{
    if (!temps)
        return;
    pthread_mutex_destroy(&temps->lock);
    free(temps);
}

/* ---- files ------------------------------------------------------------------------------ */

static int create_file(upload_temps *temps, char path[PATH_MAX], nh_error *err)
{
    int written = snprintf(path, PATH_MAX, "%s/" UPLOAD_TEMPS_PREFIX "XXXXXX", temps->dir);
    if (written <= 0 || written >= PATH_MAX) {
        /* a truncated name is not ours: nothing may unlink it */
        path[0] = '\0';
        log_message(LOG_ERROR, "upload", "the upload directory path %s is too long", temps->dir);
        return error_internal(err);
    }
    int descriptor = mkostemp(path, O_CLOEXEC);
    if (descriptor < 0) {
        int saved = errno;
        log_message(LOG_ERROR, "upload", "cannot create a temporary file in %s: %s", temps->dir,
                    strerror(saved));
        path[0] = '\0';
        return storage_write_error(saved, err);
    }
    /* The lock says "in flight" to every process sharing the directory (several instances on
     * one data directory): it lasts as long as the descriptor, and dies with the process. */
    if (flock(descriptor, LOCK_EX | LOCK_NB) != 0) {
        log_message(LOG_ERROR, "upload", "cannot lock the temporary file %s: %s", path,
                    strerror(errno));
        close(descriptor);
        unlink(path);
        path[0] = '\0';
        return error_internal(err);
    }
    return descriptor;
}

int upload_temps_open(upload_temps *temps, char path[PATH_MAX], nh_error *err)
{
    pthread_mutex_lock(&temps->lock);
    int descriptor = create_file(temps, path, err);
    pthread_mutex_unlock(&temps->lock);
    return descriptor;
}

int upload_temps_close(upload_temps *temps, const char *path)
{
    int rc = 0;
    pthread_mutex_lock(&temps->lock);
    if (unlink(path) != 0 && errno != ENOENT) {
        log_message(LOG_WARN, "upload",
                    "cannot remove the temporary file %s: %s (the housekeeping sweep retries)",
                    path, strerror(errno));
        rc = -1;
    }
    pthread_mutex_unlock(&temps->lock);
    return rc;
}

/* Whether an upload holds the file's lock: one in flight in this process (flock locks of
 * separate open(2)s conflict, even in one process) or in another instance that shares this
 * directory. Taking the lock ourselves fails then; when it succeeds nobody owns the
 * file (its process ended) and the lock, kept until *descriptor is closed, stops a late claim.
 * A file that vanished meanwhile counts as owned (nothing to remove). */
static bool owned_elsewhere(const char *path, int *descriptor)
{
    *descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (*descriptor < 0)
        return true;
    if (flock(*descriptor, LOCK_EX | LOCK_NB) == 0)
        return false;
    close(*descriptor);
    *descriptor = -1;
    return true;
}

/* Remove one directory entry unless it is an upload in flight, here or in another process
 * sharing the directory: 1 removed, 0 left, -1 failed. */
static int sweep_entry(upload_temps *temps, const char *name)
{
    if (strncmp(name, UPLOAD_TEMPS_PREFIX, strlen(UPLOAD_TEMPS_PREFIX)) != 0)
        return 0;
    char path[PATH_MAX];
    int written = snprintf(path, sizeof path, "%s/%s", temps->dir, name);
    struct stat info;
    if (written <= 0 || written >= (int)sizeof path || lstat(path, &info) != 0 ||
        !S_ISREG(info.st_mode))
        return 0;
    int descriptor;
    if (owned_elsewhere(path, &descriptor))
        return 0;
    int rc = unlink(path);
    int saved = errno;
    close(descriptor);
    if (rc != 0) {
        log_message(LOG_WARN, "upload", "cannot remove the leftover upload file %s: %s", path,
                    strerror(saved));
        return -1;
    }
    log_message(LOG_INFO, "upload", "removed the leftover upload file %s (%lld bytes)", name,
                (long long)info.st_size);
    return 1;
}

int upload_temps_sweep(upload_temps *temps)
{
    pthread_mutex_lock(&temps->lock);
    DIR *dir = opendir(temps->dir);
    if (!dir) {
        log_message(LOG_WARN, "upload", "cannot read the upload directory %s: %s", temps->dir,
                    strerror(errno));
        pthread_mutex_unlock(&temps->lock);
        return -1;
    }
    int removed = 0;
    bool failed = false;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        int rc = sweep_entry(temps, entry->d_name);
        if (rc > 0)
            removed++;
        else if (rc < 0)
            failed = true;
    }
    closedir(dir);
    pthread_mutex_unlock(&temps->lock);
    return failed ? -1 : removed;
}
