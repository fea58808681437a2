/*
 * activities/copy.c -- the Copy activity ("type": "Copy")
 *
 * Resolves the one input and one output dataset on the loop thread,
 * builds the job (source/sink settings, translator, additionalColumns
 * already evaluated) and runs dataop_copy() (copy_exec.c) on a worker
 * thread.  Every failure is reported with ADF's Copy errorCode 2200; the
 * cause stays in the message and the code's symbol.
 */
#include <stdio.h>
#include <string.h>

#include "activities/data.h"
#include "activities/datajob.h"
#include "activities/dataset.h"

static const Value *one_ref(const ActivityDef *def, const char *key)
{
  const Value *arr = ds_get(def->raw, key);
  return arr && val_kind(arr) == VAL_ARRAY && val_array_len(arr) == 1
             ? val_array_peek(arr, 0)
             : NULL;
}

static bool copy_validate(const ActivityDef *def, Err *err)
{
  if (!one_ref(def, "inputs") || !one_ref(def, "outputs"))
    return err_set(err, ERR_ACTIVITY_CONFIG, NULL,
                   "Copy needs exactly one dataset in 'inputs' and one in "
                   "'outputs'");
  if (!ds_get(def->type_props, "source") || !ds_get(def->type_props, "sink"))
    return err_set(err, ERR_ACTIVITY_CONFIG, NULL,
                   "Copy needs typeProperties 'source' and 'sink'");
  return true;
}

static void fail_2200(Err *err)
{
  if (err_is_set(err) && !err->adf_code[0])
    snprintf(err->adf_code, sizeof err->adf_code, "2200");
}

/* Evaluates and resolves inputs[0] / outputs[0] in the run's scope. */
static Value *side(ActRun *run, const char *key, const Value *settings,
                   Err *err)
{
  const Value *raw = one_ref(act_def(run), key);
  Value *ref = raw ? act_eval(run, raw, err) : NULL;
  if (!raw)
    err_set(err, ERR_ACTIVITY_CONFIG, NULL,
            "Copy needs exactly one dataset in '%s'", key);
  Value *spec = ref ? data_resolve(run, ref, key, err) : NULL;
  val_unref(ref);
  return spec ? data_with_settings(spec, settings) : NULL;
}

static ActStep copy_start(ActRun *run, Err *err)
{
  const Value *in = act_input(run);
  if (!copy_validate(act_def(run), err)) {
    fail_2200(err);
    return ACT_DONE;
  }
  Value *src = side(run, "inputs", ds_get(in, "source"), err);
  Value *dst = src ? side(run, "outputs", ds_get(in, "sink"), err) : NULL;
  if (!src || !dst) {
    val_unref(src);
    fail_2200(err);
    return ACT_DONE;
  }
  Value *job = val_object_new();
  val_object_set_take(job, "source", 6, src);
  val_object_set_take(job, "sink", 4, dst);
  static const char *const pass[] = {"translator", "enableSkipIncompatibleRow",
                                     "enableStaging",
                                     "redirectIncompatibleRowSettings"};
  data_pass(job, in, pass, 4);
  char iso[48];
  data_now_iso(run, iso, sizeof iso);
  val_object_set_take(job, "start", 5, val_cstr(iso));
  return data_start(run, dataop_copy, job);
}

static ActStep copy_step(ActRun *run, Err *err)
{
  ActStep r = data_finish(run, false, err);
  fail_2200(err);
  return r;
}

const ActivityType act_copy_type = {
    "Copy", copy_validate, copy_start, copy_step, data_cancel, data_cleanup,
};
