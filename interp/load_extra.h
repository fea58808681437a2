/*
 * interp/load_extra.h -- loader entry points beyond interp/load.h
 *
 * Kind detection and loading of non-pipeline definitions (datasets,
 * linked services, triggers...), used by the corpus test and by tools
 * that need one resource file.  Same error rules as load.h: the file and
 * line:col for syntax, the file and JSON path for structure.
 */
#ifndef INTERP_LOAD_EXTRA_H
#define INTERP_LOAD_EXTRA_H

#include <stdbool.h>

#include "expr/err.h"
#include "expr/srcmap.h"
#include "expr/value.h"
#include "interp/model.h"

/* Guesses what a parsed definition is, from its ARM "type", its
 * properties (activities, type, linkedServiceName...) and the name of the
 * folder 'file' sits in (may be NULL).  RES_OTHER when nothing fits.
 * Never fails. */
ResKind load_detect_kind(const Value *doc, const char *file);

/* True when 'doc' is an ARM deployment template (a "resources" array and
 * a deploymentTemplate "$schema", or resources of Microsoft.* types). */
bool load_is_arm_template(const Value *doc);

/* Builds a Resource of 'kind' from a parsed document.  Takes ownership
 * of 'doc' and 'locs' in all cases; 'file' is copied.  Fails with
 * ERR_DEF_STRUCTURE when the document is not an object, when 'name' or
 * 'properties' have the wrong type, or when the document is clearly a
 * different kind (say a pipeline loaded as a dataset).  Returns a new
 * Resource or NULL with *err set. */
Resource *load_resource_value(Value *doc, SrcMap *locs, ResKind kind,
                              const char *file, Err *err);

/* Loads one definition file as 'kind' (RES_OTHER: detected).  Returns a
 * new Resource or NULL with *err set. */
Resource *load_resource_file(const char *path, ResKind kind, Err *err);

/* Parses 'text' (from load_file_utf8) as JSON or YAML, chosen by the
 * extension of 'path' (sniffed when neither), filling 'locs' when not
 * NULL: load_document for callers that keep the text.  Returns a new
 * Value or NULL with *err set (its file is 'path'). */
Value *load_parse_text(const char *path, const char *text, size_t len,
                       SrcMap *locs, Err *err);

/* Builds the Factory of an ARM template already parsed from 'text'
 * (which gives pipelines their line:col when the file is JSON; may be
 * NULL).  Takes ownership of 'doc' in all cases.  Returns a new Factory
 * or NULL with *err set (ERR_DEF_STRUCTURE when 'doc' is not an ARM
 * template). */
Factory *load_arm_value(Value *doc, const char *path, const char *text,
                        size_t len, Err *err);

/* Loads an ARM template export (its pipelines, datasets, linked
 * services, triggers...) as a Factory.  Returns a new Factory or NULL
 * with *err set (ERR_DEF_STRUCTURE when 'path' is not an ARM template). */
Factory *load_arm_file(const char *path, Err *err);

/* Returns a copy of 'path' that lives until the process exits, for
 * err->loc.file (which is borrowed).  Equal paths share one copy. */
const char *load_intern_path(const char *path);

#endif /* INTERP_LOAD_EXTRA_H */
