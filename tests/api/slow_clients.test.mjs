// slow_clients.test.mjs: one client cannot take the service down with slow connections. 5,000
// connections from one address, each trickling a request head, while another address's 200
// requests are all answered promptly (the per-address cap refuses them at accept); a trickled
// head is dropped at the head deadline although bytes keep coming, and so is an idle keep-alive
// connection; a request body under the rate floor is cut off (and its batch failed, retryable
// under its key) while a slow but honest upload completes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { RELEASE_ONLY, startDdcd, request, createAccount, createKey, operatorKey, uniq } from './lib.mjs';

const CAP = 50, HEAD_S = 3, MIN_RATE = 4000, GRACE_S = 2;
let srv, port;
before(async () => {
  srv = await startDdcd({ env: { DDC_CONN_PER_ADDR: String(CAP), DDC_HEAD_TIMEOUT_S: String(HEAD_S),
    DDC_BODY_MIN_RATE: String(MIN_RATE), DDC_BODY_RATE_GRACE_S: String(GRACE_S) } });
  port = Number(new URL(srv.base).port);
});
after(async () => { await srv?.stop(); });

const sleep = (ms) => new Promise((res) => setTimeout(res, ms));

// One GET on a fresh connection from 127.0.0.1, failing after 10 s; resolves {status, text, ms}.
function timedGet(urlPath) {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, agent: false, localAddress: '127.0.0.1' }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode, text, ms: Date.now() - t0 }));
    });
    req.setTimeout(10000, () => req.destroy(new Error(`no answer to ${urlPath} in 10 s`)));
    req.on('error', reject);
  });
}

// The connection gauges and counters of /metrics.
async function connMetrics() {
  const text = (await timedGet('/metrics')).text;
  const get = (name) => Number(text.match(new RegExp(`^${name} (\\d+)$`, 'm'))[1]);
  return { open: get('ddcd_http_connections'), refused: get('ddcd_http_connections_refused_total'),
    headTimeouts: get('ddcd_http_head_timeouts_total'), slowBodies: get('ddcd_http_slow_bodies_total') };
}

// Starts `procs` flood processes of `each` connections from localAddress: ready() resolves once
// each has made its first attempts, stop() kills them and resolves with their summed counts.
function flood(localAddress, procs, each, byteMs, reconnectMs) {
  const kids = Array.from({ length: procs }, () => spawn(process.execPath,
    [path.join(import.meta.dirname, 'slowflood.mjs'), String(port), localAddress, String(each), String(byteMs), String(reconnectMs)],
    { stdio: ['ignore', 'pipe', 'inherit'] }));
  process.on('exit', () => { for (const k of kids) k.kill('SIGKILL'); });
  const outs = kids.map((k) => { const o = { text: '' }; k.stdout.on('data', (d) => (o.text += d)); return o; });
  const exits = kids.map((k) => new Promise((res) => k.on('exit', res)));
  return {
    async ready() {
      const deadline = Date.now() + 30000;
      while (!outs.every((o) => o.text.includes('ready'))) {
        assert.ok(Date.now() < deadline, 'the flood processes could not open their connections in 30 s');
        await sleep(50);
      }
    },
    async stop() {
      for (const k of kids) k.kill('SIGTERM');
      await Promise.all(exits);
      const sum = { connects: 0, closes: 0 };
      for (const o of outs) {
        const c = JSON.parse(o.text.split('\n').find((l) => l.startsWith('{')) ?? '{}');
        sum.connects += c.connects ?? 0;
        sum.closes += c.closes ?? 0;
      }
      return sum;
    },
  };
}

test('5,000 slow connections from 127.0.0.2: 200 requests from 127.0.0.1 all answered promptly', async () => {
  const before = await connMetrics();
  const f = flood('127.0.0.2', 8, 625, 2000, 1000);
  let counts;
  const lat = [], opens = [];
  try {
    await f.ready();
    opens.push((await connMetrics()).open);
    let next = 0;
    await Promise.all(Array.from({ length: 10 }, async () => {
      while (next < 200) {
        const i = next++;
        const r = await timedGet(i % 2 ? '/healthz' : '/readyz');
        assert.equal(r.status, 200);
        lat.push(r.ms);
        if (i % 50 === 0) opens.push((await connMetrics()).open);
      }
    }));
    await sleep((HEAD_S + 1) * 1000); // the capped connections' heads run out of time
    opens.push((await connMetrics()).open);
  } finally {
    counts = await f.stop();
  }
  const after = await connMetrics();
  lat.sort((a, b) => a - b);
  console.log(`# 200 requests: median ${lat[100]} ms, max ${lat[199]} ms; open connections seen ${opens.join(',')};` +
    ` flood connects ${counts.connects}, refused ${after.refused - before.refused}, head timeouts ${after.headTimeouts - before.headTimeouts}`);
  assert.equal(lat.length, 200, 'every request answered');
  assert.ok(lat[199] < 5000, `slowest answer ${lat[199]} ms`);
  for (const o of opens) assert.ok(o <= CAP + 20, `${o} connections open: at most ${CAP} from 127.0.0.2, 10 of ours`);
  assert.ok(after.refused - before.refused >= 5000 - CAP, 'the connections over the cap were refused at accept');
  assert.ok(after.headTimeouts - before.headTimeouts >= CAP, 'the capped connections were dropped at the head deadline');
});

// A raw connection from 127.0.0.3 that writes `first`, then a byte every 300 ms; resolves with the
// seconds until the server closed it (and what it answered), failing after 20 s.
function trickle(first, { then = 'X' } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    let got = '';
    const s = net.connect({ host: '127.0.0.1', port, localAddress: '127.0.0.3' }, () => s.write(first));
    const timer = setInterval(() => { if (!s.destroyed && s.writable) s.write(then); }, 300);
    const limit = setTimeout(() => { s.destroy(); reject(new Error('still open after 20 s')); }, 20000);
    s.on('data', (d) => (got += d));
    s.on('error', () => {});
    s.on('close', () => { clearInterval(timer); clearTimeout(limit); resolve({ s: (Date.now() - t0) / 1000, got }); });
  });
}

test('a trickled request head is dropped at the head deadline although bytes keep coming', async () => {
  const r = await trickle('GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ');
  console.log(`# trickled head closed after ${r.s.toFixed(2)} s (deadline ${HEAD_S} s)`);
  assert.ok(r.s >= HEAD_S - 0.2 && r.s < HEAD_S + 1.5, `closed after ${r.s} s`);
  assert.equal(r.got, '', 'no answer to a head that never ended');
});

test('an idle keep-alive connection is closed at the head deadline after its last answer', async () => {
  const t0 = Date.now();
  let answeredAt = 0;
  const closedAt = await new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port, localAddress: '127.0.0.3' },
      () => s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'));
    s.on('data', (d) => { if (/^HTTP\/1\.1 200/.test(String(d))) answeredAt = Date.now(); });
    s.on('error', reject);
    s.on('close', () => resolve(Date.now()));
    setTimeout(() => { s.destroy(); reject(new Error('still open after 20 s')); }, 20000);
  });
  assert.ok(answeredAt > t0, 'answered');
  const idle = (closedAt - answeredAt) / 1000;
  assert.ok(idle >= HEAD_S - 0.2 && idle < HEAD_S + 1.5, `closed ${idle} s after its answer`);
});

const HEADER = 'student_name,student_id,degree,major,institution,conferred_on,external_ref';
const classOf = (tag, n) => [HEADER, ...Array.from({ length: n },
  (_, i) => `"Student, ${i}",S${i},BSc,Physics,Example University,2026-06-30,${tag}-${i}`)].join('\r\n') + '\r\n';

async function issuer() {
  const op = operatorKey();
  const acct = await createAccount(srv.base, op, 'issuer');
  const key = (await createKey(srv.base, op, acct.id)).key;
  const r = await request(srv.base, 'POST', `/v1/accounts/${acct.id}/recharges`,
    { key: op, json: { amount_minor: 100000000, currency: 'CNY', reference: uniq('r').replace(/ /g, '-') } });
  assert.equal(r.status, 201, r.text);
  return { id: acct.id, key };
}

// Uploads body as a batch at about `rate` bytes a second (pieces every 100 ms); resolves
// {status, json} or {closed: error code}, with the seconds it took.
function paced(key, body, rate, idem) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const req = http.request({ host: '127.0.0.1', port, path: '/v1/batches?kind=diploma', method: 'POST', agent: false,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'text/csv', 'content-length': body.length, 'idempotency-key': idem } },
    (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode, text, json: text ? JSON.parse(text) : undefined, s: (Date.now() - t0) / 1000 }));
    });
    req.on('error', (e) => resolve({ closed: e.code || e.message, s: (Date.now() - t0) / 1000 }));
    const piece = Math.max(1, Math.round(rate / 10));
    let off = 0;
    const timer = setInterval(() => {
      if (req.destroyed) return clearInterval(timer);
      req.write(body.subarray(off, off + piece));
      off += piece;
      if (off >= body.length) { clearInterval(timer); req.end(); }
    }, 100);
  });
}

async function batchByKey(issuerId, idem) {
  const { execFileSync } = await import('node:child_process');
  return execFileSync('psql', [process.env.DDC_DATABASE_URL, '-qXAtF', ',', '-c',
    `SELECT state, rows_done, (SELECT count(*) FROM certificates c WHERE c.issuer_id = ${Number(issuerId)})
       FROM batches WHERE issuer_id = ${Number(issuerId)} AND idempotency_key = '${idem}' ORDER BY id`]).toString().trim();
}

test('a slow but honest upload (above the rate floor) completes, longer than the head deadline', RELEASE_ONLY, async () => {
  const iss = await issuer();
  const body = Buffer.from(classOf('H', 1500)); // ~110 KB at ~20 KB/s: ~5.5 s
  const r = await paced(iss.key, body, 20000, uniq('honest').replace(/ /g, '-'));
  console.log(`# honest upload of ${body.length} bytes: ${r.status ?? r.closed} after ${r.s.toFixed(1)} s`);
  assert.equal(r.status, 202, r.text ?? r.closed);
  assert.ok(r.s > HEAD_S, 'the upload outlasted the head deadline');
  assert.equal(r.json.rows_total, 1500);
});

test('an upload under the rate floor is cut off after the grace; its batch is failed, nothing minted, and a retry under its key goes through', async () => {
  const iss = await issuer();
  const body = Buffer.from(classOf('U', 1500));
  const idem = uniq('under').replace(/ /g, '-');
  const before = await connMetrics();
  const r = await paced(iss.key, body, 1000, idem);
  console.log(`# upload at 1000 B/s: ${r.status ?? r.closed} after ${r.s.toFixed(1)} s`);
  if (r.status !== undefined) assert.equal(r.status, 408, r.text); // else the connection was closed
  assert.ok(r.s >= GRACE_S - 0.2 && r.s < GRACE_S + 3, `cut after ${r.s} s`);
  assert.equal((await connMetrics()).slowBodies, before.slowBodies + 1);
  let rows;
  for (let i = 0; i < 100 && (rows = await batchByKey(iss.id, idem)).startsWith('validating'); i++) await sleep(50);
  assert.equal(rows, 'failed,0,0', 'the cut-off batch is failed and minted nothing');
  const again = await paced(iss.key, body, 2000000, idem);
  assert.equal(again.status, 202, again.text ?? again.closed);
  assert.equal(again.json.rows_total, 1500);
});
