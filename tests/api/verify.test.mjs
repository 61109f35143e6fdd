// verify.test.mjs: public verification by code. A certificate turns "valid" once anchored; its
// status, validity window and any tampering with its bundle show in the verdict, which names the
// failed check. The verdict kept per certificate is exactly what checking its bundle gives.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { startDdcd, request, world, assertProblem, uniq, ownDatabase } from './lib.mjs';

let srv, w;
before(async () => {
  srv = await startDdcd({ env: { DDC_ANCHOR_INTERVAL_MS: '100', DDC_PUBLIC_RATE: '0' } });
  w = await world(srv.base);
  const r = await request(srv.base, 'POST', `/v1/accounts/${w.issuer.id}/recharges`, { key: w.op, json: { amount_minor: 1_000_000, currency: 'CNY', reference: uniq('v') } });
  assert.equal(r.status, 201);
});
after(async () => { await srv.stop(); });

const get = (p) => request(srv.base, 'GET', p);
const post = (p, key, json) => request(srv.base, 'POST', p, { key, json });

async function mint(extra = {}) {
  const r = await post('/v1/certificates', w.issuerKey, { kind: 'generic', metadata: { title: uniq('v') }, ...extra });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

// Polls the verdict until it is not "not_yet_anchored"; returns it and the time it took.
async function verdict(code) {
  const t0 = Date.now();
  for (;;) {
    const r = await get(`/v1/verify/${code}`);
    assert.equal(r.status, 200, r.text);
    if (r.json.result !== 'not_yet_anchored') return { v: r.json, ms: Date.now() - t0 };
    if (Date.now() - t0 > 10000) assert.fail(`${code} not anchored after 10 s`);
    await new Promise((res) => setTimeout(res, 20));
  }
}

const failed = (v) => v.checks.filter((c) => !c.ok).map((c) => c.name);

test('a new certificate is valid once anchored; every check passes; the latency is reported', async (t) => {
  const times = [];
  for (let i = 0; i < 30; i++) {
    const c = await mint();
    const { v, ms } = await verdict(c.code);
    times.push(ms);
    assert.equal(v.result, 'valid', JSON.stringify(failed(v)));
    assert.deepEqual(failed(v), []);
    // status_lists_logged comes once the issuer's status list is in the log (status_lists.test.mjs)
    assert.deepEqual(v.checks.map((x) => x.name).filter((n) => n !== 'status_lists_logged'), ['document_hash', 'document_names_certificate', 'issuer_signature', 'key_events_match', 'event_chain', 'status_matches_events', 'key_valid_at_issue', 'checkpoint_signature', 'events_in_log']);
    assert.equal(v.certificate.code, c.code);
    assert.equal(v.certificate.cert_hash, c.cert_hash);
    assert.equal(v.issuer.id, w.issuer.id);
    assert.equal(v.bundle_url, `/v1/verify/${c.code}/bundle`);
    for (const k of ['owner_id', 'external_ref', 'approved_id']) assert.ok(!(k in v.certificate), `${k} is not public`);
  }
  times.sort((a, b) => a - b);
  t.diagnostic(`mint to valid: p50 ${times[15]} ms, max ${times[29]} ms (anchor interval 100 ms)`);
});

test('status and validity window: revoked, frozen, burned, expired, not yet valid', async () => {
  const r = await mint();
  assert.equal((await post(`/v1/certificates/${r.ddc_id}/revoke`, w.issuerKey, { reason: 'wrong' })).status, 200);
  assert.equal((await verdict(r.code)).v.result, 'revoked');
  const f = await mint();
  assert.equal((await post(`/v1/certificates/${f.ddc_id}/freeze`, w.issuerKey, {})).status, 200);
  assert.equal((await verdict(f.code)).v.result, 'frozen');
  const b = await mint();
  assert.equal((await post(`/v1/certificates/${b.ddc_id}/burn`, w.issuerKey, {})).status, 200);
  assert.equal((await verdict(b.code)).v.result, 'burned');
  const e = await mint({ valid_from: '2020-01-01', valid_until: '2021-01-01' });
  assert.equal((await verdict(e.code)).v.result, 'expired');
  const n = await mint({ valid_from: '2999-01-01' });
  assert.equal((await verdict(n.code)).v.result, 'not_yet_valid');
});

test('the bundle verifies when posted back; any tampering fails and names the check', async () => {
  const c = await mint({ metadata: { title: 'Tamper me', n: 1 } });
  const o = await mint();
  await verdict(c.code);
  await verdict(o.code);
  const other = (await get(`/v1/verify/${o.code}/bundle`)).json;
  const b = await get(`/v1/verify/${c.code}/bundle`);
  assert.equal(b.status, 200);
  const bundle = b.json;
  assert.equal(bundle.type, 'ddc.bundle/v1');
  const ok = await post('/v1/verify', undefined, bundle);
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.result, 'valid');
  const tamper = async (what, fn, check) => {
    const x = structuredClone(bundle);
    fn(x);
    const r = await post('/v1/verify', undefined, x);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.result, 'invalid', what);
    assert.ok(failed(r.json).includes(check), `${what}: ${check} fails (failed: ${failed(r.json)})`);
  };
  const flip = (s, i) => s.slice(0, i) + (s[i] === 'a' ? 'b' : 'a') + s.slice(i + 1);
  await tamper('a byte of the document', (x) => { x.document = x.document.replace('Tamper me', 'Tamper mE'); }, 'document_hash');
  await tamper('the signature', (x) => { x.certificate.signature = flip(x.certificate.signature, 5); }, 'issuer_signature');
  await tamper('the key', (x) => { x.signing_key.public_key = flip(x.signing_key.public_key, 3); }, 'issuer_signature');
  await tamper('an event', (x) => { x.events[0].canonical = x.events[0].canonical.replace('"mint"', '"burn"'); }, 'event_chain');
  await tamper('the status', (x) => { x.certificate.status = 'active' === x.certificate.status ? 'frozen' : 'active'; }, 'status_matches_events');
  await tamper('a proof', (x) => {
    const p = x.events[0].inclusion.proof;
    if (p.length) p[0] = Buffer.from(Buffer.from(p[0], 'base64').map((v, i) => (i ? v : v ^ 1))).toString('base64');
    else x.events[0].leaf_index += 1;
  }, 'events_in_log');
  await tamper('the checkpoint', (x) => { x.checkpoint = x.checkpoint.replace(/\n(\d+)\n/, (m, d) => `\n${Number(d) + 1}\n`); }, 'checkpoint_signature');
  await tamper('another log key', (x) => {
    const { privateKey } = crypto.generateKeyPairSync('ed25519');
    const body = x.checkpoint.split('\n\n')[0] + '\n';
    const name = body.split('\n')[0];
    const raw = crypto.createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(12);
    const id = crypto.createHash('sha256').update(Buffer.concat([Buffer.from(`${name}\n`), Buffer.from([1]), raw])).digest().subarray(0, 4);
    const sig = crypto.sign(null, Buffer.from(body), privateKey);
    x.checkpoint = `${body}\n\u2014 ${name} ${Buffer.concat([id, sig]).toString('base64')}\n`;
    x.log_key = `${name}+${id.toString('hex')}+${Buffer.concat([Buffer.from([1]), raw]).toString('base64')}`;
  }, 'checkpoint_signature');
  // the unsigned copies never count: only the document and the events' canonical texts do
  await tamper('a field shown beside the document', (x) => { x.certificate.valid_until = '2099-01-01T00:00:00.000000Z'; }, 'document_names_certificate');
  await tamper('the kind shown', (x) => { x.certificate.kind = 'diploma'; }, 'document_names_certificate');
  await tamper('an event type outside its signed text', (x) => { x.events[0].type = 'burn'; x.certificate.status = 'burned'; }, 'status_matches_events');
  await tamper('another key and signature', (x) => {
    const { publicKey, privateKey } = crypto.generateKeyPairSync('ed25519');
    x.signing_key.public_key = publicKey.export({ format: 'jwk' }).x;
    x.certificate.signature = crypto.sign(null, Buffer.from(x.document), privateKey).toString('base64url');
  }, 'key_events_match');
  await tamper('an event of another certificate', (x) => { x.events.push(structuredClone(other.events[0])); }, 'event_chain');
  await tamper('no bundle parts at all', (x) => { delete x.certificate; delete x.issuer; }, 'document_names_certificate');
  assertProblem(await post('/v1/verify', undefined, { type: 'other' }), 400, 'invalid_field', 'type');
});

test('lookups: unknown codes are 404, content hashes list public codes only', async () => {
  assertProblem(await get('/v1/verify/aaaaaaaaaaaaaaaaaaaaaaaaaa'), 404, 'not_found');
  assertProblem(await get('/v1/verify/not-a-code'), 404, 'not_found');
  assertProblem(await get('/v1/verify/aaaaaaaaaaaaaaaaaaaaaaaaaa/bundle'), 404, 'not_found');
  const hash = crypto.createHash('sha256').update(uniq('file')).digest('hex');
  const c = await mint({ content_hash: hash });
  const r = await get(`/v1/verify?content_hash=${hash}`);
  assert.equal(r.status, 200);
  assert.deepEqual(r.json.items.map((i) => i.code), [c.code]);
  assert.deepEqual(Object.keys(r.json.items[0]).sort(), ['code', 'issued_at', 'issuer_id', 'kind', 'status']);
  assertProblem(await get('/v1/verify?content_hash=xyz'), 400, 'invalid_parameter', 'content_hash');
  assertProblem(await get('/v1/verify'), 400, 'invalid_parameter', 'content_hash');
});

test('a certificate signed with a retired key still verifies', async () => {
  const a = await mint();
  const rot = await post(`/v1/accounts/${w.issuer.id}/keys`, w.issuerKey, {});
  assert.equal(rot.status, 201, rot.text);
  assert.equal((await post(`/v1/accounts/${w.issuer.id}/keys/${a.key_id}/retire`, w.issuerKey, {})).status, 200);
  const { v } = await verdict(a.code);
  assert.equal(v.result, 'valid', JSON.stringify(failed(v)));
});

test('ddcd verify checks a bundle offline: exit 0 valid, 1 a failed check (named), 3 not valid', async () => {
  const fs = await import('node:fs');
  const path = await import('node:path');
  const { runDdcd, LOGS } = await import('./lib.mjs');
  const c = await mint();
  await verdict(c.code);
  const logKey = (await get('/v1/log/key')).text.trim();
  const bundle = (await get(`/v1/verify/${c.code}/bundle`)).json;
  const file = path.join(LOGS, `bundle-${process.pid}-${c.code}.json`);
  const run = async (b, ...args) => { fs.writeFileSync(file, JSON.stringify(b)); return runDdcd(['verify', file, ...args]); };
  const ok = await run(bundle, '--log-key', logKey);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /^\u2713 document_hash/m);
  assert.match(ok.stdout, /^result: valid$/m);
  const bad = structuredClone(bundle);
  bad.document = bad.document.replace('"kind":"generic"', '"kind":"generix"');
  const r1 = await run(bad, '--log-key', logKey);
  assert.equal(r1.code, 1);
  assert.match(r1.stdout, /^\u2717 document_hash/m);
  // a log key other than the one trusted
  const name = logKey.split('+')[0];
  const raw = Buffer.concat([Buffer.from([1]), crypto.generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(12)]);
  const id = crypto.createHash('sha256').update(Buffer.concat([Buffer.from(`${name}\n`), raw])).digest().subarray(0, 4);
  const r2 = await run(bundle, '--log-key', `${name}+${id.toString('hex')}+${raw.toString('base64')}`);
  assert.equal(r2.code, 1, r2.stdout + r2.stderr);
  assert.match(r2.stdout, /^\u2717 checkpoint_signature/m);
  // revoked: every check passes, the certificate is not valid
  assert.equal((await post(`/v1/certificates/${c.ddc_id}/revoke`, w.issuerKey, { reason: 'test' })).status, 200);
  await verdict(c.code);
  const revoked = (await get(`/v1/verify/${c.code}/bundle`)).json;
  const r3 = await run(revoked, '--log-key', logKey);
  assert.equal(r3.code, 3, r3.stdout);
  assert.match(r3.stdout, /^result: revoked$/m);
  assert.equal((await runDdcd(['verify'])).code, 2);
  const anyone = await run(bundle);
  assert.equal(anyone.code, 4, 'without --log-key the log could be anyone\'s');
  fs.rmSync(file, { force: true });
});

test('GET /v1/certificates/{ddc_id}/proof: the bundle, for those who may read the certificate', async () => {
  const c = await mint();
  await verdict(c.code);
  const mine = await request(srv.base, 'GET', `/v1/certificates/${c.ddc_id}/proof`, { key: w.issuerKey });
  assert.equal(mine.status, 200, mine.text);
  assert.equal(mine.json.type, 'ddc.bundle/v1');
  assert.equal(mine.json.certificate.code, c.code);
  assert.equal((await post('/v1/verify', undefined, mine.json)).json.result, 'valid');
  assertProblem(await request(srv.base, 'GET', `/v1/certificates/${c.ddc_id}/proof`, { key: w.issuer2Key }), 403, 'forbidden');
  assertProblem(await request(srv.base, 'GET', `/v1/certificates/${c.ddc_id}/proof`, { key: w.holder2Key }), 403, 'forbidden');
  assertProblem(await request(srv.base, 'GET', `/v1/certificates/${c.ddc_id}/proof`), 401, 'unauthorized');
  assertProblem(await request(srv.base, 'GET', '/v1/certificates/999999999/proof', { key: w.op }), 404, 'not_found');
});

test('public lookups are limited per client address: 429 with Retry-After past the rate', async () => {
  const limited = await startDdcd({ env: { DDC_PUBLIC_RATE: '5' } });
  try {
    // one burst, sent at once so that a slow machine cannot refill the bucket between requests
    const rs = await Promise.all(Array.from({ length: 40 }, () => request(limited.base, 'GET', '/v1/verify/aaaaaaaaaaaaaaaaaaaaaaaaaa')));
    const passed = rs.filter((r) => r.status === 404).length;
    assert.ok(passed >= 5 && passed < 40, `the bucket's 5 pass, not all 40 (${passed} did)`);
    const r = rs.find((x) => x.status !== 404);
    assertProblem(r, 429, 'rate_limited');
    assert.ok(Number(r.headers['retry-after']) >= 1);
    await new Promise((res) => setTimeout(res, 1100));
    assert.equal((await request(limited.base, 'GET', '/v1/verify/aaaaaaaaaaaaaaaaaaaaaaaaaa')).status, 404, 'and again after a while');
  } finally {
    await limited.stop();
  }
});

test('an old bundle sent in, from before a revocation, is caught: the log has newer events', async () => {
  const c = await mint();
  await verdict(c.code);
  const before = (await get(`/v1/verify/${c.code}/bundle`)).json;
  assert.equal((await post('/v1/verify', undefined, before)).json.result, 'valid');
  assert.equal((await post(`/v1/certificates/${c.ddc_id}/revoke`, w.issuerKey, { reason: 'revoked later' })).status, 200);
  await verdict(c.code);
  const r = await post('/v1/verify', undefined, before);
  assert.equal(r.json.result, 'invalid');
  assert.deepEqual(failed(r.json), ['bundle_is_current']);
  const cut = (await get(`/v1/verify/${c.code}/bundle`)).json; // drop the revocation
  cut.events.pop();
  cut.certificate.status = 'active';
  assert.deepEqual(failed((await post('/v1/verify', undefined, cut)).json), ['bundle_is_current']);
});

test('verdicts are served from memory for a moment: a write here clears them, a status change elsewhere is told within a second', async () => {
  const other = await startDdcd({ env: { DDC_PUBLIC_RATE: '0', DDC_VERIFY_CACHE_MS: '3000' } });
  try {
    const at = (base, code) => request(base, 'GET', `/v1/verify/${code}`).then((r) => r.json.result);
    // a revocation through this process: the other drops its cached verdict on the ddc_auth
    // notification, well before its 3 s time to live
    const a = await mint();
    await verdict(a.code);
    assert.equal(await at(other.base, a.code), 'valid'); // cached there now
    assert.equal((await post(`/v1/certificates/${a.ddc_id}/revoke`, w.issuerKey, { reason: 'cache test' })).status, 200);
    assert.equal((await verdict(a.code)).v.result, 'revoked', 'the process that wrote sees it at once');
    const t0 = Date.now();
    let seen;
    while ((seen = await at(other.base, a.code)) === 'valid' && Date.now() - t0 < 10000)
      await new Promise((res) => setTimeout(res, 50));
    assert.equal(seen, 'revoked');
    assert.ok(Date.now() - t0 < 1000, `told within a second (${Date.now() - t0} ms)`);
    // a write through the same process clears its cache at once
    const b = await mint();
    await verdict(b.code);
    assert.equal(await at(other.base, b.code), 'valid');
    const r = await request(other.base, 'POST', `/v1/certificates/${b.ddc_id}/freeze`, { key: w.issuerKey, json: {} });
    assert.equal(r.status, 200, r.text);
    assert.equal(await at(other.base, b.code), 'frozen');
  } finally {
    await other.stop();
  }
});

// A settled bundle changes only on an event that notifies every process, so it is kept past the
// short time to live (DDC_SETTLED_CACHE_MS): a newer checkpoint does not replace it, a revocation
// through another process does, within a second.
test('a settled bundle is kept in memory until an event drops it, past the verdicts\' time to live', async () => {
  const other = await startDdcd({ env: { DDC_PUBLIC_RATE: '0', DDC_VERIFY_CACHE_MS: '200' } });
  try {
    const at = async (code) => (await request(other.base, 'GET', `/v1/verify/${code}/bundle`)).json;
    const a = await mint();
    await verdict(a.code);
    const b1 = await at(a.code); // cached there now
    const c = await mint();
    await verdict(c.code); // a newer final checkpoint, which a bundle built now would name
    await new Promise((res) => setTimeout(res, 600));
    assert.notEqual((await get(`/v1/verify/${c.code}/bundle`)).json.checkpoint, b1.checkpoint);
    assert.deepEqual(await at(a.code), b1, 'the settled bundle is still the cached one');
    assert.equal((await post(`/v1/certificates/${a.ddc_id}/revoke`, w.issuerKey, { reason: 'bundle cache' })).status, 200);
    const t0 = Date.now();
    let seen;
    while ((seen = await at(a.code)).events.length === b1.events.length && Date.now() - t0 < 10000)
      await new Promise((res) => setTimeout(res, 50));
    assert.equal(seen.events.length, b1.events.length + 1, 'the revocation is in the bundle');
    assert.ok(Date.now() - t0 < 1000, `dropped within a second (${Date.now() - t0} ms)`);
  } finally {
    await other.stop();
  }
});

// GET /v1/verify/{code} answers from the verdict kept per certificate (verdicts, 020) once it is
// final: it must be exactly what checking the certificate's bundle gives (POST /v1/verify adds
// only bundle_is_current, the GET only bundle_url), and a new event, a retired key or the time
// passing its validUntil must make it again. The second process keeps nothing in memory, so every
// GET there reads the kept verdict.
test('the kept verdict is exactly what checking the bundle gives, and is made again when that changes', async () => {
  const other = await startDdcd({ env: { DDC_PUBLIC_RATE: '0', DDC_VERIFY_CACHE_MS: '0' } });
  const sql = (q) => execFileSync('psql', [process.env.DDC_DATABASE_URL, '-qXAtc', q]).toString().trim();
  try {
    const at = async (code) => (await request(other.base, 'GET', `/v1/verify/${code}`)).json;
    const same = async (code, what) => {
      const kept = await at(code);
      const fresh = (await post('/v1/verify', undefined, (await get(`/v1/verify/${code}/bundle`)).json)).json;
      assert.equal(kept.bundle_url, `/v1/verify/${code}/bundle`);
      delete kept.bundle_url;
      fresh.checks = fresh.checks.filter((c) => c.name !== 'bundle_is_current');
      assert.deepEqual(kept, fresh, what);
      return kept;
    };
    const row = (code) => sql(`SELECT count(*) || ' ' || key_retired FROM verdicts WHERE code = '${code}' GROUP BY key_retired`);
    // made, kept, and the same when read back
    const a = await mint(), c = await mint();
    await verdict(a.code);
    await verdict(c.code);
    assert.equal((await same(a.code, 'made from the bundle')).result, 'valid');
    assert.equal(row(a.code), '1 false', 'kept');
    assert.equal((await same(a.code, 'read back')).result, 'valid');
    // a new event: the kept "valid" no longer stands
    assert.equal((await post(`/v1/certificates/${a.ddc_id}/revoke`, w.issuerKey, { reason: 'kept' })).status, 200);
    assert.notEqual((await at(a.code)).result, 'valid', 'the revocation shows at once');
    const t1 = Date.now();
    while (!(await at(a.code)).final && Date.now() - t1 < 10000) await new Promise((res) => setTimeout(res, 50));
    assert.equal((await same(a.code, 'after the revocation')).result, 'revoked');
    // the signing key retired: made again (now with the retirement in its bundle)
    assert.equal((await post(`/v1/accounts/${w.issuer.id}/keys`, w.issuerKey, {})).status, 201);
    assert.equal((await post(`/v1/accounts/${w.issuer.id}/keys/${c.key_id}/retire`, w.issuerKey, {})).status, 200);
    await verdict(c.code);
    const t0 = Date.now();
    while ((await at(c.code)).result !== 'valid' && Date.now() - t0 < 10000) await new Promise((res) => setTimeout(res, 50));
    assert.equal((await same(c.code, 'after the key retired')).result, 'valid');
    assert.equal(row(c.code), '1 true', 'made again with the key retired');
    // validUntil passes: the kept "valid" turns "expired"
    const until = new Date(Date.now() + 3000).toISOString().replace(/\.\d+Z$/, 'Z');
    const e = await mint({ valid_until: until });
    await verdict(e.code);
    assert.equal((await same(e.code, 'before validUntil')).result, 'valid');
    while (Date.now() <= Date.parse(until)) await new Promise((res) => setTimeout(res, 100));
    assert.equal((await same(e.code, 'after validUntil')).result, 'expired');
  } finally {
    await other.stop();
  }
});

// The verdict builder (025_verdict_builder) keeps the verdicts of newly logged certificates once a
// final checkpoint holds them, before anyone asks: each is kept with no GET made, and what the GET
// then reads (in a process that keeps nothing in memory) is what checking the bundle gives.
test('verdicts are kept ahead of the first verification, exactly as checking the bundle gives them', async () => {
  const other = await startDdcd({ env: { DDC_PUBLIC_RATE: '0', DDC_VERIFY_CACHE_MS: '0' } });
  const sql = (q) => execFileSync('psql', [process.env.DDC_DATABASE_URL, '-qXAtc', q]).toString().trim();
  try {
    const minted = [];
    for (let i = 0; i < 6; i++) minted.push(await mint());
    assert.equal((await post(`/v1/certificates/${minted[0].ddc_id}/revoke`, w.issuerKey, { reason: 'ahead' })).status, 200);
    const codes = minted.map((c) => `'${c.code}'`).join(',');
    const kept = () => Number(sql(`SELECT count(*) FROM verdicts v JOIN certificates c USING (ddc_id)
      WHERE v.code IN (${codes}) AND v.event_hash = c.last_event_hash`));
    const t0 = Date.now();
    while (kept() < minted.length && Date.now() - t0 < 10000) await new Promise((res) => setTimeout(res, 50));
    assert.equal(kept(), minted.length, 'every verdict kept before its first verification');
    assert.ok(Number(sql('SELECT built_size FROM verdict_builder')) > 0, 'the builder moved on');
    for (const c of minted) {
      const v = (await request(other.base, 'GET', `/v1/verify/${c.code}`)).json;
      const fresh = (await post('/v1/verify', undefined, (await get(`/v1/verify/${c.code}/bundle`)).json)).json;
      delete v.bundle_url;
      fresh.checks = fresh.checks.filter((x) => x.name !== 'bundle_is_current');
      assert.deepEqual(v, fresh, c.code);
      assert.equal(v.result, c === minted[0] ? 'revoked' : 'valid');
    }
  } finally {
    await other.stop();
  }
});

// The bundle kept per certificate (031_kept_bundles): the builder keeps each settled bundle before
// anyone asks, and GET /bundle (in a process that keeps nothing in memory) answers exactly that
// text while it stands. What changes a bundle without an event of its certificate must make it
// again, so that it says what /v1/certificates/{id}/proof (built from the log every time) says: a
// newer key of the issuer (the key is no longer "current"), the issuer's profile, and a newer
// publication of its status list (another certificate revoked). Every bundle served verifies. A
// database of its own: a kept bundle names the newest chain anchor confirmation, and the shared
// one holds the chain suites' anchors, which no ddcd here is configured for.
test('settled bundles are kept ahead of the first request, and built again when their key, profile or status list changes', async () => {
  const db = await ownDatabase('kept');
  const main = await startDdcd({ env: { ...db.env, DDC_ANCHOR_INTERVAL_MS: '100', DDC_PUBLIC_RATE: '0' } });
  const other = await startDdcd({ env: { ...db.env, DDC_PUBLIC_RATE: '0', DDC_VERIFY_CACHE_MS: '0' } });
  let off;
  const sql = db.sql;
  const wait = async (what, fn, why = () => '') => {
    const t0 = Date.now();
    for (;;) {
      const x = await fn();
      if (x) return x;
      if (Date.now() - t0 > 10000) assert.fail(`${what}: not after 10 s ${why()}`);
      await new Promise((res) => setTimeout(res, 50));
    }
  };
  try {
    const ow = await world(main.base, db.op);
    const paid = await request(main.base, 'POST', `/v1/accounts/${ow.issuer.id}/recharges`, { key: ow.op, json: { amount_minor: 1_000_000, currency: 'CNY', reference: uniq('k') } });
    assert.equal(paid.status, 201, paid.text);
    const mintHere = async () => {
      const r = await request(main.base, 'POST', '/v1/certificates', { key: ow.issuerKey, json: { kind: 'generic', metadata: { title: uniq('k') } } });
      assert.equal(r.status, 201, r.text);
      return r.json;
    };
    const a = await mintHere(), b = await mintHere();
    const kept = (code) => sql(`SELECT k.body FROM kept_bundles k JOIN certificates c USING (ddc_id)
      WHERE k.code = '${code}' AND k.event_hash = c.last_event_hash`);
    const served = async (what, at = other) => {
      const r = await request(at.base, 'GET', `/v1/verify/${a.code}/bundle`);
      assert.equal(r.status, 200, r.text);
      const v = (await request(main.base, 'POST', '/v1/verify', { json: r.json })).json;
      assert.equal(v.result, 'valid', `${what}: ${JSON.stringify(v.checks.filter((c) => !c.ok))}`);
      return r;
    };
    await wait('a kept by the builder before any request', () => kept(a.code));
    // the kept text is what is served, as it is: marked here (a trailing space), it is answered
    // so while it stands (a publication of the issuer's list, logged since, makes another)
    const standing = () => sql(`SELECT g.body FROM kept_bundles k
      CROSS JOIN LATERAL ddc_bundle_kept_get(k.code, k.trust) g WHERE k.code = '${a.code}'`);
    const markedServed = async () => {
      if (!standing()) return (await served('built again')) && false;
      sql(`UPDATE kept_bundles SET body = body || ' ' WHERE code = '${a.code}' AND right(body, 1) <> ' '`);
      const text = (await served('kept')).text;
      return text.endsWith(' ') && text.trimEnd() === standing(); // (psql's output is trimmed)
    };
    const why = () => sql(`SELECT row_to_json(x) FROM (SELECT k.event_hash = c.last_event_hash AS last,
      k.key_retired, k.key_current, k.profile_event, k.lists, k.anchor_size, k.made_at,
      (SELECT max(confirmed_seq) FROM chain_anchors WHERE status = 'confirmed') AS anchor_now,
      (SELECT p.event_id FROM issuer_profiles p WHERE p.issuer_id = c.issuer_id) AS profile_now,
      (SELECT array_agg(s.event_id || ':' || s.purpose || ':' || coalesce(l.leaf_index, -1))
         FROM status_events s LEFT JOIN log_leaves l USING (event_id)
        WHERE s.issuer_id = c.issuer_id AND s.list = c.status_list) AS lists_now,
      (SELECT array_agg(n.id || ':' || coalesce(n.retired_at::text, '-')) FROM issuer_keys n
        WHERE n.issuer_id = c.issuer_id) AS keys_now
      FROM kept_bundles k JOIN certificates c USING (ddc_id) WHERE k.code = '${a.code}') x`);
    await wait('the kept bundle served as it is', markedServed, why);
    const body = standing();
    const proof = async () => {
      const r = await request(main.base, 'GET', `/v1/certificates/${a.ddc_id}/proof`, { key: ow.issuerKey });
      assert.equal(r.status, 200, r.text);
      return r.json;
    };
    const lists = (x) => x.status_lists.map((s) => [s.purpose, s.event.canonical]);
    // another certificate of the issuer revoked: its list is published again, and a's bundle
    // names the newest publication once it is logged
    const before = lists(JSON.parse(body));
    assert.equal((await request(main.base, 'POST', `/v1/certificates/${b.ddc_id}/revoke`, { key: ow.issuerKey, json: { reason: 'kept bundles' } })).status, 200);
    const newer = await wait('a newer list publication logged', async () => {
      const p = await proof();
      return JSON.stringify(lists(p)) !== JSON.stringify(before) && p.status_lists.every((s) => s.event.inclusion) && lists(p);
    });
    assert.deepEqual(lists((await served('after the list changed')).json), newer);
    await wait('kept again with the newer list', () => kept(a.code) && JSON.stringify(lists(JSON.parse(kept(a.code)))) === JSON.stringify(newer));
    assert.deepEqual(lists((await served('kept again')).json), newer);
    // a newer key: a's key is no longer the issuer's current one
    assert.equal((await served('before the new key')).json.signing_key.current, true);
    assert.equal((await request(main.base, 'POST', `/v1/accounts/${ow.issuer.id}/keys`, { key: ow.issuerKey, json: {} })).status, 201);
    assert.equal((await served('after the new key')).json.signing_key.current, false);
    assert.equal((await proof()).signing_key.current, false);
    // the issuer's profile: its newest event, once logged
    const prof = await request(main.base, 'PUT', `/v1/accounts/${ow.issuer.id}/profile`, { key: ow.issuerKey, json: { url: 'https://example.org/kept' } });
    assert.equal(prof.status, 200, prof.text);
    const pe = await wait('the profile event logged', async () => {
      const p = (await proof()).issuer.profile_event;
      return p?.inclusion && JSON.parse(p.canonical).data.url === 'https://example.org/kept' && p;
    });
    const got = (await served('after the profile changed')).json.issuer.profile_event;
    assert.equal(got?.id, pe.id);
    assert.equal(got.canonical, pe.canonical);
    // DDC_KEEP_BUNDLES=0: a process that keeps none builds every bundle (the kept one, marked
    // again, is not what it answers)
    off = await startDdcd({ env: { ...db.env, DDC_PUBLIC_RATE: '0', DDC_VERIFY_CACHE_MS: '0', DDC_KEEP_BUNDLES: '0' } });
    await wait('the kept bundle served as it is, again', markedServed, why);
    const built = await served('built, not kept', off);
    assert.ok(!built.text.endsWith(' '), 'built, not read from the kept row');
  } finally {
    await off?.stop();
    await other.stop();
    await main.stop();
    db.drop();
  }
});
