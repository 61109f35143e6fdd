// export.test.mjs: cross-operator transfer, the source side, between two deployments (two private
// PostgreSQL clusters, two ddcd, two logs with their own origins), pinned both ways: an export
// locks the certificate (nothing else may happen to it), the worker sends it, the receipt makes
// it moved with the receipt kept, a refusal lifts the lock at once, and a cancel is refused before
// the deadline, answers 503 with the peer down (the lock stays) and unlocks once the peer closes.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { cluster } from './cluster.mjs';
import { assertProblem, createAccount, createKey, request, startDdcd, until } from './lib.mjs';

let A, B, a, b, aShort;
const servers = [];

async function serve(c, origin, extra = {}) {
  const s = await startDdcd({ env: { ...c.env, DDC_LOG_ORIGIN: origin, DDC_PUBLIC_URL: `http://${origin.split('/')[0]}`,
    DDC_ANCHOR_INTERVAL_MS: '100', ...extra } });
  servers.push(s);
  return s;
}

const logKey = async (s) => (await request(s.base, 'GET', '/v1/log/key')).text.trim();

before(async () => {
  const origin = process.env.DDC_LOG_ORIGIN;
  process.env.DDC_LOG_ORIGIN = 'a.ddc.test/log'; // `ddcd init` names each log
  A = await cluster('xa');
  process.env.DDC_LOG_ORIGIN = 'b.ddc.test/log';
  B = await cluster('xb');
  if (origin === undefined) delete process.env.DDC_LOG_ORIGIN;
  else process.env.DDC_LOG_ORIGIN = origin;
  a = await serve(A, 'a.ddc.test/log');
  b = await serve(B, 'b.ddc.test/log');
  aShort = await serve(A, 'a.ddc.test/log', { DDC_EXPORT_DEADLINE_S: '2' }); // same log, short deadlines
  for (const [x, c, peer, name] of [[a, A, b, 'b'], [b, B, a, 'a']]) {
    const r = await request(x.base, 'POST', '/v1/peers', { key: c.op, json: { name, url: peer.base, log_key: await logKey(peer) } });
    assert.equal(r.status, 201, r.text);
  }
});

after(async () => {
  for (const s of servers) await s.stop().catch(() => {});
  A?.destroy();
  B?.destroy();
});

// An issuer and a holder at A with a certificate of the holder's; a holder at B.
async function setup() {
  const issuer = await createAccount(a.base, A.op, 'issuer');
  const issuerKey = (await createKey(a.base, A.op, issuer.id)).key;
  const holder = await createAccount(a.base, issuerKey, 'holder');
  const holderKey = (await createKey(a.base, issuerKey, holder.id)).key;
  for (const id of [issuer.id]) { // the mint and the export are paid (a holder's by its issuer)
    const m = await request(a.base, 'POST', `/v1/accounts/${id}/recharges`,
      { key: A.op, json: { amount_minor: 100000, currency: 'CNY', reference: `x1-${id}-${Date.now()}` } });
    assert.equal(m.status, 201, m.text);
  }
  const r = await request(a.base, 'POST', '/v1/certificates', { key: issuerKey,
    json: { kind: 'generic', owner_id: holder.id, metadata: { title: `export ${Date.now()}` } } });
  assert.equal(r.status, 201, r.text);
  const bIssuer = await createAccount(b.base, B.op, 'issuer');
  const bIssuerKey = (await createKey(b.base, B.op, bIssuer.id)).key;
  const bHolder = await createAccount(b.base, bIssuerKey, 'holder');
  return { issuerKey, holder, holderKey, cert: r.json, bHolder };
}

const cert = async (s, key, id) => (await request(s.base, 'GET', `/v1/certificates/${id}`, { key })).json;
const importsServed = async () => (await request(b.base, 'POST', '/v1/peer/imports', { json: {} })).json?.code !== 'route_not_found';

test('an export locks the certificate: 202, export_started logged, every other change 409 certificate_exporting', async () => {
  const w = await setup();
  const bad = await request(a.base, 'POST', `/v1/certificates/${w.cert.ddc_id}/export`, { key: w.issuerKey, json: { peer: 'nobody', to: 5 } });
  assertProblem(bad, 409, 'peer_not_found', 'peer');
  const r = await request(a.base, 'POST', `/v1/certificates/${w.cert.ddc_id}/export`, { key: w.issuerKey, json: { peer: 'b', to: w.bHolder.id } });
  assert.equal(r.status, 202, r.text);
  assert.equal(r.json.status, 'exporting');
  assert.equal(r.json.peer, 'b');
  assert.equal(r.json.to, w.bHolder.id);
  assert.match(r.json.deadline, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  const events = (await request(a.base, 'GET', `/v1/certificates/${w.cert.ddc_id}/events`, { key: w.holderKey })).json.items;
  const ev = events.at(-1);
  assert.equal(ev.type, 'export_started');
  assert.deepEqual(ev.data, { exportId: r.json.export_id, peer: 'b', peerLogKey: await logKey(b), to: w.bHolder.id, deadline: r.json.deadline });
  const id = w.cert.ddc_id;
  for (const [path, key, json] of [[`transfer`, w.holderKey, { to: w.holder.id }], ['burn', w.holderKey, {}],
    ['approve', w.holderKey, { operator_id: 1 }], ['freeze', w.issuerKey, {}], ['revoke', w.issuerKey, { reason: 'x' }],
    ['export', w.issuerKey, { peer: 'b', to: w.bHolder.id }]]) {
    assertProblem(await request(a.base, 'POST', `/v1/certificates/${id}/${path}`, { key, json }), 409, 'certificate_exporting');
  }
  const batch = await request(a.base, 'POST', '/v1/certificates/batch/freeze', { key: w.issuerKey, json: { items: [{ ddc_id: id }] } });
  assert.equal(batch.status, 422, batch.text);
  assert.equal(batch.json.items[0].code, 'certificate_exporting');
  assertProblem(await request(a.base, 'POST', `/v1/certificates/${id}/export/cancel`, { key: w.issuerKey }), 409,
    'export_deadline_not_passed', undefined, { deadline: r.json.deadline });
  const v = await until('the exporting verdict', async () => {
    const x = (await request(a.base, 'GET', `/v1/verify/${w.cert.code}`)).json;
    return x?.result === 'exporting' && x;
  });
  assert.equal(v.certificate.status, 'exporting');
});

test('export -> moved with the receipt; then every change 409 certificate_moved, the verdict moved with moved_to', async (t) => {
  if (!(await importsServed())) return t.skip('the destination side (POST /v1/peer/imports) is not in this build');
  const w = await setup();
  const r = await request(a.base, 'POST', `/v1/certificates/${w.cert.ddc_id}/export`, { key: w.issuerKey, json: { peer: 'b', to: w.bHolder.id } });
  assert.equal(r.status, 202, r.text);
  await until('moved', async () => (await cert(a, w.holderKey, w.cert.ddc_id)).status === 'moved', 30000);
  const ev = (await request(a.base, 'GET', `/v1/certificates/${w.cert.ddc_id}/events`, { key: w.holderKey })).json.items.at(-1);
  assert.equal(ev.type, 'export_completed');
  assert.equal(ev.data.exportId, r.json.export_id);
  assert.equal(ev.data.peer, 'b');
  assert.match(ev.data.receiptSha256, /^[0-9a-f]{64}$/);
  const receipt = A.sql('pg', `SELECT receipt FROM cert_exports WHERE export_id = ${r.json.export_id}`);
  assert.equal(JSON.parse(receipt).code, ev.data.code);
  const there = await request(b.base, 'GET', `/v1/verify/${ev.data.code}`);
  assert.equal(there.status, 200, there.text);
  assertProblem(await request(a.base, 'POST', `/v1/certificates/${w.cert.ddc_id}/transfer`, { key: w.holderKey, json: { to: w.holder.id } }), 409, 'certificate_moved');
  const v = await until('the moved verdict', async () => {
    const x = (await request(a.base, 'GET', `/v1/verify/${w.cert.code}`)).json;
    return x?.result === 'moved' && x;
  });
  assert.deepEqual(v.moved_to, { peer: 'b', code: ev.data.code, url: ev.data.url });
});

test('a refusal (unknown recipient) lifts the lock at once', async (t) => {
  if (!(await importsServed())) return t.skip('the destination side (POST /v1/peer/imports) is not in this build');
  const w = await setup();
  const r = await request(a.base, 'POST', `/v1/certificates/${w.cert.ddc_id}/export`, { key: w.issuerKey, json: { peer: 'b', to: 999999 } });
  assert.equal(r.status, 202, r.text);
  await until('active again', async () => (await cert(a, w.holderKey, w.cert.ddc_id)).status === 'active', 30000);
  const ev = (await request(a.base, 'GET', `/v1/certificates/${w.cert.ddc_id}/events`, { key: w.holderKey })).json.items.at(-1);
  assert.equal(ev.type, 'export_refused');
  assert.deepEqual(ev.data, { exportId: r.json.export_id, reason: 'recipient_unknown' });
  const tr = await request(a.base, 'POST', `/v1/certificates/${w.cert.ddc_id}/transfer`, { key: w.holderKey, json: { to: w.holder.id } });
  assertProblem(tr, 409, 'recipient_invalid'); // the lock is gone: only the recipient is wrong now
});

test('cancel after the deadline: 503 with the peer down and the lock stays; closed with the peer up', async (t) => {
  const w = await setup();
  const bStopped = servers.indexOf(b);
  await b.stop();
  const r = await request(aShort.base, 'POST', `/v1/certificates/${w.cert.ddc_id}/export`, { key: w.issuerKey, json: { peer: 'b', to: w.bHolder.id } });
  assert.equal(r.status, 202, r.text);
  await new Promise((res) => setTimeout(res, 2500)); // the deadline passes
  const down = await request(a.base, 'POST', `/v1/certificates/${w.cert.ddc_id}/export/cancel`, { key: w.issuerKey });
  assertProblem(down, 503, 'peer_unreachable');
  assert.equal((await cert(a, w.holderKey, w.cert.ddc_id)).status, 'exporting');
  assertProblem(await request(a.base, 'POST', `/v1/certificates/${w.cert.ddc_id}/burn`, { key: w.holderKey }), 409, 'certificate_exporting');
  // B back on its old port, so that the pin at A still names it
  const port = new URL(b.base).port;
  b = await startDdcd({ env: { ...B.env, DDC_LOG_ORIGIN: 'b.ddc.test/log', DDC_PUBLIC_URL: 'http://b.ddc.test' },
    args: [], command: ['serve', '--listen', `127.0.0.1:${port}`] });
  servers[bStopped] = b;
  if (!(await importsServed())) return t.skip('the destination side (close) is not in this build');
  const up = await request(a.base, 'POST', `/v1/certificates/${w.cert.ddc_id}/export/cancel`, { key: w.issuerKey });
  if (up.status === 409) { // the worker's packet got there first: refused, as past its deadline
    assertProblem(up, 409, 'export_not_pending');
    assert.equal((await cert(a, w.holderKey, w.cert.ddc_id)).status, 'active');
    return;
  }
  assert.equal(up.status, 200, up.text);
  assert.equal(up.json.state, 'cancelled');
  assert.equal(up.json.status, 'active');
  const ev = (await request(a.base, 'GET', `/v1/certificates/${w.cert.ddc_id}/events`, { key: w.holderKey })).json.items.at(-1);
  assert.equal(ev.type, 'export_cancelled');
  assert.deepEqual(ev.data, { exportId: r.json.export_id });
});
