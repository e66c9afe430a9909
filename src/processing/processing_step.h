/* processing_step.h - one step of a skill (spec processing.md §5.3, §7): the interface every
 * step executor implements, and the registry of the five built-in ones.
 *
 * A step works on the asset's current row and object. Contracts every executor keeps:
 *   - idempotent: an attempt may be cut anywhere (kill -9) and run again; a retried job never
 *     leaves two thumbnails, a half-rewritten original, or a rewrite applied twice (a step
 *     that changes the original records a mark (job id, step key) in the same transaction that
 *     swaps the asset row to the new object; a later attempt that finds the mark does nothing);
 *   - objects are immutable: a rewritten original (exif-strip, format-convert, watermark) is a
 *     new object under a new key, written before the row swap commits; the old object is
 *     recorded for removal in that transaction and removed after (the old bytes are never lost
 *     before the new ones are committed); an upload intent guards the new object until the
 *     commit, so a crash leaves nothing unknown;
 *   - writing through a disabled storage profile is refused: the step fails with 400
 *     storage_provider_profile_disabled (reads of a disabled profile still work);
 *   - a derivative (thumbnail_256 PNG, preview_1024 WebP) remembers the checksum of the
 *     original it was made from; generate_thumbnail makes it when missing or stale, so
 *     rewriting the original regenerates the derivatives (the replaced derivative object is
 *     removed the same way);
 *   - a non-image asset, or an asset that no longer exists, is SUCCEEDED with no effect.
 * Thread-safe: executors share nothing but the service. */
#ifndef NH_PROCESSING_STEP_H
#define NH_PROCESSING_STEP_H

#include <jansson.h>
#include <stdbool.h>

#include "core/error.h"
#include "jobs/job_queue.h"

struct processing_service;

#define STEP_MESSAGE_MAX 2048

typedef enum {
    STEP_STATUS_SUCCEEDED = 0,
    STEP_STATUS_FAILED,
    STEP_STATUS_SKIPPED, /* could not run for a stated reason (no AI provider): recorded with
                            the reason; the skill still counts as succeeded */
} step_status;

typedef struct step_context {
    struct processing_service *service;
    const char *asset_id;
    const char *job_id;         /* "" for a run outside the queue (tests) */
    const char *step_key;       /* unique within the job: "<skill index>:<step name>" */
    const json_t *parameters;   /* the skill's parameters (borrowed), or NULL */
    job_lease *lease;           /* NULL outside the queue */
} step_context;

typedef struct step_result {
    step_status status;
    char code[64];                      /* FAILED: the error code ("media_worker_timeout") */
    char message[STEP_MESSAGE_MAX + 1]; /* FAILED: sanitized error; SKIPPED: the reason */
    bool transient;     /* FAILED: worth retrying (storage 5xx/429, worker busy, db busy) */
    int retry_after_s;  /* transient, deferred: the Retry-After the cause asked for, or 0 */
    bool deferred;      /* the step could not start for want of a shared resource (every AI
                           model slot busy) and changed nothing: the skill run stops unrecorded
                           and the job runs again later, this attempt not counted
                           (JOB_OUTCOME_DEFER) */
} step_result;

typedef void (*step_executor)(const step_context *context, step_result *result);

/* The executor of a step name, or NULL (the runner then fails the step with "Step executor is
 * not registered."). */
step_executor processing_step_find(const char *step_name);

/* Fill result as FAILED from err: code, sanitized message (processing_sanitize_message),
 * transient for 429, 503 and the remote 502s, Retry-After kept. */
void processing_step_fail(step_result *result, const nh_error *err);

/* The spec's §6 sanitizing: whitespace runs collapsed, "Bearer <token>" -> "Bearer ***",
 * "sk-<...>" -> "sk-***", cut at STEP_MESSAGE_MAX bytes on a UTF-8 boundary, blank ->
 * "Step '<step>' failed.". Writes into out (STEP_MESSAGE_MAX + 1 bytes). */
void processing_sanitize_message(const char *message, const char *step_name,
                                 char out[STEP_MESSAGE_MAX + 1]);

#endif
