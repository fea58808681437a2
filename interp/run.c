/*
 * interp/run.c -- a pipeline run: parameters, variables, pipeline(),
 *                 pre-run checks, latest results, the end of a run
 *
 * Everything that can be refused before the first activity starts is
 * refused here (run_precheck, parameter typing in run_new), so a run that
 * starts never fails for a reason the definition alone could show.
 */
#include "interp/run.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "expr/eval.h"
#include "expr/json.h"
#include "expr/strbuf.h"

/* ---- Types ------------------------------------------------------------------
 */

bool run_parse_type(const char *s, VarType *out)
{
  static const struct {
    const char *name;
    VarType t;
  } names[] = {
      {"String", VT_STRING}, {"SecureString", VT_STRING}, {"Int", VT_INT},
      {"Integer", VT_INT},   {"Float", VT_FLOAT},         {"Double", VT_FLOAT},
      {"Bool", VT_BOOL},     {"Boolean", VT_BOOL},        {"Array", VT_ARRAY},
      {"Object", VT_OBJECT}, {"SecureObject", VT_OBJECT}};
  size_t i;

  for (i = 0; s && i < sizeof(names) / sizeof(names[0]); i++)
    if (strcasecmp(s, names[i].name) == 0) {
      *out = names[i].t;
      return true;
    }
  return false;
}

const char *run_var_type_name(VarType t)
{
  switch (t) {
  case VT_STRING:
    return "String";
  case VT_INT:
    return "Integer";
  case VT_BOOL:
    return "Boolean";
  case VT_ARRAY:
    return "Array";
  case VT_FLOAT:
    return "Float";
  case VT_OBJECT:
    return "Object";
  }
  return "?";
}

static bool kind_fits(VarType t, ValKind k)
{
  switch (t) {
  case VT_STRING:
    return k == VAL_STRING;
  case VT_INT:
    return k == VAL_INT;
  case VT_BOOL:
    return k == VAL_BOOL;
  case VT_ARRAY:
    return k == VAL_ARRAY;
  case VT_FLOAT:
    return k == VAL_FLOAT || k == VAL_INT;
  case VT_OBJECT:
    return k == VAL_OBJECT;
  }
  return false;
}

static const char *type_of_decl(const Value *decl)
{
  const Value *t = decl && val_kind(decl) == VAL_OBJECT
                       ? val_object_peek_ci(decl, "type", 4)
                       : NULL;
  return t && val_kind(t) == VAL_STRING ? val_str(t) : NULL;
}

/* Converts a parameter value to its declared type: text from the command
 * line is parsed; typed values must fit (strings holding JSON are
 * accepted for Array/Object, as ADF passes arrays between pipelines as
 * text).  Returns a new reference or NULL with *err set. */
static Value *param_convert(const char *pname, const char *plname, VarType t,
                            const Value *v, bool is_text, Err *err)
{
  const char *s;
  char *end;
  Err jerr = ERR_INIT;
  Value *j;

  if (kind_fits(t, val_kind(v)) && !(is_text && t != VT_STRING)) {
    if (t == VT_FLOAT && val_kind(v) == VAL_INT)
      return val_float((double)val_get_int(v));
    return val_ref(v);
  }
  if (val_kind(v) != VAL_STRING)
    goto bad;
  s = val_str(v);
  switch (t) {
  case VT_STRING:
    return val_ref(v);
  case VT_INT: {
    long long ll;
    if (!*s)
      goto bad;
    ll = strtoll(s, &end, 10);
    if (*end)
      goto bad;
    return val_int(ll);
  }
  case VT_FLOAT: {
    double d;
    if (!*s)
      goto bad;
    d = strtod(s, &end);
    if (*end)
      goto bad;
    return val_float(d);
  }
  case VT_BOOL:
    if (strcasecmp(s, "true") == 0)
      return val_bool(true);
    if (strcasecmp(s, "false") == 0)
      return val_bool(false);
    goto bad;
  case VT_ARRAY:
  case VT_OBJECT:
    j = json_parse(s, strlen(s), NULL, &jerr);
    if (!j)
      goto bad;
    if (!kind_fits(t, val_kind(j))) {
      val_unref(j);
      goto bad;
    }
    return j;
  }
bad:
  err_set(err, ERR_PARAMETER, NULL,
          "parameter '%s' of pipeline '%s' is declared %s; the value given "
          "is %s%s%s%s",
          pname, plname, run_var_type_name(t),
          val_kind(v) == VAL_STRING ? "'" : "",
          val_kind(v) == VAL_STRING ? val_str(v) : "of type ",
          val_kind(v) == VAL_STRING ? "'" : val_kind_name(val_kind(v)), "");
  return NULL;
}

/* ---- Pre-run checks --------------------------------------------------------
 */

typedef struct Check {
  const Pipeline *pl;
  Err *err;
  const ActivityDef **all;
  size_t n_all;
} Check;

static bool fail_at(Check *c, const ActivityDef *a, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool fail_at(Check *c, const ActivityDef *a, const char *fmt, ...)
{
  va_list ap;
  StrBuf sb;

  sb_init(&sb);
  va_start(ap, fmt);
  sb_vprintf(&sb, fmt, ap);
  va_end(ap);
  err_set(c->err, ERR_PRERUN_CHECK, NULL, "%s", sb.s);
  sb_fini(&sb);
  if (a) {
    pipeline_loc(c->pl, a->path, &c->err->loc);
    err_set_path(c->err, a->path);
    err_set_target(c->err, a->name);
  }
  err_set_file(c->err, c->pl->file);
  return false;
}

static bool collect(void *ud, const ActivityDef *a)
{
  Check *c = ud;
  c->all = xrealloc(c->all, (c->n_all + 1) * sizeof(*c->all));
  c->all[c->n_all++] = a;
  return true;
}

typedef struct SelfRef {
  const char *name;
  bool hit;
} SelfRef;

static void selfref_fn(void *ud, const ExprRef *ref)
{
  SelfRef *sr = ud;
  if (ref->kind == EXPR_REF_VARIABLE && strlen(sr->name) == ref->name_len &&
      memcmp(sr->name, ref->name, ref->name_len) == 0)
    sr->hit = true;
}

static void selfref_walk(const Value *v, SelfRef *sr)
{
  size_t i;

  switch (val_kind(v)) {
  case VAL_STRING: {
    Err e = ERR_INIT;
    Expr *x;
    if (!memchr(val_str(v), '@', val_strlen(v)))
      return;
    x = expr_compile(val_str(v), val_strlen(v), &e);
    if (x) {
      expr_walk(x, selfref_fn, sr);
      expr_free(x);
    }
    return;
  }
  case VAL_ARRAY:
    for (i = 0; i < val_array_len(v); i++)
      selfref_walk(val_array_peek(v, i), sr);
    return;
  case VAL_OBJECT:
    for (i = 0; i < val_object_len(v); i++)
      selfref_walk(val_object_value_peek(v, i), sr);
    return;
  default:
    return;
  }
}

static bool check_variable_use(Check *c, const ActivityDef *a)
{
  bool is_set = strcasecmp(a->type, "SetVariable") == 0;
  bool is_app = strcasecmp(a->type, "AppendVariable") == 0;
  const Value *vn, *sys, *decl, *val;
  VarType t;

  if ((!is_set && !is_app) || a->inactive)
    return true;
  vn = val_object_peek_ci(a->type_props, "variableName", 12);
  if (!vn || val_kind(vn) != VAL_STRING)
    return fail_at(c, a, "%s '%s': typeProperties.variableName is required",
                   a->type, a->name);
  if (memchr(val_str(vn), '@', val_strlen(vn)))
    return true; /* computed name: checked at run time */
  sys = val_object_peek_ci(a->type_props, "setSystemVariable", 17);
  if (is_set && sys && val_kind(sys) == VAL_BOOL && val_get_bool(sys)) {
    if (strcmp(val_str(vn), "pipelineReturnValue") != 0)
      return fail_at(c, a,
                     "SetVariable '%s': setSystemVariable supports only "
                     "'pipelineReturnValue', not '%s'",
                     a->name, val_str(vn));
    return true;
  }
  decl = val_object_peek(c->pl->variables, val_str(vn));
  if (!decl)
    return fail_at(c, a,
                   "%s '%s' sets variable '%s', which is not declared in the "
                   "pipeline's variables",
                   a->type, a->name, val_str(vn));
  if (is_app && run_parse_type(type_of_decl(decl), &t) && t != VT_ARRAY)
    return fail_at(c, a,
                   "AppendVariable '%s' appends to variable '%s' of type '%s'; "
                   "only Array variables can be appended to",
                   a->name, val_str(vn), type_of_decl(decl));
  val = val_object_peek_ci(a->type_props, "value", 5);
  if (is_set && val) {
    SelfRef sr = {val_str(vn), false};
    selfref_walk(val, &sr);
    if (sr.hit)
      return fail_at(c, a,
                     "SetVariable '%s': the value references the variable "
                     "'%s' being set; ADF does not allow self-reference (set "
                     "a temporary variable first)",
                     a->name, val_str(vn));
  }
  return true;
}

/* activity('X') naming no activity of the pipeline (ADF-SPEC 6.9).  Every
 * expression of the activity is walked except its nested activity lists
 * (their activities are checked on their own); only literal names can be
 * checked. */
typedef struct RefCheck {
  const Pipeline *pl;
  const char *missing; /* borrowed from the compiled expression */
  size_t missing_len;
} RefCheck;

static void ref_fn(void *ud, const ExprRef *ref)
{
  RefCheck *rc = ud;
  char *nm;

  if (ref->kind != EXPR_REF_ACTIVITY || rc->missing)
    return;
  nm = xstrndup(ref->name, ref->name_len);
  if (!pipeline_find_activity(rc->pl, nm)) {
    rc->missing = ref->name;
    rc->missing_len = ref->name_len;
  }
  free(nm);
}

static bool is_block_key(const char *k)
{
  return strcasecmp(k, "activities") == 0 ||
         strcasecmp(k, "ifTrueActivities") == 0 ||
         strcasecmp(k, "ifFalseActivities") == 0 ||
         strcasecmp(k, "defaultActivities") == 0;
}

/* Walks 'v' at JSON path 'path'; depth 0 is the activity object, 1 its
 * members.  Fails 'c' on the first missing reference. */
static bool refs_walk(Check *c, const ActivityDef *a, const Value *v,
                      StrBuf *path, int depth, bool in_tp, bool in_cases)
{
  size_t i, mark = path->len;
  bool ok = true;

  switch (val_kind(v)) {
  case VAL_STRING: {
    Err e = ERR_INIT;
    RefCheck rc = {c->pl, NULL, 0};
    Expr *x;
    if (!memchr(val_str(v), '@', val_strlen(v)))
      return true;
    x = expr_compile(val_str(v), val_strlen(v), &e);
    if (!x)
      return true; /* syntax errors surface when the activity runs */
    expr_walk(x, ref_fn, &rc);
    if (rc.missing) {
      fail_at(c, a,
              "The template validation failed: 'The action(s) '%.*s' "
              "referenced by 'inputs' in action '%s' are not defined in the "
              "template' (activity('%.*s') names no activity of pipeline "
              "'%s')",
              (int)rc.missing_len, rc.missing, a->name, (int)rc.missing_len,
              rc.missing, c->pl->name);
      pipeline_loc(c->pl, path->s, &c->err->loc);
      ok = false;
    }
    expr_free(x);
    return ok;
  }
  case VAL_ARRAY:
    for (i = 0; ok && i < val_array_len(v); i++) {
      srcpath_index(path, i);
      ok = refs_walk(c, a, val_array_peek(v, i), path, depth + 1, in_tp,
                     in_cases);
      path->len = mark;
      path->s[mark] = '\0';
    }
    return ok;
  case VAL_OBJECT:
    for (i = 0; ok && i < val_object_len(v); i++) {
      size_t kl;
      const char *k = val_object_key_peek(v, i, &kl);
      bool tp = depth == 0 && strcasecmp(k, "typeProperties") == 0;
      if (depth == 0 &&
          (strcasecmp(k, "name") == 0 || strcasecmp(k, "dependsOn") == 0))
        continue;
      if (a->n_blocks &&
          ((in_tp && depth == 1 && is_block_key(k)) ||
           (in_cases && depth == 3 && strcasecmp(k, "activities") == 0)))
        continue;
      srcpath_key(path, k, kl);
      ok = refs_walk(c, a, val_object_value_peek(v, i), path, depth + 1,
                     tp || (in_tp && depth > 0),
                     in_cases ||
                         (in_tp && depth == 1 && strcasecmp(k, "cases") == 0));
      path->len = mark;
      path->s[mark] = '\0';
    }
    return ok;
  default:
    return true;
  }
}

static bool check_activity_refs(Check *c, const ActivityDef *a)
{
  const ActivityDef *p;
  StrBuf path;
  bool ok;

  for (p = a; p; p = p->parent)
    if (p->inactive)
      return true; /* inactive activities are not validated */
  if (!a->raw)
    return true;
  sb_init(&path);
  sb_puts(&path, a->path ? a->path : "");
  ok = refs_walk(c, a, a->raw, &path, 0, false, false);
  sb_fini(&path);
  return ok;
}

/* Cycle detection over one sibling list (colours: 0 new, 1 open, 2 done). */
static bool cycle_dfs(ActivityDef *const *acts, size_t n, size_t i, int *col,
                      size_t *at)
{
  size_t k, j;

  col[i] = 1;
  for (k = 0; k < acts[i]->n_deps; k++)
    for (j = 0; j < n; j++)
      if (strcmp(acts[j]->name, acts[i]->deps[k].activity) == 0) {
        if (col[j] == 1) {
          *at = j;
          return true;
        }
        if (col[j] == 0 && cycle_dfs(acts, n, j, col, at))
          return true;
      }
  col[i] = 2;
  return false;
}

static bool check_list(Check *c, ActivityDef *const *acts, size_t n)
{
  size_t i, j, k, at;
  int *col;

  for (i = 0; i < n; i++) {
    const ActivityDef *a = acts[i];
    for (k = 0; k < a->n_deps; k++) {
      const char *dn = a->deps[k].activity;
      bool found = false;
      for (j = 0; j < n && !found; j++)
        found = strcmp(acts[j]->name, dn) == 0;
      if (found && strcmp(dn, a->name) == 0)
        return fail_at(c, a, "activity '%s' depends on itself", a->name);
      if (found)
        continue;
      if (pipeline_find_activity(c->pl, dn))
        return fail_at(c, a,
                       "activity '%s' depends on '%s', which is in another "
                       "container (dependsOn may only name activities of "
                       "the same list)",
                       a->name, dn);
      return fail_at(c, a,
                     "The 'runAfter' property of template action '%sScope' "
                     "contains non-existent action: '%s' (activity '%s' "
                     "depends on an activity that does not exist)",
                     a->name, dn, a->name);
    }
    if (!check_variable_use(c, a))
      return false;
    if (!check_activity_refs(c, a))
      return false;
    for (k = 0; k < a->n_blocks; k++)
      if (!check_list(c, a->blocks[k].acts, a->blocks[k].n_acts))
        return false;
  }
  col = xcalloc(n ? n : 1, sizeof(int));
  for (i = 0; i < n; i++)
    if (!col[i] && cycle_dfs(acts, n, i, col, &at)) {
      free(col);
      return fail_at(c, acts[at],
                     "dependsOn forms a cycle through activity '%s'",
                     acts[at]->name);
    }
  free(col);
  return true;
}

bool run_precheck(const Pipeline *pl, Err *err)
{
  Check c = {pl, err, NULL, 0};
  size_t i, j;
  bool ok = true;
  VarType t;

  pipeline_walk(pl, collect, &c);
  for (i = 0; i < c.n_all && ok; i++)
    for (j = 0; j < i && ok; j++)
      if (strcmp(c.all[i]->name, c.all[j]->name) == 0)
        ok = fail_at(&c, c.all[i],
                     "duplicate activity name '%s' (also at %s); names must "
                     "be unique in the whole pipeline, containers included",
                     c.all[i]->name, c.all[j]->path ? c.all[j]->path : "?");
  free(c.all);
  if (!ok)
    return false;
  for (i = 0; pl->variables && i < val_object_len(pl->variables); i++) {
    const char *vn = val_object_key_peek(pl->variables, i, NULL);
    const char *ty = type_of_decl(val_object_value_peek(pl->variables, i));
    if (ty && !run_parse_type(ty, &t))
      return fail_at(&c, NULL,
                     "variable '%s' has unknown type '%s' (expected String, "
                     "Integer, Boolean or Array)",
                     vn, ty);
  }
  return check_list(&c, pl->acts, pl->n_acts);
}

/* ---- Runs ------------------------------------------------------------------
 */

static void sys_set(Value *o, const char *k, Value *v)
{
  val_object_set_take(o, k, strlen(k), v);
}

/* The service evaluates templates in variable defaults when the run
 * starts ("@{pipeline().parameters.eventEndTime}", azure-docs #56025), in
 * declaration order, so a default may read parameters, system variables
 * and the variables declared before it.  The result must fit the
 * variable's type. */
static bool var_templates(PipelineRun *r, Err *err)
{
  const Pipeline *pl = r->pl;
  EvalEnv env = *sched_scope_env(r->root); /* same variables/clock/random */
  size_t i;

  env.activity = NULL; /* no activity has run yet */
  for (i = 0; i < r->n_vars; i++) {
    const Value *d = val_object_value_peek(pl->variables, i);
    const Value *dv = val_kind(d) == VAL_OBJECT
                          ? val_object_peek_ci(d, "defaultValue", 12)
                          : NULL;
    Variable *var = &r->vars[i];
    Value *x, *y;
    if (!dv || val_kind(dv) != VAL_STRING ||
        !memchr(val_str(dv), '@', val_strlen(dv)))
      continue;
    x = expr_eval_string(val_str(dv), val_strlen(dv), &env, err);
    if (!x) {
      err_set_path(err, "defaultValue");
      err_set_target(err, var->name);
      return false;
    }
    y = param_convert(var->name, pl->name, var->type, x, false, err);
    if (!y) {
      err_clear(err);
      err_set(err, ERR_VARIABLE_TYPE, NULL,
              "The variable '%s' of type '%s' cannot be initialized or "
              "updated with value of type '%s'. The variable only "
              "supports values of types '%s'.",
              var->name, run_var_type_name(var->type),
              val_kind_name(val_kind(x)), run_var_type_name(var->type));
      val_unref(x);
      return false;
    }
    val_unref(x);
    val_unref(var->val);
    var->val = y;
  }
  return true;
}

PipelineRun *run_new(Engine *eng, const Pipeline *pl, const Factory *f,
                     const RunArgs *args, PipelineRun *parent, ActRun *caller,
                     Err *err)
{
  PipelineRun *r = xcalloc(1, sizeof(*r));
  const Value *decls = pl->parameters, *given = args ? args->params : NULL;
  const Value *texts = args ? args->text_params : NULL;
  size_t i;
  char tbuf[32], hex[40];

  r->eng = eng;
  r->pl = pl;
  r->factory = f;
  r->parent = parent;
  r->caller = caller;
  report_init(&r->rep);
  r->status = RS_PENDING;
  engine_guid(eng, r->run_id);
  if (parent)
    memcpy(r->group_id, parent->group_id, sizeof(r->group_id));
  else
    engine_guid(eng, r->group_id);
  r->params = val_object_new();
  /* parameters given but not declared */
  for (i = 0; given && i < val_object_len(given); i++) {
    const char *k = val_object_key_peek(given, i, NULL);
    if (!decls || !val_object_peek(decls, k)) {
      err_set(err, ERR_PARAMETER, NULL,
              "pipeline '%s' has no parameter named '%s'", pl->name, k);
      goto fail;
    }
  }
  for (i = 0; texts && i < val_object_len(texts); i++) {
    const char *k = val_object_key_peek(texts, i, NULL);
    if (!decls || !val_object_peek(decls, k)) {
      err_set(err, ERR_PARAMETER, NULL,
              "pipeline '%s' has no parameter named '%s'", pl->name, k);
      goto fail;
    }
  }
  for (i = 0; decls && i < val_object_len(decls); i++) {
    const char *k = val_object_key_peek(decls, i, NULL);
    const Value *d = val_object_value_peek(decls, i);
    const char *ty = type_of_decl(d);
    const Value *v = texts ? val_object_peek(texts, k) : NULL;
    bool text = v != NULL;
    VarType t = VT_STRING;
    Value *x;

    if (!v && given)
      v = val_object_peek(given, k);
    if (ty && !run_parse_type(ty, &t)) {
      err_set(err, ERR_PARAMETER, NULL,
              "parameter '%s' of pipeline '%s' has unknown type '%s'", k,
              pl->name, ty);
      goto fail;
    }
    if (!v) {
      v = val_kind(d) == VAL_OBJECT ? val_object_peek_ci(d, "defaultValue", 12)
                                    : NULL;
      text = false;
      if (!v && parent) {
        /* A child run whose caller leaves out a parameter without
         * defaultValue starts with it null: real factories rely on this
         * (Tonilifter's 37 calls of OperationalLogPipeline guard such
         * parameters with coalesce()/empty(); docs/corpus-runs.md). */
        val_object_set_take(r->params, k, strlen(k), val_null());
        continue;
      }
      if (!v) {
        err_set(err, ERR_PARAMETER, NULL,
                "pipeline '%s' needs a value for parameter '%s' (%s, no "
                "defaultValue); pass -p %s=...",
                pl->name, k, ty ? ty : "String", k);
        goto fail;
      }
    }
    x = param_convert(k, pl->name, t, v, text, err);
    if (!x)
      goto fail;
    if (ty && strcasecmp(ty, "SecureString") == 0 && val_kind(x) == VAL_STRING)
      engine_add_secret(eng, val_str(x));
    val_object_set_take(r->params, k, strlen(k), x);
  }
  /* global parameters: factory declarations, then --global overrides */
  r->globals = val_object_new();
  if (parent) {
    val_unref(r->globals);
    r->globals = val_ref(parent->globals);
  } else {
    const Value *g = f ? f->global_parameters : NULL;
    for (i = 0; g && i < val_object_len(g); i++) {
      const char *k = val_object_key_peek(g, i, NULL);
      const Value *d = val_object_value_peek(g, i);
      const Value *v =
          val_kind(d) == VAL_OBJECT ? val_object_peek_ci(d, "value", 5) : NULL;
      val_object_set(r->globals, k, v ? v : val_null());
    }
    for (i = 0; args && args->globals && i < val_object_len(args->globals);
         i++) {
      const char *k = val_object_key_peek(args->globals, i, NULL);
      const Value *v = val_object_value_peek(args->globals, i);
      const Value *d = g ? val_object_peek(g, k) : NULL;
      VarType t;
      Value *x;
      if (d && run_parse_type(type_of_decl(d), &t)) {
        x = param_convert(k, "(global)", t, v, val_kind(v) == VAL_STRING, err);
        if (!x)
          goto fail;
      } else {
        x = val_ref(v);
      }
      val_object_set_take(r->globals, k, strlen(k), x);
    }
  }
  /* variables */
  if (pl->variables && val_object_len(pl->variables)) {
    size_t n = val_object_len(pl->variables);
    r->vars = xcalloc(n, sizeof(Variable));
    for (i = 0; i < n; i++) {
      const char *k = val_object_key_peek(pl->variables, i, NULL);
      const Value *d = val_object_value_peek(pl->variables, i);
      const Value *dv = val_kind(d) == VAL_OBJECT
                            ? val_object_peek_ci(d, "defaultValue", 12)
                            : NULL;
      Variable *var = &r->vars[r->n_vars++];
      VarType t = VT_STRING;
      run_parse_type(type_of_decl(d), &t);
      var->name = xstrdup(k);
      var->type = t;
      if (dv && val_kind(dv) == VAL_STRING &&
          memchr(val_str(dv), '@', val_strlen(dv)))
        dv = NULL; /* a template: evaluated once pipeline() exists */
      if (dv && val_kind(dv) != VAL_NULL) {
        Value *x = param_convert(k, pl->name, t, dv, false, err);
        if (!x) {
          err_clear(err);
          err_set(err, ERR_VARIABLE_TYPE, NULL,
                  "The variable '%s' of type '%s' cannot be initialized or "
                  "updated with value of type '%s'. The variable only "
                  "supports values of types '%s'.",
                  k, run_var_type_name(t), val_kind_name(val_kind(dv)),
                  run_var_type_name(t));
          goto fail;
        }
        var->val = x;
      } else {
        switch (t) {
        case VT_STRING:
          var->val = val_cstr("");
          break;
        case VT_INT:
          var->val = val_int(0);
          break;
        case VT_FLOAT:
          var->val = val_float(0);
          break;
        case VT_BOOL:
          var->val = val_bool(false);
          break;
        case VT_ARRAY:
          var->val = val_array_new();
          break;
        case VT_OBJECT:
          var->val = val_object_new();
          break;
        }
      }
    }
  }
  /* pipeline() */
  r->start = clk_now(engine_clock(eng));
  clk_format(r->start, tbuf);
  r->sys = val_object_new();
  sys_set(r->sys, "DataFactory", val_cstr(f && f->name ? f->name : "adfrun"));
  sys_set(r->sys, "Pipeline", val_cstr(pl->name));
  sys_set(r->sys, "RunId", val_cstr(r->run_id));
  sys_set(r->sys, "TriggerType",
          val_cstr(parent ? "PipelineActivity" : "Manual"));
  if (parent) {
    sys_set(r->sys, "TriggerId", val_cstr(caller ? act_run_id(caller) : ""));
    sys_set(r->sys, "TriggerName",
            val_cstr(caller ? act_def(caller)->name : parent->pl->name));
  } else {
    size_t j, o = 0;
    engine_guid(eng, hex);
    for (j = 0; hex[j]; j++)
      if (hex[j] != '-')
        hex[o++] = hex[j];
    hex[o] = 0;
    sys_set(r->sys, "TriggerId", val_cstr(hex));
    sys_set(r->sys, "TriggerName", val_cstr("Manual"));
  }
  sys_set(r->sys, "TriggerTime", val_cstr(tbuf));
  sys_set(r->sys, "GroupId", val_cstr(r->group_id));
  sys_set(r->sys, "TriggeredByPipelineName",
          parent ? val_cstr(parent->pl->name) : val_null());
  sys_set(r->sys, "TriggeredByPipelineRunId",
          parent ? val_cstr(parent->run_id) : val_null());
  sys_set(r->sys, "parameters", val_ref(r->params));
  sys_set(r->sys, "globalParameters", val_ref(r->globals));
  /* created here (started by run_start) so defaults use its EvalEnv */
  r->root =
      sched_scope_new(r->eng, r, NULL, r->pl->acts, r->pl->n_acts, NULL, 0);
  if (!var_templates(r, err))
    goto fail;
  return r;
fail:
  run_free(r);
  return NULL;
}

void run_start(PipelineRun *r)
{
  r->status = RS_IN_PROGRESS;
  sched_run_started(r->eng);
  if (!r->parent)
    sched_register_top(r->eng, r);
  sched_emit_run(r->eng, EV_RUN_START, r);
  sched_scope_start(r->root);
}

void run_finish(PipelineRun *r)
{
  const char *name, *msg;
  StrBuf sb;

  if (r->done)
    return;
  r->done = true;
  r->end = clk_now(engine_clock(r->eng));
  r->status = sched_scope_status(r->root);
  sb_init(&sb);
  if (r->status == RS_FAILED && sched_scope_failure(r->root, &name, NULL, &msg))
    sb_printf(&sb, "Operation on target %s failed: %s", name, msg);
  else if (r->status == RS_CANCELLED)
    sb_puts(&sb, "The pipeline run was cancelled");
  free(r->message);
  r->message = sb_take(&sb);
  sched_run_ended(r->eng);
  sched_emit_run(r->eng, EV_RUN_END, r);
  if (r->caller)
    act_wake(r->caller);
}

void run_free(PipelineRun *r)
{
  size_t i;

  if (!r)
    return;
  for (i = 0; i < r->n_children; i++)
    run_free(r->children[i]);
  free(r->children);
  sched_scope_free(r->root);
  val_unref(r->params);
  val_unref(r->globals);
  val_unref(r->sys);
  for (i = 0; i < r->n_vars; i++) {
    free(r->vars[i].name);
    val_unref(r->vars[i].val);
    val_unref(r->vars[i].builder);
  }
  free(r->vars);
  val_unref(r->return_value);
  for (i = 0; i < r->n_extra; i++)
    pipeline_free(r->extra[i]);
  free(r->extra);
  for (i = 0; i < r->n_last; i++)
    val_unref(r->last[i].result);
  free(r->last);
  report_fini(&r->rep);
  free(r->message);
  free(r);
}

/* ---- Variables -------------------------------------------------------------
 */

Variable *run_var_find(PipelineRun *r, const char *name)
{
  size_t i;

  for (i = 0; i < r->n_vars; i++)
    if (strcmp(r->vars[i].name, name) == 0)
      return &r->vars[i];
  for (i = 0; i < r->n_vars; i++)
    if (strcasecmp(r->vars[i].name, name) == 0)
      return &r->vars[i];
  return NULL;
}

const Value *run_var_get(PipelineRun *r, const char *name, size_t len)
{
  size_t i;
  Variable *v = NULL;

  for (i = 0; i < r->n_vars && !v; i++)
    if (strlen(r->vars[i].name) == len &&
        memcmp(r->vars[i].name, name, len) == 0)
      v = &r->vars[i];
  for (i = 0; i < r->n_vars && !v; i++)
    if (strlen(r->vars[i].name) == len &&
        strncasecmp(r->vars[i].name, name, len) == 0)
      v = &r->vars[i];
  if (!v)
    return NULL;
  if (v->builder) { /* publish: the builder becomes the shared value */
    val_unref(v->val);
    v->val = v->builder;
    v->builder = NULL;
  }
  return v->val;
}

bool run_var_set_take(PipelineRun *r, Variable *var, Value *v, Err *err)
{
  (void)r;
  if (!kind_fits(var->type, val_kind(v))) {
    err_set(err, ERR_VARIABLE_TYPE, NULL,
            "The variable '%s' of type '%s' cannot be initialized or updated "
            "with value of type '%s'. The variable only supports values of "
            "types '%s'.",
            var->name, run_var_type_name(var->type), val_kind_name(val_kind(v)),
            run_var_type_name(var->type));
    val_unref(v);
    return false;
  }
  val_unref(var->builder);
  var->builder = NULL;
  val_unref(var->val);
  var->val = v;
  return true;
}

bool run_var_append(PipelineRun *r, Variable *var, const Value *item, Err *err)
{
  (void)r;
  if (var->type != VT_ARRAY)
    return err_set(err, ERR_VARIABLE_TYPE, NULL,
                   "The variable '%s' of type '%s' cannot be appended to. "
                   "AppendVariable only supports variables of type 'Array'.",
                   var->name, run_var_type_name(var->type));
  if (!var->builder) {
    /* take the published value private again: one O(n) copy after each
     * read, O(1) per append otherwise */
    var->builder = val_copy(var->val);
    val_unref(var->val);
    var->val = NULL;
  }
  val_array_push(var->builder, item);
  return true;
}

/* ---- Latest results
 * ---------------------------------------------------------- */

const Value *run_last_result(const PipelineRun *r, const char *name, size_t len)
{
  size_t i;

  for (i = 0; i < r->n_last; i++)
    if (strlen(r->last[i].name) == len &&
        memcmp(r->last[i].name, name, len) == 0)
      return r->last[i].result;
  return NULL;
}

void run_set_last_result(PipelineRun *r, const char *name, const Value *res)
{
  size_t i;

  for (i = 0; i < r->n_last; i++)
    if (strcmp(r->last[i].name, name) == 0) {
      val_unref(r->last[i].result);
      r->last[i].result = val_ref(res);
      return;
    }
  r->last = xrealloc(r->last, (r->n_last + 1) * sizeof(LastResult));
  r->last[r->n_last].name = name;
  r->last[r->n_last++].result = val_ref(res);
}
