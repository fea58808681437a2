/*
 * tests/unit/test_copy.c -- Copy, Lookup, GetMetadata, Delete and the
 *                           Validation probe against the local file store
 *
 * Every case builds a small factory (FileServer linked service on a temp
 * folder, DelimitedText/Json/Binary datasets), resolves the datasets as
 * the activities do, runs the operation exactly as its worker thread
 * would (job through JSON text) and checks bytes and rows.  The
 * atomicity case injects a failure mid-copy and checks nothing partial is
 * left and the source is untouched.  A table checks that every option
 * docs/datasets.md lists as not supported fails by name.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>

#include "tests/check.h"
#include "tests/unit/data_fixture.h"

static Factory *make_factory(void)
{
  StrBuf sb;
  sb_init(&sb);
  sb_printf(
      &sb,
      "[{\"kind\": \"linkedService\", \"name\": \"Files\", \"properties\": "
      "{\"type\": \"FileServer\", \"parameters\": {\"root\": {\"type\": "
      "\"String\", \"defaultValue\": \"%s\"}}, \"typeProperties\": {\"host\": "
      "\"@{linkedService().root}\", \"userId\": \"me\", \"password\": "
      "{\"type\": \"SecureString\", \"value\": \"hunter2-secret\"}}}},",
      fx_root);
  sb_puts(
      &sb,
      /* CSV with header, folder and file parameterised. */
      "{\"kind\": \"dataset\", \"name\": \"Csv\", \"properties\": {"
      "\"type\": \"DelimitedText\", \"linkedServiceName\": "
      "{\"referenceName\": \"Files\", \"type\": \"LinkedServiceReference\"},"
      "\"parameters\": {\"dir\": {\"type\": \"String\"}, \"file\": "
      "{\"type\": \"String\", \"defaultValue\": \"\"}},"
      "\"typeProperties\": {\"location\": {\"type\": "
      "\"FileServerLocation\", \"folderPath\": \"@dataset().dir\", "
      "\"fileName\": {\"value\": \"@dataset().file\", \"type\": "
      "\"Expression\"}}, \"columnDelimiter\": \",\", \"escapeChar\": "
      "\"\\\\\", \"quoteChar\": \"\\\"\", \"firstRowAsHeader\": true}}},"
      /* Same with gzip. */
      "{\"kind\": \"dataset\", \"name\": \"CsvGz\", \"properties\": {"
      "\"type\": \"DelimitedText\", \"linkedServiceName\": "
      "{\"referenceName\": \"Files\", \"type\": \"LinkedServiceReference\"},"
      "\"parameters\": {\"dir\": {\"type\": \"String\"}, \"file\": "
      "{\"type\": \"String\", \"defaultValue\": \"\"}},"
      "\"typeProperties\": {\"location\": {\"type\": "
      "\"FileServerLocation\", \"folderPath\": \"@dataset().dir\", "
      "\"fileName\": \"@dataset().file\"}, \"firstRowAsHeader\": true, "
      "\"compressionCodec\": \"gzip\"}}},"
      "{\"kind\": \"dataset\", \"name\": \"Js\", \"properties\": {"
      "\"type\": \"Json\", \"linkedServiceName\": "
      "{\"referenceName\": \"Files\", \"type\": \"LinkedServiceReference\"},"
      "\"parameters\": {\"dir\": {\"type\": \"String\"}, \"file\": "
      "{\"type\": \"String\", \"defaultValue\": \"\"}},"
      "\"typeProperties\": {\"location\": {\"type\": "
      "\"FileServerLocation\", \"folderPath\": \"@dataset().dir\", "
      "\"fileName\": \"@dataset().file\"}}}},"
      "{\"kind\": \"dataset\", \"name\": \"Bin\", \"properties\": {"
      "\"type\": \"Binary\", \"linkedServiceName\": "
      "{\"referenceName\": \"Files\", \"type\": \"LinkedServiceReference\"},"
      "\"parameters\": {\"dir\": {\"type\": \"String\"}, \"file\": "
      "{\"type\": \"String\", \"defaultValue\": \"\"}, \"codec\": "
      "{\"type\": \"String\", \"defaultValue\": \"None\"}},"
      "\"typeProperties\": {\"location\": {\"type\": "
      "\"FileServerLocation\", \"folderPath\": \"@dataset().dir\", "
      "\"fileName\": \"@dataset().file\"}, \"compression\": {\"type\": "
      "\"@dataset().codec\"}}}},"
      /* Things adfrun must refuse by name. */
      "{\"kind\": \"dataset\", \"name\": \"Pq\", \"properties\": {"
      "\"type\": \"Parquet\", \"linkedServiceName\": "
      "{\"referenceName\": \"Files\"}, \"typeProperties\": {}}},"
      "{\"kind\": \"linkedService\", \"name\": \"Sql\", \"properties\": {"
      "\"type\": \"AzureSqlDatabase\", \"typeProperties\": {}}},"
      "{\"kind\": \"dataset\", \"name\": \"OnSql\", \"properties\": {"
      "\"type\": \"DelimitedText\", \"linkedServiceName\": "
      "{\"referenceName\": \"Sql\"}, \"typeProperties\": {\"location\": "
      "{\"type\": \"FileServerLocation\"}}}},"
      "{\"kind\": \"linkedService\", \"name\": \"Vaulted\", \"properties\": "
      "{\"type\": \"AzureBlobStorage\", \"typeProperties\": "
      "{\"connectionString\": {\"type\": \"AzureKeyVaultSecret\", "
      "\"store\": {\"referenceName\": \"MyVault\", \"type\": "
      "\"LinkedServiceReference\"}, \"secretName\": \"blob-conn\"}}}},"
      "{\"kind\": \"linkedService\", \"name\": \"MyVault\", \"properties\": "
      "{\"type\": \"AzureKeyVault\", \"typeProperties\": {\"baseUrl\": "
      "\"https://myvault.vault.azure.net/\"}}},"
      "{\"kind\": \"dataset\", \"name\": \"VaultCsv\", \"properties\": {"
      "\"type\": \"DelimitedText\", \"linkedServiceName\": "
      "{\"referenceName\": \"Vaulted\"}, \"typeProperties\": {\"location\": "
      "{\"type\": \"AzureBlobStorageLocation\", \"container\": \"c\", "
      "\"folderPath\": \"in\"}}}}"
      "]");
  Factory *f = fx_factory(sb.s);
  sb_fini(&sb);
  return f;
}

#define P(dir, file) "{\"dir\": \"" dir "\", \"file\": \"" file "\"}"

/* ---- Resolution ------------------------------------------------------- */

static void test_resolve(Factory *f)
{
  Err err = ERR_INIT;
  FxSecrets sec = {0};
  Value *s = fx_resolve(f, "csv", P("in/sub", "a.csv"), &sec, &err);
  CHECK(s != NULL, "resolve Csv (case-insensitive name): %s", err.msg);
  if (s) {
    CHECK(strcmp(ds_str(s, "folder"), "in/sub") == 0, "folder from param");
    CHECK(strcmp(ds_str(s, "file"), "a.csv") == 0, "file from Expression");
    const Value *conn = ds_get(s, "conn");
    CHECK(strcmp(ds_str(conn, "root"), fx_root) == 0,
          "host from linkedService() default");
  }
  CHECK(sec.n == 1 && strcmp(sec.seen[0], "hunter2-secret") == 0,
        "SecureString registered as a secret");
  val_unref(s);
  err_clear(&err);
  CHECK(!fx_resolve(f, "Csv", NULL, NULL, &err) &&
            err.code == ERR_DATA_REFERENCE && strstr(err.msg, "'dir'"),
        "missing parameter without default: %s", err.msg);
  err_clear(&err);
  CHECK(!fx_resolve(f, "Nope", NULL, NULL, &err) && strstr(err.msg, "Nope"),
        "unknown dataset named: %s", err.msg);
  err_clear(&err);
  CHECK(!fx_resolve(f, "Pq", NULL, NULL, &err) &&
            err.code == ERR_DATA_UNSUPPORTED && strstr(err.msg, "Parquet"),
        "Parquet refused by name: %s", err.msg);
  err_clear(&err);
  CHECK(!fx_resolve(f, "OnSql", NULL, NULL, &err) &&
            err.code == ERR_DATA_UNSUPPORTED &&
            strstr(err.msg, "AzureSqlDatabase"),
        "linked service type refused by name: %s", err.msg);
  /* Key Vault: missing, then from the environment, then from the file. */
  err_clear(&err);
  unsetenv("ADFRUN_SECRETS");
  unsetenv("ADFRUN_SECRET_BLOB_CONN");
  CHECK(!fx_resolve(f, "VaultCsv", NULL, NULL, &err) &&
            err.code == ERR_DATA_SECRET &&
            strstr(err.msg, "ADFRUN_SECRET_BLOB_CONN") &&
            strstr(err.msg, "MyVault/blob-conn"),
        "missing Key Vault secret explains where to put it: %s", err.msg);
  err_clear(&err);
  setenv("ADFRUN_SECRET_BLOB_CONN", "UseDevelopmentStorage=true", 1);
  memset(&sec, 0, sizeof sec);
  s = fx_resolve(f, "VaultCsv", NULL, &sec, &err);
  CHECK(s &&
            strcmp(ds_str(ds_get(s, "conn"), "account"), "devstoreaccount1") ==
                0 &&
            strcmp(ds_str(s, "folder"), "c/in") == 0 &&
            strcmp(ds_str(s, "root"), "c") == 0,
        "Key Vault secret from the environment: %s", err.msg);
  CHECK(sec.n >= 1 && strcmp(sec.seen[0], "UseDevelopmentStorage=true") == 0,
        "Key Vault value registered as a secret");
  val_unref(s);
  unsetenv("ADFRUN_SECRET_BLOB_CONN");
  fx_puts("secrets.json", "{\"https://myvault.vault.azure.net/blob-conn\": "
                          "\"AccountName=acct;AccountKey=a2V5\"}");
  setenv("ADFRUN_SECRETS", fx_path("secrets.json"), 1);
  err_clear(&err);
  s = fx_resolve(f, "VaultCsv", NULL, NULL, &err);
  CHECK(s && strcmp(ds_str(ds_get(s, "conn"), "endpoint"),
                    "https://acct.blob.core.windows.net") == 0,
        "Key Vault secret from ADFRUN_SECRETS by vault URL: %s", err.msg);
  val_unref(s);
  unsetenv("ADFRUN_SECRETS");
}

/* ---- Copy: DelimitedText ---------------------------------------------- */

static void test_copy_csv(Factory *f)
{
  Err err = ERR_INIT;
  const char *src = "id,name,city\r\n1,Ann,\"Oslo, NO\"\r\n2,Bob,\r\n"
                    "3,\"C \\\"Q\\\"\",Rome\r\n";
  fx_puts("c1/in/people.csv", src);
  /* Mapping by name: rename, reorder, drop a column. */
  Value *out = fx_copy(
      f, "Csv", P("c1/in", "people.csv"), "Csv", P("c1/out", "people.csv"),
      "{\"type\": \"DelimitedTextSource\"}",
      "{\"type\": \"DelimitedTextSink\"}",
      "{\"translator\": {\"type\": \"TabularTranslator\", \"mappings\": ["
      "{\"source\": {\"name\": \"CITY\"}, \"sink\": {\"name\": \"Town\"}},"
      "{\"source\": {\"name\": \"id\"}, \"sink\": {\"name\": \"Id\"}}]}}",
      &err);
  CHECK(out != NULL, "csv copy: %s", err.msg);
  char *got = fx_read("c1/out/people.csv", NULL);
  CHECK(got &&
            strcmp(got, "Town,Id\r\n\"Oslo, NO\",1\r\n,2\r\nRome,3\r\n") == 0,
        "mapped csv: [%s]", got);
  free(got);
  CHECK(fx_int(out, "rowsRead") == 3 && fx_int(out, "rowsCopied") == 3 &&
            fx_int(out, "filesRead") == 1 && fx_int(out, "filesWritten") == 1,
        "csv counters");
  CHECK(fx_int(out, "dataRead") == (int64_t)strlen(src),
        "dataRead is the source size: %lld",
        (long long)fx_int(out, "dataRead"));
  CHECK(fx_int(out, "dataWritten") > 0 && val_object_peek(out, "throughput") &&
            val_object_peek(out, "executionDetails") &&
            val_array_len(val_object_peek(out, "errors")) == 0,
        "output shape");
  val_unref(out);

  /* No mapping: every column passes through; read back identically. */
  err_clear(&err);
  out = fx_copy(f, "Csv", P("c1/in", "people.csv"), "Csv",
                P("c1/copy", "people.csv"), NULL, NULL, NULL, &err);
  got = fx_read("c1/copy/people.csv", NULL);
  CHECK(got && strcmp(got, src) == 0, "identity csv copy: [%s] (%s)", got,
        err.msg);
  free(got);
  val_unref(out);

  /* CSV -> Json with type conversion. */
  err_clear(&err);
  out = fx_copy(
      f, "Csv", P("c1/in", "people.csv"), "Js", P("c1/json", "people.json"),
      NULL, "{\"type\": \"JsonSink\"}",
      "{\"translator\": {\"type\": \"TabularTranslator\", \"mappings\": ["
      "{\"source\": {\"name\": \"id\", \"type\": \"String\"}, \"sink\": "
      "{\"name\": \"id\", \"type\": \"Int64\"}},"
      "{\"source\": {\"name\": \"name\"}, \"sink\": {\"path\": "
      "\"$.who.name\"}}]}}",
      &err);
  got = fx_read("c1/json/people.json", NULL);
  CHECK(got &&
            strcmp(got, "{\"id\":1,\"who\":{\"name\":\"Ann\"}}\n"
                        "{\"id\":2,\"who\":{\"name\":\"Bob\"}}\n"
                        "{\"id\":3,\"who\":{\"name\":\"C \\\"Q\\\"\"}}") == 0,
        "csv -> json: [%s] (%s)", got, err.msg);
  free(got);
  val_unref(out);

  /* A value that does not convert fails the copy, naming it... */
  err_clear(&err);
  out = fx_copy(
      f, "Csv", P("c1/in", "people.csv"), "Js", P("c1/bad", "x.json"), NULL,
      NULL,
      "{\"translator\": {\"mappings\": [{\"source\": {\"name\": \"name\"}, "
      "\"sink\": {\"name\": \"n\", \"type\": \"Int64\"}}]}}",
      &err);
  CHECK(!out && strstr(err.msg, "'Ann'") && strstr(err.msg, "Int64") &&
            !fx_exists("c1/bad/x.json"),
        "conversion failure: %s", err.msg);
  /* ...unless incompatible rows are skipped. */
  err_clear(&err);
  out = fx_copy(
      f, "Csv", P("c1/in", "people.csv"), "Js", P("c1/bad", "x.json"), NULL,
      NULL,
      "{\"enableSkipIncompatibleRow\": true, \"translator\": {\"mappings\": ["
      "{\"source\": {\"name\": \"id\"}, \"sink\": {\"name\": \"n\", \"type\": "
      "\"Boolean\"}}]}}",
      &err);
  CHECK(out && fx_int(out, "rowsSkipped") == 3 &&
            fx_int(out, "rowsCopied") == 0,
        "skipped rows counted: %s", err.msg);
  val_unref(out);

  /* A mapping to a column that does not exist. */
  err_clear(&err);
  out = fx_copy(f, "Csv", P("c1/in", "people.csv"), "Csv", P("c1/x", "y.csv"),
                NULL, NULL,
                "{\"translator\": {\"mappings\": [{\"source\": {\"name\": "
                "\"nope\"}, \"sink\": {\"name\": \"n\"}}]}}",
                &err);
  CHECK(!out && strstr(err.msg, "'nope'"), "missing column: %s", err.msg);
  /* Legacy columnMappings. */
  err_clear(&err);
  out = fx_copy(f, "Csv", P("c1/in", "people.csv"), "Csv", P("c1/leg", "l.csv"),
                NULL, NULL,
                "{\"translator\": {\"type\": \"TabularTranslator\", "
                "\"columnMappings\": \"name: Who, id: Num\"}}",
                &err);
  got = fx_read("c1/leg/l.csv", NULL);
  CHECK(got && strncmp(got, "Who,Num\r\nAnn,1\r\n", 16) == 0,
        "columnMappings: [%s] (%s)", got, err.msg);
  free(got);
  val_unref(out);
}

/* ---- Copy: Json with collectionReference ------------------------------ */

static void test_copy_json(Factory *f)
{
  Err err = ERR_INIT;
  fx_puts("j1/in/orders.json",
          "[{\"order\": 1, \"customer\": {\"name\": \"Ann\"}, \"lines\": ["
          "{\"sku\": \"A\", \"qty\": 2}, {\"sku\": \"B\", \"qty\": 1}]},\n"
          " {\"order\": 2, \"customer\": {\"name\": \"Bob\"}, \"lines\": []}]");
  Value *out = fx_copy(
      f, "Js", P("j1/in", "orders.json"), "Csv", P("j1/out", "lines.csv"),
      "{\"type\": \"JsonSource\", \"additionalColumns\": [{\"name\": "
      "\"src\", \"value\": \"$$FILEPATH\"}, {\"name\": \"batch\", \"value\": "
      "\"b7\"}]}",
      "{\"type\": \"DelimitedTextSink\"}",
      "{\"translator\": {\"type\": \"TabularTranslator\", "
      "\"collectionReference\": \"$['lines']\", \"mappings\": ["
      "{\"source\": {\"path\": \"$['order']\"}, \"sink\": {\"name\": "
      "\"order\"}},"
      "{\"source\": {\"path\": \"$['customer']['name']\"}, \"sink\": "
      "{\"name\": \"customer\"}},"
      "{\"source\": {\"path\": \"['sku']\"}, \"sink\": {\"name\": \"sku\"}},"
      "{\"source\": {\"path\": \"qty\"}, \"sink\": {\"name\": \"qty\"}},"
      "{\"source\": {\"name\": \"src\"}, \"sink\": {\"name\": \"file\"}},"
      "{\"source\": {\"name\": \"batch\"}, \"sink\": {\"name\": \"batch\"}}"
      "]}}",
      &err);
  char *got = fx_read("j1/out/lines.csv", NULL);
  CHECK(got && strcmp(got, "order,customer,sku,qty,file,batch\r\n"
                           "1,Ann,A,2,orders.json,b7\r\n"
                           "1,Ann,B,1,orders.json,b7\r\n"
                           "2,Bob,,,orders.json,b7\r\n") == 0,
        "collectionReference: [%s] (%s)", got, err.msg);
  CHECK(fx_int(out, "rowsRead") == 2 && fx_int(out, "rowsCopied") == 3,
        "json rows: read %lld copied %lld", (long long)fx_int(out, "rowsRead"),
        (long long)fx_int(out, "rowsCopied"));
  free(got);
  val_unref(out);

  /* Json -> Json without mapping copies documents, arrays become JSON
   * Lines; additional columns are added to each document. */
  err_clear(&err);
  out = fx_copy(f, "Js", P("j1/in", "orders.json"), "Js",
                P("j1/lines", "orders.jsonl"),
                "{\"additionalColumns\": [{\"name\": \"f\", \"value\": "
                "\"$$FILEPATH\"}]}",
                NULL, NULL, &err);
  got = fx_read("j1/lines/orders.jsonl", NULL);
  CHECK(got && strstr(got, "\"lines\":[]") && strstr(got, "}\n{") &&
            strstr(got, "\"f\":\"orders.json\""),
        "json passthrough: [%s] (%s)", got, err.msg);
  free(got);
  val_unref(out);

  /* Json -> CSV without mapping: top-level members, objects as JSON. */
  err_clear(&err);
  out = fx_copy(f, "Js", P("j1/in", "orders.json"), "Csv",
                P("j1/flat", "orders.csv"), NULL, NULL, NULL, &err);
  got = fx_read("j1/flat/orders.csv", NULL);
  CHECK(got && strncmp(got, "order,customer,lines\r\n", 22) == 0 &&
            strstr(got, "1,\"{\\\"name\\\":\\\"Ann\\\"}\",\"[{") &&
            strstr(got, "\r\n2,\"{\\\"name\\\":\\\"Bob\\\"}\",[]\r\n"),
        "json -> csv flat: [%s] (%s)", got, err.msg);
  free(got);
  val_unref(out);
}

/* ---- Copy: folders, wildcards, behaviours ----------------------------- */

static void set_mtime(const char *rel, time_t t)
{
  struct timeval tv[2] = {{t, 0}, {t, 0}};
  utimes(fx_path(rel), tv);
}

static void test_copy_folders(Factory *f)
{
  Err err = ERR_INIT;
  fx_puts("f1/in/a.csv", "k\r\na1\r\n");
  fx_puts("f1/in/b.txt", "k\r\nb1\r\n");
  fx_puts("f1/in/sub/c.csv", "k\r\nc1\r\nc2\r\n");
  fx_puts("f1/in/sub/deep/a.csv", "k\r\nd1\r\n");
  set_mtime("f1/in/a.csv", 1700000000); /* 2023-11-14T22:13:20Z */
  set_mtime("f1/in/b.txt", 1600000000); /* 2020-09-13 */
  set_mtime("f1/in/sub/c.csv", 1700000000);
  set_mtime("f1/in/sub/deep/a.csv", 1700000000);

  /* PreserveHierarchy (default), recursive (default). */
  Value *out = fx_copy(f, "Csv", P("f1/in", ""), "Csv", P("f1/pres", ""), NULL,
                       NULL, NULL, &err);
  CHECK(out && fx_int(out, "filesRead") == 4 &&
            fx_int(out, "filesWritten") == 4 && fx_exists("f1/pres/a.csv") &&
            fx_exists("f1/pres/sub/c.csv") &&
            fx_exists("f1/pres/sub/deep/a.csv"),
        "preserve hierarchy: %s", err.msg);
  val_unref(out);

  /* recursive false: top level only; wildcard file name. */
  err_clear(&err);
  out = fx_copy(f, "Csv", P("f1/in", ""), "Csv", P("f1/top", ""),
                "{\"storeSettings\": {\"type\": \"FileServerReadSettings\", "
                "\"recursive\": false, \"wildcardFileName\": \"*.csv\"}}",
                NULL, NULL, &err);
  CHECK(out && fx_int(out, "filesRead") == 1 && fx_exists("f1/top/a.csv") &&
            !fx_exists("f1/top/b.txt") && !fx_exists("f1/top/sub"),
        "recursive=false + wildcard: %s", err.msg);
  val_unref(out);

  /* FlattenHierarchy: same base names are kept apart. */
  err_clear(&err);
  out = fx_copy(f, "Csv", P("f1/in", ""), "Csv", P("f1/flat", ""),
                "{\"storeSettings\": {\"wildcardFileName\": \"*.csv\"}}",
                "{\"storeSettings\": {\"copyBehavior\": \"FlattenHierarchy\"}}",
                NULL, &err);
  CHECK(out && fx_count("f1/flat") == 3 && fx_exists("f1/flat/a.csv") &&
            fx_exists("f1/flat/a_1.csv") && fx_exists("f1/flat/c.csv"),
        "flatten: %d files (%s)", fx_count("f1/flat"), err.msg);
  val_unref(out);

  /* MergeFiles into the sink's file name, with one header. */
  err_clear(&err);
  out = fx_copy(f, "Csv", P("f1/in", ""), "Csv", P("f1/merge", "all.csv"),
                "{\"storeSettings\": {\"wildcardFileName\": \"*.csv\"}}",
                "{\"storeSettings\": {\"copyBehavior\": \"MergeFiles\"}}", NULL,
                &err);
  char *got = fx_read("f1/merge/all.csv", NULL);
  CHECK(got && strcmp(got, "k\r\na1\r\nc1\r\nc2\r\nd1\r\n") == 0 &&
            fx_int(out, "filesWritten") == 1 && fx_int(out, "filesRead") == 3,
        "merge: [%s] (%s)", got, err.msg);
  free(got);
  val_unref(out);

  /* Several files into one named sink file without MergeFiles fails. */
  err_clear(&err);
  out = fx_copy(f, "Csv", P("f1/in", ""), "Csv", P("f1/one", "x.csv"), NULL,
                NULL, NULL, &err);
  CHECK(!out && strstr(err.msg, "MergeFiles"), "many-to-one refused: %s",
        err.msg);

  /* Wildcard folder path, relative to the host (not the dataset folder). */
  err_clear(&err);
  out = fx_copy(f, "Csv", P("unused", ""), "Csv", P("f1/wf", ""),
                "{\"storeSettings\": {\"wildcardFolderPath\": \"f1/in/s*\", "
                "\"wildcardFileName\": \"*.csv\", \"recursive\": false}}",
                NULL, NULL, &err);
  CHECK(out && fx_int(out, "filesRead") == 1 && fx_exists("f1/wf/sub/c.csv"),
        "wildcardFolderPath: %lld files (%s)",
        (long long)fx_int(out, "filesRead"), err.msg);
  val_unref(out);

  /* modifiedDatetimeStart (inclusive) / End (exclusive). */
  err_clear(&err);
  out = fx_copy(f, "Csv", P("f1/in", ""), "Csv", P("f1/mod", ""),
                "{\"storeSettings\": {\"modifiedDatetimeStart\": "
                "\"2020-09-13T12:26:40Z\", \"modifiedDatetimeEnd\": "
                "\"2023-11-14T22:13:20Z\"}}",
                NULL, NULL, &err);
  CHECK(out && fx_int(out, "filesRead") == 1 && fx_exists("f1/mod/b.txt"),
        "modified window: %lld (%s)", (long long)fx_int(out, "filesRead"),
        err.msg);
  val_unref(out);

  /* prefix (relative to the host). */
  err_clear(&err);
  out = fx_copy(f, "Csv", P("f1/in", ""), "Csv", P("f1/pre", ""),
                "{\"storeSettings\": {\"prefix\": \"f1/in/sub/c\"}}", NULL,
                NULL, &err);
  CHECK(out && fx_int(out, "filesRead") == 1, "prefix: %lld (%s)",
        (long long)fx_int(out, "filesRead"), err.msg);
  val_unref(out);

  /* fileExtension and maxRowsPerFile. */
  fx_puts("f1/rows/r.csv", "n\r\n1\r\n2\r\n3\r\n4\r\n5\r\n");
  err_clear(&err);
  out =
      fx_copy(f, "Csv", P("f1/rows", "r.csv"), "Csv", P("f1/split", ""), NULL,
              "{\"formatSettings\": {\"type\": \"DelimitedTextWriteSettings\","
              " \"fileExtension\": \".txt\", \"maxRowsPerFile\": 2, "
              "\"fileNamePrefix\": \"part\"}}",
              NULL, &err);
  got = fx_read("f1/split/part_00002.txt", NULL);
  CHECK(out && fx_int(out, "filesWritten") == 3 &&
            fx_exists("f1/split/part_00000.txt") && got &&
            strcmp(got, "n\r\n5\r\n") == 0,
        "maxRowsPerFile: %lld files, last [%s] (%s)",
        (long long)fx_int(out, "filesWritten"), got, err.msg);
  free(got);
  val_unref(out);
  err_clear(&err);
  out =
      fx_copy(f, "Csv", P("f1/rows", "r.csv"), "Csv", P("f1/ext", ""), NULL,
              "{\"formatSettings\": {\"fileExtension\": \"tsv\"}}", NULL, &err);
  CHECK(out && fx_exists("f1/ext/r.tsv"), "fileExtension: %s", err.msg);
  val_unref(out);

  /* deleteFilesAfterCompletion. */
  fx_puts("f1/del/x.csv", "k\r\n1\r\n");
  err_clear(&err);
  out = fx_copy(f, "Csv", P("f1/del", ""), "Csv", P("f1/moved", ""),
                "{\"storeSettings\": {\"deleteFilesAfterCompletion\": true}}",
                NULL, NULL, &err);
  CHECK(out && fx_exists("f1/moved/x.csv") && !fx_exists("f1/del/x.csv"),
        "deleteFilesAfterCompletion: %s", err.msg);
  val_unref(out);
  /* Missing source. */
  err_clear(&err);
  out = fx_copy(f, "Csv", P("f1/none", "x.csv"), "Csv", P("f1/o", ""), NULL,
                NULL, NULL, &err);
  CHECK(!out && err.code == ERR_DATA_NOT_FOUND, "missing source: %s", err.msg);
}

/* ---- Copy: Binary, compression, atomicity ----------------------------- */

static void test_copy_binary(Factory *f)
{
  Err err = ERR_INIT;
  size_t n = 3 * 1024 * 1024 + 17;
  unsigned char *data = malloc(n);
  uint32_t x = 12345;
  for (size_t i = 0; i < n; i++) {
    x = x * 1103515245u + 12345u;
    data[i] = (unsigned char)(x >> 16);
  }
  fx_write("b1/in/blob.bin", data, n);
  Value *out = fx_copy(f, "Bin", P("b1/in", "blob.bin"), "Bin",
                       P("b1/out", "blob.bin"), NULL, NULL, NULL, &err);
  size_t len = 0;
  char *got = fx_read("b1/out/blob.bin", &len);
  CHECK(got && len == n && memcmp(got, data, n) == 0,
        "binary copy is byte-identical (%s)", err.msg);
  CHECK(out && fx_int(out, "dataRead") == (int64_t)n &&
            fx_int(out, "dataWritten") == (int64_t)n &&
            !val_object_peek(out, "rowsCopied"),
        "binary counters (no rowsCopied)");
  free(got);
  val_unref(out);

  /* Compress on the way out, decompress on the way back. */
  err_clear(&err);
  out = fx_copy(f, "Bin", P("b1/in", "blob.bin"), "Bin",
                "{\"dir\": \"b1/gz\", \"file\": \"blob.bin.gz\", \"codec\": "
                "\"gzip\"}",
                NULL, NULL, NULL, &err);
  CHECK(out && fx_int(out, "dataWritten") > 0, "gzip sink: %s", err.msg);
  val_unref(out);
  err_clear(&err);
  out = fx_copy(f, "Bin",
                "{\"dir\": \"b1/gz\", \"file\": \"blob.bin.gz\", \"codec\": "
                "\"gzip\"}",
                "Bin", P("b1/back", "blob.bin"), NULL, NULL, NULL, &err);
  got = fx_read("b1/back/blob.bin", &len);
  CHECK(got && len == n && memcmp(got, data, n) == 0, "gzip round trip (%s)",
        err.msg);
  free(got);
  val_unref(out);

  /* Binary to a format is refused. */
  err_clear(&err);
  out = fx_copy(f, "Bin", P("b1/in", "blob.bin"), "Csv", P("b1/x", "y.csv"),
                NULL, NULL, NULL, &err);
  CHECK(!out && strstr(err.msg, "Binary"), "binary->csv refused: %s", err.msg);

  /* Atomicity: a failure after 1 MiB leaves no partial file, no temp
   * file, and the source as it was -- also when the target existed. */
  fx_puts("b1/atomic/blob.bin", "previous content");
  err_clear(&err);
  out = fx_copy(f, "Bin", P("b1/in", "blob.bin"), "Bin",
                P("b1/atomic", "blob.bin"), NULL, NULL,
                "{\"_failAfterBytes\": 1048576}", &err);
  got = fx_read("b1/atomic/blob.bin", &len);
  CHECK(!out && strstr(err.msg, "injected"), "injected failure: %s", err.msg);
  CHECK(got && strcmp(got, "previous content") == 0 &&
            fx_count("b1/atomic") == 1,
        "no partial file, no temp file, old target intact");
  free(got);
  got = fx_read("b1/in/blob.bin", &len);
  CHECK(got && len == n && memcmp(got, data, n) == 0, "source untouched");
  free(got);
  /* Same for a tabular copy failing in its second file. */
  fx_puts("b1/two/a.csv", "k\r\n1\r\n");
  fx_puts("b1/two/b.csv", "k\r\n2\r\n");
  err_clear(&err);
  out = fx_copy(f, "Csv", P("b1/two", ""), "Csv", P("b1/twoout", ""), NULL,
                NULL, "{\"_failAfterBytes\": 8}", &err);
  CHECK(!out && fx_exists("b1/twoout/a.csv") && !fx_exists("b1/twoout/b.csv") &&
            fx_count("b1/twoout") == 1,
        "failed second file leaves no partial file: %s", err.msg);
  free(data);
}

/* ---- Lookup ----------------------------------------------------------- */

static Value *run_op(DataOpFn fn, Factory *f, const char *ds,
                     const char *params, const char *key, const char *rest,
                     Err *err)
{
  Value *spec = fx_resolve(f, ds, params, NULL, err);
  if (!spec)
    return NULL;
  Value *job = fx_json(rest ? rest : "{}");
  if (strcmp(key, "source") == 0) {
    Value *sc = val_copy(spec);
    const Value *st = val_object_peek(job, "settings");
    val_object_set_take(sc, "settings", 8, st ? val_ref(st) : val_object_new());
    val_object_set_take(job, "source", 6, sc);
  } else {
    val_object_set(job, key, spec);
  }
  atomic_int cancel = 0;
  Value *out = fn(job, &cancel, err);
  val_unref(job);
  val_unref(spec);
  return out;
}

static void test_lookup(Factory *f)
{
  Err err = ERR_INIT;
  fx_puts("l1/cfg.csv", "name,value\r\na,1\r\nb,\r\n");
  Value *out =
      run_op(dataop_lookup, f, "Csv", P("l1", "cfg.csv"), "source", NULL, &err);
  char *js = out ? val_to_json_str(out) : NULL;
  CHECK(js && strstr(js, "\"firstRow\":{\"name\":\"a\",\"value\":\"1\"}"),
        "firstRowOnly default: %s (%s)", js, err.msg);
  free(js);
  val_unref(out);
  out = run_op(dataop_lookup, f, "Csv", P("l1", "cfg.csv"), "source",
               "{\"firstRowOnly\": false}", &err);
  js = out ? val_to_json_str(out) : NULL;
  CHECK(js && strstr(js, "\"count\":2,\"value\":[{\"name\":\"a\",\"value\":"
                         "\"1\"},{\"name\":\"b\",\"value\":null}]"),
        "count/value: %s", js);
  free(js);
  val_unref(out);
  /* 5,000-row cap. */
  StrBuf sb;
  sb_init(&sb);
  sb_puts(&sb, "n\n");
  for (int i = 0; i < 6000; i++)
    sb_printf(&sb, "%d\n", i);
  fx_puts("l1/big.csv", sb.s);
  sb_fini(&sb);
  out = run_op(dataop_lookup, f, "Csv", P("l1", "big.csv"), "source",
               "{\"firstRowOnly\": false}", &err);
  CHECK(fx_int(out, "count") == 5000, "5000-row cap: %lld",
        (long long)fx_int(out, "count"));
  val_unref(out);
  /* 4 MB cap. */
  sb_init(&sb);
  sb_puts(&sb, "n\n");
  for (int i = 0; i < 4500; i++) {
    for (int k = 0; k < 100; k++)
      sb_puts(&sb, "0123456789");
    sb_putc(&sb, '\n');
  }
  fx_puts("l1/huge.csv", sb.s);
  sb_fini(&sb);
  err_clear(&err);
  out = run_op(dataop_lookup, f, "Csv", P("l1", "huge.csv"), "source",
               "{\"firstRowOnly\": false}", &err);
  CHECK(!out && err.code == ERR_DATA_TOO_LARGE, "4 MB cap: %s", err.msg);
  /* Json lookup keeps types. */
  fx_puts("l1/c.json", "{\"n\": 1, \"ok\": true, \"o\": {\"x\": [1]}}");
  err_clear(&err);
  out = run_op(dataop_lookup, f, "Js", P("l1", "c.json"), "source", NULL, &err);
  js = out ? val_to_json_str(out) : NULL;
  CHECK(js && strstr(js, "{\"firstRow\":{\"n\":1,\"ok\":true,\"o\":{\"x\":[1]"
                         "}}"),
        "json lookup: %s", js);
  free(js);
  val_unref(out);
  /* Empty file: no firstRow. */
  fx_puts("l1/empty.csv", "");
  out = run_op(dataop_lookup, f, "Csv", P("l1", "empty.csv"), "source", NULL,
               &err);
  CHECK(out && !val_object_peek(out, "firstRow"), "empty file: no firstRow");
  val_unref(out);
}

/* ---- GetMetadata, Delete, probe --------------------------------------- */

static void test_getmetadata(Factory *f)
{
  Err err = ERR_INIT;
  fx_puts("g1/dir/data.csv", "id,name\r\n1,a\r\n");
  fx_puts("g1/dir/sub/x.txt", "x");
  set_mtime("g1/dir/data.csv", 1700000000);
  const char *all =
      "{\"fieldList\": [\"itemName\", \"itemType\", \"size\", \"created\", "
      "\"lastModified\", \"contentMD5\", \"structure\", \"columnCount\", "
      "\"exists\"]}";
  Value *out = run_op(dataop_getmetadata, f, "Csv", P("g1/dir", "data.csv"),
                      "dataset", all, &err);
  char *js = out ? val_to_json_str(out) : NULL;
  CHECK(js && strstr(js, "\"exists\":true") &&
            strstr(js, "\"itemName\":\"data.csv\"") &&
            strstr(js, "\"itemType\":\"File\"") && strstr(js, "\"size\":14") &&
            strstr(js, "\"lastModified\":\"2023-11-14T22:13:20Z\"") &&
            strstr(js, "\"structure\":[{\"name\":\"id\",\"type\":\"String\"},"
                       "{\"name\":\"name\",\"type\":\"String\"}]") &&
            strstr(js, "\"columnCount\":2") && strstr(js, "\"contentMD5\":\""),
        "file metadata: %s (%s)", js, err.msg);
  free(js);
  val_unref(out);
  out = run_op(dataop_getmetadata, f, "Csv", P("g1/dir", ""), "dataset",
               "{\"fieldList\": [\"childItems\", \"itemType\", \"itemName\"]}",
               &err);
  js = out ? val_to_json_str(out) : NULL;
  CHECK(js &&
            strstr(js, "\"childItems\":[{\"name\":\"data.csv\",\"type\":"
                       "\"File\"},{\"name\":\"sub\",\"type\":\"Folder\"}]") &&
            strstr(js, "\"itemType\":\"Folder\"") &&
            strstr(js, "\"itemName\":\"dir\""),
        "folder metadata: %s", js);
  free(js);
  val_unref(out);
  out = run_op(dataop_getmetadata, f, "Csv", P("g1/none", "x.csv"), "dataset",
               "{\"fieldList\": [\"exists\", \"size\"]}", &err);
  js = out ? val_to_json_str(out) : NULL;
  CHECK(js && strstr(js, "\"exists\":false") && !strstr(js, "size"),
        "missing with exists: %s", js);
  free(js);
  val_unref(out);
  err_clear(&err);
  out = run_op(dataop_getmetadata, f, "Csv", P("g1/none", "x.csv"), "dataset",
               "{\"fieldList\": [\"size\"]}", &err);
  CHECK(!out && err.code == ERR_DATA_NOT_FOUND, "missing fails: %s", err.msg);
  err_clear(&err);
  out = run_op(dataop_getmetadata, f, "Csv", P("g1/dir", ""), "dataset",
               "{\"fieldList\": [\"owner\"]}", &err);
  CHECK(!out && strstr(err.msg, "'owner'"), "unknown field named: %s", err.msg);
  /* MD5 of the one-byte file "x" in base64 (openssl md5 -binary). */
  err_clear(&err);
  out = run_op(dataop_getmetadata, f, "Bin", P("g1/dir/sub", "x.txt"),
               "dataset", "{\"fieldList\": [\"contentMD5\"]}", &err);
  js = out ? val_to_json_str(out) : NULL;
  CHECK(js && strstr(js, "\"contentMD5\":\"ndTkYSaMgDT1yFZOFVxnpg==\""),
        "contentMD5: %s", js);
  free(js);
  val_unref(out);
}

static void test_delete_probe(Factory *f)
{
  Err err = ERR_INIT;
  fx_puts("d1/a.log", "1");
  fx_puts("d1/b.log", "2");
  fx_puts("d1/c.txt", "3");
  fx_puts("d1/sub/d.log", "4");
  Value *out = run_op(dataop_delete, f, "Csv", P("d1", ""), "dataset",
                      "{\"recursive\": false, \"storeSettings\": "
                      "{\"wildcardFileName\": \"*.log\"}}",
                      &err);
  CHECK(out && fx_int(out, "filesDeleted") == 2 && fx_exists("d1/c.txt") &&
            fx_exists("d1/sub/d.log") && !fx_exists("d1/a.log"),
        "wildcard delete, not recursive: %s", err.msg);
  val_unref(out);
  out =
      run_op(dataop_delete, f, "Csv", P("d1", "c.txt"), "dataset", NULL, &err);
  CHECK(out && fx_int(out, "filesDeleted") == 1 && !fx_exists("d1/c.txt"),
        "single file delete: %s", err.msg);
  val_unref(out);
  out = run_op(dataop_delete, f, "Csv", P("d1", "gone.txt"), "dataset", NULL,
               &err);
  CHECK(out && fx_int(out, "filesDeleted") == 0,
        "deleting a missing file succeeds: %s", err.msg);
  val_unref(out);
  /* Probe before the recursive delete. */
  out = run_op(dataop_probe, f, "Csv", P("d1", ""), "dataset", NULL, &err);
  CHECK(out && val_get_bool(val_object_peek(out, "exists")) &&
            fx_int(out, "childItems") == 1,
        "probe folder");
  val_unref(out);
  out = run_op(dataop_delete, f, "Csv", P("d1", ""), "dataset",
               "{\"recursive\": true}", &err);
  CHECK(out && fx_int(out, "filesDeleted") == 1 && !fx_exists("d1"),
        "recursive delete removes the folder: %s", err.msg);
  val_unref(out);
  out = run_op(dataop_probe, f, "Csv", P("d1", "x"), "dataset", NULL, &err);
  CHECK(out && !val_get_bool(val_object_peek(out, "exists")), "probe missing");
  val_unref(out);
}

/* ---- Every "not supported" of docs/datasets.md fails by name ----------- */

#define FS_LOC                                                                 \
  "{\"location\": {\"type\": \"FileServerLocation\", \"folderPath\": \"u\", "  \
  "\"fileName\": \"in.csv\"}"
#define BLOB_LOC                                                               \
  "{\"location\": {\"type\": \"AzureBlobStorageLocation\", \"container\": "    \
  "\"c\", \"fileName\": \"in.csv\"}}"
#define HTTP_LOC                                                               \
  "{\"location\": {\"type\": \"HttpServerLocation\", \"relativeUrl\": "        \
  "\"in.csv\"}}"
#define BLOB_LS(tp)                                                            \
  "{\"type\": \"AzureBlobStorage\", \"typeProperties\": " tp "}"
#define HTTP_LS(tp) "{\"type\": \"HttpServer\", \"typeProperties\": " tp "}"
#define OTHER_LS(t) "{\"type\": \"" t "\", \"typeProperties\": {}}"

typedef struct Unsupported {
  const char *name;    /* what the message must name */
  const char *op;      /* "copy", "lookup", "getmetadata", "delete" */
  const char *ls;      /* properties of linked service L; NULL: FileServer */
  const char *ds_type; /* type of dataset S; NULL: DelimitedText */
  const char *ds_tp;   /* typeProperties of S; NULL: FS_LOC "}" */
  const char *src_tp;  /* Copy source / Lookup source typeProperties */
  const char *rest;    /* the rest of the job (Copy: translator...) */
} Unsupported;

static const Unsupported unsupported[] = {
    /* Dataset types. */
    {"Parquet", "copy", NULL, "Parquet", NULL, NULL, NULL},
    {"Avro", "lookup", NULL, "Avro", NULL, NULL, NULL},
    {"Excel", "getmetadata", NULL, "Excel", NULL, NULL,
     "{\"fieldList\": [\"exists\"]}"},
    {"Xml", "copy", NULL, "Xml", NULL, NULL, NULL},
    {"Orc", "copy", NULL, "Orc", NULL, NULL, NULL},
    {"AzureSqlTable", "lookup", NULL, "AzureSqlTable", "{}", NULL, NULL},
    {"AzureBlob", "copy", NULL, "AzureBlob", "{\"folderPath\": \"u\"}", NULL,
     NULL},
    /* Linked services. */
    {"AzureBlobFS", "copy", OTHER_LS("AzureBlobFS"), NULL, NULL, NULL, NULL},
    {"AzureFileStorage", "delete", OTHER_LS("AzureFileStorage"), NULL, NULL,
     NULL, NULL},
    {"Sftp", "copy", OTHER_LS("Sftp"), NULL, NULL, NULL, NULL},
    {"AmazonS3", "getmetadata", OTHER_LS("AmazonS3"), NULL, NULL, NULL,
     "{\"fieldList\": [\"exists\"]}"},
    {"RestService", "copy", OTHER_LS("RestService"), NULL, NULL, NULL, NULL},
    {"ServicePrincipalCert", "copy",
     BLOB_LS("{\"serviceEndpoint\": \"https://a.blob.core.windows.net\", "
             "\"servicePrincipalId\": \"x\", \"tenant\": \"t\", "
             "\"servicePrincipalCredentialType\": \"ServicePrincipalCert\"}"),
     NULL, BLOB_LOC, NULL, NULL},
    {"account key", "copy",
     BLOB_LS("{\"serviceEndpoint\": \"https://a.blob.core.windows.net\", "
             "\"authenticationType\": \"AccountKey\", \"accountKey\": "
             "\"a2V5\"}"),
     NULL, BLOB_LOC, NULL, NULL},
    {"containerUri", "copy",
     BLOB_LS("{\"containerUri\": \"https://a.blob.core.windows.net/c\"}"), NULL,
     BLOB_LOC, NULL, NULL},
    {"Digest", "copy",
     HTTP_LS("{\"url\": \"http://127.0.0.1:1/\", \"authenticationType\": "
             "\"Digest\"}"),
     NULL, HTTP_LOC, NULL, NULL},
    {"Windows", "lookup",
     HTTP_LS("{\"url\": \"http://127.0.0.1:1/\", \"authenticationType\": "
             "\"Windows\"}"),
     NULL, HTTP_LOC, NULL, NULL},
    {"ClientCertificate", "copy",
     HTTP_LS("{\"url\": \"http://127.0.0.1:1/\", \"authenticationType\": "
             "\"ClientCertificate\"}"),
     NULL, HTTP_LOC, NULL, NULL},
    {"requestMethod 'PUT'", "copy",
     HTTP_LS("{\"url\": \"http://127.0.0.1:1/\"}"), NULL, HTTP_LOC,
     "{\"storeSettings\": {\"requestMethod\": \"PUT\"}}", NULL},
    {"HttpServer", "delete", HTTP_LS("{\"url\": \"http://127.0.0.1:1/\"}"),
     NULL, HTTP_LOC, NULL, NULL},
    /* Compression. */
    {"bzip2", "copy", NULL, NULL, FS_LOC ", \"compressionCodec\": \"bzip2\"}",
     NULL, NULL},
    {"ZipDeflate", "copy", NULL, "Binary",
     FS_LOC ", \"compression\": {\"type\": \"ZipDeflate\"}}", NULL, NULL},
    {"snappy", "lookup", NULL, NULL,
     FS_LOC ", \"compressionCodec\": \"snappy\"}", NULL, NULL},
    {"lz4", "copy", NULL, "Json",
     FS_LOC ", \"compression\": {\"type\": "
            "\"lz4\"}}",
     NULL, NULL},
    {"TarGzip", "copy", NULL, "Binary",
     FS_LOC ", \"compression\": {\"type\": \"TarGzip\"}}", NULL, NULL},
    {"Tar", "copy", NULL, "Binary",
     FS_LOC ", \"compression\": {\"type\": \"Tar\"}}", NULL, NULL},
    {"compressionProperties", "copy", NULL, NULL, NULL,
     "{\"formatSettings\": {\"type\": \"DelimitedTextReadSettings\", "
     "\"compressionProperties\": {\"type\": \"ZipDeflateReadSettings\"}}}",
     NULL},
    /* Encodings and delimiters. */
    {"windows-1252", "copy", NULL, NULL,
     FS_LOC ", \"encodingName\": \"windows-1252\"}", NULL, NULL},
    {"SHIFT-JIS", "lookup", NULL, NULL,
     FS_LOC ", \"encodingName\": \"SHIFT-JIS\"}", NULL, NULL},
    {"columnDelimiter", "copy", NULL, NULL,
     FS_LOC ", \"columnDelimiter\": \"||\"}", NULL, NULL},
    {"rowDelimiter", "copy", NULL, NULL, FS_LOC ", \"rowDelimiter\": \";;\"}",
     NULL, NULL},
    /* Store settings and Copy options. */
    {"fileListPath", "copy", NULL, NULL, NULL,
     "{\"storeSettings\": {\"fileListPath\": \"u/list.txt\"}}", NULL},
    {"enablePartitionDiscovery", "lookup", NULL, NULL, NULL,
     "{\"storeSettings\": {\"enablePartitionDiscovery\": true}}", NULL},
    {"partitionRootPath", "copy", NULL, NULL, NULL,
     "{\"storeSettings\": {\"partitionRootPath\": \"u\"}}", NULL},
    {"fileListPath", "delete", NULL, NULL, NULL, NULL,
     "{\"storeSettings\": {\"fileListPath\": \"u/list.txt\"}}"},
    {"enableStaging", "copy", NULL, NULL, NULL, NULL,
     "{\"enableStaging\": true, \"stagingSettings\": {}}"},
    {"schemaMapping", "copy", NULL, NULL, NULL, NULL,
     "{\"translator\": {\"type\": \"TabularTranslator\", \"schemaMapping\": "
     "{\"a\": \"b\"}}}"},
    {"dateTimeFormat", "copy", NULL, NULL, NULL, NULL,
     "{\"translator\": {\"type\": \"TabularTranslator\", \"typeConversion\": "
     "true, \"typeConversionSettings\": {\"allowDataTruncation\": true, "
     "\"dateTimeFormat\": \"yyyy-MM-dd\"}}}"},
    {"culture", "copy", NULL, NULL, NULL, NULL,
     "{\"translator\": {\"type\": \"TabularTranslator\", "
     "\"typeConversionSettings\": {\"culture\": \"de-DE\"}}}"},
    {"redirectIncompatibleRowSettings", "copy", NULL, NULL, NULL, NULL,
     "{\"enableSkipIncompatibleRow\": true, "
     "\"redirectIncompatibleRowSettings\": {\"linkedServiceName\": "
     "{\"referenceName\": \"F\"}, \"path\": \"bad\"}}"},
    {"enableLogging", "delete", NULL, NULL, NULL, NULL,
     "{\"enableLogging\": true}"},
};

/* One row: a factory with linked service L (the row's, or a FileServer),
 * dataset S on it, FileServer F and a Json/Binary sink D on F. */
static void check_unsupported(const Unsupported *u)
{
  const char *type = u->ds_type ? u->ds_type : "DelimitedText";
  bool binary = strcmp(type, "Binary") == 0;
  StrBuf sb;
  sb_init(&sb);
  sb_printf(&sb,
            "[{\"kind\": \"linkedService\", \"name\": \"F\", \"properties\": "
            "{\"type\": \"FileServer\", \"typeProperties\": {\"host\": "
            "\"%s\"}}},",
            fx_root);
  if (u->ls)
    sb_printf(&sb,
              "{\"kind\": \"linkedService\", \"name\": \"L\", "
              "\"properties\": %s},",
              u->ls);
  else
    sb_printf(&sb,
              "{\"kind\": \"linkedService\", \"name\": \"L\", \"properties\": "
              "{\"type\": \"FileServer\", \"typeProperties\": {\"host\": "
              "\"%s\"}}},",
              fx_root);
  sb_printf(&sb,
            "{\"kind\": \"dataset\", \"name\": \"S\", \"properties\": "
            "{\"type\": \"%s\", \"linkedServiceName\": {\"referenceName\": "
            "\"L\"}, \"typeProperties\": %s}},"
            "{\"kind\": \"dataset\", \"name\": \"D\", \"properties\": "
            "{\"type\": \"%s\", \"linkedServiceName\": {\"referenceName\": "
            "\"F\"}, \"typeProperties\": {\"location\": {\"type\": "
            "\"FileServerLocation\", \"folderPath\": \"u-out\", \"fileName\": "
            "\"out.bin\"}}}}]",
            type, u->ds_tp ? u->ds_tp : FS_LOC "}", binary ? "Binary" : "Json");
  Factory *f = fx_factory(sb.s);
  sb_fini(&sb);
  Err err = ERR_INIT;
  Value *out = NULL;
  if (strcmp(u->op, "copy") == 0) {
    out = fx_copy(f, "S", NULL, "D", NULL, u->src_tp, NULL, u->rest, &err);
  } else {
    DataOpFn fn = strcmp(u->op, "lookup") == 0   ? dataop_lookup
                  : strcmp(u->op, "delete") == 0 ? dataop_delete
                                                 : dataop_getmetadata;
    const char *key = fn == dataop_lookup ? "source" : "dataset";
    StrBuf job;
    sb_init(&job);
    if (fn == dataop_lookup)
      sb_printf(&job, "{\"settings\": %s}", u->src_tp ? u->src_tp : "{}");
    else
      sb_puts(&job, u->rest ? u->rest : "{}");
    out = run_op(fn, f, "S", NULL, key, job.s, &err);
    sb_fini(&job);
  }
  CHECK(!out && err.code == ERR_DATA_UNSUPPORTED && strstr(err.msg, u->name),
        "%s with '%s' fails by name (DATA_UNSUPPORTED): %s [%s]", u->op,
        u->name, err_code_name(err.code), err.msg);
  CHECK(!fx_exists("u-out/out.bin"), "%s with '%s' wrote nothing", u->op,
        u->name);
  val_unref(out);
  factory_free(f);
}

static void test_unsupported(void)
{
  fx_puts("u/in.csv", "a,b\r\n1,2\r\n");
  fx_puts("u/list.txt", "in.csv\n");
  for (size_t i = 0; i < sizeof unsupported / sizeof unsupported[0]; i++)
    check_unsupported(&unsupported[i]);
}

int main(void)
{
  fx_tmpdir();
  Factory *f = make_factory();
  test_resolve(f);
  test_copy_csv(f);
  test_copy_json(f);
  test_copy_folders(f);
  test_copy_binary(f);
  test_lookup(f);
  test_getmetadata(f);
  test_delete_probe(f);
  test_unsupported();
  factory_free(f);
  fx_cleanup();
  return CHECK_DONE();
}
