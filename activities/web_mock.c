/*
 * activities/web_mock.c -- HTTP-level mocks (the `http` section of the
 *                          --mock document) and --rewrite URL rules
 *
 * Rules are compiled once per engine and kept in a per-engine holder
 * registered with engine_driver() (a driver that is never busy), so the
 * per-rule call counters survive from one activity run to the next.
 * First matching rule wins; after a response sequence ends its last entry
 * repeats.
 */
#include "activities/http.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "expr/strbuf.h"

typedef struct MockRule {
  char *method;        /* owned; NULL = any */
  pcre2_code *url;     /* owned; NULL = any */
  pcre2_code *body;    /* owned; NULL = any */
  char **hdr_names;    /* owned */
  pcre2_code **hdr_re; /* owned */
  size_t n_hdr;
  Value *responses; /* owned: array of response objects */
  size_t calls;
} MockRule;

struct HttpMocks {
  MockRule *rules;
  size_t n_rules;
};

/* ---- Regexes ------------------------------------------------------------ */

static pcre2_code *compile_re(const char *pat, const char *what, Err *err)
{
  int code;
  PCRE2_SIZE off;
  pcre2_code *re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, 0,
                                 &code, &off, NULL);
  if (!re) {
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(code, msg, sizeof msg);
    err_set(err, ERR_MOCK_SYNTAX, NULL, "%s: bad pattern '%s' at %zu: %s", what,
            pat, (size_t)off, (const char *)msg);
  }
  return re;
}

static bool re_search(pcre2_code *re, const char *s, size_t len)
{
  pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
  int rc = pcre2_match(re, (PCRE2_SPTR)s, len, 0, 0, md, NULL);
  pcre2_match_data_free(md);
  return rc >= 0;
}

/* ---- Compiling the mock section ------------------------------------------ */

static void rule_fini(MockRule *r)
{
  free(r->method);
  pcre2_code_free(r->url);
  pcre2_code_free(r->body);
  for (size_t i = 0; i < r->n_hdr; i++) {
    free(r->hdr_names[i]);
    pcre2_code_free(r->hdr_re[i]);
  }
  free(r->hdr_names);
  free(r->hdr_re);
  val_unref(r->responses);
}

static bool check_response(const Value *resp, const char *where, Err *err)
{
  if (val_kind(resp) != VAL_OBJECT)
    return err_set(err, ERR_MOCK_SYNTAX, NULL,
                   "%s: a response must be an object", where);
  const Value *st = val_object_peek(resp, "status");
  if (st && val_kind(st) != VAL_INT)
    return err_set(err, ERR_MOCK_SYNTAX, NULL, "%s: status must be an integer",
                   where);
  const Value *h = val_object_peek(resp, "headers");
  if (h && val_kind(h) != VAL_OBJECT)
    return err_set(err, ERR_MOCK_SYNTAX, NULL, "%s: headers must be an object",
                   where);
  return true;
}

static bool compile_rule(const Value *item, size_t idx, MockRule *r, Err *err)
{
  char where[64];
  snprintf(where, sizeof where, "mocks: http[%zu]", idx);
  if (val_kind(item) != VAL_OBJECT)
    return err_set(err, ERR_MOCK_SYNTAX, NULL, "%s: expected an object", where);
  const Value *req = val_object_peek(item, "request");
  if (req && val_kind(req) != VAL_OBJECT)
    return err_set(err, ERR_MOCK_SYNTAX, NULL, "%s.request: expected an object",
                   where);
  if (req) {
    const Value *m = val_object_peek(req, "method");
    if (m && val_kind(m) == VAL_STRING)
      r->method = xstrdup(val_str(m));
    const Value *u = val_object_peek(req, "url");
    if (u && val_kind(u) == VAL_STRING &&
        !(r->url = compile_re(val_str(u), where, err)))
      return false;
    const Value *b = val_object_peek(req, "body");
    if (b && val_kind(b) == VAL_STRING &&
        !(r->body = compile_re(val_str(b), where, err)))
      return false;
    const Value *h = val_object_peek(req, "headers");
    if (h && val_kind(h) == VAL_OBJECT) {
      size_t n = val_object_len(h);
      r->hdr_names = xcalloc(n + 1, sizeof *r->hdr_names);
      r->hdr_re = xcalloc(n + 1, sizeof *r->hdr_re);
      for (size_t i = 0; i < n; i++) {
        size_t kl;
        const char *k = val_object_key_peek(h, i, &kl);
        const Value *pv = val_object_value_peek(h, i);
        StrBuf pat;
        sb_init(&pat);
        val_to_adf_string(pv, &pat);
        r->hdr_names[i] = xstrndup(k, kl);
        r->hdr_re[i] = compile_re(pat.s, where, err);
        sb_fini(&pat);
        r->n_hdr = i + 1;
        if (!r->hdr_re[i])
          return false;
      }
    }
  }
  const Value *seq = val_object_peek(item, "responses");
  const Value *reply = val_object_peek(item, "reply");
  if (seq && val_kind(seq) == VAL_ARRAY && val_array_len(seq) > 0) {
    r->responses = val_ref(seq);
  } else if (reply) {
    r->responses = val_array_new();
    val_array_push(r->responses, reply);
  } else {
    return err_set(err, ERR_MOCK_SYNTAX, NULL,
                   "%s: needs 'reply' or a non-empty 'responses' list", where);
  }
  for (size_t i = 0; i < val_array_len(r->responses); i++)
    if (!check_response(val_array_peek(r->responses, i), where, err))
      return false;
  return true;
}

HttpMocks *http_mocks_new(const Value *doc, Err *err)
{
  HttpMocks *m = xcalloc(1, sizeof *m);
  const Value *http =
      doc && val_kind(doc) == VAL_OBJECT ? val_object_peek(doc, "http") : NULL;
  if (!http || val_kind(http) == VAL_NULL)
    return m;
  if (val_kind(http) != VAL_ARRAY) {
    err_set(err, ERR_MOCK_SYNTAX, NULL, "mocks: 'http' must be a list");
    free(m);
    return NULL;
  }
  size_t n = val_array_len(http);
  m->rules = xcalloc(n + 1, sizeof *m->rules);
  for (size_t i = 0; i < n; i++) {
    m->n_rules = i + 1;
    if (!compile_rule(val_array_peek(http, i), i, &m->rules[i], err)) {
      http_mocks_free(m);
      return NULL;
    }
  }
  return m;
}

void http_mocks_free(HttpMocks *m)
{
  if (!m)
    return;
  for (size_t i = 0; i < m->n_rules; i++)
    rule_fini(&m->rules[i]);
  free(m->rules);
  free(m);
}

size_t http_mocks_count(const HttpMocks *m)
{
  return m ? m->n_rules : 0;
}

/* ---- Matching ---------------------------------------------------------------
 */

static bool header_matches(const HttpRequest *req, const char *name,
                           pcre2_code *re)
{
  size_t n = strlen(name);
  for (size_t i = 0; i < req->n_headers; i++) {
    const char *h = req->headers[i];
    if (strncasecmp(h, name, n) != 0 || h[n] != ':')
      continue;
    const char *v = h + n + 1;
    while (*v == ' ')
      v++;
    if (re_search(re, v, strlen(v)))
      return true;
  }
  return false;
}

static bool rule_matches(const MockRule *r, const HttpRequest *req)
{
  if (r->method && strcasecmp(r->method, req->method) != 0)
    return false;
  if (r->url && !re_search(r->url, req->url, strlen(req->url)))
    return false;
  if (r->body && !re_search(r->body, req->body ? req->body : "",
                            req->body ? req->body_len : 0))
    return false;
  for (size_t i = 0; i < r->n_hdr; i++)
    if (!header_matches(req, r->hdr_names[i], r->hdr_re[i]))
      return false;
  return true;
}

/* The response for call number 'k' (0-based) of a sequence: entries serve
 * 'times' calls each (default 1); past the end the last entry repeats. */
static const Value *pick(const Value *seq, size_t k)
{
  size_t n = val_array_len(seq);
  for (size_t i = 0; i < n; i++) {
    const Value *e = val_array_peek(seq, i);
    const Value *t = val_object_peek(e, "times");
    int64_t times = t && val_kind(t) == VAL_INT ? val_get_int(t) : 1;
    if (times < 1)
      times = 1;
    if (k < (size_t)times)
      return e;
    k -= (size_t)times;
  }
  return val_array_peek(seq, n - 1);
}

bool http_mocks_match(HttpMocks *m, const HttpRequest *req, HttpResponse *out,
                      double *delay_s)
{
  for (size_t i = 0; m && i < m->n_rules; i++) {
    MockRule *r = &m->rules[i];
    if (!rule_matches(r, req))
      continue;
    const Value *e = pick(r->responses, r->calls++);
    http_response_init(out);
    out->result = HTTP_OK;
    const Value *st = val_object_peek(e, "status");
    out->status = st ? (long)val_get_int(st) : 200;
    out->headers = val_object_new();
    const Value *h = val_object_peek(e, "headers");
    for (size_t j = 0; h && j < val_object_len(h); j++) {
      size_t kl;
      const char *k = val_object_key_peek(h, j, &kl);
      StrBuf sb;
      sb_init(&sb);
      val_to_adf_string(val_object_value_peek(h, j), &sb);
      val_object_set_take(out->headers, k, kl, val_string_from_sb(&sb));
      sb_fini(&sb);
    }
    const Value *b = val_object_peek(e, "body");
    StrBuf body;
    sb_init(&body);
    if (b && val_kind(b) == VAL_STRING)
      sb_put(&body, val_str(b), val_strlen(b));
    else if (b && val_kind(b) != VAL_NULL)
      val_to_json(b, &body);
    if (b && val_kind(b) != VAL_STRING && val_kind(b) != VAL_NULL &&
        !val_object_peek_ci(out->headers, "Content-Type", 12))
      val_object_set_take(out->headers, "Content-Type", 12,
                          val_cstr("application/json; charset=utf-8"));
    out->body_len = body.len;
    out->body = sb_take(&body);
    out->final_url = xstrdup(req->url);
    const Value *d = val_object_peek(e, "delay");
    *delay_s = d && (val_kind(d) == VAL_INT || val_kind(d) == VAL_FLOAT)
                   ? val_get_number(d)
                   : 0.0;
    return true;
  }
  return false;
}

/* ---- Rewrites
 * ---------------------------------------------------------------- */

struct HttpRewrites {
  pcre2_code **re;
  char **repl;
  size_t n;
};

HttpRewrites *http_rewrites_new(const char *const *rules, size_t n, Err *err)
{
  HttpRewrites *rw = xcalloc(1, sizeof *rw);
  rw->re = xcalloc(n + 1, sizeof *rw->re);
  rw->repl = xcalloc(n + 1, sizeof *rw->repl);
  for (size_t i = 0; i < n; i++) {
    const char *s = rules[i];
    const char *eq = NULL;
    for (const char *p = s; *p; p++)
      if (*p == '=' && (p == s || p[-1] != '\\')) {
        eq = p;
        break;
      }
    if (!eq) {
      err_set(err, ERR_USAGE, NULL,
              "--rewrite '%s': expected PATTERN=REPLACEMENT", s);
      http_rewrites_free(rw);
      return NULL;
    }
    char *pat = xstrndup(s, (size_t)(eq - s));
    rw->n = i + 1;
    rw->re[i] = compile_re(pat, "--rewrite", err);
    rw->repl[i] = xstrdup(eq + 1);
    free(pat);
    if (!rw->re[i]) {
      err->code = ERR_USAGE;
      http_rewrites_free(rw);
      return NULL;
    }
  }
  return rw;
}

void http_rewrites_free(HttpRewrites *rw)
{
  if (!rw)
    return;
  for (size_t i = 0; i < rw->n; i++) {
    pcre2_code_free(rw->re[i]);
    free(rw->repl[i]);
  }
  free(rw->re);
  free(rw->repl);
  free(rw);
}

char *http_rewrite(const HttpRewrites *rw, const char *url)
{
  for (size_t i = 0; rw && i < rw->n; i++) {
    if (!re_search(rw->re[i], url, strlen(url)))
      continue;
    PCRE2_SIZE cap = strlen(url) + strlen(rw->repl[i]) + 256;
    for (int attempt = 0; attempt < 2; attempt++) {
      PCRE2_UCHAR *out = xmalloc(cap);
      PCRE2_SIZE len = cap;
      int rc = pcre2_substitute(
          rw->re[i], (PCRE2_SPTR)url, PCRE2_ZERO_TERMINATED, 0,
          PCRE2_SUBSTITUTE_OVERFLOW_LENGTH, NULL, NULL, (PCRE2_SPTR)rw->repl[i],
          PCRE2_ZERO_TERMINATED, out, &len);
      if (rc >= 0)
        return (char *)out;
      free(out);
      if (rc != PCRE2_ERROR_NOMEMORY)
        break;
      cap = len + 1;
    }
    break; /* a bad replacement leaves the URL alone */
  }
  return xstrdup(url);
}

/* ---- Per-engine holders
 * ------------------------------------------------------ */

typedef struct Holder {
  bool ready;
  HttpMocks *mocks;
  HttpRewrites *rw;
} Holder;

static void *holder_create(Engine *eng)
{
  (void)eng;
  return xcalloc(1, sizeof(Holder));
}

static bool holder_busy(void *ud)
{
  (void)ud;
  return false;
}

static void holder_wait(void *ud, int timeout_ms)
{
  (void)ud;
  (void)timeout_ms;
}

static void holder_fini(void *ud)
{
  Holder *h = ud;
  http_mocks_free(h->mocks);
  http_rewrites_free(h->rw);
  free(h);
}

static const IoDriver holder_ops = {NULL, holder_busy, holder_wait,
                                    holder_fini};

HttpMocks *http_engine_mocks(ActRun *run, Err *err)
{
  const Value *doc = act_mocks(run);
  if (!doc)
    return NULL;
  Holder *h =
      engine_driver(act_engine(run), "web.mocks", holder_create, &holder_ops);
  if (!h->ready) {
    h->mocks = http_mocks_new(doc, err);
    if (!h->mocks)
      return NULL;
    h->ready = true;
  }
  return h->mocks;
}

HttpRewrites *http_engine_rewrites(ActRun *run, Err *err)
{
  size_t n = 0;
  const char *const *rules = act_rewrites(run, &n);
  if (!rules || n == 0)
    return NULL;
  Holder *h = engine_driver(act_engine(run), "web.rewrites", holder_create,
                            &holder_ops);
  if (!h->ready) {
    h->rw = http_rewrites_new(rules, n, err);
    if (!h->rw)
      return NULL;
    h->ready = true;
  }
  return h->rw;
}
