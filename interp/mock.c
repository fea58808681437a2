/*
 * interp/mock.c -- activity-level mocks (the "activities" section)
 *
 * Entries are validated once when the engine is created, so a typo in a
 * mock file is a usage error before anything runs.  Each mocked activity
 * keeps an invocation counter; entries with 'times' serve that many calls
 * and the last entry repeats forever.
 */
#include "interp/mock.h"

#include <stdlib.h>
#include <string.h>

#include "expr/datetime.h"
#include "expr/strbuf.h"

typedef struct MockEntry {
  MockResult r;
  long times;
} MockEntry;

typedef struct MockAct {
  const char *name; /* borrowed from the document */
  MockEntry *e;     /* owned */
  size_t n;
  long calls;
} MockAct;

struct MockSet {
  MockAct *a; /* owned */
  size_t n;
};

static const char *str_of(const Value *o, const char *k)
{
  const Value *v = o ? val_object_peek_ci(o, k, strlen(k)) : NULL;
  return v && val_kind(v) == VAL_STRING ? val_str(v) : NULL;
}

static bool entry_parse(const char *name, size_t idx, const Value *v,
                        MockEntry *out, Err *err)
{
  const Value *x;

  memset(out, 0, sizeof(*out));
  out->times = 1;
  if (val_kind(v) != VAL_OBJECT)
    return err_set(err, ERR_MOCK_SYNTAX, NULL,
                   "mocks: activities.'%s'[%zu]: expected an object", name,
                   idx);
  out->r.output = val_object_peek_ci(v, "output", 6);
  x = val_object_peek_ci(v, "error", 5);
  if (x && val_kind(x) != VAL_NULL) {
    const char *ft;
    if (val_kind(x) != VAL_OBJECT)
      return err_set(err, ERR_MOCK_SYNTAX, NULL,
                     "mocks: activities.'%s'[%zu].error: expected an object "
                     "{errorCode, message, failureType}",
                     name, idx);
    out->r.is_error = true;
    out->r.err_code = str_of(x, "errorCode");
    out->r.err_msg = str_of(x, "message");
    if (!out->r.err_code)
      out->r.err_code = "MockedError";
    if (!out->r.err_msg)
      out->r.err_msg = "mocked failure";
    ft = str_of(x, "failureType");
    out->r.failure_type =
        ft && strcmp(ft, "SystemError") == 0 ? "SystemError" : "UserError";
  }
  x = val_object_peek_ci(v, "duration", 8);
  if (x) {
    double d = val_kind(x) == VAL_INT || val_kind(x) == VAL_FLOAT
                   ? val_get_number(x)
                   : -1;
    /* NaN and values past ~29,000 years of ticks are refused too. */
    if (!(d >= 0 && d <= 922337203685.0))
      return err_set(err, ERR_MOCK_SYNTAX, NULL,
                     "mocks: activities.'%s'[%zu].duration: expected seconds "
                     "(a number >= 0)",
                     name, idx);
    out->r.duration_ticks = (int64_t)(d * DT_TICKS_PER_SECOND);
  }
  x = val_object_peek_ci(v, "times", 5);
  if (x) {
    if (val_kind(x) != VAL_INT || val_get_int(x) < 1)
      return err_set(err, ERR_MOCK_SYNTAX, NULL,
                     "mocks: activities.'%s'[%zu].times: expected an integer "
                     ">= 1",
                     name, idx);
    out->times = (long)val_get_int(x);
  }
  return true;
}

MockSet *mock_new(const Value *doc, Err *err)
{
  MockSet *m = xcalloc(1, sizeof(*m));
  const Value *acts = doc && val_kind(doc) == VAL_OBJECT
                          ? val_object_peek_ci(doc, "activities", 10)
                          : NULL;
  size_t i, j, n;

  if (doc && val_kind(doc) != VAL_OBJECT && val_kind(doc) != VAL_NULL) {
    err_set(err, ERR_MOCK_SYNTAX, NULL, "mocks: expected an object");
    goto fail;
  }
  if (!acts || val_kind(acts) == VAL_NULL)
    return m;
  if (val_kind(acts) != VAL_OBJECT) {
    err_set(err, ERR_MOCK_SYNTAX, NULL,
            "mocks: 'activities' must map activity names to lists");
    goto fail;
  }
  n = val_object_len(acts);
  m->a = xcalloc(n ? n : 1, sizeof(MockAct));
  for (i = 0; i < n; i++) {
    const Value *list = val_object_value_peek(acts, i);
    MockAct *a = &m->a[m->n++];
    a->name = val_object_key_peek(acts, i, NULL);
    if (val_kind(list) == VAL_OBJECT) { /* a single entry */
      a->e = xcalloc(1, sizeof(MockEntry));
      a->n = 1;
      if (!entry_parse(a->name, 0, list, &a->e[0], err))
        goto fail;
      continue;
    }
    if (val_kind(list) != VAL_ARRAY || val_array_len(list) == 0) {
      err_set(err, ERR_MOCK_SYNTAX, NULL,
              "mocks: activities.'%s': expected a non-empty list of results",
              a->name);
      goto fail;
    }
    a->n = val_array_len(list);
    a->e = xcalloc(a->n, sizeof(MockEntry));
    for (j = 0; j < a->n; j++)
      if (!entry_parse(a->name, j, val_array_peek(list, j), &a->e[j], err))
        goto fail;
  }
  return m;
fail:
  mock_free(m);
  return NULL;
}

void mock_free(MockSet *m)
{
  size_t i;

  if (!m)
    return;
  for (i = 0; i < m->n; i++)
    free(m->a[i].e);
  free(m->a);
  free(m);
}

static MockAct *find(const MockSet *m, const char *name)
{
  size_t i;

  if (!m)
    return NULL;
  for (i = 0; i < m->n; i++)
    if (strcmp(m->a[i].name, name) == 0)
      return &m->a[i];
  return NULL;
}

bool mock_has(const MockSet *m, const char *name)
{
  return find(m, name) != NULL;
}

bool mock_next(MockSet *m, const char *name, MockResult *out)
{
  MockAct *a = find(m, name);
  long k;
  size_t i;

  if (!a)
    return false;
  k = a->calls++;
  for (i = 0; i < a->n; i++) {
    if (k < a->e[i].times) {
      *out = a->e[i].r;
      return true;
    }
    k -= a->e[i].times;
  }
  *out = a->e[a->n - 1].r;
  return true;
}
