/* keccak.c: Keccak-f[1600] and the Keccak-256 sponge (rate 136 bytes, padding 0x01 .. 0x80). */
#include <string.h>
#include "chain/keccak.h"

static const uint64_t keccak_rc[24] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL, 0x8000000080008000ULL,
    0x000000000000808bULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
    0x000000000000008aULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
    0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800aULL, 0x800000008000000aULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};
/* rho rotations and pi lane order, walked along the pi cycle starting at lane 1 */
static const unsigned keccak_rot[24] = {1,  3,  6,  10, 15, 21, 28, 36, 45, 55, 2,  14,
                                        27, 41, 56, 8,  25, 43, 62, 18, 39, 61, 20, 44};
static const unsigned keccak_pi[24] = {10, 7,  11, 17, 18, 3, 5,  16, 8,  21, 24, 4,
                                       15, 23, 19, 13, 12, 2, 20, 14, 22, 9,  6,  1};

static uint64_t keccak_rotl(uint64_t x, unsigned n)
{
  return (x << n) | (x >> (64 - n));
}

static void keccak_f(uint64_t s[25])
{
  for (int round = 0; round < 24; round++) {
    uint64_t c[5], t;
    for (int x = 0; x < 5; x++)
      c[x] = s[x] ^ s[x + 5] ^ s[x + 10] ^ s[x + 15] ^ s[x + 20];
    for (int x = 0; x < 5; x++) {
      t = c[(x + 4) % 5] ^ keccak_rotl(c[(x + 1) % 5], 1);
      for (int y = 0; y < 25; y += 5)
        s[y + x] ^= t;
    }
    t = s[1];
    for (int i = 0; i < 24; i++) {
      uint64_t next = s[keccak_pi[i]];
      s[keccak_pi[i]] = keccak_rotl(t, keccak_rot[i]);
      t = next;
    }
    for (int y = 0; y < 25; y += 5) {
      for (int x = 0; x < 5; x++)
        c[x] = s[y + x];
      for (int x = 0; x < 5; x++)
        s[y + x] = c[x] ^ (~c[(x + 1) % 5] & c[(x + 2) % 5]);
    }
    s[0] ^= keccak_rc[round];
  }
}

/* XORs one rate-sized block (little-endian lanes) into the state and permutes. */
static void keccak_absorb(uint64_t s[25], const uint8_t *block)
{
  for (int i = 0; i < KECCAK_RATE / 8; i++) {
    uint64_t lane = 0;
    for (int b = 7; b >= 0; b--)
      lane = (lane << 8) | block[8 * i + b];
    s[i] ^= lane;
  }
  keccak_f(s);
}

void keccak_init(struct keccak_ctx *c)
{
  memset(c, 0, sizeof *c);
}

void keccak_update(struct keccak_ctx *c, const void *data, size_t len)
{
  const uint8_t *p = data;
  while (len > 0) {
    size_t take = KECCAK_RATE - c->n < len ? KECCAK_RATE - c->n : len;
    memcpy(c->buf + c->n, p, take);
    c->n += take;
    p += take;
    len -= take;
    if (c->n == KECCAK_RATE) {
      keccak_absorb(c->s, c->buf);
      c->n = 0;
    }
  }
}

void keccak_final(struct keccak_ctx *c, uint8_t out[KECCAK_HASH])
{
  memset(c->buf + c->n, 0, KECCAK_RATE - c->n);
  c->buf[c->n] ^= 0x01;
  c->buf[KECCAK_RATE - 1] ^= 0x80;
  keccak_absorb(c->s, c->buf);
  for (int i = 0; i < KECCAK_HASH; i++)
    out[i] = (uint8_t)(c->s[i / 8] >> (8 * (i % 8)));
  memset(c, 0, sizeof *c);
}

void keccak256(const void *data, size_t len, uint8_t out[KECCAK_HASH])
{
  struct keccak_ctx c;
  keccak_init(&c);
  keccak_update(&c, data, len);
  keccak_final(&c, out);
}
