/*
 * tests/unit/test_formats.c -- DelimitedText, Json, charsets and zlib
 *
 * Every reader case runs twice: with the whole input at once and through
 * a stream that hands out one byte per read, which exercises every
 * refill boundary of the parsers.  Writers are checked byte for byte and
 * by reading their output back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activities/format.h"
#include "activities/store.h"
#include "expr/json.h"
#include "tests/check.h"

/* ---- A stream that returns at most 'step' bytes per read ------------- */

typedef struct Drip {
  InStream base;
  InStream *inner;
  size_t step;
} Drip;

static ptrdiff_t drip_read(InStream *s, void *buf, size_t n, Err *err)
{
  Drip *d = (Drip *)s;
  return stream_read(d->inner, buf, n < d->step ? n : d->step, err);
}

static void drip_close(InStream *s)
{
  Drip *d = (Drip *)s;
  stream_close(d->inner);
  free(d);
}

static InStream *drip(const char *data, size_t len, size_t step)
{
  Drip *d = calloc(1, sizeof *d);
  d->base.read = drip_read;
  d->base.close = drip_close;
  d->inner = stream_mem_in(data, len);
  d->step = step;
  return &d->base;
}

static Value *parse_json(const char *s)
{
  Err err = ERR_INIT;
  Value *v = json_parse(s, strlen(s), NULL, &err);
  if (!v)
    fprintf(stderr, "bad test JSON: %s\n", err.msg);
  return v;
}

static bool opts(FmtOpts *o, const char *type, const char *props,
                 const char *settings, Err *err)
{
  Value *p = parse_json(props);
  Value *s = settings ? parse_json(settings) : NULL;
  bool ok = fmt_opts_parse(o, type, p, s, err);
  val_unref(p);
  val_unref(s);
  return ok;
}

/* Reads everything as JSON text: [[cells...]...] with null for nulls,
 * or the documents for Json.  Returns malloc'd text or NULL (err set). */
static char *read_all(const char *type, const char *props, const char *data,
                      size_t len, size_t step, char **cols, Err *err)
{
  FmtOpts o;
  if (!opts(&o, type, props, NULL, err)) {
    fmt_opts_fini(&o);
    return NULL;
  }
  InStream *in = step ? drip(data, len, step) : stream_mem_in(data, len);
  in = fmt_wrap_in(&o, in, err);
  RowReader *r = in ? rows_open(&o, in, "t.csv", err) : NULL;
  fmt_opts_fini(&o);
  if (!r)
    return NULL;
  Value *all = val_array_new();
  Row *row;
  bool ok;
  while ((ok = rows_next(r, &row, err)) && row) {
    Value *a = val_array_new();
    for (size_t i = 0; i < row->n; i++)
      val_array_push_take(a, fmt_cell_value(&row->cells[i]));
    val_array_push_take(all, a);
  }
  if (cols) {
    const char *const *names;
    size_t n = rows_columns(r, &names);
    Value *c = val_array_new();
    for (size_t i = 0; i < n; i++)
      val_array_push_take(c, val_cstr(names[i]));
    *cols = val_to_json_str(c);
    val_unref(c);
  }
  rows_close(r);
  char *s = ok ? val_to_json_str(all) : NULL;
  val_unref(all);
  return s;
}

static void expect_rows(const char *type, const char *props, const char *data,
                        const char *want, const char *want_cols)
{
  for (size_t step = 0; step <= 3; step += 1) {
    Err err = ERR_INIT;
    char *cols = NULL;
    char *got = read_all(type, props, data, strlen(data), step,
                         want_cols ? &cols : NULL, &err);
    CHECK(got && strcmp(got, want) == 0, "%s (step %zu): got %s want %s (%s)",
          props, step, got ? got : "NULL", want, err.msg);
    if (want_cols)
      CHECK(cols && strcmp(cols, want_cols) == 0, "columns: got %s want %s",
            cols ? cols : "NULL", want_cols);
    free(got);
    free(cols);
    if (step == 0)
      step = 0; /* then 1, 2, 3 */
  }
}

static void expect_fail(const char *type, const char *props, const char *data,
                        const char *needle)
{
  Err err = ERR_INIT;
  char *got = read_all(type, props, data, strlen(data), 0, NULL, &err);
  CHECK(!got && strstr(err.msg, needle), "%s: expected failure '%s', got %s",
        props, needle, got ? got : err.msg);
  free(got);
}

/* ---- DelimitedText reading ------------------------------------------- */

static void test_delimited_read(void)
{
  const char *P = "{\"firstRowAsHeader\": true}";
  expect_rows("DelimitedText", P, "a,b\r\n1,2\r\n3,4\r\n",
              "[[\"1\",\"2\"],[\"3\",\"4\"]]", "[\"a\",\"b\"]");
  /* Any of \r\n, \r, \n ends a row on read; blank lines are skipped. */
  expect_rows("DelimitedText", P, "a,b\n1,2\r3,4\r\n\n5,6",
              "[[\"1\",\"2\"],[\"3\",\"4\"],[\"5\",\"6\"]]", NULL);
  /* No header: Prop_0, Prop_1. */
  expect_rows("DelimitedText", "{}", "x,y\n", "[[\"x\",\"y\"]]",
              "[\"Prop_0\",\"Prop_1\"]");
  /* Quotes: delimiters, newlines and escaped quotes inside. */
  expect_rows("DelimitedText", P,
              "a,b\n\"x,1\",\"line1\nline2\"\n\"say \\\"hi\\\"\",\"\"\n",
              "[[\"x,1\",\"line1\\nline2\"],[\"say \\\"hi\\\"\",\"\"]]", NULL);
  /* escapeChar == quoteChar: doubled quotes (RFC 4180). */
  expect_rows(
      "DelimitedText", "{\"firstRowAsHeader\": true, \"escapeChar\": \"\\\"\"}",
      "a\n\"he said \"\"no\"\"\"\n", "[[\"he said \\\"no\\\"\"]]", NULL);
  /* nullValue: unquoted empty is null by default, quoted empty is "". */
  expect_rows("DelimitedText", P, "a,b,c\n,\"\",x\n", "[[null,\"\",\"x\"]]",
              NULL);
  expect_rows("DelimitedText",
              "{\"firstRowAsHeader\": true, \"nullValue\": \"NULL\"}",
              "a,b\nNULL,\n", "[[null,\"\"]]", NULL);
  /* Fewer columns than the header: padded with null. */
  expect_rows("DelimitedText", P, "a,b,c\n1\n", "[[\"1\",null,null]]", NULL);
  /* Tabs, pipes, custom row delimiter. */
  expect_rows("DelimitedText",
              "{\"columnDelimiter\": \"\\t\", \"firstRowAsHeader\": true}",
              "a\tb\n1\t2\n", "[[\"1\",\"2\"]]", NULL);
  expect_rows("DelimitedText",
              "{\"columnDelimiter\": \"|\", \"rowDelimiter\": \";\"}",
              "1|2;3|4;", "[[\"1\",\"2\"],[\"3\",\"4\"]]", NULL);
  /* No quote character: escapeChar protects the delimiter. */
  expect_rows("DelimitedText", "{\"quoteChar\": \"\"}", "a\\,b,\"c\"\n",
              "[[\"a,b\",\"\\\"c\\\"\"]]", NULL);
  /* skipLineCount skips non-empty lines before the header. */
  {
    Err err = ERR_INIT;
    FmtOpts o;
    Value *p = parse_json("{\"firstRowAsHeader\": true}");
    Value *s = parse_json("{\"type\": \"DelimitedTextReadSettings\", "
                          "\"skipLineCount\": 2}");
    CHECK(fmt_opts_parse(&o, "DelimitedText", p, s, &err), "skip opts");
    const char *data = "junk\n\nmore junk\nh1\nv1\n";
    RowReader *r = rows_open(&o, stream_mem_in(data, strlen(data)), "s", &err);
    Row *row;
    CHECK(rows_next(r, &row, &err) && row && row->n == 1 &&
              row->cells[0].len == 2 && memcmp(row->cells[0].s, "v1", 2) == 0,
          "skipLineCount");
    const char *const *names;
    CHECK(rows_columns(r, &names) == 1 && strcmp(names[0], "h1") == 0,
          "header after skipped lines");
    rows_close(r);
    fmt_opts_fini(&o);
    val_unref(p);
    val_unref(s);
  }
  /* BOM is dropped. */
  expect_rows("DelimitedText", P,
              "\xEF\xBB\xBF"
              "a\n1\n",
              "[[\"1\"]]", "[\"a\"]");
  /* Errors. */
  expect_fail("DelimitedText", P, "a,b\n1,2,3\n", "more columns");
  expect_fail("DelimitedText", P, "a\n\"open\n", "not closed");
  /* Bad data in ADF's Copy style: code, file and row number. */
  expect_fail("DelimitedText", P, "a,b\n1,2\n\n3,4,5\n",
              "Failure happened on 'Source' side. "
              "ErrorCode=DelimitedTextMoreColumnsThanDefined,'Type=Microsoft."
              "DataTransfer.Common.Shared.HybridDeliveryException,Message="
              "Error found when processing 'Csv/Tsv Format Text' source "
              "'t.csv' with row number 3: found more columns than expected "
              "column count 2.,Source=Microsoft.DataTransfer.Common,'");
  expect_fail("DelimitedText", P, "a\n1\n\"open\n2\n",
              "ErrorCode=DelimitedTextQuoteNotClosed");
  expect_fail("DelimitedText", P, "a\n1\n\"open\n2\n",
              "source 't.csv' with row number 3: a quoted field");
  /* Invalid UTF-8 (a Latin-1 byte, an overlong, a truncated sequence,
   * a surrogate) fails naming the row, the byte and its index. */
  expect_fail("DelimitedText", P, "a,b\nx,Bj\xF6rn\n",
              "ErrorCode=DelimitedTextInvalidEncoding");
  expect_fail("DelimitedText", P, "a,b\nx,Bj\xF6rn\n",
              "row number 2: unable to translate bytes [F6] at index 4");
  expect_fail("DelimitedText", P, "a\n\xC0\xAF\n", "bytes [C0] at index 0");
  expect_fail("DelimitedText", P, "a\nok\xE2\x82", "bytes [E2] at index 2");
  expect_fail("DelimitedText", P, "a\n\xED\xA0\x80\n", "bytes [ED]");
  /* Valid multi-byte text passes, also when it arrives one byte at a
   * time; Latin-1 bytes read under ISO-8859-1 are decoded, not refused. */
  expect_rows("DelimitedText", P, "a\n\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\n",
              "[[\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\"]]", "[\"a\"]");
  {
    Err e1 = ERR_INIT;
    const char *txt = "a\n\xC3\xA9\xE2\x82\xAC\n";
    char *g = read_all("DelimitedText", P, txt, strlen(txt), 1, NULL, &e1);
    CHECK(g && strstr(g, "\xC3\xA9\xE2\x82\xAC"), "UTF-8 dripped: %s",
          g ? g : e1.msg);
    free(g);
  }
  expect_rows("DelimitedText",
              "{\"firstRowAsHeader\": true, \"encodingName\": \"ISO-8859-1\"}",
              "a\nBj\xF6rn\n", "[[\"Bj\xC3\xB6rn\"]]", "[\"a\"]");
  Err err = ERR_INIT;
  FmtOpts o;
  CHECK(
      !opts(&o, "DelimitedText", "{\"columnDelimiter\": \"ab\"}", NULL, &err) &&
          err.code == ERR_DATA_UNSUPPORTED,
      "multi-char delimiter refused: %s", err.msg);
  fmt_opts_fini(&o);
  err_clear(&err);
  CHECK(!opts(&o, "DelimitedText", "{\"compressionCodec\": \"snappy\"}", NULL,
              &err) &&
            strstr(err.msg, "snappy"),
        "unsupported codec named: %s", err.msg);
  fmt_opts_fini(&o);
  err_clear(&err);
  CHECK(!opts(&o, "DelimitedText", "{\"fancyOption\": 1}", NULL, &err) &&
            strstr(err.msg, "fancyOption"),
        "unknown option named: %s", err.msg);
  fmt_opts_fini(&o);
  err_clear(&err);
  CHECK(!opts(&o, "Parquet", "{}", NULL, &err) && strstr(err.msg, "Parquet"),
        "unsupported dataset type named: %s", err.msg);
  fmt_opts_fini(&o);
  err_clear(&err);
  CHECK(!opts(&o, "DelimitedText", "{\"encodingName\": \"EBCDIC-US\"}", NULL,
              &err) &&
            strstr(err.msg, "EBCDIC"),
        "unsupported encoding named: %s", err.msg);
  fmt_opts_fini(&o);
}

/* ---- DelimitedText writing ------------------------------------------- */

static char *write_rows(const char *type, const char *props,
                        const char *settings, const char *const *names,
                        size_t n, const char *const *cells, size_t n_rows)
{
  Err err = ERR_INIT;
  FmtOpts o;
  StrBuf sb;
  sb_init(&sb);
  if (!opts(&o, type, props, settings, &err)) {
    fmt_opts_fini(&o);
    sb_fini(&sb);
    return NULL;
  }
  OutStream *out = fmt_wrap_out(&o, stream_mem_out(&sb), &err);
  RowWriter *w = rowsw_open(&o, out, names, n, &err);
  Cell *c = calloc(n, sizeof *c);
  for (size_t r = 0; r < n_rows; r++) {
    for (size_t i = 0; i < n; i++) {
      const char *s = cells[r * n + i];
      c[i].s = s;
      c[i].len = s ? strlen(s) : 0;
      c[i].v = NULL;
    }
    Row row = {c, n, NULL, (int64_t)r + 1};
    rowsw_write(w, &row, &err);
  }
  free(c);
  CHECK(rowsw_commit(w, &err), "commit: %s", err.msg);
  fmt_opts_fini(&o);
  return sb_take(&sb);
}

static void test_delimited_write(void)
{
  const char *names[] = {"id", "text"};
  const char *cells[] = {"1", "plain",      "2", "a,b", "3", "say \"hi\"",
                         "4", "two\nlines", "5", NULL,  "6", "back\\slash"};
  char *got = write_rows("DelimitedText", "{\"firstRowAsHeader\": true}", NULL,
                         names, 2, cells, 6);
  const char *want = "id,text\r\n1,plain\r\n2,\"a,b\"\r\n3,\"say \\\"hi\\\"\""
                     "\r\n4,\"two\nlines\"\r\n5,\r\n6,\"back\\\\slash\"\r\n";
  CHECK(got && strcmp(got, want) == 0, "csv write: got [%s]", got);
  /* Round trip: what we write reads back as the same cells. */
  Err err = ERR_INIT;
  char *back = read_all("DelimitedText", "{\"firstRowAsHeader\": true}", got,
                        strlen(got), 1, NULL, &err);
  CHECK(back && strcmp(back, "[[\"1\",\"plain\"],[\"2\",\"a,b\"],[\"3\",\"say "
                             "\\\"hi\\\"\"],[\"4\",\"two\\nlines\"],[\"5\","
                             "null],[\"6\",\"back\\\\slash\"]]") == 0,
        "csv round trip: %s (%s)", back, err.msg);
  free(back);
  free(got);
  /* quoteAllText, custom delimiter and row delimiter, nullValue. */
  got = write_rows("DelimitedText",
                   "{\"columnDelimiter\": \";\", \"rowDelimiter\": \"\\n\", "
                   "\"nullValue\": \"NULL\"}",
                   "{\"quoteAllText\": true}", names, 2, cells + 8, 2);
  CHECK(got && strcmp(got, "\"5\";NULL\n\"6\";\"back\\\\slash\"\n") == 0,
        "quoteAllText: got [%s]", got);
  free(got);
  /* RFC style escaping when escapeChar is the quote. */
  got = write_rows("DelimitedText", "{\"escapeChar\": \"\\\"\"}", NULL, names,
                   2, cells + 4, 1);
  CHECK(got && strcmp(got, "3,\"say \"\"hi\"\"\"\r\n") == 0,
        "doubled quotes: got [%s]", got);
  free(got);
}

/* ---- Charsets and compression ----------------------------------------- */

static void test_charsets(void)
{
  const char *names[] = {"name"};
  const char *cells[] = {"Zoë", "日本", "😀"};
  const char *encs[] = {"UTF-16", "UTF-16BE", "UTF-8"};
  for (int e = 0; e < 3; e++) {
    char props[128];
    snprintf(props, sizeof props,
             "{\"firstRowAsHeader\": true, \"encodingName\": \"%s\"}", encs[e]);
    Err err = ERR_INIT;
    FmtOpts o;
    StrBuf sb;
    sb_init(&sb);
    opts(&o, "DelimitedText", props, NULL, &err);
    RowWriter *w = rowsw_open(&o, fmt_wrap_out(&o, stream_mem_out(&sb), &err),
                              names, 1, &err);
    for (int i = 0; i < 3; i++) {
      Cell c = {cells[i], strlen(cells[i]), NULL};
      Row row = {&c, 1, NULL, i + 1};
      rowsw_write(w, &row, &err);
    }
    CHECK(rowsw_commit(w, &err), "commit %s", encs[e]);
    if (e == 0)
      CHECK(sb.len > 2 && (unsigned char)sb.s[0] == 0xFF &&
                (unsigned char)sb.s[1] == 0xFE && sb.s[2] == 'n' &&
                sb.s[3] == 0,
            "UTF-16 LE with BOM");
    if (e == 1)
      CHECK((unsigned char)sb.s[0] == 0xFE && sb.s[2] == 0 && sb.s[3] == 'n',
            "UTF-16 BE with BOM");
    fmt_opts_fini(&o);
    for (size_t step = 0; step < 4; step += 3) {
      char *back =
          read_all("DelimitedText", props, sb.s, sb.len, step, NULL, &err);
      CHECK(back && strcmp(back, "[[\"Zoë\"],[\"日本\"],[\"😀\"]]") == 0,
            "%s round trip (step %zu): %s (%s)", encs[e], step, back, err.msg);
      free(back);
    }
    sb_fini(&sb);
  }
  /* Latin-1 in and out. */
  Err err = ERR_INIT;
  char *got = read_all("DelimitedText", "{\"encodingName\": \"ISO-8859-1\"}",
                       "caf\xe9\n", 5, 0, NULL, &err);
  CHECK(got && strcmp(got, "[[\"café\"]]") == 0, "latin-1 read: %s", got);
  free(got);
  const char *lc[] = {"café"};
  got = write_rows("DelimitedText", "{\"encodingName\": \"ISO-8859-1\"}", NULL,
                   names, 1, lc, 1);
  CHECK(got && strcmp(got, "caf\xe9\r\n") == 0, "latin-1 write");
  free(got);
}

static void test_compression(void)
{
  const char *codecs[] = {"gzip", "deflate"};
  for (int k = 0; k < 2; k++) {
    char props[128];
    snprintf(props, sizeof props,
             "{\"firstRowAsHeader\": true, \"compressionCodec\": \"%s\"}",
             codecs[k]);
    const char *names[] = {"n"};
    const char *cells[] = {"one", "two", "three"};
    Err err = ERR_INIT;
    FmtOpts o;
    StrBuf sb;
    sb_init(&sb);
    opts(&o, "DelimitedText", props, NULL, &err);
    RowWriter *w = rowsw_open(&o, fmt_wrap_out(&o, stream_mem_out(&sb), &err),
                              names, 1, &err);
    /* Enough rows to span several zlib buffers. */
    for (int i = 0; i < 30000; i++) {
      Cell c = {cells[i % 3], strlen(cells[i % 3]), NULL};
      Row row = {&c, 1, NULL, i + 1};
      rowsw_write(w, &row, &err);
    }
    CHECK(rowsw_commit(w, &err), "commit");
    if (k == 0)
      CHECK(sb.len > 2 && (unsigned char)sb.s[0] == 0x1f &&
                (unsigned char)sb.s[1] == 0x8b,
            "gzip magic");
    fmt_opts_fini(&o);
    opts(&o, "DelimitedText", props, NULL, &err);
    RowReader *r =
        rows_open(&o, fmt_wrap_in(&o, drip(sb.s, sb.len, 7), &err), "z", &err);
    Row *row;
    int n = 0;
    bool good = true;
    while (rows_next(r, &row, &err) && row) {
      const char *want = cells[n % 3];
      good = good && row->cells[0].len == strlen(want) &&
             memcmp(row->cells[0].s, want, strlen(want)) == 0;
      n++;
    }
    CHECK(n == 30000 && good && !err_is_set(&err), "%s round trip: %d rows %s",
          codecs[k], n, err.msg);
    rows_close(r);
    fmt_opts_fini(&o);
    /* A truncated stream fails instead of ending quietly. */
    err_clear(&err);
    opts(&o, "DelimitedText", props, NULL, &err);
    r = rows_open(&o, fmt_wrap_in(&o, stream_mem_in(sb.s, sb.len / 2), &err),
                  "z", &err);
    while (rows_next(r, &row, &err) && row)
      ;
    CHECK(err.code == ERR_DATA_FORMAT, "%s truncated: %s", codecs[k], err.msg);
    rows_close(r);
    fmt_opts_fini(&o);
    sb_fini(&sb);
  }
}

/* ---- Json ------------------------------------------------------------- */

static void test_json(void)
{
  const char *want = "[[1,\"a\"],[2,\"b\"]]";
  /* A single object, JSON Lines, concatenated, and an array. */
  expect_rows("Json", "{}", "{\"id\": 1, \"n\": \"a\"}", "[[1,\"a\"]]",
              "[\"id\",\"n\"]");
  expect_rows("Json", "{}", "{\"id\":1,\"n\":\"a\"}\n{\"id\":2,\"n\":\"b\"}\n",
              want, NULL);
  expect_rows("Json", "{}", "{\"id\":1,\"n\":\"a\"}{\"id\":2,\"n\":\"b\"}",
              want, NULL);
  expect_rows("Json", "{}",
              " [ {\"id\":1,\"n\":\"a\"} ,\n {\"id\":2,\"n\":\"b\"} ] ", want,
              NULL);
  /* Braces and quotes inside strings do not confuse the scanner. */
  expect_rows("Json", "{}", "{\"id\":1,\"n\":\"}{\\\"[\"}", "[[1,\"}{\\\"[\"]]",
              NULL);
  /* Keys missing from later documents are null. */
  expect_rows("Json", "{}", "{\"id\":1,\"n\":\"a\"}\n{\"id\":2}",
              "[[1,\"a\"],[2,null]]", NULL);
  expect_fail("Json", "{}", "{\"id\": 1", "ErrorCode=JsonInvalidDataFormat");
  /* The position is the file's line:col, not the document's. */
  expect_fail("Json", "{}", "{\"a\": 1}\n\n  {\"b\" 2}\n",
              "Error occurred when deserializing source JSON file 't.csv'. "
              "Check if the data is in valid JSON object format. Line 3, "
              "column 8 (document 2)");
  expect_fail("Json", "{}", "[{\"a\": 1},\n {\"a\": 2},\n {\"a\": x}]",
              "Line 3, column 8 (document 3)");
  expect_fail("Json", "{}", "{\"a\": \"x\"}\n{\"a\": \"\xFF\"}",
              "ErrorCode=JsonInvalidEncoding");
  expect_fail("Json", "{}", "{\"a\": \"x\"}\n{\"a\": \"\xFF\"}",
              "Line 2, column 8 (document 2): unable to translate bytes [FF]");
  expect_fail("Json", "{}", "[{\"id\": 1}", "not closed");
  expect_fail("Json", "{}", "42", "Integer");

  /* Writing: setOfObjects (default) and arrayOfObjects. */
  const char *names[] = {"id", "$.info.name"};
  const char *cells[] = {"1", "x", "2", NULL};
  char *got = write_rows("Json", "{}", NULL, names, 2, cells, 2);
  CHECK(got && strcmp(got, "{\"id\":\"1\",\"info\":{\"name\":\"x\"}}\n"
                           "{\"id\":\"2\",\"info\":{\"name\":null}}") == 0,
        "setOfObjects: %s", got);
  free(got);
  got = write_rows("Json", "{}", "{\"filePattern\": \"arrayOfObjects\"}", names,
                   2, cells, 2);
  CHECK(got && got[0] == '[' && got[strlen(got) - 1] == ']', "arrayOfObjects");
  Err err = ERR_INIT;
  char *back =
      got ? read_all("Json", "{}", got, strlen(got), 1, NULL, &err) : NULL;
  CHECK(back && strcmp(back, "[[\"1\",{\"name\":\"x\"}],[\"2\",{\"name\":"
                             "null}]]") == 0,
        "array round trip: %s", back);
  free(back);
  free(got);
  got = write_rows("Json", "{}", "{\"filePattern\": \"arrayOfObjects\"}", names,
                   2, cells, 0);
  CHECK(got && strcmp(got, "[]") == 0, "empty arrayOfObjects: %s", got);
  free(got);
  FmtOpts o;
  CHECK(!opts(&o, "Json", "{}", "{\"filePattern\": \"eachLine\"}", &err) &&
            strstr(err.msg, "eachLine"),
        "unknown filePattern named");
  fmt_opts_fini(&o);
}

/* ---- Wildcards -------------------------------------------------------- */

static void test_wildcards(void)
{
  CHECK(store_wildcard_match("*.csv", "a.csv"), "*");
  CHECK(store_wildcard_match("*.csv", ".csv"), "* matches empty");
  CHECK(!store_wildcard_match("*.csv", "a.csv.gz"), "* anchored");
  CHECK(!store_wildcard_match("*.csv", "d/a.csv"), "* stops at /");
  CHECK(store_wildcard_match("file?.txt", "file1.txt"), "? one");
  CHECK(store_wildcard_match("file?.txt", "file.txt"), "? zero (ADF rule)");
  CHECK(!store_wildcard_match("file?.txt", "file12.txt"), "? not two");
  CHECK(store_wildcard_match("a^*b", "a*b"), "^ escapes *");
  CHECK(!store_wildcard_match("a^*b", "axb"), "escaped * is literal");
  CHECK(store_wildcard_match("^?x", "?x"), "^ escapes ?");
  CHECK(store_wildcard_match("2024/*/day?", "2024/01/day1"), "segments");
  CHECK(store_has_wildcard("a*") && !store_has_wildcard("a^*"), "has_wildcard");
  char *p = store_path_join("/a//b/", "./c/");
  CHECK(strcmp(p, "a/b/c") == 0, "path join: %s", p);
  free(p);
}

int main(void)
{
  test_delimited_read();
  test_delimited_write();
  test_charsets();
  test_compression();
  test_json();
  test_wildcards();
  return CHECK_DONE();
}
