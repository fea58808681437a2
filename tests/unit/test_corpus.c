/*
 * tests/unit/test_corpus.c -- every definition of the shared corpus loads
 *
 * Reads $ADF_SHARED/corpus/MANIFEST.tsv and loads each file as its kind:
 * git-integration pipelines, datasets, linked services, triggers, factory
 * files, data flows and integration runtimes must load; ARM templates
 * load as factories; Fabric, Synapse and REST examples load as pipelines.
 * The activity types the manifest lists must all be found by the model
 * walk (so nested lists are entered).  Then every factory folder loads.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "interp/load.h"
#include "interp/load_extra.h"
#include "tests/check.h"

typedef struct KindCount {
  const char *kind;
  int loaded, failed;
} KindCount;

static KindCount counts[32];
static size_t n_counts;

static void count(const char *kind, bool ok)
{
  size_t i;
  for (i = 0; i < n_counts; i++)
    if (strcmp(counts[i].kind, kind) == 0)
      break;
  if (i == n_counts) {
    if (n_counts == sizeof(counts) / sizeof(counts[0]))
      return;
    counts[n_counts++].kind = strdup(kind);
  }
  if (ok)
    counts[i].loaded++;
  else
    counts[i].failed++;
}

/* ---- Activity types found by the walk ------------------------------------ */

typedef struct Types {
  char buf[8192];
} Types;

static bool add_type(void *ud, const ActivityDef *a)
{
  Types *t = ud;
  size_t n = strlen(t->buf);
  snprintf(t->buf + n, sizeof(t->buf) - n, ",%s,", a->type);
  return true;
}

/* Every comma-separated type of 'want' was seen. */
static bool has_types(const Types *t, const char *want, char *missing,
                      size_t cap)
{
  char one[256];
  const char *p = want;
  missing[0] = '\0';
  while (*p) {
    const char *e = strchr(p, ',');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    if (n && n + 3 < sizeof(one)) {
      one[0] = ',';
      memcpy(one + 1, p, n);
      one[n + 1] = ',';
      one[n + 2] = '\0';
      if (!strstr(t->buf, one)) {
        snprintf(missing, cap, "%.*s", (int)n, p);
        return false;
      }
    }
    p += n;
    if (*p == ',')
      p++;
  }
  return true;
}

/* ---- One manifest row ---------------------------------------------------- */

static ResKind kind_of_name(const char *k)
{
  /* clang-format off */
  static const struct { const char *name; ResKind kind; } map[] = {
    {"dataset", RES_DATASET}, {"linkedService", RES_LINKED_SERVICE},
    {"trigger", RES_TRIGGER}, {"factory", RES_FACTORY},
    {"dataflow", RES_DATAFLOW},
    {"integrationRuntime", RES_INTEGRATION_RUNTIME},
  };
  /* clang-format on */
  for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
    if (strcmp(map[i].name, k) == 0)
      return map[i].kind;
  return RES_OTHER;
}

static void check_row(const char *path, const char *kind, const char *types)
{
  Err err = ERR_INIT;
  char missing[256];
  Types t;
  t.buf[0] = '\0';

  if (strcmp(kind, "pipeline") == 0 || strcmp(kind, "pipeline-synapse") == 0 ||
      strcmp(kind, "pipeline-fabric") == 0 ||
      strcmp(kind, "rest-example-pipeline") == 0) {
    Pipeline *p = load_pipeline_file(path, &err);
    CHECK(p != NULL, "%s (%s) must load", path, kind);
    count(kind, p != NULL);
    if (!p) {
      err_print(&err, stderr);
      return;
    }
    CHECK(p->name && p->name[0], "%s: pipeline has a name", path);
    pipeline_walk(p, add_type, &t);
    CHECK(has_types(&t, types, missing, sizeof(missing)),
          "%s: activity type '%s' not found by the walk", path, missing);
    pipeline_free(p);
    return;
  }
  if (strcmp(kind, "arm-template") == 0) {
    Factory *f = load_arm_file(path, &err);
    CHECK(f != NULL, "%s (ARM template) must load", path);
    count(kind, f != NULL);
    if (!f) {
      err_print(&err, stderr);
      return;
    }
    for (size_t i = 0; i < f->n_pipelines; i++)
      pipeline_walk(f->pipelines[i], add_type, &t);
    CHECK(has_types(&t, types, missing, sizeof(missing)),
          "%s: activity type '%s' not found in any pipeline", path, missing);
    factory_free(f);
    return;
  }
  if (strcmp(kind, "rest-example") == 0) {
    /* Not a git-integration file: it must not crash; loading it as
     * whatever it looks like is allowed to fail cleanly. */
    Pipeline *out;
    Factory *f = load_any(path, &out, &err);
    CHECK(f || err_is_set(&err), "%s: load_any reports", path);
    count(kind, f != NULL);
    factory_free(f);
    return;
  }
  ResKind want = kind_of_name(kind);
  CHECK(want != RES_OTHER, "%s: unknown manifest kind '%s'", path, kind);
  Resource *r = load_resource_file(path, want, &err);
  CHECK(r != NULL, "%s (%s) must load", path, kind);
  count(kind, r != NULL);
  if (!r) {
    err_print(&err, stderr);
    return;
  }
  CHECK(r->kind == want, "%s: kind %s", path, res_kind_name(r->kind));
  CHECK(load_detect_kind(r->raw, path) == want, "%s: detected as %s", path,
        res_kind_name(load_detect_kind(r->raw, path)));
  resource_free(r);
}

/* ---- Factory folders ----------------------------------------------------- */

static bool is_dir(const char *p)
{
  struct stat st;
  return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Every folder holding a pipeline/ folder named by the manifest is a
 * factory root: load each once. */
static void check_factories(const char *corpus, char **paths, size_t n)
{
  char *roots[256];
  size_t n_roots = 0;
  for (size_t i = 0; i < n; i++) {
    char *s = strstr(paths[i], "/pipeline/");
    if (!s)
      continue;
    StrBuf root;
    sb_init(&root);
    sb_printf(&root, "%s/%.*s", corpus, (int)(s - paths[i]), paths[i]);
    bool seen = false;
    for (size_t j = 0; j < n_roots; j++)
      if (strcmp(roots[j], root.s) == 0)
        seen = true;
    if (!seen && n_roots < 256 && is_dir(root.s))
      roots[n_roots++] = strdup(root.s);
    sb_fini(&root);
  }
  int ok = 0, pipes = 0, res = 0;
  for (size_t j = 0; j < n_roots; j++) {
    Err err = ERR_INIT;
    Factory *f = load_factory_dir(roots[j], &err);
    CHECK(f != NULL, "factory folder %s must load", roots[j]);
    if (!f) {
      err_print(&err, stderr);
    } else {
      ok++;
      pipes += (int)f->n_pipelines;
      res += (int)f->n_resources;
      CHECK(f->global_parameters != NULL, "%s: global parameters", roots[j]);
      /* load_any on one of its pipelines names that pipeline */
      if (f->n_pipelines) {
        Pipeline *out = NULL;
        Err e2 = ERR_INIT;
        Factory *g = load_any(f->pipelines[0]->file, &out, &e2);
        CHECK(g && out && strcmp(out->name, f->pipelines[0]->name) == 0,
              "%s: load_any names the pipeline", f->pipelines[0]->file);
        factory_free(g);
      }
      factory_free(f);
    }
    free(roots[j]);
  }
  printf("factory folders: %d of %zu loaded (%d pipelines, %d other "
         "resources)\n",
         ok, n_roots, pipes, res);
}

int main(void)
{
  const char *shared = getenv("ADF_SHARED");
  char corpus[4096], manifest[4200];
  snprintf(corpus, sizeof(corpus), "%s/corpus", shared ? shared : "../shared");
  snprintf(manifest, sizeof(manifest), "%s/MANIFEST.tsv", corpus);
  FILE *fp = fopen(manifest, "r");
  if (!fp) {
    printf("skipped: %s not found\n", manifest);
    CHECK(1, "skip");
    return CHECK_DONE();
  }
  char line[8192];
  char **paths = NULL;
  size_t n = 0;
  bool header = true;
  while (fgets(line, sizeof(line), fp)) {
    char *cols[8] = {0};
    size_t nc = 0;
    line[strcspn(line, "\r\n")] = '\0';
    if (header) {
      header = false;
      continue;
    }
    for (char *p = line; nc < 8;) {
      cols[nc++] = p;
      char *tab = strchr(p, '\t');
      if (!tab)
        break;
      *tab = '\0';
      p = tab + 1;
    }
    if (nc < 7)
      continue;
    char path[4096 + 512];
    snprintf(path, sizeof(path), "%s/%s", corpus, cols[0]);
    check_row(path, cols[6], cols[4]);
    paths = realloc(paths, (n + 1) * sizeof(*paths));
    paths[n++] = strdup(cols[0]);
  }
  fclose(fp);
  printf("corpus: %zu files\n", n);
  for (size_t i = 0; i < n_counts; i++) {
    printf("  %-22s %4d loaded %4d failed\n", counts[i].kind, counts[i].loaded,
           counts[i].failed);
    free((char *)counts[i].kind);
  }
  check_factories(corpus, paths, n);
  for (size_t i = 0; i < n; i++)
    free(paths[i]);
  free(paths);
  return CHECK_DONE();
}
