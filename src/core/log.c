/* log.c - JSON line logger. */
#include "core/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/text.h"

/* Read by every thread on every line, set at start-up: atomic, relaxed (a level change need not
 * order anything else). */
static _Atomic int log_minimum = LOG_INFO;

static const char *level_names[] = {"debug", "info", "warn", "error"};

void log_set_level(log_level minimum)
{
    atomic_store_explicit(&log_minimum, (int)minimum, memory_order_relaxed);
}

static bool log_enabled(log_level level)
{
    return (int)level >= atomic_load_explicit(&log_minimum, memory_order_relaxed);
}

/* Write one whole line (retrying short writes). stderr is the log's only channel: a failed
 * write has nowhere to be reported, so it is dropped here knowingly. */
static void write_line(const char *text, size_t length)
{
    while (length > 0) {
        ssize_t written = write(STDERR_FILENO, text, length);
        if (written < 0 && errno == EINTR)
            continue;
        if (written <= 0)
            return;
        text += written;
        length -= (size_t)written;
    }
}

int log_level_parse(const char *text)
{
    if (!text)
        return -1;
    if (!strcasecmp(text, "debug") || !strcasecmp(text, "trace"))
        return LOG_DEBUG;
    if (!strcasecmp(text, "info") || !strcasecmp(text, "information"))
        return LOG_INFO;
    if (!strcasecmp(text, "warn") || !strcasecmp(text, "warning"))
        return LOG_WARN;
    if (!strcasecmp(text, "error") || !strcasecmp(text, "critical"))
        return LOG_ERROR;
    return -1;
}

/* A line that could not be rendered (out of memory, an event name that is not UTF-8) still
 * leaves a trace rather than vanishing. */
static void write_unrenderable(log_level level)
{
    static const char *const lines[] = {
        "{\"level\":\"debug\",\"event\":\"log_unrenderable\"}\n",
        "{\"level\":\"info\",\"event\":\"log_unrenderable\"}\n",
        "{\"level\":\"warn\",\"event\":\"log_unrenderable\"}\n",
        "{\"level\":\"error\",\"event\":\"log_unrenderable\"}\n",
    };
    const char *line = lines[level <= LOG_ERROR ? level : LOG_ERROR];
    write_line(line, strlen(line));
}

void log_fields(log_level level, const char *event, json_t *fields)
{
    if (!log_enabled(level)) {
        json_decref(fields);
        return;
    }
    char now[CLOCK_ISO_SIZE];
    clock_format_iso(clock_now_ms(), now);
    json_t *line =
        json_pack("{s:s, s:s, s:s}", "time", now, "level", level_names[level], "event", event);
    if (!line) {
        json_decref(fields);
        write_unrenderable(level);
        return;
    }
    int merged = fields ? json_object_update_missing(line, fields) : 0;
    json_decref(fields);
    if (merged != 0) { /* out of memory: a line without its fields would mislead */
        json_decref(line);
        write_unrenderable(level);
        return;
    }
    char *text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
    json_decref(line);
    if (!text) {
        write_unrenderable(level);
        return;
    }
    size_t length = strlen(text);
    text[length] = '\n'; /* replace the NUL: we write an explicit length */
    write_line(text, length + 1);
    free(text);
}

#define LOG_MESSAGE_SIZE 2048
#define LOG_CUT_MARK "... (cut)"

void log_message(log_level level, const char *event, const char *format, ...)
{
    if (!log_enabled(level))
        return;
    char message[LOG_MESSAGE_SIZE];
    va_list args;
    va_start(args, format);
    int needed = vsnprintf(message, sizeof message, format, args);
    va_end(args);
    if (needed < 0)
        snprintf(message, sizeof message, "(unformattable log message)");
    else if ((size_t)needed >= sizeof message) /* say so rather than cut silently */
        memcpy(message + sizeof message - sizeof LOG_CUT_MARK, LOG_CUT_MARK, sizeof LOG_CUT_MARK);
    text_utf8_scrub(message); /* json_pack drops the whole line for text that is not UTF-8 */
    log_fields(level, event, json_pack("{s:s}", "message", message));
}

bool log_throttle_allow(log_throttle *throttle, int64_t interval_ms, uint64_t *suppressed)
{
    int64_t now = clock_monotonic_ns();
    int64_t next = atomic_load(&throttle->next_ns);
    /* One caller wins the interval (compare-exchange); the others count as suppressed. */
    if ((next != 0 && now < next) ||
        !atomic_compare_exchange_strong(&throttle->next_ns, &next, now + interval_ms * 1000000)) {
        atomic_fetch_add(&throttle->suppressed, 1);
        return false;
    }
    uint64_t skipped = atomic_exchange(&throttle->suppressed, 0);
    if (suppressed)
        *suppressed = skipped;
    return true;
}

/* Append UTF-8 text as the inside of a JSON string. */
static void append_escaped_utf8(buf *out, const char *text)
{
    for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
        if (*c == '"' || *c == '\\') {
            char pair[2] = {'\\', (char)*c};
            buf_append(out, pair, 2);
        } else if (*c < 0x20) {
            buf_printf(out, "\\u%04x", *c);
        } else {
            buf_append(out, c, 1);
        }
    }
}

/* Append text (a raw request path may hold any bytes) as the inside of a JSON string; bytes
 * that are not UTF-8 become '?' so that the line stays valid JSON. */
static void append_escaped(buf *out, const char *text)
{
    if (!text || text_is_utf8(text)) {
        append_escaped_utf8(out, text ? text : "");
        return;
    }
    char *copy = strdup(text);
    if (!copy) {
        buf_fail(out);
        return;
    }
    text_utf8_scrub(copy);
    append_escaped_utf8(out, copy);
    free(copy);
}

static void append_field(buf *out, const char *name, const char *value)
{
    buf_printf(out, ",\"%s\":\"", name);
    append_escaped(out, value);
    buf_append(out, "\"", 1);
}

void log_access(const log_access_line *line)
{
    if (!log_enabled(LOG_INFO))
        return;
    char now[CLOCK_ISO_SIZE];
    clock_format_iso(clock_now_ms(), now);
    buf out;
    buf_init(&out, 0);
    buf_reserve_room(&out, 512);
    buf_printf(&out, "{\"time\":\"%s\",\"level\":\"info\",\"event\":\"http_request\"", now);
    append_field(&out, "requestId", line->request_id);
    append_field(&out, "method", line->method);
    append_field(&out, "route", line->route);
    append_field(&out, "path", line->path);
    buf_printf(&out, ",\"status\":%d,\"bytes\":%llu,\"durationMs\":%.3f", line->status, line->bytes,
               line->duration_ms);
    append_field(&out, "client", line->client);
    if (line->user_id)
        append_field(&out, "userId", line->user_id);
    if (line->aborted)
        buf_append_str(&out, ",\"aborted\":true");
    buf_append(&out, "}\n", 2);
    if (buf_failed(&out)) { /* sticky: one check covers every append above */
        log_message(LOG_ERROR, "log_failed", "out of memory writing an access-log line");
        buf_free(&out);
        return;
    }
    write_line(out.data, out.length);
    buf_free(&out);
}
