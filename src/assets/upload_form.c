/* upload_form.c - the streaming upload form: multipart events to a temp file and fields. */
#include "assets/upload_form.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "assets/multipart.h"
#include "core/buf.h"
#include "core/log.h"
#include "storage/storage.h"

static const char *const field_names[UPLOAD_FIELD_COUNT] = {
    [UPLOAD_FIELD_DESCRIPTION] = "description",
    [UPLOAD_FIELD_ALT_TEXT] = "altText",
    [UPLOAD_FIELD_IS_PUBLIC] = "isPublic",
    [UPLOAD_FIELD_PROFILE_ID] = "storageProviderProfileId",
    [UPLOAD_FIELD_RUN_ENRICHMENT] = "runEnrichment",
    [UPLOAD_FIELD_COMMIT_MESSAGE] = "commitMessage",
};

typedef enum { SINK_DISCARD = 0, SINK_FILE, SINK_FIELD } sink_kind;

struct upload_form {
    multipart_parser *parser;
    upload_temps *temps;
    int64_t max_file_bytes;
    upload_field fields[UPLOAD_FIELD_COUNT];
    buf field_text[UPLOAD_FIELD_COUNT];
    upload_file file;
    bool has_file;
    crypto_hash_sha256_state hash;
    sink_kind sink;
    upload_field_id sink_field;
    nh_error failure; /* why a callback stopped the parser */
};

static int field_of_name(const char *name)
{
    for (int i = 0; i < UPLOAD_FIELD_COUNT; i++)
        if (!strcasecmp(field_names[i], name))
            return i;
    return -1;
}

static int duplicated(upload_form *form, const char *name)
{
    return error_set(&form->failure, 400, "request_invalid",
                     "The form field '%s' appears more than once.", name);
}

static int open_temp_file(upload_form *form)
{
    upload_file *file = &form->file;
    file->fd = upload_temps_open(form->temps, file->path, &form->failure);
    if (file->fd < 0)
        return -1;
    crypto_hash_sha256_init(&form->hash);
    return 0;
}

static int begin_file(upload_form *form, const multipart_part *part)
{
    if (form->has_file)
        return duplicated(form, "file");
    upload_file *file = &form->file;
    file->file_name = strdup(part->file_name);
    file->content_type = part->content_type ? strdup(part->content_type) : NULL;
    if (!file->file_name || (part->content_type && !file->content_type))
        return error_internal(&form->failure);
    form->has_file = true;
    if (open_temp_file(form) != 0)
        return -1;
    form->sink = SINK_FILE;
    return 0;
}

static int on_part_begin(void *context, const multipart_part *part)
{
    upload_form *form = context;
    form->sink = SINK_DISCARD;
    bool is_file = part->file_name && part->file_name[0];
    if (is_file)
        return strcasecmp(part->name, "file") == 0 ? begin_file(form, part) : 0;
    int id = field_of_name(part->name);
    if (id < 0)
        return 0;
    if (form->fields[id].present)
        return duplicated(form, field_names[id]);
    form->fields[id].present = true;
    form->sink = SINK_FIELD;
    form->sink_field = (upload_field_id)id;
    return 0;
}

static int write_all(int descriptor, const char *data, size_t size)
{
    while (size > 0) {
        ssize_t written = write(descriptor, data, size);
        if (written < 0 && errno == EINTR)
            continue;
        if (written <= 0)
            return -1;
        data += written;
        size -= (size_t)written;
    }
    return 0;
}

static int take_file_bytes(upload_form *form, const char *data, size_t size)
{
    upload_file *file = &form->file;
    if ((int64_t)size > form->max_file_bytes - file->size)
        return error_set(&form->failure, 400, "asset_file_too_large",
                         "The file is larger than the limit of %lld bytes.",
                         (long long)form->max_file_bytes);
    file->size += (int64_t)size;
    crypto_hash_sha256_update(&form->hash, (const unsigned char *)data, size);
    if (write_all(file->fd, data, size) != 0) {
        int saved = errno;
        log_message(LOG_ERROR, "upload", "cannot write the temporary file %s: %s", file->path,
                    strerror(saved));
        return storage_write_error(saved, &form->failure);
    }
    return 0;
}

static int take_field_bytes(upload_form *form, const char *data, size_t size)
{
    upload_field *field = &form->fields[form->sink_field];
    if (field->too_long)
        return 0;
    buf *text = &form->field_text[form->sink_field];
    bool over_limit = size > UPLOAD_FIELD_MAX || text->length > UPLOAD_FIELD_MAX - size;
    if (buf_append(text, data, size) == 0)
        return 0;
    if (!over_limit) { /* the limit was not the reason: memory ran out */
        log_message(LOG_ERROR, "upload", "out of memory reading the form field '%s'",
                    field_names[form->sink_field]);
        return error_internal(&form->failure);
    }
    field->too_long = true; /* over UPLOAD_FIELD_MAX: keep reading, keep nothing */
    buf_free(&form->field_text[form->sink_field]);
    buf_init(&form->field_text[form->sink_field], UPLOAD_FIELD_MAX);
    bool flagged_only =
        form->sink_field == UPLOAD_FIELD_DESCRIPTION || form->sink_field == UPLOAD_FIELD_ALT_TEXT;
    if (flagged_only)
        return 0;
    return error_set(&form->failure, 400, "request_invalid",
                     "The form field '%s' is longer than %d bytes.", field_names[form->sink_field],
                     UPLOAD_FIELD_MAX);
}

static int on_part_data(void *context, const char *data, size_t size)
{
    upload_form *form = context;
    switch (form->sink) {
    case SINK_FILE:
        return take_file_bytes(form, data, size);
    case SINK_FIELD:
        return take_field_bytes(form, data, size);
    case SINK_DISCARD:
        return 0;
    }
    return 0;
}

static int on_part_end(void *context)
{
    upload_form *form = context;
    if (form->sink == SINK_FILE) {
        unsigned char digest[crypto_hash_sha256_BYTES];
        crypto_hash_sha256_final(&form->hash, digest);
        sodium_bin2hex(form->file.sha256_hex, sizeof form->file.sha256_hex, digest, sizeof digest);
        form->file.complete = true;
    } else if (form->sink == SINK_FIELD) {
        upload_field *field = &form->fields[form->sink_field];
        buf *text = &form->field_text[form->sink_field];
        if (!field->too_long) {
            field->length = text->length;
            field->value = buf_detach(text);
            if (!field->value)
                return error_internal(&form->failure);
        }
    }
    form->sink = SINK_DISCARD;
    return 0;
}

upload_form *upload_form_new(const char *content_type, upload_temps *temps, int64_t max_file_bytes,
                             nh_error *err)
{
    char boundary[MULTIPART_BOUNDARY_MAX + 1];
    int found = multipart_boundary_of(content_type, boundary, sizeof boundary);
    if (found == -1) {
        error_set(err, 415, "request_unsupported_media_type",
                  "The upload must be sent as multipart/form-data.");
        return NULL;
    }
    if (found != 0) {
        error_set(err, 400, "request_invalid",
                  "The multipart/form-data Content-Type has no valid boundary parameter.");
        return NULL;
    }
    upload_form *form = calloc(1, sizeof *form);
    if (!form) {
        error_internal(err);
        return NULL;
    }
    form->file.fd = -1;
    form->max_file_bytes = max_file_bytes;
    for (int i = 0; i < UPLOAD_FIELD_COUNT; i++)
        buf_init(&form->field_text[i], UPLOAD_FIELD_MAX);
    form->temps = temps;
    multipart_callbacks callbacks = {on_part_begin, on_part_data, on_part_end};
    form->parser = multipart_parser_new(boundary, &callbacks, form);
    if (!form->parser) {
        upload_form_free(form);
        error_internal(err);
        return NULL;
    }
    return form;
}

static int parser_failure(upload_form *form, nh_error *err)
{
    if (multipart_parser_stopped(form->parser)) {
        *err = form->failure;
        return -1;
    }
    return error_set(err, 400, "request_invalid", "The multipart form is malformed: %s",
                     multipart_parser_error(form->parser));
}

int upload_form_feed(upload_form *form, const char *data, size_t size, nh_error *err)
{
    if (multipart_parser_feed(form->parser, data, size) != 0)
        return parser_failure(form, err);
    return 0;
}

int upload_form_finish(upload_form *form, nh_error *err)
{
    if (multipart_parser_finish(form->parser) != 0)
        return parser_failure(form, err);
    return 0;
}

upload_form *upload_form_from_bytes(upload_temps *temps, int64_t max_file_bytes,
                                    const char *file_name, const char *content_type,
                                    const void *bytes, size_t size, nh_error *err)
{
    upload_form *form = calloc(1, sizeof *form);
    if (!form) {
        error_internal(err);
        return NULL;
    }
    form->file.fd = -1;
    form->max_file_bytes = max_file_bytes;
    form->temps = temps;
    for (int i = 0; i < UPLOAD_FIELD_COUNT; i++)
        buf_init(&form->field_text[i], UPLOAD_FIELD_MAX);
    multipart_part part = {.name = "file", .file_name = file_name, .content_type = content_type};
    int rc = begin_file(form, &part);
    if (rc == 0)
        rc = take_file_bytes(form, bytes, size);
    if (rc == 0)
        rc = on_part_end(form);
    if (rc != 0) {
        *err = form->failure;
        upload_form_free(form);
        return NULL;
    }
    return form;
}

int upload_form_set_field(upload_form *form, upload_field_id id, const char *value, nh_error *err)
{
    if (!value)
        return 0;
    upload_field *field = &form->fields[id];
    if (field->present)
        return error_set(err, 400, "request_invalid", "The form field '%s' appears more than once.",
                         field_names[id]);
    if (strlen(value) > UPLOAD_FIELD_MAX)
        return error_set(err, 400, "request_invalid",
                         "The form field '%s' is longer than %d bytes.", field_names[id],
                         UPLOAD_FIELD_MAX);
    field->value = strdup(value);
    if (!field->value)
        return error_internal(err);
    field->present = true;
    field->length = strlen(value);
    return 0;
}

const upload_field *upload_form_field(const upload_form *form, upload_field_id id)
{
    return &form->fields[id];
}

const upload_file *upload_form_file(const upload_form *form)
{
    return form->has_file ? &form->file : NULL;
}

void upload_form_free(upload_form *form)
{
    if (!form)
        return;
    multipart_parser_free(form->parser);
    for (int i = 0; i < UPLOAD_FIELD_COUNT; i++) {
        free(form->fields[i].value);
        buf_free(&form->field_text[i]);
    }
    upload_file *file = &form->file;
    if (file->fd >= 0)
        close(file->fd);
    if (file->path[0])
        upload_temps_close(form->temps, file->path); /* logs a failure; the sweep retries */
    free(file->file_name);
    free(file->content_type);
    free(form);
}
