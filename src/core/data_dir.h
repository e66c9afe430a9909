/* data_dir.h - preparing the data directory before anything is written into it.
 *
 * data_dir_prepare() sets the process umask to 077, so that every file the server creates from
 * then on (the SQLite database and its -wal and -shm files, generated secrets, upload temp
 * files, stored assets) is mode 0600 and every directory 0700, whatever the directory's own
 * mode; creates the directory (and parents) with mode 0700 when missing; and writes one warning
 * line when the directory is readable, writable or searchable by group or others. Call it once,
 * early, on the main thread before other threads start (umask is process-wide).
 *
 * Errors: -1 with err filled (500 data_dir_invalid) when the directory cannot be created or is
 * not a directory. */
#ifndef NH_CORE_DATA_DIR_H
#define NH_CORE_DATA_DIR_H

#include "core/error.h"

/* The mode bits masked off every file and directory created after data_dir_prepare(). */
#define DATA_DIR_UMASK 077

int data_dir_prepare(const char *path, nh_error *err);

#endif
