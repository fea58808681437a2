/*
 * tests/unit/test_validate_mutate.c -- injected faults must be found
 *
 * Takes real pipelines of $ADF_SHARED/corpus, injects one class of fault
 * at a time in memory (a dependsOn to a missing activity, a cycle, a
 * duplicate name, a misspelt function, a wrong arity, an undeclared
 * variable or parameter, a reference to an activity that is not
 * upstream, a bad policy, too many Switch cases, batchCount 51, a bad
 * variable default, a dataset parameter not passed or misspelt against
 * a one-dataset mutation factory...) and
 * checks that the validator reports it with the right rule (one more
 * finding of that rule than the unmodified pipeline has).  Skips when the
 * corpus is absent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "../check.h"
#include "expr/json.h"
#include "expr/strbuf.h"
#include "interp/load.h"
#include "interp/load_extra.h"
#include "interp/validate.h"

#define MAX_PIPELINES 60

/* ---- Building modified copies of immutable Values ------------------------ */

/* 'root' with root[key] = v (v consumed).  Returns a new reference. */
static Value *with_key(const Value *root, const char *key, Value *v)
{
  Value *c = val_copy(root);
  val_object_set_take(c, key, strlen(key), v);
  return c;
}

/* 'arr' with item i replaced by v (v consumed), or appended when i is
 * the length. */
static Value *with_item(const Value *arr, size_t i, Value *v)
{
  Value *c = val_array_new();
  size_t n = val_array_len(arr);
  for (size_t k = 0; k < n; k++) {
    if (k == i)
      val_array_push_take(c, val_ref(v));
    else
      val_array_push(c, val_array_peek(arr, k));
  }
  if (i >= n)
    val_array_push_take(c, val_ref(v));
  val_unref(v);
  return c;
}

static Value *parse(const char *json)
{
  Err err = ERR_INIT;
  Value *v = json_parse(json, strlen(json), NULL, &err);
  if (!v) {
    fprintf(stderr, "bad fixture: %s: %s\n", json, err.msg);
    abort();
  }
  return v;
}

static const Value *acts_of(const Value *doc)
{
  const Value *props = val_object_peek(doc, "properties");
  return props ? val_object_peek(props, "activities") : NULL;
}

/* doc with properties.activities = acts (consumed). */
static Value *with_acts(const Value *doc, Value *acts)
{
  const Value *props = val_object_peek(doc, "properties");
  Value *np = with_key(props, "activities", acts);
  return with_key(doc, "properties", np);
}

/* doc with activity i's member 'key' = v (v consumed). */
static Value *with_act_key(const Value *doc, size_t i, const char *key,
                           Value *v)
{
  const Value *acts = acts_of(doc);
  Value *a = with_key(val_array_peek(acts, i), key, v);
  return with_acts(doc, with_item(acts, i, a));
}

static const char *act_name(const Value *doc, size_t i)
{
  return val_str(val_object_peek(val_array_peek(acts_of(doc), i), "name"));
}

static Value *dep_on(const char *name, const char *conds)
{
  char buf[512];
  snprintf(buf, sizeof(buf),
           "[{\"activity\": \"\", \"dependencyConditions\": %s}]", conds);
  Value *d = parse(buf);
  Value *entry = with_key(val_array_peek(d, 0), "activity", val_cstr(name));
  Value *arr = with_item(d, 0, entry);
  val_unref(d);
  return arr;
}

/* userProperties carrying one expression on activity i. */
static Value *with_expr(const Value *doc, size_t i, const char *expr)
{
  Value *up = parse("[{\"name\": \"probe\", \"value\": \"\"}]");
  Value *e = with_key(val_array_peek(up, 0), "value", val_cstr(expr));
  Value *arr = with_item(up, 0, e);
  val_unref(up);
  return with_act_key(doc, i, "userProperties", arr);
}

/* ---- The mutations ---------------------------------------------------------
 */

typedef Value *(*Mutate)(const Value *doc);

static Value *m_depends_missing(const Value *doc)
{
  return with_act_key(doc, 1, "dependsOn",
                      dep_on("NoSuchActivity_mut", "[\"Succeeded\"]"));
}

static Value *m_cycle(const Value *doc)
{
  Value *a = with_act_key(doc, 0, "dependsOn",
                          dep_on(act_name(doc, 1), "[\"Succeeded\"]"));
  Value *b = with_act_key(a, 1, "dependsOn",
                          dep_on(act_name(doc, 0), "[\"Succeeded\"]"));
  val_unref(a);
  return b;
}

static Value *m_duplicate(const Value *doc)
{
  return with_act_key(doc, 1, "name", val_cstr(act_name(doc, 0)));
}

static Value *m_unknown_fn(const Value *doc)
{
  return with_expr(doc, 0, "@concatt('a', 'b')");
}

static Value *m_arity(const Value *doc)
{
  return with_expr(doc, 0, "@substring('abc')");
}

static Value *m_variable(const Value *doc)
{
  return with_expr(doc, 0, "@variables('no_such_variable_mut')");
}

static Value *m_parameter(const Value *doc)
{
  return with_expr(doc, 0, "@{pipeline().parameters.no_such_param_mut}");
}

static Value *m_activity_missing(const Value *doc)
{
  return with_expr(doc, 0, "@string(activity('NoSuchActivity_mut').output)");
}

static Value *m_not_upstream(const Value *doc)
{
  /* activity 0 without dependencies reads activity 1 */
  char buf[300];
  snprintf(buf, sizeof(buf), "@string(activity('%s').output)",
           act_name(doc, 1));
  Value *a = with_act_key(doc, 0, "dependsOn", val_array_new());
  Value *b = with_expr(a, 0, buf);
  val_unref(a);
  return b;
}

static Value *m_timeout(const Value *doc)
{
  return with_act_key(doc, 0, "policy",
                      parse("{\"timeout\": \"12 hours\", \"retry\": 0}"));
}

static Value *m_retry(const Value *doc)
{
  return with_act_key(doc, 0, "policy", parse("{\"retry\": -2}"));
}

static Value *m_retry_interval(const Value *doc)
{
  return with_act_key(doc, 0, "policy",
                      parse("{\"retry\": 1, \"retryIntervalInSeconds\": 5}"));
}

static Value *m_completed_mix(const Value *doc)
{
  return with_act_key(
      doc, 1, "dependsOn",
      dep_on(act_name(doc, 0), "[\"Succeeded\", \"Completed\"]"));
}

static Value *m_unknown_type(const Value *doc)
{
  return with_act_key(doc, 0, "type", val_cstr("CopyActivityX"));
}

static Value *m_bad_name(const Value *doc)
{
  return with_act_key(doc, 0, "name", val_cstr("bad/name?"));
}

static Value *append(const Value *doc, const char *json)
{
  const Value *acts = acts_of(doc);
  return with_acts(doc, with_item(acts, val_array_len(acts), parse(json)));
}

static Value *m_switch_cases(const Value *doc)
{
  char buf[8192];
  size_t n = 0;
  n += (size_t)snprintf(
      buf + n, sizeof(buf) - n,
      "{\"name\": \"MutSwitch\", \"type\": \"Switch\", "
      "\"typeProperties\": {\"on\": {\"value\": \"@string(1)\", "
      "\"type\": \"Expression\"}, \"cases\": [");
  for (int i = 0; i < 26; i++)
    n += (size_t)snprintf(buf + n, sizeof(buf) - n,
                          "%s{\"value\": \"c%d\", \"activities\": []}",
                          i ? ", " : "", i);
  snprintf(buf + n, sizeof(buf) - n, "]}}");
  return append(doc, buf);
}

static Value *m_switch_duplicate(const Value *doc)
{
  return append(doc,
                "{\"name\": \"MutSwitch\", \"type\": \"Switch\", "
                "\"typeProperties\": {\"on\": {\"value\": \"@string(1)\", "
                "\"type\": \"Expression\"}, \"cases\": [{\"value\": \"a\"}, "
                "{\"value\": \"a\"}]}}");
}

static Value *m_batch_count(const Value *doc)
{
  return append(doc, "{\"name\": \"MutLoop\", \"type\": \"ForEach\", "
                     "\"typeProperties\": {\"items\": {\"value\": "
                     "\"@createArray(1)\", \"type\": \"Expression\"}, "
                     "\"batchCount\": 51, \"activities\": []}}");
}

static Value *m_nesting(const Value *doc)
{
  return append(doc,
                "{\"name\": \"MutOuter\", \"type\": \"Until\", "
                "\"typeProperties\": {\"expression\": {\"value\": \"@true\", "
                "\"type\": \"Expression\"}, \"activities\": [{\"name\": "
                "\"MutInner\", \"type\": \"ForEach\", \"typeProperties\": "
                "{\"items\": {\"value\": \"@createArray(1)\", \"type\": "
                "\"Expression\"}, \"isSequential\": true, \"activities\": "
                "[]}}]}}");
}

static Value *m_never_runs(const Value *doc)
{
  Value *a = append(doc, "{\"name\": \"MutFail\", \"type\": \"Fail\", "
                         "\"typeProperties\": {\"message\": \"m\", "
                         "\"errorCode\": \"1\"}}");
  Value *b = append(a, "{\"name\": \"MutAfter\", \"type\": \"Wait\", "
                       "\"dependsOn\": [{\"activity\": \"MutFail\", "
                       "\"dependencyConditions\": [\"Succeeded\"]}], "
                       "\"typeProperties\": {\"waitTimeInSeconds\": 1}}");
  val_unref(a);
  return b;
}

static Value *m_not_boolean(const Value *doc)
{
  return append(doc, "{\"name\": \"MutIf\", \"type\": \"IfCondition\", "
                     "\"typeProperties\": {\"expression\": {\"value\": "
                     "\"@concat('a', 'b')\", \"type\": \"Expression\"}}}");
}

static Value *m_required(const Value *doc)
{
  return append(doc, "{\"name\": \"MutWeb\", \"type\": \"WebActivity\", "
                     "\"typeProperties\": {\"method\": \"GET\"}}");
}

static Value *m_syntax(const Value *doc)
{
  return with_expr(doc, 0, "@concat('a', 'b'");
}

static Value *m_item_scope(const Value *doc)
{
  return with_expr(doc, 0, "@string(item())");
}

/* doc with one more variable declared (spec consumed). */
static Value *with_variable(const Value *doc, const char *name, Value *spec)
{
  const Value *props = val_object_peek(doc, "properties");
  const Value *vars = val_object_peek(props, "variables");
  Value *nv =
      vars && val_kind(vars) == VAL_OBJECT ? val_copy(vars) : val_object_new();
  val_object_set_take(nv, name, strlen(name), spec);
  return with_key(doc, "properties", with_key(props, "variables", nv));
}

static Value *m_variable_default(const Value *doc)
{
  return with_variable(
      doc, "mut_var",
      parse("{\"type\": \"String\", \"defaultValue\": "
            "\"@{pipeline().parameters.no_such_param_mut}\"}"));
}

static Value *m_default_activity(const Value *doc)
{
  Value *spec = parse("{\"type\": \"String\"}");
  char buf[512];
  snprintf(buf, sizeof(buf), "@{activity('%s').output}", act_name(doc, 0));
  Value *s2 = with_key(spec, "defaultValue", val_cstr(buf));
  val_unref(spec);
  return with_variable(doc, "mut_var", s2);
}

/* Activity 0 reads dataset mut_ds (of the mutation factory), which needs
 * its parameter 'folder', without passing it. */
static Value *m_dataset_param(const Value *doc)
{
  return with_act_key(doc, 0, "inputs",
                      parse("[{\"referenceName\": \"mut_ds\", \"type\": "
                            "\"DatasetReference\"}]"));
}

static Value *m_dataset_extra(const Value *doc)
{
  return with_act_key(
      doc, 0, "inputs",
      parse("[{\"referenceName\": \"mut_ds\", \"type\": "
            "\"DatasetReference\", \"parameters\": {\"folder\": \"x\", "
            "\"fodler\": \"y\"}}]"));
}

/* clang-format off */
static const struct {
  const char *name;
  Mutate fn;
  const char *rule;
} mutations[] = {
  {"dependsOn to a missing activity", m_depends_missing,  "ADF010"},
  {"cycle",                           m_cycle,            "ADF011"},
  {"duplicate name",                  m_duplicate,        "ADF007"},
  {"misspelt function",               m_unknown_fn,       "ADF021"},
  {"wrong arity",                     m_arity,            "ADF022"},
  {"expression syntax",               m_syntax,           "ADF020"},
  {"undeclared variable",             m_variable,         "ADF026"},
  {"undeclared parameter",            m_parameter,        "ADF027"},
  {"activity() missing",              m_activity_missing, "ADF024"},
  {"activity() not upstream",         m_not_upstream,     "ADF025"},
  {"bad policy timeout",              m_timeout,          "ADF040"},
  {"negative retry",                  m_retry,            "ADF041"},
  {"retry interval 5",                m_retry_interval,   "ADF042"},
  {"Completed with Succeeded",        m_completed_mix,    "ADF015"},
  {"unknown type",                    m_unknown_type,     "ADF003"},
  {"bad activity name",               m_bad_name,         "ADF005"},
  {"26 Switch cases",                 m_switch_cases,     "ADF043"},
  {"duplicate Switch case",           m_switch_duplicate, "ADF044"},
  {"batchCount 51",                   m_batch_count,      "ADF045"},
  {"ForEach inside Until",            m_nesting,          "ADF013"},
  {"after a Fail on Succeeded",       m_never_runs,       "ADF014"},
  {"non-boolean If",                  m_not_boolean,      "ADF030"},
  {"missing required property",       m_required,         "ADF004"},
  {"item() outside ForEach",          m_item_scope,       "ADF032"},
  {"undeclared param in var default", m_variable_default, "ADF027"},
  {"activity() in a variable default", m_default_activity, "ADF025"},
  {"dataset parameter not passed",    m_dataset_param,    "ADF057"},
  {"undeclared dataset parameter",    m_dataset_extra,    "ADF059"},
};
/* clang-format on */
#define N_MUT (sizeof(mutations) / sizeof(mutations[0]))

/* A factory holding one dataset, mut_ds, that reads its parameter
 * 'folder' (no default): the reference rules need the definitions. */
static Factory *mutation_factory(void)
{
  Factory *f = xcalloc(1, sizeof(*f));
  f->global_parameters = val_object_new();
  Err err = ERR_INIT;
  Resource *r = load_resource_value(
      parse("{\"name\": \"mut_ds\", \"properties\": {\"type\": "
            "\"Binary\", \"parameters\": {\"folder\": {\"type\": "
            "\"String\"}}, \"typeProperties\": {\"location\": {\"type\": "
            "\"AzureBlobStorageLocation\", \"folderPath\": "
            "\"@dataset().folder\"}}}}"),
      NULL, RES_DATASET, "mut_ds.json", &err);
  if (!r) {
    fprintf(stderr, "mutation factory: %s\n", err.msg);
    abort();
  }
  f->resources = xmalloc(sizeof(*f->resources));
  f->resources[0] = r;
  f->n_resources = 1;
  return f;
}

static Factory *mut_factory;

static size_t count_rule(const Value *doc, const char *file, VRuleId id)
{
  VOptions opt;
  validate_options_init(&opt);
  opt.refs = VREF_OFF;
  FindingList fl;
  findings_init(&fl);
  validate_document(doc, NULL, file, mut_factory, &opt, &fl);
  size_t n = 0;
  for (size_t i = 0; i < fl.n; i++)
    if (fl.v[i].rule == id)
      n++;
  findings_fini(&fl);
  return n;
}

/* Usable: a git-layout pipeline with two top-level activities of
 * distinct names. */
static bool usable(const Value *doc)
{
  const Value *acts = val_kind(doc) == VAL_OBJECT ? acts_of(doc) : NULL;
  if (!acts || val_kind(acts) != VAL_ARRAY || val_array_len(acts) < 2)
    return false;
  for (size_t i = 0; i < 2; i++) {
    const Value *a = val_array_peek(acts, i);
    if (val_kind(a) != VAL_OBJECT)
      return false;
    const Value *n = val_object_peek(a, "name");
    if (!n || val_kind(n) != VAL_STRING)
      return false;
  }
  return strcasecmp(act_name(doc, 0), act_name(doc, 1)) != 0;
}

int main(void)
{
  const char *shared = getenv("ADF_SHARED");
  char corpus[1024], manifest[1100];
  snprintf(corpus, sizeof(corpus), "%s/corpus", shared ? shared : "../shared");
  snprintf(manifest, sizeof(manifest), "%s/MANIFEST.tsv", corpus);
  struct stat st;
  if (stat(manifest, &st) != 0) {
    printf("skipped: no corpus at %s\n", corpus);
    return CHECK_DONE();
  }
  mut_factory = mutation_factory();
  FILE *fp = fopen(manifest, "r");
  char *line = NULL;
  size_t cap = 0, used = 0;
  size_t found[N_MUT] = {0};
  while (used < MAX_PIPELINES && getline(&line, &cap, fp) > 0) {
    char *cols[8] = {0};
    int nc = 0;
    for (char *p = line; nc < 8 && p;) {
      cols[nc++] = p;
      p = strchr(p, '\t');
      if (p)
        *p++ = '\0';
    }
    if (nc < 7 || strcmp(cols[6], "pipeline") != 0)
      continue;
    char path[2048];
    snprintf(path, sizeof(path), "%s/%s", corpus, cols[0]);
    Err err = ERR_INIT;
    Value *doc = load_document(path, NULL, &err);
    if (!doc || !usable(doc)) {
      val_unref(doc);
      continue;
    }
    used++;
    for (size_t m = 0; m < N_MUT; m++) {
      const VRule *r = validate_rule_find(mutations[m].rule);
      size_t before = count_rule(doc, path, r->id);
      Value *mut = mutations[m].fn(doc);
      size_t after = count_rule(mut, path, r->id);
      CHECK(after > before, "%s: %s: %s not reported (%zu before, %zu after)",
            cols[0], mutations[m].name, r->code, before, after);
      if (after > before)
        found[m]++;
      val_unref(mut);
    }
    val_unref(doc);
  }
  free(line);
  fclose(fp);
  factory_free(mut_factory);
  CHECK(used >= 20, "only %zu usable corpus pipelines", used);
  printf("mutations: %zu pipelines x %zu fault classes\n", used, (size_t)N_MUT);
  for (size_t m = 0; m < N_MUT; m++)
    printf("  %-32s %s found in %zu/%zu\n", mutations[m].name,
           mutations[m].rule, found[m], used);
  return CHECK_DONE();
}
