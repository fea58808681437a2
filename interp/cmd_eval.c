/*
 * interp/cmd_eval.c -- `adfrun eval`: evaluate one template or a batch
 *
 * Single mode prints the result as compact JSON on stdout (exit 0) or the
 * error with its caret line on stderr (exit 1).  --batch reads JSON Lines
 * {"expr", "context"?} and writes one {"value"} or {"error"} line each.
 * Usage errors and unreadable context files exit 2.
 */
#include "interp/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr/ctx.h"
#include "expr/eval.h"
#include "expr/eval_accessors.h"
#include "expr/json.h"
#include "expr/strbuf.h"
#include "expr/value.h"
#include "interp/load.h"

static const char usage[] =
    "usage: adfrun eval '<template>' [--context FILE] [--explain]\n"
    "       adfrun eval --batch FILE [--context FILE]\n"
    "\n"
    "Evaluates an ADF template the way a pipeline would and prints the\n"
    "result as JSON.  '@expr' keeps its type, text with '@{...}' is a\n"
    "string, anything else is a literal.\n"
    "\n"
    "  --context FILE  JSON object: parameters, globalParameters, system,\n"
    "                  variables, activities, item, dataset, linkedService,\n"
    "                  now (fixes utcNow()), seed (fixes rand()/guid())\n"
    "  --explain       print every call and accessor with its value\n"
    "  --batch FILE    JSON Lines {\"expr\": ..., \"context\": {...}}; writes\n"
    "                  {\"value\": ...} or {\"error\": {...}} per line\n"
    "\n"
    "examples:\n"
    "  adfrun eval \"@concat('a', string(add(1, 2)))\"        -> \"a3\"\n"
    "  adfrun eval '@{pipeline().parameters.n}' --context c.json\n"
    "  adfrun eval \"@activity('Get').output.firstRow.id\" --context c.json\n"
    "  adfrun eval \"@if(equals(1, 1), 'yes', 'no')\" --explain\n"
    "\n"
    "exit status: 0 ok, 1 expression error, 2 usage or unreadable input\n";

/* Reads and parses the --context file.  Returns a new reference, or NULL
 * after printing the problem. */
static Value *load_context(const char *path)
{
  size_t len;
  Err err = ERR_INIT;
  char *text = load_file_utf8(path, &len, &err);
  Value *v;

  if (!text) {
    err_print(&err, stderr);
    return NULL;
  }
  v = json_parse(text, len, NULL, &err);
  free(text);
  if (!v) {
    err_set_file(&err, path);
    err_print(&err, stderr);
  }
  return v;
}

static void print_value(const Value *v, FILE *fp)
{
  StrBuf sb;
  sb_init(&sb);
  val_to_json(v, &sb);
  fwrite(sb.s, 1, sb.len, fp);
  fputc('\n', fp);
  sb_fini(&sb);
}

static int eval_one(const char *tmpl, const Value *ctx_json, bool explain)
{
  ExprContext cx;
  Err err = ERR_INIT;
  Value *v = NULL;
  int rc = EXIT_FAILED;

  if (!ctx_init(&cx, ctx_json, &err)) {
    fprintf(stderr, "adfrun eval: %s\n", err.msg);
    ctx_fini(&cx);
    return EXIT_USAGE;
  }
  if (explain) {
    Expr *e = expr_compile(tmpl, strlen(tmpl), &err);
    if (e) {
      StrBuf tr;
      sb_init(&tr);
      v = expr_explain(e, &cx.env, &tr, &err);
      fwrite(tr.s, 1, tr.len, stdout);
      sb_fini(&tr);
      expr_free(e);
    }
  } else {
    v = expr_eval_string(tmpl, strlen(tmpl), &cx.env, &err);
  }
  if (v) {
    print_value(v, stdout);
    rc = EXIT_OK;
  } else {
    err_print(&err, stderr);
  }
  val_unref(v);
  ctx_fini(&cx);
  return rc;
}

/* Writes {"error": {...}} for one batch line. */
static void batch_error(const Err *err, StrBuf *out)
{
  sb_puts(out, "{\"error\":{\"errorCode\":");
  val_json_quote(out, err_adf_code(err), strlen(err_adf_code(err)));
  sb_puts(out, ",\"code\":");
  val_json_quote(out, err_code_name(err->code),
                 strlen(err_code_name(err->code)));
  sb_puts(out, ",\"message\":");
  val_json_quote(out, err->msg, strlen(err->msg));
  sb_puts(out, "}}");
}

static void batch_line(const char *line, size_t len, const Value *dflt,
                       StrBuf *out)
{
  Err err = ERR_INIT;
  Value *in = json_parse(line, len, NULL, &err), *v = NULL;
  const Value *src, *ctxj;
  ExprContext cx;

  if (!in)
    goto fail;
  src = val_kind(in) == VAL_OBJECT ? val_object_peek(in, "expr") : NULL;
  if (!src || val_kind(src) != VAL_STRING) {
    err_set(&err, ERR_USAGE, NULL,
            "each line must be an object with a string \"expr\"");
    goto fail;
  }
  ctxj = val_object_peek(in, "context");
  if (!ctx_init(&cx, ctxj ? ctxj : dflt, &err)) {
    ctx_fini(&cx);
    goto fail;
  }
  v = expr_eval_string(val_str(src), val_strlen(src), &cx.env, &err);
  ctx_fini(&cx);
  if (!v)
    goto fail;
  sb_puts(out, "{\"value\":");
  val_to_json(v, out);
  sb_putc(out, '}');
  val_unref(v);
  val_unref(in);
  return;
fail:
  batch_error(&err, out);
  val_unref(in);
}

static int eval_batch(const char *path, const Value *dflt)
{
  size_t len;
  Err err = ERR_INIT;
  char *text = load_file_utf8(path, &len, &err);
  StrBuf out;

  if (!text) {
    err_print(&err, stderr);
    return EXIT_USAGE;
  }
  sb_init(&out);
  for (size_t i = 0; i < len;) {
    size_t j = i;
    while (j < len && text[j] != '\n')
      j++;
    size_t e = j;
    if (e > i && text[e - 1] == '\r')
      e--;
    bool blank = true;
    for (size_t k = i; k < e; k++)
      if (text[k] != ' ' && text[k] != '\t')
        blank = false;
    if (!blank) {
      batch_line(text + i, e - i, dflt, &out);
      sb_putc(&out, '\n');
      fwrite(out.s, 1, out.len, stdout);
      sb_reset(&out);
    }
    i = j + 1;
  }
  sb_fini(&out);
  free(text);
  return EXIT_OK;
}

int cmd_eval(int argc, char **argv)
{
  const char *tmpl = NULL, *ctx_path = NULL, *batch = NULL;
  bool explain = false;
  Value *ctx_json = NULL;
  int rc;

  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      fputs(usage, stdout);
      return EXIT_OK;
    } else if (strcmp(a, "--context") == 0 && i + 1 < argc) {
      ctx_path = argv[++i];
    } else if (strcmp(a, "--batch") == 0 && i + 1 < argc) {
      batch = argv[++i];
    } else if (strcmp(a, "--explain") == 0) {
      explain = true;
    } else if (a[0] == '-' && a[1] == '-') {
      fprintf(stderr, "adfrun eval: unknown option '%s'\n%s", a, usage);
      return EXIT_USAGE;
    } else if (!tmpl) {
      tmpl = a;
    } else {
      fprintf(stderr, "adfrun eval: more than one template given\n%s", usage);
      return EXIT_USAGE;
    }
  }
  if ((!tmpl && !batch) || (tmpl && batch)) {
    fputs(usage, stderr);
    return EXIT_USAGE;
  }
  if (ctx_path && !(ctx_json = load_context(ctx_path)))
    return EXIT_USAGE;
  rc = batch ? eval_batch(batch, ctx_json) : eval_one(tmpl, ctx_json, explain);
  val_unref(ctx_json);
  return rc;
}
