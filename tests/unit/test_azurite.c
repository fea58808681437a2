/*
 * tests/unit/test_azurite.c -- the Blob store against Azurite, and the
 *                              pipelines/rest_to_blob factory end to end
 *
 * Starts azurite-blob (installed by scripts/install-azurite.sh into
 * .cache/azurite) on 127.0.0.1 with a free port and a temp folder, plus a
 * tiny HTTP server thread playing the REST API.  Checks SharedKey
 * requests, multi-block atomic writes, listings, deletes, Copy file<->blob,
 * then runs RestToBlob through the engine under a virtual clock.  Prints
 * "skipped: ..." and passes when node or Azurite are missing.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "activities/data.h"
#include "activities/store.h"
#include "interp/clock.h"
#include "interp/load.h"
#include "interp/run.h"
#include "interp/sched.h"
#include "tests/check.h"
#include "tests/unit/data_fixture.h"

#define DEV_KEY                                                                \
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr"  \
  "/KBHBeksoGMGw=="

static pid_t azurite_pid;
static int blob_port;
static char endpoint[128];

static int free_port(void)
{
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {0};
  socklen_t n = sizeof a;
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, (struct sockaddr *)&a, sizeof a);
  getsockname(fd, (struct sockaddr *)&a, &n);
  close(fd);
  return ntohs(a.sin_port);
}

static bool port_open(int port)
{
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
  close(fd);
  return ok;
}

static bool start_azurite(void)
{
  char bin[512];
  const char *repo = getenv("ADF_REPO");
  snprintf(bin, sizeof bin, "%s/.cache/azurite/node_modules/.bin/azurite-blob",
           repo && *repo ? repo : ".");
  if (access(bin, X_OK) != 0) {
    printf("skipped: Azurite not installed (run scripts/install-azurite.sh)\n");
    return false;
  }
  if (system("node --version >/dev/null 2>&1") != 0) {
    printf("skipped: node is not installed\n");
    return false;
  }
  blob_port = free_port();
  char port[16];
  snprintf(port, sizeof port, "%d", blob_port);
  const char *loc = fx_path("azurite");
  fx_mkdirs(fx_path("azurite/x"));
  azurite_pid = fork();
  if (azurite_pid == 0) {
    freopen("/dev/null", "w", stdout);
    execl(bin, bin, "--blobHost", "127.0.0.1", "--blobPort", port, "--location",
          loc, "--silent", "--skipApiVersionCheck", "--loose",
          "--disableTelemetry", (char *)NULL);
    _exit(127);
  }
  for (int i = 0; i < 300; i++) {
    if (port_open(blob_port)) {
      snprintf(endpoint, sizeof endpoint,
               "http://127.0.0.1:%d/devstoreaccount1", blob_port);
      return true;
    }
    int st;
    if (waitpid(azurite_pid, &st, WNOHANG) == azurite_pid) {
      printf("skipped: azurite-blob exited before listening\n");
      azurite_pid = 0;
      return false;
    }
    struct timespec ts = {0, 100000000};
    nanosleep(&ts, NULL);
  }
  printf("skipped: azurite-blob did not start listening\n");
  return false;
}

static void stop_azurite(void)
{
  if (azurite_pid > 0) {
    kill(azurite_pid, SIGTERM);
    waitpid(azurite_pid, NULL, 0);
  }
}

/* ---- A REST API on a loopback port ------------------------------------ */

static int api_fd = -1, api_port;
static char api_seen_key[128];

static void *api_main(void *arg)
{
  (void)arg;
  for (;;) {
    int c = accept(api_fd, NULL, NULL);
    if (c < 0)
      return NULL;
    char req[4096];
    ssize_t n = recv(c, req, sizeof req - 1, 0);
    req[n > 0 ? n : 0] = '\0';
    const char *k = strstr(req, "x-api-key: ");
    if (k)
      sscanf(k + 11, "%127[^\r\n]", api_seen_key);
    const char *body =
        strncmp(req, "GET /items?page=1 ", 18) == 0
            ? "{\"page\": 1, \"items\": [{\"id\": 1, \"name\": \"Ann\", "
              "\"price\": 1.5}, {\"id\": 2, \"name\": \"Bob, Jr\", "
              "\"price\": 20}]}"
            : NULL;
    char head[256];
    snprintf(head, sizeof head,
             "HTTP/1.1 %s\r\nContent-Type: application/json\r\n"
             "Content-Length: %zu\r\nConnection: close\r\n\r\n",
             body ? "200 OK" : "404 Not Found", body ? strlen(body) : 0);
    send(c, head, strlen(head), 0);
    if (body)
      send(c, body, strlen(body), 0);
    close(c);
  }
}

static void start_api(pthread_t *th)
{
  api_fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {0};
  socklen_t n = sizeof a;
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(api_fd, (struct sockaddr *)&a, sizeof a);
  listen(api_fd, 16);
  getsockname(api_fd, (struct sockaddr *)&a, &n);
  api_port = ntohs(a.sin_port);
  pthread_create(th, NULL, api_main, NULL);
}

/* ---- Store-level checks ----------------------------------------------- */

static Value *blob_conn(void)
{
  StrBuf sb;
  sb_init(&sb);
  sb_printf(&sb,
            "{\"kind\": \"blob\", \"endpoint\": \"%s\", \"account\": "
            "\"devstoreaccount1\", \"key\": \"%s\"}",
            endpoint, DEV_KEY);
  Value *v = fx_json(sb.s);
  sb_fini(&sb);
  return v;
}

static bool put(Store *st, const char *path, const void *data, size_t n)
{
  Err err = ERR_INIT;
  OutStream *o = st->ops->open_write(st, path, &err);
  bool ok = o && stream_write(o, data, n, &err) && stream_commit(o, &err);
  if (!ok)
    fprintf(stderr, "put %s: %s\n", path, err.msg);
  return ok;
}

static char *get(Store *st, const char *path, size_t *len)
{
  Err err = ERR_INIT;
  InStream *in = st->ops->open_read(st, path, &err);
  if (!in)
    return NULL;
  StrBuf sb;
  sb_init(&sb);
  char buf[70000];
  ptrdiff_t n;
  while ((n = stream_read(in, buf, sizeof buf, &err)) > 0)
    sb_put(&sb, buf, (size_t)n);
  stream_close(in);
  *len = sb.len;
  return sb_take(&sb);
}

static void test_blob_store(void)
{
  Err err = ERR_INIT;
  Value *conn = blob_conn();
  Store *st = store_open(conn, &err);
  val_unref(conn);
  CHECK(st != NULL, "open blob store: %s", err.msg);
  if (!st)
    return;
  /* 9 MiB + 5 bytes: three blocks. */
  size_t n = 9 * 1024 * 1024 + 5;
  char *data = malloc(n);
  for (size_t i = 0; i < n; i++)
    data[i] = (char)('a' + (i * 7 + i / 1000) % 26);
  CHECK(put(st, "box/dir/big.bin", data, n), "multi-block write");
  CHECK(put(st, "box/dir/sub/small.txt", "hello", 5), "small write");
  CHECK(put(st, "box/top.txt", "", 0), "empty blob");
  size_t len = 0;
  char *got = get(st, "box/dir/big.bin", &len);
  CHECK(got && len == n && memcmp(got, data, n) == 0, "ranged read back");
  free(got);
  got = get(st, "box/top.txt", &len);
  CHECK(got && len == 0, "empty blob reads empty");
  free(got);
  StoreItem it = {0};
  bool found = false;
  CHECK(st->ops->stat(st, "box/dir/big.bin", &it, &found, &err) && found &&
            !it.is_dir && it.size == (int64_t)n && it.mtime > 0 && it.md5,
        "stat blob (size, mtime, MD5): %s", err.msg);
  store_item_fini(&it);
  CHECK(st->ops->stat(st, "box/dir", &it, &found, &err) && found && it.is_dir,
        "virtual folder");
  store_item_fini(&it);
  CHECK(st->ops->stat(st, "box/nope", &it, &found, &err) && !found,
        "missing blob");
  store_item_fini(&it);
  CHECK(st->ops->stat(st, "nocontainer/x", &it, &found, &err) && !found,
        "missing container");
  store_item_fini(&it);
  StoreList l;
  store_list_init(&l);
  CHECK(st->ops->list(st, "box", false, &l, &found, &err) && found &&
            l.n == 2 && strcmp(l.items[0].path, "dir") == 0 &&
            l.items[0].is_dir && strcmp(l.items[1].path, "top.txt") == 0,
        "list one level: %zu", l.n);
  store_list_fini(&l);
  store_list_init(&l);
  CHECK(st->ops->list(st, "box/dir", true, &l, &found, &err) && found &&
            l.n == 3,
        "recursive list with virtual folders: %zu", l.n);
  store_list_fini(&l);
  /* An aborted write leaves nothing. */
  OutStream *o = st->ops->open_write(st, "box/aborted.bin", &err);
  stream_write(o, data, n, &err);
  stream_abort(o);
  CHECK(st->ops->stat(st, "box/aborted.bin", &it, &found, &err) && !found,
        "aborted write is invisible");
  store_item_fini(&it);
  CHECK(st->ops->remove(st, "box/top.txt", &err), "delete blob: %s", err.msg);
  err_clear(&err);
  CHECK(!st->ops->remove(st, "box/top.txt", &err) &&
            err.code == ERR_DATA_NOT_FOUND,
        "delete missing blob: %s", err.msg);
  /* A wrong key is refused by the service. */
  err_clear(&err);
  StrBuf sb;
  sb_init(&sb);
  sb_printf(&sb,
            "{\"kind\": \"blob\", \"endpoint\": \"%s\", \"account\": "
            "\"devstoreaccount1\", \"key\": \"a2V5a2V5\"}",
            endpoint);
  Value *bad = fx_json(sb.s);
  sb_fini(&sb);
  Store *st2 = store_open(bad, &err);
  val_unref(bad);
  CHECK(st2 && !put(st2, "box/x", "x", 1), "bad key refused");
  store_free(st2);
  free(data);
  store_free(st);
}

/* ---- Copy file <-> blob ----------------------------------------------- */

static Factory *blob_factory(void)
{
  StrBuf sb;
  sb_init(&sb);
  sb_printf(
      &sb,
      "[{\"kind\": \"linkedService\", \"name\": \"Files\", \"properties\": "
      "{\"type\": \"FileServer\", \"typeProperties\": {\"host\": \"%s\"}}},"
      "{\"kind\": \"linkedService\", \"name\": \"Blob\", \"properties\": "
      "{\"type\": \"AzureBlobStorage\", \"typeProperties\": "
      "{\"connectionString\": {\"type\": \"SecureString\", \"value\": "
      "\"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
      "AccountKey=%s;BlobEndpoint=%s;\"}}}},",
      fx_root, DEV_KEY, endpoint);
  sb_puts(
      &sb,
      "{\"kind\": \"dataset\", \"name\": \"LocalCsv\", \"properties\": {"
      "\"type\": \"DelimitedText\", \"linkedServiceName\": {\"referenceName\":"
      " \"Files\"}, \"parameters\": {\"dir\": {\"type\": \"String\"}},"
      "\"typeProperties\": {\"location\": {\"type\": \"FileServerLocation\", "
      "\"folderPath\": \"@dataset().dir\"}, \"firstRowAsHeader\": true}}},"
      "{\"kind\": \"dataset\", \"name\": \"BlobCsv\", \"properties\": {"
      "\"type\": \"DelimitedText\", \"linkedServiceName\": {\"referenceName\":"
      " \"Blob\"}, \"parameters\": {\"dir\": {\"type\": \"String\"}},"
      "\"typeProperties\": {\"location\": {\"type\": "
      "\"AzureBlobStorageLocation\", \"container\": \"data\", \"folderPath\": "
      "\"@dataset().dir\"}, \"firstRowAsHeader\": true}}}]");
  Factory *f = fx_factory(sb.s);
  sb_fini(&sb);
  return f;
}

static void test_copy_blob(void)
{
  Factory *f = blob_factory();
  Err err = ERR_INIT;
  fx_puts("up/a.csv", "k,v\r\n1,x\r\n");
  fx_puts("up/s/b.csv", "k,v\r\n2,y\r\n");
  Value *out = fx_copy(f, "LocalCsv", "{\"dir\": \"up\"}", "BlobCsv",
                       "{\"dir\": \"in\"}", NULL, NULL, NULL, &err);
  CHECK(out && fx_int(out, "filesWritten") == 2, "file -> blob: %s", err.msg);
  val_unref(out);
  err_clear(&err);
  out = fx_copy(f, "BlobCsv", "{\"dir\": \"in\"}", "LocalCsv",
                "{\"dir\": \"down\"}",
                "{\"storeSettings\": {\"type\": "
                "\"AzureBlobStorageReadSettings\", \"wildcardFileName\": "
                "\"*.csv\", \"recursive\": true}}",
                NULL, NULL, &err);
  char *got = fx_read("down/s/b.csv", NULL);
  CHECK(out && fx_int(out, "filesRead") == 2 && got &&
            strcmp(got, "k,v\r\n2,y\r\n") == 0,
        "blob -> file keeps hierarchy: %s", err.msg);
  free(got);
  val_unref(out);
  /* prefix relative to the container. */
  err_clear(&err);
  out = fx_copy(
      f, "BlobCsv", "{\"dir\": \"in\"}", "LocalCsv", "{\"dir\": \"pre\"}",
      "{\"storeSettings\": {\"prefix\": \"in/s\"}}", NULL, NULL, &err);
  CHECK(out && fx_int(out, "filesRead") == 1, "blob prefix: %s", err.msg);
  val_unref(out);
  factory_free(f);
}

/* ---- Bad input: a missing container, a wrong account key ---------------- */

static Factory *bad_blob_factory(void)
{
  StrBuf sb;
  sb_init(&sb);
  /* The right account with a wrong (well-formed) key. */
  sb_printf(
      &sb,
      "[{\"kind\": \"linkedService\", \"name\": \"Files\", \"properties\": "
      "{\"type\": \"FileServer\", \"typeProperties\": {\"host\": \"%s\"}}},"
      "{\"kind\": \"linkedService\", \"name\": \"Blob\", \"properties\": "
      "{\"type\": \"AzureBlobStorage\", \"typeProperties\": "
      "{\"connectionString\": \"DefaultEndpointsProtocol=http;AccountName="
      "devstoreaccount1;AccountKey=%s;BlobEndpoint=%s;\"}}},"
      "{\"kind\": \"linkedService\", \"name\": \"BadKey\", \"properties\": "
      "{\"type\": \"AzureBlobStorage\", \"typeProperties\": "
      "{\"connectionString\": \"DefaultEndpointsProtocol=http;AccountName="
      "devstoreaccount1;AccountKey=d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXk="
      ";BlobEndpoint=%s;\"}}},",
      fx_root, DEV_KEY, endpoint, endpoint);
  static const char *const ls[] = {"Blob", "BadKey"};
  for (size_t i = 0; i < 2; i++)
    sb_printf(&sb,
              "{\"kind\": \"dataset\", \"name\": \"%sCsv\", "
              "\"properties\": {\"type\": \"DelimitedText\", "
              "\"linkedServiceName\": {\"referenceName\": \"%s\"}, "
              "\"parameters\": {\"c\": {\"type\": \"String\"}, \"file\": "
              "{\"type\": \"String\"}}, \"typeProperties\": {\"location\": "
              "{\"type\": \"AzureBlobStorageLocation\", \"container\": "
              "\"@dataset().c\", \"fileName\": \"@dataset().file\"}, "
              "\"firstRowAsHeader\": true}}},",
              ls[i], ls[i]);
  sb_puts(&sb,
          "{\"kind\": \"dataset\", \"name\": \"LocalCsv\", \"properties\": {"
          "\"type\": \"DelimitedText\", \"linkedServiceName\": "
          "{\"referenceName\": \"Files\"}, \"parameters\": {\"dir\": "
          "{\"type\": \"String\"}, \"file\": {\"type\": \"String\"}}, "
          "\"typeProperties\": {\"location\": {\"type\": "
          "\"FileServerLocation\", \"folderPath\": \"@dataset().dir\", "
          "\"fileName\": \"@dataset().file\"}, \"firstRowAsHeader\": "
          "true}}}]");
  Factory *f = fx_factory(sb.s);
  sb_fini(&sb);
  return f;
}

static void test_blob_bad_input(void)
{
  Factory *f = bad_blob_factory();
  Err err = ERR_INIT;
  Value *out;

  /* A container that does not exist: the source side fails naming the
   * container and blob, and no local file appears. */
  out = fx_copy(f, "BlobCsv", "{\"c\": \"no-such-box\", \"file\": \"a.csv\"}",
                "LocalCsv", "{\"dir\": \"bad1\", \"file\": \"a.csv\"}", NULL,
                NULL, NULL, &err);
  CHECK(!out && err.code == ERR_DATA_NOT_FOUND &&
            strstr(err.msg, "Failure happened on 'Source' side. "
                            "ErrorCode=UserErrorSourceBlobNotExist,") &&
            strstr(err.msg, "no-such-box/a.csv"),
        "missing container: %s", err.msg);
  CHECK(!fx_exists("bad1/a.csv") && fx_count("bad1") <= 0,
        "missing container: nothing written");
  val_unref(out);

  /* A wrong account key reading: HTTP 403 named, nothing written. */
  fx_puts("good/k.csv", "k,v\r\n1,x\r\n");
  err_clear(&err);
  out = fx_copy(f, "LocalCsv", "{\"dir\": \"good\", \"file\": \"k.csv\"}",
                "BlobCsv", "{\"c\": \"keys\", \"file\": \"k.csv\"}", NULL, NULL,
                NULL, &err);
  CHECK(out != NULL, "setup: file -> blob with the right key: %s", err.msg);
  val_unref(out);
  err_clear(&err);
  out = fx_copy(f, "BadKeyCsv", "{\"c\": \"keys\", \"file\": \"k.csv\"}",
                "LocalCsv", "{\"dir\": \"bad2\", \"file\": \"k.csv\"}", NULL,
                NULL, NULL, &err);
  CHECK(!out &&
            strstr(err.msg, "Failure happened on 'Source' side. "
                            "ErrorCode=AzureBlobOperationFailed,") &&
            strstr(err.msg, "403") && strstr(err.msg, "keys/k.csv"),
        "wrong key, source: %s", err.msg);
  CHECK(!fx_exists("bad2/k.csv"), "wrong key, source: nothing written");
  val_unref(out);

  /* A wrong account key writing: the sink side fails, the blob that was
   * there keeps its content. */
  fx_puts("good/k2.csv", "k,v\r\n2,y\r\n");
  err_clear(&err);
  out = fx_copy(f, "LocalCsv", "{\"dir\": \"good\", \"file\": \"k2.csv\"}",
                "BadKeyCsv", "{\"c\": \"keys\", \"file\": \"k.csv\"}", NULL,
                NULL, NULL, &err);
  CHECK(!out &&
            strstr(err.msg, "Failure happened on 'Sink' side. "
                            "ErrorCode=AzureBlobOperationFailed,") &&
            strstr(err.msg, "403"),
        "wrong key, sink: %s", err.msg);
  val_unref(out);
  err_clear(&err);
  out = fx_copy(f, "BlobCsv", "{\"c\": \"keys\", \"file\": \"k.csv\"}",
                "LocalCsv", "{\"dir\": \"back\", \"file\": \"k.csv\"}", NULL,
                NULL, NULL, &err);
  char *got = fx_read("back/k.csv", NULL);
  CHECK(out && got && strcmp(got, "k,v\r\n1,x\r\n") == 0,
        "wrong key, sink: the old blob is untouched: %s", err.msg);
  free(got);
  val_unref(out);
  factory_free(f);
}

/* ---- RestToBlob end to end -------------------------------------------- */

static const ActivityType *const rows[] = {
    &act_copy_type, &act_lookup_type, &act_getmetadata_type, &act_delete_type,
    &act_validation_type};

static void test_pipeline(void)
{
  pthread_t th;
  start_api(&th);
  setenv("ADFRUN_DEVSTORE_BLOB_ENDPOINT", endpoint, 1);
  Err err = ERR_INIT;
  Factory *f = load_factory_dir("pipelines/rest_to_blob", &err);
  CHECK(f != NULL, "load rest_to_blob: %s", err.msg);
  if (!f)
    return;
  Pipeline *pl = factory_pipeline(f, "RestToBlob");
  EngineOptions opt = {0};
  clk_init_virtual(&opt.clock, 638400000000000000LL);
  opt.seed = 1;
  opt.allow_network = true;
  Engine *eng = engine_new(&opt, &err);
  engine_set_leaf_types(eng, rows, 5);
  char url[64];
  snprintf(url, sizeof url, "http://127.0.0.1:%d/", api_port);
  Value *params = val_object_new();
  val_object_set_take(params, "apiUrl", 6, val_cstr(url));
  RunArgs args = {params, NULL, NULL};
  PipelineRun *r = run_new(eng, pl, f, &args, NULL, NULL, &err);
  CHECK(r != NULL, "run_new: %s", err.msg);
  if (r) {
    run_start(r);
    CHECK(engine_run(eng, &err), "engine_run: %s", err.msg);
    CHECK(r->status == RS_SUCCEEDED, "pipeline status %s: %s",
          sched_status_name(r->status), r->message ? r->message : "");
    for (size_t i = 0; i < r->rep.n; i++) {
      RepEntry *e = &r->rep.e[i];
      if (e->has_error)
        fprintf(stderr, "  %s: %s %s\n", e->def->name, e->err_code, e->err_msg);
      if (strcmp(e->def->name, "ReadBack") == 0) {
        char *js = e->output ? val_to_json_str(e->output) : NULL;
        CHECK(js && strstr(js, "\"count\":2") &&
                  strstr(js, "{\"id\":\"2\",\"name\":\"Bob, Jr\",\"price\":"
                             "\"20\",\"page\":\"1\",\"source\":\"items."
                             "json\"}"),
              "ReadBack rows: %s", js);
        free(js);
      }
      if (strcmp(e->def->name, "IngestApi") == 0)
        CHECK(fx_int(e->output, "filesWritten") == 1 &&
                  fx_int(e->output, "rowsCopied") == 1,
              "IngestApi output");
    }
    CHECK(strcmp(api_seen_key, "demo-api-key-123") == 0,
          "authHeaders sent: '%s'", api_seen_key);
    size_t n_sec = 0;
    const char *const *sec = engine_secrets(eng, &n_sec);
    bool has = false;
    for (size_t i = 0; i < n_sec; i++)
      has = has || strcmp(sec[i], "demo-api-key-123") == 0;
    CHECK(has, "authHeaders value registered as a secret");
    run_free(r);
  }
  /* The CSV landed in Blob as expected. */
  Value *conn = blob_conn();
  Store *st = store_open(conn, &err);
  val_unref(conn);
  size_t len = 0;
  char *csv = st ? get(st, "curated/items/2024-01-31/items.csv", &len) : NULL;
  CHECK(csv && strcmp(csv, "id,name,price,page,source\r\n"
                           "1,Ann,1.5,1,items.json\r\n"
                           "2,\"Bob, Jr\",20,1,items.json\r\n") == 0,
        "curated CSV: [%s]", csv);
  free(csv);
  store_free(st);
  val_unref(params);
  engine_free(eng);
  factory_free(f);
  shutdown(api_fd, SHUT_RDWR);
  close(api_fd);
  pthread_join(th, NULL);
}

int main(void)
{
  fx_tmpdir();
  if (!start_azurite()) {
    fx_cleanup();
    return CHECK_DONE();
  }
  test_blob_store();
  test_copy_blob();
  test_blob_bad_input();
  test_pipeline();
  stop_azurite();
  fx_cleanup();
  return CHECK_DONE();
}
