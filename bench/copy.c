/*
 * bench/copy.c -- Copy throughput and memory: DelimitedText with a column
 *                 mapping, Binary beside `cp`, Blob up/down (Azurite) and
 *                 an HttpServer source streamed to a file
 *
 * Generates the data in a temp folder (deleted at the end), runs the real
 * dataop_copy() on it and prints MB/s and the peak RSS of this process
 * during each part (VmHWM, reset between parts through
 * /proc/self/clear_refs).  Usage: bench_copy [MiB] (default 1024).  Part
 * (c) runs when ADF_BENCH_BLOB_ENDPOINT names a running Azurite blob
 * endpoint (http://127.0.0.1:<port>/devstoreaccount1); part (d) serves
 * the generated file from a loopback thread.  Targets: (a) >= 200 MB/s,
 * (b) >= 80% of cp, peak RSS < 64 MB whatever the size.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* Peak RSS since the last reset_peak() (VmHWM), or of the whole process
 * when /proc cannot reset it. */
static long peak_rss_mb(void)
{
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long kb = -1;
  while (f && fgets(line, sizeof line, f))
    if (strncmp(line, "VmHWM:", 6) == 0)
      kb = atol(line + 6);
  if (f)
    fclose(f);
  if (kb < 0) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    kb = ru.ru_maxrss;
  }
  return kb / 1024;
}

static void reset_peak(void)
{
  FILE *f = fopen("/proc/self/clear_refs", "w");
  if (f) {
    fputs("5", f);
    fclose(f);
  }
}

/* ---- A loopback HTTP server for part (d) ------------------------------- */

typedef struct Serve {
  int lfd;
  const char *path; /* the file every request gets */
} Serve;

/* Answers requests one connection at a time, streaming the file from disk
 * in 64 KiB pieces (the server itself holds no copy). */
static void *serve_main(void *arg)
{
  Serve *sv = arg;
  for (;;) {
    int c = accept(sv->lfd, NULL, NULL);
    if (c < 0)
      return NULL;
    char req[4096];
    size_t got = 0;
    while (got < sizeof req - 1) {
      ssize_t n = read(c, req + got, sizeof req - 1 - got);
      if (n <= 0)
        break;
      got += (size_t)n;
      req[got] = '\0';
      if (strstr(req, "\r\n\r\n"))
        break;
    }
    int fd = open(sv->path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
      close(c);
      continue;
    }
    char head[256];
    int hn = snprintf(head, sizeof head,
                      "HTTP/1.1 200 OK\r\nContent-Length: %lld\r\n"
                      "Connection: close\r\n\r\n",
                      (long long)st.st_size);
    bool ok = write(c, head, (size_t)hn) == hn;
    static char buf[65536];
    ssize_t n;
    while (ok && (n = read(fd, buf, sizeof buf)) > 0)
      ok = write(c, buf, (size_t)n) == n;
    close(fd);
    close(c);
  }
}

/* Starts the server thread; returns its port or 0. */
static int serve_start(Serve *sv, pthread_t *th)
{
  struct sockaddr_in a = {0};
  socklen_t al = sizeof a;
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sv->lfd = socket(AF_INET, SOCK_STREAM, 0);
  if (sv->lfd < 0 || bind(sv->lfd, (struct sockaddr *)&a, sizeof a) != 0 ||
      listen(sv->lfd, 4) != 0 ||
      getsockname(sv->lfd, (struct sockaddr *)&a, &al) != 0)
    return 0;
  pthread_create(th, NULL, serve_main, sv);
  return ntohs(a.sin_port);
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
            type,
            strstr(kind_json, "\"kind\": \"http\"") ? "HttpServer"
            : strstr(kind_json, "blob")             ? "AzureBlobStorage"
                                                    : "FileServer",
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
  reset_peak();

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
  reset_peak();
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
    reset_peak();
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

  /* (d) HttpServer source (the whole generated file) -> local file. */
  snprintf(path, sizeof path, "%s/in/data.csv", root);
  Serve sv = {-1, path};
  pthread_t th;
  int port = serve_start(&sv, &th);
  if (port) {
    char hconn[200];
    snprintf(hconn, sizeof hconn,
             "{\"kind\": \"http\", \"url\": \"http://127.0.0.1:%d/\"}", port);
    reset_peak();
    s = run_copy(spec(hconn, "Binary", "", "data.csv", "{}"),
                 spec(conn, "Binary", "http", "data.bin", "{}"), "{}", &bytes);
    printf("(d) http source : %8.1f MB/s  (%lld bytes)  peak RSS %ld MB\n",
           (double)bytes / 1e6 / s, bytes, peak_rss_mb());
    shutdown(sv.lfd, SHUT_RDWR);
    close(sv.lfd);
    pthread_join(th, NULL);
  } else {
    printf("(d) skipped: cannot listen on 127.0.0.1\n");
  }
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
  return system(cmd) == 0 ? 0 : 1;
}
