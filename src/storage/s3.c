/* s3.c - the S3-compatible storage backend on remote_http (see s3.h).
 *
 * Every request is signed by curl (CURLOPT_AWS_SIGV4 "aws:amz:<region>:s3") with an explicit
 * x-amz-content-sha256: the upload's own SHA-256 for a single PUT, the hash of each part for
 * multipart uploads (read once more with pread, never into memory whole), the hash of the
 * small XML bodies, and the empty body's hash for GET/HEAD/DELETE. Objects carry their
 * SHA-256 as x-amz-meta-sha256, so a retried PUT that finds "its" object already there can
 * tell it apart from a real key collision. */
#include "storage/s3.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/text.h"
#include "storage/remote_http.h"
#include "storage/s3_request.h"

#define S3_EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define S3_MIN_PART_SIZE (5u * 1024 * 1024)
#define S3_MAX_PARTS 10000
#define S3_HASH_CHUNK (64 * 1024)
#define S3_XML_LIMIT (256 * 1024)
#define S3_TEXT_SIZE 256

typedef struct s3_state {
    remote_http *http;
    s3_endpoint endpoint;
    char *bucket;
    char *sigv4;       /* "aws:amz:<region>:s3" */
    char *credentials; /* "<access key>:<secret key>", wiped on destroy */
    bool path_style;
    _Atomic bool conditional_put; /* If-None-Match: * accepted; cleared after a 501 */
    char *spool_dir;
    storage_remote_settings settings;
} s3_state;

static s3_state *state_of(const storage *backend)
{
    return backend->state;
}

static const char *label_of(const storage *backend)
{
    return backend->label ? backend->label : "storage";
}

/* ---- one request -------------------------------------------------------------------------- */

typedef struct s3_call {
    const char *method;
    const char *key;            /* NULL = the bucket */
    const char *query;          /* encoded, or NULL */
    const char *payload_sha256; /* hex, or NULL = the empty body's */
    const char *const *headers; /* extra "Name: value" lines, NULL-terminated, or NULL */
    const void *body;           /* memory body, or NULL */
    size_t body_size;
    int body_fd; /* file body (with body_offset, body_length), or -1 */
    uint64_t body_offset;
    uint64_t body_length;
    bool idempotent;
    int response_fd; /* -1 = memory */
    size_t response_limit;
} s3_call;

/* An error text may quote what the endpoint answered: neither the access key nor the secret
 * key may reach a response or a log line through it. */
static void redact_credentials(const storage *backend, nh_error *err)
{
    const char *credentials = state_of(backend)->credentials;
    const char *colon = credentials ? strchr(credentials, ':') : NULL;
    if (!err || !colon)
        return;
    text_redact(err->message, colon + 1);
    char access_key[256];
    size_t length = (size_t)(colon - credentials);
    if (length >= sizeof access_key)
        length = sizeof access_key - 1; /* a prefix of it is still redacted */
    memcpy(access_key, credentials, length);
    access_key[length] = '\0';
    text_redact(err->message, access_key);
    sodium_memzero(access_key, sizeof access_key);
}

/* Make the S3 error code of a refused request part of the message. */
static void refine_error(const storage *backend, const remote_http_response *response,
                         nh_error *err)
{
    char code[S3_TEXT_SIZE];
    if (!response->body.data || !s3_xml_value(response->body.data, "Code", code, sizeof code))
        return;
    if (!strcmp(err->code, "storage_provider_access_denied"))
        error_set(err, 502, "storage_provider_access_denied",
                  "Storage '%s' refused the credentials (HTTP %ld %s).", label_of(backend),
                  response->status, code);
}

static int perform(storage *backend, const s3_call *call, remote_http_response *response,
                   nh_error *err)
{
    s3_state *state = state_of(backend);
    char *url =
        s3_object_url(&state->endpoint, state->bucket, state->path_style, call->key, call->query);
    if (!url) {
        memset(response, 0, sizeof *response);
        return error_internal(err);
    }
    char sha_header[96];
    snprintf(sha_header, sizeof sha_header, "x-amz-content-sha256: %s",
             call->payload_sha256 ? call->payload_sha256 : S3_EMPTY_SHA256);
    const char *headers[8] = {sha_header};
    size_t used = 1;
    for (const char *const *line = call->headers; line && *line && used < 7; line++)
        headers[used++] = *line;
    headers[used] = NULL;
    remote_http_request request = {.method = call->method,
                                   .url = url,
                                   .headers = headers,
                                   .aws_sigv4 = state->sigv4,
                                   .user_password = state->credentials,
                                   .body = call->body,
                                   .body_size = call->body_size,
                                   .body_fd = call->body_fd,
                                   .body_offset = call->body_offset,
                                   .body_length = call->body_length,
                                   .idempotent = call->idempotent,
                                   .response_fd = call->response_fd,
                                   .response_limit = call->response_limit};
    int rc = remote_http_perform(state->http, &request, response, err);
    free(url);
    if (rc != 0) {
        refine_error(backend, response, err);
        redact_credentials(backend, err);
    }
    return rc;
}

static bool has_error_code(const remote_http_response *response, const char *code)
{
    char found[S3_TEXT_SIZE];
    return response->body.data && s3_xml_value(response->body.data, "Code", found, sizeof found) &&
           !strcmp(found, code);
}

/* The error of a response the operation does not accept. */
static int status_error(const storage *backend, const remote_http_response *response,
                        const char *what, nh_error *err)
{
    if (has_error_code(response, "NoSuchBucket"))
        return error_set(err, 502, "storage_provider_bucket_not_found",
                         "Storage '%s': the bucket '%s' does not exist.", label_of(backend),
                         state_of(backend)->bucket);
    char code[S3_TEXT_SIZE] = "";
    char message[S3_TEXT_SIZE] = "";
    if (response->body.data) {
        s3_xml_value(response->body.data, "Code", code, sizeof code);
        s3_xml_value(response->body.data, "Message", message, sizeof message);
    }
    error_set(err, 502, "storage_provider_request_failed",
              "Storage '%s': %s failed (HTTP %ld%s%s%s%s).", label_of(backend), what,
              response->status, code[0] ? " " : "", code, message[0] ? ": " : "", message);
    redact_credentials(backend, err);
    return -1;
}

/* ---- hashing a file range ----------------------------------------------------------------- */

static int hash_range(int fd, uint64_t offset, uint64_t length, char hex[65])
{
    crypto_hash_sha256_state hash;
    crypto_hash_sha256_init(&hash);
    unsigned char *chunk = malloc(S3_HASH_CHUNK);
    if (!chunk)
        return -1;
    uint64_t done = 0;
    while (done < length) {
        size_t wanted = length - done < S3_HASH_CHUNK ? (size_t)(length - done) : S3_HASH_CHUNK;
        ssize_t got = pread(fd, chunk, wanted, (off_t)(offset + done));
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            free(chunk);
            return -1;
        }
        crypto_hash_sha256_update(&hash, chunk, (unsigned long long)got);
        done += (uint64_t)got;
    }
    free(chunk);
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&hash, digest);
    s3_hex(digest, hex);
    return 0;
}

static void hash_memory(const void *data, size_t size, char hex[65])
{
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, data, size);
    s3_hex(digest, hex);
}

/* ---- put ---------------------------------------------------------------------------------- */

/* Does the stored object carry sha256 (a retried write that had in fact succeeded)? */
static bool object_has_sha(storage *backend, const char *key, const char *sha256)
{
    s3_call call = {
        .method = "HEAD", .key = key, .body_fd = -1, .idempotent = true, .response_fd = -1};
    remote_http_response response;
    nh_error ignored;
    bool same = false;
    if (perform(backend, &call, &response, &ignored) == 0 && response.status == 200) {
        const char *stored = remote_http_response_header(&response, "x-amz-meta-sha256");
        same = stored && !strcmp(stored, sha256);
    }
    remote_http_response_free(&response);
    return same;
}

static int key_exists_error(const storage *backend, const char *key, nh_error *err)
{
    log_message(LOG_ERROR, "storage_s3", "storage '%s': the key %s already exists",
                label_of(backend), key);
    return error_internal(err);
}

static int put_single(storage *backend, const storage_put_request *put, const char *sha256,
                      const char *content_type_line, const char *meta_line, nh_error *err)
{
    s3_state *state = state_of(backend);
    for (;;) {
        bool conditional = atomic_load(&state->conditional_put);
        const char *headers[] = {content_type_line, meta_line,
                                 conditional ? "If-None-Match: *" : NULL, NULL};
        s3_call call = {.method = "PUT",
                        .key = put->key,
                        .payload_sha256 = sha256,
                        .headers = headers,
                        .body_fd = put->source_fd,
                        .body_offset = 0,
                        .body_length = put->size,
                        .idempotent = true,
                        .response_fd = -1};
        remote_http_response response;
        int rc = perform(backend, &call, &response, err);
        long status = response.status;
        unsigned int attempts = response.attempts;
        if (rc == 0 && status == 501 && conditional) {
            /* this service has no conditional writes: accept a possible overwrite */
            atomic_store(&state->conditional_put, false);
            remote_http_response_free(&response);
            continue;
        }
        if (rc == 0 && status >= 200 && status < 300)
            rc = 0;
        else if (rc == 0 && status == 412)
            rc = attempts > 1 && object_has_sha(backend, put->key, sha256)
                     ? 0
                     : key_exists_error(backend, put->key, err);
        else if (rc == 0)
            rc = status_error(backend, &response, "storing the object", err);
        remote_http_response_free(&response);
        return rc;
    }
}

typedef struct multipart_upload {
    char upload_id[S3_TEXT_SIZE];
    char **etags;
    size_t part_count;
} multipart_upload;

static char *upload_query(const char *upload_id, unsigned int part_number)
{
    buf query;
    buf_init(&query, 0);
    if (part_number > 0) {
        char number[16];
        snprintf(number, sizeof number, "%u", part_number);
        s3_query_append(&query, "partNumber", number);
    }
    s3_query_append(&query, "uploadId", upload_id);
    return buf_detach(&query);
}

static int multipart_initiate(storage *backend, const char *key, const char *content_type_line,
                              const char *meta_line, multipart_upload *upload, nh_error *err)
{
    const char *headers[] = {content_type_line, meta_line, NULL};
    s3_call call = {.method = "POST",
                    .key = key,
                    .query = "uploads=",
                    .headers = headers,
                    .body_fd = -1,
                    .idempotent = false,
                    .response_fd = -1,
                    .response_limit = S3_XML_LIMIT};
    remote_http_response response;
    int rc = perform(backend, &call, &response, err);
    if (rc == 0 && response.status != 200)
        rc = status_error(backend, &response, "starting a multipart upload", err);
    else if (rc == 0 && !s3_xml_value(response.body.data, "UploadId", upload->upload_id,
                                      sizeof upload->upload_id))
        rc = error_set(err, 502, "storage_provider_request_failed",
                       "Storage '%s' started a multipart upload without an upload id.",
                       label_of(backend));
    remote_http_response_free(&response);
    return rc;
}

static int multipart_part(storage *backend, const storage_put_request *put,
                          multipart_upload *upload, unsigned int number, uint64_t offset,
                          uint64_t length, nh_error *err)
{
    char sha256[65];
    if (hash_range(put->source_fd, offset, length, sha256) != 0) {
        log_message(LOG_ERROR, "storage_s3", "storage '%s': reading part %u of %s: %s",
                    label_of(backend), number, put->key, strerror(errno));
        return error_internal(err);
    }
    char *query = upload_query(upload->upload_id, number);
    if (!query)
        return error_internal(err);
    s3_call call = {.method = "PUT",
                    .key = put->key,
                    .query = query,
                    .payload_sha256 = sha256,
                    .body_fd = put->source_fd,
                    .body_offset = offset,
                    .body_length = length,
                    .idempotent = true,
                    .response_fd = -1};
    remote_http_response response;
    int rc = perform(backend, &call, &response, err);
    free(query);
    const char *etag = rc == 0 ? remote_http_response_header(&response, "ETag") : NULL;
    if (rc == 0 && (response.status != 200 || !etag))
        rc = status_error(backend, &response, "storing a part", err);
    if (rc == 0 && !(upload->etags[number - 1] = strdup(etag)))
        rc = error_internal(err);
    remote_http_response_free(&response);
    return rc;
}

static int multipart_complete(storage *backend, const storage_put_request *put, const char *sha256,
                              multipart_upload *upload, nh_error *err)
{
    char *xml = s3_complete_xml(upload->etags, upload->part_count);
    char *query = upload_query(upload->upload_id, 0);
    if (!xml || !query) {
        free(xml);
        free(query);
        return error_internal(err);
    }
    char xml_sha256[65];
    hash_memory(xml, strlen(xml), xml_sha256);
    const char *headers[] = {"Content-Type: application/xml", NULL};
    s3_call call = {.method = "POST",
                    .key = put->key,
                    .query = query,
                    .payload_sha256 = xml_sha256,
                    .headers = headers,
                    .body = xml,
                    .body_size = strlen(xml),
                    .body_fd = -1,
                    .idempotent = true,
                    .response_fd = -1,
                    .response_limit = S3_XML_LIMIT};
    remote_http_response response;
    int rc = perform(backend, &call, &response, err);
    bool done = rc == 0 && response.status == 200 && response.body.data &&
                !strstr(response.body.data, "<Error>"); /* S3 may fail inside a 200 */
    if (rc == 0 && !done)
        rc = response.attempts > 1 && object_has_sha(backend, put->key, sha256)
                 ? 0
                 : status_error(backend, &response, "completing a multipart upload", err);
    remote_http_response_free(&response);
    free(xml);
    free(query);
    return rc;
}

/* Abort an upload that failed, so no parts are left behind (logged when that fails too). */
static void multipart_abort(storage *backend, const char *key, const multipart_upload *upload)
{
    char *query = upload_query(upload->upload_id, 0);
    nh_error err;
    remote_http_response response;
    s3_call call = {.method = "DELETE",
                    .key = key,
                    .query = query,
                    .body_fd = -1,
                    .idempotent = true,
                    .response_fd = -1};
    int rc = query ? perform(backend, &call, &response, &err) : error_internal(&err);
    if (rc == 0 && response.status != 204 && response.status != 200 && response.status != 404)
        rc = status_error(backend, &response, "aborting a multipart upload", &err);
    if (rc != 0)
        log_message(LOG_WARN, "storage_s3",
                    "storage '%s': the multipart upload %s of %s could not be aborted (%s); its "
                    "parts stay until the bucket's lifecycle rule removes them",
                    label_of(backend), upload->upload_id, key, err.message);
    if (query)
        remote_http_response_free(&response);
    free(query);
}

static uint64_t part_size_for(const s3_state *state, uint64_t size)
{
    uint64_t part = state->settings.multipart_part_size;
    if (part < S3_MIN_PART_SIZE)
        part = S3_MIN_PART_SIZE;
    if (size / part >= S3_MAX_PARTS)
        part = size / (S3_MAX_PARTS - 1) + 1;
    return part;
}

static int put_multipart(storage *backend, const storage_put_request *put, const char *sha256,
                         const char *content_type_line, const char *meta_line, nh_error *err)
{
    s3_state *state = state_of(backend);
    uint64_t part_size = part_size_for(state, put->size);
    multipart_upload upload = {.part_count = (size_t)((put->size + part_size - 1) / part_size)};
    if (multipart_initiate(backend, put->key, content_type_line, meta_line, &upload, err) != 0)
        return -1;
    upload.etags = calloc(upload.part_count, sizeof *upload.etags);
    int rc = upload.etags ? 0 : error_internal(err);
    for (size_t i = 0; rc == 0 && i < upload.part_count; i++) {
        uint64_t offset = (uint64_t)i * part_size;
        uint64_t length = put->size - offset < part_size ? put->size - offset : part_size;
        rc = multipart_part(backend, put, &upload, (unsigned int)i + 1, offset, length, err);
    }
    if (rc == 0)
        rc = multipart_complete(backend, put, sha256, &upload, err);
    if (rc != 0)
        multipart_abort(backend, put->key, &upload);
    for (size_t i = 0; upload.etags && i < upload.part_count; i++)
        free(upload.etags[i]);
    free(upload.etags);
    return rc;
}

static int s3_remove(storage *backend, const char *key, const char *commit_message, nh_error *err);

/* A PUT whose outcome is unknown (the service stopped answering after the body went out) may
 * have stored the object all the same: remove it now, so a failed upload leaves nothing. */
static void remove_after_failed_put(storage *backend, const char *key, const nh_error *put_err)
{
    if (put_err->status != 503)
        return;
    nh_error err;
    if (s3_remove(backend, key, NULL, &err) != 0)
        log_message(LOG_WARN, "storage_s3",
                    "storage '%s': %s may have been stored by a failed upload and could not be "
                    "removed: %s",
                    label_of(backend), key, err.message);
}

static int s3_put(storage *backend, const storage_put_request *put, char key_out[STORAGE_KEY_SIZE],
                  nh_error *err)
{
    char sha256[65];
    if (put->sha256_hex && strlen(put->sha256_hex) == 64) {
        snprintf(sha256, sizeof sha256, "%s", put->sha256_hex);
    } else if (hash_range(put->source_fd, 0, put->size, sha256) != 0) {
        log_message(LOG_ERROR, "storage_s3", "storage '%s': reading %s: %s", label_of(backend),
                    put->key, strerror(errno));
        return error_internal(err);
    }
    char content_type_line[300];
    snprintf(content_type_line, sizeof content_type_line, "Content-Type: %.256s",
             put->content_type && put->content_type[0] ? put->content_type
                                                       : "application/octet-stream");
    char meta_line[96];
    snprintf(meta_line, sizeof meta_line, "x-amz-meta-sha256: %s", sha256);
    const s3_state *state = state_of(backend);
    int rc = put->size >= state->settings.multipart_threshold && put->size > S3_MIN_PART_SIZE
                 ? put_multipart(backend, put, sha256, content_type_line, meta_line, err)
                 : put_single(backend, put, sha256, content_type_line, meta_line, err);
    if (rc == 0)
        snprintf(key_out, STORAGE_KEY_SIZE, "%s", put->key);
    else
        remove_after_failed_put(backend, put->key, err);
    return rc;
}

/* ---- reads -------------------------------------------------------------------------------- */

/* An unlinked temporary file in the spool directory (remote_http_spool_open). */
static int spool_open(const storage *backend, nh_error *err)
{
    const s3_state *state = state_of(backend);
    int fd = remote_http_spool_open(state->spool_dir);
    if (fd >= 0)
        return fd;
    log_message(LOG_ERROR, "storage_s3", "storage '%s': no spool file in %s: %s", label_of(backend),
                state->spool_dir, strerror(errno));
    return storage_write_error(errno, err);
}

static int64_t modified_of(const remote_http_response *response)
{
    int64_t modified_ms;
    return s3_parse_http_date(remote_http_response_header(response, "Last-Modified"), &modified_ms)
               ? modified_ms
               : clock_now_ms();
}

/* 0 for a 2xx, STORAGE_NOT_FOUND for a missing key, else the error of the status. */
static int read_status(const storage *backend, const remote_http_response *response,
                       const char *what, nh_error *err)
{
    if (response->status >= 200 && response->status < 300)
        return 0;
    if (response->status == 404 && !has_error_code(response, "NoSuchBucket"))
        return STORAGE_NOT_FOUND;
    return status_error(backend, response, what, err);
}

/* GET key (whole, or the range header) into a fresh spool file; *fd_out owned on 0. */
static int fetch(storage *backend, const char *key, const char *range_line, int *fd_out,
                 remote_http_response *response, nh_error *err)
{
    *fd_out = spool_open(backend, err);
    if (*fd_out < 0) {
        memset(response, 0, sizeof *response);
        return -1;
    }
    const char *headers[] = {range_line, NULL};
    s3_call call = {.method = "GET",
                    .key = key,
                    .headers = headers,
                    .body_fd = -1,
                    .idempotent = true,
                    .response_fd = *fd_out};
    int rc = perform(backend, &call, response, err);
    if (rc == 0)
        rc = read_status(backend, response, "reading the object", err);
    if (rc != 0) {
        close(*fd_out);
        *fd_out = -1;
    }
    return rc;
}

static int truncated_error(const storage *backend, const char *key, nh_error *err)
{
    log_message(LOG_ERROR, "storage_s3", "storage '%s': the body of %s does not match its length",
                label_of(backend), key);
    return error_set_retry(err, 503, "storage_provider_unavailable",
                           REMOTE_HTTP_UNAVAILABLE_RETRY_AFTER,
                           "Storage '%s' sent an incomplete object.", label_of(backend));
}

static int s3_open(storage *backend, const char *key, storage_object *out, nh_error *err)
{
    remote_http_response response;
    int fd;
    int rc = fetch(backend, key, NULL, &fd, &response, err);
    if (rc == 0) {
        const char *length = remote_http_response_header(&response, "Content-Length");
        if (length && strtoull(length, NULL, 10) != response.body_written) {
            close(fd);
            rc = truncated_error(backend, key, err);
        } else {
            out->fd = fd;
            out->size = response.body_written;
            out->modified_ms = modified_of(&response);
        }
    }
    remote_http_response_free(&response);
    return rc;
}

static int range_result(const storage *backend, const char *key, int fd, uint64_t offset,
                        uint64_t length, const remote_http_response *response, storage_object *out,
                        nh_error *err)
{
    uint64_t first, last, total;
    if (response->status == 200) { /* no range support: the whole object arrived, keep the range */
        if (offset + length > response->body_written ||
            remote_http_spool_keep_range(fd, offset, length) != 0)
            return truncated_error(backend, key, err);
        total = response->body_written;
    } else if (!s3_parse_content_range(remote_http_response_header(response, "Content-Range"),
                                       &first, &last, &total) ||
               first != offset || last - first + 1 != response->body_written ||
               response->body_written != length) {
        return truncated_error(backend, key, err);
    }
    out->fd = fd;
    out->size = total;
    out->modified_ms = modified_of(response);
    return 0;
}

static int s3_open_range(storage *backend, const char *key, uint64_t offset, uint64_t length,
                         storage_object *out, nh_error *err)
{
    if (length == 0)
        return error_internal(err);
    char range_line[80];
    snprintf(range_line, sizeof range_line, "Range: bytes=%llu-%llu", (unsigned long long)offset,
             (unsigned long long)(offset + length - 1));
    remote_http_response response;
    int fd;
    int rc = fetch(backend, key, range_line, &fd, &response, err);
    if (rc == 0) {
        rc = range_result(backend, key, fd, offset, length, &response, out, err);
        if (rc != 0)
            close(fd);
    }
    remote_http_response_free(&response);
    return rc;
}

static int s3_exists(storage *backend, const char *key, bool *exists, nh_error *err)
{
    s3_call call = {
        .method = "HEAD", .key = key, .body_fd = -1, .idempotent = true, .response_fd = -1};
    remote_http_response response;
    int rc = perform(backend, &call, &response, err);
    if (rc == 0) {
        rc = read_status(backend, &response, "checking the object", err);
        *exists = rc == 0;
        if (rc == STORAGE_NOT_FOUND)
            rc = 0;
    }
    remote_http_response_free(&response);
    return rc;
}

static int s3_remove(storage *backend, const char *key, const char *commit_message, nh_error *err)
{
    (void)commit_message;
    s3_call call = {
        .method = "DELETE", .key = key, .body_fd = -1, .idempotent = true, .response_fd = -1};
    remote_http_response response;
    int rc = perform(backend, &call, &response, err);
    if (rc == 0) {
        rc = read_status(backend, &response, "removing the object", err);
        if (rc == STORAGE_NOT_FOUND)
            rc = 0; /* already gone */
    }
    remote_http_response_free(&response);
    return rc;
}

/* The profile's own publicBaseUrl (the bucket or a CDN) wins; else NekoHub's /content. */
static char *s3_public_url(const storage *backend, const char *global_base_url, const char *key)
{
    const char *base = backend->public_base_url && backend->public_base_url[0]
                           ? backend->public_base_url
                           : global_base_url;
    return storage_url_join(base, key);
}

static void s3_destroy(storage *backend)
{
    s3_state *state = state_of(backend);
    if (state) {
        remote_http_destroy(state->http);
        if (state->credentials)
            sodium_memzero(state->credentials, strlen(state->credentials));
        free(state->credentials);
        free(state->sigv4);
        free(state->bucket);
        free(state->spool_dir);
        free(state);
    }
    free(backend->public_base_url);
    free(backend->label);
    free(backend);
}

static const storage_ops s3_ops = {
    .type = "s3-compatible",
    .put = s3_put,
    .open = s3_open,
    .open_range = s3_open_range,
    .remove = s3_remove,
    .exists = s3_exists,
    .public_url = s3_public_url,
    .destroy = s3_destroy,
};

/* ---- construction ------------------------------------------------------------------------- */

static const char *string_of(const json_t *object, const char *name)
{
    const char *value = json_string_value(json_object_get(object, name));
    return value && !text_is_blank(value) ? value : NULL;
}

static int config_error(const char *label, const char *what, nh_error *err)
{
    log_message(LOG_ERROR, "storage_s3", "storage '%s': %s", label, what);
    return error_set(err, 500, "internal_server_error", "S3 storage '%s': %s", label, what);
}

/* Fill the state from the configuration and secret; -1 with err naming what is wrong. */
static int configure(storage *backend, const json_t *configuration, const json_t *secret,
                     nh_error *err)
{
    s3_state *state = backend->state;
    const char *label = label_of(backend);
    const char *endpoint = string_of(configuration, "endpoint");
    const char *bucket = string_of(configuration, "bucket");
    const char *region = string_of(configuration, "region");
    const char *access_key = string_of(secret, "accessKey");
    const char *secret_key = string_of(secret, "secretKey");
    const json_t *path_style = json_object_get(configuration, "forcePathStyle");
    state->path_style = json_is_boolean(path_style) ? json_is_true(path_style) : true;
    if (!endpoint || s3_endpoint_parse(endpoint, &state->endpoint) != 0)
        return config_error(label, "endpoint must be an absolute http or https URL", err);
    if (!bucket || !s3_bucket_is_valid(bucket, state->path_style))
        return config_error(label, "bucket is missing or not a valid bucket name", err);
    if (!s3_access_key_is_valid(access_key) || !secret_key || text_has_control(secret_key))
        return config_error(label,
                            "accessKey and secretKey are required (no ':' in accessKey, "
                            "no control characters)",
                            err);
    if (region && !s3_region_is_valid(region))
        return config_error(label, "region is not a valid region name", err);
    buf sigv4, credentials;
    buf_init(&sigv4, 0);
    buf_init(&credentials, 0);
    buf_printf(&sigv4, "aws:amz:%s:s3", region ? region : "us-east-1");
    buf_printf(&credentials, "%s:%s", access_key, secret_key);
    state->sigv4 = buf_detach(&sigv4);
    state->credentials = buf_detach(&credentials);
    state->bucket = strdup(bucket);
    const char *public_base = string_of(configuration, "publicBaseUrl");
    const char *provider = string_of(configuration, "providerName");
    snprintf(backend->provider_name, sizeof backend->provider_name, "%s",
             provider ? provider : "s3");
    if (public_base && !(backend->public_base_url = strdup(public_base)))
        return error_internal(err);
    return state->sigv4 && state->credentials && state->bucket ? 0 : error_internal(err);
}

storage *storage_s3_create(const char *label, const json_t *configuration, const json_t *secret,
                           const storage_remote_settings *settings, const char *spool_dir,
                           nh_error *err)
{
    storage *backend = calloc(1, sizeof *backend);
    s3_state *state = calloc(1, sizeof *state);
    if (!backend || !state) {
        free(backend);
        free(state);
        error_internal(err);
        return NULL;
    }
    backend->ops = &s3_ops;
    backend->state = state;
    backend->label = strdup(label ? label : "storage");
    state->settings = *settings;
    atomic_store(&state->conditional_put, true);
    state->spool_dir = strdup(spool_dir ? spool_dir : "/tmp");
    if (!backend->label || !state->spool_dir) {
        s3_destroy(backend);
        error_internal(err);
        return NULL;
    }
    if (configure(backend, configuration, secret, err) != 0 ||
        !(state->http = remote_http_create(backend->label, settings, err))) {
        s3_destroy(backend);
        return NULL;
    }
    if (mkdir(state->spool_dir, 0700) != 0 && errno != EEXIST)
        log_message(LOG_WARN, "storage_s3", "storage '%s': the spool directory %s: %s",
                    backend->label, state->spool_dir, strerror(errno));
    return backend;
}
