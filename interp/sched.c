/*
 * interp/sched.c -- the engine: lifetime, generator, listener, secrets,
 *                   I/O drivers and the run loop
 *
 * Invariant: everything runs on the caller's thread.  An ActRun is owned
 * by its Scope's node; timers and queue entries that still point at it
 * "pin" it, and a run whose scope was freed is freed when its last pin
 * goes.  Each attempt bumps ActRun.gen, so a timer or wake-up addressed
 * to an earlier attempt is recognised as stale and dropped.  The other
 * parts of the engine live in sched_*.c (see interp/sched_int.h).
 */
#include "interp/sched_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "expr/strbuf.h"
#include "interp/run.h"

const char *sched_status_name(RunStatus s)
{
  static const char *const names[] = {"Queued",  "InProgress", "Succeeded",
                                      "Failed",  "Skipped",    "Cancelled",
                                      "Inactive"};
  return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

static uint64_t splitmix(uint64_t *s)
{
  uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

uint64_t engine_random(Engine *eng)
{
  return splitmix(&eng->rng);
}

void engine_guid(Engine *eng, char *out)
{
  uint64_t a = splitmix(&eng->rng), b = splitmix(&eng->rng);

  a = (a & ~0xF000ULL) | 0x4000ULL;                        /* version 4 */
  b = (b & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL; /* variant */
  snprintf(out, 37, "%08llx-%04llx-%04llx-%04llx-%012llx",
           (unsigned long long)(a >> 32),
           (unsigned long long)(a >> 16 & 0xFFFF),
           (unsigned long long)(a & 0xFFFF), (unsigned long long)(b >> 48),
           (unsigned long long)(b & 0xFFFFFFFFFFFFULL));
}

void sched_emit(Engine *eng, EngEvent ev, const PipelineRun *r,
                const ActRun *ar)
{
  if (eng->listener)
    eng->listener(eng->listener_ud, ev, r, ar ? &r->rep.e[ar->rep] : NULL);
}

void sched_emit_entry(Engine *eng, EngEvent ev, const PipelineRun *r,
                      const RepEntry *e)
{
  if (eng->listener)
    eng->listener(eng->listener_ud, ev, r, e);
}

static const ActivityType *(*default_leaf_find)(const char *type);

void cli_set_leaf_lookup(const ActivityType *(*find)(const char *type))
{
  default_leaf_find = find;
}

Engine *engine_new(const EngineOptions *opt, Err *err)
{
  Engine *eng = xcalloc(1, sizeof(*eng));

  eng->clock = opt->clock;
  eng->rng = opt->seed;
  eng->max_iterations = opt->max_iterations > 0 ? opt->max_iterations
                                                : ENGINE_DEFAULT_MAX_ITERATIONS;
  eng->allow_network = opt->allow_network;
  eng->mock_doc = opt->mocks;
  eng->rewrites = opt->rewrites;
  eng->n_rewrites = opt->n_rewrites;
  eng->log = stderr;
  eng->leaf_find = default_leaf_find;
  eng->mocks = mock_new(opt->mocks, err);
  if (!eng->mocks) {
    free(eng);
    return NULL;
  }
  return eng;
}

void engine_free(Engine *eng)
{
  size_t i;

  if (!eng)
    return;
  /* Drop pins held by timers and the queue; orphans free themselves. */
  while (eng->q_len) {
    QEntry qe = eng->q[eng->q_head];
    eng->q_head = (eng->q_head + 1) % eng->q_cap;
    eng->q_len--;
    sched_unpin(qe.run);
  }
  for (i = 0; i < eng->n_t; i++)
    if (eng->t[i].kind != T_TIMEOUT)
      sched_unpin(eng->t[i].run);
    else
      eng->t[i].run->timeout_pos = -1;
  free(eng->q);
  free(eng->t);
  for (i = 0; i < eng->n_drv; i++) {
    if (eng->drv[i].d.fini)
      eng->drv[i].d.fini(eng->drv[i].d.ud);
    free(eng->drv[i].key);
  }
  free(eng->drv);
  for (i = 0; i < eng->n_plans; i++)
    sched_plan_free(eng->plans[i]);
  free(eng->plans);
  for (i = 0; i < eng->cap_ec; i++)
    if (eng->ec[i].key)
      expr_free(eng->ec[i].e);
  free(eng->ec);
  for (i = 0; i < eng->n_secrets; i++)
    free(eng->secrets[i]);
  free(eng->secrets);
  free(eng->tops);
  mock_free(eng->mocks);
  free(eng);
}

void engine_set_leaf_lookup(Engine *eng,
                            const ActivityType *(*find)(const char *type))
{
  eng->leaf_find = find;
}

void engine_set_leaf_types(Engine *eng, const ActivityType *const *rows,
                           size_t n)
{
  eng->leaf_rows = rows;
  eng->n_leaf_rows = n;
}

void engine_set_listener(Engine *eng, EngListener fn, void *ud)
{
  eng->listener = fn;
  eng->listener_ud = ud;
}

void engine_set_idle(Engine *eng, void (*fn)(void *ud), void *ud)
{
  eng->idle = fn;
  eng->idle_ud = ud;
}

void engine_set_log(Engine *eng, FILE *fp)
{
  eng->log = fp;
}

void engine_cancel(Engine *eng)
{
  eng->cancel_requested = 1;
}

Clock *engine_clock(Engine *eng)
{
  return &eng->clock;
}

const char *const *engine_secrets(const Engine *eng, size_t *n)
{
  *n = eng->n_secrets;
  return (const char *const *)eng->secrets;
}

void engine_add_secret(Engine *eng, const char *secret)
{
  size_t i;

  if (!secret || strlen(secret) < 4)
    return;
  for (i = 0; i < eng->n_secrets; i++)
    if (strcmp(eng->secrets[i], secret) == 0)
      return;
  eng->secrets = xrealloc(eng->secrets, (eng->n_secrets + 1) * sizeof(char *));
  eng->secrets[eng->n_secrets++] = xstrdup(secret);
}

const char *const *engine_rewrites(const Engine *eng, size_t *n)
{
  *n = eng->n_rewrites;
  return eng->rewrites;
}

long engine_max_iterations(const Engine *eng)
{
  return eng->max_iterations;
}

size_t engine_activity_runs(const Engine *eng)
{
  return eng->n_activity_runs;
}

void *engine_driver(Engine *eng, const char *key, void *(*create)(Engine *eng),
                    const IoDriver *ops)
{
  size_t i;

  for (i = 0; i < eng->n_drv; i++)
    if (strcmp(eng->drv[i].key, key) == 0)
      return eng->drv[i].d.ud;
  eng->drv = xrealloc(eng->drv, (eng->n_drv + 1) * sizeof(Driver));
  eng->drv[eng->n_drv].key = xstrdup(key);
  eng->drv[eng->n_drv].d = *ops;
  eng->drv[eng->n_drv].d.ud = create ? create(eng) : ops->ud;
  return eng->drv[eng->n_drv++].d.ud;
}

/* Cancels 'r' and every run it started.  Children matter on their own:
 * a fire-and-forget ExecutePipeline (waitOnCompletion false) child is not
 * reached through its caller, whose activity has already ended. */
static void cancel_tree(PipelineRun *r)
{
  size_t i;

  if (!r->done && r->root)
    sched_scope_cancel(r->root);
  for (i = 0; i < r->n_children; i++)
    cancel_tree(r->children[i]);
}

static void cancel_all(Engine *eng)
{
  size_t i;

  eng->cancelling = true;
  for (i = 0; i < eng->n_tops; i++)
    cancel_tree(eng->tops[i]);
}

void sched_register_top(Engine *eng, PipelineRun *r)
{
  eng->tops = xrealloc(eng->tops, (eng->n_tops + 1) * sizeof(*eng->tops));
  eng->tops[eng->n_tops++] = r;
}

void sched_run_started(Engine *eng)
{
  eng->live_runs++;
}

void sched_run_ended(Engine *eng)
{
  eng->live_runs--;
}

void sched_emit_run(Engine *eng, EngEvent ev, const PipelineRun *r)
{
  sched_emit(eng, ev, r, NULL);
}

static bool drivers_busy(Engine *eng)
{
  size_t i;
  for (i = 0; i < eng->n_drv; i++)
    if (eng->drv[i].d.busy && eng->drv[i].d.busy(eng->drv[i].d.ud))
      return true;
  return false;
}

static void drivers_wait(Engine *eng, int ms)
{
  size_t i;
  for (i = 0; i < eng->n_drv; i++)
    if (eng->drv[i].d.wait && eng->drv[i].d.busy &&
        eng->drv[i].d.busy(eng->drv[i].d.ud))
      eng->drv[i].d.wait(eng->drv[i].d.ud, ms);
}

/* Drops stale timers from the top of the heap. */
static void drop_stale(Engine *eng)
{
  while (eng->n_t && !sched_timer_live(&eng->t[0])) {
    Timer t = sched_timer_remove_at(eng, 0);
    if (t.kind != T_TIMEOUT)
      sched_unpin(t.run);
  }
}

bool engine_run(Engine *eng, Err *err)
{
  for (;;) {
    if (eng->cancel_requested && !eng->cancelling)
      cancel_all(eng);
    if (eng->q_len) {
      QEntry qe = eng->q[eng->q_head];
      ActRun *ar = qe.run;
      eng->q_head = (eng->q_head + 1) % eng->q_cap;
      eng->q_len--;
      if (ar->queued_gen == qe.gen)
        ar->queued = false;
      if (qe.gen == ar->gen && ar->active && ar->scope)
        sched_do_step(ar);
      sched_unpin(ar);
      continue;
    }
    if (eng->live_runs <= 0)
      return true;
    drop_stale(eng);
    {
      int64_t now = sched_now(eng);
      bool busy;
      if (eng->n_t && eng->t[0].when <= now) {
        sched_on_timer(sched_timer_remove_at(eng, 0));
        continue;
      }
      busy = drivers_busy(eng);
      if (eng->idle && (busy || eng->n_t))
        eng->idle(eng->idle_ud);
      if (busy) {
        int ms = 100;
        if (eng->n_t && !eng->clock.is_virtual) {
          int64_t d = (eng->t[0].when - now) / 10000;
          if (d < ms)
            ms = d < 0 ? 0 : (int)d;
        }
        drivers_wait(eng, ms);
        continue;
      }
      if (eng->n_t) {
        if (eng->clock.is_virtual) {
          clk_advance(&eng->clock, eng->t[0].when);
        } else {
          int64_t d = eng->t[0].when - now; /* ticks */
          struct timespec ts;
          if (d > 100 * 10000)
            d = 100 * 10000; /* wake at least every 100 ms for Ctrl-C */
          ts.tv_sec = d / TICKS_PER_SECOND;
          ts.tv_nsec = (long)(d % TICKS_PER_SECOND) * 100;
          nanosleep(&ts, NULL);
        }
        continue;
      }
      if (eng->cancel_requested && !eng->cancelling)
        continue;
      return err_set(err, ERR_INTERNAL, NULL,
                     "engine: %d pipeline run(s) still active but nothing "
                     "can make progress",
                     eng->live_runs);
    }
  }
}
