/*
 * interp/cmd_validate.c -- `adfrun validate` (loading checks only so far)
 *
 * Loads every path given and reports load errors with their locations.
 * The static rule set (graph, expressions, references) is not built yet:
 * the command says so and exits 2 rather than pretending the input is
 * clean.
 */
#include <stdio.h>
#include <string.h>

#include "interp/cli.h"
#include "interp/load.h"

int cmd_validate(int argc, char **argv)
{
  int n_paths = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      cli_help("validate");
      return EXIT_OK;
    }
    if (argv[i][0] == '-') {
      fprintf(stderr, "adfrun validate: unknown option '%s'\n", argv[i]);
      return EXIT_USAGE;
    }
    n_paths++;
  }
  if (n_paths == 0) {
    cli_help("validate");
    return EXIT_USAGE;
  }
  for (int i = 1; i < argc; i++) {
    Err err = ERR_INIT;
    Pipeline *p = NULL;
    Factory *f = load_any(argv[i], &p, &err);
    if (!f) {
      err_print(&err, stderr);
      return EXIT_USAGE;
    }
    factory_free(f);
  }
  fprintf(stderr, "adfrun validate: the input loads, but static validation "
                  "is not implemented yet\n");
  return EXIT_USAGE;
}
