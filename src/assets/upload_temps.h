/* upload_temps.h - the temporary files of uploads in flight (DATA_DIR/tmp/upload-XXXXXX) and
 * the sweep of those no upload owns.
 *
 * Every upload streams its file part to a temporary file created here; the registry remembers
 * which files belong to uploads still in flight until they are closed. A crash (kill -9,
 * power loss) leaves files that nobody will close: upload_temps_sweep() removes every
 * upload-* file of the directory that no upload owns, whatever its age, so a restart
 * converges at start and within one housekeeping period after. Creating a file and recording
 * it happen under the registry's lock, and the sweep holds the same lock, so a sweep can never
 * remove a file an upload of this process has just created. Each file is also flock()ed by its
 * upload for as long as it is open, so the sweep of another instance sharing the data
 * directory leaves it alone too; the lock dies with its process, so a crash's files are swept.
 * (In the microseconds between creating a file and locking it, another instance's sweep could
 * still remove its name; the upload keeps writing through its open descriptor.)
 *
 * Errors: upload_temps_create and upload_temps_open return NULL / -1 with err filled (500;
 * 507 storage_insufficient_space when the volume is full); the system detail goes to the
 * log. Thread-safe. */
#ifndef NH_ASSETS_UPLOAD_TEMPS_H
#define NH_ASSETS_UPLOAD_TEMPS_H

#include <limits.h>

#include "core/error.h"

typedef struct upload_temps upload_temps;

/* The registry of directory `dir` (created 0700 when missing). */
upload_temps *upload_temps_create(const char *dir, nh_error *err);
/* Frees the registry; files still registered are left alone (their forms remove them). */
void upload_temps_destroy(upload_temps *temps);

/* Create a new, empty temporary file (0600), recorded as in flight: writes its path and
 * returns its descriptor (open read/write, close-on-exec), or -1 with err filled. */
int upload_temps_open(upload_temps *temps, char path[PATH_MAX], nh_error *err);
/* Remove the file at path and forget it. Returns 0, or -1 when it could not be removed (logged
 * with the path and the reason; a later sweep removes it). */
int upload_temps_close(upload_temps *temps, const char *path);

/* Remove every upload-* regular file of the directory no upload in flight owns. Returns the
 * number removed, or -1 when the directory could not be read or a file not removed (each
 * failure logged with the file and the reason). */
int upload_temps_sweep(upload_temps *temps);

#endif
