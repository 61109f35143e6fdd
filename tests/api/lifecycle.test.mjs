// lifecycle.test.mjs: the ddcd process: CLI and configuration errors, refusing a stale schema,
// graceful shutdown on SIGTERM, and recovery after kill -9 with nothing acknowledged lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startDdcd, runDdcd, request, operatorKey, uniq, world } from './lib.mjs';

const psql = (url, sql) => execFileSync('psql', [url, '-qXc', sql], { env: { ...process.env, PGOPTIONS: '-c client_min_messages=warning' } });

test('--help and --version', async () => {
  const h = await runDdcd(['--help']);
  assert.equal(h.code, 0);
  for (const w of ['serve', 'migrate', 'init', 'DDC_LISTEN', 'DDC_DATABASE_URL', 'DDC_DATA_DIR', 'DDC_THREADS', 'DDC_LOG_LEVEL']) assert.ok(h.stdout.includes(w), w);
  const v = await runDdcd(['--version']);
  assert.equal(v.code, 0);
  assert.match(v.stdout, /^ddcd \d+\.\d+\.\d+\n$/);
  const u = await runDdcd(['frobnicate']);
  assert.equal(u.code, 2);
  assert.match(u.stderr, /unknown command/);
});

test('a wrong setting stops start-up with one line naming it', async () => {
  for (const [env, args, name] of [
    [{ DDC_THREADS: 'lots' }, [], 'DDC_THREADS'],
    [{ DDC_THREADS: '0' }, [], 'DDC_THREADS'],
    [{}, ['--threads', '99999'], '--threads'],
    [{ DDC_LISTEN: '127.0.0.1:99999' }, [], 'DDC_LISTEN'],
    [{ DDC_LISTEN: 'example.org:80' }, [], 'DDC_LISTEN'],
    [{ DDC_LOG_LEVEL: 'loud' }, [], 'DDC_LOG_LEVEL'],
    [{}, ['--bogus'], '--bogus'],
    [{ DDC_MASTER_KEY_FILE: '/nonexistent/master.key' }, [], 'DDC_MASTER_KEY_FILE'],
  ]) {
    const r = await runDdcd(['serve', ...args], env);
    assert.equal(r.code, 2, `${name}: ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `one line: ${r.stderr}`);
    assert.ok(lines[0].includes(name), `${name} named in: ${lines[0]}`);
  }
  // a flag overrides its variable, even an invalid one
  const srv = await startDdcd({ env: { DDC_THREADS: 'lots' }, args: ['--threads', '2'] });
  assert.equal((await request(srv.base, 'GET', '/healthz')).status, 200);
  await srv.stop();
});

test('serve refuses a database whose schema is not current; migrate fixes it and is idempotent', async () => {
  const db = `ddcd_stale_${process.pid}`;
  const url = process.env.DDC_DATABASE_URL;
  psql(url, `DROP DATABASE IF EXISTS ${db}`);
  psql(url, `CREATE DATABASE ${db}`);
  const staleUrl = url.replace(/dbname=\S+/, `dbname=${db}`);
  const r = await runDdcd(['serve', '--listen', '127.0.0.1:0'], { DDC_DATABASE_URL: staleUrl });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /schema is at version 0, this ddcd needs \d+: run `ddcd migrate`/);
  const m1 = await runDdcd(['migrate'], { DDC_DATABASE_URL: staleUrl });
  assert.equal(m1.code, 0, m1.stderr);
  assert.match(m1.stdout, /migrations? applied/);
  const m2 = await runDdcd(['migrate'], { DDC_DATABASE_URL: staleUrl });
  assert.equal(m2.code, 0);
  assert.match(m2.stdout, /\(0 migrations applied\)/);
  // concurrent migrations are safe
  const runs = await Promise.all([1, 2, 3].map(() => runDdcd(['migrate'], { DDC_DATABASE_URL: staleUrl })));
  for (const x of runs) assert.equal(x.code, 0, x.stderr);
  const srv = await startDdcd({ env: { DDC_DATABASE_URL: staleUrl } });
  assert.equal((await request(srv.base, 'GET', '/readyz')).status, 200);
  // readyz notices a schema that went stale under a running server
  psql(staleUrl, 'DELETE FROM ddc_schema WHERE version = (SELECT max(version) FROM ddc_schema)');
  const stale = await request(srv.base, 'GET', '/readyz');
  assert.equal(stale.status, 503);
  assert.equal(stale.json.code, 'schema_outdated');
  await srv.stop();
  psql(url, `DROP DATABASE ${db} WITH (FORCE)`);
});

test('connections killed under a running server are re-established by themselves', async () => {
  const srv = await startDdcd();
  const key = operatorKey();
  assert.equal((await request(srv.base, 'GET', '/v1/accounts?limit=1', { key })).status, 200);
  psql(process.env.DDC_DATABASE_URL, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'");
  for (let i = 0; i < 12; i++) assert.equal((await request(srv.base, 'GET', '/v1/accounts?limit=1', { key })).status, 200, `request ${i}`);
  await srv.stop();
});

test('readyz is 503 while the database is gone and 200 again when it is back', async () => {
  const db = `ddcd_gone_${process.pid}`;
  const url = process.env.DDC_DATABASE_URL;
  const dbUrl = url.replace(/dbname=\S+/, `dbname=${db}`);
  psql(url, `CREATE DATABASE ${db}`);
  assert.equal((await runDdcd(['migrate'], { DDC_DATABASE_URL: dbUrl })).code, 0);
  const srv = await startDdcd({ env: { DDC_DATABASE_URL: dbUrl } });
  assert.equal((await request(srv.base, 'GET', '/readyz')).status, 200);
  psql(url, `DROP DATABASE ${db} WITH (FORCE)`);
  const down = await request(srv.base, 'GET', '/readyz');
  assert.equal(down.status, 503);
  assert.equal(down.json.code, 'db_unavailable');
  assert.equal((await request(srv.base, 'GET', '/healthz')).status, 200, 'the process itself is up');
  psql(url, `CREATE DATABASE ${db}`);
  assert.equal((await runDdcd(['migrate'], { DDC_DATABASE_URL: dbUrl })).code, 0);
  assert.equal((await request(srv.base, 'GET', '/readyz')).status, 200);
  await srv.stop();
  psql(url, `DROP DATABASE ${db} WITH (FORCE)`);
});

test('SIGTERM lets in-flight requests finish and exits 0', async () => {
  const srv = await startDdcd();
  const key = operatorKey();
  const inflight = Array.from({ length: 20 }, () => request(srv.base, 'POST', '/v1/accounts', { key, json: { role: 'issuer', name: uniq('sigterm') } }).catch((e) => e));
  await new Promise((r) => setTimeout(r, 5));
  const exit = srv.stop();
  const results = await Promise.all(inflight);
  const { code } = await exit;
  assert.equal(code, 0);
  for (const r of results) if (!(r instanceof Error)) assert.ok([201, 503].includes(r.status), `status ${r.status}`);
  // every 201 is really there
  const check = await startDdcd();
  for (const r of results) if (!(r instanceof Error) && r.status === 201) assert.equal((await request(check.base, 'GET', `/v1/accounts/${r.json.id}`, { key })).status, 200);
  await check.stop();
});

test('kill -9 under load: restart needs no manual step and every acknowledged write is there', async () => {
  const key = operatorKey();
  const srv = await startDdcd();
  const acked = [];
  let stop = false;
  const worker = async () => {
    while (!stop) {
      try {
        const r = await request(srv.base, 'POST', '/v1/accounts', { key, json: { role: 'issuer', name: uniq('kill9') } });
        if (r.status === 201) acked.push(r.json.id);
      } catch { return; }
    }
  };
  const workers = Array.from({ length: 16 }, worker);
  // killed under load: after at least 400 ms and a few acknowledged writes (however busy the host)
  await new Promise((r) => setTimeout(r, 400));
  for (const end = Date.now() + 30000; acked.length <= 10 && Date.now() < end;) await new Promise((r) => setTimeout(r, 20));
  srv.proc.kill('SIGKILL');
  stop = true;
  await Promise.all(workers);
  await srv.exited;
  assert.ok(acked.length > 10, `some writes acknowledged before the kill (${acked.length})`);
  const again = await startDdcd();
  const ready = await request(again.base, 'GET', '/readyz');
  assert.equal(ready.status, 200);
  for (const id of acked) assert.equal((await request(again.base, 'GET', `/v1/accounts/${id}`, { key })).status, 200, `account ${id}`);
  assert.equal((await request(again.base, 'POST', '/v1/accounts', { key, json: { role: 'issuer', name: uniq('after') } })).status, 201);
  await again.stop();
});

test('kill -9 during concurrent mints and transfers: every 201 is there, money and certificates agree', async () => {
  const srv = await startDdcd();
  const w = await world(srv.base);
  const start = 1_000_000;
  const rc = await request(srv.base, 'POST', `/v1/accounts/${w.issuer.id}/recharges`,
    { key: w.op, json: { amount_minor: start, currency: 'CNY', reference: uniq('kill9-money') } });
  assert.equal(rc.status, 201, rc.text);
  const minted = [];
  const moved = [];
  let stop = false;
  const worker = async (n) => {
    while (!stop) {
      try {
        const r = await request(srv.base, 'POST', '/v1/certificates', {
          key: w.issuerKey,
          json: { kind: 'generic', owner_id: n % 2 ? w.holder.id : undefined, metadata: { title: uniq('kill9') } },
        });
        if (r.status !== 201) continue;
        minted.push(r.json.ddc_id);
        if (r.json.owner_id !== w.issuer.id) continue;
        const t = await request(srv.base, 'POST', `/v1/certificates/${r.json.ddc_id}/transfer`,
          { key: w.issuerKey, json: { to: w.holder.id } });
        if (t.status === 200) moved.push(r.json.ddc_id);
      } catch { return; }
    }
  };
  const workers = Array.from({ length: 16 }, (_, n) => worker(n));
  await new Promise((r) => setTimeout(r, 600));
  srv.proc.kill('SIGKILL');
  stop = true;
  await Promise.all(workers);
  await srv.exited;
  assert.ok(minted.length > 5, `some mints acknowledged before the kill (${minted.length})`);

  const again = await startDdcd();
  const get = (path) => request(again.base, 'GET', path, { key: w.issuerKey });
  for (const id of minted) assert.equal((await get(`/v1/certificates/${id}`)).status, 200, `certificate ${id}`);
  for (const id of moved) assert.equal((await get(`/v1/certificates/${id}`)).json.owner_id, w.holder.id);
  // Every certificate of the issuer was paid for, every transfer too, and nothing else was charged.
  const certs = [];
  for (let cursor = '0'; cursor;) {
    const page = await get(`/v1/certificates?issuer_id=${w.issuer.id}&limit=200&cursor=${cursor}`);
    certs.push(...page.json.items);
    cursor = page.json.next_cursor;
  }
  const lines = [];
  for (let cursor = '0'; cursor;) {
    const page = await get(`/v1/accounts/${w.issuer.id}/journal?limit=500&cursor=${cursor}`);
    lines.push(...page.json.items);
    cursor = page.json.next_cursor;
  }
  const mints = lines.filter((l) => l.reason === 'mint');
  const transfers = lines.filter((l) => l.reason === 'transfer');
  assert.equal(mints.length, certs.length, 'one mint charge per certificate');
  assert.deepEqual(mints.map((l) => l.ddc_id).sort(), certs.map((c) => c.ddc_id).sort());
  const events = []; // 32 at a time: one address may hold at most 64 connections (DDC_CONN_PER_ADDR)
  for (let i = 0; i < certs.length; i += 32)
    events.push(...await Promise.all(certs.slice(i, i + 32).map((c) => get(`/v1/certificates/${c.ddc_id}/events`))));
  const transferEvents = events.flatMap((e) => e.json.items).filter((e) => e.type === 'transfer');
  assert.equal(transfers.length, transferEvents.length, 'one transfer charge per transfer event');
  let balance = 0;
  for (const l of lines) {
    balance += l.delta;
    assert.equal(l.balance_after, balance, `journal line ${l.id}`);
  }
  const now = (await get(`/v1/accounts/${w.issuer.id}/balance`)).json.balances[0].amount_minor;
  assert.equal(now, balance);
  assert.equal(now, start - 100 * mints.length - 50 * transfers.length);
  await again.stop();
});
