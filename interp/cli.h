/*
 * interp/cli.h -- the subcommands of the adfrun program
 *
 * main.c parses nothing but the subcommand name and hands argv (with
 * argv[0] = the subcommand) to one of these.  Each returns the process
 * exit status, fixed for the life of the project:
 *   0 success; 1 the thing checked failed (pipeline Failed or Cancelled,
 *   validation findings, expression error); 2 usage error or input that
 *   cannot be loaded; 3 internal error.
 */
#ifndef INTERP_CLI_H
#define INTERP_CLI_H

enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2, EXIT_INTERNAL = 3 };

int cmd_run(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_graph(int argc, char **argv);

/* Prints the help text of 'cmd' (NULL: the overview) to stdout. */
void cli_help(const char *cmd);

#endif /* INTERP_CLI_H */
