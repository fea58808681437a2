/*
 * expr/lex.c -- the expression tokenizer
 *
 * Context-light: the only state is the previous token kind, which decides
 * whether '.' starts a float ('.3') or is an accessor, and whether a name
 * may start with a digit (after '.', as in 'output.0').  Bytes are
 * classified by a table; the NUL at src[len] ends every scanning loop.
 * Numbers are converted here; strings are unescaped later by lex_unescape().
 */
#include "expr/lex.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- Character classes -------------------------------------------------- */

enum {
  C_SPACE = 1,  /* space, tab, CR, LF */
  C_START = 2,  /* A-Z a-z _ : may start a name */
  C_DIGIT = 4,  /* 0-9 */
  C_DOLLAR = 8, /* $ : only inside property names */
  C_NAME = C_START | C_DIGIT,
  C_PROP = C_START | C_DIGIT | C_DOLLAR
};

/* clang-format off */
static const unsigned char cls[256] = {
  /* 0x00 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 0, 0,
  /* 0x10 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  /* 0x20 */ 1, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  /* 0x30 */ 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 0, 0, 0, 0, 0, 0,
  /* 0x40 */ 0, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
  /* 0x50 */ 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 0, 0, 0, 0, 2,
  /* 0x60 */ 0, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
  /* 0x70 */ 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 0, 0, 0, 0, 0,
  /* 0x80-0xff: none */
};
/* clang-format on */

/* Tokens of one character that need no look-ahead ('.' may start '.5'). */
static const unsigned char single[256] = {
    ['('] = TK_LPAREN,   [')'] = TK_RPAREN,   [','] = TK_COMMA,
    ['['] = TK_LBRACKET, [']'] = TK_RBRACKET, ['}'] = TK_RBRACE,
    ['.'] = TK_DOT,
};

void lex_init(Lexer *lx, const char *src, size_t len, size_t off)
{
  lx->src = src;
  lx->len = len;
  lx->pos = off;
  lx->prev = TK_EOF;
  lx->msg = NULL;
}

/* True when the previous token can end an operand, so that a following
 * '.' is an accessor rather than the start of '.5'. */
static bool ends_operand(TokKind k)
{
  return k == TK_RPAREN || k == TK_RBRACKET || k == TK_NAME || k == TK_STRING ||
         k == TK_INT || k == TK_FLOAT;
}

/* number -> '-'? [0-9]* ('.' [0-9]+)? ; the caller saw a digit, '.' or
 * '-' followed by one of those.  Integers of up to 18 digits are
 * converted inline (they cannot overflow); longer ones and floats go
 * through strtoll()/strtod() on a NUL-terminated copy. */
static void lex_number(Lexer *lx, Token *t)
{
  const unsigned char *s = (const unsigned char *)lx->src;
  size_t p = lx->pos, start = p, digits;
  bool neg = false, is_float = false;
  uint64_t acc = 0;
  char buf[400];

  if (s[p] == '-') {
    neg = true;
    p++;
  }
  while (cls[s[p]] & C_DIGIT) {
    acc = acc * 10 + (uint64_t)(s[p] - '0');
    p++;
  }
  digits = p - start - (neg ? 1 : 0);
  if (s[p] == '.' && (cls[s[p + 1]] & C_DIGIT)) {
    is_float = true;
    p++;
    while (cls[s[p]] & C_DIGIT)
      p++;
  }
  t->off = start;
  t->len = p - start;
  lx->pos = p;
  if (!is_float && digits <= 18) {
    t->kind = TK_INT;
    t->ival = neg ? -(int64_t)acc : (int64_t)acc;
    return;
  }
  if (t->len >= sizeof(buf)) {
    t->kind = TK_ERROR;
    lx->msg = "number literal is too long";
    return;
  }
  memcpy(buf, s + start, t->len);
  buf[t->len] = '\0';
  if (!is_float) {
    errno = 0;
    long long v = strtoll(buf, NULL, 10);
    if (errno == 0) {
      t->kind = TK_INT;
      t->ival = (int64_t)v;
      return;
    }
    /* Too big for int64: keep it as a float, as .NET parsers do with
     * numbers beyond long. */
  }
  t->kind = TK_FLOAT;
  t->dval = strtod(buf, NULL);
}

/* STRING -> "'" ( [^'] | "''" )* "'" */
static void lex_string(Lexer *lx, Token *t)
{
  const char *s = lx->src;
  size_t p = lx->pos + 1, end = lx->len;

  t->off = lx->pos;
  for (;;) {
    if (s[p] == '\'') {
      if (s[p + 1] == '\'' && p + 1 < end) {
        t->has_escape = true;
        p += 2;
        continue;
      }
      p++;
      break;
    }
    if (p >= end) {
      t->kind = TK_ERROR;
      t->len = 1;
      lx->msg = "unterminated string literal";
      lx->pos = end;
      return;
    }
    p++;
  }
  t->kind = TK_STRING;
  t->len = p - t->off;
  lx->pos = p;
}

void lex_next(Lexer *lx, Token *t)
{
  const unsigned char *s = (const unsigned char *)lx->src;
  size_t p = lx->pos, q;
  TokKind prev = lx->prev;
  unsigned char c;

  while (cls[s[p]] & C_SPACE)
    p++;
  lx->pos = p;
  t->off = p;
  t->len = 1;
  t->has_escape = false;
  c = s[p];
  if (cls[c] & C_PROP) {
    /* After '.', a property name: digits allowed first ('value.0'), '$'
     * anywhere.  Elsewhere [A-Za-z_][A-Za-z0-9_]*. */
    unsigned char m = (prev == TK_DOT || prev == TK_QDOT) ? C_PROP : C_NAME;
    if ((cls[c] & C_START) || m == C_PROP) {
      for (q = p + 1; cls[s[q]] & m; q++)
        ;
      t->kind = TK_NAME;
      t->len = q - p;
      lx->pos = q;
      lx->prev = TK_NAME;
      return;
    }
  }
  if (single[c] &&
      (c != '.' || !(cls[s[p + 1]] & C_DIGIT) || ends_operand(prev))) {
    t->kind = (TokKind)single[c];
    lx->pos = p + 1;
    lx->prev = t->kind;
    return;
  }
  switch (c) {
  case '\'':
    lex_string(lx, t);
    if (t->kind == TK_ERROR)
      return;
    lx->prev = t->kind;
    return;
  case '?':
    if (s[p + 1] == '.' && p + 1 < lx->len) {
      t->kind = TK_QDOT;
    } else if (s[p + 1] == '[' && p + 1 < lx->len) {
      t->kind = TK_QLBRACKET;
    } else {
      t->kind = TK_ERROR;
      lx->msg = "unexpected character";
      return;
    }
    t->len = 2;
    lx->pos = p + 2;
    lx->prev = t->kind;
    return;
  case '.': /* here always a float such as '.5' */
  case '-':
  case '0':
  case '1':
  case '2':
  case '3':
  case '4':
  case '5':
  case '6':
  case '7':
  case '8':
  case '9':
    lex_number(lx, t);
    if (t->kind == TK_ERROR)
      return;
    if (c == '-' && t->len == 1) {
      t->kind = TK_ERROR;
      lx->msg = "expected digits after '-'";
      return;
    }
    lx->prev = t->kind;
    return;
  case '\0': /* the sentinel at src[len], or a NUL inside the input */
    if (p >= lx->len) {
      t->kind = TK_EOF;
      t->len = 0;
      lx->prev = TK_EOF;
      return;
    }
    /* fallthrough */
  default:
    t->kind = TK_ERROR;
    lx->msg = "unexpected character";
    return;
  }
}

const char *lex_kind_name(TokKind k)
{
  switch (k) {
  case TK_EOF:
    return "end of expression";
  case TK_NAME:
    return "a name";
  case TK_INT:
  case TK_FLOAT:
    return "a number";
  case TK_STRING:
    return "a string";
  case TK_LPAREN:
    return "'('";
  case TK_RPAREN:
    return "')'";
  case TK_LBRACKET:
    return "'['";
  case TK_RBRACKET:
    return "']'";
  case TK_QLBRACKET:
    return "'?['";
  case TK_DOT:
    return "'.'";
  case TK_QDOT:
    return "'?.'";
  case TK_COMMA:
    return "','";
  case TK_RBRACE:
    return "'}'";
  default:
    return "an invalid character";
  }
}

size_t lex_unescape(const char *src, const Token *tok, char *dst)
{
  const char *s = src + tok->off + 1;
  size_t n = tok->len - 2, o = 0;

  if (!tok->has_escape) {
    memcpy(dst, s, n);
    return n;
  }
  for (size_t i = 0; i < n; i++) {
    dst[o++] = s[i];
    if (s[i] == '\'')
      i++; /* '' -> ' */
  }
  return o;
}
