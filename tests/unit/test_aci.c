/*
 * tests/unit/test_aci.c -- pipeline1, unmodified, against a local Azure
 *                          Container Instances emulator
 *
 * One loopback server plays the management API (start -> 202 + Location;
 * GET -> instanceView.state advancing Pending, Running, Succeeded or
 * Failed; Bearer token and api-version required), the App Service
 * managed-identity endpoint, and the homepage.  The adfrun binary ($ADFRUN)
 * runs pipelines/pipeline1.json with --rewrite rules and IDENTITY_ENDPOINT
 * on the virtual clock; checks statuses, the request sequence, token use
 * and that no secret reaches any output.  Also runs the mock variants.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "expr/json.h"
#include "expr/strbuf.h"
#include "tests/check.h"
#include "tests/support/httpd.h"

#define TOKEN     "aci-emulator-token-7f3e9c"
#define ID_HEADER "identity-header-4b1d"

typedef struct Aci {
  bool fail; /* the job ends Failed */
  int gets;  /* container group GETs so far */
  int msi_calls;
  int starts;
  int bad_auth;
  int homepage;
} Aci;

static void aci(void *ud, const HttpdRequest *req, HttpdReply *rep)
{
  Aci *a = ud;
  const char *t = req->target;
  char buf[512];
  if (strncmp(t, "/msi", 4) == 0) {
    a->msi_calls++;
    if (!httpd_header(req, "X-IDENTITY-HEADER", buf, sizeof buf) ||
        strcmp(buf, ID_HEADER) != 0 || !strstr(t, "api-version=2019-08-01")) {
      httpd_reply(rep, 401, "application/json", "{\"error\":\"denied\"}");
      return;
    }
    httpd_reply(rep, 200, "application/json",
                "{\"access_token\":\"" TOKEN "\",\"expires_on\":\"4102444800\","
                "\"resource\":\"https://management.azure.com\","
                "\"token_type\":\"Bearer\"}");
    return;
  }
  if (strncmp(t, "/google", 7) == 0) {
    a->homepage++;
    httpd_reply(rep, 200, "text/html", "<html>home</html>");
    return;
  }
  if (strncmp(t, "/arm/", 5) != 0) {
    httpd_reply(rep, 404, "application/json", "{\"error\":\"no route\"}");
    return;
  }
  if (!httpd_header(req, "Authorization", buf, sizeof buf) ||
      strcmp(buf, "Bearer " TOKEN) != 0) {
    a->bad_auth++;
    httpd_reply(rep, 401, "application/json",
                "{\"error\":{\"code\":\"AuthenticationFailed\"}}");
    return;
  }
  if (!strstr(t, "api-version=")) {
    httpd_reply(rep, 400, "application/json",
                "{\"error\":{\"code\":\"MissingApiVersionParameter\"}}");
    return;
  }
  if (strstr(t, "/operations/")) {
    httpd_reply(rep, 200, "application/json", "{\"status\":\"Succeeded\"}");
    return;
  }
  if (strcmp(req->method, "POST") == 0 && strstr(t, "/start?")) {
    a->starts++;
    httpd_add_header(rep, "Location",
                     "https://management.azure.com/subscriptions/s/"
                     "providers/Microsoft.ContainerInstance/locations/"
                     "westeurope/operations/op1?api-version=2021-10-01");
    httpd_add_header(rep, "Retry-After", "10");
    httpd_reply(rep, 202, NULL, "");
    return;
  }
  if (strcmp(req->method, "GET") == 0 && strstr(t, "/containerGroups/")) {
    static const char *const ok[] = {"Pending", "Running", "Running",
                                     "Succeeded"};
    static const char *const bad[] = {"Pending", "Running", "Failed"};
    int i = a->gets++;
    const char *state = a->fail ? bad[i < 2 ? i : 2] : ok[i < 3 ? i : 3];
    snprintf(buf, sizeof buf,
             "{\"name\":\"coalesce-data-refresh-job-1\",\"properties\":{"
             "\"provisioningState\":\"Succeeded\",\"instanceView\":{"
             "\"state\":\"%s\"}}}",
             state);
    httpd_reply(rep, 200, "application/json", buf);
    return;
  }
  httpd_reply(rep, 404, "application/json", "{\"error\":\"unknown\"}");
}

/* ---- Running adfrun ----------------------------------------------------- */

static char *slurp(const char *path)
{
  FILE *f = fopen(path, "rb");
  StrBuf sb;
  sb_init(&sb);
  if (f) {
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
      sb_put(&sb, buf, n);
    fclose(f);
  }
  return sb_take(&sb);
}

/* Runs adfrun with 'args' (NULL-terminated) and extra environment
 * 'env' (NAME=VALUE strings, NULL-terminated).  Returns the exit status;
 * stdout and stderr land in out and errout (malloc'd). */
static int run_adfrun(const char *const *args, const char *const *env,
                      char **out, char **errout)
{
  const char *bin = getenv("ADFRUN");
  char of[] = "/tmp/adfrun-aci-out-XXXXXX", ef[] = "/tmp/adfrun-aci-err-XXXXXX";
  int ofd = mkstemp(of), efd = mkstemp(ef);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(ofd, 1);
    dup2(efd, 2);
    httpd_child_env(env); /* never the real az CLI or Azure */
    const char *argv[32];
    size_t n = 0;
    argv[n++] = bin;
    for (size_t i = 0; args[i] && n < 31; i++)
      argv[n++] = args[i];
    argv[n] = NULL;
    execv(bin, (char *const *)argv);
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  close(ofd);
  close(efd);
  *out = slurp(of);
  *errout = slurp(ef);
  unlink(of);
  unlink(ef);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* Finds the status of the first activity run named 'name' anywhere in
 * the report (borrowed string, or NULL). */
static const char *find_status(const Value *v, const char *name)
{
  if (val_kind(v) == VAL_OBJECT) {
    const Value *n = val_object_peek(v, "activityName");
    const Value *s = val_object_peek(v, "status");
    if (n && s && val_kind(n) == VAL_STRING && strcmp(val_str(n), name) == 0)
      return val_kind(s) == VAL_STRING ? val_str(s) : NULL;
    for (size_t i = 0; i < val_object_len(v); i++) {
      const char *r = find_status(val_object_value_peek(v, i), name);
      if (r)
        return r;
    }
  } else if (val_kind(v) == VAL_ARRAY) {
    for (size_t i = 0; i < val_array_len(v); i++) {
      const char *r = find_status(val_array_peek(v, i), name);
      if (r)
        return r;
    }
  }
  return NULL;
}

static Value *parse_report(const char *out)
{
  const char *brace = strchr(out, '{');
  if (!brace)
    return NULL;
  Err err = ERR_INIT;
  return json_parse(brace, strlen(brace), NULL, &err);
}

static void check_no_secret(const char *what, const char *out, const char *err)
{
  CHECK(!strstr(out, TOKEN) && !strstr(err, TOKEN), "%s: token leaked", what);
  CHECK(!strstr(out, ID_HEADER) && !strstr(err, ID_HEADER),
        "%s: identity header leaked", what);
}

static void run_emulated(bool fail)
{
  Aci a = {.fail = fail};
  Httpd *h = httpd_start(aci, &a, false);
  CHECK(h != NULL, "emulator started");
  if (!h)
    return;
  char rw1[256], rw2[256], ep[128], hd[64];
  snprintf(rw1, sizeof rw1, "^https://management\\.azure\\.com/(.*)=%s/arm/$1",
           httpd_url(h));
  snprintf(rw2, sizeof rw2, "^https://www\\.google\\.com/?(.*)=%s/google/$1",
           httpd_url(h));
  snprintf(ep, sizeof ep, "IDENTITY_ENDPOINT=%s/msi", httpd_url(h));
  snprintf(hd, sizeof hd, "IDENTITY_HEADER=%s", ID_HEADER);
  const char *args[] = {"run",     "pipelines/pipeline1.json",
                        "--clock", "virtual",
                        "--json",  "--rewrite",
                        rw1,       "--rewrite",
                        rw2,       NULL};
  const char *env[] = {ep, hd, NULL};
  char *out, *err;
  int rc = run_adfrun(args, env, &out, &err);
  const char *what = fail ? "emulated failed run" : "emulated run";
  CHECK(rc == (fail ? 1 : 0), "%s: exit %d\n%s\n%s", what, rc, out, err);
  Value *rep = parse_report(out);
  CHECK(rep != NULL, "%s: JSON report", what);
  if (rep) {
    const char *s = find_status(rep, "Start coa ACI jobID 1");
    CHECK(s && strcmp(s, "Succeeded") == 0, "%s: start %s", what, s);
    s = find_status(rep, "Visit google homepage");
    if (fail) {
      s = find_status(rep, "coa refresh failed");
      CHECK(s && strcmp(s, "Failed") == 0, "fail activity ran: %s", s);
      CHECK(strstr(out, "coa refresh failed") && strstr(out, "\"500\""),
            "Fail error in report");
    } else {
      CHECK(s && strcmp(s, "Succeeded") == 0, "homepage %s", s);
    }
    val_unref(rep);
  }
  CHECK(a.starts == 1, "%s: one start, got %d", what, a.starts);
  CHECK(a.gets == (fail ? 3 : 4), "%s: polls %d", what, a.gets);
  CHECK(a.msi_calls == 1, "%s: token fetched once (cached), got %d", what,
        a.msi_calls);
  CHECK(a.bad_auth == 0, "%s: every ARM call authorized", what);
  CHECK(a.homepage == (fail ? 0 : 1), "%s: homepage %d", what, a.homepage);
  CHECK(strstr(out, "\"requests\"") != NULL, "%s: requests recorded", what);
  CHECK(strstr(out, "***") != NULL, "%s: Authorization redacted", what);
  check_no_secret(what, out, err);
  free(out);
  free(err);
  httpd_stop(h);
}

static void run_mocked(const char *mock, bool fail)
{
  const char *args[] = {"run",     "pipelines/pipeline1.json",
                        "--mock",  mock,
                        "--clock", "virtual",
                        "--json",  NULL};
  char *out, *err;
  int rc = run_adfrun(args, NULL, &out, &err);
  CHECK(rc == (fail ? 1 : 0), "%s: exit %d\n%s", mock, rc, err);
  Value *rep = parse_report(out);
  CHECK(rep != NULL, "%s: JSON report", mock);
  if (rep) {
    const char *s =
        find_status(rep, fail ? "coa refresh failed" : "Visit google homepage");
    CHECK(s && strcmp(s, fail ? "Failed" : "Succeeded") == 0, "%s: %s", mock,
          s);
    val_unref(rep);
  }
  CHECK(strstr(out, "adfrun-mock-token") == NULL ||
            strstr(out, "mock token") != NULL,
        "%s: mock token marked", mock);
  free(out);
  free(err);
}

int main(void)
{
  const char *bin = getenv("ADFRUN");
  if (!bin || access(bin, X_OK) != 0) {
    puts("skipped: ADFRUN is not set to the adfrun binary");
    puts("0 passed, 0 failed");
    return 0;
  }
  run_emulated(false);
  run_emulated(true);
  run_mocked("pipelines/pipeline1.mock.yaml", false);
  run_mocked("pipelines/pipeline1.failed.mock.yaml", true);
  return CHECK_DONE();
}
