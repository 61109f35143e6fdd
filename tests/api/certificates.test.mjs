// certificates.test.mjs: /v1/certificates end to end: mint validation, the signed document
// (checked with an independent RFC 8785 implementation, itself checked against the RFC vectors,
// SHA-256 and Ed25519 from node:crypto), signing-key rotation, the event hash chain, the life
// cycle rules (transfer, approvals, freeze, revoke, burn), holder-signed transfers and listing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDdcd, request, assertProblem, world, createAccount, createKey, uniq } from './lib.mjs';
import { jcs, compareUtf16 } from './jcs.mjs';

const VECTORS = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'vectors', 'jcs');
const TS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;
const HEX64 = /^[0-9a-f]{64}$/;
const B64URL_KEY = /^[A-Za-z0-9_-]{43}$/;
const B64URL_SIG = /^[A-Za-z0-9_-]{86}$/;
const CNY = (amount_minor) => ({ amount_minor, currency: 'CNY' });

let srv;
before(async () => { srv = await startDdcd(); });
after(async () => { await srv.stop(); });

const get = (p, key) => request(srv.base, 'GET', p, { key });
const post = (p, key, json) => request(srv.base, 'POST', p, { key, json });
const put = (p, key, json) => request(srv.base, 'PUT', p, { key, json });
const postRaw = (p, key, body) => request(srv.base, 'POST', p, { key, body, headers: { 'content-type': 'application/json' } });

const sha256 = (text) => crypto.createHash('sha256').update(Buffer.from(text, 'utf8')).digest('hex');

// Ed25519 over message with a raw 32-byte public key in unpadded base64url.
function verifies(publicKey, message, signature) {
  const raw = Buffer.from(publicKey, 'base64url');
  assert.equal(raw.length, 32, 'a raw Ed25519 public key');
  const key = crypto.createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw]), format: 'der', type: 'spki' });
  return crypto.verify(null, Buffer.from(message, 'utf8'), key, Buffer.from(signature, 'base64url'));
}

// ---- money, accounts, minting ----

async function recharge(payerKey, id, amount) {
  const r = await post(`/v1/accounts/${id}/recharges`, payerKey, { amount_minor: amount, currency: 'CNY', reference: uniq('ref') });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

async function balance(id, key) {
  const r = await get(`/v1/accounts/${id}/balance`, key);
  assert.equal(r.status, 200, r.text);
  return r.json.balances.find((b) => b.currency === 'CNY')?.amount_minor ?? 0;
}

// The effective price of an operation for an issuer, as {amount_minor, currency}.
async function price(w, operation) {
  const r = await get(`/v1/prices?issuer_id=${w.issuer.id}`, w.op);
  assert.equal(r.status, 200, r.text);
  const p = r.json.items.find((i) => i.operation === operation);
  return CNY(p.amount_minor);
}

// world() with both issuers funded by the operator.
async function funded() {
  const w = await world(srv.base);
  await recharge(w.op, w.issuer.id, 1_000_000);
  await recharge(w.op, w.issuer2.id, 1_000_000);
  return w;
}

// Another holder of the issuer whose key is issuerKey: {id, key, ...}.
async function holderOf(issuerKey) {
  const h = await createAccount(srv.base, issuerKey, 'holder');
  return { ...h, key: (await createKey(srv.base, issuerKey, h.id)).key };
}

const META = {
  copyright: () => ({ title: 'Song of the River', authors: ['Alice', 'Bob'], work_type: 'music', created_on: '2026-01-15', registration_no: uniq('REG') }),
  diploma: () => ({ student_name: 'Li Lei', student_id: 'S2021001', degree: 'BSc', major: 'Computer Science', institution: 'Peking University', conferred_on: '2025-07-01' }),
  generic: () => ({ title: 'A thing' }),
};
const REQUIRED = {
  copyright: ['title', 'authors', 'work_type', 'created_on', 'registration_no'],
  diploma: ['student_name', 'student_id', 'degree', 'major', 'institution', 'conferred_on'],
  generic: ['title'],
};

async function mint(key, body = {}) {
  const kind = body.kind || 'generic';
  const r = await post('/v1/certificates', key, { kind, metadata: META[kind](), ...body });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

async function cert(id, key) {
  const r = await get(`/v1/certificates/${id}`, key);
  assert.equal(r.status, 200, r.text);
  return r.json;
}

async function keys(issuerId, key) {
  const r = await get(`/v1/accounts/${issuerId}/keys`, key);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.issuer_id, issuerId);
  return r.json.items;
}

// Checks a certificate's document against everything the contract says about it; returns the
// document text.
async function checkDocument(c, reader) {
  const r = await get(`/v1/certificates/${c.ddc_id}/document`, reader);
  assert.equal(r.status, 200, r.text);
  assert.match(r.headers['content-type'], /^application\/json/);
  const doc = r.text;
  assert.equal(sha256(doc), c.cert_hash, 'cert_hash = SHA-256(document bytes)');
  const parsed = JSON.parse(doc);
  assert.equal(jcs(parsed), doc, 'the document is its own RFC 8785 canonical form');
  assert.deepEqual(Object.keys(parsed), ['code', 'contentHash', 'ddcId', 'issuedAt', 'issuer', 'keyId', 'kind', 'metadata', 'type', 'uri', 'validFrom', 'validUntil']);
  assert.equal(parsed.type, 'ddc.certificate/v1');
  assert.equal(parsed.ddcId, c.ddc_id);
  assert.equal(parsed.code, c.code);
  assert.equal(parsed.issuer, c.issuer_id);
  assert.equal(parsed.kind, c.kind);
  assert.equal(parsed.contentHash, c.content_hash);
  assert.equal(parsed.uri, c.uri);
  assert.equal(parsed.validFrom, c.valid_from);
  assert.equal(parsed.validUntil, c.valid_until);
  assert.equal(parsed.issuedAt, c.issued_at);
  assert.equal(parsed.keyId, c.key_id);
  const k = (await keys(c.issuer_id, reader)).find((x) => x.key_id === c.key_id);
  assert.ok(k, `key ${c.key_id} is listed`);
  assert.match(c.signature, B64URL_SIG);
  assert.ok(verifies(k.public_key, doc, c.signature), 'the Ed25519 signature verifies over the document');
  const tampered = doc.replace('"type":"ddc.certificate/v1"', '"type":"ddc.certificate/v2"');
  assert.ok(!verifies(k.public_key, tampered, c.signature), 'and not over another text');
  // GET /v1/certificates/{id} carries the same document verbatim
  const full = await get(`/v1/certificates/${c.ddc_id}`, reader);
  assert.equal(full.status, 200);
  assert.ok(full.text.includes(doc), 'the document is embedded verbatim');
  assert.equal(jcs(full.json.document), doc);
  assert.equal(full.json.cert_hash, c.cert_hash);
  assert.equal(full.json.signature, c.signature);
  return doc;
}

// Checks the event chain of a certificate; returns the events.
async function checkChain(ddcId, key, types) {
  const r = await get(`/v1/certificates/${ddcId}/events`, key);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.ddc_id, ddcId);
  const items = r.json.items;
  assert.deepEqual(items.map((e) => e.type), types);
  let prev = null;
  for (const e of items) {
    assert.deepEqual(Object.keys(e).sort(), ['account_id', 'actor_id', 'canonical', 'data', 'ddc_id', 'event_hash', 'id', 'leaf_index', 'prev_event_hash', 'time', 'type']);
    assert.ok(e.leaf_index === null || Number.isInteger(e.leaf_index), 'a leaf index once sequenced');
    assert.match(e.event_hash, HEX64);
    assert.equal(e.event_hash, sha256(e.canonical), 'event_hash = SHA-256(canonical)');
    const c = JSON.parse(e.canonical);
    assert.equal(jcs(c), e.canonical, 'canonical is RFC 8785 text');
    assert.deepEqual(Object.keys(c), ['account', 'actor', 'data', 'ddcId', 'prev', 'time', 'type', 'v']);
    assert.equal(c.v, 'ddc.event/v1');
    assert.equal(c.type, e.type);
    assert.equal(c.ddcId, ddcId);
    assert.equal(e.ddc_id, ddcId);
    assert.equal(c.account, null);
    assert.equal(e.account_id, null);
    assert.equal(c.actor, e.actor_id);
    assert.equal(c.time, e.time);
    assert.match(e.time, TS);
    assert.deepEqual(c.data, e.data);
    assert.equal(e.prev_event_hash, prev, 'chains to the previous event');
    assert.equal(c.prev, prev);
    prev = e.event_hash;
  }
  for (let i = 1; i < items.length; i++) {
    assert.ok(items[i].id > items[i - 1].id, 'ids ascend');
    assert.ok(items[i].time >= items[i - 1].time, 'times do not go back');
  }
  assert.equal((await cert(ddcId, key)).last_event_hash, prev, 'last_event_hash is the head of the chain');
  return items;
}

// A holder's Ed25519 key pair; pub is the raw key in unpadded base64url.
function holderKeyPair() {
  const { publicKey, privateKey } = crypto.generateKeyPairSync('ed25519');
  const pub = publicKey.export({ format: 'jwk' }).x;
  assert.equal(publicKey.export({ format: 'der', type: 'spki' }).subarray(12).toString('base64url'), pub);
  return { pub, privateKey };
}

function holderSign(privateKey, { ddc_id, to, nonce, deadline }) {
  const message = jcs({ action: 'transfer', ddc_id, deadline, nonce, to });
  return { nonce, deadline, signature: crypto.sign(null, Buffer.from(message, 'utf8'), privateKey).toString('base64url') };
}

const inMinutes = (m) => new Date(Date.now() + m * 60000).toISOString();

// ---- the independent JCS ----

test('jcs.mjs reproduces the RFC 8785 test vectors byte for byte', () => {
  const names = fs.readdirSync(path.join(VECTORS, 'input')).filter((f) => f.endsWith('.json')).sort();
  assert.ok(names.length >= 6, 'the vectors are there');
  for (const name of names) {
    const input = fs.readFileSync(path.join(VECTORS, 'input', name), 'utf8');
    const expected = fs.readFileSync(path.join(VECTORS, 'output', name));
    const hex = fs.readFileSync(path.join(VECTORS, 'outhex', name.replace(/\.json$/, '.txt')), 'utf8').trim().split(/\s+/).join('');
    assert.equal(expected.toString('hex'), hex, `${name}: output and outhex agree`);
    const got = Buffer.from(jcs(JSON.parse(input)), 'utf8');
    assert.equal(got.toString('hex'), hex, `${name}: canonical bytes`);
    assert.equal(jcs(JSON.parse(got.toString('utf8'))), got.toString('utf8'), `${name}: canonical form is stable`);
  }
});

test('jcs.mjs: numbers, names in UTF-16 order, and what it refuses', () => {
  assert.equal(jcs([-0, 0.1, 1e21, 1e20, 1e-7, 1e-6, 5e-324, 1.7976931348623157e308, 2 ** 53, 4.5, -1.5e-9]),
    '[0,0.1,1e+21,100000000000000000000,1e-7,0.000001,5e-324,1.7976931348623157e+308,9007199254740992,4.5,-1.5e-9]');
  assert.equal(jcs(JSON.parse('[-0, -0.0, 1.0, 100e-2, 1E30]')), '[0,0,1,1,1e+30]');
  for (const bad of [NaN, Infinity, -Infinity, undefined, () => 1, 1n, new Date(0)])
    assert.throws(() => jcs({ x: bad }), TypeError);
  assert.throws(() => jcs('\ud800'), TypeError, 'a lone surrogate');
  assert.throws(() => jcs({ '\udc00x': 1 }), TypeError);
  // U+1F602 is D83D DE02 in UTF-16, so it sorts before U+FB33, though its code point is higher
  assert.equal(jcs({ '\ufb33': 1, '\u{1f602}': 2, '\u00f6': 3, a: 4, '': 5 }), '{"":5,"a":4,"\u00f6":3,"\u{1f602}":2,"\ufb33":1}');
  assert.ok(compareUtf16('\u{1f602}', '\ufb33') < 0);
  assert.ok(compareUtf16('ab', 'abc') < 0 && compareUtf16('b', 'abc') > 0 && compareUtf16('x', 'x') === 0);
  assert.equal(jcs({ s: '\u0000\u001f\b\f\n\r\t"\\/\u007f\u2028</script>' }), '{"s":"\\u0000\\u001f\\b\\f\\n\\r\\t\\"\\\\/\u007f\u2028</script>"}');
  assert.equal(jcs({ b: [true, false, null, {}, []], a: { d: 1, c: [{ z: 1, y: 2 }] } }), '{"a":{"c":[{"y":2,"z":1}],"d":1},"b":[true,false,null,{},[]]}');
});

// ---- mint ----

test('a minted certificate has the documented shape and the issuer pays the mint price', async () => {
  const w = await funded();
  const mintPrice = await price(w, 'mint');
  assert.deepEqual(mintPrice, CNY(100), 'the default mint price');
  assert.deepEqual(await price(w, 'transfer'), CNY(50), 'the default transfer price');
  const before = await balance(w.issuer.id, w.issuerKey);
  const r = await post('/v1/certificates', w.issuerKey, {
    kind: 'copyright', metadata: META.copyright(), content_hash: 'AB'.repeat(32), uri: 'https://example.org/works/1?x=1#y',
    valid_from: '2026-01-01T08:00:00+08:00', valid_until: '2030-01-01', external_ref: uniq('ext'),
  });
  assert.equal(r.status, 201, r.text);
  const c = r.json;
  assert.deepEqual(Object.keys(c).sort(), ['approved_id', 'cert_hash', 'charged', 'code', 'content_hash', 'ddc_id', 'external_ref', 'issued_at', 'issuer_id', 'key_id', 'kind', 'last_event_hash', 'owner_id', 'revoke_reason', 'signature', 'status', 'updated_at', 'uri', 'valid_from', 'valid_until']);
  assert.equal(typeof c.ddc_id, 'number');
  assert.match(c.code, /^[a-z2-7]{26}$/);
  assert.equal(c.kind, 'copyright');
  assert.equal(c.issuer_id, w.issuer.id);
  assert.equal(c.owner_id, w.issuer.id, 'the issuer owns it by default');
  assert.equal(c.status, 'active');
  assert.match(c.cert_hash, HEX64);
  assert.match(c.signature, B64URL_SIG);
  assert.equal(c.content_hash, 'ab'.repeat(32), 'lowercase hex');
  assert.equal(c.uri, 'https://example.org/works/1?x=1#y');
  assert.equal(c.valid_from, '2026-01-01T00:00:00.000000Z');
  assert.equal(c.valid_until, '2030-01-01T00:00:00.000000Z');
  assert.equal(c.approved_id, null);
  assert.equal(c.revoke_reason, null);
  assert.match(c.issued_at, TS);
  assert.match(c.updated_at, TS);
  assert.match(c.last_event_hash, HEX64);
  assert.deepEqual(c.charged, mintPrice);
  assert.equal(await balance(w.issuer.id, w.issuerKey), before - mintPrice.amount_minor);
  const got = await cert(c.ddc_id, w.issuerKey);
  const { charged: _charged, ...stored } = c;
  const { document, ...read } = got;
  assert.deepEqual(read, stored);
  assert.equal(typeof document, 'object');
  await checkDocument(c, w.issuerKey);
  // the minimum: a generic certificate with nulls where nothing was given
  const g = await mint(w.issuerKey, { kind: 'generic', metadata: { title: 't' } });
  for (const k of ['content_hash', 'uri', 'external_ref', 'valid_from', 'valid_until']) assert.equal(g[k], null, k);
  await checkDocument(g, w.issuerKey);
  assert.notEqual(g.code, c.code);
  assert.notEqual(g.ddc_id, c.ddc_id);
});

test('only issuers mint; without money nothing is minted', async () => {
  const w = await funded();
  const body = { kind: 'generic', metadata: { title: 't' } };
  assertProblem(await post('/v1/certificates', w.op, body), 403, 'forbidden');
  assertProblem(await post('/v1/certificates', w.holderKey, body), 403, 'forbidden');
  assertProblem(await post('/v1/certificates', undefined, body), 401, 'unauthorized');
  const poor = await createAccount(srv.base, w.op, 'issuer');
  const poorKey = (await createKey(srv.base, w.op, poor.id)).key;
  const r = await post('/v1/certificates', poorKey, { ...body, external_ref: 'poor-1' });
  assertProblem(r, 402, 'insufficient_funds', undefined, { price: CNY(100), balance: CNY(0) });
  const list = await get('/v1/certificates', poorKey);
  assert.equal(list.status, 200);
  assert.deepEqual(list.json.items, [], 'no certificate');
  await recharge(w.op, poor.id, 100);
  const c = await mint(poorKey, { ...body, external_ref: 'poor-1' });
  assert.equal(c.external_ref, 'poor-1', 'the refused mint left the external_ref free');
  assert.equal(await balance(poor.id, poorKey), 0);
});

test('each kind needs its metadata: missing is missing_field, wrong is invalid_field', async () => {
  const w = await funded();
  for (const [kind, names] of Object.entries(REQUIRED)) {
    for (const name of names) {
      const metadata = META[kind]();
      delete metadata[name];
      assertProblem(await post('/v1/certificates', w.issuerKey, { kind, metadata }), 400, 'missing_field', `metadata.${name}`);
    }
    // every required field present: minted
    await mint(w.issuerKey, { kind });
  }
  const bad = [
    ['copyright', 'authors', 'Alice'],
    ['copyright', 'authors', []],
    ['copyright', 'authors', ['Alice', '']],
    ['copyright', 'authors', ['Alice', 7]],
    ['copyright', 'authors', { first: 'Alice' }],
    ['copyright', 'authors', Array.from({ length: 101 }, (_, i) => `a${i}`)],
    ['copyright', 'created_on', '2026-13-01'],
    ['copyright', 'created_on', '2026-02-30'],
    ['copyright', 'created_on', '2026-1-5'],
    ['copyright', 'created_on', '2026-01-15T00:00:00Z'],
    ['copyright', 'created_on', 20260115],
    ['copyright', 'title', 5],
    ['copyright', 'title', ''],
    ['copyright', 'title', ['t']],
    ['copyright', 'work_type', true],
    ['copyright', 'registration_no', 12345],
    ['diploma', 'conferred_on', 'July 2025'],
    ['diploma', 'conferred_on', '2025-00-10'],
    ['diploma', 'student_id', 2021001],
    ['diploma', 'degree', {}],
    ['generic', 'title', ''],
    ['generic', 'title', 42],
  ];
  for (const [kind, name, value] of bad) {
    const metadata = { ...META[kind](), [name]: value };
    const r = await post('/v1/certificates', w.issuerKey, { kind, metadata });
    assertProblem(r, 400, 'invalid_field', `metadata.${name}`);
  }
  // 100 authors is the most; extra metadata is free-form
  const ok = await mint(w.issuerKey, { kind: 'copyright', metadata: { ...META.copyright(), authors: Array.from({ length: 100 }, (_, i) => `a${i}`), extra: { anything: [1, 'two'] } } });
  assert.equal(ok.kind, 'copyright');
});

test('top-level fields are checked one by one, naming the field', async () => {
  const w = await funded();
  const meta = META.generic();
  const cases = [
    [{ metadata: meta }, 'missing_field', 'kind'],
    [{ kind: 'generic' }, 'missing_field', 'metadata'],
    [{ kind: 'patent', metadata: meta }, 'invalid_field', 'kind'],
    [{ kind: 7, metadata: meta }, 'invalid_field', 'kind'],
    [{ kind: 'generic', metadata: [meta] }, 'invalid_field', 'metadata'],
    [{ kind: 'generic', metadata: 'title' }, 'invalid_field', 'metadata'],
    [{ kind: 'generic', metadata: meta, colour: 'red' }, 'unknown_field', 'colour'],
    [{ kind: 'generic', metadata: meta, ddc_id: 5 }, 'unknown_field', 'ddc_id'],
    [{ kind: 'generic', metadata: meta, content_hash: 'abc' }, 'invalid_field', 'content_hash'],
    [{ kind: 'generic', metadata: meta, content_hash: 'g'.repeat(64) }, 'invalid_field', 'content_hash'],
    [{ kind: 'generic', metadata: meta, content_hash: 'a'.repeat(65) }, 'invalid_field', 'content_hash'],
    [{ kind: 'generic', metadata: meta, content_hash: 12 }, 'invalid_field', 'content_hash'],
    [{ kind: 'generic', metadata: meta, uri: 'not a uri' }, 'invalid_field', 'uri'],
    [{ kind: 'generic', metadata: meta, uri: 'relative/path' }, 'invalid_field', 'uri'],
    [{ kind: 'generic', metadata: meta, uri: '' }, 'invalid_field', 'uri'],
    [{ kind: 'generic', metadata: meta, uri: `https://example.org/${'x'.repeat(2030)}` }, 'invalid_field', 'uri'],
    [{ kind: 'generic', metadata: meta, valid_from: 'yesterday' }, 'invalid_field', 'valid_from'],
    [{ kind: 'generic', metadata: meta, valid_until: '2026-02-30' }, 'invalid_field', 'valid_until'],
    [{ kind: 'generic', metadata: meta, valid_from: '2027-01-01T00:00:00Z', valid_until: '2026-01-01T00:00:00Z' }, 'invalid_field', 'valid_until'],
    [{ kind: 'generic', metadata: meta, valid_from: '2027-01-01T00:00:00Z', valid_until: '2027-01-01T08:00:00+08:00' }, 'invalid_field', 'valid_until'],
    [{ kind: 'generic', metadata: meta, external_ref: '' }, 'invalid_field', 'external_ref'],
    [{ kind: 'generic', metadata: meta, external_ref: 'x'.repeat(201) }, 'invalid_field', 'external_ref'],
    [{ kind: 'generic', metadata: meta, owner_id: '5' }, 'invalid_field', 'owner_id'],
  ];
  for (const [body, code, field] of cases)
    assertProblem(await post('/v1/certificates', w.issuerKey, body), 400, code, field);
  // the limits themselves are accepted
  const c = await mint(w.issuerKey, { kind: 'generic', uri: `https://example.org/${'x'.repeat(2048 - 20)}`, external_ref: 'x'.repeat(200), valid_from: '2027-01-01T00:00:00Z', valid_until: '2027-01-01T00:00:00.000001Z' });
  assert.equal(c.uri.length, 2048);
  assert.equal(c.valid_until, '2027-01-01T00:00:00.000001Z');
});

test('metadata is at most 64 KiB in canonical form; integers beyond 2^53 are refused, naming the field', async () => {
  const w = await funded();
  const base = { title: 't', note: '' };
  const room = 65536 - Buffer.byteLength(jcs(base));
  const exact = { ...base, note: 'x'.repeat(room) };
  assert.equal(Buffer.byteLength(jcs(exact)), 65536);
  const c = await mint(w.issuerKey, { kind: 'generic', metadata: exact });
  assert.equal(JSON.parse(await checkDocument(c, w.issuerKey)).metadata.note.length, room);
  const over = { ...base, note: 'x'.repeat(room + 1) };
  assertProblem(await post('/v1/certificates', w.issuerKey, { kind: 'generic', metadata: over }), 400, 'invalid_field', 'metadata');
  // bytes count, not characters: 22000 characters of 3 bytes each
  const wide = { ...base, note: '版'.repeat(22000) };
  assertProblem(await post('/v1/certificates', w.issuerKey, { kind: 'generic', metadata: wide }), 400, 'invalid_field', 'metadata');
  // insignificant whitespace in the request does not count
  const spaced = `{"kind":"generic","metadata":{"title":"t",${' '.repeat(5000)}"note":"${'x'.repeat(room)}"}}`;
  assert.equal((await postRaw('/v1/certificates', w.issuerKey, spaced)).status, 201);
  for (const n of ['9007199254740993', '-9007199254740993', '18014398509481984'])
    assertProblem(await postRaw('/v1/certificates', w.issuerKey, `{"kind":"generic","metadata":{"title":"t","n":{"deep":[${n}]}}}`), 400, 'invalid_field', 'metadata.n.deep[0]');
  for (const n of ['100000000000000000000', '-9300000000000000000', '1' + '0'.repeat(400)])
    assertProblem(await postRaw('/v1/certificates', w.issuerKey, `{"kind":"generic","metadata":{"title":"t","x\\"y":${n}}}`), 400, 'invalid_field', 'metadata.x"y');
  assert.equal((await postRaw('/v1/certificates', w.issuerKey, '{"kind":"generic","metadata":{"title":"t","n":9007199254740992}}')).status, 201, '2^53 itself is exact');
  // a lone surrogate has no UTF-8 form, so no canonical form: refused before anything is signed
  const lone = await postRaw('/v1/certificates', w.issuerKey, String.raw`{"kind":"generic","metadata":{"title":"t","x":"\ud800"}}`);
  assert.equal(lone.status, 400, lone.text);
});

test('external_ref is unique per issuer: a second mint is 409 naming the first', async () => {
  const w = await funded();
  const ref = uniq('diploma-2025');
  const first = await mint(w.issuerKey, { kind: 'diploma', external_ref: ref });
  assert.equal(first.external_ref, ref);
  const before = await balance(w.issuer.id, w.issuerKey);
  const r = await post('/v1/certificates', w.issuerKey, { kind: 'generic', metadata: META.generic(), external_ref: ref });
  assertProblem(r, 409, 'external_ref_taken', 'external_ref', { existing_ddc_id: first.ddc_id });
  assert.equal(await balance(w.issuer.id, w.issuerKey), before, 'the refused mint is not charged');
  const other = await mint(w.issuer2Key, { kind: 'generic', external_ref: ref });
  assert.equal(other.external_ref, ref, 'another issuer may use the same reference');
});

test('owner_id: own holder yes, another issuer\'s holder only with approval, unknown no', async () => {
  const w = await funded();
  const mine = await mint(w.issuerKey, { owner_id: w.holder.id });
  assert.equal(mine.owner_id, w.holder.id);
  assert.equal(mine.issuer_id, w.issuer.id);
  const body = (owner_id) => ({ kind: 'generic', metadata: META.generic(), owner_id });
  assertProblem(await post('/v1/certificates', w.issuerKey, body(w.holder2.id)), 403, 'cross_issuer_not_approved', 'owner_id');
  assertProblem(await post('/v1/certificates', w.issuerKey, body(w.issuer2.id)), 403, 'cross_issuer_not_approved', 'owner_id');
  // out of reach (unknown, an operator): the same answer as another issuer's side, so that
  // refusals tell nothing about accounts elsewhere
  assertProblem(await post('/v1/certificates', w.issuerKey, body(999999999)), 403, 'cross_issuer_not_approved', 'owner_id');
  const ops = (await get('/v1/accounts?role=operator&limit=1', w.op)).json.items;
  assertProblem(await post('/v1/certificates', w.issuerKey, body(ops[0].id)), 403, 'cross_issuer_not_approved', 'owner_id');
  const frozen = await holderOf(w.issuerKey);
  assert.equal((await post(`/v1/accounts/${frozen.id}/freeze`, w.issuerKey, {})).status, 200);
  assertProblem(await post('/v1/certificates', w.issuerKey, body(frozen.id)), 409, 'recipient_invalid', 'owner_id');
  // issuer2 accepts certificates of issuer: now its holder may receive one at mint
  const a = await post(`/v1/accounts/${w.issuer2.id}/approvals`, w.issuer2Key, { issuer_id: w.issuer.id, approved: true });
  assert.equal(a.status, 200, a.text);
  const cross = await mint(w.issuerKey, { owner_id: w.holder2.id });
  assert.equal(cross.owner_id, w.holder2.id);
  assert.equal((await cert(cross.ddc_id, w.holder2Key)).owner_id, w.holder2.id, 'the owner sees it');
  assert.equal((await cert(cross.ddc_id, w.issuer2Key)).owner_id, w.holder2.id, 'so does the owner\'s issuer');
});

// ---- the signed document ----

test('ACCEPTANCE: documents of unicode and tricky numbers are JCS, hash to cert_hash and verify', async () => {
  const w = await funded();
  const reg = uniq('国作登字-2026-A');
  // sent as raw text so the numbers reach the server exactly as written
  const numbers = '[1e21, 0.1, -0, 1E-7, -0.0, 1.0, 100e-2, 999999999999999999999.0, 1e20, 5e-324, 1.7976931348623157e308, '
    + '9007199254740992, -9007199254740992, 0.000001, 1e-6, 333333333.33333329, 4.50, 1E30, 2e-3, 1e-27, -1.5e-9, '
    + '0.30000000000000004, 123e-20, 1.2345678901234568e20, 2.9514790517935283e20, 0]';
  const expectedNumbers = '[1e+21,0.1,0,1e-7,0,1,1,1e+21,100000000000000000000,5e-324,1.7976931348623157e+308,'
    + '9007199254740992,-9007199254740992,0.000001,0.000001,333333333.3333333,4.5,1e+30,0.002,1e-27,-1.5e-9,'
    + '0.30000000000000004,1.23e-18,123456789012345680000,295147905179352830000,0]';
  const copyright = String.raw`{
    "kind": "copyright",
    "content_hash": "${sha256('the work itself')}",
    "uri": "urn:isbn:9787020002207",
    "metadata": {
      "title": "版权 — 作品 🎨 \u00e9t\u00e9",
      "authors": ["张伟", "Zoë 😀", "\ud83d\ude02 smiley"],
      "work_type": "音乐",
      "created_on": "2026-01-15",
      "registration_no": "${reg}",
      "numbers": ${numbers},
      "nested": {"z": {"b": [{"y": 1, "x": [true, false, null]}], "a": {}},
                 "\u20ac": "euro", "\ud83d\ude02": "smiley", "\ufb33": "dalet", "\u0080": "ctl\u007f",
                 "\n": "newline", "\r": "cr", "1": "one", "</script>": "x", "\u00f6": "o", "": "empty",
                 "ctl": "\u0001\u001f\b\f\t\"\\\/", "deep": [[[[{"k": [{"k": [1.5]}]}]]]]}
    }
  }`;
  const diploma = String.raw`{
    "kind": "diploma", "owner_id": ${w.holder.id},
    "valid_from": "2025-07-01T08:00:00+08:00", "valid_until": "2125-07-01",
    "metadata": {"student_name": "王小明", "student_id": "2021\u00a0001", "degree": "理学学士",
                 "major": "计算机科学与技术", "institution": "北京大学 Peking University",
                 "conferred_on": "2025-07-01", "gpa": 3.80, "honours": ["优秀毕业生 🎓"], "credits": 1.6e2}
  }`;
  const generic = String.raw`{"kind": "generic", "metadata": {"title": "𝄞 music 🎼", "a": -0.0, "b": [1E-7, 1e21], "c": {"e": {}, "d": []}}}`;
  for (const text of [copyright, diploma, generic]) {
    const r = await postRaw('/v1/certificates', w.issuerKey, text);
    assert.equal(r.status, 201, r.text);
    const c = r.json;
    const doc = await checkDocument(c, w.issuerKey);
    const sent = JSON.parse(text);
    const parsed = JSON.parse(doc);
    assert.equal(jcs(parsed.metadata), jcs(sent.metadata), 'the signed metadata is what was sent, canonically');
    assert.equal(parsed.kind, sent.kind);
    assert.ok(doc.includes(jcs(sent.metadata)), 'the metadata appears in canonical form');
    if (sent.kind === 'copyright') {
      assert.ok(doc.includes(`"numbers":${expectedNumbers}`), `numbers written per ECMAScript: ${doc.slice(doc.indexOf('"numbers"'), doc.indexOf('"numbers"') + 300)}`);
      assert.equal(jcs(JSON.parse(numbers)), expectedNumbers, 'jcs.mjs agrees with the hand-written form');
      assert.ok(doc.includes('"nested":{"":"empty","\\n":"newline","\\r":"cr","1":"one","</script>":"x","ctl":"\\u0001\\u001f\\b\\f\\t\\"\\\\/","deep":'), 'names sorted by UTF-16 code units, minimal escapes');
      assert.ok(doc.includes('"z":{"a":{},"b":[{"x":[true,false,null],"y":1}]},"\u0080":"ctl\u007f","\u00f6":"o","\u20ac":"euro","\u{1f602}":"smiley","\ufb33":"dalet"}'), 'emoji (D83D) before U+FB33');
      assert.ok(doc.includes('"authors":["张伟","Zoë 😀","\u{1f602} smiley"]'), 'non-ASCII written as UTF-8, not escaped');
      assert.equal(parsed.contentHash, sha256('the work itself'));
      assert.equal(parsed.uri, 'urn:isbn:9787020002207');
      assert.equal(parsed.validFrom, null);
      assert.equal(parsed.validUntil, null);
    } else if (sent.kind === 'diploma') {
      assert.equal(c.owner_id, w.holder.id);
      assert.equal(parsed.validFrom, '2025-07-01T00:00:00.000000Z');
      assert.equal(parsed.validUntil, '2125-07-01T00:00:00.000000Z');
      assert.ok(doc.includes('"credits":160,"degree":"理学学士","gpa":3.8,'), doc);
      // the holder reads its own certificate's document
      assert.equal(await checkDocument(c, w.holderKey), doc);
    } else {
      assert.ok(doc.includes('"metadata":{"a":0,"b":[1e-7,1e+21],"c":{"d":[],"e":{}},"title":"𝄞 music 🎼"}'), doc);
    }
    // the operator reads the same bytes; other issuers and their holders do not
    assert.equal((await get(`/v1/certificates/${c.ddc_id}/document`, w.op)).text, doc);
    assertProblem(await get(`/v1/certificates/${c.ddc_id}/document`, w.issuer2Key), 403, 'forbidden');
    assertProblem(await get(`/v1/certificates/${c.ddc_id}/document`, w.holder2Key), 403, 'forbidden');
    assertProblem(await get(`/v1/certificates/${c.ddc_id}`, w.issuer2Key), 403, 'forbidden');
    assertProblem(await get(`/v1/certificates/${c.ddc_id}/document`), 401, 'unauthorized');
  }
  assertProblem(await get('/v1/certificates/999999999/document', w.op), 404, 'not_found');
  assertProblem(await get('/v1/certificates/999999999', w.op), 404, 'not_found');
});

// ---- signing keys ----

test('key rotation: old certificates still verify with the retired key, which stays listed', async () => {
  const w = await funded();
  assert.deepEqual(await keys(w.issuer.id, w.issuerKey), [], 'no key before the first mint');
  const a = await mint(w.issuerKey, { kind: 'copyright' });
  const first = await keys(w.issuer.id, w.issuerKey);
  assert.equal(first.length, 1, 'the first mint made the first key');
  const k1 = first[0];
  assert.deepEqual(Object.keys(k1).sort(), ['algorithm', 'current', 'issuer_id', 'key_id', 'public_key', 'retired_at', 'valid_from']);
  assert.equal(k1.key_id, a.key_id);
  assert.equal(k1.issuer_id, w.issuer.id);
  assert.equal(k1.algorithm, 'Ed25519');
  assert.match(k1.public_key, B64URL_KEY);
  assert.match(k1.valid_from, TS);
  assert.equal(k1.retired_at, null);
  assert.equal(k1.current, true);
  const r = await post(`/v1/accounts/${w.issuer.id}/keys`, w.issuerKey, {});
  assert.equal(r.status, 201, r.text);
  const k2 = r.json;
  assert.equal(k2.current, true);
  assert.equal(k2.retired_at, null);
  assert.notEqual(k2.key_id, k1.key_id);
  assert.notEqual(k2.public_key, k1.public_key);
  const both = await keys(w.issuer.id, w.issuerKey);
  assert.deepEqual(both.map((k) => [k.key_id, k.current]), [[k1.key_id, false], [k2.key_id, true]]);
  const b = await mint(w.issuerKey, { kind: 'copyright' });
  assert.equal(b.key_id, k2.key_id, 'minted with the new current key');
  assert.notEqual(b.key_id, a.key_id);
  const ret = await post(`/v1/accounts/${w.issuer.id}/keys/${k1.key_id}/retire`, w.issuerKey, {});
  assert.equal(ret.status, 200, ret.text);
  assert.equal(ret.json.key_id, k1.key_id);
  assert.match(ret.json.retired_at, TS);
  assert.equal(ret.json.current, false);
  // anyone may list the keys, retired ones included
  for (const reader of [w.issuerKey, w.holderKey, w.issuer2Key, w.holder2Key, w.op]) {
    const list = await keys(w.issuer.id, reader);
    assert.deepEqual(list.map((k) => k.key_id), [k1.key_id, k2.key_id]);
    assert.equal(list[0].retired_at, ret.json.retired_at);
    assert.equal(list[0].public_key, k1.public_key);
    assert.equal(list[1].retired_at, null);
    assert.equal(list[1].current, true);
  }
  const docA = await checkDocument(a, w.issuerKey);
  assert.ok(verifies(k1.public_key, docA, a.signature), 'A verifies with the retired key');
  assert.ok(!verifies(k2.public_key, docA, a.signature), 'and not with the new one');
  const docB = await checkDocument(b, w.issuerKey);
  assert.ok(verifies(k2.public_key, docB, b.signature));
  // retiring twice, and other accounts
  assertProblem(await post(`/v1/accounts/${w.issuer.id}/keys/${k1.key_id}/retire`, w.issuerKey, {}), 409, 'key_retired');
  assertProblem(await post(`/v1/accounts/${w.issuer.id}/keys/999999999/retire`, w.issuerKey, {}), 404, 'not_found');
  assertProblem(await post(`/v1/accounts/${w.issuer.id}/keys`, w.issuer2Key, {}), 403, 'forbidden');
  assertProblem(await post(`/v1/accounts/${w.issuer.id}/keys/${k2.key_id}/retire`, w.issuer2Key, {}), 403, 'forbidden');
  assertProblem(await post(`/v1/accounts/${w.issuer.id}/keys`, w.holderKey, {}), 403, 'forbidden');
  assertProblem(await post(`/v1/accounts/${w.holder.id}/keys`, w.op, {}), 409, 'wrong_account_role');
  assertProblem(await post(`/v1/accounts/${w.issuer.id}/keys`, w.issuerKey, { algorithm: 'RSA' }), 400, 'unknown_field', 'algorithm');
  assert.equal((await keys(w.issuer.id, w.op)).length, 2, 'the refusals added no key');
  // the operator rotates for an issuer; retiring the current key never leaves a retired key signing
  const k3 = await post(`/v1/accounts/${w.issuer.id}/keys`, w.op, {});
  assert.equal(k3.status, 201, k3.text);
  assert.equal(k3.json.issuer_id, w.issuer.id);
  assert.equal((await post(`/v1/accounts/${w.issuer.id}/keys/${k3.json.key_id}/retire`, w.op, {})).status, 200);
  const c = await mint(w.issuerKey, { kind: 'generic' });
  const now = await keys(w.issuer.id, w.op);
  const used = now.find((k) => k.key_id === c.key_id);
  assert.equal(used.retired_at, null, 'signed with a key that is not retired');
  assert.equal(used.current, true);
  await checkDocument(c, w.issuerKey);
  await checkDocument(a, w.issuerKey);
});

// ---- events ----

test('events: mint, transfer, freeze, unfreeze (with reasons or without), revoke form one hash chain', async () => {
  const w = await funded();
  const h2 = await holderOf(w.issuerKey);
  const c = await mint(w.issuerKey, { kind: 'diploma', owner_id: w.holder.id });
  const heads = [c.last_event_hash];
  const step = async (p, body) => {
    const r = await post(`/v1/certificates/${c.ddc_id}/${p}`, w.issuerKey, body);
    assert.equal(r.status, 200, `${p}: ${r.text}`);
    heads.push(r.json.last_event_hash);
    return r.json;
  };
  assert.equal((await step('transfer', { to: h2.id })).owner_id, h2.id);
  assert.equal((await step('freeze', {})).status, 'frozen');
  assert.equal((await step('unfreeze', {})).status, 'active');
  // a freeze and an unfreeze may give a reason: kept in their logged events, not as revoke_reason
  for (const [body, field] of [[{ reason: '' }, 'reason'], [{ reason: 'x'.repeat(501) }, 'reason'], [{ why: 'no' }, 'why']])
    assertProblem(await post(`/v1/certificates/${c.ddc_id}/freeze`, w.issuerKey, body), 400, undefined, field);
  const fz = await step('freeze', { reason: '版权争议 pending review' });
  assert.equal(fz.status, 'frozen');
  assert.equal(fz.revoke_reason ?? null, null);
  assert.equal((await step('unfreeze', { reason: 'review closed' })).status, 'active');
  const rv = await step('revoke', { reason: '学位撤销 (plagiarism)' });
  assert.equal(rv.status, 'revoked');
  assert.equal(rv.revoke_reason, '学位撤销 (plagiarism)');
  const events = await checkChain(c.ddc_id, w.issuerKey, ['mint', 'transfer', 'freeze', 'unfreeze', 'freeze', 'unfreeze', 'revoke']);
  assert.deepEqual(events[4].data, { reason: '版权争议 pending review' });
  assert.deepEqual(events[5].data, { reason: 'review closed' });
  assert.deepEqual(events.map((e) => e.event_hash), heads, 'each response carried the new head');
  assert.equal(events[0].prev_event_hash, null);
  assert.deepEqual(events[0].data, { certHash: c.cert_hash, issuer: w.issuer.id, owner: w.holder.id, keyId: c.key_id, kind: 'diploma' });
  assert.deepEqual(events[1].data, { from: w.holder.id, to: h2.id });
  assert.deepEqual(events[2].data, {});
  assert.deepEqual(events[6].data, { reason: '学位撤销 (plagiarism)' });
  for (const e of events) assert.equal(e.actor_id, w.issuer.id);
  // the same chain for every reader who may see it; not for others
  for (const reader of [w.op, h2.key]) await checkChain(c.ddc_id, reader, ['mint', 'transfer', 'freeze', 'unfreeze', 'freeze', 'unfreeze', 'revoke']);
  assertProblem(await get(`/v1/certificates/${c.ddc_id}/events`, w.issuer2Key), 403, 'forbidden');
  assertProblem(await get('/v1/certificates/999999999/events', w.op), 404, 'not_found');
  // another chain with other actors: approve, transfer by the approved account, operator burn
  await recharge(w.issuerKey, w.holder.id, 1000);
  await recharge(w.issuerKey, h2.id, 1000);
  const d = await mint(w.issuerKey, { owner_id: w.holder.id });
  assert.equal((await post(`/v1/certificates/${d.ddc_id}/approve`, w.holderKey, { operator_id: h2.id })).status, 200);
  assert.equal((await post(`/v1/certificates/${d.ddc_id}/transfer`, h2.key, { to: h2.id })).status, 200);
  assert.equal((await post(`/v1/certificates/${d.ddc_id}/burn`, w.op, {})).status, 200);
  const ev = await checkChain(d.ddc_id, w.issuerKey, ['mint', 'approve', 'transfer', 'burn']);
  assert.deepEqual(ev.slice(0, 3).map((e) => e.actor_id), [w.issuer.id, w.holder.id, h2.id]);
  assert.equal((await get(`/v1/accounts/${ev[3].actor_id}`, w.op)).json.role, 'operator', 'the operator burned it');
  assert.deepEqual(ev[1].data, { operator: h2.id });
  // the chains of two certificates are separate
  assert.notEqual(ev[0].event_hash, events[0].event_hash);
});

// ---- life cycle ----

test('transfer by the owner (who pays), by the custodial issuer, by an approved account, not by strangers', async () => {
  const w = await funded();
  const h2 = await holderOf(w.issuerKey);
  const h3 = await holderOf(w.issuerKey);
  const transferPrice = await price(w, 'transfer');
  const c = await mint(w.issuerKey, { kind: 'copyright', owner_id: w.holder.id });
  // a holder without money cannot pay the transfer: nothing changes
  const r0 = await post(`/v1/certificates/${c.ddc_id}/transfer`, w.holderKey, { to: h2.id });
  assertProblem(r0, 402, 'insufficient_funds', undefined, { price: transferPrice, balance: CNY(0) });
  assert.equal((await cert(c.ddc_id, w.holderKey)).owner_id, w.holder.id);
  await checkChain(c.ddc_id, w.holderKey, ['mint']);
  // the issuer funds its holder, who transfers
  const ib = await balance(w.issuer.id, w.issuerKey);
  await recharge(w.issuerKey, w.holder.id, 1000);
  assert.equal(await balance(w.issuer.id, w.issuerKey), ib - 1000, 'the issuer paid for the recharge');
  const r1 = await post(`/v1/certificates/${c.ddc_id}/transfer`, w.holderKey, { to: h2.id });
  assert.equal(r1.status, 200, r1.text);
  assert.equal(r1.json.owner_id, h2.id);
  assert.deepEqual(r1.json.charged, transferPrice);
  assert.equal(await balance(w.holder.id, w.holderKey), 1000 - transferPrice.amount_minor, 'the owner paid');
  assertProblem(await post(`/v1/certificates/${c.ddc_id}/transfer`, w.holderKey, { to: w.holder.id }), 403, 'forbidden');
  // the issuer that keeps h2's account moves it for h2 and pays
  const ib2 = await balance(w.issuer.id, w.issuerKey);
  const r2 = await post(`/v1/certificates/${c.ddc_id}/transfer`, w.issuerKey, { to: h3.id });
  assert.equal(r2.status, 200, r2.text);
  assert.equal(r2.json.owner_id, h3.id);
  assert.deepEqual(r2.json.charged, transferPrice);
  assert.equal(await balance(w.issuer.id, w.issuerKey), ib2 - transferPrice.amount_minor);
  // an approved account: approve, transfer, and the approval is gone
  await recharge(w.issuerKey, h3.id, 1000);
  await recharge(w.issuerKey, h2.id, 1000);
  const ap = await post(`/v1/certificates/${c.ddc_id}/approve`, h3.key, { operator_id: w.holder.id });
  assert.equal(ap.status, 200, ap.text);
  assert.equal(ap.json.approved_id, w.holder.id);
  assert.deepEqual(ap.json.charged, await price(w, 'approve'));
  const r3 = await post(`/v1/certificates/${c.ddc_id}/transfer`, w.holderKey, { to: h2.id });
  assert.equal(r3.status, 200, r3.text);
  assert.equal(r3.json.owner_id, h2.id);
  assert.equal(r3.json.approved_id, null, 'a transfer clears the approval');
  assert.equal((await cert(c.ddc_id, w.op)).approved_id, null);
  assertProblem(await post(`/v1/certificates/${c.ddc_id}/transfer`, w.holderKey, { to: w.holder.id }), 403, 'forbidden');
  // strangers
  for (const k of [w.holder2Key, w.issuer2Key, w.holderKey, h3.key, w.op])
    assertProblem(await post(`/v1/certificates/${c.ddc_id}/transfer`, k, { to: h3.id }), 403, 'forbidden');
  // bad recipients
  const ops = (await get('/v1/accounts?role=operator&limit=1', w.op)).json.items;
  assertProblem(await post(`/v1/certificates/${c.ddc_id}/transfer`, h2.key, { to: ops[0].id }), 403, 'cross_issuer_not_approved', 'to');
  assertProblem(await post(`/v1/certificates/${c.ddc_id}/transfer`, h2.key, { to: h2.id }), 409, 'recipient_invalid', 'to');
  assertProblem(await post(`/v1/certificates/${c.ddc_id}/transfer`, h2.key, { to: 999999999 }), 403, 'cross_issuer_not_approved', 'to');
  const frozen = await holderOf(w.issuerKey);
  await post(`/v1/accounts/${frozen.id}/freeze`, w.issuerKey, {});
  assertProblem(await post(`/v1/certificates/${c.ddc_id}/transfer`, h2.key, { to: frozen.id }), 409, 'recipient_invalid', 'to');
  assertProblem(await post(`/v1/certificates/${c.ddc_id}/transfer`, h2.key, {}), 400, 'missing_field', 'to');
  assertProblem(await post(`/v1/certificates/${c.ddc_id}/transfer`, h2.key, { to: h3.id, note: 'x' }), 400, 'unknown_field', 'note');
  assertProblem(await post('/v1/certificates/999999999/transfer', h2.key, { to: h3.id }), 404, 'not_found');
  // to the issuer itself is fine
  const r4 = await post(`/v1/certificates/${c.ddc_id}/transfer`, h2.key, { to: w.issuer.id });
  assert.equal(r4.status, 200, r4.text);
  assert.equal(r4.json.owner_id, w.issuer.id);
  await checkChain(c.ddc_id, w.op, ['mint', 'transfer', 'transfer', 'approve', 'transfer', 'transfer']);
});

test('frozen: no transfer, no burn by the owner; the operator burns it; final states stay final', async () => {
  const w = await funded();
  const h2 = await holderOf(w.issuerKey);
  await recharge(w.issuerKey, w.holder.id, 10000);
  const c = await mint(w.issuerKey, { owner_id: w.holder.id });
  assertProblem(await post(`/v1/certificates/${c.ddc_id}/unfreeze`, w.issuerKey, {}), 409, 'certificate_not_frozen');
  assertProblem(await post(`/v1/certificates/${c.ddc_id}/freeze`, w.holderKey, {}), 403, 'forbidden');
  assertProblem(await post(`/v1/certificates/${c.ddc_id}/freeze`, w.issuer2Key, {}), 403, 'forbidden');
  const f = await post(`/v1/certificates/${c.ddc_id}/freeze`, w.issuerKey, {});
  assert.equal(f.status, 200, f.text);
  assert.equal(f.json.status, 'frozen');
  assert.deepEqual(f.json.charged, await price(w, 'freeze'));
  assertProblem(await post(`/v1/certificates/${c.ddc_id}/freeze`, w.issuerKey, {}), 409, 'certificate_frozen');
  assertProblem(await post(`/v1/certificates/${c.ddc_id}/transfer`, w.holderKey, { to: h2.id }), 409, 'certificate_frozen');
  assertProblem(await post(`/v1/certificates/${c.ddc_id}/transfer`, w.issuerKey, { to: h2.id }), 409, 'certificate_frozen');
  assertProblem(await post(`/v1/certificates/${c.ddc_id}/burn`, w.holderKey, {}), 409, 'certificate_frozen');
  assertProblem(await post(`/v1/certificates/${c.ddc_id}/burn`, w.issuerKey, {}), 409, 'certificate_frozen');
  assert.equal((await cert(c.ddc_id, w.holderKey)).status, 'frozen');
  const b = await post(`/v1/certificates/${c.ddc_id}/burn`, w.op, {});
  assert.equal(b.status, 200, b.text);
  assert.equal(b.json.status, 'burned');
  assert.deepEqual(b.json.charged, CNY(0), 'operators pay nothing');
  await checkChain(c.ddc_id, w.op, ['mint', 'freeze', 'burn']);
  // burned is final
  const finalOps = (id) => [
    ['transfer', w.holderKey, { to: h2.id }], ['transfer', w.issuerKey, { to: h2.id }], ['approve', w.holderKey, { operator_id: h2.id }],
    ['freeze', w.issuerKey, {}], ['unfreeze', w.issuerKey, {}], ['revoke', w.issuerKey, { reason: 'x' }],
    ['burn', w.holderKey, {}], ['burn', w.op, {}], ['revoke', w.op, { reason: 'x' }], ['freeze', w.op, {}],
  ].map(([op, key, body]) => [`/v1/certificates/${id}/${op}`, key, body]);
  for (const [p, key, body] of finalOps(c.ddc_id)) assertProblem(await post(p, key, body), 409, 'certificate_final');
  // revoked is final too
  const r = await mint(w.issuerKey, { owner_id: w.holder.id });
  assertProblem(await post(`/v1/certificates/${r.ddc_id}/revoke`, w.issuerKey, {}), 400, 'missing_field', 'reason');
  assertProblem(await post(`/v1/certificates/${r.ddc_id}/revoke`, w.issuerKey, { reason: '' }), 400, 'invalid_field', 'reason');
  assertProblem(await post(`/v1/certificates/${r.ddc_id}/revoke`, w.issuerKey, { reason: 'x'.repeat(501) }), 400, 'invalid_field', 'reason');
  assertProblem(await post(`/v1/certificates/${r.ddc_id}/revoke`, w.issuer2Key, { reason: 'x' }), 403, 'forbidden');
  assertProblem(await post(`/v1/certificates/${r.ddc_id}/revoke`, w.holderKey, { reason: 'x' }), 403, 'forbidden');
  const rv = await post(`/v1/certificates/${r.ddc_id}/revoke`, w.issuerKey, { reason: 'x'.repeat(500) });
  assert.equal(rv.status, 200, rv.text);
  assert.equal(rv.json.status, 'revoked');
  assert.equal(rv.json.revoke_reason, 'x'.repeat(500));
  for (const [p, key, body] of finalOps(r.ddc_id)) assertProblem(await post(p, key, body), 409, 'certificate_final');
  await checkChain(r.ddc_id, w.op, ['mint', 'revoke']);
  // a frozen certificate can be revoked; an active one burned by its owner
  const fr = await mint(w.issuerKey, { owner_id: w.holder.id });
  assert.equal((await post(`/v1/certificates/${fr.ddc_id}/freeze`, w.op, {})).json.status, 'frozen');
  const rf = await post(`/v1/certificates/${fr.ddc_id}/revoke`, w.op, { reason: 'court order' });
  assert.equal(rf.status, 200, rf.text);
  assert.equal(rf.json.status, 'revoked');
  const own = await mint(w.issuerKey, { owner_id: w.holder.id });
  assertProblem(await post(`/v1/certificates/${own.ddc_id}/burn`, w.holder2Key, {}), 403, 'forbidden');
  const bo = await post(`/v1/certificates/${own.ddc_id}/burn`, w.holderKey, {});
  assert.equal(bo.status, 200, bo.text);
  assert.equal(bo.json.status, 'burned');
  assert.deepEqual(bo.json.charged, await price(w, 'burn'));
  // unfreeze brings a certificate back to active, where it moves again
  const u = await mint(w.issuerKey, { owner_id: w.holder.id });
  await post(`/v1/certificates/${u.ddc_id}/freeze`, w.issuerKey, {});
  const uf = await post(`/v1/certificates/${u.ddc_id}/unfreeze`, w.issuerKey, {});
  assert.equal(uf.status, 200, uf.text);
  assert.equal(uf.json.status, 'active');
  assert.equal((await post(`/v1/certificates/${u.ddc_id}/transfer`, w.holderKey, { to: h2.id })).status, 200);
});

test('cross-issuer transfer waits for the receiving issuer\'s approval', async () => {
  const w = await funded();
  await recharge(w.issuerKey, w.holder.id, 10000);
  const c = await mint(w.issuerKey, { owner_id: w.holder.id });
  assertProblem(await post(`/v1/certificates/${c.ddc_id}/transfer`, w.holderKey, { to: w.holder2.id }), 403, 'cross_issuer_not_approved', 'to');
  assertProblem(await post(`/v1/certificates/${c.ddc_id}/transfer`, w.holderKey, { to: w.issuer2.id }), 403, 'cross_issuer_not_approved', 'to');
  // only issuer2 itself (or the operator) decides for issuer2
  assertProblem(await post(`/v1/accounts/${w.issuer2.id}/approvals`, w.issuerKey, { issuer_id: w.issuer.id, approved: true }), 403, 'forbidden');
  assertProblem(await post(`/v1/accounts/${w.issuer2.id}/approvals`, w.holder2Key, { issuer_id: w.issuer.id, approved: true }), 403, 'forbidden');
  assertProblem(await post(`/v1/accounts/${w.issuer2.id}/approvals`, w.issuer2Key, { issuer_id: w.holder.id, approved: true }), 409, 'issuer_not_found', 'issuer_id');
  const list0 = await get(`/v1/accounts/${w.issuer2.id}/approvals`, w.issuer2Key);
  assert.equal(list0.status, 200, list0.text);
  assert.deepEqual(list0.json.items, []);
  const a = await post(`/v1/accounts/${w.issuer2.id}/approvals`, w.issuer2Key, { issuer_id: w.issuer.id, approved: true });
  assert.equal(a.status, 200, a.text);
  const list = await get(`/v1/accounts/${w.issuer2.id}/approvals`, w.issuer2Key);
  assert.equal(list.json.issuer_id, w.issuer2.id);
  assert.deepEqual(list.json.items.map((i) => i.approved_issuer_id), [w.issuer.id]);
  assert.match(list.json.items[0].created_at, TS);
  const t = await post(`/v1/certificates/${c.ddc_id}/transfer`, w.holderKey, { to: w.holder2.id });
  assert.equal(t.status, 200, t.text);
  assert.equal(t.json.owner_id, w.holder2.id);
  assert.equal(t.json.issuer_id, w.issuer.id, 'the issuer does not change');
  assert.equal((await cert(c.ddc_id, w.holder2Key)).owner_id, w.holder2.id);
  assert.equal((await cert(c.ddc_id, w.issuer2Key)).owner_id, w.holder2.id);
  // the approval is one-way: issuer2's certificates still cannot go to issuer's side
  await recharge(w.issuer2Key, w.holder2.id, 10000);
  const c2 = await mint(w.issuer2Key, { owner_id: w.holder2.id });
  assertProblem(await post(`/v1/certificates/${c2.ddc_id}/transfer`, w.holder2Key, { to: w.holder.id }), 403, 'cross_issuer_not_approved', 'to');
  // withdrawn: refused again
  const c3 = await mint(w.issuerKey, { owner_id: w.holder.id });
  assert.equal((await post(`/v1/accounts/${w.issuer2.id}/approvals`, w.op, { issuer_id: w.issuer.id, approved: false })).status, 200);
  assert.deepEqual((await get(`/v1/accounts/${w.issuer2.id}/approvals`, w.op)).json.items, []);
  assertProblem(await post(`/v1/certificates/${c3.ddc_id}/transfer`, w.holderKey, { to: w.holder2.id }), 403, 'cross_issuer_not_approved', 'to');
});

test('approval for all: an operator account moves every certificate of the owner until withdrawn', async () => {
  const w = await funded();
  const h2 = await holderOf(w.issuerKey);
  const agent = await holderOf(w.issuerKey);
  await recharge(w.issuerKey, w.holder.id, 10000);
  await recharge(w.issuerKey, agent.id, 10000);
  const c1 = await mint(w.issuerKey, { owner_id: w.holder.id });
  const c2 = await mint(w.issuerKey, { owner_id: w.holder.id });
  assertProblem(await post(`/v1/certificates/${c1.ddc_id}/transfer`, agent.key, { to: h2.id }), 403, 'forbidden');
  assertProblem(await post(`/v1/accounts/${w.holder.id}/operators`, w.holder2Key, { operator_id: agent.id, approved: true }), 403, 'forbidden');
  assertProblem(await post(`/v1/accounts/${w.holder.id}/operators`, w.holderKey, { operator_id: agent.id }), 400, 'missing_field', 'approved');
  const before = await balance(w.holder.id, w.holderKey);
  const s = await post(`/v1/accounts/${w.holder.id}/operators`, w.holderKey, { operator_id: agent.id, approved: true });
  assert.equal(s.status, 200, s.text);
  assert.deepEqual(s.json.charged, await price(w, 'approve'));
  assert.equal(await balance(w.holder.id, w.holderKey), before - s.json.charged.amount_minor);
  const l = await get(`/v1/accounts/${w.holder.id}/operators`, w.holderKey);
  assert.equal(l.status, 200, l.text);
  assert.equal(l.json.owner_id, w.holder.id);
  assert.deepEqual(l.json.items.map((i) => i.operator_id), [agent.id]);
  for (const c of [c1, c2]) {
    const t = await post(`/v1/certificates/${c.ddc_id}/transfer`, agent.key, { to: h2.id });
    assert.equal(t.status, 200, t.text);
    assert.equal(t.json.owner_id, h2.id);
  }
  // moved away from the owner, the approval of the former owner no longer reaches them
  assertProblem(await post(`/v1/certificates/${c1.ddc_id}/transfer`, agent.key, { to: w.holder.id }), 403, 'forbidden');
  const c3 = await mint(w.issuerKey, { owner_id: w.holder.id });
  assert.equal((await post(`/v1/accounts/${w.holder.id}/operators`, w.holderKey, { operator_id: agent.id, approved: false })).status, 200);
  assert.deepEqual((await get(`/v1/accounts/${w.holder.id}/operators`, w.holderKey)).json.items, []);
  assertProblem(await post(`/v1/certificates/${c3.ddc_id}/transfer`, agent.key, { to: h2.id }), 403, 'forbidden');
  // the custodial issuer may name operators for a holder without a holder key
  assert.equal((await post(`/v1/accounts/${w.holder.id}/operators`, w.issuerKey, { operator_id: agent.id, approved: true })).status, 200);
  assert.equal((await post(`/v1/certificates/${c3.ddc_id}/transfer`, agent.key, { to: h2.id })).status, 200);
});

// ---- holder-signed transfers ----

test('holder keys: a registered key makes the holder\'s signature necessary for transfers', async () => {
  const w = await funded();
  const h2 = await holderOf(w.issuerKey);
  const h3 = await holderOf(w.issuerKey);
  const transferPrice = await price(w, 'transfer');
  const certs = [];
  for (let i = 0; i < 6; i++) certs.push(await mint(w.issuerKey, { owner_id: w.holder.id }));
  const { pub, privateKey } = holderKeyPair();
  // registering: only the holder itself, a 32-byte key
  assertProblem(await put(`/v1/accounts/${w.holder.id}/holder-key`, w.issuerKey, { public_key: pub }), 403, 'forbidden');
  assertProblem(await put(`/v1/accounts/${w.holder.id}/holder-key`, h2.key, { public_key: pub }), 403, 'forbidden');
  assertProblem(await put(`/v1/accounts/${w.holder.id}/holder-key`, w.holderKey, { public_key: 'abc' }), 400, 'invalid_field', 'public_key');
  assertProblem(await put(`/v1/accounts/${w.holder.id}/holder-key`, w.holderKey, { public_key: `${pub.slice(0, 42)}*` }), 400, 'invalid_field', 'public_key');
  assertProblem(await get(`/v1/accounts/${w.holder.id}/holder-key`, w.holderKey), 404, 'not_found');
  const k = await put(`/v1/accounts/${w.holder.id}/holder-key`, w.holderKey, { public_key: pub });
  assert.equal(k.status, 200, k.text);
  assert.deepEqual(Object.keys(k.json).sort(), ['account_id', 'algorithm', 'public_key', 'updated_at', 'version']);
  assert.equal(k.json.account_id, w.holder.id);
  assert.equal(k.json.algorithm, 'Ed25519');
  assert.equal(k.json.public_key, pub);
  assert.equal(k.json.version, 1);
  assert.match(k.json.updated_at, TS);
  assert.deepEqual((await get(`/v1/accounts/${w.holder.id}/holder-key`, w.issuerKey)).json, k.json);
  // no signature: refused, for the issuer and for the holder alike
  const ddc = certs[0].ddc_id;
  assertProblem(await post(`/v1/certificates/${ddc}/transfer`, w.issuerKey, { to: h2.id }), 403, 'holder_signature_required');
  assertProblem(await post(`/v1/certificates/${ddc}/transfer`, w.holderKey, { to: h2.id }), 403, 'holder_signature_required');
  // a correct signature: the issuer submits and pays
  const nonce = `n-${crypto.randomUUID()}`;
  const sig = holderSign(privateKey, { ddc_id: ddc, to: h2.id, nonce, deadline: inMinutes(10) });
  const ib = await balance(w.issuer.id, w.issuerKey);
  const hb = await balance(w.holder.id, w.holderKey);
  const t = await post(`/v1/certificates/${ddc}/transfer`, w.issuerKey, { to: h2.id, holder_signature: sig });
  assert.equal(t.status, 200, t.text);
  assert.equal(t.json.owner_id, h2.id);
  assert.deepEqual(t.json.charged, transferPrice);
  assert.deepEqual(transferPrice, CNY(50));
  assert.equal(await balance(w.issuer.id, w.issuerKey), ib - 50, 'the issuer paid');
  assert.equal(await balance(w.holder.id, w.holderKey), hb, 'the holder did not');
  // the nonce is spent, also for another certificate of the same holder
  const again = holderSign(privateKey, { ddc_id: certs[1].ddc_id, to: h2.id, nonce, deadline: inMinutes(10) });
  assertProblem(await post(`/v1/certificates/${certs[1].ddc_id}/transfer`, w.issuerKey, { to: h2.id, holder_signature: again }), 409, 'nonce_reused');
  // past deadline, wrong key, other recipient, other certificate, tampered fields
  const expired = holderSign(privateKey, { ddc_id: certs[1].ddc_id, to: h2.id, nonce: 'n-expired', deadline: inMinutes(-1) });
  assertProblem(await post(`/v1/certificates/${certs[1].ddc_id}/transfer`, w.issuerKey, { to: h2.id, holder_signature: expired }), 403, 'holder_signature_expired');
  const stranger = holderKeyPair();
  const wrong = holderSign(stranger.privateKey, { ddc_id: certs[1].ddc_id, to: h2.id, nonce: 'n-wrong', deadline: inMinutes(10) });
  assertProblem(await post(`/v1/certificates/${certs[1].ddc_id}/transfer`, w.issuerKey, { to: h2.id, holder_signature: wrong }), 403, 'holder_signature_invalid');
  const forH3 = holderSign(privateKey, { ddc_id: certs[1].ddc_id, to: h3.id, nonce: 'n-to', deadline: inMinutes(10) });
  assertProblem(await post(`/v1/certificates/${certs[1].ddc_id}/transfer`, w.issuerKey, { to: h2.id, holder_signature: forH3 }), 403, 'holder_signature_invalid');
  const forOther = holderSign(privateKey, { ddc_id: certs[2].ddc_id, to: h2.id, nonce: 'n-ddc', deadline: inMinutes(10) });
  assertProblem(await post(`/v1/certificates/${certs[1].ddc_id}/transfer`, w.issuerKey, { to: h2.id, holder_signature: forOther }), 403, 'holder_signature_invalid');
  const good = holderSign(privateKey, { ddc_id: certs[1].ddc_id, to: h2.id, nonce: 'n-good', deadline: inMinutes(10) });
  assertProblem(await post(`/v1/certificates/${certs[1].ddc_id}/transfer`, w.issuerKey, { to: h2.id, holder_signature: { ...good, nonce: 'n-good2' } }), 403, 'holder_signature_invalid');
  assertProblem(await post(`/v1/certificates/${certs[1].ddc_id}/transfer`, w.issuerKey, { to: h2.id, holder_signature: { ...good, deadline: inMinutes(20) } }), 403, 'holder_signature_invalid');
  const flipped = Buffer.from(good.signature, 'base64url');
  flipped[10] ^= 1;
  assertProblem(await post(`/v1/certificates/${certs[1].ddc_id}/transfer`, w.issuerKey, { to: h2.id, holder_signature: { ...good, signature: flipped.toString('base64url') } }), 403, 'holder_signature_invalid');
  // malformed signatures are 400 naming the member
  assertProblem(await post(`/v1/certificates/${certs[1].ddc_id}/transfer`, w.issuerKey, { to: h2.id, holder_signature: { ...good, signature: 'abc' } }), 400, 'invalid_field', 'holder_signature.signature');
  assertProblem(await post(`/v1/certificates/${certs[1].ddc_id}/transfer`, w.issuerKey, { to: h2.id, holder_signature: { ...good, nonce: 'n'.repeat(65) } }), 400, 'invalid_field', 'holder_signature.nonce');
  assertProblem(await post(`/v1/certificates/${certs[1].ddc_id}/transfer`, w.issuerKey, { to: h2.id, holder_signature: { deadline: good.deadline, signature: good.signature } }), 400, 'missing_field', 'holder_signature.nonce');
  assertProblem(await post(`/v1/certificates/${certs[1].ddc_id}/transfer`, w.issuerKey, { to: h2.id, holder_signature: { ...good, deadline: 'soon' } }), 400, 'invalid_field', 'holder_signature.deadline');
  assert.equal((await cert(certs[1].ddc_id, w.op)).owner_id, w.holder.id, 'none of the refusals moved it');
  // the refused signatures spent no nonce: the good one still goes through (the holder pays this time)
  await recharge(w.issuerKey, w.holder.id, 1000);
  const t2 = await post(`/v1/certificates/${certs[1].ddc_id}/transfer`, w.holderKey, { to: h2.id, holder_signature: good });
  assert.equal(t2.status, 200, t2.text);
  assert.equal(await balance(w.holder.id, w.holderKey), hb + 1000 - 50);
  // a 64-character nonce and a deadline with an offset, signed as sent
  const long = holderSign(privateKey, { ddc_id: certs[2].ddc_id, to: h3.id, nonce: 'N'.repeat(64), deadline: new Date(Date.now() + 3600000).toISOString().replace('Z', '+00:00') });
  const t3 = await post(`/v1/certificates/${certs[2].ddc_id}/transfer`, w.issuerKey, { to: h3.id, holder_signature: long });
  assert.equal(t3.status, 200, t3.text);
  // a signature for a certificate whose owner has no key is moot
  const moot = holderSign(privateKey, { ddc_id: certs[2].ddc_id, to: h2.id, nonce: 'n-moot', deadline: inMinutes(10) });
  assertProblem(await post(`/v1/certificates/${certs[2].ddc_id}/transfer`, w.issuerKey, { to: h2.id, holder_signature: moot }), 409, 'holder_key_not_set', 'holder_signature');
  // the custodial issuer may no longer approve for the holder; the holder may, and then the
  // approved account moves it without a signature
  assertProblem(await post(`/v1/certificates/${certs[3].ddc_id}/approve`, w.issuerKey, { operator_id: h3.id }), 403, 'forbidden');
  assertProblem(await post(`/v1/accounts/${w.holder.id}/operators`, w.issuerKey, { operator_id: h3.id, approved: true }), 403, 'forbidden');
  assert.equal((await post(`/v1/certificates/${certs[3].ddc_id}/approve`, w.holderKey, { operator_id: h3.id })).status, 200);
  await recharge(w.issuerKey, h3.id, 1000);
  const t4 = await post(`/v1/certificates/${certs[3].ddc_id}/transfer`, h3.key, { to: h2.id });
  assert.equal(t4.status, 200, t4.text);
  // a new key: signatures by the old one no longer count
  const next = holderKeyPair();
  const k2 = await put(`/v1/accounts/${w.holder.id}/holder-key`, w.holderKey, { public_key: next.pub });
  assert.equal(k2.status, 200, k2.text);
  assert.equal(k2.json.version, 2);
  const old = holderSign(privateKey, { ddc_id: certs[4].ddc_id, to: h2.id, nonce: 'n-old', deadline: inMinutes(10) });
  assertProblem(await post(`/v1/certificates/${certs[4].ddc_id}/transfer`, w.issuerKey, { to: h2.id, holder_signature: old }), 403, 'holder_signature_invalid');
  const fresh = holderSign(next.privateKey, { ddc_id: certs[4].ddc_id, to: h2.id, nonce: 'n-old', deadline: inMinutes(10) });
  assert.equal((await post(`/v1/certificates/${certs[4].ddc_id}/transfer`, w.issuerKey, { to: h2.id, holder_signature: fresh })).status, 200);
  await checkChain(certs[0].ddc_id, w.op, ['mint', 'transfer']);
});

// ---- listing ----

test('list: filters, cursor pagination that returns everything once, and who sees what', async () => {
  const w = await funded();
  const h2 = await holderOf(w.issuerKey);
  const made = [];
  for (let i = 0; i < 3; i++) made.push(await mint(w.issuerKey, { kind: 'copyright' }));
  for (let i = 0; i < 3; i++) made.push(await mint(w.issuerKey, { kind: 'diploma', owner_id: w.holder.id }));
  for (let i = 0; i < 3; i++) made.push(await mint(w.issuerKey, { kind: 'generic', owner_id: h2.id }));
  await post(`/v1/certificates/${made[0].ddc_id}/freeze`, w.issuerKey, {});
  await post(`/v1/certificates/${made[5].ddc_id}/freeze`, w.issuerKey, {});
  await post(`/v1/certificates/${made[1].ddc_id}/revoke`, w.issuerKey, { reason: 'r' });
  await post(`/v1/certificates/${made[6].ddc_id}/burn`, w.issuerKey, {});
  const other = await mint(w.issuer2Key, { kind: 'copyright', owner_id: w.holder2.id });
  const ids = (list) => list.map((c) => c.ddc_id);
  const all = async (key, q = '', limit = 3) => {
    const out = [];
    let cursor = null;
    for (let i = 0; i < 1000; i++) {
      const r = await get(`/v1/certificates?limit=${limit}${q}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, key);
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(Object.keys(r.json).sort(), ['items', 'next_cursor']);
      assert.ok(r.json.items.length <= limit);
      out.push(...r.json.items);
      cursor = r.json.next_cursor;
      if (cursor === null) break;
      assert.equal(typeof cursor, 'string');
      assert.equal(r.json.items.length, limit, 'only the last page is short');
    }
    const got = ids(out);
    assert.equal(new Set(got).size, got.length, 'no certificate twice');
    assert.deepEqual(got, [...got].sort((a, b) => a - b), 'ddc_id order');
    return out;
  };
  const mine = ids(made);
  const byIssuer = await all(w.issuerKey);
  assert.deepEqual(ids(byIssuer), mine, 'an issuer lists what it issued, each exactly once');
  for (const limit of [1, 2, 8, 9, 200]) assert.deepEqual(ids(await all(w.issuerKey, '', limit)), mine, `limit ${limit}`);
  const full = await get('/v1/certificates?limit=9', w.issuerKey);
  assert.equal(full.json.next_cursor, null, 'a page that holds the rest has no cursor');
  // the list items are certificate objects
  const { charged: _charged, ...stored } = made[2];
  const { metadata: listedMeta, ...listed } = byIssuer.find((c) => c.ddc_id === made[2].ddc_id);
  assert.deepEqual(listed, stored);
  assert.deepEqual(listedMeta, JSON.parse((await get(`/v1/certificates/${made[2].ddc_id}/document`, w.issuerKey)).text).metadata, 'with its metadata');
  const pick = (...i) => i.map((n) => made[n].ddc_id);
  assert.deepEqual(ids(await all(w.issuerKey, '&status=frozen')), pick(0, 5));
  assert.deepEqual(ids(await all(w.issuerKey, '&status=revoked')), pick(1));
  assert.deepEqual(ids(await all(w.issuerKey, '&status=burned')), pick(6));
  assert.deepEqual(ids(await all(w.issuerKey, '&status=active')), pick(2, 3, 4, 7, 8));
  assert.deepEqual(ids(await all(w.issuerKey, '&kind=diploma')), pick(3, 4, 5));
  assert.deepEqual(ids(await all(w.issuerKey, '&kind=copyright&status=active')), pick(2));
  assert.deepEqual(ids(await all(w.issuerKey, `&owner_id=${w.holder.id}`)), pick(3, 4, 5));
  assert.deepEqual(ids(await all(w.issuerKey, `&owner_id=${h2.id}&kind=generic&status=active`)), pick(7, 8));
  assert.deepEqual(ids(await all(w.issuerKey, `&issuer_id=${w.issuer.id}&kind=generic`)), pick(6, 7, 8));
  for (const c of await all(w.issuerKey, '&kind=generic')) assert.equal(c.kind, 'generic');
  // the operator sees every issuer's; filtered by issuer, exactly this one's
  assert.deepEqual(ids(await all(w.op, `&issuer_id=${w.issuer.id}`, 5)), mine);
  assert.deepEqual(ids(await all(w.op, `&issuer_id=${w.issuer2.id}`)), [other.ddc_id]);
  assert.deepEqual(ids(await all(w.op, `&owner_id=${w.holder.id}`)), pick(3, 4, 5));
  // holders see what they own, nothing else
  assert.deepEqual(ids(await all(w.holderKey)), pick(3, 4, 5));
  assert.deepEqual(ids(await all(w.holderKey, '&status=frozen')), pick(5));
  assert.deepEqual(ids(await all(h2.key)), pick(6, 7, 8));
  assertProblem(await get(`/v1/certificates?owner_id=${h2.id}`, w.holderKey), 403, 'forbidden', 'owner_id');
  assert.deepEqual(ids(await all(w.holderKey, `&issuer_id=${w.issuer.id}`)), pick(3, 4, 5));
  assert.deepEqual(ids(await all(w.holder2Key)), [other.ddc_id]);
  // other issuers see nothing of this one: asking is refused before anything is scanned
  assertProblem(await get(`/v1/certificates?issuer_id=${w.issuer.id}`, w.issuer2Key), 403, 'forbidden', 'issuer_id');
  assertProblem(await get(`/v1/certificates?owner_id=${w.holder.id}`, w.issuer2Key), 403, 'forbidden', 'owner_id');
  assert.deepEqual(ids(await all(w.issuer2Key)), [other.ddc_id]);
  // bad parameters
  assertProblem(await get('/v1/certificates?status=lost', w.op), 400, 'invalid_parameter', 'status');
  assertProblem(await get('/v1/certificates?kind=patent', w.op), 400, 'invalid_parameter', 'kind');
  assertProblem(await get('/v1/certificates?limit=0', w.op), 400, 'invalid_parameter', 'limit');
  assertProblem(await get('/v1/certificates?limit=201', w.op), 400, 'invalid_parameter', 'limit');
  assertProblem(await get('/v1/certificates?owner_id=x', w.op), 400, 'invalid_parameter', 'owner_id');
  assertProblem(await get('/v1/certificates?colour=red', w.op), 400);
  assertProblem(await get('/v1/certificates'), 401, 'unauthorized');
});

test('a mint with an Idempotency-Key is done and charged once', async () => {
  const w = await funded();
  const before = await balance(w.issuer.id, w.issuerKey);
  const body = { kind: 'generic', metadata: { title: 'once', n: [1e21, 0.5] } };
  const headers = { 'idempotency-key': `mint-${process.pid}-${Date.now()}` };
  const a = await request(srv.base, 'POST', '/v1/certificates', { key: w.issuerKey, json: body, headers });
  const b = await request(srv.base, 'POST', '/v1/certificates', { key: w.issuerKey, json: body, headers });
  assert.equal(a.status, 201, a.text);
  assert.equal(b.status, 201, b.text);
  assert.equal(b.headers['idempotent-replayed'], 'true');
  assert.equal(b.text, a.text);
  assert.equal(await balance(w.issuer.id, w.issuerKey), before - a.json.charged.amount_minor);
  assert.equal((await get('/v1/certificates', w.issuerKey)).json.items.length, 1);
  assertProblem(await request(srv.base, 'POST', '/v1/certificates', { key: w.issuerKey, json: { ...body, external_ref: 'x' }, headers }), 422, 'idempotency_key_reused');
});

test('a holder key ends custody: approvals given before it lapse, and the issuer can no longer burn', async () => {
  const w = await funded();
  const h2 = await holderOf(w.issuerKey);
  const a = await mint(w.issuerKey, { owner_id: w.holder.id });
  const b = await mint(w.issuerKey, { owner_id: w.holder.id });
  // while the holder has no key, its issuer acts for it: it names itself operator, and approves h2
  const op = await post(`/v1/accounts/${w.holder.id}/operators`, w.issuerKey, { operator_id: w.issuer.id, approved: true });
  assert.equal(op.status, 200, op.text);
  assert.equal(op.json.charged.amount_minor, 10);
  const again = await post(`/v1/accounts/${w.holder.id}/operators`, w.issuerKey, { operator_id: w.issuer.id, approved: true });
  assert.equal(again.json.charged.amount_minor, 0, 'approving again changes nothing and costs nothing');
  assert.equal((await post(`/v1/certificates/${a.ddc_id}/approve`, w.issuerKey, { operator_id: h2.id })).status, 200);
  // the holder registers a key: both approvals lapse
  const { pub, privateKey } = holderKeyPair();
  assert.equal((await put(`/v1/accounts/${w.holder.id}/holder-key`, w.holderKey, { public_key: pub })).status, 200);
  assert.deepEqual((await get(`/v1/accounts/${w.holder.id}/operators`, w.holderKey)).json.items, []);
  assert.equal((await cert(a.ddc_id, w.holderKey)).approved_id, null);
  assertProblem(await post(`/v1/certificates/${a.ddc_id}/transfer`, w.issuerKey, { to: h2.id }), 403, 'holder_signature_required', 'holder_signature');
  assertProblem(await post(`/v1/certificates/${a.ddc_id}/transfer`, h2.key, { to: h2.id }), 403, 'forbidden');
  assertProblem(await post(`/v1/certificates/${b.ddc_id}/burn`, w.issuerKey, {}), 403, 'forbidden');
  assertProblem(await post(`/v1/certificates/${b.ddc_id}/approve`, w.issuerKey, { operator_id: h2.id }), 403, 'forbidden');
  // with the holder's signature the issuer still moves it
  const sig = holderSign(privateKey, { ddc_id: a.ddc_id, to: h2.id, nonce: uniq('n'), deadline: inMinutes(5) });
  const t = await post(`/v1/certificates/${a.ddc_id}/transfer`, w.issuerKey, { to: h2.id, holder_signature: sig });
  assert.equal(t.status, 200, t.text);
  assert.equal(t.json.owner_id, h2.id);
});
