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
  if (!gm_validate(act_def(run), err))
    return ACT_DONE;
  static const char *const pass[] = {"fieldList", "storeSettings",
                                     "formatSettings"};
  Value *job = data_dataset_job(run, pass, 3, err);
  return job ? data_start(run, dataop_getmetadata, job) : ACT_DONE;
}

static ActStep gm_step(ActRun *run, Err *err)
{
  return data_finish(run, true, err);
}

const ActivityType act_getmetadata_type = {
    "GetMetadata", gm_validate, gm_start, gm_step, data_cancel, data_cleanup,
};
