/*
 * activities/web.c -- the WebActivity type
 *
 * A resumable state machine: [token] -> call -> [202: wait, poll]* ->
 * done.  Every HTTP exchange (token requests included) goes through one
 * path, exchange_start(): --rewrite rules, HTTP mocks (delays on the
 * engine clock), the unmatched-request rule, the request log with
 * redaction, and otherwise the engine's curl multi driver.  The run loop
 * is never blocked, except by the Azure CLI token source (short, cached).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "activities/auth.h"
#include "activities/http.h"
#include "activities/registry.h"
#include "expr/json.h"
#include "expr/strbuf.h"
#include "interp/sched.h"

#define WEB_MAX_OUTPUT         (4u * 1024u * 1024u) /* ADF: 4 MB, error 2001 */
#define WEB_DEFAULT_TIMEOUT_MS 60000L /* httpRequestTimeout 00:01:00 */
#define WEB_DEFAULT_POLL_S     15     /* 202 without Retry-After */
#define WEB_ERROR_BODY         900u   /* response text kept in a 2108 message */
#define UNIX_EPOCH_TICKS       621355968000000000LL

typedef enum Phase { PH_TOKEN, PH_CALL, PH_POLL_WAIT, PH_POLL } Phase;

/* One HTTP request in flight: real (curl) or mocked (timer). */
typedef struct Exchange {
  bool active;
  bool mock;
  HttpCall *call;     /* owned: real requests */
  HttpResponse mresp; /* mocked response */
  int64_t ready_at;   /* mocks: when the response "arrives" */
  int64_t started;
  Value *record; /* owned: request record waiting for its status */
} Exchange;

typedef struct WebState {
  ActRun *run; /* borrowed */
  Phase phase;
  char *method; /* owned, upper case */
  char *url;    /* owned, as evaluated */
  char *body;   /* owned; NULL: no body */
  size_t body_len;
  char **headers; /* owned "Name: value" lines (user + defaults) */
  size_t n_headers;
  char *auth_line; /* owned "Authorization: ..." or NULL */
  long timeout_ms;
  bool insecure;
  bool turn_off_async;
  AuthSpec auth;
  TokenSource *src; /* owned token sources */
  size_t n_src, src_i;
  StrBuf tried;     /* why each token source failed */
  char *cache_key;  /* owned */
  bool mock_token;  /* the fake mock-mode token is in use */
  char *poll_url;   /* owned: Location being polled */
  HttpMocks *mocks; /* borrowed from the engine */
  HttpRewrites *rw; /* borrowed from the engine */
  bool net_ok;
  int64_t started;
  int64_t poll_at; /* PH_POLL_WAIT: when to poll */
  Exchange ex;
} WebState;

/* ---- Small helpers --------------------------------------------------------
 */

static void add_line(char ***arr, size_t *n, char *line)
{
  *arr = xrealloc(*arr, (*n + 1) * sizeof **arr);
  (*arr)[(*n)++] = line;
}

/* Registers a secret with the engine (redacted from the report, logs and
 * request records), together with its form-urlencoded spelling (token
 * request bodies carry client secrets that way). */
static void add_secret(WebState *st, const char *s)
{
  if (!s || strlen(s) < 4)
    return;
  act_add_secret(st->run, s);
  char *enc = auth_urlencode(s);
  if (strcmp(enc, s) != 0)
    act_add_secret(st->run, enc);
  free(enc);
}

/* Replaces every secret the engine knows (SecureString parameters and
 * values, passwords, tokens...) in 's' with "***"; the longest match
 * wins at each position. */
static void redact_into(const WebState *st, const char *s, size_t len,
                        StrBuf *sb)
{
  size_t n_sec = 0;
  const char *const *sec = engine_secrets(act_engine(st->run), &n_sec);
  size_t i = 0;
  while (i < len) {
    size_t best = 0;
    for (size_t k = 0; k < n_sec; k++) {
      size_t sl = strlen(sec[k]);
      if (sl > best && sl <= len - i && memcmp(s + i, sec[k], sl) == 0)
        best = sl;
    }
    if (best) {
      sb_puts(sb, "***");
      i += best;
    } else {
      sb_putc(sb, s[i++]);
    }
  }
}

static Value *redact(const WebState *st, const char *s, size_t len)
{
  StrBuf sb;
  sb_init(&sb);
  redact_into(st, s, len, &sb);
  Value *v = val_string_from_sb(&sb);
  sb_fini(&sb);
  return v;
}

/* err_set() with the formatted message redacted: error messages reach
 * the console and the pipeline's message unfiltered. */
static bool err_set_redacted(const WebState *st, Err *err, ErrCode code,
                             const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static bool err_set_redacted(const WebState *st, Err *err, ErrCode code,
                             const char *fmt, ...)
{
  StrBuf raw, sb;
  sb_init(&raw);
  sb_init(&sb);
  va_list ap;
  va_start(ap, fmt);
  sb_vprintf(&raw, fmt, ap);
  va_end(ap);
  redact_into(st, raw.s, raw.len, &sb);
  err_set(err, code, NULL, "%s", sb.s);
  sb_fini(&raw);
  sb_fini(&sb);
  return false;
}

static bool is_secret_header(const char *name, size_t len)
{
  static const char *const names[] = {"Authorization", "X-IDENTITY-HEADER",
                                      "Proxy-Authorization", "Cookie"};
  for (size_t i = 0; i < sizeof names / sizeof *names; i++)
    if (strlen(names[i]) == len && strncasecmp(name, names[i], len) == 0)
      return true;
  return false;
}

static int64_t unix_now(void)
{
  return (int64_t)time(NULL);
}

/* "[d.]hh:mm:ss" -> milliseconds, or -1. */
static long parse_timespan_ms(const char *s)
{
  long d = 0, h, m, sec;
  char extra;
  if (sscanf(s, "%ld.%ld:%ld:%ld%c", &d, &h, &m, &sec, &extra) == 4 ||
      (d = 0, sscanf(s, "%ld:%ld:%ld%c", &h, &m, &sec, &extra) == 3)) {
    if (d < 0 || h < 0 || m < 0 || m > 59 || sec < 0 || sec > 59)
      return -1;
    return (((d * 24 + h) * 60 + m) * 60 + sec) * 1000;
  }
  return -1;
}

static bool truthy(const Value *v)
{
  if (!v)
    return false;
  if (val_kind(v) == VAL_BOOL)
    return val_get_bool(v);
  if (val_kind(v) == VAL_STRING)
    return strcasecmp(val_str(v), "true") == 0;
  return false;
}

/* ---- Per-engine token cache ------------------------------------------------
 */

static void *cache_create(Engine *eng)
{
  (void)eng;
  return token_cache_new();
}

static bool cache_busy(void *ud)
{
  (void)ud;
  return false;
}

static void cache_wait(void *ud, int timeout_ms)
{
  (void)ud;
  (void)timeout_ms;
}

static void cache_fini(void *ud)
{
  token_cache_free(ud);
}

static TokenCache *engine_tokens(ActRun *run)
{
  static const IoDriver ops = {NULL, cache_busy, cache_wait, cache_fini};
  return engine_driver(act_engine(run), "web.tokens", cache_create, &ops);
}

/* ---- Exchanges -------------------------------------------------------------
 */

static void on_http_done(void *ud, HttpCall *call)
{
  (void)call;
  act_wake(ud);
}

static Value *headers_record(const WebState *st, const char *const *lines,
                             size_t n)
{
  Value *h = val_object_new();
  for (size_t i = 0; i < n; i++) {
    const char *colon = strchr(lines[i], ':');
    if (!colon)
      continue;
    size_t kl = (size_t)(colon - lines[i]);
    const char *v = colon + 1;
    while (*v == ' ')
      v++;
    val_object_set_take(h, lines[i], kl,
                        is_secret_header(lines[i], kl)
                            ? val_cstr("***")
                            : redact(st, v, strlen(v)));
  }
  return h;
}

typedef enum ExStart { EX_STARTED, EX_NO_MOCK, EX_FAILED } ExStart;

/* Sends one request.  With mocks: a matching rule answers after its
 * delay; no match fails (EX_NO_MOCK when 'soft', for token requests),
 * unless the network is allowed. */
static ExStart exchange_start(WebState *st, const char *method, const char *url,
                              char *const *headers, size_t n_headers,
                              const char *body, size_t body_len, bool soft,
                              Err *err)
{
  Exchange *ex = &st->ex;
  memset(ex, 0, sizeof *ex);
  char *sent = http_rewrite(st->rw, url);
  HttpRequest req = {.method = method,
                     .url = url,
                     .headers = (const char *const *)headers,
                     .n_headers = n_headers,
                     .body = body,
                     .body_len = body_len,
                     .timeout_ms = st->timeout_ms,
                     .insecure = st->insecure,
                     .max_body = WEB_MAX_OUTPUT};
  if (st->auth.kind == AUTH_CLIENT_CERT) {
    req.cert_p12 = st->auth.pfx;
    req.cert_len = st->auth.pfx_len;
    req.cert_password = st->auth.password;
  }
  Value *rec = val_object_new();
  val_object_set_take(rec, "activity", 8, val_cstr(act_def(st->run)->name));
  val_object_set_take(rec, "method", 6, val_cstr(method));
  val_object_set_take(rec, "url", 3, redact(st, url, strlen(url)));
  if (strcmp(sent, url) != 0)
    val_object_set_take(rec, "sentTo", 6, redact(st, sent, strlen(sent)));
  val_object_set_take(
      rec, "headers", 7,
      headers_record(st, (const char *const *)headers, n_headers));
  val_object_set_take(rec, "body", 4,
                      body ? redact(st, body, body_len) : val_null());
  if (st->mock_token)
    val_object_set_take(rec, "credential", 10,
                        val_cstr("mock token (no real credential used)"));
  ex->started = act_now(st->run);

  double delay = 0;
  if (st->mocks && http_mocks_match(st->mocks, &req, &ex->mresp, &delay)) {
    ex->mock = true;
    int64_t d = (int64_t)(delay * (double)TICKS_PER_SECOND);
    if (st->timeout_ms > 0 && delay * 1000.0 > (double)st->timeout_ms) {
      d = (int64_t)st->timeout_ms * (TICKS_PER_SECOND / 1000);
      http_response_fini(&ex->mresp);
      ex->mresp.result = HTTP_ERR_TIMEOUT;
      ex->mresp.error = xstrdup("no response within httpRequestTimeout");
    }
    ex->ready_at = ex->started + d;
    val_object_set_take(rec, "mocked", 6, val_bool(true));
    ex->record = rec;
    ex->active = true;
    free(sent);
    act_wake_at(st->run, ex->ready_at);
    return EX_STARTED;
  }
  if (st->mocks && !st->net_ok) {
    free(sent);
    if (soft) {
      val_unref(rec);
      return EX_NO_MOCK;
    }
    val_object_set_take(rec, "status", 6, val_null());
    val_object_set_take(rec, "unmatched", 9, val_bool(true));
    act_record_request_take(st->run, rec);
    err_set_redacted(st, err, ERR_UNMATCHED_REQUEST,
                     "no HTTP mock matches %s %s (and --allow-network was "
                     "not given)",
                     method, url);
    return EX_FAILED;
  }
  req.url = sent;
  val_object_set_take(rec, "mocked", 6, val_bool(false));
  ex->call = http_call_start(http_engine_client(act_engine(st->run)), &req,
                             on_http_done, st->run);
  ex->record = rec;
  ex->active = true;
  free(sent);
  return EX_STARTED;
}

/* The response once the exchange finished (borrowed), else NULL. */
static HttpResponse *exchange_poll(WebState *st)
{
  Exchange *ex = &st->ex;
  if (!ex->active)
    return NULL;
  HttpResponse *r;
  if (ex->mock) {
    if (act_now(st->run) < ex->ready_at)
      return NULL;
    r = &ex->mresp;
  } else {
    if (!http_call_done(ex->call))
      return NULL;
    r = http_call_response(ex->call);
  }
  if (ex->record) {
    Value *rec = ex->record;
    ex->record = NULL;
    val_object_set_take(rec, "status", 6,
                        r->result == HTTP_OK ? val_int(r->status) : val_null());
    if (r->result != HTTP_OK)
      val_object_set_take(rec, "error", 5,
                          val_cstr(r->error ? r->error : "failed"));
    val_object_set_take(
        rec, "durationMs", 10,
        val_int((act_now(st->run) - ex->started) / (TICKS_PER_SECOND / 1000)));
    act_record_request_take(st->run, rec);
  }
  return r;
}

static void exchange_fini(Exchange *ex)
{
  http_call_free(ex->call);
  http_response_fini(&ex->mresp);
  val_unref(ex->record);
  memset(ex, 0, sizeof *ex);
}

/* ---- Inputs ----------------------------------------------------------------
 */

static bool read_headers(WebState *st, const Value *h, Err *err)
{
  if (!h || val_kind(h) == VAL_NULL)
    return true;
  if (val_kind(h) == VAL_OBJECT) {
    for (size_t i = 0; i < val_object_len(h); i++) {
      size_t kl;
      const char *k = val_object_key_peek(h, i, &kl);
      StrBuf sb;
      sb_init(&sb);
      sb_put(&sb, k, kl);
      sb_puts(&sb, ": ");
      val_to_adf_string(val_object_value_peek(h, i), &sb);
      add_line(&st->headers, &st->n_headers, sb_take(&sb));
    }
    return true;
  }
  if (val_kind(h) == VAL_ARRAY) { /* newer UI: [{name, value}] */
    for (size_t i = 0; i < val_array_len(h); i++) {
      const Value *e = val_array_peek(h, i);
      const Value *n =
          val_kind(e) == VAL_OBJECT ? val_object_peek_ci(e, "name", 4) : NULL;
      const Value *v = n ? val_object_peek_ci(e, "value", 5) : NULL;
      if (!n || val_kind(n) != VAL_STRING)
        return err_set(err, ERR_WEB_BAD_INPUT, NULL,
                       "headers[%zu]: expected {name, value}", i);
      StrBuf sb;
      sb_init(&sb);
      sb_printf(&sb, "%s: ", val_str(n));
      if (v)
        val_to_adf_string(v, &sb);
      add_line(&st->headers, &st->n_headers, sb_take(&sb));
    }
    return true;
  }
  return err_set(err, ERR_WEB_BAD_INPUT, NULL,
                 "The value type '%s', in key 'headers' is not expected type "
                 "'Object'",
                 val_kind_name(val_kind(h)));
}

static bool has_line(const WebState *st, const char *name)
{
  size_t n = strlen(name);
  for (size_t i = 0; i < st->n_headers; i++)
    if (strncasecmp(st->headers[i], name, n) == 0 && st->headers[i][n] == ':')
      return true;
  return false;
}

/* [{referenceName}] -> [{name, properties}] from the factory. */
/* Registers every SecureString value inside a definition (a linked
 * service's password, connection string...) as a secret: the payload
 * carries the definitions to the endpoint, but the report and logs that
 * record the request must not. */
static void secure_values(WebState *st, const Value *v)
{
  size_t i, n;
  if (val_kind(v) == VAL_ARRAY) {
    n = val_array_len(v);
    for (i = 0; i < n; i++)
      secure_values(st, val_array_peek(v, i));
    return;
  }
  if (val_kind(v) != VAL_OBJECT)
    return;
  const Value *t = val_object_peek_ci(v, "type", 4);
  const Value *x = val_object_peek_ci(v, "value", 5);
  if (t && val_kind(t) == VAL_STRING &&
      strcasecmp(val_str(t), "SecureString") == 0 && x &&
      val_kind(x) == VAL_STRING)
    add_secret(st, val_str(x));
  n = val_object_len(v);
  for (i = 0; i < n; i++)
    secure_values(st, val_object_value_peek(v, i));
}

static Value *payload_refs(WebState *st, const Value *refs, ResKind kind,
                           Err *err)
{
  Value *arr = val_array_new();
  const Factory *f = act_factory(st->run);
  for (size_t i = 0; i < val_array_len(refs); i++) {
    const Value *e = val_array_peek(refs, i);
    const Value *rn = val_kind(e) == VAL_OBJECT
                          ? val_object_peek_ci(e, "referenceName", 13)
                          : NULL;
    Resource *r = rn && val_kind(rn) == VAL_STRING && f
                      ? factory_resource(f, kind, val_str(rn))
                      : NULL;
    if (!r) {
      val_unref(arr);
      err_set(err, ERR_WEB_BAD_INPUT, NULL, "%s '%s' is not defined",
              res_kind_name(kind),
              rn && val_kind(rn) == VAL_STRING ? val_str(rn) : "?");
      return NULL;
    }
    Value *o = val_object_new();
    val_object_set_take(o, "name", 4, val_cstr(r->name));
    const Value *p = val_object_peek_ci(r->raw, "properties", 10);
    if (p)
      secure_values(st, p);
    val_object_set_take(o, "properties", 10, p ? val_ref(p) : val_object_new());
    val_array_push_take(arr, o);
  }
  return arr;
}

/* Builds the request body: a string is sent as its text, anything else
 * as compact JSON; datasets/linkedServices join an object body. */
static bool read_body(WebState *st, const Value *in, Err *err)
{
  const Value *b = val_object_peek_ci(in, "body", 4);
  const Value *ds = val_object_peek_ci(in, "datasets", 8);
  const Value *ls = val_object_peek_ci(in, "linkedServices", 14);
  bool refs = (ds && val_kind(ds) == VAL_ARRAY && val_array_len(ds) > 0) ||
              (ls && val_kind(ls) == VAL_ARRAY && val_array_len(ls) > 0);
  if (strcmp(st->method, "GET") == 0)
    return true; /* ADF does not send a body with GET */
  if (!b && !refs) {
    if (strcmp(st->method, "DELETE") == 0)
      return true;
    return err_set(err, ERR_WEB_BAD_INPUT, NULL,
                   "body is required for method '%s'", st->method);
  }
  /* A body that is there but null ("@null", the usual way to satisfy the
   * authoring UI for ARM POSTs such as .../resume) is sent as no body. */
  if ((!b || val_kind(b) == VAL_NULL) && !refs)
    return true;
  StrBuf sb;
  sb_init(&sb);
  if (refs) {
    Value *obj = NULL;
    if (b && val_kind(b) == VAL_OBJECT) {
      obj = val_copy(b);
    } else if (b && val_kind(b) == VAL_STRING) {
      Err jerr = ERR_INIT;
      Value *p = json_parse(val_str(b), val_strlen(b), NULL, &jerr);
      if (p && val_kind(p) == VAL_OBJECT)
        obj = val_copy(p);
      val_unref(p);
    }
    if (!obj)
      obj = val_object_new();
    if (ds && val_kind(ds) == VAL_ARRAY && val_array_len(ds) > 0) {
      Value *a = payload_refs(st, ds, RES_DATASET, err);
      if (!a) {
        val_unref(obj);
        sb_fini(&sb);
        return false;
      }
      val_object_set_take(obj, "datasets", 8, a);
    }
    if (ls && val_kind(ls) == VAL_ARRAY && val_array_len(ls) > 0) {
      Value *a = payload_refs(st, ls, RES_LINKED_SERVICE, err);
      if (!a) {
        val_unref(obj);
        sb_fini(&sb);
        return false;
      }
      val_object_set_take(obj, "linkedServices", 14, a);
    }
    val_to_json(obj, &sb);
    val_unref(obj);
  } else if (val_kind(b) == VAL_STRING) {
    sb_put(&sb, val_str(b), val_strlen(b));
  } else {
    val_to_json(b, &sb);
  }
  st->body_len = sb.len;
  st->body = sb_take(&sb);
  if (!has_line(st, "Content-Type"))
    add_line(&st->headers, &st->n_headers,
             xstrdup("Content-Type: application/json"));
  return true;
}

static bool read_inputs(WebState *st, Err *err)
{
  const Value *in = act_input(st->run);
  if (!in || val_kind(in) != VAL_OBJECT)
    return err_set(err, ERR_WEB_BAD_INPUT, NULL,
                   "typeProperties must be an object");
  const Value *m = val_object_peek_ci(in, "method", 6);
  if (!m || val_kind(m) != VAL_STRING)
    return err_set(err, ERR_WEB_BAD_INPUT, NULL,
                   "method is required (GET, POST, PUT, DELETE or PATCH)");
  static const char *const methods[] = {"GET", "POST", "PUT", "DELETE",
                                        "PATCH"};
  for (size_t i = 0; i < 5 && !st->method; i++)
    if (strcasecmp(val_str(m), methods[i]) == 0)
      st->method = xstrdup(methods[i]);
  if (!st->method)
    return err_set(err, ERR_WEB_BAD_INPUT, NULL,
                   "method '%s' is not supported (expected GET, POST, PUT, "
                   "DELETE or PATCH)",
                   val_str(m));
  const Value *u = val_object_peek_ci(in, "url", 3);
  if (!u || val_kind(u) != VAL_STRING || val_strlen(u) == 0)
    return err_set(err, ERR_WEB_BAD_INPUT, NULL,
                   "url is required and must be a string");
  st->url = xstrdup(val_str(u));
  if (strncasecmp(st->url, "http://", 7) != 0 &&
      strncasecmp(st->url, "https://", 8) != 0)
    return err_set(err, ERR_WEB_CONNECT, NULL,
                   "Error calling the endpoint '%s'. Response status code: "
                   "'NA - Unknown'. More details: Exception message: 'NA - "
                   "Unknown [ClientSideException] Invalid Url: %s. Please "
                   "verify Url or integration runtime is valid and retry.'",
                   st->url, st->url);
  if (!read_headers(st, val_object_peek_ci(in, "headers", 7), err))
    return false;
  st->timeout_ms = WEB_DEFAULT_TIMEOUT_MS;
  const Value *t = val_object_peek_ci(in, "httpRequestTimeout", 18);
  if (t && val_kind(t) == VAL_STRING) {
    st->timeout_ms = parse_timespan_ms(val_str(t));
    if (st->timeout_ms <= 0)
      return err_set(err, ERR_WEB_BAD_INPUT, NULL,
                     "httpRequestTimeout '%s' is not a timespan hh:mm:ss",
                     val_str(t));
  }
  st->insecure = truthy(val_object_peek_ci(in, "disableCertValidation", 21));
  st->turn_off_async = truthy(val_object_peek_ci(in, "turnOffAsync", 12));
  if (!read_body(st, in, err))
    return false;
  if (!auth_spec_parse(val_object_peek_ci(in, "authentication", 14),
                       act_factory(st->run), &st->auth, err))
    return false;
  add_secret(st, st->auth.password);
  if (st->auth.kind == AUTH_BASIC) {
    st->auth_line = auth_basic_header(&st->auth);
    add_secret(st, st->auth_line + strlen("Authorization: Basic "));
  }
  return true;
}

/* ---- Output -----------------------------------------------------------------
 */

static Value *build_output(WebState *st, const HttpResponse *r)
{
  Value *out = val_object_new();
  Value *doc = NULL;
  if (r->body_len > 0) {
    Err jerr = ERR_INIT;
    doc = json_parse(r->body, r->body_len, NULL, &jerr);
  }
  if (doc && val_kind(doc) == VAL_OBJECT) {
    for (size_t i = 0; i < val_object_len(doc); i++) {
      size_t kl;
      const char *k = val_object_key_peek(doc, i, &kl);
      val_object_set_take(out, k, kl, val_ref(val_object_value_peek(doc, i)));
    }
  } else {
    /* Empty, non-JSON, or a JSON array/scalar: the text as "Response". */
    val_object_set_take(out, "Response", 8,
                        val_string(r->body ? r->body : "", r->body_len));
  }
  val_unref(doc);
  val_object_set_take(out, "ADFWebActivityResponseHeaders", 29,
                      r->headers ? val_ref(r->headers) : val_object_new());
  const Value *via = val_object_peek_ci(act_input(st->run), "connectVia", 10);
  const Value *irn = via && val_kind(via) == VAL_OBJECT
                         ? val_object_peek_ci(via, "referenceName", 13)
                         : NULL;
  StrBuf sb;
  sb_init(&sb);
  sb_printf(&sb, "%s (Local)",
            irn && val_kind(irn) == VAL_STRING
                ? val_str(irn)
                : "AutoResolveIntegrationRuntime");
  val_object_set_take(out, "effectiveIntegrationRuntime", 27,
                      val_string_from_sb(&sb));
  sb_fini(&sb);
  int64_t secs = (act_now(st->run) - st->started) / TICKS_PER_SECOND;
  val_object_set_take(out, "executionDuration", 17, val_int(secs));
  Value *q = val_object_new();
  val_object_set_take(q, "integrationRuntimeQueue", 23, val_int(0));
  val_object_set_take(out, "durationInQueue", 15, q);
  /* ADF bills external activities per started minute, in hours. */
  Value *bd = val_object_new();
  val_object_set_take(bd, "meterType", 9, val_cstr("AzureIR"));
  val_object_set_take(
      bd, "duration", 8,
      val_float((double)((secs + 59) / 60 + (secs == 0)) / 60.0));
  val_object_set_take(bd, "unit", 4, val_cstr("Hours"));
  Value *arr = val_array_new();
  val_array_push_take(arr, bd);
  Value *bill = val_object_new();
  val_object_set_take(bill, "activityType", 12, val_cstr("ExternalActivity"));
  val_object_set_take(bill, "billableDuration", 16, arr);
  val_object_set_take(out, "billingReference", 16, bill);
  return out;
}

/* ---- The state machine
 * ------------------------------------------------------- */

static ActStep send_call(WebState *st, const char *url, bool is_poll, Err *err)
{
  char **lines = NULL;
  size_t n = 0;
  for (size_t i = 0; i < st->n_headers; i++)
    if (!is_poll || strncasecmp(st->headers[i], "Content-Type:", 13) != 0)
      add_line(&lines, &n, st->headers[i]);
  if (st->auth_line)
    add_line(&lines, &n, st->auth_line);
  ExStart rc = exchange_start(st, is_poll ? "GET" : st->method, url, lines, n,
                              is_poll ? NULL : st->body,
                              is_poll ? 0 : st->body_len, false, err);
  free(lines);
  if (rc != EX_STARTED)
    return ACT_DONE;
  st->phase = is_poll ? PH_POLL : PH_CALL;
  return ACT_PENDING;
}

static void set_bearer(WebState *st, const char *token)
{
  add_secret(st, token);
  free(st->auth_line);
  StrBuf sb;
  sb_init(&sb);
  sb_printf(&sb, "Authorization: Bearer %s", token);
  st->auth_line = sb_take(&sb);
}

/* Starts token source st->src_i (or the next usable one).  Returns
 * ACT_PENDING while a request is in flight; when a token is at hand the
 * main call is sent instead. */
static ActStep next_token_source(WebState *st, Err *err)
{
  for (; st->src_i < st->n_src; st->src_i++) {
    TokenSource *s = &st->src[st->src_i];
    if (s->kind == TOKSRC_AZURE_CLI) {
      if (st->mocks && !st->net_ok)
        continue;
      Err cerr = ERR_INIT;
      int64_t exp = 0;
      char *tok =
          auth_token_from_cli(st->auth.resource, unix_now(), &exp, &cerr);
      if (tok) {
        token_cache_put(engine_tokens(st->run), st->cache_key, tok, exp);
        set_bearer(st, tok);
        free(tok);
        return send_call(st, st->url, false, err);
      }
      sb_printf(&st->tried, "; %s: %s", auth_source_name(s->kind), cerr.msg);
      continue;
    }
    for (size_t i = 0; i < s->n_headers; i++) {
      const char *colon = strchr(s->headers[i], ':');
      if (colon && strncasecmp(s->headers[i], "X-IDENTITY-HEADER", 17) == 0)
        add_secret(st, colon + 2);
    }
    ExStart rc =
        exchange_start(st, s->method, s->url, s->headers, s->n_headers, s->body,
                       s->body ? strlen(s->body) : 0, true, err);
    if (rc == EX_STARTED) {
      st->phase = PH_TOKEN;
      return ACT_PENDING;
    }
    if (rc == EX_NO_MOCK) {
      /* Mock mode without a token mock: a fixed fake token. */
      static bool told; /* once per process: every call would repeat it */
      st->mock_token = true;
      if (!told)
        act_log(st->run,
                "no HTTP mock for the %s token request: using the "
                "fixed mock token (no real credential used; every request "
                "record says so)",
                auth_kind_name(st->auth.kind));
      told = true;
      free(st->auth_line);
      st->auth_line = xstrdup("Authorization: Bearer " AUTH_MOCK_TOKEN);
      return send_call(st, st->url, false, err);
    }
    return ACT_DONE;
  }
  err_set(err, ERR_WEB_AUTH, NULL,
          "could not get a %s token for resource '%s'; tried%s",
          auth_kind_name(st->auth.kind),
          st->auth.resource ? st->auth.resource : "",
          st->tried.len ? st->tried.s : " nothing");
  return ACT_DONE;
}

static ActStep on_token(WebState *st, HttpResponse *r, Err *err)
{
  TokenSource *s = &st->src[st->src_i];
  Err terr = ERR_INIT;
  char *tok = NULL;
  int64_t exp = 0;
  if (r->result != HTTP_OK)
    err_set(&terr, ERR_WEB_AUTH, NULL, "%s",
            r->error ? r->error : http_result_name(r->result));
  else if (r->status < 200 || r->status > 299)
    err_set(&terr, ERR_WEB_AUTH, NULL, "HTTP status %ld", r->status);
  else
    tok = auth_token_parse(r->body, r->body_len, unix_now(), &exp, &terr);
  exchange_fini(&st->ex);
  if (tok) {
    token_cache_put(engine_tokens(st->run), st->cache_key, tok, exp);
    set_bearer(st, tok);
    free(tok);
    return send_call(st, st->url, false, err);
  }
  sb_printf(&st->tried, "; %s (%s): %s", auth_source_name(s->kind), s->url,
            terr.msg);
  st->src_i++;
  return next_token_source(st, err);
}

/* Resolves a Location header against the request URL. */
static char *resolve_location(const char *base, const char *loc)
{
  if (strstr(loc, "://"))
    return xstrdup(loc);
  const char *p = strstr(base, "://");
  const char *host_end = p ? strchr(p + 3, '/') : NULL;
  size_t hl = host_end ? (size_t)(host_end - base) : strlen(base);
  StrBuf sb;
  sb_init(&sb);
  sb_put(&sb, base, hl);
  if (loc[0] != '/')
    sb_putc(&sb, '/');
  sb_puts(&sb, loc);
  return sb_take(&sb);
}

static ActStep on_response(WebState *st, HttpResponse *r, Err *err)
{
  const char *url = st->phase == PH_POLL ? st->poll_url : st->url;
  if (r->result == HTTP_ERR_TOO_LARGE || r->body_len > WEB_MAX_OUTPUT) {
    err_set(err, ERR_WEB_OUTPUT_TOO_LARGE, NULL,
            "The length of execution output is over limit (around 4MB "
            "currently).");
    return ACT_DONE;
  }
  if (r->result == HTTP_ERR_TIMEOUT) {
    err_set_redacted(
        st, err, ERR_WEB_TIMEOUT,
        "Error calling the endpoint '%s'. Response status code: 'NA - "
        "Unknown'. More details: Exception message: 'the endpoint did "
        "not respond within httpRequestTimeout (%ld s)'",
        url, st->timeout_ms / 1000);
    return ACT_DONE;
  }
  if (r->result != HTTP_OK) {
    err_set_redacted(
        st, err, ERR_WEB_CONNECT,
        "Error calling the endpoint '%s'. Response status code: 'NA - "
        "Unknown'. More details: Exception message: '%s: %s'",
        url, http_result_name(r->result), r->error ? r->error : "");
    return ACT_DONE;
  }
  const char *loc = http_response_header(r, "Location");
  if (r->status == 202 && !st->turn_off_async && loc && *loc) {
    const char *ra = http_response_header(r, "Retry-After");
    int64_t wait_s = ra ? strtoll(ra, NULL, 10) : WEB_DEFAULT_POLL_S;
    if (wait_s < 0)
      wait_s = 0;
    int64_t when = act_now(st->run) + wait_s * TICKS_PER_SECOND;
    if (when >= act_deadline(st->run)) {
      err_set_redacted(st, err, ERR_WEB_TIMEOUT,
                       "Error calling the endpoint '%s'. Response status "
                       "code: '202'. More details: Exception message: 'the "
                       "operation was still running (202 Accepted) when the "
                       "activity timeout was reached'",
                       url);
      return ACT_DONE;
    }
    /* 'url' may be st->poll_url itself: resolve before freeing it */
    char *next = resolve_location(url, loc);
    free(st->poll_url);
    st->poll_url = next;
    exchange_fini(&st->ex);
    st->phase = PH_POLL_WAIT;
    st->poll_at = when;
    act_wake_at(st->run, when);
    return ACT_PENDING;
  }
  Value *out = build_output(st, r);
  if (r->status < 200 || r->status > 299) {
    /* ADF-SPEC 3.3 / Microsoft's troubleshooting guide (2108): "Error
     * calling the endpoint '<url>'. Response status code: '<code>'"; the
     * response body follows (cut at WEB_ERROR_BODY bytes). */
    if (r->body_len > 0)
      err_set_redacted(
          st, err, ERR_WEB_HTTP_STATUS,
          "Error calling the endpoint '%s'. Response status "
          "code: '%ld'. More details: %.*s%s",
          url, r->status,
          (int)(r->body_len > WEB_ERROR_BODY ? WEB_ERROR_BODY : r->body_len),
          r->body, r->body_len > WEB_ERROR_BODY ? "..." : "");
    else
      err_set_redacted(st, err, ERR_WEB_HTTP_STATUS,
                       "Error calling the endpoint '%s'. Response status "
                       "code: '%ld'",
                       url, r->status);
    act_set_error_output_take(st->run, out);
    return ACT_DONE;
  }
  act_set_output_take(st->run, out);
  return ACT_DONE;
}

static ActStep web_step(ActRun *run, Err *err)
{
  WebState *st = act_state(run);
  if (st->phase == PH_POLL_WAIT) {
    if (act_now(run) < act_deadline(run) && act_now(run) >= st->poll_at)
      return send_call(st, st->poll_url, true, err);
    return ACT_PENDING;
  }
  HttpResponse *r = exchange_poll(st);
  if (!r)
    return ACT_PENDING;
  if (st->phase == PH_TOKEN)
    return on_token(st, r, err);
  return on_response(st, r, err);
}

static ActStep web_start(ActRun *run, Err *err)
{
  WebState *st = xcalloc(1, sizeof *st);
  st->run = run;
  sb_init(&st->tried);
  act_set_state(run, st);
  st->started = act_now(run);
  if (!read_inputs(st, err))
    return ACT_DONE;
  st->mocks = http_engine_mocks(run, err);
  if (err_is_set(err))
    return ACT_DONE;
  st->rw = http_engine_rewrites(run, err);
  if (err_is_set(err))
    return ACT_DONE;
  st->net_ok = act_network_allowed(run);
  if (!auth_needs_token(&st->auth))
    return send_call(st, st->url, false, err);
  st->cache_key = auth_cache_key(&st->auth);
  const char *cached =
      token_cache_get(engine_tokens(run), st->cache_key, unix_now());
  if (cached) {
    set_bearer(st, cached);
    return send_call(st, st->url, false, err);
  }
  st->n_src = auth_sources(&st->auth, &st->src, err);
  if (err_is_set(err))
    return ACT_DONE;
  add_secret(st, getenv("AZURE_CLIENT_SECRET"));
  add_secret(st, getenv("IDENTITY_HEADER"));
  return next_token_source(st, err);
}

static void web_cancel(ActRun *run)
{
  WebState *st = act_state(run);
  if (st)
    exchange_fini(&st->ex);
}

static void web_cleanup(ActRun *run)
{
  WebState *st = act_state(run);
  if (!st)
    return;
  exchange_fini(&st->ex);
  free(st->method);
  free(st->url);
  free(st->body);
  for (size_t i = 0; i < st->n_headers; i++)
    free(st->headers[i]);
  free(st->headers);
  free(st->auth_line);
  auth_spec_fini(&st->auth);
  auth_sources_free(st->src, st->n_src);
  sb_fini(&st->tried);
  free(st->cache_key);
  free(st->poll_url);
  free(st);
  act_set_state(run, NULL);
}

static bool web_validate(const ActivityDef *def, Err *err)
{
  const Value *tp = def->type_props;
  if (!tp || !val_object_peek_ci(tp, "url", 3))
    return err_set(err, ERR_DEF_STRUCTURE, NULL,
                   "typeProperties.url is required for WebActivity");
  if (!val_object_peek_ci(tp, "method", 6))
    return err_set(err, ERR_DEF_STRUCTURE, NULL,
                   "typeProperties.method is required for WebActivity");
  return true;
}

const ActivityType act_web_type = {"WebActivity", web_validate, web_start,
                                   web_step,      web_cancel,   web_cleanup};
