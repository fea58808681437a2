/*
 * interp/run.h -- one pipeline run: parameters, variables, system
 *                 variables, pre-run checks, results and its report
 *
 * A PipelineRun belongs to an Engine.  Parameters are typed by their
 * declaration before anything runs; variables are pipeline-scoped and
 * shared by every scope of the run (last writer wins, as in ADF).  Array
 * variables keep a private builder so AppendVariable is amortised O(1);
 * a shared Value is published lazily when someone reads the variable.
 */
#ifndef INTERP_RUN_H
#define INTERP_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "expr/err.h"
#include "expr/value.h"
#include "interp/model.h"
#include "interp/report.h"
#include "interp/sched.h"

typedef enum VarType {
  VT_STRING,
  VT_INT,
  VT_BOOL,
  VT_ARRAY,
  VT_FLOAT,
  VT_OBJECT
} VarType;

typedef struct Variable {
  char *name; /* owned */
  VarType type;
  Value *val;     /* owned: published value, NULL while 'builder' is newer */
  Value *builder; /* owned: private array being appended to, or NULL */
} Variable;

typedef struct LastResult {
  const char *name; /* borrowed from the ActivityDef */
  Value *result;    /* owned: {output, status, error} */
} LastResult;

struct PipelineRun {
  Engine *eng;            /* borrowed */
  const Pipeline *pl;     /* borrowed */
  const Factory *factory; /* borrowed; may be NULL */
  PipelineRun *parent;    /* borrowed: the calling run, or NULL */
  ActRun *caller;         /* borrowed: the ExecutePipeline attempt */
  char run_id[40];
  char group_id[40];
  Value *params;  /* owned: name -> typed value */
  Value *globals; /* owned: name -> value */
  Value *sys;     /* owned: the pipeline() object */
  Variable *vars; /* owned */
  size_t n_vars;
  Value *return_value; /* owned: pipelineReturnValue, or NULL */
  Scope *root;         /* owned */
  RunStatus status;
  char *message; /* owned */
  int64_t start, end;
  Report rep;             /* activity runs + requests */
  PipelineRun **children; /* owned: runs started by ExecutePipeline */
  size_t n_children;
  Pipeline **extra; /* owned: child pipelines loaded from files
                       next to the parent (ExecutePipeline) */
  size_t n_extra;
  LastResult *last; /* owned: latest result per activity name */
  size_t n_last;
  bool done;
};

typedef struct RunArgs {
  const Value *params;      /* borrowed: name -> typed value (--params file,
                               ExecutePipeline), or NULL */
  const Value *text_params; /* borrowed: name -> string from -p, converted
                               by the declared type; wins over 'params' */
  const Value *globals;     /* borrowed: --global overrides (strings) */
} RunArgs;

/* Checks a pipeline before it runs: duplicate activity names, dependsOn
 * targets (missing, other scope), cycles, SetVariable/AppendVariable of
 * undeclared variables, SetVariable self-reference.  Returns false with
 * *err set (file, line, path of the culprit). */
bool run_precheck(const Pipeline *pl, Err *err);

/* Creates a run of 'pl' (not started).  'parent'/'caller' describe the
 * ExecutePipeline that starts it (NULL for a top-level run).  Parameter
 * errors (missing required, undeclared, wrong type) fail with *err set
 * and return NULL. */
PipelineRun *run_new(Engine *eng, const Pipeline *pl, const Factory *f,
                     const RunArgs *args, PipelineRun *parent, ActRun *caller,
                     Err *err);
/* Starts the run's top-level scope (the engine must then be run). */
void run_start(PipelineRun *r);
/* Called by the engine when the top-level scope ended. */
void run_finish(PipelineRun *r);
void run_free(PipelineRun *r);

/* Variable access.  Returns a borrowed value or NULL (not declared). */
const Value *run_var_get(PipelineRun *r, const char *name, size_t len);
Variable *run_var_find(PipelineRun *r, const char *name);
/* Type check + set (consumes 'v').  False with *err set on mismatch. */
bool run_var_set_take(PipelineRun *r, Variable *var, Value *v, Err *err);
/* Appends to an Array variable (borrows 'item'). */
bool run_var_append(PipelineRun *r, Variable *var, const Value *item, Err *err);
const char *run_var_type_name(VarType t);

/* The latest result of the activity named 'name' in this run. */
const Value *run_last_result(const PipelineRun *r, const char *name,
                             size_t len);
void run_set_last_result(PipelineRun *r, const char *name, const Value *res);

/* Parses a type spelling ("String", "int", "Boolean"...).  False when
 * unknown. */
bool run_parse_type(const char *s, VarType *out);

#endif /* INTERP_RUN_H */
