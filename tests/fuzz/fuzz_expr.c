/*
 * tests/fuzz/fuzz_expr.c -- libFuzzer target for templates and expressions
 *
 * Compiles arbitrary bytes as a template and, when that works, evaluates
 * it against a small fixed context (fixed clock and seed).  An Err is a
 * normal outcome; a crash, a leak or a sanitizer report is a bug.  Built
 * with -DADF_FUZZ_REPLAY it is a plain program that runs the files named
 * on its command line (tests/fuzz/regressions/).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr/ctx.h"
#include "expr/eval.h"
#include "expr/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char fixed_context[] =
    "{\"parameters\": {\"a\": \"x\", \"n\": 3, \"arr\": [1, 2.5, \"s\", null],"
    " \"obj\": {\"K\": {\"v\": true}}},"
    " \"variables\": {\"v\": [\"a\", \"b\"], \"s\": \"str\"},"
    " \"activities\": {\"Poll\": {\"status\": \"Succeeded\", \"output\":"
    " {\"firstRow\": {\"id\": 7}, \"value\": []}, \"error\": null}},"
    " \"item\": {\"name\": \"it\"}, \"dataset\": {\"p\": 1},"
    " \"linkedService\": {\"u\": \"x\"},"
    " \"now\": \"2024-05-01T00:00:00Z\", \"seed\": 1}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static Value *json;
  ExprContext cx;
  Err err = ERR_INIT;
  Expr *e;

  if (!json) {
    json = json_parse(fixed_context, strlen(fixed_context), NULL, &err);
    if (!json)
      abort();
  }
  e = expr_compile((const char *)data, size, &err);
  if (!e)
    return 0;
  if (!ctx_init(&cx, json, &err))
    abort();
  err = (Err)ERR_INIT;
  val_unref(expr_eval(e, &cx.env, &err));
  ctx_fini(&cx);
  expr_free(e);
  return 0;
}

#include "tests/fuzz/replay.h"
