/*
 * interp/sched_scope.c -- scopes: dependency plans, the EvalEnv of a
 *                         scope, dependency conditions, Skipped
 *                         propagation, the leaf rule, cancel and free
 *
 * A node resolves when all its upstreams are terminal: it runs when every
 * dependsOn entry is met (conditions OR, entries AND), else it is Skipped.
 * A scope ends when every node is terminal (ADF-SPEC 2.3).
 */
#include "interp/sched_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "expr/strbuf.h"
#include "interp/report.h"
#include "interp/run.h"

static void scope_finish(Scope *s);

void sched_plan_free(Plan *p)
{
  free(p->up);
  free(p->up_off);
  free(p->down);
  free(p->down_off);
  free(p->leaf);
  free(p);
}

const Plan *sched_plan_get(Engine *eng, ActivityDef *const *acts, size_t n)
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
  return sched_now(s->eng);
}

static uint64_t env_random(void *ud)
{
  Scope *s = ud;
  return engine_random(s->eng);
}

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
  s->plan = sched_plan_get(eng, acts, n_acts);
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

static RunStatus mark_as(const ActivityDef *d)
{
  const char *m = d->on_inactive_mark_as;
  if (m && strcasecmp(m, "Failed") == 0)
    return RS_FAILED;
  if (m && strcasecmp(m, "Skipped") == 0)
    return RS_SKIPPED;
  return RS_SUCCEEDED;
}

size_t sched_rep_new(Scope *s, const ActivityDef *d, RunStatus st)
{
  Report *r = &s->prun->rep;
  size_t k = report_add(r);
  RepEntry *e = report_at(r, k);

  e->def = d;
  e->status = st;
  e->start = sched_now(s->eng);
  e->iteration = s->iteration;
  e->parent = s->parent_name;
  return k;
}

static void mark_static(Scope *s, size_t i, RunStatus st, RunStatus eff)
{
  const ActivityDef *d = s->plan->acts[i];
  size_t k = sched_rep_new(s, d, st);
  RepEntry *e = report_at(&s->prun->rep, k);

  engine_guid(s->eng, e->run_id);
  e->end = e->start;
  s->nodes[i].status = st;
  s->nodes[i].effective = eff;
  sched_emit_entry(s->eng, EV_ACT_SKIPPED, s->prun, e);
  sched_node_terminal(s, i);
}

static int64_t policy_int(Scope *s, const Value *policy, const char *key,
                          int64_t dflt, Err *err)
{
  const Value *v = policy ? val_object_peek_ci(policy, key, strlen(key)) : NULL;
  Value *x;
  int64_t r = dflt;

  if (!v || val_kind(v) == VAL_NULL)
    return dflt;
  x = sched_eval_def(s->eng, v, &s->env, NULL, NULL, err);
  if (!x)
    return dflt;
  if (val_kind(x) == VAL_INT)
    r = val_get_int(x);
  else if (val_kind(x) == VAL_FLOAT) {
    double d = val_get_float(x);
    /* NaN fails both tests; the cast is only defined inside the range */
    r = d > -2147483649.0 && d < 2147483648.0 ? (int64_t)d : INT64_MAX;
  } else if (val_kind(x) == VAL_STRING && val_strlen(x) > 0) {
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
  /* ADF types both policy integers as Int32; larger values would also
   * overflow the tick arithmetic of retry intervals. */
  if (r > INT32_MAX || r < INT32_MIN) {
    if (val_kind(x) == VAL_FLOAT)
      err_set(err, ERR_ACTIVITY_CONFIG, NULL,
              "policy.%s: %g is out of range (a 32-bit integer)", key,
              val_get_float(x));
    else
      err_set(err, ERR_ACTIVITY_CONFIG, NULL,
              "policy.%s: %lld is out of range (a 32-bit integer)", key,
              (long long)r);
    r = dflt;
  }
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
    Value *x = sched_eval_def(s->eng, tv, &s->env, NULL, NULL, &perr);
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
  sched_begin_attempt(ar);
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
    sched_node_terminal(s, i);
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

void sched_node_terminal(Scope *s, size_t i)
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
      sched_queue_push(s->eng, s->owner);
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
      sched_cancel_run(nd->run);
    else /* waiting to retry */
      sched_node_done(s, i, RS_CANCELLED);
  }
  for (i = 0; i < n && !s->done; i++)
    if (s->nodes[i].status == RS_PENDING) {
      s->nodes[i].status = s->nodes[i].effective = RS_CANCELLED;
      sched_node_terminal(s, i);
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
      sched_cancel_run(ar);
    if (ar->timeout_pos >= 0)
      sched_timer_remove_at(s->eng, (size_t)ar->timeout_pos);
    ar->scope = NULL;
    if (ar->pins == 0)
      sched_actrun_free(ar);
  }
  free(s->nodes);
  val_unref(s->item);
  free(s->fail_code);
  free(s->fail_msg);
  free(s);
}
