/* upload_temps.h - the temporary files of uploads in flight (DATA_DIR/tmp/upload-XXXXXX) and
 * the sweep of those no upload owns.
 *
 * Every upload streams its file part to a temporary file created here and flock()ed by its
 * upload for as long as its descriptor is open: that lock is what "in flight" means, to the
 * sweep of this process and of any other instance sharing the data directory alike. A crash
 * (kill -9, power loss) leaves files whose lock died with their process:
 * upload_temps_sweep() removes every upload-* file of the directory that no upload owns,
 * whatever its age, so a restart converges at start and within one housekeeping period after.
 * Creating and locking a file happen under a mutex the sweep of this process holds too, so it
 * can never remove a file an upload of this process has just created.
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

/* The upload directory `dir` (created 0700 when missing). */
upload_temps *upload_temps_create(const char *dir, nh_error *err);
/* Frees it; files still open are left alone (their forms remove them). */
void upload_temps_destroy(upload_temps *temps);

/* Create a new, empty temporary file (0600) for an upload in flight: writes its path and
 * returns its descriptor (open read/write, close-on-exec, locked: keep it open until
 * upload_temps_close), or -1 with err filled. */
int upload_temps_open(upload_temps *temps, char path[PATH_MAX], nh_error *err);
/* Remove the file at path. Returns 0, or -1 when it could not be removed (logged
 * with the path and the reason; a later sweep removes it). */
int upload_temps_close(upload_temps *temps, const char *path);

/* Remove every upload-* regular file of the directory no upload in flight owns. Returns the
 * number removed, or -1 when the directory could not be read or a file not removed (each
 * failure logged with the file and the reason). */
int upload_temps_sweep(upload_temps *temps);

#endif
