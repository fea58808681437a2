/*
 * interp/load.c -- definition files and folders -> the model (model.h)
 *
 * Reading (UTF-8/UTF-16, BOMs), choosing JSON or YAML, recognising the
 * layout (git-integration {"name","properties"}, bare properties object,
 * ARM template, REST example), building Pipeline/Resource/Factory.  Only
 * structure is checked here; names, dependsOn targets and cycles are the
 * validator's.  Every failure frees what was built: no partial models.
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

/* Safety cap on activities per document: ADF allows 120, a hostile YAML
 * file with nested aliases could ask for billions. */
#define LOAD_MAX_ACTIVITIES 100000

/* ---- Interned file names ------------------------------------------------ */

/* err->loc.file is borrowed and must outlive the Err, but the loader
 * builds many file names itself (factory folders) and frees them.  Names
 * that end up in an error are interned here for the life of the process;
 * the list stays reachable, so leak checkers stay quiet. */
typedef struct Interned {
  struct Interned *next;
  char path[];
} Interned;

static Interned *interned;

const char *load_intern_path(const char *path)
{
  if (!path)
    return NULL;
  for (Interned *i = interned; i; i = i->next)
    if (strcmp(i->path, path) == 0)
      return i->path;
  size_t n = strlen(path);
  Interned *i = xmalloc(sizeof(*i) + n + 1);
  memcpy(i->path, path, n + 1);
  i->next = interned;
  interned = i;
  return i->path;
}

/* ---- Error helpers ------------------------------------------------------- */

static void copy_path(SrcLoc *loc, const char *path)
{
  size_t n = path ? strlen(path) : 0;
  if (n >= sizeof(loc->path))
    n = sizeof(loc->path) - 1;
  if (n)
    memcpy(loc->path, path, n);
  loc->path[n] = '\0';
}

/* line:col come from 'locs' (the nearest recorded ancestor). */
bool load_struct_err(Err *err, const char *file, const SrcMap *locs,
                     const char *path, const char *fmt, ...)
{
  SrcLoc loc = {.off = -1};
  char msg[sizeof(err->msg)];
  va_list ap;

  if (err_is_set(err))
    return false;
  loc.file = load_intern_path(file);
  copy_path(&loc, path);
  if (locs && path)
    srcmap_find(locs, path, &loc.line, &loc.col);
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  return err_set(err, ERR_DEF_STRUCTURE, &loc, "%s", msg);
}

bool load_io_err(Err *err, const char *path, const char *what, int e)
{
  SrcLoc loc = {.off = -1};
  loc.file = load_intern_path(path);
  return err_set(err, ERR_IO, &loc, "%s: %s", what, strerror(e));
}

static const char *kind_of(const Value *v)
{
  return val_kind_name(val_kind(v));
}

/* ---- Reading files and encodings ----------------------------------------- */

/* UTF-16 (either byte order) -> UTF-8.  Unpaired surrogates and a dangling
 * odd byte become U+FFFD, as .NET's default decoder does. */
static char *utf16_to_utf8(const unsigned char *s, size_t n, bool be,
                           size_t *out_len)
{
  StrBuf sb;
  size_t i = 0;
  sb_init(&sb);
  sb_reserve(&sb, n + n / 2);
  while (i + 1 < n) {
    uint32_t u = be ? (uint32_t)(s[i] << 8 | s[i + 1])
                    : (uint32_t)(s[i + 1] << 8 | s[i]);
    i += 2;
    if (u >= 0xD800 && u <= 0xDBFF && i + 1 < n) {
      uint32_t lo = be ? (uint32_t)(s[i] << 8 | s[i + 1])
                       : (uint32_t)(s[i + 1] << 8 | s[i]);
      if (lo >= 0xDC00 && lo <= 0xDFFF) {
        i += 2;
        sb_put_utf8(&sb, 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00));
        continue;
      }
      u = 0xFFFD;
    } else if (u >= 0xD800 && u <= 0xDFFF) {
      u = 0xFFFD;
    }
    sb_put_utf8(&sb, u);
  }
  if (i < n)
    sb_put_utf8(&sb, 0xFFFD);
  *out_len = sb.len;
  return sb_take(&sb);
}

char *load_file_utf8(const char *path, size_t *len, Err *err)
{
  struct stat st;
  int fd = open(path, O_RDONLY);
  if (fd < 0) {
    load_io_err(err, path, "cannot open", errno);
    return NULL;
  }
  if (fstat(fd, &st) != 0) {
    load_io_err(err, path, "cannot stat", errno);
    close(fd);
    return NULL;
  }
  if (S_ISDIR(st.st_mode)) {
    load_io_err(err, path, "cannot read", EISDIR);
    close(fd);
    return NULL;
  }
  size_t cap = st.st_size > 0 ? (size_t)st.st_size + 1 : 4096, n = 0;
  unsigned char *buf = xmalloc(cap);
  for (;;) {
    if (n + 1 >= cap) {
      cap *= 2;
      buf = xrealloc(buf, cap);
    }
    ssize_t got = read(fd, buf + n, cap - n - 1);
    if (got < 0) {
      if (errno == EINTR)
        continue;
      load_io_err(err, path, "cannot read", errno);
      free(buf);
      close(fd);
      return NULL;
    }
    if (got == 0)
      break;
    n += (size_t)got;
  }
  close(fd);
  buf[n] = '\0';

  /* Byte order marks first, then BOM-less UTF-16: a document starts with
   * ASCII ('{', '[', '#', a letter, whitespace), so a zero in the other
   * byte of the first two code units gives the order away. */
  if (n >= 3 && buf[0] == 0xEF && buf[1] == 0xBB && buf[2] == 0xBF) {
    memmove(buf, buf + 3, n - 3 + 1);
    *len = n - 3;
    return (char *)buf;
  }
  int enc = 0; /* 1: UTF-16LE, 2: UTF-16BE */
  size_t skip = 0;
  if (n >= 2 && buf[0] == 0xFF && buf[1] == 0xFE) {
    enc = 1;
    skip = 2;
  } else if (n >= 2 && buf[0] == 0xFE && buf[1] == 0xFF) {
    enc = 2;
    skip = 2;
  } else if (n >= 4 && buf[0] && !buf[1] && buf[2] && !buf[3] &&
             buf[0] < 0x80 && buf[2] < 0x80) {
    enc = 1;
  } else if (n >= 4 && !buf[0] && buf[1] && !buf[2] && buf[3] &&
             buf[1] < 0x80 && buf[3] < 0x80) {
    enc = 2;
  }
  if (enc) {
    char *u8 = utf16_to_utf8(buf + skip, n - skip, enc == 2, len);
    free(buf);
    return u8;
  }
  *len = n;
  return (char *)buf;
}

/* ---- Documents ----------------------------------------------------------- */

const char *load_base_name(const char *path)
{
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}

bool load_has_ext(const char *path, const char *ext)
{
  const char *b = load_base_name(path), *dot = strrchr(b, '.');
  return dot && strcasecmp(dot + 1, ext) == 0;
}

bool load_is_yaml_name(const char *path)
{
  return load_has_ext(path, "yaml") || load_has_ext(path, "yml");
}

/* Parses 'text' as the format 'path' names (sniffing the first character
 * when the extension is neither .json nor .yaml/.yml). */
Value *load_parse_text(const char *path, const char *text, size_t len,
                       SrcMap *locs, Err *err)
{
  bool yaml = load_is_yaml_name(path);
  if (!yaml && !load_has_ext(path, "json")) {
    size_t i = 0;
    while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' ||
                       text[i] == '\n'))
      i++;
    yaml = i < len && text[i] != '{' && text[i] != '[';
  }
  Value *v = yaml ? load_yaml_text(text, len, locs, err)
                  : json_parse(text, len, locs, err);
  if (!v)
    err_set_file(err, load_intern_path(path));
  return v;
}

Value *load_document(const char *path, SrcMap *locs, Err *err)
{
  size_t len;
  char *text = load_file_utf8(path, &len, err);
  if (!text)
    return NULL;
  Value *v = load_parse_text(path, text, len, locs, err);
  free(text);
  return v;
}

/* ---- Small Value helpers ------------------------------------------------- */

/* Member 'key' of 'obj': an exact match, else the first one equal
 * ignoring case (ADF's deserializer is case-insensitive).  '*out_key'
 * gets the key as written, for paths. */
const Value *load_member(const Value *obj, const char *key,
                         const char **out_key, size_t *out_klen)
{
  size_t n, klen, want = strlen(key), ci = (size_t)-1;
  if (!obj || val_kind(obj) != VAL_OBJECT)
    return NULL;
  n = val_object_len(obj);
  for (size_t i = 0; i < n; i++) {
    const char *k = val_object_key_peek(obj, i, &klen);
    if (klen != want)
      continue;
    if (memcmp(k, key, klen) == 0) {
      ci = i;
      break;
    }
    if (ci == (size_t)-1 && strncasecmp(k, key, klen) == 0)
      ci = i;
  }
  if (ci == (size_t)-1)
    return NULL;
  if (out_key)
    *out_key = val_object_key_peek(obj, ci, out_klen);
  return val_object_value_peek(obj, ci);
}

const char *load_member_str(const Value *obj, const char *key)
{
  const Value *v = load_member(obj, key, NULL, NULL);
  return v && val_kind(v) == VAL_STRING ? val_str(v) : NULL;
}

/* Appends the step for member 'key' (spelled as in the document). */
static void path_member(StrBuf *sb, const Value *obj, const char *key)
{
  const char *k = key;
  size_t klen = strlen(key);
  load_member(obj, key, &k, &klen);
  srcpath_key(sb, k, klen);
}

static void path_cut(StrBuf *sb, size_t len)
{
  sb->len = len;
  sb->s[len] = '\0';
}

/* Name for a document that carries none: the file name without its
 * extension; Fabric's <name>.DataPipeline/pipeline-content.json gives
 * <name>. */
static char *name_from_file(const char *file, const char *fallback)
{
  if (!file)
    return xstrdup(fallback);
  const char *b = load_base_name(file);
  if (strcasecmp(b, "pipeline-content.json") == 0 && b > file + 1) {
    const char *end = b - 1, *start = end;
    while (start > file && start[-1] != '/')
      start--;
    size_t n = (size_t)(end - start);
    const char *suffix = ".DataPipeline";
    size_t sl = strlen(suffix);
    if (n > sl && strncasecmp(end - sl, suffix, sl) == 0)
      n -= sl;
    if (n)
      return xstrndup(start, n);
  }
  const char *dot = strrchr(b, '.');
  size_t n = dot && dot > b ? (size_t)(dot - b) : strlen(b);
  return n ? xstrndup(b, n) : xstrdup(fallback);
}

/* ARM resource names look like "[concat(parameters('factoryName'),
 * '/MyPipeline')]" or "factory/MyPipeline": keep the last segment. */
static char *arm_resource_name(const char *name)
{
  size_t n = strlen(name);
  if (n > 2 && name[0] == '[' && name[n - 1] == ']') {
    const char *end = name + n - 1;
    /* the last quoted literal holds the name */
    const char *q2 = end;
    while (q2 > name && *q2 != '\'')
      q2--;
    if (q2 > name) {
      const char *q1 = q2 - 1;
      while (q1 > name && *q1 != '\'')
        q1--;
      if (*q1 == '\'' && q1 < q2) {
        const char *s = q1 + 1;
        for (const char *p = q2 - 1; p >= s; p--)
          if (*p == '/') {
            s = p + 1;
            break;
          }
        if (q2 > s)
          return xstrndup(s, (size_t)(q2 - s));
      }
    }
    return xstrdup(name);
  }
  const char *slash = strrchr(name, '/');
  return xstrdup(slash && slash[1] ? slash + 1 : name);
}

/* ---- Kind detection ------------------------------------------------------ */

/* clang-format off */
static const struct {
  const char *name; /* ARM type segment, git folder */
  ResKind kind;
} kind_names[] = {
  {"pipelines",              RES_PIPELINE},
  {"datasets",               RES_DATASET},
  {"linkedServices",         RES_LINKED_SERVICE},
  {"triggers",               RES_TRIGGER},
  {"factories",              RES_FACTORY},
  {"workspaces",             RES_FACTORY},
  {"dataflows",              RES_DATAFLOW},
  {"integrationRuntimes",    RES_INTEGRATION_RUNTIME},
  {"credentials",            RES_CREDENTIAL},
  {"managedVirtualNetworks", RES_MANAGED_VNET},
};
/* clang-format on */

/* Kind from an ARM type ("Microsoft.DataFactory/factories/pipelines" or
 * "pipelines"); RES_OTHER when unknown. */
ResKind load_kind_from_arm_type(const char *type)
{
  const char *seg = strrchr(type, '/');
  seg = seg ? seg + 1 : type;
  for (size_t i = 0; i < sizeof(kind_names) / sizeof(kind_names[0]); i++)
    if (strcasecmp(seg, kind_names[i].name) == 0)
      return kind_names[i].kind;
  return RES_OTHER;
}

bool load_ends_with_ci(const char *s, const char *suffix)
{
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

/* Detection with a strength: '*strong' is set when the evidence is
 * unambiguous (an ARM type, activities, a trigger or data flow type),
 * so a contradicting folder or request can be reported. */
static ResKind detect(const Value *doc, bool *strong)
{
  *strong = false;
  if (!doc || val_kind(doc) != VAL_OBJECT)
    return RES_OTHER;
  const char *arm = load_member_str(doc, "type");
  if (arm && strchr(arm, '/')) {
    ResKind k = load_kind_from_arm_type(arm);
    if (k != RES_OTHER) {
      *strong = true;
      return k;
    }
  }
  const Value *props = load_member(doc, "properties", NULL, NULL);
  if (!props || val_kind(props) != VAL_OBJECT) {
    if (load_member(doc, "location", NULL, NULL) ||
        load_member(doc, "identity", NULL, NULL))
      return RES_FACTORY;
    props = doc; /* bare properties object */
  }
  if (load_member(props, "activities", NULL, NULL)) {
    *strong = true;
    return RES_PIPELINE;
  }
  const char *t = load_member_str(props, "type");
  if (t) {
    if (load_ends_with_ci(t, "Trigger")) {
      *strong = true;
      return RES_TRIGGER;
    }
    if (strcasecmp(t, "MappingDataFlow") == 0 ||
        strcasecmp(t, "Flowlet") == 0 ||
        strcasecmp(t, "WranglingDataFlow") == 0) {
      *strong = true;
      return RES_DATAFLOW;
    }
    if (strcasecmp(t, "Managed") == 0 || strcasecmp(t, "SelfHosted") == 0)
      return RES_INTEGRATION_RUNTIME;
    if (strcasecmp(t, "ManagedIdentity") == 0 ||
        strcasecmp(t, "ServicePrincipal") == 0)
      return RES_CREDENTIAL;
    if (load_member(props, "linkedServiceName", NULL, NULL) ||
        load_member(props, "schema", NULL, NULL) ||
        load_member(props, "structure", NULL, NULL))
      return RES_DATASET;
    if (load_member(props, "pipelines", NULL, NULL) ||
        load_member(props, "pipeline", NULL, NULL))
      return RES_TRIGGER;
    return RES_LINKED_SERVICE;
  }
  if (load_member(props, "globalParameters", NULL, NULL) ||
      load_member(doc, "location", NULL, NULL))
    return RES_FACTORY;
  return RES_OTHER;
}

/* Kind named by the folder holding 'file' (pipeline/, dataset/...). */
ResKind load_kind_from_folder(const char *file)
{
  /* clang-format off */
  static const struct { const char *dir; ResKind kind; } dirs[] = {
    {"pipeline", RES_PIPELINE},          {"dataset", RES_DATASET},
    {"linkedService", RES_LINKED_SERVICE}, {"trigger", RES_TRIGGER},
    {"factory", RES_FACTORY},            {"dataflow", RES_DATAFLOW},
    {"integrationRuntime", RES_INTEGRATION_RUNTIME},
    {"credential", RES_CREDENTIAL},
    {"managedVirtualNetwork", RES_MANAGED_VNET},
  };
  /* clang-format on */
  if (!file)
    return RES_OTHER;
  const char *b = load_base_name(file);
  if (b == file)
    return RES_OTHER;
  const char *end = b - 1, *start = end;
  while (start > file && start[-1] != '/')
    start--;
  size_t n = (size_t)(end - start);
  for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
    if (strlen(dirs[i].dir) == n && strncasecmp(start, dirs[i].dir, n) == 0)
      return dirs[i].kind;
  return RES_OTHER;
}

ResKind load_detect_kind(const Value *doc, const char *file)
{
  bool strong;
  ResKind k = detect(doc, &strong);
  if (strong)
    return k;
  ResKind f = load_kind_from_folder(file);
  return f != RES_OTHER ? f : k;
}

bool load_is_arm_template(const Value *doc)
{
  if (!doc || val_kind(doc) != VAL_OBJECT)
    return false;
  const Value *res = load_member(doc, "resources", NULL, NULL);
  if (!res || val_kind(res) != VAL_ARRAY)
    return false;
  const char *schema = load_member_str(doc, "$schema");
  if (schema && strstr(schema, "deploymentTemplate"))
    return true;
  return load_member(doc, "properties", NULL, NULL) == NULL &&
         load_member(doc, "activities", NULL, NULL) == NULL;
}

/* ---- Building activities ------------------------------------------------- */

typedef struct Build {
  const char *file; /* interned */
  const SrcMap *locs;
  Err *err;
  StrBuf path; /* path of the node being built */
  size_t n_acts;
} Build;

static bool berr(Build *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static bool berr(Build *b, const char *fmt, ...)
{
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  return load_struct_err(b->err, b->file, b->locs, b->path.s, "%s", msg);
}

/* Error at member 'key' of the current path (spelled as written). */
static bool berr_at(Build *b, const Value *obj, const char *key,
                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static bool berr_at(Build *b, const Value *obj, const char *key,
                    const char *fmt, ...)
{
  char msg[512];
  size_t base = b->path.len;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  path_member(&b->path, obj, key);
  load_struct_err(b->err, b->file, b->locs, b->path.s, "%s", msg);
  path_cut(&b->path, base);
  return false;
}

/* Frees activities built so far: a throw-away Pipeline owns them, so
 * model.c's destructor is the only one. */
static void free_list(ActivityDef **acts, size_t n)
{
  Pipeline *tmp = xcalloc(1, sizeof(*tmp));
  tmp->acts = acts;
  tmp->n_acts = n;
  pipeline_free(tmp);
}

static void activity_free_partial(ActivityDef *a)
{
  ActivityDef **one = xmalloc(sizeof(*one));
  one[0] = a;
  free_list(one, 1);
}

static ActivityDef *build_activity(Build *b, const Value *v,
                                   ActivityDef *parent);

/* Builds the activities of array 'arr' (at b->path). */
static bool build_list(Build *b, const Value *arr, ActivityDef *parent,
                       ActivityDef ***out, size_t *out_n)
{
  size_t n = val_array_len(arr), base = b->path.len;
  ActivityDef **acts = n ? xcalloc(n, sizeof(*acts)) : NULL;
  for (size_t i = 0; i < n; i++) {
    srcpath_index(&b->path, i);
    acts[i] = build_activity(b, val_array_peek(arr, i), parent);
    path_cut(&b->path, base);
    if (!acts[i]) {
      free_list(acts, i);
      return false;
    }
  }
  *out = acts;
  *out_n = n;
  return true;
}

static ActivityBlock *add_block(ActivityDef *a, const char *label)
{
  a->blocks = xrealloc(a->blocks, (a->n_blocks + 1) * sizeof(*a->blocks));
  ActivityBlock *blk = &a->blocks[a->n_blocks++];
  memset(blk, 0, sizeof(*blk));
  blk->label = xstrdup(label);
  return blk;
}

/* One nested list: typeProperties.<key> must be an array when present. */
static bool build_block(Build *b, ActivityDef *a, const Value *tp,
                        const char *key)
{
  const char *k;
  size_t klen, base = b->path.len;
  const Value *arr = load_member(tp, key, &k, &klen);
  if (!arr || val_kind(arr) == VAL_NULL)
    return true;
  if (val_kind(arr) != VAL_ARRAY)
    return berr_at(b, tp, key, "'%s' must be an array of activities, got %s",
                   key, kind_of(arr));
  ActivityBlock *blk = add_block(a, key);
  srcpath_key(&b->path, k, klen);
  blk->path = xstrndup(b->path.s, b->path.len);
  bool ok = build_list(b, arr, a, &blk->acts, &blk->n_acts);
  path_cut(&b->path, base);
  return ok;
}

/* Switch: one block per case (label "cases", case_value set), then
 * defaultActivities. */
static bool build_switch(Build *b, ActivityDef *a, const Value *tp)
{
  const char *k;
  size_t klen, base = b->path.len;
  const Value *cases = load_member(tp, "cases", &k, &klen);
  if (cases && val_kind(cases) != VAL_NULL) {
    if (val_kind(cases) != VAL_ARRAY)
      return berr_at(b, tp, "cases", "'cases' must be an array, got %s",
                     kind_of(cases));
    srcpath_key(&b->path, k, klen);
    size_t cbase = b->path.len;
    for (size_t i = 0; i < val_array_len(cases); i++) {
      const Value *c = val_array_peek(cases, i);
      srcpath_index(&b->path, i);
      if (val_kind(c) != VAL_OBJECT) {
        berr(b, "a Switch case must be an object, got %s", kind_of(c));
        path_cut(&b->path, base);
        return false;
      }
      const Value *cv = load_member(c, "value", NULL, NULL);
      const char *ak;
      size_t aklen;
      const Value *acts = load_member(c, "activities", &ak, &aklen);
      if (acts && val_kind(acts) != VAL_NULL && val_kind(acts) != VAL_ARRAY) {
        berr_at(b, c, "activities",
                "'activities' must be an array of activities, got %s",
                kind_of(acts));
        path_cut(&b->path, base);
        return false;
      }
      ActivityBlock *blk = add_block(a, "cases");
      blk->case_value = cv ? val_ref(cv) : val_null();
      size_t ibase = b->path.len;
      if (acts)
        srcpath_key(&b->path, ak, aklen);
      else
        srcpath_key(&b->path, "activities", 10);
      blk->path = xstrndup(b->path.s, b->path.len);
      bool ok = !acts || val_kind(acts) == VAL_NULL ||
                build_list(b, acts, a, &blk->acts, &blk->n_acts);
      path_cut(&b->path, ibase);
      if (!ok) {
        path_cut(&b->path, base);
        return false;
      }
      path_cut(&b->path, cbase);
    }
    path_cut(&b->path, base);
  }
  return build_block(b, a, tp, "defaultActivities");
}

/* clang-format off */
static const char *const dep_names[] = {
  "Succeeded", "Failed", "Skipped", "Completed"
};
static const unsigned dep_bits[] = {
  DEP_SUCCEEDED, DEP_FAILED, DEP_SKIPPED, DEP_COMPLETED
};
static const char *const mark_names[] = {"Succeeded", "Failed", "Skipped"};
/* clang-format on */

static bool build_deps(Build *b, ActivityDef *a, const Value *act)
{
  const char *k;
  size_t klen, base = b->path.len;
  const Value *deps = load_member(act, "dependsOn", &k, &klen);
  if (!deps || val_kind(deps) == VAL_NULL)
    return true;
  if (val_kind(deps) != VAL_ARRAY)
    return berr_at(b, act, "dependsOn", "'dependsOn' must be an array, got %s",
                   kind_of(deps));
  size_t n = val_array_len(deps);
  if (!n)
    return true;
  a->deps = xcalloc(n, sizeof(*a->deps));
  srcpath_key(&b->path, k, klen);
  size_t dbase = b->path.len;
  for (size_t i = 0; i < n; i++) {
    const Value *d = val_array_peek(deps, i);
    Dependency *dep = &a->deps[i];
    srcpath_index(&b->path, i);
    a->n_deps = i + 1;
    dep->path = xstrndup(b->path.s, b->path.len);
    if (val_kind(d) != VAL_OBJECT) {
      berr(b, "a dependsOn entry must be an object, got %s", kind_of(d));
      goto bad;
    }
    const Value *up = load_member(d, "activity", NULL, NULL);
    if (!up) {
      berr(b, "dependsOn entry has no 'activity'");
      goto bad;
    }
    if (val_kind(up) != VAL_STRING) {
      berr_at(b, d, "activity", "'activity' must be a string, got %s",
              kind_of(up));
      goto bad;
    }
    dep->activity = xstrdup(val_str(up));
    const char *ck;
    size_t cklen;
    const Value *conds = load_member(d, "dependencyConditions", &ck, &cklen);
    if (!conds) {
      berr(b, "dependsOn entry has no 'dependencyConditions'");
      goto bad;
    }
    if (val_kind(conds) != VAL_ARRAY) {
      berr_at(b, d, "dependencyConditions",
              "'dependencyConditions' must be an array, got %s",
              kind_of(conds));
      goto bad;
    }
    if (val_array_len(conds) == 0) {
      berr_at(b, d, "dependencyConditions",
              "'dependencyConditions' must list at least one condition");
      goto bad;
    }
    srcpath_key(&b->path, ck, cklen);
    size_t cbase = b->path.len;
    for (size_t j = 0; j < val_array_len(conds); j++) {
      const Value *c = val_array_peek(conds, j);
      unsigned bit = 0;
      srcpath_index(&b->path, j);
      if (val_kind(c) == VAL_STRING)
        for (size_t m = 0; m < 4; m++)
          if (strcasecmp(val_str(c), dep_names[m]) == 0)
            bit = dep_bits[m];
      if (!bit) {
        if (val_kind(c) == VAL_STRING)
          berr(b,
               "unknown dependency condition '%s' (expected Succeeded, "
               "Failed, Skipped or Completed)",
               val_str(c));
        else
          berr(b, "a dependency condition must be a string, got %s",
               kind_of(c));
        goto bad;
      }
      dep->conds |= bit;
      path_cut(&b->path, cbase);
    }
    path_cut(&b->path, dbase);
  }
  path_cut(&b->path, base);
  return true;
bad:
  path_cut(&b->path, base);
  return false;
}

/* The optional members of the envelope, checked for their JSON kind. */
static bool opt_member(Build *b, const Value *act, const char *key,
                       ValKind want, const Value **out)
{
  const Value *v = load_member(act, key, NULL, NULL);
  *out = NULL;
  if (!v || val_kind(v) == VAL_NULL)
    return true;
  if (val_kind(v) != want)
    return berr_at(b, act, key, "'%s' must be of type %s, got %s", key,
                   val_kind_name(want), kind_of(v));
  *out = v;
  return true;
}

/* activity -> {name, type, ...}; b->path is the activity's path. */
static ActivityDef *build_activity(Build *b, const Value *v,
                                   ActivityDef *parent)
{
  const Value *name, *type, *m;
  if (++b->n_acts > LOAD_MAX_ACTIVITIES) {
    berr(b, "more than %d activities in one document", LOAD_MAX_ACTIVITIES);
    return NULL;
  }
  if (val_kind(v) != VAL_OBJECT) {
    berr(b, "an activity must be an object, got %s", kind_of(v));
    return NULL;
  }
  name = load_member(v, "name", NULL, NULL);
  type = load_member(v, "type", NULL, NULL);
  if (!name) {
    berr(b, "activity has no 'name'");
    return NULL;
  }
  if (val_kind(name) != VAL_STRING) {
    berr_at(b, v, "name", "'name' must be a string, got %s", kind_of(name));
    return NULL;
  }
  if (!type) {
    berr(b, "activity '%s' has no 'type'", val_str(name));
    return NULL;
  }
  if (val_kind(type) != VAL_STRING) {
    berr_at(b, v, "type", "'type' must be a string, got %s", kind_of(type));
    return NULL;
  }

  ActivityDef *a = xcalloc(1, sizeof(*a));
  a->name = xstrdup(val_str(name));
  a->type = xstrdup(val_str(type));
  a->parent = parent;
  a->path = xstrndup(b->path.s, b->path.len);
  a->raw = val_ref(v);
  if (b->locs)
    srcmap_get(b->locs, a->path, &a->line, &a->col);

  if (!opt_member(b, v, "description", VAL_STRING, &m))
    goto bad;
  a->description = m ? xstrdup(val_str(m)) : NULL;

  if (!opt_member(b, v, "state", VAL_STRING, &m))
    goto bad;
  if (m) {
    if (strcasecmp(val_str(m), "Inactive") == 0) {
      a->inactive = true;
    } else if (strcasecmp(val_str(m), "Active") != 0) {
      berr_at(b, v, "state", "'state' must be Active or Inactive, got '%s'",
              val_str(m));
      goto bad;
    }
  }
  if (!opt_member(b, v, "onInactiveMarkAs", VAL_STRING, &m))
    goto bad;
  a->on_inactive_mark_as = xstrdup("Succeeded");
  if (m) {
    size_t i;
    for (i = 0; i < 3; i++)
      if (strcasecmp(val_str(m), mark_names[i]) == 0)
        break;
    if (i == 3) {
      berr_at(b, v, "onInactiveMarkAs",
              "'onInactiveMarkAs' must be Succeeded, Failed or Skipped, got "
              "'%s'",
              val_str(m));
      goto bad;
    }
    free(a->on_inactive_mark_as);
    a->on_inactive_mark_as = xstrdup(mark_names[i]);
  }

  if (!build_deps(b, a, v))
    goto bad;
  if (!opt_member(b, v, "policy", VAL_OBJECT, &m))
    goto bad;
  a->policy = m ? val_ref(m) : NULL;
  if (!opt_member(b, v, "userProperties", VAL_ARRAY, &m))
    goto bad;
  a->user_properties = m ? val_ref(m) : val_array_new();
  if (!opt_member(b, v, "typeProperties", VAL_OBJECT, &m))
    goto bad;
  a->type_props = m ? val_ref(m) : val_object_new();

  /* Nested lists, by type.  Unknown container types are not entered:
   * their typeProperties stay opaque Values. */
  if (m) {
    size_t base = b->path.len;
    bool ok = true;
    path_member(&b->path, v, "typeProperties");
    const char *t = a->type;
    if (strcasecmp(t, "ForEach") == 0 || strcasecmp(t, "Until") == 0) {
      ok = build_block(b, a, m, "activities");
    } else if (strcasecmp(t, "IfCondition") == 0) {
      ok = build_block(b, a, m, "ifTrueActivities") &&
           build_block(b, a, m, "ifFalseActivities");
    } else if (strcasecmp(t, "Switch") == 0) {
      ok = build_switch(b, a, m);
    }
    path_cut(&b->path, base);
    if (!ok)
      goto bad;
  }
  return a;
bad:
  activity_free_partial(a);
  return NULL;
}

/* ---- Pipelines ----------------------------------------------------------- */

/* Finds the pipeline content of 'doc': sets *out_props, the base path and
 * the name.  Returns false with *err set when the layout is wrong. */
static bool pipeline_layout(const Value *doc, const SrcMap *locs,
                            const char *file, const Value **out_props,
                            char **out_base, char **out_name, Err *err)
{
  const char *k;
  size_t klen;
  const Value *props, *name;
  StrBuf sb;

  if (val_kind(doc) != VAL_OBJECT)
    return load_struct_err(err, file, locs, "",
                           "a pipeline definition must be an object, got %s",
                           kind_of(doc));

  if (load_is_arm_template(doc)) {
    const Value *res = load_member(doc, "resources", &k, &klen);
    size_t found = 0, at = 0;
    for (size_t i = 0; i < val_array_len(res); i++) {
      const char *t = load_member_str(val_array_peek(res, i), "type");
      if (t && load_kind_from_arm_type(t) == RES_PIPELINE) {
        if (!found)
          at = i;
        found++;
      }
    }
    if (found != 1)
      return load_struct_err(
          err, file, locs, "resources",
          "this ARM template holds %zu pipelines; load it as a "
          "factory to choose one",
          found);
    const Value *r = val_array_peek(res, at);
    props = load_member(r, "properties", NULL, NULL);
    sb_init(&sb);
    srcpath_key(&sb, k, klen);
    srcpath_index(&sb, at);
    if (!props || val_kind(props) != VAL_OBJECT) {
      load_struct_err(err, file, locs, sb.s,
                      "pipeline resource has no 'properties' object");
      sb_fini(&sb);
      return false;
    }
    path_member(&sb, r, "properties");
    *out_base = sb_take(&sb);
    const char *n = load_member_str(r, "name");
    *out_name = n ? arm_resource_name(n) : name_from_file(file, "pipeline");
    *out_props = props;
    return true;
  }

  props = load_member(doc, "properties", &k, &klen);
  if (!props && !load_member(doc, "activities", NULL, NULL)) {
    /* A REST API example: {"parameters": {..., "pipeline": {...}}} */
    const Value *params = load_member(doc, "parameters", NULL, NULL);
    const Value *pl = load_member(params, "pipeline", NULL, NULL);
    const Value *pp = load_member(pl, "properties", NULL, NULL);
    if (pp && val_kind(pp) == VAL_OBJECT &&
        load_member(params, "factoryName", NULL, NULL)) {
      sb_init(&sb);
      path_member(&sb, doc, "parameters");
      path_member(&sb, params, "pipeline");
      path_member(&sb, pl, "properties");
      *out_base = sb_take(&sb);
      const char *n = load_member_str(params, "pipelineName");
      *out_name = n ? xstrdup(n) : name_from_file(file, "pipeline");
      *out_props = pp;
      return true;
    }
  }
  if (props) {
    if (val_kind(props) != VAL_OBJECT)
      return load_struct_err(err, file, locs, "properties",
                             "'properties' must be an object, got %s",
                             kind_of(props));
    name = load_member(doc, "name", NULL, NULL);
    if (name && val_kind(name) != VAL_STRING)
      return load_struct_err(err, file, locs, "name",
                             "'name' must be a string, got %s", kind_of(name));
    sb_init(&sb);
    srcpath_key(&sb, k, klen);
    *out_base = sb_take(&sb);
    const char *arm_type = load_member_str(doc, "type");
    if (name &&
        (val_str(name)[0] == '[' || (arm_type && strchr(arm_type, '/'))))
      *out_name = arm_resource_name(val_str(name));
    else
      *out_name =
          name ? xstrdup(val_str(name)) : name_from_file(file, "pipeline");
    *out_props = props;
    return true;
  }
  /* Without 'properties' the document must be a bare properties object,
   * recognisable by its 'activities': anything else (a test file, a mock
   * file given by mistake) must not run as an empty pipeline. */
  if (!load_member(doc, "activities", NULL, NULL))
    return load_struct_err(
        err, file, locs, "",
        "a pipeline definition needs 'properties' (or, for a "
        "bare properties object, 'activities')");
  *out_base = xstrdup("");
  *out_name = name_from_file(file, "pipeline");
  *out_props = doc;
  return true;
}

/* parameters/variables: an object, {} when absent or null. */
static bool pipeline_map(Build *b, const Value *props, const char *key,
                         ValKind want, Value **out)
{
  const Value *v;
  if (!opt_member(b, props, key, want, &v))
    return false;
  *out = v                    ? val_ref(v)
         : want == VAL_OBJECT ? val_object_new()
                              : val_array_new();
  return true;
}

Pipeline *load_pipeline_value(Value *doc, SrcMap *locs, const char *file,
                              Err *err)
{
  const Value *props = NULL;
  char *base = NULL, *name = NULL;
  Build b;
  Pipeline *p;

  file = load_intern_path(file);
  if (!doc) {
    srcmap_free(locs);
    load_struct_err(err, file, NULL, "", "no document");
    return NULL;
  }
  if (!pipeline_layout(doc, locs, file, &props, &base, &name, err))
    goto fail_doc;

  bool strong;
  ResKind k = detect(doc, &strong);
  if (!load_is_arm_template(doc) && k != RES_PIPELINE && k != RES_OTHER &&
      (strong || load_member(props, "type", NULL, NULL))) {
    load_struct_err(err, file, locs, base,
                    "not a pipeline: this definition looks like a %s",
                    res_kind_name(k));
    goto fail_doc;
  }

  p = xcalloc(1, sizeof(*p));
  p->name = name;
  p->file = file ? xstrdup(file) : NULL;
  p->base_path = base;
  p->raw = doc;
  p->locs = locs;
  b.file = file;
  b.locs = locs;
  b.err = err;
  b.n_acts = 0;
  sb_init(&b.path);
  sb_puts(&b.path, base);

  if (!pipeline_map(&b, props, "parameters", VAL_OBJECT, &p->parameters) ||
      !pipeline_map(&b, props, "variables", VAL_OBJECT, &p->variables) ||
      !pipeline_map(&b, props, "annotations", VAL_ARRAY, &p->annotations))
    goto fail;
  const char *ak;
  size_t aklen;
  const Value *acts = load_member(props, "activities", &ak, &aklen);
  if (acts && val_kind(acts) != VAL_NULL) {
    if (val_kind(acts) != VAL_ARRAY) {
      berr_at(&b, props, "activities", "'activities' must be an array, got %s",
              kind_of(acts));
      goto fail;
    }
    srcpath_key(&b.path, ak, aklen);
    if (!build_list(&b, acts, NULL, &p->acts, &p->n_acts))
      goto fail;
  }
  sb_fini(&b.path);
  return p;
fail:
  sb_fini(&b.path);
  pipeline_free(p);
  return NULL;
fail_doc:
  free(base);
  free(name);
  val_unref(doc);
  srcmap_free(locs);
  return NULL;
}

Pipeline *load_pipeline_file(const char *path, Err *err)
{
  SrcMap *locs = srcmap_new();
  Value *doc = load_document(path, locs, err);
  if (!doc) {
    srcmap_free(locs);
    return NULL;
  }
  return load_pipeline_value(doc, locs, path, err);
}

/* ---- Other resources ----------------------------------------------------- */

Resource *load_resource_value(Value *doc, SrcMap *locs, ResKind kind,
                              const char *file, Err *err)
{
  bool strong;
  file = load_intern_path(file);
  if (!doc || val_kind(doc) != VAL_OBJECT) {
    load_struct_err(err, file, locs, "",
                    "a definition must be an object, got %s",
                    doc ? kind_of(doc) : "nothing");
    goto fail;
  }
  ResKind found = detect(doc, &strong);
  const char *arm_type = load_member_str(doc, "type");
  bool arm_res = arm_type && strchr(arm_type, '/');
  if (kind == RES_OTHER) {
    kind = load_detect_kind(doc, file);
  } else if (strong && found != kind && (found == RES_PIPELINE || arm_res)) {
    /* Type names ("...Trigger") are strong enough to detect with but not
     * to overrule the folder; activities or an ARM type are. */
    load_struct_err(err, file, locs, "",
                    "expected a %s, but this definition is a %s",
                    res_kind_name(kind), res_kind_name(found));
    goto fail;
  }
  const Value *name = load_member(doc, "name", NULL, NULL);
  if (name && val_kind(name) != VAL_STRING) {
    load_struct_err(err, file, locs, "name", "'name' must be a string, got %s",
                    kind_of(name));
    goto fail;
  }
  const Value *props = load_member(doc, "properties", NULL, NULL);
  if (props && val_kind(props) != VAL_OBJECT && val_kind(props) != VAL_NULL) {
    load_struct_err(err, file, locs, "properties",
                    "'properties' must be an object, got %s", kind_of(props));
    goto fail;
  }
  Resource *r = xcalloc(1, sizeof(*r));
  r->kind = kind;
  if (name && (arm_res || val_str(name)[0] == '['))
    r->name = arm_resource_name(val_str(name));
  else
    r->name = name ? xstrdup(val_str(name)) : name_from_file(file, "resource");
  r->file = file ? xstrdup(file) : NULL;
  const char *t = load_member_str(props, "type");
  r->type = t ? xstrdup(t) : NULL;
  r->raw = doc;
  r->locs = locs;
  return r;
fail:
  val_unref(doc);
  srcmap_free(locs);
  return NULL;
}

Resource *load_resource_file(const char *path, ResKind kind, Err *err)
{
  SrcMap *locs = srcmap_new();
  Value *doc = load_document(path, locs, err);
  if (!doc) {
    srcmap_free(locs);
    return NULL;
  }
  return load_resource_value(doc, locs, kind, path, err);
}
