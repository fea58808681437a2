/*
 * bench/copy.c -- Copy throughput and memory: DelimitedText with a column
 *                 mapping, Binary beside `cp`, and Blob up/down (Azurite)
 *
 * Generates the data in a temp folder (deleted at the end), runs the real
 * dataop_copy() on it and prints MB/s and the peak RSS of this process.
 * Usage: bench_copy [MiB] (default 1024).  Part (c) runs when
 * ADF_BENCH_BLOB_ENDPOINT names a running Azurite blob endpoint
 * (http://127.0.0.1:<port>/devstoreaccount1).  Targets: (a) >= 200 MB/s,
 * (b) >= 80% of cp, peak RSS < 64 MB whatever the size.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

#include "activities/dataops.h"
#include "expr/json.h"
#include "expr/strbuf.h"

#define DEV_KEY                                                                \
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr"  \
  "/KBHBeksoGMGw=="

static char root[256];

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long peak_rss_mb(void)
{
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024;
}

/* Writes ~'mib' MiB of CSV: id,name,city,amount,note. */
static long long gen_csv(const char *path, long mib)
{
  FILE *f = fopen(path, "wb");
  if (!f) {
    perror(path);
    exit(1);
  }
  static const char *cities[] = {"Oslo", "Rome", "\"Paris, FR\"", "Lima"};
  char line[256];
  long long total = 0, target = (long long)mib * 1024 * 1024;
  fputs("id,name,city,amount,note\r\n", f);
  for (long long i = 0; total < target; i++) {
    int n = snprintf(line, sizeof line,
                     "%lld,customer-%lld,%s,%lld.%02lld,some free text for row "
                     "%lld\r\n",
                     i, i * 7, cities[i & 3], i % 100000, i % 100, i);
    fwrite(line, 1, (size_t)n, f);
    total += n;
  }
  fclose(f);
  return total;
}

static Value *spec(const char *kind_json, const char *type, const char *folder,
                   const char *file, const char *props)
{
  StrBuf sb;
  sb_init(&sb);
  sb_printf(&sb,
            "{\"dataset\": \"bench\", \"type\": \"%s\", \"linkedService\": "
            "\"ls\", \"linkedServiceType\": \"%s\", \"conn\": %s, "
            "\"folder\": \"%s\", \"file\": \"%s\", \"root\": \"\", "
            "\"props\": %s, \"settings\": {}}",
            type, strstr(kind_json, "blob") ? "AzureBlobStorage" : "FileServer",
            kind_json, folder, file, props);
  Err err = ERR_INIT;
  Value *v = json_parse(sb.s, sb.len, NULL, &err);
  sb_fini(&sb);
  return v;
}

static double run_copy(Value *src, Value *dst, const char *extra,
                       long long *bytes)
{
  Err err = ERR_INIT;
  Value *job = json_parse(extra, strlen(extra), NULL, &err);
  val_object_set_take(job, "source", 6, src);
  val_object_set_take(job, "sink", 4, dst);
  atomic_int cancel = 0;
  double t0 = now();
  Value *out = dataop_copy(job, &cancel, &err);
  double secs = now() - t0;
  if (!out) {
    fprintf(stderr, "copy failed: %s\n", err.msg);
    exit(1);
  }
  const Value *dr = val_object_peek(out, "dataRead");
  *bytes = dr ? val_get_int(dr) : 0;
  val_unref(out);
  val_unref(job);
  return secs;
}

int main(int argc, char **argv)
{
  long mib = argc > 1 ? atol(argv[1]) : 1024;
  const char *t = getenv("TMPDIR");
  snprintf(root, sizeof root, "%s/adfrun-bench-XXXXXX", t && *t ? t : "/tmp");
  if (!mkdtemp(root))
    return 1;
  char path[512], conn[600], cmd[1200];
  snprintf(path, sizeof path, "%s/in/data.csv", root);
  snprintf(cmd, sizeof cmd, "mkdir -p '%s/in'", root);
  if (system(cmd) != 0)
    return 1;
  snprintf(conn, sizeof conn, "{\"kind\": \"file\", \"root\": \"%s\"}", root);
  printf("generating %ld MiB of CSV in %s\n", mib, root);
  long long size = gen_csv(path, mib);
  const char *csv = "{\"firstRowAsHeader\": true}";

  /* (a) DelimitedText -> DelimitedText with a column mapping. */
  long long bytes;
  double s = run_copy(
      spec(conn, "DelimitedText", "in", "data.csv", csv),
      spec(conn, "DelimitedText", "out", "mapped.csv", csv),
      "{\"translator\": {\"type\": \"TabularTranslator\", \"mappings\": ["
      "{\"source\": {\"name\": \"city\"}, \"sink\": {\"name\": \"Town\"}},"
      "{\"source\": {\"name\": \"id\"}, \"sink\": {\"name\": \"Id\"}},"
      "{\"source\": {\"name\": \"amount\"}, \"sink\": {\"name\": \"Amount\"}},"
      "{\"source\": {\"name\": \"note\"}, \"sink\": {\"name\": \"Note\"}}]}}",
      &bytes);
  printf("(a) csv mapped  : %8.1f MB/s  (%lld bytes in %.2f s)  peak RSS %ld "
         "MB\n",
         (double)bytes / 1e6 / s, bytes, s, peak_rss_mb());

  /* (b) Binary beside cp. */
  s = run_copy(spec(conn, "Binary", "in", "data.csv", "{}"),
               spec(conn, "Binary", "out", "data.bin", "{}"), "{}", &bytes);
  snprintf(cmd, sizeof cmd, "cp '%s' '%s/out/cp.bin'", path, root);
  double t0 = now();
  if (system(cmd) != 0)
    return 1;
  double cp = now() - t0;
  printf("(b) binary      : %8.1f MB/s   cp: %8.1f MB/s  ratio %.0f%%  peak "
         "RSS %ld MB\n",
         (double)bytes / 1e6 / s, (double)size / 1e6 / cp, 100.0 * cp / s,
         peak_rss_mb());

  /* (c) 100 MB up to Blob and back. */
  const char *ep = getenv("ADF_BENCH_BLOB_ENDPOINT");
  if (ep && *ep) {
    char bconn[600];
    snprintf(bconn, sizeof bconn,
             "{\"kind\": \"blob\", \"endpoint\": \"%s\", \"account\": "
             "\"devstoreaccount1\", \"key\": \"%s\"}",
             ep, DEV_KEY);
    snprintf(path, sizeof path, "%s/in/hundred.bin", root);
    gen_csv(path, 100);
    s = run_copy(spec(conn, "Binary", "in", "hundred.bin", "{}"),
                 spec(bconn, "Binary", "bench", "hundred.bin", "{}"), "{}",
                 &bytes);
    printf("(c) up to blob  : %8.1f MB/s  peak RSS %ld MB\n",
           (double)bytes / 1e6 / s, peak_rss_mb());
    s = run_copy(spec(bconn, "Binary", "bench", "hundred.bin", "{}"),
                 spec(conn, "Binary", "down", "hundred.bin", "{}"), "{}",
                 &bytes);
    printf("(c) down        : %8.1f MB/s  peak RSS %ld MB\n",
           (double)bytes / 1e6 / s, peak_rss_mb());
  } else {
    printf("(c) skipped: set ADF_BENCH_BLOB_ENDPOINT to an Azurite blob "
           "endpoint\n");
  }
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
  return system(cmd) == 0 ? 0 : 1;
}
