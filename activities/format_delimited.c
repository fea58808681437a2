/*
 * activities/format_delimited.c -- DelimitedText (CSV/TSV) reader and writer
 *
 * The reader scans one row at a time out of a sliding buffer; fields
 * without escapes point straight into it, escaped ones are rebuilt in a
 * per-row scratch buffer, so a re-scan after a refill never sees modified
 * bytes.  Rules follow format-delimited-text.md: quoteChar/escapeChar,
 * nullValue for unquoted fields, skipLineCount, firstRowAsHeader, and
 * blank lines are skipped.  Bad data fails in ADF's Copy style, naming
 * the file and row.  The writer quotes only when it must (or always with
 * quoteAllText) and escapes quotes with escapeChar.
 */
#include "activities/format.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "expr/strbuf.h"

#define INIT_BUF (256 * 1024)
#define MIN_READ (64 * 1024)

typedef struct Field {
  size_t off, len;
  bool scratch; /* text lives in 'scratch', else in 'buf' */
  bool quoted;
} Field;

typedef struct DelimReader {
  RowReader base;
  char delim;
  int quote, escape;
  int row_end;      /* -1: any of \r\n, \r, \n; else that one character */
  char *null_value; /* owned */
  size_t null_len;
  bool header;
  bool check_utf8; /* encodingName is UTF-8: invalid bytes fail the row */
  int64_t skip;
  unsigned char special[256];
  char *buf; /* owned sliding window */
  size_t cap, start, end;
  bool eof;
  StrBuf scratch;
  Field *f;
  size_t nf, fcap;
  int64_t rowno;
} DelimReader;

static void add_field(DelimReader *r, Field fl)
{
  if (r->nf == r->fcap) {
    r->fcap = r->fcap ? r->fcap * 2 : 32;
    r->f = xrealloc(r->f, r->fcap * sizeof *r->f);
  }
  r->f[r->nf++] = fl;
}

/* Switches a field to the scratch buffer (or extends it there): the text
 * so far is buf[off..p) in direct mode, scratch[off..] + buf[seg..p) in
 * scratch mode. */
static void go_scratch(DelimReader *r, Field *fl, size_t seg, size_t p)
{
  if (!fl->scratch) {
    size_t from = fl->off;
    fl->scratch = true;
    fl->off = r->scratch.len;
    sb_put(&r->scratch, r->buf + from, p - from);
  } else {
    sb_put(&r->scratch, r->buf + seg, p - seg);
  }
}

static bool is_row_end(const DelimReader *r, unsigned char c)
{
  return r->row_end < 0 ? (c == '\n' || c == '\r') : c == r->row_end;
}

/* Scans one row starting at r->start.  Returns 1 with fields set and
 * r->start past the row, 0 when more input is needed (nothing changed
 * but the scratch buffer), -1 on bad data. */
static int parse_row(DelimReader *r, Err *err)
{
  const char *b = r->buf;
  size_t p = r->start, e = r->end;
  r->nf = 0;
  sb_reset(&r->scratch);
  for (;;) {
    Field fl = {p, 0, false, false};
    size_t seg = p;
    bool closed = false; /* quoted field ended exactly at its quote */
    if (p < e && r->quote >= 0 && (unsigned char)b[p] == r->quote) {
      fl.quoted = true;
      seg = fl.off = ++p;
      for (;;) {
        if (p >= e) {
          if (!r->eof)
            return 0;
          fmt_source_fail(
              err, "DelimitedTextQuoteNotClosed",
              "Error found when processing 'Csv/Tsv Format Text' "
              "source '%s' with row number %lld: a quoted field "
              "(quote character '%c') is not closed before the end of "
              "the file.",
              r->base.name, (long long)r->rowno + 1, (char)r->quote);
          return -1;
        }
        unsigned char c = (unsigned char)b[p];
        bool esc_pair = false;
        if (c == r->escape && r->escape != r->quote) {
          esc_pair = true;
        } else if (c == r->quote && r->escape == r->quote) {
          if (p + 1 >= e && !r->eof)
            return 0;
          esc_pair = p + 1 < e && (unsigned char)b[p + 1] == r->quote;
        }
        if (esc_pair) {
          if (p + 1 >= e) {
            if (!r->eof)
              return 0;
            p++; /* a lone escape at the very end: dropped */
            continue;
          }
          go_scratch(r, &fl, seg, p);
          sb_putc(&r->scratch, b[p + 1]);
          p += 2;
          seg = p;
          continue;
        }
        if (c == r->quote)
          break;
        p++;
      }
      /* p is at the closing quote. */
      if (p + 1 >= e || r->special[(unsigned char)b[p + 1]]) {
        if (p + 1 >= e && !r->eof)
          return 0;
        if (fl.scratch)
          sb_put(&r->scratch, b + seg, p - seg);
        fl.len = fl.scratch ? r->scratch.len - fl.off : p - fl.off;
        closed = true;
        p++;
      } else {
        /* Text after the closing quote is kept literally (lenient). */
        go_scratch(r, &fl, seg, p);
        seg = ++p;
      }
    }
    if (!closed) {
      while (p < e) {
        unsigned char c = (unsigned char)b[p];
        if (!r->special[c]) {
          p++;
          continue;
        }
        if (c == (unsigned char)r->delim || is_row_end(r, c))
          break;
        /* The escape character (special only when quoting is off). */
        if (p + 1 >= e && !r->eof)
          return 0;
        go_scratch(r, &fl, seg, p);
        if (p + 1 < e)
          sb_putc(&r->scratch, b[p + 1]);
        p = p + 1 < e ? p + 2 : e;
        seg = p;
      }
      if (p >= e && !r->eof)
        return 0;
      if (fl.scratch) {
        sb_put(&r->scratch, b + seg, p - seg);
        fl.len = r->scratch.len - fl.off;
      } else {
        fl.len = p - fl.off;
      }
    }
    add_field(r, fl);
    if (p >= e) {
      r->start = e;
      return 1;
    }
    if (b[p] == r->delim) {
      p++;
      if (p >= e && !r->eof)
        return 0;
      continue;
    }
    if (!is_row_end(r, (unsigned char)b[p])) {
      err_set(err, ERR_INTERNAL, NULL, "delimited parser lost its place");
      return -1;
    }
    if (r->row_end < 0 && b[p] == '\r') {
      if (p + 1 >= e && !r->eof)
        return 0;
      p += (p + 1 < e && b[p + 1] == '\n') ? 2 : 1;
    } else {
      p++;
    }
    r->start = p;
    return 1;
  }
}

/* Makes room and reads more input.  Returns false with *err set. */
static bool refill(DelimReader *r, Err *err)
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

/* Next raw row (fields set), skipping blank lines.  0 at the end. */
static int next_raw(DelimReader *r, Err *err)
{
  for (;;) {
    if (r->start >= r->end) {
      if (r->eof)
        return 0;
      if (!refill(r, err))
        return -1;
      continue;
    }
    size_t begin = r->start;
    int rc = parse_row(r, err);
    if (rc < 0)
      return -1;
    if (rc == 0) {
      if (!refill(r, err))
        return -1;
      continue;
    }
    if (r->check_utf8) {
      const unsigned char *b = (const unsigned char *)r->buf + begin;
      size_t n = r->start - begin, ok = fmt_utf8_valid_prefix(b, n);
      if (ok < n) {
        fmt_source_fail(
            err, "DelimitedTextInvalidEncoding",
            "Error found when processing 'Csv/Tsv Format Text' source "
            "'%s' with row number %lld: unable to translate bytes "
            "[%02X] at index %zu of the row from the specified code "
            "page 'UTF-8' to Unicode.",
            r->base.name, (long long)r->rowno + 1, b[ok], ok);
        return -1;
      }
    }
    if (r->nf == 1 && r->f[0].len == 0 && !r->f[0].quoted)
      continue; /* blank line */
    r->rowno++;
    return 1;
  }
}

static const char *field_ptr(DelimReader *r, const Field *fl)
{
  return fl->scratch ? r->scratch.s + fl->off : r->buf + fl->off;
}

static bool dr_next(RowReader *base, Row **out, Err *err)
{
  DelimReader *r = (DelimReader *)base;
  int rc;
  *out = NULL;
  while (r->skip > 0) {
    if ((rc = next_raw(r, err)) <= 0)
      return rc == 0;
    r->skip--;
  }
  if ((rc = next_raw(r, err)) <= 0)
    return rc == 0;
  if (!r->base.have_names) {
    r->base.have_names = true;
    r->base.n_names = r->nf;
    r->base.names = xcalloc(r->nf ? r->nf : 1, sizeof *r->base.names);
    for (size_t i = 0; i < r->nf; i++) {
      if (r->header) {
        r->base.names[i] = xstrndup(field_ptr(r, &r->f[i]), r->f[i].len);
      } else {
        char tmp[32];
        snprintf(tmp, sizeof tmp, "Prop_%zu", i);
        r->base.names[i] = xstrdup(tmp);
      }
    }
    if (r->header)
      return dr_next(base, out, err);
  }
  if (r->nf > r->base.n_names) {
    return fmt_source_fail(
        err, "DelimitedTextMoreColumnsThanDefined",
        "Error found when processing 'Csv/Tsv Format Text' "
        "source '%s' with row number %lld: found more columns "
        "than expected column count %zu.",
        r->base.name, (long long)r->rowno, r->base.n_names);
  }
  if (r->base.ccap < r->base.n_names) {
    r->base.ccap = r->base.n_names;
    r->base.cells =
        xrealloc(r->base.cells, r->base.ccap * sizeof *r->base.cells);
  }
  for (size_t i = 0; i < r->base.n_names; i++) {
    Cell *c = &r->base.cells[i];
    c->v = NULL;
    if (i >= r->nf) {
      c->s = NULL;
      c->len = 0;
      continue;
    }
    const Field *fl = &r->f[i];
    c->s = field_ptr(r, fl);
    c->len = fl->len;
    if (!fl->quoted && fl->len == r->null_len &&
        memcmp(c->s, r->null_value, r->null_len) == 0)
      c->s = NULL, c->len = 0;
  }
  r->base.row.cells = r->base.cells;
  r->base.row.n = r->base.n_names;
  r->base.row.doc = NULL;
  r->base.row.line = r->rowno;
  *out = &r->base.row;
  return true;
}

static void dr_close(RowReader *base)
{
  DelimReader *r = (DelimReader *)base;
  free(r->null_value);
  free(r->buf);
  free(r->f);
  sb_fini(&r->scratch);
  free(r);
}

RowReader *fmt_delimited_reader(const FmtOpts *o, InStream *in,
                                const char *name, Err *err)
{
  (void)err;
  DelimReader *r = xcalloc(1, sizeof *r);
  r->base.next = dr_next;
  r->base.close = dr_close;
  r->base.in = in;
  r->base.name = xstrdup(name ? name : "");
  r->delim = o->col_delim;
  r->quote = o->quote;
  r->escape = o->escape;
  r->row_end = (o->row_delim[0] == '\0' || strcmp(o->row_delim, "\r\n") == 0)
                   ? -1
                   : (unsigned char)o->row_delim[0];
  r->null_value = xstrdup(o->null_value ? o->null_value : "");
  r->null_len = strlen(r->null_value);
  r->header = o->header;
  r->check_utf8 = !o->encoding || strncasecmp(o->encoding, "UTF-8", 5) == 0;
  r->skip = o->skip_lines;
  r->special[(unsigned char)r->delim] = 1;
  if (r->row_end < 0)
    r->special['\n'] = r->special['\r'] = 1;
  else
    r->special[r->row_end] = 1;
  if (r->quote < 0 && r->escape >= 0)
    r->special[r->escape] = 1;
  r->cap = INIT_BUF;
  r->buf = xmalloc(r->cap);
  sb_init(&r->scratch);
  return &r->base;
}

/* ---- Writer ------------------------------------------------------------- */

#define OUT_BUF (256 * 1024)

typedef struct DelimWriter {
  RowWriter base;
  OutStream *out; /* owned */
  char delim;
  char row_delim[3];
  int quote, escape;
  bool quote_all;
  char *null_value; /* owned */
  unsigned char special[256];
  char *buf; /* owned */
  size_t len;
  StrBuf tmp;
} DelimWriter;

static bool flush(DelimWriter *w, Err *err)
{
  bool ok = stream_write(w->out, w->buf, w->len, err);
  w->len = 0;
  return ok;
}

static inline bool put(DelimWriter *w, const char *s, size_t n, Err *err)
{
  if (w->len + n > OUT_BUF) {
    if (!flush(w, err))
      return false;
    if (n > OUT_BUF)
      return stream_write(w->out, s, n, err);
  }
  memcpy(w->buf + w->len, s, n);
  w->len += n;
  return true;
}

static inline bool put1(DelimWriter *w, char c, Err *err)
{
  if (w->len == OUT_BUF && !flush(w, err))
    return false;
  w->buf[w->len++] = c;
  return true;
}

static bool put_field(DelimWriter *w, const char *s, size_t n, Err *err)
{
  bool must = w->quote_all;
  size_t i;
  for (i = 0; i < n && !w->special[(unsigned char)s[i]]; i++)
    ;
  if (i == n && !must)
    return put(w, s, n, err);
  if (w->quote < 0) {
    /* No quoting: escape the characters that would break the row. */
    for (i = 0; i < n; i++) {
      if (w->special[(unsigned char)s[i]] && w->escape >= 0 &&
          !put1(w, (char)w->escape, err))
        return false;
      if (!put1(w, s[i], err))
        return false;
    }
    return true;
  }
  if (!put1(w, (char)w->quote, err))
    return false;
  size_t run = 0;
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == w->quote || (c == w->escape && w->escape != w->quote)) {
      if (!put(w, s + run, i - run, err) ||
          !put1(w, (char)(w->escape >= 0 ? w->escape : w->quote), err))
        return false;
      run = i;
    }
  }
  return put(w, s + run, n - run, err) && put1(w, (char)w->quote, err);
}

static bool dw_write(RowWriter *base, const Row *row, Err *err)
{
  DelimWriter *w = (DelimWriter *)base;
  for (size_t i = 0; i < row->n; i++) {
    const Cell *c = &row->cells[i];
    if (i > 0 && !put1(w, w->delim, err))
      return false;
    bool is_null = !c->s && (!c->v || val_kind(c->v) == VAL_NULL);
    if (is_null) {
      if (!put(w, w->null_value, strlen(w->null_value), err))
        return false;
    } else if (c->v) {
      sb_reset(&w->tmp);
      fmt_cell_text(c, &w->tmp);
      if (!put_field(w, w->tmp.s, w->tmp.len, err))
        return false;
    } else if (!put_field(w, c->s, c->len, err)) {
      return false;
    }
  }
  return put(w, w->row_delim, strlen(w->row_delim), err);
}

static void dw_free(DelimWriter *w)
{
  free(w->null_value);
  free(w->buf);
  sb_fini(&w->tmp);
  free(w);
}

static bool dw_commit(RowWriter *base, Err *err)
{
  DelimWriter *w = (DelimWriter *)base;
  OutStream *out = w->out;
  bool ok = flush(w, err);
  dw_free(w);
  if (!ok) {
    stream_abort(out);
    return false;
  }
  return stream_commit(out, err);
}

static void dw_abort(RowWriter *base)
{
  DelimWriter *w = (DelimWriter *)base;
  stream_abort(w->out);
  dw_free(w);
}

RowWriter *fmt_delimited_writer(const FmtOpts *o, OutStream *out,
                                const char *const *names, size_t n, Err *err)
{
  DelimWriter *w = xcalloc(1, sizeof *w);
  w->base.write = dw_write;
  w->base.commit = dw_commit;
  w->base.abort = dw_abort;
  w->out = out;
  w->delim = o->col_delim;
  if (o->row_delim[0])
    memcpy(w->row_delim, o->row_delim, sizeof w->row_delim);
  else
    memcpy(w->row_delim, "\r\n", 3); /* Copy's default on write */
  w->quote = o->quote;
  w->escape = o->escape;
  w->quote_all = o->quote_all;
  w->null_value = xstrdup(o->null_value ? o->null_value : "");
  w->special[(unsigned char)w->delim] = 1;
  w->special['\r'] = w->special['\n'] = 1;
  for (const char *p = w->row_delim; *p; p++)
    w->special[(unsigned char)*p] = 1;
  if (w->quote >= 0)
    w->special[w->quote] = 1;
  if (w->escape >= 0)
    w->special[w->escape] = 1;
  w->buf = xmalloc(OUT_BUF);
  sb_init(&w->tmp);
  if (o->header && n > 0) {
    Cell *cells = xcalloc(n, sizeof *cells);
    for (size_t i = 0; i < n; i++) {
      cells[i].s = names[i];
      cells[i].len = strlen(names[i]);
    }
    Row hdr = {cells, n, NULL, 0};
    bool ok = dw_write(&w->base, &hdr, err);
    free(cells);
    if (!ok) {
      dw_abort(&w->base);
      return NULL;
    }
  }
  return &w->base;
}
