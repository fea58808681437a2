/*
 * interp/control2.c -- container activity types: IfCondition, Switch,
 *                      ForEach, Until, ExecutePipeline
 *
 * A container runs its inner activities as child Scopes of the engine and
 * is woken when one ends.  Its status follows the inner leaf rule: a
 * failed inner scope fails the container with ActionFailed.  ForEach lets
 * other iterations finish first; Until keeps looping after an inner
 * failure and reports the last iteration's outcome.
 */
#include "interp/sched.h"

#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "expr/strbuf.h"
#include "interp/load.h"
#include "interp/run.h"

static const ActivityBlock *block(const ActivityDef *d, const char *label)
{
  size_t i;

  for (i = 0; i < d->n_blocks; i++)
    if (strcasecmp(d->blocks[i].label, label) == 0)
      return &d->blocks[i];
  return NULL;
}

static Scope *scope_for(ActRun *run, const ActivityBlock *b, const Value *item,
                        int iteration)
{
  return sched_scope_new(act_engine(run), NULL, run, b->acts, b->n_acts, item,
                         iteration);
}

/* ---- One-branch containers (IfCondition, Switch) ---------------------------
 */

typedef struct Branch {
  Scope *s;
} Branch;

static ActStep branch_run(ActRun *run, const ActivityBlock *b)
{
  Branch *st;

  if (!b || b->n_acts == 0)
    return ACT_DONE; /* "exit without any action" */
  st = xcalloc(1, sizeof(*st));
  act_set_state(run, st);
  st->s = scope_for(run, b, NULL, 0);
  sched_scope_start(st->s);
  return ACT_PENDING;
}

static ActStep branch_step(ActRun *run, Err *err)
{
  Branch *st = act_state(run);

  if (!st || !st->s)
    return ACT_DONE;
  if (!sched_scope_done(st->s))
    return ACT_PENDING;
  if (sched_scope_status(st->s) != RS_SUCCEEDED)
    ctl_inner_failed(st->s, err);
  return ACT_DONE;
}

static void branch_cancel(ActRun *run)
{
  Branch *st = act_state(run);
  if (st && st->s)
    sched_scope_cancel(st->s);
}

static void branch_cleanup(ActRun *run)
{
  Branch *st = act_state(run);
  if (!st)
    return;
  sched_scope_free(st->s);
  free(st);
}

static ActStep if_start(ActRun *run, Err *err)
{
  const Value *e = ctl_prop(run, "expression");
  Value *b, *in;
  bool yes;

  if (!e)
    return err_set(err, ERR_ACTIVITY_CONFIG, NULL,
                   "IfCondition '%s': typeProperties.expression is required",
                   act_def(run)->name),
           ACT_DONE;
  b = act_eval(run, e, err);
  if (!b)
    return ACT_DONE;
  if (val_kind(b) != VAL_BOOL) {
    err_set(err, ERR_EXPR_EVAL, NULL,
            "The expression of IfCondition '%s' must evaluate to a Boolean; "
            "it evaluated to a value of type '%s'",
            act_def(run)->name, val_kind_name(val_kind(b)));
    val_unref(b);
    return ACT_DONE;
  }
  yes = val_get_bool(b);
  in = val_object_new();
  val_object_set_take(in, "expression", 10, b);
  act_set_input_take(run, in);
  return branch_run(
      run, block(act_def(run), yes ? "ifTrueActivities" : "ifFalseActivities"));
}

static ActStep switch_start(ActRun *run, Err *err)
{
  const ActivityDef *d = act_def(run);
  const Value *on = ctl_prop(run, "on");
  const ActivityBlock *hit = NULL;
  Value *v, *in;
  StrBuf a, b;
  size_t i;

  if (!on)
    on = ctl_prop(run, "expression"); /* the doc page's spelling */
  if (!on)
    return err_set(err, ERR_ACTIVITY_CONFIG, NULL,
                   "Switch '%s': typeProperties.on is required", d->name),
           ACT_DONE;
  v = act_eval(run, on, err);
  if (!v)
    return ACT_DONE;
  if (val_kind(v) != VAL_STRING && val_kind(v) != VAL_INT) {
    err_set(err, ERR_EXPR_EVAL, NULL,
            "The 'on' expression of Switch '%s' must evaluate to a String; it "
            "evaluated to a value of type '%s'",
            d->name, val_kind_name(val_kind(v)));
    val_unref(v);
    return ACT_DONE;
  }
  sb_init(&a);
  sb_init(&b);
  val_to_adf_string(v, &a);
  for (i = 0; i < d->n_blocks && !hit; i++) {
    const ActivityBlock *blk = &d->blocks[i];
    if (strcasecmp(blk->label, "cases") != 0 || !blk->case_value)
      continue;
    sb_reset(&b);
    val_to_adf_string(blk->case_value, &b);
    if (a.len == b.len && memcmp(a.s, b.s, a.len) == 0)
      hit = blk;
  }
  sb_fini(&a);
  sb_fini(&b);
  in = val_object_new();
  val_object_set_take(in, "on", 2, v);
  act_set_input_take(run, in);
  if (!hit)
    hit = block(d, "defaultActivities");
  return branch_run(run, hit);
}

/* ---- ForEach
 * ------------------------------------------------------------------ */

#define FOREACH_MAX_ITEMS 100000

typedef struct ForEach {
  Value *items; /* owned */
  const ActivityBlock *body;
  size_t n, next, n_active;
  size_t cap;
  Scope **active; /* owned: cap slots */
  Err fail;       /* first inner failure */
} ForEach;

/* Frees slot i's ended iteration, keeping the first inner failure. */
static void foreach_reap(ForEach *st, size_t i)
{
  Scope *s = st->active[i];

  if (sched_scope_status(s) != RS_SUCCEEDED)
    ctl_inner_failed(s, &st->fail);
  sched_scope_free(s);
  st->active[i] = NULL;
  st->n_active--;
}

static ActStep foreach_pump(ActRun *run, ForEach *st)
{
  size_t i;

  for (i = 0; i < st->cap; i++)
    if (st->active[i] && sched_scope_done(st->active[i]))
      foreach_reap(st, i);
  for (i = 0; i < st->cap && st->next < st->n; i++) {
    if (st->active[i])
      continue;
    st->active[i] = scope_for(
        run, st->body, val_array_peek(st->items, st->next), (int)st->next + 1);
    st->next++;
    st->n_active++;
    sched_scope_start(st->active[i]);
    if (sched_scope_done(st->active[i])) { /* empty body or all inactive */
      foreach_reap(st, i);
      i--; /* reuse the slot */
    }
  }
  if (st->n_active == 0 && st->next >= st->n)
    return ACT_DONE;
  return ACT_PENDING;
}

static ActStep foreach_step(ActRun *run, Err *err)
{
  ForEach *st = act_state(run);

  if (!st)
    return ACT_DONE;
  if (foreach_pump(run, st) == ACT_PENDING)
    return ACT_PENDING;
  if (err_is_set(&st->fail))
    *err = st->fail;
  return ACT_DONE;
}

static ActStep foreach_start(ActRun *run, Err *err)
{
  const ActivityDef *d = act_def(run);
  const Value *idef = ctl_prop(run, "items"), *bc;
  Value *items, *in;
  ForEach *st;
  bool seq;
  int64_t batch = 20;

  if (!idef)
    return err_set(err, ERR_ACTIVITY_CONFIG, NULL,
                   "ForEach '%s': typeProperties.items is required", d->name),
           ACT_DONE;
  items = act_eval(run, idef, err);
  if (!items)
    return ACT_DONE;
  if (val_kind(items) != VAL_ARRAY) {
    const Value *src = expr_is_expression_object(idef)
                           ? val_object_peek_ci(idef, "value", 5)
                           : idef;
    err_set(err, ERR_EXPR_EVAL, NULL,
            "The execution of template action 'Main%s' failed: the result of "
            "the evaluation of 'foreach' expression '%s' is of type '%s'. The "
            "result must be a valid array.",
            d->name, src && val_kind(src) == VAL_STRING ? val_str(src) : "",
            val_kind_name(val_kind(items)));
    val_unref(items);
    return ACT_DONE;
  }
  if (val_array_len(items) > FOREACH_MAX_ITEMS) {
    err_set(err, ERR_ACTIVITY_CONFIG, NULL,
            "ForEach '%s': %zu items exceed ADF's limit of %d", d->name,
            val_array_len(items), FOREACH_MAX_ITEMS);
    val_unref(items);
    return ACT_DONE;
  }
  seq = ctl_bool_prop(run, "isSequential", false, err);
  bc = ctl_prop(run, "batchCount");
  if (bc) {
    Value *x = act_eval(run, bc, err);
    char *end = NULL;
    batch = -1;
    if (x && val_kind(x) == VAL_INT)
      batch = val_get_int(x);
    else if (x && val_kind(x) == VAL_STRING && val_strlen(x)) {
      batch = strtoll(val_str(x), &end, 10);
      if (*end)
        batch = -1;
    }
    /* ADF accepts 1..50 (the service refuses anything else at publish);
     * clamping silently would run a different pipeline. */
    if (x && (batch < 1 || batch > 50))
      err_set(err, ERR_ACTIVITY_CONFIG, NULL,
              "ForEach '%s': batchCount must be an integer from 1 to 50",
              d->name);
    val_unref(x);
  }
  if (err_is_set(err)) {
    val_unref(items);
    return ACT_DONE;
  }
  in = val_object_new();
  val_object_set(in, "items", items);
  act_set_input_take(run, in);
  st = xcalloc(1, sizeof(*st));
  err_init(&st->fail);
  act_set_state(run, st);
  st->items = items;
  st->n = val_array_len(items);
  st->body = block(d, "activities");
  if (!st->body || st->body->n_acts == 0)
    return ACT_DONE;
  st->cap = seq ? 1 : (size_t)batch;
  if (st->cap > st->n)
    st->cap = st->n ? st->n : 1;
  st->active = xcalloc(st->cap, sizeof(Scope *));
  return foreach_step(run, err);
}

static void foreach_cancel(ActRun *run)
{
  ForEach *st = act_state(run);
  size_t i;

  if (!st)
    return;
  st->next = st->n; /* start nothing more */
  for (i = 0; i < st->cap; i++)
    if (st->active[i])
      sched_scope_cancel(st->active[i]);
}

static void foreach_cleanup(ActRun *run)
{
  ForEach *st = act_state(run);
  size_t i;

  if (!st)
    return;
  for (i = 0; i < st->cap; i++)
    sched_scope_free(st->active[i]);
  free(st->active);
  val_unref(st->items);
  free(st);
}

/* ---- Until
 * ----------------------------------------------------------------------- */

typedef struct Until {
  Scope *s;
  const ActivityBlock *body;
  int iteration;
  int64_t deadline, timeout, iter_start;
  long zero_time; /* consecutive iterations in which no time passed */
} Until;

static void until_next(ActRun *run, Until *st)
{
  st->iteration++;
  st->iter_start = act_now(run);
  st->s = scope_for(run, st->body, NULL, st->iteration);
  sched_scope_start(st->s);
}

static ActStep until_start(ActRun *run, Err *err)
{
  const ActivityDef *d = act_def(run);
  const Value *tdef = ctl_prop(run, "timeout");
  Until *st;
  int64_t timeout = 7LL * 86400 * TICKS_PER_SECOND;

  if (!ctl_prop(run, "expression"))
    return err_set(err, ERR_ACTIVITY_CONFIG, NULL,
                   "Until '%s': typeProperties.expression is required",
                   d->name),
           ACT_DONE;
  if (tdef) {
    Value *x = act_eval(run, tdef, err);
    if (!x)
      return ACT_DONE;
    if (val_kind(x) != VAL_STRING ||
        !clk_parse_timespan(val_str(x), &timeout) || timeout <= 0) {
      err_set(err, ERR_ACTIVITY_CONFIG, NULL,
              "Until '%s': timeout must be [d.]hh:mm:ss, got '%s'", d->name,
              val_kind(x) == VAL_STRING ? val_str(x)
                                        : val_kind_name(val_kind(x)));
      val_unref(x);
      return ACT_DONE;
    }
    val_unref(x);
  }
  st = xcalloc(1, sizeof(*st));
  act_set_state(run, st);
  st->body = block(d, "activities");
  st->timeout = timeout;
  /* Saturate: a timeout near TimeSpan.MaxValue must not overflow. */
  st->deadline =
      act_now(run) > INT64_MAX - timeout ? INT64_MAX : act_now(run) + timeout;
  act_wake_at(run, st->deadline);
  if (!st->body || st->body->n_acts == 0) {
    static const ActivityBlock empty = {0};
    st->body = &empty;
  }
  until_next(run, st);
  return ACT_PENDING;
}

static bool until_timed_out(ActRun *run, Until *st, Err *err)
{
  char ts[32];

  if (act_now(run) < st->deadline)
    return false;
  clk_format_timespan(st->timeout, ts);
  err_set(err, ERR_ACTIVITY_TIMEOUT, NULL,
          "Until '%s' timed out after %s (typeProperties.timeout) before its "
          "expression became true",
          act_def(run)->name, ts);
  return true;
}

static ActStep until_step(ActRun *run, Err *err)
{
  Until *st = act_state(run);
  Value *b;
  bool last_failed;
  Err inner = ERR_INIT;

  if (!st)
    return ACT_DONE;
  if (st->s && !sched_scope_done(st->s)) {
    if (until_timed_out(run, st, err)) {
      sched_scope_cancel(st->s);
      return ACT_DONE;
    }
    return ACT_PENDING;
  }
  last_failed = sched_scope_status(st->s) != RS_SUCCEEDED;
  if (last_failed)
    ctl_inner_failed(st->s, &inner);
  b = act_eval(run, ctl_prop(run, "expression"), err);
  if (!b)
    return ACT_DONE;
  if (val_kind(b) != VAL_BOOL) {
    err_set(err, ERR_EXPR_EVAL, NULL,
            "The expression of Until '%s' must evaluate to a Boolean; it "
            "evaluated to a value of type '%s'",
            act_def(run)->name, val_kind_name(val_kind(b)));
    val_unref(b);
    return ACT_DONE;
  }
  if (val_get_bool(b)) {
    val_unref(b);
    if (last_failed)
      *err = inner;
    return ACT_DONE;
  }
  val_unref(b);
  if (until_timed_out(run, st, err))
    return ACT_DONE;
  st->zero_time = act_now(run) == st->iter_start ? st->zero_time + 1 : 0;
  if (st->zero_time >= engine_max_iterations(act_engine(run))) {
    err_set(err, ERR_ITERATION_LIMIT, NULL,
            "Until '%s' stopped after %ld iterations in which no time passed "
            "and its expression stayed false (raise --max-iterations if this "
            "is intended)",
            act_def(run)->name, st->zero_time);
    return ACT_DONE;
  }
  sched_scope_free(st->s);
  st->s = NULL;
  until_next(run, st);
  return ACT_PENDING;
}

static void until_cancel(ActRun *run)
{
  Until *st = act_state(run);
  if (st && st->s)
    sched_scope_cancel(st->s);
}

static void until_cleanup(ActRun *run)
{
  Until *st = act_state(run);
  if (!st)
    return;
  sched_scope_free(st->s);
  free(st);
}

/* ---- ExecutePipeline
 * ----------------------------------------------------------- */

typedef struct Exec {
  PipelineRun *child; /* borrowed: owned by the parent run's children */
  bool wait;
} Exec;

static Value *exec_output(const PipelineRun *c)
{
  Value *o = val_object_new();
  val_object_set_take(o, "pipelineName", 12, val_cstr(c->pl->name));
  val_object_set_take(o, "pipelineRunId", 13, val_cstr(c->run_id));
  if (c->return_value)
    val_object_set(o, "pipelineReturnValue", c->return_value);
  return o;
}

/* A pipeline 'name' not in the factory: try NAME.json/.yaml/.yml next to
 * the calling pipeline's file.  Loaded pipelines are owned by the top run
 * (reused by later calls).  NULL when none. */
static Pipeline *sibling_pipeline(PipelineRun *pr, const char *name)
{
  static const char *const exts[] = {".json", ".yaml", ".yml"};
  PipelineRun *top = pr;
  const char *file = pr->pl->file, *sl;
  size_t i;

  while (top->parent)
    top = top->parent;
  for (i = 0; i < top->n_extra; i++)
    if (strcasecmp(top->extra[i]->name, name) == 0)
      return top->extra[i];
  if (!file || strchr(name, '/'))
    return NULL;
  sl = strrchr(file, '/');
  for (i = 0; i < 3; i++) {
    StrBuf p;
    FILE *fp;
    Err e = ERR_INIT;
    Pipeline *pl = NULL;
    sb_init(&p);
    if (sl)
      sb_put(&p, file, (size_t)(sl - file + 1));
    sb_printf(&p, "%s%s", name, exts[i]);
    fp = fopen(p.s, "r");
    if (fp) {
      fclose(fp);
      pl = load_pipeline_file(p.s, &e);
    }
    sb_fini(&p);
    if (pl) {
      top->extra =
          xrealloc(top->extra, (top->n_extra + 1) * sizeof(Pipeline *));
      top->extra[top->n_extra++] = pl;
      return pl;
    }
  }
  return NULL;
}

static ActStep exec_start(ActRun *run, Err *err)
{
  const ActivityDef *d = act_def(run);
  PipelineRun *pr = act_pipeline_run(run), *c;
  const Value *ref = ctl_prop(run, "pipeline"), *rn = NULL, *pdef;
  const Factory *f = act_factory(run);
  Pipeline *cp;
  Value *params = NULL, *in;
  RunArgs args = {0};
  Exec *st;
  bool wait;

  if (ref && val_kind(ref) == VAL_OBJECT)
    rn = val_object_peek_ci(ref, "referenceName", 13);
  if (!rn || val_kind(rn) != VAL_STRING)
    return err_set(
               err, ERR_ACTIVITY_CONFIG, NULL,
               "ExecutePipeline '%s': typeProperties.pipeline.referenceName "
               "is required",
               d->name),
           ACT_DONE;
  cp = f ? factory_pipeline(f, val_str(rn)) : NULL;
  if (!cp)
    cp = sibling_pipeline(pr, val_str(rn));
  if (!cp)
    return err_set(err, ERR_ACTIVITY_CONFIG, NULL,
                   "ExecutePipeline '%s': pipeline '%s' is not in the factory "
                   "(load a factory folder or put the child next to the "
                   "parent)",
                   d->name, val_str(rn)),
           ACT_DONE;
  wait = ctl_bool_prop(run, "waitOnCompletion", false, err);
  pdef = ctl_prop(run, "parameters");
  if (pdef && !(params = act_eval(run, pdef, err)))
    return ACT_DONE;
  if (err_is_set(err)) {
    val_unref(params);
    return ACT_DONE;
  }
  in = val_object_new();
  val_object_set(in, "pipeline", ref);
  val_object_set_take(in, "parameters", 10,
                      params ? val_ref(params) : val_object_new());
  val_object_set_take(in, "waitOnCompletion", 16, val_bool(wait));
  act_set_input_take(run, in);
  if (!run_precheck(cp, err)) {
    val_unref(params);
    return ACT_DONE;
  }
  args.params = params;
  c = run_new(act_engine(run), cp, f, &args, pr, run, err);
  val_unref(params);
  if (!c)
    return ACT_DONE;
  pr->children =
      xrealloc(pr->children, (pr->n_children + 1) * sizeof(*pr->children));
  pr->children[pr->n_children++] = c;
  st = xcalloc(1, sizeof(*st));
  st->child = c;
  st->wait = wait;
  act_set_state(run, st);
  run_start(c);
  if (!wait) {
    act_set_output_take(run, exec_output(c));
    return ACT_DONE;
  }
  return ACT_PENDING;
}

static ActStep exec_step(ActRun *run, Err *err)
{
  Exec *st = act_state(run);
  PipelineRun *c = st ? st->child : NULL;
  const char *name, *code, *msg;

  if (!c)
    return ACT_DONE;
  if (!c->done)
    return ACT_PENDING;
  act_set_output_take(run, exec_output(c));
  if (c->status == RS_SUCCEEDED)
    return ACT_DONE;
  if (c->status == RS_CANCELLED)
    return err_set(err, ERR_ACTIVITY_CANCELLED, NULL,
                   "The child pipeline run '%s' was cancelled", c->run_id),
           ACT_DONE;
  err_set(err, ERR_ACTION_FAILED, NULL, "%s",
          c->message && *c->message ? c->message : "child pipeline failed");
  if (sched_scope_failure(c->root, &name, &code, &msg) && code && *code)
    snprintf(err->adf_code, sizeof(err->adf_code), "%s", code);
  act_set_error_output_take(run, exec_output(c));
  return ACT_DONE;
}

static void exec_cancel(ActRun *run)
{
  Exec *st = act_state(run);
  if (st && st->child && !st->child->done && st->wait)
    sched_scope_cancel(st->child->root);
}

static void exec_cleanup(ActRun *run)
{
  Exec *st = act_state(run);
  if (!st)
    return;
  st->child->caller = NULL; /* a detached child must not wake us later */
  free(st);
}

/* ---- Rows
 * ------------------------------------------------------------------------ */

const ActivityType ctl_if_row = {"IfCondition", NULL,          if_start,
                                 branch_step,   branch_cancel, branch_cleanup};
const ActivityType ctl_switch_row = {
    "Switch", NULL, switch_start, branch_step, branch_cancel, branch_cleanup};
const ActivityType ctl_foreach_row = {"ForEach",      NULL,
                                      foreach_start,  foreach_step,
                                      foreach_cancel, foreach_cleanup};
const ActivityType ctl_until_row = {"Until",    NULL,         until_start,
                                    until_step, until_cancel, until_cleanup};
const ActivityType ctl_execute_row = {
    "ExecutePipeline", NULL, exec_start, exec_step, exec_cancel, exec_cleanup};
