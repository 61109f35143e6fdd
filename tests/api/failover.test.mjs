// failover.test.mjs: the primary dies and its synchronous standby is promoted (its own clusters,
// cluster.mjs). ddcd is given both hosts (target_session_attrs=read-write) and two witnesses
// (quorum 2). During 2,000 mints from 16 clients the primary is killed -9 (postmaster and every
// server process) and the standby promoted: ddcd reconnects on its own; every mint that got a 201
// exists on the new primary; balances equal their journals and the issuer paid once per
// certificate; the sequencer goes on from the last signed checkpoint without a fork (a consistency
// proof from the checkpoint served before the kill, checked here, and the witnesses cosign the
// next checkpoints: the last certificate becomes valid and final); the auth listener listens again
// and a batch is minted by the batch runner on the new primary.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ASAN_ONLY, startDdcd, runDdcd, request, world, uniq, until } from './lib.mjs';
import { cluster } from './cluster.mjs';
import { logKey, checkpoint, b64 } from './logclient.mjs';
import { verifyConsistency } from './merkle.mjs';

const MINTS = 2000, CLIENTS = 16, KILL_AT = 500;
let db;
const procs = [];
after(async () => {
  for (const p of procs.reverse()) await p.stop().catch(() => {});
  db?.destroy();
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function witness(dir, name, origin, logVkey) {
  const file = path.join(dir, `${name}.key`);
  const r = await runDdcd(['witness', 'keygen', '--name', name, '--key', file]);
  assert.equal(r.code, 0, r.stderr);
  const p = await startDdcd({ command: ['witness', '--origin', origin, '--log-key', logVkey, '--key', file,
    '--listen', '127.0.0.1:0'] });
  procs.push(p);
  return `${p.base} ${r.stdout.trim()}`;
}

async function metric(base, name) {
  const t = (await request(base, 'GET', '/metrics')).text;
  return Number((t.match(new RegExp(`^${name} (\\d+)$`, 'm')) || [])[1]);
}

test('primary killed -9 during 2,000 mints, standby promoted: nothing acknowledged is lost, the log goes on', ASAN_ONLY, async (t) => {
  db = await cluster('failover');
  db.replica('s1', { sync: 's1' });
  const env = { ...db.env, DDC_ANCHOR_INTERVAL_MS: '100', DDC_VERIFY_CACHE_MS: '0',
    DDC_DATABASE_URL: `host=${db.dir('pg')},${db.dir('s1')} port=5432,5432 user=ddcd dbname=ddcd `
      + 'target_session_attrs=read-write connect_timeout=2' };
  // the witnesses need the log's key, which the first ddcd makes
  let srv = await startDdcd({ env });
  const logVkey = (await request(srv.base, 'GET', '/v1/log/key')).text.trim();
  await srv.stop();
  const witnesses = [];
  for (const n of ['w1', 'w2']) witnesses.push(await witness(db.work, `${n}.failover.example`, logVkey.split('+')[0], logVkey));
  srv = await startDdcd({ env: { ...env, DDC_WITNESSES: witnesses.join(','), DDC_WITNESS_QUORUM: '2' } });
  procs.push(srv);
  const key = await logKey(srv.base);
  const w = await world(srv.base, db.op);
  const RECHARGE = 100000000;
  const rc = await request(srv.base, 'POST', `/v1/accounts/${w.issuer.id}/recharges`,
    { key: w.op, json: { amount_minor: RECHARGE, currency: 'CNY', reference: uniq('failover').replace(/ /g, '-') } });
  assert.equal(rc.status, 201, rc.text);

  // 2,000 mints; the primary dies once KILL_AT are acknowledged, the standby is promoted at once
  const acked = [];
  let sent = 0, refused = 0, killed = null, before = null;
  async function client() {
    while (sent < MINTS) {
      sent++;
      let r;
      try {
        r = await request(srv.base, 'POST', '/v1/certificates',
          { key: w.issuerKey, json: { kind: 'generic', metadata: { title: uniq('failover') } } });
      } catch { r = { status: 0 }; }
      if (r.status === 201) acked.push(r.json);
      else {
        assert.ok([0, 500, 503].includes(r.status), `a failed mint answers 503 (or 500), got ${r.status}: ${r.text}`);
        refused++;
        await sleep(50);
      }
      if (!killed && acked.length >= KILL_AT) {
        killed = (async () => {
          before = await checkpoint(srv.base, key); // final: cosigned by both witnesses
          assert.ok(db.kill('pg') > 1, 'killed the postmaster and its processes');
          await sleep(500); // a failover manager's detection time: clients meet the outage
          await db.promote('s1');
        })();
      }
    }
  }
  await Promise.all(Array.from({ length: CLIENTS }, client));
  await killed;
  assert.ok(killed, 'the primary was killed');
  assert.ok(acked.length > KILL_AT + 100, `mints went on after the promotion: ${acked.length} acknowledged, ${refused} refused`);

  // every acknowledged mint is on the new primary, once
  const codes = new Set(db.sql('s1', 'SELECT code FROM certificates').split('\n'));
  const lost = acked.filter((c) => !codes.has(c.code));
  assert.deepEqual(lost.map((c) => c.code), [], 'acknowledged mints lost');
  // balances equal their journals; the issuer paid once per certificate it has
  assert.equal(db.sql('s1', `SELECT count(*) FROM balances b WHERE amount_minor <>
    (SELECT coalesce(sum(delta), 0) FROM journal j WHERE j.account_id = b.account_id AND j.currency = b.currency)`), '0');
  const [n, paid, lines] = db.sql('s1', `SELECT (SELECT count(*) FROM certificates WHERE issuer_id = ${w.issuer.id}),
    (SELECT -sum(delta) FROM journal WHERE account_id = ${w.issuer.id} AND ddc_id IS NOT NULL),
    (SELECT count(DISTINCT ddc_id) FROM journal WHERE account_id = ${w.issuer.id} AND ddc_id IS NOT NULL)`).split('|').map(Number);
  assert.equal(lines, n, 'one charge per certificate');
  assert.equal(paid, acked.reduce((s, c) => s + c.charged.amount_minor, 0) + (n - acked.length) * 100,
    'the charges are the certificates\' prices');
  const bal = await request(srv.base, 'GET', `/v1/accounts/${w.issuer.id}/balance`, { key: w.issuerKey });
  assert.equal(bal.status, 200, bal.text);
  assert.equal(bal.json.balances.find((x) => x.currency === 'CNY').amount_minor, RECHARGE - paid, bal.text);

  // the log goes on from the checkpoint served before the kill: the newest certificate becomes valid
  // and final (both witnesses cosigned a checkpoint that extends what they had), consistent with it
  const last = acked[acked.length - 1];
  const v = await until('the last certificate valid and final', async () => {
    const x = (await request(srv.base, 'GET', `/v1/verify/${last.code}`)).json;
    return x?.result === 'valid' && x.final && x;
  }, 30000);
  assert.match(v.checks.find((c) => c.name === 'witness_cosignatures').detail, /^2 of 2 /);
  const now = await checkpoint(srv.base, key);
  t.diagnostic(`${acked.length} mints acknowledged, ${refused} refused; the log ${before.size} -> ${now.size}`);
  assert.ok(now.size > before.size, `the log grew: ${before.size} -> ${now.size}`);
  const proof = await request(srv.base, 'GET', `/v1/log/proof/consistency?from=${before.size}&to=${now.size}`);
  assert.equal(proof.status, 200, proof.text);
  assert.ok(verifyConsistency(before.size, now.size, proof.json.proof.map(b64), before.root, now.root),
    'the new checkpoint extends the one before the kill');
  assert.equal(db.sql('s1', 'SELECT count(*) FROM log_pending'), '0', 'every event is in the log');
  for (const c of acked.filter((_, i) => i % 200 === 0)) {
    const x = (await request(srv.base, 'GET', `/v1/verify/${c.code}`)).json;
    assert.equal(x.result, 'valid', `${c.code}: ${JSON.stringify(x.checks?.filter((k) => !k.ok))}`);
  }

  // the auth listener listens on the new primary; the batch runner mints there
  await until('the auth listener up again', async () => (await metric(srv.base, 'ddcd_auth_listener_up')) === 1);
  assert.ok(await metric(srv.base, 'ddcd_auth_listener_connects_total') >= 2);
  const csv = 'student_name,student_id,degree,major,institution,conferred_on,external_ref\n'
    + [1, 2, 3].map((i) => `Student ${i},S${i},BSc,Physics,Example University,2026-06-30,F-${i}`).join('\n') + '\n';
  const up = await request(srv.base, 'POST', '/v1/batches?kind=diploma',
    { key: w.issuerKey, body: csv, headers: { 'content-type': 'text/csv' } });
  assert.equal(up.status, 202, up.text);
  const done = await until('the batch minted', async () => {
    const b = (await request(srv.base, 'GET', `/v1/batches/${up.json.batch_id}`, { key: w.issuerKey })).json;
    return ['completed', 'failed'].includes(b?.state) && b;
  }, 30000);
  assert.equal(done.state, 'completed', JSON.stringify(done));
});
