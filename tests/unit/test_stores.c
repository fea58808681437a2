/*
 * tests/unit/test_stores.c -- the FileServer store and file selection
 *
 * Atomic writers (nothing visible before commit, nothing left after
 * abort), paths that try to leave the host folder, listings, and
 * store_select() with every read setting.  Blob is in test_azurite.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activities/store.h"
#include "tests/check.h"
#include "tests/unit/data_fixture.h"

static Store *file_store(void)
{
  StrBuf sb;
  sb_init(&sb);
  sb_printf(&sb, "{\"kind\": \"file\", \"root\": \"%s/\"}", fx_root);
  Value *conn = fx_json(sb.s);
  sb_fini(&sb);
  Err err = ERR_INIT;
  Store *st = store_open(conn, &err);
  val_unref(conn);
  return st;
}

static void test_writers(Store *st)
{
  Err err = ERR_INIT;
  OutStream *o = st->ops->open_write(st, "w/new/file.txt", &err);
  CHECK(o && stream_write(o, "abc", 3, &err), "open_write creates folders");
  CHECK(!fx_exists("w/new/file.txt") && fx_count("w/new") == 1,
        "invisible before commit (one temp file)");
  CHECK(stream_commit(o, &err) && fx_exists("w/new/file.txt") &&
            fx_count("w/new") == 1,
        "visible after commit, temp gone");
  o = st->ops->open_write(st, "w/new/file.txt", &err);
  stream_write(o, "partial", 7, &err);
  stream_abort(o);
  char *got = fx_read("w/new/file.txt", NULL);
  CHECK(got && strcmp(got, "abc") == 0 && fx_count("w/new") == 1,
        "abort keeps the old file and leaves no temp");
  free(got);
  err_clear(&err);
  CHECK(!st->ops->open_write(st, "../escape.txt", &err) &&
            err.code == ERR_DATA_REFERENCE,
        "'..' refused: %s", err.msg);
  err_clear(&err);
  CHECK(!st->ops->open_read(st, "w/none.txt", &err) &&
            err.code == ERR_DATA_NOT_FOUND,
        "missing file: %s", err.msg);
  err_clear(&err);
  CHECK(!st->ops->open_read(st, "w/new", &err), "folder is not a file");
  err_clear(&err);
  CHECK(!st->ops->open_write(st, "w/new", &err), "cannot overwrite a folder");
  /* Listing hides in-flight temp files. */
  o = st->ops->open_write(st, "w/new/other.txt", &err);
  StoreList l;
  store_list_init(&l);
  bool found;
  CHECK(st->ops->list(st, "w", true, &l, &found, &err) && found && l.n == 2,
        "listing skips temp files: %zu", l.n);
  store_list_fini(&l);
  stream_abort(o);
}

static void test_select(Store *st)
{
  fx_puts("s/a.csv", "1");
  fx_puts("s/b.json", "22");
  fx_puts("s/x/c.csv", "333");
  fx_puts("s/x/y/d.csv", "4444");
  fx_puts("s/z/e.csv", "55555");
  struct {
    const char *folder, *file, *wf, *wn, *prefix;
    bool rec;
    const char *want;
  } cases[] = {
      {"s", NULL, NULL, NULL, NULL, true,
       "s/a.csv s/b.json s/x/c.csv s/x/y/d.csv s/z/e.csv "},
      {"s", NULL, NULL, NULL, NULL, false, "s/a.csv s/b.json "},
      {"s", "a.csv", NULL, NULL, NULL, true, "s/a.csv "},
      {"s", NULL, NULL, "*.csv", NULL, false, "s/a.csv "},
      {"s", NULL, "s/x*", "*.csv", NULL, true, "s/x/c.csv s/x/y/d.csv "},
      {"s", NULL, "s/x*", "*.csv", NULL, false, "s/x/c.csv "},
      {"s", NULL, "s/?", NULL, NULL, false, "s/x/c.csv s/z/e.csv "},
      {"", NULL, NULL, NULL, "s/x/", true, "s/x/c.csv s/x/y/d.csv "},
      {"s", "?.csv", NULL, NULL, NULL, false, "s/a.csv "},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    StoreSelect sel;
    store_select_init(&sel);
    sel.folder = cases[i].folder;
    sel.file = cases[i].file;
    sel.wild_folder = cases[i].wf;
    sel.wild_file = cases[i].wn;
    sel.prefix = cases[i].prefix;
    sel.recursive = cases[i].rec;
    StoreList l;
    store_list_init(&l);
    char *base = NULL;
    Err err = ERR_INIT;
    bool ok = store_select(st, &sel, &l, &base, &err);
    StrBuf sb;
    sb_init(&sb);
    for (size_t k = 0; k < l.n; k++)
      sb_printf(&sb, "%s ", l.items[k].path);
    CHECK(ok && strcmp(sb.s, cases[i].want) == 0, "select case %zu: got [%s]",
          i, sb.s);
    sb_fini(&sb);
    free(base);
    store_list_fini(&l);
  }
  StoreSelect sel;
  store_select_init(&sel);
  sel.folder = "s/none";
  StoreList l;
  store_list_init(&l);
  char *base = NULL;
  Err err = ERR_INIT;
  CHECK(!store_select(st, &sel, &l, &base, &err) &&
            err.code == ERR_DATA_NOT_FOUND,
        "missing folder: %s", err.msg);
  free(base);
  store_list_fini(&l);
}

int main(void)
{
  fx_tmpdir();
  Store *st = file_store();
  CHECK(st != NULL, "open file store");
  test_writers(st);
  test_select(st);
  store_free(st);
  fx_cleanup();
  return CHECK_DONE();
}
