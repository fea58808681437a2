/*
 * interp/sched.h -- the engine: run loop, scopes, dependencies, retries,
 *                   timeouts, cancellation (internal to interp/)
 *
 * One Engine runs one top-level pipeline run and any child runs it starts
 * (ExecutePipeline).  Work happens on a single thread: a FIFO of runs to
 * start or step, a timer heap on the engine's Clock, and IoDrivers that
 * own out-of-loop work.  A Scope is one list of sibling activities being
 * executed (a pipeline's top level, one ForEach/Until iteration, an If or
 * Switch branch); its status is decided by the leaf rule of ADF-SPEC 2.3.
 * Activity types see only interp/activity.h; control.c and run.c use the
 * structs below.
 */
#ifndef INTERP_SCHED_H
#define INTERP_SCHED_H

#include <signal.h>
#include <stdio.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "expr/err.h"
#include "expr/eval.h"
#include "expr/value.h"
#include "interp/activity.h"
#include "interp/clock.h"
#include "interp/model.h"

typedef struct PipelineRun PipelineRun; /* run.h */
typedef struct MockSet MockSet;         /* mock.h */
typedef struct Scope Scope;

typedef enum RunStatus {
  RS_PENDING,
  RS_IN_PROGRESS,
  RS_SUCCEEDED,
  RS_FAILED,
  RS_SKIPPED,
  RS_CANCELLED,
  RS_INACTIVE
} RunStatus;

/* "Succeeded", "Failed", ... (static strings). */
const char *sched_status_name(RunStatus s);

/* Progress events (progress.c listens). */
typedef enum EngEvent {
  EV_RUN_START,   /* a pipeline run started (run != NULL, act NULL) */
  EV_ACT_START,   /* an attempt started */
  EV_ACT_END,     /* an attempt ended (status in the report entry) */
  EV_ACT_SKIPPED, /* an activity was skipped or marked inactive */
  EV_RUN_END      /* a pipeline run ended */
} EngEvent;
struct RepEntry;
/* 'e' is the activity's report entry (borrowed for the call; NULL for
 * run-level events). */
typedef void (*EngListener)(void *ud, EngEvent ev, const PipelineRun *run,
                            const struct RepEntry *e);

/* ---- The engine -------------------------------------------------------- */

typedef struct EngineOptions {
  Clock clock;
  uint64_t seed;       /* GUID and rand() generator seed */
  long max_iterations; /* zero-time Until iterations cap; 0 = default */
  bool allow_network;
  const Value *mocks;          /* borrowed; the whole --mock document or NULL */
  const char *const *rewrites; /* borrowed; --rewrite values */
  size_t n_rewrites;
} EngineOptions;

#define ENGINE_DEFAULT_MAX_ITERATIONS 10000

/* Creates an engine.  Returns NULL with *err set when the mock document
 * is malformed. */
Engine *engine_new(const EngineOptions *opt, Err *err);
void engine_free(Engine *eng);
/* Leaf activity types: a lookup callback (activities/registry.c) used
 * for every type the control table does not know.  NULL = none. */
void engine_set_leaf_lookup(Engine *eng,
                            const ActivityType *(*find)(const char *type));
/* Same with a table of rows (matched case-insensitively). */
void engine_set_leaf_types(Engine *eng, const ActivityType *const *rows,
                           size_t n);
void engine_set_listener(Engine *eng, EngListener fn, void *ud);
/* 'fn' is called each time the loop is about to wait (real clock: at
 * least every 100 ms while waiting; virtual clock: before each jump) --
 * the live view redraws from there.  NULL = none. */
void engine_set_idle(Engine *eng, void (*fn)(void *ud), void *ud);
/* Asks the engine to cancel everything (async-signal-safe). */
void engine_cancel(Engine *eng);
/* The engine's clock (borrowed). */
Clock *engine_clock(Engine *eng);
/* Runs the loop until every pipeline run has ended.  Returns false with
 * *err set on an internal error (deadlock). */
bool engine_run(Engine *eng, Err *err);
/* 128 bits from the seeded generator formatted as a GUID (37 bytes). */
void engine_guid(Engine *eng, char *out);
uint64_t engine_random(Engine *eng);
/* Registered secrets (borrowed). */
const char *const *engine_secrets(const Engine *eng, size_t *n);
void engine_add_secret(Engine *eng, const char *secret);
const char *const *engine_rewrites(const Engine *eng, size_t *n);
long engine_max_iterations(const Engine *eng);
/* Counts of work done (for benchmarks). */
size_t engine_activity_runs(const Engine *eng);

/* ---- Scopes (control.c, run.c) ----------------------------------------- */

/* Creates a scope running 'acts' on behalf of 'owner' (a container run;
 * NULL for a pipeline's top level, then 'prun' is used).  'item' (may be
 * NULL: inherit) is item() inside; 'iteration' is 1-based or 0 to
 * inherit.  The scope is not started yet. */
Scope *sched_scope_new(Engine *eng, PipelineRun *prun, ActRun *owner,
                       ActivityDef *const *acts, size_t n_acts,
                       const Value *item, int iteration);
/* Starts the scope's root activities.  When the scope ends, its owner is
 * woken (act_wake) or, for a top-level scope, the pipeline run ends. */
void sched_scope_start(Scope *s);
bool sched_scope_done(const Scope *s);
/* Final status (Succeeded, Failed or Cancelled) once done. */
RunStatus sched_scope_status(const Scope *s);
/* The activity that decided a failed scope (first failed evaluated leaf)
 * and its error (borrowed; valid until the scope is freed). */
bool sched_scope_failure(const Scope *s, const char **name, const char **code,
                         const char **msg);
/* Cancels everything in the scope (it then ends Cancelled). */
void sched_scope_cancel(Scope *s);
void sched_scope_free(Scope *s);
/* The scope's EvalEnv (borrowed). */
const EvalEnv *sched_scope_env(const Scope *s);

/* Bookkeeping for run.c: top-level runs (cancelled on Ctrl-C) and the
 * count of runs still going (the loop ends at zero). */
void sched_register_top(Engine *eng, PipelineRun *r);
void sched_run_started(Engine *eng);
void sched_run_ended(Engine *eng);
/* Tells the listener about a run-level event. */
void sched_emit_run(Engine *eng, EngEvent ev, const PipelineRun *r);

/* ---- Runs (control.c) --------------------------------------------------- */

PipelineRun *act_pipeline_run(const ActRun *run);
/* Records the activity's input in the report (consumes 'input'); control
 * types call it, leaf types get their evaluated typeProperties. */
void act_set_input_take(ActRun *run, Value *input);
/* Evaluates a definition value with another item() (Filter). */
Value *act_eval_item(ActRun *run, const Value *v, const Value *item, Err *err);

/* ---- Control types (control.c) ------------------------------------------ */

/* The control-type row for 'type' (case-insensitive), or NULL. */
const ActivityType *ctl_find(const char *type);
/* True for rows of the control table (their input is not pre-evaluated:
 * each control type evaluates what it needs when it needs it). */
bool ctl_is_control(const ActivityType *t);
/* Number of rows and the i-th row (docs/tests). */
size_t ctl_count(void);
const ActivityType *ctl_at(size_t i);

/* Container rows (control2.c), listed by the table in control.c. */
extern const ActivityType ctl_if_row, ctl_switch_row, ctl_foreach_row,
    ctl_until_row, ctl_execute_row;
/* Fails 'err' the way ADF reports a container whose inner scope failed:
 * ActionFailed, "Activity failed because an inner activity failed; ...". */
bool ctl_inner_failed(const Scope *s, Err *err);
/* typeProperties.<key> of the run's definition, case-insensitive
 * (borrowed), or NULL. */
const Value *ctl_prop(ActRun *run, const char *key);
/* Reads a boolean property that may be a bool or "true"/"false" text
 * (ADF docs write "isSequential": "true").  Evaluates expressions. */
bool ctl_bool_prop(ActRun *run, const char *key, bool dflt, Err *err);

/* The leaf lookup every new engine starts with (set once by main.c
 * through activities/registry.c's act_registry_install()). */
void cli_set_leaf_lookup(const ActivityType *(*find)(const char *type));

/* ---- Human progress output (progress.c) ---------------------------------- */

typedef struct Progress Progress;
/* Lines go to 'out' (stderr): plain event lines, or the live view after
 * progress_live(); nothing but the summary when 'quiet'. */
Progress *progress_new(FILE *out, bool quiet, bool color);
void progress_free(Progress *p);
/* Switches to the live view: a block of one line per activity redrawn in
 * place (call only when 'out' is a terminal that understands ANSI
 * cursor movement).  'clk' (borrowed) gives elapsed times.  Returns the
 * stream the engine's log should go to (engine_set_log) so log lines
 * print above the block -- owned by 'p' -- or NULL when quiet. */
FILE *progress_live(Progress *p, const Clock *clk);
/* The idle hook (engine_set_idle, 'p' as ud): redraws the live view when
 * something changed or runs, at most 10 times a second of real time. */
void progress_idle(void *ud);
/* The EngListener to pass to engine_set_listener() with 'p' as ud. */
void progress_listener(void *ud, EngEvent ev, const PipelineRun *run,
                       const struct RepEntry *e);
/* Prints the final summary line of 'run'. */
void progress_summary(Progress *p, const PipelineRun *run);

/* Where act_log() lines go (NULL: nowhere).  Default stderr. */
void engine_set_log(Engine *eng, FILE *fp);

#endif /* INTERP_SCHED_H */
