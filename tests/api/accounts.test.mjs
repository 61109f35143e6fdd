// accounts.test.mjs: /v1/accounts for every role: operator, issuer, other issuer, holder, other
// holder, anonymous; creation rules, visibility, pagination, freeze and unfreeze.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDdcd, request, assertProblem, world, createAccount, createKey, uniq } from './lib.mjs';

let srv, w;
before(async () => { srv = await startDdcd(); w = await world(srv.base); });
after(async () => { await srv.stop(); });

const get = (path, key) => request(srv.base, 'GET', path, { key });
const post = (path, key, json) => request(srv.base, 'POST', path, { key, json });

test('an account has the documented shape', async () => {
  const r = await get(`/v1/accounts/${w.holder.id}`, w.op);
  assert.equal(r.status, 200);
  assert.deepEqual(Object.keys(r.json).sort(), ['created_at', 'id', 'issuer_id', 'name', 'platform_id', 'role', 'status', 'updated_at']);
  assert.equal(r.json.role, 'holder');
  assert.equal(r.json.issuer_id, w.issuer.id);
  assert.equal(r.json.status, 'active');
  assert.match(r.json.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
});

test('operator creates operators, issuers and holders', async () => {
  for (const role of ['operator', 'issuer']) {
    const r = await post('/v1/accounts', w.op, { role, name: uniq(role) });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.role, role);
    assert.equal(r.json.issuer_id, null);
  }
  const h = await post('/v1/accounts', w.op, { role: 'holder', name: 'Zhang Wei 张伟', issuer_id: w.issuer.id });
  assert.equal(h.status, 201);
  assert.equal(h.json.name, 'Zhang Wei 张伟');
  assert.equal(h.json.issuer_id, w.issuer.id);
});

test('creation is validated field by field', async () => {
  assertProblem(await post('/v1/accounts', w.op, { name: 'x' }), 400, 'missing_field', 'role');
  assertProblem(await post('/v1/accounts', w.op, { role: 'issuer' }), 400, 'missing_field', 'name');
  assertProblem(await post('/v1/accounts', w.op, { role: 'king', name: 'x' }), 400, 'invalid_field', 'role');
  assertProblem(await post('/v1/accounts', w.op, { role: 7, name: 'x' }), 400, 'invalid_field', 'role');
  assertProblem(await post('/v1/accounts', w.op, { role: 'issuer', name: '' }), 400, 'invalid_field', 'name');
  assertProblem(await post('/v1/accounts', w.op, { role: 'issuer', name: 'x'.repeat(201) }), 400, 'invalid_field', 'name');
  assert.equal((await post('/v1/accounts', w.op, { role: 'issuer', name: '字'.repeat(200) })).status, 201, '200 characters of 3 bytes each');
  assertProblem(await post('/v1/accounts', w.op, { role: 'issuer', name: 'a\nb' }), 400, 'invalid_field', 'name');
  assertProblem(await post('/v1/accounts', w.op, { role: 'issuer', name: 'x', colour: 'red' }), 400, 'unknown_field', 'colour');
  assertProblem(await post('/v1/accounts', w.op, { role: 'holder', name: 'x' }), 400, 'missing_field', 'issuer_id');
  assertProblem(await post('/v1/accounts', w.op, { role: 'issuer', name: 'x', issuer_id: w.issuer.id }), 400, 'invalid_field', 'issuer_id');
  assertProblem(await post('/v1/accounts', w.op, { role: 'holder', name: 'x', issuer_id: '5' }), 400, 'invalid_field', 'issuer_id');
  assertProblem(await post('/v1/accounts', w.op, { role: 'holder', name: 'x', issuer_id: 1.5 }), 400, 'invalid_field', 'issuer_id');
  assertProblem(await post('/v1/accounts', w.op, { role: 'holder', name: 'x', issuer_id: w.holder.id }), 409, 'issuer_not_found', 'issuer_id');
  assertProblem(await post('/v1/accounts', w.op, { role: 'holder', name: 'x', issuer_id: 9007199254740991 }), 409, 'issuer_not_found', 'issuer_id');
});

test('issuer creates holders of its own only', async () => {
  const r = await post('/v1/accounts', w.issuerKey, { role: 'holder', name: uniq('h') });
  assert.equal(r.status, 201);
  assert.equal(r.json.issuer_id, w.issuer.id);
  const r2 = await post('/v1/accounts', w.issuerKey, { role: 'holder', name: uniq('h'), issuer_id: w.issuer.id });
  assert.equal(r2.status, 201);
  assertProblem(await post('/v1/accounts', w.issuerKey, { role: 'holder', name: 'x', issuer_id: w.issuer2.id }), 403, 'forbidden');
  assertProblem(await post('/v1/accounts', w.issuerKey, { role: 'issuer', name: 'x' }), 403, 'forbidden');
  assertProblem(await post('/v1/accounts', w.issuerKey, { role: 'operator', name: 'x' }), 403, 'forbidden');
});

test('holders and anonymous callers cannot create accounts', async () => {
  assertProblem(await post('/v1/accounts', w.holderKey, { role: 'holder', name: 'x', issuer_id: w.issuer.id }), 403, 'forbidden');
  assertProblem(await post('/v1/accounts', undefined, { role: 'issuer', name: 'x' }), 401, 'unauthorized');
});

test('GET /v1/accounts/{id}: who sees whom', async () => {
  const cases = [
    // [caller key, account, expected status]
    ['op', 'issuer', 200], ['op', 'holder', 200], ['op', 'issuer2', 200], ['op', 'holder2', 200],
    ['issuerKey', 'issuer', 200], ['issuerKey', 'holder', 200], ['issuerKey', 'issuer2', 403], ['issuerKey', 'holder2', 403],
    ['issuer2Key', 'holder', 403], ['issuer2Key', 'holder2', 200],
    ['holderKey', 'holder', 200], ['holderKey', 'issuer', 403], ['holderKey', 'holder2', 403],
    ['holder2Key', 'holder', 403], ['holder2Key', 'holder2', 200],
  ];
  for (const [k, acc, status] of cases) {
    const r = await get(`/v1/accounts/${w[acc].id}`, w[k]);
    if (status === 200) { assert.equal(r.status, 200, `${k} -> ${acc}`); assert.equal(r.json.id, w[acc].id); }
    else assertProblem(r, status, 'forbidden');
  }
  assertProblem(await get(`/v1/accounts/${w.holder.id}`), 401, 'unauthorized');
  assertProblem(await get('/v1/accounts/999999999', w.op), 404, 'not_found');
});

test('GET /v1/accounts lists what the caller may see, with cursor pagination', async () => {
  const ids = async (key, q = '') => {
    const out = [];
    let cursor = null;
    for (let i = 0; i < 1000; i++) {
      const r = await get(`/v1/accounts?limit=7${q}${cursor ? `&cursor=${cursor}` : ''}`, key);
      assert.equal(r.status, 200, r.text);
      assert.ok(r.json.items.length <= 7);
      out.push(...r.json.items.map((a) => a.id));
      cursor = r.json.next_cursor;
      if (cursor === null) break;
      assert.equal(typeof cursor, 'string');
    }
    return out;
  };
  const all = await ids(w.op);
  assert.deepEqual(all, [...all].sort((a, b) => a - b), 'id order');
  assert.equal(new Set(all).size, all.length, 'no duplicates across pages');
  for (const a of ['issuer', 'holder', 'issuer2', 'holder2']) assert.ok(all.includes(w[a].id));
  const mine = await ids(w.issuerKey);
  assert.ok(mine.includes(w.issuer.id) && mine.includes(w.holder.id));
  assert.ok(!mine.includes(w.issuer2.id) && !mine.includes(w.holder2.id));
  for (const id of mine) {
    const a = (await get(`/v1/accounts/${id}`, w.op)).json;
    assert.ok(a.id === w.issuer.id || a.issuer_id === w.issuer.id);
  }
  assert.deepEqual(await ids(w.holderKey), [w.holder.id]);
  const issuers = await ids(w.op, '&role=issuer');
  assert.ok(issuers.includes(w.issuer.id) && !issuers.includes(w.holder.id));
  const r = await get('/v1/accounts?limit=200', w.op);
  assert.equal(r.status, 200);
  assertProblem(await get('/v1/accounts'), 401, 'unauthorized');
});

test('freeze and unfreeze: who may, and what it does', async () => {
  const h = await createAccount(srv.base, w.issuerKey, 'holder');
  const hKey = (await createKey(srv.base, w.issuerKey, h.id)).key;
  assert.equal((await get(`/v1/accounts/${h.id}`, hKey)).status, 200);
  assertProblem(await post(`/v1/accounts/${h.id}/freeze`, w.holderKey, {}), 403, 'forbidden');
  assertProblem(await post(`/v1/accounts/${h.id}/freeze`, w.issuer2Key, {}), 403, 'forbidden');
  assertProblem(await post(`/v1/accounts/${h.id}/freeze`, undefined, {}), 401, 'unauthorized');
  assertProblem(await post(`/v1/accounts/${h.id}/freeze`, w.issuerKey, { reason: 'x' }), 400, 'unknown_field', 'reason');
  const f = await request(srv.base, 'POST', `/v1/accounts/${h.id}/freeze`, { key: w.issuerKey }); // no body at all
  assert.equal(f.status, 200, f.text);
  assert.equal(f.json.status, 'frozen');
  assertProblem(await get(`/v1/accounts/${h.id}`, hKey), 403, 'account_frozen');
  assert.equal((await post(`/v1/accounts/${h.id}/freeze`, w.issuerKey, {})).json.status, 'frozen', 'idempotent');
  const u = await post(`/v1/accounts/${h.id}/unfreeze`, w.issuerKey, {});
  assert.equal(u.status, 200);
  assert.equal(u.json.status, 'active');
  assert.equal((await get(`/v1/accounts/${h.id}`, hKey)).status, 200);
  // issuers cannot freeze themselves or other issuers; operators can freeze issuers
  assertProblem(await post(`/v1/accounts/${w.issuer.id}/freeze`, w.issuerKey, {}), 403, 'forbidden');
  assertProblem(await post(`/v1/accounts/${w.issuer2.id}/freeze`, w.issuerKey, {}), 403, 'forbidden');
  const i3 = await createAccount(srv.base, w.op, 'issuer');
  const i3Key = (await createKey(srv.base, w.op, i3.id)).key;
  assert.equal((await post(`/v1/accounts/${i3.id}/freeze`, w.op, {})).json.status, 'frozen');
  assertProblem(await get('/v1/accounts', i3Key), 403, 'account_frozen');
  assertProblem(await post('/v1/accounts', i3Key, { role: 'holder', name: 'x' }), 403, 'account_frozen');
  assert.equal((await post(`/v1/accounts/${i3.id}/unfreeze`, w.op, {})).status, 200);
  assert.equal((await get('/v1/accounts', i3Key)).status, 200);
  // operators are never frozen; unknown accounts are 404
  const ops = (await get('/v1/accounts?role=operator&limit=1', w.op)).json.items;
  assertProblem(await post(`/v1/accounts/${ops[0].id}/freeze`, w.op, {}), 409, 'operator_not_freezable');
  assertProblem(await post('/v1/accounts/999999999/freeze', w.op, {}), 404, 'not_found');
  assertProblem(await post('/v1/accounts/999999999/unfreeze', w.issuerKey, {}), 404, 'not_found');
});
