/*
 * expr/value.c -- immutable, reference-counted JSON values
 *
 * A string keeps its bytes in the same allocation as its header.  Arrays
 * and objects keep growable item vectors; objects are looked up by linear
 * scan (ADF objects are small; insertion order must be kept anyway).
 * Immortal singletons carry refcnt < 0 and are never freed.
 */
#include "expr/value.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct ObjEntry {
  char *key; /* owned, NUL-terminated */
  size_t klen;
  Value *val; /* owned */
} ObjEntry;

struct Value {
  int refcnt; /* < 0: immortal */
  ValKind kind;
  union {
    bool b;
    int64_t i;
    double d;
    struct {
      size_t len;
      char *s; /* points into the same allocation */
    } str;
    struct {
      size_t len, cap;
      Value **items; /* owned */
    } arr;
    struct {
      size_t len, cap;
      ObjEntry *e; /* owned */
    } obj;
  } u;
};

static Value v_null = {-1, VAL_NULL, {.i = 0}};
static Value v_true = {-1, VAL_BOOL, {.b = true}};
static Value v_false = {-1, VAL_BOOL, {.b = false}};

/* ---- Counting ------------------------------------------------------- */

Value *val_ref(const Value *v)
{
  Value *m = (Value *)v;
  if (m && m->refcnt >= 0)
    m->refcnt++;
  return m;
}

static void val_free(Value *v)
{
  size_t i;
  switch (v->kind) {
  case VAL_ARRAY:
    for (i = 0; i < v->u.arr.len; i++)
      val_unref(v->u.arr.items[i]);
    free(v->u.arr.items);
    break;
  case VAL_OBJECT:
    for (i = 0; i < v->u.obj.len; i++) {
      free(v->u.obj.e[i].key);
      val_unref(v->u.obj.e[i].val);
    }
    free(v->u.obj.e);
    break;
  default:
    break;
  }
  free(v);
}

void val_unref(Value *v)
{
  if (!v || v->refcnt < 0)
    return;
  if (--v->refcnt == 0)
    val_free(v);
}

/* ---- Constructors --------------------------------------------------- */

static Value *val_alloc(ValKind k, size_t extra)
{
  Value *v = xmalloc(sizeof(Value) + extra);
  v->refcnt = 1;
  v->kind = k;
  return v;
}

Value *val_null(void)
{
  return &v_null;
}

Value *val_bool(bool b)
{
  return b ? &v_true : &v_false;
}

Value *val_int(int64_t i)
{
  Value *v = val_alloc(VAL_INT, 0);
  v->u.i = i;
  return v;
}

Value *val_float(double d)
{
  Value *v = val_alloc(VAL_FLOAT, 0);
  v->u.d = d;
  return v;
}

Value *val_string(const char *s, size_t len)
{
  Value *v = val_alloc(VAL_STRING, len + 1);
  v->u.str.len = len;
  v->u.str.s = (char *)(v + 1);
  if (len)
    memcpy(v->u.str.s, s, len);
  v->u.str.s[len] = '\0';
  return v;
}

Value *val_cstr(const char *s)
{
  return val_string(s, strlen(s));
}

Value *val_string_from_sb(StrBuf *sb)
{
  Value *v = val_string(sb->s, sb->len);
  sb_reset(sb);
  return v;
}

Value *val_array_new(void)
{
  Value *v = val_alloc(VAL_ARRAY, 0);
  v->u.arr.len = v->u.arr.cap = 0;
  v->u.arr.items = NULL;
  return v;
}

Value *val_object_new(void)
{
  Value *v = val_alloc(VAL_OBJECT, 0);
  v->u.obj.len = v->u.obj.cap = 0;
  v->u.obj.e = NULL;
  return v;
}

/* ---- Builders ------------------------------------------------------- */

void val_array_push_take(Value *arr, Value *item)
{
  if (arr->u.arr.len == arr->u.arr.cap) {
    arr->u.arr.cap = arr->u.arr.cap ? arr->u.arr.cap * 2 : 4;
    arr->u.arr.items =
        xrealloc(arr->u.arr.items, arr->u.arr.cap * sizeof(Value *));
  }
  arr->u.arr.items[arr->u.arr.len++] = item;
}

void val_array_push(Value *arr, const Value *item)
{
  val_array_push_take(arr, val_ref(item));
}

void val_object_set_take(Value *obj, const char *key, size_t klen, Value *item)
{
  size_t i;
  for (i = 0; i < obj->u.obj.len; i++) {
    ObjEntry *e = &obj->u.obj.e[i];
    if (e->klen == klen && memcmp(e->key, key, klen) == 0) {
      val_unref(e->val);
      e->val = item;
      return;
    }
  }
  if (obj->u.obj.len == obj->u.obj.cap) {
    obj->u.obj.cap = obj->u.obj.cap ? obj->u.obj.cap * 2 : 4;
    obj->u.obj.e = xrealloc(obj->u.obj.e, obj->u.obj.cap * sizeof(ObjEntry));
  }
  ObjEntry *e = &obj->u.obj.e[obj->u.obj.len++];
  e->key = xstrndup(key, klen);
  e->klen = klen;
  e->val = item;
}

void val_object_set(Value *obj, const char *key, const Value *item)
{
  val_object_set_take(obj, key, strlen(key), val_ref(item));
}

void val_object_del(Value *obj, const char *key)
{
  size_t klen = strlen(key);
  for (size_t i = 0; i < obj->u.obj.len; i++) {
    ObjEntry *e = &obj->u.obj.e[i];
    if (e->klen == klen && memcmp(e->key, key, klen) == 0) {
      free(e->key);
      val_unref(e->val);
      memmove(e, e + 1, (obj->u.obj.len - i - 1) * sizeof(ObjEntry));
      obj->u.obj.len--;
      return;
    }
  }
}

/* ---- Accessors ------------------------------------------------------ */

ValKind val_kind(const Value *v)
{
  return v->kind;
}

const char *val_kind_name(ValKind k)
{
  switch (k) {
  case VAL_NULL:
    return "Null";
  case VAL_BOOL:
    return "Boolean";
  case VAL_INT:
    return "Integer";
  case VAL_FLOAT:
    return "Float";
  case VAL_STRING:
    return "String";
  case VAL_ARRAY:
    return "Array";
  case VAL_OBJECT:
    return "Object";
  }
  return "Unknown";
}

bool val_get_bool(const Value *v)
{
  return v->kind == VAL_BOOL && v->u.b;
}

int64_t val_get_int(const Value *v)
{
  if (v->kind == VAL_INT)
    return v->u.i;
  if (v->kind == VAL_FLOAT)
    return (int64_t)v->u.d;
  return 0;
}

double val_get_float(const Value *v)
{
  return val_get_number(v);
}

double val_get_number(const Value *v)
{
  if (v->kind == VAL_FLOAT)
    return v->u.d;
  if (v->kind == VAL_INT)
    return (double)v->u.i;
  return 0.0;
}

const char *val_str(const Value *v)
{
  return v->kind == VAL_STRING ? v->u.str.s : "";
}

size_t val_strlen(const Value *v)
{
  return v->kind == VAL_STRING ? v->u.str.len : 0;
}

size_t val_array_len(const Value *v)
{
  return v->kind == VAL_ARRAY ? v->u.arr.len : 0;
}

const Value *val_array_peek(const Value *v, size_t i)
{
  if (v->kind != VAL_ARRAY || i >= v->u.arr.len)
    return NULL;
  return v->u.arr.items[i];
}

size_t val_object_len(const Value *v)
{
  return v->kind == VAL_OBJECT ? v->u.obj.len : 0;
}

const char *val_object_key_peek(const Value *v, size_t i, size_t *klen)
{
  if (v->kind != VAL_OBJECT || i >= v->u.obj.len)
    return NULL;
  if (klen)
    *klen = v->u.obj.e[i].klen;
  return v->u.obj.e[i].key;
}

const Value *val_object_value_peek(const Value *v, size_t i)
{
  if (v->kind != VAL_OBJECT || i >= v->u.obj.len)
    return NULL;
  return v->u.obj.e[i].val;
}

const Value *val_object_peek(const Value *obj, const char *key)
{
  if (obj->kind != VAL_OBJECT)
    return NULL;
  size_t klen = strlen(key);
  for (size_t i = 0; i < obj->u.obj.len; i++) {
    const ObjEntry *e = &obj->u.obj.e[i];
    if (e->klen == klen && memcmp(e->key, key, klen) == 0)
      return e->val;
  }
  return NULL;
}

static int lower(int c)
{
  return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

static bool eq_ci(const char *a, const char *b, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
      return false;
  return true;
}

const Value *val_object_peek_ci(const Value *obj, const char *key, size_t klen)
{
  const Value *ci = NULL;
  if (obj->kind != VAL_OBJECT)
    return NULL;
  for (size_t i = 0; i < obj->u.obj.len; i++) {
    const ObjEntry *e = &obj->u.obj.e[i];
    if (e->klen != klen)
      continue;
    if (memcmp(e->key, key, klen) == 0)
      return e->val;
    if (!ci && eq_ci(e->key, key, klen))
      ci = e->val;
  }
  return ci;
}

/* ---- Comparison ----------------------------------------------------- */

bool val_equal(const Value *a, const Value *b)
{
  size_t i;
  if (a == b)
    return true;
  if (a->kind != b->kind)
    return false;
  switch (a->kind) {
  case VAL_NULL:
    return true;
  case VAL_BOOL:
    return a->u.b == b->u.b;
  case VAL_INT:
    return a->u.i == b->u.i;
  case VAL_FLOAT:
    return a->u.d == b->u.d || (isnan(a->u.d) && isnan(b->u.d));
  case VAL_STRING:
    return a->u.str.len == b->u.str.len &&
           memcmp(a->u.str.s, b->u.str.s, a->u.str.len) == 0;
  case VAL_ARRAY:
    if (a->u.arr.len != b->u.arr.len)
      return false;
    for (i = 0; i < a->u.arr.len; i++)
      if (!val_equal(a->u.arr.items[i], b->u.arr.items[i]))
        return false;
    return true;
  case VAL_OBJECT:
    if (a->u.obj.len != b->u.obj.len)
      return false;
    for (i = 0; i < a->u.obj.len; i++) {
      const ObjEntry *e = &a->u.obj.e[i];
      const Value *o = val_object_peek(b, e->key);
      if (!o || !val_equal(e->val, o))
        return false;
    }
    return true;
  }
  return false;
}

/* ---- Printing ------------------------------------------------------- */

/* .NET Core 3.0+ prints the shortest digits that round-trip; it switches
 * to scientific notation ("1E+15", "1E-05") when the decimal exponent is
 * >= 15 or < -4.  A double always round-trips with 17 significant digits,
 * and any decimal of <= 15 digits survives the trip, so trying 15, 16, 17
 * finds the shortest. */
int val_format_double(double d, char *buf)
{
  char tmp[40];
  int prec, exp10, ndig, len = 0;
  char digits[24];

  if (isnan(d))
    return snprintf(buf, 32, "NaN");
  if (isinf(d))
    return snprintf(buf, 32, "%s", d < 0 ? "-Infinity" : "Infinity");
  if (d == 0)
    return snprintf(buf, 32, "%s", signbit(d) ? "-0" : "0");
  for (prec = 15; prec <= 17; prec++) {
    snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, d);
    if (strtod(tmp, NULL) == d)
      break;
  }
  /* tmp is [-]D.DDDDe[+-]XX: collect digits and the exponent. */
  const char *p = tmp;
  bool neg = false;
  if (*p == '-') {
    neg = true;
    p++;
  }
  ndig = 0;
  for (; *p && *p != 'e'; p++)
    if (*p >= '0' && *p <= '9')
      digits[ndig++] = *p;
  exp10 = atoi(p + 1);
  while (ndig > 1 && digits[ndig - 1] == '0')
    ndig--;
  if (neg)
    buf[len++] = '-';
  if (exp10 >= 15 || exp10 < -4) {
    buf[len++] = digits[0];
    if (ndig > 1) {
      buf[len++] = '.';
      memcpy(buf + len, digits + 1, (size_t)ndig - 1);
      len += ndig - 1;
    }
    len += snprintf(buf + len, 12, "E%c%02d", exp10 < 0 ? '-' : '+',
                    exp10 < 0 ? -exp10 : exp10);
  } else if (exp10 < 0) {
    buf[len++] = '0';
    buf[len++] = '.';
    for (int i = -1; i > exp10; i--)
      buf[len++] = '0';
    memcpy(buf + len, digits, (size_t)ndig);
    len += ndig;
  } else {
    for (int i = 0; i <= exp10; i++)
      buf[len++] = i < ndig ? digits[i] : '0';
    if (ndig > exp10 + 1) {
      buf[len++] = '.';
      memcpy(buf + len, digits + exp10 + 1, (size_t)(ndig - exp10 - 1));
      len += ndig - exp10 - 1;
    }
  }
  buf[len] = '\0';
  return len;
}

void val_json_quote(StrBuf *out, const char *s, size_t len)
{
  size_t i, start = 0;
  sb_reserve(out, len + 2);
  sb_putc(out, '"');
  for (i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    const char *esc = NULL;
    char ubuf[8];
    if (c >= 0x20 && c != '"' && c != '\\')
      continue;
    switch (c) {
    case '"':
      esc = "\\\"";
      break;
    case '\\':
      esc = "\\\\";
      break;
    case '\n':
      esc = "\\n";
      break;
    case '\r':
      esc = "\\r";
      break;
    case '\t':
      esc = "\\t";
      break;
    case '\b':
      esc = "\\b";
      break;
    case '\f':
      esc = "\\f";
      break;
    default:
      snprintf(ubuf, sizeof(ubuf), "\\u%04x", c);
      esc = ubuf;
    }
    sb_put(out, s + start, i - start);
    sb_puts(out, esc);
    start = i + 1;
  }
  sb_put(out, s + start, len - start);
  sb_putc(out, '"');
}

static void to_json(const Value *v, StrBuf *out, int indent, int depth)
{
  char buf[40];
  size_t i;

  switch (v->kind) {
  case VAL_NULL:
    sb_put(out, "null", 4);
    return;
  case VAL_BOOL:
    if (v->u.b)
      sb_put(out, "true", 4);
    else
      sb_put(out, "false", 5);
    return;
  case VAL_INT:
    sb_printf(out, "%lld", (long long)v->u.i);
    return;
  case VAL_FLOAT: {
    int n = val_format_double(v->u.d, buf);
    if (!isfinite(v->u.d)) {
      val_json_quote(out, buf, (size_t)n);
      return;
    }
    sb_put(out, buf, (size_t)n);
    if (!strpbrk(buf, ".E"))
      sb_put(out, ".0", 2);
    return;
  }
  case VAL_STRING:
    val_json_quote(out, v->u.str.s, v->u.str.len);
    return;
  case VAL_ARRAY:
    sb_putc(out, '[');
    for (i = 0; i < v->u.arr.len; i++) {
      if (i)
        sb_putc(out, ',');
      if (indent) {
        sb_putc(out, '\n');
        for (int k = 0; k < (depth + 1) * indent; k++)
          sb_putc(out, ' ');
      }
      to_json(v->u.arr.items[i], out, indent, depth + 1);
    }
    if (indent && v->u.arr.len) {
      sb_putc(out, '\n');
      for (int k = 0; k < depth * indent; k++)
        sb_putc(out, ' ');
    }
    sb_putc(out, ']');
    return;
  case VAL_OBJECT:
    sb_putc(out, '{');
    for (i = 0; i < v->u.obj.len; i++) {
      if (i)
        sb_putc(out, ',');
      if (indent) {
        sb_putc(out, '\n');
        for (int k = 0; k < (depth + 1) * indent; k++)
          sb_putc(out, ' ');
      }
      val_json_quote(out, v->u.obj.e[i].key, v->u.obj.e[i].klen);
      sb_putc(out, ':');
      if (indent)
        sb_putc(out, ' ');
      to_json(v->u.obj.e[i].val, out, indent, depth + 1);
    }
    if (indent && v->u.obj.len) {
      sb_putc(out, '\n');
      for (int k = 0; k < depth * indent; k++)
        sb_putc(out, ' ');
    }
    sb_putc(out, '}');
    return;
  }
}

void val_to_json(const Value *v, StrBuf *out)
{
  to_json(v, out, 0, 0);
}

void val_to_json_pretty(const Value *v, StrBuf *out, int indent)
{
  to_json(v, out, indent, 0);
}

char *val_to_json_str(const Value *v)
{
  StrBuf sb;
  sb_init(&sb);
  to_json(v, &sb, 0, 0);
  return sb_take(&sb);
}

Value *val_copy(const Value *v)
{
  Value *c;
  size_t i;
  switch (v->kind) {
  case VAL_ARRAY:
    c = val_array_new();
    for (i = 0; i < v->u.arr.len; i++)
      val_array_push(c, v->u.arr.items[i]);
    return c;
  case VAL_OBJECT:
    c = val_object_new();
    for (i = 0; i < v->u.obj.len; i++)
      val_object_set_take(c, v->u.obj.e[i].key, v->u.obj.e[i].klen,
                          val_ref(v->u.obj.e[i].val));
    return c;
  case VAL_STRING:
    return val_string(v->u.str.s, v->u.str.len);
  case VAL_INT:
    return val_int(v->u.i);
  case VAL_FLOAT:
    return val_float(v->u.d);
  default:
    return (Value *)v; /* immortal singletons */
  }
}

void val_to_adf_string(const Value *v, StrBuf *out)
{
  char buf[40];
  switch (v->kind) {
  case VAL_NULL:
    return;
  case VAL_BOOL:
    sb_puts(out, v->u.b ? "True" : "False");
    return;
  case VAL_INT:
    sb_printf(out, "%lld", (long long)v->u.i);
    return;
  case VAL_FLOAT:
    sb_put(out, buf, (size_t)val_format_double(v->u.d, buf));
    return;
  case VAL_STRING:
    sb_put(out, v->u.str.s, v->u.str.len);
    return;
  default:
    to_json(v, out, 0, 0);
    return;
  }
}
