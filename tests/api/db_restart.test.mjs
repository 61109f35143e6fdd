// db_restart.test.mjs: database restarts and outages. The suite runs its own PostgreSQL cluster
// (scripts/pg.sh into a temporary directory, destroyed at the end even on failure), since it
// restarts, stops and freezes it and other suites share the test cluster at the same time.
// - pg_ctl restart -m immediate with requests in flight, then none while the database is down
//   (so the server's connections die idle): from 2 s after it accepts connections again, 500
//   mixed requests (mints, balances, reads, verifications, /readyz) all succeed,
//   /readyz answers 200 twenty times out of twenty, and the sequencer and the batch runner work.
// - a database that stays down gets a fast 503 problem+json; one that accepts connections but
//   does not answer them (its postmaster stopped with SIGSTOP) gets a 503 within the connect
//   deadline, not a hang; both recover once the database is back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ASAN_ONLY, startDdcd, runDdcd, request, assertProblem, createAccount, createKey, uniq, until } from './lib.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const PG_CTL = '/usr/lib/postgresql/15/bin/pg_ctl';
const PG_ISREADY = '/usr/lib/postgresql/15/bin/pg_isready';
const asOwner = (cmd, args) =>
  process.getuid() === 0 ? execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args]) : execFileSync(cmd, args);

let work, pgDir, env, op, srv;
let frozen = 0; // the pid of a postmaster stopped with SIGSTOP, until it is continued

// Continues a frozen postmaster and destroys the cluster; also when the suite's process exits
// early (tests/run.sh's clean-up finds what is left in its own directory, next to the logs).
function destroyCluster() {
  if (frozen) process.kill(frozen, 'SIGCONT');
  frozen = 0;
  if (!work) return;
  const dir = work;
  work = null;
  try {
    execFileSync(path.join(ROOT, 'scripts/pg.sh'), ['destroy', path.join(dir, 'pg')]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
process.on('exit', destroyCluster);

before(async () => {
  const parent = process.env.DDC_TEST_LOGS ? path.dirname(process.env.DDC_TEST_LOGS) : os.tmpdir();
  work = fs.mkdtempSync(path.join(parent, 'ddcd-dbrestart.'));
  fs.chmodSync(work, 0o711); // the server's user must reach the cluster
  execFileSync(path.join(ROOT, 'scripts/pg.sh'), ['start', path.join(work, 'pg'), '--fast']);
  pgDir = fs.realpathSync(path.join(work, 'pg'));
  const url = execFileSync(path.join(ROOT, 'scripts/pg.sh'), ['url', path.join(work, 'pg')]).toString().trim();
  const data = path.join(work, 'data');
  env = { DDC_DATABASE_URL: url, DDC_DATA_DIR: data, DDC_MASTER_KEY_FILE: path.join(data, 'master.key'),
    DDC_OPERATOR_KEY_FILE: path.join(data, 'operator.key'), DDC_PUBLIC_RATE: '0' };
  for (const cmd of ['migrate', 'init']) {
    const r = await runDdcd([cmd], env);
    assert.equal(r.code, 0, `ddcd ${cmd}: ${r.stderr}`);
  }
  op = fs.readFileSync(env.DDC_OPERATOR_KEY_FILE, 'utf8').trim();
  srv = await startDdcd({ env });
});

after(async () => {
  if (frozen) process.kill(frozen, 'SIGCONT');
  frozen = 0;
  await srv?.stop();
  destroyCluster();
});

const accepting = () => {
  try {
    execFileSync(PG_ISREADY, ['-q', '-h', pgDir, '-U', 'ddcd', '-d', 'ddcd']);
    return true;
  } catch {
    return false;
  }
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// p, or a failure after ms: a server that hangs fails the test rather than stalling it
function within(p, ms, what) {
  let timer;
  const late = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms); });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

// An issuer with a key and plenty of CNY, and one certificate of theirs.
async function issuer() {
  const acct = await createAccount(srv.base, op, 'issuer');
  const key = (await createKey(srv.base, op, acct.id)).key;
  const rc = await request(srv.base, 'POST', `/v1/accounts/${acct.id}/recharges`,
    { key: op, json: { amount_minor: 100_000_000, currency: 'CNY', reference: uniq('r').replace(/ /g, '-') } });
  assert.equal(rc.status, 201, rc.text);
  const cert = await mint(key);
  assert.equal(cert.status, 201, cert.text);
  return { id: acct.id, key, cert: cert.json };
}

const mint = (key) => request(srv.base, 'POST', '/v1/certificates', {
  key, headers: { 'idempotency-key': uniq('m').replace(/ /g, '-') },
  json: { kind: 'generic', metadata: { title: uniq('restart') } },
});

// Request i of a mix: [what, promise of the response, the status it must have].
function mixed(iss, i) {
  switch (i % 5) {
    case 0: return ['readyz', request(srv.base, 'GET', '/readyz'), 200];
    case 1: return ['mint', mint(iss.key), 201];
    case 2: return ['balance', request(srv.base, 'GET', `/v1/accounts/${iss.id}/balance`, { key: iss.key }), 200];
    case 3: return ['certificate', request(srv.base, 'GET', `/v1/certificates/${iss.cert.ddc_id}`, { key: iss.key }), 200];
    default: return ['verify', request(srv.base, 'GET', `/v1/verify/${iss.cert.code}`), 200];
  }
}

test('restart -m immediate under load: from 2 s after the database is back, 500 mixed requests and 20/20 /readyz succeed; background work resumes', ASAN_ONLY, async () => {
  const iss = await issuer();
  // load until the restart; whatever fails then must be a 503 problem+json
  let stop = false;
  const during = {};
  const worker = async (w) => {
    for (let i = w; !stop; i += 7) {
      const [what, p] = mixed(iss, i);
      const r = await p;
      during[r.status] = (during[r.status] || 0) + 1;
      if (r.status >= 500) assertProblem(r, 503, 'db_unavailable');
      else assert.ok(r.status < 300, `${what} during the restart: ${r.status} ${r.text}`);
    }
  };
  const workers = Array.from({ length: 6 }, (_, w) => worker(w));
  await sleep(500);
  stop = true; // the requests in flight meet the restart; the connections left die idle
  asOwner(PG_CTL, ['-D', pgDir, '-m', 'immediate', '-w', '-t', '60', 'restart', '-l', path.join(pgDir, 'server.log')]);
  await Promise.all(workers);
  await until('the database to accept connections', accepting, 60000);
  const back = Date.now();
  await sleep(2000);

  const failures = [];
  const tally = {};
  for (let i = 0; i < 500; i += 10) { // ten at a time, over every server thread
    const batch = Array.from({ length: 10 }, (_, k) => mixed(iss, i + k));
    for (const [what, p, want] of batch) {
      const r = await p;
      tally[what] = (tally[what] || 0) + 1;
      if (r.status !== want) failures.push(`${what}: ${r.status} ${r.text.slice(0, 200)}`);
    }
  }
  let ready = 0;
  for (let i = 0; i < 20; i++) ready += (await request(srv.base, 'GET', '/readyz')).status === 200;
  console.log(`during the restart: ${JSON.stringify(during)}; after: ${JSON.stringify(tally)}, ` +
    `${failures.length} failed, /readyz ${ready}/20, measured from ${Date.now() - back} ms after the database was back`);
  assert.deepEqual(failures, []);
  assert.equal(ready, 20);

  // the sequencer anchors a certificate minted now; the batch runner runs a batch uploaded now
  const c = await mint(iss.key);
  assert.equal(c.status, 201, c.text);
  await until('the new certificate to be anchored', async () =>
    (await request(srv.base, 'GET', `/v1/verify/${c.json.code}`)).json?.result === 'valid');
  const csv = ['student_name,student_id,degree,major,institution,conferred_on,external_ref',
    ...[1, 2, 3].map((i) => `Student ${i},S${i},BSc,Physics,Example University,2026-06-30,${uniq('b').replace(/ /g, '-')}`)]
    .join('\r\n') + '\r\n';
  const up = await request(srv.base, 'POST', '/v1/batches?kind=diploma', { key: iss.key, body: csv, headers: { 'content-type': 'text/csv' } });
  assert.equal(up.status, 202, up.text);
  await until('the batch to complete', async () => {
    const b = await request(srv.base, 'GET', `/v1/batches/${up.json.batch_id}`, { key: iss.key });
    return b.json?.state === 'completed';
  }, 20000);
});

test('a database that is down gets a fast 503; one that does not answer, a 503 within the connect deadline; both recover', async () => {
  const iss = await issuer();
  const probes = [
    () => request(srv.base, 'GET', '/readyz'),
    () => mint(iss.key),
    () => request(srv.base, 'GET', `/v1/accounts/${iss.id}/balance`, { key: iss.key }),
    () => request(srv.base, 'GET', `/v1/certificates/${iss.cert.ddc_id}`, { key: iss.key }),
  ];
  // timed one at a time, then 8 at once (every thread of the server, some twice)
  const all503 = async (limit, why) => {
    for (const probe of probes) {
      const t0 = Date.now();
      const r = await within(probe(), limit + 5000, why);
      assertProblem(r, 503, 'db_unavailable');
      assert.ok(Date.now() - t0 < limit, `${why}: a 503 took ${Date.now() - t0} ms`);
    }
    const t0 = Date.now();
    for (const r of await within(Promise.all([...probes, ...probes].map((f) => f())), limit + 5000, why))
      assertProblem(r, 503, 'db_unavailable');
    assert.ok(Date.now() - t0 < limit, `${why}: 8 requests at once took ${Date.now() - t0} ms`);
  };

  asOwner(PG_CTL, ['-D', pgDir, '-m', 'immediate', '-w', 'stop']);
  await all503(1000, 'database down');

  asOwner(PG_CTL, ['-D', pgDir, '-w', '-t', '60', 'start', '-l', path.join(pgDir, 'server.log')]);
  frozen = Number(fs.readFileSync(path.join(pgDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  process.kill(frozen, 'SIGSTOP'); // connections are accepted by the kernel, never answered
  await all503(4500, 'database not answering');
  process.kill(frozen, 'SIGCONT');
  frozen = 0;

  await until('/readyz to answer 200', async () => (await request(srv.base, 'GET', '/readyz')).status === 200);
  for (const [what, p, want] of [0, 1, 2, 3, 4].map((i) => mixed(iss, i))) {
    const r = await p;
    assert.equal(r.status, want, `${what} after the database came back: ${r.text}`);
  }
});
