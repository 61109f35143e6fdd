// status_lists.test.mjs: W3C Bitstring Status Lists against a real ddcd and its own log. Revoke,
// freeze, unfreeze and burn show in the served list within one anchor interval, read with
// @digitalbazaar/vc-bitstring-status-list; the list's GZIP inflates with node's zlib; its
// eddsa-jcs-2022 proof verifies with code written here (canonicalize + @noble/ed25519); each
// publication's SHA-256 is in a status_list_published event in the log, which the proof bundle
// names; ETag and 304; entries are unique and drawn at random, not in mint order, by single and
// batch mints alike; a full list goes over to the next; bad parameters are refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import zlib from 'node:zlib';
import canonicalize from 'canonicalize';
import * as ed from '@noble/ed25519';
import { decodeList, checkStatus } from '@digitalbazaar/vc-bitstring-status-list';
import { RELEASE_ONLY, startDdcd, request, assertProblem, createAccount, createKey, uniq, ownDatabase, until } from './lib.mjs';

const INTERVAL = 500; // DDC_ANCHOR_INTERVAL_MS of the ddcd under test
let db, srv;
before(async () => {
  db = await ownDatabase('status');
  srv = await startDdcd({ env: { ...db.env, DDC_ANCHOR_INTERVAL_MS: String(INTERVAL), DDC_PUBLIC_RATE: '0' } });
});
after(async () => {
  await srv?.stop();
  db?.drop();
});

const sha256 = (s) => crypto.createHash('sha256').update(s).digest();

async function issuer(amount = 100000000) {
  const acct = await createAccount(srv.base, db.op, 'issuer');
  const key = (await createKey(srv.base, db.op, acct.id)).key;
  const r = await request(srv.base, 'POST', `/v1/accounts/${acct.id}/recharges`,
    { key: db.op, json: { amount_minor: amount, currency: 'CNY', reference: uniq('r').replace(/ /g, '-') } });
  assert.equal(r.status, 201, r.text);
  return { id: acct.id, key };
}

async function mint(iss, agent = false) {
  const r = await request(srv.base, 'POST', '/v1/certificates', { key: iss.key, agent, json: { kind: 'generic', metadata: { title: uniq('t') } } });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

const entryOf = (ddcId) => db.sql(`SELECT status_list || ',' || status_index FROM certificates WHERE ddc_id = ${ddcId}`)
  .split(',').map(Number);

const listPath = (issuerId, purpose, n) => `/v1/status/${issuerId}/${purpose}/${n}`;
async function getList(issuerId, purpose, n, headers = {}) {
  const r = await request(srv.base, 'GET', listPath(issuerId, purpose, n), { headers });
  return r;
}
async function bit(issuerId, purpose, n, index) {
  const r = await getList(issuerId, purpose, n);
  assert.equal(r.status, 200, r.text);
  return (await decodeList({ encodedList: r.json.credentialSubject.encodedList })).getStatus(index);
}

// base58btc (the Bitcoin alphabet), decoded.
function base58decode(s) {
  const alphabet = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
  let n = 0n;
  for (const c of s) {
    const v = alphabet.indexOf(c);
    assert.ok(v >= 0, `base58 character ${c}`);
    n = n * 58n + BigInt(v);
  }
  const bytes = [];
  while (n > 0n) { bytes.unshift(Number(n % 256n)); n /= 256n; }
  for (const c of s) { if (c !== '1') break; bytes.unshift(0); }
  return Uint8Array.from(bytes);
}

// eddsa-jcs-2022, written from the cryptosuite spec: the signature by the issuer's key (found by
// the key id after '#' among the issuer's keys) over SHA-256(JCS(proof config)) || SHA-256(JCS(doc)).
async function verifyProof(cred, iss) {
  const { proof, ...unsecured } = cred;
  const { proofValue, ...config } = proof;
  assert.equal(proof.type, 'DataIntegrityProof');
  assert.equal(proof.cryptosuite, 'eddsa-jcs-2022');
  assert.equal(proof.proofPurpose, 'assertionMethod');
  assert.equal(proof.verificationMethod.split('#')[0], cred.issuer);
  const keys = await request(srv.base, 'GET', `/v1/accounts/${iss.id}/keys`, { key: iss.key });
  assert.equal(keys.status, 200, keys.text);
  const k = keys.json.items.find((x) => String(x.key_id) === proof.verificationMethod.split('#')[1]);
  assert.ok(k, 'the verification method names one of the issuer\'s keys');
  const data = Buffer.concat([sha256(canonicalize(config)), sha256(canonicalize(unsecured))]);
  return ed.verifyAsync(base58decode(proofValue.slice(1)), data, Buffer.from(k.public_key, 'base64url'));
}

test('revoke, freeze, unfreeze and burn show in the lists within one anchor interval; each list is signed, GZIP, logged', async () => {
  const iss = await issuer();
  const [a, b, c] = [await mint(iss), await mint(iss), await mint(iss)];
  const [la, ia] = entryOf(a.ddc_id), [lb, ib] = entryOf(b.ddc_id), [lc, ic] = entryOf(c.ddc_id);
  assert.deepEqual([la, lb, lc], [0, 0, 0]);
  assert.equal(new Set([ia, ib, ic]).size, 3);

  // the first publication: all clear; the credential's shape
  const first = await getList(iss.id, 'revocation', 0);
  assert.equal(first.status, 200, first.text);
  const cred = first.json;
  assert.equal(cred.id, `${new URL(listPath(iss.id, 'revocation', 0), srv.base)}`);
  assert.deepEqual(cred['@context'], ['https://www.w3.org/ns/credentials/v2']);
  assert.deepEqual(cred.type, ['VerifiableCredential', 'BitstringStatusListCredential']);
  assert.match(cred.issuer, new RegExp(`^did:web:127\\.0\\.0\\.1%3A\\d+:issuers:${iss.id}$`));
  assert.equal(cred.proof.created, cred.validFrom);
  assert.deepEqual(Object.keys(cred.credentialSubject).sort(), ['encodedList', 'id', 'statusPurpose', 'type']);
  assert.equal(cred.credentialSubject.id, `${cred.id}#list`);
  assert.equal(cred.credentialSubject.type, 'BitstringStatusList');
  assert.equal(cred.credentialSubject.statusPurpose, 'revocation');
  assert.equal(first.text, canonicalize(cred), 'served as its JCS text');
  assert.ok(await verifyProof(cred, iss), 'the proof verifies');
  const tampered = structuredClone(cred);
  tampered.validFrom = tampered.validFrom.replace(/\d(?=Z$)/, (d) => String((Number(d) + 1) % 10));
  assert.equal(await verifyProof(tampered, iss), false, 'a changed byte fails');
  const raw = zlib.gunzipSync(Buffer.from(cred.credentialSubject.encodedList.slice(1), 'base64url'));
  assert.equal(raw.length, 16384, '131,072 bits');
  assert.ok(raw.every((x) => x === 0));
  for (const idx of [ia, ib, ic]) for (const p of ['revocation', 'suspension']) assert.equal(await bit(iss.id, p, 0, idx), false);

  // each change shows within one anchor interval of its answer
  const change = async (ddc, op, body) => {
    const r = await request(srv.base, 'POST', `/v1/certificates/${ddc}/${op}`, { key: iss.key, json: body });
    assert.equal(r.status, 200, r.text);
    return Date.now();
  };
  const within = async (what, t0, fn) => {
    await until(what, fn, 5 * INTERVAL);
    const took = Date.now() - t0;
    assert.ok(took <= INTERVAL, `${what}: ${took} ms, more than the anchor interval of ${INTERVAL} ms`);
  };
  let t0 = await change(a.ddc_id, 'revoke', { reason: 'forged' });
  await within('revocation bit of a', t0, () => bit(iss.id, 'revocation', 0, ia));
  assert.equal(await bit(iss.id, 'suspension', 0, ia), false);
  t0 = await change(b.ddc_id, 'freeze', {});
  await within('suspension bit of b', t0, () => bit(iss.id, 'suspension', 0, ib));
  assert.equal(await bit(iss.id, 'revocation', 0, ib), false);
  t0 = await change(b.ddc_id, 'unfreeze', {});
  await within('suspension bit of b cleared', t0, async () => !(await bit(iss.id, 'suspension', 0, ib)));
  t0 = await change(c.ddc_id, 'burn', {});
  await within('revocation bit of c (burned)', t0, () => bit(iss.id, 'revocation', 0, ic));
  assert.equal(await bit(iss.id, 'revocation', 0, ib), false);

  // the reference reader agrees, on a credential that points at the list
  const now = await getList(iss.id, 'revocation', 0);
  const holder = {
    '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiableCredential'], issuer: now.json.issuer,
    credentialSubject: { id: 'urn:example:holder' },
    credentialStatus: [ia, ib].map((idx) => ({
      id: `${now.json.id}#${idx}`, type: 'BitstringStatusListEntry', statusPurpose: 'revocation',
      statusListIndex: String(idx), statusListCredential: now.json.id,
    })),
  };
  const documentLoader = async (url) => {
    const r = await request(srv.base, 'GET', new URL(url).pathname);
    assert.equal(r.status, 200, r.text);
    return { document: r.json, documentUrl: url };
  };
  const checked = await checkStatus({ credential: holder, documentLoader, verifyBitstringStatusListCredential: false });
  assert.equal(checked.verified, true, String(checked.error));
  assert.deepEqual(checked.results.map((x) => x.status), [true, false]);
  assert.ok(await verifyProof(now.json, iss));

  // the served list's hash is in a logged event, which the certificate's bundle names
  const servedHash = sha256(now.text).toString('hex');
  assert.equal(now.headers.etag, `"${servedHash}"`);
  const named = await until('the bundle naming the newest revocation list', async () => {
    const r = await request(srv.base, 'GET', `/v1/verify/${a.code}/bundle`);
    assert.equal(r.status, 200, r.text);
    const s = r.json.status_lists.find((x) => x.purpose === 'revocation');
    return s && JSON.parse(s.event.canonical).data.sha256 === servedHash && r.json;
  }, 10 * INTERVAL);
  const s = named.status_lists.find((x) => x.purpose === 'revocation');
  assert.deepEqual([s.list, s.index, s.url], [0, ia, now.json.id]);
  const ev = JSON.parse(s.event.canonical);
  assert.equal(ev.type, 'status_list_published');
  assert.equal(ev.account, iss.id);
  assert.deepEqual([ev.data.list, ev.data.purpose, ev.data.validFrom], [0, 'revocation', now.json.validFrom]);
  const bits = zlib.gunzipSync(Buffer.from(now.json.credentialSubject.encodedList.slice(1), 'base64url'));
  assert.equal(ev.data.bitsSha256, sha256(bits).toString('hex'));
  assert.ok(Number.isInteger(s.event.leaf_index) && s.event.inclusion, 'proven in the bundle\'s checkpoint');
  const leaf = await request(srv.base, 'GET', `/v1/certificates/${a.ddc_id}/events`, { key: iss.key });
  assert.equal(leaf.status, 200);
  const verdict = await request(srv.base, 'GET', `/v1/verify/${a.code}`);
  assert.equal(verdict.status, 200, verdict.text);
  const check = verdict.json.checks.find((x) => x.name === 'status_lists_logged');
  assert.ok(check?.ok, JSON.stringify(verdict.json.checks));
  assert.ok(verdict.json.checks.find((x) => x.name === 'events_in_log').ok);
  assert.equal(verdict.json.result, 'revoked');
});

test('ETag, 304 on If-None-Match, a short Cache-Control; bad parameters and unknown lists', async () => {
  const iss = await issuer();
  await mint(iss);
  const r = await getList(iss.id, 'suspension', 0);
  assert.equal(r.status, 200, r.text);
  assert.match(r.headers['content-type'], /^application\/vc\+ld\+json/);
  assert.match(r.headers['cache-control'], /^public, max-age=\d+$/);
  assert.ok(Number(r.headers['cache-control'].split('=')[1]) <= 60);
  const again = await getList(iss.id, 'suspension', 0, { 'if-none-match': r.headers.etag });
  assert.equal(again.status, 304);
  assert.equal(again.headers.etag, r.headers.etag);
  assert.equal(again.text, '');
  const other = await getList(iss.id, 'suspension', 0, { 'if-none-match': '"nope"' });
  assert.equal(other.status, 200);
  assert.equal(other.text, r.text, 'the same bytes until a bit changes');
  assertProblem(await getList(iss.id, 'expiry', 0), 400, 'invalid_parameter', 'purpose');
  assertProblem(await getList(iss.id, 'revocation', '01'), 400, 'invalid_parameter', 'list');
  assertProblem(await getList(iss.id, 'revocation', '-1'), 400, 'invalid_parameter', 'list');
  assertProblem(await getList('x', 'revocation', 0), 400, 'invalid_parameter', 'issuer_id');
  assertProblem(await getList(iss.id, 'revocation', 1), 404, 'not_found');
  assertProblem(await getList(999999, 'revocation', 0), 404, 'not_found');
});

const HEADER = 'student_name,student_id,degree,major,institution,conferred_on,external_ref';
const csv = (tag, n) => {
  const out = [HEADER];
  for (let i = 1; i <= n; i++) out.push(`Student ${i},S${i},BSc,Physics,Example University,2026-06-30,${tag}-${i}`);
  return out.join('\n') + '\n';
};
async function batch(iss, body) {
  const r = await request(srv.base, 'POST', '/v1/batches?kind=diploma', { key: iss.key, body, headers: { 'content-type': 'text/csv' } });
  assert.equal(r.status, 202, r.text);
  return until(`batch ${r.json.batch_id}`, async () => {
    const g = await request(srv.base, 'GET', `/v1/batches/${r.json.batch_id}`, { key: iss.key });
    assert.ok(!['failed', 'cancelled'].includes(g.json.state), g.text);
    return g.json.state === 'completed' && g.json;
  }, 600000);
}

test('entries are unique and in no telling order, for concurrent single mints and a batch alike', async () => {
  const iss = await issuer();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 }); // 16 mints at a time
  const singles = await Promise.all(Array.from({ length: 300 }, () => mint(iss, agent)));
  agent.destroy();
  const done = await batch(iss, csv('R', 3000));
  assert.equal(done.rows_done, 3000);
  const rows = db.sql(`SELECT ddc_id, status_list, status_index FROM certificates WHERE issuer_id = ${iss.id} ORDER BY ddc_id`)
    .split('\n').map((l) => l.split('|').map(Number));
  assert.equal(rows.length, 3300);
  assert.ok(rows.every(([, l]) => l === 0), 'all in the first list');
  const idx = rows.map(([, , i]) => i);
  assert.equal(new Set(idx).size, idx.length, 'no entry twice');
  for (const part of [idx.slice(0, 300), idx.slice(300)]) { // singles, then the batch, in mint order
    let up = 0;
    for (let i = 1; i < part.length; i++) up += part[i] > part[i - 1];
    const share = up / (part.length - 1);
    assert.ok(share > 0.4 && share < 0.6, `mint order is not index order (${share} of steps go up)`);
    const gaps = part.slice(1).map((x, i) => Math.abs(x - part[i]));
    assert.ok(gaps.filter((g) => g === 1).length < part.length / 50, 'no runs of neighbours');
    const halves = [part.filter((x) => x < 65536).length, part.filter((x) => x >= 65536).length];
    assert.ok(Math.min(...halves) > part.length / 3, `spread over the list: ${halves}`);
  }
  assert.equal(singles.length, 300);
});

test('a full list goes over to the next: 131,073 certificates make list 0 full and list 1 hold one', RELEASE_ONLY, async () => {
  const iss = await issuer();
  const done = await batch(iss, csv('F', 131073));
  assert.equal(done.rows_done, 131073);
  const counts = db.sql(`SELECT status_list || ':' || count(*) || ':' || count(DISTINCT status_index) FROM certificates
    WHERE issuer_id = ${iss.id} GROUP BY status_list ORDER BY status_list`).split('\n');
  assert.deepEqual(counts, ['0:131072:131072', '1:1:1']);
  const one = db.sql(`SELECT ddc_id FROM certificates WHERE issuer_id = ${iss.id} AND status_list = 1`);
  const [, idx] = entryOf(one);
  const r = await request(srv.base, 'POST', `/v1/certificates/${one}/revoke`, { key: iss.key, json: { reason: 'test' } });
  assert.equal(r.status, 200, r.text);
  await until('the bit in list 1', () => bit(iss.id, 'revocation', 1, idx), 10 * INTERVAL);
  assert.equal((await getList(iss.id, 'revocation', 0)).status, 200);
  assertProblem(await getList(iss.id, 'revocation', 2), 404, 'not_found');
  // the next single mint takes list 1, not a new one
  const next = await mint(iss);
  assert.equal(entryOf(next.ddc_id)[0], 1);
});
