/*
 * activities/store_file.c -- FileServer store: a local folder tree
 *
 * The linked service's 'host' is a local folder; store paths are relative
 * to it and may not climb out of it ("..").  Writes go to a hidden temp
 * file in the target folder and are renamed over the target at commit, so
 * readers never see a partial file and a failed write leaves nothing.
 */
#include "activities/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "expr/strbuf.h"

typedef struct FileStore {
  Store base;
  char *root; /* owned: no trailing '/' (except "/") */
} FileStore;

/* Absolute path of store path 'path', or NULL with *err set when it
 * climbs out of the root. */
static char *abs_path(FileStore *fs, const char *path, Err *err)
{
  char *rel = store_path_join(path, NULL);
  for (const char *s = rel; *s;) {
    const char *e = strchr(s, '/');
    size_t n = e ? (size_t)(e - s) : strlen(s);
    if (n == 2 && s[0] == '.' && s[1] == '.') {
      err_set(err, ERR_DATA_REFERENCE, NULL,
              "path '%s' leaves the FileServer host folder", path);
      free(rel);
      return NULL;
    }
    s += n;
    while (*s == '/')
      s++;
  }
  StrBuf sb;
  sb_init(&sb);
  sb_puts(&sb, fs->root);
  if (*rel) {
    if (sb.len == 0 || sb.s[sb.len - 1] != '/')
      sb_putc(&sb, '/');
    sb_puts(&sb, rel);
  }
  free(rel);
  return sb_take(&sb);
}

static bool io_fail(Err *err, const char *what, const char *path)
{
  return err_set(err, errno == ENOENT ? ERR_DATA_NOT_FOUND : ERR_DATA_STORE,
                 NULL, "cannot %s '%s': %s", what, path, strerror(errno));
}

static void fill_item(StoreItem *it, const struct stat *st)
{
  it->is_dir = S_ISDIR(st->st_mode);
  it->size = it->is_dir ? 0 : (int64_t)st->st_size;
  it->mtime = (int64_t)st->st_mtime;
  /* POSIX keeps no birth time in struct stat; ctime (inode change) is
   * the closest honest stand-in and is documented as such. */
  it->ctime = (int64_t)st->st_ctime;
  if (it->ctime > it->mtime)
    it->ctime = it->mtime;
}

static bool fs_stat(Store *st, const char *path, StoreItem *out, bool *found,
                    Err *err)
{
  FileStore *fs = (FileStore *)st;
  struct stat sb;
  char *p = abs_path(fs, path, err);
  if (!p)
    return false;
  memset(out, 0, sizeof *out);
  *found = false;
  if (stat(p, &sb) != 0) {
    bool ok = errno == ENOENT || errno == ENOTDIR;
    if (!ok)
      io_fail(err, "read", path);
    free(p);
    return ok;
  }
  *found = true;
  fill_item(out, &sb);
  out->path = store_path_join(path, NULL);
  free(p);
  return true;
}

static bool walk(const char *abs, const char *rel, bool recursive,
                 StoreList *out, Err *err)
{
  DIR *d = opendir(abs);
  if (!d)
    return io_fail(err, "list", abs);
  struct dirent *de;
  bool ok = true;
  while (ok && (de = readdir(d)) != NULL) {
    const char *n = de->d_name;
    if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0)
      continue;
    if (strncmp(n, ".adfrun-tmp-", 12) == 0)
      continue; /* an in-flight write of ours */
    StrBuf a, r;
    sb_init(&a);
    sb_init(&r);
    sb_printf(&a, "%s/%s", abs, n);
    if (*rel)
      sb_printf(&r, "%s/%s", rel, n);
    else
      sb_puts(&r, n);
    struct stat sb;
    if (stat(a.s, &sb) == 0) {
      StoreItem it = {0};
      fill_item(&it, &sb);
      store_list_add(out, &it, r.s);
      if (it.is_dir && recursive)
        ok = walk(a.s, r.s, true, out, err);
    }
    sb_fini(&a);
    sb_fini(&r);
  }
  closedir(d);
  return ok;
}

static bool fs_list(Store *st, const char *dir, bool recursive, StoreList *out,
                    bool *found, Err *err)
{
  FileStore *fs = (FileStore *)st;
  struct stat sb;
  char *p = abs_path(fs, dir, err);
  if (!p)
    return false;
  *found = stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
  bool ok = !*found || walk(p, "", recursive, out, err);
  free(p);
  store_list_sort(out);
  return ok;
}

/* ---- Reading ------------------------------------------------------------ */

typedef struct FileIn {
  InStream base;
  int fd;
  char *path; /* owned, for messages */
} FileIn;

static ptrdiff_t fin_read(InStream *s, void *buf, size_t n, Err *err)
{
  FileIn *f = (FileIn *)s;
  for (;;) {
    ssize_t r = read(f->fd, buf, n);
    if (r >= 0)
      return (ptrdiff_t)r;
    if (errno != EINTR) {
      io_fail(err, "read", f->path);
      return -1;
    }
  }
}

static void fin_close(InStream *s)
{
  FileIn *f = (FileIn *)s;
  close(f->fd);
  free(f->path);
  free(f);
}

static InStream *fs_open_read(Store *st, const char *path, Err *err)
{
  FileStore *fs = (FileStore *)st;
  char *p = abs_path(fs, path, err);
  if (!p)
    return NULL;
  int fd = open(p, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    io_fail(err, "open", path);
    free(p);
    return NULL;
  }
  struct stat sb;
  if (fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
    close(fd);
    err_set(err, ERR_DATA_NOT_FOUND, NULL, "'%s' is a folder, not a file",
            path);
    free(p);
    return NULL;
  }
#ifdef POSIX_FADV_SEQUENTIAL
  posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
  FileIn *f = xcalloc(1, sizeof *f);
  f->base.read = fin_read;
  f->base.close = fin_close;
  f->fd = fd;
  f->path = p;
  return &f->base;
}

/* ---- Writing ------------------------------------------------------------ */

typedef struct FileOut {
  OutStream base;
  int fd;
  char *tmp;    /* owned: temp name beside the target */
  char *target; /* owned */
} FileOut;

static bool fout_write(OutStream *s, const void *buf, size_t n, Err *err)
{
  FileOut *f = (FileOut *)s;
  const char *p = buf;
  while (n > 0) {
    ssize_t w = write(f->fd, p, n);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      return io_fail(err, "write", f->target);
    }
    p += w;
    n -= (size_t)w;
  }
  return true;
}

static void fout_free(FileOut *f)
{
  free(f->tmp);
  free(f->target);
  free(f);
}

static bool fout_commit(OutStream *s, Err *err)
{
  FileOut *f = (FileOut *)s;
  bool ok = true;
  if (close(f->fd) != 0)
    ok = io_fail(err, "write", f->target);
  if (ok && rename(f->tmp, f->target) != 0)
    ok = io_fail(err, "create", f->target);
  if (!ok)
    unlink(f->tmp);
  fout_free(f);
  return ok;
}

static void fout_abort(OutStream *s)
{
  FileOut *f = (FileOut *)s;
  close(f->fd);
  unlink(f->tmp);
  fout_free(f);
}

static bool mkdirs(char *p, Err *err)
{
  for (char *s = p + 1; *s; s++) {
    if (*s != '/')
      continue;
    *s = '\0';
    if (mkdir(p, 0777) != 0 && errno != EEXIST) {
      io_fail(err, "create folder", p);
      *s = '/';
      return false;
    }
    *s = '/';
  }
  return true;
}

static OutStream *fs_open_write(Store *st, const char *path, Err *err)
{
  FileStore *fs = (FileStore *)st;
  char *target = abs_path(fs, path, err);
  if (!target)
    return NULL;
  if (!mkdirs(target, err)) {
    free(target);
    return NULL;
  }
  struct stat sb;
  if (stat(target, &sb) == 0 && S_ISDIR(sb.st_mode)) {
    err_set(err, ERR_DATA_STORE, NULL,
            "cannot write file '%s': a folder has that name", path);
    free(target);
    return NULL;
  }
  char *slash = strrchr(target, '/');
  StrBuf t;
  sb_init(&t);
  sb_put(&t, target, slash ? (size_t)(slash - target + 1) : 0);
  sb_printf(&t, ".adfrun-tmp-%s-XXXXXX", slash ? slash + 1 : target);
  char *tmp = sb_take(&t);
  int fd = mkstemp(tmp);
  if (fd < 0) {
    io_fail(err, "create", path);
    free(tmp);
    free(target);
    return NULL;
  }
  fchmod(fd, 0644);
  FileOut *f = xcalloc(1, sizeof *f);
  f->base.write = fout_write;
  f->base.commit = fout_commit;
  f->base.abort = fout_abort;
  f->fd = fd;
  f->tmp = tmp;
  f->target = target;
  return &f->base;
}

/* ---- Deleting ----------------------------------------------------------- */

static bool fs_remove(Store *st, const char *path, Err *err)
{
  char *p = abs_path((FileStore *)st, path, err);
  if (!p)
    return false;
  bool ok = unlink(p) == 0 || io_fail(err, "delete", path);
  free(p);
  return ok;
}

static bool fs_remove_dir(Store *st, const char *path, Err *err)
{
  char *p = abs_path((FileStore *)st, path, err);
  if (!p)
    return false;
  bool ok = rmdir(p) == 0 || io_fail(err, "delete folder", path);
  free(p);
  return ok;
}

static void fs_free(Store *st)
{
  FileStore *fs = (FileStore *)st;
  free(fs->root);
  free(fs);
}

static const StoreOps file_ops = {
    "FileServer",  fs_stat,   fs_list,       fs_open_read,
    fs_open_write, fs_remove, fs_remove_dir, fs_free,
};

Store *store_file_open(const Value *conn, Err *err)
{
  const Value *r = val_object_peek(conn, "root");
  if (!r || val_kind(r) != VAL_STRING || val_strlen(r) == 0) {
    err_set(err, ERR_DATA_REFERENCE, NULL,
            "FileServer linked service needs a 'host' folder");
    return NULL;
  }
  FileStore *fs = xcalloc(1, sizeof *fs);
  fs->base.ops = &file_ops;
  size_t n = val_strlen(r);
  while (n > 1 && val_str(r)[n - 1] == '/')
    n--;
  fs->root = xstrndup(val_str(r), n);
  return &fs->base;
}
