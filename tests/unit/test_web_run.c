/*
 * tests/unit/test_web_run.c -- WebActivity end to end: the adfrun binary
 *                              against servers on 127.0.0.1
 *
 * Runs pipelines (written to a temp folder) through $ADFRUN with loopback
 * servers playing the API, the managed-identity endpoints (App Service,
 * IMDS), Azure AD, a self-signed TLS server and a mutual-TLS server whose
 * certificates the openssl CLI makes at test time.  Covers every auth
 * type, the 202 pattern, timeouts, redirects, body shapes, the 4 MB cap,
 * TLS, unmatched mocks, --rewrite, parallel overlap, and that no secret
 * reaches stdout, stderr or the --report file.  No timing is asserted
 * beyond overlap; the child environment can reach nothing but loopback.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "activities/auth.h"
#include "expr/json.h"
#include "expr/strbuf.h"
#include "tests/check.h"
#include "tests/support/httpd.h"


#define ID_HEADER  "idh-5e1f7a9c"
#define TOK_APP    "tok-appsvc-31d9e2"
#define TOK_IMDS   "tok-imds-8c4b17"
#define TOK_ENV    "tok-envsp-a0f3d5"
#define TOK_SP     "tok-sp-77b2c1"
#define BASIC_USER "alice"
#define BASIC_PW   "b4sic-Pw-9q7"
#define SP_ID      "sp-client-4242"
#define SP_SECRET  "sp+S3cret/x=y&z%w"
#define ENV_ID     "env-client-1717"
#define ENV_SECRET "env S3cret+/?#"
#define SECURE_VAL "securestring-v4lue-61"
#define PFX_PW     "pfx-pa55-word"
#define MIB4       (4u * 1024u * 1024u)

/* ---- The API server ------------------------------------------------------ */

typedef struct Api {
  char other[64];  /* base URL of the second server (cross-host redirect) */
  char basic[256]; /* expected "Basic ..." value */
  char *sp_secret_enc, *env_secret_enc;
  int sp_token_calls, env_token_calls, app_calls, imds_calls;
  int bad_secret;
  int requests;
} Api;

static const char *query_arg(const char *target, const char *name, char *buf,
                             size_t size)
{
  const char *q = strchr(target, '?');
  size_t n = strlen(name);
  while (q) {
    q++;
    if (strncmp(q, name, n) == 0 && q[n] == '=') {
      const char *v = q + n + 1;
      size_t l = strcspn(v, "&");
      if (l >= size)
        l = size - 1;
      memcpy(buf, v, l);
      buf[l] = '\0';
      return buf;
    }
    q = strchr(q, '&');
  }
  return NULL;
}

static void reply_json(HttpdReply *rep, int status, Value *v)
{
  char *t = val_to_json_str(v);
  httpd_reply(rep, status, "application/json", t);
  free(t);
  val_unref(v);
}

static void reply_token(HttpdReply *rep, const char *tok)
{
  char buf[256];
  snprintf(buf, sizeof buf,
           "{\"access_token\":\"%s\",\"expires_in\":3599,"
           "\"token_type\":\"Bearer\"}",
           tok);
  httpd_reply(rep, 200, "application/json", buf);
}

/* Which credential an Authorization value carries. */
static const char *who(const Api *a, const char *auth)
{
  if (!auth[0])
    return "none";
  if (strcmp(auth, "Bearer " TOK_APP) == 0)
    return "app";
  if (strcmp(auth, "Bearer " TOK_IMDS) == 0)
    return "imds";
  if (strcmp(auth, "Bearer " TOK_ENV) == 0)
    return "env";
  if (strcmp(auth, "Bearer " TOK_SP) == 0)
    return "sp";
  if (strcmp(auth, a->basic) == 0)
    return "basic";
  return "unknown";
}

static void token_endpoint(Api *a, const HttpdRequest *req, HttpdReply *rep)
{
  const char *b = req->body;
  char id[128] = "", sec[256] = "", scope[256] = "";
  char tmp[1024];
  snprintf(tmp, sizeof tmp, "?%s", b);
  query_arg(tmp, "client_id", id, sizeof id);
  query_arg(tmp, "client_secret", sec, sizeof sec);
  query_arg(tmp, "scope", scope, sizeof scope);
  if (strcmp(req->method, "POST") != 0 ||
      !strstr(b, "grant_type=client_credentials")) {
    httpd_reply(rep, 400, "application/json", "{\"error\":\"bad grant\"}");
  } else if (strcmp(id, SP_ID) == 0 && strcmp(sec, a->sp_secret_enc) == 0 &&
             strstr(req->target, "/aad/tenant-sp/")) {
    a->sp_token_calls++;
    reply_token(rep, TOK_SP);
  } else if (strcmp(id, ENV_ID) == 0 && strcmp(sec, a->env_secret_enc) == 0 &&
             strstr(req->target, "/aad/tenant-env/") &&
             strcmp(scope, "https%3A%2F%2Fmanagement.azure.com%2F.default") ==
                 0) {
    a->env_token_calls++;
    reply_token(rep, TOK_ENV);
  } else {
    a->bad_secret++;
    httpd_reply(rep, 401, "application/json", "{\"error\":\"invalid_client\"}");
  }
}

static void api(void *ud, const HttpdRequest *req, HttpdReply *rep)
{
  Api *a = ud;
  const char *t = req->target;
  char auth[512] = "", buf[256];
  httpd_header(req, "Authorization", auth, sizeof auth);
  a->requests++;
  if (strncmp(t, "/msi", 4) == 0) {
    a->app_calls++;
    if (!httpd_header(req, "X-IDENTITY-HEADER", buf, sizeof buf) ||
        strcmp(buf, ID_HEADER) != 0 || !strstr(t, "api-version=2019-08-01") ||
        strstr(t, "nope.test"))
      httpd_reply(rep, 400, "application/json", "{\"error\":\"no identity\"}");
    else
      reply_token(rep, TOK_APP);
  } else if (strncmp(t, "/metadata/identity/oauth2/token", 31) == 0) {
    a->imds_calls++;
    if (!httpd_header(req, "Metadata", buf, sizeof buf) ||
        strcmp(buf, "true") != 0 || !strstr(t, "api-version=2018-02-01"))
      httpd_reply(rep, 400, "application/json", "{\"error\":\"bad imds\"}");
    else
      reply_token(rep, TOK_IMDS);
  } else if (strncmp(t, "/aad/", 5) == 0) {
    token_endpoint(a, req, rep);
  } else if (strncmp(t, "/whoami", 7) == 0) {
    Value *o = val_object_new();
    val_object_set_take(o, "who", 3, val_cstr(who(a, auth)));
    val_object_set_take(o, "cn", 2, val_cstr(req->client_cn));
    reply_json(rep, 200, o);
  } else if (strncmp(t, "/echo", 5) == 0) {
    Value *o = val_object_new();
    val_object_set_take(o, "method", 6, val_cstr(req->method));
    val_object_set_take(o, "path", 4, val_cstr(t));
    val_object_set_take(o, "body", 4, val_string(req->body, req->body_len));
    if (httpd_header(req, "X-Api-Key", buf, sizeof buf))
      val_object_set_take(o, "apiKey", 6, val_cstr(buf));
    if (httpd_header(req, "Content-Type", buf, sizeof buf))
      val_object_set_take(o, "contentType", 11, val_cstr(buf));
    reply_json(rep, 200, o);
  } else if (strncmp(t, "/fail-echo", 10) == 0) {
    snprintf(buf, sizeof buf, "{\"error\":\"denied for %.200s\"}", auth);
    httpd_reply(rep, 403, "application/json", buf);
  } else if (strncmp(t, "/async/start", 12) == 0) {
    char ra[16] = "10";
    query_arg(t, "ra", ra, sizeof ra);
    snprintf(buf, sizeof buf, "/async/op?left=2&ra=%s", ra);
    httpd_add_header(rep, "Location", buf);
    httpd_add_header(rep, "Retry-After", ra);
    httpd_reply(rep, 202, "application/json", "{\"status\":\"Accepted\"}");
  } else if (strncmp(t, "/async/op", 9) == 0) {
    char left[16] = "0", ra[16] = "10";
    query_arg(t, "left", left, sizeof left);
    query_arg(t, "ra", ra, sizeof ra);
    int n = atoi(left);
    if (n <= 0) {
      snprintf(buf, sizeof buf, "{\"done\":true,\"auth\":\"%s\"}",
               who(a, auth));
      httpd_reply(rep, 200, "application/json", buf);
    } else {
      snprintf(buf, sizeof buf, "%s/async/op?left=%d&ra=%s", "", n - 1, ra);
      httpd_add_header(rep, "Location", buf);
      httpd_add_header(rep, "Retry-After", ra);
      httpd_reply(rep, 202, NULL, "");
    }
  } else if (strncmp(t, "/async/forever", 14) == 0) {
    httpd_add_header(rep, "Location", "/async/forever");
    httpd_add_header(rep, "Retry-After", "20");
    httpd_reply(rep, 202, NULL, "");
  } else if (strncmp(t, "/redir-same", 11) == 0) {
    httpd_add_header(rep, "Location", "/whoami");
    httpd_reply(rep, 302, NULL, "");
  } else if (strncmp(t, "/redir-other", 12) == 0) {
    snprintf(buf, sizeof buf, "%s/whoami", a->other);
    httpd_add_header(rep, "Location", buf);
    httpd_reply(rep, 302, NULL, "");
  } else if (strncmp(t, "/text", 5) == 0) {
    httpd_reply(rep, 200, "text/plain", "hello, plain world");
  } else if (strncmp(t, "/empty", 6) == 0) {
    httpd_reply(rep, 200, NULL, NULL);
  } else if (strncmp(t, "/array", 6) == 0) {
    httpd_reply(rep, 200, "application/json", "[1,{\"a\":2},\"x\"]");
  } else if (strncmp(t, "/big", 4) == 0) {
    char n[32] = "0";
    query_arg(t, "n", n, sizeof n);
    size_t len = (size_t)strtoul(n, NULL, 10);
    char *b = xmalloc(len + 1);
    memset(b, 'x', len);
    httpd_add_header(rep, "Content-Type", "text/plain");
    httpd_set_body(rep, b, len);
    free(b);
  } else if (strncmp(t, "/missing", 8) == 0) {
    httpd_reply(rep, 404, "application/json",
                "{\"error\":{\"code\":\"NotFound\",\"message\":\"no such "
                "thing\"}}");
  } else if (strncmp(t, "/slow", 5) == 0) {
    char ms[16] = "300";
    query_arg(t, "ms", ms, sizeof ms);
    rep->delay_ms = atoi(ms);
    httpd_reply(rep, 200, "application/json", "{\"slow\":true}");
  } else {
    httpd_reply(rep, 404, "text/plain", "no route");
  }
}

/* ---- Files and the adfrun child ---------------------------------------- */

static char g_dir[64];

static char *slurp(const char *path, size_t *len)
{
  FILE *f = fopen(path, "rb");
  StrBuf sb;
  sb_init(&sb);
  if (f) {
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
      sb_put(&sb, buf, n);
    fclose(f);
  }
  if (len)
    *len = sb.len;
  return sb_take(&sb);
}

/* Writes 'text' to g_dir/name with every "{KEY}" of 'subst' (KEY, VALUE
 * pairs, NULL-terminated) replaced; returns the path (static buffer). */
static const char *write_doc(const char *name, const char *text,
                             const char *const *subst)
{
  static char path[256];
  StrBuf sb;
  sb_init(&sb);
  for (const char *p = text; *p;) {
    bool hit = false;
    for (size_t i = 0; subst && subst[i] && !hit; i += 2) {
      size_t kl = strlen(subst[i]);
      if (*p == '{' && strncmp(p + 1, subst[i], kl) == 0 && p[kl + 1] == '}') {
        sb_puts(&sb, subst[i + 1]);
        p += kl + 2;
        hit = true;
      }
    }
    if (!hit)
      sb_putc(&sb, *p++);
  }
  snprintf(path, sizeof path, "%s/%s", g_dir, name);
  FILE *f = fopen(path, "wb");
  if (f) {
    fwrite(sb.s, 1, sb.len, f);
    fclose(f);
  }
  sb_fini(&sb);
  return path;
}

typedef struct Run {
  int rc;
  char *out, *err, *report;
  Value *rep; /* parsed report file */
} Run;

static void run_fini(Run *r)
{
  free(r->out);
  free(r->err);
  free(r->report);
  val_unref(r->rep);
}

/* Runs `adfrun run PIPELINE --report FILE EXTRA...` with --json unless
 * 'human' is set. */
static void run_adfrun(const char *pipeline, const char *const *extra,
                       const char *const *env, bool human, Run *r)
{
  memset(r, 0, sizeof *r);
  char of[128], ef[128], rf[128];
  snprintf(of, sizeof of, "%s/stdout", g_dir);
  snprintf(ef, sizeof ef, "%s/stderr", g_dir);
  snprintf(rf, sizeof rf, "%s/report.json", g_dir);
  unlink(rf);
  pid_t pid = fork();
  if (pid == 0) {
    if (!freopen(of, "w", stdout) || !freopen(ef, "w", stderr))
      _exit(126);
    httpd_child_env(env);
    const char *argv[40];
    size_t n = 0;
    argv[n++] = getenv("ADFRUN");
    argv[n++] = "run";
    argv[n++] = pipeline;
    argv[n++] = "--report";
    argv[n++] = rf;
    if (!human)
      argv[n++] = "--json";
    for (size_t i = 0; extra && extra[i] && n < 39; i++)
      argv[n++] = extra[i];
    argv[n] = NULL;
    execv(argv[0], (char *const *)argv);
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  r->rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  r->out = slurp(of, NULL);
  r->err = slurp(ef, NULL);
  size_t len;
  r->report = slurp(rf, &len);
  Err err = ERR_INIT;
  r->rep = len ? json_parse(r->report, len, NULL, &err) : NULL;
  CHECK(!strstr(r->err, "Sanitizer"), "%s: sanitizer report:\n%s", pipeline,
        r->err);
  unlink(of);
  unlink(ef);
  unlink(rf);
}

/* The activity run named 'name' in the report (borrowed) or NULL. */
static const Value *act(const Run *r, const char *name)
{
  const Value *runs = r->rep ? val_object_peek(r->rep, "activityRuns") : NULL;
  for (size_t i = 0; runs && i < val_array_len(runs); i++) {
    const Value *a = val_array_peek(runs, i);
    const Value *n = val_object_peek(a, "activityName");
    if (n && val_kind(n) == VAL_STRING && strcmp(val_str(n), name) == 0)
      return a;
  }
  return NULL;
}

/* String at a dotted path under activity 'name' ("output.who"), or "". */
static const char *str_at(const Run *r, const char *name, const char *path)
{
  const Value *v = act(r, name);
  char buf[128];
  snprintf(buf, sizeof buf, "%s", path);
  char *save = buf;
  for (char *p = buf; v; p++) {
    if (*p == '.' || *p == '\0') {
      bool last = *p == '\0';
      *p = '\0';
      v = val_kind(v) == VAL_OBJECT ? val_object_peek(v, save) : NULL;
      if (last)
        break;
      save = p + 1;
    }
  }
  return v && val_kind(v) == VAL_STRING ? val_str(v) : "";
}

static bool act_status(const Run *r, const char *name, const char *want)
{
  return strcmp(str_at(r, name, "status"), want) == 0;
}

static void expect(const Run *r, const char *name, const char *status,
                   const char *path, const char *want)
{
  CHECK(act_status(r, name, status), "%s: status %s, want %s (%s)", name,
        str_at(r, name, "status"), status, str_at(r, name, "error.message"));
  if (path) {
    const char *got = str_at(r, name, path);
    CHECK(strstr(got, want) != NULL, "%s: %s = '%.300s', want '%s'", name, path,
          got, want);
  }
}

/* No secret (nor its form-urlencoded spelling) in any output. */
static void no_secrets(const char *what, const Run *r,
                       const char *const *secrets)
{
  for (size_t i = 0; secrets[i]; i++) {
    char *enc = auth_urlencode(secrets[i]);
    const char *forms[] = {secrets[i], enc};
    for (size_t k = 0; k < 2; k++) {
      CHECK(!strstr(r->out, forms[k]), "%s: '%s' on stdout", what, forms[k]);
      CHECK(!strstr(r->err, forms[k]), "%s: '%s' on stderr", what, forms[k]);
      CHECK(!strstr(r->report, forms[k]), "%s: '%s' in the report", what,
            forms[k]);
    }
    free(enc);
  }
}

static char *b64(const unsigned char *p, size_t n)
{
  static const char al[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  StrBuf sb;
  sb_init(&sb);
  for (size_t i = 0; i < n; i += 3) {
    unsigned v = (unsigned)p[i] << 16;
    if (i + 1 < n)
      v |= (unsigned)p[i + 1] << 8;
    if (i + 2 < n)
      v |= p[i + 2];
    sb_putc(&sb, al[(v >> 18) & 63]);
    sb_putc(&sb, al[(v >> 12) & 63]);
    sb_putc(&sb, i + 1 < n ? al[(v >> 6) & 63] : '=');
    sb_putc(&sb, i + 2 < n ? al[v & 63] : '=');
  }
  return sb_take(&sb);
}

/* ---- Auth: App Service MSI, Basic, ServicePrincipal, SecureString ------ */

static const char auth_yaml[] =
    "name: auth\n"
    "properties:\n"
    "  parameters:\n"
    "    secret: {type: SecureString, defaultValue: '" SECURE_VAL "'}\n"
    "  activities:\n"
    "  - name: Msi\n"
    "    type: WebActivity\n"
    "    typeProperties: {method: GET, url: '{API}/whoami',\n"
    "      authentication: {type: MSI, resource: "
    "'https://management.azure.com/'}}\n"
    "  - name: MsiCached\n"
    "    type: WebActivity\n"
    "    dependsOn: [{activity: Msi, dependencyConditions: [Succeeded]}]\n"
    "    typeProperties: {method: GET, url: '{API}/whoami',\n"
    "      authentication: {type: MSI, resource: "
    "'https://management.azure.com/'}}\n"
    "  - name: Basic\n"
    "    type: WebActivity\n"
    "    typeProperties: {method: GET, url: '{API}/whoami',\n"
    "      authentication: {type: Basic, username: " BASIC_USER ",\n"
    "        password: {type: SecureString, value: '" BASIC_PW "'}}}\n"
    "  - name: SpDoc\n"
    "    type: WebActivity\n"
    "    typeProperties: {method: GET, url: '{API}/whoami',\n"
    "      authentication: {type: ServicePrincipal, tenant: tenant-sp,\n"
    "        servicePrincipalId: " SP_ID ", resource: 'https://api.test',\n"
    "        servicePrincipalKey: {type: SecureString, value: '" SP_SECRET
    "'}}}\n"
    "  - name: SpSwagger\n"
    "    type: WebActivity\n"
    "    typeProperties: {method: GET, url: '{API}/whoami',\n"
    "      authentication: {type: ServicePrincipal, userTenant: tenant-sp,\n"
    "        username: " SP_ID ", password: '" SP_SECRET "',\n"
    "        resource: 'https://api2.test/'}}\n"
    "  - name: Secure\n"
    "    type: WebActivity\n"
    "    typeProperties: {method: POST, url: '{API}/echo',\n"
    "      headers: {X-Api-Key: '@pipeline().parameters.secret'},\n"
    "      body: '@pipeline().parameters.secret'}\n"
    "  - name: EchoFail\n"
    "    type: WebActivity\n"
    "    dependsOn: [{activity: Msi, dependencyConditions: [Succeeded]}]\n"
    "    typeProperties: {method: GET, url: '{API}/fail-echo',\n"
    "      authentication: {type: MSI, resource: "
    "'https://management.azure.com/'}}\n"
    "  - name: NoToken\n"
    "    type: WebActivity\n"
    "    typeProperties: {method: GET, url: '{API}/whoami',\n"
    "      authentication: {type: MSI, resource: 'https://nope.test'}}\n";

static void test_auth(Httpd *h, Api *a)
{
  const char *subst[] = {"API", httpd_url(h), NULL};
  const char *pl = write_doc("auth.yaml", auth_yaml, subst);
  char ep[128], aad[128];
  snprintf(ep, sizeof ep, "IDENTITY_ENDPOINT=%s/msi", httpd_url(h));
  snprintf(aad, sizeof aad, "AZURE_AUTHORITY_HOST=%s/aad", httpd_url(h));
  const char *env[] = {ep, "IDENTITY_HEADER=" ID_HEADER, aad, NULL};
  for (int human = 0; human < 2; human++) {
    a->app_calls = a->sp_token_calls = 0;
    Run r;
    run_adfrun(pl, NULL, env, human, &r);
    const char *what = human ? "auth (human)" : "auth (--json)";
    CHECK(r.rc == 1 && r.rep, "%s: exit %d\n%s", what, r.rc, r.err);
    expect(&r, "Msi", "Succeeded", "output.who", "app");
    expect(&r, "MsiCached", "Succeeded", "output.who", "app");
    expect(&r, "Basic", "Succeeded", "output.who", "basic");
    expect(&r, "SpDoc", "Succeeded", "output.who", "sp");
    expect(&r, "SpSwagger", "Succeeded", "output.who", "sp");
    expect(&r, "Secure", "Succeeded", "output.body", "***");
    expect(&r, "EchoFail", "Failed", "error.message",
           "Response status code: '403'. More details: {\"error\":\"denied "
           "for Bearer ***\"}");
    expect(&r, "NoToken", "Failed", "error.message", "IDENTITY_ENDPOINT");
    CHECK(strcmp(str_at(&r, "NoToken", "error.errorCode"), "2403") == 0,
          "NoToken: 2403, got %s", str_at(&r, "NoToken", "error.errorCode"));
    CHECK(strstr(str_at(&r, "NoToken", "error.message"), "127.0.0.1:9"),
          "NoToken names the IMDS host: %s",
          str_at(&r, "NoToken", "error.message"));
    /* Msi, MsiCached and EchoFail share one token; NoToken asks once. */
    CHECK(a->app_calls == 2, "%s: App Service endpoint calls %d", what,
          a->app_calls);
    CHECK(a->sp_token_calls == 2, "%s: SP token calls %d (two resources)", what,
          a->sp_token_calls);
    CHECK(a->bad_secret == 0, "%s: token endpoint saw a bad secret", what);
    CHECK(strstr(r.report, "\"Authorization\": \"***\""),
          "%s: Authorization recorded as ***", what);
    CHECK(strstr(r.report, "\"X-IDENTITY-HEADER\": \"***\""),
          "%s: X-IDENTITY-HEADER recorded as ***", what);
    const char *secrets[] = {ID_HEADER, TOK_APP,    TOK_SP,       BASIC_PW,
                             SP_SECRET, SECURE_VAL, a->basic + 6, NULL};
    no_secrets(what, &r, secrets);
    if (human)
      CHECK(r.out[0] == '\0', "human run prints nothing on stdout");
    run_fini(&r);
  }
}

/* ---- Auth: the environment service principal and IMDS ----------------- */

static const char msi_yaml[] =
    "name: msi\n"
    "properties:\n"
    "  activities:\n"
    "  - name: Msi\n"
    "    type: WebActivity\n"
    "    typeProperties: {method: GET, url: '{API}/whoami',\n"
    "      authentication: {type: MSI, resource: "
    "'https://management.azure.com/'}}\n";

static void test_msi_chain(Httpd *h, Api *a)
{
  const char *subst[] = {"API", httpd_url(h), NULL};
  const char *pl = write_doc("msi.yaml", msi_yaml, subst);
  char aad[128], pod[128];
  snprintf(aad, sizeof aad, "AZURE_AUTHORITY_HOST=%s/aad/", httpd_url(h));
  /* the host form without a scheme, as AKS pod identity sets it */
  snprintf(pod, sizeof pod, "AZURE_POD_IDENTITY_AUTHORITY_HOST=127.0.0.1:%d",
           httpd_port(h));
  const char *env_sp[] = {aad, "AZURE_TENANT_ID=tenant-env",
                          "AZURE_CLIENT_ID=" ENV_ID,
                          "AZURE_CLIENT_SECRET=" ENV_SECRET, NULL};
  Run r;
  run_adfrun(pl, NULL, env_sp, false, &r);
  CHECK(r.rc == 0, "env chain: exit %d\n%s", r.rc, r.err);
  expect(&r, "Msi", "Succeeded", "output.who", "env");
  CHECK(a->env_token_calls == 1, "env chain: token calls %d",
        a->env_token_calls);
  const char *s1[] = {ENV_SECRET, TOK_ENV, NULL};
  no_secrets("env chain", &r, s1);
  run_fini(&r);

  const char *env_imds[] = {pod, NULL};
  int before = a->imds_calls;
  run_adfrun(pl, NULL, env_imds, false, &r);
  CHECK(r.rc == 0, "imds: exit %d\n%s", r.rc, r.err);
  expect(&r, "Msi", "Succeeded", "output.who", "imds");
  CHECK(a->imds_calls == before + 1, "imds: calls %d", a->imds_calls - before);
  const char *s2[] = {TOK_IMDS, NULL};
  no_secrets("imds", &r, s2);
  run_fini(&r);
}

/* ---- Responses, 202, timeouts, redirects, sizes, --rewrite ------------ */

static const char resp_yaml[] =
    "name: resp\n"
    "properties:\n"
    "  activities:\n"
    "  - name: Async\n"
    "    type: WebActivity\n"
    "    typeProperties: {method: POST, url: '{API}/async/start?ra=10', body: "
    "{a: 1},\n"
    "      authentication: {type: Basic, username: " BASIC_USER
    ", password: '" BASIC_PW "'}}\n"
    "  - name: AsyncTimeout\n"
    "    type: WebActivity\n"
    "    policy: {timeout: '0.00:00:30'}\n"
    "    typeProperties: {method: POST, url: '{API}/async/forever', body: "
    "'{}'}\n"
    "  - name: NoAsync\n"
    "    type: WebActivity\n"
    "    typeProperties: {method: POST, url: '{API}/async/start?ra=7', body: "
    "'{}',\n"
    "      turnOffAsync: true}\n"
    "  - name: Slow\n"
    "    type: WebActivity\n"
    "    typeProperties: {method: GET, url: '{API}/slow?ms=2500',\n"
    "      httpRequestTimeout: '00:00:01'}\n"
    "  - name: RedirSame\n"
    "    type: WebActivity\n"
    "    typeProperties: {method: GET, url: '{API}/redir-same',\n"
    "      authentication: {type: Basic, username: " BASIC_USER
    ", password: '" BASIC_PW "'}}\n"
    "  - name: RedirOther\n"
    "    type: WebActivity\n"
    "    typeProperties: {method: GET, url: '{API}/redir-other',\n"
    "      authentication: {type: Basic, username: " BASIC_USER
    ", password: '" BASIC_PW "'}}\n"
    "  - {name: Text, type: WebActivity, typeProperties: {method: GET, url: "
    "'{API}/text'}}\n"
    "  - {name: Empty, type: WebActivity, typeProperties: {method: GET, url: "
    "'{API}/empty'}}\n"
    "  - {name: Array, type: WebActivity, typeProperties: {method: GET, url: "
    "'{API}/array'}}\n"
    "  - {name: Missing, type: WebActivity, typeProperties: {method: GET, url: "
    "'{API}/missing'}}\n"
    "  - {name: BigOk, type: WebActivity, typeProperties: {method: GET, url: "
    "'{API}/big?n={UNDER}'}}\n"
    "  - {name: BigOver, type: WebActivity, typeProperties: {method: GET, url: "
    "'{API}/big?n={OVER}'}}\n"
    "  - name: Rewritten\n"
    "    type: WebActivity\n"
    "    typeProperties: {method: PUT, url: "
    "'https://api.contoso.test/v1/items?x=1',\n"
    "      body: '\"\"'}\n";

static void test_responses(Httpd *h)
{
  char under[32], over[32], rw[256];
  snprintf(under, sizeof under, "%u", MIB4 - 64);
  snprintf(over, sizeof over, "%u", MIB4 + 64);
  const char *subst[] = {"API",  httpd_url(h), "UNDER", under,
                         "OVER", over,         NULL};
  const char *pl = write_doc("resp.yaml", resp_yaml, subst);
  snprintf(rw, sizeof rw, "^https://api\\.contoso\\.test/(.*)=%s/echo/$1",
           httpd_url(h));
  const char *extra[] = {"--clock", "virtual", "--rewrite", rw, NULL};
  Run r;
  run_adfrun(pl, extra, NULL, false, &r);
  CHECK(r.rc == 1 && r.rep, "responses: exit %d\n%s", r.rc, r.err);

  /* 202: two polls 10 s apart on the virtual clock, auth kept */
  expect(&r, "Async", "Succeeded", "output.auth", "basic");
  const Value *as = act(&r, "Async");
  const Value *d = as ? val_object_peek(as, "durationInMs") : NULL;
  CHECK(d && val_kind(d) == VAL_INT && val_get_int(d) >= 30000,
        "Async waited 3 x Retry-After on the engine clock");
  expect(&r, "AsyncTimeout", "Failed", "error.message",
         "activity timeout was reached");
  expect(&r, "NoAsync", "Succeeded",
         "output.ADFWebActivityResponseHeaders.Location", "/async/op?left=2");
  expect(&r, "NoAsync", "Succeeded", "output.status", "Accepted");
  expect(&r, "Slow", "Failed", "error.message", "httpRequestTimeout (1 s)");
  CHECK(strcmp(str_at(&r, "Slow", "error.errorCode"), "2108") == 0,
        "timeout is 2108");
  expect(&r, "RedirSame", "Succeeded", "output.who", "basic");
  expect(&r, "RedirOther", "Succeeded", "output.who", "none");
  expect(&r, "Text", "Succeeded", "output.Response", "hello, plain world");
  CHECK(strcmp(str_at(&r, "Empty", "output.Response"), "") == 0 &&
            act_status(&r, "Empty", "Succeeded"),
        "empty body: Response \"\"");
  expect(&r, "Array", "Succeeded", "output.Response", "[1,{\"a\":2},\"x\"]");
  expect(&r, "Missing", "Failed", "error.message",
         "Response status code: '404'. More details: {\"error\"");
  char want[256];
  snprintf(want, sizeof want,
           "Error calling the endpoint '%s/missing'. Response status code: "
           "'404'",
           httpd_url(h));
  CHECK(strncmp(str_at(&r, "Missing", "error.message"), want, strlen(want)) ==
            0,
        "404 message starts with the ADF format: %s",
        str_at(&r, "Missing", "error.message"));
  CHECK(strcmp(str_at(&r, "Missing", "error.errorCode"), "2108") == 0,
        "404 is 2108");
  CHECK(strlen(str_at(&r, "BigOk", "output.Response")) == MIB4 - 64,
        "just under 4 MB: whole body in Response");
  expect(&r, "BigOver", "Failed", "error.message",
         "The length of execution output is over limit");
  CHECK(strcmp(str_at(&r, "BigOver", "error.errorCode"), "2001") == 0,
        "over 4 MB is 2001");
  expect(&r, "Rewritten", "Succeeded", "output.path", "/echo/v1/items?x=1");
  expect(&r, "Rewritten", "Succeeded", "output.method", "PUT");
  CHECK(strcmp(str_at(&r, "Rewritten", "output.body"), "\"\"") == 0,
        "body '\"\"' sent as the two characters \"\": got '%s'",
        str_at(&r, "Rewritten", "output.body"));
  expect(&r, "Rewritten", "Succeeded", "output.contentType",
         "application/json");
  CHECK(
      strstr(r.report, "\"url\": \"https://api.contoso.test/v1/items?x=1\"") &&
          strstr(r.report, "\"sentTo\": \"http://127.0.0.1:"),
      "request record shows url and sentTo");
  const char *secrets[] = {BASIC_PW, NULL};
  no_secrets("responses", &r, secrets);
  run_fini(&r);
}

/* ---- Mocks: an unmatched request never reaches the network ------------- */

static const char unmatched_yaml[] =
    "name: unmatched\n"
    "properties:\n"
    "  activities:\n"
    "  - {name: Mocked, type: WebActivity, typeProperties: {method: GET, url: "
    "'https://api.test/ok'}}\n"
    "  - {name: Real, type: WebActivity, typeProperties: {method: DELETE, url: "
    "'{API}/whoami'}}\n";
static const char unmatched_mock[] =
    "http:\n"
    "- request: {method: GET, url: '^https://api\\.test/ok$'}\n"
    "  reply: {status: 200, body: {ok: true}}\n";

static void test_unmatched(Httpd *h, Api *a)
{
  const char *subst[] = {"API", httpd_url(h), NULL};
  char pl[256];
  snprintf(pl, sizeof pl, "%s",
           write_doc("unmatched.yaml", unmatched_yaml, subst));
  const char *mock = write_doc("m.yaml", unmatched_mock, NULL);
  const char *extra[] = {"--mock", mock, NULL};
  int before = a->requests;
  Run r;
  run_adfrun(pl, extra, NULL, false, &r);
  CHECK(r.rc == 1, "unmatched: exit %d\n%s", r.rc, r.err);
  CHECK(act_status(&r, "Mocked", "Succeeded"), "mocked call succeeded: %s",
        str_at(&r, "Mocked", "error.message"));
  char want[256];
  snprintf(want, sizeof want, "DELETE %s/whoami", httpd_url(h));
  expect(&r, "Real", "Failed", "error.message", want);
  CHECK(strcmp(str_at(&r, "Real", "error.errorCode"), "UnmatchedRequest") == 0,
        "UnmatchedRequest code");
  CHECK(a->requests == before, "unmatched request reached the server");
  CHECK(strstr(r.report, "\"unmatched\": true") != NULL, "recorded unmatched");
  run_fini(&r);

  /* With --allow-network the same unmatched request goes out for real
   * (to the loopback server) while the mocked one stays mocked. */
  const char *allow[] = {"--mock", mock, "--allow-network", NULL};
  before = a->requests;
  run_adfrun(pl, allow, NULL, false, &r);
  CHECK(r.rc == 0, "allow-network: exit %d\n%s", r.rc, r.err);
  CHECK(act_status(&r, "Mocked", "Succeeded"), "allow-network: mocked ok");
  CHECK(act_status(&r, "Real", "Succeeded"), "allow-network: real call: %s",
        str_at(&r, "Real", "error.message"));
  CHECK(a->requests == before + 1,
        "allow-network: %d request(s) reached the "
        "server, want 1",
        a->requests - before);
  run_fini(&r);
}

/* ---- TLS, mutual TLS and parallel branches (real clock) ---------------- */

static const char tls_yaml[] =
    "name: tls\n"
    "properties:\n"
    "  activities:\n"
    "  - {name: Par1, type: WebActivity, typeProperties: {method: GET, url: "
    "'{API}/slow?ms=300'}}\n"
    "  - {name: Par2, type: WebActivity, typeProperties: {method: GET, url: "
    "'{API}/slow?ms=300'}}\n"
    "  - {name: Strict, type: WebActivity, typeProperties: {method: GET, url: "
    "'{TLS}/whoami'}}\n"
    "  - name: Insecure\n"
    "    type: WebActivity\n"
    "    typeProperties: {method: GET, url: '{TLS}/whoami', "
    "disableCertValidation: true}\n"
    "  - name: Cert\n"
    "    type: WebActivity\n"
    "    typeProperties: {method: GET, url: '{MTLS}/whoami', "
    "disableCertValidation: true,\n"
    "      authentication: {type: ClientCertificate, pfx: '{PFX}',\n"
    "        password: {type: SecureString, value: '" PFX_PW "'}}}\n"
    "  - name: NoCert\n"
    "    type: WebActivity\n"
    "    typeProperties: {method: GET, url: '{MTLS}/whoami', "
    "disableCertValidation: true}\n"
    "  - name: BadPfx\n"
    "    type: WebActivity\n"
    "    typeProperties: {method: GET, url: '{MTLS}/whoami', "
    "disableCertValidation: true,\n"
    "      authentication: {type: ClientCertificate, pfx: 'not base64 !!', "
    "password: x}}\n";

static void test_tls_parallel(Httpd *h)
{
  char pki[128];
  snprintf(pki, sizeof pki, "%s/pki", g_dir);
  if (mkdir(pki, 0700) != 0 || !httpd_make_pki(pki, PFX_PW)) {
    httpd_remove_pki(pki);
    return;
  }
  Api t[2]; /* each server's own state: handlers run on its threads */
  memset(t, 0, sizeof t);
  char cert[192], key[192], ca[192], pfxp[192];
  snprintf(cert, sizeof cert, "%s/server.pem", pki);
  snprintf(key, sizeof key, "%s/server.key", pki);
  snprintf(ca, sizeof ca, "%s/ca.pem", pki);
  snprintf(pfxp, sizeof pfxp, "%s/client.pfx", pki);
  HttpdTls mt = {cert, key, ca};
  Httpd *self = httpd_start(api, &t[0], true);
  Httpd *mtls = httpd_start_tls(api, &t[1], &mt);
  CHECK(self && mtls, "TLS servers started");
  if (self && mtls) {
    size_t n;
    char *raw = slurp(pfxp, &n);
    char *pfx = b64((const unsigned char *)raw, n);
    free(raw);
    const char *subst[] = {"API",           httpd_url(h), "TLS",
                           httpd_url(self), "MTLS",       httpd_url(mtls),
                           "PFX",           pfx,          NULL};
    const char *pl = write_doc("tls.yaml", tls_yaml, subst);
    Run r;
    run_adfrun(pl, NULL, NULL, false, &r);
    CHECK(r.rc == 1 && r.rep, "tls: exit %d\n%s", r.rc, r.err);
    expect(&r, "Par1", "Succeeded",
           "output.ADFWebActivityResponseHeaders"
           ".Content-Type",
           "application/json");
    expect(&r, "Par2", "Succeeded", NULL, NULL);
    /* overlap: each started before the other ended (ISO strings sort) */
    const char *s1 = str_at(&r, "Par1", "activityRunStart"),
               *e1 = str_at(&r, "Par1", "activityRunEnd"),
               *s2 = str_at(&r, "Par2", "activityRunStart"),
               *e2 = str_at(&r, "Par2", "activityRunEnd");
    CHECK(*s1 && *s2 && strcmp(s1, e2) < 0 && strcmp(s2, e1) < 0,
          "parallel calls overlap: %s-%s vs %s-%s", s1, e1, s2, e2);
    expect(&r, "Strict", "Failed", "error.message",
           "Response status code: 'NA - Unknown'");
    expect(&r, "Insecure", "Succeeded", "output.who", "none");
    expect(&r, "Cert", "Succeeded", "output.cn", "adfrun-test-client");
    expect(&r, "NoCert", "Failed", "error.message", "NA - Unknown");
    CHECK(strcmp(str_at(&r, "BadPfx", "error.errorCode"), "2113") == 0,
          "bad PFX: 2113, got %s (%s)", str_at(&r, "BadPfx", "error.errorCode"),
          str_at(&r, "BadPfx", "error.message"));
    const char *secrets[] = {PFX_PW, NULL};
    no_secrets("tls", &r, secrets);
    run_fini(&r);
    free(pfx);
  }
  httpd_stop(self);
  httpd_stop(mtls);
  httpd_remove_pki(pki);
}

int main(void)
{
  const char *bin = getenv("ADFRUN");
  if (!bin || access(bin, X_OK) != 0) {
    puts("skipped: ADFRUN is not set to the adfrun binary");
    puts("0 passed, 0 failed");
    return 0;
  }
  snprintf(g_dir, sizeof g_dir, "/tmp/adfrun-webrun-XXXXXX");
  if (!mkdtemp(g_dir)) {
    puts("cannot make a temporary folder");
    return 1;
  }
  Api a;
  memset(&a, 0, sizeof a);
  a.sp_secret_enc = auth_urlencode(SP_SECRET);
  a.env_secret_enc = auth_urlencode(ENV_SECRET);
  char *cred = b64((const unsigned char *)BASIC_USER ":" BASIC_PW,
                   strlen(BASIC_USER ":" BASIC_PW));
  snprintf(a.basic, sizeof a.basic, "Basic %s", cred);
  free(cred);
  Api other_state;
  memset(&other_state, 0, sizeof other_state);
  snprintf(other_state.basic, sizeof other_state.basic, "%s", a.basic);
  Httpd *h = httpd_start(api, &a, false);
  Httpd *other = httpd_start(api, &other_state, false);
  CHECK(h && other, "servers started");
  if (h && other) {
    snprintf(a.other, sizeof a.other, "%s", httpd_url(other));
    test_auth(h, &a);
    test_msi_chain(h, &a);
    test_responses(h);
    test_unmatched(h, &a);
    test_tls_parallel(h);
  }
  httpd_stop(h);
  httpd_stop(other);
  free(a.sp_secret_enc);
  free(a.env_secret_enc);
  const char *left[] = {"auth.yaml",      "msi.yaml", "resp.yaml",
                        "unmatched.yaml", "m.yaml",   "tls.yaml"};
  for (size_t i = 0; i < sizeof left / sizeof *left; i++) {
    char p[256];
    snprintf(p, sizeof p, "%s/%s", g_dir, left[i]);
    unlink(p);
  }
  rmdir(g_dir);
  return CHECK_DONE();
}
