// ledger.test.mjs: the log. Events become leaves within the anchor interval; the checkpoint is a
// C2SP signed note verifying with the key GET /v1/log/key serves; proofs served verify with an
// independent RFC 9162 implementation, and altered ones do not; tiles match entry bundles.
// (ledger_random.test.mjs checks proofs over whole random trees, ledger_crash.test.mjs kill -9.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDdcd, request, world, assertProblem, uniq, until } from './lib.mjs';
import { leafHash, nodeHash, verifyInclusion, verifyConsistency } from './merkle.mjs';
import { b64, logKey as logKeyOf, checkpoint as checkpointOf, tilePath, getRaw } from './logclient.mjs';

let srv;
before(async () => { srv = await startDdcd({ env: { DDC_ANCHOR_INTERVAL_MS: '100', DDC_PUBLIC_RATE: '0' } }); });
after(async () => { await srv.stop(); });

const get = (p, key) => request(srv.base, 'GET', p, { key });

const logKey = () => logKeyOf(srv.base);
const checkpoint = (key) => checkpointOf(srv.base, key);


async function mintSome(w, n) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const r = await request(srv.base, 'POST', '/v1/certificates', { key: w.issuerKey, json: { kind: 'generic', metadata: { title: uniq('log') } } });
    assert.equal(r.status, 201, r.text);
    out.push(r.json);
  }
  return out;
}

test('every event becomes a leaf; inclusion and consistency proofs verify independently', async () => {
  const key = await logKey();
  const w = await world(srv.base);
  const rc = await request(srv.base, 'POST', `/v1/accounts/${w.issuer.id}/recharges`, { key: w.op, json: { amount_minor: 100000, currency: 'CNY', reference: uniq('log') } });
  assert.equal(rc.status, 201);
  const certs = await mintSome(w, 20);
  // every event of these certificates gets a leaf index, and the log grows past it
  const events = [];
  for (const c of certs) {
    const e = await until(`leaf of ${c.ddc_id}`, async () => {
      const r = await get(`/v1/certificates/${c.ddc_id}/events`, w.issuerKey);
      return r.json.items.every((x) => Number.isInteger(x.leaf_index)) && r.json.items;
    });
    events.push(...e);
  }
  const cp1 = await until('a checkpoint covering them', async () => {
    const cp = await checkpoint(key);
    return cp.size > Math.max(...events.map((e) => e.leaf_index)) && cp;
  });
  const indexes = new Set(events.map((e) => e.leaf_index));
  assert.equal(indexes.size, events.length, 'one leaf per event');
  for (const e of events) {
    const r = await get(`/v1/log/proof/inclusion?index=${e.leaf_index}&size=${cp1.size}`);
    assert.equal(r.status, 200, r.text);
    const leaf = b64(r.json.leaf_hash);
    assert.ok(leaf.equals(leafHash(Buffer.from(e.canonical, 'utf8'))), 'leaf hash = SHA-256(0x00 || canonical event)');
    assert.ok(b64(r.json.root).equals(cp1.root));
    const proof = r.json.proof.map(b64);
    assert.ok(verifyInclusion(leaf, e.leaf_index, cp1.size, proof, cp1.root), `inclusion of leaf ${e.leaf_index}`);
    for (let i = 0; i < proof.length; i++) { // any flipped bit fails
      const bad = proof.map((p) => Buffer.from(p));
      bad[i][i % 32] ^= 1 << (i % 8);
      assert.ok(!verifyInclusion(leaf, e.leaf_index, cp1.size, bad, cp1.root));
    }
  }
  // the log grows; the old checkpoint is a prefix of the new one
  await mintSome(w, 5);
  const cp2 = await until('a newer checkpoint', async () => {
    const cp = await checkpoint(key);
    return cp.size > cp1.size && cp;
  });
  for (const from of [1, Math.max(1, cp1.size >> 1), cp1.size]) {
    const r = await get(`/v1/log/proof/consistency?from=${from}&to=${cp2.size}`);
    if (r.status === 404) continue; // no checkpoint was signed at that size
    assert.equal(r.status, 200, r.text);
    const proof = r.json.proof.map(b64);
    assert.ok(verifyConsistency(from, cp2.size, proof, b64(r.json.root_from), cp2.root), `consistency ${from} -> ${cp2.size}`);
    if (from === cp1.size) assert.ok(b64(r.json.root_from).equals(cp1.root));
    if (proof.length) {
      proof[0][0] ^= 1;
      assert.ok(!verifyConsistency(from, cp2.size, proof, b64(r.json.root_from), cp2.root));
    }
  }
});

test('log endpoints: public, and bad parameters are 400s that name them', async () => {
  assertProblem(await get('/v1/log/proof/inclusion?index=5&size=5'), 400, 'invalid_parameter');
  assertProblem(await get('/v1/log/proof/inclusion?size=5'), 400, 'invalid_parameter', 'index');
  assertProblem(await get('/v1/log/proof/inclusion?index=x&size=5'), 400, 'invalid_parameter', 'index');
  assertProblem(await get('/v1/log/proof/consistency?from=0&to=5'), 400, 'invalid_parameter', 'from');
  assertProblem(await get('/v1/log/proof/consistency?from=6&to=5'), 400, 'invalid_parameter', 'to');
  assertProblem(await get('/v1/log/proof/inclusion?index=0&size=999999999999'), 404, 'not_found', 'size');
  assertProblem(await get('/v1/log/proof/inclusion?index=0&size=1&extra=1'), 400, 'unknown_parameter', 'extra');
});

test('C2SP tiles: hash tiles match the entry bundles; a full tile\'s root is its level-1 hash', async () => {
  const key = await logKey();
  const cp = await until('a checkpoint', async () => { const c = await checkpoint(key); return c.size > 0 && c; });
  const raw = (p) => getRaw(srv.base, p);
  const last = Math.floor((cp.size - 1) / 256), width = cp.size - last * 256;
  const suffix = width === 256 ? '' : `.p/${width}`;
  const tile = await raw(`/v1/log/tile/0/${tilePath(last)}${suffix}`);
  const entries = await raw(`/v1/log/tile/entries/${tilePath(last)}${suffix}`);
  assert.equal(tile.status, 200);
  assert.equal(entries.status, 200);
  assert.equal(tile.headers['content-type'], 'application/octet-stream');
  assert.equal(tile.body.length, 32 * width);
  let off = 0;
  for (let i = 0; i < width; i++) {
    const len = entries.body.readUInt16BE(off);
    const data = entries.body.subarray(off + 2, off + 2 + len);
    off += 2 + len;
    assert.ok(leafHash(data).equals(tile.body.subarray(32 * i, 32 * i + 32)), `leaf ${last * 256 + i}`);
    JSON.parse(data.toString('utf8')); // an event's canonical text
  }
  assert.equal(off, entries.body.length);
  if (cp.size >= 256) {
    const full = await raw(`/v1/log/tile/0/${tilePath(0)}`);
    assert.equal(full.body.length, 32 * 256);
    let level = Array.from({ length: 256 }, (_, i) => full.body.subarray(32 * i, 32 * i + 32));
    while (level.length > 1) level = level.reduce((a, h, i) => (i % 2 ? [...a.slice(0, -1), nodeHash(a[a.length - 1], h)] : [...a, h]), []);
    const up = await raw(`/v1/log/tile/1/${tilePath(0)}.p/1`);
    assert.equal(up.status, 200);
    assert.ok(up.body.subarray(0, 32).equals(level[0]), 'level-1 hash 0 is the root of level-0 tile 0');
  }
  // beyond the log, and malformed paths
  assert.equal((await raw(`/v1/log/tile/0/${tilePath(last + 5)}`)).status, 404);
  for (const p of ['0/1000', '0/x1/000', '8/000', '0/000.p/0', '0/000.p/256', 'entries/', '0/000/']) assert.equal((await raw(`/v1/log/tile/${p}`)).status, 404, p);
});
