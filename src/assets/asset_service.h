/* asset_service.h - what can be done with assets: upload, read, list, change, delete, usage
 * statistics and opening stored content. Handlers translate HTTP to these calls; nothing here
 * knows about HTTP.
 *
 * Guarantees:
 *   - an upload's bytes are checked (an image in an allowed format, within the pixel
 *     limits) and decide the stored type and extension, whatever allowed type the client
 *     declared; the object is written to storage before the row commits;
 *     when the row cannot be written the stored object is removed again;
 *   - a delete removes the rows and records the objects as pending removal in one
 *     transaction, then removes the objects; an object whose removal fails stays recorded and
 *     is retried (asset_service_sweep, at start-up), so no row ever points at a missing object
 *     and retries converge;
 *   - every function returns 0, or -1 with err filled (the status and code of the contract).
 * Results handed out (asset_detail, asset_page, asset_usage, asset_content) are owned by the
 * caller and released with their _free/_close function. Thread-safe. */
#ifndef NH_ASSETS_SERVICE_H
#define NH_ASSETS_SERVICE_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "assets/asset_store.h"
#include "assets/upload_form.h"
#include "assets/upload_temps.h"
#include "audit/audit.h"
#include "core/config.h"
#include "core/error.h"
#include "db/db.h"
#include "jobs/job_queue.h"
#include "storage/storage.h"

struct content_cache;
struct asset_detail;

typedef struct asset_service {
    const config *cfg;
    db *database;
    const char *public_base_url; /* borrowed (see asset_service_create), or NULL */
    storage_service *storage;
    struct content_cache *public_keys; /* which /content keys are public (content_cache.h) */
    upload_temps *uploads;             /* where uploads stream to (DATA_DIR/tmp) */
    struct media_pool *media; /* the sandboxed media workers (borrowed: assets.c owns it) */
    /* the job queue (borrowed: app.c owns it and sets this before anything runs): after an
     * upload commits its job, job_queue_notify(jobs) wakes the workers */
    struct job_queue *jobs;
} asset_service;

/* Build the service from its dependencies: the storage service (borrowed: app.c owns it and
 * shares it with the providers feature) and the upload temp directory
 * (created 0700; asset_service_sweep removes what a previous run left). public_base_url is the
 * global base of public URLs (Storage__PublicBaseUrl or derived from the bound address, known
 * before the service starts), or NULL: borrowed, it must outlive the service. NULL with err filled
 * on failure. */
asset_service *asset_service_create(const config *cfg, db *database, storage_service *storage,
                                    const char *public_base_url, nh_error *err);
void asset_service_destroy(asset_service *service);

/* Housekeeping: remove objects still pending removal (after a failed delete or a crash) and
 * upload temp files no upload in flight owns. Each failure is logged (with the key or file
 * and the reason) and stays for the next sweep; returns 0, or -1 with err set to the first
 * failure. */
int asset_service_sweep(asset_service *service, nh_error *err);

/* ---- upload ---- */

/* Who uploads: recorded on the asset. user_id is NULL for a machine key (its username is
 * "api-key:<id>"); a personal key acts as its owner. */
typedef struct asset_creator {
    const char *user_id;
    const char *username;
} asset_creator;

/* Validate and store an upload read into form. public_base_url is the global base of public
 * URLs (may be NULL). With runEnrichment (default true) the transaction that inserts the row
 * also enqueues its processing job (JOB_KIND_ASSET_PROCESS, payload {"runEnrichment":true},
 * trigger "upload"), and the queue is woken after the commit. Writes the new asset's id and,
 * when detail is not NULL, the asset's detail as that transaction saw it (so the upload's answer
 * shows processing "queued" whatever the workers did since; free it with asset_detail_free). */
int asset_service_upload(asset_service *service, const upload_form *form,
                         const asset_creator *creator, const char *public_base_url,
                         char id_out[ASSET_ID_SIZE], struct asset_detail *detail, nh_error *err);

/* ---- reading ---- */

typedef struct asset_detail {
    db_result *asset; /* one row */
    asset_record record;
    bool has_duplicate;
    char duplicate_of[ASSET_ID_SIZE];
    db_result *derivatives;
    db_result *structured_results;
    db_result *execution;            /* 0 or 1 row */
    db_result *steps;                /* NULL without execution; rows of ASSET_STEP_COLUMNS */
    job_asset_processing processing; /* how its jobs stand (not read for public_only) */
} asset_detail;

/* 404 asset_not_found when there is no such asset (or, for public_only, when it is not
 * public, not ready or deleted). */
int asset_service_detail(asset_service *service, const char *id, bool public_only,
                         asset_detail *out, nh_error *err);
/* The same on a connection the caller holds (inside its transaction). On failure out is left
 * for asset_detail_free. */
int asset_detail_load(db_conn *conn, const char *id, bool public_only, asset_detail *out,
                      nh_error *err);
void asset_detail_free(asset_detail *detail);

/* A list request as given (NULL = parameter absent); the service resolves defaults and
 * aliases. */
typedef struct asset_list_request {
    bool public_only;
    int page;      /* already parsed and clamped */
    int page_size; /* already parsed and clamped */
    const char *query;
    const char *content_type;
    const char *status;
    const char *is_public;          /* "true" / "false" (any case) or NULL; admin list only */
    const char *created_by_user_id; /* a user id (400 request_invalid otherwise); admin only */
    const char *order_by;
    const char *order_direction;
} asset_list_request;

typedef struct asset_page {
    db_result *rows;        /* asset records */
    db_result *derivatives; /* of every row: asset_store_derivatives_of_page */
    /* admin list only (else NULL): how the processing of each row stands, one per row
     * (malloc'ed; job_store_assets_processing) */
    job_asset_processing *processing;
    int page;
    int page_size;
    int64_t total;
} asset_page;

int asset_service_list(asset_service *service, const asset_list_request *request, asset_page *out,
                       nh_error *err);
void asset_page_free(asset_page *page);

typedef struct asset_usage {
    asset_usage_totals totals;
    db_result *by_type;     /* content_type, count, bytes */
    db_result *most_active; /* skill_name, count; 0 or 1 row */
} asset_usage;

int asset_service_usage(asset_service *service, asset_usage *out, nh_error *err);
void asset_usage_free(asset_usage *usage);

/* ---- changes ---- */

/* A PATCH body, tri-state per field: `has_` = the field was given; a NULL value clears. */
typedef struct asset_patch {
    bool has_description;
    const char *description;
    bool has_alt_text;
    const char *alt_text;
    bool has_original_file_name;
    const char *original_file_name;
    bool has_is_public;
    bool is_public;
    bool has_tags;
    const json_t *tags; /* a JSON array (checked by asset_service_patch), or NULL: clears */
} asset_patch;

/* Apply the patch (400 asset_description_too_long / asset_alt_text_too_long /
 * asset_tags_invalid (asset_text_tags_check; [] and null clear the tags) before the
 * lookup, 404 asset_not_found, 400 asset_filename_invalid). A visibility change is audited
 * (asset.visibility_change) in the same transaction. */
int asset_service_patch(asset_service *service, const char *id, const asset_patch *patch,
                        const audit_actor *actor, nh_error *err);

/* Delete one asset and its derivatives (404 asset_not_found; 400 asset_storage_provider_*).
 * audit_action names the audit entry ("asset.delete", "asset.batch_delete"). Writes the time
 * of the delete. */
int asset_service_delete(asset_service *service, const char *id, const char *commit_message,
                         const audit_actor *actor, const char *audit_action, int64_t *deleted_at,
                         nh_error *err);

/* ---- content ---- */

typedef struct asset_content {
    storage_object object; /* the open object; its fd is owned by this struct */
    char content_type[256];
    char etag[80]; /* quoted strong validator, or "" */
    bool is_public;
    /* ops (X-Accel-Redirect): the object's key, and whether it is a file of the built-in local
     * storage (under Storage__Local__RootPath, the directory a proxy in front can alias) */
    char storage_key[STORAGE_KEY_SIZE];
    bool in_local_root;
    /* A remote object (a backend with open_range, e.g. S3) is not fetched by the open
     * functions: object.fd stays -1, object.size and modified_ms come from the row (so 304,
     * 412 and 416 are answered without asking the storage), and asset_content_fetch() gets
     * the bytes the reply needs: the whole object or only the requested range. */
    bool deferred;
    storage_target source;        /* held while deferred; released by asset_content_close */
    char asset_id[ASSET_ID_SIZE]; /* the protected route's asset (names its 404); "" = public */
    bool derivative;              /* a derivative's object: its 404 is asset_derivative_not_found */
} asset_content;

/* GET /content/{key}: a public asset's (or a public asset's derivative's) object. Every kind
 * of absence (unknown or invalid key, private or deleted asset, missing object) is the same
 * 404 not_found. Which keys are public is remembered for a second (content_cache.h); changes
 * made through this service forget it at once. */
int asset_service_open_public(asset_service *service, const char *raw_key, asset_content *out,
                              nh_error *err);
/* The same without blocking, for the event thread (route_inline_handler): answers only when
 * the memory of public keys already holds the key and its object is on the built-in local
 * storage (then an open(2) and fstat(2) of a local file, acceptable on an event thread: no
 * network, no lock, no database). Returns what asset_service_open_public would (0, or -1 with
 * err: a missing object is the same 404), or ASSET_OPEN_DEFERRED (nothing opened, err
 * untouched) for every other key: unknown, private, not remembered, elsewhere. */
#define ASSET_OPEN_DEFERRED 1
int asset_service_open_public_inline(asset_service *service, const char *raw_key,
                                     asset_content *out, nh_error *err);
/* GET /api/v1/assets/{id}/content: for a public asset *redirect_url is set (malloc'ed: the
 * stored or computed public URL, after checking the object exists) and out stays closed; for
 * a private asset the object is opened into out. 404 asset_not_found; 400
 * asset_storage_provider_*. */
int asset_service_open_protected(asset_service *service, const char *id,
                                 const char *public_base_url, asset_content *out,
                                 char **redirect_url, nh_error *err);
/* GET /api/v1/assets/{id}/derivatives/{kind}/content: the derivative's object, opened (or
 * deferred, as above) whatever the asset's visibility. 404 asset_not_found (no such asset, or
 * deleted), 404 asset_derivative_not_found (no derivative of that kind, or its object is
 * missing); 400 asset_storage_provider_*. */
int asset_service_open_derivative(asset_service *service, const char *id, const char *kind,
                                  asset_content *out, nh_error *err);
void asset_content_close(asset_content *content);
/* Fetch the bytes of a deferred content: [offset, offset + length), or the whole object when
 * length is 0. Then object.fd holds exactly those bytes from file offset 0 (a range) or the
 * object (whole: object.size is then the size the storage reported). A no-op for content that
 * is not deferred. 404 when the object is gone; the storage's errors (502/503/429). */
int asset_content_fetch(asset_content *content, uint64_t offset, uint64_t length, nh_error *err);
/* For a HEAD answer of a deferred content: nothing is fetched (the reply needs only the row's
 * validators and size); object.fd becomes a descriptor of /dev/null that is never read. A
 * no-op for content that is not deferred. */
int asset_content_fetch_nothing(asset_content *content, nh_error *err);

#endif
