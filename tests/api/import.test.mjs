// Cross-operator transfer, the destination's side (docs/transfer.md): two deployments A and B,
// each its own database, log and log key, pinned both ways. A's export events are written into A's
// database here (the export itself is the source side's), so A's log and its real log key sign
// them; the packets are signed with A's log key by `ddcd peer sign`. A good packet is imported (a
// new code, the same cert_hash, the provenance, a receipt B signed once its event is final); a
// replay is 409 packet_replayed; an altered byte, a packet for another deployment or an unknown
// recipient are refused with a signed refusal; an unpinned signer and a stale signature are 401;
// a closed export is never imported.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as ed from '@noble/ed25519';
import { BIN, startDdcd, request, assertProblem, ownDatabase, createAccount, createKey, until } from './lib.mjs';
import { jcs } from './jcs.mjs';

let A, B, a, b, aKey, bKey, aw, bw;

async function deployment(tag, origin) {
  process.env.DDC_LOG_ORIGIN = origin;
  try { return await ownDatabase(tag); } finally { delete process.env.DDC_LOG_ORIGIN; }
}

async function accounts(base, op) {
  const issuer = await createAccount(base, op, 'issuer');
  const issuerKey = (await createKey(base, op, issuer.id)).key;
  const holder = await createAccount(base, issuerKey, 'holder');
  const r = await request(base, 'POST', `/v1/accounts/${issuer.id}/recharges`, {
    key: op, json: { amount_minor: 1000000, currency: 'CNY', reference: `x2-${issuer.id}` },
  });
  assert.equal(r.status, 201, r.text);
  return { issuer, issuerKey, holder };
}

before(async () => {
  A = await deployment('xa', 'a.transfer.test/log');
  B = await deployment('xb', 'b.transfer.test/log');
  const env = { DDC_ANCHOR_INTERVAL_MS: '100' };
  a = await startDdcd({ env: { ...A.env, ...env, DDC_LOG_ORIGIN: 'a.transfer.test/log' } });
  b = await startDdcd({ env: { ...B.env, ...env, DDC_LOG_ORIGIN: 'b.transfer.test/log' } });
  aKey = (await request(a.base, 'GET', '/v1/log/key')).text.trim();
  bKey = (await request(b.base, 'GET', '/v1/log/key')).text.trim();
  let r = await request(b.base, 'POST', '/v1/peers', { key: B.op, json: { name: 'a', url: a.base, log_key: aKey } });
  assert.equal(r.status, 201, r.text);
  r = await request(a.base, 'POST', '/v1/peers', { key: A.op, json: { name: 'b', url: b.base, log_key: bKey } });
  assert.equal(r.status, 201, r.text);
  aw = await accounts(a.base, A.op);
  bw = await accounts(b.base, B.op);
});

after(async () => {
  await a?.stop();
  await b?.stop();
  A?.drop();
  B?.drop();
});

// The DDC-Peer-Signature of a request to B, signed by deployment `by` (A's log key by default).
function sign(method, path, body, by = A, callee = 'b.transfer.test/log') {
  return execFileSync(BIN, ['peer', 'sign', method, path, callee], {
    env: { ...process.env, ...by.env, DDC_LOG_ORIGIN: by === A ? 'a.transfer.test/log' : 'b.transfer.test/log' },
    input: body ?? '',
  }).toString().trim();
}

function peerCall(method, path, body, opts = {}) {
  const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  const sig = opts.sig ?? sign(method, path, text, opts.by);
  const headers = { 'ddc-peer-signature': sig };
  if (text !== undefined) headers['content-type'] = 'application/json';
  return request(b.base, method, path, { body: text, headers });
}

// Mints a certificate at A and logs its export_started event (export id, to, for destination key).
let exportSeq = 1000 + (process.pid % 1000) * 10;
async function exported({ to = bw.holder.id, peerLogKey = bKey, deadlineS = 600 } = {}) {
  const m = await request(a.base, 'POST', '/v1/certificates', {
    key: aw.issuerKey, json: { kind: 'generic', metadata: { title: `moving ${exportSeq}` }, owner_id: aw.holder.id },
  });
  assert.equal(m.status, 201, m.text);
  const id = ++exportSeq;
  const deadline = new Date(Date.now() + deadlineS * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  const data = JSON.stringify({ exportId: id, peer: 'b', peerLogKey, to, deadline }).replace(/'/g, "''");
  A.sql(`SELECT ddc_cert_event(c, 'export_started', ${aw.issuer.id}, '${data}'::jsonb)
           FROM certificates c WHERE ddc_id = ${m.json.ddc_id}`);
  let bundle;
  await until('the export event is in a final checkpoint at A', async () => {
    bundle = (await request(a.base, 'GET', `/v1/verify/${m.json.code}/bundle`)).json;
    const last = bundle?.events?.at(-1);
    return last?.canonical.includes('"export_started"') && last.inclusion ? bundle : null;
  });
  return { id, cert: m.json, packet: { type: 'ddc.peer.packet/v1', export_id: id, bundle } };
}

// A statement signed by the key `vkey` (name+keyid+base64(0x01 || key)).
async function statementOk(s, vkey) {
  const { signature, ...rest } = s;
  assert.equal(s.log_key, vkey);
  const pub = Buffer.from(vkey.split('+').slice(2).join('+'), 'base64').subarray(1); // base64 may hold '+'
  const msg = Buffer.from(`ddc-peer-statement/v1\n${jcs(rest)}`, 'utf8');
  return ed.verifyAsync(Buffer.from(signature, 'base64url'), msg, pub);
}

test('a good packet is imported once: new code, same cert_hash, provenance, a signed receipt', async () => {
  const x = await exported();
  const r = await peerCall('POST', '/v1/peer/imports', x.packet);
  assert.ok([201, 202].includes(r.status), r.text);
  const path = `/v1/peer/imports/${aKey.split('+')[1]}/${x.id}`;
  let receipt;
  await until('the receipt', async () => {
    const g = await peerCall('GET', path);
    assert.ok([200, 202].includes(g.status), g.text);
    return g.status === 200 ? (receipt = g.json.receipt) : null;
  });
  assert.equal(receipt.type, 'ddc.peer.receipt/v1');
  assert.equal(receipt.export_id, x.id);
  assert.equal(receipt.cert_hash, x.cert.cert_hash);
  assert.notEqual(receipt.code, x.cert.code);
  assert.ok(await statementOk(receipt, bKey), 'the receipt verifies under B\'s log key');
  const ev = JSON.parse(receipt.event.canonical);
  assert.equal(ev.type, 'imported');
  assert.deepEqual(ev.data, {
    certHash: x.cert.cert_hash, exportEventHash: x.packet.bundle.events.at(-1).event_hash, exportId: x.id,
    peer: 'a', peerLogKey: aKey, sourceCode: x.cert.code, sourceDdcId: x.cert.ddc_id,
  });
  assert.equal(receipt.event.inclusion.size, Number(receipt.checkpoint.split('\n')[1]));
  const cert = await request(b.base, 'GET', `/v1/certificates/${receipt.ddc_id}`, { key: B.op });
  assert.equal(cert.status, 200, cert.text);
  assert.equal(cert.json.owner_id, bw.holder.id);
  assert.equal(cert.json.status, 'active');
  const bundle = (await request(b.base, 'GET', `/v1/verify/${receipt.code}/bundle`)).json;
  assert.equal(bundle.document, x.packet.bundle.document);
  assert.equal(bundle.events[0].canonical, receipt.event.canonical);
  assert.deepEqual(bundle.signing_key, x.packet.bundle.signing_key);
  assert.equal(bundle.imported_from.peer, 'a');
  assert.equal(bundle.imported_from.code, x.cert.code);
  assert.equal(bundle.imported_from.log_key, aKey);
  assert.deepEqual(bundle.imported_from.bundle, x.packet.bundle);
  // the same packet again: no second certificate
  const again = await peerCall('POST', '/v1/peer/imports', x.packet);
  assertProblem(again, 409, 'packet_replayed', undefined, { receipt_url: `${b.base}${path}` });
  // and closing it now gives the receipt
  const close = await peerCall('POST', `${path}/close`);
  assert.equal(close.status, 200, close.text);
  assert.equal(close.json.status, 'imported');
  // the imported certificate is live at B: its holder's issuer burns it
  const burn = await request(b.base, 'POST', `/v1/certificates/${receipt.ddc_id}/burn`, { key: bw.issuerKey, json: {} });
  assert.equal(burn.status, 200, burn.text);
});

test('an altered byte is refused with a signed refusal, the same one again', async () => {
  const x = await exported();
  const bad = structuredClone(x.packet);
  bad.bundle.document = bad.bundle.document.replace('moving', 'Moving');
  const r = await peerCall('POST', '/v1/peer/imports', bad);
  assertProblem(r, 422, 'packet_invalid', 'bundle', { refusal: r.json.refusal });
  assert.equal(r.json.refusal.type, 'ddc.peer.refusal/v1');
  assert.equal(r.json.refusal.export_id, x.id);
  assert.equal(r.json.refusal.reason, 'bundle_invalid');
  assert.ok(await statementOk(r.json.refusal, bKey));
  const again = await peerCall('POST', '/v1/peer/imports', x.packet);
  assert.equal(again.status, 422, again.text);
  assert.deepEqual(again.json.refusal, r.json.refusal);
});

test('a packet for another deployment, or for nobody here, is refused', async () => {
  const elsewhere = await exported({ peerLogKey: aKey });
  let r = await peerCall('POST', '/v1/peer/imports', elsewhere.packet);
  assert.equal(r.status, 422, r.text);
  assert.equal(r.json.refusal.reason, 'wrong_destination');
  const nobody = await exported({ to: bw.issuer.id });
  r = await peerCall('POST', '/v1/peer/imports', nobody.packet);
  assert.equal(r.status, 422, r.text);
  assert.equal(r.json.refusal.reason, 'recipient_unknown');
  assert.ok(await statementOk(r.json.refusal, bKey));
  const late = await exported({ deadlineS: 20 });
  r = await peerCall('POST', '/v1/peer/imports', late.packet);
  assert.equal(r.json.refusal?.reason, 'deadline_passed', r.text);
});

test('an unpinned signer and a stale or altered signature are 401', async () => {
  const x = await exported();
  const body = JSON.stringify(x.packet);
  // B's own key is no pin at B
  let r = await peerCall('POST', '/v1/peer/imports', body, { by: B });
  assertProblem(r, 401, 'peer_unknown', 'DDC-Peer-Signature');
  const sig = sign('POST', '/v1/peer/imports', body);
  const created = Number(sig.match(/created=(\d+)/)[1]);
  r = await peerCall('POST', '/v1/peer/imports', body, { sig: sig.replace(/created=\d+/, `created=${created - 400}`) });
  assertProblem(r, 401, 'peer_signature_expired', 'DDC-Peer-Signature');
  r = await peerCall('POST', '/v1/peer/imports', body, { sig: sig.replace(/created=\d+/, `created=${created - 1}`) });
  assertProblem(r, 401, 'peer_signature_invalid', 'DDC-Peer-Signature');
  r = await request(b.base, 'POST', '/v1/peer/imports', { json: x.packet });
  assertProblem(r, 401, 'peer_signature_invalid', 'DDC-Peer-Signature');
  // signed for another callee
  r = await peerCall('POST', '/v1/peer/imports', body, { sig: execFileSync(BIN, ['peer', 'sign', 'POST', '/v1/peer/imports', 'c.transfer.test/log'], { env: { ...process.env, ...A.env, DDC_LOG_ORIGIN: 'a.transfer.test/log' }, input: body }).toString().trim() });
  assertProblem(r, 401, 'peer_signature_invalid', 'DDC-Peer-Signature');
  // nothing was imported by any of them
  assert.equal(B.sql(`SELECT count(*) FROM cert_imports WHERE export_id = ${x.id}`), '0');
});

test('a closed export is never imported', async () => {
  const x = await exported();
  const path = `/v1/peer/imports/${aKey.split('+')[1]}/${x.id}`;
  assertProblem(await peerCall('GET', path), 404, 'import_not_found');
  const c = await peerCall('POST', `${path}/close`);
  assert.equal(c.status, 200, c.text);
  assert.equal(c.json.status, 'closed');
  assert.equal(c.json.statement.type, 'ddc.peer.closed/v1');
  assert.ok(await statementOk(c.json.statement, bKey));
  const again = await peerCall('POST', `${path}/close`);
  assert.deepEqual(again.json, c.json);
  const r = await peerCall('POST', '/v1/peer/imports', x.packet);
  assertProblem(r, 409, 'export_closed', undefined, { statement: c.json.statement });
});
