/* log.c - JSON line logger. */
#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/clock.h"

static volatile int log_minimum = LOG_INFO;

static const char *level_names[] = {"debug", "info", "warn", "error"};

void log_set_level(log_level minimum)
{
    log_minimum = minimum;
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

void log_fields(log_level level, const char *event, json_t *fields)
{
    if ((int)level < log_minimum) {
        json_decref(fields);
        return;
    }
    char now[CLOCK_ISO_SIZE];
    clock_format_iso(clock_now_ms(), now);
    json_t *line =
        json_pack("{s:s, s:s, s:s}", "time", now, "level", level_names[level], "event", event);
    if (!line) {
        json_decref(fields);
        return;
    }
    if (fields)
        json_object_update_missing(line, fields);
    json_decref(fields);
    char *text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
    json_decref(line);
    if (!text)
        return;
    size_t length = strlen(text);
    text[length] = '\n'; /* replace the NUL: we write an explicit length */
    ssize_t written = write(STDERR_FILENO, text, length + 1);
    (void)written;
    free(text);
}

void log_message(log_level level, const char *event, const char *format, ...)
{
    if ((int)level < log_minimum)
        return;
    char message[2048];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof message, format, args);
    va_end(args);
    log_fields(level, event, json_pack("{s:s}", "message", message));
}
