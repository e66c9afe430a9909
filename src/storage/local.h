/* local.h - the local filesystem storage backend.
 *
 * Objects are files under a root directory (created with mode 0700 when missing, with its
 * parents); a key maps to <root>/<key>, and storage keys can never leave the root
 * (storage_key.h). Directories are created 0700, files 0600. put links the caller's file into
 * place (create-new) after fsync, or copies it through a temporary file in the target
 * directory when the two are on different filesystems; the directory is fsync'ed afterwards.
 * open refuses symbolic links at the last path component. */
#ifndef NH_STORAGE_LOCAL_H
#define NH_STORAGE_LOCAL_H

#include "core/error.h"
#include "storage/storage.h"

/* A local backend writing provider name `provider_name` on assets. public_base_url is the
 * profile's own base (may be NULL). NULL with err filled when the root cannot be created. */
storage *storage_local_create(const char *provider_name, const char *root_path,
                              const char *public_base_url, nh_error *err);

/* The absolute root directory of a local backend (for tests and logs). */
const char *storage_local_root(const storage *backend);

#endif
