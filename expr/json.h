/*
 * expr/json.h -- JSON text <-> Value, and cJSON at the edges
 *
 * json_parse() is adfrun's own scanner: cJSON keeps numbers as doubles
 * and records no positions, and ADF needs exact int64 integers (int and
 * float stay apart) and file:line:col in every error.  cJSON is kept for
 * code that must hand trees to or take them from cJSON-based APIs; the
 * two conversions below are its only use in expr/.
 */
#ifndef EXPR_JSON_H
#define EXPR_JSON_H

#include <stddef.h>

#include "expr/err.h"
#include "expr/srcmap.h"
#include "expr/value.h"

/* Maximum nesting of arrays and objects accepted by json_parse(). */
#define JSON_MAX_DEPTH 512

/* Parses one JSON document (a leading UTF-8 BOM is skipped; whitespace
 * may surround it).  Numbers without '.', 'e' or 'E' that fit int64 are
 * VAL_INT, all others VAL_FLOAT.  Duplicate keys: the last one wins.
 * When 'locs' is not NULL the position of every value is recorded under
 * its path.  Returns a new reference, or NULL with *err set to
 * ERR_JSON_SYNTAX and err->loc.line/col at the fault. */
Value *json_parse(const char *text, size_t len, SrcMap *locs, Err *err);

/* Conversions for cJSON users.  json_to_cjson() returns a tree the caller
 * must cJSON_Delete(); json_from_cjson() returns a new reference (cJSON
 * numbers that are whole and within +-2^53 become VAL_INT). */
struct cJSON;
struct cJSON *json_to_cjson(const Value *v);
Value *json_from_cjson(const struct cJSON *j);

#endif /* EXPR_JSON_H */
