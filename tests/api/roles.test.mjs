// roles.test.mjs: every certificate and billing route called as each of six callers: the operator,
// the owning issuer, another issuer, the holder (the owner, a holder of the issuer), a holder of the
// other issuer, and anonymous. One table row per endpoint with the six expected statuses. Rows that
// change state get fresh fixtures for every caller. Cross-issuer access is always refused (403), and
// every error of the suite is an application/problem+json whose status and code match the response.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startDdcd, request, world, createAccount, createKey, uniq, ownDatabase } from './lib.mjs';

let db, srv, w;
let s0; // shared read-only scene: a holder of the issuer owning one active certificate
let sk; // a holder of the issuer with a holder key registered
const ROLES = ['op', 'iss', 'iss2', 'hold', 'hold2', 'anon'];
const MONEY = 1_000_000_000; // plenty: 402 must never mask the role outcome

// Every error response seen anywhere in this suite must be a problem whose status and code match.
function checkProblem(res) {
  const where = `${res.req.method} ${res.req.path} -> ${res.status} ${res.text}`;
  assert.match(res.headers['content-type'] || '', /^application\/problem\+json/, `problem content type: ${where}`);
  const p = res.json;
  assert.ok(p && typeof p === 'object' && !Array.isArray(p), `problem body is a JSON object: ${where}`);
  assert.equal(p.status, res.status, `problem.status equals the HTTP status: ${where}`);
  assert.equal(typeof p.code, 'string', `problem.code: ${where}`);
  assert.ok(p.code.length > 0, `problem.code is not empty: ${where}`);
  assert.equal(p.type, `urn:ddcd:problem:${p.code}`, `problem.type names the code: ${where}`);
  for (const k of ['title', 'detail']) assert.equal(typeof p[k], 'string', `problem.${k}: ${where}`);
}

let errorsChecked = 0;
async function call(method, path, key, json) {
  const res = await request(srv.base, method, path, { key, json });
  res.req = { method, path, json };
  if (res.status >= 400) { checkProblem(res); errorsChecked++; }
  return res;
}
const get = (path, key) => call('GET', path, key);
const post = (path, key, json) => call('POST', path, key, json);
const put = (path, key, json) => call('PUT', path, key, json);
const del = (path, key) => call('DELETE', path, key);

function ok(res, status = 200) {
  assert.equal(res.status, status, `${res.req.method} ${res.req.path}: ${res.text}`);
  return res.json;
}

async function recharge(payerKey, accountId, amount) {
  return ok(await post(`/v1/accounts/${accountId}/recharges`, payerKey,
    { amount_minor: amount, currency: 'CNY', reference: uniq('fund') }), 201);
}

async function mint(ownerId, issuerKey = w.issuerKey) {
  return ok(await post('/v1/certificates', issuerKey,
    { kind: 'generic', owner_id: ownerId, metadata: { title: uniq('roles') } }), 201);
}

// A fresh holder of the issuer with an API key and money, owning a fresh active certificate.
async function scene({ holderKey = false } = {}) {
  const holder = await createAccount(srv.base, w.issuerKey, 'holder');
  const key = (await createKey(srv.base, w.issuerKey, holder.id)).key;
  await recharge(w.issuerKey, holder.id, 100_000);
  const cert = await mint(holder.id);
  const s = { holder, holderKey: key, cert };
  if (holderKey) {
    const pair = crypto.generateKeyPairSync('ed25519');
    s.signingKey = pair.privateKey;
    const pub = pair.publicKey.export({ format: 'jwk' }).x;
    await ok(await put(`/v1/accounts/${holder.id}/holder-key`, key, { public_key: pub }));
  }
  return s;
}

const keyOf = (role, s) => ({
  op: w.op, iss: w.issuerKey, iss2: w.issuer2Key, hold: s.holderKey, hold2: w.holder2Key, anon: undefined,
})[role];

// The holder's Ed25519 signature over the JCS of {action, ddc_id, deadline, nonce, to}.
function holderSignature(s, to) {
  const nonce = uniq('n').replace(/\W/g, '');
  const deadline = new Date(Date.now() + 10 * 60 * 1000).toISOString();
  const msg = JSON.stringify({ action: 'transfer', ddc_id: s.cert.ddc_id, deadline, nonce, to });
  return { nonce, deadline, signature: crypto.sign(null, Buffer.from(msg), s.signingKey).toString('base64url') };
}

// Every certificate the caller sees through a listing (all pages).
async function listAll(path, key) {
  const out = [];
  let cursor = null;
  for (let i = 0; i < 10000; i++) {
    const sep = path.includes('?') ? '&' : '?';
    const r = await get(`${path}${sep}limit=200${cursor ? `&cursor=${cursor}` : ''}`, key);
    if (r.status !== 200) return r;
    out.push(...r.json.items);
    cursor = r.json.next_cursor;
    if (cursor === null) break;
  }
  return { status: 200, items: out };
}

// Rows: [name, expected statuses for op, iss, iss2, hold, hold2, anon, spec]. spec.fresh: a new
// scene for every caller; spec.prep(s): more set-up before each call; spec.run(s, key): the call;
// spec.codes: expected problem codes by role (default: 401 unauthorized, 403 forbidden);
// spec.check(res, role, s): more checks of a 2xx answer.
const rows = [
  // prices
  ['GET /v1/prices?issuer_id={issuer}', [200, 200, 403, 200, 403, 401], {
    run: (s, k) => get(`/v1/prices?issuer_id=${w.issuer.id}`, k),
    check: (r) => assert.equal(r.json.issuer_id, w.issuer.id),
  }],
  ['GET /v1/prices (own or default prices)', [200, 200, 200, 200, 200, 401], {
    run: (s, k) => get('/v1/prices', k),
    check: (r, role) => assert.equal(r.json.issuer_id,
      { op: null, iss: w.issuer.id, iss2: w.issuer2.id, hold: w.issuer.id, hold2: w.issuer2.id }[role]),
  }],
  ['PUT /v1/prices/{operation} for the issuer', [200, 403, 403, 403, 403, 401], {
    run: (s, k) => put('/v1/prices/batch_row', k, { amount_minor: 80, currency: 'CNY', issuer_id: w.issuer.id }),
  }],
  ['DELETE /v1/prices/{operation}?issuer_id={issuer}', [200, 403, 403, 403, 403, 401], {
    prep: async () => ok(await put('/v1/prices/batch_row', w.op, { amount_minor: 80, currency: 'CNY', issuer_id: w.issuer.id })),
    run: (s, k) => del(`/v1/prices/batch_row?issuer_id=${w.issuer.id}`, k),
  }],
  // money
  ['POST /v1/accounts/{holder}/recharges', [409, 201, 403, 403, 403, 401], {
    codes: { op: 'wrong_account_role' },
    run: (s, k) => post(`/v1/accounts/${s.holder.id}/recharges`, k, { amount_minor: 1, currency: 'CNY', reference: uniq('r') }),
    check: (r, role, s) => { assert.equal(r.json.account_id, s.holder.id); assert.equal(r.json.replayed, false); },
  }],
  ['POST /v1/accounts/{issuer}/recharges', [201, 403, 403, 403, 403, 401], {
    run: (s, k) => post(`/v1/accounts/${w.issuer.id}/recharges`, k, { amount_minor: 1, currency: 'CNY', reference: uniq('r') }),
  }],
  ...['balance', 'journal', 'statement'].flatMap((what) => [
    [`GET /v1/accounts/{holder}/${what}`, [200, 200, 403, 200, 403, 401], {
      run: (s, k) => get(`/v1/accounts/${s.holder.id}/${what}`, k),
      check: (r) => assert.match(r.headers['content-type'], what === 'statement' ? /^text\/csv/ : /^application\/json/),
    }],
    [`GET /v1/accounts/{issuer}/${what}`, [200, 200, 403, 403, 403, 401], {
      run: (s, k) => get(`/v1/accounts/${w.issuer.id}/${what}`, k),
    }],
  ]),
  // approvals and keys
  ['POST /v1/accounts/{holder}/operators', [200, 200, 403, 200, 403, 401], {
    fresh: true,
    run: (s, k) => post(`/v1/accounts/${s.holder.id}/operators`, k, { operator_id: w.holder.id, approved: true }),
    check: (r, role, s) => { assert.equal(r.json.owner_id, s.holder.id); assert.equal(r.json.approved, true); },
  }],
  ['GET /v1/accounts/{holder}/operators', [200, 200, 403, 200, 403, 401], {
    run: (s, k) => get(`/v1/accounts/${s.holder.id}/operators`, k),
  }],
  ['POST /v1/accounts/{issuer}/approvals', [200, 200, 403, 403, 403, 401], {
    run: (s, k) => post(`/v1/accounts/${w.issuer.id}/approvals`, k, { issuer_id: w.issuer3.id, approved: true }),
  }],
  ['GET /v1/accounts/{issuer}/approvals', [200, 200, 403, 200, 403, 401], {
    run: (s, k) => get(`/v1/accounts/${w.issuer.id}/approvals`, k),
  }],
  ['PUT /v1/accounts/{holder}/holder-key', [403, 403, 403, 200, 403, 401], {
    fresh: true,
    run: (s, k) => put(`/v1/accounts/${s.holder.id}/holder-key`, k,
      { public_key: crypto.generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }).x }),
  }],
  ['GET /v1/accounts/{holder}/holder-key', [200, 200, 403, 200, 403, 401], {
    scene: () => sk,
    run: (s, k) => get(`/v1/accounts/${s.holder.id}/holder-key`, k),
  }],
  ['POST /v1/accounts/{issuer}/keys', [201, 201, 403, 403, 403, 401], {
    run: (s, k) => post(`/v1/accounts/${w.issuer.id}/keys`, k),
    check: (r) => { assert.equal(r.json.issuer_id, w.issuer.id); assert.equal(r.json.current, true); },
  }],
  ['POST /v1/accounts/{issuer}/keys/{key_id}/retire', [200, 200, 403, 403, 403, 401], {
    prep: async (s) => { s.keyId = (await ok(await post(`/v1/accounts/${w.issuer.id}/keys`, w.op), 201)).key_id; },
    run: (s, k) => post(`/v1/accounts/${w.issuer.id}/keys/${s.keyId}/retire`, k),
  }],
  ['GET /v1/accounts/{issuer}/keys (public keys: any role)', [200, 200, 200, 200, 200, 401], {
    run: (s, k) => get(`/v1/accounts/${w.issuer.id}/keys`, k),
  }],
  // certificates
  ['POST /v1/certificates for the holder', [403, 201, 403, 403, 403, 401], {
    codes: { iss2: 'cross_issuer_not_approved' },
    run: (s, k) => post('/v1/certificates', k, { kind: 'generic', owner_id: s.holder.id, metadata: { title: uniq('t') } }),
    check: (r, role, s) => { assert.equal(r.json.owner_id, s.holder.id); assert.equal(r.json.issuer_id, w.issuer.id); },
  }],
  // naming someone else's holder (or issuer) is refused outright, before anything is scanned
  ['GET /v1/certificates?owner_id={holder}', [200, 200, 403, 200, 403, 401], {
    run: (s, k) => listAll(`/v1/certificates?owner_id=${s.holder.id}`, k),
    check: (r, role, s) => {
      assert.ok(r.items.some((c) => c.ddc_id === s.cert.ddc_id), `${role} sees the certificate in the list`);
    },
  }],
  ['GET /v1/certificates?issuer_id={issuer}', [200, 200, 403, 200, 200, 401], {
    run: (s, k) => listAll(`/v1/certificates?issuer_id=${w.issuer.id}`, k),
    check: (r, role, s) => {
      const seen = r.items.some((c) => c.ddc_id === s.cert.ddc_id);
      assert.equal(seen, ['op', 'iss', 'hold'].includes(role), `${role} sees the certificate in the list: ${seen}`);
      if (role === 'iss2' || role === 'hold2') assert.deepEqual(r.items, []);
    },
  }],
  ['GET /v1/certificates (no filters)', [200, 200, 200, 200, 200, 401], {
    run: (s, k) => listAll('/v1/certificates', k),
    check: (r, role, s) => {
      const seen = r.items.some((c) => c.ddc_id === s.cert.ddc_id);
      assert.equal(seen, ['op', 'iss', 'hold'].includes(role), `${role} sees the certificate in the list: ${seen}`);
      if (role === 'iss2' || role === 'hold2') {
        for (const c of r.items) assert.notEqual(c.issuer_id, w.issuer.id, `${role} lists certificate ${c.ddc_id} of the issuer`);
      }
    },
  }],
  ['GET /v1/certificates/{ddc_id}', [200, 200, 403, 200, 403, 401], {
    run: (s, k) => get(`/v1/certificates/${s.cert.ddc_id}`, k),
    check: (r, role, s) => assert.equal(r.json.ddc_id, s.cert.ddc_id),
  }],
  ['GET /v1/certificates/{ddc_id}/document', [200, 200, 403, 200, 403, 401], {
    run: (s, k) => get(`/v1/certificates/${s.cert.ddc_id}/document`, k),
    check: (r, role, s) => assert.equal(r.json.ddcId, s.cert.ddc_id),
  }],
  ['GET /v1/certificates/{ddc_id}/events', [200, 200, 403, 200, 403, 401], {
    run: (s, k) => get(`/v1/certificates/${s.cert.ddc_id}/events`, k),
    check: (r, role, s) => assert.equal(r.json.items[0].type, 'mint'),
  }],
  ['POST /v1/certificates/{ddc_id}/transfer', [403, 200, 403, 200, 403, 401], {
    fresh: true,
    run: (s, k) => post(`/v1/certificates/${s.cert.ddc_id}/transfer`, k, { to: w.holder.id }),
    check: (r) => assert.equal(r.json.owner_id, w.holder.id),
  }],
  ['POST /v1/certificates/{ddc_id}/transfer, signed by the holder (owner has a holder key)', [403, 200, 403, 200, 403, 401], {
    fresh: true, holderKey: true,
    run: (s, k) => post(`/v1/certificates/${s.cert.ddc_id}/transfer`, k,
      { to: w.holder.id, holder_signature: holderSignature(s, w.holder.id) }),
    check: (r) => assert.equal(r.json.owner_id, w.holder.id),
  }],
  ['POST /v1/certificates/{ddc_id}/transfer, unsigned (owner has a holder key)', [403, 403, 403, 403, 403, 401], {
    fresh: true, holderKey: true,
    codes: { iss: 'holder_signature_required', hold: 'holder_signature_required' },
    run: (s, k) => post(`/v1/certificates/${s.cert.ddc_id}/transfer`, k, { to: w.holder.id }),
  }],
  ['POST /v1/certificates/{ddc_id}/transfer, with a bad signature (owner has a holder key)', [403, 403, 403, 403, 403, 401], {
    fresh: true, holderKey: true,
    codes: { iss: 'holder_signature_invalid', hold: 'holder_signature_invalid' },
    run: (s, k) => post(`/v1/certificates/${s.cert.ddc_id}/transfer`, k,
      { to: w.holder.id, holder_signature: { nonce: 'n1', deadline: '2099-01-01T00:00:00Z', signature: 'A'.repeat(86) } }),
  }],
  ['POST /v1/certificates/{ddc_id}/transfer, with a signature the keyless owner never made', [403, 409, 403, 409, 403, 401], {
    fresh: true,
    codes: { iss: 'holder_key_not_set', hold: 'holder_key_not_set' },
    run: (s, k) => post(`/v1/certificates/${s.cert.ddc_id}/transfer`, k,
      { to: w.holder.id, holder_signature: { nonce: 'n1', deadline: '2099-01-01T00:00:00Z', signature: 'A'.repeat(86) } }),
  }],
  ['POST /v1/certificates/{ddc_id}/approve', [403, 200, 403, 200, 403, 401], {
    fresh: true,
    run: (s, k) => post(`/v1/certificates/${s.cert.ddc_id}/approve`, k, { operator_id: w.holder.id }),
    check: (r) => assert.equal(r.json.approved_id, w.holder.id),
  }],
  ['POST /v1/certificates/{ddc_id}/freeze', [200, 200, 403, 403, 403, 401], {
    fresh: true,
    run: (s, k) => post(`/v1/certificates/${s.cert.ddc_id}/freeze`, k),
    check: (r) => assert.equal(r.json.status, 'frozen'),
  }],
  ['POST /v1/certificates/{ddc_id}/unfreeze', [200, 200, 403, 403, 403, 401], {
    fresh: true,
    prep: async (s) => ok(await post(`/v1/certificates/${s.cert.ddc_id}/freeze`, w.op)),
    run: (s, k) => post(`/v1/certificates/${s.cert.ddc_id}/unfreeze`, k),
    check: (r) => assert.equal(r.json.status, 'active'),
  }],
  ['POST /v1/certificates/{ddc_id}/revoke', [200, 200, 403, 403, 403, 401], {
    fresh: true,
    run: (s, k) => post(`/v1/certificates/${s.cert.ddc_id}/revoke`, k, { reason: 'roles suite' }),
    check: (r) => assert.equal(r.json.status, 'revoked'),
  }],
  ['POST /v1/certificates/{ddc_id}/burn', [200, 200, 403, 200, 403, 401], {
    fresh: true,
    run: (s, k) => post(`/v1/certificates/${s.cert.ddc_id}/burn`, k),
    check: (r) => assert.equal(r.json.status, 'burned'),
  }],
  // a final certificate: those allowed to act learn it is final, nobody else does
  ['POST /v1/certificates/{ddc_id}/freeze on a revoked certificate', [409, 409, 403, 403, 403, 401], {
    fresh: true,
    codes: { op: 'certificate_final', iss: 'certificate_final' },
    prep: async (s) => ok(await post(`/v1/certificates/${s.cert.ddc_id}/revoke`, w.op, { reason: 'final' })),
    run: (s, k) => post(`/v1/certificates/${s.cert.ddc_id}/freeze`, k),
  }],
  ['POST /v1/certificates/{ddc_id}/burn on a revoked certificate', [409, 409, 403, 409, 403, 401], {
    fresh: true,
    codes: { op: 'certificate_final', iss: 'certificate_final', hold: 'certificate_final' },
    prep: async (s) => ok(await post(`/v1/certificates/${s.cert.ddc_id}/revoke`, w.op, { reason: 'final' })),
    run: (s, k) => post(`/v1/certificates/${s.cert.ddc_id}/burn`, k),
  }],
];

// A database of the suite's own: the operator's unfiltered listing pages through every certificate
// there is, which in the shared database is every one the suites before this one minted.
before(async () => {
  db = await ownDatabase('roles');
  srv = await startDdcd({ env: db.env });
  w = await world(srv.base, db.op);
  w.issuer3 = await createAccount(srv.base, w.op, 'issuer');
  for (const id of [w.issuer.id, w.issuer2.id]) await recharge(w.op, id, MONEY);
  await recharge(w.issuerKey, w.holder.id, 100_000);
  await recharge(w.issuer2Key, w.holder2.id, 100_000);
  s0 = await scene();
  sk = await scene({ holderKey: true });
});
after(async () => {
  await srv?.stop();
  db?.drop();
});

for (const [name, statuses, spec] of rows) {
  test(name, async () => {
    const want = Object.fromEntries(ROLES.map((role, i) => [role, statuses[i]]));
    const got = {};
    const failures = [];
    for (const role of ROLES) {
      const s = spec.fresh ? await scene({ holderKey: spec.holderKey }) : spec.scene ? spec.scene() : s0;
      if (spec.prep) await spec.prep(s);
      const r = await spec.run(s, keyOf(role, s));
      got[role] = r.status;
      const req = r.req ? `${r.req.method} ${r.req.path}${r.req.json ? ` ${JSON.stringify(r.req.json)}` : ''}` : '';
      if (r.status !== want[role]) {
        failures.push(`${role}: ${req} -> ${r.status} ${r.text ?? ''} (expected ${want[role]})`);
        continue;
      }
      if (r.status >= 400) {
        const code = spec.codes?.[role] ?? { 401: 'unauthorized', 403: 'forbidden' }[r.status];
        if (code && r.json.code !== code) failures.push(`${role}: ${req} -> ${r.status} code ${r.json.code} (expected ${code}): ${r.text}`);
      } else if (spec.check) {
        try { spec.check(r, role, s); } catch (e) { failures.push(`${role}: ${req}: ${e.message}`); }
      }
    }
    assert.deepEqual(failures, [], `\n${failures.join('\n')}`);
    assert.deepEqual(got, want);
  });
}

test('the matrix saw problem bodies for its errors', () => {
  assert.ok(errorsChecked > rows.length * 2, `${errorsChecked} error bodies checked`);
});
