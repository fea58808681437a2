/*
 * interp/load.h -- reading definitions from files and folders
 *
 * Accepted layouts: an ADF git-integration file {"name", "properties"}, a
 * bare properties object, the same structures in YAML (.yaml/.yml), UTF-8
 * with or without BOM and UTF-16 LE/BE with BOM; a factory folder with
 * pipeline/, dataset/, linkedService/, trigger/, factory/ ... subfolders.
 * ARM template exports and Fabric folders are recognised too.
 * Every error names the file and either line:col (syntax) or the JSON path
 * (structure).  A definition that fails to load is never half-returned.
 */
#ifndef INTERP_LOAD_H
#define INTERP_LOAD_H

#include "expr/err.h"
#include "expr/srcmap.h"
#include "expr/value.h"
#include "interp/model.h"

/* Reads a whole file and converts it to UTF-8 (BOMs and UTF-16 handled).
 * Returns a malloc'd NUL-terminated buffer and its length, or NULL with
 * *err set (ERR_IO). */
char *load_file_utf8(const char *path, size_t *len, Err *err);

/* Parses a JSON or YAML document (chosen by the file extension; YAML for
 * .yaml/.yml) into a Value, filling 'locs' when not NULL.  Returns a new
 * reference or NULL with *err set (file:line:col). */
Value *load_document(const char *path, SrcMap *locs, Err *err);

/* YAML text -> Value (load_yaml.c, the only libyaml user). */
Value *load_yaml_text(const char *text, size_t len, SrcMap *locs, Err *err);

/* Builds a Pipeline from a parsed document.  'file' is used for messages
 * and copied.  Takes ownership of 'doc' and 'locs' in all cases. */
Pipeline *load_pipeline_value(Value *doc, SrcMap *locs, const char *file,
                              Err *err);

/* Loads one pipeline file.  Returns a new Pipeline or NULL with *err. */
Pipeline *load_pipeline_file(const char *path, Err *err);

/* Loads a factory folder: every definition in its subfolders.  Returns a
 * new Factory, or NULL with *err set at the first file that fails. */
Factory *load_factory_dir(const char *dir, Err *err);

/* Loads whatever 'path' is (pipeline file, factory folder, or a pipeline
 * file inside a factory folder, whose siblings are then loaded too) and
 * reports which pipeline it names in *out_pipeline (borrowed from the
 * factory; NULL for a folder).  Returns a new Factory or NULL with *err. */
Factory *load_any(const char *path, Pipeline **out_pipeline, Err *err);

#endif /* INTERP_LOAD_H */
