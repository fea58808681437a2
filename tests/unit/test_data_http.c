/*
 * tests/unit/test_data_http.c -- streamed HTTP bodies, HEAD, GetMetadata
 *                                and Validation on HttpServer datasets,
 *                                and Blob stores with Azure AD tokens
 *
 * One loopback server (tests/support/httpd.h) plays every part: an
 * HttpServer source, the token endpoints of the credential chain
 * (instance metadata, App Service, Azure AD) and a tiny in-memory Blob
 * service that accepts only "Authorization: Bearer <token>" with an
 * x-ms-version new enough for OAuth.  Every endpoint of the chain is
 * pointed at 127.0.0.1 through the environment, so nothing else is ever
 * contacted.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activities/http.h"
#include "activities/registry.h"
#include "activities/store.h"
#include "interp/load.h"
#include "interp/report.h"
#include "interp/run.h"
#include "interp/sched.h"
#include "tests/check.h"
#include "tests/support/httpd.h"
#include "tests/unit/data_fixture.h"

#define BIG_LEN ((size_t)3 * 1024 * 1024 + 17)

/* ---- The loopback server -------------------------------------------- */

typedef struct FakeBlob {
  char name[256]; /* "c/dir/a.txt" */
  char *data;
  size_t len;
} FakeBlob;

typedef struct Block {
  char blob[256];
  char id[64];
  char *data;
  size_t len;
} Block;

typedef struct Server {
  char *big; /* BIG_LEN pattern bytes */
  int n_token_imds, n_token_app, n_token_aad;
  int n_blob, n_bad_auth, n_head;
  int n_meta_head, n_meta_get; /* requests for /files/meta.csv */
  int n_later, later_misses;   /* /files/later.txt: 404 'misses' times */
  char last_aad_body[512];
  bool token_fail;
  FakeBlob blobs[16];
  int n_blobs;
  Block blocks[64];
  int n_blocks;
} Server;

static Server srv;

static void pct_decode(const char *s, size_t n, char *out, size_t size)
{
  size_t k = 0;
  for (size_t i = 0; i < n && k + 1 < size; i++) {
    if (s[i] == '%' && i + 2 < n) {
      char hex[3] = {s[i + 1], s[i + 2], 0};
      out[k++] = (char)strtol(hex, NULL, 16);
      i += 2;
    } else {
      out[k++] = s[i];
    }
  }
  out[k] = '\0';
}

/* Query parameter 'name' of 'target', decoded, or false. */
static bool query(const char *target, const char *name, char *out, size_t size)
{
  const char *q = strchr(target, '?');
  size_t nl = strlen(name);
  for (const char *p = q; p; p = strchr(p + 1, '&')) {
    if (strncmp(p + 1, name, nl) == 0 && p[1 + nl] == '=') {
      const char *v = p + 2 + nl;
      const char *e = strchr(v, '&');
      pct_decode(v, e ? (size_t)(e - v) : strlen(v), out, size);
      return true;
    }
  }
  return false;
}

static FakeBlob *find_blob(const char *name)
{
  for (int i = 0; i < srv.n_blobs; i++)
    if (strcmp(srv.blobs[i].name, name) == 0)
      return &srv.blobs[i];
  return NULL;
}

static void token_reply(HttpdReply *rep, const char *token)
{
  char body[256];
  snprintf(body, sizeof body,
           "{\"access_token\": \"%s\", \"expires_in\": \"3599\", "
           "\"token_type\": \"Bearer\"}",
           token);
  httpd_reply(rep, 200, "application/json", body);
}

/* The Blob service under /acct: Bearer tokens only. */
static void blob_service(const HttpdRequest *req, HttpdReply *rep)
{
  char auth[256] = "", ver[64] = "", path[256];
  srv.n_blob++;
  httpd_header(req, "Authorization", auth, sizeof auth);
  httpd_header(req, "x-ms-version", ver, sizeof ver);
  if (strncmp(auth, "Bearer tok-", 11) != 0 || strcmp(ver, "2017-11-09") < 0) {
    srv.n_bad_auth++;
    httpd_add_header(rep, "x-ms-error-code", "NoAuthenticationInformation");
    httpd_reply(rep, 401, "application/xml", "<Error/>");
    return;
  }
  const char *t = req->target + strlen("/acct/");
  const char *q = strchr(t, '?');
  pct_decode(t, q ? (size_t)(q - t) : strlen(t), path, sizeof path);
  char comp[32] = "", restype[32] = "";
  query(req->target, "comp", comp, sizeof comp);
  query(req->target, "restype", restype, sizeof restype);
  if (strcmp(req->method, "PUT") == 0 && strcmp(restype, "container") == 0) {
    httpd_reply(rep, 201, NULL, "");
  } else if (strcmp(req->method, "PUT") == 0 && strcmp(comp, "block") == 0) {
    Block *b = &srv.blocks[srv.n_blocks++ % 64];
    snprintf(b->blob, sizeof b->blob, "%s", path);
    query(req->target, "blockid", b->id, sizeof b->id);
    free(b->data);
    b->data = xmalloc(req->body_len + 1);
    memcpy(b->data, req->body, req->body_len);
    b->len = req->body_len;
    httpd_reply(rep, 201, NULL, "");
  } else if (strcmp(req->method, "PUT") == 0 &&
             strcmp(comp, "blocklist") == 0) {
    FakeBlob *fb = find_blob(path);
    if (!fb) {
      fb = &srv.blobs[srv.n_blobs++];
      snprintf(fb->name, sizeof fb->name, "%s", path);
    }
    StrBuf all;
    sb_init(&all);
    for (const char *p = strstr(req->body, "<Latest>"); p;
         p = strstr(p + 1, "<Latest>")) {
      const char *e = strstr(p, "</Latest>");
      for (int i = 0; i < srv.n_blocks; i++) {
        Block *b = &srv.blocks[i];
        if (strcmp(b->blob, path) == 0 &&
            strlen(b->id) == (size_t)(e - p - 8) &&
            strncmp(b->id, p + 8, strlen(b->id)) == 0)
          sb_put(&all, b->data, b->len);
      }
    }
    free(fb->data);
    fb->len = all.len;
    fb->data = sb_take(&all);
    httpd_reply(rep, 201, NULL, "");
  } else if (strcmp(req->method, "HEAD") == 0) {
    srv.n_head++;
    FakeBlob *fb = find_blob(path);
    if (!fb) {
      httpd_reply(rep, 404, NULL, "");
      return;
    }
    httpd_add_header(rep, "Last-Modified", "Wed, 01 May 2024 10:00:00 GMT");
    httpd_add_header(rep, "x-ms-creation-time",
                     "Tue, 30 Apr 2024 09:00:00 GMT");
    httpd_add_header(rep, "Content-MD5", "bWQ1bWQ1bWQ1bWQ1bWQ1bQ==");
    httpd_set_body(rep, fb->data, fb->len); /* only its length is sent */
    rep->status = 200;
  } else if (strcmp(req->method, "GET") == 0 && strcmp(comp, "list") == 0) {
    char prefix[128] = "";
    query(req->target, "prefix", prefix, sizeof prefix);
    StrBuf x;
    sb_init(&x);
    sb_puts(&x, "<?xml version=\"1.0\"?><EnumerationResults><Blobs>");
    for (int i = 0; i < srv.n_blobs; i++) {
      const char *n = strchr(srv.blobs[i].name, '/') + 1;
      if (strncmp(n, prefix, strlen(prefix)) == 0)
        sb_printf(&x,
                  "<Blob><Name>%s</Name><Properties><Last-Modified>Wed, 01 "
                  "May 2024 10:00:00 GMT</Last-Modified><Content-Length>%zu"
                  "</Content-Length></Properties></Blob>",
                  n, srv.blobs[i].len);
    }
    sb_puts(&x, "</Blobs><NextMarker/></EnumerationResults>");
    httpd_reply(rep, 200, "application/xml", x.s);
    sb_fini(&x);
  } else if (strcmp(req->method, "GET") == 0) {
    FakeBlob *fb = find_blob(path);
    char range[64] = "";
    long long a = 0, z = 0;
    httpd_header(req, "x-ms-range", range, sizeof range);
    if (!fb) {
      httpd_reply(rep, 404, NULL, "");
      return;
    }
    if (sscanf(range, "bytes=%lld-%lld", &a, &z) != 2)
      z = (long long)fb->len - 1;
    if ((size_t)a >= fb->len) {
      httpd_reply(rep, 416, NULL, "");
      return;
    }
    if ((size_t)z >= fb->len)
      z = (long long)fb->len - 1;
    char cr[96];
    snprintf(cr, sizeof cr, "bytes %lld-%lld/%zu", a, z, fb->len);
    httpd_add_header(rep, "Content-Range", cr);
    httpd_set_body(rep, fb->data + a, (size_t)(z - a + 1));
    rep->status = 206;
  } else {
    httpd_reply(rep, 400, NULL, "unexpected");
  }
}

static void handler(void *ud, const HttpdRequest *req, HttpdReply *rep)
{
  (void)ud;
  const char *t = req->target;
  if (strncmp(t, "/metadata/identity/oauth2/token", 31) == 0) {
    char md[16] = "", res[128] = "";
    srv.n_token_imds++;
    httpd_header(req, "Metadata", md, sizeof md);
    query(t, "resource", res, sizeof res);
    if (srv.token_fail || strcmp(md, "true") != 0 ||
        strcmp(res, "https://storage.azure.com/") != 0)
      httpd_reply(rep, 400, "application/json", "{\"error\": \"bad\"}");
    else
      token_reply(rep, "tok-imds");
  } else if (strncmp(t, "/msi/token", 10) == 0) {
    char hdr[64] = "", cid[64] = "";
    srv.n_token_app++;
    httpd_header(req, "X-IDENTITY-HEADER", hdr, sizeof hdr);
    query(t, "client_id", cid, sizeof cid);
    if (strcmp(hdr, "id-header-secret") != 0 || strcmp(cid, "cid-123") != 0)
      httpd_reply(rep, 401, NULL, "");
    else
      token_reply(rep, "tok-app");
  } else if (strstr(t, "/oauth2/v2.0/token")) {
    srv.n_token_aad++;
    snprintf(srv.last_aad_body, sizeof srv.last_aad_body, "%s", req->body);
    token_reply(rep, "tok-aad");
  } else if (strncmp(t, "/acct/", 6) == 0) {
    blob_service(req, rep);
  } else if (strcmp(t, "/files/big.bin") == 0) {
    httpd_set_body(rep, srv.big, BIG_LEN);
    rep->status = 200;
  } else if (strcmp(t, "/files/empty") == 0) {
    httpd_reply(rep, 200, NULL, "");
  } else if (strcmp(t, "/files/redirect") == 0) {
    httpd_add_header(rep, "Location", "/files/small.txt");
    httpd_reply(rep, 302, "text/plain", "moved, this is not the body");
  } else if (strcmp(t, "/files/small.txt") == 0) {
    httpd_reply(rep, 200, "text/plain", "hello, small");
  } else if (strcmp(t, "/secure/data.csv") == 0) {
    char auth[128] = "";
    httpd_header(req, "Authorization", auth, sizeof auth);
    if (strcmp(auth, "Basic YWxpY2U6czNjcmV0") != 0) { /* alice:s3cret */
      httpd_add_header(rep, "WWW-Authenticate", "Basic realm=\"files\"");
      httpd_reply(rep, 401, "text/plain", "unauthorized");
    } else {
      httpd_reply(rep, 200, "text/csv", "id,name\r\n1,Ann\r\n");
    }
  } else if (strncmp(t, "/files/meta.csv", 15) == 0) {
    if (strcmp(req->method, "HEAD") == 0)
      srv.n_meta_head++;
    else
      srv.n_meta_get++;
    httpd_add_header(rep, "Last-Modified", "Wed, 21 Oct 2015 07:28:00 GMT");
    httpd_add_header(rep, "Content-MD5", "bm90IGEgcmVhbCBoYXNoIQ==");
    httpd_reply(rep, 200, "text/csv", "id,name\r\n1,Ann\r\n");
  } else if (strcmp(t, "/files/later.txt") == 0) {
    if (++srv.n_later <= srv.later_misses)
      httpd_reply(rep, 404, "text/plain", "not yet");
    else
      httpd_reply(rep, 200, "text/plain", "ready!");
  } else if (strcmp(t, "/files/denied") == 0) {
    httpd_reply(rep, 403, "text/plain", "forbidden");
  } else if (strcmp(t, "/files/broken") == 0) {
    httpd_reply(rep, 500, "text/plain", "boom");
  } else {
    httpd_reply(rep, 404, "text/plain", "no such file here");
  }
}

/* ---- http.h: streaming callback and HEAD ------------------------------ */

typedef struct Sink {
  size_t total, pieces, stop_after;
  long status;
} Sink;

static bool sink_piece(void *ud, long status, const char *data, size_t len)
{
  Sink *s = ud;
  (void)data;
  s->status = status;
  s->total += len;
  s->pieces++;
  return !s->stop_after || s->pieces < s->stop_after;
}

static void test_http_layer(Httpd *h)
{
  HttpClient *c = http_client_new();
  char url[256];
  snprintf(url, sizeof url, "%s/files/big.bin", httpd_url(h));
  Sink s = {0};
  HttpRequest req = {0};
  req.method = "GET";
  req.url = url;
  req.on_body = sink_piece;
  req.body_ud = &s;
  req.max_body = 1024; /* not applied to streamed bodies */
  HttpResponse r;
  CHECK(http_perform(c, &req, &r) && r.status == 200 && s.total == BIG_LEN &&
            s.pieces > 1 && r.body_len == 0 && s.status == 200,
        "on_body gets the whole body in pieces (%zu bytes, %zu pieces), "
        "resp.body stays empty",
        s.total, s.pieces);
  http_response_fini(&r);

  Sink stop = {0, 0, 2, 0};
  req.body_ud = &stop;
  CHECK(!http_perform(c, &req, &r) && r.result == HTTP_ERR_ABORTED &&
            stop.total < BIG_LEN,
        "on_body returning false aborts: %s", http_result_name(r.result));
  http_response_fini(&r);

  req.method = "HEAD";
  req.on_body = NULL;
  req.max_body = 0;
  const char *cl;
  CHECK(http_perform(c, &req, &r) && r.status == 200 && r.body_len == 0 &&
            (cl = http_response_header(&r, "Content-Length")) &&
            strtoull(cl, NULL, 10) == BIG_LEN,
        "HEAD: headers only, Content-Length %zu", (size_t)BIG_LEN);
  http_response_fini(&r);
  http_client_free(c);
}

/* ---- HttpServer store: streamed reads --------------------------------- */

static Store *http_store(Httpd *h)
{
  StrBuf sb;
  sb_init(&sb);
  sb_printf(&sb, "{\"kind\": \"http\", \"url\": \"%s/files/\"}", httpd_url(h));
  Value *conn = fx_json(sb.s);
  sb_fini(&sb);
  Err err = ERR_INIT;
  Store *st = store_open(conn, &err);
  val_unref(conn);
  return st;
}

static void test_http_store(Httpd *h)
{
  Store *st = http_store(h);
  Err err = ERR_INIT;
  InStream *in = st->ops->open_read(st, "big.bin", &err);
  CHECK(in != NULL, "open big.bin: %s", err.msg);
  size_t total = 0;
  bool same = true;
  char buf[7000]; /* odd size: pieces straddle reads */
  ptrdiff_t n;
  while (in && (n = stream_read(in, buf, sizeof buf, &err)) > 0) {
    same = same && memcmp(buf, srv.big + total, (size_t)n) == 0;
    total += (size_t)n;
  }
  CHECK(total == BIG_LEN && same && !err_is_set(&err),
        "streamed body: %zu bytes, identical", total);
  stream_close(in);

  /* Closing early aborts the transfer (nothing left in flight). */
  in = st->ops->open_read(st, "big.bin", &err);
  CHECK(in && stream_read(in, buf, 10, &err) == 10 &&
            memcmp(buf, srv.big, 10) == 0,
        "partial read then close");
  stream_close(in);

  err_clear(&err);
  CHECK(!st->ops->open_read(st, "missing.csv", &err) &&
            err.code == ERR_DATA_NOT_FOUND && strstr(err.msg, "404"),
        "404 fails at open with DATA_NOT_FOUND: %s", err.msg);
  err_clear(&err);
  in = st->ops->open_read(st, "empty", &err);
  CHECK(in && stream_read(in, buf, sizeof buf, &err) == 0,
        "empty 200 body reads as end of stream");
  stream_close(in);
  in = st->ops->open_read(st, "redirect", &err);
  n = in ? stream_read_full(in, buf, sizeof buf, &err) : -1;
  CHECK(n == 12 && memcmp(buf, "hello, small", 12) == 0,
        "a followed redirect streams the final body only");
  stream_close(in);
  store_free(st);

  /* Refused connection: fails at open, naming the URL. */
  Value *conn = fx_json("{\"kind\": \"http\", \"url\": "
                        "\"http://127.0.0.1:1/\"}");
  st = store_open(conn, &err);
  val_unref(conn);
  err_clear(&err);
  CHECK(st && !st->ops->open_read(st, "x", &err) &&
            err.code == ERR_DATA_STORE && strstr(err.msg, "127.0.0.1:1"),
        "connection refused: %s", err.msg);
  store_free(st);
}

/* ---- GetMetadata and Validation on HttpServer (HEAD) ------------------ */

static Factory *web_factory(Httpd *h)
{
  StrBuf sb;
  sb_init(&sb);
  sb_printf(
      &sb,
      "[{\"kind\": \"linkedService\", \"name\": \"Web\", \"properties\": "
      "{\"type\": \"HttpServer\", \"typeProperties\": {\"url\": "
      "\"%s/files/\", \"authenticationType\": \"Anonymous\"}}},"
      "{\"kind\": \"linkedService\", \"name\": \"Dead\", \"properties\": "
      "{\"type\": \"HttpServer\", \"typeProperties\": {\"url\": "
      "\"http://127.0.0.1:1/\", \"authenticationType\": \"Anonymous\"}}},"
      "{\"kind\": \"dataset\", \"name\": \"WebCsv\", \"properties\": {"
      "\"type\": \"DelimitedText\", \"linkedServiceName\": {\"referenceName\":"
      " \"Web\"}, \"parameters\": {\"rel\": {\"type\": \"String\"}}, "
      "\"typeProperties\": {\"location\": {\"type\": \"HttpServerLocation\", "
      "\"relativeUrl\": \"@dataset().rel\"}, \"firstRowAsHeader\": true}}},"
      "{\"kind\": \"dataset\", \"name\": \"DeadBin\", \"properties\": {"
      "\"type\": \"Binary\", \"linkedServiceName\": {\"referenceName\":"
      " \"Dead\"}, \"typeProperties\": {\"location\": {\"type\": "
      "\"HttpServerLocation\", \"relativeUrl\": \"x.bin\"}}}}]",
      httpd_url(h));
  Factory *f = fx_factory(sb.s);
  sb_fini(&sb);
  return f;
}

/* Runs GetMetadata on WebCsv(rel) with 'fields' (JSON array text). */
static Value *web_meta(Factory *f, const char *rel, const char *fields,
                       Err *err)
{
  char params[256];
  snprintf(params, sizeof params, "{\"rel\": \"%s\"}", rel);
  Value *spec = fx_resolve(f, "WebCsv", params, NULL, err);
  if (!spec)
    return NULL;
  Value *job = val_object_new();
  val_object_set_take(job, "dataset", 7, spec);
  val_object_set_take(job, "fieldList", 9, fx_json(fields));
  atomic_int cancel = 0;
  Value *out = dataop_getmetadata(job, &cancel, err);
  val_unref(job);
  return out;
}

static const char *out_str(const Value *o, const char *k)
{
  const char *s = ds_str(o, k);
  return s ? s : "(none)";
}

static void test_http_getmetadata(Httpd *h)
{
  Factory *f = web_factory(h);
  Err err = ERR_INIT;
  int gets = srv.n_meta_get, heads = srv.n_meta_head;
  Value *out = web_meta(f, "meta.csv",
                        "[\"exists\", \"itemName\", \"itemType\", \"size\", "
                        "\"lastModified\", \"contentMD5\"]",
                        &err);
  CHECK(out && ds_bool(out, "exists", false) &&
            strcmp(out_str(out, "itemName"), "meta.csv") == 0 &&
            strcmp(out_str(out, "itemType"), "File") == 0 &&
            fx_int(out, "size") == 16 &&
            strcmp(out_str(out, "lastModified"), "2015-10-21T07:28:00Z") == 0 &&
            strcmp(out_str(out, "contentMD5"), "bm90IGEgcmVhbCBoYXNoIQ==") == 0,
        "HttpServer GetMetadata from one HEAD: %s", out ? "fields" : err.msg);
  CHECK(srv.n_meta_head == heads + 1 && srv.n_meta_get == gets,
        "GetMetadata sent one HEAD and no GET (%d HEAD, %d GET)",
        srv.n_meta_head - heads, srv.n_meta_get - gets);
  val_unref(out);

  out = web_meta(f, "meta.csv?v=2", "[\"itemName\", \"columnCount\"]", &err);
  CHECK(out && strcmp(out_str(out, "itemName"), "meta.csv") == 0 &&
            fx_int(out, "columnCount") == 2,
        "itemName drops the query; columnCount reads the body: %s",
        out ? out_str(out, "itemName") : err.msg);
  val_unref(out);

  out = web_meta(f, "small.txt", "[\"contentMD5\", \"lastModified\"]", &err);
  const Value *md5 = ds_get(out, "contentMD5");
  const Value *lm = ds_get(out, "lastModified");
  CHECK(out && md5 && val_kind(md5) == VAL_NULL && lm &&
            val_kind(lm) == VAL_NULL,
        "no Content-MD5 / Last-Modified: the fields are null");
  val_unref(out);

  out = web_meta(f, "missing.csv", "[\"exists\", \"size\"]", &err);
  CHECK(out && !ds_bool(out, "exists", true) && !ds_get(out, "size"),
        "404 with 'exists' requested: {exists: false}");
  val_unref(out);

  err_clear(&err);
  out = web_meta(f, "missing.csv", "[\"size\"]", &err);
  CHECK(!out && err.code == ERR_DATA_NOT_FOUND &&
            strstr(err.msg, "Failure happened on 'Source' side. "
                            "ErrorCode=HttpFileFailedToRead,") &&
            strstr(err.msg, "/files/missing.csv") && strstr(err.msg, "404"),
        "404 without 'exists' fails in ADF's shape: %s", err.msg);
  val_unref(out);

  err_clear(&err);
  out = web_meta(f, "denied", "[\"exists\"]", &err);
  CHECK(!out && err.code == ERR_DATA_STORE && strstr(err.msg, "403") &&
            strstr(err.msg, "ErrorCode=HttpFileFailedToRead,"),
        "403 fails even with 'exists': %s", err.msg);
  val_unref(out);

  static const char *const refused[] = {"childItems", "created"};
  for (int i = 0; i < 2; i++) {
    char fl[64];
    snprintf(fl, sizeof fl, "[\"exists\", \"%s\"]", refused[i]);
    err_clear(&err);
    out = web_meta(f, "meta.csv", fl, &err);
    CHECK(!out && err.code == ERR_DATA_UNSUPPORTED &&
              strstr(err.msg, refused[i]) && strstr(err.msg, "HttpServer"),
          "GetMetadata '%s' on HttpServer fails by name: %s", refused[i],
          err.msg);
    val_unref(out);
  }

  /* A bad httpRequestTimeout fails by name instead of meaning "none". */
  err_clear(&err);
  Value *spec = fx_resolve(f, "WebCsv", "{\"rel\": \"meta.csv\"}", NULL, &err);
  Value *job = val_object_new();
  val_object_set_take(job, "dataset", 7, spec);
  val_object_set_take(job, "fieldList", 9, fx_json("[\"exists\"]"));
  val_object_set_take(job, "storeSettings", 13,
                      fx_json("{\"type\": \"HttpReadSettings\", "
                              "\"httpRequestTimeout\": \"soon\"}"));
  atomic_int cancel = 0;
  out = spec ? dataop_getmetadata(job, &cancel, &err) : NULL;
  CHECK(!out && err.code == ERR_ACTIVITY_CONFIG &&
            strstr(err.msg, "httpRequestTimeout 'soon'"),
        "bad httpRequestTimeout fails by name: %s", err.msg);
  val_unref(out);
  val_unref(job);
  factory_free(f);
}

static Value *web_probe(Factory *f, const char *ds, const char *params,
                        Err *err)
{
  Value *spec = fx_resolve(f, ds, params, NULL, err);
  if (!spec)
    return NULL;
  Value *job = val_object_new();
  val_object_set_take(job, "dataset", 7, spec);
  atomic_int cancel = 0;
  Value *out = dataop_probe(job, &cancel, err);
  val_unref(job);
  return out;
}

static void test_http_probe(Httpd *h)
{
  Factory *f = web_factory(h);
  Err err = ERR_INIT;
  srv.n_later = 0;
  srv.later_misses = 1;
  Value *a = web_probe(f, "WebCsv", "{\"rel\": \"later.txt\"}", &err);
  Value *b = web_probe(f, "WebCsv", "{\"rel\": \"later.txt\"}", &err);
  CHECK(a && !ds_bool(a, "exists", true) && b && ds_bool(b, "exists", false) &&
            fx_int(b, "size") == 6 &&
            strcmp(out_str(b, "itemType"), "File") == 0,
        "probe: 404 is 'not yet', then 200 exists with its size");
  val_unref(a);
  val_unref(b);
  a = web_probe(f, "WebCsv", "{\"rel\": \"broken\"}", &err);
  CHECK(a && !ds_bool(a, "exists", true), "probe: 500 is 'not yet'");
  val_unref(a);
  a = web_probe(f, "DeadBin", NULL, &err);
  CHECK(a && !ds_bool(a, "exists", true),
        "probe: a refused connection is 'not yet': %s", a ? "ok" : err.msg);
  val_unref(a);
  err_clear(&err);
  a = web_probe(f, "WebCsv", "{\"rel\": \"denied\"}", &err);
  CHECK(!a && err.code == ERR_DATA_STORE && strstr(err.msg, "403") &&
            strstr(err.msg, "ErrorCode=HttpFileFailedToRead,"),
        "probe: 403 fails at once: %s", err.msg);
  val_unref(a);
  factory_free(f);
}

/* Runs one pipeline document against 'f' under the virtual clock and
 * returns its report (owned) or NULL. */
static Value *run_pipeline(Factory *f, const char *pipeline_json)
{
  Err err = ERR_INIT;
  Pipeline *pl =
      load_pipeline_value(fx_json(pipeline_json), NULL, "test_data_http", &err);
  if (!pl) {
    fprintf(stderr, "load: %s\n", err.msg);
    return NULL;
  }
  EngineOptions opt = {0};
  clk_init_virtual(&opt.clock, 0);
  clk_parse_time("2024-05-01T00:00:00Z", &opt.clock.now);
  opt.seed = 1;
  Value *report = NULL;
  Engine *eng = NULL;
  PipelineRun *pr = NULL;
  RunArgs args = {0};
  if (!run_precheck(pl, &err) || !(eng = engine_new(&opt, &err)))
    goto done;
  engine_set_leaf_lookup(eng, act_registry_find);
  engine_set_log(eng, NULL);
  if (!(pr = run_new(eng, pl, f, &args, NULL, NULL, &err)))
    goto done;
  run_start(pr);
  if (engine_run(eng, &err))
    report = report_build(pr);
done:
  if (!report)
    fprintf(stderr, "run: %s\n", err.msg);
  run_free(pr);
  engine_free(eng);
  pipeline_free(pl);
  return report;
}

static const Value *act_run(const Value *report, const char *name)
{
  const Value *runs = report ? val_object_peek(report, "activityRuns") : NULL;
  for (size_t i = 0; runs && i < val_array_len(runs); i++) {
    const Value *r = val_array_peek(runs, i);
    const char *n = ds_str(r, "activityName");
    if (n && strcmp(n, name) == 0)
      return r;
  }
  return NULL;
}

static void test_http_validation(Httpd *h)
{
  Factory *f = web_factory(h);
  srv.n_later = 0;
  srv.later_misses = 2;
  Value *rep = run_pipeline(
      f, "{\"name\": \"p\", \"properties\": {\"activities\": ["
         "{\"name\": \"Wait\", \"type\": \"Validation\", \"typeProperties\": "
         "{\"timeout\": \"0.00:05:00\", \"sleep\": 10, \"minimumSize\": 1, "
         "\"dataset\": {\"referenceName\": \"WebCsv\", \"type\": "
         "\"DatasetReference\", \"parameters\": {\"rel\": \"later.txt\"}}}},"
         "{\"name\": \"Never\", \"type\": \"Validation\", \"typeProperties\": "
         "{\"timeout\": \"0.00:01:00\", \"sleep\": 30, "
         "\"dataset\": {\"referenceName\": \"WebCsv\", \"type\": "
         "\"DatasetReference\", \"parameters\": {\"rel\": \"nope.txt\"}}}},"
         "{\"name\": \"Kids\", \"type\": \"Validation\", \"typeProperties\": "
         "{\"childItems\": true, "
         "\"dataset\": {\"referenceName\": \"WebCsv\", \"type\": "
         "\"DatasetReference\", \"parameters\": {\"rel\": \"later.txt\"}}}}"
         "]}}");
  const Value *w = act_run(rep, "Wait");
  const Value *wo = ds_get(w, "output");
  CHECK(w && strcmp(out_str(w, "status"), "Succeeded") == 0 &&
            ds_bool(wo, "exists", false) &&
            fx_int(wo, "executionDuration") == 20 && srv.n_later == 3,
        "Validation polls the URL with HEAD until it answers 2xx "
        "(%d requests, %lld s)",
        srv.n_later, (long long)fx_int(wo, "executionDuration"));
  const Value *nv = act_run(rep, "Never");
  const Value *ne = ds_get(nv, "error");
  const char *msg = ds_str(ne, "message");
  CHECK(nv && strcmp(out_str(nv, "status"), "Failed") == 0 &&
            strcmp(out_str(ne, "errorCode"), "UserErrorValidationTimeout") ==
                0 &&
            msg &&
            strstr(msg, "Failure happened on 'Source' side. "
                        "ErrorCode=UserErrorValidationTimeout,") &&
            strstr(msg, "URL 'nope.txt'") && strstr(msg, "60 seconds"),
        "Validation timeout on a URL: %s", msg ? msg : "(no message)");
  const Value *k = act_run(rep, "Kids");
  msg = ds_str(ds_get(k, "error"), "message");
  CHECK(k && strcmp(out_str(k, "status"), "Failed") == 0 && msg &&
            strstr(msg, "childItems") && strstr(msg, "HttpServer"),
        "Validation childItems on a URL fails by name: %s",
        msg ? msg : "(no message)");
  val_unref(rep);
  factory_free(f);
}

/* ---- AzureBlobStorage with serviceEndpoint ---------------------------- */

static Factory *blob_factory(Httpd *h)
{
  StrBuf sb;
  sb_init(&sb);
  const char *u = httpd_url(h);
  sb_printf(
      &sb,
      "[{\"kind\": \"linkedService\", \"name\": \"Files\", \"properties\": "
      "{\"type\": \"FileServer\", \"typeProperties\": {\"host\": \"%s\"}}},"
      "{\"kind\": \"linkedService\", \"name\": \"BlobMsi\", \"properties\": "
      "{\"type\": \"AzureBlobStorage\", \"typeProperties\": "
      "{\"serviceEndpoint\": \"%s/acct/\", \"accountKind\": "
      "\"StorageV2\"}}},"
      "{\"kind\": \"linkedService\", \"name\": \"BlobUami\", \"properties\": "
      "{\"type\": \"AzureBlobStorage\", \"typeProperties\": "
      "{\"serviceEndpoint\": \"%s/acct\", \"credential\": "
      "{\"referenceName\": \"MyUami\", \"type\": "
      "\"CredentialReference\"}}}},"
      "{\"kind\": \"credential\", \"name\": \"MyUami\", \"properties\": "
      "{\"type\": \"ManagedIdentity\", \"typeProperties\": {\"resourceId\": "
      "\"/subscriptions/s/rg/x\", \"clientId\": \"cid-123\"}}},"
      "{\"kind\": \"linkedService\", \"name\": \"BlobSp\", \"properties\": "
      "{\"type\": \"AzureBlobStorage\", \"typeProperties\": "
      "{\"serviceEndpoint\": \"%s/acct\", \"servicePrincipalId\": "
      "\"app-1\", \"servicePrincipalKey\": {\"type\": \"SecureString\", "
      "\"value\": \"sp-secret-value\"}, \"tenant\": \"tenant-9\", "
      "\"azureCloudType\": \"AzurePublic\"}}},"
      "{\"kind\": \"linkedService\", \"name\": \"BlobSpCert\", "
      "\"properties\": {\"type\": \"AzureBlobStorage\", \"typeProperties\": "
      "{\"serviceEndpoint\": \"%s/acct\", \"servicePrincipalId\": \"app-1\", "
      "\"tenant\": \"t\", \"servicePrincipalCredentialType\": "
      "\"ServicePrincipalCert\"}}},",
      fx_root, u, u, u, u);
  const char *ls[] = {"BlobMsi", "BlobUami", "BlobSp", "BlobSpCert"};
  for (int i = 0; i < 4; i++)
    sb_printf(&sb,
              "{\"kind\": \"dataset\", \"name\": \"On%s\", \"properties\": "
              "{\"type\": \"Binary\", \"linkedServiceName\": "
              "{\"referenceName\": \"%s\"}, \"parameters\": {\"file\": "
              "{\"type\": \"String\", \"defaultValue\": \"\"}}, "
              "\"typeProperties\": {\"location\": {\"type\": "
              "\"AzureBlobStorageLocation\", \"container\": \"c\", "
              "\"folderPath\": \"dir\", \"fileName\": "
              "\"@dataset().file\"}}}},",
              ls[i], ls[i]);
  sb_puts(&sb, "{\"kind\": \"dataset\", \"name\": \"Local\", \"properties\": "
               "{\"type\": \"Binary\", \"linkedServiceName\": "
               "{\"referenceName\": \"Files\"}, \"parameters\": {\"file\": "
               "{\"type\": \"String\"}}, \"typeProperties\": {\"location\": "
               "{\"type\": \"FileServerLocation\", \"fileName\": "
               "\"@dataset().file\"}}}}]");
  Value *arr = fx_json(sb.s);
  sb_fini(&sb);
  /* fx_factory() knows datasets and linked services; add the credential
   * by hand. */
  Factory *f = xcalloc(1, sizeof *f);
  f->global_parameters = val_object_new();
  size_t n = val_array_len(arr);
  f->resources = xcalloc(n, sizeof *f->resources);
  for (size_t i = 0; i < n; i++) {
    const Value *d = val_array_peek(arr, i);
    const char *kind = val_str(val_object_peek(d, "kind"));
    Resource *r = xcalloc(1, sizeof *r);
    r->kind = strcmp(kind, "dataset") == 0      ? RES_DATASET
              : strcmp(kind, "credential") == 0 ? RES_CREDENTIAL
                                                : RES_LINKED_SERVICE;
    r->name = xstrdup(val_str(val_object_peek(d, "name")));
    r->raw = val_ref(d);
    f->resources[f->n_resources++] = r;
  }
  val_unref(arr);
  return f;
}

/* Copies local 'file' to the Blob dataset 'ds' and back to 'back'. */
static bool round_trip(Factory *f, const char *ds, const char *file,
                       const char *back, Err *err)
{
  char p1[64], p2[64];
  snprintf(p1, sizeof p1, "{\"file\": \"%s\"}", file);
  snprintf(p2, sizeof p2, "{\"file\": \"%s\"}", back);
  Value *out = fx_copy(f, "Local", p1, ds, p1, NULL, NULL, NULL, err);
  if (!out)
    return false;
  val_unref(out);
  out = fx_copy(f, ds, p1, "Local", p2, NULL, NULL, NULL, err);
  val_unref(out);
  return out != NULL;
}

static void test_blob_oauth(Httpd *h)
{
  char buf[256];
  /* The whole credential chain on loopback; no az CLI on the PATH. */
  char *old_path = xstrdup(getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
  setenv("PATH", "/nonexistent-adfrun-test", 1);
  setenv("AZURE_POD_IDENTITY_AUTHORITY_HOST", httpd_url(h), 1);
  setenv("AZURE_AUTHORITY_HOST", httpd_url(h), 1);
  unsetenv("IDENTITY_ENDPOINT");
  unsetenv("IDENTITY_HEADER");
  unsetenv("AZURE_TENANT_ID");
  unsetenv("AZURE_CLIENT_ID");
  unsetenv("AZURE_CLIENT_SECRET");
  Factory *f = blob_factory(h);
  Err err = ERR_INIT;

  /* System-assigned identity through the instance metadata endpoint. */
  fx_puts("msi.txt", "data through a managed identity token\n");
  srv.token_fail = true;
  CHECK(!round_trip(f, "OnBlobMsi", "msi.txt", "msi.back", &err) &&
            err.code == ERR_DATA_STORE &&
            strstr(err.msg, "could not get a MSI token") &&
            strstr(err.msg, "instance metadata"),
        "token endpoint refusing: %s", err.msg);
  srv.token_fail = false;
  err_clear(&err);
  int bad_before = srv.n_bad_auth;
  CHECK(round_trip(f, "OnBlobMsi", "msi.txt", "msi.back", &err),
        "MSI round trip: %s", err.msg);
  char *got = fx_read("msi.back", NULL);
  CHECK(got && strcmp(got, "data through a managed identity token\n") == 0,
        "bytes came back through the fake Blob service");
  free(got);
  CHECK(srv.n_bad_auth == bad_before && srv.n_blob > 0,
        "every Blob request carried 'Bearer tok-...' and x-ms-version >= "
        "2017-11-09 (%d refused)",
        srv.n_bad_auth - bad_before);
  CHECK(srv.n_token_imds == 2,
        "one successful token request, then the cache (%d requests)",
        srv.n_token_imds);
  CHECK(srv.n_head > 0, "stat uses HEAD (Get Blob Properties)");

  /* Stat by HEAD: size, times and MD5 from the headers. */
  Value *spec =
      fx_resolve(f, "OnBlobMsi", "{\"file\": \"msi.txt\"}", NULL, &err);
  Store *st = spec ? store_open(ds_get(spec, "conn"), &err) : NULL;
  StoreItem it;
  bool found = false;
  CHECK(st && st->ops->stat(st, "c/dir/msi.txt", &it, &found, &err) && found &&
            !it.is_dir && it.size == 38 && it.mtime == 1714557600 &&
            it.ctime == 1714467600 && it.md5,
        "HEAD stat: size %lld mtime %lld", (long long)it.size,
        (long long)it.mtime);
  if (found)
    store_item_fini(&it);
  CHECK(st && st->ops->stat(st, "c/dir", &it, &found, &err) && found &&
            it.is_dir,
        "a virtual folder is still found by listing");
  if (found)
    store_item_fini(&it);
  CHECK(st && st->ops->stat(st, "c/dir/none.txt", &it, &found, &err) && !found,
        "HEAD 404: not found");
  store_free(st);
  val_unref(spec);

  /* User-assigned identity through the App Service endpoint. */
  snprintf(buf, sizeof buf, "%s/msi/token", httpd_url(h));
  setenv("IDENTITY_ENDPOINT", buf, 1);
  setenv("IDENTITY_HEADER", "id-header-secret", 1);
  FxSecrets sec = {0};
  spec = fx_resolve(f, "OnBlobUami", "{\"file\": \"u.txt\"}", &sec, &err);
  bool hdr_secret = false;
  for (int i = 0; i < sec.n; i++)
    hdr_secret = hdr_secret || strcmp(sec.seen[i], "id-header-secret") == 0;
  CHECK(spec && hdr_secret, "IDENTITY_HEADER registered as a secret");
  val_unref(spec);
  fx_puts("u.txt", "uami");
  CHECK(round_trip(f, "OnBlobUami", "u.txt", "u.back", &err) &&
            srv.n_token_app == 1,
        "UAMI (clientId from the credential) via IDENTITY_ENDPOINT: %s "
        "(%d token requests)",
        err.msg, srv.n_token_app);
  unsetenv("IDENTITY_ENDPOINT");
  unsetenv("IDENTITY_HEADER");

  /* Service principal with a client secret through Azure AD. */
  memset(&sec, 0, sizeof sec);
  spec = fx_resolve(f, "OnBlobSp", "{\"file\": \"sp.txt\"}", &sec, &err);
  CHECK(spec && sec.n >= 1 && strcmp(sec.seen[0], "sp-secret-value") == 0,
        "servicePrincipalKey registered as a secret");
  val_unref(spec);
  fx_puts("sp.txt", "service principal");
  CHECK(round_trip(f, "OnBlobSp", "sp.txt", "sp.back", &err) &&
            srv.n_token_aad == 1 &&
            strstr(srv.last_aad_body, "client_id=app-1") &&
            strstr(srv.last_aad_body, "client_secret=sp-secret-value") &&
            strstr(srv.last_aad_body,
                   "scope=https%3A%2F%2Fstorage.azure.com%2F.default"),
        "service principal token from <authority>/tenant-9/oauth2/v2.0/"
        "token: %s [%s]",
        err.msg, srv.last_aad_body);

  err_clear(&err);
  CHECK(!fx_resolve(f, "OnBlobSpCert", NULL, NULL, &err) &&
            err.code == ERR_DATA_UNSUPPORTED &&
            strstr(err.msg, "ServicePrincipalCert"),
        "certificate service principal refused by name: %s", err.msg);

  factory_free(f);
  setenv("PATH", old_path, 1);
  free(old_path);
}

/* ---- HttpServer Basic authentication: a wrong password ----------------- */

static void test_http_basic_auth(Httpd *h)
{
  StrBuf sb;
  sb_init(&sb);
  sb_printf(
      &sb,
      "[{\"kind\": \"linkedService\", \"name\": \"Files\", \"properties\": "
      "{\"type\": \"FileServer\", \"typeProperties\": {\"host\": \"%s\"}}},"
      "{\"kind\": \"linkedService\", \"name\": \"Web\", \"properties\": "
      "{\"type\": \"HttpServer\", \"parameters\": {\"pw\": {\"type\": "
      "\"String\"}}, \"typeProperties\": {\"url\": \"%s/\", "
      "\"authenticationType\": \"Basic\", \"userName\": \"alice\", "
      "\"password\": {\"type\": \"SecureString\", \"value\": "
      "\"@{linkedService().pw}\"}}}},"
      "{\"kind\": \"dataset\", \"name\": \"WebCsv\", \"properties\": {"
      "\"type\": \"DelimitedText\", \"linkedServiceName\": {\"referenceName\":"
      " \"Web\", \"parameters\": {\"pw\": \"@dataset().pw\"}}, "
      "\"parameters\": {\"pw\": {\"type\": \"String\"}}, "
      "\"typeProperties\": {\"location\": {\"type\": \"HttpServerLocation\", "
      "\"relativeUrl\": \"secure/data.csv\"}, \"firstRowAsHeader\": true}}},"
      "{\"kind\": \"dataset\", \"name\": \"LocalJson\", \"properties\": {"
      "\"type\": \"Json\", \"linkedServiceName\": {\"referenceName\": "
      "\"Files\"}, \"parameters\": {\"file\": {\"type\": \"String\"}}, "
      "\"typeProperties\": {\"location\": {\"type\": \"FileServerLocation\", "
      "\"folderPath\": \"auth\", \"fileName\": \"@dataset().file\"}}}}]",
      fx_root, httpd_url(h));
  Factory *f = fx_factory(sb.s);
  sb_fini(&sb);
  Err err = ERR_INIT;

  fx_puts("auth/old.json", "{\"old\":true}");
  Value *out =
      fx_copy(f, "WebCsv", "{\"pw\": \"not-the-password\"}", "LocalJson",
              "{\"file\": \"old.json\"}", NULL, NULL, NULL, &err);
  CHECK(!out && err.code == ERR_DATA_STORE &&
            strstr(err.msg, "Failure happened on 'Source' side. "
                            "ErrorCode=HttpFileFailedToRead,") &&
            strstr(err.msg, "secure/data.csv") && strstr(err.msg, "401") &&
            !strstr(err.msg, "not-the-password"),
        "wrong Basic password: %s", err.msg);
  char *got = fx_read("auth/old.json", NULL);
  CHECK(got && strcmp(got, "{\"old\":true}") == 0 && fx_count("auth") == 1,
        "wrong Basic password: the sink is untouched, no partial file");
  free(got);
  val_unref(out);

  err_clear(&err);
  out = fx_copy(f, "WebCsv", "{\"pw\": \"s3cret\"}", "LocalJson",
                "{\"file\": \"new.json\"}", NULL, NULL, NULL, &err);
  got = fx_read("auth/new.json", NULL);
  CHECK(out && got && strcmp(got, "{\"id\":\"1\",\"name\":\"Ann\"}") == 0,
        "right Basic password: %s", out ? (got ? got : "(no file)") : err.msg);
  free(got);
  val_unref(out);
  factory_free(f);
}

int main(void)
{
  fx_tmpdir();
  srv.big = xmalloc(BIG_LEN);
  for (size_t i = 0; i < BIG_LEN; i++)
    srv.big[i] = (char)('a' + (i * 7 + i / 4096) % 26);
  Httpd *h = httpd_start(handler, NULL, false);
  if (!h) {
    printf("skipped: cannot start the loopback server\n");
    printf("0 passed, 0 failed\n");
    free(srv.big);
    return 0;
  }
  test_http_layer(h);
  test_http_store(h);
  test_http_getmetadata(h);
  test_http_probe(h);
  test_http_validation(h);
  test_blob_oauth(h);
  test_http_basic_auth(h);
  httpd_stop(h);
  for (int i = 0; i < srv.n_blobs; i++)
    free(srv.blobs[i].data);
  for (int i = 0; i < 64; i++)
    free(srv.blocks[i].data);
  free(srv.big);
  fx_cleanup();
  http_global_cleanup();
  return CHECK_DONE();
}
