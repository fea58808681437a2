/* expr/datetime.h -- .NET-compatible date/time values for the ADF expression
 * date functions A DateTime is .NET ticks of a wall-clock time plus a kind
 * (unspecified, UTC, fixed offset). Parsing/formatting follow .NET DateTime
 * with the classic (NLS) en-US culture; time zones are read from TZif files
 * (never from the process TZ), Windows IDs mapped via CLDR windowsZones.
 * Invariant: every DateTime produced here has 0 <= ticks <= DT_MAX_TICKS, and
 * for DT_OFFSET the UTC instant (ticks - offset) is in that range too.
 */
#ifndef ADFRUN_EXPR_DATETIME_H
#define ADFRUN_EXPR_DATETIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DT_TICKS_PER_SECOND INT64_C(10000000)
#define DT_TICKS_PER_DAY    (INT64_C(86400) * DT_TICKS_PER_SECOND)
#define DT_MAX_TICKS                                                           \
  INT64_C(3155378975999999999) /* 9999-12-31T23:59:59.9999999 */
#define DT_UNIX_EPOCH_TICKS                                                    \
  INT64_C(621355968000000000) /* 1970-01-01T00:00:00 */

typedef enum DtKind { DT_UNSPECIFIED, DT_UTC, DT_OFFSET } DtKind;

typedef struct DateTime {
  int64_t ticks; /* .NET ticks (100 ns since 0001-01-01T00:00:00) of the
                    wall-clock time */
  DtKind kind;
  int offset_min; /* only for DT_OFFSET: the offset that wall clock carries,
                     e.g. +120 */
} DateTime;

typedef enum DtUnit {
  DT_SECOND,
  DT_MINUTE,
  DT_HOUR,
  DT_DAY,
  DT_WEEK,
  DT_MONTH,
  DT_YEAR
} DtUnit;

/* Parse ISO 8601, US M/d/yyyy [h:mm[:ss] [AM|PM]] and RFC 1123 timestamps (see
   docs/datetime.md). Returns false and writes a one-line reason into errbuf on
   failure. */
bool dt_parse(const char *s, size_t len, DateTime *out, char *errbuf,
              size_t errlen);

/* Format with a .NET standard (one char) or custom pattern; fmt NULL or ""
   means "o". Returns a malloc'd string, or NULL with errbuf set when the format
   is invalid. */
char *dt_format(const DateTime *dt, const char *fmt, char *errbuf,
                size_t errlen);

/* "Second" .. "Year", case-insensitive, singular only (as Logic Apps). */
bool dt_unit_parse(const char *name, DtUnit *out);
/* Month/year clamp the day like .NET AddMonths; false (range error) outside
 * 0001..9999. */
bool dt_add(const DateTime *in, int64_t amount, DtUnit unit, DateTime *out,
            char *errbuf, size_t errlen);
bool dt_add_ticks(const DateTime *in, int64_t ticks, DateTime *out,
                  char *errbuf, size_t errlen);

void dt_start_of_day(const DateTime *in,
                     DateTime *out); /* these keep kind/offset */
void dt_start_of_hour(const DateTime *in, DateTime *out);
void dt_start_of_month(const DateTime *in, DateTime *out);

int dt_day_of_week(const DateTime *dt); /* of the wall clock; Sunday = 0 */
int dt_day_of_month(const DateTime *dt);
int dt_day_of_year(const DateTime *dt);
/* .NET Ticks; for DT_OFFSET the ticks of the UTC instant (as .NET
   DateTime.Parse would give on a UTC host), for the other kinds the wall-clock
   ticks. */
int64_t dt_ticks(const DateTime *dt);
/* The same instant as a DT_UTC value (DT_UNSPECIFIED is taken as UTC, i.e.
 * relabelled). */
void dt_as_utc(const DateTime *in, DateTime *out);
DateTime dt_from_unix_ns(
    int64_t ns_since_epoch); /* a DT_UTC DateTime, for the run's clock */
void dt_fields(const DateTime *dt, int *year, int *month, int *day, int *hour,
               int *min, int *sec, int *ticks_in_sec);

/* Time zones: Windows IDs (CLDR "001" mapping) or IANA names, case-insensitive.
   Results are DT_UNSPECIFIED, except DT_UTC when the destination is the ID
   "UTC" (as .NET). Inputs of kind DT_UTC / DT_OFFSET are taken as the instant
   they denote; DT_UNSPECIFIED is UTC for convert_from_utc and wall time in the
   source zone for the other two. */
bool dt_convert_from_utc(const DateTime *in, const char *dest_tz, DateTime *out,
                         char *errbuf, size_t errlen);
bool dt_convert_to_utc(const DateTime *in, const char *src_tz, DateTime *out,
                       char *errbuf, size_t errlen);
bool dt_convert_time_zone(const DateTime *in, const char *src_tz,
                          const char *dest_tz, DateTime *out, char *errbuf,
                          size_t errlen);
/* Frees the loaded-zone cache (call at exit). */
void dt_cache_free(void);

#endif
