/*
 * tests/unit/test_data_engine.c -- the data activities run by the engine
 *
 * Whole pipelines (Validation, GetMetadata, Lookup, Copy, Delete) over a
 * FileServer linked service on a temp folder, run in-process under the
 * virtual clock exactly as `adfrun run --clock virtual` runs them: the
 * Validation polling loop (sleep, timeout, minimumSize, childItems
 * true/false/absent), outputs consumed by expressions downstream, and the
 * ADF-shaped errors in the report.  The pipeline YAML runner cannot load
 * datasets or linked services, hence C.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activities/registry.h"
#include "interp/load.h"
#include "interp/report.h"
#include "interp/run.h"
#include "interp/sched.h"
#include "tests/check.h"
#include "tests/unit/data_fixture.h"

/* The factory: a FileServer on the temp root and three datasets. */
static Factory *make_factory(void)
{
  StrBuf sb;
  sb_init(&sb);
  sb_printf(&sb,
            "[{\"kind\": \"linkedService\", \"name\": \"Files\", "
            "\"properties\": {\"type\": \"FileServer\", \"typeProperties\": "
            "{\"host\": \"%s\"}}},",
            fx_root);
  sb_puts(&sb,
          "{\"kind\": \"dataset\", \"name\": \"Bin\", \"properties\": {"
          "\"type\": \"Binary\", \"linkedServiceName\": {\"referenceName\": "
          "\"Files\", \"type\": \"LinkedServiceReference\"}, \"parameters\": "
          "{\"dir\": {\"type\": \"String\"}, \"file\": {\"type\": \"String\", "
          "\"defaultValue\": \"\"}}, \"typeProperties\": {\"location\": "
          "{\"type\": \"FileServerLocation\", \"folderPath\": "
          "\"@dataset().dir\", \"fileName\": \"@dataset().file\"}}}},"
          "{\"kind\": \"dataset\", \"name\": \"Csv\", \"properties\": {"
          "\"type\": \"DelimitedText\", \"linkedServiceName\": "
          "{\"referenceName\": \"Files\", \"type\": "
          "\"LinkedServiceReference\"}, \"parameters\": {\"dir\": {\"type\": "
          "\"String\"}, \"file\": {\"type\": \"String\", \"defaultValue\": "
          "\"\"}}, \"typeProperties\": {\"location\": {\"type\": "
          "\"FileServerLocation\", \"folderPath\": \"@dataset().dir\", "
          "\"fileName\": \"@dataset().file\"}, \"firstRowAsHeader\": true}}}"
          "]");
  Factory *f = fx_factory(sb.s);
  sb_fini(&sb);
  return f;
}

/* Runs 'pipeline_json' (one pipeline document) against 'f' under the
 * virtual clock.  Returns the run report (owned) or NULL. */
static Value *run_pipeline(Factory *f, const char *pipeline_json)
{
  Err err = ERR_INIT;
  Pipeline *pl = load_pipeline_value(fx_json(pipeline_json), NULL,
                                     "test_data_engine", &err);
  if (!pl) {
    fprintf(stderr, "load: %s\n", err.msg);
    return NULL;
  }
  EngineOptions opt = {0};
  clk_init_virtual(&opt.clock, 0);
  clk_parse_time("2024-05-01T00:00:00Z", &opt.clock.now);
  opt.seed = 1;
  Value *report = NULL;
  Engine *eng = NULL;
  PipelineRun *pr = NULL;
  RunArgs args = {0};
  if (!run_precheck(pl, &err) || !(eng = engine_new(&opt, &err))) {
    fprintf(stderr, "precheck: %s\n", err.msg);
    goto done;
  }
  engine_set_leaf_lookup(eng, act_registry_find);
  engine_set_log(eng, NULL);
  pr = run_new(eng, pl, f, &args, NULL, NULL, &err);
  if (!pr) {
    fprintf(stderr, "run_new: %s\n", err.msg);
    goto done;
  }
  run_start(pr);
  if (!engine_run(eng, &err))
    fprintf(stderr, "engine: %s\n", err.msg);
  else
    report = report_build(pr);
done:
  run_free(pr);
  engine_free(eng);
  pipeline_free(pl);
  return report;
}

/* The activity run named 'name' in 'report' (borrowed) or NULL. */
static const Value *act_run(const Value *report, const char *name)
{
  const Value *runs = report ? val_object_peek(report, "activityRuns") : NULL;
  for (size_t i = 0; runs && i < val_array_len(runs); i++) {
    const Value *r = val_array_peek(runs, i);
    const Value *n = val_object_peek(r, "activityName");
    if (n && strcmp(val_str(n), name) == 0)
      return r;
  }
  return NULL;
}

static const char *run_status(const Value *report, const char *name)
{
  const char *s = ds_str(act_run(report, name), "status");
  return s ? s : "(absent)";
}

static const Value *run_output(const Value *report, const char *name)
{
  return ds_get(act_run(report, name), "output");
}

static const char *run_error_code(const Value *report, const char *name)
{
  const char *s = ds_str(ds_get(act_run(report, name), "error"), "errorCode");
  return s ? s : "(none)";
}

#define DS(name, dir, file)                                                    \
  "{\"referenceName\": \"" name "\", \"type\": \"DatasetReference\", "         \
  "\"parameters\": {\"dir\": \"" dir "\", \"file\": \"" file "\"}}"

#define PIPE(acts)                                                             \
  "{\"name\": \"p\", \"properties\": {\"activities\": [" acts "]}}"

/* data/people.csv through the Csv dataset. */
#define PEOPLE DS("Csv", "data", "people.csv")

/* A dependsOn member: run after 'act' succeeded. */
#define AFTER(act)                                                             \
  "\"dependsOn\": [{\"activity\": \"" act "\", "                               \
  "\"dependencyConditions\": [\"Succeeded\"]}]"

/* A Validation activity with extra typeProperties 'more' (JSON members,
 * may be ""). */
#define VALIDATION(name, ds, more)                                             \
  "{\"name\": \"" name "\", \"type\": \"Validation\", \"typeProperties\": "    \
  "{\"dataset\": " ds more "}}"

/* ---- Validation ----------------------------------------------------- */

static void test_validation_waits_for_file(Factory *f)
{
  /* The file appears at t=25 s (Wait, then Copy); Validation probes at
   * 0, 10, 20, 30 s of virtual time and succeeds on the fourth probe. */
  fx_puts("seed/seed.bin", "payload");
  /* clang-format off */
  static const char pipeline[] = PIPE(
      "{\"name\": \"Later\", \"type\": \"Wait\","
      "  \"typeProperties\": {\"waitTimeInSeconds\": 25}},"
      "{\"name\": \"Make\", \"type\": \"Copy\", " AFTER("Later") ","
      "  \"inputs\": [" DS("Bin", "seed", "seed.bin") "],"
      "  \"outputs\": [" DS("Bin", "landing", "ready.bin") "],"
      "  \"typeProperties\": {\"source\": {\"type\": \"BinarySource\"},"
      "  \"sink\": {\"type\": \"BinarySink\"}}},"
      VALIDATION("WaitFile", DS("Bin", "landing", "ready.bin"),
                 ", \"sleep\": 10, \"timeout\": \"0.00:05:00\","
                 " \"minimumSize\": 7"));
  /* clang-format on */
  Value *rep = run_pipeline(f, pipeline);
  CHECK(rep && strcmp(ds_str(rep, "status"), "Succeeded") == 0,
        "pipeline with polling Validation succeeds");
  CHECK(strcmp(run_status(rep, "WaitFile"), "Succeeded") == 0,
        "Validation succeeded once the file appeared");
  const Value *out = run_output(rep, "WaitFile");
  CHECK(ds_bool(out, "exists", false), "output.exists");
  CHECK(ds_int(out, "executionDuration", -1) == 30,
        "virtual time: the probe at 30 s saw the file (got %lld)",
        (long long)ds_int(out, "executionDuration", -1));
  val_unref(rep);
}

static void test_validation_timeout(Factory *f)
{
  Value *rep = run_pipeline(
      f, PIPE(VALIDATION("Never", DS("Bin", "nowhere", "none.bin"),
                         ", \"sleep\": 15, \"timeout\": \"00:01:00\"")));
  CHECK(rep && strcmp(ds_str(rep, "status"), "Failed") == 0,
        "pipeline fails when Validation times out");
  CHECK(strcmp(run_status(rep, "Never"), "Failed") == 0 &&
            strcmp(run_error_code(rep, "Never"),
                   "UserErrorValidationTimeout") == 0,
        "Validation timeout error code (got %s)", run_error_code(rep, "Never"));
  const char *msg = ds_str(ds_get(act_run(rep, "Never"), "error"), "message");
  CHECK(msg && strstr(msg, "60 seconds"), "message names the timeout: %s",
        msg ? msg : "");
  val_unref(rep);

  /* minimumSize never met by a 3-byte file. */
  fx_puts("small/s.bin", "abc");
  rep = run_pipeline(
      f, PIPE(VALIDATION(
             "TooSmall", DS("Bin", "small", "s.bin"),
             ", \"sleep\": 10, \"timeout\": \"00:00:30\", "
             "\"minimumSize\": 10") "," VALIDATION("BigEnough",
                                                   DS("Bin", "small", "s.bin"),
                                                   ", \"sleep\": 10, "
                                                   "\"timeout\": \"00:00:30\", "
                                                   "\"minimumSize\": 3")));
  CHECK(strcmp(run_status(rep, "TooSmall"), "Failed") == 0 &&
            strcmp(run_error_code(rep, "TooSmall"),
                   "UserErrorValidationTimeout") == 0,
        "minimumSize 10 on a 3-byte file times out");
  CHECK(strcmp(run_status(rep, "BigEnough"), "Succeeded") == 0 &&
            ds_int(run_output(rep, "BigEnough"), "executionDuration", -1) == 0,
        "minimumSize 3 succeeds on the first probe");
  val_unref(rep);
}

static void test_validation_child_items(Factory *f)
{
  fx_mkdirs(fx_path("empty/x"));
  fx_puts("full/a.txt", "a");
  fx_puts("full/b.txt", "b");
  fx_mkdirs(fx_path("fills/x"));
  fx_puts("seed/one.txt", "1");
  const char *common = ", \"sleep\": 10, \"timeout\": \"00:00:40\"";
  char *text = NULL;
  StrBuf sb;
  sb_init(&sb);
  sb_printf(
      &sb,
      PIPE("{\"name\": \"EmptyNonEmpty\", \"type\": \"Validation\", "
           "\"typeProperties\": {\"dataset\": %s, \"childItems\": true%s}},"
           "{\"name\": \"EmptyEmpty\", \"type\": \"Validation\", "
           "\"typeProperties\": {\"dataset\": %s, \"childItems\": false%s}},"
           "{\"name\": \"EmptyExists\", \"type\": \"Validation\", "
           "\"typeProperties\": {\"dataset\": %s%s}},"
           "{\"name\": \"FullNonEmpty\", \"type\": \"Validation\", "
           "\"typeProperties\": {\"dataset\": %s, \"childItems\": true%s}},"
           "{\"name\": \"FullEmpty\", \"type\": \"Validation\", "
           "\"typeProperties\": {\"dataset\": %s, \"childItems\": "
           "\"false\"%s}},"
           "{\"name\": \"MissingFolder\", \"type\": \"Validation\", "
           "\"typeProperties\": {\"dataset\": %s%s}},"
           "{\"name\": \"Fill\", \"type\": \"Wait\", \"typeProperties\": "
           "{\"waitTimeInSeconds\": 15}},"
           "{\"name\": \"FillCopy\", \"type\": \"Copy\", \"dependsOn\": "
           "[{\"activity\": \"Fill\", \"dependencyConditions\": "
           "[\"Succeeded\"]}], \"inputs\": [%s], \"outputs\": [%s], "
           "\"typeProperties\": {\"source\": {\"type\": \"BinarySource\"}, "
           "\"sink\": {\"type\": \"BinarySink\"}}},"
           "{\"name\": \"FillsUp\", \"type\": \"Validation\", "
           "\"typeProperties\": {\"dataset\": %s, \"childItems\": true%s}}"),
      DS("Bin", "empty", ""), common, DS("Bin", "empty", ""), common,
      DS("Bin", "empty", ""), common, DS("Bin", "full", ""), common,
      DS("Bin", "full", ""), common, DS("Bin", "no/such", ""), common,
      DS("Bin", "seed", "one.txt"), DS("Bin", "fills", "one.txt"),
      DS("Bin", "fills", ""), common);
  text = sb_take(&sb);
  Value *rep = run_pipeline(f, text);
  free(text);
  CHECK(rep != NULL, "childItems pipeline ran");
  CHECK(strcmp(run_status(rep, "EmptyNonEmpty"), "Failed") == 0 &&
            strcmp(run_error_code(rep, "EmptyNonEmpty"),
                   "UserErrorValidationTimeout") == 0,
        "childItems true on an empty folder times out");
  CHECK(strcmp(run_status(rep, "EmptyEmpty"), "Succeeded") == 0,
        "childItems false on an empty folder succeeds");
  CHECK(strcmp(run_status(rep, "EmptyExists"), "Succeeded") == 0,
        "childItems absent: an existing (empty) folder is enough");
  CHECK(strcmp(run_status(rep, "FullNonEmpty"), "Succeeded") == 0 &&
            ds_int(run_output(rep, "FullNonEmpty"), "childItemsCount", -1) == 2,
        "childItems true on a folder with two files, childItemsCount 2");
  CHECK(strcmp(run_status(rep, "FullEmpty"), "Failed") == 0,
        "childItems \"false\" on a non-empty folder times out");
  CHECK(strcmp(run_status(rep, "MissingFolder"), "Failed") == 0,
        "a missing folder times out");
  CHECK(strcmp(run_status(rep, "FillsUp"), "Succeeded") == 0 &&
            ds_int(run_output(rep, "FillsUp"), "executionDuration", -1) == 20,
        "an empty folder that fills at 15 s passes at the 20 s probe (%lld)",
        (long long)ds_int(run_output(rep, "FillsUp"), "executionDuration", -1));
  val_unref(rep);
}

/* ---- Outputs consumed downstream ------------------------------------ */

static void test_outputs_downstream(Factory *f)
{
  fx_puts("data/people.csv", "name,age\nada,36\nalan,41\n");
  /* clang-format off */
  static const char pipeline[] =
      "{\"name\": \"p\", \"properties\": {"
      "\"variables\": {\"v\": {\"type\": \"String\"}}, \"activities\": ["
      "{\"name\": \"Meta\", \"type\": \"GetMetadata\", \"typeProperties\": {"
      "  \"dataset\": " PEOPLE ","
      "  \"fieldList\": [\"exists\", \"itemName\", \"size\"]}},"
      "{\"name\": \"Look\", \"type\": \"Lookup\", " AFTER("Meta") ","
      "  \"typeProperties\": {"
      "  \"source\": {\"type\": \"DelimitedTextSource\"},"
      "  \"dataset\": " PEOPLE ", \"firstRowOnly\": false}},"
      "{\"name\": \"Copy1\", \"type\": \"Copy\", " AFTER("Look") ","
      "  \"inputs\": [" PEOPLE "],"
      "  \"outputs\": [" DS("Csv", "@{activity('Meta').output.itemName}-out",
                            "copy.csv") "],"
      "  \"typeProperties\": {\"source\": {\"type\": \"DelimitedTextSource\"},"
      "  \"sink\": {\"type\": \"DelimitedTextSink\"}}},"
      "{\"name\": \"Del\", \"type\": \"Delete\", " AFTER("Copy1") ","
      "  \"typeProperties\": {\"dataset\": " PEOPLE "}},"
      "{\"name\": \"Say\", \"type\": \"SetVariable\", " AFTER("Del") ","
      "  \"typeProperties\": {\"variableName\": \"v\", \"value\": "
      "  \"@{activity('Meta').output.size}/@{activity('Look').output.count}"
      "/@{activity('Look').output.value[1].name}"
      "/@{activity('Copy1').output.rowsCopied}"
      "/@{activity('Del').output.filesDeleted}\"}},"
      "{\"name\": \"MetaGone\", \"type\": \"GetMetadata\", " AFTER("Del") ","
      "  \"typeProperties\": {\"dataset\": " PEOPLE ","
      "  \"fieldList\": [\"exists\"]}},"
      "{\"name\": \"LookGone\", \"type\": \"Lookup\", " AFTER("Del") ","
      "  \"typeProperties\": {"
      "  \"source\": {\"type\": \"DelimitedTextSource\"},"
      "  \"dataset\": " PEOPLE "}}"
      "]}}";
  /* clang-format on */
  Value *rep = run_pipeline(f, pipeline);
  CHECK(rep != NULL, "outputs pipeline ran");
  CHECK(strcmp(run_status(rep, "Meta"), "Succeeded") == 0 &&
            ds_int(run_output(rep, "Meta"), "size", -1) == 24 &&
            strcmp(ds_str(run_output(rep, "Meta"), "itemName"), "people.csv") ==
                0,
        "GetMetadata output (size %lld)",
        (long long)ds_int(run_output(rep, "Meta"), "size", -1));
  CHECK(strcmp(run_status(rep, "Look"), "Succeeded") == 0 &&
            ds_int(run_output(rep, "Look"), "count", -1) == 2,
        "Lookup output count 2");
  CHECK(strcmp(run_status(rep, "Copy1"), "Succeeded") == 0 &&
            ds_int(run_output(rep, "Copy1"), "rowsCopied", -1) == 2 &&
            ds_int(run_output(rep, "Copy1"), "filesWritten", -1) == 1,
        "Copy output rowsCopied/filesWritten");
  char *copied = fx_read("people.csv-out/copy.csv", NULL);
  CHECK(copied && strstr(copied, "alan,41"),
        "sink folder from an upstream output expression");
  free(copied);
  CHECK(strcmp(run_status(rep, "Del"), "Succeeded") == 0 &&
            ds_int(run_output(rep, "Del"), "filesDeleted", -1) == 1 &&
            !fx_exists("data/people.csv"),
        "Delete output filesDeleted 1, file gone");
  const Value *sv = run_output(rep, "Say");
  const char *v = ds_str(sv, "value");
  CHECK(v && strcmp(v, "24/2/alan/2/1") == 0,
        "outputs consumed by expressions: %s", v ? v : "(none)");
  CHECK(strcmp(run_status(rep, "MetaGone"), "Succeeded") == 0 &&
            ds_get(run_output(rep, "MetaGone"), "exists") &&
            !ds_bool(run_output(rep, "MetaGone"), "exists", true),
        "GetMetadata exists false after Delete");
  CHECK(strcmp(run_status(rep, "LookGone"), "Failed") == 0 &&
            strcmp(run_error_code(rep, "LookGone"), "UserErrorFileNotFound") ==
                0,
        "Lookup of a deleted file fails with UserErrorFileNotFound (%s)",
        run_error_code(rep, "LookGone"));
  CHECK(strcmp(ds_str(rep, "status"), "Failed") == 0,
        "the failed leaf fails the pipeline");
  val_unref(rep);
}

int main(void)
{
  fx_tmpdir();
  Factory *f = make_factory();
  test_validation_waits_for_file(f);
  test_validation_timeout(f);
  test_validation_child_items(f);
  test_outputs_downstream(f);
  factory_free(f);
  fx_cleanup();
  return CHECK_DONE();
}
