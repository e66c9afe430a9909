/* log.h - structured logging: one JSON object per line on stderr.
 *
 * Every line has "time", "level" and "event"; log_message adds "message", log_fields merges a
 * jansson object (which it takes ownership of). Lines are written with one write() so lines
 * from different threads never interleave. Thread-safe. */
#ifndef NH_CORE_LOG_H
#define NH_CORE_LOG_H

#include <jansson.h>

typedef enum { LOG_DEBUG = 0, LOG_INFO = 1, LOG_WARN = 2, LOG_ERROR = 3 } log_level;

void log_set_level(log_level minimum);
/* Parse "debug"/"information"/"info"/"warning"/"warn"/"error" (any case); -1 when unknown. */
int log_level_parse(const char *text);

void log_message(log_level level, const char *event, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
/* fields may be NULL; it is released (json_decref) in every case. */
void log_fields(log_level level, const char *event, json_t *fields);

/* One access-log line per request, written without building a JSON tree (it runs on every
 * request). Text fields are escaped; user_id may be NULL. */
typedef struct log_access_line {
    const char *request_id;
    const char *method;
    const char *route;
    const char *path;
    int status;
    unsigned long long bytes;
    double duration_ms;
    const char *client;
    const char *user_id;
    int aborted;
} log_access_line;

void log_access(const log_access_line *line);

#endif
