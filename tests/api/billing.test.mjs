// billing.test.mjs: fiat money. Prices (defaults and per-issuer overrides), recharges, balance,
// journal and CSV statement for every role, and the debit of paid operations: a mint is charged in
// the same transaction, so N concurrent mints against money for M < N succeed exactly M times.
// Prices are shared by every suite running against the database: this suite only changes the
// overrides of issuers it created, never a default price.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import { startDdcd, request, assertProblem, world, createAccount, createKey, uniq } from './lib.mjs';

let srv, w;
before(async () => { srv = await startDdcd(); w = await world(srv.base); });
after(async () => { await srv.stop(); });

const OPS = ['mint', 'transfer', 'approve', 'freeze', 'unfreeze', 'revoke', 'burn', 'batch_row', 'edition_mint', 'edition_transfer', 'edition_burn', 'edition_mint_more', 'export'];
const DEFAULTS = { mint: 100, transfer: 50, approve: 10, freeze: 10, unfreeze: 10, revoke: 10, burn: 10, batch_row: 80, edition_mint: 100, edition_transfer: 50, edition_burn: 10, edition_mint_more: 100, export: 50 };
const TS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;
const MAX = 2 ** 53;

const idemHeaders = (idem) => (idem ? { 'idempotency-key': idem } : {});
const get = (path, key) => request(srv.base, 'GET', path, { key });
const post = (path, key, json, idem) => request(srv.base, 'POST', path, { key, json, headers: idemHeaders(idem) });
const put = (path, key, json) => request(srv.base, 'PUT', path, { key, json });
const del = (path, key) => request(srv.base, 'DELETE', path, { key });
const money = (amount_minor, currency = 'CNY') => ({ amount_minor, currency });
let refSeq = 0;
const ref = (s = 'pay') => `${s}-${process.pid}-${Date.now()}-${++refSeq}`;

// A fresh issuer with a key, and a holder of it with a key.
async function freshIssuer() {
  const issuer = await createAccount(srv.base, w.op, 'issuer');
  const key = (await createKey(srv.base, w.op, issuer.id)).key;
  const holder = await createAccount(srv.base, key, 'holder');
  const holderKey = (await createKey(srv.base, key, holder.id)).key;
  return { issuer, key, holder, holderKey };
}

async function recharge(id, amount, { key = w.op, currency = 'CNY', reference = ref() } = {}) {
  const r = await post(`/v1/accounts/${id}/recharges`, key, { amount_minor: amount, currency, reference });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

// The balance of an account in one currency (0 when it has none), read as the operator.
async function balanceOf(id, currency = 'CNY') {
  const r = await get(`/v1/accounts/${id}/balance`, w.op);
  assert.equal(r.status, 200, r.text);
  const b = r.json.balances.find((x) => x.currency === currency);
  return b ? b.amount_minor : 0;
}

// Every journal line of an account, page by page.
async function journalAll(id, { key = w.op, limit = 500, currency } = {}) {
  const items = [];
  let cursor = null;
  for (let pages = 0; pages < 1000; pages++) {
    const q = new URLSearchParams({ limit: String(limit) });
    if (cursor) q.set('cursor', cursor);
    if (currency) q.set('currency', currency);
    const r = await get(`/v1/accounts/${id}/journal?${q}`, key);
    assert.equal(r.status, 200, r.text);
    assert.ok(r.json.items.length <= limit, 'a page holds at most limit lines');
    items.push(...r.json.items);
    if (r.json.next_cursor === null) return items;
    assert.equal(typeof r.json.next_cursor, 'string');
    assert.equal(r.json.items.length, limit, 'only a full page has a next cursor');
    cursor = r.json.next_cursor;
  }
  throw new Error('journal pagination does not end');
}

// Each line's balance_after is the previous one plus its delta, per currency, from 0; ids rise.
function assertRunningSum(lines) {
  const bal = {};
  let lastId = -Infinity;
  for (const l of lines) {
    assert.ok(Number(l.id) > lastId, `ids rise: ${l.id} after ${lastId}`);
    lastId = Number(l.id);
    assert.notEqual(l.delta, 0);
    bal[l.currency] = (bal[l.currency] ?? 0) + l.delta;
    assert.equal(l.balance_after, bal[l.currency], `balance_after of line ${l.id}`);
    assert.ok(l.balance_after >= 0);
  }
  return bal;
}

// Every certificate listed for an issuer (as the operator).
async function certsOf(issuerId) {
  const items = [];
  let cursor = null;
  for (let pages = 0; pages < 100; pages++) {
    const q = new URLSearchParams({ issuer_id: String(issuerId), limit: '200' });
    if (cursor) q.set('cursor', cursor);
    const r = await get(`/v1/certificates?${q}`, w.op);
    assert.equal(r.status, 200, r.text);
    items.push(...r.json.items);
    if (r.json.next_cursor === null || r.json.next_cursor === undefined) return items;
    cursor = r.json.next_cursor;
  }
  throw new Error('certificate pagination does not end');
}

const mintBody = (title = uniq('title')) => ({ kind: 'generic', metadata: { title } });
const mint = (key, body = mintBody(), idem) => post('/v1/certificates', key, body, idem);


// Splits a CSV statement into rows of fields (the fields this suite writes hold no quotes).
function csvRows(text) {
  assert.ok(text.endsWith('\r\n'), 'the last row ends with CRLF');
  const lines = text.slice(0, -2).split('\r\n');
  for (const l of lines) assert.ok(!l.includes('\n') && !l.includes('\r'), `bare line break in ${JSON.stringify(l)}`);
  return lines.map((l) => l.split(','));
}
const HEADER = 'kind,time,entry_id,currency,reason,reference,ddc_id,counterparty_id,delta_minor,balance_minor,delta,balance';
const COL = Object.fromEntries(HEADER.split(',').map((k, i) => [k, i]));

// ---------------------------------------------------------------------------------------------
// Prices

function assertPriceList(res, issuerId, expect) {
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(Object.keys(res.json).sort(), ['issuer_id', 'items']);
  assert.equal(res.json.issuer_id, issuerId);
  assert.deepEqual(res.json.items.map((p) => p.operation), OPS, 'every operation once, in order');
  for (const p of res.json.items) {
    assert.deepEqual(Object.keys(p).sort(), ['amount_minor', 'currency', 'issuer_id', 'operation', 'source', 'updated_at']);
    assert.match(p.updated_at, TS);
    const e = expect[p.operation] ?? { amount_minor: DEFAULTS[p.operation], currency: 'CNY', source: 'default' };
    assert.equal(p.source, e.source, `${p.operation} source`);
    assert.equal(p.amount_minor, e.amount_minor, `${p.operation} amount`);
    assert.equal(p.currency, e.currency, `${p.operation} currency`);
    assert.equal(p.issuer_id, e.source === 'issuer' ? issuerId : null, `${p.operation} issuer_id`);
  }
}

test('GET /v1/prices: operator sees defaults or any issuer; issuers their own; holders their issuer\'s', async () => {
  assertPriceList(await get('/v1/prices', w.op), null, {});
  assertPriceList(await get(`/v1/prices?issuer_id=${w.issuer.id}`, w.op), w.issuer.id, {});
  assertPriceList(await get('/v1/prices', w.issuerKey), w.issuer.id, {});
  assertPriceList(await get(`/v1/prices?issuer_id=${w.issuer.id}`, w.issuerKey), w.issuer.id, {});
  assertPriceList(await get('/v1/prices', w.holderKey), w.issuer.id, {});
  assertPriceList(await get(`/v1/prices?issuer_id=${w.issuer.id}`, w.holderKey), w.issuer.id, {});
  assertPriceList(await get('/v1/prices', w.holder2Key), w.issuer2.id, {});
  assertProblem(await get(`/v1/prices?issuer_id=${w.issuer2.id}`, w.issuerKey), 403, 'forbidden', 'issuer_id');
  assertProblem(await get(`/v1/prices?issuer_id=${w.issuer2.id}`, w.holderKey), 403, 'forbidden', 'issuer_id');
  assertProblem(await get('/v1/prices?issuer_id=abc', w.op), 400, 'invalid_parameter', 'issuer_id');
  assertProblem(await get('/v1/prices', undefined), 401, 'unauthorized');
});

test('PUT /v1/prices/{operation}: an issuer override applies to that issuer only; DELETE restores the default', async () => {
  const a = await freshIssuer();
  const b = await freshIssuer();
  const r = await put('/v1/prices/transfer', w.op, { amount_minor: 7, currency: 'CNY', issuer_id: a.issuer.id });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(Object.keys(r.json).sort(), ['amount_minor', 'currency', 'issuer_id', 'operation', 'updated_at']);
  assert.equal(r.json.operation, 'transfer');
  assert.equal(r.json.issuer_id, a.issuer.id);
  assert.equal(r.json.amount_minor, 7);
  assert.equal(r.json.currency, 'CNY');
  assert.match(r.json.updated_at, TS);

  const override = { transfer: { amount_minor: 7, currency: 'CNY', source: 'issuer' } };
  assertPriceList(await get('/v1/prices', a.key), a.issuer.id, override);
  assertPriceList(await get('/v1/prices', a.holderKey), a.issuer.id, override);
  assertPriceList(await get(`/v1/prices?issuer_id=${a.issuer.id}`, w.op), a.issuer.id, override);
  assertPriceList(await get('/v1/prices', b.key), b.issuer.id, {});
  assertPriceList(await get(`/v1/prices?issuer_id=${b.issuer.id}`, w.op), b.issuer.id, {});
  assertPriceList(await get('/v1/prices', w.op), null, {});

  // a second PUT replaces the override (also its currency)
  const r2 = await put('/v1/prices/transfer', w.op, { amount_minor: 3, currency: 'USD', issuer_id: a.issuer.id });
  assert.equal(r2.status, 200, r2.text);
  assertPriceList(await get('/v1/prices', a.key), a.issuer.id, { transfer: { amount_minor: 3, currency: 'USD', source: 'issuer' } });

  // the largest amount is 2^53, and 0 is allowed
  const big = await put('/v1/prices/burn', w.op, { amount_minor: MAX, currency: 'CNY', issuer_id: a.issuer.id });
  assert.equal(big.status, 200, big.text);
  assert.equal(big.json.amount_minor, MAX);
  const zero = await put('/v1/prices/revoke', w.op, { amount_minor: 0, currency: 'CNY', issuer_id: a.issuer.id });
  assert.equal(zero.status, 200, zero.text);
  assert.equal(zero.json.amount_minor, 0);

  for (const op of ['transfer', 'burn', 'revoke']) {
    const d = await del(`/v1/prices/${op}?issuer_id=${a.issuer.id}`, w.op);
    assert.equal(d.status, 200, d.text);
    assert.equal(d.json.operation, op);
    assert.equal(d.json.issuer_id, null, 'the effective price is the default again');
    assert.equal(d.json.amount_minor, DEFAULTS[op]);
    assert.equal(d.json.currency, 'CNY');
  }
  assertPriceList(await get('/v1/prices', a.key), a.issuer.id, {});
  assertProblem(await del(`/v1/prices/transfer?issuer_id=${a.issuer.id}`, w.op), 404, 'not_found');
  assertProblem(await del(`/v1/prices/mint?issuer_id=${b.issuer.id}`, w.op), 404, 'not_found');
  assertProblem(await del('/v1/prices/mint', w.op), 400, 'invalid_parameter', 'issuer_id');
  assertProblem(await del(`/v1/prices/teleport?issuer_id=${a.issuer.id}`, w.op), 400, 'invalid_parameter', 'operation');
});

test('PUT /v1/prices by the operator sets a default price (set here to its current value)', async () => {
  // Rewriting the default with the value it already has keeps other suites' prices unchanged.
  const r = await put('/v1/prices/batch_row', w.op, { amount_minor: DEFAULTS.batch_row, currency: 'CNY' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.operation, 'batch_row');
  assert.equal(r.json.issuer_id, null);
  assert.equal(r.json.amount_minor, DEFAULTS.batch_row);
  assert.equal(r.json.currency, 'CNY');
  assertPriceList(await get('/v1/prices', w.op), null, {});
});

test('PUT /v1/prices: only operators; operation, currency, amount and issuer are validated', async () => {
  const a = await freshIssuer();
  const body = (extra) => ({ amount_minor: 5, currency: 'CNY', issuer_id: a.issuer.id, ...extra });
  assertProblem(await put('/v1/prices/mint', a.key, body()), 403, 'forbidden');
  assertProblem(await put('/v1/prices/mint', a.holderKey, body()), 403, 'forbidden');
  assertProblem(await put('/v1/prices/mint', undefined, body()), 401, 'unauthorized');
  assertProblem(await del(`/v1/prices/mint?issuer_id=${a.issuer.id}`, a.key), 403, 'forbidden');
  assertProblem(await put('/v1/prices/teleport', w.op, body()), 400, 'invalid_parameter', 'operation');
  assertProblem(await put('/v1/prices/MINT', w.op, body()), 400, 'invalid_parameter', 'operation');
  assertProblem(await put('/v1/prices/mint', w.op, body({ currency: 'XYZ' })), 400, 'invalid_field', 'currency');
  assertProblem(await put('/v1/prices/mint', w.op, body({ currency: 'cny' })), 400, 'invalid_field', 'currency');
  assertProblem(await put('/v1/prices/mint', w.op, body({ currency: 'CNYX' })), 400, 'invalid_field', 'currency');
  assertProblem(await put('/v1/prices/mint', w.op, body({ amount_minor: -1 })), 400, 'invalid_field', 'amount_minor');
  assertProblem(await put('/v1/prices/mint', w.op, body({ amount_minor: 1.5 })), 400, 'invalid_field', 'amount_minor');
  assertProblem(await put('/v1/prices/mint', w.op, body({ amount_minor: '5' })), 400, 'invalid_field', 'amount_minor');
  assertProblem(await put('/v1/prices/mint', w.op, body({ amount_minor: null })), 400);
  const over = `{"amount_minor":9007199254740993,"currency":"CNY","issuer_id":${a.issuer.id}}`;
  assertProblem(await request(srv.base, 'PUT', '/v1/prices/mint', { key: w.op, body: over, headers: { 'content-type': 'application/json' } }),
    400, 'invalid_field', 'amount_minor');
  const huge = `{"amount_minor":1e300,"currency":"CNY","issuer_id":${a.issuer.id}}`;
  assertProblem(await request(srv.base, 'PUT', '/v1/prices/mint', { key: w.op, body: huge, headers: { 'content-type': 'application/json' } }),
    400, 'invalid_field', 'amount_minor');
  assertProblem(await put('/v1/prices/mint', w.op, { currency: 'CNY', issuer_id: a.issuer.id }), 400, 'missing_field', 'amount_minor');
  assertProblem(await put('/v1/prices/mint', w.op, { amount_minor: 5, issuer_id: a.issuer.id }), 400, 'missing_field', 'currency');
  assertProblem(await put('/v1/prices/mint', w.op, body({ colour: 'red' })), 400, 'unknown_field', 'colour');
  assertProblem(await put('/v1/prices/mint', w.op, body({ issuer_id: a.holder.id })), 409, 'issuer_not_found', 'issuer_id');
  // nothing of the above changed a price
  assertPriceList(await get('/v1/prices', a.key), a.issuer.id, {});
  assertPriceList(await get('/v1/prices', w.op), null, {});
});

// ---------------------------------------------------------------------------------------------
// Recharges

test('operator recharges an issuer; the same reference replays, a different request conflicts', async () => {
  const a = await freshIssuer();
  const reference = ref('wire');
  const r = await post(`/v1/accounts/${a.issuer.id}/recharges`, w.op, { amount_minor: 12345, currency: 'CNY', reference });
  assert.equal(r.status, 201, r.text);
  assert.deepEqual(Object.keys(r.json).sort(),
    ['account_id', 'amount_minor', 'balance_after', 'created_at', 'currency', 'id', 'payer_id', 'reference', 'replayed']);
  assert.equal(r.json.account_id, a.issuer.id);
  assert.equal(r.json.amount_minor, 12345);
  assert.equal(r.json.currency, 'CNY');
  assert.equal(r.json.reference, reference);
  assert.equal(r.json.balance_after, 12345);
  assert.equal(r.json.replayed, false);
  assert.match(r.json.created_at, TS);
  assert.equal(typeof r.json.payer_id, 'number');

  const again = await post(`/v1/accounts/${a.issuer.id}/recharges`, w.op, { amount_minor: 12345, currency: 'CNY', reference });
  assert.equal(again.status, 200, again.text);
  assert.equal(again.json.replayed, true);
  for (const k of ['id', 'payer_id', 'account_id', 'amount_minor', 'currency', 'reference', 'balance_after', 'created_at'])
    assert.deepEqual(again.json[k], r.json[k], k);
  assert.equal(await balanceOf(a.issuer.id), 12345, 'a replay moves no money');

  const second = await recharge(a.issuer.id, 55);
  assert.equal(second.balance_after, 12400);
  assert.notEqual(second.id, r.json.id);

  const conflict = { recharge_id: r.json.id };
  assertProblem(await post(`/v1/accounts/${a.issuer.id}/recharges`, w.op, { amount_minor: 1, currency: 'CNY', reference }),
    409, 'recharge_reference_conflict', 'reference', conflict);
  assertProblem(await post(`/v1/accounts/${a.issuer.id}/recharges`, w.op, { amount_minor: 12345, currency: 'USD', reference }),
    409, 'recharge_reference_conflict', 'reference', conflict);
  const other = await freshIssuer();
  assertProblem(await post(`/v1/accounts/${other.issuer.id}/recharges`, w.op, { amount_minor: 12345, currency: 'CNY', reference }),
    409, 'recharge_reference_conflict', 'reference', conflict);
  assert.equal(await balanceOf(a.issuer.id), 12400);
  assert.equal(await balanceOf(a.issuer.id, 'USD'), 0);
  assert.equal(await balanceOf(other.issuer.id), 0);

  const lines = await journalAll(a.issuer.id);
  assert.equal(lines.length, 2, 'one line per recharge, none for replays or conflicts');
  assert.deepEqual(lines.map((l) => [l.reason, l.delta, l.balance_after, l.reference]),
    [['recharge', 12345, 12345, reference], ['recharge', 55, 12400, second.reference]]);
  assert.equal(lines[0].counterparty_id, r.json.payer_id);
  assert.equal(lines[0].ddc_id, null);
});

test('recharge targets and callers: operators recharge issuers, issuers their own holders', async () => {
  const a = await freshIssuer();
  const b = await freshIssuer();
  const body = (extra) => ({ amount_minor: 10, currency: 'CNY', reference: ref(), ...extra });
  assertProblem(await post(`/v1/accounts/${a.holder.id}/recharges`, w.op, body()), 409, 'wrong_account_role');
  const anotherOp = await createAccount(srv.base, w.op, 'operator');
  assertProblem(await post(`/v1/accounts/${anotherOp.id}/recharges`, w.op, body()), 409, 'wrong_account_role');
  await recharge(a.issuer.id, 1000);
  assertProblem(await post(`/v1/accounts/${b.holder.id}/recharges`, a.key, body()), 403, 'forbidden');
  assertProblem(await post(`/v1/accounts/${b.issuer.id}/recharges`, a.key, body()), 403, 'forbidden');
  assertProblem(await post(`/v1/accounts/${a.issuer.id}/recharges`, a.key, body()), 403, 'forbidden');
  assertProblem(await post(`/v1/accounts/${a.holder.id}/recharges`, a.holderKey, body()), 403, 'forbidden');
  assertProblem(await post(`/v1/accounts/${a.issuer.id}/recharges`, a.holderKey, body()), 403, 'forbidden');
  assertProblem(await post(`/v1/accounts/${a.holder.id}/recharges`, undefined, body()), 401, 'unauthorized');
  assertProblem(await post('/v1/accounts/999999999/recharges', w.op, body()), 404, 'not_found');
  assertProblem(await post(`/v1/accounts/${a.issuer.id}/recharges`, w.op, body({ amount_minor: 0 })), 400, 'invalid_field', 'amount_minor');
  assertProblem(await post(`/v1/accounts/${a.issuer.id}/recharges`, w.op, body({ amount_minor: -5 })), 400, 'invalid_field', 'amount_minor');
  assertProblem(await post(`/v1/accounts/${a.issuer.id}/recharges`, w.op, body({ amount_minor: 1.5 })), 400, 'invalid_field', 'amount_minor');
  assertProblem(await post(`/v1/accounts/${a.issuer.id}/recharges`, w.op, body({ currency: 'XYZ' })), 400, 'invalid_field', 'currency');
  assertProblem(await post(`/v1/accounts/${a.issuer.id}/recharges`, w.op, body({ reference: '' })), 400, 'invalid_field', 'reference');
  assertProblem(await post(`/v1/accounts/${a.issuer.id}/recharges`, w.op, body({ reference: 'r'.repeat(201) })), 400, 'invalid_field', 'reference');
  assertProblem(await post(`/v1/accounts/${a.issuer.id}/recharges`, w.op, { amount_minor: 10, currency: 'CNY' }), 400, 'missing_field', 'reference');
  assert.equal(await balanceOf(a.issuer.id), 1000, 'no failed recharge moved money');
  assert.equal(await balanceOf(a.holder.id), 0);
  assert.equal(await balanceOf(b.holder.id), 0);
  assert.equal(await balanceOf(b.issuer.id), 0);
});

test('an issuer recharging its holder moves money from its own balance, journaled on both sides', async () => {
  const a = await freshIssuer();
  await recharge(a.issuer.id, 1000);
  const reference = ref('to-holder');
  const r = await post(`/v1/accounts/${a.holder.id}/recharges`, a.key, { amount_minor: 300, currency: 'CNY', reference });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.payer_id, a.issuer.id);
  assert.equal(r.json.account_id, a.holder.id);
  assert.equal(r.json.balance_after, 300);
  assert.equal(r.json.replayed, false);
  assert.equal(await balanceOf(a.issuer.id), 700);
  assert.equal(await balanceOf(a.holder.id), 300);

  const again = await post(`/v1/accounts/${a.holder.id}/recharges`, a.key, { amount_minor: 300, currency: 'CNY', reference });
  assert.equal(again.status, 200, again.text);
  assert.equal(again.json.replayed, true);
  assert.equal(again.json.id, r.json.id);
  assert.equal(await balanceOf(a.issuer.id), 700, 'a replay takes nothing from the issuer');
  assert.equal(await balanceOf(a.holder.id), 300);

  const out = (await journalAll(a.issuer.id)).at(-1);
  assert.equal(out.reason, 'recharge_out');
  assert.equal(out.delta, -300);
  assert.equal(out.balance_after, 700);
  assert.equal(out.currency, 'CNY');
  assert.equal(out.reference, reference);
  assert.equal(out.counterparty_id, a.holder.id);
  assert.equal(out.ddc_id, null);
  const lines = await journalAll(a.holder.id);
  assert.equal(lines.length, 1);
  assert.equal(lines[0].reason, 'recharge');
  assert.equal(lines[0].delta, 300);
  assert.equal(lines[0].balance_after, 300);
  assert.equal(lines[0].reference, reference);
  assert.equal(lines[0].counterparty_id, a.issuer.id);
});

test('an issuer without enough money cannot recharge its holder: 402 naming amount and balance', async () => {
  const a = await freshIssuer();
  await recharge(a.issuer.id, 250);
  const reference = ref('short');
  assertProblem(await post(`/v1/accounts/${a.holder.id}/recharges`, a.key, { amount_minor: 251, currency: 'CNY', reference }),
    402, 'insufficient_funds', undefined, { amount: money(251), balance: money(250) });
  assertProblem(await post(`/v1/accounts/${a.holder.id}/recharges`, a.key, { amount_minor: 5, currency: 'USD', reference: ref() }),
    402, 'insufficient_funds', undefined, { amount: money(5, 'USD'), balance: money(0, 'USD') });
  assert.equal(await balanceOf(a.issuer.id), 250);
  assert.equal(await balanceOf(a.holder.id), 0);
  assert.equal((await journalAll(a.holder.id)).length, 0);
  assert.equal((await journalAll(a.issuer.id)).length, 1);
  // the failed recharge left no trace: its reference is still free
  const ok = await post(`/v1/accounts/${a.holder.id}/recharges`, a.key, { amount_minor: 250, currency: 'CNY', reference });
  assert.equal(ok.status, 201, ok.text);
  assert.equal(ok.json.replayed, false);
  assert.equal(await balanceOf(a.issuer.id), 0);
  assert.equal(await balanceOf(a.holder.id), 250);
});

// ---------------------------------------------------------------------------------------------
// Balance, journal, statement

test('balance, journal and statement: who sees whose money', async () => {
  await recharge(w.issuer.id, 500);
  await recharge(w.holder.id, 100, { key: w.issuerKey });
  const cases = [
    // [caller key, account, expected status]
    ['op', 'issuer', 200], ['op', 'holder', 200], ['op', 'issuer2', 200], ['op', 'holder2', 200],
    ['issuerKey', 'issuer', 200], ['issuerKey', 'holder', 200], ['issuerKey', 'issuer2', 403], ['issuerKey', 'holder2', 403],
    ['issuer2Key', 'issuer', 403], ['issuer2Key', 'holder', 403], ['issuer2Key', 'holder2', 200],
    ['holderKey', 'holder', 200], ['holderKey', 'issuer', 403], ['holderKey', 'holder2', 403], ['holderKey', 'issuer2', 403],
    ['holder2Key', 'holder', 403], ['holder2Key', 'holder2', 200],
  ];
  for (const path of ['balance', 'journal', 'statement']) {
    for (const [k, acc, status] of cases) {
      const r = await get(`/v1/accounts/${w[acc].id}/${path}`, w[k]);
      if (status === 200) assert.equal(r.status, 200, `${k} reads ${path} of ${acc}: ${r.text}`);
      else assertProblem(r, status, 'forbidden');
    }
    assertProblem(await get(`/v1/accounts/999999999/${path}`, w.op), 404, 'not_found');
    assertProblem(await get(`/v1/accounts/${w.holder.id}/${path}`, undefined), 401, 'unauthorized');
  }
  const b = await get(`/v1/accounts/${w.holder.id}/balance`, w.holderKey);
  assert.deepEqual(Object.keys(b.json).sort(), ['account_id', 'balances']);
  assert.equal(b.json.account_id, w.holder.id);
  assert.equal(b.json.balances.length, 1);
  assert.deepEqual(Object.keys(b.json.balances[0]).sort(), ['amount_minor', 'currency', 'updated_at']);
  assert.equal(b.json.balances[0].currency, 'CNY');
  assert.ok(b.json.balances[0].amount_minor >= 100);
  assert.match(b.json.balances[0].updated_at, TS);
  const fresh = await freshIssuer();
  const empty = await get(`/v1/accounts/${fresh.issuer.id}/balance`, fresh.key);
  assert.equal(empty.status, 200);
  assert.deepEqual(empty.json, { account_id: fresh.issuer.id, balances: [] });
  const ej = await get(`/v1/accounts/${fresh.issuer.id}/journal`, fresh.key);
  assert.deepEqual(ej.json, { items: [], next_cursor: null });
});

test('journal pages with limit and cursor give every line once, oldest first; currency filter', async () => {
  const a = await freshIssuer();
  const refs = [];
  for (let i = 1; i <= 7; i++) refs.push((await recharge(a.issuer.id, i * 100)).reference);
  const usd = [];
  for (let i = 1; i <= 3; i++) usd.push((await recharge(a.issuer.id, i, { currency: 'USD' })).reference);
  refs.push((await recharge(a.issuer.id, 1)).reference);

  const all = await journalAll(a.issuer.id);
  assert.equal(all.length, 11);
  for (const l of all) {
    assert.deepEqual(Object.keys(l).sort(),
      ['balance_after', 'counterparty_id', 'currency', 'ddc_id', 'delta', 'id', 'reason', 'reference', 'time']);
    assert.match(l.time, TS);
    assert.equal(l.reason, 'recharge');
  }
  for (let i = 1; i < all.length; i++) assert.ok(all[i].time >= all[i - 1].time, 'time order follows id order');
  assert.deepEqual(all.map((l) => l.reference), [...refs.slice(0, 7), ...usd, refs[7]], 'oldest first');
  assert.deepEqual(assertRunningSum(all), { CNY: 2801, USD: 6 });

  for (const limit of [1, 2, 3, 4, 10, 11, 12]) {
    const paged = await journalAll(a.issuer.id, { limit });
    assert.deepEqual(paged.map((l) => l.id), all.map((l) => l.id), `limit ${limit}: every line once, in order`);
  }
  const first = await get(`/v1/accounts/${a.issuer.id}/journal?limit=4`, a.key);
  assert.equal(first.json.items.length, 4);
  assert.equal(typeof first.json.next_cursor, 'string');
  const second = await get(`/v1/accounts/${a.issuer.id}/journal?limit=4&cursor=${first.json.next_cursor}`, a.key);
  assert.deepEqual(second.json.items.map((l) => l.id), all.slice(4, 8).map((l) => l.id));
  const exact = await get(`/v1/accounts/${a.issuer.id}/journal?limit=11`, a.key);
  assert.equal(exact.json.items.length, 11);
  assert.equal(exact.json.next_cursor, null, 'no next cursor when the page holds the last line');
  const dflt = await get(`/v1/accounts/${a.issuer.id}/journal`, a.key);
  assert.equal(dflt.json.items.length, 11);

  const onlyUsd = await journalAll(a.issuer.id, { currency: 'USD', limit: 2 });
  assert.deepEqual(onlyUsd.map((l) => l.reference), usd);
  assert.ok(onlyUsd.every((l) => l.currency === 'USD'));
  assert.deepEqual(onlyUsd.map((l) => l.balance_after), [1, 3, 6]);
  const onlyCny = await journalAll(a.issuer.id, { currency: 'CNY' });
  assert.deepEqual(onlyCny.map((l) => l.reference), refs);
  assert.equal((await journalAll(a.issuer.id, { currency: 'EUR' })).length, 0);

  const bal = await get(`/v1/accounts/${a.issuer.id}/balance`, a.key);
  assert.deepEqual(bal.json.balances.map((b) => [b.currency, b.amount_minor]), [['CNY', 2801], ['USD', 6]]);

  for (const q of ['limit=0', 'limit=501', 'limit=x', 'cursor=-1', 'cursor=abc'])
    assertProblem(await get(`/v1/accounts/${a.issuer.id}/journal?${q}`, a.key), 400, 'invalid_parameter', q.split('=')[0]);
  assertProblem(await get(`/v1/accounts/${a.issuer.id}/journal?currency=usd`, a.key), 400, 'invalid_parameter', 'currency');
  assert.equal((await get(`/v1/accounts/${a.issuer.id}/journal?limit=500`, a.key)).status, 200);
});

test('statement CSV: header, opening + lines = closing, from/to windows, validation', async () => {
  const a = await freshIssuer();
  for (const amount of [250, 1000, 5]) await recharge(a.issuer.id, amount);
  await recharge(a.holder.id, 120, { key: a.key, reference: ref('h') });
  await recharge(a.issuer.id, 7, { currency: 'JPY' });
  await recharge(a.issuer.id, 1234, { currency: 'BHD' });
  const lines = await journalAll(a.issuer.id);
  assert.equal(lines.length, 6);

  const r = await get(`/v1/accounts/${a.issuer.id}/statement`, a.key);
  assert.equal(r.status, 200, r.text);
  assert.match(r.headers['content-type'], /^text\/csv; charset=utf-8$/);
  const rows = csvRows(r.text);
  assert.equal(rows[0].join(','), HEADER);
  for (const row of rows) assert.equal(row.length, 12, `12 columns: ${row.join(',')}`);
  // sections per currency in code order: BHD, CNY, JPY
  assert.deepEqual(rows.slice(1).map((x) => `${x[COL.kind]}:${x[COL.currency]}`), [
    'opening:BHD', 'line:BHD', 'closing:BHD',
    'opening:CNY', 'line:CNY', 'line:CNY', 'line:CNY', 'line:CNY', 'closing:CNY',
    'opening:JPY', 'line:JPY', 'closing:JPY',
  ]);
  const section = (cur) => rows.filter((x) => x[COL.currency] === cur);
  for (const cur of ['BHD', 'CNY', 'JPY']) {
    const s = section(cur);
    const opening = Number(s[0][COL.balance_minor]);
    const closing = Number(s.at(-1)[COL.balance_minor]);
    const sum = s.slice(1, -1).reduce((acc, x) => acc + Number(x[COL.delta_minor]), 0);
    assert.equal(opening, 0);
    assert.equal(opening + sum, closing, `${cur}: opening + deltas = closing`);
    assert.equal(closing, await balanceOf(a.issuer.id, cur), `${cur}: closing is the balance`);
    let run = opening;
    for (const x of s.slice(1, -1)) {
      run += Number(x[COL.delta_minor]);
      assert.equal(Number(x[COL.balance_minor]), run, 'each line\'s balance is the running sum');
    }
    assert.equal(s[0][COL.delta_minor], '', 'opening has no delta');
    assert.equal(s[0][COL.entry_id], '');
    assert.equal(s.at(-1)[COL.delta], '');
  }
  const cny = section('CNY');
  assert.deepEqual(cny.slice(1, -1).map((x) => x[COL.entry_id]), lines.filter((l) => l.currency === 'CNY').map((l) => String(l.id)));
  const out = cny.find((x) => x[COL.reason] === 'recharge_out');
  assert.equal(out[COL.delta_minor], '-120');
  assert.equal(out[COL.delta], '-1.20');
  assert.equal(out[COL.counterparty_id], String(a.holder.id));
  assert.equal(cny[1][COL.delta], '2.50');
  assert.equal(cny[1][COL.balance], '2.50');
  assert.equal(cny.at(-1)[COL.balance], '11.35');
  assert.equal(cny.at(-1)[COL.balance_minor], '1135');
  assert.equal(section('JPY')[1][COL.delta], '7');
  assert.equal(section('BHD')[1][COL.delta], '1.234');
  for (const x of cny.slice(1, -1)) assert.match(x[COL.time], TS);

  // a window inside the activity: from the 2nd line up to (not including) the 4th line
  const cnyLines = lines.filter((l) => l.currency === 'CNY');
  const w1 = await get(`/v1/accounts/${a.issuer.id}/statement?currency=CNY&from=${cnyLines[1].time}&to=${cnyLines[3].time}`, a.key);
  assert.equal(w1.status, 200, w1.text);
  const r1 = csvRows(w1.text);
  assert.equal(r1[0].join(','), HEADER);
  assert.deepEqual(r1.slice(1).map((x) => x[COL.kind]), ['opening', 'line', 'line', 'closing']);
  assert.equal(r1[1][COL.time], cnyLines[1].time, 'opening row carries from');
  assert.equal(r1.at(-1)[COL.time], cnyLines[3].time, 'closing row carries to');
  assert.equal(Number(r1[1][COL.balance_minor]), cnyLines[0].balance_after);
  assert.deepEqual(r1.slice(2, -1).map((x) => x[COL.entry_id]), [String(cnyLines[1].id), String(cnyLines[2].id)]);
  assert.equal(Number(r1.at(-1)[COL.balance_minor]), cnyLines[2].balance_after);
  assert.equal(Number(r1[1][COL.balance_minor]) + Number(r1[2][COL.delta_minor]) + Number(r1[3][COL.delta_minor]),
    Number(r1.at(-1)[COL.balance_minor]));

  // a window after all activity: opening = closing = the balance, no line rows
  const after = new Date(Date.now() + 1000).toISOString();
  const later = new Date(Date.now() + 3600e3).toISOString();
  const w2 = await get(`/v1/accounts/${a.issuer.id}/statement?from=${after}&to=${later}`, a.key);
  assert.equal(w2.status, 200, w2.text);
  const r2 = csvRows(w2.text);
  assert.deepEqual(r2.slice(1).map((x) => `${x[COL.kind]}:${x[COL.currency]}`),
    ['opening:BHD', 'closing:BHD', 'opening:CNY', 'closing:CNY', 'opening:JPY', 'closing:JPY']);
  for (let i = 1; i < r2.length; i += 2) {
    assert.equal(r2[i][COL.balance_minor], r2[i + 1][COL.balance_minor]);
    assert.equal(Number(r2[i][COL.balance_minor]), await balanceOf(a.issuer.id, r2[i][COL.currency]));
  }
  // a window before all activity: zeros
  const w3 = csvRows((await get(`/v1/accounts/${a.issuer.id}/statement?currency=CNY&from=2000-01-01&to=2000-01-02`, a.key)).text);
  assert.deepEqual(w3.slice(1).map((x) => [x[COL.kind], x[COL.balance_minor], x[COL.balance]]),
    [['opening', '0', '0.00'], ['closing', '0', '0.00']]);
  // the holder's own statement, and a currency with no lines
  const h = csvRows((await get(`/v1/accounts/${a.holder.id}/statement`, a.holderKey)).text);
  assert.deepEqual(h.slice(1).map((x) => [x[COL.kind], x[COL.reason], x[COL.delta_minor], x[COL.balance_minor]]),
    [['opening', '', '', '0'], ['line', 'recharge', '120', '120'], ['closing', '', '', '120']]);
  const eur = csvRows((await get(`/v1/accounts/${a.holder.id}/statement?currency=EUR`, a.holderKey)).text);
  assert.deepEqual(eur.slice(1).map((x) => [x[COL.kind], x[COL.currency], x[COL.balance_minor]]),
    [['opening', 'EUR', '0'], ['closing', 'EUR', '0']]);
  const none = await get(`/v1/accounts/${(await freshIssuer()).issuer.id}/statement`, w.op);
  assert.equal(none.text, `${HEADER}\r\n`, 'an account without money has only the header');

  assertProblem(await get(`/v1/accounts/${a.issuer.id}/statement?from=yesterday`, a.key), 400, 'invalid_parameter', 'from');
  assertProblem(await get(`/v1/accounts/${a.issuer.id}/statement?from=2024-13-01`, a.key), 400, 'invalid_parameter', 'from');
  assertProblem(await get(`/v1/accounts/${a.issuer.id}/statement?to=soon`, a.key), 400, 'invalid_parameter', 'to');
  assertProblem(await get(`/v1/accounts/${a.issuer.id}/statement?from=2024-02-01&to=2024-01-01`, a.key), 400, 'invalid_parameter', 'to');
  assertProblem(await get(`/v1/accounts/${a.issuer.id}/statement?from=2024-01-01&to=2024-01-01`, a.key), 400, 'invalid_parameter', 'to');
  assertProblem(await get(`/v1/accounts/${a.issuer.id}/statement?from=${later}`, a.key), 400, 'invalid_parameter', 'to');
  assertProblem(await get(`/v1/accounts/${a.issuer.id}/statement?currency=Cny`, a.key), 400, 'invalid_parameter', 'currency');
});

// ---------------------------------------------------------------------------------------------
// Paid operations

test('a mint costs 100 CNY, charged in the response and journaled with its ddc_id', async () => {
  const a = await freshIssuer();
  await recharge(a.issuer.id, 150);
  const r = await mint(a.key);
  assert.equal(r.status, 201, r.text);
  assert.deepEqual(r.json.charged, money(100));
  assert.equal(r.json.issuer_id, a.issuer.id);
  assert.equal(await balanceOf(a.issuer.id), 50);
  const lines = await journalAll(a.issuer.id);
  assert.equal(lines.length, 2);
  const m = lines[1];
  assert.equal(m.reason, 'mint');
  assert.equal(m.delta, -100);
  assert.equal(m.balance_after, 50);
  assert.equal(m.currency, 'CNY');
  assert.equal(String(m.ddc_id), String(r.json.ddc_id));
  assertRunningSum(lines);

  // 50 left: the next mint is refused and changes nothing
  assertProblem(await mint(a.key), 402, 'insufficient_funds', undefined, { price: money(100), balance: money(50) });
  assert.equal(await balanceOf(a.issuer.id), 50);
  assert.equal((await journalAll(a.issuer.id)).length, 2);
  const certs = await certsOf(a.issuer.id);
  assert.deepEqual(certs.map((c) => String(c.ddc_id)), [String(r.json.ddc_id)]);
});

test('a mint with balance 0 is 402 with price and balance; no certificate, no journal line', async () => {
  const a = await freshIssuer();
  assertProblem(await mint(a.key), 402, 'insufficient_funds', undefined, { price: money(100), balance: money(0) });
  assertProblem(await mint(a.key, { ...mintBody(), external_ref: ref('ext') }), 402, 'insufficient_funds', undefined,
    { price: money(100), balance: money(0) });
  assert.equal((await certsOf(a.issuer.id)).length, 0);
  const listed = await get(`/v1/certificates?issuer_id=${a.issuer.id}`, a.key);
  assert.equal(listed.status, 200, listed.text);
  assert.deepEqual(listed.json.items, []);
  assert.equal((await journalAll(a.issuer.id)).length, 0);
  assert.deepEqual((await get(`/v1/accounts/${a.issuer.id}/balance`, a.key)).json.balances.filter((b) => b.amount_minor !== 0), []);
});

test('acceptance: money for M mints, 4M concurrent mints on many connections: exactly M succeed', async () => {
  const M = 25;
  const N = 4 * M;
  const a = await freshIssuer();
  const rc = await recharge(a.issuer.id, M * DEFAULTS.mint);
  assert.equal(rc.balance_after, M * 100);

  const agent = new http.Agent({ keepAlive: false, maxSockets: 50 });
  let results;
  try {
    results = await Promise.all(Array.from({ length: N }, (_, i) =>
      request(srv.base, 'POST', '/v1/certificates', { agent, key: a.key, json: mintBody(`acceptance ${process.pid} #${i}`) })));
  } finally {
    agent.destroy();
  }
  const by = {};
  for (const r of results) by[r.status] = (by[r.status] ?? 0) + 1;
  assert.deepEqual(by, { 201: M, 402: N - M }, `statuses: ${JSON.stringify(by)}`);
  const ok = results.filter((r) => r.status === 201);
  for (const r of ok) assert.deepEqual(r.json.charged, money(100));
  for (const r of results.filter((x) => x.status === 402)) {
    assert.equal(r.json.code, 'insufficient_funds');
    assert.deepEqual(r.json.price, money(100));
    assert.equal(r.json.balance.currency, 'CNY');
    assert.ok(r.json.balance.amount_minor < 100, `refused with ${r.json.balance.amount_minor} left`);
  }
  const minted = new Set(ok.map((r) => String(r.json.ddc_id)));
  assert.equal(minted.size, M, 'distinct certificates');

  assert.equal(await balanceOf(a.issuer.id), 0);
  const lines = await journalAll(a.issuer.id, { limit: 7 });
  assert.equal(lines.length, M + 1);
  assert.equal(lines[0].reason, 'recharge');
  assert.equal(lines[0].delta, M * 100);
  const mints = lines.slice(1);
  assert.ok(mints.every((l) => l.reason === 'mint' && l.delta === -100 && l.currency === 'CNY'));
  assert.deepEqual(mints.map((l) => l.balance_after), Array.from({ length: M }, (_, i) => (M - 1 - i) * 100), 'no gaps');
  assert.deepEqual(assertRunningSum(lines), { CNY: 0 });
  assert.deepEqual(new Set(mints.map((l) => String(l.ddc_id))), minted, 'one charge per certificate');

  const certs = await certsOf(a.issuer.id);
  assert.equal(certs.length, M);
  assert.deepEqual(new Set(certs.map((c) => String(c.ddc_id))), minted);
});

test('one Idempotency-Key sent 10 times at once: one certificate, one charge, identical answers', async () => {
  const a = await freshIssuer();
  await recharge(a.issuer.id, 1000);
  const key = `mint-race-${process.pid}-${Date.now()}`;
  const body = mintBody();
  const results = await Promise.all(Array.from({ length: 10 }, () => mint(a.key, body, key)));
  for (const r of results) assert.equal(r.status, 201, r.text);
  assert.equal(new Set(results.map((r) => r.text)).size, 1, 'identical bodies');
  assert.equal(new Set(results.map((r) => String(r.json.ddc_id))).size, 1, 'one ddc_id');
  assert.equal(results.filter((r) => r.headers['idempotent-replayed'] === 'true').length, 9);
  assert.deepEqual(results[0].json.charged, money(100));
  const certs = await certsOf(a.issuer.id);
  assert.deepEqual(certs.map((c) => String(c.ddc_id)), [String(results[0].json.ddc_id)]);
  const lines = await journalAll(a.issuer.id);
  assert.deepEqual(lines.map((l) => [l.reason, l.delta]), [['recharge', 1000], ['mint', -100]]);
  assert.equal(String(lines[1].ddc_id), String(results[0].json.ddc_id));
  assert.equal(await balanceOf(a.issuer.id), 900);
  // replayed later too, with the same answer and no new charge
  const late = await mint(a.key, body, key);
  assert.equal(late.status, 201);
  assert.equal(late.text, results[0].text);
  assert.equal(await balanceOf(a.issuer.id), 900);
});

test('an issuer price override applies to that issuer\'s mints only', async () => {
  const a = await freshIssuer();
  const b = await freshIssuer();
  try {
    assert.equal((await put('/v1/prices/mint', w.op, { amount_minor: 7, currency: 'CNY', issuer_id: a.issuer.id })).status, 200);
    await recharge(a.issuer.id, 100);
    await recharge(b.issuer.id, 100);
    const r = await mint(a.key);
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.json.charged, money(7));
    assert.equal(await balanceOf(a.issuer.id), 93);
    const line = (await journalAll(a.issuer.id)).at(-1);
    assert.deepEqual([line.reason, line.delta, line.balance_after], ['mint', -7, 93]);
    const rb = await mint(b.key);
    assert.equal(rb.status, 201, rb.text);
    assert.deepEqual(rb.json.charged, money(100), 'another issuer pays the default');
    assert.equal(await balanceOf(b.issuer.id), 0);

    // an override in another currency debits that currency
    assert.equal((await put('/v1/prices/mint', w.op, { amount_minor: 3, currency: 'USD', issuer_id: a.issuer.id })).status, 200);
    assertProblem(await mint(a.key), 402, 'insufficient_funds', undefined, { price: money(3, 'USD'), balance: money(0, 'USD') });
    await recharge(a.issuer.id, 4, { currency: 'USD' });
    const ru = await mint(a.key);
    assert.equal(ru.status, 201, ru.text);
    assert.deepEqual(ru.json.charged, money(3, 'USD'));
    assert.equal(await balanceOf(a.issuer.id, 'USD'), 1);
    assert.equal(await balanceOf(a.issuer.id), 93);

    // a free mint needs no money and writes no journal line
    assert.equal((await put('/v1/prices/mint', w.op, { amount_minor: 0, currency: 'CNY', issuer_id: b.issuer.id })).status, 200);
    const before0 = (await journalAll(b.issuer.id)).length;
    const rf = await mint(b.key);
    assert.equal(rf.status, 201, rf.text);
    assert.deepEqual(rf.json.charged, money(0));
    assert.equal((await journalAll(b.issuer.id)).length, before0);
    assert.equal(await balanceOf(b.issuer.id), 0);

    // back to the default
    assert.equal((await del(`/v1/prices/mint?issuer_id=${a.issuer.id}`, w.op)).status, 200);
    assertProblem(await mint(a.key), 402, 'insufficient_funds', undefined, { price: money(100), balance: money(93) });
  } finally {
    for (const x of [a, b]) await del(`/v1/prices/mint?issuer_id=${x.issuer.id}`, w.op);
  }
});

// The PostgreSQL server log of the throwaway cluster (scripts/pg.sh keeps it beside the socket).
function serverLog() {
  const host = /host=(\S+)/.exec(process.env.DDC_DATABASE_URL || '')?.[1];
  const file = host && `${host}/server.log`;
  return file && fs.existsSync(file) ? file : null;
}

test('refusals stay out of the PostgreSQL log: 50 refused mints write none of their text there', async (t) => {
  const file = serverLog();
  if (!file) { t.skip('the database is not a cluster of scripts/pg.sh'); return; }
  const { key } = await freshIssuer();
  const from = fs.statSync(file).size;
  for (let i = 0; i < 50; i++)
    assertProblem(await mint(key), 402, 'insufficient_funds');
  const fd = fs.openSync(file, 'r'), size = fs.fstatSync(fd).size, buf = Buffer.alloc(size - from);
  fs.readSync(fd, buf, 0, buf.length, from);
  fs.closeSync(fd);
  assert.doesNotMatch(buf.toString(), /insufficient_funds|DD001|ddc_fail/, 'a refusal reached the server log');
});
