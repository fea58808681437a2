/*
 * expr/lex.h -- tokens of the ADF expression language, with byte spans
 *
 * The lexer is driven by the parser one token at a time (lex_next), so
 * it can tell '.3' (a float) from '.name' after an operand: a '.' right
 * after something that ends an operand is always an accessor.  Tokens
 * point into the caller's source; nothing is allocated here.  The source
 * must carry a NUL byte at src[len]: the scanning loops use it as their
 * end sentinel instead of checking the length at every byte.
 */
#ifndef EXPR_LEX_H
#define EXPR_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum TokKind {
  TK_EOF,
  TK_NAME,      /* [A-Za-z_][A-Za-z0-9_]*; after '.', [A-Za-z0-9_$]+ */
  TK_INT,       /* '-'? [0-9]+ that fits int64 */
  TK_FLOAT,     /* '-'? [0-9]* '.' [0-9]+, or an integer too big for int64 */
  TK_STRING,    /* '...' with '' escapes; span includes the quotes */
  TK_LPAREN,    /* ( */
  TK_RPAREN,    /* ) */
  TK_LBRACKET,  /* [ */
  TK_RBRACKET,  /* ] */
  TK_QLBRACKET, /* ?[ */
  TK_DOT,       /* . */
  TK_QDOT,      /* ?. */
  TK_COMMA,     /* , */
  TK_RBRACE,    /* } (ends an @{...} segment) */
  TK_ERROR      /* bad input: Lexer.msg says why */
} TokKind;

typedef struct Token {
  TokKind kind;
  bool has_escape; /* TK_STRING contains '' */
  size_t off, len; /* byte span in the source */
  int64_t ival;    /* TK_INT */
  double dval;     /* TK_FLOAT */
} Token;

typedef struct Lexer {
  const char *src; /* borrowed; src[len] is '\0' */
  size_t len;      /* bytes of src that are input */
  size_t pos;      /* next byte to read */
  TokKind prev;    /* kind of the last token returned */
  const char *msg; /* TK_ERROR reason (static text) */
} Lexer;

/* Starts lexing src[off..len).  src[len] must be a readable NUL byte (the
 * scanner's sentinel); NULs before it are input (an error token). */
void lex_init(Lexer *lx, const char *src, size_t len, size_t off);
/* Skips whitespace (space, tab, CR, LF) and reads one token into *out.
 * Never fails: bad input becomes TK_ERROR with lx->msg set and out->off
 * at the offending byte. */
void lex_next(Lexer *lx, Token *out);
/* Printable name of a token kind for messages, e.g. "')'". */
const char *lex_kind_name(TokKind k);
/* Copies the body of a string token with '' collapsed into 'dst' (room
 * for tok->len bytes).  Returns the number of bytes written. */
size_t lex_unescape(const char *src, const Token *tok, char *dst);

#endif /* EXPR_LEX_H */
