/* fuzz_merkle.c: RFC 9162 proof verification with hostile sizes, indexes and proofs. The input is
 * read as two 8-byte numbers, then 32-byte hashes: a root (or two) and the proof. Nothing may
 * crash, and a proof that verifies an inclusion must still do so when rerun. */
#include <stdint.h>
#include <string.h>
#include "verify/merkle.h"

static uint64_t fuzz_u64(const uint8_t *p)
{
  uint64_t v = 0;
  for (int i = 0; i < 8; i++)
    v = v << 8 | p[i];
  return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size < 16 + 64) return 0;
  uint64_t a = fuzz_u64(data), b = fuzz_u64(data + 8);
  const uint8_t *h = data + 16;
  size_t n = (size - 16 - 64) / 32;
  struct merkle_span proof[MERKLE_MAX_PROOF];
  if (n > MERKLE_MAX_PROOF) n = MERKLE_MAX_PROOF;
  for (size_t i = 0; i < n; i++)
    proof[i] = MERKLE_SPAN(h + 64 + 32 * i);
  int in = merkle_verify_inclusion(MERKLE_SPAN(h), a, b, proof, n, MERKLE_SPAN(h + 32));
  if (in == 0 && merkle_verify_inclusion(MERKLE_SPAN(h), a, b, proof, n, MERKLE_SPAN(h + 32)) != 0)
    __builtin_trap();
  merkle_verify_consistency(a, b, proof, n, MERKLE_SPAN(h), MERKLE_SPAN(h + 32));
  return 0;
}
