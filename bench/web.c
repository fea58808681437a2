/*
 * bench/web.c -- WebActivity throughput against a loopback server
 *
 * 1. ForEach batchCount 50 over 50 items, each a WebActivity whose server
 *    answers after 200 ms: the calls overlap on the curl multi driver, so
 *    the run should take about one delay (target < 0.5 s).
 * 2. 1,000 sequential WebActivity calls to a server answering at once,
 *    against the same 1,000 requests made by one `curl` command line
 *    (keep-alive both): adfrun's per-call cost should stay within 2x.
 * usage: bench_web [path/to/adfrun]   (default $ADFRUN, then ./adfrun)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/support/httpd.h"

static void handler(void *ud, const HttpdRequest *req, HttpdReply *rep)
{
  (void)ud;
  if (strncmp(req->target, "/slow", 5) == 0)
    rep->delay_ms = 200;
  httpd_reply(rep, 200, "application/json", "{\"ok\":true}");
}

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs argv with stdout/stderr to /dev/null; returns the exit status. */
static int run(const char *const *argv)
{
  fflush(stdout); /* or the child would print our buffered lines again */
  pid_t pid = fork();
  if (pid == 0) {
    if (!freopen("/dev/null", "w", stdout) ||
        !freopen("/dev/null", "w", stderr))
      _exit(126);
    execvp(argv[0], (char *const *)argv);
    _exit(127);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static bool write_file(const char *path, const char *text)
{
  FILE *f = fopen(path, "w");
  if (!f)
    return false;
  fputs(text, f);
  return fclose(f) == 0;
}

static char *pipeline(const char *url, int n, int batch, bool sequential)
{
  static char buf[2048];
  snprintf(buf, sizeof buf,
           "{\"name\":\"bench\",\"properties\":{\"activities\":[{\"name\":"
           "\"Each\",\"type\":\"ForEach\",\"typeProperties\":{\"items\":{"
           "\"value\":\"@range(1,%d)\",\"type\":\"Expression\"},"
           "\"isSequential\":%s,\"batchCount\":%d,\"activities\":[{\"name\":"
           "\"Call\",\"type\":\"WebActivity\",\"typeProperties\":{\"method\":"
           "\"GET\",\"url\":\"%s?i=@{item()}\"}}]}}]}}",
           n, sequential ? "true" : "false", batch, url);
  return buf;
}

int main(int argc, char **argv)
{
  const char *bin = argc > 1 ? argv[1] : getenv("ADFRUN");
  if (!bin)
    bin = "./adfrun";
  Httpd *h = httpd_start(handler, NULL, false);
  if (!h) {
    fputs("bench_web: cannot start the loopback server\n", stderr);
    return 1;
  }
  char url[128], dir[] = "/tmp/adfrun-bench-XXXXXX", p1[256], p2[256], cfg[256];
  if (!mkdtemp(dir))
    return 1;
  snprintf(p1, sizeof p1, "%s/fanout.json", dir);
  snprintf(p2, sizeof p2, "%s/sequential.json", dir);
  snprintf(cfg, sizeof cfg, "%s/curl.cfg", dir);

  snprintf(url, sizeof url, "%s/slow", httpd_url(h));
  write_file(p1, pipeline(url, 50, 50, false));
  const char *a1[] = {bin, "run", p1, NULL};
  double t0 = now_s();
  int rc = run(a1);
  double fan = now_s() - t0;
  printf("fan-out: 50 WebActivity calls, 200 ms each, batchCount 50: "
         "%.3f s (target < 0.5 s)%s\n",
         fan, rc ? " [run failed]" : "");

  snprintf(url, sizeof url, "%s/fast", httpd_url(h));
  write_file(p2, pipeline(url, 1000, 1, true));
  const char *a2[] = {bin, "run", p2, NULL};
  t0 = now_s();
  rc = run(a2);
  double seq = now_s() - t0;
  FILE *f = fopen(cfg, "w");
  for (int i = 1; f && i <= 1000; i++)
    fprintf(f, "url = \"%s?i=%d\"\noutput = \"/dev/null\"\n", url, i);
  if (f)
    fclose(f);
  const char *a3[] = {"curl", "-s", "-K", cfg, NULL};
  t0 = now_s();
  int crc = run(a3);
  double cur = now_s() - t0;
  printf("sequential: 1000 calls: adfrun %.3f s (%.3f ms/call)%s, curl CLI "
         "%.3f s (%.3f ms/call)%s, ratio %.2fx (target <= 2x)\n",
         seq, seq, rc ? " [run failed]" : "", cur, cur,
         crc ? " [curl failed]" : "", cur > 0 ? seq / cur : 0.0);
  unlink(p1);
  unlink(p2);
  unlink(cfg);
  rmdir(dir);
  httpd_stop(h);
  return 0;
}
