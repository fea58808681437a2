/*
 * tests/unit/test_value.c -- values, printing, the JSON scanner, srcmap
 *
 * Covers every kind, equality (int vs float), big integers, UTF-8 and
 * escapes, located syntax errors, depth limits and the cJSON edges.
 */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "expr/json.h"
#include "expr/srcmap.h"
#include "expr/value.h"
#include "tests/check.h"

static Value *parse(const char *s)
{
  Err err = ERR_INIT;
  Value *v = json_parse(s, strlen(s), NULL, &err);
  return v;
}

/* Parses 's' and checks that compact printing gives 'want'. */
static void roundtrip(const char *s, const char *want)
{
  Value *v = parse(s);
  CHECK(v != NULL, "parse '%s'", s);
  if (!v)
    return;
  char *got = val_to_json_str(v);
  CHECK(strcmp(got, want) == 0, "'%s' printed '%s', want '%s'", s, got, want);
  free(got);
  val_unref(v);
}

static void parse_error(const char *s, int line, int col, const char *msg)
{
  Err err = ERR_INIT;
  Value *v = json_parse(s, strlen(s), NULL, &err);
  CHECK(v == NULL, "'%s' should fail", s);
  val_unref(v);
  CHECK(err.code == ERR_JSON_SYNTAX, "code for '%s'", s);
  CHECK(err.loc.line == line && err.loc.col == col,
        "'%s': error at %d:%d, want %d:%d (%s)", s, err.loc.line, err.loc.col,
        line, col, err.msg);
  CHECK(strstr(err.msg, msg) != NULL, "'%s': message '%s' lacks '%s'", s,
        err.msg, msg);
}

static void test_kinds(void)
{
  Value *i = val_int(3), *f = val_float(3.0), *s = val_cstr("3");
  CHECK(val_kind(val_null()) == VAL_NULL, "null kind");
  CHECK(val_kind(val_bool(true)) == VAL_BOOL, "bool kind");
  CHECK(val_get_bool(val_bool(true)), "true");
  CHECK(!val_get_bool(val_bool(false)), "false");
  CHECK(val_kind(i) == VAL_INT && val_get_int(i) == 3, "int");
  CHECK(val_kind(f) == VAL_FLOAT && val_get_float(f) == 3.0, "float");
  CHECK(!val_equal(i, f), "int 3 != float 3.0");
  CHECK(!val_equal(i, s), "int 3 != string 3");
  Value *i2 = val_int(3);
  CHECK(val_equal(i, i2), "int equality");
  CHECK(val_strlen(s) == 1 && strcmp(val_str(s), "3") == 0, "string");
  CHECK(strcmp(val_kind_name(VAL_OBJECT), "Object") == 0, "kind name");
  /* Immortals survive any number of unrefs. */
  val_unref(val_null());
  val_unref(val_null());
  CHECK(val_kind(val_null()) == VAL_NULL, "immortal null");
  val_unref(i);
  val_unref(i2);
  val_unref(f);
  val_unref(s);

  Value *emb = val_string("a\0b", 3);
  CHECK(val_strlen(emb) == 3, "embedded NUL length");
  char *j = val_to_json_str(emb);
  CHECK(strcmp(j, "\"a\\u0000b\"") == 0, "embedded NUL printed as %s", j);
  free(j);
  val_unref(emb);
}

static void test_containers(void)
{
  Value *o = val_object_new();
  val_object_set_take(o, "b", 1, val_int(1));
  val_object_set_take(o, "A", 1, val_int(2));
  val_object_set_take(o, "b", 1, val_int(3)); /* replace keeps position */
  char *j = val_to_json_str(o);
  CHECK(strcmp(j, "{\"b\":3,\"A\":2}") == 0, "insertion order: %s", j);
  free(j);
  CHECK(val_object_peek(o, "a") == NULL, "exact lookup is case-sensitive");
  CHECK(val_object_peek_ci(o, "a", 1) != NULL, "ci lookup");
  CHECK(val_get_int(val_object_peek_ci(o, "B", 1)) == 3, "ci lookup value");

  Value *o2 = val_object_new();
  val_object_set_take(o2, "a", 1, val_int(2));
  val_object_set_take(o2, "A", 1, val_int(9));
  CHECK(val_get_int(val_object_peek_ci(o2, "A", 1)) == 9, "exact beats ci");
  val_unref(o2);

  Value *o3 = val_object_new();
  val_object_set_take(o3, "A", 1, val_int(2));
  val_object_set_take(o3, "b", 1, val_int(3));
  CHECK(val_equal(o, o3), "objects equal regardless of order");
  val_object_del(o3, "A");
  CHECK(!val_equal(o, o3), "after delete");
  CHECK(val_object_len(o3) == 1, "delete length");
  val_unref(o3);

  Value *a = val_array_new();
  for (int k = 0; k < 100; k++)
    val_array_push_take(a, val_int(k));
  val_array_push(a, o);
  CHECK(val_array_len(a) == 101, "array length");
  CHECK(val_get_int(val_array_peek(a, 42)) == 42, "array item");
  CHECK(val_array_peek(a, 101) == NULL, "out of range peek");
  Value *c = val_copy(a);
  CHECK(val_equal(a, c), "copy equal");
  val_array_push_take(c, val_null());
  CHECK(!val_equal(a, c), "copy is separate");
  val_unref(c);
  val_unref(a);
  val_unref(o);
}

static void test_numbers(void)
{
  roundtrip("9007199254740993", "9007199254740993");
  roundtrip("-9223372036854775808", "-9223372036854775808");
  roundtrip("9223372036854775807", "9223372036854775807");
  roundtrip("9223372036854775808", "9.223372036854776E+18");
  roundtrip("3.0", "3.0");
  roundtrip("3", "3");
  roundtrip("0.1", "0.1");
  roundtrip("2.5e2", "250.0");
  roundtrip("1e15", "1E+15");
  roundtrip("1e14", "100000000000000.0");
  roundtrip("0.0001", "0.0001");
  roundtrip("0.00001", "1E-05");
  roundtrip("0.016666666666666666", "0.016666666666666666");
  roundtrip("-0.5", "-0.5");
  roundtrip("123456789.125", "123456789.125");
  roundtrip("1.7976931348623157e308", "1.7976931348623157E+308");
  Value *v = parse("9007199254740993");
  CHECK(val_kind(v) == VAL_INT && val_get_int(v) == 9007199254740993LL,
        "exact big int");
  val_unref(v);
  char buf[40];
  val_format_double(10.0, buf);
  CHECK(strcmp(buf, "10") == 0, ".NET prints 10.0 as '10': %s", buf);
  val_format_double(2.2, buf);
  CHECK(strcmp(buf, "2.2") == 0, "2.2: %s", buf);
  val_format_double(1.0 / 3, buf);
  CHECK(strcmp(buf, "0.3333333333333333") == 0, "1/3: %s", buf);
}

static void test_strings(void)
{
  roundtrip("\"a\\\"b\\\\c\\/d\"", "\"a\\\"b\\\\c/d\"");
  roundtrip("\"\\n\\t\\r\\b\\f\"", "\"\\n\\t\\r\\b\\f\"");
  roundtrip("\"\\u00e9\"", "\"\xc3\xa9\"");
  roundtrip("\"\\ud83d\\ude00\"", "\"\xf0\x9f\x98\x80\"");
  roundtrip("\"\xe6\x97\xa5\xe6\x9c\xac\"", "\"\xe6\x97\xa5\xe6\x9c\xac\"");
  roundtrip("\"\\u0001\"", "\"\\u0001\"");
  roundtrip("\"\\ud800\"", "\"\xef\xbf\xbd\"");
  roundtrip("\xEF\xBB\xBF{\"a\":1}", "{\"a\":1}");
  roundtrip(" [ 1 , [ ] , { } , null , true , false ] ",
            "[1,[],{},null,true,false]");
  roundtrip("{\"a\":1,\"a\":2}", "{\"a\":2}");
}

static void test_errors(void)
{
  parse_error("", 1, 1, "expected a value");
  parse_error("{", 1, 2, "'\"' to start a property name");
  parse_error("{\"a\" 1}", 1, 6, "':' after a property name");
  parse_error("{\"a\":1,}", 1, 8, "'\"' to start a property name");
  parse_error("[1,\n  2\n  x]", 3, 3, "',' or ']'");
  parse_error("[1 2]", 1, 4, "',' or ']'");
  parse_error("\"abc", 1, 5, "'\"' to close the string");
  parse_error("\"\\q\"", 1, 3, "a valid escape");
  parse_error("\"\\u12g4\"", 1, 6, "4 hex digits");
  parse_error("01", 1, 2, "end of input");
  parse_error("-", 1, 2, "a digit");
  parse_error("1.", 1, 3, "a digit after '.'");
  parse_error("1e", 1, 3, "a digit in the exponent");
  parse_error("tru", 1, 1, "a value");
  parse_error("{} {}", 1, 4, "end of input");
  parse_error("[\"\xc3\xa9\", x]", 1, 7, "a value");
  /* Deep nesting is refused, not a stack overflow. */
  size_t n = 100000;
  char *deep = malloc(n + 1);
  memset(deep, '[', n);
  deep[n] = '\0';
  Err err = ERR_INIT;
  Value *v = json_parse(deep, n, NULL, &err);
  CHECK(v == NULL && strstr(err.msg, "nesting"), "deep nesting: %s", err.msg);
  free(deep);
  /* 513 levels fail, 512 succeed. */
  char ok[1100];
  memset(ok, '[', 512);
  memset(ok + 512, ']', 512);
  ok[1024] = '\0';
  v = parse(ok);
  CHECK(v != NULL, "512 levels parse");
  val_unref(v);
  /* A huge string. */
  size_t big = 8 * 1024 * 1024;
  char *hs = malloc(big + 3);
  hs[0] = '"';
  memset(hs + 1, 'x', big);
  hs[big + 1] = '"';
  hs[big + 2] = '\0';
  v = parse(hs);
  CHECK(v && val_strlen(v) == big, "8 MiB string");
  val_unref(v);
  free(hs);
}

static void test_srcmap(void)
{
  const char *src = "{\n  \"name\": \"p\",\n  \"properties\": {\n"
                    "    \"activities\": [\n      {\"name\": \"A\"},\n"
                    "      {\"odd key\": 1}\n    ]\n  }\n}";
  SrcMap *m = srcmap_new();
  Err err = ERR_INIT;
  Value *v = json_parse(src, strlen(src), m, &err);
  int line = 0, col = 0;
  CHECK(v != NULL, "parse with map");
  CHECK(srcmap_get(m, "", &line, &col) && line == 1 && col == 1, "root");
  CHECK(srcmap_get(m, "name", &line, &col) && line == 2 && col == 11,
        "name at %d:%d", line, col);
  CHECK(srcmap_get(m, "properties.activities[0].name", &line, &col) &&
            line == 5 && col == 16,
        "nested at %d:%d", line, col);
  CHECK(srcmap_get(m, "properties.activities[1]['odd key']", &line, &col) &&
            line == 6 && col == 19,
        "odd key at %d:%d", line, col);
  CHECK(!srcmap_get(m, "properties.activities[0].type", &line, &col), "absent");
  CHECK(srcmap_find(m, "properties.activities[0].type", &line, &col) &&
            line == 5 && col == 7,
        "find falls back to parent: %d:%d", line, col);
  CHECK(srcmap_find(m, "properties.nothing['x'][3]", &line, &col) && line == 3,
        "find falls back through steps");
  val_unref(v);
  srcmap_free(m);
}

static void test_cjson(void)
{
  Value *v = parse("{\"a\":[1,2.5,\"x\",null,true],\"b\":{}}");
  cJSON *j = json_to_cjson(v);
  Value *back = json_from_cjson(j);
  CHECK(val_equal(v, back), "cJSON round trip");
  cJSON_Delete(j);
  val_unref(back);
  val_unref(v);
}

int main(void)
{
  test_kinds();
  test_containers();
  test_numbers();
  test_strings();
  test_errors();
  test_srcmap();
  test_cjson();
  return CHECK_DONE();
}
