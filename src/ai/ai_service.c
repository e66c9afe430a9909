/* ai_service.c - the AI service's life cycle, the model slots, one model call within its
 * deadline, and the caption of an image file by the active profile (see ai.h). */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ai/ai_internal.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/text.h"

const char AI_STANDARD_SYSTEM_PROMPT[] =
    "You describe images for a digital asset library. Look at the image and answer with only "
    "a raw JSON object of this form: {\"caption\": \"...\", \"altText\": \"...\", \"tags\": "
    "[\"...\"]}. caption: one or two concise, factual sentences about what the image shows. "
    "altText: a short description for people using a screen reader, at most 125 characters. "
    "tags: up to 10 short lowercase keywords. No Markdown, no code fences, no reasoning, no "
    "other text.";

const char AI_USER_PROMPT[] =
    "Describe this image. Answer with only a JSON object with the members \"caption\" (a "
    "concise factual caption), \"altText\" (short alternative text for screen readers) and "
    "\"tags\" (an array of up to 10 short keywords).";

ai_service *ai_service_create(const config *cfg, db *database, const secret_box *box, nh_error *err)
{
    ai_service *service = calloc(1, sizeof *service);
    if (!service) {
        error_internal(err);
        return NULL;
    }
    service->cfg = cfg;
    service->database = database;
    service->box = box;
    service->timeout_ns = (int64_t)cfg->ai_request_timeout_s * 1000000000;
    service->slots_max = cfg->ai_max_concurrency > 0 ? cfg->ai_max_concurrency : 1;
    bool ready = clock_cond_init_monotonic(&service->slot_freed) == 0;
    if (!ready || pthread_mutex_init(&service->slots_lock, NULL) != 0) {
        if (ready)
            pthread_cond_destroy(&service->slot_freed);
        free(service);
        error_internal(err);
        return NULL;
    }
    service->client = vision_client_create((unsigned int)cfg->ai_request_timeout_s * 1000, err);
    if (!service->client) {
        ai_service_destroy(service);
        return NULL;
    }
    return service;
}

void ai_service_destroy(ai_service *service)
{
    if (!service)
        return;
    vision_client_destroy(service->client);
    pthread_cond_destroy(&service->slot_freed);
    pthread_mutex_destroy(&service->slots_lock);
    free(service);
}

/* ---- the slots ------------------------------------------------------------------------------ */

/* Take a slot, waiting until deadline_ns at the most: 0, or 1 when none became free. */
static int slot_take(ai_service *service, int64_t deadline_ns)
{
    struct timespec until = {(time_t)(deadline_ns / 1000000000), (long)(deadline_ns % 1000000000)};
    int rc = 0;
    pthread_mutex_lock(&service->slots_lock);
    while (service->slots_used >= service->slots_max && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&service->slot_freed, &service->slots_lock, &until);
    bool taken = service->slots_used < service->slots_max;
    if (taken)
        service->slots_used++;
    pthread_mutex_unlock(&service->slots_lock);
    return taken ? 0 : 1;
}

static void slot_release(ai_service *service)
{
    pthread_mutex_lock(&service->slots_lock);
    service->slots_used--;
    pthread_cond_signal(&service->slot_freed);
    pthread_mutex_unlock(&service->slots_lock);
}

/* ---- one call ------------------------------------------------------------------------------- */

void ai_target_clear(ai_target *target)
{
    free(target->base_url);
    free(target->model);
    free(target->prompt);
    if (target->key) {
        sodium_memzero(target->key, strlen(target->key));
        free(target->key);
    }
    memset(target, 0, sizeof *target);
}

int ai_target_from_record(const ai_service *service, const ai_profile_record *profile,
                          ai_target *target, nh_error *err)
{
    memset(target, 0, sizeof *target);
    target->base_url = strdup(profile->api_base_url);
    target->model = strdup(profile->model_name);
    target->prompt = profile->default_system_prompt ? strdup(profile->default_system_prompt) : NULL;
    if (!target->base_url || !target->model ||
        (profile->default_system_prompt && !target->prompt)) {
        ai_target_clear(target);
        return error_internal(err);
    }
    unsigned char *plain = NULL;
    size_t length = 0;
    int rc = service->box ? secret_box_open(service->box, profile->api_key_sealed, profile->id,
                                            &plain, &length, NULL, err)
                          : SECRET_BOX_UNOPENABLE;
    if (rc == 0) {
        target->key = (char *)plain; /* NUL-terminated by secret_box_open */
        return 0;
    }
    ai_target_clear(target);
    if (rc != SECRET_BOX_UNOPENABLE)
        return -1;
    return error_set(err, 500, "ai_provider_key_unreadable",
                     "The API key of AI provider profile '%s' cannot be opened with "
                     "Security__SecretKey or any Security__PreviousSecretKeys__N; enter the key "
                     "again.",
                     profile->name);
}

int ai_call_model(ai_service *service, const ai_target *target, const char *image_data_url,
                  int64_t started_ns, int slot_wait_ms, vision_caption *out, nh_error *err)
{
    memset(out, 0, sizeof *out);
    int64_t deadline_ns = started_ns + service->timeout_ns;
    int64_t slot_deadline_ns = deadline_ns;
    if (slot_wait_ms >= 0 && clock_monotonic_ns() + (int64_t)slot_wait_ms * 1000000 < deadline_ns)
        slot_deadline_ns = clock_monotonic_ns() + (int64_t)slot_wait_ms * 1000000;
    if (slot_take(service, slot_deadline_ns) != 0) {
        if (slot_wait_ms >= 0) {
            error_set_retry(err, 503, "ai_provider_busy", 1,
                            "Every model slot (Ai__MaxConcurrency) is busy.");
            return AI_CAPTION_BUSY;
        }
        return error_set(err, 503, "ai_provider_timeout",
                         "No model slot (Ai__MaxConcurrency) became free within "
                         "Ai__RequestTimeoutSeconds.");
    }
    vision_request request = {
        .api_base_url = target->base_url,
        .api_key = target->key,
        .model = target->model,
        .system_prompt = target->prompt ? target->prompt : AI_STANDARD_SYSTEM_PROMPT,
        .user_prompt = AI_USER_PROMPT,
        .image_data_url = image_data_url,
    };
    int rc = vision_client_caption(service->client, &request, deadline_ns, out, err);
    slot_release(service);
    return rc;
}

/* ---- the caption of an image file ----------------------------------------------------------- */

/* The active profile's call settings: 0, 1 when none is active, -1. The connection is given
 * back before the call. */
static int active_target(ai_service *service, ai_target *target, nh_error *err)
{
    db_conn *conn = db_acquire(service->database, err);
    if (!conn)
        return -1;
    db_result *rows = NULL;
    int rc = ai_profile_store_find_active(conn, &rows, err);
    db_release(service->database, conn);
    if (rc == 0 && db_result_rows(rows) == 0)
        rc = 1;
    if (rc == 0) {
        ai_profile_record profile;
        ai_profile_record_from_row(rows, 0, &profile);
        rc = ai_target_from_record(service, &profile, target, err);
    }
    db_result_free(rows);
    return rc;
}

/* data:<type>;base64,<the file's bytes> (at most AI_IMAGE_MAX_BYTES of them). */
static int image_data_url(const char *path, const char *content_type, char **out, nh_error *err)
{
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat status;
    if (fd < 0 || fstat(fd, &status) != 0) {
        if (fd >= 0)
            close(fd);
        log_message(LOG_ERROR, "ai_caption", "the image %s cannot be read: %s", path,
                    strerror(errno));
        return error_internal(err);
    }
    if (status.st_size > AI_IMAGE_MAX_BYTES) {
        close(fd);
        return error_set(err, 500, "ai_image_too_large",
                         "The image for the caption is %lld bytes; at most %d are sent.",
                         (long long)status.st_size, AI_IMAGE_MAX_BYTES);
    }
    size_t size = (size_t)status.st_size;
    unsigned char *bytes = malloc(size ? size : 1);
    ssize_t got = bytes ? pread(fd, bytes, size, 0) : -1;
    close(fd);
    const char *type = text_is_blank(content_type) ? "application/octet-stream" : content_type;
    size_t encoded = sodium_base64_encoded_len(size, sodium_base64_VARIANT_ORIGINAL);
    size_t prefix = strlen("data:;base64,") + strlen(type);
    char *url = got == (ssize_t)size ? malloc(prefix + encoded) : NULL;
    if (url) {
        snprintf(url, prefix + 1, "data:%s;base64,", type);
        sodium_bin2base64(url + prefix, encoded, bytes, size, sodium_base64_VARIANT_ORIGINAL);
    }
    free(bytes);
    if (!url)
        return error_internal(err);
    *out = url;
    return 0;
}

int ai_caption_image(ai_service *service, const char *image_path, const char *content_type,
                     vision_caption *out, nh_error *err)
{
    memset(out, 0, sizeof *out);
    int64_t started_ns = clock_monotonic_ns();
    ai_target target;
    memset(&target, 0, sizeof target);
    int rc = active_target(service, &target, err);
    if (rc != 0)
        return rc; /* 1: no active profile */
    char *data_url = NULL;
    rc = image_data_url(image_path, content_type, &data_url, err);
    if (rc == 0)
        rc = ai_call_model(service, &target, data_url, started_ns, AI_CAPTION_SLOT_WAIT_MS, out,
                           err);
    free(data_url);
    ai_target_clear(&target);
    return rc;
}
