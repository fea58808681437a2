/*
 * activities/format.h -- file formats: DelimitedText, Json and Binary
 *
 * Readers turn a byte stream into rows; writers turn rows back into
 * bytes.  Both stream: a reader keeps one buffer of roughly one row and a
 * writer one output buffer, whatever the size of the file.  Cells point
 * into the reader's buffer and stay valid until the next rows_next().
 * The options come from the dataset's typeProperties plus the activity's
 * formatSettings (fmt_opts_parse); unknown values fail by name.
 */
#ifndef ACTIVITIES_FORMAT_H
#define ACTIVITIES_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "activities/store.h"
#include "expr/err.h"
#include "expr/value.h"

typedef enum FmtKind { FMT_DELIMITED, FMT_JSON, FMT_BINARY } FmtKind;

typedef struct FmtOpts {
  FmtKind kind;
  /* DelimitedText */
  char col_delim;     /* default ',' */
  char row_delim[3];  /* "" on read = any of \r\n, \r, \n; write default
                         "\r\n" */
  int quote;          /* -1: no quoting; default '"' */
  int escape;         /* -1: none; default '\\' */
  bool header;        /* firstRowAsHeader */
  char *null_value;   /* owned; default "" */
  int64_t skip_lines; /* DelimitedTextReadSettings.skipLineCount */
  bool quote_all;     /* DelimitedTextWriteSettings.quoteAllText */
  /* Json */
  bool array_of_objects; /* JsonWriteSettings.filePattern */
  /* Both text formats and Binary */
  char *encoding; /* owned; "UTF-8" by default */
  char *codec;    /* owned: "gzip"/"deflate", or NULL */
  char *level;    /* owned: "Optimal"/"Fastest", or NULL */
} FmtOpts;

/* Parses a dataset's type and typeProperties (the 'format' object of a
 * resolved dataset) plus optional formatSettings ('settings', may be
 * NULL).  Returns false with *err set (ERR_DATA_UNSUPPORTED naming the
 * dataset type or option that adfrun cannot honour). */
bool fmt_opts_parse(FmtOpts *o, const char *ds_type, const Value *props,
                    const Value *settings, Err *err);
void fmt_opts_fini(FmtOpts *o);

/* Wraps a raw store stream in the decompression and charset layers the
 * options ask for.  Consumes 'in'; NULL with *err set. */
InStream *fmt_wrap_in(const FmtOpts *o, InStream *in, Err *err);
OutStream *fmt_wrap_out(const FmtOpts *o, OutStream *out, Err *err);

/* ---- Rows ------------------------------------------------------------ */

/* One cell: text (s, len), a typed value (v), or null (both NULL). */
typedef struct Cell {
  const char *s;
  size_t len;
  const Value *v; /* borrowed */
} Cell;

typedef struct Row {
  Cell *cells; /* borrowed from the reader */
  size_t n;
  const Value *doc; /* Json: the whole document (borrowed), else NULL */
  int64_t line;     /* 1-based source line/document number */
} Row;

typedef struct RowReader RowReader; /* single owner */

/* Opens a reader over 'in' (consumed: closed with the reader).  Returns
 * NULL with *err set. */
RowReader *rows_open(const FmtOpts *o, InStream *in, const char *name,
                     Err *err);
/* Next row, or *out = NULL at the end.  False with *err set on bad data
 * (ERR_DATA_FORMAT with the file name and row number). */
bool rows_next(RowReader *r, Row **out, Err *err);
/* Column names known so far (header, or Prop_0.. after the first row;
 * for Json, the keys of the first document).  Borrowed. */
size_t rows_columns(RowReader *r, const char *const **names);
void rows_close(RowReader *r);

typedef struct RowWriter RowWriter; /* single owner */

/* Opens a writer on 'out' (consumed).  'names' (copied) are the column
 * names, written as a header when the options ask.  Never fails except
 * on a write error at the header. */
RowWriter *rowsw_open(const FmtOpts *o, OutStream *out,
                      const char *const *names, size_t n, Err *err);
/* Writes one row: Json writes a row whose n == 0 and doc != NULL as the
 * document itself. */
bool rowsw_write(RowWriter *w, const Row *row, Err *err);
/* Flushes, closes the array (Json arrayOfObjects) and commits. */
bool rowsw_commit(RowWriter *w, Err *err);
void rowsw_abort(RowWriter *w);

/* Format-specific constructors behind rows_open/rowsw_open. */
RowReader *fmt_delimited_reader(const FmtOpts *o, InStream *in,
                                const char *name, Err *err);
RowWriter *fmt_delimited_writer(const FmtOpts *o, OutStream *out,
                                const char *const *names, size_t n, Err *err);
RowReader *fmt_json_reader(const FmtOpts *o, InStream *in, const char *name,
                           Err *err);
RowWriter *fmt_json_writer(const FmtOpts *o, OutStream *out,
                           const char *const *names, size_t n, Err *err);

/* Shared layout of the two formats' readers: the vtable plus the state
 * rows_columns/rows_close handle for both (the format's close frees only
 * its own fields and the struct). */
struct RowReader {
  bool (*next)(RowReader *r, Row **out, Err *err);
  void (*close)(RowReader *r);
  InStream *in; /* owned */
  char *name;   /* owned: file name for messages */
  char **names; /* owned: column names, once have_names */
  size_t n_names;
  bool have_names;
  Cell *cells; /* owned: ccap cells, row.cells */
  size_t ccap;
  Row row;
};
struct RowWriter {
  bool (*write)(RowWriter *w, const Row *row, Err *err);
  bool (*commit)(RowWriter *w, Err *err);
  void (*abort)(RowWriter *w);
};

/* Appends a cell's text the way ADF writes it to text formats: strings
 * raw, numbers as .NET prints them, booleans True/False, objects and
 * arrays as compact JSON.  Null appends nothing (callers decide). */
void fmt_cell_text(const Cell *c, StrBuf *out);
/* A new Value for a cell: text becomes a string, null null. */
Value *fmt_cell_value(const Cell *c);

/* Sets *err (ERR_DATA_FORMAT) to ADF's source-side failure text around
 * the formatted cause: "Failure happened on 'Source' side. ErrorCode=
 * <code>,'Type=...HybridDeliveryException,Message=<cause>,Source=...,'".
 * Always returns false. */
bool fmt_source_fail(Err *err, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Length of the valid UTF-8 prefix of s[0..n) (strict decoding); n when
 * all of it is valid. */
size_t fmt_utf8_valid_prefix(const unsigned char *s, size_t n);

#endif /* ACTIVITIES_FORMAT_H */
