/* github.c - the GitHub repository storage backend. PLACEHOLDER until the GitHub work lands:
 * refuses to build, so a configured GitHub storage fails start-up with a clear error. */
#include "storage/github.h"

storage *storage_github_create(const char *label, const json_t *configuration, const json_t *secret,
                               const storage_remote_settings *settings, const char *spool_dir,
                               nh_error *err)
{
    (void)label, (void)configuration, (void)secret, (void)settings, (void)spool_dir;
    error_set(err, 500, "storage_provider_unavailable", "GitHub storage is not built yet");
    return NULL;
}

bool storage_github_is(const storage *backend)
{
    (void)backend;
    return false;
}

int storage_github_browse(storage *backend, const storage_github_browse_query *query,
                          json_t **result, nh_error *err)
{
    (void)backend, (void)query;
    *result = NULL;
    return error_set(err, 500, "storage_provider_unavailable", "GitHub storage is not built yet");
}

int storage_github_upsert(storage *backend, const char *path, const unsigned char *bytes,
                          size_t size, const char *commit_message, const char *expected_sha,
                          json_t **result, nh_error *err)
{
    (void)backend, (void)path, (void)bytes, (void)size, (void)commit_message, (void)expected_sha;
    *result = NULL;
    return error_set(err, 500, "storage_provider_unavailable", "GitHub storage is not built yet");
}
