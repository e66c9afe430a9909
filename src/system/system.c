/* system.c - handlers of the anonymous system endpoints. */
#include "system/system.h"

#include <sys/statvfs.h>

#include "auth/password.h"
#include "core/clock.h"
#include "jobs/job_queue.h"
#include "media/media_pool.h"
#include "storage/storage_metrics.h"

void system_ping(http_request *request, http_response *response)
{
    (void)request;
    char now[CLOCK_ISO_SIZE];
    clock_format_iso(clock_now_ms(), now);
    http_reply_data(response, 200, json_pack("{s:s, s:s}", "status", "ok", "timestampUtc", now));
}

void system_bootstrap(http_request *request, http_response *response)
{
    const system_context *system = request->context;
    const config *cfg = system->cfg;
    json_t *types = json_array();
    for (size_t i = 0; types && i < cfg->allowed_content_types.count; i++)
        json_array_append_new(types, json_string(cfg->allowed_content_types.items[i]));
    http_reply_data(response, 200,
                    json_pack("{s:b, s:I, s:o*}", "apiKeyRequired", cfg->api_key_enabled,
                              "maxUploadSizeBytes", (json_int_t)cfg->max_upload_size_bytes,
                              "allowedContentTypes", types));
}

void system_healthz(http_request *request, http_response *response)
{
    (void)request;
    http_reply_data(response, 200, json_pack("{s:s}", "status", "ok"));
}

void system_readyz(http_request *request, http_response *response)
{
    nh_error err;
    const system_context *system = request->context;
    if (db_ping_within(system->database, 1000, &err) != 0) {
        http_reply_error_code(response, 503, "not_ready", "The database is not reachable.");
        return;
    }
    http_reply_data(response, 200, json_pack("{s:s, s:s}", "status", "ready", "database", "ok"));
}

/* Sign-in work: how much Argon2 ran, and how busy the bounded hashing pool is now. */
static int render_password_metrics(buf *out)
{
    uint64_t hashes = 0, verifications = 0;
    int running = 0, waiting = 0;
    password_counters(&hashes, &verifications);
    password_stats(&running, &waiting);
    return buf_printf(out,
                      "# HELP nekohub_password_hashes_total Argon2id hashes made.\n"
                      "# TYPE nekohub_password_hashes_total counter\n"
                      "nekohub_password_hashes_total %llu\n"
                      "# HELP nekohub_password_verifications_total Password verifications, real "
                      "and dummy (unknown users).\n"
                      "# TYPE nekohub_password_verifications_total counter\n"
                      "nekohub_password_verifications_total %llu\n"
                      "# HELP nekohub_password_hashing Hashes or verifications running now.\n"
                      "# TYPE nekohub_password_hashing gauge\n"
                      "nekohub_password_hashing %d\n"
                      "# HELP nekohub_password_hashing_waiting Callers waiting for a slot.\n"
                      "# TYPE nekohub_password_hashing_waiting gauge\n"
                      "nekohub_password_hashing_waiting %d\n",
                      (unsigned long long)hashes, (unsigned long long)verifications, running,
                      waiting);
}

/* Free space of the data directory's file system, for alerts before uploads fail (507). */
static int render_disk_metrics(const config *cfg, buf *out)
{
    struct statvfs info;
    if (statvfs(cfg->data_dir, &info) != 0)
        return 0; /* no gauge rather than a wrong one */
    unsigned long long free_bytes = (unsigned long long)info.f_bavail * info.f_frsize;
    return buf_printf(out,
                      "# HELP nekohub_data_dir_free_bytes Bytes free for NekoHub in the data "
                      "directory's file system.\n"
                      "# TYPE nekohub_data_dir_free_bytes gauge\n"
                      "nekohub_data_dir_free_bytes %llu\n",
                      free_bytes);
}

void system_metrics(http_request *request, http_response *response)
{
    const system_context *system = request->context;
    buf text;
    buf_init(&text, 0);
    if (metrics_render(system->metrics, &text) != 0 || render_password_metrics(&text) != 0 ||
        render_disk_metrics(system->cfg, &text) != 0 || storage_metrics_render(&text) != 0 ||
        media_pool_metrics_render(&text) != 0 || job_metrics_render(system->database, &text) != 0) {
        buf_free(&text);
        nh_error err;
        error_internal(&err);
        http_reply_error(response, &err);
        return;
    }
    http_reply_bytes(response, 200, "text/plain; version=0.0.4; charset=utf-8", text.data,
                     text.length);
    buf_free(&text);
}
