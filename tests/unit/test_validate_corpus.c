/*
 * tests/unit/test_validate_corpus.c -- the validator on real definitions
 *
 * Validates every file of $ADF_SHARED/corpus (MANIFEST.tsv) one at a time
 * without reference checks (the corpus holds partial extracts of
 * factories), and the two complete factories it names as folders with
 * reference checks.  Every finding must be listed in
 * tests/validate/corpus-expect.txt with the reason it is a real defect;
 * every listed finding must still be found.  Skips when the corpus is
 * absent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../check.h"
#include "interp/validate.h"

/* Factories complete enough for reference checks (corpus README). */
static const char *const complete[] = {
    "justanalytics__EPS-Datalake/adf",
    "AndreyQC__UNStatistic.ADF",
};
#define N_COMPLETE (sizeof(complete) / sizeof(complete[0]))

typedef struct Expect {
  char *key; /* "path:line:col RULE" */
  bool found;
} Expect;

static Expect *expects;
static size_t n_expects;

static void load_expects(const char *path)
{
  FILE *fp = fopen(path, "r");
  CHECK(fp != NULL, "cannot open %s", path);
  if (!fp)
    return;
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  while ((len = getline(&line, &cap, fp)) > 0) {
    if (line[0] == '#' || line[0] == '\n')
      continue;
    char *sep = strstr(line, " -- ");
    CHECK(sep != NULL, "%s: entry without ' -- reason': %s", path, line);
    if (!sep)
      continue;
    CHECK(strlen(sep + 4) > 10, "%s: reason too short: %s", path, line);
    *sep = '\0';
    expects = realloc(expects, (n_expects + 1) * sizeof(*expects));
    expects[n_expects].key = strdup(line);
    expects[n_expects].found = false;
    n_expects++;
  }
  free(line);
  fclose(fp);
}

static bool under(const char *rel, const char *dir)
{
  size_t n = strlen(dir);
  return strncmp(rel, dir, n) == 0 && rel[n] == '/';
}

static void account(const FindingList *fl, size_t from, const char *corpus)
{
  size_t cl = strlen(corpus);
  for (size_t i = from; i < fl->n; i++) {
    const Finding *f = &fl->v[i];
    const char *rel = f->file ? f->file : "";
    if (strncmp(rel, corpus, cl) == 0 && rel[cl] == '/')
      rel += cl + 1;
    char key[1200];
    snprintf(key, sizeof(key), "%s:%d:%d %s", rel, f->line, f->col,
             validate_rule(f->rule)->code);
    bool ok = false;
    for (size_t k = 0; k < n_expects; k++)
      if (strcmp(expects[k].key, key) == 0) {
        expects[k].found = true;
        ok = true;
      }
    CHECK(ok, "unexplained finding: %s -- %s", key, f->msg);
  }
}

int main(void)
{
  const char *shared = getenv("ADF_SHARED");
  char corpus[1024], manifest[1100];
  snprintf(corpus, sizeof(corpus), "%s/corpus", shared ? shared : "../shared");
  snprintf(manifest, sizeof(manifest), "%s/MANIFEST.tsv", corpus);
  struct stat st;
  if (stat(manifest, &st) != 0) {
    printf("skipped: no corpus at %s\n", corpus);
    return CHECK_DONE();
  }
  load_expects("tests/validate/corpus-expect.txt");

  FILE *fp = fopen(manifest, "r");
  CHECK(fp != NULL, "cannot open %s", manifest);
  if (!fp)
    return CHECK_DONE();
  VOptions opt;
  validate_options_init(&opt);
  opt.refs = VREF_OFF;
  FindingList fl;
  findings_init(&fl);
  char *line = NULL;
  size_t cap = 0, n_files = 0;
  bool header = true;
  while (getline(&line, &cap, fp) > 0) {
    if (header) {
      header = false;
      continue;
    }
    char *tab = strchr(line, '\t');
    if (!tab)
      continue;
    *tab = '\0';
    bool skip = false;
    for (size_t i = 0; i < N_COMPLETE; i++)
      skip |= under(line, complete[i]);
    if (skip)
      continue;
    char path[2048];
    snprintf(path, sizeof(path), "%s/%s", corpus, line);
    Err err = ERR_INIT;
    size_t before = fl.n;
    if (!validate_path(path, &opt, &fl, &err))
      CHECK(false, "%s: cannot be loaded: %s", line, err.msg);
    account(&fl, before, corpus);
    n_files++;
  }
  free(line);
  fclose(fp);

  opt.refs = VREF_ON;
  for (size_t i = 0; i < N_COMPLETE; i++) {
    char path[2048];
    snprintf(path, sizeof(path), "%s/%s", corpus, complete[i]);
    Err err = ERR_INIT;
    size_t before = fl.n;
    CHECK(validate_path(path, &opt, &fl, &err), "%s: %s", path, err.msg);
    account(&fl, before, corpus);
  }
  for (size_t k = 0; k < n_expects; k++) {
    CHECK(expects[k].found, "expected finding not reported any more: %s",
          expects[k].key);
    free(expects[k].key);
  }
  free(expects);
  printf("corpus: %zu manifest files + %zu factories, %zu definition files "
         "checked, %zu findings (%zu errors)\n",
         n_files, N_COMPLETE, fl.n_files, fl.n,
         findings_count_at_least(&fl, VSEV_ERROR));
  findings_fini(&fl);
  return CHECK_DONE();
}
