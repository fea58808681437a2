/*
 * expr/eval_accessors.h -- evaluator extras: accessor builtins and tracing
 *
 * The accessor functions (pipeline(), variables(), activity(), item(),
 * dataset(), linkedService()) read the EvalEnv, so eval.c implements them;
 * builtins.c points its table rows at these.  The evaluator itself
 * short-circuits them to borrow values without counting; these entry
 * points exist for the table and behave the same.  and/or/if are BI_LAZY
 * rows with no function: eval.c evaluates them itself.
 */
#ifndef EXPR_EVAL_ACCESSORS_H
#define EXPR_EVAL_ACCESSORS_H

#include "expr/builtins.h"
#include "expr/strbuf.h"

/* Each returns a new reference, or NULL with *err set (InvalidTemplate
 * text: the accessor is not available here, or the name is unknown). */
Value *eval_bi_pipeline(EvalCtx *cx, Value *const *argv, int argc, Err *err);
Value *eval_bi_variables(EvalCtx *cx, Value *const *argv, int argc, Err *err);
Value *eval_bi_activity(EvalCtx *cx, Value *const *argv, int argc, Err *err);
Value *eval_bi_item(EvalCtx *cx, Value *const *argv, int argc, Err *err);
Value *eval_bi_dataset(EvalCtx *cx, Value *const *argv, int argc, Err *err);
Value *eval_bi_linked_service(EvalCtx *cx, Value *const *argv, int argc,
                              Err *err);

/* Evaluates 'e' like expr_eval() and appends to 'out' the evaluation
 * tree: one line per call and accessor, indented two spaces per level,
 * "<source text> => <compact JSON value>" (or "=> error").  Returns the
 * result (new reference) or NULL with *err set; the trace is written in
 * both cases. */
Value *expr_explain(const Expr *e, const EvalEnv *env, StrBuf *out, Err *err);

#endif /* EXPR_EVAL_ACCESSORS_H */
