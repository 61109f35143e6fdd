// platforms.test.mjs: the platform tier (accounts, recharges, floors, roll-up), batch operations
// on certificates and recharges, the event feed and the write-once URI, against a real ddcd. Every
// new route is called by six callers: the operator, a platform, its issuer, another platform's
// issuer, a holder, and anonymous; the edition routes (DDC-1155) too. Money through the tier (operator -> platform -> issuer ->
// mints) must add up to the minor unit in the roll-up and in every statement.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDdcd, request, operatorKey, createAccount, createKey, assertProblem, uniq, until, PROBLEM_EXTENSIONS } from './lib.mjs';

PROBLEM_EXTENSIONS.push('floor', 'items');
let srv, t; // t: the tier: op, p1/p2 (platforms), i1 (p1's issuer), i2 (p2's issuer), h1 (i1's holder)
const ROLES = ['op', 'plat', 'iss', 'iss2', 'hold', 'anon'];
const call = (method, path, key, json) => request(srv.base, method, path, { key, json });
const get = (path, key) => call('GET', path, key);
const post = (path, key, json) => call('POST', path, key, json);
const put = (path, key, json) => call('PUT', path, key, json);
function ok(res, status = 200) {
  assert.equal(res.status, status, `${res.text}`);
  return res.json;
}
const keyOf = (role) => ({ op: t.op, plat: t.p1.key, iss: t.i1.key, iss2: t.i2.key, hold: t.h1.key, anon: undefined })[role];

async function account(byKey, role, extra = {}) {
  const a = await createAccount(srv.base, byKey, role, extra);
  a.key = (await createKey(srv.base, byKey, a.id)).key;
  return a;
}
const fund = async (payerKey, id, amount) => ok(await post(`/v1/accounts/${id}/recharges`, payerKey,
  { amount_minor: amount, currency: 'CNY', reference: uniq('fund') }), 201);
const mint = async (issuer, owner, extra = {}) => ok(await post('/v1/certificates', issuer.key,
  { kind: 'generic', owner_id: owner, metadata: { title: uniq('tier') }, ...extra }), 201);
const balance = async (key, id) => (ok(await get(`/v1/accounts/${id}/balance`, key)).balances.find((b) => b.currency === 'CNY') || { amount_minor: 0 }).amount_minor;

before(async () => {
  srv = await startDdcd();
  const op = operatorKey();
  const p1 = await account(op, 'platform');
  const p2 = await account(op, 'platform');
  const i1 = await account(p1.key, 'issuer');
  const i2 = await account(p2.key, 'issuer');
  const h1 = await account(i1.key, 'holder');
  t = { op, p1, p2, i1, i2, h1 };
  await fund(op, p1.id, 10_000_000);
  await fund(op, p2.id, 10_000_000);
  await fund(p1.key, i1.id, 1_000_000);
  await fund(p2.key, i2.id, 1_000_000);
  await fund(i1.key, h1.id, 100_000);
});
after(async () => { await srv?.stop(); });

test('platforms are made by the operator; they make issuers of their own, which carry platform_id', async () => {
  assert.equal(t.p1.role, 'platform');
  assert.equal(t.p1.platform_id, null);
  assert.equal(t.i1.platform_id, t.p1.id);
  assert.equal(t.h1.platform_id, t.p1.id, 'a holder sits under its issuer\'s platform');
  const byOp = await createAccount(srv.base, t.op, 'issuer', { platform_id: t.p2.id });
  assert.equal(byOp.platform_id, t.p2.id);
  assertProblem(await post('/v1/accounts', t.p1.key, { role: 'holder', name: 'x', issuer_id: t.i1.id }), 403, 'forbidden', 'role');
  assertProblem(await post('/v1/accounts', t.p1.key, { role: 'platform', name: 'x' }), 403, 'forbidden', 'role');
  assertProblem(await post('/v1/accounts', t.p1.key, { role: 'issuer', name: 'x', platform_id: t.p2.id }), 403, 'forbidden', 'platform_id');
  assertProblem(await post('/v1/accounts', t.i1.key, { role: 'platform', name: 'x' }), 403, 'forbidden');
  assertProblem(await post('/v1/accounts', t.op, { role: 'issuer', name: 'x', platform_id: t.i1.id }), 409, 'wrong_account_role', 'platform_id');
  assertProblem(await post('/v1/accounts', t.op, { role: 'platform', name: 'x', platform_id: t.p1.id }), 400, 'invalid_field', 'platform_id');
});

test('a platform sees its issuers, their holders and certificates, never another platform\'s: the same 403 whatever exists', async () => {
  const cert = await mint(t.i1, t.h1.id);
  const other = await mint(t.i2, t.i2.id);
  for (const id of [t.i1.id, t.h1.id, t.p1.id]) ok(await get(`/v1/accounts/${id}`, t.p1.key));
  ok(await get(`/v1/certificates/${cert.ddc_id}`, t.p1.key));
  ok(await get(`/v1/accounts/${t.i1.id}/statement`, t.p1.key));
  const listed = ok(await get('/v1/accounts?limit=200', t.p1.key)).items.map((a) => a.id);
  assert.ok(listed.includes(t.i1.id) && listed.includes(t.h1.id) && !listed.includes(t.i2.id) && !listed.includes(t.p2.id));
  const refusals = [];
  for (const path of [`/v1/accounts/${t.i2.id}`, '/v1/accounts/9007199254740991', `/v1/accounts/${t.p2.id}`,
    `/v1/accounts/${t.i2.id}/balance`, '/v1/accounts/9007199254740991/balance',
    `/v1/certificates/${other.ddc_id}`, '/v1/certificates/9007199254740991']) {
    const r = await get(path, t.p1.key);
    assertProblem(r, 403, 'forbidden');
    refusals.push(r.json.title);
  }
  assert.equal(new Set(refusals).size, 1);
  assertProblem(await post(`/v1/accounts/${t.i2.id}/recharges`, t.p1.key, { amount_minor: 1, currency: 'CNY', reference: uniq('x') }), 403, 'forbidden');
  assertProblem(await post('/v1/accounts/9007199254740991/recharges', t.p1.key, { amount_minor: 1, currency: 'CNY', reference: uniq('x') }), 403, 'forbidden');
  assertProblem(await post(`/v1/accounts/${t.i2.id}/freeze`, t.p1.key), 403, 'forbidden');
  assertProblem(await post(`/v1/accounts/${t.i2.id}/api-keys`, t.p1.key, { name: 'x' }), 403, 'forbidden');
});

test('the operator sets a platform\'s floor; the platform prices its issuers at or above it', async () => {
  const floor = ok(await put('/v1/prices/approve', t.op, { amount_minor: 30, currency: 'CNY', issuer_id: t.p1.id }));
  assert.equal(floor.issuer_id, t.p1.id);
  assertProblem(await put('/v1/prices/approve', t.p1.key, { amount_minor: 29, currency: 'CNY', issuer_id: t.i1.id }),
    409, 'price_below_floor', 'amount_minor', { floor: { amount_minor: 30, currency: 'CNY' } });
  assertProblem(await put('/v1/prices/approve', t.p1.key, { amount_minor: 300, currency: 'USD', issuer_id: t.i1.id }),
    409, 'price_below_floor', 'currency', { floor: { amount_minor: 30, currency: 'CNY' } });
  assertProblem(await put('/v1/prices/approve', t.p1.key, { amount_minor: 50, currency: 'CNY', issuer_id: t.i2.id }), 403, 'forbidden', 'issuer_id');
  assertProblem(await put('/v1/prices/approve', t.p1.key, { amount_minor: 50, currency: 'CNY' }), 403, 'forbidden', 'issuer_id');
  assertProblem(await put('/v1/prices/approve', t.p1.key, { amount_minor: 50, currency: 'CNY', issuer_id: t.p1.id }), 403, 'forbidden', 'issuer_id');
  assertProblem(await put('/v1/prices/approve', t.i1.key, { amount_minor: 50, currency: 'CNY', issuer_id: t.i1.id }), 403, 'forbidden');
  ok(await put('/v1/prices/approve', t.p1.key, { amount_minor: 45, currency: 'CNY', issuer_id: t.i1.id }));
  const seen = ok(await get(`/v1/prices?issuer_id=${t.i1.id}`, t.p1.key)).items.find((p) => p.operation === 'approve');
  assert.deepEqual([seen.amount_minor, seen.source], [45, 'issuer']);
  const own = ok(await get('/v1/prices', t.p1.key)).items.find((p) => p.operation === 'approve');
  assert.deepEqual([own.amount_minor, own.source], [30, 'platform']);
  // an issuer of the platform without its own price pays the platform's floor
  const i1b = await account(t.p1.key, 'issuer');
  const p = ok(await get('/v1/prices', i1b.key)).items.find((x) => x.operation === 'approve');
  assert.deepEqual([p.amount_minor, p.source], [30, 'platform']);
  assertProblem(await get(`/v1/prices?issuer_id=${t.i2.id}`, t.p1.key), 403, 'forbidden', 'issuer_id');
  ok(await call('DELETE', `/v1/prices/approve?issuer_id=${t.i1.id}`, t.p1.key));
  assertProblem(await call('DELETE', `/v1/prices/approve?issuer_id=${t.i2.id}`, t.p1.key), 403, 'forbidden');
});

test('money through the tier adds up: operator -> platform -> issuers -> mints, roll-up and statements to the minor unit', async () => {
  const from = new Date(Date.now() - 1000).toISOString();
  const p = await account(t.op, 'platform');
  const a = await account(p.key, 'issuer');
  const b = await account(p.key, 'issuer');
  const hb = await account(b.key, 'holder');
  ok(await put('/v1/prices/mint', t.op, { amount_minor: 120, currency: 'CNY', issuer_id: p.id }));
  ok(await put('/v1/prices/mint', p.key, { amount_minor: 137, currency: 'CNY', issuer_id: b.id }));
  await fund(t.op, p.id, 100_003);
  await fund(p.key, a.id, 20_011);
  const batch = ok(await post('/v1/recharges/batch', p.key, { items: [
    { account_id: b.id, amount_minor: 30_007, currency: 'CNY', reference: uniq('rb') },
    { account_id: a.id, amount_minor: 5, currency: 'CNY', reference: uniq('rb') }] }));
  assert.equal(batch.count, 2);
  await fund(b.key, hb.id, 1_001);
  for (let i = 0; i < 7; i++) await mint(a, a.id);
  for (let i = 0; i < 5; i++) await mint(b, hb.id);
  const expect = { [p.id]: 100_003 - 20_011 - 30_012, [a.id]: 20_016 - 7 * 120, [b.id]: 30_007 - 1_001 - 5 * 137, [hb.id]: 1_001 };
  for (const [id, amount] of Object.entries(expect)) assert.equal(await balance(p.key, id), amount, `account ${id}`);
  const to = new Date(Date.now() + 1000).toISOString();
  const roll = ok(await get(`/v1/accounts/${p.id}/rollup?from=${from}&to=${to}`, p.key));
  assert.equal(roll.currencies.length, 1);
  const c = roll.currencies[0];
  assert.deepEqual([c.currency, c.opening, c.external_in, c.internal, c.charged], ['CNY', 0, 100_003, 20_011 + 30_012 + 1_001, 7 * 120 + 5 * 137]);
  assert.equal(c.closing, c.opening + c.external_in - c.charged);
  assert.equal(c.closing, Object.values(expect).reduce((x, y) => x + y));
  for (const acc of c.accounts) {
    assert.equal(acc.closing, expect[acc.account_id], `roll-up closing of ${acc.account_id}`);
    assert.equal(acc.closing, acc.opening + acc.credits - acc.debits);
    // the account's own statement (CSV) says the same
    const csv = (await get(`/v1/accounts/${acc.account_id}/statement?from=${from}&to=${to}`, p.key)).text.trim().split('\r\n').slice(1).map((l) => l.split(','));
    const lines = csv.filter((r) => r[0] === 'line');
    assert.equal(Number(csv.at(-1)[9]), acc.closing);
    assert.equal(lines.reduce((s, r) => s + Number(r[8]), Number(csv[0][9])), acc.closing);
  }
  ok(await get(`/v1/accounts/${p.id}/rollup`, t.op));
  assertProblem(await get(`/v1/accounts/${p.id}/rollup`, t.p1.key), 403, 'forbidden');
  assertProblem(await get(`/v1/accounts/${a.id}/rollup`, a.key), 403, 'forbidden');
  assertProblem(await get(`/v1/accounts/${a.id}/rollup`, t.op), 409, 'wrong_account_role');
});

test('batch recharges: all or nothing, every refused item named, replays by reference, 402 with the total', async () => {
  const ref = uniq('b');
  const items = [{ account_id: t.i1.id, amount_minor: 10, currency: 'CNY', reference: ref }];
  const before = await balance(t.p1.key, t.i1.id);
  const bad = await post('/v1/recharges/batch', t.p1.key, { items: [...items,
    { account_id: t.i2.id, amount_minor: 10, currency: 'CNY', reference: uniq('b') },
    { account_id: t.i1.id, amount_minor: 10, currency: 'CNY', reference: ref }] });
  assertProblem(bad, 422, 'batch_refused');
  assert.deepEqual(bad.json.items.map((i) => [i.index, i.code, i.field]),
    [[0, 'invalid_field', 'items[0].reference'], [1, 'forbidden', 'items[1].account_id'], [2, 'invalid_field', 'items[2].reference']]);
  assert.equal(await balance(t.p1.key, t.i1.id), before, 'nothing applied');
  const good = ok(await post('/v1/recharges/batch', t.p1.key, { items }));
  assert.equal(good.items[0].replayed, false);
  assert.equal(good.items[0].balance_after, before + 10);
  const again = ok(await post('/v1/recharges/batch', t.p1.key, { items }));
  assert.equal(again.items[0].replayed, true);
  assert.equal(again.replayed, 1);
  assert.equal(await balance(t.p1.key, t.i1.id), before + 10);
  const conflict = await post('/v1/recharges/batch', t.p1.key, { items: [{ ...items[0], amount_minor: 11 }] });
  assertProblem(conflict, 422, 'batch_refused');
  assert.equal(conflict.json.items[0].code, 'recharge_reference_conflict');
  const have = await balance(t.p1.key, t.p1.id);
  const short = await post('/v1/recharges/batch', t.p1.key, { items: [
    { account_id: t.i1.id, amount_minor: have, currency: 'CNY', reference: uniq('s') },
    { account_id: t.i1.id, amount_minor: 1, currency: 'CNY', reference: uniq('s') }] });
  assertProblem(short, 402, 'insufficient_funds', undefined, { amount: { amount_minor: have + 1, currency: 'CNY' }, balance: { amount_minor: have, currency: 'CNY' } });
  assertProblem(await post('/v1/recharges/batch', t.p1.key, { items: [] }), 400, 'invalid_field', 'items');
  assertProblem(await post('/v1/recharges/batch', t.p1.key, { items: [{ account_id: 1, amount_minor: 0, currency: 'CNY', reference: 'x' }] }), 400, 'invalid_field', 'items[0].amount_minor');
  assertProblem(await post('/v1/recharges/batch', t.p1.key, { items: [], more: 1 }), 400, 'unknown_field', 'more');
  const many = Array.from({ length: 10_001 }, (_, i) => ({ account_id: t.i1.id, amount_minor: 1, currency: 'CNY', reference: `r${i}` }));
  assertProblem(await post('/v1/recharges/batch', t.op, { items: many }), 400, 'invalid_field', 'items');
});

test('batch certificate operations: checked and priced as a whole, all or nothing, a result per item', async () => {
  const certs = [];
  for (let i = 0; i < 5; i++) certs.push(await mint(t.i1, t.i1.id));
  const other = await mint(t.i2, t.i2.id);
  const items = certs.map((c) => ({ ddc_id: c.ddc_id, to: t.h1.id }));
  const before = await balance(t.i1.key, t.i1.id);
  const bad = await post('/v1/certificates/batch/transfer', t.i1.key, { items: [...items, { ddc_id: other.ddc_id, to: t.h1.id }, { ddc_id: 9007199254740991, to: t.h1.id }] });
  assertProblem(bad, 422, 'batch_refused');
  assert.deepEqual(bad.json.items.map((i) => [i.index, i.code]), [[5, 'forbidden'], [6, 'not_found']]);
  for (const c of certs) assert.equal(ok(await get(`/v1/certificates/${c.ddc_id}`, t.i1.key)).owner_id, t.i1.id, 'nothing moved');
  assert.equal(await balance(t.i1.key, t.i1.id), before, 'nothing charged');
  const price = ok(await get('/v1/prices', t.i1.key)).items.find((p) => p.operation === 'transfer').amount_minor;
  const done = ok(await post('/v1/certificates/batch/transfer', t.i1.key, { items }));
  assert.equal(done.count, 5);
  assert.deepEqual(done.charged, [{ amount_minor: 5 * price, currency: 'CNY' }]);
  assert.deepEqual(done.items.map((i) => [i.index, i.ddc_id, i.result, i.owner_id]), certs.map((c, i) => [i, c.ddc_id, 'ok', t.h1.id]));
  assert.equal(await balance(t.i1.key, t.i1.id), before - 5 * price);
  for (const c of certs) {
    const ev = ok(await get(`/v1/certificates/${c.ddc_id}/events`, t.i1.key)).items;
    assert.deepEqual(ev.map((e) => e.type), ['mint', 'transfer']);
    assert.deepEqual(ev[1].data, { from: t.i1.id, to: t.h1.id });
    assert.equal(ev[1].prev_event_hash, ev[0].event_hash);
  }
  // freeze, unfreeze, revoke by the issuer; burn by the holder; a repeated freeze is refused
  ok(await post('/v1/certificates/batch/freeze', t.i1.key, { items: certs.slice(0, 2).map((c) => ({ ddc_id: c.ddc_id })) }));
  const twice = await post('/v1/certificates/batch/freeze', t.i1.key, { items: certs.slice(0, 3).map((c) => ({ ddc_id: c.ddc_id })) });
  assert.deepEqual(twice.json.items.map((i) => [i.index, i.code]), [[0, 'certificate_frozen'], [1, 'certificate_frozen']]);
  ok(await post('/v1/certificates/batch/unfreeze', t.i1.key, { items: [{ ddc_id: certs[0].ddc_id }] }));
  const rv = ok(await post('/v1/certificates/batch/revoke', t.i1.key, { items: [{ ddc_id: certs[1].ddc_id, reason: 'wrong "name"' }] }));
  assert.equal(rv.items[0].status, 'revoked');
  assert.equal(ok(await get(`/v1/certificates/${certs[1].ddc_id}`, t.i1.key)).revoke_reason, 'wrong "name"');
  const burned = ok(await post('/v1/certificates/batch/burn', t.h1.key, { items: [{ ddc_id: certs[2].ddc_id }, { ddc_id: certs[3].ddc_id }] }));
  assert.deepEqual(burned.items.map((i) => i.status), ['burned', 'burned']);
  assertProblem(await post('/v1/certificates/batch/burn', t.h1.key, { items: [{ ddc_id: certs[4].ddc_id }, { ddc_id: certs[4].ddc_id }] }), 422, 'batch_refused');
  assertProblem(await post('/v1/certificates/batch/move', t.i1.key, { items: [{ ddc_id: 1 }] }), 400, 'invalid_parameter', 'op');
  assertProblem(await post('/v1/certificates/batch/transfer', t.i1.key, { items: [{ ddc_id: 1 }] }), 400, 'missing_field', 'items[0].to');
  assertProblem(await post('/v1/certificates/batch/revoke', t.i1.key, { items: [{ ddc_id: 1, reason: 'x' }, 5] }), 400, 'invalid_field', 'items[1]');
});

test('a batch transfer is refused with 402 and the total when the money does not cover every item', async () => {
  const iss = await account(t.p1.key, 'issuer');
  const price = ok(await get('/v1/prices', iss.key)).items;
  const mintPrice = price.find((p) => p.operation === 'mint').amount_minor;
  const transferPrice = price.find((p) => p.operation === 'transfer').amount_minor;
  const holder = await account(iss.key, 'holder');
  await fund(t.p1.key, iss.id, 3 * mintPrice + 2 * transferPrice);
  const certs = [await mint(iss, iss.id), await mint(iss, iss.id), await mint(iss, iss.id)];
  const r = await post('/v1/certificates/batch/transfer', iss.key, { items: certs.map((c) => ({ ddc_id: c.ddc_id, to: holder.id })) });
  assertProblem(r, 402, 'insufficient_funds', undefined, { price: { amount_minor: 3 * transferPrice, currency: 'CNY' }, balance: { amount_minor: 2 * transferPrice, currency: 'CNY' } });
  assert.equal(ok(await get(`/v1/certificates/${certs[0].ddc_id}`, iss.key)).owner_id, iss.id);
});

test('PUT /v1/certificates/{id}/uri is write-once, logged, and the certificate still verifies', async () => {
  const c = await mint(t.i1, t.h1.id);
  assertProblem(await put(`/v1/certificates/${c.ddc_id}/uri`, t.i1.key, { uri: 'not a uri' }), 400, 'invalid_field', 'uri');
  assertProblem(await put(`/v1/certificates/${c.ddc_id}/uri`, t.i2.key, { uri: 'https://example.org/x' }), 403, 'forbidden');
  const set = ok(await put(`/v1/certificates/${c.ddc_id}/uri`, t.i1.key, { uri: 'https://example.org/works/1' }));
  assert.equal(set.uri, 'https://example.org/works/1');
  assertProblem(await put(`/v1/certificates/${c.ddc_id}/uri`, t.i1.key, { uri: 'https://example.org/works/2' }), 409, 'uri_already_set', 'uri');
  const withUri = await mint(t.i1, t.h1.id, { uri: 'ipfs://bafy' });
  assertProblem(await put(`/v1/certificates/${withUri.ddc_id}/uri`, t.op, { uri: 'https://example.org/x' }), 409, 'uri_already_set', 'uri');
  const ev = ok(await get(`/v1/certificates/${c.ddc_id}/events`, t.i1.key)).items;
  assert.deepEqual(ev.map((e) => [e.type, e.data]), [['mint', ev[0].data], ['uri_set', { uri: 'https://example.org/works/1' }]]);
  const v = await until('the uri_set event in the log', async () => {
    const r = ok(await get(`/v1/verify/${c.code}`));
    return r.result !== 'not_yet_anchored' && r;
  });
  assert.equal(v.result, 'valid', JSON.stringify(v.checks));
});

test('the event feed pages the log in order, in the caller\'s scope, with nothing skipped or repeated while writers run', async () => {
  const iss = await account(t.p1.key, 'issuer');
  const holders = [await account(iss.key, 'holder'), await account(iss.key, 'holder')];
  await fund(t.p1.key, iss.id, 1_000_000);
  let cursor = null; // the end of the log as it is now
  for (;;) {
    const page = ok(await get(`/v1/events?limit=1000${cursor ? `&after=${cursor}` : ''}`, iss.key));
    cursor = page.next_cursor ?? cursor;
    if (!page.more) break;
  }
  const seen = [];
  const certs = [];
  let writing = true;
  const writer = async (w) => {
    for (let i = 0; writing && i < 30; i++) {
      const c = await mint(iss, holders[w % 2].id);
      certs.push(c);
      if (i % 2) ok(await post(`/v1/certificates/${c.ddc_id}/transfer`, iss.key, { to: holders[(w + 1) % 2].id }));
    }
  };
  const writers = [0, 1, 2, 3].map(writer);
  const reader = (async () => {
    let c = cursor;
    for (;;) {
      const page = ok(await get(`/v1/events?limit=7${c ? `&after=${c}` : ''}`, iss.key));
      seen.push(...page.items);
      c = page.next_cursor ?? c;
      if (!writing && !page.more) {
        let pending = false; // one request at a time: the per-address connection cap
        for (const x of certs) pending ||= ok(await get(`/v1/certificates/${x.ddc_id}/events`, iss.key)).items.some((e) => e.leaf_index === null);
        if (!pending) {
          const last = ok(await get(`/v1/events?limit=1000${c ? `&after=${c}` : ''}`, iss.key));
          seen.push(...last.items);
          return;
        }
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  await Promise.all(writers);
  writing = false;
  await reader;
  const leaves = seen.map((e) => e.leaf_index);
  assert.ok(leaves.every((l, i) => Number.isInteger(l) && (i === 0 || l > leaves[i - 1])), 'strictly increasing leaf indexes: none repeated');
  const ids = new Set(seen.map((e) => e.id));
  assert.equal(ids.size, seen.length);
  let expected = 0;
  for (const c of certs) {
    for (const e of ok(await get(`/v1/certificates/${c.ddc_id}/events`, iss.key)).items) {
      expected++;
      assert.ok(ids.has(e.id), `event ${e.id} (${e.type} of ${c.ddc_id}) is in the feed`);
    }
  }
  assert.ok(expected >= 60, `${expected} events written`);
  for (const e of seen) assert.ok(e.account_id === iss.id || holders.some((h) => h.id === e.account_id) || certs.some((c) => c.ddc_id === e.ddc_id), `event ${e.id} is in the issuer's scope`);
  // the platform sees its issuer's events; another platform's issuer does not; types filter
  const mints = ok(await get(`/v1/events?limit=1000&type=mint${cursor ? `&after=${cursor}` : ''}`, t.p1.key)).items;
  assert.ok(mints.length > 0 && mints.every((e) => e.type === 'mint'));
  const p2 = ok(await get(`/v1/events?limit=1000${cursor ? `&after=${cursor}` : ''}`, t.i2.key)).items;
  assert.ok(p2.every((e) => !ids.has(e.id)));
  assertProblem(await get('/v1/events?type=Mint', iss.key), 400, 'invalid_parameter', 'type');
  assertProblem(await get('/v1/events?after=-1', iss.key), 400, 'invalid_parameter', 'after');
  assertProblem(await get('/v1/events?limit=1001', iss.key), 400, 'invalid_parameter', 'limit');
});

// Rows: [route, expected statuses for op, plat, iss, iss2, hold, anon, run(key, role)].
const rows = [
  ['POST /v1/recharges/batch (to the platform\'s issuer)', [200, 200, 403, 403, 403, 401],
    (k) => post('/v1/recharges/batch', k, { items: [{ account_id: t.i1.id, amount_minor: 1, currency: 'CNY', reference: uniq('m') }] })],
  ['GET /v1/accounts/{platform}/rollup', [200, 200, 403, 403, 403, 401], (k) => get(`/v1/accounts/${t.p1.id}/rollup`, k)],
  ['GET /v1/events', [200, 200, 200, 200, 403, 401], (k) => get('/v1/events?limit=5', k)],
  ['POST /v1/certificates/batch/transfer (the issuer\'s own certificate)', [422, 403, 200, 422, 422, 401], async (k) => {
    const c = await mint(t.i1, t.i1.id);
    return post('/v1/certificates/batch/transfer', k, { items: [{ ddc_id: c.ddc_id, to: t.h1.id }] });
  }],
  ['POST /v1/certificates/batch/burn (the holder\'s certificate)', [200, 403, 200, 422, 200, 401], async (k) => {
    const c = await mint(t.i1, t.h1.id);
    return post('/v1/certificates/batch/burn', k, { items: [{ ddc_id: c.ddc_id }] });
  }],
  ['POST /v1/certificates/batch/freeze', [200, 403, 200, 422, 422, 401], async (k) => {
    const c = await mint(t.i1, t.h1.id);
    return post('/v1/certificates/batch/freeze', k, { items: [{ ddc_id: c.ddc_id }] });
  }],
  ['PUT /v1/certificates/{id}/uri', [200, 403, 200, 403, 403, 401], async (k) => {
    const c = await mint(t.i1, t.h1.id);
    return put(`/v1/certificates/${c.ddc_id}/uri`, k, { uri: 'https://example.org/u' });
  }],
  ['PUT /v1/prices/{operation} (the platform\'s issuer)', [200, 200, 403, 403, 403, 401],
    (k) => put('/v1/prices/freeze', k, { amount_minor: 10, currency: 'CNY', issuer_id: t.i1.id })],
  ['POST /v1/accounts/{issuer}/recharges', [201, 201, 403, 403, 403, 401],
    (k) => post(`/v1/accounts/${t.i1.id}/recharges`, k, { amount_minor: 1, currency: 'CNY', reference: uniq('x') })],
  ['POST /v1/accounts (an issuer)', [201, 201, 403, 403, 403, 401], (k) => post('/v1/accounts', k, { role: 'issuer', name: uniq('i') })],
  // editions (DDC-1155): a class the platform's issuer minted to its holder
  ['POST /v1/editions', [403, 403, 201, 201, 403, 401], (k) => post('/v1/editions', k, { kind: 'generic', metadata: { title: uniq('ed') }, supply: 2 })],
  ['GET /v1/editions/{id}/balances', [200, 200, 200, 403, 200, 401], async (k) => get(`/v1/editions/${(await edition()).ddc_id}/balances`, k)],
  ['GET /v1/accounts/{holder}/editions', [200, 200, 200, 403, 200, 401], (k) => get(`/v1/accounts/${t.h1.id}/editions`, k)],
  ['POST /v1/editions/{id}/transfer', [403, 403, 200, 403, 200, 401],
    async (k) => post(`/v1/editions/${(await edition()).ddc_id}/transfer`, k, { from: t.h1.id, to: t.i1.id, amount: 1 })],
  ['POST /v1/editions/{id}/burn', [200, 403, 200, 403, 200, 401],
    async (k) => post(`/v1/editions/${(await edition()).ddc_id}/burn`, k, { from: t.h1.id, amount: 1 })],
  ['POST /v1/editions/{id}/mint-more', [403, 403, 200, 403, 403, 401],
    async (k) => post(`/v1/editions/${(await edition({ mintable: true })).ddc_id}/mint-more`, k, { to: t.h1.id, amount: 1 })],
];
// A new edition of 5 units, minted by the platform's issuer to its holder.
const edition = async (extra = {}) => ok(await post('/v1/editions', t.i1.key,
  { kind: 'generic', owner_id: t.h1.id, metadata: { title: uniq('ed') }, supply: 5, ...extra }), 201);
for (const [name, statuses, run] of rows) {
  test(`roles: ${name}`, async () => {
    for (const [i, role] of ROLES.entries()) {
      const r = await run(keyOf(role), role);
      assert.equal(r.status, statuses[i], `${role}: ${r.text}`);
      if (r.status >= 400) assertProblem(r, statuses[i]);
    }
  });
}
