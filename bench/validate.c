/*
 * bench/validate.c -- how fast `adfrun validate` checks the whole corpus
 *
 * Validates every file of $ADF_SHARED/corpus/MANIFEST.tsv (one at a time,
 * no reference checks, as tests/unit/test_validate_corpus.c does) plus
 * the complete factories as folders, in one process, five times; prints
 * the median wall time, files per second and the finding count.  The
 * target is under 300 ms for the whole corpus in a Release build.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "interp/validate.h"

#define RUNS 5

static double now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
  const char *shared = argc > 1 ? argv[1] : getenv("ADF_SHARED");
  char corpus[1024], manifest[1100];
  snprintf(corpus, sizeof(corpus), "%s/corpus", shared ? shared : "../shared");
  snprintf(manifest, sizeof(manifest), "%s/MANIFEST.tsv", corpus);
  FILE *fp = fopen(manifest, "r");
  if (!fp) {
    printf("skipped: no corpus at %s\n", corpus);
    return 0;
  }
  char **files = NULL, *line = NULL;
  size_t n = 0, cap = 0;
  bool header = true;
  while (getline(&line, &cap, fp) > 0) {
    char *tab = strchr(line, '\t');
    if (header || !tab) {
      header = false;
      continue;
    }
    *tab = '\0';
    size_t len = strlen(corpus) + strlen(line) + 2;
    files = realloc(files, (n + 1) * sizeof(*files));
    files[n] = malloc(len);
    snprintf(files[n], len, "%s/%s", corpus, line);
    n++;
  }
  free(line);
  fclose(fp);

  double ms[RUNS];
  size_t n_findings = 0, n_checked = 0;
  for (int r = 0; r < RUNS; r++) {
    VOptions opt;
    validate_options_init(&opt);
    opt.refs = VREF_OFF;
    FindingList fl;
    findings_init(&fl);
    double t0 = now_ms();
    for (size_t i = 0; i < n; i++) {
      Err err = ERR_INIT;
      validate_path(files[i], &opt, &fl, &err);
    }
    opt.refs = VREF_ON;
    static const char *const complete[] = {"justanalytics__EPS-Datalake/adf",
                                           "AndreyQC__UNStatistic.ADF"};
    for (size_t i = 0; i < 2; i++) {
      char path[1200];
      Err err = ERR_INIT;
      snprintf(path, sizeof(path), "%s/%s", corpus, complete[i]);
      validate_path(path, &opt, &fl, &err);
    }
    ms[r] = now_ms() - t0;
    n_findings = fl.n;
    n_checked = fl.n_files;
    findings_fini(&fl);
  }
  qsort(ms, RUNS, sizeof(ms[0]), cmp_double);
  double med = ms[RUNS / 2];
  printf("validate: %zu files (%zu definitions) in %.1f ms median of %d "
         "(min %.1f, max %.1f): %.0f files/s, %zu findings\n",
         n, n_checked, med, RUNS, ms[0], ms[RUNS - 1],
         med > 0 ? (double)n_checked * 1000.0 / med : 0.0, n_findings);
  for (size_t i = 0; i < n; i++)
    free(files[i]);
  free(files);
  return 0;
}
