/*
 * tests/check.h -- the whole unit-test framework
 *
 * CHECK(cond, fmt, ...) counts a pass or prints the failure with its
 * file:line; CHECK_DONE() prints "N passed, N failed" and returns the
 * exit status from main().
 */
#ifndef TESTS_CHECK_H
#define TESTS_CHECK_H

#include <stdio.h>

static int check_passed, check_failed;

#define CHECK(cond, ...)                                                       \
  do {                                                                         \
    if (cond) {                                                                \
      check_passed++;                                                          \
    } else {                                                                   \
      check_failed++;                                                          \
      fprintf(stderr, "%s:%d: FAIL: ", __FILE__, __LINE__);                    \
      fprintf(stderr, __VA_ARGS__);                                            \
      fputc('\n', stderr);                                                     \
    }                                                                          \
  } while (0)

#define CHECK_DONE()                                                           \
  (printf("%d passed, %d failed\n", check_passed, check_failed),               \
   check_failed ? 1 : 0)

#endif /* TESTS_CHECK_H */
