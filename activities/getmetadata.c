/*
 * activities/getmetadata.c -- the GetMetadata activity
 *
 * Answers the fieldList (itemName, itemType, size, created,
 * lastModified, childItems, contentMD5, structure, columnCount, exists)
 * for a file or folder on a worker thread (dataop_getmetadata).
 */
#include "activities/data.h"
#include "activities/datajob.h"
#include "activities/dataset.h"

static bool gm_validate(const ActivityDef *def, Err *err)
{
  if (!ds_get(def->type_props, "dataset"))
    return err_set(err, ERR_ACTIVITY_CONFIG, NULL,
                   "GetMetadata needs typeProperties 'dataset'");
  return true;
}

static ActStep gm_start(ActRun *run, Err *err)
{
  const Value *in = act_input(run);
  if (!gm_validate(act_def(run), err))
    return ACT_DONE;
  Value *spec = data_resolve(run, ds_get(in, "dataset"), "dataset", err);
  if (!spec)
    return ACT_DONE;
  Value *job = val_object_new();
  val_object_set_take(job, "dataset", 7, spec);
  static const char *const pass[] = {"fieldList", "storeSettings",
                                     "formatSettings"};
  for (size_t i = 0; i < 3; i++) {
    const Value *v = ds_get(in, pass[i]);
    if (v)
      val_object_set(job, pass[i], v);
  }
  return data_start(run, dataop_getmetadata, job);
}

static ActStep gm_step(ActRun *run, Err *err)
{
  DataRun *st = act_state(run);
  if (!st || !st->job || !datajob_done(st->job))
    return ACT_PENDING;
  return data_finish(run, true, err);
}

const ActivityType act_getmetadata_type = {
    "GetMetadata", gm_validate, gm_start, gm_step, data_cancel, data_cleanup,
};
