// merkle.js: RFC 9162 inclusion (§2.1.3.2) and consistency (§2.1.4.2) proofs in the browser, hashes as Uint8Array, SHA-256
// by WebCrypto: leaf SHA-256(0x00 || data), node SHA-256(0x01 || left || right).
const subtle = () => globalThis.crypto.subtle;

async function sha256(...parts) {
  const n = parts.reduce((a, p) => a + p.length, 0);
  const buf = new Uint8Array(n);
  let o = 0;
  for (const p of parts) { buf.set(p, o); o += p.length; }
  return new Uint8Array(await subtle().digest('SHA-256', buf));
}

export const leafHash = (data) => sha256(Uint8Array.of(0), data);
export const nodeHash = (l, r) => sha256(Uint8Array.of(1), l, r);
const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

// True when proof (an array of 32-byte hashes) shows leaf at index in the tree of size with root.
export async function verifyInclusion(leaf, index, size, proof, root) {
  if (!(index >= 0n && index < size) || leaf.length !== 32 || root.length !== 32) return false;
  let fn = index, sn = size - 1n, r = leaf;
  for (const p of proof) {
    if (p.length !== 32 || sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      r = await nodeHash(p, r);
      if ((fn & 1n) === 0n) while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
    } else {
      r = await nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && equal(r, root);
}

// True when proof shows the tree of size1 leaves (root1) is a prefix of the tree of size2 (root2);
// sizes are BigInts.
export async function verifyConsistency(size1, size2, proof, root1, root2) {
  if (size1 <= 0n || size1 > size2 || root1.length !== 32 || root2.length !== 32) return false;
  if (size1 === size2) return proof.length === 0 && equal(root1, root2);
  if (proof.length === 0 || proof.some((p) => p.length !== 32)) return false;
  const path = (size1 & (size1 - 1n)) === 0n ? [root1, ...proof] : proof;
  let fn = size1 - 1n, sn = size2 - 1n;
  while ((fn & 1n) === 1n) { fn >>= 1n; sn >>= 1n; }
  let fr = path[0], sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      fr = await nodeHash(c, fr); sr = await nodeHash(c, sr);
      while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
    } else {
      sr = await nodeHash(sr, c);
    }
    fn >>= 1n; sn >>= 1n;
  }
  return sn === 0n && equal(fr, root1) && equal(sr, root2);
}
