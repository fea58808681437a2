/*
 * tests/fuzz/fuzz_run.c -- libFuzzer target that runs pipelines in-process
 *
 * Input: a pipeline document (JSON, else YAML; a JSON array holds several
 * pipelines: the first runs, all of them form the factory ExecutePipeline
 * sees), optionally followed by a line "%%" and a second document
 * {activities: <mocks>, parameters: {...}, globals: {...}}.  The run uses
 * the virtual clock, a fixed seed, control activity types only (anything
 * else fails as UnsupportedActivityType), and caps on Until iterations,
 * activity runs and virtual time (reached: the engine is cancelled).  A
 * crash, leak, sanitizer report, engine error or hang is a bug.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr/json.h"
#include "expr/strbuf.h"
#include "interp/clock.h"
#include "interp/load.h"
#include "interp/report.h"
#include "interp/run.h"
#include "interp/sched.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum {
  FZ_MAX_ITERATIONS = 50, /* zero-time Until iterations */
  FZ_MAX_ACTS = 400,      /* activity attempts before cancelling */
  FZ_MAX_PIPELINES = 8,   /* pipelines of a JSON array input */
  FZ_STOP_GRACE = 20000   /* starts/jumps after cancel = the engine hangs */
};
/* Virtual time before cancelling: 30 days (ticks of 100 ns). */
#define FZ_MAX_VTIME (30LL * 86400 * TICKS_PER_SECOND)

typedef struct Guard {
  Engine *eng;
  int64_t t0;
  size_t starts, after_cancel;
  bool cancelled;
} Guard;

static void guard_stop(Guard *g)
{
  if (!g->cancelled) {
    g->cancelled = true;
    engine_cancel(g->eng);
  } else if (++g->after_cancel > FZ_STOP_GRACE) {
    fprintf(stderr, "fuzz_run: the engine keeps working after cancel\n");
    abort();
  }
}

static void guard_listener(void *ud, EngEvent ev, const PipelineRun *r,
                           const struct RepEntry *e)
{
  Guard *g = ud;
  (void)r;
  (void)e;
  if (ev == EV_ACT_START && ++g->starts > FZ_MAX_ACTS)
    guard_stop(g);
}

static void guard_idle(void *ud)
{
  Guard *g = ud;
  if (clk_now(engine_clock(g->eng)) - g->t0 > FZ_MAX_VTIME || g->cancelled)
    guard_stop(g);
}

/* With ADF_FUZZ_RUN_VERBOSE set, says how an input ended (seed checks). */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
  static int verbose = -1;
  va_list ap;

  if (verbose < 0)
    verbose = getenv("ADF_FUZZ_RUN_VERBOSE") != NULL;
  if (!verbose)
    return;
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
}

/* Offset of the "\n%%\n" separator, or 'size' when there is none. */
static size_t split_at(const char *text, size_t size)
{
  size_t i;
  for (i = 0; i + 4 <= size; i++)
    if (memcmp(text + i, "\n%%\n", 4) == 0)
      return i;
  return size;
}

/* JSON, else YAML.  Fills 'locs' (when not NULL) for the parse that
 * worked.  NULL when neither parses. */
static Value *parse_doc(const char *text, size_t len, SrcMap **locs)
{
  Err err = ERR_INIT;
  SrcMap *m = locs ? srcmap_new() : NULL;
  Value *v = json_parse(text, len, m, &err);

  if (!v) {
    srcmap_free(m);
    m = locs ? srcmap_new() : NULL;
    err_clear(&err);
    v = load_yaml_text(text, len, m, &err);
  }
  err_clear(&err);
  if (!v) {
    srcmap_free(m);
    m = NULL;
  }
  if (locs)
    *locs = m;
  return v;
}

/* The factory of the input's pipelines (the first one is the run's).
 * NULL when none loads. */
static Factory *load_input(const char *text, size_t len)
{
  SrcMap *locs = NULL;
  Value *doc = parse_doc(text, len, &locs);
  Factory *f;
  Err err = ERR_INIT;
  size_t i, n;

  if (!doc)
    return NULL;
  f = xcalloc(1, sizeof(*f));
  f->global_parameters = val_object_new();
  if (val_kind(doc) == VAL_ARRAY && val_array_len(doc) > 0) {
    n = val_array_len(doc);
    if (n > FZ_MAX_PIPELINES)
      n = FZ_MAX_PIPELINES;
    f->pipelines = xcalloc(n, sizeof(Pipeline *));
    for (i = 0; i < n; i++) {
      Pipeline *p = load_pipeline_value(val_ref(val_array_peek(doc, i)), NULL,
                                        NULL, &err);
      err_clear(&err);
      if (p)
        f->pipelines[f->n_pipelines++] = p;
      else if (i == 0)
        break; /* the pipeline to run did not load */
    }
    val_unref(doc);
    srcmap_free(locs);
  } else {
    Pipeline *p = load_pipeline_value(doc, locs, NULL, &err);
    err_clear(&err);
    if (p) {
      f->pipelines = xcalloc(1, sizeof(Pipeline *));
      f->pipelines[f->n_pipelines++] = p;
    }
  }
  if (!f->n_pipelines) {
    factory_free(f);
    return NULL;
  }
  return f;
}

/* A member of the options document that must be an object, or NULL. */
static const Value *opt_obj(const Value *opts, const char *key)
{
  const Value *v;
  if (!opts || val_kind(opts) != VAL_OBJECT)
    return NULL;
  v = val_object_peek_ci(opts, key, strlen(key));
  return v && val_kind(v) == VAL_OBJECT ? v : NULL;
}

static void run_one(Factory *f, const Value *opts)
{
  const Pipeline *pl = f->pipelines[0];
  EngineOptions eo = {0};
  RunArgs args = {0};
  Guard g = {0};
  Err err = ERR_INIT;
  Engine *eng;
  PipelineRun *run;

  if (!run_precheck(pl, &err)) {
    say("precheck: %s", err.msg);
    return;
  }
  clk_init_virtual(&eo.clock, 0);
  clk_parse_time("2024-01-01T00:00:00Z", &eo.clock.now);
  eo.seed = 42;
  eo.max_iterations = FZ_MAX_ITERATIONS;
  eo.mocks = opts;
  eng = engine_new(&eo, &err);
  if (!eng) {
    say("mocks: %s", err.msg);
    return;
  }
  engine_set_leaf_lookup(eng, NULL); /* control types only */
  engine_set_leaf_types(eng, NULL, 0);
  engine_set_log(eng, NULL);
  g.eng = eng;
  g.t0 = clk_now(engine_clock(eng));
  engine_set_listener(eng, guard_listener, &g);
  engine_set_idle(eng, guard_idle, &g);
  args.params = opt_obj(opts, "parameters");
  args.globals = opt_obj(opts, "globals");
  run = run_new(eng, pl, f, &args, NULL, NULL, &err);
  if (run) {
    Value *rep;
    char *text;
    size_t n_sec;
    const char *const *sec;

    run_start(run);
    if (!engine_run(eng, &err)) {
      fprintf(stderr, "fuzz_run: engine error: %s\n", err.msg);
      abort();
    }
    if (!run->done) {
      fprintf(stderr, "fuzz_run: engine returned with the run not done\n");
      abort();
    }
    say("%s: %s (%zu activity runs)", sched_status_name(run->status),
        run->message ? run->message : "", engine_activity_runs(eng));
    sec = engine_secrets(eng, &n_sec);
    rep = report_build(run);
    text = report_to_json(rep, sec, n_sec, 2);
    free(text);
    val_unref(rep);
    run_free(run);
  } else {
    say("run_new: %s", err.msg);
  }
  engine_free(eng);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *text = (const char *)data;
  size_t cut = split_at(text, size);
  Value *opts = NULL;
  Factory *f;

  if (cut < size) {
    opts = parse_doc(text + cut + 4, size - cut - 4, NULL);
    if (!opts) /* a second part that does not parse: not interesting */
      return 0;
  }
  f = load_input(text, cut);
  if (f)
    run_one(f, opts);
  else
    say("no pipeline loaded");
  factory_free(f);
  val_unref(opts);
  return 0;
}

#include "tests/fuzz/replay.h"
