/*
 * interp/validate.h -- `adfrun validate`: static checks of definitions
 *
 * A table of rules (one id each, "ADF001"...), a list of Findings with
 * file:line:col and JSON path, and the drivers that load files, folders
 * and ARM/Fabric exports and run every rule over them.  Nothing here runs
 * a pipeline or touches the network; every check is on the definitions
 * as written.  The invariant: a finding always names a rule of the table.
 */
#ifndef INTERP_VALIDATE_H
#define INTERP_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "expr/err.h"
#include "expr/srcmap.h"
#include "expr/value.h"
#include "interp/model.h"

typedef enum VSeverity { VSEV_WARNING = 1, VSEV_ERROR = 2 } VSeverity;

/* Rule identifiers; the order is the order of the table in validate.c
 * and of docs/validation.md (ascending codes).  Only the codes are
 * stable: new rules go in code order, never renumber a code. */
typedef enum VRuleId {
  VR_SYNTAX,                 /* ADF001 */
  VR_STRUCTURE,              /* ADF002 */
  VR_UNKNOWN_TYPE,           /* ADF003 */
  VR_REQUIRED,               /* ADF004 */
  VR_ACTIVITY_NAME,          /* ADF005 */
  VR_PIPELINE_NAME,          /* ADF006 */
  VR_DUPLICATE_NAME,         /* ADF007 */
  VR_DEPENDS_MISSING,        /* ADF010 */
  VR_CYCLE,                  /* ADF011 */
  VR_DEPENDS_SCOPE,          /* ADF012 */
  VR_NESTING,                /* ADF013 */
  VR_NEVER_RUNS,             /* ADF014 */
  VR_COMPLETED_MIX,          /* ADF015 */
  VR_EXPR_SYNTAX,            /* ADF020 */
  VR_UNKNOWN_FUNCTION,       /* ADF021 */
  VR_ARITY,                  /* ADF022 */
  VR_EXPR_TOO_LONG,          /* ADF023 */
  VR_ACTIVITY_MISSING,       /* ADF024 */
  VR_NOT_UPSTREAM,           /* ADF025 */
  VR_VARIABLE_UNDECLARED,    /* ADF026 */
  VR_PARAMETER_UNDECLARED,   /* ADF027 */
  VR_SELF_REFERENCE,         /* ADF028 */
  VR_VALUE_TYPE,             /* ADF029 */
  VR_NOT_BOOLEAN,            /* ADF030 */
  VR_UNSAFE_OUTPUT,          /* ADF031 */
  VR_ITEM_SCOPE,             /* ADF032 */
  VR_ACCESSOR_SCOPE,         /* ADF033 */
  VR_POLICY_TIMEOUT,         /* ADF040 */
  VR_POLICY_RETRY,           /* ADF041 */
  VR_RETRY_INTERVAL,         /* ADF042 */
  VR_SWITCH_CASES,           /* ADF043 */
  VR_SWITCH_DUPLICATE,       /* ADF044 */
  VR_BATCH_COUNT,            /* ADF045 */
  VR_TOO_MANY_ACTIVITIES,    /* ADF046 */
  VR_TOO_MANY_PARAMETERS,    /* ADF047 */
  VR_MISSING_DATASET,        /* ADF050 */
  VR_MISSING_LINKED_SERVICE, /* ADF051 */
  VR_MISSING_PIPELINE,       /* ADF052 */
  VR_MISSING_DATAFLOW,       /* ADF053 */
  VR_TRIGGER_PIPELINE,       /* ADF054 */
  VR_EXECUTE_PARAMETER,      /* ADF055 */
  VR_TRIGGER_PARAMETER,      /* ADF056 */
  VR_DATASET_PARAMETER,      /* ADF057 */
  VR_LINKED_PARAMETER,       /* ADF058 */
  VR_UNKNOWN_REF_PARAMETER,  /* ADF059 */
  VR_PARALLEL_VARIABLE,      /* ADF060 */
  VR_INLINE_SECRET,          /* ADF061 */
  VR__COUNT
} VRuleId;

typedef struct VRule {
  VRuleId id;
  const char *code; /* "ADF010" */
  const char *name; /* "depends-missing" */
  VSeverity severity;
  const char *summary; /* one line for --help, SARIF and the docs */
} VRule;

/* The rule row for 'id' (static storage). */
const VRule *validate_rule(VRuleId id);
/* Finds a rule by code ("ADF010", case-insensitive) or name; NULL when
 * there is none. */
const VRule *validate_rule_find(const char *code_or_name);

typedef struct Finding {
  VRuleId rule;
  VSeverity severity;
  char *msg;     /* owned: one line, no trailing period */
  char *file;    /* owned; may be NULL */
  int line, col; /* 1-based; 0 when unknown */
  char *path;    /* owned: JSON path in the file, "" for the file */
  int expr_col;  /* 1-based column inside the expression text, 0 none */
  char *expr;    /* owned: the expression text, or NULL */
} Finding;

typedef struct FindingList {
  Finding *v; /* owned */
  size_t n, cap;
  size_t n_files; /* definition files checked */
} FindingList;

void findings_init(FindingList *fl);
void findings_fini(FindingList *fl);
/* Sorts by file, line, column, rule (stable for equal keys). */
void findings_sort(FindingList *fl);
/* Counts findings of 'sev' or worse. */
size_t findings_count_at_least(const FindingList *fl, VSeverity sev);

typedef struct VOptions {
  bool off[VR__COUNT]; /* rules switched off */
  /* Reference checks (datasets, linked services, pipelines, data flows,
   * trigger targets): VREF_AUTO checks them for folders, ARM templates
   * and files that sit in a factory folder; VREF_ON/OFF force. */
  enum { VREF_AUTO, VREF_ON, VREF_OFF } refs;
} VOptions;

void validate_options_init(VOptions *o);

/* Validates one path: a definition file (JSON/YAML, ADF git layout,
 * Synapse, Fabric pipeline-content.json, ARM template export, REST API
 * example) or a folder (walked recursively).  Findings are appended to
 * 'out'.  Returns false with *err set only when the path itself cannot
 * be used (missing, unreadable, a lone file that does not parse): then
 * the caller exits 2.  Broken files inside a folder are findings. */
bool validate_path(const char *path, const VOptions *opt, FindingList *out,
                   Err *err);

/* Validates an in-memory document as if read from 'file' (JSON path
 * positions come from 'locs', may be NULL).  Borrows 'doc' and 'locs'.
 * 'factory' (may be NULL) is used for reference checks.  For tests and
 * the mutation harness. */
void validate_document(const Value *doc, const SrcMap *locs, const char *file,
                       const Factory *factory, const VOptions *opt,
                       FindingList *out);

/* ---- Output (validate_out.c) ---------------------------------------- */

typedef enum VFormat {
  VFMT_TEXT,
  VFMT_JSON,
  VFMT_JUNIT,
  VFMT_SARIF,
  VFMT_GITHUB
} VFormat;

/* Parses "text", "json"...; false when unknown. */
bool validate_format_parse(const char *s, VFormat *out);
/* Writes the findings in 'fmt' to 'fp' (summaries use fl->n_files). */
void validate_write(const FindingList *fl, VFormat fmt, FILE *fp);

#endif /* INTERP_VALIDATE_H */
