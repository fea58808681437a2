/*
 * expr/srcmap.c -- path -> line:col table for definition files
 *
 * Open addressing with linear probing over FNV-1a hashes; keys are copied
 * into chunked key storage owned by the map (one malloc per 16 KiB of
 * paths, not one per path).  Load factor stays under 1/2.
 */
#include "expr/srcmap.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct Slot {
  char *path; /* in the map's key chunks; NULL = empty */
  size_t plen;
  uint32_t hash;
  int line, col;
} Slot;

typedef struct KeyChunk {
  struct KeyChunk *next; /* owned */
  size_t used, cap;
  char data[];
} KeyChunk;

struct SrcMap {
  Slot *slots; /* owned */
  size_t cap, n;
  KeyChunk *keys; /* owned list, newest first */
};

static char *key_copy(SrcMap *m, const char *path, size_t plen)
{
  KeyChunk *k = m->keys;
  if (!k || k->cap - k->used < plen + 1) {
    size_t cap = plen + 1 > 16384 ? plen + 1 : 16384;
    k = xmalloc(sizeof(KeyChunk) + cap);
    k->next = m->keys;
    k->used = 0;
    k->cap = cap;
    m->keys = k;
  }
  char *d = k->data + k->used;
  memcpy(d, path, plen);
  d[plen] = '\0';
  k->used += plen + 1;
  return d;
}

static uint32_t fnv(const char *s, size_t n)
{
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < n; i++) {
    h ^= (unsigned char)s[i];
    h *= 16777619u;
  }
  return h;
}

SrcMap *srcmap_new(void)
{
  SrcMap *m = xmalloc(sizeof(*m));
  m->cap = 64;
  m->n = 0;
  m->keys = NULL;
  m->slots = xcalloc(m->cap, sizeof(Slot));
  return m;
}

void srcmap_free(SrcMap *m)
{
  if (!m)
    return;
  while (m->keys) {
    KeyChunk *next = m->keys->next;
    free(m->keys);
    m->keys = next;
  }
  free(m->slots);
  free(m);
}

static Slot *lookup(const SrcMap *m, const char *path, size_t plen, uint32_t h)
{
  size_t i = h & (m->cap - 1);
  for (;;) {
    Slot *s = &m->slots[i];
    if (!s->path ||
        (s->hash == h && s->plen == plen && memcmp(s->path, path, plen) == 0))
      return s;
    i = (i + 1) & (m->cap - 1);
  }
}

static void grow(SrcMap *m)
{
  Slot *old = m->slots;
  size_t ocap = m->cap;
  m->cap *= 2;
  m->slots = xcalloc(m->cap, sizeof(Slot));
  for (size_t i = 0; i < ocap; i++)
    if (old[i].path)
      *lookup(m, old[i].path, old[i].plen, old[i].hash) = old[i];
  free(old);
}

void srcmap_put(SrcMap *m, const char *path, size_t plen, int line, int col)
{
  uint32_t h = fnv(path, plen);
  if ((m->n + 1) * 2 > m->cap)
    grow(m);
  Slot *s = lookup(m, path, plen, h);
  if (!s->path) {
    s->path = key_copy(m, path, plen);
    s->plen = plen;
    s->hash = h;
    m->n++;
  }
  s->line = line;
  s->col = col;
}

bool srcmap_get(const SrcMap *m, const char *path, int *line, int *col)
{
  size_t plen = strlen(path);
  const Slot *s = lookup(m, path, plen, fnv(path, plen));
  if (!s->path)
    return false;
  *line = s->line;
  *col = s->col;
  return true;
}

bool srcmap_find(const SrcMap *m, const char *path, int *line, int *col)
{
  size_t plen = strlen(path);
  for (;;) {
    const Slot *s = lookup(m, path, plen, fnv(path, plen));
    if (s->path) {
      *line = s->line;
      *col = s->col;
      return true;
    }
    if (plen == 0)
      return false;
    /* Strip the last step: "[i]", "['k']" or ".k" or a root "k". */
    size_t i = plen;
    if (path[i - 1] == ']') {
      int in_quote = 0;
      while (i > 0) {
        i--;
        if (path[i] == '\'')
          in_quote = !in_quote;
        else if (path[i] == '[' && !in_quote)
          break;
      }
    } else {
      while (i > 0 && path[i - 1] != '.' && path[i - 1] != ']')
        i--;
      if (i > 0 && path[i - 1] == '.')
        i--;
    }
    plen = i;
  }
}

size_t srcmap_count(const SrcMap *m)
{
  return m->n;
}

static bool is_ident(const char *k, size_t n)
{
  if (n == 0)
    return false;
  for (size_t i = 0; i < n; i++) {
    char c = k[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              c == '$' || c == '@' || (i > 0 && c >= '0' && c <= '9');
    if (!ok)
      return false;
  }
  return true;
}

void srcpath_key(StrBuf *sb, const char *key, size_t klen)
{
  if (is_ident(key, klen)) {
    if (sb->len)
      sb_putc(sb, '.');
    sb_put(sb, key, klen);
    return;
  }
  sb_put(sb, "['", 2);
  for (size_t i = 0; i < klen; i++) {
    if (key[i] == '\'')
      sb_putc(sb, '\'');
    sb_putc(sb, key[i]);
  }
  sb_put(sb, "']", 2);
}

void srcpath_index(StrBuf *sb, size_t i)
{
  sb_printf(sb, "[%zu]", i);
}
