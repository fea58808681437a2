/*
 * interp/validate.c -- the rule table, findings, locations and drivers
 *
 * validate_path() loads files one at a time (never the loader's
 * all-or-nothing factory load) so that one broken file is a finding and
 * the rest are still checked.  Every finding gets file:line:col from the
 * file's SrcMap; expression findings get the column of the fault inside
 * the JSON string, counting the string's escapes.  The checks themselves
 * live in validate_graph.c, validate_props.c and validate_expr.c.
 */
#include "interp/validate.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "expr/json.h"
#include "interp/load.h"
#include "interp/load_extra.h"
#include "interp/validate_impl.h"

/* clang-format off */
static const VRule rules[VR__COUNT] = {
  {VR_SYNTAX,            "ADF001", "syntax",             VSEV_ERROR,   "the file is not valid JSON or YAML"},
  {VR_STRUCTURE,         "ADF002", "structure",          VSEV_ERROR,   "a definition has the wrong shape (missing name, wrong JSON type...)"},
  {VR_UNKNOWN_TYPE,      "ADF003", "unknown-type",       VSEV_ERROR,   "the activity type is not an ADF, Synapse or Fabric activity type"},
  {VR_REQUIRED,          "ADF004", "required-property",  VSEV_ERROR,   "a property the activity type requires is missing or has the wrong JSON type"},
  {VR_ACTIVITY_NAME,     "ADF005", "activity-name",      VSEV_ERROR,   "activity name too long (>55), empty, or with a forbidden character"},
  {VR_PIPELINE_NAME,     "ADF006", "pipeline-name",      VSEV_ERROR,   "pipeline name too long (>140), empty, or with a forbidden character"},
  {VR_DUPLICATE_NAME,    "ADF007", "duplicate-name",     VSEV_ERROR,   "two activities of one pipeline (nested ones included) share a name"},
  {VR_DEPENDS_MISSING,   "ADF010", "depends-missing",    VSEV_ERROR,   "dependsOn names an activity that does not exist"},
  {VR_CYCLE,             "ADF011", "cycle",              VSEV_ERROR,   "dependsOn entries form a cycle"},
  {VR_DEPENDS_SCOPE,     "ADF012", "depends-scope",      VSEV_ERROR,   "dependsOn crosses a container boundary"},
  {VR_NESTING,           "ADF013", "nesting",            VSEV_ERROR,   "a ForEach/Until/IfCondition/Switch inside another, or Validation inside any"},
  {VR_NEVER_RUNS,        "ADF014", "never-runs",         VSEV_WARNING, "the dependency conditions of an activity can never all be met"},
  {VR_COMPLETED_MIX,     "ADF015", "completed-mix",      VSEV_ERROR,   "Completed combined with Succeeded or Failed on the same dependency"},
  {VR_EXPR_SYNTAX,       "ADF020", "expression-syntax",  VSEV_ERROR,   "an expression does not parse"},
  {VR_UNKNOWN_FUNCTION,  "ADF021", "unknown-function",   VSEV_ERROR,   "an expression calls a function ADF does not have"},
  {VR_ARITY,             "ADF022", "arity",              VSEV_ERROR,   "a function is called with the wrong number of arguments"},
  {VR_EXPR_TOO_LONG,     "ADF023", "expression-length",  VSEV_ERROR,   "an expression is longer than 8192 characters"},
  {VR_ACTIVITY_MISSING,  "ADF024", "activity-missing",   VSEV_ERROR,   "activity('X') names an activity that does not exist"},
  {VR_NOT_UPSTREAM,      "ADF025", "not-upstream",       VSEV_ERROR,   "activity('X') names an activity that has not finished when the expression runs"},
  {VR_VARIABLE_UNDECLARED,  "ADF026", "variable-undeclared",  VSEV_ERROR, "variables('x') or a Set/AppendVariable names an undeclared variable"},
  {VR_PARAMETER_UNDECLARED, "ADF027", "parameter-undeclared", VSEV_ERROR, "pipeline().parameters.x, dataset().x or linkedService().x is not declared"},
  {VR_SELF_REFERENCE,    "ADF028", "self-reference",     VSEV_ERROR,   "a SetVariable value reads the variable it sets"},
  {VR_VALUE_TYPE,        "ADF029", "value-type",         VSEV_ERROR,   "a literal value does not match the declared type of its variable or parameter"},
  {VR_NOT_BOOLEAN,       "ADF030", "not-boolean",        VSEV_ERROR,   "an IfCondition/Until expression cannot yield a boolean"},
  {VR_UNSAFE_OUTPUT,     "ADF031", "unsafe-output",      VSEV_WARNING, "activity('X').output.y without '?.' where X may not have run"},
  {VR_ITEM_SCOPE,        "ADF032", "item-scope",         VSEV_ERROR,   "item() outside a ForEach or a Filter condition"},
  {VR_ACCESSOR_SCOPE,    "ADF033", "accessor-scope",     VSEV_ERROR,   "dataset()/linkedService() outside its definition, or a pipeline accessor in a trigger"},
  {VR_POLICY_TIMEOUT,    "ADF040", "timeout-format",     VSEV_ERROR,   "a timeout is not [d.]hh:mm:ss or is out of range"},
  {VR_POLICY_RETRY,      "ADF041", "retry",              VSEV_ERROR,   "policy.retry is not a non-negative integer"},
  {VR_RETRY_INTERVAL,    "ADF042", "retry-interval",     VSEV_WARNING,  "policy.retryIntervalInSeconds is not an integer in 30..86400"},
  {VR_SWITCH_CASES,      "ADF043", "switch-cases",       VSEV_ERROR,   "a Switch has more than 25 cases"},
  {VR_SWITCH_DUPLICATE,  "ADF044", "switch-duplicate",   VSEV_ERROR,   "two Switch cases have the same value"},
  {VR_BATCH_COUNT,       "ADF045", "batch-count",        VSEV_ERROR,   "ForEach batchCount is not an integer in 1..50"},
  {VR_TOO_MANY_ACTIVITIES, "ADF046", "activity-limit",   VSEV_ERROR,   "more than 120 activities in one pipeline (nested ones included)"},
  {VR_TOO_MANY_PARAMETERS, "ADF047", "parameter-limit",  VSEV_ERROR,   "more than 50 parameters in one pipeline"},
  {VR_MISSING_DATASET,   "ADF050", "missing-dataset",    VSEV_ERROR,   "a dataset reference names no dataset of the factory"},
  {VR_MISSING_LINKED_SERVICE, "ADF051", "missing-linked-service", VSEV_ERROR, "a linked service reference names no linked service of the factory"},
  {VR_MISSING_PIPELINE,  "ADF052", "missing-pipeline",   VSEV_ERROR,   "ExecutePipeline names no pipeline of the factory"},
  {VR_MISSING_DATAFLOW,  "ADF053", "missing-dataflow",   VSEV_ERROR,   "ExecuteDataFlow names no data flow of the factory"},
  {VR_TRIGGER_PIPELINE,  "ADF054", "trigger-pipeline",   VSEV_ERROR,   "a trigger starts a pipeline that is not in the factory"},
  {VR_EXECUTE_PARAMETER, "ADF055", "execute-parameters", VSEV_ERROR,   "ExecutePipeline passes a parameter the child pipeline does not declare"},
  {VR_TRIGGER_PARAMETER, "ADF056", "trigger-parameters", VSEV_ERROR,   "a trigger passes a parameter the pipeline does not declare"},
  {VR_DATASET_PARAMETER, "ADF057", "dataset-parameters", VSEV_ERROR,   "a dataset reference omits a parameter the dataset reads and declares without a default"},
  {VR_LINKED_PARAMETER,  "ADF058", "linked-service-parameters", VSEV_ERROR, "a linked service reference omits a parameter the linked service reads and declares without a default"},
  {VR_UNKNOWN_REF_PARAMETER, "ADF059", "unknown-reference-parameter", VSEV_WARNING, "a dataset or linked service reference passes a parameter the definition does not declare"},
  {VR_PARALLEL_VARIABLE, "ADF060", "parallel-variable",  VSEV_WARNING, "SetVariable in a parallel ForEach, or AppendVariable to a variable the loop also reads"},
  {VR_INLINE_SECRET,     "ADF061", "inline-secret",      VSEV_WARNING, "a secret written in plain text in a linked service"},
};
/* clang-format on */

const VRule *validate_rule(VRuleId id)
{
  return id < VR__COUNT ? &rules[id] : NULL;
}

const VRule *validate_rule_find(const char *s)
{
  for (size_t i = 0; i < VR__COUNT; i++)
    if (strcasecmp(s, rules[i].code) == 0 || strcasecmp(s, rules[i].name) == 0)
      return &rules[i];
  return NULL;
}

void validate_options_init(VOptions *o)
{
  memset(o, 0, sizeof(*o));
  o->refs = VREF_AUTO;
}

/* ---- Findings ------------------------------------------------------------ */

void findings_init(FindingList *fl)
{
  memset(fl, 0, sizeof(*fl));
}

void findings_fini(FindingList *fl)
{
  for (size_t i = 0; i < fl->n; i++) {
    free(fl->v[i].msg);
    free(fl->v[i].file);
    free(fl->v[i].path);
    free(fl->v[i].expr);
  }
  free(fl->v);
  memset(fl, 0, sizeof(*fl));
}

static int cmp_finding(const void *pa, const void *pb)
{
  const Finding *a = pa, *b = pb;
  int r = strcmp(a->file ? a->file : "", b->file ? b->file : "");
  if (r)
    return r;
  if (a->line != b->line)
    return a->line < b->line ? -1 : 1;
  if (a->col != b->col)
    return a->col < b->col ? -1 : 1;
  if (a->rule != b->rule)
    return a->rule < b->rule ? -1 : 1;
  return strcmp(a->msg, b->msg);
}

void findings_sort(FindingList *fl)
{
  if (fl->n > 1)
    qsort(fl->v, fl->n, sizeof(*fl->v), cmp_finding);
}

size_t findings_count_at_least(const FindingList *fl, VSeverity sev)
{
  size_t n = 0;
  for (size_t i = 0; i < fl->n; i++)
    if (fl->v[i].severity >= sev)
      n++;
  return n;
}

/* ---- Locations ------------------------------------------------------------
 */

/* Loads the raw text of src->file once (for expression columns). */
static bool src_text(VSrc *src)
{
  if (src->text_state == 0) {
    Err err = ERR_INIT;
    src->text_state = -1;
    if (src->file) {
      src->text = load_file_utf8(src->file, &src->text_len, &err);
      if (src->text)
        src->text_state = 1;
    }
  }
  return src->text_state == 1;
}

/* Byte offset of line:col (col in code points) in the text, or -1. */
static long text_offset(const VSrc *src, int line, int col)
{
  const char *t = src->text, *end = t + src->text_len;
  int l = 1;
  while (t < end && l < line) {
    const char *nl = memchr(t, '\n', (size_t)(end - t));
    if (!nl)
      return -1;
    t = nl + 1;
    l++;
  }
  for (int c = 1; c < col && t < end; c++) {
    t++;
    while (t < end && ((unsigned char)*t & 0xC0) == 0x80)
      t++;
  }
  return t < end ? (long)(t - src->text) : -1;
}

/* Decoded byte length of the JSON escape at 'p' (after the backslash is
 * p[0]), and its raw length in *raw. */
static int escape_len(const char *p, const char *end, int *raw)
{
  if (p + 1 < end && p[1] == 'u' && p + 5 < end) {
    unsigned cp =
        (unsigned)strtoul((char[5]){p[2], p[3], p[4], p[5], 0}, NULL, 16);
    *raw = 6;
    if (cp >= 0xD800 && cp < 0xDC00 && p + 11 < end && p[6] == '\\' &&
        p[7] == 'u') {
      *raw = 12;
      return 4;
    }
    return cp < 0x80 ? 1 : cp < 0x800 ? 2 : 3;
  }
  *raw = 2;
  return 1;
}

/* Column (code points) of decoded byte 'off' of the JSON string whose
 * opening quote is at line:col.  Returns 0 when the text there is not a
 * JSON string (YAML plain scalars, unknown files). */
static int string_column(VSrc *src, int line, int col, int off)
{
  if (!src_text(src))
    return 0;
  long at = text_offset(src, line, col);
  if (at < 0)
    return 0;
  const char *p = src->text + at, *end = src->text + src->text_len;
  char q = *p;
  if (q != '"' && q != '\'')
    return col + off; /* YAML plain scalar: no escapes */
  p++;
  int c = col + 1, dec = 0;
  while (p < end && dec < off) {
    if (*p == q && !(q == '\'' && p + 1 < end && p[1] == '\''))
      break; /* the closing quote */
    if (q == '"' && *p == '\\') {
      int raw;
      dec += escape_len(p, end, &raw);
      p += raw;
      c += raw;
    } else if (q == '\'' && *p == '\'' && p + 1 < end && p[1] == '\'') {
      dec++;
      p += 2;
      c += 2;
    } else {
      /* one column per code point: continuation bytes add none */
      dec++;
      p++;
      while (p < end && ((unsigned char)*p & 0xC0) == 0x80) {
        p++;
        dec++;
      }
      c++;
    }
  }
  return c;
}

static void full_path(StrBuf *sb, const char *prefix, const char *path)
{
  sb_reset(sb);
  if (prefix && *prefix) {
    sb_puts(sb, prefix);
    if (path && *path && path[0] != '[')
      sb_putc(sb, '.');
  }
  if (path)
    sb_puts(sb, path);
}

static void emit_va(const VOptions *opt, FindingList *out, VSrc *src,
                    VRuleId rule, const char *path, int expr_off,
                    const char *expr, const char *fmt, va_list ap)
    __attribute__((format(printf, 8, 0)));

static void emit_va(const VOptions *opt, FindingList *out, VSrc *src,
                    VRuleId rule, const char *path, int expr_off,
                    const char *expr, const char *fmt, va_list ap)
{
  if (opt && opt->off[rule])
    return;
  StrBuf sb, msg;
  sb_init(&sb);
  sb_init(&msg);
  full_path(&sb, src ? src->prefix : NULL, path);
  sb_vprintf(&msg, fmt, ap);
  if (out->n == out->cap) {
    out->cap = out->cap ? out->cap * 2 : 16;
    out->v = xrealloc(out->v, out->cap * sizeof(*out->v));
  }
  Finding *f = &out->v[out->n++];
  memset(f, 0, sizeof(*f));
  f->rule = rule;
  f->severity = rules[rule].severity;
  f->msg = sb_take(&msg);
  f->file = src && src->file ? xstrdup(src->file) : NULL;
  f->path = xstrdup(sb.s);
  if (src && src->locs) {
    int line = 0, col = 0;
    if (expr_off >= 0 && srcmap_get(src->locs, sb.s, &line, &col)) {
      f->line = line;
      f->col = col;
      int c = string_column(src, line, col, expr_off);
      if (c > 0)
        f->col = c;
      f->expr_col = expr_off + 1;
    } else if (srcmap_find(src->locs, sb.s, &line, &col)) {
      f->line = line;
      f->col = col;
    }
  }
  if (expr)
    f->expr = xstrdup(expr);
  sb_fini(&sb);
}

void v_emit_src(const VOptions *opt, FindingList *out, VSrc *src, VRuleId rule,
                const char *path, int expr_off, const char *expr,
                const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  emit_va(opt, out, src, rule, path, expr_off, expr, fmt, ap);
  va_end(ap);
}

void v_emit(VCtx *c, VRuleId rule, const char *path, int expr_off,
            const char *expr, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  emit_va(c->opt, c->out, c->src, rule, path, expr_off, expr, fmt, ap);
  va_end(ap);
}

void v_path_key(StrBuf *sb, const char *base, const char *key)
{
  sb_reset(sb);
  sb_puts(sb, base);
  srcpath_key(sb, key, strlen(key));
}

/* ---- The activity index -----------------------------------------------------
 */

/* Activity names compare ignoring ASCII case, as the service's workflow
 * engine does (activity('copy1') finds "Copy1"; two names that differ
 * only in case collide). */
static uint32_t hash_name(const char *s, size_t n)
{
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)s[i];
    if (ch >= 'A' && ch <= 'Z')
      ch = (unsigned char)(ch - 'A' + 'a');
    h = (h ^ ch) * 16777619u;
  }
  return h;
}

int v_find(const VCtx *c, const char *name, size_t len)
{
  if (!c->hash_cap)
    return -1;
  size_t m = c->hash_cap - 1;
  for (size_t i = hash_name(name, len) & m;; i = (i + 1) & m) {
    int k = c->hash[i];
    if (k < 0)
      return -1;
    const char *n = c->acts[k].a->name;
    if (strlen(n) == len && strncasecmp(n, name, len) == 0)
      return k;
  }
}

static void index_add(VCtx *c, const ActivityDef *a, int parent, int depth,
                      int scope, int *n_scopes, size_t *cap)
{
  if (c->n_acts == *cap) {
    *cap = *cap ? *cap * 2 : 32;
    c->acts = xrealloc(c->acts, *cap * sizeof(*c->acts));
  }
  int me = (int)c->n_acts++;
  c->acts[me].a = a;
  c->acts[me].parent = parent;
  c->acts[me].depth = depth;
  c->acts[me].scope = scope;
  c->acts[me].outcomes = 0;
  for (size_t b = 0; b < a->n_blocks; b++) {
    int sc = (*n_scopes)++;
    for (size_t i = 0; i < a->blocks[b].n_acts; i++)
      index_add(c, a->blocks[b].acts[i], me, depth + 1, sc, n_scopes, cap);
  }
}

static void index_build(VCtx *c)
{
  size_t cap = 0;
  int n_scopes = 1;
  for (size_t i = 0; i < c->p->n_acts; i++)
    index_add(c, c->p->acts[i], -1, 0, 0, &n_scopes, &cap);
  c->hash_cap = 16;
  while (c->hash_cap < c->n_acts * 2)
    c->hash_cap *= 2;
  c->hash = xmalloc(c->hash_cap * sizeof(int));
  for (size_t i = 0; i < c->hash_cap; i++)
    c->hash[i] = -1;
  size_t m = c->hash_cap - 1;
  for (size_t k = 0; k < c->n_acts; k++) {
    const char *n = c->acts[k].a->name;
    size_t len = strlen(n);
    if (v_find(c, n, len) >= 0)
      continue; /* duplicate: the first one is indexed */
    size_t i = hash_name(n, len) & m;
    while (c->hash[i] >= 0)
      i = (i + 1) & m;
    c->hash[i] = (int)k;
  }
}

static VDialect dialect_of(const char *file)
{
  if (!file)
    return VD_ADF;
  const char *b = strrchr(file, '/');
  b = b ? b + 1 : file;
  if (strcasecmp(b, "pipeline-content.json") == 0)
    return VD_FABRIC;
  return VD_ADF;
}

static void check_pipeline(const Pipeline *p, VSrc *src, const Factory *factory,
                           const VOptions *opt, FindingList *out)
{
  VCtx c;
  memset(&c, 0, sizeof(c));
  c.opt = opt;
  c.out = out;
  c.factory = factory;
  c.p = p;
  c.src = src;
  c.dialect = dialect_of(p->file);
  index_build(&c);
  v_check_pipeline_level(&c);
  v_check_graph(&c);
  v_check_props(&c);
  v_check_expressions(&c);
  free(c.acts);
  free(c.hash);
  free(c.pred);
  free(c.ran);
  free(c.unsure);
}

/* ---- Loading files
 * ------------------------------------------------------------- */

static Factory *factory_empty(void)
{
  Factory *f = xcalloc(1, sizeof(*f));
  f->global_parameters = val_object_new();
  return f;
}

static void fac_add_pipeline(Factory *f, Pipeline *p)
{
  f->pipelines =
      xrealloc(f->pipelines, (f->n_pipelines + 1) * sizeof(*f->pipelines));
  f->pipelines[f->n_pipelines++] = p;
}

static void fac_add_resource(Factory *f, Resource *r)
{
  f->resources =
      xrealloc(f->resources, (f->n_resources + 1) * sizeof(*f->resources));
  f->resources[f->n_resources++] = r;
  if (r->kind == RES_FACTORY && r->raw) {
    const Value *props = val_object_peek(r->raw, "properties");
    const Value *gp =
        props ? val_object_peek_ci(props, "globalParameters", 16) : NULL;
    if (gp && val_kind(gp) == VAL_OBJECT) {
      val_unref(f->global_parameters);
      f->global_parameters = val_ref(gp);
    }
  }
}

/* Moves everything of 'from' into 'to' and frees 'from'. */
static void fac_merge(Factory *to, Factory *from)
{
  for (size_t i = 0; i < from->n_pipelines; i++)
    fac_add_pipeline(to, from->pipelines[i]);
  for (size_t i = 0; i < from->n_resources; i++)
    fac_add_resource(to, from->resources[i]);
  if (from->global_parameters && val_object_len(from->global_parameters) > 0) {
    val_unref(to->global_parameters);
    to->global_parameters = val_ref(from->global_parameters);
  }
  from->n_pipelines = from->n_resources = 0;
  factory_free(from);
}

/* A load error as a finding of 'rule' at the error's own location. */
static void err_finding(const VOptions *opt, FindingList *out, const char *file,
                        VRuleId rule, const Err *err)
{
  if (opt->off[rule])
    return;
  StrBuf msg;
  sb_init(&msg);
  sb_puts(&msg, err->msg);
  if (out->n == out->cap) {
    out->cap = out->cap ? out->cap * 2 : 16;
    out->v = xrealloc(out->v, out->cap * sizeof(*out->v));
  }
  Finding *f = &out->v[out->n++];
  memset(f, 0, sizeof(*f));
  f->rule = rule;
  f->severity = rules[rule].severity;
  f->msg = sb_take(&msg);
  f->file = xstrdup(file);
  f->path = xstrdup(err->loc.path);
  f->line = err->loc.line;
  f->col = err->loc.col;
}

static bool has_ext(const char *p, const char *ext)
{
  size_t n = strlen(p), m = strlen(ext);
  return n > m && strcasecmp(p + n - m, ext) == 0;
}

static bool is_definition_file(const char *name)
{
  return has_ext(name, ".json") || has_ext(name, ".yaml") ||
         has_ext(name, ".yml");
}

/* Files that are never definitions even though they are JSON. */
static bool is_ignored_name(const char *base)
{
  /* adfrun's own mock files (pipeline1.mock.yaml) sit next to pipelines */
  if (strstr(base, ".mock.") != NULL)
    return true;
  static const char *const names[] = {
      "package.json",        "package-lock.json",
      "publish_config.json", "arm-template-parameters-definition.json",
      "tsconfig.json",       ".platform",
  };
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
    if (strcasecmp(base, names[i]) == 0)
      return true;
  return false;
}

/* Where a definition loaded from an ARM template sits in the whole
 * file (the loader gives nested resources no positions and the others
 * resource-relative paths). */
typedef struct VArmLoc {
  const void *def;    /* borrowed: the Pipeline or Resource */
  const SrcMap *locs; /* borrowed from VLoad.maps */
  char *prefix;       /* owned: "resources[0].resources[3]" */
} VArmLoc;

typedef struct VLoad {
  const VOptions *opt;
  FindingList *out;
  Factory *fac; /* everything loaded */
  bool any_arm; /* an ARM template was loaded */
  size_t n_files;
  SrcMap **maps; /* owned: whole-file maps of ARM templates */
  size_t n_maps;
  VArmLoc *arm; /* owned */
  size_t n_arm;
} VLoad;

/* The last segment of an ARM resource name: "[concat(parameters(
 * 'factoryName'), '/pl_x')]" and "factory/pl_x" both give "pl_x".
 * Returns a malloc'd string. */
static char *arm_last_segment(const char *name)
{
  size_t n = strlen(name);
  const char *s = name, *e = name + n;
  if (n > 2 && name[0] == '[' && name[n - 1] == ']') {
    const char *q2 = strrchr(name, '\'');
    if (q2) {
      const char *q1 = q2;
      while (q1 > name && q1[-1] != '\'')
        q1--;
      if (q1 > name) {
        s = q1;
        e = q2;
      }
    }
  }
  for (const char *p = e; p > s; p--)
    if (p[-1] == '/') {
      s = p;
      break;
    }
  return xstrndup(s, (size_t)(e - s));
}

/* Records the resource paths of the ARM document 'res' (at 'path') for
 * the definitions of ld->fac from index 'p0'/'r0' on, so that their
 * findings carry whole-file JSON paths. */
static void arm_locate(VLoad *ld, const SrcMap *map, const Value *res,
                       const char *path, size_t p0, size_t r0)
{
  for (size_t i = 0; i < val_array_len(res); i++) {
    const Value *r = val_array_peek(res, i);
    if (val_kind(r) != VAL_OBJECT)
      continue;
    StrBuf sb;
    sb_init(&sb);
    sb_puts(&sb, path);
    srcpath_index(&sb, i);
    const Value *nm = val_object_peek(r, "name");
    const Value *sub = val_object_peek(r, "resources");
    if (sub && val_kind(sub) == VAL_ARRAY) {
      StrBuf sp;
      sb_init(&sp);
      sb_printf(&sp, "%s.resources", sb.s);
      arm_locate(ld, map, sub, sp.s, p0, r0);
      sb_fini(&sp);
    }
    if (nm && val_kind(nm) == VAL_STRING) {
      char *last = arm_last_segment(val_str(nm));
      const void *def = NULL;
      for (size_t k = p0; k < ld->fac->n_pipelines && !def; k++) {
        const Pipeline *p = ld->fac->pipelines[k];
        if (p->name && strcmp(p->name, last) == 0)
          def = p;
      }
      for (size_t k = r0; k < ld->fac->n_resources && !def; k++) {
        const Resource *rr = ld->fac->resources[k];
        if (rr->name && strcmp(rr->name, last) == 0 && rr->raw == r)
          def = rr;
      }
      for (size_t k = r0; k < ld->fac->n_resources && !def; k++) {
        const Resource *rr = ld->fac->resources[k];
        if (rr->name && strcmp(rr->name, last) == 0 && rr->kind != RES_FACTORY)
          def = rr;
      }
      bool taken = false;
      for (size_t k = 0; k < ld->n_arm && def; k++)
        taken |= ld->arm[k].def == def;
      if (def && !taken) {
        ld->arm = xrealloc(ld->arm, (ld->n_arm + 1) * sizeof(*ld->arm));
        ld->arm[ld->n_arm].def = def;
        ld->arm[ld->n_arm].locs = map;
        ld->arm[ld->n_arm].prefix = xstrdup(sb.s);
        ld->n_arm++;
      }
      free(last);
    }
    sb_fini(&sb);
  }
}

/* The source of definition 'def' (positions, path prefix). */
static VSrc src_of(const VLoad *ld, const void *def, const char *file,
                   const SrcMap *locs)
{
  VSrc src = {file, locs, "", NULL, 0, 0};
  for (size_t k = 0; k < ld->n_arm; k++)
    if (ld->arm[k].def == def) {
      src.locs = ld->arm[k].locs;
      src.prefix = ld->arm[k].prefix;
    }
  return src;
}

/* Loads one file into ld->fac; broken files become findings.  Returns
 * false only when the file cannot be read or parsed at all (*err).  The
 * file is read and parsed once, ARM templates included. */
static bool load_one(VLoad *ld, const char *file, Err *err)
{
  const char *base = strrchr(file, '/');
  base = base ? base + 1 : file;
  if (is_ignored_name(base))
    return true;
  ld->n_files++;
  size_t len;
  char *text = load_file_utf8(file, &len, err);
  if (!text)
    return false;
  SrcMap *locs = srcmap_new();
  Value *doc = load_parse_text(file, text, len, locs, err);
  if (!doc) {
    srcmap_free(locs);
    free(text);
    return false;
  }
  if (val_kind(doc) == VAL_OBJECT) {
    const Value *schema = val_object_peek(doc, "$schema");
    if (schema && val_kind(schema) == VAL_STRING &&
        strstr(val_str(schema), "deploymentParameters")) {
      val_unref(doc);
      srcmap_free(locs);
      free(text);
      ld->n_files--;
      return true;
    }
  }
  if (load_is_arm_template(doc)) {
    Err e2 = ERR_INIT;
    Factory *af = load_arm_value(val_ref(doc), file, text, len, &e2);
    free(text);
    if (!af) {
      val_unref(doc);
      srcmap_free(locs);
      err_finding(ld->opt, ld->out, file, VR_STRUCTURE, &e2);
      return true;
    }
    ld->any_arm = true;
    size_t p0 = ld->fac->n_pipelines, r0 = ld->fac->n_resources;
    fac_merge(ld->fac, af);
    /* keep the whole-file map for what the loader left without one */
    ld->maps = xrealloc(ld->maps, (ld->n_maps + 1) * sizeof(*ld->maps));
    ld->maps[ld->n_maps++] = locs;
    arm_locate(ld, locs, val_object_peek(doc, "resources"), "resources", p0,
               r0);
    val_unref(doc);
    return true;
  }
  free(text);
  ResKind k = load_detect_kind(doc, file);
  Err e2 = ERR_INIT;
  if (k == RES_PIPELINE) {
    Pipeline *p = load_pipeline_value(doc, locs, file, &e2);
    if (!p)
      err_finding(ld->opt, ld->out, file, VR_STRUCTURE, &e2);
    else
      fac_add_pipeline(ld->fac, p);
    return true;
  }
  if (k == RES_OTHER) {
    /* Not an ADF definition (a settings file, a test fixture...). */
    val_unref(doc);
    srcmap_free(locs);
    ld->n_files--;
    return true;
  }
  Resource *r = load_resource_value(doc, locs, k, file, &e2);
  if (!r)
    err_finding(ld->opt, ld->out, file, VR_STRUCTURE, &e2);
  else
    fac_add_resource(ld->fac, r);
  return true;
}

static int cmp_cstr(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Collects definition files under 'dir' (sorted, recursive). */
static void collect(const char *dir, char ***files, size_t *n, size_t *cap)
{
  DIR *d = opendir(dir);
  if (!d)
    return;
  char **names = NULL;
  size_t nn = 0, nc = 0;
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (de->d_name[0] == '.' || strcmp(de->d_name, "node_modules") == 0)
      continue;
    if (nn == nc) {
      nc = nc ? nc * 2 : 16;
      names = xrealloc(names, nc * sizeof(*names));
    }
    names[nn++] = xstrdup(de->d_name);
  }
  closedir(d);
  if (nn)
    qsort(names, nn, sizeof(*names), cmp_cstr);
  for (size_t i = 0; i < nn; i++) {
    StrBuf sb;
    sb_init(&sb);
    sb_printf(&sb, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/",
              names[i]);
    struct stat st;
    if (stat(sb.s, &st) == 0 && S_ISDIR(st.st_mode)) {
      collect(sb.s, files, n, cap);
      sb_fini(&sb);
    } else if (is_definition_file(names[i])) {
      if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 64;
        *files = xrealloc(*files, *cap * sizeof(**files));
      }
      (*files)[(*n)++] = sb_take(&sb);
    } else {
      sb_fini(&sb);
    }
    free(names[i]);
  }
  free(names);
}

static bool is_kind_dir_name(const char *s, size_t n)
{
  static const char *const dirs[] = {"pipeline", "dataset",  "linkedService",
                                     "trigger",  "dataflow", "factory"};
  for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
    if (strlen(dirs[i]) == n && strncasecmp(s, dirs[i], n) == 0)
      return true;
  return false;
}

/* The factory root holding 'file' (its folder is pipeline/, dataset/...,
 * and the root has a pipeline/ folder plus a dataset/ or linkedService/
 * one), malloc'd, or NULL. */
static char *factory_root_of(const char *file)
{
  const char *s = strrchr(file, '/');
  if (!s)
    return NULL;
  const char *e = s, *b = s;
  while (b > file && b[-1] != '/')
    b--;
  if (!is_kind_dir_name(b, (size_t)(e - b)))
    return NULL;
  char *root = b > file ? xstrndup(file, (size_t)(b - file - 1)) : xstrdup(".");
  static const char *const need[] = {"pipeline", "dataset", "linkedService"};
  int have = 0;
  for (size_t i = 0; i < 3; i++) {
    StrBuf sb;
    sb_init(&sb);
    sb_printf(&sb, "%s/%s", root, need[i]);
    struct stat st;
    if (stat(sb.s, &st) == 0 && S_ISDIR(st.st_mode))
      have |= 1 << i;
    sb_fini(&sb);
  }
  if ((have & 1) && (have & 6))
    return root;
  free(root);
  return NULL;
}

/* Validates everything in ld->fac; when 'only' is set, keeps the findings
 * of that file only. */
static void check_loaded(VLoad *ld, bool refs, const char *only)
{
  const Factory *fac = refs ? ld->fac : NULL;
  FindingList tmp;
  FindingList *out = ld->out;
  if (only) {
    findings_init(&tmp);
    out = &tmp;
  }
  for (size_t i = 0; i < ld->fac->n_pipelines; i++) {
    const Pipeline *p = ld->fac->pipelines[i];
    if (only && (!p->file || strcmp(p->file, only) != 0))
      continue;
    VSrc src = src_of(ld, p, p->file, p->locs);
    check_pipeline(p, &src, fac, ld->opt, out);
    free(src.text);
  }
  for (size_t i = 0; i < ld->fac->n_resources; i++) {
    const Resource *r = ld->fac->resources[i];
    if (only && (!r->file || strcmp(r->file, only) != 0))
      continue;
    VSrc src = src_of(ld, r, r->file, r->locs);
    v_check_resource(ld->opt, out, &src, r, fac);
    v_check_resource_expressions(ld->opt, out, &src, r);
    free(src.text);
  }
  if (only) {
    for (size_t i = 0; i < tmp.n; i++) {
      if (ld->out->n == ld->out->cap) {
        ld->out->cap = ld->out->cap ? ld->out->cap * 2 : 16;
        ld->out->v = xrealloc(ld->out->v, ld->out->cap * sizeof(Finding));
      }
      ld->out->v[ld->out->n++] = tmp.v[i];
    }
    free(tmp.v);
  }
}

bool validate_path(const char *path, const VOptions *opt, FindingList *out,
                   Err *err)
{
  struct stat st;
  if (stat(path, &st) != 0) {
    SrcLoc loc = {.file = load_intern_path(path), .off = -1};
    return err_set(err, ERR_IO, &loc, "cannot open '%s': %s", path,
                   strerror(errno));
  }
  VLoad ld = {opt, out, factory_empty(), false, 0, NULL, 0, NULL, 0};
  bool refs = opt->refs == VREF_ON;
  const char *only = NULL;
  char *root = NULL;
  bool ok = true;

  if (S_ISDIR(st.st_mode)) {
    char **files = NULL;
    size_t n = 0, cap = 0;
    collect(path, &files, &n, &cap);
    for (size_t i = 0; i < n; i++) {
      Err e = ERR_INIT;
      if (!load_one(&ld, files[i], &e))
        err_finding(opt, out, files[i], VR_SYNTAX, &e);
      free(files[i]);
    }
    free(files);
    if (opt->refs == VREF_AUTO)
      refs = true;
  } else if (opt->refs != VREF_OFF && (root = factory_root_of(path)) != NULL) {
    /* A file of a factory folder: load its siblings for references. */
    char **files = NULL;
    size_t n = 0, cap = 0;
    collect(root, &files, &n, &cap);
    bool found = false;
    for (size_t i = 0; i < n; i++) {
      Err e = ERR_INIT;
      bool mine = strcmp(files[i], path) == 0;
      found |= mine;
      if (!load_one(&ld, files[i], &e) && mine) {
        err_set(err, e.code, &e.loc, "%s", e.msg);
        ok = false;
      }
      free(files[i]);
    }
    free(files);
    refs = true;
    only = path;
    if (!found) { /* the path spelled differently: load it alone */
      only = NULL;
      factory_free(ld.fac);
      ld.fac = factory_empty();
      for (size_t i = 0; i < ld.n_arm; i++)
        free(ld.arm[i].prefix);
      ld.n_arm = 0;
      refs = opt->refs == VREF_ON;
      ok = load_one(&ld, path, err);
    }
    ld.n_files = 1;
  } else {
    ok = load_one(&ld, path, err);
    if (ld.any_arm && opt->refs == VREF_AUTO)
      refs = true;
  }
  if (ok)
    check_loaded(&ld, refs, only);
  out->n_files += ld.n_files;
  factory_free(ld.fac);
  for (size_t i = 0; i < ld.n_maps; i++)
    srcmap_free(ld.maps[i]);
  free(ld.maps);
  for (size_t i = 0; i < ld.n_arm; i++)
    free(ld.arm[i].prefix);
  free(ld.arm);
  free(root);
  return ok;
}

void validate_document(const Value *doc, const SrcMap *locs, const char *file,
                       const Factory *factory, const VOptions *opt,
                       FindingList *out)
{
  Err err = ERR_INIT;
  ResKind k = load_detect_kind(doc, file);
  VSrc src = {file, locs, "", NULL, 0, 0};
  bool loaded;
  out->n_files++;
  if (k == RES_PIPELINE || k == RES_OTHER) {
    Pipeline *p = load_pipeline_value(val_ref(doc), NULL, file, &err);
    loaded = p != NULL;
    if (p) {
      check_pipeline(p, &src, factory, opt, out);
      pipeline_free(p);
    }
  } else {
    Resource *r = load_resource_value(val_ref(doc), NULL, k, file, &err);
    loaded = r != NULL;
    if (r) {
      v_check_resource(opt, out, &src, r, factory);
      v_check_resource_expressions(opt, out, &src, r);
      resource_free(r);
    }
  }
  if (!loaded)
    v_emit_src(opt, out, &src, VR_STRUCTURE, err.loc.path, -1, NULL, "%s",
               err.msg);
  free(src.text);
}
