/*
 * interp/sched_int.h -- private structures of the engine, shared by the
 *                       sched*.c files only (never included elsewhere)
 *
 * sched.c: engine lifetime and the run loop; sched_timer.c: pins, ready
 * queue, timer heap; sched_eval.c: definition values and their compiled
 * expressions; sched_scope.c: plans, scopes, dependencies, the leaf rule;
 * sched_attempt.c: attempts, retries, timeouts, mocks; sched_act.c: the
 * interp/activity.h services.
 */
#ifndef INTERP_SCHED_INT_H
#define INTERP_SCHED_INT_H

#include "interp/mock.h"
#include "interp/report.h"
#include "interp/sched.h"

/* ---- Structures ---------------------------------------------------------- */

enum { T_WAKE, T_TIMEOUT, T_RETRY, T_MOCK };

typedef struct Timer {
  int64_t when;
  uint64_t seq; /* FIFO order among equal times */
  ActRun *run;
  unsigned gen;
  int kind;
} Timer;

typedef struct QEntry {
  ActRun *run;
  unsigned gen;
} QEntry;

typedef struct Driver {
  char *key;
  IoDriver d;
} Driver;

typedef struct Plan {
  ActivityDef *const *acts; /* borrowed */
  size_t n;
  size_t *up;       /* per dependsOn entry (flattened): upstream index */
  size_t *up_off;   /* n + 1 offsets into 'up' */
  size_t *down;     /* dependents (one per entry) */
  size_t *down_off; /* n + 1 offsets into 'down' */
  bool *leaf;
} Plan;

typedef struct ExprSlot {
  const Value *key; /* borrowed definition string */
  Expr *e;          /* owned */
} ExprSlot;

struct Engine {
  Clock clock;
  uint64_t rng;
  long max_iterations;
  bool allow_network;
  const Value *mock_doc;
  MockSet *mocks;
  const char *const *rewrites;
  size_t n_rewrites;
  const ActivityType *(*leaf_find)(const char *type);
  const ActivityType *const *leaf_rows;
  size_t n_leaf_rows;
  QEntry *q;
  size_t q_head, q_len, q_cap;
  Timer *t;
  size_t n_t, cap_t;
  uint64_t t_seq;
  Driver *drv;
  size_t n_drv;
  Plan **plans;
  size_t n_plans;
  ExprSlot *ec;
  size_t n_ec, cap_ec;
  char **secrets;
  size_t n_secrets;
  volatile sig_atomic_t cancel_requested;
  bool cancelling;
  EngListener listener;
  void *listener_ud;
  void (*idle)(void *ud); /* called before the loop waits or jumps */
  void *idle_ud;
  FILE *log;
  PipelineRun **tops; /* borrowed */
  size_t n_tops;
  int live_runs;
  size_t n_activity_runs;
};

typedef struct Node {
  RunStatus status;    /* RS_PENDING until resolved */
  RunStatus effective; /* what dependents see (Inactive -> mark-as) */
  size_t n_waiting;    /* dependsOn entries whose upstream is not done */
  ActRun *run;         /* owned */
  Value *result;       /* owned: {output, status, error} */
} Node;

struct Scope {
  Engine *eng;
  PipelineRun *prun;
  Scope *parent; /* lexically enclosing scope (activity() lookups) */
  ActRun *owner; /* container attempt; NULL for a pipeline's top level */
  const Plan *plan;
  Node *nodes; /* owned */
  size_t n_terminal;
  Value *item; /* owned; NULL when inherited */
  int iteration;
  const char *parent_name; /* borrowed */
  EvalEnv env;
  bool started, done, cancelling;
  RunStatus status;
  const char *fail_name;      /* borrowed */
  char *fail_code, *fail_msg; /* owned */
};

struct ActRun {
  Engine *eng;
  Scope *scope; /* NULL once the scope is gone (orphan) */
  size_t node;
  const ActivityDef *def;
  const ActivityType *type;
  bool is_control;
  int pins;
  unsigned gen;
  bool active, started, cancelled, mocked, queued, pre_failed;
  unsigned queued_gen;
  MockResult mock;
  int attempt, max_retry;
  int64_t retry_interval, timeout;
  int64_t start, deadline;
  long timeout_pos; /* heap index of this attempt's timeout, -1 none */
  Value *input, *output;
  bool output_on_error;
  Err err;
  Err pre_err; /* policy evaluation failure: fails every attempt */
  const char *failure_type;
  void *state;
  size_t rep;
  char run_id[40];
};

typedef struct PathSeg {
  const struct PathSeg *up;
  const char *key; /* NULL: index */
  size_t klen, idx;
} PathSeg;

/* The engine clock's current time (ticks). */
static inline int64_t sched_now(const Engine *eng)
{
  return clk_now(&eng->clock);
}

/* sched.c: tell the listener about an attempt / a report entry. */
void sched_emit(Engine *eng, EngEvent ev, const PipelineRun *r,
                const ActRun *ar);
void sched_emit_entry(Engine *eng, EngEvent ev, const PipelineRun *r,
                      const RepEntry *e);

/* sched_timer.c: pins, the ready queue and the timer heap.  A queue entry
 * or a non-timeout timer pins its run; sched_unpin() frees an orphan
 * (scope gone) at its last pin. */
void sched_actrun_free(ActRun *ar);
void sched_unpin(ActRun *ar);
void sched_queue_push(Engine *eng, ActRun *ar);
void sched_timer_push(Engine *eng, ActRun *ar, int64_t when, int kind);
/* Removes the timer at heap index i (its pin is the caller's business). */
Timer sched_timer_remove_at(Engine *eng, size_t i);
/* True when the timer still addresses the live attempt. */
bool sched_timer_live(const Timer *t);

/* sched_eval.c: evaluates a definition value (expressions compiled once
 * and cached by address).  Returns a new reference or NULL with *err set;
 * 'at'/'base' build the JSON path of a failing expression. */
Value *sched_eval_def(Engine *eng, const Value *v, const EvalEnv *env,
                      const PathSeg *at, const char *base, Err *err);

/* sched_scope.c: the dependency graph of an activity list (cached by the
 * engine, freed by engine_free), report entries, node bookkeeping. */
const Plan *sched_plan_get(Engine *eng, ActivityDef *const *acts, size_t n);
void sched_plan_free(Plan *p);
size_t sched_rep_new(Scope *s, const ActivityDef *d, RunStatus st);
/* Node i reached a terminal status: release its dependents, maybe end
 * the scope. */
void sched_node_terminal(Scope *s, size_t i);

/* sched_attempt.c: attempts. */
void sched_begin_attempt(ActRun *ar);
/* Records node i's result {output, status, error} and makes it terminal. */
void sched_node_done(Scope *s, size_t i, RunStatus st);
void sched_cancel_run(ActRun *ar);
void sched_do_step(ActRun *ar);
/* Fires a timer taken off the heap (drops its pin). */
void sched_on_timer(Timer t);

#endif /* INTERP_SCHED_INT_H */
