/*
 * expr/strbuf.h -- growable byte string, always NUL-terminated
 *
 * A StrBuf lives in caller storage (sb_init/sb_fini).  The bytes may hold
 * embedded NULs; 'len' is authoritative and s[len] is always '\0'.
 * Out-of-memory aborts, like every allocator in adfrun.
 */
#ifndef EXPR_STRBUF_H
#define EXPR_STRBUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

typedef struct StrBuf {
  char *s;    /* owned; never NULL after sb_init() */
  size_t len; /* bytes used, not counting the terminator */
  size_t cap; /* bytes allocated */
} StrBuf;

/* Allocation helpers shared by the whole program.  They never return NULL:
 * running out of memory prints the size and aborts. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

void sb_init(StrBuf *sb);
void sb_fini(StrBuf *sb);
/* Empties the buffer, keeping its storage. */
void sb_reset(StrBuf *sb);
/* Ensures room for 'extra' more bytes plus the terminator. */
void sb_reserve(StrBuf *sb, size_t extra);
void sb_putc(StrBuf *sb, char c);
void sb_put(StrBuf *sb, const char *s, size_t len);
void sb_puts(StrBuf *sb, const char *s);
void sb_printf(StrBuf *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void sb_vprintf(StrBuf *sb, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* Appends code point 'cp' encoded as UTF-8 (1 to 4 bytes; the caller
 * has already replaced surrogates and values past U+10FFFF). */
void sb_put_utf8(StrBuf *sb, uint32_t cp);
/* The value of hex digit 'c' (0-15), or -1 when it is not one. */
int hex_digit_value(char c);

/* Returns the bytes as a malloc'd string owned by the caller and leaves
 * the buffer finalised: sb_fini() on it is harmless and further appends
 * allocate afresh. */
char *sb_take(StrBuf *sb);

/* The whole of file 'path', bytes as they are (no BOM or encoding
 * handling: interp/ code reads definitions with load_file_utf8()), as a
 * NUL-terminated malloc'd string owned by the caller; its length goes to
 * *len unless len is NULL.  NULL when the file cannot be opened or read. */
char *sb_read_file(const char *path, size_t *len);

#endif /* EXPR_STRBUF_H */
