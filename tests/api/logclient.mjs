// logclient.mjs: a client of the public log for the ledger suites, written from the C2SP specs
// (signed-note, tlog-checkpoint, tlog-tiles) and independent of the C code: the log's key, signed
// checkpoints with their signature checked, raw tiles, and RFC 9162 roots recomputed from leaves.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import { request } from './lib.mjs';
import { nodeHash } from './merkle.mjs';

export const b64 = (s) => Buffer.from(s, 'base64');

// The log's key from its C2SP verifier string name+keyid+base64(0x01 || key): {name, id, pub}.
export async function logKey(base) {
  const r = await request(base, 'GET', '/v1/log/key');
  assert.equal(r.status, 200);
  assert.match(r.headers['content-type'], /^text\/plain/);
  const [name, keyid, ...rest] = r.text.trim().split('+'); // base64 may hold '+' too
  const raw = b64(rest.join('+'));
  assert.equal(raw.length, 33);
  assert.equal(raw[0], 1, 'Ed25519');
  const id = crypto.createHash('sha256').update(Buffer.concat([Buffer.from(`${name}\n`), raw])).digest();
  assert.equal(id.subarray(0, 4).toString('hex'), keyid, 'key id');
  const der = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw.subarray(1)]);
  const pub = crypto.createPublicKey({ key: der, format: 'der', type: 'spki' });
  return { name, id: id.subarray(0, 4), pub };
}

// A signed checkpoint note, its signature by key checked: {origin, size, root}.
export function parseCheckpoint(note, key) {
  const [text, sigs] = note.split('\n\n');
  const [origin, size, root] = text.split('\n');
  assert.equal(origin, key.name);
  const line = sigs.split('\n').find((l) => l.startsWith(`\u2014 ${key.name} `));
  assert.ok(line, 'signed by the log key');
  const blob = b64(line.split(' ')[2]);
  assert.ok(blob.subarray(0, 4).equals(key.id));
  assert.ok(crypto.verify(null, Buffer.from(`${text}\n`), key.pub, blob.subarray(4)), 'signature');
  return { origin, size: Number(size), root: b64(root) };
}

// The newest checkpoint, its signature checked; with headers, also the response's headers.
export async function checkpoint(base, key) {
  const r = await request(base, 'GET', '/v1/log/checkpoint');
  assert.equal(r.status, 200, r.text);
  return { ...parseCheckpoint(r.text, key), headers: r.headers };
}

// C2SP tile path of index n: "x001/x234/067".
export function tilePath(n) {
  const groups = [];
  do {
    groups.unshift(String(n % 1000).padStart(3, '0'));
    n = Math.floor(n / 1000);
  } while (n > 0);
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
}

// GET of a binary body: {status, headers, body (Buffer)}.
export function getRaw(base, p, agent) {
  return new Promise((resolve, reject) => {
    http.get(`${base}${p}`, { agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

// RFC 9162 root of leaf hashes, computed from scratch.
export function mth(leaves) {
  if (leaves.length === 1) return leaves[0];
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return nodeHash(mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}

// Every leaf hash of the tree of size leaves, read from the level-0 tiles.
export async function leafHashes(base, size, agent) {
  const leaves = [];
  for (let n = 0; n * 256 < size; n++) {
    const width = Math.min(256, size - n * 256);
    const r = await getRaw(base, `/v1/log/tile/0/${tilePath(n)}${width === 256 ? '' : `.p/${width}`}`, agent);
    assert.equal(r.status, 200, `tile ${n}`);
    assert.equal(r.body.length, 32 * width, `tile ${n}`);
    for (let i = 0; i < width; i++) leaves.push(r.body.subarray(32 * i, 32 * i + 32));
  }
  return leaves;
}

// The RFC 9162 roots of the first s leaves for every s in sizes (ascending), in one pass: a stack
// of complete subtrees, folded from the right at each size asked for.
export function rootsAt(leaves, sizes) {
  const out = new Map(), stack = []; // [{h, n}], n leaves each, sizes strictly decreasing
  let next = 0;
  for (let i = 0; i < leaves.length && next < sizes.length; i++) {
    stack.push({ h: leaves[i], n: 1 });
    while (stack.length > 1 && stack[stack.length - 1].n === stack[stack.length - 2].n) {
      const r = stack.pop(), l = stack.pop();
      stack.push({ h: nodeHash(l.h, r.h), n: 2 * l.n });
    }
    while (next < sizes.length && sizes[next] === i + 1) {
      let h = stack[stack.length - 1].h;
      for (let k = stack.length - 2; k >= 0; k--) h = nodeHash(stack[k].h, h);
      out.set(sizes[next++], h);
    }
  }
  return out;
}
