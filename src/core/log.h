/* log.h - structured logging: one JSON object per line on stderr.
 *
 * Every line has "time", "level" and "event"; log_message adds "message", log_fields merges a
 * jansson object (which it takes ownership of). Lines are written with one write() so lines
 * from different threads never interleave. Thread-safe. */
#ifndef NH_CORE_LOG_H
#define NH_CORE_LOG_H

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

typedef enum { LOG_DEBUG = 0, LOG_INFO = 1, LOG_WARN = 2, LOG_ERROR = 3 } log_level;

void log_set_level(log_level minimum);
/* Parse "debug"/"information"/"info"/"warning"/"warn"/"error" (any case); -1 when unknown. */
int log_level_parse(const char *text);

void log_message(log_level level, const char *event, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
/* fields may be NULL; it is released (json_decref) in every case. */
void log_fields(log_level level, const char *event, json_t *fields);

/* At most one line per interval for a condition that can repeat on every request (a full disk,
 * a busy pool): a static log_throttle per condition, initialised with LOG_THROTTLE_INIT.
 * log_throttle_allow() is true when a line may be written now (and starts the next interval);
 * *suppressed (may be NULL) gets how many calls were refused since the last line. Thread-safe
 * (atomics); the interval runs on the monotonic clock. */
typedef struct log_throttle {
    _Atomic int64_t next_ns; /* monotonic instant from which the next line may be written */
    _Atomic uint64_t suppressed;
} log_throttle;
#define LOG_THROTTLE_INIT                                                                          \
    {                                                                                              \
        0, 0                                                                                       \
    }

bool log_throttle_allow(log_throttle *throttle, int64_t interval_ms, uint64_t *suppressed);

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
