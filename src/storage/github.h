/* github.h - the GitHub repository storage backend (contents API) on remote_http, and the
 * profile-scoped repository operations browse and upsert (spec storage-providers.md §11.3, §12).
 *
 * CONTRACT written by the lead; the GitHub helper implements github.c. */
#ifndef NH_STORAGE_GITHUB_H
#define NH_STORAGE_GITHUB_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"
#include "storage/storage.h"

/* Build a GitHub backend from a normalized github-repo configuration (§7.3: owner, repo, ref,
 * basePath, visibilityPolicy, apiBaseUrl, rawBaseUrl, allowDelete) and secret (token, may be
 * NULL). label names the storage in errors (copied into backend->label). spool_dir as for S3.
 * NULL with err on failure. */
storage *storage_github_create(const char *label, const json_t *configuration, const json_t *secret,
                               const storage_remote_settings *settings, const char *spool_dir,
                               nh_error *err);

/* True when backend is a GitHub backend. */
bool storage_github_is(const storage *backend);

typedef struct storage_github_browse_query {
    const char *path; /* relative to basePath; NULL or "" = the root */
    bool recursive;
    int max_depth;       /* >= 1 (validated by the caller) */
    const char *type;    /* "all", "file" or "dir" (validated by the caller, lower case) */
    const char *keyword; /* trimmed, or NULL */
    int page;            /* >= 1 */
    int page_size;       /* 1..200 */
} storage_github_browse_query;

/* §12.1: the listing as the response object without profileId (the caller adds it).
 * *result is owned by the caller. Errors: 404 storage_provider_directory_not_found, 400
 * storage_provider_directory_expected, storage_provider_relative_path_invalid, 400
 * storage_provider_directory_too_large (more entries than the cap), and the remote errors of
 * storage.h. */
int storage_github_browse(storage *backend, const storage_github_browse_query *query,
                          json_t **result, nh_error *err);

/* §12.2: create or update one file. commit_message NULL = the built-in template;
 * expected_sha NULL = no precondition (a concurrent change between read and write is still
 * caught by GitHub's sha and reported as 409 storage_provider_upsert_conflict). *result is the
 * response object without profileId. */
int storage_github_upsert(storage *backend, const char *path, const unsigned char *bytes,
                          size_t size, const char *commit_message, const char *expected_sha,
                          json_t **result, nh_error *err);

#endif
