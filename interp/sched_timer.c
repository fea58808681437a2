/*
 * interp/sched_timer.c -- pins, the FIFO ready queue and the timer heap
 *
 * Timers are ordered by (time, sequence) so equal times fire in the order
 * they were set.  A T_TIMEOUT timer does not pin its run: the run knows
 * its heap slot (timeout_pos) and removes it when the attempt ends.
 */
#include "interp/sched_int.h"

#include <stdlib.h>

#include "expr/strbuf.h"

void sched_actrun_free(ActRun *ar)
{
  val_unref(ar->input);
  val_unref(ar->output);
  free(ar);
}

void sched_unpin(ActRun *ar)
{
  if (--ar->pins == 0 && !ar->scope)
    sched_actrun_free(ar);
}

void sched_queue_push(Engine *eng, ActRun *ar)
{
  if (ar->queued && ar->queued_gen == ar->gen)
    return;
  if (eng->q_len == eng->q_cap) {
    size_t ncap = eng->q_cap ? eng->q_cap * 2 : 64, i;
    QEntry *nq = xmalloc(ncap * sizeof(QEntry));
    for (i = 0; i < eng->q_len; i++)
      nq[i] = eng->q[(eng->q_head + i) % eng->q_cap];
    free(eng->q);
    eng->q = nq;
    eng->q_head = 0;
    eng->q_cap = ncap;
  }
  eng->q[(eng->q_head + eng->q_len) % eng->q_cap] = (QEntry){ar, ar->gen};
  eng->q_len++;
  ar->queued = true;
  ar->queued_gen = ar->gen;
  ar->pins++;
}

static bool timer_less(const Timer *a, const Timer *b)
{
  return a->when < b->when || (a->when == b->when && a->seq < b->seq);
}

static void timer_place(Engine *eng, size_t i, Timer t)
{
  eng->t[i] = t;
  if (t.kind == T_TIMEOUT)
    t.run->timeout_pos = (long)i;
}

static void heap_up(Engine *eng, size_t i)
{
  Timer t = eng->t[i];

  while (i > 0) {
    size_t p = (i - 1) / 2;
    if (!timer_less(&t, &eng->t[p]))
      break;
    timer_place(eng, i, eng->t[p]);
    i = p;
  }
  timer_place(eng, i, t);
}

static void heap_down(Engine *eng, size_t i)
{
  Timer t = eng->t[i];

  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= eng->n_t)
      break;
    if (c + 1 < eng->n_t && timer_less(&eng->t[c + 1], &eng->t[c]))
      c++;
    if (!timer_less(&eng->t[c], &t))
      break;
    timer_place(eng, i, eng->t[c]);
    i = c;
  }
  timer_place(eng, i, t);
}

void sched_timer_push(Engine *eng, ActRun *ar, int64_t when, int kind)
{
  if (eng->n_t == eng->cap_t) {
    eng->cap_t = eng->cap_t ? eng->cap_t * 2 : 64;
    eng->t = xrealloc(eng->t, eng->cap_t * sizeof(Timer));
  }
  eng->t[eng->n_t] = (Timer){when, eng->t_seq++, ar, ar->gen, kind};
  if (kind != T_TIMEOUT)
    ar->pins++;
  heap_up(eng, eng->n_t++);
}

/* Removes the timer at heap index i (its pin is the caller's business). */
Timer sched_timer_remove_at(Engine *eng, size_t i)
{
  Timer t = eng->t[i];

  if (t.kind == T_TIMEOUT)
    t.run->timeout_pos = -1;
  eng->n_t--;
  if (i < eng->n_t) {
    timer_place(eng, i, eng->t[eng->n_t]);
    heap_down(eng, i);
    heap_up(eng, i);
  }
  return t;
}

/* True when the timer still addresses the live attempt. */
bool sched_timer_live(const Timer *t)
{
  const ActRun *ar = t->run;

  if (t->gen != ar->gen || !ar->scope)
    return false;
  return t->kind == T_RETRY ? !ar->active : ar->active;
}
