/*
 * interp/validate_out.c -- findings as text, JSON, JUnit, SARIF or GitHub
 *
 * Text is `file:line:col: error[ADF010]: message`; github is the
 * workflow-command form `::error file=..,line=..,col=..,title=..::msg`;
 * JUnit has one testcase per file with one failure per finding; SARIF is
 * 2.1.0 with the rule table as tool.driver.rules.  All writers take the
 * list as sorted by the caller and never fail (stdio errors aside).
 */
#include <stdlib.h>
#include <string.h>

#include "interp/validate.h"
#include "interp/version.h"

bool validate_format_parse(const char *s, VFormat *out)
{
  static const struct {
    const char *name;
    VFormat f;
  } names[] = {{"text", VFMT_TEXT},
               {"json", VFMT_JSON},
               {"junit", VFMT_JUNIT},
               {"sarif", VFMT_SARIF},
               {"github", VFMT_GITHUB}};
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
    if (strcmp(s, names[i].name) == 0) {
      *out = names[i].f;
      return true;
    }
  return false;
}

static const char *sev_word(VSeverity s)
{
  return s == VSEV_ERROR ? "error" : "warning";
}

static void put_json_str(FILE *fp, const char *s)
{
  StrBuf sb;
  sb_init(&sb);
  val_json_quote(&sb, s ? s : "", s ? strlen(s) : 0);
  fputs(sb.s, fp);
  sb_fini(&sb);
}

/* A relative URI reference for SARIF: bytes outside the unreserved set
 * and '/' are percent-encoded (paths with spaces are common in ADF). */
static void put_uri(FILE *fp, const char *s)
{
  fputc('"', fp);
  for (; s && *s; s++) {
    unsigned char c = (unsigned char)*s;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
        (c >= '0' && c <= '9') || strchr("-._~/", c))
      fputc(c, fp);
    else
      fprintf(fp, "%%%02X", c);
  }
  fputc('"', fp);
}

static void put_xml(FILE *fp, const char *s)
{
  for (; s && *s; s++) {
    switch (*s) {
    case '<':
      fputs("&lt;", fp);
      break;
    case '>':
      fputs("&gt;", fp);
      break;
    case '&':
      fputs("&amp;", fp);
      break;
    case '"':
      fputs("&quot;", fp);
      break;
    case '\'':
      fputs("&apos;", fp);
      break;
    default:
      if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t')
        fputc(' ', fp);
      else
        fputc(*s, fp);
    }
  }
}

/* GitHub workflow commands: % \r \n escaped in data; also , : in
 * properties. */
static void put_gh(FILE *fp, const char *s, bool prop)
{
  for (; s && *s; s++) {
    if (*s == '%')
      fputs("%25", fp);
    else if (*s == '\r')
      fputs("%0D", fp);
    else if (*s == '\n')
      fputs("%0A", fp);
    else if (prop && *s == ':')
      fputs("%3A", fp);
    else if (prop && *s == ',')
      fputs("%2C", fp);
    else
      fputc(*s, fp);
  }
}

static void write_text(const FindingList *fl, FILE *fp)
{
  for (size_t i = 0; i < fl->n; i++) {
    const Finding *f = &fl->v[i];
    const VRule *r = validate_rule(f->rule);
    fprintf(fp, "%s", f->file ? f->file : "<input>");
    if (f->line)
      fprintf(fp, ":%d:%d", f->line, f->col);
    fprintf(fp, ": %s[%s]: %s", sev_word(f->severity), r->code, f->msg);
    if (f->path && *f->path)
      fprintf(fp, " [%s]", f->path);
    fputc('\n', fp);
  }
  size_t ne = findings_count_at_least(fl, VSEV_ERROR);
  fprintf(fp, "%zu file%s checked: %zu error%s, %zu warning%s\n", fl->n_files,
          fl->n_files == 1 ? "" : "s", ne, ne == 1 ? "" : "s", fl->n - ne,
          fl->n - ne == 1 ? "" : "s");
}

static void write_json(const FindingList *fl, FILE *fp)
{
  size_t ne = findings_count_at_least(fl, VSEV_ERROR);
  fprintf(fp,
          "{\"files\": %zu, \"errors\": %zu, \"warnings\": %zu, "
          "\"findings\": [",
          fl->n_files, ne, fl->n - ne);
  for (size_t i = 0; i < fl->n; i++) {
    const Finding *f = &fl->v[i];
    const VRule *r = validate_rule(f->rule);
    fprintf(fp,
            "%s\n  {\"rule\": \"%s\", \"name\": \"%s\", \"severity\": "
            "\"%s\", \"file\": ",
            i ? "," : "", r->code, r->name, sev_word(f->severity));
    put_json_str(fp, f->file);
    fprintf(fp, ", \"line\": %d, \"col\": %d, \"path\": ", f->line, f->col);
    put_json_str(fp, f->path);
    if (f->expr_col) {
      fprintf(fp, ", \"exprCol\": %d, \"expression\": ", f->expr_col);
      put_json_str(fp, f->expr);
    }
    fputs(", \"message\": ", fp);
    put_json_str(fp, f->msg);
    fputc('}', fp);
  }
  fputs(fl->n ? "\n]}\n" : "]}\n", fp);
}

static void write_junit(const FindingList *fl, FILE *fp)
{
  size_t ne = findings_count_at_least(fl, VSEV_ERROR);
  fprintf(fp,
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
          "<testsuites name=\"adfrun validate\" tests=\"%zu\" "
          "failures=\"%zu\">\n"
          "  <testsuite name=\"adfrun validate\" tests=\"%zu\" "
          "failures=\"%zu\" errors=\"0\">\n",
          fl->n ? fl->n : 1, ne, fl->n ? fl->n : 1, ne);
  if (!fl->n)
    fprintf(fp,
            "    <testcase classname=\"adfrun.validate\" "
            "name=\"%zu files\"/>\n",
            fl->n_files);
  for (size_t i = 0; i < fl->n; i++) {
    const Finding *f = &fl->v[i];
    const VRule *r = validate_rule(f->rule);
    fputs("    <testcase classname=\"", fp);
    put_xml(fp, f->file ? f->file : "<input>");
    fprintf(fp, "\" name=\"%s at %d:%d ", r->code, f->line, f->col);
    put_xml(fp, f->path);
    fputs("\" file=\"", fp);
    put_xml(fp, f->file);
    fprintf(fp, "\" line=\"%d\">\n", f->line);
    if (f->severity == VSEV_ERROR) {
      fprintf(fp, "      <failure type=\"%s\" message=\"", r->code);
      put_xml(fp, f->msg);
      fputs("\">", fp);
      put_xml(fp, f->file);
      fprintf(fp, ":%d:%d: %s[%s]: ", f->line, f->col, sev_word(f->severity),
              r->code);
      put_xml(fp, f->msg);
      fputs("</failure>\n", fp);
    } else {
      fputs("      <system-out>warning: ", fp);
      put_xml(fp, f->msg);
      fputs("</system-out>\n", fp);
    }
    fputs("    </testcase>\n", fp);
  }
  fputs("  </testsuite>\n</testsuites>\n", fp);
}

static void write_sarif(const FindingList *fl, FILE *fp)
{
  fputs("{\n  \"$schema\": \"https://json.schemastore.org/sarif-2.1.0.json\",\n"
        "  \"version\": \"2.1.0\",\n  \"runs\": [{\n"
        "    \"tool\": {\"driver\": {\"name\": \"adfrun\", "
        "\"informationUri\": \"https://github.com/adfrun/adfrun\", ",
        fp);
  fprintf(fp, "\"version\": \"%s\", \"rules\": [", adf_version());
  for (size_t i = 0; i < VR__COUNT; i++) {
    const VRule *r = validate_rule((VRuleId)i);
    fprintf(fp,
            "%s\n      {\"id\": \"%s\", \"name\": \"%s\", "
            "\"shortDescription\": {\"text\": ",
            i ? "," : "", r->code, r->name);
    put_json_str(fp, r->summary);
    fprintf(fp, "}, \"defaultConfiguration\": {\"level\": \"%s\"}}",
            sev_word(r->severity));
  }
  fputs("]}},\n    \"results\": [", fp);
  for (size_t i = 0; i < fl->n; i++) {
    const Finding *f = &fl->v[i];
    const VRule *r = validate_rule(f->rule);
    fprintf(fp,
            "%s\n      {\"ruleId\": \"%s\", \"ruleIndex\": %d, "
            "\"level\": \"%s\", \"message\": {\"text\": ",
            i ? "," : "", r->code, (int)f->rule, sev_word(f->severity));
    put_json_str(fp, f->msg);
    fputs("}, \"locations\": [{\"physicalLocation\": {\"artifactLocation\": "
          "{\"uri\": ",
          fp);
    put_uri(fp, f->file);
    fputs("}", fp);
    if (f->line)
      fprintf(fp, ", \"region\": {\"startLine\": %d, \"startColumn\": %d}",
              f->line, f->col ? f->col : 1);
    fputs("}, \"logicalLocations\": [{\"fullyQualifiedName\": ", fp);
    put_json_str(fp, f->path);
    fputs("}]}]}", fp);
  }
  fputs(fl->n ? "\n    ]\n  }]\n}\n" : "]\n  }]\n}\n", fp);
}

static void write_github(const FindingList *fl, FILE *fp)
{
  for (size_t i = 0; i < fl->n; i++) {
    const Finding *f = &fl->v[i];
    const VRule *r = validate_rule(f->rule);
    fprintf(fp, "::%s file=", sev_word(f->severity));
    put_gh(fp, f->file ? f->file : "", true);
    if (f->line)
      fprintf(fp, ",line=%d,col=%d", f->line, f->col);
    fprintf(fp, ",title=%s %s::", r->code, r->name);
    put_gh(fp, f->msg, false);
    fputc('\n', fp);
  }
  size_t ne = findings_count_at_least(fl, VSEV_ERROR);
  fprintf(fp, "%zu file%s checked: %zu error%s, %zu warning%s\n", fl->n_files,
          fl->n_files == 1 ? "" : "s", ne, ne == 1 ? "" : "s", fl->n - ne,
          fl->n - ne == 1 ? "" : "s");
}

void validate_write(const FindingList *fl, VFormat fmt, FILE *fp)
{
  switch (fmt) {
  case VFMT_TEXT:
    write_text(fl, fp);
    break;
  case VFMT_JSON:
    write_json(fl, fp);
    break;
  case VFMT_JUNIT:
    write_junit(fl, fp);
    break;
  case VFMT_SARIF:
    write_sarif(fl, fp);
    break;
  case VFMT_GITHUB:
    write_github(fl, fp);
    break;
  }
}
