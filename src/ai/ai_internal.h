/* ai_internal.h - what the AI feature's files share (not for other folders): the service
 * object, the resolved settings of one model call, the call itself with its slot and deadline,
 * and the profile JSON. */
#ifndef NH_AI_INTERNAL_H
#define NH_AI_INTERNAL_H

#include <pthread.h>
#include <stdint.h>

#include "ai/ai.h"
#include "ai/ai_profile_store.h"
#include "ai/vision_client.h"

struct ai_service {
    const config *cfg;
    db *database;
    const secret_box *box;
    vision_client *client;
    int64_t timeout_ns; /* Ai__RequestTimeoutSeconds */
    /* the model slots (Ai__MaxConcurrency): a counting semaphore with a deadline */
    pthread_mutex_t slots_lock;
    pthread_cond_t slot_freed; /* on CLOCK_MONOTONIC */
    int slots_used;
    int slots_max;
};

/* The standard prompts: the model is asked for {"caption","altText","tags"}. */
extern const char AI_STANDARD_SYSTEM_PROMPT[];
extern const char AI_USER_PROMPT[];

/* What one model call uses, owned (the key wiped on clear). */
typedef struct ai_target {
    char *base_url;
    char *model;
    char *prompt; /* NULL: the standard system prompt */
    char *key;    /* plain, trimmed */
} ai_target;

void ai_target_clear(ai_target *target);

/* Copy a stored profile's settings into target, its key opened (AD = its id). 500
 * ai_provider_key_unreadable when no configured secret key opens it. */
int ai_target_from_record(const ai_service *service, const ai_profile_record *profile,
                          ai_target *target, nh_error *err);

/* Ask target's model for the caption of the image (a data: URL) within the deadline that
 * started at started_ns (clock_monotonic_ns), after a free slot: waiting for one at most
 * slot_wait_ms (then AI_CAPTION_BUSY, err->retry_after_seconds set), or with slot_wait_ms < 0
 * until the deadline (then 503 ai_provider_timeout). */
int ai_call_model(ai_service *service, const ai_target *target, const char *image_data_url,
                  int64_t started_ns, int slot_wait_ms, vision_caption *out, nh_error *err);

/* The response shape of a profile (§10.1; the key as its mask). NULL when out of memory. */
json_t *ai_profile_json(const ai_profile_record *profile);

#endif
