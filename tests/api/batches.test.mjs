// batches.test.mjs: batch imports against a real ddcd: malformed CSV gives row errors, never a
// crash; 1,000 rows with 7 bad ones in both modes; a re-upload is the same batch; 402 before
// anything is minted; cancel mid-run; kill -9 mid-run and a restart resume with exact counts;
// an external_ref a single mint takes while the batch runs is reported, not minted twice, and
// the chunk committing alongside is rolled back and done again;
// batch-minted certificates verify like single mints, their mint events written alike; uploads
// cut off by kill -9 end failed, and a retry under the same Idempotency-Key is a new upload;
// a slow upload commits its staged rows every few seconds; at most 16 uploads run at once per
// ddcd, 4 per issuer; a database outage mid-run is waited out, not counted against the batch;
// progress streams wait between events without holding a server thread; an upload refused on
// its headers is answered before its body is sent.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { ASAN_ONLY, startDdcd, request, assertProblem, createAccount, createKey, operatorKey, uniq, ownDatabase, until } from './lib.mjs';
import { jcs } from './jcs.mjs';

let srv;
before(async () => { srv = await startDdcd(); });
after(async () => { await srv?.stop(); });

const HEADER = 'student_name,student_id,degree,major,institution,conferred_on,external_ref';
const row = (tag, i) => `"Student, ${i}",S${i},BSc,Physics,Example University,2026-06-30,${tag}-${i}`;

// An issuer with a key and `amount` minor units of CNY.
async function issuer(base, amount = 100000000, op = operatorKey()) {
  const acct = await createAccount(base, op, 'issuer');
  const key = (await createKey(base, op, acct.id)).key;
  if (amount) {
    const r = await request(base, 'POST', `/v1/accounts/${acct.id}/recharges`,
      { key: op, json: { amount_minor: amount, currency: 'CNY', reference: uniq('r').replace(/ /g, '-') } });
    assert.equal(r.status, 201, r.text);
  }
  return { id: acct.id, key };
}

const upload = (base, key, body, query = 'kind=diploma', headers = {}) =>
  request(base, 'POST', `/v1/batches?${query}`,
    { key, body, headers: { 'content-type': 'text/csv', ...headers } });

async function waitState(base, key, id, states, ms = 60000) {
  const end = Date.now() + ms;
  for (;;) {
    const r = await request(base, 'GET', `/v1/batches/${id}`, { key });
    assert.equal(r.status, 200, r.text);
    if (states.includes(r.json.state)) return r.json;
    if (Date.now() > end) assert.fail(`batch ${id} still ${r.json.state}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

const csvRows = (text) => text.trim().split('\r\n').slice(1).map((l) => l.split(','));
// The account's CNY balance in minor units (0 when it has none).
async function balance(base, key, id) {
  const r = await request(base, 'GET', `/v1/accounts/${id}/balance`, { key });
  assert.equal(r.status, 200, r.text);
  return r.json.balances.find((x) => x.currency === 'CNY')?.amount_minor ?? 0;
}

test('malformed CSV: each bad row is reported, the good ones pass, nothing crashes', async () => {
  const iss = await issuer(srv.base);
  const big = 'x'.repeat(10 * 1024 * 1024);
  const body = Buffer.concat([
    Buffer.from(`\ufeff${HEADER}\r\n${row('M', 1)}\r\n`),
    Buffer.from(`too,few,columns\r\n`),
    Buffer.from(`"Bad \xff",S3,BSc,Physics,U,2026-06-30,M-3\r\n`, 'latin1'),
    Buffer.from(`"${big}",S4,BSc,Physics,U,2026-06-30,M-4\r\n`),
    Buffer.from(`"Multi\nline, name",S5,BSc,Physics,U,2026-06-30,M-5\r\n`),
    Buffer.from(`"Unterminated,S6,BSc,Physics,U,2026-06-30,M-6\r\n${row('M', 7)}\r\n`),
  ]);
  const r = await upload(srv.base, iss.key, body, 'kind=diploma&mode=partial&dry_run=true');
  assert.equal(r.status, 202, r.text);
  assert.equal(r.json.state, 'quoted');
  assert.equal(r.json.rows_valid, 2);
  const errs = await request(srv.base, 'GET', `/v1/batches/${r.json.batch_id}/errors`, { key: iss.key });
  assert.equal(errs.status, 200);
  assert.match(errs.headers['content-type'], /^text\/csv/);
  const lines = csvRows(errs.text).map((f) => `${f[0]}:${f[2]}`);
  assert.deepEqual(lines, ['3:malformed_row', '4:malformed_row', '5:malformed_row', '8:malformed_row']);
  // the header itself unreadable: 400 naming it
  const bad = await upload(srv.base, iss.key, 'a,"b\n');
  assertProblem(bad, 400, 'malformed_row', 'header');
  assertProblem(await upload(srv.base, iss.key, `${HEADER}\n`), 400, 'malformed_row', 'body');
  const media = await request(srv.base, 'POST', '/v1/batches?kind=diploma',
    { key: iss.key, body: 'x', headers: { 'content-type': 'application/json' } });
  assertProblem(media, 415, 'unsupported_media_type');
  assertProblem(await upload(srv.base, iss.key, 'x', 'kind=boat'), 400, 'invalid_parameter', 'kind');
});

// 1,000 rows, 7 of them bad in different ways.
function classOf(tag) {
  const out = [HEADER];
  for (let i = 1; i <= 1000; i++) {
    let l = row(tag, i);
    if (i === 10) l = l.replace('2026-06-30', '2026-02-30');
    if (i === 20) l = l.replace('BSc', '');
    if (i === 30) l = l.replace(`${tag}-30`, `${tag}-1`);
    if (i === 40) l += ',extra';
    if (i === 50) l = `"Bad "quote",S50,BSc,Physics,U,2026-06-30,${tag}-50`;
    if (i === 60) l = l.replace('Physics', '"Phys"ics');
    if (i === 70) l = l.replace(`${tag}-70`, `${tag}-${'r'.repeat(201)}`);
    out.push(l);
  }
  return out.join('\n') + '\n';
}

test('1,000 rows with 7 bad: all_or_nothing mints nothing, partial mints 993', async () => {
  const iss = await issuer(srv.base);
  const before = await balance(srv.base, iss.key, iss.id);
  const all = await upload(srv.base, iss.key, classOf('A'));
  assert.equal(all.status, 202, all.text);
  assert.equal(all.json.state, 'failed');
  assert.equal(all.json.rows_total, 1000);
  assert.equal(all.json.rows_failed, 7);
  const errs = csvRows((await request(srv.base, 'GET', `/v1/batches/${all.json.batch_id}/errors`, { key: iss.key })).text);
  assert.deepEqual(errs.map((f) => Number(f[0])), [11, 21, 31, 41, 51, 61, 71]);
  assert.equal(errs.find((f) => f[0] === '31')[2], 'duplicate_row');
  const none = await request(srv.base, 'GET', `/v1/batches/${all.json.batch_id}/certificates`, { key: iss.key });
  assert.equal(csvRows(none.text).length, 0);
  assert.equal(await balance(srv.base, iss.key, iss.id), before);

  const part = await upload(srv.base, iss.key, classOf('P'), 'kind=diploma&mode=partial');
  assert.equal(part.status, 202, part.text);
  assert.equal(part.json.quote.amount_minor, 993 * part.json.quote.unit_price.amount_minor);
  const done = await waitState(srv.base, iss.key, part.json.batch_id, ['completed']);
  assert.equal(done.rows_done, 993);
  assert.equal(done.charged.amount_minor, 993 * done.quote.unit_price.amount_minor);
  const certs = csvRows((await request(srv.base, 'GET', `/v1/batches/${done.batch_id}/certificates`, { key: iss.key })).text);
  assert.equal(certs.length, 993);
  assert.equal(new Set(certs.map((f) => f[2])).size, 993);
  assert.equal(before - await balance(srv.base, iss.key, iss.id), done.charged.amount_minor);

  // a certificate of the batch verifies like a single mint, once anchored
  const code = certs[0][3];
  let v;
  for (let i = 0; i < 100; i++) {
    v = await request(srv.base, 'GET', `/v1/verify/${code}`);
    if (v.json?.result === 'valid') break;
    await new Promise((res) => setTimeout(res, 100));
  }
  assert.equal(v.json.result, 'valid', v.text);

  // the same file again: the same batch, nothing new
  const again = await upload(srv.base, iss.key, classOf('P'), 'kind=diploma&mode=partial');
  assert.equal(again.status, 200, again.text);
  assert.equal(again.json.batch_id, done.batch_id);
  assert.equal(again.json.rows_done, 993);
  // with an Idempotency-Key: same body, same batch; another body, 422
  const k = { 'idempotency-key': uniq('batch').replace(/ /g, '-') };
  const first = await upload(srv.base, iss.key, classOf('I'), 'kind=diploma&mode=partial&dry_run=true', k);
  const second = await upload(srv.base, iss.key, classOf('I'), 'kind=diploma&mode=partial&dry_run=true', k);
  assert.equal(second.json.batch_id, first.json.batch_id);
  assertProblem(await upload(srv.base, iss.key, classOf('J'), 'kind=diploma&mode=partial&dry_run=true', k),
    422, 'idempotency_key_reused');
});

test('insufficient balance: 402 before anything is minted or reserved; NDJSON rows', async () => {
  const iss = await issuer(srv.base, 100);
  const body = [HEADER, row('F', 1), row('F', 2), row('F', 3)].join('\n');
  const r = await upload(srv.base, iss.key, body);
  assertProblem(r, 402, 'insufficient_funds', undefined, {
    price: { amount_minor: 240, currency: 'CNY' }, balance: { amount_minor: 100, currency: 'CNY' } });
  assert.equal(await balance(srv.base, iss.key, iss.id), 100);
  const nd = await request(srv.base, 'POST', '/v1/batches?kind=generic&mode=partial&dry_run=true', {
    key: iss.key, headers: { 'content-type': 'application/x-ndjson' },
    body: '{"metadata":{"title":"A"},"external_ref":"N-1"}\n{"metadata":{}}\nnot json\n{"metadata":{"title":"B"},"colour":1}\n' });
  assert.equal(nd.status, 202, nd.text);
  assert.equal(nd.json.rows_valid, 1);
  const errs = csvRows((await request(srv.base, 'GET', `/v1/batches/${nd.json.batch_id}/errors`, { key: iss.key })).text);
  assert.deepEqual(errs.map((f) => `${f[0]}:${f[1]}:${f[2]}`),
    ['2:metadata.title:missing_field', '3:row:bad_json', '4:colour:unknown_field']);
});

function bigClass(tag, n) {
  const out = [HEADER];
  for (let i = 1; i <= n; i++) out.push(row(tag, i));
  return out.join('\n') + '\n';
}

test('cancel mid-run: what was minted stays charged, the rest is released', async () => {
  const iss = await issuer(srv.base);
  const r = await upload(srv.base, iss.key, bigClass('C', 30000));
  assert.equal(r.status, 202, r.text);
  for (let i = 0; i < 500; i++) { // cancel once a chunk is in, if the run is not over by then
    const b = (await request(srv.base, 'GET', `/v1/batches/${r.json.batch_id}`, { key: iss.key })).json;
    if (b.rows_done > 0) break;
    await new Promise((res) => setTimeout(res, 10));
  }
  const c = await request(srv.base, 'POST', `/v1/batches/${r.json.batch_id}/cancel`, { key: iss.key });
  assert.equal(c.status, 200, c.text);
  assert.equal(c.json.state, 'cancelled');
  await new Promise((res) => setTimeout(res, 1500)); // a chunk in flight is refused, not committed
  const b = await waitState(srv.base, iss.key, r.json.batch_id, ['cancelled']);
  const certs = csvRows((await request(srv.base, 'GET', `/v1/batches/${b.batch_id}/certificates`, { key: iss.key })).text);
  assert.equal(certs.length, b.rows_done);
  assert.equal(b.charged.amount_minor, b.rows_done * b.quote.unit_price.amount_minor);
  assert.equal(b.reserved.amount_minor, b.charged.amount_minor);
  assert.equal(100000000 - await balance(srv.base, iss.key, iss.id), b.charged.amount_minor);
  assertProblem(await request(srv.base, 'POST', `/v1/batches/${b.batch_id}/cancel`, { key: iss.key }), 409, 'batch_final');
  console.log(`# cancelled after ${b.rows_done} of ${b.rows_valid} rows`);
});

test('kill -9 mid-run: a restarted ddcd resumes; no row twice, none lost, charges exact', async () => {
  const own = await startDdcd();
  const iss = await issuer(own.base);
  const r = await upload(own.base, iss.key, bigClass('K', 20000));
  assert.equal(r.status, 202, r.text);
  for (let i = 0; i < 600; i++) {
    const b = (await request(own.base, 'GET', `/v1/batches/${r.json.batch_id}`, { key: iss.key })).json;
    if (b.rows_done > 0 || b.state !== 'running') break;
    await new Promise((res) => setTimeout(res, 20));
  }
  own.proc.kill('SIGKILL');
  await own.exited;
  const mid = (await request(srv.base, 'GET', `/v1/batches/${r.json.batch_id}`, { key: iss.key })).json;
  console.log(`# killed at ${mid.rows_done} of ${mid.rows_valid} rows (${mid.state})`);
  const done = await waitState(srv.base, iss.key, r.json.batch_id, ['completed'], 120000);
  assert.equal(done.rows_done, 20000);
  assert.equal(done.rows_failed, 0);
  assert.equal(done.charged.amount_minor, 20000 * done.quote.unit_price.amount_minor);
  assert.equal(100000000 - await balance(srv.base, iss.key, iss.id), done.charged.amount_minor);
  const certs = csvRows((await request(srv.base, 'GET', `/v1/batches/${done.batch_id}/certificates`, { key: iss.key })).text);
  assert.equal(certs.length, 20000);
  assert.equal(new Set(certs.map((f) => f[1])).size, 20000);
  assert.equal(new Set(certs.map((f) => f[2])).size, 20000);
  const progress = await request(srv.base, 'GET', `/v1/batches/${done.batch_id}/progress`, { key: iss.key });
  assert.match(progress.headers['content-type'], /^text\/event-stream/);
  assert.match(progress.text, /^event: progress\ndata: \{.*"state": "completed"/m);
});

// A certificate's mint event, parsed, after checking its hash and canonical form.
async function mintEvent(base, key, ddcId) {
  const r = await request(base, 'GET', `/v1/certificates/${ddcId}/events`, { key });
  assert.equal(r.status, 200, r.text);
  const e = r.json.items[0];
  assert.equal(e.type, 'mint');
  assert.equal(e.event_hash, crypto.createHash('sha256').update(e.canonical).digest('hex'));
  const c = JSON.parse(e.canonical);
  assert.equal(jcs(c), e.canonical, 'the event is its own RFC 8785 form');
  assert.equal(c.time, e.time);
  assert.deepEqual(c.data, e.data);
  return c;
}

test('an external_ref minted singly while the batch runs: that row is reported, the rest minted, charges exact', async () => {
  const iss = await issuer(srv.base);
  const n = 8000;
  const hit = 4500; // in the second chunk: the chunk after it, already COPYed, must roll back too
  const r = await upload(srv.base, iss.key, bigClass('T', n), 'kind=diploma&mode=partial');
  assert.equal(r.status, 202, r.text);
  const single = await request(srv.base, 'POST', '/v1/certificates', {
    key: iss.key,
    json: { kind: 'diploma', external_ref: `T-${hit}`, metadata: { student_name: 'Someone Else', student_id: 'X1',
      degree: 'BSc', major: 'Physics', institution: 'Example University', conferred_on: '2026-06-30' } },
  });
  const b = await waitState(srv.base, iss.key, r.json.batch_id, ['completed']);
  const certs = csvRows((await request(srv.base, 'GET', `/v1/batches/${b.batch_id}/certificates`, { key: iss.key })).text);
  const errs = csvRows((await request(srv.base, 'GET', `/v1/batches/${b.batch_id}/errors`, { key: iss.key })).text);
  if (single.status === 201) { // the single mint came first: the batch reports the line
    assert.equal(b.rows_done, n - 1);
    assert.equal(b.rows_failed, 1);
    assert.deepEqual(errs.map((f) => `${f[0]}:${f[1]}:${f[2]}`), [`${hit + 1}:external_ref:external_ref_taken`]);
    assert.ok(!certs.some((f) => f[1] === `T-${hit}`));
  } else { // the batch got there first (a fast machine): the single mint is refused
    assertProblem(single, 409, 'external_ref_taken');
    assert.equal(b.rows_done, n);
  }
  console.log(`# single mint ${single.status}; batch minted ${b.rows_done} of ${n}`);
  assert.equal(certs.length, b.rows_done);
  assert.equal(new Set(certs.map((f) => f[1])).size, b.rows_done);
  assert.equal(b.charged.amount_minor, b.rows_done * b.quote.unit_price.amount_minor);
  assert.equal(b.reserved.amount_minor, b.charged.amount_minor);
  const mintPrice = single.status === 201 ? single.json.charged.amount_minor : 0;
  assert.equal(100000000 - await balance(srv.base, iss.key, iss.id), b.charged.amount_minor + mintPrice);
  // the batch's mint events are written as ddc_mint writes them
  const ours = await mintEvent(srv.base, iss.key, Number(certs[0][2]));
  const lone = await request(srv.base, 'POST', '/v1/certificates', {
    key: iss.key, json: { kind: 'diploma', metadata: { student_name: 'A', student_id: 'A1', degree: 'BSc',
      major: 'Physics', institution: 'Example University', conferred_on: '2026-06-30' } },
  });
  assert.equal(lone.status, 201, lone.text);
  const theirs = await mintEvent(srv.base, iss.key, lone.json.ddc_id);
  assert.deepEqual(Object.keys(ours), Object.keys(theirs));
  assert.deepEqual(Object.keys(ours.data), Object.keys(theirs.data));
  for (const k of ['account', 'actor', 'prev', 'type', 'v']) assert.deepEqual(ours[k], theirs[k], k);
  for (const k of ['issuer', 'keyId', 'kind', 'owner']) assert.deepEqual(ours.data[k], theirs.data[k], k);
  assert.equal(ours.ddcId, Number(certs[0][2]));
  assert.equal(ours.data.certHash, certs[0][4]);
});

test('ddcd import: uploads, follows the batch with plain progress lines, prints the summary; exit codes', async () => {
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const { runDdcd } = await import('./lib.mjs');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ddcd-import-'));
  try {
    const iss = await issuer(srv.base);
    const keyFile = path.join(dir, 'issuer.key');
    fs.writeFileSync(keyFile, `${iss.key}\n`, { mode: 0o600 });
    const tag = uniq('CLI').replace(/ /g, '-');
    const good = path.join(dir, 'good.csv');
    fs.writeFileSync(good, [HEADER, ...Array.from({ length: 40 }, (_, i) => row(tag, i))].join('\r\n') + '\r\n');
    const args = (file, ...more) => ['import', file, '--kind', 'diploma', '--url', srv.base, '--key-file', keyFile, ...more];

    let r = await runDdcd(args(good, '--dry-run'));
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /: quoted; 40 rows, 40 good, 0 bad, 0 minted/);
    assert.match(r.stdout, /quote: 40 x \d+ = \d+ minor units of CNY/);

    r = await runDdcd(args(good));
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /: completed; 40 rows, 40 good, 0 bad, 40 minted/);
    assert.match(r.stderr, /^(running|completed): \d+ of 40 rows/m, 'plain progress lines when not a terminal');
    const id = r.stdout.match(/^batch (\d+):/)[1];
    assert.match(r.stdout, new RegExp(`certificates: ${srv.base}/v1/batches/${id}/certificates`));

    const bad = path.join(dir, 'bad.csv');
    fs.writeFileSync(bad, [HEADER, row(`${tag}-b`, 1), 'too,few', row(`${tag}-b`, 2)].join('\r\n') + '\r\n');
    r = await runDdcd(args(bad, '--partial'));
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /: completed; 3 rows, 2 good, 1 bad, 2 minted/);
    assert.match(r.stdout, /errors: .*\/v1\/batches\/\d+\/errors/);

    const poor = await issuer(srv.base, 0);
    fs.writeFileSync(keyFile, `${poor.key}\n`);
    r = await runDdcd(args(good));
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.match(r.stderr, /answered 402/);
    assert.equal((await runDdcd(['import', good])).code, 2);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// Starts uploads whose bodies never end (chunked, `body` sent), one per [key, idempotency key];
// resolves once the server has begun them all (their batches are there, however busy the host),
// with the requests (to abandon them). One query polls for all of them.
async function hangingUploads(base, uploads, body) {
  const u = new URL('/v1/batches?kind=diploma', base);
  const reqs = uploads.map(([key, idem]) => {
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method: 'POST',
      agent: false, headers: { authorization: `Bearer ${key}`, 'content-type': 'text/csv',
        'transfer-encoding': 'chunked', 'idempotency-key': idem } });
    req.on('error', () => {});
    req.write(body);
    return req;
  });
  const { execFileSync } = await import('node:child_process');
  const keys = uploads.map(([, idem]) => `'${idem}'`).join(',');
  const begun = () => Number(execFileSync('psql', [process.env.DDC_DATABASE_URL, '-qXAtc',
    `SELECT count(*) FROM batches WHERE idempotency_key IN (${keys})`]).toString().trim()) === uploads.length;
  await until('the uploads begun', async () => begun(), 30000);
  await new Promise((res) => setTimeout(res, 100));
  return reqs;
}
const hangingUpload = async (base, key, body, idem) => (await hangingUploads(base, [[key, idem]], body))[0];

test('uploads cut off by kill -9: failed, not left validating; a retry under the key is a new upload', async () => {
  const own = await startDdcd();
  const iss = await issuer(own.base);
  const body = bigClass('X', 3000);
  const keys = [uniq('cut').replace(/ /g, '-'), uniq('cut').replace(/ /g, '-')];
  const reqs = await hangingUploads(own.base, keys.map((k) => [iss.key, k]), body.slice(0, body.length / 2));
  // the same key elsewhere while the upload lives: that upload, still validating
  const ids = [];
  for (const k of keys) {
    const dup = await upload(srv.base, iss.key, body, 'kind=diploma', { 'idempotency-key': k });
    assert.equal(dup.status, 200, dup.text);
    assert.equal(dup.json.state, 'validating');
    ids.push(dup.json.batch_id);
  }
  own.proc.kill('SIGKILL');
  await own.exited;
  for (const q of reqs) q.destroy();

  // retried under its key once the database has seen the connection go (a moment): a new batch
  // that runs; the old one failed, its rows dropped
  let again;
  for (let i = 0; i < 50; i++) {
    again = await upload(srv.base, iss.key, body, 'kind=diploma', { 'idempotency-key': keys[0] });
    if (again.status !== 200 || again.json.state !== 'validating') break;
    await new Promise((res) => setTimeout(res, 100));
  }
  assert.equal(again.status, 202, again.text);
  assert.notEqual(again.json.batch_id, ids[0]);
  assert.equal((await waitState(srv.base, iss.key, again.json.batch_id, ['completed'])).rows_done, 3000);
  const old = await waitState(srv.base, iss.key, ids[0], ['failed'], 1000);
  assert.match(old.reason, /broke off/);
  assert.equal(old.charged, null); // never quoted, never charged
  // never retried: the runner's reaper fails it within its period
  const t0 = Date.now();
  const reaped = await waitState(srv.base, iss.key, ids[1], ['failed'], 30000);
  assert.match(reaped.reason, /broke off/);
  console.log(`# the cut-off upload was failed ${Date.now() - t0} ms after the retry completed`);
  const errs = await request(srv.base, 'GET', `/v1/batches/${ids[1]}/errors`, { key: iss.key });
  assert.equal(csvRows(errs.text).length, 0);
});

test('a slow upload keeps no transaction open for long: its staged rows are committed every few seconds', ASAN_ONLY, async () => {
  const { execFileSync } = await import('node:child_process');
  const staged = (id) => Number(execFileSync('psql', [process.env.DDC_DATABASE_URL, '-qXAtc',
    `SELECT count(*) FROM batch_rows WHERE batch_id = ${Number(id)}`]).toString().trim());
  const iss = await issuer(srv.base);
  const body = bigClass('W', 3000);
  const k = uniq('slow').replace(/ /g, '-');
  const up = await hangingUpload(srv.base, iss.key, body.slice(0, body.length / 3), k);
  const { batch_id: id } = (await upload(srv.base, iss.key, body, 'kind=diploma', { 'idempotency-key': k })).json;
  assert.equal(staged(id), 0, 'the first rows are in a COPY not yet committed');
  await new Promise((res) => setTimeout(res, 5500));
  up.write(body.slice(body.length / 3, body.length / 2)); // the next piece: the COPY ends after 5 s
  await new Promise((res) => setTimeout(res, 500));
  assert.ok(staged(id) > 0, 'rows committed while the upload goes on');
  up.end(body.slice(body.length / 2));
  assert.equal((await waitState(srv.base, iss.key, id, ['completed'])).rows_done, 3000);
});

test('the database drops every connection for 6 s mid-run: the batch waits, then completes; no row twice, charges exact', ASAN_ONLY, async () => {
  const db = await ownDatabase('outage');
  const own = await startDdcd({ env: db.env });
  try {
    const iss = await issuer(own.base, 100000000, db.op);
    const n = 20000;
    const r = await upload(own.base, iss.key, bigClass('O', n));
    assert.equal(r.status, 202, r.text);
    await until('a first chunk', async () =>
      (await request(own.base, 'GET', `/v1/batches/${r.json.batch_id}`, { key: iss.key })).json.rows_done > 0, 60000);
    const end = Date.now() + 6000; // every session of ddcd's is ended as soon as it connects
    while (Date.now() < end) {
      db.sql(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
              WHERE datname = current_database() AND pid <> pg_backend_pid()`);
      await new Promise((res) => setTimeout(res, 100));
    }
    const b = await waitState(own.base, iss.key, r.json.batch_id, ['completed', 'failed'], 60000);
    assert.equal(b.state, 'completed', b.reason);
    assert.equal(b.rows_done, n);
    assert.equal(b.charged.amount_minor, n * b.quote.unit_price.amount_minor);
    assert.equal(db.sql(`SELECT count(*) = count(DISTINCT m.line) AND count(*) = ${n}
      FROM batch_minted m JOIN certificates c USING (ddc_id) WHERE m.batch_id = ${Number(b.batch_id)}`), 't');
  } finally {
    await own.stop();
    db.drop();
  }
});

test('at most 16 uploads at once per ddcd (each holds a database connection) and 4 per issuer: past either, 429 with Retry-After', async () => {
  const own = await startDdcd();
  try {
    const issuers = await Promise.all([0, 1, 2, 3, 4].map(() => issuer(own.base)));
    const body = bigClass('M', 200);
    // uploads that fit under both limits are begun together, 4 then 12
    const hang = (list) => hangingUploads(own.base, list.flatMap((iss) => [0, 1, 2, 3].map(() =>
      [iss.key, uniq('many').replace(/ /g, '-')])), body.slice(0, 2000));
    const ups = await hang([issuers[0]]);
    // the first issuer has its 4: its fifth waits, another issuer's goes through
    let r = await upload(own.base, issuers[0].key, body, 'kind=diploma&dry_run=true');
    assertProblem(r, 429, 'rate_limited');
    assert.equal(r.headers['retry-after'], '1');
    assert.match(r.json.detail, /this issuer has 4 uploads/);
    assert.equal((await upload(own.base, issuers[4].key, body, 'kind=diploma&dry_run=true')).status, 202);
    ups.push(...await hang(issuers.slice(1, 4)));
    // 16 in all: the fifth issuer, with none of its own, waits too
    r = await upload(own.base, issuers[4].key, body, 'kind=diploma&dry_run=true');
    assertProblem(r, 429, 'rate_limited');
    assert.match(r.json.detail, /16 uploads are in progress on this server/);
    // one ends: its slot is given back before its answer, so the next upload is taken at once
    const answered = new Promise((res) => ups[0].on('response', (a) => { a.resume(); a.on('end', () => res(a.statusCode)); }));
    ups[0].end(body.slice(2000));
    assert.equal(await answered, 202);
    r = await upload(own.base, issuers[4].key, bigClass('N', 200), 'kind=diploma&dry_run=true');
    assert.equal(r.status, 202, r.text); // a new body: the same one would give its batch back (200)
    for (const u of ups.slice(1)) u.destroy();
  } finally {
    await own.stop();
  }
});

// Follows a progress stream: counts its events, keeps their states, notes its end.
function follow(base, key, id) {
  const u = new URL(`/v1/batches/${id}/progress`, base);
  const s = { events: 0, states: [], ended: false };
  s.done = new Promise((resolve) => {
    s.req = http.get({ host: u.hostname, port: u.port, path: u.pathname, agent: false,
      headers: { authorization: `Bearer ${key}` } }, (res) => {
      s.status = res.statusCode;
      res.setEncoding('utf8');
      let buf = '';
      res.on('data', (d) => {
        buf += d;
        for (let i; (i = buf.indexOf('\n\n')) >= 0; buf = buf.slice(i + 2)) {
          const [ev, data] = buf.slice(0, i).split('\ndata: ');
          if (ev === 'event: progress') { s.events++; s.states.push(JSON.parse(data).state); }
        }
      });
      res.on('end', () => { s.ended = true; resolve(); });
      res.on('error', resolve);
    });
    s.req.on('error', resolve);
  });
  return s;
}

test('progress streams wait without holding a server thread: one thread, three streams, requests still answered; stop ends them', async () => {
  const own = await startDdcd({ env: { DDC_THREADS: '1' } });
  const iss = await issuer(own.base);
  const body = bigClass('S', 3000);
  const k = uniq('sse').replace(/ /g, '-');
  const up = await hangingUpload(own.base, iss.key, body.slice(0, 1000), k); // validating until it ends
  const { batch_id: id } = (await upload(own.base, iss.key, body, 'kind=diploma', { 'idempotency-key': k })).json;
  const streams = [0, 1, 2].map(() => follow(own.base, iss.key, id));
  await new Promise((res) => setTimeout(res, 300));
  const t0 = Date.now();
  for (let i = 0; i < 20; i++) assert.equal((await request(own.base, 'GET', '/healthz')).status, 200);
  const ms = Date.now() - t0;
  // a stream that slept on the thread would make each request wait up to 500 ms per stream
  assert.ok(ms < 3000, `20 requests beside three open streams took ${ms} ms`);
  await new Promise((res) => setTimeout(res, 1200));
  for (const s of streams) {
    assert.equal(s.status, 200);
    assert.ok(s.events >= 3, `an event every 500 ms (${s.events})`);
    assert.ok(s.states.every((x) => x === 'validating'));
  }
  // the upload ends and the batch runs: each stream's last event is the batch completed
  up.end(body.slice(1000));
  await Promise.all(streams.map((s) => s.done));
  for (const s of streams) {
    assert.ok(s.ended);
    assert.equal(s.states[s.states.length - 1], 'completed');
  }
  // a stream still open when ddcd is told to stop ends, and ddcd exits cleanly
  const k2 = uniq('sse').replace(/ /g, '-');
  const up2 = await hangingUpload(own.base, iss.key, body.slice(0, 1000), k2);
  const { batch_id: id2 } = (await upload(own.base, iss.key, body, 'kind=diploma', { 'idempotency-key': k2 })).json;
  const last = follow(own.base, iss.key, id2);
  await new Promise((res) => setTimeout(res, 700));
  const stopped = own.stop();
  await last.done; // ended by the stop, while the batch is still validating
  assert.ok(last.ended);
  assert.ok(last.events >= 1 && last.states.every((x) => x === 'validating'));
  up2.destroy(); // (ddcd would otherwise wait for this upload before it closes it)
  assert.equal((await stopped).code, 0);
});

// Sends the head of a batch upload on a raw connection, then body (if given) once the server
// says "100 Continue"; resolves with everything the server sent until it closed the connection
// or, while it still waits for the body, until ms passed.
function rawUpload(base, key, head, body = null, ms = 3000) {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(u.port), u.hostname);
    let got = '', sent = false;
    const done = () => { clearTimeout(timer); sock.destroy(); resolve(got); };
    const timer = setTimeout(done, ms);
    sock.on('data', (d) => {
      got += d;
      if (body !== null && !sent && got.startsWith('HTTP/1.1 100 Continue\r\n\r\n')) {
        sent = true;
        sock.write(body);
      }
      if (sent && /\r\n\r\n[\s\S]*HTTP\/1\.1 [2-5]\d\d[\s\S]*\r\n\r\n\{[\s\S]*\}$/.test(got)) done();
    });
    sock.on('end', done);
    sock.on('error', reject);
    sock.write(`POST /v1/batches?kind=diploma&dry_run=true HTTP/1.1\r\nHost: ${u.host}\r\n` +
      `Authorization: Bearer ${key}\r\nContent-Type: text/csv\r\n${head}\r\n`);
  });
}

test('an upload refused on its headers is answered before its body: no 100 Continue, no gigabyte sent first', async () => {
  const iss = await issuer(srv.base);
  const GiB = 'Content-Length: 1073741824\r\n';
  // a bad key, the client waiting for 100 Continue: 401 at once, and the connection closed
  let got = await rawUpload(srv.base, 'ddc_nonsense', `${GiB}Expect: 100-continue\r\n`);
  assert.match(got, /^HTTP\/1\.1 401 /, got);
  assert.match(got, /application\/problem\+json/);
  assert.doesNotMatch(got, /100 Continue/);
  // a bad key announcing a gigabyte without Expect: 401 at once too, nothing read
  got = await rawUpload(srv.base, 'ddc_nonsense', GiB);
  assert.match(got, /^HTTP\/1\.1 401 /, got);
  // a good upload that waits for 100 Continue gets it, sends its body, and is taken
  const body = bigClass('E', 20);
  got = await rawUpload(srv.base, iss.key,
    `Content-Length: ${Buffer.byteLength(body)}\r\nExpect: 100-continue\r\n`, body, 30000);
  assert.match(got, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 202 /, got);
  assert.equal(JSON.parse(got.slice(got.lastIndexOf('\r\n\r\n') + 4)).rows_total, 20);
});
