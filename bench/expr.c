/*
 * bench/expr.c -- expression evaluator benchmark (target bench_expr)
 *
 * For two typical expressions, on one core: evaluations per second with
 * the template compiled once, compile+evaluate per second, and peak RSS
 * (getrusage) before and after N evaluations (default 10,000,000) to show
 * memory does not grow.  Each rate is the median of REPS timed runs (the
 * machine is shared and noisy).  Usage: bench_expr [N].  Build Release.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "expr/ctx.h"
#include "expr/eval.h"
#include "expr/json.h"

static const char context[] =
    "{\"parameters\": {\"a\": \"hello\"},"
    " \"activities\": {\"Poll\": {\"status\": \"Succeeded\", \"error\": null,"
    " \"output\": {\"properties\": {\"instanceView\": {\"state\":"
    " \"Running\"}}}}}, \"now\": \"2024-05-01T00:00:00Z\", \"seed\": 1}";

static const char *const exprs[] = {
    "@concat(pipeline().parameters.a, string(add(1,2)))",
    "@or(equals('Succeeded', "
    "activity('Poll').output.properties.instanceView.state), "
    "equals('Failed', activity('Poll').output.properties.instanceView.state))",
};

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long peak_rss_kb(void)
{
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

/* Timed runs per figure; the median is reported. */
#define REPS 5

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, int n)
{
  qsort(v, (size_t)n, sizeof(double), cmp_double);
  return v[n / 2];
}

static void fail(const Err *err)
{
  fprintf(stderr, "bench_expr: %s: %s\n", err_code_name(err->code), err->msg);
  exit(1);
}

int main(int argc, char **argv)
{
  long n_mem = argc > 1 ? strtol(argv[1], NULL, 10) : 10000000L;
  Err err = ERR_INIT;
  Value *cj = json_parse(context, strlen(context), NULL, &err);
  ExprContext cx;
  int status = 0;

  if (!cj || !ctx_init(&cx, cj, &err))
    fail(&err);
  for (size_t k = 0; k < sizeof(exprs) / sizeof(exprs[0]); k++) {
    const char *src = exprs[k];
    size_t len = strlen(src);
    const long n_fast = 1000000, n_full = 500000;
    double t0, t1, rate[REPS];
    Expr *e = expr_compile(src, len, &err);

    if (!e)
      fail(&err);
    printf("expression %zu: %s\n", k + 1, src);
    /* warm-up and a sanity print */
    {
      Value *v = expr_eval(e, &cx.env, &err);
      char *js;
      if (!v)
        fail(&err);
      js = val_to_json_str(v);
      printf("  result: %s\n", js);
      free(js);
      val_unref(v);
    }
    for (int r = 0; r < REPS; r++) {
      t0 = now_s();
      for (long i = 0; i < n_fast; i++) {
        Value *v = expr_eval(e, &cx.env, &err);
        if (!v)
          fail(&err);
        val_unref(v);
      }
      t1 = now_s();
      rate[r] = (double)n_fast / (t1 - t0);
    }
    printf("  parse once:        %10.0f evals/s (median of %d)\n",
           median(rate, REPS), REPS);
    for (int r = 0; r < REPS; r++) {
      t0 = now_s();
      for (long i = 0; i < n_full; i++) {
        Expr *e2 = expr_compile(src, len, &err);
        Value *v;
        if (!e2)
          fail(&err);
        v = expr_eval(e2, &cx.env, &err);
        if (!v)
          fail(&err);
        val_unref(v);
        expr_free(e2);
      }
      t1 = now_s();
      rate[r] = (double)n_full / (t1 - t0);
    }
    printf("  parse + evaluate:  %10.0f /s (median of %d)\n",
           median(rate, REPS), REPS);
    {
      long before = peak_rss_kb(), after;
      for (long i = 0; i < n_mem; i++) {
        Value *v = expr_eval(e, &cx.env, &err);
        if (!v)
          fail(&err);
        val_unref(v);
      }
      after = peak_rss_kb();
      printf("  peak RSS: %ld kB before, %ld kB after %ld evaluations%s\n",
             before, after, n_mem, after > before + 1024 ? " (GREW)" : "");
      if (after > before + 1024)
        status = 1;
    }
    expr_free(e);
  }
  ctx_fini(&cx);
  val_unref(cj);
  return status;
}
