/*
 * interp/model.h -- the in-memory model of definitions: pipelines,
 *                   activities, and the factory that holds them
 *
 * Plain structs with one owner each.  The loader (load.c, load_yaml.c)
 * builds them from JSON or YAML; everything after loading reads them and
 * never changes them.  Definition values (typeProperties, policy,
 * parameters...) are kept as Values exactly as written: expressions are
 * evaluated at run time, not at load time.  Every node records its JSON
 * path so errors can point back at the source through the file's SrcMap.
 */
#ifndef INTERP_MODEL_H
#define INTERP_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "expr/err.h"
#include "expr/srcmap.h"
#include "expr/value.h"

/* dependsOn conditions, as bits: one dependsOn entry ORs its bits. */
typedef enum DepCond {
  DEP_SUCCEEDED = 1,
  DEP_FAILED = 2,
  DEP_SKIPPED = 4,
  DEP_COMPLETED = 8
} DepCond;

typedef struct Dependency {
  char *activity; /* owned: upstream activity name */
  unsigned conds; /* DepCond bits */
  char *path;     /* owned: JSON path of this dependsOn entry */
} Dependency;

typedef struct ActivityDef ActivityDef;

/* A nested list of activities inside a container.  'label' is the
 * typeProperties member it came from: "activities" (ForEach, Until),
 * "ifTrueActivities", "ifFalseActivities", "defaultActivities", or
 * "cases" for one Switch case (then 'case_value' holds its value). */
typedef struct ActivityBlock {
  char *label;        /* owned */
  Value *case_value;  /* owned; Switch cases only, else NULL */
  char *path;         /* owned: JSON path of the array */
  ActivityDef **acts; /* owned items */
  size_t n_acts;
} ActivityBlock;

struct ActivityDef {
  char *name;        /* owned */
  char *type;        /* owned, as written (compare case-insensitively) */
  char *description; /* owned; NULL when absent */
  bool inactive;     /* "state": "Inactive" */
  char *on_inactive_mark_as; /* owned: "Succeeded" (default), "Failed",
                                "Skipped" */
  Dependency *deps;          /* owned array */
  size_t n_deps;
  Value *policy;          /* owned; NULL when absent */
  Value *type_props;      /* owned; {} when absent */
  Value *user_properties; /* owned; [] when absent */
  Value *raw;             /* owned: the whole activity object as written */
  ActivityBlock *blocks;  /* owned array: nested activity lists */
  size_t n_blocks;
  ActivityDef *parent; /* borrowed: enclosing container, NULL at top */
  char *path;          /* owned: e.g. properties.activities[1] */
  int line, col;       /* where the activity object starts; 0 unknown */
};

typedef struct Pipeline {
  char *name;         /* owned */
  char *file;         /* owned: source file path, or NULL */
  char *base_path;    /* owned: JSON path prefix of 'properties' content:
                         "properties" for the git layout, "" when the file
                         holds the properties object itself, or an ARM
                         resource path */
  Value *raw;         /* owned: the whole document as written */
  Value *parameters;  /* owned: {name: {type, defaultValue}}; {} if none */
  Value *variables;   /* owned: {name: {type, defaultValue}}; {} if none */
  Value *annotations; /* owned; [] if none */
  ActivityDef **acts; /* owned: top-level activities */
  size_t n_acts;
  SrcMap *locs; /* owned: positions in 'file'; may be NULL */
} Pipeline;

typedef enum ResKind {
  RES_PIPELINE,
  RES_DATASET,
  RES_LINKED_SERVICE,
  RES_TRIGGER,
  RES_FACTORY,
  RES_DATAFLOW,
  RES_INTEGRATION_RUNTIME,
  RES_CREDENTIAL,
  RES_MANAGED_VNET,
  RES_OTHER
} ResKind;

/* Any other named definition (dataset, linked service, trigger...). */
typedef struct Resource {
  ResKind kind;
  char *name;   /* owned */
  char *file;   /* owned; may be NULL */
  char *type;   /* owned: properties.type, or NULL */
  Value *raw;   /* owned: the whole document */
  SrcMap *locs; /* owned; may be NULL */
} Resource;

typedef struct Factory {
  char *dir;            /* owned: folder loaded, or NULL */
  char *name;           /* owned: factory name when known, or NULL */
  Pipeline **pipelines; /* owned */
  size_t n_pipelines;
  Resource **resources; /* owned: everything that is not a pipeline */
  size_t n_resources;
  Value *global_parameters; /* owned: {name: {type, value}}; {} if none */
} Factory;

void pipeline_free(Pipeline *p);
void resource_free(Resource *r);
void factory_free(Factory *f);

/* Borrowed look-ups; names compare case-insensitively as ADF does. */
Pipeline *factory_pipeline(const Factory *f, const char *name);
Resource *factory_resource(const Factory *f, ResKind kind, const char *name);
const char *res_kind_name(ResKind k); /* "pipeline", "dataset", ... */

/* Walks every activity of 'p' depth-first (containers before their
 * children).  Stops early when 'fn' returns false. */
bool pipeline_walk(const Pipeline *p,
                   bool (*fn)(void *ud, const ActivityDef *a), void *ud);
/* Finds an activity anywhere in 'p' (nested included) by exact name. */
const ActivityDef *pipeline_find_activity(const Pipeline *p, const char *name);
/* Position of a JSON path of 'p''s file (line/col 0 when unknown). */
void pipeline_loc(const Pipeline *p, const char *path, SrcLoc *out);

#endif /* INTERP_MODEL_H */
