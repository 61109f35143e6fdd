/* abi.h: the few Solidity ABI encodings the root registry needs: function selectors, static
 * arguments as 32-byte words, and reading a word of a call's answer. */
#ifndef DDC_ABI_H
#define DDC_ABI_H
#include <stddef.h>
#include <stdint.h>
#include "chain/secp.h"

#define ABI_WORD 32

/* The first 4 bytes of Keccak-256 of a canonical signature such as "anchor(bytes32,uint64)". */
void abi_selector(const char *signature, uint8_t out[4]);
/* anchor(bytes32 root, uint64 treeSize) call data: 4 + 64 bytes. */
void abi_anchor(const uint8_t root[32], uint64_t tree_size, uint8_t out[4 + 2 * ABI_WORD]);
/* anchoredAt(bytes32 root) call data: 4 + 32 bytes. */
void abi_anchored_at(const uint8_t root[32], uint8_t out[4 + ABI_WORD]);
/* setWriter(address writer, bool allowed) call data: 4 + 64 bytes. */
void abi_set_writer(const uint8_t writer[SECP_ADDR], int allowed, uint8_t out[4 + 2 * ABI_WORD]);
/* Word i of an answer as an unsigned 64-bit number: -1 if the answer is too short or the word
 * does not fit. */
int abi_word_u64(const uint8_t *ret, size_t len, size_t i, uint64_t *v);

#endif
