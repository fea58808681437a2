/*
 * activities/store_file.c -- FileServer store: a local folder tree
 *
 * The linked service's 'host' is a local folder; store paths are relative
 * to it and may not leave it, neither by ".." nor through a symbolic link
 * (links that stay inside are followed; listings skip the others and never
 * descend into a folder twice on one branch).  Writes go to a hidden 0600
 * temp file beside the target, which gets its final mode (the replaced
 * file's, else 0666 less the umask) and is renamed over it at commit.
 */
/* realpath() is an XSI interface in glibc. */
#define _XOPEN_SOURCE 700

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

/* The canonical spelling of 'abs': realpath() of its longest existing
 * prefix followed by the rest, which cannot hold a symbolic link since it
 * does not exist.  malloc'd, or NULL with errno set (ELOOP, EACCES...). */
static char *resolve(const char *abs)
{
  char *work = xstrdup(abs);
  size_t n = strlen(work);
  for (;;) {
    char *r = realpath(n ? work : ".", NULL);
    if (r) {
      StrBuf sb;
      sb_init(&sb);
      sb_puts(&sb, r);
      free(r);
      const char *rest = abs + n;
      while (*rest == '/')
        rest++;
      if (*rest) {
        if (sb.len == 0 || sb.s[sb.len - 1] != '/')
          sb_putc(&sb, '/');
        sb_puts(&sb, rest);
      }
      free(work);
      return sb_take(&sb);
    }
    if ((errno != ENOENT && errno != ENOTDIR) || n == 0) {
      int e = errno;
      free(work);
      errno = e;
      return NULL;
    }
    /* Drop the last component and try its parent. */
    while (n > 0 && work[n - 1] == '/')
      n--;
    while (n > 0 && work[n - 1] != '/')
      n--;
    while (n > 1 && work[n - 1] == '/')
      n--;
    work[n] = '\0';
  }
}

/* True when 'path' (absolute, under fs->root by spelling) really lies
 * inside the root once symbolic links are followed.  False with *err set
 * when it does not; 'shown' names it.  A path that cannot be resolved
 * (ENAMETOOLONG, EACCES, ELOOP) passes: the operation itself then fails
 * on the same component with its usual message. */
static bool contained(FileStore *fs, const char *path, const char *shown,
                      Err *err)
{
  char *root = resolve(fs->root);
  char *real = root ? resolve(path) : NULL;
  bool ok = true;
  if (root && real) {
    size_t n = strlen(root);
    ok = strncmp(real, root, n) == 0 &&
         (real[n] == '\0' || real[n] == '/' || (n == 1 && root[0] == '/'));
    if (!ok)
      err_set(err, ERR_DATA_REFERENCE, NULL,
              "path '%s' leads outside the FileServer host folder through "
              "a symbolic link",
              shown);
  }
  free(root);
  free(real);
  return ok;
}

/* Absolute path of store path 'path', or NULL with *err set when it
 * climbs out of the root ("..", or a symbolic link leading outside). */
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
  if (!contained(fs, sb.s, path, err)) {
    sb_fini(&sb);
    return NULL;
  }
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

/* A folder on the current branch of a walk (symbolic-link loops). */
typedef struct Visit {
  dev_t dev;
  ino_t ino;
  const struct Visit *up;
} Visit;

static bool walk(FileStore *fs, const char *abs, const char *rel,
                 bool recursive, const Visit *up, StoreList *out, Err *err)
{
  DIR *d = opendir(abs);
  if (!d)
    return io_fail(err, "list", abs);
  Visit here = {0, 0, up};
  struct stat ds;
  if (fstat(dirfd(d), &ds) == 0) {
    here.dev = ds.st_dev;
    here.ino = ds.st_ino;
  }
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
    bool use = lstat(a.s, &sb) == 0;
    if (use && S_ISLNK(sb.st_mode)) {
      /* Followed only when it stays inside the host folder. */
      Err lerr = ERR_INIT;
      use = contained(fs, a.s, r.s, &lerr) && stat(a.s, &sb) == 0;
    }
    /* Sockets, FIFOs and devices are not files a copy can read. */
    if (use && (S_ISREG(sb.st_mode) || S_ISDIR(sb.st_mode))) {
      StoreItem it = {0};
      fill_item(&it, &sb);
      store_list_add(out, &it, r.s);
      bool seen = false;
      for (const Visit *v = &here; v && !seen; v = v->up)
        seen = v->dev == sb.st_dev && v->ino == sb.st_ino;
      if (it.is_dir && recursive && !seen)
        ok = walk(fs, a.s, r.s, true, &here, out, err);
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
  bool ok = !*found || walk(fs, p, "", recursive, NULL, out, err);
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
  /* O_NONBLOCK: opening a FIFO must not wait for a writer. */
  int fd = open(p, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    io_fail(err, "open", path);
    free(p);
    return NULL;
  }
  struct stat sb;
  bool known = fstat(fd, &sb) == 0;
  if (!known || !S_ISREG(sb.st_mode)) {
    close(fd);
    if (known && S_ISDIR(sb.st_mode))
      err_set(err, ERR_DATA_NOT_FOUND, NULL, "'%s' is a folder, not a file",
              path);
    else
      err_set(err, ERR_DATA_STORE, NULL, "cannot read '%s': not a regular file",
              path);
    free(p);
    return NULL;
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
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
  mode_t mode;  /* given to the file at commit */
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
  /* The temp file stays 0600 while it fills; readers of the target see
   * the final mode only together with the complete content. */
  if (fchmod(f->fd, f->mode) != 0)
    ok = io_fail(err, "write", f->target);
  if (close(f->fd) != 0 && ok)
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

/* The process umask, read without changing it (umask() is not safe while
 * Copy workers create files on other threads).  Linux reports it in
 * /proc/self/status; elsewhere the common 022 is assumed. */
static mode_t process_umask(void)
{
  FILE *fp = fopen("/proc/self/status", "re");
  char line[256];
  mode_t m = 022;
  while (fp && fgets(line, sizeof line, fp))
    if (strncmp(line, "Umask:", 6) == 0) {
      m = (mode_t)(strtoul(line + 6, NULL, 8) & 0777);
      break;
    }
  if (fp)
    fclose(fp);
  return m;
}

/* Longest part of the target's name kept in the temp name: the whole
 * temp name must stay under NAME_MAX (255) for any target name. */
#define TMP_NAME_KEEP 64

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
  mode_t mode = 0666 & ~process_umask();
  if (stat(target, &sb) == 0) {
    if (S_ISDIR(sb.st_mode)) {
      err_set(err, ERR_DATA_STORE, NULL,
              "cannot write file '%s': a folder has that name", path);
      free(target);
      return NULL;
    }
    /* Like cp(1): an overwritten file keeps its permissions. */
    mode = sb.st_mode & 0777;
  }
  char *slash = strrchr(target, '/');
  const char *name = slash ? slash + 1 : target;
  size_t keep = strlen(name);
  if (keep > TMP_NAME_KEEP)
    keep = TMP_NAME_KEEP;
  StrBuf t;
  sb_init(&t);
  sb_put(&t, target, slash ? (size_t)(slash - target + 1) : 0);
  sb_puts(&t, ".adfrun-tmp-");
  sb_put(&t, name, keep);
  sb_puts(&t, "-XXXXXX");
  char *tmp = sb_take(&t);
  /* mkstemp: a fresh name (O_EXCL) with mode 0600, whatever the umask. */
  int fd = mkstemp(tmp);
  if (fd < 0) {
    io_fail(err, "create", path);
    free(tmp);
    free(target);
    return NULL;
  }
  FileOut *f = xcalloc(1, sizeof *f);
  f->base.write = fout_write;
  f->base.commit = fout_commit;
  f->base.abort = fout_abort;
  f->fd = fd;
  f->mode = mode;
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
