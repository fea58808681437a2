/*
 * interp/sched_attempt.c -- one attempt of an activity: start, step,
 *                           mocks, end, retries, timeouts, cancellation
 *
 * Each attempt gets its own run id and report entry; a failed attempt
 * with retries left schedules the next one after retryIntervalInSeconds
 * on the engine clock.
 */
#include "interp/sched_int.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr/strbuf.h"
#include "interp/report.h"
#include "interp/run.h"

/* 'now' + 'd' ticks, saturated: a timespan of millions of days (policy
 * timeouts, mock durations) must not overflow the clock arithmetic. */
static int64_t ticks_after(int64_t now, int64_t d)
{
  if (d > 0 && now > INT64_MAX - d)
    return INT64_MAX;
  if (d < 0 && now < INT64_MIN - d)
    return INT64_MIN;
  return now + d;
}

void sched_begin_attempt(ActRun *ar)
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
  ar->start = sched_now(eng);
  ar->deadline = ticks_after(ar->start, ar->timeout);
  engine_guid(eng, ar->run_id);
  ar->rep = sched_rep_new(s, ar->def, RS_IN_PROGRESS);
  e = report_at(&s->prun->rep, ar->rep);
  memcpy(e->run_id, ar->run_id, sizeof(e->run_id));
  e->retry_attempt = ar->attempt;
  if (ar->def->user_properties && val_array_len(ar->def->user_properties)) {
    Err uerr = ERR_INIT;
    Value *up = sched_eval_def(eng, ar->def->user_properties, &s->env, NULL,
                               NULL, &uerr);
    if (up) {
      e->user_props = report_user_props(up);
      val_unref(up);
    }
  }
  eng->n_activity_runs++;
  sched_emit(eng, EV_ACT_START, s->prun, ar);
  sched_timer_push(eng, ar, ar->deadline, T_TIMEOUT);
  sched_queue_push(eng, ar);
}

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

void sched_node_done(Scope *s, size_t i, RunStatus st)
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
  sched_node_terminal(s, i);
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
    sched_timer_remove_at(eng, (size_t)ar->timeout_pos);
  if (ar->started && ar->type && !ar->mocked && ar->type->cleanup)
    ar->type->cleanup(ar);
  ar->state = NULL;
  failed = err_is_set(&ar->err);
  st = ar->cancelled ? RS_CANCELLED : failed ? RS_FAILED : RS_SUCCEEDED;
  if (st == RS_SUCCEEDED && !ar->output)
    ar->output = val_object_new();
  e = report_at(&s->prun->rep, ar->rep);
  e->status = st;
  e->end = sched_now(eng);
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
  sched_emit(eng, EV_ACT_END, s->prun, ar);
  if (st == RS_FAILED && ar->attempt < ar->max_retry && !s->cancelling &&
      !eng->cancelling) {
    ar->attempt++;
    sched_timer_push(eng, ar, ticks_after(sched_now(eng), ar->retry_interval),
                     T_RETRY);
    return;
  }
  if (failed && !ar->output_on_error) {
    val_unref(ar->output);
    ar->output = NULL;
  }
  sched_node_done(s, ar->node, st);
}

void sched_cancel_run(ActRun *ar)
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
    /* A mocked run still shows its evaluated input, as ADF's monitoring
     * does; containers are left out (their nested activities' expressions
     * only make sense per iteration). */
    if ((!ar->is_control || ar->def->n_blocks == 0) && ar->def->type_props) {
      Err ie = ERR_INIT;
      ar->input =
          sched_eval_def(eng, ar->def->type_props, &s->env, NULL, NULL, &ie);
    }
    mock_next(eng->mocks, ar->def->name, &ar->mock);
    if (ar->mock.duration_ticks > 0) {
      sched_timer_push(eng, ar,
                       ticks_after(sched_now(eng), ar->mock.duration_ticks),
                       T_MOCK);
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
    /* the path of a failing expression is built only on failure */
    PathSeg tp = {NULL, "typeProperties", 14, 0};
    ar->input = sched_eval_def(eng, ar->def->type_props, &s->env, &tp,
                               ar->def->path, &ar->err);
    if (!ar->input) {
      attempt_done(ar);
      return;
    }
  }
  st = ar->type->start(ar, &ar->err);
  if (st == ACT_DONE || err_is_set(&ar->err))
    attempt_done(ar);
}

void sched_do_step(ActRun *ar)
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

void sched_on_timer(Timer t)
{
  ActRun *ar = t.run;

  if (sched_timer_live(&t)) {
    switch (t.kind) {
    case T_WAKE:
      sched_do_step(ar);
      break;
    case T_MOCK:
      apply_mock(ar);
      attempt_done(ar);
      break;
    case T_RETRY:
      sched_begin_attempt(ar);
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
    sched_unpin(ar);
}
