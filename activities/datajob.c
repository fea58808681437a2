/*
 * activities/datajob.c -- worker threads for data operations, and the
 *                         engine's "datajobs" IoDriver
 *
 * Each job owns one thread.  The thread parses the job text into its own
 * Values, runs the operation, and leaves the output as JSON text; the
 * loop thread rebuilds it.  The driver keeps the list of jobs started by
 * runs; wait() sleeps on a condition variable until one ends and then
 * wakes its run.  All fields shared with the thread are behind 'mu' or
 * atomic.
 */
#include "activities/datajob.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "expr/json.h"
#include "expr/strbuf.h"

typedef struct Driver Driver;

struct DataJob {
  pthread_t th;
  DataOpFn fn;
  char *job_text; /* owned; read by the thread only */
  char *out_text; /* owned; written by the thread before 'done' */
  Err err;        /* written by the thread before 'done' */
  atomic_int cancel;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  bool done; /* under mu */
  /* Engine side (loop thread only, except 'ready' under drv->mu). */
  ActRun *run;
  Driver *drv;
  bool ready, delivered;
  DataJob *next;
};

struct Driver {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  DataJob *jobs; /* jobs of live runs, under mu */
  int n_ready;   /* finished and not yet delivered, under mu */
};

/* ---- The thread --------------------------------------------------------- */

static void *job_main(void *arg)
{
  DataJob *j = arg;
  Err err = ERR_INIT;
  Value *job = json_parse(j->job_text, strlen(j->job_text), NULL, &err);
  Value *out = job ? j->fn(job, &j->cancel, &err) : NULL;
  char *text = out ? val_to_json_str(out) : NULL;
  val_unref(out);
  val_unref(job);
  pthread_mutex_lock(&j->mu);
  j->out_text = text;
  j->err = err;
  j->done = true;
  pthread_cond_broadcast(&j->cv);
  pthread_mutex_unlock(&j->mu);
  Driver *d = j->drv;
  if (d) {
    pthread_mutex_lock(&d->mu);
    j->ready = true;
    d->n_ready++;
    pthread_cond_broadcast(&d->cv);
    pthread_mutex_unlock(&d->mu);
  }
  return NULL;
}

/* ---- The driver --------------------------------------------------------- */

static void *drv_create(Engine *eng)
{
  (void)eng;
  Driver *d = xcalloc(1, sizeof *d);
  pthread_mutex_init(&d->mu, NULL);
  pthread_cond_init(&d->cv, NULL);
  return d;
}

static bool drv_busy(void *ud)
{
  Driver *d = ud;
  pthread_mutex_lock(&d->mu);
  bool busy = false;
  for (DataJob *j = d->jobs; j && !busy; j = j->next)
    busy = !j->delivered;
  pthread_mutex_unlock(&d->mu);
  return busy;
}

static void drv_wait(void *ud, int timeout_ms)
{
  Driver *d = ud;
  ActRun *wake[64];
  size_t n = 0;
  pthread_mutex_lock(&d->mu);
  if (d->n_ready == 0 && timeout_ms > 0) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += timeout_ms / 1000;
    ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
      ts.tv_sec++;
      ts.tv_nsec -= 1000000000L;
    }
    while (d->n_ready == 0) {
      if (pthread_cond_timedwait(&d->cv, &d->mu, &ts) == ETIMEDOUT)
        break;
    }
  }
  for (DataJob *j = d->jobs; j && n < 64; j = j->next) {
    if (j->ready && !j->delivered) {
      j->delivered = true;
      d->n_ready--;
      wake[n++] = j->run;
    }
  }
  pthread_mutex_unlock(&d->mu);
  for (size_t i = 0; i < n; i++)
    act_wake(wake[i]);
}

static void drv_fini(void *ud)
{
  Driver *d = ud;
  pthread_mutex_destroy(&d->mu);
  pthread_cond_destroy(&d->cv);
  free(d);
}

static Driver *engine_datajobs(Engine *eng)
{
  static const IoDriver ops = {NULL, drv_busy, drv_wait, drv_fini};
  return engine_driver(eng, "datajobs", drv_create, &ops);
}

/* ---- Jobs --------------------------------------------------------------- */

DataJob *datajob_start(ActRun *run, DataOpFn fn, const Value *job)
{
  DataJob *j = xcalloc(1, sizeof *j);
  j->fn = fn;
  j->job_text = val_to_json_str(job);
  atomic_init(&j->cancel, 0);
  pthread_mutex_init(&j->mu, NULL);
  pthread_cond_init(&j->cv, NULL);
  err_init(&j->err);
  if (run) {
    j->run = run;
    j->drv = engine_datajobs(act_engine(run));
    pthread_mutex_lock(&j->drv->mu);
    j->next = j->drv->jobs;
    j->drv->jobs = j;
    pthread_mutex_unlock(&j->drv->mu);
  }
  if (pthread_create(&j->th, NULL, job_main, j) != 0) {
    fputs("adfrun: cannot start a worker thread\n", stderr);
    abort();
  }
  return j;
}

bool datajob_done(DataJob *j)
{
  pthread_mutex_lock(&j->mu);
  bool d = j->done;
  pthread_mutex_unlock(&j->mu);
  return d;
}

void datajob_wait(DataJob *j)
{
  pthread_mutex_lock(&j->mu);
  while (!j->done)
    pthread_cond_wait(&j->cv, &j->mu);
  pthread_mutex_unlock(&j->mu);
}

Value *datajob_result(DataJob *j, Err *err)
{
  datajob_wait(j);
  if (!j->out_text) {
    if (!err_is_set(err))
      *err = j->err;
    if (!err_is_set(err))
      err_set(err, ERR_INTERNAL, NULL, "data operation failed without a cause");
    return NULL;
  }
  return json_parse(j->out_text, strlen(j->out_text), NULL, err);
}

void datajob_cancel(DataJob *j)
{
  if (j)
    atomic_store(&j->cancel, 1);
}

void datajob_free(DataJob *j)
{
  if (!j)
    return;
  if (!datajob_done(j))
    datajob_cancel(j);
  pthread_join(j->th, NULL);
  if (j->drv) {
    Driver *d = j->drv;
    pthread_mutex_lock(&d->mu);
    for (DataJob **p = &d->jobs; *p; p = &(*p)->next) {
      if (*p == j) {
        *p = j->next;
        break;
      }
    }
    if (j->ready && !j->delivered)
      d->n_ready--;
    pthread_mutex_unlock(&d->mu);
  }
  pthread_mutex_destroy(&j->mu);
  pthread_cond_destroy(&j->cv);
  free(j->job_text);
  free(j->out_text);
  free(j);
}
