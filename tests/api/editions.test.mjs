// editions.test.mjs: DDC-1155 editions end to end: minting a class (its signed document says
// "standard":"ddc-1155" and the supply), balances, transfers, burns and further mints with exact
// amounts, the refusals (problem+json naming the field), every new route for every role
// (operator, issuer, another issuer, holder, anonymous), approvals for all and freeze/revoke of the
// class, Idempotency-Key replays charged once, signed holder actions (meta-transactions: approve,
// approval for all, burn and edition transfers, their nonces, deadlines and wrong actions or
// objects), conservation under 32 concurrent transfers between 8 holders, and an outside check
// that recomputes every holder's balance from the logged events alone (their signed canonical
// texts, hashes, chain and inclusion proofs under a signed checkpoint).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startDdcd, request, assertProblem, world, createAccount, createKey, until } from './lib.mjs';
import { jcs } from './jcs.mjs';
import { logKey, checkpoint } from './logclient.mjs';
import { leafHash, verifyInclusion } from './merkle.mjs';

const MAX = 2 ** 53;
let srv, w;
before(async () => {
  srv = await startDdcd({ env: { DDC_ANCHOR_INTERVAL_MS: '100' } });
  w = await world(srv.base);
  for (const [id, key] of [[w.issuer.id, w.op], [w.issuer2.id, w.op], [w.holder.id, w.issuerKey], [w.holder2.id, w.issuer2Key]]) {
    const r = await post(`/v1/accounts/${id}/recharges`, key, { amount_minor: key === w.op ? 100_000_000 : 1_000_000, currency: 'CNY', reference: `r-${id}` });
    assert.equal(r.status, 201, r.text);
  }
});
after(async () => { await srv.stop(); });

const get = (p, key) => request(srv.base, 'GET', p, { key });
const post = (p, key, json, headers) => request(srv.base, 'POST', p, { key, json, headers });
const put = (p, key, json) => request(srv.base, 'PUT', p, { key, json });
const sha256 = (t) => crypto.createHash('sha256').update(Buffer.from(t, 'utf8')).digest('hex');
const cny = async (id, key) => (await get(`/v1/accounts/${id}/balance`, key)).json.balances.find((b) => b.currency === 'CNY')?.amount_minor ?? 0;
const META = { title: 'Licence of a registered work' };

async function mint(key = w.issuerKey, extra = {}) {
  const r = await post('/v1/editions', key, { kind: 'generic', metadata: META, supply: 500, ...extra });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

async function balances(ddc, key = w.issuerKey) {
  const r = await get(`/v1/editions/${ddc}/balances?limit=200`, key);
  assert.equal(r.status, 200, r.text);
  return Object.fromEntries(r.json.items.map((i) => [i.holder_id, i.amount]));
}

function keyPair() {
  const { publicKey, privateKey } = crypto.generateKeyPairSync('ed25519');
  return { pub: publicKey.export({ format: 'jwk' }).x, privateKey };
}

const inMinutes = (m) => new Date(Date.now() + m * 60000).toISOString();
let nonceSeq = 0;
function sign(privateKey, action, fields, { nonce = `n-${process.pid}-${++nonceSeq}`, deadline = inMinutes(10) } = {}) {
  const message = jcs({ ...fields, action, deadline, nonce });
  return { nonce, deadline, signature: crypto.sign(null, Buffer.from(message, 'utf8'), privateKey).toString('base64url') };
}

test('an edition is minted like a certificate: signed document with the standard and the supply, all units to the owner, its price charged', async () => {
  const before = await cny(w.issuer.id, w.issuerKey);
  const e = await mint(w.issuerKey, { owner_id: w.holder.id, mintable: true, external_ref: `ed-${process.pid}` });
  assert.equal(e.standard, 'ddc-1155');
  assert.equal(e.supply, 500);
  assert.equal(e.burned, 0);
  assert.equal(e.mintable, true);
  assert.equal(e.owner_id, w.holder.id);
  assert.deepEqual(e.charged, { amount_minor: 100, currency: 'CNY' });
  assert.equal(await cny(w.issuer.id, w.issuerKey), before - 100, 'edition_mint charged once');
  const doc = (await get(`/v1/certificates/${e.ddc_id}/document`, w.issuerKey)).text;
  const d = JSON.parse(doc);
  assert.equal(d.standard, 'ddc-1155');
  assert.equal(d.supply, 500);
  assert.equal(d.mintable, true);
  assert.equal(d.type, 'ddc.certificate/v1');
  assert.equal(jcs(d), doc, 'the document is its own JCS');
  assert.equal(sha256(doc), e.cert_hash);
  assert.deepEqual(await balances(e.ddc_id), { [w.holder.id]: 500 });
  const ev = (await get(`/v1/certificates/${e.ddc_id}/events`, w.issuerKey)).json.items;
  assert.equal(ev[0].type, 'mint');
  assert.equal(ev[0].data.supply, 500);
  assert.equal(ev[0].data.owner, w.holder.id);
  // the holder sees the class, and its holdings
  assert.equal((await get(`/v1/certificates/${e.ddc_id}`, w.holderKey)).status, 200);
  const mine = (await get(`/v1/accounts/${w.holder.id}/editions`, w.holderKey)).json;
  assert.ok(mine.items.some((i) => i.ddc_id === e.ddc_id && i.amount === 500 && i.supply === 500));
  // the price list names the new operations
  const ops = (await get('/v1/prices', w.issuerKey)).json.items.map((p) => p.operation);
  for (const op of ['edition_mint', 'edition_transfer', 'edition_burn', 'edition_mint_more']) assert.ok(ops.includes(op), op);
});

test('supply and amounts are exact integers from 1 to 2^53; refusals name the field', async () => {
  for (const [supply, code] of [[0, 'invalid_field'], [-1, 'invalid_field'], [MAX + 2, 'invalid_field'], [1.5, 'invalid_field'], ['5', 'invalid_field']]) {
    const r = await post('/v1/editions', w.issuerKey, { kind: 'generic', metadata: META, supply });
    assert.equal(r.status, 400, `supply ${supply}: ${r.text}`);
    assert.equal(r.json.field, 'supply', r.text);
    assert.ok([code, 'bad_json'].includes(r.json.code), r.text);
  }
  assertProblem(await post('/v1/editions', w.issuerKey, { kind: 'generic', metadata: META }), 400, 'missing_field', 'supply');
  assertProblem(await post('/v1/editions', w.issuerKey, { kind: 'generic', metadata: {}, supply: 3 }), 400, 'missing_field', 'metadata.title');
  const big = await mint(w.issuerKey, { supply: MAX, mintable: true });
  assert.equal(big.supply, MAX);
  assert.deepEqual(await balances(big.ddc_id), { [w.issuer.id]: MAX });
  assertProblem(await post(`/v1/editions/${big.ddc_id}/mint-more`, w.issuerKey, { amount: 1 }), 409, 'supply_limit', 'amount');
  const t = await post(`/v1/editions/${big.ddc_id}/transfer`, w.issuerKey, { to: w.holder.id, amount: MAX - 1 });
  assert.equal(t.status, 200, t.text);
  assert.equal(t.json.from_balance, 1);
  assert.equal(t.json.to_balance, MAX - 1);
  const e = await mint();
  for (const amount of [0, -3, MAX + 2]) assertProblem(await post(`/v1/editions/${e.ddc_id}/transfer`, w.issuerKey, { to: w.holder.id, amount }), 400, 'invalid_field', 'amount');
  assertProblem(await post(`/v1/editions/${e.ddc_id}/transfer`, w.issuerKey, { to: w.holder.id }), 400, 'missing_field', 'amount');
  assertProblem(await post(`/v1/editions/${e.ddc_id}/transfer`, w.issuerKey, { to: w.holder.id, amount: 501 }), 409, 'insufficient_units', 'amount');
  assertProblem(await post(`/v1/editions/${e.ddc_id}/burn`, w.issuerKey, { amount: 501 }), 409, 'insufficient_units', 'amount');
  assertProblem(await post(`/v1/editions/${e.ddc_id}/transfer`, w.issuerKey, { to: w.issuer.id, amount: 1 }), 409, 'recipient_invalid', 'to');
  assertProblem(await post(`/v1/editions/${e.ddc_id}/transfer`, w.issuerKey, { to: w.holder2.id, amount: 1 }), 403, 'cross_issuer_not_approved', 'to');
  assertProblem(await post(`/v1/editions/${e.ddc_id}/mint-more`, w.issuerKey, { amount: 5 }), 409, 'edition_not_mintable');
  assertProblem(await post(`/v1/editions/${e.ddc_id}/transfer`, w.issuerKey, { to: w.holder.id, amount: 1, color: 'red' }), 400, 'unknown_field', 'color');
  assert.deepEqual(await balances(e.ddc_id), { [w.issuer.id]: 500 }, 'no refusal moved a unit');
  assert.equal((await get(`/v1/certificates/${e.ddc_id}/events`, w.issuerKey)).json.items.length, 1, 'and none wrote an event');
});

test('transfers, burns and further mints keep supply = held + burned, each an event and a charge', async () => {
  const e = await mint(w.issuerKey, { mintable: true, supply: 300 });
  const h3 = await createAccount(srv.base, w.issuerKey, 'holder');
  const money = await cny(w.issuer.id, w.issuerKey);
  const t = await post(`/v1/editions/${e.ddc_id}/transfer`, w.issuerKey, { to: w.holder.id, amount: 120 });
  assert.equal(t.status, 200, t.text);
  assert.deepEqual({ ...t.json, charged: undefined }, { ddc_id: e.ddc_id, from: w.issuer.id, to: w.holder.id, amount: 120, from_balance: 180, to_balance: 120, charged: undefined });
  assert.deepEqual(t.json.charged, { amount_minor: 50, currency: 'CNY' });
  // the issuer keeping the holder's account moves its units (the holder has no holder key)
  const t2 = await post(`/v1/editions/${e.ddc_id}/transfer`, w.issuerKey, { from: w.holder.id, to: h3.id, amount: 20 });
  assert.equal(t2.status, 200, t2.text);
  // the holder moves its own
  const t3 = await post(`/v1/editions/${e.ddc_id}/transfer`, w.holderKey, { to: h3.id, amount: 30 });
  assert.equal(t3.status, 200, t3.text);
  const b = await post(`/v1/editions/${e.ddc_id}/burn`, w.holderKey, { amount: 10 });
  assert.equal(b.status, 200, b.text);
  assert.equal(b.json.burned, 10);
  assert.equal(b.json.from_balance, 60);
  const m = await post(`/v1/editions/${e.ddc_id}/mint-more`, w.issuerKey, { to: h3.id, amount: 25 });
  assert.equal(m.status, 200, m.text);
  assert.equal(m.json.supply, 325);
  assert.equal(m.json.to_balance, 75);
  assert.deepEqual(await balances(e.ddc_id), { [w.issuer.id]: 180, [w.holder.id]: 60, [h3.id]: 75 });
  const c = (await get(`/v1/certificates/${e.ddc_id}`, w.issuerKey)).json;
  assert.equal(c.supply, 325);
  assert.equal(c.burned, 10);
  assert.equal(180 + 60 + 75 + 10, 325);
  const types = (await get(`/v1/certificates/${e.ddc_id}/events`, w.issuerKey)).json.items.map((x) => x.type);
  assert.deepEqual(types, ['mint', 'edition_transfer', 'edition_transfer', 'edition_transfer', 'edition_burn', 'mint_more']);
  assert.equal(await cny(w.issuer.id, w.issuerKey), money - 50 - 50 - 100, 'two transfers and a mint_more by the issuer');
  // a single certificate's moves do not apply to an edition
  assertProblem(await post(`/v1/certificates/${e.ddc_id}/transfer`, w.issuerKey, { to: w.holder.id }), 409, 'is_edition');
  assertProblem(await post(`/v1/certificates/${e.ddc_id}/approve`, w.issuerKey, { operator_id: w.holder.id }), 409, 'is_edition');
  assertProblem(await post(`/v1/certificates/${e.ddc_id}/burn`, w.issuerKey, {}), 409, 'is_edition');
  // and an edition's routes do not apply to a single certificate
  const one = await post('/v1/certificates', w.issuerKey, { kind: 'generic', metadata: META });
  assertProblem(await post(`/v1/editions/${one.json.ddc_id}/transfer`, w.issuerKey, { to: w.holder.id, amount: 1 }), 404, 'not_found');
  assertProblem(await get(`/v1/editions/${one.json.ddc_id}/balances`, w.issuerKey), 404, 'not_found');
});

test('freeze and revoke act on the class; approvals for all let an operator move the units', async () => {
  const e = await mint(w.issuerKey, { owner_id: w.holder.id });
  const h3 = await createAccount(srv.base, w.issuerKey, 'holder');
  const h3Key = (await createKey(srv.base, w.issuerKey, h3.id)).key;
  assert.equal((await post(`/v1/accounts/${h3.id}/recharges`, w.issuerKey, { amount_minor: 10_000, currency: 'CNY', reference: `r-${h3.id}` })).status, 201);
  assertProblem(await post(`/v1/editions/${e.ddc_id}/transfer`, h3Key, { from: w.holder.id, to: h3.id, amount: 5 }), 403, 'forbidden', 'from');
  assert.equal((await post(`/v1/accounts/${w.holder.id}/operators`, w.holderKey, { operator_id: h3.id, approved: true })).status, 200);
  const t = await post(`/v1/editions/${e.ddc_id}/transfer`, h3Key, { from: w.holder.id, to: h3.id, amount: 5 });
  assert.equal(t.status, 200, t.text);
  assert.equal((await post(`/v1/certificates/${e.ddc_id}/freeze`, w.issuerKey, {})).status, 200);
  assertProblem(await post(`/v1/editions/${e.ddc_id}/transfer`, w.holderKey, { to: h3.id, amount: 1 }), 409, 'certificate_frozen');
  assertProblem(await post(`/v1/editions/${e.ddc_id}/burn`, w.holderKey, { amount: 1 }), 409, 'certificate_frozen');
  const ob = await post(`/v1/editions/${e.ddc_id}/burn`, w.op, { from: w.holder.id, amount: 1 });
  assert.equal(ob.status, 200, `the operator burns from a frozen class: ${ob.text}`);
  assert.equal((await post(`/v1/certificates/${e.ddc_id}/unfreeze`, w.issuerKey, {})).status, 200);
  assert.equal((await post(`/v1/certificates/${e.ddc_id}/revoke`, w.issuerKey, { reason: 'licence withdrawn' })).status, 200);
  assertProblem(await post(`/v1/editions/${e.ddc_id}/transfer`, w.holderKey, { to: h3.id, amount: 1 }), 409, 'certificate_final');
  assert.deepEqual(await balances(e.ddc_id), { [w.holder.id]: 494, [h3.id]: 5 });
});

test('every new route for every role: operator, issuer, another issuer, holder, anonymous', async () => {
  const e = await mint(w.issuerKey, { owner_id: w.holder.id, mintable: true });
  const roles = { operator: w.op, issuer: w.issuerKey, issuer2: w.issuer2Key, holder: w.holderKey, anonymous: undefined };
  const cases = [
    ['POST /v1/editions', (k) => post('/v1/editions', k, { kind: 'generic', metadata: META, supply: 2 }),
      { operator: 403, issuer: 201, issuer2: 201, holder: 403, anonymous: 401 }],
    ['GET balances', (k) => get(`/v1/editions/${e.ddc_id}/balances`, k),
      { operator: 200, issuer: 200, issuer2: 403, holder: 200, anonymous: 401 }],
    ['GET account editions', (k) => get(`/v1/accounts/${w.holder.id}/editions`, k),
      { operator: 200, issuer: 200, issuer2: 403, holder: 200, anonymous: 401 }],
    ['POST transfer', (k) => post(`/v1/editions/${e.ddc_id}/transfer`, k, { from: w.holder.id, to: w.issuer.id, amount: 1 }),
      { operator: 403, issuer: 200, issuer2: 403, holder: 200, anonymous: 401 }],
    ['POST burn', (k) => post(`/v1/editions/${e.ddc_id}/burn`, k, { from: w.holder.id, amount: 1 }),
      { operator: 200, issuer: 200, issuer2: 403, holder: 200, anonymous: 401 }],
    ['POST mint-more', (k) => post(`/v1/editions/${e.ddc_id}/mint-more`, k, { to: w.holder.id, amount: 3 }),
      { operator: 403, issuer: 200, issuer2: 403, holder: 403, anonymous: 401 }],
  ];
  for (const [name, run, want] of cases)
    for (const [role, key] of Object.entries(roles)) {
      const r = await run(key);
      assert.equal(r.status, want[role], `${name} as ${role}: ${r.text}`);
      if (r.status >= 400) assertProblem(r, want[role]);
    }
  // a holder sees only the balances of accounts it may see; another issuer's holder sees nothing
  const seen = (await get(`/v1/editions/${e.ddc_id}/balances`, w.holderKey)).json.items.map((i) => i.holder_id);
  assert.deepEqual(seen, [w.holder.id]);
  assertProblem(await get(`/v1/editions/${e.ddc_id}/balances`, w.holder2Key), 403, 'forbidden');
  assertProblem(await get(`/v1/accounts/${w.holder.id}/editions`, w.holder2Key), 403, 'forbidden');
  // the class's balances: 500 + 3 minted, 3 burned
  const all = await balances(e.ddc_id);
  assert.equal(Object.values(all).reduce((a, b) => a + b, 0), 500);
});

test('an Idempotency-Key replay of an edition transfer moves and charges once', async () => {
  const e = await mint();
  const money = await cny(w.issuer.id, w.issuerKey);
  const headers = { 'idempotency-key': `ed-transfer-${process.pid}` };
  const a = await post(`/v1/editions/${e.ddc_id}/transfer`, w.issuerKey, { to: w.holder.id, amount: 7 }, headers);
  const b = await post(`/v1/editions/${e.ddc_id}/transfer`, w.issuerKey, { to: w.holder.id, amount: 7 }, headers);
  assert.equal(a.status, 200, a.text);
  assert.equal(b.status, 200, b.text);
  assert.equal(b.text, a.text, 'the same answer');
  assertProblem(await post(`/v1/editions/${e.ddc_id}/transfer`, w.issuerKey, { to: w.holder.id, amount: 8 }, headers), 422, 'idempotency_key_reused');
  assert.deepEqual(await balances(e.ddc_id), { [w.issuer.id]: 493, [w.holder.id]: 7 });
  assert.equal(await cny(w.issuer.id, w.issuerKey), money - 50);
  const m1 = await post('/v1/editions', w.issuerKey, { kind: 'generic', metadata: META, supply: 9 }, { 'idempotency-key': `ed-mint-${process.pid}` });
  const m2 = await post('/v1/editions', w.issuerKey, { kind: 'generic', metadata: META, supply: 9 }, { 'idempotency-key': `ed-mint-${process.pid}` });
  assert.equal(m1.status, 201);
  assert.equal(m2.text, m1.text);
  assert.equal(await cny(w.issuer.id, w.issuerKey), money - 50 - 100);
});

test('signed holder actions: edition transfer and burn, approve, approval for all and burn of a certificate, with the submitter paying', async () => {
  const h = await createAccount(srv.base, w.issuerKey, 'holder');
  const hKey = (await createKey(srv.base, w.issuerKey, h.id)).key;
  const h2 = await createAccount(srv.base, w.issuerKey, 'holder');
  const e = await mint(w.issuerKey, { owner_id: h.id });
  const certs = [];
  for (let i = 0; i < 3; i++) certs.push((await post('/v1/certificates', w.issuerKey, { kind: 'generic', metadata: META, owner_id: h.id })).json.ddc_id);
  const { pub, privateKey } = keyPair();
  assert.equal((await put(`/v1/accounts/${h.id}/holder-key`, hKey, { public_key: pub })).status, 200);
  const xfer = { ddc_id: e.ddc_id, from: h.id, to: h2.id, amount: 10 };
  // without a signature the issuer may no longer move the holder's units; nor the holder itself
  assertProblem(await post(`/v1/editions/${e.ddc_id}/transfer`, w.issuerKey, { from: h.id, to: h2.id, amount: 10 }), 403, 'holder_signature_required', 'holder_signature');
  assertProblem(await post(`/v1/editions/${e.ddc_id}/transfer`, hKey, { to: h2.id, amount: 10 }), 403, 'holder_signature_required', 'holder_signature');
  const money = await cny(w.issuer.id, w.issuerKey);
  const good = sign(privateKey, 'edition_transfer', xfer);
  const t = await post(`/v1/editions/${e.ddc_id}/transfer`, w.issuerKey, { from: h.id, to: h2.id, amount: 10, holder_signature: good });
  assert.equal(t.status, 200, t.text);
  assert.equal(await cny(w.issuer.id, w.issuerKey), money - 50, 'the submitter pays');
  assertProblem(await post(`/v1/editions/${e.ddc_id}/transfer`, w.issuerKey, { from: h.id, to: h2.id, amount: 10, holder_signature: good }), 409, 'nonce_reused', 'holder_signature.nonce');
  const late = sign(privateKey, 'edition_transfer', xfer, { deadline: new Date(Date.now() - 1000).toISOString() });
  assertProblem(await post(`/v1/editions/${e.ddc_id}/transfer`, w.issuerKey, { from: h.id, to: h2.id, amount: 10, holder_signature: late }), 403, 'holder_signature_expired', 'holder_signature.deadline');
  // a signature for another amount, recipient, object or action does not verify
  const other = sign(privateKey, 'edition_transfer', { ...xfer, amount: 11 });
  assertProblem(await post(`/v1/editions/${e.ddc_id}/transfer`, w.issuerKey, { from: h.id, to: h2.id, amount: 10, holder_signature: other }), 403, 'holder_signature_invalid', 'holder_signature.signature');
  const asBurn = sign(privateKey, 'edition_transfer', { ddc_id: e.ddc_id, from: h.id, amount: 10 });
  assertProblem(await post(`/v1/editions/${e.ddc_id}/burn`, w.issuerKey, { from: h.id, amount: 10, holder_signature: asBurn }), 403, 'holder_signature_invalid', 'holder_signature.signature');
  assertProblem(await post(`/v1/editions/${e.ddc_id}/burn`, w.issuerKey, { from: h.id, amount: 10, holder_signature: { ...asBurn, action: 'edition_transfer' } }), 403, 'holder_signature_invalid', 'holder_signature.action');
  const forCert = sign(privateKey, 'burn', { ddc_id: certs[0] });
  assertProblem(await post(`/v1/certificates/${certs[1]}/burn`, w.issuerKey, { holder_signature: forCert }), 403, 'holder_signature_invalid', 'holder_signature.signature');
  const burnSig = sign(privateKey, 'edition_burn', { ddc_id: e.ddc_id, from: h.id, amount: 4 });
  const eb = await post(`/v1/editions/${e.ddc_id}/burn`, w.issuerKey, { from: h.id, amount: 4, holder_signature: burnSig });
  assert.equal(eb.status, 200, eb.text);
  assert.deepEqual(await balances(e.ddc_id), { [h.id]: 486, [h2.id]: 10 });
  // approve, approval for all and burn of single certificates by the issuer keeping the account
  assertProblem(await post(`/v1/certificates/${certs[0]}/approve`, w.issuerKey, { operator_id: h2.id }), 403, 'forbidden');
  const ap = await post(`/v1/certificates/${certs[0]}/approve`, w.issuerKey, { operator_id: h2.id, holder_signature: sign(privateKey, 'approve', { ddc_id: certs[0], operator_id: h2.id }) });
  assert.equal(ap.status, 200, ap.text);
  assert.equal(ap.json.approved_id, h2.id);
  assertProblem(await post(`/v1/accounts/${h.id}/operators`, w.issuerKey, { operator_id: h2.id, approved: true }), 403, 'forbidden');
  const wrongOwner = sign(privateKey, 'approval_for_all', { owner_id: h2.id, operator_id: h2.id, approved: true });
  assertProblem(await post(`/v1/accounts/${h.id}/operators`, w.issuerKey, { operator_id: h2.id, approved: true, holder_signature: wrongOwner }), 403, 'holder_signature_invalid');
  const afa = await post(`/v1/accounts/${h.id}/operators`, w.issuerKey, { operator_id: h2.id, approved: true, holder_signature: sign(privateKey, 'approval_for_all', { owner_id: h.id, operator_id: h2.id, approved: true }) });
  assert.equal(afa.status, 200, afa.text);
  assert.equal(afa.json.approved, true);
  assertProblem(await post(`/v1/certificates/${certs[2]}/burn`, w.issuerKey, {}), 403, 'forbidden');
  const money2 = await cny(w.issuer.id, w.issuerKey);
  const bu = await post(`/v1/certificates/${certs[2]}/burn`, w.issuerKey, { holder_signature: sign(privateKey, 'burn', { ddc_id: certs[2] }) });
  assert.equal(bu.status, 200, bu.text);
  assert.equal(bu.json.status, 'burned');
  assert.equal(await cny(w.issuer.id, w.issuerKey), money2 - 10, 'the submitter pays the burn');
  // a signature on behalf of a holder without a key is moot
  const noKey = keyPair();
  assertProblem(await post(`/v1/editions/${e.ddc_id}/transfer`, w.issuerKey, { from: h2.id, to: h.id, amount: 1, holder_signature: sign(noKey.privateKey, 'edition_transfer', { ddc_id: e.ddc_id, from: h2.id, to: h.id, amount: 1 }) }), 409, 'holder_key_not_set', 'holder_signature');
  // another issuer learns nothing about the holder's key
  assertProblem(await post(`/v1/editions/${e.ddc_id}/transfer`, w.issuer2Key, { from: h.id, to: h2.id, amount: 1, holder_signature: sign(privateKey, 'edition_transfer', { ...xfer, amount: 1 }) }), 403, 'forbidden', 'from');
});

test('conservation: 32 concurrent transfers between 8 holders keep the sum, no balance below zero, every transfer an event', async () => {
  const holders = [];
  for (let i = 0; i < 8; i++) holders.push((await createAccount(srv.base, w.issuerKey, 'holder')).id);
  const e = await mint(w.issuerKey, { supply: 800 });
  for (const h of holders) assert.equal((await post(`/v1/editions/${e.ddc_id}/transfer`, w.issuerKey, { to: h, amount: 100 })).status, 200);
  const eventsBefore = (await get(`/v1/certificates/${e.ddc_id}/events`, w.issuerKey)).json.items.length;
  // each holder sends four transfers of 10 to 49 units (more than its 100 in all, so that some
  // are refused, depending on the order they run in) and receives four
  const moves = [];
  for (let i = 0; i < 32; i++) moves.push({ from: holders[i % 8], to: holders[(3 * i + 1) % 8], amount: 10 + ((i * 7) % 40) });
  const res = await Promise.all(moves.map((m) => post(`/v1/editions/${e.ddc_id}/transfer`, w.issuerKey, m)));
  let ok = 0;
  for (const r of res) {
    if (r.status === 200) ok++;
    else assertProblem(r, 409, 'insufficient_units', 'amount');
  }
  const b = await balances(e.ddc_id);
  assert.equal(Object.values(b).reduce((x, y) => x + y, 0), 800, 'the sum is constant');
  for (const v of Object.values(b)) assert.ok(Number.isSafeInteger(v) && v >= 0, 'no negative balance');
  const events = (await get(`/v1/certificates/${e.ddc_id}/events`, w.issuerKey)).json.items;
  assert.equal(events.length - eventsBefore, ok, 'one event per transfer that went through');
  // replaying the answered transfers in event order gives the same balances
  const replay = Object.fromEntries(holders.map((h) => [h, 100]));
  for (const ev of events.slice(eventsBefore)) { replay[ev.data.from] -= ev.data.amount; replay[ev.data.to] += ev.data.amount; }
  for (const h of holders) assert.equal(b[h] ?? 0, replay[h]);
  assert.ok(ok >= 8, `transfers went through (${ok} of 32)`);
});

test('an outside check reproduces every holder balance from the logged events alone', async () => {
  const e = await mint(w.issuerKey, { supply: 1000, mintable: true });
  const hs = [];
  for (let i = 0; i < 4; i++) hs.push((await createAccount(srv.base, w.issuerKey, 'holder')).id);
  const ops = [
    [`transfer`, { to: hs[0], amount: 400 }], [`transfer`, { to: hs[1], amount: 250 }],
    [`transfer`, { from: hs[0], to: hs[2], amount: 75 }], [`burn`, { from: hs[1], amount: 50 }],
    [`mint-more`, { to: hs[3], amount: 33 }], [`transfer`, { from: hs[3], to: hs[0], amount: 3 }],
  ];
  for (const [op, body] of ops) assert.equal((await post(`/v1/editions/${e.ddc_id}/${op}`, w.issuerKey, body)).status, 200);
  const key = await logKey(srv.base);
  // wait until every event is in a signed checkpoint
  const events = await until('every event in the log', async () => {
    const items = (await get(`/v1/certificates/${e.ddc_id}/events`, w.issuerKey)).json.items;
    const cp = await checkpoint(srv.base, key);
    return items.every((x) => x.leaf_index !== null && x.leaf_index < cp.size) && items;
  });
  const cp = await checkpoint(srv.base, key);
  // the check: only the canonical texts, their hashes and chain, and inclusion under the checkpoint
  const bal = {};
  let prev = null;
  for (const ev of events) {
    const canon = ev.canonical;
    assert.equal(sha256(canon), ev.event_hash);
    const c = JSON.parse(canon);
    assert.equal(jcs(c), canon, 'the signed text is JCS');
    assert.equal(c.ddcId, e.ddc_id);
    assert.equal(c.prev, prev, 'chained');
    prev = ev.event_hash;
    const p = await get(`/v1/log/proof/inclusion?index=${ev.leaf_index}&size=${cp.size}`);
    assert.equal(p.status, 200, p.text);
    assert.ok(verifyInclusion(leafHash(canon), ev.leaf_index, cp.size, p.json.proof.map((x) => Buffer.from(x, 'base64')), cp.root), 'in the log');
    const d = c.data, add = (a, n) => { bal[a] = (bal[a] ?? 0) + n; };
    if (c.type === 'mint') add(d.owner, d.supply);
    else if (c.type === 'mint_more') add(d.to, d.amount);
    else if (c.type === 'edition_transfer') { add(d.from, -d.amount); add(d.to, d.amount); }
    else if (c.type === 'edition_burn') add(d.from, -d.amount);
  }
  const served = await balances(e.ddc_id);
  const recomputed = Object.fromEntries(Object.entries(bal).filter(([, v]) => v !== 0).map(([k, v]) => [k, v]));
  assert.deepEqual(recomputed, Object.fromEntries(Object.entries(served).map(([k, v]) => [k, v])));
  assert.deepEqual(recomputed, { [w.issuer.id]: 350, [hs[0]]: 328, [hs[1]]: 200, [hs[2]]: 75, [hs[3]]: 30 });
  // the public verdict shows the class and, given a holder, its balance as of the logged events
  const v = await until('a valid verdict', async () => {
    const r = await get(`/v1/verify/${e.code}?holder=${hs[0]}`);
    return r.status === 200 && r.json.result === 'valid' && r.json.edition?.as_of_leaf === events.at(-1).leaf_index && r.json;
  });
  assert.equal(v.edition.standard, 'ddc-1155');
  assert.equal(v.edition.supply, 1033);
  assert.equal(v.edition.burned, 50);
  assert.deepEqual(Object.fromEntries(v.edition.balances.map((x) => [x.account_id, x.amount])), recomputed);
  assert.deepEqual(v.holder, { account_id: hs[0], amount: 328 });
  assert.deepEqual((await get(`/v1/verify/${e.code}?holder=999999999`)).json.holder, { account_id: 999999999, amount: 0 });
  assertProblem(await get(`/v1/verify/${e.code}?holder=abc`), 400, 'invalid_parameter', 'holder');
  // the bundle sent back verifies the same way
  const bundle = (await get(`/v1/verify/${e.code}/bundle`)).json;
  const sent = await post('/v1/verify', undefined, bundle);
  assert.equal(sent.status, 200, sent.text);
  assert.deepEqual(sent.json.edition.balances, v.edition.balances);
});
