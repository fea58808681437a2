/*
 * interp/report.c -- building and writing the run report
 *
 * Entries live as structs during the run (report_add) and become one
 * Value at the end (report_build).  Redaction happens on the serialised
 * text so that no path (input, output, error message, request record)
 * can leak a registered secret.
 */
#include "interp/report.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "interp/clock.h"
#include "interp/run.h"
#include "interp/sched.h"

void report_init(Report *r)
{
  memset(r, 0, sizeof(*r));
  r->requests = val_array_new();
}

void report_fini(Report *r)
{
  size_t i;

  for (i = 0; i < r->n; i++) {
    RepEntry *e = &r->e[i];
    val_unref(e->input);
    val_unref(e->output);
    val_unref(e->user_props);
    free(e->err_code);
    free(e->err_msg);
  }
  free(r->e);
  val_unref(r->requests);
  memset(r, 0, sizeof(*r));
}

size_t report_add(Report *r)
{
  if (r->n == r->cap) {
    r->cap = r->cap ? r->cap * 2 : 16;
    r->e = xrealloc(r->e, r->cap * sizeof(RepEntry));
  }
  memset(&r->e[r->n], 0, sizeof(RepEntry));
  return r->n++;
}

RepEntry *report_at(Report *r, size_t i)
{
  return &r->e[i];
}

void report_add_request_take(Report *r, Value *rec)
{
  val_array_push_take(r->requests, rec);
}

Value *report_user_props(const Value *list)
{
  Value *o;
  size_t i;

  if (val_kind(list) == VAL_OBJECT)
    return val_ref(list);
  o = val_object_new();
  if (val_kind(list) != VAL_ARRAY)
    return o;
  for (i = 0; i < val_array_len(list); i++) {
    const Value *p = val_array_peek(list, i);
    const Value *n = val_object_peek_ci(p, "name", 4);
    const Value *v = val_object_peek_ci(p, "value", 5);
    if (val_kind(p) == VAL_OBJECT && n && val_kind(n) == VAL_STRING)
      val_object_set(o, val_str(n), v ? v : val_null());
  }
  return o;
}

static void set_str(Value *o, const char *k, const char *s)
{
  val_object_set_take(o, k, strlen(k), val_cstr(s ? s : ""));
}

static void set_time(Value *o, const char *k, int64_t t)
{
  char buf[32];

  if (!t) {
    val_object_set_take(o, k, strlen(k), val_null());
    return;
  }
  clk_format(t, buf);
  set_str(o, k, buf);
}

static bool secure_flag(const ActivityDef *d, const char *k)
{
  const Value *v =
      d->policy ? val_object_peek_ci(d->policy, k, strlen(k)) : NULL;
  if (!v)
    return false;
  if (val_kind(v) == VAL_BOOL)
    return val_get_bool(v);
  /* "True" as well as "true": a secret must not leak over a case. */
  return val_kind(v) == VAL_STRING && strcasecmp(val_str(v), "true") == 0;
}

static Value *entry_value(const PipelineRun *run, const RepEntry *e)
{
  Value *o = val_object_new();
  Value *er;

  set_str(o, "activityName", e->def->name);
  set_str(o, "activityType", e->def->type);
  set_str(o, "activityRunId", e->run_id);
  set_str(o, "pipelineName", run->pl->name);
  set_str(o, "pipelineRunId", run->run_id);
  set_str(o, "status", sched_status_name((RunStatus)e->status));
  set_time(o, "activityRunStart", e->start);
  set_time(o, "activityRunEnd", e->end);
  if (e->end)
    val_object_set_take(o, "durationInMs", 12,
                        val_int((e->end - e->start) / 10000));
  else
    val_object_set_take(o, "durationInMs", 12, val_null());
  if (e->input && secure_flag(e->def, "secureInput"))
    set_str(o, "input", REPORT_SECURE_PLACEHOLDER);
  else
    val_object_set_take(o, "input", 5,
                        e->input ? val_ref(e->input) : val_object_new());
  if (e->output && secure_flag(e->def, "secureOutput"))
    set_str(o, "output", REPORT_SECURE_PLACEHOLDER);
  else
    val_object_set_take(o, "output", 6,
                        e->output ? val_ref(e->output) : val_null());
  er = val_object_new();
  set_str(er, "errorCode", e->has_error ? e->err_code : "");
  set_str(er, "message", e->has_error ? e->err_msg : "");
  set_str(er, "failureType", e->has_error ? e->failure_type : "");
  set_str(er, "target", e->def->name);
  set_str(er, "details", "");
  val_object_set_take(o, "error", 5, er);
  val_object_set_take(o, "retryAttempt", 12,
                      e->retry_attempt ? val_int(e->retry_attempt)
                                       : val_null());
  val_object_set_take(o, "iteration", 9,
                      e->iteration ? val_int(e->iteration) : val_null());
  val_object_set_take(o, "parent", 6,
                      e->parent ? val_cstr(e->parent) : val_null());
  set_str(o, "linkedServiceName", "");
  val_object_set_take(o, "userProperties", 14,
                      e->user_props ? val_ref(e->user_props)
                                    : val_object_new());
  return o;
}

/* Parameters as ADF's monitoring shows them: name -> string. */
static Value *params_as_text(const Value *params)
{
  Value *o = val_object_new();
  size_t i;

  for (i = 0; params && i < val_object_len(params); i++) {
    size_t kl;
    const char *k = val_object_key_peek(params, i, &kl);
    const Value *v = val_object_value_peek(params, i);
    if (val_kind(v) == VAL_STRING) {
      val_object_set(o, k, v);
    } else {
      char *j = val_to_json_str(v);
      val_object_set_take(o, k, kl, val_cstr(j));
      free(j);
    }
  }
  return o;
}

Value *report_build(const PipelineRun *run)
{
  Value *o = val_object_new(), *acts, *kids, *inv;
  size_t i;

  set_str(o, "runId", run->run_id);
  set_str(o, "runGroupId", run->group_id);
  set_str(o, "pipelineName", run->pl->name);
  set_str(o, "status", sched_status_name(run->status));
  set_str(o, "message", run->message);
  set_time(o, "runStart", run->start);
  set_time(o, "runEnd", run->end);
  val_object_set_take(o, "durationInMs", 12,
                      run->end ? val_int((run->end - run->start) / 10000)
                               : val_null());
  val_object_set_take(o, "parameters", 10, params_as_text(run->params));
  inv = val_object_new();
  if (run->parent) {
    const Value *tn = val_object_peek(run->sys, "TriggerName");
    const Value *ti = val_object_peek(run->sys, "TriggerId");
    set_str(inv, "name", tn ? val_str(tn) : "");
    set_str(inv, "id", ti ? val_str(ti) : "");
    set_str(inv, "invokedByType", "PipelineActivity");
    set_str(inv, "pipelineName", run->parent->pl->name);
    set_str(inv, "pipelineRunId", run->parent->run_id);
  } else {
    set_str(inv, "name", "Manual");
    set_str(inv, "invokedByType", "Manual");
  }
  val_object_set_take(o, "invokedBy", 9, inv);
  if (run->return_value)
    val_object_set(o, "pipelineReturnValue", run->return_value);
  acts = val_array_new();
  for (i = 0; i < run->rep.n; i++)
    val_array_push_take(acts, entry_value(run, &run->rep.e[i]));
  val_object_set_take(o, "activityRuns", 12, acts);
  val_object_set(o, "requests", run->rep.requests);
  kids = val_array_new();
  for (i = 0; i < run->n_children; i++)
    val_array_push_take(kids, report_build(run->children[i]));
  val_object_set_take(o, "childRuns", 9, kids);
  return o;
}

static const char *find_bytes(const char *h, size_t hl, const char *n,
                              size_t nl)
{
  size_t i;

  if (nl > hl)
    return NULL;
  for (i = 0; i + nl <= hl; i++)
    if (h[i] == n[0] && memcmp(h + i, n, nl) == 0)
      return h + i;
  return NULL;
}

/* Replaces every occurrence of 'needle' in 'sb' by the placeholder. */
static void replace_all(StrBuf *sb, const char *needle, size_t nl)
{
  StrBuf out;
  const char *p = sb->s, *end = sb->s + sb->len, *hit;

  if (!nl || !find_bytes(sb->s, sb->len, needle, nl))
    return;
  sb_init(&out);
  while ((hit = find_bytes(p, (size_t)(end - p), needle, nl))) {
    sb_put(&out, p, (size_t)(hit - p));
    sb_puts(&out, REPORT_SECRET_PLACEHOLDER);
    p = hit + nl;
  }
  sb_put(&out, p, (size_t)(end - p));
  sb_fini(sb);
  *sb = out;
}

typedef struct Needle {
  char *s; /* owned */
  size_t len;
} Needle;

static int longer_first(const void *a, const void *b)
{
  const Needle *x = a, *y = b;
  return x->len < y->len ? 1 : x->len > y->len ? -1 : 0;
}

/* Replaces every secret, raw and JSON-escaped, longest first: a short
 * secret that is part of a longer one must not leave the rest of the
 * longer one showing. */
static void redact(StrBuf *sb, const char *const *secrets, size_t n)
{
  Needle *nd;
  size_t i, k = 0;

  if (!n)
    return;
  nd = xcalloc(2 * n, sizeof(*nd));
  for (i = 0; i < n; i++) {
    StrBuf q;
    size_t l = strlen(secrets[i]);
    nd[k].s = xstrndup(secrets[i], l);
    nd[k++].len = l;
    sb_init(&q);
    val_json_quote(&q, secrets[i], l);
    if (q.len > 2 && (q.len - 2 != l || memcmp(q.s + 1, secrets[i], l))) {
      nd[k].s = xstrndup(q.s + 1, q.len - 2);
      nd[k++].len = q.len - 2;
    }
    sb_fini(&q);
  }
  qsort(nd, k, sizeof(*nd), longer_first);
  for (i = 0; i < k; i++) {
    replace_all(sb, nd[i].s, nd[i].len);
    free(nd[i].s);
  }
  free(nd);
}

char *report_to_json(const Value *report, const char *const *secrets,
                     size_t n_secrets, int indent)
{
  StrBuf sb;

  sb_init(&sb);
  if (indent > 0)
    val_to_json_pretty(report, &sb, indent);
  else
    val_to_json(report, &sb);
  redact(&sb, secrets, n_secrets);
  return sb_take(&sb);
}

char *report_redact(const char *s, const char *const *secrets, size_t n_secrets)
{
  StrBuf sb;

  sb_init(&sb);
  sb_puts(&sb, s);
  redact(&sb, secrets, n_secrets);
  return sb_take(&sb);
}
