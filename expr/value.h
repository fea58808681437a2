/*
 * expr/value.h -- immutable, reference-counted JSON values
 *
 * Everything the interpreter computes with is a Value: parameters,
 * variables, activity outputs, expression results.  A Value never changes
 * once another part of the program can see it, so sharing one costs a
 * val_ref() and nothing else.  Builders (val_array_new, val_object_new)
 * mutate only while the value is private to the caller.
 *
 * Ownership in one sentence: arguments are borrowed, results are owned.
 * The exceptions say so in their names: *_take consumes an argument,
 * *_peek returns a borrowed pointer.  Refcounts are plain ints: values are
 * never shared between threads.  null, true and false are immortal.
 */
#ifndef EXPR_VALUE_H
#define EXPR_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "expr/strbuf.h"

typedef enum ValKind {
  VAL_NULL,
  VAL_BOOL,
  VAL_INT,   /* int64_t; ADF keeps int and float apart */
  VAL_FLOAT, /* double */
  VAL_STRING,
  VAL_ARRAY,
  VAL_OBJECT /* keys keep insertion order */
} ValKind;

typedef struct Value Value; /* opaque: see value.c */

/* ---- Counting ------------------------------------------------------- */

/* Returns 'v' with one more reference (cast away const: counting is not
 * mutation).  val_unref(NULL) does nothing. */
Value *val_ref(const Value *v);
void val_unref(Value *v);

/* ---- Constructors: return a new reference, never NULL ---------------- */

Value *val_null(void);
Value *val_bool(bool b);
Value *val_int(int64_t i);
Value *val_float(double d);
/* Copies 'len' bytes (may contain NULs). */
Value *val_string(const char *s, size_t len);
Value *val_cstr(const char *s);
/* Builds a string from a StrBuf and resets the buffer. */
Value *val_string_from_sb(StrBuf *sb);
Value *val_array_new(void);
Value *val_object_new(void);

/* ---- Builders: 'arr'/'obj' must still be private to the caller ------- */

void val_array_push_take(Value *arr, Value *item);
void val_array_push(Value *arr, const Value *item);
/* Sets 'key' (exact, case-sensitive match), replacing an existing value
 * in place so insertion order is kept. */
void val_object_set_take(Value *obj, const char *key, size_t klen, Value *item);
void val_object_set(Value *obj, const char *key, const Value *item);
/* Removes 'key' (exact match) if present. */
void val_object_del(Value *obj, const char *key);

/* ---- Accessors: borrowed results, valid while the container lives ---- */

ValKind val_kind(const Value *v);
/* "Null", "Boolean", "Integer", "Float", "String", "Array", "Object":
 * the names ADF prints in type errors. */
const char *val_kind_name(ValKind k);
bool val_get_bool(const Value *v);
int64_t val_get_int(const Value *v);
double val_get_float(const Value *v);
/* Int or float as a double. */
double val_get_number(const Value *v);
const char *val_str(const Value *v); /* NUL-terminated */
size_t val_strlen(const Value *v);
size_t val_array_len(const Value *v);
const Value *val_array_peek(const Value *v, size_t i);
size_t val_object_len(const Value *v);
const char *val_object_key_peek(const Value *v, size_t i, size_t *klen);
const Value *val_object_value_peek(const Value *v, size_t i);
/* Exact key match, or NULL. */
const Value *val_object_peek(const Value *obj, const char *key);
/* ADF property access: an exact match wins, else the first key equal
 * ignoring ASCII case, else NULL. */
const Value *val_object_peek_ci(const Value *obj, const char *key, size_t klen);

/* ---- Comparison and printing ----------------------------------------- */

/* Structural equality: kinds must match (1 != 1.0), objects compare as
 * key sets regardless of order, strings byte-wise. */
bool val_equal(const Value *a, const Value *b);

/* Appends compact JSON (no spaces; floats always carry '.', 'E' or are
 * NaN/Infinity strings; only '"', '\\' and control characters escaped,
 * as Json.NET does). */
void val_to_json(const Value *v, StrBuf *out);
/* Same with newlines and 'indent' spaces per level. */
void val_to_json_pretty(const Value *v, StrBuf *out, int indent);
/* Returns a malloc'd compact JSON string. */
char *val_to_json_str(const Value *v);
/* Appends a JSON string literal for bytes s[0..len). */
void val_json_quote(StrBuf *out, const char *s, size_t len);

/* Formats a double as .NET's double.ToString() does (shortest
 * round-trip digits, scientific as "1E+15" when the exponent is >= 15 or
 * < -4).  'buf' needs 32 bytes.  Returns the length. */
int val_format_double(double d, char *buf);

/* Appends 'v' converted to a string the way ADF does in interpolation,
 * concat() and string(): null -> "", booleans "True"/"False" (.NET),
 * integers as digits, floats as val_format_double(), strings as-is,
 * arrays and objects as compact JSON. */
void val_to_adf_string(const Value *v, StrBuf *out);

/* Shallow copy into a fresh private value (children are shared, which is
 * safe because they are immutable): for builders that must extend a copy
 * of a shared array or object. */
Value *val_copy(const Value *v);

#endif /* EXPR_VALUE_H */
