/*
 * tests/runner/adf_pipeline_test.c -- runs tests/pipelines/NNNN-*.yaml
 *                                      (STYLE.md 6.2)
 *
 * Each file: test {name, keywords}, run {definition | pipeline, children,
 * factory, files, parameters, text_parameters, globals, clock, seed,
 * max_iterations}, mocks {activities, http}, expect {status, message,
 * message_contains, activities [...], absent [...], activity_count {},
 * error, error_path, http_sent [...], files {}, no_partial,
 * <any report key>} (docs/testing.md).  'run.factory' loads a factory
 * folder (datasets, linked services); 'run.files' are written into a
 * fresh temp folder exposed as the global parameter testDir, which
 * 'expect.files' / 'expect.no_partial' inspect after the run and which
 * is removed afterwards.  Runs in-process
 * under the virtual clock; the report is compared as a subset; activity runs
 * are matched by name + iteration (+ retryAttempt), the last attempt when not
 * given.  Usage: adf_pipeline_test [DIR|FILE...]  (default
 * tests/pipelines).  Prints every difference as file: where: expected X,
 * got Y and ends with "N passed, N failed".
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "activities/registry.h"
#include "expr/json.h"
#include "expr/strbuf.h"
#include "interp/load.h"
#include "interp/report.h"
#include "interp/run.h"
#include "interp/sched.h"

static int n_pass, n_fail;

typedef struct Ctx {
  const char *file;
  int n_diffs;
} Ctx;

static void diff(Ctx *c, const char *where, const Value *want, const Value *got)
{
  char *w = want ? val_to_json_str(want) : xstrdup("(nothing)");
  char *g = got ? val_to_json_str(got) : xstrdup("(absent)");

  if (strlen(g) > 600)
    memcpy(g + 590, "...", 4);
  fprintf(stderr, "%s: %s: expected %s, got %s\n", c->file, where, w, g);
  free(w);
  free(g);
  c->n_diffs++;
}

/* Subset comparison: objects by key (actual may have more), arrays by
 * length and position, scalars by value (1 == 1.0 allowed). */
static void subset(Ctx *c, const char *where, const Value *want,
                   const Value *got)
{
  size_t i;

  if (!got) {
    diff(c, where, want, got);
    return;
  }
  if (val_kind(want) == VAL_OBJECT) {
    if (val_kind(got) != VAL_OBJECT) {
      diff(c, where, want, got);
      return;
    }
    for (i = 0; i < val_object_len(want); i++) {
      const char *k = val_object_key_peek(want, i, NULL);
      StrBuf w;
      sb_init(&w);
      sb_printf(&w, "%s.%s", where, k);
      subset(c, w.s, val_object_value_peek(want, i), val_object_peek(got, k));
      sb_fini(&w);
    }
    return;
  }
  if (val_kind(want) == VAL_ARRAY) {
    if (val_kind(got) != VAL_ARRAY ||
        val_array_len(got) != val_array_len(want)) {
      diff(c, where, want, got);
      return;
    }
    for (i = 0; i < val_array_len(want); i++) {
      StrBuf w;
      sb_init(&w);
      sb_printf(&w, "%s[%zu]", where, i);
      subset(c, w.s, val_array_peek(want, i), val_array_peek(got, i));
      sb_fini(&w);
    }
    return;
  }
  if ((val_kind(want) == VAL_INT || val_kind(want) == VAL_FLOAT) &&
      (val_kind(got) == VAL_INT || val_kind(got) == VAL_FLOAT)) {
    if (val_get_number(want) != val_get_number(got))
      diff(c, where, want, got);
    return;
  }
  if (!val_equal(want, got))
    diff(c, where, want, got);
}

static const Value *peek(const Value *o, const char *k)
{
  return o && val_kind(o) == VAL_OBJECT ? val_object_peek_ci(o, k, strlen(k))
                                        : NULL;
}

/* A malformed expectation (e.g. "activities": {...}) must fail by name
 * rather than compare nothing and pass. */
static bool shaped(Ctx *c, const char *where, const Value *w, ValKind k)
{
  if (val_kind(w) == k)
    return true;
  fprintf(stderr, "%s: expect.%s: needs type %s, got %s\n", c->file, where,
          val_kind_name(k), val_kind_name(val_kind(w)));
  c->n_diffs++;
  return false;
}

static void check_activities(Ctx *c, const Value *want, const Value *runs)
{
  size_t i, j;

  for (i = 0; i < val_array_len(want); i++) {
    const Value *w = val_array_peek(want, i);
    const Value *name = peek(w, "name"), *it = peek(w, "iteration");
    const Value *ra = peek(w, "retryAttempt"), *hit = NULL;
    StrBuf where;
    Value *rest;

    if (!name || val_kind(name) != VAL_STRING) {
      fprintf(stderr, "%s: expect.activities[%zu]: needs a name\n", c->file, i);
      c->n_diffs++;
      continue;
    }
    for (j = 0; j < val_array_len(runs); j++) {
      const Value *r = val_array_peek(runs, j);
      if (!val_equal(peek(r, "activityName"), name))
        continue;
      if (it && !(val_kind(peek(r, "iteration")) == VAL_INT &&
                  val_get_int(peek(r, "iteration")) == val_get_int(it)))
        continue;
      if (ra && !val_equal(peek(r, "retryAttempt"), ra))
        continue;
      hit = r; /* the last match wins: the final attempt */
    }
    sb_init(&where);
    sb_printf(&where, "activities['%s'%s", val_str(name), it ? "#" : "");
    if (it)
      sb_printf(&where, "%lld", (long long)val_get_int(it));
    sb_puts(&where, "]");
    if (!hit) {
      diff(c, where.s, w, NULL);
      sb_fini(&where);
      continue;
    }
    rest = val_copy(w);
    val_object_del(rest, "name");
    subset(c, where.s, rest, hit);
    val_unref(rest);
    sb_fini(&where);
  }
}

static void check_absent(Ctx *c, const Value *names, const Value *runs)
{
  size_t i, j;

  for (i = 0; i < val_array_len(names); i++)
    for (j = 0; j < val_array_len(runs); j++)
      if (val_equal(peek(val_array_peek(runs, j), "activityName"),
                    val_array_peek(names, i))) {
        StrBuf w;
        sb_init(&w);
        sb_printf(&w, "absent['%s']", val_str(val_array_peek(names, i)));
        diff(c, w.s, NULL, val_array_peek(runs, j));
        sb_fini(&w);
        break;
      }
}

static void check_http_sent(Ctx *c, const Value *want, const Value *reqs)
{
  size_t i, j;

  for (i = 0; i < val_array_len(want); i++) {
    const Value *w = val_array_peek(want, i);
    bool found = false;
    StrBuf wh;
    sb_init(&wh);
    sb_printf(&wh, "http_sent[%zu]", i);
    if (!shaped(c, wh.s, w, VAL_OBJECT)) {
      sb_fini(&wh);
      continue;
    }
    for (j = 0; reqs && j < val_array_len(reqs) && !found; j++) {
      const Value *r = val_array_peek(reqs, j);
      size_t k;
      bool ok = val_kind(r) == VAL_OBJECT;
      for (k = 0; ok && k < val_object_len(w); k++) {
        const Value *a = peek(r, val_object_key_peek(w, k, NULL));
        const Value *e = val_object_value_peek(w, k);
        ok = a && (val_equal(a, e) ||
                   (val_kind(e) == VAL_STRING && val_kind(a) == VAL_STRING &&
                    strcasecmp(val_str(a), val_str(e)) == 0));
      }
      found = ok;
    }
    if (!found)
      diff(c, wh.s, w, reqs);
    sb_fini(&wh);
  }
}

static char *dir_of(const char *file)
{
  const char *sl = strrchr(file, '/');
  return sl ? xstrndup(file, (size_t)(sl - file)) : xstrdup(".");
}

static Pipeline *load_pl(const Value *spec, const char *dir, const char *file,
                         Err *err)
{
  if (val_kind(spec) == VAL_STRING) {
    StrBuf p;
    Pipeline *pl;
    FILE *fp = fopen(val_str(spec), "r");
    sb_init(&p);
    if (fp) { /* relative to the working directory (repo root) */
      fclose(fp);
      sb_puts(&p, val_str(spec));
    } else {
      sb_printf(&p, "%s/%s", dir, val_str(spec));
    }
    pl = load_pipeline_file(p.s, err);
    sb_fini(&p);
    return pl;
  }
  return load_pipeline_value(val_ref(spec), NULL, file, err);
}

/* ---- The temp folder of run.files / expect.files ----------------------- */

/* The global parameter that carries the temp folder's absolute path. */
#define TEST_DIR_PARAM "testDir"
/* Names the file store gives its in-progress writes (store_file.c). */
#define PARTIAL_PREFIX ".adfrun-tmp-"

static int b64_digit(char c)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* The bytes a run.files / expect.files entry stands for: a string as
 * it is, {base64: "..."} decoded.  False when the entry is neither. */
static bool entry_bytes(const Value *v, StrBuf *out)
{
  const Value *b = peek(v, "base64");
  unsigned acc = 0;
  int bits = 0;

  if (v && val_kind(v) == VAL_STRING) {
    sb_put(out, val_str(v), val_strlen(v));
    return true;
  }
  if (!b || val_kind(b) != VAL_STRING)
    return false;
  for (const char *p = val_str(b); *p; p++) {
    int d = b64_digit(*p);
    if (d < 0)
      continue; /* '=' padding, line breaks */
    acc = (acc << 6) | (unsigned)d;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      sb_putc(out, (char)((acc >> bits) & 0xff));
    }
  }
  return true;
}

static bool mkdirs_for(const char *path)
{
  char *tmp = xstrdup(path);
  bool ok = true;
  for (char *p = tmp + 1; *p && ok; p++) {
    if (*p != '/')
      continue;
    *p = '\0';
    ok = mkdir(tmp, 0777) == 0 || errno == EEXIST;
    *p = '/';
  }
  free(tmp);
  return ok;
}

static void rm_rf(const char *path)
{
  struct stat st;
  if (lstat(path, &st) != 0)
    return;
  if (S_ISDIR(st.st_mode)) {
    DIR *d = opendir(path);
    struct dirent *de;
    while (d && (de = readdir(d))) {
      StrBuf sub;
      if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
        continue;
      sb_init(&sub);
      sb_printf(&sub, "%s/%s", path, de->d_name);
      rm_rf(sub.s);
      sb_fini(&sub);
    }
    if (d)
      closedir(d);
    rmdir(path);
  } else {
    unlink(path);
  }
}

/* Creates the temp folder and writes run.files into it.  Returns the
 * folder (malloc'd) or NULL after reporting the problem. */
static char *files_setup(Ctx *c, const Value *files)
{
  const char *t = getenv("TMPDIR");
  StrBuf root;
  char *dir;

  sb_init(&root);
  sb_printf(&root, "%s/adfrun-pltest-XXXXXX", t && *t ? t : "/tmp");
  dir = sb_take(&root);
  if (!mkdtemp(dir)) {
    fprintf(stderr, "%s: cannot create a temp folder: %s\n", c->file,
            strerror(errno));
    c->n_diffs++;
    free(dir);
    return NULL;
  }
  for (size_t i = 0; files && i < val_object_len(files); i++) {
    const char *rel = val_object_key_peek(files, i, NULL);
    StrBuf path, body;
    FILE *fp = NULL;
    sb_init(&path);
    sb_init(&body);
    sb_printf(&path, "%s/%s", dir, rel);
    if (strstr(rel, "..") || rel[0] == '/' ||
        !entry_bytes(val_object_value_peek(files, i), &body)) {
      fprintf(stderr,
              "%s: run.files['%s']: needs a relative path and a "
              "string or {base64: ...}\n",
              c->file, rel);
      c->n_diffs++;
    } else if (!mkdirs_for(path.s) || !(fp = fopen(path.s, "wb")) ||
               fwrite(body.s ? body.s : "", 1, body.len, fp) != body.len) {
      fprintf(stderr, "%s: cannot write %s: %s\n", c->file, path.s,
              strerror(errno));
      c->n_diffs++;
    }
    if (fp)
      fclose(fp);
    sb_fini(&path);
    sb_fini(&body);
  }
  return dir;
}

/* Reads a whole file; false when it does not exist (or is a folder). */
static bool slurp(const char *path, StrBuf *out)
{
  FILE *fp = fopen(path, "rb");
  char buf[4096];
  size_t n;
  struct stat st;

  if (!fp)
    return false;
  if (fstat(fileno(fp), &st) != 0 || S_ISDIR(st.st_mode)) {
    fclose(fp);
    return false;
  }
  while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
    sb_put(out, buf, n);
  fclose(fp);
  return true;
}

/* expect.files: {relpath: content | {base64} | {contains} | null}. */
static void check_files(Ctx *c, const char *dir, const Value *want)
{
  for (size_t i = 0; i < val_object_len(want); i++) {
    const char *rel = val_object_key_peek(want, i, NULL);
    const Value *w = val_object_value_peek(want, i), *sub;
    StrBuf path, got, exp, where;
    bool exists;
    sb_init(&path);
    sb_init(&got);
    sb_init(&exp);
    sb_init(&where);
    sb_printf(&path, "%s/%s", dir, rel);
    sb_printf(&where, "files['%s']", rel);
    exists = slurp(path.s, &got);
    if (val_kind(w) == VAL_NULL) {
      if (exists) {
        Value *g = val_string(got.s ? got.s : "", got.len);
        diff(c, where.s, w, g);
        val_unref(g);
      }
    } else if ((sub = peek(w, "contains")) && val_kind(sub) == VAL_STRING) {
      if (!exists || !strstr(got.s ? got.s : "", val_str(sub))) {
        Value *g = exists ? val_string(got.s ? got.s : "", got.len) : NULL;
        diff(c, where.s, w, g);
        val_unref(g);
      }
    } else if (!entry_bytes(w, &exp)) {
      fprintf(stderr,
              "%s: expect.%s: needs a string, {base64}, {contains} "
              "or null\n",
              c->file, where.s);
      c->n_diffs++;
    } else if (!exists || got.len != exp.len ||
               memcmp(got.s ? got.s : "", exp.s ? exp.s : "", got.len)) {
      Value *g = exists ? val_string(got.s ? got.s : "", got.len) : NULL;
      Value *e = val_string(exp.s ? exp.s : "", exp.len);
      diff(c, where.s, e, g);
      val_unref(g);
      val_unref(e);
    }
    sb_fini(&path);
    sb_fini(&got);
    sb_fini(&exp);
    sb_fini(&where);
  }
}

/* expect.no_partial: no in-progress write of the file store survives. */
static void check_partial(Ctx *c, const char *dir, const char *rel)
{
  DIR *d = opendir(dir);
  struct dirent *de;

  while (d && (de = readdir(d))) {
    StrBuf sub, r;
    struct stat st;
    if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
      continue;
    sb_init(&sub);
    sb_init(&r);
    sb_printf(&sub, "%s/%s", dir, de->d_name);
    sb_printf(&r, "%s%s%s", rel, *rel ? "/" : "", de->d_name);
    if (strncmp(de->d_name, PARTIAL_PREFIX, strlen(PARTIAL_PREFIX)) == 0) {
      fprintf(stderr, "%s: no_partial: a partial file remains: %s\n", c->file,
              r.s);
      c->n_diffs++;
    } else if (lstat(sub.s, &st) == 0 && S_ISDIR(st.st_mode)) {
      check_partial(c, sub.s, r.s);
    }
    sb_fini(&sub);
    sb_fini(&r);
  }
  if (d)
    closedir(d);
}

/* The pipeline to run: by name from a loaded factory, else as load_pl. */
static Pipeline *find_pl(Factory *f, bool from_dir, const Value *spec,
                         const char *dir, const char *file, bool *owned,
                         Err *err)
{
  *owned = true;
  if (from_dir && val_kind(spec) == VAL_STRING) {
    Pipeline *pl = factory_pipeline(f, val_str(spec));
    if (pl) {
      *owned = false;
      return pl;
    }
  }
  return load_pl(spec, dir, file, err);
}

static void run_one(const char *file)
{
  Ctx c = {file, 0};
  Err err = ERR_INIT;
  Value *doc = load_document(file, NULL, &err), *report = NULL;
  const Value *run, *expect, *mocks, *v, *kids;
  Factory *f = NULL;
  Pipeline *pl = NULL;
  Engine *eng = NULL;
  PipelineRun *pr = NULL;
  EngineOptions opt = {0};
  RunArgs args = {0};
  char *dir = dir_of(file), *tmp = NULL;
  bool owned, from_dir = false;
  size_t i;

  if (!doc) {
    fprintf(stderr, "%s: cannot load: %s\n", file, err.msg);
    c.n_diffs++;
    goto done;
  }
  run = peek(doc, "run");
  expect = peek(doc, "expect");
  mocks = peek(doc, "mocks");
  if (!run || !expect) {
    fprintf(stderr, "%s: needs 'run' and 'expect' sections\n", file);
    c.n_diffs++;
    goto done;
  }
  if (peek(run, "files") || peek(expect, "files") ||
      peek(expect, "no_partial")) {
    v = peek(run, "files");
    if (v && val_kind(v) != VAL_OBJECT) {
      fprintf(stderr, "%s: run.files must be an object\n", file);
      c.n_diffs++;
      goto done;
    }
    if (!(tmp = files_setup(&c, v)) || c.n_diffs)
      goto done;
  }
  if ((v = peek(run, "factory"))) {
    /* a folder relative to the repository root (the working directory) */
    if (val_kind(v) != VAL_STRING || !(f = load_factory_dir(val_str(v), &err)))
      goto pre_error;
    from_dir = true;
    if (!f->name)
      f->name = xstrdup("adfrun-test");
  } else {
    f = xcalloc(1, sizeof(*f));
    f->name = xstrdup("adfrun-test");
    f->global_parameters = val_object_new();
  }
  v = peek(run, "pipeline");
  if (!v)
    v = peek(run, "definition");
  if (!v) {
    fprintf(stderr, "%s: run needs 'pipeline' or 'definition'\n", file);
    c.n_diffs++;
    goto done;
  }
  pl = find_pl(f, from_dir, v, dir, file, &owned, &err);
  if (!pl)
    goto pre_error;
  if (owned) {
    f->pipelines =
        xrealloc(f->pipelines, (f->n_pipelines + 1) * sizeof(Pipeline *));
    f->pipelines[f->n_pipelines++] = pl;
  }
  kids = peek(run, "children");
  for (i = 0; kids && i < val_array_len(kids); i++) {
    Pipeline *k =
        find_pl(f, from_dir, val_array_peek(kids, i), dir, file, &owned, &err);
    if (!k)
      goto pre_error;
    if (!owned)
      continue;
    f->pipelines =
        xrealloc(f->pipelines, (f->n_pipelines + 1) * sizeof(Pipeline *));
    f->pipelines[f->n_pipelines++] = k;
  }
  if (tmp) {
    Value *d = val_object_new();
    val_object_set_take(d, "type", 4, val_cstr("String"));
    val_object_set_take(d, "value", 5, val_cstr(tmp));
    val_object_set_take(f->global_parameters, TEST_DIR_PARAM,
                        strlen(TEST_DIR_PARAM), d);
  }
  if ((v = peek(run, "globals"))) {
    for (i = 0; i < val_object_len(v); i++) {
      Value *d = val_object_new();
      val_object_set(d, "value", val_object_value_peek(v, i));
      val_object_set_take(f->global_parameters, val_object_key_peek(v, i, NULL),
                          strlen(val_object_key_peek(v, i, NULL)), d);
    }
  }
  clk_init_virtual(&opt.clock, 0);
  v = peek(run, "clock");
  if (!v || val_kind(v) != VAL_STRING ||
      !clk_parse_time(val_str(v), &opt.clock.now))
    clk_parse_time("2024-01-01T00:00:00Z", &opt.clock.now);
  v = peek(run, "seed");
  opt.seed = v && val_kind(v) == VAL_INT ? (uint64_t)val_get_int(v) : 1;
  v = peek(run, "max_iterations");
  opt.max_iterations = v && val_kind(v) == VAL_INT ? (long)val_get_int(v) : 0;
  opt.mocks = mocks;
  if (!run_precheck(pl, &err))
    goto pre_error;
  eng = engine_new(&opt, &err);
  if (!eng)
    goto pre_error;
  engine_set_leaf_lookup(eng, act_registry_find);
  engine_set_log(eng, NULL);
  args.params = peek(run, "parameters");
  args.text_params = peek(run, "text_parameters");
  pr = run_new(eng, pl, f, &args, NULL, NULL, &err);
  if (!pr)
    goto pre_error;
  run_start(pr);
  if (!engine_run(eng, &err)) {
    fprintf(stderr, "%s: engine: %s\n", file, err.msg);
    c.n_diffs++;
    goto done;
  }
  report = report_build(pr);
  if (getenv("ADF_TEST_DUMP")) {
    char *t = report_to_json(report, NULL, 0, 2);
    fprintf(stderr, "%s\n", t);
    free(t);
  }
  /* an expected pre-run error (or its path) cannot pass once it started */
  if ((v = peek(expect, "error")) || (v = peek(expect, "error_path"))) {
    Value *none = val_cstr("(the run started)");
    diff(&c, peek(expect, "error") ? "error" : "error_path", v, none);
    val_unref(none);
  }
  for (i = 0; i < val_object_len(expect); i++) {
    const char *k = val_object_key_peek(expect, i, NULL);
    const Value *w = val_object_value_peek(expect, i);
    if (strcmp(k, "activities") == 0) {
      if (shaped(&c, k, w, VAL_ARRAY))
        check_activities(&c, w, val_object_peek(report, "activityRuns"));
    } else if (strcmp(k, "absent") == 0) {
      if (shaped(&c, k, w, VAL_ARRAY))
        check_absent(&c, w, val_object_peek(report, "activityRuns"));
    } else if (strcmp(k, "http_sent") == 0) {
      if (shaped(&c, k, w, VAL_ARRAY))
        check_http_sent(&c, w, val_object_peek(report, "requests"));
    } else if (strcmp(k, "activity_count") == 0) {
      if (!shaped(&c, k, w, VAL_OBJECT))
        continue;
      size_t j, m;
      const Value *runs = val_object_peek(report, "activityRuns");
      for (j = 0; j < val_object_len(w); j++) {
        const char *nm = val_object_key_peek(w, j, NULL);
        Value *got;
        size_t r;
        for (r = 0, m = 0; r < val_array_len(runs); r++) {
          const Value *an = peek(val_array_peek(runs, r), "activityName");
          m += an && strcmp(val_str(an), nm) == 0;
        }
        got = val_int((int64_t)m);
        subset(&c, nm, val_object_value_peek(w, j), got);
        val_unref(got);
      }
    } else if (strcmp(k, "message_contains") == 0) {
      const Value *m = val_object_peek(report, "message");
      if (!shaped(&c, k, w, VAL_STRING))
        continue;
      if (!m || !strstr(val_str(m), val_str(w)))
        diff(&c, "message_contains", w, m);
    } else if (strcmp(k, "error") != 0 && strcmp(k, "error_path") != 0 &&
               strcmp(k, "files") != 0 && strcmp(k, "no_partial") != 0)
      subset(&c, k, w, val_object_peek(report, k));
  }
  goto done;

pre_error:
  /* the run did not start: only 'expect.error' (a substring) can pass */
  v = peek(expect, "error");
  if (!v || val_kind(v) != VAL_STRING || !strstr(err.msg, val_str(v))) {
    Value *got = val_cstr(err.msg);
    diff(&c, "error", v, got);
    val_unref(got);
  }
  v = peek(expect, "error_path"); /* the JSON path the error points at */
  if (v && (val_kind(v) != VAL_STRING || strcmp(err.loc.path, val_str(v)))) {
    Value *got = val_cstr(err.loc.path);
    diff(&c, "error_path", v, got);
    val_unref(got);
  }
done:
  if (tmp) {
    if ((v = peek(expect, "files")))
      check_files(&c, tmp, v);
    v = peek(expect, "no_partial");
    if (v && val_kind(v) == VAL_BOOL && val_get_bool(v))
      check_partial(&c, tmp, "");
    rm_rf(tmp);
    free(tmp);
  }
  if (c.n_diffs)
    n_fail++;
  else
    n_pass++;
  val_unref(report);
  run_free(pr);
  engine_free(eng);
  factory_free(f);
  val_unref(doc);
  free(dir);
}

static int cmp_str(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool disabled(const char *dir, const char *name)
{
  StrBuf p;
  FILE *fp;
  char line[256];
  bool hit = false;

  sb_init(&p);
  sb_printf(&p, "%s/DISABLED", dir);
  fp = fopen(p.s, "r");
  sb_fini(&p);
  if (!fp)
    return false;
  while (!hit && fgets(line, sizeof(line), fp)) {
    size_t n = strcspn(line, " \t\r\n#");
    hit = n >= 4 && strncmp(line, name, n) == 0;
  }
  fclose(fp);
  return hit;
}

static void run_dir(const char *dir)
{
  DIR *d = opendir(dir);
  struct dirent *de;
  char **names = NULL;
  size_t n = 0, i;

  if (!d) {
    fprintf(stderr, "cannot open %s\n", dir);
    n_fail++;
    return;
  }
  while ((de = readdir(d))) {
    size_t l = strlen(de->d_name);
    if (de->d_name[0] < '0' || de->d_name[0] > '9')
      continue;
    if (!(l > 5 && (strcmp(de->d_name + l - 5, ".yaml") == 0 ||
                    strcmp(de->d_name + l - 5, ".json") == 0)))
      continue;
    names = xrealloc(names, (n + 1) * sizeof(char *));
    names[n++] = xstrdup(de->d_name);
  }
  closedir(d);
  qsort(names, n, sizeof(char *), cmp_str);
  for (i = 0; i < n; i++) {
    if (!disabled(dir, names[i])) {
      StrBuf p;
      sb_init(&p);
      sb_printf(&p, "%s/%s", dir, names[i]);
      run_one(p.s);
      sb_fini(&p);
    }
    free(names[i]);
  }
  free(names);
}

int main(int argc, char **argv)
{
  int i;

  if (argc < 2)
    run_dir("tests/pipelines");
  for (i = 1; i < argc; i++) {
    DIR *d = opendir(argv[i]);
    if (d) {
      closedir(d);
      run_dir(argv[i]);
    } else {
      run_one(argv[i]);
    }
  }
  printf("%d passed, %d failed\n", n_pass, n_fail);
  return n_fail ? 1 : 0;
}
