/*
 * interp/sched_act.c -- the services interp/activity.h offers activity
 *                       types: definition, input, output, clock, wake-ups,
 *                       secrets, requests, logging
 */
#include "interp/sched_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "expr/strbuf.h"
#include "interp/report.h"
#include "interp/run.h"

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

int64_t act_now(const ActRun *run)
{
  return sched_now(run->eng);
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
    sched_timer_push(run->eng, run, when, T_WAKE);
}

void act_wake(ActRun *run)
{
  if (run->active)
    sched_queue_push(run->eng, run);
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

const char *act_run_id(const ActRun *run)
{
  return run->run_id;
}
