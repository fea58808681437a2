/*
 * interp/sched_eval.c -- evaluation of definition values: expression
 *                        strings compiled once and cached by address
 *
 * A failing expression's error gets the JSON path of the string inside
 * the activity (e.g. properties.activities[1].typeProperties.value).
 */
#include "interp/sched_int.h"

#include <stdlib.h>
#include <string.h>

#include "expr/srcmap.h"
#include "expr/strbuf.h"

static size_t ec_hash(const Value *v, size_t cap)
{
  uintptr_t x = (uintptr_t)v;
  return (size_t)((x >> 4) * 0x9E3779B97F4A7C15ULL) & (cap - 1);
}

static void ec_grow(Engine *eng)
{
  size_t ocap = eng->cap_ec, i;
  ExprSlot *old = eng->ec;

  eng->cap_ec = ocap ? ocap * 2 : 256;
  eng->ec = xcalloc(eng->cap_ec, sizeof(ExprSlot));
  for (i = 0; i < ocap; i++)
    if (old[i].key) {
      size_t h = ec_hash(old[i].key, eng->cap_ec);
      while (eng->ec[h].key)
        h = (h + 1) & (eng->cap_ec - 1);
      eng->ec[h] = old[i];
    }
  free(old);
}

/* The compiled form of the definition string 'v' (cached by address; the
 * source text is compared so a reused address is recompiled). */
static const Expr *compiled(Engine *eng, const Value *v, Err *err)
{
  size_t h;
  Expr *e;

  if (eng->n_ec * 2 >= eng->cap_ec)
    ec_grow(eng);
  h = ec_hash(v, eng->cap_ec);
  while (eng->ec[h].key) {
    if (eng->ec[h].key == v) {
      const char *src = expr_source(eng->ec[h].e);
      if (strlen(src) == val_strlen(v) &&
          memcmp(src, val_str(v), val_strlen(v)) == 0)
        return eng->ec[h].e;
      e = expr_compile(val_str(v), val_strlen(v), err);
      if (!e)
        return NULL;
      expr_free(eng->ec[h].e);
      eng->ec[h].e = e;
      return e;
    }
    h = (h + 1) & (eng->cap_ec - 1);
  }
  e = expr_compile(val_str(v), val_strlen(v), err);
  if (!e)
    return NULL;
  eng->ec[h].key = v;
  eng->ec[h].e = e;
  eng->n_ec++;
  return e;
}

static void path_fill(const PathSeg *seg, const char *base, Err *err)
{
  const PathSeg *chain[64];
  int n = 0;
  StrBuf sb;

  if (err->loc.path[0])
    return;
  for (; seg && n < 64; seg = seg->up)
    chain[n++] = seg;
  sb_init(&sb);
  sb_puts(&sb, base ? base : "");
  while (n-- > 0) {
    if (chain[n]->key)
      srcpath_key(&sb, chain[n]->key, chain[n]->klen);
    else
      srcpath_index(&sb, chain[n]->idx);
  }
  err_set_path(err, sb.s);
  sb_fini(&sb);
}

Value *sched_eval_def(Engine *eng, const Value *v, const EvalEnv *env,
                      const PathSeg *at, const char *base, Err *err)
{
  const Expr *e;
  Value *out;
  size_t i, n;

  switch (val_kind(v)) {
  case VAL_STRING:
    if (!memchr(val_str(v), '@', val_strlen(v)))
      return val_ref(v);
    e = compiled(eng, v, err);
    out = e ? expr_eval(e, env, err) : NULL;
    if (!out)
      path_fill(at, base, err);
    return out;
  case VAL_OBJECT:
    if (expr_is_expression_object(v)) {
      const Value *s = val_object_peek_ci(v, "value", 5);
      PathSeg seg = {at, "value", 5, 0};
      if (!s || val_kind(s) != VAL_STRING)
        return val_ref(s ? s : v);
      return sched_eval_def(eng, s, env, &seg, base, err);
    }
    n = val_object_len(v);
    out = val_object_new();
    for (i = 0; i < n; i++) {
      size_t kl;
      const char *k = val_object_key_peek(v, i, &kl);
      PathSeg seg = {at, k, kl, 0};
      Value *x = sched_eval_def(eng, val_object_value_peek(v, i), env, &seg,
                                base, err);
      if (!x) {
        val_unref(out);
        return NULL;
      }
      val_object_set_take(out, k, kl, x);
    }
    return out;
  case VAL_ARRAY:
    n = val_array_len(v);
    out = val_array_new();
    for (i = 0; i < n; i++) {
      PathSeg seg = {at, NULL, 0, i};
      Value *x =
          sched_eval_def(eng, val_array_peek(v, i), env, &seg, base, err);
      if (!x) {
        val_unref(out);
        return NULL;
      }
      val_array_push_take(out, x);
    }
    return out;
  default:
    return val_ref(v);
  }
}

Value *act_eval(ActRun *run, const Value *v, Err *err)
{
  return sched_eval_def(run->eng, v, &run->scope->env, NULL, NULL, err);
}

Value *act_eval_item(ActRun *run, const Value *v, const Value *item, Err *err)
{
  EvalEnv env = run->scope->env;
  env.item = item;
  return sched_eval_def(run->eng, v, &env, NULL, NULL, err);
}
