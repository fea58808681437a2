/*
 * tests/unit/test_validate.c -- the validator: rules, locations, formats
 *
 * Every tests/validate/ADFnnn-*.json example must produce findings of its
 * own rule and nothing else; a few findings are checked to the exact
 * line:col (expression columns included, with JSON escapes before the
 * fault); the reference rules run on tests/validate/factory-refs, the
 * parameter rules on tests/validate/factory-params (and trigger
 * expressions, ARM global parameters); the output formats and the
 * command's exit codes are checked last.
 */
#define _GNU_SOURCE 1
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "../check.h"
#include "expr/json.h"
#include "interp/cli.h"
#include "interp/schema.h"
#include "interp/validate.h"

static int cmp_str(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool has_rule(const FindingList *fl, const char *code)
{
  for (size_t i = 0; i < fl->n; i++)
    if (strcmp(validate_rule(fl->v[i].rule)->code, code) == 0)
      return true;
  return false;
}

static const Finding *find_rule(const FindingList *fl, const char *code)
{
  for (size_t i = 0; i < fl->n; i++)
    if (strcmp(validate_rule(fl->v[i].rule)->code, code) == 0)
      return &fl->v[i];
  return NULL;
}

static void validate_one(const char *path, int refs, FindingList *fl)
{
  VOptions opt;
  validate_options_init(&opt);
  opt.refs = refs;
  Err err = ERR_INIT;
  findings_init(fl);
  bool ok = validate_path(path, &opt, fl, &err);
  CHECK(ok, "%s: validate_path failed: %s", path, err.msg);
  findings_sort(fl);
}

/* Each example holds findings of exactly its own rule. */
static void test_examples(bool seen[VR__COUNT])
{
  DIR *d = opendir("tests/validate");
  CHECK(d != NULL, "tests/validate is missing (run from the repository)");
  if (!d)
    return;
  char *names[128];
  size_t n = 0;
  struct dirent *de;
  while ((de = readdir(d)) != NULL && n < 128)
    if (strncmp(de->d_name, "ADF", 3) == 0 && strstr(de->d_name, ".json"))
      names[n++] = strdup(de->d_name);
  closedir(d);
  qsort(names, n, sizeof(names[0]), cmp_str);
  CHECK(n >= 30, "only %zu examples", n);
  for (size_t i = 0; i < n; i++) {
    char path[512], code[7];
    snprintf(path, sizeof(path), "tests/validate/%s", names[i]);
    memcpy(code, names[i], 6);
    code[6] = '\0';
    const VRule *r = validate_rule_find(code);
    CHECK(r != NULL, "%s: no rule %s", names[i], code);
    FindingList fl;
    validate_one(path, VREF_OFF, &fl);
    CHECK(fl.n >= 1, "%s: no finding", names[i]);
    for (size_t k = 0; k < fl.n; k++) {
      const VRule *fr = validate_rule(fl.v[k].rule);
      CHECK(r && fl.v[k].rule == r->id, "%s: unexpected %s at %d:%d: %s",
            names[i], fr->code, fl.v[k].line, fl.v[k].col, fl.v[k].msg);
      CHECK(fl.v[k].line > 0 && fl.v[k].col > 0, "%s: no position for %s",
            names[i], fl.v[k].msg);
      CHECK(fl.v[k].path && *fl.v[k].path, "%s: no JSON path", names[i]);
    }
    if (r)
      seen[r->id] = true;
    findings_fini(&fl);
    free(names[i]);
  }
}

/* Validates 'text' written to a temporary file ending in 'ext' (".json"
 * or ".yaml"); false (fl untouched) when the file cannot be written. */
static bool validate_text(const char *text, const char *ext, FindingList *fl)
{
  char path[64];
  snprintf(path, sizeof(path), "/tmp/adfrun-test-validate-XXXXXX%s", ext);
  int fd = mkstemps(path, (int)strlen(ext));
  CHECK(fd >= 0, "mkstemps");
  if (fd < 0)
    return false;
  bool wrote = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
  CHECK(wrote, "write %s", path);
  close(fd);
  validate_one(path, VREF_OFF, fl);
  unlink(path);
  return true;
}

static void expect_at(const char *file, const char *code, int line, int col,
                      const char *path)
{
  FindingList fl;
  validate_one(file, VREF_OFF, &fl);
  const Finding *f = find_rule(&fl, code);
  CHECK(f != NULL, "%s: no %s", file, code);
  if (f) {
    CHECK(f->line == line && f->col == col, "%s: %s at %d:%d, want %d:%d", file,
          code, f->line, f->col, line, col);
    CHECK(strcmp(f->path, path) == 0, "%s: path '%s', want '%s'", file, f->path,
          path);
  }
  findings_fini(&fl);
}

static void test_locations(void)
{
  /* the unclosed call: the fault is at the closing quote */
  expect_at("tests/validate/ADF020-expression-syntax.json", "ADF020", 12, 51,
            "properties.activities[0].typeProperties.value.value");
  /* variables('counter') starts at column 51 of line 12 */
  expect_at("tests/validate/ADF028-self-reference.json", "ADF028", 12, 51,
            "properties.activities[0].typeProperties.value.value");
  expect_at("tests/validate/ADF010-depends-missing.json", "ADF010", 18, 37,
            "properties.activities[1].dependsOn[0].activity");
  expect_at("tests/validate/ADF006-pipeline-name.json", "ADF006", 2, 13,
            "name");
}

/* Escapes before the fault: each counts its raw characters. */
static void test_escaped_columns(void)
{
  const char *text =
      "{\"name\": \"p\", \"properties\": {\"variables\": {\"v\": {\"type\": "
      "\"String\"}},\n"
      "\"activities\": [{\"name\": \"S\", \"type\": \"SetVariable\",\n"
      "\"typeProperties\": {\"variableName\": \"v\",\n"
      "\"value\": \"a\\n\\\"q\\\" \\u00e9 @{variables('nope')}\"}}]}}\n";
  FindingList fl;
  if (!validate_text(text, ".json", &fl))
    return;
  const Finding *f = find_rule(&fl, "ADF026");
  CHECK(f != NULL, "no ADF026 for the escaped string");
  /* line 4: `"value": "a\n\"q\" \u00e9 @{variables('nope')}"`: the
   * string opens at column 10; the raw text a\n\"q\" \u00e9 @{ before
   * the call is 18 columns, so variables( is at column 10 + 1 + 18 */
  if (f) {
    CHECK(f->line == 4 && f->col == 29, "escaped: at %d:%d, want 4:29", f->line,
          f->col);
    /* decoded: a \n " q " space e-acute(2 bytes) space @ { = 11 bytes */
    CHECK(f->expr_col == 12, "escaped: expr_col %d, want 12", f->expr_col);
  }
  findings_fini(&fl);
}

/* YAML: columns inside single-quoted scalars ('' is one quote), and a
 * broken dependsOn elsewhere does not hide activity() checks. */
static void test_yaml(void)
{
  const char *text =
      "name: pl_yaml\n"
      "properties:\n"
      "  activities:\n"
      "    - name: Set2\n"
      "      type: SetVariable\n"
      "      dependsOn:\n"
      "        - activity: Sett\n"
      "          dependencyConditions: [Succeeded]\n"
      "      typeProperties:\n"
      "        variableName: v\n"
      "        value: '@concat(''a'', pipeline().parameters.x)'\n"
      "    - name: Set3\n"
      "      type: Wait\n"
      "      typeProperties:\n"
      "        waitTimeInSeconds: \"@length(activity('Set2').output.x)\"\n";
  FindingList fl;
  if (!validate_text(text, ".yaml", &fl))
    return;
  const Finding *f = find_rule(&fl, "ADF027");
  CHECK(f && f->line == 11 && f->col == 32, "yaml ADF027 at %d:%d, want 11:32",
        f ? f->line : 0, f ? f->col : 0);
  CHECK(has_rule(&fl, "ADF010"), "yaml: ADF010");
  f = find_rule(&fl, "ADF025");
  CHECK(f && f->line == 15 && f->col == 37, "yaml ADF025 at %d:%d, want 15:37",
        f ? f->line : 0, f ? f->col : 0);
  CHECK(has_rule(&fl, "ADF026"), "yaml: variable v is undeclared");
  findings_fini(&fl);
}

static void test_syntax_and_folders(bool seen[VR__COUNT])
{
  VOptions opt;
  validate_options_init(&opt);
  FindingList fl;
  findings_init(&fl);
  Err err = ERR_INIT;
  CHECK(!validate_path("tests/validate/syntax/ADF001-syntax.json", &opt, &fl,
                       &err),
        "a lone broken file must be unloadable");
  CHECK(err.code == ERR_JSON_SYNTAX && err.loc.line == 6,
        "syntax error at line %d", err.loc.line);
  findings_fini(&fl);
  validate_one("tests/validate/syntax", VREF_AUTO, &fl);
  CHECK(fl.n == 1 && has_rule(&fl, "ADF001"), "folder: ADF001 expected");
  if (fl.n == 1) {
    CHECK(fl.v[0].line == 6 && fl.v[0].col == 9, "ADF001 at %d:%d",
          fl.v[0].line, fl.v[0].col);
    seen[VR_SYNTAX] = true;
  }
  findings_fini(&fl);

  err_init(&err);
  findings_init(&fl);
  CHECK(!validate_path("tests/validate/no-such-file.json", &opt, &fl, &err),
        "missing path must fail");
  findings_fini(&fl);
}

static void test_refs(bool seen[VR__COUNT])
{
  static const char *const want[] = {"ADF050", "ADF051", "ADF052",
                                     "ADF053", "ADF054", "ADF055"};
  FindingList fl;
  validate_one("tests/validate/factory-refs", VREF_AUTO, &fl);
  for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
    CHECK(has_rule(&fl, want[i]), "factory-refs: no %s", want[i]);
    const VRule *r = validate_rule_find(want[i]);
    if (r && has_rule(&fl, want[i]))
      seen[r->id] = true;
  }
  CHECK(fl.n == 7 && has_rule(&fl, "ADF029"),
        "factory-refs: %zu findings, want 7 (one ADF029)", fl.n);
  findings_fini(&fl);
  /* a file of the factory alone still sees its siblings */
  validate_one("tests/validate/factory-refs/pipeline/pl_main.json", VREF_AUTO,
               &fl);
  CHECK(fl.n == 5 && has_rule(&fl, "ADF050") && has_rule(&fl, "ADF052"),
        "pl_main alone: %zu findings", fl.n);
  findings_fini(&fl);
  validate_one("tests/validate/factory-refs/pipeline/pl_main.json", VREF_OFF,
               &fl);
  CHECK(fl.n == 0, "--no-refs: %zu findings", fl.n);
  findings_fini(&fl);
}

/* Parameters passed to datasets, linked services and by triggers
 * (ADF056-ADF059), global parameters declared by the factory file, and
 * trigger expressions, on tests/validate/factory-params. */
static void test_params(bool seen[VR__COUNT])
{
  static const struct {
    const char *code;
    size_t n;
  } want[] = {{"ADF056", 1},
              {"ADF057", 1},
              {"ADF058", 1},
              {"ADF059", 2},
              {"ADF027", 1}};
  FindingList fl;
  validate_one("tests/validate/factory-params", VREF_AUTO, &fl);
  size_t total = 0;
  for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
    const VRule *r = validate_rule_find(want[i].code);
    size_t n = 0;
    for (size_t k = 0; k < fl.n; k++)
      n += fl.v[k].rule == r->id;
    CHECK(n == want[i].n, "factory-params: %zu %s, want %zu", n, want[i].code,
          want[i].n);
    total += n;
    if (n)
      seen[r->id] = true;
  }
  CHECK(fl.n == total, "factory-params: %zu findings, want %zu", fl.n, total);
  const Finding *f = find_rule(&fl, "ADF056");
  CHECK(f && f->line == 14 && f->col == 32 &&
            strcmp(f->path, "properties.pipelines[0].parameters.runDate") == 0,
        "ADF056 at %d:%d %s", f ? f->line : 0, f ? f->col : 0,
        f ? f->path : "");
  findings_fini(&fl);
  /* without the factory, nothing of it can be checked */
  validate_one("tests/validate/factory-params/pipeline/pl_load.json", VREF_OFF,
               &fl);
  CHECK(fl.n == 0, "pl_load --no-refs: %zu findings", fl.n);
  findings_fini(&fl);
  /* trigger(): arity against the name as written */
  expect_at("tests/validate/ADF022-trigger-arity.json", "ADF022", 13, 49,
            "properties.pipelines[0].parameters.runDate");
  validate_one("tests/validate/ADF022-trigger-arity.json", VREF_OFF, &fl);
  CHECK(fl.n == 1 && strstr(fl.v[0].msg, "'trigger' expects no parameters"),
        "trigger arity message: %s", fl.n ? fl.v[0].msg : "");
  findings_fini(&fl);
}

/* ARM exports: top-level and nested (inside the factory resource)
 * pipelines both get whole-file positions and paths. */
static void test_arm(void)
{
  FindingList fl;
  validate_one("tests/validate/arm/arm-template.json", VREF_AUTO, &fl);
  CHECK(fl.n == 2, "arm: %zu findings", fl.n);
  const Finding *f = find_rule(&fl, "ADF010");
  CHECK(f && f->line == 14 && f->col == 81 &&
            strcmp(f->path,
                   "resources[0].properties.activities[0].dependsOn[0]."
                   "activity") == 0,
        "arm ADF010 at %d:%d %s", f ? f->line : 0, f ? f->col : 0,
        f ? f->path : "");
  f = find_rule(&fl, "ADF052");
  CHECK(f && f->line == 33 && f->col == 79 &&
            strncmp(f->path, "resources[1].resources[0].properties.", 37) == 0,
        "arm ADF052 at %d:%d %s", f ? f->line : 0, f ? f->col : 0,
        f ? f->path : "");
  findings_fini(&fl);
  /* globals from a globalparameters resource are checked; globals given
   * as one ARM parameter, or a factory without any, are not */
  validate_one("tests/validate/arm/arm-globals.json", VREF_AUTO, &fl);
  f = find_rule(&fl, "ADF027");
  CHECK(fl.n == 1 && f && f->line == 17 && f->col == 104,
        "arm-globals: %zu findings, ADF027 at %d:%d", fl.n, f ? f->line : 0,
        f ? f->col : 0);
  findings_fini(&fl);
  validate_one("tests/validate/arm/arm-globals-param.json", VREF_AUTO, &fl);
  CHECK(fl.n == 0, "arm-globals-param: %zu findings", fl.n);
  findings_fini(&fl);
}

static void test_tables(const bool seen[VR__COUNT])
{
  for (int i = 0; i < VR__COUNT; i++) {
    const VRule *r = validate_rule((VRuleId)i);
    CHECK(r->id == (VRuleId)i, "rule row %d out of place", i);
    CHECK(validate_rule_find(r->code) == r, "find %s", r->code);
    CHECK(validate_rule_find(r->name) == r, "find %s", r->name);
    if (i > 0)
      CHECK(strcmp(validate_rule((VRuleId)(i - 1))->code, r->code) < 0,
            "rule codes not ascending at %s", r->code);
    CHECK(seen[i], "rule %s has no example in tests/validate", r->code);
  }
  for (size_t i = 1; i < schema_count(); i++)
    CHECK(strcasecmp(schema_at(i - 1)->type, schema_at(i)->type) < 0,
          "schema table not sorted at %s", schema_at(i)->type);
  CHECK(schema_find("webactivity") && schema_find("ForEach") &&
            !schema_find("WebActivty"),
        "schema_find");

  /* every rule has a section in docs/validation.md */
  FILE *fp = fopen("docs/validation.md", "r");
  CHECK(fp != NULL, "docs/validation.md missing");
  if (!fp)
    return;
  char *doc = NULL;
  size_t cap = 0;
  ssize_t len = getdelim(&doc, &cap, '\0', fp);
  fclose(fp);
  for (int i = 0; len > 0 && i < VR__COUNT; i++) {
    char head[64];
    snprintf(head, sizeof(head), "## %s ", validate_rule((VRuleId)i)->code);
    CHECK(strstr(doc, head) != NULL, "docs/validation.md: no '%s'", head);
  }
  CHECK(len > 0 && strstr(doc, "## Validate in CI"), "no CI section");
  free(doc);
}

static char *render(const FindingList *fl, VFormat fmt)
{
  char *buf = NULL;
  size_t n = 0;
  FILE *fp = open_memstream(&buf, &n);
  validate_write(fl, fmt, fp);
  fclose(fp);
  return buf;
}

static void test_formats(void)
{
  FindingList fl;
  validate_one("tests/validate/ADF010-depends-missing.json", VREF_OFF, &fl);
  char *s = render(&fl, VFMT_TEXT);
  CHECK(strstr(s, "tests/validate/ADF010-depends-missing.json:18:37: "
                  "error[ADF010]: 'Load' depends on 'Extarct'"),
        "text: %s", s);
  free(s);
  s = render(&fl, VFMT_GITHUB);
  CHECK(strstr(s, "::error file=tests/validate/ADF010-depends-missing.json,"
                  "line=18,col=37,title=ADF010 depends-missing::"),
        "github: %s", s);
  free(s);
  s = render(&fl, VFMT_JSON);
  Err err = ERR_INIT;
  Value *v = json_parse(s, strlen(s), NULL, &err);
  CHECK(v != NULL, "json output does not parse: %s", err.msg);
  if (v) {
    const Value *arr = val_object_peek(v, "findings");
    CHECK(arr && val_array_len(arr) == 1, "json findings");
    const Value *f0 = arr ? val_array_peek(arr, 0) : NULL;
    const Value *line = f0 ? val_object_peek(f0, "line") : NULL;
    CHECK(line && val_get_int(line) == 18, "json line");
    val_unref(v);
  }
  free(s);
  s = render(&fl, VFMT_SARIF);
  err_init(&err);
  v = json_parse(s, strlen(s), NULL, &err);
  CHECK(v != NULL, "sarif output does not parse: %s", err.msg);
  CHECK(strstr(s, "\"version\": \"2.1.0\"") && strstr(s, "\"startLine\": 18") &&
            strstr(s, "\"ruleId\": \"ADF010\""),
        "sarif: %s", s);
  val_unref(v);
  free(s);
  s = render(&fl, VFMT_JUNIT);
  CHECK(strstr(s, "<testsuites") && strstr(s, "<failure type=\"ADF010\""),
        "junit: %s", s);
  free(s);
  findings_fini(&fl);
  VFormat f;
  CHECK(validate_format_parse("sarif", &f) && f == VFMT_SARIF, "parse sarif");
  CHECK(!validate_format_parse("xml", &f), "parse xml");
}

/* Runs the command with stdout and stderr sent to /dev/null. */
static int run_quiet(int argc, char **argv)
{
  fflush(stdout);
  fflush(stderr);
  int o = dup(1), e = dup(2), nul = open("/dev/null", O_WRONLY);
  dup2(nul, 1);
  dup2(nul, 2);
  int rc = cmd_validate(argc, argv);
  fflush(stdout);
  fflush(stderr);
  dup2(o, 1);
  dup2(e, 2);
  close(o);
  close(e);
  close(nul);
  return rc;
}

/* Runs "validate <args>" (space-separated) quietly; returns the status. */
static int run_cmd(const char *line)
{
  char *copy = strdup(line), *argv[16], *save = NULL;
  int argc = 0;
  argv[argc++] = copy; /* "validate" */
  char *p = copy;
  while (*p && *p != ' ')
    p++;
  while (*p == ' ')
    *p++ = '\0';
  while (*p && argc < 15) {
    argv[argc++] = p;
    while (*p && *p != ' ')
      p++;
    while (*p == ' ')
      *p++ = '\0';
  }
  (void)save;
  int rc = run_quiet(argc, argv);
  free(copy);
  return rc;
}

static void test_command(void)
{
  const char *ex10 = "tests/validate/ADF010-depends-missing.json";
  const char *ex14 = "tests/validate/ADF014-never-runs.json";
  char line[512];
  snprintf(line, sizeof(line), "validate %s", ex10);
  CHECK(run_cmd(line) == EXIT_FAILED, "errors: exit 1");
  snprintf(line, sizeof(line), "validate %s", ex14);
  CHECK(run_cmd(line) == EXIT_OK, "warnings only: exit 0");
  snprintf(line, sizeof(line), "validate --fail-on warning %s", ex14);
  CHECK(run_cmd(line) == EXIT_FAILED, "--fail-on warning: exit 1");
  snprintf(line, sizeof(line), "validate --rule-off ADF010 %s", ex10);
  CHECK(run_cmd(line) == EXIT_OK, "--rule-off: exit 0");
  snprintf(line, sizeof(line),
           "validate --rule-off=depends-missing --format=json %s", ex10);
  CHECK(run_cmd(line) == EXIT_OK, "--rule-off=name: exit 0");
  CHECK(run_cmd("validate --format yaml x.json") == EXIT_USAGE,
        "bad format: exit 2");
  CHECK(run_cmd("validate") == EXIT_USAGE, "no path: exit 2");
  CHECK(run_cmd("validate tests/validate/syntax/ADF001-syntax.json") ==
            EXIT_USAGE,
        "unloadable file: exit 2");
  CHECK(run_cmd("validate tests/validate/syntax") == EXIT_FAILED,
        "broken file in a folder: exit 1");
  CHECK(run_cmd("validate --rule-off ADF999 x.json") == EXIT_USAGE,
        "unknown rule: exit 2");
  CHECK(run_cmd("validate --help") == EXIT_OK, "--help: exit 0");
}

int main(void)
{
  bool seen[VR__COUNT] = {false};
  test_examples(seen);
  test_locations();
  test_escaped_columns();
  test_yaml();
  test_syntax_and_folders(seen);
  test_refs(seen);
  test_params(seen);
  test_arm();
  test_tables(seen);
  test_formats();
  test_command();
  return CHECK_DONE();
}
