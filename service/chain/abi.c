/* abi.c: Solidity ABI encoding of static arguments (each a 32-byte big-endian word). */
#include <string.h>
#include "chain/abi.h"
#include "chain/keccak.h"

void abi_selector(const char *signature, uint8_t out[4])
{
  uint8_t h[KECCAK_HASH];
  keccak256(signature, strlen(signature), h);
  memcpy(out, h, 4);
}

static void abi_u64(uint64_t v, uint8_t word[ABI_WORD])
{
  memset(word, 0, ABI_WORD);
  for (int i = 0; i < 8; i++)
    word[ABI_WORD - 1 - i] = (uint8_t)(v >> (8 * i));
}

void abi_anchor(const uint8_t root[32], uint64_t tree_size, uint8_t out[4 + 2 * ABI_WORD])
{
  abi_selector("anchor(bytes32,uint64)", out);
  memcpy(out + 4, root, ABI_WORD);
  abi_u64(tree_size, out + 4 + ABI_WORD);
}

void abi_anchored_at(const uint8_t root[32], uint8_t out[4 + ABI_WORD])
{
  abi_selector("anchoredAt(bytes32)", out);
  memcpy(out + 4, root, ABI_WORD);
}

void abi_set_writer(const uint8_t writer[SECP_ADDR], int allowed, uint8_t out[4 + 2 * ABI_WORD])
{
  abi_selector("setWriter(address,bool)", out);
  memset(out + 4, 0, ABI_WORD - SECP_ADDR);
  memcpy(out + 4 + ABI_WORD - SECP_ADDR, writer, SECP_ADDR);
  abi_u64(allowed ? 1 : 0, out + 4 + ABI_WORD);
}

int abi_word_u64(const uint8_t *ret, size_t len, size_t i, uint64_t *v)
{
  if (len < (i + 1) * ABI_WORD) return -1;
  const uint8_t *w = ret + i * ABI_WORD;
  for (int k = 0; k < ABI_WORD - 8; k++)
    if (w[k]) return -1;
  *v = 0;
  for (int k = ABI_WORD - 8; k < ABI_WORD; k++)
    *v = (*v << 8) | w[k];
  return 0;
}
