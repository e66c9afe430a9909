/* clock.h - wall-clock and monotonic time, and ISO-8601 rendering of UTC instants.
 *
 * Times are stored as Unix epoch milliseconds (int64). Rendering follows the NekoHub wire form:
 * "2026-11-26T18:38:49.123+00:00" with trailing fractional zeros trimmed (no fraction at all
 * when the milliseconds are zero). */
#ifndef NH_CORE_CLOCK_H
#define NH_CORE_CLOCK_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define CLOCK_ISO_SIZE 40

int64_t clock_now_ms(void);
/* Monotonic nanoseconds, for durations only. */
int64_t clock_monotonic_ns(void);

/* Condition variables that time out on CLOCK_MONOTONIC, so that a wall clock stepped back
 * (NTP, an operator) neither stalls nor hurries a timed wait. Initialise the variable with
 * clock_cond_init_monotonic() (0 or an errno value) and compute its deadlines with
 * clock_monotonic_deadline() (the instant `ms` milliseconds from now). */
int clock_cond_init_monotonic(pthread_cond_t *cond);
void clock_monotonic_deadline(int64_t ms, struct timespec *deadline);

/* Render unix_ms as ISO-8601 UTC with "+00:00". Always NUL-terminates. */
void clock_format_iso(int64_t unix_ms, char out[CLOCK_ISO_SIZE]);

/* Parse ISO-8601 date-time with "Z" or "+hh:mm"/"-hh:mm" offset, optional fraction (extra
 * digits beyond milliseconds are truncated). A date without a time is refused. Returns false
 * on anything malformed or out of range. */
bool clock_parse_iso(const char *text, int64_t *unix_ms);

#endif
