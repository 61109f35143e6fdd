// http_core.test.mjs: the HTTP layer every route shares: health, readiness, metrics, request ids,
// routing errors, body caps, JSON strictness, authentication errors, problem+json everywhere.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import { startDdcd, request, assertProblem, operatorKey } from './lib.mjs';

let srv;
before(async () => { srv = await startDdcd(); });
after(async () => { await srv.stop(); });

test('GET /healthz is 200 without a key', async () => {
  const r = await request(srv.base, 'GET', '/healthz');
  assert.equal(r.status, 200);
  assert.deepEqual(r.json, { status: 'ok' });
  assert.match(r.headers['x-request-id'], /^[0-9a-f]{16}$/);
});

test('GET /readyz is 200 with the schema version', async () => {
  const r = await request(srv.base, 'GET', '/readyz');
  assert.equal(r.status, 200);
  assert.equal(r.json.status, 'ready');
  assert.ok(Number.isInteger(r.json.schema_version) && r.json.schema_version >= 1);
});

test('X-Request-Id is echoed when sane and replaced when not', async () => {
  let r = await request(srv.base, 'GET', '/healthz', { headers: { 'x-request-id': 'abc-123.X:y_z' } });
  assert.equal(r.headers['x-request-id'], 'abc-123.X:y_z');
  r = await request(srv.base, 'GET', '/healthz', { headers: { 'x-request-id': 'bad id with spaces' } });
  assert.match(r.headers['x-request-id'], /^[0-9a-f]{16}$/);
  r = await request(srv.base, 'GET', '/healthz', { headers: { 'x-request-id': 'x'.repeat(65) } });
  assert.match(r.headers['x-request-id'], /^[0-9a-f]{16}$/);
});

test('GET /metrics counts requests by route and status', async () => {
  await request(srv.base, 'GET', '/nope');
  const r = await request(srv.base, 'GET', '/metrics');
  assert.equal(r.status, 200);
  assert.match(r.headers['content-type'], /^text\/plain; version=0\.0\.4/);
  assert.match(r.text, /ddcd_http_requests_total\{route="\/healthz",method="GET",status="200"\} \d+/);
  assert.match(r.text, /ddcd_http_requests_total\{route="unmatched",method="",status="404"\} \d+/);
  assert.match(r.text, /ddcd_http_request_duration_seconds_bucket\{route="\/healthz",method="GET",le="\+Inf"\} \d+/);
  assert.match(r.text, /ddcd_db_errors_total \d+/);
  // Each metric family is one group (Prometheus text format).
  const families = r.text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(/[{ ]/)[0].replace(/_(bucket|sum|count)$/, ''));
  const seen = new Set();
  families.forEach((f, i) => { if (i && families[i - 1] !== f) { assert.ok(!seen.has(f), `family ${f} split`); } seen.add(f); });
});

test('unknown route is 404 problem', async () => {
  assertProblem(await request(srv.base, 'GET', '/v1/nothing'), 404, 'route_not_found');
  assertProblem(await request(srv.base, 'GET', '/v1/accounts/'), 404, 'route_not_found');
  assertProblem(await request(srv.base, 'GET', '/nothing-here'), 404, 'route_not_found');
});

test('HEAD is answered on GET routes without a body', async () => {
  const r = await request(srv.base, 'HEAD', '/healthz');
  assert.equal(r.status, 200);
  assert.equal(r.text, '');
  assert.equal(r.headers['content-length'], '15');
  assertProblem(await request(srv.base, 'GET', '/v1/accounts/1'), 401, 'unauthorized');
  assert.equal((await request(srv.base, 'HEAD', '/v1/accounts/1')).status, 401);
});

test('wrong method is 405 with Allow', async () => {
  let r = await request(srv.base, 'PUT', '/v1/accounts', { key: operatorKey(), json: {} });
  assertProblem(r, 405, 'method_not_allowed');
  assert.equal(r.headers.allow, 'POST, GET');
  r = await request(srv.base, 'DELETE', '/healthz');
  assertProblem(r, 405, 'method_not_allowed');
  assert.equal(r.headers.allow, 'GET');
});

test('missing or invalid key is 401', async () => {
  assertProblem(await request(srv.base, 'GET', '/v1/accounts'), 401, 'unauthorized');
  assertProblem(await request(srv.base, 'GET', '/v1/accounts', { headers: { authorization: 'Basic Zm9vOmJhcg==' } }), 401, 'unauthorized');
  assertProblem(await request(srv.base, 'GET', '/v1/accounts', { key: 'ddc_short' }), 401, 'unauthorized');
  const real = operatorKey();
  const wrongSecret = real.slice(0, -1) + (real.endsWith('a') ? 'b' : 'a');
  assertProblem(await request(srv.base, 'GET', '/v1/accounts', { key: wrongSecret }), 401, 'unauthorized');
  const wrongPrefix = 'ddc_aaaaaaaaaa_' + real.slice(15);
  assertProblem(await request(srv.base, 'GET', '/v1/accounts', { key: wrongPrefix }), 401, 'unauthorized');
  const r = await request(srv.base, 'GET', '/v1/accounts', { headers: { authorization: `bearer ${real}` } });
  assert.equal(r.status, 200, 'scheme is case-insensitive');
});

test('malformed JSON is 400 naming the problem', async () => {
  const r = await request(srv.base, 'POST', '/v1/accounts', { key: operatorKey(), body: '{"role": "issuer", "name": ', headers: { 'content-type': 'application/json' } });
  assertProblem(r, 400, 'bad_json');
  assert.match(r.json.detail, /line 1/);
  assertProblem(await request(srv.base, 'POST', '/v1/accounts', { key: operatorKey(), body: '[1,2]', headers: { 'content-type': 'application/json' } }), 400, 'bad_json');
  assertProblem(await request(srv.base, 'POST', '/v1/accounts', { key: operatorKey(), body: '{"a":1} x', headers: { 'content-type': 'application/json' } }), 400, 'bad_json');
  assertProblem(await request(srv.base, 'POST', '/v1/accounts', { key: operatorKey(), body: '{"name":"a\\u0000b","role":"issuer"}', headers: { 'content-type': 'application/json' } }), 400, 'bad_json');
  assertProblem(await request(srv.base, 'POST', '/v1/accounts', { key: operatorKey(), body: Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]), headers: { 'content-type': 'application/json' } }), 400, 'bad_json');
});

test('duplicate JSON key is 400', async () => {
  const r = await request(srv.base, 'POST', '/v1/accounts', { key: operatorKey(), body: '{"role":"issuer","name":"a","name":"b"}', headers: { 'content-type': 'application/json' } });
  assertProblem(r, 400, 'json_duplicate_key');
  assert.match(r.json.detail, /name/);
});

test('JSON deeper than 32 is 400, 32 is parsed', async () => {
  const deep = (n) => '{"role":"issuer","name":"x","extra":' + '['.repeat(n) + ']'.repeat(n) + '}';
  assertProblem(await request(srv.base, 'POST', '/v1/accounts', { key: operatorKey(), body: deep(32), headers: { 'content-type': 'application/json' } }), 400, 'json_too_deep');
  // depth 31 arrays + the object = 32: parsed, then rejected for the unknown field
  assertProblem(await request(srv.base, 'POST', '/v1/accounts', { key: operatorKey(), body: deep(31), headers: { 'content-type': 'application/json' } }), 400, 'unknown_field', 'extra');
  assertProblem(await request(srv.base, 'POST', '/v1/accounts', { key: operatorKey(), body: '['.repeat(100000), headers: { 'content-type': 'application/json' } }), 400, 'json_too_deep');
});

test('body over 1 MiB is 413, by Content-Length and by chunked upload', async () => {
  const big = '{"role":"issuer","name":"' + 'x'.repeat(1024 * 1024) + '"}';
  assertProblem(await request(srv.base, 'POST', '/v1/accounts', { key: operatorKey(), body: big, headers: { 'content-type': 'application/json' } }), 413, 'body_too_large');
  const chunked = await request(srv.base, 'POST', '/v1/accounts', { key: operatorKey(), body: big, headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } });
  assertProblem(chunked, 413, 'body_too_large');
  // far over the cap: refused before the body is read (the client may see the reset instead)
  const huge = await request(srv.base, 'POST', '/v1/accounts', { key: operatorKey(), body: 'x', headers: { 'content-type': 'application/json', 'content-length': String(64 * 1024 * 1024) } }).catch((e) => e);
  if (!(huge instanceof Error)) assertProblem(huge, 413, 'body_too_large');
  // exactly at the cap is read (and then judged on its content)
  const atCap = '{"role":"issuer","name":"' + 'x'.repeat(1024 * 1024 - 29) + '"}';
  assert.equal(Buffer.byteLength(atCap), 1024 * 1024 - 2);
  assertProblem(await request(srv.base, 'POST', '/v1/accounts', { key: operatorKey(), body: atCap, headers: { 'content-type': 'application/json' } }), 400, 'invalid_field', 'name');
});

test('Content-Type other than JSON is 415; a POST without length is 411', async () => {
  assertProblem(await request(srv.base, 'POST', '/v1/accounts', { key: operatorKey(), body: 'role=issuer', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415, 'unsupported_media_type');
  assertProblem(await request(srv.base, 'POST', '/v1/accounts', { key: operatorKey(), body: '{}' }), 415, 'unsupported_media_type');
  const ok = await request(srv.base, 'POST', '/v1/accounts', { key: operatorKey(), body: '{"role":"issuer","name":"ct ok"}', headers: { 'content-type': 'application/json; charset=utf-8' } });
  assert.equal(ok.status, 201);
  // raw request with neither Content-Length nor Transfer-Encoding
  const raw = await new Promise((resolve, reject) => {
    const u = new URL(srv.base);
    const s = net.connect(Number(u.port), '127.0.0.1', () => {
      s.write(`POST /v1/accounts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${operatorKey()}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n`);
    });
    let buf = '';
    s.on('data', (d) => (buf += d));
    s.on('end', () => resolve(buf));
    s.on('error', reject);
  });
  assert.match(raw, /^HTTP\/1\.1 411 /);
  assert.match(raw, /application\/problem\+json/);
});

test('unknown query parameters and bad values are 400 naming them', async () => {
  assertProblem(await request(srv.base, 'GET', '/v1/accounts?colour=red', { key: operatorKey() }), 400, 'unknown_parameter', 'colour');
  assertProblem(await request(srv.base, 'GET', '/v1/accounts?limit=0', { key: operatorKey() }), 400, 'invalid_parameter', 'limit');
  assertProblem(await request(srv.base, 'GET', '/v1/accounts?limit=201', { key: operatorKey() }), 400, 'invalid_parameter', 'limit');
  assertProblem(await request(srv.base, 'GET', '/v1/accounts?limit=1x', { key: operatorKey() }), 400, 'invalid_parameter', 'limit');
  assertProblem(await request(srv.base, 'GET', '/v1/accounts?cursor=-1', { key: operatorKey() }), 400, 'invalid_parameter', 'cursor');
  assertProblem(await request(srv.base, 'GET', '/v1/accounts?role=king', { key: operatorKey() }), 400, 'invalid_parameter', 'role');
  assertProblem(await request(srv.base, 'GET', '/v1/accounts/abc', { key: operatorKey() }), 400, 'invalid_parameter', 'id');
  assertProblem(await request(srv.base, 'GET', '/v1/accounts/1?debug=1', { key: operatorKey() }), 400, 'unknown_parameter', 'debug');
  assertProblem(await request(srv.base, 'GET', '/healthz?x', {}), 400, 'unknown_parameter', 'x');
  assertProblem(await request(srv.base, 'GET', '/v1/accounts/0', { key: operatorKey() }), 400, 'invalid_parameter', 'id');
  assertProblem(await request(srv.base, 'GET', '/v1/accounts/99999999999999999999', { key: operatorKey() }), 400, 'invalid_parameter', 'id');
});

test('the access log has one JSON line per request and never a key', async () => {
  const key = operatorKey();
  await request(srv.base, 'GET', '/v1/accounts?limit=1', { key, headers: { 'x-request-id': 'log-check-1' } });
  await new Promise((r) => setTimeout(r, 100));
  const lines = fs.readFileSync(srv.log, 'utf8').split('\n').filter(Boolean);
  for (const l of lines) JSON.parse(l);
  const mine = lines.map((l) => JSON.parse(l)).filter((l) => l.request_id === 'log-check-1');
  assert.equal(mine.length, 1);
  assert.equal(mine[0].route, '/v1/accounts');
  assert.equal(mine[0].method, 'GET');
  assert.equal(mine[0].status, 200);
  assert.ok(Number.isInteger(mine[0].us));
  const text = lines.join('\n');
  assert.ok(!text.includes(key.slice(15)), 'secret part of a key never logged');
});

// Sends raw bytes on a new connection; resolves with everything answered until the server closes
// it (or 5 s pass: then {text, open: true}).
function rawExchange(bytes) {
  return new Promise((resolve, reject) => {
    const u = new URL(srv.base);
    let text = '';
    const s = net.connect(Number(u.port), '127.0.0.1', () => s.write(bytes));
    const timer = setTimeout(() => { s.destroy(); resolve({ text, open: true }); }, 5000);
    s.on('data', (d) => (text += d));
    s.on('close', () => { clearTimeout(timer); resolve({ text, open: false }); });
    s.on('error', reject);
  });
}

test('Content-Length headers that disagree, or with Transfer-Encoding, are a 400 and the connection is closed; the same value twice is one', async () => {
  const key = operatorKey();
  const head = `POST /v1/accounts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\n`;
  const body = JSON.stringify({ role: 'issuer', name: `cl ${process.pid}` });
  // The second request hidden in the body must never be answered.
  const smuggled = 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n';
  for (const framing of [`Content-Length: ${body.length}\r\nContent-Length: ${body.length + smuggled.length}\r\n`,
    `Content-Length: ${body.length + smuggled.length}\r\nContent-Length: ${body.length}\r\n`,
    `Content-Length: ${body.length}\r\nTransfer-Encoding: chunked\r\n`]) {
    const r = await rawExchange(`${head}${framing}\r\n${body}${smuggled}`);
    assert.match(r.text, /^HTTP\/1\.1 400 /, framing);
    assert.match(r.text, /\r\nConnection: close\r\n/i);
    assert.match(r.text, /application\/problem\+json/);
    assert.match(r.text, /"code":"bad_header","field":"Content-Length"/);
    assert.equal(r.text.match(/HTTP\/1\.1 /g).length, 1, 'one answer: the smuggled request is not read');
    assert.equal(r.open, false, 'the connection is closed');
  }
  const same = await rawExchange(`${head}Content-Length: ${body.length}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
  assert.match(same.text, /^HTTP\/1\.1 201 /, 'the same Content-Length twice counts as one');
});

test('path ids are canonical decimal: 1%00, 01, +1, " 1", "1 ", 0x1 and out-of-range numbers are never id 1', async () => {
  const key = operatorKey();
  const bad = ['1%00', '01', '001', '+1', '%2B1', '%201', '1%20', '%091', '0x1', '1.0', '1e0', '-1', '9223372036854775808',
    '99999999999999999999'];
  const routes = [
    ['GET', '/v1/accounts/{id}', 'id'], ['GET', '/v1/accounts/{id}/api-keys', 'id'], ['GET', '/v1/accounts/{id}/balance', 'id'],
    ['GET', '/v1/accounts/{id}/journal', 'id'], ['GET', '/v1/accounts/{id}/statement', 'id'],
    ['GET', '/v1/accounts/{id}/operators', 'id'], ['GET', '/v1/accounts/{id}/approvals', 'id'],
    ['GET', '/v1/accounts/{id}/holder-key', 'id'], ['GET', '/v1/accounts/{id}/keys', 'id'],
    ['POST', '/v1/accounts/1/keys/{id}/retire', 'key_id'], ['DELETE', '/v1/api-keys/{id}', 'id'],
    ['GET', '/v1/certificates/{id}', 'ddc_id'], ['GET', '/v1/certificates/{id}/document', 'ddc_id'],
    ['GET', '/v1/certificates/{id}/events', 'ddc_id'], ['GET', '/v1/certificates/{id}/proof', 'ddc_id'],
    ['GET', '/v1/batches/{id}', 'id'], ['GET', '/v1/batches/{id}/progress', 'id'], ['GET', '/v1/batches/{id}/errors', 'id'],
    ['GET', '/v1/batches/{id}/certificates', 'id']];
  for (const [method, pattern, field] of routes)
    for (const id of bad) {
      const r = await request(srv.base, method, pattern.replace('{id}', id), { key });
      assertProblem(r, 400, 'invalid_parameter', field);
    }
  assert.equal((await request(srv.base, 'GET', '/v1/accounts/1', { key })).status, 200, 'id 1 itself');
  // A NUL in a query value is not the end of it either.
  assertProblem(await request(srv.base, 'GET', '/v1/accounts?limit=5%00', { key }), 400, 'invalid_parameter', 'limit');
});
