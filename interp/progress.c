/*
 * interp/progress.c -- human output of `adfrun run`: one line per activity
 *                      event and a final summary line, on stderr
 *
 * On a terminal lines are coloured (unless NO_COLOR/--no-color) and each
 * finished activity shows status, duration and iteration; when stderr is
 * not a terminal the same lines are written plain.  --quiet keeps only the
 * summary.  Durations are engine-clock durations (virtual under
 * --clock virtual).
 */
#include "interp/sched.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "interp/report.h"
#include "interp/run.h"

struct Progress {
  FILE *out;
  bool quiet, color;
  size_t n_ok, n_failed, n_skipped, n_cancelled;
};

Progress *progress_new(FILE *out, bool quiet, bool color)
{
  Progress *p = xcalloc(1, sizeof(*p));

  p->out = out;
  p->quiet = quiet;
  p->color = color;
  return p;
}

void progress_free(Progress *p)
{
  free(p);
}

static const char *paint(const Progress *p, RunStatus st)
{
  if (!p->color)
    return "";
  switch (st) {
  case RS_SUCCEEDED:
    return "\033[32m";
  case RS_FAILED:
  case RS_CANCELLED:
    return "\033[31m";
  case RS_SKIPPED:
  case RS_INACTIVE:
    return "\033[90m";
  default:
    return "\033[36m";
  }
}

static void duration(int64_t ticks, char *buf, size_t cap)
{
  double s = (double)ticks / TICKS_PER_SECOND;

  if (s < 1)
    snprintf(buf, cap, "%.0fms", s * 1000);
  else if (s < 120)
    snprintf(buf, cap, "%.1fs", s);
  else {
    long m = (long)(s / 60);
    snprintf(buf, cap, "%ldm%02lds", m, (long)s - m * 60);
  }
}

void progress_listener(void *ud, EngEvent ev, const PipelineRun *run,
                       const struct RepEntry *e)
{
  Progress *p = ud;
  const char *reset = p->color ? "\033[0m" : "";
  const char *indent = run->parent ? "    " : "  ";
  char it[32] = "", dur[32];

  if (e && e->iteration)
    snprintf(it, sizeof(it), " #%d", e->iteration);
  if (ev == EV_ACT_END || ev == EV_ACT_SKIPPED) {
    if (e->status == RS_SUCCEEDED)
      p->n_ok++;
    else if (e->status == RS_FAILED)
      p->n_failed++;
    else if (e->status == RS_CANCELLED)
      p->n_cancelled++;
    else if (e->status == RS_SKIPPED)
      p->n_skipped++;
  }
  if (p->quiet)
    return;
  switch (ev) {
  case EV_RUN_START:
    fprintf(p->out, "%s%s pipeline '%s' run %s%s\n", p->color ? "\033[1m" : "",
            run->parent ? "  child" : "run", run->pl->name, run->run_id, reset);
    break;
  case EV_ACT_START:
    fprintf(p->out, "%s%s%-10s%s %s%s%s\n", indent, paint(p, RS_IN_PROGRESS),
            "started", reset, e->def->name, it,
            e->retry_attempt ? " (retry)" : "");
    break;
  case EV_ACT_END:
    duration(e->end - e->start, dur, sizeof(dur));
    fprintf(p->out, "%s%s%-10s%s %s%s  %s%s%s\n", indent,
            paint(p, (RunStatus)e->status),
            sched_status_name((RunStatus)e->status), reset, e->def->name, it,
            dur, e->has_error ? ": " : "", e->has_error ? e->err_msg : "");
    break;
  case EV_ACT_SKIPPED:
    fprintf(p->out, "%s%s%-10s%s %s%s\n", indent,
            paint(p, (RunStatus)e->status),
            sched_status_name((RunStatus)e->status), reset, e->def->name, it);
    break;
  case EV_RUN_END:
    break;
  }
  fflush(p->out);
}

void progress_summary(Progress *p, const PipelineRun *run)
{
  const char *reset = p->color ? "\033[0m" : "";
  char dur[32];

  duration(run->end - run->start, dur, sizeof(dur));
  fprintf(p->out,
          "%s%s%s: pipeline '%s' in %s (%zu succeeded, %zu failed, "
          "%zu skipped, %zu cancelled)%s%s\n",
          paint(p, run->status), sched_status_name(run->status), reset,
          run->pl->name, dur, p->n_ok, p->n_failed, p->n_skipped,
          p->n_cancelled, run->message && *run->message ? ": " : "",
          run->message ? run->message : "");
  fflush(p->out);
}
