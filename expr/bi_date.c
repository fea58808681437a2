/*
 * expr/bi_date.c -- ADF date functions on top of expr/datetime.h
 *
 * Timestamps are strings in and strings out; all parsing, arithmetic,
 * time-zone conversion and formatting is datetime.c's (.NET semantics).
 * This file only checks arguments and turns datetime.c's one-line
 * reasons into ADF messages.  "Now" is the run's clock (eval_now_ticks).
 */
#include <stdio.h>
#include <stdlib.h>

#include "expr/bi_impl.h"
#include "expr/datetime.h"

/* ---- Helpers ---------------------------------------------------------- */

static Value *invalid(EvalCtx *cx, const char *why, Err *err)
{
  return bi_fail(cx, err,
                 "The function '%s' was invoked with a parameter that is not "
                 "valid: %s",
                 eval_fn_name(cx), why);
}

/* Parses argument i as a timestamp. */
static bool arg_time(EvalCtx *cx, Value *const *argv, int i, DateTime *out,
                     Err *err)
{
  char why[256];

  if (!bi_want_string(cx, argv, i, err))
    return false;
  if (!dt_parse(val_str(argv[i]), val_strlen(argv[i]), out, why, sizeof why)) {
    invalid(cx, why, err);
    return false;
  }
  return true;
}

/* Formats 'dt' with the optional format argument i (absent: "o"). */
static Value *emit(EvalCtx *cx, Value *const *argv, int argc, int i,
                   const DateTime *dt, Err *err)
{
  const char *fmt;
  char why[256];
  char *s;
  Value *v;

  if (!bi_opt_string(cx, argv, argc, i, &fmt, err))
    return NULL;
  s = dt_format(dt, fmt, why, sizeof why);
  if (!s)
    return invalid(cx, why, err);
  v = val_cstr(s);
  free(s);
  return v;
}

static bool arg_unit(EvalCtx *cx, Value *const *argv, int i, DtUnit *out,
                     Err *err)
{
  char why[200];

  if (!bi_want_string(cx, argv, i, err))
    return false;
  if (dt_unit_parse(val_str(argv[i]), out))
    return true;
  snprintf(why, sizeof why,
           "the time unit '%.100s' is not one of 'Second', 'Minute', "
           "'Hour', 'Day', 'Week', 'Month', 'Year'",
           val_str(argv[i]));
  invalid(cx, why, err);
  return false;
}

/* ts + amount units, formatted with argument fmt_i. */
static Value *shift(EvalCtx *cx, Value *const *argv, int argc,
                    const DateTime *base, int64_t amount, DtUnit unit,
                    int fmt_i, Err *err)
{
  DateTime r;
  char why[256];

  if (!dt_add(base, amount, unit, &r, why, sizeof why))
    return invalid(cx, why, err);
  return emit(cx, argv, argc, fmt_i, &r, err);
}

/* addDays & co: (timestamp, amount, format?). */
static Value *add_unit(EvalCtx *cx, Value *const *argv, int argc, DtUnit unit,
                       Err *err)
{
  DateTime t;
  int64_t k;

  if (!arg_time(cx, argv, 0, &t, err) || !bi_want_int(cx, argv, 1, &k, err))
    return NULL;
  return shift(cx, argv, argc, &t, k, unit, 2, err);
}

/* The run's "now" as a UTC DateTime. */
static DateTime now_utc(EvalCtx *cx)
{
  DateTime t;

  t.ticks = eval_now_ticks(cx);
  t.kind = DT_UTC;
  t.offset_min = 0;
  return t;
}

/* ---- Arithmetic ------------------------------------------------------- */

BI_FN(bi_add_days)
{
  return add_unit(cx, argv, argc, DT_DAY, err);
}

BI_FN(bi_add_hours)
{
  return add_unit(cx, argv, argc, DT_HOUR, err);
}

BI_FN(bi_add_minutes)
{
  return add_unit(cx, argv, argc, DT_MINUTE, err);
}

BI_FN(bi_add_seconds)
{
  return add_unit(cx, argv, argc, DT_SECOND, err);
}

/* addToTime/subtractFromTime: (timestamp, interval, timeUnit, format?). */
static Value *add_to_time(EvalCtx *cx, Value *const *argv, int argc, int sign,
                          Err *err)
{
  DateTime t;
  int64_t k;
  DtUnit u;

  if (!arg_time(cx, argv, 0, &t, err) || !bi_want_int(cx, argv, 1, &k, err) ||
      !arg_unit(cx, argv, 2, &u, err))
    return NULL;
  if (k == INT64_MIN)
    return invalid(cx, "the interval is out of range", err);
  return shift(cx, argv, argc, &t, sign * k, u, 3, err);
}

BI_FN(bi_add_to_time)
{
  return add_to_time(cx, argv, argc, 1, err);
}

BI_FN(bi_subtract_from_time)
{
  return add_to_time(cx, argv, argc, -1, err);
}

/* getFutureTime/getPastTime: (interval, timeUnit, format?) from now. */
static Value *from_now(EvalCtx *cx, Value *const *argv, int argc, int sign,
                       Err *err)
{
  DateTime t;
  int64_t k;
  DtUnit u;

  if (!bi_want_int(cx, argv, 0, &k, err) || !arg_unit(cx, argv, 1, &u, err))
    return NULL;
  if (k == INT64_MIN)
    return invalid(cx, "the interval is out of range", err);
  t = now_utc(cx);
  return shift(cx, argv, argc, &t, sign * k, u, 2, err);
}

BI_FN(bi_get_future_time)
{
  return from_now(cx, argv, argc, 1, err);
}

BI_FN(bi_get_past_time)
{
  return from_now(cx, argv, argc, -1, err);
}

BI_FN(bi_utc_now)
{
  DateTime t = now_utc(cx);

  return emit(cx, argv, argc, 0, &t, err);
}

BI_FN(bi_format_date_time)
{
  DateTime t;

  if (!arg_time(cx, argv, 0, &t, err))
    return NULL;
  return emit(cx, argv, argc, 1, &t, err);
}

/* ---- Truncation and fields -------------------------------------------- */

static Value *start_of(EvalCtx *cx, Value *const *argv, int argc,
                       void (*fn)(const DateTime *, DateTime *), Err *err)
{
  DateTime t, r;

  if (!arg_time(cx, argv, 0, &t, err))
    return NULL;
  fn(&t, &r);
  return emit(cx, argv, argc, 1, &r, err);
}

BI_FN(bi_start_of_day)
{
  return start_of(cx, argv, argc, dt_start_of_day, err);
}

BI_FN(bi_start_of_hour)
{
  return start_of(cx, argv, argc, dt_start_of_hour, err);
}

BI_FN(bi_start_of_month)
{
  return start_of(cx, argv, argc, dt_start_of_month, err);
}

static Value *field(EvalCtx *cx, Value *const *argv,
                    int (*fn)(const DateTime *), Err *err)
{
  DateTime t;

  if (!arg_time(cx, argv, 0, &t, err))
    return NULL;
  return val_int(fn(&t));
}

BI_FN(bi_day_of_month)
{
  (void)argc;
  return field(cx, argv, dt_day_of_month, err);
}

BI_FN(bi_day_of_week)
{
  (void)argc;
  return field(cx, argv, dt_day_of_week, err);
}

BI_FN(bi_day_of_year)
{
  (void)argc;
  return field(cx, argv, dt_day_of_year, err);
}

BI_FN(bi_ticks)
{
  DateTime t;

  (void)argc;
  if (!arg_time(cx, argv, 0, &t, err))
    return NULL;
  return val_int(dt_ticks(&t));
}

/* ---- Time zones ------------------------------------------------------- */

BI_FN(bi_convert_from_utc)
{
  DateTime t, r;
  char why[256];

  if (!arg_time(cx, argv, 0, &t, err) || !bi_want_string(cx, argv, 1, err))
    return NULL;
  if (!dt_convert_from_utc(&t, val_str(argv[1]), &r, why, sizeof why))
    return invalid(cx, why, err);
  return emit(cx, argv, argc, 2, &r, err);
}

BI_FN(bi_convert_to_utc)
{
  DateTime t, r;
  char why[256];

  if (!arg_time(cx, argv, 0, &t, err) || !bi_want_string(cx, argv, 1, err))
    return NULL;
  if (!dt_convert_to_utc(&t, val_str(argv[1]), &r, why, sizeof why))
    return invalid(cx, why, err);
  return emit(cx, argv, argc, 2, &r, err);
}

BI_FN(bi_convert_time_zone)
{
  DateTime t, r;
  char why[256];

  if (!arg_time(cx, argv, 0, &t, err) || !bi_want_string(cx, argv, 1, err) ||
      !bi_want_string(cx, argv, 2, err))
    return NULL;
  if (!dt_convert_time_zone(&t, val_str(argv[1]), val_str(argv[2]), &r, why,
                            sizeof why))
    return invalid(cx, why, err);
  return emit(cx, argv, argc, 3, &r, err);
}
