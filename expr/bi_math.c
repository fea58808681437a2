/*
 * expr/bi_math.c -- ADF math functions
 *
 * Integers and floats stay apart: two integers give an integer (exact
 * int64, overflow is an error), anything with a float gives a float.
 * Division and remainder by zero are errors for both kinds.
 */
#include <math.h>

#include "expr/bi_impl.h"

typedef enum Op { OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD } Op;

static const char *const op_name[] = {"add", "sub", "mul", "div", "mod"};

static Value *arith(EvalCtx *cx, Value *const *argv, Op op, Err *err)
{
  const Value *a = argv[0], *b = argv[1];
  double x, y, r;

  if (!bi_want_number(cx, argv, 0, err) || !bi_want_number(cx, argv, 1, err))
    return NULL;
  if ((op == OP_DIV || op == OP_MOD) && val_get_number(b) == 0.0)
    return bi_fail(cx, err, "The function '%s' cannot divide by zero",
                   op_name[op]);
  if (val_kind(a) == VAL_INT && val_kind(b) == VAL_INT) {
    int64_t i = val_get_int(a), j = val_get_int(b), k = 0;
    bool ovf = false;
    switch (op) {
    case OP_ADD:
      ovf = __builtin_add_overflow(i, j, &k);
      break;
    case OP_SUB:
      ovf = __builtin_sub_overflow(i, j, &k);
      break;
    case OP_MUL:
      ovf = __builtin_mul_overflow(i, j, &k);
      break;
    case OP_DIV:
      ovf = i == INT64_MIN && j == -1;
      k = ovf ? 0 : i / j; /* C truncates toward zero, as .NET does */
      break;
    case OP_MOD:
      k = j == -1 ? 0 : i % j; /* the sign of the dividend, as .NET */
      break;
    }
    if (ovf)
      return bi_fail(cx, err,
                     "The function '%s' overflowed the range of a 64-bit "
                     "integer",
                     op_name[op]);
    return val_int(k);
  }
  x = val_get_number(a), y = val_get_number(b);
  switch (op) {
  case OP_ADD:
    r = x + y;
    break;
  case OP_SUB:
    r = x - y;
    break;
  case OP_MUL:
    r = x * y;
    break;
  case OP_DIV:
    r = x / y;
    break;
  default:
    r = fmod(x, y);
    break;
  }
  return val_float(r);
}

BI_FN(bi_add)
{
  (void)argc;
  return arith(cx, argv, OP_ADD, err);
}

BI_FN(bi_sub)
{
  (void)argc;
  return arith(cx, argv, OP_SUB, err);
}

BI_FN(bi_mul)
{
  (void)argc;
  return arith(cx, argv, OP_MUL, err);
}

BI_FN(bi_div)
{
  (void)argc;
  return arith(cx, argv, OP_DIV, err);
}

BI_FN(bi_mod)
{
  (void)argc;
  return arith(cx, argv, OP_MOD, err);
}

/* a < b for two numbers of either kind (exact for int/int). */
static bool num_less(const Value *a, const Value *b)
{
  if (val_kind(a) == VAL_INT && val_kind(b) == VAL_INT)
    return val_get_int(a) < val_get_int(b);
  return val_get_number(a) < val_get_number(b);
}

/* max()/min() over the arguments, or over the items of one array
 * argument.  The winner keeps its kind; the first wins ties. */
static Value *extreme(EvalCtx *cx, Value *const *argv, int argc, bool want_max,
                      Err *err)
{
  const Value *best = NULL;
  size_t i, n;

  if (argc == 1 && val_kind(argv[0]) == VAL_ARRAY) {
    n = val_array_len(argv[0]);
    if (n == 0)
      return bi_fail(cx, err,
                     "The function '%s' expects a non-empty array of numbers",
                     want_max ? "max" : "min");
    for (i = 0; i < n; i++) {
      const Value *x = val_array_peek(argv[0], i);
      if (val_kind(x) != VAL_INT && val_kind(x) != VAL_FLOAT)
        return bi_type_error(cx, 0, "an array of numbers", x, err);
      if (!best || (want_max ? num_less(best, x) : num_less(x, best)))
        best = x;
    }
    return val_ref(best);
  }
  for (i = 0; i < (size_t)argc; i++) {
    const Value *x = argv[i];
    if (!bi_want_number(cx, argv, (int)i, err))
      return NULL;
    if (!best || (want_max ? num_less(best, x) : num_less(x, best)))
      best = x;
  }
  return val_ref(best);
}

BI_FN(bi_max)
{
  return extreme(cx, argv, argc, true, err);
}

BI_FN(bi_min)
{
  return extreme(cx, argv, argc, false, err);
}

/* rand(min, max): an integer in [min, max) from the run's generator. */
BI_FN(bi_rand)
{
  int64_t lo, hi;
  uint64_t span;

  (void)argc;
  if (!bi_want_int(cx, argv, 0, &lo, err) ||
      !bi_want_int(cx, argv, 1, &hi, err))
    return NULL;
  if (lo >= hi)
    return bi_fail(cx, err,
                   "The function 'rand' expects its minimum value (%lld) to "
                   "be less than its maximum value (%lld)",
                   (long long)lo, (long long)hi);
  span = (uint64_t)hi - (uint64_t)lo;
  return val_int((int64_t)((uint64_t)lo + eval_random(cx) % span));
}

/* range(start, count): [start, start+count) with the Logic Apps limits:
 * 0 <= count <= 100000 and start+count <= 2147483647 (int32). */
BI_FN(bi_range)
{
  int64_t start, count, i;
  Value *r;

  (void)argc;
  if (!bi_want_int(cx, argv, 0, &start, err) ||
      !bi_want_int(cx, argv, 1, &count, err))
    return NULL;
  if (count < 0 || count > 100000)
    return bi_fail(cx, err,
                   "The function 'range' expects its count (%lld) to be "
                   "between 0 and 100000",
                   (long long)count);
  if (start < INT32_MIN || start > (int64_t)INT32_MAX - count)
    return bi_fail(cx, err,
                   "The function 'range' expects start (%lld) plus count "
                   "(%lld) to be at most 2147483647",
                   (long long)start, (long long)count);
  r = val_array_new();
  for (i = 0; i < count; i++)
    val_array_push_take(r, val_int(start + i));
  return r;
}
