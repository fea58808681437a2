/*
 * expr/bi_logic.c -- ADF comparison functions and the equality they share
 *
 * and(), or() and if() are lazy and live in eval.c (BI_LAZY rows).  The
 * equality here (bi_adf_equal) is also what contains(), union() and
 * intersection() use, so "the same item" means one thing everywhere; its
 * rules are in docs/functions.md#equals.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "expr/bi_impl.h"

/* ---- Equality --------------------------------------------------------- */

static bool is_num(const Value *v)
{
  return val_kind(v) == VAL_INT || val_kind(v) == VAL_FLOAT;
}

/* Exact comparison of two numbers of either kind: -1, 0, 1, or 2 when
 * one is NaN (unordered). */
static int num_cmp(const Value *a, const Value *b)
{
  double x, y;

  if (val_kind(a) == VAL_INT && val_kind(b) == VAL_INT) {
    int64_t i = val_get_int(a), j = val_get_int(b);
    return i < j ? -1 : i > j;
  }
  x = val_get_number(a), y = val_get_number(b);
  if (isnan(x) || isnan(y))
    return 2;
  if (x != y)
    return x < y ? -1 : 1;
  /* Equal as doubles: an int beyond 2^53 may still differ from the float
   * by less than the float's precision; compare in the int domain. */
  if (val_kind(a) == VAL_INT && fabs(y) < 9.2e18) {
    int64_t i = val_get_int(a), j = (int64_t)y;
    return i < j ? -1 : i > j;
  }
  if (val_kind(b) == VAL_INT && fabs(x) < 9.2e18) {
    int64_t i = (int64_t)x, j = val_get_int(b);
    return i < j ? -1 : i > j;
  }
  return 0;
}

/* true is equal to the number 1, false to 0 (equals(true, 1) is true in
 * the ADF docs). */
static bool bool_num_equal(const Value *b, const Value *n)
{
  double d = val_get_number(n);

  return val_get_bool(b) ? d == 1.0 : d == 0.0;
}

bool bi_adf_equal(const Value *a, const Value *b)
{
  ValKind ka = val_kind(a), kb = val_kind(b);
  size_t i, n;

  if (is_num(a) && is_num(b))
    return num_cmp(a, b) == 0;
  if (ka == VAL_BOOL && is_num(b))
    return bool_num_equal(a, b);
  if (kb == VAL_BOOL && is_num(a))
    return bool_num_equal(b, a);
  if (ka != kb)
    return false;
  switch (ka) {
  case VAL_NULL:
    return true;
  case VAL_BOOL:
    return val_get_bool(a) == val_get_bool(b);
  case VAL_STRING:
    return val_strlen(a) == val_strlen(b) &&
           memcmp(val_str(a), val_str(b), val_strlen(a)) == 0;
  case VAL_ARRAY:
    n = val_array_len(a);
    if (n != val_array_len(b))
      return false;
    for (i = 0; i < n; i++)
      if (!bi_adf_equal(val_array_peek(a, i), val_array_peek(b, i)))
        return false;
    return true;
  case VAL_OBJECT:
    n = val_object_len(a);
    if (n != val_object_len(b))
      return false;
    for (i = 0; i < n; i++) {
      size_t klen;
      const char *k = val_object_key_peek(a, i, &klen);
      const Value *o = val_object_peek(b, k);
      if (!o || !bi_adf_equal(val_object_value_peek(a, i), o))
        return false;
    }
    return true;
  default:
    return false;
  }
}

BI_FN(bi_equals)
{
  (void)cx, (void)argc, (void)err;
  return val_bool(bi_adf_equal(argv[0], argv[1]));
}

/* ---- Ordering --------------------------------------------------------- */

/* Ordinal comparison of UTF-16 units (.NET String.CompareOrdinal). */
static int str_cmp(const Value *a, const Value *b)
{
  U16 x, y;
  size_t i, n;
  int r = 0;

  bi_u16_from(&x, val_str(a), val_strlen(a));
  bi_u16_from(&y, val_str(b), val_strlen(b));
  n = x.n < y.n ? x.n : y.n;
  for (i = 0; i < n && r == 0; i++)
    if (x.u[i] != y.u[i])
      r = x.u[i] < y.u[i] ? -1 : 1;
  if (r == 0 && x.n != y.n)
    r = x.n < y.n ? -1 : 1;
  free(x.u);
  free(y.u);
  return r;
}

/* Compares two numbers or two strings into *out (-1, 0, 1; 2 for NaN).
 * Anything else is a type error: the first argument must be a number or
 * a string, the second of the same family. */
static bool order(EvalCtx *cx, Value *const *argv, int *out, Err *err)
{
  const Value *a = argv[0], *b = argv[1];

  if (is_num(a)) {
    if (!bi_want_number(cx, argv, 1, err))
      return false;
    *out = num_cmp(a, b);
    return true;
  }
  if (val_kind(a) == VAL_STRING) {
    if (!bi_want_string(cx, argv, 1, err))
      return false;
    *out = str_cmp(a, b);
    return true;
  }
  bi_type_error(cx, 0, "an integer, a decimal number or a string", a, err);
  return false;
}

BI_FN(bi_greater)
{
  int c;

  (void)argc;
  return order(cx, argv, &c, err) ? val_bool(c == 1) : NULL;
}

BI_FN(bi_greater_or_equals)
{
  int c;

  (void)argc;
  return order(cx, argv, &c, err) ? val_bool(c == 1 || c == 0) : NULL;
}

BI_FN(bi_less)
{
  int c;

  (void)argc;
  return order(cx, argv, &c, err) ? val_bool(c == -1) : NULL;
}

BI_FN(bi_less_or_equals)
{
  int c;

  (void)argc;
  return order(cx, argv, &c, err) ? val_bool(c == -1 || c == 0) : NULL;
}

/* not(b): booleans only. */
BI_FN(bi_not)
{
  (void)argc;
  if (val_kind(argv[0]) != VAL_BOOL)
    return bi_type_error(cx, 0, "a boolean", argv[0], err);
  return val_bool(!val_get_bool(argv[0]));
}
