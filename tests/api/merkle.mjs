// merkle.mjs: RFC 9162 proof verification written from the RFC (§2.1.3.2 and §2.1.4.2),
// independent of the C code, for the ledger suite. Hashes are Buffers.
import crypto from 'node:crypto';

const sha256 = (...parts) => crypto.createHash('sha256').update(Buffer.concat(parts)).digest();
export const leafHash = (data) => sha256(Buffer.from([0]), Buffer.from(data));
export const nodeHash = (l, r) => sha256(Buffer.from([1]), l, r);

// True when proof shows leaf at index in the tree of size with this root.
export function verifyInclusion(leaf, index, size, proof, root) {
  if (index >= size || leaf.length !== 32 || root.length !== 32) return false;
  let fn = BigInt(index), sn = BigInt(size) - 1n, r = leaf;
  for (const p of proof) {
    if (p.length !== 32 || sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      r = nodeHash(p, r);
      if ((fn & 1n) === 0n) while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1n; sn >>= 1n;
  }
  return sn === 0n && r.equals(root);
}

// True when proof shows the tree of size1 (root1) is a prefix of the tree of size2 (root2).
export function verifyConsistency(size1, size2, proof, root1, root2) {
  if (size1 === 0 || size1 > size2) return false;
  if (size1 === size2) return proof.length === 0 && root1.equals(root2);
  if (proof.length === 0 || proof.some((p) => p.length !== 32)) return false;
  const path = (size1 & (size1 - 1)) === 0 ? [root1, ...proof] : proof; // size1 a power of two
  let fn = BigInt(size1) - 1n, sn = BigInt(size2) - 1n;
  while ((fn & 1n) === 1n) { fn >>= 1n; sn >>= 1n; }
  let fr = path[0], sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      fr = nodeHash(c, fr); sr = nodeHash(c, sr);
      while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
    } else {
      sr = nodeHash(sr, c);
    }
    fn >>= 1n; sn >>= 1n;
  }
  return sn === 0n && fr.equals(root1) && sr.equals(root2);
}
