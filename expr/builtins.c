/*
 * expr/builtins.c -- the ADF function table, its lookup and argument helpers
 *
 * One sorted row per ADF function (the 84 of ADF-SPEC 1.6) plus the
 * accessor rows the evaluator implements.  Implementations live in
 * bi_<family>.c; docs/functions.md has one section per row and
 * tests/unit/test_builtins.c checks order, uniqueness and the docs.
 */
#include "expr/builtins.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "expr/bi_impl.h"

/* ---- The table ------------------------------------------------------- */

/* Rows are in case-insensitive order so builtin_find() can bsearch.
 * ADF's aliases (decodeBase64, decodeDataUri, uriComponent,
 * uriComponentToString) share their twin's implementation. */
/* clang-format off */
static const Builtin builtins[] = {
  /* ADF name               min max       implementation               flags */
  { "activity",              1, 1,        eval_bi_activity,              0 },
  { "add",                   2, 2,        bi_add,                        0 },
  { "addDays",               2, 3,        bi_add_days,                   0 },
  { "addHours",              2, 3,        bi_add_hours,                  0 },
  { "addMinutes",            2, 3,        bi_add_minutes,                0 },
  { "addSeconds",            2, 3,        bi_add_seconds,                0 },
  { "addToTime",             3, 4,        bi_add_to_time,                0 },
  { "and",                   2, 2,        NULL,                    BI_LAZY },
  { "array",                 1, 1,        bi_array,                      0 },
  { "base64",                1, 1,        bi_base64,                     0 },
  { "base64ToBinary",        1, 1,        bi_base64_to_binary,           0 },
  { "base64ToString",        1, 1,        bi_base64_to_string,           0 },
  { "binary",                1, 1,        bi_binary,                     0 },
  { "bool",                  1, 1,        bi_bool,                       0 },
  { "coalesce",              1, ARGS_ANY, bi_coalesce,                   0 },
  { "concat",                1, ARGS_ANY, bi_concat,                     0 },
  { "contains",              2, 2,        bi_contains,                   0 },
  { "convertFromUtc",        2, 3,        bi_convert_from_utc,           0 },
  { "convertTimeZone",       3, 4,        bi_convert_time_zone,          0 },
  { "convertToUtc",          2, 3,        bi_convert_to_utc,             0 },
  { "createArray",           1, ARGS_ANY, bi_create_array,               0 },
  { "dataset",               0, 0,        eval_bi_dataset,               0 },
  { "dataUri",               1, 1,        bi_data_uri,                   0 },
  { "dataUriToBinary",       1, 1,        bi_data_uri_to_binary,         0 },
  { "dataUriToString",       1, 1,        bi_data_uri_to_string,         0 },
  { "dayOfMonth",            1, 1,        bi_day_of_month,               0 },
  { "dayOfWeek",             1, 1,        bi_day_of_week,                0 },
  { "dayOfYear",             1, 1,        bi_day_of_year,                0 },
  { "decodeBase64",          1, 1,        bi_base64_to_string,           0 },
  { "decodeDataUri",         1, 1,        bi_data_uri_to_binary,         0 },
  { "decodeUriComponent",    1, 1,        bi_decode_uri_component,       0 },
  { "div",                   2, 2,        bi_div,                        0 },
  { "empty",                 1, 1,        bi_empty,                      0 },
  { "encodeUriComponent",    1, 1,        bi_encode_uri_component,       0 },
  { "endsWith",              2, 2,        bi_ends_with,                  0 },
  { "equals",                2, 2,        bi_equals,                     0 },
  { "first",                 1, 1,        bi_first,                      0 },
  { "float",                 1, 1,        bi_float,                      0 },
  { "formatDateTime",        1, 2,        bi_format_date_time,           0 },
  { "getFutureTime",         2, 3,        bi_get_future_time,            0 },
  { "getPastTime",           2, 3,        bi_get_past_time,              0 },
  { "greater",               2, 2,        bi_greater,                    0 },
  { "greaterOrEquals",       2, 2,        bi_greater_or_equals,          0 },
  { "guid",                  0, 1,        bi_guid,                       0 },
  { "if",                    3, 3,        NULL,                    BI_LAZY },
  { "indexOf",               2, 2,        bi_index_of,                   0 },
  { "int",                   1, 1,        bi_int,                        0 },
  { "intersection",          1, ARGS_ANY, bi_intersection,               0 },
  { "item",                  0, 0,        eval_bi_item,                  0 },
  { "join",                  2, 2,        bi_join,                       0 },
  { "json",                  1, 1,        bi_json,                       0 },
  { "last",                  1, 1,        bi_last,                       0 },
  { "lastIndexOf",           2, 2,        bi_last_index_of,              0 },
  { "length",                1, 1,        bi_length,                     0 },
  { "less",                  2, 2,        bi_less,                       0 },
  { "lessOrEquals",          2, 2,        bi_less_or_equals,             0 },
  { "linkedService",         0, 0,        eval_bi_linked_service,        0 },
  { "max",                   1, ARGS_ANY, bi_max,                        0 },
  { "min",                   1, ARGS_ANY, bi_min,                        0 },
  { "mod",                   2, 2,        bi_mod,                        0 },
  { "mul",                   2, 2,        bi_mul,                        0 },
  { "not",                   1, 1,        bi_not,                        0 },
  { "or",                    2, 2,        NULL,                    BI_LAZY },
  { "pipeline",              0, 0,        eval_bi_pipeline,              0 },
  { "rand",                  2, 2,        bi_rand,                       0 },
  { "range",                 2, 2,        bi_range,                      0 },
  { "replace",               3, 3,        bi_replace,                    0 },
  { "skip",                  2, 2,        bi_skip,                       0 },
  { "split",                 2, 2,        bi_split,                      0 },
  { "startOfDay",            1, 2,        bi_start_of_day,               0 },
  { "startOfHour",           1, 2,        bi_start_of_hour,              0 },
  { "startOfMonth",          1, 2,        bi_start_of_month,             0 },
  { "startsWith",            2, 2,        bi_starts_with,                0 },
  { "string",                1, 1,        bi_string,                     0 },
  { "sub",                   2, 2,        bi_sub,                        0 },
  { "substring",             2, 3,        bi_substring,                  0 },
  { "subtractFromTime",      3, 4,        bi_subtract_from_time,         0 },
  { "take",                  2, 2,        bi_take,                       0 },
  { "ticks",                 1, 1,        bi_ticks,                      0 },
  { "toLower",               1, 1,        bi_to_lower,                   0 },
  { "toUpper",               1, 1,        bi_to_upper,                   0 },
  { "trim",                  1, 1,        bi_trim,                       0 },
  { "union",                 1, ARGS_ANY, bi_union,                      0 },
  { "uriComponent",          1, 1,        bi_encode_uri_component,       0 },
  { "uriComponentToBinary",  1, 1,        bi_uri_component_to_binary,    0 },
  { "uriComponentToString",  1, 1,        bi_decode_uri_component,       0 },
  { "utcNow",                0, 1,        bi_utc_now,                    0 },
  { "variables",             1, 1,        eval_bi_variables,             0 },
  { "xml",                   1, 1,        bi_xml,                        0 },
  { "xpath",                 2, 2,        bi_xpath,                      0 },
};
/* clang-format on */

#define N_BUILTINS (sizeof(builtins) / sizeof(builtins[0]))

/* ---- Lookup ----------------------------------------------------------- */

typedef struct Key {
  const char *s;
  size_t len;
} Key;

static int cmp_key(const void *k, const void *row)
{
  const Key *key = k;
  const char *name = ((const Builtin *)row)->name;
  size_t n = strlen(name);
  int c = strncasecmp(key->s, name, key->len < n ? key->len : n);

  if (c != 0)
    return c;
  return key->len < n ? -1 : key->len > n ? 1 : 0;
}

const Builtin *builtin_find(const char *name, size_t len)
{
  Key key = {name, len};

  return bsearch(&key, builtins, N_BUILTINS, sizeof(builtins[0]), cmp_key);
}

size_t builtin_count(void)
{
  return N_BUILTINS;
}

const Builtin *builtin_at(size_t i)
{
  return i < N_BUILTINS ? &builtins[i] : NULL;
}

/* ---- Argument helpers ------------------------------------------------- */

bool bi_want_string(EvalCtx *cx, Value *const *argv, int i, Err *err)
{
  if (val_kind(argv[i]) == VAL_STRING)
    return true;
  bi_type_error(cx, i, "a string", argv[i], err);
  return false;
}

bool bi_want_int(EvalCtx *cx, Value *const *argv, int i, int64_t *out, Err *err)
{
  if (val_kind(argv[i]) == VAL_INT) {
    *out = val_get_int(argv[i]);
    return true;
  }
  bi_type_error(cx, i, "an integer", argv[i], err);
  return false;
}

bool bi_want_number(EvalCtx *cx, Value *const *argv, int i, Err *err)
{
  ValKind k = val_kind(argv[i]);

  if (k == VAL_INT || k == VAL_FLOAT)
    return true;
  bi_type_error(cx, i, "an integer or a decimal number", argv[i], err);
  return false;
}

bool bi_opt_string(EvalCtx *cx, Value *const *argv, int argc, int i,
                   const char **out, Err *err)
{
  *out = NULL;
  if (argc <= i)
    return true;
  if (!bi_want_string(cx, argv, i, err))
    return false;
  *out = val_str(argv[i]);
  return true;
}
