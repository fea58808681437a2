/*
 * activities/data_act.c -- glue shared by Copy, Lookup, GetMetadata,
 *                          Delete and Validation
 *
 * Resolving datasets on the loop thread (secrets registered with the
 * engine before anything can print them), starting the worker job, and
 * turning its result into the run's output or error.
 */
#include "activities/datajob.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activities/dataset.h"

static void on_secret(void *ud, const char *secret)
{
  act_add_secret(ud, secret);
}

Value *data_resolve(ActRun *run, const Value *ref, const char *what, Err *err)
{
  if (!ref || val_kind(ref) != VAL_OBJECT) {
    err_set(err, ERR_DATA_REFERENCE, NULL,
            "'%s' must be a DatasetReference object", what);
    return NULL;
  }
  return ds_resolve(act_factory(run), ref, act_env(run), on_secret, run, err);
}

void data_now_iso(ActRun *run, char *buf, size_t n)
{
  int64_t ticks = act_now(run);
  int64_t unix_s = ticks / TICKS_PER_SECOND - 62135596800LL;
  char base[32];
  dataop_format_time(unix_s, base, sizeof base);
  base[strlen(base) - 1] = '\0'; /* drop the Z, add 7 fraction digits */
  snprintf(buf, n, "%s.%07lldZ", base, (long long)(ticks % TICKS_PER_SECOND));
}

Value *data_with_settings(Value *spec, const Value *settings)
{
  Value *s = val_copy(spec);
  val_unref(spec);
  val_object_set_take(s, "settings", 8,
                      settings ? val_ref(settings) : val_object_new());
  return s;
}

void data_pass(Value *job, const Value *in, const char *const *keys, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    const Value *v = ds_get(in, keys[i]);
    if (v)
      val_object_set(job, keys[i], v);
  }
}

Value *data_dataset_job(ActRun *run, const char *const *keys, size_t n,
                        Err *err)
{
  const Value *in = act_input(run);
  Value *spec = data_resolve(run, ds_get(in, "dataset"), "dataset", err);
  if (!spec)
    return NULL;
  Value *job = val_object_new();
  val_object_set_take(job, "dataset", 7, spec);
  data_pass(job, in, keys, n);
  return job;
}

ActStep data_start(ActRun *run, DataOpFn fn, Value *job)
{
  DataRun *st = act_state(run);
  if (!st) {
    st = xcalloc(1, sizeof *st);
    st->started = act_now(run);
    act_set_state(run, st);
  }
  if (st->job_spec != job) {
    val_unref(st->job_spec);
    st->job_spec = job;
  }
  datajob_free(st->job);
  st->job = datajob_start(run, fn, job);
  return ACT_PENDING;
}

ActStep data_finish(ActRun *run, bool duration, Err *err)
{
  DataRun *st = act_state(run);
  if (!st || !st->job || !datajob_done(st->job))
    return ACT_PENDING;
  Value *out = datajob_result(st->job, err);
  datajob_free(st->job);
  st->job = NULL;
  if (!out)
    return ACT_DONE;
  if (duration) {
    int64_t secs = (act_now(run) - st->started) / TICKS_PER_SECOND;
    val_object_set_take(out, "executionDuration", 17, val_int(secs));
  }
  act_set_output_take(run, out);
  return ACT_DONE;
}

void data_cancel(ActRun *run)
{
  DataRun *st = act_state(run);
  if (st)
    datajob_cancel(st->job);
}

void data_cleanup(ActRun *run)
{
  DataRun *st = act_state(run);
  if (!st)
    return;
  datajob_free(st->job);
  val_unref(st->job_spec);
  free(st);
  act_set_state(run, NULL);
}
