/*
 * bench/engine.c -- engine benchmarks: wall time, per-activity overhead,
 *                   peak RSS (build Release, no sanitizers)
 *
 * (a) ForEach over range(0,100000), sequential, SetVariable inside
 *     (target < 1 s, < 200 MB); (b) a 120-activity dependsOn chain
 *     (< 5 ms); (c) ForEach batchCount 50 of Wait activities; (d) 10,000
 *     AppendVariable calls into one array (must be linear).  All on the
 *     virtual clock.  Usage: bench_engine [a|b|c|d]...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "expr/json.h"
#include "expr/strbuf.h"
#include "interp/clock.h"
#include "interp/load.h"
#include "interp/run.h"
#include "interp/sched.h"

static Pipeline *pl_from(const char *json)
{
  Err err = ERR_INIT;
  Value *doc = json_parse(json, strlen(json), NULL, &err);
  Pipeline *pl;

  if (!doc) {
    fprintf(stderr, "json: %s\n", err.msg);
    exit(3);
  }
  pl = load_pipeline_value(doc, NULL, "bench.json", &err);
  if (!pl) {
    fprintf(stderr, "load: %s\n", err.msg);
    exit(3);
  }
  return pl;
}

static void bench(const char *label, const char *json, double target_ms)
{
  Pipeline *pl = pl_from(json);
  EngineOptions opt = {0};
  Err err = ERR_INIT;
  Engine *eng;
  PipelineRun *r;
  int64_t t0, t1;
  struct rusage ru;
  size_t n;
  double ms;

  if (!run_precheck(pl, &err)) {
    fprintf(stderr, "%s: %s\n", label, err.msg);
    exit(3);
  }
  clk_init_virtual(&opt.clock, 0);
  clk_parse_time("2024-01-01T00:00:00Z", &opt.clock.now);
  opt.seed = 1;
  opt.max_iterations = 1000000;
  t0 = clk_mono_ns();
  eng = engine_new(&opt, &err);
  r = run_new(eng, pl, NULL, NULL, NULL, NULL, &err);
  run_start(r);
  if (!engine_run(eng, &err))
    fprintf(stderr, "%s: %s\n", label, err.msg);
  t1 = clk_mono_ns();
  n = engine_activity_runs(eng);
  ms = (double)(t1 - t0) / 1e6;
  getrusage(RUSAGE_SELF, &ru);
  printf("%-44s %-9s %9.2f ms  %7zu activity runs  %6.2f us/activity  "
         "peak RSS %6.1f MB  (target < %.0f ms)\n",
         label, sched_status_name(r->status), ms, n,
         n ? ms * 1000 / (double)n : 0, ru.ru_maxrss / 1024.0, target_ms);
  run_free(r);
  engine_free(eng);
  pipeline_free(pl);
}

static char *chain(int n)
{
  StrBuf sb;
  int i;

  sb_init(&sb);
  sb_puts(&sb,
          "{\"name\":\"chain\",\"properties\":{\"variables\":{\"v\":{\"type\":"
          "\"String\"}},\"activities\":[");
  for (i = 0; i < n; i++) {
    sb_printf(&sb, "%s{\"name\":\"A%d\",\"type\":\"SetVariable\",",
              i ? "," : "", i);
    if (i)
      sb_printf(&sb,
                "\"dependsOn\":[{\"activity\":\"A%d\",\"dependencyConditions\":"
                "[\"Succeeded\"]}],",
                i - 1);
    sb_printf(&sb,
              "\"typeProperties\":{\"variableName\":\"v\",\"value\":\"x%d\"}}",
              i);
  }
  sb_puts(&sb, "]}}");
  return sb_take(&sb);
}

int main(int argc, char **argv)
{
  const char *which = argc > 1 ? argv[1] : "abcd";
  char *c;

  if (strchr(which, 'a'))
    bench("(a) ForEach 100000 sequential + SetVariable",
          "{\"name\":\"a\",\"properties\":{\"variables\":{\"v\":{\"type\":"
          "\"Integer\"}},"
          "\"activities\":[{\"name\":\"FE\",\"type\":\"ForEach\","
          "\"typeProperties\":{"
          "\"isSequential\":true,\"items\":{\"value\":\"@range(0,100000)\","
          "\"type\":"
          "\"Expression\"},\"activities\":[{\"name\":\"Set\",\"type\":"
          "\"SetVariable\","
          "\"typeProperties\":{\"variableName\":\"v\",\"value\":\"@item()\"}}]}"
          "}]}}",
          1000);
  if (strchr(which, 'b')) {
    c = chain(120);
    bench("(b) 120-activity dependency chain", c, 5);
    free(c);
  }
  if (strchr(which, 'c'))
    bench("(c) ForEach 5000 x Wait, batchCount 50",
          "{\"name\":\"c\",\"properties\":{\"activities\":[{\"name\":\"FE\","
          "\"type\":"
          "\"ForEach\",\"typeProperties\":{\"batchCount\":50,\"items\":{"
          "\"value\":"
          "\"@range(0,5000)\",\"type\":\"Expression\"},\"activities\":[{"
          "\"name\":\"W\","
          "\"type\":\"Wait\",\"typeProperties\":{\"waitTimeInSeconds\":30}}]}}]"
          "}}",
          100);
  if (strchr(which, 'd'))
    bench("(d) 10000 AppendVariable into one array",
          "{\"name\":\"d\",\"properties\":{\"variables\":{\"arr\":{\"type\":"
          "\"Array\"}},"
          "\"activities\":[{\"name\":\"FE\",\"type\":\"ForEach\","
          "\"typeProperties\":{"
          "\"isSequential\":true,\"items\":{\"value\":\"@range(0,10000)\","
          "\"type\":"
          "\"Expression\"},\"activities\":[{\"name\":\"App\",\"type\":"
          "\"AppendVariable\","
          "\"typeProperties\":{\"variableName\":\"arr\",\"value\":\"@item()\"}}"
          "]}}]}}",
          100);
  return 0;
}
