/*
 * activities/delete.c -- the Delete activity ("type": "Delete")
 *
 * Deletes the dataset's file, the files of its folder (recursive: the
 * whole tree and the folder itself), or the files its wildcards match,
 * on a worker thread (dataop_delete).  Deleting nothing is a success.
 */
#include "activities/data.h"
#include "activities/datajob.h"
#include "activities/dataset.h"

static bool del_validate(const ActivityDef *def, Err *err)
{
  if (!ds_get(def->type_props, "dataset"))
    return err_set(err, ERR_ACTIVITY_CONFIG, NULL,
                   "Delete needs typeProperties 'dataset'");
  return true;
}

static ActStep del_start(ActRun *run, Err *err)
{
  const Value *in = act_input(run);
  if (!del_validate(act_def(run), err))
    return ACT_DONE;
  Value *spec = data_resolve(run, ds_get(in, "dataset"), "dataset", err);
  if (!spec)
    return ACT_DONE;
  Value *job = val_object_new();
  val_object_set_take(job, "dataset", 7, spec);
  static const char *const pass[] = {"recursive", "storeSettings",
                                     "enableLogging",
                                     "maxConcurrentConnections"};
  for (size_t i = 0; i < 4; i++) {
    const Value *v = ds_get(in, pass[i]);
    if (v)
      val_object_set(job, pass[i], v);
  }
  return data_start(run, dataop_delete, job);
}

static ActStep del_step(ActRun *run, Err *err)
{
  DataRun *st = act_state(run);
  if (!st || !st->job || !datajob_done(st->job))
    return ACT_PENDING;
  return data_finish(run, true, err);
}

const ActivityType act_delete_type = {
    "Delete", del_validate, del_start, del_step, data_cancel, data_cleanup,
};
