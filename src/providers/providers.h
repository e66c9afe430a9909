/* providers.h - storage provider profiles administered through the API (spec
 * storage-providers.md §2-§12 with issue 10's corrections): the overview with runtime and
 * alignment, create, tri-state update, delete (disabled instead when anything references the
 * profile), set-default, test connection, the start-up seeding of a default profile (once, on
 * the very first start), and the profile-scoped GitHub repository browse and upsert.
 *
 * Every change is audited (storage_provider.*) in the same transaction, never with a secret
 * value. Secrets are sealed (core/secret_box.h) with the profile id as associated data and
 * never leave the service: responses carry secretFieldsSet only.
 *
 * Every function returns 0, or -1 with err filled (the contract's status and code), and on
 * success the response payload in *out (caller owns). Thread-safe. */
#ifndef NH_PROVIDERS_PROVIDERS_H
#define NH_PROVIDERS_PROVIDERS_H

#include <jansson.h>

#include "audit/audit.h"
#include "core/config.h"
#include "core/error.h"
#include "core/secret_box.h"
#include "db/db.h"
#include "storage/profile_config.h"
#include "storage/storage.h"

/* The feature's service object and the context of its routes. Borrows everything. */
typedef struct providers_service {
    const config *cfg;
    db *database;
    storage_service *storage;
    const secret_box *box;
    profile_rules rules; /* where local profiles may point */
} providers_service;

int providers_service_create(const config *cfg, db *database, storage_service *storage_svc,
                             const secret_box *box, providers_service **out, nh_error *err);
void providers_service_free(providers_service *service);

/* §9.4 as corrected: on the very first start only (an instance_meta flag remembers it), when
 * no default profile exists, create the default profile from Storage__Provider (local or S3). */
int providers_seed_default(providers_service *service, nh_error *err);

/* GET /providers (§10). */
int providers_overview(providers_service *service, json_t **out, nh_error *err);
/* POST /providers (§4): *out is the profile. */
int providers_create(providers_service *service, const audit_actor *actor, const json_t *body,
                     json_t **out, nh_error *err);
/* PATCH /providers/{id} (§5). */
int providers_update(providers_service *service, const audit_actor *actor, const char *id,
                     const json_t *body, json_t **out, nh_error *err);
/* DELETE /providers/{id} (§6). */
int providers_delete(providers_service *service, const audit_actor *actor, const char *id,
                     json_t **out, nh_error *err);
/* POST /providers/{id}/set-default (§6). */
int providers_set_default(providers_service *service, const audit_actor *actor, const char *id,
                          json_t **out, nh_error *err);

/* POST /providers/{id}/test: write, read back and delete a small probe object; each step's
 * outcome, latency and (on failure) the backend's code and message, secrets redacted. The
 * call itself succeeds (200) whatever the steps did; 404 for an unknown profile. */
int providers_test(providers_service *service, const audit_actor *actor, const char *id,
                   json_t **out, nh_error *err);

/* GET …/github-repo/browse (§12.1): the query as given (NULL = absent). */
typedef struct providers_browse_request {
    const char *path;
    const char *recursive;
    const char *max_depth;
    const char *type;
    const char *keyword;
    const char *page;
    const char *page_size;
} providers_browse_request;

#define PROVIDERS_BROWSE_MAX_DEPTH 10

int providers_github_browse(providers_service *service, const char *id,
                            const providers_browse_request *request, json_t **out, nh_error *err);
/* POST …/github-repo/upsert (§12.2). */
int providers_github_upsert(providers_service *service, const audit_actor *actor, const char *id,
                            const json_t *body, json_t **out, nh_error *err);

#endif
