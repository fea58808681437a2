/*
 * interp/schema.h -- what every ADF activity type requires
 *
 * One sorted table row per activity type (ADF, Synapse and Fabric),
 * whether adfrun runs it or not: its kind, the properties it cannot do
 * without and the JSON types they take.  Facts from the Data Factory REST
 * API specification 2018-06-01 (entityTypes/Pipeline.json "required"
 * lists) plus the few that the authoring UI enforces; docs/validation.md
 * lists them.  Read-only static data.
 */
#ifndef INTERP_SCHEMA_H
#define INTERP_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

#include "expr/value.h"

/* Where a type exists. */
enum {
  SCH_ADF = 1,     /* Data Factory (and so Synapse) */
  SCH_SYNAPSE = 2, /* Synapse pipelines only */
  SCH_FABRIC = 4   /* Fabric Data Factory only */
};

/* Activity kinds that matter to the nesting rules of ADF-SPEC 5. */
typedef enum SchemaKind {
  SK_EXECUTION, /* leaf activity that runs somewhere */
  SK_CONTROL,   /* leaf control activity (Wait, SetVariable...) */
  SK_CONTAINER  /* ForEach, Until, IfCondition, Switch */
} SchemaKind;

/* JSON type of a required property, as letters in SchemaProp.types:
 *   s string  o object  a array  i integer  b boolean  n number
 *   e expression (an {"value","type":"Expression"} object or a string)
 *   x anything but null */
typedef struct SchemaProp {
  const char *name;  /* property of typeProperties (or of the activity
                        when 'top' is set) */
  const char *types; /* accepted JSON types, see above */
  bool top;          /* an activity-level property, not typeProperties */
} SchemaProp;

#define SCHEMA_MAX_PROPS 6

typedef struct SchemaType {
  const char *type; /* as ADF spells it */
  SchemaKind kind;
  unsigned where;                   /* SCH_* bits */
  SchemaProp req[SCHEMA_MAX_PROPS]; /* required properties; name NULL ends */
} SchemaType;

/* Case-insensitive lookup of an activity type; NULL when unknown. */
const SchemaType *schema_find(const char *type);
size_t schema_count(void);
const SchemaType *schema_at(size_t i);

/* True when 'v' is of one of the JSON types listed in 'types'. */
bool schema_type_ok(const Value *v, const char *types);
/* Human words for 'types' ("a string or an expression"), static. */
const char *schema_type_words(const char *types);

#endif /* INTERP_SCHEMA_H */
