/*
 * bench/load.c -- how fast the whole shared corpus loads
 *
 * Loads every file of $ADF_SHARED/corpus/MANIFEST.tsv as its kind in one
 * process, five times, and prints the median wall time, files/s, the
 * JSON-parse share with and without a SrcMap, and peak RSS.  Target: the
 * whole corpus in well under 100 ms in a Release build.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "expr/json.h"
#include "interp/load.h"
#include "interp/load_extra.h"

#define RUNS 5

typedef struct Row {
  char *path;
  char *kind;
} Row;

static double now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(double *v)
{
  qsort(v, RUNS, sizeof(*v), cmp_double);
  return v[RUNS / 2];
}

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

/* Loads one file as its kind; returns false when it failed. */
static bool load_row(const Row *r)
{
  Err err = ERR_INIT;
  if (strncmp(r->kind, "pipeline", 8) == 0 ||
      strcmp(r->kind, "rest-example-pipeline") == 0) {
    Pipeline *p = load_pipeline_file(r->path, &err);
    pipeline_free(p);
    return p != NULL;
  }
  if (strcmp(r->kind, "arm-template") == 0) {
    Factory *f = load_arm_file(r->path, &err);
    factory_free(f);
    return f != NULL;
  }
  if (strcmp(r->kind, "rest-example") == 0) {
    Pipeline *out;
    Factory *f = load_any(r->path, &out, &err);
    factory_free(f);
    return true; /* may be refused; it is timed either way */
  }
  Resource *res = load_resource_file(r->path, kind_of_name(r->kind), &err);
  resource_free(res);
  return res != NULL;
}

int main(void)
{
  const char *shared = getenv("ADF_SHARED");
  char manifest[4096];
  snprintf(manifest, sizeof(manifest), "%s/corpus/MANIFEST.tsv",
           shared ? shared : "../shared");
  FILE *fp = fopen(manifest, "r");
  if (!fp) {
    printf("skipped: %s not found\n", manifest);
    return 0;
  }
  Row *rows = NULL;
  size_t n = 0;
  char line[8192];
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
    StrBuf sb;
    sb_init(&sb);
    sb_printf(&sb, "%s/corpus/%s", shared ? shared : "../shared", cols[0]);
    rows = realloc(rows, (n + 1) * sizeof(*rows));
    rows[n].path = sb_take(&sb);
    rows[n].kind = xstrdup(cols[6]);
    n++;
  }
  fclose(fp);

  /* whole loads */
  double t[RUNS];
  size_t failed = 0;
  for (int run = 0; run < RUNS; run++) {
    double t0 = now_ms();
    failed = 0;
    for (size_t i = 0; i < n; i++)
      failed += !load_row(&rows[i]);
    t[run] = now_ms() - t0;
  }
  double total = median(t);

  /* parse-only share, with and without a SrcMap (texts preloaded) */
  char **texts = calloc(n, sizeof(*texts));
  size_t *lens = calloc(n, sizeof(*lens)), bytes = 0;
  for (size_t i = 0; i < n; i++) {
    Err err = ERR_INIT;
    texts[i] = load_file_utf8(rows[i].path, &lens[i], &err);
    bytes += texts[i] ? lens[i] : 0;
  }
  double tp[RUNS], tm[RUNS];
  for (int run = 0; run < RUNS; run++) {
    for (int with_map = 0; with_map < 2; with_map++) {
      double t0 = now_ms();
      for (size_t i = 0; i < n; i++) {
        if (!texts[i])
          continue;
        Err err = ERR_INIT;
        SrcMap *m = with_map ? srcmap_new() : NULL;
        val_unref(json_parse(texts[i], lens[i], m, &err));
        srcmap_free(m);
      }
      (with_map ? tm : tp)[run] = now_ms() - t0;
    }
  }
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("files:            %zu (%zu failed), %.1f MB\n", n, failed,
         bytes / 1048576.0);
  printf("load (median/%d): %.1f ms, %.0f files/s\n", RUNS, total,
         total > 0 ? n / (total / 1e3) : 0.0);
  printf("json_parse only:  %.1f ms without SrcMap, %.1f ms with\n", median(tp),
         median(tm));
  printf("peak RSS:         %ld KB\n", ru.ru_maxrss);
  for (size_t i = 0; i < n; i++) {
    free(texts[i]);
    free(rows[i].path);
    free(rows[i].kind);
  }
  free(texts);
  free(lens);
  free(rows);
  return 0;
}
