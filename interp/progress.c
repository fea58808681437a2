/*
 * interp/progress.c -- human output of `adfrun run` on stderr: a live view
 *                      on a terminal, plain lines otherwise, a summary
 *
 * Plain mode (stderr not a terminal, or TERM=dumb): one line per activity
 * event.  Live mode: a block of one line per activity (per definition, so
 * a ForEach child is one line showing its latest iteration), container
 * children indented under their container, redrawn in place with ANSI
 * cursor movement at most 10 times a second of real time; the final
 * block stays on screen above the summary.  --quiet keeps only the
 * summary; colours follow NO_COLOR/--no-color.  Durations are engine-clock
 * durations (virtual under --clock virtual).  Names, messages and log
 * lines pass through safe_text(): no control character or bidi override
 * from a definition or a server reaches the terminal (JSON is untouched).
 */
#include "interp/sched.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "expr/strbuf.h"
#include "interp/report.h"
#include "interp/run.h"

#define REDRAW_NS 100000000LL /* 10 redraws a second at most */

/* One line of the live view: one activity definition under one parent
 * line (a child pipeline's activities sit under their ExecutePipeline). */
typedef struct Row {
  const ActivityDef *def; /* borrowed */
  long parent;            /* row id of the enclosing line, -1 at top */
  int depth;
  RunStatus status;     /* of the latest event */
  int64_t start, end;   /* of the latest attempt (engine ticks) */
  int iteration, retry; /* of the latest attempt */
  size_t n_active;      /* attempts in progress */
  size_t n_runs, n_failed;
  char *msg; /* owned: error of the latest failed attempt, or NULL */
} Row;

struct Progress {
  FILE *out;
  bool quiet, color;
  size_t n_ok, n_failed, n_skipped, n_cancelled;
  /* live view */
  bool live;
  const Clock *clk; /* borrowed */
  Row *rows;        /* by id */
  size_t n_rows;
  size_t *order; /* row ids in display order */
  long last_row; /* cache of the latest looked-up row */
  int drawn;     /* lines of the block currently on screen */
  int64_t last_draw_ns;
  bool dirty, utf8;
  unsigned spin;
  FILE *log; /* owned: memstream the engine logs into */
  char *log_buf;
  size_t log_len;
  char *header; /* owned: the run line printed above the block */
};

Progress *progress_new(FILE *out, bool quiet, bool color)
{
  Progress *p = xcalloc(1, sizeof(*p));

  p->out = out;
  p->quiet = quiet;
  p->color = color;
  p->last_row = -1;
  return p;
}

/* Appends 's' with every byte that could steer a terminal made visible:
 * C0 controls and DEL as \n \r \t \e or \xHH, C1 controls and bidi
 * overrides as \uHHHH, bytes that are not well-formed UTF-8 as \xHH.
 * With 'lines', '\n' is kept (log text made of whole lines). */
static void put_safe(StrBuf *sb, const char *s, bool lines)
{
  const unsigned char *p = (const unsigned char *)s;
  while (*p) {
    unsigned char c = *p;
    if (c < 0x20 || c == 0x7F) {
      if (c == '\n' && lines)
        sb_putc(sb, '\n');
      else if (c == '\n')
        sb_puts(sb, "\\n");
      else if (c == '\r')
        sb_puts(sb, "\\r");
      else if (c == '\t')
        sb_puts(sb, "\\t");
      else if (c == 0x1B)
        sb_puts(sb, "\\e");
      else
        sb_printf(sb, "\\x%02X", c);
      p++;
      continue;
    }
    if (c < 0x80) {
      sb_putc(sb, (char)c);
      p++;
      continue;
    }
    size_t n = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (c > 0xF4)
      n = 0;
    uint32_t cp = n == 2 ? c & 0x1Fu : n == 3 ? c & 0x0Fu : c & 0x07u;
    size_t i;
    for (i = 1; i < n && (p[i] & 0xC0) == 0x80; i++)
      cp = cp << 6 | (p[i] & 0x3Fu);
    /* Overlong forms and surrogates are not well-formed either. */
    if (n == 0 || i < n ||
        (n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp < 0xE000))) ||
        (n == 4 && (cp < 0x10000 || cp > 0x10FFFF))) {
      sb_printf(sb, "\\x%02X", c);
      p++;
      continue;
    }
    if ((cp >= 0x80 && cp < 0xA0) || (cp >= 0x202A && cp <= 0x202E) ||
        (cp >= 0x2066 && cp <= 0x2069))
      sb_printf(sb, "\\u%04X", (unsigned)cp);
    else
      sb_put(sb, (const char *)p, n);
    p += n;
  }
}

/* safe_text() of 's' as a malloc'd string ("" for NULL). */
static char *safe_text(const char *s)
{
  StrBuf sb;
  sb_init(&sb);
  put_safe(&sb, s ? s : "", false);
  return sb_take(&sb);
}

/* Error messages can quote what a server sent back (tokens, SecureString
 * values): redact them with every secret the engine knows before they
 * reach the terminal, then make control characters visible.  Returns a
 * malloc'd string, or NULL for NULL. */
static char *redacted(const PipelineRun *run, const char *msg)
{
  size_t n = 0;
  const char *const *secrets;
  if (!msg)
    return NULL;
  secrets = engine_secrets(run->eng, &n);
  char *red = report_redact(msg, secrets, n);
  char *safe = safe_text(red);
  free(red);
  return safe;
}

void progress_free(Progress *p)
{
  size_t i;

  if (!p)
    return;
  for (i = 0; i < p->n_rows; i++)
    free(p->rows[i].msg);
  free(p->rows);
  free(p->order);
  if (p->log)
    fclose(p->log);
  free(p->log_buf);
  free(p->header);
  free(p);
}

FILE *progress_live(Progress *p, const Clock *clk)
{
  const char *lang = getenv("LC_ALL");

  if (p->quiet)
    return NULL;
  if (!lang || !*lang)
    lang = getenv("LC_CTYPE");
  if (!lang || !*lang)
    lang = getenv("LANG");
  p->utf8 = lang && (strstr(lang, "UTF-8") || strstr(lang, "utf8") ||
                     strstr(lang, "UTF8") || strstr(lang, "utf-8"));
  p->live = true;
  p->clk = clk;
  p->log = open_memstream(&p->log_buf, &p->log_len);
  return p->log;
}

static const char *paint(const Progress *p, RunStatus st)
{
  if (!p->color)
    return "";
  switch (st) {
  case RS_SUCCEEDED:
    return "\033[32m";
  case RS_FAILED:
  case RS_CANCELLED:
    return "\033[31m";
  case RS_SKIPPED:
  case RS_INACTIVE:
    return "\033[90m";
  default:
    return "\033[36m";
  }
}

static void duration(int64_t ticks, char *buf, size_t cap)
{
  double s = (double)ticks / TICKS_PER_SECOND;

  if (s < 1)
    snprintf(buf, cap, "%.0fms", s * 1000);
  else if (s < 120)
    snprintf(buf, cap, "%.1fs", s);
  else {
    long m = (long)(s / 60);
    snprintf(buf, cap, "%ldm%02lds", m, (long)s - m * 60);
  }
}

static void count(Progress *p, const struct RepEntry *e)
{
  if (e->status == RS_SUCCEEDED)
    p->n_ok++;
  else if (e->status == RS_FAILED)
    p->n_failed++;
  else if (e->status == RS_CANCELLED)
    p->n_cancelled++;
  else if (e->status == RS_SKIPPED)
    p->n_skipped++;
}

/* ---- Plain lines ----------------------------------------------------------
 */

static void plain_event(Progress *p, EngEvent ev, const PipelineRun *run,
                        const struct RepEntry *e)
{
  const char *reset = p->color ? "\033[0m" : "";
  const char *indent = run->parent ? "    " : "  ";
  char it[32] = "", dur[32];

  if (e && e->iteration)
    snprintf(it, sizeof(it), " #%d", e->iteration);
  char *name =
      safe_text(ev == EV_RUN_START || !e ? run->pl->name : e->def->name);
  switch (ev) {
  case EV_RUN_START:
    fprintf(p->out, "%s%s pipeline '%s' run %s%s\n", p->color ? "\033[1m" : "",
            run->parent ? "  child" : "run", name, run->run_id, reset);
    break;
  case EV_ACT_START:
    fprintf(p->out, "%s%s%-10s%s %s%s%s\n", indent, paint(p, RS_IN_PROGRESS),
            "started", reset, name, it, e->retry_attempt ? " (retry)" : "");
    break;
  case EV_ACT_END:
    duration(e->end - e->start, dur, sizeof(dur));
    {
      char *msg = e->has_error ? redacted(run, e->err_msg) : NULL;
      fprintf(p->out, "%s%s%-10s%s %s%s  %s%s%s\n", indent,
              paint(p, (RunStatus)e->status),
              sched_status_name((RunStatus)e->status), reset, name, it, dur,
              msg ? ": " : "", msg ? msg : "");
      free(msg);
    }
    break;
  case EV_ACT_SKIPPED:
    fprintf(p->out, "%s%s%-10s%s %s%s\n", indent,
            paint(p, (RunStatus)e->status),
            sched_status_name((RunStatus)e->status), reset, name, it);
    break;
  case EV_RUN_END:
    break;
  }
  free(name);
  fflush(p->out);
}

/* ---- Live view: rows --------------------------------------------------------
 */

static long row_find(Progress *p, const ActivityDef *def, long parent)
{
  size_t i;

  if (p->last_row >= 0 && p->rows[p->last_row].def == def &&
      p->rows[p->last_row].parent == parent)
    return p->last_row;
  for (i = p->n_rows; i-- > 0;)
    if (p->rows[i].def == def && p->rows[i].parent == parent)
      return p->last_row = (long)i;
  return -1;
}

/* A new row goes after its parent's last descendant (or at the end). */
static long row_add(Progress *p, const ActivityDef *def, long parent)
{
  size_t id = p->n_rows, pos = p->n_rows, i;
  Row *r;

  p->rows = xrealloc(p->rows, (p->n_rows + 1) * sizeof(Row));
  p->order = xrealloc(p->order, (p->n_rows + 1) * sizeof(size_t));
  r = &p->rows[id];
  memset(r, 0, sizeof(*r));
  r->def = def;
  r->parent = parent;
  r->depth = parent >= 0 ? p->rows[parent].depth + 1 : 0;
  r->status = RS_PENDING;
  if (parent >= 0) {
    for (i = 0; i < p->n_rows && p->order[i] != (size_t)parent; i++)
      ;
    for (i++; i < p->n_rows && p->rows[p->order[i]].depth > r->depth - 1; i++)
      ;
    pos = i;
  }
  memmove(p->order + pos + 1, p->order + pos,
          (p->n_rows - pos) * sizeof(size_t));
  p->order[pos] = id;
  p->n_rows++;
  return p->last_row = (long)id;
}

/* The row of 'def' as run by 'run' (created with its ancestors). */
static long row_of(Progress *p, const PipelineRun *run, const ActivityDef *def)
{
  long parent = -1, id;

  if (def->parent)
    parent = row_of(p, run, def->parent);
  else if (run->parent && run->caller)
    parent = row_of(p, run->parent, act_def(run->caller));
  id = row_find(p, def, parent);
  return id >= 0 ? id : row_add(p, def, parent);
}

static void row_event(Progress *p, EngEvent ev, const PipelineRun *run,
                      const struct RepEntry *e)
{
  long id = row_of(p, run, e->def); /* may move p->rows */
  Row *r = &p->rows[id];

  r->status = (RunStatus)e->status;
  r->iteration = e->iteration;
  r->retry = e->retry_attempt;
  switch (ev) {
  case EV_ACT_START:
    r->n_active++;
    r->n_runs++;
    r->start = e->start;
    r->end = 0;
    break;
  case EV_ACT_END:
    if (r->n_active)
      r->n_active--;
    if (e->status == RS_FAILED) {
      r->n_failed++;
      free(r->msg);
      r->msg = redacted(run, e->err_msg);
    }
    if (r->n_active) { /* other iterations still running */
      r->status = RS_IN_PROGRESS;
      break;
    }
    r->start = e->start;
    r->end = e->end;
    break;
  case EV_ACT_SKIPPED:
    r->n_runs++;
    r->start = r->end = e->start;
    break;
  default:
    break;
  }
  p->dirty = true;
}

/* ---- Live view: drawing -----------------------------------------------------
 */

static int64_t mono_ns(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void term_size(const Progress *p, int *cols, int *lines)
{
  *cols = 80;
  *lines = 24;
#ifdef TIOCGWINSZ
  {
    struct winsize ws;
    if (ioctl(fileno(p->out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
      *cols = ws.ws_col;
      *lines = ws.ws_row > 0 ? ws.ws_row : 24;
    }
  }
#else
  (void)p;
#endif
}

/* Appends 's' to 'sb' while the line has room ('*room' columns; UTF-8
 * continuation bytes take none).  Control characters become spaces. */
static void put_cols(StrBuf *sb, const char *s, int *room)
{
  for (; *s && *room > 0; s++) {
    unsigned char c = (unsigned char)*s;
    if ((c & 0xC0) == 0x80) {
      sb_putc(sb, (char)c);
      continue;
    }
    sb_putc(sb, c < 0x20 || c == 0x7F ? ' ' : (char)c);
    (*room)--;
  }
  /* finish a cut multi-byte character */
  while ((((unsigned char)*s) & 0xC0) == 0x80)
    sb_putc(sb, *s++);
}

static const char *glyph(const Progress *p, const Row *r)
{
  static const char *const spin_utf[] = {"⠋", "⠙", "⠹", "⠸", "⠼",
                                         "⠴", "⠦", "⠧", "⠇", "⠏"};
  static const char *const spin_ascii[] = {"|", "/", "-", "\\"};

  switch (r->status) {
  case RS_PENDING:
    return p->utf8 ? "·" : ".";
  case RS_IN_PROGRESS:
    return p->utf8 ? spin_utf[p->spin % 10] : spin_ascii[p->spin % 4];
  case RS_SUCCEEDED:
    return p->utf8 ? "✔" : "+";
  case RS_FAILED:
    return p->utf8 ? "✘" : "x";
  case RS_SKIPPED:
    return p->utf8 ? "↷" : "-";
  case RS_CANCELLED:
    return p->utf8 ? "⊘" : "!";
  default:
    return p->utf8 ? "○" : "o";
  }
}

static void draw_row(Progress *p, const Row *r, int cols, StrBuf *sb)
{
  char buf[96], dur[32];
  int room = cols - 1, d;

  sb_puts(sb, paint(p, r->status));
  put_cols(sb, glyph(p, r), &room);
  snprintf(buf, sizeof(buf), " %-10s",
           r->status == RS_PENDING ? "Queued" : sched_status_name(r->status));
  put_cols(sb, buf, &room);
  if (p->color)
    sb_puts(sb, "\033[0m");
  put_cols(sb, " ", &room);
  for (d = 0; d < r->depth; d++)
    put_cols(sb, "  ", &room);
  char *name = safe_text(r->def->name);
  put_cols(sb, name, &room);
  free(name);
  if (r->iteration) {
    snprintf(buf, sizeof(buf), " #%d", r->iteration);
    put_cols(sb, buf, &room);
  }
  if (r->status == RS_IN_PROGRESS || r->end > r->start ||
      r->status == RS_SUCCEEDED || r->status == RS_FAILED ||
      r->status == RS_CANCELLED) {
    int64_t end = r->status == RS_IN_PROGRESS ? clk_now(p->clk) : r->end;
    duration(end > r->start ? end - r->start : 0, dur, sizeof(dur));
    snprintf(buf, sizeof(buf), "  %s", dur);
    put_cols(sb, buf, &room);
  }
  if (r->retry) {
    snprintf(buf, sizeof(buf), "  (retry %d)", r->retry);
    put_cols(sb, buf, &room);
  }
  if (r->n_runs > 1) {
    if (r->n_failed)
      snprintf(buf, sizeof(buf), "  (%zu runs, %zu failed)", r->n_runs,
               r->n_failed);
    else
      snprintf(buf, sizeof(buf), "  (%zu runs)", r->n_runs);
    put_cols(sb, buf, &room);
  }
  if (r->msg && r->status == RS_FAILED) {
    put_cols(sb, ": ", &room);
    put_cols(sb, r->msg, &room);
  }
  sb_puts(sb, "\033[K\n");
}

/* Redraws the block.  'final' draws every row (the block may then scroll
 * off the top: it is never redrawn again). */
static void draw(Progress *p, bool final)
{
  StrBuf sb;
  int cols, lines, max, shown = 0;
  size_t i, first = 0;

  term_size(p, &cols, &lines);
  sb_init(&sb);
  if (p->drawn > 0)
    sb_printf(&sb, "\r\033[%dA", p->drawn);
  sb_puts(&sb, "\r\033[J"); /* clear the old block */
  if (p->log) {             /* log lines go above the block */
    fflush(p->log);
    if (p->log_len) {
      char *text = xstrndup(p->log_buf, p->log_len);
      put_safe(&sb, text, true);
      free(text);
      fseeko(p->log, 0, SEEK_SET);
      fflush(p->log);
    }
  }
  if (p->header) {
    sb_puts(&sb, p->header);
    free(p->header);
    p->header = NULL;
  }
  max = lines - 2 > 1 ? lines - 2 : 1;
  if (!final && p->n_rows > (size_t)max) {
    first = p->n_rows - (size_t)max + 1;
    sb_printf(&sb, "  ... %zu more above\033[K\n", first);
    shown++;
  }
  for (i = first; i < p->n_rows; i++) {
    draw_row(p, &p->rows[p->order[i]], cols, &sb);
    shown++;
  }
  p->drawn = final ? 0 : shown;
  fwrite(sb.s, 1, sb.len, p->out);
  fflush(p->out);
  sb_fini(&sb);
  p->spin++;
  p->dirty = false;
  p->last_draw_ns = mono_ns();
}

static void maybe_draw(Progress *p, bool force)
{
  int64_t now = mono_ns();

  if (force || now - p->last_draw_ns >= REDRAW_NS)
    draw(p, false);
}

void progress_idle(void *ud)
{
  Progress *p = ud;
  bool running = false;
  size_t i;

  if (!p->live)
    return;
  for (i = 0; i < p->n_rows && !running; i++)
    running = p->rows[i].n_active > 0;
  if (p->dirty || running) /* elapsed times tick */
    maybe_draw(p, false);
}

/* ---- Listener ---------------------------------------------------------------
 */

void progress_listener(void *ud, EngEvent ev, const PipelineRun *run,
                       const struct RepEntry *e)
{
  Progress *p = ud;

  if (ev == EV_ACT_END || ev == EV_ACT_SKIPPED)
    count(p, e);
  if (p->quiet)
    return;
  if (!p->live) {
    plain_event(p, ev, run, e);
    return;
  }
  if (ev == EV_RUN_START && !run->parent) {
    StrBuf h;
    sb_init(&h);
    char *name = safe_text(run->pl->name);
    sb_printf(&h, "%srun pipeline '%s' run %s%s\n", p->color ? "\033[1m" : "",
              name, run->run_id, p->color ? "\033[0m" : "");
    free(name);
    free(p->header);
    p->header = sb_take(&h);
    maybe_draw(p, true);
    return;
  }
  if (e && (ev == EV_ACT_START || ev == EV_ACT_END || ev == EV_ACT_SKIPPED)) {
    row_event(p, ev, run, e);
    maybe_draw(p, false);
  }
}

void progress_summary(Progress *p, const PipelineRun *run)
{
  const char *reset = p->color ? "\033[0m" : "";
  char dur[32];

  if (p->live)
    draw(p, true);
  duration(run->end - run->start, dur, sizeof(dur));
  char *msg = redacted(run, run->message);
  char *name = safe_text(run->pl->name);
  fprintf(p->out,
          "%s%s%s: pipeline '%s' in %s (%zu succeeded, %zu failed, "
          "%zu skipped, %zu cancelled)%s%s\n",
          paint(p, run->status), sched_status_name(run->status), reset, name,
          dur, p->n_ok, p->n_failed, p->n_skipped, p->n_cancelled,
          msg && *msg ? ": " : "", msg ? msg : "");
  free(msg);
  free(name);
  fflush(p->out);
}
