/*
 * expr/err.h -- the one error carrier: code, message, target, location
 *
 * Err lives in caller storage and never allocates, so reporting an error
 * cannot fail.  err_set() keeps the FIRST error: the innermost cause
 * survives while the stack unwinds; outer layers may add 'target' and
 * 'loc' fields that are still empty, but never rewrite 'msg'.
 */
#ifndef EXPR_ERR_H
#define EXPR_ERR_H

#include <stdbool.h>
#include <stdio.h>

typedef enum ErrCode {
#define ERR(sym, ftype, adf) ERR_##sym,
#include "expr/errcodes.h"
#undef ERR
  ERR__COUNT
} ErrCode;

typedef enum FailureType { FAIL_NONE, FAIL_USER, FAIL_SYSTEM } FailureType;

/* Where a problem is.  Any field may be unknown (empty or 0). */
typedef struct SrcLoc {
  const char *file; /* definition file; borrowed, must outlive the Err */
  char path[256];   /* JSON path, e.g. properties.activities[2].name */
  int line, col;    /* 1-based position in the file; 0 when unknown */
  int off, len;     /* byte span inside the expression; off < 0: none */
  char expr[512];   /* the expression text the span points into, or "" */
} SrcLoc;

typedef struct Err {
  ErrCode code;      /* ERR_OK until something fails */
  char msg[1024];    /* one line, no trailing newline */
  char target[128];  /* activity name: ADF's "target" */
  char adf_code[64]; /* overrides the table's errorCode when set (Fail) */
  SrcLoc loc;
} Err;

/* A zeroed Err with no expression span. */
void err_init(Err *err);
#define ERR_INIT                                                               \
  {                                                                            \
    .code = ERR_OK, .loc = {.off = -1 }                                        \
  }

/* Records an error unless one is already recorded.  'loc' may be NULL.
 * Always returns false, so callers can write 'return err_set(...)'. */
bool err_set(Err *err, ErrCode code, const SrcLoc *loc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Forgets a recorded error (for callers that try alternatives). */
void err_clear(Err *err);
static inline bool err_is_set(const Err *err)
{
  return err->code != ERR_OK;
}
/* Fills loc fields that are still empty; never touches msg. */
void err_set_file(Err *err, const char *file);
void err_set_path(Err *err, const char *path);
void err_set_target(Err *err, const char *target);

/* Names from the code table: "EXPR_SYNTAX", "UserError", "InvalidTemplate".
 * Returned strings are static. */
const char *err_code_name(ErrCode code);
const char *err_failure_type(ErrCode code);
const char *err_adf_code(const Err *err);

/* Prints the error the way the CLI shows it:
 *   file:line:col: path: CODE: message
 *       <expression>
 *       <caret line>
 * to 'fp'.  Fields that are unknown are left out. */
void err_print(const Err *err, FILE *fp);

#endif /* EXPR_ERR_H */
