/*
 * expr/lex.c -- the expression tokenizer
 *
 * Context-light: the only state is the previous token kind, which decides
 * whether '.' starts a float ('.3') or is an accessor, and whether a name
 * may start with a digit (after '.', as in 'output.0').  Numbers are
 * converted here; strings are unescaped later by lex_unescape().
 */
#include "expr/lex.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void lex_init(Lexer *lx, const char *src, size_t len, size_t off)
{
  lx->src = src;
  lx->len = len;
  lx->pos = off;
  lx->prev = TK_EOF;
  lx->msg = NULL;
}

static bool is_digit(char c)
{
  return c >= '0' && c <= '9';
}

static bool is_name_start(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_name_char(char c)
{
  return is_name_start(c) || is_digit(c) || c == '$';
}

/* True when the previous token can end an operand, so that a following
 * '.' is an accessor rather than the start of '.5'. */
static bool ends_operand(TokKind k)
{
  return k == TK_RPAREN || k == TK_RBRACKET || k == TK_NAME || k == TK_STRING ||
         k == TK_INT || k == TK_FLOAT;
}

/* number -> '-'? [0-9]* ('.' [0-9]+)? ; the caller saw a digit, '.' or
 * '-' followed by one of those. */
static void lex_number(Lexer *lx, Token *t)
{
  const char *s = lx->src;
  size_t p = lx->pos, start = p;
  bool is_float = false;
  char buf[400];

  if (s[p] == '-')
    p++;
  while (p < lx->len && is_digit(s[p]))
    p++;
  if (p + 1 < lx->len && s[p] == '.' && is_digit(s[p + 1])) {
    is_float = true;
    p++;
    while (p < lx->len && is_digit(s[p]))
      p++;
  }
  t->off = start;
  t->len = p - start;
  lx->pos = p;
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
  size_t p = lx->pos + 1;

  t->off = lx->pos;
  t->has_escape = false;
  for (;;) {
    if (p >= lx->len) {
      t->kind = TK_ERROR;
      t->len = 1;
      lx->msg = "unterminated string literal";
      lx->pos = lx->len;
      return;
    }
    if (s[p] == '\'') {
      if (p + 1 < lx->len && s[p + 1] == '\'') {
        t->has_escape = true;
        p += 2;
        continue;
      }
      p++;
      break;
    }
    p++;
  }
  t->kind = TK_STRING;
  t->len = p - t->off;
  lx->pos = p;
}

void lex_next(Lexer *lx, Token *t)
{
  const char *s = lx->src;
  size_t p = lx->pos;
  TokKind prev = lx->prev;

  while (p < lx->len &&
         (s[p] == ' ' || s[p] == '\t' || s[p] == '\r' || s[p] == '\n'))
    p++;
  lx->pos = p;
  t->off = p;
  t->len = 1;
  t->has_escape = false;
  if (p >= lx->len) {
    t->kind = TK_EOF;
    t->len = 0;
    lx->prev = TK_EOF;
    return;
  }
  char c = s[p];
  char n = p + 1 < lx->len ? s[p + 1] : '\0';

  if (prev == TK_DOT || prev == TK_QDOT) {
    /* A property name: digits allowed first ('value.0'), '$' anywhere. */
    if (is_name_char(c)) {
      size_t q = p;
      while (q < lx->len && is_name_char(s[q]))
        q++;
      t->kind = TK_NAME;
      t->len = q - p;
      lx->pos = q;
      lx->prev = TK_NAME;
      return;
    }
  }
  if (is_name_start(c)) {
    size_t q = p;
    while (q < lx->len && (is_name_start(s[q]) || is_digit(s[q])))
      q++;
    t->kind = TK_NAME;
    t->len = q - p;
    lx->pos = q;
  } else if (is_digit(c) || c == '-' ||
             (c == '.' && is_digit(n) && !ends_operand(prev))) {
    lex_number(lx, t);
    if (t->kind == TK_ERROR)
      return;
    if (c == '-' && t->len == 1) {
      t->kind = TK_ERROR;
      lx->msg = "expected digits after '-'";
      return;
    }
  } else if (c == '\'') {
    lex_string(lx, t);
    if (t->kind == TK_ERROR)
      return;
  } else if (c == '?' && n == '.') {
    t->kind = TK_QDOT;
    t->len = 2;
    lx->pos = p + 2;
  } else if (c == '?' && n == '[') {
    t->kind = TK_QLBRACKET;
    t->len = 2;
    lx->pos = p + 2;
  } else {
    switch (c) {
    case '(':
      t->kind = TK_LPAREN;
      break;
    case ')':
      t->kind = TK_RPAREN;
      break;
    case '[':
      t->kind = TK_LBRACKET;
      break;
    case ']':
      t->kind = TK_RBRACKET;
      break;
    case '.':
      t->kind = TK_DOT;
      break;
    case ',':
      t->kind = TK_COMMA;
      break;
    case '}':
      t->kind = TK_RBRACE;
      break;
    default:
      t->kind = TK_ERROR;
      lx->msg = "unexpected character";
      return;
    }
    lx->pos = p + 1;
  }
  lx->prev = t->kind;
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
