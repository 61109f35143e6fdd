// transfer_crash.test.mjs: cross-operator transfer under crashes (ddc peer protocol v1). Two
// deployments A (source) and B (destination), each its own PostgreSQL cluster, log and public URL
// (twoside.mjs), pinned both ways, and a third, V, pinned at A as the peer "void" whose ddcd is
// not started until the end (a peer url that goes nowhere). 200 certificates minted at A are
// exported: most to holders at B, some to an account B does not have (refused on purpose), some to
// "void" (they time out, and their cancel after the deadline answers 503 while V is down and
// closes once it is up). Meanwhile A or B is killed -9 at every fault point (DDC_FAULT_POINT: each
// one the service sources name, at least once) and a few times at random moments, and restarted
// each time; B is also stopped for a while. Afterwards, in both databases and through the APIs:
// every certificate is live on exactly one side (A active, or moved with one imported copy at B),
// each outcome is the one its export asked for (or a refusal for a passed deadline), every moved
// one verifies at A as moved and at B as imported from it with the same document, and a packet
// sent again (signed fresh) is refused with 409 packet_replayed, an altered one with 422 and a
// signed refusal, with no second certificate.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RELEASE_ONLY, request, uniq } from './lib.mjs';
import { checkBundle } from '../../web/verify.js';
import { deployment, pin, peerRequest, statementSigned, sleep } from './twoside.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const DEADLINE_S = 45; // B refuses a packet later than deadline - 30 s: 15 s for the good ones
const N = { good: 104, unknown: 56, void: 40 }; // 200 in all
const sides = [];
after(async () => { for (const d of sides) await d.destroy(); });

// Every fault point the service sources name: fault_point("name") calls.
function faultPoints() {
  const found = new Set();
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.c')) {
        for (const m of fs.readFileSync(p, 'utf8').matchAll(/fault_point\("([a-z0-9_.]+)"\)/g)) found.add(m[1]);
      }
    }
  };
  walk(path.join(ROOT, 'service'));
  return [...found].sort();
}

const groupBy = (xs, key) => {
  const m = new Map();
  for (const x of xs) m.set(key(x), [...(m.get(key(x)) || []), x]);
  return m;
};
const eventsOf = (d, where) => d.sql(`SELECT coalesce(json_agg(json_build_object('ddc_id', ddc_id, 'type',
  type, 'data', canonical::jsonb -> 'data') ORDER BY id), '[]') FROM events WHERE ${where}`);

test('200 exports between two deployments, kill -9 at every step: live on exactly one side, moved ones verify on both', RELEASE_ONLY, async (t) => {
  const t0 = Date.now();
  const points = faultPoints();
  assert.ok(points.includes('export.after_lock') && points.includes('import.after_mint'), `crash points found: ${points}`);
  const env = { DDC_EXPORT_DEADLINE_S: String(DEADLINE_S), DDC_ANCHOR_INTERVAL_MS: '100', DDC_VERIFY_CACHE_MS: '0' };
  const [A, B, V] = await Promise.all(['xa', 'xb', 'xv'].map((tag) => deployment(tag, { env })));
  sides.push(A, B, V);
  await Promise.all([A.start(), B.start()]);
  await pin(A, B, 'b');
  await pin(A, V, 'void');
  await pin(B, A, 'a');

  // accounts: an issuer at A (paying) with one holder; at B the recipients
  const acct = async (d, key, role) => {
    const r = await request(d.base, 'POST', '/v1/accounts', { key, json: { role, name: uniq(role) } });
    assert.equal(r.status, 201, r.text);
    const k = await request(d.base, 'POST', `/v1/accounts/${r.json.id}/api-keys`, { key, json: { name: uniq('k') } });
    assert.equal(k.status, 201, k.text);
    return { id: r.json.id, key: k.json.key };
  };
  const issuer = await acct(A, A.op, 'issuer');
  const holder = await acct(A, issuer.key, 'holder');
  const rc = await request(A.base, 'POST', `/v1/accounts/${issuer.id}/recharges`,
    { key: A.op, json: { amount_minor: 100_000_000, currency: 'CNY', reference: uniq('xcrash').replace(/ /g, '-') } });
  assert.equal(rc.status, 201, rc.text);
  const bIssuer = await acct(B, B.op, 'issuer');
  const recipients = [];
  for (let i = 0; i < 4; i++) recipients.push((await acct(B, bIssuer.key, 'holder')).id);

  // 200 certificates at A, each given its export's plan
  const certs = [];
  const kinds = [...Array(N.good).fill('good'), ...Array(N.unknown).fill('unknown'), ...Array(N.void).fill('void')];
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (certs.length < kinds.length) {
      const i = certs.length;
      certs.push(null);
      const r = await request(A.base, 'POST', '/v1/certificates', { key: issuer.key,
        json: { kind: 'generic', owner_id: holder.id, metadata: { title: uniq('xcrash') } } });
      assert.equal(r.status, 201, r.text);
      const kind = kinds[i];
      certs[i] = { ...r.json, kind, peer: kind === 'void' ? 'void' : 'b',
        to: kind === 'unknown' ? 900_000_000 + i : recipients[i % recipients.length] };
    }
  }));
  const queue = { good: certs.filter((c) => c.kind === 'good'), unknown: certs.filter((c) => c.kind === 'unknown') };
  const take = (kind, n) => queue[kind].splice(0, n);

  // An export as the custodial issuer, with an Idempotency-Key: sent again after a crash of A
  // (under the request too) until A answers it.
  async function exportCert(c) {
    for (let i = 0; ; i++) {
      let r = null;
      try {
        r = await request(A.base, 'POST', `/v1/certificates/${c.ddc_id}/export`, { key: issuer.key,
          json: { peer: c.peer, to: c.to }, headers: { 'idempotency-key': `xcrash-${c.ddc_id}` } });
      } catch { /* A was killed: once it is back the same key answers */ }
      if (r?.status === 202) {
        assert.equal(r.json.status, 'exporting', r.text);
        assert.equal(r.json.ddc_id, c.ddc_id);
        c.export = r.json;
        return;
      }
      assert.ok(!r || r.status === 503, `export of ${c.ddc_id}: ${r?.status} ${r?.text}`);
      assert.ok(i < 600, `export of ${c.ddc_id} never answered`);
      await sleep(100);
    }
  }
  const wave = (cs) => Promise.all(cs.map(exportCert));
  const kills = [];

  // the exports to "void": V's ddcd is not running, they wait for their deadline
  const voids = certs.filter((c) => c.kind === 'void');
  await wave(voids);
  const voidDeadline = Math.max(...voids.map((c) => Date.parse(c.export.deadline)));
  const early = await request(A.base, 'POST', `/v1/certificates/${voids[0].ddc_id}/export/cancel`, { key: issuer.key, json: {} });
  assert.equal(early.status, 409, early.text);
  assert.equal(early.json.code, 'export_deadline_not_passed');
  const locked = await request(A.base, 'POST', `/v1/certificates/${voids[0].ddc_id}/transfer`, { key: issuer.key, json: { to: holder.id } });
  assert.equal(locked.status, 409, locked.text);
  assert.equal(locked.json.code, 'certificate_exporting');

  // replayed and altered packets: with B stopped, two exports are logged at A, whose ddcd is then
  // killed so that B first hears of them from the suite, which sends their packets as A would
  // (signed with A's log key); A's own sends come after, once it is back
  await B.stop();
  const [rp, al] = take('good', 2);
  await wave([rp, al]);
  const packetOf = async (c) => {
    const bundle = await until(`${c.code}'s export in A's log`, async () => {
      const v = (await request(A.base, 'GET', `/v1/verify/${c.code}`)).json;
      if (v?.result !== 'exporting' || !v.final) return null;
      return (await request(A.base, 'GET', `/v1/verify/${c.code}/bundle`)).json;
    });
    assert.equal(bundle.events.at(-1).type, 'export_started');
    return { type: 'ddc.peer.packet/v1', export_id: c.export.export_id, bundle };
  };
  const [rpPacket, alPacket] = [await packetOf(rp), await packetOf(al)];
  await A.kill();
  kills.push('xa@suite');
  await B.start();
  const bCerts = () => Number(B.sql('SELECT count(*) FROM certificates'));
  const first = await peerRequest(A, B, 'POST', '/v1/peer/imports', JSON.stringify(rpPacket));
  assert.ok([200, 201, 202].includes(first.status), `the packet imports: ${first.status} ${first.text}`);
  const n0 = bCerts();
  const again = await peerRequest(A, B, 'POST', '/v1/peer/imports', JSON.stringify(rpPacket));
  assert.equal(again.status, 409, again.text);
  assert.equal(again.json.code, 'packet_replayed');
  assert.equal(typeof again.json.receipt_url, 'string', 'the replay names its receipt');
  const altered = structuredClone(alPacket);
  altered.bundle.document = altered.bundle.document.replace(/xcrash/, 'xcrasH');
  assert.notEqual(altered.bundle.document, alPacket.bundle.document);
  const bad = await peerRequest(A, B, 'POST', '/v1/peer/imports', JSON.stringify(altered));
  assert.equal(bad.status, 422, bad.text);
  assert.equal(bad.json.code, 'packet_invalid');
  assert.ok(statementSigned(bad.json.refusal, B.logKey), 'the refusal is signed with B\'s log key');
  assert.equal(bad.json.refusal.export_id, al.export.export_id);
  const renumbered = { ...rpPacket, export_id: rpPacket.export_id + 1_000_000 };
  const bad2 = await peerRequest(A, B, 'POST', '/v1/peer/imports', JSON.stringify(renumbered));
  assert.equal(bad2.status, 422, bad2.text);
  assert.equal(bad2.json.code, 'packet_invalid');
  assert.equal(bCerts(), n0, 'no second certificate');
  al.altered = bad.json.refusal.reason; // its genuine packet now meets this refusal at B
  await A.start();

  // kill -9 at every fault point: the side whose process reaches it is started with it armed, a
  // wave of exports reaches it, and the side is started again without it
  const plan = [...points, 'export.after_send', 'import.after_mint'].filter((p) => points.includes(p));
  for (const p of ['export.after_lock', 'export.before_send', 'export.after_send', 'export.after_moved',
    'import.after_mint', 'import.before_receipt']) assert.ok(points.includes(p), `fault point ${p} in the service`);
  for (const point of plan) {
    const side = point.startsWith('import.') || point.startsWith('close.') ? B : A;
    await side.stop();
    await side.start({ DDC_FAULT_POINT: point });
    const exporting = wave([...take('good', 6), ...take('unknown', 3)]);
    const how = await side.ended(30000);
    assert.equal(how?.sig, 'SIGKILL', `${side.tag} reached ${point} and killed itself (${JSON.stringify(how)})`);
    kills.push(`${side.tag}@${point}`);
    await side.start();
    await exporting;
  }
  // kill -9 at random moments under a wave, and B stopped for a while
  for (const side of [A, B, A]) {
    const exporting = wave([...take('good', 8), ...take('unknown', 4)]);
    await sleep(200 + Math.floor(Math.random() * 1500));
    await side.kill();
    kills.push(`${side.tag}@random`);
    await sleep(300);
    await side.start();
    await exporting;
  }
  {
    await B.stop();
    const exporting = wave([...take('good', 6), ...take('unknown', 4)]);
    await sleep(3000);
    await B.start();
    await exporting;
  }

  // the rest, without kills
  await wave([...take('good', 1000), ...take('unknown', 1000)]);
  assert.deepEqual(queue, { good: [], unknown: [] });
  assert.ok(kills.length >= 10, `kills: ${kills.length}`);

  // the exports to B settle; then the ones to "void": past their deadline a cancel answers 503
  // while V is down (the lock stays), and once V is up the cancels close them
  const status = (c) => A.sql(`SELECT status FROM certificates WHERE ddc_id = ${c.ddc_id}`);
  const exporting = () => new Set(A.sql("SELECT ddc_id FROM certificates WHERE status = 'exporting'")
    .split('\n').filter(Boolean).map(Number));
  await until('every export to B settled at A', () => {
    const x = exporting();
    return certs.every((c) => c.kind === 'void' || c === al || !x.has(c.ddc_id));
  }, 120000);
  await sleep(Math.max(0, voidDeadline - Date.now() + 1000));
  const down = await request(A.base, 'POST', `/v1/certificates/${voids[0].ddc_id}/export/cancel`, { key: issuer.key, json: {} });
  assert.equal(down.status, 503, down.text);
  assert.equal(down.json.code, 'peer_unreachable');
  assert.equal(status(voids[0]), 'exporting', 'the lock stays while the peer cannot be asked');
  await V.start();
  await pin(V, A, 'a');
  const cancels = {};
  if (status(al) === 'exporting') { // B closed it: no refusal reached A, a cancel lifts the lock
    await sleep(Math.max(0, Date.parse(al.export.deadline) - Date.now() + 1000));
    const r = await request(A.base, 'POST', `/v1/certificates/${al.ddc_id}/export/cancel`, { key: issuer.key, json: {} });
    assert.ok(r.status === 200 || (r.status === 409 && status(al) === 'active'), `cancel of the altered one: ${r.text}`);
  }
  for (const c of voids) {
    const r = await request(A.base, 'POST', `/v1/certificates/${c.ddc_id}/export/cancel`, { key: issuer.key, json: {} });
    const k = `${r.status} ${r.status === 200 ? r.json?.state : r.json?.code}`; // 200 cancelled, 409 its code
    cancels[k] = (cancels[k] || 0) + 1;
    assert.ok(r.status === 200 || (r.status === 409 && status(c) === 'active'), `cancel of ${c.ddc_id}: ${r.text}`);
  }
  await until('every export settled at A', () => exporting().size === 0, 60000);

  // both databases: each certificate live on exactly one side, with the outcome its export asked
  const aRows = new Map(JSON.parse(A.sql(`SELECT coalesce(json_agg(json_build_object('ddc_id', ddc_id, 'status',
    status, 'hash', encode(cert_hash, 'hex'))), '[]') FROM certificates`)).map((r) => [r.ddc_id, r]));
  const bRows = JSON.parse(B.sql(`SELECT coalesce(json_agg(json_build_object('ddc_id', ddc_id, 'code', code,
    'status', status, 'hash', encode(cert_hash, 'hex'))), '[]') FROM certificates`));
  const bByHash = groupBy(bRows, (r) => r.hash);
  const aEvents = groupBy(JSON.parse(eventsOf(A, "type LIKE 'export%'")), (e) => e.ddc_id);
  const bFirst = new Map(JSON.parse(eventsOf(B, 'id IN (SELECT min(id) FROM events WHERE ddc_id IS NOT NULL GROUP BY ddc_id)'))
    .map((e) => [e.ddc_id, e]));
  assert.equal(V.sql('SELECT count(*) FROM certificates'), '0', 'nothing arrived at "void"');
  const outcomes = {};
  const moved = [];
  for (const c of certs) {
    const a = aRows.get(c.ddc_id), copies = bByHash.get(a.hash) || [];
    const ev = aEvents.get(c.ddc_id) || [];
    const types = ev.map((e) => e.type);
    const last = ev.at(-1);
    const outcome = `${c.kind}${c.altered ? '(altered)' : ''}: ${last.type}${last.data?.reason ? ` ${last.data.reason}` : ''}`;
    outcomes[outcome] = (outcomes[outcome] || 0) + 1;
    assert.equal(types.filter((x) => x === 'export_started').length, 1, `${c.ddc_id}: one export (${types})`);
    assert.equal(types.length, 2, `${c.ddc_id}: the export and its one outcome (${types})`);
    assert.ok(copies.length <= 1, `${c.ddc_id}: at most one copy at B (${copies.length})`);
    if (a.status === 'moved') {
      assert.equal(copies.length, 1, `${c.ddc_id}: moved, so imported at B once`);
      assert.equal(copies[0].status, 'active');
      assert.equal(last.type, 'export_completed');
      assert.equal(last.data.code, copies[0].code);
      assert.equal(last.data.ddcId, copies[0].ddc_id);
      const imp = bFirst.get(copies[0].ddc_id);
      assert.equal(imp.type, 'imported', 'the imported certificate\'s first event at B');
      assert.equal(imp.data.sourceCode, c.code);
      assert.equal(imp.data.sourceDdcId, c.ddc_id);
      assert.equal(imp.data.exportId, c.export.export_id);
      assert.equal(c.kind, 'good', `${c.ddc_id}: only exports to a holder at B move`);
      moved.push({ c, b: copies[0] });
    } else {
      assert.equal(a.status, 'active', `${c.ddc_id}: live at A`);
      assert.equal(copies.length, 0, `${c.ddc_id}: live at A, so not at B`);
      const why = last.type === 'export_refused' ? last.data.reason : last.type;
      const allowed = { good: ['deadline_passed'], unknown: ['recipient_unknown', 'deadline_passed'],
        void: ['export_cancelled', 'deadline_passed'] }[c.kind];
      if (c.altered) allowed.push('export_cancelled', c.altered);
      assert.ok(allowed.includes(why), `${c.ddc_id} (${c.kind}): ended with ${why}`);
    }
  }
  t.diagnostic(`kills (${kills.length}): ${kills.join(', ')}`);
  t.diagnostic(`outcomes: ${JSON.stringify(outcomes)}; void cancels: ${JSON.stringify(cancels)}`);
  assert.ok(moved.length >= N.good / 2, `most exports to holders at B moved (${moved.length})`);
  assert.ok(moved.some((m) => m.c === rp), 'the export whose packet the suite sent moved');

  // through the APIs: every moved certificate verifies at A as moved and at B as imported from it;
  // the two pages' data (bundles) hold the same document
  for (const { c, b } of moved) {
    const va = (await request(A.base, 'GET', `/v1/verify/${c.code}`)).json;
    assert.equal(va.result, 'moved', `${c.code} at A: ${JSON.stringify(va)}`);
    assert.deepEqual({ peer: va.moved_to.peer, code: va.moved_to.code }, { peer: 'b', code: b.code });
    assert.ok(va.moved_to.url.includes(b.code), va.moved_to.url);
    const vb = (await request(B.base, 'GET', `/v1/verify/${b.code}`)).json;
    assert.equal(vb.result, 'valid', `${b.code} at B: ${JSON.stringify(vb.checks?.filter((k) => !k.ok))}`);
    assert.deepEqual(vb.imported_from, { peer: 'a', code: c.code, ddc_id: c.ddc_id });
    const ba = (await request(A.base, 'GET', `/v1/verify/${c.code}/bundle`)).json;
    const bb = (await request(B.base, 'GET', `/v1/verify/${b.code}/bundle`)).json;
    assert.equal(bb.document, ba.document, 'the same document on both pages');
    assert.equal(bb.imported_from.bundle.document, ba.document);
    assert.equal(bb.imported_from.code, c.code);
    assert.equal(bb.imported_from.log_key, A.logKey);
    // as the two pages judge them: web/verify.js, the code each page runs, under each log's key
    const pa = await checkBundle(ba, A.logKey);
    assert.equal(pa.result, 'moved', `${c.code}, A's page: ${JSON.stringify(pa.checks.filter((k) => k.ok === false))}`);
    assert.equal(pa.movedTo?.code, b.code);
    const pb = await checkBundle(bb, B.logKey);
    assert.equal(pb.result, 'valid', `${b.code}, B's page: ${JSON.stringify(pb.checks.filter((k) => k.ok !== true))}`);
    assert.equal(pb.imported?.source?.result, 'exporting', 'the source log\'s proofs checked on B\'s page');
    assert.equal(pb.imported?.from?.code, c.code);
  }
  t.diagnostic(`${moved.length} moved, verified on both sides (APIs and the pages' verifier); ${Math.round((Date.now() - t0) / 1000)} s`);
});

// Polls fn every 100 ms until it returns something truthy (returned), failing after ms.
async function until(what, fn, ms = 30000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    assert.ok(Date.now() < end, `timed out waiting for ${what}`);
    await sleep(100);
  }
}
