/* keccak.h: Keccak-256 as Ethereum uses it (the original Keccak padding 0x01, not SHA-3's 0x06). */
#ifndef DDC_KECCAK_H
#define DDC_KECCAK_H
#include <stddef.h>
#include <stdint.h>

#define KECCAK_HASH 32
#define KECCAK_RATE 136 /* bytes absorbed per permutation at capacity 512 */

struct keccak_ctx {
  uint64_t s[25];
  uint8_t buf[KECCAK_RATE];
  size_t n; /* bytes in buf */
};

void keccak_init(struct keccak_ctx *c);
void keccak_update(struct keccak_ctx *c, const void *data, size_t len);
void keccak_final(struct keccak_ctx *c, uint8_t out[KECCAK_HASH]);
/* One call: out = Keccak-256(data[0..len)). */
void keccak256(const void *data, size_t len, uint8_t out[KECCAK_HASH]);

#endif
