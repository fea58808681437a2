/*
 * interp/activity.h -- THE interface between the engine and activity
 *                      types, and the services the engine offers them
 *
 * An activity run is a resumable state machine driven by the single-
 * threaded run loop (sched.c): start() once, then step() each time the
 * run is woken (a timer it asked for fired, or an I/O driver finished its
 * work), until it returns ACT_DONE.  A type never blocks the loop: waits
 * are timers on the engine's clock (real or virtual) and network work
 * goes through an IoDriver (activities/http.c runs libcurl multi).
 *
 * Leaf types (activities/registry.c) and control types (interp/control.c)
 * are rows of the same ActivityType struct; interp/ never names a leaf.
 */
#ifndef INTERP_ACTIVITY_H
#define INTERP_ACTIVITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "expr/err.h"
#include "expr/eval.h"
#include "expr/value.h"
#include "interp/model.h"

typedef struct ActRun ActRun; /* one attempt of one activity; engine-owned */
typedef struct Engine Engine;

typedef enum ActStep {
  ACT_DONE,   /* finished: output set (success) or error set (failure) */
  ACT_PENDING /* waiting for a timer or an IoDriver; step() comes later */
} ActStep;

typedef struct ActivityType {
  const char *type; /* ADF type name, e.g. "WebActivity" (matched
                       case-insensitively) */
  /* Static checks of the definition (required properties...).  Returns
   * false with *err set (loc.path relative to the activity).  May be
   * NULL. */
  bool (*validate)(const ActivityDef *def, Err *err);
  /* Begins the run.  act_input(run) holds the evaluated typeProperties.
   * Returns ACT_DONE (after act_set_output / with *err set) or
   * ACT_PENDING.  An error in *err fails the activity. */
  ActStep (*start)(ActRun *run, Err *err);
  /* Continues after a wake-up.  May be NULL for types that finish in
   * start(). */
  ActStep (*step)(ActRun *run, Err *err);
  /* Stops in-flight work (timeout, Ctrl-C).  May be NULL. */
  void (*cancel)(ActRun *run);
  /* Frees act_state(run).  Called exactly once after the run ends, also
   * after cancel.  May be NULL. */
  void (*cleanup)(ActRun *run);
} ActivityType;

/* ---- What a run can read --------------------------------------------- */

const ActivityDef *act_def(const ActRun *run);
/* The evaluated typeProperties (borrowed): every template inside the
 * activity's typeProperties already evaluated in the run's scope. */
const Value *act_input(const ActRun *run);
/* The environment expressions of this run see (item(), variables...). */
const EvalEnv *act_env(const ActRun *run);
/* Evaluates a definition value in this run's scope (see
 * expr_eval_value).  Returns a new reference or NULL with *err set. */
Value *act_eval(ActRun *run, const Value *v, Err *err);
/* The engine's clock, as .NET ticks (UTC), and ticks per second. */
int64_t act_now(const ActRun *run);
#define TICKS_PER_SECOND 10000000LL
/* The whole --mock document (borrowed), or NULL when none was given. */
const Value *act_mocks(const ActRun *run);
/* True when --allow-network was given (or no mocks at all). */
bool act_network_allowed(const ActRun *run);
/* The activity's timeout as an absolute act_now() value (policy.timeout,
 * default 7 days). */
int64_t act_deadline(const ActRun *run);
/* The factory being run (borrowed): datasets, linked services. */
const Factory *act_factory(const ActRun *run);
/* The run's engine (for drivers). */
Engine *act_engine(const ActRun *run);

/* The --rewrite 'PATTERN=REPLACEMENT' values, in command-line order
 * (borrowed; *n = 0 when none).  The WebActivity applies them to URLs. */
const char *const *act_rewrites(const ActRun *run, size_t *n);
/* This attempt's activity run id (GUID, borrowed). */
const char *act_run_id(const ActRun *run);

/* Per-run private state for the type (set in start, freed in cleanup). */
void *act_state(const ActRun *run);
void act_set_state(ActRun *run, void *state);

/* ---- What a run can do ----------------------------------------------- */

/* Sets the output of a successful run (consumes 'output'). */
void act_set_output_take(ActRun *run, Value *output);
/* Sets the output of a failed run too (ADF keeps outputs of some failed
 * activities, e.g. Web responses); consumes 'output'. */
void act_set_error_output_take(ActRun *run, Value *output);
/* Asks to be stepped again at the absolute time 'when' (act_now units). */
void act_wake_at(ActRun *run, int64_t when);
/* Marks the run ready to step (called by IoDrivers on completion). */
void act_wake(ActRun *run);
/* Registers a secret: the string never appears in reports or logs
 * (replaced by "***").  Strings shorter than 4 bytes are ignored. */
void act_add_secret(ActRun *run, const char *secret);
/* Appends one record to the report's "requests" array (consumes 'rec';
 * the caller has already redacted Authorization headers). */
void act_record_request_take(ActRun *run, Value *rec);
/* Prints a progress/log line for this run (secrets redacted). */
void act_log(ActRun *run, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- I/O drivers ----------------------------------------------------- */

/* Something that has work in flight outside the run loop (libcurl multi,
 * worker threads).  The loop calls wait() when no run is ready; it blocks
 * at most 'timeout_ms' (0 = poll) and calls act_wake() on runs whose work
 * completed. */
typedef struct IoDriver {
  void *ud;
  bool (*busy)(void *ud); /* true while anything is in flight */
  void (*wait)(void *ud, int timeout_ms);
  void (*fini)(void *ud); /* at engine shutdown; may be NULL */
} IoDriver;

/* Registers a driver once per engine (drivers are looked up by 'key' so a
 * type can create its driver lazily on first use).  Returns the driver's
 * ud. */
void *engine_driver(Engine *eng, const char *key, void *(*create)(Engine *eng),
                    const IoDriver *ops);

#endif /* INTERP_ACTIVITY_H */
