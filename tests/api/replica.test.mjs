// replica.test.mjs: public reads from a real streaming replica (its own primary and replica,
// cluster.mjs; ddcd with DDC_DATABASE_READ_URL). Verifications, bundles, checkpoints, proofs and
// tiles are answered by the replica (its pg_stat_activity shows ddcd's connection, /metrics counts
// them) and the bundles verify offline. With the replica's replay paused, a certificate minted on
// the primary is never not_found (the replica's not_found sends the read to the primary), and once
// the replica is further behind than DDC_READ_MAX_LAG_MS it is skipped (a lag fallback); with the
// replica stopped, reads fall back to the primary (down); both come back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startDdcd, runDdcd, request, world, uniq, until } from './lib.mjs';
import { cluster } from './cluster.mjs';

const APP = 'ddcd-replica-test';
let db, srv, w;

before(async () => {
  db = await cluster('replica');
  db.replica('r1');
  srv = await startDdcd({ env: { ...db.env, DDC_DATABASE_READ_URL: `${db.url('r1')} application_name=${APP}`,
    DDC_READ_MAX_LAG_MS: '1000', DDC_ANCHOR_INTERVAL_MS: '100', DDC_VERIFY_CACHE_MS: '0' } });
  w = await world(srv.base, db.op);
  const rc = await request(srv.base, 'POST', `/v1/accounts/${w.issuer.id}/recharges`,
    { key: w.op, json: { amount_minor: 1000000, currency: 'CNY', reference: uniq('replica') } });
  assert.equal(rc.status, 201, rc.text);
});

after(async () => {
  await srv?.stop();
  db?.destroy();
});

async function mint() {
  const r = await request(srv.base, 'POST', '/v1/certificates',
    { key: w.issuerKey, json: { kind: 'generic', metadata: { title: uniq('replicated') } } });
  assert.equal(r.status, 201, r.text);
  return r.json;
}
const verify = (code) => request(srv.base, 'GET', `/v1/verify/${code}`);

// The public-read counters of /metrics: {primary, replica, up, lag, lag_fb, down_fb, nf_fb, err_fb}.
async function reads() {
  const t = (await request(srv.base, 'GET', '/metrics')).text;
  const num = (re) => Number((t.match(re) || [])[1]);
  return {
    primary: num(/^ddcd_db_public_reads_total\{on="primary"\} (\d+)$/m),
    replica: num(/^ddcd_db_public_reads_total\{on="replica",replica="1",[^}]*\} (\d+)$/m),
    up: num(/^ddcd_db_replica_up\{replica="1",[^}]*\} (\d+)$/m),
    lag: num(/^ddcd_db_replica_lag_seconds\{replica="1",[^}]*\} ([\d.]+)$/m),
    lagFb: num(/^ddcd_db_read_fallbacks_total\{reason="lag"\} (\d+)$/m),
    downFb: num(/^ddcd_db_read_fallbacks_total\{reason="down"\} (\d+)$/m),
    nfFb: num(/^ddcd_db_read_fallbacks_total\{reason="not_found"\} (\d+)$/m),
    errFb: num(/^ddcd_db_read_fallbacks_total\{reason="error"\} (\d+)$/m),
  };
}

test('public reads are served by the replica, and its bundles verify', async () => {
  await until('the replica up', async () => (await reads()).up === 1);
  const certs = [await mint(), await mint(), await mint()];
  for (const c of certs)
    await until('valid', async () => (await verify(c.code)).json?.result === 'valid');
  const before = await reads();
  for (const c of certs) {
    const v = await verify(c.code);
    assert.equal(v.status, 200, v.text);
    assert.equal(v.json.result, 'valid');
    const b = await request(srv.base, 'GET', `/v1/verify/${c.code}/bundle`);
    assert.equal(b.status, 200, b.text);
    const posted = await request(srv.base, 'POST', '/v1/verify', { json: b.json });
    assert.equal(posted.json.result, 'valid', posted.text);
    const file = path.join(db.work, 'bundle.json');
    fs.writeFileSync(file, JSON.stringify(b.json));
    const logKey = (await request(srv.base, 'GET', '/v1/log/key')).text.trim();
    const r = await runDdcd(['verify', file, '--log-key', logKey]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
  }
  const cp = await request(srv.base, 'GET', '/v1/log/checkpoint');
  assert.equal(cp.status, 200);
  const size = Number(cp.text.split('\n')[1]);
  assert.equal((await request(srv.base, 'GET', `/v1/log/proof/inclusion?index=0&size=${size}`)).status, 200);
  assert.equal((await request(srv.base, 'GET', `/v1/log/tile/0/000.p/${size}`)).status, 200);
  const after = await reads();
  // 3 verifies, 3 bundles, 3 currency checks, the checkpoint, a proof and a tile
  assert.ok(after.replica - before.replica >= 12, `replica served ${after.replica - before.replica}`);
  assert.equal(after.primary, before.primary, 'the primary answered no public read');
  assert.ok(Number(db.sql('r1', `SELECT count(*) FROM pg_stat_activity WHERE application_name = '${APP}'`)) >= 1,
    'ddcd is connected to the replica');
});

test('replay paused: a new certificate is never not_found, and a lagging replica is skipped', async () => {
  db.sql('r1', 'SELECT pg_wal_replay_pause()');
  try {
    const start = await reads();
    // the replica has not got it: it answers not_found, and the primary answers instead
    const first = await mint();
    const v = await verify(first.code);
    assert.equal(v.status, 200, v.text);
    assert.match(v.json.result, /^(not_yet_anchored|valid)$/);
    const b = await request(srv.base, 'GET', `/v1/verify/${first.code}/bundle`);
    assert.equal(b.status, 200, b.text);
    const mid = await reads();
    assert.ok(mid.nfFb - start.nfFb >= 2, 'not_found on the replica sent both reads to the primary');
    // writes go on; once the replica is more than 1 s behind, it is not asked at all
    const t0 = Date.now();
    while (Date.now() - t0 < 1600) {
      const c = await mint();
      const r = await verify(c.code);
      assert.equal(r.status, 200, r.text);
      assert.match(r.json.result, /^(not_yet_anchored|valid)$/, 'never not_found');
    }
    const lagged = await reads();
    assert.ok(lagged.lag > 1, `lag ${lagged.lag} s`);
    assert.ok(lagged.lagFb > start.lagFb, 'lag fallbacks counted');
    const served = lagged.replica;
    for (let i = 0; i < 5; i++) assert.equal((await verify(first.code)).status, 200);
    assert.equal((await reads()).replica, served, 'the lagging replica answered nothing');
  } finally {
    db.sql('r1', 'SELECT pg_wal_replay_resume()');
  }
  await until('the replica caught up', async () => (await reads()).lag === 0);
  const c = await mint();
  await until('valid', async () => (await verify(c.code)).json?.result === 'valid');
  const before = await reads();
  assert.equal((await verify(c.code)).json.result, 'valid');
  assert.equal((await reads()).replica, before.replica + 1, 'the replica serves again');
});

test('replica stopped: reads fall back to the primary, and come back to it', async () => {
  const c = await mint();
  await until('valid', async () => (await verify(c.code)).json?.result === 'valid');
  db.stop('r1');
  const start = await reads();
  for (let i = 0; i < 10; i++) {
    const v = await verify(c.code);
    assert.equal(v.status, 200, v.text);
    assert.equal(v.json.result, 'valid');
  }
  const down = await reads();
  assert.equal(down.primary - start.primary, 10, 'the primary answered them');
  assert.ok(down.downFb + down.errFb - start.downFb - start.errFb >= 10, 'fallbacks counted as down or error');
  await until('the replica down in /metrics', async () => (await reads()).up === 0);
  db.start('r1');
  await until('the replica up again', async () => (await reads()).up === 1, 15000);
  const back = await reads();
  assert.equal((await verify(c.code)).status, 200);
  assert.equal((await reads()).replica, back.replica + 1, 'the replica serves again');
});
