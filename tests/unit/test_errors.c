/*
 * tests/unit/test_errors.c -- the error-code table and its documentation
 *
 * Every row of expr/errcodes.h must have a "## SYMBOL" section in
 * docs/errors.md (curl's test1139 idea), names must be unique, and the
 * Err carrier must keep the first error.
 */
#include <stdlib.h>
#include <string.h>

#include "expr/err.h"
#include "expr/strbuf.h"
#include "tests/check.h"

int main(void)
{
  char *doc = sb_read_file("docs/errors.md", NULL);
  CHECK(doc != NULL, "docs/errors.md readable (run from the repo root)");
  for (int c = 0; c < ERR__COUNT; c++) {
    const char *name = err_code_name((ErrCode)c);
    char head[128];
    snprintf(head, sizeof(head), "\n## %s\n", name);
    CHECK(doc && strstr(doc, head), "docs/errors.md lacks '## %s'", name);
    for (int d = c + 1; d < ERR__COUNT; d++)
      CHECK(strcmp(name, err_code_name((ErrCode)d)) != 0, "duplicate %s", name);
  }
  free(doc);

  Err err = ERR_INIT;
  CHECK(!err_is_set(&err), "fresh Err is clear");
  CHECK(err_set(&err, ERR_EXPR_SYNTAX, NULL, "first %d", 1) == false,
        "err_set returns false");
  err_set(&err, ERR_IO, NULL, "second");
  CHECK(err.code == ERR_EXPR_SYNTAX && strcmp(err.msg, "first 1") == 0,
        "first error wins");
  err_set_target(&err, "A");
  err_set_target(&err, "B");
  CHECK(strcmp(err.target, "A") == 0, "first target wins");
  CHECK(strcmp(err_adf_code(&err), "InvalidTemplate") == 0, "ADF code");
  CHECK(strcmp(err_failure_type(err.code), "UserError") == 0, "UserError");
  CHECK(strcmp(err_failure_type(ERR_INTERNAL), "SystemError") == 0,
        "SystemError");
  snprintf(err.adf_code, sizeof(err.adf_code), "500");
  CHECK(strcmp(err_adf_code(&err), "500") == 0, "override code");
  return CHECK_DONE();
}
