// api_keys.test.mjs: API keys: creation (secret shown once), listing without secrets, revocation,
// who may do what, and per-key rate limits (429 + Retry-After).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startDdcd, request, assertProblem, world, createAccount, createKey, uniq } from './lib.mjs';

let srv, w;
before(async () => { srv = await startDdcd(); w = await world(srv.base); });
after(async () => { await srv.stop(); });

const get = (path, key) => request(srv.base, 'GET', path, { key });
const post = (path, key, json) => request(srv.base, 'POST', path, { key, json });
const del = (path, key) => request(srv.base, 'DELETE', path, { key });

test('a new key is shown once and works at once; listings never show it', async () => {
  const r = await post(`/v1/accounts/${w.issuer.id}/api-keys`, w.op, { name: 'ci', rate_per_sec: 50, rate_per_day: 100000 });
  assert.equal(r.status, 201, r.text);
  const k = r.json;
  assert.match(k.key, /^ddc_[a-z2-7]{10}_[a-z2-7]{52}$/);
  assert.equal(k.prefix, k.key.slice(4, 14));
  assert.equal(k.account_id, w.issuer.id);
  assert.equal(k.rate_per_sec, 50);
  assert.equal(k.rate_per_day, 100000);
  assert.equal(k.revoked_at, null);
  assert.equal((await get(`/v1/accounts/${w.issuer.id}`, k.key)).status, 200);
  const list = await get(`/v1/accounts/${w.issuer.id}/api-keys`, w.op);
  assert.equal(list.status, 200);
  const mine = list.json.items.find((x) => x.id === k.id);
  assert.ok(mine);
  assert.equal(mine.key, undefined);
  assert.ok(!list.text.includes(k.key.slice(15)), 'no secret in the listing');
  assert.deepEqual(Object.keys(mine).sort(), ['account_id', 'created_at', 'id', 'name', 'prefix', 'rate_per_day', 'rate_per_sec', 'revoked_at']);
  assert.ok(!fs.readFileSync(srv.log, 'utf8').includes(k.key.slice(15)), 'no secret in the log');
});

test('key creation is validated', async () => {
  const p = `/v1/accounts/${w.issuer.id}/api-keys`;
  assertProblem(await post(p, w.op, {}), 400, 'missing_field', 'name');
  assertProblem(await post(p, w.op, { name: 'x', rate_per_sec: 0 }), 400, 'invalid_field', 'rate_per_sec');
  assertProblem(await post(p, w.op, { name: 'x', rate_per_sec: 'ten' }), 400, 'invalid_field', 'rate_per_sec');
  assertProblem(await post(p, w.op, { name: 'x', rate_per_day: -5 }), 400, 'invalid_field', 'rate_per_day');
  assertProblem(await post(p, w.op, { name: 'x', secret: 'mine' }), 400, 'unknown_field', 'secret');
  assert.equal((await post(p, w.op, { name: 'x', rate_per_sec: null })).status, 201, 'null means no limit');
  assertProblem(await post('/v1/accounts/999999999/api-keys', w.op, { name: 'x' }), 404, 'not_found');
});

test('who may create, list and revoke keys', async () => {
  // create: operator any; issuer itself and its holders; never others; holders never
  assert.equal((await post(`/v1/accounts/${w.issuer.id}/api-keys`, w.issuerKey, { name: 'own' })).status, 201);
  assert.equal((await post(`/v1/accounts/${w.holder.id}/api-keys`, w.issuerKey, { name: 'holder' })).status, 201);
  assertProblem(await post(`/v1/accounts/${w.holder2.id}/api-keys`, w.issuerKey, { name: 'x' }), 403, 'forbidden');
  assertProblem(await post(`/v1/accounts/${w.issuer2.id}/api-keys`, w.issuerKey, { name: 'x' }), 403, 'forbidden');
  assertProblem(await post(`/v1/accounts/${w.holder.id}/api-keys`, w.holderKey, { name: 'x' }), 403, 'forbidden');
  assertProblem(await post(`/v1/accounts/${w.holder.id}/api-keys`, undefined, { name: 'x' }), 401, 'unauthorized');
  // list
  for (const [k, acc, status] of [['op', 'holder2', 200], ['issuerKey', 'issuer', 200], ['issuerKey', 'holder', 200],
    ['issuerKey', 'holder2', 403], ['issuerKey', 'issuer2', 403], ['holderKey', 'holder', 200], ['holderKey', 'issuer', 403],
    ['holder2Key', 'holder', 403]]) {
    const r = await get(`/v1/accounts/${w[acc].id}/api-keys`, w[k]);
    if (status === 200) assert.equal(r.status, 200, `${k} lists ${acc}`);
    else assertProblem(r, status, 'forbidden');
  }
  assertProblem(await get(`/v1/accounts/${w.holder.id}/api-keys`), 401, 'unauthorized');
  assertProblem(await get('/v1/accounts/999999999/api-keys', w.op), 404, 'not_found');
  // revoke
  const hk = await createKey(srv.base, w.issuerKey, w.holder.id);
  assertProblem(await del(`/v1/api-keys/${hk.id}`, w.issuer2Key), 403, 'forbidden');
  assertProblem(await del(`/v1/api-keys/${hk.id}`, w.holder2Key), 403, 'forbidden');
  assertProblem(await del(`/v1/api-keys/${hk.id}`), 401, 'unauthorized');
  assert.equal((await del(`/v1/api-keys/${hk.id}`, w.issuerKey)).status, 204);
  assertProblem(await del(`/v1/api-keys/${hk.id}`, w.issuerKey), 404, 'not_found');
  const own = await createKey(srv.base, w.issuerKey, w.holder.id);
  assert.equal((await del(`/v1/api-keys/${own.id}`, own.key)).status, 204, 'a holder revokes its own key');
  assertProblem(await del('/v1/api-keys/999999999', w.op), 404, 'not_found');
  // another issuer's own key (an account with no issuer_id) is out of reach too
  const other = await createKey(srv.base, w.op, w.issuer2.id);
  assertProblem(await del(`/v1/api-keys/${other.id}`, w.issuerKey), 403, 'forbidden');
  assertProblem(await del(`/v1/api-keys/${other.id}`, w.holderKey), 403, 'forbidden');
  assert.equal((await get(`/v1/accounts/${w.issuer2.id}`, other.key)).status, 200);
});

test('a revoked key is refused at once; the listing shows when it was revoked', async () => {
  const h = await createAccount(srv.base, w.issuerKey, 'holder');
  const k = await createKey(srv.base, w.issuerKey, h.id);
  assert.equal((await get(`/v1/accounts/${h.id}`, k.key)).status, 200);
  assert.equal((await del(`/v1/api-keys/${k.id}`, w.op)).status, 204);
  assertProblem(await get(`/v1/accounts/${h.id}`, k.key), 401, 'unauthorized');
  const list = (await get(`/v1/accounts/${h.id}/api-keys`, w.op)).json.items;
  assert.match(list.find((x) => x.id === k.id).revoked_at, /Z$/);
});

test('rate_per_sec: the next request in the same second is 429 with Retry-After', async () => {
  const h = await createAccount(srv.base, w.issuerKey, 'holder');
  const k = await createKey(srv.base, w.issuerKey, h.id, { rate_per_sec: 3 });
  const results = [];
  for (let i = 0; i < 8; i++) results.push(await get(`/v1/accounts/${h.id}`, k.key));
  const ok = results.filter((r) => r.status === 200).length;
  const limited = results.filter((r) => r.status === 429);
  assert.ok(ok >= 3 && ok <= 5, `3 allowed at once (+ refill), got ${ok}`);
  assert.ok(limited.length >= 3);
  for (const r of limited) { assertProblem(r, 429, 'rate_limited'); assert.ok(Number(r.headers['retry-after']) >= 1); }
  await new Promise((r) => setTimeout(r, 1100));
  assert.equal((await get(`/v1/accounts/${h.id}`, k.key)).status, 200, 'allowed again after a second');
  // another key of the same account is not affected
  const k2 = await createKey(srv.base, w.issuerKey, h.id);
  for (let i = 0; i < 10; i++) assert.equal((await get(`/v1/accounts/${h.id}`, k2.key)).status, 200);
});

test('rate_per_day: past the daily count is 429 until UTC midnight', async () => {
  const h = await createAccount(srv.base, w.issuerKey, 'holder');
  const k = await createKey(srv.base, w.issuerKey, h.id, { rate_per_day: 4 });
  for (let i = 0; i < 4; i++) assert.equal((await get(`/v1/accounts/${h.id}`, k.key)).status, 200);
  const r = await get(`/v1/accounts/${h.id}`, k.key);
  assertProblem(r, 429, 'rate_limited');
  const now = new Date();
  const toMidnight = Math.ceil((Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1) - now.getTime()) / 1000);
  assert.ok(Math.abs(Number(r.headers['retry-after']) - toMidnight) <= 2, `Retry-After ${r.headers['retry-after']} vs ${toMidnight}`);
});

test('keys of a frozen account get 403, all of them, and work again after unfreeze', async () => {
  const h = await createAccount(srv.base, w.issuerKey, 'holder');
  const k1 = await createKey(srv.base, w.issuerKey, h.id);
  const k2 = await createKey(srv.base, w.issuerKey, h.id, { name: uniq('second') });
  assert.equal((await post(`/v1/accounts/${h.id}/freeze`, w.issuerKey, {})).status, 200);
  for (const k of [k1, k2]) assertProblem(await get(`/v1/accounts/${h.id}`, k.key), 403, 'account_frozen');
  assertProblem(await del(`/v1/api-keys/${k1.id}`, k1.key), 403, 'account_frozen');
  assert.equal((await post(`/v1/accounts/${h.id}/unfreeze`, w.op, {})).status, 200);
  for (const k of [k1, k2]) assert.equal((await get(`/v1/accounts/${h.id}`, k.key)).status, 200);
});
