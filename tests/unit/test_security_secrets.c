/*
 * tests/unit/test_security_secrets.c -- no secret of a data linked service
 *                                       reaches output, logs or reports
 *
 * Runs failing Copy/Lookup/GetMetadata pipelines through $ADFRUN against
 * a loopback server that answers every request with an error whose body
 * echoes what it was sent (URL with SAS, Authorization, token request
 * body).  Secrets: a connection-string AccountKey, SAS signatures (sasUri
 * and connection string), a service principal key, an HttpServer password
 * (SecureString, and plain in the URL), an authHeaders value and a Key
 * Vault secret from ADFRUN_SECRETS.  stdout, stderr and the --report file
 * of --json and human runs, and `validate --format json|sarif|junit|
 * github`, must show none of them in raw, percent-encoded or JSON form.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "expr/strbuf.h"
#include "expr/value.h"
#include "tests/check.h"
#include "tests/support/httpd.h"

extern char **environ;

/* base64 with '+' and '/' in it (the key is decoded for SharedKey). */
#define ACCOUNT_KEY "YWNjb3VudC1rZXktc2VjcmV0LWJ5dGVzLfv//i0wMTIzNDU2Nzg5"
#define SAS_SIG     "SiGsEcReT%2Babc%2Fdef%3D"
#define SAS_SIG_DEC "SiGsEcReT+abc/def="
#define CS_SIG      "Pl+usSig/Secret="
#define SP_KEY      "sp+S3cret/x=y&z%w"
#define HTTP_PW     "b4sic-Pw-9q7&?#"
#define HDR_VAL     "hdr-t0ken-XYZ"
#define URL_PW      "urlPassw0rd"
#define KV_KEY      "a3Ytc2VjcmV0LXZhbHVlLTc3Nw=="
#define SECURE_PRM  "secureParamV4lue"

static const char *const secrets[] = {
    ACCOUNT_KEY,
    SAS_SIG,
    SAS_SIG_DEC,
    CS_SIG,
    SP_KEY,
    HTTP_PW,
    HDR_VAL,
    URL_PW,
    KV_KEY,
    SECURE_PRM,
    /* "alice:b4sic-Pw-9q7&?#" as the Basic header carries it */
    "YWxpY2U6YjRzaWMtUHctOXE3Jj8j",
};

static char g_dir[256];

/* ---- The server: every answer is an error echoing the request ------------
 */

static void handler(void *ud, const HttpdRequest *req, HttpdReply *rep)
{
  (void)ud;
  StrBuf sb;
  sb_init(&sb);
  sb_printf(&sb,
            "<Error><Code>AuthenticationFailed</Code><Message>%s %s "
            "%s %s</Message></Error>",
            req->method, req->target, req->headers, req->body ? req->body : "");
  if (strstr(req->target, "/oauth2/")) {
    httpd_reply(rep, 400, "application/json", sb.s);
  } else {
    httpd_add_header(rep, "x-ms-error-code", "AuthenticationFailed");
    httpd_reply(rep, 403, "application/xml", sb.s);
  }
  sb_fini(&sb);
}

/* ---- Files ------------------------------------------------------------------
 */

static void put(const char *rel, const char *text)
{
  char p[1024];
  snprintf(p, sizeof p, "%s/%s", g_dir, rel);
  for (char *s = p + 1; *s; s++)
    if (*s == '/') {
      *s = '\0';
      mkdir(p, 0777);
      *s = '/';
    }
  FILE *f = fopen(p, "w");
  if (f) {
    fputs(text, f);
    fclose(f);
  }
}

static void putf(const char *rel, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void putf(const char *rel, const char *fmt, ...)
{
  char buf[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  put(rel, buf);
}

static char *slurp(const char *path)
{
  FILE *f = fopen(path, "rb");
  StrBuf sb;
  sb_init(&sb);
  char buf[4096];
  size_t n;
  while (f && (n = fread(buf, 1, sizeof buf, f)) > 0)
    sb_put(&sb, buf, n);
  if (f)
    fclose(f);
  return sb_take(&sb);
}

static void rm_rf(const char *path)
{
  pid_t pid = fork();
  if (pid == 0) {
    execl("/bin/rm", "rm", "-rf", path, (char *)NULL);
    _exit(127);
  }
  waitpid(pid, NULL, 0);
}

/* The factory: one linked service per way of carrying a secret, a Blob
 * and an Http dataset over each, one pipeline per linked service. */
static void make_factory(const char *url)
{
  putf("f/linkedService/Local.json",
       "{\"name\":\"Local\",\"properties\":{\"type\":\"FileServer\","
       "\"typeProperties\":{\"host\":\"%s/data\"}}}",
       g_dir);
  put("data/in/x.csv", "a,b\n1,2\n");
  putf("f/linkedService/BlobCs.json",
       "{\"name\":\"BlobCs\",\"properties\":{\"type\":\"AzureBlobStorage\","
       "\"typeProperties\":{\"connectionString\":\"DefaultEndpointsProtocol="
       "http;AccountName=acct;AccountKey=" ACCOUNT_KEY
       ";BlobEndpoint=%s/acct\"}}}",
       url);
  putf("f/linkedService/BlobSas.json",
       "{\"name\":\"BlobSas\",\"properties\":{\"type\":\"AzureBlobStorage\","
       "\"typeProperties\":{\"sasUri\":{\"type\":\"SecureString\",\"value\":"
       "\"%s/acct?sv=2022-11-02&sp=rwdl&sig=%s\"}}}}",
       url, SAS_SIG);
  putf("f/linkedService/BlobSas2.json",
       "{\"name\":\"BlobSas2\",\"properties\":{\"type\":\"AzureBlobStorage\","
       "\"typeProperties\":{\"connectionString\":\"BlobEndpoint=%s/acct;"
       "SharedAccessSignature=sv=2022-11-02&sig=" CS_SIG "\"}}}",
       url);
  putf("f/linkedService/BlobSp.json",
       "{\"name\":\"BlobSp\",\"properties\":{\"type\":\"AzureBlobStorage\","
       "\"typeProperties\":{\"serviceEndpoint\":\"%s/acct\","
       "\"servicePrincipalId\":\"sp-client-4242\",\"servicePrincipalKey\":{"
       "\"type\":\"SecureString\",\"value\":\"sp+S3cret/x=y&z%%w\"},"
       "\"tenant\":\"tenant1\"}}}",
       url);
  put("f/linkedService/Kv.json",
      "{\"name\":\"Kv\",\"properties\":{\"type\":\"AzureKeyVault\","
      "\"typeProperties\":{\"baseUrl\":\"https://kv1.vault.azure.net/\"}}}");
  putf("f/linkedService/BlobKv.json",
       "{\"name\":\"BlobKv\",\"properties\":{\"type\":\"AzureBlobStorage\","
       "\"typeProperties\":{\"connectionString\":\"DefaultEndpointsProtocol="
       "http;AccountName=acct;BlobEndpoint=%s/acct\",\"accountKey\":{\"type\":"
       "\"AzureKeyVaultSecret\",\"store\":{\"referenceName\":\"Kv\",\"type\":"
       "\"LinkedServiceReference\"},\"secretName\":\"blobkey\"}}}}",
       url);
  put("secrets.json", "{\"Kv/blobkey\": \"" KV_KEY "\"}");
  putf("f/linkedService/Http.json",
       "{\"name\":\"Http\",\"properties\":{\"type\":\"HttpServer\","
       "\"typeProperties\":{\"url\":\"%s/http/\",\"authenticationType\":"
       "\"Basic\",\"userName\":\"alice\",\"password\":{\"type\":"
       "\"SecureString\",\"value\":\"" HTTP_PW "\"},\"authHeaders\":{"
       "\"x-api-key\":{\"type\":\"SecureString\",\"value\":\"" HDR_VAL
       "\"}}}}}",
       url);
  const char *scheme_end = strstr(url, "://");
  putf("f/linkedService/HttpUrl.json",
       "{\"name\":\"HttpUrl\",\"properties\":{\"type\":\"HttpServer\","
       "\"typeProperties\":{\"url\":\"http://bob:" URL_PW "@%s/http/\","
       "\"authenticationType\":\"Anonymous\"}}}",
       scheme_end ? scheme_end + 3 : url);
  /* A SecureString pipeline parameter handed to a linked-service
   * parameter that an expression converts (and fails on). */
  putf("f/linkedService/HttpParam.json",
       "{\"name\":\"HttpParam\",\"properties\":{\"type\":\"HttpServer\","
       "\"parameters\":{\"pw\":{\"type\":\"String\"}},\"typeProperties\":{"
       "\"url\":\"@{concat('%s/http/', int(linkedService().pw))}\","
       "\"authenticationType\":\"Anonymous\"}}}",
       url);
  const char *blobs[] = {"BlobCs", "BlobSas", "BlobSas2", "BlobSp", "BlobKv"};
  for (size_t i = 0; i < 5; i++) {
    char rel[128];
    snprintf(rel, sizeof rel, "f/dataset/D%s.json", blobs[i]);
    putf(rel,
         "{\"name\":\"D%s\",\"properties\":{\"type\":\"DelimitedText\","
         "\"linkedServiceName\":{\"referenceName\":\"%s\",\"type\":"
         "\"LinkedServiceReference\"},\"typeProperties\":{\"location\":{"
         "\"type\":\"AzureBlobStorageLocation\",\"container\":\"c1\","
         "\"fileName\":\"x.csv\"}}}}",
         blobs[i], blobs[i]);
  }
  const char *https[] = {"Http", "HttpUrl", "HttpParam"};
  for (size_t i = 0; i < 3; i++) {
    char rel[128];
    snprintf(rel, sizeof rel, "f/dataset/D%s.json", https[i]);
    putf(rel,
         "{\"name\":\"D%s\",\"properties\":{\"type\":\"DelimitedText\","
         "\"linkedServiceName\":{\"referenceName\":\"%s\",\"type\":"
         "\"LinkedServiceReference\"%s},%s\"typeProperties\":{\"location\":{"
         "\"type\":\"HttpServerLocation\",\"relativeUrl\":\"x.csv\"}}}}",
         https[i], https[i],
         i == 2 ? ",\"parameters\":{\"pw\":\"@dataset().pw\"}" : "",
         i == 2 ? "\"parameters\":{\"pw\":{\"type\":\"String\"}}," : "");
  }
  put("f/dataset/DLocal.json",
      "{\"name\":\"DLocal\",\"properties\":{\"type\":\"DelimitedText\","
      "\"linkedServiceName\":{\"referenceName\":\"Local\",\"type\":"
      "\"LinkedServiceReference\"},\"parameters\":{\"p\":{\"type\":"
      "\"String\",\"defaultValue\":\"out\"}},\"typeProperties\":{"
      "\"location\":{\"type\":\"FileServerLocation\",\"folderPath\":{"
      "\"value\":\"@dataset().p\",\"type\":\"Expression\"},\"fileName\":"
      "\"x.csv\"}}}}");
  const char *all[] = {"BlobCs", "BlobSas", "BlobSas2", "BlobSp",
                       "BlobKv", "Http",    "HttpUrl",  "HttpParam"};
  for (size_t i = 0; i < 8; i++) {
    bool blob = i < 5;
    char rel[128], extra[512] = "";
    snprintf(rel, sizeof rel, "f/pipeline/P%s.json", all[i]);
    const char *dsp =
        i == 7 ? ",\"parameters\":{\"pw\":\"@pipeline().parameters.spw\"}" : "";
    if (blob)
      snprintf(extra, sizeof extra,
               ",{\"name\":\"Up\",\"type\":\"Copy\",\"typeProperties\":{"
               "\"source\":{\"type\":\"DelimitedTextSource\"},\"sink\":{"
               "\"type\":\"DelimitedTextSink\"}},\"inputs\":[{"
               "\"referenceName\":\"DLocal\",\"type\":\"DatasetReference\","
               "\"parameters\":{\"p\":\"in\"}}],\"outputs\":[{"
               "\"referenceName\":\"D%s\",\"type\":\"DatasetReference\"}]}",
               all[i]);
    putf(rel,
         "{\"name\":\"P%s\",\"properties\":{\"parameters\":{\"spw\":{"
         "\"type\":\"SecureString\",\"defaultValue\":\"" SECURE_PRM "\"}},"
         "\"activities\":[{\"name\":\"Down\",\"type\":\"Copy\","
         "\"typeProperties\":{\"source\":{\"type\":\"DelimitedTextSource\"},"
         "\"sink\":{\"type\":\"DelimitedTextSink\"}},\"inputs\":[{"
         "\"referenceName\":\"D%s\",\"type\":\"DatasetReference\"%s}],"
         "\"outputs\":[{\"referenceName\":\"DLocal\",\"type\":"
         "\"DatasetReference\"}]},{\"name\":\"Look\",\"type\":\"Lookup\","
         "\"typeProperties\":{\"source\":{\"type\":\"DelimitedTextSource\"},"
         "\"dataset\":{\"referenceName\":\"D%s\",\"type\":"
         "\"DatasetReference\"%s}}},{\"name\":\"Meta\",\"type\":"
         "\"GetMetadata\",\"typeProperties\":{\"dataset\":{\"referenceName\":"
         "\"D%s\",\"type\":\"DatasetReference\"%s},\"fieldList\":["
         "\"exists\",\"size\"]}}%s]}}",
         all[i], all[i], dsp, all[i], dsp, all[i], dsp, extra);
  }
}

/* ---- Running ----------------------------------------------------------------
 */

/* Runs $ADFRUN with 'args'; returns the exit status and fills *out and
 * *err (malloc'd). */
static int run(const char *const *args, const char *url, char **out, char **err)
{
  char of[512], ef[512];
  snprintf(of, sizeof of, "%s/stdout", g_dir);
  snprintf(ef, sizeof ef, "%s/stderr", g_dir);
  pid_t pid = fork();
  if (pid == 0) {
    if (!freopen(of, "w", stdout) || !freopen(ef, "w", stderr))
      _exit(126);
    char sec[512], auth[256];
    snprintf(sec, sizeof sec, "%s/secrets.json", g_dir);
    snprintf(auth, sizeof auth, "%s/", url);
    for (char **e = environ; *e;) {
      if (strncmp(*e, "AZURE_", 6) == 0 || strncmp(*e, "IDENTITY_", 9) == 0 ||
          strncasecmp(*e, "http_proxy", 10) == 0 ||
          strncasecmp(*e, "https_proxy", 11) == 0) {
        char name[128];
        size_t n = strcspn(*e, "=");
        snprintf(name, sizeof name, "%.*s", (int)n, *e);
        unsetenv(name);
        continue; /* environ shifted */
      }
      e++;
    }
    setenv("ADFRUN_SECRETS", sec, 1);
    setenv("AZURE_AUTHORITY_HOST", auth, 1);
    setenv("NO_PROXY", "*", 1);
    setenv("PATH", "/nonexistent", 1); /* no az CLI fallback */
    const char *argv[32];
    size_t n = 0;
    argv[n++] = getenv("ADFRUN");
    for (size_t i = 0; args[i] && n < 31; i++)
      argv[n++] = args[i];
    argv[n] = NULL;
    execv(argv[0], (char *const *)argv);
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  *out = slurp(of);
  *err = slurp(ef);
  unlink(of);
  unlink(ef);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* Fails when 'text' holds a secret in any spelling. */
static void no_secret(const char *text, const char *what)
{
  for (size_t i = 0; i < sizeof secrets / sizeof *secrets; i++) {
    const char *s = secrets[i];
    StrBuf enc, lenc, js;
    sb_init(&enc);
    sb_init(&lenc);
    sb_init(&js);
    for (const char *p = s; *p; p++) {
      unsigned char c = (unsigned char)*p;
      bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  (c >= '0' && c <= '9') || strchr("-_.~", c);
      if (keep) {
        sb_putc(&enc, (char)c);
        sb_putc(&lenc, (char)c);
      } else {
        sb_printf(&enc, "%%%02X", c);
        sb_printf(&lenc, "%%%02x", c);
      }
    }
    val_json_quote(&js, s, strlen(s));
    const char *forms[] = {s, enc.s, lenc.s, js.s + 1};
    js.s[js.len - 1] = '\0'; /* drop the closing quote */
    for (size_t k = 0; k < 4; k++)
      CHECK(!strstr(text, forms[k]), "%s shows secret '%s' (form %zu):\n%s",
            what, forms[k], k, text);
    sb_fini(&enc);
    sb_fini(&lenc);
    sb_fini(&js);
  }
}

static void run_pipeline(Httpd *h, const char *name, const char *url)
{
  char fac[512], rep[512], what[256];
  snprintf(fac, sizeof fac, "%s/f", g_dir);
  snprintf(rep, sizeof rep, "%s/report.json", g_dir);
  for (int human = 0; human < 2; human++) {
    int before = httpd_count(h);
    const char *json_args[] = {"run",      fac, "--pipeline", name,
                               "--report", rep, "--json",     NULL};
    const char *human_args[] = {"run",      fac, "--pipeline", name,
                                "--report", rep, "--no-color", NULL};
    char *out = NULL, *err = NULL;
    unlink(rep);
    int rc = run(human ? human_args : json_args, url, &out, &err);
    char *report = slurp(rep);
    snprintf(what, sizeof what, "%s (%s) stdout", name,
             human ? "human" : "json");
    CHECK(rc == 1, "%s: exit status %d\n%s", what, rc, err);
    CHECK(!strstr(err, "Sanitizer"), "%s: sanitizer:\n%s", what, err);
    CHECK(*report != '\0', "%s: a report was written", what);
    if (strcmp(name, "PHttpParam") != 0)
      CHECK(httpd_count(h) > before, "%s: the server was asked", what);
    no_secret(out, what);
    snprintf(what, sizeof what, "%s (%s) stderr", name,
             human ? "human" : "json");
    no_secret(err, what);
    snprintf(what, sizeof what, "%s (%s) report", name,
             human ? "human" : "json");
    no_secret(report, what);
    free(out);
    free(err);
    free(report);
  }
}

static void test_validate(const char *url)
{
  char fac[512];
  snprintf(fac, sizeof fac, "%s/f", g_dir);
  /* Plain-text secrets for ADF061 to find. */
  put("f/linkedService/Plain.json",
      "{\"name\":\"Plain\",\"properties\":{\"type\":\"HttpServer\","
      "\"typeProperties\":{\"url\":\"http://127.0.0.1:9/\","
      "\"authenticationType\":\"Basic\",\"userName\":\"alice\","
      "\"password\":\"" HTTP_PW "\"}}}");
  putf("f/linkedService/PlainSp.json",
       "{\"name\":\"PlainSp\",\"properties\":{\"type\":\"AzureBlobStorage\","
       "\"typeProperties\":{\"serviceEndpoint\":\"%s/acct\","
       "\"servicePrincipalId\":\"x\",\"servicePrincipalKey\":\"%s\","
       "\"tenant\":\"t\"}}}",
       url, SP_KEY);
  const char *formats[] = {"text", "json", "sarif", "junit", "github"};
  for (size_t i = 0; i < 5; i++) {
    const char *args[] = {"validate", fac, "--format", formats[i], NULL};
    char *out = NULL, *err = NULL;
    int rc = run(args, url, &out, &err);
    char what[128];
    snprintf(what, sizeof what, "validate --format %s", formats[i]);
    CHECK(rc == 0 || rc == 1, "%s: exit status %d\n%s", what, rc, err);
    CHECK(strstr(out, "ADF061") || strstr(err, "ADF061"),
          "%s reports the inline secrets", what);
    CHECK(strstr(out, "password") || strstr(err, "password"),
          "%s names the property", what);
    no_secret(out, what);
    no_secret(err, what);
    free(out);
    free(err);
  }
}

int main(void)
{
  const char *bin = getenv("ADFRUN");
  if (!bin || !*bin || access(bin, X_OK) != 0) {
    printf("skipped: ADFRUN is not set to the adfrun binary\n");
    printf("0 passed, 0 failed\n");
    return 0;
  }
  const char *t = getenv("TMPDIR");
  snprintf(g_dir, sizeof g_dir, "%s/adfrun-sec-XXXXXX", t && *t ? t : "/tmp");
  if (!mkdtemp(g_dir)) {
    perror("mkdtemp");
    return 2;
  }
  Httpd *h = httpd_start(handler, NULL, false);
  if (!h) {
    printf("skipped: cannot start the loopback server\n");
    rm_rf(g_dir);
    printf("0 passed, 0 failed\n");
    return 0;
  }
  const char *url = httpd_url(h);
  make_factory(url);
  const char *pipelines[] = {"PBlobCs", "PBlobSas", "PBlobSas2", "PBlobSp",
                             "PBlobKv", "PHttp",    "PHttpUrl",  "PHttpParam"};
  for (size_t i = 0; i < sizeof pipelines / sizeof *pipelines; i++)
    run_pipeline(h, pipelines[i], url);
  test_validate(url);
  httpd_stop(h);
  rm_rf(g_dir);
  return CHECK_DONE();
}
