/*
 * expr/strbuf.c -- growable byte string and the aborting allocators
 *
 * Growth doubles the capacity so appends are amortised O(1).
 */
#include "expr/strbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(size_t n)
{
  fprintf(stderr, "adfrun: out of memory allocating %zu bytes\n", n);
  abort();
}

void *xmalloc(size_t n)
{
  void *p = malloc(n ? n : 1);
  if (!p)
    oom(n);
  return p;
}

void *xcalloc(size_t n, size_t size)
{
  void *p = calloc(n ? n : 1, size ? size : 1);
  if (!p)
    oom(n * size);
  return p;
}

void *xrealloc(void *p, size_t n)
{
  void *q = realloc(p, n ? n : 1);
  if (!q)
    oom(n);
  return q;
}

char *xstrndup(const char *s, size_t n)
{
  char *d = xmalloc(n + 1);
  memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

char *xstrdup(const char *s)
{
  return xstrndup(s, strlen(s));
}

void sb_init(StrBuf *sb)
{
  sb->cap = 32;
  sb->len = 0;
  sb->s = xmalloc(sb->cap);
  sb->s[0] = '\0';
}

void sb_fini(StrBuf *sb)
{
  free(sb->s);
  sb->s = NULL;
  sb->len = sb->cap = 0;
}

void sb_reset(StrBuf *sb)
{
  sb->len = 0;
  if (sb->s)
    sb->s[0] = '\0';
}

void sb_reserve(StrBuf *sb, size_t extra)
{
  size_t need = sb->len + extra + 1;
  if (need <= sb->cap)
    return;
  size_t cap = sb->cap ? sb->cap : 32;
  while (cap < need)
    cap *= 2;
  sb->s = xrealloc(sb->s, cap);
  sb->cap = cap;
}

void sb_putc(StrBuf *sb, char c)
{
  if (sb->len + 2 > sb->cap)
    sb_reserve(sb, 1);
  sb->s[sb->len++] = c;
  sb->s[sb->len] = '\0';
}

void sb_put(StrBuf *sb, const char *s, size_t len)
{
  if (len == 0)
    return;
  sb_reserve(sb, len);
  memcpy(sb->s + sb->len, s, len);
  sb->len += len;
  sb->s[sb->len] = '\0';
}

void sb_puts(StrBuf *sb, const char *s)
{
  sb_put(sb, s, strlen(s));
}

void sb_vprintf(StrBuf *sb, const char *fmt, va_list ap)
{
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(sb->s + sb->len, sb->cap - sb->len, fmt, ap);
  if (n < 0) {
    va_end(ap2);
    return;
  }
  if ((size_t)n >= sb->cap - sb->len) {
    sb_reserve(sb, (size_t)n);
    vsnprintf(sb->s + sb->len, sb->cap - sb->len, fmt, ap2);
  }
  va_end(ap2);
  sb->len += (size_t)n;
}

void sb_printf(StrBuf *sb, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  sb_vprintf(sb, fmt, ap);
  va_end(ap);
}

char *sb_take(StrBuf *sb)
{
  char *s = sb->s ? sb->s : xstrdup("");
  sb->s = NULL;
  sb->len = sb->cap = 0;
  return s;
}

void sb_put_utf8(StrBuf *sb, uint32_t cp)
{
  char b[4];
  size_t n;
  if (cp < 0x80) {
    b[0] = (char)cp;
    n = 1;
  } else if (cp < 0x800) {
    b[0] = (char)(0xC0 | (cp >> 6));
    b[1] = (char)(0x80 | (cp & 0x3F));
    n = 2;
  } else if (cp < 0x10000) {
    b[0] = (char)(0xE0 | (cp >> 12));
    b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    b[2] = (char)(0x80 | (cp & 0x3F));
    n = 3;
  } else {
    b[0] = (char)(0xF0 | (cp >> 18));
    b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    b[3] = (char)(0x80 | (cp & 0x3F));
    n = 4;
  }
  sb_put(sb, b, n);
}

int hex_digit_value(char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

char *sb_read_file(const char *path, size_t *len)
{
  FILE *f = fopen(path, "rb");
  char buf[8192];
  StrBuf sb;
  size_t n;
  int ok;

  if (!f)
    return NULL;
  sb_init(&sb);
  while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
    sb_put(&sb, buf, n);
  ok = !ferror(f);
  fclose(f);
  if (!ok) {
    sb_fini(&sb);
    return NULL;
  }
  if (len)
    *len = sb.len;
  return sb_take(&sb);
}
