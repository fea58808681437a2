/*
 * activities/validation.c -- the Validation activity
 *
 * Probes the dataset on a worker thread (dataop_probe), and between
 * probes sleeps on the engine's clock with act_wake_at(), so a run under
 * --clock virtual finishes at once.  Succeeds when the item exists and
 * meets minimumSize (files) or childItems (folders: true = not empty,
 * false = empty, absent = exists); fails when 'timeout' (default
 * 0.12:00:00, as the docs say) passes first.  HttpServer datasets are
 * probed with HEAD requests: the URL exists once it answers 2xx.
 */
#include <stdlib.h>

#include "activities/data.h"
#include "activities/datajob.h"
#include "activities/dataset.h"
#include "interp/clock.h"

static bool val_validate(const ActivityDef *def, Err *err)
{
  if (!ds_get(def->type_props, "dataset"))
    return err_set(err, ERR_ACTIVITY_CONFIG, NULL,
                   "Validation needs typeProperties 'dataset'");
  return true;
}

static ActStep val_start(ActRun *run, Err *err)
{
  const Value *in = act_input(run);
  if (!val_validate(act_def(run), err))
    return ACT_DONE;
  int64_t timeout = 12 * 3600 * TICKS_PER_SECOND;
  const char *ts = ds_str(in, "timeout");
  if (ts && *ts && (!clk_parse_timespan(ts, &timeout) || timeout < 0)) {
    err_set(err, ERR_ACTIVITY_CONFIG, NULL,
            "Validation timeout '%s' is not a [d.]hh:mm:ss time span", ts);
    return ACT_DONE;
  }
  int64_t sleep = ds_int(in, "sleep", 10);
  if (sleep < 1)
    sleep = 1;
  Value *spec = data_resolve(run, ds_get(in, "dataset"), "dataset", err);
  if (!spec)
    return ACT_DONE;
  const Value *ci = ds_get(in, "childItems");
  if (dataop_is_http(spec) && ci && val_kind(ci) != VAL_NULL) {
    err_set(err, ERR_DATA_UNSUPPORTED, NULL,
            "Validation 'childItems' is not supported for HttpServer dataset "
            "'%s' (a URL cannot be listed: no folders)",
            ds_str(spec, "dataset"));
    val_unref(spec);
    return ACT_DONE;
  }
  Value *job = val_object_new();
  val_object_set_take(job, "dataset", 7, spec);
  ActStep r = data_start(run, dataop_probe, job);
  DataRun *st = act_state(run);
  st->deadline = st->started + timeout;
  st->sleep = sleep * TICKS_PER_SECOND;
  return r;
}

/* True when the probe result satisfies the activity's conditions. */
static bool satisfied(const Value *in, const Value *probe)
{
  if (!ds_bool(probe, "exists", false))
    return false;
  const char *type = ds_str(probe, "itemType");
  if (type && type[0] == 'F' && type[1] == 'i')
    return ds_int(probe, "size", 0) >= ds_int(in, "minimumSize", 0);
  const Value *ci = ds_get(in, "childItems");
  if (!ci || val_kind(ci) == VAL_NULL)
    return true;
  bool want = ds_bool(in, "childItems", false);
  int64_t n = ds_int(probe, "childItems", 0);
  return want ? n > 0 : n == 0;
}

static ActStep val_step(ActRun *run, Err *err)
{
  DataRun *st = act_state(run);
  if (!st)
    return ACT_PENDING;
  if (!st->job) {
    /* Woken by the sleep timer: probe again. */
    return data_start(run, dataop_probe, st->job_spec);
  }
  if (!datajob_done(st->job))
    return ACT_PENDING;
  Value *probe = datajob_result(st->job, err);
  datajob_free(st->job);
  st->job = NULL;
  if (!probe)
    return ACT_DONE;
  int64_t now = act_now(run);
  if (satisfied(act_input(run), probe)) {
    Value *out = val_object_new();
    val_object_set_take(out, "exists", 6, val_bool(true));
    const Value *ci = ds_get(probe, "childItems");
    if (ci)
      val_object_set(out, "childItemsCount", ci);
    val_object_set_take(out, "effectiveIntegrationRuntime", 27,
                        val_cstr("AutoResolveIntegrationRuntime (Local)"));
    val_object_set_take(out, "executionDuration", 17,
                        val_int((now - st->started) / TICKS_PER_SECOND));
    val_unref(probe);
    act_set_output_take(run, out);
    return ACT_DONE;
  }
  val_unref(probe);
  if (now >= st->deadline) {
    const Value *spec = ds_get(st->job_spec, "dataset");
    char *path = dataop_is_http(spec) ? NULL : dataop_item_path(spec);
    const char *file = ds_str(spec, "file");
    err_set(err, ERR_DATA_TIMEOUT, NULL,
            "Validation timed out: dataset '%s' (%s '%s') did not meet the "
            "conditions within %lld seconds",
            ds_str(spec, "dataset"), path ? (file ? "file" : "folder") : "URL",
            path ? path : (file ? file : ""),
            (long long)((st->deadline - st->started) / TICKS_PER_SECOND));
    free(path);
    dataops_adf_message(err, "Source", "UserErrorValidationTimeout");
    return ACT_DONE;
  }
  act_wake_at(run,
              now + st->sleep < st->deadline ? now + st->sleep : st->deadline);
  return ACT_PENDING;
}

const ActivityType act_validation_type = {
    "Validation", val_validate, val_start, val_step, data_cancel, data_cleanup,
};
