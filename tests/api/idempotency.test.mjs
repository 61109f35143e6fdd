// idempotency.test.mjs: Idempotency-Key on POST: a replay returns the stored response and does
// the work once, also when the replays race; the same key with another body is 422; failures are
// not stored; keys are per account.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startDdcd, request, assertProblem, world, uniq } from './lib.mjs';

let srv, w;
before(async () => { srv = await startDdcd(); w = await world(srv.base); });
after(async () => { await srv.stop(); });

const post = (path, key, json, idem) => request(srv.base, 'POST', path, { key, json, headers: idem ? { 'idempotency-key': idem } : {} });
const count = (sql) => Number(execFileSync('psql', [process.env.DDC_DATABASE_URL, '-qtAXc', sql]).toString().trim());

test('10 concurrent requests with one key create one account and all get the same answer', async () => {
  const name = uniq('idem-race');
  const key = `race-${process.pid}-${Date.now()}`;
  const results = await Promise.all(Array.from({ length: 10 }, () => post('/v1/accounts', w.issuerKey, { role: 'holder', name }, key)));
  for (const r of results) assert.equal(r.status, 201, r.text);
  assert.equal(new Set(results.map((r) => r.text)).size, 1, 'identical bodies');
  assert.equal(results.filter((r) => r.headers['idempotent-replayed'] === 'true').length, 9);
  assert.equal(count(`SELECT count(*) FROM accounts WHERE name = '${name}'`), 1);
});

test('the same key with a different body is 422; a failed request is not stored', async () => {
  const key = `mismatch-${process.pid}`;
  assert.equal((await post('/v1/accounts', w.issuerKey, { role: 'holder', name: uniq('a') }, key)).status, 201);
  assertProblem(await post('/v1/accounts', w.issuerKey, { role: 'holder', name: uniq('b') }, key), 422, 'idempotency_key_reused', 'Idempotency-Key');
  const k2 = `fails-${process.pid}`;
  assertProblem(await post('/v1/accounts', w.issuerKey, { role: 'issuer', name: 'x' }, k2), 403, 'forbidden');
  assertProblem(await post('/v1/accounts', w.issuerKey, { role: 'issuer', name: 'x' }, k2), 403, 'forbidden');
  assert.equal((await post('/v1/accounts', w.issuerKey, { role: 'holder', name: uniq('c') }, k2)).status, 201, 'the key is still free after failures');
});

test('keys are per account; bad keys are 400 naming the header', async () => {
  const key = `shared-${process.pid}`;
  const a = await post('/v1/accounts', w.issuerKey, { role: 'holder', name: 'same' }, key);
  const b = await post('/v1/accounts', w.issuer2Key, { role: 'holder', name: 'same' }, key);
  assert.equal(a.status, 201);
  assert.equal(b.status, 201);
  assert.notEqual(a.json.id, b.json.id);
  assertProblem(await post('/v1/accounts', w.issuerKey, { role: 'holder', name: 'x' }, 'has space'), 400, 'bad_header', 'Idempotency-Key');
  assertProblem(await post('/v1/accounts', w.issuerKey, { role: 'holder', name: 'x' }, 'k'.repeat(201)), 400, 'bad_header', 'Idempotency-Key');
});

test('a replayed API-key creation returns the same key, which is stored sealed', async () => {
  const key = `apikey-${process.pid}`;
  const first = await post(`/v1/accounts/${w.holder.id}/api-keys`, w.issuerKey, { name: 'idem' }, key);
  const again = await post(`/v1/accounts/${w.holder.id}/api-keys`, w.issuerKey, { name: 'idem' }, key);
  assert.equal(first.status, 201);
  assert.equal(again.text, first.text);
  const secret = first.json.key.slice(15);
  const stored = execFileSync('psql', [process.env.DDC_DATABASE_URL, '-qtAXc', `SELECT encode(response, 'escape') FROM idempotency WHERE key = '${key}'`]).toString();
  assert.ok(stored.length > 50);
  assert.ok(!stored.includes(secret), 'the secret is not stored in clear');
  assert.equal(count(`SELECT count(*) FROM api_keys WHERE account_id = ${w.holder.id} AND name = 'idem'`), 1);
});
