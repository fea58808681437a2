/*
 * activities/store_http.c -- HttpServer store: read-only, one URL per item
 *
 * The item path is the dataset's relativeUrl, resolved against the
 * linked service's url.  Auth: Anonymous, Basic, and authHeaders; TLS
 * certificates are verified unless enableServerCertificateValidation is
 * false.  Responses are streamed through http.h's on_body callback on
 * the store's own HttpClient (a store lives on one worker thread), so
 * memory does not grow with the size of the item.  stat() is one HEAD
 * request (GetMetadata, Validation): 2xx exists, 404/410 does not.
 */
#include "activities/store.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/evp.h>

#include "activities/dataops.h"
#include "activities/http.h"
#include "expr/strbuf.h"

static const struct StoreOps http_ops;

typedef struct HttpStore {
  Store base;
  HttpClient *http; /* owned */
  char *url;        /* owned: base URL */
  char **headers;   /* owned */
  size_t n_headers;
  bool insecure;
  char *method; /* owned */
  char *body;   /* owned or NULL */
  long timeout_ms;
} HttpStore;

static bool read_only(const char *what, Err *err)
{
  return err_set(err, ERR_DATA_UNSUPPORTED, NULL,
                 "HttpServer datasets are read-only: cannot %s", what);
}

static bool hs_list(Store *st, const char *dir, bool recursive, StoreList *out,
                    bool *found, Err *err)
{
  (void)st;
  (void)dir;
  (void)recursive;
  (void)out;
  *found = false;
  return err_set(err, ERR_DATA_UNSUPPORTED, NULL,
                 "HttpServer datasets cannot be listed (no folders, no "
                 "wildcards)");
}

static char *full_url(HttpStore *hs, const char *rel)
{
  if (strncasecmp(rel, "http://", 7) == 0 ||
      strncasecmp(rel, "https://", 8) == 0)
    return xstrdup(rel);
  StrBuf sb;
  sb_init(&sb);
  sb_puts(&sb, hs->url);
  if (*rel) {
    bool slash_a = sb.len && sb.s[sb.len - 1] == '/';
    bool slash_b = rel[0] == '/';
    if (slash_a && slash_b)
      rel++;
    else if (!slash_a && !slash_b && rel[0] != '?')
      sb_putc(&sb, '/');
    sb_puts(&sb, rel);
  }
  return sb_take(&sb);
}

/* ---- HEAD: stat ----------------------------------------------------------
 *
 * One HEAD request answers exists (2xx), size (Content-Length), the
 * modification time (Last-Modified) and Content-MD5.  Nothing is
 * downloaded.  The configured requestMethod and body are for reading
 * the item, not for asking about it, so they are not used here. */

/* "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110 IMF-fixdate; the obsolete
 * forms are not produced by current servers).  0 when unparseable. */
static int64_t http_date(const char *s)
{
  static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
  char mon[4] = "", tz[4] = "";
  int d, y, h, mi, se;
  if (!s ||
      sscanf(s, "%*3s, %d %3s %d %d:%d:%d %3s", &d, mon, &y, &h, &mi, &se,
             tz) != 7 ||
      strcmp(tz, "GMT") != 0)
    return 0;
  const char *m = strstr(months, mon);
  if (!m || strlen(mon) != 3 || (m - months) % 3 != 0)
    return 0;
  char iso[40];
  int64_t t;
  snprintf(iso, sizeof iso, "%04d-%02d-%02dT%02d:%02d:%02dZ", y,
           (int)(m - months) / 3 + 1, d, h, mi, se);
  return dataop_parse_time(iso, &t) ? t : 0;
}

bool store_http_head(Store *st, const char *path, StoreItem *out, long *status,
                     Err *err)
{
  memset(out, 0, sizeof *out);
  *status = -1;
  if (!st || st->ops != &http_ops)
    return err_set(err, ERR_INTERNAL, NULL,
                   "store_http_head needs an HttpServer store");
  HttpStore *hs = (HttpStore *)st;
  char *url = full_url(hs, path);
  HttpRequest req = {0};
  req.method = "HEAD";
  req.url = url;
  req.headers = (const char *const *)hs->headers;
  req.n_headers = hs->n_headers;
  req.insecure = hs->insecure;
  req.timeout_ms = hs->timeout_ms;
  HttpResponse r;
  bool ok = http_perform(hs->http, &req, &r);
  if (!ok) {
    *status =
        r.result == HTTP_ERR_CONNECT || r.result == HTTP_ERR_TIMEOUT ? 0 : -1;
    err_set(err, ERR_DATA_STORE, NULL, "HTTP HEAD request to '%s' failed: %s",
            url, r.error ? r.error : http_result_name(r.result));
  } else if ((*status = r.status) >= 200 && r.status <= 299) {
    out->path = xstrdup(path);
    out->size = -1;
    const char *cl = http_response_header(&r, "Content-Length");
    char *end;
    if (cl && *cl) {
      long long n = strtoll(cl, &end, 10);
      if (*end == '\0' && n >= 0)
        out->size = (int64_t)n;
    }
    out->mtime = http_date(http_response_header(&r, "Last-Modified"));
    out->ctime = out->mtime;
    const char *md5 = http_response_header(&r, "Content-MD5");
    if (md5 && *md5)
      out->md5 = xstrdup(md5);
  }
  http_response_fini(&r);
  free(url);
  return ok;
}

char *store_http_url(Store *st, const char *path)
{
  return st && st->ops == &http_ops ? full_url((HttpStore *)st, path)
                                    : xstrdup(path);
}

static bool hs_stat(Store *st, const char *path, StoreItem *out, bool *found,
                    Err *err)
{
  long status;
  *found = false;
  if (!store_http_head(st, path, out, &status, err))
    return false;
  if (status >= 200 && status <= 299) {
    *found = true;
    return true;
  }
  store_item_fini(out);
  if (status == 404 || status == 410)
    return true;
  char *url = full_url((HttpStore *)st, path);
  err_set(err, ERR_DATA_STORE, NULL,
          "HTTP HEAD request to '%s' returned status %ld", url, status);
  free(url);
  return false;
}

/* ---- The body stream ----------------------------------------------------
 *
 * A pull stream over curl's push callbacks: read() drives the store's own
 * HttpClient only when everything received so far has been handed out,
 * and one http_client_wait() delivers at most what libcurl reads in one
 * pass (bounded by its receive buffer), so memory stays flat whatever
 * the size of the response.  httpRequestTimeout bounds the wait for the
 * first byte and any later stall, not the whole download (ADF: "the
 * timeout to get a response, not to read response data"). */

typedef struct BodyStream {
  InStream base;
  HttpStore *hs;  /* borrowed */
  HttpCall *call; /* owned */
  char *url;      /* owned, for messages */
  StrBuf buf;     /* received and not yet read from 'off' on */
  size_t off;
  long bad_status; /* a non-2xx status that stopped the transfer, or 0 */
} BodyStream;

static bool body_piece(void *ud, long status, const char *data, size_t len)
{
  BodyStream *b = ud;
  if (status < 200 || status > 299) {
    b->bad_status = status;
    return false; /* an error page is not data */
  }
  sb_put(&b->buf, data, len);
  return true;
}

static int64_t mono_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Drives the transfer until new bytes arrive or it ends.  False with
 * *err set on a stall longer than the timeout. */
static bool body_pump(BodyStream *b, Err *err)
{
  int64_t since = mono_ms();
  if (b->off == b->buf.len) {
    sb_reset(&b->buf);
    b->off = 0;
  }
  while (b->buf.len == b->off && !http_call_done(b->call)) {
    http_client_wait(b->hs->http, 200);
    if (b->hs->timeout_ms > 0 && b->buf.len == b->off &&
        !http_call_done(b->call) &&
        mono_ms() - since > (int64_t)b->hs->timeout_ms)
      return err_set(err, ERR_DATA_STORE, NULL,
                     "HTTP request to '%s' failed: no data within %ld ms",
                     b->url, b->hs->timeout_ms);
  }
  return true;
}

/* After the transfer ended: false with *err set unless it succeeded. */
static bool body_verdict(BodyStream *b, Err *err)
{
  HttpResponse *r = http_call_response(b->call);
  long status = b->bad_status ? b->bad_status : r->status;
  if (b->bad_status || (r->result == HTTP_OK && (status < 200 || status > 299)))
    return err_set(err, status == 404 ? ERR_DATA_NOT_FOUND : ERR_DATA_STORE,
                   NULL, "HTTP request to '%s' returned status %ld", b->url,
                   status);
  if (r->result != HTTP_OK)
    return err_set(err, ERR_DATA_STORE, NULL, "HTTP request to '%s' failed: %s",
                   b->url, r->error ? r->error : http_result_name(r->result));
  return true;
}

static ptrdiff_t body_read(InStream *s, void *buf, size_t n, Err *err)
{
  BodyStream *b = (BodyStream *)s;
  if (b->off == b->buf.len) {
    if (!body_pump(b, err))
      return -1;
    if (b->off == b->buf.len)
      return body_verdict(b, err) ? 0 : -1;
  }
  size_t k = b->buf.len - b->off;
  if (k > n)
    k = n;
  memcpy(buf, b->buf.s + b->off, k);
  b->off += k;
  return (ptrdiff_t)k;
}

static void body_close(InStream *s)
{
  BodyStream *b = (BodyStream *)s;
  http_call_free(b->call);
  sb_fini(&b->buf);
  free(b->url);
  free(b);
}

static InStream *hs_open_read(Store *st, const char *path, Err *err)
{
  HttpStore *hs = (HttpStore *)st;
  BodyStream *b = xcalloc(1, sizeof *b);
  b->base.read = body_read;
  b->base.close = body_close;
  b->hs = hs;
  b->url = full_url(hs, path);
  sb_init(&b->buf);
  HttpRequest req = {0};
  req.method = hs->method;
  req.url = b->url;
  req.headers = (const char *const *)hs->headers;
  req.n_headers = hs->n_headers;
  req.body = hs->body;
  req.body_len = hs->body ? strlen(hs->body) : 0;
  req.insecure = hs->insecure;
  req.on_body = body_piece;
  req.body_ud = b;
  b->call = http_call_start(hs->http, &req, NULL, NULL);
  /* Wait for the first bytes (or the end) so that a missing item or a
   * refused connection fails here, as a buffered fetch would. */
  bool ok = body_pump(b, err);
  if (ok && b->buf.len == 0)
    ok = body_verdict(b, err);
  if (!ok) {
    body_close(&b->base);
    return NULL;
  }
  return &b->base;
}

static OutStream *hs_open_write(Store *st, const char *path, Err *err)
{
  (void)st;
  (void)path;
  read_only("write", err);
  return NULL;
}

static bool hs_remove(Store *st, const char *path, Err *err)
{
  (void)st;
  (void)path;
  return read_only("delete", err);
}

static void hs_free(Store *st)
{
  HttpStore *hs = (HttpStore *)st;
  http_client_free(hs->http);
  for (size_t i = 0; i < hs->n_headers; i++)
    free(hs->headers[i]);
  free(hs->headers);
  free(hs->url);
  free(hs->method);
  free(hs->body);
  free(hs);
}

static const StoreOps http_ops = {
    "HttpServer",  hs_stat,   hs_list, hs_open_read,
    hs_open_write, hs_remove, NULL,    hs_free,
};

Store *store_http_open(const Value *conn, Err *err)
{
  const Value *u = val_object_peek(conn, "url");
  if (!u || val_kind(u) != VAL_STRING) {
    err_set(err, ERR_DATA_REFERENCE, NULL, "HTTP connection has no url");
    return NULL;
  }
  HttpStore *hs = xcalloc(1, sizeof *hs);
  hs->base.ops = &http_ops;
  hs->url = xstrdup(val_str(u));
  const Value *m = val_object_peek(conn, "method");
  hs->method = xstrdup(m && val_kind(m) == VAL_STRING ? val_str(m) : "GET");
  for (char *p = hs->method; *p; p++)
    if (*p >= 'a' && *p <= 'z')
      *p = (char)(*p - 32);
  if (strcmp(hs->method, "GET") != 0 && strcmp(hs->method, "POST") != 0) {
    err_set(err, ERR_DATA_UNSUPPORTED, NULL,
            "requestMethod '%s' is not supported (GET, POST are)", hs->method);
    hs_free(&hs->base);
    return NULL;
  }
  const Value *b = val_object_peek(conn, "body");
  if (b && val_kind(b) == VAL_STRING)
    hs->body = xstrdup(val_str(b));
  const Value *to = val_object_peek(conn, "timeoutMs");
  hs->timeout_ms = to && val_kind(to) == VAL_INT ? (long)val_get_int(to)
                                                 : 100000; /* 00:01:40 */
  const Value *ins = val_object_peek(conn, "insecure");
  hs->insecure = ins && val_kind(ins) == VAL_BOOL && val_get_bool(ins);
  const Value *h = val_object_peek(conn, "headers");
  size_t nh = h && val_kind(h) == VAL_ARRAY ? val_array_len(h) : 0;
  hs->headers = xcalloc(nh + 2, sizeof *hs->headers);
  for (size_t i = 0; i < nh; i++) {
    const Value *x = val_array_peek(h, i);
    if (val_kind(x) == VAL_STRING)
      hs->headers[hs->n_headers++] = xstrdup(val_str(x));
  }
  const Value *basic = val_object_peek(conn, "basic");
  if (basic && val_kind(basic) == VAL_STRING) {
    size_t n = val_strlen(basic);
    char *b64 = xmalloc(4 * ((n + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)val_str(basic),
                    (int)n);
    StrBuf sb;
    sb_init(&sb);
    sb_printf(&sb, "Authorization: Basic %s", b64);
    free(b64);
    hs->headers[hs->n_headers++] = sb_take(&sb);
  }
  hs->http = http_client_new();
  return &hs->base;
}
