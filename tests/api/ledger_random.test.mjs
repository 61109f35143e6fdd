// ledger_random.test.mjs: proofs over random trees. A log of its own (its own database) grows in
// rounds of random size up to 5,000 leaves against the release build (2,600 under ASan: ten full
// tiles and a partial one, every tile's edges still proved), minted through the API by several
// clients, with a short
// anchor interval so that checkpoints land at random sizes. Against each signed checkpoint seen,
// the root is recomputed from every leaf hash, inclusion proofs (a random sample at every size,
// with every tile's edges at the final one) and consistency proofs (every consecutive pair, random pairs) are
// verified with the independent tests/api/merkle.mjs, and flipping a bit of a proof, a leaf hash or
// a root makes them fail (every bit for some, one random bit for all). Also: the caching headers
// of the public log. The seed is printed; DDC_TEST_SEED replays a run. The ASan and the release
// run (tests/run.sh) grow different trees: each build has a seed of its own.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { ASAN, startDdcd, request, world, ownDatabase, uniq } from './lib.mjs';
import { leafHash, verifyInclusion, verifyConsistency } from './merkle.mjs';
import { b64, logKey, checkpoint, parseCheckpoint, leafHashes, mth, rootsAt, tilePath, getRaw } from './logclient.mjs';

const MAX_LEAVES = ASAN ? 2600 : 5000, ROUND_MAX = ASAN ? 360 : 700;
const FINAL_SAMPLE = ASAN ? 1000 : 2000, OTHER_SAMPLE = 5; // inclusion proofs checked, see below
const SEED = Number(process.env.DDC_TEST_SEED || (ASAN ? 4244 : 4245));
let db, srv, key, w;
const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

// mulberry32: a small seeded generator, so that a failing run can be replayed.
let state = SEED >>> 0;
function rand() {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const randInt = (n) => Math.floor(rand() * n);

const get = (p) => request(srv.base, 'GET', p, { agent });

// Runs fn over items with n in flight at a time.
async function pool(items, n, fn) {
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}

// A copy of hashes with bit `bit` of hash i flipped.
const flipped = (hashes, i, bit) => hashes.map((h, k) => {
  const c = Buffer.from(h);
  if (k === i) c[bit >> 3] ^= 1 << (bit & 7);
  return c;
});
const flip = (h, bit) => flipped([h], 0, bit)[0];
// What to flip, planned with the check: for one marked exhaustive, every bit of every hash; else
// one random bit of one random proof hash, of the leaf hash and of the root(s).
const plan = (item, k, exhaustiveEvery) => ({ ...item, e: rand(), b: randInt(256), every: k % exhaustiveEvery === 0 });
const ALL_BITS = Array.from({ length: 256 }, (_, i) => i);
// [index, bit] pairs of a proof of n hashes to flip.
const proofFlips = (x, n) => (x.every ? Array.from({ length: n }, (_, i) => ALL_BITS.map((b) => [i, b])).flat()
  : n ? [[Math.floor(x.e * n), x.b]] : []);
const hashFlips = (x) => (x.every ? ALL_BITS : [x.b]);

before(async () => {
  db = await ownDatabase('random');
  srv = await startDdcd({ env: { ...db.env, DDC_ANCHOR_INTERVAL_MS: '20', DDC_PUBLIC_RATE: '0' } });
  key = await logKey(srv.base);
  w = await world(srv.base, db.op);
  for (const id of [w.issuer.id, w.issuer2.id]) {
    const r = await request(srv.base, 'POST', `/v1/accounts/${id}/recharges`, { key: w.op, json: { amount_minor: 10_000_000, currency: 'CNY', reference: uniq('rand') } });
    assert.equal(r.status, 201, r.text);
  }
});
after(async () => {
  await srv?.stop();
  agent.destroy();
  db?.drop();
});

// Grows the log to at most MAX_LEAVES leaves in rounds of random size, 6 clients minting with both
// issuers' keys; meanwhile every new signed checkpoint is recorded. Returns them by size.
async function grow(t) {
  const seen = new Map();
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const r = await get('/v1/log/checkpoint');
      if (r.status === 200) {
        const cp = parseCheckpoint(r.text, key);
        if (!seen.has(cp.size)) seen.set(cp.size, cp);
      }
      await new Promise((res) => setTimeout(res, 5));
    }
  })();
  const events = () => Number(db.sql('SELECT count(*) FROM events'));
  const rounds = [];
  // the count at the end of a round is the next one's start: nothing is logged in between
  for (let total = events(); ;) {
    const room = MAX_LEAVES - total - 1; // a first mint also logs its issuer's key_added
    if (room < 1) break;
    const n = Math.min(room, 1 + Math.floor(rand() ** 2 * ROUND_MAX));
    rounds.push(n);
    let left = n;
    await pool(Array.from({ length: 6 }, (_, i) => i), 6, async (c) => {
      while (left > 0) {
        left--;
        const k = c % 2 ? w.issuer2Key : w.issuerKey;
        const r = await request(srv.base, 'POST', '/v1/certificates', { key: k, agent, json: { kind: 'generic', metadata: { title: uniq('r') } } });
        assert.equal(r.status, 201, r.text);
      }
    });
    // the round ends in a checkpoint of its own, then a random pause
    total = events();
    for (let i = 0; !seen.has(total); i++) {
      if (i > 500) assert.fail(`no checkpoint of size ${total}`);
      await new Promise((res) => setTimeout(res, 20));
    }
    await new Promise((res) => setTimeout(res, randInt(40)));
  }
  polling = false;
  await poller;
  t.diagnostic(`seed ${SEED}: ${rounds.length} rounds of ${rounds.join(', ')} mints; ${seen.size} signed checkpoints seen`);
  return [...seen.values()].sort((a, b) => a.size - b.size);
}

let cps, leaves;

test('random trees: roots, inclusion and consistency proofs verify; a flipped bit fails', async (t) => {
  const t0 = Date.now();
  cps = await grow(t);
  const last = cps[cps.length - 1];
  assert.ok(last.size > MAX_LEAVES - 50 && last.size <= MAX_LEAVES, `final size ${last.size}`);
  const t1 = Date.now();
  // every leaf hash from the tiles; each is SHA-256(0x00 || entry) of the entry bundles
  leaves = await leafHashes(srv.base, last.size, agent);
  for (let n = 0; n * 256 < last.size; n++) {
    const width = Math.min(256, last.size - n * 256);
    const r = await getRaw(srv.base, `/v1/log/tile/entries/${tilePath(n)}${width === 256 ? '' : `.p/${width}`}`, agent);
    assert.equal(r.status, 200);
    for (let i = 0, off = 0; i < width; i++) {
      const len = r.body.readUInt16BE(off);
      assert.ok(leafHash(r.body.subarray(off + 2, off + 2 + len)).equals(leaves[n * 256 + i]), `leaf ${n * 256 + i}`);
      off += 2 + len;
    }
  }
  // every signed root is the RFC 9162 root of its leaves
  assert.ok(mth(leaves).equals(last.root), 'final root, from scratch');
  const roots = rootsAt(leaves, cps.map((c) => c.size));
  for (const c of cps) assert.ok(roots.get(c.size).equals(c.root), `signed root of size ${c.size}`);

  // inclusion (every leaf at every size is too slow under ASan): at the final size the first and
  // last leaf of every tile and FINAL_SAMPLE random ones, at every other size the last leaf and
  // OTHER_SAMPLE random ones
  let inclusions = [];
  for (let i = 0; i < last.size; i += 256) inclusions.push({ i, c: last }, { i: Math.min(i + 255, last.size - 1), c: last });
  for (let k = 0; k < FINAL_SAMPLE; k++) inclusions.push({ i: randInt(last.size), c: last });
  for (const c of cps.slice(0, -1)) {
    inclusions.push({ i: c.size - 1, c });
    for (let k = 0; k < OTHER_SAMPLE; k++) inclusions.push({ i: randInt(c.size), c });
  }
  inclusions = inclusions.map((x, k) => plan(x, k, 250));
  await pool(inclusions, 8, async (x) => {
    const { i, c } = x;
    const r = await get(`/v1/log/proof/inclusion?index=${i}&size=${c.size}`);
    assert.equal(r.status, 200, r.text);
    const leaf = b64(r.json.leaf_hash), proof = r.json.proof.map(b64);
    assert.ok(leaf.equals(leaves[i]) && b64(r.json.root).equals(c.root));
    assert.ok(verifyInclusion(leaf, i, c.size, proof, c.root), `inclusion ${i} in ${c.size}`);
    for (const [e, b] of proofFlips(x, proof.length))
      assert.ok(!verifyInclusion(leaf, i, c.size, flipped(proof, e, b), c.root), `${i} in ${c.size}: proof[${e}] bit ${b}`);
    for (const b of hashFlips(x)) {
      assert.ok(!verifyInclusion(flip(leaf, b), i, c.size, proof, c.root), `${i} in ${c.size}: leaf bit ${b}`);
      assert.ok(!verifyInclusion(leaf, i, c.size, proof, flip(c.root, b)), `${i} in ${c.size}: root bit ${b}`);
    }
  });
  const t2 = Date.now();

  // consistency: every consecutive pair of checkpoints, each one with the last, random pairs
  let pairs = [];
  for (let k = 1; k < cps.length; k++) pairs.push({ a: cps[k - 1], z: cps[k] }, { a: cps[k - 1], z: last });
  for (let k = 0; k < 200; k++) {
    const [a, z] = [cps[randInt(cps.length)], cps[randInt(cps.length)]].sort((x, y) => x.size - y.size);
    pairs.push({ a, z });
  }
  pairs = pairs.map((x, k) => plan(x, k, 50));
  await pool(pairs, 8, async (x) => {
    const { a, z } = x, what = `${a.size} -> ${z.size}`;
    const r = await get(`/v1/log/proof/consistency?from=${a.size}&to=${z.size}`);
    assert.equal(r.status, 200, r.text);
    assert.ok(b64(r.json.root_from).equals(a.root) && b64(r.json.root_to).equals(z.root));
    const proof = r.json.proof.map(b64);
    assert.ok(verifyConsistency(a.size, z.size, proof, a.root, z.root), `consistency ${what}`);
    for (const [e, b] of proofFlips(x, proof.length))
      assert.ok(!verifyConsistency(a.size, z.size, flipped(proof, e, b), a.root, z.root), `${what}: proof[${e}] bit ${b}`);
    for (const b of hashFlips(x)) {
      assert.ok(!verifyConsistency(a.size, z.size, proof, flip(a.root, b), z.root), `${what}: old root bit ${b}`);
      assert.ok(!verifyConsistency(a.size, z.size, proof, a.root, flip(z.root, b)), `${what}: new root bit ${b}`);
    }
  });
  const t3 = Date.now();
  t.diagnostic(`${last.size} leaves; ${inclusions.length} inclusion proofs (${FINAL_SAMPLE} random leaves and ` +
    `each tile's first and last at ${last.size}, ${OTHER_SAMPLE + 1} per other checkpoint), ` +
    `${pairs.length} consistency proofs; every bit flipped in ` +
    `${inclusions.filter((x) => x.every).length} + ${pairs.filter((x) => x.every).length} of them, one in the others; grow ${t1 - t0} ms, ` +
    `inclusion ${t2 - t1} ms, consistency ${t3 - t2} ms`);
});

test('caching: full tiles and entry bundles immutable, partial ones and the checkpoint short-lived, the rest no-store', async () => {
  const size = (await checkpoint(srv.base, key)).size;
  assert.ok(size > 256 && size % 256 !== 0, `size ${size}`);
  const lastTile = Math.floor(size / 256), partial = `${tilePath(lastTile)}.p/${size % 256}`;
  const immutable = 'public, max-age=31536000, immutable';
  const cases = [
    ['/v1/log/tile/0/000', 200, immutable],
    ['/v1/log/tile/entries/000', 200, immutable],
    [`/v1/log/tile/0/${partial}`, 200, 'public, max-age=1'],
    [`/v1/log/tile/entries/${partial}`, 200, 'public, max-age=1'],
    ['/v1/log/tile/1/000.p/1', 200, 'public, max-age=1'],
    ['/v1/log/checkpoint', 200, 'no-cache'],
    [`/v1/log/tile/0/${tilePath(lastTile)}`, 404, 'no-store'], // not full yet
    [`/v1/log/tile/entries/${tilePath(lastTile + 1)}`, 404, 'no-store'],
    ['/v1/log/tile/0/000.p/0', 404, 'no-store'],
    ['/v1/log/key', 200, 'no-store'],
    [`/v1/log/proof/inclusion?index=0&size=${size}`, 200, 'no-store'],
    [`/v1/log/proof/consistency?from=${cps[0].size}&to=${size}`, 200, 'no-store'],
    ['/healthz', 200, 'no-store'],
  ];
  for (const [p, status, cc] of cases) {
    const r = await getRaw(srv.base, p, agent);
    assert.equal(r.status, status, p);
    assert.equal(r.headers['cache-control'], cc, p);
  }
});
