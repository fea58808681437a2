/*
 * expr/parse.c -- recursive-descent parser for ADF templates and expressions
 *
 * The template scanner finds "@expr", "@{...}" and "@@" escapes; each
 * expression is parsed into Nodes in an Arena.  Errors longjmp back to
 * expr_parse_template() (the one setjmp allowed, STYLE §4); the only
 * refcounted things, literal Values, are chained on Template.lits as they
 * are made, so the unwinding drops them and nothing leaks.
 */
#include "expr/parse.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr/eval.h"
#include "expr/lex.h"
#include "expr/strbuf.h"

/* ---- Arena -------------------------------------------------------------- */

struct ArenaBlock {
  ArenaBlock *next;
  size_t size;
  max_align_t data[]; /* aligned storage follows */
};

/* Arena granule: every allocation is rounded up to it, so 'p' stays
 * aligned without padding arithmetic. */
#define ARENA_ALIGN 8

void expr_arena_init(Arena *a, void *buf, size_t n)
{
  a->blocks = NULL;
  a->p = buf;
  a->left = buf ? n & ~(size_t)(ARENA_ALIGN - 1) : 0;
}

void *expr_arena_alloc(Arena *a, size_t n)
{
  n = n ? (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1) : ARENA_ALIGN;
  if (n <= a->left) {
    void *r = a->p;
    a->p += n;
    a->left -= n;
    return r;
  }
  size_t size = n > 2048 ? n : 2048;
  ArenaBlock *b = xmalloc(sizeof(ArenaBlock) + size);
  b->next = a->blocks;
  b->size = size;
  a->blocks = b;
  a->p = (char *)b->data + n;
  a->left = size - n;
  return b->data;
}

void expr_arena_fini(Arena *a)
{
  ArenaBlock *b = a->blocks, *next;
  for (; b; b = next) {
    next = b->next;
    free(b);
  }
  a->blocks = NULL;
  a->p = NULL;
  a->left = 0;
}

static char *arena_strndup(Arena *a, const char *s, size_t n)
{
  char *d = expr_arena_alloc(a, n + 1);
  memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

/* ---- Locations ---------------------------------------------------------- */

void expr_line_col(const char *src, size_t off, int *line, int *col)
{
  int l = 1, c = 1;
  for (size_t i = 0; i < off; i++) {
    unsigned char ch = (unsigned char)src[i];
    if (ch == '\n') {
      l++;
      c = 1;
    } else if ((ch & 0xC0) != 0x80) {
      c++; /* count characters, not UTF-8 continuation bytes */
    }
  }
  *line = l;
  *col = c;
}

void expr_set_loc(SrcLoc *loc, const char *src, size_t len, size_t off,
                  size_t span)
{
  const size_t cap = sizeof(loc->expr) - 1;
  size_t start = 0, n = len;

  if (len > cap) {
    start = off > cap / 2 ? off - cap / 2 : 0;
    while (start > 0 && start < len &&
           ((unsigned char)src[start] & 0xC0) == 0x80)
      start++;
    n = len - start < cap ? len - start : cap;
  }
  for (size_t i = 0; i < n; i++) {
    char c = src[start + i];
    /* One line for the caret printer. */
    loc->expr[i] = (c == '\n' || c == '\r' || c == '\0') ? ' ' : c;
  }
  loc->expr[n] = '\0';
  loc->off = (int)(off - start);
  loc->len = (int)(span ? span : 1);
}

/* ---- Parser state ------------------------------------------------------- */

typedef struct Parser {
  Arena *a;
  const char *src; /* the whole template; src[len] is '\0' */
  size_t len;
  Template *out; /* its lits chain survives the longjmp (not a local) */
  Lexer lx;
  Token tok; /* current (lookahead) token */
  int depth;
  Err *err;
  jmp_buf jb;
} Parser;

/* Records an error at bytes [off, off+span) and unwinds to
 * expr_parse_template(). */
static _Noreturn void fail_at(Parser *P, ErrCode code, size_t off, size_t span,
                              const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static _Noreturn void fail_at(Parser *P, ErrCode code, size_t off, size_t span,
                              const char *fmt, ...)
{
  char msg[900];
  va_list ap;
  SrcLoc loc;

  memset(&loc, 0, sizeof(loc));
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  expr_set_loc(&loc, P->src, P->len, off, span);
  err_set(P->err, code, &loc, "%s", msg);
  longjmp(P->jb, 1);
}

/* A syntax error: "line:col: message". */
static _Noreturn void syntax_at(Parser *P, size_t off, size_t span,
                                const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static _Noreturn void syntax_at(Parser *P, size_t off, size_t span,
                                const char *fmt, ...)
{
  char msg[800];
  va_list ap;
  int line, col;

  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  expr_line_col(P->src, off, &line, &col);
  fail_at(P, ERR_EXPR_SYNTAX, off, span, "%d:%d: %s", line, col, msg);
}

static _Noreturn void lex_fail(Parser *P)
{
  if (P->src[P->tok.off] == '\0')
    syntax_at(P, P->tok.off, 1, "unexpected NUL character");
  if (P->lx.msg && strcmp(P->lx.msg, "unexpected character") == 0)
    syntax_at(P, P->tok.off, 1, "unexpected character '%c'",
              P->src[P->tok.off]);
  syntax_at(P, P->tok.off, P->tok.len, "%s", P->lx.msg);
}

static void advance(Parser *P)
{
  lex_next(&P->lx, &P->tok);
  if (P->tok.kind == TK_ERROR)
    lex_fail(P);
}

/* Describes the current token for "got ..." messages. */
static void describe(Parser *P, char *buf, size_t n)
{
  const Token *t = &P->tok;
  if (t->kind == TK_EOF || t->kind == TK_RBRACE || t->kind == TK_ERROR)
    snprintf(buf, n, "%s", lex_kind_name(t->kind));
  else
    snprintf(buf, n, "'%.*s'", (int)(t->len > 40 ? 40 : t->len),
             P->src + t->off);
}

static Node *new_node(Parser *P, NodeKind k, size_t off)
{
  Node *n = expr_arena_alloc(P->a, sizeof(Node));
  *n = (Node){.kind = (uint8_t)k, .off = (uint32_t)off};
  return n;
}

/* ---- Function resolution ------------------------------------------------ */

/* The table rows the evaluator implements itself (accessors read the
 * EvalEnv; and/or/if are lazy).  Their arity comes from the table like
 * every other row's (ADF's and/or take exactly two: ADF-SPEC 1.3). */
static const struct {
  const char *name;
  CallKind kind;
} specials[] = {
    {"activity", CALL_ACTIVITY},
    {"and", CALL_AND},
    {"dataset", CALL_DATASET},
    {"if", CALL_IF},
    {"item", CALL_ITEM},
    {"linkedService", CALL_LINKED_SERVICE},
    {"or", CALL_OR},
    {"pipeline", CALL_PIPELINE},
    {"variables", CALL_VARIABLES},
};

static bool name_eq_ci(const char *a, size_t alen, const char *b)
{
  size_t i = 0;
  for (; i < alen && b[i]; i++) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z')
      x = (char)(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z')
      y = (char)(y - 'A' + 'a');
    if (x != y)
      return false;
  }
  return i == alen && b[i] == '\0';
}

/* How a resolved name is called. */
typedef struct FnInfo {
  const char *name; /* ADF spelling; NULL: empty hash slot */
  uint32_t len;
  CallKind kind;
  const Builtin *bi; /* CALL_BUILTIN */
  int min, max;
} FnInfo;

/* The slow, authoritative lookup in the builtin table.  False for an
 * unknown name or a row with neither a special kind nor an
 * implementation. */
static bool fn_lookup_slow(const char *name, size_t len, FnInfo *out)
{
  const Builtin *bi = builtin_find(name, len);

  if (!bi)
    return false;
  *out = (FnInfo){.name = bi->name,
                  .len = (uint32_t)strlen(bi->name),
                  .kind = CALL_BUILTIN,
                  .bi = bi,
                  .min = bi->min_args,
                  .max = bi->max_args};
  for (size_t i = 0; i < sizeof(specials) / sizeof(specials[0]); i++) {
    if (strcmp(specials[i].name, bi->name) == 0) {
      out->kind = specials[i].kind;
      out->bi = NULL;
      return true;
    }
  }
  return bi->fn != NULL;
}

/* A case-insensitive hash set over the same names, filled on first use
 * (the interpreter is single-threaded).  It only caches the slow
 * lookup: a name it misses goes through fn_lookup_slow(), so it can
 * never disagree with the table.  Function names are [A-Za-z0-9_], for
 * which (c | 0x20) folds case exactly. */
#define FN_SLOTS 512

static FnInfo fn_slots[FN_SLOTS];
static bool fn_ready;

/* O(1): the length and three folded bytes, mixed by one multiply.  Names
 * sharing all four just probe further. */
static uint32_t fn_hash(const char *s, size_t len)
{
  uint32_t h = (uint32_t)len;
  h = (h << 8) ^ ((unsigned char)s[0] | 0x20u);
  h = (h << 8) ^ ((unsigned char)s[len / 2] | 0x20u);
  h = (h << 8) ^ ((unsigned char)s[len - 1] | 0x20u);
  _Static_assert(FN_SLOTS == 512, "fn_hash() returns 9 bits");
  return (h * 2654435761u) >> 23;
}

static bool fn_eq_fold(const char *a, const char *b, size_t len)
{
  for (size_t i = 0; i < len; i++)
    if (((unsigned char)a[i] | 0x20u) != ((unsigned char)b[i] | 0x20u))
      return false;
  return true;
}

static void fn_insert(const char *name, size_t len)
{
  FnInfo info;
  uint32_t h;

  if (!fn_lookup_slow(name, len, &info))
    return;
  for (h = fn_hash(name, len);; h++) {
    FnInfo *slot = &fn_slots[h % FN_SLOTS];
    if (!slot->name) {
      *slot = info;
      return;
    }
    if (slot->len == len && fn_eq_fold(slot->name, name, len))
      return; /* already there */
  }
}

static void fn_build(void)
{
  size_t n = builtin_count();

  /* Keep the load factor at or below 1/2; beyond that, fall back. */
  if (n <= FN_SLOTS / 2) {
    for (size_t i = 0; i < n; i++)
      fn_insert(builtin_at(i)->name, strlen(builtin_at(i)->name));
  }
  fn_ready = true;
}

static bool fn_lookup(const char *name, size_t len, FnInfo *out)
{
  if (!fn_ready)
    fn_build();
  for (uint32_t h = fn_hash(name, len);; h++) {
    const FnInfo *slot = &fn_slots[h % FN_SLOTS];
    if (!slot->name)
      break;
    if (slot->len == len && fn_eq_fold(slot->name, name, len)) {
      *out = *slot;
      return true;
    }
  }
  return fn_lookup_slow(name, len, out);
}

static const char *const number_words[] = {"no",    "one",  "two", "three",
                                           "four",  "five", "six", "seven",
                                           "eight", "nine", "ten"};

static const char *num_word(int n, char *buf, size_t cap)
{
  if (n >= 0 && n <= 10)
    return number_words[n];
  snprintf(buf, cap, "%d", n);
  return buf;
}

/* Fails with ADF-style arity text, e.g. "The template language function
 * 'and' expects exactly two parameters but was given 3." */
static _Noreturn void arity_fail(Parser *P, const Node *call, int min, int max,
                                 const char *fn)
{
  char b1[16], b2[16], want[80];
  if (min == max)
    snprintf(want, sizeof(want), "exactly %s parameter%s",
             num_word(min, b1, sizeof(b1)), min == 1 ? "" : "s");
  else if (max == ARGS_ANY)
    snprintf(want, sizeof(want), "at least %s parameter%s",
             num_word(min, b1, sizeof(b1)), min == 1 ? "" : "s");
  else
    snprintf(want, sizeof(want), "between %s and %s parameters",
             num_word(min, b1, sizeof(b1)), num_word(max, b2, sizeof(b2)));
  if (min == 0 && max == 0)
    snprintf(want, sizeof(want), "no parameters");
  fail_at(P, ERR_EXPR_ARITY, call->off, call->len,
          "The template language function '%s' expects %s but was given %d.",
          fn, want, call->n_args);
}

static void resolve_call(Parser *P, Node *n)
{
  FnInfo f;

  if (!fn_lookup(n->name, n->name_len, &f))
    fail_at(P, ERR_EXPR_UNKNOWN_FUNCTION, n->off, n->name_len,
            "The template function '%.*s' is not defined or not valid.",
            (int)n->name_len, n->name);
  n->call = (uint8_t)f.kind;
  n->fn_name = f.name;
  n->bi = f.bi; /* NULL for the evaluator's own functions */
  n->max_args = f.max;
  if (n->n_args < f.min || (f.max != ARGS_ANY && n->n_args > f.max))
    arity_fail(P, n, f.min, f.max, f.name);
}

/* ---- Literals ----------------------------------------------------------- */

/* Literal strings compared against for sharing one Value (a template
 * often repeats an activity name). */
#define LIT_SHARE_SCAN 8

/* Gives literal node 'n' the owned value 'v' and chains it for release. */
static void own_literal(Parser *P, Node *n, Value *v)
{
  n->val = v;
  n->next_lit = P->out->lits;
  P->out->lits = n;
}

/* A string literal's Value: shared with an equal earlier literal when
 * one is near, else new. */
static Value *string_value(Parser *P, const char *s, size_t len)
{
  const Node *m = P->out->lits;
  for (int i = 0; m && i < LIT_SHARE_SCAN; m = m->next_lit, i++)
    if (val_kind(m->val) == VAL_STRING && val_strlen(m->val) == len &&
        memcmp(val_str(m->val), s, len) == 0)
      return val_ref(m->val);
  return val_string(s, len);
}

/* ---- Grammar ------------------------------------------------------------ */

static Node *parse_expr(Parser *P);

/* call -> NAME ws* '(' [expr {',' expr}] ')' */
static Node *parse_call(Parser *P)
{
  Node *n = new_node(P, N_CALL, P->tok.off);
  Node *small[8], **args = small;
  int cap = 8;
  char got[64];

  n->name = P->src + P->tok.off;
  n->name_len = (uint32_t)P->tok.len;
  advance(P);
  if (P->tok.kind != TK_LPAREN) {
    describe(P, got, sizeof(got));
    syntax_at(P, P->tok.off, P->tok.len, "expected '(' after '%.*s', got %s",
              (int)n->name_len, n->name, got);
  }
  advance(P);
  if (P->tok.kind != TK_RPAREN && P->tok.kind != TK_EOF) {
    for (;;) {
      if (n->n_args == cap) {
        Node **bigger =
            expr_arena_alloc(P->a, sizeof(Node *) * (size_t)cap * 2);
        memcpy(bigger, args, sizeof(Node *) * (size_t)cap);
        args = bigger;
        cap *= 2;
      }
      args[n->n_args++] = parse_expr(P);
      if (P->tok.kind == TK_COMMA) {
        advance(P);
        if (P->tok.kind == TK_EOF)
          break; /* report the unclosed call, not the missing argument */
        continue;
      }
      break;
    }
  }
  /* Also when the text ends right after '(': "@utcNow(" is unclosed. */
  if (P->tok.kind != TK_RPAREN) {
    int line, col;
    expr_line_col(P->src, n->off, &line, &col);
    syntax_at(P, P->tok.off, P->tok.len,
              "expected ')' to close '%.*s(' opened at %d:%d", (int)n->name_len,
              n->name, line, col);
  }
  n->len = (uint32_t)(P->tok.off + 1 - n->off);
  advance(P);
  if (n->n_args) {
    if (args == small) {
      n->args = expr_arena_alloc(P->a, sizeof(Node *) * (size_t)n->n_args);
      memcpy(n->args, args, sizeof(Node *) * (size_t)n->n_args);
    } else {
      n->args = args; /* already in the arena */
    }
  }
  resolve_call(P, n);
  return n;
}

/* primary -> STRING | INTEGER | FLOAT | 'true' | 'false' | 'null' | call
 * (true/false/null are matched ignoring case, like function names). */
static Node *parse_primary(Parser *P)
{
  const Token *t = &P->tok;
  Node *n;
  char got[64];

  switch (t->kind) {
  case TK_INT:
  case TK_FLOAT:
    n = new_node(P, N_LIT, t->off);
    n->len = (uint32_t)t->len;
    own_literal(P, n,
                t->kind == TK_INT ? val_int(t->ival) : val_float(t->dval));
    advance(P);
    return n;
  case TK_STRING:
    n = new_node(P, N_LIT, t->off);
    n->len = (uint32_t)t->len;
    if (!t->has_escape) {
      own_literal(P, n, string_value(P, P->src + t->off + 1, t->len - 2));
    } else {
      char *s = expr_arena_alloc(P->a, t->len);
      own_literal(P, n, string_value(P, s, lex_unescape(P->src, t, s)));
    }
    advance(P);
    return n;
  case TK_NAME: {
    const char *s = P->src + t->off;
    int lit = (t->len != 4 && t->len != 5)     ? -1
              : name_eq_ci(s, t->len, "true")  ? 1
              : name_eq_ci(s, t->len, "false") ? 0
              : name_eq_ci(s, t->len, "null")  ? 2
                                               : -1;
    if (lit >= 0) {
      n = new_node(P, N_LIT, t->off);
      n->len = (uint32_t)t->len;
      n->val = lit == 2 ? val_null() : val_bool(lit == 1); /* immortal */
      advance(P);
      return n;
    }
    return parse_call(P);
  }
  default:
    describe(P, got, sizeof(got));
    syntax_at(P, t->off, t->len ? t->len : 1, "expected an expression, got %s",
              got);
  }
}

/* expr -> primary accessor*
 * accessor -> '.' NAME | '?.' NAME | '[' expr ']' | '?[' expr ']' */
static Node *parse_expr(Parser *P)
{
  Node *n;
  char got[64];

  if (++P->depth > EXPR_MAX_DEPTH)
    syntax_at(P, P->tok.off, 1, "expression is nested more than %d deep",
              EXPR_MAX_DEPTH);
  n = parse_primary(P);
  for (;;) {
    TokKind k = P->tok.kind;
    if (k == TK_DOT || k == TK_QDOT) {
      Node *m = new_node(P, N_MEMBER, n->off);
      m->null_safe = k == TK_QDOT;
      m->target = n;
      advance(P);
      if (P->tok.kind != TK_NAME) {
        describe(P, got, sizeof(got));
        syntax_at(P, P->tok.off, P->tok.len ? P->tok.len : 1,
                  "expected a property name after '%s', got %s",
                  m->null_safe ? "?." : ".", got);
      }
      m->name = P->src + P->tok.off;
      m->name_len = (uint32_t)P->tok.len;
      m->len = (uint32_t)(P->tok.off + P->tok.len - m->off);
      advance(P);
      n = m;
    } else if (k == TK_LBRACKET || k == TK_QLBRACKET) {
      size_t open = P->tok.off;
      Node *m = new_node(P, N_INDEX, n->off);
      m->null_safe = k == TK_QLBRACKET;
      m->target = n;
      advance(P);
      m->index = parse_expr(P);
      if (P->tok.kind != TK_RBRACKET) {
        int line, col;
        expr_line_col(P->src, open, &line, &col);
        syntax_at(P, P->tok.off, P->tok.len ? P->tok.len : 1,
                  "expected ']' to close '%s' opened at %d:%d",
                  m->null_safe ? "?[" : "[", line, col);
      }
      m->len = (uint32_t)(P->tok.off + 1 - m->off);
      /* An accessor may follow ']' directly: make the lexer see it. */
      advance(P);
      n = m;
    } else {
      break;
    }
  }
  P->depth--;
  return n;
}

/* ---- Templates ---------------------------------------------------------- */

static size_t count_chars(const char *s, size_t len)
{
  size_t n = 0;
  for (size_t i = 0; i < len; i++)
    if (((unsigned char)s[i] & 0xC0) != 0x80)
      n++;
  return n;
}

/* Trims whitespace around src[*off .. end) for the segment's text. */
static void trim_span(const char *s, size_t *off, size_t *end)
{
  while (*off < *end && (s[*off] == ' ' || s[*off] == '\t' || s[*off] == '\r' ||
                         s[*off] == '\n'))
    (*off)++;
  while (*end > *off && (s[*end - 1] == ' ' || s[*end - 1] == '\t' ||
                         s[*end - 1] == '\r' || s[*end - 1] == '\n'))
    (*end)--;
}

/* segment -> expr EOF            (whole-value "@expr")
 *          | expr '}'            (inside "@{...}")
 * Returns the offset just past the segment. */
static size_t parse_segment(Parser *P, size_t start, bool braced, TmplSeg *seg)
{
  size_t end;
  char got[64];

  lex_init(&P->lx, P->src, P->len, start);
  P->depth = 0;
  advance(P);
  seg->is_expr = true;
  seg->root = parse_expr(P);
  if (braced) {
    if (P->tok.kind != TK_RBRACE) {
      int line, col;
      expr_line_col(P->src, start - 2, &line, &col);
      syntax_at(P, P->tok.off, P->tok.len ? P->tok.len : 1,
                "expected '}' to close '@{' opened at %d:%d", line, col);
    }
  } else if (P->tok.kind != TK_EOF) {
    describe(P, got, sizeof(got));
    syntax_at(P, P->tok.off, P->tok.len,
              "unexpected %s after the end of the expression", got);
  }
  end = P->tok.off;
  size_t off = start;
  trim_span(P->src, &off, &end);
  seg->off = off;
  /* A whole-value expression usually runs to the NUL at src[len]: then
   * the source itself is the NUL-terminated text. */
  seg->text = end == P->len ? P->src + off
                            : arena_strndup(P->a, P->src + off, end - off);
  seg->len = end - off;
  return P->tok.off + (braced ? 1 : 0);
}

/* Literal text collects in an arena buffer (not a StrBuf: nothing may
 * need freeing when the parser longjmps). */
typedef struct LitBuf {
  char *s;
  size_t len;
} LitBuf;

static void add_literal(LitBuf *lit, TmplSeg *segs, int *n)
{
  if (lit->len == 0)
    return;
  lit->s[lit->len] = '\0';
  segs[*n].is_expr = false;
  segs[*n].text = lit->s;
  segs[*n].len = lit->len;
  segs[*n].root = NULL;
  (*n)++;
  lit->s += lit->len + 1;
  lit->len = 0;
}

/* Scans the template; returns through longjmp on any error. */
static void scan_template(Parser *P, Template *out)
{
  LitBuf litbuf, *lit = &litbuf;
  const char *s = P->src;
  size_t len = P->len;
  int max_segs, n = 0;
  TmplSeg *segs;

  out->segs = NULL;
  out->n_segs = 0;
  out->literal = NULL;
  out->lits = NULL;
  if (len >= 2 && s[0] == '@' && s[1] == '@') {
    out->kind = TMPL_LITERAL; /* "@@..." is the text without one '@' */
    out->segs = expr_arena_alloc(P->a, sizeof(TmplSeg));
    out->segs[0].is_expr = false;
    out->segs[0].text = arena_strndup(P->a, s + 1, len - 1);
    out->segs[0].len = len - 1;
    out->segs[0].root = NULL;
    out->n_segs = 1;
    return;
  }
  bool has_expr = (len >= 1 && s[0] == '@');
  for (size_t i = 0; !has_expr && i + 1 < len; i++)
    if (s[i] == '@' && s[i + 1] == '{' && (i == 0 || s[i - 1] != '@'))
      has_expr = true;
  if (has_expr && len > EXPR_MAX_LEN && count_chars(s, len) > EXPR_MAX_LEN)
    fail_at(P, ERR_EXPR_TOO_LONG, 0, 1,
            "The expression is %zu characters long; the limit is %d "
            "characters.",
            count_chars(s, len), EXPR_MAX_LEN);
  if (len >= 1 && s[0] == '@' && (len == 1 || s[1] != '{')) {
    out->kind = TMPL_WHOLE;
    out->segs = expr_arena_alloc(P->a, sizeof(TmplSeg));
    out->n_segs = 1;
    parse_segment(P, 1, false, &out->segs[0]);
    return;
  }
  /* Interpolation (or a plain literal): at most one segment per '@{' and
   * one literal between. */
  max_segs = 1;
  for (size_t i = 0; i + 1 < len; i++)
    if (s[i] == '@' && s[i + 1] == '{')
      max_segs += 2;
  segs = expr_arena_alloc(P->a, sizeof(TmplSeg) * (size_t)max_segs);
  out->segs = segs;
  out->kind = has_expr ? TMPL_INTERP : TMPL_LITERAL;
  lit->s = expr_arena_alloc(P->a, len + (size_t)max_segs + 1);
  lit->len = 0;
  for (size_t i = 0; i < len;) {
    if (s[i] == '@' && i + 2 < len && s[i + 1] == '@' && s[i + 2] == '{') {
      lit->s[lit->len++] = '@'; /* "@@{" is a literal "@{" */
      lit->s[lit->len++] = '{';
      i += 3;
    } else if (s[i] == '@' && i + 1 < len && s[i + 1] == '{') {
      add_literal(lit, segs, &n);
      i = parse_segment(P, i + 2, true, &segs[n]);
      n++;
    } else {
      lit->s[lit->len++] = s[i];
      i++;
    }
  }
  add_literal(lit, segs, &n);
  if (n == 0) { /* the empty string */
    segs[0].is_expr = false;
    segs[0].text = "";
    segs[0].len = 0;
    segs[0].root = NULL;
    n = 1;
  }
  out->n_segs = n;
}

/* Drops the Values chained on t->lits. */
static void release_lits(Template *t)
{
  Node *n = t->lits, *next;
  for (; n; n = next) {
    next = n->next_lit;
    val_unref(n->val);
    n->val = NULL;
  }
  t->lits = NULL;
}

bool expr_parse_template(Arena *a, const char *src, size_t len, Template *out,
                         Err *err)
{
  Parser P;

  P.a = a;
  P.src = src;
  P.len = len;
  P.out = out;
  P.err = err;
  P.depth = 0;
  out->lits = NULL;
  if (setjmp(P.jb)) {
    release_lits(out); /* 'out' is not a local: its chain is intact */
    out->n_segs = 0;
    out->literal = NULL;
    return false;
  }
  scan_template(&P, out);
  if (out->kind == TMPL_LITERAL)
    out->literal = val_string(out->segs[0].text, out->segs[0].len);
  return true;
}

void expr_template_release(Template *t)
{
  release_lits(t);
  val_unref(t->literal);
  t->literal = NULL;
}
