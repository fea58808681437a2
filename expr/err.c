/*
 * expr/err.c -- recording and printing errors
 *
 * The code table in errcodes.h is expanded here into the name, failure
 * type and ADF errorCode arrays; nothing else knows the table's layout.
 */
#include "expr/err.h"

#include <stdarg.h>
#include <string.h>

static const char *const code_names[] = {
#define ERR(sym, ftype, adf) #sym,
#include "expr/errcodes.h"
#undef ERR
};

static const FailureType code_ftypes[] = {
#define ERR(sym, ftype, adf) FAIL_##ftype,
#include "expr/errcodes.h"
#undef ERR
};

static const char *const code_adf[] = {
#define ERR(sym, ftype, adf) adf,
#include "expr/errcodes.h"
#undef ERR
};

void err_init(Err *err)
{
  memset(err, 0, sizeof(*err));
  err->loc.off = -1;
}

static void copy_str(char *dst, size_t cap, const char *src)
{
  size_t n = strlen(src);
  if (n >= cap)
    n = cap - 1;
  memcpy(dst, src, n);
  dst[n] = '\0';
}

bool err_set(Err *err, ErrCode code, const SrcLoc *loc, const char *fmt, ...)
{
  va_list ap;

  if (err->code != ERR_OK)
    return false; /* keep the first, innermost cause */
  err->code = code;
  if (loc)
    err->loc = *loc;
  va_start(ap, fmt);
  vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
  va_end(ap);
  return false;
}

void err_clear(Err *err)
{
  err_init(err);
}

void err_set_file(Err *err, const char *file)
{
  if (!err->loc.file)
    err->loc.file = file;
}

void err_set_path(Err *err, const char *path)
{
  if (!err->loc.path[0] && path)
    copy_str(err->loc.path, sizeof(err->loc.path), path);
}

void err_set_target(Err *err, const char *target)
{
  if (!err->target[0] && target)
    copy_str(err->target, sizeof(err->target), target);
}

const char *err_code_name(ErrCode code)
{
  if ((int)code < 0 || code >= ERR__COUNT)
    return "UNKNOWN";
  return code_names[code];
}

const char *err_failure_type(ErrCode code)
{
  if ((int)code < 0 || code >= ERR__COUNT)
    return "SystemError";
  switch (code_ftypes[code]) {
  case FAIL_USER:
    return "UserError";
  case FAIL_SYSTEM:
    return "SystemError";
  default:
    return "";
  }
}

const char *err_adf_code(const Err *err)
{
  if (err->adf_code[0])
    return err->adf_code;
  if ((int)err->code < 0 || err->code >= ERR__COUNT)
    return "InternalServerError";
  return code_adf[err->code];
}

void err_print(const Err *err, FILE *fp)
{
  const SrcLoc *l = &err->loc;

  if (l->file) {
    fputs(l->file, fp);
    if (l->line > 0)
      fprintf(fp, ":%d:%d", l->line, l->col);
    fputs(": ", fp);
  }
  if (l->path[0])
    fprintf(fp, "%s: ", l->path);
  if (err->target[0] && !l->path[0])
    fprintf(fp, "activity '%s': ", err->target);
  fprintf(fp, "%s: %s\n", err_code_name(err->code), err->msg);
  if (l->expr[0] && l->off >= 0) {
    int n = (int)strlen(l->expr), col = 0;
    fprintf(fp, "    %s\n    ", l->expr);
    /* Keep tabs so the caret lines up under tab-indented text. */
    for (int i = 0; i < l->off && i < n; i++, col++)
      fputc(l->expr[i] == '\t' ? '\t' : ' ', fp);
    fputc('^', fp);
    for (int i = 1; i < l->len && l->off + i < n; i++)
      fputc('~', fp);
    fputc('\n', fp);
    (void)col;
  }
}
