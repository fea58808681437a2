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
  if (!del_validate(act_def(run), err))
    return ACT_DONE;
  static const char *const pass[] = {"recursive", "storeSettings",
                                     "enableLogging",
                                     "maxConcurrentConnections"};
  Value *job = data_dataset_job(run, pass, 4, err);
  return job ? data_start(run, dataop_delete, job) : ACT_DONE;
}

static ActStep del_step(ActRun *run, Err *err)
{
  return data_finish(run, true, err);
}

const ActivityType act_delete_type = {
    "Delete", del_validate, del_start, del_step, data_cancel, data_cleanup,
};
