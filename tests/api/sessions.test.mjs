// sessions.test.mjs: the console's sessions (POST/GET/DELETE /v1/session) against real ddcd
// processes and PostgreSQL: the cookie's attributes (Secure under an https public URL), the
// session standing for its key (role checks, rate limits, the key's revocation and the account's
// freeze end it), the CSRF token and origin checks on state-changing requests, the idle and
// absolute timeouts (moved back in the database), sign-out, and failed sign-ins limited per
// address and per key prefix across two processes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { execFileSync } from 'node:child_process';
import { assertProblem, createKey, request, startDdcd, uniq, until, world } from './lib.mjs';

let srv, srv2, w;
before(async () => {
  const env = { DDC_SIGNIN_FAILURES: '3' };
  srv = await startDdcd({ env });
  srv2 = await startDdcd({ env });
  w = await world(srv.base);
  const r = await request(srv.base, 'POST', `/v1/accounts/${w.issuer.id}/recharges`, { key: w.op, json: { amount_minor: 100000, currency: 'CNY', reference: uniq('sess') } });
  assert.equal(r.status, 201, r.text);
});
after(async () => {
  await srv?.stop();
  await srv2?.stop();
});

const sql = (q) => execFileSync('psql', [process.env.DDC_DATABASE_URL, '-qXAtc', q]).toString().trim();
// A client address of its own in 127/8 for the per-address count (the suite's other requests
// come from 127.0.0.1).
const addr = () => `127.${1 + (process.pid % 200)}.${Math.floor(Math.random() * 250) + 1}.${Math.floor(Math.random() * 250) + 2}`;
const from = (localAddress) => new http.Agent({ localAddress });

// The suite signs in from an address of its own: failed sign-ins of other suites (or of earlier
// runs on the same database) from 127.0.0.1 are not counted against it.
const HOME = addr();
async function signIn(base, key, opts = {}) {
  const r = await request(base, 'POST', '/v1/session', { json: { key }, agent: from(HOME), ...opts });
  if (r.status !== 201) return { r };
  const cookie = r.headers['set-cookie'][0];
  return { r, cookie, token: /ddc_session=([0-9a-f]{64})/.exec(cookie)[1], csrf: r.json.csrf_token };
}
const withSession = (s, extra = {}) => ({ headers: { cookie: `ddc_session=${s.token}`, ...extra } });
const withCsrf = (s, extra = {}) => withSession(s, { 'x-csrf-token': s.csrf, ...extra });

test('sign-in sets an HttpOnly, SameSite=Strict cookie; the session stands for the key; GET /v1/session', async () => {
  const s = await signIn(srv.base, w.issuerKey);
  assert.equal(s.r.status, 201, s.r.text);
  assert.match(s.cookie, /^ddc_session=[0-9a-f]{64}; Path=\/; Max-Age=28800; HttpOnly; SameSite=Strict$/);
  assert.equal(s.r.json.account_id, w.issuer.id);
  assert.equal(s.r.json.role, 'issuer');
  assert.match(s.csrf, /^[0-9a-f]{64}$/);
  assert.equal(s.r.json.idle_timeout_s, 1800);
  const hash = sql(`SELECT encode(token_hash, 'hex') FROM console_sessions WHERE token_hash = sha256('\\x${s.token}')`);
  assert.ok(hash && hash !== s.token, 'the database keeps only the hash of the token');
  const me = await request(srv2.base, 'GET', '/v1/session', withSession(s));
  assert.equal(me.status, 200, 'any ddcd serves the session');
  assert.equal(me.json.csrf_token, s.csrf);
  const byKey = await request(srv.base, 'GET', '/v1/session', { key: w.issuerKey });
  assert.equal(byKey.status, 200);
  assert.equal(byKey.json.csrf_token, undefined, 'no CSRF token for a key');
  const list = await request(srv.base, 'GET', '/v1/certificates', withSession(s));
  assert.equal(list.status, 200);
  const mint = await request(srv2.base, 'POST', '/v1/certificates', { json: { kind: 'generic', metadata: { title: uniq('by session') } }, ...withCsrf(s) });
  assert.equal(mint.status, 201, mint.text);
  assert.equal(mint.json.issuer_id, w.issuer.id);
  // a wrong key, an unknown one, a malformed body
  assertProblem(await request(srv.base, 'POST', '/v1/session', { json: { key: `${w.issuerKey.slice(0, -1)}${w.issuerKey.endsWith('a') ? 'b' : 'a'}` }, agent: from(addr()) }), 401, 'unauthorized', 'key');
  assertProblem(await request(srv.base, 'POST', '/v1/session', { json: {} }), 400, 'missing_field', 'key');
});

test('under an https public URL the cookie is Secure', async () => {
  const s3 = await startDdcd({ env: { DDC_PUBLIC_URL: 'https://certs.example.org' } });
  try {
    const s = await signIn(s3.base, w.issuerKey, { headers: { origin: 'https://certs.example.org' } });
    assert.equal(s.r.status, 201, s.r.text);
    assert.match(s.cookie, /; Secure$/);
    const other = await request(s3.base, 'POST', '/v1/session', { json: { key: w.issuerKey }, headers: { origin: 'https://evil.example.org' }, agent: from(HOME) });
    assertProblem(other, 403, 'csrf_rejected', 'Origin');
  } finally {
    await s3.stop();
  }
});

test('a state-changing request with the cookie needs the CSRF token and this origin; GETs do not', async () => {
  const s = await signIn(srv.base, w.issuerKey);
  const c = (await request(srv.base, 'POST', '/v1/certificates', { key: w.issuerKey, json: { kind: 'generic', metadata: { title: uniq('csrf') } } })).json;
  const freeze = (opts) => request(srv.base, 'POST', `/v1/certificates/${c.ddc_id}/freeze`, { json: {}, ...opts });
  assertProblem(await freeze(withSession(s)), 403, 'csrf_rejected', 'X-CSRF-Token');
  assertProblem(await freeze(withSession(s, { 'x-csrf-token': '0'.repeat(64) })), 403, 'csrf_rejected', 'X-CSRF-Token');
  assertProblem(await freeze(withCsrf(s, { origin: 'http://127.0.0.1:1' })), 403, 'csrf_rejected', 'Origin');
  assertProblem(await freeze(withCsrf(s, { 'sec-fetch-site': 'same-site' })), 403, 'csrf_rejected', 'Origin');
  // a form post: refused for CSRF before its media type is looked at
  assertProblem(await request(srv.base, 'POST', `/v1/certificates/${c.ddc_id}/revoke`, { body: 'reason=x', ...withSession(s, { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://evil.test' }) }), 403, 'csrf_rejected', 'Origin');
  // another session's token is not this one's
  const other = await signIn(srv.base, w.issuerKey);
  assertProblem(await freeze(withSession(s, { 'x-csrf-token': other.csrf })), 403, 'csrf_rejected', 'X-CSRF-Token');
  assert.equal((await request(srv.base, 'GET', `/v1/certificates/${c.ddc_id}`, withSession(s))).json.status, 'active');
  const ok = await freeze(withCsrf(s, { origin: srv.base, 'sec-fetch-site': 'same-origin' }));
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.status, 'frozen');
});

test('the session can do nothing its key could not: a holder\'s session is refused as the holder\'s key is', async () => {
  const s = await signIn(srv.base, w.holderKey);
  assert.equal(s.r.json.role, 'holder');
  assert.equal(s.r.json.issuer_id, w.issuer.id);
  assertProblem(await request(srv.base, 'POST', '/v1/certificates', { json: { kind: 'generic', metadata: { title: 'x' } }, ...withCsrf(s) }), 403, 'forbidden');
  assertProblem(await request(srv.base, 'POST', '/v1/accounts', { json: { role: 'issuer', name: 'x' }, ...withCsrf(s) }), 403, 'forbidden');
  assertProblem(await request(srv.base, 'GET', `/v1/certificates?owner_id=${w.holder2.id}`, withSession(s)), 403, 'forbidden');
});

test('the key\'s revocation and the account\'s freeze end its sessions; the key\'s rate limit applies', async () => {
  const k = await createKey(srv.base, w.op, w.issuer2.id, { rate_per_sec: 1 });
  const s = await signIn(srv.base, k.key);
  assert.equal(s.r.status, 201);
  await new Promise((r) => setTimeout(r, 1100));
  const statuses = [];
  for (let i = 0; i < 3; i++) statuses.push((await request(srv.base, 'GET', '/v1/session', withSession(s))).status);
  assert.ok(statuses.includes(429), `the key's 1 request a second: ${statuses}`);
  await new Promise((r) => setTimeout(r, 1100));
  assert.equal((await request(srv.base, 'POST', `/v1/accounts/${w.issuer2.id}/freeze`, { key: w.op, json: {} })).status, 200);
  try {
    const frozen = await until('the freeze to reach the session', async () => {
      const r = await request(srv2.base, 'GET', '/v1/session', withSession(s));
      return r.status === 403 && r;
    });
    assertProblem(frozen, 403, 'account_frozen');
  } finally {
    assert.equal((await request(srv.base, 'POST', `/v1/accounts/${w.issuer2.id}/unfreeze`, { key: w.op, json: {} })).status, 200);
  }
  await until('the session to work again', async () => (await request(srv2.base, 'GET', '/v1/session', withSession(s))).status === 200);
  assert.equal((await request(srv.base, 'DELETE', `/v1/api-keys/${k.id}`, { key: w.op })).status, 204);
  assertProblem(await request(srv2.base, 'GET', '/v1/session', withSession(s)), 401, 'unauthorized');
});

test('idle and absolute timeouts end a session; sign-out deletes it for every process', async () => {
  const idle = await signIn(srv.base, w.issuerKey);
  const old = await signIn(srv.base, w.issuerKey);
  const out = await signIn(srv.base, w.issuerKey);
  sql(`UPDATE console_sessions SET seen_at = now() - interval '1801 s' WHERE token_hash = sha256('\\x${idle.token}')`);
  sql(`UPDATE console_sessions SET seen_at = now() - interval '1799 s' WHERE token_hash = sha256('\\x${old.token}')`);
  assertProblem(await request(srv.base, 'GET', '/v1/session', withSession(idle)), 401, 'unauthorized');
  assert.equal((await request(srv.base, 'GET', '/v1/session', withSession(old))).status, 200, 'used within the idle time');
  assert.equal((await request(srv.base, 'GET', '/v1/session', withSession(old))).status, 200, 'and seen again');
  sql(`UPDATE console_sessions SET expires_at = now() - interval '1 s' WHERE token_hash = sha256('\\x${old.token}')`);
  assertProblem(await request(srv.base, 'GET', '/v1/session', withSession(old)), 401, 'unauthorized');
  assertProblem(await request(srv.base, 'DELETE', '/v1/session', withSession(out)), 403, 'csrf_rejected');
  const bye = await request(srv.base, 'DELETE', '/v1/session', withCsrf(out));
  assert.equal(bye.status, 204);
  assert.match(bye.headers['set-cookie'][0], /^ddc_session=; Path=\/; Max-Age=0; HttpOnly; SameSite=Strict$/);
  assertProblem(await request(srv2.base, 'GET', '/v1/certificates', withSession(out)), 401, 'unauthorized');
  assert.equal(sql(`SELECT count(*) FROM console_sessions WHERE token_hash = sha256('\\x${out.token}')`), '0');
});

test('failed sign-ins are limited per address and per key prefix, across processes', async () => {
  // per address: 3 failures from one address, then even a good key is refused there for 15 minutes
  const a = addr();
  for (let i = 0; i < 3; i++) assertProblem(await request(srv.base, 'POST', '/v1/session', { json: { key: 'ddc_nope' }, agent: from(a) }), 401, 'unauthorized', 'key');
  const refused = await request(srv2.base, 'POST', '/v1/session', { json: { key: w.issuerKey }, agent: from(a) });
  assertProblem(refused, 429, 'rate_limited');
  assert.ok(Number(refused.headers['retry-after']) > 800 && Number(refused.headers['retry-after']) <= 900, refused.headers['retry-after']);
  assert.equal((await request(srv2.base, 'POST', '/v1/session', { json: { key: w.issuerKey }, agent: from(addr()) })).status, 201, 'another address is not held back');
  // per prefix: 3 wrong secrets with a key's prefix from 3 addresses, then the key itself is refused
  const k = await createKey(srv.base, w.op, w.issuer2.id);
  const wrong = `${k.key.slice(0, 15)}${'a'.repeat(52)}`;
  for (let i = 0; i < 3; i++) assertProblem(await request(i % 2 ? srv2.base : srv.base, 'POST', '/v1/session', { json: { key: wrong }, agent: from(addr()) }), 401, 'unauthorized');
  assertProblem(await request(srv2.base, 'POST', '/v1/session', { json: { key: k.key }, agent: from(addr()) }), 429, 'rate_limited');
  assert.equal((await request(srv.base, 'GET', '/v1/session', { key: k.key })).status, 200, 'the key itself still works with the API');
});
