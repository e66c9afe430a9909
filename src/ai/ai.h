/* ai.h - the AI feature (issue 12; spec processing.md §10, §11 with the corrections):
 * AI provider profiles administered through the API (create, tri-state update, delete, the one
 * active profile, the test call) and the caption call the processing feature reaches through
 * app.c's hook.
 *
 *   - At most one profile is active: the database's partial unique index, and every write that
 *     activates one deactivates the others in the same transaction (writers take a lock row
 *     first, so concurrent activations serialize: one wins, none fails).
 *   - API keys are trimmed, at most AI_KEY_MAX_BYTES, sealed with core/secret_box (the
 *     server's secret key, previous keys opening older values, the profile id as associated
 *     data); only the mask ("sk-***", "key-***") ever leaves the service: never in a response,
 *     log line, audit entry or error message.
 *   - Every change is audited in its transaction: ai_provider.created | updated | deleted, and
 *     ai_provider.activated when a profile becomes the active one.
 *   - Model calls: at most Ai__MaxConcurrency at once in the process (more wait for a slot,
 *     holding no database connection); each call, the wait included, ends within
 *     Ai__RequestTimeoutSeconds (vision_client.h has the error codes).
 *
 * Every function returns 0, or -1 with err filled (the contract's status and code), and on
 * success the response payload in *out (caller owns). Thread-safe. */
#ifndef NH_AI_H
#define NH_AI_H

#include <jansson.h>

#include "ai/vision.h"
#include "audit/audit.h"
#include "core/config.h"
#include "core/error.h"
#include "core/secret_box.h"
#include "db/db.h"

#define AI_NAME_MAX_CHARS 128
#define AI_BASE_URL_MAX_CHARS 512
#define AI_MODEL_MAX_CHARS 256
#define AI_PROMPT_MAX_CHARS 8000
#define AI_KEY_MAX_BYTES 4096
#define AI_IMAGE_MAX_BYTES (1024 * 1024) /* the largest image file sent to a model */

typedef struct ai_service ai_service;

/* Borrows cfg, database and box (which must outlive the service). NULL with err on failure. */
ai_service *ai_service_create(const config *cfg, db *database, const secret_box *box,
                              nh_error *err);
void ai_service_destroy(ai_service *service);

/* GET /ai/providers: every profile, the active one first, then by name. */
int ai_profiles_list(ai_service *service, json_t **out, nh_error *err);
/* GET /ai/providers/active: the active profile, or JSON null. */
int ai_profiles_active(ai_service *service, json_t **out, nh_error *err);
/* POST /ai/providers (§10.2 validation order, §10.3 isActive rule): *out is the profile. */
int ai_profiles_create(ai_service *service, const audit_actor *actor, const json_t *body,
                       json_t **out, nh_error *err);
/* PATCH /ai/providers/{id}: tri-state per member (§10.3). */
int ai_profiles_update(ai_service *service, const audit_actor *actor, const char *id,
                       const json_t *body, json_t **out, nh_error *err);
/* DELETE /ai/providers/{id}: {id, wasActive, status:"deleted", deletedAtUtc}. */
int ai_profiles_delete(ai_service *service, const audit_actor *actor, const char *id, json_t **out,
                       nh_error *err);

/* POST /ai/providers/test (§10.4): a caption of a built-in 8x8 PNG with the body's settings
 * (a profile's saved ones filling the blanks). A provider failure is a 200 answer with
 * succeeded false, errorCode and the sanitized errorMessage; 404 for an unknown profileId,
 * 400 for a missing or invalid field. Nothing is stored. */
int ai_profiles_test(ai_service *service, const json_t *body, json_t **out, nh_error *err);

#define AI_CAPTION_BUSY 2          /* ai_caption_image: every model slot is busy */
#define AI_CAPTION_SLOT_WAIT_MS 250 /* how long a caption waits for a slot before that */

/* The caption of an image file (at most AI_IMAGE_MAX_BYTES; content_type its media type) by
 * the active profile's model. 0 with *out filled; 1 when no profile is active;
 * AI_CAPTION_BUSY when no model slot (Ai__MaxConcurrency) freed up within
 * AI_CAPTION_SLOT_WAIT_MS (err: 503 ai_provider_busy, retry_after_seconds 1; the caller
 * comes back later instead of holding its thread); -1 with err:
 * the vision client's codes, 500 ai_provider_key_unreadable (no configured secret key opens
 * the stored key: enter it again), 500 ai_image_too_large. */
int ai_caption_image(ai_service *service, const char *image_path, const char *content_type,
                     vision_caption *out, nh_error *err);

#endif
