/*
 * tests/unit/test_security_files.c -- FileServer store safety and terminal
 *                                     output that names cannot steer
 *
 * Store level: ".." and symbolic links never lead outside the host folder,
 * link loops end, FIFOs neither block nor get listed, temp files are 0600
 * and unique, final modes follow the umask (or the replaced file), long
 * names fit, failures leave nothing.  Through $ADFRUN: a failed Copy keeps
 * its source (deleteFilesAfterCompletion), and control characters in
 * names and messages reach neither the plain nor the live (pty) output.
 */
#define _XOPEN_SOURCE 700 /* posix_openpt, grantpt, ptsname */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "activities/store.h"
#include "expr/json.h"
#include "expr/strbuf.h"
#include "tests/check.h"
#include "tests/unit/data_fixture.h"

/* ---- Helpers --------------------------------------------------------------
 */

static void put_file(const char *path, const char *text)
{
  FILE *f = fopen(path, "w");
  if (f) {
    fputs(text, f);
    fclose(f);
  }
}

/* Creates folder 'path' and its parents. */
static void mkdir_p(const char *path)
{
  fx_mkdirs(path);
  mkdir(path, 0777);
}

/* Whole file at absolute 'path', malloc'd, or NULL. */
static char *slurp(const char *path, size_t *len)
{
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  StrBuf sb;
  sb_init(&sb);
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0)
    sb_put(&sb, buf, n);
  fclose(f);
  if (len)
    *len = sb.len;
  return sb_take(&sb);
}

static Store *open_root(const char *root)
{
  Value *c = val_object_new();
  val_object_set_take(c, "kind", 4, val_cstr("file"));
  val_object_set_take(c, "root", 4, val_cstr(root));
  Err err = ERR_INIT;
  Store *st = store_open(c, &err);
  val_unref(c);
  CHECK(st != NULL, "store_open: %s", err.msg);
  return st;
}

/* Whole content of store file 'path', or NULL with *err set. */
static char *read_all(Store *st, const char *path, Err *err)
{
  InStream *in = st->ops->open_read(st, path, err);
  if (!in)
    return NULL;
  StrBuf sb;
  sb_init(&sb);
  char buf[256];
  ptrdiff_t n;
  while ((n = stream_read(in, buf, sizeof buf, err)) > 0)
    sb_put(&sb, buf, (size_t)n);
  stream_close(in);
  if (n < 0) {
    sb_fini(&sb);
    return NULL;
  }
  return sb_take(&sb);
}

static bool write_all(Store *st, const char *path, const char *text, Err *err)
{
  OutStream *out = st->ops->open_write(st, path, err);
  if (!out)
    return false;
  if (!stream_write(out, text, strlen(text), err)) {
    stream_abort(out);
    return false;
  }
  return stream_commit(out, err);
}

/* Names in folder 'dir' starting with 'prefix'. */
static int count_prefixed(const char *dir, const char *prefix)
{
  DIR *d = opendir(dir);
  int n = 0;
  struct dirent *de;
  while (d && (de = readdir(d)))
    if (strncmp(de->d_name, prefix, strlen(prefix)) == 0)
      n++;
  if (d)
    closedir(d);
  return n;
}

static bool listed(const StoreList *l, const char *name)
{
  for (size_t i = 0; i < l->n; i++)
    if (strcmp(l->items[i].path, name) == 0)
      return true;
  return false;
}

/* ---- Paths ----------------------------------------------------------------
 */

static void test_dotdot(void)
{
  mkdir_p(fx_path("host/in"));
  put_file(fx_path("secret.txt"), "outside\n");
  put_file(fx_path("host/in/a.csv"), "a\n");
  Store *st = open_root(fx_path("host"));
  const char *bad[] = {"../secret.txt",
                       "in/../../secret.txt",
                       "in/..",
                       "/../secret.txt",
                       "..",
                       "in/x/../../../secret.txt"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    Err err = ERR_INIT;
    StoreItem it;
    bool found = true;
    CHECK(!st->ops->stat(st, bad[i], &it, &found, &err), "stat %s", bad[i]);
    CHECK(strstr(err.msg, "leaves the FileServer host folder"), "%s: %s",
          bad[i], err.msg);
    err_clear(&err);
    CHECK(!read_all(st, bad[i], &err), "read %s", bad[i]);
    err_clear(&err);
    CHECK(!write_all(st, bad[i], "x", &err), "write %s", bad[i]);
    err_clear(&err);
    StoreList l;
    store_list_init(&l);
    CHECK(!st->ops->list(st, bad[i], true, &l, &found, &err), "list %s",
          bad[i]);
    store_list_fini(&l);
    err_clear(&err);
    CHECK(!st->ops->remove(st, bad[i], &err), "remove %s", bad[i]);
  }
  /* Through the selection layer (wildcards and folder parameters). */
  StoreSelect sel;
  store_select_init(&sel);
  sel.folder = "in";
  sel.wild_folder = "../*";
  sel.wild_file = "*";
  StoreList l;
  store_list_init(&l);
  char *base = NULL;
  Err err = ERR_INIT;
  bool ok = store_select(st, &sel, &l, &base, &err);
  CHECK(!ok || l.n == 0, "wildcard folder '../*' selected %zu files", l.n);
  for (size_t i = 0; i < l.n; i++)
    CHECK(!strstr(l.items[i].path, "secret"), "selected %s", l.items[i].path);
  store_list_fini(&l);
  free(base);
  CHECK(access(fx_path("secret.txt"), F_OK) == 0, "outside file untouched");
  store_free(st);
}

static void test_symlinks(void)
{
  mkdir_p(fx_path("host2/in/deep"));
  mkdir_p(fx_path("outdir"));
  put_file(fx_path("outdir/o.txt"), "outside\n");
  put_file(fx_path("host2/in/a.csv"), "inside\n");
  CHECK(symlink(fx_path("secret.txt"), fx_path("host2/in/leak.txt")) == 0,
        "symlink");
  CHECK(symlink(fx_path("outdir"), fx_path("host2/out")) == 0, "symlink");
  CHECK(symlink("a.csv", fx_path("host2/in/alias.csv")) == 0, "symlink");
  CHECK(symlink("../..", fx_path("host2/in/deep/up")) == 0, "symlink");
  CHECK(symlink(".", fx_path("host2/in/self")) == 0, "symlink");
  CHECK(symlink("nowhere", fx_path("host2/in/dangling")) == 0, "symlink");
  Store *st = open_root(fx_path("host2"));
  Err err = ERR_INIT;
  char *s = read_all(st, "in/leak.txt", &err);
  CHECK(!s && strstr(err.msg, "outside the FileServer host folder"),
        "read through an outward link: %s", s ? s : err.msg);
  free(s);
  err_clear(&err);
  StoreItem it = {0};
  bool found = false;
  CHECK(!st->ops->stat(st, "out/o.txt", &it, &found, &err),
        "stat through an outward folder link");
  err_clear(&err);
  CHECK(!write_all(st, "out/new.txt", "x", &err),
        "write through an outward folder link");
  CHECK(!write_all(st, "out/sub/new.txt", "x", &err),
        "write below an outward folder link");
  CHECK(access(fx_path("outdir/new.txt"), F_OK) != 0 &&
            access(fx_path("outdir/sub"), F_OK) != 0,
        "nothing created outside");
  err_clear(&err);
  CHECK(!st->ops->remove(st, "out/o.txt", &err), "remove through a link");
  CHECK(access(fx_path("outdir/o.txt"), F_OK) == 0, "outside file kept");
  err_clear(&err);
  s = read_all(st, "in/alias.csv", &err);
  CHECK(s && strcmp(s, "inside\n") == 0, "inward link read: %s",
        s ? s : err.msg);
  free(s);
  err_clear(&err);
  s = read_all(st, "in/deep/up/in/a.csv", &err);
  CHECK(s != NULL, "a link back to the root stays inside: %s", err.msg);
  free(s);
  /* A recursive listing follows inward links once, skips outward ones,
   * and ends despite the loops 'self' and 'deep/up'. */
  StoreList l;
  store_list_init(&l);
  err_clear(&err);
  CHECK(st->ops->list(st, "", true, &l, &found, &err), "list: %s", err.msg);
  CHECK(listed(&l, "in/a.csv") && listed(&l, "in/alias.csv"),
        "inside files listed");
  CHECK(!listed(&l, "in/leak.txt") && !listed(&l, "out") &&
            !listed(&l, "out/o.txt") && !listed(&l, "in/dangling"),
        "outward and dangling links not listed");
  CHECK(l.n < 40, "loops end (%zu items)", l.n);
  store_list_fini(&l);
  store_free(st);
}

/* ---- Writing ----------------------------------------------------------------
 */

static void test_write_modes(void)
{
  mkdir_p(fx_path("host3"));
  Store *st = open_root(fx_path("host3"));
  Err err = ERR_INIT;
  mode_t old = umask(027);
  /* While the data flows the temp file is private. */
  OutStream *out = st->ops->open_write(st, "sub/dir/new.csv", &err);
  CHECK(out != NULL, "open_write creates missing folders: %s", err.msg);
  if (out) {
    CHECK(stream_write(out, "x,y\n", 4, &err), "write");
    DIR *d = opendir(fx_path("host3/sub/dir"));
    struct dirent *de;
    int temps = 0;
    while (d && (de = readdir(d))) {
      if (strncmp(de->d_name, ".adfrun-tmp-", 12) != 0)
        continue;
      temps++;
      char p[1200];
      struct stat sb;
      snprintf(p, sizeof p, "%s/%s", fx_path("host3/sub/dir"), de->d_name);
      CHECK(stat(p, &sb) == 0 && (sb.st_mode & 0777) == 0600,
            "temp file mode %o", (unsigned)(sb.st_mode & 0777));
    }
    if (d)
      closedir(d);
    CHECK(temps == 1, "one temp file (%d)", temps);
    CHECK(access(fx_path("host3/sub/dir/new.csv"), F_OK) != 0,
          "target invisible before commit");
    CHECK(stream_commit(out, &err), "commit: %s", err.msg);
  }
  struct stat sb;
  CHECK(stat(fx_path("host3/sub/dir/new.csv"), &sb) == 0 &&
            (sb.st_mode & 0777) == 0640,
        "new file follows the umask: %o", (unsigned)(sb.st_mode & 0777));
  /* Overwriting keeps the replaced file's mode. */
  chmod(fx_path("host3/sub/dir/new.csv"), 0600);
  CHECK(write_all(st, "sub/dir/new.csv", "z\n", &err), "overwrite: %s",
        err.msg);
  CHECK(stat(fx_path("host3/sub/dir/new.csv"), &sb) == 0 &&
            (sb.st_mode & 0777) == 0600,
        "overwritten file keeps 0600: %o", (unsigned)(sb.st_mode & 0777));
  umask(old);

  /* Two writers of one target at once get distinct temp files; the
   * last commit wins, the aborted one leaves nothing. */
  OutStream *a = st->ops->open_write(st, "twice.csv", &err);
  OutStream *b = st->ops->open_write(st, "twice.csv", &err);
  CHECK(a && b, "two writers");
  if (a && b) {
    stream_write(a, "A", 1, &err);
    stream_write(b, "B", 1, &err);
    CHECK(count_prefixed(fx_path("host3"), ".adfrun-tmp-") == 2,
          "two temp files");
    stream_abort(a);
    CHECK(stream_commit(b, &err), "commit b");
  }
  char *s = read_all(st, "twice.csv", &err);
  CHECK(s && strcmp(s, "B") == 0, "content of the committed writer");
  free(s);
  CHECK(count_prefixed(fx_path("host3"), ".adfrun-tmp-") == 0,
        "no temp file left");

  /* A 250-byte name (NAME_MAX is 255) still gets a temp file. */
  char name[251];
  memset(name, 'n', 250);
  name[250] = '\0';
  err_clear(&err);
  CHECK(write_all(st, name, "long\n", &err), "long name: %s", err.msg);
  CHECK(count_prefixed(fx_path("host3"), ".adfrun-tmp-") == 0,
        "no temp file left after a long name");

  /* A folder where the file should go: fails, nothing left behind. */
  mkdir_p(fx_path("host3/taken.csv/x"));
  err_clear(&err);
  CHECK(!write_all(st, "taken.csv", "x", &err), "folder in the way");
  CHECK(count_prefixed(fx_path("host3"), ".adfrun-tmp-") == 0,
        "no temp file left after a refused write");
  store_free(st);
}

static void test_unwritable(void)
{
  if (geteuid() == 0) {
    printf("skipped: unwritable-folder check (running as root)\n");
    return;
  }
  mkdir_p(fx_path("host4/ro"));
  chmod(fx_path("host4/ro"), 0555);
  Store *st = open_root(fx_path("host4"));
  Err err = ERR_INIT;
  CHECK(!write_all(st, "ro/f.csv", "x", &err) &&
            strstr(err.msg, "Permission denied"),
        "unwritable sink folder: %s", err.msg);
  chmod(fx_path("host4/ro"), 0755);
  store_free(st);
}

static void test_fifo(void)
{
  mkdir_p(fx_path("host5"));
  put_file(fx_path("host5/ok.csv"), "ok\n");
  CHECK(mkfifo(fx_path("host5/pipe.csv"), 0600) == 0, "mkfifo");
  Store *st = open_root(fx_path("host5"));
  Err err = ERR_INIT;
  /* Would block for ever without O_NONBLOCK (no writer). */
  alarm(20);
  char *s = read_all(st, "pipe.csv", &err);
  alarm(0);
  CHECK(!s && strstr(err.msg, "not a regular file"), "fifo read: %s", err.msg);
  free(s);
  StoreList l;
  store_list_init(&l);
  bool found;
  err_clear(&err);
  CHECK(st->ops->list(st, "", true, &l, &found, &err), "list");
  CHECK(listed(&l, "ok.csv") && !listed(&l, "pipe.csv"),
        "FIFOs are not listed");
  store_list_fini(&l);
  store_free(st);
}

/* ---- Through the binary -----------------------------------------------------
 */

static char g_fac[512];

static void write_fac(const char *rel, const char *text)
{
  char p[1024];
  snprintf(p, sizeof p, "%s/%s", g_fac, rel);
  char dir[1024];
  snprintf(dir, sizeof dir, "%s", p);
  char *sl = strrchr(dir, '/');
  *sl = '\0';
  mkdir_p(dir);
  put_file(p, text);
}

/* Runs $ADFRUN with 'argv' (NULL-terminated, without the program), stderr
 * on a pty when 'tty'; returns the exit status and what stderr showed
 * (malloc'd). */
static int run_bin(const char *const *args, bool tty, char **err_out)
{
  int master = -1;
  char errf[1100];
  snprintf(errf, sizeof errf, "%s/stderr.txt", g_fac);
  if (tty) {
    master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) {
      *err_out = NULL;
      return -1;
    }
  }
  const char *slave = tty ? ptsname(master) : NULL;
  char slave_name[256] = "";
  if (slave)
    snprintf(slave_name, sizeof slave_name, "%s", slave);
  pid_t pid = fork();
  if (pid == 0) {
    int fd = tty ? open(slave_name, O_RDWR)
                 : open(errf, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int nul = open("/dev/null", O_WRONLY);
    if (fd < 0 || nul < 0)
      _exit(126);
    dup2(fd, 2);
    dup2(nul, 1);
    setenv("TERM", "xterm", 1);
    setenv("LANG", "C.UTF-8", 1);
    unsetenv("NO_COLOR");
    const char *argv[32];
    size_t n = 0;
    argv[n++] = getenv("ADFRUN");
    for (size_t i = 0; args[i] && n < 31; i++)
      argv[n++] = args[i];
    argv[n] = NULL;
    execv(argv[0], (char *const *)argv);
    _exit(127);
  }
  StrBuf sb;
  sb_init(&sb);
  if (tty) {
    char buf[4096];
    for (;;) {
      struct pollfd pfd = {master, POLLIN, 0};
      if (poll(&pfd, 1, 30000) <= 0)
        break;
      ssize_t r = read(master, buf, sizeof buf);
      if (r <= 0)
        break; /* EIO once the child closed the slave */
      sb_put(&sb, buf, (size_t)r);
    }
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (tty) {
    close(master);
  } else {
    size_t len;
    char *t = slurp(errf, &len);
    if (t)
      sb_puts(&sb, t);
    free(t);
  }
  *err_out = sb_take(&sb);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static void check_no_injection(const char *out, const char *what)
{
  CHECK(!strstr(out, "\033[2J"), "%s: clear-screen got through", what);
  CHECK(!strstr(out, "\033[31mred"), "%s: colour from a name got through",
        what);
  CHECK(!strstr(out, "\033]0;"), "%s: title sequence got through", what);
  CHECK(!strstr(out, "\nSucceeded  Fake"),
        "%s: a newline in a name made "
        "a line",
        what);
  CHECK(!strstr(out, "\xe2\x80\xae"), "%s: bidi override got through", what);
  CHECK(!strstr(out, "\xc2\x9b"), "%s: C1 CSI got through", what);
  CHECK(strstr(out, "\\e[31mred\\nSucceeded  Fake") != NULL,
        "%s: the name is shown with visible escapes:\n%s", what, out);
}

static void test_terminal(void)
{
  write_fac("inj.json",
            "{\"name\":\"Inj\\u001b[2J\",\"properties\":{\"activities\":[{"
            "\"name\":\"A\\u001b[31mred\\nSucceeded  Fake\",\"type\":\"Fail\","
            "\"typeProperties\":{\"message\":\"line1\\nline2 "
            "\\u001b]0;title\\u0007 \\u009b31m \\u202eevil\","
            "\"errorCode\":\"E1\"}}]}}");
  char pl[1100], rep[1100];
  snprintf(pl, sizeof pl, "%s/inj.json", g_fac);
  snprintf(rep, sizeof rep, "%s/inj.report.json", g_fac);
  const char *args[] = {"run", pl, "--report", rep, NULL};
  char *out = NULL;
  int rc = run_bin(args, false, &out);
  CHECK(rc == 1, "injection pipeline fails (rc %d)", rc);
  check_no_injection(out ? out : "", "plain");
  CHECK(out && strstr(out, "line1\\nline2 \\e]0;title\\x07 \\u009B31m "
                           "\\u202Eevil"),
        "message shown escaped:\n%s", out ? out : "");
  free(out);
  /* JSON keeps the exact text (escaped by JSON rules). */
  char *r = slurp(rep, NULL);
  CHECK(r && strstr(r, "A\\u001b[31mred\\nSucceeded  Fake"),
        "report keeps the name");
  free(r);
  out = NULL;
  rc = run_bin(args, true, &out);
  if (rc < 0 || !out) {
    printf("skipped: live view (no pty)\n");
  } else {
    CHECK(rc == 1, "live: rc %d", rc);
    check_no_injection(out, "live");
  }
  free(out);
}

/* deleteFilesAfterCompletion deletes nothing when the Copy fails. */
static void test_delete_after_failure(void)
{
  char host[1100];
  snprintf(host, sizeof host, "%s/data", g_fac);
  mkdir_p(host);
  char p[1200];
  snprintf(p, sizeof p, "%s/src.csv", host);
  put_file(p, "a,b\n1,2\n");
  snprintf(p, sizeof p, "%s/out/dst.csv/blocker", host);
  mkdir_p(p); /* a folder where the sink file should go */
  StrBuf sb;
  sb_init(&sb);
  sb_printf(&sb,
            "{\"name\":\"Local\",\"properties\":{\"type\":\"FileServer\","
            "\"typeProperties\":{\"host\":\"%s\"}}}",
            host);
  write_fac("fac/linkedService/Local.json", sb.s);
  sb_fini(&sb);
  write_fac("fac/dataset/Src.json",
            "{\"name\":\"Src\",\"properties\":{\"type\":\"DelimitedText\","
            "\"linkedServiceName\":{\"referenceName\":\"Local\",\"type\":"
            "\"LinkedServiceReference\"},\"typeProperties\":{\"location\":{"
            "\"type\":\"FileServerLocation\",\"fileName\":\"src.csv\"},"
            "\"firstRowAsHeader\":true}}}");
  write_fac("fac/dataset/Dst.json",
            "{\"name\":\"Dst\",\"properties\":{\"type\":\"DelimitedText\","
            "\"linkedServiceName\":{\"referenceName\":\"Local\",\"type\":"
            "\"LinkedServiceReference\"},\"typeProperties\":{\"location\":{"
            "\"type\":\"FileServerLocation\",\"folderPath\":\"out\","
            "\"fileName\":\"dst.csv\"},\"firstRowAsHeader\":true}}}");
  write_fac("fac/pipeline/Move.json",
            "{\"name\":\"Move\",\"properties\":{\"activities\":[{\"name\":"
            "\"Mv\",\"type\":\"Copy\",\"typeProperties\":{\"source\":{"
            "\"type\":\"DelimitedTextSource\",\"storeSettings\":{\"type\":"
            "\"FileServerReadSettings\",\"deleteFilesAfterCompletion\":true}},"
            "\"sink\":{\"type\":\"DelimitedTextSink\"}},\"inputs\":[{"
            "\"referenceName\":\"Src\",\"type\":\"DatasetReference\"}],"
            "\"outputs\":[{\"referenceName\":\"Dst\",\"type\":"
            "\"DatasetReference\"}]}]}}");
  char fac[1100];
  snprintf(fac, sizeof fac, "%s/fac", g_fac);
  const char *args[] = {"run", fac, "--pipeline", "Move", NULL};
  char *out = NULL;
  int rc = run_bin(args, false, &out);
  CHECK(rc == 1, "copy onto a folder fails (rc %d): %s", rc, out ? out : "");
  snprintf(p, sizeof p, "%s/src.csv", host);
  CHECK(access(p, F_OK) == 0, "source kept after a failed copy");
  snprintf(p, sizeof p, "%s/out", host);
  CHECK(count_prefixed(p, ".adfrun-tmp-") == 0, "no temp file in the sink");
  free(out);
  /* Once the way is clear the copy succeeds and then deletes. */
  snprintf(p, sizeof p, "%s/out/dst.csv", host);
  fx_rm_cb(p);
  out = NULL;
  rc = run_bin(args, false, &out);
  CHECK(rc == 0, "copy succeeds (rc %d): %s", rc, out ? out : "");
  CHECK(access(p, F_OK) == 0, "sink written");
  snprintf(p, sizeof p, "%s/src.csv", host);
  CHECK(access(p, F_OK) != 0, "source deleted after success");
  free(out);
}

int main(void)
{
  signal(SIGPIPE, SIG_IGN);
  fx_tmpdir();
  test_dotdot();
  test_symlinks();
  test_write_modes();
  test_unwritable();
  test_fifo();
  const char *bin = getenv("ADFRUN");
  if (!bin || !*bin || access(bin, X_OK) != 0) {
    printf("skipped: ADFRUN is not set to the adfrun binary\n");
  } else {
    snprintf(g_fac, sizeof g_fac, "%s/bin", fx_root);
    mkdir_p(g_fac);
    test_terminal();
    test_delete_after_failure();
  }
  fx_cleanup();
  return CHECK_DONE();
}
