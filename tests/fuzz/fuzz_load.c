/*
 * tests/fuzz/fuzz_load.c -- libFuzzer target for the definition loader
 *
 * Feeds the bytes to json_parse() and to load_yaml_text() (both with a
 * SrcMap), then builds a Pipeline and a Resource from whatever parsed
 * (and a Factory when the JSON is an ARM template).
 * An Err is a normal outcome; a crash, a leak or a sanitizer report is a
 * bug.  With -DADF_FUZZ_REPLAY it runs the files named on its command line.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr/json.h"
#include "interp/load.h"
#include "interp/load_extra.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool touch(void *ud, const ActivityDef *a)
{
  size_t *n = ud;
  *n += a->n_deps + a->n_blocks;
  return true;
}

static void build(Value *doc, SrcMap *locs, const char *file)
{
  Err err = ERR_INIT;
  size_t n = 0;
  Value *copy = val_ref(doc);
  ResKind k = load_detect_kind(doc, file);
  Pipeline *p = load_pipeline_value(doc, locs, file, &err);
  if (p) {
    SrcLoc loc;
    pipeline_walk(p, touch, &n);
    if (p->n_acts) {
      pipeline_loc(p, p->acts[0]->path, &loc);
      pipeline_find_activity(p, p->acts[p->n_acts - 1]->name);
    }
    pipeline_free(p);
  }
  err_clear(&err);
  resource_free(load_resource_value(copy, NULL, k, file, &err));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *text = (const char *)data;
  Err err = ERR_INIT;
  SrcMap *locs = srcmap_new();
  Value *doc = json_parse(text, size, locs, &err);
  if (doc && load_is_arm_template(doc)) {
    /* the template reader re-parses each pipeline's byte span */
    Err e2 = ERR_INIT;
    factory_free(load_arm_value(val_ref(doc), "fuzz.json", text, size, &e2));
  }
  if (doc)
    build(doc, locs, "fuzz.json");
  else
    srcmap_free(locs);

  err_clear(&err);
  locs = srcmap_new();
  doc = load_yaml_text(text, size, locs, &err);
  if (doc)
    build(doc, locs, "fuzz.yaml");
  else
    srcmap_free(locs);
  return 0;
}

#include "tests/fuzz/replay.h"
