/*
 * activities/dataops.h -- the data operations behind Copy, Lookup,
 *                         GetMetadata, Delete and Validation
 *
 * Each operation takes one plain "job" object (built on the run loop from
 * resolved datasets, see dataset.h) and returns the activity's output.
 * They block on I/O, so the activities run them on a worker thread
 * (datajob.h); they touch no engine state and share no Value with the
 * loop: the job arrives as JSON text and the output leaves as JSON text.
 * Tests call them directly.
 */
#ifndef ACTIVITIES_DATAOPS_H
#define ACTIVITIES_DATAOPS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "activities/store.h"
#include "expr/err.h"
#include "expr/value.h"

/* An operation: returns a new output object, or NULL with *err set.
 * '*cancel' becomes non-zero when the run is cancelled; long operations
 * check it between chunks and fail with ERR_DATA_STORE "cancelled". */
typedef Value *(*DataOpFn)(const Value *job, const atomic_int *cancel,
                           Err *err);

/* Copy.  job = {"source": spec + {"settings": source typeProperties},
 *               "sink": spec + {"settings": sink typeProperties},
 *               "translator": object|null, "additionalColumns": [...],
 *               "enableSkipIncompatibleRow": bool, "start": ISO text}
 * Output: dataRead, dataWritten, filesRead, filesWritten, rowsRead,
 * rowsCopied, copyDuration, throughput, errors, executionDetails... */
Value *dataop_copy(const Value *job, const atomic_int *cancel, Err *err);

/* Lookup.  job = {"source": spec + {"settings"}, "firstRowOnly": bool}.
 * Output {"firstRow": {...}} or {"count": n, "value": [...]}. */
Value *dataop_lookup(const Value *job, const atomic_int *cancel, Err *err);

/* GetMetadata.  job = {"dataset": spec, "fieldList": [...],
 * "storeSettings": {...}|null}.  Output: the requested fields.
 * HttpServer: one HEAD request; childItems and created fail by name. */
Value *dataop_getmetadata(const Value *job, const atomic_int *cancel, Err *err);

/* Delete.  job = {"dataset": spec, "recursive": bool, "storeSettings":
 * {...}|null}.  Output: filesDeleted and the echo fields. */
Value *dataop_delete(const Value *job, const atomic_int *cancel, Err *err);

/* One Validation probe.  job = {"dataset": spec}.  Output {"exists",
 * "itemType", "size", "childItems": n (folders)}; never fails for a
 * missing item.  HttpServer: a HEAD request; any answer but 2xx (and a
 * refused connection or timeout) is "not yet", except 401/403, which
 * fail; "size" only with a Content-Length. */
Value *dataop_probe(const Value *job, const atomic_int *cancel, Err *err);

/* ---- Shared helpers (dataops.c) -------------------------------------- */

/* Parses an ISO 8601 UTC date-time ("2024-01-31T10:00:00Z", offsets and
 * fractions allowed) into Unix seconds.  False when malformed. */
bool dataop_parse_time(const char *s, int64_t *out);
/* Formats Unix seconds as "2024-01-31T10:00:00Z" into 'buf' (>= 24). */
void dataop_format_time(int64_t t, char *buf, size_t n);
/* Fills a StoreSelect from a spec and storeSettings (strings borrowed
 * from the two values).  Paths in wildcardFolderPath and prefix are made
 * relative to the store root (container included for Blob).  'sbuf'
 * receives the malloc'd strings the selection points to (free them with
 * dataop_select_fini). */
typedef struct SelectBufs {
  char *folder, *wild_folder, *prefix;
} SelectBufs;
bool dataop_select_from(const Value *spec, const Value *store_settings,
                        bool recursive_default, StoreSelect *sel,
                        SelectBufs *bufs, Err *err);
void dataop_select_fini(SelectBufs *bufs);
/* The store connection of a spec ("conn" object), merged with HTTP read
 * settings when given.  Returns a new Store or NULL. */
Store *dataop_open_store(const Value *spec, const Value *store_settings,
                         Err *err);
/* The store path of a spec's item: folder/file, or folder when no file. */
char *dataop_item_path(const Value *spec);
/* The items a Copy or Lookup source reads: the HTTP URL, or the files
 * the selection picks (sorted).  *base (malloc'd) is the folder relative
 * to which hierarchy is kept. */
bool dataop_source_items(Store *st, const Value *spec, const Value *ss,
                         StoreList *items, char **base, Err *err);
/* True for a spec whose linked service is HttpServer. */
bool dataop_is_http(const Value *spec);

/* Rewrites a store or data failure in *err into ADF's Copy message
 * shape ("Failure happened on '<side>' side. ErrorCode=...,'Type=...,
 * Message=<cause>,Source=...,'"), choosing the code from the linked
 * service of 'spec'.  Leaves configuration errors, cancellations and
 * messages already in that shape alone. */
void dataops_adf_style(Err *err, const char *side, const Value *spec,
                       const atomic_int *cancel);
/* The shape itself: wraps err->msg (when set and not already wrapped)
 * with the inner ErrorCode 'code'.  Validation's timeout uses it. */
void dataops_adf_message(Err *err, const char *side, const char *code);

#endif /* ACTIVITIES_DATAOPS_H */
