/*
 * interp/clock.c -- real and virtual clocks, timestamps and timespans
 *
 * Conversions go through expr/datetime.h for parsing; formatting of the
 * report's 7-digit timestamps is done here by hand because the report
 * writes two of them per activity run and must stay cheap.
 */
#include "interp/clock.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "expr/datetime.h"

int64_t clk_system_ticks(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_REALTIME, &ts);
  return DT_UNIX_EPOCH_TICKS + (int64_t)ts.tv_sec * DT_TICKS_PER_SECOND +
         ts.tv_nsec / 100;
}

int64_t clk_mono_ns(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void clk_init_real(Clock *c)
{
  c->is_virtual = false;
  c->now = 0;
}

void clk_init_virtual(Clock *c, int64_t start_ticks)
{
  c->is_virtual = true;
  c->now = start_ticks;
}

bool clk_parse_spec(const char *spec, Clock *out, Err *err)
{
  int64_t t;

  if (strcmp(spec, "real") == 0) {
    clk_init_real(out);
    return true;
  }
  if (strcmp(spec, "virtual") == 0) {
    t = clk_system_ticks();
    clk_init_virtual(out, t - t % DT_TICKS_PER_SECOND);
    return true;
  }
  if (strncmp(spec, "virtual=", 8) == 0) {
    if (!clk_parse_time(spec + 8, &t))
      return err_set(err, ERR_USAGE, NULL,
                     "--clock: '%s' is not an ISO 8601 time", spec + 8);
    clk_init_virtual(out, t);
    return true;
  }
  return err_set(err, ERR_USAGE, NULL,
                 "--clock: expected real, virtual or virtual=<time>, got '%s'",
                 spec);
}

int64_t clk_now(const Clock *c)
{
  return c->is_virtual ? c->now : clk_system_ticks();
}

void clk_advance(Clock *c, int64_t when)
{
  if (c->is_virtual && when > c->now)
    c->now = when;
}

bool clk_parse_time(const char *s, int64_t *out_ticks)
{
  DateTime dt, utc;
  char eb[128];

  if (!dt_parse(s, strlen(s), &dt, eb, sizeof(eb)))
    return false;
  dt_as_utc(&dt, &utc);
  *out_ticks = utc.ticks;
  return true;
}

void clk_format(int64_t ticks, char *buf)
{
  DateTime dt = {.ticks = ticks, .kind = DT_UTC, .offset_min = 0};
  int y, mo, d, h, mi, s, frac;

  if (ticks < 0)
    ticks = 0;
  dt.ticks = ticks;
  dt_fields(&dt, &y, &mo, &d, &h, &mi, &s, &frac);
  snprintf(buf, 32, "%04d-%02d-%02dT%02d:%02d:%02d.%07dZ", y, mo, d, h, mi, s,
           frac);
}

/* Reads 1+ digits; false when none. */
static bool digits(const char **p, int64_t *out, int *n_digits)
{
  int64_t v = 0;
  int n = 0;

  while (isdigit((unsigned char)**p)) {
    if (v > 100000000000LL)
      return false;
    v = v * 10 + (**p - '0');
    (*p)++;
    n++;
  }
  *out = v;
  if (n_digits)
    *n_digits = n;
  return n > 0;
}

/* .NET TimeSpan.MaxValue is 10675199.02:48:05.4775807: more days cannot
 * be expressed in 100 ns ticks of an int64. */
#define TIMESPAN_MAX_DAYS 10675198LL

bool clk_parse_timespan(const char *s, int64_t *out_ticks)
{
  const char *p = s;
  int64_t a, b, c = 0, d = 0, frac = 0;
  int nd = 0;
  bool neg = false;

  while (isspace((unsigned char)*p))
    p++;
  if (*p == '-') {
    neg = true;
    p++;
  }
  if (!digits(&p, &a, NULL))
    return false;
  if (*p == '.') { /* days */
    p++;
    d = a;
    if (!digits(&p, &a, NULL))
      return false;
  }
  if (*p != ':') {
    if (*p || d)
      return false;
    if (a > TIMESPAN_MAX_DAYS)
      return false;
    /* a bare number is days, as .NET TimeSpan.Parse("3") */
    *out_ticks = (neg ? -1 : 1) * a * 86400 * DT_TICKS_PER_SECOND;
    return true;
  }
  p++;
  if (!digits(&p, &b, NULL))
    return false;
  if (*p == ':') {
    p++;
    if (!digits(&p, &c, NULL))
      return false;
    if (*p == '.') {
      const char *f = ++p;
      if (!digits(&p, &frac, &nd) || nd > 7)
        return false;
      (void)f;
      while (nd++ < 7)
        frac *= 10;
    }
  }
  while (isspace((unsigned char)*p))
    p++;
  if (*p || a > 23 || b > 59 || c > 59 || d > TIMESPAN_MAX_DAYS)
    return false;
  *out_ticks = (neg ? -1 : 1) * (((d * 24 + a) * 60 + b) * 60 + c) *
                   DT_TICKS_PER_SECOND +
               frac;
  return true;
}

void clk_format_timespan(int64_t ticks, char *buf)
{
  int64_t s = ticks / DT_TICKS_PER_SECOND;
  int64_t d = s / 86400;

  s %= 86400;
  if (d)
    snprintf(buf, 32, "%lld.%02lld:%02lld:%02lld", (long long)d,
             (long long)(s / 3600), (long long)(s / 60 % 60),
             (long long)(s % 60));
  else
    snprintf(buf, 32, "%02lld:%02lld:%02lld", (long long)(s / 3600),
             (long long)(s / 60 % 60), (long long)(s % 60));
}
