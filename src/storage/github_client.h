/* github_client.h - the GitHub backend's talk with GitHub, shared by github.c (the storage
 * ops) and github_repo.c (browse and upsert): the backend's state, requests through
 * remote_http with the headers every request carries and the token only where it may go,
 * GitHub's answers mapped to our errors, contents reads, streamed PUT bodies, and the spool
 * files reads and writes go through. Internal to the GitHub backend (storage/github*.c).
 *
 * Errors: every function returning int gives 0, or -1 with err filled as storage.h lists
 * (429 storage_provider_rate_limited with Retry-After, 502 storage_provider_access_denied,
 * 503 storage_provider_unavailable, 502 with the operation's code and GitHub's message, the
 * token redacted). */
#ifndef NH_STORAGE_GITHUB_CLIENT_H
#define NH_STORAGE_GITHUB_CLIENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "storage/remote_http.h"
#include "storage/storage.h"

/* Largest contents-API answer kept in memory: a file's metadata with up to 1 MB inline base64,
 * or a directory listing (GitHub lists at most 1000 entries). */
#define GITHUB_CONTENTS_LIMIT (8u * 1024 * 1024)
/* Largest answer to a PUT or DELETE (the commit and the file's metadata). */
#define GITHUB_RESULT_LIMIT (256u * 1024)
/* Bytes of the source encoded per step when a PUT body is built (a multiple of 3); also the
 * copy buffer of ranges. */
#define GITHUB_ENCODE_CHUNK (3u * 16384)
/* GitHub's own error text kept in our messages. */
#define GITHUB_DETAIL_MAX 200

/* A GitHub backend's immutable state (owned by the storage object; github.c builds it). */
typedef struct github_state {
    char *owner;
    char *repo;
    char *ref;
    char *base_path; /* normalized, or NULL */
    char *api_base;  /* without trailing '/' */
    char *raw_base;
    char *api_origin; /* scheme://host[:port] of api_base */
    char *token;      /* NULL when none */
    char *auth_header;
    char *commit_template; /* NULL = built-in */
    bool private_token;    /* visibilityPolicy == private-token */
    bool allow_delete;
    char *spool_dir;
    remote_http *http;
} github_state;

/* One request. */
typedef struct github_call {
    const char *method;
    const char *url;
    bool with_token; /* the API (or a download_url on its origin) */
    bool idempotent;
    const char *body; /* a body in memory (body_size bytes), or NULL */
    size_t body_size;
    int body_fd; /* a body in a file (body_length bytes), or -1 */
    uint64_t body_length;
    int response_fd; /* -1 = keep the answer in memory */
    size_t response_limit;
} github_call;

/* Where the bytes of a write come from: a file (pread, fd) or memory (bytes). */
typedef struct github_source {
    int fd;
    const unsigned char *bytes;
    uint64_t size;
} github_source;

/* A create or update of one file. */
typedef struct github_write {
    const char *path;    /* the repository path */
    const char *message; /* the commit message */
    const char *sha;     /* the file's current sha, or NULL to create */
    github_source source;
} github_write;

github_state *github_state_of(const storage *backend);
/* How errors name the storage (its label). */
const char *github_label(const storage *backend);
/* A string member of a JSON object, or NULL. */
const char *github_json_text(const json_t *object, const char *key);

/* Perform a call whose answer the caller interprets: 0 with *response (any status; release
 * it with remote_http_response_free in every case), or -1 with err. `code` and `what` (e.g.
 * "reading a/b.png") make the error. */
int github_call_api(const storage *backend, const github_call *call, const char *code,
                    const char *what, remote_http_response *response, nh_error *err);
/* The error of an answer that is not what the operation expected. Returns -1. */
int github_refusal(const storage *backend, const remote_http_response *response, const char *code,
                   const char *what, nh_error *err);
/* GitHub's message of a failed answer (UTF-8 scrubbed, token redacted) into out. */
void github_detail(const github_state *state, const remote_http_response *response, char *out,
                   size_t out_size);
/* GET the contents API answer for a repository path (in memory, parsed): 0 with *parsed
 * (owned; NULL on 404), or -1. */
int github_get_contents(const storage *backend, const char *path, const char *code,
                        const char *what, json_t **parsed, nh_error *err);
/* PUT a file, the body streamed from a spool file: 0 with *response (the caller reads the
 * status and releases it), or -1. Not retried (a retried create would meet its own file). */
int github_put_contents(const storage *backend, const github_write *write_request, const char *what,
                        remote_http_response *response, nh_error *err);
/* The answer of a PUT or DELETE that succeeded, parsed (owned); NULL when it is not JSON. */
json_t *github_parse_result(const remote_http_response *response);
/* The raw URL of a repository path (malloc'ed), or NULL under the private-token policy. */
char *github_public_url_of_path(const github_state *state, const char *path);
/* Log a spool file failure (errno) and fill err (507 when the disk is full). Returns -1. */
int github_spool_failure(const storage *backend, const char *what, nh_error *err);
/* Truncate the file and go back to its start. */
int github_rewind_file(int descriptor);
int github_write_all(int descriptor, const void *data, size_t length);

#endif
