/* s3.c - the S3-compatible storage backend. PLACEHOLDER until the S3 work lands: refuses to
 * build, so a configured S3 storage fails start-up with a clear error. */
#include "storage/s3.h"

storage *storage_s3_create(const char *label, const json_t *configuration, const json_t *secret,
                           const storage_remote_settings *settings, const char *spool_dir,
                           nh_error *err)
{
    (void)label, (void)configuration, (void)secret, (void)settings, (void)spool_dir;
    error_set(err, 500, "storage_provider_unavailable", "S3 storage is not built yet");
    return NULL;
}
