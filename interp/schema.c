/*
 * interp/schema.c -- the activity-type table: kinds and required properties
 *
 * Rows are sorted case-insensitively by type (a unit test checks it) and
 * looked up with bsearch.  Required lists come from the 2018-06-01 REST
 * API specification ("required" of each <Type>ActivityTypeProperties);
 * rows marked "UI" in docs/validation.md are enforced by the authoring
 * UI rather than the API (SetVariable/AppendVariable variableName, the
 * linked service of activities that run on one, Copy inputs/outputs).
 */
#include "interp/schema.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define P(n, t)                                                                \
  {                                                                            \
    n, t, false                                                                \
  }
#define T(n, t)                                                                \
  {                                                                            \
    n, t, true                                                                 \
  }
#define LS T("linkedServiceName", "o")

/* clang-format off */
static const SchemaType types[] = {
  { "AppendVariable",             SK_CONTROL,   SCH_ADF,     { P("variableName", "s") } },
  { "AzureDataExplorerCommand",   SK_EXECUTION, SCH_ADF,     { P("command", "x"), LS } },
  { "AzureFunctionActivity",      SK_EXECUTION, SCH_ADF,     { P("method", "s"), P("functionName", "x"), LS } },
  { "AzureMLBatchExecution",      SK_EXECUTION, SCH_ADF,     { LS } },
  { "AzureMLExecutePipeline",     SK_EXECUTION, SCH_ADF,     { LS } },
  { "AzureMLUpdateResource",      SK_EXECUTION, SCH_ADF,     { P("trainedModelName", "x"), P("trainedModelLinkedServiceName", "o"), P("trainedModelFilePath", "x"), LS } },
  { "Copy",                       SK_EXECUTION, SCH_ADF,     { P("source", "o"), P("sink", "o") } },
  { "Custom",                     SK_EXECUTION, SCH_ADF,     { P("command", "x"), LS } },
  { "DatabricksJob",              SK_EXECUTION, SCH_ADF,     { P("jobId", "x"), LS } },
  { "DatabricksNotebook",         SK_EXECUTION, SCH_ADF,     { P("notebookPath", "x"), LS } },
  { "DatabricksSparkJar",         SK_EXECUTION, SCH_ADF,     { P("mainClassName", "x"), LS } },
  { "DatabricksSparkPython",      SK_EXECUTION, SCH_ADF,     { P("pythonFile", "x"), LS } },
  { "DataLakeAnalyticsU-SQL",     SK_EXECUTION, SCH_ADF,     { P("scriptPath", "x"), P("scriptLinkedService", "o"), LS } },
  { "Delete",                     SK_EXECUTION, SCH_ADF,     { P("dataset", "o") } },
  { "ExecuteDataFlow",            SK_EXECUTION, SCH_ADF,     { P("dataFlow", "o") } },
  { "ExecutePipeline",            SK_CONTROL,   SCH_ADF,     { P("pipeline", "o") } },
  { "ExecuteSSISPackage",         SK_EXECUTION, SCH_ADF,     { P("packageLocation", "o"), P("connectVia", "o") } },
  { "ExecuteWranglingDataflow",   SK_EXECUTION, SCH_ADF,     { P("dataFlow", "o") } },
  { "Fail",                       SK_CONTROL,   SCH_ADF,     { P("message", "x"), P("errorCode", "x") } },
  { "Filter",                     SK_CONTROL,   SCH_ADF,     { P("items", "e"), P("condition", "e") } },
  { "ForEach",                    SK_CONTAINER, SCH_ADF,     { P("items", "e"), P("activities", "a") } },
  { "GetMetadata",                SK_EXECUTION, SCH_ADF,     { P("dataset", "o") } },
  { "HDInsightHive",              SK_EXECUTION, SCH_ADF,     { LS } },
  { "HDInsightMapReduce",         SK_EXECUTION, SCH_ADF,     { P("className", "x"), P("jarFilePath", "x"), LS } },
  { "HDInsightPig",               SK_EXECUTION, SCH_ADF,     { LS } },
  { "HDInsightSpark",             SK_EXECUTION, SCH_ADF,     { P("rootPath", "x"), P("entryFilePath", "x"), LS } },
  { "HDInsightStreaming",         SK_EXECUTION, SCH_ADF,     { P("mapper", "x"), P("reducer", "x"), P("input", "x"), P("output", "x"), P("filePaths", "a"), LS } },
  { "IfCondition",                SK_CONTAINER, SCH_ADF,     { P("expression", "e") } },
  { "InvokePipeline",             SK_CONTROL,   SCH_FABRIC,  { {NULL, NULL, false} } },
  { "Lookup",                     SK_EXECUTION, SCH_ADF,     { P("source", "o"), P("dataset", "o") } },
  { "Office365Outlook",           SK_EXECUTION, SCH_FABRIC,  { {NULL, NULL, false} } },
  { "PBISemanticModelRefresh",    SK_EXECUTION, SCH_FABRIC,  { {NULL, NULL, false} } },
  { "RefreshDataflow",            SK_EXECUTION, SCH_FABRIC,  { {NULL, NULL, false} } },
  { "Script",                     SK_EXECUTION, SCH_ADF,     { LS } },
  { "SetVariable",                SK_CONTROL,   SCH_ADF,     { P("variableName", "s") } },
  { "SparkJob",                   SK_EXECUTION, SCH_SYNAPSE, { P("sparkJob", "o") } },
  { "SparkJobDefinition",         SK_EXECUTION, SCH_FABRIC,  { {NULL, NULL, false} } },
  { "SqlPoolStoredProcedure",     SK_EXECUTION, SCH_SYNAPSE, { P("storedProcedureName", "x") } },
  { "SqlServerStoredProcedure",   SK_EXECUTION, SCH_ADF,     { P("storedProcedureName", "x"), LS } },
  { "Switch",                     SK_CONTAINER, SCH_ADF,     { P("on", "e") } },
  { "SynapseNotebook",            SK_EXECUTION, SCH_ADF,     { P("notebook", "o") } },
  { "SynapseSparkJob",            SK_EXECUTION, SCH_ADF,     { P("sparkJob", "o") } },
  { "Teams",                      SK_EXECUTION, SCH_FABRIC,  { {NULL, NULL, false} } },
  { "TridentNotebook",            SK_EXECUTION, SCH_FABRIC,  { {NULL, NULL, false} } },
  { "Until",                      SK_CONTAINER, SCH_ADF,     { P("expression", "e"), P("activities", "a") } },
  { "Validation",                 SK_CONTROL,   SCH_ADF,     { P("dataset", "o") } },
  { "Wait",                       SK_CONTROL,   SCH_ADF,     { P("waitTimeInSeconds", "x") } },
  { "WebActivity",                SK_EXECUTION, SCH_ADF,     { P("method", "s"), P("url", "x") } },
  { "WebHook",                    SK_CONTROL,   SCH_ADF,     { P("method", "s"), P("url", "x") } },
};
/* clang-format on */
#define N_TYPES (sizeof(types) / sizeof(types[0]))

static int cmp_type(const void *key, const void *row)
{
  return strcasecmp((const char *)key, ((const SchemaType *)row)->type);
}

const SchemaType *schema_find(const char *type)
{
  if (!type)
    return NULL;
  return bsearch(type, types, N_TYPES, sizeof(types[0]), cmp_type);
}

size_t schema_count(void)
{
  return N_TYPES;
}

const SchemaType *schema_at(size_t i)
{
  return i < N_TYPES ? &types[i] : NULL;
}

static bool is_expression_string(const Value *v)
{
  return val_kind(v) == VAL_STRING && val_str(v)[0] == '@';
}

static bool is_expression_object(const Value *v)
{
  if (val_kind(v) != VAL_OBJECT)
    return false;
  const Value *t = val_object_peek_ci(v, "type", 4);
  const Value *x = val_object_peek_ci(v, "value", 5);
  return t && x && val_kind(t) == VAL_STRING &&
         strcasecmp(val_str(t), "Expression") == 0;
}

bool schema_type_ok(const Value *v, const char *types_s)
{
  if (!v)
    return false;
  ValKind k = val_kind(v);
  for (const char *t = types_s; *t; t++) {
    switch (*t) {
    case 's':
      if (k == VAL_STRING)
        return true;
      break;
    case 'o':
      if (k == VAL_OBJECT)
        return true;
      break;
    case 'a':
      if (k == VAL_ARRAY)
        return true;
      break;
    case 'i':
      if (k == VAL_INT)
        return true;
      break;
    case 'b':
      if (k == VAL_BOOL)
        return true;
      break;
    case 'n':
      if (k == VAL_INT || k == VAL_FLOAT)
        return true;
      break;
    case 'e':
      if (is_expression_object(v) || is_expression_string(v))
        return true;
      break;
    case 'x':
      if (k != VAL_NULL)
        return true;
      break;
    default:
      break;
    }
  }
  return false;
}

const char *schema_type_words(const char *t)
{
  if (strcmp(t, "s") == 0)
    return "a string";
  if (strcmp(t, "o") == 0)
    return "an object";
  if (strcmp(t, "a") == 0)
    return "an array";
  if (strcmp(t, "e") == 0)
    return "an expression";
  if (strcmp(t, "i") == 0)
    return "an integer";
  if (strcmp(t, "b") == 0)
    return "a boolean";
  return "a value";
}
