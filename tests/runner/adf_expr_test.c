/*
 * tests/runner/adf_expr_test.c -- runs the tests/expr .test files (STYLE §6.1)
 *
 * Each group is three lines: template, context (JSON or '-' for the
 * current %%CONTEXT), expected JSON value; %%FAIL <CODE> makes line 3 the
 * exact error message; %%RAWJSON makes line 1 a JSON string literal.
 * Failures print as "file:line: expected X, got Y"; the last line is
 * "N passed, N failed".  Links only adf_expr.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr/ctx.h"
#include "expr/err.h"
#include "expr/eval.h"
#include "expr/json.h"
#include "expr/strbuf.h"
#include "expr/value.h"

static int n_passed, n_failed, n_seen;
static long opt_skip = 0, opt_take = -1;

typedef struct Lines {
  char **v; /* owned */
  int n;
} Lines;

static void split_lines(char *text, Lines *out)
{
  int cap = 64;
  out->v = xmalloc(sizeof(char *) * (size_t)cap);
  out->n = 0;
  for (char *p = text; *p || p == text;) {
    char *nl = strchr(p, '\n');
    if (out->n == cap) {
      cap *= 2;
      out->v = xrealloc(out->v, sizeof(char *) * (size_t)cap);
    }
    out->v[out->n++] = p;
    if (!nl)
      break;
    *nl = '\0';
    if (nl > p && nl[-1] == '\r')
      nl[-1] = '\0';
    p = nl + 1;
    if (!*p)
      break;
  }
}

static void show(const Value *v, StrBuf *out)
{
  if (!v) {
    sb_puts(out, "(nothing)");
    return;
  }
  val_to_json(v, out);
}

static Value *parse_json_line(const char *s, Err *err)
{
  return json_parse(s, strlen(s), NULL, err);
}

/* Runs one group; lines are 1-based numbers for messages. */
static void run_group(const char *file, int line, const char *l1,
                      const char *l2, const char *l3, const Value *cur_ctx,
                      const char *fail_code, bool raw)
{
  Err err = ERR_INIT, perr = ERR_INIT;
  Value *ctx_json = NULL, *got = NULL, *want = NULL, *rawv = NULL;
  ExprContext cx;
  const char *src = l1;
  size_t src_len = strlen(l1);
  StrBuf a, b;

  n_seen++;
  if (n_seen <= opt_skip || (opt_take >= 0 && n_seen > opt_skip + opt_take))
    return;
  sb_init(&a);
  sb_init(&b);
  if (raw) {
    rawv = parse_json_line(l1, &perr);
    if (!rawv || val_kind(rawv) != VAL_STRING) {
      printf("%s:%d: %%RAWJSON line is not a JSON string: %s\n", file, line,
             perr.msg);
      n_failed++;
      goto done;
    }
    src = val_str(rawv);
    src_len = val_strlen(rawv);
  }
  if (strcmp(l2, "-") == 0) {
    ctx_json = cur_ctx ? val_ref(cur_ctx) : NULL;
  } else {
    ctx_json = parse_json_line(l2, &perr);
    if (!ctx_json) {
      printf("%s:%d: bad context JSON: %s\n", file, line + 1, perr.msg);
      n_failed++;
      goto done;
    }
  }
  if (!ctx_init(&cx, ctx_json, &perr)) {
    printf("%s:%d: bad context: %s\n", file, line + 1, perr.msg);
    ctx_fini(&cx);
    n_failed++;
    goto done;
  }
  got = expr_eval_string(src, src_len, &cx.env, &err);
  ctx_fini(&cx);
  if (fail_code) {
    if (got) {
      show(got, &b);
      printf("%s:%d: expected %s error '%s', got %s\n", file, line, fail_code,
             l3, b.s);
      n_failed++;
    } else if (strcmp(err_code_name(err.code), fail_code) != 0 ||
               strcmp(err.msg, l3) != 0) {
      printf("%s:%d: expected %s '%s', got %s '%s'\n", file, line, fail_code,
             l3, err_code_name(err.code), err.msg);
      n_failed++;
    } else {
      n_passed++;
    }
    goto done;
  }
  want = parse_json_line(l3, &perr);
  if (!want) {
    printf("%s:%d: bad expected JSON: %s\n", file, line + 2, perr.msg);
    n_failed++;
    goto done;
  }
  if (!got) {
    show(want, &a);
    printf("%s:%d: expected %s, got %s '%s'\n", file, line, a.s,
           err_code_name(err.code), err.msg);
    n_failed++;
  } else if (!val_equal(want, got)) {
    show(want, &a);
    show(got, &b);
    printf("%s:%d: expected %s, got %s\n", file, line, a.s, b.s);
    n_failed++;
  } else {
    n_passed++;
  }
done:
  sb_fini(&a);
  sb_fini(&b);
  val_unref(ctx_json);
  val_unref(got);
  val_unref(want);
  val_unref(rawv);
}

static int run_file(const char *file)
{
  size_t len;
  char *text = sb_read_file(file, &len);
  Lines L;
  Value *cur_ctx = NULL;
  char fail_code[64] = "";
  bool raw = false;
  int groups = 0;

  if (!text) {
    printf("%s: cannot read\n", file);
    n_failed++;
    return 1;
  }
  split_lines(text, &L);
  for (int i = 0; i < L.n;) {
    const char *l = L.v[i];
    if (l[0] == '\0' || l[0] == '#') {
      i++;
      continue;
    }
    if (strncmp(l, "%%CONTEXT", 9) == 0) {
      Err e = ERR_INIT;
      val_unref(cur_ctx);
      cur_ctx = parse_json_line(l + 9, &e);
      if (!cur_ctx) {
        printf("%s:%d: bad %%%%CONTEXT: %s\n", file, i + 1, e.msg);
        n_failed++;
      }
      i++;
      continue;
    }
    if (strncmp(l, "%%FAIL", 6) == 0) {
      const char *c = l + 6;
      while (*c == ' ')
        c++;
      snprintf(fail_code, sizeof(fail_code), "%s", c);
      i++;
      continue;
    }
    if (strcmp(l, "%%RAWJSON") == 0) {
      raw = true;
      i++;
      continue;
    }
    if (i + 2 >= L.n) {
      printf("%s:%d: incomplete group (need 3 lines)\n", file, i + 1);
      n_failed++;
      break;
    }
    run_group(file, i + 1, L.v[i], L.v[i + 1], L.v[i + 2], cur_ctx,
              fail_code[0] ? fail_code : NULL, raw);
    fail_code[0] = '\0';
    raw = false;
    groups++;
    i += 3;
  }
  /* A directive with no group after it, or a file without a single
   * group, would otherwise pass without testing anything. */
  if (fail_code[0] || raw) {
    printf("%s: %s without a group after it\n", file,
           raw ? "%%RAWJSON" : "%%FAIL");
    n_failed++;
  }
  if (groups == 0) {
    printf("%s: no test groups\n", file);
    n_failed++;
  }
  val_unref(cur_ctx);
  free(L.v);
  free(text);
  return 0;
}

int main(int argc, char **argv)
{
  int files = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--skip") == 0 && i + 1 < argc) {
      opt_skip = strtol(argv[++i], NULL, 10);
    } else if (strcmp(argv[i], "--take") == 0 && i + 1 < argc) {
      opt_take = strtol(argv[++i], NULL, 10);
    } else if (argv[i][0] == '-') {
      fprintf(stderr, "usage: adf_expr_test [--skip N] [--take N] FILE...\n");
      return 2;
    } else {
      run_file(argv[i]);
      files++;
    }
  }
  if (!files) {
    fprintf(stderr, "usage: adf_expr_test [--skip N] [--take N] FILE...\n");
    return 2;
  }
  printf("%d passed, %d failed\n", n_passed, n_failed);
  return n_failed ? 1 : 0;
}
