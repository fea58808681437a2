/*
 * tests/unit/test_web.c -- HTTP transport, mocks, rewrites and auth
 *                          against real servers on 127.0.0.1
 *
 * Layer tests: activities/http.c over a local tests/support/httpd server
 * (redirects, timeouts, size cap, TLS), web_mock.c sequences and
 * patterns, --rewrite rules, auth.c specs, sources and token answers
 * fetched from a local managed-identity endpoint.  Whole-activity tests
 * (the 202 pattern, outputs, errors, redaction) run the adfrun binary in
 * tests/unit/test_web_run.c.  No test asserts times.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "activities/auth.h"
#include "activities/http.h"
#include "expr/json.h"
#include "expr/strbuf.h"
#include "tests/check.h"
#include "tests/support/httpd.h"

/* ---- The scripted server ------------------------------------------------- */

typedef struct Script {
  int polls; /* /async: 202s before the final answer */
  char last_auth[256];
  char last_body[256];
  char last_target[512];
} Script;

static void handler(void *ud, const HttpdRequest *req, HttpdReply *rep)
{
  Script *s = ud;
  snprintf(s->last_target, sizeof s->last_target, "%s", req->target);
  snprintf(s->last_body, sizeof s->last_body, "%s", req->body);
  if (!httpd_header(req, "Authorization", s->last_auth, sizeof s->last_auth))
    s->last_auth[0] = '\0';
  const char *t = req->target;
  if (strncmp(t, "/json", 5) == 0) {
    httpd_add_header(rep, "X-Trace", "abc");
    httpd_reply(rep, 200, "application/json", "{\"a\":1,\"b\":[true]}");
  } else if (strncmp(t, "/echo", 5) == 0) {
    char ct[128] = "";
    httpd_header(req, "Content-Type", ct, sizeof ct);
    httpd_add_header(rep, "X-Content-Type", ct);
    httpd_add_header(rep, "X-Method", req->method);
    httpd_reply(rep, 200, "text/plain", req->body);
  } else if (strncmp(t, "/redirect", 9) == 0) {
    httpd_add_header(rep, "Location", "/json");
    httpd_reply(rep, 302, NULL, "");
  } else if (strncmp(t, "/slow", 5) == 0) {
    rep->delay_ms = 1500;
    httpd_reply(rep, 200, "text/plain", "late");
  } else if (strncmp(t, "/big", 4) == 0) {
    size_t n = 5u * 1024u * 1024u;
    char *b = malloc(n);
    memset(b, 'x', n);
    httpd_set_body(rep, b, n);
    free(b);
  } else if (strncmp(t, "/msi", 4) == 0) {
    char hdr[64] = "";
    httpd_header(req, "X-IDENTITY-HEADER", hdr, sizeof hdr);
    if (strcmp(hdr, "id-header-secret") != 0 ||
        !strstr(t, "api-version=2019-08-01") ||
        !strstr(t, "resource=https%3A%2F%2Fmanagement.azure.com")) {
      httpd_reply(rep, 400, "application/json", "{\"error\":\"bad\"}");
      return;
    }
    httpd_reply(rep, 200, "application/json",
                "{\"access_token\":\"tok-SECRET-123\",\"expires_on\":"
                "\"4102444800\",\"resource\":\"https://management.azure.com\","
                "\"token_type\":\"Bearer\"}");
  } else if (strncmp(t, "/tenant1/oauth2/v2.0/token", 26) == 0) {
    if (!strstr(req->body, "client_secret=sp%2Fsecret%3D") ||
        !strstr(req->body, "scope=https%3A%2F%2Fvault.azure.net%2F.default")) {
      httpd_reply(rep, 401, "application/json", "{\"error\":\"invalid\"}");
      return;
    }
    httpd_reply(rep, 200, "application/json",
                "{\"access_token\":\"sp-token-xyz\",\"expires_in\":3599,"
                "\"token_type\":\"Bearer\"}");
  } else {
    httpd_reply(rep, 404, "text/plain", "not here");
  }
}

/* ---- Transport ------------------------------------------------------------
 */

static void test_transport(Httpd *h, Script *s)
{
  HttpClient *c = http_client_new();
  char url[256];
  HttpResponse r;

  snprintf(url, sizeof url, "%s/json", httpd_url(h));
  HttpRequest get = {.method = "GET", .url = url, .timeout_ms = 5000};
  CHECK(http_perform(c, &get, &r), "GET /json: %s", r.error);
  CHECK(r.status == 200, "status %ld", r.status);
  CHECK(r.body_len == 18 && strcmp(r.body, "{\"a\":1,\"b\":[true]}") == 0,
        "body %s", r.body);
  const char *tr = http_response_header(&r, "x-trace");
  CHECK(tr && strcmp(tr, "abc") == 0, "header captured: %s", tr);
  http_response_fini(&r);

  /* POST sends the body as given, with the given Content-Type. */
  snprintf(url, sizeof url, "%s/echo", httpd_url(h));
  const char *hdrs[] = {"Content-Type: application/json", "X-A: 1"};
  HttpRequest post = {.method = "POST",
                      .url = url,
                      .headers = hdrs,
                      .n_headers = 2,
                      .body = "\"\"",
                      .body_len = 2,
                      .timeout_ms = 5000};
  CHECK(http_perform(c, &post, &r), "POST: %s", r.error);
  CHECK(strcmp(r.body, "\"\"") == 0, "echo body %s", r.body);
  const char *ct = http_response_header(&r, "X-Content-Type");
  CHECK(ct && strcmp(ct, "application/json") == 0, "content type %s", ct);
  http_response_fini(&r);

  /* PATCH and DELETE use their own verbs. */
  HttpRequest patch = {.method = "PATCH",
                       .url = url,
                       .body = "{}",
                       .body_len = 2,
                       .timeout_ms = 5000};
  CHECK(http_perform(c, &patch, &r), "PATCH");
  const char *m = http_response_header(&r, "X-Method");
  CHECK(m && strcmp(m, "PATCH") == 0, "method %s", m);
  http_response_fini(&r);
  HttpRequest del = {.method = "DELETE", .url = url, .timeout_ms = 5000};
  CHECK(http_perform(c, &del, &r), "DELETE");
  m = http_response_header(&r, "X-Method");
  CHECK(m && strcmp(m, "DELETE") == 0, "method %s", m);
  http_response_fini(&r);

  /* Redirects are followed; headers describe the final response. */
  snprintf(url, sizeof url, "%s/redirect", httpd_url(h));
  HttpRequest red = {.method = "GET", .url = url, .timeout_ms = 5000};
  CHECK(http_perform(c, &red, &r), "redirect");
  CHECK(r.status == 200 && strstr(r.final_url, "/json"), "followed: %ld %s",
        r.status, r.final_url);
  CHECK(http_response_header(&r, "X-Trace") != NULL, "final headers");
  CHECK(http_response_header(&r, "Location") == NULL, "no 302 headers");
  http_response_fini(&r);
  red.no_redirects = true;
  CHECK(http_perform(c, &red, &r) && r.status == 302, "no follow: %ld",
        r.status);
  http_response_fini(&r);

  /* Timeouts per request. */
  snprintf(url, sizeof url, "%s/slow", httpd_url(h));
  HttpRequest slow = {.method = "GET", .url = url, .timeout_ms = 200};
  CHECK(!http_perform(c, &slow, &r) && r.result == HTTP_ERR_TIMEOUT,
        "timeout: %d %s", r.result, r.error);
  http_response_fini(&r);

  /* Size cap. */
  snprintf(url, sizeof url, "%s/big", httpd_url(h));
  HttpRequest big = {.method = "GET",
                     .url = url,
                     .timeout_ms = 10000,
                     .max_body = 4u * 1024u * 1024u};
  CHECK(!http_perform(c, &big, &r) && r.result == HTTP_ERR_TOO_LARGE, "cap: %d",
        r.result);
  http_response_fini(&r);

  /* Many requests in flight at once on one client. */
  snprintf(url, sizeof url, "%s/json", httpd_url(h));
  HttpCall *calls[8];
  for (int i = 0; i < 8; i++)
    calls[i] = http_call_start(c, &get, NULL, NULL);
  CHECK(http_client_busy(c), "busy while in flight");
  /* Bounded by time, not by rounds: a round may return at once when
   * libcurl asks to be driven again. */
  time_t until = time(NULL) + 20;
  while (http_client_busy(c) && time(NULL) < until)
    http_client_wait(c, 100);
  int ok = 0;
  for (int i = 0; i < 8; i++) {
    ok +=
        http_call_done(calls[i]) && http_call_response(calls[i])->status == 200;
    http_call_free(calls[i]);
  }
  CHECK(ok == 8, "parallel: %d of 8", ok);

  /* A call freed while in flight is aborted cleanly. */
  snprintf(url, sizeof url, "%s/slow", httpd_url(h));
  HttpRequest slow2 = {.method = "GET", .url = url, .timeout_ms = 5000};
  HttpCall *ab = http_call_start(c, &slow2, NULL, NULL);
  http_client_wait(c, 10);
  http_call_free(ab);
  CHECK(!http_client_busy(c), "aborted call leaves the client idle");

  /* Bad URLs and refused connections. */
  HttpRequest bad = {
      .method = "GET", .url = "ftp://127.0.0.1/x", .timeout_ms = 1000};
  CHECK(!http_perform(c, &bad, &r) && r.result == HTTP_ERR_BAD_URL,
        "bad url: %d", r.result);
  http_response_fini(&r);
  (void)s;
  http_client_free(c);
}

static void tls_handler(void *ud, const HttpdRequest *req, HttpdReply *rep)
{
  (void)ud;
  (void)req;
  httpd_reply(rep, 200, "application/json", "{\"secure\":true}");
}

static void test_tls(void)
{
  Httpd *h = httpd_start(tls_handler, NULL, true);
  if (!h) {
    puts("skipped: TLS tests (no openssl CLI or certificate)");
    return;
  }
  HttpClient *c = http_client_new();
  char url[256];
  snprintf(url, sizeof url, "%s/x", httpd_url(h));
  HttpResponse r;
  HttpRequest req = {.method = "GET", .url = url, .timeout_ms = 5000};
  CHECK(!http_perform(c, &req, &r) && r.result == HTTP_ERR_TLS,
        "self-signed refused by default: %d %s", r.result, r.error);
  http_response_fini(&r);
  req.insecure = true;
  CHECK(http_perform(c, &req, &r) && r.status == 200, "insecure: %d %s",
        r.result, r.error);
  CHECK(r.body && strstr(r.body, "secure"), "TLS body");
  http_response_fini(&r);
  http_client_free(c);
  httpd_stop(h);
}

/* ---- Mocks and rewrites -----------------------------------------------------
 */

static Value *parse(const char *json)
{
  Err err = ERR_INIT;
  Value *v = json_parse(json, strlen(json), NULL, &err);
  if (!v)
    fprintf(stderr, "bad test JSON: %s\n", err.msg);
  return v;
}

static void test_mocks(void)
{
  Value *doc = parse(
      "{\"http\":["
      "{\"request\":{\"method\":\"get\",\"url\":\"^https://m\\\\.x/cg\\\\?\","
      "\"headers\":{\"Authorization\":\"^Bearer \"}},"
      "\"responses\":[{\"status\":202,\"headers\":{\"Location\":\"http://l\","
      "\"Retry-After\":5},\"delay\":0.2},{\"times\":2,\"body\":{\"s\":\"R\"}},"
      "{\"status\":500,\"body\":\"boom\"}]},"
      "{\"request\":{\"method\":\"POST\",\"body\":\"hello\"},"
      "\"reply\":{\"status\":201}}]}");
  Err err = ERR_INIT;
  HttpMocks *m = http_mocks_new(doc, &err);
  CHECK(m && http_mocks_count(m) == 2, "compiled: %s", err.msg);
  const char *auth[] = {"Authorization: Bearer t"};
  HttpRequest req = {.method = "GET",
                     .url = "https://m.x/cg?api=1",
                     .headers = auth,
                     .n_headers = 1};
  HttpResponse r;
  double delay = -1;
  long want[] = {202, 200, 200, 500, 500};
  for (int i = 0; i < 5; i++) {
    bool hit = http_mocks_match(m, &req, &r, &delay);
    CHECK(hit && r.status == want[i], "call %d: %ld", i, r.status);
    if (i == 0) {
      CHECK(delay > 0.19 && delay < 0.21, "delay %g", delay);
      const char *ra = http_response_header(&r, "retry-after");
      CHECK(ra && strcmp(ra, "5") == 0, "header number as text: %s", ra);
    }
    if (i == 1)
      CHECK(strcmp(r.body, "{\"s\":\"R\"}") == 0, "JSON body: %s", r.body);
    if (i == 3)
      CHECK(strcmp(r.body, "boom") == 0, "string body: %s", r.body);
    http_response_fini(&r);
  }
  HttpRequest noauth = {.method = "GET", .url = "https://m.x/cg?api=1"};
  CHECK(!http_mocks_match(m, &noauth, &r, &delay), "header pattern");
  HttpRequest post = {.method = "post",
                      .url = "http://any",
                      .body = "say hello",
                      .body_len = 9};
  CHECK(http_mocks_match(m, &post, &r, &delay) && r.status == 201,
        "reply shorthand + body pattern");
  http_response_fini(&r);
  post.body = "bye";
  post.body_len = 3;
  CHECK(!http_mocks_match(m, &post, &r, &delay), "body mismatch");
  http_mocks_free(m);
  val_unref(doc);

  Value *bad = parse("{\"http\":[{\"request\":{\"url\":\"(\"},\"reply\":{}}]}");
  err_clear(&err);
  CHECK(!http_mocks_new(bad, &err) && err.code == ERR_MOCK_SYNTAX &&
            strstr(err.msg, "http[0]"),
        "bad regex: %s", err.msg);
  val_unref(bad);
  Value *none = parse("{\"activities\":{}}");
  m = http_mocks_new(none, &err);
  CHECK(m && http_mocks_count(m) == 0, "no http section");
  http_mocks_free(m);
  val_unref(none);
}

static void test_rewrites(void)
{
  const char *rules[] = {
      "^https://management\\.azure\\.com/(.*)=http://127.0.0.1:8080/$1",
      "^https://www\\.google\\.com/?(.*)=http://127.0.0.1:9/home/$1",
      "a\\=b=c"};
  Err err = ERR_INIT;
  HttpRewrites *rw = http_rewrites_new(rules, 3, &err);
  CHECK(rw != NULL, "rewrites: %s", err.msg);
  char *u =
      http_rewrite(rw, "https://management.azure.com/sub/x?api-version=1");
  CHECK(strcmp(u, "http://127.0.0.1:8080/sub/x?api-version=1") == 0, "%s", u);
  free(u);
  u = http_rewrite(rw, "https://www.google.com");
  CHECK(strcmp(u, "http://127.0.0.1:9/home/") == 0, "%s", u);
  free(u);
  u = http_rewrite(rw, "http://x/a=b");
  CHECK(strcmp(u, "http://x/c") == 0, "escaped '=': %s", u);
  free(u);
  u = http_rewrite(rw, "http://other/");
  CHECK(strcmp(u, "http://other/") == 0, "unchanged: %s", u);
  free(u);
  http_rewrites_free(rw);
  const char *bad[] = {"noequals"};
  CHECK(!http_rewrites_new(bad, 1, &err), "missing '='");
}

/* ---- Authentication ---------------------------------------------------------
 */

static void test_auth_specs(void)
{
  AuthSpec s;
  Err err = ERR_INIT;
  Value *a = parse("{\"type\":\"Basic\",\"username\":\"u\",\"password\":"
                   "{\"type\":\"SecureString\",\"value\":\"p@ss\"}}");
  CHECK(auth_spec_parse(a, NULL, &s, &err) && s.kind == AUTH_BASIC, "basic");
  char *line = auth_basic_header(&s);
  CHECK(strcmp(line, "Authorization: Basic dTpwQHNz") == 0, "%s", line);
  free(line);
  auth_spec_fini(&s);
  val_unref(a);

  a = parse("{\"type\":\"ServicePrincipal\",\"tenant\":\"t\","
            "\"servicePrincipalId\":\"id\",\"servicePrincipalKey\":{\"type\":"
            "\"SecureString\",\"value\":\"k\"},\"resource\":\"https://r\"}");
  CHECK(auth_spec_parse(a, NULL, &s, &err) && s.kind == AUTH_SP_SECRET &&
            strcmp(s.password, "k") == 0 && strcmp(s.username, "id") == 0,
        "SP doc form: %s", err.msg);
  auth_spec_fini(&s);
  val_unref(a);
  a = parse(
      "{\"type\":\"ServicePrincipal\",\"userTenant\":\"t\","
      "\"username\":\"id\",\"password\":\"k\",\"resource\":\"https://r\"}");
  CHECK(auth_spec_parse(a, NULL, &s, &err) && s.kind == AUTH_SP_SECRET &&
            strcmp(s.tenant, "t") == 0,
        "SP swagger form: %s", err.msg);
  auth_spec_fini(&s);
  val_unref(a);
  a = parse("{\"type\":\"ServicePrincipal\",\"userTenant\":\"t\","
            "\"username\":\"id\",\"pfx\":\"AAEC\",\"resource\":\"https://r\"}");
  CHECK(auth_spec_parse(a, NULL, &s, &err) && s.kind == AUTH_SP_CERT,
        "SP cert: %s", err.msg);
  TokenSource *src;
  CHECK(auth_sources(&s, &src, &err) == 0 && err.code == ERR_WEB_AUTH,
        "SP cert refused clearly");
  err_clear(&err);
  auth_spec_fini(&s);
  val_unref(a);

  a = parse(
      "{\"type\":\"ClientCertificate\",\"pfx\":\"%%%\",\"password\":\"x\"}");
  CHECK(!auth_spec_parse(a, NULL, &s, &err) && err.code == ERR_WEB_BAD_PFX,
        "bad pfx -> 2113: %s", err.msg);
  CHECK(strcmp(err_adf_code(&err), "2113") == 0, "code %s", err_adf_code(&err));
  err_clear(&err);
  val_unref(a);
  a = parse("{\"type\":\"ClientCertificate\",\"pfx\":\"MIIB\"}");
  CHECK(auth_spec_parse(a, NULL, &s, &err) && s.kind == AUTH_CLIENT_CERT &&
            s.pfx_len == 3,
        "pfx decoded");
  auth_spec_fini(&s);
  val_unref(a);

  a = parse("{\"type\":\"MSI\"}");
  CHECK(!auth_spec_parse(a, NULL, &s, &err) && strstr(err.msg, "resource"),
        "MSI needs resource");
  err_clear(&err);
  val_unref(a);
  a = parse("{\"type\":\"Kerberos\"}");
  CHECK(!auth_spec_parse(a, NULL, &s, &err) && err.code == ERR_WEB_AUTH,
        "unknown type");
  err_clear(&err);
  val_unref(a);
  a = parse(
      "{\"type\":\"UserAssignedManagedIdentity\",\"resource\":\"https://r\","
      "\"credential\":{\"referenceName\":\"c1\",\"type\":"
      "\"CredentialReference\"}}");
  CHECK(!auth_spec_parse(a, NULL, &s, &err) && strstr(err.msg, "'c1'"),
        "UAMI credential must exist: %s", err.msg);
  err_clear(&err);
  val_unref(a);

  int64_t exp = 0;
  char *tok = auth_token_parse("{\"accessToken\":\"A\",\"expires_on\":1700}",
                               37, 100, &exp, &err);
  CHECK(tok && strcmp(tok, "A") == 0 && exp == 1700, "CLI shape");
  free(tok);
  tok = auth_token_parse("{\"access_token\":\"B\",\"expires_in\":\"60\"}", 38,
                         100, &exp, &err);
  CHECK(tok && exp == 160, "expires_in as string: %lld", (long long)exp);
  free(tok);
  CHECK(!auth_token_parse("[]", 2, 0, &exp, &err), "not an object");
  err_clear(&err);

  TokenCache *tc = token_cache_new();
  token_cache_put(tc, "k", "T", 1000);
  CHECK(token_cache_get(tc, "k", 600) != NULL, "fresh");
  CHECK(token_cache_get(tc, "k", 800) == NULL, "refreshed before expiry");
  token_cache_free(tc);
}

static void test_auth_sources(Httpd *h)
{
  char ep[256], host[256];
  snprintf(ep, sizeof ep, "%s/msi", httpd_url(h));
  snprintf(host, sizeof host, "%s", httpd_url(h));
  setenv("PATH", "/nonexistent", 1); /* no az */
  unsetenv("AZURE_TENANT_ID");
  unsetenv("AZURE_CLIENT_ID");
  unsetenv("AZURE_CLIENT_SECRET");
  setenv("IDENTITY_ENDPOINT", ep, 1);
  setenv("IDENTITY_HEADER", "id-header-secret", 1);
  setenv("AZURE_POD_IDENTITY_AUTHORITY_HOST", "http://127.0.0.1:9", 1);

  AuthSpec s;
  Err err = ERR_INIT;
  Value *a =
      parse("{\"type\":\"MSI\",\"resource\":\"https://management.azure.com\"}");
  CHECK(auth_spec_parse(a, NULL, &s, &err), "MSI spec");
  TokenSource *src;
  size_t n = auth_sources(&s, &src, &err);
  CHECK(n == 2 && src[0].kind == TOKSRC_APP_SERVICE &&
            src[1].kind == TOKSRC_IMDS,
        "App Service then IMDS: %zu", n);
  CHECK(n == 2 && strncmp(src[1].url, "http://127.0.0.1:9/metadata/", 28) == 0,
        "IMDS host overridable: %s", n == 2 ? src[1].url : "");
  HttpClient *c = http_client_new();
  HttpRequest req = {.method = src[0].method,
                     .url = src[0].url,
                     .headers = (const char *const *)src[0].headers,
                     .n_headers = src[0].n_headers,
                     .timeout_ms = 5000};
  HttpResponse r;
  CHECK(http_perform(c, &req, &r) && r.status == 200, "MSI endpoint: %ld",
        r.status);
  int64_t exp = 0;
  char *tok = auth_token_parse(r.body, r.body_len, 0, &exp, &err);
  CHECK(tok && strcmp(tok, "tok-SECRET-123") == 0 && exp == 4102444800LL,
        "App Service token");
  free(tok);
  http_response_fini(&r);
  auth_sources_free(src, n);

  /* Environment service principal joins the chain. */
  setenv("AZURE_TENANT_ID", "tenant1", 1);
  setenv("AZURE_CLIENT_ID", "cid", 1);
  setenv("AZURE_CLIENT_SECRET", "sp/secret=", 1);
  setenv("AZURE_AUTHORITY_HOST", host, 1);
  auth_spec_fini(&s);
  val_unref(a);
  a = parse("{\"type\":\"MSI\",\"resource\":\"https://vault.azure.net\"}");
  auth_spec_parse(a, NULL, &s, &err);
  n = auth_sources(&s, &src, &err);
  CHECK(n == 3 && src[1].kind == TOKSRC_ENV_SECRET, "env secret second");
  if (n == 3) {
    const char *ct[] = {src[1].headers[0]};
    HttpRequest post = {.method = src[1].method,
                        .url = src[1].url,
                        .headers = ct,
                        .n_headers = 1,
                        .body = src[1].body,
                        .body_len = strlen(src[1].body),
                        .timeout_ms = 5000};
    CHECK(http_perform(c, &post, &r) && r.status == 200,
          "client secret flow: %ld %s", r.status, r.body);
    tok = auth_token_parse(r.body, r.body_len, 1000, &exp, &err);
    CHECK(tok && strcmp(tok, "sp-token-xyz") == 0 && exp == 4599, "v2 token");
    free(tok);
    http_response_fini(&r);
  }
  auth_sources_free(src, n);
  auth_spec_fini(&s);
  val_unref(a);
  unsetenv("AZURE_TENANT_ID");
  unsetenv("AZURE_CLIENT_ID");
  unsetenv("AZURE_CLIENT_SECRET");
  unsetenv("AZURE_AUTHORITY_HOST");
  unsetenv("IDENTITY_ENDPOINT");
  unsetenv("IDENTITY_HEADER");

  /* IMDS alone, pointed at a closed loopback port: fails fast. */
  a = parse("{\"type\":\"MSI\",\"resource\":\"https://r\"}");
  auth_spec_parse(a, NULL, &s, &err);
  n = auth_sources(&s, &src, &err);
  CHECK(n == 1 && src[0].kind == TOKSRC_IMDS, "IMDS only");
  HttpRequest imds = {
      .method = src[0].method, .url = src[0].url, .timeout_ms = 2000};
  CHECK(!http_perform(c, &imds, &r) && r.result == HTTP_ERR_CONNECT,
        "closed port refused: %d", r.result);
  http_response_fini(&r);
  auth_sources_free(src, n);
  auth_spec_fini(&s);
  val_unref(a);
  unsetenv("AZURE_POD_IDENTITY_AUTHORITY_HOST");
  http_client_free(c);
}

int main(void)
{
  Script script = {0};
  Httpd *h = httpd_start(handler, &script, false);
  CHECK(h != NULL, "server started");
  if (!h)
    return CHECK_DONE();
  test_transport(h, &script);
  test_tls();
  test_mocks();
  test_rewrites();
  test_auth_specs();
  test_auth_sources(h);
  httpd_stop(h);
  return CHECK_DONE();
}
