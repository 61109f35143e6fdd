// ledger.test.mjs: the log. Events become leaves within the anchor interval; the checkpoint is a
// C2SP signed note verifying with the key GET /v1/log/key serves; every inclusion and consistency
// proof served verifies with an independent RFC 9162 implementation, and altered ones do not.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startDdcd, request, world, assertProblem, uniq } from './lib.mjs';
import { leafHash, nodeHash, verifyInclusion, verifyConsistency } from './merkle.mjs';

let srv;
before(async () => { srv = await startDdcd({ env: { DDC_ANCHOR_INTERVAL_MS: '100', DDC_PUBLIC_RATE: '0' } }); });
after(async () => { await srv.stop(); });

const get = (p, key) => request(srv.base, 'GET', p, { key });
const b64 = (s) => Buffer.from(s, 'base64');

// The log's key from its C2SP verifier string name+keyid+base64(0x01 || key).
async function logKey() {
  const r = await get('/v1/log/key');
  assert.equal(r.status, 200);
  assert.match(r.headers['content-type'], /^text\/plain/);
  const [name, keyid, ...rest] = r.text.trim().split('+'); // base64 may hold '+' too
  const key = rest.join('+');
  const raw = b64(key);
  assert.equal(raw.length, 33);
  assert.equal(raw[0], 1, 'Ed25519');
  const id = crypto.createHash('sha256').update(Buffer.concat([Buffer.from(`${name}\n`), raw])).digest();
  assert.equal(id.subarray(0, 4).toString('hex'), keyid, 'key id');
  const pub = crypto.createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw.subarray(1)]), format: 'der', type: 'spki' });
  return { name, id: id.subarray(0, 4), pub };
}

// The newest checkpoint, its signature checked: {origin, size, root}.
async function checkpoint(key) {
  const r = await get('/v1/log/checkpoint');
  assert.equal(r.status, 200, r.text);
  const [text, sigs] = r.text.split('\n\n');
  const [origin, size, root] = text.split('\n');
  assert.equal(origin, key.name);
  const line = sigs.split('\n').find((l) => l.startsWith(`\u2014 ${key.name} `));
  assert.ok(line, 'signed by the log key');
  const blob = b64(line.split(' ')[2]);
  assert.ok(blob.subarray(0, 4).equals(key.id));
  assert.ok(crypto.verify(null, Buffer.from(`${text}\n`), key.pub, blob.subarray(4)), 'signature');
  return { origin, size: Number(size), root: b64(root) };
}

async function until(what, fn, ms = 10000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

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

test('kill -9 under load, three processes: every event ends in the log exactly once, leaves dense', async (t) => {
  const { execFileSync } = await import('node:child_process');
  const fs = await import('node:fs');
  const sql = (q) => execFileSync('psql', [process.env.DDC_DATABASE_URL, '-qXAtc', q]).toString().trim();
  const key = await logKey();
  const env = { DDC_ANCHOR_INTERVAL_MS: '100', DDC_PUBLIC_RATE: '0' };
  const procs = [await startDdcd({ env }), await startDdcd({ env }), await startDdcd({ env })];
  const w = await world(srv.base);
  const rc = await request(srv.base, 'POST', `/v1/accounts/${w.issuer.id}/recharges`, { key: w.op, json: { amount_minor: 10_000_000, currency: 'CNY', reference: uniq('kill') } });
  assert.equal(rc.status, 201);
  const alive = () => procs.filter((p) => p.proc.exitCode === null && p.proc.signalCode === null);
  const acked = [];
  let stop = false;
  const worker = async (i) => {
    while (!stop) {
      const a = alive();
      const p = a[i % a.length];
      try {
        const r = await request(p.base, 'POST', '/v1/certificates', { key: w.issuerKey, json: { kind: 'generic', metadata: { title: uniq('k') } } });
        if (r.status === 201) acked.push(r.json.ddc_id);
      } catch { /* that process was killed under the request */ }
    }
  };
  const workers = Array.from({ length: 12 }, (_, i) => worker(i));
  // Kill two of the three, sequencer first when one of ours holds the lock (other suites' ddcd
  // processes share the database and may hold it instead).
  let sequencersKilled = 0;
  for (let k = 0; k < 2; k++) {
    await new Promise((r) => setTimeout(r, 600));
    const leads = (p) => fs.readFileSync(p.log, 'utf8').includes('this ddcd sequences');
    const victim = alive().find(leads) || alive()[0];
    if (leads(victim)) sequencersKilled++;
    victim.proc.kill('SIGKILL');
    await victim.exited;
  }
  await new Promise((r) => setTimeout(r, 300));
  stop = true;
  await Promise.all(workers);
  assert.ok(acked.length > 20, `mints acknowledged (${acked.length})`);
  const last = alive()[0];
  // every acknowledged certificate's events reach the log (a survivor takes over sequencing)
  await until('every acknowledged certificate in the log', async () => {
    const list = acked.join(',');
    return sql(`SELECT count(*) FROM events e LEFT JOIN log_leaves l ON l.event_id = e.id WHERE e.ddc_id IN (${list}) AND l.leaf_index IS NULL`) === '0';
  }, 20000);
  // in one snapshot: leaf indexes dense from 0, and no event neither leaf nor pending
  const [n, hi, lost] = sql(`SELECT (SELECT count(*) FROM log_leaves), (SELECT coalesce(max(leaf_index), -1) FROM log_leaves),
    (SELECT count(*) FROM events e WHERE NOT EXISTS (SELECT 1 FROM log_leaves l WHERE l.event_id = e.id)
       AND NOT EXISTS (SELECT 1 FROM log_pending q WHERE q.event_id = e.id))`).split('|').map(Number);
  assert.equal(hi, n - 1, 'leaf indexes are dense');
  assert.equal(lost, 0, 'no event is lost');
  // the last checkpoints before and after the kills are consistent with each other
  const sizes = sql('SELECT size FROM log_checkpoints ORDER BY size').split('\n').map(Number);
  for (let i = Math.max(1, sizes.length - 40); i < sizes.length; i++) {
    const r = await request(last.base, 'GET', `/v1/log/proof/consistency?from=${sizes[i - 1]}&to=${sizes[i]}`);
    assert.equal(r.status, 200, r.text);
    assert.ok(verifyConsistency(sizes[i - 1], sizes[i], r.json.proof.map(b64), b64(r.json.root_from), b64(r.json.root_to)),
      `checkpoint ${sizes[i - 1]} -> ${sizes[i]}`);
  }
  await checkpoint(key);
  await last.stop();
  t.diagnostic(`sequencing processes killed: ${sequencersKilled} of 2`);
});

// C2SP tile path of index n: "x001/x234/067".
const tilePath = (n) => {
  const groups = [];
  do { groups.unshift(String(n % 1000).padStart(3, '0')); n = Math.floor(n / 1000); } while (n > 0);
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
};

test('C2SP tiles: hash tiles match the entry bundles; a full tile\'s root is its level-1 hash', async () => {
  const key = await logKey();
  const cp = await until('a checkpoint', async () => { const c = await checkpoint(key); return c.size > 0 && c; });
  const raw = (p) => new Promise((resolve, reject) => {
    import('node:http').then(({ default: http }) => http.get(`${srv.base}${p}`, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks), type: res.headers['content-type'] }));
    }).on('error', reject));
  });
  const last = Math.floor((cp.size - 1) / 256), width = cp.size - last * 256;
  const suffix = width === 256 ? '' : `.p/${width}`;
  const tile = await raw(`/v1/log/tile/0/${tilePath(last)}${suffix}`);
  const entries = await raw(`/v1/log/tile/entries/${tilePath(last)}${suffix}`);
  assert.equal(tile.status, 200);
  assert.equal(entries.status, 200);
  assert.equal(tile.type, 'application/octet-stream');
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

// RFC 9162 root of leaf hashes, computed from scratch.
function mth(leaves) {
  if (leaves.length === 1) return leaves[0];
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return nodeHash(mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}

test('random proofs over the whole log, and its signed root recomputed from every leaf hash', async () => {
  const key = await logKey();
  const w = await world(srv.base);
  const rc = await request(srv.base, 'POST', `/v1/accounts/${w.issuer.id}/recharges`, { key: w.op, json: { amount_minor: 1_000_000, currency: 'CNY', reference: uniq('rand') } });
  assert.equal(rc.status, 201);
  await mintSome(w, 30);
  const cp = await until('a checkpoint', async () => { const c = await checkpoint(key); return c.size > 30 && c; });
  // every leaf hash, from the level-0 tiles
  const leaves = [];
  for (let n = 0; n * 256 < cp.size; n++) {
    const width = Math.min(256, cp.size - n * 256);
    const r = await new Promise((resolve, reject) => import('node:http').then(({ default: http }) =>
      http.get(`${srv.base}/v1/log/tile/0/${tilePath(n)}${width === 256 ? '' : `.p/${width}`}`, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks)));
      }).on('error', reject)));
    assert.equal(r.length, 32 * width, `tile ${n}`);
    for (let i = 0; i < width; i++) leaves.push(r.subarray(32 * i, 32 * i + 32));
  }
  assert.ok(mth(leaves).equals(cp.root), `the signed root of ${cp.size} leaves is their RFC 9162 root`);
  // random inclusion proofs against that checkpoint, each checked against the tile's leaf hash
  let seed = 12345;
  const rand = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  for (let k = 0; k < 100; k++) {
    const i = rand(cp.size);
    const r = await get(`/v1/log/proof/inclusion?index=${i}&size=${cp.size}`);
    assert.equal(r.status, 200);
    assert.ok(b64(r.json.leaf_hash).equals(leaves[i]));
    assert.ok(verifyInclusion(leaves[i], i, cp.size, r.json.proof.map(b64), cp.root), `leaf ${i}`);
  }
  // consistency between random pairs of signed sizes, roots recomputed from the leaves
  const { execFileSync } = await import('node:child_process');
  const sizes = execFileSync('psql', [process.env.DDC_DATABASE_URL, '-qXAtc', `SELECT size FROM log_checkpoints WHERE size <= ${cp.size} ORDER BY size`])
    .toString().trim().split('\n').map(Number);
  for (let k = 0; k < 20; k++) {
    let a = sizes[rand(sizes.length)], b = sizes[rand(sizes.length)];
    if (a > b) [a, b] = [b, a];
    const r = await get(`/v1/log/proof/consistency?from=${a}&to=${b}`);
    assert.equal(r.status, 200, r.text);
    assert.ok(b64(r.json.root_from).equals(mth(leaves.slice(0, a))));
    assert.ok(b64(r.json.root_to).equals(mth(leaves.slice(0, b))));
    assert.ok(verifyConsistency(a, b, r.json.proof.map(b64), b64(r.json.root_from), b64(r.json.root_to)), `${a} -> ${b}`);
  }
});
