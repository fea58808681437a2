/*
 * expr/eval.c -- compiling and evaluating templates (implements eval.h)
 *
 * The evaluator walks the arena AST.  Its inner function returns a
 * BORROWED pointer plus an optional owned 'hold' reference that keeps it
 * alive, so property chains on pipeline()/activity() values and literal
 * arguments cost no allocation and no counting.  Builtin arguments live in
 * stack arrays for small arities.  Accessors and and/or/if are evaluated
 * here; every other function goes through the table in builtins.c.
 */
#include "expr/eval.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "expr/builtins.h"
#include "expr/eval_accessors.h"
#include "expr/parse.h"
#include "expr/strbuf.h"

struct Expr {
  Arena arena;
  Template t;
  char *src; /* NUL-terminated copy, in the arena */
  size_t len;
  max_align_t inline_buf[]; /* first arena block */
};

/* One line of an --explain trace. */
typedef struct TraceEnt {
  int depth;
  uint32_t off, len;
  Value *val; /* owned; NULL: failed */
} TraceEnt;

typedef struct Trace {
  TraceEnt *ents; /* owned */
  int n, cap, depth;
} Trace;

struct EvalCtx {
  const EvalEnv *env;
  const char *src; /* template source */
  size_t src_len;
  const TmplSeg *seg; /* expression being evaluated */
  const Node *call;   /* innermost call being applied */
  Trace *trace;       /* NULL unless explaining */
  uint64_t rng;       /* fallback generator state; 0 = unseeded */
};

static const Value *ev(EvalCtx *cx, const Node *n, Value **hold, Err *err);

/* ---- Compiling ---------------------------------------------------------- */

Expr *expr_compile(const char *src, size_t len, Err *err)
{
  /* Size the first arena block so typical expressions need one malloc
   * (a 56-byte node per ~8 source bytes, plus the source copy). */
  size_t inline_n = 128 + len * 9;
  if (inline_n > 65536)
    inline_n = 65536;
  Expr *e = xmalloc(sizeof(Expr) + inline_n);

  expr_arena_init(&e->arena, e->inline_buf, inline_n);
  e->src = expr_arena_alloc(&e->arena, len + 1);
  memcpy(e->src, src, len);
  e->src[len] = '\0';
  e->len = len;
  if (!expr_parse_template(&e->arena, e->src, len, &e->t, err)) {
    expr_arena_fini(&e->arena);
    free(e);
    return NULL;
  }
  return e;
}

void expr_free(Expr *e)
{
  if (!e)
    return;
  expr_template_release(&e->t);
  expr_arena_fini(&e->arena);
  free(e);
}

bool expr_is_literal(const Expr *e)
{
  return e->t.kind == TMPL_LITERAL;
}

const char *expr_source(const Expr *e)
{
  return e->src;
}

/* ---- Errors ------------------------------------------------------------- */

static void node_loc(const EvalCtx *cx, const Node *n, SrcLoc *loc)
{
  memset(loc, 0, sizeof(*loc));
  expr_set_loc(loc, cx->src, cx->src_len, n->off, n->len);
}

static const Value *fail_node(EvalCtx *cx, const Node *n, ErrCode code,
                              Err *err, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static const Value *fail_node(EvalCtx *cx, const Node *n, ErrCode code,
                              Err *err, const char *fmt, ...)
{
  char msg[sizeof(err->msg)];
  SrcLoc loc;
  va_list ap;

  if (err_is_set(err))
    return NULL;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  node_loc(cx, n, &loc);
  err_set(err, code, &loc, "%s", msg);
  return NULL;
}

/* "The template function 'item' is not expected at this location." is
 * the Logic Apps text for an accessor used outside its scope. */
static const Value *not_here(EvalCtx *cx, const Node *n, Err *err)
{
  return fail_node(cx, n, ERR_EXPR_EVAL, err,
                   "The template function '%s' is not expected at this "
                   "location.",
                   n->fn_name);
}

/* ---- Services for builtins (builtins.h) --------------------------------- */

const char *eval_fn_name(const EvalCtx *cx)
{
  return cx->call ? cx->call->fn_name : "";
}

const char *eval_expr_text(const EvalCtx *cx)
{
  return cx->seg ? cx->seg->text : "";
}

void eval_arg_loc(const EvalCtx *cx, int i, SrcLoc *out)
{
  const Node *n = cx->call;
  if (n && i >= 0 && i < n->n_args)
    n = n->args[i];
  if (!n) {
    memset(out, 0, sizeof(*out));
    out->off = -1;
    return;
  }
  node_loc(cx, n, out);
}

const EvalEnv *eval_env(const EvalCtx *cx)
{
  return cx->env;
}

int64_t eval_now_ticks(EvalCtx *cx)
{
  struct timespec ts;

  if (cx->env && cx->env->now_ticks)
    return cx->env->now_ticks(cx->env->ud);
  clock_gettime(CLOCK_REALTIME, &ts);
  /* .NET ticks of 1970-01-01T00:00:00Z, then 100 ns steps. */
  return INT64_C(621355968000000000) + (int64_t)ts.tv_sec * 10000000 +
         ts.tv_nsec / 100;
}

/* splitmix64: the fallback generator when the run supplies none. */
uint64_t eval_random(EvalCtx *cx)
{
  uint64_t z;

  if (cx->env && cx->env->random)
    return cx->env->random(cx->env->ud);
  if (cx->rng == 0) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    cx->rng = ((uint64_t)ts.tv_sec << 30) ^ (uint64_t)ts.tv_nsec ^
              (uint64_t)(uintptr_t)cx;
  }
  z = (cx->rng += UINT64_C(0x9E3779B97F4A7C15));
  z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
  return z ^ (z >> 31);
}

static const char *const ordinals[] = {"first", "second", "third",   "fourth",
                                       "fifth", "sixth",  "seventh", "eighth",
                                       "ninth", "tenth"};

Value *bi_type_error(EvalCtx *cx, int i, const char *want, const Value *got,
                     Err *err)
{
  SrcLoc loc;
  char which[32];

  if (err_is_set(err))
    return NULL;
  if (cx->call && cx->call->max_args == 1 && cx->call->n_args == 1)
    snprintf(which, sizeof(which), "its parameter");
  else if (i >= 0 && i < 10)
    snprintf(which, sizeof(which), "its %s parameter", ordinals[i]);
  else
    snprintf(which, sizeof(which), "parameter %d", i + 1);
  eval_arg_loc(cx, i, &loc);
  err_set(err, ERR_EXPR_ARG_TYPE, &loc,
          "The function '%s' expects %s to be %s. The provided value is of "
          "type '%s'.",
          eval_fn_name(cx), which, want,
          val_kind_name(got ? val_kind(got) : VAL_NULL));
  return NULL;
}

Value *bi_fail(EvalCtx *cx, Err *err, const char *fmt, ...)
{
  char msg[sizeof(err->msg)];
  SrcLoc loc;
  va_list ap;

  if (err_is_set(err))
    return NULL;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  if (cx->call) {
    node_loc(cx, cx->call, &loc);
    err_set(err, ERR_EXPR_EVAL, &loc, "%s", msg);
  } else {
    err_set(err, ERR_EXPR_EVAL, NULL, "%s", msg);
  }
  return NULL;
}

/* ---- Accessors ---------------------------------------------------------- */

/* The name argument of variables()/activity(): a string, borrowed. */
static const Value *name_arg(EvalCtx *cx, const Node *n, const Value *v,
                             Err *err)
{
  if (val_kind(v) != VAL_STRING) {
    const Node *saved = cx->call;
    cx->call = n;
    bi_type_error(cx, 0, "a string", v, err);
    cx->call = saved;
    return NULL;
  }
  return v;
}

/* Borrowed result of an accessor call whose arguments are evaluated. */
static const Value *accessor(EvalCtx *cx, const Node *n, const Value *arg,
                             Err *err)
{
  const EvalEnv *env = cx->env;
  const Value *r;

  switch (n->call) {
  case CALL_PIPELINE:
    return env->pipeline ? env->pipeline : not_here(cx, n, err);
  case CALL_ITEM:
    return env->item ? env->item : not_here(cx, n, err);
  case CALL_DATASET:
    return env->dataset ? env->dataset : not_here(cx, n, err);
  case CALL_LINKED_SERVICE:
    return env->linked_service ? env->linked_service : not_here(cx, n, err);
  case CALL_VARIABLES:
    if (!name_arg(cx, n, arg, err))
      return NULL;
    if (!env->variable)
      return not_here(cx, n, err);
    r = env->variable(env->ud, val_str(arg), val_strlen(arg));
    if (!r)
      return fail_node(cx, n, ERR_EXPR_UNKNOWN_REF, err,
                       "The expression '%s' cannot be evaluated because "
                       "variable '%s' is not defined.",
                       eval_expr_text(cx), val_str(arg));
    return r;
  case CALL_ACTIVITY:
    if (!name_arg(cx, n, arg, err))
      return NULL;
    if (!env->activity)
      return not_here(cx, n, err);
    r = env->activity(env->ud, val_str(arg), val_strlen(arg), err);
    if (!r && !err_is_set(err))
      return fail_node(cx, n, ERR_EXPR_UNKNOWN_REF, err,
                       "The expression '%s' cannot be evaluated because "
                       "activity '%s' has not run or does not exist.",
                       eval_expr_text(cx), val_str(arg));
    return r;
  default:
    return NULL;
  }
}

/* Shared body of the eval_bi_* table entries. */
static Value *accessor_ref(EvalCtx *cx, CallKind k, Value *const *argv,
                           int argc, Err *err)
{
  Node fake;
  const Node *saved = cx->call;
  const Value *r;

  if (saved) {
    fake = *saved;
  } else {
    memset(&fake, 0, sizeof(fake));
    fake.len = 1;
  }
  fake.call = k;
  fake.fn_name = saved ? saved->fn_name : "";
  r = accessor(cx, &fake, argc > 0 ? argv[0] : NULL, err);
  return r ? val_ref(r) : NULL;
}

Value *eval_bi_pipeline(EvalCtx *cx, Value *const *argv, int argc, Err *err)
{
  return accessor_ref(cx, CALL_PIPELINE, argv, argc, err);
}

Value *eval_bi_variables(EvalCtx *cx, Value *const *argv, int argc, Err *err)
{
  return accessor_ref(cx, CALL_VARIABLES, argv, argc, err);
}

Value *eval_bi_activity(EvalCtx *cx, Value *const *argv, int argc, Err *err)
{
  return accessor_ref(cx, CALL_ACTIVITY, argv, argc, err);
}

Value *eval_bi_item(EvalCtx *cx, Value *const *argv, int argc, Err *err)
{
  return accessor_ref(cx, CALL_ITEM, argv, argc, err);
}

Value *eval_bi_dataset(EvalCtx *cx, Value *const *argv, int argc, Err *err)
{
  return accessor_ref(cx, CALL_DATASET, argv, argc, err);
}

Value *eval_bi_linked_service(EvalCtx *cx, Value *const *argv, int argc,
                              Err *err)
{
  return accessor_ref(cx, CALL_LINKED_SERVICE, argv, argc, err);
}

/* Drops a hold reference.  Most holds are NULL (borrowed results):
 * skip the call into value.c for those. */
static inline void drop(Value *hold)
{
  if (hold)
    val_unref(hold);
}

/* ---- Property access and indexing --------------------------------------- */

static void list_keys(const Value *obj, StrBuf *sb)
{
  for (size_t i = 0; i < val_object_len(obj); i++) {
    size_t kl;
    const char *k = val_object_key_peek(obj, i, &kl);
    if (i)
      sb_put(sb, ", ", 2);
    sb_put(sb, k, kl);
  }
}

static const Value *no_property(EvalCtx *cx, const Node *n, const Value *obj,
                                const char *prop, Err *err)
{
  StrBuf keys;

  sb_init(&keys);
  list_keys(obj, &keys);
  fail_node(cx, n, ERR_EXPR_NO_PROPERTY, err,
            "The expression '%s' cannot be evaluated because property '%s' "
            "doesn't exist, available properties are '%s'.",
            eval_expr_text(cx), prop, keys.s);
  sb_fini(&keys);
  return NULL;
}

static const Value *not_selectable(EvalCtx *cx, const Node *n, const Value *t,
                                   const char *prop, Err *err)
{
  return fail_node(cx, n, ERR_EXPR_NO_PROPERTY, err,
                   "The expression '%s' cannot be evaluated because property "
                   "'%s' cannot be selected. Property selection is not "
                   "supported on values of type '%s'.",
                   eval_expr_text(cx), prop, val_kind_name(val_kind(t)));
}

/* The error of member 'n' on value 't' (node names are not
 * NUL-terminated: the message gets a copy). */
static void member_fail(EvalCtx *cx, const Node *n, const Value *t, Err *err)
{
  char *prop = xmalloc((size_t)n->name_len + 1);

  memcpy(prop, n->name, n->name_len);
  prop[n->name_len] = '\0';
  if (val_kind(t) == VAL_OBJECT)
    no_property(cx, n, t, prop, err);
  else
    not_selectable(cx, n, t, prop, err);
  free(prop);
}

/* target.name, target?.name */
static const Value *ev_member(EvalCtx *cx, const Node *n, Value **hold,
                              Err *err)
{
  Value *h;
  const Value *t = ev(cx, n->target, &h, err), *r;

  if (!t)
    return NULL;
  if (val_kind(t) == VAL_OBJECT) {
    r = val_object_peek_ci(t, n->name, n->name_len);
    if (r) {
      *hold = h;
      return r;
    }
    if (!n->null_safe)
      member_fail(cx, n, t, err);
  } else if (val_kind(t) != VAL_NULL || !n->null_safe) {
    member_fail(cx, n, t, err);
  }
  drop(h);
  return err_is_set(err) ? NULL : val_null();
}

/* The error of t[i] when i has the wrong kind for t, or t cannot be
 * indexed at all; the message quotes i as ADF text. */
static void index_fail(EvalCtx *cx, const Node *n, const Value *t,
                       const Value *i, Err *err)
{
  StrBuf sb;

  sb_init(&sb);
  val_to_adf_string(i, &sb);
  if (val_kind(t) == VAL_ARRAY)
    fail_node(cx, n, ERR_EXPR_INDEX, err,
              "The expression '%s' cannot be evaluated because property "
              "'%s' cannot be selected. Array elements can only be "
              "selected using an integer index.",
              eval_expr_text(cx), sb.s);
  else if (val_kind(t) == VAL_OBJECT)
    fail_node(cx, n, ERR_EXPR_INDEX, err,
              "The expression '%s' cannot be evaluated because property "
              "'%s' cannot be selected. Object properties can only be "
              "selected using a string.",
              eval_expr_text(cx), sb.s);
  else
    not_selectable(cx, n, t, sb.s, err);
  sb_fini(&sb);
}

/* target[index], target?[index] */
static __attribute__((noinline)) const Value *
ev_index(EvalCtx *cx, const Node *n, Value **hold, Err *err)
{
  Value *h, *hi;
  const Value *t, *i, *r = NULL;

  t = ev(cx, n->target, &h, err);
  if (!t)
    return NULL;
  i = ev(cx, n->index, &hi, err);
  if (!i) {
    drop(h);
    return NULL;
  }
  switch (val_kind(t)) {
  case VAL_ARRAY:
    if (val_kind(i) != VAL_INT) {
      index_fail(cx, n, t, i, err);
      break;
    }
    if (val_get_int(i) >= 0 && (uint64_t)val_get_int(i) < val_array_len(t)) {
      r = val_array_peek(t, (size_t)val_get_int(i));
    } else if (!n->null_safe) {
      fail_node(cx, n, ERR_EXPR_INDEX, err,
                "The expression '%s' cannot be evaluated because array "
                "index '%lld' is outside bounds (0, %lld) of array.",
                eval_expr_text(cx), (long long)val_get_int(i),
                (long long)val_array_len(t) - 1);
    }
    break;
  case VAL_OBJECT:
    if (val_kind(i) != VAL_STRING) {
      index_fail(cx, n, t, i, err);
      break;
    }
    r = val_object_peek_ci(t, val_str(i), val_strlen(i));
    if (!r && !n->null_safe)
      no_property(cx, n, t, val_str(i), err);
    break;
  default:
    if (val_kind(t) != VAL_NULL || !n->null_safe)
      index_fail(cx, n, t, i, err);
    break;
  }
  drop(hi);
  if (err_is_set(err)) {
    drop(h);
    return NULL;
  }
  if (!r) {
    drop(h);
    return val_null();
  }
  *hold = h;
  return r;
}

/* ---- Calls -------------------------------------------------------------- */

/* Evaluates a boolean argument of and/or/if. */
static int ev_bool_arg(EvalCtx *cx, const Node *n, int i, Err *err)
{
  Value *h;
  const Value *v = ev(cx, n->args[i], &h, err);
  int r;

  if (!v)
    return -1;
  if (val_kind(v) != VAL_BOOL) {
    const Node *saved = cx->call;
    cx->call = n;
    bi_type_error(cx, i, "a boolean", v, err);
    cx->call = saved;
    drop(h);
    return -1;
  }
  r = val_get_bool(v) ? 1 : 0;
  drop(h);
  return r;
}

/* Out of line (as is ev_index()): inlined into ev_node(), its argument
 * arrays would enlarge the frame of every recursion step, including the
 * common member chains. */
static __attribute__((noinline)) const Value *
ev_call(EvalCtx *cx, const Node *n, Value **hold, Err *err)
{
  Value *small_argv[8], *small_hold[8];
  Value **argv = small_argv, **holds = small_hold;
  const Value *r = NULL;
  int argc = n->n_args, b;

  switch (n->call) {
  case CALL_AND:
  case CALL_OR:
    /* Exactly two arguments; the second only when the first does not
     * decide (ADF short-circuits, ADF-SPEC 1.3). */
    b = ev_bool_arg(cx, n, 0, err);
    if (b < 0)
      return NULL;
    if (n->call == CALL_AND ? !b : b)
      return val_bool(b);
    b = ev_bool_arg(cx, n, 1, err);
    return b < 0 ? NULL : val_bool(b);
  case CALL_IF:
    b = ev_bool_arg(cx, n, 0, err);
    if (b < 0)
      return NULL;
    return ev(cx, n->args[b ? 1 : 2], hold, err);
  case CALL_PIPELINE:
  case CALL_ITEM:
  case CALL_DATASET:
  case CALL_LINKED_SERVICE:
    return accessor(cx, n, NULL, err);
  case CALL_VARIABLES:
  case CALL_ACTIVITY: {
    Value *h;
    const Value *a = ev(cx, n->args[0], &h, err);
    if (!a)
      return NULL;
    r = accessor(cx, n, a, err);
    drop(h);
    return r;
  }
  case CALL_BUILTIN:
    break;
  }

  if (argc > 8) {
    argv = xmalloc(sizeof(Value *) * (size_t)argc);
    holds = xmalloc(sizeof(Value *) * (size_t)argc);
  }
  int i;
  for (i = 0; i < argc; i++) {
    const Value *a = ev(cx, n->args[i], &holds[i], err);
    if (!a)
      goto done;
    argv[i] = (Value *)a; /* borrowed: builtins never mutate arguments */
  }
  {
    const Node *saved = cx->call;
    cx->call = n;
    Value *res = n->bi->fn(cx, argv, argc, err);
    cx->call = saved;
    if (!res && !err_is_set(err))
      fail_node(cx, n, ERR_INTERNAL, err, "function '%s' failed silently",
                n->fn_name);
    *hold = res;
    r = res;
  }
done:
  while (i-- > 0)
    drop(holds[i]);
  if (argv != small_argv) {
    free(argv);
    free(holds);
  }
  return r;
}

/* ---- The tree walk ------------------------------------------------------ */

static const Value *ev_node(EvalCtx *cx, const Node *n, Value **hold, Err *err)
{
  switch (n->kind) {
  case N_LIT:
    return n->val;
  case N_MEMBER:
    return ev_member(cx, n, hold, err);
  case N_INDEX:
    return ev_index(cx, n, hold, err);
  case N_CALL:
    return ev_call(cx, n, hold, err);
  }
  return NULL;
}

static const Value *ev_traced(EvalCtx *cx, const Node *n, Value **hold,
                              Err *err)
{
  Trace *tr = cx->trace;
  int slot;
  const Value *r;

  if (n->kind == N_LIT)
    return ev_node(cx, n, hold, err);
  if (tr->n == tr->cap) {
    tr->cap = tr->cap ? tr->cap * 2 : 32;
    tr->ents = xrealloc(tr->ents, sizeof(TraceEnt) * (size_t)tr->cap);
  }
  slot = tr->n++;
  tr->ents[slot].depth = tr->depth;
  tr->ents[slot].off = n->off;
  tr->ents[slot].len = n->len;
  tr->ents[slot].val = NULL;
  tr->depth++;
  r = ev_node(cx, n, hold, err);
  tr->depth--;
  tr->ents[slot].val = r ? val_ref(r) : NULL;
  return r;
}

/* Returns the value of 'n', borrowed; *hold receives the owned reference
 * (or NULL) that keeps it alive.  NULL with *err set on failure. */
static const Value *ev(EvalCtx *cx, const Node *n, Value **hold, Err *err)
{
  *hold = NULL;
  if (cx->trace)
    return ev_traced(cx, n, hold, err);
  return ev_node(cx, n, hold, err);
}

/* ---- Templates ---------------------------------------------------------- */

static Value *owned(const Value *v, Value *hold)
{
  if (hold == v)
    return hold;
  Value *r = val_ref(v);
  val_unref(hold);
  return r;
}

static Value *eval_template(const Expr *e, const EvalEnv *env, Trace *tr,
                            Err *err)
{
  static const EvalEnv empty_env;
  EvalCtx cx;
  const Template *t = &e->t;
  Value *hold;
  const Value *v;

  cx.env = env ? env : &empty_env;
  cx.src = e->src;
  cx.src_len = e->len;
  cx.seg = NULL;
  cx.call = NULL;
  cx.trace = tr;
  cx.rng = 0;
  switch (t->kind) {
  case TMPL_LITERAL:
    return val_ref(t->literal);
  case TMPL_WHOLE:
    cx.seg = &t->segs[0];
    v = ev(&cx, t->segs[0].root, &hold, err);
    return v ? owned(v, hold) : NULL;
  case TMPL_INTERP:
    break;
  }
  StrBuf sb;
  sb_init(&sb);
  for (int i = 0; i < t->n_segs; i++) {
    const TmplSeg *s = &t->segs[i];
    if (!s->is_expr) {
      sb_put(&sb, s->text, s->len);
      continue;
    }
    cx.seg = s;
    v = ev(&cx, s->root, &hold, err);
    if (!v) {
      sb_fini(&sb);
      return NULL;
    }
    val_to_adf_string(v, &sb);
    val_unref(hold);
  }
  Value *r = val_string_from_sb(&sb);
  sb_fini(&sb);
  return r;
}

Value *expr_eval(const Expr *e, const EvalEnv *env, Err *err)
{
  return eval_template(e, env, NULL, err);
}

Value *expr_eval_string(const char *src, size_t len, const EvalEnv *env,
                        Err *err)
{
  Expr *e;
  Value *r;

  /* Plain literals are common in definitions: skip the compile. */
  if (!memchr(src, '@', len))
    return val_string(src, len);
  e = expr_compile(src, len, err);
  if (!e)
    return NULL;
  r = expr_eval(e, env, err);
  expr_free(e);
  return r;
}

Value *expr_explain(const Expr *e, const EvalEnv *env, StrBuf *out, Err *err)
{
  Trace tr = {NULL, 0, 0, 0};
  Value *r = eval_template(e, env, &tr, err);

  for (int i = 0; i < tr.n; i++) {
    const TraceEnt *t = &tr.ents[i];
    for (int d = 0; d < t->depth; d++)
      sb_put(out, "  ", 2);
    sb_put(out, e->src + t->off, t->len);
    sb_put(out, " => ", 4);
    if (t->val) {
      StrBuf js;
      sb_init(&js);
      val_to_json(t->val, &js);
      if (js.len > 200) {
        sb_put(out, js.s, 200);
        sb_puts(out, "...");
      } else {
        sb_put(out, js.s, js.len);
      }
      sb_fini(&js);
      val_unref(t->val);
    } else {
      sb_puts(out, "error");
    }
    sb_putc(out, '\n');
  }
  free(tr.ents);
  return r;
}

/* ---- Definition values -------------------------------------------------- */

bool expr_is_expression_object(const Value *v)
{
  const Value *type, *value;

  if (val_kind(v) != VAL_OBJECT)
    return false;
  type = val_object_peek_ci(v, "type", 4);
  value = val_object_peek_ci(v, "value", 5);
  return type && value && val_kind(type) == VAL_STRING &&
         strcmp(val_str(type), "Expression") == 0;
}

static void path_key(StrBuf *path, const char *k, size_t kl)
{
  if (path->len)
    sb_putc(path, '.');
  sb_put(path, k, kl);
}

static Value *eval_value_at(const Value *v, const EvalEnv *env, StrBuf *path,
                            Err *err)
{
  Value *r = NULL;
  size_t mark = path->len;

  switch (val_kind(v)) {
  case VAL_STRING:
    if (!memchr(val_str(v), '@', val_strlen(v)))
      return val_ref(v); /* a plain literal: share it */
    r = expr_eval_string(val_str(v), val_strlen(v), env, err);
    break;
  case VAL_ARRAY: {
    size_t n = val_array_len(v);
    bool changed = false;
    Value *out = val_array_new();
    for (size_t i = 0; i < n; i++) {
      const Value *item = val_array_peek(v, i);
      sb_printf(path, "[%zu]", i);
      Value *x = eval_value_at(item, env, path, err);
      path->len = mark;
      path->s[mark] = '\0';
      if (!x) {
        val_unref(out);
        return NULL;
      }
      changed |= (x != item);
      val_array_push_take(out, x);
    }
    if (!changed) {
      val_unref(out);
      return val_ref(v);
    }
    return out;
  }
  case VAL_OBJECT: {
    if (expr_is_expression_object(v)) {
      const Value *s = val_object_peek_ci(v, "value", 5);
      path_key(path, "value", 5);
      if (val_kind(s) == VAL_STRING)
        r = expr_eval_string(val_str(s), val_strlen(s), env, err);
      else
        r = val_ref(s);
      break;
    }
    size_t n = val_object_len(v);
    bool changed = false;
    Value *out = val_object_new();
    for (size_t i = 0; i < n; i++) {
      size_t kl;
      const char *k = val_object_key_peek(v, i, &kl);
      const Value *item = val_object_value_peek(v, i);
      path_key(path, k, kl);
      Value *x = eval_value_at(item, env, path, err);
      path->len = mark;
      path->s[mark] = '\0';
      if (!x) {
        val_unref(out);
        return NULL;
      }
      changed |= (x != item);
      val_object_set_take(out, k, kl, x);
    }
    if (!changed) {
      val_unref(out);
      return val_ref(v);
    }
    return out;
  }
  default:
    return val_ref(v);
  }
  if (!r)
    err_set_path(err, path->s);
  path->len = mark;
  path->s[mark] = '\0';
  return r;
}

Value *expr_eval_value(const Value *v, const EvalEnv *env, Err *err)
{
  StrBuf path;
  Value *r;

  sb_init(&path);
  r = eval_value_at(v, env, &path, err);
  sb_fini(&path);
  return r;
}

/* ---- Static inspection -------------------------------------------------- */

typedef struct Walker {
  const Expr *e;
  void (*fn)(void *ud, const ExprRef *ref);
  void *ud;
} Walker;

static void emit(Walker *w, ExprRefKind k, const char *name, size_t nlen,
                 int n_args, uint32_t off, uint32_t len, bool unsafe)
{
  ExprRef r;
  r.kind = k;
  r.name = name;
  r.name_len = nlen;
  r.n_args = n_args;
  r.off = (int)off;
  r.len = (int)len;
  r.unsafe_output = unsafe;
  w->fn(w->ud, &r);
}

static bool is_str_lit(const Node *n)
{
  return n && n->kind == N_LIT && val_kind(n->val) == VAL_STRING;
}

static void walk_node(Walker *w, const Node *n);
static void walk_call(Walker *w, const Node *n, const Node *const *acc, int na);

static bool eq_ci(const char *a, const char *b, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z')
      x = (char)(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z')
      y = (char)(y - 'A' + 'a');
    if (x != y)
      return false;
  }
  return true;
}

/* Name selected by accessor 'a': .name or ['literal'] (NULL otherwise). */
static const char *acc_name(const Node *a, size_t *len)
{
  if (a->kind == N_MEMBER) {
    *len = a->name_len;
    return a->name;
  }
  if (is_str_lit(a->index)) {
    *len = val_strlen(a->index->val);
    return val_str(a->index->val);
  }
  return NULL;
}

static bool acc_is(const Node *a, const char *name)
{
  size_t l;
  const char *s = acc_name(a, &l);
  return s && strlen(name) == l && eq_ci(s, name, l);
}

static void walk_chain(Walker *w, const Node *n)
{
  const Node *acc[64], *base = n;
  int na = 0, total = 0;

  /* Collect up to 64 accessors nearest the base (source order). */
  while (base->kind == N_MEMBER || base->kind == N_INDEX) {
    total++;
    base = base->target;
  }
  {
    const Node *m = n;
    int skip = total > 64 ? total - 64 : 0;
    while (m->kind == N_MEMBER || m->kind == N_INDEX) {
      if (skip > 0)
        skip--;
      else
        acc[na++] = m;
      m = m->target;
    }
    /* acc[] is outermost-first; reverse into source order */
    for (int i = 0; i < na / 2; i++) {
      const Node *t = acc[i];
      acc[i] = acc[na - 1 - i];
      acc[na - 1 - i] = t;
    }
  }
  if (base->kind == N_CALL)
    walk_call(w, base, acc, na);
  else
    walk_node(w, base);
  if (base->kind == N_CALL && na >= 1) {
    size_t l;
    const char *s;
    if (base->call == CALL_PIPELINE && na >= 2 &&
        (acc_is(acc[0], "parameters") || acc_is(acc[0], "globalParameters")) &&
        (s = acc_name(acc[1], &l)))
      emit(w,
           acc_is(acc[0], "parameters") ? EXPR_REF_PARAMETER : EXPR_REF_GLOBAL,
           s, l, 0, base->off, acc[1]->off + acc[1]->len - base->off, false);
    if ((base->call == CALL_DATASET || base->call == CALL_LINKED_SERVICE) &&
        (s = acc_name(acc[0], &l)))
      emit(w, base->call == CALL_DATASET ? EXPR_REF_DATASET : EXPR_REF_LINKED,
           s, l, 0, base->off, acc[0]->off + acc[0]->len - base->off, false);
  }
  for (int i = 0; i < na; i++)
    if (acc[i]->kind == N_INDEX)
      walk_node(w, acc[i]->index);
}

/* Emits the references of call 'n', which is followed by the accessors
 * acc[0..na) (for activity('x').output.y safety). */
static void walk_call(Walker *w, const Node *n, const Node *const *acc, int na)
{
  emit(w, EXPR_REF_CALL, n->fn_name, strlen(n->fn_name), n->n_args, n->off,
       n->len, false);
  if (n->call == CALL_ITEM)
    emit(w, EXPR_REF_ITEM, "item", 4, 0, n->off, n->len, false);
  if ((n->call == CALL_ACTIVITY || n->call == CALL_VARIABLES) &&
      is_str_lit(n->args[0])) {
    bool unsafe = n->call == CALL_ACTIVITY && na >= 2 && !acc[0]->null_safe &&
                  acc_is(acc[0], "output") && !acc[1]->null_safe;
    emit(w, n->call == CALL_ACTIVITY ? EXPR_REF_ACTIVITY : EXPR_REF_VARIABLE,
         val_str(n->args[0]->val), val_strlen(n->args[0]->val), 0, n->off,
         n->len, unsafe);
  }
  for (int i = 0; i < n->n_args; i++)
    walk_node(w, n->args[i]);
}

static void walk_node(Walker *w, const Node *n)
{
  switch (n->kind) {
  case N_LIT:
    return;
  case N_MEMBER:
  case N_INDEX:
    walk_chain(w, n);
    return;
  case N_CALL:
    walk_call(w, n, NULL, 0);
    return;
  }
}

void expr_walk(const Expr *e, void (*fn)(void *ud, const ExprRef *ref),
               void *ud)
{
  Walker w = {e, fn, ud};
  for (int i = 0; i < e->t.n_segs; i++)
    if (e->t.segs[i].is_expr)
      walk_node(&w, e->t.segs[i].root);
}
