/*
 * interp/clock.h -- the engine's one clock: real or virtual time
 *
 * Every time the engine uses (utcNow(), pipeline().TriggerTime, Wait,
 * Until and activity timeouts, retry intervals, report timestamps) comes
 * from one Clock, as .NET ticks (100 ns since 0001-01-01, UTC).  A virtual
 * clock only moves when the run loop jumps it to the next timer, so runs
 * under it are instant and deterministic.
 */
#ifndef INTERP_CLOCK_H
#define INTERP_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "expr/err.h"

typedef struct Clock {
  bool is_virtual;
  int64_t now; /* virtual time; unused by a real clock */
} Clock;

/* The system's current UTC time in ticks. */
int64_t clk_system_ticks(void);
/* Monotonic wall time in nanoseconds (for durations of real work). */
int64_t clk_mono_ns(void);

void clk_init_real(Clock *c);
void clk_init_virtual(Clock *c, int64_t start_ticks);
/* Parses "real", "virtual" (starts at the system time, whole seconds) or
 * "virtual=<ISO 8601 time>".  Returns false with *err set (ERR_USAGE). */
bool clk_parse_spec(const char *spec, Clock *out, Err *err);

/* Now, in ticks. */
int64_t clk_now(const Clock *c);
/* Virtual clocks jump forward to 'when' (never backwards); real clocks
 * ignore the call. */
void clk_advance(Clock *c, int64_t when);

/* Parses an ISO 8601 timestamp into UTC ticks.  False when invalid. */
bool clk_parse_time(const char *s, int64_t *out_ticks);
/* Writes "yyyy-MM-ddTHH:mm:ss.fffffffZ" (7 fraction digits) into 'buf'
 * (at least 32 bytes). */
void clk_format(int64_t ticks, char *buf);
/* Parses a .NET TimeSpan "[-][d.]hh:mm:ss[.fffffff]" (also "hh:mm").
 * False when invalid. */
bool clk_parse_timespan(const char *s, int64_t *out_ticks);
/* Formats a duration as "[d.]hh:mm:ss" into 'buf' (at least 32 bytes). */
void clk_format_timespan(int64_t ticks, char *buf);

#endif /* INTERP_CLOCK_H */
