/*
 * interp/validate_props.c -- properties, limits and references
 *
 * Per activity: known type, required properties and their JSON types
 * (interp/schema.c), policy values, Switch and ForEach limits, variable
 * targets, parallel variable writes and references to other definitions.
 * Per pipeline: name, parameter and activity limits, declared types and
 * defaults.  Per resource: inline secrets and references.  Inactive
 * activities are skipped (ADF-SPEC 2.2: they are not validated).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "interp/schema.h"
#include "interp/validate_impl.h"

#define MAX_ACTIVITIES   120
#define MAX_PARAMETERS   50
#define MAX_SWITCH_CASES 25

/* Member of 'obj' by key ignoring case; *key gets the key as written. */
static const Value *member_ci(const Value *obj, const char *name,
                              const char **key)
{
  if (!obj || val_kind(obj) != VAL_OBJECT)
    return NULL;
  size_t n = val_object_len(obj), klen;
  for (size_t i = 0; i < n; i++) {
    const char *k = val_object_key_peek(obj, i, &klen);
    if (strcasecmp(k, name) == 0) {
      if (key)
        *key = k;
      return val_object_value_peek(obj, i);
    }
  }
  return NULL;
}

static bool is_expression(const Value *v)
{
  if (!v)
    return false;
  if (val_kind(v) == VAL_STRING) {
    /* an ADF expression, or an ARM template expression "[fn(...)]" */
    const char *s = val_str(v);
    size_t n = val_strlen(v);
    return s[0] == '@' ||
           (n > 2 && s[0] == '[' && s[n - 1] == ']' &&
            ((s[1] >= 'a' && s[1] <= 'z') || (s[1] >= 'A' && s[1] <= 'Z')));
  }
  return schema_type_ok(v, "e");
}

/* ---- Types of declared parameters and variables ------------------------- */

typedef enum DeclType {
  DT_UNKNOWN,
  DT_STRING,
  DT_INT,
  DT_FLOAT,
  DT_BOOL,
  DT_ARRAY,
  DT_OBJECT
} DeclType;

/* clang-format off */
static const struct { const char *name; DeclType t; } decl_types[] = {
  {"String", DT_STRING}, {"SecureString", DT_STRING}, {"Int", DT_INT},
  {"Integer", DT_INT}, {"Float", DT_FLOAT}, {"Bool", DT_BOOL},
  {"Boolean", DT_BOOL}, {"Array", DT_ARRAY}, {"Object", DT_OBJECT},
  {"SecureObject", DT_OBJECT},
};
/* clang-format on */

static DeclType decl_type(const Value *spec)
{
  const Value *t = member_ci(spec, "type", NULL);
  if (!t || val_kind(t) != VAL_STRING)
    return DT_UNKNOWN;
  for (size_t i = 0; i < sizeof(decl_types) / sizeof(decl_types[0]); i++)
    if (strcasecmp(val_str(t), decl_types[i].name) == 0)
      return decl_types[i].t;
  return DT_UNKNOWN;
}

static bool value_fits(const Value *v, DeclType t)
{
  switch (val_kind(v)) {
  case VAL_NULL:
    return true;
  case VAL_STRING:
    return t == DT_STRING;
  case VAL_INT:
    return t == DT_INT || t == DT_FLOAT;
  case VAL_FLOAT:
    return t == DT_FLOAT;
  case VAL_BOOL:
    return t == DT_BOOL;
  case VAL_ARRAY:
    return t == DT_ARRAY;
  case VAL_OBJECT:
    return t == DT_OBJECT;
  }
  return true;
}

/* Checks declarations {name: {type, defaultValue}} under 'what'. */
static void check_decls(VCtx *c, const char *what, bool vars)
{
  const Value *decls = vars ? c->p->variables : c->p->parameters;
  StrBuf base, sb;
  sb_init(&base);
  sb_init(&sb);
  v_path_key(&base, c->p->base_path, what);
  size_t n = decls ? val_object_len(decls) : 0, klen;
  for (size_t i = 0; i < n; i++) {
    const char *name = val_object_key_peek(decls, i, &klen);
    const Value *spec = val_object_value_peek(decls, i);
    sb_reset(&sb);
    sb_puts(&sb, base.s);
    srcpath_key(&sb, name, klen);
    if (val_kind(spec) != VAL_OBJECT) {
      v_emit(c, VR_STRUCTURE, sb.s, -1, NULL,
             "%s '%s' must be an object {\"type\": ...}", what, name);
      continue;
    }
    const char *tkey = "type";
    const Value *t = member_ci(spec, "type", &tkey);
    DeclType dt = decl_type(spec);
    size_t at = sb.len;
    if (!t || dt == DT_UNKNOWN ||
        (vars && (dt == DT_OBJECT || dt == DT_FLOAT))) {
      srcpath_key(&sb, tkey, strlen(tkey));
      v_emit(c, VR_STRUCTURE, sb.s, -1, NULL,
             "%s '%s' has %s type%s%s%s (expected %s)", what, name,
             t ? "an unknown" : "no",
             t && val_kind(t) == VAL_STRING ? " '" : "",
             t && val_kind(t) == VAL_STRING ? val_str(t) : "",
             t && val_kind(t) == VAL_STRING ? "'" : "",
             vars ? "String, Bool, Integer or Array"
                  : "String, Int, Float, Bool, Array, Object or "
                    "SecureString");
      continue;
    }
    const char *dkey = "defaultValue";
    const Value *d = member_ci(spec, "defaultValue", &dkey);
    /* A String parameter takes any scalar or object default (the
     * service stringifies it); everything else must match. */
    bool lenient = d && !vars && dt == DT_STRING && val_kind(d) != VAL_ARRAY;
    if (d && !lenient && !value_fits(d, dt) &&
        !(val_kind(d) == VAL_STRING && is_expression(d))) {
      sb.len = at;
      sb.s[at] = '\0';
      srcpath_key(&sb, dkey, strlen(dkey));
      v_emit(c, VR_VALUE_TYPE, sb.s, -1, NULL,
             "default value of %s '%s' is %s %s, but its type is %s",
             vars ? "variable" : "parameter", name,
             val_kind(d) == VAL_INT || val_kind(d) == VAL_ARRAY ? "an" : "a",
             val_kind_name(val_kind(d)), val_str(t));
    }
  }
  sb_fini(&base);
  sb_fini(&sb);
}

void v_check_pipeline_level(VCtx *c)
{
  v_check_pipeline_name(c);
  StrBuf sb;
  sb_init(&sb);
  size_t np = c->p->parameters ? val_object_len(c->p->parameters) : 0;
  if (np > MAX_PARAMETERS) {
    v_path_key(&sb, c->p->base_path, "parameters");
    v_emit(c, VR_TOO_MANY_PARAMETERS, sb.s, -1, NULL,
           "pipeline '%s' declares %zu parameters (at most %d)", c->p->name, np,
           MAX_PARAMETERS);
  }
  sb_fini(&sb);
  check_decls(c, "parameters", false);
  check_decls(c, "variables", true);
}

/* ---- Policies and timeouts ------------------------------------------------
 */

/* Parses a .NET TimeSpan "[d.]h[h]:m[m]:s[s][.fffffff]" (the swagger
 * documents the two-digit pattern, but the service parses TimeSpans:
 * definitions deployed with "2.0:01:00" exist); returns seconds or -1. */
static long long parse_timespan(const char *s)
{
  long long days = 0;
  const char *p = s;
  const char *dot = strchr(s, '.'), *colon = strchr(s, ':');
  if (!colon)
    return -1;
  if (dot && dot < colon) {
    if (dot == s)
      return -1;
    for (; p < dot; p++) {
      if (*p < '0' || *p > '9')
        return -1;
      days = days * 10 + (*p - '0');
      if (days > 100000)
        return -1;
    }
    p++;
  }
  int f[3];
  for (int i = 0; i < 3; i++) {
    if (*p < '0' || *p > '9')
      return -1;
    f[i] = *p++ - '0';
    if (*p >= '0' && *p <= '9')
      f[i] = f[i] * 10 + (*p++ - '0');
    if (i < 2) {
      if (*p != ':')
        return -1;
      p++;
    }
  }
  if (*p == '.') { /* fractions of a second */
    p++;
    if (!*p)
      return -1;
    while (*p >= '0' && *p <= '9')
      p++;
  }
  if (*p || f[1] > 59 || f[2] > 59 || f[0] > 23)
    return -1;
  return ((days * 24 + f[0]) * 60 + f[1]) * 60 + f[2];
}

static void check_timespan(VCtx *c, const Value *v, const char *path,
                           const char *what, long long max_s,
                           const char *max_words)
{
  if (!v || val_kind(v) == VAL_NULL || is_expression(v))
    return;
  if (val_kind(v) != VAL_STRING) {
    v_emit(c, VR_POLICY_TIMEOUT, path, -1, NULL,
           "%s must be a string \"[d.]hh:mm:ss\", got %s", what,
           val_kind_name(val_kind(v)));
    return;
  }
  long long s = parse_timespan(val_str(v));
  if (s < 0)
    v_emit(c, VR_POLICY_TIMEOUT, path, -1, NULL,
           "%s '%s' is not a time span [d.]hh:mm:ss (e.g. \"0.12:00:00\")",
           what, val_str(v));
  else if (max_s > 0 && s > max_s)
    v_emit(c, VR_POLICY_TIMEOUT, path, -1, NULL,
           "%s '%s' is longer than the maximum of %s", what, val_str(v),
           max_words);
}

static void check_policy(VCtx *c, const ActivityDef *a)
{
  if (!a->policy)
    return;
  StrBuf base, sb;
  sb_init(&base);
  sb_init(&sb);
  v_path_key(&base, a->path, "policy");
  const char *k = "timeout";
  const Value *v = member_ci(a->policy, "timeout", &k);
  if (v) {
    v_path_key(&sb, base.s, k);
    check_timespan(c, v, sb.s, "policy.timeout", 7LL * 86400, "7 days");
  }
  k = "retry";
  v = member_ci(a->policy, "retry", &k);
  if (v && !is_expression(v)) {
    v_path_key(&sb, base.s, k);
    bool ok = (val_kind(v) == VAL_INT && val_get_int(v) >= 0) ||
              val_kind(v) == VAL_NULL;
    if (val_kind(v) == VAL_STRING) {
      char *end;
      long r = strtol(val_str(v), &end, 10);
      ok = *val_str(v) && !*end && r >= 0;
    }
    if (!ok)
      v_emit(c, VR_POLICY_RETRY, sb.s, -1, NULL,
             "policy.retry of '%s' must be an integer >= 0", a->name);
  }
  k = "retryIntervalInSeconds";
  v = member_ci(a->policy, "retryIntervalInSeconds", &k);
  if (v && val_kind(v) != VAL_NULL) {
    v_path_key(&sb, base.s, k);
    if (val_kind(v) != VAL_INT || val_get_int(v) < 30 || val_get_int(v) > 86400)
      v_emit(c, VR_RETRY_INTERVAL, sb.s, -1, NULL,
             "policy.retryIntervalInSeconds of '%s' must be an integer "
             "from 30 to 86400",
             a->name);
  }
  sb_fini(&base);
  sb_fini(&sb);
}

/* ---- Per activity
 * ------------------------------------------------------------ */

static bool type_is(const ActivityDef *a, const char *t)
{
  return strcasecmp(a->type, t) == 0;
}

static void check_required(VCtx *c, const ActivityDef *a, const SchemaType *st)
{
  StrBuf sb;
  bool tp_present = val_object_peek_ci(a->raw, "typeProperties", 14) != NULL;
  /* Fabric pipelines (and Fabric-style activities exported into ADF
   * templates) reach their stores through "externalReferences" and
   * "datasetSettings": the ADF shapes of execution activities do not
   * apply to them. */
  bool fabric = c->dialect == VD_FABRIC ||
                val_object_peek_ci(a->raw, "externalReferences", 18);
  if (fabric && st->kind == SK_EXECUTION)
    return;
  sb_init(&sb);
  for (int i = 0; i < SCHEMA_MAX_PROPS && st->req[i].name; i++) {
    const SchemaProp *r = &st->req[i];
    if (r->top && strcmp(r->name, "linkedServiceName") == 0 && fabric)
      continue;
    const char *k = r->name;
    const Value *v = member_ci(r->top ? a->raw : a->type_props, r->name, &k);
    if (r->top) {
      v_path_key(&sb, a->path, k);
    } else if (!tp_present) {
      v_path_key(&sb, a->path, "typeProperties");
    } else {
      v_path_key(&sb, a->path, "typeProperties");
      srcpath_key(&sb, k, strlen(k));
    }
    if (!v || val_kind(v) == VAL_NULL) {
      v_emit(c, VR_REQUIRED, sb.s, -1, NULL, "%s '%s' needs %s%s", a->type,
             a->name, r->top ? "" : "typeProperties.", r->name);
    } else if (!schema_type_ok(v, r->types)) {
      v_emit(c, VR_REQUIRED, sb.s, -1, NULL,
             "%s%s of %s '%s' must be %s, got %s",
             r->top ? "" : "typeProperties.", r->name, a->type, a->name,
             schema_type_words(r->types), val_kind_name(val_kind(v)));
    }
  }
  sb_fini(&sb);
}

/* Index of the innermost enclosing ForEach that runs in parallel, or
 * -1. */
static int parallel_foreach(const VCtx *c, size_t i)
{
  for (int k = c->acts[i].parent; k >= 0; k = c->acts[k].parent) {
    const ActivityDef *p = c->acts[k].a;
    if (!type_is(p, "ForEach"))
      continue;
    const Value *seq = member_ci(p->type_props, "isSequential", NULL);
    bool sequential =
        seq && ((val_kind(seq) == VAL_BOOL && val_get_bool(seq)) ||
                (val_kind(seq) == VAL_STRING &&
                 strcasecmp(val_str(seq), "true") == 0));
    const Value *bc = member_ci(p->type_props, "batchCount", NULL);
    if (bc && val_kind(bc) == VAL_INT && val_get_int(bc) == 1)
      sequential = true;
    if (!sequential)
      return k;
  }
  return -1;
}

/* True when the body of container k reads variables('name'). */
static bool body_reads(const VCtx *c, int k, const char *name)
{
  char *js = val_to_json_str(c->acts[k].a->type_props);
  StrBuf pat;
  sb_init(&pat);
  sb_printf(&pat, "variables('%s')", name);
  bool found = false;
  for (const char *p = js; *p && !found; p++)
    found = strncasecmp(p, pat.s, pat.len) == 0;
  sb_fini(&pat);
  free(js);
  return found;
}

static void check_variable_target(VCtx *c, size_t i)
{
  const ActivityDef *a = c->acts[i].a;
  bool set = type_is(a, "SetVariable");
  const Value *sys = member_ci(a->type_props, "setSystemVariable", NULL);
  if (sys && val_kind(sys) == VAL_BOOL && val_get_bool(sys))
    return;
  const char *k = "variableName";
  const Value *name = member_ci(a->type_props, "variableName", &k);
  if (!name || val_kind(name) != VAL_STRING)
    return;
  StrBuf sb;
  sb_init(&sb);
  v_path_key(&sb, a->path, "typeProperties");
  srcpath_key(&sb, k, strlen(k));
  const Value *decl = val_object_peek(c->p->variables, val_str(name));
  if (!decl)
    decl = val_object_peek_ci(c->p->variables, val_str(name), val_strlen(name));
  if (!decl) {
    v_emit(c, VR_VARIABLE_UNDECLARED, sb.s, -1, NULL,
           "%s '%s' sets variable '%s', which the pipeline does not declare",
           a->type, a->name, val_str(name));
    sb_fini(&sb);
    return;
  }
  DeclType dt = decl_type(decl);
  if (!set && dt != DT_UNKNOWN && dt != DT_ARRAY) {
    v_emit(c, VR_VALUE_TYPE, sb.s, -1, NULL,
           "AppendVariable '%s' appends to '%s', which is not an Array "
           "variable",
           a->name, val_str(name));
  } else if (set && dt != DT_UNKNOWN) {
    const char *vk = "value";
    const Value *v = member_ci(a->type_props, "value", &vk);
    if (v && val_kind(v) != VAL_NULL && !is_expression(v) &&
        !schema_type_ok(v, "e") &&
        !(val_kind(v) == VAL_STRING && strstr(val_str(v), "@{")) &&
        !value_fits(v, dt)) {
      v_path_key(&sb, a->path, "typeProperties");
      srcpath_key(&sb, vk, strlen(vk));
      v_emit(c, VR_VALUE_TYPE, sb.s, -1, NULL,
             "SetVariable '%s' sets %s variable '%s' to %s %s", a->name,
             val_str(member_ci(decl, "type", NULL)), val_str(name),
             val_kind(v) == VAL_INT || val_kind(v) == VAL_ARRAY ||
                     val_kind(v) == VAL_OBJECT
                 ? "an"
                 : "a",
             val_kind_name(val_kind(v)));
    }
  }
  /* SetVariable in a parallel ForEach is a race.  AppendVariable alone
   * is the usual way to collect results (order aside); it races only
   * when the loop also reads the variable. */
  int pf = parallel_foreach(c, i);
  if (pf >= 0 && (set || body_reads(c, pf, val_str(name)))) {
    v_emit(c, VR_PARALLEL_VARIABLE, a->path, -1, NULL,
           "%s '%s' writes variable '%s' inside parallel ForEach '%s': "
           "variables are pipeline-wide, so iterations race (set "
           "isSequential, or move the body into a pipeline run by "
           "ExecutePipeline)",
           a->type, a->name, val_str(name), c->acts[pf].a->name);
  }
  sb_fini(&sb);
}

static void check_switch(VCtx *c, const ActivityDef *a)
{
  const char *k = "cases";
  const Value *cases = member_ci(a->type_props, "cases", &k);
  if (!cases || val_kind(cases) != VAL_ARRAY)
    return;
  StrBuf sb;
  sb_init(&sb);
  size_t n = val_array_len(cases);
  v_path_key(&sb, a->path, "typeProperties");
  srcpath_key(&sb, k, strlen(k));
  size_t at = sb.len;
  if (n > MAX_SWITCH_CASES)
    v_emit(c, VR_SWITCH_CASES, sb.s, -1, NULL,
           "Switch '%s' has %zu cases (at most %d)", a->name, n,
           MAX_SWITCH_CASES);
  for (size_t i = 0; i < n; i++) {
    const Value *vi = member_ci(val_array_peek(cases, i), "value", NULL);
    if (!vi)
      continue;
    for (size_t j = 0; j < i; j++) {
      const Value *vj = member_ci(val_array_peek(cases, j), "value", NULL);
      if (vj && val_equal(vi, vj)) {
        sb.len = at;
        sb.s[at] = '\0';
        srcpath_index(&sb, i);
        srcpath_key(&sb, "value", 5);
        StrBuf js;
        sb_init(&js);
        val_to_json(vi, &js);
        v_emit(c, VR_SWITCH_DUPLICATE, sb.s, -1, NULL,
               "Switch '%s' has case value %s twice (cases %zu and %zu); "
               "only the first can ever run",
               a->name, js.s, j, i);
        sb_fini(&js);
        break;
      }
    }
  }
  sb_fini(&sb);
}

static void check_foreach(VCtx *c, const ActivityDef *a)
{
  const char *k = "batchCount";
  const Value *bc = member_ci(a->type_props, "batchCount", &k);
  if (!bc || val_kind(bc) == VAL_NULL || is_expression(bc))
    return;
  if (val_kind(bc) != VAL_INT || val_get_int(bc) < 1 || val_get_int(bc) > 50) {
    StrBuf sb;
    sb_init(&sb);
    v_path_key(&sb, a->path, "typeProperties");
    srcpath_key(&sb, k, strlen(k));
    StrBuf js;
    sb_init(&js);
    val_to_json(bc, &js);
    v_emit(c, VR_BATCH_COUNT, sb.s, -1, NULL,
           "ForEach '%s' has batchCount %s (must be an integer from 1 to 50)",
           a->name, js.s);
    sb_fini(&js);
    sb_fini(&sb);
  }
}

static void check_container_timeouts(VCtx *c, const ActivityDef *a)
{
  StrBuf sb;
  sb_init(&sb);
  const char *k = "timeout";
  const Value *t = member_ci(a->type_props, "timeout", &k);
  if (t) {
    v_path_key(&sb, a->path, "typeProperties");
    srcpath_key(&sb, k, strlen(k));
    if (type_is(a, "Until"))
      check_timespan(c, t, sb.s, "Until timeout", 90LL * 86400, "90 days");
    else if (type_is(a, "WebHook") || type_is(a, "Validation"))
      check_timespan(c, t, sb.s, "timeout", 7LL * 86400, "7 days");
  }
  sb_fini(&sb);
}

/* ---- References to other definitions ---------------------------------------
 */

typedef struct RefWalk {
  const VOptions *opt;
  FindingList *out;
  VSrc *src;
  const Factory *f;
  StrBuf path;
  bool skip_nested; /* don't enter nested activity lists */
  bool params;      /* check the parameters dataset and linked service
                       references pass (not in data flows, whose dataset
                       parameters come from ExecuteDataFlow) */
} RefWalk;

static const struct {
  const char *type;
  ResKind kind;
  VRuleId rule;
  const char *words;
} ref_kinds[] = {
    {"DatasetReference", RES_DATASET, VR_MISSING_DATASET, "dataset"},
    {"LinkedServiceReference", RES_LINKED_SERVICE, VR_MISSING_LINKED_SERVICE,
     "linked service"},
    {"DataFlowReference", RES_DATAFLOW, VR_MISSING_DATAFLOW, "data flow"},
    {"PipelineReference", RES_PIPELINE, VR_MISSING_PIPELINE, "pipeline"},
};

static bool factory_has(const Factory *f, ResKind kind, const char *name)
{
  if (kind == RES_PIPELINE)
    return factory_pipeline(f, name) != NULL;
  return factory_resource(f, kind, name) != NULL;
}

/* The factory holds definitions of 'kind' at all (an export that lacks
 * every linked service was made without them: nothing to check). */
static bool factory_has_kind(const Factory *f, ResKind kind)
{
  if (kind == RES_PIPELINE)
    return f->n_pipelines > 0;
  for (size_t i = 0; i < f->n_resources; i++)
    if (f->resources[i]->kind == kind)
      return true;
  return false;
}

/* Declared parameters of dataset or linked service 'r' ({name: spec}),
 * or NULL when it declares none. */
static const Value *resource_params(const Resource *r)
{
  const Value *props = member_ci(r->raw, "properties", NULL);
  const Value *ps = member_ci(props ? props : r->raw, "parameters", NULL);
  return ps && val_kind(ps) == VAL_OBJECT ? ps : NULL;
}

/* True when the definition of 'r' reads its parameter 'name' with
 * dataset().name / linkedService().name (also ?. and ['name'] forms). */
static bool resource_uses_param(const Resource *r, const char *name)
{
  const char *acc = r->kind == RES_DATASET ? "dataset()" : "linkedservice()";
  size_t al = strlen(acc), nl = strlen(name);
  char *js = val_to_json_str(r->raw);
  bool used = false;
  for (const char *p = js; *p && !used; p++) {
    if (strncasecmp(p, acc, al) != 0)
      continue;
    const char *q = p + al;
    if (*q == '?')
      q++;
    if (*q == '.')
      q++;
    else if (q[0] == '[' && q[1] == '\'')
      q += 2;
    else
      continue;
    used = strncasecmp(q, name, nl) == 0 &&
           !(isalnum((unsigned char)q[nl]) || q[nl] == '_');
  }
  free(js);
  return used;
}

/* The parameters a reference 'ref' (at w->path) passes to dataset or
 * linked service 'r': every declared parameter without a default that
 * the definition reads must be passed, as reading it fails otherwise
 * (ADF057/ADF058); every key passed should be declared (ADF059). */
static void check_ref_params(RefWalk *w, const Value *ref, const Resource *r)
{
  bool ds = r->kind == RES_DATASET;
  VRuleId rule = ds ? VR_DATASET_PARAMETER : VR_LINKED_PARAMETER;
  const char *words = ds ? "dataset" : "linked service";
  const Value *decl = resource_params(r);
  const char *pk = "parameters";
  const Value *passed = member_ci(ref, "parameters", &pk);
  if (passed && val_kind(passed) != VAL_OBJECT)
    return; /* an ARM expression or the like: not checkable */
  size_t base = w->path.len, klen;
  size_t n = passed ? val_object_len(passed) : 0;
  for (size_t i = 0; i < n; i++) {
    const char *k = val_object_key_peek(passed, i, &klen);
    if (decl && val_object_peek_ci(decl, k, klen))
      continue;
    srcpath_key(&w->path, pk, strlen(pk));
    srcpath_key(&w->path, k, klen);
    v_emit_src(w->opt, w->out, w->src, VR_UNKNOWN_REF_PARAMETER, w->path.s, -1,
               NULL,
               "parameter '%s' is passed to %s '%s', which does not declare "
               "it (the value is ignored)",
               k, words, r->name);
    w->path.len = base;
    w->path.s[base] = '\0';
  }
  size_t nd = decl ? val_object_len(decl) : 0;
  for (size_t i = 0; i < nd; i++) {
    const char *k = val_object_key_peek(decl, i, &klen);
    const Value *spec = val_object_value_peek(decl, i);
    if (member_ci(spec, "defaultValue", NULL) ||
        (passed && val_object_peek_ci(passed, k, klen)) ||
        !resource_uses_param(r, k))
      continue;
    const char *rk = "referenceName";
    member_ci(ref, "referenceName", &rk);
    srcpath_key(&w->path, rk, strlen(rk));
    v_emit_src(w->opt, w->out, w->src, rule, w->path.s, -1, NULL,
               "%s '%s' needs a value for parameter '%s' (declared without "
               "a default), but this reference does not pass it",
               words, r->name, k);
    w->path.len = base;
    w->path.s[base] = '\0';
  }
}

static void ref_walk(RefWalk *w, const Value *v)
{
  size_t base = w->path.len;
  if (val_kind(v) == VAL_ARRAY) {
    for (size_t i = 0; i < val_array_len(v); i++) {
      srcpath_index(&w->path, i);
      ref_walk(w, val_array_peek(v, i));
      w->path.len = base;
      w->path.s[base] = '\0';
    }
    return;
  }
  if (val_kind(v) != VAL_OBJECT)
    return;
  const Value *t = val_object_peek(v, "type");
  const char *rk = "referenceName";
  const Value *rn = member_ci(v, "referenceName", &rk);
  if (t && rn && val_kind(t) == VAL_STRING && val_kind(rn) == VAL_STRING) {
    for (size_t i = 0; i < sizeof(ref_kinds) / sizeof(ref_kinds[0]); i++) {
      if (strcasecmp(val_str(t), ref_kinds[i].type) != 0)
        continue;
      const char *name = val_str(rn);
      if (!*name || name[0] == '[' || name[0] == '@' ||
          !factory_has_kind(w->f, ref_kinds[i].kind))
        break;
      if (factory_has(w->f, ref_kinds[i].kind, name)) {
        if (w->params && (ref_kinds[i].kind == RES_DATASET ||
                          ref_kinds[i].kind == RES_LINKED_SERVICE))
          check_ref_params(w, v,
                           factory_resource(w->f, ref_kinds[i].kind, name));
        break;
      }
      srcpath_key(&w->path, rk, strlen(rk));
      v_emit_src(w->opt, w->out, w->src, ref_kinds[i].rule, w->path.s, -1, NULL,
                 "%s '%s' is not defined in the factory", ref_kinds[i].words,
                 name);
      w->path.len = base;
      w->path.s[base] = '\0';
      break;
    }
  }
  size_t n = val_object_len(v), klen;
  for (size_t i = 0; i < n; i++) {
    const char *k = val_object_key_peek(v, i, &klen);
    if (w->skip_nested &&
        (strcmp(k, "activities") == 0 || strcmp(k, "ifTrueActivities") == 0 ||
         strcmp(k, "ifFalseActivities") == 0 ||
         strcmp(k, "defaultActivities") == 0 || strcmp(k, "cases") == 0))
      continue;
    srcpath_key(&w->path, k, klen);
    ref_walk(w, val_object_value_peek(v, i));
    w->path.len = base;
    w->path.s[base] = '\0';
  }
}

static void check_refs(const VOptions *opt, FindingList *out, VSrc *src,
                       const Factory *f, const Value *v, const char *path,
                       bool skip_nested, bool params)
{
  RefWalk w = {opt, out, src, f, {0}, skip_nested, params};
  sb_init(&w.path);
  sb_puts(&w.path, path);
  ref_walk(&w, v);
  sb_fini(&w.path);
}

static void check_execute_pipeline(VCtx *c, const ActivityDef *a)
{
  const Value *ref = member_ci(a->type_props, "pipeline", NULL);
  const Value *rn = member_ci(ref, "referenceName", NULL);
  if (!c->factory || !rn || val_kind(rn) != VAL_STRING)
    return;
  const Pipeline *child = factory_pipeline(c->factory, val_str(rn));
  if (!child)
    return; /* ADF052, from the reference walk */
  const char *pk = "parameters";
  const Value *passed = member_ci(a->type_props, "parameters", &pk);
  StrBuf sb;
  sb_init(&sb);
  v_path_key(&sb, a->path, "typeProperties");
  size_t at = sb.len;
  size_t n = passed && val_kind(passed) == VAL_OBJECT ? val_object_len(passed)
                                                      : 0,
         klen;
  for (size_t i = 0; i < n; i++) {
    const char *k = val_object_key_peek(passed, i, &klen);
    const Value *spec = val_object_peek_ci(child->parameters, k, klen);
    const Value *v = val_object_value_peek(passed, i);
    sb.len = at;
    sb.s[at] = '\0';
    srcpath_key(&sb, pk, strlen(pk));
    srcpath_key(&sb, k, klen);
    if (!spec) {
      v_emit(c, VR_EXECUTE_PARAMETER, sb.s, -1, NULL,
             "ExecutePipeline '%s' passes parameter '%s', which pipeline "
             "'%s' does not declare",
             a->name, k, child->name);
      continue;
    }
    /* A literal of the wrong type for the child's declaration (String
     * parameters take any scalar, as for defaults). */
    DeclType dt = decl_type(spec);
    if (dt == DT_UNKNOWN || is_expression(v) ||
        (val_kind(v) == VAL_STRING && strstr(val_str(v), "@{")) ||
        (dt == DT_STRING && val_kind(v) != VAL_ARRAY) || value_fits(v, dt))
      continue;
    v_emit(c, VR_VALUE_TYPE, sb.s, -1, NULL,
           "ExecutePipeline '%s' passes %s %s for parameter '%s', which "
           "pipeline '%s' declares as %s",
           a->name,
           val_kind(v) == VAL_INT || val_kind(v) == VAL_ARRAY ||
                   val_kind(v) == VAL_OBJECT
               ? "an"
               : "a",
           val_kind_name(val_kind(v)), k, child->name,
           val_str(member_ci(spec, "type", NULL)));
  }
  /* A parameter without a default that the caller does not pass is
   * not reported: real factories do this everywhere and the child run
   * starts (the reference fails only where the child reads it). */
  sb_fini(&sb);
}

void v_check_props(VCtx *c)
{
  size_t total = c->n_acts;
  if (total > MAX_ACTIVITIES) {
    StrBuf sb;
    sb_init(&sb);
    v_path_key(&sb, c->p->base_path, "activities");
    v_emit(c, VR_TOO_MANY_ACTIVITIES, sb.s, -1, NULL,
           "pipeline '%s' has %zu activities, nested ones included (at most "
           "%d)",
           c->p->name, total, MAX_ACTIVITIES);
    sb_fini(&sb);
  }
  for (size_t i = 0; i < c->n_acts; i++) {
    const ActivityDef *a = c->acts[i].a;
    bool off = a->inactive;
    for (int k = c->acts[i].parent; k >= 0 && !off; k = c->acts[k].parent)
      off = c->acts[k].a->inactive;
    if (off)
      continue;
    const SchemaType *st = schema_find(a->type);
    if (!st) {
      StrBuf sb;
      sb_init(&sb);
      v_path_key(&sb, a->path, "type");
      v_emit(c, VR_UNKNOWN_TYPE, sb.s, -1, NULL,
             "activity '%s' has unknown type '%s'", a->name, a->type);
      sb_fini(&sb);
    } else {
      check_required(c, a, st);
    }
    check_policy(c, a);
    if (type_is(a, "SetVariable") || type_is(a, "AppendVariable"))
      check_variable_target(c, i);
    else if (type_is(a, "Switch"))
      check_switch(c, a);
    else if (type_is(a, "ForEach"))
      check_foreach(c, a);
    else if (type_is(a, "ExecutePipeline"))
      check_execute_pipeline(c, a);
    if (type_is(a, "Until") || type_is(a, "WebHook") ||
        type_is(a, "Validation"))
      check_container_timeouts(c, a);
    if (c->factory)
      check_refs(c->opt, c->out, c->src, c->factory, a->raw, a->path, true,
                 true);
  }
}

/* ---- Resources -------------------------------------------------------------
 */

static const char *const secret_keys[] = {
    "password",     "servicePrincipalKey",
    "accountKey",   "sasToken",
    "clientSecret", "secretAccessKey",
    "accessKey",    "apiKey",
    "pwd",          "servicePrincipalCredential",
};

/* A connection string with an inline key or password: the value after
 * 'AccountKey=' / 'Password=' / 'pwd=' / 'SharedAccessKey=' / 'sig='. */
static const char *inline_secret_in(const char *s)
{
  static const char *const marks[] = {
      "accountkey=", "password=", "pwd=", "sharedaccesskey=", "sig="};
  for (const char *p = s; *p; p++)
    for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++) {
      size_t n = strlen(marks[i]);
      if (strncasecmp(p, marks[i], n) == 0 &&
          (p == s || p[-1] == ';' || p[-1] == '&' || p[-1] == '?' ||
           p[-1] == ' ')) {
        const char *v = p + n;
        if (*v && *v != ';' && *v != '&' && *v != '{' && *v != '@' &&
            *v != '*' && *v != '[' && *v != '<')
          return marks[i];
      }
    }
  return NULL;
}

static void secret_walk(const VOptions *opt, FindingList *out, VSrc *src,
                        const char *lsname, const Value *v, StrBuf *path)
{
  if (val_kind(v) != VAL_OBJECT)
    return;
  size_t n = val_object_len(v), klen, base = path->len;
  for (size_t i = 0; i < n; i++) {
    const char *k = val_object_key_peek(v, i, &klen);
    const Value *x = val_object_value_peek(v, i);
    srcpath_key(path, k, klen);
    if (val_kind(x) == VAL_STRING && val_strlen(x) > 0 && !is_expression(x)) {
      const char *s = val_str(x);
      bool masked = strspn(s, "*") == val_strlen(x);
      for (size_t j = 0; j < sizeof(secret_keys) / sizeof(secret_keys[0]); j++)
        if (!masked && strcasecmp(k, secret_keys[j]) == 0)
          v_emit_src(opt, out, src, VR_INLINE_SECRET, path->s, -1, NULL,
                     "linked service '%s' has '%s' in plain text: use a "
                     "SecureString or an AzureKeyVaultSecret reference",
                     lsname, k);
      const char *m;
      if ((strcasecmp(k, "connectionString") == 0 ||
           strcasecmp(k, "sasUri") == 0 || strcasecmp(k, "url") == 0) &&
          (m = inline_secret_in(s)) != NULL)
        v_emit_src(opt, out, src, VR_INLINE_SECRET, path->s, -1, NULL,
                   "linked service '%s' has a secret ('%.*s') written in its "
                   "%s: use a SecureString or Key Vault",
                   lsname, (int)strlen(m) - 1, m, k);
    } else if (val_kind(x) == VAL_OBJECT) {
      const Value *t = val_object_peek(x, "type");
      if (!(t && val_kind(t) == VAL_STRING &&
            (strcasecmp(val_str(t), "SecureString") == 0 ||
             strcasecmp(val_str(t), "AzureKeyVaultSecret") == 0)))
        secret_walk(opt, out, src, lsname, x, path);
    }
    path->len = base;
    path->s[base] = '\0';
  }
}

/* One pipeline a trigger starts ({pipelineReference, parameters} at
 * 'path'): the pipeline exists (ADF054) and declares every parameter
 * passed (ADF056). */
static void check_trigger_run(const VOptions *opt, FindingList *out, VSrc *src,
                              const Resource *r, const Factory *f,
                              const Value *run, const char *path)
{
  const char *refk = "pipelineReference", *rnk = "referenceName";
  const Value *ref = member_ci(run, "pipelineReference", &refk);
  const Value *rn = member_ci(ref, "referenceName", &rnk);
  if (!rn || val_kind(rn) != VAL_STRING || val_str(rn)[0] == '[' ||
      f->n_pipelines == 0)
    return;
  StrBuf sb;
  sb_init(&sb);
  const Pipeline *p = factory_pipeline(f, val_str(rn));
  if (!p) {
    v_path_key(&sb, path, refk);
    srcpath_key(&sb, rnk, strlen(rnk));
    v_emit_src(opt, out, src, VR_TRIGGER_PIPELINE, sb.s, -1, NULL,
               "trigger '%s' starts pipeline '%s', which is not defined in "
               "the factory",
               r->name, val_str(rn));
    sb_fini(&sb);
    return;
  }
  const char *pk = "parameters";
  const Value *passed = member_ci(run, "parameters", &pk);
  size_t n = passed && val_kind(passed) == VAL_OBJECT ? val_object_len(passed)
                                                      : 0,
         klen;
  for (size_t i = 0; i < n; i++) {
    const char *k = val_object_key_peek(passed, i, &klen);
    if (val_object_peek_ci(p->parameters, k, klen))
      continue;
    v_path_key(&sb, path, pk);
    srcpath_key(&sb, k, klen);
    v_emit_src(opt, out, src, VR_TRIGGER_PARAMETER, sb.s, -1, NULL,
               "trigger '%s' passes parameter '%s' to pipeline '%s', which "
               "does not declare it",
               r->name, k, p->name);
  }
  sb_fini(&sb);
}

void v_check_resource(const VOptions *opt, FindingList *out, VSrc *src,
                      const Resource *r, const Factory *factory)
{
  const Value *props = val_object_peek_ci(r->raw, "properties", 10);
  const char *prefix = props ? "properties" : "";
  if (!props)
    props = r->raw;
  if (r->kind == RES_LINKED_SERVICE) {
    const Value *tp = val_object_peek_ci(props, "typeProperties", 14);
    if (tp) {
      StrBuf sb;
      sb_init(&sb);
      v_path_key(&sb, prefix, "typeProperties");
      secret_walk(opt, out, src, r->name, tp, &sb);
      sb_fini(&sb);
    }
  }
  if (!factory)
    return;
  if (r->kind == RES_TRIGGER) {
    /* "pipelines": [{pipelineReference, parameters}], or one "pipeline"
     * object (tumbling window triggers) */
    const char *pk = "pipelines";
    const Value *pls = member_ci(props, "pipelines", &pk);
    if (pls && val_kind(pls) == VAL_ARRAY) {
      for (size_t i = 0; i < val_array_len(pls); i++) {
        StrBuf sb;
        sb_init(&sb);
        v_path_key(&sb, prefix, pk);
        srcpath_index(&sb, i);
        check_trigger_run(opt, out, src, r, factory, val_array_peek(pls, i),
                          sb.s);
        sb_fini(&sb);
      }
    } else if ((pls = member_ci(props, "pipeline", &pk)) != NULL &&
               val_kind(pls) == VAL_OBJECT) {
      StrBuf sb;
      sb_init(&sb);
      v_path_key(&sb, prefix, pk);
      check_trigger_run(opt, out, src, r, factory, pls, sb.s);
      sb_fini(&sb);
    }
    return;
  }
  if (r->kind == RES_DATASET || r->kind == RES_LINKED_SERVICE ||
      r->kind == RES_DATAFLOW)
    check_refs(opt, out, src, factory, props, prefix, false,
               r->kind != RES_DATAFLOW);
}
