/* rlp.h: Recursive Length Prefix encoding (Ethereum yellow paper, appendix B) into a growing
 * buffer: byte strings, unsigned integers as minimal big-endian strings, and nested lists. */
#ifndef DDC_RLP_H
#define DDC_RLP_H
#include <stddef.h>
#include <stdint.h>

struct rlp_buf {
  uint8_t *p;
  size_t n, cap;
  int err; /* set once an allocation failed; every later call does nothing */
};

void rlp_bytes(struct rlp_buf *b, const uint8_t *data, size_t len);
/* v as a minimal big-endian string (0 is the empty string). */
void rlp_uint(struct rlp_buf *b, uint64_t v);
/* A 32-byte big-endian number with its leading zero bytes dropped (signature r and s). */
void rlp_uint256(struct rlp_buf *b, const uint8_t be[32]);
/* Raw bytes appended unencoded (the type byte of a typed transaction). */
void rlp_raw(struct rlp_buf *b, const uint8_t *data, size_t len);
/* A list: remember rlp_list_begin's answer, encode the items, then rlp_list_end with it. */
size_t rlp_list_begin(const struct rlp_buf *b);
void rlp_list_end(struct rlp_buf *b, size_t start);
void rlp_free(struct rlp_buf *b);

#endif
