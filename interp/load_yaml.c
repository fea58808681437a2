/*
 * interp/load_yaml.c -- YAML text -> Value, the only libyaml user
 *
 * Event-driven with an explicit stack (no recursion, nesting capped like
 * JSON), recording the same SrcMap paths as json_parse().  Plain scalars
 * are typed by the YAML 1.2 core schema; quoted and block scalars are
 * strings.  Anchors/aliases share Values; "<<" merge keys are applied.
 */
#include "interp/load.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "expr/json.h"

/* Aliases share Values, so a "billion laughs" document costs little here,
 * but whoever walks the tree later pays for every expanded node. */
#define YAML_MAX_EXPANDED 1000000

typedef struct Anchor {
  char *name;
  Value *v;
  size_t nodes; /* expanded size */
} Anchor;

typedef struct Frame {
  Value *v; /* the sequence or mapping being built */
  bool is_map;
  char *key; /* mapping: pending key, NULL while expecting one */
  size_t klen;
  bool key_merge; /* the pending key is a "<<" merge key */
  size_t index;   /* sequence: next item index */
  size_t restore; /* path length to restore when this frame ends */
  char *anchor;   /* owned, or NULL */
  size_t nodes;
  Value **merges; /* mappings to merge at the end (owned refs) */
  size_t n_merges;
} Frame;

typedef struct YReader {
  yaml_parser_t parser;
  const char *text;
  size_t len;
  SrcMap *locs;
  StrBuf path;
  Frame *stack;
  size_t depth, cap;
  Anchor *anchors;
  size_t n_anchors;
  size_t expanded; /* nodes reached through aliases */
  Value *root;
  size_t root_nodes;
  Err *err;
} YReader;

/* ---- Errors -------------------------------------------------------------- */

static bool yfail_at(YReader *r, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static bool yfail_at(YReader *r, int line, int col, const char *fmt, ...)
{
  SrcLoc loc = {.off = -1};
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  loc.line = line;
  loc.col = col;
  return err_set(r->err, ERR_YAML_SYNTAX, &loc, "%s", msg);
}

/* Line:col of byte 'off', counting code points like the JSON reader. */
static void pos_of_offset(const YReader *r, size_t off, int *line, int *col)
{
  *line = 1;
  *col = 1;
  for (size_t i = 0; i < off && i < r->len; i++) {
    unsigned char c = (unsigned char)r->text[i];
    if (c == '\n') {
      (*line)++;
      *col = 1;
    } else if ((c & 0xC0) != 0x80) {
      (*col)++;
    }
  }
}

static bool parser_fail(YReader *r)
{
  yaml_parser_t *p = &r->parser;
  int line, col;
  if (p->error == YAML_MEMORY_ERROR) {
    SrcLoc loc = {.off = -1};
    return err_set(r->err, ERR_INTERNAL, &loc, "YAML parser out of memory");
  }
  if (p->error == YAML_READER_ERROR) {
    pos_of_offset(r, p->problem_offset, &line, &col);
  } else {
    line = (int)p->problem_mark.line + 1;
    col = (int)p->problem_mark.column + 1;
  }
  if (p->context)
    return yfail_at(r, line, col, "expected valid YAML: %s (%s)",
                    p->problem ? p->problem : "syntax error", p->context);
  return yfail_at(r, line, col, "expected valid YAML: %s",
                  p->problem ? p->problem : "syntax error");
}

static bool event_fail(YReader *r, const yaml_event_t *ev, const char *what)
{
  return yfail_at(r, (int)ev->start_mark.line + 1,
                  (int)ev->start_mark.column + 1, "expected %s", what);
}

/* ---- Scalars: YAML 1.2 core schema --------------------------------------- */

static bool all_digits(const char *s, size_t n, int base)
{
  if (!n)
    return false;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    bool ok = base == 16  ? ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
                            (c >= 'A' && c <= 'F'))
              : base == 8 ? (c >= '0' && c <= '7')
                          : (c >= '0' && c <= '9');
    if (!ok)
      return false;
  }
  return true;
}

static bool is_core_float(const char *s, size_t n)
{
  size_t i = 0, digits = 0;
  if (i < n && (s[i] == '-' || s[i] == '+'))
    i++;
  while (i < n && s[i] >= '0' && s[i] <= '9') {
    i++;
    digits++;
  }
  if (i < n && s[i] == '.') {
    i++;
    while (i < n && s[i] >= '0' && s[i] <= '9') {
      i++;
      digits++;
    }
  }
  if (!digits)
    return false;
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    if (i < n && (s[i] == '-' || s[i] == '+'))
      i++;
    size_t e = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9') {
      i++;
      e++;
    }
    if (!e)
      return false;
  }
  return i == n;
}

static bool eq(const char *s, size_t n, const char *w)
{
  return strlen(w) == n && memcmp(s, w, n) == 0;
}

static bool eq_any(const char *s, size_t n, const char *a, const char *b,
                   const char *c)
{
  return eq(s, n, a) || eq(s, n, b) || eq(s, n, c);
}

/* Integer text -> VAL_INT, or VAL_FLOAT when it does not fit int64 (as
 * json_parse does). */
static Value *make_int(const char *s, size_t n, int base)
{
  char buf[80];
  if (n >= sizeof(buf))
    return val_float(strtod(s, NULL));
  memcpy(buf, s, n);
  buf[n] = '\0';
  errno = 0;
  if (base == 10) {
    long long v = strtoll(buf, NULL, 10);
    if (errno == ERANGE)
      return val_float(strtod(buf, NULL));
    return val_int((int64_t)v);
  }
  unsigned long long u = strtoull(buf, NULL, base);
  if (errno == ERANGE || u > INT64_MAX)
    return val_float((double)u);
  return val_int((int64_t)u);
}

/* A plain scalar typed by the core schema. */
static Value *plain_scalar(const char *s, size_t n)
{
  if (n == 0 || eq(s, n, "~") || eq_any(s, n, "null", "Null", "NULL"))
    return val_null();
  if (eq_any(s, n, "true", "True", "TRUE"))
    return val_bool(true);
  if (eq_any(s, n, "false", "False", "FALSE"))
    return val_bool(false);
  size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
  if (all_digits(s + i, n - i, 10))
    return make_int(s, n, 10);
  if (n > 2 && s[0] == '0' && s[1] == 'o' && all_digits(s + 2, n - 2, 8))
    return make_int(s + 2, n - 2, 8);
  if (n > 2 && s[0] == '0' && s[1] == 'x' && all_digits(s + 2, n - 2, 16))
    return make_int(s + 2, n - 2, 16);
  if (is_core_float(s, n)) {
    char buf[128];
    if (n < sizeof(buf)) {
      memcpy(buf, s, n);
      buf[n] = '\0';
      return val_float(strtod(buf, NULL));
    }
    return val_string(s, n);
  }
  if (eq_any(s + i, n - i, ".inf", ".Inf", ".INF"))
    return val_float(s[0] == '-' ? -INFINITY : INFINITY);
  if (eq_any(s, n, ".nan", ".NaN", ".NAN"))
    return val_float(NAN);
  return val_string(s, n);
}

#define TAG_PREFIX "tag:yaml.org,2002:"

static Value *scalar_value(YReader *r, const yaml_event_t *ev)
{
  const char *s = (const char *)ev->data.scalar.value;
  size_t n = ev->data.scalar.length;
  const char *tag = (const char *)ev->data.scalar.tag;
  if (tag && strncmp(tag, TAG_PREFIX, strlen(TAG_PREFIX)) == 0) {
    const char *t = tag + strlen(TAG_PREFIX);
    if (strcmp(t, "str") == 0)
      return val_string(s, n);
    Value *v = plain_scalar(s, n);
    ValKind k = val_kind(v);
    bool ok = strcmp(t, "null") == 0    ? k == VAL_NULL
              : strcmp(t, "bool") == 0  ? k == VAL_BOOL
              : strcmp(t, "int") == 0   ? k == VAL_INT
              : strcmp(t, "float") == 0 ? (k == VAL_FLOAT || k == VAL_INT)
                                        : true;
    if (!ok) {
      val_unref(v);
      event_fail(r, ev, "a value matching its tag");
      return NULL;
    }
    if (strcmp(t, "float") == 0 && k == VAL_INT) {
      double d = (double)val_get_int(v);
      val_unref(v);
      return val_float(d);
    }
    return v;
  }
  if (tag || ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
    return val_string(s, n);
  return plain_scalar(s, n);
}

/* ---- The tree ------------------------------------------------------------ */

static Anchor *find_anchor(YReader *r, const char *name)
{
  for (size_t i = r->n_anchors; i-- > 0;)
    if (strcmp(r->anchors[i].name, name) == 0)
      return &r->anchors[i];
  return NULL;
}

static void add_anchor(YReader *r, const char *name, const Value *v,
                       size_t nodes)
{
  r->anchors = xrealloc(r->anchors, (r->n_anchors + 1) * sizeof(*r->anchors));
  r->anchors[r->n_anchors].name = xstrdup(name);
  r->anchors[r->n_anchors].v = val_ref(v);
  r->anchors[r->n_anchors].nodes = nodes;
  r->n_anchors++;
}

/* Adds the finished node 'v' (consumed) to the innermost container, or
 * makes it the root. */
static bool attach(YReader *r, Value *v, size_t nodes, const yaml_event_t *ev)
{
  if (!r->depth) {
    r->root = v;
    r->root_nodes = nodes;
    return true;
  }
  Frame *f = &r->stack[r->depth - 1];
  f->nodes += nodes;
  if (!f->is_map) {
    val_array_push_take(f->v, v);
    f->index++;
    return true;
  }
  if (f->key_merge) {
    bool ok = val_kind(v) == VAL_OBJECT;
    if (val_kind(v) == VAL_ARRAY) {
      ok = true;
      for (size_t i = 0; i < val_array_len(v); i++)
        if (val_kind(val_array_peek(v, i)) != VAL_OBJECT)
          ok = false;
    }
    if (!ok) {
      val_unref(v);
      return event_fail(r, ev, "a mapping or a list of mappings after '<<'");
    }
    f->merges = xrealloc(f->merges, (f->n_merges + 1) * sizeof(*f->merges));
    f->merges[f->n_merges++] = v;
  } else {
    val_object_set_take(f->v, f->key, f->klen, v);
  }
  free(f->key);
  f->key = NULL;
  f->key_merge = false;
  return true;
}

static void merge_one(Value *obj, const Value *src)
{
  for (size_t i = 0; i < val_object_len(src); i++) {
    size_t klen;
    const char *k = val_object_key_peek(src, i, &klen);
    bool present = false;
    for (size_t j = 0; j < val_object_len(obj) && !present; j++) {
      size_t ol;
      const char *ok = val_object_key_peek(obj, j, &ol);
      present = ol == klen && memcmp(ok, k, klen) == 0;
    }
    if (!present)
      val_object_set_take(obj, k, klen, val_ref(val_object_value_peek(src, i)));
  }
}

/* Explicit keys win over merged ones; earlier merge sources win over
 * later ones (YAML merge-key rules). */
static void apply_merges(Frame *f)
{
  for (size_t m = 0; m < f->n_merges; m++) {
    const Value *src = f->merges[m];
    if (val_kind(src) == VAL_OBJECT) {
      merge_one(f->v, src);
    } else {
      for (size_t i = 0; i < val_array_len(src); i++)
        merge_one(f->v, val_array_peek(src, i));
    }
    val_unref(f->merges[m]);
  }
  free(f->merges);
  f->merges = NULL;
  f->n_merges = 0;
}

static void frame_fini(Frame *f)
{
  val_unref(f->v);
  free(f->key);
  free(f->anchor);
  for (size_t m = 0; m < f->n_merges; m++)
    val_unref(f->merges[m]);
  free(f->merges);
}

/* Pushes the path step for a node about to start in the current
 * container and records its position.  Returns the length to restore. */
static size_t enter_node(YReader *r, const yaml_event_t *ev)
{
  size_t plen = r->path.len;
  if (r->depth) {
    Frame *f = &r->stack[r->depth - 1];
    if (f->is_map)
      srcpath_key(&r->path, f->key, f->klen);
    else
      srcpath_index(&r->path, f->index);
  }
  if (r->locs)
    srcmap_put(r->locs, r->path.s, r->path.len, (int)ev->start_mark.line + 1,
               (int)ev->start_mark.column + 1);
  return plen;
}

static void leave_node(YReader *r, size_t plen)
{
  r->path.len = plen;
  r->path.s[plen] = '\0';
}

/* A mapping that still needs a key takes this node as its key. */
static bool take_key(YReader *r, const yaml_event_t *ev, bool *taken)
{
  *taken = false;
  if (!r->depth)
    return true;
  Frame *f = &r->stack[r->depth - 1];
  if (!f->is_map || f->key)
    return true;
  *taken = true;
  if (ev->type == YAML_SCALAR_EVENT) {
    f->klen = ev->data.scalar.length;
    f->key = xstrndup((const char *)ev->data.scalar.value, f->klen);
    f->key_merge = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
                   !ev->data.scalar.tag && eq(f->key, f->klen, "<<");
    return true;
  }
  if (ev->type == YAML_ALIAS_EVENT) {
    Anchor *a = find_anchor(r, (const char *)ev->data.alias.anchor);
    if (a && val_kind(a->v) == VAL_STRING) {
      f->klen = val_strlen(a->v);
      f->key = xstrndup(val_str(a->v), f->klen);
      return true;
    }
  }
  return event_fail(r, ev,
                    "a scalar mapping key (complex keys are not "
                    "supported)");
}

static bool on_node(YReader *r, const yaml_event_t *ev)
{
  bool taken;
  if (!take_key(r, ev, &taken))
    return false;
  if (taken)
    return true;

  if (ev->type == YAML_SCALAR_EVENT || ev->type == YAML_ALIAS_EVENT) {
    size_t plen = enter_node(r, ev);
    Value *v;
    size_t nodes = 1;
    leave_node(r, plen);
    if (ev->type == YAML_ALIAS_EVENT) {
      Anchor *a = find_anchor(r, (const char *)ev->data.alias.anchor);
      if (!a) {
        char what[160];
        snprintf(what, sizeof(what), "a defined anchor for alias '*%.100s'",
                 (const char *)ev->data.alias.anchor);
        return event_fail(r, ev, what);
      }
      r->expanded += a->nodes;
      if (r->expanded > YAML_MAX_EXPANDED)
        return event_fail(r, ev,
                          "fewer alias expansions (more than 1000000 "
                          "nodes reached through aliases)");
      v = val_ref(a->v);
      nodes = a->nodes;
    } else {
      v = scalar_value(r, ev);
      if (!v)
        return false;
      if (ev->data.scalar.anchor)
        add_anchor(r, (const char *)ev->data.scalar.anchor, v, 1);
    }
    return attach(r, v, nodes, ev);
  }

  /* sequence or mapping start */
  if (r->depth >= JSON_MAX_DEPTH)
    return event_fail(r, ev, "less nesting (more than 512 levels)");
  size_t plen = enter_node(r, ev);
  if (r->depth == r->cap) {
    r->cap = r->cap ? r->cap * 2 : 16;
    r->stack = xrealloc(r->stack, r->cap * sizeof(*r->stack));
  }
  Frame *f = &r->stack[r->depth++];
  memset(f, 0, sizeof(*f));
  f->is_map = ev->type == YAML_MAPPING_START_EVENT;
  f->v = f->is_map ? val_object_new() : val_array_new();
  f->restore = plen;
  f->nodes = 1;
  const yaml_char_t *anchor = f->is_map ? ev->data.mapping_start.anchor
                                        : ev->data.sequence_start.anchor;
  if (anchor)
    f->anchor = xstrdup((const char *)anchor);
  return true;
}

static bool on_end(YReader *r, const yaml_event_t *ev)
{
  Frame fr = r->stack[--r->depth];
  if (fr.is_map && fr.key) {
    /* libyaml emits an empty value for "key:" so this cannot happen */
    frame_fini(&fr);
    return event_fail(r, ev, "a value for the last key");
  }
  if (fr.n_merges)
    apply_merges(&fr);
  leave_node(r, fr.restore);
  if (fr.anchor)
    add_anchor(r, fr.anchor, fr.v, fr.nodes);
  free(fr.anchor);
  return attach(r, fr.v, fr.nodes, ev);
}

Value *load_yaml_text(const char *text, size_t len, SrcMap *locs, Err *err)
{
  YReader r;
  yaml_event_t ev;
  bool ok = true, done = false;
  int docs = 0;

  memset(&r, 0, sizeof(r));
  r.text = text;
  r.len = len;
  r.locs = locs;
  r.err = err;
  sb_init(&r.path);
  if (!yaml_parser_initialize(&r.parser)) {
    SrcLoc loc = {.off = -1};
    err_set(err, ERR_INTERNAL, &loc, "cannot initialise the YAML parser");
    sb_fini(&r.path);
    return NULL;
  }
  yaml_parser_set_input_string(&r.parser, (const unsigned char *)text, len);
  yaml_parser_set_encoding(&r.parser, YAML_UTF8_ENCODING);

  while (ok && !done) {
    if (!yaml_parser_parse(&r.parser, &ev)) {
      ok = parser_fail(&r);
      break;
    }
    switch (ev.type) {
    case YAML_STREAM_END_EVENT:
      done = true;
      break;
    case YAML_DOCUMENT_START_EVENT:
      if (++docs > 1)
        ok = event_fail(&r, &ev,
                        "a single YAML document (found a second "
                        "'---')");
      break;
    case YAML_SCALAR_EVENT:
    case YAML_ALIAS_EVENT:
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT:
      ok = on_node(&r, &ev);
      break;
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
      ok = on_end(&r, &ev);
      break;
    default:
      break;
    }
    if (ok && done && !r.root)
      ok = event_fail(&r, &ev, "a YAML document, got end of input");
    yaml_event_delete(&ev);
  }

  while (r.depth)
    frame_fini(&r.stack[--r.depth]);
  free(r.stack);
  for (size_t i = 0; i < r.n_anchors; i++) {
    free(r.anchors[i].name);
    val_unref(r.anchors[i].v);
  }
  free(r.anchors);
  yaml_parser_delete(&r.parser);
  sb_fini(&r.path);
  if (!ok) {
    val_unref(r.root);
    return NULL;
  }
  return r.root;
}
