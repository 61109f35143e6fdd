// lib.mjs: helpers for the API suites. Each suite starts its own real ddcd (the binary in
// DDC_BIN) on a free loopback port against the throwaway database tests/run.sh prepared, and
// stops it with SIGTERM so that sanitizer and leak reports reach the log tests/run.sh scans.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import assert from 'node:assert/strict';

export const BIN = process.env.DDC_BIN;
// tests/run.sh runs every suite against the ASan build (ASAN true) and then the release build. A
// test whose second run would only repeat a wait runs against one of them, by its options:
// RELEASE_ONLY, a test that waits on clocks (deadlines, a node frozen for a minute, backoff) or on
// PostgreSQL's bulk work far more than it runs ddcd's code, against the release build only;
// ASAN_ONLY, a test that waits to reach ddcd code few others reach (its recovery from a kill -9 or
// a database outage, a slow upload's rows committed mid-upload), whose value is that code run under
// the sanitizers, against the ASan build only.
export const ASAN = /\/asan\//.test(BIN || '');
export const RELEASE_ONLY = ASAN ? { skip: 'waits far more than it runs ddcd code: release build only' } : {};
export const ASAN_ONLY = ASAN ? {} : { skip: 'waits to reach code checked under the sanitizers: ASan build only' };
export const LOGS = process.env.DDC_TEST_LOGS || '/tmp';
export const operatorKey = () => fs.readFileSync(process.env.DDC_OPERATOR_KEY_FILE, 'utf8').trim();
let logSeq = 0;
// Every ddcd a suite started and that is still running: killed when the suite's process exits, so
// that a test failing before its stop() leaves nothing behind (the runner is run with
// --test-force-exit, so that process does exit).
const live = new Set();
process.on('exit', () => { for (const p of live) p.kill('SIGKILL'); });

// Starts `ddcd serve` and resolves once it logs the port it listens on.
// command: what to run instead of `serve` (e.g. a witness), ending in its --listen option.
export function startDdcd({ env = {}, args = [], command = ['serve', '--listen', '127.0.0.1:0'] } = {}) {
  const log = path.join(LOGS, `ddcd-${process.pid}-${++logSeq}.log`);
  const out = fs.openSync(log, 'a');
  const proc = spawn(BIN, [...command, ...args], {
    env: { ...process.env, DDC_THREADS: '4', ...env },
    stdio: ['ignore', out, 'pipe'],
  });
  live.add(proc);
  const exited = new Promise((res) => proc.on('exit', (code, sig) => { live.delete(proc); res({ code, sig }); }));
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`ddcd did not start; see ${log}`)), 20000);
    proc.stderr.on('data', (d) => {
      fs.appendFileSync(log, d);
      buf += d;
      const m = buf.match(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
      if (m && timer) {
        clearTimeout(timer);
        resolve({
          base: `http://127.0.0.1:${m[1]}`, proc, log, exited,
          // SIGTERM, then up to 60 s for a clean exit; a ddcd that does not stop is killed and
          // the caller fails, with its log named.
          async stop() {
            if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
            let timer;
            const late = new Promise((res) => { timer = setTimeout(res, 60000, 'late'); });
            const how = await Promise.race([exited, late]);
            clearTimeout(timer);
            if (how !== 'late') return how;
            proc.kill('SIGKILL');
            await exited;
            throw new Error(`ddcd did not stop within 60 s of SIGTERM; see ${log}`);
          },
        });
      }
    });
    exited.then(({ code }) => { clearTimeout(timer); reject(new Error(`ddcd exited ${code}: ${buf}`)); });
  });
}

// Runs a ddcd command to completion; resolves {code, stdout, stderr}.
export function runDdcd(args, env = {}) {
  return new Promise((resolve) => {
    const p = spawn(BIN, args, { env: { ...process.env, ...env } });
    live.add(p);
    let stdout = '', stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('exit', (code) => { live.delete(p); resolve({ code, stdout, stderr }); });
  });
}

// One HTTP request with node:http (full control over headers and body framing); a new connection
// each time unless an http.Agent is given.
// Resolves {status, headers, text, json}.
export function request(base, method, urlPath, { key, body, headers = {}, json, agent = false } = {}) {
  const u = new URL(urlPath, base);
  const h = { ...headers };
  let payload = body;
  if (json !== undefined) {
    payload = JSON.stringify(json);
    h['content-type'] ??= 'application/json';
  }
  if (key) h.authorization = `Bearer ${key}`;
  if (payload !== undefined && h['content-length'] === undefined && h['transfer-encoding'] === undefined)
    h['content-length'] = Buffer.byteLength(payload);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method, headers: h, agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed;
        try { parsed = text ? JSON.parse(text) : undefined; } catch { parsed = undefined; }
        resolve({ status: res.statusCode, headers: res.headers, text, json: parsed });
      });
    });
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

// Asserts an RFC 9457 problem with the registry's shape, status and code (and field if given).
// Extension members: only documented ones; with `members`, exactly those, with those values.
export const PROBLEM_EXTENSIONS = ['price', 'amount', 'balance', 'existing_ddc_id', 'recharge_id'];

export function assertProblem(res, status, code, field, members) {
  assert.equal(res.status, status, `status (body: ${res.text})`);
  assert.match(res.headers['content-type'] || '', /^application\/problem\+json/);
  const p = res.json;
  assert.ok(p && typeof p === 'object', 'problem body is JSON');
  for (const k of ['type', 'title', 'detail', 'code']) assert.equal(typeof p[k], 'string', `problem.${k}`);
  assert.equal(p.status, status, 'problem.status');
  assert.equal(p.type, `urn:ddcd:problem:${p.code}`);
  if (code) assert.equal(p.code, code, `problem.code (detail: ${p.detail})`);
  if (field !== undefined) assert.equal(p.field, field, 'problem.field');
  const extra = Object.keys(p).filter((k) => !['type', 'title', 'status', 'detail', 'code', 'field'].includes(k));
  if (members === undefined) {
    assert.deepEqual(extra.filter((k) => !PROBLEM_EXTENSIONS.includes(k)), [], 'no undocumented members');
    return;
  }
  assert.deepEqual(extra.sort(), Object.keys(members).sort(), 'extension members');
  for (const [k, v] of Object.entries(members)) assert.deepEqual(p[k], v, `problem.${k}`);
}

let nameSeq = 0;
export const uniq = (s) => `${s} ${process.pid}-${++nameSeq}`;

// Creates an account as `key`; returns the account JSON (asserts 201).
export async function createAccount(base, key, role, extra = {}) {
  const res = await request(base, 'POST', '/v1/accounts', { key, json: { role, name: uniq(role), ...extra } });
  assert.equal(res.status, 201, res.text);
  return res.json;
}

// Creates an API key for account id as `key`; returns the key JSON with its secret (asserts 201).
export async function createKey(base, key, id, extra = {}) {
  const res = await request(base, 'POST', `/v1/accounts/${id}/api-keys`, { key, json: { name: uniq('key'), ...extra } });
  assert.equal(res.status, 201, res.text);
  return res.json;
}

// A fresh world: an issuer with a key, a holder of it with a key, and a second issuer + holder.
export async function world(base, op = operatorKey()) {
  const issuer = await createAccount(base, op, 'issuer');
  const issuerKey = (await createKey(base, op, issuer.id)).key;
  const holder = await createAccount(base, issuerKey, 'holder');
  const holderKey = (await createKey(base, issuerKey, holder.id)).key;
  const issuer2 = await createAccount(base, op, 'issuer');
  const issuer2Key = (await createKey(base, op, issuer2.id)).key;
  const holder2 = await createAccount(base, issuer2Key, 'holder');
  const holder2Key = (await createKey(base, issuer2Key, holder2.id)).key;
  return { op, issuer, issuerKey, holder, holderKey, issuer2, issuer2Key, holder2, holder2Key };
}

// A database of the suite's own in the test cluster, migrated and initialised (operator, log key),
// for suites that need a log and a sequencer lock no other suite's ddcd shares, or whose work must
// not grow with what the suites before them left in the shared database.
// Returns {env (for startDdcd), op (the operator's key), sql(query) (psql, trimmed text), drop()}.
export async function ownDatabase(tag) {
  const name = `ddcd_${tag}_${process.pid}`;
  const admin = (q) => execFileSync('psql', [`${process.env.DDC_DATABASE_URL} dbname=postgres`, '-qXAtc', q],
    { env: { ...process.env, PGOPTIONS: '-c client_min_messages=warning' } });
  admin(`DROP DATABASE IF EXISTS ${name}`);
  admin(`CREATE DATABASE ${name}`);
  const dir = path.join(process.env.DDC_DATA_DIR, name);
  const env = { DDC_DATABASE_URL: `${process.env.DDC_DATABASE_URL} dbname=${name}`, DDC_DATA_DIR: dir, DDC_MASTER_KEY_FILE: path.join(dir, 'master.key') };
  for (const cmd of ['migrate', 'init']) {
    const r = await runDdcd([cmd], env);
    assert.equal(r.code, 0, `ddcd ${cmd}: ${r.stderr}`);
  }
  return {
    env,
    op: fs.readFileSync(path.join(dir, 'operator.key'), 'utf8').trim(),
    sql: (q) => execFileSync('psql', [env.DDC_DATABASE_URL, '-qXAtc', q]).toString().trim(),
    drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

// Polls fn every 50 ms until it returns something truthy (returned), failing after ms.
export async function until(what, fn, ms = 10000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
