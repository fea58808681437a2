/*
 * expr/bi_convert.c -- ADF conversion functions (base64, data URIs, URI
 *                      components, binary, bool/int/float/string/json)
 *
 * "Binary" results are ADF's documented bit strings (bi_bits_value): the
 * decoded bytes, 8 '0'/'1' characters each.  Decoded text that is not
 * valid UTF-8 gets U+FFFD, as .NET's UTF-8 decoder does.  xml() and
 * xpath() are in bi_xml.c; json() hands XML text over to it.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "expr/bi_impl.h"
#include "expr/json.h"

/* ---- Shared helpers --------------------------------------------------- */

Value *bi_bits_value(const unsigned char *b, size_t n)
{
  StrBuf sb;
  Value *v;
  size_t i;
  int k;

  sb_init(&sb);
  sb_reserve(&sb, n * 8);
  for (i = 0; i < n; i++)
    for (k = 7; k >= 0; k--)
      sb_putc(&sb, (b[i] >> k) & 1 ? '1' : '0');
  v = val_string_from_sb(&sb);
  sb_fini(&sb);
  return v;
}

static Value *text_value(const StrBuf *bytes)
{
  StrBuf sb;
  Value *v;

  sb_init(&sb);
  bi_utf8_clean(&sb, (const unsigned char *)bytes->s, bytes->len);
  v = val_string_from_sb(&sb);
  sb_fini(&sb);
  return v;
}

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void base64_encode(StrBuf *out, const unsigned char *p, size_t n)
{
  size_t i;

  for (i = 0; i + 2 < n; i += 3) {
    sb_putc(out, b64[p[i] >> 2]);
    sb_putc(out, b64[((p[i] & 3) << 4) | (p[i + 1] >> 4)]);
    sb_putc(out, b64[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)]);
    sb_putc(out, b64[p[i + 2] & 63]);
  }
  if (n - i == 1) {
    sb_putc(out, b64[p[i] >> 2]);
    sb_putc(out, b64[(p[i] & 3) << 4]);
    sb_puts(out, "==");
  } else if (n - i == 2) {
    sb_putc(out, b64[p[i] >> 2]);
    sb_putc(out, b64[((p[i] & 3) << 4) | (p[i + 1] >> 4)]);
    sb_putc(out, b64[(p[i + 1] & 15) << 2]);
    sb_putc(out, '=');
  }
}

/* .NET Convert.FromBase64String: white space is ignored, the length
 * (without white space) must be a multiple of 4 and '=' may only pad the
 * end.  Returns false on malformed input. */
static bool base64_decode(StrBuf *out, const char *s, size_t n)
{
  unsigned acc = 0;
  int bits = 0, pad = 0;
  size_t i, count = 0;

  for (i = 0; i < n; i++) {
    char c = s[i];
    const char *q;
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
      continue;
    count++;
    if (c == '=') {
      pad++;
      continue;
    }
    if (pad > 0 || !c || !(q = strchr(b64, c)))
      return false;
    acc = (acc << 6) | (unsigned)(q - b64);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      sb_putc(out, (char)((acc >> bits) & 0xFF));
    }
  }
  return count % 4 == 0 && pad <= 2;
}

static Value *bad_base64(EvalCtx *cx, Err *err)
{
  return bi_fail(cx, err,
                 "The function '%s' expects its parameter to be a valid "
                 "base64 string: the input contains a non-base64 character, "
                 "more than two padding characters, or an illegal character "
                 "among the padding characters",
                 eval_fn_name(cx));
}

/* Uri.UnescapeDataString: "%XX" becomes the byte, a '%' not followed by
 * two hex digits stays as it is, '+' stays '+'. */
static void percent_decode(StrBuf *out, const char *s, size_t n)
{
  size_t i;

  for (i = 0; i < n; i++) {
    int h, l;
    if (s[i] == '%' && i + 2 < n && (h = hex_digit_value(s[i + 1])) >= 0 &&
        (l = hex_digit_value(s[i + 2])) >= 0) {
      sb_putc(out, (char)(h * 16 + l));
      i += 2;
    } else {
      sb_putc(out, s[i]);
    }
  }
}

/* Uri.EscapeDataString: everything but the RFC 3986 unreserved
 * characters, as %XX (upper-case hex) of the UTF-8 bytes. */
static void percent_encode(StrBuf *out, const char *s, size_t n)
{
  static const char hex[] = "0123456789ABCDEF";
  size_t i;

  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
        (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
        c == '~') {
      sb_putc(out, (char)c);
    } else {
      sb_putc(out, '%');
      sb_putc(out, hex[c >> 4]);
      sb_putc(out, hex[c & 15]);
    }
  }
}

/* Decodes an RFC 2397 data URI "data:[<mediatype>][;base64],<data>".
 * Returns false when 's' is not one. */
static bool data_uri_decode(StrBuf *out, const char *s, size_t n)
{
  const char *comma;
  size_t head;

  if (n < 5 || strncasecmp(s, "data:", 5) != 0)
    return false;
  comma = memchr(s, ',', n);
  if (!comma)
    return false;
  head = (size_t)(comma - s);
  if (head >= 12 && strncasecmp(comma - 7, ";base64", 7) == 0)
    return base64_decode(out, comma + 1, n - head - 1);
  percent_decode(out, comma + 1, n - head - 1);
  return true;
}

/* ---- Decoding kinds shared by the *ToString / *ToBinary pairs -------- */

typedef enum Codec { C_BASE64, C_DATA_URI, C_URI } Codec;

static Value *decode(EvalCtx *cx, Value *const *argv, Codec c, bool binary,
                     Err *err)
{
  StrBuf sb;
  Value *v = NULL;
  bool ok = true;
  const char *s;
  size_t n;

  if (!bi_want_string(cx, argv, 0, err))
    return NULL;
  s = val_str(argv[0]), n = val_strlen(argv[0]);
  sb_init(&sb);
  switch (c) {
  case C_BASE64:
    ok = base64_decode(&sb, s, n);
    if (!ok)
      bad_base64(cx, err);
    break;
  case C_DATA_URI:
    ok = data_uri_decode(&sb, s, n);
    if (!ok)
      bi_fail(cx, err,
              "The function '%s' expects its parameter to be a valid data "
              "URI ('data:[<media type>][;base64],<data>')",
              eval_fn_name(cx));
    break;
  case C_URI:
    percent_decode(&sb, s, n);
    break;
  }
  if (ok)
    v = binary ? bi_bits_value((const unsigned char *)sb.s, sb.len)
               : text_value(&sb);
  sb_fini(&sb);
  return v;
}

/* ---- Functions -------------------------------------------------------- */

BI_FN(bi_array)
{
  Value *r = val_array_new();

  (void)cx, (void)argc, (void)err;
  val_array_push(r, argv[0]);
  return r;
}

BI_FN(bi_create_array)
{
  Value *r = val_array_new();
  int i;

  (void)cx, (void)err;
  for (i = 0; i < argc; i++)
    val_array_push(r, argv[i]);
  return r;
}

BI_FN(bi_coalesce)
{
  int i;

  (void)cx, (void)err;
  for (i = 0; i < argc; i++)
    if (val_kind(argv[i]) != VAL_NULL)
      return val_ref(argv[i]);
  return val_null();
}

BI_FN(bi_base64)
{
  StrBuf sb;
  Value *v;

  (void)argc;
  if (!bi_want_string(cx, argv, 0, err))
    return NULL;
  sb_init(&sb);
  base64_encode(&sb, (const unsigned char *)val_str(argv[0]),
                val_strlen(argv[0]));
  v = val_string_from_sb(&sb);
  sb_fini(&sb);
  return v;
}

BI_FN(bi_base64_to_string)
{
  (void)argc;
  return decode(cx, argv, C_BASE64, false, err);
}

BI_FN(bi_base64_to_binary)
{
  (void)argc;
  return decode(cx, argv, C_BASE64, true, err);
}

BI_FN(bi_binary)
{
  (void)argc;
  if (!bi_want_string(cx, argv, 0, err))
    return NULL;
  return bi_bits_value((const unsigned char *)val_str(argv[0]),
                       val_strlen(argv[0]));
}

/* dataUri(text): always text/plain in UTF-8, base64-encoded. */
BI_FN(bi_data_uri)
{
  StrBuf sb;
  Value *v;

  (void)argc;
  if (!bi_want_string(cx, argv, 0, err))
    return NULL;
  sb_init(&sb);
  sb_puts(&sb, "data:text/plain;charset=utf-8;base64,");
  base64_encode(&sb, (const unsigned char *)val_str(argv[0]),
                val_strlen(argv[0]));
  v = val_string_from_sb(&sb);
  sb_fini(&sb);
  return v;
}

BI_FN(bi_data_uri_to_binary)
{
  (void)argc;
  return decode(cx, argv, C_DATA_URI, true, err);
}

BI_FN(bi_data_uri_to_string)
{
  (void)argc;
  return decode(cx, argv, C_DATA_URI, false, err);
}

BI_FN(bi_decode_uri_component)
{
  (void)argc;
  return decode(cx, argv, C_URI, false, err);
}

BI_FN(bi_uri_component_to_binary)
{
  (void)argc;
  return decode(cx, argv, C_URI, true, err);
}

BI_FN(bi_encode_uri_component)
{
  StrBuf sb;
  Value *v;

  (void)argc;
  if (!bi_want_string(cx, argv, 0, err))
    return NULL;
  sb_init(&sb);
  percent_encode(&sb, val_str(argv[0]), val_strlen(argv[0]));
  v = val_string_from_sb(&sb);
  sb_fini(&sb);
  return v;
}

/* ---- bool / int / float / string / json ------------------------------ */

static Value *not_convertible(EvalCtx *cx, const Value *v, const char *kind,
                              Err *err)
{
  return bi_fail(cx, err,
                 "The function '%s' was invoked with a parameter that is not "
                 "valid. The value '%s' cannot be converted to the target "
                 "type '%s'.",
                 eval_fn_name(cx), val_str(v), kind);
}

/* Trims ASCII white space; narrows the span in place. */
static void trim_span(const char **s, size_t *n)
{
  while (*n > 0 && strchr(" \t\r\n", (*s)[0]))
    (*s)++, (*n)--;
  while (*n > 0 && strchr(" \t\r\n", (*s)[*n - 1]))
    (*n)--;
}

/* bool(v): numbers are true unless zero; strings 'true'/'false' in any
 * case (surrounding white space allowed, as .NET bool.Parse). */
BI_FN(bi_bool)
{
  const Value *v = argv[0];
  const char *s;
  size_t n;

  (void)argc;
  switch (val_kind(v)) {
  case VAL_BOOL:
    return val_ref(v);
  case VAL_INT:
  case VAL_FLOAT:
    return val_bool(val_get_number(v) != 0.0);
  case VAL_STRING:
    s = val_str(v), n = val_strlen(v);
    trim_span(&s, &n);
    if (n == 4 && strncasecmp(s, "true", 4) == 0)
      return val_bool(true);
    if (n == 5 && strncasecmp(s, "false", 5) == 0)
      return val_bool(false);
    return not_convertible(cx, v, "Boolean", err);
  default:
    return bi_type_error(cx, 0, "a boolean, a number or a string", v, err);
  }
}

/* int(v): strings as .NET Int64.Parse (white space, sign, digits); floats
 * rounded to the nearest integer, halves to even (Convert.ToInt64);
 * booleans 1/0. */
BI_FN(bi_int)
{
  const Value *v = argv[0];
  const char *s;
  size_t n, i;
  bool neg = false;
  uint64_t acc = 0;
  double d;

  (void)argc;
  switch (val_kind(v)) {
  case VAL_INT:
    return val_ref(v);
  case VAL_BOOL:
    return val_int(val_get_bool(v) ? 1 : 0);
  case VAL_FLOAT:
    d = nearbyint(val_get_float(v));
    if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0))
      return bi_fail(cx, err,
                     "The function 'int' cannot convert %g to a 64-bit "
                     "integer: the value is out of range",
                     val_get_float(v));
    return val_int((int64_t)d);
  case VAL_STRING:
    s = val_str(v), n = val_strlen(v);
    trim_span(&s, &n);
    i = 0;
    if (n > 0 && (s[0] == '-' || s[0] == '+'))
      neg = s[0] == '-', i = 1;
    if (i == n)
      return not_convertible(cx, v, "Integer", err);
    for (; i < n; i++) {
      if (s[i] < '0' || s[i] > '9')
        return not_convertible(cx, v, "Integer", err);
      if (acc > (UINT64_C(9223372036854775808) - (uint64_t)(s[i] - '0')) / 10)
        return not_convertible(cx, v, "Integer", err);
      acc = acc * 10 + (uint64_t)(s[i] - '0');
    }
    if (!neg && acc > (uint64_t)INT64_MAX)
      return not_convertible(cx, v, "Integer", err);
    return val_int(neg ? (int64_t)(0 - acc) : (int64_t)acc);
  default:
    return bi_type_error(cx, 0, "a number, a boolean or a string", v, err);
  }
}

/* float(v): strings in the invariant culture: sign, digits with optional
 * ',' group separators, '.', fraction, exponent (.NET NumberStyles.Float
 * plus AllowThousands).  Always returns a float. */
BI_FN(bi_float)
{
  const Value *v = argv[0];
  const char *s;
  size_t n, i;
  StrBuf sb;
  double d;
  char *end;
  bool digits = false, ok = true;

  (void)argc;
  switch (val_kind(v)) {
  case VAL_FLOAT:
    return val_ref(v);
  case VAL_INT:
    return val_float((double)val_get_int(v));
  case VAL_STRING:
    break;
  default:
    return bi_type_error(cx, 0, "a number or a string", v, err);
  }
  s = val_str(v), n = val_strlen(v);
  trim_span(&s, &n);
  sb_init(&sb);
  i = 0;
  if (i < n && (s[i] == '-' || s[i] == '+'))
    sb_putc(&sb, s[i++]);
  for (; i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == ','); i++)
    if (s[i] != ',') {
      sb_putc(&sb, s[i]);
      digits = true;
    } else if (!digits) {
      ok = false;
    }
  if (i < n && s[i] == '.') {
    sb_putc(&sb, s[i++]);
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, digits = true)
      sb_putc(&sb, s[i]);
  }
  if (digits && i < n && (s[i] == 'e' || s[i] == 'E')) {
    bool exp_digits = false;
    sb_putc(&sb, s[i++]);
    if (i < n && (s[i] == '-' || s[i] == '+'))
      sb_putc(&sb, s[i++]);
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, exp_digits = true)
      sb_putc(&sb, s[i]);
    ok = ok && exp_digits;
  }
  ok = ok && digits && i == n;
  errno = 0;
  d = ok ? strtod(sb.s, &end) : 0.0;
  sb_fini(&sb);
  if (!ok || !isfinite(d))
    return not_convertible(cx, v, "Float", err);
  return val_float(d);
}

BI_FN(bi_string)
{
  StrBuf sb;
  Value *v;

  (void)cx, (void)argc, (void)err;
  if (val_kind(argv[0]) == VAL_STRING)
    return val_ref(argv[0]);
  sb_init(&sb);
  val_to_adf_string(argv[0], &sb);
  v = val_string_from_sb(&sb);
  sb_fini(&sb);
  return v;
}

/* json(v): JSON text parsed with exact integers; XML text (first
 * non-blank character '<', which JSON text can never start with) is
 * converted by the Json.NET XML rules; null gives {}; any other value is
 * already JSON and comes back unchanged. */
BI_FN(bi_json)
{
  const Value *v = argv[0];
  const char *s;
  size_t n;
  Err jerr = ERR_INIT;
  Value *r;

  (void)argc;
  if (val_kind(v) == VAL_NULL)
    return val_object_new();
  if (val_kind(v) != VAL_STRING)
    return val_ref(v);
  s = val_str(v), n = val_strlen(v);
  trim_span(&s, &n);
  if (n > 0 && s[0] == '<')
    return bi_xml_to_json(cx, s, n, err);
  r = json_parse(val_str(v), val_strlen(v), NULL, &jerr);
  if (!r)
    return bi_fail(cx, err,
                   "The function 'json' parameter is not valid. The provided "
                   "value '%.200s' cannot be parsed: %s (at %d:%d)",
                   val_str(v), jerr.msg, jerr.loc.line, jerr.loc.col);
  return r;
}
