// ledger_crash.test.mjs: kill -9 of the sequencing process, five times. Three ddcd processes share
// a database of the suite's own (so no other suite's ddcd can hold the sequencer lock); many
// clients mint through all three; five times the process whose connection holds the sequencer's
// advisory lock (ddc_lock_workers(), 1), found in pg_locks by its application_name, is killed
// with SIGKILL and replaced. Afterwards every acknowledged certificate is in the log exactly
// once, leaf indexes are dense 0..n-1, no event is lost, and every stored checkpoint is signed,
// has the RFC 9162 root of its leaves and is consistent with the one before it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { ASAN_ONLY, startDdcd, request, world, ownDatabase, uniq } from './lib.mjs';
import { verifyConsistency } from './merkle.mjs';
import { b64, logKey, parseCheckpoint, leafHashes, rootsAt } from './logclient.mjs';

const KILLS = 5;
let db;
const procs = []; // every ddcd started, killed ones included
before(async () => { if (!ASAN_ONLY.skip) db = await ownDatabase('crash'); }); // none for a skipped run
after(async () => {
  for (const p of procs) await p.stop();
  db?.drop();
});

let started = 0;
async function launch() {
  const name = `ddcd-crash-${process.pid}-${++started}`;
  const p = await startDdcd({ env: { ...db.env, PGAPPNAME: name, DDC_ANCHOR_INTERVAL_MS: '50', DDC_PUBLIC_RATE: '0' } });
  p.name = name;
  procs.push(p);
  return p;
}
const isAlive = (p) => p.proc.exitCode === null && p.proc.signalCode === null;

// The application_name of the session holding the sequencer lock ('' when none does).
const lockHolder = () => db.sql(`SELECT coalesce(max(a.application_name), '') FROM pg_locks l
  JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.classid = ddc_lock_workers()
  AND l.objid = 1 AND l.objsubid = 2 AND l.granted`);

// Waits until one of ours holds the sequencer lock and has integrated a batch since; returns it.
async function sequencer(sizeBefore) {
  for (let i = 0; i < 400; i++) {
    const name = lockHolder();
    const p = procs.find((x) => x.name === name && isAlive(x));
    if (p && Number(db.sql('SELECT coalesce(max(size), 0) FROM log_checkpoints')) > sizeBefore) return p;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.fail(`no ddcd of ours took over sequencing (lock held by '${lockHolder()}')`);
}

test('kill -9 the sequencing process 5 times under load: every acknowledged certificate logged once, leaves dense, checkpoints consistent', ASAN_ONLY, async (t) => {
  for (let i = 0; i < 3; i++) await launch();
  const key = await logKey(procs[0].base);
  const w = await world(procs[0].base, db.op);
  for (const id of [w.issuer.id, w.issuer2.id]) {
    const rc = await request(procs[0].base, 'POST', `/v1/accounts/${id}/recharges`, { key: w.op, json: { amount_minor: 10_000_000, currency: 'CNY', reference: uniq('kill') } });
    assert.equal(rc.status, 201);
  }
  const acked = [];
  const statuses = {};
  let stop = false;
  const worker = async (i) => {
    while (!stop) {
      const alive = procs.filter(isAlive);
      const p = alive[i % alive.length];
      try {
        const r = await request(p.base, 'POST', '/v1/certificates', { key: i % 2 ? w.issuer2Key : w.issuerKey, json: { kind: 'generic', metadata: { title: uniq('k') } } });
        if (r.status === 201) acked.push(r.json.ddc_id);
        statuses[r.status] = (statuses[r.status] || 0) + 1;
      } catch { /* that process was killed under the request */ }
    }
  };
  const workers = Array.from({ length: 12 }, (_, i) => worker(i));
  const killed = [];
  let size = 0;
  for (let k = 0; k < KILLS; k++) {
    await new Promise((r) => setTimeout(r, 300 + 100 * k));
    const victim = await sequencer(size);
    size = Number(db.sql('SELECT coalesce(max(size), 0) FROM log_checkpoints'));
    victim.proc.kill('SIGKILL');
    await victim.exited;
    killed.push(`${victim.name} at size ${size}`);
    await launch(); // three again
  }
  await sequencer(size); // a survivor sequences after the last kill
  await new Promise((r) => setTimeout(r, 300));
  stop = true;
  await Promise.all(workers);
  t.diagnostic(`killed while sequencing: ${killed.join('; ')}; mint answers ${JSON.stringify(statuses)}`);
  assert.equal(killed.length, KILLS);
  assert.ok(acked.length > 100, `mints acknowledged (${acked.length})`);
  assert.deepEqual(Object.keys(statuses).filter((s) => s >= 500), [], 'no 5xx: a killed process drops its connections, the others answer');

  // everything pending is integrated by a survivor
  for (let i = 0; db.sql('SELECT count(*) FROM log_pending') !== '0'; i++) {
    if (i > 400) assert.fail('pending events not integrated');
    await new Promise((r) => setTimeout(r, 50));
  }
  // each acknowledged certificate's mint event is one leaf; no event is two leaves or none
  const mintLeaves = new Map(db.sql(`SELECT e.ddc_id, count(l.leaf_index) FROM events e
    LEFT JOIN log_leaves l ON l.event_id = e.id WHERE e.type = 'mint' GROUP BY e.ddc_id`)
    .split('\n').map((l) => l.split('|').map(Number)));
  for (const id of acked) assert.equal(mintLeaves.get(id), 1, `certificate ${id}: one leaf for its mint`);
  const [events, leaves, distinct, lo, hi] = db.sql(`SELECT (SELECT count(*) FROM events), count(*),
    count(DISTINCT event_id), coalesce(min(leaf_index), 0), coalesce(max(leaf_index), -1) FROM log_leaves`)
    .split('|').map(Number);
  assert.equal(distinct, leaves, 'no event is two leaves');
  assert.equal(leaves, events, 'every event is a leaf');
  assert.equal(lo, 0, 'leaf indexes start at 0');
  assert.equal(hi, leaves - 1, 'leaf indexes are dense');

  // every stored checkpoint: signed, its root that of its leaves, consistent with the one before
  const last = procs.filter(isAlive)[0];
  const cps = JSON.parse(db.sql('SELECT json_agg(note ORDER BY size) FROM log_checkpoints'))
    .map((n) => parseCheckpoint(n, key));
  const all = await leafHashes(last.base, cps[cps.length - 1].size);
  const roots = rootsAt(all, cps.map((c) => c.size));
  const agent = new http.Agent({ keepAlive: true });
  for (let i = 0; i < cps.length; i++) {
    assert.ok(roots.get(cps[i].size).equals(cps[i].root), `root of checkpoint ${cps[i].size}`);
    if (i === 0) continue;
    const [a, z] = [cps[i - 1], cps[i]];
    const r = await request(last.base, 'GET', `/v1/log/proof/consistency?from=${a.size}&to=${z.size}`, { agent });
    assert.equal(r.status, 200, r.text);
    assert.ok(verifyConsistency(a.size, z.size, r.json.proof.map(b64), a.root, z.root), `checkpoint ${a.size} -> ${z.size}`);
  }
  agent.destroy();
  t.diagnostic(`${leaves} leaves, ${cps.length} checkpoints, each consistent with the one before`);
});
