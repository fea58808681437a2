/*
 * activities/stream.c -- byte streams: memory, zlib (gzip/deflate) and
 *                        character-set layers over any store stream
 *
 * Every layer holds a fixed-size buffer, so memory never grows with the
 * size of the data.  zlib is used here and nowhere else.  Text is UTF-8
 * inside adfrun; stream_decode/stream_encode convert at the edges.
 */
#include "activities/store.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <zlib.h>

#include "expr/strbuf.h"

#define CHUNK 65536

/* ---- Helpers ------------------------------------------------------------ */

ptrdiff_t stream_read(InStream *s, void *buf, size_t n, Err *err)
{
  return s->read(s, buf, n, err);
}

ptrdiff_t stream_read_full(InStream *s, void *buf, size_t n, Err *err)
{
  size_t got = 0;
  while (got < n) {
    ptrdiff_t r = s->read(s, (char *)buf + got, n - got, err);
    if (r < 0)
      return -1;
    if (r == 0)
      break;
    got += (size_t)r;
  }
  return (ptrdiff_t)got;
}

void stream_close(InStream *s)
{
  if (s)
    s->close(s);
}

bool stream_write(OutStream *s, const void *buf, size_t n, Err *err)
{
  return n == 0 || s->write(s, buf, n, err);
}

bool stream_commit(OutStream *s, Err *err)
{
  return s->commit(s, err);
}

void stream_abort(OutStream *s)
{
  if (s)
    s->abort(s);
}

/* ---- Memory ------------------------------------------------------------- */

typedef struct MemIn {
  InStream base;
  const char *p;
  size_t left;
} MemIn;

static ptrdiff_t mem_read(InStream *s, void *buf, size_t n, Err *err)
{
  MemIn *m = (MemIn *)s;
  (void)err;
  if (n > m->left)
    n = m->left;
  memcpy(buf, m->p, n);
  m->p += n;
  m->left -= n;
  return (ptrdiff_t)n;
}

static void mem_close(InStream *s)
{
  free(s);
}

InStream *stream_mem_in(const void *data, size_t len)
{
  MemIn *m = xcalloc(1, sizeof *m);
  m->base.read = mem_read;
  m->base.close = mem_close;
  m->p = data;
  m->left = len;
  return &m->base;
}

typedef struct MemOut {
  OutStream base;
  StrBuf *sb;
} MemOut;

static bool memo_write(OutStream *s, const void *buf, size_t n, Err *err)
{
  (void)err;
  sb_put(((MemOut *)s)->sb, buf, n);
  return true;
}

static bool memo_commit(OutStream *s, Err *err)
{
  (void)err;
  free(s);
  return true;
}

static void memo_abort(OutStream *s)
{
  free(s);
}

OutStream *stream_mem_out(StrBuf *sb)
{
  MemOut *m = xcalloc(1, sizeof *m);
  m->base.write = memo_write;
  m->base.commit = memo_commit;
  m->base.abort = memo_abort;
  m->sb = sb;
  return &m->base;
}

/* ---- zlib --------------------------------------------------------------- */

typedef struct ZIn {
  InStream base;
  InStream *inner; /* owned */
  z_stream z;
  bool eof_in, finished, gzip;
  unsigned char in[CHUNK];
} ZIn;

static ptrdiff_t zin_read(InStream *s, void *buf, size_t n, Err *err)
{
  ZIn *z = (ZIn *)s;
  if (z->finished || n == 0)
    return 0;
  z->z.next_out = buf;
  z->z.avail_out = (uInt)(n > CHUNK ? CHUNK : n);
  while (z->z.avail_out > 0) {
    if (z->z.avail_in == 0 && !z->eof_in) {
      ptrdiff_t r = stream_read(z->inner, z->in, sizeof z->in, err);
      if (r < 0)
        return -1;
      if (r == 0)
        z->eof_in = true;
      z->z.next_in = z->in;
      z->z.avail_in = (uInt)r;
    }
    int rc = inflate(&z->z, Z_NO_FLUSH);
    if (rc == Z_STREAM_END) {
      /* Concatenated gzip members (as `cat a.gz b.gz` makes) continue. */
      if (z->gzip && (z->z.avail_in > 0 || !z->eof_in)) {
        if (z->z.avail_in == 0) {
          ptrdiff_t r = stream_read(z->inner, z->in, sizeof z->in, err);
          if (r < 0)
            return -1;
          if (r == 0) {
            z->finished = true;
            break;
          }
          z->z.next_in = z->in;
          z->z.avail_in = (uInt)r;
        }
        inflateReset(&z->z);
        continue;
      }
      z->finished = true;
      break;
    }
    if (rc == Z_BUF_ERROR && z->eof_in && z->z.avail_in == 0) {
      err_set(err, ERR_DATA_FORMAT, NULL,
              "compressed data is truncated (unexpected end of stream)");
      return -1;
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      err_set(err, ERR_DATA_FORMAT, NULL, "compressed data is corrupt: %s",
              z->z.msg ? z->z.msg : "inflate failed");
      return -1;
    }
  }
  return (ptrdiff_t)((n > CHUNK ? CHUNK : n) - z->z.avail_out);
}

static void zin_close(InStream *s)
{
  ZIn *z = (ZIn *)s;
  inflateEnd(&z->z);
  stream_close(z->inner);
  free(z);
}

static int codec_bits(const char *codec, bool *known)
{
  *known = true;
  if (strcasecmp(codec, "gzip") == 0)
    return 15 + 16;
  if (strcasecmp(codec, "deflate") == 0)
    return -15;
  *known = false;
  return 0;
}

InStream *stream_decompress(InStream *inner, const char *codec, Err *err)
{
  bool known;
  int bits = codec_bits(codec, &known);
  if (!known) {
    stream_close(inner);
    err_set(err, ERR_DATA_UNSUPPORTED, NULL,
            "compression codec '%s' is not supported (gzip, deflate are)",
            codec);
    return NULL;
  }
  ZIn *z = xcalloc(1, sizeof *z);
  z->base.read = zin_read;
  z->base.close = zin_close;
  z->inner = inner;
  z->gzip = bits > 15;
  if (inflateInit2(&z->z, bits) != Z_OK)
    abort(); /* only fails on OOM */
  return &z->base;
}

typedef struct ZOut {
  OutStream base;
  OutStream *inner; /* owned */
  z_stream z;
  unsigned char out[CHUNK];
} ZOut;

static bool zout_pump(ZOut *z, int flush, Err *err)
{
  int rc;
  do {
    z->z.next_out = z->out;
    z->z.avail_out = sizeof z->out;
    rc = deflate(&z->z, flush);
    size_t have = sizeof z->out - z->z.avail_out;
    if (have && !stream_write(z->inner, z->out, have, err))
      return false;
  } while (z->z.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
  return true;
}

static bool zout_write(OutStream *s, const void *buf, size_t n, Err *err)
{
  ZOut *z = (ZOut *)s;
  while (n > 0) {
    uInt part = (uInt)(n > CHUNK ? CHUNK : n);
    z->z.next_in = (Bytef *)buf;
    z->z.avail_in = part;
    if (!zout_pump(z, Z_NO_FLUSH, err))
      return false;
    buf = (const char *)buf + part;
    n -= part;
  }
  return true;
}

static bool zout_commit(OutStream *s, Err *err)
{
  ZOut *z = (ZOut *)s;
  z->z.next_in = NULL;
  z->z.avail_in = 0;
  bool ok = zout_pump(z, Z_FINISH, err);
  deflateEnd(&z->z);
  OutStream *inner = z->inner;
  free(z);
  if (!ok) {
    stream_abort(inner);
    return false;
  }
  return stream_commit(inner, err);
}

static void zout_abort(OutStream *s)
{
  ZOut *z = (ZOut *)s;
  deflateEnd(&z->z);
  stream_abort(z->inner);
  free(z);
}

OutStream *stream_compress(OutStream *inner, const char *codec,
                           const char *level, Err *err)
{
  bool known;
  int bits = codec_bits(codec, &known);
  if (!known) {
    stream_abort(inner);
    err_set(err, ERR_DATA_UNSUPPORTED, NULL,
            "compression codec '%s' is not supported (gzip, deflate are)",
            codec);
    return NULL;
  }
  int lvl = Z_DEFAULT_COMPRESSION;
  if (level && strcasecmp(level, "Fastest") == 0)
    lvl = 1;
  else if (level && *level && strcasecmp(level, "Optimal") != 0) {
    stream_abort(inner);
    err_set(err, ERR_DATA_UNSUPPORTED, NULL,
            "compression level '%s' is not supported (Optimal, Fastest are)",
            level);
    return NULL;
  }
  ZOut *z = xcalloc(1, sizeof *z);
  z->base.write = zout_write;
  z->base.commit = zout_commit;
  z->base.abort = zout_abort;
  z->inner = inner;
  if (deflateInit2(&z->z, lvl, Z_DEFLATED, bits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    abort();
  return &z->base;
}

/* ---- Character sets ----------------------------------------------------- */

typedef enum Charset {
  CS_UTF8,
  CS_UTF16LE,
  CS_UTF16BE,
  CS_LATIN1,
  CS_ASCII,
  CS_UNKNOWN
} Charset;

static Charset charset_of(const char *name)
{
  if (!name || !*name || strcasecmp(name, "UTF-8") == 0 ||
      strcasecmp(name, "UTF8") == 0 ||
      strcasecmp(name, "UTF-8 without BOM") == 0)
    return CS_UTF8;
  if (strcasecmp(name, "UTF-16") == 0 || strcasecmp(name, "UTF-16LE") == 0 ||
      strcasecmp(name, "UTF16") == 0)
    return CS_UTF16LE;
  if (strcasecmp(name, "UTF-16BE") == 0)
    return CS_UTF16BE;
  if (strcasecmp(name, "ISO-8859-1") == 0 || strcasecmp(name, "Latin1") == 0 ||
      strcasecmp(name, "Latin-1") == 0)
    return CS_LATIN1;
  if (strcasecmp(name, "US-ASCII") == 0 || strcasecmp(name, "ASCII") == 0)
    return CS_ASCII;
  return CS_UNKNOWN;
}

bool stream_encoding_known(const char *encoding)
{
  return charset_of(encoding) != CS_UNKNOWN;
}

static bool unknown_charset(const char *name, Err *err)
{
  return err_set(err, ERR_DATA_UNSUPPORTED, NULL,
                 "encodingName '%s' is not supported (UTF-8, UTF-16, "
                 "UTF-16BE, ISO-8859-1, US-ASCII are)",
                 name);
}

static size_t put_utf8(unsigned char *o, uint32_t cp)
{
  if (cp < 0x80) {
    o[0] = (unsigned char)cp;
    return 1;
  }
  if (cp < 0x800) {
    o[0] = (unsigned char)(0xC0 | (cp >> 6));
    o[1] = (unsigned char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    o[0] = (unsigned char)(0xE0 | (cp >> 12));
    o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[2] = (unsigned char)(0x80 | (cp & 0x3F));
    return 3;
  }
  o[0] = (unsigned char)(0xF0 | (cp >> 18));
  o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
  o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
  o[3] = (unsigned char)(0x80 | (cp & 0x3F));
  return 4;
}

/* Decoder: raw bytes from 'inner' into UTF-8 in 'out'.  'raw' keeps a
 * partial code unit (or surrogate pair) across reads. */
typedef struct DecIn {
  InStream base;
  InStream *inner; /* owned */
  Charset cs;
  bool started, eof;
  unsigned char raw[CHUNK + 4];
  size_t raw_len;
  unsigned char out[CHUNK * 2 + 8];
  size_t out_pos, out_len;
} DecIn;

static bool dec_fill(DecIn *d, Err *err)
{
  ptrdiff_t r = 0;
  if (!d->eof) {
    r = stream_read(d->inner, d->raw + d->raw_len, CHUNK, err);
    if (r < 0)
      return false;
    if (r == 0)
      d->eof = true;
    d->raw_len += (size_t)r;
  }
  size_t i = 0, o = 0;
  if (!d->started && (d->raw_len >= 3 || d->eof)) {
    d->started = true;
    if (d->cs == CS_UTF8 && d->raw_len >= 3 && d->raw[0] == 0xEF &&
        d->raw[1] == 0xBB && d->raw[2] == 0xBF)
      i = 3;
    else if ((d->cs == CS_UTF16LE || d->cs == CS_UTF16BE) && d->raw_len >= 2) {
      if (d->raw[0] == 0xFF && d->raw[1] == 0xFE) {
        d->cs = CS_UTF16LE;
        i = 2;
      } else if (d->raw[0] == 0xFE && d->raw[1] == 0xFF) {
        d->cs = CS_UTF16BE;
        i = 2;
      }
    }
  } else if (!d->started) {
    return true; /* wait for 3 bytes to judge the BOM */
  }
  switch (d->cs) {
  case CS_UTF8:
    memcpy(d->out, d->raw + i, d->raw_len - i);
    o = d->raw_len - i;
    i = d->raw_len;
    break;
  case CS_LATIN1:
  case CS_ASCII:
    for (; i < d->raw_len; i++)
      o += put_utf8(d->out + o, d->raw[i]);
    break;
  case CS_UTF16LE:
  case CS_UTF16BE:
    while (i + 2 <= d->raw_len) {
      bool le = d->cs == CS_UTF16LE;
      uint32_t u = le ? (uint32_t)(d->raw[i] | d->raw[i + 1] << 8)
                      : (uint32_t)(d->raw[i] << 8 | d->raw[i + 1]);
      if (u >= 0xD800 && u < 0xDC00) {
        if (i + 4 > d->raw_len) {
          if (!d->eof)
            break; /* the low half comes with the next read */
          u = 0xFFFD;
          i += 2;
        } else {
          uint32_t lo = le ? (uint32_t)(d->raw[i + 2] | d->raw[i + 3] << 8)
                           : (uint32_t)(d->raw[i + 2] << 8 | d->raw[i + 3]);
          if (lo >= 0xDC00 && lo < 0xE000) {
            u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
            i += 4;
          } else {
            u = 0xFFFD;
            i += 2;
          }
        }
      } else {
        i += 2;
      }
      o += put_utf8(d->out + o, u);
    }
    if (d->eof && i < d->raw_len) {
      err_set(err, ERR_DATA_FORMAT, NULL,
              "UTF-16 data ends in the middle of a character");
      return false;
    }
    break;
  case CS_UNKNOWN:
    break;
  }
  memmove(d->raw, d->raw + i, d->raw_len - i);
  d->raw_len -= i;
  d->out_pos = 0;
  d->out_len = o;
  return true;
}

static ptrdiff_t dec_read(InStream *s, void *buf, size_t n, Err *err)
{
  DecIn *d = (DecIn *)s;
  while (d->out_pos == d->out_len) {
    if (d->eof && d->raw_len == 0)
      return 0;
    if (!dec_fill(d, err))
      return -1;
  }
  size_t k = d->out_len - d->out_pos;
  if (k > n)
    k = n;
  memcpy(buf, d->out + d->out_pos, k);
  d->out_pos += k;
  return (ptrdiff_t)k;
}

static void dec_close(InStream *s)
{
  DecIn *d = (DecIn *)s;
  stream_close(d->inner);
  free(d);
}

InStream *stream_decode(InStream *inner, const char *encoding, Err *err)
{
  Charset cs = charset_of(encoding);
  if (cs == CS_UNKNOWN) {
    stream_close(inner);
    unknown_charset(encoding, err);
    return NULL;
  }
  DecIn *d = xcalloc(1, sizeof *d);
  d->base.read = dec_read;
  d->base.close = dec_close;
  d->inner = inner;
  d->cs = cs;
  return &d->base;
}

/* Encoder: UTF-8 in, target charset out.  'pend' keeps an incomplete
 * UTF-8 sequence across writes. */
typedef struct EncOut {
  OutStream base;
  OutStream *inner; /* owned */
  Charset cs;
  bool bom_done;
  unsigned char pend[4];
  size_t n_pend;
  unsigned char out[CHUNK * 2 + 16];
} EncOut;

static bool enc_unit(EncOut *e, uint32_t u, size_t *o)
{
  if (e->cs == CS_UTF16LE) {
    e->out[(*o)++] = (unsigned char)(u & 0xFF);
    e->out[(*o)++] = (unsigned char)(u >> 8);
  } else {
    e->out[(*o)++] = (unsigned char)(u >> 8);
    e->out[(*o)++] = (unsigned char)(u & 0xFF);
  }
  return true;
}

static bool enc_cp(EncOut *e, uint32_t cp, size_t *o, Err *err)
{
  switch (e->cs) {
  case CS_LATIN1:
  case CS_ASCII:
    if (cp > (e->cs == CS_ASCII ? 0x7Fu : 0xFFu)) {
      /* .NET's encoders substitute '?' for characters they cannot map. */
      e->out[(*o)++] = '?';
    } else {
      e->out[(*o)++] = (unsigned char)cp;
    }
    return true;
  case CS_UTF16LE:
  case CS_UTF16BE:
    if (cp >= 0x10000) {
      cp -= 0x10000;
      enc_unit(e, 0xD800 + (cp >> 10), o);
      return enc_unit(e, 0xDC00 + (cp & 0x3FF), o);
    }
    return enc_unit(e, cp, o);
  default:
    return err_set(err, ERR_INTERNAL, NULL, "bad charset");
  }
}

static size_t utf8_need(unsigned char c)
{
  if (c < 0x80)
    return 1;
  if ((c & 0xE0) == 0xC0)
    return 2;
  if ((c & 0xF0) == 0xE0)
    return 3;
  if ((c & 0xF8) == 0xF0)
    return 4;
  return 1; /* stray continuation byte: taken as U+FFFD below */
}

static uint32_t utf8_decode1(const unsigned char *p, size_t need)
{
  switch (need) {
  case 2:
    return (uint32_t)(p[0] & 0x1F) << 6 | (p[1] & 0x3F);
  case 3:
    return (uint32_t)(p[0] & 0x0F) << 12 | (uint32_t)(p[1] & 0x3F) << 6 |
           (p[2] & 0x3F);
  case 4:
    return (uint32_t)(p[0] & 0x07) << 18 | (uint32_t)(p[1] & 0x3F) << 12 |
           (uint32_t)(p[2] & 0x3F) << 6 | (p[3] & 0x3F);
  default:
    return p[0] < 0x80 ? p[0] : 0xFFFD;
  }
}

static bool enc_write(OutStream *s, const void *buf, size_t n, Err *err)
{
  EncOut *e = (EncOut *)s;
  const unsigned char *p = buf;
  size_t o = 0;
  if (!e->bom_done) {
    e->bom_done = true;
    /* .NET's Encoding.Unicode writes a BOM; ADF's UTF-16 files carry one. */
    if (e->cs == CS_UTF16LE || e->cs == CS_UTF16BE)
      enc_unit(e, 0xFEFF, &o);
  }
  while (n > 0) {
    if (e->n_pend > 0) {
      size_t need = utf8_need(e->pend[0]);
      while (e->n_pend < need && n > 0) {
        e->pend[e->n_pend++] = *p++;
        n--;
      }
      if (e->n_pend < need)
        break;
      if (!enc_cp(e, utf8_decode1(e->pend, need), &o, err))
        return false;
      e->n_pend = 0;
      continue;
    }
    size_t need = utf8_need(*p);
    if (need > n) {
      memcpy(e->pend, p, n);
      e->n_pend = n;
      break;
    }
    if (!enc_cp(e, utf8_decode1(p, need), &o, err))
      return false;
    p += need;
    n -= need;
    if (o >= CHUNK) {
      if (!stream_write(e->inner, e->out, o, err))
        return false;
      o = 0;
    }
  }
  return stream_write(e->inner, e->out, o, err);
}

static bool enc_commit(OutStream *s, Err *err)
{
  EncOut *e = (EncOut *)s;
  OutStream *inner = e->inner;
  bool ok = true;
  if (!e->bom_done)
    ok = enc_write(s, "", 0, err); /* an empty UTF-16 file still has a BOM */
  if (ok && e->n_pend > 0) {
    size_t o = 0;
    ok = enc_cp(e, 0xFFFD, &o, err) && stream_write(inner, e->out, o, err);
  }
  free(e);
  if (!ok) {
    stream_abort(inner);
    return false;
  }
  return stream_commit(inner, err);
}

static void enc_abort(OutStream *s)
{
  EncOut *e = (EncOut *)s;
  stream_abort(e->inner);
  free(e);
}

OutStream *stream_encode(OutStream *inner, const char *encoding, Err *err)
{
  Charset cs = charset_of(encoding);
  if (cs == CS_UNKNOWN) {
    stream_abort(inner);
    unknown_charset(encoding, err);
    return NULL;
  }
  if (cs == CS_UTF8)
    return inner;
  EncOut *e = xcalloc(1, sizeof *e);
  e->base.write = enc_write;
  e->base.commit = enc_commit;
  e->base.abort = enc_abort;
  e->inner = inner;
  e->cs = cs;
  return &e->base;
}
