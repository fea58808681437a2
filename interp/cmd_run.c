/*
 * interp/cmd_run.c -- `adfrun run`: load, check, run, report
 *
 * Exit status (interp/cli.h): 0 the run Succeeded; 1 it Failed or was
 * cancelled (Ctrl-C); 2 usage, load, parameter or pre-run check errors
 * (nothing ran); 3 internal error.  The report (--json / --report) is
 * written in every case where the run started.
 */
#include "interp/cli.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "expr/strbuf.h"
#include "interp/load.h"
#include "interp/report.h"
#include "interp/run.h"
#include "interp/sched.h"

static const char usage_text[] =
    "usage: adfrun run PIPELINE [options]\n"
    "\n"
    "PIPELINE is a pipeline file (JSON or YAML), or a factory folder with\n"
    "--pipeline NAME.\n"
    "\n"
    "options:\n"
    "  --pipeline NAME       the pipeline to run inside a factory folder\n"
    "  -p, --param NAME=VALUE  a parameter (typed by its declaration: Int,\n"
    "                        Float, Bool, Array/Object as JSON); repeatable\n"
    "  --params FILE         parameters from a JSON or YAML object\n"
    "  --global NAME=VALUE   a global parameter; repeatable\n"
    "  --mock FILE           mocks (JSON/YAML): 'activities' and 'http'\n"
    "  --allow-network       let unmocked HTTP calls through when mocking\n"
    "  --clock real|virtual|virtual=TIME\n"
    "                        engine clock (default real); virtual jumps to\n"
    "                        the next timer, TIME sets its start (ISO 8601)\n"
    "  --seed N              seed of run ids, guid() and rand()\n"
    "  --max-iterations N    stop an Until after N iterations in which no\n"
    "                        time passed (default 10000)\n"
    "  --json                print the run report (JSON) on stdout\n"
    "  --report FILE         write the run report to FILE\n"
    "  --rewrite PAT=REPL    rewrite URLs for WebActivity; repeatable\n"
    "  --quiet               only the summary line on stderr\n"
    "  --no-color            no colours (also NO_COLOR=1)\n"
    "  --help                this text\n"
    "\n"
    "examples:\n"
    "  adfrun run pipelines/try_catch.json --clock virtual\n"
    "  adfrun run pipelines/pipeline1.json --mock m.yaml --clock "
    "virtual=2024-05-01T00:00:00Z --json\n"
    "\n"
    "exit status: 0 Succeeded, 1 Failed or cancelled, 2 usage/load/check "
    "errors, 3 internal error\n";

static Engine *volatile g_engine;

static void on_sigint(int sig)
{
  (void)sig;
  if (g_engine)
    engine_cancel(g_engine);
}

static bool split_kv(const char *arg, const char *opt, Value *into, Err *err)
{
  const char *eq = strchr(arg, '=');

  if (!eq || eq == arg)
    return err_set(err, ERR_USAGE, NULL, "%s: expected NAME=VALUE, got '%s'",
                   opt, arg);
  val_object_set_take(into, arg, (size_t)(eq - arg), val_cstr(eq + 1));
  return true;
}

static bool write_file(const char *path, const char *text, Err *err)
{
  FILE *fp = fopen(path, "w");

  if (!fp)
    return err_set(err, ERR_IO, NULL, "cannot write '%s'", path);
  fputs(text, fp);
  fputc('\n', fp);
  if (fclose(fp) != 0)
    return err_set(err, ERR_IO, NULL, "cannot write '%s'", path);
  return true;
}

int cmd_run(int argc, char **argv)
{
  const char *path = NULL, *pname = NULL, *params_file = NULL;
  const char *mock_file = NULL, *report_file = NULL;
  const char **rewrites = NULL;
  size_t n_rewrites = 0;
  bool json = false, quiet = false, color = true, live = false;
  EngineOptions opt = {0};
  Value *texts = val_object_new(), *globals = val_object_new();
  Value *params = NULL, *mocks = NULL, *rep = NULL;
  Factory *f = NULL;
  Pipeline *pl = NULL;
  Engine *eng = NULL;
  PipelineRun *run = NULL;
  Progress *prog = NULL;
  Err err = ERR_INIT;
  int rc = EXIT_USAGE, i;
  char *text = NULL;
  struct sigaction sa, old_sa;

  clk_init_real(&opt.clock);
  opt.seed = (uint64_t)clk_system_ticks() ^ ((uint64_t)getpid() << 32);
  for (i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *next = i + 1 < argc ? argv[i + 1] : NULL;
#define NEED_ARG()                                                             \
  do {                                                                         \
    if (!next) {                                                               \
      err_set(&err, ERR_USAGE, NULL, "%s needs a value", a);                   \
      goto usage_error;                                                        \
    }                                                                          \
    i++;                                                                       \
  } while (0)
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      fputs(usage_text, stdout);
      rc = EXIT_OK;
      goto done;
    } else if (strcmp(a, "--pipeline") == 0) {
      NEED_ARG();
      pname = next;
    } else if (strcmp(a, "-p") == 0 || strcmp(a, "--param") == 0) {
      NEED_ARG();
      if (!split_kv(next, a, texts, &err))
        goto usage_error;
    } else if (strcmp(a, "--params") == 0) {
      NEED_ARG();
      params_file = next;
    } else if (strcmp(a, "--global") == 0) {
      NEED_ARG();
      if (!split_kv(next, a, globals, &err))
        goto usage_error;
    } else if (strcmp(a, "--mock") == 0) {
      NEED_ARG();
      mock_file = next;
    } else if (strcmp(a, "--allow-network") == 0) {
      opt.allow_network = true;
    } else if (strcmp(a, "--clock") == 0) {
      NEED_ARG();
      if (!clk_parse_spec(next, &opt.clock, &err))
        goto usage_error;
    } else if (strncmp(a, "--clock=", 8) == 0) {
      if (!clk_parse_spec(a + 8, &opt.clock, &err))
        goto usage_error;
    } else if (strcmp(a, "--seed") == 0) {
      char *end;
      NEED_ARG();
      opt.seed = strtoull(next, &end, 10);
      if (*end || !*next) {
        err_set(&err, ERR_USAGE, NULL, "--seed: '%s' is not a number", next);
        goto usage_error;
      }
    } else if (strcmp(a, "--max-iterations") == 0) {
      char *end;
      NEED_ARG();
      opt.max_iterations = strtol(next, &end, 10);
      if (*end || opt.max_iterations < 1) {
        err_set(&err, ERR_USAGE, NULL,
                "--max-iterations: '%s' is not a positive number", next);
        goto usage_error;
      }
    } else if (strcmp(a, "--json") == 0) {
      json = true;
    } else if (strcmp(a, "--report") == 0) {
      NEED_ARG();
      report_file = next;
    } else if (strcmp(a, "--rewrite") == 0) {
      NEED_ARG();
      if (!strchr(next, '=')) {
        err_set(&err, ERR_USAGE, NULL,
                "--rewrite: expected PATTERN=REPLACEMENT, got '%s'", next);
        goto usage_error;
      }
      rewrites = xrealloc(rewrites, (n_rewrites + 1) * sizeof(char *));
      rewrites[n_rewrites++] = next;
    } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
      quiet = true;
    } else if (strcmp(a, "--no-color") == 0) {
      color = false;
    } else if (a[0] == '-' && a[1]) {
      err_set(&err, ERR_USAGE, NULL,
              "unknown option '%s' (see adfrun run --help)", a);
      goto usage_error;
    } else if (!path) {
      path = a;
    } else {
      err_set(&err, ERR_USAGE, NULL, "unexpected argument '%s'", a);
      goto usage_error;
    }
#undef NEED_ARG
  }
  if (!path) {
    err_set(&err, ERR_USAGE, NULL, "no pipeline given");
    goto usage_error;
  }
  {
    const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");
    live = isatty(2) && term && *term && strcmp(term, "dumb") != 0;
    if ((nc && *nc) || !isatty(2) || (term && strcmp(term, "dumb") == 0))
      color = false;
  }

  f = load_any(path, &pl, &err);
  if (!f)
    goto load_error;
  if (pname) {
    pl = factory_pipeline(f, pname);
    if (!pl) {
      err_set(&err, ERR_USAGE, NULL, "no pipeline named '%s' in '%s'", pname,
              path);
      goto load_error;
    }
  }
  if (!pl && f->n_pipelines == 1)
    pl = f->pipelines[0];
  if (!pl) {
    err_set(&err, ERR_USAGE, NULL,
            "'%s' holds %zu pipelines: choose one with --pipeline NAME", path,
            f->n_pipelines);
    goto load_error;
  }
  if (params_file) {
    params = load_document(params_file, NULL, &err);
    if (!params)
      goto load_error;
    if (val_kind(params) != VAL_OBJECT) {
      err_set(&err, ERR_USAGE, NULL, "--params: '%s' must hold an object",
              params_file);
      goto load_error;
    }
  }
  if (mock_file) {
    mocks = load_document(mock_file, NULL, &err);
    if (!mocks)
      goto load_error;
  }
  if (!run_precheck(pl, &err))
    goto load_error;
  opt.mocks = mocks;
  opt.rewrites = rewrites;
  opt.n_rewrites = n_rewrites;
  eng = engine_new(&opt, &err);
  if (!eng)
    goto load_error;
  {
    RunArgs args = {params, texts, globals};
    run = run_new(eng, pl, f, &args, NULL, NULL, &err);
    if (!run)
      goto load_error;
  }
  prog = progress_new(stderr, quiet, color);
  engine_set_listener(eng, progress_listener, prog);
  engine_set_log(eng, quiet ? NULL : stderr);
  if (!quiet && live) { /* a terminal: the live view */
    engine_set_log(eng, progress_live(prog, engine_clock(eng)));
    engine_set_idle(eng, progress_idle, prog);
  }

  g_engine = eng;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &old_sa);
  run_start(run);
  if (!engine_run(eng, &err))
    rc = EXIT_INTERNAL;
  sigaction(SIGINT, &old_sa, NULL);
  g_engine = NULL;
  if (!run->done) { /* internal error: report what we have */
    run->status = RS_FAILED;
    run->end = clk_now(engine_clock(eng));
  }
  progress_summary(prog, run);
  if (rc == EXIT_INTERNAL) /* below the live view's final block */
    err_print(&err, stderr);

  if (json || report_file) {
    size_t n_sec;
    const char *const *sec = engine_secrets(eng, &n_sec);
    rep = report_build(run);
    text = report_to_json(rep, sec, n_sec, 2);
    if (json)
      puts(text);
    if (report_file && !write_file(report_file, text, &err)) {
      err_print(&err, stderr);
      if (rc != EXIT_INTERNAL)
        rc = EXIT_USAGE;
      goto done;
    }
  }
  if (rc != EXIT_INTERNAL)
    rc = run->status == RS_SUCCEEDED ? EXIT_OK : EXIT_FAILED;
  goto done;

usage_error:
  fprintf(stderr, "adfrun run: %s\n", err.msg);
  fputs("try 'adfrun run --help'\n", stderr);
  rc = EXIT_USAGE;
  goto done;
load_error:
  err_print(&err, stderr);
  rc = EXIT_USAGE;
done:
  free(text);
  val_unref(rep);
  run_free(run);
  engine_free(eng);
  progress_free(prog);
  factory_free(f);
  val_unref(params);
  val_unref(mocks);
  val_unref(texts);
  val_unref(globals);
  free(rewrites);
  return rc;
}
