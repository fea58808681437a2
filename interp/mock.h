/*
 * interp/mock.h -- activity-level mocks: the "activities" section of the
 *                  --mock document
 *
 * activities: {"<exact name>": [ {output | error, duration?, times?}... ]}
 * Each invocation of the named activity (every attempt, every iteration)
 * takes the next entry; an entry with times: N serves N invocations; after
 * the list the last entry repeats.  The "http" section belongs to the
 * WebActivity (read through act_mocks()).
 */
#ifndef INTERP_MOCK_H
#define INTERP_MOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "expr/err.h"
#include "expr/value.h"

typedef struct MockSet MockSet;

typedef struct MockResult {
  const Value *output; /* borrowed; NULL -> {} (or none on error) */
  bool is_error;
  const char *err_code;     /* borrowed */
  const char *err_msg;      /* borrowed */
  const char *failure_type; /* "UserError" or "SystemError" */
  int64_t duration_ticks;   /* 0 = finishes at once */
} MockResult;

/* Reads the "activities" section of 'doc' (may be NULL: an empty set).
 * Returns a new MockSet or NULL with *err set (ERR_USAGE, path). */
MockSet *mock_new(const Value *doc, Err *err);
void mock_free(MockSet *m);
/* True when 'name' is mocked; fills *out with its next result. */
bool mock_next(MockSet *m, const char *name, MockResult *out);
bool mock_has(const MockSet *m, const char *name);

#endif /* INTERP_MOCK_H */
