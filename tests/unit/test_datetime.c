/*
 * tests/unit/test_datetime.c -- unit tests for expr/datetime.c
 *
 * Covers the Logic Apps documented examples, every .NET format specifier
 * and custom token, parsing forms, arithmetic edge cases and DST
 * boundaries.  Prints "N passed, N failed" last; non-zero exit on failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr/datetime.h"
#include "expr/tzwin.h"

static int g_pass, g_fail;

static void report(bool ok, int line, const char *what, const char *got,
                   const char *want)
{
  if (ok) {
    g_pass++;
    return;
  }
  g_fail++;
  printf("FAIL line %d: %s\n  got:  %s\n  want: %s\n", line, what,
         got ? got : "(null)", want ? want : "(null)");
}

#define CHECK(cond) report((cond), __LINE__, #cond, "false", "true")

static DateTime parse_or_die(const char *s, int line)
{
  DateTime d = {0, DT_UNSPECIFIED, 0};
  char err[256];
  if (!dt_parse(s, strlen(s), &d, err, sizeof err)) {
    printf("FATAL line %d: cannot parse '%s': %s\n", line, s, err);
    exit(2);
  }
  return d;
}
#define P(s) parse_or_die((s), __LINE__)

/* formatDateTime(input, fmt) */
static void fmt_is(const char *in, const char *fmt, const char *want, int line)
{
  DateTime d = parse_or_die(in, line);
  char err[256] = "";
  char *got = dt_format(&d, fmt, err, sizeof err);
  char what[300];
  snprintf(what, sizeof what, "format('%s', '%s')", in, fmt ? fmt : "(null)");
  report(got && strcmp(got, want) == 0, line, what, got ? got : err, want);
  free(got);
}
#define FMT(in, fmt, want) fmt_is((in), (fmt), (want), __LINE__)

static void fmt_fails(const char *fmt, int line)
{
  DateTime d = parse_or_die("2018-03-05T14:07:09Z", line);
  char err[256] = "";
  char *got = dt_format(&d, fmt, err, sizeof err);
  char what[300];
  snprintf(what, sizeof what, "format with '%s' must fail", fmt);
  report(got == NULL && err[0] != '\0', line, what, got, "(error)");
  free(got);
}
#define FMT_FAILS(fmt) fmt_fails((fmt), __LINE__)

static void parse_fails(const char *in, const char *want_err, int line)
{
  DateTime d;
  char err[256] = "";
  bool ok = dt_parse(in, strlen(in), &d, err, sizeof err);
  char what[300];
  snprintf(what, sizeof what, "parse('%s') must fail", in);
  report(!ok && err[0] && (!want_err || strcmp(err, want_err) == 0), line, what,
         ok ? "(parsed)" : err, want_err ? want_err : "(error)");
}
#define PARSE_FAILS(in) parse_fails((in), NULL, __LINE__)

static void out_is(bool ok, const DateTime *d, const char *fmt, const char *err,
                   const char *want, const char *what, int line)
{
  char ferr[256] = "";
  char *got = ok ? dt_format(d, fmt, ferr, sizeof ferr) : NULL;
  report(got && strcmp(got, want) == 0, line, what, got ? got : err, want);
  free(got);
}

/* addToTime(in, amount, unit, fmt) */
static void add_is(const char *in, int64_t amount, const char *unit,
                   const char *fmt, const char *want, int line)
{
  DateTime d = parse_or_die(in, line), o;
  DtUnit u;
  char err[256] = "no such unit";
  bool ok =
      dt_unit_parse(unit, &u) && dt_add(&d, amount, u, &o, err, sizeof err);
  char what[300];
  snprintf(what, sizeof what, "add('%s', %lld, '%s')", in, (long long)amount,
           unit);
  out_is(ok, &o, fmt, err, want, what, line);
}
#define ADD(in, n, unit, fmt, want)                                            \
  add_is((in), (n), (unit), (fmt), (want), __LINE__)

static void add_fails(const char *in, int64_t amount, const char *unit,
                      int line)
{
  DateTime d = parse_or_die(in, line), o;
  DtUnit u;
  char err[256] = "";
  bool ok =
      dt_unit_parse(unit, &u) && dt_add(&d, amount, u, &o, err, sizeof err);
  char what[300];
  snprintf(what, sizeof what, "add('%s', %lld, '%s') must fail", in,
           (long long)amount, unit);
  report(!ok && strstr(err, "outside the range") != NULL, line, what,
         ok ? "(ok)" : err, "(range error)");
}
#define ADD_FAILS(in, n, unit) add_fails((in), (n), (unit), __LINE__)

static void from_utc_is(const char *in, const char *tz, const char *fmt,
                        const char *want, int line)
{
  DateTime d = parse_or_die(in, line), o;
  char err[256] = "";
  bool ok = dt_convert_from_utc(&d, tz, &o, err, sizeof err);
  char what[300];
  snprintf(what, sizeof what, "convertFromUtc('%s', '%s')", in, tz);
  out_is(ok, &o, fmt, err, want, what, line);
}
#define FROM_UTC(in, tz, fmt, want)                                            \
  from_utc_is((in), (tz), (fmt), (want), __LINE__)

static void to_utc_is(const char *in, const char *tz, const char *want,
                      int line)
{
  DateTime d = parse_or_die(in, line), o;
  char err[256] = "";
  bool ok = dt_convert_to_utc(&d, tz, &o, err, sizeof err);
  char what[300];
  snprintf(what, sizeof what, "convertToUtc('%s', '%s')", in, tz);
  if (want == NULL) {
    report(!ok && strstr(err, "invalid") != NULL, line, what,
           ok ? "(converted)" : err, "(invalid time error)");
    return;
  }
  out_is(ok, &o, "o", err, want, what, line);
}
#define TO_UTC(in, tz, want) to_utc_is((in), (tz), (want), __LINE__)

static void tz_is(const char *in, const char *src, const char *dst,
                  const char *want, int line)
{
  DateTime d = parse_or_die(in, line), o;
  char err[256] = "";
  bool ok = dt_convert_time_zone(&d, src, dst, &o, err, sizeof err);
  char what[300];
  snprintf(what, sizeof what, "convertTimeZone('%s', '%s', '%s')", in, src,
           dst);
  out_is(ok, &o, "o", err, want, what, line);
}
#define CONV(in, src, dst, want) tz_is((in), (src), (dst), (want), __LINE__)

static void start_is(const char *in, int which, const char *want, int line)
{
  DateTime d = parse_or_die(in, line), o;
  if (which == 0)
    dt_start_of_day(&d, &o);
  else if (which == 1)
    dt_start_of_hour(&d, &o);
  else
    dt_start_of_month(&d, &o);
  out_is(true, &o, "o", "", want, "startOf", line);
}
#define START(in, which, want) start_is((in), (which), (want), __LINE__)

static void int_is(long long got, long long want, const char *what, int line)
{
  char g[32], w[32];
  snprintf(g, sizeof g, "%lld", got);
  snprintf(w, sizeof w, "%lld", want);
  report(got == want, line, what, g, w);
}
#define INT(expr, want)                                                        \
  int_is((long long)(expr), (long long)(want), #expr, __LINE__)

static void err_is(const char *got, const char *want, int line)
{
  report(strcmp(got, want) == 0, line, "error message", got, want);
}

/* ------------------------------------------------------------------ */

static void test_documented_examples(void)
{
  ADD("2018-03-15T13:00:00Z", 10, "Day", "o", "2018-03-25T13:00:00.0000000Z");
  ADD("2018-03-15T00:00:00Z", -5, "Day", "o", "2018-03-10T00:00:00.0000000Z");
  ADD("2018-03-15T00:10:00Z", 10, "Minute", "o",
      "2018-03-15T00:20:00.0000000Z");
  ADD("2018-01-01T00:00:00Z", 1, "Day", "o", "2018-01-02T00:00:00.0000000Z");
  ADD("2018-01-01T00:00:00Z", 1, "Day", "D", "Tuesday, January 2, 2018");
  FROM_UTC("2018-01-01T08:00:00.0000000Z", "Pacific Standard Time", "o",
           "2018-01-01T00:00:00.0000000");
  FROM_UTC("2018-01-01T08:00:00.0000000Z", "Pacific Standard Time", "D",
           "Monday, January 1, 2018");
  CONV("2018-01-01T08:00:00.0000000Z", "UTC", "Pacific Standard Time",
       "2018-01-01T00:00:00.0000000");
  TO_UTC("01/01/2018 00:00:00", "Pacific Standard Time",
         "2018-01-01T08:00:00.0000000Z");
  DateTime d = P("2018-03-15T13:27:36Z");
  INT(dt_day_of_month(&d), 15);
  INT(dt_day_of_week(&d), 4);
  INT(dt_day_of_year(&d), 74);
  FMT("03/15/2018 12:00:00", "yyyy-MM-ddTHH:mm:ss", "2018-03-15T12:00:00");
  FMT("03/15/2018", NULL, "2018-03-15T00:00:00.0000000");
  FMT("03/15/2018", "", "2018-03-15T00:00:00.0000000");
  FMT("01/31/2016", "dddd MMMM d", "Sunday January 31");
  START("2018-03-15T13:30:30Z", 0, "2018-03-15T00:00:00.0000000Z");
  START("2018-03-15T13:30:30Z", 1, "2018-03-15T13:00:00.0000000Z");
  START("2018-03-15T13:30:30Z", 2, "2018-03-01T00:00:00.0000000Z");
  ADD("2018-01-02T00:00:00Z", -1, "Day", "o", "2018-01-01T00:00:00.0000000Z");
  ADD("2018-01-02T00:00:00Z", -1, "Day", "D", "Monday, January 1, 2018");
  DateTime now =
      dt_from_unix_ns(INT64_C(1523797200) * 1000000000); /* 2018-04-15T13:00Z */
  char *s = dt_format(&now, "D", NULL, 0);
  report(s && strcmp(s, "Sunday, April 15, 2018") == 0, __LINE__, "utcNow('D')",
         s, "Sunday, April 15, 2018");
  free(s);
  d = P("2018-01-01T00:00:00Z");
  INT(dt_ticks(&d), INT64_C(636503616000000000));
}

static void test_standard_formats(void)
{
  const char *u = "2018-03-05T14:07:09.1234567Z";
  const char *n = "2018-03-05T14:07:09.1234567";
  const char *o = "2018-03-05T14:07:09.1234567+05:30";
  FMT(u, "d", "3/5/2018");
  FMT(u, "D", "Monday, March 5, 2018");
  FMT(u, "f", "Monday, March 5, 2018 2:07 PM");
  FMT(u, "F", "Monday, March 5, 2018 2:07:09 PM");
  FMT(u, "g", "3/5/2018 2:07 PM");
  FMT(u, "G", "3/5/2018 2:07:09 PM");
  FMT(u, "m", "March 5");
  FMT(u, "M", "March 5");
  FMT(u, "o", "2018-03-05T14:07:09.1234567Z");
  FMT(u, "O", "2018-03-05T14:07:09.1234567Z");
  FMT(n, "o", "2018-03-05T14:07:09.1234567");
  FMT(o, "o", "2018-03-05T14:07:09.1234567+05:30");
  FMT("2018-03-05T14:07:09-08:00", "o", "2018-03-05T14:07:09.0000000-08:00");
  FMT(u, "r", "Mon, 05 Mar 2018 14:07:09 GMT");
  FMT(u, "R", "Mon, 05 Mar 2018 14:07:09 GMT");
  FMT(o, "R", "Mon, 05 Mar 2018 08:37:09 GMT");
  FMT(n, "R", "Mon, 05 Mar 2018 14:07:09 GMT");
  FMT(u, "s", "2018-03-05T14:07:09");
  FMT(o, "s", "2018-03-05T14:07:09");
  FMT(u, "t", "2:07 PM");
  FMT(u, "T", "2:07:09 PM");
  FMT(u, "u", "2018-03-05 14:07:09Z");
  FMT(o, "u", "2018-03-05 08:37:09Z");
  FMT(u, "U", "Monday, March 5, 2018 2:07:09 PM");
  FMT(o, "U", "Monday, March 5, 2018 8:37:09 AM");
  FMT(u, "y", "March 2018");
  FMT(u, "Y", "March 2018");
  FMT("2018-03-05T00:00:00Z", "t", "12:00 AM");
  FMT("2018-03-05T12:00:00Z", "T", "12:00:00 PM");
  FMT("2018-01-01T02:00:00+05:00", "u", "2017-12-31 21:00:00Z");
  FMT_FAILS("Q");
  FMT_FAILS("H");
  FMT_FAILS("x");
  FMT_FAILS("K");
}

static void test_custom_formats(void)
{
  const char *u = "2018-03-05T14:07:09.1234567Z";
  FMT(u, "yyyy yyy yy y", "2018 2018 18 18");
  FMT("2005-01-01", "yy|y|yyyyy", "05|5|02005");
  FMT("0009-01-01", "yyyy|yyy|yy|y", "0009|009|09|9");
  FMT(u, "MMMM MMM MM M", "March Mar 03 3");
  FMT("2018-12-25", "MMMMM|MMM", "December|Dec");
  FMT(u, "dddd ddd dd d", "Monday Mon 05 5");
  FMT("2018-03-17", "dddd|ddd", "Saturday|Sat");
  FMT(u, "HH H hh h", "14 14 02 2");
  FMT("2018-03-05T00:05:00", "HH H hh h hhh", "00 0 12 12 12");
  FMT("2018-03-05T12:05:00", "hh tt", "12 PM");
  FMT(u, "mm m", "07 7");
  FMT(u, "ss s", "09 9");
  FMT(u, "HHH:mmm:sss", "14:07:09");
  FMT(u, "%f", "1");
  FMT(u, "ff", "12");
  FMT(u, "fff", "123");
  FMT(u, "ffff", "1234");
  FMT(u, "fffff", "12345");
  FMT(u, "ffffff", "123456");
  FMT(u, "fffffff", "1234567");
  FMT("2018-03-05T14:07:09.0500000Z", "fff", "050");
  FMT("2018-03-05T14:07:09.1200000Z", "%F", "1");
  FMT("2018-03-05T14:07:09.1200000Z", "FF", "12");
  FMT("2018-03-05T14:07:09.1200000Z", "FFF", "12");
  FMT("2018-03-05T14:07:09.1200000Z", "FFFF", "12");
  FMT("2018-03-05T14:07:09.1200000Z", "FFFFF", "12");
  FMT("2018-03-05T14:07:09.1200000Z", "FFFFFF", "12");
  FMT("2018-03-05T14:07:09.1200000Z", "FFFFFFF", "12");
  FMT(u, "FFFFFFF", "1234567");
  FMT("2018-03-05T14:07:09Z", "ss.FFF", "09");
  FMT("2018-03-05T14:07:09.0000001Z", "ss.FFF|ss.FFFFFFF", "09|09.0000001");
  FMT_FAILS("ffffffff");
  FMT_FAILS("FFFFFFFF");
  FMT(u, "tt t", "PM P");
  FMT("2018-03-05T09:00:00", "tt t", "AM A");
  FMT(u, "HH:mmK", "14:07Z");
  FMT("2018-03-05T14:07:00", "HH:mmK", "14:07");
  FMT("2018-03-05T14:07:00-03:30", "HH:mmK", "14:07-03:30");
  FMT(u, "HHKK", "14ZZ");
  FMT("2018-03-05T14:07:00+05:30", "z|zz|zzz", "+5|+05|+05:30");
  FMT("2018-03-05T14:07:00-08:00", "z|zz|zzz|zzzz", "-8|-08|-08:00|-08:00");
  FMT(u, "z|zz|zzz", "+0|+00|+00:00");
  FMT("2018-03-05T14:07:00", "zzz", "+00:00");
  FMT(u, "'yyyy' \"MM\" \\d", "yyyy MM d");
  FMT(u, "'it''s'", "its");
  FMT(u, "'a\\'b'", "a'b");
  FMT(u, "%d", "5");
  FMT(u, "%M", "3");
  FMT(u, "%H", "14");
  FMT(u, "%y", "18");
  FMT(u, "%K", "Z");
  FMT(u, "HH:mm MM/dd", "14:07 03/05");
  FMT(u, "yyyy-MM-ddTHH", "2018-03-05T14");
  FMT(u, "[yyyy] @ # ,", "[2018] @ # ,");
  FMT(u, "gg", "A.D.");
  FMT(u, "ddd, dd MMM yyyy", "Mon, 05 Mar 2018");
  FMT_FAILS("'abc");
  FMT_FAILS("\"abc");
  FMT_FAILS("yyyy\\");
  FMT_FAILS("%%");
  FMT_FAILS("yyyy%");
}

static void test_parse(void)
{
  DateTime d = P("2018-03-15");
  CHECK(d.kind == DT_UNSPECIFIED);
  FMT("2018-03-15", "o", "2018-03-15T00:00:00.0000000");
  FMT("2018-3-5", "o", "2018-03-05T00:00:00.0000000");
  FMT("2018/03/15", "o", "2018-03-15T00:00:00.0000000");
  d = P("2018-03-15T13:27:36Z");
  CHECK(d.kind == DT_UTC);
  FMT("2018-03-15T13:27:36z", "o", "2018-03-15T13:27:36.0000000Z");
  FMT("2018-03-15 13:27:36", "o", "2018-03-15T13:27:36.0000000");
  FMT("2018-03-15T13:27", "o", "2018-03-15T13:27:00.0000000");
  FMT("2018-03-15T13:27:36.1Z", "o", "2018-03-15T13:27:36.1000000Z");
  FMT("2018-03-15T13:27:36.1234567Z", "o", "2018-03-15T13:27:36.1234567Z");
  FMT("2018-03-15T13:27:36.123456789Z", "o", "2018-03-15T13:27:36.1234567Z");
  FMT("2018-03-15T13:27:36.99999999Z", "o", "2018-03-15T13:27:36.9999999Z");
  d = P("2018-03-15T13:27:36.5+02:00");
  CHECK(d.kind == DT_OFFSET && d.offset_min == 120);
  FMT("2018-03-15T13:27:36.5+02:00", "o", "2018-03-15T13:27:36.5000000+02:00");
  FMT("2018-03-15T13:27:36+0530", "o", "2018-03-15T13:27:36.0000000+05:30");
  FMT("2018-03-15T13:27:36-08", "o", "2018-03-15T13:27:36.0000000-08:00");
  FMT("2018-03-15T13:27:36+14:00", "o", "2018-03-15T13:27:36.0000000+14:00");
  FMT("  2018-03-15T00:00:00Z \n", "o", "2018-03-15T00:00:00.0000000Z");
  FMT("03/15/2018", "o", "2018-03-15T00:00:00.0000000");
  FMT("3/5/2018 1:05:09 PM", "o", "2018-03-05T13:05:09.0000000");
  FMT("3/5/2018 12:00:00 AM", "o", "2018-03-05T00:00:00.0000000");
  FMT("3/5/2018 12:30 pm", "o", "2018-03-05T12:30:00.0000000");
  FMT("3/5/2018 11:59:59 PM", "o", "2018-03-05T23:59:59.0000000");
  FMT("03/15/2018 23:10:00", "o", "2018-03-15T23:10:00.0000000");
  d = P("Mon, 15 Jan 2018 10:00:00 GMT");
  CHECK(d.kind == DT_UTC);
  FMT("Mon, 15 Jan 2018 10:00:00 GMT", "o", "2018-01-15T10:00:00.0000000Z");
  FMT("15 Jan 2018 10:00:00 GMT", "o", "2018-01-15T10:00:00.0000000Z");
  FMT("Monday, 15 January 2018 10:00:00 GMT", "o",
      "2018-01-15T10:00:00.0000000Z");
  FMT("2016-02-29", "o", "2016-02-29T00:00:00.0000000");
  FMT("2000-02-29", "o", "2000-02-29T00:00:00.0000000");
  FMT("9999-12-31T23:59:59.9999999", "o", "9999-12-31T23:59:59.9999999");
  FMT("0001-01-01T00:00:00Z", "o", "0001-01-01T00:00:00.0000000Z");
  parse_fails("2018-13-45", "the string '2018-13-45' is not a valid timestamp",
              __LINE__);
  PARSE_FAILS("2018-02-29");
  PARSE_FAILS("1900-02-29");
  PARSE_FAILS("2018-04-31");
  PARSE_FAILS("2018-03-15T24:00:00");
  PARSE_FAILS("2018-03-15T12:60:00");
  PARSE_FAILS("2018-03-15T12:00:60");
  PARSE_FAILS("2018-03-15T12:00:00.");
  PARSE_FAILS("2018-03-15T10:00:00Zjunk");
  PARSE_FAILS("2018-03-15T10:00:00+15:00");
  PARSE_FAILS("2018-03-15T10:00:00+05:60");
  PARSE_FAILS("0000-01-01");
  PARSE_FAILS("0001-01-01T00:00:00+01:00");
  PARSE_FAILS("9999-12-31T23:00:00-02:00");
  PARSE_FAILS("3/5/2018 13:00 PM");
  PARSE_FAILS("Tue, 15 Jan 2018 10:00:00 GMT");
  PARSE_FAILS("abc");
  PARSE_FAILS("");
  PARSE_FAILS("   ");
  PARSE_FAILS("2018");
  PARSE_FAILS("13/01/2018");
  char err[256];
  CHECK(!dt_parse("bad\nvalue", 9, &d, err, sizeof err) &&
        strchr(err, '\n') == NULL);
  /* length-delimited input: not NUL-terminated */
  const char buf[] = "2018-03-15T00:00:00Zxyz";
  CHECK(dt_parse(buf, 20, &d, err, sizeof err) && d.kind == DT_UTC);
}

static void test_arithmetic(void)
{
  ADD("2018-01-31T10:00:00Z", 1, "Month", "o", "2018-02-28T10:00:00.0000000Z");
  ADD("2016-01-31", 1, "Month", "o", "2016-02-29T00:00:00.0000000");
  ADD("2018-03-31", -1, "Month", "o", "2018-02-28T00:00:00.0000000");
  ADD("2018-05-31", 1, "Month", "o", "2018-06-30T00:00:00.0000000");
  ADD("2018-12-15", 1, "Month", "o", "2019-01-15T00:00:00.0000000");
  ADD("2018-01-15", -1, "Month", "o", "2017-12-15T00:00:00.0000000");
  ADD("2018-01-15", -25, "Month", "o", "2015-12-15T00:00:00.0000000");
  ADD("2016-02-29", 1, "Year", "o", "2017-02-28T00:00:00.0000000");
  ADD("2016-02-29", 4, "Year", "o", "2020-02-29T00:00:00.0000000");
  ADD("2016-02-29", -100, "Year", "o", "1916-02-29T00:00:00.0000000");
  ADD("2017-02-28", 1, "Day", "o", "2017-03-01T00:00:00.0000000");
  ADD("2016-02-28", 1, "Day", "o", "2016-02-29T00:00:00.0000000");
  ADD("2018-03-15T00:00:00Z", 2, "Week", "o", "2018-03-29T00:00:00.0000000Z");
  ADD("2018-03-15T23:00:00Z", 90, "Minute", "o",
      "2018-03-16T00:30:00.0000000Z");
  ADD("2018-03-15T23:00:00Z", 3600, "Second", "o",
      "2018-03-16T00:00:00.0000000Z");
  ADD("2018-03-15T23:00:00Z", -24, "Hour", "o", "2018-03-14T23:00:00.0000000Z");
  ADD("2018-03-15T23:00:00+02:00", 1, "Hour", "o",
      "2018-03-16T00:00:00.0000000+02:00");
  ADD("2018-03-15T00:00:00Z", 1, "day", "o", "2018-03-16T00:00:00.0000000Z");
  ADD("2018-03-15T00:00:00Z", 1, "SECOND", "o", "2018-03-15T00:00:01.0000000Z");
  ADD("9999-12-31T00:00:00", 1, "Hour", "o", "9999-12-31T01:00:00.0000000");
  ADD_FAILS("9999-12-31T00:00:00", 1, "Day");
  ADD_FAILS("0001-01-01T00:00:00", -1, "Second");
  ADD_FAILS("9999-12-01", 1, "Month");
  ADD_FAILS("0001-06-01", -1, "Year");
  ADD_FAILS("2018-01-01", INT64_MAX, "Second");
  ADD_FAILS("2018-01-01", INT64_MIN, "Week");
  ADD_FAILS("2018-01-01", INT64_MIN, "Month");
  ADD_FAILS("2018-01-01", INT64_MAX, "Year");
  ADD_FAILS("9999-12-31T21:00:00-02:00", 1, "Hour");
  DtUnit un;
  CHECK(dt_unit_parse("Minute", &un) && un == DT_MINUTE);
  CHECK(dt_unit_parse("WEEK", &un) && un == DT_WEEK);
  CHECK(dt_unit_parse("year", &un) && un == DT_YEAR);
  CHECK(!dt_unit_parse("Days", &un));
  CHECK(!dt_unit_parse("Fortnight", &un));
  CHECK(!dt_unit_parse("", &un));
  DateTime d = P("2018-03-15T00:00:00Z"), o;
  char err[256];
  CHECK(dt_add_ticks(&d, 1, &o, err, sizeof err) && o.ticks == d.ticks + 1);
  CHECK(!dt_add_ticks(&d, DT_MAX_TICKS, &o, err, sizeof err));
  CHECK(!dt_add_ticks(&d, INT64_MIN, &o, err, sizeof err));
  err_is(err,
         "the resulting timestamp is outside the range of valid dates "
         "(0001-01-01 to 9999-12-31)",
         __LINE__);
}

static void test_start_of_and_fields(void)
{
  START("2018-03-15T13:30:30.5+05:30", 0, "2018-03-15T00:00:00.0000000+05:30");
  START("2018-03-15T13:30:30.5", 1, "2018-03-15T13:00:00.0000000");
  START("2016-02-29T23:59:59.9999999Z", 2, "2016-02-01T00:00:00.0000000Z");
  START("2018-12-31T23:59:59Z", 2, "2018-12-01T00:00:00.0000000Z");
  DateTime d = P("2016-12-31");
  INT(dt_day_of_year(&d), 366);
  d = P("2018-12-31");
  INT(dt_day_of_year(&d), 365);
  d = P("2018-01-01");
  INT(dt_day_of_year(&d), 1);
  INT(dt_day_of_week(&d), 1);
  d = P("0001-01-01");
  INT(dt_day_of_week(&d), 1);
  INT(dt_ticks(&d), 0);
  d = P("2018-03-17");
  INT(dt_day_of_week(&d), 6);
  d = P("2018-03-18");
  INT(dt_day_of_week(&d), 0);
  d = P("2018-03-14T23:00:00-05:00"); /* wall clock is used for the day
                                         functions */
  INT(dt_day_of_month(&d), 14);
  d = P("9999-12-31T23:59:59.9999999");
  INT(dt_ticks(&d), DT_MAX_TICKS);
  d = P("2018-01-01T02:00:00+02:00");
  INT(dt_ticks(&d), INT64_C(636503616000000000));
  d = P("1970-01-01T00:00:00Z");
  INT(dt_ticks(&d), DT_UNIX_EPOCH_TICKS);
  DateTime e = dt_from_unix_ns(0);
  CHECK(e.kind == DT_UTC && e.ticks == DT_UNIX_EPOCH_TICKS);
  e = dt_from_unix_ns(-150);
  INT(e.ticks, DT_UNIX_EPOCH_TICKS - 2);
  d = P("2024-02-29T13:45:59.0000042");
  int y, mo, da, h, mi, s, t;
  dt_fields(&d, &y, &mo, &da, &h, &mi, &s, &t);
  CHECK(y == 2024 && mo == 2 && da == 29 && h == 13 && mi == 45 && s == 59 &&
        t == 42);
  DateTime u;
  dt_as_utc(&d, &u);
  CHECK(u.kind == DT_UTC && u.ticks == d.ticks);
  d = P("2018-01-01T02:00:00+02:00");
  dt_as_utc(&d, &u);
  FMT("2018-01-01T02:00:00+02:00", "o", "2018-01-01T02:00:00.0000000+02:00");
  char *str = dt_format(&u, "o", NULL, 0);
  report(str && strcmp(str, "2018-01-01T00:00:00.0000000Z") == 0, __LINE__,
         "dt_as_utc", str, "2018-01-01T00:00:00.0000000Z");
  free(str);
}

static void test_time_zones(void)
{
  const char *pst = "Pacific Standard Time", *wet = "W. Europe Standard Time";
  /* Pacific 2018: DST 2018-03-11 10:00Z .. 2018-11-04 09:00Z */
  FROM_UTC("2018-03-11T09:59:59Z", pst, "s", "2018-03-11T01:59:59");
  FROM_UTC("2018-03-11T10:00:00Z", pst, "s", "2018-03-11T03:00:00");
  FROM_UTC("2018-11-04T08:59:59Z", pst, "s", "2018-11-04T01:59:59");
  FROM_UTC("2018-11-04T09:00:00Z", pst, "s", "2018-11-04T01:00:00");
  FROM_UTC("2018-07-01T12:00:00Z", pst, "o", "2018-07-01T05:00:00.0000000");
  TO_UTC("2018-03-11T01:59:59", pst, "2018-03-11T09:59:59.0000000Z");
  TO_UTC("2018-03-11T02:30:00", pst, NULL);
  TO_UTC("2018-03-11T03:00:00", pst, "2018-03-11T10:00:00.0000000Z");
  TO_UTC("2018-11-04T00:59:59", pst, "2018-11-04T07:59:59.0000000Z");
  TO_UTC("2018-11-04T01:30:00", pst,
         "2018-11-04T09:30:00.0000000Z"); /* ambiguous: standard */
  TO_UTC("2018-11-04T02:00:00", pst, "2018-11-04T10:00:00.0000000Z");
  /* Pacific 2024: DST 2024-03-10 10:00Z .. 2024-11-03 09:00Z */
  FROM_UTC("2024-03-10T09:59:59Z", pst, "s", "2024-03-10T01:59:59");
  FROM_UTC("2024-03-10T10:00:00Z", pst, "s", "2024-03-10T03:00:00");
  FROM_UTC("2024-11-03T08:59:59Z", pst, "s", "2024-11-03T01:59:59");
  FROM_UTC("2024-11-03T09:00:00Z", pst, "s", "2024-11-03T01:00:00");
  TO_UTC("2024-03-10T02:00:00", pst, NULL);
  TO_UTC("2024-03-10T02:59:59.9999999", pst, NULL);
  TO_UTC("2024-03-10T03:00:00", pst, "2024-03-10T10:00:00.0000000Z");
  TO_UTC("2024-11-03T01:00:00", pst, "2024-11-03T09:00:00.0000000Z");
  TO_UTC("2024-11-03T00:30:00", pst, "2024-11-03T07:30:00.0000000Z");
  /* Berlin 2018: DST 2018-03-25 01:00Z .. 2018-10-28 01:00Z */
  FROM_UTC("2018-03-25T00:59:59Z", wet, "s", "2018-03-25T01:59:59");
  FROM_UTC("2018-03-25T01:00:00Z", wet, "s", "2018-03-25T03:00:00");
  FROM_UTC("2018-10-28T00:59:59Z", wet, "s", "2018-10-28T02:59:59");
  FROM_UTC("2018-10-28T01:00:00Z", wet, "s", "2018-10-28T02:00:00");
  TO_UTC("2018-03-25T02:30:00", wet, NULL);
  TO_UTC("2018-03-25T03:00:00", wet, "2018-03-25T01:00:00.0000000Z");
  TO_UTC("2018-10-28T02:30:00", wet,
         "2018-10-28T01:30:00.0000000Z"); /* ambiguous: CET */
  TO_UTC("2018-10-28T01:59:59", wet, "2018-10-27T23:59:59.0000000Z");
  /* Berlin 2024: DST 2024-03-31 01:00Z .. 2024-10-27 01:00Z */
  FROM_UTC("2024-03-31T00:59:59Z", wet, "s", "2024-03-31T01:59:59");
  FROM_UTC("2024-03-31T01:00:00Z", wet, "s", "2024-03-31T03:00:00");
  FROM_UTC("2024-10-27T00:59:59Z", wet, "s", "2024-10-27T02:59:59");
  FROM_UTC("2024-10-27T01:00:00Z", wet, "s", "2024-10-27T02:00:00");
  TO_UTC("2024-03-31T02:15:00", wet, NULL);
  TO_UTC("2024-10-27T02:00:00", wet, "2024-10-27T01:00:00.0000000Z");
  TO_UTC("2024-07-01T12:00:00", wet, "2024-07-01T10:00:00.0000000Z");
  /* beyond the TZif table: POSIX footer rules */
  FROM_UTC("2100-03-14T09:59:59Z", pst, "s", "2100-03-14T01:59:59");
  FROM_UTC("2100-03-14T10:00:00Z", pst, "s", "2100-03-14T03:00:00");
  FROM_UTC("2100-10-31T00:59:59Z", wet, "s", "2100-10-31T02:59:59");
  FROM_UTC("2100-10-31T01:00:00Z", wet, "s", "2100-10-31T02:00:00");
  FROM_UTC("9999-12-31T12:00:00Z", "AUS Eastern Standard Time", "s",
           "9999-12-31T23:00:00");
  TO_UTC("2100-03-14T02:30:00", pst, NULL);
  FROM_UTC("2099-01-01T00:00:00Z", "New Zealand Standard Time", "s",
           "2099-01-01T13:00:00");
  /* other zones, names and kinds */
  FROM_UTC("2018-06-01T00:00:00Z", "India Standard Time", "o",
           "2018-06-01T05:30:00.0000000");
  FROM_UTC("2018-06-01T00:00:00Z", "Tokyo Standard Time", "s",
           "2018-06-01T09:00:00");
  FROM_UTC("2018-06-01T00:00:00Z", "GMT Standard Time", "s",
           "2018-06-01T01:00:00");
  FROM_UTC("2018-01-01T00:00:00Z", "GMT Standard Time", "s",
           "2018-01-01T00:00:00");
  FROM_UTC("2018-06-01T00:00:00Z", "Nepal Standard Time", "s",
           "2018-06-01T05:45:00");
  FROM_UTC("2018-06-01T00:00:00Z", "pacific standard time", "s",
           "2018-05-31T17:00:00");
  FROM_UTC("2018-06-01T00:00:00Z", "America/Los_Angeles", "s",
           "2018-05-31T17:00:00");
  FROM_UTC("2018-06-01T00:00:00Z", "america/los_angeles", "s",
           "2018-05-31T17:00:00");
  FROM_UTC("2018-06-01T00:00:00Z", "Asia/Kolkata", "s", "2018-06-01T05:30:00");
  FROM_UTC("2018-06-01T00:00:00Z", "UTC", "o", "2018-06-01T00:00:00.0000000Z");
  FROM_UTC("2018-06-01T00:00:00", pst, "o", "2018-05-31T17:00:00.0000000");
  FROM_UTC("2018-06-01T02:00:00+02:00", pst, "o",
           "2018-05-31T17:00:00.0000000");
  FROM_UTC("2018-06-01T00:00:00Z", "Etc/UTC", "o",
           "2018-06-01T00:00:00.0000000");
  TO_UTC("2018-06-01T00:00:00Z", pst, "2018-06-01T00:00:00.0000000Z");
  TO_UTC("2018-06-01T00:00:00+02:00", pst, "2018-05-31T22:00:00.0000000Z");
  TO_UTC("2018-06-01T05:30:00", "India Standard Time",
         "2018-06-01T00:00:00.0000000Z");
  CONV("2018-01-01T00:00:00", pst, "UTC", "2018-01-01T08:00:00.0000000Z");
  CONV("2018-07-01T00:00:00", pst, wet, "2018-07-01T09:00:00.0000000");
  CONV("2018-07-01T09:00:00", wet, "Tokyo Standard Time",
       "2018-07-01T16:00:00.0000000");
  CONV("2018-07-01T00:00:00+09:00", pst, wet, "2018-06-30T17:00:00.0000000");
  DateTime d = P("0001-01-01T02:00:00Z"), o;
  char err[256];
  CHECK(!dt_convert_from_utc(&d, pst, &o, err, sizeof err) &&
        strstr(err, "outside the range"));
  d = P("2018-01-01T00:00:00Z");
  CHECK(!dt_convert_from_utc(&d, "Mars Standard Time", &o, err, sizeof err));
  err_is(err,
         "the time zone 'Mars Standard Time' is not a known Windows or IANA "
         "time zone",
         __LINE__);
  CHECK(!dt_convert_to_utc(&d, "../../etc/passwd", &o, err, sizeof err));
  CHECK(!dt_convert_to_utc(&d, "/usr/share/zoneinfo/UTC", &o, err, sizeof err));
  CHECK(!dt_convert_to_utc(&d, "America", &o, err, sizeof err));
  CHECK(!dt_convert_to_utc(&d, "zone.tab", &o, err, sizeof err));
  CHECK(!dt_convert_time_zone(&d, "", pst, &o, err, sizeof err));
  CHECK(!dt_convert_time_zone(&d, pst, "Nowhere/Nothing", &o, err, sizeof err));
  d = P("2018-03-11T02:30:00");
  CHECK(!dt_convert_to_utc(&d, pst, &o, err, sizeof err));
  err_is(err,
         "the supplied time '2018-03-11T02:30:00' is invalid in time zone "
         "'Pacific Standard "
         "Time' (it falls in a daylight-saving gap)",
         __LINE__);
  /* every Windows ID in the table resolves to a loadable zone */
  size_t bad = 0;
  d = P("2024-06-01T00:00:00Z");
  for (size_t i = 0; i < dt_tzwin_count(); i++)
    if (!dt_convert_from_utc(&d, dt_tzwin_id(i), &o, err, sizeof err)) {
      printf("  cannot load %s: %s\n", dt_tzwin_id(i), err);
      bad++;
    }
  CHECK(bad == 0 && dt_tzwin_count() >= 130);
  const char *alt = NULL;
  CHECK(dt_tzwin_lookup("india standard time", &alt) != NULL && alt &&
        strcmp(alt, "Asia/Kolkata") == 0);
  CHECK(dt_tzwin_lookup("Nowhere Standard Time", NULL) == NULL);
  /* ADFRUN_ZONEINFO override: an empty directory knows no zone but the built-in
   * UTC */
  dt_cache_free();
  setenv("ADFRUN_ZONEINFO", "/nonexistent-zoneinfo-dir", 1);
  CHECK(!dt_convert_from_utc(&d, pst, &o, err, sizeof err) &&
        strstr(err, "zoneinfo"));
  CHECK(dt_convert_from_utc(&d, "UTC", &o, err, sizeof err) &&
        o.kind == DT_UTC);
  unsetenv("ADFRUN_ZONEINFO");
  dt_cache_free();
  CHECK(dt_convert_from_utc(&d, pst, &o, err, sizeof err));
}

int main(void)
{
  test_documented_examples();
  test_standard_formats();
  test_custom_formats();
  test_parse();
  test_arithmetic();
  test_start_of_and_fields();
  test_time_zones();
  dt_cache_free();
  printf("%d passed, %d failed\n", g_pass, g_fail);
  return g_fail ? 1 : 0;
}
