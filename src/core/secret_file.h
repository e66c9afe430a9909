/* secret_file.h - secrets generated once into the data directory and reused.
 *
 * secret_file_load_or_create() reads PATH when it exists (it must be a regular file of mode
 * 0600 holding hex text), otherwise writes `bytes` fresh random bytes as hex to a temp file
 * with mode 0600, fsyncs and renames it into place (so a crash never leaves half a secret).
 * The caller owns *out_hex (free() after sodium_memzero). Secrets are never logged. */
#ifndef NH_CORE_SECRET_FILE_H
#define NH_CORE_SECRET_FILE_H

#include <stddef.h>

#include "core/error.h"

int secret_file_load_or_create(const char *path, size_t bytes, char **out_hex, nh_error *err);

/* Create a directory and its parents with the given mode when missing. */
int secret_file_make_dirs(const char *path, unsigned int mode, nh_error *err);

#endif
