/*
 * activities/store_http.c -- HttpServer store: read-only, one URL per item
 *
 * The item path is the dataset's relativeUrl, resolved against the
 * linked service's url.  Auth: Anonymous, Basic, and authHeaders; TLS
 * certificates are verified unless enableServerCertificateValidation is
 * false.  The response is fetched with activities/http.h's blocking
 * http_perform, which buffers the body: memory grows with the response
 * (capped at HTTP_STORE_MAX_BODY) until http.h offers a streaming body
 * callback (see docs/datasets.md, "Not supported yet").
 */
#include "activities/store.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "activities/http.h"
#include "expr/strbuf.h"

#define HTTP_STORE_MAX_BODY ((size_t)512 * 1024 * 1024)

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

static bool hs_stat(Store *st, const char *path, StoreItem *out, bool *found,
                    Err *err)
{
  (void)st;
  (void)err;
  memset(out, 0, sizeof *out);
  out->path = xstrdup(path);
  *found = true; /* known only by fetching it; a GET will tell */
  return true;
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

/* ---- The body stream ---------------------------------------------------- */

typedef struct BodyStream {
  InStream base;
  InStream *mem; /* owned: reads 'body' */
  char *body;    /* owned */
} BodyStream;

static ptrdiff_t body_read(InStream *s, void *buf, size_t n, Err *err)
{
  return stream_read(((BodyStream *)s)->mem, buf, n, err);
}

static void body_close(InStream *s)
{
  BodyStream *b = (BodyStream *)s;
  stream_close(b->mem);
  free(b->body);
  free(b);
}

static InStream *hs_open_read(Store *st, const char *path, Err *err)
{
  HttpStore *hs = (HttpStore *)st;
  char *url = full_url(hs, path);
  HttpRequest req = {0};
  HttpResponse resp;
  req.method = hs->method;
  req.url = url;
  req.headers = (const char *const *)hs->headers;
  req.n_headers = hs->n_headers;
  req.body = hs->body;
  req.body_len = hs->body ? strlen(hs->body) : 0;
  req.timeout_ms = hs->timeout_ms;
  req.insecure = hs->insecure;
  req.max_body = HTTP_STORE_MAX_BODY;
  http_response_init(&resp);
  bool ok = http_perform(hs->http, &req, &resp);
  if (!ok) {
    err_set(err, ERR_DATA_STORE, NULL, "HTTP request to '%s' failed: %s", url,
            resp.error ? resp.error : http_result_name(resp.result));
  } else if (resp.status < 200 || resp.status > 299) {
    ok = false;
    err_set(err, resp.status == 404 ? ERR_DATA_NOT_FOUND : ERR_DATA_STORE, NULL,
            "HTTP request to '%s' returned status %ld", url, resp.status);
  }
  free(url);
  if (!ok) {
    http_response_fini(&resp);
    return NULL;
  }
  /* Own the body; the stream frees it on close. */
  BodyStream *b = xcalloc(1, sizeof *b);
  b->base.read = body_read;
  b->base.close = body_close;
  b->body = resp.body;
  b->mem = stream_mem_in(b->body, resp.body_len);
  resp.body = NULL;
  http_response_fini(&resp);
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
