// sealed.mjs: opens a secret that ddcd sealed at rest (service/crypto/keys.c: a libsodium
// crypto_kdf subkey of the master key, then crypto_secretbox), for suites that must sign as a
// deployment does, e.g. as its log key. Written from the specs (RFC 7693 BLAKE2b with salt and
// personalisation, as crypto_kdf_derive_from_key uses it; XSalsa20 as crypto_secretbox does);
// the MAC is not checked here: callers compare what they opened with a public key.

// BLAKE2b (RFC 7693), for a keyed hash of an empty message: one block, the key's.
const M64 = (1n << 64n) - 1n;
const IV = [0x6a09e667f3bcc908n, 0xbb67ae8584caa73bn, 0x3c6ef372fe94f82bn, 0xa54ff53a5f1d36f1n,
  0x510e527fade682d1n, 0x9b05688c2b3e6c1fn, 0x1f83d9abfb41bd6bn, 0x5be0cd19137e2179n];
const SIGMA = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15], [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
  [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4], [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
  [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13], [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
  [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11], [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
  [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5], [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0]];
const rotr64 = (x, n) => ((x >> n) | (x << (64n - n))) & M64;

function blake2bCompress(h, block, t, last) {
  const v = [...h, ...IV];
  v[12] ^= t;
  if (last) v[14] ^= M64;
  const m = Array.from({ length: 16 }, (_, i) => block.readBigUInt64LE(8 * i));
  const g = (a, b, c, d, x, y) => {
    v[a] = (v[a] + v[b] + x) & M64; v[d] = rotr64(v[d] ^ v[a], 32n);
    v[c] = (v[c] + v[d]) & M64; v[b] = rotr64(v[b] ^ v[c], 24n);
    v[a] = (v[a] + v[b] + y) & M64; v[d] = rotr64(v[d] ^ v[a], 16n);
    v[c] = (v[c] + v[d]) & M64; v[b] = rotr64(v[b] ^ v[c], 63n);
  };
  for (let r = 0; r < 12; r++) {
    const s = SIGMA[r % 10];
    g(0, 4, 8, 12, m[s[0]], m[s[1]]); g(1, 5, 9, 13, m[s[2]], m[s[3]]);
    g(2, 6, 10, 14, m[s[4]], m[s[5]]); g(3, 7, 11, 15, m[s[6]], m[s[7]]);
    g(0, 5, 10, 15, m[s[8]], m[s[9]]); g(1, 6, 11, 12, m[s[10]], m[s[11]]);
    g(2, 7, 8, 13, m[s[12]], m[s[13]]); g(3, 4, 9, 14, m[s[14]], m[s[15]]);
  }
  return h.map((x, i) => x ^ v[i] ^ v[i + 8]);
}

// crypto_kdf_derive_from_key(32, id, ctx, master): BLAKE2b-256 keyed with the master key, salt the
// subkey id (little-endian, 8 bytes then zeros), personal the 8-byte context then zeros.
export function kdfDerive(master, id, ctx) {
  const p = Buffer.alloc(64);
  p[0] = 32; p[1] = master.length; p[2] = 1; p[3] = 1;
  p.writeBigUInt64LE(BigInt(id), 32);
  Buffer.from(ctx, 'latin1').copy(p, 48, 0, 8);
  const h = IV.map((x, i) => x ^ p.readBigUInt64LE(8 * i));
  const block = Buffer.alloc(128);
  master.copy(block);
  const out = Buffer.alloc(64);
  blake2bCompress(h, block, 128n, true).forEach((x, i) => out.writeBigUInt64LE(x, 8 * i));
  return out.subarray(0, 32);
}

// Salsa20/20 core; with add, the block function, without, HSalsa20's.
const rotl = (x, n) => ((x << n) | (x >>> (32 - n))) >>> 0;
function salsaCore(input, add) {
  const x = Uint32Array.from(input);
  const qr = (a, b, c, d) => {
    x[b] ^= rotl(x[a] + x[d], 7); x[c] ^= rotl(x[b] + x[a], 9);
    x[d] ^= rotl(x[c] + x[b], 13); x[a] ^= rotl(x[d] + x[c], 18);
  };
  for (let i = 0; i < 20; i += 2) {
    qr(0, 4, 8, 12); qr(5, 9, 13, 1); qr(10, 14, 2, 6); qr(15, 3, 7, 11);
    qr(0, 1, 2, 3); qr(5, 6, 7, 4); qr(10, 11, 8, 9); qr(15, 12, 13, 14);
  }
  if (add) for (let i = 0; i < 16; i++) x[i] += input[i];
  return x;
}
const SIGMA32 = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]; // "expand 32-byte k"
const words = (b, n) => Array.from({ length: n }, (_, i) => b.readUInt32LE(4 * i));
function salsaState(key, mid) { // mid: the 4 words between the key's halves
  const k = words(key, 8);
  return [SIGMA32[0], ...k.slice(0, 4), SIGMA32[1], ...mid.slice(0, 2), ...mid.slice(2, 4), SIGMA32[2],
    ...k.slice(4), SIGMA32[3]];
}

// crypto_secretbox_open_easy's decryption of nonce(24) || mac(16) || ciphertext, MAC unchecked.
export function secretboxOpen(key, box) {
  const nonce = box.subarray(0, 24), c = box.subarray(40);
  const x = salsaCore(salsaState(key, words(nonce, 4)), false);
  const sub = Buffer.alloc(32);
  [0, 5, 10, 15, 6, 7, 8, 9].forEach((w, i) => sub.writeUInt32LE(x[w], 4 * i));
  const n2 = words(nonce.subarray(16), 2);
  const stream = [];
  for (let ctr = 0; 64 * ctr < c.length + 32; ctr++) {
    const block = Buffer.alloc(64);
    salsaCore(salsaState(sub, [...n2, ctr, 0]), true).forEach((w, i) => block.writeUInt32LE(w, 4 * i));
    stream.push(block);
  }
  const ks = Buffer.concat(stream).subarray(32);
  return Buffer.from(c.map((b, i) => b ^ ks[i]));
}

// keys.h's purposes; keys_open(purpose, box) with the master key's bytes.
export const KEYS_LOG_KEY = 4;
export const openSealed = (master, purpose, box) => secretboxOpen(kdfDerive(master, purpose, 'ddcdkeys'), box);
