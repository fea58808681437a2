/*
 * expr/builtins.h -- the ADF function table and what builtins may ask of
 *                    the evaluator
 *
 * One sorted table of {name, min, max, fn, flags} rows; builtin_find()
 * bsearches it case-insensitively.  The evaluator checks arity against the
 * row before calling, so every function shares one arity message; type
 * checks happen inside the function through bi_type_error().
 */
#ifndef EXPR_BUILTINS_H
#define EXPR_BUILTINS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "expr/err.h"
#include "expr/eval.h"
#include "expr/value.h"

#define ARGS_ANY (-1)

/* The evaluator's state during one call (defined in eval.c). */
typedef struct EvalCtx EvalCtx;

/* argv holds 'argc' evaluated arguments, borrowed.  Returns a new
 * reference, or NULL with *err set. */
typedef Value *(*BuiltinFn)(EvalCtx *cx, Value *const *argv, int argc,
                            Err *err);

enum {
  BI_LAZY = 1 /* the evaluator evaluates the arguments itself (and, or,
                 if): 'fn' is NULL and eval.c implements the function */
};

typedef struct Builtin {
  const char *name; /* ADF spelling, e.g. "createArray" */
  int min_args, max_args;
  BuiltinFn fn;
  unsigned flags;
} Builtin;

/* Case-insensitive lookup; NULL when ADF has no such function. */
const Builtin *builtin_find(const char *name, size_t len);
size_t builtin_count(void);
const Builtin *builtin_at(size_t i);

/* ---- Services the evaluator provides to builtins (eval.c) ------------ */

/* The ADF spelling of the function being called. */
const char *eval_fn_name(const EvalCtx *cx);
/* The whole expression text (without the leading '@'), for messages. */
const char *eval_expr_text(const EvalCtx *cx);
/* Location of argument i (0-based) of the current call. */
void eval_arg_loc(const EvalCtx *cx, int i, SrcLoc *out);
/* The environment of the evaluation (borrowed). */
const EvalEnv *eval_env(const EvalCtx *cx);
/* Now, from the run's clock, as .NET ticks (UTC). */
int64_t eval_now_ticks(EvalCtx *cx);
/* 64 random bits from the run's generator. */
uint64_t eval_random(EvalCtx *cx);

/* Reports that argument i has the wrong type in ADF's words ("The
 * function 'length' expects its parameter to be an array or a string.
 * The provided value is of type 'Object'.").  'want' is the phrase after
 * "to be".  Returns NULL. */
Value *bi_type_error(EvalCtx *cx, int i, const char *want, const Value *got,
                     Err *err);
/* Reports any other evaluation failure of the current call with code
 * ERR_EXPR_EVAL and the given message.  Returns NULL. */
Value *bi_fail(EvalCtx *cx, Err *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif /* EXPR_BUILTINS_H */
