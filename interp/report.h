/*
 * interp/report.h -- the run report: pipeline run + activity runs, ADF's
 *                    monitoring shape (ADF-SPEC 7) plus "requests"
 *
 * Entries are kept as C structs while the run goes on (cheap: a loop of
 * 100,000 iterations makes 100,000 entries) and become JSON only when the
 * report is written.  secureInput/secureOutput values are replaced by
 * REPORT_SECURE_PLACEHOLDER, registered secrets by "***" everywhere.
 */
#ifndef INTERP_REPORT_H
#define INTERP_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "expr/strbuf.h"
#include "expr/value.h"
#include "interp/model.h"

#define REPORT_SECURE_PLACEHOLDER "*** secure ***"
#define REPORT_SECRET_PLACEHOLDER "***"

typedef struct PipelineRun PipelineRun;

typedef struct RepEntry {
  const ActivityDef *def; /* borrowed */
  char run_id[40];
  int status;         /* RunStatus */
  int64_t start, end; /* ticks; end 0 while running */
  Value *input;       /* owned or NULL */
  Value *output;      /* owned or NULL */
  bool has_error;
  char *err_code;           /* owned when has_error */
  char *err_msg;            /* owned */
  const char *failure_type; /* static */
  int retry_attempt;        /* 0 = first attempt (null in the report) */
  int iteration;            /* 1-based; 0 outside loops */
  const char *parent;       /* borrowed: enclosing container name, or NULL */
  Value *user_props;        /* owned: object map, or NULL */
} RepEntry;

typedef struct Report {
  RepEntry *e; /* owned */
  size_t n, cap;
  Value *requests; /* owned private array */
} Report;

void report_init(Report *r);
void report_fini(Report *r);
/* Appends an empty entry and returns its index. */
size_t report_add(Report *r);
RepEntry *report_at(Report *r, size_t i);
/* Consumes 'rec'. */
void report_add_request_take(Report *r, Value *rec);

/* Builds the report of 'run' (children included under "childRuns").
 * Returns a new reference.  Secrets are not yet redacted. */
Value *report_build(const PipelineRun *run);
/* Serialises 'report' as JSON (pretty when indent > 0), replacing every
 * registered secret (raw and JSON-escaped spellings) by "***".  Returns a
 * malloc'd string. */
char *report_to_json(const Value *report, const char *const *secrets,
                     size_t n_secrets, int indent);
/* Replaces the secrets inside one string (a log line).  Returns a
 * malloc'd copy. */
char *report_redact(const char *s, const char *const *secrets,
                    size_t n_secrets);
/* userProperties [{name, value}] -> {name: value}. */
Value *report_user_props(const Value *list);

#endif /* INTERP_REPORT_H */
