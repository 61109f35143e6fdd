/* rlp.c: RLP encoding. A list's header is inserted in front of its items once their length is
 * known. */
#include <stdlib.h>
#include <string.h>
#include "chain/rlp.h"

static int rlp_reserve(struct rlp_buf *b, size_t more)
{
  if (b->err) return -1;
  if (b->n + more <= b->cap) return 0;
  size_t cap = b->cap ? b->cap : 128;
  while (cap < b->n + more)
    cap *= 2;
  uint8_t *p = realloc(b->p, cap);
  if (!p) {
    b->err = 1;
    return -1;
  }
  b->p = p;
  b->cap = cap;
  return 0;
}

/* The header for a payload of len bytes with short-form base (0x80 strings, 0xc0 lists). */
static size_t rlp_header(uint8_t out[9], size_t len, uint8_t base)
{
  if (len < 56) {
    out[0] = (uint8_t)(base + len);
    return 1;
  }
  size_t k = 0;
  for (size_t v = len; v; v >>= 8)
    k++;
  out[0] = (uint8_t)(base + 55 + k);
  for (size_t i = 0; i < k; i++)
    out[k - i] = (uint8_t)(len >> (8 * i));
  return k + 1;
}

void rlp_raw(struct rlp_buf *b, const uint8_t *data, size_t len)
{
  if (rlp_reserve(b, len) != 0) return;
  if (len) memcpy(b->p + b->n, data, len);
  b->n += len;
}

void rlp_bytes(struct rlp_buf *b, const uint8_t *data, size_t len)
{
  uint8_t h[9];
  if (len == 1 && data[0] < 0x80) {
    rlp_raw(b, data, 1);
    return;
  }
  rlp_raw(b, h, rlp_header(h, len, 0x80));
  rlp_raw(b, data, len);
}

void rlp_uint(struct rlp_buf *b, uint64_t v)
{
  uint8_t be[8];
  size_t k = 0;
  for (int i = 7; i >= 0; i--)
    if (k || (v >> (8 * i)) & 0xff) be[k++] = (uint8_t)(v >> (8 * i));
  rlp_bytes(b, be, k);
}

void rlp_uint256(struct rlp_buf *b, const uint8_t be[32])
{
  size_t skip = 0;
  while (skip < 32 && be[skip] == 0)
    skip++;
  rlp_bytes(b, be + skip, 32 - skip);
}

size_t rlp_list_begin(const struct rlp_buf *b)
{
  return b->n;
}

void rlp_list_end(struct rlp_buf *b, size_t start)
{
  uint8_t h[9];
  if (b->err) return;
  size_t len = b->n - start, hl = rlp_header(h, len, 0xc0);
  if (rlp_reserve(b, hl) != 0) return;
  memmove(b->p + start + hl, b->p + start, len);
  memcpy(b->p + start, h, hl);
  b->n += hl;
}

void rlp_free(struct rlp_buf *b)
{
  free(b->p);
  memset(b, 0, sizeof *b);
}
