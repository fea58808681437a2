/*
 * tests/unit/data_fixture.h -- shared helpers for the data-activity tests
 *
 * Temp folders, whole-file I/O, in-memory factories built from JSON text
 * and dataset resolution, used by test_copy.c, test_stores.c and
 * test_azurite.c.  Header-only (static functions), included once per test
 * program.
 */
#ifndef TESTS_UNIT_DATA_FIXTURE_H
#define TESTS_UNIT_DATA_FIXTURE_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "activities/dataops.h"
#include "activities/dataset.h"
#include "expr/json.h"
#include "expr/strbuf.h"
#include "interp/model.h"

static char fx_root[256];

static inline void fx_tmpdir(void)
{
  const char *t = getenv("TMPDIR");
  snprintf(fx_root, sizeof fx_root, "%s/adfrun-data-XXXXXX",
           t && *t ? t : "/tmp");
  if (!mkdtemp(fx_root)) {
    perror("mkdtemp");
    exit(2);
  }
}

static inline int fx_rm_cb(const char *path)
{
  struct stat st;
  if (lstat(path, &st) != 0)
    return 0;
  if (S_ISDIR(st.st_mode)) {
    DIR *d = opendir(path);
    struct dirent *de;
    while (d && (de = readdir(d))) {
      if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
        continue;
      char sub[1024];
      snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
      fx_rm_cb(sub);
    }
    if (d)
      closedir(d);
    return rmdir(path);
  }
  return unlink(path);
}

static inline void fx_cleanup(void)
{
  if (fx_root[0])
    fx_rm_cb(fx_root);
}

/* Path under the temp root (static buffer rotation: 4 at a time). */
static inline const char *fx_path(const char *rel)
{
  static char bufs[4][1024];
  static int k;
  char *b = bufs[k++ & 3];
  snprintf(b, 1024, "%s/%s", fx_root, rel);
  return b;
}

static inline void fx_mkdirs(const char *path)
{
  char tmp[1024];
  snprintf(tmp, sizeof tmp, "%s", path);
  for (char *p = tmp + 1; *p; p++) {
    if (*p == '/') {
      *p = '\0';
      mkdir(tmp, 0777);
      *p = '/';
    }
  }
}

static inline void fx_write(const char *rel, const void *data, size_t len)
{
  const char *p = fx_path(rel);
  fx_mkdirs(p);
  FILE *f = fopen(p, "wb");
  if (!f) {
    perror(p);
    exit(2);
  }
  fwrite(data, 1, len, f);
  fclose(f);
}

static inline void fx_puts(const char *rel, const char *text)
{
  fx_write(rel, text, strlen(text));
}

/* Whole file, malloc'd and NUL-terminated, or NULL when missing. */
static inline char *fx_read(const char *rel, size_t *len)
{
  FILE *f = fopen(fx_path(rel), "rb");
  if (!f)
    return NULL;
  StrBuf sb;
  sb_init(&sb);
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0)
    sb_put(&sb, buf, n);
  fclose(f);
  if (len)
    *len = sb.len;
  return sb_take(&sb);
}

static inline bool fx_exists(const char *rel)
{
  struct stat st;
  return stat(fx_path(rel), &st) == 0;
}

/* Number of entries in a folder (for "no temp file left behind"). */
static inline int fx_count(const char *rel)
{
  DIR *d = opendir(fx_path(rel));
  int n = 0;
  struct dirent *de;
  while (d && (de = readdir(d)))
    if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
      n++;
  if (d)
    closedir(d);
  return n;
}

static inline Value *fx_json(const char *text)
{
  Err err = ERR_INIT;
  Value *v = json_parse(text, strlen(text), NULL, &err);
  if (!v) {
    fprintf(stderr, "fixture JSON: %s\n%s\n", err.msg, text);
    exit(2);
  }
  return v;
}

/* A factory from a JSON array of {"kind": "dataset"|"linkedService",
 * "name", "properties"} documents. */
static inline Factory *fx_factory(const char *json)
{
  Value *arr = fx_json(json);
  Factory *f = xcalloc(1, sizeof *f);
  f->global_parameters = val_object_new();
  size_t n = val_array_len(arr);
  f->resources = xcalloc(n ? n : 1, sizeof *f->resources);
  for (size_t i = 0; i < n; i++) {
    const Value *d = val_array_peek(arr, i);
    Resource *r = xcalloc(1, sizeof *r);
    const char *kind = val_str(val_object_peek(d, "kind"));
    r->kind = strcmp(kind, "dataset") == 0 ? RES_DATASET : RES_LINKED_SERVICE;
    r->name = xstrdup(val_str(val_object_peek(d, "name")));
    r->raw = val_ref(d);
    f->resources[f->n_resources++] = r;
  }
  val_unref(arr);
  return f;
}

typedef struct FxSecrets {
  char seen[8][256];
  int n;
} FxSecrets;

static inline void fx_secret_cb(void *ud, const char *s)
{
  FxSecrets *fs = ud;
  if (fs && fs->n < 8)
    snprintf(fs->seen[fs->n++], 256, "%s", s);
}

/* Resolves {"referenceName": name, "parameters": params-json}. */
static inline Value *fx_resolve(Factory *f, const char *name,
                                const char *params, FxSecrets *secrets,
                                Err *err)
{
  StrBuf sb;
  sb_init(&sb);
  sb_printf(&sb, "{\"referenceName\": \"%s\", \"type\": \"DatasetReference\"",
            name);
  if (params)
    sb_printf(&sb, ", \"parameters\": %s", params);
  sb_puts(&sb, "}");
  Value *ref = fx_json(sb.s);
  sb_fini(&sb);
  Value *spec = ds_resolve(f, ref, NULL, fx_secret_cb, secrets, err);
  val_unref(ref);
  return spec;
}

/* Builds and runs a Copy job: source/sink datasets (with parameters as
 * JSON text or NULL), source and sink typeProperties and the rest of the
 * job as JSON text.  Returns the output or NULL with *err set. */
static inline Value *fx_copy(Factory *f, const char *src,
                             const char *src_params, const char *sink,
                             const char *sink_params, const char *source_tp,
                             const char *sink_tp, const char *extra, Err *err)
{
  Value *s = fx_resolve(f, src, src_params, NULL, err);
  Value *d = s ? fx_resolve(f, sink, sink_params, NULL, err) : NULL;
  if (!s || !d) {
    val_unref(s);
    val_unref(d);
    return NULL;
  }
  Value *job = fx_json(extra ? extra : "{}");
  Value *sc = val_copy(s), *dc = val_copy(d);
  val_object_set_take(sc, "settings", 8, fx_json(source_tp ? source_tp : "{}"));
  val_object_set_take(dc, "settings", 8, fx_json(sink_tp ? sink_tp : "{}"));
  val_object_set_take(job, "source", 6, sc);
  val_object_set_take(job, "sink", 4, dc);
  /* Round-trip through JSON text, exactly as the worker thread sees it. */
  char *text = val_to_json_str(job);
  Value *again = fx_json(text);
  free(text);
  atomic_int cancel = 0;
  Value *out = dataop_copy(again, &cancel, err);
  val_unref(again);
  val_unref(job);
  val_unref(s);
  val_unref(d);
  return out;
}

static inline int64_t fx_int(const Value *out, const char *key)
{
  const Value *v = out ? val_object_peek(out, key) : NULL;
  return v && val_kind(v) == VAL_INT ? val_get_int(v) : -1;
}

#endif /* TESTS_UNIT_DATA_FIXTURE_H */
