/*
 * expr/bi_collection.c -- ADF collection functions (arrays, strings, objects)
 *
 * "The same item" is bi_adf_equal() (bi_logic.c) throughout; string
 * positions and lengths are UTF-16 units like the string functions.
 * Results are fresh values; arguments are only borrowed.
 */
#include <stdlib.h>
#include <string.h>

#include "expr/bi_impl.h"

/* contains(collection, value): substring (case-sensitive) of a string,
 * an equal element of an array, or an exact key of an object. */
BI_FN(bi_contains)
{
  const Value *c = argv[0], *x = argv[1];
  size_t i, n;

  (void)argc;
  switch (val_kind(c)) {
  case VAL_STRING: {
    const char *s = val_str(c), *t;
    size_t slen = val_strlen(c), tlen;
    if (!bi_want_string(cx, argv, 1, err))
      return NULL;
    t = val_str(x), tlen = val_strlen(x);
    if (tlen == 0)
      return val_bool(true);
    for (i = 0; i + tlen <= slen; i++)
      if (memcmp(s + i, t, tlen) == 0)
        return val_bool(true);
    return val_bool(false);
  }
  case VAL_ARRAY:
    n = val_array_len(c);
    for (i = 0; i < n; i++)
      if (bi_adf_equal(val_array_peek(c, i), x))
        return val_bool(true);
    return val_bool(false);
  case VAL_OBJECT:
    if (!bi_want_string(cx, argv, 1, err))
      return NULL;
    return val_bool(val_object_peek(c, val_str(x)) != NULL);
  default:
    return bi_type_error(cx, 0, "an array, an object or a string", c, err);
  }
}

/* empty(collection): null counts as empty. */
BI_FN(bi_empty)
{
  const Value *c = argv[0];

  (void)argc;
  switch (val_kind(c)) {
  case VAL_NULL:
    return val_bool(true);
  case VAL_STRING:
    return val_bool(val_strlen(c) == 0);
  case VAL_ARRAY:
    return val_bool(val_array_len(c) == 0);
  case VAL_OBJECT:
    return val_bool(val_object_len(c) == 0);
  default:
    return bi_type_error(cx, 0, "an array, an object or a string", c, err);
  }
}

/* first()/last(): one UTF-16 unit of a string or one array item; null
 * for an empty string or array. */
static Value *end_item(EvalCtx *cx, Value *const *argv, bool last, Err *err)
{
  const Value *c = argv[0];
  size_t n;

  if (val_kind(c) == VAL_ARRAY) {
    n = val_array_len(c);
    if (n == 0)
      return val_null();
    return val_ref(val_array_peek(c, last ? n - 1 : 0));
  }
  if (val_kind(c) == VAL_STRING) {
    U16 t;
    Value *v;
    bi_u16_from(&t, val_str(c), val_strlen(c));
    v = t.n == 0 ? val_null() : bi_u16_value(t.u + (last ? t.n - 1 : 0), 1);
    free(t.u);
    return v;
  }
  return bi_type_error(cx, 0, "an array or a string", c, err);
}

BI_FN(bi_first)
{
  (void)argc;
  return end_item(cx, argv, false, err);
}

BI_FN(bi_last)
{
  (void)argc;
  return end_item(cx, argv, true, err);
}

static bool array_has(const Value *arr, const Value *x)
{
  size_t i, n = val_array_len(arr);

  for (i = 0; i < n; i++)
    if (bi_adf_equal(val_array_peek(arr, i), x))
      return true;
  return false;
}

/* All arguments must be arrays, or all objects (decided by the first). */
static bool same_family(EvalCtx *cx, Value *const *argv, int argc, Err *err)
{
  ValKind k = val_kind(argv[0]);
  int i;

  if (k != VAL_ARRAY && k != VAL_OBJECT) {
    bi_type_error(cx, 0, "an array or an object", argv[0], err);
    return false;
  }
  for (i = 1; i < argc; i++)
    if (val_kind(argv[i]) != k) {
      bi_type_error(cx, i, k == VAL_ARRAY ? "an array" : "an object", argv[i],
                    err);
      return false;
    }
  return true;
}

/* intersection(c1, ...): arrays keep the first array's order without
 * duplicates; objects keep a key whose values are equal in every object,
 * with the value of the last one. */
BI_FN(bi_intersection)
{
  Value *r;
  size_t i, n;
  int j;

  if (!same_family(cx, argv, argc, err))
    return NULL;
  if (val_kind(argv[0]) == VAL_ARRAY) {
    r = val_array_new();
    n = val_array_len(argv[0]);
    for (i = 0; i < n; i++) {
      const Value *x = val_array_peek(argv[0], i);
      bool all = !array_has(r, x);
      for (j = 1; j < argc && all; j++)
        all = array_has(argv[j], x);
      if (all)
        val_array_push(r, x);
    }
    return r;
  }
  r = val_object_new();
  n = val_object_len(argv[0]);
  for (i = 0; i < n; i++) {
    size_t klen;
    const char *k = val_object_key_peek(argv[0], i, &klen);
    const Value *x = val_object_value_peek(argv[0], i);
    bool all = true;
    for (j = 1; j < argc && all; j++) {
      const Value *o = val_object_peek(argv[j], k);
      all = o && bi_adf_equal(o, x);
      if (all)
        x = o;
    }
    if (all)
      val_object_set_take(r, k, klen, val_ref(x));
  }
  return r;
}

/* union(c1, ...): arrays in order of first appearance without
 * duplicates; objects merged, a later value replacing an earlier one in
 * the earlier key's place. */
BI_FN(bi_union)
{
  Value *r;
  size_t i, n;
  int j;

  if (!same_family(cx, argv, argc, err))
    return NULL;
  if (val_kind(argv[0]) == VAL_ARRAY) {
    r = val_array_new();
    for (j = 0; j < argc; j++) {
      n = val_array_len(argv[j]);
      for (i = 0; i < n; i++)
        if (!array_has(r, val_array_peek(argv[j], i)))
          val_array_push(r, val_array_peek(argv[j], i));
    }
    return r;
  }
  r = val_object_new();
  for (j = 0; j < argc; j++) {
    n = val_object_len(argv[j]);
    for (i = 0; i < n; i++) {
      size_t klen;
      const char *k = val_object_key_peek(argv[j], i, &klen);
      val_object_set_take(r, k, klen,
                          val_ref(val_object_value_peek(argv[j], i)));
    }
  }
  return r;
}

/* join(array, delimiter): items converted as concat() converts them. */
BI_FN(bi_join)
{
  StrBuf sb;
  Value *v;
  size_t i, n;

  (void)argc;
  if (val_kind(argv[0]) != VAL_ARRAY)
    return bi_type_error(cx, 0, "an array", argv[0], err);
  if (!bi_want_string(cx, argv, 1, err))
    return NULL;
  sb_init(&sb);
  n = val_array_len(argv[0]);
  for (i = 0; i < n; i++) {
    if (i > 0)
      sb_put(&sb, val_str(argv[1]), val_strlen(argv[1]));
    val_to_adf_string(val_array_peek(argv[0], i), &sb);
  }
  v = val_string_from_sb(&sb);
  sb_fini(&sb);
  return v;
}

BI_FN(bi_length)
{
  const Value *v = argv[0];

  (void)argc;
  switch (val_kind(v)) {
  case VAL_STRING:
    return val_int((int64_t)bi_u16_count(val_str(v), val_strlen(v)));
  case VAL_ARRAY:
    return val_int((int64_t)val_array_len(v));
  default:
    return bi_type_error(cx, 0, "an array or a string", v, err);
  }
}

/* Items [from, to) of an array as a new array. */
static Value *slice(const Value *arr, size_t from, size_t to)
{
  Value *r = val_array_new();

  for (; from < to; from++)
    val_array_push(r, val_array_peek(arr, from));
  return r;
}

/* skip(array, count): LINQ Skip: a negative count skips nothing, a count
 * past the end leaves an empty array. */
BI_FN(bi_skip)
{
  int64_t k;
  size_t n;

  (void)argc;
  if (val_kind(argv[0]) != VAL_ARRAY)
    return bi_type_error(cx, 0, "an array", argv[0], err);
  if (!bi_want_int(cx, argv, 1, &k, err))
    return NULL;
  n = val_array_len(argv[0]);
  if (k < 0)
    k = 0;
  return slice(argv[0], (uint64_t)k > n ? n : (size_t)k, n);
}

/* take(collection, count): LINQ Take on an array or a string's UTF-16
 * units: a negative count takes nothing, a large one takes everything. */
BI_FN(bi_take)
{
  int64_t k;
  size_t n;

  (void)argc;
  if (val_kind(argv[0]) != VAL_ARRAY && val_kind(argv[0]) != VAL_STRING)
    return bi_type_error(cx, 0, "an array or a string", argv[0], err);
  if (!bi_want_int(cx, argv, 1, &k, err))
    return NULL;
  if (k < 0)
    k = 0;
  if (val_kind(argv[0]) == VAL_STRING) {
    U16 t;
    Value *v;
    bi_u16_from(&t, val_str(argv[0]), val_strlen(argv[0]));
    v = bi_u16_value(t.u, (uint64_t)k > t.n ? t.n : (size_t)k);
    free(t.u);
    return v;
  }
  n = val_array_len(argv[0]);
  return slice(argv[0], 0, (uint64_t)k > n ? n : (size_t)k);
}
