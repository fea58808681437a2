/*
 * interp/sched.c -- the run loop: ready queue, timers, I/O drivers,
 *                   scopes, dependency conditions, Skipped propagation,
 *                   retries, timeouts and cancellation
 *
 * Invariant: everything runs on the caller's thread.  An ActRun is owned
 * by its Scope's node; timers and queue entries that still point at it
 * "pin" it, and a run whose scope was freed is freed when its last pin
 * goes.  Each attempt bumps ActRun.gen, so a timer or wake-up addressed
 * to an earlier attempt is recognised as stale and dropped.
 */
#include "interp/sched.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "expr/datetime.h"
#include "expr/strbuf.h"
#include "interp/mock.h"
#include "interp/report.h"
#include "interp/run.h"

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

static void attempt_done(ActRun *ar);
static void node_terminal(Scope *s, size_t i);
static void scope_finish(Scope *s);
static void cancel_run(ActRun *ar);

/* ---- Small helpers ----------------------------------------------------------
 */

const char *sched_status_name(RunStatus s)
{
  static const char *const names[] = {"Queued",  "InProgress", "Succeeded",
                                      "Failed",  "Skipped",    "Cancelled",
                                      "Inactive"};
  return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

static uint64_t splitmix(uint64_t *s)
{
  uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

uint64_t engine_random(Engine *eng)
{
  return splitmix(&eng->rng);
}

void engine_guid(Engine *eng, char *out)
{
  uint64_t a = splitmix(&eng->rng), b = splitmix(&eng->rng);

  a = (a & ~0xF000ULL) | 0x4000ULL;                        /* version 4 */
  b = (b & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL; /* variant */
  snprintf(out, 37, "%08llx-%04llx-%04llx-%04llx-%012llx",
           (unsigned long long)(a >> 32),
           (unsigned long long)(a >> 16 & 0xFFFF),
           (unsigned long long)(a & 0xFFFF), (unsigned long long)(b >> 48),
           (unsigned long long)(b & 0xFFFFFFFFFFFFULL));
}

static int64_t now_of(const Engine *eng)
{
  return clk_now(&eng->clock);
}

static void emit(Engine *eng, EngEvent ev, const PipelineRun *r,
                 const ActRun *ar)
{
  if (eng->listener)
    eng->listener(eng->listener_ud, ev, r, ar ? &r->rep.e[ar->rep] : NULL);
}

static void emit_entry(Engine *eng, EngEvent ev, const PipelineRun *r,
                       const RepEntry *e)
{
  if (eng->listener)
    eng->listener(eng->listener_ud, ev, r, e);
}

static const ActivityType *(*default_leaf_find)(const char *type);

void cli_set_leaf_lookup(const ActivityType *(*find)(const char *type))
{
  default_leaf_find = find;
}

/* ---- Engine lifetime ----------------------------------------------------- */

Engine *engine_new(const EngineOptions *opt, Err *err)
{
  Engine *eng = xcalloc(1, sizeof(*eng));

  eng->clock = opt->clock;
  eng->rng = opt->seed;
  eng->max_iterations = opt->max_iterations > 0 ? opt->max_iterations
                                                : ENGINE_DEFAULT_MAX_ITERATIONS;
  eng->allow_network = opt->allow_network;
  eng->mock_doc = opt->mocks;
  eng->rewrites = opt->rewrites;
  eng->n_rewrites = opt->n_rewrites;
  eng->log = stderr;
  eng->leaf_find = default_leaf_find;
  eng->mocks = mock_new(opt->mocks, err);
  if (!eng->mocks) {
    free(eng);
    return NULL;
  }
  return eng;
}

static void plan_free(Plan *p)
{
  free(p->up);
  free(p->up_off);
  free(p->down);
  free(p->down_off);
  free(p->leaf);
  free(p);
}

static void run_unpin(ActRun *ar);

void engine_free(Engine *eng)
{
  size_t i;

  if (!eng)
    return;
  /* Drop pins held by timers and the queue; orphans free themselves. */
  while (eng->q_len) {
    QEntry qe = eng->q[eng->q_head];
    eng->q_head = (eng->q_head + 1) % eng->q_cap;
    eng->q_len--;
    run_unpin(qe.run);
  }
  for (i = 0; i < eng->n_t; i++)
    if (eng->t[i].kind != T_TIMEOUT)
      run_unpin(eng->t[i].run);
    else
      eng->t[i].run->timeout_pos = -1;
  free(eng->q);
  free(eng->t);
  for (i = 0; i < eng->n_drv; i++) {
    if (eng->drv[i].d.fini)
      eng->drv[i].d.fini(eng->drv[i].d.ud);
    free(eng->drv[i].key);
  }
  free(eng->drv);
  for (i = 0; i < eng->n_plans; i++)
    plan_free(eng->plans[i]);
  free(eng->plans);
  for (i = 0; i < eng->cap_ec; i++)
    if (eng->ec[i].key)
      expr_free(eng->ec[i].e);
  free(eng->ec);
  for (i = 0; i < eng->n_secrets; i++)
    free(eng->secrets[i]);
  free(eng->secrets);
  free(eng->tops);
  mock_free(eng->mocks);
  free(eng);
}

void engine_set_leaf_lookup(Engine *eng,
                            const ActivityType *(*find)(const char *type))
{
  eng->leaf_find = find;
}

void engine_set_leaf_types(Engine *eng, const ActivityType *const *rows,
                           size_t n)
{
  eng->leaf_rows = rows;
  eng->n_leaf_rows = n;
}

void engine_set_listener(Engine *eng, EngListener fn, void *ud)
{
  eng->listener = fn;
  eng->listener_ud = ud;
}

void engine_set_log(Engine *eng, FILE *fp)
{
  eng->log = fp;
}

void engine_cancel(Engine *eng)
{
  eng->cancel_requested = 1;
}

Clock *engine_clock(Engine *eng)
{
  return &eng->clock;
}

const char *const *engine_secrets(const Engine *eng, size_t *n)
{
  *n = eng->n_secrets;
  return (const char *const *)eng->secrets;
}

void engine_add_secret(Engine *eng, const char *secret)
{
  size_t i;

  if (!secret || strlen(secret) < 4)
    return;
  for (i = 0; i < eng->n_secrets; i++)
    if (strcmp(eng->secrets[i], secret) == 0)
      return;
  eng->secrets = xrealloc(eng->secrets, (eng->n_secrets + 1) * sizeof(char *));
  eng->secrets[eng->n_secrets++] = xstrdup(secret);
}

const char *const *engine_rewrites(const Engine *eng, size_t *n)
{
  *n = eng->n_rewrites;
  return eng->rewrites;
}

const Value *engine_mock_doc(const Engine *eng)
{
  return eng->mock_doc;
}

long engine_max_iterations(const Engine *eng)
{
  return eng->max_iterations;
}

size_t engine_activity_runs(const Engine *eng)
{
  return eng->n_activity_runs;
}

void *engine_driver(Engine *eng, const char *key, void *(*create)(Engine *eng),
                    const IoDriver *ops)
{
  size_t i;

  for (i = 0; i < eng->n_drv; i++)
    if (strcmp(eng->drv[i].key, key) == 0)
      return eng->drv[i].d.ud;
  eng->drv = xrealloc(eng->drv, (eng->n_drv + 1) * sizeof(Driver));
  eng->drv[eng->n_drv].key = xstrdup(key);
  eng->drv[eng->n_drv].d = *ops;
  eng->drv[eng->n_drv].d.ud = create ? create(eng) : ops->ud;
  return eng->drv[eng->n_drv++].d.ud;
}

/* ---- Pins, queue, timers ------------------------------------------------ */

static void actrun_free(ActRun *ar)
{
  val_unref(ar->input);
  val_unref(ar->output);
  free(ar);
}

static void run_unpin(ActRun *ar)
{
  if (--ar->pins == 0 && !ar->scope)
    actrun_free(ar);
}

static void queue_push(Engine *eng, ActRun *ar)
{
  if (ar->queued && ar->queued_gen == ar->gen)
    return;
  if (eng->q_len == eng->q_cap) {
    size_t ncap = eng->q_cap ? eng->q_cap * 2 : 64, i;
    QEntry *nq = xmalloc(ncap * sizeof(QEntry));
    for (i = 0; i < eng->q_len; i++)
      nq[i] = eng->q[(eng->q_head + i) % eng->q_cap];
    free(eng->q);
    eng->q = nq;
    eng->q_head = 0;
    eng->q_cap = ncap;
  }
  eng->q[(eng->q_head + eng->q_len) % eng->q_cap] = (QEntry){ar, ar->gen};
  eng->q_len++;
  ar->queued = true;
  ar->queued_gen = ar->gen;
  ar->pins++;
}

static bool timer_less(const Timer *a, const Timer *b)
{
  return a->when < b->when || (a->when == b->when && a->seq < b->seq);
}

static void timer_place(Engine *eng, size_t i, Timer t)
{
  eng->t[i] = t;
  if (t.kind == T_TIMEOUT)
    t.run->timeout_pos = (long)i;
}

static void heap_up(Engine *eng, size_t i)
{
  Timer t = eng->t[i];

  while (i > 0) {
    size_t p = (i - 1) / 2;
    if (!timer_less(&t, &eng->t[p]))
      break;
    timer_place(eng, i, eng->t[p]);
    i = p;
  }
  timer_place(eng, i, t);
}

static void heap_down(Engine *eng, size_t i)
{
  Timer t = eng->t[i];

  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= eng->n_t)
      break;
    if (c + 1 < eng->n_t && timer_less(&eng->t[c + 1], &eng->t[c]))
      c++;
    if (!timer_less(&eng->t[c], &t))
      break;
    timer_place(eng, i, eng->t[c]);
    i = c;
  }
  timer_place(eng, i, t);
}

static void timer_push(Engine *eng, ActRun *ar, int64_t when, int kind)
{
  if (eng->n_t == eng->cap_t) {
    eng->cap_t = eng->cap_t ? eng->cap_t * 2 : 64;
    eng->t = xrealloc(eng->t, eng->cap_t * sizeof(Timer));
  }
  eng->t[eng->n_t] = (Timer){when, eng->t_seq++, ar, ar->gen, kind};
  if (kind != T_TIMEOUT)
    ar->pins++;
  heap_up(eng, eng->n_t++);
}

/* Removes the timer at heap index i (its pin is the caller's business). */
static Timer timer_remove_at(Engine *eng, size_t i)
{
  Timer t = eng->t[i];

  if (t.kind == T_TIMEOUT)
    t.run->timeout_pos = -1;
  eng->n_t--;
  if (i < eng->n_t) {
    timer_place(eng, i, eng->t[eng->n_t]);
    heap_down(eng, i);
    heap_up(eng, i);
  }
  return t;
}

/* True when the timer still addresses the live attempt. */
static bool timer_live(const Timer *t)
{
  const ActRun *ar = t->run;

  if (t->gen != ar->gen || !ar->scope)
    return false;
  return t->kind == T_RETRY ? !ar->active : ar->active;
}

/* ---- Plans (dependency graphs of activity lists) ------------------------ */

static const Plan *plan_get(Engine *eng, ActivityDef *const *acts, size_t n)
{
  size_t i, j, k, m = 0, *cnt;
  Plan *p;

  for (i = 0; i < eng->n_plans; i++)
    if (eng->plans[i]->acts == acts && eng->plans[i]->n == n)
      return eng->plans[i];
  p = xcalloc(1, sizeof(*p));
  p->acts = acts;
  p->n = n;
  p->up_off = xcalloc(n + 1, sizeof(size_t));
  p->down_off = xcalloc(n + 1, sizeof(size_t));
  p->leaf = xcalloc(n ? n : 1, sizeof(bool));
  for (i = 0; i < n; i++) {
    p->up_off[i] = m;
    m += acts[i]->n_deps;
  }
  p->up_off[n] = m;
  p->up = xcalloc(m ? m : 1, sizeof(size_t));
  p->down = xcalloc(m ? m : 1, sizeof(size_t));
  cnt = xcalloc(n + 1, sizeof(size_t));
  for (i = 0; i < n; i++) {
    for (k = 0; k < acts[i]->n_deps; k++) {
      size_t u = (size_t)-1;
      for (j = 0; j < n; j++)
        if (strcmp(acts[j]->name, acts[i]->deps[k].activity) == 0) {
          u = j;
          break;
        }
      p->up[p->up_off[i] + k] = u;
      if (u != (size_t)-1)
        cnt[u]++;
    }
  }
  for (i = 0, m = 0; i < n; i++) {
    p->down_off[i] = m;
    m += cnt[i];
    p->leaf[i] = cnt[i] == 0;
    cnt[i] = p->down_off[i];
  }
  p->down_off[n] = m;
  for (i = 0; i < n; i++)
    for (k = p->up_off[i]; k < p->up_off[i + 1]; k++)
      if (p->up[k] != (size_t)-1)
        p->down[cnt[p->up[k]]++] = i;
  free(cnt);
  eng->plans = xrealloc(eng->plans, (eng->n_plans + 1) * sizeof(Plan *));
  eng->plans[eng->n_plans++] = p;
  return p;
}

/* ---- Evaluation of definition values ----------------------------------- */

static size_t ec_hash(const Value *v, size_t cap)
{
  uintptr_t x = (uintptr_t)v;
  return (size_t)((x >> 4) * 0x9E3779B97F4A7C15ULL) & (cap - 1);
}

static void ec_grow(Engine *eng)
{
  size_t ocap = eng->cap_ec, i;
  ExprSlot *old = eng->ec;

  eng->cap_ec = ocap ? ocap * 2 : 256;
  eng->ec = xcalloc(eng->cap_ec, sizeof(ExprSlot));
  for (i = 0; i < ocap; i++)
    if (old[i].key) {
      size_t h = ec_hash(old[i].key, eng->cap_ec);
      while (eng->ec[h].key)
        h = (h + 1) & (eng->cap_ec - 1);
      eng->ec[h] = old[i];
    }
  free(old);
}

/* The compiled form of the definition string 'v' (cached by address; the
 * source text is compared so a reused address is recompiled). */
static const Expr *compiled(Engine *eng, const Value *v, Err *err)
{
  size_t h;
  Expr *e;

  if (eng->n_ec * 2 >= eng->cap_ec)
    ec_grow(eng);
  h = ec_hash(v, eng->cap_ec);
  while (eng->ec[h].key) {
    if (eng->ec[h].key == v) {
      const char *src = expr_source(eng->ec[h].e);
      if (strlen(src) == val_strlen(v) &&
          memcmp(src, val_str(v), val_strlen(v)) == 0)
        return eng->ec[h].e;
      e = expr_compile(val_str(v), val_strlen(v), err);
      if (!e)
        return NULL;
      expr_free(eng->ec[h].e);
      eng->ec[h].e = e;
      return e;
    }
    h = (h + 1) & (eng->cap_ec - 1);
  }
  e = expr_compile(val_str(v), val_strlen(v), err);
  if (!e)
    return NULL;
  eng->ec[h].key = v;
  eng->ec[h].e = e;
  eng->n_ec++;
  return e;
}

typedef struct PathSeg {
  const struct PathSeg *up;
  const char *key; /* NULL: index */
  size_t klen, idx;
} PathSeg;

static void path_fill(const PathSeg *seg, const char *base, Err *err)
{
  const PathSeg *chain[64];
  int n = 0;
  StrBuf sb;

  if (err->loc.path[0])
    return;
  for (; seg && n < 64; seg = seg->up)
    chain[n++] = seg;
  sb_init(&sb);
  sb_puts(&sb, base ? base : "");
  while (n-- > 0) {
    if (chain[n]->key)
      srcpath_key(&sb, chain[n]->key, chain[n]->klen);
    else
      srcpath_index(&sb, chain[n]->idx);
  }
  err_set_path(err, sb.s);
  sb_fini(&sb);
}

static Value *eval_def(Engine *eng, const Value *v, const EvalEnv *env,
                       const PathSeg *at, const char *base, Err *err)
{
  const Expr *e;
  Value *out;
  size_t i, n;

  switch (val_kind(v)) {
  case VAL_STRING:
    if (!memchr(val_str(v), '@', val_strlen(v)))
      return val_ref(v);
    e = compiled(eng, v, err);
    out = e ? expr_eval(e, env, err) : NULL;
    if (!out)
      path_fill(at, base, err);
    return out;
  case VAL_OBJECT:
    if (expr_is_expression_object(v)) {
      const Value *s = val_object_peek_ci(v, "value", 5);
      PathSeg seg = {at, "value", 5, 0};
      if (!s || val_kind(s) != VAL_STRING)
        return val_ref(s ? s : v);
      return eval_def(eng, s, env, &seg, base, err);
    }
    n = val_object_len(v);
    out = val_object_new();
    for (i = 0; i < n; i++) {
      size_t kl;
      const char *k = val_object_key_peek(v, i, &kl);
      PathSeg seg = {at, k, kl, 0};
      Value *x =
          eval_def(eng, val_object_value_peek(v, i), env, &seg, base, err);
      if (!x) {
        val_unref(out);
        return NULL;
      }
      val_object_set_take(out, k, kl, x);
    }
    return out;
  case VAL_ARRAY:
    n = val_array_len(v);
    out = val_array_new();
    for (i = 0; i < n; i++) {
      PathSeg seg = {at, NULL, 0, i};
      Value *x = eval_def(eng, val_array_peek(v, i), env, &seg, base, err);
      if (!x) {
        val_unref(out);
        return NULL;
      }
      val_array_push_take(out, x);
    }
    return out;
  default:
    return val_ref(v);
  }
}

/* ---- EvalEnv callbacks ----------------------------------------------------
 */

static const Value *env_variable(void *ud, const char *name, size_t len)
{
  Scope *s = ud;
  return run_var_get(s->prun, name, len);
}

static const Value *env_activity(void *ud, const char *name, size_t len,
                                 Err *err)
{
  Scope *s = ud;
  const Value *r;
  size_t i;

  for (; s; s = s->parent) {
    for (i = 0; i < s->plan->n; i++) {
      const char *nm = s->plan->acts[i]->name;
      if (strlen(nm) == len && memcmp(nm, name, len) == 0 && s->nodes[i].result)
        return s->nodes[i].result;
    }
    if (!s->parent) {
      r = run_last_result(s->prun, name, len);
      if (r)
        return r;
    }
  }
  err_set(err, ERR_EXPR_UNKNOWN_REF, NULL,
          "The output of activity '%.*s' can't be referenced since it is "
          "either not an ancestor to the current activity or does not exist",
          (int)len, name);
  return NULL;
}

static int64_t env_now(void *ud)
{
  Scope *s = ud;
  return now_of(s->eng);
}

static uint64_t env_random(void *ud)
{
  Scope *s = ud;
  return engine_random(s->eng);
}

/* ---- Scopes
 * ------------------------------------------------------------------ */

Scope *sched_scope_new(Engine *eng, PipelineRun *prun, ActRun *owner,
                       ActivityDef *const *acts, size_t n_acts,
                       const Value *item, int iteration)
{
  Scope *s = xcalloc(1, sizeof(*s));
  size_t i;

  s->eng = eng;
  s->owner = owner;
  s->parent = owner ? owner->scope : NULL;
  s->prun = owner ? owner->scope->prun : prun;
  s->plan = plan_get(eng, acts, n_acts);
  s->nodes = xcalloc(n_acts ? n_acts : 1, sizeof(Node));
  for (i = 0; i < n_acts; i++)
    s->nodes[i].n_waiting = acts[i]->n_deps;
  s->item = item ? val_ref(item) : NULL;
  s->iteration = iteration ? iteration : (s->parent ? s->parent->iteration : 0);
  s->parent_name = owner ? owner->def->name : NULL;
  s->env.ud = s;
  s->env.pipeline = s->prun->sys;
  s->env.variable = env_variable;
  s->env.activity = env_activity;
  s->env.item = item ? s->item : (s->parent ? s->parent->env.item : NULL);
  s->env.now_ticks = env_now;
  s->env.random = env_random;
  s->status = RS_PENDING;
  return s;
}

static void node_done(Scope *s, size_t i, RunStatus st);

static RunStatus mark_as(const ActivityDef *d)
{
  const char *m = d->on_inactive_mark_as;
  if (m && strcasecmp(m, "Failed") == 0)
    return RS_FAILED;
  if (m && strcasecmp(m, "Skipped") == 0)
    return RS_SKIPPED;
  return RS_SUCCEEDED;
}

static size_t rep_new(Scope *s, const ActivityDef *d, RunStatus st)
{
  Report *r = &s->prun->rep;
  size_t k = report_add(r);
  RepEntry *e = report_at(r, k);

  e->def = d;
  e->status = st;
  e->start = now_of(s->eng);
  e->iteration = s->iteration;
  e->parent = s->parent_name;
  return k;
}

static void mark_static(Scope *s, size_t i, RunStatus st, RunStatus eff)
{
  const ActivityDef *d = s->plan->acts[i];
  size_t k = rep_new(s, d, st);
  RepEntry *e = report_at(&s->prun->rep, k);

  engine_guid(s->eng, e->run_id);
  e->end = e->start;
  s->nodes[i].status = st;
  s->nodes[i].effective = eff;
  emit_entry(s->eng, EV_ACT_SKIPPED, s->prun, e);
  node_terminal(s, i);
}

static int64_t policy_int(Scope *s, const Value *policy, const char *key,
                          int64_t dflt, Err *err)
{
  const Value *v = policy ? val_object_peek_ci(policy, key, strlen(key)) : NULL;
  Value *x;
  int64_t r = dflt;

  if (!v || val_kind(v) == VAL_NULL)
    return dflt;
  x = eval_def(s->eng, v, &s->env, NULL, NULL, err);
  if (!x)
    return dflt;
  if (val_kind(x) == VAL_INT)
    r = val_get_int(x);
  else if (val_kind(x) == VAL_FLOAT)
    r = (int64_t)val_get_float(x);
  else if (val_kind(x) == VAL_STRING && val_strlen(x) > 0) {
    char *end;
    long long ll = strtoll(val_str(x), &end, 10);
    if (*end)
      err_set(err, ERR_ACTIVITY_CONFIG, NULL,
              "policy.%s: '%s' is not an integer", key, val_str(x));
    else
      r = ll;
  } else
    err_set(err, ERR_ACTIVITY_CONFIG, NULL, "policy.%s must be an integer",
            key);
  val_unref(x);
  return r;
}

static const ActivityType *find_type(Engine *eng, const char *type)
{
  const ActivityType *t = ctl_find(type);
  size_t i;

  if (t)
    return t;
  if (eng->leaf_find && (t = eng->leaf_find(type)))
    return t;
  for (i = 0; i < eng->n_leaf_rows; i++)
    if (strcasecmp(eng->leaf_rows[i]->type, type) == 0)
      return eng->leaf_rows[i];
  return NULL;
}

static void begin_attempt(ActRun *ar)
{
  Scope *s = ar->scope;
  Engine *eng = s->eng;
  RepEntry *e;

  ar->gen++;
  ar->active = true;
  ar->started = false;
  ar->cancelled = false;
  ar->failure_type = NULL;
  ar->output_on_error = false;
  err_init(&ar->err);
  val_unref(ar->input);
  val_unref(ar->output);
  ar->input = ar->output = NULL;
  ar->state = NULL;
  ar->start = now_of(eng);
  ar->deadline = ar->start + ar->timeout;
  engine_guid(eng, ar->run_id);
  ar->rep = rep_new(s, ar->def, RS_IN_PROGRESS);
  e = report_at(&s->prun->rep, ar->rep);
  memcpy(e->run_id, ar->run_id, sizeof(e->run_id));
  e->retry_attempt = ar->attempt;
  if (ar->def->user_properties && val_array_len(ar->def->user_properties)) {
    Err uerr = ERR_INIT;
    Value *up =
        eval_def(eng, ar->def->user_properties, &s->env, NULL, NULL, &uerr);
    if (up) {
      e->user_props = report_user_props(up);
      val_unref(up);
    }
  }
  eng->n_activity_runs++;
  emit(eng, EV_ACT_START, s->prun, ar);
  timer_push(eng, ar, ar->deadline, T_TIMEOUT);
  queue_push(eng, ar);
}

static void launch(Scope *s, size_t i)
{
  const ActivityDef *d = s->plan->acts[i];
  ActRun *ar;
  Err perr = ERR_INIT;
  const Value *tv;

  if (d->inactive) {
    mark_static(s, i, RS_INACTIVE, mark_as(d));
    return;
  }
  ar = xcalloc(1, sizeof(*ar));
  ar->eng = s->eng;
  ar->scope = s;
  ar->node = i;
  ar->def = d;
  ar->timeout_pos = -1;
  ar->type = find_type(s->eng, d->type);
  ar->is_control = ar->type && ctl_is_control(ar->type);
  ar->mocked = mock_has(s->eng->mocks, d->name);
  s->nodes[i].run = ar;
  s->nodes[i].status = RS_IN_PROGRESS;
  ar->max_retry = (int)policy_int(s, d->policy, "retry", 0, &perr);
  ar->retry_interval =
      policy_int(s, d->policy, "retryIntervalInSeconds", 30, &perr) *
      TICKS_PER_SECOND;
  ar->timeout = 7LL * 86400 * TICKS_PER_SECOND;
  tv = d->policy ? val_object_peek_ci(d->policy, "timeout", 7) : NULL;
  if (tv && val_kind(tv) != VAL_NULL) {
    Value *x = eval_def(s->eng, tv, &s->env, NULL, NULL, &perr);
    int64_t t;
    if (x && val_kind(x) == VAL_STRING && clk_parse_timespan(val_str(x), &t) &&
        t > 0)
      ar->timeout = t;
    else if (x)
      err_set(&perr, ERR_ACTIVITY_CONFIG, NULL,
              "policy.timeout: expected [d.]hh:mm:ss, got '%s'",
              val_kind(x) == VAL_STRING ? val_str(x)
                                        : val_kind_name(val_kind(x)));
    val_unref(x);
  }
  if (ar->max_retry < 0)
    ar->max_retry = 0;
  if (err_is_set(&perr)) {
    ar->pre_failed = true;
    ar->pre_err = perr;
    ar->max_retry = 0;
  }
  begin_attempt(ar);
}

static bool cond_ok(unsigned conds, RunStatus u)
{
  return ((conds & DEP_SUCCEEDED) && u == RS_SUCCEEDED) ||
         ((conds & DEP_FAILED) && u == RS_FAILED) ||
         ((conds & DEP_COMPLETED) && (u == RS_SUCCEEDED || u == RS_FAILED)) ||
         ((conds & DEP_SKIPPED) && u == RS_SKIPPED);
}

/* All upstreams of node i are terminal: run it or skip it. */
static void resolve(Scope *s, size_t i)
{
  const ActivityDef *d = s->plan->acts[i];
  size_t k;

  if (s->cancelling) {
    s->nodes[i].status = s->nodes[i].effective = RS_CANCELLED;
    node_terminal(s, i);
    return;
  }
  for (k = 0; k < d->n_deps; k++) {
    size_t u = s->plan->up[s->plan->up_off[i] + k];
    if (u == (size_t)-1 || !cond_ok(d->deps[k].conds, s->nodes[u].effective)) {
      mark_static(s, i, RS_SKIPPED, RS_SKIPPED);
      return;
    }
  }
  launch(s, i);
}

static void node_terminal(Scope *s, size_t i)
{
  const Plan *p = s->plan;
  size_t k;

  s->n_terminal++;
  for (k = p->down_off[i]; k < p->down_off[i + 1]; k++) {
    size_t d = p->down[k];
    if (--s->nodes[d].n_waiting == 0 && s->nodes[d].status == RS_PENDING)
      resolve(s, d);
  }
  if (s->n_terminal == p->n && s->started && !s->done)
    scope_finish(s);
}

void sched_scope_start(Scope *s)
{
  size_t i, n = s->plan->n;

  s->started = true;
  for (i = 0; i < n; i++)
    if (s->nodes[i].status == RS_PENDING && s->plan->acts[i]->n_deps == 0)
      launch(s, i);
  /* dependsOn entries naming no sibling (only possible without a
   * pre-run check) can never be satisfied */
  for (i = 0; i < n; i++) {
    size_t k;
    for (k = s->plan->up_off[i]; k < s->plan->up_off[i + 1]; k++)
      if (s->plan->up[k] == (size_t)-1 && s->nodes[i].n_waiting > 0 &&
          --s->nodes[i].n_waiting == 0 && s->nodes[i].status == RS_PENDING)
        resolve(s, i);
  }
  if (s->n_terminal == n && !s->done)
    scope_finish(s);
}

/* Leaf rule (ADF-SPEC 2.3): evaluate node i, walking up through Skipped
 * nodes to their upstreams. */
static void leaf_eval(Scope *s, size_t i, bool *seen, RunStatus *st,
                      size_t *fail)
{
  const Plan *p = s->plan;
  RunStatus e;
  size_t k;

  if (seen[i])
    return;
  seen[i] = true;
  e = s->nodes[i].effective;
  if (e == RS_SKIPPED) {
    for (k = p->up_off[i]; k < p->up_off[i + 1]; k++)
      if (p->up[k] != (size_t)-1)
        leaf_eval(s, p->up[k], seen, st, fail);
    return;
  }
  if (e == RS_FAILED || e == RS_CANCELLED) {
    if (*st == RS_SUCCEEDED)
      *st = e;
    if (*fail == (size_t)-1 && e == RS_FAILED)
      *fail = i;
  }
}

static void scope_finish(Scope *s)
{
  const Plan *p = s->plan;
  RunStatus st = RS_SUCCEEDED;
  size_t i, fail = (size_t)-1;
  bool *seen;

  s->done = true;
  seen = xcalloc(p->n ? p->n : 1, sizeof(bool));
  for (i = 0; i < p->n; i++)
    if (p->leaf[i])
      leaf_eval(s, i, seen, &st, &fail);
  free(seen);
  if (s->cancelling)
    st = RS_CANCELLED;
  s->status = st;
  if (fail != (size_t)-1) {
    const Value *r = s->nodes[fail].result;
    const Value *er = r ? val_object_peek(r, "error") : NULL;
    const Value *c = er ? val_object_peek(er, "errorCode") : NULL;
    const Value *m = er ? val_object_peek(er, "message") : NULL;
    s->fail_name = p->acts[fail]->name;
    s->fail_code = xstrdup(c && val_kind(c) == VAL_STRING ? val_str(c) : "");
    if (m && val_kind(m) == VAL_STRING)
      s->fail_msg = xstrdup(val_str(m));
    else
      s->fail_msg = xstrdup("Activity was marked as Failed while inactive");
  }
  if (s->owner) {
    if (s->owner->active)
      queue_push(s->eng, s->owner);
  } else if (s->prun->root == s) {
    run_finish(s->prun);
  }
}

bool sched_scope_done(const Scope *s)
{
  return s->done;
}

RunStatus sched_scope_status(const Scope *s)
{
  return s->status;
}

bool sched_scope_failure(const Scope *s, const char **name, const char **code,
                         const char **msg)
{
  if (!s->fail_name)
    return false;
  *name = s->fail_name;
  if (code)
    *code = s->fail_code;
  *msg = s->fail_msg;
  return true;
}

PipelineRun *sched_scope_run(const Scope *s)
{
  return s->prun;
}

const EvalEnv *sched_scope_env(const Scope *s)
{
  return &s->env;
}

void sched_scope_cancel(Scope *s)
{
  size_t i, n = s->plan->n;

  if (s->done || s->cancelling)
    return;
  s->cancelling = true;
  for (i = 0; i < n && !s->done; i++) {
    Node *nd = &s->nodes[i];
    if (nd->status != RS_IN_PROGRESS || !nd->run)
      continue;
    if (nd->run->active)
      cancel_run(nd->run);
    else /* waiting to retry */
      node_done(s, i, RS_CANCELLED);
  }
  for (i = 0; i < n && !s->done; i++)
    if (s->nodes[i].status == RS_PENDING) {
      s->nodes[i].status = s->nodes[i].effective = RS_CANCELLED;
      node_terminal(s, i);
    }
  if (!s->started && !s->done) {
    s->started = true;
    if (s->n_terminal == n)
      scope_finish(s);
  }
}

void sched_scope_free(Scope *s)
{
  size_t i;

  if (!s)
    return;
  for (i = 0; i < s->plan->n; i++) {
    ActRun *ar = s->nodes[i].run;
    val_unref(s->nodes[i].result);
    if (!ar)
      continue;
    if (ar->active)
      cancel_run(ar);
    if (ar->timeout_pos >= 0)
      timer_remove_at(s->eng, (size_t)ar->timeout_pos);
    ar->scope = NULL;
    if (ar->pins == 0)
      actrun_free(ar);
  }
  free(s->nodes);
  val_unref(s->item);
  free(s->fail_code);
  free(s->fail_msg);
  free(s);
}

/* ---- Attempts ------------------------------------------------------------ */

static Value *error_object(const ActRun *ar)
{
  Value *o = val_object_new();

  val_object_set_take(o, "errorCode", 9, val_cstr(err_adf_code(&ar->err)));
  val_object_set_take(o, "message", 7, val_cstr(ar->err.msg));
  val_object_set_take(o, "failureType", 11,
                      val_cstr(ar->failure_type
                                   ? ar->failure_type
                                   : err_failure_type(ar->err.code)));
  val_object_set_take(o, "target", 6, val_cstr(ar->def->name));
  val_object_set_take(o, "details", 7, val_cstr(""));
  return o;
}

static void node_done(Scope *s, size_t i, RunStatus st)
{
  Node *nd = &s->nodes[i];
  ActRun *ar = nd->run;
  Value *res;

  nd->status = nd->effective = st;
  if (ar && st != RS_CANCELLED) {
    res = val_object_new();
    if (ar->output)
      val_object_set(res, "output", ar->output);
    else
      val_object_set_take(res, "output", 6,
                          st == RS_SUCCEEDED ? val_object_new() : val_null());
    val_object_set_take(res, "status", 6, val_cstr(sched_status_name(st)));
    val_object_set_take(res, "error", 5,
                        st == RS_FAILED ? error_object(ar) : val_null());
    val_unref(nd->result);
    nd->result = res;
    run_set_last_result(s->prun, ar->def->name, res);
  }
  node_terminal(s, i);
}

static void attempt_done(ActRun *ar)
{
  Scope *s = ar->scope;
  Engine *eng = ar->eng;
  RepEntry *e;
  RunStatus st;
  bool failed;

  if (!ar->active || !s)
    return;
  ar->active = false;
  ar->gen++;
  if (ar->timeout_pos >= 0)
    timer_remove_at(eng, (size_t)ar->timeout_pos);
  if (ar->started && ar->type && !ar->mocked && ar->type->cleanup)
    ar->type->cleanup(ar);
  ar->state = NULL;
  failed = err_is_set(&ar->err);
  st = ar->cancelled ? RS_CANCELLED : failed ? RS_FAILED : RS_SUCCEEDED;
  if (st == RS_SUCCEEDED && !ar->output)
    ar->output = val_object_new();
  e = report_at(&s->prun->rep, ar->rep);
  e->status = st;
  e->end = now_of(eng);
  if (ar->input)
    e->input = val_ref(ar->input);
  if (ar->output && (st == RS_SUCCEEDED || ar->output_on_error))
    e->output = val_ref(ar->output);
  if (failed) {
    e->has_error = true;
    e->err_code = xstrdup(err_adf_code(&ar->err));
    e->err_msg = xstrdup(ar->err.msg);
    e->failure_type =
        ar->failure_type ? ar->failure_type : err_failure_type(ar->err.code);
  }
  emit(eng, EV_ACT_END, s->prun, ar);
  if (st == RS_FAILED && ar->attempt < ar->max_retry && !s->cancelling &&
      !eng->cancelling) {
    ar->attempt++;
    timer_push(eng, ar, now_of(eng) + ar->retry_interval, T_RETRY);
    return;
  }
  if (failed && !ar->output_on_error) {
    val_unref(ar->output);
    ar->output = NULL;
  }
  node_done(s, ar->node, st);
}

static void cancel_run(ActRun *ar)
{
  if (!ar->active)
    return;
  ar->cancelled = true;
  if (ar->started && ar->type && !ar->mocked && ar->type->cancel)
    ar->type->cancel(ar);
  err_clear(&ar->err);
  err_set(&ar->err, ERR_ACTIVITY_CANCELLED, NULL, "Activity '%s' was cancelled",
          ar->def->name);
  attempt_done(ar);
}

static void apply_mock(ActRun *ar)
{
  const MockResult *m = &ar->mock;

  if (m->is_error) {
    err_set(&ar->err, ERR_MOCKED_ERROR, NULL, "%s",
            m->err_msg ? m->err_msg : "");
    if (m->err_code)
      snprintf(ar->err.adf_code, sizeof(ar->err.adf_code), "%s", m->err_code);
    ar->failure_type = m->failure_type;
    if (m->output) {
      ar->output = val_ref(m->output);
      ar->output_on_error = true;
    }
  } else {
    ar->output = m->output ? val_ref(m->output) : val_object_new();
  }
}

static void do_start(ActRun *ar)
{
  Engine *eng = ar->eng;
  Scope *s = ar->scope;
  ActStep st;

  ar->started = true;
  if (ar->pre_failed) {
    ar->err = ar->pre_err;
    attempt_done(ar);
    return;
  }
  if (ar->mocked) {
    if (!ar->is_control && ar->def->type_props) {
      Err ie = ERR_INIT;
      ar->input = eval_def(eng, ar->def->type_props, &s->env, NULL, NULL, &ie);
    }
    mock_next(eng->mocks, ar->def->name, &ar->mock);
    if (ar->mock.duration_ticks > 0) {
      timer_push(eng, ar, now_of(eng) + ar->mock.duration_ticks, T_MOCK);
      return;
    }
    apply_mock(ar);
    attempt_done(ar);
    return;
  }
  if (!ar->type) {
    err_set(&ar->err, ERR_UNSUPPORTED_ACTIVITY_TYPE, NULL,
            "Activity type '%s' is not supported by adfrun (activity '%s'); "
            "mock it with --mock",
            ar->def->type, ar->def->name);
    attempt_done(ar);
    return;
  }
  if (!ar->is_control) {
    StrBuf base;
    sb_init(&base);
    sb_printf(&base, "%s.typeProperties", ar->def->path ? ar->def->path : "");
    ar->input =
        eval_def(eng, ar->def->type_props, &s->env, NULL, base.s, &ar->err);
    sb_fini(&base);
    if (!ar->input) {
      attempt_done(ar);
      return;
    }
  }
  st = ar->type->start(ar, &ar->err);
  if (st == ACT_DONE || err_is_set(&ar->err))
    attempt_done(ar);
}

static void do_step(ActRun *ar)
{
  ActStep st = ACT_DONE;

  if (!ar->started) {
    do_start(ar);
    return;
  }
  if (ar->mocked)
    return;
  if (ar->type && ar->type->step)
    st = ar->type->step(ar, &ar->err);
  if (st == ACT_DONE || err_is_set(&ar->err))
    attempt_done(ar);
}

static void on_timer(Timer t)
{
  ActRun *ar = t.run;

  if (timer_live(&t)) {
    switch (t.kind) {
    case T_WAKE:
      do_step(ar);
      break;
    case T_MOCK:
      apply_mock(ar);
      attempt_done(ar);
      break;
    case T_RETRY:
      begin_attempt(ar);
      break;
    case T_TIMEOUT: {
      char ts[32];
      if (ar->started && ar->type && !ar->mocked && ar->type->cancel)
        ar->type->cancel(ar);
      clk_format_timespan(ar->timeout, ts);
      err_clear(&ar->err);
      err_set(&ar->err, ERR_ACTIVITY_TIMEOUT, NULL,
              "Activity '%s' timed out after %s (policy.timeout)",
              ar->def->name, ts);
      attempt_done(ar);
      break;
    }
    }
  }
  if (t.kind != T_TIMEOUT)
    run_unpin(ar);
}

/* ---- The loop
 * ---------------------------------------------------------------- */

static void cancel_all(Engine *eng)
{
  size_t i;

  eng->cancelling = true;
  for (i = 0; i < eng->n_tops; i++)
    if (!eng->tops[i]->done && eng->tops[i]->root)
      sched_scope_cancel(eng->tops[i]->root);
}

void sched_register_top(Engine *eng, PipelineRun *r)
{
  eng->tops = xrealloc(eng->tops, (eng->n_tops + 1) * sizeof(*eng->tops));
  eng->tops[eng->n_tops++] = r;
}

void sched_run_started(Engine *eng)
{
  eng->live_runs++;
}

void sched_run_ended(Engine *eng)
{
  eng->live_runs--;
}

void sched_emit_run(Engine *eng, EngEvent ev, const PipelineRun *r)
{
  emit(eng, ev, r, NULL);
}

static bool drivers_busy(Engine *eng)
{
  size_t i;
  for (i = 0; i < eng->n_drv; i++)
    if (eng->drv[i].d.busy && eng->drv[i].d.busy(eng->drv[i].d.ud))
      return true;
  return false;
}

static void drivers_wait(Engine *eng, int ms)
{
  size_t i;
  for (i = 0; i < eng->n_drv; i++)
    if (eng->drv[i].d.wait && eng->drv[i].d.busy &&
        eng->drv[i].d.busy(eng->drv[i].d.ud))
      eng->drv[i].d.wait(eng->drv[i].d.ud, ms);
}

/* Drops stale timers from the top of the heap. */
static void drop_stale(Engine *eng)
{
  while (eng->n_t && !timer_live(&eng->t[0])) {
    Timer t = timer_remove_at(eng, 0);
    if (t.kind != T_TIMEOUT)
      run_unpin(t.run);
  }
}

bool engine_run(Engine *eng, Err *err)
{
  for (;;) {
    if (eng->cancel_requested && !eng->cancelling)
      cancel_all(eng);
    if (eng->q_len) {
      QEntry qe = eng->q[eng->q_head];
      ActRun *ar = qe.run;
      eng->q_head = (eng->q_head + 1) % eng->q_cap;
      eng->q_len--;
      if (ar->queued_gen == qe.gen)
        ar->queued = false;
      if (qe.gen == ar->gen && ar->active && ar->scope)
        do_step(ar);
      run_unpin(ar);
      continue;
    }
    if (eng->live_runs <= 0)
      return true;
    drop_stale(eng);
    {
      int64_t now = now_of(eng);
      bool busy;
      if (eng->n_t && eng->t[0].when <= now) {
        on_timer(timer_remove_at(eng, 0));
        continue;
      }
      busy = drivers_busy(eng);
      if (busy) {
        int ms = 100;
        if (eng->n_t && !eng->clock.is_virtual) {
          int64_t d = (eng->t[0].when - now) / 10000;
          if (d < ms)
            ms = d < 0 ? 0 : (int)d;
        }
        drivers_wait(eng, ms);
        continue;
      }
      if (eng->n_t) {
        if (eng->clock.is_virtual) {
          clk_advance(&eng->clock, eng->t[0].when);
        } else {
          int64_t d = eng->t[0].when - now; /* ticks */
          struct timespec ts;
          if (d > 100 * 10000)
            d = 100 * 10000; /* wake at least every 100 ms for Ctrl-C */
          ts.tv_sec = d / TICKS_PER_SECOND;
          ts.tv_nsec = (long)(d % TICKS_PER_SECOND) * 100;
          nanosleep(&ts, NULL);
        }
        continue;
      }
      if (eng->cancel_requested && !eng->cancelling)
        continue;
      return err_set(err, ERR_INTERNAL, NULL,
                     "engine: %d pipeline run(s) still active but nothing "
                     "can make progress",
                     eng->live_runs);
    }
  }
}

/* ---- activity.h services ------------------------------------------------- */

const ActivityDef *act_def(const ActRun *run)
{
  return run->def;
}

const Value *act_input(const ActRun *run)
{
  return run->input;
}

const EvalEnv *act_env(const ActRun *run)
{
  return &run->scope->env;
}

Value *act_eval(ActRun *run, const Value *v, Err *err)
{
  return eval_def(run->eng, v, &run->scope->env, NULL, NULL, err);
}

Value *act_eval_item(ActRun *run, const Value *v, const Value *item, Err *err)
{
  EvalEnv env = run->scope->env;
  env.item = item;
  return eval_def(run->eng, v, &env, NULL, NULL, err);
}

int64_t act_now(const ActRun *run)
{
  return now_of(run->eng);
}

const Value *act_mocks(const ActRun *run)
{
  return run->eng->mock_doc;
}

bool act_network_allowed(const ActRun *run)
{
  return run->eng->allow_network || !run->eng->mock_doc;
}

int64_t act_deadline(const ActRun *run)
{
  return run->deadline;
}

const Factory *act_factory(const ActRun *run)
{
  return run->scope ? run->scope->prun->factory : NULL;
}

Engine *act_engine(const ActRun *run)
{
  return run->eng;
}

void *act_state(const ActRun *run)
{
  return run->state;
}

void act_set_state(ActRun *run, void *state)
{
  run->state = state;
}

void act_set_output_take(ActRun *run, Value *output)
{
  val_unref(run->output);
  run->output = output;
}

void act_set_error_output_take(ActRun *run, Value *output)
{
  val_unref(run->output);
  run->output = output;
  run->output_on_error = true;
}

void act_set_input_take(ActRun *run, Value *input)
{
  val_unref(run->input);
  run->input = input;
}

void act_wake_at(ActRun *run, int64_t when)
{
  if (run->active)
    timer_push(run->eng, run, when, T_WAKE);
}

void act_wake(ActRun *run)
{
  if (run->active)
    queue_push(run->eng, run);
}

void act_add_secret(ActRun *run, const char *secret)
{
  engine_add_secret(run->eng, secret);
}

void act_record_request_take(ActRun *run, Value *rec)
{
  if (run->scope)
    report_add_request_take(&run->scope->prun->rep, rec);
  else
    val_unref(rec);
}

void act_log(ActRun *run, const char *fmt, ...)
{
  StrBuf sb;
  va_list ap;
  char *red;

  if (!run->eng->log)
    return;
  sb_init(&sb);
  va_start(ap, fmt);
  sb_vprintf(&sb, fmt, ap);
  va_end(ap);
  red = report_redact(sb.s, (const char *const *)run->eng->secrets,
                      run->eng->n_secrets);
  fprintf(run->eng->log, "  [%s] %s\n", run->def->name, red);
  free(red);
  sb_fini(&sb);
}

const char *const *act_rewrites(const ActRun *run, size_t *n)
{
  return engine_rewrites(run->eng, n);
}

PipelineRun *act_pipeline_run(const ActRun *run)
{
  return run->scope ? run->scope->prun : NULL;
}

Scope *act_scope(const ActRun *run)
{
  return run->scope;
}

int act_iteration(const ActRun *run)
{
  return run->scope ? run->scope->iteration : 0;
}

const char *act_run_id(const ActRun *run)
{
  return run->run_id;
}

void act_set_failure_type(ActRun *run, const char *failure_type)
{
  run->failure_type = failure_type;
}
