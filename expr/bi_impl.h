/*
 * expr/bi_impl.h -- private header of the builtin implementations
 *
 * Declares every bi_<snake_name>() the table in builtins.c points at (the
 * bodies live in bi_<family>.c), plus the argument and text helpers the
 * families share.  Nothing outside expr/builtins.c and expr/bi_*.c may
 * include this file: the public contract is expr/builtins.h.
 */
#ifndef EXPR_BI_IMPL_H
#define EXPR_BI_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "expr/builtins.h"
#include "expr/eval_accessors.h"
#include "expr/strbuf.h"
#include "expr/value.h"

/* Every builtin has this shape (BuiltinFn): argv is borrowed; returns a
 * new reference, or NULL with *err set through bi_type_error()/bi_fail(). */
#define BI_FN(name)                                                            \
  Value *name(EvalCtx *cx, Value *const *argv, int argc, Err *err)

/* ---- Argument helpers (builtins.c) ----------------------------------- */

/* Each returns true when argv[i] has the wanted kind (storing it in *out
 * where there is one), else reports bi_type_error() and returns false. */
bool bi_want_string(EvalCtx *cx, Value *const *argv, int i, Err *err);
bool bi_want_int(EvalCtx *cx, Value *const *argv, int i, int64_t *out,
                 Err *err);
bool bi_want_number(EvalCtx *cx, Value *const *argv, int i, Err *err);
/* Optional string argument i: *out is NULL when argc <= i. */
bool bi_opt_string(EvalCtx *cx, Value *const *argv, int argc, int i,
                   const char **out, Err *err);

/* ---- Text helpers (bi_string.c) -------------------------------------- */

/* A string as UTF-16 code units, the unit .NET (and so ADF) counts in. */
typedef struct U16 {
  uint16_t *u; /* owned: free() */
  size_t n;
} U16;

/* Decodes UTF-8 (an invalid byte becomes U+FFFD) into *out. */
void bi_u16_from(U16 *out, const char *s, size_t len);
/* Encodes n units as a new string Value (a lone surrogate becomes U+FFFD,
 * as .NET's UTF-8 encoder does). */
Value *bi_u16_value(const uint16_t *u, size_t n);
/* Number of UTF-16 units in UTF-8 text. */
size_t bi_u16_count(const char *s, size_t len);
/* Appends bytes as valid UTF-8: invalid sequences become U+FFFD (what
 * .NET's Encoding.UTF8.GetString does with decoded binary). */
void bi_utf8_clean(StrBuf *out, const unsigned char *b, size_t n);

/* ---- Shared semantics ------------------------------------------------- */

/* ADF equality (docs/functions.md#equals): numbers by value across int
 * and float, booleans equal to the numbers 1 and 0, strings ordinal,
 * arrays and objects deeply.  bi_logic.c. */
bool bi_adf_equal(const Value *a, const Value *b);
/* Binary data as ADF's documented bit string: 8 '0'/'1' per byte, most
 * significant bit first.  bi_convert.c. */
Value *bi_bits_value(const unsigned char *b, size_t n);
/* json() of XML text (Json.NET SerializeXmlNode rules).  bi_xml.c.
 * Returns a new reference, or NULL with *err set. */
Value *bi_xml_to_json(EvalCtx *cx, const char *text, size_t len, Err *err);

/* ---- String functions (bi_string.c) ---------------------------------- */
BI_FN(bi_concat);
BI_FN(bi_ends_with);
BI_FN(bi_guid);
BI_FN(bi_index_of);
BI_FN(bi_last_index_of);
BI_FN(bi_replace);
BI_FN(bi_split);
BI_FN(bi_starts_with);
BI_FN(bi_substring);
BI_FN(bi_to_lower);
BI_FN(bi_to_upper);
BI_FN(bi_trim);

/* ---- Collection functions (bi_collection.c) -------------------------- */
BI_FN(bi_contains);
BI_FN(bi_empty);
BI_FN(bi_first);
BI_FN(bi_intersection);
BI_FN(bi_join);
BI_FN(bi_last);
BI_FN(bi_length);
BI_FN(bi_skip);
BI_FN(bi_take);
BI_FN(bi_union);

/* ---- Logical functions (bi_logic.c; and/or/if live in eval.c) -------- */
BI_FN(bi_equals);
BI_FN(bi_greater);
BI_FN(bi_greater_or_equals);
BI_FN(bi_less);
BI_FN(bi_less_or_equals);
BI_FN(bi_not);

/* ---- Conversion functions (bi_convert.c) ----------------------------- */
BI_FN(bi_array);
BI_FN(bi_base64);
BI_FN(bi_base64_to_binary);
BI_FN(bi_base64_to_string);
BI_FN(bi_binary);
BI_FN(bi_bool);
BI_FN(bi_coalesce);
BI_FN(bi_create_array);
BI_FN(bi_data_uri);
BI_FN(bi_data_uri_to_binary);
BI_FN(bi_data_uri_to_string);
BI_FN(bi_decode_uri_component);
BI_FN(bi_encode_uri_component);
BI_FN(bi_float);
BI_FN(bi_int);
BI_FN(bi_json);
BI_FN(bi_string);
BI_FN(bi_uri_component_to_binary);

/* ---- XML functions (bi_xml.c) ---------------------------------------- */
BI_FN(bi_xml);
BI_FN(bi_xpath);

/* ---- Math functions (bi_math.c) -------------------------------------- */
BI_FN(bi_add);
BI_FN(bi_div);
BI_FN(bi_max);
BI_FN(bi_min);
BI_FN(bi_mod);
BI_FN(bi_mul);
BI_FN(bi_rand);
BI_FN(bi_range);
BI_FN(bi_sub);

/* ---- Date functions (bi_date.c) -------------------------------------- */
BI_FN(bi_add_days);
BI_FN(bi_add_hours);
BI_FN(bi_add_minutes);
BI_FN(bi_add_seconds);
BI_FN(bi_add_to_time);
BI_FN(bi_convert_from_utc);
BI_FN(bi_convert_time_zone);
BI_FN(bi_convert_to_utc);
BI_FN(bi_day_of_month);
BI_FN(bi_day_of_week);
BI_FN(bi_day_of_year);
BI_FN(bi_format_date_time);
BI_FN(bi_get_future_time);
BI_FN(bi_get_past_time);
BI_FN(bi_start_of_day);
BI_FN(bi_start_of_hour);
BI_FN(bi_start_of_month);
BI_FN(bi_subtract_from_time);
BI_FN(bi_ticks);
BI_FN(bi_utc_now);

#endif /* EXPR_BI_IMPL_H */
