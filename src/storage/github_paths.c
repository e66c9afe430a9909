/* github_paths.c - the pure parts of the GitHub repository backend (see github_paths.h). */
#include "storage/github_paths.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/text.h"
#include "storage/storage.h"

/* base64 characters decoded per chunk (a multiple of 4): 4 KiB of text, 3 KiB of bytes. */
#define GITHUB_BASE64_CHUNK 4096

/* ---- paths ------------------------------------------------------------------------------ */

static bool segment_is_valid(const char *segment, size_t length)
{
    if (length == 0)
        return false;
    if ((length == 1 && segment[0] == '.') || (length == 2 && !strncmp(segment, "..", 2)))
        return false;
    size_t start = 0;
    size_t end = 0;
    text_trim_bounds(segment, length, &start, &end);
    return end > start;
}

static int path_refuse(char *out, size_t out_size)
{
    if (out_size > 0)
        out[0] = '\0';
    return -1;
}

int github_path_normalize(const char *raw, bool allow_empty, char *out, size_t out_size)
{
    if (!raw || out_size == 0)
        return path_refuse(out, out_size);
    size_t start = 0;
    size_t end = 0;
    text_trim_bounds(raw, strlen(raw), &start, &end);
    size_t length = 0;
    for (size_t i = start; i < end; i++) {
        unsigned char byte = (unsigned char)raw[i];
        if (byte < 0x20 || byte == 0x7f || length + 1 >= out_size)
            return path_refuse(out, out_size);
        out[length++] = byte == '\\' ? '/' : (char)byte;
    }
    out[length] = '\0';
    size_t first = 0;
    while (out[first] == '/')
        first++;
    while (length > first && out[length - 1] == '/')
        length--;
    memmove(out, out + first, length - first);
    length -= first;
    out[length] = '\0';
    if (length == 0)
        return allow_empty ? 0 : path_refuse(out, out_size);
    for (const char *segment = out;;) {
        const char *slash = strchr(segment, '/');
        size_t segment_length = slash ? (size_t)(slash - segment) : strlen(segment);
        if (!segment_is_valid(segment, segment_length))
            return path_refuse(out, out_size);
        if (!slash)
            break;
        segment = slash + 1;
    }
    return 0;
}

const char *github_path_relative(const char *base_path, const char *path)
{
    if (!base_path || !base_path[0])
        return path;
    size_t base_length = strlen(base_path);
    if (strncasecmp(path, base_path, base_length) != 0)
        return path;
    if (path[base_length] == '\0')
        return path + base_length;
    if (path[base_length] == '/')
        return path + base_length + 1;
    return path;
}

int github_path_join(const char *base_path, const char *relative, char *out, size_t out_size)
{
    bool has_base = base_path && base_path[0];
    bool has_relative = relative && relative[0];
    int written = snprintf(out, out_size, "%s%s%s", has_base ? base_path : "",
                           has_base && has_relative ? "/" : "", has_relative ? relative : "");
    if (written < 0 || (size_t)written >= out_size)
        return path_refuse(out, out_size);
    return 0;
}

/* ---- names and refs -------------------------------------------------------------------- */

bool github_name_is_valid(const char *name)
{
    if (!name || !name[0] || !strcmp(name, ".") || !strcmp(name, ".."))
        return false;
    for (const char *c = name; *c; c++)
        if (!isalnum((unsigned char)*c) && *c != '.' && *c != '_' && *c != '-')
            return false;
    return true;
}

bool github_ref_is_valid(const char *ref)
{
    if (!ref || !ref[0] || strstr(ref, "..") || strpbrk(ref, " \\") || text_has_control(ref))
        return false;
    for (const char *segment = ref; segment;) {
        if (segment[0] == '/' || segment[0] == '\0' || segment[0] == '.')
            return false;
        const char *slash = strchr(segment, '/');
        segment = slash ? slash + 1 : NULL;
    }
    return true;
}

/* ---- URLs ------------------------------------------------------------------------------- */

/* Append base without its trailing slashes. */
static void append_base(buf *out, const char *base)
{
    size_t length = strlen(base);
    while (length > 0 && base[length - 1] == '/')
        length--;
    buf_append(out, base, length);
}

char *github_percent_encode(const char *text)
{
    buf out;
    buf_init(&out, 0);
    buf_append_str(&out, "");
    storage_url_encode_append(&out, text, false);
    return buf_detach(&out);
}

char *github_contents_url(const char *api_base, const char *owner, const char *repo,
                          const char *path, const char *ref)
{
    if (!api_base || !owner || !repo || !path || !ref)
        return NULL;
    buf out;
    buf_init(&out, 0);
    append_base(&out, api_base);
    buf_append_str(&out, "/repos/");
    storage_url_encode_append(&out, owner, false);
    buf_append_str(&out, "/");
    storage_url_encode_append(&out, repo, false);
    buf_append_str(&out, "/contents");
    if (path[0]) {
        buf_append_str(&out, "/");
        storage_url_encode_append(&out, path, true);
    }
    buf_append_str(&out, "?ref=");
    storage_url_encode_append(&out, ref, false);
    return buf_detach(&out);
}

char *github_raw_url(const char *raw_base, const char *owner, const char *repo, const char *ref,
                     const char *path)
{
    if (!raw_base || !owner || !repo || !ref || !path)
        return NULL;
    buf out;
    buf_init(&out, 0);
    append_base(&out, raw_base);
    buf_append_str(&out, "/");
    storage_url_encode_append(&out, owner, false);
    buf_append_str(&out, "/");
    storage_url_encode_append(&out, repo, false);
    buf_append_str(&out, "/");
    storage_url_encode_append(&out, ref, true);
    buf_append_str(&out, "/");
    storage_url_encode_append(&out, path, true);
    return buf_detach(&out);
}

/* ---- commit messages -------------------------------------------------------------------- */

static const char *file_name_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* The value of the placeholder starting at text ("{name}"), or NULL; *length = its length. */
static const char *placeholder_value(const char *text, const char *operation, const char *path,
                                     size_t *length)
{
    static const char *const names[] = {"{operation}", "{path}", "{fileName}"};
    const char *values[] = {operation, path, file_name_of(path)};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        size_t name_length = strlen(names[i]);
        if (strncasecmp(text, names[i], name_length) == 0) {
            *length = name_length;
            return values[i];
        }
    }
    return NULL;
}

char *github_commit_message(const char *explicit_message, const char *template_text,
                            const char *operation, const char *path)
{
    if (explicit_message && !text_is_blank(explicit_message))
        return text_trimmed_copy(explicit_message);
    const char *template_in_use = template_text && !text_is_blank(template_text)
                                      ? template_text
                                      : GITHUB_DEFAULT_COMMIT_TEMPLATE;
    buf out;
    buf_init(&out, 0);
    buf_append_str(&out, "");
    for (const char *c = template_in_use; *c;) {
        size_t length = 0;
        const char *value =
            *c == '{' ? placeholder_value(c, operation ? operation : "", path ? path : "", &length)
                      : NULL;
        if (value) {
            buf_append_str(&out, value);
            c += length;
        } else {
            buf_append(&out, c, 1);
            c++;
        }
    }
    return buf_detach(&out);
}

/* ---- rate limits and redaction ---------------------------------------------------------- */

/* A non-negative decimal number (surrounding spaces allowed); -1 otherwise. */
static int64_t parse_seconds(const char *text)
{
    if (!text)
        return -1;
    while (*text == ' ' || *text == '\t')
        text++;
    if (!isdigit((unsigned char)*text))
        return -1;
    int64_t value = 0;
    for (; isdigit((unsigned char)*text); text++) {
        if (value > INT64_C(100000000000))
            return -1;
        value = value * 10 + (*text - '0');
    }
    while (*text == ' ' || *text == '\t' || *text == '\r' || *text == '\n')
        text++;
    return *text ? -1 : value;
}

int github_retry_after_seconds(const char *retry_after, const char *rate_limit_reset, int64_t now_s)
{
    int64_t seconds = parse_seconds(retry_after);
    if (seconds < 0) {
        int64_t reset = parse_seconds(rate_limit_reset);
        seconds = reset >= 0 ? reset - now_s : 60;
    }
    if (seconds < 1)
        return 1;
    return seconds > 3600 ? 3600 : (int)seconds;
}

/* ---- base64 ----------------------------------------------------------------------------- */

typedef struct base64_chunker {
    char text[GITHUB_BASE64_CHUNK];
    size_t length;
    bool padded; /* a chunk ended with '=': nothing may follow */
    unsigned char bytes[GITHUB_BASE64_CHUNK / 4 * 3];
    github_base64_sink sink;
    void *context;
    uint64_t decoded;
} base64_chunker;

static int flush_chunk(base64_chunker *chunker)
{
    if (chunker->length == 0)
        return 0;
    if (chunker->padded || chunker->length % 4 != 0)
        return -1;
    size_t written = 0;
    const char *end = NULL;
    if (sodium_base642bin(chunker->bytes, sizeof chunker->bytes, chunker->text, chunker->length,
                          NULL, &written, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
        end != chunker->text + chunker->length)
        return -1;
    chunker->padded = chunker->text[chunker->length - 1] == '=';
    chunker->length = 0;
    chunker->decoded += written;
    return written > 0 ? chunker->sink(chunker->context, chunker->bytes, written) : 0;
}

int github_base64_decode_chunked(const char *text, size_t length, github_base64_sink sink,
                                 void *context, uint64_t *decoded)
{
    base64_chunker *chunker = malloc(sizeof *chunker);
    if (!chunker)
        return -1;
    chunker->length = 0;
    chunker->padded = false;
    chunker->sink = sink;
    chunker->context = context;
    chunker->decoded = 0;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < length; i++) {
        if (text[i] == '\n' || text[i] == '\r')
            continue;
        chunker->text[chunker->length++] = text[i];
        if (chunker->length == sizeof chunker->text)
            rc = flush_chunk(chunker);
    }
    if (rc == 0)
        rc = flush_chunk(chunker);
    *decoded = chunker->decoded;
    free(chunker);
    return rc;
}
