/*
 * activities/store.h -- data stores (file system, Blob, HTTP) and streams
 *
 * A Store is one connection to a linked service, opened from a plain
 * connection object that dataset.c builds ({"kind": "file"|"blob"|"http",
 * ...}).  Paths inside a store are '/'-separated and relative to its root
 * (FileServer host, Blob account: "container/blob", HTTP base URL).
 * Stores and streams are single-owner and used by ONE thread at a time:
 * the Copy worker opens its own, so nothing here is shared across threads.
 * Writers are atomic: nothing is visible under the target name before
 * commit(), and abort() leaves no trace.
 */
#ifndef ACTIVITIES_STORE_H
#define ACTIVITIES_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "expr/err.h"
#include "expr/value.h"

/* ---- Streams --------------------------------------------------------- */

typedef struct InStream InStream;
struct InStream {
  /* Reads up to 'n' bytes.  Returns the count, 0 at the end, or -1 with
   * *err set. */
  ptrdiff_t (*read)(InStream *s, void *buf, size_t n, Err *err);
  void (*close)(InStream *s); /* frees the stream */
};

typedef struct OutStream OutStream;
struct OutStream {
  /* Appends bytes.  Returns false with *err set. */
  bool (*write)(OutStream *s, const void *buf, size_t n, Err *err);
  /* Makes the data visible under the target name and frees the stream
   * (also on failure, after which nothing is visible).  */
  bool (*commit)(OutStream *s, Err *err);
  /* Discards everything written and frees the stream. */
  void (*abort)(OutStream *s);
};

/* Helpers over the function pointers. */
ptrdiff_t stream_read(InStream *s, void *buf, size_t n, Err *err);
/* Reads until 'n' bytes or the end; returns the count or -1. */
ptrdiff_t stream_read_full(InStream *s, void *buf, size_t n, Err *err);
void stream_close(InStream *s); /* NULL is ignored */
bool stream_write(OutStream *s, const void *buf, size_t n, Err *err);
bool stream_commit(OutStream *s, Err *err);
void stream_abort(OutStream *s); /* NULL is ignored */

/* A read-only stream over 'len' bytes of 'data' (borrowed: must outlive
 * the stream).  Never NULL. */
InStream *stream_mem_in(const void *data, size_t len);
/* A stream that appends to '*sb' (borrowed); commit and abort keep what
 * was written (tests and small in-memory sinks).  Never NULL. */
OutStream *stream_mem_out(StrBuf *sb);

/* gzip / raw-deflate layers (zlib).  The new stream owns 'inner' and
 * closes/aborts it with itself.  'codec' is "gzip" or "deflate"; 'level'
 * is "Optimal" (default) or "Fastest".  NULL with *err set for an unknown
 * codec (the inner stream is then closed/aborted). */
InStream *stream_decompress(InStream *inner, const char *codec, Err *err);
OutStream *stream_compress(OutStream *inner, const char *codec,
                           const char *level, Err *err);

/* Character-set layers: the program works in UTF-8; these convert from
 * and to 'encoding' ("UTF-8", "UTF-8 without BOM", "UTF-16",
 * "UTF-16LE", "UTF-16BE", "ISO-8859-1", "Latin1", "US-ASCII"; names
 * compare case-insensitively).  A UTF-8 or UTF-16 BOM on input is dropped.
 * Returns 'inner' itself when no conversion is needed.  NULL with *err
 * set (ERR_DATA_UNSUPPORTED) for any other name. */
InStream *stream_decode(InStream *inner, const char *encoding, Err *err);
OutStream *stream_encode(OutStream *inner, const char *encoding, Err *err);
/* True when 'encoding' names a charset the two functions above know. */
bool stream_encoding_known(const char *encoding);

/* ---- Items and listings ---------------------------------------------- */

typedef struct StoreItem {
  char *path; /* owned: store path ("a/b.csv"), or relative name in a
                 listing */
  bool is_dir;
  int64_t size;  /* bytes; 0 for folders */
  int64_t mtime; /* Unix seconds, UTC; 0 when unknown */
  int64_t ctime; /* creation time; mtime when the store has none */
  char *md5;     /* owned: base64 content MD5 when the store keeps one */
} StoreItem;

typedef struct StoreList {
  StoreItem *items; /* owned */
  size_t n, cap;
} StoreList;

void store_item_fini(StoreItem *it);
void store_list_init(StoreList *l);
void store_list_fini(StoreList *l);
/* Appends a copy of 'it' with 'path' replaced by 'name' (copied). */
void store_list_add(StoreList *l, const StoreItem *it, const char *name);
/* Sorts by path (byte order), so results never depend on the store. */
void store_list_sort(StoreList *l);

/* ---- Stores ---------------------------------------------------------- */

typedef struct Store Store;
typedef struct StoreOps {
  const char *name; /* "FileServer", "AzureBlobStorage", "HttpServer" */
  /* Looks 'path' up.  *found false (and true returned) when absent.
   * HttpServer: a HEAD request; 404 and 410 are "absent", another
   * non-2xx status fails (ERR_DATA_STORE). */
  bool (*stat)(Store *st, const char *path, StoreItem *out, bool *found,
               Err *err);
  /* Appends the items below folder 'dir' ("" = root) to 'out', with
   * paths relative to 'dir'; folders too (is_dir).  Recursive walks go
   * all the way down.  A missing folder gives *found false. */
  bool (*list)(Store *st, const char *dir, bool recursive, StoreList *out,
               bool *found, Err *err);
  InStream *(*open_read)(Store *st, const char *path, Err *err);
  /* Atomic writer: the target appears at commit only.  Parent folders are
   * created as needed. */
  OutStream *(*open_write)(Store *st, const char *path, Err *err);
  /* Deletes one file.  Missing is an error. */
  bool (*remove)(Store *st, const char *path, Err *err);
  /* Deletes an (empty after file deletion) folder; NULL for stores with
   * no real folders (Blob), where a folder vanishes with its last file. */
  bool (*remove_dir)(Store *st, const char *path, Err *err);
  void (*free)(Store *st);
} StoreOps;

struct Store {
  const StoreOps *ops;
};

/* Opens a store from a connection object:
 *   {"kind": "file", "root": "/data"}
 *   {"kind": "blob", "endpoint": "http://127.0.0.1:10000/devstoreaccount1",
 *    "account": "...", "key": "<base64>" | "sas": "sv=..." | "token": "..."}
 *   {"kind": "http", "url": "https://h/", "headers": ["K: v"...],
 *    "insecure": false, "method": "GET", "body": "...", "timeoutMs": n}
 * Returns a new Store or NULL with *err set. */
Store *store_open(const Value *conn, Err *err);
void store_free(Store *st); /* NULL is ignored */

/* Constructors behind store_open (one per file). */
Store *store_file_open(const Value *conn, Err *err);
Store *store_blob_open(const Value *conn, Err *err);
Store *store_http_open(const Value *conn, Err *err);

/* HttpServer stores only: one HEAD request for 'path' (a relativeUrl).
 * True when a response arrived, whatever its status: *status is the
 * final HTTP status and, for 2xx, *out is filled (size -1 without a
 * Content-Length, mtime/ctime 0 without a Last-Modified, md5 NULL without
 * a Content-MD5; the caller finis it).  False with *err set
 * (ERR_DATA_STORE naming the URL) when no response arrived: *status is
 * then 0 for a refused connection or a timeout (the server may come up
 * later) and -1 for anything else (TLS, a malformed URL, not an
 * HttpServer store). */
bool store_http_head(Store *st, const char *path, StoreItem *out, long *status,
                     Err *err);
/* The absolute URL of 'path' on an HttpServer store (malloc'd); a copy of
 * 'path' for other stores.  For messages. */
char *store_http_url(Store *st, const char *path);

/* ---- Paths and wildcards --------------------------------------------- */

/* Joins non-empty parts with single '/' and strips leading, trailing and
 * doubled slashes.  Returns a malloc'd string. */
char *store_path_join(const char *a, const char *b);
/* ADF wildcard match of 'name' against 'pat': '*' zero or more chars,
 * '?' zero or one char, '^' escapes the next character.  Neither crosses
 * '/'.  Case-sensitive like the file systems we serve. */
bool store_wildcard_match(const char *pat, const char *name);
/* True when 'pat' holds an unescaped '*' or '?'. */
bool store_has_wildcard(const char *pat);
/* Percent-encodes a store path for a URL ('/' kept).  Appends to 'out'. */
void store_url_encode_path(StrBuf *out, const char *path);

/* ---- File selection (Copy, Delete, GetMetadata) ---------------------- */

/* What a source selects: a dataset location plus read settings. */
typedef struct StoreSelect {
  const char *folder;      /* dataset folder ("" = root); store path */
  const char *file;        /* dataset fileName, or NULL */
  bool recursive;          /* default true (Copy) / false (Delete) */
  const char *wild_folder; /* wildcardFolderPath or NULL */
  const char *wild_file;   /* wildcardFileName or NULL */
  const char *prefix;      /* prefix (relative to the store root) or NULL */
  int64_t mtime_start;     /* >= (Unix seconds); INT64_MIN: none */
  int64_t mtime_end;       /* <; INT64_MAX: none */
} StoreSelect;

void store_select_init(StoreSelect *sel);

/* Lists the files 'sel' picks, sorted.  Each item's 'path' is the store
 * path; 'base' receives the folder relative to which hierarchy is
 * preserved (malloc'd).  A single named file that does not exist, or a
 * missing folder, fails with ERR_DATA_NOT_FOUND. */
bool store_select(Store *st, const StoreSelect *sel, StoreList *out,
                  char **base, Err *err);

#endif /* ACTIVITIES_STORE_H */
