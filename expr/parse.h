/*
 * expr/parse.h -- templates and expressions parsed into an arena AST
 *
 * expr_parse_template() splits a template into literal text and
 * expression segments and parses each expression by recursive descent in
 * one pass.  Every node lives in the caller's Arena and names point into
 * the source; the only refcounted things are the literal Values, created
 * as they are parsed, chained on Template.lits and released on failure or
 * by expr_template_release().  Function names are resolved here, so an
 * unknown function or a wrong argument count is a compile-time error.
 */
#ifndef EXPR_PARSE_H
#define EXPR_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "expr/builtins.h"
#include "expr/err.h"
#include "expr/value.h"

/* Deepest nesting of calls and accessors the parser accepts. */
#define EXPR_MAX_DEPTH 200

/* ---- Arena ------------------------------------------------------------ */

typedef struct ArenaBlock ArenaBlock;
typedef struct Arena {
  ArenaBlock *blocks; /* owned: extra blocks, freed by expr_arena_fini */
  char *p;            /* next free byte */
  size_t left;        /* free bytes at p */
} Arena;

/* Starts an arena whose first block is 'buf' (caller storage, may be
 * NULL when n == 0). */
void expr_arena_init(Arena *a, void *buf, size_t n);
/* Returns n bytes aligned to 8 (pointers, int64_t, double: all the AST
 * holds); never NULL (OOM aborts).  'buf' given to expr_arena_init() must
 * be 8-aligned too. */
void *expr_arena_alloc(Arena *a, size_t n);
/* Frees the blocks the arena allocated (not the first one). */
void expr_arena_fini(Arena *a);

/* ---- AST -------------------------------------------------------------- */

typedef enum NodeKind {
  N_LIT,    /* literal: 'val' */
  N_CALL,   /* name(args) */
  N_MEMBER, /* target.name or target?.name */
  N_INDEX   /* target[index] or target?[index] */
} NodeKind;

/* How a call is evaluated.  Accessors and lazy functions are the
 * evaluator's own; everything else goes through the builtin table. */
typedef enum CallKind {
  CALL_BUILTIN,
  CALL_PIPELINE,
  CALL_VARIABLES,
  CALL_ACTIVITY,
  CALL_ITEM,
  CALL_DATASET,
  CALL_LINKED_SERVICE,
  CALL_AND,
  CALL_OR,
  CALL_IF
} CallKind;

typedef struct Node Node;
struct Node {
  uint8_t kind;      /* NodeKind */
  uint8_t call;      /* N_CALL: CallKind */
  bool null_safe;    /* N_MEMBER / N_INDEX written with '?' */
  uint32_t off, len; /* span in the template source */
  uint32_t name_len; /* N_CALL / N_MEMBER */
  int n_args;        /* N_CALL */
  int max_args;      /* N_CALL: ARGS_ANY or the maximum */
  const char *name;  /* N_CALL: as written; N_MEMBER: property name; both
                        point into the source, NOT NUL-terminated */
  union {
    struct {               /* N_CALL */
      const char *fn_name; /* ADF spelling (static) */
      const Builtin *bi;   /* CALL_BUILTIN: the table row */
      Node **args;         /* n_args nodes in the arena */
    };
    struct { /* N_MEMBER / N_INDEX */
      Node *target;
      Node *index; /* N_INDEX */
    };
    struct {          /* N_LIT */
      Value *val;     /* owned when on Template.lits, else immortal */
      Node *next_lit; /* Template.lits chain */
    };
  };
};

/* ---- Templates -------------------------------------------------------- */

typedef enum TmplKind {
  TMPL_LITERAL, /* no expression: one literal segment */
  TMPL_WHOLE,   /* "@expr": one expression segment, keeps its type */
  TMPL_INTERP   /* text with "@{...}" segments: always a string */
} TmplKind;

typedef struct TmplSeg {
  bool is_expr;
  const char *text; /* literal: the text (escapes resolved); expression:
                       its trimmed source text; NUL-terminated, in the
                       arena or the source */
  size_t len;
  size_t off; /* expression: offset of 'text' in the source */
  Node *root; /* expression: the tree */
} TmplSeg;

typedef struct Template {
  TmplKind kind;
  TmplSeg *segs; /* arena */
  int n_segs;
  Value *literal; /* TMPL_LITERAL: the string value; owned */
  Node *lits;     /* literal nodes owning a Value, newest first */
} Template;

/* Parses template src[0..len) into *out, allocating from 'a'.  src[len]
 * must be a NUL byte (the lexer's sentinel).  Returns false with *err set
 * (ERR_EXPR_SYNTAX, ERR_EXPR_TOO_LONG, ERR_EXPR_UNKNOWN_FUNCTION,
 * ERR_EXPR_ARITY; loc.off/len/expr point at the fault) and nothing left to
 * release.  On success the literal Values exist and must be released with
 * expr_template_release().  'src' must outlive *out. */
bool expr_parse_template(Arena *a, const char *src, size_t len, Template *out,
                         Err *err);
/* Drops the literal Values of a parsed template. */
void expr_template_release(Template *t);

/* Fills 'loc' with a caret span for bytes [off, off+span) of the template
 * 'src' (a window of it when it is longer than loc->expr holds). */
void expr_set_loc(SrcLoc *loc, const char *src, size_t len, size_t off,
                  size_t span);
/* 1-based line and column (in characters) of byte 'off' in 'src'. */
void expr_line_col(const char *src, size_t off, int *line, int *col);

#endif /* EXPR_PARSE_H */
