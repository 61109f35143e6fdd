/* merkle.h: RFC 9162 §2.1 Merkle trees (the RFC 6962 hashing) over SHA-256: leaf and node hashes,
 * tree heads, inclusion and consistency proofs and their verification.
 *
 * Proofs are built from complete subtrees, the C2SP tlog-tiles view of a log: the subtree at
 * (level, index) holds the 2^level leaves from index * 2^level on, and once all of them exist its
 * hash never changes, so a store keeps one hash per complete subtree. The generators ask a
 * merkle_subtree_fn for those hashes, never for a subtree that is not complete in the tree they
 * prove against, and need O(log n) calls per proof: no proof needs the leaves in memory. */
#ifndef DDC_MERKLE_H
#define DDC_MERKLE_H
#include <stddef.h>
#include <stdint.h>

#define MERKLE_HASH_SIZE 32 /* SHA-256 */
/* Most hashes a proof for a tree of up to 2^64 - 1 leaves holds: an inclusion proof has one per
 * level (64), a consistency proof may add the hash of a subtree of the first tree (65). */
#define MERKLE_MAX_PROOF 65

/* A byte string to verify, as it arrived: a hash is only accepted when len is MERKLE_HASH_SIZE. */
struct merkle_span {
  const uint8_t *data;
  size_t len;
};

/* A span over a MERKLE_HASH_SIZE-byte array. */
#define MERKLE_SPAN(hash) ((struct merkle_span){(hash), MERKLE_HASH_SIZE})

/* Writes the hash of the complete subtree of 2^level leaves starting at leaf index * 2^level into
 * out; returns 0, or -1 when it cannot (the generator then fails). */
typedef int (*merkle_subtree_fn)(void *ctx, unsigned level, uint64_t index,
                                 uint8_t out[MERKLE_HASH_SIZE]);

/* SHA-256(0x00 || data): the hash of a leaf holding data. */
void merkle_leaf_hash(const uint8_t *data, size_t len, uint8_t out[MERKLE_HASH_SIZE]);

/* SHA-256(0x01 || left || right): the hash of an inner node; out may be left or right. */
void merkle_node_hash(const uint8_t left[MERKLE_HASH_SIZE], const uint8_t right[MERKLE_HASH_SIZE],
                      uint8_t out[MERKLE_HASH_SIZE]);

/* The root of the tree over the n leaf hashes leaves[0..n); with n = 0, SHA-256 of nothing. */
void merkle_root(const uint8_t (*leaves)[MERKLE_HASH_SIZE], size_t n,
                 uint8_t root[MERKLE_HASH_SIZE]);

/* The root of the tree of size leaves from the complete subtrees of size's binary decomposition
 * (at most 64 calls to fn, none when size is 0). Returns 0, or -1 when fn fails. */
int merkle_tree_root(merkle_subtree_fn fn, void *ctx, uint64_t size,
                     uint8_t root[MERKLE_HASH_SIZE]);

/* The inclusion proof of leaf index in the tree of size leaves (RFC 9162 §2.1.3.1), from the
 * lowest level up, into proof; its length in *n. Returns 0, or -1 when index >= size or fn
 * fails. */
int merkle_inclusion_proof(merkle_subtree_fn fn, void *ctx, uint64_t index, uint64_t size,
                           uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE], size_t *n);

/* The consistency proof of the tree of size1 leaves with the tree of size2 (RFC 9162 §2.1.4.1)
 * into proof, its length in *n (0 when the sizes are equal). Returns 0, or -1 when size1 is 0,
 * size1 > size2 or fn fails. */
int merkle_consistency_proof(merkle_subtree_fn fn, void *ctx, uint64_t size1, uint64_t size2,
                             uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE], size_t *n);

/* Returns 0 when proof[0..n) proves that the leaf with hash leaf_hash is at index in the tree of
 * size leaves with that root (RFC 9162 §2.1.3.2), else -1: index >= size, a leaf hash, root or
 * proof element that is not MERKLE_HASH_SIZE bytes, a proof of the wrong length, a mismatch. */
int merkle_verify_inclusion(struct merkle_span leaf_hash, uint64_t index, uint64_t size,
                            const struct merkle_span *proof, size_t n, struct merkle_span root);

/* Returns 0 when proof[0..n) proves that the tree of size1 leaves with root1 is a prefix of the
 * tree of size2 leaves with root2 (RFC 9162 §2.1.4.2), else -1: size1 is 0 (even with size2 0),
 * size1 > size2, a root or proof element that is not MERKLE_HASH_SIZE bytes, a proof of the wrong
 * length, a mismatch. Equal sizes need an empty proof and root1 equal to root2, compared as byte
 * strings as transparency-dev/merkle does (so two equal roots of another length pass too). */
int merkle_verify_consistency(uint64_t size1, uint64_t size2, const struct merkle_span *proof,
                              size_t n, struct merkle_span root1, struct merkle_span root2);

#endif
