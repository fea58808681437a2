/*
 * expr/ctx.c -- EvalEnv from a JSON context (for `adfrun eval` and tests)
 *
 * pipeline() is built once: default system variables, overridden by the
 * context's "system" object, plus "parameters" and "globalParameters".
 * Look-ups of variables and activities are case-insensitive, like ADF
 * property access.
 */
#include "expr/ctx.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "expr/datetime.h"

static const Value *ctx_variable(void *ud, const char *name, size_t len)
{
  ExprContext *c = ud;
  return val_object_peek_ci(c->variables, name, len);
}

static const Value *ctx_activity(void *ud, const char *name, size_t len,
                                 Err *err)
{
  ExprContext *c = ud;
  (void)err; /* the evaluator's generic message is fine here */
  return val_object_peek_ci(c->activities, name, len);
}

static int64_t ctx_now(void *ud)
{
  ExprContext *c = ud;
  return c->now_ticks;
}

/* splitmix64 over the seeded state. */
static uint64_t ctx_random(void *ud)
{
  ExprContext *c = ud;
  uint64_t z = (c->rng += UINT64_C(0x9E3779B97F4A7C15));
  z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
  return z ^ (z >> 31);
}

/* The value of 'key' when it is an object (or absent: NULL).  Returns
 * false with *err set when it has another kind. */
static bool want_object(const Value *json, const char *key, const Value **out,
                        Err *err)
{
  const Value *v = json ? val_object_peek(json, key) : NULL;
  *out = NULL;
  if (!v)
    return true;
  if (val_kind(v) != VAL_OBJECT)
    return err_set(err, ERR_USAGE, NULL,
                   "context: '%s' must be an object, got %s", key,
                   val_kind_name(val_kind(v)));
  *out = v;
  return true;
}

static void set_default(Value *obj, const char *key, const char *s)
{
  val_object_set_take(obj, key, strlen(key), val_cstr(s));
}

bool ctx_init(ExprContext *c, const Value *json, Err *err)
{
  const Value *params, *globals, *system, *vars, *acts, *v;
  char buf[128];
  DateTime now;

  memset(c, 0, sizeof(*c));
  c->env.ud = c;
  c->variables = val_object_new();
  c->activities = val_object_new();
  c->pipeline = val_object_new();
  c->env.variable = ctx_variable;
  c->env.activity = ctx_activity;
  c->env.pipeline = c->pipeline;

  if (json && val_kind(json) != VAL_OBJECT)
    return err_set(err, ERR_USAGE, NULL, "context must be an object, got %s",
                   val_kind_name(val_kind(json)));
  if (!want_object(json, "parameters", &params, err) ||
      !want_object(json, "globalParameters", &globals, err) ||
      !want_object(json, "system", &system, err) ||
      !want_object(json, "variables", &vars, err) ||
      !want_object(json, "activities", &acts, err))
    return false;

  v = json ? val_object_peek(json, "now") : NULL;
  if (v) {
    if (val_kind(v) != VAL_STRING ||
        !dt_parse(val_str(v), val_strlen(v), &now, buf, sizeof(buf)))
      return err_set(err, ERR_USAGE, NULL,
                     "context: 'now' must be a timestamp string");
    dt_as_utc(&now, &now);
    c->has_now = true;
    c->now_ticks = dt_ticks(&now);
    c->env.now_ticks = ctx_now;
  } else {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    now = dt_from_unix_ns((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec);
  }
  v = json ? val_object_peek(json, "seed") : NULL;
  if (v) {
    if (val_kind(v) != VAL_INT)
      return err_set(err, ERR_USAGE, NULL,
                     "context: 'seed' must be an integer, got %s",
                     val_kind_name(val_kind(v)));
    c->rng = (uint64_t)val_get_int(v);
    c->env.random = ctx_random;
  }

  /* Defaults a manual run would have (docs/expressions.md#context). */
  set_default(c->pipeline, "DataFactory", "adfrun");
  set_default(c->pipeline, "Pipeline", "pipeline");
  set_default(c->pipeline, "RunId", "00000000-0000-0000-0000-000000000000");
  set_default(c->pipeline, "TriggerType", "Manual");
  set_default(c->pipeline, "TriggerId", "00000000-0000-0000-0000-000000000000");
  set_default(c->pipeline, "TriggerName", "Manual");
  {
    char *t = dt_format(&now, "o", buf, sizeof(buf));
    set_default(c->pipeline, "TriggerTime", t ? t : "");
    free(t);
  }
  set_default(c->pipeline, "GroupId", "00000000-0000-0000-0000-000000000000");
  for (size_t i = 0; system && i < val_object_len(system); i++) {
    size_t kl;
    const char *k = val_object_key_peek(system, i, &kl);
    val_object_set_take(c->pipeline, k, kl,
                        val_ref(val_object_value_peek(system, i)));
  }
  val_object_set_take(c->pipeline, "parameters", 10,
                      params ? val_ref(params) : val_object_new());
  val_object_set_take(c->pipeline, "globalParameters", 16,
                      globals ? val_ref(globals) : val_object_new());
  if (vars) {
    val_unref(c->variables);
    c->variables = val_ref(vars);
  }
  if (acts) {
    val_unref(c->activities);
    c->activities = val_ref(acts);
  }
  if (json && (v = val_object_peek(json, "item")))
    c->env.item = c->item = val_ref(v);
  if (json && (v = val_object_peek(json, "dataset")))
    c->env.dataset = c->dataset = val_ref(v);
  if (json && (v = val_object_peek(json, "linkedService")))
    c->env.linked_service = c->linked = val_ref(v);
  return true;
}

void ctx_fini(ExprContext *c)
{
  val_unref(c->pipeline);
  val_unref(c->variables);
  val_unref(c->activities);
  val_unref(c->item);
  val_unref(c->dataset);
  val_unref(c->linked);
  memset(c, 0, sizeof(*c));
}
