// numbers.test.mjs: numbers in metadata, across the whole double range and written every way. Each
// one is either minted and then verifies `valid` (its document holding the same value) or refused
// at mint with a 400 naming the field: never accepted and broken. The rule: an integer (written
// without fraction or exponent) must lie within +-2^53, where a double holds it exactly; any other
// finite number is the double it denotes. The same through a single mint and an NDJSON batch.
// Certificates minted by the previous release with whole numbers beyond 2^63 (whose JCS form
// "100000000000000000000" no int64 reader takes) verify `valid` offline, their signed bytes as
// they were.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startDdcd, runDdcd, request, world, assertProblem, uniq } from './lib.mjs';

const LIMIT = 2 ** 53;
let srv, w;
before(async () => {
  srv = await startDdcd({ env: { DDC_ANCHOR_INTERVAL_MS: '100', DDC_PUBLIC_RATE: '0' } });
  w = await world(srv.base);
  const r = await request(srv.base, 'POST', `/v1/accounts/${w.issuer.id}/recharges`,
    { key: w.op, json: { amount_minor: 100_000_000, currency: 'CNY', reference: uniq('n').replace(/ /g, '-') } });
  assert.equal(r.status, 201, r.text);
});
after(async () => { await srv?.stop(); });

// A seeded generator (xorshift64*), so that a failure names a case that can be run again.
function rng(seed) {
  let s = BigInt(seed) || 1n;
  const mask = (1n << 64n) - 1n;
  return () => {
    s ^= s >> 12n; s ^= (s << 25n) & mask; s ^= s >> 27n;
    return (s * 2685821657736338717n) & mask;
  };
}

// n finite doubles from random bit patterns (every exponent equally likely), the edges of the
// rule, and the values the fault was found with.
function doubles(seed, n) {
  const next = rng(seed), view = new DataView(new ArrayBuffer(8)), out = [
    0, -0, 1, -1, 0.1, 1e-7, 5e-324, -5e-324, 1.7976931348623157e308, -1.7976931348623157e308,
    LIMIT, -LIMIT, LIMIT + 2, -(LIMIT + 2), 9e18, 9.3e18, 1e19, 1e20, 5e20, 9.99e20, 1e21, 2 ** 63, 2 ** 64,
  ];
  while (out.length < n) {
    view.setBigUint64(0, next());
    const x = view.getFloat64(0);
    if (Number.isFinite(x)) out.push(x);
  }
  return out;
}

// The ways a client may write x: as JavaScript does (the JCS form), in exponent form, and, for a
// whole number, as plain digits.
function spellings(x) {
  const out = [String(x), x.toExponential()];
  if (Number.isInteger(x) && Math.abs(x) < 1e300) out.push(BigInt(x).toString());
  return [...new Set(out)];
}

// Whether a number written as text is refused: an integer literal beyond 2^53.
const refusedText = (text) => /^-?\d+$/.test(text) && (BigInt(text) > BigInt(LIMIT) || BigInt(text) < -BigInt(LIMIT));
const seed = Number(process.env.DDC_TEST_SEED || Date.now() % 1_000_000);

async function verdict(code) {
  const end = Date.now() + 15000;
  for (;;) {
    const r = await request(srv.base, 'GET', `/v1/verify/${code}`);
    assert.equal(r.status, 200, r.text);
    if (r.json.result !== 'not_yet_anchored') return r.json;
    if (Date.now() > end) assert.fail(`${code} not anchored after 15 s`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

test(`single mints: every number verifies or is refused naming its field (seed ${seed})`, async () => {
  const minted = [];
  let refused = 0;
  for (const x of doubles(seed, 80)) {
    for (const text of spellings(x)) {
      const body = `{"kind":"generic","metadata":{"title":"n","v":{"list":[0,${text}]}}}`;
      const r = await request(srv.base, 'POST', '/v1/certificates', { key: w.issuerKey, body, headers: { 'content-type': 'application/json' } });
      if (!refusedText(text)) {
        assert.equal(r.status, 201, `${text}: ${r.text}`);
        minted.push({ x, text, cert: r.json });
      } else {
        assertProblem(r, 400, 'invalid_field', 'metadata.v.list[1]');
        refused++;
      }
    }
  }
  assert.ok(minted.length > 20 && refused > 20, `${minted.length} minted, ${refused} refused`);
  for (const { x, text, cert } of minted) {
    const doc = await request(srv.base, 'GET', `/v1/certificates/${cert.ddc_id}/document`, { key: w.issuerKey });
    assert.ok(JSON.parse(doc.text).metadata.v.list[1] === x, `${text}: the signed value`); // -0 is 0
    const v = await verdict(cert.code);
    assert.equal(v.result, 'valid', `${text}: ${JSON.stringify(v.checks.filter((c) => !c.ok))}`);
  }
});

test(`NDJSON batch rows: every number verifies or is reported on its row (seed ${seed + 1})`, async () => {
  const xs = doubles(seed + 1, 60);
  const text = (x, i) => (i % 3 === 0 ? x.toExponential() : i % 3 === 1 || !Number.isInteger(x) ? String(x) : BigInt(x).toString());
  const body = xs.map((x, i) => `{"metadata":{"title":"b${i}","v":${text(x, i)}},"external_ref":"${uniq('nb').replace(/ /g, '-')}-${i}"}`).join('\n') + '\n';
  const up = await request(srv.base, 'POST', '/v1/batches?kind=generic&mode=partial',
    { key: w.issuerKey, body, headers: { 'content-type': 'application/x-ndjson' } });
  assert.equal(up.status, 202, up.text);
  const id = up.json.batch_id, end = Date.now() + 60000;
  for (;;) {
    const b = await request(srv.base, 'GET', `/v1/batches/${id}`, { key: w.issuerKey });
    if (['completed', 'failed', 'cancelled'].includes(b.json.state)) { assert.equal(b.json.state, 'completed', b.text); break; }
    if (Date.now() > end) assert.fail(`batch ${id} still ${b.json.state}`);
    await new Promise((res) => setTimeout(res, 100));
  }
  const rows = (t) => t.trim().split('\r\n').slice(1).map((l) => l.split(','));
  const errs = rows((await request(srv.base, 'GET', `/v1/batches/${id}/errors`, { key: w.issuerKey })).text);
  const certs = rows((await request(srv.base, 'GET', `/v1/batches/${id}/certificates`, { key: w.issuerKey })).text);
  const refusedLines = errs.map((e) => Number(e[0])).sort((a, b) => a - b);
  const wantRefused = xs.map((x, i) => (refusedText(text(x, i)) ? i + 1 : 0)).filter(Boolean);
  assert.ok(wantRefused.length > 5, `${wantRefused.length} rows to refuse`);
  assert.deepEqual(refusedLines, wantRefused, 'the rows refused are the integers beyond 2^53');
  for (const e of errs) assert.deepEqual([e[1], e[2]], ['metadata.v', 'invalid_field']);
  assert.equal(certs.length, xs.length - wantRefused.length);
  for (const [line, , , code] of certs) {
    const v = await verdict(code);
    assert.equal(v.result, 'valid', `line ${line} (${xs[line - 1]}): ${JSON.stringify(v.checks.filter((c) => !c.ok))}`);
  }
});

test('certificates the previous release minted with numbers beyond 2^63 verify offline, bytes unchanged', async () => {
  const dir = 'tests/vectors/bundles';
  const logKey = fs.readFileSync(`${dir}/big-number.logkey`, 'utf8').trim();
  const files = fs.readdirSync(dir).filter((f) => /^big-number-\d+\.json$/.test(f));
  assert.equal(files.length, 5);
  for (const f of files) {
    const b = JSON.parse(fs.readFileSync(`${dir}/${f}`, 'utf8'));
    assert.match(b.document, /:-?[1-9]\d{18,20}[,}\]]/, `${f} holds a whole number of 19 to 21 digits`);
    const r = await runDdcd(['verify', `${dir}/${f}`, '--log-key', logKey]);
    assert.equal(r.code, 0, `${f}: ${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /^result: valid$/m, f);
    assert.doesNotMatch(r.stdout, /✗/, f);
  }
});
