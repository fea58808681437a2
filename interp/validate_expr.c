/*
 * interp/validate_expr.c -- every expression of a definition, checked
 *
 * Walks every string of every active activity (nested activity lists are
 * visited as activities of their own), compiles the ones holding an '@'
 * and checks what they reference: activity('X') must name an activity
 * that has finished when the expression runs, variables and parameters
 * must be declared, item() needs a ForEach, and so on.  Findings point at
 * the column of the fault inside the JSON string.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "expr/eval.h"
#include "interp/validate_impl.h"

/* What the string being checked is, for the context-dependent rules. */
typedef enum StrRole {
  ROLE_PLAIN,
  ROLE_BOOLEAN,     /* IfCondition/Until expression */
  ROLE_UNTIL_EXPR,  /* Until expression: may read its inner activities */
  ROLE_FILTER_COND, /* Filter condition: item() allowed */
  ROLE_SETVAR_VALUE /* SetVariable value: no self-reference */
} StrRole;

typedef struct XWalk {
  VCtx *c; /* NULL for resources */
  const VOptions *opt;
  FindingList *out;
  VSrc *src;
  int act; /* index of the activity, -1 for resources */
  StrBuf path;
  unsigned roles;     /* bits of 1 << StrRole for the current string */
  const char *setvar; /* SetVariable target, for self-references */
  /* Resources: */
  const char *accessor; /* "dataset" or "linkedService" */
  const Value *params;  /* declared parameters of the resource */
  const char *res_name;
  /* Current expression: */
  const Expr *e;
  const char *spath;
  const char *stext;
} XWalk;

static void xemit(XWalk *w, VRuleId rule, int off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void xemit(XWalk *w, VRuleId rule, int off, const char *fmt, ...)
{
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  v_emit_src(w->opt, w->out, w->src, rule, w->spath, off, w->stext, "%s", msg);
}

/* ---- activity('X'): upstream and may-not-have-run ----------------------- */

static bool is_type(const ActivityDef *a, const char *t)
{
  return strcasecmp(a->type, t) == 0;
}

static bool is_ancestor(const VCtx *c, int anc, int j)
{
  for (int k = c->acts[j].parent; k >= 0; k = c->acts[k].parent)
    if (k == anc)
      return true;
  return false;
}

/* Finds z in chain(i) and x in chain(j) with x upstream of z. */
static bool find_upstream(const VCtx *c, int i, int j, int *oz, int *ox)
{
  for (int z = i; z >= 0; z = c->acts[z].parent)
    for (int x = j; x >= 0; x = c->acts[x].parent)
      if (c->acts[x].scope == c->acts[z].scope && v_is_pred(c, z, x)) {
        *oz = z;
        *ox = x;
        return true;
      }
  return false;
}

/* True when j ran whenever 'top' (an ancestor of j, or j) ran: no
 * conditional container (IfCondition, Switch, or a ForEach that may get
 * no items) lies between them.  Inner dependencies are not considered:
 * an inner activity skipped because another inner one failed is a
 * failure path, not the "may be skipped" the rule is about. */
static bool runs_with(const VCtx *c, int top, int j)
{
  for (int k = j; k != top; k = c->acts[k].parent) {
    if (k < 0 || c->acts[k].a->inactive)
      return false;
    int par = c->acts[k].parent;
    if (par >= 0 && !is_type(c->acts[par].a, "Until"))
      return false;
  }
  return true;
}

static void check_activity_ref(XWalk *w, const ExprRef *r)
{
  VCtx *c = w->c;
  int j = v_find(c, r->name, r->name_len);
  if (j < 0) {
    xemit(w, VR_ACTIVITY_MISSING, r->off,
          "activity('%.*s') names no activity of this pipeline",
          (int)r->name_len, r->name);
    return;
  }
  int i = w->act, z, x;
  for (int k = i; k >= 0; k = c->acts[k].parent)
    if (c->unsure[k])
      return; /* its upstream set is unknown: ADF010/011/012 say why */
  const char *jn = c->acts[j].a->name, *in = c->acts[i].a->name;
  bool inner = is_ancestor(c, i, j);
  if (j == i) {
    xemit(w, VR_NOT_UPSTREAM, r->off,
          "activity '%s' reads its own result with activity('%s')", in, jn);
    return;
  }
  if (inner) {
    if (!(w->roles & (1u << ROLE_UNTIL_EXPR)))
      xemit(w, VR_NOT_UPSTREAM, r->off,
            "'%s' reads activity('%s'), which runs inside it and has not run "
            "when this property is evaluated",
            in, jn);
    else if (r->unsafe_output && !runs_with(c, i, j))
      xemit(w, VR_UNSAFE_OUTPUT, r->off,
            "activity('%s').output is read without '?.' but '%s' may not "
            "have run in the last iteration of '%s'",
            jn, jn, in);
    return;
  }
  if (!find_upstream(c, i, j, &z, &x)) {
    if (is_ancestor(c, j, i))
      xemit(w, VR_NOT_UPSTREAM, r->off,
            "'%s' reads activity('%s'), the container it runs in, which has "
            "not finished yet",
            in, jn);
    else
      xemit(w, VR_NOT_UPSTREAM, r->off,
            "'%s' reads activity('%s'), but '%s' is not upstream of it (add "
            "a dependsOn path from '%s')",
            in, jn, jn, jn);
    return;
  }
  if (!r->unsafe_output)
    return;
  if (c->acts[j].a->inactive) {
    xemit(w, VR_UNSAFE_OUTPUT, r->off,
          "activity('%s').output is read, but '%s' is Inactive and has no "
          "output",
          jn, jn);
    return;
  }
  bool safe = false;
  for (int zz = i; zz >= 0 && !safe; zz = c->acts[zz].parent)
    for (int xx = j; xx >= 0 && !safe; xx = c->acts[xx].parent)
      if (c->acts[xx].scope == c->acts[zz].scope && v_ran_before(c, zz, xx) &&
          runs_with(c, xx, j))
        safe = true;
  if (!safe)
    xemit(w, VR_UNSAFE_OUTPUT, r->off,
          "activity('%s').output is read without '?.' but '%s' may have been "
          "skipped when '%s' runs (use activity('%s')?.output or depend on "
          "it with Succeeded)",
          jn, jn, in, jn);
}

/* ---- References -------------------------------------------------------------
 */

static bool in_foreach(const VCtx *c, int i)
{
  for (int k = c->acts[i].parent; k >= 0; k = c->acts[k].parent)
    if (is_type(c->acts[k].a, "ForEach"))
      return true;
  return false;
}

static bool factory_declares_globals(const Factory *f)
{
  if (!f)
    return false;
  for (size_t i = 0; i < f->n_resources; i++)
    if (f->resources[i]->kind == RES_FACTORY)
      return true;
  return false;
}

static void on_ref(void *ud, const ExprRef *r)
{
  XWalk *w = ud;
  VCtx *c = w->c;
  if (!c) { /* a dataset or linked service */
    switch (r->kind) {
    case EXPR_REF_DATASET:
    case EXPR_REF_LINKED: {
      bool mine = (r->kind == EXPR_REF_DATASET) ==
                  (strcmp(w->accessor, "dataset") == 0);
      if (!mine) {
        xemit(w, VR_ACCESSOR_SCOPE, r->off, "%s() is not available in a %s",
              r->kind == EXPR_REF_DATASET ? "dataset" : "linkedService",
              strcmp(w->accessor, "dataset") == 0 ? "dataset"
                                                  : "linked service");
      } else if (!w->params ||
                 !val_object_peek_ci(w->params, r->name, r->name_len)) {
        xemit(w, VR_PARAMETER_UNDECLARED, r->off,
              "%s().%.*s: '%s' declares no parameter '%.*s'", w->accessor,
              (int)r->name_len, r->name, w->res_name, (int)r->name_len,
              r->name);
      }
      break;
    }
    default:
      /* item(), activity(), variables() in a dataset are evaluated in
       * the context of the activity that uses it: factories rely on it,
       * so they are not findings. */
      break;
    }
    return;
  }
  switch (r->kind) {
  case EXPR_REF_ACTIVITY:
    check_activity_ref(w, r);
    break;
  case EXPR_REF_VARIABLE: {
    const Value *vars = c->p->variables;
    if (!val_object_peek_ci(vars, r->name, r->name_len))
      xemit(w, VR_VARIABLE_UNDECLARED, r->off,
            "variables('%.*s'): the pipeline declares no variable '%.*s'",
            (int)r->name_len, r->name, (int)r->name_len, r->name);
    else if ((w->roles & (1u << ROLE_SETVAR_VALUE)) && w->setvar &&
             strlen(w->setvar) == r->name_len &&
             strncmp(w->setvar, r->name, r->name_len) == 0)
      xemit(w, VR_SELF_REFERENCE, r->off,
            "SetVariable '%s' reads variable '%s' while setting it (use a "
            "second variable)",
            c->acts[w->act].a->name, w->setvar);
    break;
  }
  case EXPR_REF_PARAMETER:
    if (!val_object_peek_ci(c->p->parameters, r->name, r->name_len))
      xemit(w, VR_PARAMETER_UNDECLARED, r->off,
            "pipeline().parameters.%.*s: pipeline '%s' declares no parameter "
            "'%.*s'",
            (int)r->name_len, r->name, c->p->name, (int)r->name_len, r->name);
    break;
  case EXPR_REF_GLOBAL:
    if (factory_declares_globals(c->factory) &&
        !val_object_peek_ci(c->factory->global_parameters, r->name,
                            r->name_len))
      xemit(w, VR_PARAMETER_UNDECLARED, r->off,
            "pipeline().globalParameters.%.*s: the factory declares no global "
            "parameter '%.*s'",
            (int)r->name_len, r->name, (int)r->name_len, r->name);
    break;
  case EXPR_REF_ITEM:
    if (!in_foreach(c, w->act) && !(w->roles & (1u << ROLE_FILTER_COND)))
      xemit(w, VR_ITEM_SCOPE, r->off,
            "item() is only defined inside a ForEach or in a Filter "
            "condition, and '%s' is in neither",
            c->acts[w->act].a->name);
    break;
  case EXPR_REF_DATASET:
  case EXPR_REF_LINKED:
    xemit(w, VR_ACCESSOR_SCOPE, r->off,
          "%s() is only available inside %s definitions, not in a pipeline",
          r->kind == EXPR_REF_DATASET ? "dataset" : "linkedService",
          r->kind == EXPR_REF_DATASET ? "dataset" : "linked service");
    break;
  default:
    break;
  }
}

/* ---- Boolean-valued properties ----------------------------------------------
 */

/* Functions whose result is never a boolean. */
static const char *const non_bool_fns[] = {
    "add",
    "addDays",
    "addHours",
    "addMinutes",
    "addSeconds",
    "addToTime",
    "array",
    "base64",
    "base64ToBinary",
    "base64ToString",
    "binary",
    "concat",
    "convertFromUtc",
    "convertTimeZone",
    "convertToUtc",
    "createArray",
    "dataUri",
    "dataUriToBinary",
    "dataUriToString",
    "dayOfMonth",
    "dayOfWeek",
    "dayOfYear",
    "decodeBase64",
    "decodeDataUri",
    "decodeUriComponent",
    "div",
    "encodeUriComponent",
    "float",
    "formatDateTime",
    "getFutureTime",
    "getPastTime",
    "guid",
    "indexOf",
    "int",
    "intersection",
    "join",
    "lastIndexOf",
    "length",
    "max",
    "min",
    "mod",
    "mul",
    "rand",
    "range",
    "replace",
    "skip",
    "split",
    "startOfDay",
    "startOfHour",
    "startOfMonth",
    "string",
    "sub",
    "substring",
    "subtractFromTime",
    "take",
    "ticks",
    "toLower",
    "toUpper",
    "trim",
    "union",
    "uriComponent",
    "uriComponentToBinary",
    "uriComponentToString",
    "utcNow",
    "xml",
};

typedef struct RootFind {
  size_t start, end; /* span of the whole expression */
  const char *fn;    /* root call name or NULL */
  size_t fn_len;
  bool any_call;
} RootFind;

static void on_root(void *ud, const ExprRef *r)
{
  RootFind *rf = ud;
  if (r->kind != EXPR_REF_CALL)
    return;
  rf->any_call = true;
  if (!rf->fn && (size_t)r->off == rf->start &&
      (size_t)(r->off + r->len) == rf->end) {
    rf->fn = r->name;
    rf->fn_len = r->name_len;
  }
}

static void check_boolean(XWalk *w, const Expr *e, const char *s, size_t len)
{
  const char *what = w->c ? w->c->acts[w->act].a->type : "";
  if (expr_is_literal(e)) {
    xemit(w, VR_NOT_BOOLEAN, 0,
          "the %s expression is the plain string '%s', not a boolean (write "
          "an expression such as @equals(...))",
          what, s);
    return;
  }
  if (len < 2 || s[0] != '@' || s[1] == '{') {
    xemit(w, VR_NOT_BOOLEAN, 0,
          "the %s expression uses @{...} interpolation, which always yields "
          "a string, not a boolean",
          what);
    return;
  }
  RootFind rf = {1, len, NULL, 0, false};
  while (rf.start < len && strchr(" \t\r\n", s[rf.start]))
    rf.start++;
  while (rf.end > rf.start && strchr(" \t\r\n", s[rf.end - 1]))
    rf.end--;
  expr_walk(e, on_root, &rf);
  if (!rf.any_call) {
    size_t n = rf.end - rf.start;
    const char *t = s + rf.start;
    if (!((n == 4 && strncasecmp(t, "true", 4) == 0) ||
          (n == 5 && strncasecmp(t, "false", 5) == 0)))
      xemit(w, VR_NOT_BOOLEAN, (int)rf.start,
            "the %s expression is the literal %.*s, not a boolean", what,
            (int)n, t);
    return;
  }
  if (!rf.fn)
    return;
  for (size_t i = 0; i < sizeof(non_bool_fns) / sizeof(non_bool_fns[0]); i++)
    if (strlen(non_bool_fns[i]) == rf.fn_len &&
        strncasecmp(non_bool_fns[i], rf.fn, rf.fn_len) == 0) {
      xemit(w, VR_NOT_BOOLEAN, (int)rf.start,
            "the %s expression returns the result of %.*s(), which is not a "
            "boolean",
            what, (int)rf.fn_len, rf.fn);
      return;
    }
}

/* ---- Strings
 * ------------------------------------------------------------------ */

/* Absolute offset of a compile error inside the source (the error's
 * span is relative to a window of at most 511 bytes). */
static int error_offset(const char *s, size_t len, const Err *err)
{
  if (err->loc.off < 0)
    return 0;
  size_t wl = strlen(err->loc.expr);
  if (len <= wl)
    return err->loc.off;
  for (size_t start = 0; start + wl <= len; start++) {
    size_t k = 0;
    for (; k < wl; k++) {
      char ch = s[start + k];
      if (ch == '\n' || ch == '\r' || ch == '\0')
        ch = ' ';
      if (ch != err->loc.expr[k])
        break;
    }
    if (k == wl)
      return (int)start + err->loc.off;
  }
  return 0;
}

static void check_string(XWalk *w, const char *s, size_t len)
{
  bool boolean = (w->roles & (1u << ROLE_BOOLEAN)) != 0;
  if (!memchr(s, '@', len)) {
    if (boolean) {
      Err err = ERR_INIT;
      Expr *e = expr_compile(s, len, &err);
      w->spath = w->path.s;
      w->stext = NULL;
      if (e)
        check_boolean(w, e, s, len);
      expr_free(e);
    }
    return;
  }
  Err err = ERR_INIT;
  Expr *e = expr_compile(s, len, &err);
  w->spath = w->path.s;
  w->stext = s;
  if (!e) {
    VRuleId rule = err.code == ERR_EXPR_UNKNOWN_FUNCTION ? VR_UNKNOWN_FUNCTION
                   : err.code == ERR_EXPR_ARITY          ? VR_ARITY
                   : err.code == ERR_EXPR_TOO_LONG       ? VR_EXPR_TOO_LONG
                                                         : VR_EXPR_SYNTAX;
    /* Triggers' trigger()/triggerBody() live outside the function table. */
    xemit(w, rule, error_offset(s, len, &err), "%s", err.msg);
    return;
  }
  w->e = e;
  expr_walk(e, on_ref, w);
  if (boolean)
    check_boolean(w, e, s, len);
  w->e = NULL;
  expr_free(e);
}

static bool is_nested_list_key(const char *k)
{
  return strcmp(k, "activities") == 0 || strcmp(k, "ifTrueActivities") == 0 ||
         strcmp(k, "ifFalseActivities") == 0 ||
         strcmp(k, "defaultActivities") == 0;
}

static void walk_value(XWalk *w, const Value *v, int depth);

static void walk_member(XWalk *w, const char *k, size_t klen, const Value *x,
                        int depth, unsigned add_roles)
{
  size_t base = w->path.len;
  unsigned saved = w->roles;
  w->roles |= add_roles;
  srcpath_key(&w->path, k, klen);
  walk_value(w, x, depth + 1);
  w->roles = saved;
  w->path.len = base;
  w->path.s[base] = '\0';
}

static void walk_value(XWalk *w, const Value *v, int depth)
{
  switch (val_kind(v)) {
  case VAL_STRING:
    check_string(w, val_str(v), val_strlen(v));
    return;
  case VAL_ARRAY: {
    size_t base = w->path.len;
    for (size_t i = 0; i < val_array_len(v); i++) {
      srcpath_index(&w->path, i);
      walk_value(w, val_array_peek(v, i), depth + 1);
      w->path.len = base;
      w->path.s[base] = '\0';
    }
    return;
  }
  case VAL_OBJECT: {
    size_t n = val_object_len(v), klen;
    for (size_t i = 0; i < n; i++) {
      const char *k = val_object_key_peek(v, i, &klen);
      walk_member(w, k, klen, val_object_value_peek(v, i), depth, 0);
    }
    return;
  }
  default:
    if (w->roles & (1u << ROLE_BOOLEAN)) {
      if (val_kind(v) != VAL_BOOL) {
        w->spath = w->path.s;
        w->stext = NULL;
        xemit(w, VR_NOT_BOOLEAN, -1, "the expression is %s, not a boolean",
              val_kind_name(val_kind(v)));
      }
    }
    return;
  }
}

/* typeProperties of activity i, with roles for the special members and
 * the nested activity lists left out. */
static void walk_type_props(XWalk *w, const ActivityDef *a, const Value *tp)
{
  size_t n = val_object_len(tp), klen;
  bool is_if = is_type(a, "IfCondition"), is_until = is_type(a, "Until");
  bool is_switch = is_type(a, "Switch");
  for (size_t i = 0; i < n; i++) {
    const char *k = val_object_key_peek(tp, i, &klen);
    const Value *x = val_object_value_peek(tp, i);
    unsigned roles = 0;
    if ((is_if || is_until || is_type(a, "ForEach")) && is_nested_list_key(k))
      continue;
    if (is_switch && (strcmp(k, "defaultActivities") == 0))
      continue;
    if (is_switch && strcmp(k, "cases") == 0) {
      /* only the case values */
      continue;
    }
    if ((is_if || is_until) && strcasecmp(k, "expression") == 0)
      roles |= 1u << ROLE_BOOLEAN;
    if (is_until && strcasecmp(k, "expression") == 0)
      roles |= 1u << ROLE_UNTIL_EXPR;
    if (is_type(a, "Filter") && strcasecmp(k, "condition") == 0)
      roles |= 1u << ROLE_FILTER_COND;
    if (is_type(a, "SetVariable") && strcasecmp(k, "value") == 0)
      roles |= 1u << ROLE_SETVAR_VALUE;
    if (roles & (1u << ROLE_BOOLEAN) && val_kind(x) == VAL_OBJECT &&
        val_object_peek_ci(x, "value", 5)) {
      /* {"value": "...", "type": "Expression"}: the value is the text */
      size_t base = w->path.len;
      srcpath_key(&w->path, k, klen);
      const char *vk = "value";
      size_t nn = val_object_len(x), vkl;
      for (size_t m = 0; m < nn; m++) {
        const char *kk = val_object_key_peek(x, m, &vkl);
        if (strcasecmp(kk, "value") == 0) {
          vk = kk;
          walk_member(w, vk, vkl, val_object_value_peek(x, m), 1, roles);
        } else {
          walk_member(w, kk, vkl, val_object_value_peek(x, m), 1, 0);
        }
      }
      w->path.len = base;
      w->path.s[base] = '\0';
      continue;
    }
    walk_member(w, k, klen, x, 1, roles);
  }
}

static void check_activity_strings(VCtx *c, int i)
{
  const ActivityDef *a = c->acts[i].a;
  XWalk w;
  memset(&w, 0, sizeof(w));
  w.c = c;
  w.opt = c->opt;
  w.out = c->out;
  w.src = c->src;
  w.act = i;
  sb_init(&w.path);
  if (is_type(a, "SetVariable")) {
    const Value *vn = val_object_peek_ci(a->type_props, "variableName", 12);
    w.setvar = vn && val_kind(vn) == VAL_STRING ? val_str(vn) : NULL;
  }
  size_t n = val_object_len(a->raw), klen;
  for (size_t m = 0; m < n; m++) {
    const char *k = val_object_key_peek(a->raw, m, &klen);
    const Value *x = val_object_value_peek(a->raw, m);
    if (!strcmp(k, "name") || !strcmp(k, "type") || !strcmp(k, "dependsOn") ||
        !strcmp(k, "description") || !strcmp(k, "state") ||
        !strcmp(k, "onInactiveMarkAs"))
      continue;
    sb_reset(&w.path);
    sb_puts(&w.path, a->path);
    srcpath_key(&w.path, k, klen);
    if (strcmp(k, "typeProperties") == 0 && val_kind(x) == VAL_OBJECT)
      walk_type_props(&w, a, x);
    else
      walk_value(&w, x, 1);
  }
  sb_fini(&w.path);
}

void v_check_expressions(VCtx *c)
{
  for (size_t i = 0; i < c->n_acts; i++) {
    bool off = false;
    for (int k = (int)i; k >= 0 && !off; k = c->acts[k].parent)
      off = c->acts[k].a->inactive;
    if (!off)
      check_activity_strings(c, (int)i);
  }
}

void v_check_resource_expressions(const VOptions *opt, FindingList *out,
                                  VSrc *src, const Resource *r)
{
  if (r->kind != RES_DATASET && r->kind != RES_LINKED_SERVICE)
    return;
  const Value *props = val_object_peek_ci(r->raw, "properties", 10);
  const char *prefix = props ? "properties" : "";
  if (!props)
    props = r->raw;
  if (val_kind(props) != VAL_OBJECT)
    return;
  XWalk w;
  memset(&w, 0, sizeof(w));
  w.opt = opt;
  w.out = out;
  w.src = src;
  w.act = -1;
  w.accessor = r->kind == RES_DATASET ? "dataset" : "linkedService";
  w.params = val_object_peek_ci(props, "parameters", 10);
  w.res_name = r->name;
  sb_init(&w.path);
  size_t n = val_object_len(props), klen;
  for (size_t m = 0; m < n; m++) {
    const char *k = val_object_key_peek(props, m, &klen);
    if (strcmp(k, "typeProperties") != 0 && strcmp(k, "linkedServiceName") != 0)
      continue;
    sb_reset(&w.path);
    sb_puts(&w.path, prefix);
    srcpath_key(&w.path, k, klen);
    walk_value(&w, val_object_value_peek(props, m), 1);
  }
  sb_fini(&w.path);
}
