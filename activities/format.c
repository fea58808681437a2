/*
 * activities/format.c -- format options, stream wrapping and row dispatch
 *
 * Reads a dataset's typeProperties and formatSettings into FmtOpts and
 * refuses, by name, every option adfrun does not implement (an option
 * silently ignored would change the data).  The parsers themselves live
 * in format_delimited.c and format_json.c; Binary has no rows.
 */
#include "activities/format.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "activities/dataset.h"
#include "expr/strbuf.h"

/* ---- Options ------------------------------------------------------------ */

static bool check_keys(const Value *obj, const char *const *known,
                       const char *where, Err *err)
{
  if (!obj || val_kind(obj) != VAL_OBJECT)
    return true;
  for (size_t i = 0; i < val_object_len(obj); i++) {
    size_t kl;
    const char *k = val_object_key_peek(obj, i, &kl);
    bool ok = false;
    for (const char *const *p = known; *p && !ok; p++)
      ok = strcasecmp(*p, k) == 0;
    if (!ok)
      return err_set(err, ERR_DATA_UNSUPPORTED, NULL,
                     "%s property '%s' is not supported", where, k);
  }
  return true;
}

/* A one-character option: "" (or absent with allow_none) means none. */
static bool one_char(const Value *props, const char *key, int dflt,
                     bool allow_none, int *out, Err *err)
{
  const char *s = ds_str(props, key);
  *out = dflt;
  if (!s)
    return true;
  size_t n = strlen(s);
  if (n == 0 && allow_none) {
    *out = -1;
    return true;
  }
  if (n != 1)
    return err_set(err, ERR_DATA_UNSUPPORTED, NULL,
                   "%s '%s' is not supported: Copy needs a single character",
                   key, s);
  *out = (unsigned char)s[0];
  return true;
}

static bool compression(FmtOpts *o, const Value *props, Err *err)
{
  const char *codec = ds_str(props, "compressionCodec");
  const char *level = ds_str(props, "compressionLevel");
  const Value *c = val_object_peek_ci(props, "compression", 11);
  if (c && val_kind(c) == VAL_OBJECT) {
    codec = ds_str(c, "type");
    level = ds_str(c, "level");
  }
  if (codec && *codec && strcasecmp(codec, "None") != 0) {
    if (strcasecmp(codec, "gzip") != 0 && strcasecmp(codec, "deflate") != 0)
      return err_set(err, ERR_DATA_UNSUPPORTED, NULL,
                     "compression codec '%s' is not supported (gzip and "
                     "deflate are)",
                     codec);
    o->codec = xstrdup(codec);
  }
  if (level && *level) {
    if (strcasecmp(level, "Optimal") != 0 && strcasecmp(level, "Fastest") != 0)
      return err_set(err, ERR_DATA_UNSUPPORTED, NULL,
                     "compression level '%s' is not supported", level);
    o->level = xstrdup(level);
  }
  return true;
}

static const char *const delimited_keys[] = {"location",
                                             "columnDelimiter",
                                             "rowDelimiter",
                                             "quoteChar",
                                             "escapeChar",
                                             "firstRowAsHeader",
                                             "nullValue",
                                             "encodingName",
                                             "compressionCodec",
                                             "compressionLevel",
                                             NULL};
static const char *const json_keys[] = {"location", "encodingName",
                                        "compression", NULL};
static const char *const binary_keys[] = {"location", "compression", NULL};
static const char *const settings_keys[] = {
    "type",           "skipLineCount", "compressionProperties",
    "quoteAllText",   "fileExtension", "maxRowsPerFile",
    "fileNamePrefix", "filePattern",   NULL};

bool fmt_opts_parse(FmtOpts *o, const char *ds_type, const Value *props,
                    const Value *settings, Err *err)
{
  memset(o, 0, sizeof *o);
  o->col_delim = ',';
  o->quote = '"';
  o->escape = '\\';
  o->null_value = xstrdup("");
  o->encoding = xstrdup("UTF-8");
  if (!check_keys(settings, settings_keys, "formatSettings", err))
    return false;
  if (settings && ds_str(settings, "compressionProperties"))
    return err_set(err, ERR_DATA_UNSUPPORTED, NULL,
                   "formatSettings property 'compressionProperties' (zip "
                   "archives) is not supported");
  if (settings && val_object_peek_ci(settings, "compressionProperties", 21))
    return err_set(err, ERR_DATA_UNSUPPORTED, NULL,
                   "formatSettings property 'compressionProperties' (zip "
                   "archives) is not supported");
  const char *enc = ds_str(props, "encodingName");
  if (enc && *enc) {
    if (!stream_encoding_known(enc))
      return err_set(err, ERR_DATA_UNSUPPORTED, NULL,
                     "encodingName '%s' is not supported (UTF-8, UTF-16, "
                     "UTF-16BE, ISO-8859-1, US-ASCII are)",
                     enc);
    free(o->encoding);
    o->encoding = xstrdup(enc);
  }
  if (strcasecmp(ds_type, "DelimitedText") == 0) {
    o->kind = FMT_DELIMITED;
    int c;
    if (!check_keys(props, delimited_keys, "DelimitedText dataset", err) ||
        !one_char(props, "columnDelimiter", ',', false, &c, err))
      return false;
    o->col_delim = (char)c;
    if (!one_char(props, "quoteChar", '"', true, &o->quote, err) ||
        !one_char(props, "escapeChar", '\\', true, &o->escape, err))
      return false;
    const char *rd = ds_str(props, "rowDelimiter");
    if (rd && *rd) {
      if (strlen(rd) > 2 || (strlen(rd) == 2 && strcmp(rd, "\r\n") != 0))
        return err_set(err, ERR_DATA_UNSUPPORTED, NULL,
                       "rowDelimiter '%s' is not supported (one character "
                       "or \\r\\n)",
                       rd);
      memcpy(o->row_delim, rd, strlen(rd) + 1);
    }
    o->header = ds_bool(props, "firstRowAsHeader", false);
    const char *nv = ds_str(props, "nullValue");
    if (nv) {
      free(o->null_value);
      o->null_value = xstrdup(nv);
    }
    if (settings) {
      o->skip_lines = ds_int(settings, "skipLineCount", 0);
      o->quote_all = ds_bool(settings, "quoteAllText", false);
    }
    return compression(o, props, err);
  }
  if (strcasecmp(ds_type, "Json") == 0) {
    o->kind = FMT_JSON;
    if (!check_keys(props, json_keys, "Json dataset", err))
      return false;
    const char *fp = settings ? ds_str(settings, "filePattern") : NULL;
    if (fp && *fp) {
      if (strcasecmp(fp, "arrayOfObjects") == 0)
        o->array_of_objects = true;
      else if (strcasecmp(fp, "setOfObjects") != 0)
        return err_set(err, ERR_DATA_UNSUPPORTED, NULL,
                       "Json filePattern '%s' is not supported "
                       "(setOfObjects, arrayOfObjects are)",
                       fp);
    }
    return compression(o, props, err);
  }
  if (strcasecmp(ds_type, "Binary") == 0) {
    o->kind = FMT_BINARY;
    if (!check_keys(props, binary_keys, "Binary dataset", err))
      return false;
    return compression(o, props, err);
  }
  return err_set(err, ERR_DATA_UNSUPPORTED, NULL,
                 "dataset type '%s' is not supported (DelimitedText, Json "
                 "and Binary are)",
                 ds_type);
}

void fmt_opts_fini(FmtOpts *o)
{
  free(o->null_value);
  free(o->encoding);
  free(o->codec);
  free(o->level);
  memset(o, 0, sizeof *o);
}

InStream *fmt_wrap_in(const FmtOpts *o, InStream *in, Err *err)
{
  if (o->codec && !(in = stream_decompress(in, o->codec, err)))
    return NULL;
  if (o->kind == FMT_BINARY)
    return in;
  return stream_decode(in, o->encoding, err);
}

OutStream *fmt_wrap_out(const FmtOpts *o, OutStream *out, Err *err)
{
  if (o->codec && !(out = stream_compress(out, o->codec, o->level, err)))
    return NULL;
  if (o->kind == FMT_BINARY)
    return out;
  return stream_encode(out, o->encoding, err);
}

/* ---- Rows --------------------------------------------------------------- */

RowReader *rows_open(const FmtOpts *o, InStream *in, const char *name, Err *err)
{
  switch (o->kind) {
  case FMT_DELIMITED:
    return fmt_delimited_reader(o, in, name, err);
  case FMT_JSON:
    return fmt_json_reader(o, in, name, err);
  case FMT_BINARY:
    break;
  }
  stream_close(in);
  err_set(err, ERR_DATA_UNSUPPORTED, NULL,
          "Binary datasets have no rows: use them with Binary only");
  return NULL;
}

bool rows_next(RowReader *r, Row **out, Err *err)
{
  return r->next(r, out, err);
}

size_t rows_columns(RowReader *r, const char *const **names)
{
  *names = (const char *const *)r->names;
  return r->n_names;
}

void rows_close(RowReader *r)
{
  if (!r)
    return;
  stream_close(r->in);
  for (size_t i = 0; i < r->n_names; i++)
    free(r->names[i]);
  free(r->names);
  free(r->name);
  free(r->cells);
  r->close(r);
}

RowWriter *rowsw_open(const FmtOpts *o, OutStream *out,
                      const char *const *names, size_t n, Err *err)
{
  switch (o->kind) {
  case FMT_DELIMITED:
    return fmt_delimited_writer(o, out, names, n, err);
  case FMT_JSON:
    return fmt_json_writer(o, out, names, n, err);
  case FMT_BINARY:
    break;
  }
  stream_abort(out);
  err_set(err, ERR_DATA_UNSUPPORTED, NULL,
          "Binary datasets have no rows: use them with Binary only");
  return NULL;
}

bool rowsw_write(RowWriter *w, const Row *row, Err *err)
{
  return w->write(w, row, err);
}

bool rowsw_commit(RowWriter *w, Err *err)
{
  return w->commit(w, err);
}

void rowsw_abort(RowWriter *w)
{
  if (w)
    w->abort(w);
}

void fmt_cell_text(const Cell *c, StrBuf *out)
{
  if (c->v) {
    if (val_kind(c->v) == VAL_NULL)
      return;
    val_to_adf_string(c->v, out);
  } else if (c->s) {
    sb_put(out, c->s, c->len);
  }
}

Value *fmt_cell_value(const Cell *c)
{
  if (c->v)
    return val_ref(c->v);
  if (c->s)
    return val_string(c->s, c->len);
  return val_null();
}

bool fmt_source_fail(Err *err, const char *code, const char *fmt, ...)
{
  char msg[768];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return err_set(err, ERR_DATA_FORMAT, NULL,
                 "Failure happened on 'Source' side. ErrorCode=%s,'Type="
                 "Microsoft.DataTransfer.Common.Shared.HybridDeliveryException,"
                 "Message=%s,Source=Microsoft.DataTransfer.Common,'",
                 code, msg);
}

/* Strict, as .NET's throwing UTF-8 decoder: no overlong forms, no
 * surrogates, nothing above U+10FFFF, no truncated sequence. */
size_t fmt_utf8_valid_prefix(const unsigned char *s, size_t n)
{
  size_t i = 0;
  while (i < n) {
    unsigned char c = s[i];
    size_t k;
    unsigned lo = 0x80, hi = 0xBF;
    if (c < 0x80) {
      i++;
      continue;
    }
    if (c >= 0xC2 && c <= 0xDF)
      k = 1;
    else if (c >= 0xE0 && c <= 0xEF)
      k = 2, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
    else if (c >= 0xF0 && c <= 0xF4)
      k = 3, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
    else
      return i;
    if (i + k >= n)
      return i;
    if (s[i + 1] < lo || s[i + 1] > hi)
      return i;
    for (size_t j = 2; j <= k; j++)
      if ((s[i + j] & 0xC0) != 0x80)
        return i;
    i += k + 1;
  }
  return n;
}
