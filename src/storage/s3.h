/* s3.h - the S3-compatible storage backend (AWS S3, R2, MinIO, B2, Ceph) on remote_http.
 *
 * CONTRACT written by the lead; the S3 helper implements s3.c. Requests are signed with SigV4
 * (curl's CURLOPT_AWS_SIGV4, x-amz-content-sha256 set explicitly), path-style or
 * virtual-hosted style. put streams from the caller's file (single PUT below the multipart
 * threshold, multipart upload above it, aborted on failure); open spools the object to an
 * unlinked temporary file (never the whole object in memory) and open_range fetches only the
 * requested bytes. Errors as listed in storage.h. */
#ifndef NH_STORAGE_S3_H
#define NH_STORAGE_S3_H

#include <jansson.h>

#include "core/error.h"
#include "storage/storage.h"

/* Build an S3 backend from a normalized s3-compatible configuration (spec storage-providers.md
 * §7.2: providerName, endpoint, bucket, region, forcePathStyle, publicBaseUrl) and secret
 * (accessKey, secretKey). label names the storage in errors (copied into backend->label).
 * spool_dir is where open() makes its unlinked temporary files (the data directory's tmp).
 * NULL with err on failure (400 asset_storage_provider_profile_unavailable style errors are
 * the caller's to choose; this returns 500 internal_server_error for a config it cannot use). */
storage *storage_s3_create(const char *label, const json_t *configuration, const json_t *secret,
                           const storage_remote_settings *settings, const char *spool_dir,
                           nh_error *err);

#endif
