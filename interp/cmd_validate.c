/*
 * interp/cmd_validate.c -- `adfrun validate`: options, exit status
 *
 * Parses the options, validates every PATH into one finding list, prints
 * it in the chosen format to stdout and maps it to the exit status:
 * 0 nothing at or above --fail-on, 1 findings at or above it, 2 usage
 * errors or a PATH that cannot be loaded (a broken file inside a folder
 * is a finding, not exit 2).  The checks are in interp/validate*.c.
 */
#include <stdio.h>
#include <string.h>

#include "interp/cli.h"
#include "interp/validate.h"

static void usage_rules(FILE *fp)
{
  fputs("\nrules (--rule-off takes the id or the name):\n", fp);
  for (int i = 0; i < VR__COUNT; i++) {
    const VRule *r = validate_rule((VRuleId)i);
    fprintf(fp, "  %s %-24s %-7s %s\n", r->code, r->name,
            r->severity == VSEV_ERROR ? "error" : "warning", r->summary);
  }
}

static void help(FILE *fp)
{
  fputs("usage: adfrun validate PATH... [options]\n"
        "\n"
        "Checks pipeline files, factory folders, Synapse/Fabric pipelines\n"
        "and ARM template exports statically: nothing runs, nothing is\n"
        "fetched.  Every finding has file:line:col and its JSON path.\n"
        "\n"
        "options:\n"
        "  --format F      text (default), json, junit, sarif, github\n"
        "  --fail-on S     error (default): exit 1 on errors only;\n"
        "                  warning: exit 1 on warnings too\n"
        "  --rule-off ID   switch a rule off (repeatable): ADF031 or\n"
        "                  unsafe-output\n"
        "  --refs          check references to datasets, linked services,\n"
        "                  pipelines even for a lone file\n"
        "  --no-refs       never check references\n"
        "  --help          this text\n"
        "\n"
        "exit status: 0 clean, 1 findings at or above --fail-on, 2 usage\n"
        "or a PATH that cannot be loaded.\n"
        "\n"
        "examples:\n"
        "  adfrun validate pipelines/pipeline1.json\n"
        "  adfrun validate factory/ --format github\n"
        "  adfrun validate arm_template.json --format sarif > adf.sarif\n",
        fp);
  usage_rules(fp);
}

/* Takes the value of option argv[*i] ("--opt V" or "--opt=V"). */
static const char *opt_value(int argc, char **argv, int *i, const char *name)
{
  size_t n = strlen(name);
  if (strncmp(argv[*i], name, n) == 0 && argv[*i][n] == '=')
    return argv[*i] + n + 1;
  if (strcmp(argv[*i], name) == 0 && *i + 1 < argc)
    return argv[++*i];
  return NULL;
}

static bool is_opt(const char *arg, const char *name)
{
  size_t n = strlen(name);
  return strncmp(arg, name, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

int cmd_validate(int argc, char **argv)
{
  VOptions opt;
  VFormat fmt = VFMT_TEXT;
  VSeverity fail_on = VSEV_ERROR;
  int n_paths = 0;
  validate_options_init(&opt);
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v;
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      help(stdout);
      return EXIT_OK;
    }
    if (strcmp(a, "--") == 0) {
      n_paths += argc - i - 1;
      break;
    }
    if (is_opt(a, "--format")) {
      if (!(v = opt_value(argc, argv, &i, "--format")) ||
          !validate_format_parse(v, &fmt)) {
        fprintf(stderr, "adfrun validate: --format needs text, json, "
                        "junit, sarif or github\n");
        return EXIT_USAGE;
      }
    } else if (is_opt(a, "--fail-on")) {
      v = opt_value(argc, argv, &i, "--fail-on");
      if (v && strcmp(v, "error") == 0) {
        fail_on = VSEV_ERROR;
      } else if (v && strcmp(v, "warning") == 0) {
        fail_on = VSEV_WARNING;
      } else {
        fprintf(stderr, "adfrun validate: --fail-on needs error or "
                        "warning\n");
        return EXIT_USAGE;
      }
    } else if (is_opt(a, "--rule-off")) {
      v = opt_value(argc, argv, &i, "--rule-off");
      const VRule *r = v ? validate_rule_find(v) : NULL;
      if (!r) {
        fprintf(stderr,
                "adfrun validate: --rule-off: unknown rule '%s' "
                "(see adfrun validate --help)\n",
                v ? v : "");
        return EXIT_USAGE;
      }
      opt.off[r->id] = true;
    } else if (strcmp(a, "--refs") == 0) {
      opt.refs = VREF_ON;
    } else if (strcmp(a, "--no-refs") == 0) {
      opt.refs = VREF_OFF;
    } else if (a[0] == '-' && a[1]) {
      fprintf(stderr,
              "adfrun validate: unknown option '%s' (see adfrun "
              "validate --help)\n",
              a);
      return EXIT_USAGE;
    } else {
      n_paths++;
    }
  }
  if (n_paths == 0) {
    help(stderr);
    return EXIT_USAGE;
  }

  FindingList fl;
  findings_init(&fl);
  int status = EXIT_OK;
  bool dashdash = false;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!dashdash) {
      if (strcmp(a, "--") == 0) {
        dashdash = true;
        continue;
      }
      if (is_opt(a, "--format") || is_opt(a, "--fail-on") ||
          is_opt(a, "--rule-off")) {
        if (!strchr(a, '='))
          i++;
        continue;
      }
      if (a[0] == '-' && a[1])
        continue;
    }
    Err err = ERR_INIT;
    if (!validate_path(a, &opt, &fl, &err)) {
      err_print(&err, stderr);
      status = EXIT_USAGE;
    }
  }
  findings_sort(&fl);
  validate_write(&fl, fmt, stdout);
  if (status == EXIT_OK && findings_count_at_least(&fl, fail_on) > 0)
    status = EXIT_FAILED;
  findings_fini(&fl);
  return status;
}
