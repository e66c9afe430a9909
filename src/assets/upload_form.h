/* upload_form.h - the body of an upload (POST /api/v1/assets) as it streams in: a multipart
 * form whose `file` part goes straight to a temporary file (with its SHA-256 computed on the
 * way) and whose few known text fields are kept in memory, each bounded.
 *
 * Field names are matched case-insensitively. A part is the upload's file only when it is
 * named "file" and carries a non-empty filename; other parts with a filename, and unknown
 * fields, are read and dropped. A known field or the file given twice is refused. The file
 * limit (max_file_bytes; equal is allowed) is enforced as bytes arrive, so an oversized upload
 * stops at the limit; memory use does not depend on the file size.
 *
 * Errors (feed/finish return -1 with err filled):
 *   400 asset_file_too_large   the file part grew past max_file_bytes
 *   400 request_invalid        malformed multipart, a duplicated field, a text field over
 *                              UPLOAD_FIELD_MAX bytes (other than description/altText, which
 *                              are only flagged too_long for the service to report)
 *   507 storage_insufficient_space  the volume of the temporary file is full (ENOSPC, EDQUOT)
 *   500                        the temporary file could not be written otherwise
 * The form owns the temporary file (created through upload_temps.h, which knows it is in
 * flight): upload_form_free() closes and removes it, whatever happened (also when the client
 * went away). Not thread-safe (one form per request). */
#ifndef NH_ASSETS_UPLOAD_FORM_H
#define NH_ASSETS_UPLOAD_FORM_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "assets/upload_temps.h"
#include "core/error.h"

#define UPLOAD_FIELD_MAX (64 * 1024)

typedef enum {
    UPLOAD_FIELD_DESCRIPTION = 0,
    UPLOAD_FIELD_ALT_TEXT,
    UPLOAD_FIELD_IS_PUBLIC,
    UPLOAD_FIELD_PROFILE_ID,
    UPLOAD_FIELD_RUN_ENRICHMENT,
    UPLOAD_FIELD_COMMIT_MESSAGE,
    UPLOAD_FIELD_COUNT
} upload_field_id;

typedef struct upload_field {
    bool present;
    bool too_long; /* more than UPLOAD_FIELD_MAX bytes arrived; value holds none of them */
    char *value;   /* NUL-terminated (may also contain NUL bytes: see length); NULL if absent */
    size_t length;
} upload_field;

typedef struct upload_file {
    char *file_name;     /* the filename parameter as sent (non-empty) */
    char *content_type;  /* the part's Content-Type, or NULL when it had none */
    char path[PATH_MAX]; /* the temporary file */
    int fd;              /* open read/write on path */
    int64_t size;
    char sha256_hex[65]; /* lowercase hex, set once the part ended */
    bool complete;       /* the part ended (its closing boundary was seen) */
} upload_file;

typedef struct upload_form upload_form;

/* content_type is the request's Content-Type header; the file part goes to a temporary file
 * of temps (borrowed; it must outlive the form). Errors: 415 request_unsupported_media_type
 * (not multipart/form-data), 400 request_invalid (no usable boundary), 500 (out of memory). */
upload_form *upload_form_new(const char *content_type, upload_temps *temps, int64_t max_file_bytes,
                             nh_error *err);
int upload_form_feed(upload_form *form, const char *data, size_t size, nh_error *err);
/* The body ended: checks the closing boundary was seen. */
int upload_form_finish(upload_form *form, nh_error *err);

/* A form built from bytes already in memory (MCP upload_asset): the file part named
 * file_name with content_type (NULL = none) holding size bytes, written to a temporary file
 * of temps with its SHA-256, as if it had streamed in; fields are set with
 * upload_form_set_field. Errors: 400 asset_file_too_large (over max_file_bytes), 507
 * storage_insufficient_space, 500. */
upload_form *upload_form_from_bytes(upload_temps *temps, int64_t max_file_bytes,
                                    const char *file_name, const char *content_type,
                                    const void *bytes, size_t size, nh_error *err);
/* Set a text field of such a form (value NULL = leave it absent). 0, or -1 with err (500, or
 * 400 request_invalid for a field given twice). */
int upload_form_set_field(upload_form *form, upload_field_id id, const char *value, nh_error *err);

/* The field (never NULL; `present` tells whether it was sent). */
const upload_field *upload_form_field(const upload_form *form, upload_field_id id);
/* The file part, or NULL when none was sent. */
const upload_file *upload_form_file(const upload_form *form);

void upload_form_free(upload_form *form);

#endif
