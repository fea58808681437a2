/*
 * activities/store_blob.c -- AzureBlobStorage store over the Blob REST API
 *
 * Requests go through activities/http.h (blocking http_perform on the
 * store's own HttpClient: a store lives on one worker thread).  Auth is a
 * SharedKey signature (HMAC-SHA256, OpenSSL), a SAS query or a bearer
 * token (given, or fetched at open from the token sources dataset.c
 * planned with activities/auth.h).  Stat is one HEAD (Get Blob
 * Properties).  Reads are ranged GETs of 4 MiB; writes stage 4 MiB blocks with
 * Put Block and publish them with one Put Block List, which is atomic: an
 * aborted write leaves only uncommitted blocks, which the service drops.
 * Store paths are "container/blob/name"; folders are virtual.
 */
#include "activities/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <pthread.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "activities/auth.h"
#include "activities/dataops.h"
#include "activities/http.h"
#include "expr/strbuf.h"

#define BLOB_VERSION "2021-12-02"
#define BLOCK        (4 * 1024 * 1024)

typedef struct BlobStore {
  Store base;
  HttpClient *http;   /* owned */
  char *endpoint;     /* owned: no trailing '/' */
  char *account;      /* owned; NULL with SAS/token auth */
  unsigned char *key; /* owned: decoded account key, or NULL */
  size_t key_len;
  char *sas;      /* owned: query string without '?', or NULL */
  char *token;    /* owned: bearer token, or NULL */
  char *url_path; /* owned: path part of the endpoint ("" or "/acct") */
} BlobStore;

/* ---- Requests ----------------------------------------------------------- */

typedef struct Req {
  const char *method;
  StrBuf url;      /* full URL being built */
  StrBuf resource; /* encoded path after the endpoint, "/container/blob" */
  char *query[8];  /* "name=value" pairs (value already decoded) */
  size_t n_query;
  char *hdrs[12]; /* "Name: value" */
  size_t n_hdrs;
  const char *body;
  size_t body_len;
} Req;

static void req_init(Req *r, const char *method, const char *path)
{
  memset(r, 0, sizeof *r);
  r->method = method;
  sb_init(&r->url);
  sb_init(&r->resource);
  if (path && *path) {
    sb_putc(&r->resource, '/');
    store_url_encode_path(&r->resource, path);
  }
}

static void req_fini(Req *r)
{
  sb_fini(&r->url);
  sb_fini(&r->resource);
  for (size_t i = 0; i < r->n_query; i++)
    free(r->query[i]);
  for (size_t i = 0; i < r->n_hdrs; i++)
    free(r->hdrs[i]);
}

static void req_query(Req *r, const char *name, const char *value)
{
  StrBuf sb;
  sb_init(&sb);
  sb_printf(&sb, "%s=%s", name, value);
  r->query[r->n_query++] = sb_take(&sb);
}

static void req_header(Req *r, const char *name, const char *value)
{
  StrBuf sb;
  sb_init(&sb);
  sb_printf(&sb, "%s: %s", name, value);
  r->hdrs[r->n_hdrs++] = sb_take(&sb);
}

static void url_encode(StrBuf *out, const char *s)
{
  static const char hex[] = "0123456789ABCDEF";
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
        (*p >= '0' && *p <= '9') || strchr("-_.~", *p)) {
      sb_putc(out, (char)*p);
    } else {
      sb_putc(out, '%');
      sb_putc(out, hex[*p >> 4]);
      sb_putc(out, hex[*p & 15]);
    }
  }
}

static int cmp_str(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Signs the request with the account key (SharedKey, Blob service
 * version 2015-02-21 and later: an empty Content-Length for no body). */
static void sign(BlobStore *bs, Req *r, const char *date)
{
  StrBuf s;
  sb_init(&s);
  const char *ct = "", *md5 = "", *range = "";
  char **xms = xcalloc(r->n_hdrs + 1, sizeof *xms);
  size_t n_xms = 0;
  for (size_t i = 0; i < r->n_hdrs; i++) {
    const char *h = r->hdrs[i];
    const char *v = strchr(h, ':') + 2;
    if (strncasecmp(h, "Content-Type:", 13) == 0)
      ct = v;
    else if (strncasecmp(h, "Content-MD5:", 12) == 0)
      md5 = v;
    else if (strncasecmp(h, "Range:", 6) == 0)
      range = v;
    else if (strncasecmp(h, "x-ms-", 5) == 0)
      xms[n_xms++] = (char *)h;
  }
  char len[32] = "";
  if (r->body_len > 0)
    snprintf(len, sizeof len, "%zu", r->body_len);
  sb_printf(&s, "%s\n\n\n%s\n%s\n%s\n\n\n\n\n\n%s\n", r->method, len, md5, ct,
            range);
  (void)date; /* sent as x-ms-date, so the Date line stays empty */
  qsort(xms, n_xms, sizeof *xms, cmp_str);
  for (size_t i = 0; i < n_xms; i++) {
    const char *h = xms[i];
    const char *colon = strchr(h, ':');
    for (const char *p = h; p < colon; p++)
      sb_putc(&s, (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p));
    sb_printf(&s, ":%s\n", colon + 2);
  }
  free(xms);
  sb_printf(&s, "/%s%s%s", bs->account, bs->url_path, r->resource.s);
  qsort(r->query, r->n_query, sizeof *r->query, cmp_str);
  for (size_t i = 0; i < r->n_query; i++) {
    const char *eq = strchr(r->query[i], '=');
    sb_putc(&s, '\n');
    sb_put(&s, r->query[i], (size_t)(eq - r->query[i]));
    sb_printf(&s, ":%s", eq + 1);
  }
  unsigned char mac[32];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), bs->key, (int)bs->key_len, (unsigned char *)s.s, s.len,
       mac, &mac_len);
  char b64[64];
  EVP_EncodeBlock((unsigned char *)b64, mac, (int)mac_len);
  StrBuf a;
  sb_init(&a);
  sb_printf(&a, "SharedKey %s:%s", bs->account, b64);
  req_header(r, "Authorization", a.s);
  sb_fini(&a);
  sb_fini(&s);
}

/* Sends 'r'; the response goes to *resp (caller finis it).  Transport
 * failures set *err; HTTP statuses are the caller's to judge. */
static bool req_send(BlobStore *bs, Req *r, HttpResponse *resp, Err *err)
{
  char date[64];
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  req_header(r, "x-ms-date", date);
  req_header(r, "x-ms-version", BLOB_VERSION);
  if (bs->key)
    sign(bs, r, date);
  else if (bs->token) {
    StrBuf a;
    sb_init(&a);
    sb_printf(&a, "Bearer %s", bs->token);
    req_header(r, "Authorization", a.s);
    sb_fini(&a);
  }
  sb_puts(&r->url, bs->endpoint);
  sb_puts(&r->url, r->resource.s);
  char sep = '?';
  for (size_t i = 0; i < r->n_query; i++) {
    const char *eq = strchr(r->query[i], '=');
    sb_putc(&r->url, sep);
    sb_put(&r->url, r->query[i], (size_t)(eq - r->query[i] + 1));
    url_encode(&r->url, eq + 1);
    sep = '&';
  }
  if (bs->sas && *bs->sas) {
    sb_putc(&r->url, sep);
    sb_puts(&r->url, bs->sas);
  }
  HttpRequest hr = {0};
  hr.method = r->method;
  hr.url = r->url.s;
  hr.headers = (const char *const *)r->hdrs;
  hr.n_headers = r->n_hdrs;
  hr.body = r->body;
  hr.body_len = r->body_len;
  hr.timeout_ms = 300000;
  http_response_init(resp);
  if (!http_perform(bs->http, &hr, resp)) {
    err_set(err, ERR_DATA_STORE, NULL, "Azure Blob request failed: %s",
            resp->error ? resp->error : http_result_name(resp->result));
    return false;
  }
  return true;
}

/* The <Code> of an error body, or the status text. */
static bool status_fail(const HttpResponse *resp, const char *what,
                        const char *path, Err *err)
{
  const char *code = http_response_header(resp, "x-ms-error-code");
  return err_set(err, resp->status == 404 ? ERR_DATA_NOT_FOUND : ERR_DATA_STORE,
                 NULL,
                 "Azure Blob operation failed: %s '%s' returned HTTP %ld%s%s",
                 what, path, resp->status, code ? " " : "", code ? code : "");
}

/* ---- XML listing -------------------------------------------------------- */

/* The text of <tag>...</tag> within [p, end), entity-decoded, or NULL. */
static char *xml_text(const char *p, const char *end, const char *tag)
{
  char open[64], close[64];
  snprintf(open, sizeof open, "<%s>", tag);
  snprintf(close, sizeof close, "</%s>", tag);
  const char *a = strstr(p, open);
  if (!a || a >= end)
    return NULL;
  a += strlen(open);
  const char *b = strstr(a, close);
  if (!b || b > end)
    return NULL;
  StrBuf sb;
  sb_init(&sb);
  for (const char *s = a; s < b; s++) {
    if (*s != '&') {
      sb_putc(&sb, *s);
      continue;
    }
    static const struct {
      const char *ent;
      char c;
    } ents[] = {{"&amp;", '&'},
                {"&lt;", '<'},
                {"&gt;", '>'},
                {"&quot;", '"'},
                {"&apos;", '\''}};
    bool done = false;
    for (size_t i = 0; i < 5 && !done; i++) {
      size_t n = strlen(ents[i].ent);
      if (strncmp(s, ents[i].ent, n) == 0) {
        sb_putc(&sb, ents[i].c);
        s += n - 1;
        done = true;
      }
    }
    if (!done && s[1] == '#') {
      char *e;
      long cp = s[2] == 'x' ? strtol(s + 3, &e, 16) : strtol(s + 2, &e, 10);
      if (*e == ';' && cp > 0 && cp < 128) {
        sb_putc(&sb, (char)cp);
        s = e;
        done = true;
      }
    }
    if (!done)
      sb_putc(&sb, '&');
  }
  return sb_take(&sb);
}

static int64_t http_date(const char *s)
{
  static const char *mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char m[4] = "";
  int d, y, hh, mm, ss;
  if (!s ||
      sscanf(s, "%*3s, %d %3s %d %d:%d:%d", &d, m, &y, &hh, &mm, &ss) != 6)
    return 0;
  for (int i = 0; i < 12; i++) {
    if (strcmp(m, mon[i]) == 0) {
      char iso[40];
      snprintf(iso, sizeof iso, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, i + 1, d,
               hh, mm, ss);
      int64_t t = 0;
      dataop_parse_time(iso, &t);
      return t;
    }
  }
  return 0;
}

typedef struct ListPage {
  StoreList *out;
  const char *strip; /* prefix removed from names */
  char *marker;      /* owned: next marker or NULL */
  size_t n_seen;
} ListPage;

static void parse_blob(const char *p, const char *end, StoreItem *it)
{
  char *len = xml_text(p, end, "Content-Length");
  char *lm = xml_text(p, end, "Last-Modified");
  char *ct = xml_text(p, end, "Creation-Time");
  char *md5 = xml_text(p, end, "Content-MD5");
  it->is_dir = false;
  it->size = len ? strtoll(len, NULL, 10) : 0;
  it->mtime = http_date(lm);
  it->ctime = ct ? http_date(ct) : it->mtime;
  it->md5 = md5 && *md5 ? md5 : NULL;
  if (it->md5 != md5)
    free(md5);
  free(len);
  free(lm);
  free(ct);
}

/* One page of List Blobs. */
static bool list_page(BlobStore *bs, const char *container, const char *prefix,
                      bool delim, const char *marker, int max, ListPage *pg,
                      bool *container_found, Err *err)
{
  Req r;
  HttpResponse resp;
  req_init(&r, "GET", container);
  req_query(&r, "restype", "container");
  req_query(&r, "comp", "list");
  if (prefix && *prefix)
    req_query(&r, "prefix", prefix);
  if (delim)
    req_query(&r, "delimiter", "/");
  if (marker && *marker)
    req_query(&r, "marker", marker);
  if (max > 0) {
    char m[16];
    snprintf(m, sizeof m, "%d", max);
    req_query(&r, "maxresults", m);
  }
  bool ok = req_send(bs, &r, &resp, err);
  req_fini(&r);
  if (!ok)
    return false;
  *container_found = resp.status != 404;
  if (resp.status == 404) {
    http_response_fini(&resp);
    return true;
  }
  if (resp.status != 200) {
    status_fail(&resp, "list", container, err);
    http_response_fini(&resp);
    return false;
  }
  const char *b = resp.body, *end = resp.body + resp.body_len;
  size_t sl = pg->strip ? strlen(pg->strip) : 0;
  for (const char *p = b; (p = strstr(p, "<Blob")) != NULL;) {
    bool is_prefix = strncmp(p, "<BlobPrefix>", 12) == 0;
    if (!is_prefix && strncmp(p, "<Blob>", 6) != 0) {
      p += 5;
      continue;
    }
    const char *close = strstr(p, is_prefix ? "</BlobPrefix>" : "</Blob>");
    if (!close)
      break;
    char *name = xml_text(p, close, "Name");
    if (name && strlen(name) >= sl) {
      StoreItem it = {0};
      if (is_prefix) {
        it.is_dir = true;
        size_t n = strlen(name);
        if (n && name[n - 1] == '/')
          name[n - 1] = '\0';
      } else {
        parse_blob(p, close, &it);
      }
      if (*(name + sl))
        store_list_add(pg->out, &it, name + sl);
      free(it.md5);
    }
    pg->n_seen++;
    free(name);
    p = close;
  }
  free(pg->marker);
  pg->marker = xml_text(b, end, "NextMarker");
  if (pg->marker && !*pg->marker) {
    free(pg->marker);
    pg->marker = NULL;
  }
  http_response_fini(&resp);
  return true;
}

static void split(const char *path, char **container, char **rest)
{
  char *p = store_path_join(path, NULL);
  char *slash = strchr(p, '/');
  if (slash) {
    *rest = xstrdup(slash + 1);
    *slash = '\0';
  } else {
    *rest = xstrdup("");
  }
  *container = p;
}

/* Adds the virtual folders implied by blob names ("a/b/c" -> "a", "a/b")
 * for recursive listings, where the service returns blobs only. */
static void add_virtual_dirs(StoreList *l)
{
  size_t n = l->n;
  for (size_t i = 0; i < n; i++) {
    char *p = xstrdup(l->items[i].path);
    for (char *s = strrchr(p, '/'); s; s = strrchr(p, '/')) {
      *s = '\0';
      bool have = false;
      for (size_t j = 0; j < l->n && !have; j++)
        have = l->items[j].is_dir && strcmp(l->items[j].path, p) == 0;
      if (!have) {
        StoreItem d = {0};
        d.is_dir = true;
        store_list_add(l, &d, p);
      }
    }
    free(p);
  }
}

static bool bs_list(Store *st, const char *dir, bool recursive, StoreList *out,
                    bool *found, Err *err)
{
  BlobStore *bs = (BlobStore *)st;
  char *container, *rest;
  split(dir, &container, &rest);
  *found = false;
  if (!*container) {
    free(container);
    free(rest);
    return err_set(err, ERR_DATA_REFERENCE, NULL,
                   "a Blob dataset needs a container");
  }
  StrBuf prefix;
  sb_init(&prefix);
  if (*rest)
    sb_printf(&prefix, "%s/", rest);
  ListPage pg = {out, prefix.s, NULL, 0};
  bool cfound = true, ok = true;
  size_t before = out->n;
  do {
    ok = list_page(bs, container, prefix.s, !recursive, pg.marker, 0, &pg,
                   &cfound, err);
  } while (ok && cfound && pg.marker);
  free(pg.marker);
  if (ok && recursive)
    add_virtual_dirs(out);
  *found = cfound && (!*rest || out->n > before || pg.n_seen > 0);
  store_list_sort(out);
  sb_fini(&prefix);
  free(container);
  free(rest);
  return ok;
}

static bool bs_stat(Store *st, const char *path, StoreItem *out, bool *found,
                    Err *err)
{
  BlobStore *bs = (BlobStore *)st;
  char *container, *rest;
  split(path, &container, &rest);
  memset(out, 0, sizeof *out);
  *found = false;
  bool ok = true, cfound = true;
  if (!*container) {
    *found = true; /* the account itself */
    out->is_dir = true;
    out->path = xstrdup("");
    goto done;
  }
  StoreList l;
  store_list_init(&l);
  ListPage pg = {&l, NULL, NULL, 0};
  if (!*rest) {
    ok = list_page(bs, container, NULL, true, NULL, 1, &pg, &cfound, err);
    if (ok && cfound) {
      *found = true;
      out->is_dir = true;
      out->path = xstrdup(container);
    }
  } else {
    /* The blob itself: Get Blob Properties. */
    char *full = store_path_join(path, NULL);
    Req r;
    HttpResponse resp;
    req_init(&r, "HEAD", full);
    ok = req_send(bs, &r, &resp, err);
    req_fini(&r);
    if (ok && resp.status == 200) {
      const char *len = http_response_header(&resp, "Content-Length");
      const char *ct = http_response_header(&resp, "x-ms-creation-time");
      const char *md5 = http_response_header(&resp, "Content-MD5");
      *found = true;
      out->path = xstrdup(full);
      out->size = len ? strtoll(len, NULL, 10) : 0;
      out->mtime = http_date(http_response_header(&resp, "Last-Modified"));
      out->ctime = ct ? http_date(ct) : out->mtime;
      out->md5 = md5 && *md5 ? xstrdup(md5) : NULL;
    } else if (ok && resp.status != 404) {
      ok = status_fail(&resp, "stat", full, err);
    }
    http_response_fini(&resp);
    free(full);
    if (ok && cfound && !*found) {
      /* A virtual folder: any blob under "rest/". */
      StoreList l2;
      store_list_init(&l2);
      StrBuf px;
      sb_init(&px);
      sb_printf(&px, "%s/", rest);
      ListPage pg2 = {&l2, NULL, NULL, 0};
      ok = list_page(bs, container, px.s, false, NULL, 1, &pg2, &cfound, err);
      if (ok && pg2.n_seen > 0) {
        *found = true;
        out->is_dir = true;
        out->path = store_path_join(path, NULL);
      }
      free(pg2.marker);
      sb_fini(&px);
      store_list_fini(&l2);
    }
  }
  free(pg.marker);
  store_list_fini(&l);
done:
  free(container);
  free(rest);
  return ok;
}

/* ---- Reading ------------------------------------------------------------ */

typedef struct BlobIn {
  InStream base;
  BlobStore *bs;
  char *path;
  int64_t pos, total; /* total -1 until the first answer */
  char *chunk;        /* owned: the current range */
  size_t len, off;
} BlobIn;

static bool fetch(BlobIn *b, Err *err)
{
  Req r;
  HttpResponse resp;
  char range[64];
  snprintf(range, sizeof range, "bytes=%lld-%lld", (long long)b->pos,
           (long long)(b->pos + BLOCK - 1));
  req_init(&r, "GET", b->path);
  req_header(&r, "x-ms-range", range);
  bool ok = req_send(b->bs, &r, &resp, err);
  req_fini(&r);
  if (!ok)
    return false;
  free(b->chunk);
  b->chunk = NULL;
  b->len = b->off = 0;
  if (resp.status == 416) {
    /* Past the end (or an empty blob). */
    b->total = b->pos;
    http_response_fini(&resp);
    return true;
  }
  if (resp.status != 200 && resp.status != 206) {
    status_fail(&resp, "read", b->path, err);
    http_response_fini(&resp);
    return false;
  }
  const char *cr = http_response_header(&resp, "Content-Range");
  const char *slash = cr ? strrchr(cr, '/') : NULL;
  b->total =
      slash ? strtoll(slash + 1, NULL, 10) : b->pos + (int64_t)resp.body_len;
  b->chunk = resp.body;
  b->len = resp.body_len;
  resp.body = NULL;
  b->pos += (int64_t)b->len;
  http_response_fini(&resp);
  return true;
}

static ptrdiff_t bin_read(InStream *s, void *buf, size_t n, Err *err)
{
  BlobIn *b = (BlobIn *)s;
  if (b->off == b->len) {
    if (b->total >= 0 && b->pos >= b->total)
      return 0;
    if (!fetch(b, err))
      return -1;
    if (b->len == 0)
      return 0;
  }
  size_t k = b->len - b->off;
  if (k > n)
    k = n;
  memcpy(buf, b->chunk + b->off, k);
  b->off += k;
  return (ptrdiff_t)k;
}

static void bin_close(InStream *s)
{
  BlobIn *b = (BlobIn *)s;
  free(b->chunk);
  free(b->path);
  free(b);
}

static InStream *bs_open_read(Store *st, const char *path, Err *err)
{
  BlobIn *b = xcalloc(1, sizeof *b);
  b->base.read = bin_read;
  b->base.close = bin_close;
  b->bs = (BlobStore *)st;
  b->path = store_path_join(path, NULL);
  b->total = -1;
  if (!fetch(b, err)) {
    bin_close(&b->base);
    return NULL;
  }
  return &b->base;
}

/* ---- Writing ------------------------------------------------------------ */

typedef struct BlobOut {
  OutStream base;
  BlobStore *bs;
  char *path;
  char *buf; /* owned: BLOCK bytes */
  size_t len;
  int n_blocks;
  EVP_MD_CTX *md5;
} BlobOut;

static void block_id(int i, char *out)
{
  char raw[32];
  snprintf(raw, sizeof raw, "adfrun-%08d", i);
  EVP_EncodeBlock((unsigned char *)out, (unsigned char *)raw, (int)strlen(raw));
}

static bool put_block(BlobOut *o, Err *err)
{
  Req r;
  HttpResponse resp;
  char id[64];
  block_id(o->n_blocks, id);
  req_init(&r, "PUT", o->path);
  req_query(&r, "comp", "block");
  req_query(&r, "blockid", id);
  r.body = o->buf;
  r.body_len = o->len;
  bool ok = req_send(o->bs, &r, &resp, err);
  req_fini(&r);
  if (ok && resp.status != 201)
    ok = status_fail(&resp, "write block of", o->path, err);
  http_response_fini(&resp);
  if (ok) {
    o->n_blocks++;
    o->len = 0;
  }
  return ok;
}

static bool bout_write(OutStream *s, const void *buf, size_t n, Err *err)
{
  BlobOut *o = (BlobOut *)s;
  EVP_DigestUpdate(o->md5, buf, n);
  while (n > 0) {
    size_t k = BLOCK - o->len;
    if (k > n)
      k = n;
    memcpy(o->buf + o->len, buf, k);
    o->len += k;
    buf = (const char *)buf + k;
    n -= k;
    if (o->len == BLOCK && !put_block(o, err))
      return false;
  }
  return true;
}

static void bout_free(BlobOut *o)
{
  EVP_MD_CTX_free(o->md5);
  free(o->buf);
  free(o->path);
  free(o);
}

static bool bout_commit(OutStream *s, Err *err)
{
  BlobOut *o = (BlobOut *)s;
  bool ok = o->len == 0 || put_block(o, err);
  if (ok) {
    StrBuf xml;
    sb_init(&xml);
    sb_puts(&xml, "<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>");
    for (int i = 0; i < o->n_blocks; i++) {
      char id[64];
      block_id(i, id);
      sb_printf(&xml, "<Latest>%s</Latest>", id);
    }
    sb_puts(&xml, "</BlockList>");
    unsigned char md[16];
    unsigned int ml = 0;
    char md5[32];
    EVP_DigestFinal_ex(o->md5, md, &ml);
    EVP_EncodeBlock((unsigned char *)md5, md, 16);
    Req r;
    HttpResponse resp;
    req_init(&r, "PUT", o->path);
    req_query(&r, "comp", "blocklist");
    req_header(&r, "x-ms-blob-content-md5", md5);
    req_header(&r, "Content-Type", "application/xml");
    r.body = xml.s;
    r.body_len = xml.len;
    ok = req_send(o->bs, &r, &resp, err);
    req_fini(&r);
    if (ok && resp.status != 201)
      ok = status_fail(&resp, "commit", o->path, err);
    http_response_fini(&resp);
    sb_fini(&xml);
  }
  bout_free(o);
  return ok;
}

static void bout_abort(OutStream *s)
{
  /* Staged blocks that are never committed are discarded by the service
   * (after a week at most); nothing is visible under the name. */
  bout_free((BlobOut *)s);
}

static bool ensure_container(BlobStore *bs, const char *container, Err *err)
{
  Req r;
  HttpResponse resp;
  req_init(&r, "PUT", container);
  req_query(&r, "restype", "container");
  bool ok = req_send(bs, &r, &resp, err);
  req_fini(&r);
  if (ok && resp.status != 201 && resp.status != 409)
    ok = status_fail(&resp, "create container", container, err);
  http_response_fini(&resp);
  return ok;
}

static OutStream *bs_open_write(Store *st, const char *path, Err *err)
{
  BlobStore *bs = (BlobStore *)st;
  char *container, *rest;
  split(path, &container, &rest);
  bool ok = *rest != '\0';
  if (!ok)
    err_set(err, ERR_DATA_REFERENCE, NULL,
            "cannot write '%s': a blob path needs a container and a name",
            path);
  /* Like ADF, a missing container is created on first write. */
  if (ok)
    ok = ensure_container(bs, container, err);
  free(container);
  free(rest);
  if (!ok)
    return NULL;
  BlobOut *o = xcalloc(1, sizeof *o);
  o->base.write = bout_write;
  o->base.commit = bout_commit;
  o->base.abort = bout_abort;
  o->bs = bs;
  o->path = store_path_join(path, NULL);
  o->buf = xmalloc(BLOCK);
  o->md5 = EVP_MD_CTX_new();
  EVP_DigestInit_ex(o->md5, EVP_md5(), NULL);
  return &o->base;
}

static bool bs_remove(Store *st, const char *path, Err *err)
{
  Req r;
  HttpResponse resp;
  req_init(&r, "DELETE", path);
  bool ok = req_send((BlobStore *)st, &r, &resp, err);
  req_fini(&r);
  if (ok && resp.status != 202)
    ok = status_fail(&resp, "delete", path, err);
  http_response_fini(&resp);
  return ok;
}

static void bs_free(Store *st)
{
  BlobStore *bs = (BlobStore *)st;
  http_client_free(bs->http);
  free(bs->endpoint);
  free(bs->account);
  free(bs->key);
  free(bs->sas);
  free(bs->token);
  free(bs->url_path);
  free(bs);
}

static const StoreOps blob_ops = {
    "AzureBlobStorage", bs_stat,   bs_list, bs_open_read,
    bs_open_write,      bs_remove, NULL,    bs_free,
};

static char *conn_str(const Value *conn, const char *key)
{
  const Value *v = val_object_peek(conn, key);
  return v && val_kind(v) == VAL_STRING && val_strlen(v) ? xstrdup(val_str(v))
                                                         : NULL;
}

/* ---- Bearer tokens ------------------------------------------------------
 *
 * Stores are opened on worker threads, several per Copy (source, sink,
 * one per probe), so tokens are cached process-wide under a mutex and
 * keyed like the WebActivity's cache (kind + identity + resource). */

static pthread_mutex_t token_mu = PTHREAD_MUTEX_INITIALIZER;
static TokenCache *token_cache; /* owned by the process; freed at exit */

static void token_cache_atexit(void)
{
  token_cache_free(token_cache);
  token_cache = NULL;
}

static char *cached_token(const char *key)
{
  char *tok = NULL;
  pthread_mutex_lock(&token_mu);
  const char *t =
      token_cache ? token_cache_get(token_cache, key, time(NULL)) : NULL;
  if (t)
    tok = xstrdup(t);
  pthread_mutex_unlock(&token_mu);
  return tok;
}

static void remember_token(const char *key, const char *tok, int64_t exp)
{
  pthread_mutex_lock(&token_mu);
  if (!token_cache) {
    token_cache = token_cache_new();
    atexit(token_cache_atexit);
  }
  token_cache_put(token_cache, key, tok, exp);
  pthread_mutex_unlock(&token_mu);
}

/* A string member or "" (hand-built connections may lack one). */
static const char *str_or_empty(const Value *o, const char *key)
{
  const Value *v = o ? val_object_peek(o, key) : NULL;
  return v && val_kind(v) == VAL_STRING ? val_str(v) : "";
}

/* Tries one HTTP token source.  Returns a malloc'd token or NULL with the
 * reason appended to 'tried'. */
static char *token_from_http(HttpClient *http, const Value *src, int64_t *exp,
                             StrBuf *tried)
{
  const Value *h = val_object_peek(src, "headers");
  size_t nh = h && val_kind(h) == VAL_ARRAY ? val_array_len(h) : 0;
  const char **lines = xcalloc(nh + 1, sizeof *lines);
  for (size_t i = 0; i < nh; i++)
    lines[i] = val_str(val_array_peek(h, i));
  const Value *m = val_object_peek(src, "method");
  const Value *u = val_object_peek(src, "url");
  const Value *b = val_object_peek(src, "body");
  HttpRequest req = {0};
  req.method = m && val_kind(m) == VAL_STRING ? val_str(m) : "GET";
  req.url = u && val_kind(u) == VAL_STRING ? val_str(u) : "";
  req.headers = lines;
  req.n_headers = nh;
  if (b && val_kind(b) == VAL_STRING) {
    req.body = val_str(b);
    req.body_len = val_strlen(b);
  }
  req.timeout_ms = 30000;
  req.max_body = 1024 * 1024;
  HttpResponse resp;
  http_response_init(&resp);
  Err terr = ERR_INIT;
  char *tok = NULL;
  if (!http_perform(http, &req, &resp))
    err_set(&terr, ERR_DATA_STORE, NULL, "%s",
            resp.error ? resp.error : http_result_name(resp.result));
  else if (resp.status < 200 || resp.status > 299)
    err_set(&terr, ERR_DATA_STORE, NULL, "HTTP status %ld", resp.status);
  else
    tok = auth_token_parse(resp.body, resp.body_len, time(NULL), exp, &terr);
  if (!tok)
    sb_printf(tried, "; %s (%s): %s", str_or_empty(src, "name"), req.url,
              terr.msg);
  http_response_fini(&resp);
  free(lines);
  return tok;
}

/* Sets bs->token from conn's "tokenSources" (first that answers). */
static bool fetch_token(BlobStore *bs, const Value *conn, Err *err)
{
  const Value *srcs = val_object_peek(conn, "tokenSources");
  const char *key = str_or_empty(conn, "tokenKey");
  const char *res = str_or_empty(conn, "tokenResource");
  if ((bs->token = cached_token(key)) != NULL)
    return true;
  StrBuf tried;
  sb_init(&tried);
  for (size_t i = 0; i < val_array_len(srcs) && !bs->token; i++) {
    const Value *src = val_array_peek(srcs, i);
    int64_t exp = 0;
    const Value *cli = val_object_peek(src, "cli");
    if (cli && val_kind(cli) == VAL_BOOL && val_get_bool(cli)) {
      Err cerr = ERR_INIT;
      bs->token = auth_token_from_cli(res, time(NULL), &exp, &cerr);
      if (!bs->token)
        sb_printf(&tried, "; %s: %s", str_or_empty(src, "name"), cerr.msg);
    } else {
      bs->token = token_from_http(bs->http, src, &exp, &tried);
    }
    if (bs->token)
      remember_token(key, bs->token, exp);
  }
  if (!bs->token)
    err_set(err, ERR_DATA_STORE, NULL,
            "could not get a %s token for Azure Blob Storage (resource "
            "'%s'); tried%s",
            str_or_empty(conn, "tokenAuth"), res,
            tried.len ? tried.s : " nothing");
  sb_fini(&tried);
  return bs->token != NULL;
}

Store *store_blob_open(const Value *conn, Err *err)
{
  BlobStore *bs = xcalloc(1, sizeof *bs);
  bs->base.ops = &blob_ops;
  bs->endpoint = conn_str(conn, "endpoint");
  bs->account = conn_str(conn, "account");
  bs->sas = conn_str(conn, "sas");
  bs->token = conn_str(conn, "token");
  char *key = conn_str(conn, "key");
  if (!bs->endpoint) {
    free(key);
    bs_free(&bs->base);
    err_set(err, ERR_DATA_REFERENCE, NULL, "Blob connection has no endpoint");
    return NULL;
  }
  size_t n = strlen(bs->endpoint);
  while (n > 0 && bs->endpoint[n - 1] == '/')
    bs->endpoint[--n] = '\0';
  if (bs->sas && bs->sas[0] == '?')
    memmove(bs->sas, bs->sas + 1, strlen(bs->sas));
  /* Path-style endpoints (Azurite: http://127.0.0.1:10000/account) carry
   * a path that is part of the signed resource. */
  const char *scheme = strstr(bs->endpoint, "://");
  const char *pth = scheme ? strchr(scheme + 3, '/') : NULL;
  bs->url_path = xstrdup(pth ? pth : "");
  if (key) {
    if (!bs->account) {
      free(key);
      bs_free(&bs->base);
      err_set(err, ERR_DATA_REFERENCE, NULL,
              "Blob account key given without AccountName");
      return NULL;
    }
    bs->key = auth_base64_decode(key, strlen(key), &bs->key_len);
    free(key);
    if (!bs->key) {
      bs_free(&bs->base);
      err_set(err, ERR_DATA_REFERENCE, NULL,
              "the Blob AccountKey is not valid base64");
      return NULL;
    }
  }
  bs->http = http_client_new();
  const Value *srcs = val_object_peek(conn, "tokenSources");
  if (!bs->key && !bs->sas && !bs->token && srcs &&
      val_kind(srcs) == VAL_ARRAY && !fetch_token(bs, conn, err)) {
    bs_free(&bs->base);
    return NULL;
  }
  if (!bs->key && !bs->sas && !bs->token) {
    bs_free(&bs->base);
    err_set(err, ERR_DATA_REFERENCE, NULL,
            "Blob connection needs an account key, a SAS token or a bearer "
            "token");
    return NULL;
  }
  return &bs->base;
}
