/*
 * tests/unit/test_load.c -- the loader: layouts, encodings, YAML, errors
 *
 * Every layout (git file, bare properties, ARM, REST example, Fabric,
 * factory folders), YAML typing and its equivalence with JSON, BOM and
 * UTF-16 files written to a temp folder, located errors for malformed and
 * structurally wrong input, and robustness (truncation at every byte,
 * deep nesting, huge strings, alias bombs).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "expr/json.h"
#include "interp/load.h"
#include "interp/load_extra.h"
#include "tests/check.h"

static char tmpdir[256];

/* ---- Helpers ------------------------------------------------------------- */

static char *tmp_path(const char *name)
{
  StrBuf sb;
  sb_init(&sb);
  sb_printf(&sb, "%s/%s", tmpdir, name);
  return sb_take(&sb);
}

static void write_bytes(const char *name, const void *data, size_t len)
{
  char *path = tmp_path(name);
  /* create parent folders */
  for (char *p = path + strlen(tmpdir) + 1; (p = strchr(p, '/')) != NULL; p++) {
    *p = '\0';
    mkdir(path, 0755);
    *p = '/';
  }
  FILE *fp = fopen(path, "wb");
  if (fp) {
    fwrite(data, 1, len, fp);
    fclose(fp);
  }
  free(path);
}

static void write_text(const char *name, const char *text)
{
  write_bytes(name, text, strlen(text));
}

static Pipeline *load_json(const char *text, Err *err)
{
  SrcMap *locs = srcmap_new();
  Value *doc = json_parse(text, strlen(text), locs, err);
  if (!doc) {
    srcmap_free(locs);
    return NULL;
  }
  return load_pipeline_value(doc, locs, "mem.json", err);
}

static Pipeline *load_yaml(const char *text, Err *err)
{
  SrcMap *locs = srcmap_new();
  Value *doc = load_yaml_text(text, strlen(text), locs, err);
  if (!doc) {
    srcmap_free(locs);
    return NULL;
  }
  return load_pipeline_value(doc, locs, "mem.yaml", err);
}

static Value *yaml_value(const char *text)
{
  Err err = ERR_INIT;
  return load_yaml_text(text, strlen(text), NULL, &err);
}

static void rm_rf(const char *dir)
{
  StrBuf sb;
  sb_init(&sb);
  sb_printf(&sb, "rm -rf '%s'", dir);
  if (system(sb.s) != 0)
    fprintf(stderr, "could not remove %s\n", dir);
  sb_fini(&sb);
}

/* ---- The reference pipeline, in JSON and in YAML ------------------------- */

static const char *pipe_json =
    "{\n"
    "  \"name\": \"P1\",\n"
    "  \"properties\": {\n"
    "    \"parameters\": {\"n\": {\"type\": \"Int\", \"defaultValue\": 3}},\n"
    "    \"variables\": {\"v\": {\"type\": \"String\"}},\n"
    "    \"activities\": [\n"
    "      {\"name\": \"A\", \"type\": \"Wait\",\n"
    "       \"typeProperties\": {\"waitTimeInSeconds\": 1}},\n"
    "      {\"name\": \"Loop\", \"type\": \"ForEach\",\n"
    "       \"dependsOn\": [{\"activity\": \"A\",\n"
    "                      \"dependencyConditions\": [\"Succeeded\", "
    "\"Failed\"]}],\n"
    "       \"typeProperties\": {\"items\": {\"value\": \"@range(0,2)\", "
    "\"type\": \"Expression\"},\n"
    "         \"activities\": [{\"name\": \"Inner\", \"type\": \"Wait\"}]}},\n"
    "      {\"name\": \"If\", \"type\": \"IfCondition\",\n"
    "       \"typeProperties\": {\"expression\": {\"value\": \"@true\", "
    "\"type\": \"Expression\"},\n"
    "         \"ifTrueActivities\": [{\"name\": \"T\", \"type\": \"Wait\"}],\n"
    "         \"ifFalseActivities\": [{\"name\": \"F\", \"type\": "
    "\"Wait\"}]}},\n"
    "      {\"name\": \"Sw\", \"type\": \"switch\",\n"
    "       \"typeProperties\": {\"on\": \"x\",\n"
    "         \"cases\": [{\"value\": \"a\", \"activities\": [{\"name\": "
    "\"CaseA\", \"type\": \"Wait\"}]},\n"
    "                   {\"value\": \"b\", \"activities\": []}],\n"
    "         \"defaultActivities\": [{\"name\": \"Def\", \"type\": "
    "\"Wait\"}]}},\n"
    "      {\"name\": \"U\", \"type\": \"Until\", \"state\": \"Inactive\",\n"
    "       \"onInactiveMarkAs\": \"Skipped\",\n"
    "       \"typeProperties\": {\"expression\": {\"value\": \"@true\", "
    "\"type\": \"Expression\"},\n"
    "         \"activities\": [{\"name\": \"UIn\", \"type\": \"Wait\"}]}},\n"
    "      {\"name\": \"Odd\", \"type\": \"MyContainer\",\n"
    "       \"typeProperties\": {\"activities\": 5}}\n"
    "    ]\n"
    "  }\n"
    "}\n";

static const char *pipe_yaml =
    "name: P1\n"
    "properties:\n"
    "  parameters:\n"
    "    n: {type: Int, defaultValue: 3}\n"
    "  variables:\n"
    "    v: {type: String}\n"
    "  activities:\n"
    "    - name: A\n"
    "      type: Wait\n"
    "      typeProperties: {waitTimeInSeconds: 1}\n"
    "    - name: Loop\n"
    "      type: ForEach\n"
    "      dependsOn:\n"
    "        - activity: A\n"
    "          dependencyConditions: [Succeeded, Failed]\n"
    "      typeProperties:\n"
    "        items: {value: '@range(0,2)', type: Expression}\n"
    "        activities:\n"
    "          - {name: Inner, type: Wait}\n"
    "    - name: If\n"
    "      type: IfCondition\n"
    "      typeProperties:\n"
    "        expression: {value: '@true', type: Expression}\n"
    "        ifTrueActivities: [{name: T, type: Wait}]\n"
    "        ifFalseActivities: [{name: F, type: Wait}]\n"
    "    - name: Sw\n"
    "      type: switch\n"
    "      typeProperties:\n"
    "        'on': x\n"
    "        cases:\n"
    "          - value: a\n"
    "            activities: [{name: CaseA, type: Wait}]\n"
    "          - {value: b, activities: []}\n"
    "        defaultActivities: [{name: Def, type: Wait}]\n"
    "    - name: U\n"
    "      type: Until\n"
    "      state: Inactive\n"
    "      onInactiveMarkAs: Skipped\n"
    "      typeProperties:\n"
    "        expression: {value: '@true', type: Expression}\n"
    "        activities: [{name: UIn, type: Wait}]\n"
    "    - name: Odd\n"
    "      type: MyContainer\n"
    "      typeProperties: {activities: 5}\n";

static void check_reference(const Pipeline *p, const char *what)
{
  CHECK(p != NULL, "%s: loads", what);
  if (!p)
    return;
  CHECK(strcmp(p->name, "P1") == 0, "%s: name", what);
  CHECK(strcmp(p->base_path, "properties") == 0, "%s: base path", what);
  CHECK(p->n_acts == 6, "%s: 6 top-level activities, got %zu", what, p->n_acts);
  CHECK(val_object_len(p->parameters) == 1, "%s: parameters", what);
  CHECK(val_object_len(p->variables) == 1, "%s: variables", what);
  CHECK(val_kind(p->annotations) == VAL_ARRAY, "%s: annotations []", what);
  if (p->n_acts != 6)
    return;
  const ActivityDef *a = p->acts[0], *loop = p->acts[1], *ifc = p->acts[2],
                    *sw = p->acts[3], *u = p->acts[4], *odd = p->acts[5];
  CHECK(strcmp(a->path, "properties.activities[0]") == 0, "%s: path %s", what,
        a->path);
  CHECK(a->line > 0 && a->col > 0, "%s: activity has line:col", what);
  CHECK(val_kind(a->user_properties) == VAL_ARRAY &&
            val_array_len(a->user_properties) == 0,
        "%s: userProperties default []", what);
  CHECK(a->policy == NULL, "%s: no policy", what);
  CHECK(strcmp(a->on_inactive_mark_as, "Succeeded") == 0 && !a->inactive,
        "%s: active by default", what);
  CHECK(loop->n_deps == 1 && strcmp(loop->deps[0].activity, "A") == 0 &&
            loop->deps[0].conds == (DEP_SUCCEEDED | DEP_FAILED),
        "%s: dependsOn bits", what);
  CHECK(strcmp(loop->deps[0].path, "properties.activities[1].dependsOn[0]") ==
            0,
        "%s: dep path %s", what, loop->deps[0].path);
  CHECK(loop->n_blocks == 1 &&
            strcmp(loop->blocks[0].label, "activities") == 0 &&
            loop->blocks[0].n_acts == 1,
        "%s: ForEach block", what);
  if (loop->n_blocks == 1 && loop->blocks[0].n_acts == 1) {
    const ActivityDef *in = loop->blocks[0].acts[0];
    CHECK(strcmp(in->path,
                 "properties.activities[1].typeProperties.activities[0]") == 0,
          "%s: inner path %s", what, in->path);
    CHECK(in->parent == loop, "%s: parent", what);
    CHECK(in->line > loop->line, "%s: inner line after container", what);
    CHECK(val_kind(in->type_props) == VAL_OBJECT &&
              val_object_len(in->type_props) == 0,
          "%s: typeProperties default {}", what);
  }
  CHECK(ifc->n_blocks == 2 &&
            strcmp(ifc->blocks[0].label, "ifTrueActivities") == 0 &&
            strcmp(ifc->blocks[1].label, "ifFalseActivities") == 0,
        "%s: If blocks", what);
  CHECK(sw->n_blocks == 3, "%s: Switch blocks (lower-case type)", what);
  if (sw->n_blocks == 3) {
    CHECK(strcmp(sw->blocks[0].label, "cases") == 0 &&
              val_kind(sw->blocks[0].case_value) == VAL_STRING &&
              strcmp(val_str(sw->blocks[0].case_value), "a") == 0,
          "%s: case a", what);
    CHECK(strcmp(sw->blocks[0].path,
                 "properties.activities[3].typeProperties.cases[0]."
                 "activities") == 0,
          "%s: case path %s", what, sw->blocks[0].path);
    CHECK(sw->blocks[1].n_acts == 0, "%s: empty case", what);
    CHECK(strcmp(sw->blocks[2].label, "defaultActivities") == 0 &&
              sw->blocks[2].case_value == NULL,
          "%s: default", what);
  }
  CHECK(u->inactive && strcmp(u->on_inactive_mark_as, "Skipped") == 0,
        "%s: inactive", what);
  CHECK(odd->n_blocks == 0, "%s: unknown container not entered", what);
  CHECK(pipeline_find_activity(p, "CaseA") != NULL &&
            pipeline_find_activity(p, "UIn") != NULL &&
            pipeline_find_activity(p, "caseA") == NULL,
        "%s: find nested (exact name)", what);
}

static int walk_count;
static bool count_until(void *ud, const ActivityDef *a)
{
  (void)a;
  walk_count++;
  return walk_count < *(int *)ud;
}

static void test_layouts(void)
{
  Err err = ERR_INIT;
  Pipeline *pj = load_json(pipe_json, &err);
  check_reference(pj, "json");
  if (!pj)
    err_print(&err, stderr);
  err_clear(&err);
  Pipeline *py = load_yaml(pipe_yaml, &err);
  check_reference(py, "yaml");
  if (!py)
    err_print(&err, stderr);
  if (pj && py) {
    CHECK(val_equal(pj->raw, py->raw), "YAML and JSON give equal documents");
    /* YAML positions: the Loop activity starts at line 11, col 7 */
    CHECK(py->acts[1]->line == 11 && py->acts[1]->col == 7,
          "YAML line:col %d:%d", py->acts[1]->line, py->acts[1]->col);
    CHECK(pj->acts[1]->line == 9 && pj->acts[1]->col == 7,
          "JSON line:col %d:%d", pj->acts[1]->line, pj->acts[1]->col);
    SrcLoc loc;
    pipeline_loc(py, "properties.activities[1].typeProperties.items.value",
                 &loc);
    CHECK(loc.line == 17 && loc.col == 24, "YAML nested value at %d:%d",
          loc.line, loc.col);
    pipeline_loc(pj, "properties.activities[1].nosuch", &loc);
    CHECK(loc.line == 9 && strcmp(loc.file, "mem.json") == 0,
          "pipeline_loc falls back to the ancestor");
    int stop = 3;
    walk_count = 0;
    CHECK(!pipeline_walk(pj, count_until, &stop) && walk_count == 3,
          "walk stops early");
    stop = 1000;
    walk_count = 0;
    pipeline_walk(pj, count_until, &stop);
    CHECK(walk_count == 12, "walk visits all 12 activities, got %d",
          walk_count);
  }
  pipeline_free(pj);
  pipeline_free(py);

  /* bare properties object: name from the file */
  write_text("bare/My Pipe.json",
             "{\"activities\": [{\"name\": \"W\", \"type\": \"Wait\"}]}");
  char *path = tmp_path("bare/My Pipe.json");
  err_clear(&err);
  Pipeline *p = load_pipeline_file(path, &err);
  CHECK(p && strcmp(p->name, "My Pipe") == 0 && strcmp(p->base_path, "") == 0,
        "bare properties object");
  CHECK(p && p->n_acts == 1 && strcmp(p->acts[0]->path, "activities[0]") == 0,
        "bare path");
  CHECK(p && val_object_len(p->parameters) == 0 &&
            val_object_len(p->variables) == 0,
        "parameters/variables default {}");
  CHECK(p && p->file && strcmp(p->file, path) == 0, "file kept");
  pipeline_free(p);
  free(path);

  /* Fabric: <name>.DataPipeline/pipeline-content.json, no name */
  write_text("fab/pl_x.DataPipeline/pipeline-content.json",
             "{\"properties\": {\"activities\": []}}");
  path = tmp_path("fab/pl_x.DataPipeline/pipeline-content.json");
  p = load_pipeline_file(path, &err);
  CHECK(p && strcmp(p->name, "pl_x") == 0, "Fabric name from folder");
  pipeline_free(p);
  free(path);

  /* REST API example */
  err_clear(&err);
  p = load_json("{\"parameters\": {\"factoryName\": \"f\", \"pipelineName\": "
                "\"rp\", \"pipeline\": {\"properties\": {\"activities\": "
                "[{\"name\": \"X\", \"type\": \"Wait\"}]}}}}",
                &err);
  CHECK(p && strcmp(p->name, "rp") == 0 &&
            strcmp(p->base_path, "parameters.pipeline.properties") == 0 &&
            p->n_acts == 1,
        "REST example layout");
  pipeline_free(p);

  /* empty pipeline; a properties object without activities */
  err_clear(&err);
  p = load_json("{\"name\": \"E\", \"properties\": {}}", &err);
  CHECK(p && p->n_acts == 0, "empty pipeline");
  pipeline_free(p);

  /* ADF's deserializer ignores case in property names */
  err_clear(&err);
  p = load_json(
      "{\"Name\": \"C\", \"Properties\": {\"Activities\": "
      "[{\"Name\": \"a\", \"Type\": \"ForEach\", \"TypeProperties\":"
      " {\"Activities\": [{\"name\": \"b\", \"type\": \"Wait\"}]}}]}}",
      &err);
  CHECK(p && p->n_acts == 1 && p->acts[0]->n_blocks == 1 &&
            strcmp(p->acts[0]->blocks[0].path,
                   "Properties.Activities[0].TypeProperties.Activities") == 0,
        "case-insensitive members keep their spelling in paths");
  pipeline_free(p);
}

/* ---- ARM templates ------------------------------------------------------- */

static const char *arm_text =
    "{\n"
    "  \"$schema\": \"http://schema.management.azure.com/schemas/2015-01-01/"
    "deploymentTemplate.json#\",\n"
    "  \"parameters\": {\"factoryName\": {\"type\": \"string\"}},\n"
    "  \"resources\": [\n"
    "    {\"name\": \"[concat(parameters('factoryName'), '/First')]\",\n"
    "     \"type\": \"Microsoft.DataFactory/factories/pipelines\",\n"
    "     \"properties\": {\"activities\": [{\"name\": \"A\", \"type\": "
    "\"Wait\"}]}},\n"
    "    {\"name\": \"[concat(parameters('factoryName'), '/ds1')]\",\n"
    "     \"type\": \"Microsoft.DataFactory/factories/datasets\",\n"
    "     \"properties\": {\"type\": \"Json\", \"linkedServiceName\": {}}},\n"
    "    {\"name\": \"st\", \"type\": \"Microsoft.Storage/storageAccounts\"},\n"
    "    {\"name\": \"[concat(parameters('factoryName'), '/Second')]\",\n"
    "     \"type\": \"Microsoft.DataFactory/factories/pipelines\",\n"
    "     \"properties\": {\"activities\": [\n"
    "        {\"name\": \"B\", \"type\": \"Wait\"}]}}\n"
    "  ]\n"
    "}\n";

static void test_arm(void)
{
  Err err = ERR_INIT;
  write_text("arm/template.json", arm_text);
  char *path = tmp_path("arm/template.json");
  Pipeline *out = NULL;
  Factory *f = load_any(path, &out, &err);
  CHECK(f && f->n_pipelines == 2 && out == NULL, "ARM: two pipelines");
  if (f && f->n_pipelines == 2) {
    CHECK(strcmp(f->pipelines[0]->name, "First") == 0 &&
              strcmp(f->pipelines[1]->name, "Second") == 0,
          "ARM names");
    const ActivityDef *b = f->pipelines[1]->acts[0];
    CHECK(b->line == 15 && b->col == 9,
          "ARM: line:col of the whole file, "
          "got %d:%d",
          b->line, b->col);
    CHECK(factory_resource(f, RES_DATASET, "DS1") != NULL,
          "ARM dataset, case-insensitive look-up");
    CHECK(f->n_resources == 1, "non-ADF resources skipped");
  }
  factory_free(f);
  err_clear(&err);
  Pipeline *p = load_pipeline_file(path, &err);
  CHECK(!p && err.code == ERR_DEF_STRUCTURE && strstr(err.msg, "2 pipelines"),
        "ARM with two pipelines is not one pipeline: %s", err.msg);
  free(path);
}

/* ---- YAML typing --------------------------------------------------------- */

static void test_yaml_types(void)
{
  Value *v = yaml_value(
      "a: ~\nb: null\nc: true\nd: False\ne: 42\nf: -7\ng: 0x1F\nh: 0o17\n"
      "i: 1.5\nj: 1e3\nk: '12'\nl: \"true\"\nm: 9223372036854775807\n"
      "n: 9223372036854775808\no: .inf\np: yes\nq: !!str 12\nr: 012\n"
      "s: |\n  block\nt:\nu: 1_000\nv: !!float 2\n");
  CHECK(v && val_kind(v) == VAL_OBJECT, "typed scalars parse");
  if (v) {
#define K(key) val_object_peek(v, key)
    CHECK(val_kind(K("a")) == VAL_NULL && val_kind(K("b")) == VAL_NULL, "null");
    CHECK(val_kind(K("c")) == VAL_BOOL && val_get_bool(K("c")) &&
              !val_get_bool(K("d")),
          "bool");
    CHECK(val_kind(K("e")) == VAL_INT && val_get_int(K("e")) == 42 &&
              val_get_int(K("f")) == -7,
          "int");
    CHECK(val_get_int(K("g")) == 31 && val_get_int(K("h")) == 15, "hex/oct");
    CHECK(val_kind(K("i")) == VAL_FLOAT && val_get_float(K("i")) == 1.5 &&
              val_kind(K("j")) == VAL_FLOAT,
          "float");
    CHECK(val_kind(K("k")) == VAL_STRING && val_kind(K("l")) == VAL_STRING,
          "quoted are strings");
    CHECK(val_kind(K("m")) == VAL_INT &&
              val_get_int(K("m")) == 9223372036854775807LL,
          "exact int64");
    CHECK(val_kind(K("n")) == VAL_FLOAT, "int64 overflow becomes float");
    CHECK(val_kind(K("o")) == VAL_FLOAT, ".inf");
    CHECK(val_kind(K("p")) == VAL_STRING, "yes is a string (1.2 core)");
    CHECK(val_kind(K("q")) == VAL_STRING, "!!str");
    CHECK(val_kind(K("r")) == VAL_INT && val_get_int(K("r")) == 12,
          "012 is decimal 12 in 1.2");
    CHECK(val_kind(K("s")) == VAL_STRING &&
              strcmp(val_str(K("s")), "block\n") == 0,
          "block scalar");
    CHECK(val_kind(K("t")) == VAL_NULL, "empty value is null");
    CHECK(val_kind(K("u")) == VAL_STRING, "1_000 is a string in 1.2");
    CHECK(val_kind(K("v")) == VAL_FLOAT, "!!float 2");
#undef K
  }
  val_unref(v);

  /* anchors, aliases, merge keys */
  v = yaml_value("base: &b {x: 1, y: 2}\n"
                 "copy: *b\n"
                 "merged:\n  <<: *b\n  y: 3\n"
                 "multi:\n  <<: [{p: 1}, {p: 2, q: 2}]\n");
  CHECK(v != NULL, "anchors parse");
  if (v) {
    CHECK(val_equal(val_object_peek(v, "base"), val_object_peek(v, "copy")),
          "alias");
    const Value *m = val_object_peek(v, "merged");
    CHECK(m && val_get_int(val_object_peek(m, "x")) == 1 &&
              val_get_int(val_object_peek(m, "y")) == 3 &&
              !val_object_peek(m, "<<"),
          "merge key: explicit keys win");
    m = val_object_peek(v, "multi");
    CHECK(m && val_get_int(val_object_peek(m, "p")) == 1 &&
              val_get_int(val_object_peek(m, "q")) == 2,
          "merge list: earlier sources win");
  }
  val_unref(v);

  Err err = ERR_INIT;
  const char *bad[] = {
      "a: 1\n---\nb: 2\n", /* two documents */
      "",                  /* nothing */
      "? [a, b]\n: 1\n",   /* complex key */
      "a: *nope\n",        /* unknown alias */
      "a: !!int abc\n",    /* tag mismatch */
      "a: [1, 2\n",        /* syntax */
      "<<: 5\n",           /* bad merge */
      "a: 1\n\tb: 2\n",    /* tab indentation */
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    err_clear(&err);
    v = load_yaml_text(bad[i], strlen(bad[i]), NULL, &err);
    CHECK(!v && err.code == ERR_YAML_SYNTAX && err.loc.line > 0 &&
              err.loc.col > 0,
          "bad YAML %zu rejected with line:col (%d:%d %s)", i, err.loc.line,
          err.loc.col, err.msg);
    val_unref(v);
  }
  err_clear(&err);
  v = load_yaml_text("a: [1, 2\n", 9, NULL, &err);
  CHECK(!v && strncmp(err.msg, "expected", 8) == 0, "YAML message: %s",
        err.msg);

  /* billion laughs: shared Values, but bounded expansion */
  StrBuf sb;
  sb_init(&sb);
  sb_puts(&sb, "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
  for (int i = 1; i < 12; i++) {
    sb_printf(&sb, "a%d: &a%d [", i, i);
    for (int j = 0; j < 10; j++)
      sb_printf(&sb, "%s*a%d", j ? ", " : "", i - 1);
    sb_puts(&sb, "]\n");
  }
  err_clear(&err);
  v = load_yaml_text(sb.s, sb.len, NULL, &err);
  CHECK(!v && err.code == ERR_YAML_SYNTAX, "alias bomb refused: %s", err.msg);
  sb_fini(&sb);
}

/* ---- Encodings ----------------------------------------------------------- */

static void write_utf16(const char *name, const char *ascii, bool be, bool bom,
                        bool astral)
{
  StrBuf sb;
  sb_init(&sb);
  if (bom)
    sb_put(&sb, be ? "\xFE\xFF" : "\xFF\xFE", 2);
  for (const char *p = ascii; *p; p++) {
    if (*p == '~' && astral) { /* U+1F600 as a surrogate pair */
      const unsigned char pair[2][2] = {{0xD8, 0x3D}, {0xDE, 0x00}};
      for (int k = 0; k < 2; k++) {
        char hi = (char)pair[k][0], lo = (char)pair[k][1];
        sb_putc(&sb, be ? hi : lo);
        sb_putc(&sb, be ? lo : hi);
      }
      continue;
    }
    if (be) {
      sb_putc(&sb, '\0');
      sb_putc(&sb, *p);
    } else {
      sb_putc(&sb, *p);
      sb_putc(&sb, '\0');
    }
  }
  write_bytes(name, sb.s, sb.len);
  sb_fini(&sb);
}

static void test_encodings(void)
{
  const char *doc = "{\"name\": \"Enc~\", \"properties\": {\"activities\": "
                    "[\n{\"name\": \"W\", \"type\": \"Wait\"}]}}";
  const char *expect = "Enc\xF0\x9F\x98\x80";
  struct {
    const char *file;
    bool be, bom;
  } cases[] = {
      {"enc/le_bom.json", false, true},
      {"enc/be_bom.json", true, true},
      {"enc/le_nobom.json", false, false},
      {"enc/be_nobom.json", true, false},
  };
  for (size_t i = 0; i < 4; i++) {
    Err err = ERR_INIT;
    write_utf16(cases[i].file, doc, cases[i].be, cases[i].bom, true);
    char *path = tmp_path(cases[i].file);
    Pipeline *p = load_pipeline_file(path, &err);
    CHECK(p && strcmp(p->name, expect) == 0, "%s loads", cases[i].file);
    CHECK(p && p->n_acts == 1 && p->acts[0]->line == 2 && p->acts[0]->col == 1,
          "%s: line:col", cases[i].file);
    if (!p)
      err_print(&err, stderr);
    pipeline_free(p);
    free(path);
  }
  /* UTF-8 with BOM, JSON and YAML */
  Err err = ERR_INIT;
  write_text("enc/bom.json", "\xEF\xBB\xBF{\"name\": \"B\", \"properties\": "
                             "{\"activities\": []}}");
  write_text("enc/bom.yaml", "\xEF\xBB\xBFname: B\nproperties:\n  "
                             "activities: []\n");
  write_utf16("enc/le.yaml", "name: Y\nproperties: {activities: []}\n", false,
              true, false);
  const char *files[] = {"enc/bom.json", "enc/bom.yaml", "enc/le.yaml"};
  for (size_t i = 0; i < 3; i++) {
    char *path = tmp_path(files[i]);
    err_clear(&err);
    Pipeline *p = load_pipeline_file(path, &err);
    CHECK(p != NULL, "%s loads", files[i]);
    if (!p)
      err_print(&err, stderr);
    pipeline_free(p);
    free(path);
  }
  /* unpaired surrogate and a dangling byte become U+FFFD */
  const char raw[] = "\xFF\xFE{\0\"\0\x00\xD8\"\0:\0"
                     "1\0}\0\n";
  write_bytes("enc/bad16.json", raw, sizeof(raw) - 1);
  char *path = tmp_path("enc/bad16.json");
  size_t len;
  err_clear(&err);
  char *text = load_file_utf8(path, &len, &err);
  CHECK(text && strstr(text, "\xEF\xBF\xBD") != NULL,
        "unpaired surrogate -> U+FFFD");
  free(text);
  free(path);
}

/* ---- Errors -------------------------------------------------------------- */

typedef struct BadCase {
  const char *json;
  ErrCode code;
  const char *path; /* expected loc.path, or NULL */
  int line;         /* expected line, or 0 */
} BadCase;

static void test_errors(void)
{
  /* clang-format off */
  static const BadCase cases[] = {
    /* Neither 'properties' nor 'activities': not a pipeline at all (a
     * test or mock file given by mistake must not run as empty). */
    {"{\"test\": {\"name\": \"t\"},\n \"expect\": {}}",
     ERR_DEF_STRUCTURE, "", 1},
    {"{\"name\": \"x\",\n \"properties\": {\"activities\": {}}}",
     ERR_DEF_STRUCTURE, "properties.activities", 2},
    {"{\"properties\": {\"activities\": [\n  {\"type\": \"Wait\"}]}}",
     ERR_DEF_STRUCTURE, "properties.activities[0]", 2},
    {"{\"properties\": {\"activities\": [{\"name\": 5, \"type\": \"Wait\"}]}}",
     ERR_DEF_STRUCTURE, "properties.activities[0].name", 1},
    {"{\"properties\": {\"activities\": [{\"name\": \"a\"}]}}",
     ERR_DEF_STRUCTURE, "properties.activities[0]", 1},
    {"{\"properties\": {\"activities\": [{\"name\": \"a\", \"type\": []}]}}",
     ERR_DEF_STRUCTURE, "properties.activities[0].type", 1},
    {"{\"properties\": {\"activities\": [{\"name\": \"a\", \"type\": \"W\",\n"
     "  \"dependsOn\": {}}]}}",
     ERR_DEF_STRUCTURE, "properties.activities[0].dependsOn", 2},
    {"{\"properties\": {\"activities\": [{\"name\": \"a\", \"type\": \"W\",\n"
     "  \"dependsOn\": [{\"activity\": \"b\",\n"
     "   \"dependencyConditions\": [\"Succeeded\", \"Sometimes\"]}]}]}}",
     ERR_DEF_STRUCTURE,
     "properties.activities[0].dependsOn[0].dependencyConditions[1]", 3},
    {"{\"properties\": {\"activities\": [{\"name\": \"a\", \"type\": \"W\","
     " \"dependsOn\": [{\"dependencyConditions\": [\"Failed\"]}]}]}}",
     ERR_DEF_STRUCTURE, "properties.activities[0].dependsOn[0]", 1},
    {"{\"properties\": {\"activities\": [{\"name\": \"a\", \"type\": \"W\","
     " \"dependsOn\": [{\"activity\": \"b\", \"dependencyConditions\": []}]}]}}",
     ERR_DEF_STRUCTURE,
     "properties.activities[0].dependsOn[0].dependencyConditions", 1},
    {"{\"properties\": {\"activities\": [{\"name\": \"a\", \"type\": \"W\","
     " \"dependsOn\": [\"b\"]}]}}",
     ERR_DEF_STRUCTURE, "properties.activities[0].dependsOn[0]", 1},
    {"{\"properties\": {\"activities\": [{\"name\": \"f\", \"type\": "
     "\"ForEach\",\n \"typeProperties\": {\"activities\": {}}}]}}",
     ERR_DEF_STRUCTURE, "properties.activities[0].typeProperties.activities",
     2},
    {"{\"properties\": {\"activities\": [{\"name\": \"u\", \"type\": "
     "\"Until\", \"typeProperties\": {\"activities\": \"x\"}}]}}",
     ERR_DEF_STRUCTURE, "properties.activities[0].typeProperties.activities",
     1},
    {"{\"properties\": {\"activities\": [{\"name\": \"i\", \"type\": "
     "\"IfCondition\", \"typeProperties\": {\"ifFalseActivities\": 1}}]}}",
     ERR_DEF_STRUCTURE,
     "properties.activities[0].typeProperties.ifFalseActivities", 1},
    {"{\"properties\": {\"activities\": [{\"name\": \"s\", \"type\": "
     "\"Switch\", \"typeProperties\": {\"cases\": {}}}]}}",
     ERR_DEF_STRUCTURE, "properties.activities[0].typeProperties.cases", 1},
    {"{\"properties\": {\"activities\": [{\"name\": \"s\", \"type\": "
     "\"Switch\", \"typeProperties\": {\"cases\": [{\"value\": \"1\", "
     "\"activities\": 3}]}}]}}",
     ERR_DEF_STRUCTURE,
     "properties.activities[0].typeProperties.cases[0].activities", 1},
    {"{\"properties\": {\"activities\": [{\"name\": \"s\", \"type\": "
     "\"Switch\", \"typeProperties\": {\"defaultActivities\": {}}}]}}",
     ERR_DEF_STRUCTURE,
     "properties.activities[0].typeProperties.defaultActivities", 1},
    {"{\"properties\": {\"activities\": [{\"name\": \"f\", \"type\": "
     "\"ForEach\", \"typeProperties\": {\"activities\": [\n"
     "  {\"name\": \"in\", \"type\": \"W\", \"state\": \"Maybe\"}]}}]}}",
     ERR_DEF_STRUCTURE,
     "properties.activities[0].typeProperties.activities[0].state", 2},
    {"{\"properties\": {\"activities\": [{\"name\": \"a\", \"type\": \"W\","
     " \"onInactiveMarkAs\": \"Cancelled\"}]}}",
     ERR_DEF_STRUCTURE, "properties.activities[0].onInactiveMarkAs", 1},
    {"{\"properties\": {\"activities\": [{\"name\": \"a\", \"type\": \"W\","
     " \"typeProperties\": []}]}}",
     ERR_DEF_STRUCTURE, "properties.activities[0].typeProperties", 1},
    {"{\"properties\": {\"activities\": [{\"name\": \"a\", \"type\": \"W\","
     " \"policy\": \"x\"}]}}",
     ERR_DEF_STRUCTURE, "properties.activities[0].policy", 1},
    {"{\"properties\": {\"activities\": [{\"name\": \"a\", \"type\": \"W\","
     " \"userProperties\": {}}]}}",
     ERR_DEF_STRUCTURE, "properties.activities[0].userProperties", 1},
    {"{\"properties\": {\"activities\": [7]}}",
     ERR_DEF_STRUCTURE, "properties.activities[0]", 1},
    {"{\"properties\": {\"parameters\": [], \"activities\": []}}",
     ERR_DEF_STRUCTURE, "properties.parameters", 1},
    {"{\"properties\": 5}", ERR_DEF_STRUCTURE, "properties", 1},
    {"{\"name\": 5, \"properties\": {}}", ERR_DEF_STRUCTURE, "name", 1},
    {"{\"name\": \"x\"}", ERR_DEF_STRUCTURE, "", 1},
    {"[1, 2]", ERR_DEF_STRUCTURE, "", 1},
    {"{\"name\": \"ds\", \"properties\": {\"type\": \"Json\", "
     "\"linkedServiceName\": {}}}", ERR_DEF_STRUCTURE, "properties", 1},
    {"{\"name\": \"x\",\n \"properties\": {\"activities\": [}}",
     ERR_JSON_SYNTAX, NULL, 2},
    {"{\"name\": \"x\"\n\n   \"properties\": {}}", ERR_JSON_SYNTAX, NULL, 3},
    {"", ERR_JSON_SYNTAX, NULL, 1},
  };
  /* clang-format on */
  write_text("err/placeholder.json", "{}");
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    StrBuf name;
    sb_init(&name);
    sb_printf(&name, "err/case%zu.json", i);
    write_text(name.s, cases[i].json);
    char *path = tmp_path(name.s);
    Err err = ERR_INIT;
    Pipeline *p = load_pipeline_file(path, &err);
    CHECK(!p, "bad case %zu rejected", i);
    CHECK(err.code == cases[i].code, "case %zu: code %s (%s)", i,
          err_code_name(err.code), err.msg);
    CHECK(err.loc.file && strcmp(err.loc.file, path) == 0,
          "case %zu: file named", i);
    if (cases[i].path)
      CHECK(strcmp(err.loc.path, cases[i].path) == 0,
            "case %zu: path '%s', want '%s'", i, err.loc.path, cases[i].path);
    if (cases[i].line)
      CHECK(err.loc.line == cases[i].line && err.loc.col > 0,
            "case %zu: line %d:%d, want %d", i, err.loc.line, err.loc.col,
            cases[i].line);
    if (cases[i].code == ERR_JSON_SYNTAX)
      CHECK(strncmp(err.msg, "expected", 8) == 0, "case %zu: '%s'", i, err.msg);
    pipeline_free(p);
    free(path);
    sb_fini(&name);
  }

  /* the printed form: file:line:col: path: CODE: message */
  Err err = ERR_INIT;
  char *path = tmp_path("err/case2.json");
  Pipeline *p = load_pipeline_file(path, &err);
  char buf[2048] = "";
  FILE *mem = fmemopen(buf, sizeof(buf), "w");
  if (mem) {
    err_print(&err, mem);
    fclose(mem);
  }
  StrBuf want;
  sb_init(&want);
  sb_printf(&want, "%s:2:3: properties.activities[0]: DEF_STRUCTURE: ", path);
  CHECK(strncmp(buf, want.s, want.len) == 0, "printed: %s", buf);
  sb_fini(&want);
  pipeline_free(p);
  free(path);

  /* unreadable files */
  err_clear(&err);
  p = load_pipeline_file("/nonexistent/dir/p.json", &err);
  CHECK(!p && err.code == ERR_IO && strstr(err.msg, "No such file"),
        "ERR_IO with strerror: %s", err.msg);
  err_clear(&err);
  p = load_pipeline_file(tmpdir, &err);
  CHECK(!p && err.code == ERR_IO, "a folder is not a file: %s", err.msg);

  /* YAML structural errors carry YAML positions */
  err_clear(&err);
  p = load_yaml(
      "properties:\n  activities:\n    - name: a\n      type: W\n"
      "      dependsOn: [{activity: b, dependencyConditions: [Ok]}]\n",
      &err);
  CHECK(!p && err.code == ERR_DEF_STRUCTURE && err.loc.line == 5 &&
            strcmp(err.loc.path, "properties.activities[0].dependsOn[0]."
                                 "dependencyConditions[0]") == 0,
        "YAML structural error at %d:%d %s", err.loc.line, err.loc.col,
        err.loc.path);
  err_clear(&err);
  p = load_yaml("name: x\nproperties:\n  activities: [\n", &err);
  CHECK(!p && err.code == ERR_YAML_SYNTAX && err.loc.line > 0,
        "YAML syntax error located");
}

/* ---- Robustness ---------------------------------------------------------- */

static void test_truncation(void)
{
  size_t n = strlen(pipe_json), ok = 0;
  for (size_t i = 0; i < n; i++) {
    Err err = ERR_INIT;
    SrcMap *locs = srcmap_new();
    Value *doc = json_parse(pipe_json, i, locs, &err);
    Pipeline *p = doc ? load_pipeline_value(doc, locs, "t.json", &err)
                      : (srcmap_free(locs), NULL);
    if (p && i + 1 < n)
      ok++; /* only the text without its final newline is whole */
    CHECK(p || err.code != ERR_OK, "truncated at %zu: error set", i);
    pipeline_free(p);
  }
  CHECK(ok == 0, "no JSON prefix is a whole pipeline (%zu were)", ok);
  n = strlen(pipe_yaml);
  for (size_t i = 0; i < n; i++) {
    Err err = ERR_INIT;
    SrcMap *locs = srcmap_new();
    Value *doc = load_yaml_text(pipe_yaml, i, locs, &err);
    Pipeline *p = doc ? load_pipeline_value(doc, locs, "t.yaml", &err)
                      : (srcmap_free(locs), NULL);
    CHECK(p || err.code != ERR_OK, "YAML truncated at %zu: error set", i);
    pipeline_free(p);
  }
}

static void test_deep_and_huge(void)
{
  Err err = ERR_INIT;
  StrBuf sb;
  sb_init(&sb);
  /* nesting beyond the JSON limit: an error, not a crash */
  for (int i = 0; i < 2000; i++)
    sb_putc(&sb, '[');
  Value *v = json_parse(sb.s, sb.len, NULL, &err);
  CHECK(!v && err.code == ERR_JSON_SYNTAX, "deep JSON refused");
  sb_reset(&sb);
  for (int i = 0; i < 2000; i++)
    sb_puts(&sb, "- ");
  sb_puts(&sb, "x\n");
  err_clear(&err);
  v = load_yaml_text(sb.s, sb.len, NULL, &err);
  CHECK(!v && err.code == ERR_YAML_SYNTAX, "deep YAML refused: %s", err.msg);
  val_unref(v);
  sb_reset(&sb);
  for (int i = 0; i < 2000; i++)
    sb_putc(&sb, '[');
  err_clear(&err);
  v = load_yaml_text(sb.s, sb.len, NULL, &err);
  CHECK(!v && err.code == ERR_YAML_SYNTAX, "deep flow YAML refused");

  /* 100 nested ForEach loops load (validation, not loading, limits it) */
  sb_reset(&sb);
  sb_puts(&sb, "{\"properties\": {\"activities\": ");
  for (int i = 0; i < 100; i++)
    sb_printf(&sb,
              "[{\"name\": \"L%d\", \"type\": \"ForEach\", "
              "\"typeProperties\": {\"activities\": ",
              i);
  sb_puts(&sb, "[]");
  for (int i = 0; i < 100; i++)
    sb_puts(&sb, "}}]");
  sb_puts(&sb, "}}");
  err_clear(&err);
  Pipeline *p = load_json(sb.s, &err);
  CHECK(p != NULL, "100 nested containers load");
  const ActivityDef *deep = p ? pipeline_find_activity(p, "L99") : NULL;
  int depth = 0;
  for (const ActivityDef *a = deep; a; a = a->parent)
    depth++;
  CHECK(depth == 100, "parents chain of 100, got %d", depth);
  pipeline_free(p);

  /* a 16 MB string */
  sb_reset(&sb);
  sb_puts(&sb, "{\"properties\": {\"activities\": [{\"name\": \"a\", "
               "\"type\": \"W\", \"description\": \"");
  for (int i = 0; i < 16 * 1024 * 1024; i++)
    sb_putc(&sb, (char)('a' + i % 26));
  sb_puts(&sb, "\"}]}}");
  err_clear(&err);
  p = load_json(sb.s, &err);
  CHECK(p && p->n_acts == 1 &&
            strlen(p->acts[0]->description) == 16 * 1024 * 1024,
        "huge string");
  pipeline_free(p);

  /* many activities via YAML aliases stay bounded */
  sb_reset(&sb);
  sb_puts(&sb, "x: &a {name: n, type: Wait}\nproperties:\n  activities: [");
  for (int i = 0; i < 3000; i++)
    sb_printf(&sb, "%s*a", i ? ", " : "");
  sb_puts(&sb, "]\n");
  err_clear(&err);
  p = load_yaml(sb.s, &err);
  CHECK(p && p->n_acts == 3000, "3000 aliased activities load");
  pipeline_free(p);
  sb_fini(&sb);

  /* garbage of every kind: never a crash */
  static const char *junk[] = {
      "null",
      "true",
      "\"s\"",
      "42",
      "{\"properties\": null}",
      "{\"properties\": {\"activities\": null}}",
      "{\"properties\": {\"activities\": [{\"name\": \"a\", \"type\": "
      "\"Switch\", \"typeProperties\": {\"cases\": [1]}}]}}",
      "{\"properties\": {\"activities\": [{\"name\": \"a\", \"type\": "
      "\"IfCondition\", \"typeProperties\": {\"ifTrueActivities\": [[]]}}]}}",
      "{\"resources\": []}",
      "{\"resources\": [1, {\"type\": 3}]}",
      "{\"parameters\": {\"factoryName\": 1, \"pipeline\": {\"properties\": "
      "[]}}}",
  };
  for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
    err_clear(&err);
    p = load_json(junk[i], &err);
    CHECK(p || err.code != ERR_OK, "junk %zu: result or error", i);
    pipeline_free(p);
  }
}

/* ---- Factory folders ----------------------------------------------------- */

static void test_factory(void)
{
  write_text("fac/factory/myfac.json",
             "{\"name\": \"myfac\", \"location\": \"westeurope\", "
             "\"properties\": {\"globalParameters\": {\"env\": {\"type\": "
             "\"String\", \"value\": \"dev\"}}}}");
  write_text("fac/pipeline/Main.json",
             "{\"name\": \"Main\", \"properties\": {\"activities\": "
             "[{\"name\": \"Run\", \"type\": \"ExecutePipeline\", "
             "\"typeProperties\": {\"pipeline\": {\"referenceName\": "
             "\"Child\", \"type\": \"PipelineReference\"}}}]}}");
  write_text("fac/pipeline/Child.yaml",
             "name: Child\nproperties:\n  activities:\n"
             "    - {name: W, type: Wait}\n");
  write_text("fac/dataset/ds.json",
             "{\"name\": \"ds\", \"properties\": {\"type\": \"Json\", "
             "\"linkedServiceName\": {\"referenceName\": \"ls\"}}}");
  write_text("fac/linkedService/ls.json",
             "{\"name\": \"ls\", \"properties\": {\"type\": \"HttpServer\", "
             "\"typeProperties\": {\"url\": \"http://x\"}}}");
  write_text("fac/trigger/t.json",
             "{\"name\": \"t\", \"properties\": {\"type\": "
             "\"ScheduleTrigger\", \"pipelines\": []}}");
  write_text("fac/managedVirtualNetwork/default.json",
             "{\"name\": \"default\", \"properties\": {}}");
  write_text("fac/managedVirtualNetwork/default/managedPrivateEndpoint/"
             "pe.json",
             "{\"name\": \"pe\", \"properties\": {\"groupId\": \"blob\"}}");
  write_text("fac/publish_config.json", "{\"publishBranch\": \"adf_publish\"}");
  write_text("fac/README.md", "not a definition");

  Err err = ERR_INIT;
  char *dir = tmp_path("fac");
  Factory *f = load_factory_dir(dir, &err);
  CHECK(f != NULL, "factory folder loads");
  if (!f)
    err_print(&err, stderr);
  if (f) {
    CHECK(f->n_pipelines == 2, "2 pipelines (JSON and YAML)");
    CHECK(f->name && strcmp(f->name, "myfac") == 0, "factory name");
    const Value *env = val_object_peek(f->global_parameters, "env");
    CHECK(env && strcmp(val_str(val_object_peek(env, "value")), "dev") == 0,
          "global parameters");
    CHECK(factory_pipeline(f, "child") != NULL, "pipeline look-up ignores "
                                                "case");
    CHECK(factory_resource(f, RES_DATASET, "ds") &&
              factory_resource(f, RES_LINKED_SERVICE, "LS") &&
              factory_resource(f, RES_TRIGGER, "t") &&
              factory_resource(f, RES_MANAGED_VNET, "default") &&
              factory_resource(f, RES_OTHER, "pe") &&
              factory_resource(f, RES_FACTORY, "myfac"),
          "resources by kind");
    CHECK(!factory_resource(f, RES_DATASET, "ls"), "kind must match");
    Resource *ds = factory_resource(f, RES_DATASET, "ds");
    CHECK(ds && ds->type && strcmp(ds->type, "Json") == 0, "resource type");
  }
  factory_free(f);

  /* load_any: a pipeline inside the folder, and the folder itself */
  char *pp = tmp_path("fac/pipeline/Child.yaml");
  Pipeline *out = NULL;
  err_clear(&err);
  f = load_any(pp, &out, &err);
  CHECK(f && out && strcmp(out->name, "Child") == 0 && f->n_pipelines == 2,
        "load_any on a factory pipeline loads its siblings");
  factory_free(f);
  err_clear(&err);
  f = load_any(dir, &out, &err);
  CHECK(f && !out && f->n_pipelines == 2, "load_any on the folder");
  factory_free(f);
  free(pp);

  /* one bad sibling fails the whole factory, naming that file */
  write_text("fac/dataset/broken.json", "{\"name\": \"broken\",\n oops}");
  err_clear(&err);
  f = load_factory_dir(dir, &err);
  CHECK(!f && err.code == ERR_JSON_SYNTAX && err.loc.file &&
            strstr(err.loc.file, "dataset/broken.json") && err.loc.line == 2,
        "bad file named: %s:%d", err.loc.file ? err.loc.file : "?",
        err.loc.line);
  factory_free(f);

  /* a pipeline in the dataset folder is reported */
  char *bp = tmp_path("fac/dataset/broken.json");
  unlink(bp);
  free(bp);
  write_text("fac/dataset/notads.json",
             "{\"name\": \"p\", \"type\": "
             "\"Microsoft.DataFactory/factories/pipelines\", \"properties\": "
             "{\"activities\": []}}");
  err_clear(&err);
  f = load_factory_dir(dir, &err);
  CHECK(!f && err.code == ERR_DEF_STRUCTURE, "pipeline in dataset/: %s",
        err.msg);
  factory_free(f);

  /* a flat folder of pipelines */
  write_text("flat/a.json", "{\"name\": \"a\", \"properties\": "
                            "{\"activities\": []}}");
  write_text("flat/b.yml", "name: b\nproperties: {activities: []}\n");
  write_text("flat/ls.json", "{\"name\": \"ls\", \"properties\": {\"type\": "
                             "\"HttpServer\", \"typeProperties\": {}}}");
  char *flat = tmp_path("flat");
  err_clear(&err);
  f = load_factory_dir(flat, &err);
  CHECK(f && f->n_pipelines == 2 && f->n_resources == 1 &&
            f->resources[0]->kind == RES_LINKED_SERVICE,
        "flat folder by detected kind");
  factory_free(f);
  free(flat);
  err_clear(&err);
  f = load_factory_dir("/nonexistent/folder", &err);
  CHECK(!f && err.code == ERR_IO, "missing folder");
  free(dir);

  /* lone resource files */
  char *ls = tmp_path("fac/linkedService/ls.json");
  err_clear(&err);
  Resource *r = load_resource_file(ls, RES_OTHER, &err);
  CHECK(r && r->kind == RES_LINKED_SERVICE && strcmp(r->name, "ls") == 0,
        "resource file, kind from its folder");
  resource_free(r);
  free(ls);
  CHECK(strcmp(res_kind_name(RES_LINKED_SERVICE), "linkedService") == 0 &&
            strcmp(res_kind_name(RES_OTHER), "other") == 0,
        "kind names");
}

int main(void)
{
  snprintf(tmpdir, sizeof(tmpdir), "/tmp/adf_test_load_XXXXXX");
  if (!mkdtemp(tmpdir)) {
    perror("mkdtemp");
    return 1;
  }
  test_layouts();
  test_arm();
  test_yaml_types();
  test_encodings();
  test_errors();
  test_truncation();
  test_deep_and_huge();
  test_factory();
  rm_rf(tmpdir);
  return CHECK_DONE();
}
