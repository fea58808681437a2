/*
 * interp/validate_graph.c -- names and the dependency graph of a pipeline
 *
 * Activity names, duplicates, dependsOn targets and scopes, cycles,
 * container nesting, and the outcome analysis behind "never runs": each
 * activity gets the set of outcomes (Succeeded, Failed, Skipped) it can
 * end with, computed in dependency order assuming upstream outcomes are
 * independent, so "cannot run" is only reported when no combination of
 * upstream outcomes lets it run.  Also fills the predecessor bitsets the
 * expression checks use for activity('X').
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "interp/schema.h"
#include "interp/validate_impl.h"

#define BIT_SET(row, j) ((row)[(j) / 64] |= (uint64_t)1 << ((j) % 64))
#define BIT_GET(row, j) (((row)[(j) / 64] >> ((j) % 64)) & 1)

static const char forbidden_chars[] = ".+?/<>*%&:\\";

/* Code points of a UTF-8 string. */
static size_t utf8_len(const char *s)
{
  size_t n = 0;
  for (; *s; s++)
    if (((unsigned char)*s & 0xC0) != 0x80)
      n++;
  return n;
}

/* Checks an ADF object name; returns a static reason or NULL when fine. */
static const char *name_problem(const char *name, size_t max, char *bad)
{
  if (!*name)
    return "is empty";
  if (utf8_len(name) > max)
    return "is too long";
  unsigned char c0 = (unsigned char)name[0];
  if (!(c0 >= 0x80 || c0 == '_' || (c0 >= '0' && c0 <= '9') ||
        (c0 >= 'a' && c0 <= 'z') || (c0 >= 'A' && c0 <= 'Z')))
    return "must start with a letter, a number or '_'";
  for (const char *p = name; *p; p++)
    if (strchr(forbidden_chars, *p)) {
      *bad = *p;
      return "contains a forbidden character";
    }
  return NULL;
}

/* Emits a name finding for 'name' of rule 'rule' at 'path'. */
static void check_name(VCtx *c, VRuleId rule, const char *what,
                       const char *name, size_t max, const char *path)
{
  char bad = 0;
  const char *why = name_problem(name, max, &bad);
  if (!why)
    return;
  if (bad)
    v_emit(c, rule, path, -1, NULL,
           "%s name '%s' contains '%c' (not allowed: . + ? / < > * %% & : \\)",
           what, name, bad);
  else if (strcmp(why, "is too long") == 0)
    v_emit(c, rule, path, -1, NULL,
           "%s name '%s' is %zu characters long (at most %zu)", what, name,
           utf8_len(name), max);
  else
    v_emit(c, rule, path, -1, NULL, "%s name '%s' %s", what, name, why);
}

void v_check_pipeline_name(VCtx *c)
{
  if (c->p->name && c->dialect != VD_FABRIC)
    check_name(c, VR_PIPELINE_NAME, "pipeline", c->p->name, 140, "name");
}

static bool is_type(const ActivityDef *a, const char *t)
{
  return a->type && strcasecmp(a->type, t) == 0;
}

static bool is_loop(const ActivityDef *a)
{
  return is_type(a, "ForEach") || is_type(a, "Until");
}

static bool is_branch(const ActivityDef *a)
{
  return is_type(a, "IfCondition") || is_type(a, "Switch");
}

static void check_names_and_nesting(VCtx *c)
{
  StrBuf sb;
  sb_init(&sb);
  for (size_t i = 0; i < c->n_acts; i++) {
    const ActivityDef *a = c->acts[i].a;
    v_path_key(&sb, a->path, "name");
    check_name(c, VR_ACTIVITY_NAME, "activity", a->name, 55, sb.s);
    int first = v_find(c, a->name, strlen(a->name));
    if (first >= 0 && (size_t)first != i) {
      const ActivityDef *f = c->acts[first].a;
      if (f->line)
        v_emit(c, VR_DUPLICATE_NAME, sb.s, -1, NULL,
               "activity name '%s' is already used at line %d (names are "
               "unique pipeline-wide, nested activities included)",
               a->name, f->line);
      else
        v_emit(c, VR_DUPLICATE_NAME, sb.s, -1, NULL,
               "activity name '%s' is already used at %s", a->name, f->path);
    }
    /* Nesting rules (concepts-nested-activities.md): IfCondition and
     * Switch may sit in ForEach or Until but not in IfCondition or
     * Switch; ForEach and Until allow one level only; Validation cannot
     * be nested at all. */
    int par = c->acts[i].parent;
    if (par < 0)
      continue;
    const ActivityDef *pa = c->acts[par].a;
    v_path_key(&sb, a->path, "type");
    if (is_type(a, "Validation")) {
      v_emit(c, VR_NESTING, sb.s, -1, NULL,
             "Validation activity '%s' cannot be inside %s '%s' (use "
             "ExecutePipeline)",
             a->name, pa->type, pa->name);
    } else if (is_loop(a)) {
      v_emit(c, VR_NESTING, sb.s, -1, NULL,
             "%s '%s' cannot be inside %s '%s': ForEach and Until allow one "
             "level of nesting (use ExecutePipeline)",
             a->type, a->name, pa->type, pa->name);
    } else if (is_branch(a)) {
      for (int k = par; k >= 0; k = c->acts[k].parent)
        if (is_branch(c->acts[k].a)) {
          v_emit(c, VR_NESTING, sb.s, -1, NULL,
                 "%s '%s' cannot be inside %s '%s' (use ExecutePipeline)",
                 a->type, a->name, c->acts[k].a->type, c->acts[k].a->name);
          break;
        }
    }
  }
  sb_fini(&sb);
}

/* ---- dependsOn ------------------------------------------------------------
 */

/* Index of dependency target, -1 when it does not resolve in scope. */
static int dep_target(const VCtx *c, size_t i, const Dependency *d)
{
  int j = d->activity ? v_find(c, d->activity, strlen(d->activity)) : -1;
  if (j < 0 || (size_t)j == i || c->acts[j].scope != c->acts[i].scope)
    return -1;
  return j;
}

static void check_deps(VCtx *c)
{
  StrBuf sb;
  sb_init(&sb);
  for (size_t i = 0; i < c->n_acts; i++) {
    const ActivityDef *a = c->acts[i].a;
    for (size_t k = 0; k < a->n_deps; k++) {
      const Dependency *d = &a->deps[k];
      v_path_key(&sb, d->path, "activity");
      const char *up = d->activity ? d->activity : "";
      int j = v_find(c, up, strlen(up));
      if (j < 0) {
        v_emit(c, VR_DEPENDS_MISSING, sb.s, -1, NULL,
               "'%s' depends on '%s', which does not exist in this pipeline",
               a->name, up);
        c->graph_ok = false;
      } else if ((size_t)j == i) {
        v_emit(c, VR_CYCLE, sb.s, -1, NULL, "'%s' depends on itself", a->name);
        c->graph_ok = false;
      } else if (c->acts[j].scope != c->acts[i].scope) {
        const ActivityDef *ua = c->acts[j].a;
        int pi = c->acts[i].parent, pj = c->acts[j].parent;
        v_emit(c, VR_DEPENDS_SCOPE, sb.s, -1, NULL,
               "'%s' (%s%s%s) depends on '%s' (%s%s%s): dependencies cannot "
               "cross a container boundary",
               a->name, pi >= 0 ? "inside '" : "at the top level",
               pi >= 0 ? c->acts[pi].a->name : "", pi >= 0 ? "'" : "", ua->name,
               pj >= 0 ? "inside '" : "at the top level",
               pj >= 0 ? c->acts[pj].a->name : "", pj >= 0 ? "'" : "");
        c->graph_ok = false;
      }
      if (d->conds == 0) {
        v_path_key(&sb, d->path, "dependencyConditions");
        v_emit(c, VR_STRUCTURE, sb.s, -1, NULL,
               "dependency of '%s' on '%s' has no condition", a->name, up);
      } else if ((d->conds & DEP_COMPLETED) &&
                 (d->conds & (DEP_SUCCEEDED | DEP_FAILED))) {
        v_path_key(&sb, d->path, "dependencyConditions");
        v_emit(c, VR_COMPLETED_MIX, sb.s, -1, NULL,
               "dependency of '%s' on '%s' combines Completed with %s: "
               "Completed already means Succeeded or Failed",
               a->name, up,
               (d->conds & DEP_SUCCEEDED) ? "Succeeded" : "Failed");
      }
    }
  }
  sb_fini(&sb);
}

/* ---- Cycles, predecessors, outcomes -------------------------------------- */

typedef struct GWalk {
  VCtx *c;
  unsigned char *color; /* 0 new, 1 on stack, 2 done */
  int *stack;
  size_t depth;
  bool *in_cycle;
} GWalk;

static unsigned cond_set(unsigned conds)
{
  unsigned s = 0;
  if (conds & DEP_SUCCEEDED)
    s |= VOUT_S;
  if (conds & DEP_FAILED)
    s |= VOUT_F;
  if (conds & DEP_SKIPPED)
    s |= VOUT_K;
  if (conds & DEP_COMPLETED)
    s |= VOUT_S | VOUT_F;
  return s;
}

static unsigned mark_outcome(const char *mark)
{
  if (mark && strcasecmp(mark, "Failed") == 0)
    return VOUT_F;
  if (mark && strcasecmp(mark, "Skipped") == 0)
    return VOUT_K;
  return VOUT_S;
}

static void report_cycle(GWalk *w, int from, int to)
{
  VCtx *c = w->c;
  StrBuf chain, path;
  sb_init(&chain);
  sb_init(&path);
  size_t k = w->depth;
  while (k > 0 && w->stack[k - 1] != to)
    k--;
  if (k > 0)
    k--;
  for (size_t m = k; m < w->depth; m++) {
    sb_printf(&chain, "'%s' -> ", c->acts[w->stack[m]].a->name);
    w->in_cycle[w->stack[m]] = true;
  }
  sb_printf(&chain, "'%s'", c->acts[to].a->name);
  const ActivityDef *a = c->acts[from].a;
  const char *dpath = a->path;
  for (size_t d = 0; d < a->n_deps; d++)
    if (a->deps[d].activity &&
        strcmp(a->deps[d].activity, c->acts[to].a->name) == 0)
      dpath = a->deps[d].path;
  v_emit(c, VR_CYCLE, dpath, -1, NULL,
         "dependsOn forms a cycle: %s (each waits for the next)", chain.s);
  sb_fini(&chain);
  sb_fini(&path);
}

/* Depth-first: dependencies first; computes pred/ran rows and outcomes. */
static void visit(GWalk *w, int i)
{
  VCtx *c = w->c;
  if (w->color[i] == 2)
    return;
  w->color[i] = 1;
  w->stack[w->depth++] = i;
  const ActivityDef *a = c->acts[i].a;
  uint64_t *pred = c->pred + (size_t)i * c->words;
  uint64_t *ran = c->ran + (size_t)i * c->words;
  bool can_run = true, can_skip = false, cyc = false;
  for (size_t k = 0; k < a->n_deps; k++) {
    int j = dep_target(c, (size_t)i, &a->deps[k]);
    if (j < 0) {
      c->unsure[i] = true;
      continue;
    }
    if (w->color[j] == 1) {
      report_cycle(w, i, j);
      cyc = true;
      continue;
    }
    visit(w, j);
    if (w->in_cycle[j])
      cyc = true;
    if (c->unsure[j])
      c->unsure[i] = true;
    const uint64_t *pj = c->pred + (size_t)j * c->words;
    const uint64_t *rj = c->ran + (size_t)j * c->words;
    for (size_t m = 0; m < c->words; m++)
      pred[m] |= pj[m];
    BIT_SET(pred, j);
    unsigned want = cond_set(a->deps[k].conds);
    unsigned have = c->acts[j].outcomes;
    /* j surely ran when the entry can only be met by j running */
    if (!(want & have & VOUT_K) && !c->acts[j].a->inactive) {
      for (size_t m = 0; m < c->words; m++)
        ran[m] |= rj[m];
      BIT_SET(ran, j);
    }
    if (!(have & want))
      can_run = false;
    if (have & ~want)
      can_skip = true;
  }
  if (cyc) {
    w->in_cycle[i] = true;
    c->unsure[i] = true;
  }
  unsigned out;
  if (a->inactive)
    out = mark_outcome(a->on_inactive_mark_as);
  else if (cyc)
    out = VOUT_S | VOUT_F | VOUT_K; /* unknown: assume anything */
  else
    out = (can_run ? (is_type(a, "Fail") ? VOUT_F : VOUT_S | VOUT_F) : 0) |
          (can_skip ? VOUT_K : 0);
  c->acts[i].outcomes = out;
  w->depth--;
  w->color[i] = 2;
}

static const char *outcome_words(unsigned o)
{
  switch (o) {
  case VOUT_S:
    return "always succeeds";
  case VOUT_F:
    return "always fails";
  case VOUT_K:
    return "is always skipped";
  case VOUT_S | VOUT_F:
    return "is never skipped";
  case VOUT_S | VOUT_K:
    return "never fails";
  case VOUT_F | VOUT_K:
    return "never succeeds";
  default:
    return "has no possible outcome";
  }
}

static const char *cond_words(unsigned conds)
{
  if (conds & DEP_COMPLETED)
    return "Completed";
  switch (conds & (DEP_SUCCEEDED | DEP_FAILED | DEP_SKIPPED)) {
  case DEP_SUCCEEDED:
    return "Succeeded";
  case DEP_FAILED:
    return "Failed";
  case DEP_SKIPPED:
    return "Skipped";
  case DEP_SUCCEEDED | DEP_FAILED:
    return "Succeeded or Failed";
  case DEP_SUCCEEDED | DEP_SKIPPED:
    return "Succeeded or Skipped";
  case DEP_FAILED | DEP_SKIPPED:
    return "Failed or Skipped";
  default:
    return "Succeeded, Failed or Skipped";
  }
}

/* Why acts[i] cannot run: the first unsatisfiable dependency, unless an
 * upstream cannot run either (then that one is reported instead). */
static void report_never(VCtx *c, size_t i)
{
  const ActivityDef *a = c->acts[i].a;
  for (size_t k = 0; k < a->n_deps; k++) {
    int j = dep_target(c, i, &a->deps[k]);
    if (j < 0)
      continue;
    unsigned have = c->acts[j].outcomes;
    unsigned want = cond_set(a->deps[k].conds);
    if (have & want)
      continue;
    if (!c->acts[j].a->inactive && !(have & (VOUT_S | VOUT_F)))
      return; /* the upstream never runs: reported there */
    const ActivityDef *u = c->acts[j].a;
    v_emit(c, VR_NEVER_RUNS, a->deps[k].path, -1, NULL,
           "'%s' can never run: it waits for '%s' to end %s, but '%s' %s%s",
           a->name, u->name, cond_words(a->deps[k].conds), u->name,
           outcome_words(have),
           u->inactive          ? " (it is Inactive)"
           : is_type(u, "Fail") ? " (a Fail activity)"
           : !(have & VOUT_K)   ? " (nothing can skip it)"
                                : "");
    return;
  }
}

void v_check_graph(VCtx *c)
{
  c->graph_ok = true;
  check_names_and_nesting(c);
  check_deps(c);
  c->words = (c->n_acts + 63) / 64;
  if (!c->words)
    c->words = 1;
  c->pred = xcalloc(c->n_acts ? c->n_acts : 1, c->words * sizeof(uint64_t));
  c->ran = xcalloc(c->n_acts ? c->n_acts : 1, c->words * sizeof(uint64_t));
  c->unsure = xcalloc(c->n_acts + 1, sizeof(bool));
  GWalk w = {c, xcalloc(c->n_acts + 1, 1), xcalloc(c->n_acts + 1, sizeof(int)),
             0, xcalloc(c->n_acts + 1, sizeof(bool))};
  for (size_t i = 0; i < c->n_acts; i++)
    visit(&w, (int)i);
  for (size_t i = 0; i < c->n_acts; i++) {
    if (w.in_cycle[i])
      c->graph_ok = false;
    const VAct *va = &c->acts[i];
    bool parent_runs =
        va->parent < 0 || (c->acts[va->parent].outcomes & (VOUT_S | VOUT_F));
    if (!va->a->inactive && !w.in_cycle[i] && parent_runs &&
        !(va->outcomes & (VOUT_S | VOUT_F)))
      report_never(c, i);
  }
  free(w.color);
  free(w.stack);
  free(w.in_cycle);
}

bool v_is_pred(const VCtx *c, int i, int j)
{
  return c->pred && BIT_GET(c->pred + (size_t)i * c->words, (size_t)j);
}

bool v_ran_before(const VCtx *c, int i, int j)
{
  return c->ran && BIT_GET(c->ran + (size_t)i * c->words, (size_t)j);
}
