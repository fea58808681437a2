/*
 * tests/unit/test_expr.c -- compile/eval/walk/expr_eval_value and ownership
 *
 * The data-driven cases live in the tests/expr files (adf_expr_test); this
 * file checks the C API: reuse of one compiled Expr, literal detection,
 * error locations, expr_walk references, definition-value evaluation
 * (expression objects, JSON paths in errors, sharing of unchanged trees)
 * and that results are owned references independent of the Expr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr/ctx.h"
#include "expr/eval.h"
#include "expr/eval_accessors.h"
#include "expr/json.h"
#include "tests/check.h"

static Value *J(const char *s)
{
  Err err = ERR_INIT;
  Value *v = json_parse(s, strlen(s), NULL, &err);
  if (!v) {
    fprintf(stderr, "bad JSON in test: %s\n", err.msg);
    abort();
  }
  return v;
}

static bool eval_eq(const ExprContext *cx, const char *src, const char *want)
{
  Err err = ERR_INIT;
  Value *got = expr_eval_string(src, strlen(src), &cx->env, &err);
  Value *w = J(want);
  bool ok = got && val_equal(got, w);
  if (!ok)
    fprintf(stderr, "  %s: %s\n", src, got ? "wrong value" : err.msg);
  val_unref(got);
  val_unref(w);
  return ok;
}

typedef struct Refs {
  char buf[2048];
} Refs;

static void collect(void *ud, const ExprRef *r)
{
  Refs *R = ud;
  static const char *const kinds[] = {"call",   "activity", "variable", "param",
                                      "global", "dataset",  "linked",   "item"};
  size_t n = strlen(R->buf);
  snprintf(R->buf + n, sizeof(R->buf) - n, "%s:%.*s%s%s;", kinds[r->kind],
           (int)r->name_len, r->name, r->unsafe_output ? "!" : "",
           r->kind == EXPR_REF_CALL && r->n_args ? "+" : "");
}

static void test_compile_reuse(void)
{
  Value *cj = J("{\"parameters\": {\"a\": \"x\", \"n\": 1}}");
  ExprContext cx;
  Err err = ERR_INIT;
  const char *src = "@concat(pipeline().parameters.a, string(add(1,2)))";
  Expr *e = expr_compile(src, strlen(src), &err);

  CHECK(ctx_init(&cx, cj, &err), "ctx_init: %s", err.msg);
  CHECK(e != NULL, "compile: %s", err.msg);
  CHECK(!expr_is_literal(e), "not a literal");
  CHECK(strcmp(expr_source(e), src) == 0, "source kept");
  for (int i = 0; i < 3; i++) {
    Value *v = expr_eval(e, &cx.env, &err);
    CHECK(v && val_kind(v) == VAL_STRING && strcmp(val_str(v), "x3") == 0,
          "eval %d", i);
    val_unref(v);
  }
  /* A borrowed result outlives the Expr and the context. */
  Expr *e2 = expr_compile("@pipeline().parameters", 22, &err);
  Value *params = expr_eval(e2, &cx.env, &err);
  expr_free(e2);
  ctx_fini(&cx);
  val_unref(cj);
  CHECK(params && val_object_len(params) == 2, "owned result survives");
  val_unref(params);
  expr_free(e);
  expr_free(NULL);
}

static void test_literals(void)
{
  Err err = ERR_INIT;
  Expr *e = expr_compile("plain text", 10, &err);
  CHECK(e && expr_is_literal(e), "plain text is literal");
  Value *v = expr_eval(e, NULL, &err);
  CHECK(v && strcmp(val_str(v), "plain text") == 0, "literal value");
  val_unref(v);
  expr_free(e);
  e = expr_compile("@@x", 3, &err);
  CHECK(e && expr_is_literal(e), "@@ is literal");
  expr_free(e);
  /* Embedded NUL in a literal is kept; in an expression it is an error. */
  e = expr_compile("a\0b", 3, &err);
  v = e ? expr_eval(e, NULL, &err) : NULL;
  CHECK(v && val_strlen(v) == 3, "NUL kept in literal");
  val_unref(v);
  expr_free(e);
  e = expr_compile("@'a'\0", 5, &err);
  CHECK(!e && err.code == ERR_EXPR_SYNTAX, "NUL rejected in expression");
}

static void test_error_loc(void)
{
  Err err = ERR_INIT;
  Expr *e = expr_compile("@concat('a',", 12, &err);
  CHECK(!e && err.code == ERR_EXPR_SYNTAX, "syntax error");
  CHECK(err.loc.off == 12 && strcmp(err.loc.expr, "@concat('a',") == 0,
        "caret at end: off=%d expr=%s", err.loc.off, err.loc.expr);

  Value *cj = J("{\"parameters\": {\"o\": {\"a\": 1}}}");
  ExprContext cx;
  err_init(&err);
  ctx_init(&cx, cj, &err);
  const char *src = "x @{pipeline().parameters.o.b} y";
  Value *v = expr_eval_string(src, strlen(src), &cx.env, &err);
  CHECK(!v && err.code == ERR_EXPR_NO_PROPERTY, "missing property");
  CHECK(err.loc.off == 4 && err.loc.len == 25, "span of the accessor: %d+%d",
        err.loc.off, err.loc.len);
  ctx_fini(&cx);
  val_unref(cj);
}

static void test_walk(void)
{
  Err err = ERR_INIT;
  Refs R = {""};
  const char *src = "@concat(activity('A').output.x, activity('B')?.output.y, "
                    "variables('v'), pipeline().parameters.p, "
                    "pipeline().globalParameters['g'], item(), dataset().d)";
  Expr *e = expr_compile(src, strlen(src), &err);
  CHECK(e != NULL, "compile: %s", err.msg);
  expr_walk(e, collect, &R);
  CHECK(strcmp(R.buf, "call:concat+;call:activity+;activity:A!;call:activity+;"
                      "activity:B;call:variables+;variable:v;call:pipeline;"
                      "param:p;call:pipeline;global:g;call:item;item:item;"
                      "call:dataset;dataset:d;") == 0,
        "refs: %s", R.buf);
  expr_free(e);
}

static void test_eval_value(void)
{
  Value *cj = J("{\"parameters\": {\"u\": \"http://x\", \"n\": 5}}");
  ExprContext cx;
  Err err = ERR_INIT;
  ctx_init(&cx, cj, &err);

  Value *def = J("{\"url\": \"@pipeline().parameters.u\", \"n\": {\"value\": "
                 "\"@pipeline().parameters.n\", \"type\": \"Expression\"}, "
                 "\"list\": [1, \"@{add(1,1)}\", {\"k\": \"lit\"}], "
                 "\"t\": true}");
  Value *got = expr_eval_value(def, &cx.env, &err);
  Value *want = J("{\"url\": \"http://x\", \"n\": 5, \"list\": [1, \"2\", "
                  "{\"k\": \"lit\"}], \"t\": true}");
  CHECK(got && val_equal(got, want), "definition evaluated: %s", err.msg);
  val_unref(got);
  val_unref(want);
  val_unref(def);

  /* Nothing to evaluate: the same value comes back, shared. */
  def = J("{\"a\": [1, 2, {\"b\": \"c\"}]}");
  got = expr_eval_value(def, &cx.env, &err);
  CHECK(got == def, "unchanged tree shared");
  val_unref(got);
  val_unref(def);

  def = J("{\"a\": [1, {\"b\": \"@pipeline().parameters.zz\"}]}");
  err_init(&err);
  got = expr_eval_value(def, &cx.env, &err);
  CHECK(!got && err.code == ERR_EXPR_NO_PROPERTY, "nested error");
  CHECK(strcmp(err.loc.path, "a[1].b") == 0, "path: %s", err.loc.path);
  val_unref(def);

  def = J("{\"value\": \"@add(1, 2)\", \"type\": \"Expression\"}");
  CHECK(expr_is_expression_object(def), "expression object");
  err_init(&err);
  got = expr_eval_value(def, &cx.env, &err);
  CHECK(got && val_kind(got) == VAL_INT && val_get_int(got) == 3,
        "expression object keeps type");
  val_unref(got);
  val_unref(def);
  def = J("{\"value\": \"x\", \"type\": \"String\"}");
  CHECK(!expr_is_expression_object(def), "not an expression object");
  val_unref(def);

  ctx_fini(&cx);
  val_unref(cj);
}

static void test_explain_and_clock(void)
{
  Value *cj = J("{\"now\": \"2024-05-01T00:00:00Z\", \"seed\": 7, "
                "\"parameters\": {\"a\": 1}}");
  ExprContext cx, cx2;
  Err err = ERR_INIT;
  StrBuf out;

  ctx_init(&cx, cj, &err);
  CHECK(eval_eq(&cx, "@utcNow()", "\"2024-05-01T00:00:00.0000000Z\""),
        "clock fixed by now");
  CHECK(eval_eq(&cx, "@pipeline().TriggerTime",
                "\"2024-05-01T00:00:00.0000000Z\""),
        "TriggerTime defaults to now");
  /* Same seed, same sequence. */
  ctx_init(&cx2, cj, &err);
  Value *r1 = expr_eval_string("@rand(0, 1000000)", 17, &cx.env, &err);
  Value *r2 = expr_eval_string("@rand(0, 1000000)", 17, &cx2.env, &err);
  CHECK(r1 && r2 && val_equal(r1, r2), "seeded rand is deterministic");
  val_unref(r1);
  val_unref(r2);
  ctx_fini(&cx2);

  Expr *e = expr_compile("@if(true, pipeline().parameters.a, 0)", 37, &err);
  sb_init(&out);
  Value *v = expr_explain(e, &cx.env, &out, &err);
  CHECK(v && val_get_int(v) == 1, "explain result");
  CHECK(strstr(out.s, "  pipeline().parameters.a => 1\n") != NULL,
        "explain tree: %s", out.s);
  val_unref(v);
  sb_fini(&out);
  expr_free(e);
  ctx_fini(&cx);
  val_unref(cj);
}

int main(void)
{
  test_compile_reuse();
  test_literals();
  test_error_loc();
  test_walk();
  test_eval_value();
  test_explain_and_clock();
  return CHECK_DONE();
}
