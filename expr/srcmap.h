/*
 * expr/srcmap.h -- where each value of a definition file came from
 *
 * A SrcMap maps a JSON path ("properties.activities[2].typeProperties.url")
 * to the 1-based line and column where that value starts in the source
 * file.  The JSON and YAML readers fill it; validation and error messages
 * read it.  Paths use the form built by srcpath_key()/srcpath_index(): the
 * root is "", object members are ".name" (no dot at the root) or
 * "['odd key']" when the key is not an identifier, array items "[i]".
 */
#ifndef EXPR_SRCMAP_H
#define EXPR_SRCMAP_H

#include <stdbool.h>
#include <stddef.h>

#include "expr/strbuf.h"

typedef struct SrcMap SrcMap;

SrcMap *srcmap_new(void);
void srcmap_free(SrcMap *m);
/* Records (or overwrites) the position of 'path'. */
void srcmap_put(SrcMap *m, const char *path, size_t plen, int line, int col);
/* Finds the position of 'path'; false when unknown. */
bool srcmap_get(const SrcMap *m, const char *path, int *line, int *col);
/* Like srcmap_get, but falls back to the nearest recorded ancestor of
 * 'path' (so a missing property points at its object). */
bool srcmap_find(const SrcMap *m, const char *path, int *line, int *col);
size_t srcmap_count(const SrcMap *m);

/* Path building: append one member or item step to 'sb'. */
void srcpath_key(StrBuf *sb, const char *key, size_t klen);
void srcpath_index(StrBuf *sb, size_t i);

#endif /* EXPR_SRCMAP_H */
