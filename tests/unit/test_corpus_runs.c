/*
 * tests/unit/test_corpus_runs.c -- real third-party factories run unmodified
 *
 * Reads tests/corpus-runs/manifest.yaml and, for each run, starts the real
 * binary ($ADFRUN) on a factory folder of $ADF_SHARED/corpus with the run's
 * mock document (if any), parameters and a virtual clock, then checks the
 * report: exit status, pipeline status, listed activity runs and child runs.
 * Skips (and passes) when ADFRUN or the shared corpus is absent.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "expr/json.h"
#include "expr/strbuf.h"
#include "interp/load.h"
#include "tests/check.h"

#define MANIFEST "tests/corpus-runs/manifest.yaml"
#define MOCK_DIR "tests/corpus-runs"
#define MAX_ARGS 64

static char g_dir[64];

/* ---- Small helpers --------------------------------------------------- */

static const char *str_of(const Value *obj, const char *key)
{
  const Value *v =
      obj && val_kind(obj) == VAL_OBJECT ? val_object_peek(obj, key) : NULL;
  return v && val_kind(v) == VAL_STRING ? val_str(v) : NULL;
}

/* Whole file as a NUL-terminated string (owned), "" when unreadable. */
static char *slurp(const char *path, size_t *out_len)
{
  FILE *f = fopen(path, "rb");
  StrBuf sb;
  char buf[4096];
  size_t n;
  sb_init(&sb);
  sb_put(&sb, "", 0);
  if (f) {
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
      sb_put(&sb, buf, n);
    fclose(f);
  }
  if (out_len)
    *out_len = sb.len;
  return sb_take(&sb);
}

/* ---- Running adfrun -------------------------------------------------- */

typedef struct Run {
  int rc;
  char *err;  /* stderr text, owned */
  Value *rep; /* the --json report, owned, NULL if none */
} Run;

static void run_fini(Run *r)
{
  free(r->err);
  val_unref(r->rep);
}

/* Runs one manifest entry; argv strings live in 'hold' until the wait. */
static void run_adfrun(const char *bin, const char *corpus, const Value *e,
                       Run *r)
{
  char of[128], ef[128];
  const char *argv[MAX_ARGS + 1];
  char *hold[MAX_ARGS];
  size_t n = 0, n_hold = 0;
  StrBuf sb;

  memset(r, 0, sizeof *r);
  snprintf(of, sizeof of, "%s/stdout", g_dir);
  snprintf(ef, sizeof ef, "%s/stderr", g_dir);

  sb_init(&sb);
  sb_printf(&sb, "%s/%s", corpus, str_of(e, "factory"));
  hold[n_hold++] = sb_take(&sb);
  if (str_of(e, "mock")) {
    sb_printf(&sb, "%s/%s", MOCK_DIR, str_of(e, "mock"));
    hold[n_hold++] = sb_take(&sb);
  }

  argv[n++] = bin;
  argv[n++] = "run";
  argv[n++] = hold[0];
  argv[n++] = "--pipeline";
  argv[n++] = str_of(e, "pipeline");
  if (n_hold > 1) { /* a pipeline that talks to nothing needs no mock */
    argv[n++] = "--mock";
    argv[n++] = hold[1];
  }
  argv[n++] = "--clock";
  argv[n++] = "virtual=2024-01-01T00:00:00Z";
  argv[n++] = "--seed";
  argv[n++] = "1";
  argv[n++] = "--quiet";
  argv[n++] = "--no-color";
  argv[n++] = "--json";

  const Value *ps = val_object_peek(e, "params");
  for (size_t i = 0;
       ps && val_kind(ps) == VAL_OBJECT && i < val_object_len(ps) &&
       n + 2 < MAX_ARGS && n_hold + 1 < MAX_ARGS;
       i++) {
    const Value *v = val_object_value_peek(ps, i);
    sb_printf(&sb, "%s=", val_object_key_peek(ps, i, NULL));
    if (val_kind(v) == VAL_STRING)
      sb_put(&sb, val_str(v), val_strlen(v));
    else
      val_to_json(v, &sb);
    hold[n_hold] = sb_take(&sb);
    argv[n++] = "-p";
    argv[n++] = hold[n_hold++];
  }
  argv[n] = NULL;
  sb_fini(&sb);

  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    if (!freopen(of, "w", stdout) || !freopen(ef, "w", stderr))
      _exit(126);
    execv(argv[0], (char *const *)argv);
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  r->rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  for (size_t i = 0; i < n_hold; i++)
    free(hold[i]);

  size_t len;
  char *out = slurp(of, &len);
  Err err = ERR_INIT;
  r->rep = len ? json_parse(out, len, NULL, &err) : NULL;
  free(out);
  r->err = slurp(ef, NULL);
  unlink(of);
  unlink(ef);
}

/* ---- Checking the report --------------------------------------------- */

/* Activity runs named 'name' (and with 'iteration' when it is >= 0):
 * returns how many, *first the first of them. */
static size_t find_acts(const Value *rep, const char *name, int64_t iteration,
                        const Value **first)
{
  const Value *runs = val_object_peek(rep, "activityRuns");
  size_t count = 0;
  *first = NULL;
  for (size_t i = 0; runs && i < val_array_len(runs); i++) {
    const Value *a = val_array_peek(runs, i);
    const char *an = str_of(a, "activityName");
    const Value *it = val_object_peek(a, "iteration");
    if (!an || strcmp(an, name) != 0)
      continue;
    if (iteration >= 0 &&
        !(it && val_kind(it) == VAL_INT && val_get_int(it) == iteration))
      continue;
    if (!count)
      *first = a;
    count++;
  }
  return count;
}

static void check_activities(const char *run, const Value *rep,
                             const Value *want)
{
  for (size_t i = 0; want && i < val_array_len(want); i++) {
    const Value *w = val_array_peek(want, i);
    const char *name = str_of(w, "name");
    const Value *itv = val_object_peek(w, "iteration");
    const Value *nruns = val_object_peek(w, "runs");
    const char *status = str_of(w, "status");
    const char *code = str_of(w, "errorCode");
    int64_t it = itv && val_kind(itv) == VAL_INT ? val_get_int(itv) : -1;
    const Value *a;
    size_t n;

    if (!name) {
      CHECK(false, "%s: activities[%zu] has no name", run, i);
      continue;
    }
    n = find_acts(rep, name, it, &a);
    if (nruns && val_kind(nruns) == VAL_INT)
      CHECK((int64_t)n == val_get_int(nruns),
            "%s: '%s' ran %zu times, expected %lld", run, name, n,
            (long long)val_get_int(nruns));
    if (!status && !code)
      continue;
    if (!a) {
      CHECK(false, "%s: no activity run '%s' (iteration %lld)", run, name,
            (long long)it);
      continue;
    }
    if (status) {
      const char *got = str_of(a, "status");
      CHECK(got && strcmp(got, status) == 0,
            "%s: '%s' (iteration %lld) is %s, expected %s", run, name,
            (long long)it, got ? got : "?", status);
    }
    if (code) {
      const char *got = str_of(val_object_peek(a, "error"), "errorCode");
      CHECK(got && strcmp(got, code) == 0,
            "%s: '%s' errorCode is '%s', expected '%s'", run, name,
            got ? got : "?", code);
    }
  }
}

/* Appends "status," for every run of 'pipeline' under 'rep', depth first. */
static void child_statuses(const Value *rep, const char *pipeline, StrBuf *out)
{
  const Value *kids = val_object_peek(rep, "childRuns");
  for (size_t i = 0; kids && i < val_array_len(kids); i++) {
    const Value *c = val_array_peek(kids, i);
    const char *pn = str_of(c, "pipelineName");
    const char *st = str_of(c, "status");
    if (pn && strcmp(pn, pipeline) == 0)
      sb_printf(out, "%s,", st ? st : "?");
    child_statuses(c, pipeline, out);
  }
}

static void check_children(const char *run, const Value *rep, const Value *want)
{
  for (size_t i = 0;
       want && val_kind(want) == VAL_OBJECT && i < val_object_len(want); i++) {
    const char *pipeline = val_object_key_peek(want, i, NULL);
    const Value *list = val_object_value_peek(want, i);
    StrBuf exp, got;
    sb_init(&exp);
    sb_init(&got);
    sb_put(&exp, "", 0);
    sb_put(&got, "", 0);
    for (size_t j = 0; j < val_array_len(list); j++) {
      const char *s = val_str(val_array_peek(list, j));
      sb_printf(&exp, "%s,", s ? s : "?");
    }
    child_statuses(rep, pipeline, &got);
    CHECK(strcmp(exp.s, got.s) == 0,
          "%s: child runs of %s: [%s], expected [%s]", run, pipeline, got.s,
          exp.s);
    sb_fini(&exp);
    sb_fini(&got);
  }
}

static void check_run(const char *bin, const char *corpus, const Value *e)
{
  const char *name = str_of(e, "name");
  const char *status = str_of(e, "status");
  const char *factory = str_of(e, "factory");
  const char *pipeline = str_of(e, "pipeline");
  int failed_before = check_failed;
  Run r;

  if (!name || !status || !factory || !pipeline) {
    CHECK(false, "manifest entry '%s' needs name, factory, pipeline and status",
          name ? name : "?");
    return;
  }
  run_adfrun(bin, corpus, e, &r);
  CHECK(!strstr(r.err, "Sanitizer") && !strstr(r.err, "runtime error"),
        "%s: sanitizer report:\n%s", name, r.err);
  CHECK(r.rep != NULL, "%s: no JSON report (exit %d):\n%s", name, r.rc, r.err);
  if (r.rep) {
    const char *got = str_of(r.rep, "status");
    int want_rc = strcmp(status, "Succeeded") == 0 ? 0 : 1;
    CHECK(r.rc == want_rc, "%s: exit status %d, expected %d", name, r.rc,
          want_rc);
    CHECK(got && strcmp(got, status) == 0, "%s: status %s, expected %s (%s)",
          name, got ? got : "?", status,
          str_of(r.rep, "message") ? str_of(r.rep, "message") : "");
    check_activities(name, r.rep, val_object_peek(e, "activities"));
    check_children(name, r.rep, val_object_peek(e, "children"));
  }
  printf("%s %s: %s\n", check_failed == failed_before ? "ok  " : "FAIL",
         pipeline, name);
  run_fini(&r);
}

int main(void)
{
  const char *bin = getenv("ADFRUN");
  const char *shared = getenv("ADF_SHARED");
  char corpus[4096];
  struct stat st;

  if (!bin || access(bin, X_OK) != 0) {
    puts("skipped: ADFRUN is not set to the adfrun binary");
    puts("0 passed, 0 failed");
    return 0;
  }
  snprintf(corpus, sizeof corpus, "%s/corpus", shared ? shared : "../shared");
  if (stat(corpus, &st) != 0 || !S_ISDIR(st.st_mode)) {
    printf("skipped: no shared corpus at %s (set ADF_SHARED)\n", corpus);
    puts("0 passed, 0 failed");
    return 0;
  }
  Err err = ERR_INIT;
  Value *man = load_document(MANIFEST, NULL, &err);
  CHECK(man != NULL, "%s: %s", MANIFEST, err.msg);
  const Value *runs = man ? val_object_peek(man, "runs") : NULL;
  CHECK(runs && val_kind(runs) == VAL_ARRAY && val_array_len(runs) > 0,
        "%s: no 'runs' list", MANIFEST);
  snprintf(g_dir, sizeof g_dir, "/tmp/adfrun-corpusruns-XXXXXX");
  if (!mkdtemp(g_dir)) {
    puts("cannot make a temporary folder");
    val_unref(man);
    return 1;
  }
  for (size_t i = 0; runs && i < val_array_len(runs); i++) {
    const Value *e = val_array_peek(runs, i);
    const char *factory = str_of(e, "factory");
    StrBuf dir;
    sb_init(&dir);
    sb_printf(&dir, "%s/%s", corpus, factory ? factory : "");
    bool absent = factory && stat(dir.s, &st) != 0;
    sb_fini(&dir);
    if (absent) {
      printf("skipped: %s is not in the corpus\n", factory);
      continue;
    }
    check_run(bin, corpus, e);
  }
  rmdir(g_dir);
  val_unref(man);
  return CHECK_DONE();
}
