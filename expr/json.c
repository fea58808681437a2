/*
 * expr/json.c -- the JSON scanner, and the cJSON conversions
 *
 * A recursive-descent reader straight into Values, so integers stay exact
 * and every error carries line:col.  Column numbers count UTF-8 code
 * points from 1.  Nesting is capped at JSON_MAX_DEPTH so hostile input
 * cannot exhaust the stack.
 */
#include "expr/json.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct Reader {
  const char *p, *end, *start;
  const char *line_start;
  int line;
  const char *col_at; /* col_of() cache: column 'col_n' is at 'col_at' */
  int col_n;
  SrcMap *locs; /* borrowed; may be NULL */
  StrBuf path;  /* current path, only maintained with locs */
  StrBuf tmp;   /* scratch for string bodies */
  Err *err;
} Reader;

/* Column of 'at' on the current line, counting code points.  Counting
 * resumes from the last answer when it is on the same line, so long
 * one-line documents (ARM exports) stay linear. */
static int col_of(Reader *r, const char *at)
{
  const char *q = r->line_start;
  int col = 1;
  if (r->col_at && r->col_at >= r->line_start && r->col_at <= at) {
    q = r->col_at;
    col = r->col_n;
  }
  for (; q < at; q++)
    if (((unsigned char)*q & 0xC0) != 0x80)
      col++;
  r->col_at = at;
  r->col_n = col;
  return col;
}

static void describe(const Reader *r, char *buf, size_t cap)
{
  if (r->p >= r->end) {
    snprintf(buf, cap, "end of input");
    return;
  }
  unsigned char c = (unsigned char)*r->p;
  if (c >= 0x20 && c < 0x7f)
    snprintf(buf, cap, "'%c'", c);
  else
    snprintf(buf, cap, "byte 0x%02x", c);
}

static Value *fail(Reader *r, const char *what)
{
  SrcLoc loc = {.off = -1};
  char got[32];
  describe(r, got, sizeof(got));
  loc.line = r->line;
  loc.col = col_of(r, r->p);
  err_set(r->err, ERR_JSON_SYNTAX, &loc, "expected %s, got %s", what, got);
  return NULL;
}

static void skip_ws(Reader *r)
{
  while (r->p < r->end) {
    char c = *r->p;
    if (c == '\n') {
      r->line++;
      r->p++;
      r->line_start = r->p;
    } else if (c == ' ' || c == '\t' || c == '\r') {
      r->p++;
    } else {
      break;
    }
  }
}

static bool lit(Reader *r, const char *word)
{
  size_t n = strlen(word);
  if ((size_t)(r->end - r->p) >= n && memcmp(r->p, word, n) == 0) {
    r->p += n;
    return true;
  }
  return false;
}

static bool hex4(Reader *r, uint32_t *out)
{
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) {
    int h = r->p < r->end ? hex_digit_value(*r->p) : -1;
    if (h < 0) {
      fail(r, "4 hex digits after '\\u'");
      return false;
    }
    v = v * 16 + (uint32_t)h;
    r->p++;
  }
  *out = v;
  return true;
}

/* string -> '"' chars '"'; leaves the body in r->tmp. */
static bool read_string(Reader *r)
{
  sb_reset(&r->tmp);
  r->p++; /* opening quote */
  for (;;) {
    const char *run = r->p;
    while (r->p < r->end && *r->p != '"' && *r->p != '\\' && *r->p != '\n')
      r->p++;
    sb_put(&r->tmp, run, (size_t)(r->p - run));
    if (r->p >= r->end) {
      fail(r, "'\"' to close the string");
      return false;
    }
    char c = *r->p;
    if (c == '"') {
      r->p++;
      return true;
    }
    if (c == '\n') {
      /* Json.NET tolerates raw line breaks inside strings; so do we, but
       * keep line numbers right. */
      sb_putc(&r->tmp, '\n');
      r->p++;
      r->line++;
      r->line_start = r->p;
      continue;
    }
    r->p++; /* backslash */
    if (r->p >= r->end) {
      fail(r, "an escape character");
      return false;
    }
    c = *r->p++;
    switch (c) {
    case '"':
    case '\\':
    case '/':
      sb_putc(&r->tmp, c);
      break;
    case 'b':
      sb_putc(&r->tmp, '\b');
      break;
    case 'f':
      sb_putc(&r->tmp, '\f');
      break;
    case 'n':
      sb_putc(&r->tmp, '\n');
      break;
    case 'r':
      sb_putc(&r->tmp, '\r');
      break;
    case 't':
      sb_putc(&r->tmp, '\t');
      break;
    case 'u': {
      uint32_t cp, lo;
      if (!hex4(r, &cp))
        return false;
      if (cp >= 0xD800 && cp <= 0xDBFF && r->end - r->p >= 6 &&
          r->p[0] == '\\' && r->p[1] == 'u') {
        const char *save = r->p;
        r->p += 2;
        if (!hex4(r, &lo))
          return false;
        if (lo >= 0xDC00 && lo <= 0xDFFF)
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        else
          r->p = save; /* lone high surrogate: keep it as is */
      }
      if (cp >= 0xD800 && cp <= 0xDFFF)
        cp = 0xFFFD; /* unpaired surrogate cannot be UTF-8 */
      sb_put_utf8(&r->tmp, cp);
      break;
    }
    default:
      r->p--;
      fail(r, "a valid escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)");
      return false;
    }
  }
}

static Value *read_number(Reader *r)
{
  const char *s = r->p;
  bool is_float = false;
  if (r->p < r->end && *r->p == '-')
    r->p++;
  if (r->p >= r->end || *r->p < '0' || *r->p > '9')
    return fail(r, "a digit");
  if (*r->p == '0') {
    r->p++;
  } else {
    while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
      r->p++;
  }
  if (r->p < r->end && *r->p == '.') {
    is_float = true;
    r->p++;
    if (r->p >= r->end || *r->p < '0' || *r->p > '9')
      return fail(r, "a digit after '.'");
    while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
      r->p++;
  }
  if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
    is_float = true;
    r->p++;
    if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
      r->p++;
    if (r->p >= r->end || *r->p < '0' || *r->p > '9')
      return fail(r, "a digit in the exponent");
    while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
      r->p++;
  }
  size_t n = (size_t)(r->p - s);
  char small[64];
  char *buf = n < sizeof(small) ? small : xmalloc(n + 1);
  memcpy(buf, s, n);
  buf[n] = '\0';
  Value *v;
  if (!is_float) {
    errno = 0;
    long long ll = strtoll(buf, NULL, 10);
    if (errno == ERANGE)
      v = val_float(strtod(buf, NULL)); /* beyond int64: Json.NET uses
                                           BigInteger; a double is closest */
    else
      v = val_int((int64_t)ll);
  } else {
    v = val_float(strtod(buf, NULL));
  }
  if (buf != small)
    free(buf);
  return v;
}

static Value *read_value(Reader *r, int depth);

static void note_loc(Reader *r)
{
  if (r->locs)
    srcmap_put(r->locs, r->path.s, r->path.len, r->line, col_of(r, r->p));
}

static Value *read_array(Reader *r, int depth)
{
  Value *arr = val_array_new();
  size_t i = 0, base = r->path.len;
  r->p++;
  skip_ws(r);
  if (r->p < r->end && *r->p == ']') {
    r->p++;
    return arr;
  }
  for (;;) {
    if (r->locs)
      srcpath_index(&r->path, i);
    Value *item = read_value(r, depth + 1);
    if (r->locs) {
      r->path.len = base;
      r->path.s[base] = '\0';
    }
    if (!item)
      goto bad;
    val_array_push_take(arr, item);
    i++;
    skip_ws(r);
    if (r->p < r->end && *r->p == ',') {
      r->p++;
      skip_ws(r);
      continue;
    }
    if (r->p < r->end && *r->p == ']') {
      r->p++;
      return arr;
    }
    fail(r, "',' or ']' after an array item");
    goto bad;
  }
bad:
  val_unref(arr);
  return NULL;
}

static Value *read_object(Reader *r, int depth)
{
  Value *obj = val_object_new();
  size_t base = r->path.len;
  r->p++;
  skip_ws(r);
  if (r->p < r->end && *r->p == '}') {
    r->p++;
    return obj;
  }
  for (;;) {
    if (r->p >= r->end || *r->p != '"') {
      fail(r, "'\"' to start a property name");
      goto bad;
    }
    if (!read_string(r))
      goto bad;
    char *key = xstrndup(r->tmp.s, r->tmp.len);
    size_t klen = r->tmp.len;
    skip_ws(r);
    if (r->p >= r->end || *r->p != ':') {
      free(key);
      fail(r, "':' after a property name");
      goto bad;
    }
    r->p++;
    skip_ws(r);
    if (r->locs)
      srcpath_key(&r->path, key, klen);
    Value *item = read_value(r, depth + 1);
    if (r->locs) {
      r->path.len = base;
      r->path.s[base] = '\0';
    }
    if (!item) {
      free(key);
      goto bad;
    }
    val_object_set_take(obj, key, klen, item);
    free(key);
    skip_ws(r);
    if (r->p < r->end && *r->p == ',') {
      r->p++;
      skip_ws(r);
      continue;
    }
    if (r->p < r->end && *r->p == '}') {
      r->p++;
      return obj;
    }
    fail(r, "',' or '}' after a property value");
    goto bad;
  }
bad:
  val_unref(obj);
  return NULL;
}

static Value *read_value(Reader *r, int depth)
{
  skip_ws(r);
  if (depth > JSON_MAX_DEPTH)
    return fail(r, "less nesting (more than 512 levels)");
  if (r->p >= r->end)
    return fail(r, "a value");
  note_loc(r);
  switch (*r->p) {
  case '{':
    return read_object(r, depth);
  case '[':
    return read_array(r, depth);
  case '"':
    if (!read_string(r))
      return NULL;
    return val_string(r->tmp.s, r->tmp.len);
  case 't':
    if (lit(r, "true"))
      return val_bool(true);
    break;
  case 'f':
    if (lit(r, "false"))
      return val_bool(false);
    break;
  case 'n':
    if (lit(r, "null"))
      return val_null();
    break;
  default:
    if (*r->p == '-' || (*r->p >= '0' && *r->p <= '9'))
      return read_number(r);
    break;
  }
  return fail(r, "a value (object, array, string, number, true, false or "
                 "null)");
}

Value *json_parse(const char *text, size_t len, SrcMap *locs, Err *err)
{
  Reader r;
  r.p = r.start = r.line_start = text;
  r.end = text + len;
  r.line = 1;
  r.col_at = NULL;
  r.col_n = 1;
  r.locs = locs;
  r.err = err;
  if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
    r.p = r.line_start = text + 3;
  sb_init(&r.path);
  sb_init(&r.tmp);
  Value *v = read_value(&r, 0);
  if (v) {
    skip_ws(&r);
    if (r.p < r.end) {
      fail(&r, "end of input after the JSON value");
      val_unref(v);
      v = NULL;
    }
  }
  sb_fini(&r.path);
  sb_fini(&r.tmp);
  return v;
}

/* ---- cJSON at the edges -------------------------------------------- */

cJSON *json_to_cjson(const Value *v)
{
  cJSON *j = NULL;
  size_t i, n;
  switch (val_kind(v)) {
  case VAL_NULL:
    return cJSON_CreateNull();
  case VAL_BOOL:
    return cJSON_CreateBool(val_get_bool(v));
  case VAL_INT:
    return cJSON_CreateNumber((double)val_get_int(v));
  case VAL_FLOAT:
    return cJSON_CreateNumber(val_get_float(v));
  case VAL_STRING:
    return cJSON_CreateString(val_str(v));
  case VAL_ARRAY:
    j = cJSON_CreateArray();
    n = val_array_len(v);
    for (i = 0; i < n; i++)
      cJSON_AddItemToArray(j, json_to_cjson(val_array_peek(v, i)));
    return j;
  case VAL_OBJECT:
    j = cJSON_CreateObject();
    n = val_object_len(v);
    for (i = 0; i < n; i++)
      cJSON_AddItemToObject(j, val_object_key_peek(v, i, NULL),
                            json_to_cjson(val_object_value_peek(v, i)));
    return j;
  }
  return cJSON_CreateNull();
}

Value *json_from_cjson(const cJSON *j)
{
  Value *v;
  const cJSON *c;
  if (!j || cJSON_IsNull(j))
    return val_null();
  if (cJSON_IsBool(j))
    return val_bool(cJSON_IsTrue(j));
  if (cJSON_IsNumber(j)) {
    double d = j->valuedouble;
    if (d == floor(d) && fabs(d) <= 9007199254740992.0)
      return val_int((int64_t)d);
    return val_float(d);
  }
  if (cJSON_IsString(j))
    return val_cstr(j->valuestring ? j->valuestring : "");
  if (cJSON_IsArray(j)) {
    v = val_array_new();
    cJSON_ArrayForEach(c, j) val_array_push_take(v, json_from_cjson(c));
    return v;
  }
  if (cJSON_IsObject(j)) {
    v = val_object_new();
    cJSON_ArrayForEach(c, j)
    {
      const char *k = c->string ? c->string : "";
      val_object_set_take(v, k, strlen(k), json_from_cjson(c));
    }
    return v;
  }
  return val_null();
}
