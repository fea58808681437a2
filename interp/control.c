/*
 * interp/control.c -- control activity types without inner activities:
 *                     Wait, Fail, SetVariable, AppendVariable, Filter;
 *                     and the table of all control types
 *
 * Control types evaluate their own typeProperties (the engine does not
 * pre-evaluate them: a container's inner activities must not be touched,
 * Filter's condition is per item).  Containers live in control2.c.
 */
#include "interp/sched.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "expr/strbuf.h"
#include "interp/run.h"

/* ---- Shared helpers ----------------------------------------------------- */

const Value *ctl_prop(ActRun *run, const char *key)
{
  const Value *tp = act_def(run)->type_props;
  return tp ? val_object_peek_ci(tp, key, strlen(key)) : NULL;
}

/* Evaluates typeProperties.<key>; NULL with *err set when it fails or is
 * missing and 'required'.  *missing tells the two apart. */
static Value *eval_prop(ActRun *run, const char *key, bool required, Err *err)
{
  const Value *v = ctl_prop(run, key);
  Value *x;

  if (!v) {
    if (required)
      err_set(err, ERR_ACTIVITY_CONFIG, NULL,
              "%s '%s': typeProperties.%s is required", act_def(run)->type,
              act_def(run)->name, key);
    return NULL;
  }
  x = act_eval(run, v, err);
  if (!x)
    err_set_path(err, act_def(run)->path);
  return x;
}

bool ctl_bool_prop(ActRun *run, const char *key, bool dflt, Err *err)
{
  Value *x = eval_prop(run, key, false, err);
  bool b = dflt;

  if (!x)
    return dflt;
  if (val_kind(x) == VAL_BOOL)
    b = val_get_bool(x);
  else if (val_kind(x) == VAL_STRING && strcasecmp(val_str(x), "true") == 0)
    b = true;
  else if (val_kind(x) == VAL_STRING && strcasecmp(val_str(x), "false") == 0)
    b = false;
  else if (val_kind(x) != VAL_NULL)
    err_set(err, ERR_ACTIVITY_CONFIG, NULL,
            "%s '%s': typeProperties.%s must be a Boolean, got '%s'",
            act_def(run)->type, act_def(run)->name, key,
            val_kind_name(val_kind(x)));
  val_unref(x);
  return b;
}

bool ctl_inner_failed(const Scope *s, Err *err)
{
  const char *name, *msg;

  if (sched_scope_status(s) == RS_CANCELLED)
    return err_set(err, ERR_ACTIVITY_CANCELLED, NULL, "Activity was cancelled");
  if (!sched_scope_failure(s, &name, NULL, &msg)) {
    name = "?";
    msg = "";
  }
  return err_set(err, ERR_ACTION_FAILED, NULL,
                 "Activity failed because an inner activity failed; Inner "
                 "activity name: %s, Error: %s",
                 name, msg);
}

static Value *obj1(const char *k, Value *v)
{
  Value *o = val_object_new();
  val_object_set_take(o, k, strlen(k), v);
  return o;
}

/* ---- Wait -------------------------------------------------------------------
 */

static ActStep wait_start(ActRun *run, Err *err)
{
  Value *x = eval_prop(run, "waitTimeInSeconds", true, err);
  int64_t secs = 0;

  if (!x)
    return ACT_DONE;
  if (val_kind(x) == VAL_INT)
    secs = val_get_int(x);
  else if (val_kind(x) == VAL_FLOAT) {
    double f = val_get_float(x);
    secs = f >= 0 && f < 2147483648.0 ? (int64_t)f : -1;
  } else if (val_kind(x) == VAL_STRING && val_strlen(x)) {
    char *end;
    secs = strtoll(val_str(x), &end, 10);
    if (*end)
      secs = -1;
  } else
    secs = -1;
  /* ADF types waitTimeInSeconds as Int32. */
  if (secs < 0 || secs > INT32_MAX) {
    StrBuf got;
    sb_init(&got);
    if (val_kind(x) == VAL_STRING || val_kind(x) == VAL_INT ||
        val_kind(x) == VAL_FLOAT)
      val_to_adf_string(x, &got);
    else
      sb_puts(&got, val_kind_name(val_kind(x)));
    err_set(err, ERR_ACTIVITY_CONFIG, NULL,
            "Wait '%s': waitTimeInSeconds must be an integer from 0 to "
            "2147483647, got '%s'",
            act_def(run)->name, got.s);
    sb_fini(&got);
    val_unref(x);
    return ACT_DONE;
  }
  act_set_input_take(run, obj1("waitTimeInSeconds", val_int(secs)));
  val_unref(x);
  if (secs == 0)
    return ACT_DONE;
  {
    int64_t *until = xmalloc(sizeof(*until));
    *until = act_now(run) + secs * TICKS_PER_SECOND;
    act_set_state(run, until);
    act_wake_at(run, *until);
  }
  return ACT_PENDING;
}

static ActStep wait_step(ActRun *run, Err *err)
{
  const int64_t *until = act_state(run);
  (void)err;
  return !until || act_now(run) >= *until ? ACT_DONE : ACT_PENDING;
}

static void wait_cleanup(ActRun *run)
{
  free(act_state(run));
}

/* ---- Fail --------------------------------------------------------------- */

static bool blank(const char *s)
{
  while (*s && isspace((unsigned char)*s))
    s++;
  return !*s;
}

static ActStep fail_start(ActRun *run, Err *err)
{
  const char *name = act_def(run)->name;
  const Value *mdef = ctl_prop(run, "message"),
              *cdef = ctl_prop(run, "errorCode");
  Value *m = NULL, *c = NULL, *in;
  bool m_str, c_ok;
  const char *code, *msg;
  StrBuf sb;

  if (mdef && !(m = act_eval(run, mdef, err)))
    return ACT_DONE;
  if (cdef && !(c = act_eval(run, cdef, err))) {
    val_unref(m);
    return ACT_DONE;
  }
  in = val_object_new();
  val_object_set_take(in, "message", 7, m ? val_ref(m) : val_null());
  val_object_set_take(in, "errorCode", 9, c ? val_ref(c) : val_null());
  act_set_input_take(run, in);
  m_str = m && val_kind(m) == VAL_STRING;
  c_ok = c && val_kind(c) == VAL_STRING && !blank(val_str(c));
  code = c_ok ? val_str(c) : "ErrorCodeNotString";
  sb_init(&sb);
  if (!mdef) {
    sb_puts(&sb, "Fail message wasn't provided");
  } else if (!m_str && !(c && val_kind(c) == VAL_STRING)) {
    sb_printf(&sb, "Failed to interpret %s fail message or error code", name);
  } else if (!m_str && val_kind(m) != VAL_NULL) {
    sb_printf(&sb,
              "%s fail message parameter couldn't be interpreted as a "
              "string",
              name);
  } else if (!m_str || blank(val_str(m))) {
    sb_printf(&sb, "Failed to interpret %s fail message or error code", name);
  } else {
    sb_puts(&sb, val_str(m));
  }
  msg = sb.s;
  err_set(err, ERR_FAIL_ACTIVITY, NULL, "%s", msg);
  snprintf(err->adf_code, sizeof(err->adf_code), "%s", code);
  sb_fini(&sb);
  val_unref(m);
  val_unref(c);
  return ACT_DONE;
}

/* ---- SetVariable -----------------------------------------------------------
 */

/* Converts one {type, content} return-value entry (ADF-SPEC 3.11). */
static Value *retval_entry(ActRun *run, const Value *spec, Err *err);

static Value *retval_list(ActRun *run, const Value *list, Err *err)
{
  Value *o = val_object_new();
  size_t i;

  if (val_kind(list) == VAL_OBJECT) { /* already a map */
    Value *x = act_eval(run, list, err);
    val_unref(o);
    return x;
  }
  if (val_kind(list) != VAL_ARRAY) {
    val_unref(o);
    err_set(err, ERR_ACTIVITY_CONFIG, NULL,
            "SetVariable '%s': pipelineReturnValue expects a list of {key, "
            "value} entries",
            act_def(run)->name);
    return NULL;
  }
  for (i = 0; i < val_array_len(list); i++) {
    const Value *e = val_array_peek(list, i);
    const Value *k = val_object_peek_ci(e, "key", 3);
    const Value *v = val_object_peek_ci(e, "value", 5);
    Value *x;
    if (!k || val_kind(k) != VAL_STRING) {
      val_unref(o);
      err_set(err, ERR_ACTIVITY_CONFIG, NULL,
              "SetVariable '%s': pipelineReturnValue entry %zu has no 'key'",
              act_def(run)->name, i);
      return NULL;
    }
    x = v ? retval_entry(run, v, err) : val_null();
    if (!x) {
      val_unref(o);
      return NULL;
    }
    val_object_set_take(o, val_str(k), val_strlen(k), x);
  }
  return o;
}

static Value *retval_entry(ActRun *run, const Value *spec, Err *err)
{
  const Value *t = val_object_peek_ci(spec, "type", 4);
  const Value *c = val_object_peek_ci(spec, "content", 7);
  const char *ts = t && val_kind(t) == VAL_STRING ? val_str(t) : NULL;
  Value *x, *arr;
  size_t i;

  if (val_kind(spec) != VAL_OBJECT || !ts)
    return act_eval(run, spec, err);
  if (strcasecmp(ts, "Null") == 0 || !c)
    return val_null();
  if (strcasecmp(ts, "Expression") == 0)
    return act_eval(run, c, err);
  if (strcasecmp(ts, "Object") == 0)
    return retval_list(run, c, err);
  if (strcasecmp(ts, "Array") == 0 && val_kind(c) == VAL_ARRAY) {
    arr = val_array_new();
    for (i = 0; i < val_array_len(c); i++) {
      const Value *e = val_array_peek(c, i);
      x = val_kind(e) == VAL_OBJECT && val_object_peek_ci(e, "type", 4)
              ? retval_entry(run, e, err)
              : val_ref(e);
      if (!x) {
        val_unref(arr);
        return NULL;
      }
      val_array_push_take(arr, x);
    }
    return arr;
  }
  return val_ref(c); /* String, Int, Float, Boolean: literal content */
}

static ActStep setvar_start(ActRun *run, Err *err)
{
  PipelineRun *pr = act_pipeline_run(run);
  Value *name = eval_prop(run, "variableName", true, err);
  const Value *vdef = ctl_prop(run, "value");
  Value *v, *in, *out;
  Variable *var;
  bool sys;

  if (!name)
    return ACT_DONE;
  if (val_kind(name) != VAL_STRING) {
    err_set(err, ERR_ACTIVITY_CONFIG, NULL,
            "SetVariable '%s': variableName must be a string",
            act_def(run)->name);
    val_unref(name);
    return ACT_DONE;
  }
  sys = ctl_bool_prop(run, "setSystemVariable", false, err);
  if (err_is_set(err)) {
    val_unref(name);
    return ACT_DONE;
  }
  if (sys) {
    v = vdef ? retval_list(run, vdef, err) : val_object_new();
    if (!v) {
      val_unref(name);
      return ACT_DONE;
    }
    val_unref(pr->return_value);
    pr->return_value = val_ref(v);
  } else {
    var = run_var_find(pr, val_str(name));
    if (!var) {
      err_set(err, ERR_EXPR_UNKNOWN_REF, NULL,
              "The variable '%s' is not declared in pipeline '%s'",
              val_str(name), pr->pl->name);
      val_unref(name);
      return ACT_DONE;
    }
    if (!vdef) {
      err_set(err, ERR_ACTIVITY_CONFIG, NULL,
              "SetVariable '%s': typeProperties.value is required",
              act_def(run)->name);
      val_unref(name);
      return ACT_DONE;
    }
    v = act_eval(run, vdef, err);
    if (!v) {
      val_unref(name);
      return ACT_DONE;
    }
    if (!run_var_set_take(pr, var, val_ref(v), err)) {
      in = val_object_new();
      val_object_set(in, "variableName", name);
      val_object_set_take(in, "value", 5, v);
      act_set_input_take(run, in);
      val_unref(name);
      return ACT_DONE;
    }
  }
  in = val_object_new();
  val_object_set(in, "variableName", name);
  val_object_set(in, "value", v);
  act_set_input_take(run, in);
  out = val_object_new();
  val_object_set_take(out, "name", 4, name);
  val_object_set_take(out, "value", 5, v);
  act_set_output_take(run, out);
  return ACT_DONE;
}

/* ---- AppendVariable -------------------------------------------------------
 */

static ActStep appendvar_start(ActRun *run, Err *err)
{
  PipelineRun *pr = act_pipeline_run(run);
  Value *name = eval_prop(run, "variableName", true, err);
  Value *v, *in;
  Variable *var;

  if (!name)
    return ACT_DONE;
  var = val_kind(name) == VAL_STRING ? run_var_find(pr, val_str(name)) : NULL;
  if (!var) {
    err_set(err, ERR_EXPR_UNKNOWN_REF, NULL,
            "The variable '%s' is not declared in pipeline '%s'",
            val_kind(name) == VAL_STRING ? val_str(name) : "?", pr->pl->name);
    val_unref(name);
    return ACT_DONE;
  }
  v = eval_prop(run, "value", true, err);
  if (!v) {
    val_unref(name);
    return ACT_DONE;
  }
  in = val_object_new();
  val_object_set_take(in, "variableName", 12, name);
  val_object_set(in, "value", v);
  act_set_input_take(run, in);
  run_var_append(pr, var, v, err);
  val_unref(v);
  return ACT_DONE;
}

/* ---- Filter ---------------------------------------------------------------
 */

static ActStep filter_start(ActRun *run, Err *err)
{
  const Value *cond = ctl_prop(run, "condition");
  Value *items = eval_prop(run, "items", true, err), *kept, *out, *in;
  size_t i, n;

  if (!items)
    return ACT_DONE;
  if (!cond) {
    val_unref(items);
    err_set(err, ERR_ACTIVITY_CONFIG, NULL,
            "Filter '%s': typeProperties.condition is required",
            act_def(run)->name);
    return ACT_DONE;
  }
  if (val_kind(items) != VAL_ARRAY) {
    err_set(err, ERR_EXPR_EVAL, NULL,
            "The execution of template action '%s' failed: the result of the "
            "evaluation of 'query' expression is of type '%s'. The result "
            "must be a valid array.",
            act_def(run)->name, val_kind_name(val_kind(items)));
    val_unref(items);
    return ACT_DONE;
  }
  in = val_object_new();
  val_object_set(in, "items", items);
  act_set_input_take(run, in);
  kept = val_array_new();
  n = val_array_len(items);
  for (i = 0; i < n; i++) {
    const Value *it = val_array_peek(items, i);
    Value *b = act_eval_item(run, cond, it, err);
    if (!b)
      break;
    if (val_kind(b) != VAL_BOOL) {
      err_set(err, ERR_EXPR_EVAL, NULL,
              "Filter '%s': the condition must evaluate to a Boolean, got "
              "'%s'",
              act_def(run)->name, val_kind_name(val_kind(b)));
      val_unref(b);
      break;
    }
    if (val_get_bool(b))
      val_array_push(kept, it);
    val_unref(b);
  }
  if (err_is_set(err)) {
    val_unref(kept);
    val_unref(items);
    return ACT_DONE;
  }
  out = val_object_new();
  val_object_set_take(out, "ItemsCount", 10, val_int((int64_t)n));
  val_object_set_take(out, "FilteredItemsCount", 18,
                      val_int((int64_t)val_array_len(kept)));
  val_object_set_take(out, "Value", 5, kept);
  act_set_output_take(run, out);
  val_unref(items);
  return ACT_DONE;
}

/* ---- The table
 * ---------------------------------------------------------------- */

/* clang-format off */
static const ActivityType leaf_ctl[] = {
  /* type              validate start            step       cancel cleanup */
  { "AppendVariable",  NULL,    appendvar_start, NULL,      NULL,  NULL },
  { "Fail",            NULL,    fail_start,      NULL,      NULL,  NULL },
  { "Filter",          NULL,    filter_start,    NULL,      NULL,  NULL },
  { "SetVariable",     NULL,    setvar_start,    NULL,      NULL,  NULL },
  { "Wait",            NULL,    wait_start,      wait_step, NULL,  wait_cleanup },
};
/* clang-format on */

static const ActivityType *const rows[] = {
    &leaf_ctl[0],     &ctl_execute_row, &leaf_ctl[1], &leaf_ctl[2],
    &ctl_foreach_row, &ctl_if_row,      &leaf_ctl[3], &ctl_switch_row,
    &ctl_until_row,   &leaf_ctl[4],
};

const ActivityType *ctl_find(const char *type)
{
  size_t i;

  for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
    if (strcasecmp(rows[i]->type, type) == 0)
      return rows[i];
  return NULL;
}

bool ctl_is_control(const ActivityType *t)
{
  size_t i;

  for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
    if (rows[i] == t)
      return true;
  return false;
}

size_t ctl_count(void)
{
  return sizeof(rows) / sizeof(rows[0]);
}

const ActivityType *ctl_at(size_t i)
{
  return i < ctl_count() ? rows[i] : NULL;
}
