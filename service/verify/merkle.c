/* merkle.c: RFC 9162 §2.1 Merkle trees over SHA-256. Owns the leaf and node hashes (§2.1.1), the
 * tree head of a leaf list, proof generation from complete-subtree hashes (§2.1.3.1, §2.1.4.1)
 * and proof verification (§2.1.3.2, §2.1.4.2).
 *
 * A subtree D[lo:hi] of the RFC's recursion is either complete (hi - lo a power of two, lo a
 * multiple of it) or on the right border of the tree; either way lo is a multiple of the smallest
 * power of two >= hi - lo, so the complete subtrees of hi - lo's binary decomposition, largest
 * first, start at lo, and MTH(D[lo:hi]) is their hashes folded from the right. */
#include <sodium.h>
#include <string.h>
#include "verify/merkle.h"

void merkle_leaf_hash(const uint8_t *data, size_t len, uint8_t out[MERKLE_HASH_SIZE])
{
  static const uint8_t prefix = 0x00;
  crypto_hash_sha256_state st;
  crypto_hash_sha256_init(&st);
  crypto_hash_sha256_update(&st, &prefix, 1);
  crypto_hash_sha256_update(&st, data, len);
  crypto_hash_sha256_final(&st, out);
}

void merkle_node_hash(const uint8_t left[MERKLE_HASH_SIZE], const uint8_t right[MERKLE_HASH_SIZE],
                      uint8_t out[MERKLE_HASH_SIZE])
{
  uint8_t buf[1 + 2 * MERKLE_HASH_SIZE];
  buf[0] = 0x01;
  memcpy(buf + 1, left, MERKLE_HASH_SIZE);
  memcpy(buf + 1 + MERKLE_HASH_SIZE, right, MERKLE_HASH_SIZE);
  crypto_hash_sha256(out, buf, sizeof buf);
}

/* The largest power of two below n (n >= 2): where the RFC splits a tree of n leaves. */
static uint64_t merkle_split(uint64_t n)
{
  uint64_t k = 1;
  while (k < (UINT64_C(1) << 63) && (k << 1) < n)
    k <<= 1;
  return k;
}

static void merkle_root_of(const uint8_t (*leaves)[MERKLE_HASH_SIZE], size_t n,
                           uint8_t root[MERKLE_HASH_SIZE])
{
  if (n == 1) {
    memcpy(root, leaves[0], MERKLE_HASH_SIZE);
    return;
  }
  size_t k = (size_t)merkle_split(n);
  uint8_t left[MERKLE_HASH_SIZE];
  merkle_root_of(leaves, k, left);
  merkle_root_of(leaves + k, n - k, root);
  merkle_node_hash(left, root, root);
}

void merkle_root(const uint8_t (*leaves)[MERKLE_HASH_SIZE], size_t n,
                 uint8_t root[MERKLE_HASH_SIZE])
{
  if (n == 0)
    crypto_hash_sha256(root, NULL, 0);
  else
    merkle_root_of(leaves, n, root);
}

/* MTH(D[lo:hi]) for a subtree of the RFC's recursion (hi > lo): one call to fn when it is
 * complete, one per bit of hi - lo on the right border. */
static int merkle_range(merkle_subtree_fn fn, void *ctx, uint64_t lo, uint64_t hi,
                        uint8_t out[MERKLE_HASH_SIZE])
{
  uint8_t parts[64][MERKLE_HASH_SIZE];
  uint64_t count = hi - lo;
  int k = 0;
  for (unsigned level = 64; level-- > 0;) {
    if (((count >> level) & 1) == 0) continue;
    if (fn(ctx, level, lo >> level, parts[k]) != 0) return -1;
    lo += UINT64_C(1) << level;
    k++;
  }
  memcpy(out, parts[--k], MERKLE_HASH_SIZE);
  while (k-- > 0)
    merkle_node_hash(parts[k], out, out);
  return 0;
}

int merkle_tree_root(merkle_subtree_fn fn, void *ctx, uint64_t size, uint8_t root[MERKLE_HASH_SIZE])
{
  if (size == 0) {
    crypto_hash_sha256(root, NULL, 0);
    return 0;
  }
  return merkle_range(fn, ctx, 0, size, root);
}

/* Reverses proof[0..n): the generators walk down from the root, proofs list hashes upwards. */
static void merkle_reverse(uint8_t proof[][MERKLE_HASH_SIZE], size_t n)
{
  uint8_t tmp[MERKLE_HASH_SIZE];
  for (size_t i = 0; i < n / 2; i++) {
    size_t j = n - 1 - i;
    memcpy(tmp, proof[i], MERKLE_HASH_SIZE);
    memcpy(proof[i], proof[j], MERKLE_HASH_SIZE);
    memcpy(proof[j], tmp, MERKLE_HASH_SIZE);
  }
}

/* PATH(m, D[n]): walking down, the sibling of the half holding the leaf at each level. Only the
 * first right sibling can be on the border; every other one is complete. */
int merkle_inclusion_proof(merkle_subtree_fn fn, void *ctx, uint64_t index, uint64_t size,
                           uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE], size_t *n)
{
  if (index >= size) return -1;
  uint64_t lo = 0, hi = size;
  size_t k = 0;
  while (hi - lo > 1) {
    uint64_t mid = lo + merkle_split(hi - lo);
    int left = index < mid;
    if (merkle_range(fn, ctx, left ? mid : lo, left ? hi : mid, proof[k++]) != 0) return -1;
    if (left)
      hi = mid;
    else
      lo = mid;
  }
  merkle_reverse(proof, k);
  *n = k;
  return 0;
}

/* SUBPROOF(m, D[n], b) with m = size1 - lo: walking down, the sibling of the half holding leaf
 * size1 - 1 (the old tree ends at mid or earlier: go left), until the old tree's last complete
 * subtree D[lo:size1] is reached, which is added unless it is the old tree itself (b true). */
int merkle_consistency_proof(merkle_subtree_fn fn, void *ctx, uint64_t size1, uint64_t size2,
                             uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE], size_t *n)
{
  if (size1 == 0 || size1 > size2) return -1;
  uint64_t lo = 0, hi = size2;
  size_t k = 0;
  int whole = 1;
  while (hi != size1) {
    uint64_t mid = lo + merkle_split(hi - lo);
    int left = size1 <= mid;
    if (merkle_range(fn, ctx, left ? mid : lo, left ? hi : mid, proof[k++]) != 0) return -1;
    if (left) {
      hi = mid;
    } else {
      lo = mid;
      whole = 0;
    }
  }
  if (!whole && merkle_range(fn, ctx, lo, hi, proof[k++]) != 0) return -1;
  merkle_reverse(proof, k);
  *n = k;
  return 0;
}

/* Every proof[i] is a hash (proof may be NULL when n is 0). */
static int merkle_hashes_ok(const struct merkle_span *proof, size_t n)
{
  if (n > 0 && !proof) return 0;
  for (size_t i = 0; i < n; i++)
    if (!proof[i].data || proof[i].len != MERKLE_HASH_SIZE) return 0;
  return 1;
}

static int merkle_is_hash(struct merkle_span s)
{
  return s.data && s.len == MERKLE_HASH_SIZE;
}

/* The hash in r equals the span s (a hash too). */
static int merkle_same(const uint8_t r[MERKLE_HASH_SIZE], struct merkle_span s)
{
  return memcmp(r, s.data, MERKLE_HASH_SIZE) == 0;
}

/* Shifts fn and sn right together until fn is odd or 0 (§2.1.3.2 step 4.b, §2.1.4.2 step 6.b.iii):
 * the levels where the node is the last one and has no right sibling. */
static void merkle_skip_even(uint64_t *fn, uint64_t *sn)
{
  while (*fn != 0 && (*fn & 1) == 0) {
    *fn >>= 1;
    *sn >>= 1;
  }
}

int merkle_verify_inclusion(struct merkle_span leaf_hash, uint64_t index, uint64_t size,
                            const struct merkle_span *proof, size_t n, struct merkle_span root)
{
  if (index >= size || !merkle_is_hash(leaf_hash) || !merkle_is_hash(root)) return -1;
  if (!merkle_hashes_ok(proof, n)) return -1;
  /* Steps 2 to 5: fn walks up from the leaf, sn from the last leaf; a proof of the right length
   * ends with sn at 0 exactly at its last element. */
  uint64_t fn = index, sn = size - 1;
  uint8_t r[MERKLE_HASH_SIZE];
  memcpy(r, leaf_hash.data, MERKLE_HASH_SIZE);
  for (size_t i = 0; i < n; i++) {
    if (sn == 0) return -1;
    if ((fn & 1) || fn == sn) {
      merkle_node_hash(proof[i].data, r, r);
      merkle_skip_even(&fn, &sn);
    } else {
      merkle_node_hash(r, proof[i].data, r);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && merkle_same(r, root) ? 0 : -1;
}

/* Equal sizes: nothing to prove but that the roots are the same byte string. */
static int merkle_same_tree(size_t n, struct merkle_span root1, struct merkle_span root2)
{
  if (n != 0 || root1.len != root2.len) return -1;
  if (root1.len == 0) return 0;
  if (!root1.data || !root2.data) return -1;
  return memcmp(root1.data, root2.data, root1.len) == 0 ? 0 : -1;
}

int merkle_verify_consistency(uint64_t size1, uint64_t size2, const struct merkle_span *proof,
                              size_t n, struct merkle_span root1, struct merkle_span root2)
{
  if (size1 == 0 || size1 > size2) return -1;
  if (size1 == size2) return merkle_same_tree(n, root1, root2);
  if (n == 0 || !merkle_hashes_ok(proof, n)) return -1; /* step 1 */
  if (!merkle_is_hash(root1) || !merkle_is_hash(root2)) return -1;
  /* Step 2: when size1 is a power of two the path starts with root1, else with proof[0]. Then
   * fr rebuilds root1 from the left-hand hashes only, sr root2 from all of them. */
  size_t i = (size1 & (size1 - 1)) == 0 ? 0 : 1;
  const uint8_t *first = i == 0 ? root1.data : proof[0].data;
  uint64_t fn = size1 - 1, sn = size2 - 1;
  while (fn & 1) {
    fn >>= 1;
    sn >>= 1;
  }
  uint8_t fr[MERKLE_HASH_SIZE], sr[MERKLE_HASH_SIZE];
  memcpy(fr, first, MERKLE_HASH_SIZE);
  memcpy(sr, first, MERKLE_HASH_SIZE);
  for (; i < n; i++) {
    if (sn == 0) return -1;
    if ((fn & 1) || fn == sn) {
      merkle_node_hash(proof[i].data, fr, fr);
      merkle_node_hash(proof[i].data, sr, sr);
      merkle_skip_even(&fn, &sn);
    } else {
      merkle_node_hash(sr, proof[i].data, sr);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && merkle_same(fr, root1) && merkle_same(sr, root2) ? 0 : -1;
}
