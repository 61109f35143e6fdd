// cross_process.test.mjs: three ddcd processes on one database. A key revoked or an account
// frozen through one is refused by the others within a second (LISTEN/NOTIFY, and the short time
// to live while a listener is down); writes that make credentials or move money re-check the
// acting key in their own transaction, so even a ddcd that has not heard yet refuses them; per-key
// rate limits and an issuer's upload slots hold in sum; a certificate revoked through one stops
// being "valid" in the others' verification caches.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { execFileSync } from 'node:child_process';
import { startDdcd, request, assertProblem, world, createAccount, createKey, uniq, until } from './lib.mjs';

const appA = `ddcd-xp-A-${process.pid}`, appB = `ddcd-xp-B-${process.pid}`, appC = `ddcd-xp-C-${process.pid}`;
let A, B, C, w;
const sql = (q) => execFileSync('psql', [process.env.DDC_DATABASE_URL, '-qXAtc', q]).toString().trim();
// B and C keep verdicts for 10 s: only the notification can make them drop one sooner
before(async () => {
  [A, B, C] = await Promise.all([
    startDdcd({ env: { PGAPPNAME: appA, DDC_PUBLIC_RATE: '0' } }),
    startDdcd({ env: { PGAPPNAME: appB, DDC_PUBLIC_RATE: '0', DDC_VERIFY_CACHE_MS: '10000' } }),
    startDdcd({ env: { PGAPPNAME: appC, DDC_PUBLIC_RATE: '0', DDC_VERIFY_CACHE_MS: '10000' } }),
  ]);
  w = await world(A.base);
  await Promise.all([A, B, C].map((s) => until('the listener', async () => (await listener(s)).up === 1)));
});
after(async () => { await Promise.all([A?.stop(), B?.stop(), C?.stop()]); });

async function listener(s) {
  const t = (await request(s.base, 'GET', '/metrics')).text;
  const num = (name) => Number(t.match(new RegExp(`^${name} (\\d+)$`, 'm'))[1]);
  return { up: num('ddcd_auth_listener_up'), connects: num('ddcd_auth_listener_connects_total') };
}

// Polls fn every 50 ms until it is true; returns the milliseconds it took (fails after 5 s).
async function msUntil(what, fn) {
  const t0 = Date.now();
  await until(what, fn, 5000);
  return Date.now() - t0;
}

const status = async (s, path, key) => (await request(s.base, 'GET', path, { key })).status;

test('a key revoked through A is refused by B and C within a second', async (t) => {
  const h = await createAccount(A.base, w.issuerKey, 'holder');
  const k = await createKey(A.base, w.issuerKey, h.id);
  for (const s of [B, C]) assert.equal(await status(s, `/v1/accounts/${h.id}`, k.key), 200, 'cached there');
  assert.equal((await request(A.base, 'DELETE', `/v1/api-keys/${k.id}`, { key: w.op })).status, 204);
  const ms = await Promise.all([B, C].map((s) => msUntil('refused', async () => (await status(s, `/v1/accounts/${h.id}`, k.key)) === 401)));
  for (const x of ms) assert.ok(x < 1000, `refused after ${x} ms`);
  t.diagnostic(`revoked on A, refused on B after ${ms[0]} ms, on C after ${ms[1]} ms`);
});

test('an account frozen through A is refused by B and C within a second, and unfrozen too', async (t) => {
  const h = await createAccount(A.base, w.issuerKey, 'holder');
  const k = await createKey(A.base, w.issuerKey, h.id);
  for (const s of [B, C]) assert.equal(await status(s, `/v1/accounts/${h.id}`, k.key), 200);
  assert.equal((await request(A.base, 'POST', `/v1/accounts/${h.id}/freeze`, { key: w.issuerKey, json: {} })).status, 200);
  let ms = await Promise.all([B, C].map((s) => msUntil('refused', async () => (await status(s, `/v1/accounts/${h.id}`, k.key)) === 403)));
  for (const x of ms) assert.ok(x < 1000, `refused after ${x} ms`);
  for (const s of [B, C]) assertProblem(await request(s.base, 'GET', `/v1/accounts/${h.id}`, { key: k.key }), 403, 'account_frozen');
  t.diagnostic(`frozen on A, refused on B after ${ms[0]} ms, on C after ${ms[1]} ms`);
  assert.equal((await request(A.base, 'POST', `/v1/accounts/${h.id}/unfreeze`, { key: w.issuerKey, json: {} })).status, 200);
  ms = await Promise.all([B, C].map((s) => msUntil('accepted', async () => (await status(s, `/v1/accounts/${h.id}`, k.key)) === 200)));
  for (const x of ms) assert.ok(x < 1000, `accepted again after ${x} ms`);
  t.diagnostic(`unfrozen on A, accepted on B after ${ms[0]} ms, on C after ${ms[1]} ms`);
});

test('with B\'s listener cut off, the short time to live still refuses within a second; it listens again', async (t) => {
  const h = await createAccount(A.base, w.issuerKey, 'holder');
  const [k1, k2] = [await createKey(A.base, w.issuerKey, h.id), await createKey(A.base, w.issuerKey, h.id)];
  for (const k of [k1, k2]) assert.equal(await status(B, `/v1/accounts/${h.id}`, k.key), 200);
  const before = await listener(B);
  const killed = sql(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = '${appB}/listen'`);
  assert.equal(killed, '1', 'B\'s listener connection was found by its application_name');
  await until('B notices', async () => (await listener(B)).up === 0, 5000);
  // the revocation's NOTIFY reaches no listener of B's
  assert.equal((await request(A.base, 'DELETE', `/v1/api-keys/${k1.id}`, { key: w.op })).status, 204);
  const ms = await msUntil('B refuses', async () => (await status(B, `/v1/accounts/${h.id}`, k1.key)) === 401);
  assert.ok(ms < 1000, `B refused after ${ms} ms without notifications`);
  await until('B listens again', async () => { const l = await listener(B); return l.up === 1 && l.connects > before.connects; }, 15000);
  assert.equal(await status(B, `/v1/accounts/${h.id}`, k2.key), 200);
  assert.equal((await request(A.base, 'DELETE', `/v1/api-keys/${k2.id}`, { key: w.op })).status, 204);
  const ms2 = await msUntil('B refuses', async () => (await status(B, `/v1/accounts/${h.id}`, k2.key)) === 401);
  assert.ok(ms2 < 1000, `after reconnecting, B refused after ${ms2} ms`);
  t.diagnostic(`listener down: refused after ${ms} ms; listening again: after ${ms2} ms`);
});

// The window: the change is committed with triggers off (session_replication_role = replica), so
// no NOTIFY is sent and B, which cached the key a moment ago, still lets reads through.
test('inside the window, a revoked key or a frozen account cannot make keys or move money on B', async () => {
  const issuer = await createAccount(A.base, w.op, 'issuer');
  const ik = await createKey(A.base, w.op, issuer.id);
  const holder = await createAccount(A.base, ik.key, 'holder');
  const hk = await createKey(A.base, ik.key, holder.id);
  const money = { amount_minor: 1000, currency: 'CNY' };
  assert.equal((await request(A.base, 'POST', `/v1/accounts/${issuer.id}/recharges`, { key: w.op, json: { ...money, reference: uniq('r') } })).status, 201);
  const quiet = (q) => sql(`SET session_replication_role = replica; ${q}`);
  const tryAll = async () => ({
    key: await request(B.base, 'POST', `/v1/accounts/${holder.id}/api-keys`, { key: ik.key, json: { name: uniq('k') } }),
    recharge: await request(B.base, 'POST', `/v1/accounts/${holder.id}/recharges`, { key: ik.key, json: { ...money, reference: uniq('r') } }),
    holderKey: await request(B.base, 'PUT', `/v1/accounts/${holder.id}/holder-key`, { key: hk.key, json: { public_key: 'A'.repeat(43) } }),
  });

  // frozen accounts
  assert.equal(await status(B, `/v1/accounts/${holder.id}`, ik.key), 200);
  assert.equal(await status(B, `/v1/accounts/${holder.id}`, hk.key), 200);
  quiet(`UPDATE accounts SET status = 'frozen' WHERE id IN (${issuer.id}, ${holder.id})`);
  assert.equal(await status(B, `/v1/accounts/${holder.id}`, ik.key), 200, 'B has not heard: inside the window');
  let r = await tryAll();
  assertProblem(r.key, 403, 'account_frozen');
  assertProblem(r.recharge, 403, 'account_frozen');
  assertProblem(r.holderKey, 403, 'account_frozen');
  quiet(`UPDATE accounts SET status = 'active' WHERE id IN (${issuer.id}, ${holder.id})`);

  // revoked keys
  assert.equal(await status(B, `/v1/accounts/${holder.id}`, ik.key), 200);
  assert.equal(await status(B, `/v1/accounts/${holder.id}`, hk.key), 200);
  quiet(`UPDATE api_keys SET revoked_at = now() WHERE id IN (${ik.id}, ${hk.id})`);
  assert.equal(await status(B, `/v1/accounts/${holder.id}`, ik.key), 200, 'B has not heard: inside the window');
  r = await tryAll();
  assertProblem(r.key, 401, 'unauthorized');
  assertProblem(r.recharge, 401, 'unauthorized');
  assertProblem(r.holderKey, 401, 'unauthorized');
  const keys = (await request(A.base, 'GET', `/v1/accounts/${holder.id}/api-keys`, { key: w.op })).json.items;
  assert.deepEqual(keys.map((k) => k.id), [hk.id], 'no key was made');
  const bal = (await request(A.base, 'GET', `/v1/accounts/${holder.id}/balance`, { key: w.op })).json;
  assert.deepEqual(bal.balances, [], 'no money moved');
});

test('a per-second limit holds in sum over the three processes', async (t) => {
  const h = await createAccount(A.base, w.issuerKey, 'holder');
  const k = await createKey(A.base, w.issuerKey, h.id, { rate_per_sec: 5 });
  const one = (i) => request([A, B, C][i % 3].base, 'GET', `/v1/accounts/${h.id}`, { key: k.key });
  // a burst of 21, a third to each: the bucket holds 5 (each process alone would allow 5)
  const t0 = Date.now();
  const burst = await Promise.all(Array.from({ length: 21 }, (_, i) => one(i)));
  const took = (Date.now() - t0) / 1000;
  const ok = burst.filter((r) => r.status === 200).length;
  assert.ok(ok >= 5 && ok <= 5 + Math.ceil(took * 5), `${ok} of the burst allowed in ${took} s`);
  for (const r of burst.filter((x) => x.status !== 200)) {
    assertProblem(r, 429, 'rate_limited');
    assert.ok(Number(r.headers['retry-after']) >= 1);
  }
  // then 3 s of steady requests, in turn: about 5 a second in all, not 15
  await new Promise((res) => setTimeout(res, 1100));
  const t1 = Date.now();
  let allowed = 0, i = 0;
  while (Date.now() - t1 < 3000) if ((await one(i++)).status === 200) allowed++;
  const secs = (Date.now() - t1) / 1000;
  assert.ok(allowed <= 5 + Math.ceil(secs * 5) && allowed >= Math.floor(secs * 5) - 1, `${allowed} allowed in ${secs} s over ${i} requests`);
  t.diagnostic(`burst: ${ok} of 21 in ${took} s; steady: ${allowed} of ${i} in ${secs} s`);
});

test('a per-day limit holds in sum over the three processes', async () => {
  const h = await createAccount(A.base, w.issuerKey, 'holder');
  const k = await createKey(A.base, w.issuerKey, h.id, { rate_per_day: 6 });
  const res = [];
  for (let i = 0; i < 10; i++) res.push((await request([A, B, C][i % 3].base, 'GET', `/v1/accounts/${h.id}`, { key: k.key })).status);
  assert.deepEqual(res, [200, 200, 200, 200, 200, 200, 429, 429, 429, 429]);
});

test('a certificate revoked through A is no longer "valid" in B\'s and C\'s verification caches within a second', async (t) => {
  assert.equal((await request(A.base, 'POST', `/v1/accounts/${w.issuer.id}/recharges`, { key: w.op, json: { amount_minor: 10000, currency: 'CNY', reference: uniq('r') } })).status, 201);
  const c = (await request(A.base, 'POST', '/v1/certificates', { key: w.issuerKey, json: { kind: 'generic', metadata: { title: uniq('x') } } })).json;
  const verdict = async (s) => (await request(s.base, 'GET', `/v1/verify/${c.code}`)).json.result;
  for (const s of [B, C]) await until('valid there', async () => (await verdict(s)) === 'valid');
  for (const s of [B, C]) assert.equal(await verdict(s), 'valid', 'cached there');
  assert.equal((await request(A.base, 'POST', `/v1/certificates/${c.ddc_id}/revoke`, { key: w.issuerKey, json: { reason: 'wrong' } })).status, 200);
  const first = await Promise.all([B, C].map(verdict)); // the very next answers
  const ms = await Promise.all([B, C].map((s) => msUntil('not valid there', async () => (await verdict(s)) !== 'valid')));
  for (const x of ms) assert.ok(x < 1000, `a cached verdict lasted ${x} ms (the caches keep verdicts 10 s)`);
  t.diagnostic(`first answers after the revocation: B ${first[0]}, C ${first[1]}; not valid after ${ms[0]} and ${ms[1]} ms`);
  for (const s of [B, C]) await until('revoked there', async () => (await verdict(s)) === 'revoked');
});

// An issuer's upload slots are advisory locks held by each upload's own connection: 4 in all,
// whichever ddcd takes them.
test('an issuer has at most 4 uploads in progress over the three processes', async () => {
  const op = w.op;
  const iss = await createAccount(A.base, op, 'issuer');
  const key = (await createKey(A.base, op, iss.id)).key;
  assert.equal((await request(A.base, 'POST', `/v1/accounts/${iss.id}/recharges`, { key: op, json: { amount_minor: 100000000, currency: 'CNY', reference: uniq('r') } })).status, 201);
  const rows = (tag, n) => ['student_name,student_id,degree,major,institution,conferred_on,external_ref',
    ...Array.from({ length: n }, (_, i) => `"Student, ${i}",S${i},BSc,Physics,Example University,2026-06-30,${tag}-${i}`)].join('\n') + '\n';
  const hang = async (s) => {
    const u = new URL('/v1/batches?kind=diploma', s.base);
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method: 'POST', agent: false,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'text/csv', 'transfer-encoding': 'chunked' } });
    req.on('error', () => {});
    req.write(rows(uniq('h').replace(/ /g, '-'), 20));
    await new Promise((res) => setTimeout(res, 300));
    return req;
  };
  const post = (s, tag) => request(s.base, 'POST', '/v1/batches?kind=diploma&dry_run=true', { key, body: rows(tag, 5), headers: { 'content-type': 'text/csv' } });
  const ups = [await hang(A), await hang(A), await hang(B), await hang(C)];
  try {
    for (const s of [A, B, C]) {
      const r = await post(s, uniq('p').replace(/ /g, '-'));
      assertProblem(r, 429, 'rate_limited');
      assert.match(r.json.detail, /this issuer has 4 uploads in progress/);
    }
    ups[2].destroy(); // B's ends: its connection, and the slot, go with it
    await until('a slot is free', async () => (await post(C, uniq('q').replace(/ /g, '-'))).status === 202);
  } finally {
    for (const u of ups) u.destroy();
  }
});
