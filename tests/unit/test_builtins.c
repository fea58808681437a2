/*
 * tests/unit/test_builtins.c -- the function table against the spec and the
 * docs
 *
 * Checks that the table is sorted case-insensitively with unique names, holds
 * exactly the 84 ADF functions of ADF-SPEC 1.6 plus the accessor rows, that
 * builtin_find() finds every spelling, that every row has a "## name" section
 * in docs/functions.md, and that every example there is in
 * tests/expr/doc-examples.test (regenerate with
 * scripts/extract-doc-examples.sh). Runs from the repository root (CTest's
 * working directory).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "expr/builtins.h"
#include "expr/parse.h"
#include "expr/strbuf.h"
#include "expr/value.h"
#include "tests/check.h"

/* ADF-SPEC 1.6, in the spec's order. */
static const char *const adf_functions[] = {
    /* string (12) */
    "concat", "endsWith", "guid", "indexOf", "lastIndexOf", "replace", "split",
    "startsWith", "substring", "toLower", "toUpper", "trim",
    /* collection (10) */
    "contains", "empty", "first", "intersection", "join", "last", "length",
    "skip", "take", "union",
    /* logical (9) */
    "and", "equals", "greater", "greaterOrEquals", "if", "less", "lessOrEquals",
    "not", "or",
    /* conversion (24) */
    "array", "base64", "base64ToBinary", "base64ToString", "binary", "bool",
    "coalesce", "createArray", "dataUri", "dataUriToBinary", "dataUriToString",
    "decodeBase64", "decodeDataUri", "decodeUriComponent", "encodeUriComponent",
    "float", "int", "json", "string", "uriComponent", "uriComponentToBinary",
    "uriComponentToString", "xml", "xpath",
    /* math (9) */
    "add", "div", "max", "min", "mod", "mul", "rand", "range", "sub",
    /* date (20) */
    "addDays", "addHours", "addMinutes", "addSeconds", "addToTime",
    "convertFromUtc", "convertTimeZone", "convertToUtc", "dayOfMonth",
    "dayOfWeek", "dayOfYear", "formatDateTime", "getFutureTime", "getPastTime",
    "startOfDay", "startOfHour", "startOfMonth", "subtractFromTime", "ticks",
    "utcNow"};

static const char *const accessors[] = {
    "activity", "dataset", "item", "linkedService", "pipeline", "variables"};

#define N_ADF (sizeof(adf_functions) / sizeof(adf_functions[0]))
#define N_ACC (sizeof(accessors) / sizeof(accessors[0]))

static bool in_list(const char *name, const char *const *list, size_t n)
{
  size_t i;

  for (i = 0; i < n; i++)
    if (strcmp(name, list[i]) == 0)
      return true;
  return false;
}

static void check_table(void)
{
  size_t i, n = builtin_count();

  CHECK(N_ADF == 84, "the spec list has %zu names, not 84", N_ADF);
  CHECK(n == N_ADF + N_ACC, "table has %zu rows, want %zu", n, N_ADF + N_ACC);
  for (i = 0; i < n; i++) {
    const Builtin *b = builtin_at(i);
    bool lazy = strcmp(b->name, "and") == 0 || strcmp(b->name, "or") == 0 ||
                strcmp(b->name, "if") == 0;
    if (i > 0)
      CHECK(strcasecmp(builtin_at(i - 1)->name, b->name) < 0,
            "rows out of order or duplicated: '%s' then '%s'",
            builtin_at(i - 1)->name, b->name);
    CHECK(in_list(b->name, adf_functions, N_ADF) ||
              in_list(b->name, accessors, N_ACC),
          "'%s' is not an ADF function", b->name);
    CHECK(b->min_args >= 0 &&
              (b->max_args == ARGS_ANY || b->max_args >= b->min_args),
          "'%s' has a bad arity %d..%d", b->name, b->min_args, b->max_args);
    if (lazy)
      CHECK(b->fn == NULL && (b->flags & BI_LAZY), "'%s' must be lazy",
            b->name);
    else
      CHECK(b->fn != NULL && !(b->flags & BI_LAZY), "'%s' has no function",
            b->name);
  }
  CHECK(builtin_at(n) == NULL, "builtin_at() past the end");
}

static void check_find(void)
{
  static const char *const unknown[] = {
      "body",           "actions",    "parameters",
      "slice",          "chunk",      "formatNumber",
      "isInt",          "decimal",    "parseDateTime",
      "dateDifference", "nthIndexOf", "conca",
      "concatx",        "",           "trigger"};
  size_t i, k;
  char up[64];

  for (i = 0; i < N_ADF + N_ACC; i++) {
    const char *name = i < N_ADF ? adf_functions[i] : accessors[i - N_ADF];
    const Builtin *b = builtin_find(name, strlen(name));
    CHECK(b && strcmp(b->name, name) == 0, "builtin_find('%s')", name);
    for (k = 0; name[k] && k + 1 < sizeof(up); k++)
      up[k] = (char)toupper((unsigned char)name[k]);
    up[k] = '\0';
    b = builtin_find(up, strlen(up));
    CHECK(b && strcmp(b->name, name) == 0, "builtin_find('%s')", up);
  }
  for (i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
    CHECK(builtin_find(unknown[i], strlen(unknown[i])) == NULL,
          "'%s' must be unknown", unknown[i]);
  /* The length bounds the name: "concat(" must find concat. */
  CHECK(builtin_find("concat(", 6) != NULL, "length-bounded lookup");
}

/* Parses "@<name>(1, 1, ...)" with 'n' arguments into *t (arena *a, to
 * be finalised by the caller).  The source is gone on return: node
 * 'name' fields must not be read. */
static bool parse_call(const char *name, int n, Template *t, Arena *a, Err *err)
{
  StrBuf src;
  bool ok;

  sb_init(&src);
  sb_printf(&src, "@%s(", name);
  for (int i = 0; i < n; i++)
    sb_puts(&src, i ? ", 1" : "1");
  sb_putc(&src, ')');
  expr_arena_init(a, NULL, 0);
  ok = expr_parse_template(a, src.s, src.len, t, err);
  sb_fini(&src);
  return ok;
}

/* The parser's name cache (parse.c) must resolve every row, in any case,
 * to that row with the row's arity, the same as builtin_find(). */
static void check_parser_resolution(void)
{
  for (size_t i = 0; i < builtin_count(); i++) {
    const Builtin *b = builtin_at(i);
    char up[64];
    size_t k;
    Template t;
    Arena a;
    Err err = ERR_INIT;

    for (k = 0; b->name[k] && k + 1 < sizeof(up); k++)
      up[k] = (char)((k & 1) ? toupper((unsigned char)b->name[k])
                             : tolower((unsigned char)b->name[k]));
    up[k] = '\0';
    if (parse_call(up, b->min_args, &t, &a, &err)) {
      const Node *n = t.segs[0].root;
      CHECK(n->kind == N_CALL && n->fn_name == b->name &&
                n->max_args == b->max_args &&
                (n->call == CALL_BUILTIN ? n->bi == b : n->bi == NULL),
            "parser resolves '%s' to its row", up);
      CHECK(n->call != CALL_BUILTIN || b->fn != NULL,
            "'%s' without implementation is called as a builtin", b->name);
      expr_template_release(&t);
    } else {
      CHECK(false, "'%s' with %d arguments: %s", up, b->min_args, err.msg);
    }
    expr_arena_fini(&a);
    if (b->max_args != ARGS_ANY) {
      err_clear(&err);
      CHECK(!parse_call(b->name, b->max_args + 1, &t, &a, &err) &&
                err.code == ERR_EXPR_ARITY,
            "'%s' with %d arguments must be an arity error", b->name,
            b->max_args + 1);
      expr_arena_fini(&a);
    }
    if (b->min_args > 0) {
      err_clear(&err);
      CHECK(!parse_call(b->name, b->min_args - 1, &t, &a, &err) &&
                err.code == ERR_EXPR_ARITY,
            "'%s' with %d arguments must be an arity error", b->name,
            b->min_args - 1);
      expr_arena_fini(&a);
    }
  }
}

/* Every row has "## name"; every "## name" is a row. */
static void check_doc_sections(const char *doc)
{
  size_t i, n = builtin_count();
  const char *p;
  char want[80];

  for (i = 0; i < n; i++) {
    snprintf(want, sizeof(want), "\n## %s\n", builtin_at(i)->name);
    CHECK(strstr(doc, want) != NULL, "docs/functions.md has no '## %s'",
          builtin_at(i)->name);
  }
  for (p = strstr(doc, "\n## "); p; p = strstr(p + 1, "\n## ")) {
    const char *name = p + 4, *end = strchr(name, '\n');
    size_t len = end ? (size_t)(end - name) : strlen(name);
    if (len == strlen("Conventions used on this page") &&
        strncmp(name, "Conventions used on this page", len) == 0)
      continue;
    CHECK(builtin_find(name, len) != NULL,
          "docs/functions.md section '%.*s' is not a function", (int)len, name);
  }
}

/* Each example must appear as its group in the generated test file. */
static void check_doc_examples(const char *doc, const char *tests)
{
  const char *line = doc;
  int n_examples = 0, n_groups = 0;
  const char *p;

  while (line && *line) {
    const char *end = strchr(line, '\n');
    size_t len = end ? (size_t)(end - line) : strlen(line);
    const char *arrow;
    if (len > 5 && strncmp(line, "    @", 5) == 0 &&
        (arrow = strstr(line, "  =>  ")) != NULL && arrow < line + len) {
      StrBuf g;
      const char *expr = line + 4, *res = arrow + 6, *with;
      size_t res_len = (size_t)(line + len - res);
      const char *ctx = "{}";
      size_t ctx_len = 2;
      sb_init(&g);
      with = strstr(res, "  with  ");
      if (with && with < line + len) {
        ctx = with + 8;
        ctx_len = (size_t)(line + len - ctx);
        res_len = (size_t)(with - res);
      }
      sb_putc(&g, '\n');
      if (res[0] == '!') {
        const char *sp = memchr(res, ' ', res_len);
        size_t code_len = sp ? (size_t)(sp - res - 1) : res_len - 1;
        sb_puts(&g, "%%FAIL ");
        sb_put(&g, res + 1, code_len);
        sb_putc(&g, '\n');
        res_len -= code_len + 2;
        res += code_len + 2;
      }
      sb_put(&g, expr, (size_t)(arrow - expr));
      sb_putc(&g, '\n');
      sb_put(&g, ctx, ctx_len);
      sb_putc(&g, '\n');
      sb_put(&g, res, res_len);
      sb_putc(&g, '\n');
      CHECK(strstr(tests, g.s) != NULL,
            "example not in tests/expr/doc-examples.test (rerun "
            "scripts/extract-doc-examples.sh):%s",
            g.s);
      sb_fini(&g);
      n_examples++;
    }
    line = end ? end + 1 : NULL;
  }
  for (p = tests; (p = strstr(p, "\n@")) != NULL; p++)
    n_groups++;
  CHECK(n_examples > 84, "only %d examples in docs/functions.md", n_examples);
  CHECK(n_groups == n_examples,
        "doc-examples.test has %d groups, docs/functions.md %d examples "
        "(rerun scripts/extract-doc-examples.sh)",
        n_groups, n_examples);
}

/* Rows that need no evaluator state can be called directly (cx NULL). */
static Value *call(const char *name, Value *const *argv, int argc, Err *err)
{
  const Builtin *b = builtin_find(name, strlen(name));

  return b && b->fn ? b->fn(NULL, argv, argc, err) : NULL;
}

static void check_direct_calls(void)
{
  Value *argv[3] = {val_cstr("a"), val_int(1), val_null()};
  Err err = ERR_INIT;
  Value *r;
  char *s;

  r = call("concat", argv, 3, &err);
  CHECK(r && strcmp(val_str(r), "a1") == 0, "concat('a', 1, null)");
  val_unref(r);
  r = call("createArray", argv, 3, &err);
  s = r ? val_to_json_str(r) : NULL;
  CHECK(s && strcmp(s, "[\"a\",1,null]") == 0, "createArray -> %s", s);
  free(s);
  val_unref(r);
  r = call("coalesce", argv + 2, 1, &err);
  CHECK(r && val_kind(r) == VAL_NULL, "coalesce(null)");
  val_unref(r);
  r = call("equals", argv, 2, &err);
  CHECK(r && !val_get_bool(r), "equals('a', 1)");
  val_unref(r);
  r = call("string", argv + 1, 1, &err);
  CHECK(r && strcmp(val_str(r), "1") == 0, "string(1)");
  val_unref(r);
  CHECK(!err_is_set(&err), "no error: %s", err.msg);
  for (int i = 0; i < 3; i++)
    val_unref(argv[i]);
}

int main(void)
{
  char *doc, *tests;

  check_table();
  check_find();
  check_parser_resolution();
  check_direct_calls();
  doc = sb_read_file("docs/functions.md", NULL);
  tests = sb_read_file("tests/expr/doc-examples.test", NULL);
  CHECK(doc != NULL, "cannot read docs/functions.md (run from the repo root)");
  CHECK(tests != NULL, "cannot read tests/expr/doc-examples.test");
  if (doc && tests) {
    check_doc_sections(doc);
    check_doc_examples(doc, tests);
  }
  free(doc);
  free(tests);
  return CHECK_DONE();
}
