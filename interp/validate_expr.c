/*
 * interp/validate_expr.c -- every expression of a definition, checked
 *
 * Walks every string of every active activity (nested activity lists are
 * visited as activities of their own), compiles the ones holding an '@'
 * and checks what they reference: activity('X') must name an activity
 * that has finished when the expression runs, variables and parameters
 * must be declared, item() needs a ForEach, and so on.  Also the default
 * values of parameters and variables (evaluated when a run starts) and
 * the parameter values of triggers (with trigger()/triggerBody()).
 * Findings point at the column of the fault inside the JSON string.
 */
#include <ctype.h>
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

/* trigger()/triggerBody() calls remembered per string; more are left
 * for the compiler to report as unknown functions. */
#define TRIG_MAX 32

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
  const char *accessor; /* "dataset", "linkedService" or "trigger" */
  const Value *params;  /* declared parameters of the resource */
  const char *res_name;
  /* Current expression: */
  const Expr *e;
  const char *spath;
  const char *stext;
  /* Triggers: offsets of the "item" written over trigger()/triggerBody()
   * calls in the current string (see mask_trigger_calls). */
  int trig_off[TRIG_MAX];
  int trig_len[TRIG_MAX]; /* 7 or 11: the name as written */
  int n_trig;
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

/* The factory's global parameter declarations are known: a factory
 * definition with a "globalParameters" object, or an ARM export's
 * globalparameters resource (the loader copies both into
 * f->global_parameters).  No factory definition, one without
 * "globalParameters", or globals given as a whole ARM parameter
 * ("[parameters('x')]"): unknown, so references are not checked. */
static bool factory_declares_globals(const Factory *f)
{
  if (!f)
    return false;
  if (f->global_parameters && val_object_len(f->global_parameters) > 0)
    return true;
  for (size_t i = 0; i < f->n_resources; i++) {
    if (f->resources[i]->kind != RES_FACTORY)
      continue;
    const Value *props =
        val_object_peek_ci(f->resources[i]->raw, "properties", 10);
    const Value *gp =
        props ? val_object_peek_ci(props, "globalParameters", 16) : NULL;
    if (gp && val_kind(gp) == VAL_OBJECT)
      return true;
  }
  return false;
}

/* References in a trigger's parameter values: only trigger() and
 * triggerBody() (masked as item(), see mask_trigger_calls) describe the
 * trigger; no activity has run and no ForEach, variable, dataset or
 * linked service exists when the values are computed.  pipeline() is
 * not reported: whether the service resolves it there is not
 * documented. */
static void on_trigger_ref(XWalk *w, const ExprRef *r)
{
  const char *what = NULL;
  switch (r->kind) {
  case EXPR_REF_ITEM:
    for (int i = 0; i < w->n_trig; i++)
      if (w->trig_off[i] == r->off)
        return;
    xemit(w, VR_ITEM_SCOPE, r->off,
          "item() is not available in trigger '%s' (no ForEach runs there)",
          w->res_name);
    return;
  case EXPR_REF_ACTIVITY:
    what = "activity";
    break;
  case EXPR_REF_VARIABLE:
    what = "variables";
    break;
  case EXPR_REF_DATASET:
    what = "dataset";
    break;
  case EXPR_REF_LINKED:
    what = "linkedService";
    break;
  default:
    return;
  }
  xemit(w, VR_ACCESSOR_SCOPE, r->off,
        "%s() is not available in trigger '%s': its parameter values are "
        "computed before the pipeline runs (use trigger() or triggerBody())",
        what, w->res_name);
}

/* References in a default value: computed when the run starts, before
 * any activity and outside any ForEach. */
static bool on_default_ref(XWalk *w, const ExprRef *r)
{
  VCtx *c = w->c;
  if (r->kind == EXPR_REF_ACTIVITY) {
    if (v_find(c, r->name, r->name_len) < 0)
      xemit(w, VR_ACTIVITY_MISSING, r->off,
            "activity('%.*s') names no activity of this pipeline",
            (int)r->name_len, r->name);
    else
      xemit(w, VR_NOT_UPSTREAM, r->off,
            "a default value is computed when the run starts, before any "
            "activity: activity('%.*s') has not run",
            (int)r->name_len, r->name);
    return true;
  }
  if (r->kind == EXPR_REF_ITEM) {
    xemit(w, VR_ITEM_SCOPE, r->off,
          "item() in a default value: defaults are computed when the run "
          "starts, outside any ForEach");
    return true;
  }
  return false;
}

static void on_ref(void *ud, const ExprRef *r)
{
  XWalk *w = ud;
  VCtx *c = w->c;
  if (!c && strcmp(w->accessor, "trigger") == 0) {
    on_trigger_ref(w, r);
    return;
  }
  if (c && w->act < 0 && on_default_ref(w, r))
    return;
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
             w->act >= 0 && strlen(w->setvar) == r->name_len &&
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

/* ---- Trigger-scope functions ------------------------------------------
 *
 * trigger() and triggerBody() exist only in trigger definitions, so the
 * expression compiler's function table (expr/) does not know them.  A
 * trigger's string is compiled from a copy in which each call's name is
 * overwritten, in place and at the same length, by spaces and "item":
 * "@triggerBody().fileName" becomes "@       item().fileName".  The
 * compiler then checks everything else (syntax, the other functions,
 * arity: item() takes none, as trigger() does), every offset and column
 * stays that of the original text, and the walk knows that an item() at
 * a remembered offset is a trigger call. */

static bool ident_char(char ch)
{
  return isalnum((unsigned char)ch) || ch == '_';
}

/* Masks the calls in the expression text buf[i..) (up to the '}' that
 * closes an interpolation when 'interp'); returns the end. */
static size_t mask_expr(XWalk *w, char *buf, size_t len, size_t i, bool interp)
{
  bool quoted = false;
  for (; i < len; i++) {
    char ch = buf[i];
    if (quoted) {
      quoted = ch != '\''; /* '' reopens at the next quote */
      continue;
    }
    if (ch == '\'') {
      quoted = true;
      continue;
    }
    if (interp && ch == '}')
      return i + 1;
    if (!isalpha((unsigned char)ch) ||
        (i > 0 && (ident_char(buf[i - 1]) || buf[i - 1] == '.')))
      continue;
    size_t j = i;
    while (j < len && ident_char(buf[j]))
      j++;
    size_t n = j - i;
    if (j < len && buf[j] == '(' &&
        ((n == 7 && strncasecmp(buf + i, "trigger", 7) == 0) ||
         (n == 11 && strncasecmp(buf + i, "triggerBody", 11) == 0)) &&
        w->n_trig < TRIG_MAX) {
      memset(buf + i, ' ', n - 4);
      memcpy(buf + i + n - 4, "item", 4);
      w->trig_len[w->n_trig] = (int)n;
      w->trig_off[w->n_trig++] = (int)(i + n - 4);
    }
    i = j - 1;
  }
  return len;
}

/* Masks every trigger()/triggerBody() call in the expression parts of
 * 'buf' (a copy of the string); literal text and quoted strings are left
 * alone. */
static void mask_trigger_calls(XWalk *w, char *buf, size_t len)
{
  w->n_trig = 0;
  if (len > 1 && buf[0] == '@' && buf[1] != '@' && buf[1] != '{') {
    mask_expr(w, buf, len, 1, false);
    return;
  }
  for (size_t i = 0; i + 1 < len;) {
    if (buf[i] == '@' && buf[i + 1] == '@')
      i += 2;
    else if (buf[i] == '@' && buf[i + 1] == '{')
      i = mask_expr(w, buf, len, i + 2, true);
    else
      i++;
  }
}

/* The compiler's message for a masked call names 'item': name the
 * function as written instead.  Returns the offset to report (the
 * start of the name as written). */
static int unmask_message(const XWalk *w, const char *s, int off, Err *err)
{
  for (int i = 0; i < w->n_trig; i++) {
    if (w->trig_off[i] != off)
      continue;
    int n = w->trig_len[i];
    const char *at = strstr(err->msg, "'item'");
    if (!at)
      return off + 4 - n;
    StrBuf sb;
    sb_init(&sb);
    sb_printf(&sb, "%.*s'%.*s'%s", (int)(at - err->msg), err->msg, n,
              s + off + 4 - n, at + 6);
    snprintf(err->msg, sizeof(err->msg), "%s", sb.s);
    sb_fini(&sb);
    return off + 4 - n; /* the name as written */
  }
  return off;
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
  char *masked = NULL;
  if (!w->c && strcmp(w->accessor, "trigger") == 0) {
    masked = xmalloc(len + 1);
    memcpy(masked, s, len);
    masked[len] = '\0';
    mask_trigger_calls(w, masked, len);
  }
  Expr *e = expr_compile(masked ? masked : s, len, &err);
  w->spath = w->path.s;
  w->stext = s;
  if (!e) {
    VRuleId rule = err.code == ERR_EXPR_UNKNOWN_FUNCTION ? VR_UNKNOWN_FUNCTION
                   : err.code == ERR_EXPR_ARITY          ? VR_ARITY
                   : err.code == ERR_EXPR_TOO_LONG       ? VR_EXPR_TOO_LONG
                                                         : VR_EXPR_SYNTAX;
    int off = error_offset(masked ? masked : s, len, &err);
    if (masked) {
      off = unmask_message(w, s, off, &err);
    } else if (rule == VR_UNKNOWN_FUNCTION &&
               ((len - (size_t)off >= 8 &&
                 strncasecmp(s + off, "trigger(", 8) == 0) ||
                (len - (size_t)off >= 12 &&
                 strncasecmp(s + off, "triggerBody(", 12) == 0))) {
      size_t ml = strlen(err.msg);
      snprintf(err.msg + ml, sizeof(err.msg) - ml,
               " (trigger() and triggerBody() exist only in trigger "
               "definitions: pass the value in as a pipeline parameter)");
    }
    free(masked);
    xemit(w, rule, off, "%s", err.msg);
    return;
  }
  free(masked);
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
    /* a Switch's activity lists are walked as activities; its case
     * values are literals */
    if (is_switch &&
        (strcmp(k, "defaultActivities") == 0 || strcmp(k, "cases") == 0))
      continue;
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
      size_t nn = val_object_len(x), vkl;
      for (size_t m = 0; m < nn; m++) {
        const char *kk = val_object_key_peek(x, m, &vkl);
        walk_member(w, kk, vkl, val_object_value_peek(x, m), 1,
                    strcasecmp(kk, "value") == 0 ? roles : 0);
      }
      w->path.len = base;
      w->path.s[base] = '\0';
      continue;
    }
    walk_member(w, k, klen, x, 1, roles);
  }
}

/* A walk over the strings of pipeline 'c' (NULL for a resource) from
 * activity 'act' (-1: none); w->path is initialised, sb_fini it. */
static void xwalk_init(XWalk *w, VCtx *c, const VOptions *opt, FindingList *out,
                       VSrc *src, int act)
{
  memset(w, 0, sizeof(*w));
  w->c = c;
  w->opt = opt;
  w->out = out;
  w->src = src;
  w->act = act;
  sb_init(&w->path);
}

static void check_activity_strings(VCtx *c, int i)
{
  const ActivityDef *a = c->acts[i].a;
  XWalk w;
  xwalk_init(&w, c, c->opt, c->out, c->src, i);
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

/* Default values of the pipeline's parameters and variables: computed
 * when a run starts (a variable default "@{pipeline().parameters.x}"
 * takes the run's parameter; a default naming an undeclared parameter
 * fails at publish, ADF-SPEC 4), so their expressions are checked like
 * any other, with activity() and item() unavailable. */
static void check_defaults(VCtx *c, const char *what, const Value *decls)
{
  XWalk w;
  xwalk_init(&w, c, c->opt, c->out, c->src, -1);
  size_t n = decls ? val_object_len(decls) : 0, klen, dlen;
  for (size_t i = 0; i < n; i++) {
    const char *name = val_object_key_peek(decls, i, &klen);
    const Value *spec = val_object_value_peek(decls, i);
    size_t m = val_kind(spec) == VAL_OBJECT ? val_object_len(spec) : 0;
    for (size_t k = 0; k < m; k++) {
      const char *dk = val_object_key_peek(spec, k, &dlen);
      if (strcasecmp(dk, "defaultValue") != 0)
        continue;
      v_path_key(&w.path, c->p->base_path, what);
      srcpath_key(&w.path, name, klen);
      srcpath_key(&w.path, dk, dlen);
      walk_value(&w, val_object_value_peek(spec, k), 1);
    }
  }
  sb_fini(&w.path);
}

void v_check_expressions(VCtx *c)
{
  check_defaults(c, "parameters", c->p->parameters);
  check_defaults(c, "variables", c->p->variables);
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
  if (r->kind != RES_DATASET && r->kind != RES_LINKED_SERVICE &&
      r->kind != RES_TRIGGER)
    return;
  const Value *props = val_object_peek_ci(r->raw, "properties", 10);
  const char *prefix = props ? "properties" : "";
  if (!props)
    props = r->raw;
  if (val_kind(props) != VAL_OBJECT)
    return;
  XWalk w;
  xwalk_init(&w, NULL, opt, out, src, -1);
  w.accessor = r->kind == RES_DATASET          ? "dataset"
               : r->kind == RES_LINKED_SERVICE ? "linkedService"
                                               : "trigger";
  w.params = val_object_peek_ci(props, "parameters", 10);
  w.res_name = r->name;
  size_t n = val_object_len(props), klen;
  for (size_t m = 0; m < n; m++) {
    const char *k = val_object_key_peek(props, m, &klen);
    /* a trigger's expressions are the parameter values it passes */
    if (r->kind == RES_TRIGGER
            ? strcmp(k, "pipelines") != 0 && strcmp(k, "pipeline") != 0
            : strcmp(k, "typeProperties") != 0 &&
                  strcmp(k, "linkedServiceName") != 0)
      continue;
    sb_reset(&w.path);
    sb_puts(&w.path, prefix);
    srcpath_key(&w.path, k, klen);
    walk_value(&w, val_object_value_peek(props, m), 1);
  }
  sb_fini(&w.path);
}
