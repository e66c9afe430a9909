/* storage.h - where asset bytes live: one interface (an ops table) over storage backends, and
 * the storage service that picks the backend for a write or for an existing object.
 *
 * A backend stores objects under storage keys (storage_key.h). Today there is the local
 * filesystem backend (local.c); S3 and GitHub backends implement the same ops later, and the
 * service learns to build them from storage provider profiles, without changes to callers.
 *
 * Contracts every backend keeps:
 *   - put never exposes a partial object: readers see nothing or all the bytes (local: a
 *     temporary file that is fsync'ed, then linked into place with create-new semantics, then
 *     the directory fsync'ed). A key that already exists is an error, never overwritten.
 *   - open hands out a file descriptor the caller owns (and must close), with the size and
 *     modification time of the object; an object that does not exist is STORAGE_NOT_FOUND (not
 *     an error). Remote backends may satisfy it with an unlinked temporary file.
 *   - remove of a missing object succeeds (deletes converge when retried).
 *   - every failure returns -1 with err filled (a 500 unless the backend knows better); the
 *     backend logs the system detail, err never carries a server path.
 * A storage object is immutable after creation and safe to share between threads. */
#ifndef NH_STORAGE_H
#define NH_STORAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/error.h"
#include "core/uuid.h"
#include "storage/storage_key.h"

#define STORAGE_NOT_FOUND 1
#define STORAGE_PROVIDER_NAME_SIZE 65

typedef struct storage storage;

/* An object opened for reading. */
typedef struct storage_object {
    int fd;              /* owned by the caller after a successful open; -1 otherwise */
    uint64_t size;       /* bytes */
    int64_t modified_ms; /* last modification, epoch milliseconds */
} storage_object;

/* What to store. The bytes are in a file the caller owns: the backend reads source_fd (from
 * offset 0) or links source_path into place; it never removes or renames source_path. */
typedef struct storage_put_request {
    const char *key;            /* a valid key proposed by the caller (storage_key_generate) */
    const char *source_path;    /* the file holding the bytes */
    int source_fd;              /* the same file, open for reading */
    uint64_t size;              /* its length */
    const char *content_type;   /* stored as object metadata where the backend has any */
    const char *commit_message; /* for backends that commit (GitHub); may be NULL */
    const char *sha256_hex;     /* 64 lowercase hex digits of the bytes (already computed by the
                                   upload), or NULL: S3 signs it as x-amz-content-sha256 */
} storage_put_request;

typedef struct storage_ops {
    const char *type; /* the profile provider type: "local", "s3-compatible", "github-repo" */
    /* Store the bytes; writes the key actually used (a backend may prefix it) to key_out. */
    int (*put)(storage *backend, const storage_put_request *request, char key_out[STORAGE_KEY_SIZE],
               nh_error *err);
    /* 0 and out filled, STORAGE_NOT_FOUND, or -1. */
    int (*open)(storage *backend, const char *key, storage_object *out, nh_error *err);
    /* Optional (NULL when the backend has none; local needs none): open only the bytes
     * [offset, offset + length) of the object, so a Range request fetches no more than it
     * sends. out->fd then holds exactly those bytes from file offset 0 and out->size is the
     * whole object's size. 0, STORAGE_NOT_FOUND, or -1. */
    int (*open_range)(storage *backend, const char *key, uint64_t offset, uint64_t length,
                      storage_object *out, nh_error *err);
    /* Remove the object; a missing one is success. A backend with a delete policy refuses
     * here (GitHub with allowDelete false: 403 storage_provider_delete_not_allowed). */
    int (*remove)(storage *backend, const char *key, const char *commit_message, nh_error *err);
    /* Optional (NULL = remove): remove an object that no row references any more and whose
     * removal this server already decided: an upload's rollback of the object it just wrote,
     * the sweep of upload intents and of removals recorded by a delete that passed
     * check_remove. The delete policy is not applied again. */
    int (*remove_unreferenced)(storage *backend, const char *key, const char *commit_message,
                               nh_error *err);
    /* Optional (NULL = deletes allowed): 0 when a user's delete may remove objects of this
     * storage, else -1 with err (GitHub allowDelete false: 403
     * storage_provider_delete_not_allowed). Checked before a delete changes anything. */
    int (*check_remove)(const storage *backend, nh_error *err);
    int (*exists)(storage *backend, const char *key, bool *exists, nh_error *err);
    /* The public URL of key (malloc'ed), or NULL when there is none. global_base_url is
     * Storage__PublicBaseUrl (or the server's derived one) and may be NULL. */
    char *(*public_url)(const storage *backend, const char *global_base_url, const char *key);
    void (*destroy)(storage *backend);
} storage_ops;

struct storage {
    const storage_ops *ops;
    char provider_name[STORAGE_PROVIDER_NAME_SIZE]; /* written on assets: "local", "s3", ... */
    char *public_base_url; /* the backend's own base URL (owned), or NULL */
    char *label;           /* how errors and logs name this storage: the profile's name, or
                              "configuration" for config-driven storage (owned; NULL = "storage") */
    void *state;           /* the backend's private data */
};

/* How remote backends (S3, GitHub) talk to their service; filled from Storage__Remote__*
 * settings (core/config.h) and handed to every remote backend's constructor. */
typedef struct storage_remote_settings {
    unsigned int connect_timeout_ms;  /* Storage__Remote__ConnectTimeoutMs; default 5000 */
    unsigned int stall_timeout_ms;    /* no byte moved for this long = a timeout; default 30000 */
    unsigned int max_attempts;        /* idempotent requests: 1 + retries; default 4 */
    unsigned int retry_base_delay_ms; /* back-off base (full jitter, doubling); default 200 */
    uint64_t multipart_threshold;     /* S3: objects this large or larger go multipart; 16 MiB */
    uint64_t multipart_part_size;     /* S3: part size (>= 5 MiB); default 8 MiB */
} storage_remote_settings;

/* Errors every remote backend uses for its service's failures (err->message names the
 * storage's label, never a secret; the backend's own error text is kept, redacted):
 *   503 storage_provider_unavailable   connect failure, timeout, reset, 5xx after retries
 *                                      (Retry-After set)
 *   429 storage_provider_rate_limited  the service asked us to slow down (Retry-After set from
 *                                      its Retry-After or X-RateLimit-Reset)
 *   502 storage_provider_access_denied the service refused our credentials (401/403)
 *   502 storage_provider_bucket_not_found  S3: the bucket does not exist
 *   502 storage_provider_request_failed    any other refusal (the operation's own code where
 *                                      the spec names one, e.g. storage_provider_upsert_failed) */

/* Thin wrappers over the ops (they also refuse invalid keys with a 500, and count every call
 * in storage_metrics.h). */
int storage_put(storage *backend, const storage_put_request *request,
                char key_out[STORAGE_KEY_SIZE], nh_error *err);
int storage_open(storage *backend, const char *key, storage_object *out, nh_error *err);
/* The ops' open_range (a 500 when the backend has none or length is 0). */
int storage_open_range(storage *backend, const char *key, uint64_t offset, uint64_t length,
                       storage_object *out, nh_error *err);
int storage_remove(storage *backend, const char *key, const char *commit_message, nh_error *err);
int storage_remove_unreferenced(storage *backend, const char *key, const char *commit_message,
                                nh_error *err);
int storage_check_remove(const storage *backend, nh_error *err);
int storage_exists(storage *backend, const char *key, bool *exists, nh_error *err);
char *storage_public_url(const storage *backend, const char *global_base_url, const char *key);
void storage_destroy(storage *backend);

/* The error of a failed write: 507 storage_insufficient_space when error_number is ENOSPC
 * or EDQUOT (the volume or the quota is full; nothing is kept and a retry works once space
 * returns), else 500 internal_server_error. Returns -1. */
int storage_write_error(int error_number, nh_error *err);

/* "<base without trailing '/'>/<each key segment percent-encoded>" (malloc'ed); NULL when
 * base is NULL or blank, or out of memory. Unreserved characters (RFC 3986) stay as they are. */
char *storage_url_join(const char *base, const char *key);

/* Append text to out percent-encoded: every byte but the RFC 3986 unreserved ones escaped as
 * "%XX", and '/' kept as it is when keep_slash. Returns 0, or -1 when out has failed. */
int storage_url_encode_append(buf *out, const char *text, bool keep_slash);

/* ---- the storage service: which backend to use ---------------------------------------- */

/* The service owns the config-driven storages (spec §9.3) and a cache of backends built from
 * storage provider profiles (table storage_provider_profiles), keyed by profile id and
 * updatedAt: a profile's backend (and its connections) is reused until the profile changes.
 * A backend replaced in the cache while a request still uses it stays alive until that
 * request releases its target (reference count). Thread-safe. */
typedef struct storage_service storage_service;
struct storage_handle;
struct secret_box;
struct db;
struct db_conn;

/* A backend chosen for one operation; release it with storage_target_release. */
typedef struct storage_target {
    storage *backend; /* borrowed from the service (or from the cache through handle) */
    char profile_id[UUID_TEXT_SIZE]; /* the storage provider profile used, or "" for config-driven
                                        storage */
    struct storage_handle *handle;   /* the cache's counted reference of a profile backend */
    bool in_builtin_local_root;      /* a local backend whose root is Storage__Local__RootPath */
} storage_target;

/* Build the service: the config-driven storages (local always, S3 and GitHub when their
 * settings are present) and, when database is not NULL, profile-driven resolution (box opens
 * the sealed secrets; may be NULL when no profile has one). Borrows cfg, database and box.
 * NULL with err on failure. */
storage_service *storage_service_create(const config *cfg, struct db *database,
                                        const struct secret_box *box, nh_error *err);
void storage_service_destroy(storage_service *service);

/* The write target of an upload (§9.1): profile_id NULL = the DB default profile, else the
 * config-driven Storage__Provider. Acquires a database connection (the caller holds none).
 * Errors: 404 storage_provider_profile_not_found, 400 storage_provider_profile_disabled,
 * storage_provider_profile_write_not_supported, storage_provider_default_write_profile_disabled,
 * storage_provider_runtime_default_write_not_supported, 503
 * storage_provider_profile_secret_unreadable (names the profile). */
int storage_service_resolve_write(storage_service *service, const char *profile_id,
                                  storage_target *out, nh_error *err);
/* The storage of an existing object, from what the asset row recorded (§9.2; isEnabled is not
 * checked). Acquires a connection when profile_id is set (use _on when holding one). Errors:
 * 400 asset_storage_provider_profile_not_found, asset_storage_provider_profile_unavailable,
 * asset_storage_provider_legacy_unavailable. */
int storage_service_resolve_read(storage_service *service, const char *provider_name,
                                 const char *profile_id, storage_target *out, nh_error *err);
/* The same on a connection the caller holds. */
int storage_service_resolve_read_on(storage_service *service, struct db_conn *conn,
                                    const char *provider_name, const char *profile_id,
                                    storage_target *out, nh_error *err);
void storage_target_release(storage_target *target);
/* A local storage without the database: the built-in one when the row names it (no profile,
 * provider name "local"), or a profile's local backend already in the cache. True with out
 * filled (release it). Never waits on the database or the network (a short mutex guards the
 * cache), so an event thread may use it. False otherwise (use storage_service_resolve_read). */
bool storage_service_resolve_local(storage_service *service, const char *provider_name,
                                   const char *profile_id, storage_target *out);

/* ---- for the providers feature ---- */

/* The backend of one profile row (columns of storage/profile_store.h), through the cache; no
 * isEnabled check. for_write picks the error codes of a failure (write_not_supported vs
 * asset_storage_provider_profile_unavailable). */
struct profile_record;
int storage_service_open_profile(storage_service *service, const struct profile_record *profile,
                                 bool for_write, storage_target *out, nh_error *err);
/* The config-driven default storage (Storage__Provider): its provider type ("local",
 * "s3-compatible", "github-repo") and provider name; false when Storage__Provider names none. */
bool storage_service_config_default(const storage_service *service, const char **provider_type,
                                    const char **provider_name);
/* Drop a profile's cached backend (after its row changed or went); users keep theirs. */
void storage_service_forget_profile(storage_service *service, const char *profile_id);

#endif
