/* expr/datetime.c -- .NET-compatible date/time parsing, formatting, arithmetic
 * and time zones Implements expr/datetime.h for the ADF (Logic Apps) date
 * functions: .NET DateTime semantics with the classic NLS en-US culture.
 * Time-zone rules come from TZif v1/v2+ files (64-bit section plus the POSIX TZ
 * footer for dates past the table) read from /usr/share/zoneinfo or
 * $ADFRUN_ZONEINFO; the process TZ/tzset/localtime are never touched. Loaded
 * zones are cached in a small static list freed by dt_cache_free().
 */
#include "expr/datetime.h"

#include <ctype.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "expr/tzwin.h"

#define TPS DT_TICKS_PER_SECOND
#define TPM (INT64_C(60) * TPS)
#define TPH (INT64_C(3600) * TPS)
#define TPD DT_TICKS_PER_DAY
#define UNIX_EPOCH_DAYS                                                        \
  INT64_C(719162) /* days from 0001-01-01 to 1970-01-01                        \
                   */
#define MAX_OFFSET_MIN (14 * 60)

#if defined(__GNUC__)
#define DT_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define DT_PRINTF(a, b)
#endif

/* ---------------------------------------------------------------- errors */

static void set_err(char *errbuf, size_t errlen, const char *fmt, ...)
    DT_PRINTF(3, 4);

static void set_err(char *errbuf, size_t errlen, const char *fmt, ...)
{
  if (!errbuf || errlen == 0)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(errbuf, errlen, fmt, ap);
  va_end(ap);
}

/* Copies user text for quoting in a one-line message: control chars become '?',
   long text is cut with "...". */
static void quote_user(const char *s, size_t len, char *buf, size_t buflen)
{
  size_t o = 0;
  const size_t limit = 80;
  for (size_t i = 0; i < len && o + 4 < buflen; i++) {
    if (i == limit) {
      memcpy(buf + o, "...", 3);
      o += 3;
      break;
    }
    unsigned char c = (unsigned char)s[i];
    buf[o++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
  }
  buf[o] = '\0';
}

static void *xmalloc(size_t n)
{
  void *p = malloc(n ? n : 1);
  if (!p)
    abort();
  return p;
}

static void *xrealloc(void *p, size_t n)
{
  void *q = realloc(p, n ? n : 1);
  if (!q)
    abort();
  return q;
}

/* ---------------------------------------------------------------- calendar */

static const char *const MONTH_NAMES[12] = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};
static const char *const DAY_NAMES[7] = {"Sunday",    "Monday",   "Tuesday",
                                         "Wednesday", "Thursday", "Friday",
                                         "Saturday"};
static const int CUM_DAYS[13] = {0,   31,  59,  90,  120, 151, 181,
                                 212, 243, 273, 304, 334, 365};

static bool is_leap(int64_t y)
{
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int64_t y, int m)
{
  return CUM_DAYS[m] - CUM_DAYS[m - 1] + (m == 2 && is_leap(y) ? 1 : 0);
}

/* Days from 0001-01-01 to y-m-d (proleptic Gregorian, y >= 1). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
  int64_t py = y - 1;
  return py * 365 + py / 4 - py / 100 + py / 400 + CUM_DAYS[m - 1] +
         (m > 2 && is_leap(y)) + d - 1;
}

/* Inverse of days_from_civil for days >= 0; yday is 0-based. */
static void civil_from_days(int64_t days, int64_t *y, int *m, int *d, int *yday)
{
  int64_t n400 = days / 146097, r = days % 146097;
  int64_t n100 = r / 36524;
  if (n100 == 4)
    n100 = 3;
  r -= n100 * 36524;
  int64_t n4 = r / 1461;
  r -= n4 * 1461;
  int64_t n1 = r / 365;
  if (n1 == 4)
    n1 = 3;
  r -= n1 * 365;
  int64_t year = n400 * 400 + n100 * 100 + n4 * 4 + n1 + 1;
  int leap = is_leap(year) ? 1 : 0;
  int month = 1;
  while (month < 12 && r >= CUM_DAYS[month] + (month >= 2 ? leap : 0))
    month++;
  if (y)
    *y = year;
  if (m)
    *m = month;
  if (d)
    *d = (int)(r - CUM_DAYS[month - 1] - (month > 2 ? leap : 0)) + 1;
  if (yday)
    *yday = (int)r;
}

static int64_t floor_div(int64_t a, int64_t b)
{
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0)))
    q--;
  return q;
}

void dt_fields(const DateTime *dt, int *year, int *month, int *day, int *hour,
               int *min, int *sec, int *ticks_in_sec)
{
  int64_t days = dt->ticks / TPD, rem = dt->ticks % TPD, y;
  int m, d;
  civil_from_days(days, &y, &m, &d, NULL);
  if (year)
    *year = (int)y;
  if (month)
    *month = m;
  if (day)
    *day = d;
  if (hour)
    *hour = (int)(rem / TPH);
  if (min)
    *min = (int)(rem % TPH / TPM);
  if (sec)
    *sec = (int)(rem % TPM / TPS);
  if (ticks_in_sec)
    *ticks_in_sec = (int)(rem % TPS);
}

int dt_day_of_week(const DateTime *dt)
{
  return (int)((dt->ticks / TPD + 1) % 7);
}

int dt_day_of_month(const DateTime *dt)
{
  int d;
  civil_from_days(dt->ticks / TPD, NULL, NULL, &d, NULL);
  return d;
}

int dt_day_of_year(const DateTime *dt)
{
  int yd;
  civil_from_days(dt->ticks / TPD, NULL, NULL, NULL, &yd);
  return yd + 1;
}

static int64_t utc_ticks_of(const DateTime *dt)
{
  return dt->kind == DT_OFFSET ? dt->ticks - (int64_t)dt->offset_min * TPM
                               : dt->ticks;
}

int64_t dt_ticks(const DateTime *dt)
{
  return utc_ticks_of(dt);
}

void dt_as_utc(const DateTime *in, DateTime *out)
{
  DateTime r = {utc_ticks_of(in), DT_UTC, 0};
  *out = r;
}

DateTime dt_from_unix_ns(int64_t ns_since_epoch)
{
  DateTime r = {DT_UNIX_EPOCH_TICKS + floor_div(ns_since_epoch, 100), DT_UTC,
                0};
  if (r.ticks < 0)
    r.ticks = 0;
  if (r.ticks > DT_MAX_TICKS)
    r.ticks = DT_MAX_TICKS;
  return r;
}

/* ---------------------------------------------------------------- arithmetic
 */

static bool range_ok(int64_t ticks, DtKind kind, int offset_min)
{
  if (ticks < 0 || ticks > DT_MAX_TICKS)
    return false;
  if (kind == DT_OFFSET) {
    int64_t u = ticks - (int64_t)offset_min * TPM;
    if (u < 0 || u > DT_MAX_TICKS)
      return false;
  }
  return true;
}

static bool range_error(char *errbuf, size_t errlen)
{
  set_err(errbuf, errlen,
          "the resulting timestamp is outside the range of valid dates "
          "(0001-01-01 to 9999-12-31)");
  return false;
}

bool dt_add_ticks(const DateTime *in, int64_t ticks, DateTime *out,
                  char *errbuf, size_t errlen)
{
  /* in->ticks is within [0, DT_MAX_TICKS], so these comparisons cannot overflow
   */
  if ((ticks > 0 && ticks > DT_MAX_TICKS - in->ticks) ||
      (ticks < 0 && ticks < -in->ticks))
    return range_error(errbuf, errlen);
  DateTime r = *in;
  r.ticks += ticks;
  if (!range_ok(r.ticks, r.kind, r.offset_min))
    return range_error(errbuf, errlen);
  *out = r;
  return true;
}

static bool add_months(const DateTime *in, int64_t months, DateTime *out,
                       char *errbuf, size_t errlen)
{
  if (months > 120000 || months < -120000)
    return range_error(errbuf, errlen);
  int64_t y;
  int m, d;
  civil_from_days(in->ticks / TPD, &y, &m, &d, NULL);
  int64_t idx = y * 12 + (m - 1) + months;
  int64_t ny = floor_div(idx, 12);
  int nm = (int)(idx - ny * 12) + 1;
  if (ny < 1 || ny > 9999)
    return range_error(errbuf, errlen);
  int dim = days_in_month(ny, nm);
  if (d > dim)
    d = dim;
  DateTime r = *in;
  r.ticks = days_from_civil(ny, nm, d) * TPD + in->ticks % TPD;
  if (!range_ok(r.ticks, r.kind, r.offset_min))
    return range_error(errbuf, errlen);
  *out = r;
  return true;
}

bool dt_add(const DateTime *in, int64_t amount, DtUnit unit, DateTime *out,
            char *errbuf, size_t errlen)
{
  int64_t mult;
  switch (unit) {
  case DT_SECOND:
    mult = TPS;
    break;
  case DT_MINUTE:
    mult = TPM;
    break;
  case DT_HOUR:
    mult = TPH;
    break;
  case DT_DAY:
    mult = TPD;
    break;
  case DT_WEEK:
    mult = 7 * TPD;
    break;
  case DT_MONTH:
    return add_months(in, amount, out, errbuf, errlen);
  case DT_YEAR:
    if (amount > 10000 || amount < -10000)
      return range_error(errbuf, errlen);
    return add_months(in, amount * 12, out, errbuf, errlen);
  default:
    set_err(errbuf, errlen, "unknown time unit");
    return false;
  }
  if (amount > DT_MAX_TICKS / mult || amount < -(DT_MAX_TICKS / mult))
    return range_error(errbuf, errlen);
  return dt_add_ticks(in, amount * mult, out, errbuf, errlen);
}

bool dt_unit_parse(const char *name, DtUnit *out)
{
  static const char *const names[] = {"second", "minute", "hour", "day",
                                      "week",   "month",  "year"};
  static const DtUnit units[] = {DT_SECOND, DT_MINUTE, DT_HOUR, DT_DAY,
                                 DT_WEEK,   DT_MONTH,  DT_YEAR};
  if (!name)
    return false;
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    if (strcasecmp(name, names[i]) == 0) {
      *out = units[i];
      return true;
    }
  }
  return false;
}

void dt_start_of_day(const DateTime *in, DateTime *out)
{
  *out = *in;
  out->ticks -= in->ticks % TPD;
}

void dt_start_of_hour(const DateTime *in, DateTime *out)
{
  *out = *in;
  out->ticks -= in->ticks % TPH;
}

void dt_start_of_month(const DateTime *in, DateTime *out)
{
  *out = *in;
  int d = dt_day_of_month(in);
  out->ticks = in->ticks - in->ticks % TPD - (int64_t)(d - 1) * TPD;
}

/* ---------------------------------------------------------------- parsing */

typedef struct Cur {
  const char *p, *end;
} Cur;

static int cur_peek(const Cur *c)
{
  return c->p < c->end ? (unsigned char)*c->p : -1;
}

static bool cur_eat(Cur *c, char ch)
{
  if (c->p < c->end && *c->p == ch) {
    c->p++;
    return true;
  }
  return false;
}

static size_t skip_spaces(Cur *c)
{
  size_t n = 0;
  while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
    c->p++, n++;
  return n;
}

/* Reads between min and max decimal digits; returns the count read, or -1. */
static int read_num(Cur *c, int min, int max, int64_t *val)
{
  int n = 0;
  int64_t v = 0;
  while (n < max && c->p < c->end && *c->p >= '0' && *c->p <= '9') {
    v = v * 10 + (*c->p - '0');
    c->p++, n++;
  }
  if (n < min)
    return -1;
  *val = v;
  return n;
}

/* Matches a month or day name: the 3-letter abbreviation or the full name, any
   case. Returns the index or -1. */
static int read_name(Cur *c, const char *const *names, int count)
{
  size_t avail = (size_t)(c->end - c->p);
  for (int i = 0; i < count; i++) {
    size_t full = strlen(names[i]);
    if (avail >= full && strncasecmp(c->p, names[i], full) == 0) {
      c->p += full;
      return i;
    }
  }
  for (int i = 0; i < count; i++) {
    if (avail >= 3 && strncasecmp(c->p, names[i], 3) == 0 &&
        !(avail > 3 && isalpha((unsigned char)c->p[3]))) {
      c->p += 3;
      return i;
    }
  }
  return -1;
}

typedef struct Parsed {
  int64_t year;
  int64_t month, day, hour, min, sec, frac; /* frac in ticks */
  int ampm;                                 /* 0 none, 1 AM, 2 PM */
  DtKind kind;
  int offset_min;
  int dow; /* -1 when not given */
} Parsed;

/* H:mm[:ss[.fffffff]] */
static bool parse_time(Cur *c, Parsed *pr)
{
  if (read_num(c, 1, 2, &pr->hour) < 0 || !cur_eat(c, ':') ||
      read_num(c, 2, 2, &pr->min) < 0)
    return false;
  if (cur_eat(c, ':')) {
    if (read_num(c, 2, 2, &pr->sec) < 0)
      return false;
    if (cur_eat(c, '.')) {
      /* .NET keeps 7 digits (100 ns); further digits are truncated */
      int n = 0;
      int64_t f = 0;
      while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
        if (n < 7)
          f = f * 10 + (*c->p - '0');
        c->p++, n++;
      }
      if (n == 0)
        return false;
      for (int i = n; i < 7; i++)
        f *= 10;
      pr->frac = f;
    }
  }
  return true;
}

/* Optional " AM"/" PM" designator. */
static void parse_ampm(Cur *c, Parsed *pr)
{
  Cur save = *c;
  skip_spaces(c);
  if (c->end - c->p >= 2 && (c->p[1] == 'M' || c->p[1] == 'm') &&
      !(c->end - c->p > 2 && isalpha((unsigned char)c->p[2]))) {
    if (c->p[0] == 'A' || c->p[0] == 'a')
      pr->ampm = 1;
    if (c->p[0] == 'P' || c->p[0] == 'p')
      pr->ampm = 2;
    if (pr->ampm) {
      c->p += 2;
      return;
    }
  }
  *c = save;
}

/* Optional zone: Z, GMT, UTC, +hh, +hh:mm, +hhmm (also after a space). */
static bool parse_zone(Cur *c, Parsed *pr)
{
  Cur save = *c;
  skip_spaces(c);
  int ch = cur_peek(c);
  if (ch == 'Z' || ch == 'z') {
    c->p++;
    pr->kind = DT_UTC;
    return true;
  }
  if (c->end - c->p >= 3 &&
      (strncasecmp(c->p, "GMT", 3) == 0 || strncasecmp(c->p, "UTC", 3) == 0)) {
    c->p += 3;
    pr->kind = DT_UTC;
    return true;
  }
  if (ch == '+' || ch == '-') {
    c->p++;
    int64_t hh, mm = 0;
    int n = read_num(c, 1, 4, &hh);
    if (n < 0)
      return false;
    if (n == 3)
      return false;
    if (n == 4) {
      mm = hh % 100;
      hh /= 100;
    } else if (cur_eat(c, ':')) {
      if (read_num(c, 2, 2, &mm) < 0)
        return false;
    }
    if (mm > 59 || hh * 60 + mm > MAX_OFFSET_MIN)
      return false;
    pr->kind = DT_OFFSET;
    pr->offset_min = (int)((ch == '-' ? -1 : 1) * (hh * 60 + mm));
    return true;
  }
  *c = save;
  return true;
}

/* [ddd[,]] d MMM yyyy H:mm[:ss] [GMT] */
static bool parse_rfc(Cur *c, Parsed *pr)
{
  if (isalpha(cur_peek(c))) {
    pr->dow = read_name(c, DAY_NAMES, 7);
    if (pr->dow < 0)
      return false;
    cur_eat(c, ',');
    if (skip_spaces(c) == 0)
      return false;
  }
  if (read_num(c, 1, 2, &pr->day) < 0 || skip_spaces(c) == 0)
    return false;
  int m = read_name(c, MONTH_NAMES, 12);
  if (m < 0 || skip_spaces(c) == 0)
    return false;
  pr->month = m + 1;
  if (read_num(c, 4, 4, &pr->year) < 0)
    return false;
  if (skip_spaces(c) > 0 && c->p < c->end) {
    if (!parse_time(c, pr))
      return false;
  }
  return parse_zone(c, pr);
}

bool dt_parse(const char *s, size_t len, DateTime *out, char *errbuf,
              size_t errlen)
{
  Cur c = {s, s + len};
  while (c.p < c.end && isspace((unsigned char)*c.p))
    c.p++;
  while (c.end > c.p && isspace((unsigned char)c.end[-1]))
    c.end--;
  Parsed pr;
  memset(&pr, 0, sizeof pr);
  pr.kind = DT_UNSPECIFIED;
  pr.dow = -1;
  bool ok = false;
  int64_t first;
  Cur save = c;
  int n = read_num(&c, 1, 4, &first);
  if (c.p == c.end && n >= 0) {
    ok = false; /* a bare number is not a timestamp */
  } else if (n < 0 || (n <= 2 && cur_peek(&c) == ' ')) {
    c = save;
    ok = parse_rfc(&c, &pr);
  } else {
    char sep = (char)cur_peek(&c);
    if (n == 4 && (sep == '-' || sep == '/')) { /* yyyy-MM-dd or yyyy/M/d */
      c.p++;
      pr.year = first;
      ok = read_num(&c, 1, 2, &pr.month) > 0 && cur_eat(&c, sep) &&
           read_num(&c, 1, 2, &pr.day) > 0;
    } else if (n <= 2 && sep == '/') { /* M/d/yyyy */
      c.p++;
      pr.month = first;
      ok = read_num(&c, 1, 2, &pr.day) > 0 && cur_eat(&c, '/') &&
           read_num(&c, 4, 4, &pr.year) > 0;
    }
    if (ok && c.p < c.end) {
      if (cur_eat(&c, 'T') || cur_eat(&c, 't') || skip_spaces(&c) > 0) {
        ok = parse_time(&c, &pr);
        if (ok)
          parse_ampm(&c, &pr);
        if (ok)
          ok = parse_zone(&c, &pr);
      } else {
        ok = parse_zone(&c, &pr);
      }
    }
  }
  if (ok && c.p != c.end)
    ok = false;
  if (ok && pr.ampm) {
    if (pr.hour > 12)
      ok = false;
    else if (pr.ampm == 1 && pr.hour == 12)
      pr.hour = 0;
    else if (pr.ampm == 2 && pr.hour < 12)
      pr.hour += 12;
  }
  if (ok) {
    ok = pr.year >= 1 && pr.year <= 9999 && pr.month >= 1 && pr.month <= 12 &&
         pr.day >= 1 && pr.day <= days_in_month(pr.year, (int)pr.month) &&
         pr.hour <= 23 && pr.min <= 59 && pr.sec <= 59;
  }
  int64_t ticks = 0;
  if (ok) {
    int64_t days = days_from_civil(pr.year, (int)pr.month, (int)pr.day);
    ticks = days * TPD + pr.hour * TPH + pr.min * TPM + pr.sec * TPS + pr.frac;
    if (pr.dow >= 0 && pr.dow != (int)((days + 1) % 7))
      ok = false;
    if (ok)
      ok = range_ok(ticks, pr.kind, pr.offset_min);
  }
  if (!ok) {
    char q[100];
    quote_user(s, len, q, sizeof q);
    set_err(errbuf, errlen, "the string '%s' is not a valid timestamp", q);
    return false;
  }
  out->ticks = ticks;
  out->kind = pr.kind;
  out->offset_min = pr.kind == DT_OFFSET ? pr.offset_min : 0;
  return true;
}

/* ---------------------------------------------------------------- formatting
 */

typedef struct Buf {
  char *p;
  size_t len, cap;
} Buf;

static void buf_put(Buf *b, const char *s, size_t n)
{
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 64;
    while (b->len + n + 1 > cap)
      cap *= 2;
    b->p = xrealloc(b->p, cap);
    b->cap = cap;
  }
  memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
}

static void buf_str(Buf *b, const char *s)
{
  buf_put(b, s, strlen(s));
}

static void buf_ch(Buf *b, char ch)
{
  buf_put(b, &ch, 1);
}

/* Appends v zero-padded to at least width digits (v >= 0). */
static void buf_num(Buf *b, int64_t v, int width)
{
  char tmp[32];
  int n = snprintf(tmp, sizeof tmp, "%0*lld", width, (long long)v);
  buf_put(b, tmp, (size_t)n);
}

/* Appends "+hh:mm"-style offsets: style 1 "+h", 2 "+hh", 3 "+hh:mm". */
static void buf_offset(Buf *b, int offset_min, int style)
{
  int a = offset_min < 0 ? -offset_min : offset_min;
  buf_ch(b, offset_min < 0 ? '-' : '+');
  buf_num(b, a / 60, style == 1 ? 1 : 2);
  if (style == 3) {
    buf_ch(b, ':');
    buf_num(b, a % 60, 2);
  }
}

typedef struct Fields {
  int year, month, day, hour, min, sec, frac, dow;
} Fields;

static size_t repeat_len(const char *f, size_t i)
{
  size_t n = 1;
  while (f[i + n] == f[i])
    n++;
  return n;
}

/* Formats with a .NET custom pattern. Returns false on FormatException
 * conditions. */
static bool format_custom(const DateTime *dt, const Fields *fl, const char *f,
                          Buf *b)
{
  size_t i = 0;
  while (f[i]) {
    char ch = f[i];
    size_t n = repeat_len(f, i);
    switch (ch) {
    case 'y':
      if (n <= 2)
        buf_num(b, fl->year % 100, (int)n);
      else
        buf_num(b, fl->year, n > 20 ? 20 : (int)n);
      break;
    case 'M':
      if (n <= 2)
        buf_num(b, fl->month, (int)n);
      else if (n == 3)
        buf_put(b, MONTH_NAMES[fl->month - 1], 3);
      else
        buf_str(b, MONTH_NAMES[fl->month - 1]);
      break;
    case 'd':
      if (n <= 2)
        buf_num(b, fl->day, (int)n);
      else if (n == 3)
        buf_put(b, DAY_NAMES[fl->dow], 3);
      else
        buf_str(b, DAY_NAMES[fl->dow]);
      break;
    case 'h': {
      int h12 = fl->hour % 12;
      buf_num(b, h12 == 0 ? 12 : h12, n >= 2 ? 2 : 1);
      break;
    }
    case 'H':
      buf_num(b, fl->hour, n >= 2 ? 2 : 1);
      break;
    case 'm':
      buf_num(b, fl->min, n >= 2 ? 2 : 1);
      break;
    case 's':
      buf_num(b, fl->sec, n >= 2 ? 2 : 1);
      break;
    case 'f':
    case 'F': {
      if (n > 7)
        return false;
      int64_t div = 1;
      for (size_t k = n; k < 7; k++)
        div *= 10;
      int64_t v = fl->frac / div;
      int width = (int)n;
      if (ch == 'F') {
        while (width > 0 && v % 10 == 0)
          v /= 10, width--;
        if (width == 0) {
          if (b->len > 0 && b->p[b->len - 1] == '.')
            b->p[--b->len] = '\0';
          break;
        }
      }
      buf_num(b, v, width);
      break;
    }
    case 't':
      if (n == 1)
        buf_ch(b, fl->hour < 12 ? 'A' : 'P');
      else
        buf_str(b, fl->hour < 12 ? "AM" : "PM");
      break;
    case 'g':
      buf_str(b, "A.D.");
      break;
    case 'K':
      n = 1;
      if (dt->kind == DT_UTC)
        buf_ch(b, 'Z');
      else if (dt->kind == DT_OFFSET)
        buf_offset(b, dt->offset_min, 3);
      break;
    case 'z':
      /* unspecified values use the host offset in .NET; Azure hosts run on UTC
       */
      buf_offset(b, dt->kind == DT_OFFSET ? dt->offset_min : 0,
                 n >= 3 ? 3 : (int)n);
      break;
    case ':':
    case '/':
      n = 1;
      buf_ch(b, ch);
      break;
    case '\'':
    case '"': {
      size_t k = i + 1;
      for (;;) {
        if (!f[k])
          return false; /* unterminated quote */
        if (f[k] == ch)
          break;
        if (f[k] == '\\') {
          if (!f[k + 1])
            return false;
          k++;
        }
        buf_ch(b, f[k]);
        k++;
      }
      n = k - i + 1;
      break;
    }
    case '\\':
      if (!f[i + 1])
        return false;
      buf_ch(b, f[i + 1]);
      n = 2;
      break;
    case '%': {
      char one[2] = {f[i + 1], '\0'};
      if (!one[0] || one[0] == '%')
        return false;
      if (!format_custom(dt, fl, one, b))
        return false;
      n = 2;
      break;
    }
    default:
      n = 1;
      buf_ch(b, ch);
      break;
    }
    i += n;
  }
  return true;
}

/* en-US (NLS) expansion of the standard one-letter specifiers; NULL if not one.
 */
static const char *standard_pattern(char c, bool *to_utc)
{
  *to_utc = false;
  switch (c) {
  case 'd':
    return "M/d/yyyy";
  case 'D':
    return "dddd, MMMM d, yyyy";
  case 'f':
    return "dddd, MMMM d, yyyy h:mm tt";
  case 'F':
    return "dddd, MMMM d, yyyy h:mm:ss tt";
  case 'g':
    return "M/d/yyyy h:mm tt";
  case 'G':
    return "M/d/yyyy h:mm:ss tt";
  case 'm':
  case 'M':
    return "MMMM d";
  case 'o':
  case 'O':
    return "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK";
  case 'r':
  case 'R':
    *to_utc = true;
    return "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'";
  case 's':
    return "yyyy'-'MM'-'dd'T'HH':'mm':'ss";
  case 't':
    return "h:mm tt";
  case 'T':
    return "h:mm:ss tt";
  case 'u':
    *to_utc = true;
    return "yyyy'-'MM'-'dd HH':'mm':'ss'Z'";
  case 'U':
    *to_utc = true;
    return "dddd, MMMM d, yyyy h:mm:ss tt";
  case 'y':
  case 'Y':
    return "MMMM yyyy";
  default:
    return NULL;
  }
}

char *dt_format(const DateTime *dt, const char *fmt, char *errbuf,
                size_t errlen)
{
  if (!fmt || !*fmt)
    fmt = "o";
  DateTime v = *dt;
  const char *pattern = fmt;
  if (fmt[1] == '\0') {
    bool to_utc;
    pattern = standard_pattern(fmt[0], &to_utc);
    if (!pattern) {
      char q[100];
      quote_user(fmt, strlen(fmt), q, sizeof q);
      set_err(errbuf, errlen,
              "the format string '%s' is not a valid standard date/time format "
              "specifier",
              q);
      return NULL;
    }
    if (to_utc && v.kind == DT_OFFSET)
      dt_as_utc(&v, &v);
  }
  Fields fl;
  dt_fields(&v, &fl.year, &fl.month, &fl.day, &fl.hour, &fl.min, &fl.sec,
            &fl.frac);
  fl.dow = dt_day_of_week(&v);
  Buf b = {NULL, 0, 0};
  buf_put(&b, "", 0);
  if (!format_custom(&v, &fl, pattern, &b)) {
    free(b.p);
    char q[100];
    quote_user(fmt, strlen(fmt), q, sizeof q);
    set_err(errbuf, errlen,
            "the format string '%s' is not a valid date/time format", q);
    return NULL;
  }
  return b.p;
}

/* ---------------------------------------------------------------- time zones
 */

typedef struct TzType {
  int32_t utoff; /* seconds east of UTC */
  bool isdst;
} TzType;

typedef struct PosixRule {
  char kind;   /* 'J' (1..365, no Feb 29), 'N' (0..365), 'M' (month.week.day) */
  int a, b, c; /* J/N: a = day; M: a = month, b = week, c = weekday */
  int32_t time; /* seconds after local midnight, may be negative or > 24h */
} PosixRule;

typedef struct PosixTz {
  bool valid, has_dst;
  int32_t std_off, dst_off; /* seconds east of UTC */
  PosixRule start, end;
} PosixTz;

typedef struct Zone {
  char *key; /* lower-cased name as requested */
  bool is_utc_id;
  int64_t *times; /* transition instants, Unix seconds, ascending */
  uint8_t *idx;   /* type index per transition */
  TzType *types;
  size_t ntimes, ntypes;
  PosixTz footer;
  struct Zone *next;
} Zone;

static Zone *zone_cache;

static void zone_free(Zone *z)
{
  if (!z)
    return;
  free(z->key);
  free(z->times);
  free(z->idx);
  free(z->types);
  free(z);
}

void dt_cache_free(void)
{
  while (zone_cache) {
    Zone *n = zone_cache->next;
    zone_free(zone_cache);
    zone_cache = n;
  }
}

/* --- POSIX TZ string (RFC 8536 section 3.3 footer) */

static bool posix_num(const char **s, int max_digits, int *v)
{
  int n = 0, x = 0;
  while (n < max_digits && **s >= '0' && **s <= '9')
    x = x * 10 + (*(*s)++ - '0'), n++;
  *v = x;
  return n > 0;
}

/* [+-]hh[:mm[:ss]] -> seconds; hours up to 167 (RFC 8536 extension). */
static bool posix_time(const char **s, int32_t *out)
{
  int sign = 1, h, m = 0, sec = 0;
  if (**s == '+' || **s == '-')
    sign = (*(*s)++ == '-') ? -1 : 1;
  if (!posix_num(s, 3, &h) || h > 167)
    return false;
  if (**s == ':') {
    (*s)++;
    if (!posix_num(s, 2, &m) || m > 59)
      return false;
    if (**s == ':') {
      (*s)++;
      if (!posix_num(s, 2, &sec) || sec > 59)
        return false;
    }
  }
  *out = sign * (h * 3600 + m * 60 + sec);
  return true;
}

static bool posix_name(const char **s)
{
  const char *p = *s;
  if (*p == '<') {
    while (*p && *p != '>')
      p++;
    if (*p != '>')
      return false;
    *s = p + 1;
    return true;
  }
  while (isalpha((unsigned char)*p))
    p++;
  if (p - *s < 3)
    return false;
  *s = p;
  return true;
}

static bool posix_rule(const char **s, PosixRule *r)
{
  r->time = 7200;
  if (**s == 'J') {
    (*s)++;
    r->kind = 'J';
    if (!posix_num(s, 3, &r->a) || r->a < 1 || r->a > 365)
      return false;
  } else if (**s == 'M') {
    (*s)++;
    r->kind = 'M';
    if (!posix_num(s, 2, &r->a) || r->a < 1 || r->a > 12 || *(*s)++ != '.')
      return false;
    if (!posix_num(s, 1, &r->b) || r->b < 1 || r->b > 5 || *(*s)++ != '.')
      return false;
    if (!posix_num(s, 1, &r->c) || r->c > 6)
      return false;
  } else {
    r->kind = 'N';
    if (!posix_num(s, 3, &r->a) || r->a > 365)
      return false;
  }
  if (**s == '/') {
    (*s)++;
    if (!posix_time(s, &r->time))
      return false;
  }
  return true;
}

static bool parse_posix_tz(const char *s, PosixTz *tz)
{
  memset(tz, 0, sizeof *tz);
  int32_t off;
  if (!posix_name(&s) || !posix_time(&s, &off))
    return false;
  tz->std_off = -off;
  if (*s == '\0') {
    tz->valid = true;
    return true;
  }
  if (!posix_name(&s))
    return false;
  tz->has_dst = true;
  tz->dst_off = tz->std_off + 3600;
  if (*s && *s != ',') {
    if (!posix_time(&s, &off))
      return false;
    tz->dst_off = -off;
  }
  if (*s == ',') {
    s++;
    if (!posix_rule(&s, &tz->start) || *s++ != ',' || !posix_rule(&s, &tz->end))
      return false;
  } else { /* POSIX default: US rules */
    PosixRule st = {'M', 3, 2, 0, 7200}, en = {'M', 11, 1, 0, 7200};
    tz->start = st;
    tz->end = en;
  }
  if (*s != '\0')
    return false;
  tz->valid = true;
  return true;
}

/* Local seconds (relative to the local epoch) at which rule r fires in year y.
 */
static int64_t posix_rule_local(const PosixRule *r, int64_t y)
{
  int64_t jan1 = days_from_civil(y, 1, 1) - UNIX_EPOCH_DAYS;
  int64_t yday;
  if (r->kind == 'J') {
    yday = r->a - 1 + (is_leap(y) && r->a >= 60 ? 1 : 0);
  } else if (r->kind == 'N') {
    yday = r->a;
  } else {
    int64_t first = days_from_civil(y, r->a, 1);
    int dow_first = (int)((first + 1) % 7);
    int d = 1 + (r->c - dow_first + 7) % 7 + (r->b - 1) * 7;
    while (d > days_in_month(y, r->a))
      d -= 7;
    yday = first - days_from_civil(y, 1, 1) + d - 1;
  }
  return (jan1 + yday) * 86400 + r->time;
}

static TzType posix_lookup(const PosixTz *tz, int64_t t)
{
  TzType std = {tz->std_off, false}, dst = {tz->dst_off, true};
  if (!tz->has_dst)
    return std;
  int64_t days = floor_div(t + tz->std_off, 86400) + UNIX_EPOCH_DAYS;
  int64_t y = 1;
  if (days >= 0)
    civil_from_days(days, &y, NULL, NULL, NULL);
  int64_t start = posix_rule_local(&tz->start, y) - tz->std_off;
  int64_t end = posix_rule_local(&tz->end, y) - tz->dst_off;
  bool in_dst =
      start < end ? (t >= start && t < end) : !(t >= end && t < start);
  return in_dst ? dst : std;
}

/* --- TZif (RFC 8536) */

static uint32_t be32(const unsigned char *p)
{
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         p[3];
}

static int64_t be64(const unsigned char *p)
{
  return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

typedef struct TzifCounts {
  size_t isut, isstd, leap, time, type, chr;
} TzifCounts;

static bool tzif_header(const unsigned char *p, size_t avail, TzifCounts *c,
                        int *version)
{
  if (avail < 44 || memcmp(p, "TZif", 4) != 0)
    return false;
  *version = p[4] ? p[4] - '0' : 1;
  c->isut = be32(p + 20);
  c->isstd = be32(p + 24);
  c->leap = be32(p + 28);
  c->time = be32(p + 32);
  c->type = be32(p + 36);
  c->chr = be32(p + 40);
  return c->type >= 1 && c->type <= 256 && c->time <= 1000000 &&
         c->leap <= 100000 && c->chr <= 100000 && c->isut <= 256 &&
         c->isstd <= 256;
}

static size_t tzif_block_size(const TzifCounts *c, size_t tsize)
{
  return c->time * (tsize + 1) + c->type * 6 + c->chr + c->leap * (tsize + 4) +
         c->isstd + c->isut;
}

static bool tzif_parse(const unsigned char *buf, size_t len, Zone *z)
{
  TzifCounts c;
  int version;
  if (!tzif_header(buf, len, &c, &version))
    return false;
  size_t off = 44, tsize = 4;
  if (version >= 2) {
    off += tzif_block_size(&c, 4);
    int v2;
    if (off > len || !tzif_header(buf + off, len - off, &c, &v2))
      return false;
    off += 44;
    tsize = 8;
  }
  size_t bsize = tzif_block_size(&c, tsize);
  if (bsize > len - off)
    return false;
  const unsigned char *p = buf + off;
  z->ntimes = c.time;
  z->ntypes = c.type;
  z->times = xmalloc(c.time * sizeof *z->times);
  z->idx = xmalloc(c.time);
  z->types = xmalloc(c.type * sizeof *z->types);
  for (size_t i = 0; i < c.time; i++, p += tsize)
    z->times[i] = tsize == 8 ? be64(p) : (int64_t)(int32_t)be32(p);
  for (size_t i = 0; i < c.time; i++, p++) {
    if (*p >= c.type)
      return false;
    if (i > 0 && z->times[i] <= z->times[i - 1])
      return false;
    z->idx[i] = *p;
  }
  for (size_t i = 0; i < c.type; i++, p += 6) {
    z->types[i].utoff = (int32_t)be32(p);
    z->types[i].isdst = p[4] != 0;
    if (z->types[i].utoff < -89999 || z->types[i].utoff > 93599)
      return false;
  }
  off += bsize;
  if (version >= 2 && off < len && buf[off] == '\n') {
    const char *fs = (const char *)buf + off + 1;
    const char *fe = memchr(fs, '\n', len - off - 1);
    if (fe && fe > fs && fe - fs < 256) {
      char footer[256];
      memcpy(footer, fs, (size_t)(fe - fs));
      footer[fe - fs] = '\0';
      if (!parse_posix_tz(footer, &z->footer))
        z->footer.valid = false;
    }
  }
  return true;
}

static TzType zone_lookup(const Zone *z, int64_t t)
{
  if (z->ntimes == 0)
    return z->footer.valid ? posix_lookup(&z->footer, t) : z->types[0];
  if (t < z->times[0])
    return z->types[0]; /* RFC 8536: type 0 before the first transition */
  if (t >= z->times[z->ntimes - 1] && z->footer.valid)
    return posix_lookup(&z->footer, t);
  size_t lo = 0, hi = z->ntimes; /* largest i with times[i] <= t */
  while (hi - lo > 1) {
    size_t mid = lo + (hi - lo) / 2;
    if (z->times[mid] <= t)
      lo = mid;
    else
      hi = mid;
  }
  return z->types[z->idx[lo]];
}

/* --- loading */

static bool iana_name_ok(const char *name)
{
  size_t n = strlen(name);
  if (n == 0 || n > 200 || name[0] == '/')
    return false;
  const char *comp = name;
  for (size_t i = 0; i <= n; i++) {
    char ch = name[i];
    if (ch == '/' || ch == '\0') {
      size_t cl = (size_t)(name + i - comp);
      if (cl == 0 || (cl == 1 && comp[0] == '.') ||
          (cl == 2 && comp[0] == '.' && comp[1] == '.'))
        return false;
      comp = name + i + 1;
    } else if (!isalnum((unsigned char)ch) && ch != '_' && ch != '-' &&
               ch != '+' && ch != '.') {
      return false;
    }
  }
  return true;
}

static char *path_join(const char *a, const char *b, size_t blen)
{
  size_t al = strlen(a);
  char *p = xmalloc(al + blen + 2);
  memcpy(p, a, al);
  p[al] = '/';
  memcpy(p + al + 1, b, blen);
  p[al + 1 + blen] = '\0';
  return p;
}

/* Resolves dir/name, matching each component case-insensitively when the exact
   spelling is absent. Returns a malloc'd path to a regular file, or NULL. */
static char *resolve_zone_path(const char *dir, const char *name)
{
  char *cur = xmalloc(strlen(dir) + 1);
  memcpy(cur, dir, strlen(dir) + 1);
  const char *comp = name;
  while (*comp) {
    const char *slash = strchr(comp, '/');
    size_t cl = slash ? (size_t)(slash - comp) : strlen(comp);
    char *next = path_join(cur, comp, cl);
    struct stat st;
    if (stat(next, &st) != 0) {
      free(next);
      next = NULL;
      DIR *d = opendir(cur);
      if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
          if (strlen(e->d_name) == cl &&
              strncasecmp(e->d_name, comp, cl) == 0) {
            next = path_join(cur, e->d_name, cl);
            break;
          }
        }
        closedir(d);
      }
      if (!next) {
        free(cur);
        return NULL;
      }
    }
    free(cur);
    cur = next;
    comp += cl;
    if (*comp == '/')
      comp++;
  }
  struct stat st;
  if (stat(cur, &st) != 0 || !S_ISREG(st.st_mode)) {
    free(cur);
    return NULL;
  }
  return cur;
}

static bool load_tzif(const char *dir, const char *iana, Zone *z)
{
  memset(z, 0, sizeof *z);
  char *path = resolve_zone_path(dir, iana);
  if (!path)
    return false;
  FILE *fp = fopen(path, "rb");
  free(path);
  if (!fp)
    return false;
  size_t cap = 4096, len = 0;
  unsigned char *buf = xmalloc(cap);
  for (;;) {
    if (len == cap) {
      if (cap >= (size_t)4 << 20)
        break;
      cap *= 2;
      buf = xrealloc(buf, cap);
    }
    size_t r = fread(buf + len, 1, cap - len, fp);
    if (r == 0)
      break;
    len += r;
  }
  fclose(fp);
  bool ok = tzif_parse(buf, len, z);
  free(buf);
  if (!ok) {
    free(z->times);
    free(z->idx);
    free(z->types);
    z->times = NULL;
    z->idx = NULL;
    z->types = NULL;
  }
  return ok;
}

static bool is_utc_alias(const char *iana)
{
  static const char *const names[] = {
      "Etc/UTC",   "UTC",      "Etc/GMT", "GMT",     "Etc/Universal",
      "Universal", "Etc/Zulu", "Zulu",    "Etc/UCT", "UCT"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strcasecmp(iana, names[i]) == 0)
      return true;
  return false;
}

static const Zone *zone_get(const char *name, char *errbuf, size_t errlen)
{
  char q[100];
  quote_user(name ? name : "", name ? strlen(name) : 0, q, sizeof q);
  if (!name || !*name) {
    set_err(errbuf, errlen,
            "the time zone '' is not a known Windows or IANA time zone");
    return NULL;
  }
  size_t nl = strlen(name);
  for (Zone *z = zone_cache; z; z = z->next)
    if (strcasecmp(z->key, name) == 0)
      return z;

  const char *alt = NULL;
  const char *iana = dt_tzwin_lookup(name, &alt);
  bool windows = iana != NULL;
  if (!iana)
    iana = name;
  if (!iana_name_ok(iana)) {
    set_err(errbuf, errlen,
            "the time zone '%s' is not a known Windows or IANA time zone", q);
    return NULL;
  }
  const char *dir = getenv("ADFRUN_ZONEINFO");
  if (!dir || !*dir)
    dir = "/usr/share/zoneinfo";
  Zone *z = xmalloc(sizeof *z);
  memset(z, 0, sizeof *z);
  bool ok = load_tzif(dir, iana, z);
  if (!ok && alt)
    ok = load_tzif(dir, alt, z);
  if (!ok && is_utc_alias(iana)) { /* works without tzdata */
    z->types = xmalloc(sizeof *z->types);
    z->types[0].utoff = 0;
    z->types[0].isdst = false;
    z->ntypes = 1;
    ok = true;
  }
  if (!ok) {
    free(z);
    if (windows)
      set_err(errbuf, errlen,
              "the time zone '%s' maps to '%s' but its zoneinfo file under "
              "'%s' is missing or "
              "invalid",
              q, iana, dir);
    else
      set_err(errbuf, errlen,
              "the time zone '%s' is not a known Windows or IANA time zone", q);
    return NULL;
  }
  z->is_utc_id = strcasecmp(name, "UTC") == 0;
  z->key = xmalloc(nl + 1);
  memcpy(z->key, name, nl + 1);
  z->next = zone_cache;
  zone_cache = z;
  return z;
}

/* --- conversions */

static void fmt_plain(int64_t ticks, char *buf, size_t n)
{
  DateTime t = {ticks, DT_UNSPECIFIED, 0};
  char *s = dt_format(&t, "s", NULL, 0);
  snprintf(buf, n, "%s", s ? s : "?");
  free(s);
}

static bool from_utc(int64_t utc, const Zone *z, DateTime *out, char *errbuf,
                     size_t errlen)
{
  TzType t = zone_lookup(z, floor_div(utc - DT_UNIX_EPOCH_TICKS, TPS));
  int64_t local = utc + (int64_t)t.utoff * TPS;
  if (local < 0 || local > DT_MAX_TICKS)
    return range_error(errbuf, errlen);
  out->ticks = local;
  out->kind = z->is_utc_id ? DT_UTC : DT_UNSPECIFIED;
  out->offset_min = 0;
  return true;
}

/* Wall time in zone z -> UTC ticks, .NET TimeZoneInfo.ConvertTimeToUtc rules:
   an ambiguous time is taken as standard time, a time in a gap is an error. */
static bool to_utc(int64_t local, const Zone *z, const char *zname,
                   int64_t *utc, char *errbuf, size_t errlen)
{
  int64_t ls = floor_div(local - DT_UNIX_EPOCH_TICKS, TPS); /* Unix seconds */
  /* Candidate offsets: those in force within +-15 h of ls (no offset exceeds 15
     h), refined by looking up each candidate's own instant; a candidate is
     valid if it maps back to ls. */
  TzType cand[8];
  cand[0] = zone_lookup(z, ls - 54000);
  size_t nc = 1;
  for (size_t k = 1; k < 8; k++) {
    int64_t probe = k == 1 ? ls + 54000 : ls - cand[(k - 2) % nc].utoff;
    TzType t = zone_lookup(z, probe);
    bool seen = false;
    for (size_t j = 0; j < nc; j++)
      if (cand[j].utoff == t.utoff && cand[j].isdst == t.isdst)
        seen = true;
    if (!seen)
      cand[nc++] = t;
  }
  const TzType *best = NULL;
  for (size_t i = 0; i < nc; i++) {
    if (zone_lookup(z, ls - cand[i].utoff).utoff != cand[i].utoff)
      continue;
    /* prefer standard time; between equals, the smaller offset (the later
     * instant) */
    if (!best || (best->isdst && !cand[i].isdst) ||
        (best->isdst == cand[i].isdst && cand[i].utoff < best->utoff))
      best = &cand[i];
  }
  if (!best) {
    char ts[40], q[100];
    fmt_plain(local, ts, sizeof ts);
    quote_user(zname, strlen(zname), q, sizeof q);
    set_err(
        errbuf, errlen,
        "the supplied time '%s' is invalid in time zone '%s' (it falls in a "
        "daylight-saving gap)",
        ts, q);
    return false;
  }
  *utc = local - (int64_t)best->utoff * TPS;
  if (*utc < 0 || *utc > DT_MAX_TICKS)
    return range_error(errbuf, errlen);
  return true;
}

/* The UTC instant of `in`, taking DT_UNSPECIFIED as wall time in src (or as UTC
   if src is NULL). */
static bool instant_of(const DateTime *in, const Zone *src,
                       const char *src_name, int64_t *utc, char *errbuf,
                       size_t errlen)
{
  if (in->kind != DT_UNSPECIFIED || !src) {
    *utc = utc_ticks_of(in);
    return true;
  }
  return to_utc(in->ticks, src, src_name, utc, errbuf, errlen);
}

bool dt_convert_from_utc(const DateTime *in, const char *dest_tz, DateTime *out,
                         char *errbuf, size_t errlen)
{
  const Zone *z = zone_get(dest_tz, errbuf, errlen);
  int64_t utc;
  if (!z || !instant_of(in, NULL, NULL, &utc, errbuf, errlen))
    return false;
  return from_utc(utc, z, out, errbuf, errlen);
}

bool dt_convert_to_utc(const DateTime *in, const char *src_tz, DateTime *out,
                       char *errbuf, size_t errlen)
{
  const Zone *z = zone_get(src_tz, errbuf, errlen);
  int64_t utc;
  if (!z || !instant_of(in, z, src_tz, &utc, errbuf, errlen))
    return false;
  out->ticks = utc;
  out->kind = DT_UTC;
  out->offset_min = 0;
  return true;
}

bool dt_convert_time_zone(const DateTime *in, const char *src_tz,
                          const char *dest_tz, DateTime *out, char *errbuf,
                          size_t errlen)
{
  const Zone *src = zone_get(src_tz, errbuf, errlen);
  if (!src)
    return false;
  const Zone *dst = zone_get(dest_tz, errbuf, errlen);
  int64_t utc;
  if (!dst || !instant_of(in, src, src_tz, &utc, errbuf, errlen))
    return false;
  return from_utc(utc, dst, out, errbuf, errlen);
}
