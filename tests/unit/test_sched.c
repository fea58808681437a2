/*
 * tests/unit/test_sched.c -- engine unit tests: clock parsing, mocks,
 *                            variables, dependency rules, cancellation
 *
 * Pipelines are built from inline JSON; everything runs on the virtual
 * clock, so no test waits or depends on wall time.
 */
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "expr/json.h"
#include "interp/clock.h"
#include "interp/load.h"
#include "interp/mock.h"
#include "interp/report.h"
#include "interp/run.h"
#include "interp/sched.h"

static Pipeline *pl_from(const char *json)
{
  Err err = ERR_INIT;
  Value *doc = json_parse(json, strlen(json), NULL, &err);
  Pipeline *pl;

  if (!doc) {
    fprintf(stderr, "bad test json: %s\n", err.msg);
    return NULL;
  }
  pl = load_pipeline_value(doc, NULL, "test.json", &err);
  if (!pl)
    fprintf(stderr, "load: %s\n", err.msg);
  return pl;
}

typedef struct CancelAt {
  Engine *eng;
  const char *name;
  int starts;
} CancelAt;

static void cancel_listener(void *ud, EngEvent ev, const PipelineRun *r,
                            const struct RepEntry *e)
{
  CancelAt *c = ud;
  (void)r;
  if (ev == EV_ACT_START && strcmp(e->def->name, c->name) == 0) {
    c->starts++;
    engine_cancel(c->eng);
  }
}

/* Runs 'pl' to the end; returns the final status. */
static RunStatus run_pl(Pipeline *pl, const char *mock_json, CancelAt *cancel,
                        PipelineRun **out_run, Engine **out_eng)
{
  EngineOptions opt = {0};
  Err err = ERR_INIT;
  Value *mocks =
      mock_json ? json_parse(mock_json, strlen(mock_json), NULL, &err) : NULL;
  Engine *eng;
  PipelineRun *r;
  RunStatus st;

  clk_init_virtual(&opt.clock, 0);
  clk_parse_time("2024-01-01T00:00:00Z", &opt.clock.now);
  opt.seed = 1;
  opt.mocks = mocks;
  eng = engine_new(&opt, &err);
  if (!eng) {
    val_unref(mocks);
    return RS_PENDING;
  }
  engine_set_log(eng, NULL);
  if (cancel) {
    cancel->eng = eng;
    engine_set_listener(eng, cancel_listener, cancel);
  }
  r = run_new(eng, pl, NULL, NULL, NULL, NULL, &err);
  if (!r) {
    engine_free(eng);
    val_unref(mocks);
    return RS_PENDING;
  }
  run_start(r);
  engine_run(eng, &err);
  st = r->status;
  if (out_run) {
    *out_run = r;
    *out_eng = eng;
    val_unref(mocks); /* the engine's mock set borrowed parts of it */
    return st;
  }
  run_free(r);
  engine_free(eng);
  val_unref(mocks);
  return st;
}

static void test_clock(void)
{
  int64_t t;
  char buf[32];

  CHECK(clk_parse_timespan("7.00:00:00", &t) &&
            t == 7LL * 86400 * TICKS_PER_SECOND,
        "7 days");
  CHECK(clk_parse_timespan("00:01:30", &t) && t == 90 * TICKS_PER_SECOND,
        "90 s");
  CHECK(clk_parse_timespan("0.12:00:00", &t) &&
            t == 12LL * 3600 * TICKS_PER_SECOND,
        "12 h");
  CHECK(clk_parse_timespan("1:2", &t) && t == (62LL * 60) * TICKS_PER_SECOND,
        "h:mm, as .NET TimeSpan.Parse");
  CHECK(!clk_parse_timespan("abc", &t), "rejects text");
  CHECK(!clk_parse_timespan("00:61:00", &t), "rejects 61 minutes");
  CHECK(clk_parse_time("2024-05-01T00:00:00Z", &t), "parse time");
  clk_format(t, buf);
  CHECK(strcmp(buf, "2024-05-01T00:00:00.0000000Z") == 0, "format: %s", buf);
  clk_format_timespan(90 * TICKS_PER_SECOND, buf);
  CHECK(strcmp(buf, "00:01:30") == 0, "timespan: %s", buf);
}

static void test_mocks(void)
{
  const char *j = "{\"activities\":{\"A\":[{\"times\":2,\"output\":{\"n\":1}},"
                  "{\"error\":{\"errorCode\":\"E\",\"message\":\"m\"}}]}}";
  Err err = ERR_INIT;
  Value *doc = json_parse(j, strlen(j), NULL, &err);
  MockSet *m = mock_new(doc, &err);
  MockResult r;

  CHECK(m != NULL, "mock_new: %s", err.msg);
  CHECK(mock_next(m, "A", &r) && !r.is_error, "1st call output");
  CHECK(mock_next(m, "A", &r) && !r.is_error, "2nd call output (times 2)");
  CHECK(mock_next(m, "A", &r) && r.is_error && strcmp(r.err_code, "E") == 0,
        "3rd call error");
  CHECK(mock_next(m, "A", &r) && r.is_error, "last entry repeats");
  CHECK(!mock_next(m, "B", &r), "B is not mocked");
  mock_free(m);
  val_unref(doc);
  j = "{\"activities\":{\"A\":[{\"times\":0}]}}";
  doc = json_parse(j, strlen(j), NULL, &err);
  err_init(&err);
  m = mock_new(doc, &err);
  CHECK(m == NULL && err.code == ERR_MOCK_SYNTAX, "times 0 refused");
  mock_free(m);
  val_unref(doc);
}

static void test_statuses(void)
{
  Pipeline *pl = pl_from(
      "{\"name\":\"p\",\"properties\":{\"variables\":{\"v\":{\"type\":"
      "\"String\"}},"
      "\"activities\":[{\"name\":\"Do\",\"type\":\"Fail\",\"typeProperties\":"
      "{\"message\":\"x\",\"errorCode\":\"E\"}},{\"name\":\"S\",\"type\":"
      "\"SetVariable\",\"dependsOn\":[{\"activity\":\"Do\","
      "\"dependencyConditions\":"
      "[\"Succeeded\"]}],\"typeProperties\":{\"variableName\":\"v\",\"value\":"
      "\"a\"}},"
      "{\"name\":\"F\",\"type\":\"SetVariable\",\"dependsOn\":[{\"activity\":"
      "\"Do\","
      "\"dependencyConditions\":[\"Failed\"]}],\"typeProperties\":{"
      "\"variableName\":"
      "\"v\",\"value\":\"b\"}}]}}");
  PipelineRun *r = NULL;
  Engine *eng = NULL;

  CHECK(pl != NULL, "load");
  if (!pl)
    return;
  CHECK(run_pl(pl, NULL, NULL, &r, &eng) == RS_FAILED,
        "Do-If-Else failure path fails the pipeline");
  CHECK(r && strcmp(r->message, "Operation on target Do failed: x") == 0,
        "message: %s", r ? r->message : "");
  CHECK(r && r->rep.n == 3, "three report entries (one skipped)");
  CHECK(engine_activity_runs(eng) == 2, "two executed activity runs");
  run_free(r);
  engine_free(eng);
  pipeline_free(pl);
}

static void test_cancel(void)
{
  Pipeline *pl = pl_from(
      "{\"name\":\"p\",\"properties\":{\"activities\":[{\"name\":\"W\","
      "\"type\":"
      "\"Wait\",\"typeProperties\":{\"waitTimeInSeconds\":100}},{\"name\":"
      "\"FE\","
      "\"type\":\"ForEach\",\"typeProperties\":{\"items\":{\"value\":\"@range("
      "0,5)\","
      "\"type\":\"Expression\"},\"activities\":[{\"name\":\"Inner\",\"type\":"
      "\"Wait\","
      "\"typeProperties\":{\"waitTimeInSeconds\":10}}]}},{\"name\":\"After\","
      "\"type\":"
      "\"Wait\",\"dependsOn\":[{\"activity\":\"W\",\"dependencyConditions\":"
      "[\"Completed\"]}],\"typeProperties\":{\"waitTimeInSeconds\":1}}]}}");
  CancelAt c = {NULL, "Inner", 0};
  PipelineRun *r = NULL;
  Engine *eng = NULL;
  size_t i, n_cancelled = 0;
  bool after = false;

  CHECK(pl != NULL, "load");
  if (!pl)
    return;
  CHECK(run_pl(pl, NULL, &c, &r, &eng) == RS_CANCELLED,
        "Ctrl-C cancels the run");
  for (i = 0; r && i < r->rep.n; i++) {
    n_cancelled += r->rep.e[i].status == RS_CANCELLED;
    after = after || strcmp(r->rep.e[i].def->name, "After") == 0;
  }
  CHECK(n_cancelled >= 3, "running activities are cancelled (%zu)",
        n_cancelled);
  CHECK(!after, "nothing starts after the cancel");
  CHECK(r && r->end == r->start, "no virtual time passes after a cancel");
  run_free(r);
  engine_free(eng);
  pipeline_free(pl);
}

static void test_append_linear(void)
{
  Pipeline *pl = pl_from("{\"name\":\"p\",\"properties\":{\"variables\":{\"a\":"
                         "{\"type\":\"Array\"}},\"activities\":[]}}");
  EngineOptions opt = {0};
  Err err = ERR_INIT;
  Engine *eng;
  PipelineRun *r;
  Variable *v;
  const Value *got;
  int i;

  CHECK(pl != NULL, "load");
  if (!pl)
    return;
  clk_init_virtual(&opt.clock, 0);
  eng = engine_new(&opt, &err);
  r = run_new(eng, pl, NULL, NULL, NULL, NULL, &err);
  CHECK(r != NULL, "run_new: %s", err.msg);
  if (!r) {
    engine_free(eng);
    pipeline_free(pl);
    return;
  }
  v = run_var_find(r, "a");
  for (i = 0; i < 1000; i++) {
    Value *x = val_int(i);
    run_var_append(r, v, x, &err);
    val_unref(x);
    if (i == 500) {
      got = run_var_get(r, "a", 1);
      CHECK(val_array_len(got) == 501, "read in the middle sees 501 items");
    }
  }
  got = run_var_get(r, "a", 1);
  CHECK(got && val_array_len(got) == 1000, "1000 items");
  CHECK(got && val_get_int(val_array_peek(got, 999)) == 999, "order kept");
  {
    Value *s = val_cstr("x");
    CHECK(!run_var_set_take(r, v, s, &err) && err.code == ERR_VARIABLE_TYPE,
          "type check");
  }
  run_free(r);
  engine_free(eng);
  pipeline_free(pl);
}

/* A short secret inside a longer one must not leave the rest showing,
 * whatever order they were registered in; JSON-escaped spellings too. */
static void test_redact(void)
{
  const char *secrets[] = {"abcd", "xx-abcd-yy", "p\"w\\d"};
  char *r = report_redact("a xx-abcd-yy b abcd c", secrets, 3);
  CHECK(strcmp(r, "a *** b *** c") == 0, "nested secrets: %s", r);
  free(r);
  Value *v = val_cstr("p\"w\\d");
  char *j = report_to_json(v, secrets, 3, 0);
  CHECK(strcmp(j, "\"***\"") == 0, "JSON-escaped secret: %s", j);
  free(j);
  val_unref(v);
}

int main(void)
{
  test_redact();
  test_clock();
  test_mocks();
  test_statuses();
  test_cancel();
  test_append_linear();
  return CHECK_DONE();
}
