// note.js: C2SP signed notes (c2sp.org/signed-note), checkpoints (c2sp.org/tlog-checkpoint) and
// Ed25519 witness cosignatures (c2sp.org/tlog-cosignature) in the browser, Ed25519 and SHA-256
// by WebCrypto. Verifier keys are "name+hexkeyid+base64(alg || 32-byte key)", the key ID being
// SHA-256(name || "\n" || alg || key)[:4].
export const ALG_ED25519 = 1;
export const ALG_COSIGNATURE = 4;
const enc = new TextEncoder();

// Standard padded base64, canonical only; null otherwise.
export function unbase64(s) {
  if (typeof s !== 'string' || s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) return null;
  let bin;
  try { bin = atob(s); } catch { return null; }
  const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  return btoa(bin) === s ? bytes : null;
}

// Unpadded base64url (RFC 4648 §5); null when not.
export function unbase64url(s) {
  if (typeof s !== 'string' || !/^[A-Za-z0-9_-]*$/.test(s) || s.length % 4 === 1) return null;
  const std = s.replace(/-/g, '+').replace(/_/g, '/');
  return unbase64(std + '='.repeat((4 - (std.length % 4)) % 4));
}

export const toHex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

export async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
}

// Ed25519 verification; false (never a throw) for a malformed key or signature.
export async function ed25519Verify(pub, sig, msg) {
  if (!pub || pub.length !== 32 || !sig || sig.length !== 64) return false;
  try {
    const key = await crypto.subtle.importKey('raw', pub, { name: 'Ed25519' }, false, ['verify']);
    return await crypto.subtle.verify({ name: 'Ed25519' }, key, sig, msg);
  } catch {
    return false;
  }
}

// Whether this browser's WebCrypto has Ed25519 (Chrome 137+, Firefox 129+, Safari 17+); the
// pages say so, rather than "not valid", where it has not.
let ed25519Known;
export function ed25519Supported() {
  const rfc8032 = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a'; // test 1's key
  const pub = Uint8Array.from(rfc8032.match(/../g), (h) => parseInt(h, 16));
  ed25519Known ??= crypto.subtle.importKey('raw', pub, { name: 'Ed25519' }, false, ['verify'])
    .then(() => true, () => false);
  return ed25519Known;
}

async function keyId(name, alg, pub) {
  const n = enc.encode(`${name}\n`);
  const buf = new Uint8Array(n.length + 33);
  buf.set(n);
  buf[n.length] = alg;
  buf.set(pub, n.length + 1);
  return (await sha256(buf)).subarray(0, 4);
}

// {name, alg, id (4 bytes), pub} from a verifier key, or null when malformed or its ID is wrong.
export async function parseVerifierKey(vkey) {
  const m = typeof vkey === 'string' ? /^([^+]+)\+([0-9a-fA-F]{8})\+(.*)$/s.exec(vkey) : null;
  if (!m) return null;
  const parts = m.slice(1); // the key's base64 may hold '+' too
  const raw = unbase64(parts[2]);
  if (!raw || raw.length !== 33) return null;
  const alg = raw[0], pub = raw.subarray(1);
  const id = await keyId(parts[0], alg, pub);
  return toHex(id) === parts[1].toLowerCase() ? { name: parts[0], alg, id, pub } : null;
}

// A signed note split into its text (ending in "\n") and signature lines {name, bytes}; null
// when malformed.
export function openNote(msg) {
  if (typeof msg !== 'string' || !msg.endsWith('\n')) return null;
  const split = msg.lastIndexOf('\n\n');
  if (split < 0) return null;
  const text = msg.slice(0, split + 1);
  const lines = [];
  for (const line of msg.slice(split + 2, -1).split('\n')) {
    const m = /^\u2014 (\S+) (\S+)$/.exec(line);
    const bytes = m && unbase64(m[2]);
    if (!bytes || bytes.length < 5) return null;
    lines.push({ name: m[1], bytes });
  }
  return lines.length ? { text, lines } : null;
}

const sameId = (bytes, id) => id.every((x, i) => bytes[i] === x);
const linesBy = (note, key) => note.lines.filter((l) => l.name === key.name && sameId(l.bytes, key.id));

// The note's signatures by key (ALG_ED25519): "ok" (one verifies and none fails), "bad" (a line
// by the key does not verify) or "none" (no line by it).
export async function noteSignedBy(note, key) {
  const mine = linesBy(note, key);
  if (!mine.length || key.alg !== ALG_ED25519) return 'none';
  const text = enc.encode(note.text);
  for (const l of mine) if (!(await ed25519Verify(key.pub, l.bytes.subarray(4), text))) return 'bad';
  return 'ok';
}

// The witness's cosignature of the note (a checkpoint), as noteSignedBy. The signed message is
// "cosignature/v1\ntime <t>\n" || text, t the 8-byte big-endian timestamp of the line.
export async function noteCosignedBy(note, key) {
  const mine = linesBy(note, key);
  if (!mine.length || key.alg !== ALG_COSIGNATURE) return 'none';
  for (const l of mine) {
    if (l.bytes.length !== 76) return 'bad';
    const t = new DataView(l.bytes.buffer, l.bytes.byteOffset + 4, 8).getBigUint64(0);
    if (t >= 1n << 63n) return 'bad';
    const msg = enc.encode(`cosignature/v1\ntime ${t}\n${note.text}`);
    if (!(await ed25519Verify(key.pub, l.bytes.subarray(12), msg))) return 'bad';
  }
  return 'ok';
}

// {origin, size (BigInt), root (32 bytes)} of a checkpoint text, or null.
export function parseCheckpoint(text) {
  const lines = text.split('\n');
  if (lines.length < 4 || lines[lines.length - 1] !== '' || !lines[0]) return null;
  if (!/^(0|[1-9][0-9]{0,19})$/.test(lines[1])) return null;
  const root = unbase64(lines[2]);
  if (!root || root.length !== 32 || lines.slice(3, -1).some((l) => !l)) return null;
  return { origin: lines[0], size: BigInt(lines[1]), root };
}
