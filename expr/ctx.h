/*
 * expr/ctx.h -- an EvalEnv built from a JSON "context" value
 *
 * The shape `adfrun eval --context` and the tests/expr files use:
 *   {"parameters": {}, "globalParameters": {}, "system": {"RunId", ...},
 *    "variables": {}, "activities": {"Name": {"status","output","error"}},
 *    "item": ..., "dataset": {}, "linkedService": {},
 *    "now": "2024-05-01T00:00:00Z", "seed": 1}
 * Every key is optional.  "now" fixes the clock; "seed" makes rand() and
 * guid() deterministic.  The ExprContext owns everything the env points at.
 */
#ifndef EXPR_CTX_H
#define EXPR_CTX_H

#include <stdbool.h>
#include <stdint.h>

#include "expr/err.h"
#include "expr/eval.h"
#include "expr/value.h"

typedef struct ExprContext {
  EvalEnv env;       /* ready to pass to expr_eval(); env.ud = this */
  Value *pipeline;   /* owned: system variables + parameters */
  Value *variables;  /* owned object */
  Value *activities; /* owned object */
  Value *item;       /* owned; NULL when the context has no "item" */
  Value *dataset;    /* owned or NULL */
  Value *linked;     /* owned or NULL */
  bool has_now;
  int64_t now_ticks; /* "now" as .NET ticks (UTC) */
  uint64_t rng;      /* splitmix64 state when "seed" was given */
} ExprContext;

/* Fills *c from 'json' (an object, or NULL for an empty context).  The
 * ExprContext must not move afterwards (env.ud points at it).  Returns
 * false with *err set (ERR_USAGE: a key of the wrong type or a bad
 * "now"), leaving *c safe to ctx_fini(). */
bool ctx_init(ExprContext *c, const Value *json, Err *err);
void ctx_fini(ExprContext *c);

#endif /* EXPR_CTX_H */
