/*
 * interp/load_factory.c -- factory folders, ARM template exports, and
 *                          load_any()
 *
 * A factory folder is read subfolder by subfolder (factory/ first, for the
 * name and global parameters); an ARM export becomes a Factory of its
 * Microsoft.DataFactory resources.  Per-file work is load.c's.
 */
#include "interp/load.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "expr/json.h"
#include "interp/load_extra.h"
#include "interp/load_int.h"

/* ---- Factories ----------------------------------------------------------- */

static Factory *factory_new(const char *dir)
{
  Factory *f = xcalloc(1, sizeof(*f));
  f->dir = dir ? xstrdup(dir) : NULL;
  return f;
}

static void factory_add_pipeline(Factory *f, Pipeline *p)
{
  f->pipelines =
      xrealloc(f->pipelines, (f->n_pipelines + 1) * sizeof(*f->pipelines));
  f->pipelines[f->n_pipelines++] = p;
}

static void factory_add_resource(Factory *f, Resource *r)
{
  f->resources =
      xrealloc(f->resources, (f->n_resources + 1) * sizeof(*f->resources));
  f->resources[f->n_resources++] = r;
  if (r->kind == RES_FACTORY && !f->name) {
    const Value *props = load_member(r->raw, "properties", NULL, NULL);
    const Value *gp = load_member(props, "globalParameters", NULL, NULL);
    f->name = xstrdup(r->name);
    if (gp && val_kind(gp) == VAL_OBJECT) {
      val_unref(f->global_parameters);
      f->global_parameters = val_ref(gp);
    }
  }
}

static int cmp_str(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted entry names of 'dir' (hidden ones left out); NULL with *err. */
static char **list_dir(const char *dir, size_t *out_n, Err *err)
{
  DIR *d = opendir(dir);
  char **names = NULL;
  size_t n = 0, cap = 0;
  struct dirent *e;
  if (!d) {
    load_io_err(err, dir, "cannot open folder", errno);
    return NULL;
  }
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.')
      continue;
    if (n == cap) {
      cap = cap ? cap * 2 : 16;
      names = xrealloc(names, cap * sizeof(*names));
    }
    names[n++] = xstrdup(e->d_name);
  }
  closedir(d);
  if (n)
    qsort(names, n, sizeof(*names), cmp_str);
  *out_n = n;
  return names ? names : xcalloc(1, sizeof(*names));
}

static void free_names(char **names, size_t n)
{
  for (size_t i = 0; i < n; i++)
    free(names[i]);
  free(names);
}

static char *join(const char *a, const char *b)
{
  StrBuf sb;
  sb_init(&sb);
  sb_puts(&sb, a);
  if (sb.len && sb.s[sb.len - 1] != '/')
    sb_putc(&sb, '/');
  sb_puts(&sb, b);
  return sb_take(&sb);
}

static bool is_dir(const char *path)
{
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool is_definition_name(const char *name)
{
  return load_has_ext(name, "json") || load_is_yaml_name(name);
}

/* Loads one file into 'f' as 'kind' (RES_OTHER: detect). */
static bool load_into(Factory *f, const char *path, ResKind kind, Err *err)
{
  SrcMap *locs = srcmap_new();
  Value *doc = load_document(path, locs, err);
  if (!doc) {
    srcmap_free(locs);
    return false;
  }
  if (kind == RES_OTHER)
    kind = load_detect_kind(doc, path);
  if (kind == RES_PIPELINE) {
    Pipeline *p = load_pipeline_value(doc, locs, path, err);
    if (!p)
      return false;
    factory_add_pipeline(f, p);
    return true;
  }
  Resource *r = load_resource_value(doc, locs, kind, path, err);
  if (!r)
    return false;
  factory_add_resource(f, r);
  return true;
}

/* Every definition file in 'dir' as 'kind'; subfolders are entered only
 * when 'sub_kind' says so (managedVirtualNetwork/<vnet>/...). */
static bool load_folder(Factory *f, const char *dir, ResKind kind, bool recurse,
                        ResKind sub_kind, Err *err)
{
  size_t n;
  char **names = list_dir(dir, &n, err);
  bool ok = true;
  if (!names)
    return false;
  for (size_t i = 0; i < n && ok; i++) {
    char *path = join(dir, names[i]);
    if (is_dir(path)) {
      if (recurse)
        ok = load_folder(f, path, sub_kind, true, sub_kind, err);
    } else if (is_definition_name(names[i])) {
      ok = load_into(f, path, kind, err);
    }
    free(path);
  }
  free_names(names, n);
  return ok;
}

/* clang-format off */
static const struct {
  const char *dir;
  ResKind kind;
  bool recurse;
} factory_dirs[] = {
  {"factory",               RES_FACTORY,             false},
  {"pipeline",              RES_PIPELINE,            false},
  {"dataset",               RES_DATASET,             false},
  {"linkedService",         RES_LINKED_SERVICE,      false},
  {"trigger",               RES_TRIGGER,             false},
  {"dataflow",              RES_DATAFLOW,            false},
  {"integrationRuntime",    RES_INTEGRATION_RUNTIME, false},
  {"credential",            RES_CREDENTIAL,          false},
  {"managedVirtualNetwork", RES_MANAGED_VNET,        true},
};
/* clang-format on */

#define N_FACTORY_DIRS (sizeof(factory_dirs) / sizeof(factory_dirs[0]))

/* Index into factory_dirs of sub-folder 'name', or -1. */
static int factory_dir_index(const char *name)
{
  for (size_t i = 0; i < N_FACTORY_DIRS; i++)
    if (strcasecmp(name, factory_dirs[i].dir) == 0)
      return (int)i;
  return -1;
}

static bool looks_like_factory(const char *dir)
{
  size_t n;
  Err e = ERR_INIT;
  char **names = list_dir(dir, &n, &e);
  bool yes = false;
  if (!names)
    return false;
  for (size_t i = 0; i < n && !yes; i++)
    if (factory_dir_index(names[i]) >= 0) {
      char *path = join(dir, names[i]);
      yes = is_dir(path);
      free(path);
    }
  free_names(names, n);
  return yes;
}

/* A folder that is not a factory: every definition file in it, by
 * detected kind, plus Fabric <name>.DataPipeline/pipeline-content.json. */
static bool load_flat(Factory *f, const char *dir, Err *err)
{
  size_t n;
  char **names = list_dir(dir, &n, err);
  bool ok = true;
  if (!names)
    return false;
  for (size_t i = 0; i < n && ok; i++) {
    char *path = join(dir, names[i]);
    if (is_dir(path)) {
      if (load_ends_with_ci(names[i], ".DataPipeline")) {
        char *pc = join(path, "pipeline-content.json");
        if (access(pc, R_OK) == 0)
          ok = load_into(f, pc, RES_PIPELINE, err);
        free(pc);
      }
    } else if (is_definition_name(names[i])) {
      ok = load_into(f, path, RES_OTHER, err);
    }
    free(path);
  }
  free_names(names, n);
  return ok;
}

Factory *load_factory_dir(const char *dir, Err *err)
{
  Factory *f = factory_new(dir);
  bool ok = true;
  if (!is_dir(dir)) {
    load_io_err(err, dir, "cannot load factory", ENOTDIR);
    factory_free(f);
    return NULL;
  }
  if (looks_like_factory(dir)) {
    size_t n;
    char **names = list_dir(dir, &n, err);
    if (!names) {
      factory_free(f);
      return NULL;
    }
    /* factory/ first so the name and global parameters are known early */
    for (size_t d = 0; d < N_FACTORY_DIRS && ok; d++)
      for (size_t i = 0; i < n && ok; i++) {
        if (strcasecmp(names[i], factory_dirs[d].dir) != 0)
          continue;
        char *path = join(dir, names[i]);
        if (is_dir(path))
          ok = load_folder(f, path, factory_dirs[d].kind,
                           factory_dirs[d].recurse, RES_OTHER, err);
        free(path);
      }
    free_names(names, n);
  } else {
    ok = load_flat(f, dir, err);
  }
  if (!ok) {
    factory_free(f);
    return NULL;
  }
  if (!f->global_parameters)
    f->global_parameters = val_object_new();
  return f;
}

/* ---- ARM templates ------------------------------------------------------- */

/* Skips one JSON value starting at 'p' (no validation: the text already
 * parsed).  Returns the first byte after it. */
static const char *skip_value(const char *p, const char *end)
{
  int depth = 0;
  while (p < end) {
    char c = *p;
    if (c == '"') {
      p++;
      while (p < end && *p != '"')
        p += *p == '\\' ? 2 : 1;
      p++;
      if (depth == 0)
        return p;
      continue;
    }
    if (c == '{' || c == '[') {
      depth++;
    } else if (c == '}' || c == ']') {
      depth--;
      if (depth <= 0)
        return p + 1;
    } else if (depth == 0 &&
               (c == ',' || c == ' ' || c == '\n' || c == '\r' || c == '\t')) {
      return p;
    }
    p++;
  }
  return end;
}

static const char *skip_ws_text(const char *p, const char *end)
{
  while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
    p++;
  return p;
}

/* Byte spans of the items of the top-level "resources" array. */
typedef struct Span {
  const char *start, *end;
} Span;

static Span *resource_spans(const char *text, size_t len, size_t *out_n)
{
  const char *p = text, *end = text + len;
  Span *spans = NULL;
  size_t n = 0;
  p = skip_ws_text(p, end);
  if (p >= end || *p != '{')
    return NULL;
  p++;
  for (;;) {
    p = skip_ws_text(p, end);
    if (p >= end || *p != '"')
      break;
    const char *k = p + 1, *kend = skip_value(p, end) - 1;
    bool is_res = kend - k == 9 && strncasecmp(k, "resources", 9) == 0;
    p = skip_ws_text(kend + 1, end);
    if (p >= end || *p != ':')
      break;
    p = skip_ws_text(p + 1, end);
    if (is_res && p < end && *p == '[') {
      p++;
      for (;;) {
        p = skip_ws_text(p, end);
        if (p >= end || *p == ']')
          break;
        const char *s = p;
        p = skip_value(p, end);
        spans = xrealloc(spans, (n + 1) * sizeof(*spans));
        spans[n].start = s;
        spans[n].end = p;
        n++;
        p = skip_ws_text(p, end);
        if (p < end && *p == ',')
          p++;
      }
      break;
    }
    p = skip_ws_text(skip_value(p, end), end);
    if (p < end && *p == ',')
      p++;
  }
  *out_n = n;
  return spans;
}

/* Re-parses one resource on its own, padded with the newlines and spaces
 * that precede it so line:col stay those of the whole file (paths become
 * relative to the resource).  'cur' carries the line count between calls
 * so a template is scanned once, not once per resource. */
typedef struct SpanCursor {
  const char *at; /* text before 'at' is counted */
  size_t lines;   /* newlines before 'at' */
} SpanCursor;

static Value *parse_span(const char *text, Span s, SpanCursor *cur,
                         SrcMap *locs, Err *err)
{
  StrBuf sb;
  const char *ls = s.start;
  while (ls > text && ls[-1] != '\n')
    ls--;
  if (cur->at > ls) {
    cur->at = text;
    cur->lines = 0;
  }
  for (const char *q = cur->at; q < ls; q++)
    cur->lines += *q == '\n';
  cur->at = ls;
  size_t cols = 0;
  for (const char *q = ls; q < s.start; q++)
    cols += ((unsigned char)*q & 0xC0) != 0x80;
  sb_init(&sb);
  sb_reserve(&sb, cur->lines + cols + (size_t)(s.end - s.start));
  memset(sb.s, '\n', cur->lines);
  memset(sb.s + cur->lines, ' ', cols);
  sb.len = cur->lines + cols;
  sb_put(&sb, s.start, (size_t)(s.end - s.start));
  Value *v = json_parse(sb.s, sb.len, locs, err);
  sb_fini(&sb);
  return v;
}

/* Adds every resource of 'res' (and their nested "resources"). */
static bool arm_add(Factory *f, const char *path, const char *text,
                    const Span *spans, size_t n_spans, const Value *res,
                    bool top, Err *err)
{
  SpanCursor cur = {text, 0};
  for (size_t i = 0; i < val_array_len(res); i++) {
    const Value *r = val_array_peek(res, i);
    const char *t = load_member_str(r, "type");
    if (!t || val_kind(r) != VAL_OBJECT)
      continue;
    ResKind k = load_kind_from_arm_type(t);
    if (load_ends_with_ci(t, "/globalparameters")) {
      const Value *gp = load_member(r, "properties", NULL, NULL);
      if (gp && val_kind(gp) == VAL_OBJECT && !f->global_parameters)
        f->global_parameters = val_ref(gp);
      continue;
    }
    if (k == RES_OTHER)
      continue; /* storage accounts, role assignments...: not ADF's */
    Value *doc = NULL;
    SrcMap *locs = NULL;
    /* Only pipelines get positions: their errors are the ones users
     * chase, and re-parsing every dataset would double the cost. */
    if (top && text && i < n_spans && k == RES_PIPELINE) {
      locs = srcmap_new();
      doc = parse_span(text, spans[i], &cur, locs, err);
      if (!doc) {
        srcmap_free(locs);
        err_set_file(err, load_intern_path(path));
        return false;
      }
    } else {
      doc = val_ref(r);
    }
    if (k == RES_PIPELINE) {
      Pipeline *p = load_pipeline_value(doc, locs, path, err);
      if (!p)
        return false;
      factory_add_pipeline(f, p);
    } else if (k == RES_FACTORY &&
               (strcasecmp(t, "Microsoft.DataFactory/factories") == 0 ||
                strcasecmp(t, "Microsoft.Synapse/workspaces") == 0)) {
      const Value *sub = load_member(r, "resources", NULL, NULL);
      Resource *fr = load_resource_value(doc, locs, k, path, err);
      if (!fr)
        return false;
      factory_add_resource(f, fr);
      if (sub && val_kind(sub) == VAL_ARRAY &&
          !arm_add(f, path, NULL, NULL, 0, sub, false, err))
        return false;
    } else {
      Resource *rr = load_resource_value(doc, locs, k, path, err);
      if (!rr)
        return false;
      factory_add_resource(f, rr);
    }
  }
  return true;
}

static Factory *arm_factory(const char *path, const char *text, size_t len,
                            Value *doc, Err *err)
{
  Factory *f = factory_new(NULL);
  size_t n_spans = 0;
  Span *spans = text ? resource_spans(text, len, &n_spans) : NULL;
  const Value *res = load_member(doc, "resources", NULL, NULL);
  if (spans && n_spans != val_array_len(res)) {
    free(spans);
    spans = NULL;
    n_spans = 0;
  }
  bool ok = arm_add(f, path, text, spans, n_spans, res, true, err);
  free(spans);
  val_unref(doc);
  if (!ok) {
    factory_free(f);
    return NULL;
  }
  if (!f->global_parameters)
    f->global_parameters = val_object_new();
  return f;
}

Factory *load_arm_value(Value *doc, const char *path, const char *text,
                        size_t len, Err *err)
{
  if (!load_is_arm_template(doc)) {
    load_struct_err(err, path, NULL, "", "not an ARM template");
    val_unref(doc);
    return NULL;
  }
  /* YAML has no byte spans we can re-parse as JSON */
  return arm_factory(path, load_is_yaml_name(path) ? NULL : text, len, doc,
                     err);
}

Factory *load_arm_file(const char *path, Err *err)
{
  size_t len;
  char *text = load_file_utf8(path, &len, err);
  if (!text)
    return NULL;
  Value *doc = load_parse_text(path, text, len, NULL, err);
  Factory *f = doc ? load_arm_value(doc, path, text, len, err) : NULL;
  free(text);
  return f;
}

/* ---- Whatever the user names --------------------------------------------- */

/* The folder holding 'file' and that folder's parent (malloc'd). */
static char *parent_dir(const char *path)
{
  const char *s = strrchr(path, '/');
  if (!s)
    return xstrdup(".");
  if (s == path)
    return xstrdup("/");
  return xstrndup(path, (size_t)(s - path));
}

Factory *load_any(const char *path, Pipeline **out_pipeline, Err *err)
{
  Factory *f;
  *out_pipeline = NULL;
  if (is_dir(path))
    return load_factory_dir(path, err);

  /* A pipeline inside a factory folder: load the whole factory so that
   * ExecutePipeline targets, datasets and global parameters are there. */
  char *dir = parent_dir(path);
  if (load_kind_from_folder(path) == RES_PIPELINE) {
    char *root = parent_dir(dir);
    if (looks_like_factory(root)) {
      f = load_factory_dir(root, err);
      free(root);
      free(dir);
      if (!f)
        return NULL;
      const char *want = load_base_name(path);
      for (size_t i = 0; i < f->n_pipelines; i++)
        if (f->pipelines[i]->file &&
            strcmp(load_base_name(f->pipelines[i]->file), want) == 0)
          *out_pipeline = f->pipelines[i];
      return f;
    }
    free(root);
  }
  free(dir);

  size_t len;
  char *text = load_file_utf8(path, &len, err);
  if (!text)
    return NULL;
  SrcMap *locs = srcmap_new();
  Value *doc = load_parse_text(path, text, len, locs, err);
  if (!doc) {
    srcmap_free(locs);
    free(text);
    return NULL;
  }
  if (load_is_arm_template(doc)) {
    srcmap_free(locs);
    f = arm_factory(path, load_is_yaml_name(path) ? NULL : text, len, doc, err);
    free(text);
    if (f && f->n_pipelines == 1)
      *out_pipeline = f->pipelines[0];
    return f;
  }
  free(text);
  f = factory_new(NULL);
  ResKind k = load_detect_kind(doc, path);
  if (k == RES_PIPELINE || k == RES_OTHER) {
    Pipeline *p = load_pipeline_value(doc, locs, path, err);
    if (!p) {
      factory_free(f);
      return NULL;
    }
    factory_add_pipeline(f, p);
    *out_pipeline = p;
  } else {
    Resource *r = load_resource_value(doc, locs, k, path, err);
    if (!r) {
      factory_free(f);
      return NULL;
    }
    factory_add_resource(f, r);
  }
  if (!f->global_parameters)
    f->global_parameters = val_object_new();
  return f;
}
