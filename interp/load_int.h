/*
 * interp/load_int.h -- helpers shared by load.c and load_factory.c only
 *
 * Not part of the loader's API (that is load.h and load_extra.h): these
 * are the per-file building blocks the folder and ARM readers reuse.
 */
#ifndef INTERP_LOAD_INT_H
#define INTERP_LOAD_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "expr/err.h"
#include "expr/srcmap.h"
#include "expr/value.h"
#include "interp/model.h"

/* The last path component (borrowed from 'path'). */
const char *load_base_name(const char *path);
bool load_ends_with_ci(const char *s, const char *suffix);
/* True when 'path' ends in '.ext' (case-insensitive). */
bool load_has_ext(const char *path, const char *ext);
/* Records ERR_IO for 'path' with strerror(e).  Returns false. */
bool load_io_err(Err *err, const char *path, const char *what, int e);
bool load_is_yaml_name(const char *path);
ResKind load_kind_from_arm_type(const char *type);
/* The resource kind a file's folder name implies, or RES_OTHER. */
ResKind load_kind_from_folder(const char *file);
/* Case-insensitive member look-up (exact spelling wins); the key as
 * written goes to out_key and out_klen when not NULL.  Borrowed. */
const Value *load_member(const Value *obj, const char *key,
                         const char **out_key, size_t *out_klen);
/* A string member, or NULL. */
const char *load_member_str(const Value *obj, const char *key);
/* Records ERR_DEF_STRUCTURE at 'path' of 'file'.  Returns false. */
bool load_struct_err(Err *err, const char *file, const SrcMap *locs,
                     const char *path, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

#endif /* INTERP_LOAD_INT_H */
