/*
 * interp/main.c -- the adfrun command line: subcommand dispatch and help
 *
 * Only the subcommand name is parsed here; each subcommand parses its own
 * options (interp/cmd_*.c).  This is the one file that includes
 * activities/registry.h (the leaf activity table is handed down from
 * here, so interp/ never names a leaf type).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activities/http.h"
#include "activities/registry.h"
#include "interp/cli.h"
#include "interp/version.h"

typedef struct Command {
  const char *name;
  int (*fn)(int argc, char **argv);
  const char *summary;
} Command;

static int cmd_version(int argc, char **argv);
static int cmd_help(int argc, char **argv);

/* clang-format off */
static const Command commands[] = {
  { "run",      cmd_run,      "run a pipeline (real or virtual clock, mocks, report)" },
  { "validate", cmd_validate, "check definitions statically, with exact locations" },
  { "eval",     cmd_eval,     "evaluate one ADF expression or template" },
  { "graph",    cmd_graph,    "draw a pipeline's activity graph (mermaid, dot, text)" },
  { "version",  cmd_version,  "print the version" },
  { "help",     cmd_help,     "help on a command: adfrun help run" },
};
/* clang-format on */
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static const char *const help_texts[][2] = {
    {NULL, "adfrun - run Azure Data Factory pipelines outside Azure\n"
           "\n"
           "usage: adfrun <command> [options]\n"
           "\n"
           "commands:\n"},
    {"run",
     "usage: adfrun run PIPELINE [options]\n"
     "\n"
     "Runs a pipeline with the ADF service's semantics.  PIPELINE is a\n"
     "pipeline file (JSON or YAML) or a factory folder with --pipeline NAME.\n"
     "\n"
     "examples:\n"
     "  adfrun run pipelines/pipeline1.json --mock "
     "pipelines/pipeline1.mock.yaml "
     "--clock virtual\n"
     "  adfrun run factory/ --pipeline Ingest -p day=2024-05-01 --json\n"
     "\n"
     "Run `adfrun run --help` for every option.\n"},
    {"validate",
     "usage: adfrun validate PATH... [--format text|json|junit|sarif|github]\n"
     "                            [--fail-on error|warning] [--rule-off "
     "ID]...\n"
     "                            [--refs|--no-refs]\n"
     "\n"
     "Checks pipeline files, factory folders, ARM exports and Fabric folders\n"
     "without running anything: structure, names, the activity graph, every\n"
     "expression, policies, limits and references.  Exit 0 clean, 1 findings\n"
     "at or above --fail-on, 2 usage or unloadable input.\n"
     "\n"
     "examples:\n"
     "  adfrun validate pipelines/pipeline1.json\n"
     "  adfrun validate factory/ --format github --fail-on warning\n"
     "\n"
     "Run `adfrun validate --help` for every option and the rule list.\n"},
    {"eval", "usage: adfrun eval '<template>' [--context FILE] [--explain]\n"
             "       adfrun eval --batch FILE [--context FILE]\n"
             "\n"
             "examples:\n"
             "  adfrun eval \"@concat('a', string(add(1, 2)))\"\n"
             "  adfrun eval \"@pipeline().parameters.env\" --context ctx.json\n"
             "\n"
             "Run `adfrun eval --help` for every option.\n"},
    {"graph", "usage: adfrun graph PIPELINE [--format mermaid|dot|text]\n"
              "\n"
              "example:\n"
              "  adfrun graph pipelines/pipeline1.json --format mermaid\n"},
    {"version", "usage: adfrun version\n"},
    {"help", "usage: adfrun help [COMMAND]\n"},
};

void cli_help(const char *cmd)
{
  size_t i;
  for (i = 0; i < sizeof(help_texts) / sizeof(help_texts[0]); i++) {
    const char *name = help_texts[i][0];
    if ((name == NULL && cmd == NULL) ||
        (name && cmd && strcmp(name, cmd) == 0)) {
      fputs(help_texts[i][1], stdout);
      break;
    }
  }
  if (cmd == NULL) {
    for (i = 0; i < N_COMMANDS; i++)
      printf("  %-9s %s\n", commands[i].name, commands[i].summary);
    printf("\nexit codes: 0 success, 1 pipeline/validation/expression "
           "failed,\n            2 usage or unloadable input, 3 internal "
           "error\n");
  }
}

static int cmd_version(int argc, char **argv)
{
  (void)argc;
  (void)argv;
  printf("adfrun %s (libcurl %s)\n", adf_version(), http_library_version());
  return EXIT_OK;
}

static int cmd_help(int argc, char **argv)
{
  if (argc < 2) {
    cli_help(NULL);
    return EXIT_OK;
  }
  for (size_t i = 0; i < N_COMMANDS; i++)
    if (strcmp(commands[i].name, argv[1]) == 0) {
      cli_help(argv[1]);
      return EXIT_OK;
    }
  fprintf(stderr, "adfrun: no such command '%s' (see 'adfrun help')\n",
          argv[1]);
  return EXIT_USAGE;
}

int main(int argc, char **argv)
{
  int rc;

  if (argc < 2) {
    cli_help(NULL);
    return EXIT_USAGE;
  }
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
    cli_help(NULL);
    return EXIT_OK;
  }
  if (strcmp(argv[1], "--version") == 0)
    return cmd_version(0, NULL);
  for (size_t i = 0; i < N_COMMANDS; i++) {
    if (strcmp(commands[i].name, argv[1]) == 0) {
      http_global_init();
      act_registry_install();
      rc = commands[i].fn(argc - 1, argv + 1);
      http_global_cleanup();
      return rc;
    }
  }
  fprintf(stderr,
          "adfrun: unknown command '%s' (commands: run, validate, "
          "eval, graph, version, help)\n",
          argv[1]);
  return EXIT_USAGE;
}
