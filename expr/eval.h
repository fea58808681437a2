/*
 * expr/eval.h -- compiling and evaluating ADF templates
 *
 * A template is any JSON string of a definition: a plain literal, a
 * whole-value expression "@expr" (keeps its type), or text with "@{...}"
 * interpolations (always a string); "@@" escapes.  expr_compile() parses
 * once into a reusable tree; expr_eval() runs it against an EvalEnv, the
 * only way the evaluator sees the world (the engine, `adfrun eval` and
 * tests each fill one in).  Nothing here knows about activities or runs.
 */
#ifndef EXPR_EVAL_H
#define EXPR_EVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "expr/err.h"
#include "expr/value.h"

/* Maximum characters of one expression (ADF limit). */
#define EXPR_MAX_LEN 8192

/* What an expression can see.  Every pointer is borrowed for the call.
 * A NULL callback or value means "not available here": using it is an
 * InvalidTemplate error naming the function. */
typedef struct EvalEnv {
  void *ud; /* passed back to every callback */
  /* pipeline(): system variables plus "parameters" and
   * "globalParameters" objects. */
  const Value *pipeline;
  /* variables('name'): borrowed value, or NULL when not declared. */
  const Value *(*variable)(void *ud, const char *name, size_t len);
  /* activity('name'): borrowed {output, status, error} object, or NULL
   * when no such activity has run (error message is the caller's: set
   * *err yourself and return NULL for a precise message, else a generic
   * one is used). */
  const Value *(*activity)(void *ud, const char *name, size_t len, Err *err);
  const Value *item;           /* item(); NULL outside ForEach/Filter */
  const Value *dataset;        /* dataset(); NULL outside datasets */
  const Value *linked_service; /* linkedService(); NULL elsewhere */
  /* The run's clock: current UTC time as .NET ticks (100 ns since
   * 0001-01-01).  NULL = the system clock. */
  int64_t (*now_ticks)(void *ud);
  /* The run's seeded generator: 64 random bits.  NULL = an internal
   * generator seeded from the time. */
  uint64_t (*random)(void *ud);
} EvalEnv;

typedef struct Expr Expr; /* single owner: expr_free() */

/* Compiles the template 'src' (not NUL-terminated necessarily).  Returns
 * a new Expr, or NULL with *err set (ERR_EXPR_SYNTAX / ERR_EXPR_TOO_LONG /
 * ERR_EXPR_UNKNOWN_FUNCTION / ERR_EXPR_ARITY, loc.off/len/expr filled). */
Expr *expr_compile(const char *src, size_t len, Err *err);
void expr_free(Expr *e);
/* True when the template has no expression at all (a plain literal). */
bool expr_is_literal(const Expr *e);
/* The template text as compiled (borrowed). */
const char *expr_source(const Expr *e);

/* Evaluates a compiled template.  Returns a new reference, or NULL with
 * *err set (code from the EXPR_* rows, ADF message text, loc span). */
Value *expr_eval(const Expr *e, const EvalEnv *env, Err *err);

/* Compiles and evaluates a template string in one step. */
Value *expr_eval_string(const char *src, size_t len, const EvalEnv *env,
                        Err *err);

/* Evaluates a definition value the way ADF evaluates activity inputs:
 * a string is a template; {"value": s, "type": "Expression"} is the
 * template s; arrays and other objects are rebuilt with every nested
 * string evaluated; other values are returned as they are.  Returns a
 * new reference, or NULL with *err set (err->loc.path gets the JSON path
 * below 'v' where the failure happened). */
Value *expr_eval_value(const Value *v, const EvalEnv *env, Err *err);

/* True when 'v' is an {"value": ..., "type": "Expression"} object. */
bool expr_is_expression_object(const Value *v);

/* ---- Static inspection (for `adfrun validate`) ---------------------- */

typedef enum ExprRefKind {
  EXPR_REF_CALL,      /* any function call: name, n_args */
  EXPR_REF_ACTIVITY,  /* activity('<literal>') */
  EXPR_REF_VARIABLE,  /* variables('<literal>') */
  EXPR_REF_PARAMETER, /* pipeline().parameters.<name> or ['<name>'] */
  EXPR_REF_GLOBAL,    /* pipeline().globalParameters.<name> */
  EXPR_REF_DATASET,   /* dataset().<name> */
  EXPR_REF_LINKED,    /* linkedService().<name> */
  EXPR_REF_ITEM       /* item() */
} ExprRefKind;

typedef struct ExprRef {
  ExprRefKind kind;
  const char *name; /* function or referenced name; borrowed */
  size_t name_len;
  int n_args;   /* EXPR_REF_CALL only */
  int off, len; /* span inside expr_source() */
  /* EXPR_REF_ACTIVITY: true when the reference continues with
   * '.output.<x>' without '?' (fails when the activity was skipped). */
  bool unsafe_output;
} ExprRef;

/* Calls 'fn' for every reference in 'e', in source order. */
void expr_walk(const Expr *e, void (*fn)(void *ud, const ExprRef *ref),
               void *ud);

#endif /* EXPR_EVAL_H */
