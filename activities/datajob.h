/*
 * activities/datajob.h -- running a data operation on a worker thread
 *
 * A DataJob runs one DataOpFn (dataops.h) on its own thread.  The job
 * object crosses to the thread as JSON text and the result comes back as
 * JSON text, so no Value is ever shared between threads (refcounts are
 * plain ints).  Under an engine, the "datajobs" IoDriver waits for
 * completions and act_wake()s the owning run; the run then takes the
 * result on the loop thread.  Nothing here blocks the loop except
 * datajob_free() of a still-running job, which first asks it to cancel.
 */
#ifndef ACTIVITIES_DATAJOB_H
#define ACTIVITIES_DATAJOB_H

#include <stdbool.h>

#include "activities/dataops.h"
#include "expr/err.h"
#include "expr/value.h"
#include "interp/activity.h"

typedef struct DataJob DataJob; /* single owner: datajob_free() */

/* Starts 'fn' on a new thread with a private copy of 'job'.  With 'run'
 * (may be NULL) the run is woken through the engine's driver when the
 * job ends.  Never NULL (OOM and thread-creation failure abort). */
DataJob *datajob_start(ActRun *run, DataOpFn fn, const Value *job);
/* True once the operation has ended (success or failure). */
bool datajob_done(DataJob *j);
/* Blocks until the job ends (tests, benchmarks; never the run loop). */
void datajob_wait(DataJob *j);
/* The result: a new reference (rebuilt on the calling thread), or NULL
 * with *err set to the operation's error.  Only after datajob_done(). */
Value *datajob_result(DataJob *j, Err *err);
/* Asks the operation to stop at its next check point. */
void datajob_cancel(DataJob *j);
/* Cancels if needed, joins the thread and frees.  NULL is ignored. */
void datajob_free(DataJob *j);

/* ---- Glue shared by the five data activities (data_act.c) ------------ */

/* Per-run state of a data activity. */
typedef struct DataRun {
  DataJob *job;     /* owned; NULL between Validation probes */
  Value *job_spec;  /* owned: the job object (Validation re-runs it) */
  int64_t started;  /* act_now() at start */
  int64_t deadline; /* Validation: when to give up */
  int64_t sleep;    /* Validation: ticks between probes */
} DataRun;

/* Resolves a DatasetReference for 'run' (secrets go to act_add_secret).
 * 'what' names the property for messages ("inputs[0]", "dataset").
 * Returns a new spec or NULL with *err set. */
Value *data_resolve(ActRun *run, const Value *ref, const char *what, Err *err);
/* A copy of 'spec' (consumed) with "settings" set to 'settings' (or {}):
 * the source/sink side of a Copy or Lookup job.  Caller owns. */
Value *data_with_settings(Value *spec, const Value *settings);
/* Copies each of keys[0..n) that 'in' has (case-insensitive) into 'job'. */
void data_pass(Value *job, const Value *in, const char *const *keys, size_t n);
/* Resolves the activity's typeProperties.dataset and returns the job
 * {"dataset": <spec>} plus the pass-through 'keys' (data_pass).  Caller
 * owns; NULL with *err set. */
Value *data_dataset_job(ActRun *run, const char *const *keys, size_t n,
                        Err *err);
/* Starts 'fn' on 'job' (consumed) for 'run' and installs the DataRun
 * state.  Returns ACT_PENDING. */
ActStep data_start(ActRun *run, DataOpFn fn, Value *job);
/* The step of a data activity: ACT_PENDING while the job runs, then the
 * output (plus executionDuration when 'duration' is true) or the job's
 * error, and ACT_DONE. */
ActStep data_finish(ActRun *run, bool duration, Err *err);
/* cancel / cleanup rows shared by the five types. */
void data_cancel(ActRun *run);
void data_cleanup(ActRun *run);
/* The run's clock as ISO 8601 text ("2024-01-31T10:00:00.0000000Z") in
 * 'buf' (>= 40 bytes). */
void data_now_iso(ActRun *run, char *buf, size_t n);

#endif /* ACTIVITIES_DATAJOB_H */
