/*
 * activities/format_json.c -- Json reader (objects, JSON Lines,
 *                             concatenated documents, arrays) and writer
 *
 * The reader finds the extent of one document at a time with a small
 * resumable scanner (depth, inside-string, escape) and hands only that
 * slice to json_parse(), so a file of a million objects -- or one array
 * of them -- never sits in memory whole.  Each object is one row: its
 * top-level members are the cells and the whole object is Row.doc for
 * JSON-path mappings.  Bad data fails in ADF's style, naming the file,
 * the document and its line:col.  The writer emits setOfObjects (one
 * object per line) or arrayOfObjects.
 */
#include "activities/format.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "expr/json.h"
#include "expr/strbuf.h"

#define INIT_BUF (64 * 1024)
#define MIN_READ (64 * 1024)

typedef struct JsonReader {
  RowReader base;
  char *buf; /* owned */
  size_t cap, start, end;
  bool eof;
  bool in_array; /* inside a top-level '[' */
  /* Resumable scan of the value starting at 'start'. */
  size_t scan; /* offset from start already scanned */
  int depth;
  bool in_str, esc, scanning;
  Value *doc;      /* owned: current document */
  bool check_utf8; /* encodingName is UTF-8: invalid bytes fail */
  int64_t docno;
  int64_t line, col; /* 1-based position of buf[start] in the file */
} JsonReader;

/* Consumes 'n' bytes at r->start, following the line:col position. */
static void advance(JsonReader *r, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    if (r->buf[r->start + i] == '\n')
      r->line++, r->col = 1;
    else
      r->col++;
  }
  r->start += n;
}

/* The file position of offset 'off' inside the value at r->start. */
static void pos_at(const JsonReader *r, size_t off, int64_t *line, int64_t *col)
{
  *line = r->line;
  *col = r->col;
  for (size_t i = 0; i < off; i++) {
    if (r->buf[r->start + i] == '\n')
      ++*line, *col = 1;
    else
      ++*col;
  }
}

static bool jrefill(JsonReader *r, Err *err)
{
  if (r->start > 0) {
    memmove(r->buf, r->buf + r->start, r->end - r->start);
    r->end -= r->start;
    r->start = 0;
  }
  if (r->cap - r->end < MIN_READ) {
    r->cap *= 2;
    r->buf = xrealloc(r->buf, r->cap);
  }
  ptrdiff_t n =
      stream_read(r->base.in, r->buf + r->end, r->cap - r->end - 1, err);
  if (n < 0)
    return false;
  if (n == 0)
    r->eof = true;
  r->end += (size_t)n;
  return true;
}

static bool is_ws(char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Advances the scan of the value at r->start.  Returns 1 with *len set
 * when it is complete, 0 when more input is needed. */
static int scan_value(JsonReader *r, size_t *len)
{
  const char *b = r->buf + r->start;
  size_t n = r->end - r->start, i = r->scan;
  if (!r->scanning) {
    r->scanning = true;
    r->depth = 0;
    r->in_str = r->esc = false;
    i = 0;
  }
  bool scalar = b[0] != '{' && b[0] != '[' && b[0] != '"';
  for (; i < n; i++) {
    char c = b[i];
    if (r->in_str) {
      if (r->esc)
        r->esc = false;
      else if (c == '\\')
        r->esc = true;
      else if (c == '"') {
        r->in_str = false;
        if (r->depth == 0) {
          *len = i + 1;
          r->scanning = false;
          return 1;
        }
      }
      continue;
    }
    if (scalar) {
      if (is_ws(c) || c == ',' || c == ']' || c == '}' || c == '{' ||
          c == '[') {
        *len = i;
        r->scanning = false;
        return 1;
      }
      continue;
    }
    if (c == '"') {
      r->in_str = true;
    } else if (c == '{' || c == '[') {
      r->depth++;
    } else if (c == '}' || c == ']') {
      if (--r->depth == 0) {
        *len = i + 1;
        r->scanning = false;
        return 1;
      }
    }
  }
  r->scan = i;
  if (r->eof) {
    *len = n; /* let json_parse report what is wrong */
    r->scanning = false;
    return 1;
  }
  return 0;
}

static bool jr_next(RowReader *base, Row **out, Err *err)
{
  JsonReader *r = (JsonReader *)base;
  *out = NULL;
  val_unref(r->doc);
  r->doc = NULL;
  for (;;) {
    while (r->start < r->end && (is_ws(r->buf[r->start]) ||
                                 (r->in_array && r->buf[r->start] == ',')))
      advance(r, 1);
    if (r->start >= r->end) {
      if (r->eof) {
        if (r->in_array)
          return fmt_source_fail(
              err, "JsonInvalidDataFormat",
              "Error occurred when deserializing source JSON "
              "file '%s'. Check if the data is in valid JSON "
              "object format. Line %lld, column %lld: the array "
              "is not closed before the end of the file.",
              r->base.name, (long long)r->line, (long long)r->col);
        return true;
      }
      if (!jrefill(r, err))
        return false;
      continue;
    }
    char c = r->buf[r->start];
    if (!r->in_array && c == '[') {
      r->in_array = true;
      advance(r, 1);
      continue;
    }
    if (r->in_array && c == ']') {
      r->in_array = false;
      advance(r, 1);
      continue;
    }
    size_t len;
    if (!scan_value(r, &len)) {
      if (!jrefill(r, err))
        return false;
      continue;
    }
    Err perr = ERR_INIT;
    int64_t line, col;
    r->docno++;
    if (r->check_utf8) {
      const unsigned char *b = (const unsigned char *)r->buf + r->start;
      size_t ok = fmt_utf8_valid_prefix(b, len);
      if (ok < len) {
        pos_at(r, ok, &line, &col);
        return fmt_source_fail(
            err, "JsonInvalidEncoding",
            "Error occurred when deserializing source JSON file "
            "'%s'. Line %lld, column %lld (document %lld): "
            "unable to translate bytes [%02X] from the "
            "specified code page 'UTF-8' to Unicode.",
            r->base.name, (long long)line, (long long)col, (long long)r->docno,
            b[ok]);
      }
    }
    r->doc = json_parse(r->buf + r->start, len, NULL, &perr);
    if (!r->doc) {
      line = r->line + (perr.loc.line > 1 ? perr.loc.line - 1 : 0);
      col = perr.loc.line > 1 ? perr.loc.col
                              : r->col + (perr.loc.col ? perr.loc.col - 1 : 0);
      return fmt_source_fail(
          err, "JsonInvalidDataFormat",
          "Error occurred when deserializing source JSON file "
          "'%s'. Check if the data is in valid JSON object "
          "format. Line %lld, column %lld (document %lld): %s.",
          r->base.name, (long long)line, (long long)col, (long long)r->docno,
          perr.msg);
    }
    if (val_kind(r->doc) != VAL_OBJECT)
      return fmt_source_fail(
          err, "JsonInvalidDataFormat",
          "Error occurred when deserializing source JSON file "
          "'%s'. Check if the data is in valid JSON object "
          "format. Line %lld, column %lld (document %lld): a "
          "JSON %s where an object is expected.",
          r->base.name, (long long)r->line, (long long)r->col,
          (long long)r->docno, val_kind_name(val_kind(r->doc)));
    advance(r, len);
    r->scan = 0;
    break;
  }
  if (!r->base.have_names) {
    r->base.have_names = true;
    r->base.n_names = val_object_len(r->doc);
    r->base.names =
        xcalloc(r->base.n_names ? r->base.n_names : 1, sizeof *r->base.names);
    for (size_t i = 0; i < r->base.n_names; i++) {
      size_t kl;
      const char *k = val_object_key_peek(r->doc, i, &kl);
      r->base.names[i] = xstrndup(k, kl);
    }
    r->base.ccap = r->base.n_names;
    r->base.cells =
        xcalloc(r->base.ccap ? r->base.ccap : 1, sizeof *r->base.cells);
  }
  for (size_t i = 0; i < r->base.n_names; i++) {
    const Value *v = val_object_peek(r->doc, r->base.names[i]);
    r->base.cells[i].s = NULL;
    r->base.cells[i].len = 0;
    r->base.cells[i].v = v && val_kind(v) != VAL_NULL ? v : NULL;
  }
  r->base.row.cells = r->base.cells;
  r->base.row.n = r->base.n_names;
  r->base.row.doc = r->doc;
  r->base.row.line = r->docno;
  *out = &r->base.row;
  return true;
}

static void jr_close(RowReader *base)
{
  JsonReader *r = (JsonReader *)base;
  val_unref(r->doc);
  free(r->buf);
  free(r);
}

RowReader *fmt_json_reader(const FmtOpts *o, InStream *in, const char *name,
                           Err *err)
{
  (void)err;
  JsonReader *r = xcalloc(1, sizeof *r);
  r->base.next = jr_next;
  r->base.close = jr_close;
  r->base.in = in;
  r->base.name = xstrdup(name ? name : "");
  r->cap = INIT_BUF;
  r->buf = xmalloc(r->cap);
  r->line = r->col = 1;
  r->check_utf8 = !o->encoding || strncasecmp(o->encoding, "UTF-8", 5) == 0;
  return &r->base;
}

/* ---- Writer ------------------------------------------------------------- */

typedef struct JsonWriter {
  RowWriter base;
  OutStream *out; /* owned */
  bool array;
  size_t n_rows;
  char **names; /* owned */
  size_t n_names;
  StrBuf buf;
} JsonWriter;

/* Sets 'v' at 'name' in 'obj'.  A name written as a JSON path
 * ("$.a.b", "$['a']['b']") builds nested objects, as a hierarchical sink
 * mapping does. */
static void set_path(Value *obj, const char *name, Value *v);

static bool jw_flush(JsonWriter *w, bool force, Err *err)
{
  if (!force && w->buf.len < 256 * 1024)
    return true;
  bool ok = stream_write(w->out, w->buf.s, w->buf.len, err);
  sb_reset(&w->buf);
  return ok;
}

static bool jw_write(RowWriter *base, const Row *row, Err *err)
{
  JsonWriter *w = (JsonWriter *)base;
  if (w->array)
    sb_puts(&w->buf, w->n_rows ? "," : "[");
  else if (w->n_rows)
    sb_putc(&w->buf, '\n');
  w->n_rows++;
  if (row->n == 0 && row->doc) {
    val_to_json(row->doc, &w->buf);
  } else {
    Value *obj = val_object_new();
    for (size_t i = 0; i < row->n && i < w->n_names; i++)
      set_path(obj, w->names[i], fmt_cell_value(&row->cells[i]));
    val_to_json(obj, &w->buf);
    val_unref(obj);
  }
  return jw_flush(w, false, err);
}

static void jw_free(JsonWriter *w)
{
  for (size_t i = 0; i < w->n_names; i++)
    free(w->names[i]);
  free(w->names);
  sb_fini(&w->buf);
  free(w);
}

static bool jw_commit(RowWriter *base, Err *err)
{
  JsonWriter *w = (JsonWriter *)base;
  OutStream *out = w->out;
  if (w->array)
    sb_puts(&w->buf, w->n_rows ? "]" : "[]");
  bool ok = jw_flush(w, true, err);
  jw_free(w);
  if (!ok) {
    stream_abort(out);
    return false;
  }
  return stream_commit(out, err);
}

static void jw_abort(RowWriter *base)
{
  JsonWriter *w = (JsonWriter *)base;
  stream_abort(w->out);
  jw_free(w);
}

RowWriter *fmt_json_writer(const FmtOpts *o, OutStream *out,
                           const char *const *names, size_t n, Err *err)
{
  (void)err;
  JsonWriter *w = xcalloc(1, sizeof *w);
  w->base.write = jw_write;
  w->base.commit = jw_commit;
  w->base.abort = jw_abort;
  w->out = out;
  w->array = o->array_of_objects;
  w->n_names = n;
  w->names = xcalloc(n ? n : 1, sizeof *w->names);
  for (size_t i = 0; i < n; i++)
    w->names[i] = xstrdup(names[i]);
  sb_init(&w->buf);
  return &w->base;
}

/* ---- Sink paths --------------------------------------------------------- */

/* Splits "$.a.b" / "$['a']['b']" / "a" into segments.  Returns the count
 * (at most 'max'); segments are malloc'd. */
static size_t path_segments(const char *p, char **seg, size_t max)
{
  size_t n = 0;
  if (p[0] != '$') {
    seg[n++] = xstrdup(p);
    return n;
  }
  p++;
  while (*p && n < max) {
    if (*p == '.') {
      p++;
      size_t k = strcspn(p, ".[");
      seg[n++] = xstrndup(p, k);
      p += k;
    } else if (p[0] == '[' && (p[1] == '\'' || p[1] == '"')) {
      char q = p[1];
      const char *e = strchr(p + 2, q);
      if (!e)
        break;
      seg[n++] = xstrndup(p + 2, (size_t)(e - p - 2));
      p = e + 1;
      if (*p == ']')
        p++;
    } else {
      break;
    }
  }
  return n;
}

static Value *set_in(const Value *obj, char **seg, size_t n, Value *v)
{
  Value *copy =
      obj && val_kind(obj) == VAL_OBJECT ? val_copy(obj) : val_object_new();
  if (n == 1) {
    val_object_set_take(copy, seg[0], strlen(seg[0]), v);
    return copy;
  }
  const Value *child = val_object_peek(copy, seg[0]);
  Value *nc = set_in(child, seg + 1, n - 1, v);
  val_object_set_take(copy, seg[0], strlen(seg[0]), nc);
  return copy;
}

static void set_path(Value *obj, const char *name, Value *v)
{
  char *seg[16];
  size_t n = path_segments(name, seg, 16);
  if (n == 0) {
    val_object_set_take(obj, name, strlen(name), v);
    return;
  }
  if (n == 1) {
    val_object_set_take(obj, seg[0], strlen(seg[0]), v);
  } else {
    const Value *child = val_object_peek(obj, seg[0]);
    Value *nc = set_in(child, seg + 1, n - 1, v);
    val_object_set_take(obj, seg[0], strlen(seg[0]), nc);
  }
  for (size_t i = 0; i < n; i++)
    free(seg[i]);
}
