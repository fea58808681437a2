/*
 * expr/bi_string.c -- ADF string functions and the UTF-16 text helpers
 *
 * Strings are UTF-8 Values, but ADF runs on .NET, which counts, indexes
 * and cuts strings in UTF-16 code units; every position a function takes
 * or returns is therefore a UTF-16 index (docs/functions.md, "Strings").
 * Case-insensitive matching is .NET OrdinalIgnoreCase: unit by unit after
 * simple upper-casing (simple_upper() covers the scripts listed there).
 */
#include <stdlib.h>
#include <string.h>

#include "expr/bi_impl.h"

/* ---- UTF-8 <-> UTF-16 ------------------------------------------------- */

/* Decodes one code point at s[*i] (advancing *i); invalid or truncated
 * sequences, overlongs and surrogates yield U+FFFD for one byte. */
static uint32_t utf8_next(const unsigned char *s, size_t len, size_t *i)
{
  unsigned char c = s[*i];
  uint32_t cp, min;
  size_t n, k;

  if (c < 0x80) {
    (*i)++;
    return c;
  }
  if ((c & 0xE0) == 0xC0) {
    n = 1, cp = c & 0x1F, min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    n = 2, cp = c & 0x0F, min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    n = 3, cp = c & 0x07, min = 0x10000;
  } else {
    (*i)++;
    return 0xFFFD;
  }
  if (*i + n >= len) {
    (*i)++;
    return 0xFFFD;
  }
  for (k = 1; k <= n; k++) {
    if ((s[*i + k] & 0xC0) != 0x80) {
      (*i)++;
      return 0xFFFD;
    }
    cp = (cp << 6) | (s[*i + k] & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    (*i)++;
    return 0xFFFD;
  }
  *i += n + 1;
  return cp;
}

void bi_u16_from(U16 *out, const char *s, size_t len)
{
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0, n = 0;

  out->u = xmalloc((len + 1) * sizeof(uint16_t)); /* never more units */
  while (i < len) {
    uint32_t cp = utf8_next(p, len, &i);
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out->u[n++] = (uint16_t)(0xD800 | (cp >> 10));
      out->u[n++] = (uint16_t)(0xDC00 | (cp & 0x3FF));
    } else {
      out->u[n++] = (uint16_t)cp;
    }
  }
  out->n = n;
}

static void put_u16(StrBuf *sb, const uint16_t *u, size_t n)
{
  size_t i;

  for (i = 0; i < n; i++) {
    uint32_t c = u[i];
    if (c >= 0xD800 && c <= 0xDBFF && i + 1 < n && u[i + 1] >= 0xDC00 &&
        u[i + 1] <= 0xDFFF) {
      c = 0x10000 + ((c - 0xD800) << 10) + (u[i + 1] - 0xDC00);
      i++;
    } else if (c >= 0xD800 && c <= 0xDFFF) {
      c = 0xFFFD;
    }
    sb_put_utf8(sb, c);
  }
}

Value *bi_u16_value(const uint16_t *u, size_t n)
{
  StrBuf sb;
  Value *v;

  sb_init(&sb);
  put_u16(&sb, u, n);
  v = val_string_from_sb(&sb);
  sb_fini(&sb);
  return v;
}

size_t bi_u16_count(const char *s, size_t len)
{
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0, n = 0;

  while (i < len)
    n += utf8_next(p, len, &i) >= 0x10000 ? 2 : 1;
  return n;
}

void bi_utf8_clean(StrBuf *out, const unsigned char *b, size_t n)
{
  size_t i = 0;

  while (i < n)
    sb_put_utf8(out, utf8_next(b, n, &i));
}

/* ---- Case mapping ----------------------------------------------------- */

/* .NET invariant simple case mapping for ASCII, Latin-1, Latin
 * Extended-A, Greek, Cyrillic, Armenian and fullwidth Latin; other units
 * are left alone. */
static uint16_t simple_upper(uint16_t c)
{
  if (c >= 'a' && c <= 'z')
    return (uint16_t)(c - 32);
  if (c < 0x80)
    return c;
  if ((c >= 0xE0 && c <= 0xFE && c != 0xF7))
    return (uint16_t)(c - 32);
  if (c == 0xFF)
    return 0x178;
  if (c == 0xB5)
    return 0x39C;
  if (((c >= 0x100 && c <= 0x137) || (c >= 0x14A && c <= 0x177)) && (c & 1))
    return (uint16_t)(c - 1);
  if (((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) && !(c & 1))
    return (uint16_t)(c - 1);
  if (c == 0x131)
    return 'I';
  if (c >= 0x3B1 && c <= 0x3C9 && c != 0x3C2)
    return (uint16_t)(c - 32);
  if (c == 0x3C2)
    return 0x3A3;
  if (c == 0x3AC)
    return 0x386;
  if (c >= 0x3AD && c <= 0x3AF)
    return (uint16_t)(c - 37);
  if (c == 0x3CC)
    return 0x38C;
  if (c == 0x3CD || c == 0x3CE)
    return (uint16_t)(c - 63);
  if (c >= 0x430 && c <= 0x44F)
    return (uint16_t)(c - 32);
  if (c >= 0x450 && c <= 0x45F)
    return (uint16_t)(c - 80);
  if (((c >= 0x460 && c <= 0x481) || (c >= 0x48A && c <= 0x4BF)) && (c & 1))
    return (uint16_t)(c - 1);
  if (c >= 0x561 && c <= 0x586)
    return (uint16_t)(c - 48);
  if (c >= 0xFF41 && c <= 0xFF5A)
    return (uint16_t)(c - 32);
  return c;
}

static uint16_t simple_lower(uint16_t c)
{
  if (c >= 'A' && c <= 'Z')
    return (uint16_t)(c + 32);
  if (c < 0x80)
    return c;
  if (c >= 0xC0 && c <= 0xDE && c != 0xD7)
    return (uint16_t)(c + 32);
  if (c == 0x178)
    return 0xFF;
  if (((c >= 0x100 && c <= 0x137) || (c >= 0x14A && c <= 0x177)) && !(c & 1))
    return (uint16_t)(c + 1);
  if (((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) && (c & 1))
    return (uint16_t)(c + 1);
  if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2)
    return (uint16_t)(c + 32);
  if (c == 0x386)
    return 0x3AC;
  if (c >= 0x388 && c <= 0x38A)
    return (uint16_t)(c + 37);
  if (c == 0x38C)
    return 0x3CC;
  if (c == 0x38E || c == 0x38F)
    return (uint16_t)(c + 63);
  if (c >= 0x410 && c <= 0x42F)
    return (uint16_t)(c + 32);
  if (c >= 0x400 && c <= 0x40F)
    return (uint16_t)(c + 80);
  if (((c >= 0x460 && c <= 0x481) || (c >= 0x48A && c <= 0x4BF)) && !(c & 1))
    return (uint16_t)(c + 1);
  if (c >= 0x531 && c <= 0x556)
    return (uint16_t)(c + 48);
  if (c >= 0xFF21 && c <= 0xFF3A)
    return (uint16_t)(c + 32);
  return c;
}

static Value *map_case(const Value *s, uint16_t (*map)(uint16_t))
{
  U16 t;
  Value *v;
  size_t i;

  bi_u16_from(&t, val_str(s), val_strlen(s));
  for (i = 0; i < t.n; i++)
    t.u[i] = map(t.u[i]);
  v = bi_u16_value(t.u, t.n);
  free(t.u);
  return v;
}

/* Ordinal-ignore-case equality of n units. */
static bool eq_ic(const uint16_t *a, const uint16_t *b, size_t n)
{
  size_t i;

  for (i = 0; i < n; i++)
    if (a[i] != b[i] && simple_upper(a[i]) != simple_upper(b[i]))
      return false;
  return true;
}

/* memmem() is a GNU extension; this is the portable linear version. */
static const char *find_bytes(const char *h, size_t hlen, const char *n,
                              size_t nlen)
{
  size_t i;

  if (nlen == 0 || nlen > hlen)
    return nlen == 0 ? h : NULL;
  for (i = 0; i + nlen <= hlen; i++)
    if (h[i] == n[0] && memcmp(h + i, n, nlen) == 0)
      return h + i;
  return NULL;
}

/* ---- Functions -------------------------------------------------------- */

/* concat(v1, ...): every argument converted as interpolation does
 * (val_to_adf_string), so null adds nothing and true adds "True". */
/* The longest string concat() may return, in characters (UTF-16 units):
 * Logic Apps documents 104,857,600 (ADF-SPEC 1.6).  Without a cap a loop
 * that doubles a variable would exhaust memory instead of failing. */
#define CONCAT_MAX_CHARS 104857600

/* UTF-16 units of UTF-8 text: one per lead byte, two for 4-byte forms. */
static size_t utf16_units(const char *s, size_t n)
{
  size_t u = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if ((c & 0xC0) != 0x80)
      u += c >= 0xF0 ? 2 : 1;
  }
  return u;
}

BI_FN(bi_concat)
{
  StrBuf sb;
  Value *v;
  int i;

  sb_init(&sb);
  for (i = 0; i < argc; i++) {
    val_to_adf_string(argv[i], &sb);
    if (sb.len > CONCAT_MAX_CHARS &&
        utf16_units(sb.s, sb.len) > CONCAT_MAX_CHARS) {
      sb_fini(&sb);
      return bi_fail(cx, err,
                     "The result of the function 'concat' is longer than "
                     "the limit of %d characters.",
                     CONCAT_MAX_CHARS);
    }
  }
  v = val_string_from_sb(&sb);
  sb_fini(&sb);
  return v;
}

/* Both arguments as UTF-16 (the caller checked they are strings). */
static void two_u16(Value *const *argv, U16 *a, U16 *b)
{
  bi_u16_from(a, val_str(argv[0]), val_strlen(argv[0]));
  bi_u16_from(b, val_str(argv[1]), val_strlen(argv[1]));
}

static bool two_strings(EvalCtx *cx, Value *const *argv, Err *err)
{
  return bi_want_string(cx, argv, 0, err) && bi_want_string(cx, argv, 1, err);
}

/* startsWith/endsWith: case-insensitive, as the ADF docs say. */
static Value *affix(EvalCtx *cx, Value *const *argv, bool at_end, Err *err)
{
  U16 a, b;
  bool r;

  if (!two_strings(cx, argv, err))
    return NULL;
  two_u16(argv, &a, &b);
  r = b.n <= a.n && eq_ic(a.u + (at_end ? a.n - b.n : 0), b.u, b.n);
  free(a.u);
  free(b.u);
  return val_bool(r);
}

BI_FN(bi_starts_with)
{
  (void)argc;
  return affix(cx, argv, false, err);
}

BI_FN(bi_ends_with)
{
  (void)argc;
  return affix(cx, argv, true, err);
}

/* guid(format?): a version-4 GUID from the run's generator, printed with
 * .NET's Guid.ToString(format) layouts N, D, B, P and X. */
BI_FN(bi_guid)
{
  static const char hex[] = "0123456789abcdef";
  const char *fmt;
  char h[33];
  uint64_t r[2];
  StrBuf sb;
  Value *v;
  int i;
  char f;

  if (!bi_opt_string(cx, argv, argc, 0, &fmt, err))
    return NULL;
  f = !fmt || !fmt[0] ? 'D' : fmt[0];
  if (fmt && fmt[0] && fmt[1])
    f = '?';
  if (f >= 'a' && f <= 'z')
    f = (char)(f - 32);
  if (!strchr("NDBPX", f))
    return bi_fail(cx, err,
                   "The function 'guid' was given the format '%s'; the "
                   "format can be only 'N', 'D', 'B', 'P' or 'X'",
                   fmt);
  r[0] = eval_random(cx);
  r[1] = eval_random(cx);
  for (i = 0; i < 32; i++)
    h[i] = hex[(r[i / 16] >> ((i % 16) * 4)) & 15];
  h[32] = '\0';
  h[12] = '4';                        /* version 4 */
  h[16] = hex[8 + ((r[1] >> 4) & 3)]; /* RFC 4122 variant */
  sb_init(&sb);
  if (f == 'N') {
    sb_put(&sb, h, 32);
  } else if (f == 'X') {
    sb_printf(&sb, "{0x%.8s,0x%.4s,0x%.4s,{", h, h + 8, h + 12);
    for (i = 0; i < 8; i++)
      sb_printf(&sb, "0x%.2s%s", h + 16 + 2 * i, i < 7 ? "," : "}}");
  } else {
    if (f != 'D')
      sb_putc(&sb, f == 'B' ? '{' : '(');
    sb_printf(&sb, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16,
              h + 20);
    if (f != 'D')
      sb_putc(&sb, f == 'B' ? '}' : ')');
  }
  v = val_string_from_sb(&sb);
  sb_fini(&sb);
  return v;
}

/* Finds b in a ignoring case: first match from the left, or the last one
 * when 'last'; -1 when absent. */
static int64_t find_ic(const U16 *a, const U16 *b, bool last)
{
  size_t i;

  if (b->n > a->n)
    return -1;
  if (!last) {
    for (i = 0; i + b->n <= a->n; i++)
      if (eq_ic(a->u + i, b->u, b->n))
        return (int64_t)i;
    return -1;
  }
  for (i = a->n - b->n + 1; i-- > 0;)
    if (eq_ic(a->u + i, b->u, b->n))
      return (int64_t)i;
  return -1;
}

BI_FN(bi_index_of)
{
  U16 a, b;
  int64_t r;

  (void)argc;
  if (!two_strings(cx, argv, err))
    return NULL;
  two_u16(argv, &a, &b);
  r = find_ic(&a, &b, false);
  free(a.u);
  free(b.u);
  return val_int(r);
}

/* lastIndexOf: the .NET Framework edge cases the Logic Apps page lists:
 * an empty search value gives len-1 (0 for empty text). */
BI_FN(bi_last_index_of)
{
  U16 a, b;
  int64_t r;

  (void)argc;
  if (!two_strings(cx, argv, err))
    return NULL;
  two_u16(argv, &a, &b);
  if (b.n == 0)
    r = a.n == 0 ? 0 : (int64_t)a.n - 1;
  else
    r = find_ic(&a, &b, true);
  free(a.u);
  free(b.u);
  return val_int(r);
}

/* replace(text, old, new): case-sensitive, every occurrence, left to
 * right without overlap.  Byte matching is exact because UTF-8 is
 * self-synchronising. */
BI_FN(bi_replace)
{
  const char *s, *o, *p, *hit;
  size_t slen, olen;
  StrBuf sb;
  Value *v;

  (void)argc;
  if (!two_strings(cx, argv, err) || !bi_want_string(cx, argv, 2, err))
    return NULL;
  s = val_str(argv[0]), slen = val_strlen(argv[0]);
  o = val_str(argv[1]), olen = val_strlen(argv[1]);
  if (olen == 0)
    return bi_fail(cx, err,
                   "The function 'replace' expects its second parameter "
                   "(the string to replace) to be a non-empty string");
  sb_init(&sb);
  p = s;
  while ((hit = find_bytes(p, slen - (size_t)(p - s), o, olen)) != NULL) {
    sb_put(&sb, p, (size_t)(hit - p));
    sb_put(&sb, val_str(argv[2]), val_strlen(argv[2]));
    p = hit + olen;
  }
  sb_put(&sb, p, slen - (size_t)(p - s));
  v = val_string_from_sb(&sb);
  sb_fini(&sb);
  return v;
}

/* split(text, delimiter): the whole delimiter string separates; an empty
 * delimiter gives [text] (.NET String.Split ignores empty separators). */
BI_FN(bi_split)
{
  const char *s, *d, *p, *hit;
  size_t slen, dlen;
  Value *arr;

  (void)argc;
  if (!two_strings(cx, argv, err))
    return NULL;
  s = val_str(argv[0]), slen = val_strlen(argv[0]);
  d = val_str(argv[1]), dlen = val_strlen(argv[1]);
  arr = val_array_new();
  p = s;
  if (dlen > 0)
    while ((hit = find_bytes(p, slen - (size_t)(p - s), d, dlen)) != NULL) {
      val_array_push_take(arr, val_string(p, (size_t)(hit - p)));
      p = hit + dlen;
    }
  val_array_push_take(arr, val_string(p, slen - (size_t)(p - s)));
  return arr;
}

/* substring(text, start, length?): UTF-16 units; start+length past the
 * end is an error (unlike most languages, as the Logic Apps page says). */
BI_FN(bi_substring)
{
  int64_t start, len;
  U16 t;
  Value *v;

  if (!bi_want_string(cx, argv, 0, err) ||
      !bi_want_int(cx, argv, 1, &start, err))
    return NULL;
  if (argc > 2 && !bi_want_int(cx, argv, 2, &len, err))
    return NULL;
  bi_u16_from(&t, val_str(argv[0]), val_strlen(argv[0]));
  if (argc <= 2)
    len = start >= 0 && (uint64_t)start <= t.n ? (int64_t)t.n - start : 0;
  if (start < 0 || len < 0 || (uint64_t)start > t.n ||
      (uint64_t)len > t.n - (uint64_t)start) {
    free(t.u);
    return bi_fail(cx, err,
                   "The function 'substring' parameters are out of range: "
                   "'start index' and 'length' must be non-negative "
                   "integers and their sum must be no larger than the "
                   "length of the string");
  }
  v = bi_u16_value(t.u + start, (size_t)len);
  free(t.u);
  return v;
}

BI_FN(bi_to_lower)
{
  (void)argc;
  if (!bi_want_string(cx, argv, 0, err))
    return NULL;
  return map_case(argv[0], simple_lower);
}

BI_FN(bi_to_upper)
{
  (void)argc;
  if (!bi_want_string(cx, argv, 0, err))
    return NULL;
  return map_case(argv[0], simple_upper);
}

/* .NET char.IsWhiteSpace for the BMP. */
static bool is_space16(uint16_t c)
{
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 ||
         c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

/* trim(text): .NET String.Trim(): Unicode white space at both ends. */
BI_FN(bi_trim)
{
  size_t a = 0, b;
  U16 t;
  Value *v;

  (void)argc;
  if (!bi_want_string(cx, argv, 0, err))
    return NULL;
  bi_u16_from(&t, val_str(argv[0]), val_strlen(argv[0]));
  b = t.n;
  while (a < b && is_space16(t.u[a]))
    a++;
  while (b > a && is_space16(t.u[b - 1]))
    b--;
  v = bi_u16_value(t.u + a, b - a);
  free(t.u);
  return v;
}
