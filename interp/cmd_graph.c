/*
 * interp/cmd_graph.c -- `adfrun graph`: a pipeline's activity graph as
 *                       Mermaid, Graphviz dot or indented text
 *
 * Edges carry their dependency conditions (Succeeded/Failed/Skipped/
 * Completed, ORed within one dependsOn entry); containers become
 * subgraphs, one per inner list (ifTrue/ifFalse, each Switch case...).
 */
#include "interp/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr/strbuf.h"
#include "interp/load.h"
#include "interp/model.h"

typedef enum { G_MERMAID, G_DOT, G_TEXT } GFormat;

static void conds_text(unsigned c, StrBuf *sb)
{
  static const struct {
    unsigned bit;
    const char *name;
  } names[] = {{DEP_SUCCEEDED, "Succeeded"},
               {DEP_FAILED, "Failed"},
               {DEP_SKIPPED, "Skipped"},
               {DEP_COMPLETED, "Completed"}};
  size_t i;
  bool first = true;

  for (i = 0; i < 4; i++)
    if (c & names[i].bit) {
      if (!first)
        sb_puts(sb, " or ");
      sb_puts(sb, names[i].name);
      first = false;
    }
}

/* Node ids: n<k> in walk order, so odd names need no escaping. */
typedef struct Ids {
  const ActivityDef **defs;
  size_t n;
} Ids;

static bool collect(void *ud, const ActivityDef *a)
{
  Ids *ids = ud;
  ids->defs = xrealloc(ids->defs, (ids->n + 1) * sizeof(*ids->defs));
  ids->defs[ids->n++] = a;
  return true;
}

static size_t id_of(const Ids *ids, const char *name)
{
  size_t i;
  for (i = 0; i < ids->n; i++)
    if (strcmp(ids->defs[i]->name, name) == 0)
      return i;
  return (size_t)-1;
}

static void label_escape(StrBuf *sb, const char *s, GFormat fmt)
{
  for (; *s; s++) {
    if (*s == '"')
      sb_puts(sb, fmt == G_DOT ? "\\\"" : "#quot;");
    else
      sb_putc(sb, *s);
  }
}

static void emit_list(StrBuf *sb, const Ids *ids, ActivityDef *const *acts,
                      size_t n, GFormat fmt, int depth)
{
  size_t i, k, b;
  int d;

  for (i = 0; i < n; i++) {
    const ActivityDef *a = acts[i];
    size_t me = id_of(ids, a->name);
    for (d = 0; d < depth; d++)
      sb_puts(sb, "  ");
    if (fmt == G_TEXT) {
      sb_printf(sb, "%s (%s)%s", a->name, a->type,
                a->inactive ? " [inactive]" : "");
      for (k = 0; k < a->n_deps; k++) {
        sb_puts(sb, k ? ", " : "  <- ");
        sb_printf(sb, "%s: ", a->deps[k].activity);
        conds_text(a->deps[k].conds, sb);
      }
      sb_putc(sb, '\n');
      for (b = 0; b < a->n_blocks; b++) {
        for (d = 0; d <= depth; d++)
          sb_puts(sb, "  ");
        sb_printf(sb, "[%s", a->blocks[b].label);
        if (a->blocks[b].case_value) {
          sb_puts(sb, " ");
          val_to_adf_string(a->blocks[b].case_value, sb);
        }
        sb_puts(sb, "]\n");
        emit_list(sb, ids, a->blocks[b].acts, a->blocks[b].n_acts, fmt,
                  depth + 2);
      }
      continue;
    }
    if (a->n_blocks) {
      if (fmt == G_MERMAID) {
        sb_printf(sb, "subgraph n%zu [\"", me);
        label_escape(sb, a->name, fmt);
        sb_printf(sb, " (%s)\"]\n", a->type);
      } else {
        sb_printf(sb, "subgraph cluster_n%zu {\n", me);
        for (d = 0; d <= depth; d++)
          sb_puts(sb, "  ");
        sb_puts(sb, "label=\"");
        label_escape(sb, a->name, fmt);
        sb_printf(sb, " (%s)\";\n", a->type);
      }
      for (b = 0; b < a->n_blocks; b++) {
        for (d = 0; d <= depth; d++)
          sb_puts(sb, "  ");
        if (fmt == G_MERMAID)
          sb_printf(sb, "subgraph n%zu_b%zu [\"%s", me, b, a->blocks[b].label);
        else
          sb_printf(sb, "subgraph cluster_n%zu_b%zu {\n  label=\"%s", me, b,
                    a->blocks[b].label);
        if (a->blocks[b].case_value) {
          StrBuf cv;
          sb_init(&cv);
          val_to_adf_string(a->blocks[b].case_value, &cv);
          sb_puts(sb, " = ");
          label_escape(sb, cv.s, fmt);
          sb_fini(&cv);
        }
        sb_puts(sb, fmt == G_MERMAID ? "\"]\n" : "\";\n");
        if (a->blocks[b].n_acts == 0) {
          for (d = 0; d <= depth + 1; d++)
            sb_puts(sb, "  ");
          if (fmt == G_MERMAID)
            sb_printf(sb, "n%zu_b%zu_empty[\"(empty)\"]\n", me, b);
          else
            sb_printf(sb, "n%zu_b%zu_empty [label=\"(empty)\"];\n", me, b);
        }
        emit_list(sb, ids, a->blocks[b].acts, a->blocks[b].n_acts, fmt,
                  depth + 2);
        for (d = 0; d <= depth; d++)
          sb_puts(sb, "  ");
        sb_puts(sb, fmt == G_MERMAID ? "end\n" : "}\n");
      }
      for (d = 0; d < depth; d++)
        sb_puts(sb, "  ");
      sb_puts(sb, fmt == G_MERMAID ? "end\n" : "}\n");
    } else if (fmt == G_MERMAID) {
      sb_printf(sb, "n%zu[\"", me);
      label_escape(sb, a->name, fmt);
      sb_printf(sb, "<br/>%s%s\"]\n", a->type,
                a->inactive ? " (inactive)" : "");
    } else {
      sb_printf(sb, "n%zu [label=\"", me);
      label_escape(sb, a->name, fmt);
      sb_printf(sb, "\\n%s\"%s];\n", a->type,
                a->inactive ? ", style=dashed" : "");
    }
  }
  if (fmt == G_TEXT)
    return;
  for (i = 0; i < n; i++) {
    const ActivityDef *a = acts[i];
    for (k = 0; k < a->n_deps; k++) {
      size_t from = id_of(ids, a->deps[k].activity);
      StrBuf c;
      if (from == (size_t)-1)
        continue;
      sb_init(&c);
      conds_text(a->deps[k].conds, &c);
      for (d = 0; d < depth; d++)
        sb_puts(sb, "  ");
      if (fmt == G_MERMAID)
        sb_printf(sb, "n%zu -->|%s| n%zu\n", from, c.s, id_of(ids, a->name));
      else
        sb_printf(sb, "n%zu -> n%zu [label=\"%s\"];\n", from,
                  id_of(ids, a->name), c.s);
      sb_fini(&c);
    }
  }
}

int cmd_graph(int argc, char **argv)
{
  const char *path = NULL, *pname = NULL;
  GFormat fmt = G_MERMAID;
  Pipeline *pl = NULL;
  Factory *f;
  Err err = ERR_INIT;
  StrBuf sb;
  Ids ids = {NULL, 0};
  int i;

  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      puts("usage: adfrun graph PIPELINE [--pipeline NAME] "
           "[--format mermaid|dot|text]\n\n"
           "Prints the activity graph: edges labelled with their dependency\n"
           "conditions, containers drawn as subgraphs.\n\n"
           "example:\n  adfrun graph pipelines/pipeline1.json --format dot | "
           "dot -Tsvg > p.svg");
      return EXIT_OK;
    } else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
      const char *v = argv[++i];
      if (strcmp(v, "mermaid") == 0)
        fmt = G_MERMAID;
      else if (strcmp(v, "dot") == 0)
        fmt = G_DOT;
      else if (strcmp(v, "text") == 0)
        fmt = G_TEXT;
      else {
        fprintf(stderr,
                "adfrun graph: --format: expected mermaid, dot or "
                "text, got '%s'\n",
                v);
        return EXIT_USAGE;
      }
    } else if (strcmp(argv[i], "--pipeline") == 0 && i + 1 < argc) {
      pname = argv[++i];
    } else if (argv[i][0] == '-' || path) {
      fprintf(stderr, "adfrun graph: unexpected argument '%s'\n", argv[i]);
      return EXIT_USAGE;
    } else {
      path = argv[i];
    }
  }
  if (!path) {
    fputs("adfrun graph: no pipeline given (see adfrun graph --help)\n",
          stderr);
    return EXIT_USAGE;
  }
  f = load_any(path, &pl, &err);
  if (!f) {
    err_print(&err, stderr);
    return EXIT_USAGE;
  }
  if (pname)
    pl = factory_pipeline(f, pname);
  if (!pl && f->n_pipelines == 1)
    pl = f->pipelines[0];
  if (!pl) {
    fprintf(stderr, "adfrun graph: choose a pipeline with --pipeline NAME\n");
    factory_free(f);
    return EXIT_USAGE;
  }
  pipeline_walk(pl, collect, &ids);
  sb_init(&sb);
  if (fmt == G_MERMAID)
    sb_puts(&sb, "flowchart TD\n");
  else if (fmt == G_DOT) {
    sb_puts(&sb, "digraph \"");
    label_escape(&sb, pl->name, fmt);
    sb_puts(&sb, "\" {\n  compound=true;\n  node [shape=box];\n");
  } else
    sb_printf(&sb, "%s\n", pl->name);
  emit_list(&sb, &ids, pl->acts, pl->n_acts, fmt, 1);
  if (fmt == G_DOT)
    sb_puts(&sb, "}\n");
  fputs(sb.s, stdout);
  sb_fini(&sb);
  free(ids.defs);
  factory_free(f);
  return EXIT_OK;
}
