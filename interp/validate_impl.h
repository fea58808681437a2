/*
 * interp/validate_impl.h -- what the validate_*.c files share
 *
 * VCtx is one pipeline under check: where its JSON paths live in which
 * file (an ARM export keeps every pipeline under a resource prefix), a
 * flat index of its activities, and the reachability facts the graph
 * pass computes once for the expression pass.  Not a public header.
 */
#ifndef INTERP_VALIDATE_IMPL_H
#define INTERP_VALIDATE_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "expr/eval.h"
#include "expr/strbuf.h"
#include "interp/model.h"
#include "interp/validate.h"

/* Definition dialects: decide a few platform-specific rules. */
typedef enum VDialect { VD_ADF, VD_SYNAPSE, VD_FABRIC } VDialect;

/* Where a document's JSON paths are in its file. */
typedef struct VSrc {
  const char *file;   /* borrowed; may be NULL */
  const SrcMap *locs; /* borrowed; may be NULL */
  const char *prefix; /* borrowed: path of the document in the file ("" or
                         "resources[3]") */
  /* Raw file text, read on first need to place expression columns
   * exactly (JSON escapes); owned. */
  char *text;
  size_t text_len;
  int text_state; /* 0 not tried, 1 loaded, -1 unavailable */
} VSrc;

/* One activity in the flat index. */
typedef struct VAct {
  const ActivityDef *a; /* borrowed */
  int parent;           /* index of the enclosing container, -1 at top */
  int depth;            /* 0 at top */
  int scope;            /* activity list it belongs to: 0 the pipeline's,
                           then one id per container block */
  /* Outcomes the activity may end with (bits of VOUT_*), from the graph
   * pass. */
  unsigned outcomes;
} VAct;

enum { VOUT_S = 1, VOUT_F = 2, VOUT_K = 4 }; /* succeeded, failed, skipped */

typedef struct VCtx {
  const VOptions *opt;
  FindingList *out;
  const Factory *factory; /* borrowed; NULL: no reference checks */
  const Pipeline *p;      /* borrowed */
  VSrc *src;              /* borrowed */
  VDialect dialect;
  VAct *acts; /* owned: every activity, depth-first */
  size_t n_acts;
  /* name -> index (open addressing over acts; -1 empty); owned */
  int *hash;
  size_t hash_cap;
  /* Transitive predecessors inside the same scope: bit j of row i is set
   * when acts[j] must finish before acts[i] starts.  Owned, n_acts rows
   * of 'words' uint64 each. */
  uint64_t *pred;
  size_t words;
  /* Same, but only through edges that guarantee acts[j] ran (not
   * skipped) whenever acts[i] runs. */
  uint64_t *ran;
  bool graph_ok; /* no cycle and every dependsOn resolved */
  /* Per activity: its upstream set is uncertain (a dependsOn of it or of
   * a predecessor is broken, or it is in a cycle); owned. */
  bool *unsure;
} VCtx;

/* ---- validate.c --------------------------------------------------------- */

/* Records a finding at JSON path 'path' of the document (relative to
 * src->prefix).  'expr_off' >= 0 places the column inside the string at
 * that path, at byte 'expr_off' of its decoded text ('expr' the text, for
 * the report). */
void v_emit(VCtx *c, VRuleId rule, const char *path, int expr_off,
            const char *expr, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* Same without a pipeline: for resources and whole files. */
void v_emit_src(const VOptions *opt, FindingList *out, VSrc *src, VRuleId rule,
                const char *path, int expr_off, const char *expr,
                const char *fmt, ...) __attribute__((format(printf, 8, 9)));
/* Index of the activity named 'name' (exact match) or -1. */
int v_find(const VCtx *c, const char *name, size_t len);
/* Appends ".key" (or "['key']") to a path string in 'sb'. */
void v_path_key(StrBuf *sb, const char *base, const char *key);

/* ---- validate_graph.c ------------------------------------------------- */

/* Names, duplicates, dependsOn targets, scopes, cycles, nesting,
 * outcomes, never-running activities; fills c->pred/c->ran. */
void v_check_graph(VCtx *c);
/* The pipeline's own name (ADF006). */
void v_check_pipeline_name(VCtx *c);
/* True when acts[j] is a transitive predecessor of acts[i]. */
bool v_is_pred(const VCtx *c, int i, int j);
bool v_ran_before(const VCtx *c, int i, int j);

/* ---- validate_props.c --------------------------------------------------- */

/* Types, required properties, policy, limits, Switch/ForEach rules,
 * variable and parameter declarations and literal types, parallel
 * variable writes, references to other definitions. */
void v_check_props(VCtx *c);
/* Pipeline-level: name, parameters, variables, limits. */
void v_check_pipeline_level(VCtx *c);
/* Linked services, datasets, triggers: secrets, references. */
void v_check_resource(const VOptions *opt, FindingList *out, VSrc *src,
                      const Resource *r, const Factory *factory);

/* ---- validate_expr.c ---------------------------------------------------- */

/* Every string of every activity and every parameter and variable
 * default: compile, then check references. */
void v_check_expressions(VCtx *c);
/* Expressions of a dataset or linked service (dataset()/linkedService()
 * against its declared parameters) or of a trigger's parameter values
 * (trigger()/triggerBody() allowed, pipeline accessors not). */
void v_check_resource_expressions(const VOptions *opt, FindingList *out,
                                  VSrc *src, const Resource *r);

#endif /* INTERP_VALIDATE_IMPL_H */
