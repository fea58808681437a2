/*
 * activities/lookup.c -- the Lookup activity ("type": "Lookup")
 *
 * Reads rows of a dataset on a worker thread (dataop_lookup): firstRow
 * when firstRowOnly (the default), else count and value, capped at 5,000
 * rows and failing above 4 MB of output, as the service does.
 */
#include "activities/data.h"
#include "activities/datajob.h"
#include "activities/dataset.h"

static bool lookup_validate(const ActivityDef *def, Err *err)
{
  if (!ds_get(def->type_props, "dataset") || !ds_get(def->type_props, "source"))
    return err_set(err, ERR_ACTIVITY_CONFIG, NULL,
                   "Lookup needs typeProperties 'dataset' and 'source'");
  return true;
}

static ActStep lookup_start(ActRun *run, Err *err)
{
  const Value *in = act_input(run);
  if (!lookup_validate(act_def(run), err))
    return ACT_DONE;
  Value *spec = data_resolve(run, ds_get(in, "dataset"), "dataset", err);
  if (!spec)
    return ACT_DONE;
  Value *src = data_with_settings(spec, ds_get(in, "source"));
  Value *job = val_object_new();
  val_object_set_take(job, "source", 6, src);
  val_object_set_take(job, "firstRowOnly", 12,
                      val_bool(ds_bool(in, "firstRowOnly", true)));
  return data_start(run, dataop_lookup, job);
}

static ActStep lookup_step(ActRun *run, Err *err)
{
  return data_finish(run, false, err);
}

const ActivityType act_lookup_type = {
    "Lookup",    lookup_validate, lookup_start,
    lookup_step, data_cancel,     data_cleanup,
};
