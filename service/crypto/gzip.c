/* gzip.c: GZIP (RFC 1952) encoding with one fixed-Huffman DEFLATE block of literals and
 * distance-1 runs, and a complete inflater (stored, fixed and dynamic blocks) after the canonical
 * Huffman decoding of RFC 1951 §3.2.2. See gzip.h. */
#include "crypto/gzip.h"
#include <stdlib.h>
#include <string.h>

/* Lengths 3..258 and distances 1..32768: the base and extra bits of each code (RFC 1951 §3.2.5). */
static const uint16_t len_base[29] = {3,  4,  5,  6,   7,   8,   9,   10,  11, 13,
                                      15, 17, 19, 23,  27,  31,  35,  43,  51, 59,
                                      67, 83, 99, 115, 131, 163, 195, 227, 258};
static const uint8_t len_extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                      2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
static const uint16_t dist_base[30] = {
    1,   2,   3,   4,   5,   7,    9,    13,   17,   25,   33,   49,   65,    97,    129,
    193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
static const uint8_t dist_extra[30] = {0, 0, 0, 0, 1, 1, 2, 2,  3,  3,  4,  4,  5,  5,  6,
                                       6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

uint32_t gzip_crc32(uint32_t crc, const uint8_t *p, size_t n)
{
  crc = ~crc;
  for (size_t i = 0; i < n; i++) {
    crc ^= p[i];
    for (int k = 0; k < 8; k++)
      crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1)));
  }
  return ~crc;
}

/* ---- encoder ---- */

typedef struct {
  uint8_t *out;
  size_t pos;
  uint32_t bits; /* pending bits, LSB first */
  int nbits;
} gz_writer;

static void gz_put(gz_writer *w, uint32_t value, int n)
{
  w->bits |= value << w->nbits;
  w->nbits += n;
  while (w->nbits >= 8) {
    w->out[w->pos++] = (uint8_t)w->bits;
    w->bits >>= 8;
    w->nbits -= 8;
  }
}

/* A Huffman code is sent most significant bit first: reversed into the LSB-first stream. */
static void gz_put_code(gz_writer *w, uint32_t code, int n)
{
  uint32_t r = 0;
  for (int i = 0; i < n; i++)
    r |= ((code >> i) & 1u) << (n - 1 - i);
  gz_put(w, r, n);
}

/* A literal/length symbol 0..287 in the fixed code (RFC 1951 §3.2.6). */
static void gz_put_fixed(gz_writer *w, unsigned sym)
{
  if (sym < 144)
    gz_put_code(w, 0x30 + sym, 8);
  else if (sym < 256)
    gz_put_code(w, 0x190 + sym - 144, 9);
  else if (sym < 280)
    gz_put_code(w, sym - 256, 7);
  else
    gz_put_code(w, 0xC0 + sym - 280, 8);
}

/* A match of len 3..258 bytes at distance 1. */
static void gz_put_run(gz_writer *w, unsigned len)
{
  unsigned i = 28;
  while (len_base[i] > len)
    i--;
  gz_put_fixed(w, 257 + i);
  if (len_extra[i]) gz_put(w, len - len_base[i], len_extra[i]);
  gz_put_code(w, 0, 5); /* distance code 0: distance 1 */
}

static void gz_le32(uint8_t *p, uint32_t v)
{
  for (int i = 0; i < 4; i++)
    p[i] = (uint8_t)(v >> (8 * i));
}

size_t gzip_encode(const uint8_t *in, size_t n, uint8_t *out)
{
  static const uint8_t header[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff};
  memcpy(out, header, sizeof header);
  gz_writer w = {out, sizeof header, 0, 0};
  gz_put(&w, 1, 1); /* BFINAL */
  gz_put(&w, 1, 2); /* BTYPE 01: fixed Huffman */
  size_t i = 0;
  while (i < n) {
    uint8_t b = in[i];
    gz_put_fixed(&w, b);
    size_t run = 0;
    while (i + 1 + run < n && in[i + 1 + run] == b)
      run++;
    i++;
    while (run >= 3) {
      unsigned m = run > 258 ? 258 : (unsigned)run;
      gz_put_run(&w, m);
      i += m;
      run -= m;
    }
  }
  gz_put_fixed(&w, 256);
  if (w.nbits) gz_put(&w, 0, 8 - w.nbits);
  gz_le32(out + w.pos, gzip_crc32(0, in, n));
  gz_le32(out + w.pos + 4, (uint32_t)n);
  return w.pos + 8;
}

/* ---- decoder ---- */

#define GZ_MAXBITS 15
#define GZ_MAXLCODES 286
#define GZ_MAXDCODES 30
#define GZ_FIXLCODES 288

typedef struct {
  const uint8_t *in;
  size_t n, pos;
  uint32_t bitbuf;
  int bitcnt;
  uint8_t *out;
  size_t len, cap, max;
  int err;
} gz_reader;

typedef struct {
  short count[GZ_MAXBITS + 1]; /* codes of each length */
  short symbol[GZ_FIXLCODES];  /* symbols in canonical order */
} gz_huff;

/* need (0..16) bits from the stream; on running out sets err and gives 0. */
static uint32_t gz_bits(gz_reader *r, int need)
{
  uint32_t val = r->bitbuf;
  while (r->bitcnt < need) {
    if (r->pos == r->n) {
      r->err = 1;
      return 0;
    }
    val |= (uint32_t)r->in[r->pos++] << r->bitcnt;
    r->bitcnt += 8;
  }
  r->bitbuf = val >> need;
  r->bitcnt -= need;
  return val & ((1u << need) - 1);
}

static int gz_out(gz_reader *r, uint8_t b)
{
  if (r->len == r->cap) {
    if (r->cap >= r->max) return -1;
    size_t cap = r->cap ? 2 * r->cap : 4096;
    if (cap > r->max) cap = r->max;
    uint8_t *p = realloc(r->out, cap);
    if (!p) return -1;
    r->out = p;
    r->cap = cap;
  }
  r->out[r->len++] = b;
  return 0;
}

/* One symbol, or -1 (bits ran out or no code matches). */
static int gz_decode_sym(gz_reader *r, const gz_huff *h)
{
  int code = 0, first = 0, index = 0;
  for (int len = 1; len <= GZ_MAXBITS; len++) {
    code |= (int)gz_bits(r, 1);
    if (r->err) return -1;
    int count = h->count[len];
    if (code - count < first) return h->symbol[index + (code - first)];
    index += count;
    first += count;
    first <<= 1;
    code <<= 1;
  }
  return -1;
}

/* Builds h from n code lengths: 0 if complete, > 0 if incomplete, < 0 if over-subscribed. */
static int gz_construct(gz_huff *h, const short *length, int n)
{
  short offs[GZ_MAXBITS + 1];
  memset(h->count, 0, sizeof h->count);
  for (int s = 0; s < n; s++)
    h->count[length[s]]++;
  if (h->count[0] == n) return 0;
  int left = 1;
  for (int len = 1; len <= GZ_MAXBITS; len++) {
    left <<= 1;
    left -= h->count[len];
    if (left < 0) return left;
  }
  offs[1] = 0;
  for (int len = 1; len < GZ_MAXBITS; len++)
    offs[len + 1] = (short)(offs[len] + h->count[len]);
  for (int s = 0; s < n; s++)
    if (length[s]) h->symbol[offs[length[s]]++] = (short)s;
  return left;
}

/* The literal/length and distance codes of one block until its end symbol. */
static int gz_codes(gz_reader *r, const gz_huff *lencode, const gz_huff *distcode)
{
  for (;;) {
    int sym = gz_decode_sym(r, lencode);
    if (sym < 0) return -1;
    if (sym < 256) {
      if (gz_out(r, (uint8_t)sym)) return -1;
      continue;
    }
    if (sym == 256) return 0;
    sym -= 257;
    if (sym >= 29) return -1;
    size_t len = len_base[sym] + gz_bits(r, len_extra[sym]);
    int dsym = gz_decode_sym(r, distcode);
    if (dsym < 0 || dsym >= 30) return -1;
    size_t dist = dist_base[dsym] + gz_bits(r, dist_extra[dsym]);
    if (r->err || dist > r->len) return -1;
    while (len--)
      if (gz_out(r, r->out[r->len - dist])) return -1;
  }
}

static int gz_stored(gz_reader *r)
{
  r->bitbuf = 0;
  r->bitcnt = 0;
  if (r->n - r->pos < 4) return -1;
  const uint8_t *p = r->in + r->pos;
  unsigned len = p[0] | (unsigned)p[1] << 8, nlen = p[2] | (unsigned)p[3] << 8;
  if (len != (~nlen & 0xffffu)) return -1;
  r->pos += 4;
  if (r->n - r->pos < len) return -1;
  for (unsigned i = 0; i < len; i++)
    if (gz_out(r, r->in[r->pos + i])) return -1;
  r->pos += len;
  return 0;
}

/* The fixed codes (RFC 1951 §3.2.6), built on the stack each time: 318 lengths are cheap next to
 * a block, and nothing is shared between threads. */
static int gz_fixed(gz_reader *r)
{
  gz_huff lencode, distcode;
  short lengths[GZ_FIXLCODES];
  int s = 0;
  for (; s < 144; s++)
    lengths[s] = 8;
  for (; s < 256; s++)
    lengths[s] = 9;
  for (; s < 280; s++)
    lengths[s] = 7;
  for (; s < GZ_FIXLCODES; s++)
    lengths[s] = 8;
  gz_construct(&lencode, lengths, GZ_FIXLCODES);
  for (s = 0; s < GZ_MAXDCODES; s++)
    lengths[s] = 5;
  gz_construct(&distcode, lengths, GZ_MAXDCODES);
  return gz_codes(r, &lencode, &distcode);
}

/* The code lengths of a dynamic block's literal/length and distance codes. */
static int gz_dynamic_lengths(gz_reader *r, short *lengths, int nlen, int ndist)
{
  static const uint8_t order[19] = {16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
                                    11, 4,  12, 3, 13, 2, 14, 1, 15};
  int ncode = (int)gz_bits(r, 4) + 4;
  short cl[19] = {0};
  for (int i = 0; i < ncode; i++)
    cl[order[i]] = (short)gz_bits(r, 3);
  gz_huff lencode;
  if (r->err || gz_construct(&lencode, cl, 19) != 0) return -1;
  int index = 0;
  while (index < nlen + ndist) {
    int sym = gz_decode_sym(r, &lencode);
    if (sym < 0) return -1;
    if (sym < 16) {
      lengths[index++] = (short)sym;
      continue;
    }
    short len = 0;
    int rep;
    if (sym == 16) {
      if (index == 0) return -1;
      len = lengths[index - 1];
      rep = 3 + (int)gz_bits(r, 2);
    } else if (sym == 17) {
      rep = 3 + (int)gz_bits(r, 3);
    } else {
      rep = 11 + (int)gz_bits(r, 7);
    }
    if (r->err || index + rep > nlen + ndist) return -1;
    while (rep--)
      lengths[index++] = len;
  }
  return lengths[256] == 0 ? -1 : 0;
}

static int gz_dynamic(gz_reader *r)
{
  int nlen = (int)gz_bits(r, 5) + 257, ndist = (int)gz_bits(r, 5) + 1;
  if (r->err || nlen > GZ_MAXLCODES || ndist > GZ_MAXDCODES) return -1;
  short lengths[GZ_MAXLCODES + GZ_MAXDCODES];
  if (gz_dynamic_lengths(r, lengths, nlen, ndist)) return -1;
  gz_huff lencode, distcode;
  int err = gz_construct(&lencode, lengths, nlen);
  if (err < 0 || (err > 0 && nlen - lencode.count[0] != 1)) return -1;
  err = gz_construct(&distcode, lengths + nlen, ndist);
  if (err < 0 || (err > 0 && ndist - distcode.count[0] != 1)) return -1;
  return gz_codes(r, &lencode, &distcode);
}

static int gz_inflate(gz_reader *r)
{
  int last;
  do {
    last = (int)gz_bits(r, 1);
    int type = (int)gz_bits(r, 2);
    if (r->err) return -1;
    int rc = type == 0 ? gz_stored(r) : type == 1 ? gz_fixed(r) : type == 2 ? gz_dynamic(r) : -1;
    if (rc || r->err) return -1;
  } while (!last);
  return 0;
}

/* Skips a zero-terminated header field; -1 when it runs off the input. */
static int gz_skip_zstring(const uint8_t *in, size_t n, size_t *pos)
{
  const uint8_t *z = *pos < n ? memchr(in + *pos, 0, n - *pos) : NULL;
  if (!z) return -1;
  *pos = (size_t)(z - in) + 1;
  return 0;
}

/* The offset of the DEFLATE data after the GZIP header, or -1. */
static long gz_header(const uint8_t *in, size_t n)
{
  if (n < 18 || in[0] != 0x1f || in[1] != 0x8b || in[2] != 8 || (in[3] & 0xe0)) return -1;
  uint8_t flg = in[3];
  size_t pos = 10;
  if (flg & 4) { /* FEXTRA */
    if (n - pos < 2) return -1;
    size_t xlen = in[pos] | (size_t)in[pos + 1] << 8;
    pos += 2;
    if (n - pos < xlen) return -1;
    pos += xlen;
  }
  if ((flg & 8) && gz_skip_zstring(in, n, &pos)) return -1;  /* FNAME */
  if ((flg & 16) && gz_skip_zstring(in, n, &pos)) return -1; /* FCOMMENT */
  if (flg & 2) {                                             /* FHCRC */
    if (n - pos < 2) return -1;
    uint32_t crc = gzip_crc32(0, in, pos);
    if ((in[pos] | (unsigned)in[pos + 1] << 8) != (crc & 0xffffu)) return -1;
    pos += 2;
  }
  return (long)pos;
}

static uint32_t gz_rd32(const uint8_t *p)
{
  return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint8_t *gzip_decode(const uint8_t *in, size_t n, size_t max_out, size_t *out_len)
{
  long start = gz_header(in, n);
  if (start < 0) return NULL;
  gz_reader r = {.in = in, .n = n, .pos = (size_t)start, .max = max_out};
  int ok = gz_inflate(&r) == 0 && n - r.pos == 8 &&
           gz_rd32(in + r.pos) == gzip_crc32(0, r.out, r.len) &&
           gz_rd32(in + r.pos + 4) == (uint32_t)r.len;
  if (ok && !r.out) r.out = malloc(1); /* an empty result is still a result */
  if (!ok || !r.out) {
    free(r.out);
    return NULL;
  }
  *out_len = r.len;
  return r.out;
}
