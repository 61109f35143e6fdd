// exports.mjs: the cross-operator transfer rows of `make bench` (run by tests/bench/run.sh, with
// DDC_BIN and DDC_TEST_LOGS set): exports per second between two local ddcds, A and B, each its own
// PostgreSQL cluster (tests/api/twoside.mjs), from POST /v1/certificates/{id}/export to the
// certificate's status `moved` at A (its receipt checked and recorded), printed beside mints per
// second on the same A with the same clients in flight. The mint is the export's closest
// single-process counterpart and this machine's limit for it: one logged event with its row and
// its charge in one transaction, where an export is three (export_started at A, imported at B,
// export_completed at A) in two databases, two signed server-to-server calls, and a wait for a
// checkpoint on each side. Prints one line per figure.
import assert from 'node:assert/strict';
import { request, uniq } from '../api/lib.mjs';
import { deployment, pin, sleep } from '../api/twoside.mjs';

const DUR = Number(process.env.DDC_BENCH_DUR || 5) * 1000;
const EXPORTS = Number(process.env.DDC_BENCH_EXPORTS || 1000);
const INFLIGHT = 32;
const post = (base, p, key, json) => request(base, 'POST', p, { key, json });

const [A, B] = await Promise.all(['ba', 'bb'].map((tag) => deployment(tag)));
try {
  await Promise.all([A.start(), B.start()]);
  if ((await request(A.base, 'GET', '/v1/peers', { key: A.op })).status === 404) {
    console.log(`${'exports A -> B'.padEnd(34)}      n/a  (no POST /v1/peers in this build)`);
    process.exit(0); // the finally below does not run: process.on('exit') destroys the clusters
  }
  await pin(A, B, 'b');
  await pin(B, A, 'a');
  const acct = async (d, key, role) => {
    const r = await post(d.base, '/v1/accounts', key, { role, name: uniq(role) });
    assert.equal(r.status, 201, r.text);
    const k = await post(d.base, `/v1/accounts/${r.json.id}/api-keys`, key, { name: uniq('k') });
    assert.equal(k.status, 201, k.text);
    return { id: r.json.id, key: k.json.key };
  };
  const issuer = await acct(A, A.op, 'issuer');
  const holder = await acct(A, issuer.key, 'holder');
  const rc = await post(A.base, `/v1/accounts/${issuer.id}/recharges`, A.op,
    { amount_minor: 9e12, currency: 'CNY', reference: `bench-x-${process.pid}` });
  assert.equal(rc.status, 201, rc.text);
  const to = (await acct(B, (await acct(B, B.op, 'issuer')).key, 'holder')).id;

  // mints at A for DUR (longer if fewer than EXPORTS are in by then: a slow host), INFLIGHT at a
  // time: the limit, and the certificates to export
  const minted = [];
  let other = 0, asking = 0;
  const m0 = Date.now(), mEnd = m0 + DUR;
  await Promise.all(Array.from({ length: INFLIGHT }, async () => {
    while (Date.now() < mEnd || minted.length + asking < EXPORTS) {
      asking++;
      const r = await post(A.base, '/v1/certificates', issuer.key,
        { kind: 'generic', owner_id: holder.id, metadata: { title: `bench export ${minted.length}` } });
      asking--;
      if (r.status === 201) minted.push(r.json.ddc_id); else other++;
    }
  }));
  const mintSecs = (Date.now() - m0) / 1000, mintRate = minted.length / mintSecs;
  assert.ok(minted.length >= EXPORTS, `${minted.length} minted, ${EXPORTS} to export`);

  // EXPORTS exports, INFLIGHT at a time; each one's time from its request to `moved` at A
  const asked = new Map(), moved = new Map();
  const ids = minted.slice(0, EXPORTS);
  let next = 0, refused = 0;
  const x0 = Date.now();
  const watch = (async () => {
    while (moved.size < EXPORTS && Date.now() - x0 < 600000) {
      const rows = A.sql(`SELECT ddc_id FROM certificates WHERE status = 'moved'`).split('\n').filter(Boolean);
      const now = Date.now();
      for (const id of rows.map(Number)) if (!moved.has(id)) moved.set(id, now);
      await sleep(20);
    }
  })();
  await Promise.all(Array.from({ length: INFLIGHT }, async () => {
    while (next < ids.length) {
      const id = ids[next++];
      asked.set(id, Date.now());
      const r = await post(A.base, `/v1/certificates/${id}/export`, issuer.key, { peer: 'b', to });
      if (r.status !== 202) refused++;
    }
  }));
  const sent = (Date.now() - x0) / 1000;
  await watch;
  const secs = (Math.max(...moved.values()) - x0) / 1000;
  assert.equal(moved.size, EXPORTS, `${moved.size} of ${EXPORTS} moved (${refused} export requests refused)`);
  const lat = [...moved].map(([id, t]) => t - asked.get(id)).sort((a, b) => a - b);
  const pct = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))];
  const rate = EXPORTS / secs;
  const fmt = (x) => x.toFixed(0).padStart(8);
  console.log(`${'ddcd mint at A (the limit)'.padEnd(34)} ${fmt(mintRate)} req/s  (${minted.length} in ${mintSecs.toFixed(1)} s, ${INFLIGHT} in flight; ${other} non-201; one logged event per mint)`);
  console.log(`${'exports A -> B, request to moved'.padEnd(34)} ${fmt(rate)} exports/s  (${EXPORTS} in ${secs.toFixed(2)} s, ${INFLIGHT} requests in flight, all sent in ${sent.toFixed(2)} s; ${(rate / mintRate).toFixed(2)} x mint: three logged events in two logs, two signed calls)`);
  console.log(`${'  each, request to moved'.padEnd(34)} p50 ${String(pct(0.5)).padStart(6)} ms  p99 ${String(pct(0.99)).padStart(6)} ms  max ${String(lat.at(-1)).padStart(6)} ms  (default anchor interval on both sides)`);
} finally {
  await A.destroy();
  await B.destroy();
}
