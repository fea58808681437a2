/*
 * activities/dataops.c -- Lookup, GetMetadata, Delete and the Validation
 *                         probe, plus helpers shared with Copy
 *
 * Runs on a worker thread: everything here works on the job's own Values
 * and opens its own stores.  Copy itself is in copy_exec.c.
 */
#include "activities/dataops.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/evp.h>

#include "activities/dataset.h"
#include "activities/format.h"
#include "expr/datetime.h"
#include "interp/clock.h"
#include "expr/strbuf.h"

#define LOOKUP_MAX_ROWS  5000
#define LOOKUP_MAX_BYTES (4 * 1024 * 1024)

/* Wraps err->msg as "Failure happened on '<side>' side. ErrorCode=<code>,
 * 'Type=...,Message=<the cause>,Source=...,'" unless it already is one. */
void dataops_adf_message(Err *err, const char *side, const char *code)
{
  char inner[sizeof err->msg];
  size_t n;
  if (!err_is_set(err) || strncmp(err->msg, "Failure happened on ", 20) == 0)
    return;
  n = strlen(err->msg);
  snprintf(inner, sizeof inner, "%s%s", err->msg,
           n && err->msg[n - 1] == '.' ? "" : ".");
  snprintf(err->msg, sizeof err->msg,
           "Failure happened on '%s' side. ErrorCode=%s,'Type=Microsoft."
           "DataTransfer.Common.Shared.HybridDeliveryException,Message=%.800s,"
           "Source=Microsoft.DataTransfer.ClientLibrary,'",
           side, code, inner);
}

/* Rewrites a store or data failure into ADF's Copy/Lookup message (see
 * dataops_adf_message).  The code follows the linked service of 'spec';
 * configuration errors and cancellation are left as they are. */
void dataops_adf_style(Err *err, const char *side, const Value *spec,
                       const atomic_int *cancel)
{
  const char *ls = ds_str(spec, "linkedServiceType"), *code;
  bool blob = ls && strcasecmp(ls, "AzureBlobStorage") == 0;
  bool http = ls && strcasecmp(ls, "HttpServer") == 0;
  bool source = strcmp(side, "Source") == 0;

  if (!err_is_set(err) || (cancel && atomic_load(cancel)))
    return;
  if (err->code == ERR_DATA_NOT_FOUND)
    code = blob   ? (source ? "UserErrorSourceBlobNotExist"
                            : "AzureBlobOperationFailed")
           : http ? "HttpFileFailedToRead"
                  : "UserErrorFileNotFound";
  else if (err->code == ERR_DATA_STORE)
    code = blob   ? "AzureBlobOperationFailed"
           : http ? "HttpFileFailedToRead"
                  : "UserErrorFailedFileOperation";
  else
    return;
  dataops_adf_message(err, side, code);
}

/* ---- Time --------------------------------------------------------------- */

static int64_t days_from_civil(int64_t y, int m, int d)
{
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

bool dataop_parse_time(const char *s, int64_t *out)
{
  int y, mo, d, h = 0, mi = 0, se = 0, n = 0;
  if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || mo < 1 || mo > 12 ||
      d < 1 || d > 31)
    return false;
  const char *p = s + n;
  if (*p == 'T' || *p == ' ') {
    int k = 0;
    if (sscanf(p + 1, "%2d:%2d%n", &h, &mi, &k) != 2)
      return false;
    p += 1 + k;
    if (*p == ':') {
      if (sscanf(p + 1, "%2d%n", &se, &k) != 1)
        return false;
      p += 1 + k;
    }
    if (*p == '.')
      for (p++; *p >= '0' && *p <= '9'; p++)
        ;
  }
  int64_t off = 0;
  if (*p == 'Z' || *p == 'z') {
    p++;
  } else if (*p == '+' || *p == '-') {
    int oh, om = 0;
    if (sscanf(p + 1, "%2d:%2d", &oh, &om) < 1)
      return false;
    off = (oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
    p += strlen(p);
  }
  if (*p)
    return false;
  *out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - off;
  return true;
}

void dataop_format_time(int64_t t, char *buf, size_t n)
{
  time_t tt = (time_t)t;
  struct tm tm;
  gmtime_r(&tt, &tm);
  strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ---- Selection and stores ----------------------------------------------- */

static const char *spec_str(const Value *spec, const char *key)
{
  const Value *v = val_object_peek(spec, key);
  return v && val_kind(v) == VAL_STRING ? val_str(v) : NULL;
}

bool dataop_is_http(const Value *spec)
{
  const char *t = spec_str(spec, "linkedServiceType");
  return t && strcasecmp(t, "HttpServer") == 0;
}

char *dataop_item_path(const Value *spec)
{
  return store_path_join(spec_str(spec, "folder"), spec_str(spec, "file"));
}

void dataop_select_fini(SelectBufs *b)
{
  free(b->folder);
  free(b->wild_folder);
  free(b->prefix);
  memset(b, 0, sizeof *b);
}

static bool time_setting(const Value *ss, const char *key, int64_t *out,
                         Err *err)
{
  const char *s = ds_str(ss, key);
  if (!s || !*s)
    return true;
  if (!dataop_parse_time(s, out))
    return err_set(err, ERR_DATA_REFERENCE, NULL,
                   "%s '%s' is not an ISO 8601 date-time", key, s);
  return true;
}

bool dataop_select_from(const Value *spec, const Value *ss,
                        bool recursive_default, StoreSelect *sel, SelectBufs *b,
                        Err *err)
{
  const char *root = spec_str(spec, "root");
  memset(b, 0, sizeof *b);
  store_select_init(sel);
  b->folder = store_path_join(spec_str(spec, "folder"), NULL);
  sel->folder = b->folder;
  sel->file = spec_str(spec, "file");
  sel->recursive = ds_bool(ss, "recursive", recursive_default);
  if (ds_str(ss, "fileListPath") && *ds_str(ss, "fileListPath"))
    return err_set(err, ERR_DATA_UNSUPPORTED, NULL,
                   "storeSettings 'fileListPath' is not supported");
  if (ds_bool(ss, "enablePartitionDiscovery", false))
    return err_set(err, ERR_DATA_UNSUPPORTED, NULL,
                   "storeSettings 'enablePartitionDiscovery' is not "
                   "supported");
  if (ds_str(ss, "partitionRootPath") && *ds_str(ss, "partitionRootPath"))
    return err_set(err, ERR_DATA_UNSUPPORTED, NULL,
                   "storeSettings 'partitionRootPath' is not supported");
  const char *wf = ds_str(ss, "wildcardFolderPath");
  if (wf && *wf) {
    b->wild_folder = store_path_join(root, wf);
    sel->wild_folder = b->wild_folder;
  }
  const char *wn = ds_str(ss, "wildcardFileName");
  if (wn && *wn)
    sel->wild_file = wn;
  const char *px = ds_str(ss, "prefix");
  if (px && *px) {
    StrBuf sb;
    sb_init(&sb);
    if (root && *root)
      sb_printf(&sb, "%s/", root);
    sb_puts(&sb, px[0] == '/' ? px + 1 : px);
    b->prefix = sb_take(&sb);
    sel->prefix = b->prefix;
  }
  return time_setting(ss, "modifiedDatetimeStart", &sel->mtime_start, err) &&
         time_setting(ss, "modifiedDatetimeEnd", &sel->mtime_end, err);
}

Store *dataop_open_store(const Value *spec, const Value *ss, Err *err)
{
  const Value *conn = val_object_peek(spec, "conn");
  if (!conn) {
    err_set(err, ERR_INTERNAL, NULL, "data spec without a connection");
    return NULL;
  }
  if (!dataop_is_http(spec) || !ss)
    return store_open(conn, err);
  /* HttpReadSettings travel with the connection. */
  Value *c = val_copy(conn);
  const char *m = ds_str(ss, "requestMethod");
  const char *body = ds_str(ss, "requestBody");
  const char *hdrs = ds_str(ss, "additionalHeaders");
  const char *to = ds_str(ss, "httpRequestTimeout");
  if (m)
    val_object_set_take(c, "method", 6, val_cstr(m));
  if (body)
    val_object_set_take(c, "body", 4, val_cstr(body));
  if (hdrs || ds_get(ss, "additionalHeaders")) {
    const Value *hv = ds_get(ss, "additionalHeaders");
    Value *arr = val_copy(val_object_peek(conn, "headers"));
    if (hdrs) {
      /* "Name: value" lines separated by newlines. */
      for (const char *p = hdrs; *p;) {
        size_t n = strcspn(p, "\r\n");
        if (n > 0)
          val_array_push_take(arr, val_string(p, n));
        p += n;
        while (*p == '\r' || *p == '\n')
          p++;
      }
    } else if (hv && val_kind(hv) == VAL_OBJECT) {
      for (size_t i = 0; i < val_object_len(hv); i++) {
        size_t kl;
        const char *k = val_object_key_peek(hv, i, &kl);
        StrBuf sb;
        sb_init(&sb);
        sb_put(&sb, k, kl);
        sb_puts(&sb, ": ");
        val_to_adf_string(val_object_value_peek(hv, i), &sb);
        val_array_push_take(arr, val_string_from_sb(&sb));
        sb_fini(&sb);
      }
    }
    val_object_set_take(c, "headers", 7, arr);
  }
  if (to) {
    /* A .NET TimeSpan; a bad one must not become "no timeout" (0). */
    int64_t ticks;
    if (!clk_parse_timespan(to, &ticks) || ticks <= 0) {
      err_set(err, ERR_ACTIVITY_CONFIG, NULL,
              "httpRequestTimeout '%s' is not a positive [d.]hh:mm:ss time "
              "span",
              to);
      val_unref(c);
      return NULL;
    }
    int64_t ms = ticks / (DT_TICKS_PER_SECOND / 1000);
    val_object_set_take(c, "timeoutMs", 9, val_int(ms > 0 ? ms : 1));
  }
  Store *st = store_open(c, err);
  val_unref(c);
  return st;
}

static bool cancelled(const atomic_int *cancel, Err *err)
{
  if (cancel && atomic_load(cancel))
    return !err_set(err, ERR_DATA_STORE, NULL, "cancelled");
  return false;
}

static void ir_fields(Value *out)
{
  val_object_set_take(out, "effectiveIntegrationRuntime", 27,
                      val_cstr("AutoResolveIntegrationRuntime (Local)"));
}

/* ---- Lookup ------------------------------------------------------------- */

static Value *row_object(RowReader *rr, const Row *row)
{
  if (row->doc)
    return val_ref(row->doc);
  const char *const *names;
  size_t n = rows_columns(rr, &names);
  Value *o = val_object_new();
  for (size_t i = 0; i < n && i < row->n; i++)
    val_object_set_take(o, names[i], strlen(names[i]),
                        fmt_cell_value(&row->cells[i]));
  return o;
}

/* Opens the rows of one source item (file path, or the HTTP URL). */
static RowReader *open_rows(Store *st, const FmtOpts *fo, const char *path,
                            Err *err)
{
  InStream *in = st->ops->open_read(st, path, err);
  if (!in || !(in = fmt_wrap_in(fo, in, err)))
    return NULL;
  return rows_open(fo, in, path, err);
}

bool dataop_source_items(Store *st, const Value *spec, const Value *ss,
                         StoreList *items, char **base, Err *err)
{
  *base = NULL;
  if (dataop_is_http(spec)) {
    StoreItem it = {0};
    const char *f = spec_str(spec, "file");
    store_list_add(items, &it, f ? f : "");
    *base = xstrdup("");
    return true;
  }
  StoreSelect sel;
  SelectBufs bufs;
  bool ok = dataop_select_from(spec, ss, true, &sel, &bufs, err) &&
            store_select(st, &sel, items, base, err);
  dataop_select_fini(&bufs);
  return ok;
}

Value *dataop_lookup(const Value *job, const atomic_int *cancel, Err *err)
{
  const Value *src = val_object_peek(job, "source");
  const Value *settings = ds_get(src, "settings");
  const Value *ss = ds_get(settings, "storeSettings");
  bool first_only = ds_bool(job, "firstRowOnly", true);
  FmtOpts fo;
  Store *st = NULL;
  StoreList items;
  Value *rows = val_array_new(), *out = NULL;
  size_t bytes = 0;
  store_list_init(&items);
  if (!fmt_opts_parse(&fo, spec_str(src, "type"), ds_get(src, "props"),
                      ds_get(settings, "formatSettings"), err))
    goto done;
  if (fo.kind == FMT_BINARY) {
    err_set(err, ERR_DATA_UNSUPPORTED, NULL,
            "Lookup cannot read a Binary dataset ('%s')",
            spec_str(src, "dataset"));
    goto done;
  }
  char *base = NULL;
  bool listed = (st = dataop_open_store(src, ss, err)) != NULL &&
                dataop_source_items(st, src, ss, &items, &base, err);
  free(base);
  if (!listed)
    goto done;
  for (size_t i = 0; i < items.n; i++) {
    RowReader *rr = open_rows(st, &fo, items.items[i].path, err);
    if (!rr)
      goto done;
    Row *row;
    bool ok = true;
    while ((ok = rows_next(rr, &row, err)) && row) {
      if (cancelled(cancel, err)) {
        ok = false;
        break;
      }
      Value *o = row_object(rr, row);
      char *js = val_to_json_str(o);
      bytes += strlen(js) + 1;
      free(js);
      val_array_push_take(rows, o);
      if (first_only || val_array_len(rows) >= LOOKUP_MAX_ROWS)
        break;
    }
    rows_close(rr);
    if (!ok)
      goto done;
    if (bytes > LOOKUP_MAX_BYTES) {
      err_set(err, ERR_DATA_TOO_LARGE, NULL,
              "the size %zu of the Lookup activity output exceeds the limit "
              "of 4194304 bytes",
              bytes);
      goto done;
    }
    if ((first_only && val_array_len(rows) > 0) ||
        val_array_len(rows) >= LOOKUP_MAX_ROWS)
      break;
  }
  out = val_object_new();
  if (first_only) {
    if (val_array_len(rows) > 0)
      val_object_set(out, "firstRow", val_array_peek(rows, 0));
  } else {
    val_object_set_take(out, "count", 5, val_int((int64_t)val_array_len(rows)));
    val_object_set(out, "value", rows);
  }
  ir_fields(out);
done:
  if (!out)
    dataops_adf_style(err, "Source", src, cancel);
  val_unref(rows);
  store_list_fini(&items);
  store_free(st);
  fmt_opts_fini(&fo);
  return out;
}

/* ---- GetMetadata -------------------------------------------------------- */

static const char *const meta_fields[] = {
    "itemName",     "itemType",   "size",       "created",
    "lastModified", "childItems", "contentMD5", "structure",
    "columnCount",  "exists",     NULL};

static const char *last_segment(const char *path)
{
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}

static char *md5_of(Store *st, const char *path, Err *err)
{
  InStream *in = st->ops->open_read(st, path, err);
  if (!in)
    return NULL;
  EVP_MD_CTX *cx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(cx, EVP_md5(), NULL);
  char *buf = xmalloc(65536);
  ptrdiff_t n;
  while ((n = stream_read(in, buf, 65536, err)) > 0)
    EVP_DigestUpdate(cx, buf, (size_t)n);
  unsigned char md[16];
  unsigned int ml = 0;
  EVP_DigestFinal_ex(cx, md, &ml);
  EVP_MD_CTX_free(cx);
  free(buf);
  stream_close(in);
  if (n < 0)
    return NULL;
  char b64[32];
  EVP_EncodeBlock((unsigned char *)b64, md, 16);
  return xstrdup(b64);
}

/* ADF's structure types for Json values. */
static const char *json_type(const Value *v)
{
  switch (v ? val_kind(v) : VAL_NULL) {
  case VAL_INT:
    return "Int64";
  case VAL_FLOAT:
    return "Double";
  case VAL_BOOL:
    return "Boolean";
  case VAL_ARRAY:
    return "Array";
  case VAL_OBJECT:
    return "Object";
  default:
    return "String";
  }
}

static bool structure_of(Store *st, const Value *spec, const char *path,
                         Value *out, bool want_struct, bool want_count,
                         Err *err)
{
  FmtOpts fo;
  if (!fmt_opts_parse(&fo, spec_str(spec, "type"), ds_get(spec, "props"), NULL,
                      err))
    return false;
  if (fo.kind == FMT_BINARY) {
    fmt_opts_fini(&fo);
    return err_set(err, ERR_DATA_UNSUPPORTED, NULL,
                   "GetMetadata 'structure' and 'columnCount' need a "
                   "DelimitedText or Json dataset");
  }
  RowReader *rr = open_rows(st, &fo, path, err);
  fmt_opts_fini(&fo);
  if (!rr)
    return false;
  Row *row;
  bool ok = rows_next(rr, &row, err);
  if (ok) {
    const char *const *names;
    size_t n = rows_columns(rr, &names);
    if (want_struct) {
      Value *arr = val_array_new();
      for (size_t i = 0; i < n; i++) {
        Value *c = val_object_new();
        val_object_set_take(c, "name", 4, val_cstr(names[i]));
        val_object_set_take(
            c, "type", 4,
            val_cstr(row && row->doc ? json_type(row->cells[i].v) : "String"));
        val_array_push_take(arr, c);
      }
      val_object_set_take(out, "structure", 9, arr);
    }
    if (want_count)
      val_object_set_take(out, "columnCount", 11, val_int((int64_t)n));
  }
  rows_close(rr);
  return ok;
}

/* The last path segment of a URL, without query or fragment. */
static char *url_item_name(const char *url)
{
  size_t n = strcspn(url, "?#");
  while (n > 0 && url[n - 1] == '/')
    n--;
  size_t b = n;
  while (b > 0 && url[b - 1] != '/')
    b--;
  return xstrndup(url + b, n - b);
}

/* Looks the item up.  HttpServer: one HEAD request, 2xx exists, 404/410
 * do not, another status fails; *url receives the absolute URL. */
static bool gm_stat(Store *st, bool http, const char *path, StoreItem *it,
                    bool *found, char **url, long *status, Err *err)
{
  if (!http)
    return st->ops->stat(st, path, it, found, err);
  *url = store_http_url(st, path);
  *found = false;
  if (!store_http_head(st, path, it, status, err))
    return false;
  if (*status >= 200 && *status <= 299)
    return *found = true;
  store_item_fini(it);
  if (*status == 404 || *status == 410)
    return true;
  return err_set(err, ERR_DATA_STORE, NULL,
                 "HTTP HEAD request to '%s' returned status %ld", *url,
                 *status);
}

Value *dataop_getmetadata(const Value *job, const atomic_int *cancel, Err *err)
{
  const Value *spec = val_object_peek(job, "dataset");
  const Value *fl = ds_get(job, "fieldList");
  const Value *ss = ds_get(job, "storeSettings");
  Value *out = NULL;
  Store *st = NULL;
  StoreItem it = {0};
  StoreList kids;
  char *path = NULL, *url = NULL;
  bool want[10] = {false};
  bool found, http = dataop_is_http(spec);
  store_list_init(&kids);
  if (!fl || val_kind(fl) != VAL_ARRAY || val_array_len(fl) == 0) {
    err_set(err, ERR_DATA_REFERENCE, NULL,
            "GetMetadata needs a non-empty 'fieldList'");
    return NULL;
  }
  for (size_t i = 0; i < val_array_len(fl); i++) {
    const Value *f = val_array_peek(fl, i);
    const char *name = f && val_kind(f) == VAL_STRING ? val_str(f) : "";
    size_t k;
    for (k = 0; meta_fields[k]; k++)
      if (strcasecmp(meta_fields[k], name) == 0)
        break;
    if (!meta_fields[k]) {
      err_set(err, ERR_DATA_UNSUPPORTED, NULL,
              "GetMetadata field '%s' is not supported (itemName, itemType, "
              "size, created, lastModified, childItems, contentMD5, "
              "structure, columnCount, exists are)",
              name);
      return NULL;
    }
    want[k] = true;
  }
  if (http && (want[5] || want[3])) {
    err_set(err, ERR_DATA_UNSUPPORTED, NULL,
            "GetMetadata field '%s' is not supported for HttpServer dataset "
            "'%s' (%s)",
            want[5] ? "childItems" : "created", spec_str(spec, "dataset"),
            want[5] ? "a URL cannot be listed: no folders"
                    : "HTTP has no creation time");
    return NULL;
  }
  StoreSelect sel;
  SelectBufs bufs;
  if (!dataop_select_from(spec, ss, false, &sel, &bufs, err)) {
    dataop_select_fini(&bufs);
    return NULL;
  }
  if (!(st = dataop_open_store(spec, http ? ss : NULL, err)))
    goto done;
  path = http ? xstrdup(spec_str(spec, "file") ? spec_str(spec, "file") : "")
              : dataop_item_path(spec);
  long status = 0;
  if (!gm_stat(st, http, path, &it, &found, &url, &status, err))
    goto done;
  out = val_object_new();
  if (!found) {
    if (!want[9]) {
      if (http)
        err_set(err, ERR_DATA_NOT_FOUND, NULL,
                "HTTP HEAD request to '%s' returned status %ld", url, status);
      else
        err_set(err, ERR_DATA_NOT_FOUND, NULL, "%s '%s' does not exist",
                spec_str(spec, "file") ? "file" : "folder", path);
      val_unref(out);
      out = NULL;
      goto done;
    }
    val_object_set_take(out, "exists", 6, val_bool(false));
    ir_fields(out);
    goto done;
  }
  char tbuf[40];
  if (want[9])
    val_object_set_take(out, "exists", 6, val_bool(true));
  if (want[0]) {
    char *name = http ? url_item_name(url) : xstrdup(last_segment(path));
    val_object_set_take(out, "itemName", 8, val_cstr(name));
    free(name);
  }
  if (want[1])
    val_object_set_take(out, "itemType", 8,
                        val_cstr(it.is_dir ? "Folder" : "File"));
  if (want[2] && !it.is_dir)
    val_object_set_take(out, "size", 4,
                        it.size >= 0 ? val_int(it.size) : val_null());
  if (want[3] && it.ctime) {
    dataop_format_time(it.ctime, tbuf, sizeof tbuf);
    val_object_set_take(out, "created", 7, val_cstr(tbuf));
  }
  if (want[4] && it.mtime) {
    dataop_format_time(it.mtime, tbuf, sizeof tbuf);
    val_object_set_take(out, "lastModified", 12, val_cstr(tbuf));
  } else if (want[4] && http) {
    val_object_set_take(out, "lastModified", 12, val_null());
  }
  if (want[5] && it.is_dir) {
    bool dfound;
    if (!st->ops->list(st, path, false, &kids, &dfound, err)) {
      val_unref(out);
      out = NULL;
      goto done;
    }
    bool filter = sel.mtime_start != INT64_MIN || sel.mtime_end != INT64_MAX;
    Value *arr = val_array_new();
    for (size_t i = 0; i < kids.n; i++) {
      const StoreItem *k = &kids.items[i];
      /* A time filter keeps files only (connector docs). */
      if (filter && (k->is_dir || k->mtime < sel.mtime_start ||
                     k->mtime >= sel.mtime_end))
        continue;
      Value *c = val_object_new();
      val_object_set_take(c, "name", 4, val_cstr(k->path));
      val_object_set_take(c, "type", 4,
                          val_cstr(k->is_dir ? "Folder" : "File"));
      val_array_push_take(arr, c);
    }
    val_object_set_take(out, "childItems", 10, arr);
  }
  if (want[6] && !it.is_dir && http) {
    /* Only what the server states: nothing is downloaded to hash it. */
    val_object_set_take(out, "contentMD5", 10,
                        it.md5 ? val_cstr(it.md5) : val_null());
  } else if (want[6] && !it.is_dir) {
    char *md5 = it.md5 ? xstrdup(it.md5) : md5_of(st, path, err);
    if (!md5) {
      val_unref(out);
      out = NULL;
      goto done;
    }
    val_object_set_take(out, "contentMD5", 10, val_cstr(md5));
    free(md5);
  }
  if ((want[7] || want[8]) && !it.is_dir &&
      !structure_of(st, spec, path, out, want[7], want[8], err)) {
    val_unref(out);
    out = NULL;
    goto done;
  }
  ir_fields(out);
done:
  if (!out)
    dataops_adf_style(err, "Source", spec, cancel);
  dataop_select_fini(&bufs);
  store_list_fini(&kids);
  store_item_fini(&it);
  free(path);
  free(url);
  store_free(st);
  return out;
}

/* ---- Delete ------------------------------------------------------------- */

Value *dataop_delete(const Value *job, const atomic_int *cancel, Err *err)
{
  const Value *spec = val_object_peek(job, "dataset");
  const Value *ss = ds_get(job, "storeSettings");
  bool recursive = ds_bool(job, "recursive", false);
  if (ss && ds_get(ss, "recursive"))
    recursive = ds_bool(ss, "recursive", recursive);
  Store *st = NULL;
  StoreList files, all;
  Value *out = NULL;
  char *base = NULL, *path = NULL;
  int64_t deleted = 0;
  store_list_init(&files);
  store_list_init(&all);
  if (ds_bool(job, "enableLogging", false)) {
    err_set(err, ERR_DATA_UNSUPPORTED, NULL,
            "Delete 'enableLogging' is not supported");
    return NULL;
  }
  if (dataop_is_http(spec)) {
    err_set(err, ERR_DATA_UNSUPPORTED, NULL,
            "Delete does not support HttpServer datasets");
    return NULL;
  }
  StoreSelect sel;
  SelectBufs bufs;
  if (!dataop_select_from(spec, ss, recursive, &sel, &bufs, err)) {
    dataop_select_fini(&bufs);
    return NULL;
  }
  sel.recursive = recursive;
  if (!(st = dataop_open_store(spec, NULL, err)))
    goto done;
  bool wild = sel.wild_file || sel.wild_folder ||
              (sel.file && store_has_wildcard(sel.file));
  path = dataop_item_path(spec);
  bool found;
  StoreItem it = {0};
  if (!st->ops->stat(st, path, &it, &found, err))
    goto done;
  bool is_dir = found && it.is_dir;
  store_item_fini(&it);
  if (!found && !wild && !sel.prefix) {
    /* Nothing to delete is not a failure: Delete is idempotent. */
  } else {
    Err serr = ERR_INIT;
    if (!store_select(st, &sel, &files, &base, &serr)) {
      if (serr.code != ERR_DATA_NOT_FOUND) {
        *err = serr;
        goto done;
      }
    }
  }
  for (size_t i = 0; i < files.n; i++) {
    if (cancelled(cancel, err) ||
        !st->ops->remove(st, files.items[i].path, err))
      goto done;
    deleted++;
  }
  /* recursive on a folder removes the folder tree itself. */
  if (is_dir && recursive && !wild && !spec_str(spec, "file") &&
      st->ops->remove_dir) {
    bool dfound;
    if (!st->ops->list(st, path, true, &all, &dfound, err))
      goto done;
    for (size_t i = all.n; i-- > 0;) {
      if (!all.items[i].is_dir)
        continue;
      char *d = store_path_join(path, all.items[i].path);
      bool ok = st->ops->remove_dir(st, d, err);
      free(d);
      if (!ok)
        goto done;
    }
    if (*path && !st->ops->remove_dir(st, path, err))
      goto done;
  }
  out = val_object_new();
  val_object_set_take(out, "datasetName", 11,
                      val_cstr(spec_str(spec, "dataset")));
  val_object_set_take(out, "type", 4,
                      val_cstr(spec_str(spec, "linkedServiceType")));
  val_object_set_take(out, "folderPath", 10,
                      val_cstr(spec_str(spec, "folder")));
  if (spec_str(spec, "file"))
    val_object_set_take(out, "fileName", 8, val_cstr(spec_str(spec, "file")));
  val_object_set_take(out, "recursive", 9, val_bool(recursive));
  val_object_set_take(out, "isWildcardUsed", 14, val_bool(wild));
  val_object_set_take(out, "maxConcurrentConnections", 24,
                      val_int(ds_int(job, "maxConcurrentConnections", 1)));
  val_object_set_take(out, "filesDeleted", 12, val_int(deleted));
  ir_fields(out);
done:
  if (!out)
    dataops_adf_style(err, "Source", spec, cancel);
  dataop_select_fini(&bufs);
  store_list_fini(&files);
  store_list_fini(&all);
  free(base);
  free(path);
  store_free(st);
  return out;
}

/* ---- Validation probe --------------------------------------------------- */

/* HttpServer: the URL "exists" once a HEAD answers 2xx.  Until then
 * every other answer, a refused connection and a timeout mean "not yet"
 * (the item or the server may appear later), except 401 and 403: wrong
 * credentials do not heal by waiting, so they fail at once. */
static Value *probe_http(Store *st, const Value *spec, Err *err)
{
  const char *rel = spec_str(spec, "file");
  StoreItem it = {0};
  long status;
  Err herr = ERR_INIT;
  Value *out = NULL;
  if (!store_http_head(st, rel ? rel : "", &it, &status, &herr)) {
    if (status != 0) {
      *err = herr;
      return NULL;
    }
    status = 0;
  }
  if (status == 401 || status == 403) {
    char *url = store_http_url(st, rel ? rel : "");
    err_set(err, ERR_DATA_STORE, NULL,
            "HTTP HEAD request to '%s' returned status %ld", url, status);
    free(url);
    return NULL;
  }
  bool found = status >= 200 && status <= 299;
  out = val_object_new();
  val_object_set_take(out, "exists", 6, val_bool(found));
  if (found) {
    val_object_set_take(out, "itemType", 8, val_cstr("File"));
    if (it.size >= 0)
      val_object_set_take(out, "size", 4, val_int(it.size));
  }
  store_item_fini(&it);
  return out;
}

Value *dataop_probe(const Value *job, const atomic_int *cancel, Err *err)
{
  const Value *spec = val_object_peek(job, "dataset");
  StoreItem it = {0};
  StoreList kids;
  bool found;
  Value *out = NULL;
  char *path = NULL;
  store_list_init(&kids);
  Store *st = dataop_open_store(spec, NULL, err);
  if (!st)
    goto done;
  if (dataop_is_http(spec)) {
    out = probe_http(st, spec, err);
    goto done;
  }
  path = dataop_item_path(spec);
  if (!st->ops->stat(st, path, &it, &found, err))
    goto done;
  out = val_object_new();
  val_object_set_take(out, "exists", 6, val_bool(found));
  if (found) {
    val_object_set_take(out, "itemType", 8,
                        val_cstr(it.is_dir ? "Folder" : "File"));
    val_object_set_take(out, "size", 4, val_int(it.size));
    if (it.is_dir) {
      bool dfound;
      if (!st->ops->list(st, path, false, &kids, &dfound, err)) {
        val_unref(out);
        out = NULL;
        goto done;
      }
      val_object_set_take(out, "childItems", 10, val_int((int64_t)kids.n));
    }
  }
done:
  if (!out)
    dataops_adf_style(err, "Source", spec, cancel);
  store_list_fini(&kids);
  store_item_fini(&it);
  free(path);
  store_free(st);
  return out;
}
