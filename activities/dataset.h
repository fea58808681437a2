/*
 * activities/dataset.h -- resolving DatasetReferences into data specs
 *
 * ds_resolve() finds the dataset and its linked service in the factory,
 * binds dataset and linked-service parameters (defaults included),
 * evaluates their expressions (@dataset().x, @linkedService().x),
 * unwraps SecureString values and Azure Key Vault references (from the
 * local secrets file or ADFRUN_SECRET_<NAME>), registers every secret
 * through a callback so it never reaches a report, and returns one plain
 * JSON object that a worker thread can rebuild on its own side.
 */
#ifndef ACTIVITIES_DATASET_H
#define ACTIVITIES_DATASET_H

#include <stdbool.h>
#include <stdint.h>

#include "expr/err.h"
#include "expr/eval.h"
#include "expr/value.h"
#include "interp/model.h"

/* Called for every secret met while resolving (never NULL strings). */
typedef void (*DsSecretFn)(void *ud, const char *secret);

/* Resolves a DatasetReference {"referenceName", "parameters"?} whose own
 * values are already evaluated.  'env' (may be NULL) is the caller's
 * scope; its dataset/linked_service fields are replaced.  Returns a new
 * object:
 *   {"dataset": name, "type": "DelimitedText"|"Json"|"Binary",
 *    "linkedService": name, "linkedServiceType": "FileServer"|...,
 *    "conn": {store connection, see store.h},
 *    "folder": store path of the folder ("" = root),
 *    "root": the Blob container, or "" for other stores,
 *    "file": fileName or null, "props": evaluated typeProperties,
 *    "schema": evaluated schema or null}
 * or NULL with *err set (ERR_DATA_REFERENCE, ERR_DATA_SECRET,
 * ERR_DATA_UNSUPPORTED naming the type or option). */
Value *ds_resolve(const Factory *f, const Value *ref, const EvalEnv *env,
                  DsSecretFn secret, void *ud, Err *err);

/* Looks up a Key Vault secret the way ds_resolve does: the ADFRUN_SECRETS
 * file (keys "<vault linked service>/<name>", "<vault base URL>/<name>",
 * "<name>"), then the environment variable ADFRUN_SECRET_<NAME> (name
 * upper-cased, other characters than letters and digits as '_').
 * 'vault_ls' and 'vault_url' may be NULL.  Returns a malloc'd value, or
 * NULL with *err set (ERR_DATA_SECRET) naming the keys tried. */
char *ds_secret_lookup(const char *vault_ls, const char *vault_url,
                       const char *name, Err *err);

/* ---- Small property helpers (case-insensitive, evaluated values) ---- */

/* A string property, or NULL when absent or not a string. */
const char *ds_str(const Value *obj, const char *key);
/* A boolean property; accepts true/false and "true"/"false". */
bool ds_bool(const Value *obj, const char *key, bool dflt);
/* An integer property; accepts numbers and digit strings. */
int64_t ds_int(const Value *obj, const char *key, int64_t dflt);
/* Borrowed property (case-insensitive), or NULL. */
const Value *ds_get(const Value *obj, const char *key);

#endif /* ACTIVITIES_DATASET_H */
