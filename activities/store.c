/*
 * activities/store.c -- store dispatch, listings, paths, wildcards and
 *                       the file selection shared by Copy/Delete
 *
 * Nothing here talks to a real store: store_file.c, store_blob.c and
 * store_http.c do.  store_select() turns a dataset location plus ADF read
 * settings (recursive, wildcards, prefix, modified range) into a sorted
 * list of files, the same way for every store.
 */
#include "activities/store.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "expr/strbuf.h"

/* ---- Listings ----------------------------------------------------------- */

void store_item_fini(StoreItem *it)
{
  free(it->path);
  free(it->md5);
  memset(it, 0, sizeof *it);
}

void store_list_init(StoreList *l)
{
  memset(l, 0, sizeof *l);
}

void store_list_fini(StoreList *l)
{
  for (size_t i = 0; i < l->n; i++)
    store_item_fini(&l->items[i]);
  free(l->items);
  memset(l, 0, sizeof *l);
}

void store_list_add(StoreList *l, const StoreItem *it, const char *name)
{
  if (l->n == l->cap) {
    l->cap = l->cap ? l->cap * 2 : 16;
    l->items = xrealloc(l->items, l->cap * sizeof *l->items);
  }
  StoreItem *d = &l->items[l->n++];
  *d = *it;
  d->path = xstrdup(name);
  d->md5 = it->md5 ? xstrdup(it->md5) : NULL;
}

static int item_cmp(const void *a, const void *b)
{
  return strcmp(((const StoreItem *)a)->path, ((const StoreItem *)b)->path);
}

void store_list_sort(StoreList *l)
{
  if (l->n > 1)
    qsort(l->items, l->n, sizeof *l->items, item_cmp);
}

/* ---- Stores ------------------------------------------------------------- */

Store *store_open(const Value *conn, Err *err)
{
  const Value *k = conn ? val_object_peek(conn, "kind") : NULL;
  const char *kind = k && val_kind(k) == VAL_STRING ? val_str(k) : "";
  if (strcmp(kind, "file") == 0)
    return store_file_open(conn, err);
  if (strcmp(kind, "blob") == 0)
    return store_blob_open(conn, err);
  if (strcmp(kind, "http") == 0)
    return store_http_open(conn, err);
  err_set(err, ERR_INTERNAL, NULL, "unknown store kind '%s'", kind);
  return NULL;
}

void store_free(Store *st)
{
  if (st)
    st->ops->free(st);
}

/* ---- Paths -------------------------------------------------------------- */

static void put_segments(StrBuf *sb, const char *s)
{
  while (s && *s) {
    while (*s == '/')
      s++;
    const char *e = strchr(s, '/');
    size_t n = e ? (size_t)(e - s) : strlen(s);
    if (n > 0 && !(n == 1 && s[0] == '.')) {
      if (sb->len > 0)
        sb_putc(sb, '/');
      sb_put(sb, s, n);
    }
    s += n;
  }
}

char *store_path_join(const char *a, const char *b)
{
  StrBuf sb;
  sb_init(&sb);
  put_segments(&sb, a);
  put_segments(&sb, b);
  return sb_take(&sb);
}

void store_url_encode_path(StrBuf *out, const char *path)
{
  static const char hex[] = "0123456789ABCDEF";
  for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
    unsigned char c = *p;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
        (c >= '0' && c <= '9') || strchr("-_.~/", c)) {
      sb_putc(out, (char)c);
    } else {
      sb_putc(out, '%');
      sb_putc(out, hex[c >> 4]);
      sb_putc(out, hex[c & 15]);
    }
  }
}

/* ---- Wildcards ---------------------------------------------------------- */

bool store_has_wildcard(const char *pat)
{
  for (const char *p = pat; p && *p; p++) {
    if (*p == '^' && p[1]) {
      p++;
      continue;
    }
    if (*p == '*' || *p == '?')
      return true;
  }
  return false;
}

/* Backtracking matcher; patterns are short, and '*' never crosses '/', so
 * the work is bounded by one path segment at a time. */
bool store_wildcard_match(const char *pat, const char *name)
{
  if (*pat == '\0')
    return *name == '\0';
  if (*pat == '*') {
    for (const char *n = name;; n++) {
      if (store_wildcard_match(pat + 1, n))
        return true;
      if (*n == '\0' || *n == '/')
        return false;
    }
  }
  if (*pat == '?') {
    if (store_wildcard_match(pat + 1, name)) /* zero characters */
      return true;
    return *name && *name != '/' && store_wildcard_match(pat + 1, name + 1);
  }
  if (*pat == '^' && pat[1])
    pat++;
  return *name == *pat && store_wildcard_match(pat + 1, name + 1);
}

/* The literal leading segments of a wildcard folder pattern, unescaped:
 * "raw/2024/x*" -> "raw/2024".  Listing starts there. */
static char *literal_prefix(const char *pat)
{
  StrBuf sb;
  sb_init(&sb);
  const char *seg = pat;
  while (*seg) {
    const char *e = strchr(seg, '/');
    size_t n = e ? (size_t)(e - seg) : strlen(seg);
    char *one = xstrndup(seg, n);
    bool wild = store_has_wildcard(one);
    if (!wild && n > 0) {
      if (sb.len)
        sb_putc(&sb, '/');
      for (const char *p = one; *p; p++) {
        if (*p == '^' && p[1])
          p++;
        sb_putc(&sb, *p);
      }
    }
    free(one);
    if (wild || !e)
      break;
    seg = e + 1;
  }
  return sb_take(&sb);
}

/* ---- Selection ---------------------------------------------------------- */

void store_select_init(StoreSelect *sel)
{
  memset(sel, 0, sizeof *sel);
  sel->folder = "";
  sel->recursive = true;
  sel->mtime_start = INT64_MIN;
  sel->mtime_end = INT64_MAX;
}

static bool in_time_window(const StoreSelect *sel, const StoreItem *it)
{
  return it->mtime >= sel->mtime_start && it->mtime < sel->mtime_end;
}

/* Does the folder part of relative path 'dir' satisfy 'pat'?  With
 * 'recursive' a folder below a matching one qualifies too. */
static bool folder_matches(const char *pat, const char *dir, bool recursive)
{
  if (store_wildcard_match(pat, dir))
    return true;
  if (!recursive)
    return false;
  /* Try every ancestor: "a/b/c" -> "a/b", "a". */
  char *d = xstrdup(dir);
  bool ok = false;
  for (char *slash = strrchr(d, '/'); slash; slash = strrchr(d, '/')) {
    *slash = '\0';
    if (store_wildcard_match(pat, d)) {
      ok = true;
      break;
    }
  }
  free(d);
  return ok;
}

bool store_select(Store *st, const StoreSelect *sel, StoreList *out,
                  char **base, Err *err)
{
  StoreList all;
  bool found = false, ok = false;
  char *root = NULL, *wild_root = NULL;
  store_list_init(&all);
  *base = NULL;

  /* A named file without wildcards: exactly that file. */
  if (sel->file && *sel->file && !sel->wild_file && !sel->wild_folder &&
      !store_has_wildcard(sel->file) && !sel->prefix) {
    char *path = store_path_join(sel->folder, sel->file);
    StoreItem it = {0};
    if (!st->ops->stat(st, path, &it, &found, err)) {
      free(path);
      return false;
    }
    if (!found || it.is_dir) {
      err_set(err, ERR_DATA_NOT_FOUND, NULL, "file '%s' does not exist", path);
      store_item_fini(&it);
      free(path);
      return false;
    }
    if (in_time_window(sel, &it))
      store_list_add(out, &it, path);
    store_item_fini(&it);
    *base = xstrdup(sel->folder ? sel->folder : "");
    free(path);
    return true;
  }

  /* Where listing starts, and the pattern folders must match (relative to
   * the store root: ADF resolves wildcardFolderPath under the container /
   * share, not under the dataset's folderPath). */
  const char *file_pat = sel->wild_file ? sel->wild_file : sel->file;
  bool recursive = sel->recursive;
  if (sel->wild_folder && *sel->wild_folder) {
    wild_root = literal_prefix(sel->wild_folder);
    root = xstrdup(wild_root);
    recursive = true; /* needed to reach the matching folders */
  } else if (sel->prefix && *sel->prefix) {
    /* The prefix's folder part bounds the walk. */
    const char *slash = strrchr(sel->prefix, '/');
    root = slash ? xstrndup(sel->prefix, (size_t)(slash - sel->prefix))
                 : xstrdup("");
    recursive = true;
  } else {
    root = store_path_join(sel->folder, NULL);
  }
  if (!st->ops->list(st, root, recursive, &all, &found, err))
    goto done;
  if (!found) {
    err_set(err, ERR_DATA_NOT_FOUND, NULL, "folder '%s' does not exist", root);
    goto done;
  }
  char *wf = sel->wild_folder ? store_path_join(sel->wild_folder, NULL) : NULL;
  for (size_t i = 0; i < all.n; i++) {
    StoreItem *it = &all.items[i];
    if (it->is_dir)
      continue;
    char *full = store_path_join(root, it->path);
    const char *slash = strrchr(full, '/');
    const char *fname = slash ? slash + 1 : full;
    char *dir = slash ? xstrndup(full, (size_t)(slash - full)) : xstrdup("");
    bool keep = in_time_window(sel, it);
    if (keep && wf)
      keep = folder_matches(wf, dir, sel->recursive);
    if (keep && !wf && !sel->prefix && !sel->recursive)
      keep = strchr(it->path, '/') == NULL;
    if (keep && sel->prefix && *sel->prefix)
      keep = strncmp(full, sel->prefix, strlen(sel->prefix)) == 0;
    if (keep && file_pat && *file_pat)
      keep = store_wildcard_match(file_pat, fname);
    if (keep)
      store_list_add(out, it, full);
    free(dir);
    free(full);
  }
  free(wf);
  store_list_sort(out);
  *base = wild_root ? xstrdup(wild_root) : xstrdup(root);
  ok = true;
done:
  free(root);
  free(wild_root);
  store_list_fini(&all);
  return ok;
}
